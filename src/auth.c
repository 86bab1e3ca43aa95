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

/* Has pid exited? 1 yes (*st set), 2 gone (reaped elsewhere), 0 not yet. */
static int
auth_reap(pid_t pid, int *st)
{
	pid_t w = waitpid(pid, st, WNOHANG);

	if (w == pid)
		return 1;
	if (w < 0 && errno == ECHILD)
		return 2;
	return 0;
}

/*
 * Read everything from fd until EOF, the cap or the deadline. The helper
 * is also watched: once it has exited (*reaped 1 and its status in *st,
 * or 2 when the status is lost),
 * what it wrote is read and the pipe is not waited on any longer, since a
 * process it started may hold the pipe open.
 */
static int
auth_read_child(int fd, struct buf *out, uint64_t deadline, pid_t pid,
    int *st, int *reaped)
{
	char tmp[4096];
	struct pollfd pfd;
	ssize_t n;
	uint64_t now, wait;
	int rc;

	*reaped = 0;
	for (;;) {
		now = time_mono_ms();
		if (now >= deadline)
			return -1;
		wait = deadline - now;
		if (*reaped)
			wait = 0;
		else if (wait > 50)
			wait = 50;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		rc = poll(&pfd, 1, (int)wait);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (*reaped)
				return 0;	/* exited, everything read */
			*reaped = auth_reap(pid, st);
			continue;
		}
		n = read(fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (buf_append(out, tmp, (size_t)n) != 0)
			return -1;
	}
	/* EOF: wait for the exit, still no longer than the deadline. */
	while (!*reaped) {
		if ((*reaped = auth_reap(pid, st)) != 0)
			break;
		if (time_mono_ms() >= deadline)
			return -1;
		(void)poll(NULL, 0, 10);
	}
	return 0;
}

/* A pipe whose ends are closed on exec. */
static int
auth_pipe(int fds[2])
{
	if (pipe(fds) != 0)
		return -1;
	(void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
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

	text = xstrndup(data != NULL ? data : "", len);
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
 * Run "docker-credential-<name> get" with server on stdin (argv only, never
 * a shell). 1 found, 0 not found, -1 error with *cause naming the helper.
 */
static int
auth_run_helper(const char *name, const char *server, const char *host,
    struct auth_cred *out, char **cause)
{
	struct sigaction sa, oldsa;
	struct buf b;
	char *prog, *line;
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status = 0, st, rc = -1;
	int timed_out = 0, reaped = 0;
	pid_t pid, w = -1;
	size_t off, len;
	ssize_t n;

	prog = xstrdup(name);
	if (auth_pipe(in) != 0 || auth_pipe(outp) != 0) {
		*cause = xasprintf("%s: pipe: %s", prog, strerror(errno));
		goto out;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, &oldsa);

	pid = fork();
	if (pid < 0) {
		*cause = xasprintf("%s: fork: %s", prog, strerror(errno));
		sigaction(SIGPIPE, &oldsa, NULL);
		goto out;
	}
	if (pid == 0) {
		char *argv[] = { prog, (char *)"get", NULL };
		int devnull = open("/dev/null", O_WRONLY);

		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(outp[1], 1) < 0)
			_exit(127);
		if (devnull >= 0)
			dup2(devnull, 2);
		execvp(prog, argv);
		_exit(127);
	}
	close(in[0]);
	in[0] = -1;
	close(outp[1]);
	outp[1] = -1;

	line = xasprintf("%s\n", server);
	len = strlen(line);
	for (off = 0; off < len; off += (size_t)n) {
		n = write(in[1], line + off, len - off);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;	/* the helper may exit without reading */
	}
	free(line);
	close(in[1]);
	in[1] = -1;

	buf_init(&b, AUTH_HELPER_MAX);
	buf_append(&b, "", 0);
	if (auth_read_child(outp[0], &b, time_mono_ms() +
	    AUTH_HELPER_TIMEOUT_MS, pid, &st, &reaped) != 0) {
		timed_out = 1;
		if (!reaped)
			kill(pid, SIGKILL);
	}
	if (reaped)
		w = reaped == 1 ? pid : -1;
	else {
		while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
			;
	}
	sigaction(SIGPIPE, &oldsa, NULL);
	if (w == pid)
		status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	/* w < 0 (reaped elsewhere): judge by the output alone. */

	if (timed_out) {
		*cause = xasprintf("%s: no answer for %s (timed out or output "
		    "too large)", prog, host);
	} else
		rc = auth_parse_helper_output(status, b.data, b.len, prog,
		    host, out, cause);
	if (b.data != NULL)
		memset(b.data, 0, b.cap);
	buf_free(&b);
out:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	free(prog);
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

/* Look host up in one config file. Same return convention as auth_lookup. */
static int
auth_lookup_file(const char *path, const char *host, struct auth_cred *out,
    char **cause)
{
	char *data = NULL, *helper, *server;
	size_t len;
	int rc, skip_store = 0;

again:
	if (file_read(path, AUTH_CONFIG_MAX, &data, &len) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	rc = auth_parse_file(data, len, path, host, skip_store, out, &helper,
	    &server, cause);
	explicit_bzero(data, len);
	free(data);
	if (rc == AUTH_ASK_HELPER || rc == AUTH_ASK_STORE) {
		int store = rc == AUTH_ASK_STORE;

		rc = auth_run_helper(helper, server, host, out, cause);
		free(helper);
		free(server);
		if (rc == 0 && store) {
			skip_store = 1;
			goto again;
		}
	}
	return rc;
}

/*
 * Credentials for a registry host: $REGISTRY_AUTH_FILE first, then
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json. 1 found, 0 none,
 * -1 error with *cause.
 */
int
auth_lookup(const char *host, struct auth_cred *out, char **cause)
{
	const char *env, *home;
	char *path;
	int rc;

	memset(out, 0, sizeof *out);
	*cause = NULL;
	if (host == NULL || *host == '\0')
		return 0;

	env = getenv("REGISTRY_AUTH_FILE");
	if (env != NULL && *env != '\0') {
		rc = auth_lookup_file(env, host, out, cause);
		if (rc != 0)
			return rc;
	}

	env = getenv("DOCKER_CONFIG");
	if (env != NULL && *env != '\0')
		path = xasprintf("%s/config.json", env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		path = xasprintf("%s/.docker/config.json", home);
	else
		return 0;
	rc = auth_lookup_file(path, host, out, cause);
	free(path);
	return rc;
}
