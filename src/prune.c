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
#include "prune-orphans.h"
#include "registry-dockerhub.h"
#include "supply-chain.h"
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

/* A manifest no tag reaches, to delete (prune-orphans.h). */
struct prune_del {
	char		*digest;
	long long	 id;
	long long	 since;
	char		*what;
};

struct prune_app {
	size_t			 ai;
	int			 done;		/* walked */
	struct prune_cand	*cands;
	size_t			 ncands;
	struct prune_del	*dels;
	size_t			 ndels;
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

void
prune_delete_text(const struct plan_step *s, struct buf *b)
{
	char when[32];

	buf_printf(b, "delete %s: %s@%s", s->app_name, s->image, s->digest);
	buf_printf(b, "\n     %s", s->delete_what ? s->delete_what : "");
	if (s->untagged_since > 0) {
		time_iso8601((time_t)s->untagged_since, when, sizeof when);
		buf_printf(b, "; untagged since %s", when);
	}
	if (s->pkg_id > 0)
		buf_printf(b, "; package version %lld", s->pkg_id);
}

void
prune_delete_json(const struct plan_step *s, json_t *o)
{
	char when[32];

	json_object_set_new(o, "digest", json_string(s->digest));
	json_object_set_new(o, "what", json_string(s->delete_what ?
	    s->delete_what : ""));
	json_object_set_new(o, "package_version", s->pkg_id > 0 ?
	    json_integer((json_int_t)s->pkg_id) : json_null());
	if (s->untagged_since > 0) {
		time_iso8601((time_t)s->untagged_since, when, sizeof when);
		json_object_set_new(o, "untagged_since", json_string(when));
	} else
		json_object_set_new(o, "untagged_since", json_null());
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

/* The orphans of an app are found. */
static void
prune_orphans_found(const struct orphan *list, size_t n, void *arg)
{
	struct prune_read *rd = arg;
	struct prune_app *pa = &((struct prune_state *)rd->ctx->prune)->
	    apps[rd->app];
	size_t i;

	free(rd);
	for (i = 0; i < n; i++) {
		struct prune_del *d;

		pa->dels = xreallocarray(pa->dels, pa->ndels + 1,
		    sizeof *pa->dels);
		d = &pa->dels[pa->ndels++];
		d->digest = xstrdup(list[i].digest);
		d->id = list[i].id;
		d->since = (long long)list[i].since;
		d->what = xstrdup(list[i].what);
	}
}

/* What the walk reached: every tag's digest, index entry, artifact
 * subject (caller frees each and the array). */
static size_t
prune_reached(const struct walk_result *res, char ***out)
{
	char **v = NULL, subject[80];
	size_t i, k, n = 0;

	for (i = 0; i < res->ntags; i++) {
		const struct walk_tag *t = &res->tags[i];
		const char *add[3];

		add[0] = t->digest;
		add[1] = t->subject;
		add[2] = sc_artifact_tag(t->tag, subject, NULL) ? subject :
		    NULL;
		for (k = 0; k < 3; k++) {
			if (add[k] == NULL)
				continue;
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = xstrdup(add[k]);
		}
		for (k = 0; k < t->nchildren; k++) {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = xstrdup(t->children[k]);
		}
	}
	*out = v;
	return n;
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
	/* On GHCR: the package versions no tag reaches. */
	if (config_app_target(core_config(ctx->core), a->cfg, 0)->
	    packages_api != NULL) {
		struct prune_read *ord = xcalloc(1, sizeof *ord);
		char **reached;
		size_t nreached = prune_reached(res, &reached);

		ord->ctx = ctx;
		ord->app = (size_t)(pa - ps->apps);
		prune_orphans_start(ctx, pa->ai, reached, nreached,
		    prune_orphans_found, ord);
		for (j = 0; j < nreached; j++)
			free(reached[j]);
		free(reached);
	}
	plan_read_done(ctx);
}

/*
 * Registries whose tags cannot be removed through the distribution API
 * and whose own API prune does not use: Docker Hub (its Hub API deletes
 * tags). GHCR goes through the GitHub Packages API (packages_api). NULL:
 * supported.
 */
static const char *
prune_unsupported(const char *host)
{
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

	if (why == NULL && strcasecmp(config_app_target(core_config(
	    ctx->core), a->cfg, 0)->registry, "ghcr.io") == 0 &&
	    config_app_target(core_config(ctx->core), a->cfg, 0)->
	    packages_api == NULL)
		why = "ghcr.io deletes through the GitHub Packages API "
		    "(packages_api)";

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
		for (k = 0; k < pa->ndels; k++) {
			struct prune_del *d = &pa->dels[k];
			struct plan_step *s;

			if (planned >= cap) {
				left++;
				continue;
			}
			n = plan_add(ctx, STEP_DELETE, pa->ai, NULL);
			s = &p->steps[n];
			s->digest = xstrdup(d->digest);
			s->pkg_id = d->id;
			s->untagged_since = d->since;
			s->delete_what = xstrdup(d->what);
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
		else if (pa->done && pa->ncands == 0 && pa->ndels == 0)
			plan_note(p, PLAN_UP_TO_DATE, a->cfg->name, NULL,
			    "%s: nothing to prune", a->cfg->name);
		for (k = 0; k < pa->ncands; k++)
			prune_cand_clear(&pa->cands[k]);
		free(pa->cands);
		for (k = 0; k < pa->ndels; k++) {
			free(pa->dels[k].digest);
			free(pa->dels[k].what);
		}
		free(pa->dels);
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
