/*
 * fuzz.h — shared helpers of the libFuzzer harnesses (see doc/fuzzing.md).
 *
 * Each harness is one program defining LLVMFuzzerTestOneInput(); it must
 * free everything it allocates (leaks are findings), never write files,
 * and call only what a real run would call on such input.
 */
#ifndef MT_FUZZ_H
#define MT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* A NUL-terminated copy of the input (which is not terminated). */
static inline char *
fuzz_str(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/*
 * Split a copy of the input at the first n - 1 newlines into n strings
 * (missing parts are ""); parts[n - 1] keeps the rest, newlines included.
 * Returns the copy, which owns the parts.
 */
static inline char *
fuzz_split(const uint8_t *data, size_t len, char **parts, size_t n)
{
	char *s = fuzz_str(data, len), *p = s, *nl;
	size_t i;

	for (i = 0; i < n; i++) {
		parts[i] = p;
		if (i + 1 < n && (nl = strchr(p, '\n')) != NULL) {
			*nl = '\0';
			p = nl + 1;
		} else if (i + 1 < n)
			p = s + strlen(s);	/* "" from here on */
	}
	return s;
}

#endif
