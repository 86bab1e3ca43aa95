/*
 * registry-int.h — the registry client's parsers of what a registry sends
 * (error bodies, token responses, tag list pages, image configs), for the
 * fuzzing harnesses and unit tests. Nothing outside src/registry*.c and
 * tests/ includes this.
 */
#ifndef MT_REGISTRY_INT_H
#define MT_REGISTRY_INT_H

#include <stddef.h>

#include "http.h"
#include "registry.h"

/*
 * A one-line summary of a failed response ("HTTP 404 NAME_UNKNOWN: ...");
 * *code gets the registry's error code when code is not NULL. Caller
 * frees both.
 */
char	*reg_describe(const struct http_response *, char **code);
/* A token response: 0 with *value (header-safe) and *expires_in, or -1. */
int	 reg_token_parse(const struct http_response *, char **value,
	    long long *expires_in);
/*
 * One tags/list page: the usable tags into *tags (*ntags of them; caller
 * frees each and the array), *count entries in the page, *saw_last when
 * last is among them. 0 ok, -1 not a tag list, -2 too many tags.
 */
int	 reg_tags_page_parse(const struct http_response *, const char *last,
	    char ***tags, size_t *ntags, size_t *count, int *saw_last);
/* An image config blob: its platform, and the platform as JSON. 0 or -1. */
int	 reg_parse_config(const char *body, size_t len,
	    struct registry_platform *, char **platform_json);

#endif
