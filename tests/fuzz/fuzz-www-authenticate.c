/*
 * fuzz-www-authenticate.c — WWW-Authenticate challenges from a registry
 * (RFC 7235 / RFC 6750). Input: the header value.
 */
#include "fuzz.h"
#include "auth.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct auth_challenge c[8];
	char *s = fuzz_str(data, len);
	size_t n, i;

	memset(c, 0, sizeof c);
	n = auth_parse_challenges(s, c, 8);
	if (n > 8)
		abort();
	for (i = 0; i < n; i++) {
		if (c[i].scheme == NULL)
			abort();
		auth_challenge_free(&c[i]);
	}
	free(s);
	return 0;
}
