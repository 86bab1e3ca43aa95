/*
 * actions-int.h — what the core's write modules (plan.c, apply.c) use of
 * the actions state: the job queue, the builder's expanded arguments, the
 * job locks, the notify callback and the failure count. Front ends must
 * not include this.
 */
#ifndef MT_ACTIONS_INT_H
#define MT_ACTIONS_INT_H

#include <stddef.h>

struct core;
struct jobs;
struct mt_app;
struct mt_version;

/* Whether a build of app/version/arch could start now. */
enum actions_busy {
	ACTIONS_FREE,		/* no job anywhere */
	ACTIONS_ACTIVE,		/* a job of this process is queued or running */
	ACTIONS_ELSEWHERE,	/* another mirrortop process holds its lock */
};
enum actions_busy actions_arch_busy(struct core *, const struct mt_app *,
		     const struct mt_version *, const char *arch);

/* The staging tag of an arch (plugin scheme: {image_tag}-{arch}), made a
 * valid registry tag. NULL when it is not one. Caller frees. */
char		*actions_staging_tag_of(struct core *, const struct mt_app *,
		     const struct mt_version *, const char *arch);

/*
 * What a build of app/version/arch would run, with nothing written: the
 * exec builder's argv (NULL-terminated, caller frees each and the array)
 * or the github-actions dispatch in one line (*dispatch, caller frees),
 * and the staging ref it pushes to. -1 with *cause.
 */
int		 actions_build_what(struct core *, struct mt_app *,
		     struct mt_version *, const char *arch, char ***argv,
		     char **dispatch, char **staging_ref, char **cause);

/*
 * Submit the build job of app/version/arch (no follow-up), deciding under
 * the version's lock. whole_version: refuse as well when another process
 * builds any arch of the version (it merges it). *job_id: its id. -1 with
 * *cause, *elsewhere set when another process took it.
 */
int		 actions_submit_build(struct core *, struct mt_app *,
		     struct mt_version *, const char *arch, int whole_version,
		     unsigned long *job_id, int *elsewhere, char **cause);

/* The job queue (NULL when it could not be opened). */
struct jobs	*actions_jobs_of(struct core *);
/* The recorded digest of the last successful build, or NULL. */
const char	*actions_recorded_digest(struct core *, const char *app,
		     const char *version, const char *arch);

/* fn(arg) is called after every job state change, until removed. */
void		 actions_add_job_hook(struct core *, void (*fn)(void *),
		     void *arg);
void		 actions_remove_job_hook(struct core *, void *arg);

/* An apply starts (+1) or ends (-1): counted by action_busy(), so
 * action_run_until_idle() waits for it (and stops builders on a
 * terminating signal). */
void		 actions_hold(struct core *, int delta);

/* Refuse writes in read-only mode (what names the action). 1 writable;
 * 0 with *cause. Asks the registry client for push rights. */
int		 actions_may_write(struct core *, const char *what, char **cause);

/* Tell the front end one line; count a failure when is_error. */
void		 actions_tell(struct core *, int is_error, const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));

#endif
