/*
 * source-registry.h — the registry-tags upstream: the versions of an image
 * in another registry (Docker Hub's library/postgres, quay.io, any OCI
 * registry), read from its tag list. The list is read with the registry
 * client (registry.h): Link pagination, the token realm and service from
 * the registry's own challenge (anonymous unless the docker configuration
 * has credentials for that host), Docker Hub's names (docker.io, library/)
 * and its pull budget. Tags carry no dates and are never drafts or
 * pre-releases by flag: the filters and the versioning scheme decide.
 */
#ifndef MT_SOURCE_REGISTRY_H
#define MT_SOURCE_REGISTRY_H

#include "source.h"

struct upstream_regs;

/* A pool of registry clients for upstreams, one per host and scheme. */
struct upstream_regs	*upstream_regs_new(struct http *);
/* Free the pool: fetches in flight are cancelled, their callbacks not
 * called. Call before the http it was made with is freed. */
void			 upstream_regs_free(struct upstream_regs *);
/*
 * Fetch the tag list sc names (type registry-tags). cb is called once,
 * later, with a result of its own (source_result_free). -1 (cb not
 * called) when sc is not a usable registry-tags source.
 */
int			 source_registry_fetch(struct upstream_regs *,
			     const struct source_config *, source_cb,
			     void *arg);

#endif
