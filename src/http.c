/*
 * http.c — asynchronous HTTP on the loop: timeouts, a size cap, retries
 * with backoff, an ETag cache and rate-limit bookkeeping.
 *
 * A request owns one easy handle per attempt; between attempts it waits on a
 * loop timer, never sleeping. The callback is called exactly once, from the
 * loop, unless the request is cancelled.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"
#include "http-int.h"
#include "loop.h"
#include "util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define HTTP_USER_AGENT		"mirrortop/" PACKAGE_VERSION
#define HTTP_MAX_BODY		((size_t)8 * 1024 * 1024)
#define HTTP_CONNECT_MS		10000L
#define HTTP_TOTAL_MS		30000L
#define HTTP_STALL_S		15L	/* no byte for this long: stalled */
#define HTTP_ATTEMPTS		3
#define HTTP_MAX_ATTEMPTS	10
#define HTTP_MAX_RETRY_AFTER	60L
#define HTTP_MAX_REDIRS		5L
#define HTTP_BACKOFF_BASE_MS	500UL
#define HTTP_BACKOFF_CAP_MS	8000UL
#define HTTP_MAX_HEADERS	256
#define HTTP_MAX_HOSTS		64
#define HTTP_BLOCK_BASE_S	60L	/* first back-off after a bare 429 */
#define HTTP_BLOCK_CAP_S	3600L	/* ... at most, without a window */
/*
 * Transfers on the loop at once; the rest wait in a queue. curl gives each
 * transfer its own buffers, so thousands of manifest requests in flight
 * would cost tens of megabytes for no speed (hosts cap connections anyway).
 */
#define HTTP_MAX_ACTIVE		96
/*
 * Version 2 records the body's sha256: entries are written without fsync
 * (see http_cache_store), so a torn file must be recognised on load.
 */
#define HTTP_CACHE_MAGIC	"mirrortop-http-cache 2"

struct http_req {
	struct http		*http;
	struct http_req		*prev;
	struct http_req		*next;
	http_cb			 cb;
	void			*arg;

	/* The request, copied. */
	char			*method;	/* NULL: GET */
	int			 head;
	char			*url;
	struct curl_slist	*hdrs;
	char			*body;
	size_t			 body_len;
	int			 send_body;
	size_t			 max_body;
	long			 timeout_ms;
	int			 max_attempts;
	int			 follow;
	long			 max_retry_after;

	/* Streaming (see http.h). */
	size_t			(*sink)(const char *, size_t, void *);
	size_t			(*source)(char *, size_t, void *);
	void			*stream_arg;
	long long		 upload_len;

	/* The cached response, when the ETag cache is in use. */
	char			*cache_path;
	char			*cache_etag;
	char			*cache_body;
	size_t			 cache_len;
	struct http_header	*cache_hdrs;
	size_t			 cache_nhdrs;

	/* Waiting for a transfer slot. */
	struct http_req		*qnext;
	int			 queued;

	/* Timed-out attempts so far; which limit the last one hit. */
	int			 timeouts;
	enum { HTTP_LIMIT_CONNECT = 1, HTTP_LIMIT_STALL, HTTP_LIMIT_TOTAL }
				 limit;

	/* The current attempt. */
	CURL			*easy;
	uint64_t		 timer;
	int			 attempt;
	struct buf		 resp;
	int			 too_large;
	struct http_header	*hdr;
	size_t			 nhdr;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct http {
	struct loop		*loop;
	long			 connect_ms;
	long			 total_ms;
	long			 stall_s;
	int			 attempts;
	char			*cache_dir;
	struct http_req		*reqs;
	struct http_req		*qhead;		/* waiting for a slot */
	struct http_req		*qtail;
	int			 active;	/* transfers on the loop */
	struct http_ratelimit	*rl;
	size_t			 nrl;
	struct http_stats	 stats;
	uint64_t		 rng;
};

/* Headers worth keeping with a cached body (a 304 usually lacks them). */
static const char *const http_cache_keep[] = {
	"link", "content-type", "etag", "last-modified",
	"x-next-page", "x-prev-page", "x-page", "x-per-page", "x-total",
	"x-total-pages", "docker-content-digest",
	"docker-distribution-api-version",
};

/* CURLcodes worth another attempt: the network, not the request, failed. */
static const CURLcode http_retry_codes[] = {
	CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR,
	CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING,
	CURLE_SSL_CONNECT_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM,
};

static void	http_attempt_done(CURL *, CURLcode, void *);
static void	http_deliver(struct http_req *, long, const char *, char *, int);

/* Free an array of headers. */
static void
http_headers_free(struct http_header *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

/* Append one header to an array (capped). */
static void
http_headers_add(struct http_header **h, size_t *n, const char *name,
    size_t namelen, const char *value, size_t valuelen)
{
	if (*n >= HTTP_MAX_HEADERS)
		return;
	*h = xreallocarray(*h, *n + 1, sizeof **h);
	(*h)[*n].name = xstrndup(name, namelen);
	(*h)[*n].value = xstrndup(value, valuelen);
	(*n)++;
}

/* Look a header up in an array, case-insensitively. */
static const char *
http_headers_get(const struct http_header *h, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	}
	return NULL;
}

/* Case-insensitive header lookup in a response; borrowed. */
const char *
http_header(const struct http_response *r, const char *name)
{
	if (r == NULL || name == NULL)
		return NULL;
	return http_headers_get(r->headers, r->nheaders, name);
}

/* A new client on loop with the default policies. */
struct http *
http_new(struct loop *loop)
{
	struct http *h;

	h = xcalloc(1, sizeof *h);
	h->loop = loop;
	h->connect_ms = HTTP_CONNECT_MS;
	h->total_ms = HTTP_TOTAL_MS;
	h->stall_s = HTTP_STALL_S;
	h->attempts = HTTP_ATTEMPTS;
	h->rng = time_mono_ms() ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)(uintptr_t)h ^ (uint64_t)time(NULL);
	return h;
}

/* The loop the client runs on; borrowed. */
struct loop *
http_loop(struct http *h)
{
	return h->loop;
}

/* Default timeouts in seconds; non-positive values keep the current ones. */
void
http_set_timeouts(struct http *h, long connect_s, long total_s)
{
	if (connect_s > 0)
		h->connect_ms = connect_s * 1000;
	if (total_s > 0)
		h->total_ms = total_s * 1000;
}

/* The stall limit in seconds; non-positive values keep the current one. */
void
http_set_stall(struct http *h, long stall_s)
{
	if (stall_s > 0)
		h->stall_s = stall_s;
}

/* Default number of attempts per request (1..10). */
void
http_set_attempts(struct http *h, int n)
{
	if (n < 1)
		n = 1;
	if (n > HTTP_MAX_ATTEMPTS)
		n = HTTP_MAX_ATTEMPTS;
	h->attempts = n;
}

/* Directory of the ETag cache; NULL disables it. Copied. */
void
http_set_cache_dir(struct http *h, const char *dir)
{
	free(h->cache_dir);
	h->cache_dir = (dir != NULL && *dir != '\0') ? xstrdup(dir) : NULL;
}

/* Counters; borrowed, valid until http_free. */
const struct http_stats *
http_stats(struct http *h)
{
	return &h->stats;
}

/* Rate-limit budgets by host; borrowed until the next response. */
size_t
http_ratelimits(struct http *h, const struct http_ratelimit **out)
{
	*out = h->rl;
	return h->nrl;
}

static void	http_url_host(const char *, int, char *, size_t);

/* Until when url's host is rate limited, or 0. */
time_t
http_blocked_until(struct http *h, const char *url)
{
	char host[sizeof h->rl->host];
	size_t i;

	time_t until = 0, now = time(NULL);

	http_url_host(url, 0, host, sizeof host);
	for (i = 0; i < h->nrl; i++)
		if (strcmp(h->rl[i].host, host) == 0 &&
		    h->rl[i].blocked_until > now &&
		    h->rl[i].blocked_until > until)
			until = h->rl[i].blocked_until;
	return until;
}

/* splitmix64: jitter needs spread, not secrecy. */
static uint64_t
http_random(struct http *h)
{
	uint64_t z = (h->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Full-jitter backoff before attempt n+1: random in [0, min(cap, base*2^(n-1))]. */
static long
http_backoff_ms(struct http *h, int attempt)
{
	uint64_t ceiling = HTTP_BACKOFF_BASE_MS;
	int i;

	for (i = 1; i < attempt && ceiling < HTTP_BACKOFF_CAP_MS; i++)
		ceiling *= 2;
	if (ceiling > HTTP_BACKOFF_CAP_MS)
		ceiling = HTTP_BACKOFF_CAP_MS;
	return (long)(http_random(h) % (ceiling + 1));
}

/* "host" or "host:port" of a URL into out; "?" if it cannot be parsed. */
static void
http_url_host(const char *url, int with_port, char *out, size_t len)
{
	CURLU *u;
	char *host = NULL, *port = NULL;

	snprintf(out, len, "?");
	if (url == NULL || (u = curl_url()) == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port,
		    with_port ? CURLU_DEFAULT_PORT : 0) == CURLUE_OK)
			snprintf(out, len, "%s:%s", host, port);
		else
			snprintf(out, len, "%s", host);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* A leading integer of a header value ("100;w=21600" -> 100); -1 if none. */
int
http_parse_long(const char *v, long long *out)
{
	char *end;
	long long n;

	if (v == NULL)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0' && *end != ';' && *end != ',')
		return -1;
	*out = n;
	return 0;
}

/* Retry-After as seconds from now (delay-seconds or HTTP-date); -1 if bad. */
long
http_retry_after(const char *v)
{
	long long n;
	time_t t, now;

	if (v == NULL)
		return -1;
	if (http_parse_long(v, &n) == 0)
		return n > LONG_MAX / 2000 ? LONG_MAX / 2000 : (long)n;
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	now = time(NULL);
	return t <= now ? 0 : (long)(t - now);
}

/*
 * Seconds until an exhausted rate-limit window resets, from the response's
 * *-remaining: 0 and *-reset headers; -1 when they do not say.
 */
static long
http_ratelimit_wait(struct http_req *r)
{
	const char *remaining, *reset;
	long long rem, v;
	time_t now = time(NULL);

	remaining = http_headers_get(r->hdr, r->nhdr, "x-ratelimit-remaining");
	if (remaining == NULL)
		remaining = http_headers_get(r->hdr, r->nhdr,
		    "ratelimit-remaining");
	reset = http_headers_get(r->hdr, r->nhdr, "x-ratelimit-reset");
	if (reset == NULL)
		reset = http_headers_get(r->hdr, r->nhdr, "ratelimit-reset");
	if (http_parse_long(remaining, &rem) != 0 || rem != 0 ||
	    http_parse_long(reset, &v) != 0)
		return -1;
	if (v >= 1000000000LL)
		return v <= (long long)now ? 0 : (long)(v - (long long)now);
	return v > LONG_MAX / 2000 ? LONG_MAX / 2000 : (long)v;
}

/*
 * Whether a 403/429 body is GitHub's secondary rate limit ("You have
 * exceeded a secondary rate limit"), which may come with requests left in
 * the primary budget. Only the start of the body is looked at.
 */
static int
http_secondary_limit(const struct http_req *r, long status)
{
	static const char needle[] = "secondary rate limit";
	size_t len, i, n = sizeof needle - 1;

	if ((status != 403 && status != 429) || r->resp.data == NULL)
		return 0;
	len = r->resp.len < 4096 ? r->resp.len : 4096;
	for (i = 0; i + n <= len; i++) {
		if (strncasecmp(r->resp.data + i, needle, n) == 0)
			return 1;
	}
	return 0;
}

/* The window of "100;w=21600" (seconds), or -1. */
static long long
http_ratelimit_window(const char *v)
{
	const char *w;
	long long n;

	if (v == NULL || (w = strstr(v, ";w=")) == NULL)
		return -1;
	if (http_parse_long(w + 3, &n) != 0 || n <= 0 || n > 7 * 86400)
		return -1;
	return n;
}

/*
 * Record rate-limit headers of a response from url. Returns 1 when a 429
 * said nothing of when to come back and the host now backs off.
 */
int
http_ratelimit_note(struct http *h, const char *url, long status,
    int secondary, const struct http_header *hd, size_t n)
{
	struct http_ratelimit *rl = NULL;
	const char *limit, *remaining, *reset;
	char host[sizeof rl->host];
	enum http_rl_family fam = HTTP_RL_X;
	long long v;
	long ra;
	time_t now = time(NULL);
	size_t i;

	limit = http_headers_get(hd, n, "x-ratelimit-limit");
	remaining = http_headers_get(hd, n, "x-ratelimit-remaining");
	reset = http_headers_get(hd, n, "x-ratelimit-reset");
	if (limit == NULL && remaining == NULL && reset == NULL) {
		fam = HTTP_RL_IETF;
		limit = http_headers_get(hd, n, "ratelimit-limit");
		remaining = http_headers_get(hd, n, "ratelimit-remaining");
		reset = http_headers_get(hd, n, "ratelimit-reset");
	}
	if (limit == NULL && remaining == NULL && reset == NULL) {
		if (status != 429 && !secondary)
			return 0;
		fam = HTTP_RL_NONE;
	}

	http_url_host(url, 0, host, sizeof host);
	for (i = 0; i < h->nrl; i++) {
		if (strcmp(h->rl[i].host, host) != 0)
			continue;
		if (h->rl[i].family == fam || fam == HTTP_RL_NONE) {
			rl = &h->rl[i];
			break;
		}
		if (h->rl[i].family == HTTP_RL_NONE && rl == NULL)
			rl = &h->rl[i];	/* a bare 429's entry, now named */
	}
	if (rl == NULL) {
		if (h->nrl >= HTTP_MAX_HOSTS)
			return 0;
		h->rl = xreallocarray(h->rl, h->nrl + 1, sizeof *h->rl);
		rl = &h->rl[h->nrl++];
		memset(rl, 0, sizeof *rl);
		snprintf(rl->host, sizeof rl->host, "%s", host);
		rl->limit = rl->remaining = -1;
	}
	if (rl->family == HTTP_RL_NONE && fam != HTTP_RL_NONE)
		rl->family = fam;
	snprintf(rl->key, sizeof rl->key, "%s%s", rl->host,
	    rl->family == HTTP_RL_IETF ? " ratelimit" : "");
	if ((v = http_ratelimit_window(limit)) > 0 ||
	    (v = http_ratelimit_window(remaining)) > 0)
		rl->window = (long)v;
	if (http_parse_long(limit, &v) == 0 && v <= LONG_MAX)
		rl->limit = (long)v;
	if (http_parse_long(remaining, &v) == 0 && v <= LONG_MAX)
		rl->remaining = (long)v;
	if (http_parse_long(reset, &v) == 0) {
		/* Epoch seconds (GitHub, GitLab), or a delta (IETF draft). */
		if (v >= 1000000000LL)
			rl->reset = (time_t)v;
		else
			rl->reset = now + (time_t)v;
	}
	if (status == 429 || secondary || (status == 403 &&
	    rl->remaining == 0)) {
		ra = http_retry_after(http_headers_get(hd, n, "retry-after"));
		if (ra >= 0)
			rl->blocked_until = now + ra;
		else if (rl->reset > now && !secondary)
			rl->blocked_until = rl->reset;
		else {
			/*
			 * Nothing says when (Docker Hub's pull limit): back
			 * off exponentially, at most the window the
			 * headers name.
			 */
			long cap = rl->window > 0 ? rl->window :
			    HTTP_BLOCK_CAP_S, wait = HTTP_BLOCK_BASE_S;
			int k;

			for (k = 0; k < rl->strikes && wait < cap; k++)
				wait *= 2;
			if (wait > cap)
				wait = cap;
			rl->blocked_until = now + wait;
			if (rl->strikes < 30)
				rl->strikes++;
			return status == 429 && !secondary;
		}
	} else if (status > 0 && status < 400) {
		rl->blocked_until = 0;
		rl->strikes = 0;
	}
	return 0;
}

/* Unlink a request from its client. */
static void
http_req_unlink(struct http_req *r)
{
	struct http *h = r->http;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else if (h->reqs == r)
		h->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

/* Free a request that is off the loop and unlinked. */
static void
http_req_free(struct http_req *r)
{
	free(r->method);
	free(r->url);
	curl_slist_free_all(r->hdrs);
	free(r->body);
	free(r->cache_path);
	free(r->cache_etag);
	free(r->cache_body);
	http_headers_free(r->cache_hdrs, r->cache_nhdrs);
	buf_free(&r->resp);
	http_headers_free(r->hdr, r->nhdr);
	free(r);
}

/* Stop a request's transfer or timer, unlink and free it, no callback. */
static void
http_req_abort(struct http_req *r)
{
	struct http *h = r->http;

	if (r->easy != NULL) {
		loop_easy_remove(h->loop, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		h->active--;
	}
	if (r->queued) {
		struct http_req **pp, *prev = NULL;

		for (pp = &h->qhead; *pp != NULL; prev = *pp,
		    pp = &(*pp)->qnext) {
			if (*pp == r) {
				*pp = r->qnext;
				if (h->qtail == r)
					h->qtail = prev;
				break;
			}
		}
		r->queued = 0;
	}
	loop_timer_del(h->loop, r->timer);
	r->timer = 0;
	http_req_unlink(r);
	http_req_free(r);
}

/* Cancel every request started with arg; their callbacks are not called. */
void
http_cancel_arg(struct http *h, void *arg)
{
	struct http_req *r, *next;

	for (r = h->reqs; r != NULL; r = next) {
		next = r->next;
		if (r->arg == arg)
			http_req_abort(r);
	}
}

/* Let the paused streams of requests started with arg go on. */
void
http_resume(struct http *h, void *arg)
{
	struct http_req *r;

	for (r = h->reqs; r != NULL; r = r->next)
		if (r->arg == arg && r->easy != NULL)
			curl_easy_pause(r->easy, CURLPAUSE_CONT);
}

/* Free the client, cancelling in-flight requests silently. */
void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	while (h->reqs != NULL)
		http_req_abort(h->reqs);
	free(h->cache_dir);
	free(h->rl);
	free(h);
}

/* Hand the response to the caller, then free the request. */
static void
http_deliver(struct http_req *r, long status, const char *url,
    char *error, int from_cache)
{
	struct http_response resp;

	memset(&resp, 0, sizeof resp);
	resp.status = status;
	resp.url = xstrdup(url != NULL ? url : r->url);
	resp.error = error;
	resp.from_cache = from_cache;
	resp.attempts = r->attempt;
	if (from_cache) {
		size_t i;

		resp.body = r->cache_body;
		resp.len = r->cache_len;
		r->cache_body = NULL;
		resp.headers = r->hdr;
		resp.nheaders = r->nhdr;
		r->hdr = NULL;
		r->nhdr = 0;
		/* The 304's own headers win; the cached ones fill the gaps. */
		for (i = 0; i < r->cache_nhdrs; i++) {
			const struct http_header *c = &r->cache_hdrs[i];

			if (http_headers_get(resp.headers, resp.nheaders,
			    c->name) == NULL)
				http_headers_add(&resp.headers,
				    &resp.nheaders, c->name, strlen(c->name),
				    c->value, strlen(c->value));
		}
	} else if (error != NULL) {
		resp.body = xstrdup("");
		resp.len = 0;
		resp.headers = r->hdr;
		resp.nheaders = r->nhdr;
		r->hdr = NULL;
		r->nhdr = 0;
	} else {
		resp.len = r->resp.len;
		resp.body = buf_steal(&r->resp);
		resp.headers = r->hdr;
		resp.nheaders = r->nhdr;
		r->hdr = NULL;
		r->nhdr = 0;
	}
	http_req_unlink(r);
	r->cb(&resp, r->arg);
	free(resp.body);
	free(resp.url);
	free(resp.error);
	http_headers_free(resp.headers, resp.nheaders);
	http_req_free(r);
}

/* Body bytes: keep them until max_body, then abort the transfer. */
static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_req *r = arg;
	size_t n = size * nmemb, took;
	long status = 0;

	if (r->sink != NULL && r->easy != NULL) {
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300) {
			took = r->sink(ptr, n, r->stream_arg);
			if (took == HTTP_PAUSE)
				return CURL_WRITEFUNC_PAUSE;
			return took == n ? n : 0;
		}
	}
	if (buf_append(&r->resp, ptr, n) == -1) {
		r->too_large = 1;
		return 0;
	}
	return n;
}

/* Header lines: a status line starts a new response, so keep the last. */
static size_t
http_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_req *r = arg;
	size_t n = size * nmemb, len = n, nl, vs;
	const char *colon;

	if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		http_headers_free(r->hdr, r->nhdr);
		r->hdr = NULL;
		r->nhdr = 0;
		return n;
	}
	while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
		len--;
	if (len == 0 || (colon = memchr(ptr, ':', len)) == NULL)
		return n;
	nl = (size_t)(colon - ptr);
	while (nl > 0 && (ptr[nl - 1] == ' ' || ptr[nl - 1] == '\t'))
		nl--;
	if (nl == 0)
		return n;
	vs = (size_t)(colon - ptr) + 1;
	while (vs < len && (ptr[vs] == ' ' || ptr[vs] == '\t'))
		vs++;
	while (len > vs && (ptr[len - 1] == ' ' || ptr[len - 1] == '\t'))
		len--;
	http_headers_add(&r->hdr, &r->nhdr, ptr, nl, ptr + vs, len - vs);
	return n;
}

/* The request body of a streamed upload, from its source. */
static size_t
http_read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct http_req *r = arg;
	size_t n = size * nitems, got;

	got = r->source(buf, n, r->stream_arg);
	if (got == HTTP_PAUSE)
		return CURL_READFUNC_PAUSE;
	if (got == HTTP_ABORT || got > n)
		return CURL_READFUNC_ABORT;
	return got;
}

static int	http_attempt_launch(struct http_req *);

/* Start one attempt now, or queue it when all transfer slots are busy. */
static int
http_attempt_start(struct http_req *r)
{
	struct http *h = r->http;

	if (h->active < HTTP_MAX_ACTIVE)
		return http_attempt_launch(r);
	r->queued = 1;
	r->qnext = NULL;
	if (h->qtail != NULL)
		h->qtail->qnext = r;
	else
		h->qhead = r;
	h->qtail = r;
	return 0;
}

/* Start queued attempts while there are free slots. */
static void
http_pump(struct http *h)
{
	struct http_req *r;

	while (h->active < HTTP_MAX_ACTIVE && (r = h->qhead) != NULL) {
		h->qhead = r->qnext;
		if (h->qhead == NULL)
			h->qtail = NULL;
		r->queued = 0;
		r->qnext = NULL;
		if (http_attempt_launch(r) != 0)
			http_deliver(r, 0, NULL,
			    xstrdup("cannot start transfer"), 0);
	}
}

/* Configure and start one attempt; -1 if curl refused. */
static int
http_attempt_launch(struct http_req *r)
{
	struct http *h = r->http;
	CURL *e;

	if ((e = curl_easy_init()) == NULL)
		return -1;
	buf_free(&r->resp);
	buf_init(&r->resp, r->max_body);
	r->too_large = 0;
	http_headers_free(r->hdr, r->nhdr);
	r->hdr = NULL;
	r->nhdr = 0;
	r->errbuf[0] = '\0';

	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
	/* A stream may take long: only the stall limit bounds it. */
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->sink != NULL ||
	    r->source != NULL ? 0L : r->timeout_ms);
	/* A server that accepted and then sends nothing is given up on
	 * after the stall limit, not the whole time limit. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, h->stall_s);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Never follow an https URL down to plain http. */
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR,
	    strncasecmp(r->url, "https:", 6) == 0 ? "https" : "http,https");
	/* A stream's bytes are hashed as they come: no decoding. */
	if (r->sink == NULL)
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_2TLS);
	/*
	 * Over TLS, wait for a connection being set up and multiplex on it
	 * (HTTP/2). Cleartext is HTTP/1.1 here, where waiting would only
	 * serialize the first requests to a host behind the first answer.
	 */
	if (strncasecmp(r->url, "https:", 6) == 0)
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	/* A HEAD's Content-Length is the size of what it did not fetch;
	 * a stream's sink bounds what it takes. */
	if (!r->head && r->sink == NULL)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)r->max_body);
	if (r->hdrs != NULL)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	if (r->follow) {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRS);
		curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
	}
	if (r->head)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (r->method != NULL)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->source != NULL) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)r->upload_len);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, http_read_cb);
		curl_easy_setopt(e, CURLOPT_READDATA, r);
	} else if (r->send_body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	}

	r->easy = e;
	if (loop_easy_add(h->loop, e, http_attempt_done, r) != 0) {
		r->easy = NULL;
		curl_easy_cleanup(e);
		return -1;
	}
	r->attempt++;
	h->active++;
	h->stats.requests++;
	return 0;
}

/* Retry timer: start the next attempt. */
static void
http_retry_cb(void *arg)
{
	struct http_req *r = arg;

	r->timer = 0;
	if (http_attempt_start(r) != 0)
		http_deliver(r, 0, NULL, xstrdup("cannot start transfer"), 0);
}

/* Schedule another attempt after delay_ms. */
static void
http_retry_later(struct http_req *r, long delay_ms)
{
	r->http->stats.retries++;
	r->timer = loop_timer_add(r->http->loop, delay_ms, http_retry_cb, r);
}

/* Whether a CURLcode is worth another attempt. */
static int
http_retryable(CURLcode rc)
{
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(http_retry_codes); i++) {
		if (http_retry_codes[i] == rc)
			return 1;
	}
	return 0;
}

/* Describe a transport failure; never quotes the URL or header values. */
static char *
http_transport_error(struct http_req *r, CURLcode rc, const char *url,
    long os_errno)
{
	char host[300], hostport[300];
	char *detail, *out;
	long ms = r->timeout_ms;

	http_url_host(url, 0, host, sizeof host);
	http_url_host(url, 1, hostport, sizeof hostport);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (os_errno != 0)
			return xasprintf("connection to %s failed: %s", hostport,
			    strerror((int)os_errno));
		return xasprintf("connection to %s failed", hostport);
	case CURLE_OPERATION_TIMEDOUT:
		/* Say which limit was hit, by its configuration name. */
		if (r->limit == HTTP_LIMIT_CONNECT)
			return xasprintf("no connection to %s within %ld s "
			    "(connect timeout)", hostport,
			    r->http->connect_ms / 1000);
		if (r->limit == HTTP_LIMIT_STALL)
			return xasprintf("%s sent nothing for %ld s "
			    "(http_stall_timeout)", host, r->http->stall_s);
		if (ms % 1000 == 0)
			return xasprintf("timed out after %ld s talking to %s "
			    "(http_timeout)", ms / 1000, host);
		return xasprintf("timed out after %.1f s talking to %s "
		    "(http_timeout)", (double)ms / 1000, host);
	case CURLE_COULDNT_RESOLVE_HOST:
		return xasprintf("cannot resolve host %s", host);
	case CURLE_TOO_MANY_REDIRECTS:
		return xasprintf("too many redirects from %s", host);
	default:
		break;
	}
	/* curl's own message, unless it quotes the request. */
	if (r->errbuf[0] != '\0' && strchr(r->errbuf, '?') == NULL &&
	    strstr(r->errbuf, "://") == NULL)
		detail = str_oneline(r->errbuf, 200);
	else
		detail = xstrdup(curl_easy_strerror(rc));
	out = xasprintf("error talking to %s: %s", host, detail);
	free(detail);
	return out;
}

/*
 * Which limit a timed-out attempt hit: no connection within the connect
 * timeout, nothing received for the stall limit, or the total time.
 */
static void
http_timeout_kind(struct http_req *r, CURL *easy)
{
	curl_off_t connect_us = 0, total_us = 0;

	r->timeouts++;
	curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
	if (total_us / 1000 + 50 >= r->timeout_ms)
		r->limit = HTTP_LIMIT_TOTAL;
	else if (connect_us == 0)
		r->limit = HTTP_LIMIT_CONNECT;
	else
		r->limit = HTTP_LIMIT_STALL;
}

/* Free what http_cache_parse() filled in; see http-int.h. */
void
http_cache_entry_free(struct http_cache_entry *e)
{
	free(e->etag);
	free(e->body);
	http_headers_free(e->hdrs, e->nhdrs);
	memset(e, 0, sizeof *e);
}

/* Parse the bytes of a cache file; see http-int.h. */
int
http_cache_parse(const char *data, size_t len, struct http_cache_entry *e)
{
	const char *p, *eol, *end, *sep;
	char want[80], sum[80];
	int have_sum = 0;

	memset(e, 0, sizeof *e);
	end = data + len;
	p = data;
	if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL ||
	    (size_t)(eol - p) != strlen(HTTP_CACHE_MAGIC) ||
	    memcmp(p, HTTP_CACHE_MAGIC, (size_t)(eol - p)) != 0)
		goto bad;
	p = eol + 1;
	for (;;) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto bad;
		if (eol == p) {
			p++;
			break;
		}
		if ((size_t)(eol - p) > 5 && memcmp(p, "etag ", 5) == 0) {
			free(e->etag);
			e->etag = xstrndup(p + 5, (size_t)(eol - p - 5));
		} else if ((size_t)(eol - p) > 5 &&
		    memcmp(p, "body ", 5) == 0 &&
		    (size_t)(eol - p - 5) < sizeof want) {
			memcpy(want, p + 5, (size_t)(eol - p - 5));
			want[eol - p - 5] = '\0';
			have_sum = 1;
		} else if ((size_t)(eol - p) > 7 &&
		    memcmp(p, "header ", 7) == 0) {
			sep = memchr(p + 7, ':', (size_t)(eol - p - 7));
			if (sep != NULL && sep + 1 < eol)
				http_headers_add(&e->hdrs, &e->nhdrs, p + 7,
				    (size_t)(sep - p - 7), sep + 2,
				    (size_t)(eol - sep - 2));
		}
		p = eol + 1;
	}
	if (e->etag == NULL || *e->etag == '\0' || strlen(e->etag) !=
	    strcspn(e->etag, "\r") || !have_sum)
		goto bad;
	/* A torn or stale write: treat as absent (a full fetch follows). */
	sha256_digest(p, (size_t)(end - p), sum, sizeof sum);
	if (strcmp(sum, want) != 0)
		goto bad;
	/* NUL bytes in the body are kept exactly. */
	e->len = (size_t)(end - p);
	e->body = xmalloc(e->len + 1);
	memcpy(e->body, p, e->len);
	e->body[e->len] = '\0';
	return 0;
bad:
	http_cache_entry_free(e);
	return -1;
}

/* Read a cache file into r; 0 ok, -1 if absent or unusable. */
static int
http_cache_load(struct http_req *r)
{
	struct http_cache_entry e;
	char *data;
	size_t len;
	int rc;

	if (file_read(r->cache_path, r->max_body + 65536, &data, &len) != 0)
		return -1;
	rc = http_cache_parse(data, len, &e);
	free(data);
	free(r->cache_etag);
	free(r->cache_body);
	http_headers_free(r->cache_hdrs, r->cache_nhdrs);
	r->cache_etag = e.etag;
	r->cache_body = e.body;
	r->cache_len = e.len;
	r->cache_hdrs = e.hdrs;
	r->cache_nhdrs = e.nhdrs;
	return rc;
}

/*
 * Write a cache entry: a temporary file renamed over the entry, without
 * fsync. This runs on the event loop, and on a busy disk one fsync can wait
 * for the journal to flush other processes' data (0.1-1 s): every transfer
 * would stall meanwhile. A write lost or torn by a crash is caught by the
 * body checksum on load and costs one full fetch. Failures are ignored:
 * the cache is an optimisation.
 */
static void
http_cache_write(const char *path, const char *data, size_t len)
{
	char *tmp;
	size_t off = 0;
	ssize_t n;
	int fd, ok = 1;

	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		free(tmp);
		return;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = 0;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) == -1)
		ok = 0;
	if (!ok || rename(tmp, path) == -1)
		unlink(tmp);
	free(tmp);
}

/* Store a 200 response with an ETag; drop the entry when it has none. */
static void
http_cache_store(struct http_req *r)
{
	struct http *h = r->http;
	const char *etag, *v;
	struct buf b;
	char sum[80];
	size_t i;

	etag = http_headers_get(r->hdr, r->nhdr, "etag");
	if (etag == NULL || *etag == '\0' || strchr(etag, '\n') != NULL) {
		if (r->cache_etag != NULL)
			unlink(r->cache_path);
		return;
	}
	if (mkdir_p(h->cache_dir, 0700) != 0)
		return;
	sha256_digest(r->resp.data != NULL ? r->resp.data : "", r->resp.len,
	    sum, sizeof sum);
	buf_init(&b, 0);
	buf_printf(&b, "%s\netag %s\nbody %s\n", HTTP_CACHE_MAGIC, etag, sum);
	for (i = 0; i < MT_ARRAY_LEN(http_cache_keep); i++) {
		v = http_headers_get(r->hdr, r->nhdr, http_cache_keep[i]);
		if (v != NULL && strcmp(http_cache_keep[i], "etag") != 0)
			buf_printf(&b, "header %s: %s\n", http_cache_keep[i], v);
	}
	buf_append(&b, "\n", 1);
	buf_append(&b, r->resp.data != NULL ? r->resp.data : "", r->resp.len);
	http_cache_write(r->cache_path, b.data, b.len);
	buf_free(&b);
}

/* An attempt finished: retry, answer from the cache, or deliver. */
static void
http_attempt_done(CURL *easy, CURLcode rc, void *arg)
{
	struct http_req *r = arg;
	struct http *h = r->http;
	char *url = NULL, *eff = NULL, *err;
	long status = 0, os_errno = 0, ra;
	int backoff = 0;

	r->easy = NULL;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		http_timeout_kind(r, easy);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
	if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK &&
	    eff != NULL)
		url = xstrdup(eff);
	else
		url = xstrdup(r->url);
	curl_easy_cleanup(easy);
	h->active--;
	http_pump(h);

	if (status > 0)
		backoff = http_ratelimit_note(h, url, status,
		    http_secondary_limit(r, status), r->hdr, r->nhdr);

	if (rc != CURLE_OK) {
		if (r->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
			err = xasprintf("response larger than %zu bytes",
			    r->max_body);
		} else if (http_retryable(rc) &&
		    r->attempt < r->max_attempts &&
		    (rc != CURLE_OPERATION_TIMEDOUT ||
		    (r->limit != HTTP_LIMIT_TOTAL && r->timeouts == 1))) {
			/* A timeout costs a lot: the total limit is never
			 * tried again, a stall or a connect timeout once. */
			http_retry_later(r, http_backoff_ms(h, r->attempt));
			free(url);
			return;
		} else
			err = http_transport_error(r, rc, url, os_errno);
		http_deliver(r, 0, url, err, 0);
		free(url);
		return;
	}

	if (status == 429 || (status >= 500 && status != 501 &&
	    status != 505)) {
		ra = -1;
		if (status == 429 || status == 503)
			ra = http_retry_after(http_headers_get(r->hdr, r->nhdr,
			    "retry-after"));
		if (ra < 0 && status == 429)
			ra = http_ratelimit_wait(r);
		/* A 429 that says nothing of when: the host backs off. */
		if (ra < 0 && backoff)
			ra = LONG_MAX;
		if (ra <= r->max_retry_after && r->attempt < r->max_attempts) {
			http_retry_later(r, ra >= 0 ? ra * 1000 :
			    http_backoff_ms(h, r->attempt));
			free(url);
			return;
		}
	}

	if (status == 304) {
		h->stats.not_modified++;
		if (r->cache_body != NULL) {
			http_deliver(r, 200, url, NULL, 1);
			free(url);
			return;
		}
	} else if (status == 200 && r->cache_path != NULL)
		http_cache_store(r);
	http_deliver(r, status, url, NULL, 0);
	free(url);
}

/* Whether a request header line is safe to send ("Name: value", one line). */
static int
http_header_ok(const char *line)
{
	const char *colon = strchr(line, ':');

	if (colon == NULL || colon == line)
		return 0;
	return strpbrk(line, "\r\n") == NULL;
}

/* Whether the caller's headers set name. */
static int
http_has_header(const char *const *hdrs, const char *name)
{
	size_t n = strlen(name);

	for (; hdrs != NULL && *hdrs != NULL; hdrs++) {
		if (strncasecmp(*hdrs, name, n) == 0 && (*hdrs)[n] == ':')
			return 1;
	}
	return 0;
}

/* Set up the ETag cache entry of a GET. */
static void
http_cache_open(struct http_req *r, const char *salt)
{
	char digest[80], *key;

	key = xasprintf("%s\n%s", r->url, salt != NULL ? salt : "");
	sha256_digest(key, strlen(key), digest, sizeof digest);
	free(key);
	r->cache_path = xasprintf("%s/%s", r->http->cache_dir, digest + 7);
	http_cache_load(r);
}

/* Start a request; the callback is called once, later, from the loop. */
int
http_request(struct http *h, const struct http_request *req, http_cb cb,
    void *arg)
{
	struct http_req *r;
	const char *const *hp;
	char *line;
	int get;

	if (h == NULL || req == NULL || req->url == NULL || cb == NULL)
		return -1;
	if (strncasecmp(req->url, "http://", 7) != 0 &&
	    strncasecmp(req->url, "https://", 8) != 0)
		return -1;
	if (strpbrk(req->url, " \r\n\t") != NULL)
		return -1;
	for (hp = req->headers; hp != NULL && *hp != NULL; hp++) {
		if (!http_header_ok(*hp))
			return -1;
	}
	if (req->method != NULL && (*req->method == '\0' ||
	    strpbrk(req->method, " \r\n\t") != NULL))
		return -1;

	r = xcalloc(1, sizeof *r);
	r->http = h;
	r->cb = cb;
	r->arg = arg;
	r->url = xstrdup(req->url);
	get = req->method == NULL || strcmp(req->method, "GET") == 0;
	if (!get) {
		if (strcmp(req->method, "HEAD") == 0)
			r->head = 1;
		else {
			r->method = xstrdup(req->method);
			r->send_body = 1;
		}
	}
	r->max_body = req->max_body ? req->max_body : HTTP_MAX_BODY;
	r->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : h->total_ms;
	r->max_attempts = req->max_attempts > 0 ? req->max_attempts :
	    h->attempts;
	if (r->max_attempts > HTTP_MAX_ATTEMPTS)
		r->max_attempts = HTTP_MAX_ATTEMPTS;
	r->follow = req->follow_redirects;
	r->max_retry_after = req->max_retry_after > 0 ?
	    req->max_retry_after : HTTP_MAX_RETRY_AFTER;
	r->sink = req->sink;
	r->source = req->source;
	r->stream_arg = req->stream_arg;
	r->upload_len = req->upload_len;
	if (r->sink != NULL || r->source != NULL)
		r->max_attempts = 1;	/* what was streamed cannot be again */
	if (r->source != NULL)
		r->send_body = 0;
	if (r->send_body) {
		r->body_len = req->body != NULL ? req->body_len : 0;
		r->body = xmalloc(r->body_len + 1);
		if (r->body_len > 0)
			memcpy(r->body, req->body, r->body_len);
		r->body[r->body_len] = '\0';
	}
	buf_init(&r->resp, r->max_body);

	for (hp = req->headers; hp != NULL && *hp != NULL; hp++)
		r->hdrs = curl_slist_append(r->hdrs, *hp);
	if (r->send_body || r->source != NULL) {
		/* No form-encoding guess and no 100-continue round trip. */
		if (!http_has_header(req->headers, "Content-Type"))
			r->hdrs = curl_slist_append(r->hdrs, "Content-Type:");
		if (!http_has_header(req->headers, "Expect"))
			r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	}
	if (get && req->cache && h->cache_dir != NULL &&
	    !http_has_header(req->headers, "If-None-Match")) {
		http_cache_open(r, req->cache_salt);
		if (r->cache_etag != NULL) {
			line = xasprintf("If-None-Match: %s", r->cache_etag);
			r->hdrs = curl_slist_append(r->hdrs, line);
			free(line);
		}
	}

	r->next = h->reqs;
	if (h->reqs != NULL)
		h->reqs->prev = r;
	h->reqs = r;
	if (http_attempt_start(r) != 0) {
		http_req_unlink(r);
		http_req_free(r);
		return -1;
	}
	return 0;
}

/* One-line description of a failed response; never the query string. */
char *
http_describe_error(const struct http_response *r)
{
	char host[300];
	const char *prefix = "response larger than ";

	if (r == NULL)
		return xstrdup("no response");
	http_url_host(r->url, 0, host, sizeof host);
	if (r->error != NULL) {
		if (str_has_prefix(r->error, prefix))
			return xasprintf("response from %s %s", host,
			    r->error + strlen("response "));
		return xstrdup(r->error);
	}
	return xasprintf("HTTP %ld from %s", r->status, host);
}

/* The parts of a URI reference (RFC 3986 §3); lengths into the string. */
struct http_uri {
	const char	*scheme;	size_t scheme_len;	int has_scheme;
	const char	*auth;		size_t auth_len;	int has_auth;
	const char	*path;		size_t path_len;
	const char	*query;		size_t query_len;	int has_query;
	const char	*frag;		size_t frag_len;	int has_frag;
};

/* Split a URI reference into its five parts (RFC 3986 appendix B). */
static void
http_uri_split(const char *s, struct http_uri *u)
{
	const char *p = s, *q;

	memset(u, 0, sizeof *u);
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	q = p;
	if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')) {
		while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || *q == '+' || *q == '-' ||
		    *q == '.')
			q++;
		if (*q == ':') {
			u->has_scheme = 1;
			u->scheme = p;
			u->scheme_len = (size_t)(q - p);
			p = q + 1;
		}
	}
	if (p[0] == '/' && p[1] == '/') {
		u->has_auth = 1;
		u->auth = p + 2;
		u->auth_len = strcspn(u->auth, "/?#");
		p = u->auth + u->auth_len;
	}
	u->path = p;
	u->path_len = strcspn(p, "?#");
	p += u->path_len;
	if (*p == '?') {
		u->has_query = 1;
		u->query = p + 1;
		u->query_len = strcspn(u->query, "#");
		p = u->query + u->query_len;
	}
	if (*p == '#') {
		u->has_frag = 1;
		u->frag = p + 1;
		u->frag_len = strlen(u->frag);
	}
}

/* Drop the last segment (and its "/") from out. */
static void
http_pop_segment(struct buf *out)
{
	while (out->len > 0 && out->data[out->len - 1] != '/')
		out->len--;
	if (out->len > 0)
		out->len--;
	if (out->data != NULL)
		out->data[out->len] = '\0';
}

/* remove_dot_segments (RFC 3986 §5.2.4) of path into out. */
static void
http_remove_dots(const char *path, size_t len, struct buf *out)
{
	char *in = xstrndup(path, len), *p = in;
	size_t seg;

	while (*p != '\0') {
		if (strncmp(p, "../", 3) == 0)
			p += 3;
		else if (strncmp(p, "./", 2) == 0)
			p += 2;
		else if (strncmp(p, "/./", 3) == 0)
			p += 2;
		else if (strcmp(p, "/.") == 0) {
			p += 1;
			*p = '/';
		} else if (strncmp(p, "/../", 4) == 0) {
			p += 3;
			http_pop_segment(out);
		} else if (strcmp(p, "/..") == 0) {
			p += 2;
			*p = '/';
			http_pop_segment(out);
		} else if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
			break;
		else {
			seg = strcspn(p + 1, "/") + 1;
			buf_append(out, p, seg);
			p += seg;
		}
	}
	free(in);
}

/* Resolve ref against base (RFC 3986 §5.2). Caller frees; NULL on failure. */
char *
http_url_resolve(const char *base, const char *ref)
{
	struct http_uri b, r;
	struct buf out, path;
	const char *slash;
	size_t i;

	if (ref == NULL)
		return NULL;
	http_uri_split(ref, &r);
	if (!r.has_scheme) {
		if (base == NULL)
			return NULL;
		http_uri_split(base, &b);
		if (!b.has_scheme)
			return NULL;
	} else
		memset(&b, 0, sizeof b);

	buf_init(&out, 0);
	buf_init(&path, 0);
	if (r.has_scheme) {
		buf_append(&out, r.scheme, r.scheme_len);
		if (r.has_auth) {
			buf_append(&out, "://", 3);
			buf_append(&out, r.auth, r.auth_len);
		} else
			buf_append(&out, ":", 1);
		http_remove_dots(r.path, r.path_len, &path);
		b = r;	/* the query comes from the reference */
	} else {
		buf_append(&out, b.scheme, b.scheme_len);
		buf_append(&out, ":", 1);
		if (r.has_auth) {
			buf_append(&out, "//", 2);
			buf_append(&out, r.auth, r.auth_len);
			http_remove_dots(r.path, r.path_len, &path);
			b.has_query = r.has_query;
			b.query = r.query;
			b.query_len = r.query_len;
		} else {
			if (b.has_auth) {
				buf_append(&out, "//", 2);
				buf_append(&out, b.auth, b.auth_len);
			}
			if (r.path_len == 0) {
				buf_append(&path, b.path, b.path_len);
				if (r.has_query) {
					b.has_query = 1;
					b.query = r.query;
					b.query_len = r.query_len;
				}
			} else {
				struct buf merged;

				buf_init(&merged, 0);
				if (r.path[0] == '/')
					buf_append(&merged, r.path, r.path_len);
				else if (b.has_auth && b.path_len == 0) {
					buf_append(&merged, "/", 1);
					buf_append(&merged, r.path, r.path_len);
				} else {
					/* merge (§5.2.3): all but the last segment */
					slash = NULL;
					for (i = b.path_len; i > 0; i--) {
						if (b.path[i - 1] == '/') {
							slash = b.path + i - 1;
							break;
						}
					}
					if (slash != NULL)
						buf_append(&merged, b.path,
						    (size_t)(slash - b.path) + 1);
					buf_append(&merged, r.path, r.path_len);
				}
				http_remove_dots(merged.data, merged.len,
				    &path);
				buf_free(&merged);
				b.has_query = r.has_query;
				b.query = r.query;
				b.query_len = r.query_len;
			}
		}
	}
	if (path.len > 0)
		buf_append(&out, path.data, path.len);
	buf_free(&path);
	if (b.has_query) {
		buf_append(&out, "?", 1);
		buf_append(&out, b.query, b.query_len);
	}
	if (r.has_frag) {
		buf_append(&out, "#", 1);
		buf_append(&out, r.frag, r.frag_len);
	}
	return buf_steal(&out);
}

/* Skip optional whitespace. */
static const char *
http_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Whether a rel value (space-separated relation types) contains rel. */
static int
http_rel_has(const char *v, size_t len, const char *rel)
{
	size_t i = 0, s, n = strlen(rel);

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		s = i;
		while (i < len && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i - s == n && strncasecmp(v + s, rel, n) == 0)
			return 1;
	}
	return 0;
}

/* The rel="next" target of a Link header (RFC 8288), resolved. Caller frees. */
char *
http_link_next(const char *link, const char *base)
{
	return http_link_rel(link, "next", base);
}

/* The target of the first link of a relation type, resolved. Caller frees. */
char *
http_link_rel(const char *link, const char *rel, const char *base)
{
	const char *p = link, *target, *name, *val;
	size_t target_len, name_len, val_len;
	struct buf unq;
	int seen_rel, next;
	char *t, *out;

	if (link == NULL)
		return NULL;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p != '<')
			return NULL;
		target = ++p;
		if ((p = strchr(p, '>')) == NULL)
			return NULL;
		target_len = (size_t)(p - target);
		p++;
		seen_rel = next = 0;
		/* link-params: *( OWS ";" OWS link-param ) */
		for (;;) {
			p = http_skip_ws(p);
			if (*p != ';')
				break;
			p = http_skip_ws(p + 1);
			name = p;
			while (*p != '\0' && *p != '=' && *p != ';' &&
			    *p != ',' && *p != ' ' && *p != '\t')
				p++;
			name_len = (size_t)(p - name);
			p = http_skip_ws(p);
			val = NULL;
			val_len = 0;
			buf_init(&unq, 0);
			if (*p == '=') {
				p = http_skip_ws(p + 1);
				if (*p == '"') {
					for (p++; *p != '\0' && *p != '"'; p++) {
						if (*p == '\\' && p[1] != '\0')
							p++;
						buf_append(&unq, p, 1);
					}
					if (*p == '"')
						p++;
					val = unq.data != NULL ? unq.data : "";
					val_len = unq.len;
				} else {
					val = p;
					while (*p != '\0' && *p != ';' &&
					    *p != ',' && *p != ' ' &&
					    *p != '\t')
						p++;
					val_len = (size_t)(p - val);
				}
			}
			/* Only the first rel parameter counts (§3.3). */
			if (!seen_rel && name_len == 3 &&
			    strncasecmp(name, "rel", 3) == 0) {
				seen_rel = 1;
				if (val != NULL && http_rel_has(val, val_len,
				    rel))
					next = 1;
			}
			buf_free(&unq);
		}
		if (next) {
			t = xstrndup(target, target_len);
			out = http_url_resolve(base, t);
			free(t);
			return out;
		}
		/* Skip anything unparsed up to the next link-value. */
		while (*p != '\0' && *p != ',')
			p++;
		if (*p == '\0')
			return NULL;
	}
}

/* Percent-encode every byte outside RFC 3986 unreserved. Caller frees. */
char *
http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	struct buf b;
	char enc[3];

	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0';
	    p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			buf_append(&b, p, 1);
		else {
			enc[0] = '%';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 15];
			buf_append(&b, enc, 3);
		}
	}
	return buf_steal(&b);
}
