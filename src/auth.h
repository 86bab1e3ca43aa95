/*
 * auth.h — registry credentials and authentication challenges.
 *
 * Credentials come from $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json (auths, credsStore, credHelpers through the
 * docker-credential-<helper> protocol). Secrets live only in memory: no
 * function here logs or formats them into a message.
 */
#ifndef MT_AUTH_H
#define MT_AUTH_H

#include <stddef.h>

struct auth_challenge {
	char	*scheme;	/* "Bearer" / "Basic" (as sent) */
	char	*realm;
	char	*service;
	char	*scope;
	char	*error;		/* e.g. "insufficient_scope" */
};

/*
 * Parse a WWW-Authenticate header value (RFC 7235/6750: several
 * challenges, quoted-string params with escapes, commas inside quotes).
 * Fills up to max challenges; returns the number parsed (0 if none).
 */
size_t	auth_parse_challenges(const char *value, struct auth_challenge *out,
	    size_t max);
void	auth_challenge_free(struct auth_challenge *);

struct auth_cred {
	char	*username;	/* "<token>" means secret is an identity token */
	char	*secret;	/* password / token */
};

/*
 * Look up credentials for a registry host ("ghcr.io", "127.0.0.1:5000").
 * 1 found (out filled; auth_cred_clear), 0 none, -1 error (*cause, which
 * never contains the secret; caller frees).
 */
int	auth_lookup(const char *host, struct auth_cred *out, char **cause);
void	auth_cred_clear(struct auth_cred *);	/* zeroes and frees */

/*
 * The same without blocking the loop: the files are read at once; a
 * credential helper (credHelpers, credsStore) runs as a child on the loop,
 * stopped after 10 s or 64 KiB of output. Answers are kept by host for the
 * life of the process (until auth_forget), so each registry's helper runs
 * at most once whoever asks, and concurrent lookups share one run. cb is
 * called once, from the loop, never from inside this call; cred and cause
 * are borrowed. auth_lookup() above never runs a helper: it returns a
 * helper's answer once this had it.
 */
struct loop;
struct auth_query;
typedef void (*auth_cb)(int rc, const struct auth_cred *cred,
	    const char *cause, void *arg);
struct auth_query *auth_lookup_async(struct loop *, const char *host,
	    auth_cb, void *arg);
void	auth_cancel(struct auth_query *);	/* cb not called; NULL ok */
/* The registry rejected host's credentials: ask again next time. */
void	auth_forget(const char *host);

/* base64 (standard, padded). Caller frees. */
char	*auth_base64(const void *, size_t);
/* Decode standard base64; caller frees; NULL on bad input. */
char	*auth_base64_decode(const char *, size_t *outlen);

#endif
