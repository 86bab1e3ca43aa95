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

#endif
