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

/*
 * A raw exchange on repo's API with the registry's authentication (the
 * challenge flow, tokens cached per scope), for what the manifest calls
 * do not cover: blobs (registry-blob.c). The URL is path under
 * "/v2/<repo>/" or url, absolute and on the registry's own host (an
 * upload location). A write method asks for push; also_pull adds read
 * rights on another repository to the token (a mount's from=). A
 * request with a source is not sent again after a challenge: its 401 is
 * answered (send something without a source first to authenticate).
 * The callback gets the answer as it is, once (status 0 and error set
 * on a failure before any answer); it is borrowed.
 */
struct registry_raw {
	const char	*method;	/* NULL: GET */
	const char	*path;
	const char	*url;
	const char	*content_type;	/* NULL: none */
	const char	*body;		/* copied */
	size_t		 len;
	size_t		 max_body;	/* an answer kept whole; 0: 64 KiB */
	int		 follow;	/* follow redirects (blob GETs) */
	const char	*also_pull;
	/* streaming, as in http.h */
	size_t		(*sink)(const char *, size_t, void *);
	size_t		(*source)(char *, size_t, void *);
	void		*stream_arg;
	long long	 upload_len;
};
typedef void (*registry_raw_cb)(const struct http_response *, void *arg);
void	 registry_raw(struct registry *, const char *repo,
	    const struct registry_raw *, registry_raw_cb, void *arg);
/* Let the paused streams of raw exchanges started with arg go on (from a
 * timer, never from a sink or source). */
void	 registry_raw_resume(struct registry *, void *arg);
/* The name repo has in the registry's API ("library/x" on Docker Hub).
 * Caller frees. */
char	*registry_api_repo(const struct registry *, const char *repo);

#endif
