/*
 * fuzz-http-cache.c — the ETag cache files of the state dir (http-cache/),
 * which any process on the state dir, a crash or a full disk may have left
 * torn, and the entries of the digest cache (cache/). Input: the first
 * byte picks the file kind; the rest is the file. Digest cache entries
 * are checked against the digest of what follows their header line, so
 * the harness also builds a valid entry around the input's body.
 */
#include <stdio.h>

#include "cache.h"
#include "fuzz.h"
#include "http-int.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct http_cache_entry e;
	char digest[80], *mt = NULL, *body = NULL;
	const char *nl;
	size_t blen = 0, hlen;

	if (len < 1)
		return 0;
	data++;
	len--;
	if ((data[-1] & 1) == 0) {
		if (http_cache_parse((const char *)data, len, &e) == 0) {
			if (e.etag == NULL || *e.etag == '\0' ||
			    e.body == NULL || e.body[e.len] != '\0')
				abort();
			for (size_t i = 0; i < e.nhdrs; i++)
				if (e.hdrs[i].name == NULL ||
				    e.hdrs[i].value == NULL)
					abort();
		} else if (e.etag != NULL || e.body != NULL || e.nhdrs != 0)
			abort();
		http_cache_entry_free(&e);
		return 0;
	}
	/* A digest cache entry: as it is, then with the digest of its body. */
	nl = memchr(data, '\n', len);
	hlen = nl != NULL ? (size_t)(nl - (const char *)data) + 1 : len;
	sha256_digest((const char *)data + hlen, len - hlen, digest,
	    sizeof digest);
	if (cache_entry_parse((const char *)data, len, "sha256:0", &mt, &body,
	    &blen) == 0)
		abort();	/* nothing hashes to that */
	if (cache_entry_parse((const char *)data, len, digest, &mt, &body,
	    &blen) == 0) {
		if (blen != len - hlen || body[blen] != '\0' ||
		    memcmp(body, data + hlen, blen) != 0)
			abort();
		if (mt != NULL)
			for (size_t i = 0; mt[i] != '\0'; i++)
				if ((unsigned char)mt[i] <= ' ' ||
				    (unsigned char)mt[i] >= 0x7f)
					abort();	/* header-safe */
	} else if (mt != NULL || body != NULL)
		abort();
	free(mt);
	free(body);
	return 0;
}
