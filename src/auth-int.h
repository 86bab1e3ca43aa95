/*
 * auth-int.h — the parsers of auth.c, for unit tests and the fuzzing
 * harnesses (tests/fuzz/). Not part of the auth API.
 */
#ifndef MT_AUTH_INT_H
#define MT_AUTH_INT_H

#include <stddef.h>

#include "auth.h"

#define AUTH_ASK_HELPER	2	/* credHelpers: the helper's answer is final */
#define AUTH_ASK_STORE	3	/* credsStore: else the "auths" entry */

int	auth_parse_file(const char *text, size_t len, const char *path,
	    const char *host, int skip_store, struct auth_cred *out,
	    char **helper, char **server, char **cause);
int	auth_parse_helper_output(int status, const char *out, size_t len,
	    const char *prog, const char *host, struct auth_cred *,
	    char **cause);

#endif
