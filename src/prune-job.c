/* prune-job.c — each app's prune as one job of the job history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions-int.h"
#include "jobs.h"
#include "plan.h"
#include "prune-job.h"
#include "util.h"

unsigned long
prune_job_begin(struct core *core, const struct plan *p, size_t i,
    char **cause)
{
	struct jobs *jobs = actions_jobs_of(core);
	const struct plan_step *s = &p->steps[i];
	struct job_spec spec;
	unsigned long id = 0;
	size_t k, n = 0;
	char *cmd, *line;

	*cause = NULL;
	if (jobs == NULL)
		return 0;
	for (k = 0; k < p->nsteps; k++)
		if (p->steps[k].app == s->app &&
		    (p->steps[k].kind == STEP_UNTAG ||
		    p->steps[k].kind == STEP_DELETE))
			n++;
	memset(&spec, 0, sizeof spec);
	spec.app = s->app_name;
	spec.version = PRUNE_JOB_VERSION;
	spec.arch = PRUNE_JOB_ARCH;
	spec.repo = s->repo;
	spec.staging_ref = s->image;
	cmd = xasprintf("prune %s: %zu removal%s, then verify", s->image, n,
	    n == 1 ? "" : "s");
	if (jobs_record_start(jobs, &spec, cmd, &id, cause) != 0) {
		free(cmd);
		return 0;
	}
	free(cmd);
	/* The app's part of the plan, as the user saw it. */
	jobs_record_log(jobs, id, "the plan:");
	for (k = 0; k < p->nsteps; k++) {
		char *text, *nl, *at;

		if (p->steps[k].app != s->app ||
		    (p->steps[k].kind != STEP_UNTAG &&
		    p->steps[k].kind != STEP_DELETE &&
		    p->steps[k].kind != STEP_VERIFY))
			continue;
		text = plan_step_text(&p->steps[k]);
		for (at = text, n = 0; at != NULL; at = nl, n++) {
			if ((nl = strchr(at, '\n')) != NULL)
				*nl++ = '\0';
			line = n == 0 ? xasprintf("%zu. %s", k + 1, at) :
			    xstrdup(at);
			jobs_record_log(jobs, id, line);
			free(line);
		}
		free(text);
	}
	return id;
}

void
prune_job_step(struct core *core, unsigned long id, const struct plan *p,
    size_t i, int ok, const char *why)
{
	struct jobs *jobs = actions_jobs_of(core);
	const struct plan_step *s = &p->steps[i];
	char *line;

	if (jobs == NULL || id == 0)
		return;
	if (s->kind == STEP_UNTAG)
		line = xasprintf("step %zu: %s:%s %s%s%s", i + 1, s->image,
		    s->ntags > 0 ? s->tags[0] : "?", ok ? "removed" :
		    "not removed", why ? ": " : "", why ? why : "");
	else if (s->kind == STEP_DELETE)
		line = xasprintf("step %zu: %s@%s %s%s%s", i + 1, s->image,
		    s->digest ? s->digest : "?", ok ? "deleted" :
		    "not deleted", why ? ": " : "", why ? why : "");
	else
		line = xasprintf("step %zu: verify %s%s%s", i + 1,
		    ok ? "done" : "failed", why ? ": " : "", why ? why : "");
	jobs_record_log(jobs, id, line);
	free(line);
}

void
prune_job_end(struct core *core, unsigned long id, int ok, const char *what)
{
	struct jobs *jobs = actions_jobs_of(core);

	if (jobs != NULL && id != 0)
		jobs_record_end(jobs, id, ok, what);
}
