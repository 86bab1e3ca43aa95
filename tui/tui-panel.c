/*
 * tui-panel.c — the dashboard's control panel (read-write mode only):
 * build, pick an arch, merge, move latest, mark and build many, cancel,
 * the jobs pane and a job's log.
 *
 * Every write first shows its plan (plan.h: the same text as
 * `--dry-run`), and `y` or `Y` applies exactly that plan (apply.h); a
 * plan without steps opens no dialog, the message line says why. The core refuses writes in
 * read-only mode as well; here nothing of this is even reachable then.
 *
 * Log files are written by the core; they are read here with bounded
 * reads, and every line is sanitized before it is drawn.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <curses.h>

#include "actions.h"
#include "apply.h"
#include "core.h"
#include "job-log.h"
#include "jobs.h"
#include "model.h"
#include "plan.h"
#include "util.h"
#include "tui-int.h"

#define TUI_ESC		0x1b
#define TUI_CTRL(c)	((c) & 0x1f)
#define TUI_LOG_BYTES	(256 * 1024)	/* tail of a log read for the view */
#define TUI_LOG_LINES	4000
#define TUI_TAIL_BYTES	(8 * 1024)	/* tail read for the jobs pane */
#define TUI_LINE_MAX	4096		/* bytes of one drawn line */
#define TUI_POLL_MS	1000		/* log polling: another process's job */
#define TUI_JSON_MAX	(1024 * 1024)
#define TUI_READING	"(reading the registry...)"
#define TUI_HSTEP	20		/* columns per sideways scroll */

/* The dashboard a dry-run callback may reach, or NULL once it is gone. */
static struct tui	*tui_panel_live;
static unsigned long	 tui_panel_requests;

/* The selected app and version, or -1 with a message. */
static int
tui_panel_selected(struct tui *t, const struct mt_app **ap,
    const struct mt_version **vp)
{
	const struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *a = tui_current_app(t);

	if (a == NULL || vl->sel >= vl->nrows ||
	    vl->rows[vl->sel] >= a->nversions) {
		tui_message(t, 1, "no version selected", NULL);
		return -1;
	}
	*ap = a;
	*vp = &a->versions[vl->rows[vl->sel]];
	return 0;
}

/* Free a list of app/version pairs. */
static void
tui_marks_free(struct tui_mark *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].app);
		free(m[i].version);
	}
	free(m);
}

/* Append an app/version pair (version may be NULL). */
static void
tui_marks_add(struct tui_mark **m, size_t *n, const char *app,
    const char *version)
{
	*m = xreallocarray(*m, *n + 1, sizeof **m);
	(*m)[*n].app = xstrdup(app);
	(*m)[*n].version = version != NULL ? xstrdup(version) : NULL;
	(*n)++;
}

/* Free an array of lines. */
static void
tui_lines_free(char **lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* Split text into sanitized lines, appended to *lines. */
static void
tui_lines_add(char ***lines, size_t *n, const char *text)
{
	const char *p = text, *nl;
	char *raw;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		raw = nl != NULL ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		*lines = xreallocarray(*lines, *n + 1, sizeof **lines);
		(*lines)[(*n)++] = str_sanitize(raw, TUI_LINE_MAX);
		free(raw);
		p = nl != NULL ? nl + 1 : NULL;
	}
}

/* Close the confirm dialog and forget what it would do. */
static void
tui_confirm_clear(struct tui *t)
{
	struct tui_confirm *c = &t->confirm;

	free(c->title);
	tui_lines_free(c->lines, c->nlines);
	tui_marks_free(c->targets, c->ntargets);
	free(c->arch);
	plan_free(c->plan);
	free(c->job_ids);
	memset(c, 0, sizeof *c);
	if (t->mode == TUI_MODE_CONFIRM)
		t->mode = TUI_MODE_NORMAL;
}

/* Open the confirm dialog with a title and text (both made safe). */
static struct tui_confirm *
tui_confirm_open(struct tui *t, enum tui_confirm_kind kind, const char *title,
    const char *text)
{
	struct tui_confirm *c = &t->confirm;

	tui_confirm_clear(t);
	c->kind = kind;
	c->title = str_oneline(title, 256);
	tui_lines_add(&c->lines, &c->nlines, text);
	c->ready = 1;
	t->mode = TUI_MODE_CONFIRM;
	return c;
}

/* A dialog that only shows text: every key but a scroll key closes it. */
void
tui_panel_info(struct tui *t, const char *title, const char *text)
{
	tui_confirm_open(t, TUI_CONFIRM_INFO, title, text);
}

/*
 * JSON made readable: two-space indent, one member per line. Strings are
 * copied as they are (escapes stay escapes). Caller frees.
 */
static char *
tui_json_pretty(const char *json)
{
	struct buf b;
	const char *p;
	int depth = 0, in_str = 0, esc = 0, i;

	buf_init(&b, TUI_JSON_MAX);
	for (p = json; *p != '\0'; p++) {
		char ch = *p;

		if (in_str) {
			buf_append(&b, p, 1);
			if (esc)
				esc = 0;
			else if (ch == '\\')
				esc = 1;
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		switch (ch) {
		case '"':
			in_str = 1;
			buf_append(&b, p, 1);
			break;
		case '{':
		case '[':
			buf_append(&b, p, 1);
			depth++;
			if (p[1] == '}' || p[1] == ']')
				break;
			buf_append(&b, "\n", 1);
			for (i = 0; i < depth; i++)
				buf_append(&b, "  ", 2);
			break;
		case '}':
		case ']':
			if (depth > 0)
				depth--;
			if (p > json && p[-1] != '{' && p[-1] != '[') {
				buf_append(&b, "\n", 1);
				for (i = 0; i < depth; i++)
					buf_append(&b, "  ", 2);
			}
			buf_append(&b, p, 1);
			break;
		case ',':
			buf_append(&b, ",\n", 2);
			for (i = 0; i < depth; i++)
				buf_append(&b, "  ", 2);
			break;
		case ':':
			buf_append(&b, ": ", 2);
			break;
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			break;
		default:
			buf_append(&b, p, 1);
			break;
		}
	}
	return buf_steal(&b);
}

/* Applies in flight (their plans are owned here until they end). */
struct tui_apply {
	struct apply		*ap;
	struct plan		*plan;
	char			*title;
	struct tui_apply	*next;
};
static struct tui_apply	*tui_applies;

/* An apply ended: say how it went. */
static void
tui_apply_done(const struct apply_summary *sum, void *arg)
{
	struct tui_apply *ta = arg, **pp;
	struct tui *t = tui_panel_live;
	char *line;

	for (pp = &tui_applies; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == ta) {
			*pp = ta->next;
			break;
		}
	}
	if (t != NULL) {
		line = apply_summary_line(sum);
		tui_message(t, sum->failed > 0, ta->title != NULL ? ta->title :
		    "", line);
		free(line);
		t->dirty = 1;
	}
	plan_free(ta->plan);
	free(ta->title);
	free(ta);
}

/* The plan's text in the dialog, an index made readable. */
static void
tui_plan_lines(struct tui_confirm *c, const char *text)
{
	static const char key[] = "     index: {";
	const char *p = text, *nl;
	char *line, *pretty;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		line = xstrndup(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
		if (strncmp(line, key, sizeof key - 2) == 0) {
			tui_lines_add(&c->lines, &c->nlines, "     index:");
			pretty = tui_json_pretty(line + sizeof key - 2);
			tui_lines_add(&c->lines, &c->nlines, pretty);
			free(pretty);
		} else
			tui_lines_add(&c->lines, &c->nlines, line);
		free(line);
		p = nl != NULL ? nl + 1 : p + strlen(p);
	}
}

/* A plan for the open dialog is made: show it, or say why nothing. */
static void
tui_plan_done(int status, struct plan *p, const char *errmsg, void *arg)
{
	struct tui *t = tui_panel_live;
	struct tui_confirm *c;
	struct buf why;
	size_t i;
	char *text;

	if (t == NULL || t->mode != TUI_MODE_CONFIRM ||
	    t->confirm.request != (unsigned long)(uintptr_t)arg) {
		plan_free(p);
		return;
	}
	c = &t->confirm;
	c->request = 0;
	if (c->nlines > 0 && strcmp(c->lines[c->nlines - 1],
	    TUI_READING) == 0)
		free(c->lines[--c->nlines]);
	if (status != 0 || p == NULL) {
		tui_message(t, 1, "not done: ", errmsg ? errmsg : c->title);
		plan_free(p);
		tui_confirm_clear(t);
		t->dirty = 1;
		return;
	}
	if (p->nsteps == 0) {
		/* Nothing would be done: no dialog, the reasons instead. */
		buf_init(&why, 64 * 1024);
		for (i = 0; i < p->nnotes; i++)
			buf_printf(&why, "%s%s", i ? "; " : "", p->notes[i].why);
		tui_message(t, plan_count(p, PLAN_NOT_DONE) > 0, "",
		    why.len > 0 ? why.data : "nothing to do");
		buf_free(&why);
		plan_free(p);
		tui_confirm_clear(t);
		t->dirty = 1;
		return;
	}
	text = plan_text(p, 1);
	tui_plan_lines(c, text);
	free(text);
	c->plan = p;
	c->ready = 1;
	t->dirty = 1;
}

/*
 * Open the confirm dialog for a write: its plan is made on the loop and
 * shown when it is ready; y applies it.
 */
void
tui_plan_confirm(struct tui *t, enum tui_confirm_kind kind, const char *title,
    const struct plan_request *req)
{
	struct tui_confirm *c;
	unsigned long id = ++tui_panel_requests;
	char *cause = NULL;

	c = tui_confirm_open(t, kind, title, TUI_READING);
	c->ready = 0;
	c->request = id;
	if (plan_make(t->core, req, tui_plan_done, (void *)(uintptr_t)id,
	    &cause) != 0) {
		tui_message(t, 1, "", cause);
		free(cause);
		tui_confirm_clear(t);
	}
}

/* Is app/version marked? */
int
tui_panel_marked(const struct tui *t, const char *app, const char *version)
{
	size_t i;

	for (i = 0; i < t->nmarks; i++) {
		if (strcmp(t->marks[i].app, app) == 0 &&
		    strcmp(t->marks[i].version, version) == 0)
			return 1;
	}
	return 0;
}

/* The job with this id, or NULL. */
static const struct job *
tui_job_by_id(const struct tui *t, unsigned long id)
{
	size_t i, n = action_jobs_count(t->core);
	const struct job *j;

	for (i = 0; i < n; i++) {
		if ((j = action_job(t->core, i)) != NULL && j->id == id)
			return j;
	}
	return NULL;
}

/* Is the job queued or running? */
static int
tui_job_active(const struct job *j)
{
	return j->state == JOB_QUEUED || j->state == JOB_RUNNING;
}

/* Is the job queued or running in another mirrortop process? */
static int
tui_job_other(const struct job *j)
{
	return tui_job_active(j) && j->priv == NULL;
}

/*
 * Jobs in the history. Read-only dashboards show them too (a watch screen
 * wants to see what the others run); they only read the history.
 */
size_t
tui_panel_njobs(const struct tui *t)
{
	return action_jobs_count(t->core);
}

/*
 * The newest job of app/version/arch, as a cell sees it: 1 queued, 2
 * running, 0 none of them.
 */
int
tui_panel_arch_job(const struct tui *t, const struct mt_app *a,
    const struct mt_version *v, const char *arch)
{
	const struct job *j;

	if (!v->job_active && action_jobs_count(t->core) == 0)
		return 0;
	j = action_job_for(t->core, a->cfg->name, v->version, arch);
	if (j == NULL)
		return 0;
	return j->state == JOB_QUEUED ? 1 : j->state == JOB_RUNNING ? 2 : 0;
}

/* Is the jobs pane on screen? */
int
tui_panel_jobs_shown(const struct tui *t)
{
	if (t->jobs_hidden == 1)
		return 0;
	return t->jobs_hidden == 2 || tui_panel_njobs(t) > 0;
}

/*
 * The jobs pane's rows follow the selected job id. New jobs bring the
 * view back to the newest, unless the user has moved off it in the
 * focused pane.
 */
void
tui_panel_jobs_update(struct tui *t)
{
	struct tui_list *l = &t->lists[TUI_PANE_JOBS];
	size_t i, n = tui_panel_njobs(t);
	const struct job *j;

	j = n > 0 ? action_job(t->core, 0) : NULL;
	if (j != NULL && j->id != t->jobs_newest_id) {
		t->jobs_newest_id = j->id;
		if (t->focus != TUI_PANE_JOBS || !t->jobs_scrolled) {
			t->jobs_sel_id = j->id;
			t->jobs_scrolled = 0;
			l->sel = l->top = 0;
		}
	}
	l->rows = xreallocarray(l->rows, n + 1, sizeof *l->rows);
	l->nrows = n;
	for (i = 0; i < n; i++) {
		l->rows[i] = i;
		if ((j = action_job(t->core, i)) != NULL && j->id == t->jobs_sel_id)
			l->sel = i;
	}
	tui_list_clamp(l);
	if (l->sel < n && (j = action_job(t->core, l->sel)) != NULL)
		t->jobs_sel_id = j->id;
	if (t->focus == TUI_PANE_JOBS && !tui_panel_jobs_shown(t))
		t->focus = TUI_PANE_VERSIONS;
}

/*
 * The newest job per arch of a version, summed up: "running", "failed"...
 * Finished jobs count only while the version is not complete.
 */
void
tui_panel_version_jobs(const struct tui *t, const struct mt_app *a,
    const struct mt_version *v, char *out, size_t len, int *colour_error)
{
	static const enum job_state order[] = { JOB_RUNNING, JOB_QUEUED,
	    JOB_FAILED, JOB_INTERRUPTED, JOB_CANCELLED };
	size_t count[JOB_INTERRUPTED + 1], i, used = 0;
	const struct job *j;
	int n;

	*out = '\0';
	*colour_error = 0;
	if (action_jobs_count(t->core) == 0)
		return;
	memset(count, 0, sizeof count);
	for (i = 0; i < a->cfg->narchs; i++) {
		j = action_job_for(t->core, a->cfg->name, v->version,
		    a->cfg->archs[i]);
		if (j == NULL || (unsigned)j->state > JOB_INTERRUPTED)
			continue;
		/* A finished job is old news once the version is complete. */
		if (!tui_job_active(j) && v->state == VERSION_COMPLETE)
			continue;
		count[j->state]++;
	}
	for (i = 0; i < MT_ARRAY_LEN(order); i++) {
		if (count[order[i]] == 0)
			continue;
		if (count[order[i]] > 1)
			n = snprintf(out + used, len - used, "%s%zu %s",
			    used > 0 ? ", " : "", count[order[i]],
			    job_state_name(order[i]));
		else
			n = snprintf(out + used, len - used, "%s%s",
			    used > 0 ? ", " : "", job_state_name(order[i]));
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
		if (order[i] == JOB_FAILED || order[i] == JOB_INTERRUPTED)
			*colour_error = 1;
	}
}

/* Open the build dialog for targets (app/version pairs; freed here). */
static void
tui_build_confirm(struct tui *t, struct tui_mark *targets, size_t n,
    const char *arch, const char *title)
{
	struct plan_request req;
	struct plan_target *pt;
	size_t i;

	pt = xcalloc(n + 1, sizeof *pt);
	for (i = 0; i < n; i++) {
		pt[i].app = targets[i].app;
		pt[i].version = targets[i].version;
	}
	memset(&req, 0, sizeof req);
	req.what = PLAN_REQ_BUILD;
	req.targets = pt;
	req.ntargets = n;
	req.archs = arch != NULL ? &arch : NULL;
	req.narchs = arch != NULL ? 1 : 0;
	tui_plan_confirm(t, TUI_CONFIRM_BUILD, title, &req);
	free(pt);
	if (t->mode == TUI_MODE_CONFIRM) {
		t->confirm.targets = targets;
		t->confirm.ntargets = n;
		t->confirm.arch = arch != NULL ? xstrdup(arch) : NULL;
	} else
		tui_marks_free(targets, n);
}

/* b: build the selected version's missing archs (then merge). */
void
tui_key_build(struct tui *t, int key)
{
	const struct mt_app *a;
	const struct mt_version *v;
	struct tui_mark *targets = NULL;
	size_t n = 0;
	char *title;

	if (tui_panel_selected(t, &a, &v) != 0)
		return;
	tui_marks_add(&targets, &n, a->cfg->name, v->version);
	title = xasprintf("build %s %s", a->cfg->name, v->version);
	tui_build_confirm(t, targets, n, NULL, title);
	free(title);
}

/* a: pick one arch of the selected version to build. */
void
tui_key_arch(struct tui *t, int key)
{
	const struct mt_app *a;
	const struct mt_version *v;

	if (tui_panel_selected(t, &a, &v) != 0)
		return;
	if (a->cfg->narchs == 0) {
		tui_message(t, 1, "no archs configured", NULL);
		return;
	}
	t->arch_sel = 0;
	while (t->arch_sel + 1 < a->cfg->narchs &&
	    v->archs[t->arch_sel] != ARCH_MISSING)
		t->arch_sel++;
	if (v->archs[t->arch_sel] != ARCH_MISSING)
		t->arch_sel = 0;
	t->mode = TUI_MODE_ARCH;
}

/* The arch picker chose: confirm building that arch. */
static void
tui_arch_pick(struct tui *t)
{
	const struct mt_app *a;
	const struct mt_version *v;
	struct tui_mark *targets = NULL;
	size_t n = 0;
	char *title;

	t->mode = TUI_MODE_NORMAL;
	if (tui_panel_selected(t, &a, &v) != 0 || t->arch_sel >= a->cfg->narchs)
		return;
	/* The plan merges afterwards when nothing is left missing. */
	tui_marks_add(&targets, &n, a->cfg->name, v->version);
	title = xasprintf("build %s %s %s", a->cfg->name, v->version,
	    a->cfg->archs[t->arch_sel]);
	tui_build_confirm(t, targets, n, a->cfg->archs[t->arch_sel], title);
	free(title);
}

/* Did this job end without its image: failed or interrupted? */
static int
tui_job_retryable(const struct job *j)
{
	return j->state == JOB_FAILED || j->state == JOB_INTERRUPTED;
}

/*
 * x: build again what a failed or interrupted job was to build, through
 * the same plan and y/N as b. In the jobs pane the selected job; in the
 * versions pane the version's archs whose newest job failed.
 */
void
tui_key_retry(struct tui *t, int key)
{
	const struct tui_list *jl = &t->lists[TUI_PANE_JOBS];
	const struct mt_app *a = NULL;
	const struct mt_version *v = NULL;
	const struct job *j = NULL, *aj;
	struct tui_mark *targets = NULL;
	size_t i, n = 0, nfailed = 0, ai, vi;
	const char *arch = NULL;
	char *title, *cause = NULL;

	if (t->focus == TUI_PANE_JOBS) {
		if (jl->sel >= action_jobs_count(t->core) ||
		    (j = action_job(t->core, jl->sel)) == NULL)
			return;
		if (!tui_job_retryable(j)) {
			char *msg = xasprintf("job %lu is %s: only a failed or "
			    "interrupted job is retried", j->id,
			    job_state_name(j->state));

			tui_message(t, 0, msg, NULL);
			free(msg);
			return;
		}
		if (action_find(t->core, j->app, j->version, &ai, &vi,
		    &cause) != 0) {
			tui_message(t, 1, "", cause);
			free(cause);
			return;
		}
		a = &t->model->apps[ai];
		v = &a->versions[vi];
		arch = j->arch;
	} else {
		if (tui_panel_selected(t, &a, &v) != 0)
			return;
		for (i = 0; i < a->cfg->narchs; i++) {
			aj = action_job_for(t->core, a->cfg->name, v->version,
			    a->cfg->archs[i]);
			if (aj != NULL && tui_job_retryable(aj)) {
				nfailed++;
				arch = a->cfg->archs[i];
				j = aj;
			}
		}
		if (nfailed == 0) {
			tui_message(t, 0, "no failed or interrupted job to retry "
			    "for this version", NULL);
			return;
		}
		if (nfailed > 1)
			arch = NULL;	/* every missing arch */
	}
	tui_marks_add(&targets, &n, a->cfg->name, v->version);
	if (arch != NULL)
		title = xasprintf("retry job %lu: build %s %s %s", j->id,
		    a->cfg->name, v->version, arch);
	else
		title = xasprintf("retry: build %s %s", a->cfg->name,
		    v->version);
	tui_build_confirm(t, targets, n, arch, title);
	free(title);
}

/* The selected app and version, quietly; 0 when there is none. */
static int
tui_can_selected(const struct tui *t, const struct mt_app **ap,
    const struct mt_version **vp)
{
	const struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *a = tui_current_app(t);

	if (a == NULL || vl->sel >= vl->nrows ||
	    vl->rows[vl->sel] >= a->nversions)
		return 0;
	*ap = a;
	*vp = &a->versions[vl->rows[vl->sel]];
	return 1;
}

/* The selected job of the jobs pane, or NULL. */
static const struct job *
tui_can_job(const struct tui *t)
{
	const struct tui_list *jl = &t->lists[TUI_PANE_JOBS];

	if (jl->sel >= action_jobs_count(t->core))
		return NULL;
	return action_job(t->core, jl->sel);
}

/* Archs of a version: missing, and missing without a job on them. */
static void
tui_can_missing(const struct tui *t, const struct mt_app *a,
    const struct mt_version *v, size_t *missing, size_t *idle)
{
	size_t i;

	*missing = *idle = 0;
	for (i = 0; i < a->cfg->narchs; i++) {
		if (v->archs[i] != ARCH_MISSING)
			continue;
		(*missing)++;
		if (tui_panel_arch_job(t, a, v, a->cfg->archs[i]) == 0)
			(*idle)++;
	}
}

/* b acts: an arch of the selected version is missing and not building. */
int
tui_can_build(const struct tui *t)
{
	const struct mt_app *a;
	const struct mt_version *v;
	size_t missing, idle;

	if (!tui_can_selected(t, &a, &v))
		return 0;
	tui_can_missing(t, a, v, &missing, &idle);
	return idle > 0 || (missing == 0 && v->state == VERSION_STAGED);
}

/* a acts: the selected version has a missing arch. */
int
tui_can_arch(const struct tui *t)
{
	const struct mt_app *a;
	const struct mt_version *v;
	size_t missing, idle;

	if (!tui_can_selected(t, &a, &v))
		return 0;
	tui_can_missing(t, a, v, &missing, &idle);
	return idle > 0;
}

/* m acts: the selected version is staged (nothing missing, not merged). */
int
tui_can_merge(const struct tui *t)
{
	const struct mt_app *a;
	const struct mt_version *v;

	return tui_can_selected(t, &a, &v) && v->state == VERSION_STAGED;
}

/* L acts: the app's `latest` is not its semantic latest. */
int
tui_can_latest(const struct tui *t)
{
	const struct mt_app *a = tui_current_app(t);

	return a != NULL && a->loaded && a->latest_drift &&
	    !a->registry_unknown && a->upstream_latest != NULL;
}

/* Space acts: a version is selected. */
int
tui_can_version(const struct tui *t)
{
	const struct mt_app *a;
	const struct mt_version *v;

	return tui_can_selected(t, &a, &v);
}

/* B acts: versions are marked, or the app has one with a missing arch. */
int
tui_can_build_marked(const struct tui *t)
{
	const struct mt_app *a = tui_current_app(t);
	size_t i, j;

	if (t->nmarks > 0)
		return 1;
	for (i = 0; a != NULL && i < a->nversions; i++) {
		for (j = 0; j < a->cfg->narchs; j++) {
			if (a->versions[i].archs[j] == ARCH_MISSING)
				return 1;
		}
	}
	return 0;
}

/* c acts: the selected job, or a job of the version, is this process's
 * and queued or running. */
int
tui_can_cancel(const struct tui *t)
{
	const struct mt_app *a;
	const struct mt_version *v;
	const struct job *j;
	size_t i;

	if (t->focus == TUI_PANE_JOBS)
		return (j = tui_can_job(t)) != NULL && tui_job_active(j) &&
		    !tui_job_other(j);
	if (!tui_can_selected(t, &a, &v))
		return 0;
	for (i = 0; i < a->cfg->narchs; i++) {
		j = action_job_for(t->core, a->cfg->name, v->version,
		    a->cfg->archs[i]);
		if (j != NULL && tui_job_active(j) && !tui_job_other(j))
			return 1;
	}
	return 0;
}

/* x acts: the selected job, or an arch's newest job, failed. */
int
tui_can_retry(const struct tui *t)
{
	const struct mt_app *a;
	const struct mt_version *v;
	const struct job *j;
	size_t i;

	if (t->focus == TUI_PANE_JOBS)
		return (j = tui_can_job(t)) != NULL && tui_job_retryable(j);
	if (!tui_can_selected(t, &a, &v))
		return 0;
	for (i = 0; i < a->cfg->narchs; i++) {
		j = action_job_for(t->core, a->cfg->name, v->version,
		    a->cfg->archs[i]);
		if (j != NULL && tui_job_retryable(j))
			return 1;
	}
	return 0;
}

/* l acts: there is a job to show. */
int
tui_can_log(const struct tui *t)
{
	const struct mt_app *a;
	const struct mt_version *v;

	if (t->focus == TUI_PANE_JOBS)
		return tui_can_job(t) != NULL;
	return tui_can_selected(t, &a, &v) && action_job_for(t->core,
	    a->cfg->name, v->version, NULL) != NULL;
}

void
tui_plan_confirm_one(struct tui *t, enum tui_confirm_kind kind, int what,
    const char *verb, const struct mt_app *a, const struct mt_version *v)
{
	struct plan_request req;
	const char *name = a->cfg->name;
	char *title;

	memset(&req, 0, sizeof req);
	req.what = (enum plan_what)what;
	req.apps = &name;
	req.napps = 1;
	if (v != NULL)
		req.version = v->version;
	title = v != NULL ? xasprintf("%s %s %s", verb, name, v->version) :
	    xasprintf("%s %s", verb, name);
	tui_plan_confirm(t, kind, title, &req);
	free(title);
}

/* m: merge the selected version's staged archs into its index. */
void
tui_key_merge(struct tui *t, int key)
{
	const struct mt_app *a;
	const struct mt_version *v;

	if (tui_panel_selected(t, &a, &v) != 0)
		return;
	tui_plan_confirm_one(t, TUI_CONFIRM_MERGE, PLAN_REQ_MERGE, "merge", a,
	    v);
}

/* L: point latest at the app's semantic latest version. */
void
tui_key_latest(struct tui *t, int key)
{
	const struct mt_app *a = tui_current_app(t);

	if (a == NULL) {
		tui_message(t, 1, "no app selected", NULL);
		return;
	}
	tui_plan_confirm_one(t, TUI_CONFIRM_LATEST, PLAN_REQ_LATEST,
	    "move latest of", a, NULL);
}

/* space: mark or unmark the selected version, then move down. */
void
tui_key_mark(struct tui *t, int key)
{
	const struct mt_app *a;
	const struct mt_version *v;
	size_t i;

	if (tui_panel_selected(t, &a, &v) != 0)
		return;
	for (i = 0; i < t->nmarks; i++) {
		if (strcmp(t->marks[i].app, a->cfg->name) == 0 &&
		    strcmp(t->marks[i].version, v->version) == 0) {
			free(t->marks[i].app);
			free(t->marks[i].version);
			t->marks[i] = t->marks[--t->nmarks];
			tui_move(t, 1);
			return;
		}
	}
	tui_marks_add(&t->marks, &t->nmarks, a->cfg->name, v->version);
	tui_move(t, 1);
}

/* B: build every marked version, or else every one of the app's versions
 * with a missing arch. */
void
tui_key_build_marked(struct tui *t, int key)
{
	const struct mt_app *a = tui_current_app(t);
	struct tui_mark *targets = NULL;
	size_t i, j, n = 0;
	char *title;

	if (t->nmarks > 0) {
		for (i = 0; i < t->nmarks; i++)
			tui_marks_add(&targets, &n, t->marks[i].app,
			    t->marks[i].version);
		title = xasprintf("build %zu marked version%s", n,
		    n == 1 ? "" : "s");
	} else {
		if (a == NULL) {
			tui_message(t, 1, "no app selected", NULL);
			return;
		}
		for (i = 0; i < a->nversions; i++) {
			for (j = 0; j < a->cfg->narchs; j++) {
				if (a->versions[i].archs[j] == ARCH_MISSING)
					break;
			}
			if (j < a->cfg->narchs)
				tui_marks_add(&targets, &n, a->cfg->name,
				    a->versions[i].version);
		}
		if (n == 0) {
			tui_message(t, 0, "nothing is missing", NULL);
			return;
		}
		title = xasprintf("build every missing version of %s",
		    a->cfg->name);
	}
	tui_build_confirm(t, targets, n, NULL, title);
	free(title);
}

/* A job of another process cannot be cancelled here: say what the core
 * says about it. */
static void
tui_cancel_refused(struct tui *t, unsigned long id)
{
	char *cause = NULL;

	if (action_cancel(t->core, id, &cause) != 0)
		tui_message(t, 1, "", cause != NULL ? cause : "cannot cancel");
	free(cause);
}

/*
 * c: cancel the selected job, or the selected version's active jobs (this
 * process's only: another process's jobs are its own to stop).
 */
void
tui_key_cancel(struct tui *t, int key)
{
	const struct tui_list *jl = &t->lists[TUI_PANE_JOBS];
	const struct mt_app *a;
	const struct mt_version *v;
	const struct job *j;
	struct tui_confirm *c;
	unsigned long *ids = NULL, other = 0;
	size_t i, n = 0, nj = action_jobs_count(t->core);
	struct buf b;
	char *title;

	buf_init(&b, 1024 * 1024);
	if (t->focus == TUI_PANE_JOBS) {
		if (jl->sel >= nj || (j = action_job(t->core, jl->sel)) == NULL) {
			buf_free(&b);
			return;
		}
		if (!tui_job_active(j)) {
			char *msg = xasprintf("job %lu is %s: nothing to cancel",
			    j->id, job_state_name(j->state));

			tui_message(t, 0, msg, NULL);
			free(msg);
			buf_free(&b);
			return;
		}
		if (tui_job_other(j)) {
			tui_cancel_refused(t, j->id);
			buf_free(&b);
			return;
		}
		title = xasprintf("cancel job %lu", j->id);
	} else {
		if (tui_panel_selected(t, &a, &v) != 0) {
			buf_free(&b);
			return;
		}
		title = xasprintf("cancel the jobs of %s %s", a->cfg->name,
		    v->version);
	}
	for (i = 0; i < nj; i++) {
		if ((j = action_job(t->core, i)) == NULL || !tui_job_active(j))
			continue;
		if (t->focus == TUI_PANE_JOBS ? i != jl->sel :
		    strcmp(j->app, a->cfg->name) != 0 ||
		    strcmp(j->version, v->version) != 0)
			continue;
		if (tui_job_other(j)) {
			/* Not this process's to stop. */
			if (other == 0)
				other = j->id;
			continue;
		}
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = j->id;
		buf_printf(&b, "cancel job %lu: %s %s %s (%s, attempt %d/%d)\n",
		    j->id, j->app, j->version, j->arch, job_state_name(j->state),
		    j->attempt, j->attempts);
		if (j->command != NULL)
			buf_printf(&b, "  stops: %s\n", j->command);
	}
	if (n == 0) {
		if (other != 0)
			tui_cancel_refused(t, other);
		else
			tui_message(t, 0, "no job is queued or running for "
			    "this version", NULL);
		free(title);
		buf_free(&b);
		return;
	}
	c = tui_confirm_open(t, TUI_CONFIRM_CANCEL, title, b.data);
	c->job_ids = ids;
	c->njob_ids = n;
	free(title);
	buf_free(&b);
}

/* (Re)read the viewed job's log; keep the end in view when following. */
static void
tui_log_load(struct tui *t)
{
	struct tui_log *lg = &t->log;
	const struct job *j = tui_job_by_id(t, lg->job_id);
	struct joblog_tail tail;
	char *error = NULL;

	tui_lines_free(lg->lines, lg->nlines);
	lg->lines = NULL;
	lg->nlines = 0;
	free(lg->error);
	lg->error = NULL;
	if (j == NULL || j->log_path == NULL) {
		lg->error = xstrdup("the job has no log");
		return;
	}
	if (joblog_tail(j->log_path, TUI_LOG_BYTES, TUI_LOG_LINES, &tail,
	    &error) != 0) {
		lg->error = xasprintf("cannot read the log: %s", error);
		free(error);
		lg->size = lg->mtime_ns = -1;
	} else {
		lg->lines = tail.lines;
		lg->nlines = tail.nlines;
		lg->size = tail.size;
		lg->mtime_ns = tail.mtime_ns;
		lg->truncated = tail.truncated;
	}
	if (lg->follow)
		lg->top = SIZE_MAX;
}

/* l: open the log of the selected job, or of the version's newest job. */
void
tui_key_log(struct tui *t, int key)
{
	const struct tui_list *jl = &t->lists[TUI_PANE_JOBS];
	const struct mt_app *a;
	const struct mt_version *v;
	const struct job *j = NULL;

	if (t->focus == TUI_PANE_JOBS) {
		if (jl->sel < action_jobs_count(t->core))
			j = action_job(t->core, jl->sel);
	} else {
		if (tui_panel_selected(t, &a, &v) != 0)
			return;
		j = action_job_for(t->core, a->cfg->name, v->version, NULL);
	}
	if (j == NULL) {
		tui_message(t, 0, "no job to show", NULL);
		return;
	}
	t->log.job_id = j->id;
	t->log.follow = 1;
	t->log.xoff = 0;
	t->log.top = SIZE_MAX;
	t->mode = TUI_MODE_LOG;
	tui_log_load(t);
}

/*
 * J: show or hide the jobs pane. When the screen has no room for it next
 * to the others, it gets the focus and the whole screen (and says so).
 */
void
tui_key_jobs(struct tui *t, int key)
{
	if (tui_panel_jobs_shown(t) && (t->jobs_room ||
	    t->focus == TUI_PANE_JOBS)) {
		t->jobs_hidden = 1;
		if (t->focus == TUI_PANE_JOBS)
			t->focus = TUI_PANE_VERSIONS;
	} else {
		t->jobs_hidden = 2;
		t->focus = TUI_PANE_JOBS;
		if (!t->jobs_room)
			tui_message(t, 0, "no room for the jobs pane here: it "
			    "takes the screen (Esc or J goes back)", NULL);
	}
	tui_panel_jobs_update(t);
}

/* + and -: a row more or less for the jobs pane. */
void
tui_key_jobs_size(struct tui *t, int key)
{
	if (key == '+' && t->jobs_delta < 1000)
		t->jobs_delta++;
	else if (key == '-' && t->jobs_delta > -1000)
		t->jobs_delta--;
	t->jobs_zoom = 0;
}

/* z: the jobs pane takes the whole screen, or gives it back. */
void
tui_key_jobs_zoom(struct tui *t, int key)
{
	t->jobs_zoom = !t->jobs_zoom;
}

/* y in the dialog: do what it showed. */
static void
tui_confirm_run(struct tui *t)
{
	struct tui_confirm *c = &t->confirm;
	struct tui_apply *ta;
	char *cause = NULL, *msg;
	size_t i, nsteps;

	switch (c->kind) {
	case TUI_CONFIRM_BUILD:
	case TUI_CONFIRM_MERGE:
	case TUI_CONFIRM_LATEST:
	case TUI_CONFIRM_PRUNE:
	case TUI_CONFIRM_ATTEST:
	case TUI_CONFIRM_COPY:
		if (c->plan == NULL)
			break;
		ta = xcalloc(1, sizeof *ta);
		ta->plan = c->plan;
		ta->title = xasprintf("%s: ", c->title);
		c->plan = NULL;
		ta->next = tui_applies;
		tui_applies = ta;
		nsteps = ta->plan->nsteps;
		ta->ap = apply_start(t->core, ta->plan, c->kind ==
		    TUI_CONFIRM_BUILD ? "build" : c->kind == TUI_CONFIRM_MERGE ?
		    "merge" : c->kind == TUI_CONFIRM_PRUNE ? "prune" :
		    c->kind == TUI_CONFIRM_ATTEST ? "attest" :
		    c->kind == TUI_CONFIRM_COPY ? "copy" : "latest",
		    tui_apply_done, ta, &cause);
		if (ta->ap == NULL && cause != NULL) {
			tui_applies = ta->next;
			tui_message(t, 1, "", cause);
			free(cause);
			plan_free(ta->plan);
			free(ta->title);
			free(ta);
			break;
		}
		if (ta->ap != NULL) {
			msg = xasprintf("%zu step%s", nsteps, nsteps == 1 ? "" :
			    "s");
			tui_message(t, 0, "started: ", msg);
			free(msg);
		}
		/* What was built is no longer marked. */
		for (i = 0; c->kind == TUI_CONFIRM_BUILD &&
		    i < c->ntargets; i++) {
			size_t k;

			for (k = 0; k < t->nmarks; k++) {
				if (strcmp(t->marks[k].app, c->targets[i].app) ==
				    0 && c->targets[i].version != NULL &&
				    strcmp(t->marks[k].version,
				    c->targets[i].version) == 0) {
					free(t->marks[k].app);
					free(t->marks[k].version);
					t->marks[k] = t->marks[--t->nmarks];
					break;
				}
			}
		}
		break;
	case TUI_CONFIRM_CANCEL:
		for (i = 0; i < c->njob_ids; i++) {
			cause = NULL;
			if (action_cancel(t->core, c->job_ids[i], &cause) != 0) {
				tui_message(t, 1, "", cause);
				free(cause);
			}
		}
		break;
	case TUI_CONFIRM_QUIT:
		t->quit = 1;
		break;
	case TUI_CONFIRM_INFO:
		break;
	}
}

/* Scroll a view of n lines, height h, by delta (SIZE_MAX top: the end). */
static void
tui_scroll(size_t *top, size_t n, int h, long delta)
{
	size_t maxtop = h > 0 && n > (size_t)h ? n - (size_t)h : 0;
	long pos;

	if (*top > maxtop)
		*top = maxtop;
	pos = (long)*top + delta;
	if (pos < 0)
		pos = 0;
	if ((size_t)pos > maxtop)
		pos = (long)maxtop;
	*top = (size_t)pos;
}

/* Scroll the dialog by delta rows (the drawing keeps it in range). */
static void
tui_confirm_scroll(struct tui_confirm *c, long delta)
{
	if (delta < 0 && c->top < (size_t)-delta)
		c->top = 0;
	else
		c->top = (size_t)((long)c->top + delta);
}

/* Keys in the confirm dialog: y runs; scrolling scrolls; all else cancels. */
static void
tui_confirm_key(struct tui *t, wint_t wc, int is_key)
{
	struct tui_confirm *c = &t->confirm;
	long h = c->height > 1 ? c->height - 1 : 1;
	long step = tui_scroll_step(wc, is_key, h, 0);

	if (is_key && wc == KEY_RESIZE)
		return;
	if (step != 0) {
		tui_confirm_scroll(c, step);
		return;
	}
	if (c->kind == TUI_CONFIRM_INFO) {
		tui_confirm_clear(t);
		return;
	}
	if (!is_key && (wc == 'y' || wc == 'Y')) {
		if (!c->ready) {
			if (c->request != 0)
				return;	/* the dry run is still reading */
			tui_message(t, 1, "not done: ", c->title);
			tui_confirm_clear(t);
			return;
		}
		t->mode = TUI_MODE_NORMAL;
		tui_confirm_run(t);
		tui_confirm_clear(t);
		return;
	}
	if (!is_key && wc == TUI_CTRL('c')) {
		t->quit = 1;
		return;
	}
	if (c->kind != TUI_CONFIRM_QUIT)
		tui_message(t, 0, "cancelled: ", c->title);
	tui_confirm_clear(t);
}

/* Keys in the arch picker: move, Enter or a digit picks, else close. */
static void
tui_arch_key(struct tui *t, wint_t wc, int is_key)
{
	const struct mt_app *a = tui_current_app(t);
	size_t n = a != NULL ? a->cfg->narchs : 0;

	if (is_key && wc == KEY_RESIZE)
		return;
	if ((is_key && wc == KEY_DOWN) || (!is_key && wc == 'j')) {
		if (t->arch_sel + 1 < n)
			t->arch_sel++;
		return;
	}
	if ((is_key && wc == KEY_UP) || (!is_key && wc == 'k')) {
		if (t->arch_sel > 0)
			t->arch_sel--;
		return;
	}
	if (!is_key && wc >= '1' && wc <= '9' && (size_t)(wc - '1') < n) {
		t->arch_sel = (size_t)(wc - '1');
		tui_arch_pick(t);
		return;
	}
	if ((is_key && wc == KEY_ENTER) || (!is_key && (wc == '\r' ||
	    wc == '\n'))) {
		tui_arch_pick(t);
		return;
	}
	if (!is_key && wc == TUI_CTRL('c'))
		t->quit = 1;
	t->mode = TUI_MODE_NORMAL;
}

/* Keys in the log view: scroll, G follows the end, Esc or q goes back. */
static void
tui_log_key(struct tui *t, wint_t wc, int is_key)
{
	struct tui_log *lg = &t->log;
	long page = lg->height > 1 ? lg->height - 1 : 1;
	long delta = tui_scroll_step(wc, is_key, page, 1);

	if (delta == 0 && is_key) {
		switch (wc) {
		case KEY_HOME:
			delta = LONG_MIN / 2;
			break;
		case KEY_END:
			lg->follow = 1;
			lg->top = SIZE_MAX;
			return;
		case KEY_LEFT:
			lg->xoff = lg->xoff > TUI_HSTEP ? lg->xoff - TUI_HSTEP : 0;
			return;
		case KEY_RIGHT:
			if (lg->xoff < TUI_LINE_MAX)
				lg->xoff += TUI_HSTEP;
			return;
		default:
			return;
		}
	} else if (delta == 0) {
		switch (wc) {
		case ' ':
			delta = page;
			break;
		case 'g':
			delta = LONG_MIN / 2;
			break;
		case 'G':
			lg->follow = 1;
			lg->top = SIZE_MAX;
			return;
		case 'h':
			lg->xoff = lg->xoff > TUI_HSTEP ? lg->xoff - TUI_HSTEP : 0;
			return;
		case 'l':
			if (lg->xoff < TUI_LINE_MAX)
				lg->xoff += TUI_HSTEP;
			return;
		case TUI_ESC:
		case 'q':
			t->mode = TUI_MODE_NORMAL;
			return;
		case TUI_CTRL('c'):
			t->quit = 1;
			return;
		default:
			return;
		}
	}
	tui_scroll(&lg->top, lg->nlines, lg->height, delta);
	lg->follow = 0;
}

/* A key in one of the panel's modes. */
void
tui_panel_key(struct tui *t, wint_t wc, int is_key)
{
	switch (t->mode) {
	case TUI_MODE_CONFIRM:
		tui_confirm_key(t, wc, is_key);
		break;
	case TUI_MODE_ARCH:
		tui_arch_key(t, wc, is_key);
		break;
	case TUI_MODE_LOG:
		tui_log_key(t, wc, is_key);
		break;
	default:
		break;
	}
}

/* q with work in flight: ask first. Returns 1 when the dialog opened. */
int
tui_panel_quit(struct tui *t)
{
	const struct job *j;
	struct buf b;
	size_t i, n;
	int busy, active = 0;

	if (t->read_only || (busy = action_busy(t->core)) <= 0)
		return 0;
	n = action_jobs_count(t->core);
	for (i = 0; i < n; i++) {
		if ((j = action_job(t->core, i)) != NULL &&
		    tui_job_active(j) && j->priv != NULL)
			active++;
	}
	buf_init(&b, 4096);
	if (active > 0)
		buf_printf(&b, "%d job%s queued or running.\n", active,
		    active == 1 ? " is" : "s are");
	if (busy > active)
		buf_printf(&b, "%d merge%s or tag move%s in flight or waiting.\n",
		    busy - active, busy - active == 1 ? "" : "s",
		    busy - active == 1 ? "" : "s");
	buf_printf(&b, "Quitting stops them (running jobs are killed and "
	    "become interrupted).");
	tui_confirm_open(t, TUI_CONFIRM_QUIT, "quit", b.data);
	buf_free(&b);
	return 1;
}

/* The core has news: put it on the message line. */
static void
tui_panel_notify(const char *msg, int is_error, void *arg)
{
	struct tui *t = arg;

	tui_message(t, is_error, "", msg);
	t->dirty = 1;
}

/* Set up the panel (read-write mode only). */
void
tui_panel_init(struct tui *t)
{
	tui_panel_live = t;
	if (!t->read_only)
		action_set_notify(t->core, tui_panel_notify, t);
	action_follow_jobs(t->core, 1);
	tui_panel_jobs_update(t);
}

/* Free the panel's state; no callback reaches the dashboard after this. */
void
tui_panel_free(struct tui *t)
{
	if (!t->read_only)
		action_set_notify(t->core, NULL, NULL);
	tui_panel_live = NULL;
	/* Applies still waiting stop waiting (their jobs are the core's). */
	while (tui_applies != NULL) {
		struct tui_apply *ta = tui_applies;

		tui_applies = ta->next;
		apply_cancel(ta->ap);
		plan_free(ta->plan);
		free(ta->title);
		free(ta);
	}
	tui_confirm_clear(t);
	tui_marks_free(t->marks, t->nmarks);
	t->marks = NULL;
	t->nmarks = 0;
	tui_lines_free(t->log.lines, t->log.nlines);
	free(t->log.error);
	memset(&t->log, 0, sizeof t->log);
	free(t->tail_path);
	t->tail_path = NULL;
}

/*
 * Milliseconds until the logs on screen should be looked at again (-1: no
 * need). The growth of this process's jobs' logs moves the core's
 * generation, which redraws (tui_panel_logs_changed()); only the output
 * of another process's job has to be looked for.
 */
long
tui_panel_poll_ms(const struct tui *t)
{
	const struct job *j;

	if (t->mode == TUI_MODE_LOG && (j = tui_job_by_id(t,
	    t->log.job_id)) != NULL && tui_job_other(j))
		return TUI_POLL_MS;
	if (t->tail_path != NULL && t->tail_other)
		return TUI_POLL_MS;
	return -1;
}

/*
 * Did a log on screen grow (the generation moved, or a poll)? Reload the
 * log view. 1 when a redraw is due.
 */
int
tui_panel_logs_changed(struct tui *t)
{
	const struct job *j;
	long long size, ns;
	int changed = 0;

	if (t->mode == TUI_MODE_LOG) {
		j = tui_job_by_id(t, t->log.job_id);
		if (j != NULL && j->log_path != NULL &&
		    joblog_stat(j->log_path, &size, &ns) == 0 &&
		    (size != t->log.size || ns != t->log.mtime_ns)) {
			tui_log_load(t);
			changed = 1;
		}
	}
	if (t->tail_path != NULL && joblog_stat(t->tail_path, &size,
	    &ns) == 0 && (size != t->tail_size || ns != t->tail_mtime_ns))
		changed = 1;
	return changed;
}

/* The job whose output the pane's tail shows. */
static const struct job *
tui_tail_job(const struct tui *t)
{
	const struct tui_list *l = &t->lists[TUI_PANE_JOBS];
	size_t i, n = action_jobs_count(t->core);
	const struct job *j;

	if (t->focus == TUI_PANE_JOBS && l->sel < n)
		return action_job(t->core, l->sel);
	for (i = 0; i < n; i++) {
		if ((j = action_job(t->core, i)) != NULL &&
		    j->state == JOB_RUNNING)
			return j;
	}
	return n > 0 ? action_job(t->core, 0) : NULL;
}

/* A duration, short: "42s", "12m05s", "1h02m". */
static void
tui_duration(long secs, char *out, size_t len)
{
	if (secs < 0)
		secs = 0;
	if (secs < 60)
		snprintf(out, len, "%lds", secs);
	else if (secs < 3600)
		snprintf(out, len, "%ldm%02lds", secs / 60, secs % 60);
	else
		snprintf(out, len, "%ldh%02ldm", secs / 3600, (secs / 60) % 60);
}

/* How long a job has run (running) or ran (finished); "" when never. */
static void
tui_job_elapsed(const struct job *j, char *out, size_t len)
{
	*out = '\0';
	if (j->started == 0)
		return;
	if (j->state == JOB_RUNNING)
		tui_duration((long)(time(NULL) - j->started), out, len);
	else if (j->finished >= j->started)
		tui_duration((long)(j->finished - j->started), out, len);
}

/*
 * Milliseconds until a running job's elapsed time on screen changes
 * (-1: none is shown).
 */
long
tui_panel_tick_ms(const struct tui *t)
{
	const struct job *j;
	size_t i, n;
	struct timespec ts;

	if (!tui_panel_jobs_shown(t) || t->mode == TUI_MODE_LOG)
		return -1;
	n = action_jobs_count(t->core);
	for (i = 0; i < n; i++) {
		if ((j = action_job(t->core, i)) != NULL &&
		    j->state == JOB_RUNNING && j->started != 0) {
			clock_gettime(CLOCK_REALTIME, &ts);
			return 1000 - ts.tv_nsec / 1000000 + 5;
		}
	}
	return -1;
}

/* One row of the jobs pane: id, state, attempt, elapsed, what, message. */
static void
tui_draw_job_row(struct tui *t, const struct job *j, int y, int width,
    int selected, int focused)
{
	attr_t base = selected ? (focused ? A_REVERSE : A_BOLD) : A_NORMAL;
	attr_t sattr = base;
	char left[64], *what;
	int x;

	tui_put(stdscr, y, 0, width, "", base, 1);
	tui_put(stdscr, y, 0, width, selected && focused ? ">" : "", base, 0);
	snprintf(left, sizeof left, "#%lu", j->id);
	tui_put(stdscr, y, 2, width - 2, left, base, 0);
	if (!(selected && focused)) {
		if (j->state == JOB_FAILED || j->state == JOB_INTERRUPTED)
			sattr |= tui_attr_error();
		else if (tui_job_active(j))
			sattr |= tui_attr_busy();
	}
	tui_put(stdscr, y, 8, width - 8, job_state_name(j->state), sattr, 0);
	snprintf(left, sizeof left, "%d/%d", j->attempt, j->attempts);
	tui_put(stdscr, y, 20, width - 20, left, base, 0);
	tui_job_elapsed(j, left, sizeof left);
	tui_put(stdscr, y, 25, width - 25, left, base, 0);
	x = 32;
	what = xasprintf("%s%s %s %s  %s", tui_job_other(j) ? "(other) " : "",
	    j->app, j->version, j->arch,
	    j->message != NULL && strcmp(j->message,
	    job_state_name(j->state)) != 0 ? j->message : "");
	{
		char *safe = str_oneline(what, TUI_LINE_MAX);

		if (x < width)
			tui_put_cut(stdscr, y, x, width - x, safe, base, 0);
		free(safe);
	}
	free(what);
}

/* The jobs pane: a title, the jobs newest first, the tail of a log. */
void
tui_draw_jobs(struct tui *t, int y, int rows, int width)
{
	struct tui_list *l = &t->lists[TUI_PANE_JOBS];
	size_t i, n = action_jobs_count(t->core), nrun = 0, nqueued = 0;
	const struct job *j;
	struct joblog_tail lt;
	char title[256], *error = NULL;
	int focused = tui_pane_focused(t, TUI_PANE_JOBS), tail, list, failed;

	for (i = 0; i < n; i++) {
		if ((j = action_job(t->core, i)) == NULL)
			continue;
		if (j->state == JOB_RUNNING)
			nrun++;
		else if (j->state == JOB_QUEUED)
			nqueued++;
	}
	snprintf(title, sizeof title, " jobs  %zu running  %zu queued  "
	    "%zu in the history", nrun, nqueued, n);
	tui_draw_title(y, width, title, focused);
	y++;
	rows--;
	tail = rows >= 1 + TUI_JOBS_TAIL ? TUI_JOBS_TAIL : 0;
	list = rows - tail;
	l->height = list;
	l->y0 = y;
	tui_list_clamp(l);
	if (n == 0 && list > 0)
		tui_put(stdscr, y, 2, width - 2, "no jobs", A_NORMAL, 0);
	for (i = 0; i < (size_t)list && l->top + i < n; i++) {
		if ((j = action_job(t->core, l->top + i)) == NULL)
			continue;
		tui_draw_job_row(t, j, y + (int)i, width, l->top + i == l->sel,
		    focused);
	}
	y += list;

	free(t->tail_path);
	t->tail_path = NULL;
	t->tail_other = 0;
	if (tail == 0 || (j = tui_tail_job(t)) == NULL || j->log_path == NULL)
		return;
	t->tail_path = xstrdup(j->log_path);
	t->tail_other = tui_job_other(j);
	/* A failed job: its last output, then where the whole log is. */
	failed = (j->state == JOB_FAILED || j->state == JOB_INTERRUPTED) &&
	    tail >= 2;
	if ((failed ? joblog_output(j->log_path, (size_t)(tail - failed),
	    &lt, &error) : joblog_tail(j->log_path, TUI_TAIL_BYTES,
	    (size_t)tail, &lt, &error)) != 0) {
		t->tail_size = t->tail_mtime_ns = -1;
		free(error);
		lt.nlines = 0;
		lt.lines = NULL;
	} else {
		t->tail_size = lt.size;
		t->tail_mtime_ns = lt.mtime_ns;
	}
	for (i = 0; i < lt.nlines; i++) {
		char *line = xasprintf("#%lu| %s", j->id, lt.lines[i]);

		tui_put(stdscr, y + tail - failed - (int)lt.nlines + (int)i, 0,
		    width, line, A_DIM, 1);
		free(line);
	}
	joblog_tail_free(&lt);
	if (failed) {
		char *path = str_oneline(j->log_path, TUI_LINE_MAX);
		char *line = xasprintf("#%lu %s, log: %s", j->id,
		    job_state_name(j->state), path);

		tui_put_cut(stdscr, y + tail - 1, 0, width, line,
		    tui_attr_error(), 1);
		free(line);
		free(path);
	}
}

/* How many bytes of s fit in width columns (at least one character). */
static size_t
tui_fit_bytes(const char *s, int width)
{
	mbstate_t st;
	wchar_t wc;
	size_t n, off = 0;
	int used = 0, cw;

	memset(&st, 0, sizeof st);
	while (s[off] != '\0') {
		n = mbrtowc(&wc, s + off, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			cw = 1;
		} else if ((cw = wcwidth(wc)) <= 0)
			cw = 1;
		if (used + cw > width && off > 0)
			break;
		used += cw;
		off += n;
	}
	return off;
}

/* Bytes of s that take the first cols columns (all of s when shorter). */
static size_t
tui_skip_cols(const char *s, int cols)
{
	mbstate_t st;
	wchar_t wc;
	size_t n, off = 0;
	int used = 0, cw;

	memset(&st, 0, sizeof st);
	while (s[off] != '\0' && used < cols) {
		n = mbrtowc(&wc, s + off, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			cw = 1;
		} else if ((cw = wcwidth(wc)) <= 0)
			cw = 1;
		used += cw;
		off += n;
	}
	return off;
}

/* Rows the dialog's lines take wrapped to width. */
static size_t
tui_wrapped_rows(const struct tui_confirm *c, int width)
{
	size_t i, rows = 0;
	const char *p;

	for (i = 0; i < c->nlines; i++) {
		p = c->lines[i];
		do {
			p += tui_fit_bytes(p, width);
			rows++;
		} while (*p != '\0');
	}
	return rows;
}

/* The confirm dialog: the exact text, wrapped, scrollable; y/N. */
static void
tui_draw_confirm(struct tui *t)
{
	struct tui_confirm *c = &t->confirm;
	WINDOW *win;
	size_t i, row, total, maxtop;
	const char *p;
	char *title, *foot;
	int h, w, inner, body, y;

	w = COLS - 4 < 160 ? COLS - 4 : 160;
	if (w < 20)
		w = COLS;
	inner = w - 4;
	if (inner < 4)
		return;
	total = tui_wrapped_rows(c, inner);
	h = (int)total + 4;
	if (h > LINES - 2)
		h = LINES - 2;
	if (h < 4)
		h = LINES;
	if (h < 3)
		return;
	body = h - 3;
	c->height = body;
	maxtop = total > (size_t)body ? total - (size_t)body : 0;
	if (c->top > maxtop)
		c->top = maxtop;
	if ((win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2)) == NULL)
		return;
	werase(win);
	box(win, 0, 0);
	title = xasprintf(" %s ", c->title != NULL ? c->title : "");
	tui_put(win, 0, 2, w - 4, title, A_BOLD, 0);
	free(title);
	row = 0;
	y = 1;
	for (i = 0; i < c->nlines && y <= body; i++) {
		p = c->lines[i];
		do {
			size_t nb = tui_fit_bytes(p, inner);
			char *chunk = xstrndup(p, nb);

			if (row >= c->top && y <= body)
				tui_put(win, y++, 2, inner, chunk, A_NORMAL, 0);
			free(chunk);
			p += nb;
			row++;
		} while (*p != '\0' && y <= body);
	}
	if (c->kind == TUI_CONFIRM_INFO)
		foot = xasprintf("any key closes%s", maxtop > 0 ?
		    "  (Up/Down scroll)" : "");
	else if (!c->ready && c->request != 0)
		foot = xasprintf("reading the registry...  any key but y "
		    "cancels");
	else if (!c->ready)
		foot = xasprintf("this cannot be done; any key closes");
	else
		foot = xasprintf("Proceed? [y/N]%s", maxtop > 0 ?
		    "  (Up/Down scroll)" : "");
	tui_put(win, h - 2, 2, inner, foot, A_BOLD, 0);
	free(foot);
	if (maxtop > 0) {
		char more[64];

		snprintf(more, sizeof more, " %zu-%zu of %zu ", c->top + 1,
		    c->top + (size_t)body < total ? c->top + (size_t)body : total,
		    total);
		tui_put(win, h - 1, w - 2 - tui_width(more), tui_width(more),
		    more, A_NORMAL, 0);
	}
	wnoutrefresh(win);
	delwin(win);
}

/* The arch picker: the selected version's archs and their state. */
static void
tui_draw_arch(struct tui *t)
{
	const struct mt_app *a;
	const struct mt_version *v;
	const struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];
	WINDOW *win;
	size_t i;
	int h, w;
	char *line, *title;

	a = tui_current_app(t);
	if (a == NULL || vl->sel >= vl->nrows || vl->rows[vl->sel] >= a->nversions)
		return;
	v = &a->versions[vl->rows[vl->sel]];
	h = (int)a->cfg->narchs + 4;
	w = 44;
	if (h > LINES)
		h = LINES;
	if (w > COLS)
		w = COLS;
	if (h < 4 || w < 12)
		return;
	if ((win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2)) == NULL)
		return;
	werase(win);
	box(win, 0, 0);
	{
		char *ver = str_oneline(v->version, 64);

		title = xasprintf(" build one arch of %s ", ver);
		free(ver);
	}
	tui_put(win, 0, 2, w - 4, title, A_BOLD, 0);
	free(title);
	for (i = 0; i < a->cfg->narchs && (int)i < h - 3; i++) {
		char *name = str_oneline(a->cfg->archs[i], 64);
		int s = (unsigned)v->archs[i] <= ARCH_PRESENT ?
		    (int)v->archs[i] : ARCH_MISSING;

		line = xasprintf("%s %zu  %s %s (%s)", i == t->arch_sel ? ">" :
		    " ", i + 1, tui_glyph_state(s), name,
		    arch_state_name((enum arch_state)s));
		tui_put(win, 1 + (int)i, 2, w - 4, line, i == t->arch_sel ?
		    A_REVERSE : A_NORMAL, 1);
		free(line);
		free(name);
	}
	tui_put(win, h - 2, 2, w - 4, "Enter picks, Esc cancels", A_DIM, 0);
	wnoutrefresh(win);
	delwin(win);
}

/* Overlays of the panel's modes, drawn over the screen. */
void
tui_draw_panel_overlay(struct tui *t)
{
	if (t->mode == TUI_MODE_CONFIRM)
		tui_draw_confirm(t);
	else if (t->mode == TUI_MODE_ARCH)
		tui_draw_arch(t);
}

/* The log view, full width from row y for rows rows. */
void
tui_draw_log(struct tui *t, int y, int rows, int width)
{
	struct tui_log *lg = &t->log;
	const struct job *j = tui_job_by_id(t, lg->job_id);
	size_t i, maxtop;
	char *title, *what;

	if (j != NULL)
		what = xasprintf("%s %s %s, %s, attempt %d/%d", j->app,
		    j->version, j->arch, job_state_name(j->state), j->attempt,
		    j->attempts);
	else
		what = xstrdup("?");
	title = xasprintf(" log of job %lu: %s%s%s", lg->job_id, what,
	    lg->follow ? "  [following]" : "", lg->xoff > 0 ?
	    "  [scrolled right]" : "");
	{
		char *safe = str_oneline(title, TUI_LINE_MAX);

		tui_draw_title(y, width, safe, 1);
		free(safe);
	}
	free(title);
	free(what);
	y++;
	rows--;
	if (rows < 1)
		return;
	if (lg->error != NULL) {
		tui_put(stdscr, y, 0, width, lg->error, tui_attr_error(), 0);
		return;
	}
	lg->height = rows;
	maxtop = lg->nlines > (size_t)rows ? lg->nlines - (size_t)rows : 0;
	if (lg->follow || lg->top > maxtop)
		lg->top = maxtop;
	if (lg->truncated && lg->top == 0 && rows > 1) {
		tui_put(stdscr, y++, 0, width, "(earlier output not shown)",
		    A_DIM, 0);
		rows--;
	}
	for (i = 0; i < (size_t)rows && lg->top + i < lg->nlines; i++) {
		const char *p = lg->lines[lg->top + i];

		if (lg->xoff > 0)
			p += tui_skip_cols(p, lg->xoff);
		tui_put(stdscr, y + (int)i, 0, width, p, A_NORMAL, 0);
	}
}
