/*
 * step-delete.h — apply a prune `delete` step: one manifest no tag
 * reaches, deleted as its GHCR package version.
 *
 * Premise, re-read just before the DELETE: the package version still
 * exists, is still named the planned digest and has no tag (a tag added
 * since makes the step stale: nothing is deleted). GitHub's refusal (a
 * public version downloaded more than 5,000 times) is reported and the
 * version skipped, not a failure. The token is read from the target's
 * token_env again (never kept in the plan).
 */
#ifndef MT_STEP_DELETE_H
#define MT_STEP_DELETE_H

struct core;
struct plan_step;
struct delete_op;

#define DELETE_DONE	0
#define DELETE_GONE	1	/* already absent */
#define DELETE_REFUSED	2	/* GitHub refuses: kept */
#define DELETE_STALE	(-2)	/* the premise changed: nothing deleted */

/* Called once, later: a DELETE_* status or -1 (errmsg one line). */
typedef void (*delete_cb)(int status, const char *errmsg, void *arg);

/* Start; NULL with *cause (caller frees) when it cannot. */
struct delete_op *step_delete_start(struct core *, const struct plan_step *,
		     delete_cb, void *arg, char **cause);
void		  step_delete_cancel(struct delete_op *);

#endif
