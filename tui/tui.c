/*
 * tui.c — the dashboard: the loop, the key map, the filter prompt. The
 * control panel's actions and modes are in tui-panel.c.
 *
 * One wait point: the core's loop. The terminal is one of its watched
 * descriptors; keys are read without blocking until none are left, and the
 * screen is redrawn only when the model's generation moved, a key or a
 * resize arrived, or something on screen changes by itself (the spinner,
 * the countdown).
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "actions.h"
#include "core.h"
#include "filter.h"
#include "jobs.h"
#include "model.h"
#include "util.h"
#include "tui.h"
#include "tui-int.h"

#define TUI_CTRL(c)	((c) & 0x1f)
#define TUI_ESC		0x1b
#define TUI_IDLE_READS	64	/* empty reads in a row: the terminal is gone */

static struct core		*tui_signal_core;
static SCREEN			*tui_screen;
static volatile sig_atomic_t	 tui_sig_winch;
static volatile sig_atomic_t	 tui_sig_quit;

static void	tui_key_down(struct tui *, int);
static void	tui_key_up(struct tui *, int);
static void	tui_key_top(struct tui *, int);
static void	tui_key_bottom(struct tui *, int);
static void	tui_key_pgdown(struct tui *, int);
static void	tui_key_pgup(struct tui *, int);
static void	tui_key_tab(struct tui *, int);
static void	tui_key_enter(struct tui *, int);
static void	tui_key_back(struct tui *, int);
static void	tui_key_filter(struct tui *, int);
static void	tui_key_refresh(struct tui *, int);
static void	tui_key_refresh_all(struct tui *, int);
static void	tui_key_help(struct tui *, int);
static void	tui_key_redraw(struct tui *, int);
static void	tui_key_quit(struct tui *, int);
static void	tui_key_incomplete(struct tui *, int);
static void	tui_key_sort(struct tui *, int);
static void	tui_key_suspend(struct tui *, int);
static int	tui_can_enter(const struct tui *);

/*
 * Every binding of the dashboard. Bindings flagged TUI_B_WRITE change the
 * registry; in read-only mode they are left out of the key map, so neither
 * a key press nor the help can reach them.
 */
static const struct tui_binding tui_bindings[] = {
	{ .keys = { 'j', KEY_DOWN }, .label = "j/Down", .hint = NULL,
	  .help = "move down", .flags = TUI_B_ALL, .fn = tui_key_down },
	{ .keys = { 'k', KEY_UP }, .label = "k/Up", .hint = NULL,
	  .help = "move up", .flags = TUI_B_ALL, .fn = tui_key_up },
	{ .keys = { 'g', KEY_HOME }, .label = "g/Home", .hint = NULL,
	  .help = "go to the first row", .flags = TUI_B_ALL,
	  .fn = tui_key_top },
	{ .keys = { 'G', KEY_END }, .label = "G/End", .hint = NULL,
	  .help = "go to the last row", .flags = TUI_B_ALL,
	  .fn = tui_key_bottom },
	{ .keys = { KEY_NPAGE, TUI_CTRL('f') }, .label = "PgDn/^F",
	  .hint = NULL, .help = "page down", .flags = TUI_B_ALL,
	  .fn = tui_key_pgdown },
	{ .keys = { KEY_PPAGE, TUI_CTRL('b') }, .label = "PgUp/^B",
	  .hint = NULL, .help = "page up", .flags = TUI_B_ALL, .fn = tui_key_pgup },
	{ .keys = { '\t', KEY_BTAB }, .label = "Tab", .hint = "pane",
	  .help_label = "Tab/Shift-Tab",
	  .help = "focus the next pane (Shift-Tab: the previous one)",
	  .flags = TUI_B_ALL | TUI_B_HINT, .fn = tui_key_tab, .prio = 50 },
	{ .keys = { '\r', '\n', KEY_ENTER }, .label = "Enter", .hint = "open",
	  .help = "open the selected app's versions",
	  .flags = TUI_B_APPS | TUI_B_HINT, .fn = tui_key_enter,
	  .can = tui_can_enter, .prio = 5 },
	{ .keys = { TUI_ESC }, .label = "Esc", .hint = "back",
	  .help = "clear the filter, or back to the apps",
	  .flags = TUI_B_VERSIONS | TUI_B_HINT, .fn = tui_key_back,
	  .prio = 40 },
	{ .keys = { TUI_ESC }, .label = "Esc", .hint = NULL,
	  .help = "clear the filter", .flags = TUI_B_APPS,
	  .fn = tui_key_back },
	{ .keys = { TUI_ESC }, .label = "Esc", .hint = "back",
	  .help = "back to the versions", .flags = TUI_B_JOBS | TUI_B_HINT,
	  .fn = tui_key_back, .prio = 40 },
	{ .keys = { '/' }, .label = "/", .hint = "filter",
	  .help = "filter rows by regex, lower case: any case (/!re: not)",
	  .flags = TUI_B_PANES | TUI_B_HINT, .fn = tui_key_filter,
	  .prio = 42 },
	{ .keys = { 'i' }, .label = "i", .hint = "incomplete",
	  .help = "only the apps and versions not complete, or all again",
	  .flags = TUI_B_PANES | TUI_B_HINT, .fn = tui_key_incomplete,
	  .prio = 44 },
	{ .keys = { 's' }, .label = "s", .hint = "sort",
	  .help = "sort the apps: as configured, name, missing, newest",
	  .flags = TUI_B_APPS | TUI_B_HINT, .fn = tui_key_sort, .prio = 46 },
	{ .keys = { 'r' }, .label = "r", .hint = "refresh",
	  .help = "refresh the selected app", .flags = TUI_B_ALL | TUI_B_HINT,
	  .fn = tui_key_refresh, .prio = 52 },
	{ .keys = { 'R' }, .label = "R", .hint = "all",
	  .help = "refresh every app", .flags = TUI_B_ALL | TUI_B_HINT,
	  .fn = tui_key_refresh_all, .prio = 54 },
	{ .keys = { TUI_CTRL('l') }, .label = "^L", .hint = NULL,
	  .help = "redraw the screen", .flags = TUI_B_ALL,
	  .fn = tui_key_redraw },
	{ .keys = { TUI_CTRL('z') }, .label = "^Z", .hint = NULL,
	  .help = "suspend (fg comes back)", .flags = TUI_B_ALL,
	  .fn = tui_key_suspend },
	{ .keys = { '?' }, .label = "?", .hint = "help",
	  .help = "this help: the keys here, the glyphs",
	  .flags = TUI_B_ALL | TUI_B_HINT, .fn = tui_key_help, .prio = 90 },
	{ .keys = { 'q', TUI_CTRL('c') }, .label = "q/^C", .hint = "quit",
	  .help = "quit", .flags = TUI_B_ALL | TUI_B_HINT,
	  .fn = tui_key_quit, .prio = 91 },
	{ .keys = { 'b' }, .label = "b", .hint = "build",
	  .help = "build the version's missing archs, then merge",
	  .flags = TUI_B_VERSIONS | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_build, .can = tui_can_build, .prio = 10 },
	{ .keys = { 'a' }, .label = "a", .hint = "arch",
	  .help = "build one arch (pick it)",
	  .flags = TUI_B_VERSIONS | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_arch, .can = tui_can_arch, .prio = 16 },
	{ .keys = { 'm' }, .label = "m", .hint = "merge",
	  .help = "merge the staged archs into the version's index",
	  .flags = TUI_B_VERSIONS | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_merge, .can = tui_can_merge, .prio = 11 },
	{ .keys = { 'L' }, .label = "L", .hint = "latest",
	  .help = "point latest at the app's latest version",
	  .flags = TUI_B_PANES | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_latest, .can = tui_can_latest, .prio = 22 },
	{ .keys = { 'P' }, .label = "P", .hint = "prune",
	  .help = "prune the app: its plan (merged staging tags), y/N",
	  .flags = TUI_B_PANES | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_prune, .can = tui_can_prune, .prio = 60 },
	{ .keys = { ' ' }, .label = "Space", .hint = "mark",
	  .help = "mark or unmark the version",
	  .flags = TUI_B_VERSIONS | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_mark, .can = tui_can_version, .prio = 18 },
	{ .keys = { 'B' }, .label = "B", .hint = "build marked",
	  .help = "build the marked versions (or all missing)",
	  .flags = TUI_B_PANES | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_build_marked, .can = tui_can_build_marked,
	  .prio = 20 },
	{ .keys = { 'c' }, .label = "c", .hint = "cancel",
	  .help = "cancel the version's queued or running jobs",
	  .flags = TUI_B_VERSIONS | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_cancel, .can = tui_can_cancel, .prio = 24 },
	{ .keys = { 'c' }, .label = "c", .hint = "cancel",
	  .help = "cancel the job", .flags = TUI_B_JOBS | TUI_B_WRITE |
	  TUI_B_HINT, .fn = tui_key_cancel, .can = tui_can_cancel,
	  .prio = 10 },
	{ .keys = { 'x' }, .label = "x", .hint = "retry",
	  .help = "retry a failed or interrupted job (versions: its archs)",
	  .flags = TUI_B_VERSIONS | TUI_B_JOBS | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_retry, .can = tui_can_retry, .prio = 9 },
	{ .keys = { 'l' }, .label = "l", .hint = "log",
	  .help = "show the job's log (versions: its newest job)",
	  .flags = TUI_B_VERSIONS | TUI_B_JOBS | TUI_B_HINT,
	  .fn = tui_key_log, .can = tui_can_log, .prio = 26 },
	{ .keys = { 'y' }, .label = "y", .hint = "copy ref",
	  .help = "copy the version's pull reference (terminal clipboard)",
	  .flags = TUI_B_VERSIONS | TUI_B_HINT, .fn = tui_key_copy,
	  .can = tui_can_version, .prio = 28 },
	{ .keys = { 'o' }, .label = "o", .hint = "page",
	  .help = "show the version's upstream release page (a link)",
	  .flags = TUI_B_VERSIONS | TUI_B_HINT, .fn = tui_key_open,
	  .can = tui_can_open, .prio = 29 },
	{ .keys = { 'E' }, .label = "E", .hint = NULL,
	  .help = "recent events: what changed since you last looked",
	  .flags = TUI_B_ALL, .fn = tui_key_events },
	{ .keys = { 'C' }, .label = "C", .hint = "copy",
	  .help = "copy the version to the targets that lack it (plan, y/N)",
	  .flags = TUI_B_VERSIONS | TUI_B_WRITE | TUI_B_HINT,
	  .fn = tui_key_copy_target, .can = tui_can_copy_target, .prio = 23 },
	{ .keys = { 'A' }, .label = "A", .hint = "attest",
	  .help = "attest the version: the configured steps (plan, y/N)",
	  .flags = TUI_B_VERSIONS | TUI_B_WRITE, .fn = tui_key_attest,
	  .can = tui_can_attest },
	{ .keys = { 'v' }, .label = "v", .hint = NULL,
	  .help = "the version's signatures, SBOMs, provenance: where found",
	  .flags = TUI_B_VERSIONS, .fn = tui_key_supply,
	  .can = tui_can_supply },
	{ .keys = { 'J' }, .label = "J", .hint = NULL,
	  .help = "show or hide the jobs pane",
	  .flags = TUI_B_ALL, .fn = tui_key_jobs },
	{ .keys = { '+', '-' }, .label = "+/-", .hint = NULL,
	  .help = "a row more or less for the jobs pane",
	  .flags = TUI_B_JOBS, .fn = tui_key_jobs_size },
	{ .keys = { 'z' }, .label = "z", .hint = "zoom",
	  .help = "the jobs pane takes the screen, or gives it back",
	  .flags = TUI_B_JOBS | TUI_B_HINT, .fn = tui_key_jobs_zoom,
	  .prio = 30 },
};

/* Signals: note them and wake the loop; the loop does the work. */
static void
tui_signal(int sig)
{
	int saved = errno;

	if (sig == SIGWINCH)
		tui_sig_winch = 1;
	else
		tui_sig_quit = 1;
	if (tui_signal_core != NULL)
		core_wakeup(tui_signal_core);
	errno = saved;
}

/* Install or restore the signal handlers the dashboard needs. */
static void
tui_signals(int install)
{
	static const int sigs[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = install ? tui_signal : SIG_DFL;
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < MT_ARRAY_LEN(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/*
 * Drop a last ": why" that only repeats the word in front of it, as in
 * "job 3 alpha 1.0.0 amd64 cancelled: cancelled".
 */
static void
tui_message_dedupe(char *s)
{
	char *colon = strstr(s, ": "), *next;
	size_t tl, pl;

	if (colon == NULL)
		return;
	while ((next = strstr(colon + 2, ": ")) != NULL)
		colon = next;
	tl = strlen(colon + 2);
	pl = (size_t)(colon - s);
	if (tl == 0 || tl > pl || strncmp(s + pl - tl, colon + 2, tl) != 0)
		return;
	if (pl == tl || s[pl - tl - 1] == ' ')
		*colon = '\0';
}

/* Set the status message to prefix + arg (copied, made safe). */
void
tui_message(struct tui *t, int error, const char *prefix, const char *arg)
{
	char *raw;

	free(t->message);
	raw = xasprintf("%s%s", prefix, arg != NULL ? arg : "");
	t->message = str_oneline(raw, 512);
	free(raw);
	tui_message_dedupe(t->message);
	t->message_error = error;
}

/* The app whose versions are shown, or NULL. */
const struct mt_app *
tui_current_app(const struct tui *t)
{
	if (!t->have_app || t->app >= t->model->napps)
		return NULL;
	return &t->model->apps[t->app];
}

/* Does a row pass its pane's filter? */
static int
tui_row_visible(const struct tui_list *l, const char *a, const char *b)
{
	int m;

	if (l->rx == NULL)
		return 1;
	m = rx_match(l->rx, a) == 1 || (b != NULL && rx_match(l->rx, b) == 1);
	return l->invert ? !m : m;
}

/* Keep the selection inside the rows and the scroll offset around it. */
void
tui_list_clamp(struct tui_list *l)
{
	if (l->nrows == 0) {
		l->sel = l->top = 0;
		return;
	}
	if (l->sel >= l->nrows)
		l->sel = l->nrows - 1;
	if (l->top > l->sel)
		l->top = l->sel;
	if (l->height > 0 && l->sel >= l->top + (size_t)l->height)
		l->top = l->sel - (size_t)l->height + 1;
	if (l->top + (l->height > 0 ? (size_t)l->height : 1) > l->nrows) {
		size_t h = l->height > 0 ? (size_t)l->height : 1;

		l->top = l->nrows > h ? l->nrows - h : 0;
	}
}

/* Remember the selected version so a refresh does not move the cursor. */
static void
tui_versions_remember(struct tui *t)
{
	struct tui_list *l = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *app = tui_current_app(t);

	free(l->sel_key);
	l->sel_key = NULL;
	if (app != NULL && l->sel < l->nrows && l->rows[l->sel] < app->nversions)
		l->sel_key = xstrdup(app->versions[l->rows[l->sel]].version);
}

/* Is an app checked, without error, with every version complete? */
static int
tui_app_complete(const struct mt_app *a)
{
	size_t i;

	if (!a->loaded || a->error != NULL)
		return 0;
	for (i = 0; i < a->nversions; i++) {
		if (a->versions[i].state != VERSION_COMPLETE)
			return 0;
	}
	return 1;
}

/* Versions of an app that are not complete. */
static size_t
tui_app_incomplete(const struct mt_app *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->nversions; i++) {
		if (a->versions[i].state != VERSION_COMPLETE)
			n++;
	}
	return n;
}

/* The release date of an app's upstream latest ("" when unknown). */
static const char *
tui_app_newest(const struct mt_app *a)
{
	size_t i;

	for (i = 0; a->upstream_latest != NULL && i < a->nversions; i++) {
		if (strcmp(a->versions[i].version, a->upstream_latest) == 0)
			return a->versions[i].published_at != NULL ?
			    a->versions[i].published_at : "";
	}
	return "";
}

/* Order of two apps in the chosen sort (ties: as configured). */
static int
tui_apps_cmp(const struct tui *t, size_t x, size_t y)
{
	const struct mt_app *a = &t->model->apps[x], *b = &t->model->apps[y];
	size_t na, nb;
	int c = 0;

	switch (t->sort) {
	case TUI_SORT_NAME:
		c = strcmp(a->cfg->name, b->cfg->name);
		break;
	case TUI_SORT_MISSING:
		na = tui_app_incomplete(a);
		nb = tui_app_incomplete(b);
		c = na > nb ? -1 : na < nb ? 1 : 0;
		break;
	case TUI_SORT_NEWEST:
		/* ISO 8601 strings sort as times; unknown last. */
		c = -strcmp(tui_app_newest(a), tui_app_newest(b));
		break;
	default:
		break;
	}
	return c != 0 ? c : x < y ? -1 : x > y ? 1 : 0;
}

/* Sort the apps' rows (a few dozen at most: insertion sort). */
static void
tui_apps_sort(const struct tui *t, size_t *rows, size_t n)
{
	size_t i, j, v;

	if (t->sort == TUI_SORT_CONFIG)
		return;
	for (i = 1; i < n; i++) {
		v = rows[i];
		for (j = i; j > 0 && tui_apps_cmp(t, rows[j - 1], v) > 0; j--)
			rows[j] = rows[j - 1];
		rows[j] = v;
	}
}

/*
 * Recompute the filtered rows of both panes from the model. The apps
 * selection is an app index; the versions selection follows its version
 * string across refreshes.
 */
void
tui_rows_update(struct tui *t)
{
	const struct mt_model *m = t->model;
	struct tui_list *al = &t->lists[TUI_PANE_APPS];
	struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *app;
	size_t i, old_app = SIZE_MAX;

	if (al->sel < al->nrows)
		old_app = al->rows[al->sel];
	al->rows = xreallocarray(al->rows, m->napps + 1, sizeof *al->rows);
	al->nrows = 0;
	for (i = 0; i < m->napps; i++) {
		if (t->incomplete && tui_app_complete(&m->apps[i]))
			continue;
		if (tui_row_visible(al, m->apps[i].cfg->name, NULL))
			al->rows[al->nrows++] = i;
	}
	tui_apps_sort(t, al->rows, al->nrows);
	for (i = 0; i < al->nrows && old_app != SIZE_MAX; i++) {
		if (al->rows[i] == old_app) {
			al->sel = i;
			break;
		}
	}
	tui_list_clamp(al);

	if (al->nrows > 0) {
		if (!t->have_app || t->app != al->rows[al->sel]) {
			free(vl->sel_key);
			vl->sel_key = NULL;
			vl->sel = vl->top = 0;
		}
		t->app = al->rows[al->sel];
		t->have_app = 1;
	} else
		t->have_app = 0;

	app = tui_current_app(t);
	vl->rows = xreallocarray(vl->rows, (app != NULL ? app->nversions : 0) + 1,
	    sizeof *vl->rows);
	vl->nrows = 0;
	for (i = 0; app != NULL && i < app->nversions; i++) {
		const struct mt_version *v = &app->versions[i];

		if (t->incomplete && v->state == VERSION_COMPLETE)
			continue;
		if (tui_row_visible(vl, v->version, v->tag))
			vl->rows[vl->nrows++] = i;
	}
	for (i = 0; vl->sel_key != NULL && i < vl->nrows; i++) {
		if (strcmp(app->versions[vl->rows[i]].version, vl->sel_key) == 0) {
			vl->sel = i;
			break;
		}
	}
	tui_list_clamp(vl);
	tui_versions_remember(t);
	tui_panel_jobs_update(t);
}

/* The bindings active now, in table order; returns how many. */
size_t
tui_active_bindings(const struct tui *t, const struct tui_binding **out,
    size_t max)
{
	int where = t->focus == TUI_PANE_APPS ? TUI_B_APPS :
	    t->focus == TUI_PANE_JOBS ? TUI_B_JOBS : TUI_B_VERSIONS;
	size_t i, n = 0;

	for (i = 0; i < t->nkeymap && n < max; i++) {
		if (t->keymap[i]->flags & where)
			out[n++] = t->keymap[i];
	}
	return n;
}

/* Build the key map for this mode: write bindings only when allowed. */
static void
tui_keymap_init(struct tui *t)
{
	size_t i;

	t->keymap = xreallocarray(NULL, MT_ARRAY_LEN(tui_bindings),
	    sizeof *t->keymap);
	t->nkeymap = 0;
	for (i = 0; i < MT_ARRAY_LEN(tui_bindings); i++) {
		if ((tui_bindings[i].flags & TUI_B_WRITE) && t->read_only)
			continue;
		t->keymap[t->nkeymap++] = &tui_bindings[i];
	}
}

/* Move the focused pane's selection by delta rows. */
void
tui_move(struct tui *t, long delta)
{
	struct tui_list *l = &t->lists[t->focus];
	long pos;

	if (l->nrows == 0)
		return;
	pos = (long)l->sel + delta;
	if (pos < 0)
		pos = 0;
	if (pos >= (long)l->nrows)
		pos = (long)l->nrows - 1;
	l->sel = (size_t)pos;
	tui_list_clamp(l);
	if (t->focus == TUI_PANE_VERSIONS)
		tui_versions_remember(t);
	if (t->focus == TUI_PANE_JOBS) {
		const struct job *j = action_job(t->core, l->sel);

		if (j != NULL)
			t->jobs_sel_id = j->id;
		t->jobs_scrolled = l->sel != 0;
	}
	tui_rows_update(t);
}

/* A page: the pane's height, at least one row. */
static long
tui_page(const struct tui *t)
{
	int h = t->lists[t->focus].height;

	return h > 1 ? h - 1 : 1;
}

/* Next row. */
static void
tui_key_down(struct tui *t, int key)
{
	tui_move(t, 1);
}

/* Previous row. */
static void
tui_key_up(struct tui *t, int key)
{
	tui_move(t, -1);
}

/* First row. */
static void
tui_key_top(struct tui *t, int key)
{
	tui_move(t, -(long)t->lists[t->focus].nrows);
}

/* Last row. */
static void
tui_key_bottom(struct tui *t, int key)
{
	tui_move(t, (long)t->lists[t->focus].nrows);
}

/* One page down. */
static void
tui_key_pgdown(struct tui *t, int key)
{
	tui_move(t, tui_page(t));
}

/* One page up. */
static void
tui_key_pgup(struct tui *t, int key)
{
	tui_move(t, -tui_page(t));
}

/* Focus the next pane (Shift-Tab: the previous one). */
static void
tui_key_tab(struct tui *t, int key)
{
	int n = tui_panel_jobs_shown(t) ? 3 : 2;
	int step = key == KEY_BTAB ? n - 1 : 1;

	t->focus = (enum tui_pane)(((int)t->focus + step) % n);
}

/* Enter on an app: its versions, highest first, get the focus. */
static void
tui_key_enter(struct tui *t, int key)
{
	struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];

	if (!t->have_app)
		return;
	t->focus = TUI_PANE_VERSIONS;
	vl->sel = vl->top = 0;
	tui_versions_remember(t);
	tui_rows_update(t);
}

/* Drop a pane's filter. */
static void
tui_filter_clear(struct tui_list *l)
{
	rx_free(l->rx);
	l->rx = NULL;
	free(l->filter);
	l->filter = NULL;
	l->invert = 0;
}

/* Esc: clear the focused pane's filter, else go back to the apps. */
static void
tui_key_back(struct tui *t, int key)
{
	struct tui_list *l = &t->lists[t->focus];

	if (l->filter != NULL)
		tui_filter_clear(l);
	else if (t->focus == TUI_PANE_JOBS)
		t->focus = TUI_PANE_VERSIONS;
	else if (t->focus == TUI_PANE_VERSIONS)
		t->focus = TUI_PANE_APPS;
	tui_rows_update(t);
}

/*
 * Open the filter prompt, empty: what is typed replaces the current filter
 * (Esc puts it back, Enter on an empty prompt clears it).
 */
static void
tui_key_filter(struct tui *t, int key)
{
	struct tui_list *l = &t->lists[t->focus];

	t->mode = TUI_MODE_PROMPT;
	free(t->prompt_old);
	t->prompt_old = xstrdup(l->filter);
	t->prompt_old_invert = l->invert;
	t->promptlen = 0;
	t->prompt[0] = L'\0';
}

/* Refresh the selected app now. */
static void
tui_key_refresh(struct tui *t, int key)
{
	if (t->have_app)
		core_refresh_app(t->core, t->app);
}

/* Refresh every app now. */
static void
tui_key_refresh_all(struct tui *t, int key)
{
	core_refresh_all(t->core);
}

/* Enter acts when an app is selected. */
static int
tui_can_enter(const struct tui *t)
{
	return t->have_app;
}

/* i: only the apps and versions that are not complete, or all again. */
static void
tui_key_incomplete(struct tui *t, int key)
{
	t->incomplete = !t->incomplete;
	tui_message(t, 0, t->incomplete ? "showing only what is not complete "
	    "(i: everything)" : "showing everything", NULL);
	tui_rows_update(t);
}

/* The name of a sort, for titles and messages. */
const char *
tui_sort_name(int sort)
{
	static const char *const names[] = {
		[TUI_SORT_CONFIG] = "as configured",
		[TUI_SORT_NAME] = "by name",
		[TUI_SORT_MISSING] = "by missing",
		[TUI_SORT_NEWEST] = "by newest release",
	};

	return (unsigned)sort < TUI_NSORTS ? names[sort] : "?";
}

/* s: the next order of the apps. */
static void
tui_key_sort(struct tui *t, int key)
{
	t->sort = (t->sort + 1) % TUI_NSORTS;
	tui_message(t, 0, "apps sorted ", tui_sort_name(t->sort));
	tui_rows_update(t);
}

/*
 * ^Z: give the terminal back and stop, as a shell's job; `fg` continues
 * here and everything is drawn again (at the size the terminal has now).
 */
static void
tui_key_suspend(struct tui *t, int key)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTSTP, &sa, &old);
	endwin();
	fflush(stdout);
	kill(0, SIGTSTP);
	/* Continued. */
	sigaction(SIGTSTP, &old, NULL);
	reset_prog_mode();
	tui_sig_winch = 1;
	t->dirty = 1;
}

/* Open the help overlay, at its top. */
static void
tui_key_help(struct tui *t, int key)
{
	t->mode = TUI_MODE_HELP;
	t->help_top = 0;
}

/*
 * The scroll step of a key every scrollable view shares: arrows, PgUp/PgDn,
 * j/k, and with ctrl_pages also ^F/^B. 0 when the key is not one of them.
 */
long
tui_scroll_step(wint_t wc, int is_key, long page, int ctrl_pages)
{
	if (is_key) {
		switch (wc) {
		case KEY_DOWN:
			return 1;
		case KEY_UP:
			return -1;
		case KEY_NPAGE:
			return page;
		case KEY_PPAGE:
			return -page;
		}
		return 0;
	}
	if (wc == 'j')
		return 1;
	if (wc == 'k')
		return -1;
	if (ctrl_pages && wc == TUI_CTRL('f'))
		return page;
	if (ctrl_pages && wc == TUI_CTRL('b'))
		return -page;
	return 0;
}

/* A key in the help: scroll keys scroll it, any other key closes it. */
static void
tui_help_key(struct tui *t, wint_t wc, int is_key)
{
	long page = t->help_height > 1 ? t->help_height - 1 : 1;
	long delta = tui_scroll_step(wc, is_key, page, 1);

	if (is_key) {
		switch (wc) {
		case KEY_RESIZE:
			return;
		case KEY_HOME:
			t->help_top = 0;
			return;
		case KEY_END:
			t->help_top = SIZE_MAX;		/* the drawing clamps */
			return;
		}
	} else if (wc == TUI_CTRL('c'))
		t->quit = 1;
	if (delta == 0) {
		t->mode = TUI_MODE_NORMAL;
		return;
	}
	if (delta < 0 && t->help_top < (size_t)-delta)
		t->help_top = 0;
	else if (delta < 0)
		t->help_top -= (size_t)-delta;
	else if (t->help_top < SIZE_MAX - (size_t)delta)
		t->help_top += (size_t)delta;
}

/* Repaint the whole terminal on the next draw. */
static void
tui_key_redraw(struct tui *t, int key)
{
	clearok(curscr, TRUE);
}

/* Leave the dashboard (ask first while work is in flight). */
static void
tui_key_quit(struct tui *t, int key)
{
	if (!tui_panel_quit(t))
		t->quit = 1;
}

/* The prompt's text as a multibyte string. */
void
tui_prompt_text(const struct tui *t, char *out, size_t len)
{
	wchar_t w[TUI_PROMPT_MAX];
	size_t n;

	memcpy(w, t->prompt, t->promptlen * sizeof *w);
	w[t->promptlen] = L'\0';
	n = wcstombs(out, w, len - 1);
	if (n == (size_t)-1)
		n = 0;
	out[n] = '\0';
}

/*
 * Apply the prompt's text as the focused pane's filter: "!re" inverts.
 * 0 ok; -1 when the regex does not compile (the message is shown).
 */
static int
tui_filter_apply(struct tui *t)
{
	struct tui_list *l = &t->lists[t->focus];
	char text[TUI_PROMPT_MAX * 4], *cause = NULL;
	const char *re;
	struct rx *rx;
	int invert = 0;

	tui_prompt_text(t, text, sizeof text);
	re = text;
	if (*re == '!') {
		invert = 1;
		re++;
	}
	if (*re == '\0') {
		tui_filter_clear(l);
		l->invert = invert;
		tui_rows_update(t);
		return 0;
	}
	if ((rx = rx_new_smart(re, &cause)) == NULL) {
		tui_message(t, 1, "bad regex: ", cause != NULL ? cause :
		    "invalid pattern");
		free(cause);
		return -1;
	}
	tui_filter_clear(l);
	l->rx = rx;
	l->filter = xstrdup(re);
	l->invert = invert;
	l->sel = l->top = 0;
	tui_rows_update(t);
	return 0;
}

/* Restore the filter that was active when the prompt opened. */
static void
tui_filter_restore(struct tui *t)
{
	struct tui_list *l = &t->lists[t->focus];
	char *cause = NULL;

	tui_filter_clear(l);
	if (t->prompt_old != NULL) {
		l->rx = rx_new_smart(t->prompt_old, &cause);
		free(cause);
		if (l->rx != NULL) {
			l->filter = t->prompt_old;
			t->prompt_old = NULL;
			l->invert = t->prompt_old_invert;
		}
	}
	tui_rows_update(t);
}

/* A key in the prompt: edit, apply as typed, Enter keeps, Esc restores. */
static void
tui_prompt_key(struct tui *t, wint_t wc, int is_key)
{
	free(t->message);
	t->message = NULL;
	if (!is_key && wc == TUI_CTRL('c')) {
		t->quit = 1;
		return;
	}
	if (!is_key && wc == TUI_ESC) {
		/* Esc: the prompt closes, the filter from before is back. */
		t->mode = TUI_MODE_NORMAL;
		tui_filter_restore(t);
		return;
	}
	if ((!is_key && (wc == '\r' || wc == '\n')) ||
	    (is_key && wc == KEY_ENTER)) {
		t->mode = TUI_MODE_NORMAL;
		if (tui_filter_apply(t) != 0)
			tui_filter_restore(t);
		return;
	}
	if ((is_key && wc == KEY_BACKSPACE) ||
	    (!is_key && (wc == 0x7f || wc == TUI_CTRL('h')))) {
		if (t->promptlen == 0) {
			t->mode = TUI_MODE_NORMAL;
			tui_filter_restore(t);
			return;
		}
		t->promptlen--;
	} else if (!is_key && wc == TUI_CTRL('u'))
		t->promptlen = 0;
	else if (!is_key && iswprint(wc) && t->promptlen < TUI_PROMPT_MAX - 1)
		t->prompt[t->promptlen++] = (wchar_t)wc;
	else
		return;
	t->prompt[t->promptlen] = L'\0';
	tui_filter_apply(t);
}

/*
 * A key that is an action in read-write mode, pressed in read-only mode:
 * not in the key map, but say why nothing happens.
 */
static void
tui_read_only_key(struct tui *t, int key)
{
	size_t i, k;
	char *msg;

	for (i = 0; i < MT_ARRAY_LEN(tui_bindings); i++) {
		if (!(tui_bindings[i].flags & TUI_B_WRITE))
			continue;
		for (k = 0; k < TUI_MAXKEYS && tui_bindings[i].keys[k] != 0;
		    k++) {
			if (tui_bindings[i].keys[k] != key)
				continue;
			msg = xasprintf("read-only: %s (%s) is not available "
			    "here", tui_bindings[i].label, tui_bindings[i].hint !=
			    NULL ? tui_bindings[i].hint : tui_bindings[i].help);
			tui_message(t, 0, msg, NULL);
			free(msg);
			return;
		}
	}
}

/* A key in normal mode: look it up in the key map. */
static void
tui_normal_key(struct tui *t, wint_t wc, int is_key)
{
	const struct tui_binding *active[64];
	size_t n, i, k;
	int key = (int)wc;

	if (is_key && wc == KEY_RESIZE)
		return;
	free(t->message);
	t->message = NULL;
	if (!is_key && wc > 0x7f)
		return;		/* no binding uses a non-ASCII character */
	n = tui_active_bindings(t, active, MT_ARRAY_LEN(active));
	for (i = 0; i < n; i++) {
		for (k = 0; k < TUI_MAXKEYS && active[i]->keys[k] != 0; k++) {
			if (active[i]->keys[k] == key) {
				active[i]->fn(t, key);
				return;
			}
		}
	}
	if (t->read_only)
		tui_read_only_key(t, key);
}

/*
 * The mouse, where the terminal reports it: in the panes, a click selects
 * the row under the pointer (and focuses its pane), the wheel moves the
 * selection of the pane under the pointer three rows; elsewhere (help,
 * log, events, dialogs) the wheel is the arrow keys: 1, and *wc holds the
 * arrow key to route instead.
 */
static int
tui_mouse(struct tui *t, wint_t *wc)
{
	MEVENT ev;
	size_t p;
	int wheel;

	if (getmouse(&ev) != OK)
		return 0;
	wheel = (ev.bstate & BUTTON4_PRESSED) ? -1 :
	    (ev.bstate & BUTTON5_PRESSED) ? 1 : 0;
	if (t->mode != TUI_MODE_NORMAL) {
		if (wheel == 0)
			return 0;
		*wc = wheel < 0 ? KEY_UP : KEY_DOWN;
		return 1;
	}
	for (p = 0; p < TUI_NPANES; p++) {
		struct tui_list *l = &t->lists[p];

		/* The pane's rows, and its title and headings above them
		 * (panes are tried top down, so a line is the upper one's). */
		if (l->y0 < 0 || ev.y < l->y0 - 2 || ev.y >= l->y0 + l->height)
			continue;
		t->focus = (enum tui_pane)p;
		if (ev.y < l->y0 && wheel == 0)
			return 0;
		if (wheel != 0) {
			tui_move(t, 3L * wheel);
			return 0;
		}
		if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
			size_t row = l->top + (size_t)(ev.y - l->y0);

			if (row < l->nrows)
				tui_move(t, (long)row - (long)l->sel);
		}
		return 0;
	}
	return 0;
}

/* One key, routed by mode. */
static void
tui_key(struct tui *t, wint_t wc, int is_key)
{
	t->dirty = 1;
	if (is_key && wc == KEY_MOUSE) {
		if (!tui_mouse(t, &wc))
			return;		/* else the wheel as an arrow key */
	}
	switch (t->mode) {
	case TUI_MODE_HELP:
		tui_help_key(t, wc, is_key);
		break;
	case TUI_MODE_PROMPT:
		tui_prompt_key(t, wc, is_key);
		break;
	case TUI_MODE_NORMAL:
		tui_normal_key(t, wc, is_key);
		break;
	case TUI_MODE_EVENTS:
		tui_events_key(t, wc, is_key);
		break;
	case TUI_MODE_CONFIRM:
	case TUI_MODE_ARCH:
	case TUI_MODE_LOG:
		if (!(is_key && wc == KEY_RESIZE)) {
			free(t->message);
			t->message = NULL;
		}
		tui_panel_key(t, wc, is_key);
		break;
	}
}

/* The terminal is readable: take every key that is waiting. */
static void
tui_input(int fd, void *arg)
{
	struct tui *t = arg;
	wint_t wc;
	int r, got = 0;

	while ((r = wget_wch(stdscr, &wc)) != ERR) {
		got = 1;
		tui_key(t, wc, r == KEY_CODE_YES);
		if (t->quit)
			break;
	}
	if (got)
		t->idle_reads = 0;
	else if (++t->idle_reads >= TUI_IDLE_READS)
		t->quit = 1;	/* readable but empty: the terminal hung up */
}

/* The terminal changed size: tell curses, repaint everything. */
static void
tui_resize(struct tui *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	t->dirty = 1;
}

/* Milliseconds to wait before the next round. */
static long
tui_timeout(const struct tui *t)
{
	long ms = tui_draw_next_tick(t);

	if (ms < 0 || ms > 60000)
		ms = 60000;
	return ms;
}

/* Set up curses; 0 ok, -1 when there is no usable terminal. */
static int
tui_screen_init(struct tui *t)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "mirrortop: the dashboard needs a terminal; "
		    "use `mirrortop status` otherwise\n");
		return -1;
	}
	if ((tui_screen = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "mirrortop: cannot use terminal type \"%s\"\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return -1;
	}
	raw();		/* ^C arrives as a key, not as SIGINT */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (t->mouse) {
		mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED |
		    BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED,
		    NULL);
		mouseinterval(0);	/* a press is a click at once */
	}
	tui_draw_init(t);
	return 0;
}

/* Free the dashboard's state. */
static void
tui_free(struct tui *t)
{
	size_t i;

	for (i = 0; i < TUI_NPANES; i++) {
		tui_filter_clear(&t->lists[i]);
		free(t->lists[i].rows);
		free(t->lists[i].sel_key);
	}
	tui_panel_free(t);
	tui_events_free(t);
	free(t->keymap);
	free(t->link_url);
	free(t->message);
	free(t->prompt_old);
}

/* Run the dashboard until the user quits. Returns the exit code. */
int
tui_run(struct core *core, int mouse)
{
	struct tui t;
	unsigned long drawn = 0;
	uint64_t deadline = 0, poll_at = 0, now;
	long ms, pm;

	memset(&t, 0, sizeof t);
	t.core = core;
	t.model = core_model(core);
	t.read_only = core_read_only(core);
	t.focus = TUI_PANE_APPS;
	t.mouse = mouse;
	t.dirty = 1;
	tui_keymap_init(&t);
	tui_panel_init(&t);
	tui_events_init(&t);

	setlocale(LC_ALL, "");
	/* Ours, installed first, so curses does not install its own. */
	tui_signal_core = core;
	tui_signals(1);
	if (tui_screen_init(&t) != 0) {
		tui_signals(0);
		tui_free(&t);
		return 2;
	}
	if (core_watch_fd(core, STDIN_FILENO, tui_input, &t) != 0) {
		endwin();
		delscreen(tui_screen);
		tui_screen = NULL;
		tui_signals(0);
		tui_free(&t);
		fprintf(stderr, "mirrortop: cannot watch the terminal\n");
		return 1;
	}

	while (!t.quit && !tui_sig_quit) {
		if (tui_sig_winch) {
			tui_sig_winch = 0;
			tui_resize(&t);
		}
		now = time_mono_ms();
		if ((poll_at != 0 && now >= poll_at) ||
		    core_generation(core) != drawn) {
			/* A log on screen may have grown: a job's output
			 * moves the generation; another process's is polled. */
			poll_at = 0;
			if (tui_panel_logs_changed(&t))
				t.dirty = 1;
		}
		if (tui_events_poll(&t))
			t.dirty = 1;
		if (t.dirty || core_generation(core) != drawn ||
		    (deadline != 0 && now >= deadline)) {
			drawn = core_generation(core);
			tui_rows_update(&t);
			tui_events_look(&t);
			tui_draw(&t);
			t.dirty = 0;
			deadline = now + (uint64_t)tui_timeout(&t);
		}
		if (poll_at == 0 && (pm = tui_panel_poll_ms(&t)) >= 0)
			poll_at = now + (uint64_t)pm;
		ms = deadline > now ? (long)(deadline - now) : 0;
		if ((pm = tui_events_poll_ms(&t)) >= 0 && pm < ms)
			ms = pm;
		if (poll_at != 0) {
			pm = poll_at > now ? (long)(poll_at - now) : 0;
			if (pm < ms)
				ms = pm;
		}
		core_run_once(core, ms);
	}

	endwin();
	delscreen(tui_screen);
	tui_screen = NULL;
	tui_signals(0);
	tui_signal_core = NULL;
	tui_free(&t);
	return 0;
}
