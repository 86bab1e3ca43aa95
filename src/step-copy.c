/*
 * step-copy.c — the copy step: which versions a mirror target lacks (from
 * the model's per-target states, no registry read), and how the step
 * reads in a plan. apply.c runs it with copy.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "core.h"
#include "model.h"
#include "plan.h"
#include "plan-int.h"
#include "util.h"

/* "copy APP VERSION ghcr -> hub: PUT IMAGE:TAG and latest = DIGEST" */
void
copy_step_text(const struct plan_step *s, struct buf *b)
{
	size_t i;

	buf_printf(b, "copy %s %s %s -> %s: PUT ", s->app_name, s->version,
	    s->from, s->target);
	for (i = 0; i < s->ntags; i++) {
		if (i == 0)
			buf_printf(b, "%s:%s", s->image, s->tags[i]);
		else
			buf_printf(b, " and %s", s->tags[i]);
	}
	buf_printf(b, " = %s", s->digest);
	buf_printf(b, "\n     from %s:%s with every manifest and blob it "
	    "references and its signature, attestation and SBOM tags "
	    "(what %s has is not sent again)", s->src_image, s->src_ref,
	    s->target);
	for (i = 0; i < s->ntags; i++) {
		if (s->old[i] == NULL)
			buf_printf(b, "\n     %s now: absent", s->tags[i]);
		else if (strcmp(s->tags[i], "latest") == 0)
			buf_printf(b, "\n     %s now: %s", s->tags[i],
			    s->old[i]);
		else
			buf_printf(b, "\n     %s now: %s, another digest: "
			    "overwritten with %s (--force)", s->tags[i],
			    s->old[i], s->digest);
	}
}

void
copy_step_json(const struct plan_step *s, json_t *o)
{
	json_object_set_new(o, "from", json_string(s->from));
	char *src = xasprintf("%s:%s", s->src_image, s->src_ref);

	json_object_set_new(o, "source", json_string(src));
	free(src);
	json_object_set_new(o, "digest", json_string(s->digest));
	json_object_set_new(o, "force", json_boolean(s->force));
}

/* The app's target named name: its index (0: the primary), or -1. */
static long
copy_target_index(const struct mt_app *a, const char *name)
{
	size_t k;

	for (k = 0; k < a->ntargets; k++)
		if (a->targets[k].cfg != NULL &&
		    strcmp(a->targets[k].cfg->name, name) == 0)
			return (long)k;
	return -1;
}

/* The copy of v to the app's target k, if it lacks something. */
static void
copy_plan_target(struct plan_ctx *ctx, size_t ai, struct mt_version *v,
    size_t k, int sync)
{
	struct mt_app *a = &core_model_mut(ctx->core)->apps[ai];
	struct plan *p = ctx->plan;
	const struct mt_target *t = &a->targets[k];
	const struct mt_target_version *tv = k < v->ntargets ?
	    &v->targets[k] : NULL;
	const char *name = t->cfg->name;
	int tag_ok, latest_too, latest_ok;
	struct plan_step *s;
	size_t n;

	if (t->unknown || tv == NULL) {
		plan_note(p, PLAN_NOT_DONE, a->cfg->name, v->version, "copy %s "
		    "%s to %s: %s could not be checked", a->cfg->name,
		    v->version, name, name);
		return;
	}
	tag_ok = tv->digest != NULL && strcmp(tv->digest, v->digest) == 0;
	/* latest follows the primary's where the primary's is this one */
	latest_too = a->latest_digest != NULL && strcmp(a->latest_digest,
	    v->digest) == 0 && strcmp(v->image_tag, "latest") != 0;
	latest_ok = !latest_too || (t->latest_digest != NULL &&
	    strcmp(t->latest_digest, v->digest) == 0);
	if (tag_ok && latest_ok) {
		if (!sync)
			plan_note(p, PLAN_UP_TO_DATE, a->cfg->name, v->version,
			    "%s %s is up to date on %s (%s:%s is %s)",
			    a->cfg->name, v->version, name, t->image,
			    v->image_tag, v->digest);
		return;
	}
	if (!tag_ok && tv->digest != NULL && !ctx->req.force) {
		/* Users pin digests on every registry. */
		plan_note(p, PLAN_WITHHELD, a->cfg->name, v->version, "copy %s "
		    "%s to %s: %s:%s is %s there, %s on %s (differs); "
		    "--force overwrites it", a->cfg->name, v->version, name,
		    t->image, v->image_tag, tv->digest, v->digest,
		    a->targets[0].cfg->name);
		return;
	}
	n = plan_add(ctx, STEP_COPY, ai, v);
	s = &p->steps[n];
	free(s->image);
	free(s->repo);
	free(s->target);
	s->image = xstrdup(t->image);
	s->repo = xstrdup(t->repo);
	s->target = xstrdup(name);
	s->from = xstrdup(a->targets[0].cfg->name);
	s->src_image = xstrdup(a->targets[0].image);
	s->src_repo = xstrdup(a->targets[0].repo);
	s->src_ref = xstrdup(v->image_tag);
	s->digest = xstrdup(v->digest);
	s->copy_to = k;
	s->force = ctx->req.force;
	if (!tag_ok)
		step_tag(s, v->image_tag, tv->digest);
	if (!latest_ok)
		step_tag(s, "latest", t->latest_digest);
}

void
copy_plan_version(struct plan_ctx *ctx, size_t ai, struct mt_version *v,
    int sync)
{
	struct mt_app *a = &core_model_mut(ctx->core)->apps[ai];
	const char *only = ctx->req.target;
	long k = -1;
	size_t i;

	if (only != NULL && (k = copy_target_index(a, only)) <= 0) {
		plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, v->version,
		    k == 0 ? "copy %s %s: %s is the app's primary target; "
		    "copies go from it to the others" : "copy %s %s: %s is "
		    "not one of the app's targets", a->cfg->name, v->version,
		    only);
		return;
	}
	if (a->ntargets < 2) {
		if (!sync)
			plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name,
			    v->version, "copy %s %s: the app has one target; "
			    "there is nothing to copy to", a->cfg->name,
			    v->version);
		return;
	}
	if (v->state != VERSION_COMPLETE || v->digest == NULL ||
	    !a->cfg->manifest) {
		if (!sync)
			plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name,
			    v->version, "copy %s %s: %s", a->cfg->name,
			    v->version, !a->cfg->manifest ? "the app uses "
			    "per-arch tags (manifest: false); copies are of "
			    "a version's index" : "it is not complete on the "
			    "primary target");
		return;
	}
	for (i = 1; i < a->ntargets; i++)
		if (only == NULL || (long)i == k)
			copy_plan_target(ctx, ai, v, i, sync);
}
