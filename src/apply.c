/* apply.c — run a plan's steps, re-checking each step's premise first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "actions-int.h"
#include "apply.h"
#include "apply-put.h"
#include "attest.h"
#include "config.h"
#include "copy.h"
#include "core.h"
#include "events.h"
#include "jobs.h"
#include "merge.h"
#include "model.h"
#include "plan.h"
#include "prune-job.h"
#include "registry.h"
#include "registry-delete.h"
#include "repo-walk.h"
#include "status.h"
#include "step-delete.h"
#include "util.h"

enum apply_state {
	APPLY_PENDING,
	APPLY_RUNNING,
	APPLY_DONE,
	APPLY_FAILED,		/* failed, stale, or its input failed */
	APPLY_WITHHELD,		/* another mirrortop process does it */
};

struct apply_read;

struct apply_step {
	enum apply_state state;
	unsigned long	 job;		/* build: the job id */
	int		 refused;	/* delete: the registry refused; kept */
	int		 checked;	/* build: its premise holds, it may be
					 * submitted (in step order) */
	int		 submitted;	/* build: handed to the job queue */
	struct merge_op	*mop;		/* merge resolution in flight */
	struct put_op	*pop;		/* write in flight */
	struct apply_read *rd;		/* the callback argument in flight */
	struct untag_op	*uop;		/* untag in flight */
	struct repo_walk *walk;		/* verify in flight */
	struct attest_check *chk;	/* attest: discovery in flight */
	struct copy_op	*cop;		/* copy in flight */
	struct delete_op *dop;		/* delete in flight */
};

/* What a registry or merge callback gets: the apply and the step. */
struct apply_read {
	struct apply	*ap;
	size_t		 i;
};

struct apply {
	struct core		*core;
	struct plan		*plan;
	struct apply_step	*st;
	size_t			 cursor;	/* next non-build step */
	struct apply_summary	 sum;
	int			 advancing;
	int			 starting;	/* inside apply_start() */
	int			 finished;
	apply_cb		 cb;
	void			*arg;
};

/*
 * One table of step kinds: how a step starts. A start function marks the
 * step running; the step ends through apply_step_end(), at once or from a
 * callback.
 */
static void	apply_build(struct apply *, size_t);
static void	apply_merge(struct apply *, size_t);
static void	apply_latest(struct apply *, size_t);
static void	apply_untag(struct apply *, size_t);
static void	apply_verify(struct apply *, size_t);
static void	apply_attest(struct apply *, size_t);
static void	apply_copy(struct apply *, size_t);
static void	apply_delete(struct apply *, size_t);
static void	apply_attest_job_end(struct apply *, size_t,
		    const struct job *);

static const struct {
	void	(*start)(struct apply *, size_t);
} apply_kinds[STEP_NKINDS] = {
	[STEP_BUILD] = { apply_build },
	[STEP_MERGE] = { apply_merge },
	[STEP_LATEST] = { apply_latest },
	[STEP_UNTAG] = { apply_untag },
	[STEP_VERIFY] = { apply_verify },
	[STEP_ATTEST] = { apply_attest },
	[STEP_COPY] = { apply_copy },
	[STEP_DELETE] = { apply_delete },
};

static void	apply_advance(struct apply *);
static unsigned long apply_prune_job(struct apply *, size_t);
static int	apply_model(struct apply *, const struct plan_step *,
		    struct mt_app **, struct mt_version **);

/*
 * A prune of one app ended with its verify step: one event in the history
 * (kind "prune"), with how many of the app's removals were done.
 */
static void
apply_prune_event(struct apply *ap, const struct plan_step *s, int ok,
    const char *detail)
{
	struct events_job ej;
	size_t k, done = 0, all = 0;
	char *what;
	int was;

	size_t ddone = 0, dall = 0, kept = 0;
	char *dels = NULL;

	for (k = 0; k < ap->plan->nsteps; k++) {
		const struct plan_step *u = &ap->plan->steps[k];

		if (u->app != s->app)
			continue;
		if (u->kind == STEP_UNTAG) {
			all++;
			if (ap->st[k].state == APPLY_DONE)
				done++;
		} else if (u->kind == STEP_DELETE) {
			dall++;
			if (ap->st[k].state == APPLY_DONE)
				ddone++;
			if (ap->st[k].refused)
				kept++;
		}
	}
	if (dall > 0)
		dels = xasprintf(", %zu of %zu untagged manifest%s deleted%s",
		    ddone - kept, dall, dall == 1 ? "" : "s", kept > 0 ?
		    " (the others GitHub refuses to delete)" : "");
	if (ok && done == all && ddone == dall)
		what = xasprintf("%zu staging tag%s removed%s; every tag of %s "
		    "resolves", done, done == 1 ? "" : "s", dels ? dels : "",
		    s->image);
	else
		what = xasprintf("%zu of %zu staging tags removed%s; %s", done,
		    all, dels ? dels : "", ok ? "the others were not done" :
		    detail ? detail : "the verify step failed");
	free(dels);
	done += ddone;
	all += dall;
	memset(&ej, 0, sizeof ej);
	ej.kind = "prune";
	ej.app = s->app_name;
	ej.ok = ok && done == all;
	ej.detail = what;
	if (core_events(ap->core) != NULL)
		events_job_ended(core_events(ap->core), &ej);
	k = (size_t)(s - ap->plan->steps);
	prune_job_step(ap->core, apply_prune_job(ap, k), ap->plan, k, ok,
	    detail);
	/* Its end is told to the job hooks: not to advance from there (the
	 * step that ends is not counted yet). */
	was = ap->advancing;
	ap->advancing = 1;
	prune_job_end(ap->core, ap->st[k].job, ej.ok, what);
	ap->advancing = was;
	free(what);
}

/*
 * The job of prune step i's app: the one an earlier step of the app
 * started, else a new one (the first step of the app's prune to run).
 */
static unsigned long
apply_prune_job(struct apply *ap, size_t i)
{
	const struct plan *p = ap->plan;
	char *cause = NULL;
	size_t k;

	if (ap->st[i].job != 0)
		return ap->st[i].job;
	for (k = 0; k < p->nsteps; k++)
		if (k != i && ap->st[k].job != 0 &&
		    p->steps[k].app == p->steps[i].app &&
		    (p->steps[k].kind == STEP_UNTAG ||
		    p->steps[k].kind == STEP_DELETE ||
		    p->steps[k].kind == STEP_VERIFY))
			return ap->st[i].job = ap->st[k].job;
	ap->st[i].job = prune_job_begin(ap->core, p, i, &cause);
	if (cause != NULL) {
		actions_tell(ap->core, 1, "%s: not in the job history: %s",
		    p->steps[i].app_name, cause);
		free(cause);
	}
	return ap->st[i].job;
}

/* A prune step ended, or was not done: a line in its app's job log. */
static void
apply_prune_log(struct apply *ap, size_t i, int ok, const char *why)
{
	const struct plan_step *s = &ap->plan->steps[i];

	/* (the verify step's line is written as the job ends) */
	if (s->kind == STEP_UNTAG || s->kind == STEP_DELETE)
		prune_job_step(ap->core, apply_prune_job(ap, i), ap->plan, i,
		    ok, why);
}

/* The events of a merge or latest step that ended (builds are told by
 * their jobs). */
static void
apply_events(struct apply *ap, const struct plan_step *s, int ok,
    const char *detail)
{
	struct events *ev = core_events(ap->core);
	struct mt_app *a = NULL;
	struct mt_version *v = NULL;

	if (s->kind == STEP_VERIFY) {
		apply_prune_event(ap, s, ok, detail);
		return;
	}
	if (ev != NULL && s->kind == STEP_COPY) {
		struct events_job ej = {
			.kind = "copy", .app = s->app_name,
			.version = s->version, .target = s->target, .ok = ok,
			.detail = detail,
		};

		events_job_ended(ev, &ej);
		return;
	}
	if (ev == NULL || (s->kind != STEP_MERGE && s->kind != STEP_LATEST))
		return;
	if (s->kind == STEP_MERGE || !ok) {
		struct events_job ej = {
			.kind = s->kind == STEP_MERGE ? "merge" : "latest",
			.app = s->app_name, .version = s->version, .ok = ok,
			.detail = detail,
		};

		events_job_ended(ev, &ej);
	}
	if (!ok || apply_model(ap, s, &a, &v) != 0)
		return;
	if (s->kind == STEP_MERGE && v != NULL) {
		int with_latest = 0;

		for (size_t k = 0; k < s->ntags; k++)
			if (strcmp(s->tags[k], "latest") == 0)
				with_latest = 1;
		events_merged(ev, a, s->version, v->image_tag, detail,
		    with_latest);
		events_app_changed(ev, a, s->version);
	} else if (s->kind == STEP_LATEST)
		events_app_changed(ev, a, NULL);
}

/* Whether step s writes `latest`. */
static int
apply_writes_latest(const struct plan_step *s)
{
	size_t k;

	for (k = 0; k < s->ntags; k++)
		if (strcmp(s->tags[k], "latest") == 0)
			return 1;
	return 0;
}

/* Count a step that ended well. */
static void
apply_count(struct apply *ap, const struct plan_step *s)
{
	switch (s->kind) {
	case STEP_BUILD:
		ap->sum.built++;
		break;
	case STEP_MERGE:
		ap->sum.merged++;
		/* the version's index is `latest` too: latest moved */
		if (apply_writes_latest(s))
			ap->sum.latest++;
		break;
	case STEP_LATEST:
		ap->sum.latest++;
		break;
	case STEP_UNTAG:
		ap->sum.untagged++;
		break;
	case STEP_VERIFY:
		ap->sum.verified++;
		break;
	case STEP_ATTEST:
		ap->sum.attested++;
		break;
	case STEP_COPY:
		ap->sum.copied++;
		/* a mirror's latest follows the primary's */
		if (apply_writes_latest(s))
			ap->sum.latest++;
		break;
	case STEP_DELETE:
		ap->sum.deleted++;
		break;
	default:
		break;
	}
}

/* A step ended: ok or not (why: one line, told as an error). */
static void
apply_step_end(struct apply *ap, size_t i, int ok, int stale, const char *why)
{
	struct plan_step *s = &ap->plan->steps[i];

	ap->st[i].state = ok ? APPLY_DONE : APPLY_FAILED;
	ap->st[i].mop = NULL;
	ap->st[i].pop = NULL;
	apply_prune_log(ap, i, ok, why);
	if (ok)
		apply_count(ap, s);
	else {
		apply_events(ap, s, 0, why);
		ap->sum.failed++;
		if (stale)
			ap->sum.stale++;
		actions_tell(ap->core, 1, "step %zu (%s %s%s%s) not done: %s",
		    i + 1, plan_kind_name(s->kind), s->app_name,
		    s->version ? " " : "", s->version ? s->version : "",
		    why ? why : "failed");
	}
	apply_advance(ap);
}

/* The model's app and version of step s, or -1. */
static int
apply_model(struct apply *ap, const struct plan_step *s, struct mt_app **ap_,
    struct mt_version **vp)
{
	struct mt_model *m = core_model_mut(ap->core);
	struct mt_app *a;
	size_t i;

	if (s->app >= m->napps || strcmp(m->apps[s->app].cfg->name,
	    s->app_name) != 0)
		return -1;
	a = &m->apps[s->app];
	*ap_ = a;
	*vp = NULL;
	if (s->version == NULL)
		return 0;
	for (i = 0; i < a->nversions; i++) {
		if (strcmp(a->versions[i].version, s->version) == 0) {
			*vp = &a->versions[i];
			return 0;
		}
	}
	return -1;
}

/* The model follows a write (no refresh needed to see it). */
static void
apply_model_written(struct apply *ap, const struct plan_step *s,
    const char *digest)
{
	struct mt_app *a;
	struct mt_version *v;
	size_t k;

	if (apply_model(ap, s, &a, &v) != 0)
		return;
	for (k = 0; k < s->ntags; k++) {
		if (s->kind == STEP_MERGE && k == 0 && v != NULL) {
			for (size_t j = 0; j < a->cfg->narchs; j++)
				v->archs[j] = ARCH_PRESENT;
			free(v->digest);
			v->digest = xstrdup(digest);
			model_version_update_state(v, a->cfg->narchs);
			continue;
		}
		if (strcmp(s->tags[k], "latest") != 0 &&
		    strncmp(s->tags[k], "latest-", 7) != 0)
			continue;
		if (strcmp(s->tags[k], "latest") == 0) {
			free(a->latest_digest);
			a->latest_digest = xstrdup(digest);
		}
		if (s->version != NULL) {
			free(a->registry_latest);
			a->registry_latest = xstrdup(s->version);
			a->latest_drift = a->upstream_latest == NULL ||
			    strcmp(a->upstream_latest, s->version) != 0;
		}
	}
	core_touch(ap->core);
}

/* ---- build ---- */

/* A callback argument for step i, remembered for apply_cancel(). */
static struct apply_read *
apply_rd(struct apply *ap, size_t i)
{
	struct apply_read *rd = xcalloc(1, sizeof *rd);

	rd->ap = ap;
	rd->i = i;
	ap->st[i].rd = rd;
	return rd;
}

/* A callback came: forget its argument. */
static void
apply_rd_done(struct apply_read *rd)
{
	rd->ap->st[rd->i].rd = NULL;
	free(rd);
}

static void
apply_build_submit(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];
	struct mt_app *a;
	struct mt_version *v;
	char *cause = NULL;
	int elsewhere = 0;

	if (apply_model(ap, s, &a, &v) != 0 || v == NULL) {
		apply_step_end(ap, i, 0, 1, "the version is no longer in the "
		    "window");
		return;
	}
	if (actions_submit_build(ap->core, a, v, s->arch,
	    ap->plan->elsewhere_ok, &ap->st[i].job, &elsewhere, &cause) != 0) {
		if (elsewhere && ap->plan->elsewhere_ok) {
			/* An overlapping sync took it: it builds and merges. */
			free(cause);
			ap->st[i].state = APPLY_WITHHELD;
			ap->sum.withheld++;
			actions_tell(ap->core, 0, "step %zu (build %s %s %s) "
			    "withheld: a job for it is queued or running in "
			    "another mirrortop process now", i + 1,
			    s->app_name, s->version, s->arch);
			apply_advance(ap);
			return;
		}
		apply_step_end(ap, i, 0, elsewhere, elsewhere ? "stale: a "
		    "job for it is queued or running in another mirrortop "
		    "process now" : cause);
		free(cause);
		return;
	}
	/* The job may have ended already (a failing spawn). */
	apply_advance(ap);
}

static void
apply_build_premise_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i;
	struct plan_step *s = &ap->plan->steps[i];
	char *why;

	apply_rd_done(rd);
	if (status < 0) {
		why = xasprintf("cannot check %s:%s: %s", s->image, s->tags[0],
		    errmsg ? errmsg : "error");
		apply_step_end(ap, i, 0, 0, why);
		free(why);
		return;
	}
	if (status == 0) {
		why = xasprintf("stale: %s:%s exists now (%s); the plan saw it "
		    "absent", s->image, s->tags[0], m->digest ? m->digest :
		    "?");
		apply_step_end(ap, i, 0, 1, why);
		free(why);
		return;
	}
	/* Submitted in step order, by apply_advance(). */
	ap->st[i].checked = 1;
	apply_advance(ap);
}

static void
apply_build(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];

	ap->st[i].state = APPLY_RUNNING;
	if (s->ntags == 0) {
		ap->st[i].checked = 1;
		return;
	}
	registry_head_manifest(plan_step_registry(ap->core, s), s->repo, s->tags[0],
	    apply_build_premise_cb, apply_rd(ap, i));
}

/* Running builds whose job ended. */
static void
apply_builds_check(struct apply *ap)
{
	struct jobs *jobs = actions_jobs_of(ap->core);
	size_t i;

	if (jobs == NULL)
		return;
	for (i = 0; i < ap->plan->nsteps; i++) {
		struct plan_step *s = &ap->plan->steps[i];
		const struct job *j;
		char *why;

		if ((s->kind != STEP_BUILD && s->kind != STEP_ATTEST) ||
		    ap->st[i].state != APPLY_RUNNING || ap->st[i].job == 0)
			continue;
		j = jobs_find(jobs, ap->st[i].job);
		if (j == NULL || !job_state_final(j->state))
			continue;
		ap->st[i].job = 0;
		if (s->kind == STEP_ATTEST)
			apply_attest_job_end(ap, i, j);
		else if (j->state == JOB_SUCCEEDED) {
			free(s->digest);
			s->digest = xstrdup(j->digest);
			apply_step_end(ap, i, 1, 0, NULL);
		} else {
			why = xasprintf("job %lu %s", j->id,
			    job_state_name(j->state));
			apply_step_end(ap, i, 0, 0, why);
			free(why);
		}
	}
}

/* ---- attest ---- */

static void
apply_attest(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];
	char *cause = NULL;

	ap->st[i].state = APPLY_RUNNING;
	/* After a merge: on the digest it wrote. */
	if (s->attest_step > 0 && s->digest == NULL && s->nafter > 0 &&
	    attest_step_resolve(s, ap->plan->steps[s->after[0] - 1].digest,
	    s->after[0], &cause) != 0) {
		apply_step_end(ap, i, 0, 0, cause);
		free(cause);
		return;
	}
	if (attest_submit(ap->core, s, &ap->st[i].job, &cause) != 0) {
		apply_step_end(ap, i, 0, 0, cause);
		free(cause);
		return;
	}
	/* The job may have ended already (a failing spawn). */
	apply_advance(ap);
}

/* Discovery after the last attest step answered. */
static void
apply_attest_checked(int missing, const char *errmsg, void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i;
	struct plan_step *s = &ap->plan->steps[i];
	char *what, *why;

	ap->st[i].chk = NULL;
	apply_rd_done(rd);
	if (missing < 0) {
		why = xasprintf("the steps ran, but discovery failed: %s",
		    errmsg ? errmsg : "error");
		apply_step_end(ap, i, 0, 0, why);
		free(why);
		return;
	}
	if (missing > 0) {
		what = attest_kinds_text((unsigned)missing);
		why = xasprintf("the steps ran, but %s@%s still has no %s",
		    s->image, s->digest, what);
		apply_step_end(ap, i, 0, 0, why);
		free(what);
		free(why);
		return;
	}
	actions_tell(ap->core, 0, "attested %s %s: %s found", s->app_name,
	    s->version, (what = attest_kinds_text(s->check)));
	free(what);
	core_refresh_app(ap->core, s->app);
	apply_step_end(ap, i, 1, 0, NULL);
}

/* An attest step's job ended: the last one checks what was claimed. */
static void
apply_attest_job_end(struct apply *ap, size_t i, const struct job *j)
{
	struct plan_step *s = &ap->plan->steps[i];
	char *why;

	if (j->state != JOB_SUCCEEDED) {
		why = xasprintf("job %lu %s%s%s", j->id,
		    job_state_name(j->state), j->message ? ": " : "",
		    j->message ? j->message : "");
		apply_step_end(ap, i, 0, 0, why);
		free(why);
		return;
	}
	if (s->check == 0) {
		if (i + 1 == ap->plan->nsteps || ap->plan->steps[i + 1].kind !=
		    STEP_ATTEST)
			core_refresh_app(ap->core, s->app);
		apply_step_end(ap, i, 1, 0, NULL);
		return;
	}
	ap->st[i].chk = attest_check_start(ap->core, s->repo, s->image,
	    s->digest, s->check, apply_attest_checked, apply_rd(ap, i));
}

/* ---- merge ---- */

/* The index was written (or not). */
static void
apply_put_done(int status, const char *digest, const char *errmsg, void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i;
	struct plan_step *s = &ap->plan->steps[i];
	struct buf b;
	size_t k;

	apply_rd_done(rd);
	ap->st[i].pop = NULL;
	if (status != 0) {
		apply_step_end(ap, i, 0, status == PUT_STALE, errmsg);
		return;
	}
	buf_init(&b, 64 * 1024);
	for (k = 0; k < s->ntags; k++)
		buf_printf(&b, "%s%s:%s", k ? " and " : "", s->image,
		    s->tags[k]);
	if (s->kind == STEP_MERGE)
		actions_tell(ap->core, 0, "merged %s %s: %s (%s); latest %s",
		    s->app_name, s->version, b.data, digest,
		    apply_writes_latest(s) ? "moved" : "not moved");
	else
		actions_tell(ap->core, 0, "latest %s -> %s: %s (%s)",
		    s->app_name, s->version, b.data, digest);
	buf_free(&b);
	apply_model_written(ap, s, digest);
	apply_events(ap, s, 1, digest);
	apply_step_end(ap, i, 1, 0, NULL);
}

/*
 * What tag k of step i must hold before it writes: the digest planned, or,
 * when an earlier step writes the tag first (old_step), what that step
 * wrote, or its own premise when it was not done.
 */
static const char *
apply_expect(struct apply *ap, size_t i, size_t k)
{
	const struct plan_step *s = &ap->plan->steps[i], *e;
	size_t j, m;

	if (s->old_step == NULL || s->old_step[k] == 0 ||
	    s->old_step[k] > i)
		return s->old[k];
	j = s->old_step[k] - 1;
	e = &ap->plan->steps[j];
	for (m = 0; m < e->ntags; m++)
		if (strcmp(e->tags[m], s->tags[k]) == 0)
			break;
	if (m == e->ntags)
		return s->old[k];
	if (ap->st[j].state == APPLY_DONE)
		return e->digest;
	return apply_expect(ap, j, m);
}

/* PUT the step's bytes under its tags, premises first. */
static void
apply_put(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];
	struct apply_read *rd = apply_rd(ap, i);
	const char *expect[8], **ex = expect;
	char *label, *cause = NULL;
	size_t k;

	if (s->kind == STEP_MERGE)
		label = xasprintf("merge %s %s", s->app_name, s->version);
	else
		label = xasprintf("latest %s", s->app_name);
	if (s->ntags > MT_ARRAY_LEN(expect))
		ex = xcalloc(s->ntags, sizeof *ex);
	for (k = 0; k < s->ntags; k++)
		ex[k] = apply_expect(ap, i, k);
	ap->st[i].pop = put_start(plan_step_registry(ap->core, s), label,
	    s->repo, s->media_type, s->body, s->len, s->tags, ex, s->ntags,
	    apply_put_done, rd, &cause);
	if (ex != expect)
		free(ex);
	free(label);
	if (ap->st[i].pop == NULL) {
		apply_rd_done(rd);
		apply_step_end(ap, i, 0, 0, cause);
		free(cause);
	}
}

/* The index of a merge that waited for builds is resolved. */
static void
apply_merge_resolved(int status, const struct merge_result *r,
    const char *errmsg, void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i, k, j;
	struct plan_step *s = &ap->plan->steps[i];
	char *why;

	apply_rd_done(rd);
	ap->st[i].mop = NULL;
	if (status != 0) {
		apply_step_end(ap, i, 0, 0, errmsg);
		return;
	}
	/* Each built arch must be what its build pushed. */
	for (k = 0; k < r->narchs; k++) {
		for (j = 0; j < s->nsources; j++) {
			const struct plan_source *src = &s->sources[j];
			const char *want;

			if (strcmp(src->arch, r->archs[k]) != 0)
				continue;
			want = src->step > 0 ?
			    ap->plan->steps[src->step - 1].digest : src->digest;
			if (want != NULL && strcmp(want,
			    r->child_digests[k]) != 0) {
				why = xasprintf("stale: %s is %s at %s, not %s",
				    src->arch, r->child_digests[k],
				    r->sources[k], want);
				apply_step_end(ap, i, 0, 1, why);
				free(why);
				return;
			}
		}
	}
	s->body = xmalloc(r->len + 1);
	memcpy(s->body, r->body, r->len);
	s->body[r->len] = '\0';
	s->len = r->len;
	s->media_type = xstrdup(r->media_type);
	s->digest = xstrdup(r->digest);
	apply_put(ap, i);
}

static void
apply_merge(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];
	struct merge_spec ms;
	struct apply_read *rd;
	char *archs[CONFIG_MAX_ARCHS];
	const char *digests[CONFIG_MAX_ARCHS], *staging[CONFIG_MAX_ARCHS];
	int prefer[CONFIG_MAX_ARCHS];
	char *cause = NULL;
	size_t k, n = 0;

	ap->st[i].state = APPLY_RUNNING;
	if (s->body != NULL) {
		apply_put(ap, i);
		return;
	}
	for (k = 0; k < s->nsources && n < CONFIG_MAX_ARCHS; k++, n++) {
		const struct plan_source *src = &s->sources[k];

		archs[n] = src->arch;
		staging[n] = src->ref;
		digests[n] = src->step > 0 ?
		    ap->plan->steps[src->step - 1].digest : src->digest;
		prefer[n] = src->step == 0 && src->current;
	}
	memset(&ms, 0, sizeof ms);
	ms.app = s->app_name;
	ms.version = s->version;
	ms.image = s->image;
	ms.repo = s->repo;
	ms.image_tag = s->tags[0];
	ms.archs = archs;
	ms.narchs = n;
	ms.digests = digests;
	ms.staging_tags = staging;
	ms.prefer_current = prefer;
	rd = apply_rd(ap, i);
	ap->st[i].mop = merge_resolve(plan_step_registry(ap->core, s), &ms,
	    apply_merge_resolved, rd, &cause);
	if (ap->st[i].mop == NULL && cause != NULL) {
		apply_rd_done(rd);
		apply_step_end(ap, i, 0, 0, cause);
		free(cause);
	}
}

/* ---- latest ---- */

/* latest_requires: discovery on the digest latest would point at. */
static void
apply_latest_checked(int missing, const char *errmsg, void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i;
	struct plan_step *s = &ap->plan->steps[i];
	char *what = NULL, *why;

	ap->st[i].chk = NULL;
	apply_rd_done(rd);
	if (missing == 0) {
		apply_put(ap, i);
		return;
	}
	if (missing < 0)
		why = xasprintf("latest not moved onto %s: discovery on %s@%s "
		    "failed: %s", s->version, s->image, s->digest,
		    errmsg ? errmsg : "error");
	else
		why = xasprintf("latest not moved onto %s: %s@%s has no %s "
		    "(attest.latest_requires)", s->version, s->image,
		    s->digest, (what = attest_kinds_text((unsigned)missing)));
	apply_step_end(ap, i, 0, 0, why);
	free(what);
	free(why);
}

/* Write latest, after what latest_requires names is found. */
static void
apply_latest_put(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];

	if (s->requires == 0 || s->digest == NULL) {
		apply_put(ap, i);
		return;
	}
	ap->st[i].chk = attest_check_start(ap->core, s->repo, s->image,
	    s->digest, s->requires, apply_latest_checked, apply_rd(ap, i));
}

/* A latest move that waited for a build: its source is read. */
static void
apply_latest_src_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i;
	struct plan_step *s = &ap->plan->steps[i];
	const char *want = s->digest != NULL ? s->digest : s->nafter > 0 ?
	    ap->plan->steps[s->after[0] - 1].digest : NULL;
	char *why;

	apply_rd_done(rd);
	if (status != 0) {
		why = xasprintf("no image at %s:%s%s%s", s->image, s->src_ref,
		    status < 0 ? ": " : "", status < 0 && errmsg ? errmsg :
		    "");
		apply_step_end(ap, i, 0, 0, why);
		free(why);
		return;
	}
	if (want != NULL && strcmp(want, m->digest) != 0) {
		if (s->nafter > 0 && s->digest == NULL)
			why = xasprintf("stale: %s:%s is %s, not %s (the "
			    "output of step %zu)", s->image, s->src_ref,
			    m->digest, want, s->after[0]);
		else
			why = xasprintf("stale: %s:%s is %s, not %s as "
			    "planned", s->image, s->src_ref, m->digest, want);
		apply_step_end(ap, i, 0, 1, why);
		free(why);
		return;
	}
	s->body = xmalloc(m->len + 1);
	memcpy(s->body, m->body, m->len);
	s->body[m->len] = '\0';
	s->len = m->len;
	free(s->media_type);
	s->media_type = xstrdup(m->media_type);
	free(s->digest);
	s->digest = xstrdup(m->digest);
	apply_latest_put(ap, i);
}

static void
apply_latest(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];

	ap->st[i].state = APPLY_RUNNING;
	if (s->body != NULL) {
		apply_latest_put(ap, i);
		return;
	}
	registry_get_manifest(plan_step_registry(ap->core, s), s->repo, s->src_ref, 0,
	    apply_latest_src_cb, apply_rd(ap, i));
}

/* ---- copy ---- */

/* The model follows a copy: the version (and latest) as the primary's. */
static void
apply_copy_written(struct apply *ap, const struct plan_step *s)
{
	struct mt_app *a;
	struct mt_version *v;
	struct mt_target_version *tv;
	size_t k, j;

	if (apply_model(ap, s, &a, &v) != 0 || v == NULL ||
	    s->copy_to >= a->ntargets)
		return;
	for (k = 0; k < s->ntags; k++) {
		if (strcmp(s->tags[k], "latest") == 0) {
			struct mt_target *t = &a->targets[s->copy_to];

			free(t->latest_digest);
			t->latest_digest = xstrdup(s->digest);
			free(t->latest_version);
			t->latest_version = xstrdup(s->version);
			t->latest_drift = 0;
			continue;
		}
		if (s->copy_to >= v->ntargets)
			continue;
		tv = &v->targets[s->copy_to];
		free(tv->digest);
		tv->digest = xstrdup(s->digest);
		tv->state = VERSION_COMPLETE;
		for (j = 0; j < a->cfg->narchs; j++)
			tv->archs[j] = ARCH_PRESENT;
	}
	core_touch(ap->core);
}

static void
apply_copy_done(int status, const struct copy_stats *st, const char *errmsg,
    void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i;
	struct plan_step *s = &ap->plan->steps[i];
	char *line, *detail;

	apply_rd_done(rd);
	ap->st[i].cop = NULL;
	if (status != 0) {
		apply_step_end(ap, i, 0, status == COPY_STALE, errmsg);
		return;
	}
	line = copy_stats_line(st);
	actions_tell(ap->core, 0, "copied %s %s to %s: %s:%s (%s); %s",
	    s->app_name, s->version, s->target, s->image, s->ntags > 0 ?
	    s->tags[0] : s->src_ref, s->digest, line);
	detail = xasprintf("%s:%s is %s", s->image, s->ntags > 0 ?
	    s->tags[0] : s->src_ref, s->digest);
	apply_copy_written(ap, s);
	apply_events(ap, s, 1, detail);
	free(detail);
	free(line);
	apply_step_end(ap, i, 1, 0, NULL);
}

static void
apply_copy(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];
	const struct mt_model *m = core_model(ap->core);
	struct copy_spec spec;
	char *label;

	ap->st[i].state = APPLY_RUNNING;
	if (s->app >= m->napps) {
		apply_step_end(ap, i, 0, 1, "the app is gone");
		return;
	}
	label = xasprintf("copy %s %s to %s", s->app_name, s->version,
	    s->target);
	memset(&spec, 0, sizeof spec);
	spec.loop = core_loop(ap->core);
	spec.label = label;
	spec.src = core_app_registry(ap->core, &m->apps[s->app]);
	spec.src_repo = s->src_repo;
	spec.src_tag = s->src_ref;
	spec.dst = plan_step_registry(ap->core, s);
	spec.dst_repo = s->repo;
	spec.digest = s->digest;
	spec.tags = s->tags;
	spec.expect = (const char *const *)s->old;
	spec.ntags = s->ntags;
	spec.force = s->force;
	ap->st[i].cop = copy_start(&spec, apply_copy_done, apply_rd(ap, i));
	free(label);
}

/* ---- untag, verify ---- */

static void
apply_untag_done(int status, const char *how, const char *errmsg, void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i;
	struct plan_step *s = &ap->plan->steps[i];

	apply_rd_done(rd);
	ap->st[i].uop = NULL;
	if (status != 0) {
		apply_step_end(ap, i, 0, status == UNTAG_STALE, errmsg);
		return;
	}
	actions_tell(ap->core, 0, "untagged %s:%s (%s)", s->image, s->tags[0],
	    how ? how : "done");
	apply_step_end(ap, i, 1, 0, NULL);
}

static void
apply_untag(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];
	struct untag_spec spec;
	struct apply_read *rd;
	char *cause = NULL;

	ap->st[i].state = APPLY_RUNNING;
	apply_prune_job(ap, i);
	memset(&spec, 0, sizeof spec);
	spec.repo = s->repo;
	spec.tag = s->ntags > 0 ? s->tags[0] : NULL;
	spec.expect = s->ntags > 0 ? s->old[0] : NULL;
	spec.keep_tag = s->keep_tag;
	spec.keep_digest = s->keep_digest;
	spec.placeholder = s->placeholder;
	{
		const struct target_config *t = config_app_target(
		    core_config(ap->core), core_model(ap->core)->apps[s->app].cfg,
		    0);

		/* GHCR: the placeholder goes as its package version. */
		if (t->packages_api != NULL) {
			spec.pkg_http = core_http(ap->core);
			spec.pkg_api = t->packages_api;
			spec.pkg_token = getenv(t->token_env ? t->token_env :
			    "GITHUB_TOKEN");
		}
	}
	rd = apply_rd(ap, i);
	ap->st[i].uop = untag_start(plan_step_registry(ap->core, s), &spec,
	    apply_untag_done, rd, &cause);
	if (ap->st[i].uop == NULL) {
		apply_rd_done(rd);
		apply_step_end(ap, i, 0, 0, cause);
		free(cause);
	}
}

static void
apply_verify_done(int status, const struct walk_result *res,
    const char *errmsg, void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i, k;
	struct plan_step *s = &ap->plan->steps[i];
	struct buf b;

	apply_rd_done(rd);
	ap->st[i].walk = NULL;
	if (status != 0) {
		apply_step_end(ap, i, 0, 0, errmsg);
		return;
	}
	if (res->nmissing > 0) {
		buf_init(&b, 64 * 1024);
		buf_printf(&b, "no longer resolves: ");
		for (k = 0; k < res->nmissing && k < 10; k++)
			buf_printf(&b, "%s%s", k ? ", " : "", res->missing[k]);
		if (res->nmissing > 10)
			buf_printf(&b, " (%zu in all)", res->nmissing);
		apply_step_end(ap, i, 0, 0, b.data);
		buf_free(&b);
		return;
	}
	apply_events(ap, s, 1, NULL);
	actions_tell(ap->core, 0, "verified %s: %zu tag%s resolve%s", s->image,
	    res->ntags, res->ntags == 1 ? "" : "s", res->ntags == 1 ? "s" :
	    "");
	apply_step_end(ap, i, 1, 0, NULL);
}

static void
apply_verify(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];

	ap->st[i].state = APPLY_RUNNING;
	apply_prune_job(ap, i);
	ap->st[i].walk = repo_walk_start(plan_step_registry(ap->core, s),
	    s->repo, 1, apply_verify_done, apply_rd(ap, i));
}

static void
apply_delete_done(int status, const char *errmsg, void *arg)
{
	struct apply_read *rd = arg;
	struct apply *ap = rd->ap;
	size_t i = rd->i;
	struct plan_step *s = &ap->plan->steps[i];
	char *why;

	apply_rd_done(rd);
	ap->st[i].dop = NULL;
	if (status == DELETE_REFUSED) {
		/* Reported and skipped: the rest goes on. */
		ap->st[i].refused = 1;
		why = xasprintf("kept: %s", errmsg ? errmsg : "refused");
		actions_tell(ap->core, 0, "%s@%s not deleted (kept): %s", s->image,
		    s->digest, errmsg ? errmsg : "refused by the registry");
		prune_job_step(ap->core, apply_prune_job(ap, i), ap->plan, i,
		    0, why);
		free(why);
		ap->st[i].state = APPLY_DONE;
		apply_advance(ap);
		return;
	}
	if (status < 0) {
		apply_step_end(ap, i, 0, status == DELETE_STALE, errmsg);
		return;
	}
	actions_tell(ap->core, 0, "deleted %s@%s (%s)", s->image, s->digest,
	    status == DELETE_GONE ? "already absent" : "package version");
	apply_step_end(ap, i, 1, 0, NULL);
}

static void
apply_delete(struct apply *ap, size_t i)
{
	struct plan_step *s = &ap->plan->steps[i];
	struct apply_read *rd;
	char *cause = NULL;

	ap->st[i].state = APPLY_RUNNING;
	apply_prune_job(ap, i);
	rd = apply_rd(ap, i);
	ap->st[i].dop = step_delete_start(ap->core, s, apply_delete_done, rd,
	    &cause);
	if (ap->st[i].dop == NULL) {
		apply_rd_done(rd);
		apply_step_end(ap, i, 0, 0, cause);
		free(cause);
	}
}

/* ---- the run ---- */

/*
 * Whether every input of step i is done (1), not yet (0); -1 when one
 * failed, -2 when one was withheld (*which: that step).
 */
static int
apply_inputs(struct apply *ap, size_t i, size_t *which)
{
	const struct plan_step *s = &ap->plan->steps[i];
	size_t k;
	int ready = 1;

	/* Jobs already running when the plan was made (this process's). */
	for (k = 0; k < s->nsources; k++) {
		struct jobs *jobs = actions_jobs_of(ap->core);

		if (s->sources[k].active && jobs != NULL &&
		    jobs_find_active(jobs, s->app_name, s->version,
		    s->sources[k].arch) != NULL)
			ready = 0;
	}
	for (k = 0; k < s->nafter; k++) {
		enum apply_state st = ap->st[s->after[k] - 1].state;

		if (st == APPLY_FAILED || st == APPLY_WITHHELD) {
			*which = s->after[k];
			return st == APPLY_FAILED ? -1 : -2;
		}
		if (st != APPLY_DONE)
			ready = 0;
	}
	return ready;
}

/* Everything final: report once. */
static void
apply_finish(struct apply *ap)
{
	size_t i;

	for (i = 0; i < ap->plan->nsteps; i++)
		if (ap->st[i].state == APPLY_PENDING ||
		    ap->st[i].state == APPLY_RUNNING)
			return;
	if (ap->finished)
		return;
	ap->finished = 1;
	if (ap->starting)
		return;		/* apply_start() reports */
	actions_remove_job_hook(ap->core, ap);
	actions_hold(ap->core, -1);
	ap->cb(&ap->sum, ap->arg);
	free(ap->st);
	free(ap);
}

/*
 * Hand the builds whose premise holds to the job queue, in step order: a
 * build still checking its premise (or waiting) holds back the builds
 * after it, so jobs are queued, numbered and started in the plan's order
 * whatever order the registry answers in. While any build's premise is
 * still being checked none is handed over: the builds the checks started
 * together are queued together, so no arch of the plan reads as missing
 * while another one already runs.
 */
static void
apply_builds_submit(struct apply *ap)
{
	struct plan *p = ap->plan;
	size_t i;

	for (i = 0; i < p->nsteps; i++) {
		const struct apply_step *st = &ap->st[i];

		if (p->steps[i].kind == STEP_BUILD &&
		    st->state == APPLY_RUNNING && !st->checked &&
		    !st->submitted)
			return;
	}
	for (i = 0; i < p->nsteps; i++) {
		struct apply_step *st = &ap->st[i];

		if (p->steps[i].kind != STEP_BUILD || st->submitted ||
		    (st->state != APPLY_PENDING && st->state != APPLY_RUNNING))
			continue;
		if (st->state == APPLY_PENDING || !st->checked)
			break;
		st->submitted = 1;
		apply_build_submit(ap, i);
	}
}

/* Start what can start. */
static void
apply_advance(struct apply *ap)
{
	struct plan *p = ap->plan;
	size_t i, which;
	char *why;
	int r;

	if (ap->advancing)
		return;
	ap->advancing = 1;
	apply_builds_check(ap);
	/* Builds: premises checked all at once, submitted in order. */
	for (i = 0; i < p->nsteps; i++) {
		if (p->steps[i].kind != STEP_BUILD ||
		    ap->st[i].state != APPLY_PENDING)
			continue;
		if ((r = apply_inputs(ap, i, &which)) == 0)
			continue;
		if (r < 0) {
			ap->st[i].state = APPLY_FAILED;
			ap->sum.failed++;
			actions_tell(ap->core, 1, "step %zu not done: step %zu "
			    "failed", i + 1, which);
			continue;
		}
		apply_kinds[STEP_BUILD].start(ap, i);
	}
	apply_builds_submit(ap);
	apply_builds_check(ap);
	/* The rest: one at a time, in order. */
	while (ap->cursor < p->nsteps) {
		i = ap->cursor;
		if (p->steps[i].kind == STEP_BUILD) {
			ap->cursor++;
			continue;
		}
		if (ap->st[i].state == APPLY_RUNNING)
			break;
		if (ap->st[i].state != APPLY_PENDING) {
			ap->cursor++;
			continue;
		}
		r = apply_inputs(ap, i, &which);
		if (r == 0)
			break;
		if (r == -2) {
			ap->st[i].state = APPLY_WITHHELD;
			ap->sum.withheld++;
			actions_tell(ap->core, 0, "step %zu (%s %s%s%s) "
			    "withheld: step %zu is done by another mirrortop "
			    "process", i + 1, plan_kind_name(p->steps[i].kind),
			    p->steps[i].app_name, p->steps[i].version ? " " :
			    "", p->steps[i].version ? p->steps[i].version : "",
			    which);
			ap->cursor++;
			continue;
		}
		if (r < 0) {
			ap->st[i].state = APPLY_FAILED;
			ap->sum.failed++;
			why = xasprintf("step %zu (%s %s%s%s) not done: step %zu "
			    "failed", i + 1, plan_kind_name(p->steps[i].kind),
			    p->steps[i].app_name, p->steps[i].version ? " " :
			    "", p->steps[i].version ? p->steps[i].version : "",
			    which);
			actions_tell(ap->core, 1, "%s", why);
			apply_prune_log(ap, i, 0, why);
			free(why);
			ap->cursor++;
			continue;
		}
		apply_kinds[p->steps[i].kind].start(ap, i);
		if (ap->st[i].state == APPLY_RUNNING)
			break;
	}
	ap->advancing = 0;
	apply_finish(ap);
}

/* A job changed state. */
static void
apply_job_hook(void *arg)
{
	struct apply *ap = arg;

	if (!ap->advancing)
		apply_advance(ap);
	else
		apply_builds_check(ap);
}

struct apply *
apply_start(struct core *core, struct plan *plan, const char *what,
    apply_cb cb, void *arg, char **cause)
{
	struct apply *ap;

	*cause = NULL;
	if (plan->nsteps > 0 && !actions_may_write(core, what, cause))
		return NULL;
	ap = xcalloc(1, sizeof *ap);
	ap->core = core;
	ap->plan = plan;
	ap->st = xcalloc(plan->nsteps + 1, sizeof *ap->st);
	ap->cb = cb;
	ap->arg = arg;
	ap->sum.up_to_date = (int)plan_count(plan, PLAN_UP_TO_DATE);
	ap->sum.withheld = (int)plan_count(plan, PLAN_WITHHELD);
	ap->sum.not_done = (int)plan_count(plan, PLAN_NOT_DONE);
	if (plan->nsteps == 0) {
		cb(&ap->sum, arg);
		free(ap->st);
		free(ap);
		return NULL;
	}
	actions_add_job_hook(core, apply_job_hook, ap);
	actions_hold(core, 1);
	ap->starting = 1;
	apply_advance(ap);
	ap->starting = 0;
	if (ap->finished) {
		ap->finished = 0;
		apply_finish(ap);
		return NULL;
	}
	return ap;
}

void
apply_cancel(struct apply *ap)
{
	size_t i;

	if (ap == NULL)
		return;
	actions_remove_job_hook(ap->core, ap);
	actions_hold(ap->core, -1);
	for (i = 0; i < ap->plan->nsteps; i++) {
		attest_check_cancel(ap->st[i].chk);
		if (ap->st[i].chk != NULL) {
			free(ap->st[i].rd);
			continue;
		}
		if (ap->st[i].cop != NULL)
			copy_cancel(ap->st[i].cop);
		else if (ap->st[i].mop != NULL)
			merge_cancel(ap->st[i].mop);
		else if (ap->st[i].pop != NULL)
			put_cancel(ap->st[i].pop);
		else if (ap->st[i].uop != NULL)
			untag_cancel(ap->st[i].uop);
		else if (ap->st[i].walk != NULL)
			repo_walk_cancel(ap->st[i].walk);
		else if (ap->st[i].dop != NULL)
			step_delete_cancel(ap->st[i].dop);
		else if (ap->st[i].rd != NULL)
			registry_cancel_arg(plan_step_registry(ap->core,
			    &ap->plan->steps[i]), ap->st[i].rd);
		free(ap->st[i].rd);
	}
	free(ap->st);
	free(ap);
}

struct apply_wait {
	int			 done;
	struct apply_summary	 sum;
};

static void
apply_wait_cb(const struct apply_summary *s, void *arg)
{
	struct apply_wait *w = arg;

	w->done = 1;
	w->sum = *s;
}

int
apply_wait(struct core *core, struct plan *plan, const char *what,
    struct apply_summary *out, char **cause)
{
	struct apply_wait w;

	memset(&w, 0, sizeof w);
	if (apply_start(core, plan, what, apply_wait_cb, &w, cause) == NULL &&
	    *cause != NULL)
		return -1;
	/* As a job's wait: a terminating signal stops the builders. */
	while (!w.done) {
		action_run_until_idle(core);
		if (!w.done)
			core_run_once(core, 1000);
	}
	*out = w.sum;
	return 0;
}

char *
apply_summary_line(const struct apply_summary *s)
{
	if (s->deleted > 0)
		return xasprintf("%d untagged, %d deleted, %d verified, %d "
		    "failed, %d withheld", s->untagged, s->deleted,
		    s->verified, s->failed + s->not_done, s->withheld);
	if (s->untagged > 0 || s->verified > 0)
		return xasprintf("%d untagged, %d verified, %d failed, %d "
		    "withheld", s->untagged, s->verified, s->failed +
		    s->not_done, s->withheld);
	if (s->copied > 0 && s->built == 0 && s->merged == 0)
		return xasprintf("%d copied, %d latest moved, %d failed, %d "
		    "up to date", s->copied, s->latest, s->failed + s->not_done,
		    s->up_to_date);
	if (s->copied > 0)
		return xasprintf("%d built, %d merged, %d copied, %d latest "
		    "moved, %d failed, %d up to date", s->built, s->merged,
		    s->copied, s->latest, s->failed + s->not_done,
		    s->up_to_date);
	if (s->attested > 0)
		return xasprintf("%d attest step%s done, %d failed, %d up to "
		    "date", s->attested, s->attested == 1 ? "" : "s",
		    s->failed + s->not_done, s->up_to_date);
	return xasprintf("%d built, %d merged, %d latest moved, %d failed, "
	    "%d up to date", s->built, s->merged, s->latest,
	    s->failed + s->not_done, s->up_to_date);
}
