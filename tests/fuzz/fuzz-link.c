/*
 * fuzz-link.c — the Link header (rel="next" of GitHub, GitLab and registry
 * pagination) and relative URL resolution. Input: a base URL on the first
 * line, the header value after it.
 */
#include "fuzz.h"
#include "http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *part[2], *s = fuzz_split(data, len, part, 2), *r;
	const char *base = *part[0] != '\0' ? part[0] :
	    "https://api.github.com/repos/o/r/releases?per_page=100";

	free(http_link_next(part[1], base));
	free(http_link_next(part[1], "https://registry.example/v2/a/tags/list"));
	r = http_url_resolve(base, part[1]);
	free(r);
	free(http_escape(part[1]));
	free(s);
	return 0;
}
