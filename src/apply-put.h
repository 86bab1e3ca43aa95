/*
 * apply-put.h — the one way a manifest is written: PUT exact bytes under
 * tags, once each tag is what the plan saw, then read each back.
 *
 * Only apply's steps call it (apply.c; the untag step of prune in
 * registry-delete.c, for its placeholder), for a plan the user saw:
 * merge.c resolves an index without writing, plan.c plans, apply.c
 * executes.
 */
#ifndef MT_APPLY_PUT_H
#define MT_APPLY_PUT_H

#include <stddef.h>

struct registry;
struct put_op;

/* status of a put when a tag is not what the plan saw. */
#define PUT_STALE	(-2)

/*
 * Called once: status 0 written and read back (digest: the bytes'
 * digest), -1 failed, PUT_STALE refused (errmsg one line, starting with
 * the label). All borrowed.
 */
typedef void (*put_cb)(int status, const char *digest, const char *errmsg,
    void *arg);

/*
 * PUT body (len bytes of media_type) under each of tags[0..n-1] of repo,
 * once each tag's digest is expect[i] (NULL: the tag must be absent;
 * expect NULL: all absent), checked with a HEAD just before; a tag that
 * already holds exactly these bytes is left alone. Then read each back
 * and compare digests. A tag that changed since the plan: PUT_STALE and
 * nothing written. label names the step in messages ("merge APP
 * VERSION"). NULL with *cause (caller frees) when there is nothing to
 * write.
 */
struct put_op	*put_start(struct registry *, const char *label,
		     const char *repo, const char *media_type, const char *body,
		     size_t len, char *const *tags, const char *const *expect,
		     size_t n, put_cb, void *arg, char **cause);

/* Abandon a put (its callback is not called). */
void		 put_cancel(struct put_op *);

#endif
