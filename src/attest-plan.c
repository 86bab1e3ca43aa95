/*
 * attest-plan.c — the attest configuration in the plans of other writes:
 * the attest steps after every merge (after_merge), and `latest` kept off
 * a version that lacks what latest_requires names.
 *
 * A merge's chain is contiguous in the plan: the merge, its attest steps
 * (each after the merge and the one before), then the latest move (after
 * the merge and the last attest step). The attest steps' argv is made
 * when every read of the plan is done (attest_plan_finish()), when it is
 * known whether the merge stays and what digest it writes.
 */
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "config.h"
#include "core.h"
#include "model.h"
#include "plan.h"
#include "plan-int.h"
#include "supply-chain.h"
#include "util.h"

unsigned
attest_supply_missing(const struct config *cfg, const struct mt_supply *s)
{
	unsigned need, missing = 0;
	size_t k;

	if (cfg->attest == NULL || (need = cfg->attest->latest_requires) == 0)
		return 0;
	for (k = 0; k < SC_NKINDS; k++)
		if ((need & SC_BIT(k)) && s->state[k] != SC_PRESENT)
			missing |= SC_BIT(k);
	return missing;
}

unsigned
attest_latest_missing(const struct config *cfg, const struct mt_version *v)
{
	return attest_supply_missing(cfg, &v->supply);
}

/* The withheld note of a latest move latest_requires stops. */
static void
attest_latest_note(struct plan *p, enum plan_note_kind kind,
    const char *app, const char *version, unsigned missing)
{
	char *what = attest_kinds_text(missing);

	plan_note(p, kind, app, version, "latest %s not moved onto %s: no %s "
	    "found on it (attest.latest_requires)", app, version, what);
	free(what);
}

void
attest_plan_latest(struct plan_ctx *ctx, size_t ai, struct mt_version *v,
    size_t dep, size_t last, unsigned claims)
{
	const struct config *cfg = core_config(ctx->core);
	const struct attest_config *at = cfg->attest;
	struct mt_app *a = &core_model_mut(ctx->core)->apps[ai];
	struct plan_step *s;
	unsigned missing;
	size_t n;

	if (at == NULL || at->latest_requires == 0 || !v->is_latest ||
	    strcmp(v->image_tag, "latest") == 0)
		return;
	if (dep == 0 && (v->digest == NULL || (a->latest_digest != NULL &&
	    strcmp(a->latest_digest, v->digest) == 0)))
		return;		/* already there */
	missing = attest_latest_missing(cfg, v) & ~claims;
	if (missing != 0) {
		attest_latest_note(ctx->plan, PLAN_WITHHELD, a->cfg->name,
		    v->version, missing);
		return;
	}
	n = plan_add(ctx, STEP_LATEST, ai, v);
	s = &ctx->plan->steps[n];
	s->src_ref = xstrdup(v->image_tag);
	s->requires = at->latest_requires;
	if (dep == 0)
		s->digest = xstrdup(v->digest);
	step_tag(s, "latest", a->latest_digest);
	if (dep > 0)
		step_after(s, dep);
	if (last > 0)
		step_after(s, last);
}

void
attest_plan_merge(struct plan_ctx *ctx, size_t ai, struct mt_version *v,
    size_t merge)
{
	const struct attest_config *at = core_config(ctx->core)->attest;
	struct plan *p = ctx->plan;
	struct plan_step *s;
	unsigned claims = 0;
	size_t k, n, prev = merge;

	if (at == NULL)
		return;
	for (k = 0; at->after_merge && k < at->nsteps; k++) {
		n = plan_add(ctx, STEP_ATTEST, ai, v);
		s = &p->steps[n];
		s->attest_step = k + 1;
		s->produces = at->steps[k].produces;
		claims |= s->produces;
		step_after(s, merge + 1);
		if (prev != merge)
			step_after(s, prev + 1);
		prev = n;
	}
	if (prev != merge)
		p->steps[prev].check = claims;
	attest_plan_latest(ctx, ai, v, merge + 1, prev != merge ? prev + 1 : 0,
	    claims);
}

/* The model's version a step names, or NULL. */
static struct mt_version *
attest_version_of(struct plan_ctx *ctx, const struct plan_step *s)
{
	struct mt_app *a = &core_model_mut(ctx->core)->apps[s->app];
	size_t i;

	for (i = 0; s->version != NULL && i < a->nversions; i++)
		if (strcmp(a->versions[i].version, s->version) == 0)
			return &a->versions[i];
	return NULL;
}

/* The placeholder of a digest the merge at (1-based) number m writes. */
static char *
attest_placeholder(size_t m)
{
	return xasprintf("<the output of step %zu>", m);
}

/* Step i (an attest step after merge m) gets its argv. 0 ok, -1 noted. */
static int
attest_plan_fill(struct plan_ctx *ctx, size_t i, size_t m)
{
	const struct config *cfg = core_config(ctx->core);
	struct plan_step *s = &ctx->plan->steps[i];
	const struct plan_step *ms = &ctx->plan->steps[m];
	struct mt_app *a = &core_model_mut(ctx->core)->apps[s->app];
	struct mt_version *v = attest_version_of(ctx, s), tmp;
	char *hold = NULL, *why = NULL;
	size_t j, num = 1;
	int r;

	if (v == NULL || cfg->attest == NULL ||
	    s->attest_step > cfg->attest->nsteps)
		return -1;
	for (j = 0; j < m; j++)
		num += !ctx->removed[j];
	tmp = *v;
	tmp.digest = ms->digest != NULL ? ms->digest :
	    (hold = attest_placeholder(num));
	r = attest_step_fill(s, cfg, a, &tmp, s->attest_step - 1, &why);
	if (hold != NULL) {
		free(s->digest);
		s->digest = NULL;
		free(hold);
	}
	if (r != 0) {
		plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, v->version,
		    "%s", why ? why : "attest steps cannot be made");
		free(why);
	}
	return r;
}

void
attest_plan_finish(struct plan_ctx *ctx)
{
	const struct config *cfg = core_config(ctx->core);
	struct plan *p = ctx->plan;
	size_t i, j, m;

	for (i = 0; i < p->nsteps; i++) {
		struct plan_step *s = &p->steps[i], *ms;
		struct mt_version *v;
		const struct mt_app *a;
		unsigned missing;

		if (ctx->removed[i] || s->nafter == 0 ||
		    !((s->kind == STEP_ATTEST && s->attest_step > 0) ||
		    (s->kind == STEP_LATEST && s->requires != 0)))
			continue;
		m = s->after[0] - 1;
		ms = &p->steps[m];
		if (ms->kind != STEP_MERGE)
			continue;
		if (!ctx->removed[m]) {
			if (s->kind == STEP_LATEST ||
			    attest_plan_fill(ctx, i, m) == 0)
				continue;
			/* The whole chain goes: attest steps and latest. */
			for (j = m + 1; j < p->nsteps; j++)
				if (p->steps[j].nafter > 0 &&
				    p->steps[j].after[0] == m + 1 &&
				    (p->steps[j].kind == STEP_ATTEST ||
				    p->steps[j].kind == STEP_LATEST))
					ctx->removed[j] = 1;
			continue;
		}
		ctx->removed[i] = 1;
		if (s->kind != STEP_LATEST || !ms->up_to_date)
			continue;
		/*
		 * The merge changes nothing: latest may still move onto the
		 * version as it is, if it has what latest_requires names
		 * (the attest steps went with the merge).
		 */
		a = &core_model(ctx->core)->apps[s->app];
		v = attest_version_of(ctx, s);
		if (v == NULL || ms->old == NULL || ms->old[0] == NULL ||
		    (a->latest_digest != NULL &&
		    strcmp(a->latest_digest, ms->old[0]) == 0))
			continue;
		if ((missing = attest_latest_missing(cfg, v)) != 0) {
			attest_latest_note(p, PLAN_WITHHELD, s->app_name,
			    s->version, missing);
			continue;
		}
		ctx->removed[i] = 0;
		s->digest = xstrdup(ms->old[0]);
		s->nafter = 0;
	}
}
