/*
 * prune.c — the plan of what `prune` removes.
 *
 * Staging tags of a complete version whose digest is an entry of the
 * version's index: the image lives on in the index, only the tag goes
 * (registry-delete.c removes it without deleting the image). Each app's
 * repository is walked (repo-walk.c) for its tags; a staging tag that
 * names anything else is kept and said so. Removals are chained (one that
 * fails stops the rest) and capped at retention.max_deletions per run;
 * each app's removals end with a verify step that walks the repository
 * again, down to every index entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "actions-int.h"
#include "config.h"
#include "core.h"
#include "model.h"
#include "plan.h"
#include "plan-int.h"
#include "registry-dockerhub.h"
#include "repo-walk.h"
#include "util.h"

/* A staging tag to remove. */
struct prune_cand {
	size_t	 ai;
	char	*version;
	char	*arch;
	char	*tag;
	char	*digest;
	char	*keep_tag;
	char	*keep_digest;
	int	 placeholder;
};

struct prune_app {
	size_t			 ai;
	int			 done;		/* walked */
	struct prune_cand	*cands;
	size_t			 ncands;
};

struct prune_state {
	struct prune_app	*apps;
	size_t			 napps;
};

struct prune_read {
	struct plan_ctx	*ctx;
	size_t		 app;		/* index in prune_state */
};

/* ---- text and JSON of the steps ---- */

void
prune_untag_text(const struct plan_step *s, struct buf *b)
{
	buf_printf(b, "untag %s %s: remove %s:%s", s->app_name,
	    s->version ? s->version : "", s->image, s->tags[0]);
	buf_printf(b, "\n     %s now: %s", s->tags[0], s->old[0] ? s->old[0] :
	    "absent");
	if (s->placeholder)
		buf_printf(b, "\n     the placeholder an interrupted prune "
		    "left (deleted by its digest)");
	else if (s->keep_tag != NULL)
		buf_printf(b, "\n     the image stays: the %s entry of %s:%s "
		    "(%s)", s->arch ? s->arch : "?", s->image, s->keep_tag,
		    s->keep_digest);
}

void
prune_untag_json(const struct plan_step *s, json_t *o)
{
	json_object_set_new(o, "arch", s->arch ? json_string(s->arch) :
	    json_null());
	json_object_set_new(o, "digest", s->old[0] ? json_string(s->old[0]) :
	    json_null());
	json_object_set_new(o, "placeholder", json_boolean(s->placeholder));
	if (s->keep_tag != NULL)
		json_object_set_new(o, "kept_by", json_pack("{s:s, s:s}",
		    "tag", s->keep_tag, "digest", s->keep_digest));
	else
		json_object_set_new(o, "kept_by", json_null());
}

void
prune_verify_text(const struct plan_step *s, struct buf *b)
{
	buf_printf(b, "verify %s: every tag of %s still resolves, down to "
	    "each index's entries", s->app_name, s->image);
}

void
prune_verify_json(const struct plan_step *s, json_t *o)
{
	json_object_set_new(o, "repository", json_string(s->repo));
}

/* ---- planning ---- */

static struct prune_state *
prune_state(struct plan_ctx *ctx)
{
	if (ctx->prune == NULL)
		ctx->prune = xcalloc(1, sizeof(struct prune_state));
	return ctx->prune;
}

/* Whether tag is one a user pulls: latest, latest-*, a version's tag. */
static int
prune_protected(const struct mt_app *a, const char *tag)
{
	size_t i;

	if (strcmp(tag, "latest") == 0 || strncmp(tag, "latest-", 7) == 0)
		return 1;
	for (i = 0; i < a->nversions; i++)
		if (a->versions[i].image_tag != NULL &&
		    strcmp(a->versions[i].image_tag, tag) == 0)
			return 1;
	return 0;
}

/* The app's repository is walked: find its merged staging tags. */
static void
prune_walked(int status, const struct walk_result *res, const char *errmsg,
    void *arg)
{
	struct prune_read *rd = arg;
	struct plan_ctx *ctx = rd->ctx;
	struct prune_state *ps = ctx->prune;
	struct prune_app *pa = &ps->apps[rd->app];
	struct mt_app *a = &core_model_mut(ctx->core)->apps[pa->ai];
	size_t vi, j;

	free(rd);
	pa->done = 1;
	if (status != 0) {
		plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, NULL,
		    "prune %s: %s", a->cfg->name, errmsg ? errmsg : "error");
		plan_read_done(ctx);
		return;
	}
	/* Oldest first: they have waited longest. */
	for (vi = a->nversions; vi-- > 0;) {
		struct mt_version *v = &a->versions[vi];
		const struct walk_tag *idx;

		if (v->state != VERSION_COMPLETE || v->image_tag == NULL)
			continue;
		idx = walk_find(res, v->image_tag);
		if (idx == NULL || idx->digest == NULL || !idx->is_index)
			continue;
		for (j = 0; j < a->cfg->narchs; j++) {
			const struct walk_tag *st;
			struct prune_cand *c;
			char *tag = actions_staging_tag_of(ctx->core, a, v,
			    a->cfg->archs[j]);

			if (tag == NULL || prune_protected(a, tag) ||
			    (st = walk_find(res, tag)) == NULL ||
			    st->digest == NULL) {
				free(tag);
				continue;
			}
			if (!walk_has_child(idx, st->digest) &&
			    !st->placeholder) {
				plan_note(ctx->plan, PLAN_WITHHELD,
				    a->cfg->name, v->version, "%s:%s is kept: "
				    "%s is not an entry of %s:%s", a->image,
				    tag, st->digest, a->image, v->image_tag);
				free(tag);
				continue;
			}
			pa->cands = xreallocarray(pa->cands, pa->ncands + 1,
			    sizeof *pa->cands);
			c = &pa->cands[pa->ncands++];
			c->ai = pa->ai;
			c->version = xstrdup(v->version);
			c->arch = xstrdup(a->cfg->archs[j]);
			c->tag = tag;
			c->digest = xstrdup(st->digest);
			c->keep_tag = xstrdup(v->image_tag);
			c->keep_digest = xstrdup(idx->digest);
			c->placeholder = st->placeholder;
		}
	}
	plan_read_done(ctx);
}

/*
 * Registries whose tags cannot be removed through the distribution API:
 * GHCR (no DELETE at all: the GitHub Packages API deletes versions) and
 * Docker Hub (its Hub API deletes tags). NULL: the distribution API.
 */
static const char *
prune_unsupported(const char *host)
{
	if (strcasecmp(host, "ghcr.io") == 0)
		return "removing tags on ghcr.io needs the GitHub Packages API, "
		    "which prune does not use yet";
	if (registry_dockerhub_is_hub(host))
		return "removing tags on Docker Hub needs its Hub API, which "
		    "prune does not use yet";
	return NULL;
}

void
prune_plan_app(struct plan_ctx *ctx, size_t ai)
{
	struct prune_state *ps = prune_state(ctx);
	struct mt_app *a = &core_model_mut(ctx->core)->apps[ai];
	struct prune_read *rd;
	const char *why = prune_unsupported(config_app_target(
	    core_config(ctx->core), a->cfg, 0)->registry);

	if (why != NULL) {
		plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, NULL,
		    "prune %s: %s", a->cfg->name, why);
		return;
	}

	ps->apps = xreallocarray(ps->apps, ps->napps + 1, sizeof *ps->apps);
	memset(&ps->apps[ps->napps], 0, sizeof *ps->apps);
	ps->apps[ps->napps].ai = ai;
	rd = xcalloc(1, sizeof *rd);
	rd->ctx = ctx;
	rd->app = ps->napps++;
	ctx->pending++;
	/* The app's primary target: where its staging tags are. */
	repo_walk_start(core_app_registry(ctx->core, a), a->repo, 0,
	    prune_walked, rd);
}

static void
prune_cand_clear(struct prune_cand *c)
{
	free(c->version);
	free(c->arch);
	free(c->tag);
	free(c->digest);
	free(c->keep_tag);
	free(c->keep_digest);
}

/* Every walk is done: the steps, in the model's order, within the cap. */
void
prune_plan_finish(struct plan_ctx *ctx)
{
	struct prune_state *ps = ctx->prune;
	struct plan *p = ctx->plan;
	const struct config *cfg = core_config(ctx->core);
	struct mt_model *m = core_model_mut(ctx->core);
	size_t i, k, n, prev = 0, planned = 0, left = 0;
	size_t cap = (size_t)cfg->retention.max_deletions;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->napps; i++) {
		struct prune_app *pa = &ps->apps[i];
		const struct mt_app *a = &m->apps[pa->ai];
		size_t here = 0;

		for (k = 0; k < pa->ncands; k++) {
			struct prune_cand *c = &pa->cands[k];
			struct mt_version *v = NULL;
			struct plan_step *s;

			for (n = 0; n < a->nversions; n++)
				if (strcmp(a->versions[n].version,
				    c->version) == 0)
					v = &a->versions[n];
			if (planned >= cap) {
				left++;
				continue;
			}
			n = plan_add(ctx, STEP_UNTAG, pa->ai, v);
			s = &p->steps[n];
			s->arch = xstrdup(c->arch);
			step_tag(s, c->tag, c->digest);
			s->keep_tag = xstrdup(c->keep_tag);
			s->keep_digest = xstrdup(c->keep_digest);
			s->placeholder = c->placeholder;
			/* One removal that fails stops the rest. */
			if (prev > 0)
				step_after(s, prev);
			prev = n + 1;
			planned++;
			here++;
		}
		if (here > 0) {
			/* A repository left broken stops the next app's. */
			prev = plan_add(ctx, STEP_VERIFY, pa->ai, NULL) + 1;
		}
		else if (pa->done && pa->ncands == 0)
			plan_note(p, PLAN_UP_TO_DATE, a->cfg->name, NULL,
			    "%s: nothing to prune", a->cfg->name);
		for (k = 0; k < pa->ncands; k++)
			prune_cand_clear(&pa->cands[k]);
		free(pa->cands);
	}
	if (cfg->retention.keep_versions > 0)
		plan_note(p, PLAN_WITHHELD, NULL, NULL, "retention.keep_versions "
		    "is %d: removing the versions outside the newest is not "
		    "done by this version of prune", cfg->retention.keep_versions);
	if (left > 0)
		plan_note(p, PLAN_WITHHELD, NULL, NULL, "%zu more removal%s "
		    "left for the next run (retention.max_deletions is %zu)",
		    left, left == 1 ? "" : "s", cap);
	free(ps->apps);
	free(ps);
	ctx->prune = NULL;
}
