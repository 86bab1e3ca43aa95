/*
 * fuzz-ghcr-versions.c — a page of GHCR package versions as the GitHub
 * Packages API answers it (ghcr-packages.c): the versions kept (id,
 * sha256 name, tags, updated_at), bounded. Input: the page's body.
 */
#include "fuzz.h"
#include "ghcr-packages.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ghcr_versions vs = { NULL, 0 };
	char *cause = NULL, *s = fuzz_str(data, len);
	size_t i, k;
	int r;

	r = ghcr_parse_versions(s, len, &vs, &cause);
	if ((r == 0) != (cause == NULL))
		abort();
	for (i = 0; i < vs.n; i++) {
		if (vs.v[i].id <= 0 || vs.v[i].digest == NULL ||
		    strlen(vs.v[i].digest) != 71 ||
		    vs.v[i].ntags > GHCR_MAX_TAGS ||
		    ghcr_find(&vs, vs.v[i].digest) == NULL)
			abort();
		for (k = 0; k < vs.v[i].ntags; k++)
			if (vs.v[i].tags[k] == NULL ||
			    strlen(vs.v[i].tags[k]) > 255)
				abort();
	}
	if (vs.n > GHCR_MAX_VERSIONS)
		abort();
	ghcr_versions_clear(&vs);
	free(cause);
	free(s);
	return 0;
}
