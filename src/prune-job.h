/*
 * prune-job.h — a prune in the job history.
 *
 * Each app's prune is one job (arch slot "prune", version "-") in the
 * shared history (jobs.json) and its own log: started when apply reaches
 * the app's first prune step, with the app's part of the plan written to
 * its log; each removal's outcome is a log line; the verify step ends it,
 * succeeded when every removal was done and every tag resolves, failed
 * otherwise, with the same one-line result as the prune event.
 */
#ifndef MT_PRUNE_JOB_H
#define MT_PRUNE_JOB_H

#include <stddef.h>

struct core;
struct plan;

#define PRUNE_JOB_ARCH		"prune"
#define PRUNE_JOB_VERSION	"-"

/*
 * A new job for the app of step i (its first prune step to run). 0 when
 * there is no job history, or (with *cause, caller frees) when another
 * process prunes the app now.
 */
unsigned long	prune_job_begin(struct core *, const struct plan *, size_t i,
		    char **cause);
/* Step i of the plan ended (why: one line when not ok). */
void		prune_job_step(struct core *, unsigned long id,
		    const struct plan *, size_t i, int ok, const char *why);
/* The app's prune ended (what: one line). */
void		prune_job_end(struct core *, unsigned long id, int ok,
		    const char *what);

#endif
