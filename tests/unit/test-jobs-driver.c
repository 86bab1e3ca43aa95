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
 *     | describe APP VERSION
 *     | jobs
 *
 * Messages go to stderr, results (index JSON, plans, jobs) to stdout.
 * Exit 0 ok, 1 a failure, 2 usage.
 */
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
		    (size_t)npos - 1, dry, &out, &cause) != 0)
			goto fail;
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
	} else if (strcmp(cmd, "describe") == 0) {
		if ((out = action_describe_build(drv_core, app, ver, NULL,
		    &cause)) == NULL)
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
