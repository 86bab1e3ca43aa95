/* ghcr-packages.c — GHCR package versions: list and delete. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ghcr-packages.h"
#include "http.h"
#include "util.h"

#define GHCR_MAX_PAGES		100
#define GHCR_PAGE_MAX_BYTES	(16 * 1024 * 1024)
#define GHCR_FIELD_MAX		255
#define GHCR_OWNERS_MAX		64

/* Owners found to be users, not organizations (for the process). */
static char	*ghcr_users[GHCR_OWNERS_MAX];
static size_t	 ghcr_nusers;

static int
ghcr_is_user(const char *owner)
{
	size_t i;

	for (i = 0; i < ghcr_nusers; i++)
		if (strcasecmp(ghcr_users[i], owner) == 0)
			return 1;
	return 0;
}

static void
ghcr_remember_user(const char *owner)
{
	if (!ghcr_is_user(owner) && ghcr_nusers < GHCR_OWNERS_MAX)
		ghcr_users[ghcr_nusers++] = xstrdup(owner);
}

/* "2026-11-28T10:00:00Z" (fraction allowed) as epoch; 0 when unreadable. */
static time_t
ghcr_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se, n = 0;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d,
	    &h, &mi, &se, &n) != 6 || n == 0 || y < 1970 || y > 9999 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60 || h < 0 || mi < 0 || se < 0)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return timegm(&tm);
}

/* Whether s is "sha256:" and 64 lowercase hex digits. */
static int
ghcr_digest_ok(const char *s)
{
	size_t i;

	if (s == NULL || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return 0;
	for (i = 7; i < 71; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

void
ghcr_versions_clear(struct ghcr_versions *vs)
{
	size_t i, k;

	for (i = 0; i < vs->n; i++) {
		free(vs->v[i].digest);
		for (k = 0; k < vs->v[i].ntags; k++)
			free(vs->v[i].tags[k]);
		free(vs->v[i].tags);
	}
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

int
ghcr_parse_versions(const char *body, size_t len, struct ghcr_versions *out,
    char **cause)
{
	json_error_t jerr;
	json_t *root, *e, *tags, *t;
	size_t i, k;

	root = json_loadb(body, len, 0, &jerr);
	if (!json_is_array(root)) {
		*cause = root == NULL ? xasprintf("package versions: line %d: "
		    "%s", jerr.line, jerr.text) : xstrdup("package versions: "
		    "not a JSON array");
		json_decref(root);
		return -1;
	}
	json_array_foreach(root, i, e) {
		struct ghcr_version *v;
		json_t *id = json_object_get(e, "id");
		const char *name = json_string_value(json_object_get(e,
		    "name"));

		if (out->n >= GHCR_MAX_VERSIONS) {
			json_decref(root);
			*cause = xasprintf("package versions: more than %d",
			    GHCR_MAX_VERSIONS);
			return -1;
		}
		if (!json_is_integer(id) || json_integer_value(id) <= 0 ||
		    !ghcr_digest_ok(name))
			continue;
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		v = &out->v[out->n++];
		memset(v, 0, sizeof *v);
		v->id = (long long)json_integer_value(id);
		v->digest = xstrdup(name);
		v->updated = ghcr_time(json_string_value(json_object_get(e,
		    "updated_at")));
		tags = json_object_get(json_object_get(json_object_get(e,
		    "metadata"), "container"), "tags");
		json_array_foreach(tags, k, t) {
			const char *s = json_string_value(t);

			if (s == NULL || *s == '\0' ||
			    strlen(s) > GHCR_FIELD_MAX ||
			    v->ntags >= GHCR_MAX_TAGS)
				continue;
			v->tags = xreallocarray(v->tags, v->ntags + 1,
			    sizeof *v->tags);
			v->tags[v->ntags++] = xstrdup(s);
		}
	}
	json_decref(root);
	return 0;
}

const struct ghcr_version *
ghcr_find(const struct ghcr_versions *vs, const char *digest)
{
	size_t i;

	for (i = 0; vs != NULL && digest != NULL && i < vs->n; i++)
		if (strcmp(vs->v[i].digest, digest) == 0)
			return &vs->v[i];
	return NULL;
}

int
ghcr_package_of(const char *repo, char **owner, char **package)
{
	const char *slash = repo != NULL ? strchr(repo, '/') : NULL;

	if (slash == NULL || slash == repo || slash[1] == '\0')
		return -1;
	*owner = xstrndup(repo, (size_t)(slash - repo));
	*package = http_escape(slash + 1);
	return 0;
}

/* ---- requests ---- */

struct ghcr_op {
	struct http		*http;
	char			*api;
	char			*token;
	char			*owner;
	char			*package;
	long long		 id;		/* delete: the version */
	int			 users;		/* asking /users/ */
	int			 pages;
	char			*next;		/* list: the next page's URL */
	struct ghcr_versions	 vs;
	ghcr_list_cb		 list_cb;
	ghcr_delete_cb		 del_cb;
	ghcr_get_cb		 get_cb;
	char			*digest;	/* delete by digest: the name */
	char			*list_repo;
	int			 composite;	/* runs sub, sends nothing */
	struct ghcr_op		*sub;		/* its list, then delete */
	void			*arg;
};

static int	ghcr_send(struct ghcr_op *, const char *url);

static void
ghcr_free(struct ghcr_op *op)
{
	free(op->api);
	if (op->token != NULL) {
		explicit_bzero(op->token, strlen(op->token));
		free(op->token);
	}
	free(op->owner);
	free(op->package);
	free(op->next);
	free(op->digest);
	free(op->list_repo);
	ghcr_versions_clear(&op->vs);
	free(op);
}

/* The URL of the package (its versions, or version id when id > 0). */
static char *
ghcr_url(const struct ghcr_op *op, long long id)
{
	const char *api = op->api;
	size_t n = strlen(api);

	while (n > 0 && api[n - 1] == '/')
		n--;
	if (id > 0)
		return xasprintf("%.*s/%s/%s/packages/container/%s/versions/%lld",
		    (int)n, api, op->users ? "users" : "orgs", op->owner,
		    op->package, id);
	return xasprintf("%.*s/%s/%s/packages/container/%s/versions?"
	    "per_page=100", (int)n, api, op->users ? "users" : "orgs",
	    op->owner, op->package);
}

/* The end of an operation with an error (one line, no query string). */
static void
ghcr_fail(struct ghcr_op *op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
ghcr_fail(struct ghcr_op *op, const char *fmt, ...)
{
	va_list ap;
	char *msg, *line;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	*msg = '\0';
	if (n > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	line = str_oneline(msg, 1024);
	if (op->list_cb != NULL)
		op->list_cb(-1, NULL, line, op->arg);
	else if (op->get_cb != NULL)
		op->get_cb(-1, NULL, line, op->arg);
	else
		op->del_cb(-1, line, op->arg);
	free(line);
	free(msg);
	ghcr_free(op);
}

/* Whether url has the scheme, host and port of base. */
static int
ghcr_same_origin(const char *base, const char *url)
{
	const char *p = strstr(base, "://");
	size_t n;

	if (p == NULL)
		return 0;
	p += 3;
	n = (size_t)(p - base) + strcspn(p, "/?#");
	return strncasecmp(base, url, n) == 0 &&
	    (url[n] == '/' || url[n] == '?' || url[n] == '\0');
}

/* GitHub's "message" of an error body, sanitized, or NULL. Caller frees. */
static char *
ghcr_message(const struct http_response *res)
{
	json_t *root = json_loadb(res->body, res->len, 0, NULL);
	const char *m = json_string_value(json_object_get(root, "message"));
	char *s = m != NULL ? str_oneline(m, 300) : NULL;

	json_decref(root);
	return s;
}

static void
ghcr_cb(const struct http_response *res, void *arg)
{
	struct ghcr_op *op = arg;
	char *cause = NULL, *desc, *msg;

	if (res->status == 404 && !op->users && !ghcr_is_user(op->owner)) {
		/* Not an organization's: a user's. */
		char *url;

		op->users = 1;
		url = ghcr_url(op, op->list_cb != NULL ? 0 : op->id);
		if (ghcr_send(op, url) != 0)
			ghcr_fail(op, "GitHub Packages API: cannot send the "
			    "request");
		free(url);
		return;
	}
	if (res->status == 404 && op->users && op->del_cb != NULL) {
		op->del_cb(GHCR_GONE, NULL, op->arg);
		ghcr_free(op);
		return;
	}
	if (res->status == 404 && op->users && op->get_cb != NULL) {
		op->get_cb(GHCR_GONE, NULL, NULL, op->arg);
		ghcr_free(op);
		return;
	}
	if (res->status >= 200 && res->status < 300 && op->get_cb != NULL) {
		/* one version: parsed as a list of one */
		char *wrapped = xmalloc(res->len + 3);

		if (op->users)
			ghcr_remember_user(op->owner);
		wrapped[0] = '[';
		memcpy(wrapped + 1, res->body, res->len);
		wrapped[res->len + 1] = ']';
		wrapped[res->len + 2] = '\0';
		if (ghcr_parse_versions(wrapped, res->len + 2, &op->vs,
		    &cause) != 0 || op->vs.n != 1) {
			free(wrapped);
			ghcr_fail(op, "GitHub Packages API: %s", cause ? cause :
			    "not a package version");
			free(cause);
			return;
		}
		free(wrapped);
		op->get_cb(0, &op->vs.v[0], NULL, op->arg);
		ghcr_free(op);
		return;
	}
	if (res->status >= 200 && res->status < 300) {
		if (op->users)
			ghcr_remember_user(op->owner);
		if (op->del_cb != NULL) {
			op->del_cb(GHCR_DELETED, NULL, op->arg);
			ghcr_free(op);
			return;
		}
		if (ghcr_parse_versions(res->body, res->len, &op->vs,
		    &cause) != 0) {
			ghcr_fail(op, "GitHub Packages API: %s", cause);
			free(cause);
			return;
		}
		free(op->next);
		op->next = http_link_next(http_header(res, "Link"), res->url);
		if (op->next != NULL && !ghcr_same_origin(op->api, op->next)) {
			/* the token goes to the API's own origin only */
			ghcr_fail(op, "GitHub Packages API: the next page is on "
			    "another host; not followed");
			return;
		}
		if (op->next != NULL && ++op->pages < GHCR_MAX_PAGES) {
			char *next = xstrdup(op->next);

			if (ghcr_send(op, next) != 0)
				ghcr_fail(op, "GitHub Packages API: cannot "
				    "send the request");
			free(next);
			return;
		}
		if (op->next != NULL) {
			ghcr_fail(op, "GitHub Packages API: more than %d pages "
			    "of versions", GHCR_MAX_PAGES);
			return;
		}
		op->list_cb(0, &op->vs, NULL, op->arg);
		ghcr_free(op);
		return;
	}
	msg = res->status > 0 ? ghcr_message(res) : NULL;
	/* A public version downloaded more than 5,000 times stays. */
	if (op->del_cb != NULL && (res->status == 400 || res->status == 403 ||
	    res->status == 422) && msg != NULL &&
	    strstr(msg, "downloads") != NULL) {
		op->del_cb(GHCR_REFUSED, msg, op->arg);
		free(msg);
		ghcr_free(op);
		return;
	}
	desc = http_describe_error(res);
	ghcr_fail(op, "GitHub Packages API: %s%s%s%s", desc,
	    msg != NULL ? ": " : "", msg != NULL ? msg : "",
	    res->status == 401 || res->status == 403 ? " (the token needs "
	    "read:packages and delete:packages)" : "");
	free(desc);
	free(msg);
}

/* Send a request of op; -1 when it cannot be sent (no callback). */
static int
ghcr_send(struct ghcr_op *op, const char *url)
{
	struct http_request rq;
	const char *headers[4];
	char *auth = xasprintf("Authorization: Bearer %s", op->token);
	int r;

	headers[0] = "Accept: application/vnd.github+json";
	headers[1] = "X-GitHub-Api-Version: 2022-11-28";
	headers[2] = auth;
	headers[3] = NULL;
	memset(&rq, 0, sizeof rq);
	rq.method = op->del_cb != NULL ? "DELETE" : NULL;
	rq.url = url;
	rq.headers = headers;
	rq.max_body = GHCR_PAGE_MAX_BYTES;
	/* a DELETE is not repeated blindly: one attempt */
	rq.max_attempts = op->del_cb != NULL ? 1 : 0;
	r = http_request(op->http, &rq, ghcr_cb, op);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	return r;
}

static struct ghcr_op *
ghcr_new(struct http *http, const char *api, const char *token,
    const char *repo)
{
	struct ghcr_op *op = xcalloc(1, sizeof *op);

	op->http = http;
	op->api = xstrdup(api);
	op->token = xstrdup(token != NULL ? token : "");
	if (ghcr_package_of(repo, &op->owner, &op->package) != 0) {
		op->owner = xstrdup("");
		op->package = xstrdup("");
	}
	op->users = ghcr_is_user(op->owner);
	return op;
}

/* Send op's first request (id 0: the list), or free it: op, or NULL. */
static struct ghcr_op *
ghcr_start(struct ghcr_op *op, long long id, void *arg)
{
	char *url;

	op->id = id;
	op->arg = arg;
	url = ghcr_url(op, id);
	if (ghcr_send(op, url) != 0) {
		ghcr_free(op);
		op = NULL;
	}
	free(url);
	return op;
}

struct ghcr_op *
ghcr_list_start(struct http *http, const char *api, const char *token,
    const char *repo, ghcr_list_cb cb, void *arg)
{
	struct ghcr_op *op = ghcr_new(http, api, token, repo);

	op->list_cb = cb;
	return ghcr_start(op, 0, arg);
}

struct ghcr_op *
ghcr_delete_start(struct http *http, const char *api, const char *token,
    const char *repo, long long id, ghcr_delete_cb cb, void *arg)
{
	struct ghcr_op *op = ghcr_new(http, api, token, repo);

	op->del_cb = cb;
	return ghcr_start(op, id, arg);
}

struct ghcr_op *
ghcr_get_start(struct http *http, const char *api, const char *token,
    const char *repo, long long id, ghcr_get_cb cb, void *arg)
{
	struct ghcr_op *op = ghcr_new(http, api, token, repo);

	op->get_cb = cb;
	return ghcr_start(op, id, arg);
}

/* Delete by digest: the version was deleted (or not). */
static void
ghcr_bydigest_deleted(int status, const char *errmsg, void *arg)
{
	struct ghcr_op *op = arg;

	op->sub = NULL;
	op->del_cb(status, errmsg, op->arg);
	ghcr_free(op);
}

/* Delete by digest: the versions are listed. */
static void
ghcr_bydigest_listed(int status, const struct ghcr_versions *vs,
    const char *errmsg, void *arg)
{
	struct ghcr_op *op = arg;
	const struct ghcr_version *v;

	op->sub = NULL;
	if (status != 0) {
		op->del_cb(-1, errmsg, op->arg);
		ghcr_free(op);
		return;
	}
	if ((v = ghcr_find(vs, op->digest)) == NULL) {
		op->del_cb(GHCR_GONE, NULL, op->arg);
		ghcr_free(op);
		return;
	}
	op->sub = ghcr_delete_start(op->http, op->api, op->token,
	    op->list_repo, v->id, ghcr_bydigest_deleted, op);
	if (op->sub == NULL) {
		op->del_cb(-1, "GitHub Packages API: cannot send the request",
		    op->arg);
		ghcr_free(op);
	}
}

struct ghcr_op *
ghcr_delete_digest_start(struct http *http, const char *api,
    const char *token, const char *repo, const char *digest,
    ghcr_delete_cb cb, void *arg)
{
	struct ghcr_op *op = ghcr_new(http, api, token, repo);

	op->composite = 1;
	op->digest = xstrdup(digest);
	op->list_repo = xstrdup(repo);
	op->del_cb = cb;
	op->arg = arg;
	op->sub = ghcr_list_start(http, api, token, repo,
	    ghcr_bydigest_listed, op);
	if (op->sub == NULL) {
		ghcr_free(op);
		return NULL;
	}
	return op;
}

void
ghcr_cancel(struct ghcr_op *op)
{
	if (op == NULL)
		return;
	if (op->composite)
		ghcr_cancel(op->sub);
	else
		http_cancel_arg(op->http, op);
	ghcr_free(op);
}
