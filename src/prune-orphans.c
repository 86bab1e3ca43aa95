/* prune-orphans.c — GHCR package versions no tag reaches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "actions.h"
#include "config.h"
#include "core.h"
#include "ghcr-packages.h"
#include "jobs.h"
#include "model.h"
#include "plan.h"
#include "plan-int.h"
#include "prune-orphans.h"
#include "registry.h"
#include "repo-walk.h"
#include "util.h"

#define ORPHANS_INFLIGHT	8

/* An untagged version outside what the walk reached. */
struct orph_cand {
	const struct ghcr_version *v;
	int		 read;		/* its manifest was read */
	int		 failed;	/* ...could not be */
	int		 is_index;
	int		 placeholder;
	char		*subject;
	char		**children;
	size_t		 nchildren;
	int		 kept;
	const char	*why_kept;
};

struct orph {
	struct plan_ctx		*ctx;
	size_t			 ai;
	struct registry		*reg;
	char			*repo;
	char			*image;
	struct ghcr_op		*op;
	char			**kept;		/* the reached set, grown */
	size_t			 nkept;
	struct ghcr_versions	 vs;
	struct orph_cand	*c;
	size_t			 nc;
	size_t			 next;		/* next to read */
	size_t			 inflight;
	orphans_cb		 cb;
	void			*arg;
};

struct orph_read {
	struct orph	*o;
	size_t		 i;
};

static int
orph_is_kept(const struct orph *o, const char *d)
{
	size_t i;

	for (i = 0; d != NULL && i < o->nkept; i++)
		if (strcmp(o->kept[i], d) == 0)
			return 1;
	return 0;
}

static int
orph_keep(struct orph *o, const char *d)
{
	if (d == NULL || orph_is_kept(o, d))
		return 0;
	o->kept = xreallocarray(o->kept, o->nkept + 1, sizeof *o->kept);
	o->kept[o->nkept++] = xstrdup(d);
	return 1;
}

static void
orph_free(struct orph *o)
{
	size_t i, k;

	for (i = 0; i < o->nkept; i++)
		free(o->kept[i]);
	free(o->kept);
	for (i = 0; i < o->nc; i++) {
		free(o->c[i].subject);
		for (k = 0; k < o->c[i].nchildren; k++)
			free(o->c[i].children[k]);
		free(o->c[i].children);
	}
	free(o->c);
	ghcr_versions_clear(&o->vs);
	free(o->repo);
	free(o->image);
	free(o);
}

/* The end: nothing, or the orphans (artifacts first). */
static void
orph_end(struct orph *o, const struct orphan *list, size_t n)
{
	struct plan_ctx *ctx = o->ctx;

	o->cb(list, n, o->arg);
	orph_free(o);
	plan_read_done(ctx);
}

/* Whether a job of the app is queued or running in any process. */
static int
orph_jobs_active(struct orph *o, const char *app)
{
	size_t i, n = action_jobs_count(o->ctx->core);

	for (i = 0; i < n; i++) {
		const struct job *j = action_job(o->ctx->core, i);

		if (j != NULL && strcmp(j->app, app) == 0 &&
		    !job_state_final(j->state) &&
		    strcmp(j->arch, "prune") != 0)
			return 1;
	}
	return 0;
}

/* Notes: how many were kept for a reason, said once. */
static void
orph_note(struct orph *o, const char *why, const char *fmt)
{
	struct mt_app *a = &core_model_mut(o->ctx->core)->apps[o->ai];
	size_t i, n = 0;
	char *text;

	for (i = 0; i < o->nc; i++)
		if (o->c[i].kept && strcmp(o->c[i].why_kept, why) == 0)
			n++;
	if (n == 0)
		return;
	text = xasprintf("%s: %zu untagged manifest%s kept: ", o->image, n,
	    n == 1 ? "" : "s");
	plan_note(o->ctx->plan, PLAN_WITHHELD, a->cfg->name, NULL, "%s%s",
	    text, fmt);
	free(text);
}

/* Every read is done: decide. */
static void
orph_decide(struct orph *o)
{
	const struct config *cfg = core_config(o->ctx->core);
	struct mt_app *a = &core_model_mut(o->ctx->core)->apps[o->ai];
	struct plan_ctx *ctx = o->ctx;
	time_t now = time(NULL);
	long long min_age = (long long)cfg->retention.min_age_hours * 3600;
	struct orphan *list = NULL;
	size_t i, k, n = 0, pass;
	int changed, plain = !a->cfg->manifest, busy;
	char *age;

	busy = orph_jobs_active(o, a->cfg->name);
	/* Kept: what could not be read, indexes (with what they reach),
	 * what is too young or may be a job's output, artifacts of kept
	 * digests and subjects of kept artifacts; until nothing changes. */
	do {
		changed = 0;
		for (i = 0; i < o->nc; i++) {
			struct orph_cand *c = &o->c[i];
			const char *why = NULL;

			if (c->kept)
				goto keep;
			if (c->failed || !c->read)
				why = "unread";
			else if (c->is_index && !c->placeholder)
				why = "index";
			else if (orph_is_kept(o, c->v->digest))
				why = "reached";
			else if (c->subject != NULL &&
			    orph_is_kept(o, c->subject))
				why = "artifact";
			else if (plain && !c->placeholder)
				why = "plain";
			else if (busy)
				why = "busy";
			else if (c->v->updated == 0 ||
			    (long long)(now - c->v->updated) < min_age)
				why = "young";
			if (why == NULL)
				continue;
			c->kept = 1;
			c->why_kept = why;
keep:
			changed |= orph_keep(o, c->v->digest);
			changed |= orph_keep(o, c->subject);
			for (k = 0; k < c->nchildren; k++)
				changed |= orph_keep(o, c->children[k]);
		}
	} while (changed);

	orph_note(o, "index", "an index may have been published under a "
	    "version tag or latest (users pin those): it stays, with what "
	    "it reaches");
	orph_note(o, "artifact", "signatures, SBOMs or attestations of a "
	    "kept digest");
	orph_note(o, "unread", "could not be read in this run");
	orph_note(o, "plain", "this app publishes plain images under its "
	    "version tags");
	orph_note(o, "busy", "a job of this app is queued or running (its "
	    "image may not be tagged yet)");
	age = xasprintf("untagged for less than %d hours "
	    "(retention.min_age_hours)", cfg->retention.min_age_hours);
	orph_note(o, "young", age);
	free(age);

	/* Artifacts first, then what they hung on; oldest first. */
	for (pass = 0; pass < 2; pass++) {
		for (i = o->nc; i-- > 0;) {
			struct orph_cand *c = &o->c[i];
			struct orphan *d;

			if (c->kept || (pass == 0) != (c->subject != NULL))
				continue;
			list = xreallocarray(list, n + 1, sizeof *list);
			d = &list[n++];
			d->digest = c->v->digest;
			d->id = c->v->id;
			d->since = c->v->updated;
			if (c->placeholder)
				d->what = xstrdup("an untag placeholder");
			else if (c->subject != NULL)
				d->what = xasprintf("an artifact of %s, which "
				    "no kept tag reaches", c->subject);
			else
				d->what = xstrdup("an image no tag reaches");
		}
	}
	o->cb(list, n, o->arg);
	for (i = 0; i < n; i++)
		free(list[i].what);
	free(list);
	orph_free(o);
	plan_read_done(ctx);
}

static void	orph_pump(struct orph *);

/* A candidate's manifest was read. */
static void
orph_read_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct orph_read *rd = arg;
	struct orph *o = rd->o;
	struct orph_cand *c = &o->c[rd->i];

	(void)errmsg;
	free(rd);
	o->inflight--;
	c->read = 1;
	if (status != 0 || m == NULL)
		c->failed = 1;
	else {
		c->is_index = m->is_index;
		c->subject = walk_subject(m->body, m->len);
		if (m->is_index) {
			json_t *root = json_loadb(m->body, m->len, 0, NULL);

			c->nchildren = walk_index_entries(m->body, m->len,
			    NULL, &c->children, &c->placeholder);
			c->placeholder = json_array_size(json_object_get(root,
			    "manifests")) == 0 && json_string_value(
			    json_object_get(json_object_get(root,
			    "annotations"), "dev.mirrortop.untagged")) != NULL;
			json_decref(root);
		}
	}
	orph_pump(o);
}

static void
orph_pump(struct orph *o)
{
	while (o->next < o->nc && o->next < ORPHANS_MAX_READS &&
	    o->inflight < ORPHANS_INFLIGHT) {
		struct orph_read *rd = xcalloc(1, sizeof *rd);

		rd->o = o;
		rd->i = o->next++;
		o->inflight++;
		registry_get_manifest(o->reg, o->repo, o->c[rd->i].v->digest, 0,
		    orph_read_cb, rd);
	}
	if (o->inflight == 0 && (o->next >= o->nc ||
	    o->next >= ORPHANS_MAX_READS))
		orph_decide(o);
}

/* The versions are listed. */
static void
orph_listed(int status, const struct ghcr_versions *vs, const char *errmsg,
    void *arg)
{
	struct orph *o = arg;
	struct mt_app *a = &core_model_mut(o->ctx->core)->apps[o->ai];
	size_t i;

	o->op = NULL;
	if (status != 0) {
		plan_note(o->ctx->plan, PLAN_NOT_DONE, a->cfg->name, NULL,
		    "prune %s: untagged manifests: %s", a->cfg->name,
		    errmsg ? errmsg : "error");
		orph_end(o, NULL, 0);
		return;
	}
	/* Take the list over. */
	o->vs = *vs;
	((struct ghcr_versions *)vs)->v = NULL;
	((struct ghcr_versions *)vs)->n = 0;
	/* Tagged versions are reached too (whatever the tag list said). */
	for (i = 0; i < o->vs.n; i++)
		if (o->vs.v[i].ntags > 0)
			orph_keep(o, o->vs.v[i].digest);
	for (i = 0; i < o->vs.n; i++) {
		if (o->vs.v[i].ntags > 0 || orph_is_kept(o, o->vs.v[i].digest))
			continue;
		o->c = xreallocarray(o->c, o->nc + 1, sizeof *o->c);
		memset(&o->c[o->nc], 0, sizeof *o->c);
		o->c[o->nc++].v = &o->vs.v[i];
	}
	orph_pump(o);
}

void
prune_orphans_start(struct plan_ctx *ctx, size_t ai, char *const *reached,
    size_t nreached, orphans_cb cb, void *arg)
{
	const struct config *cfg = core_config(ctx->core);
	struct mt_app *a = &core_model_mut(ctx->core)->apps[ai];
	const struct target_config *t = config_app_target(cfg, a->cfg, 0);
	struct orph *o;
	const char *token;
	size_t i;

	ctx->pending++;
	o = xcalloc(1, sizeof *o);
	o->ctx = ctx;
	o->ai = ai;
	o->cb = cb;
	o->arg = arg;
	o->reg = core_app_registry(ctx->core, a);
	o->repo = xstrdup(a->repo);
	o->image = xstrdup(a->image);
	for (i = 0; i < nreached; i++)
		orph_keep(o, reached[i]);
	if (core_read_only(ctx->core)) {
		plan_note(ctx->plan, PLAN_WITHHELD, a->cfg->name, NULL,
		    "%s: untagged manifests are not looked for in read-only "
		    "mode (the GitHub Packages API needs a token)", a->image);
		orph_end(o, NULL, 0);
		return;
	}
	token = getenv(t->token_env != NULL ? t->token_env : "GITHUB_TOKEN");
	if (token == NULL || *token == '\0') {
		plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, NULL,
		    "prune %s: untagged manifests on %s: no token in $%s "
		    "(the GitHub Packages API needs read:packages and "
		    "delete:packages)", a->cfg->name, t->registry,
		    t->token_env != NULL ? t->token_env : "GITHUB_TOKEN");
		orph_end(o, NULL, 0);
		return;
	}
	o->op = ghcr_list_start(core_http(ctx->core), t->packages_api, token,
	    a->repo, orph_listed, o);
	if (o->op == NULL) {
		plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, NULL,
		    "prune %s: the GitHub Packages API at %s cannot be asked",
		    a->cfg->name, t->packages_api);
		orph_end(o, NULL, 0);
	}
}
