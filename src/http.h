/*
 * http.h — asynchronous HTTP requests on the loop, with the policies every
 * caller wants: a User-Agent, connect/total timeouts, a response size cap,
 * retries with exponential backoff and jitter for 5xx/429/connection errors,
 * an ETag cache in the state dir, and rate-limit header bookkeeping.
 *
 * Never logs or echoes request headers (they carry tokens).
 */
#ifndef MT_HTTP_H
#define MT_HTTP_H

#include <stddef.h>
#include <time.h>

struct loop;
struct http;

struct http_header {
	char	*name;		/* as received */
	char	*value;		/* trimmed */
};

struct http_response {
	long			 status;	/* 0 on transport failure */
	char			*body;		/* NUL-terminated, may be "" */
	size_t			 len;
	struct http_header	*headers;	/* final response only */
	size_t			 nheaders;
	char			*url;		/* effective URL after redirects */
	char			*error;		/* transport error text, or NULL */
	int			 from_cache;	/* 304 answered from the ETag cache */
	int			 attempts;	/* tries made */
};

struct http_request {
	const char		*method;	/* NULL = GET; HEAD, PUT, POST, ... */
	const char		*url;
	const char *const	*headers;	/* NULL-terminated "Name: value" */
	const void		*body;		/* request body (PUT/POST) */
	size_t			 body_len;
	size_t			 max_body;	/* 0 = default (8 MiB) */
	long			 timeout_ms;	/* total; 0 = default (30 s) */
	int			 max_attempts;	/* 0 = default (3) */
	int			 cache;		/* use the ETag cache (GET) */
	const char		*cache_salt;	/* e.g. a token hash: ETags are per token */
	int			 follow_redirects; /* never forwards auth across hosts:
						  * only Authorization is withheld,
						  * so send credentials in it */
	long			 max_retry_after; /* longest Retry-After to wait, s (default 60) */

	/*
	 * Streaming (blob copies), so that a large body is never held
	 * whole. sink: the body of a 2xx answer is handed over as it
	 * arrives and not kept (the response's body is then empty); it
	 * returns the bytes taken (all of them), HTTP_PAUSE to be handed
	 * the same bytes again after http_resume(), or anything else to
	 * abort. source: the request body, upload_len bytes, is read from
	 * it: the bytes written into buf, HTTP_PAUSE (nothing yet; ask
	 * again after http_resume()) or HTTP_ABORT. A streamed request is
	 * tried once, sends its bytes unchanged (no content decoding), and
	 * has no total time limit: only the stall limit ends it.
	 */
	size_t			(*sink)(const char *data, size_t len,
				    void *stream_arg);
	size_t			(*source)(char *buf, size_t len,
				    void *stream_arg);
	void			*stream_arg;
	long long		 upload_len;
};

#define HTTP_PAUSE	((size_t)0x10000001)	/* CURL_{WRITE,READ}FUNC_PAUSE */
#define HTTP_ABORT	((size_t)0x10000000)	/* CURL_READFUNC_ABORT */

/*
 * Called exactly once per request. The response is borrowed: it is freed
 * after the callback returns (copy what you keep).
 */
typedef void (*http_cb)(const struct http_response *, void *arg);

struct http	*http_new(struct loop *);
void		 http_free(struct http *);	/* cancels in-flight requests silently */
struct loop	*http_loop(struct http *);

/* Defaults for every request (seconds); set from config. */
void		 http_set_timeouts(struct http *, long connect_s, long total_s);
void		 http_set_attempts(struct http *, int);
/*
 * Stall limit (seconds, default 15): an attempt that receives nothing for
 * this long is given up. A timed-out attempt is tried again at most once,
 * and only after a stall or a connect timeout (never after the total time
 * limit), so a server that accepts and answers nothing costs two stall
 * limits; the error names the limit that was hit.
 */
void		 http_set_stall(struct http *, long stall_s);
/* Directory for the ETag cache (NULL disables caching). Copied. */
void		 http_set_cache_dir(struct http *, const char *);
/*
 * Plain-http URLs are accepted as given (loopback registries, test servers);
 * an https request never follows a redirect down to http.
 */

/* Start a request. Returns 0, or -1 with the callback never called. */
int		 http_request(struct http *, const struct http_request *,
		     http_cb, void *arg);
/* Cancel every request started with this arg (callbacks are not called). */
void		 http_cancel_arg(struct http *, void *arg);
/*
 * Let the paused streams of requests started with arg go on. Not from
 * inside a sink or source (call it from a timer).
 */
void		 http_resume(struct http *, void *arg);

/* Case-insensitive header lookup; borrowed, or NULL. */
const char	*http_header(const struct http_response *, const char *name);

/*
 * Rate-limit budget per service, learned from x-ratelimit-* (GitHub,
 * Gitea), RateLimit-* (GitLab) and ratelimit-* (registries) headers. The
 * service is the URL's host, with ":port" when the URL names one, and the
 * family of headers it answers with: two services behind one host and
 * port (an API and a registry on one Gitea, say) keep budgets of their
 * own. A 429 that names no budget counts against the host's first.
 */
enum http_rl_family {
	HTTP_RL_NONE,		/* not known yet (a bare 429) */
	HTTP_RL_X,		/* x-ratelimit-* */
	HTTP_RL_IETF,		/* ratelimit-* / RateLimit-* */
};
struct http_ratelimit {
	char	 host[128];
	char	 key[160];	/* host and family: unique per service */
	enum http_rl_family family;
	long	 limit;		/* -1 unknown */
	long	 remaining;	/* -1 unknown */
	time_t	 reset;		/* epoch, 0 unknown */
	time_t	 blocked_until;	/* rate limited until (epoch), 0 if not */
	long	 window;	/* seconds, from "...;w=21600", 0 unknown */
	int	 strikes;	/* 429s in a row without a Retry-After or
				 * reset: each doubles the back-off (60 s,
				 * 120 s, ...) up to the window */
};
size_t		 http_ratelimits(struct http *, const struct http_ratelimit **);
/* Until when a service on the URL's host is known to be rate limited
 * (epoch), or 0. */
time_t		 http_blocked_until(struct http *, const char *url);

/* Requests made / answered from cache / retried, for stats and benchmarks. */
struct http_stats {
	unsigned long	requests;	/* attempts sent on the wire */
	unsigned long	not_modified;	/* 304s */
	unsigned long	retries;
};
const struct http_stats *http_stats(struct http *);

/*
 * Resolve a possibly relative reference against a base URL (RFC 3986).
 * Caller frees; NULL if it cannot be resolved.
 */
char		*http_url_resolve(const char *base, const char *ref);
/*
 * The rel="next" target of an RFC 8288 Link header, resolved against
 * base; NULL if none. Caller frees.
 */
char		*http_link_next(const char *link, const char *base);
/* The same for any relation type ("last", "prev", ...). Caller frees. */
char		*http_link_rel(const char *link, const char *rel,
		     const char *base);
/* Percent-encode every byte outside unreserved. Caller frees. */
char		*http_escape(const char *);
/* A one-line description of a failed response: "HTTP 503 from host" or the
 * transport error. Never includes the query string. Caller frees. */
char		*http_describe_error(const struct http_response *);

#endif
