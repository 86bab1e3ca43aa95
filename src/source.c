/*
 * source.c — upstream release/tag lists from GitHub and GitLab.
 *
 * One fetch walks the pages of one list, asynchronously. When the first
 * page names the last one (paging.c: GitHub's Link rel="last", which may
 * point at /repositories/<id>/...; GitLab's X-Total-Pages), the other pages
 * are asked for at once, a few at a time, and put back in order; otherwise
 * each page's URL comes from the previous response (Link rel="next",
 * GitLab's X-Next-Page). Every response is hostile input: sizes, page counts, entry
 * counts and string lengths are bounded, malformed entries are skipped and
 * counted, and an unusable page ends the fetch with a one-line error.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "http.h"
#include "loop.h"
#include "paging.h"
#include "release-url.h"
#include "source.h"
#include "source-int.h"
#include "util.h"

#define SOURCE_PER_PAGE		100
#define SOURCE_GITEA_LIMIT	50	/* Gitea's default MAX_RESPONSE_ITEMS */
#define SOURCE_MAX_PAGES	100
#define SOURCE_MAX_ENTRIES	20000
#define SOURCE_MAX_STRING	1024
#define SOURCE_MAX_DATE		64
#define SOURCE_MAX_BODY		(8 * 1024 * 1024)
#define SOURCE_MAX_RETRY_AFTER	10	/* longer waits are reported */
#define SOURCE_MESSAGE_MAX	160	/* bytes of a server message kept */
#define SOURCE_MAX_REDIRECTS	5
#define SOURCE_PAGES_AT_ONCE	8	/* page requests in flight per list */

enum source_service {
	SOURCE_GITHUB,
	SOURCE_GITLAB,
	SOURCE_GITEA,		/* and Forgejo (Codeberg) */
	SOURCE_REGISTRY,	/* registry-tags: source-registry.c */
};

struct source_fetch;

/* One of the pages fetched at once, and what it held. */
struct source_page {
	struct source_fetch	*fs;
	long			 page;
	char			*url;
	int			 redirects;
	int			 inflight;
	struct upstream_tag	*tags;
	size_t			 ntags;
	size_t			 cap;
	size_t			 count;		/* list elements received */
	char			*error;		/* why it failed, or NULL */
	time_t			 until;		/* its rate limit's end */
};

/* Parse one list element; 1 keep, 0 drop (filtered), -1 malformed. */
typedef int (*source_parse_fn)(json_t *, struct upstream_tag *,
    const struct source_fetch *);

struct source_type_entry {
	const char		*name;
	enum source_service	 service;
	const char		*list;		/* path below the repo/project */
	source_parse_fn		 parse;
};

struct source_fetch {
	struct http		*http;
	const struct source_type_entry *type;
	char			*label;		/* "github-releases owner/name" */
	char			*what;		/* "repository" or "project" */
	char			*token_env;	/* variable name, for messages */
	char			*auth;		/* auth header line (secret) */
	char			 salt[72];	/* hash of the token, or "" */
	char			*origin;	/* scheme://authority of the API */
	char			*url;		/* page being fetched */
	int			 prereleases;
	struct upstream_tag	*tags;
	size_t			 ntags;
	size_t			 cap;
	int			 pages;
	int			 skipped;
	int			 redirects;	/* followed for the current page */
	size_t			 seen;		/* list elements received */
	uint64_t		 timer;
	struct paging		*paging;	/* pages 2..last at once */
	time_t			 blocked_until;
	source_cb		 cb;
	void			*arg;
	struct source_fetch	*next;		/* in-flight list */
};

static int	source_parse_github_release(json_t *, struct upstream_tag *,
		    const struct source_fetch *);
static int	source_parse_github_tag(json_t *, struct upstream_tag *,
		    const struct source_fetch *);
static int	source_parse_gitlab_tag(json_t *, struct upstream_tag *,
		    const struct source_fetch *);
static int	source_parse_gitlab_release(json_t *, struct upstream_tag *,
		    const struct source_fetch *);
static int	source_parse_gitea_tag(json_t *, struct upstream_tag *,
		    const struct source_fetch *);
static void	source_page_done(const struct http_response *, void *);
static void	source_pages_free(struct source_fetch *);

static const struct source_type_entry source_types[] = {
	[SOURCE_GITHUB_RELEASES] = {
		.name = "github-releases",
		.service = SOURCE_GITHUB,
		.list = "releases",
		.parse = source_parse_github_release,
	},
	[SOURCE_GITHUB_TAGS] = {
		.name = "github-tags",
		.service = SOURCE_GITHUB,
		.list = "tags",
		.parse = source_parse_github_tag,
	},
	[SOURCE_GITLAB_TAGS] = {
		.name = "gitlab-tags",
		.service = SOURCE_GITLAB,
		.list = "repository/tags",
		.parse = source_parse_gitlab_tag,
	},
	[SOURCE_GITLAB_RELEASES] = {
		.name = "gitlab-releases",
		.service = SOURCE_GITLAB,
		.list = "releases",
		.parse = source_parse_gitlab_release,
	},
	[SOURCE_GITEA_TAGS] = {
		.name = "gitea-tags",
		.service = SOURCE_GITEA,
		.list = "tags",
		.parse = source_parse_gitea_tag,
	},
	[SOURCE_GITEA_RELEASES] = {
		.name = "gitea-releases",
		.service = SOURCE_GITEA,
		.list = "releases",
		/* tag_name, name, draft, prerelease, published_at: GitHub's */
		.parse = source_parse_github_release,
	},
	[SOURCE_REGISTRY_TAGS] = {
		.name = "registry-tags",
		.service = SOURCE_REGISTRY,
		/* read with the registry client (source-registry.c) */
	},
};

/* Reason phrases for the statuses a source is likely to see. */
static const struct {
	long		 status;
	const char	*reason;
} source_reasons[] = {
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 422, "Unprocessable Entity" },
	{ 429, "Too Many Requests" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

/* Fetches in flight, for source_cancel(). */
static struct source_fetch *source_inflight;

/* Type index for a configuration name, or -1. */
int
source_type_from_name(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < MT_ARRAY_LEN(source_types); i++) {
		if (strcmp(source_types[i].name, name) == 0)
			return ((int)i);
	}
	return (-1);
}

/* Configuration name of a type index; "unknown" when out of range. */
const char *
source_type_name(int type)
{
	if (type < 0 || (size_t)type >= MT_ARRAY_LEN(source_types))
		return ("unknown");
	return (source_types[type].name);
}

/* Free a result and everything it owns. Accepts NULL. */
void
source_result_free(struct source_result *res)
{
	size_t	i;

	if (res == NULL)
		return;
	for (i = 0; i < res->ntags; i++) {
		free(res->tags[i].tag);
		free(res->tags[i].name);
		free(res->tags[i].published_at);
		free(res->tags[i].html_url);
	}
	free(res->tags);
	free(res->error);
	free(res);
}

/* Free an array of entries. */
static void
source_tags_free(struct upstream_tag *tags, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(tags[i].tag);
		free(tags[i].name);
		free(tags[i].published_at);
		free(tags[i].html_url);
	}
	free(tags);
}

/* Free the entries collected so far. */
static void
source_tags_clear(struct source_fetch *fs)
{
	source_tags_free(fs->tags, fs->ntags);
	fs->tags = NULL;
	fs->ntags = fs->cap = 0;
}

/* Unlink from the in-flight list and free; the secret header is wiped. */
static void
source_fetch_free(struct source_fetch *fs)
{
	struct source_fetch	**pp;

	for (pp = &source_inflight; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == fs) {
			*pp = fs->next;
			break;
		}
	}
	if (fs->timer != 0)
		loop_timer_del(http_loop(fs->http), fs->timer);
	source_pages_free(fs);
	if (fs->auth != NULL) {
		explicit_bzero(fs->auth, strlen(fs->auth));
		free(fs->auth);
	}
	source_tags_clear(fs);
	free(fs->label);
	free(fs->what);
	free(fs->token_env);
	free(fs->origin);
	free(fs->url);
	free(fs);
}

/* Hand the result to the callback and free the fetch. */
static void
source_finish(struct source_fetch *fs, char *error, time_t limited)
{
	struct source_result	*res;
	source_cb		 cb = fs->cb;
	void			*arg = fs->arg;

	res = xcalloc(1, sizeof *res);
	res->pages = fs->pages;
	res->skipped = fs->skipped;
	res->rate_limited_until = limited;
	if (error != NULL) {
		res->error = xasprintf("%s: %s", fs->label, error);
		free(error);
	} else {
		res->tags = fs->tags;
		res->ntags = fs->ntags;
		fs->tags = NULL;
		fs->ntags = fs->cap = 0;
	}
	source_fetch_free(fs);
	cb(res, arg);
}

/* Length of "scheme://authority" at the start of url, 0 if none. */
static size_t
source_origin_len(const char *url)
{
	const char	*p, *end;

	p = strstr(url, "://");
	if (p == NULL || p == url)
		return (0);
	p += 3;
	end = p + strcspn(p, "/?#");
	if (end == p)
		return (0);
	return ((size_t)(end - url));
}

/* Whether url is on the same scheme, host and port as the API base. */
static int
source_same_origin(const struct source_fetch *fs, const char *url)
{
	size_t	n = source_origin_len(url);

	return (n != 0 && n == strlen(fs->origin) &&
	    str_casecmp_n(url, fs->origin, n) == 0);
}

/* A bounded, one-line copy of a JSON string member, or NULL. */
static char *
source_string(json_t *obj, const char *key, size_t max)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_string(v))
		return (NULL);
	return (str_oneline(json_string_value(v), max));
}

/* A page URL member: kept only when a terminal may print it. */
static char *
source_url(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_string(v) || json_string_length(v) > RELEASE_URL_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    !release_url_valid(json_string_value(v)))
		return (NULL);
	return (xstrdup(json_string_value(v)));
}

/* A date member: a short one-line string, NULL when absent or too long. */
static char *
source_date(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_string(v) || json_string_length(v) > SOURCE_MAX_DATE)
		return (NULL);
	return (str_oneline(json_string_value(v), SOURCE_MAX_DATE));
}

/*
 * The tag name member: a non-empty string without NULs or control
 * characters, at most SOURCE_MAX_STRING bytes. NULL when unusable.
 */
static char *
source_tag_name(json_t *obj, const char *key)
{
	json_t			*v = json_object_get(obj, key);
	const unsigned char	*s;
	size_t			 len, i;

	if (!json_is_string(v))
		return (NULL);
	s = (const unsigned char *)json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || len > SOURCE_MAX_STRING || strlen((const char *)s) != len)
		return (NULL);
	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return (NULL);
	}
	return (xstrndup((const char *)s, len));
}

/* github-releases element: tag_name, name, published_at, draft, prerelease. */
static int
source_parse_github_release(json_t *o, struct upstream_tag *t,
    const struct source_fetch *fs)
{
	json_t	*draft, *pre;

	draft = json_object_get(o, "draft");
	pre = json_object_get(o, "prerelease");
	if ((draft != NULL && !json_is_boolean(draft) && !json_is_null(draft)) ||
	    (pre != NULL && !json_is_boolean(pre) && !json_is_null(pre)))
		return (-1);
	t->prerelease = json_is_true(pre);
	t->draft = json_is_true(draft);
	/* Drafts and pre-releases are kept, flagged: the filter counts them. */
	t->tag = source_tag_name(o, "tag_name");
	if (t->tag == NULL && !t->draft)
		return (-1);
	t->name = source_string(o, "name", SOURCE_MAX_STRING);
	t->published_at = source_date(o, "published_at");
	t->html_url = source_url(o, "html_url");
	return (1);
}

/* github-tags element: name only (tags carry no date). */
static int
source_parse_github_tag(json_t *o, struct upstream_tag *t,
    const struct source_fetch *fs)
{
	if ((t->tag = source_tag_name(o, "name")) == NULL)
		return (-1);
	return (1);
}

/*
 * gitlab-tags element: name; the date is created_at (annotated tags on
 * GitLab 16.11+), else the commit's date.
 */
static int
source_parse_gitlab_tag(json_t *o, struct upstream_tag *t,
    const struct source_fetch *fs)
{
	json_t	*commit;

	if ((t->tag = source_tag_name(o, "name")) == NULL)
		return (-1);
	t->published_at = source_date(o, "created_at");
	commit = json_object_get(o, "commit");
	if (t->published_at == NULL && json_is_object(commit)) {
		t->published_at = source_date(commit, "committed_date");
		if (t->published_at == NULL)
			t->published_at = source_date(commit, "created_at");
	}
	return (1);
}

/* gitea-tags element: name; the date is the commit's (commit.created). */
static int
source_parse_gitea_tag(json_t *o, struct upstream_tag *t,
    const struct source_fetch *fs)
{
	json_t	*commit;

	if ((t->tag = source_tag_name(o, "name")) == NULL)
		return (-1);
	commit = json_object_get(o, "commit");
	if (json_is_object(commit))
		t->published_at = source_date(commit, "created");
	return (1);
}

/*
 * gitlab-releases element: tag_name, name, released_at (else created_at).
 * An upcoming release (released_at in the future) counts as a prerelease.
 */
static int
source_parse_gitlab_release(json_t *o, struct upstream_tag *t,
    const struct source_fetch *fs)
{
	json_t	*up = json_object_get(o, "upcoming_release"), *links;

	t->prerelease = json_is_true(up);
	if ((t->tag = source_tag_name(o, "tag_name")) == NULL)
		return (-1);
	t->name = source_string(o, "name", SOURCE_MAX_STRING);
	t->published_at = source_date(o, "released_at");
	if (t->published_at == NULL)
		t->published_at = source_date(o, "created_at");
	links = json_object_get(o, "_links");
	if (json_is_object(links))
		t->html_url = source_url(links, "self");
	return (1);
}

/* The reason phrase of a status, or "". */
static const char *
source_reason(long status)
{
	size_t	i;

	for (i = 0; i < MT_ARRAY_LEN(source_reasons); i++) {
		if (source_reasons[i].status == status)
			return (source_reasons[i].reason);
	}
	return ("");
}

/* A header as a non-negative integer; -1 when absent or not a number. */
static long long
source_header_num(const struct http_response *resp, const char *name)
{
	const char	*v = http_header(resp, name);
	long long	 n;

	if (v == NULL || str_to_ll(v, 0, (long long)1 << 40, &n) != 0)
		return (-1);
	return (n);
}

/* Case-insensitive substring test. */
static int
source_contains(const char *hay, const char *needle)
{
	size_t	n = strlen(needle);

	for (; hay != NULL && *hay != '\0'; hay++) {
		if (str_casecmp_n(hay, needle, n) == 0)
			return (1);
	}
	return (0);
}

/* "HH:MM" (UTC) of t into out. */
static void
source_hhmm(time_t t, char *out, size_t len)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, len, "%H:%M", &tm) == 0)
		snprintf(out, len, "??:??");
}

/*
 * The message of a JSON error body ({"message": ...} on GitHub and GitLab,
 * {"error": ...} on unmatched GitLab routes), one line and bounded; NULL
 * for other bodies (HTML, plain text, empty). *doc gets documentation_url.
 */
static char *
source_error_message(const struct http_response *resp, char **doc)
{
	json_t		*root, *m;
	char		*msg = NULL;

	*doc = NULL;
	if (resp->body == NULL || resp->len == 0)
		return (NULL);
	root = json_loadb(resp->body, resp->len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return (NULL);
	}
	m = json_object_get(root, "message");
	if (!json_is_string(m))
		m = json_object_get(root, "error");
	if (json_is_string(m))
		msg = str_oneline(json_string_value(m), SOURCE_MESSAGE_MAX);
	*doc = source_string(root, "documentation_url", SOURCE_MESSAGE_MAX);
	json_decref(root);
	return (msg);
}

/*
 * What raises a primary limit, for the end of a rate-limit message: the
 * token variable when none is set (GitHub: 60 -> 5,000 requests an hour),
 * else the token's own budget when it is known. "" when there is nothing
 * to add. Caller frees.
 */
static char *
source_limit_hint(const struct source_fetch *fs, long long limit)
{
	if (fs->auth == NULL && fs->type->service == SOURCE_GITHUB)
		return (xasprintf("; set $%s to raise the limit from %lld to "
		    "5,000 requests an hour", fs->token_env,
		    limit > 0 ? limit : 60));
	if (fs->auth == NULL)
		return (xasprintf("; set $%s for the authenticated limit",
		    fs->token_env));
	if (limit > 0)
		return (xasprintf("; the token's %lld requests an hour are "
		    "used up", limit));
	return (xstrdup(""));
}

/*
 * "rate limited<what>, next attempt at HH:MM (UTC)<hint>" for a limit that
 * lifts at until. Caller frees.
 */
static char *
source_limit_message(const struct source_fetch *fs, const char *what,
    time_t until, long long limit, int hint)
{
	char	 hhmm[16], *h, *msg;

	source_hhmm(until, hhmm, sizeof hhmm);
	h = hint ? source_limit_hint(fs, limit) : xstrdup("");
	msg = xasprintf("rate limited%s, next attempt at %s (UTC)%s", what,
	    hhmm, h);
	free(h);
	return (msg);
}

/*
 * Rate-limit verdict for a 403/429: the message and the time the limit
 * lifts, or NULL when the response is not a rate limit.
 */
static char *
source_rate_limit(const struct source_fetch *fs,
    const struct http_response *resp, const char *msg, const char *doc,
    time_t *until)
{
	long long	 remaining, reset, retry, limit;
	time_t		 now = time(NULL);
	char		 hhmm[16], what[64], *h, *out;
	int		 secondary;

	if (resp->status != 403 && resp->status != 429)
		return (NULL);
	remaining = source_header_num(resp, "x-ratelimit-remaining");
	reset = source_header_num(resp, "x-ratelimit-reset");
	retry = source_header_num(resp, "retry-after");
	if (fs->type->service == SOURCE_GITLAB) {
		if (remaining < 0)
			remaining = source_header_num(resp,
			    "ratelimit-remaining");
		if (reset < 0)
			reset = source_header_num(resp, "ratelimit-reset");
	}
	secondary = source_contains(msg, "secondary rate limit") ||
	    source_contains(doc, "secondary-rate-limits") ||
	    source_contains(doc, "abuse-rate-limits") ||
	    source_contains(msg, "abuse detection");

	limit = source_header_num(resp, "x-ratelimit-limit");
	if (limit < 0)
		limit = source_header_num(resp, "ratelimit-limit");
	if (secondary || (retry >= 0 && remaining != 0)) {
		if (retry < 0 && remaining == 0 && reset > now)
			retry = reset - now;
		if (retry < 0)
			retry = 60;	/* documented minimum wait */
		*until = now + (time_t)retry;
		snprintf(what, sizeof what, "%s, retry after %lld s",
		    secondary ? " (secondary limit)" : "", retry);
		/* A secondary limit holds with any token: no hint. */
		return (source_limit_message(fs, what, *until, limit,
		    !secondary));
	}
	if (remaining == 0 || resp->status == 429) {
		if (reset > now) {
			*until = (time_t)reset;
			source_hhmm(*until, hhmm, sizeof hhmm);
			snprintf(what, sizeof what, " until %s (UTC)", hhmm);
			h = source_limit_hint(fs, limit);
			out = xasprintf("rate limited%s%s", what, h);
			free(h);
			return (out);
		}
		if (retry >= 0) {
			*until = now + (time_t)retry;
			snprintf(what, sizeof what, ", retry after %lld s",
			    retry);
			return (source_limit_message(fs, what, *until, limit,
			    1));
		}
		*until = now + 60;
		return (source_limit_message(fs, " (no reset time given)",
		    *until, limit, 1));
	}
	/* GitHub's primary limit message, should the headers be missing. */
	if (source_contains(msg, "rate limit exceeded")) {
		*until = now + 60;
		return (source_limit_message(fs, " (no reset time given)",
		    *until, limit, 1));
	}
	return (NULL);
}

/* The one-line error for a failed response; *until set on rate limits. */
static char *
source_describe(struct source_fetch *fs, const struct http_response *resp,
    long page, time_t *until)
{
	char		*msg, *doc, *rl, *err, *hint = NULL, retries[32] = "";
	const char	*reason;

	if (resp->status == 0) {
		err = http_describe_error(resp);
		if (err == NULL)
			err = xstrdup("request failed");
		return (err);
	}
	msg = source_error_message(resp, &doc);
	rl = source_rate_limit(fs, resp, msg, doc, until);
	if (rl != NULL) {
		free(msg);
		free(doc);
		return (rl);
	}
	if (resp->attempts > 1)
		snprintf(retries, sizeof retries, " after %d attempts",
		    resp->attempts);
	switch (resp->status) {
	case 404:
		/* Only the first page says whether the list exists. */
		if (page > 1)
			hint = xstrdup("the page is gone: the list changed "
			    "while it was read");
		else
			hint = xasprintf("%s not found or private", fs->what);
		break;
	case 401:
		if (fs->auth != NULL)
			hint = xasprintf("bad or expired token in $%s",
			    fs->token_env);
		else
			hint = xasprintf("authentication required; set $%s",
			    fs->token_env);
		break;
	default:
		if (msg != NULL && *msg != '\0')
			hint = xstrdup(msg);
		break;
	}
	reason = source_reason(resp->status);
	err = xasprintf("HTTP %ld%s%s%s%s%s%s", resp->status,
	    *reason != '\0' ? " " : "", reason,
	    hint != NULL ? " (" : "", hint != NULL ? hint : "",
	    hint != NULL ? ")" : "", retries);
	free(hint);
	free(msg);
	free(doc);
	return (err);
}

/* Start the request for url; cb gets arg. */
static int
source_request_url(struct source_fetch *fs, const char *url, http_cb cb,
    void *arg)
{
	struct http_request	 req;
	const char		*headers[5];
	size_t			 n = 0;

	if (fs->type->service == SOURCE_GITHUB) {
		headers[n++] = "Accept: application/vnd.github+json";
		headers[n++] = "X-GitHub-Api-Version: 2022-11-28";
	} else
		headers[n++] = "Accept: application/json";
	if (fs->auth != NULL)
		headers[n++] = fs->auth;
	headers[n] = NULL;

	memset(&req, 0, sizeof req);
	req.url = url;
	req.headers = headers;
	req.max_body = SOURCE_MAX_BODY;
	req.cache = 1;
	req.cache_salt = fs->salt[0] != '\0' ? fs->salt : NULL;
	req.max_retry_after = SOURCE_MAX_RETRY_AFTER;
	return (http_request(fs->http, &req, cb, arg));
}

/* Start the request for fs->url, the page walked in order. */
static int
source_request(struct source_fetch *fs)
{
	return (source_request_url(fs, fs->url, source_page_done, fs));
}

/*
 * Append the entries of one page to tags/ntags/cap; -1 with *cause when it
 * is unusable.
 */
static int
source_add_page(struct source_fetch *fs, const struct http_response *resp,
    struct upstream_tag **tags, size_t *ntags, size_t *cap, size_t *count,
    char **cause)
{
	json_t		*root, *el, *m;
	json_error_t	 jerr;
	struct upstream_tag t;
	size_t		 i;
	int		 r;

	*count = 0;
	if (resp->body == NULL || resp->len == 0) {
		*cause = xstrdup("empty response body");
		return (-1);
	}
	root = json_loadb(resp->body, resp->len, 0, &jerr);
	if (root == NULL) {
		if ((size_t)jerr.position >= resp->len)
			*cause = xasprintf("truncated JSON (%zu bytes)",
			    resp->len);
		else
			*cause = xasprintf("invalid JSON at line %d column %d",
			    jerr.line, jerr.column);
		return (-1);
	}
	if (!json_is_array(root)) {
		m = json_is_object(root) ? json_object_get(root, "message") :
		    NULL;
		if (json_is_string(m)) {
			char *s = str_oneline(json_string_value(m),
			    SOURCE_MESSAGE_MAX);
			*cause = xasprintf("expected a JSON array, got an "
			    "object (%s)", s);
			free(s);
		} else
			*cause = xasprintf("expected a JSON array, got %s",
			    json_is_object(root) ? "an object" : "a scalar");
		json_decref(root);
		return (-1);
	}
	*count = json_array_size(root);
	fs->seen += *count;
	json_array_foreach(root, i, el) {
		if (*ntags >= SOURCE_MAX_ENTRIES)
			break;
		if (!json_is_object(el)) {
			fs->skipped++;
			continue;
		}
		memset(&t, 0, sizeof t);
		r = fs->type->parse(el, &t, fs);
		if (r != 1) {
			if (r < 0)
				fs->skipped++;
			free(t.tag);
			free(t.name);
			free(t.published_at);
			continue;
		}
		if (*ntags == *cap) {
			*cap = *cap == 0 ? 128 : *cap * 2;
			*tags = xreallocarray(*tags, *cap, sizeof **tags);
		}
		(*tags)[(*ntags)++] = t;
	}
	json_decref(root);
	return (0);
}

/* rel="next" of any Link header of resp, resolved against base, or NULL. */
static char *
source_link_next(const struct http_response *resp, const char *base)
{
	char	*next = NULL;
	size_t	 i;

	for (i = 0; i < resp->nheaders && next == NULL; i++) {
		if (strcasecmp(resp->headers[i].name, "link") == 0)
			next = http_link_next(resp->headers[i].value, base);
	}
	return (next);
}

/*
 * The next page's URL, or NULL at the end. GitHub: Link rel="next" only.
 * GitLab: Link rel="next" or X-Next-Page, but an empty or short page, an
 * empty X-Next-Page or having seen X-Total entries ends the walk, because
 * the first page of tags always announces a second one.
 */
static char *
source_next_url(struct source_fetch *fs, const struct http_response *resp,
    size_t count)
{
	const char	*base, *xn;
	char		*next = NULL;
	long long	 per_page, page, total;

	if (count == 0)
		return (NULL);
	base = resp->url != NULL ? resp->url : fs->url;
	if (fs->type->service == SOURCE_GITLAB) {
		/*
		 * A short page ends the walk when the page size is known;
		 * keyset pages carry no X-Per-Page: their Link decides.
		 */
		per_page = source_header_num(resp, "x-per-page");
		if (per_page > 0 && (long long)count < per_page)
			return (NULL);
		xn = http_header(resp, "x-next-page");
		if (xn != NULL && *xn == '\0')
			return (NULL);
		/* X-Total is right even when the next page is not. */
		total = source_header_num(resp, "x-total");
		if (total >= 0 && fs->seen >= (size_t)total)
			return (NULL);
		next = source_link_next(resp, base);
		if (next == NULL && xn != NULL &&
		    str_to_ll(xn, 2, 1000000, &page) == 0)
			next = paging_url(base, (long)page);
	} else if (fs->type->service == SOURCE_GITEA) {
		/*
		 * The server caps limit (MAX_RESPONSE_ITEMS, 50 by default),
		 * so a short page proves nothing: X-Total-Count and the Link
		 * decide.
		 */
		total = source_header_num(resp, "x-total-count");
		if (total >= 0 && fs->seen >= (size_t)total)
			return (NULL);
		next = source_link_next(resp, base);
	} else
		next = source_link_next(resp, base);
	return (next);
}

/*
 * Follow a redirect (a renamed GitHub repository answers 301 with its
 * /repositories/<id> URL) on the API's own origin, token included; one to
 * another origin is refused, since the token is for the API host only.
 * 1 when resp was a redirect and has been handled.
 */
static int
source_redirect(struct source_fetch *fs, const struct http_response *resp)
{
	const char	*loc;
	char		*next, *host;

	if (resp->status != 301 && resp->status != 302 &&
	    resp->status != 303 && resp->status != 307 &&
	    resp->status != 308)
		return (0);
	loc = http_header(resp, "location");
	if (loc == NULL || *loc == '\0')
		return (0);	/* reported as an HTTP error */
	next = http_url_resolve(resp->url != NULL ? resp->url : fs->url, loc);
	if (next == NULL)
		return (0);
	if (!source_same_origin(fs, next)) {
		host = str_oneline(next, source_origin_len(next) != 0 ?
		    source_origin_len(next) : 64);
		source_finish(fs, xasprintf("HTTP %ld redirect to another host "
		    "refused (%s)", resp->status, host), 0);
		free(host);
		free(next);
		return (1);
	}
	if (++fs->redirects > SOURCE_MAX_REDIRECTS) {
		free(next);
		source_finish(fs, xstrdup("too many redirects"), 0);
		return (1);
	}
	free(fs->url);
	fs->url = next;
	if (source_request(fs) != 0)
		source_finish(fs, xstrdup("cannot start request"), 0);
	return (1);
}

/* Cancel and free the pages fetched at once. */
static void
source_pages_free(struct source_fetch *fs)
{
	struct source_page	*pg;
	long			 i;

	if (fs->paging == NULL)
		return;
	for (i = paging_first(fs->paging); i <= paging_last(fs->paging);
	    i++) {
		if ((pg = paging_get(fs->paging, i)) == NULL)
			continue;
		if (pg->inflight)
			http_cancel_arg(fs->http, pg);
		source_tags_free(pg->tags, pg->ntags);
		free(pg->url);
		free(pg->error);
		free(pg);
	}
	paging_free(fs->paging);
	fs->paging = NULL;
}

static void	source_slot_done(const struct http_response *, void *);

/*
 * Whether a page fetched at once has failed. The error told is that of
 * the lowest page that failed, whatever order the answers came in: once
 * every page below it has answered, the fetch ends with it (1).
 */
static int
source_pages_failed(struct source_fetch *fs)
{
	struct source_page	*pg;
	long			 i;
	char			*why;

	for (i = paging_first(fs->paging); i <= paging_last(fs->paging);
	    i++) {
		if ((pg = paging_get(fs->paging, i)) == NULL)
			return (0);	/* pages are asked for in order */
		if (pg->inflight)
			return (0);
		if (pg->error != NULL) {
			why = pg->error;
			pg->error = NULL;
			source_finish(fs, why, pg->until);
			return (1);
		}
	}
	return (0);
}

/* Whether any page fetched at once has an error waiting to be told. */
static int
source_pages_any_error(const struct source_fetch *fs)
{
	struct source_page	*pg;
	long			 i;

	for (i = paging_first(fs->paging); i <= paging_last(fs->paging);
	    i++)
		if ((pg = paging_get(fs->paging, i)) != NULL &&
		    pg->error != NULL)
			return (1);
	return (0);
}

/* Start page requests while the schedule allows; -1 if one cannot start. */
static int
source_pages_pump(struct source_fetch *fs)
{
	struct source_page	*pg;
	char			*url;
	long			 page;

	if (source_pages_any_error(fs))
		return (0);	/* the fetch ends once lower pages answer */
	while ((page = paging_next(fs->paging, &url)) != 0) {
		pg = xcalloc(1, sizeof *pg);
		pg->fs = fs;
		pg->page = page;
		pg->url = url;
		paging_set(fs->paging, page, pg);
		if (source_request_url(fs, pg->url, source_slot_done, pg) != 0)
			return (-1);
		pg->inflight = 1;
	}
	return (0);
}

/*
 * After the first page: when it names the last page, ask for the others
 * at once. 1 when they have been started (or the fetch has finished), 0
 * to walk the list page after page.
 */
static int
source_pages_start(struct source_fetch *fs, const struct http_response *resp,
    size_t count)
{
	char	*tmpl;
	long	 last;

	if ((last = paging_plan(resp, fs->url, count, &tmpl)) < 2)
		return (0);
	if (last > SOURCE_MAX_PAGES)
		last = SOURCE_MAX_PAGES;
	/* The token is for the API host only: those walk in order. */
	if (!source_same_origin(fs, tmpl)) {
		free(tmpl);
		return (0);
	}
	fs->paging = paging_new(tmpl, 2, last, SOURCE_PAGES_AT_ONCE);
	free(tmpl);
	if (source_pages_pump(fs) != 0)
		source_finish(fs, xstrdup("cannot start request"), 0);
	return (1);
}

/* Every page is in: append them in page order, then finish. */
static void
source_pages_finish(struct source_fetch *fs)
{
	struct source_page	*pg;
	long			 i;
	size_t			 j;

	for (i = paging_first(fs->paging); i <= paging_last(fs->paging);
	    i++) {
		pg = paging_get(fs->paging, i);
		/* An empty page ends the list, as it ends a walk. */
		if (pg == NULL || pg->count == 0)
			break;
		for (j = 0; j < pg->ntags; j++) {
			if (fs->ntags >= SOURCE_MAX_ENTRIES)
				break;
			if (fs->ntags == fs->cap) {
				fs->cap = fs->cap == 0 ? 128 : fs->cap * 2;
				fs->tags = xreallocarray(fs->tags, fs->cap,
				    sizeof *fs->tags);
			}
			fs->tags[fs->ntags++] = pg->tags[j];
			memset(&pg->tags[j], 0, sizeof pg->tags[j]);
		}
	}
	source_finish(fs, NULL, 0);
}

/*
 * A page fetched at once was redirected: follow it on the API's origin,
 * as source_redirect does for the walk. 1 when handled.
 */
static int
source_slot_redirect(struct source_page *pg, const struct http_response *resp)
{
	struct source_fetch	*fs = pg->fs;
	const char		*loc;
	char			*next, *host;

	if (resp->status != 301 && resp->status != 302 &&
	    resp->status != 303 && resp->status != 307 &&
	    resp->status != 308)
		return (0);
	loc = http_header(resp, "location");
	if (loc == NULL || *loc == '\0')
		return (0);
	next = http_url_resolve(resp->url != NULL ? resp->url : pg->url, loc);
	if (next == NULL)
		return (0);
	if (!source_same_origin(fs, next)) {
		host = str_oneline(next, source_origin_len(next) != 0 ?
		    source_origin_len(next) : 64);
		source_finish(fs, xasprintf("HTTP %ld redirect to another host "
		    "refused (%s)", resp->status, host), 0);
		free(host);
		free(next);
		return (1);
	}
	if (++pg->redirects > SOURCE_MAX_REDIRECTS) {
		free(next);
		source_finish(fs, xstrdup("too many redirects"), 0);
		return (1);
	}
	free(pg->url);
	pg->url = next;
	if (source_request_url(fs, pg->url, source_slot_done, pg) != 0) {
		pg->inflight = 0;
		source_finish(fs, xstrdup("cannot start request"), 0);
	}
	return (1);
}

/* A page fetched at once arrived: keep it in its slot. */
static void
source_slot_done(const struct http_response *resp, void *arg)
{
	struct source_page	*pg = arg;
	struct source_fetch	*fs = pg->fs;
	time_t			 until = 0;
	char			*cause = NULL;
	long			 status = resp->status;

	pg->inflight = 0;
	if (source_slot_redirect(pg, resp))
		return;
	fs->pages++;
	if (status == 304 && resp->len > 0)
		status = 200;
	if (status < 200 || status > 299) {
		cause = source_describe(fs, resp, pg->page, &until);
		pg->error = xasprintf("page %ld: %s", pg->page, cause);
		pg->until = until;
		free(cause);
	} else if (source_add_page(fs, resp, &pg->tags, &pg->ntags, &pg->cap,
	    &pg->count, &cause) != 0) {
		pg->error = xasprintf("%s (page %ld)", cause, pg->page);
		free(cause);
	}
	paging_done(fs->paging, pg->page);
	if (source_pages_failed(fs) || source_pages_any_error(fs))
		return;
	if (paging_complete(fs->paging)) {
		source_pages_finish(fs);
		return;
	}
	if (source_pages_pump(fs) != 0)
		source_finish(fs, xstrdup("cannot start request"), 0);
}

/* One page arrived: collect it, then fetch the next or finish. */
static void
source_page_done(const struct http_response *resp, void *arg)
{
	struct source_fetch	*fs = arg;
	time_t			 until = 0;
	char			*cause = NULL, *next;
	size_t			 count;
	long			 status = resp->status;

	if (source_redirect(fs, resp))
		return;
	fs->redirects = 0;
	fs->pages++;
	/* A 304 always carries the cached body; one without is a failure. */
	if (status == 304 && resp->len > 0)
		status = 200;
	if (status < 200 || status > 299) {
		cause = source_describe(fs, resp, fs->pages, &until);
		/*
		 * The pages already read are dropped: no list is ordered by
		 * version, so the missing page may hold the highest one (the
		 * walk already ends once an announced total is in).
		 */
		if (fs->pages > 1) {
			next = xasprintf("page %d: %s", fs->pages, cause);
			free(cause);
			cause = next;
		}
		source_finish(fs, cause, until);
		return;
	}
	if (source_add_page(fs, resp, &fs->tags, &fs->ntags, &fs->cap, &count,
	    &cause) != 0) {
		if (fs->pages > 1)
			source_finish(fs, xasprintf("%s (page %d)", cause,
			    fs->pages), 0);
		else
			source_finish(fs, xstrdup(cause), 0);
		free(cause);
		return;
	}
	next = source_next_url(fs, resp, count);
	if (next == NULL || fs->ntags >= SOURCE_MAX_ENTRIES ||
	    fs->pages >= SOURCE_MAX_PAGES || strcmp(next, fs->url) == 0) {
		free(next);
		source_finish(fs, NULL, 0);
		return;
	}
	if (!source_same_origin(fs, next)) {
		/* The token is for the API host only. */
		cause = str_oneline(next, source_origin_len(next) != 0 ?
		    source_origin_len(next) : 64);
		source_finish(fs, xasprintf("pagination link to another host "
		    "refused (%s)", cause), 0);
		free(cause);
		free(next);
		return;
	}
	if (fs->pages == 1 && source_pages_start(fs, resp, count)) {
		free(next);
		return;
	}
	free(fs->url);
	fs->url = next;
	if (source_request(fs) != 0)
		source_finish(fs, xstrdup("cannot start request"), 0);
}

/* Deferred failure: the API host is known to be rate limited. */
static void
source_blocked_timer(void *arg)
{
	struct source_fetch	*fs = arg;
	char			 hhmm[16], *h;

	fs->timer = 0;
	source_hhmm(fs->blocked_until, hhmm, sizeof hhmm);
	h = source_limit_hint(fs, -1);
	source_finish(fs, xasprintf("rate limited until %s (UTC)%s", hhmm, h),
	    fs->blocked_until);
	free(h);
}

/* Until when the http layer knows the API host to be rate limited, or 0. */
static time_t
source_host_blocked(const struct source_fetch *fs)
{
	const struct http_ratelimit *rl;
	size_t			 n, i, alen, hlen, len;
	const char		*auth;
	time_t			 now = time(NULL), until = 0;

	auth = strstr(fs->origin, "://");
	if (auth == NULL)
		return (0);
	auth += 3;
	alen = strlen(auth);
	if (*auth == '[')
		hlen = strcspn(auth, "]") + 1;
	else
		hlen = strcspn(auth, ":");
	n = http_ratelimits(fs->http, &rl);
	for (i = 0; i < n; i++) {
		if (rl[i].blocked_until <= now || rl[i].blocked_until <= until)
			continue;
		/* Known by host, or by host:port when the port is explicit. */
		len = strlen(rl[i].host);
		if ((len == hlen || len == alen) &&
		    str_casecmp_n(rl[i].host, auth, len) == 0)
			until = rl[i].blocked_until;
	}
	return (until);
}

/* A copy of base without trailing slashes. Caller frees. */
static char *
source_base(const char *base, const char *dflt)
{
	size_t	len;

	if (base == NULL || *base == '\0')
		base = dflt;
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	return (xstrndup(base, len));
}

/* Whether s is a valid "owner/name" GitHub repository. */
static int
source_valid_repo(const char *s)
{
	const char	*slash;
	size_t		 i;

	if (s == NULL || (slash = strchr(s, '/')) == NULL || slash == s ||
	    slash[1] == '\0' || strchr(slash + 1, '/') != NULL ||
	    strlen(s) > 200)
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr("-_./", s[i]) == NULL)
			return (0);
	}
	return (1);
}

/* Whether s is a plausible GitLab project path (group/.../name). */
static int
source_valid_project(const char *s)
{
	size_t	i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > 512 || s[0] == '/' ||
	    s[len - 1] == '/' || strstr(s, "//") != NULL)
		return (0);
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return (0);
	}
	return (1);
}

/* The token from the environment; NULL when unset or unusable. */
static const char *
source_token(const char *var)
{
	const char	*v = getenv(var);
	size_t		 i;

	if (v == NULL || *v == '\0' || strlen(v) > 4096)
		return (NULL);
	for (i = 0; v[i] != '\0'; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return (NULL);	/* would break the header */
	}
	return (v);
}

/* Start fetching one source; -1 (cb not called) only on a bad config. */
int
source_fetch(struct http *http, const struct source_config *sc,
    source_cb cb, void *arg)
{
	struct source_fetch	*fs;
	const struct source_type_entry *type;
	const char		*token, *dflt_env;
	char			*base, *enc, *owner, *name, *eowner, *ename;
	size_t			 n;

	if (http == NULL || sc == NULL || cb == NULL || (int)sc->type < 0 ||
	    (size_t)sc->type >= MT_ARRAY_LEN(source_types))
		return (-1);
	type = &source_types[sc->type];
	if (type->parse == NULL)
		return (-1);
	if (type->service != SOURCE_GITLAB && !source_valid_repo(sc->repo))
		return (-1);
	if (type->service == SOURCE_GITLAB &&
	    !source_valid_project(sc->project))
		return (-1);

	fs = xcalloc(1, sizeof *fs);
	fs->http = http;
	fs->type = type;
	fs->cb = cb;
	fs->arg = arg;
	fs->prereleases = sc->prereleases;
	if (type->service == SOURCE_GITHUB) {
		base = source_base(sc->api, "https://api.github.com");
		n = (size_t)(strchr(sc->repo, '/') - sc->repo);
		owner = xstrndup(sc->repo, n);
		name = xstrdup(sc->repo + n + 1);
		eowner = http_escape(owner);
		ename = http_escape(name);
		fs->url = xasprintf("%s/repos/%s/%s/%s?per_page=%d", base,
		    eowner, ename, type->list, SOURCE_PER_PAGE);
		fs->label = xasprintf("%s %s", type->name, sc->repo);
		fs->what = xstrdup("repository");
		free(owner);
		free(name);
		free(eowner);
		free(ename);
		dflt_env = "GITHUB_TOKEN";
	} else if (type->service == SOURCE_GITEA) {
		if (sc->base_url == NULL || *sc->base_url == '\0') {
			source_fetch_free(fs);
			return (-1);
		}
		base = source_base(sc->base_url, NULL);
		n = (size_t)(strchr(sc->repo, '/') - sc->repo);
		owner = xstrndup(sc->repo, n);
		name = xstrdup(sc->repo + n + 1);
		eowner = http_escape(owner);
		ename = http_escape(name);
		fs->url = xasprintf("%s/api/v1/repos/%s/%s/%s?limit=%d", base,
		    eowner, ename, type->list, SOURCE_GITEA_LIMIT);
		fs->label = xasprintf("%s %s", type->name, sc->repo);
		fs->what = xstrdup("repository");
		free(owner);
		free(name);
		free(eowner);
		free(ename);
		dflt_env = "GITEA_TOKEN";
	} else {
		base = source_base(sc->base_url, "https://gitlab.com");
		enc = http_escape(sc->project);
		fs->url = xasprintf("%s/api/v4/projects/%s/%s?per_page=%d",
		    base, enc, type->list, SOURCE_PER_PAGE);
		fs->label = xasprintf("%s %s", type->name, sc->project);
		fs->what = xstrdup("project");
		free(enc);
		dflt_env = "GITLAB_TOKEN";
	}
	n = source_origin_len(base);
	fs->origin = xstrndup(base, n);
	free(base);
	if (n == 0) {
		source_fetch_free(fs);
		return (-1);
	}
	fs->token_env = xstrdup(sc->token_env != NULL && *sc->token_env !=
	    '\0' ? sc->token_env : dflt_env);
	token = source_token(fs->token_env);
	if (token != NULL) {
		if (type->service == SOURCE_GITHUB)
			fs->auth = xasprintf("Authorization: Bearer %s", token);
		else if (type->service == SOURCE_GITEA)
			fs->auth = xasprintf("Authorization: token %s", token);
		else
			fs->auth = xasprintf("PRIVATE-TOKEN: %s", token);
		/* ETags are per token: key the cache by a hash of it. */
		sha256_digest(token, strlen(token), fs->salt, sizeof fs->salt);
	}

	fs->next = source_inflight;
	source_inflight = fs;
	if ((fs->blocked_until = source_host_blocked(fs)) != 0) {
		fs->timer = loop_timer_add(http_loop(http), 0,
		    source_blocked_timer, fs);
		return (0);
	}
	if (source_request(fs) != 0) {
		source_fetch_free(fs);
		return (-1);
	}
	return (0);
}

/* Cancel every fetch started with arg; their callbacks are not called. */
void
source_cancel(struct http *http, void *arg)
{
	struct source_fetch	*fs, *next;

	for (fs = source_inflight; fs != NULL; fs = next) {
		next = fs->next;
		if (fs->http == http && fs->arg == arg) {
			http_cancel_arg(http, fs);
			source_fetch_free(fs);
		}
	}
}

/* Cancel every fetch on this http (before http_free); no callbacks. */
void
source_cancel_all(struct http *http)
{
	struct source_fetch	*fs, *next;

	for (fs = source_inflight; fs != NULL; fs = next) {
		next = fs->next;
		if (fs->http == http) {
			http_cancel_arg(http, fs);
			source_fetch_free(fs);
		}
	}
}

/*
 * One response through a fetch's parsing, without a request (tests and
 * fuzzing; see source-int.h).
 */
struct source_result *
source_parse_response(int type, int prereleases, const char *url,
    const struct http_response *resp, char **next)
{
	struct source_fetch	 fs;
	struct source_result	*res;
	char			*cause = NULL;
	size_t			 count = 0, olen;
	time_t			 until = 0;
	long			 status = resp->status;

	*next = NULL;
	if (type < 0 || type >= (int)MT_ARRAY_LEN(source_types))
		return (NULL);
	memset(&fs, 0, sizeof fs);
	fs.type = &source_types[type];
	fs.what = fs.type->service == SOURCE_GITLAB ? "project" : "repository";
	fs.token_env = fs.type->service == SOURCE_GITHUB ? "GITHUB_TOKEN" :
	    fs.type->service == SOURCE_GITEA ? "GITEA_TOKEN" : "GITLAB_TOKEN";
	fs.url = (char *)url;
	olen = source_origin_len(url);
	fs.origin = xstrndup(url, olen != 0 ? olen : strlen(url));
	fs.prereleases = prereleases;
	fs.pages = 1;
	res = xcalloc(1, sizeof *res);
	if (status == 304 && resp->len > 0)
		status = 200;
	if (status < 200 || status > 299)
		res->error = source_describe(&fs, resp, 1, &until);
	else if (source_add_page(&fs, resp, &fs.tags, &fs.ntags, &fs.cap,
	    &count, &cause) != 0)
		res->error = cause;
	else
		*next = source_next_url(&fs, resp, count);
	res->rate_limited_until = until;
	res->skipped = fs.skipped;
	res->pages = 1;
	res->tags = fs.tags;
	res->ntags = fs.ntags;
	free(fs.origin);
	return (res);
}
