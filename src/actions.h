/*
 * actions.h — the write actions of the core, used by the CLI and the TUI:
 * per-arch builds (jobs), merges, moving `latest`, sync, cancel, and the
 * job list.
 *
 * Every write action checks core_read_only() first and refuses with
 * "read-only mode: <action> refused"; that check lives here, not in the
 * front ends. Write actions (and only they) ask the registry client for
 * push rights. Upstream values are validated (SemVer version, valid ref
 * name) before they reach a template.
 *
 * The actions state belongs to the core and is created on first use
 * (loading the job history: jobs a previous process left queued or running
 * show as interrupted). Call action_shutdown() before core_free().
 *
 * Asynchronous functions return at once; the work runs on the core's loop
 * (core_run_once() / action_run_until_idle()). Results are reported
 * through the notify callback and reflected in the model.
 *
 * Every change a front end may want to draw bumps core_generation(): job
 * state changes and merge results at once, and the growth of a queued or
 * running job's log (builder output) at most about four times a second
 * (throttled with a loop timer, so the last output of a burst is always
 * followed by a bump). A dashboard that redraws the log view or a log tail
 * when the generation changes needs no polling of the log files.
 */
#ifndef MT_ACTIONS_H
#define MT_ACTIONS_H

#include <stddef.h>

struct core;
struct job;

/* Something worth telling the user happened (one line, sanitized). */
typedef void (*action_notify_cb)(const char *msg, int is_error, void *arg);
/* An asynchronous merge/latest ended: status 0 ok (json: the index or
 * manifest bytes written, or that would be in dry-run), -1 (errmsg). */
typedef void (*action_done_cb)(int status, const char *json,
    const char *errmsg, void *arg);

void		 action_set_notify(struct core *, action_notify_cb, void *);
/*
 * on: whenever a job of this process or of another mirrortop process
 * sharing the state dir ends, refresh its app (this process's: once it
 * has no more work for the app; another's: at once and again a few
 * seconds later, after that process's merge). For the dashboard.
 */
void		 action_follow_jobs(struct core *, int on);
/* Stop jobs (they become interrupted), cancel merges, free the state. */
void		 action_shutdown(struct core *);

/* Index of app by name and of version by string (or tag). -1 + *cause. */
int		 action_find(struct core *, const char *app, const char *version,
		     size_t *app_idx, size_t *version_idx, char **cause);

/*
 * Queue build jobs for one version: the given arch, or every arch that is
 * missing (arch NULL). merge_after: merge the version when its jobs have
 * all succeeded (plugin scheme: move latest-{arch} instead). Returns the
 * number of jobs queued (0: nothing missing), -1 with *cause.
 */
int		 action_build(struct core *, size_t app, size_t version,
		     const char *arch, int merge_after, char **cause);

/* Start a merge of one version. 0 started, -1 with *cause. */
int		 action_merge_start(struct core *, size_t app, size_t version,
		     int dry_run, action_done_cb, void *arg, char **cause);
/* The same, waiting on the loop. 0 ok (*out_json: the index, caller
 * frees; may be NULL), -1 with *cause. */
int		 action_merge(struct core *, size_t app, size_t version,
		     int dry_run, char **out_json, char **cause);

/*
 * Point `latest` at the app's semantic latest version: PUT the bytes of
 * {image_tag} as `latest` (plugin scheme: each {image_tag}-{arch} of the
 * highest complete version as latest-{arch}).
 */
int		 action_latest_start(struct core *, size_t app, int dry_run,
		     action_done_cb, void *arg, char **cause);
int		 action_latest(struct core *, size_t app, int dry_run,
		     char **out_json, char **cause);

/* Cancel a queued or running job. */
int		 action_cancel(struct core *, unsigned long job_id, char **cause);

/*
 * Sync the selected apps (all when napps == 0): build every missing
 * version x arch in the window (only the given archs when narchs > 0), merge each version once its archs are
 * built (versions already staged are merged at once), then move latest.
 * An arch that already has a queued or running job (of this process, or
 * of another mirrortop process using the same state dir, e.g. an
 * overlapping scheduled run) is skipped, not an error, and its version is
 * left to be merged by the process building it.
 * dry_run: nothing is started; *plan (caller frees) lists what would be
 * done, one line each. Otherwise *plan is set to NULL and everything is
 * told through the notify callback, one line per event: skips as they
 * are decided, then each job's and merge's progress and end (so a
 * scheduled run prints nothing on stdout). Failures are counted in
 * action_failures(). 0 ok, -1 with *cause.
 */
int		 action_sync(struct core *, const char *const *apps, size_t napps,
		     const char *const *archs, size_t narchs, int dry_run,
		     char **plan, char **cause);

/*
 * What an action would do, for a confirm dialog (one or more lines:
 * the exact argv per arch, the workflow dispatch, the tags to PUT).
 * Caller frees; NULL with *cause when the action is not possible.
 *
 * action_describe_build_ex() describes exactly what action_build() with
 * the same arguments would start, from the same decisions: one "build APP
 * VERSION ARCH: ..." line per job it would queue; "already building: A, B"
 * for archs that already have a queued or running job of this process
 * (skipped); "not started: A is queued or running in another mirrortop
 * process" for archs whose job lock another process holds; and, when
 * merge_after applies and nothing would be left missing, a last line
 *   "then: merge APP VERSION → PUT IMAGE:TAG[ and latest]"
 * (plugin scheme: "then: move latest-{arch} of IMAGE to the highest
 * complete version"). When every arch is staged and merge_after is set,
 * the text is "nothing to build" and the "then:" line (build merges at
 * once). NULL with *cause when nothing would be started (all archs
 * already building, or nothing missing). action_describe_build() is
 * action_describe_build_ex() with merge_after = 1, as `mirrortop build`.
 */
char		*action_describe_build(struct core *, size_t app, size_t version,
		     const char *arch, char **cause);
char		*action_describe_build_ex(struct core *, size_t app,
		     size_t version, const char *arch, int merge_after,
		     char **cause);
char		*action_describe_merge(struct core *, size_t app, size_t version,
		     char **cause);
char		*action_describe_latest(struct core *, size_t app, char **cause);

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

/* Jobs queued or running plus merges in flight. */
int		 action_busy(struct core *);
/* Run the loop until no job, merge or refresh is in flight. */
void		 action_run_until_idle(struct core *);
/* Jobs failed and merges/latest moves failed since the state was made. */
int		 action_failures(struct core *);

#endif
