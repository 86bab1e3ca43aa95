/*
 * source-int.h — the response parsing of source.c, for unit tests and the
 * fuzzing harnesses (tests/fuzz/). Not part of the source API.
 */
#ifndef MT_SOURCE_INT_H
#define MT_SOURCE_INT_H

#include "http.h"
#include "source.h"

/*
 * What a fetch of type (SOURCE_GITHUB_RELEASES...) makes of one response
 * to url: the page's entries, or the one-line error of a failed response
 * (rate limits included); *next gets the next page's URL (caller frees).
 * NULL for an unknown type. Caller frees with source_result_free.
 */
struct source_result *source_parse_response(int type, int prereleases,
	    const char *url, const struct http_response *, char **next);

#endif
