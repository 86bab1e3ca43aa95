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
#include "output.h"
#include "version.h"
#include "util.h"
#include "tui-int.h"

#define TUI_SPIN_MS	120	/* spinner frame */
#define TUI_STR_MAX	1024	/* bytes of any one string drawn */
#define TUI_CELL_MAX	512
#define TUI_MAXCOLS	(8 + CONFIG_MAX_ARCHS + CONFIG_MAX_TARGETS)
#define TUI_GAP		1
#define TUI_WIDE	150	/* columns from which digests are whole */

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
	const char	*queued;	/* an arch with a queued job */
	const char	*building;	/* an arch with a running job */
	const char	*spin[10];
	size_t		 nspin;
	const char	*sep;
	const char	*ellipsis;
	const char	*neq;
	const char	*mark;
};

static const struct tui_glyphs tui_glyphs_utf8 = {
	.state = { "✗", "◐", "✓" },
	.queued = "◌",
	.building = "↻",
	.spin = { "⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏" },
	.nspin = 10,
	.sep = " · ",
	.ellipsis = "…",
	.neq = "≠",
	.mark = "●",
};

static const struct tui_glyphs tui_glyphs_ascii = {
	.state = { "-", "~", "+" },
	.queued = ".",
	.building = "@",
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
	int		 min;		/* > 0: may shrink to this width ... */
	int		 shrink;	/* ... before columns of this drop level go */
	size_t		 arg;		/* arch index for arch columns */
	void		(*cell)(const struct tui *, const void *, size_t,
			    struct tui_cell *);
	int		 x;		/* placed at, -1 when dropped */
	/* The cursor column (cell NULL): whether the row changed since the
	 * user last looked (a mark where the cursor is not). */
	int		(*changed)(const struct tui *, const void *);
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

/*
 * Does a pane show the focus (reverse title, row cursor)? Not under a
 * dialog or the help: nothing of the panes shows through at their edges.
 */
int
tui_pane_focused(const struct tui *t, int pane)
{
	if (t->mode == TUI_MODE_HELP || t->mode == TUI_MODE_CONFIRM ||
	    t->mode == TUI_MODE_ARCH)
		return 0;
	return (int)t->focus == pane;
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

/*
 * Like tui_put(), but a string wider than width ends with an ellipsis, so
 * a cut never passes for the whole text.
 */
int
tui_put_cut(WINDOW *win, int y, int x, int width, const char *s,
    attr_t attr, int pad)
{
	int ew = tui_width(tui_g->ellipsis), used;

	if (width <= 0 || s == NULL)
		return 0;
	if (tui_width(s) <= width || width <= ew)
		return tui_put(win, y, x, width, s, attr, pad);
	used = tui_put(win, y, x, width - ew, s, attr, 0);
	used += tui_put(win, y, x + used, ew, tui_g->ellipsis, attr, 0);
	if (pad && used < width)
		used += tui_put(win, y, x + used, width - used, "", attr, 1);
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

/* "next ..." text: minute granularity, so an idle screen stays still. */
static void
tui_next_text(const struct tui *t, char *out, size_t len)
{
	const struct mt_model *m = t->model;
	long r, mins;

	if (tui_any_refreshing(t)) {
		snprintf(out, len, "refreshing");
		return;
	}
	if (m->next_refresh == 0) {
		snprintf(out, len, "next -");
		return;
	}
	r = (long)(m->next_refresh - time(NULL));
	if (r <= 0)
		snprintf(out, len, "next now");
	else if (r < 60)
		snprintf(out, len, "next <1m");
	else if ((mins = tui_countdown_minutes(r)) < 60)
		snprintf(out, len, "next %ldm", mins);
	else
		snprintf(out, len, "next %ldh%02ldm", mins / 60, mins % 60);
}

/* Milliseconds until something drawn changes by itself (-1: never). */
long
tui_draw_next_tick(const struct tui *t)
{
	const struct mt_model *m = t->model;
	struct timespec ts;
	long r, mins, ms, jobs_ms = tui_panel_tick_ms(t);
	long long target_ms, now_ms;

	if (tui_any_refreshing(t))
		return TUI_SPIN_MS - (long)(time_mono_ms() % TUI_SPIN_MS);
	if (m->next_refresh == 0)
		return jobs_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	r = (long)(m->next_refresh - ts.tv_sec);
	if (r <= 0)
		return jobs_ms;	/* "now": the refresh itself will wake us */
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
	if (ms < 1)
		ms = 1;
	return jobs_ms >= 0 && jobs_ms < ms ? jobs_ms : ms;
}

/* What a header segment is; it decides the separator in front of it. */
enum tui_seg_kind {
	TUI_SEG_TEXT = 0,
	TUI_SEG_BUDGET,
};

/* A piece of the header, and how much it matters when space is short. */
struct tui_seg {
	char			*text;
	enum tui_seg_kind	 kind;
	int			 prio;	/* 0: never dropped; higher drops first */
	int			 keep;
};

#define TUI_MAXSEGS 24

/* Header drop priorities: the mode badge stays, then where, ... */
#define TUI_PRIO_BADGE		0
#define TUI_PRIO_WHERE		1
#define TUI_PRIO_LIMITED	2	/* a service that refuses requests */
#define TUI_PRIO_NEXT		3
#define TUI_PRIO_LOWEST		4	/* the budget with the least left */
#define TUI_PRIO_LAST		5
#define TUI_PRIO_BUDGET		6
#define TUI_PRIO_NAME		7

/* Add a header segment (takes ownership of text). */
static void
tui_seg_add(struct tui_seg *segs, size_t *n, char *text,
    enum tui_seg_kind kind, int prio)
{
	if (*n >= TUI_MAXSEGS) {
		free(text);
		return;
	}
	segs[*n].text = text;
	segs[*n].kind = kind;
	segs[*n].prio = prio;
	segs[*n].keep = 1;
	(*n)++;
}

/* The header's kept segments joined, separators included (caller frees). */
static char *
tui_segs_join(const struct tui_seg *segs, size_t n)
{
	struct buf line;
	const char *sep;
	size_t i;
	int first = 1, budgets = 0;

	buf_init(&line, 4096);
	for (i = 0; i < n; i++) {
		if (!segs[i].keep)
			continue;
		if (segs[i].kind == TUI_SEG_BUDGET)
			sep = budgets++ > 0 ? tui_g->sep : (first ? "budget: " :
			    "  budget: ");
		else
			sep = first ? "" : "  ";
		buf_printf(&line, "%s%s", sep, segs[i].text);
		first = 0;
	}
	if (line.data == NULL)
		return xstrdup("");
	return buf_steal(&line);
}

/* A service name for the header: the host without its port. */
static char *
tui_service_name(const char *service)
{
	char *s = str_oneline(service != NULL ? service : "", 128);
	char *colon = strrchr(s, ':');

	/* "host:port" (not a bare IPv6 address): drop the port. */
	if (colon != NULL && colon[1] != '\0' && strchr(s, ':') == colon &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1))
		*colon = '\0';
	else if (s[0] == '[' && colon != NULL && colon > s && colon[-1] == ']')
		*colon = '\0';
	return s;
}

/*
 * The header line: name, where, mode badge, refresh times, rate-limit
 * budgets. When the line is too wide, whole segments are left out, least
 * important first (the program's name, the budgets but the one with the
 * least left, the last refresh time; a rate-limited service goes late);
 * the mode badge is never left out. What stays keeps its order.
 */
static void
tui_draw_header(struct tui *t, int width)
{
	const struct mt_model *m = t->model;
	const struct config *cfg = m->cfg;
	struct core_budget b[16];
	struct tui_seg segs[TUI_MAXSEGS];
	char *reg, *ns, *svc, *line, when[32], next[64];
	size_t n, i, k, nsegs = 0, lowest = SIZE_MAX, drop;
	double frac, lowest_frac = 2.0;
	time_t now = time(NULL);

	tui_seg_add(segs, &nsegs, xstrdup("mirrortop"), TUI_SEG_TEXT,
	    TUI_PRIO_NAME);
	reg = str_oneline(cfg != NULL ? cfg->registry : "", 256);
	ns = str_oneline(cfg != NULL ? cfg->namespace : "", 256);
	tui_seg_add(segs, &nsegs, xasprintf("%s/%s", reg, ns), TUI_SEG_TEXT,
	    TUI_PRIO_WHERE);
	free(reg);
	free(ns);
	tui_seg_add(segs, &nsegs, xstrdup(t->read_only ? "[R]" : "[RW]"),
	    TUI_SEG_TEXT, TUI_PRIO_BADGE);
	if (m->last_refresh != 0)
		tui_clock(m->last_refresh, 0, when, sizeof when);
	else
		snprintf(when, sizeof when, "never");
	tui_seg_add(segs, &nsegs, xasprintf("last %s", when), TUI_SEG_TEXT,
	    TUI_PRIO_LAST);
	tui_next_text(t, next, sizeof next);
	tui_seg_add(segs, &nsegs, xstrdup(next), TUI_SEG_TEXT, TUI_PRIO_NEXT);

	n = core_budgets(t->core, b, MT_ARRAY_LEN(b));
	for (i = 0; i < n; i++) {
		svc = tui_service_name(b[i].service);
		/* Two services on one host (two ports): each keeps its
		 * port, so that neither passes for the other. (Two budgets
		 * of one host and port, an API's and a registry's, are told
		 * apart by their limits.) */
		for (k = 0; k < n; k++) {
			char *other;

			if (k == i || (b[k].service != NULL &&
			    b[i].service != NULL &&
			    strcmp(b[k].service, b[i].service) == 0))
				continue;
			other = tui_service_name(b[k].service);
			if (strcmp(other, svc) == 0) {
				free(svc);
				svc = str_oneline(b[i].service != NULL ?
				    b[i].service : "", 128);
				free(other);
				break;
			}
			free(other);
		}
		if (b[i].blocked_until > now || (b[i].remaining == 0 &&
		    b[i].reset > now)) {
			tui_clock(b[i].blocked_until > now ? b[i].blocked_until :
			    b[i].reset, 0, when, sizeof when);
			tui_seg_add(segs, &nsegs, xasprintf("%s rate limited "
			    "until %s", svc, when), TUI_SEG_BUDGET,
			    TUI_PRIO_LIMITED);
		} else if (b[i].remaining >= 0) {
			frac = b[i].limit > 0 ? (double)b[i].remaining /
			    (double)b[i].limit : 1.0;
			tui_seg_add(segs, &nsegs, xasprintf("%s %ld/%ld", svc,
			    b[i].remaining, b[i].limit), TUI_SEG_BUDGET,
			    TUI_PRIO_BUDGET);
			if (frac < lowest_frac) {
				lowest_frac = frac;
				lowest = nsegs - 1;
			}
		}
		free(svc);
	}
	if (lowest < nsegs)
		segs[lowest].prio = TUI_PRIO_LOWEST;

	/* Leave out the least important segment until the line fits. */
	for (;;) {
		line = tui_segs_join(segs, nsegs);
		if (tui_width(line) <= width)
			break;
		drop = SIZE_MAX;
		for (i = 0; i < nsegs; i++) {
			if (segs[i].keep && segs[i].prio > 0 && (drop ==
			    SIZE_MAX || segs[i].prio >= segs[drop].prio))
				drop = i;
		}
		if (drop == SIZE_MAX)
			break;
		segs[drop].keep = 0;
		free(line);
	}
	for (i = 0; i < nsegs; i++)
		free(segs[i].text);
	tui_put(stdscr, 0, 0, width, line, A_REVERSE, 1);
	free(line);
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

/* An app with events the user has not seen (mode-events.c). */
static int
tui_app_changed(const struct tui *t, const void *row)
{
	const struct mt_app *a = row;

	return tui_events_unseen(t, a->cfg->name, NULL);
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

/* Drift is claimed only when the last refresh could ask the registry. */
static int
tui_app_drift(const struct mt_app *a)
{
	return a->latest_drift && !a->registry_unknown;
}

/* Where the registry's latest version is, seen from the window. */
static const char *
tui_latest_where(const struct mt_app *a)
{
	size_t i;

	if (a->registry_latest == NULL || a->nversions == 0)
		return "";
	for (i = 0; i < a->nversions; i++) {
		if (strcmp(a->versions[i].version, a->registry_latest) == 0)
			return "";
	}
	if (version_compare_str(a->cfg->versioning, a->registry_latest,
	    a->versions[a->nversions - 1].version) < 0)
		return " (older than the window)";
	if (version_compare_str(a->cfg->versioning, a->registry_latest,
	    a->versions[0].version) > 0)
		return " (newer than the window)";
	return " (not in the window)";
}

/* "sha256:abcd" and an ellipsis: a digest made short. Caller frees. */
static char *
tui_short_digest(const char *digest)
{
	char *safe = str_oneline(digest, 128), *out;

	if (strlen(safe) > 11) {
		safe[11] = '\0';
		out = xasprintf("%s%s", safe, tui_g->ellipsis);
		free(safe);
		return out;
	}
	return safe;
}

/*
 * What the registry's `latest` is, in words: "2.0.0", "1.1.0 (older than
 * the window)", "not a version tag (sha256:abcd…)" or "none"; "unknown"
 * when the registry could not be asked. Caller frees.
 */
static char *
tui_latest_text(const struct mt_app *a)
{
	char *v, *d, *out;

	if (a->registry_unknown)
		return xstrdup("unknown");
	if (a->registry_latest != NULL) {
		v = str_oneline(a->registry_latest, 64);
		out = xasprintf("%s%s", v, tui_latest_where(a));
		free(v);
		return out;
	}
	if (a->latest_digest != NULL) {
		d = tui_short_digest(a->latest_digest);
		out = xasprintf("not a version tag (%s)", d);
		free(d);
		return out;
	}
	return xstrdup("none");
}

/*
 * Apps: the version `latest` points at, marked when it drifted; "?" when
 * the registry could not be asked, the short digest when `latest` is no
 * version tag.
 */
static void
tui_app_cell_mirrored(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_app *a = row;
	char *s;

	if (a->registry_unknown) {
		snprintf(c->text, sizeof c->text, "?");
		c->colour = TUI_C_DRIFT;
		return;
	}
	if (a->registry_latest != NULL)
		s = str_oneline(a->registry_latest, TUI_STR_MAX);
	else if (a->latest_digest != NULL)
		s = tui_short_digest(a->latest_digest);
	else {
		snprintf(c->text, sizeof c->text, "%s", a->loaded ? "-" : "");
		return;
	}
	if (tui_app_drift(a)) {
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

/* A version with events the user has not seen (mode-events.c). */
static int
tui_ver_changed(const struct tui *t, const void *row)
{
	const struct mt_version *v = row;
	const struct mt_app *app = tui_current_app(t);

	return app != NULL && tui_events_unseen(t, app->cfg->name, v->version);
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

/*
 * Versions: one arch, as glyph and name, coloured by state. An arch with
 * a queued or running job shows that instead of its registry state: a
 * distinct glyph, so it reads without colour.
 */
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
	const char *glyph;
	char *name;
	int job;

	if ((unsigned)s > ARCH_PRESENT)
		s = ARCH_MISSING;
	glyph = tui_g->state[s];
	c->colour = colour[s];
	job = tui_panel_arch_job(t, app, v, app->cfg->archs[arg]);
	if (job == 1 || job == 2) {
		glyph = job == 1 ? tui_g->queued : tui_g->building;
		c->colour = TUI_C_BUSY;
	}
	name = str_oneline(app->cfg->archs[arg], 64);
	snprintf(c->text, sizeof c->text, "%s %s", glyph, name);
	free(name);
}

/* Versions: the version on one mirror target (arg: the app's target). */
static void
tui_ver_cell_target(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	static const int colour[] = {
		[VERSION_MISSING] = TUI_C_MISSING,
		[VERSION_PARTIAL] = TUI_C_STAGED,
		[VERSION_STAGED] = TUI_C_STAGED,
		[VERSION_COMPLETE] = TUI_C_PRESENT,
		[VERSION_DIFFERS] = TUI_C_ERROR,
	};
	const struct mt_version *v = row;
	enum version_state s;

	(void)t;
	if (arg >= v->ntargets) {
		snprintf(c->text, sizeof c->text, "?");
		return;
	}
	s = v->targets[arg].state;
	if ((unsigned)s > VERSION_DIFFERS)
		s = VERSION_MISSING;
	snprintf(c->text, sizeof c->text, "%s", version_state_name(s));
	c->colour = colour[s];
	if (s == VERSION_DIFFERS)
		c->attr = A_BOLD;
}

/* Versions: the index digest: short (arg 0), shorter without "sha256:"
 * (1), or whole (2). */
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
	if (arg == 2)
		return;			/* wide screens: the whole digest */
	if (arg && strncmp(c->text, "sha256:", 7) == 0)
		memmove(c->text, c->text + 7, strlen(c->text + 7) + 1);
	if (strlen(c->text) > (arg ? 8 : 15))
		c->text[arg ? 8 : 15] = '\0';	/* (sha256:)abcd1234 */
}

/*
 * Versions: signature, SBOM, provenance as S B P (present), - (missing),
 * ? (unknown); nothing for a version not published.
 */
static void
tui_ver_cell_supply(const struct tui *t, const void *row, size_t arg,
    struct tui_cell *c)
{
	const struct mt_version *v = row;
	size_t k, present = 0, unknown = 0;

	(void)t;
	(void)arg;
	if (v->digest == NULL)
		return;
	output_supply_marks(&v->supply, c->text);
	for (k = 0; k < SC_NKINDS; k++) {
		present += v->supply.state[k] == SC_PRESENT;
		unknown += v->supply.state[k] == SC_UNKNOWN;
	}
	c->colour = present == SC_NKINDS ? TUI_C_PRESENT : unknown > 0 ?
	    TUI_C_NONE : TUI_C_STAGED;
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
	int reg_latest, drift = tui_app_drift(app);

	reg_latest = app->registry_latest != NULL &&
	    strcmp(app->registry_latest, v->version) == 0;
	buf_init(&b, sizeof c->text - 1);
	/* The job state first: it changes, and says what is going on. */
	{
		char jobs[128];
		int bad;

		tui_panel_version_jobs(t, app, v, jobs, sizeof jobs, &bad);
		if (jobs[0] != '\0') {
			buf_printf(&b, "[%s]", jobs);
			c->colour = bad ? TUI_C_ERROR : TUI_C_BUSY;
		}
	}
	if (v->is_latest && drift) {
		/* `latest` points elsewhere: say where. */
		char *rl;

		if (app->registry_latest != NULL)
			rl = str_oneline(app->registry_latest, 64);
		else
			rl = xstrdup(app->latest_digest != NULL ?
			    "not a version tag" : "none");
		buf_printf(&b, "%slatest (registry: %s)", b.len > 0 ? " " : "",
		    rl);
		free(rl);
	} else if (v->is_latest)
		buf_printf(&b, "%slatest", b.len > 0 ? " " : "");
	else if (reg_latest && drift) {
		buf_printf(&b, "%sregistry latest", b.len > 0 ? " " : "");
		if (c->colour == TUI_C_NONE)
			c->colour = TUI_C_DRIFT;
	}
	snprintf(c->text, sizeof c->text, "%s", b.data != NULL ? b.data : "");
	buf_free(&b);
}

/*
 * Lay the columns out in width: drop the highest drop levels until they
 * fit. A column with a minimum width shrinks to it before the columns of
 * its shrink level are dropped; it gets back what is left, up to its width.
 */
static void
tui_cols_place(struct tui_col *cols, size_t n, int width)
{
	size_t i;
	int total, maxdrop, x, spare, want, shrunk[TUI_MAXCOLS], again;

	if (n > TUI_MAXCOLS)
		n = TUI_MAXCOLS;
	for (i = 0; i < n; i++)
		shrunk[i] = 0;
	for (;;) {
		total = 0;
		maxdrop = 0;
		for (i = 0; i < n; i++) {
			if (cols[i].x < 0)
				continue;
			total += (shrunk[i] ? cols[i].min : cols[i].width) +
			    TUI_GAP;
			if (cols[i].drop > maxdrop)
				maxdrop = cols[i].drop;
		}
		if (total <= width + TUI_GAP || maxdrop == 0)
			break;
		again = 0;
		for (i = 0; i < n; i++) {
			if (cols[i].x >= 0 && !shrunk[i] && cols[i].min > 0 &&
			    cols[i].min < cols[i].width &&
			    cols[i].shrink >= maxdrop) {
				shrunk[i] = 1;
				again = 1;
			}
		}
		if (again)
			continue;
		for (i = 0; i < n; i++) {
			if (cols[i].drop == maxdrop)
				cols[i].x = -1;
		}
	}
	spare = width + TUI_GAP - total;
	for (i = 0; i < n; i++) {
		if (cols[i].x < 0 || !shrunk[i])
			continue;
		want = cols[i].width - cols[i].min;
		if (spare < want)
			want = spare > 0 ? spare : 0;
		cols[i].width = cols[i].min + want;
		spare -= want;
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
		if (cols[i].cell == NULL && !(selected && focused) &&
		    cols[i].changed != NULL && cols[i].changed(t, row)) {
			snprintf(c.text, sizeof c.text, "%s",
			    tui_events_glyph(t));
			c.attr = A_BOLD;
			c.colour = TUI_C_BUSY;
		} else if (cols[i].cell == NULL)
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
		tui_put_cut(stdscr, y, cols[i].x, w, c.text, attr, 0);
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

/* A pane title: reversed (focused) or underlined, cut with an ellipsis. */
void
tui_draw_title(int y, int width, const char *text, int focused)
{
	tui_put_cut(stdscr, y, 0, width, text, focused ? A_REVERSE | A_BOLD :
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
		{ .title = NULL, .width = 1, .drop = 0, .cell = NULL,
		  .changed = tui_app_changed },
		{ .title = NULL, .width = 1, .drop = 0,
		  .cell = tui_app_cell_mark },
		{ .title = "APP", .width = 12, .drop = 0,
		  .cell = tui_app_cell_name },
		{ .title = "UPSTREAM", .width = 12, .drop = 0,
		  .cell = tui_app_cell_upstream },
		{ .title = "REGISTRY LATEST", .width = 15, .drop = 2,
		  .cell = tui_app_cell_mirrored },
		{ .title = "INCOMPLETE", .width = 10, .drop = 1,
		  .cell = tui_app_cell_missing },
	};
	char title[512], ftext[256];
	size_t i, n = MT_ARRAY_LEN(cols);
	int focused = tui_pane_focused(t, TUI_PANE_APPS);

	cols[2].width = tui_col_fit(t, &cols[2], m->apps, sizeof *m->apps,
	    l->rows, l->nrows, 8, 24);
	cols[3].width = tui_col_fit(t, &cols[3], m->apps, sizeof *m->apps,
	    l->rows, l->nrows, 8, 20);
	/* Wide enough for the heading: it says what the column holds. */
	cols[4].width = tui_col_fit(t, &cols[4], m->apps, sizeof *m->apps,
	    l->rows, l->nrows, 15, 24);
	tui_cols_place(cols, n, width);

	tui_filter_text(l, ftext, sizeof ftext);
	if (l->nrows != m->napps || t->sort != TUI_SORT_CONFIG) {
		char more[256];

		snprintf(more, sizeof more, "%s  %zu of %zu apps%s%s%s",
		    ftext, l->nrows, m->napps, t->incomplete ?
		    " not complete" : "", t->sort != TUI_SORT_CONFIG ?
		    ", sorted " : "", t->sort != TUI_SORT_CONFIG ?
		    tui_sort_name(t->sort) : "");
		snprintf(ftext, sizeof ftext, "%s", more);
	}
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
	l->y0 = y;
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
	char title[1024], ftext[256], *name, *image, *note = NULL;
	size_t i, n = 0, vcol;
	int focused = tui_pane_focused(t, TUI_PANE_VERSIONS), info_want;

	if (app == NULL) {
		tui_draw_title(y, width, " (no app selected)", focused);
		l->height = rows;
		return;
	}
	name = str_oneline(app->cfg->name, 128);
	image = str_oneline(app->image != NULL ? app->image : "", 256);
	if (app->registry_unknown && app->loaded)
		note = xstrdup("  registry not reachable, showing the last "
		    "known states");
	else if (tui_app_drift(app)) {
		char *rl = tui_latest_text(app);
		char *ul = str_oneline(app->upstream_latest != NULL ?
		    app->upstream_latest : "none", 64);

		note = xasprintf("  drift: registry latest is %s, not %s",
		    rl, ul);
		free(rl);
		free(ul);
	} else if (*tui_latest_where(app) != '\0') {
		char *rl = tui_latest_text(app);

		note = xasprintf("  registry latest %s", rl);
		free(rl);
	}
	tui_filter_text(l, ftext, sizeof ftext);
	/* The notes before the image name: they matter more. */
	{
		char count[96];

		if (l->nrows != app->nversions)
			snprintf(count, sizeof count, "%zu of %zu version%s%s",
			    l->nrows, app->nversions, app->nversions == 1 ?
			    "" : "s", t->incomplete ? " not complete" : "");
		else
			snprintf(count, sizeof count, "%zu version%s",
			    app->nversions, app->nversions == 1 ? "" : "s");
		snprintf(title, sizeof title, " %s  %s%s%s  %s", name, count,
		    note != NULL ? note : "", ftext, image);
	}
	free(note);
	free(name);
	free(image);
	tui_draw_title(y, width, title, focused);
	y++;

	memset(cols, 0, sizeof cols);
	cols[n++] = (struct tui_col){ .width = 1, .cell = NULL,
	    .changed = tui_ver_changed };
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
	/* Which targets lack which version: one column per mirror. */
	for (i = 1; i < app->ntargets && i < CONFIG_MAX_TARGETS; i++)
		cols[n++] = (struct tui_col){
		    .title = app->targets[i].cfg->name, .width = 8, .arg = i,
		    .drop = 2, .cell = tui_ver_cell_target };
	cols[n++] = (struct tui_col){ .title = "SBP", .width = 3, .drop = 2,
	    .cell = tui_ver_cell_supply };
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
	/* The notes give way after the release name, before the digest. */
	cols[n - 2].min = cols[n - 2].width < 12 ? cols[n - 2].width : 12;
	cols[n - 2].shrink = 3;
	info_want = cols[n - 2].width;
	if (width >= TUI_WIDE) {
		/* A wide screen: the whole digest, when nothing goes for it. */
		struct tui_col wide[TUI_MAXCOLS];
		int lost = 0;

		memcpy(wide, cols, n * sizeof *wide);
		wide[n - 3].width = 71;
		wide[n - 3].arg = 2;
		for (i = 0; i < n; i++)
			wide[i].x = 0;
		tui_cols_place(wide, n, width);
		for (i = 0; i < n; i++)
			lost |= wide[i].x < 0;
		if (!lost && wide[n - 2].width >= info_want)
			memcpy(cols, wide, n * sizeof *cols);
	}
	if (cols[n - 3].arg != 2) {
		for (i = 0; i < n; i++)
			cols[i].x = 0;
		tui_cols_place(cols, n, width);
	}
	if (cols[n - 3].arg != 2 && cols[n - 3].x >= 0 &&
	    cols[n - 2].width < info_want) {
		/* Short of room: the digest without "sha256:" first. */
		for (i = 0; i < n; i++)
			cols[i].x = 0;
		cols[n - 2].width = info_want;
		cols[n - 3].width = 8;
		cols[n - 3].arg = 1;
		tui_cols_place(cols, n, width);
	}

	if (headings) {
		/* Arch columns are headed by the arch names in the cells. */
		tui_draw_headings(cols, n, y, width, A_UNDERLINE);
		y++;
	}

	l->height = rows;
	l->y0 = y;
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

/*
 * The message line: a status message, else the selected app's error, else
 * a note that tags looking like versions were skipped (the sign of a
 * wrong include or versioning).
 */
static const char *
tui_message_text(const struct tui *t, int *error)
{
	const struct mt_app *app = tui_current_app(t);
	static char note[640];

	*error = 1;
	if (t->message != NULL) {
		*error = t->message_error;
		return t->message;
	}
	if (app != NULL && app->error != NULL && app->stale) {
		/* First, so that a cut line still says it. */
		snprintf(note, sizeof note, "stale, showing the previous "
		    "refresh: %s", app->error);
		return note;
	}
	if (app != NULL && app->error != NULL)
		return app->error;
	if (app != NULL && app->skipped.version_like > 0) {
		*error = 0;
		snprintf(note, sizeof note, "%d tag%s that look%s like "
		    "versions skipped: check include and versioning (%s)",
		    app->skipped.version_like,
		    app->skipped.version_like == 1 ? "" : "s",
		    app->skipped.version_like == 1 ? "s" : "",
		    version_scheme_name(app->cfg->versioning));
		return note;
	}
	return NULL;
}

/* The message line, if any (the app's error is made safe here). */
static void
tui_draw_message(struct tui *t, int y, int width)
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

		line = xasprintf("%s%s: %s", error ? "! " : "", name, safe);
		free(name);
	}
	tui_put_cut(stdscr, y, 0, width, line, error ?
	    tui_colour(TUI_C_ERROR) | A_BOLD : A_NORMAL, 1);
	/* `o`'s page, whole on the line: the terminal makes it a link. */
	t->link_y = -1;
	if (t->link_url != NULL && msg == t->message && !error &&
	    strncmp(msg, TUI_LINK_PREFIX, strlen(TUI_LINK_PREFIX)) == 0 &&
	    strcmp(msg + strlen(TUI_LINK_PREFIX), t->link_url) == 0 &&
	    (int)strlen(msg) <= width) {
		t->link_y = y;
		t->link_x = (int)strlen(TUI_LINK_PREFIX);
	}
	free(line);
	free(safe);
}

static void	tui_draw_hints(struct tui *, int, int);

/* The status line: the prompt, or the keys active now. */
static void
tui_draw_status(struct tui *t, int y, int width)
{
	char text[TUI_PROMPT_MAX * 4];

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

		if (t->mode == TUI_MODE_CONFIRM && !t->confirm.ready &&
		    t->confirm.request != 0)
			keys = "reading the registry...  any key but y cancels";
		else if (t->mode == TUI_MODE_CONFIRM && (!t->confirm.ready ||
		    t->confirm.kind == TUI_CONFIRM_INFO))
			keys = "any key closes";
		else if (t->mode == TUI_MODE_CONFIRM)
			keys = "y yes  n/Esc/Enter no  Up/Down scroll";
		else if (t->mode == TUI_MODE_ARCH)
			keys = "j/k move  Enter/1-9 pick  Esc cancel";
		else
			keys = "j/k scroll  h/l sideways  g top  G follow  "
			    "Esc back";
		tui_put(stdscr, y, 0, width - 1, keys, A_NORMAL, 1);
		return;
	}
	if (t->mode == TUI_MODE_EVENTS) {
		tui_put(stdscr, y, 0, width - 1, "j/k scroll  g/G newest/"
		    "oldest  other keys close", A_NORMAL, 1);
		return;
	}
	tui_draw_hints(t, y, width);
}

/* Is this binding one of the hints the status line always keeps? */
static int
tui_hint_kept(const struct tui_binding *b)
{
	return b->keys[0] == '?' || b->keys[0] == 'q';
}

/*
 * The keys that act on what is selected now, as "label hint" items, in
 * priority order (the focused pane's actions first). `? help` and quit
 * are always there; the others come while whole items fit, then
 * "(read-only)". Quit is "q/^C quit", or "q quit" when space is short.
 */
static void
tui_draw_hints(struct tui *t, int y, int width)
{
	const struct tui_binding *b[64], *tmp;
	char item[64][48];
	int keep[64], w[64];
	struct buf line;
	size_t n, m = 0, i, j;
	int avail = width - 1, used = 0, quit_short = 0, ro_w = 0;

	n = tui_active_bindings(t, b, MT_ARRAY_LEN(b));
	/* Only hints that act here, then by priority (stable). */
	for (i = 0; i < n; i++) {
		if (!(b[i]->flags & TUI_B_HINT) || (b[i]->can != NULL &&
		    !b[i]->can(t)))
			continue;
		b[m++] = b[i];
	}
	n = m;
	for (i = 1; i < n; i++) {
		tmp = b[i];
		for (j = i; j > 0 && b[j - 1]->prio > tmp->prio; j--)
			b[j] = b[j - 1];
		b[j] = tmp;
	}
	for (i = 0; i < n; i++) {
		keep[i] = 0;
		snprintf(item[i], sizeof item[i], "%s %s", b[i]->label,
		    b[i]->hint);
		w[i] = tui_width(item[i]);
	}
	/* The kept ones first: quit made short when both do not fit. */
	for (i = 0; i < n; i++) {
		if (tui_hint_kept(b[i]))
			used += (used > 0 ? 2 : 0) + w[i];
	}
	if (used > avail) {
		quit_short = 1;
		used = 0;
	}
	for (i = 0; i < n; i++) {
		if (!tui_hint_kept(b[i]))
			continue;
		if (quit_short && b[i]->keys[0] == 'q') {
			snprintf(item[i], sizeof item[i], "q %s", b[i]->hint);
			w[i] = tui_width(item[i]);
		}
		if (quit_short)
			used += (used > 0 ? 2 : 0) + w[i];
		keep[i] = 1;
	}
	/* Read-only says so before the other hints get the room. */
	if (t->read_only) {
		ro_w = tui_width("  (read-only)");
		if (used + ro_w > avail)
			ro_w = 0;
		used += ro_w;
	}
	for (i = 0; i < n; i++) {
		if (keep[i])
			continue;
		if (used + 2 + w[i] > avail)
			break;	/* whole hints only, in order: the help has all */
		keep[i] = 1;
		used += 2 + w[i];
	}
	buf_init(&line, 2048);
	for (i = 0; i < n; i++) {
		if (keep[i])
			buf_printf(&line, "%s%s", line.len > 0 ? "  " : "",
			    item[i]);
	}
	if (ro_w > 0)
		buf_printf(&line, "  (read-only)");
	tui_put(stdscr, y, 0, width - 1, line.data != NULL ? line.data : "",
	    A_NORMAL, 1);
	buf_free(&line);
}

/* A row of the help: a heading, a key and what it does, or glyphs. */
struct tui_help_row {
	const char	*label;		/* NULL: a heading or a legend line */
	const char	*text;
	int		 heading;
};

/* The glyph legend, one line each (UTF-8 and plain variants). */
static void
tui_help_legend(struct tui_help_row *rows, size_t *n, size_t max, int utf8)
{
	static const char *const u[] = {
		"\u2713 present  \u25d0 staged (built, not merged)  \u2717 missing",
		"\u21bb being built  \u25cc queued  \u25cf marked (Space)",
		"* the semantic latest  \u2260 latest points elsewhere",
		"! the app could not be checked  ? registry not reachable",
		"\u280b refreshing  \u2026 cut to fit  (other) another process's job",
		"SBP signature, SBOM, provenance: - missing  ? unknown  (v: where)",
	};
	static const char *const a[] = {
		"+ present  ~ staged (built, not merged)  - missing",
		"@ being built  . queued  # marked (Space)",
		"* the semantic latest  != latest points elsewhere",
		"! the app could not be checked  ? registry not reachable",
		"| / - \\ refreshing  ~ cut to fit  (other) another process's job",
		"SBP signature, SBOM, provenance: - missing  ? unknown  (v: where)",
	};
	const char *const *l = utf8 ? u : a;
	size_t i;

	if (*n < max)
		rows[(*n)++] = (struct tui_help_row){ .text = "\u2500\u2500 glyphs",
		    .heading = 1 };
	for (i = 0; i < MT_ARRAY_LEN(u) && *n < max; i++)
		rows[(*n)++] = (struct tui_help_row){ .text = l[i] };
}

/* Help order of a pane's own keys: actions by priority, then the rest. */
static int
tui_help_order(const struct tui_binding *b)
{
	if ((b->flags & TUI_B_ALL) == TUI_B_ALL)
		return 0;	/* every pane: as in the table */
	return b->prio > 0 ? b->prio : 60;
}

/*
 * The help overlay: the bindings active here, grouped (the focused pane's
 * own, then those of every pane), then a legend of every glyph. A help
 * taller than the screen scrolls; the last line says so.
 */
static void
tui_draw_help(struct tui *t)
{
	static const char *const pane_names[] = {
		[TUI_PANE_APPS] = "\u2500\u2500 apps pane",
		[TUI_PANE_VERSIONS] = "\u2500\u2500 versions pane",
		[TUI_PANE_JOBS] = "\u2500\u2500 jobs pane",
	};
	const struct tui_binding *b[64];
	struct tui_help_row rows[96];
	const char *dir;
	WINDOW *win;
	size_t n, i, nrows = 0, maxtop;
	int h, w, y, lw = 0, body, pass, every, room;
	char foot[128], pos[64];

	n = tui_active_bindings(t, b, MT_ARRAY_LEN(b));
	for (i = 1; i < n; i++) {
		const struct tui_binding *tmp = b[i];
		size_t j;

		for (j = i; j > 0 && tui_help_order(b[j - 1]) >
		    tui_help_order(tmp); j--)
			b[j] = b[j - 1];
		b[j] = tmp;
	}
	for (i = 0; i < n; i++) {
		const char *label = b[i]->help_label != NULL ?
		    b[i]->help_label : b[i]->label;

		if (tui_width(label) > lw)
			lw = tui_width(label);
	}
	for (pass = 0; pass < 2; pass++) {
		rows[nrows++] = (struct tui_help_row){ .heading = 1,
		    .text = pass == 0 ? pane_names[t->focus] :
		    "\u2500\u2500 every pane" };
		for (i = 0; i < n && nrows < MT_ARRAY_LEN(rows) - 8; i++) {
			every = (b[i]->flags & TUI_B_ALL) == TUI_B_ALL;
			if (every != pass)
				continue;
			/* A pane's own keys: its actions first. */
			rows[nrows++] = (struct tui_help_row){
			    .label = b[i]->help_label != NULL ?
			    b[i]->help_label : b[i]->label,
			    .text = b[i]->help };
		}
		if (rows[nrows - 1].heading)
			nrows--;	/* nothing under it */
	}
	tui_help_legend(rows, &nrows, MT_ARRAY_LEN(rows), t->utf8);
	if (!t->utf8) {
		for (i = 0; i < nrows; i++) {
			if (rows[i].heading)
				rows[i].text += strlen("\u2500\u2500 ");
		}
	}

	w = lw + 60;
	h = (int)nrows + 4;
	/* The header and the status line stay in view when there is room. */
	room = LINES - (LINES > 12 ? 2 : 0);
	if (h > room)
		h = room;
	if (w > COLS)
		w = COLS;
	if (h < 4 || w < 10)
		return;
	/* Rows of the body: all but the borders, the footer (and a gap). */
	body = (size_t)h == nrows + 4 ? (int)nrows : h - 3;
	t->help_height = body;
	maxtop = nrows > (size_t)body ? nrows - (size_t)body : 0;
	if (t->help_top > maxtop)
		t->help_top = maxtop;
	if ((win = newwin(h, w, room < LINES ? 1 + (room - h) / 2 :
	    (LINES - h) / 2, (COLS - w) / 2)) == NULL)
		return;
	werase(win);
	box(win, 0, 0);
	tui_put(win, 0, 2, w - 4, t->read_only ? " Keys (read-only) " :
	    " Keys ", A_BOLD, 0);
	for (i = t->help_top, y = 1; i < nrows && y <= body; i++, y++) {
		if (rows[i].label == NULL) {
			tui_put_cut(win, y, 2, w - 4, rows[i].text,
			    rows[i].heading ? A_BOLD | A_DIM : A_NORMAL, 0);
			continue;
		}
		tui_put(win, y, 2, lw, rows[i].label, A_BOLD, 1);
		tui_put_cut(win, y, 3 + lw, w - 5 - lw, rows[i].text, A_NORMAL,
		    0);
	}
	if (maxtop == 0)
		snprintf(foot, sizeof foot, "any key closes this help");
	else {
		if (t->help_top == 0)
			dir = t->utf8 ? "\u2193" : "v";
		else if (t->help_top >= maxtop)
			dir = t->utf8 ? "\u2191" : "^";
		else
			dir = t->utf8 ? "\u2191\u2193" : "^v";
		snprintf(foot, sizeof foot, "more %s (j/k)  other keys close",
		    dir);
		snprintf(pos, sizeof pos, " %zu-%zu of %zu ", t->help_top + 1,
		    t->help_top + (size_t)body, nrows);
		if (tui_width(pos) < w - 4)
			tui_put(win, h - 1, w - 2 - tui_width(pos),
			    tui_width(pos), pos, A_NORMAL, 0);
	}
	tui_put_cut(win, h - 2, 2, w - 4, foot, maxtop > 0 ? A_BOLD : A_DIM, 0);
	wnoutrefresh(win);
	delwin(win);
}

/*
 * Rows of the jobs pane in a body of that many rows: its title, a row per
 * job and the lines of output. It takes the room the apps and versions
 * panes do not need (at least five jobs' worth, when there are that
 * many), plus what `+` and `-` added; the panes above keep ten rows, or
 * the jobs pane is left out (0).
 */
static int
tui_jobs_rows(struct tui *t, int body)
{
	const struct tui_list *al = &t->lists[TUI_PANE_APPS];
	const struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];
	size_t nj = tui_panel_njobs(t);
	int jobs = nj > 0 ? (nj > 1000 ? 1000 : (int)nj) : 1;
	int want = 1 + jobs + TUI_JOBS_TAIL;
	int least = 1 + (jobs < 5 ? jobs : 5) + TUI_JOBS_TAIL;
	int need = 1 + (al->nrows > 0 ? (int)al->nrows : 1) + 2 +
	    (vl->nrows > 0 ? (int)vl->nrows : 1);
	int rows = body - need;

	if (rows < least)
		rows = least;
	if (rows > want)
		rows = want;
	rows += t->jobs_delta;
	if (rows < 2 + TUI_JOBS_TAIL)
		rows = 2 + TUI_JOBS_TAIL;
	if (body - rows < 10)
		rows = body - 10;
	if (rows < 2 + TUI_JOBS_TAIL)
		rows = 0;
	return rows;
}

/* Draw the whole screen; only what changed reaches the terminal. */
void
tui_draw(struct tui *t)
{
	const struct tui_list *al = &t->lists[TUI_PANE_APPS];
	int lines = LINES, width = COLS, msg_error;
	int body, top, ah, vrows, bottom, both, want, jrows;
	size_t p;

	werase(stdscr);
	for (p = 0; p < TUI_NPANES; p++)
		t->lists[p].y0 = -1;	/* set by the panes drawn */
	t->link_y = -1;			/* set by the message line */
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
	if (t->mode == TUI_MODE_EVENTS) {
		tui_events_draw(t, top, body, width);
		goto out;
	}
	jrows = 0;
	t->jobs_room = body >= 15;	/* see below: 5 rows next to 10 */
	if (tui_panel_jobs_shown(t))
		jrows = tui_jobs_rows(t, body);
	if (tui_panel_jobs_shown(t) && t->jobs_zoom && t->focus ==
	    TUI_PANE_JOBS) {
		tui_draw_jobs(t, top, body, width);
		goto out;
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
	if (t->mode == TUI_MODE_NORMAL)
		tui_term_link(t);
}
