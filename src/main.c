/* main.c — command line: the dashboard and the headless subcommands. */
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "actions.h"
#include "apply.h"
#include "attest.h"
#include "complete.h"
#include "config.h"
#include "core.h"
#include "events.h"
#include "output.h"
#include "plan.h"
#include "tui.h"
#include "util.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2
#define EXIT_STALE	3	/* status --exit-code: something to do */

struct cli {
	const char	*config_path;
	int		 json;
	int		 openmetrics;	/* status --format openmetrics */
	int		 read_only;
	int		 interval;
	int		 dry_run;
	int		 force;
	int		 exit_code;
	const char	*since;		/* events --since */
	const char	*target;	/* copy --target */
	int		 yes;
	int		 no_mouse;
	const char	*archs[CONFIG_MAX_ARCHS];
	size_t		 narchs;
	char		**args;		/* positional arguments */
	int		 nargs;
};

/*
 * The options of the command line. Each subcommand lists the ones it
 * takes (cmd_entry.options); any other option is a usage error naming the
 * option and the subcommand. To add an option: a CLI_OPT_ bit, a row here
 * (with the function that stores its value) and the bit in the
 * subcommands that take it.
 */
enum {
	CLI_OPT_CONFIG		= 1u << 0,
	CLI_OPT_JSON		= 1u << 1,
	CLI_OPT_READ_ONLY	= 1u << 2,
	CLI_OPT_WATCH		= 1u << 3,
	CLI_OPT_INTERVAL	= 1u << 4,
	CLI_OPT_DRY_RUN		= 1u << 5,
	CLI_OPT_ARCH		= 1u << 6,
	CLI_OPT_HELP		= 1u << 7,
	CLI_OPT_VERSION		= 1u << 8,
	CLI_OPT_FORCE		= 1u << 9,
	CLI_OPT_EXIT_CODE	= 1u << 10,
	CLI_OPT_SINCE		= 1u << 11,
	CLI_OPT_FORMAT		= 1u << 12,
	CLI_OPT_YES		= 1u << 13,
	CLI_OPT_NO_MOUSE	= 1u << 14,
	CLI_OPT_TARGET		= 1u << 15,
};

struct cli_option {
	const char	*name;		/* long name, without "--" */
	int		 short_name;	/* 0: none */
	const char	*arg;		/* the value's name; NULL: no value */
	unsigned	 bit;		/* CLI_OPT_* */
	const char	*help;		/* one line */
	/* Store the value; -1 after printing a one-line error. */
	int		 (*set)(struct cli *, const char *);
};

/* A subcommand (tmux's cmd_entry): its words, options and arguments. */
struct cmd_entry {
	const char	*name;
	const char	*args;		/* positional arguments, for usage */
	int		 lower;		/* fewest positional arguments */
	int		 upper;		/* most; -1: no limit */
	unsigned	 options;	/* CLI_OPT_* it takes */
	const char	*help;		/* one line */
	int		 (*exec)(struct cli *, struct config *);
};

static int cli_set_config(struct cli *, const char *);
static int cli_set_json(struct cli *, const char *);
static int cli_set_format(struct cli *, const char *);
static int cli_set_read_only(struct cli *, const char *);
static int cli_set_interval(struct cli *, const char *);
static int cli_set_dry_run(struct cli *, const char *);
static int cli_set_arch(struct cli *, const char *);
static int cli_set_force(struct cli *, const char *);
static int cli_set_exit_code(struct cli *, const char *);
static int cli_set_since(struct cli *, const char *);
static int cli_set_yes(struct cli *, const char *);
static int cli_set_no_mouse(struct cli *, const char *);
static int cli_set_target(struct cli *, const char *);

static const struct cli_option cli_options[] = {
	{ .name = "config", .short_name = 'c', .arg = "FILE",
	  .bit = CLI_OPT_CONFIG, .set = cli_set_config,
	  .help = "read the configuration from FILE" },
	{ .name = "json", .bit = CLI_OPT_JSON, .set = cli_set_json,
	  .help = "print JSON (build, merge, sync: the plan, with --dry-run)" },
	{ .name = "format", .arg = "table|json|openmetrics",
	  .bit = CLI_OPT_FORMAT, .set = cli_set_format,
	  .help = "print a table, JSON or OpenMetrics" },
	{ .name = "read-only", .bit = CLI_OPT_READ_ONLY,
	  .set = cli_set_read_only,
	  .help = "refuse every write; ask for no write credentials" },
	{ .name = "watch", .bit = CLI_OPT_WATCH, .set = cli_set_read_only,
	  .help = "the same as --read-only" },
	{ .name = "interval", .arg = "SECONDS", .bit = CLI_OPT_INTERVAL,
	  .set = cli_set_interval,
	  .help = "seconds between automatic refreshes" },
	{ .name = "dry-run", .bit = CLI_OPT_DRY_RUN, .set = cli_set_dry_run,
	  .help = "print the plan; write nothing, run nothing" },
	{ .name = "arch", .arg = "ARCH", .bit = CLI_OPT_ARCH,
	  .set = cli_set_arch,
	  .help = "only this architecture (may be repeated)" },
	{ .name = "force", .bit = CLI_OPT_FORCE, .set = cli_set_force,
	  .help = "rewrite what is already published" },
	{ .name = "exit-code", .bit = CLI_OPT_EXIT_CODE,
	  .set = cli_set_exit_code,
	  .help = "exit 3 when a version is not complete or latest drifts" },
	{ .name = "since", .arg = "DURATION", .bit = CLI_OPT_SINCE,
	  .set = cli_set_since,
	  .help = "only what happened in the last DURATION (30m, 12h, 7d)" },
	{ .name = "target", .arg = "NAME", .bit = CLI_OPT_TARGET,
	  .set = cli_set_target,
	  .help = "copy: only to this target (default: every mirror)" },
	{ .name = "yes", .short_name = 'y', .bit = CLI_OPT_YES,
	  .set = cli_set_yes,
	  .help = "prune: apply the plan (without it, only print it)" },
	{ .name = "no-mouse", .bit = CLI_OPT_NO_MOUSE,
	  .set = cli_set_no_mouse,
	  .help = "leave the mouse to the terminal (its own selection)" },
	{ .name = "help", .short_name = 'h', .bit = CLI_OPT_HELP,
	  .help = "print this help and exit" },
	{ .name = "version", .bit = CLI_OPT_VERSION,
	  .help = "print the version and exit" },
};

static int cmd_dashboard(struct cli *, struct config *);
static int cmd_status(struct cli *, struct config *);
static int status_exit_code(const struct mt_model *);
static int cmd_matrix(struct cli *, struct config *);
static int cmd_config(struct cli *, struct config *);
static int cmd_build(struct cli *, struct config *);
static int cmd_merge(struct cli *, struct config *);
static int cmd_sync(struct cli *, struct config *);
static int cmd_events(struct cli *, struct config *);
static int cmd_prune(struct cli *, struct config *);
static int cmd_attest(struct cli *, struct config *);
static int cmd_copy(struct cli *, struct config *);

/* The dashboard: mirrortop without a subcommand. */
static const struct cmd_entry cmd_dashboard_entry = {
	.name = "", .args = "", .lower = 0, .upper = 0,
	.options = CLI_OPT_CONFIG | CLI_OPT_READ_ONLY | CLI_OPT_WATCH |
	    CLI_OPT_INTERVAL | CLI_OPT_NO_MOUSE | CLI_OPT_HELP |
	    CLI_OPT_VERSION,
	.help = "the interactive dashboard",
	.exec = cmd_dashboard
};

static const struct cmd_entry cmd_table[] = {
	{ .name = "status", .args = "[APP...]", .lower = 0, .upper = -1,
	  .options = CLI_OPT_CONFIG | CLI_OPT_JSON | CLI_OPT_FORMAT |
	      CLI_OPT_EXIT_CODE |
	      CLI_OPT_HELP,
	  .help = "refresh once and print the states",
	  .exec = cmd_status },
	{ .name = "matrix", .args = "[APP...]", .lower = 0, .upper = -1,
	  .options = CLI_OPT_CONFIG | CLI_OPT_HELP,
	  .help = "print the CI build matrix of what is missing",
	  .exec = cmd_matrix },
	{ .name = "build", .args = "APP VERSION", .lower = 2, .upper = 2,
	  .options = CLI_OPT_CONFIG | CLI_OPT_DRY_RUN | CLI_OPT_JSON |
	      CLI_OPT_FORCE | CLI_OPT_ARCH | CLI_OPT_READ_ONLY | CLI_OPT_HELP,
	  .help = "build the missing architectures of a version, then merge",
	  .exec = cmd_build },
	{ .name = "merge", .args = "APP VERSION", .lower = 2, .upper = 2,
	  .options = CLI_OPT_CONFIG | CLI_OPT_DRY_RUN | CLI_OPT_JSON |
	      CLI_OPT_FORCE | CLI_OPT_READ_ONLY | CLI_OPT_HELP,
	  .help = "merge a version's architectures into one index",
	  .exec = cmd_merge },
	{ .name = "sync", .args = "[APP...]", .lower = 0, .upper = -1,
	  .options = CLI_OPT_CONFIG | CLI_OPT_DRY_RUN | CLI_OPT_JSON |
	      CLI_OPT_FORCE | CLI_OPT_ARCH | CLI_OPT_READ_ONLY | CLI_OPT_HELP,
	  .help = "build, merge and move latest for everything missing",
	  .exec = cmd_sync },
	{ .name = "copy", .args = "APP VERSION", .lower = 2, .upper = 2,
	  .options = CLI_OPT_CONFIG | CLI_OPT_DRY_RUN | CLI_OPT_JSON |
	      CLI_OPT_FORCE | CLI_OPT_TARGET | CLI_OPT_READ_ONLY |
	      CLI_OPT_HELP,
	  .help = "copy a version from the primary target to the mirrors, "
	      "digest-preserving",
	  .exec = cmd_copy },
	{ .name = "events", .args = "[APP...]", .lower = 0, .upper = -1,
	  .options = CLI_OPT_CONFIG | CLI_OPT_JSON | CLI_OPT_SINCE |
	      CLI_OPT_HELP,
	  .help = "list what changed: the event history of the state dir",
	  .exec = cmd_events },
	{ .name = "prune", .args = "[APP...]", .lower = 0, .upper = -1,
	  .options = CLI_OPT_CONFIG | CLI_OPT_YES | CLI_OPT_DRY_RUN |
	      CLI_OPT_JSON | CLI_OPT_READ_ONLY | CLI_OPT_HELP,
	  .help = "print what can be removed (staging tags merged into an "
	      "index); --yes removes it",
	  .exec = cmd_prune },
	{ .name = "attest", .args = "APP VERSION", .lower = 2, .upper = 2,
	  .options = CLI_OPT_CONFIG | CLI_OPT_DRY_RUN | CLI_OPT_JSON |
	      CLI_OPT_READ_ONLY | CLI_OPT_HELP,
	  .help = "run the attest steps on a version, then check the result",
	  .exec = cmd_attest },
	{ .name = "config", .args = "check", .lower = 1, .upper = 1,
	  .options = CLI_OPT_CONFIG | CLI_OPT_HELP,
	  .help = "validate the configuration and print it in full",
	  .exec = cmd_config },
};

/* The option with this long name (n bytes), or NULL. */
static const struct cli_option *
cli_option_find(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(cli_options); i++) {
		if (strlen(cli_options[i].name) == n &&
		    strncmp(cli_options[i].name, name, n) == 0)
			return &cli_options[i];
	}
	return NULL;
}

/* The option with this short name, or NULL. */
static const struct cli_option *
cli_option_short(int c)
{
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(cli_options); i++)
		if (cli_options[i].short_name == c)
			return &cli_options[i];
	return NULL;
}

/* The subcommand named name, or NULL. */
static const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(cmd_table); i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

/* "build" or "the dashboard", for messages. */
static const char *
cmd_label(const struct cmd_entry *cmd)
{
	return *cmd->name != '\0' ? cmd->name : "the dashboard";
}

/* One option as usage shows it: "-c, --config FILE". */
static void
cli_option_print(FILE *f, const struct cli_option *o)
{
	char head[64];

	if (o->short_name != 0)
		snprintf(head, sizeof head, "-%c, --%s%s%s", o->short_name,
		    o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(head, sizeof head, "    --%s%s%s", o->name,
		    o->arg ? " " : "", o->arg ? o->arg : "");
	fprintf(f, "  %-24s %s\n", head, o->help);
}

/* Print usage to f. */
static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: mirrortop [-c FILE] [--read-only|--watch] "
	    "[--interval SECONDS] [--no-mouse]\n");
	for (i = 0; i < MT_ARRAY_LEN(cmd_table); i++)
		fprintf(f, "       mirrortop %s [options] %s\n",
		    cmd_table[i].name, cmd_table[i].args);
	fprintf(f, "       mirrortop [SUBCOMMAND] --help | --version\n");
}

/* `mirrortop SUBCOMMAND --help`: its usage and options, one line each. */
static void
cmd_usage(FILE *f, const struct cmd_entry *cmd)
{
	size_t i;

	if (*cmd->name == '\0') {
		usage(f);
		fprintf(f, "options of the dashboard:\n");
	} else
		fprintf(f, "usage: mirrortop %s [options] %s\n%s\noptions:\n",
		    cmd->name, cmd->args, cmd->help);
	for (i = 0; i < MT_ARRAY_LEN(cli_options); i++)
		if (cmd->options & cli_options[i].bit)
			cli_option_print(f, &cli_options[i]);
}

/*
 * The subcommands and their options, one subcommand a line: its name then
 * each option it takes, "--name" or "--name=ARG" when it takes a value
 * (and the short forms: "-c=FILE"). The dashboard is the line named
 * "-". Shell completion is generated from this list (`mirrortop
 * __commands`).
 */
static void
cmd_list(FILE *f)
{
	const struct cmd_entry *cmd;
	size_t i, j;

	for (i = 0; i <= MT_ARRAY_LEN(cmd_table); i++) {
		cmd = i == 0 ? &cmd_dashboard_entry : &cmd_table[i - 1];
		fputs(i == 0 ? "-" : cmd->name, f);
		for (j = 0; j < MT_ARRAY_LEN(cli_options); j++) {
			const struct cli_option *o = &cli_options[j];

			if ((cmd->options & o->bit) == 0)
				continue;
			if (o->short_name != 0)
				fprintf(f, " -%c%s%s", o->short_name,
				    o->arg ? "=" : "", o->arg ? o->arg : "");
			fprintf(f, " --%s%s%s", o->name, o->arg ? "=" : "",
			    o->arg ? o->arg : "");
		}
		fputc('\n', f);
	}
}

/* Print one error line. */
static void __attribute__((format(printf, 1, 2)))
errorx(const char *fmt, ...)
{
	va_list ap;

	fputs("mirrortop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define COMPLETE_MAX_OPTIONS (2 * MT_ARRAY_LEN(cli_options))

/* One command of the table as complete.c sees it; opts has room for
 * COMPLETE_MAX_OPTIONS ("-c" and "--config" are two words). */
static void
cmd_complete_entry(const struct cmd_entry *cmd, struct complete_command *out,
    struct complete_option *opts, char (*names)[32])
{
	size_t i, n = 0;

	memset(out, 0, sizeof *out);
	out->name = cmd->name;
	out->help = cmd->help;
	out->args = cmd->args;
	for (i = 0; i < MT_ARRAY_LEN(cli_options); i++) {
		const struct cli_option *o = &cli_options[i];

		if ((cmd->options & o->bit) == 0)
			continue;
		if (o->short_name != 0) {
			snprintf(names[n], sizeof names[n], "-%c",
			    o->short_name);
			opts[n] = (struct complete_option){ names[n], o->arg,
			    o->help };
			n++;
		}
		snprintf(names[n], sizeof names[n], "--%s", o->name);
		opts[n] = (struct complete_option){ names[n], o->arg,
		    o->help };
		n++;
	}
	out->options = opts;
	out->noptions = n;
}

/*
 * `mirrortop __complete WORD... CURRENT`: the candidates for shell
 * completion, from this file's command table (complete.h).
 */
static int
cmd_complete(int argc, char **argv)
{
	static struct complete_option opts[MT_ARRAY_LEN(cmd_table) + 1]
	    [COMPLETE_MAX_OPTIONS];
	static char names[MT_ARRAY_LEN(cmd_table) + 1][COMPLETE_MAX_OPTIONS]
	    [32];
	struct complete_command cmds[MT_ARRAY_LEN(cmd_table)], dashboard;
	size_t i;

	if (argc < 1) {
		errorx("%s", "usage: mirrortop __complete WORD... CURRENT");
		return EXIT_USAGE;
	}
	cmd_complete_entry(&cmd_dashboard_entry, &dashboard, opts[0],
	    names[0]);
	for (i = 0; i < MT_ARRAY_LEN(cmd_table); i++)
		cmd_complete_entry(&cmd_table[i], &cmds[i], opts[i + 1],
		    names[i + 1]);
	return complete_run(stdout, cmds, MT_ARRAY_LEN(cmds), &dashboard,
	    argv, argc);
}

/*
 * Keep only the apps named on the command line (in config order). The
 * copy shares every string with cfg. Returns -1 on an unknown name.
 */
/* The configured apps' names, ", "-separated. Caller frees. */
static char *
known_apps(const struct config *cfg)
{
	struct buf b;
	size_t j;

	buf_init(&b, 64 * 1024);
	for (j = 0; j < cfg->napps; j++)
		buf_printf(&b, "%s%s", j > 0 ? ", " : "", cfg->apps[j].name);
	if (b.len == 0) {
		buf_free(&b);
		return xstrdup("no apps");
	}
	return buf_steal(&b);
}

static int
select_apps(struct config *cfg, char **names, int n, struct config *out,
    struct app_config **keep)
{
	int i;
	size_t j, k = 0;

	*out = *cfg;
	*keep = NULL;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < cfg->napps; j++)
			if (strcmp(cfg->apps[j].name, names[i]) == 0)
				break;
		if (j == cfg->napps) {
			char *known = known_apps(cfg);

			errorx("unknown app \"%s\" (the configuration has: %s)",
			    names[i], known);
			free(known);
			return -1;
		}
	}
	*keep = xcalloc(cfg->napps, sizeof **keep);
	for (j = 0; j < cfg->napps; j++) {
		for (i = 0; i < n; i++) {
			if (strcmp(cfg->apps[j].name, names[i]) == 0) {
				(*keep)[k++] = cfg->apps[j];
				break;
			}
		}
	}
	out->apps = *keep;
	out->napps = k;
	return 0;
}

/* Progress and errors of actions, one line each, on stderr. */
static void
cli_notify(const char *msg, int is_error, void *arg)
{
	(void)arg;
	fprintf(stderr, "mirrortop: %s%s\n", is_error ? "error: " : "", msg);
}

/* Let notifications end, then free the core. */
static void
cli_core_free(struct core *core)
{
	if (core != NULL)
		core_finish(core);
	core_free(core);
}

/* One refresh of the selected apps; returns the core or NULL. */
static struct core *
refresh_once(struct cli *cli, const struct config *cfg)
{
	struct core_options opt = { .read_only = cli->read_only };
	struct core *core;
	char *cause = NULL;

	if ((core = core_new(cfg, &opt, &cause)) == NULL) {
		errorx("%s", cause);
		free(cause);
		return NULL;
	}
	if (core_events(core) != NULL)
		events_set_log(core_events(core), cli_notify, NULL);
	core_refresh_all(core);
	core_run_until_idle(core);
	return core;
}

/* Exit status after a refresh: 1 if any app could not be checked. */
static int
refresh_status(const struct core *core)
{
	const struct mt_model *m = core_model(core);
	size_t i;
	int rc = 0;

	for (i = 0; i < m->napps; i++) {
		if (m->apps[i].error != NULL) {
			char *e = str_oneline(m->apps[i].error, 512);

			fprintf(stderr, "mirrortop: %s: %s\n",
			    m->apps[i].cfg->name, e);
			free(e);
			rc = EXIT_RUNTIME;
		}
	}
	return rc;
}

/*
 * Refresh the apps named on the command line once, print the model with
 * print, and exit 1 if any app could not be checked.
 */
static int
refresh_and_print(struct cli *cli, struct config *cfg,
    void (*print)(struct cli *, const struct mt_model *))
{
	struct config sel;
	struct app_config *keep;
	struct core *core;
	int rc;

	if (select_apps(cfg, cli->args, cli->nargs, &sel, &keep) == -1)
		return EXIT_USAGE;
	if ((core = refresh_once(cli, &sel)) == NULL) {
		free(keep);
		return EXIT_RUNTIME;
	}
	print(cli, core_model(core));
	fflush(stdout);
	rc = refresh_status(core);
	if (rc == 0 && cli->exit_code)
		rc = status_exit_code(core_model(core));
	cli_core_free(core);
	free(keep);
	return rc;
}

/* The status table or JSON. */
static void
print_status(struct cli *cli, const struct mt_model *m)
{
	if (cli->openmetrics)
		output_status_openmetrics(stdout, m, time(NULL));
	else if (cli->json)
		output_status_json(stdout, m);
	else
		output_status_table(stdout, m, output_use_colour(stdout));
}

/* The CI matrix. */
static void
print_matrix(struct cli *cli, const struct mt_model *m)
{
	(void)cli;
	output_matrix_json(stdout, m);
}

/* `mirrortop status`. */
static int
cmd_status(struct cli *cli, struct config *cfg)
{
	return refresh_and_print(cli, cfg, print_status);
}

/*
 * status --exit-code, after printing: 3 when a version in the window is
 * not complete, lacks what attest.latest_requires names, or latest drifts
 * (for cron). An app that could not be checked makes it 1 before this is
 * asked (1 wins).
 */
static int
status_exit_code(const struct mt_model *m)
{
	size_t i, j;

	for (i = 0; i < m->napps; i++) {
		const struct mt_app *a = &m->apps[i];

		if (a->latest_drift)
			return EXIT_STALE;
		for (j = 0; j < a->nversions; j++)
			if (a->versions[j].state != VERSION_COMPLETE ||
			    attest_latest_missing(m->cfg, &a->versions[j]) != 0)
				return EXIT_STALE;
	}
	return 0;
}

/* `mirrortop matrix`. */
static int
cmd_matrix(struct cli *cli, struct config *cfg)
{
	return refresh_and_print(cli, cfg, print_matrix);
}

/* Each --arch must be an arch of one of the selected apps. -1 if not. */
static int
check_archs(const struct cli *cli, const struct config *sel)
{
	size_t i, j, k;

	for (i = 0; i < cli->narchs; i++) {
		for (j = 0; j < sel->napps; j++) {
			const struct app_config *ac = &sel->apps[j];

			for (k = 0; k < ac->narchs; k++)
				if (strcmp(ac->archs[k], cli->archs[i]) == 0)
					break;
			if (k < ac->narchs)
				break;
		}
		if (j == sel->napps) {
			errorx("--arch %s: not an arch of %s", cli->archs[i],
			    sel->napps == 1 ? sel->apps[0].name :
			    "any selected app");
			return -1;
		}
	}
	return 0;
}

/* Refresh the app named in args[0] and find args[1]; -1 on errors. */
static struct core *
refresh_version(struct cli *cli, struct config *cfg, struct config *sel,
    struct app_config **keep, size_t *ai, size_t *vi, int *rc)
{
	struct core *core;
	char *cause = NULL;
	const struct mt_app *app;
	size_t i, j;

	*rc = EXIT_USAGE;
	if (cli->nargs != 2) {
		errorx("%s", "expected APP VERSION");
		return NULL;
	}
	if (select_apps(cfg, cli->args, 1, sel, keep) == -1)
		return NULL;
	for (i = 0; i < cli->narchs; i++) {
		const struct app_config *ac = &sel->apps[0];

		for (j = 0; j < ac->narchs; j++)
			if (strcmp(ac->archs[j], cli->archs[i]) == 0)
				break;
		if (j == ac->narchs) {
			errorx("%s: --arch %s: not one of the app's archs",
			    ac->name, cli->archs[i]);
			return NULL;
		}
	}
	*rc = EXIT_RUNTIME;
	if ((core = refresh_once(cli, sel)) == NULL)
		return NULL;
	app = &core_model(core)->apps[0];
	if (app->error != NULL) {
		refresh_status(core);
		cli_core_free(core);
		return NULL;
	}
	if (action_find(core, cli->args[0], cli->args[1], ai, vi,
	    &cause) == -1) {
		errorx("%s", cause);
		free(cause);
		cli_core_free(core);
		*rc = EXIT_USAGE;
		return NULL;
	}
	action_set_notify(core, cli_notify, NULL);
	*rc = 0;
	return core;
}

/*
 * The write commands: refresh, make the plan, then print it (--dry-run)
 * or apply it. A dry run exits 1 when a step asked for cannot be planned;
 * a real run exits 1 as well when a step was not done, with one line per
 * such step and a summary line.
 */
static int
run_plan(struct cli *cli, struct config *cfg, enum plan_what what,
    const char *name)
{
	struct plan_request req;
	struct config sel;
	struct app_config *keep = NULL;
	struct core *core;
	struct plan *plan;
	struct apply_summary sum;
	size_t ai, vi, i;
	char *cause = NULL, *text;
	int rc = 0;

	if (what == PLAN_REQ_PRUNE) {
		/* prune prints its plan unless told --yes */
		if (cli->yes && cli->dry_run) {
			errorx("%s", "prune: --yes and --dry-run contradict "
			    "each other");
			return EXIT_USAGE;
		}
		cli->dry_run = !cli->yes;
	}
	if (cli->json && !cli->dry_run) {
		errorx("%s: --json needs --dry-run", name);
		return EXIT_USAGE;
	}
	memset(&req, 0, sizeof req);
	req.what = what;
	req.archs = cli->archs;
	req.narchs = cli->narchs;
	req.force = cli->force;
	req.target = cli->target;
	if (what == PLAN_REQ_SYNC || what == PLAN_REQ_PRUNE) {
		if (select_apps(cfg, cli->args, cli->nargs, &sel, &keep) == -1)
			return EXIT_USAGE;
		if (check_archs(cli, &sel) == -1) {
			free(keep);
			return EXIT_USAGE;
		}
		if ((core = refresh_once(cli, &sel)) == NULL) {
			free(keep);
			return EXIT_RUNTIME;
		}
		req.apps = (const char *const *)cli->args;
		req.napps = (size_t)cli->nargs;
	} else {
		if ((core = refresh_version(cli, cfg, &sel, &keep, &ai, &vi,
		    &rc)) == NULL) {
			free(keep);
			return rc;
		}
		req.apps = (const char *const *)cli->args;
		req.napps = 1;
		req.version = core_model(core)->apps[ai].versions[vi].version;
	}
	action_set_notify(core, cli_notify, NULL);
	if ((plan = plan_make_wait(core, &req, &cause)) == NULL) {
		errorx("%s", cause);
		free(cause);
		cli_core_free(core);
		free(keep);
		return EXIT_RUNTIME;
	}
	/* Steps asked for that cannot be done: one line each. */
	for (i = 0; i < plan->nnotes; i++) {
		if (plan->notes[i].kind != PLAN_NOT_DONE)
			continue;
		text = str_oneline(plan->notes[i].why, 2048);
		fprintf(stderr, "mirrortop: not done: %s\n", text);
		free(text);
		rc = EXIT_RUNTIME;
	}
	if (cli->dry_run) {
		if (cli->json)
			output_plan_json(stdout, plan);
		else
			output_plan_text(stdout, plan);
		fflush(stdout);
	} else {
		for (i = 0; i < plan->nnotes; i++) {
			/* What is up to date is counted in sync's summary;
			 * build and merge of one version say it. */
			if (plan->notes[i].kind == PLAN_NOT_DONE ||
			    (plan->notes[i].kind == PLAN_UP_TO_DATE &&
			    what == PLAN_REQ_SYNC))
				continue;
			text = str_oneline(plan->notes[i].why, 2048);
			fprintf(stderr, "mirrortop: %s: %s\n",
			    plan->notes[i].kind == PLAN_UP_TO_DATE ?
			    "up to date" : "withheld", text);
			free(text);
		}
		if (apply_wait(core, plan, name, &sum, &cause) == -1) {
			errorx("%s", cause);
			free(cause);
			rc = EXIT_RUNTIME;
		} else {
			/* Jobs other processes see, and refreshes. */
			action_run_until_idle(core);
			/* Nothing to do and nothing to say: quiet (cron). */
			if (plan->nsteps > 0 || (what != PLAN_REQ_SYNC &&
			    what != PLAN_REQ_PRUNE) ||
			    plan->nnotes > (size_t)sum.up_to_date) {
				text = apply_summary_line(&sum);
				fprintf(stderr, "mirrortop: %s\n", text);
				free(text);
			}
			if (sum.failed > 0)
				rc = EXIT_RUNTIME;
		}
	}
	plan_free(plan);
	cli_core_free(core);
	free(keep);
	return rc;
}

/* `mirrortop build APP VERSION`: builds, then merges. */
static int
cmd_build(struct cli *cli, struct config *cfg)
{
	return run_plan(cli, cfg, PLAN_REQ_BUILD, "build");
}

/* `mirrortop merge APP VERSION`. */
static int
cmd_merge(struct cli *cli, struct config *cfg)
{
	return run_plan(cli, cfg, PLAN_REQ_MERGE, "merge");
}

/* `mirrortop sync [APP...]`. */
static int
cmd_sync(struct cli *cli, struct config *cfg)
{
	return run_plan(cli, cfg, PLAN_REQ_SYNC, "sync");
}

/* Whether an event is about one of the named apps (all when none). */
static int
events_selected(const struct event *ev, char **names, int n)
{
	int i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (ev->app != NULL && strcmp(ev->app, names[i]) == 0)
			return 1;
	return 0;
}

/* `mirrortop events [--since DURATION] [--json] [APP...]`. */
static int
cmd_events(struct cli *cli, struct config *cfg)
{
	struct event **list = NULL;
	struct config sel;
	struct app_config *keep;
	size_t n = 0, i, k = 0;
	char *cause = NULL;
	long since = 0;
	time_t from = 0;

	if (cli->since != NULL && events_parse_duration(cli->since,
	    &since) == 0)
		from = time(NULL) - since;
	if (select_apps(cfg, cli->args, cli->nargs, &sel, &keep) == -1)
		return EXIT_USAGE;
	free(keep);
	if (events_history_read(state_dir(), &list, &n, &cause) == -1) {
		errorx("%s", cause);
		free(cause);
		return EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++) {
		if ((cli->since == NULL || list[i]->time >= from) &&
		    events_selected(list[i], cli->args, cli->nargs))
			list[k++] = list[i];
		else
			event_free(list[i]);
	}
	if (cli->json)
		output_events_json(stdout, list, k);
	else
		output_events_table(stdout, list, k, output_use_colour(stdout));
	event_list_free(list, k);
	return 0;
}

/* `mirrortop prune [APP...]`: the plan; with --yes, applied. */
static int
cmd_prune(struct cli *cli, struct config *cfg)
{
	return run_plan(cli, cfg, PLAN_REQ_PRUNE, "prune");
}

/* `mirrortop copy APP VERSION [--target NAME]`. */
static int
cmd_copy(struct cli *cli, struct config *cfg)
{
	if (cli->target != NULL && config_target(cfg, cli->target) == NULL) {
		errorx("copy: --target %s: no target of that name in %s",
		    cli->target, cfg->path != NULL ? cfg->path :
		    "the configuration");
		return EXIT_USAGE;
	}
	return run_plan(cli, cfg, PLAN_REQ_COPY, "copy");
}

/* `mirrortop attest APP VERSION`. */
static int
cmd_attest(struct cli *cli, struct config *cfg)
{
	return run_plan(cli, cfg, PLAN_REQ_ATTEST, "attest");
}

/* `mirrortop config check`. */
static int
cmd_config(struct cli *cli, struct config *cfg)
{
	char *text;

	if (cli->nargs != 1 || strcmp(cli->args[0], "check") != 0) {
		errorx("%s", "usage: mirrortop config check [-c FILE]");
		return EXIT_USAGE;
	}
	text = config_dump(cfg);
	fputs(text, stdout);
	if (text[0] != '\0' && text[strlen(text) - 1] != '\n')
		fputc('\n', stdout);
	free(text);
	fprintf(stderr, "mirrortop: %s: ok\n", cfg->path ? cfg->path :
	    "built-in default configuration");
	return 0;
}

/* The dashboard. */
static int
cmd_dashboard(struct cli *cli, struct config *cfg)
{
	struct core_options opt = {
		.read_only = cli->read_only,
		.interval = cli->interval,
		.auto_refresh = 1,
	};
	struct core *core;
	char *cause = NULL;
	int rc;

	if ((core = core_new(cfg, &opt, &cause)) == NULL) {
		errorx("%s", cause);
		free(cause);
		return EXIT_RUNTIME;
	}
	rc = tui_run(core, !cli->no_mouse);
	core_free(core);
	return rc;
}

/* --config FILE */
static int
cli_set_config(struct cli *cli, const char *v)
{
	cli->config_path = v;
	return 0;
}

/* --json */
static int
cli_set_json(struct cli *cli, const char *v)
{
	(void)v;
	cli->json = 1;
	cli->openmetrics = 0;
	return 0;
}

/* --format table|json|openmetrics */
static int
cli_set_format(struct cli *cli, const char *v)
{
	cli->json = strcmp(v, "json") == 0;
	cli->openmetrics = strcmp(v, "openmetrics") == 0;
	if (!cli->json && !cli->openmetrics && strcmp(v, "table") != 0) {
		errorx("--format: expected table, json or openmetrics, "
		    "got \"%s\"", v);
		return -1;
	}
	return 0;
}

/* --read-only, --watch */
static int
cli_set_read_only(struct cli *cli, const char *v)
{
	(void)v;
	cli->read_only = 1;
	return 0;
}

/* --interval SECONDS */
static int
cli_set_interval(struct cli *cli, const char *v)
{
	long long n;

	/* The bounds of the configuration's refresh_interval. */
	if (str_to_ll(v, 10, 604800, &n) == -1) {
		errorx("--interval: expected seconds (10..604800, as "
		    "refresh_interval), got \"%s\"", v);
		return -1;
	}
	cli->interval = (int)n;
	return 0;
}

/* --dry-run */
static int
cli_set_dry_run(struct cli *cli, const char *v)
{
	(void)v;
	cli->dry_run = 1;
	return 0;
}

/* --force */
static int
cli_set_force(struct cli *cli, const char *v)
{
	(void)v;
	cli->force = 1;
	return 0;
}

/* --yes */
static int
cli_set_yes(struct cli *cli, const char *v)
{
	(void)v;
	cli->yes = 1;
	return 0;
}

/* --no-mouse */
static int
cli_set_no_mouse(struct cli *cli, const char *v)
{
	(void)v;
	cli->no_mouse = 1;
	return 0;
}

/* --target NAME */
static int
cli_set_target(struct cli *cli, const char *v)
{
	cli->target = v;
	return 0;
}

/* --exit-code */
static int
cli_set_exit_code(struct cli *cli, const char *v)
{
	(void)v;
	cli->exit_code = 1;
	return 0;
}

/* --arch ARCH (repeatable; duplicates count once) */
static int
cli_set_arch(struct cli *cli, const char *v)
{
	size_t i;

	for (i = 0; i < cli->narchs; i++)
		if (strcmp(cli->archs[i], v) == 0)
			return 0;
	if (cli->narchs == CONFIG_MAX_ARCHS) {
		errorx("%s", "too many --arch options");
		return -1;
	}
	cli->archs[cli->narchs++] = v;
	return 0;
}

/* --since DURATION (checked when the events are read). */
static int
cli_set_since(struct cli *cli, const char *v)
{
	long s;

	if (events_parse_duration(v, &s) == -1) {
		errorx("--since: expected a duration such as 90s, 30m, 12h, 7d "
		    "or 2w, got \"%s\"", v);
		return -1;
	}
	cli->since = v;
	return 0;
}

/* Add a positional argument. */
static void
cli_add_arg(struct cli *cli, char *a)
{
	cli->args = xreallocarray(cli->args, (size_t)cli->nargs + 1,
	    sizeof *cli->args);
	cli->args[cli->nargs++] = a;
}

/*
 * Apply one option found in argv (spelled as written, for messages) with
 * its value (NULL when none). -1 on a usage error; exits for --help and
 * --version.
 */
static int
cli_apply(struct cli *cli, const struct cmd_entry *cmd,
    const struct cli_option *o, const char *spelled, const char *value)
{
	if ((cmd->options & o->bit) == 0) {
		errorx("%s does not take %s", cmd_label(cmd), spelled);
		return -1;
	}
	if (o->bit == CLI_OPT_HELP) {
		cmd_usage(stdout, cmd);
		exit(0);
	}
	if (o->bit == CLI_OPT_VERSION) {
		printf("mirrortop %s\n", PACKAGE_VERSION);
		exit(0);
	}
	return o->set(cli, value);
}

/*
 * Parse the arguments after the subcommand name against the options cmd
 * takes. Options and positional arguments may come in any order; "--" ends
 * the options. -1 on a usage error (one line printed).
 */
static int
parse_options(int argc, char **argv, const struct cmd_entry *cmd,
    struct cli *cli)
{
	const struct cli_option *o;
	const char *value, *eq;
	char spelled[64];
	int i;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				cli_add_arg(cli, argv[i]);
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			cli_add_arg(cli, a);
			continue;
		}
		value = NULL;
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			o = cli_option_find(a + 2, eq ? (size_t)(eq - a - 2) :
			    strlen(a + 2));
			snprintf(spelled, sizeof spelled, "%.*s",
			    eq ? (int)(eq - a) : (int)strlen(a), a);
			if (o == NULL) {
				errorx("unknown option %s", spelled);
				return -1;
			}
			if (eq != NULL && o->arg == NULL &&
			    (cmd->options & o->bit)) {
				errorx("%s takes no value", spelled);
				return -1;
			}
			if (eq != NULL)
				value = eq + 1;
		} else {
			o = cli_option_short((unsigned char)a[1]);
			snprintf(spelled, sizeof spelled, "-%c", a[1]);
			if (o == NULL || (o->arg == NULL && a[2] != '\0')) {
				errorx("unknown option %s", a);
				return -1;
			}
			if (a[2] != '\0')
				value = a + 2;
		}
		if (o->arg != NULL && value == NULL &&
		    (cmd->options & o->bit)) {
			if (i + 1 >= argc) {
				errorx("%s needs a value (%s)", spelled,
				    o->arg);
				return -1;
			}
			value = argv[++i];
		}
		if (cli_apply(cli, cmd, o, spelled, value) == -1)
			return -1;
	}
	if (cli->nargs < cmd->lower ||
	    (cmd->upper >= 0 && cli->nargs > cmd->upper)) {
		if (*cmd->name == '\0')
			errorx("unknown command \"%s\"", cli->args[0]);
		else
			errorx("%s: expected %s", cmd->name, cmd->args);
		return -1;
	}
	return 0;
}

/*
 * The index of the subcommand word in argv, or argc when there is none:
 * the first argument that is neither an option nor an option's value.
 */
static int
cmd_word(int argc, char **argv)
{
	const struct cli_option *o;
	const char *a;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1 < argc ? i + 1 : argc;
		if (a[0] != '-' || a[1] == '\0')
			return i;
		if (a[1] == '-') {
			if (strchr(a, '=') != NULL)
				continue;
			o = cli_option_find(a + 2, strlen(a + 2));
		} else
			o = a[2] == '\0' ? cli_option_short(a[1]) : NULL;
		if (o != NULL && o->arg != NULL)
			i++;
	}
	return argc;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *cmd = &cmd_dashboard_entry;
	struct cli cli;
	struct config *cfg = NULL;
	char *cause = NULL;
	int rc, first;

	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);
	memset(&cli, 0, sizeof cli);
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0)
		return cmd_complete(argc - 2, argv + 2);

	first = cmd_word(argc, argv);
	if (first < argc && strcmp(argv[first], "__commands") == 0) {
		/* For completion scripts: what cmd_list() says. */
		cmd_list(stdout);
		return 0;
	}
	if (first < argc && (cmd = cmd_find(argv[first])) != NULL) {
		/* Drop the subcommand word and parse the rest. */
		memmove(&argv[first], &argv[first + 1],
		    (size_t)(argc - first - 1) * sizeof *argv);
		argc--;
	} else
		cmd = &cmd_dashboard_entry;
	if (parse_options(argc, argv, cmd, &cli) == -1) {
		if (*cmd->name == '\0')
			usage(stderr);
		else
			fprintf(stderr, "usage: mirrortop %s [options] %s "
			    "(mirrortop %s --help lists the options)\n",
			    cmd->name, cmd->args, cmd->name);
		free(cli.args);
		return EXIT_USAGE;
	}
	if (config_load(cli.config_path, &cfg, &cause) == -1) {
		fprintf(stderr, "mirrortop: %s\n", cause);
		free(cause);
		free(cli.args);
		return EXIT_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmd->exec(&cli, cfg);
	config_free(cfg);
	curl_global_cleanup();
	free(cli.args);
	return rc;
}
