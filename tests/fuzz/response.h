/*
 * response.h — an HTTP response from fuzz input, for the harnesses of
 * response parsers: the status on the first line, header lines
 * "Name: value" up to an empty line, then the body (NULs kept).
 * tests/fuzz/seed.py writes recorded exchanges in this form.
 */
#ifndef MT_FUZZ_RESPONSE_H
#define MT_FUZZ_RESPONSE_H

#include "fuzz.h"
#include "http.h"

#define FUZZ_MAX_HEADERS	64

struct fuzz_response {
	struct http_response	 r;
	struct http_header	 hd[FUZZ_MAX_HEADERS];
	char			*copy;
};

static inline void
fuzz_response(struct fuzz_response *f, const uint8_t *data, size_t len,
    const char *url)
{
	char *p, *end, *nl, *colon;

	memset(f, 0, sizeof *f);
	f->copy = malloc(len + 1);
	if (f->copy == NULL)
		abort();
	memcpy(f->copy, data, len);
	f->copy[len] = '\0';
	end = f->copy + len;
	f->r.status = strtol(f->copy, NULL, 10);
	f->r.url = (char *)url;
	f->r.attempts = 1;
	f->r.headers = f->hd;
	p = memchr(f->copy, '\n', len);
	p = p != NULL ? p + 1 : end;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl == p || (nl == p + 1 && *p == '\r')) {
			p = nl < end ? nl + 1 : end;
			break;
		}
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if ((colon = strchr(p, ':')) != NULL &&
		    f->r.nheaders < FUZZ_MAX_HEADERS) {
			*colon = '\0';
			f->hd[f->r.nheaders].name = p;
			f->hd[f->r.nheaders].value = colon + 1 +
			    strspn(colon + 1, " \t");
			f->r.nheaders++;
		}
		p = nl < end ? nl + 1 : end;
	}
	f->r.body = p;
	f->r.len = (size_t)(end - p);
}

#endif
