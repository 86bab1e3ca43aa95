/*
 * mode-events.c — what changed since the user last looked: a mark on the
 * apps and versions that have events the user has not seen (cleared when
 * the row is looked at: a version when it is selected in the versions
 * pane, an app's own events when its versions pane has the focus), the
 * recent events view (E), and in watch mode the terminal bell on
 * new_version ("bell": true).
 *
 * The events come from the shared history of the state dir, so those of
 * a scheduled sync or another dashboard count too; it is read again when
 * the file changed, looked at every TUI_EVENTS_POLL_MS.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "config.h"
#include "core.h"
#include "events.h"
#include "model.h"
#include "util.h"
#include "tui-int.h"

#define TUI_EVENTS_POLL_MS	2000
#define TUI_EVENTS_SHOWN	500	/* newest events in the view */

struct tui_events {
	struct event	**list;		/* oldest first */
	size_t		  n;
	long long	  mtime_ns;
	long long	  size;
	uint64_t	  polled;	/* ms */
	struct events_seen *seen;
	unsigned long	  bell_seq;	/* newest new_version rung for */
	size_t		  top;		/* the view: first row (newest first) */
	int		  height;
	char		 *error;	/* the history cannot be read */
};

/* The history file's path. Caller frees. */
static char *
tui_events_path(void)
{
	return xasprintf("%s/events.json", state_dir());
}

/* The newest seq in the list. */
static unsigned long
tui_events_max_seq(const struct tui_events *e)
{
	return e->n > 0 ? e->list[e->n - 1]->seq : 0;
}

/* Read the history again. */
static void
tui_events_reload(struct tui *t)
{
	struct tui_events *e = t->events;
	struct event **list = NULL;
	size_t n = 0;
	char *cause = NULL;

	free(e->error);
	e->error = NULL;
	if (events_history_read(state_dir(), &list, &n, &cause) == -1) {
		e->error = cause;
		return;
	}
	event_list_free(e->list, e->n);
	e->list = list;
	e->n = n;
}

/* Whether the history file changed since it was read. */
static int
tui_events_changed_on_disk(struct tui_events *e)
{
	struct stat sb;
	char *path = tui_events_path();
	long long m = 0, s = -1;

	if (stat(path, &sb) == 0) {
		m = (long long)sb.st_mtim.tv_sec * 1000000000LL +
		    sb.st_mtim.tv_nsec;
		s = (long long)sb.st_size;
	}
	free(path);
	if (m == e->mtime_ns && s == e->size)
		return 0;
	e->mtime_ns = m;
	e->size = s;
	return 1;
}

/* Ring the bell for new versions recorded since the last look (watch
 * mode with "bell": true). */
static void
tui_events_bell(struct tui *t)
{
	struct tui_events *e = t->events;
	const struct config *cfg = t->model->cfg;
	size_t i;
	int ring = 0;

	for (i = 0; i < e->n; i++) {
		if (e->list[i]->seq <= e->bell_seq)
			continue;
		if (e->list[i]->type == EVENT_NEW_VERSION)
			ring = 1;
	}
	e->bell_seq = tui_events_max_seq(e);
	if (ring && t->read_only && cfg != NULL && cfg->bell)
		beep();
}

void
tui_events_init(struct tui *t)
{
	struct tui_events *e = xcalloc(1, sizeof *e);
	char hist[64];

	t->events = e;
	tui_events_changed_on_disk(e);
	tui_events_reload(t);
	event_history_id(e->n > 0 ? e->list[e->n - 1] : NULL, hist,
	    sizeof hist);
	/* A first look: what is already in the history counts as seen. */
	e->seen = events_seen_load(state_dir(), hist, tui_events_max_seq(e));
	e->bell_seq = tui_events_max_seq(e);
	e->polled = time_mono_ms();
}

void
tui_events_free(struct tui *t)
{
	struct tui_events *e = t->events;

	if (e == NULL)
		return;
	event_list_free(e->list, e->n);
	events_seen_free(e->seen);
	free(e->error);
	free(e);
	t->events = NULL;
}

/* Look at the history when it is time; 1 when the screen must change. */
int
tui_events_poll(struct tui *t)
{
	struct tui_events *e = t->events;
	uint64_t now = time_mono_ms();

	if (e == NULL || now - e->polled < TUI_EVENTS_POLL_MS / 2)
		return 0;
	e->polled = now;
	if (!tui_events_changed_on_disk(e))
		return 0;
	tui_events_reload(t);
	tui_events_bell(t);
	return 1;
}

/* Milliseconds until the history should be looked at again. */
long
tui_events_poll_ms(const struct tui *t)
{
	return t->events != NULL ? TUI_EVENTS_POLL_MS : -1;
}

/*
 * Whether app (version NULL: the app itself or any of its versions) has
 * events the user has not seen.
 */
int
tui_events_unseen(const struct tui *t, const char *app, const char *version)
{
	const struct tui_events *e = t->events;
	const struct event *ev;
	size_t i;

	if (e == NULL || app == NULL)
		return 0;
	for (i = e->n; i > 0; i--) {
		ev = e->list[i - 1];
		if (ev->app == NULL || strcmp(ev->app, app) != 0)
			continue;
		if (version != NULL && (ev->version == NULL ||
		    strcmp(ev->version, version) != 0))
			continue;
		if (ev->seq > events_seen_get(e->seen, app, ev->version))
			return 1;
	}
	return 0;
}

/* The glyph of a changed row. */
const char *
tui_events_glyph(const struct tui *t)
{
	return t->utf8 ? "\u25c6" : "+";
}

/* The newest seq of app (version NULL: the app's own events). */
static unsigned long
tui_events_newest(const struct tui_events *e, const char *app,
    const char *version)
{
	const struct event *ev;
	size_t i;

	for (i = e->n; i > 0; i--) {
		ev = e->list[i - 1];
		if (ev->app == NULL || strcmp(ev->app, app) != 0)
			continue;
		if ((version == NULL) != (ev->version == NULL))
			continue;
		if (version != NULL && strcmp(ev->version, version) != 0)
			continue;
		return ev->seq;
	}
	return 0;
}

/* The rows being looked at are seen now. */
void
tui_events_look(struct tui *t)
{
	struct tui_events *e = t->events;
	const struct tui_list *l = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *a;
	const char *name;
	int changed = 0;

	if (e == NULL || t->mode != TUI_MODE_NORMAL ||
	    t->focus != TUI_PANE_VERSIONS || (a = tui_current_app(t)) == NULL)
		return;
	name = a->cfg->name;
	changed |= events_seen_set(e->seen, name, NULL,
	    tui_events_newest(e, name, NULL));
	if (l->nrows > 0 && l->sel < l->nrows &&
	    l->rows[l->sel] < a->nversions) {
		const char *v = a->versions[l->rows[l->sel]].version;

		changed |= events_seen_set(e->seen, name, v,
		    tui_events_newest(e, name, v));
	}
	if (changed) {
		events_seen_save(e->seen, state_dir());
		t->dirty = 1;
	}
}

/* E: the recent events. */
void
tui_key_events(struct tui *t, int key)
{
	(void)key;
	tui_events_changed_on_disk(t->events);
	tui_events_reload(t);
	t->events->top = 0;
	t->mode = TUI_MODE_EVENTS;
}

/* A key in the events view: scroll keys scroll, others close it. */
void
tui_events_key(struct tui *t, wint_t wc, int is_key)
{
	struct tui_events *e = t->events;
	long page = e->height > 1 ? e->height - 1 : 1;
	long delta = tui_scroll_step(wc, is_key, page, 1);

	if (is_key && wc == KEY_RESIZE)
		return;
	if ((is_key && wc == KEY_HOME) || (!is_key && wc == 'g')) {
		e->top = 0;
		return;
	}
	if ((is_key && wc == KEY_END) || (!is_key && wc == 'G')) {
		e->top = SIZE_MAX;
		return;
	}
	if (!is_key && wc == 0x03) {
		t->quit = 1;
		return;
	}
	if (delta == 0) {
		t->mode = TUI_MODE_NORMAL;
		return;
	}
	if (delta < 0 && e->top < (size_t)-delta)
		e->top = 0;
	else if (delta < 0)
		e->top -= (size_t)-delta;
	else if (e->top < SIZE_MAX - (size_t)delta)
		e->top += (size_t)delta;
}

/* The events view in rows [y, y+rows): newest first. */
void
tui_events_draw(struct tui *t, int y, int rows, int width)
{
	struct tui_events *e = t->events;
	const struct event *ev;
	size_t n = e->n < TUI_EVENTS_SHOWN ? e->n : TUI_EVENTS_SHOWN;
	size_t i, maxtop;
	char title[128], when[32], *what, *line, *clean;
	struct tm tm;
	int body = rows - 1, r;
	attr_t attr;

	if (rows < 2)
		return;
	snprintf(title, sizeof title, " Events  %zu  (j/k scroll, any other "
	    "key closes)", e->n);
	tui_draw_title(y, width, title, 1);
	e->height = body;
	maxtop = n > (size_t)body ? n - (size_t)body : 0;
	if (e->top > maxtop)
		e->top = maxtop;
	if (e->error != NULL) {
		tui_put_cut(stdscr, y + 1, 1, width - 2, e->error,
		    tui_attr_error(), 0);
		return;
	}
	if (n == 0) {
		tui_put_cut(stdscr, y + 1, 1, width - 2, "no events yet: "
		    "changes are recorded from the second refresh on", A_DIM, 0);
		return;
	}
	for (r = 0, i = e->top; i < n && r < body; i++, r++) {
		ev = e->list[e->n - 1 - i];
		gmtime_r(&ev->time, &tm);
		strftime(when, sizeof when, "%m-%d %H:%M", &tm);
		what = xasprintf("%s %s%s%s", event_type_name(ev->type),
		    ev->app ? ev->app : "", ev->version ? " " : "",
		    ev->version ? ev->version : "");
		line = xasprintf("%s  %-36s %s", when, what,
		    ev->message ? ev->message : "");
		attr = A_NORMAL;
		if (ev->type == EVENT_BUILD_FAILED ||
		    ev->type == EVENT_APP_ERROR ||
		    ev->type == EVENT_VERSION_INCOMPLETE)
			attr = tui_attr_error();
		else if (ev->app != NULL && ev->seq > events_seen_get(e->seen,
		    ev->app, ev->version))
			attr = A_BOLD;
		/* The history is a file anyone may have edited. */
		clean = str_oneline(line, 2048);
		tui_put_cut(stdscr, y + 1 + r, 1, width - 2, clean, attr, 0);
		free(clean);
		free(line);
		free(what);
	}
}
