/*
 * fuzz-registry-response.c — what a registry (or its token service) sends
 * besides manifests: the error body of a failed response (JSON errors,
 * {"message"}, text, HTML), a token response, a tags/list page, and an
 * image config blob. Input: see response.h; the first byte's low two bits
 * pick the parser, the rest is the response.
 */
#include "registry.h"
#include "registry-int.h"
#include "response.h"

static void
fz_one_line(const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();	/* errors are one clean line */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fuzz_response f;
	struct registry_platform p;
	char *s, *code = NULL, **tags = NULL, *pj = NULL;
	long long exp;
	size_t ntags = 0, count = 0, i;
	int saw = 0, rc;

	if (len < 1)
		return 0;
	fuzz_response(&f, data + 1, len - 1,
	    "https://registry.example/v2/mirror/app/tags/list");
	switch (data[0] & 3) {
	case 0:
		s = reg_describe(&f.r, &code);
		if (s == NULL)
			abort();
		fz_one_line(s);
		fz_one_line(code);
		free(s);
		free(code);
		break;
	case 1:
		if (reg_token_parse(&f.r, &s, &exp) == 0) {
			if (s == NULL || *s == '\0' || exp <= 0)
				abort();
			for (i = 0; s[i] != '\0'; i++)
				if (s[i] <= ' ' || s[i] > '~')
					abort();	/* header-safe */
			free(s);
		} else if (s != NULL)
			abort();
		break;
	case 2:
		rc = reg_tags_page_parse(&f.r, "1.0.0", &tags, &ntags, &count,
		    &saw);
		if (rc == 0 && ntags > count)
			abort();
		for (i = 0; i < ntags; i++) {
			if (tags[i] == NULL || strchr(tags[i], '/') != NULL)
				abort();	/* usable in a URL */
			free(tags[i]);
		}
		free(tags);
		break;
	default:
		memset(&p, 0, sizeof p);
		(void)reg_parse_config(f.r.body, f.r.len, &p, &pj);
		free(p.os);
		free(p.architecture);
		free(p.variant);
		free(p.digest);
		free(p.media_type);
		free(pj);
		break;
	}
	free(f.copy);
	return 0;
}
