/*
 * config.c — load, validate and dump the JSON configuration.
 *
 * jansson parses the text; validation walks the parsed tree with a stack of
 * key-path segments. jansson keeps no positions for values, so when a check
 * fails, a small scanner walks the original text along the same key path to
 * find the line and column of the offending value (or key).
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "attest.h"
#include "config.h"
#include "config-int.h"
#include "filter.h"
#include "version.h"
#include "util.h"

#define CONFIG_MAX_SIZE		(1024 * 1024)
#define CONFIG_MAX_APPS		256
#define CONFIG_MAX_ARGV		256
#define CONFIG_MAX_INPUTS	10
#define CONFIG_MAX_RUNNERS	64
#define CONFIG_MAX_REPO_NAME	255
#define CONFIG_BUILTIN_NAME	"(built-in)"

/* Template placeholders; the bit says where each may be used. */
enum {
	PH_APP		= 0x001,
	PH_VERSION	= 0x002,
	PH_TAG		= 0x004,
	PH_IMAGE_TAG	= 0x008,
	PH_ARCH		= 0x010,
	PH_PLATFORM	= 0x020,
	PH_IMAGE	= 0x040,
	PH_STAGING_REF	= 0x080,
	PH_RUNNER	= 0x100,
	PH_DIGEST_FILE	= 0x200,
};
#define PH_ALL		0x3ff
#define PH_FOR_IMAGE_TAG	(PH_APP | PH_VERSION | PH_TAG)
#define PH_FOR_STAGING_TAG	(PH_APP | PH_VERSION | PH_TAG | PH_IMAGE_TAG | PH_ARCH)

static const struct {
	const char	*name;
	int		 bit;
} config_placeholders[] = {
	{ "app", PH_APP },
	{ "version", PH_VERSION },
	{ "tag", PH_TAG },
	{ "image_tag", PH_IMAGE_TAG },
	{ "arch", PH_ARCH },
	{ "platform", PH_PLATFORM },
	{ "image", PH_IMAGE },
	{ "staging_ref", PH_STAGING_REF },
	{ "runner", PH_RUNNER },
	{ "digest_file", PH_DIGEST_FILE },
};

static const char *const config_known_archs[] = {
	"amd64", "arm64", "arm", "arm/v6", "arm/v7", "386", "ppc64le",
	"s390x", "riscv64", "mips64le", "loong64",
};

static const char *const config_top_keys[] = {
	"registry", "namespace", "plain_http", "archs", "max_versions",
	"refresh_interval", "read_only", "manifest", "staging_tag", "runners",
	"builder", "apps", "jobs", "http_timeout", "http_stall_timeout",
	"http_attempts", "notify", "notify_initial", "notify_keep", "bell",
	"targets", "retention", "attest", NULL
};
static const char *const config_retention_keys[] = {
	"min_age_hours", "max_deletions", "keep_versions", NULL
};
static const char *const config_app_keys[] = {
	"name", "source", "include", "exclude", "archs", "max_versions",
	"builder", "manifest", "image", "image_tag", "staging_tag",
	"versioning", "targets", NULL
};
/* Every source key, for "not used by this type" messages. */
static const char *const config_source_keys[] = {
	"type", "repo", "project", "api", "base_url", "token_env",
	"prereleases", "registry", "repository", "plain_http", NULL
};
static const char *const config_github_releases_keys[] = {
	"type", "repo", "api", "token_env", "prereleases", NULL
};
static const char *const config_github_tags_keys[] = {
	"type", "repo", "api", "token_env", NULL
};
static const char *const config_gitlab_releases_keys[] = {
	"type", "project", "base_url", "token_env", "prereleases", NULL
};
static const char *const config_gitlab_tags_keys[] = {
	"type", "project", "base_url", "token_env", NULL
};
static const char *const config_gitea_releases_keys[] = {
	"type", "repo", "base_url", "token_env", "prereleases", NULL
};
static const char *const config_gitea_tags_keys[] = {
	"type", "repo", "base_url", "token_env", NULL
};
static const char *const config_registry_tags_keys[] = {
	"type", "registry", "repository", "plain_http", NULL
};
static const char *const config_builder_keys[] = {
	"type", "argv", "timeout", "attempts", "repo", "workflow", "ref",
	"inputs", "api", "token_env", "poll_interval", NULL
};
static const char *const config_exec_keys[] = {
	"type", "argv", "timeout", "attempts", NULL
};
static const char *const config_gha_keys[] = {
	"type", "repo", "workflow", "ref", "inputs", "api", "token_env",
	"poll_interval", "timeout", "attempts", NULL
};

static const struct source_type_entry {
	const char		*name;
	enum source_type	 type;
	int			 gitlab;	/* 0 GitHub, 1 GitLab, 2 Gitea,
						 * 3 a registry */
	const char *const	*keys;
} config_source_types[] = {
	{ "github-releases", SOURCE_GITHUB_RELEASES, 0,
	  config_github_releases_keys },
	{ "github-tags", SOURCE_GITHUB_TAGS, 0, config_github_tags_keys },
	{ "gitlab-tags", SOURCE_GITLAB_TAGS, 1, config_gitlab_tags_keys },
	{ "gitlab-releases", SOURCE_GITLAB_RELEASES, 1,
	  config_gitlab_releases_keys },
	{ "gitea-tags", SOURCE_GITEA_TAGS, 2, config_gitea_tags_keys },
	{ "gitea-releases", SOURCE_GITEA_RELEASES, 2,
	  config_gitea_releases_keys },
	{ "registry-tags", SOURCE_REGISTRY_TAGS, 3,
	  config_registry_tags_keys },
};

static const struct builder_type_entry {
	const char		*name;
	enum builder_type	 type;
	const char *const	*keys;
} config_builder_types[] = {
	{ "exec", BUILDER_EXEC, config_exec_keys },
	{ "github-actions", BUILDER_GITHUB_ACTIONS, config_gha_keys },
};

static const char config_default[] =
	"{\n"
	"  \"registry\": \"ghcr.io\",\n"
	"  \"namespace\": \"this-is-tobi/mirror\",\n"
	"  \"plain_http\": false,\n"
	"  \"archs\": [\"amd64\", \"arm64\"],\n"
	"  \"max_versions\": 10,\n"
	"  \"refresh_interval\": 600,\n"
	"  \"read_only\": false,\n"
	"  \"manifest\": true,\n"
	"  \"staging_tag\": \"{image_tag}-{arch}\",\n"
	"  \"runners\": {\"amd64\": \"ubuntu-24.04\", \"arm64\": \"ubuntu-24.04-arm\"},\n"
	"  \"jobs\": 2,\n"
	"  \"http_timeout\": 30,\n"
	"  \"http_stall_timeout\": 15,\n"
	"  \"http_attempts\": 3,\n"
	"  \"apps\": [\n"
	"    {\"name\": \"mattermost\",\n"
	"     \"source\": {\"type\": \"github-releases\", \"repo\": \"mattermost/mattermost\"},\n"
	"     \"include\": \"^v?([0-9]+\\\\.[0-9]+\\\\.[0-9]+)$\"},\n"
	"    {\"name\": \"mostlymatter\",\n"
	"     \"source\": {\"type\": \"gitlab-tags\", \"base_url\": \"https://framagit.org\",\n"
	"                \"project\": \"framasoft/framateam/mostlymatter\"},\n"
	"     \"include\": \"^v([0-9]+\\\\.[0-9]+\\\\.[0-9]+)-limitless$\"},\n"
	"    {\"name\": \"outline\",\n"
	"     \"source\": {\"type\": \"github-releases\", \"repo\": \"outline/outline\"},\n"
	"     \"include\": \"^v?([0-9]+\\\\.[0-9]+\\\\.[0-9]+)$\"}\n"
	"  ]\n"
	"}\n";

/* Skip JSON whitespace from p. */
static size_t
config_scan_ws(const char *t, size_t len, size_t p)
{
	while (p < len && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' ||
	    t[p] == '\r'))
		p++;
	return p;
}

/* From an opening quote at p, return the offset after the closing quote. */
static size_t
config_scan_string(const char *t, size_t len, size_t p)
{
	for (p++; p < len; p++) {
		if (t[p] == '\\')
			p++;
		else if (t[p] == '"')
			return p + 1;
	}
	return len;
}

/* From the start of any value at p, return the offset just after it. */
static size_t
config_scan_value(const char *t, size_t len, size_t p)
{
	size_t depth = 0;

	if (p >= len)
		return len;
	if (t[p] == '"')
		return config_scan_string(t, len, p);
	if (t[p] != '{' && t[p] != '[') {
		while (p < len && strchr(",}] \t\r\n", t[p]) == NULL)
			p++;
		return p;
	}
	while (p < len) {
		if (t[p] == '"') {
			p = config_scan_string(t, len, p);
			continue;
		}
		if (t[p] == '{' || t[p] == '[')
			depth++;
		else if ((t[p] == '}' || t[p] == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return len;
}

/* Parse four hex digits at s; -1 if they are not hex. */
static long
config_hex4(const char *s, size_t avail)
{
	long v = 0;
	size_t i;

	if (avail < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		int c = (unsigned char)s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Append code point cp as UTF-8. */
static void
config_put_utf8(struct buf *b, unsigned long cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, u, n);
}

/* Does the JSON string between quotes at [p, end) decode to key? */
static int
config_scan_key_is(const char *t, size_t p, size_t end, const char *key)
{
	struct buf b;
	size_t i;
	int same;

	buf_init(&b, CONFIG_MAX_SIZE);
	for (i = p + 1; i + 1 < end; i++) {
		char c = t[i];
		long cp, lo;

		if (c != '\\') {
			buf_append(&b, &c, 1);
			continue;
		}
		c = t[++i];
		switch (c) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if ((cp = config_hex4(t + i + 1, end - i - 1)) == -1)
				goto done;
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 6 < end &&
			    t[i + 1] == '\\' && t[i + 2] == 'u' &&
			    (lo = config_hex4(t + i + 3, end - i - 3)) >= 0xdc00 &&
			    lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				i += 6;
			}
			config_put_utf8(&b, (unsigned long)cp);
			continue;
		default:
			break;	/* \" \\ \/ stand for themselves */
		}
		buf_append(&b, &c, 1);
	}
done:
	same = b.data != NULL && strcmp(b.data, key) == 0;
	if (b.data == NULL)
		same = *key == '\0';
	buf_free(&b);
	return same;
}

/*
 * Offset in the text of the value (or key) at the path; when the path
 * cannot be followed to the end, the deepest container reached.
 */
static size_t
config_scan_locate(const char *t, size_t len, const struct config_seg *segs,
    size_t n, enum config_at at)
{
	size_t p, q, i, k, kpos, kend;
	int found;

	p = config_scan_ws(t, len, 0);
	for (i = 0; i < n; i++) {
		found = 0;
		if (segs[i].key == NULL) {
			if (p >= len || t[p] != '[')
				return p;
			q = config_scan_ws(t, len, p + 1);
			for (k = 0; q < len && t[q] != ']'; k++) {
				if (k == segs[i].index) {
					found = 1;
					break;
				}
				q = config_scan_ws(t, len,
				    config_scan_value(t, len, q));
				if (q < len && t[q] == ',')
					q = config_scan_ws(t, len, q + 1);
			}
		} else {
			if (p >= len || t[p] != '{')
				return p;
			q = config_scan_ws(t, len, p + 1);
			while (q < len && t[q] == '"') {
				kpos = q;
				kend = config_scan_string(t, len, q);
				q = config_scan_ws(t, len, kend);
				if (q < len && t[q] == ':')
					q = config_scan_ws(t, len, q + 1);
				if (config_scan_key_is(t, kpos, kend,
				    segs[i].key)) {
					if (i == n - 1 && at == AT_KEY)
						return kpos;
					found = 1;
					break;
				}
				q = config_scan_ws(t, len,
				    config_scan_value(t, len, q));
				if (q < len && t[q] == ',')
					q = config_scan_ws(t, len, q + 1);
			}
		}
		if (!found)
			return p;
		p = q;
	}
	return p;
}

/* Line and column (both from 1, columns in characters) of an offset. */
static void
config_scan_linecol(const char *t, size_t len, size_t off, unsigned *line,
    unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (t[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)t[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

/*
 * A user-supplied string made fit for a one-line message: control
 * characters shown as escapes, the rest sanitized, cut after 64 bytes
 * ("..." appended). Caller frees.
 */
static char *
config_escape(const char *s)
{
	struct buf b;
	const unsigned char *p;
	char *clean, *out;

	buf_init(&b, 0);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (b.len >= 64)
			break;
		if (*p == '\n')
			buf_append(&b, "\\n", 2);
		else if (*p == '\t')
			buf_append(&b, "\\t", 2);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(&b, "\\u%04x", *p);
		else if (*p == '"' || *p == '\\') {
			buf_append(&b, "\\", 1);
			buf_append(&b, p, 1);
		} else
			buf_append(&b, p, 1);
	}
	clean = str_sanitize(b.data != NULL ? b.data : "", 0);
	out = xasprintf("%s%s", clean, *p != '\0' ? "..." : "");
	free(clean);
	buf_free(&b);
	return out;
}

/* Quote a user-supplied string for a message, into out. */
const char *
config_quote(const char *s, char *out, size_t outlen)
{
	char *e = config_escape(s);

	snprintf(out, outlen, "\"%s\"", e);
	free(e);
	return out;
}

/* Push an object key onto the path. */
void
config_push_key(struct config_ctx *c, const char *key)
{
	if (c->depth < CONFIG_MAX_DEPTH) {
		c->segs[c->depth].key = key;
		c->segs[c->depth].index = 0;
	}
	c->depth++;
}

/* Push an array index onto the path. */
void
config_push_index(struct config_ctx *c, size_t index)
{
	if (c->depth < CONFIG_MAX_DEPTH) {
		c->segs[c->depth].key = NULL;
		c->segs[c->depth].index = index;
	}
	c->depth++;
}

/* Pop the last path segment. */
void
config_pop(struct config_ctx *c)
{
	if (c->depth > 0)
		c->depth--;
}

/* Record "FILE:LINE:COL: PATH: what" for the current path; returns -1. */
int
config_error(struct config_ctx *c, enum config_at at, const char *fmt, ...)
{
	struct buf path;
	char *msg;
	va_list ap;
	size_t i, depth, off;
	unsigned line, col;
	int len;

	if (c->cause != NULL)
		return -1;
	depth = c->depth < CONFIG_MAX_DEPTH ? c->depth : CONFIG_MAX_DEPTH;

	buf_init(&path, 4096);
	for (i = 0; i < depth; i++) {
		if (c->segs[i].key == NULL)
			buf_printf(&path, "[%zu]", c->segs[i].index);
		else {
			char *k = config_escape(c->segs[i].key);

			buf_printf(&path, "%s%s", i > 0 ? "." : "", k);
			free(k);
		}
	}

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = xmalloc(len > 0 ? (size_t)len + 1 : 1);
	*msg = '\0';
	va_start(ap, fmt);
	vsnprintf(msg, len > 0 ? (size_t)len + 1 : 1, fmt, ap);
	va_end(ap);

	off = config_scan_locate(c->text, c->len, c->segs, depth, at);
	config_scan_linecol(c->text, c->len, off, &line, &col);
	if (path.len == 0)
		c->cause = xasprintf("%s:%u:%u: %s", c->file, line, col, msg);
	else
		c->cause = xasprintf("%s:%u:%u: %s: %s", c->file, line, col,
		    path.data, msg);
	free(msg);
	buf_free(&path);
	return -1;
}

/* Name of a JSON type as used in messages. */
const char *
config_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "object";
	case JSON_ARRAY:	return "array";
	case JSON_STRING:	return "string";
	case JSON_INTEGER:	return "integer";
	case JSON_REAL:		return "real";
	case JSON_TRUE:
	case JSON_FALSE:	return "boolean";
	case JSON_NULL:		return "null";
	}
	return "unknown";
}

/* Is s in the NULL-terminated list? */
static int
config_in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, s) == 0)
			return 1;
	}
	return 0;
}

/* Levenshtein distance, capped: strings over 63 bytes count as far. */
static size_t
config_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], prev, tmp;

	if (la > 63 || lb > 63)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

/* Does a key name look like it would hold a secret? */
static int
config_secret_key(const char *key)
{
	static const char *const words[] = {
		"token", "password", "passwd", "secret",
	};
	char low[64];
	size_t i;

	if (strcmp(key, "token_env") == 0)
		return 0;
	for (i = 0; key[i] != '\0' && i < sizeof low - 1; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	for (i = 0; i < MT_ARRAY_LEN(words); i++) {
		if (strstr(low, words[i]) != NULL)
			return 1;
	}
	return 0;
}

/*
 * Reject keys not in allowed. If a key is valid for the kind of object but
 * not for its type (all != NULL), say so, naming the type.
 */
int
config_check_keys(struct config_ctx *c, json_t *obj,
    const char *const *allowed, const char *const *all, const char *kind)
{
	const char *key, *const *k, *best;
	json_t *v;
	size_t d, bestd;
	char q[128], qb[128];

	json_object_foreach(obj, key, v) {
		if (config_in_list(allowed, key))
			continue;
		config_push_key(c, key);
		if (config_secret_key(key))
			return config_error(c, AT_KEY, "secrets are not allowed "
			    "in the config file: tokens come from the "
			    "environment (see token_env), registry credentials "
			    "from the docker config");
		if (all != NULL && config_in_list(all, key))
			return config_error(c, AT_KEY, "key %s is not used by "
			    "%s", config_quote(key, q, sizeof q), kind);
		best = NULL;
		bestd = 3;
		for (k = allowed; *k != NULL; k++) {
			d = config_distance(key, *k);
			if (d < bestd) {
				bestd = d;
				best = *k;
			}
		}
		if (best != NULL)
			return config_error(c, AT_KEY, "unknown key %s (did you "
			    "mean %s?)", config_quote(key, q, sizeof q),
			    config_quote(best, qb, sizeof qb));
		return config_error(c, AT_KEY, "unknown key %s",
		    config_quote(key, q, sizeof q));
	}
	return 0;
}

/* Type check for the value at the current path. */
int
config_expect(struct config_ctx *c, json_t *v, json_type type,
    const char *want)
{
	if (json_typeof(v) == type ||
	    (type == JSON_TRUE && json_typeof(v) == JSON_FALSE))
		return 0;
	return config_error(c, AT_VALUE, "expected %s, got %s", want,
	    config_type_name(v));
}

/*
 * Optional string member: 1 present (*out borrowed), 0 absent, -1 error.
 * Empty strings are errors.
 */
int
config_get_str(struct config_ctx *c, json_t *obj, const char *key,
    const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	config_push_key(c, key);
	if (config_expect(c, v, JSON_STRING, "string") == -1)
		return -1;
	if (*json_string_value(v) == '\0')
		return config_error(c, AT_VALUE, "must not be empty");
	config_pop(c);
	*out = json_string_value(v);
	return 1;
}

/* Optional integer member in [min, max]: 1 present, 0 absent, -1 error. */
int
config_get_int(struct config_ctx *c, json_t *obj, const char *key,
    long long min, long long max, long long *out)
{
	json_t *v = json_object_get(obj, key);
	long long n;

	if (v == NULL)
		return 0;
	config_push_key(c, key);
	if (config_expect(c, v, JSON_INTEGER, "integer") == -1)
		return -1;
	n = json_integer_value(v);
	if (n < min || n > max)
		return config_error(c, AT_VALUE, "must be between %lld and "
		    "%lld, got %lld", min, max, n);
	config_pop(c);
	*out = n;
	return 1;
}

/* Optional int-sized member; on absence *out is left alone. */
int
config_get_intv(struct config_ctx *c, json_t *obj, const char *key,
    long long min, long long max, int *out)
{
	long long n;
	int rc;

	if ((rc = config_get_int(c, obj, key, min, max, &n)) == 1)
		*out = (int)n;
	return rc;
}

/* Optional long member; on absence *out is left alone. */
int
config_get_long(struct config_ctx *c, json_t *obj, const char *key,
    long long min, long long max, long *out)
{
	long long n;
	int rc;

	if ((rc = config_get_int(c, obj, key, min, max, &n)) == 1)
		*out = (long)n;
	return rc;
}

/* Optional boolean member; on absence *out is left alone. */
int
config_get_bool(struct config_ctx *c, json_t *obj, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	config_push_key(c, key);
	if (config_expect(c, v, JSON_TRUE, "boolean") == -1)
		return -1;
	config_pop(c);
	*out = json_is_true(v);
	return 1;
}

/* Optional object member: 1 present (*out borrowed), 0 absent, -1 error. */
int
config_get_obj(struct config_ctx *c, json_t *obj, const char *key,
    json_t **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	config_push_key(c, key);
	if (config_expect(c, v, JSON_OBJECT, "object") == -1)
		return -1;
	config_pop(c);
	*out = v;
	return 1;
}

/* Error for a required key that is absent, at the enclosing object. */
int
config_missing(struct config_ctx *c, const char *key)
{
	return config_error(c, AT_VALUE, "missing required key \"%s\"", key);
}

/* Replace *dst with a copy of src. */
static void
config_set(char **dst, const char *src)
{
	free(*dst);
	*dst = xstrdup(src);
}

/*
 * One OCI repository path component, as the distribution spec has it:
 * [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
 */
int
config_valid_component(const char *s, size_t n)
{
	size_t i = 0;

#define ALNUM(ch) (((ch) >= 'a' && (ch) <= 'z') || ((ch) >= '0' && (ch) <= '9'))
	for (;;) {
		if (i >= n || !ALNUM(s[i]))
			return 0;
		while (i < n && ALNUM(s[i]))
			i++;
		if (i == n)
			return 1;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else
			return 0;
	}
#undef ALNUM
}

/* Components separated by '/', each valid. */
int
config_valid_repo_path(const char *s)
{
	const char *slash;

	for (;;) {
		slash = strchr(s, '/');
		if (!config_valid_component(s,
		    slash != NULL ? (size_t)(slash - s) : strlen(s)))
			return 0;
		if (slash == NULL)
			return 1;
		s = slash + 1;
	}
}

/* A dotted IPv4 address; *first gets the first octet. */
static int
config_valid_ipv4(const char *s, size_t n, int *first)
{
	size_t i = 0;
	int parts = 0, v, digits;

	while (parts < 4) {
		v = 0;
		/* The digit count is checked before each step, so v stays
		 * below 1000 whatever the length of the run of digits. */
		for (digits = 0; i < n && s[i] >= '0' && s[i] <= '9'; digits++) {
			if (digits == 3)
				return 0;
			v = v * 10 + (s[i++] - '0');
		}
		if (digits == 0 || v > 255)
			return 0;
		if (parts == 0)
			*first = v;
		if (++parts < 4) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n;
}

/* A DNS name (labels of letters, digits and inner hyphens). */
static int
config_valid_dns(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)ch) && ch != '-')
			return 0;
		if (ch == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[n - 1] != '-';
}

/*
 * Check "host[:port]"; *loopback set when the host is 127.0.0.0/8,
 * localhost or [::1].
 */
int
config_valid_hostport(const char *s, int *loopback)
{
	const char *colon, *host_end;
	size_t hn;
	int first = -1;
	long long port;

	*loopback = 0;
	if (s[0] == '[') {
		if ((host_end = strchr(s, ']')) == NULL)
			return 0;
		hn = (size_t)(host_end - s) + 1;
		if (hn < 4 || strspn(s + 1, "0123456789abcdefABCDEF:.") !=
		    hn - 2)
			return 0;
		if (hn == 5 && strncmp(s, "[::1]", 5) == 0)
			*loopback = 1;
		colon = s[hn] == ':' ? s + hn : NULL;
		if (colon == NULL && s[hn] != '\0')
			return 0;
	} else {
		colon = strchr(s, ':');
		hn = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (config_valid_ipv4(s, hn, &first)) {
			if (first == 127)
				*loopback = 1;
		} else if (!config_valid_dns(s, hn))
			return 0;
		else if (hn == 9 && str_casecmp_n(s, "localhost", 9) == 0)
			*loopback = 1;
	}
	if (colon != NULL &&
	    (str_to_ll(colon + 1, 1, 65535, &port) == -1 ||
	    !isdigit((unsigned char)colon[1])))
		return 0;
	return 1;
}

/*
 * An http(s) URL with a host and no credentials; *why is set to the
 * reason when not.
 */
static int
config_valid_url(const char *s, const char **why)
{
	const char *host, *end, *at;
	char hostport[300];
	size_t n;
	int loop;

	if (str_has_prefix(s, "https://"))
		host = s + 8;
	else if (str_has_prefix(s, "http://"))
		host = s + 7;
	else {
		*why = "must be an http:// or https:// URL";
		return 0;
	}
	for (end = s; *end != '\0'; end++) {
		if ((unsigned char)*end <= ' ' || *end == 0x7f) {
			*why = "must not contain spaces or control characters";
			return 0;
		}
	}
	n = strcspn(host, "/?#");
	at = memchr(host, '@', n);
	if (at != NULL) {
		*why = "must not contain credentials; tokens come from the "
		    "environment (see token_env)";
		return 0;
	}
	if (strpbrk(host + n, "?#") != NULL) {
		*why = "must not have a query or fragment";
		return 0;
	}
	if (n == 0 || n >= sizeof hostport) {
		*why = "has no valid host";
		return 0;
	}
	memcpy(hostport, host, n);
	hostport[n] = '\0';
	if (!config_valid_hostport(hostport, &loop)) {
		*why = "has no valid host";
		return 0;
	}
	return 1;
}

/* A URL member (api, base_url) into *dst, trailing slashes dropped. */
int
config_get_url(struct config_ctx *c, json_t *obj, const char *key, char **dst)
{
	const char *s, *why = NULL;
	size_t n;
	int rc;

	if ((rc = config_get_str(c, obj, key, &s)) != 1)
		return rc;
	if (!config_valid_url(s, &why)) {
		config_push_key(c, key);
		return config_error(c, AT_VALUE, "%s", why);
	}
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		n--;
	free(*dst);
	*dst = xstrndup(s, n);
	return 1;
}

/* An environment variable name member (token_env) into *dst. */
int
config_get_envname(struct config_ctx *c, json_t *obj, const char *key,
    char **dst)
{
	static const char *const token_prefixes[] = {
		"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
		"glpat-",
	};
	const char *s, *p;
	size_t i;
	int rc;

	if ((rc = config_get_str(c, obj, key, &s)) != 1)
		return rc;
	for (p = s; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			break;
	}
	for (i = 0; i < MT_ARRAY_LEN(token_prefixes); i++) {
		if (str_has_prefix(s, token_prefixes[i])) {
			config_push_key(c, key);
			return config_error(c, AT_VALUE, "looks like a token, "
			    "not the name of the environment variable that "
			    "holds it");
		}
	}
	if (*p != '\0' || isdigit((unsigned char)*s)) {
		config_push_key(c, key);
		return config_error(c, AT_VALUE, "not an environment "
		    "variable name ([A-Za-z_][A-Za-z0-9_]*); the token itself "
		    "belongs in that variable");
	}
	config_set(dst, s);
	return 1;
}

/* A GitHub "owner/name" member into *dst. */
static int
config_get_ghrepo(struct config_ctx *c, json_t *obj, const char *key,
    char **dst)
{
	const char *s, *slash;
	char q[128];
	int rc;
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

	if ((rc = config_get_str(c, obj, key, &s)) != 1)
		return rc;
	slash = strchr(s, '/');
	if (slash == NULL || slash == s || slash[1] == '\0' ||
	    strspn(s, ok) != (size_t)(slash - s) ||
	    strspn(slash + 1, ok) != strlen(slash + 1) ||
	    strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0) {
		config_push_key(c, key);
		return config_error(c, AT_VALUE, "%s is not a GitHub "
		    "\"owner/name\"", config_quote(s, q, sizeof q));
	}
	config_set(dst, s);
	return 1;
}

/* A GitLab project path ("group/sub/name") or numeric id into *dst. */
static int
config_get_glproject(struct config_ctx *c, json_t *obj, const char *key,
    char **dst)
{
	const char *s, *p;
	char q[128];
	int rc, seg = 0;

	if ((rc = config_get_str(c, obj, key, &s)) != 1)
		return rc;
	if (strspn(s, "0123456789") == strlen(s)) {
		config_set(dst, s);
		return 1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p == '/') {
			if (seg == 0)
				break;
			seg = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' ||
		    *p == '_' || *p == '.')
			seg++;
		else
			break;
	}
	if (*p != '\0' || seg == 0 || strchr(s, '/') == NULL ||
	    strstr(s, "..") != NULL) {
		config_push_key(c, key);
		return config_error(c, AT_VALUE, "%s is not a GitLab project "
		    "path (\"group/name\") or id", config_quote(s, q, sizeof q));
	}
	config_set(dst, s);
	return 1;
}

/* Bit of a placeholder name, 0 if unknown. */
static int
config_placeholder_bit(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(config_placeholders); i++) {
		if (strlen(config_placeholders[i].name) == len &&
		    memcmp(config_placeholders[i].name, name, len) == 0)
			return config_placeholders[i].bit;
	}
	return 0;
}

/* Is name (len bytes, no braces) a template placeholder? */
int
config_placeholder_known(const char *name, size_t len)
{
	return config_placeholder_bit(name, len) != 0;
}

/*
 * Check the placeholders of a template at the current path: every '{'
 * opens one, which must be known and allowed here. *used gets the bits
 * of those seen.
 */
static int
config_check_template(struct config_ctx *c, const char *s, int allowed,
    const char *where, int *used)
{
	const char *p, *close;
	char q[128], name[80];
	size_t n;
	int bit;

	*used = 0;
	for (p = s; (p = strchr(p, '{')) != NULL; p = close + 1) {
		if ((close = strchr(p + 1, '}')) == NULL)
			return config_error(c, AT_VALUE, "unterminated "
			    "placeholder in %s", config_quote(s, q, sizeof q));
		n = (size_t)(close - p) + 1;
		snprintf(name, sizeof name, "%.*s", (int)(n < 64 ? n : 64), p);
		bit = config_placeholder_bit(p + 1, n - 2);
		if (bit == 0)
			return config_error(c, AT_VALUE, "unknown placeholder "
			    "%s", config_quote(name, q, sizeof q));
		if ((bit & allowed) == 0)
			return config_error(c, AT_VALUE, "placeholder %s is "
			    "not available in %s", config_quote(name, q,
			    sizeof q), where);
		*used |= bit;
	}
	return 0;
}

/*
 * A tag template (image_tag, staging_tag): placeholders allowed in it,
 * literal text limited to tag characters, and a required placeholder.
 */
static int
config_get_tag_template(struct config_ctx *c, json_t *obj, const char *key,
    int allowed, int need, const char *need_what, char **dst)
{
	const char *s, *p;
	char ch[8], q[32];
	size_t n;
	int rc, used;

	if ((rc = config_get_str(c, obj, key, &s)) != 1)
		return rc;
	config_push_key(c, key);
	if (config_check_template(c, s, allowed, key, &used) == -1)
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p == '{') {
			p = strchr(p, '}');
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' &&
		    *p != '-') {
			n = 1;
			while (((unsigned char)p[n] & 0xc0) == 0x80 && n < 4)
				n++;
			snprintf(ch, sizeof ch, "%.*s", (int)n, p);
			return config_error(c, AT_VALUE, "%s is not allowed "
			    "in a tag (letters, digits, '_', '.', '-')",
			    config_quote(ch, q, sizeof q));
		}
	}
	if ((used & need) == 0)
		return config_error(c, AT_VALUE, "must contain %s", need_what);
	config_pop(c);
	config_set(dst, s);
	return 1;
}

/* An array of archs at key into archs/narchs (replacing them). */
static int
config_get_archs(struct config_ctx *c, json_t *obj, const char *key,
    char **archs, size_t *narchs)
{
	json_t *v = json_object_get(obj, key), *e;
	size_t i, j, k;
	const char *s;
	char q[128];

	if (v == NULL)
		return 0;
	config_push_key(c, key);
	if (config_expect(c, v, JSON_ARRAY, "array") == -1)
		return -1;
	if (json_array_size(v) == 0)
		return config_error(c, AT_VALUE, "must list at least one arch");
	if (json_array_size(v) > CONFIG_MAX_ARCHS)
		return config_error(c, AT_VALUE, "at most %d archs, got %zu",
		    CONFIG_MAX_ARCHS, json_array_size(v));
	json_array_foreach(v, i, e) {
		config_push_index(c, i);
		if (config_expect(c, e, JSON_STRING, "string") == -1)
			return -1;
		s = json_string_value(e);
		for (k = 0; k < MT_ARRAY_LEN(config_known_archs); k++) {
			if (strcmp(s, config_known_archs[k]) == 0)
				break;
		}
		if (k == MT_ARRAY_LEN(config_known_archs))
			return config_error(c, AT_VALUE, "unknown arch %s "
			    "(known: amd64 arm64 arm arm/v6 arm/v7 386 ppc64le "
			    "s390x riscv64 mips64le loong64)",
			    config_quote(s, q, sizeof q));
		for (j = 0; j < i; j++) {
			if (strcmp(s, json_string_value(
			    json_array_get(v, j))) == 0)
				return config_error(c, AT_VALUE, "duplicate "
				    "arch %s", config_quote(s, q, sizeof q));
		}
		config_pop(c);
	}
	config_pop(c);
	for (i = 0; i < *narchs; i++) {
		free(archs[i]);
		archs[i] = NULL;
	}
	json_array_foreach(v, i, e)
		archs[i] = xstrdup(json_string_value(e));
	*narchs = json_array_size(v);
	return 1;
}

/* Is s one of the known archs? */
static int
config_arch_known(const char *s)
{
	size_t k;

	for (k = 0; k < MT_ARRAY_LEN(config_known_archs); k++) {
		if (strcmp(s, config_known_archs[k]) == 0)
			return 1;
	}
	return 0;
}

/* Free a builder and its strings; accepts NULL. */
static void
config_builder_free(struct builder_config *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->argc; i++)
		free(b->argv[i]);
	free(b->argv);
	free(b->repo);
	free(b->workflow);
	free(b->ref);
	free(b->api);
	free(b->token_env);
	for (i = 0; i < b->ninputs; i++) {
		free(b->inputs[i].key);
		free(b->inputs[i].value);
	}
	free(b->inputs);
	free(b);
}

/* The argv of an exec builder. */
static int
config_builder_argv(struct config_ctx *c, json_t *obj,
    struct builder_config *b)
{
	json_t *v = json_object_get(obj, "argv"), *e;
	size_t i;
	int used;

	if (v == NULL)
		return config_missing(c, "argv");
	config_push_key(c, "argv");
	if (config_expect(c, v, JSON_ARRAY, "array") == -1)
		return -1;
	if (json_array_size(v) == 0)
		return config_error(c, AT_VALUE, "must not be empty");
	if (json_array_size(v) > CONFIG_MAX_ARGV)
		return config_error(c, AT_VALUE, "at most %d arguments",
		    CONFIG_MAX_ARGV);
	b->argv = xcalloc(json_array_size(v) + 1, sizeof *b->argv);
	json_array_foreach(v, i, e) {
		config_push_index(c, i);
		if (config_expect(c, e, JSON_STRING, "string") == -1)
			return -1;
		if (i == 0 && *json_string_value(e) == '\0')
			return config_error(c, AT_VALUE, "the program must not "
			    "be empty");
		if (config_check_template(c, json_string_value(e), PH_ALL,
		    "argv", &used) == -1)
			return -1;
		b->argv[b->argc++] = xstrdup(json_string_value(e));
		config_pop(c);
	}
	config_pop(c);
	return 0;
}

/* The inputs of a github-actions builder. */
static int
config_builder_inputs(struct config_ctx *c, json_t *obj,
    struct builder_config *b)
{
	json_t *v, *e;
	const char *key, *p;
	char q[128];
	int rc, used;

	if ((rc = config_get_obj(c, obj, "inputs", &v)) != 1)
		return rc;
	config_push_key(c, "inputs");
	if (json_object_size(v) > CONFIG_MAX_INPUTS)
		return config_error(c, AT_VALUE, "at most %d inputs, got %zu",
		    CONFIG_MAX_INPUTS, json_object_size(v));
	b->inputs = xcalloc(json_object_size(v) + 1, sizeof *b->inputs);
	json_object_foreach(v, key, e) {
		config_push_key(c, key);
		for (p = key; *p != '\0'; p++) {
			if (!isalnum((unsigned char)*p) && *p != '_' &&
			    *p != '-')
				break;
		}
		if (*key == '\0' || *p != '\0')
			return config_error(c, AT_KEY, "%s is not a workflow "
			    "input name", config_quote(key, q, sizeof q));
		if (config_expect(c, e, JSON_STRING, "string") == -1)
			return -1;
		if (config_check_template(c, json_string_value(e), PH_ALL,
		    "inputs", &used) == -1)
			return -1;
		b->inputs[b->ninputs].key = xstrdup(key);
		b->inputs[b->ninputs].value = xstrdup(json_string_value(e));
		b->ninputs++;
		config_pop(c);
	}
	config_pop(c);
	return 1;
}

/* Parse a builder object at key of obj into *out (NULL if absent). */
static int
config_parse_builder(struct config_ctx *c, json_t *obj,
    struct builder_config **out)
{
	const struct builder_type_entry *t = NULL;
	struct builder_config *b;
	json_t *v;
	const char *type, *s;
	char q[128], kind[64];
	size_t i;
	int rc, used;

	*out = NULL;
	if ((rc = config_get_obj(c, obj, "builder", &v)) != 1)
		return rc;
	config_push_key(c, "builder");
	if ((rc = config_get_str(c, v, "type", &type)) != 1)
		return rc == 0 ? config_missing(c, "type") : -1;
	for (i = 0; i < MT_ARRAY_LEN(config_builder_types); i++) {
		if (strcmp(type, config_builder_types[i].name) == 0)
			t = &config_builder_types[i];
	}
	if (t == NULL) {
		config_push_key(c, "type");
		return config_error(c, AT_VALUE, "unknown builder type %s "
		    "(known: exec, github-actions)",
		    config_quote(type, q, sizeof q));
	}
	snprintf(kind, sizeof kind, "builder type \"%s\"", t->name);
	if (config_check_keys(c, v, t->keys, config_builder_keys, kind) == -1)
		return -1;

	b = *out = xcalloc(1, sizeof *b);
	b->type = t->type;
	b->timeout = 3600;
	b->attempts = 3;
	if (config_get_long(c, v, "timeout", 1, 604800, &b->timeout) == -1 ||
	    config_get_intv(c, v, "attempts", 1, 10, &b->attempts) == -1)
		return -1;
	if (t->type == BUILDER_EXEC)
		rc = config_builder_argv(c, v, b);
	else {
		b->ref = xstrdup("main");
		b->api = xstrdup("https://api.github.com");
		b->token_env = xstrdup("GITHUB_TOKEN");
		b->poll_interval = 10;
		if ((rc = config_get_ghrepo(c, v, "repo", &b->repo)) != 1)
			return rc == 0 ? config_missing(c, "repo") : -1;
		if ((rc = config_get_str(c, v, "workflow", &s)) != 1)
			return rc == 0 ? config_missing(c, "workflow") : -1;
		if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-") != strlen(s) || s[0] == '.') {
			config_push_key(c, "workflow");
			return config_error(c, AT_VALUE, "%s is not a workflow "
			    "file name or id", config_quote(s, q, sizeof q));
		}
		b->workflow = xstrdup(s);
		if ((rc = config_get_str(c, v, "ref", &s)) == -1)
			return -1;
		if (rc == 1) {
			config_push_key(c, "ref");
			if (config_check_template(c, s, PH_ALL, "ref",
			    &used) == -1)
				return -1;
			config_pop(c);
			config_set(&b->ref, s);
		}
		if (config_builder_inputs(c, v, b) == -1 ||
		    config_get_url(c, v, "api", &b->api) == -1 ||
		    config_get_envname(c, v, "token_env", &b->token_env) == -1 ||
		    config_get_long(c, v, "poll_interval", 1, 3600,
		    &b->poll_interval) == -1)
			return -1;
		rc = 0;
	}
	if (rc == -1)
		return -1;
	config_pop(c);
	return 1;
}

/*
 * registry-tags: the tag list of a repository in another registry, read
 * with the same credentials and token dance as a target (never a token
 * variable of its own).
 */
static int
config_parse_registry_source(struct config_ctx *c, json_t *v,
    struct source_config *s)
{
	const char *str;
	char q[128];
	int rc, loopback = 0;

	if ((rc = config_get_str(c, v, "registry", &str)) != 1)
		return rc == 0 ? config_missing(c, "registry") : -1;
	config_push_key(c, "registry");
	if (strchr(str, '@') != NULL)
		return config_error(c, AT_VALUE, "must not contain "
		    "credentials; they come from the docker config");
	if (!config_valid_hostport(str, &loopback))
		return config_error(c, AT_VALUE, "invalid registry %s: "
		    "expected host[:port], without scheme or path",
		    config_quote(str, q, sizeof q));
	config_pop(c);
	s->registry = xstrdup(str);
	if ((rc = config_get_str(c, v, "repository", &str)) != 1)
		return rc == 0 ? config_missing(c, "repository") : -1;
	config_push_key(c, "repository");
	if (!config_valid_repo_path(str))
		return config_error(c, AT_VALUE, "invalid repository %s: "
		    "lowercase path components separated by '/'",
		    config_quote(str, q, sizeof q));
	config_pop(c);
	s->repository = xstrdup(str);
	if (config_get_bool(c, v, "plain_http", &s->plain_http) == -1)
		return -1;
	if (s->plain_http && !loopback) {
		config_push_key(c, "plain_http");
		return config_error(c, AT_VALUE, "plain HTTP is only allowed "
		    "for a loopback registry (127.0.0.0/8, localhost, [::1]), "
		    "not %s: TLS is never silently downgraded",
		    config_quote(s->registry, q, sizeof q));
	}
	return 0;
}

/* Parse the source object of an app. */
static int
config_parse_source(struct config_ctx *c, json_t *app, struct source_config *s)
{
	const struct source_type_entry *t = NULL;
	json_t *v;
	const char *type;
	char q[128], kind[64];
	size_t i;
	int rc;

	if ((rc = config_get_obj(c, app, "source", &v)) != 1)
		return rc == 0 ? config_missing(c, "source") : -1;
	config_push_key(c, "source");
	if ((rc = config_get_str(c, v, "type", &type)) != 1)
		return rc == 0 ? config_missing(c, "type") : -1;
	for (i = 0; i < MT_ARRAY_LEN(config_source_types); i++) {
		if (strcmp(type, config_source_types[i].name) == 0)
			t = &config_source_types[i];
	}
	if (t == NULL) {
		config_push_key(c, "type");
		return config_error(c, AT_VALUE, "unknown source type %s",
		    config_quote(type, q, sizeof q));
	}
	snprintf(kind, sizeof kind, "source type \"%s\"", t->name);
	if (config_check_keys(c, v, t->keys, config_source_keys, kind) == -1)
		return -1;
	s->type = t->type;
	if (t->gitlab == 3) {
		if (config_parse_registry_source(c, v, s) == -1)
			return -1;
		config_pop(c);
		return 0;
	}
	if (t->gitlab == 2) {
		/* Gitea and Forgejo: no canonical host, base_url required. */
		if ((rc = config_get_ghrepo(c, v, "repo", &s->repo)) != 1)
			return rc == 0 ? config_missing(c, "repo") : -1;
		s->token_env = xstrdup("GITEA_TOKEN");
		if ((rc = config_get_url(c, v, "base_url", &s->base_url)) != 1)
			return rc == 0 ? config_missing(c, "base_url") : -1;
	} else if (t->gitlab) {
		if ((rc = config_get_glproject(c, v, "project",
		    &s->project)) != 1)
			return rc == 0 ? config_missing(c, "project") : -1;
		s->base_url = xstrdup("https://gitlab.com");
		s->token_env = xstrdup("GITLAB_TOKEN");
		if (config_get_url(c, v, "base_url", &s->base_url) == -1)
			return -1;
	} else {
		if ((rc = config_get_ghrepo(c, v, "repo", &s->repo)) != 1)
			return rc == 0 ? config_missing(c, "repo") : -1;
		s->api = xstrdup("https://api.github.com");
		s->token_env = xstrdup("GITHUB_TOKEN");
		if (config_get_url(c, v, "api", &s->api) == -1)
			return -1;
	}
	if (config_get_envname(c, v, "token_env", &s->token_env) == -1 ||
	    config_get_bool(c, v, "prereleases", &s->prereleases) == -1)
		return -1;
	config_pop(c);
	return 0;
}

/* A regex member (include, exclude) into *dst. */
static int
config_get_regex(struct config_ctx *c, json_t *obj, const char *key,
    char **dst)
{
	json_t *v = json_object_get(obj, key);
	char *why = NULL;
	int rc;

	if (v == NULL)
		return 0;
	config_push_key(c, key);
	if (config_expect(c, v, JSON_STRING, "string") == -1)
		return -1;
	if (filter_check_regex(json_string_value(v), &why) == -1) {
		rc = config_error(c, AT_VALUE, "invalid regex: %s",
		    why != NULL ? why : "cannot compile");
		free(why);
		return rc;
	}
	config_pop(c);
	config_set(dst, json_string_value(v));
	return 1;
}

/*
 * The app's version scheme (default semver); regex-order also needs the
 * named groups in include, checked here so the error names the key.
 */
static int
config_get_versioning(struct config_ctx *c, json_t *obj, struct app_config *a)
{
	const char *s;
	char q[128], *why = NULL;
	int rc, scheme;

	a->versioning = VERSIONING_SEMVER;
	if ((rc = config_get_str(c, obj, "versioning", &s)) != 1)
		return rc;
	config_push_key(c, "versioning");
	if ((scheme = version_scheme_from_name(s)) < 0)
		return config_error(c, AT_VALUE, "unknown versioning %s "
		    "(known: %s)", config_quote(s, q, sizeof q),
		    version_scheme_names());
	config_pop(c);
	a->versioning = scheme;
	if (filter_check_scheme(a->include, scheme, &why) == -1) {
		config_push_key(c, a->include != NULL ? "include" :
		    "versioning");
		rc = config_error(c, AT_VALUE, "%s", why);
		free(why);
		return rc;
	}
	return 1;
}

/* Parse one app; apps before it are already parsed (for duplicates). */
static int
config_parse_app(struct config_ctx *c, struct config *cfg, json_t *v,
    size_t idx)
{
	struct app_config *a = &cfg->apps[idx];
	const char *s;
	char q[128];
	size_t i;
	int rc;

	if (config_check_keys(c, v, config_app_keys, NULL, NULL) == -1)
		return -1;
	if ((rc = config_get_str(c, v, "name", &s)) != 1)
		return rc == 0 ? config_missing(c, "name") : -1;
	config_push_key(c, "name");
	if (!config_valid_component(s, strlen(s)))
		return config_error(c, AT_VALUE, "invalid app name %s: "
		    "lowercase letters and digits, separated by '.', '_' or "
		    "'-'", config_quote(s, q, sizeof q));
	for (i = 0; i < idx; i++) {
		if (strcmp(cfg->apps[i].name, s) == 0)
			return config_error(c, AT_VALUE, "duplicate app name "
			    "%s (also apps[%zu])", config_quote(s, q, sizeof q),
			    i);
	}
	config_pop(c);
	a->name = xstrdup(s);

	if (config_parse_source(c, v, &a->source) == -1 ||
	    config_get_regex(c, v, "include", &a->include) == -1 ||
	    config_get_regex(c, v, "exclude", &a->exclude) == -1 ||
	    config_get_versioning(c, v, a) == -1)
		return -1;

	for (i = 0; i < cfg->narchs; i++)
		a->archs[i] = xstrdup(cfg->archs[i]);
	a->narchs = cfg->narchs;
	if (config_get_archs(c, v, "archs", a->archs, &a->narchs) == -1)
		return -1;
	a->max_versions = cfg->max_versions;
	a->manifest = cfg->manifest;
	if (config_get_intv(c, v, "max_versions", 1, 1000,
	    &a->max_versions) == -1 ||
	    config_get_bool(c, v, "manifest", &a->manifest) == -1)
		return -1;
	if (config_parse_builder(c, v, &a->own_builder) == -1)
		return -1;
	a->builder = a->own_builder != NULL ? a->own_builder : cfg->builder;

	a->image = xstrdup(a->name);
	if ((rc = config_get_str(c, v, "image", &s)) == -1)
		return -1;
	if (rc == 1) {
		config_push_key(c, "image");
		if (!config_valid_repo_path(s))
			return config_error(c, AT_VALUE, "invalid image name "
			    "%s: lowercase path components separated by '/'",
			    config_quote(s, q, sizeof q));
		config_pop(c);
		config_set(&a->image, s);
	}
	if (config_app_targets_parse(c, cfg, v, a) == -1)
		return -1;
	for (i = 0; i < idx; i++) {
		if (strcmp(cfg->apps[i].image, a->image) == 0) {
			config_push_key(c, rc == 1 ? "image" : "name");
			return config_error(c, AT_VALUE, "image %s is also used "
			    "by apps[%zu]", config_quote(a->image, q, sizeof q),
			    i);
		}
	}

	a->image_tag = xstrdup("{version}");
	a->staging_tag = xstrdup(cfg->staging_tag);
	if (config_get_tag_template(c, v, "image_tag", PH_FOR_IMAGE_TAG,
	    PH_VERSION | PH_TAG, "{version} or {tag}", &a->image_tag) == -1 ||
	    config_get_tag_template(c, v, "staging_tag", PH_FOR_STAGING_TAG,
	    PH_ARCH, "{arch}", &a->staging_tag) == -1)
		return -1;
	return 0;
}

/* The runners object. */
static int
config_parse_runners(struct config_ctx *c, json_t *root, struct config *cfg)
{
	json_t *v, *e;
	const char *key;
	char q[128];
	size_t i;
	int rc;

	if ((rc = config_get_obj(c, root, "runners", &v)) == -1)
		return -1;
	if (rc == 0) {
		cfg->runners = xcalloc(2, sizeof *cfg->runners);
		cfg->runners[0].key = xstrdup("amd64");
		cfg->runners[0].value = xstrdup("ubuntu-24.04");
		cfg->runners[1].key = xstrdup("arm64");
		cfg->runners[1].value = xstrdup("ubuntu-24.04-arm");
		cfg->nrunners = 2;
		return 0;
	}
	config_push_key(c, "runners");
	if (json_object_size(v) > CONFIG_MAX_RUNNERS)
		return config_error(c, AT_VALUE, "too many runners");
	cfg->runners = xcalloc(json_object_size(v) + 1, sizeof *cfg->runners);
	json_object_foreach(v, key, e) {
		config_push_key(c, key);
		if (!config_arch_known(key))
			return config_error(c, AT_KEY, "unknown arch %s",
			    config_quote(key, q, sizeof q));
		if (config_expect(c, e, JSON_STRING, "string") == -1)
			return -1;
		for (i = 0; json_string_value(e)[i] != '\0'; i++) {
			if ((unsigned char)json_string_value(e)[i] < ' ')
				return config_error(c, AT_VALUE, "control "
				    "characters are not allowed");
		}
		cfg->runners[cfg->nrunners].key = xstrdup(key);
		cfg->runners[cfg->nrunners].value =
		    xstrdup(json_string_value(e));
		cfg->nrunners++;
		config_pop(c);
	}
	config_pop(c);
	return 0;
}

/* "retention": what prune may remove (defaults when absent). */
static int
config_parse_retention(struct config_ctx *c, json_t *root, struct config *cfg)
{
	json_t *v;
	int rc;

	cfg->retention.min_age_hours = 24;
	cfg->retention.max_deletions = 50;
	cfg->retention.keep_versions = 0;
	if ((rc = config_get_obj(c, root, "retention", &v)) != 1)
		return rc;
	config_push_key(c, "retention");
	if (config_check_keys(c, v, config_retention_keys, NULL, NULL) == -1 ||
	    config_get_intv(c, v, "min_age_hours", 0, 100000,
	    &cfg->retention.min_age_hours) == -1 ||
	    config_get_intv(c, v, "max_deletions", 1, 100000,
	    &cfg->retention.max_deletions) == -1 ||
	    config_get_intv(c, v, "keep_versions", 0, 100000,
	    &cfg->retention.keep_versions) == -1)
		return -1;
	config_pop(c);
	return 0;
}

/* The top-level registry/namespace/plain_http: a one-target shorthand. */
static int
config_parse_shorthand(struct config_ctx *c, json_t *root, struct config *cfg)
{
	const char *s;
	char q[128];
	int rc, loopback;

	cfg->registry = xstrdup("ghcr.io");
	if ((rc = config_get_str(c, root, "registry", &s)) == -1)
		return -1;
	if (rc == 1)
		config_set(&cfg->registry, s);
	config_push_key(c, "registry");
	if (strchr(cfg->registry, '@') != NULL)
		return config_error(c, AT_VALUE, "must not contain "
		    "credentials; they come from the docker config");
	if (!config_valid_hostport(cfg->registry, &loopback))
		return config_error(c, AT_VALUE, "invalid registry %s: "
		    "expected host[:port], without scheme or path",
		    config_quote(cfg->registry, q, sizeof q));
	config_pop(c);

	if ((rc = config_get_str(c, root, "namespace", &s)) != 1)
		return rc == 0 ? config_missing(c, "namespace") : -1;
	config_push_key(c, "namespace");
	if (!config_valid_repo_path(s))
		return config_error(c, AT_VALUE, "invalid namespace %s: "
		    "lowercase path components separated by '/'",
		    config_quote(s, q, sizeof q));
	config_pop(c);
	cfg->namespace = xstrdup(s);

	if (config_get_bool(c, root, "plain_http", &cfg->plain_http) == -1)
		return -1;
	if (cfg->plain_http && !loopback) {
		config_push_key(c, "plain_http");
		return config_error(c, AT_VALUE, "plain HTTP is only allowed "
		    "for a loopback registry (127.0.0.0/8, localhost, [::1]), "
		    "not %s: TLS is never silently downgraded",
		    config_quote(cfg->registry, q, sizeof q));
	}
	config_targets_shorthand(cfg);
	return 0;

}

/* The top-level object. */
static int
config_parse_top(struct config_ctx *c, json_t *root, struct config *cfg)
{
	json_t *apps, *e;
	size_t i;
	int rc;

	if (config_check_keys(c, root, config_top_keys, NULL, NULL) == -1)
		return -1;

	if ((rc = config_targets_parse(c, root, cfg)) == -1)
		return -1;
	if (rc == 0 && config_parse_shorthand(c, root, cfg) == -1)
		return -1;

	cfg->archs[0] = xstrdup("amd64");
	cfg->archs[1] = xstrdup("arm64");
	cfg->narchs = 2;
	cfg->max_versions = 10;
	cfg->refresh_interval = 600;
	cfg->manifest = 1;
	cfg->jobs = 2;
	cfg->http_timeout = 30;
	cfg->http_stall_timeout = 15;
	cfg->http_attempts = 3;
	cfg->staging_tag = xstrdup("{image_tag}-{arch}");
	if (config_get_archs(c, root, "archs", cfg->archs, &cfg->narchs) == -1 ||
	    config_get_intv(c, root, "max_versions", 1, 1000,
	    &cfg->max_versions) == -1 ||
	    config_get_intv(c, root, "refresh_interval", 10, 604800,
	    &cfg->refresh_interval) == -1 ||
	    config_get_bool(c, root, "read_only", &cfg->read_only) == -1 ||
	    config_get_bool(c, root, "manifest", &cfg->manifest) == -1 ||
	    config_get_tag_template(c, root, "staging_tag", PH_FOR_STAGING_TAG,
	    PH_ARCH, "{arch}", &cfg->staging_tag) == -1 ||
	    config_parse_runners(c, root, cfg) == -1 ||
	    config_parse_builder(c, root, &cfg->builder) == -1 ||
	    config_get_intv(c, root, "jobs", 1, 64, &cfg->jobs) == -1 ||
	    config_get_long(c, root, "http_timeout", 1, 600,
	    &cfg->http_timeout) == -1 ||
	    config_get_long(c, root, "http_stall_timeout", 1, 600,
	    &cfg->http_stall_timeout) == -1 ||
	    config_get_intv(c, root, "http_attempts", 1, 10,
	    &cfg->http_attempts) == -1 ||
	    config_parse_retention(c, root, cfg) == -1)
		return -1;

	if (json_object_get(root, "attest") != NULL) {
		char *why = NULL;

		config_push_key(c, "attest");
		if (attest_config_parse(json_object_get(root, "attest"),
		    &cfg->attest, &why) == -1) {
			int err = config_error(c, AT_VALUE, "%s", why);

			free(why);
			return err;
		}
		config_pop(c);
	}
	if ((apps = json_object_get(root, "apps")) == NULL)
		return config_missing(c, "apps");
	config_push_key(c, "apps");
	if (config_expect(c, apps, JSON_ARRAY, "array") == -1)
		return -1;
	if (json_array_size(apps) == 0)
		return config_error(c, AT_VALUE, "must list at least one app");
	if (json_array_size(apps) > CONFIG_MAX_APPS)
		return config_error(c, AT_VALUE, "at most %d apps, got %zu",
		    CONFIG_MAX_APPS, json_array_size(apps));
	cfg->apps = xcalloc(json_array_size(apps), sizeof *cfg->apps);
	json_array_foreach(apps, i, e) {
		config_push_index(c, i);
		cfg->napps = i + 1;
		if (config_expect(c, e, JSON_OBJECT, "object") == -1 ||
		    config_parse_app(c, cfg, e, i) == -1)
			return -1;
		config_pop(c);
	}
	config_pop(c);
	return config_parse_notify(c, root, cfg);
}

/* Parse and validate text; filename names it in messages. */
int
config_parse(const char *text, size_t len, const char *filename,
    struct config **out, char **cause)
{
	struct config_ctx c;
	struct config *cfg;
	json_error_t jerr;
	json_t *root;
	char *msg;

	*out = NULL;
	if (filename == NULL)
		filename = CONFIG_BUILTIN_NAME;
	if (len > CONFIG_MAX_SIZE) {
		*cause = xasprintf("%s: larger than 1 MiB", filename);
		return -1;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		msg = str_oneline(jerr.text, 200);
		*cause = xasprintf("%s:%d:%d: invalid JSON: %s", filename,
		    jerr.line > 0 ? jerr.line : 1,
		    jerr.column > 0 ? jerr.column : 1, msg);
		free(msg);
		return -1;
	}

	memset(&c, 0, sizeof c);
	c.text = text;
	c.len = len;
	c.file = filename;
	cfg = xcalloc(1, sizeof *cfg);
	if (!json_is_object(root))
		config_error(&c, AT_VALUE, "the top level must be an object, "
		    "got %s", config_type_name(root));
	else
		config_parse_top(&c, root, cfg);
	json_decref(root);
	if (c.cause != NULL) {
		config_free(cfg);
		*cause = c.cause;
		return -1;
	}
	*out = cfg;
	return 0;
}

/* Read and parse a file; name is used in messages. */
static int
config_load_file(const char *path, struct config **out, char **cause)
{
	char *text;
	size_t len;

	if (file_read(path, CONFIG_MAX_SIZE, &text, &len) == -1) {
		if (errno == EFBIG)
			*cause = xasprintf("%s: larger than 1 MiB", path);
		else
			*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (config_parse(text, len, path, out, cause) == -1) {
		free(text);
		return -1;
	}
	free(text);
	(*out)->path = xstrdup(path);
	return 0;
}

/* Find the configuration (-c, $MIRRORTOP_CONFIG, XDG, built-in), load it. */
int
config_load(const char *path, struct config **out, char **cause)
{
	const char *env, *home;
	struct stat sb;
	char *candidate = NULL;
	int rc;

	*out = NULL;
	if (path != NULL)
		return config_load_file(path, out, cause);
	if ((env = getenv("MIRRORTOP_CONFIG")) != NULL && *env != '\0')
		return config_load_file(env, out, cause);

	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && env[0] == '/')
		candidate = xasprintf("%s/mirrortop/config.json", env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		candidate = xasprintf("%s/.config/mirrortop/config.json", home);
	if (candidate != NULL) {
		if (stat(candidate, &sb) == 0) {
			rc = config_load_file(candidate, out, cause);
			free(candidate);
			return rc;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			*cause = xasprintf("%s: %s", candidate,
			    strerror(errno));
			free(candidate);
			return -1;
		}
		free(candidate);
	}
	return config_parse(config_default, sizeof config_default - 1,
	    CONFIG_BUILTIN_NAME, out, cause);
}

/* Free a configuration; accepts NULL. */
void
config_free(struct config *cfg)
{
	struct app_config *a;
	size_t i, j;

	if (cfg == NULL)
		return;
	attest_config_free(cfg->attest);
	for (i = 0; i < cfg->napps; i++) {
		a = &cfg->apps[i];
		free(a->name);
		free(a->source.repo);
		free(a->source.project);
		free(a->source.registry);
		free(a->source.repository);
		free(a->source.api);
		free(a->source.base_url);
		free(a->source.token_env);
		free(a->include);
		free(a->exclude);
		for (j = 0; j < a->narchs; j++)
			free(a->archs[j]);
		free(a->image);
		free(a->image_tag);
		free(a->staging_tag);
		config_builder_free(a->own_builder);
	}
	free(cfg->apps);
	for (i = 0; i < cfg->nrunners; i++) {
		free(cfg->runners[i].key);
		free(cfg->runners[i].value);
	}
	free(cfg->runners);
	for (i = 0; i < cfg->narchs; i++)
		free(cfg->archs[i]);
	config_builder_free(cfg->builder);
	config_notify_free(cfg);
	config_targets_free(cfg);
	free(cfg->path);
	free(cfg->registry);
	free(cfg->namespace);
	free(cfg->staging_tag);
	free(cfg);
}

/* The built-in default configuration text. Static storage. */
const char *
config_default_text(void)
{
	return config_default;
}

/* Runner label of an arch, "" when none. Borrowed. */
const char *
config_runner(const struct config *cfg, const char *arch)
{
	size_t i;

	for (i = 0; i < cfg->nrunners; i++) {
		if (strcmp(cfg->runners[i].key, arch) == 0)
			return cfg->runners[i].value;
	}
	return "";
}

/* A JSON array of strings. New reference. */
static json_t *
config_dump_strings(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* A builder as JSON. New reference. */
static json_t *
config_dump_builder(const struct builder_config *b)
{
	json_t *o = json_object(), *in;
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(config_builder_types); i++) {
		if (config_builder_types[i].type == b->type)
			json_object_set_new(o, "type",
			    json_string(config_builder_types[i].name));
	}
	if (b->type == BUILDER_EXEC)
		json_object_set_new(o, "argv",
		    config_dump_strings(b->argv, b->argc));
	else {
		json_object_set_new(o, "repo", json_string(b->repo));
		json_object_set_new(o, "workflow", json_string(b->workflow));
		json_object_set_new(o, "ref", json_string(b->ref));
		in = json_object();
		for (i = 0; i < b->ninputs; i++)
			json_object_set_new(in, b->inputs[i].key,
			    json_string(b->inputs[i].value));
		json_object_set_new(o, "inputs", in);
		json_object_set_new(o, "api", json_string(b->api));
		json_object_set_new(o, "token_env", json_string(b->token_env));
		json_object_set_new(o, "poll_interval",
		    json_integer(b->poll_interval));
	}
	json_object_set_new(o, "timeout", json_integer(b->timeout));
	json_object_set_new(o, "attempts", json_integer(b->attempts));
	return o;
}

/* An app's source as JSON. New reference. */
static json_t *
config_dump_source(const struct source_config *s)
{
	const struct source_type_entry *t = &config_source_types[0];
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(config_source_types); i++) {
		if (config_source_types[i].type == s->type)
			t = &config_source_types[i];
	}
	json_object_set_new(o, "type", json_string(t->name));
	if (t->gitlab == 3) {
		json_object_set_new(o, "registry", json_string(s->registry));
		json_object_set_new(o, "repository",
		    json_string(s->repository));
		json_object_set_new(o, "plain_http",
		    json_boolean(s->plain_http));
		return o;
	}
	if (t->gitlab == 2) {
		json_object_set_new(o, "repo", json_string(s->repo));
		json_object_set_new(o, "base_url", json_string(s->base_url));
	} else if (t->gitlab) {
		json_object_set_new(o, "project", json_string(s->project));
		json_object_set_new(o, "base_url", json_string(s->base_url));
	} else {
		json_object_set_new(o, "repo", json_string(s->repo));
		json_object_set_new(o, "api", json_string(s->api));
	}
	json_object_set_new(o, "token_env", json_string(s->token_env));
	if (config_in_list(t->keys, "prereleases"))
		json_object_set_new(o, "prereleases",
		    json_boolean(s->prereleases));
	return o;
}

/* The effective configuration as pretty JSON plus a newline. Caller frees. */
char *
config_dump(const struct config *cfg)
{
	const struct app_config *a;
	json_t *root, *apps, *o, *runners;
	char *s, *out;
	size_t i;

	root = json_object();
	config_targets_dump(cfg, root);
	json_object_set_new(root, "archs",
	    config_dump_strings(cfg->archs, cfg->narchs));
	json_object_set_new(root, "max_versions",
	    json_integer(cfg->max_versions));
	json_object_set_new(root, "refresh_interval",
	    json_integer(cfg->refresh_interval));
	json_object_set_new(root, "read_only", json_boolean(cfg->read_only));
	json_object_set_new(root, "manifest", json_boolean(cfg->manifest));
	json_object_set_new(root, "staging_tag", json_string(cfg->staging_tag));
	runners = json_object();
	for (i = 0; i < cfg->nrunners; i++)
		json_object_set_new(runners, cfg->runners[i].key,
		    json_string(cfg->runners[i].value));
	json_object_set_new(root, "runners", runners);
	json_object_set_new(root, "jobs", json_integer(cfg->jobs));
	json_object_set_new(root, "http_timeout",
	    json_integer(cfg->http_timeout));
	json_object_set_new(root, "http_stall_timeout",
	    json_integer(cfg->http_stall_timeout));
	json_object_set_new(root, "http_attempts",
	    json_integer(cfg->http_attempts));
	json_object_set_new(root, "retention", json_pack("{s:i, s:i, s:i}",
	    "min_age_hours", cfg->retention.min_age_hours, "max_deletions",
	    cfg->retention.max_deletions, "keep_versions",
	    cfg->retention.keep_versions));
	if (cfg->attest != NULL)
		json_object_set_new(root, "attest",
		    attest_config_dump(cfg->attest));
	if (cfg->builder != NULL)
		json_object_set_new(root, "builder",
		    config_dump_builder(cfg->builder));
	config_notify_dump(cfg, root);

	apps = json_array();
	for (i = 0; i < cfg->napps; i++) {
		a = &cfg->apps[i];
		o = json_object();
		json_object_set_new(o, "name", json_string(a->name));
		json_object_set_new(o, "source", config_dump_source(&a->source));
		if (a->include != NULL)
			json_object_set_new(o, "include",
			    json_string(a->include));
		if (a->exclude != NULL)
			json_object_set_new(o, "exclude",
			    json_string(a->exclude));
		json_object_set_new(o, "versioning",
		    json_string(version_scheme_name(a->versioning)));
		json_object_set_new(o, "archs",
		    config_dump_strings(a->archs, a->narchs));
		json_object_set_new(o, "max_versions",
		    json_integer(a->max_versions));
		json_object_set_new(o, "manifest", json_boolean(a->manifest));
		json_object_set_new(o, "image", json_string(a->image));
		json_object_set_new(o, "image_tag", json_string(a->image_tag));
		json_object_set_new(o, "staging_tag",
		    json_string(a->staging_tag));
		if (a->own_builder != NULL)
			json_object_set_new(o, "builder",
			    config_dump_builder(a->own_builder));
		config_app_targets_dump(cfg, a, o);
		json_array_append_new(apps, o);
	}
	json_object_set_new(root, "apps", apps);

	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s == NULL)
		return NULL;
	out = xasprintf("%s\n", s);
	free(s);
	return out;
}
