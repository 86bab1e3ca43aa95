/*
 * fuzz-helper-output.c — what a docker-credential-* helper prints, for
 * each exit status class. Input: the output.
 */
#include "fuzz.h"
#include "auth.h"
#include "auth-int.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const int statuses[] = { 0, 1, 127 };
	struct auth_cred cred;
	char *cause;
	size_t i;
	int rc;

	for (i = 0; i < 3; i++) {
		memset(&cred, 0, sizeof cred);
		cause = NULL;
		rc = auth_parse_helper_output(statuses[i], (const char *)data,
		    len, "docker-credential-x", "ghcr.io", &cred, &cause);
		if (rc == -1 && (cause == NULL || strchr(cause, '\n') != NULL))
			abort();
		if (rc == 1 && cred.secret == NULL)
			abort();
		auth_cred_clear(&cred);
		free(cause);
	}
	return 0;
}
