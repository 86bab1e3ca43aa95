/*
 * http-int.h — the header parsers of http.c, for unit tests and the
 * fuzzing harnesses (tests/fuzz/). Not part of the http API.
 */
#ifndef MT_HTTP_INT_H
#define MT_HTTP_INT_H

#include "http.h"

/* A leading integer of a header value ("100;w=21600" -> 100); -1 if none. */
int	http_parse_long(const char *, long long *out);
/* Retry-After as seconds from now (delay-seconds or HTTP-date); -1 if bad. */
long	http_retry_after(const char *);
/* Record the rate-limit headers of a response from url in h's budgets. */
int	http_ratelimit_note(struct http *h, const char *url, long status,
	    int secondary, const struct http_header *, size_t n);

/* An ETag cache file (state dir, http-cache/): see http_cache_parse(). */
struct http_cache_entry {
	char			*etag;
	char			*body;		/* NUL-terminated, len bytes */
	size_t			 len;
	struct http_header	*hdrs;
	size_t			 nhdrs;
};
/*
 * Parse the bytes of a cache file: 0 with *e filled in, or -1 (not one, a
 * torn write, a body that does not match its checksum) with *e empty.
 */
int	http_cache_parse(const char *data, size_t len,
	    struct http_cache_entry *);
void	http_cache_entry_free(struct http_cache_entry *);

#endif
