/*
 * test-jobs-driver.c — drives the actions API for the integration tests
 * (tests/integration/test_actions*.py), the way the CLI and the dashboard
 * use it: refresh, act, run the loop until idle, report.
 *
 *   test-jobs-driver [-c FILE] [--read-only] [--cancel-after MS]
 *       build APP VERSION [ARCH] [--no-merge]
 *     | merge [--dry-run] APP VERSION
 *     | latest [--dry-run] APP
 *     | sync [--dry-run] [APP...]
 *     | describe APP VERSION [ARCH] [--no-merge]
 *     | during APP VERSION ARCH [DESCRIBE-ARCH]
 *     | watch APP VERSION ARCH
 *     | jobs
 *
 * during: queue a build of ARCH (no merge), then print what describing a
 * build of DESCRIBE-ARCH (default: every missing arch) says, then build
 * that and print the number queued: describe and build must agree.
 * watch: build ARCH (no merge) and print "gen MS" for every change of the
 * core's generation (ms since the build was queued), then "end MS".
 *
 * Messages go to stderr, results (index JSON, plans, jobs) to stdout.
 * Exit 0 ok, 1 a failure, 2 usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "config.h"
#include "core.h"
#include "jobs.h"
#include "loop.h"
#include "util.h"

static struct core *drv_core;
static long drv_cancel_ms = -1;

/* Print action messages. */
static void
drv_notify(const char *msg, int is_error, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s%s\n", is_error ? "error: " : "", msg);
}

/* Cancel every active job. */
static void
drv_cancel_cb(void *arg)
{
	size_t i, n = action_jobs_count(drv_core);
	char *cause = NULL;

	(void)arg;
	for (i = 0; i < n; i++) {
		const struct job *j = action_job(drv_core, i);

		if (job_state_final(j->state))
			continue;
		if (action_cancel(drv_core, j->id, &cause) != 0) {
			fprintf(stderr, "cancel: %s\n", cause);
			free(cause);
			cause = NULL;
		}
	}
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

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct core_options opt;
	const char *path = NULL, *cmd;
	char *cause = NULL, *out = NULL;
	int i, dry = 0, rc = 0, no_merge = 0;
	size_t app, ver;
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
		else if (strcmp(argv[i], "--no-merge") == 0)
			no_merge = 1;
		else if (strcmp(argv[i], "--cancel-after") == 0 && i + 1 < argc)
			drv_cancel_ms = strtol(argv[++i], NULL, 10);
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
		return 2;
	}
	if ((drv_core = core_new(cfg, &opt, &cause)) == NULL) {
		fprintf(stderr, "core: %s\n", cause);
		return 1;
	}
	action_set_notify(drv_core, drv_notify, NULL);
	if (strcmp(cmd, "jobs") == 0) {
		drv_jobs();
		goto done;
	}
	core_refresh_all(drv_core);
	core_run_until_idle(drv_core);
	if (drv_cancel_ms >= 0)
		loop_timer_add(core_loop(drv_core), drv_cancel_ms, drv_cancel_cb,
		    NULL);

	if (strcmp(cmd, "sync") == 0) {
		if (action_sync(drv_core, (const char *const *)pos + 1,
		    (size_t)npos - 1, NULL, 0, dry, &out, &cause) != 0)
			goto fail;
		if (out != NULL)
			fputs(out, stdout);
		free(out);
		action_run_until_idle(drv_core);
		goto done;
	}
	if (npos < 2)
		goto usage;
	if (strcmp(cmd, "latest") == 0) {
		if (action_find(drv_core, pos[1], NULL, &app, &ver, &cause) != 0 ||
		    action_latest(drv_core, app, dry, &out, &cause) != 0)
			goto fail;
		printf("%s\n", out);
		free(out);
		goto done;
	}
	if (npos < 3)
		goto usage;
	if (action_find(drv_core, pos[1], pos[2], &app, &ver, &cause) != 0)
		goto fail;
	if (strcmp(cmd, "build") == 0) {
		int n = action_build(drv_core, app, ver, npos > 3 ? pos[3] : NULL,
		    !no_merge, &cause);

		if (n < 0)
			goto fail;
		printf("queued %d\n", n);
		action_run_until_idle(drv_core);
	} else if (strcmp(cmd, "merge") == 0) {
		if (action_merge(drv_core, app, ver, dry, &out, &cause) != 0)
			goto fail;
		printf("%s\n", out);
		free(out);
	} else if (strcmp(cmd, "during") == 0 && npos > 3) {
		const char *darch = npos > 4 ? pos[4] : NULL;
		int n;

		if ((n = action_build(drv_core, app, ver, pos[3], 0,
		    &cause)) < 0)
			goto fail;
		printf("first queued %d\n", n);
		if ((out = action_describe_build(drv_core, app, ver, darch,
		    &cause)) == NULL) {
			printf("describe: %s\n", cause);
			free(cause);
			cause = NULL;
		} else {
			fputs(out, stdout);
			free(out);
		}
		n = action_build(drv_core, app, ver, darch, 1, &cause);
		printf("then queued %d%s%s\n", n, cause ? ": " : "",
		    cause ? cause : "");
		free(cause);
		cause = NULL;
		fflush(stdout);
		action_run_until_idle(drv_core);
	} else if (strcmp(cmd, "watch") == 0 && npos > 3) {
		uint64_t t0 = time_mono_ms();
		unsigned long gen;

		if (action_build(drv_core, app, ver, pos[3], 0, &cause) < 0)
			goto fail;
		gen = core_generation(drv_core);
		while (action_busy(drv_core) > 0) {
			core_run_once(drv_core, 1000);
			if (core_generation(drv_core) != gen) {
				gen = core_generation(drv_core);
				printf("gen %llu\n", (unsigned long long)
				    (time_mono_ms() - t0));
			}
		}
		printf("end %llu\n", (unsigned long long)(time_mono_ms() - t0));
	} else if (strcmp(cmd, "describe") == 0) {
		if ((out = action_describe_build_ex(drv_core, app, ver,
		    npos > 3 ? pos[3] : NULL, !no_merge, &cause)) == NULL)
			goto fail;
		fputs(out, stdout);
		free(out);
		if ((out = action_describe_merge(drv_core, app, ver,
		    &cause)) == NULL)
			goto fail;
		fputs(out, stdout);
		free(out);
	} else
		goto usage;
done:
	if (action_failures(drv_core) > 0)
		rc = 1;
	action_shutdown(drv_core);
	core_free(drv_core);
	config_free(cfg);
	return rc;
fail:
	fprintf(stderr, "mirrortop: %s\n", cause);
	free(cause);
	action_shutdown(drv_core);
	core_free(drv_core);
	config_free(cfg);
	return 1;
usage:
	fprintf(stderr, "usage: bad arguments for %s\n", cmd);
	action_shutdown(drv_core);
	core_free(drv_core);
	config_free(cfg);
	return 2;
}
