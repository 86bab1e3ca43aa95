/*
 * source.h — upstream release/tag lists: github-releases, github-tags,
 * gitlab-tags, gitlab-releases, gitea-tags, gitea-releases (registry-tags:
 * source-registry.h). Follows
 * pagination to the end, uses ETag conditional requests, reports rate
 * limits.
 */
#ifndef MT_SOURCE_H
#define MT_SOURCE_H

#include <stddef.h>
#include <time.h>

struct http;
struct source_config;

/* One upstream entry. Every string is untrusted and may be NULL. */
struct upstream_tag {
	char	*tag;		/* tag name */
	char	*name;		/* release name (releases only) */
	char	*published_at;	/* ISO 8601 (releases: published_at; gitlab: created_at/released_at) */
	char	*html_url;	/* the release's page as the upstream names
				 * it (release-url.h decides), or NULL */
	int	 prerelease;	/* github-releases flag */
	int	 draft;		/* github-releases flag */
};

struct source_result {
	struct upstream_tag	*tags;
	size_t			 ntags;
	char			*error;		/* one line, or NULL */
	time_t			 rate_limited_until; /* 0 if not */
	int			 pages;		/* pages fetched (incl. 304) */
	int			 skipped;	/* malformed entries ignored */
};

/*
 * Called once. The callee takes ownership of res (source_result_free).
 */
typedef void (*source_cb)(struct source_result *res, void *arg);

/* Start fetching; -1 (cb not called) only on a bad config. */
int	source_fetch(struct http *, const struct source_config *, source_cb,
	    void *arg);
void	source_result_free(struct source_result *);
/* Cancel every fetch started with arg on this http; cb is not called. */
void	source_cancel(struct http *, void *arg);
/* Cancel every fetch on this http; call before http_free(). */
void	source_cancel_all(struct http *);
/* "github-releases" etc. -> type index; -1 if unknown. */
int	source_type_from_name(const char *);
const char *source_type_name(int);

#endif
