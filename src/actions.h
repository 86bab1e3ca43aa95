/*
 * actions.h — the actions state of the core, used by the CLI and the TUI:
 * the job list (this process's and other mirrortop processes' sharing the
 * state dir), cancel, and the notify callback through which jobs and
 * applies tell what happens.
 *
 * Writes are not made here: every build, merge and tag move is a step of
 * a plan (plan.h) that apply (apply.h) executes. Writes are refused in
 * read-only mode ("read-only mode: <action> refused"); that check lives
 * in the core, not in the front ends, and only writes ask the registry
 * client for push rights.
 *
 * The actions state belongs to the core and is created on first use
 * (loading the job history: jobs a previous process left queued or running
 * show as interrupted). Call action_shutdown() before core_free().
 *
 * Work runs on the core's loop (core_run_once() / action_run_until_idle());
 * results are reported through the notify callback and reflected in the
 * model.
 *
 * Every change a front end may want to draw bumps core_generation(): job
 * state changes at once, and the growth of a queued or running job's log
 * (builder output) at most about four times a second (throttled with a
 * loop timer, so the last output of a burst is always followed by a
 * bump). A dashboard that redraws the log view or a log tail when the
 * generation changes needs no polling of the log files.
 */
#ifndef MT_ACTIONS_H
#define MT_ACTIONS_H

#include <stddef.h>

struct core;
struct job;

/* Something worth telling the user happened (one line, sanitized). */
typedef void (*action_notify_cb)(const char *msg, int is_error, void *arg);

void		 action_set_notify(struct core *, action_notify_cb, void *);
/*
 * on: whenever a job of this process or of another mirrortop process
 * sharing the state dir ends, refresh its app (this process's: once it
 * has no more work for the app; another's: at once and again a few
 * seconds later, after that process's merge). For the dashboard.
 */
void		 action_follow_jobs(struct core *, int on);
/* Stop jobs (they become interrupted), free the state. */
void		 action_shutdown(struct core *);

/* Index of app by name and of version by string (or tag). -1 + *cause. */
int		 action_find(struct core *, const char *app, const char *version,
		     size_t *app_idx, size_t *version_idx, char **cause);

/* Cancel a queued or running job. */
int		 action_cancel(struct core *, unsigned long job_id, char **cause);

/*
 * Jobs, newest first (borrowed; valid until the next action call). The
 * list includes the jobs of other mirrortop processes sharing the state
 * dir (job->owned == 0, job->priv == NULL): they can be shown, but not
 * cancelled, and quitting does not stop them; only jobs with priv != NULL
 * are this process's queued or running ones (action_busy() counts those).
 */
size_t		 action_jobs_count(struct core *);
const struct job *action_job(struct core *, size_t i);
/* The newest job for app/version (arch NULL: any arch), or NULL. */
const struct job *action_job_for(struct core *, const char *app,
		     const char *version, const char *arch);

/* Jobs queued or running plus applies in flight. */
int		 action_busy(struct core *);
/* Run the loop until no job, apply or refresh is in flight. */
void		 action_run_until_idle(struct core *);
/* Jobs and apply steps failed since the state was made. */
int		 action_failures(struct core *);

#endif
