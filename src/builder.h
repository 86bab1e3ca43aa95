/*
 * builder.h — the interface between jobs.c and the builder backends
 * (builder-exec.c, builder-gha.c). Internal to the core.
 *
 * A backend starts one attempt of a job and reports its end exactly once
 * with jobs_builder_done(); stop() asks it to end early (cancel, timeout)
 * and the backend still reports through jobs_builder_done().
 */
#ifndef MT_BUILDER_H
#define MT_BUILDER_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "jobs.h"
#include "util.h"

struct builder_ops {
	const char	*name;
	/* Start an attempt; -1 with *cause (caller frees) when it cannot. */
	int		(*start)(struct job *, char **cause);
	/* End the attempt early; jobs_builder_done() follows. */
	void		(*stop)(struct job *);
};

extern const struct builder_ops builder_exec_ops;
extern const struct builder_ops builder_gha_ops;

enum job_phase {
	JOB_PHASE_NONE = 0,
	JOB_PHASE_CHECK,	/* re-checking the registry */
	JOB_PHASE_BUILD,	/* the backend runs */
	JOB_PHASE_VERIFY,	/* looking for the image */
	JOB_PHASE_BACKOFF,	/* waiting before the next attempt */
};

struct job_priv {
	struct jobs		*jobs;
	struct registry		*registry;	/* the app's primary; borrowed */
	const struct builder_ops *ops;
	struct builder_config	 builder;	/* shallow copy: type/timeout/attempts/gha */
	char			**argv;		/* exec, owned */
	char			*digest_file;	/* owned */
	int			 attest;	/* an attest step (jobs.h) */
	int			 recorded;	/* run by the caller, not a
						 * builder (jobs_record_start) */
	char			*ref;		/* gha, owned */
	struct kv		*inputs;	/* gha, owned */
	size_t			 ninputs;
	enum job_phase		 phase;
	int			 cancelling;
	int			 timed_out;
	uint64_t		 timeout_timer;
	uint64_t		 retry_timer;
	int			 log_fd;
	int			 lock_fd;	/* flock: one job per app/version/arch
						 * across processes */
	size_t			 log_written;
	int			 log_truncated;
	struct buf		 line;		/* partial output line */
	/* exec */
	pid_t			 pid;
	int			 out_fd;
	int			 exited;
	int			 wstatus;
	uint64_t		 kill_timer;
	/* github-actions */
	long long		 run_id;
	time_t			 dispatched_at;
	int			 with_details;
	int			 find_tries;
	uint64_t		 poll_timer;
	char			*run_status;
	char			*distinct_id;
	int			 distinct_auto;	/* made by mirrortop: a new one
						 * for every attempt */
	/* runs that may be ours, checked through their jobs' step names */
	long long		 cand_id[8];
	char			*cand_url[8];
	size_t			 ncand;
	size_t			 icand;
};

/* Drop the exec backend's bookkeeping for jobs (at jobs_free). */
void		 builder_exec_forget(struct jobs *);

/* Shared state a backend needs. */
struct loop	*jobs_loop(struct jobs *);
struct http	*jobs_http(struct jobs *);
long		 jobs_grace_ms(struct jobs *);
/* Whether another job of this process already follows run id. */
int		 jobs_run_claimed(struct jobs *, long long run_id);

/* Append builder output to the job log (redacted, bounded). */
void		 jobs_log_output(struct job *, const char *, size_t);
/* One line of mirrortop's own into the job log. */
void		 jobs_log(struct job *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
/* Set the one-line progress message (shown in the jobs list). */
void		 jobs_set_message(struct job *, const char *);
/* The attempt ended: ok, or not with a one-line why; digest optional. */
void		 jobs_builder_done(struct job *, int ok, const char *why,
		     const char *digest);

#endif
