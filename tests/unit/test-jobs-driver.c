/*
 * test-jobs-driver.c — drives the core's plan and apply for the
 * integration tests (tests/integration/test_actions*.py), the way the CLI
 * and the dashboard use them: refresh, make a plan, print it, apply it,
 * run the loop until idle, report. It adds what the command line does not
 * have: cancelling this process's jobs after a delay, listing the jobs
 * without writing anything, a second plan made while the first one's
 * jobs run, and the core's generation as a build's log grows.
 *
 *   test-jobs-driver [-c FILE] [--read-only] [--cancel-after MS]
 *       [--cancel-when FILE] [--dry-run] [--json] [--force] [--arch A]...
 *       build APP VERSION
 *     | merge APP VERSION
 *     | latest APP
 *     | sync [APP...]
 *     | during APP VERSION ARCH
 *     | watch APP VERSION ARCH
 *     | jobs
 *
 * build, merge, latest, sync: print the plan (plan_text(), or with --json
 * plan_json()) on stdout; unless --dry-run, apply it and end with the
 * summary line on stderr.
 * during: apply a plan building ARCH of VERSION (without waiting), then
 * make the plan of `build APP VERSION` (narrowed by --arch) while that job
 * is queued or running, print it, apply it, and once both applies have
 * ended print "then queued N": the jobs the second one queued, which must
 * be its plan's build steps.
 * watch: apply a build of ARCH and print "gen MS" for every change of the
 * core's generation (ms since the apply started), then "end MS".
 *
 * --cancel-after MS cancels this process's jobs MS after the refresh
 * (during: after its second apply started);
 * --cancel-when FILE as soon as FILE exists (a builder wrote it: no
 * timing to guess on a loaded machine).
 *
 * Messages go to stderr, plans and jobs to stdout.
 * Exit 0 ok, 1 a step or a note not done, 2 usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "apply.h"
#include "config.h"
#include "core.h"
#include "jobs.h"
#include "loop.h"
#include "plan.h"
#include "util.h"

#define DRV_MAX_ARCHS	8

#define DRV_POLL_MS	50

static struct core *drv_core;
static long drv_cancel_ms = -1;
static const char *drv_cancel_file;
static unsigned long drv_cancelled[64];	/* jobs cancelled already */
static size_t drv_ncancelled;

/* Print action messages. */
static void
drv_notify(const char *msg, int is_error, void *arg)
{
	(void)arg;
	fprintf(stderr, "mirrortop: %s%s\n", is_error ? "error: " : "", msg);
}

/*
 * Cancel every job of this process that is not final, and again every
 * little while: a job queued later (its premise was still being checked)
 * is cancelled too.
 */
static void
drv_cancel_cb(void *arg)
{
	size_t i, n = action_jobs_count(drv_core);
	char *cause = NULL;

	loop_timer_add(core_loop(drv_core), 10 * DRV_POLL_MS, drv_cancel_cb,
	    arg);
	for (i = 0; i < n; i++) {
		const struct job *j = action_job(drv_core, i);
		size_t k;

		if (j->priv == NULL || job_state_final(j->state))
			continue;
		/* Once each: a job being stopped keeps its grace period. */
		for (k = 0; k < drv_ncancelled; k++)
			if (drv_cancelled[k] == j->id)
				break;
		if (k < drv_ncancelled || drv_ncancelled ==
		    MT_ARRAY_LEN(drv_cancelled))
			continue;
		drv_cancelled[drv_ncancelled++] = j->id;
		if (action_cancel(drv_core, j->id, &cause) != 0) {
			fprintf(stderr, "cancel: %s\n", cause);
			free(cause);
			cause = NULL;
		}
	}
}

/* Cancel once drv_cancel_file exists; look again a little later. */
static void
drv_cancel_when_cb(void *arg)
{
	if (access(drv_cancel_file, F_OK) == 0) {
		drv_cancel_cb(arg);
		return;
	}
	loop_timer_add(core_loop(drv_core), DRV_POLL_MS, drv_cancel_when_cb,
	    NULL);
}

/* Print the job list. */
static void
drv_jobs(void)
{
	size_t i, n = action_jobs_count(drv_core);

	for (i = 0; i < n; i++) {
		const struct job *j = action_job(drv_core, i);

		printf("%lu %s %s %s %s attempt=%d/%d digest=%s log=%s msg=%s\n",
		    j->id, j->app, j->version, j->arch, job_state_name(j->state),
		    j->attempt, j->attempts, j->digest ? j->digest : "-",
		    j->log_path ? j->log_path : "-",
		    j->message ? j->message : "-");
	}
}

/* The plan's notes that are not done, one line each on stderr. */
static int
drv_not_done(const struct plan *p)
{
	size_t i;
	int n = 0;

	for (i = 0; i < p->nnotes; i++) {
		if (p->notes[i].kind != PLAN_NOT_DONE)
			continue;
		fprintf(stderr, "mirrortop: not done: %s\n", p->notes[i].why);
		n++;
	}
	return n;
}

/* Print a plan on stdout. */
static void
drv_print(const struct plan *p, int json)
{
	char *text = json ? plan_json(p) : plan_text(p, 1);

	fputs(text, stdout);
	if (json)
		fputc('\n', stdout);
	fflush(stdout);
	free(text);
}

struct drv_applied {
	int			 done;
	struct apply_summary	 sum;
};

static void
drv_applied_cb(const struct apply_summary *s, void *arg)
{
	struct drv_applied *d = arg;

	d->done = 1;
	d->sum = *s;
}

/* Start applying p; d->done is set when it ends. -1 when refused. */
static int
drv_apply_start(struct plan *p, const char *what, struct drv_applied *d)
{
	char *cause = NULL;

	memset(d, 0, sizeof *d);
	if (apply_start(drv_core, p, what, drv_applied_cb, d, &cause) ==
	    NULL && cause != NULL) {
		fprintf(stderr, "mirrortop: %s\n", cause);
		free(cause);
		d->done = 1;
		d->sum.failed = 1;
		return -1;
	}
	return 0;
}

/* Wait for an apply, then for everything else in flight. */
static void
drv_apply_wait(struct drv_applied *d)
{
	while (!d->done) {
		action_run_until_idle(drv_core);
		if (!d->done)
			core_run_once(drv_core, 1000);
	}
	action_run_until_idle(drv_core);
}

/* The summary line on stderr; 1 when something was not done. */
static int
drv_summary(const struct apply_summary *s)
{
	char *line = apply_summary_line(s);

	fprintf(stderr, "mirrortop: %s\n", line);
	free(line);
	return s->failed > 0 || s->not_done > 0;
}

/* A plan for the request, or NULL (said). */
static struct plan *
drv_plan(const struct plan_request *req)
{
	struct plan *p;
	char *cause = NULL;

	if ((p = plan_make_wait(drv_core, req, &cause)) == NULL) {
		fprintf(stderr, "mirrortop: %s\n", cause);
		free(cause);
	}
	return p;
}

/* The plan's build steps. */
static size_t
drv_builds(const struct plan *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == STEP_BUILD)
			n++;
	return n;
}

/* Jobs of this process (queued or not). */
static size_t
drv_own_jobs(void)
{
	size_t i, n = action_jobs_count(drv_core), k = 0;

	for (i = 0; i < n; i++)
		if (action_job(drv_core, i)->owned)
			k++;
	return k;
}

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct core_options opt;
	struct plan_request req;
	struct plan *p = NULL, *first = NULL;
	struct drv_applied d, d1;
	const char *path = NULL, *cmd, *what;
	const char *archs[DRV_MAX_ARCHS], *one[1];
	char *cause = NULL;
	int i, dry = 0, json = 0, force = 0, rc = 0;
	size_t narchs = 0, before;
	char *pos[16];
	int npos = 0;

	memset(&opt, 0, sizeof opt);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--read-only") == 0)
			opt.read_only = 1;
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "--arch") == 0 && i + 1 < argc &&
		    narchs < DRV_MAX_ARCHS)
			archs[narchs++] = argv[++i];
		else if (strcmp(argv[i], "--cancel-after") == 0 && i + 1 < argc)
			drv_cancel_ms = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cancel-when") == 0 && i + 1 < argc)
			drv_cancel_file = argv[++i];
		else if (npos < 16)
			pos[npos++] = argv[i];
	}
	if (npos < 1) {
		fprintf(stderr, "usage: test-jobs-driver [-c FILE] CMD ...\n");
		return 2;
	}
	cmd = pos[0];
	if (config_load(path, &cfg, &cause) != 0) {
		fprintf(stderr, "config: %s\n", cause);
		free(cause);
		return 2;
	}
	if ((drv_core = core_new(cfg, &opt, &cause)) == NULL) {
		fprintf(stderr, "core: %s\n", cause);
		free(cause);
		config_free(cfg);
		return 1;
	}
	action_set_notify(drv_core, drv_notify, NULL);
	if (strcmp(cmd, "jobs") == 0) {
		drv_jobs();
		goto done;
	}
	memset(&req, 0, sizeof req);
	req.archs = archs;
	req.narchs = narchs;
	req.force = force;
	if (strcmp(cmd, "sync") == 0) {
		req.what = PLAN_REQ_SYNC;
		req.apps = (const char *const *)pos + 1;
		req.napps = (size_t)npos - 1;
	} else if (strcmp(cmd, "latest") == 0 && npos == 2) {
		req.what = PLAN_REQ_LATEST;
		req.apps = (const char *const *)pos + 1;
		req.napps = 1;
	} else if ((strcmp(cmd, "build") == 0 || strcmp(cmd, "merge") == 0) &&
	    npos == 3) {
		req.what = strcmp(cmd, "build") == 0 ? PLAN_REQ_BUILD :
		    PLAN_REQ_MERGE;
		req.apps = (const char *const *)pos + 1;
		req.napps = 1;
		req.version = pos[2];
	} else if ((strcmp(cmd, "during") == 0 || strcmp(cmd, "watch") == 0) &&
	    npos == 4) {
		req.what = PLAN_REQ_BUILD;
		req.apps = (const char *const *)pos + 1;
		req.napps = 1;
		req.version = pos[2];
	} else {
		fprintf(stderr, "usage: bad arguments for %s\n", cmd);
		rc = 2;
		goto done;
	}
	what = cmd;
	core_refresh_all(drv_core);
	core_run_until_idle(drv_core);
	/* during: armed once its second plan is applied. */
	if (drv_cancel_ms >= 0 && strcmp(cmd, "during") != 0)
		loop_timer_add(core_loop(drv_core), drv_cancel_ms, drv_cancel_cb,
		    NULL);
	if (drv_cancel_file != NULL)
		loop_timer_add(core_loop(drv_core), DRV_POLL_MS,
		    drv_cancel_when_cb, NULL);

	if (strcmp(cmd, "during") == 0 || strcmp(cmd, "watch") == 0) {
		/* First: a build of one arch, not waited for. */
		struct plan_request r1 = req;

		one[0] = pos[3];
		r1.archs = one;
		r1.narchs = 1;
		what = "build";
		if ((first = drv_plan(&r1)) == NULL) {
			rc = 1;
			goto done;
		}
		before = drv_own_jobs();
		if (drv_apply_start(first, what, &d1) != 0) {
			rc = 1;
			goto done;
		}
		/* Its job is queued once its premise is checked. */
		while (!d1.done && drv_own_jobs() - before < drv_builds(first))
			core_run_once(drv_core, 100);
		printf("first queued %zu\n", drv_own_jobs() - before);
		fflush(stdout);
		if (strcmp(cmd, "watch") == 0) {
			uint64_t t0 = time_mono_ms();
			unsigned long gen = core_generation(drv_core);

			while (!d1.done || action_busy(drv_core) > 0) {
				core_run_once(drv_core, 1000);
				if (core_generation(drv_core) != gen) {
					gen = core_generation(drv_core);
					printf("gen %llu\n", (unsigned long long)
					    (time_mono_ms() - t0));
				}
			}
			printf("end %llu\n", (unsigned long long)
			    (time_mono_ms() - t0));
			rc = drv_summary(&d1.sum);
			goto done;
		}
		/* Then: the plan of the build asked for, while it runs. */
		if ((p = drv_plan(&req)) == NULL) {
			rc = 1;
			drv_apply_wait(&d1);
			goto done;
		}
		drv_print(p, json);
		drv_not_done(p);
		before = drv_own_jobs();
		drv_apply_start(p, what, &d);
		if (drv_cancel_ms >= 0)
			loop_timer_add(core_loop(drv_core), drv_cancel_ms,
			    drv_cancel_cb, NULL);
		drv_apply_wait(&d1);
		drv_apply_wait(&d);
		printf("then queued %zu\n", drv_own_jobs() - before);
		goto done;
	}

	if ((p = drv_plan(&req)) == NULL) {
		rc = 1;
		goto done;
	}
	drv_print(p, json);
	if (drv_not_done(p) > 0)
		rc = 1;
	if (dry)
		goto done;
	if (drv_apply_start(p, what, &d) != 0) {
		rc = 1;
		goto done;
	}
	drv_apply_wait(&d);
	if (drv_summary(&d.sum))
		rc = 1;
done:
	plan_free(p);
	plan_free(first);
	action_shutdown(drv_core);
	core_free(drv_core);
	config_free(cfg);
	return rc;
}
