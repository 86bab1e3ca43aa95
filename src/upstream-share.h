/*
 * upstream-share.h — one fetch per upstream: apps whose sources name the
 * same list (type, repository or project, API base, token variable) share
 * one walk of its pages, and so one request and one ETag per page, when
 * their refreshes overlap.
 */
#ifndef MT_UPSTREAM_SHARE_H
#define MT_UPSTREAM_SHARE_H

#include "source.h"

struct share;

struct share	*share_new(struct http *);
/* Free; fetches in flight must be cancelled first (source_cancel_all);
 * registry-tags fetches are cancelled here. Before the http is freed. */
void		 share_free(struct share *);
/*
 * Fetch sc's list, or join an identical fetch in flight. cb is called
 * once with a result of its own (source_result_free). -1 (cb not called)
 * on a bad config.
 */
int		 share_fetch(struct share *, const struct source_config *,
		     source_cb, void *arg);
/* Fetches started so far, and joins that needed none (for tests). */
void		 share_counts(const struct share *, unsigned long *fetches,
		     unsigned long *joins);

#endif
