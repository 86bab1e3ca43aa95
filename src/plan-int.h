/*
 * plan-int.h — what the planners of step kinds outside plan.c use (the
 * plan being made, adding steps and notes, the reads pending), and the
 * prune planner's entry points (prune.c).
 */
#ifndef MT_PLAN_INT_H
#define MT_PLAN_INT_H

#include <stddef.h>

#include "plan.h"

struct buf;
struct json_t;
struct mt_version;

struct plan_ctx {
	struct core	*core;
	struct plan	*plan;
	struct plan_request req;
	char		*error;
	size_t		 pending;	/* reads in flight (+1 while starting) */
	int		*removed;	/* per step: left out of the plan */
	size_t		 nremoved;
	plan_cb		 cb;
	void		*arg;
	void		*prune;		/* prune.c's state */
};

/* A new step of kind k for model app ai (version v or NULL); its index. */
size_t	plan_add(struct plan_ctx *, enum step_kind, size_t ai,
	    const struct mt_version *);
/* The step writes (or removes) tag, which is old now (NULL: absent). */
void	step_tag(struct plan_step *, const char *tag, const char *old);
/* The step needs step n (1-based) done first. */
void	step_after(struct plan_step *, size_t n);
/* A note; app and version may be NULL. */
void	plan_note(struct plan *, enum plan_note_kind, const char *app,
	    const char *version, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* A read started with ctx->pending++ ended. */
void	plan_read_done(struct plan_ctx *);

/* prune.c: start the reads of app ai; add its steps once all are done. */
void	prune_plan_app(struct plan_ctx *, size_t ai);
void	prune_plan_finish(struct plan_ctx *);
void	prune_untag_text(const struct plan_step *, struct buf *);
void	prune_untag_json(const struct plan_step *, struct json_t *);
void	prune_verify_text(const struct plan_step *, struct buf *);
void	prune_verify_json(const struct plan_step *, struct json_t *);
void	prune_delete_text(const struct plan_step *, struct buf *);
void	prune_delete_json(const struct plan_step *, struct json_t *);

/* step-copy.c: the copies of version v of app ai (sync: quietly only
 * what is missing), and how a copy step reads. */
void	copy_plan_version(struct plan_ctx *, size_t ai, struct mt_version *,
	    int sync);
void	copy_step_text(const struct plan_step *, struct buf *);
void	copy_step_json(const struct plan_step *, struct json_t *);

#endif
