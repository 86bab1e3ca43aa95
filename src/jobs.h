/*
 * jobs.h — build jobs: one per app/version/arch at most, run by a builder
 * backend (exec: a child process; github-actions: a dispatched workflow).
 *
 * queued -> running -> succeeded / failed / cancelled; interrupted is what
 * a job left queued or running by a previous process becomes at load.
 * Before a job starts the registry is checked again (nothing that exists is
 * rebuilt); after a builder reports success the image must exist at the
 * staging ref (or the digest the builder wrote), else the job fails.
 * Failures are retried with exponential backoff. The history is kept in
 * <state dir>/jobs.json and shared by every mirrortop process using that
 * state dir (a dashboard and a scheduled sync): on every state change the
 * process takes an exclusive flock on <state dir>/jobs.lock, re-reads the
 * file, merges its own jobs into it by id, and writes it atomically
 * (readers never see a half-written file). Job ids are allocated under
 * that lock from a counter kept in the file ("next_id"), so they are
 * unique across processes. A job holds <state dir>/locks/APP-VERSION-ARCH.lock
 * (flock, with its id inside) while it is queued or running; an unfinished
 * job whose lock is free (or holds another id) belongs to a process that
 * is gone and becomes interrupted, one whose lock is held is left alone.
 * Each job's output goes to <state dir>/logs/job-<id>.log with secrets
 * redacted.
 */
#ifndef MT_JOBS_H
#define MT_JOBS_H

#include <stddef.h>
#include <time.h>

struct loop;
struct http;
struct registry;
struct builder_config;
struct kv;
struct jobs;
struct job_priv;

enum job_state {
	JOB_QUEUED = 0,
	JOB_RUNNING,
	JOB_SUCCEEDED,
	JOB_FAILED,
	JOB_CANCELLED,
	JOB_INTERRUPTED,
};

struct job {
	unsigned long	 id;
	char		*app;
	char		*version;
	char		*arch;
	char		*repo;		/* namespace/image in the registry */
	char		*image_tag;
	char		*staging_tag;
	char		*staging_ref;	/* registry/repo:staging_tag (messages) */
	enum job_state	 state;
	int		 attempt;	/* current or last attempt, 1-based */
	int		 attempts;	/* maximum */
	time_t		 created;
	time_t		 started;	/* 0: never */
	time_t		 finished;	/* 0: not yet */
	char		*message;	/* one line: progress or why it failed */
	char		*log_path;
	char		*digest;	/* image produced, when known */
	char		*run_url;	/* github-actions run, when known */
	char		*command;	/* what runs, one line (argv or workflow) */
	struct job_priv	*priv;		/* NULL for jobs loaded from history */
	int		 recovered;	/* left unfinished by a previous process;
					 * interrupted at load */
	int		 owned;		/* run by this process, or its end
					 * recorded by it: this process's record
					 * wins when the history is merged */
};

/* What to run; everything is already expanded and validated. Copied. */
struct job_spec {
	const char			*app;
	const char			*version;
	const char			*arch;
	const char			*repo;
	const char			*image_tag;
	const char			*staging_tag;
	const char			*staging_ref;
	const struct builder_config	*builder;	/* type, timeout, attempts, gha */
	char *const			*argv;		/* exec: NULL-terminated */
	const char			*digest_file;	/* exec: path or NULL */
	const char			*ref;		/* github-actions ref */
	const struct kv			*inputs;	/* github-actions inputs */
	size_t				 ninputs;
	struct registry			*registry;	/* the app's primary
							 * target; NULL: the
							 * jobs' registry */
	int				 attest;	/* an attest step: no registry
							 * check before, no image to
							 * verify after */
};

struct jobs_params {
	struct loop	*loop;
	struct http	*http;
	struct registry	*registry;
	int		 max_running;	/* concurrency limit, >= 1 */
	const char	*dir;		/* state directory (jobs.json, logs/) */
	long		 backoff_ms;	/* first retry delay; 0 = 1000 */
	long		 grace_ms;	/* SIGTERM -> SIGKILL; 0 = 5000 */
	size_t		 max_log;	/* bytes per job log; 0 = 4 MiB */
};

/* Called on every state change of a job (borrowed). */
typedef void (*jobs_change_cb)(const struct job *, void *arg);
/* Called whenever a queued or running job's log grew (borrowed; may be
 * called for every line: throttle before redrawing). */
typedef void (*jobs_output_cb)(const struct job *, void *arg);

/*
 * Load the history from dir/jobs.json (jobs left queued or running by a
 * process that is gone become interrupted and are marked recovered; those
 * of a live process stay as they are, with priv NULL; the file is
 * rewritten with the next change this process makes, so a dry run writes
 * nothing). With a loop, the file is looked at every second and other
 * processes' records are taken in when it changed (the change callback is
 * called for each; job->owned is 0 for them). NULL with *cause (caller frees)
 * only when the directory cannot be used; a corrupt history is set aside
 * as jobs.json.bad and reported through *cause with a non-NULL result.
 */
struct jobs	*jobs_new(const struct jobs_params *, char **cause);
/* Kills running children (their jobs become interrupted). Accepts NULL. */
void		 jobs_free(struct jobs *);
void		 jobs_set_change_cb(struct jobs *, jobs_change_cb, void *);
void		 jobs_set_output_cb(struct jobs *, jobs_output_cb, void *);
/* A value to blank out of job logs (tokens, passwords). Copied. */
void		 jobs_add_secret(struct jobs *, const char *);

/*
 * Queue a job. -1 with *cause when a job for the same app/version/arch is
 * queued or running, or the spec is unusable. *out (optional) is borrowed.
 */
int		 jobs_submit(struct jobs *, const struct job_spec *,
		     const struct job **out, char **cause);
/*
 * A job the caller runs itself, not a builder (a prune: arch slot
 * "prune"), in the history like any job: running from now, under its job
 * lock, with its log (command: what it does, one line). The caller
 * writes lines to its log and ends it; it is never retried and cannot be
 * cancelled; a process that exits first leaves it interrupted. -1 with
 * *cause when one for the same app/version/arch is active here or in
 * another process.
 */
int		 jobs_record_start(struct jobs *, const struct job_spec *,
		     const char *command, unsigned long *id, char **cause);
/* One line (sanitized, redacted) into a recorded job's log. */
void		 jobs_record_log(struct jobs *, unsigned long id,
		     const char *line);
/* A recorded job ended: succeeded or failed, message one line. */
void		 jobs_record_end(struct jobs *, unsigned long id, int ok,
		     const char *message);
/* Cancel a queued or running job. -1 with *cause otherwise. */
int		 jobs_cancel(struct jobs *, unsigned long id, char **cause);

/* Jobs, newest first (borrowed, valid until the next jobs_* call that
 * submits, or jobs_free). Jobs of other processes read from the shared
 * history are included (priv NULL); their records are refreshed from the
 * file whenever this process writes it. */
size_t		 jobs_count(const struct jobs *);
const struct job *jobs_get(const struct jobs *, size_t i);
const struct job *jobs_find(const struct jobs *, unsigned long id);
/* The queued or running job for app/version/arch (version or arch NULL:
 * any), or NULL. */
const struct job *jobs_find_active(const struct jobs *, const char *app,
		     const char *version, const char *arch);
/* Whether another mirrortop process holds the job lock of
 * app/version/arch (a job of its own is queued or running there). Locks
 * are named after repo ("namespace/image") when not NULL. */
int		 jobs_busy_elsewhere(const struct jobs *, const char *app,
		     const char *repo, const char *version, const char *arch);
/*
 * An exclusive lock on app/version (blocking; held briefly) so that two
 * processes deciding which archs of a version to build (overlapping
 * syncs) decide one after the other. The fd, or -1 (then no lock).
 */
int		 jobs_lock_version(struct jobs *, const char *app,
		     const char *repo, const char *version);
void		 jobs_unlock_version(int fd);
/* Digest of the newest succeeded job for app/version/arch, or NULL. */
const char	*jobs_last_digest(const struct jobs *, const char *app,
		     const char *version, const char *arch);
/* Queued + running in this process (priv != NULL). */
int		 jobs_active(const struct jobs *);

const char	*job_state_name(enum job_state);
int		 job_state_from_name(const char *);	/* -1 unknown */
int		 job_state_final(enum job_state);
/* Whether a job may go from one state to another. */
int		 job_state_transition_ok(enum job_state, enum job_state);

/*
 * Parse what a builder wrote to {digest_file}: a plain "sha256:<64 hex>"
 * (surrounding whitespace allowed) or buildx --metadata-file JSON with
 * "containerimage.digest". 0 ok (*digest, caller frees), -1 with *cause.
 */
int		 jobs_parse_digest(const char *text, size_t len, char **digest,
		     char **cause);

/* History as JSON text / from JSON text (used by jobs_new; for tests).
 * jobs_history_parse() appends to *list; caller frees with job_free. */
char		*jobs_history_dump(const struct jobs *);
int		 jobs_history_parse(const char *text, size_t len,
		     struct job ***list, size_t *n, char **cause);
void		 job_free(struct job *);

/* argv as one line, quoted for reading (never run through a shell).
 * Caller frees. */
char		*jobs_argv_line(char *const *argv);

/* Replace every occurrence of each secret in line with "***". Caller frees. */
char		*jobs_redact(const char *line, char *const *secrets, size_t n);

#endif
