/*
 * fuzz-ratelimit.c — Retry-After and the rate-limit headers of GitHub,
 * GitLab and registries, as the http layer records them. Input: a status
 * on the first line, then "Name: value" header lines.
 */
#include "fuzz.h"
#include "http.h"
#include "http-int.h"
#include "loop.h"

static struct loop *fz_loop;
static struct http *fz_http;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_loop = loop_new();
	fz_http = http_new(fz_loop);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct http_header hd[64];
	const struct http_ratelimit *rl;
	char *s = fuzz_str(data, len), *p, *nl, *colon;
	long status = strtol(s, NULL, 10), ra;
	long long v;
	size_t n = 0, i, nrl;

	p = strchr(s, '\n');
	p = p != NULL ? p + 1 : s + strlen(s);
	while (*p != '\0' && n < 64) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		if ((colon = strchr(p, ':')) != NULL) {
			*colon = '\0';
			hd[n].name = p;
			hd[n].value = colon + 1 + strspn(colon + 1, " ");
			n++;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	for (i = 0; i < n; i++) {
		ra = http_retry_after(hd[i].value);
		if (ra < -1)
			abort();
		(void)http_parse_long(hd[i].value, &v);
	}
	http_ratelimit_note(fz_http, "https://api.github.com/repos/o/r/tags",
	    status, (int)(len & 1), hd, n);
	http_ratelimit_note(fz_http, "https://gitlab.com:443/api/v4/x",
	    status, 0, hd, n);
	/* Two hosts, each with at most one budget per family of headers
	 * (x-ratelimit-*, ratelimit-*): never more, and never two alike. */
	nrl = http_ratelimits(fz_http, &rl);
	if (nrl > 4)
		abort();
	for (i = 0; i < nrl; i++) {
		size_t k;

		for (k = i + 1; k < nrl; k++)
			if (strcmp(rl[i].key, rl[k].key) == 0)
				abort();
	}
	free(s);
	return 0;
}
