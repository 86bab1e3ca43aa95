/*
 * fuzz-manifest.c — image manifests and indexes (OCI and Docker) as a
 * registry answers them. Input: the Content-Type on the first line, the
 * body after it.
 */
#include "fuzz.h"
#include "registry.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct registry_manifest m;
	char *part[2], *s = fuzz_split(data, len, part, 2), *cause = NULL;
	size_t blen = len - (size_t)(part[1] - s);

	if (part[1] > s + len)
		blen = 0;
	memset(&m, 0, sizeof m);
	if (registry_parse_manifest(part[1], blen,
	    *part[0] != '\0' ? part[0] : NULL, &m, &cause) == 0) {
		if (cause != NULL)
			abort();
	} else if (cause == NULL)
		abort();
	registry_manifest_clear(&m);
	free(cause);
	free(s);
	return 0;
}
