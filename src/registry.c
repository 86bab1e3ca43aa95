/*
 * registry.c — an OCI distribution (Docker registry v2) client.
 *
 * Every public call becomes an operation (struct reg_op) that runs one HTTP
 * exchange at a time through reg_send(). A 401 runs the challenge flow:
 * Bearer tokens are fetched once per scope (concurrent fetches for the same
 * scope are coalesced: one request, the others wait on it) and cached until
 * shortly before they expire; Basic challenges are answered from the docker
 * config. Each request is retried at most once after authenticating.
 *
 * Callbacks may cancel operations or free the registry: entry points from
 * the loop hold a depth count and registry_free() defers the actual free
 * until the outermost one returns.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "auth.h"
#include "cache.h"
#include "http.h"
#include "loop.h"
#include "registry.h"
#include "registry-int.h"
#include "registry-dockerhub.h"
#include "util.h"

#define REG_MANIFEST_MAX	(4 * 1024 * 1024)
#define REG_CONFIG_MAX		(1024 * 1024)
#define REG_TAGS_BODY_MAX	(8 * 1024 * 1024)
#define REG_TOKEN_BODY_MAX	(256 * 1024)
#define REG_TOKEN_MAX		(64 * 1024)
#define REG_INDEX_MAX		1024
#define REG_TAGS_PAGE		1000
#define REG_TAGS_MAX_PAGES	1000
#define REG_TAGS_MAX		100000
#define REG_REPO_MAX		255
#define REG_FIELD_MAX		64	/* os, architecture, variant */
#define REG_MEDIA_MAX		255
#define REG_ERROR_MAX		300
#define REG_TOKENS_MAX		64
#define REG_TOKEN_DEFAULT_S	60
#define REG_MAX_RETRY_AFTER	10	/* longer waits are reported (reads) */

#define REG_ACCEPT "Accept: " MT_MEDIA_OCI_INDEX ", " MT_MEDIA_DOCKER_LIST \
	", " MT_MEDIA_OCI_MANIFEST ", " MT_MEDIA_DOCKER_MANIFEST

enum reg_kind {
	REG_TAGS,
	REG_GET,
	REG_HEAD,
	REG_PUT,
	REG_DELETE,
	REG_RAW,	/* registry_raw(): the answer as it is */
};

struct reg_op;
typedef void (*reg_done_fn)(struct reg_op *, const struct http_response *);

struct reg_token {
	char			*key;		/* space-separated scopes */
	char			*value;
	uint64_t		 expires;	/* monotonic ms */
	unsigned long		 gen;
	struct reg_token	*next;
};

/* A token request in flight; ops waiting for it are chained on wnext. */
struct reg_fetch {
	struct registry		*r;
	char			*key;
	char			*repo;		/* for messages */
	int			 anonymous;
	struct reg_op		*waiters;
	struct reg_fetch	*next;
};

struct reg_op {
	struct registry		*r;
	enum reg_kind		 kind;
	void			*arg;
	union {
		registry_tags_cb	 tags;
		registry_manifest_cb	 manifest;
		registry_put_cb		 put;
		registry_delete_cb	 del;
		registry_raw_cb		 raw;
	} cb;
	char			*repo;
	char			*ref;
	int			 resolve;

	/* The current exchange. */
	const char		*method;
	char			*url;
	char			*ctype;		/* "Content-Type: ..." or NULL */
	char			*body;		/* PUT body (owned) */
	size_t			 body_len;
	size_t			 max_body;
	int			 follow;
	int			 accept;	/* send the manifest Accept */
	/* registry_raw(): streaming (http.h), and no second try after a
	 * challenge once a source was read */
	size_t			(*sink)(const char *, size_t, void *);
	size_t			(*source)(char *, size_t, void *);
	void			*stream_arg;
	long long		 upload_len;
	int			 conditional;	/* GET with If-None-Match from the
						 * http ETag cache (referrers) */
	reg_done_fn		 done;
	char			*authz;		/* Authorization header sent */
	int			 auth_rounds;	/* authentications done */
	unsigned long		 sent_gen;	/* token generation sent, 0 none */
	int			 sent_basic;
	char			*scope;		/* our own scope */
	char			*key;		/* token key (scope + extras) */
	int			 inflight;
	uint64_t		 timer;
	char			*errmsg;	/* deferred failure */
	int			 errstatus;

	/* Tags. */
	char			**tags;
	size_t			 ntags;
	size_t			 tagcap;
	size_t			 pages;
	char			*last;		/* last= sent on this page */
	int			 linked;	/* the registry pages with Link */
	int			 page_n;	/* n= asked, 0 when not sent */

	/* Manifests. */
	struct registry_manifest m;
	char			*digest;	/* PUT: sha256 of the body */
	char			*want_digest;	/* GET after a HEAD: its digest */

	struct reg_fetch	*waiting;	/* token fetch we wait on */
	struct reg_op		*wnext;
	int			 cred_wait;	/* waits for the credentials */
	struct reg_op		*cnext;
	struct reg_op		*prev, *next;
};

struct registry {
	struct http		*http;
	char			*host;
	char			*base;		/* "https://host" */
	int			 plain_http;
	int			 push;
	int			 page_size;	/* n= for tags/list */
	struct cache		*cache;		/* borrowed, or NULL */
	int			 backing_off;	/* it answered 429: the host's
						 * back-off (http.c) holds */

	int			 cred_state;	/* 0 unknown, 1 have, 2 none, -1 error */
	struct auth_cred	 cred;
	char			*cred_err;
	struct auth_query	*cred_q;	/* lookup in progress */
	struct reg_op		*cred_waiters;
	int			 basic;		/* registry answered Basic */

	struct reg_token	*tokens;
	unsigned long		 token_gen;
	struct reg_fetch	*fetches;
	struct reg_op		*ops;

	int			 depth;
	int			 dying;
};

static void	reg_send(struct reg_op *);
static void	reg_fail(struct reg_op *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	reg_get_done(struct reg_op *, const struct http_response *);

/* ------------------------------------------------------------------ */
/* Validation of names that go into URLs. */

/* Is s "sha256:" and 64 lowercase hex digits? */
static int
reg_valid_digest(const char *s)
{
	size_t i;

	if (s == NULL || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return 0;
	for (i = 7; i < 71; i++) {
		if (!isdigit((unsigned char)s[i]) && (s[i] < 'a' || s[i] > 'f'))
			return 0;
	}
	return 1;
}

/* Is s a tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}? */
static int
reg_valid_tag(const char *s)
{
	size_t i;

	if (s == NULL || (!isalnum((unsigned char)s[0]) && s[0] != '_'))
		return 0;
	for (i = 1; s[i] != '\0'; i++) {
		if (i > 127 || (!isalnum((unsigned char)s[i]) &&
		    strchr("._-", s[i]) == NULL))
			return 0;
	}
	return 1;
}

/* Is c a lowercase letter or digit? */
static int
reg_is_alnum_lower(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * Is s a repository name: components [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*
 * joined by '/'?
 */
static int
reg_valid_repo(const char *s)
{
	const char *p = s;

	if (s == NULL || *s == '\0' || strlen(s) > REG_REPO_MAX)
		return 0;
	for (;;) {
		if (!reg_is_alnum_lower((unsigned char)*p))
			return 0;
		while (reg_is_alnum_lower((unsigned char)*p))
			p++;
		if (*p == '\0')
			return 1;
		if (*p == '/') {
			p++;
			continue;
		}
		if (*p == '.')
			p++;
		else if (*p == '_')
			p += p[1] == '_' ? 2 : 1;
		else if (*p == '-') {
			while (*p == '-')
				p++;
		} else
			return 0;
		if (!reg_is_alnum_lower((unsigned char)*p))
			return 0;
	}
}

/* A platform field (os, architecture, variant): short and plain. */
static char *
reg_field(json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));
	char *out;
	size_t i;

	if (s == NULL || *s == '\0' || strlen(s) > REG_FIELD_MAX)
		return NULL;
	for (i = 0; s[i] != '\0'; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return NULL;
	}
	out = xstrdup(s);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return out;
}

/* A media type: printable ASCII, bounded; NULL otherwise. */
static char *
reg_media_type(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return NULL;
	for (i = 0; s[i] != '\0' && s[i] != ';'; i++) {
		if (i >= REG_MEDIA_MAX || s[i] <= ' ' || s[i] > '~')
			return NULL;
	}
	return xstrndup(s, i);
}

/* ------------------------------------------------------------------ */
/* Manifest parsing. */

/* Map architecture aliases and drop redundant variants. */
void
registry_platform_normalize(struct registry_platform *p)
{
	static const struct {
		const char	*from;
		const char	*arch;
		const char	*variant;	/* set when none given */
	} aliases[] = {
		{ "aarch64", "arm64", NULL },
		{ "x86_64", "amd64", NULL },
		{ "x86-64", "amd64", NULL },
		{ "i386", "386", NULL },
		{ "armhf", "arm", "v7" },
		{ "armel", "arm", "v6" },
	};
	size_t i;

	if (p == NULL || p->architecture == NULL)
		return;
	for (i = 0; i < MT_ARRAY_LEN(aliases); i++) {
		if (strcmp(p->architecture, aliases[i].from) != 0)
			continue;
		free(p->architecture);
		p->architecture = xstrdup(aliases[i].arch);
		if (p->variant == NULL && aliases[i].variant != NULL)
			p->variant = xstrdup(aliases[i].variant);
		break;
	}
	if (p->variant != NULL && *p->variant == '\0') {
		free(p->variant);
		p->variant = NULL;
	}
	if (strcmp(p->architecture, "arm64") == 0 && p->variant != NULL &&
	    strcmp(p->variant, "v8") == 0) {
		free(p->variant);
		p->variant = NULL;
	}
}

/* Free one platform's strings. */
static void
reg_platform_clear(struct registry_platform *p)
{
	free(p->os);
	free(p->architecture);
	free(p->variant);
	free(p->digest);
	free(p->media_type);
	memset(p, 0, sizeof *p);
}

/* Free everything a manifest holds and zero it. */
void
registry_manifest_clear(struct registry_manifest *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->digest);
	free(m->media_type);
	free(m->body);
	for (i = 0; i < m->nplatforms; i++)
		reg_platform_clear(&m->platforms[i]);
	free(m->platforms);
	reg_platform_clear(&m->platform);
	free(m->platform_json);
	free(m->config_digest);
	memset(m, 0, sizeof *m);
}

/*
 * Is this index entry runnable (not an attestation or other artifact)? An
 * entry of a media type we do not know is not an error: it is skipped.
 */
static int
reg_entry_runnable(json_t *entry, json_t *platform)
{
	json_t *ann = json_object_get(entry, "annotations");
	json_t *mt = json_object_get(entry, "mediaType");
	const char *os, *t;

	if (!json_is_object(platform))
		return 0;
	if (mt != NULL && !json_is_null(mt)) {
		t = json_string_value(mt);
		if (t == NULL || (strcmp(t, MT_MEDIA_OCI_MANIFEST) != 0 &&
		    strcmp(t, MT_MEDIA_DOCKER_MANIFEST) != 0 &&
		    strcmp(t, MT_MEDIA_OCI_INDEX) != 0 &&
		    strcmp(t, MT_MEDIA_DOCKER_LIST) != 0))
			return 0;
	}
	if (json_is_object(ann) &&
	    json_object_get(ann, "vnd.docker.reference.type") != NULL)
		return 0;
	os = json_string_value(json_object_get(platform, "os"));
	if (os == NULL || strcasecmp(os, "unknown") == 0)
		return 0;
	return 1;
}

/* Fill out->platforms from an index's "manifests". */
static int
reg_parse_index(json_t *root, struct registry_manifest *out, char **cause)
{
	json_t *list = json_object_get(root, "manifests"), *e, *plat;
	struct registry_platform *p;
	json_int_t size;
	size_t i;

	if (list == NULL || json_is_null(list))
		return 0;	/* an empty index */
	if (!json_is_array(list)) {
		*cause = xstrdup("index \"manifests\" is not a list");
		return -1;
	}
	if (json_array_size(list) > REG_INDEX_MAX) {
		*cause = xasprintf("index has too many entries (%zu, limit "
		    "%d)", json_array_size(list), REG_INDEX_MAX);
		return -1;
	}
	out->platforms = xcalloc(json_array_size(list) + 1, sizeof *p);
	json_array_foreach(list, i, e) {
		if (!json_is_object(e))
			continue;
		plat = json_object_get(e, "platform");
		if (!reg_entry_runnable(e, plat))
			continue;
		if (!reg_valid_digest(json_string_value(json_object_get(e,
		    "digest"))))
			continue;
		p = &out->platforms[out->nplatforms];
		memset(p, 0, sizeof *p);
		p->os = reg_field(plat, "os");
		p->architecture = reg_field(plat, "architecture");
		p->variant = reg_field(plat, "variant");
		if (p->os == NULL || p->architecture == NULL) {
			reg_platform_clear(p);
			continue;
		}
		p->digest = xstrdup(json_string_value(json_object_get(e,
		    "digest")));
		p->media_type = reg_media_type(json_string_value(
		    json_object_get(e, "mediaType")));
		size = json_integer_value(json_object_get(e, "size"));
		p->size = size > 0 ? (long long)size : 0;
		registry_platform_normalize(p);
		out->nplatforms++;
	}
	return 0;
}

/*
 * Strip parameters from a Content-Type and lowercase it (media types are
 * case-insensitive). Caller frees; NULL if none.
 */
static char *
reg_content_type(const char *ct)
{
	size_t n, i;
	char *out;

	if (ct == NULL)
		return NULL;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n == 0)
		return NULL;
	out = xstrndup(ct, n);
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return out;
}

/* Is mt one of the four manifest types we handle? */
static int
reg_known_type(const char *mt)
{
	return mt != NULL && (strcmp(mt, MT_MEDIA_OCI_INDEX) == 0 ||
	    strcmp(mt, MT_MEDIA_OCI_MANIFEST) == 0 ||
	    strcmp(mt, MT_MEDIA_DOCKER_LIST) == 0 ||
	    strcmp(mt, MT_MEDIA_DOCKER_MANIFEST) == 0);
}

/* Is a Content-Type too generic to name a manifest type? */
static int
reg_generic_type(const char *ct)
{
	return ct == NULL || strcmp(ct, "application/json") == 0 ||
	    strcmp(ct, "text/plain") == 0 ||
	    strcmp(ct, "application/octet-stream") == 0;
}

/*
 * Parse a manifest or index body. The media type comes from the
 * Content-Type, else from the body's mediaType, else from its shape.
 */
int
registry_parse_manifest(const char *body, size_t len,
    const char *content_type, struct registry_manifest *out, char **cause)
{
	json_t *root = NULL, *v, *cfg;
	json_error_t jerr;
	char *ct = NULL, *mt = NULL, digest[80];
	const char *bodymt;
	json_int_t schema;
	int rc = -1;

	memset(out, 0, sizeof *out);
	*cause = NULL;
	if (body == NULL || len == 0) {
		*cause = xstrdup("empty manifest");
		return -1;
	}
	if (len > REG_MANIFEST_MAX) {
		*cause = xasprintf("manifest too large (%zu bytes)", len);
		return -1;
	}
	ct = reg_content_type(content_type);
	if (ct != NULL && (str_has_prefix(ct,
	    "application/vnd.docker.distribution.manifest.v1+") ||
	    strstr(ct, "prettyjws") != NULL)) {
		*cause = xstrdup("Docker schema 1 manifests are not supported");
		goto out;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		*cause = xasprintf("invalid manifest JSON (line %d)",
		    root == NULL ? jerr.line : 1);
		goto out;
	}
	v = json_object_get(root, "schemaVersion");
	schema = json_integer_value(v);
	if (v != NULL && schema == 1) {
		*cause = xstrdup("Docker schema 1 manifests are not supported");
		goto out;
	}
	if (v != NULL && (!json_is_integer(v) || schema != 2)) {
		*cause = xstrdup("unsupported manifest schemaVersion");
		goto out;
	}
	bodymt = json_string_value(json_object_get(root, "mediaType"));
	if (!reg_generic_type(ct))
		mt = xstrdup(ct);
	else if (bodymt != NULL)
		mt = xstrdup(bodymt);
	else if (json_is_array(json_object_get(root, "manifests")))
		mt = xstrdup(MT_MEDIA_OCI_INDEX);
	else if (json_is_object(json_object_get(root, "config")))
		mt = xstrdup(MT_MEDIA_OCI_MANIFEST);
	if (mt == NULL || !reg_known_type(mt)) {
		char *safe = mt != NULL ? str_oneline(mt, 100) : NULL;

		*cause = xasprintf("unsupported manifest media type %s",
		    safe != NULL ? safe : "(none)");
		free(safe);
		goto out;
	}
	if (bodymt != NULL && strcmp(bodymt, mt) != 0) {
		*cause = xstrdup("manifest mediaType does not match its "
		    "Content-Type");
		goto out;
	}
	if (v == NULL) {
		*cause = xstrdup("manifest has no schemaVersion");
		goto out;
	}

	out->media_type = mt;
	mt = NULL;
	out->body = xmalloc(len + 1);
	memcpy(out->body, body, len);
	out->body[len] = '\0';
	out->len = len;
	sha256_digest(body, len, digest, sizeof digest);
	out->digest = xstrdup(digest);
	if (strcmp(out->media_type, MT_MEDIA_OCI_INDEX) == 0 ||
	    strcmp(out->media_type, MT_MEDIA_DOCKER_LIST) == 0) {
		out->is_index = 1;
		if (reg_parse_index(root, out, cause) != 0)
			goto out;
	} else {
		cfg = json_object_get(root, "config");
		if (!json_is_object(cfg) || !reg_valid_digest(
		    json_string_value(json_object_get(cfg, "digest")))) {
			*cause = xstrdup("manifest has no valid config digest");
			goto out;
		}
		out->config_digest = xstrdup(json_string_value(
		    json_object_get(cfg, "digest")));
		out->platform.digest = xstrdup(out->digest);
		out->platform.media_type = xstrdup(out->media_type);
		out->platform.size = (long long)len;
	}
	rc = 0;
out:
	if (rc != 0)
		registry_manifest_clear(out);
	json_decref(root);
	free(ct);
	free(mt);
	return rc;
}

/*
 * The platform of an index entry for an image whose config is root, as
 * `podman manifest add` and `buildx imagetools create` write it: the
 * config's values unchanged, in the OCI order. Caller frees; NULL when
 * the config names no architecture.
 */
static char *
reg_platform_json(json_t *root)
{
	static const char *keys[] = { "architecture", "os", "os.version",
	    "os.features", "variant" };
	json_t *p, *v;
	size_t i;
	char *s;

	if (!json_is_string(json_object_get(root, "architecture")))
		return NULL;
	p = json_object();
	for (i = 0; i < MT_ARRAY_LEN(keys); i++) {
		v = json_object_get(root, keys[i]);
		if ((json_is_string(v) && *json_string_value(v) != '\0') ||
		    (json_is_array(v) && json_array_size(v) > 0))
			json_object_set(p, keys[i], v);
	}
	s = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(p);
	return s;
}

/* Read architecture/os/variant from an image config blob. */
int
reg_parse_config(const char *body, size_t len, struct registry_platform *p,
    char **platform_json)
{
	json_t *root;
	json_error_t jerr;

	root = json_loadb(body, len, 0, &jerr);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	free(*platform_json);
	*platform_json = reg_platform_json(root);
	free(p->os);
	free(p->architecture);
	free(p->variant);
	p->os = reg_field(root, "os");
	p->architecture = reg_field(root, "architecture");
	p->variant = reg_field(root, "variant");
	registry_platform_normalize(p);
	json_decref(root);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Error text. */

/*
 * A one-line summary of a failed response: "HTTP 404 NAME_UNKNOWN:
 * repository name not known to registry". The body may be the registry's
 * JSON errors, {"message":...}, plain text, HTML or empty. Caller frees.
 * *code gets the error code (caller frees) if code is not NULL.
 */
char *
reg_describe(const struct http_response *resp, char **code)
{
	json_t *root = NULL, *e;
	json_error_t jerr;
	const char *c = NULL, *msg = NULL, *ra;
	char *text = NULL, *out, *tmp, *text2;
	long long secs;
	size_t n;

	if (code != NULL)
		*code = NULL;
	if (resp->status == 0)
		return http_describe_error(resp);
	if (resp->body != NULL && resp->len > 0 && resp->len < 65536)
		root = json_loadb(resp->body, resp->len, 0, &jerr);
	if (json_is_object(root)) {
		e = json_array_get(json_object_get(root, "errors"), 0);
		if (json_is_object(e)) {
			c = json_string_value(json_object_get(e, "code"));
			msg = json_string_value(json_object_get(e, "message"));
		} else
			msg = json_string_value(json_object_get(root,
			    "message"));
		if (msg != NULL)
			text = xstrdup(msg);
	} else if (root == NULL && resp->body != NULL && resp->len > 0) {
		n = strspn(resp->body, " \t\r\n");
		if (resp->body[n] != '<' && resp->body[n] != '\0') {
			tmp = xstrndup(resp->body + n,
			    strcspn(resp->body + n, "\r\n"));
			text = tmp;
		}
	}
	if (c != NULL && code != NULL)
		*code = str_oneline(c, 64);
	if (c != NULL && text != NULL)
		tmp = xasprintf("HTTP %ld %s: %s", resp->status, c, text);
	else if (c != NULL)
		tmp = xasprintf("HTTP %ld %s", resp->status, c);
	else if (text != NULL && *text != '\0')
		tmp = xasprintf("HTTP %ld: %s", resp->status, text);
	else
		tmp = xasprintf("HTTP %ld", resp->status);
	ra = http_header(resp, "Retry-After");
	if (resp->status == 429 && ra != NULL &&
	    str_to_ll(ra, 0, 100000000, &secs) == 0) {
		text2 = xasprintf("%s (rate limited, retry after %lld s)", tmp,
		    secs);
		free(tmp);
		tmp = text2;
	}
	out = str_oneline(tmp, REG_ERROR_MAX);
	free(tmp);
	free(text);
	json_decref(root);
	return out;
}

/* ------------------------------------------------------------------ */
/* Operations. */

/* Free an operation (already unlinked). */
static void
reg_op_free(struct reg_op *op)
{
	size_t i;

	free(op->repo);
	free(op->ref);
	free(op->url);
	free(op->ctype);
	free(op->body);
	if (op->authz != NULL) {
		memset(op->authz, 0, strlen(op->authz));
		free(op->authz);
	}
	free(op->scope);
	free(op->key);
	free(op->errmsg);
	for (i = 0; i < op->ntags; i++)
		free(op->tags[i]);
	free(op->tags);
	free(op->last);
	registry_manifest_clear(&op->m);
	free(op->digest);
	free(op->want_digest);
	free(op);
}

/* Take op off the fetch it waits on. */
static void
reg_unwait(struct reg_op *op)
{
	struct reg_op **pp;

	if (op->waiting == NULL)
		return;
	for (pp = &op->waiting->waiters; *pp != NULL; pp = &(*pp)->wnext) {
		if (*pp == op) {
			*pp = op->wnext;
			break;
		}
	}
	op->waiting = NULL;
	op->wnext = NULL;
}

/* Unlink op from the registry and stop everything it has in flight. */
static void
reg_op_detach(struct reg_op *op)
{
	struct registry *r = op->r;

	if (op->inflight) {
		http_cancel_arg(r->http, op);
		op->inflight = 0;
	}
	if (op->timer != 0) {
		loop_timer_del(http_loop(r->http), op->timer);
		op->timer = 0;
	}
	reg_unwait(op);
	if (op->cred_wait) {
		struct reg_op **pp;

		for (pp = &r->cred_waiters; *pp != NULL; pp = &(*pp)->cnext) {
			if (*pp == op) {
				*pp = op->cnext;
				break;
			}
		}
		op->cred_wait = 0;
		op->cnext = NULL;
	}
	if (op->prev != NULL)
		op->prev->next = op->next;
	else if (r->ops == op)
		r->ops = op->next;
	if (op->next != NULL)
		op->next->prev = op->prev;
	op->prev = op->next = NULL;
}

/* A sort comparator for tag strings. */
static int
reg_tag_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Finish op: detach it, call its callback once (unless the registry is
 * being freed) and free it. status/errmsg as in registry.h.
 */
static void
reg_finish(struct reg_op *op, int status, const char *errmsg)
{
	struct registry *r = op->r;
	size_t i, j;

	reg_op_detach(op);
	if (r->dying) {
		reg_op_free(op);
		return;
	}
	switch (op->kind) {
	case REG_TAGS:
		if (status != 0) {
			op->cb.tags(status, NULL, 0, errmsg, op->arg);
			break;
		}
		if (op->ntags > 1) {
			qsort(op->tags, op->ntags, sizeof *op->tags,
			    reg_tag_cmp);
			for (i = 1, j = 1; i < op->ntags; i++) {
				if (strcmp(op->tags[i], op->tags[j - 1]) == 0)
					free(op->tags[i]);
				else
					op->tags[j++] = op->tags[i];
			}
			op->ntags = j;
		}
		op->cb.tags(0, op->tags, op->ntags, NULL, op->arg);
		break;
	case REG_GET:
	case REG_HEAD:
		op->cb.manifest(status, status == 0 ? &op->m : NULL, errmsg,
		    op->arg);
		break;
	case REG_PUT:
		op->cb.put(status, status == 0 ? op->digest : NULL, errmsg,
		    op->arg);
		break;
	case REG_DELETE:
		op->cb.del(status, errmsg, op->arg);
		break;
	case REG_RAW: {
		/* Failed before an answer: a transport-like failure. */
		struct http_response resp;

		memset(&resp, 0, sizeof resp);
		resp.body = (char *)"";
		resp.url = op->url;
		resp.error = (char *)(errmsg != NULL ? errmsg : "error");
		op->cb.raw(&resp, op->arg);
		break;
	}
	}
	reg_op_free(op);
}

/* vprintf into a new string. Caller frees. */
static char *
reg_vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	char *s;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

/* Finish op with an error message. */
static void
reg_fail(struct reg_op *op, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg, *line;

	va_start(ap, fmt);
	msg = reg_vformat(fmt, ap);
	va_end(ap);
	line = str_oneline(msg != NULL ? msg : "error", REG_ERROR_MAX + 200);
	free(msg);
	reg_finish(op, status, line);
	free(line);
}

/* Timer: deliver a failure that was found before anything was sent. */
static void
reg_timer_cb(void *arg)
{
	struct reg_op *op = arg;
	struct registry *r = op->r;

	op->timer = 0;
	r->depth++;
	reg_finish(op, op->errstatus, op->errmsg);
	r->depth--;
	if (r->dying && r->depth == 0)
		registry_free(r);
}

/* Fail op later, from the loop, so that callbacks never run re-entrantly. */
static void
reg_fail_later(struct reg_op *op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
reg_fail_later(struct reg_op *op, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = reg_vformat(fmt, ap);
	va_end(ap);
	free(op->errmsg);
	op->errmsg = str_oneline(msg != NULL ? msg : "error", REG_ERROR_MAX);
	free(msg);
	op->errstatus = -1;
	op->timer = loop_timer_add(http_loop(op->r->http), 0, reg_timer_cb,
	    op);
}

/* A new operation linked into the registry. */
static struct reg_op *
reg_op_new(struct registry *r, enum reg_kind kind, const char *repo,
    const char *ref, void *arg)
{
	struct reg_op *op = xcalloc(1, sizeof *op);

	op->r = r;
	op->kind = kind;
	op->arg = arg;
	/* As the API names it (Docker Hub's library/). */
	op->repo = registry_dockerhub_repo(r->host, repo != NULL ? repo : "");
	op->ref = xstrdup(ref);
	op->scope = xasprintf("repository:%s:%s", op->repo,
	    kind == REG_DELETE ? "pull,push,delete" :
	    r->push || kind == REG_PUT ? "pull,push" : "pull");
	op->key = xstrdup(op->scope);
	op->next = r->ops;
	if (r->ops != NULL)
		r->ops->prev = op;
	r->ops = op;
	return op;
}

/* Validate repo (and ref, if given); on failure fail op later. */
static int
reg_check_names(struct reg_op *op, const char *repo, const char *ref)
{
	if (!reg_valid_repo(repo)) {
		reg_fail_later(op, "%s: invalid repository name",
		    op->r->host);
		return -1;
	}
	if (ref != NULL && !reg_valid_tag(ref) && !reg_valid_digest(ref)) {
		reg_fail_later(op, "%s: %s: invalid tag or digest",
		    op->r->host, repo);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Credentials and tokens. */

/*
 * The credentials arrived (auth_lookup_async: files at once, a helper as a
 * child on the loop): every operation that met a challenge meanwhile is
 * sent again and meets it with them.
 */
static void
reg_cred_cb(int rc, const struct auth_cred *cred, const char *cause,
    void *arg)
{
	struct registry *r = arg;
	struct reg_op *op;

	r->cred_q = NULL;
	r->depth++;
	auth_cred_clear(&r->cred);
	free(r->cred_err);
	r->cred_err = NULL;
	if (rc == 1) {
		r->cred.username = xstrdup(cred->username);
		r->cred.secret = xstrdup(cred->secret);
		r->cred_state = 1;
	} else if (rc == 0)
		r->cred_state = 2;
	else {
		r->cred_state = -1;
		r->cred_err = cause != NULL ? xstrdup(cause) :
		    xasprintf("%s: cannot read credentials", r->host);
	}
	while ((op = r->cred_waiters) != NULL && !r->dying) {
		r->cred_waiters = op->cnext;
		op->cnext = NULL;
		op->cred_wait = 0;
		if (r->cred_state == -1)
			reg_fail(op, -1, "%s", r->cred_err);
		else
			reg_send(op);
	}
	r->depth--;
	if (r->dying && r->depth == 0)
		registry_free(r);
}

/* Known credentials (or their absence)? Else ask, and op waits. */
static int
reg_wait_cred(struct reg_op *op)
{
	struct registry *r = op->r;

	if (r->cred_state != 0)
		return 0;
	op->cred_wait = 1;
	op->cnext = r->cred_waiters;
	r->cred_waiters = op;
	if (r->cred_q == NULL)
		r->cred_q = auth_lookup_async(http_loop(r->http), r->host,
		    reg_cred_cb, r);
	return 1;
}

/* The registry rejected the credentials: look them up again next time. */
static void
reg_cred_reset(struct registry *r)
{
	if (r->cred_state != 1)
		return;
	auth_forget(r->host);
	auth_cred_clear(&r->cred);
	r->cred_state = 0;
}

/* "Authorization: Basic ..." for the registry's credentials. */
static char *
reg_basic_header(struct registry *r)
{
	char *pair, *b64, *h;

	pair = xasprintf("%s:%s", r->cred.username, r->cred.secret);
	b64 = auth_base64(pair, strlen(pair));
	memset(pair, 0, strlen(pair));
	free(pair);
	h = xasprintf("Authorization: Basic %s", b64);
	memset(b64, 0, strlen(b64));
	free(b64);
	return h;
}

/* Free a cached token. */
static void
reg_token_free(struct reg_token *t)
{
	free(t->key);
	if (t->value != NULL) {
		memset(t->value, 0, strlen(t->value));
		free(t->value);
	}
	free(t);
}

/* A valid cached token for key, or NULL; drops expired ones. */
static struct reg_token *
reg_token_find(struct registry *r, const char *key)
{
	struct reg_token **pp = &r->tokens, *t;
	uint64_t now = time_mono_ms();

	while ((t = *pp) != NULL) {
		if (t->expires <= now) {
			*pp = t->next;
			reg_token_free(t);
			continue;
		}
		if (strcmp(t->key, key) == 0)
			return t;
		pp = &t->next;
	}
	return NULL;
}

/* Forget the token with generation gen. */
static void
reg_token_drop(struct registry *r, unsigned long gen)
{
	struct reg_token **pp, *t;

	for (pp = &r->tokens; (t = *pp) != NULL; pp = &t->next) {
		if (t->gen == gen) {
			*pp = t->next;
			reg_token_free(t);
			return;
		}
	}
}

/* Cache a token (takes value). Returns its generation. */
static unsigned long
reg_token_store(struct registry *r, const char *key, char *value,
    long long expires_in)
{
	struct reg_token *t, **pp;
	size_t n = 0;
	long long ms;

	/* Keep the cache bounded: drop the oldest beyond the limit. */
	for (pp = &r->tokens; *pp != NULL; pp = &(*pp)->next) {
		if (++n >= REG_TOKENS_MAX) {
			while ((t = *pp) != NULL) {
				*pp = t->next;
				reg_token_free(t);
			}
			break;
		}
	}
	ms = expires_in * 1000;
	ms = ms > 20000 ? ms - 10000 : ms / 2;
	t = xcalloc(1, sizeof *t);
	t->key = xstrdup(key);
	t->value = value;
	t->expires = time_mono_ms() + (uint64_t)(ms > 0 ? ms : 1);
	t->gen = ++r->token_gen;
	t->next = r->tokens;
	r->tokens = t;
	return t->gen;
}

/* Is the URL's host a loopback address? */
static int
reg_url_loopback(const char *url)
{
	const char *h = strstr(url, "://");

	if (h == NULL)
		return 0;
	h += 3;
	return str_has_prefix(h, "127.") || str_has_prefix(h, "localhost:") ||
	    str_has_prefix(h, "localhost/") || strcmp(h, "localhost") == 0 ||
	    str_has_prefix(h, "[::1]");
}

/* Does url belong to the registry (same scheme and host)? */
static int
reg_same_origin(struct registry *r, const char *url)
{
	size_t n = strlen(r->base);

	return str_casecmp_n(url, r->base, n) == 0 &&
	    (url[n] == '/' || url[n] == '?' || url[n] == '\0');
}

/* Remove a finished fetch from the registry and free it. */
static void
reg_fetch_free(struct reg_fetch *f)
{
	struct reg_fetch **pp;

	for (pp = &f->r->fetches; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	free(f->key);
	free(f->repo);
	free(f);
}

/* Parse a token response. 0 ok (value and expires_in set), -1 bad. */
int
reg_token_parse(const struct http_response *resp, char **value,
    long long *expires_in)
{
	json_t *root, *v;
	json_error_t jerr;
	const char *tok;
	size_t i, n;

	*value = NULL;
	*expires_in = REG_TOKEN_DEFAULT_S;
	root = json_loadb(resp->body, resp->len, 0, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	tok = json_string_value(json_object_get(root, "access_token"));
	if (tok == NULL || *tok == '\0')
		tok = json_string_value(json_object_get(root, "token"));
	v = json_object_get(root, "expires_in");
	if (json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) < 86400 * 366)
		*expires_in = (long long)json_integer_value(v);
	n = tok != NULL ? strlen(tok) : 0;
	if (n == 0 || n > REG_TOKEN_MAX) {
		json_decref(root);
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* Header-safe characters only. */
		if (tok[i] <= ' ' || tok[i] > '~') {
			json_decref(root);
			return -1;
		}
	}
	*value = xstrdup(tok);
	json_decref(root);
	return 0;
}

/* A token response arrived: store it and resume every waiter. */
static void
reg_fetch_cb(const struct http_response *resp, void *arg)
{
	struct reg_fetch *f = arg;
	struct registry *r = f->r;
	struct reg_op *op;
	char *value = NULL, *err = NULL, *desc;
	long long expires_in;

	r->depth++;
	if (resp->status == 200 && reg_token_parse(resp, &value,
	    &expires_in) == 0)
		(void)reg_token_store(r, f->key, value, expires_in);
	else if (resp->status == 200)
		err = xasprintf("%s: invalid token response", r->host);
	else if ((resp->status == 401 || resp->status == 403) &&
	    f->anonymous)
		err = xasprintf("%s: repository %s not found or not visible "
		    "(token request denied)", r->host, f->repo);
	else if (resp->status == 401 || resp->status == 403) {
		err = xasprintf("%s: token request for %s denied (HTTP %ld); "
		    "check the credentials for %s", r->host, f->repo,
		    resp->status, r->host);
		if (resp->status == 401)
			reg_cred_reset(r);
	}
	else {
		desc = reg_describe(resp, NULL);
		err = xasprintf("%s: token request failed: %s", r->host, desc);
		free(desc);
	}

	while ((op = f->waiters) != NULL) {
		f->waiters = op->wnext;
		op->wnext = NULL;
		op->waiting = NULL;
		if (r->dying)
			continue;
		if (err != NULL)
			reg_fail(op, -1, "%s", err);
		else
			reg_send(op);
	}
	free(err);
	reg_fetch_free(f);
	r->depth--;
	if (r->dying && r->depth == 0)
		registry_free(r);
}

/* Append "scope=<escaped>" for each space-separated scope in key. */
static void
reg_append_scopes(struct buf *b, const char *key)
{
	const char *p = key;
	char *one, *esc;
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, " ");
		if (n > 0) {
			one = xstrndup(p, n);
			esc = http_escape(one);
			buf_printf(b, "%sscope=%s", b->len > 0 ? "&" : "", esc);
			free(esc);
			free(one);
		}
		p += n;
		while (*p == ' ')
			p++;
	}
}

/*
 * Get a token for op->key from the challenge's realm, or join a fetch
 * already in flight for the same key. The op is resent when it is done.
 */
static void
reg_fetch_token(struct reg_op *op, const struct auth_challenge *c)
{
	struct registry *r = op->r;
	struct reg_fetch *f;
	struct http_request req;
	struct buf url, query;
	const char *headers[2] = { NULL, NULL };
	char *authz = NULL, *esc;

	for (f = r->fetches; f != NULL; f = f->next) {
		if (strcmp(f->key, op->key) == 0)
			break;
	}
	if (f == NULL) {
		if (c->realm == NULL || (str_casecmp_n(c->realm, "https://",
		    8) != 0 && str_casecmp_n(c->realm, "http://", 7) != 0)) {
			reg_fail(op, -1, "%s: invalid token realm in the "
			    "authentication challenge", r->host);
			return;
		}
		if (str_casecmp_n(c->realm, "http://", 7) == 0 &&
		    !r->plain_http && !reg_url_loopback(c->realm)) {
			reg_fail(op, -1, "%s: refusing a token realm that is "
			    "not https", r->host);
			return;
		}
		if (strchr(c->realm, '#') != NULL ||
		    strlen(c->realm) > 2048) {
			reg_fail(op, -1, "%s: invalid token realm", r->host);
			return;
		}
		if (r->cred_state == -1) {
			reg_fail(op, -1, "%s", r->cred_err);
			return;
		}
		buf_init(&query, 8192);
		buf_append(&query, "", 0);
		if (c->service != NULL) {
			esc = http_escape(c->service);
			buf_printf(&query, "service=%s", esc);
			free(esc);
		}
		reg_append_scopes(&query, op->key);
		buf_init(&url, 16384);
		buf_printf(&url, "%s%s%s", c->realm, query.len == 0 ? "" :
		    strchr(c->realm, '?') != NULL ? "&" : "?", query.data);
		buf_free(&query);
		if (r->cred_state == 1) {
			authz = reg_basic_header(r);
			headers[0] = authz;
		}

		f = xcalloc(1, sizeof *f);
		f->r = r;
		f->key = xstrdup(op->key);
		f->repo = xstrdup(op->repo);
		f->anonymous = r->cred_state != 1;
		memset(&req, 0, sizeof req);
		req.url = url.data;
		req.headers = headers;
		req.max_body = REG_TOKEN_BODY_MAX;
		req.follow_redirects = 1;
		req.max_retry_after = REG_MAX_RETRY_AFTER;
		f->next = r->fetches;
		r->fetches = f;
		if (http_request(r->http, &req, reg_fetch_cb, f) != 0) {
			reg_fetch_free(f);
			f = NULL;
		}
		if (authz != NULL) {
			memset(authz, 0, strlen(authz));
			free(authz);
		}
		buf_free(&url);
		if (f == NULL) {
			reg_fail(op, -1, "%s: cannot start the token request",
			    r->host);
			return;
		}
	}
	op->waiting = f;
	op->wnext = f->waiters;
	f->waiters = op;
}

/* Add a challenge's scope to op->key when it names another resource. */
static void
reg_add_scope(struct reg_op *op, const char *scope)
{
	char *prefix, *key;

	if (scope == NULL || *scope == '\0' || strlen(scope) > 512 ||
	    strchr(scope, '"') != NULL)
		return;
	prefix = xasprintf("repository:%s:", op->repo);
	if (!str_has_prefix(scope, prefix) && strcmp(scope, op->scope) != 0) {
		/* Scopes are joined by spaces: one scope per part. */
		if (strchr(scope, ' ') == NULL) {
			key = xasprintf("%s %s", op->scope, scope);
			free(op->key);
			op->key = key;
		}
	}
	free(prefix);
}

/*
 * The challenges of every WWW-Authenticate header of resp (a server may send
 * one header with several challenges, or one header per challenge).
 */
static size_t
reg_challenges(const struct http_response *resp, struct auth_challenge *c,
    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < resp->nheaders && n < max; i++) {
		if (strcasecmp(resp->headers[i].name, "WWW-Authenticate") != 0)
			continue;
		n += auth_parse_challenges(resp->headers[i].value, c + n,
		    max - n);
	}
	return n;
}

/* A 401: pick a challenge and authenticate, or fail. */
static void
reg_challenge(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;
	struct auth_challenge c[8];
	struct reg_token *t;
	const struct auth_challenge *bearer = NULL, *basic = NULL;
	size_t n, i;
	int insufficient;

	n = reg_challenges(resp, c, MT_ARRAY_LEN(c));
	/* The first challenge asks for the credentials: op is sent again
	 * once they are known. */
	if (reg_wait_cred(op))
		goto out;
	for (i = 0; i < n; i++) {
		if (strcasecmp(c[i].scheme, "Bearer") == 0 && bearer == NULL)
			bearer = &c[i];
		else if (strcasecmp(c[i].scheme, "Basic") == 0 && basic == NULL)
			basic = &c[i];
	}

	if (bearer != NULL) {
		/*
		 * insufficient_scope after a token: the token lacks rights.
		 * Some registries say it before any token was sent too; then
		 * it is an ordinary challenge.
		 */
		insufficient = bearer->error != NULL &&
		    strcmp(bearer->error, "insufficient_scope") == 0;
		if (op->sent_gen != 0)
			reg_token_drop(r, op->sent_gen);
		if (op->auth_rounds >= 1) {
			reg_fail(op, -1, "registry %s denied access to %s "
			    "(%s)", r->host, op->repo, insufficient ?
			    "insufficient_scope" :
			    "HTTP 401 after authenticating");
			goto out;
		}
		op->auth_rounds++;
		reg_add_scope(op, bearer->scope);
		t = reg_token_find(r, op->key);
		if (t != NULL && t->gen != op->sent_gen)
			reg_send(op);	/* another op fetched it meanwhile */
		else
			reg_fetch_token(op, bearer);
	} else if (basic != NULL) {
		if (op->sent_basic || op->auth_rounds >= 1) {
			if (op->sent_basic)
				reg_cred_reset(r);
			reg_fail(op, -1, "registry %s rejected the credentials "
			    "for %s (HTTP 401)", r->host, op->repo);
			goto out;
		}
		if (r->cred_state == -1) {
			reg_fail(op, -1, "%s", r->cred_err);
			goto out;
		}
		if (r->cred_state != 1) {
			reg_fail(op, -1, "authentication required by %s; no "
			    "credentials found", r->host);
			goto out;
		}
		r->basic = 1;
		op->auth_rounds++;
		reg_send(op);
	} else {
		char *desc = reg_describe(resp, NULL);

		reg_fail(op, -1, "%s: %s: %s (no usable authentication "
		    "challenge)", r->host, op->repo, desc);
		free(desc);
	}
out:
	for (i = 0; i < n; i++)
		auth_challenge_free(&c[i]);
}

/* ------------------------------------------------------------------ */
/* Sending. */

/* The response to op's current exchange. */
static void
reg_http_cb(const struct http_response *resp, void *arg)
{
	struct reg_op *op = arg;
	struct registry *r = op->r;

	op->inflight = 0;
	r->depth++;
	if (resp->status == 429)
		r->backing_off = 1;
	else if (resp->status > 0 && resp->status < 400)
		r->backing_off = 0;
	if (resp->status == 401 && op->source == NULL)
		reg_challenge(op, resp);
	else
		op->done(op, resp);
	r->depth--;
	if (r->dying && r->depth == 0)
		registry_free(r);
}

/* Send op's current exchange with whatever credential we hold. */
static void
reg_send(struct reg_op *op)
{
	struct registry *r = op->r;
	struct http_request req;
	struct reg_token *t;
	const char *headers[4];
	size_t nh = 0;
	time_t until;

	if (r->backing_off &&
	    (until = http_blocked_until(r->http, op->url)) != 0) {
		/* Backing off (429 toomanyrequests): do not ask again yet. */
		char when[32];
		struct tm tm;

		gmtime_r(&until, &tm);
		strftime(when, sizeof when, "%H:%M:%SZ", &tm);
		reg_fail_later(op, "%s: rate limited (toomanyrequests), "
		    "backing off until %s", r->host, when);
		return;
	}
	if (op->authz != NULL) {
		memset(op->authz, 0, strlen(op->authz));
		free(op->authz);
		op->authz = NULL;
	}
	op->sent_gen = 0;
	op->sent_basic = 0;
	if ((t = reg_token_find(r, op->key)) != NULL) {
		op->authz = xasprintf("Authorization: Bearer %s", t->value);
		op->sent_gen = t->gen;
	} else if (r->basic && r->cred_state == 1) {
		op->authz = reg_basic_header(r);
		op->sent_basic = 1;
	}
	if (op->accept)
		headers[nh++] = REG_ACCEPT;
	if (op->ctype != NULL)
		headers[nh++] = op->ctype;
	if (op->authz != NULL)
		headers[nh++] = op->authz;
	headers[nh] = NULL;

	memset(&req, 0, sizeof req);
	req.method = op->method;
	req.url = op->url;
	req.headers = headers;
	req.body = op->body;
	req.body_len = op->body_len;
	req.max_body = op->max_body;
	req.follow_redirects = op->follow;
	req.sink = op->sink;
	req.source = op->source;
	req.stream_arg = op->stream_arg;
	req.upload_len = op->upload_len;
	req.cache = op->conditional;
	if (op->kind != REG_PUT)
		req.max_retry_after = REG_MAX_RETRY_AFTER;
	if (http_request(r->http, &req, reg_http_cb, op) != 0) {
		reg_fail_later(op, "%s: cannot start the request", r->host);
		return;
	}
	op->inflight = 1;
}

/* Point op at a new URL (takes url) and send it. */
static void
reg_start(struct reg_op *op, const char *method, char *url, size_t max_body,
    int follow, reg_done_fn done)
{
	free(op->url);
	op->url = url;
	op->method = method;
	op->max_body = max_body;
	op->follow = follow;
	op->done = done;
	op->auth_rounds = 0;
	reg_send(op);
}

/* ------------------------------------------------------------------ */
/* Tags. */

/* Add one page of tags; returns the number of entries in the page. */
static int
reg_tags_page(struct reg_op *op, const struct http_response *resp,
    size_t *count, int *saw_last)
{
	json_t *root, *tags, *v;
	json_error_t jerr;
	const char *s;
	size_t i;

	*count = 0;
	*saw_last = 0;
	root = json_loadb(resp->body, resp->len, 0, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	tags = json_object_get(root, "tags");
	if (tags != NULL && !json_is_null(tags) && !json_is_array(tags)) {
		json_decref(root);
		return -1;
	}
	json_array_foreach(tags, i, v) {
		s = json_string_value(v);
		(*count)++;
		if (s == NULL || !reg_valid_tag(s))
			continue;	/* unusable in a URL: ignored */
		if (op->last != NULL && strcmp(s, op->last) == 0)
			*saw_last = 1;
		if (op->ntags >= REG_TAGS_MAX) {
			json_decref(root);
			return -2;
		}
		if (op->ntags == op->tagcap) {
			op->tagcap = op->tagcap ? op->tagcap * 2 : 64;
			op->tags = xreallocarray(op->tags, op->tagcap,
			    sizeof *op->tags);
		}
		op->tags[op->ntags++] = xstrdup(s);
	}
	json_decref(root);
	return 0;
}

/* One tags/list page outside of a request; see registry-int.h. */
int
reg_tags_page_parse(const struct http_response *resp, const char *last,
    char ***tags, size_t *ntags, size_t *count, int *saw_last)
{
	struct reg_op op;
	int rc;

	memset(&op, 0, sizeof op);
	op.last = (char *)last;
	rc = reg_tags_page(&op, resp, count, saw_last);
	*tags = op.tags;
	*ntags = op.ntags;
	return rc;
}

/* The first tags/list URL, with n= when op->page_n is set. Caller frees. */
static char *
reg_tags_url(const struct reg_op *op)
{
	if (op->page_n > 0)
		return xasprintf("%s/v2/%s/tags/list?n=%d", op->r->base,
		    op->repo, op->page_n);
	return xasprintf("%s/v2/%s/tags/list", op->r->base, op->repo);
}

static void	reg_tags_done(struct reg_op *, const struct http_response *);

/* A tags page arrived: collect it and follow the next page, if any. */
static void
reg_tags_done(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;
	const char *link;
	char *next = NULL, *code, *desc, *esc;
	size_t count, i;
	int saw_last, rc;

	if (resp->status == 400 && op->pages == 0 && op->page_n > 0) {
		/*
		 * n over the registry's maximum (PAGINATION_NUMBER_INVALID):
		 * ask for 100, then let the registry choose.
		 */
		op->page_n = op->page_n > 100 ? 100 : 0;
		reg_start(op, NULL, reg_tags_url(op), REG_TAGS_BODY_MAX, 0,
		    reg_tags_done);
		return;
	}
	if (resp->status != 200) {
		desc = reg_describe(resp, &code);
		if (resp->status == 404 && (code == NULL ||
		    strcmp(code, "NAME_UNKNOWN") == 0 ||
		    strcmp(code, "NOT_FOUND") == 0) &&
		    (code != NULL || resp->len == 0 || resp->body[0] == '{'))
			reg_finish(op, 1, NULL);
		else
			reg_fail(op, -1, "%s: %s: %s", r->host, op->repo, desc);
		free(desc);
		free(code);
		return;
	}
	rc = reg_tags_page(op, resp, &count, &saw_last);
	if (rc == -1) {
		reg_fail(op, -1, "%s: %s: invalid tag list", r->host,
		    op->repo);
		return;
	}
	if (rc == -2) {
		reg_fail(op, -1, "%s: %s: too many tags (limit %d)", r->host,
		    op->repo, REG_TAGS_MAX);
		return;
	}
	op->pages++;
	if (count == 0 || saw_last) {
		/* Empty page, or the registry ignored last=: done. */
		reg_finish(op, 0, NULL);
		return;
	}
	for (i = 0; i < resp->nheaders && next == NULL; i++) {
		if (strcasecmp(resp->headers[i].name, "Link") != 0)
			continue;
		link = resp->headers[i].value;
		next = http_link_next(link, resp->url != NULL ? resp->url :
		    op->url);
		op->linked = 1;
	}
	if (next != NULL && !reg_same_origin(r, next)) {
		free(next);
		reg_fail(op, -1, "%s: %s: tag list page link points to another "
		    "host", r->host, op->repo);
		return;
	}
	if (next == NULL && !op->linked && op->page_n > 0 &&
	    count == (size_t)op->page_n && op->ntags > 0) {
		/* No Link ever, but a full page: ask for what follows. */
		free(op->last);
		op->last = xstrdup(op->tags[op->ntags - 1]);
		esc = http_escape(op->last);
		next = xasprintf("%s/v2/%s/tags/list?n=%d&last=%s", r->base,
		    op->repo, op->page_n, esc);
		free(esc);
	} else if (next != NULL) {
		free(op->last);
		op->last = NULL;
	}
	if (next == NULL || strcmp(next, op->url) == 0) {
		free(next);
		reg_finish(op, 0, NULL);
		return;
	}
	if (op->pages >= REG_TAGS_MAX_PAGES) {
		free(next);
		reg_fail(op, -1, "%s: %s: too many tag list pages", r->host,
		    op->repo);
		return;
	}
	reg_start(op, NULL, next, REG_TAGS_BODY_MAX, 0, reg_tags_done);
}

/* Every tag of repo. */
void
registry_list_tags(struct registry *r, const char *repo, registry_tags_cb cb,
    void *arg)
{
	struct reg_op *op = reg_op_new(r, REG_TAGS, repo, NULL, arg);

	op->cb.tags = cb;
	op->page_n = r->page_size;
	if (reg_check_names(op, repo, NULL) != 0)
		return;
	reg_start(op, NULL, reg_tags_url(op), REG_TAGS_BODY_MAX, 0,
	    reg_tags_done);
}

/* ------------------------------------------------------------------ */
/* Manifests. */

/* Is this 404 a "not found" (as opposed to some proxy's page)? */
static int
reg_is_not_found(const struct http_response *resp, const char *code)
{
	if (resp->status != 404)
		return 0;
	if (code == NULL)
		return 1;
	return strcmp(code, "MANIFEST_UNKNOWN") == 0 ||
	    strcmp(code, "NAME_UNKNOWN") == 0 ||
	    strcmp(code, "NOT_FOUND") == 0 || strcmp(code, "TAG_UNKNOWN") == 0;
}

/* The config blob arrived: read the platform from it. */
static void
reg_blob_done(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;
	char digest[80], *desc;

	if (resp->status != 200) {
		desc = reg_describe(resp, NULL);
		reg_fail(op, -1, "%s: %s@%s: config blob: %s", r->host,
		    op->repo, op->m.config_digest, desc);
		free(desc);
		return;
	}
	sha256_digest(resp->body, resp->len, digest, sizeof digest);
	if (strcmp(digest, op->m.config_digest) != 0) {
		reg_fail(op, -1, "%s: %s: config blob digest mismatch",
		    r->host, op->repo);
		return;
	}
	if (reg_parse_config(resp->body, resp->len, &op->m.platform,
	    &op->m.platform_json) != 0) {
		reg_fail(op, -1, "%s: %s: invalid image config", r->host,
		    op->repo);
		return;
	}
	cache_put(r->cache, digest, NULL, resp->body, resp->len);
	reg_finish(op, 0, NULL);
}

/*
 * The single image's config from the cache: the platform filled in and 0,
 * or -1 when it is not there (or does not parse).
 */
static int
reg_config_cached(struct reg_op *op)
{
	char *mt, *body;
	size_t len;
	int rc;

	if (op->r->cache == NULL || cache_get(op->r->cache,
	    op->m.config_digest, &mt, &body, &len) == -1)
		return -1;
	rc = reg_parse_config(body, len, &op->m.platform,
	    &op->m.platform_json);
	free(mt);
	free(body);
	return rc == 0 ? 0 : -1;
}

/*
 * The manifest digest from the cache into op->m (and, for a single
 * image asked to resolve, its config when cached too). 1: complete, op
 * can finish; 0: the manifest is in but its config blob must be fetched
 * (started); -1: not cached.
 */
static int
reg_manifest_cached(struct reg_op *op, const char *digest)
{
	struct registry *r = op->r;
	char *mt, *body, *cause = NULL;
	size_t len;

	if (r->cache == NULL || cache_get(r->cache, digest, &mt, &body,
	    &len) == -1)
		return -1;
	registry_manifest_clear(&op->m);
	if (registry_parse_manifest(body, len, mt, &op->m, &cause) != 0) {
		free(cause);
		free(mt);
		free(body);
		registry_manifest_clear(&op->m);
		return -1;
	}
	free(mt);
	free(body);
	if (!op->m.is_index && op->resolve && op->m.config_digest != NULL &&
	    reg_config_cached(op) == -1) {
		reg_start(op, NULL, xasprintf("%s/v2/%s/blobs/%s", r->base,
		    op->repo, op->m.config_digest), REG_CONFIG_MAX, 1,
		    reg_blob_done);
		return 0;
	}
	return 1;
}

/* Check the response's digest against the body and the reference. */
static int
reg_check_digest(struct reg_op *op, const struct http_response *resp,
    const char *computed)
{
	const char *hdr = http_header(resp, "Docker-Content-Digest");

	if (reg_valid_digest(op->ref) && strcmp(op->ref, computed) != 0) {
		reg_fail(op, -1, "%s: %s@%s: manifest digest mismatch "
		    "(got %s)", op->r->host, op->repo, op->ref, computed);
		return -1;
	}
	if (hdr != NULL && str_has_prefix(hdr, "sha256:") &&
	    strcmp(hdr, computed) != 0) {
		reg_fail(op, -1, "%s: %s:%s: Docker-Content-Digest does not "
		    "match the manifest", op->r->host, op->repo, op->ref);
		return -1;
	}
	return 0;
}

/* A manifest GET answered. */
static void
reg_get_done(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;
	char *code, *desc, *cause = NULL;
	char digest[80];

	if (resp->status != 200) {
		desc = reg_describe(resp, &code);
		if (reg_is_not_found(resp, code))
			reg_finish(op, 1, NULL);
		else
			reg_fail(op, -1, "%s: %s:%s: %s", r->host, op->repo,
			    op->ref, desc);
		free(desc);
		free(code);
		return;
	}
	sha256_digest(resp->body, resp->len, digest, sizeof digest);
	if (reg_check_digest(op, resp, digest) != 0)
		return;
	if (op->want_digest != NULL && strcmp(op->want_digest, digest) != 0) {
		reg_fail(op, -1, "%s: %s:%s: manifest digest mismatch "
		    "(HEAD said %s, got %s)", r->host, op->repo, op->ref,
		    op->want_digest, digest);
		return;
	}
	registry_manifest_clear(&op->m);
	if (registry_parse_manifest(resp->body, resp->len,
	    http_header(resp, "Content-Type"), &op->m, &cause) != 0) {
		reg_fail(op, -1, "%s: %s:%s: %s", r->host, op->repo, op->ref,
		    cause);
		free(cause);
		return;
	}
	cache_put(r->cache, digest, op->m.media_type, resp->body, resp->len);
	if (!op->m.is_index && op->resolve && op->m.config_digest != NULL &&
	    reg_config_cached(op) == 0) {
		reg_finish(op, 0, NULL);
		return;
	}
	if (!op->m.is_index && op->resolve && op->m.config_digest != NULL) {
		reg_start(op, NULL, xasprintf("%s/v2/%s/blobs/%s", r->base,
		    op->repo, op->m.config_digest), REG_CONFIG_MAX, 1,
		    reg_blob_done);
		return;
	}
	reg_finish(op, 0, NULL);
}

/*
 * The HEAD before a GET answered (with a cache): a digest in the cache
 * costs nothing more; another is fetched by digest.
 */
static void
reg_cache_head_done(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;
	const char *hdr = http_header(resp, "Docker-Content-Digest");
	char *desc, *code;
	int rc;

	if (resp->status == 404) {
		desc = reg_describe(resp, &code);
		free(desc);
		free(code);
		reg_finish(op, 1, NULL);
		return;
	}
	if (resp->status != 200 || !reg_valid_digest(hdr)) {
		/* No HEAD or no digest here: the plain GET by reference. */
		if (resp->status != 200 && resp->status != 405 &&
		    resp->status != 501) {
			desc = reg_describe(resp, NULL);
			reg_fail(op, -1, "%s: %s:%s: %s", r->host, op->repo,
			    op->ref, desc);
			free(desc);
			return;
		}
		reg_start(op, NULL, xasprintf("%s/v2/%s/manifests/%s",
		    r->base, op->repo, op->ref), REG_MANIFEST_MAX, 1,
		    reg_get_done);
		return;
	}
	if ((rc = reg_manifest_cached(op, hdr)) == 1) {
		reg_finish(op, 0, NULL);
		return;
	}
	if (rc == 0)
		return;		/* its config blob is on the way */
	free(op->want_digest);
	op->want_digest = xstrdup(hdr);
	reg_start(op, NULL, xasprintf("%s/v2/%s/manifests/%s", r->base,
	    op->repo, hdr), REG_MANIFEST_MAX, 1, reg_get_done);
}

/* GET a manifest (index or image); with a cache, HEAD first. */
void
registry_get_manifest(struct registry *r, const char *repo, const char *ref,
    int resolve_platform, registry_manifest_cb cb, void *arg)
{
	struct reg_op *op = reg_op_new(r, REG_GET, repo, ref, arg);
	int rc;

	op->cb.manifest = cb;
	op->resolve = resolve_platform;
	op->accept = 1;
	if (reg_check_names(op, repo, ref != NULL ? ref : "") != 0)
		return;
	if (r->cache != NULL && reg_valid_digest(ref)) {
		if ((rc = reg_manifest_cached(op, ref)) == 0)
			return;		/* its config blob is on the way */
		if (rc == 1) {
			/* Answer from the loop, never re-entrantly. */
			op->errstatus = 0;
			op->timer = loop_timer_add(http_loop(r->http), 0,
			    reg_timer_cb, op);
			return;
		}
	} else if (r->cache != NULL) {
		reg_start(op, "HEAD", xasprintf("%s/v2/%s/manifests/%s",
		    r->base, op->repo, ref), 0, 1, reg_cache_head_done);
		return;
	}
	reg_start(op, NULL, xasprintf("%s/v2/%s/manifests/%s", r->base,
	    op->repo, ref), REG_MANIFEST_MAX, 1, reg_get_done);
}

/* A manifest HEAD answered. */
static void
reg_head_done(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;
	const char *hdr;
	char *desc;

	if (resp->status == 405 || resp->status == 501) {
		/* No HEAD on this registry: GET the manifest instead. */
		reg_start(op, NULL, xstrdup(op->url), REG_MANIFEST_MAX, 1,
		    reg_get_done);
		return;
	}
	if (resp->status != 200) {
		if (resp->status == 404)
			reg_finish(op, 1, NULL);
		else {
			desc = reg_describe(resp, NULL);
			reg_fail(op, -1, "%s: %s:%s: %s", r->host, op->repo,
			    op->ref, desc);
			free(desc);
		}
		return;
	}
	hdr = http_header(resp, "Docker-Content-Digest");
	if (!reg_valid_digest(hdr)) {
		/* No usable digest: GET the manifest and hash it. */
		reg_start(op, NULL, xstrdup(op->url), REG_MANIFEST_MAX, 1,
		    reg_get_done);
		return;
	}
	if (reg_valid_digest(op->ref) && strcmp(op->ref, hdr) != 0) {
		reg_fail(op, -1, "%s: %s@%s: manifest digest mismatch",
		    r->host, op->repo, op->ref);
		return;
	}
	registry_manifest_clear(&op->m);
	op->m.digest = xstrdup(hdr);
	op->m.media_type = reg_content_type(http_header(resp,
	    "Content-Type"));
	if (op->m.media_type != NULL) {
		char *mt = reg_media_type(op->m.media_type);

		free(op->m.media_type);
		op->m.media_type = mt;
	}
	op->m.is_index = op->m.media_type != NULL &&
	    (strcmp(op->m.media_type, MT_MEDIA_OCI_INDEX) == 0 ||
	    strcmp(op->m.media_type, MT_MEDIA_DOCKER_LIST) == 0);
	reg_finish(op, 0, NULL);
}

/* HEAD a manifest: digest and media type. */
void
registry_head_manifest(struct registry *r, const char *repo, const char *ref,
    registry_manifest_cb cb, void *arg)
{
	struct reg_op *op = reg_op_new(r, REG_HEAD, repo, ref, arg);

	op->cb.manifest = cb;
	op->accept = 1;
	if (reg_check_names(op, repo, ref != NULL ? ref : "") != 0)
		return;
	reg_start(op, "HEAD", xasprintf("%s/v2/%s/manifests/%s", r->base,
	    op->repo, ref), 0, 1, reg_head_done);
}

/*
 * The referrers endpoint answered. 200 with an index: status 0, the body
 * kept as is. The statuses by which registries say "no such API" (404 as
 * GHCR, 400, 405, 406, 501, a redirect elsewhere) or a 200 that is not an
 * index: status 1. Anything else: an error.
 */
static void
reg_referrers_done(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;
	char *desc, *ct;
	int index;

	if (resp->status == 404 || resp->status == 400 ||
	    resp->status == 405 || resp->status == 406 ||
	    resp->status == 501 || (resp->status >= 300 &&
	    resp->status < 400)) {
		reg_finish(op, 1, NULL);
		return;
	}
	if (resp->status != 200) {
		desc = reg_describe(resp, NULL);
		reg_fail(op, -1, "%s: %s: referrers of %s: %s", r->host,
		    op->repo, op->ref, desc);
		free(desc);
		return;
	}
	ct = reg_content_type(http_header(resp, "Content-Type"));
	index = ct != NULL && strcmp(ct, MT_MEDIA_OCI_INDEX) == 0;
	free(ct);
	if (!index || resp->len == 0) {
		reg_finish(op, 1, NULL);
		return;
	}
	registry_manifest_clear(&op->m);
	op->m.media_type = xstrdup(MT_MEDIA_OCI_INDEX);
	op->m.is_index = 1;
	op->m.body = xmalloc(resp->len + 1);
	memcpy(op->m.body, resp->body, resp->len);
	op->m.body[resp->len] = '\0';
	op->m.len = resp->len;
	reg_finish(op, 0, NULL);
}

/* GET /v2/<repo>/referrers/<digest> (OCI 1.1). */
void
registry_get_referrers(struct registry *r, const char *repo,
    const char *digest, registry_manifest_cb cb, void *arg)
{
	struct reg_op *op = reg_op_new(r, REG_GET, repo, digest, arg);

	op->cb.manifest = cb;
	if (reg_check_names(op, repo, digest != NULL ? digest : "") != 0)
		return;
	if (!reg_valid_digest(digest)) {
		reg_fail_later(op, "%s: %s: referrers need a digest", r->host,
		    repo);
		return;
	}
	op->ctype = NULL;
	op->accept = 0;
	/*
	 * Asked for every digest on every refresh: conditional where the
	 * registry sends an ETag, so an unchanged list costs a 304 and no
	 * body (http.c answers it from its cache, status 200).
	 */
	op->conditional = 1;
	reg_start(op, NULL, xasprintf("%s/v2/%s/referrers/%s", r->base, repo,
	    digest), REG_MANIFEST_MAX, 0, reg_referrers_done);
}

/* A manifest PUT answered. */
static void
reg_put_done(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;
	const char *hdr;
	char *desc;

	if (resp->status != 201 && resp->status != 200 &&
	    resp->status != 202) {
		desc = reg_describe(resp, NULL);
		reg_fail(op, -1, "%s: %s:%s: push failed: %s", r->host,
		    op->repo, op->ref, desc);
		free(desc);
		return;
	}
	hdr = http_header(resp, "Docker-Content-Digest");
	if (hdr != NULL && str_has_prefix(hdr, "sha256:") &&
	    strcmp(hdr, op->digest) != 0) {
		reg_fail(op, -1, "%s: %s:%s: the registry stored a different "
		    "digest than sent", r->host, op->repo, op->ref);
		return;
	}
	reg_finish(op, 0, NULL);
}

/* PUT a manifest under a tag or digest. */
void
registry_put_manifest(struct registry *r, const char *repo, const char *ref,
    const char *media_type, const char *body, size_t len, registry_put_cb cb,
    void *arg)
{
	struct reg_op *op = reg_op_new(r, REG_PUT, repo, ref, arg);
	char digest[80], *mt;

	op->cb.put = cb;
	if (reg_check_names(op, repo, ref != NULL ? ref : "") != 0)
		return;
	mt = reg_media_type(media_type);
	if (mt == NULL || body == NULL || len == 0 ||
	    len > REG_MANIFEST_MAX) {
		free(mt);
		reg_fail_later(op, "%s: %s:%s: invalid manifest to push",
		    r->host, repo, ref);
		return;
	}
	sha256_digest(body, len, digest, sizeof digest);
	op->digest = xstrdup(digest);
	if (reg_valid_digest(ref) && strcmp(ref, digest) != 0) {
		free(mt);
		reg_fail_later(op, "%s: %s@%s: manifest does not match the "
		    "digest", r->host, repo, ref);
		return;
	}
	op->ctype = xasprintf("Content-Type: %s", mt);
	free(mt);
	op->body = xmalloc(len);
	memcpy(op->body, body, len);
	op->body_len = len;
	reg_start(op, "PUT", xasprintf("%s/v2/%s/manifests/%s", r->base,
	    op->repo, ref), 65536, 0, reg_put_done);
}

/* A manifest DELETE answered. */
static void
reg_delete_done(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;
	char *code, *desc;

	if (resp->status == 202 || resp->status == 200 ||
	    resp->status == 204) {
		reg_finish(op, 0, NULL);
		return;
	}
	desc = reg_describe(resp, &code);
	if (reg_is_not_found(resp, code))
		reg_finish(op, 1, NULL);
	else if (resp->status == 400 || resp->status == 405 ||
	    resp->status == 501)
		/* distribution 2.8 answers a tag with 400 DIGEST_INVALID,
		 * deletion disabled with 405 UNSUPPORTED */
		reg_fail(op, 2, "%s: %s:%s: delete refused: %s", r->host,
		    op->repo, op->ref, desc);
	else
		reg_fail(op, -1, "%s: %s:%s: delete failed: %s", r->host,
		    op->repo, op->ref, desc);
	free(desc);
	free(code);
}

/* DELETE a manifest by tag or digest. */
void
registry_delete_manifest(struct registry *r, const char *repo,
    const char *ref, registry_delete_cb cb, void *arg)
{
	struct reg_op *op = reg_op_new(r, REG_DELETE, repo, ref, arg);

	op->cb.del = cb;
	if (reg_check_names(op, repo, ref != NULL ? ref : "") != 0)
		return;
	reg_start(op, "DELETE", xasprintf("%s/v2/%s/manifests/%s", r->base,
	    repo, ref), 65536, 0, reg_delete_done);
}

/* ------------------------------------------------------------------ */
/* Raw exchanges (registry-int.h): blobs, for registry-blob.c. */

/* The answer, as it is, to the caller. */
static void
reg_raw_done(struct reg_op *op, const struct http_response *resp)
{
	struct registry *r = op->r;

	reg_op_detach(op);
	if (!r->dying)
		op->cb.raw(resp, op->arg);
	reg_op_free(op);
}

/* An authenticated exchange on repo's API; see registry-int.h. */
void
registry_raw(struct registry *r, const char *repo,
    const struct registry_raw *q, registry_raw_cb cb, void *arg)
{
	struct reg_op *op = reg_op_new(r, REG_RAW, repo, NULL, arg);
	int write = q->method != NULL && strcmp(q->method, "GET") != 0 &&
	    strcmp(q->method, "HEAD") != 0;
	char *also, *url;

	op->cb.raw = cb;
	if (reg_check_names(op, repo, NULL) != 0)
		return;
	free(op->scope);
	op->scope = xasprintf("repository:%s:%s", op->repo,
	    r->push || write ? "pull,push" : "pull");
	free(op->key);
	if (q->also_pull != NULL) {
		if (!reg_valid_repo(q->also_pull)) {
			op->key = xstrdup(op->scope);
			reg_fail_later(op, "%s: invalid repository name",
			    r->host);
			return;
		}
		also = registry_dockerhub_repo(r->host, q->also_pull);
		op->key = xasprintf("%s repository:%s:pull", op->scope, also);
		free(also);
	} else
		op->key = xstrdup(op->scope);
	if (q->url != NULL) {
		if (!reg_same_origin(r, q->url) ||
		    strpbrk(q->url, " \r\n\t#") != NULL) {
			reg_fail_later(op, "%s: %s: an upload location on "
			    "another host is not followed", r->host, repo);
			return;
		}
		url = xstrdup(q->url);
	} else
		url = xasprintf("%s/v2/%s/%s", r->base, op->repo,
		    q->path != NULL ? q->path : "");
	if (q->content_type != NULL)
		op->ctype = xasprintf("Content-Type: %s", q->content_type);
	if (q->body != NULL && q->len > 0) {
		op->body = xmalloc(q->len);
		memcpy(op->body, q->body, q->len);
		op->body_len = q->len;
	}
	op->sink = q->sink;
	op->source = q->source;
	op->stream_arg = q->stream_arg;
	op->upload_len = q->upload_len;
	reg_start(op, q->method, url, q->max_body > 0 ? q->max_body :
	    65536, q->follow, reg_raw_done);
}

/* Let the paused streams of raw exchanges started with arg go on. */
void
registry_raw_resume(struct registry *r, void *arg)
{
	struct reg_op *op;

	for (op = r->ops; op != NULL; op = op->next)
		if (op->arg == arg && op->inflight)
			http_resume(r->http, op);
}

/* The name repo has in this registry's API (Docker Hub's library/). */
char *
registry_api_repo(const struct registry *r, const char *repo)
{
	return registry_dockerhub_repo(r->host, repo);
}

/* ------------------------------------------------------------------ */
/* The object. */

/* A client for one registry host. */
struct registry *
registry_new(struct http *http, const char *host, int plain_http)
{
	struct registry *r = xcalloc(1, sizeof *r);

	r->http = http;
	r->host = xstrdup(host != NULL ? host : "");
	r->plain_http = plain_http;
	r->page_size = REG_TAGS_PAGE;
	/* docker.io is the name; registry-1.docker.io speaks the API. */
	r->base = xasprintf("%s://%s", plain_http ? "http" : "https",
	    registry_dockerhub_api_host(r->host));
	return r;
}

/* Free the client; cancels everything silently. Safe inside callbacks. */
void
registry_free(struct registry *r)
{
	struct reg_op *op;
	struct reg_fetch *f;
	struct reg_token *t;

	if (r == NULL)
		return;
	if (!r->dying) {
		r->dying = 1;
		for (op = r->ops; op != NULL; op = op->next) {
			if (op->inflight) {
				http_cancel_arg(r->http, op);
				op->inflight = 0;
			}
			if (op->timer != 0) {
				loop_timer_del(http_loop(r->http), op->timer);
				op->timer = 0;
			}
		}
		for (f = r->fetches; f != NULL; f = f->next)
			http_cancel_arg(r->http, f);
		auth_cancel(r->cred_q);
		r->cred_q = NULL;
	}
	if (r->depth > 0)
		return;	/* freed when the outermost callback returns */

	while ((op = r->ops) != NULL) {
		reg_op_detach(op);
		reg_op_free(op);
	}
	while ((f = r->fetches) != NULL) {
		f->waiters = NULL;
		reg_fetch_free(f);
	}
	while ((t = r->tokens) != NULL) {
		r->tokens = t->next;
		reg_token_free(t);
	}
	auth_cred_clear(&r->cred);
	free(r->cred_err);
	free(r->host);
	free(r->base);
	free(r);
}

/* Ask for push rights in tokens. */
void
registry_set_cache(struct registry *r, struct cache *c)
{
	r->cache = c;
}

void
registry_set_push(struct registry *r, int on)
{
	r->push = on != 0;
}

/* Tags asked per tags/list page. */
void
registry_set_page_size(struct registry *r, int n)
{
	r->page_size = n < 1 ? 1 : n > 10000 ? 10000 : n;
}

/* The registry's "host[:port]" (borrowed). */
const char *
registry_host(const struct registry *r)
{
	return r->host;
}

/* Cancel every operation started with arg; their callbacks are not called. */
void
registry_cancel_arg(struct registry *r, void *arg)
{
	struct reg_op *op, *next;

	for (op = r->ops; op != NULL; op = next) {
		next = op->next;
		if (op->arg != arg)
			continue;
		reg_op_detach(op);
		reg_op_free(op);
	}
}
