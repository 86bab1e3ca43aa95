/*
 * tui-draw.c — drawing the dashboard: header, apps pane, versions pane,
 * jobs pane and log view (tui-panel.c), status line, overlays.
 *
 * Everything that came from upstream or a server goes through
 * str_oneline() and is cut to its column by display width, so a hostile
 * string can neither emit a terminal sequence nor spill into another pane.
 * Nothing here changes the model.
 */
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <curses.h>

#include "core.h"
#include "model.h"
#include "util.h"
#include "tui-int.h"

#define TUI_SPIN_MS	120	/* spinner frame */
#define TUI_STR_MAX	1024	/* bytes of any one string drawn */
#define TUI_CELL_MAX	512
#define TUI_MAXCOLS	(8 + CONFIG_MAX_ARCHS)
#define TUI_GAP		1

/* Colour pairs, one X-macro table: name, foreground. */
#define TUI_COLOURS \
	C(PRESENT, COLOR_GREEN) \
	C(STAGED, COLOR_YELLOW) \
	C(MISSING, COLOR_RED) \
	C(ERROR, COLOR_RED) \
	C(DRIFT, COLOR_YELLOW) \
	C(BUSY, COLOR_CYAN)

enum tui_colour {
	TUI_C_NONE = 0,
#define C(name, fg) TUI_C_##name,
	TUI_COLOURS
#undef C
};

/* Glyphs: UTF-8 and plain ASCII variants. */
struct tui_glyphs {
	const char	*state[3];	/* by enum arch_state */
	const char	*spin[10];
	size_t		 nspin;
	const char	*sep;
	const char	*ellipsis;
	const char	*neq;
	const char	*mark;
};

static const struct tui_glyphs tui_glyphs_utf8 = {
	.state = { "✗", "◐", "✓" },
	.spin = { "⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏" },
	.nspin = 10,
	.sep = " · ",
	.ellipsis = "…",
	.neq = "≠",
	.mark = "●",
};

static const struct tui_glyphs tui_glyphs_ascii = {
	.state = { "-", "~", "+" },
	.spin = { "|", "/", "-", "\\" },
	.nspin = 4,
	.sep = " | ",
	.ellipsis = "~",
	.neq = "!=",
	.mark = "#",
};

static const struct tui_glyphs *tui_g = &tui_glyphs_ascii;
static int tui_has_colour;

/* One cell: text (already safe to draw) and its attributes. */
struct tui_cell {
	char	text[TUI_CELL_MAX];
	attr_t	attr;
	int	colour;
};

/* A column of a pane: heading, width, drop order, how to fill a cell. */
struct tui_col {
	const char	*title;
	int		 width;
	int		 drop;		/* 0: always shown; higher drops first */
	size_t		 arg;		/* arch index for arch columns */
	void		(*cell)(const struct tui *, const void *, size_t,
			    struct tui_cell *);
	int		 x;		/* placed at, -1 when dropped */
};

/* Set up colours and glyphs for this terminal and locale. */
void
tui_draw_init(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");
	const char *cs = nl_langinfo(CODESET);

	t->utf8 = cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
	tui_g = t->utf8 ? &tui_glyphs_utf8 : &tui_glyphs_ascii;
	t->colour = has_colors() && (nc == NULL || *nc == '\0');
	if (t->colour && start_color() == OK) {
		use_default_colors();
#define C(name, fg) init_pair(TUI_C_##name, fg, -1);
		TUI_COLOURS
#undef C
	} else
		t->colour = 0;
	tui_has_colour = t->colour;
}

/* Attributes for a colour pair, or none on a monochrome screen. */
static attr_t
tui_colour(int c)
{
	if (!tui_has_colour || c == TUI_C_NONE)
		return A_NORMAL;
	return COLOR_PAIR(c);
}

/* Attributes of things in progress. */
attr_t
tui_attr_busy(void)
{
	return tui_colour(TUI_C_BUSY);
}

/* Attributes of failures. */
attr_t
tui_attr_error(void)
{
	return tui_colour(TUI_C_ERROR) | A_BOLD;
}

/* The glyph of an arch state. */
const char *
tui_glyph_state(int s)
{
	return tui_g->state[(unsigned)s <= ARCH_PRESENT ? s : ARCH_MISSING];
}

/* The glyph of a marked row. */
const char *
tui_glyph_mark(void)
{
	return tui_g->mark;
}

/* Display width of a string in the current locale ('?' for bad bytes). */
int
tui_width(const char *s)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w = 0, cw;

	memset(&st, 0, sizeof st);
	while (*s != '\0') {
		n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			cw = 1;
		} else if ((cw = wcwidth(wc)) < 0)
			cw = 1;
		w += cw;
		s += n;
	}
	return w;
}

/*
 * Draw s at (y, x) in at most width columns, cut by display width; pad
 * with blanks to width when pad. Characters the locale cannot show, or
 * that have no width, are drawn as '?'. Returns the columns used.
 */
int
tui_put(WINDOW *win, int y, int x, int width, const char *s, attr_t attr,
    int pad)
{
	wchar_t out[TUI_CELL_MAX];
	mbstate_t st;
	wchar_t wc;
	size_t n, len = 0;
	int used = 0, cw;

	if (width <= 0 || s == NULL)
		return 0;
	memset(&st, 0, sizeof st);
	while (*s != '\0' && len < MT_ARRAY_LEN(out) - 1) {
		n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			wc = L'?';
		}
		if ((cw = wcwidth(wc)) <= 0) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > width)
			break;
		out[len++] = wc;
		used += cw;
		s += n;
	}
	while (pad && used < width && len < MT_ARRAY_LEN(out) - 1) {
		out[len++] = L' ';
		used++;
	}
	out[len] = L'\0';
	wattrset(win, attr);
	mvwaddnwstr(win, y, x, out, (int)len);
	wattrset(win, A_NORMAL);
	return used;
}

/* Copy an untrusted string into a cell, made safe and one line. */
static void
tui_cell_set(struct tui_cell *c, const char *s)
{
	char *safe = str_oneline(s != NULL ? s : "", TUI_STR_MAX);

	snprintf(c->text, sizeof c->text, "%s", safe);
	free(safe);
}

/* HH:MM:SS (or HH:MM) of a wall-clock time, local. */
static void
tui_clock(time_t when, int seconds, char *out, size_t len)
{
	struct tm tm;

	if (localtime_r(&when, &tm) == NULL ||
	    strftime(out, len, seconds ? "%H:%M:%S" : "%H:%M", &tm) == 0)
		snprintf(out, len, "?");
}

/* Is any app refreshing? */
static int
tui_any_refreshing(const struct tui *t)
{
	size_t i;

	for (i = 0; i < t->model->napps; i++) {
		if (t->model->apps[i].refreshing)
			return 1;
	}
	return 0;
}

/* The spinner frame for now. */
static const char *
tui_spinner(void)
{
	return tui_g->spin[(time_mono_ms() / TUI_SPIN_MS) % tui_g->nspin];
}

/* Minutes shown for a countdown of r seconds (rounded up). */
static long
tui_countdown_minutes(long r)
{
	return (r + 59) / 60;
}

/* "next: ..." text: minute granularity, so an idle screen stays still. */
static void
tui_next_text(const struct tui *t, char *out, size_t len)
{
	const struct mt_model *m = t->model;
	long r, mins;

	if (tui_any_refreshing(t)) {
		snprintf(out, len, "next: refreshing");
		return;
	}
	if (m->next_refresh == 0) {
		snprintf(out, len, "next: -");
		return;
	}
	r = (long)(m->next_refresh - time(NULL));
	if (r <= 0)
		snprintf(out, len, "next: now");
	else if (r < 60)
		snprintf(out, len, "next: in <1m");
	else if ((mins = tui_countdown_minutes(r)) < 60)
		snprintf(out, len, "next: in %ldm", mins);
	else
		snprintf(out, len, "next: in %ldh%02ldm", mins / 60, mins % 60);
}

/* Milliseconds until something drawn changes by itself (-1: never). */
long
tui_draw_next_tick(const struct tui *t)
{
	const struct mt_model *m = t->model;
	struct timespec ts;
	long r, mins, ms;
	long long target_ms, now_ms;

	if (tui_any_refreshing(t))
		return TUI_SPIN_MS - (long)(time_mono_ms() % TUI_SPIN_MS);
	if (m->next_refresh == 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	r = (long)(m->next_refresh - ts.tv_sec);
	if (r <= 0)
		return -1;	/* "now": the refresh itself will wake us */
	if (r < 60)
		target_ms = (long long)m->next_refresh * 1000;
	else {
		/* The text changes when r reaches (mins - 1) * 60. */
		mins = tui_countdown_minutes(r);
		target_ms = ((long long)m->next_refresh - (mins - 1) * 60) *
		    1000;
		if (mins - 1 == 0)
			target_ms = ((long long)m->next_refresh - 59) * 1000;
	}
	ms = (long)(target_ms - now_ms) + 5;
	return ms < 1 ? 1 : ms;
}

/* A piece of the header, and how much it matters when space is short. */
struct tui_seg {
	char	*text;
	int	 prio;		/* lower is kept first */
	int	 keep;
};

#define TUI_MAXSEGS 20

/* Add a header segment (takes ownership of text). */
static void
tui_seg_add(struct tui_seg *segs, size_t *n, char *text, int prio)
{
	if (*n >= TUI_MAXSEGS) {
		free(text);
		return;
	}
	segs[*n].text = text;
	segs[*n].prio = prio;
	segs[*n].keep = 0;
	(*n)++;
}

/*
 * The header line: where, mode, refresh times, rate-limit budgets. When the
 * line is too wide, whole segments are left out, least important first (a
 * service that is rate limited matters more than the last refresh time);
 * what stays keeps its order.
 */
static void
tui_draw_header(struct tui *t, int width)
{
	const struct mt_model *m = t->model;
	const struct config *cfg = m->cfg;
	struct core_budget b[16];
	struct tui_seg segs[TUI_MAXSEGS];
	struct buf line;
	char *reg, *ns, *svc, when[32], next[64];
	size_t n, i, nsegs = 0;
	int prio, used, w, first_budget = 1, have_budget = 0;
	const char *sep;

	reg = str_oneline(cfg != NULL ? cfg->registry : "", 256);
	ns = str_oneline(cfg != NULL ? cfg->namespace : "", 256);
	tui_seg_add(segs, &nsegs, xasprintf("mirrortop  %s/%s  %s", reg, ns,
	    t->read_only ? "[R]" : "[RW]"), 0);
	free(reg);
	free(ns);
	if (m->last_refresh != 0)
		tui_clock(m->last_refresh, 1, when, sizeof when);
	else
		snprintf(when, sizeof when, "never");
	tui_seg_add(segs, &nsegs, xasprintf("last: %s", when), 3);
	tui_next_text(t, next, sizeof next);
	tui_seg_add(segs, &nsegs, xstrdup(next), 2);

	n = core_budgets(t->core, b, MT_ARRAY_LEN(b));
	for (i = 0; i < n; i++) {
		svc = str_oneline(b[i].service, 128);
		if (b[i].blocked_until > time(NULL) || (b[i].remaining == 0 &&
		    b[i].reset > time(NULL))) {
			tui_clock(b[i].blocked_until > time(NULL) ?
			    b[i].blocked_until : b[i].reset, 0, when, sizeof when);
			tui_seg_add(segs, &nsegs, xasprintf("%s rate limited "
			    "until %s", svc, when), 1);
		} else if (b[i].remaining >= 0)
			tui_seg_add(segs, &nsegs, xasprintf("%s %ld/%ld", svc,
			    b[i].remaining, b[i].limit), 4);
		free(svc);
	}

	/* Keep segments by priority while they fit, separators counted. */
	used = 0;
	for (prio = 0; prio <= 4; prio++) {
		for (i = 0; i < nsegs; i++) {
			int is_budget = prio == 1 || prio == 4;

			if (segs[i].prio != prio)
				continue;
			w = tui_width(segs[i].text);
			if (prio != 0)
				w += is_budget ? (have_budget ? 3 : 10) : 2;
			if (prio == 0 || used + w <= width) {
				segs[i].keep = 1;
				used += w;
				if (is_budget)
					have_budget = 1;
			}
		}
	}
	buf_init(&line, 4096);
	for (i = 0; i < nsegs; i++) {
		if (segs[i].keep) {
			if (i == 0)
				sep = "";
			else if (segs[i].prio == 1 || segs[i].prio == 4) {
				sep = first_budget ? "  budget: " : tui_g->sep;
				first_budget = 0;
			} else
				sep = "  ";
			buf_printf(&line, "%s%s", sep, segs[i].text);
		}
		free(segs[i].text);
	}
	tui_put(stdscr, 0, 0, width, line.data != NULL ? line.data : "",
	    A_REVERSE, 1);
	buf_free(&line);
}

/* Versions of an app that are not complete. */
static size_t
tui_app_missing(const struct mt_app *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->nversions; i++) {
		if (a->versions[i].state != VERSION_COMPLETE)
			n++;
	}
	return n;
}

/* Apps: the spinner while refreshing, else "!" when the app failed. */
static void
tui_app_cell_mark(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_app *a = row;

	if (a->refreshing) {
		snprintf(c->text, sizeof c->text, "%s", tui_spinner());
		c->colour = TUI_C_BUSY;
	} else if (a->error != NULL) {
		snprintf(c->text, sizeof c->text, "!");
		c->colour = TUI_C_ERROR;
		c->attr = A_BOLD;
	}
}

/* Apps: the name. */
static void
tui_app_cell_name(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_app *a = row;

	tui_cell_set(c, a->cfg->name);
}

/* Apps: the upstream latest version. */
static void
tui_app_cell_upstream(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_app *a = row;

	tui_cell_set(c, a->upstream_latest != NULL ? a->upstream_latest :
	    (a->loaded ? "-" : ""));
}

/* Apps: the version `latest` points at, marked when it drifted. */
static void
tui_app_cell_mirrored(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_app *a = row;
	char *s;

	if (a->registry_latest == NULL) {
		snprintf(c->text, sizeof c->text, "%s", a->loaded ? "-" : "");
		return;
	}
	s = str_oneline(a->registry_latest, TUI_STR_MAX);
	if (a->latest_drift) {
		snprintf(c->text, sizeof c->text, "%s %s", s, tui_g->neq);
		c->colour = TUI_C_DRIFT;
	} else
		snprintf(c->text, sizeof c->text, "%s", s);
	free(s);
}

/* Apps: how many versions are not complete. */
static void
tui_app_cell_missing(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_app *a = row;
	size_t n;

	if (!a->loaded)
		return;
	if (a->error != NULL && a->nversions == 0) {
		snprintf(c->text, sizeof c->text, "?");
		return;
	}
	n = tui_app_missing(a);
	snprintf(c->text, sizeof c->text, "%zu", n);
	c->colour = n == 0 ? TUI_C_PRESENT : TUI_C_MISSING;
}

/* Versions: "*" on the semantic latest. */
static void
tui_ver_cell_mark(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_version *v = row;

	if (v->is_latest) {
		snprintf(c->text, sizeof c->text, "*");
		c->attr = A_BOLD;
	}
}

/* Versions: the space mark (read-write mode). */
static void
tui_ver_cell_marked(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_version *v = row;
	const struct mt_app *app = tui_current_app(t);

	if (tui_panel_marked(t, app->cfg->name, v->version)) {
		snprintf(c->text, sizeof c->text, "%s", tui_g->mark);
		c->attr = A_BOLD;
		c->colour = TUI_C_BUSY;
	}
}

/* Versions: the version. */
static void
tui_ver_cell_version(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_version *v = row;

	tui_cell_set(c, v->version);
	if (v->is_latest)
		c->attr = A_BOLD;
}

/* Versions: the release date, YYYY-MM-DD. */
static void
tui_ver_cell_date(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_version *v = row;

	if (v->published_at == NULL) {
		snprintf(c->text, sizeof c->text, "-");
		return;
	}
	tui_cell_set(c, v->published_at);
	if (strlen(c->text) > 10)
		c->text[10] = '\0';	/* YYYY-MM-DD */
}

/* Versions: one arch, as glyph and name, coloured by state. */
static void
tui_ver_cell_arch(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	static const int colour[] = {
		[ARCH_MISSING] = TUI_C_MISSING,
		[ARCH_STAGED] = TUI_C_STAGED,
		[ARCH_PRESENT] = TUI_C_PRESENT,
	};
	const struct mt_version *v = row;
	const struct mt_app *app = tui_current_app(t);
	enum arch_state s = v->archs[arg];
	char *name;

	if ((unsigned)s > ARCH_PRESENT)
		s = ARCH_MISSING;
	name = str_oneline(app->cfg->archs[arg], 64);
	snprintf(c->text, sizeof c->text, "%s %s", tui_g->state[s], name);
	free(name);
	c->colour = colour[s];
}

/* Versions: the short index digest. */
static void
tui_ver_cell_digest(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_version *v = row;

	if (v->digest == NULL) {
		snprintf(c->text, sizeof c->text, "-");
		return;
	}
	tui_cell_set(c, v->digest);
	if (strlen(c->text) > 15)
		c->text[15] = '\0';	/* sha256:abcd1234 */
}

/* Versions: the release name, when it says more than the tag. */
static void
tui_ver_cell_name(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_version *v = row;

	if (v->name != NULL && (v->tag == NULL || strcmp(v->name, v->tag) != 0))
		tui_cell_set(c, v->name);
}

/* Versions: latest / registry latest notes and the job mark. */
static void
tui_ver_cell_info(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_version *v = row;
	const struct mt_app *app = tui_current_app(t);
	struct buf b;
	char *rl;
	int reg_latest;

	reg_latest = app->registry_latest != NULL &&
	    strcmp(app->registry_latest, v->version) == 0;
	buf_init(&b, sizeof c->text - 1);
	if (v->is_latest && app->latest_drift) {
		/* `latest` points elsewhere: say where. */
		rl = str_oneline(app->registry_latest != NULL ?
		    app->registry_latest : "none", 64);
		buf_printf(&b, "latest (registry: %s)", rl);
		free(rl);
	} else if (v->is_latest)
		buf_printf(&b, "latest");
	else if (reg_latest && app->latest_drift) {
		buf_printf(&b, "registry latest");
		c->colour = TUI_C_DRIFT;
	}
	if (!t->read_only) {
		char jobs[128];
		int bad;

		tui_panel_version_jobs(t, app, v, jobs, sizeof jobs, &bad);
		if (jobs[0] != '\0') {
			buf_printf(&b, "%s[%s]", b.len > 0 ? " " : "", jobs);
			c->colour = bad ? TUI_C_ERROR : TUI_C_BUSY;
		}
	} else if (v->job_active)
		buf_printf(&b, "%sjob", b.len > 0 ? " " : "");
	snprintf(c->text, sizeof c->text, "%s", b.data != NULL ? b.data : "");
	buf_free(&b);
}

/* Lay the columns out in width: drop the highest drop levels until they fit. */
static void
tui_cols_place(struct tui_col *cols, size_t n, int width)
{
	size_t i;
	int total, maxdrop, x;

	for (;;) {
		total = 0;
		maxdrop = 0;
		for (i = 0; i < n; i++) {
			if (cols[i].x < 0)
				continue;
			total += cols[i].width + TUI_GAP;
			if (cols[i].drop > maxdrop)
				maxdrop = cols[i].drop;
		}
		if (total <= width + TUI_GAP || maxdrop == 0)
			break;
		for (i = 0; i < n; i++) {
			if (cols[i].drop == maxdrop)
				cols[i].x = -1;
		}
	}
	x = 0;
	for (i = 0; i < n; i++) {
		if (cols[i].x < 0)
			continue;
		cols[i].x = x;
		x += cols[i].width + TUI_GAP;
	}
}

/* Column headings of a pane. */
static void
tui_draw_headings(struct tui_col *cols, size_t n, int y, int width,
    attr_t attr)
{
	size_t i;

	tui_put(stdscr, y, 0, width, "", attr, 1);
	for (i = 0; i < n; i++) {
		if (cols[i].x < 0 || cols[i].x >= width || cols[i].title == NULL)
			continue;
		tui_put(stdscr, y, cols[i].x, width - cols[i].x, cols[i].title,
		    attr, 0);
	}
}

/* One row of a pane: the cursor column, then each placed column. */
static void
tui_draw_row(const struct tui *t, struct tui_col *cols, size_t n, int y,
    int width, const void *row, int selected, int focused)
{
	struct tui_cell c;
	attr_t base = A_NORMAL, attr;
	size_t i;
	int w;

	if (selected)
		base = focused ? A_REVERSE : A_BOLD;
	tui_put(stdscr, y, 0, width, "", base, 1);
	for (i = 0; i < n; i++) {
		if (cols[i].x < 0 || cols[i].x >= width)
			continue;
		memset(&c, 0, sizeof c);
		if (cols[i].cell == NULL)
			snprintf(c.text, sizeof c.text, "%s",
			    selected && focused ? ">" : "");
		else
			cols[i].cell(t, row, cols[i].arg, &c);
		attr = base | c.attr;
		if (!(selected && focused))
			attr |= tui_colour(c.colour);
		w = cols[i].width;
		if (cols[i].x + w > width)
			w = width - cols[i].x;
		tui_put(stdscr, y, cols[i].x, w, c.text, attr, 0);
	}
}

/* Width of the widest cell of a column over the pane's rows, capped. */
static int
tui_col_fit(const struct tui *t, const struct tui_col *col, const void *rows,
    size_t size, const size_t *idx, size_t n, int min, int max)
{
	struct tui_cell c;
	size_t i;
	int w = min, cw;

	for (i = 0; i < n; i++) {
		memset(&c, 0, sizeof c);
		col->cell(t, (const char *)rows + idx[i] * size, col->arg, &c);
		cw = tui_width(c.text);
		if (cw > w)
			w = cw;
	}
	return w > max ? max : w;
}

/* A pane title: text on a reversed (focused) or underlined bar. */
void
tui_draw_title(int y, int width, const char *text, int focused)
{
	tui_put(stdscr, y, 0, width, text, focused ? A_REVERSE | A_BOLD :
	    A_UNDERLINE | A_BOLD, 1);
}

/* The filter as shown in a title: " /re/" or " /!re/". */
static void
tui_filter_text(const struct tui_list *l, char *out, size_t len)
{
	char *safe;

	if (l->filter == NULL) {
		out[0] = '\0';
		return;
	}
	safe = str_oneline(l->filter, 200);
	snprintf(out, len, "  [filter /%s%s]", l->invert ? "!" : "", safe);
	free(safe);
}

/* The apps pane: a heading bar and one row per app. */
static void
tui_draw_apps(struct tui *t, int y, int rows, int width)
{
	struct tui_list *l = &t->lists[TUI_PANE_APPS];
	const struct mt_model *m = t->model;
	struct tui_col cols[] = {
		{ .title = NULL, .width = 1, .drop = 0, .cell = NULL },
		{ .title = NULL, .width = 1, .drop = 0,
		  .cell = tui_app_cell_mark },
		{ .title = "APP", .width = 12, .drop = 0,
		  .cell = tui_app_cell_name },
		{ .title = "UPSTREAM", .width = 12, .drop = 0,
		  .cell = tui_app_cell_upstream },
		{ .title = "MIRRORED", .width = 12, .drop = 2,
		  .cell = tui_app_cell_mirrored },
		{ .title = "MISSING", .width = 7, .drop = 1,
		  .cell = tui_app_cell_missing },
	};
	char title[512], ftext[256];
	size_t i, n = MT_ARRAY_LEN(cols);
	int focused = t->focus == TUI_PANE_APPS;

	cols[2].width = tui_col_fit(t, &cols[2], m->apps, sizeof *m->apps,
	    l->rows, l->nrows, 8, 24);
	cols[3].width = tui_col_fit(t, &cols[3], m->apps, sizeof *m->apps,
	    l->rows, l->nrows, 8, 20);
	cols[4].width = tui_col_fit(t, &cols[4], m->apps, sizeof *m->apps,
	    l->rows, l->nrows, 8, 24);
	tui_cols_place(cols, n, width);

	tui_filter_text(l, ftext, sizeof ftext);
	tui_draw_title(y, width, "", focused);
	tui_draw_headings(cols, n, y, width, focused ? A_REVERSE | A_BOLD :
	    A_UNDERLINE | A_BOLD);
	if (ftext[0] != '\0') {
		snprintf(title, sizeof title, "%s", ftext);
		i = (size_t)(cols[n - 1].x >= 0 ? cols[n - 1].x +
		    cols[n - 1].width : width / 2);
		if ((int)i < width)
			tui_put(stdscr, y, (int)i, width - (int)i, title,
			    focused ? A_REVERSE | A_BOLD : A_UNDERLINE | A_BOLD,
			    0);
	}
	y++;

	l->height = rows;
	tui_list_clamp(l);
	if (l->nrows == 0 && rows > 0) {
		tui_put(stdscr, y, 2, width - 2, m->napps == 0 ?
		    "no apps configured" : "no app matches the filter",
		    A_NORMAL, 0);
		return;
	}
	for (i = 0; i < (size_t)rows && l->top + i < l->nrows; i++) {
		size_t r = l->top + i;

		tui_draw_row(t, cols, n, y + (int)i, width,
		    &m->apps[l->rows[r]], r == l->sel, focused);
	}
}

/* The versions pane: a title bar, headings and one row per version. */
static void
tui_draw_versions(struct tui *t, int y, int rows, int width, int headings)
{
	struct tui_list *l = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *app = tui_current_app(t);
	struct tui_col cols[TUI_MAXCOLS];
	char title[1024], ftext[256], *name, *image, *drift = NULL;
	size_t i, n = 0, vcol;
	int focused = t->focus == TUI_PANE_VERSIONS;

	if (app == NULL) {
		tui_draw_title(y, width, " (no app selected)", focused);
		l->height = rows;
		return;
	}
	name = str_oneline(app->cfg->name, 128);
	image = str_oneline(app->image != NULL ? app->image : "", 256);
	if (app->latest_drift) {
		char *rl = str_oneline(app->registry_latest != NULL ?
		    app->registry_latest : "none", 64);
		char *ul = str_oneline(app->upstream_latest != NULL ?
		    app->upstream_latest : "none", 64);

		drift = xasprintf("  drift: registry latest is %s, not %s",
		    rl, ul);
		free(rl);
		free(ul);
	}
	tui_filter_text(l, ftext, sizeof ftext);
	snprintf(title, sizeof title, " %s  %s  %zu version%s%s%s", name, image,
	    app->nversions, app->nversions == 1 ? "" : "s",
	    drift != NULL ? drift : "", ftext);
	free(drift);
	free(name);
	free(image);
	tui_draw_title(y, width, title, focused);
	y++;

	memset(cols, 0, sizeof cols);
	cols[n++] = (struct tui_col){ .width = 1, .cell = NULL };
	if (!t->read_only)
		cols[n++] = (struct tui_col){ .width = 1,
		    .cell = tui_ver_cell_marked };
	cols[n++] = (struct tui_col){ .width = 1, .cell = tui_ver_cell_mark };
	vcol = n;
	cols[n++] = (struct tui_col){ .title = "VERSION", .width = 10,
	    .cell = tui_ver_cell_version };
	cols[n++] = (struct tui_col){ .title = "DATE", .width = 10, .drop = 2,
	    .cell = tui_ver_cell_date };
	for (i = 0; i < app->cfg->narchs && i < CONFIG_MAX_ARCHS; i++) {
		cols[n] = (struct tui_col){ .title = "", .width = 9, .arg = i,
		    .cell = tui_ver_cell_arch };
		if (app->nversions > 0)
			cols[n].width = tui_col_fit(t, &cols[n], app->versions,
			    sizeof *app->versions, l->rows, l->nrows, 7, 16);
		n++;
	}
	cols[n++] = (struct tui_col){ .title = "DIGEST", .width = 15,
	    .drop = 3, .cell = tui_ver_cell_digest };
	cols[n++] = (struct tui_col){ .title = "", .width = 24, .drop = 1,
	    .cell = tui_ver_cell_info };
	cols[n++] = (struct tui_col){ .title = "RELEASE", .width = 8,
	    .drop = 4, .cell = tui_ver_cell_name };
	cols[n - 1].width = tui_col_fit(t, &cols[n - 1], app->versions,
	    sizeof *app->versions, l->rows, l->nrows, 7, 40);
	cols[vcol].width = tui_col_fit(t, &cols[vcol], app->versions,
	    sizeof *app->versions, l->rows, l->nrows, 7, 24);
	cols[n - 2].width = tui_col_fit(t, &cols[n - 2], app->versions,
	    sizeof *app->versions, l->rows, l->nrows, 6, 40);
	for (i = 0; i < n; i++)
		cols[i].x = 0;
	tui_cols_place(cols, n, width);

	if (headings) {
		/* Arch columns are headed by the arch names in the cells. */
		tui_draw_headings(cols, n, y, width, A_UNDERLINE);
		y++;
	}

	l->height = rows;
	tui_list_clamp(l);
	if (l->nrows == 0 && rows > 0) {
		const char *what;

		if (app->refreshing && !app->loaded)
			what = "loading...";
		else if (app->nversions == 0 && app->error != NULL)
			what = "could not be checked (see the status line)";
		else if (app->nversions == 0)
			what = app->loaded ? "no versions" : "not checked yet";
		else
			what = "no version matches the filter";
		tui_put(stdscr, y, 2, width - 2, what, A_NORMAL, 0);
		return;
	}
	for (i = 0; i < (size_t)rows && l->top + i < l->nrows; i++) {
		size_t r = l->top + i;

		tui_draw_row(t, cols, n, y + (int)i, width,
		    &app->versions[l->rows[r]], r == l->sel, focused);
	}
}

/* The message line: a status message, else the selected app's error. */
static const char *
tui_message_text(const struct tui *t, int *error)
{
	const struct mt_app *app = tui_current_app(t);

	*error = 1;
	if (t->message != NULL) {
		*error = t->message_error;
		return t->message;
	}
	if (app != NULL && app->error != NULL)
		return app->error;
	return NULL;
}

/* The message line, if any (the app's error is made safe here). */
static void
tui_draw_message(const struct tui *t, int y, int width)
{
	const struct mt_app *app = tui_current_app(t);
	char *safe, *line;
	const char *msg;
	int error;

	if ((msg = tui_message_text(t, &error)) == NULL)
		return;
	safe = str_oneline(msg, TUI_STR_MAX);
	if (msg == t->message || app == NULL)
		line = xasprintf("%s%s", error ? "! " : "", safe);
	else {
		char *name = str_oneline(app->cfg->name, 128);

		line = xasprintf("! %s: %s", name, safe);
		free(name);
	}
	tui_put(stdscr, y, 0, width, line, error ? tui_colour(TUI_C_ERROR) |
	    A_BOLD : A_NORMAL, 1);
	free(line);
	free(safe);
}

/* The status line: the prompt, or the keys active now. */
static void
tui_draw_status(struct tui *t, int y, int width)
{
	const struct tui_binding *b[64];
	char text[TUI_PROMPT_MAX * 4];
	struct buf line;
	size_t n, i;

	if (t->mode == TUI_MODE_PROMPT) {
		char *safe, *shown;
		const char *p;

		tui_prompt_text(t, text, sizeof text);
		safe = str_oneline(text, sizeof text);
		shown = xasprintf("/%s_", safe);
		free(safe);
		/* Keep the end of a long pattern in view. */
		for (p = shown; *p != '\0' && tui_width(p) > width - 1;) {
			int step = mblen(p, MB_CUR_MAX);

			p += step > 0 ? step : 1;
		}
		tui_put(stdscr, y, 0, width - 1, p, A_BOLD, 1);
		free(shown);
		return;
	}
	if (t->mode == TUI_MODE_CONFIRM || t->mode == TUI_MODE_ARCH ||
	    t->mode == TUI_MODE_LOG) {
		const char *keys;

		if (t->mode == TUI_MODE_CONFIRM)
			keys = "y yes  n/Esc/Enter no  Up/Down scroll";
		else if (t->mode == TUI_MODE_ARCH)
			keys = "j/k move  Enter/1-9 pick  Esc cancel";
		else
			keys = "j/k scroll  h/l sideways  g top  G follow  "
			    "Esc back";
		tui_put(stdscr, y, 0, width - 1, keys, A_NORMAL, 1);
		return;
	}
	buf_init(&line, 2048);
	n = tui_active_bindings(t, b, MT_ARRAY_LEN(b));
	for (i = 0; i < n; i++) {
		if (!(b[i]->flags & TUI_B_HINT))
			continue;
		/* Whole hints only: the help has the rest. */
		if (line.len > 0 && (int)(line.len + 2 + strlen(b[i]->label) +
		    1 + strlen(b[i]->hint)) > width - 1)
			break;
		buf_printf(&line, "%s%s %s", line.len > 0 ? "  " : "",
		    b[i]->label, b[i]->hint);
	}
	if (t->read_only)
		buf_printf(&line, "  (read-only)");
	tui_put(stdscr, y, 0, width - 1, line.data != NULL ? line.data : "",
	    A_NORMAL, 1);
	buf_free(&line);
}

/* The help overlay: every binding active in this mode, and only those. */
static void
tui_draw_help(struct tui *t)
{
	const struct tui_binding *b[64];
	WINDOW *win;
	size_t n, i;
	int h, w, y;

	n = tui_active_bindings(t, b, MT_ARRAY_LEN(b));
	h = (int)n + 4;
	w = 64;
	if (h > LINES)
		h = LINES;
	if (w > COLS)
		w = COLS;
	if (h < 3 || w < 10)
		return;
	if ((win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2)) == NULL)
		return;
	werase(win);
	box(win, 0, 0);
	tui_put(win, 0, 2, w - 4, t->read_only ? " Keys (read-only) " :
	    " Keys ", A_BOLD, 0);
	for (i = 0, y = 1; i < n && y < h - 2; i++, y++) {
		tui_put(win, y, 2, 10, b[i]->label, A_BOLD, 1);
		tui_put(win, y, 13, w - 15, b[i]->help, A_NORMAL, 0);
	}
	tui_put(win, h - 2, 2, w - 4, "any key closes this help", A_DIM, 0);
	wnoutrefresh(win);
	delwin(win);
}

/* Draw the whole screen; only what changed reaches the terminal. */
void
tui_draw(struct tui *t)
{
	const struct tui_list *al = &t->lists[TUI_PANE_APPS];
	int lines = LINES, width = COLS, msg_error;
	int body, top, ah, vrows, bottom, both, want, jrows;

	werase(stdscr);
	free(t->tail_path);	/* set again when the jobs pane is drawn */
	t->tail_path = NULL;
	if (lines < 1 || width < 1)
		goto out;
	tui_draw_header(t, width);
	if (lines < 3) {
		if (lines == 2)
			tui_draw_status(t, 1, width);
		goto out;
	}
	bottom = lines - 1;		/* status line */
	if (tui_message_text(t, &msg_error) != NULL && lines >= 6) {
		bottom--;
		tui_draw_message(t, bottom, width);
	}
	tui_draw_status(t, lines - 1, width);

	top = 1;
	body = bottom - top;		/* rows between header and bottom */
	if (t->mode == TUI_MODE_LOG) {
		tui_draw_log(t, top, body, width);
		goto out;
	}
	jrows = 0;
	if (tui_panel_jobs_shown(t)) {
		size_t nj = tui_panel_njobs(t);

		/* Title, up to five jobs, two lines of output. */
		jrows = 1 + (nj < 5 ? (nj > 0 ? (int)nj : 1) : 5) + 2;
		if (body - jrows < 10)
			jrows = body >= 14 ? 4 : 0;
	}
	if (jrows == 0 && t->focus == TUI_PANE_JOBS &&
	    tui_panel_jobs_shown(t)) {
		tui_draw_jobs(t, top, body, width);
		goto out;
	}
	body -= jrows;
	want = al->nrows > 0 ? (int)al->nrows : 1;
	both = body >= 6;
	if (both) {
		ah = (body - 4) / 2;
		if (ah < 1)
			ah = 1;
		if (ah > want)
			ah = want;
		tui_draw_apps(t, top, ah, width);
		vrows = body - (1 + ah) - 2;
		tui_draw_versions(t, top + 1 + ah, vrows, width, 1);
	} else if (t->focus == TUI_PANE_APPS)
		tui_draw_apps(t, top, body - 1, width);
	else
		tui_draw_versions(t, top, body - (body >= 3 ? 2 : 1), width,
		    body >= 3);
	if (jrows > 0)
		tui_draw_jobs(t, top + body, jrows, width);
out:
	wnoutrefresh(stdscr);
	if (t->mode == TUI_MODE_HELP)
		tui_draw_help(t);
	else
		tui_draw_panel_overlay(t);
	doupdate();
}
