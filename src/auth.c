/* auth.c — registry credentials and authentication challenges. */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "auth.h"
#include "auth-int.h"
#include "child.h"
#include "loop.h"
#include "util.h"

#define AUTH_HEADER_MAX		16384	/* longest WWW-Authenticate we parse */
#define AUTH_PARAM_MAX		4096	/* longest parameter value kept */
#define AUTH_CONFIG_MAX		(4 * 1024 * 1024)
#define AUTH_HELPER_MAX		(64 * 1024)
#define AUTH_HELPER_TIMEOUT_MS	10000
#define AUTH_HUB_KEY		"https://index.docker.io/v1/"
#define AUTH_NOT_FOUND_MSG	"credentials not found in native keychain"

/* Docker Hub's host names, all stored under AUTH_HUB_KEY. */
static const char *const auth_hub_aliases[] = {
	"docker.io",
	"index.docker.io",
	"registry-1.docker.io",
	"registry.hub.docker.com",
};

/* A character allowed in an HTTP token (RFC 7230 tchar). */
static int
auth_is_tchar(int c)
{
	return (isalnum(c) || strchr("!#$%&'*+-.^_`|~", c) != NULL) && c != 0;
}

/* A character allowed in a token68 (RFC 7235), not counting '='. */
static int
auth_is_t68char(int c)
{
	return (isalnum(c) || strchr("-._~+/", c) != NULL) && c != 0;
}

/* Skip spaces and tabs. */
static const char *
auth_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Read a token; returns its end (== p if none). */
static const char *
auth_token_end(const char *p)
{
	while (auth_is_tchar((unsigned char)*p))
		p++;
	return p;
}

/*
 * Read a parameter value (token or quoted-string with backslash escapes)
 * starting at *pp. Returns a new string (cut at AUTH_PARAM_MAX); *pp is left
 * after the value. An unterminated quote runs to the end of the header.
 */
static char *
auth_read_value(const char **pp)
{
	const char *p = *pp, *end;
	struct buf b;

	if (*p != '"') {
		end = p;
		while (*end != '\0' && *end != ',' && *end != ' ' &&
		    *end != '\t')
			end++;
		*pp = end;
		return xstrndup(p, (size_t)(end - p) > AUTH_PARAM_MAX ?
		    AUTH_PARAM_MAX : (size_t)(end - p));
	}
	buf_init(&b, AUTH_PARAM_MAX);
	buf_append(&b, "", 0);
	for (p++; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		(void)buf_append(&b, p, 1);	/* over the cap: cut */
	}
	if (*p == '"')
		p++;
	*pp = p;
	return buf_steal(&b);
}

/* Store a parameter in the challenge if it is one we use. */
static void
auth_set_param(struct auth_challenge *c, const char *name, size_t namelen,
    char *value)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} table[] = {
		{ "realm", offsetof(struct auth_challenge, realm) },
		{ "service", offsetof(struct auth_challenge, service) },
		{ "scope", offsetof(struct auth_challenge, scope) },
		{ "error", offsetof(struct auth_challenge, error) },
	};
	size_t i;
	char **slot;

	for (i = 0; i < MT_ARRAY_LEN(table); i++) {
		if (strlen(table[i].name) != namelen ||
		    strncasecmp(table[i].name, name, namelen) != 0)
			continue;
		slot = (char **)((char *)c + table[i].off);
		if (*slot == NULL) {	/* the first occurrence wins */
			*slot = value;
			return;
		}
		break;
	}
	free(value);
}

/*
 * Parse one WWW-Authenticate value into challenges. A scheme is followed by
 * either a token68 or comma-separated name=value parameters; a bare token
 * not followed by '=' starts the next challenge.
 */
size_t
auth_parse_challenges(const char *value, struct auth_challenge *out,
    size_t max)
{
	const char *p, *tok, *tokend, *q;
	struct auth_challenge *c;
	size_t n = 0;
	char *copy;

	if (value == NULL || out == NULL || max == 0)
		return 0;
	copy = xstrndup(value, AUTH_HEADER_MAX);
	p = copy;
	while (n < max) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		tok = p;
		tokend = auth_token_end(p);
		if (tokend == tok) {
			/* Not a scheme: skip to the next comma. */
			while (*p != '\0' && *p != ',')
				p++;
			continue;
		}
		c = &out[n++];
		memset(c, 0, sizeof *c);
		c->scheme = xstrndup(tok, (size_t)(tokend - tok));
		p = tokend;
		if (*p != ' ' && *p != '\t')
			continue;	/* no parameters */
		p = auth_skip_ws(p);

		/* A token68 (e.g. "Negotiate abc==") takes the whole rest. */
		q = p;
		while (auth_is_t68char((unsigned char)*q))
			q++;
		if (q != p) {
			const char *eq = q, *after;

			while (*eq == '=')
				eq++;
			after = auth_skip_ws(eq);
			if (*after == '\0' || *after == ',') {
				p = after;
				continue;
			}
		}

		/* name=value parameters. */
		for (;;) {
			const char *name, *nameend, *save = p;

			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			name = p;
			nameend = auth_token_end(p);
			if (nameend == name) {
				if (*p != '\0') {
					/* Junk: skip to the next comma. */
					while (*p != '\0' && *p != ',')
						p++;
					continue;
				}
				break;
			}
			q = auth_skip_ws(nameend);
			if (*q != '=') {
				p = save;	/* the next challenge */
				break;
			}
			q = auth_skip_ws(q + 1);
			auth_set_param(c, name, (size_t)(nameend - name),
			    auth_read_value(&q));
			p = q;
		}
	}
	free(copy);
	return n;
}

/* Free a challenge's strings. */
void
auth_challenge_free(struct auth_challenge *c)
{
	if (c == NULL)
		return;
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	free(c->error);
	memset(c, 0, sizeof *c);
}

/* Zero a secret string in place and free it. */
static void
auth_wipe(char *s)
{
	volatile char *v = s;

	if (s == NULL)
		return;
	while (*v != '\0')
		*v++ = '\0';
	free(s);
}

/* Zero and free credentials. */
void
auth_cred_clear(struct auth_cred *cred)
{
	if (cred == NULL)
		return;
	auth_wipe(cred->username);
	auth_wipe(cred->secret);
	cred->username = NULL;
	cred->secret = NULL;
}

static const char auth_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard padded base64 of data. Caller frees. */
char *
auth_base64(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out, *o;
	size_t i;

	if (len > (SIZE_MAX / 4) * 3 - 3)
		return NULL;
	out = o = xmalloc((len + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < len; i += 3) {
		*o++ = auth_b64[in[i] >> 2];
		*o++ = auth_b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = auth_b64[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*o++ = auth_b64[in[i + 2] & 63];
	}
	if (i < len) {
		*o++ = auth_b64[in[i] >> 2];
		if (i + 1 < len) {
			*o++ = auth_b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*o++ = auth_b64[(in[i + 1] & 15) << 2];
		} else {
			*o++ = auth_b64[(in[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* The value of one base64 character, or -1. */
static int
auth_b64_value(int c)
{
	const char *p;

	if (c == '\0' || (p = strchr(auth_b64, c)) == NULL)
		return -1;
	return (int)(p - auth_b64);
}

/*
 * Decode standard padded base64 (as Go's StdEncoding: the length must be a
 * multiple of four, padding only at the end). Caller frees; the result is
 * NUL-terminated; NULL on bad input.
 */
char *
auth_base64_decode(const char *s, size_t *outlen)
{
	size_t len, i, o = 0;
	unsigned char *out;
	int v[4], k, pad;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (len % 4 != 0)
		return NULL;
	out = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad != 0 || (v[k] = auth_b64_value(
			    (unsigned char)s[i + k])) < 0)
				goto bad;
		}
		out[o++] = (unsigned char)((v[0] << 2) | (v[1] >> 4));
		if (pad < 2)
			out[o++] = (unsigned char)(((v[1] & 15) << 4) |
			    (v[2] >> 2));
		if (pad < 1)
			out[o++] = (unsigned char)(((v[2] & 3) << 6) | v[3]);
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return (char *)out;
bad:
	free(out);
	return NULL;
}

/* Is host one of Docker Hub's names? */
static int
auth_is_hub(const char *host)
{
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(auth_hub_aliases); i++) {
		if (strcasecmp(host, auth_hub_aliases[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * The host part of a config key: strip "http://" / "https://" and any path
 * (docker's ConvertToHostname). Caller frees.
 */
static char *
auth_key_hostname(const char *key)
{
	const char *p = key;
	size_t n;

	if (str_casecmp_n(p, "https://", 8) == 0)
		p += 8;
	else if (str_casecmp_n(p, "http://", 7) == 0)
		p += 7;
	n = strcspn(p, "/");
	return xstrndup(p, n);
}

/* Does config key match host (after normalization and Hub aliasing)? */
static int
auth_key_matches(const char *key, const char *host)
{
	char *kh = auth_key_hostname(key);
	int match;

	match = strcasecmp(kh, host) == 0 ||
	    (auth_is_hub(host) && auth_is_hub(kh));
	free(kh);
	return match;
}

/*
 * Find the member of obj for host: the exact key, then (for Docker Hub) the
 * historical key, then any key whose hostname is host. Sets *keyp to the
 * key (borrowed). Borrowed reference, or NULL.
 */
static json_t *
auth_find_key(json_t *obj, const char *host, const char **keyp)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	if ((v = json_object_get(obj, host)) != NULL) {
		*keyp = host;
		return v;
	}
	if (auth_is_hub(host) &&
	    (v = json_object_get(obj, AUTH_HUB_KEY)) != NULL) {
		*keyp = AUTH_HUB_KEY;
		return v;
	}
	json_object_foreach(obj, key, v) {
		if (auth_key_matches(key, host)) {
			*keyp = key;
			return v;
		}
	}
	return NULL;
}

/* A helper name is a plain word: no path, no option, no shell syntax. */
static int
auth_helper_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || *name == '\0' || *name == '-' ||
	    strlen(name) > 64)
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL)
			return 0;
	}
	return 1;
}

/*
 * What a credential helper answered (exit status, stdout): 1 found (out
 * filled), 0 it knows nothing for the server, -1 with *cause naming prog
 * and host (never the output when it could be a secret).
 */
int
auth_parse_helper_output(int status, const char *data, size_t len,
    const char *prog, const char *host, struct auth_cred *out, char **cause)
{
	const char *user, *secret;
	json_t *root;
	char *text, *msg;
	int rc = -1;

	/* All len bytes, NULs included, so that all of them are wiped. */
	text = xmalloc(len + 1);
	if (len > 0)
		memcpy(text, data, len);
	text[len] = '\0';
	if (status == 127 && len == 0) {
		*cause = xasprintf("credential helper %s for %s could not be "
		    "run (is it on PATH?)", prog, host);
	} else if (status != 0) {
		if (strstr(text, AUTH_NOT_FOUND_MSG) != NULL)
			rc = 0;
		else if (len > 0 && text[strspn(text, " \t\n")] != '{') {
			msg = str_oneline(text, 200);
			*cause = xasprintf("%s failed for %s: %s", prog, host,
			    msg);
			free(msg);
		} else
			*cause = xasprintf("%s failed for %s (exit status %d)",
			    prog, host, status);
	} else if ((root = json_loadb(data != NULL ? data : "", len, 0,
	    NULL)) == NULL || !json_is_object(root)) {
		json_decref(root);
		*cause = xasprintf("%s returned invalid output for %s", prog,
		    host);
	} else {
		user = json_string_value(json_object_get(root, "Username"));
		secret = json_string_value(json_object_get(root, "Secret"));
		if (secret == NULL || *secret == '\0')
			rc = 0;
		else {
			out->username = xstrdup(user != NULL ? user : "");
			out->secret = xstrdup(secret);
			rc = 1;
		}
		json_decref(root);
	}
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/*
 * Credentials from one "auths" entry. 1 found, 0 empty entry, -1 invalid
 * with *cause (never containing the secret).
 */
static int
auth_from_entry(json_t *entry, const char *path, const char *host,
    struct auth_cred *out, char **cause)
{
	const char *auth, *user, *pass, *tok;
	char *dec, *colon;
	size_t len;

	if (!json_is_object(entry))
		goto invalid;
	tok = json_string_value(json_object_get(entry, "identitytoken"));
	if (tok != NULL && *tok != '\0') {
		out->username = xstrdup("<token>");
		out->secret = xstrdup(tok);
		return 1;
	}
	auth = json_string_value(json_object_get(entry, "auth"));
	if (auth != NULL && *auth != '\0') {
		if ((dec = auth_base64_decode(auth, &len)) == NULL)
			goto invalid;
		colon = strchr(dec, ':');
		if (colon == NULL || colon == dec) {
			memset(dec, 0, len);
			free(dec);
			goto invalid;
		}
		*colon = '\0';
		out->username = xstrdup(dec);
		out->secret = xstrdup(colon + 1);	/* stops at NULs */
		memset(dec, 0, len);
		free(dec);
		return 1;
	}
	user = json_string_value(json_object_get(entry, "username"));
	pass = json_string_value(json_object_get(entry, "password"));
	if (user != NULL && *user != '\0' && pass != NULL) {
		out->username = xstrdup(user);
		out->secret = xstrdup(pass);
		return 1;
	}
	return 0;
invalid:
	*cause = xasprintf("%s: invalid auth entry for %s", path, host);
	return -1;
}

/*
 * What one credentials file (docker config.json, podman auth.json) says
 * for host: 1 found (out filled), 0 nothing, -1 invalid (*cause names the
 * file, never a secret); AUTH_ASK_HELPER / AUTH_ASK_STORE: ask the helper
 * *helper ("docker-credential-NAME") with *server on its stdin; for
 * AUTH_ASK_STORE (credsStore), when the helper knows nothing, parse again
 * with skip_store set to get the "auths" entry.
 */
int
auth_parse_file(const char *text, size_t len, const char *path,
    const char *host, int skip_store, struct auth_cred *out, char **helper,
    char **server, char **cause)
{
	json_t *root, *entry, *v;
	json_error_t jerr;
	const char *key = host, *name;
	int rc;

	*helper = *server = NULL;
	root = json_loadb(text, len, 0, &jerr);
	if (root == NULL || !json_is_object(root)) {
		*cause = xasprintf("%s: invalid JSON (line %d)", path,
		    root == NULL ? jerr.line : 1);
		json_decref(root);
		return -1;
	}
	/* credHelpers[host] wins, then credsStore, then auths. */
	v = auth_find_key(json_object_get(root, "credHelpers"), host, &key);
	if (json_is_string(v)) {
		name = json_string_value(v);
		rc = AUTH_ASK_HELPER;
		if (!auth_helper_name_ok(name)) {
			*cause = xasprintf("%s: invalid credential helper name "
			    "for %s", path, host);
			rc = -1;
		} else {
			*helper = xasprintf("docker-credential-%s", name);
			*server = xstrdup(auth_is_hub(host) ? AUTH_HUB_KEY :
			    key);
		}
		goto done;
	}
	key = host;
	entry = auth_find_key(json_object_get(root, "auths"), host, &key);
	v = json_object_get(root, "credsStore");
	if (!skip_store && json_is_string(v) &&
	    *json_string_value(v) != '\0') {
		name = json_string_value(v);
		rc = AUTH_ASK_STORE;
		if (!auth_helper_name_ok(name)) {
			*cause = xasprintf("%s: invalid credential helper name "
			    "for %s", path, host);
			rc = -1;
		} else {
			*helper = xasprintf("docker-credential-%s", name);
			*server = xstrdup(entry != NULL ? key :
			    (auth_is_hub(host) ? AUTH_HUB_KEY : host));
		}
		goto done;
	}
	rc = entry != NULL ? auth_from_entry(entry, path, host, out, cause) : 0;
done:
	json_decref(root);
	return rc;
}

/* The credential files, in lookup order (caller frees each). */
static size_t
auth_files(char *paths[2])
{
	const char *env, *home;
	size_t n = 0;

	env = getenv("REGISTRY_AUTH_FILE");
	if (env != NULL && *env != '\0')
		paths[n++] = xstrdup(env);
	env = getenv("DOCKER_CONFIG");
	if (env != NULL && *env != '\0')
		paths[n++] = xasprintf("%s/config.json", env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		paths[n++] = xasprintf("%s/.docker/config.json", home);
	return n;
}

/*
 * Walk the files from *file (with *skip_store for that file) until one
 * answers: 1 / -1 as auth_lookup, 0 when none knows host, or
 * AUTH_ASK_HELPER / AUTH_ASK_STORE with *helper and *server to ask
 * (*file then names the file that said so).
 */
static int
auth_files_step(const char *host, size_t *file, int *skip_store,
    struct auth_cred *out, char **helper, char **server, char **cause)
{
	char *paths[2], *data;
	size_t n = auth_files(paths), i, len;
	int rc = 0;

	*helper = *server = NULL;
	for (; *file < n; (*file)++, *skip_store = 0) {
		if (file_read(paths[*file], AUTH_CONFIG_MAX, &data, &len) != 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			*cause = xasprintf("%s: %s", paths[*file],
			    strerror(errno));
			rc = -1;
			break;
		}
		rc = auth_parse_file(data, len, paths[*file], host,
		    *skip_store, out, helper, server, cause);
		explicit_bzero(data, len);
		free(data);
		if (rc != 0)
			break;
	}
	for (i = 0; i < n; i++)
		free(paths[i]);
	return rc;
}

/*
 * Answers by host, kept for the life of the process (or until the
 * registry rejects them: auth_forget), so that a helper runs at most once
 * per registry per credential lifetime, whoever asks.
 */
struct auth_query;

struct auth_entry {
	char			*host;
	int			 done;
	int			 rc;
	struct auth_cred	 cred;
	char			*cause;
	/* While asking a helper. */
	struct loop		*loop;
	size_t			 file;
	int			 skip_store;
	int			 store;
	char			*helper;
	struct child		*child;
	uint64_t		 timer;		/* delivers answers */
	struct auth_query	*queries;
	struct auth_entry	*next;
};

struct auth_query {
	struct auth_entry	*e;
	auth_cb			 cb;
	void			*arg;
	struct auth_query	*next;
};

static struct auth_entry *auth_entries;

static void	auth_advance(struct auth_entry *);

static struct auth_entry *
auth_entry_find(const char *host)
{
	struct auth_entry *e;

	for (e = auth_entries; e != NULL; e = e->next) {
		if (strcmp(e->host, host) == 0)
			return e;
	}
	return NULL;
}

static void
auth_entry_free(struct auth_entry *e)
{
	struct auth_entry **pp;

	for (pp = &auth_entries; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	child_cancel(e->child);
	if (e->timer != 0)
		loop_timer_del(e->loop, e->timer);
	auth_cred_clear(&e->cred);
	free(e->cause);
	free(e->helper);
	free(e->host);
	free(e);
}

/* Timer: hand the answer to every waiting query, one at a time. */
static void
auth_deliver_cb(void *arg)
{
	struct auth_entry *e = arg;
	struct auth_query *q;

	e->timer = 0;
	while ((q = e->queries) != NULL) {
		e->queries = q->next;
		q->cb(e->rc, e->rc == 1 ? &e->cred : NULL, e->cause, q->arg);
		free(q);
	}
}

static void
auth_deliver_later(struct auth_entry *e)
{
	if (e->timer == 0 && e->queries != NULL)
		e->timer = loop_timer_add(e->loop, 0, auth_deliver_cb, e);
}

/* The helper answered (or was killed). */
static void
auth_helper_done(const struct child_result *res, void *arg)
{
	struct auth_entry *e = arg;
	int rc;

	e->child = NULL;
	if (res->timed_out) {
		e->cause = xasprintf("%s: no answer for %s within %d s "
		    "(stopped)", e->helper, e->host,
		    AUTH_HELPER_TIMEOUT_MS / 1000);
		rc = -1;
	} else if (res->too_large) {
		e->cause = xasprintf("%s: more than %d KiB of output for %s "
		    "(stopped)", e->helper, AUTH_HELPER_MAX / 1024, e->host);
		rc = -1;
	} else
		rc = auth_parse_helper_output(res->status, res->out, res->len,
		    e->helper, e->host, &e->cred, &e->cause);
	if (rc == 0) {
		/* credsStore knew nothing: the file's "auths" entry; a
		 * credHelpers helper: the next file. */
		if (e->store)
			e->skip_store = 1;
		else {
			e->file++;
			e->skip_store = 0;
		}
		auth_advance(e);
		return;
	}
	e->rc = rc;
	e->done = 1;
	auth_deliver_later(e);
}

/* Go on reading files; start a helper when one says so. */
static void
auth_advance(struct auth_entry *e)
{
	char *server = NULL, *argv[3];
	int rc;

	free(e->helper);
	e->helper = NULL;
	rc = auth_files_step(e->host, &e->file, &e->skip_store, &e->cred,
	    &e->helper, &server, &e->cause);
	if (rc == AUTH_ASK_HELPER || rc == AUTH_ASK_STORE) {
		char *line = xasprintf("%s\n", server);

		e->store = rc == AUTH_ASK_STORE;
		argv[0] = e->helper;
		argv[1] = (char *)"get";
		argv[2] = NULL;
		e->child = child_start(e->loop, argv, line, strlen(line),
		    AUTH_HELPER_TIMEOUT_MS, AUTH_HELPER_MAX, auth_helper_done,
		    e);
		free(line);
		free(server);
		if (e->child != NULL)
			return;
		e->cause = xasprintf("credential helper %s for %s could not "
		    "be started: %s", e->helper, e->host, strerror(errno));
		rc = -1;
	}
	free(server);
	e->rc = rc;
	e->done = 1;
	auth_deliver_later(e);
}

struct auth_query *
auth_lookup_async(struct loop *loop, const char *host, auth_cb cb,
    void *arg)
{
	struct auth_entry *e;
	struct auth_query *q;

	if ((e = auth_entry_find(host != NULL ? host : "")) == NULL) {
		e = xcalloc(1, sizeof *e);
		e->host = xstrdup(host != NULL ? host : "");
		e->loop = loop;
		e->next = auth_entries;
		auth_entries = e;
		if (*e->host == '\0') {
			e->done = 1;
			e->rc = 0;
		} else
			auth_advance(e);
	}
	if (e->loop != loop && e->done) {
		if (e->timer != 0)
			loop_timer_del(e->loop, e->timer);
		e->timer = 0;
		e->loop = loop;	/* a new loop (tests): answers go there */
	}
	q = xcalloc(1, sizeof *q);
	q->e = e;
	q->cb = cb;
	q->arg = arg;
	q->next = e->queries;
	e->queries = q;
	if (e->done)
		auth_deliver_later(e);
	return q;
}

void
auth_cancel(struct auth_query *q)
{
	struct auth_entry *e;
	struct auth_query **pp;

	if (q == NULL)
		return;
	e = q->e;
	for (pp = &e->queries; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	free(q);
	if (e->queries == NULL && e->timer != 0) {
		loop_timer_del(e->loop, e->timer);
		e->timer = 0;
	}
	/* Nobody waits any more for a helper still running: stop it. */
	if (e->queries == NULL && !e->done)
		auth_entry_free(e);
}

void
auth_forget(const char *host)
{
	struct auth_entry *e = auth_entry_find(host);

	if (e != NULL && e->done && e->queries == NULL)
		auth_entry_free(e);
}

/*
 * Credentials for a registry host: $REGISTRY_AUTH_FILE first, then
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json. 1 found, 0 none,
 * -1 error with *cause. Never runs a helper: a helper's answer is known
 * once auth_lookup_async had it.
 */
int
auth_lookup(const char *host, struct auth_cred *out, char **cause)
{
	struct auth_entry *e;
	char *helper = NULL, *server = NULL;
	size_t file = 0;
	int skip_store = 0, rc;

	memset(out, 0, sizeof *out);
	*cause = NULL;
	if (host == NULL || *host == '\0')
		return 0;
	if ((e = auth_entry_find(host)) != NULL && e->done) {
		if (e->rc == 1) {
			out->username = xstrdup(e->cred.username);
			out->secret = xstrdup(e->cred.secret);
		} else if (e->rc == -1)
			*cause = xstrdup(e->cause);
		return e->rc;
	}
	rc = auth_files_step(host, &file, &skip_store, out, &helper, &server,
	    cause);
	free(helper);
	free(server);
	return rc == AUTH_ASK_HELPER || rc == AUTH_ASK_STORE ? 0 : rc;
}
