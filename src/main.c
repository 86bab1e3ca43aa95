/* main.c — command line: the dashboard and the headless subcommands. */
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "actions.h"
#include "config.h"
#include "core.h"
#include "output.h"
#include "tui.h"
#include "util.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

struct cli {
	const char	*config_path;
	int		 json;
	int		 read_only;
	int		 interval;
	int		 dry_run;
	const char	*archs[CONFIG_MAX_ARCHS];
	size_t		 narchs;
	char		**args;		/* positional arguments */
	int		 nargs;
};

struct cmd_entry {
	const char	*name;
	const char	*usage;
	int		 (*exec)(struct cli *, struct config *);
};

static int cmd_dashboard(struct cli *, struct config *);
static int cmd_status(struct cli *, struct config *);
static int cmd_matrix(struct cli *, struct config *);
static int cmd_config(struct cli *, struct config *);
static int cmd_build(struct cli *, struct config *);
static int cmd_merge(struct cli *, struct config *);
static int cmd_sync(struct cli *, struct config *);

static const struct cmd_entry cmd_table[] = {
	{ .name = "status", .usage = "status [-c FILE] [--json] [APP...]",
	  .exec = cmd_status },
	{ .name = "matrix", .usage = "matrix [-c FILE] [APP...]",
	  .exec = cmd_matrix },
	{ .name = "build", .usage = "build [-c FILE] APP VERSION [--arch A]...",
	  .exec = cmd_build },
	{ .name = "merge", .usage = "merge [-c FILE] [--dry-run] APP VERSION",
	  .exec = cmd_merge },
	{ .name = "sync", .usage = "sync [-c FILE] [--dry-run] [APP...]",
	  .exec = cmd_sync },
	{ .name = "config", .usage = "config check [-c FILE]",
	  .exec = cmd_config },
};

/* Print usage to f. */
static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: mirrortop [-c FILE] [--read-only|--watch] "
	    "[--interval SECONDS]\n");
	for (i = 0; i < MT_ARRAY_LEN(cmd_table); i++)
		fprintf(f, "       mirrortop %s\n", cmd_table[i].usage);
	fprintf(f, "       mirrortop --help | --version\n");
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

/*
 * Keep only the apps named on the command line (in config order). The
 * copy shares every string with cfg. Returns -1 on an unknown name.
 */
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
			errorx("unknown app \"%s\"", names[i]);
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
	core_free(core);
	free(keep);
	return rc;
}

/* The status table or JSON. */
static void
print_status(struct cli *cli, const struct mt_model *m)
{
	if (cli->json)
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

/* `mirrortop matrix`. */
static int
cmd_matrix(struct cli *cli, struct config *cfg)
{
	return refresh_and_print(cli, cfg, print_matrix);
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
		core_free(core);
		return NULL;
	}
	if (action_find(core, cli->args[0], cli->args[1], ai, vi,
	    &cause) == -1) {
		errorx("%s", cause);
		free(cause);
		core_free(core);
		*rc = EXIT_USAGE;
		return NULL;
	}
	action_set_notify(core, cli_notify, NULL);
	*rc = 0;
	return core;
}

/* `mirrortop build APP VERSION [--arch A]...`: builds, then merges. */
static int
cmd_build(struct cli *cli, struct config *cfg)
{
	struct config sel;
	struct app_config *keep = NULL;
	struct core *core;
	size_t ai, vi, i;
	char *cause = NULL;
	int rc, queued = 0, n;

	if ((core = refresh_version(cli, cfg, &sel, &keep, &ai, &vi,
	    &rc)) == NULL) {
		free(keep);
		return rc;
	}
	if (cli->narchs == 0) {
		if ((n = action_build(core, ai, vi, NULL, 1, &cause)) == -1)
			goto fail;
		queued = n;
	}
	for (i = 0; i < cli->narchs; i++) {
		if ((n = action_build(core, ai, vi, cli->archs[i], 1,
		    &cause)) == -1)
			goto fail;
		queued += n;
	}
	if (queued == 0)
		fprintf(stderr, "mirrortop: %s %s: nothing to build\n",
		    cli->args[0], cli->args[1]);
	action_run_until_idle(core);
	rc = action_failures(core) > 0 ? EXIT_RUNTIME : 0;
	core_free(core);
	free(keep);
	return rc;
fail:
	errorx("%s", cause);
	free(cause);
	core_free(core);
	free(keep);
	return EXIT_RUNTIME;
}

/* `mirrortop merge [--dry-run] APP VERSION`. */
static int
cmd_merge(struct cli *cli, struct config *cfg)
{
	struct config sel;
	struct app_config *keep = NULL;
	struct core *core;
	size_t ai, vi;
	char *cause = NULL, *json = NULL;
	int rc;

	if ((core = refresh_version(cli, cfg, &sel, &keep, &ai, &vi,
	    &rc)) == NULL) {
		free(keep);
		return rc;
	}
	rc = 0;
	action_set_notify(core, NULL, NULL);	/* the error is printed below */
	if (action_merge(core, ai, vi, cli->dry_run, &json, &cause) == -1) {
		errorx("%s", cause);
		free(cause);
		rc = EXIT_RUNTIME;
	} else if (cli->dry_run && json != NULL)
		printf("%s\n", json);
	else if (!cli->dry_run)
		fprintf(stderr, "mirrortop: merged %s %s\n", cli->args[0],
		    cli->args[1]);
	free(json);
	core_free(core);
	free(keep);
	return rc;
}

/* `mirrortop sync [--dry-run] [APP...]`. */
static int
cmd_sync(struct cli *cli, struct config *cfg)
{
	struct config sel;
	struct app_config *keep = NULL;
	struct core *core;
	char *cause = NULL, *plan = NULL;
	int rc;

	if (select_apps(cfg, cli->args, cli->nargs, &sel, &keep) == -1)
		return EXIT_USAGE;
	if ((core = refresh_once(cli, &sel)) == NULL) {
		free(keep);
		return EXIT_RUNTIME;
	}
	rc = refresh_status(core);
	action_set_notify(core, cli_notify, NULL);
	if (action_sync(core, NULL, 0, cli->dry_run, &plan, &cause) == -1) {
		errorx("%s", cause);
		free(cause);
		rc = EXIT_RUNTIME;
	} else {
		if (plan != NULL && *plan != '\0')
			fputs(plan, stdout);
		fflush(stdout);
		if (!cli->dry_run) {
			action_run_until_idle(core);
			if (action_failures(core) > 0)
				rc = EXIT_RUNTIME;
		}
	}
	free(plan);
	core_free(core);
	free(keep);
	return rc;
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

	if (cli->nargs > 0) {
		errorx("unknown command \"%s\"", cli->args[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((core = core_new(cfg, &opt, &cause)) == NULL) {
		errorx("%s", cause);
		free(cause);
		return EXIT_RUNTIME;
	}
	rc = tui_run(core);
	core_free(core);
	return rc;
}

/* Parse options after the subcommand name. -1 on a usage error. */
static int
parse_options(int argc, char **argv, struct cli *cli)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "arch", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	long long v;
	int ch;

	optind = 1;
	opterr = 0;
	while (optind < argc) {
		const char *a = argv[optind];

		if (strcmp(a, "--") == 0) {
			optind++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			/* Positional arguments may come before options. */
			cli->args = xreallocarray(cli->args,
			    (size_t)cli->nargs + 1, sizeof *cli->args);
			cli->args[cli->nargs++] = argv[optind++];
			continue;
		}
		if ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) == -1)
			break;
		switch (ch) {
		case 'c':
			cli->config_path = optarg;
			break;
		case 'j':
			cli->json = 1;
			break;
		case 'r':
		case 'w':
			cli->read_only = 1;
			break;
		case 'i':
			if (str_to_ll(optarg, 1, 604800, &v) == -1) {
				errorx("--interval: expected seconds (1..604800),"
				    " got \"%s\"", optarg);
				return -1;
			}
			cli->interval = (int)v;
			break;
		case 'n':
			cli->dry_run = 1;
			break;
		case 'a':
			if (cli->narchs == CONFIG_MAX_ARCHS) {
				errorx("%s", "too many --arch options");
				return -1;
			}
			cli->archs[cli->narchs++] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("mirrortop %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			errorx("unknown option or missing argument: %s",
			    argv[optind - 1]);
			return -1;
		}
	}
	while (optind < argc) {
		cli->args = xreallocarray(cli->args, (size_t)cli->nargs + 1,
		    sizeof *cli->args);
		cli->args[cli->nargs++] = argv[optind++];
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *cmd = NULL;
	struct cli cli;
	struct config *cfg = NULL;
	char *cause = NULL;
	size_t i;
	int rc, first;

	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);
	memset(&cli, 0, sizeof cli);

	/* The subcommand is the first argument that is not an option. */
	for (first = 1; first < argc; first++) {
		if (argv[first][0] != '-')
			break;
		if (strcmp(argv[first], "-c") == 0 ||
		    strcmp(argv[first], "--config") == 0 ||
		    strcmp(argv[first], "--interval") == 0)
			first++;
	}
	if (first < argc) {
		for (i = 0; i < MT_ARRAY_LEN(cmd_table); i++)
			if (strcmp(argv[first], cmd_table[i].name) == 0)
				cmd = &cmd_table[i];
	}
	if (cmd != NULL) {
		/* Drop the subcommand word and parse the rest. */
		memmove(&argv[first], &argv[first + 1],
		    (size_t)(argc - first - 1) * sizeof *argv);
		argc--;
	}
	if (parse_options(argc, argv, &cli) == -1) {
		usage(stderr);
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
	rc = cmd != NULL ? cmd->exec(&cli, cfg) : cmd_dashboard(&cli, cfg);
	config_free(cfg);
	curl_global_cleanup();
	free(cli.args);
	return rc;
}
