/*
 * fuzz-auth-file.c — docker config.json and podman auth.json as mirrortop
 * reads them (auths entries with base64 auth, identity tokens, credsStore,
 * credHelpers), for Docker Hub, a named and a loopback registry. No helper
 * is run. Input: the file.
 */
#include "fuzz.h"
#include "auth.h"
#include "auth-int.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const hosts[] = {
		"docker.io", "ghcr.io", "127.0.0.1:5000",
	};
	struct auth_cred cred;
	char *helper, *server, *cause;
	size_t i;
	int rc, skip;

	for (i = 0; i < 3; i++) {
		for (skip = 0; skip < 2; skip++) {
			memset(&cred, 0, sizeof cred);
			cause = NULL;
			rc = auth_parse_file((const char *)data, len,
			    "config.json", hosts[i], skip, &cred, &helper,
			    &server, &cause);
			if (rc == 1 && (cred.username == NULL ||
			    cred.secret == NULL))
				abort();
			if (rc == -1 && cause == NULL)
				abort();
			if ((rc == AUTH_ASK_HELPER || rc == AUTH_ASK_STORE) &&
			    (helper == NULL || server == NULL))
				abort();
			if (skip && rc == AUTH_ASK_STORE)
				abort();
			auth_cred_clear(&cred);
			free(helper);
			free(server);
			free(cause);
		}
	}
	return 0;
}
