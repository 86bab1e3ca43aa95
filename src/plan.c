/* plan.c — compute a plan (ordered steps) from the model; no side effect. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "actions-int.h"
#include "attest.h"
#include "config.h"
#include "core.h"
#include "jobs.h"
#include "merge.h"
#include "model.h"
#include "plan.h"
#include "plan-int.h"
#include "registry.h"
#include "util.h"

#define PLAN_TEXT_MAX	(16 * 1024 * 1024)

/* ------------------------------------------------------------------ */
/* Step kinds: name, detail lines, JSON fields. */

struct step_kind_ops {
	const char	*name;
	/* The step's first line after "N. " and its detail lines. */
	void		 (*text)(const struct plan_step *, struct buf *);
	/* Add the kind's fields to the step's JSON object. */
	void		 (*json)(const struct plan_step *, json_t *);
};

static void	build_text(const struct plan_step *, struct buf *);
static void	build_json(const struct plan_step *, json_t *);
static void	merge_text(const struct plan_step *, struct buf *);
static void	merge_json(const struct plan_step *, json_t *);
static void	latest_text(const struct plan_step *, struct buf *);
static void	latest_json(const struct plan_step *, json_t *);

static const struct step_kind_ops step_kinds[STEP_NKINDS] = {
	[STEP_BUILD] = { .name = "build", .text = build_text,
	    .json = build_json },
	[STEP_MERGE] = { .name = "merge", .text = merge_text,
	    .json = merge_json },
	[STEP_LATEST] = { .name = "latest", .text = latest_text,
	    .json = latest_json },
	[STEP_UNTAG] = { .name = "untag", .text = prune_untag_text,
	    .json = prune_untag_json },
	[STEP_VERIFY] = { .name = "verify", .text = prune_verify_text,
	    .json = prune_verify_json },
	[STEP_ATTEST] = { .name = "attest", .text = attest_step_text,
	    .json = attest_step_json },
	[STEP_COPY] = { .name = "copy", .text = copy_step_text,
	    .json = copy_step_json },
	[STEP_DELETE] = { .name = "delete", .text = prune_delete_text,
	    .json = prune_delete_json },
};

const char *
plan_kind_name(enum step_kind k)
{
	return k < STEP_NKINDS ? step_kinds[k].name : "?";
}

struct registry *
plan_step_registry(struct core *core, const struct plan_step *s)
{
	const struct mt_model *m = core_model(core);

	if (s->app < m->napps && s->kind == STEP_COPY &&
	    s->copy_to < m->apps[s->app].cfg->ntargets)
		return core_target_registry(core,
		    m->apps[s->app].cfg->targets[s->copy_to]);
	if (s->app < m->napps)
		return core_app_registry(core, &m->apps[s->app]);
	return core_registry(core);
}

/* "IMAGE:TAG, IMAGE:TAG2" */
static void
tags_text(const struct plan_step *s, struct buf *b)
{
	size_t i;

	for (i = 0; i < s->ntags; i++) {
		if (i == 0)
			buf_printf(b, "%s:%s", s->image, s->tags[i]);
		else
			buf_printf(b, " and %s", s->tags[i]);
	}
}

/* "  was: TAG sha256:... / absent" lines: the premises. */
static void
premise_text(const struct plan_step *s, struct buf *b)
{
	size_t i;

	for (i = 0; i < s->ntags; i++) {
		if (s->old_step != NULL && s->old_step[i] > 0)
			buf_printf(b, "\n     %s then: the output of step %zu",
			    s->tags[i], s->old_step[i]);
		else
			buf_printf(b, "\n     %s now: %s", s->tags[i],
			    s->old[i] ? s->old[i] : "absent");
	}
}

static void
build_text(const struct plan_step *s, struct buf *b)
{
	char *line;

	buf_printf(b, "build %s %s %s -> %s", s->app_name, s->version, s->arch,
	    s->staging_ref);
	if (s->argv != NULL) {
		line = jobs_argv_line(s->argv);
		buf_printf(b, "\n     run: %s", line);
		free(line);
	} else if (s->dispatch != NULL)
		buf_printf(b, "\n     %s", s->dispatch);
	if (s->ntags > 0 && s->old[0] != NULL)
		buf_printf(b, "\n     replaces %s:%s (%s)", s->image, s->tags[0],
		    s->old[0]);
}

static void
build_json(const struct plan_step *s, json_t *o)
{
	json_t *a;
	size_t i;

	json_object_set_new(o, "arch", json_string(s->arch));
	json_object_set_new(o, "ref", json_string(s->staging_ref));
	if (s->argv != NULL) {
		a = json_array();
		for (i = 0; s->argv[i] != NULL; i++)
			json_array_append_new(a, json_string(s->argv[i]));
		json_object_set_new(o, "argv", a);
	}
	if (s->dispatch != NULL)
		json_object_set_new(o, "dispatch", json_string(s->dispatch));
}

static void
merge_text(const struct plan_step *s, struct buf *b)
{
	size_t i;

	buf_printf(b, "merge %s %s: PUT ", s->app_name, s->version);
	tags_text(s, b);
	for (i = 0; i < s->nsources; i++) {
		const struct plan_source *src = &s->sources[i];

		if (src->step > 0)
			buf_printf(b, "\n     %s: the output of step %zu (%s:%s)",
			    src->arch, src->step, s->image, src->ref);
		else if (src->active)
			buf_printf(b, "\n     %s: the output of the job already "
			    "running (%s:%s)", src->arch, s->image, src->ref);
		else if (src->current && src->digest != NULL)
			buf_printf(b, "\n     %s: %s (in the current index)",
			    src->arch, src->digest);
		else if (src->digest == NULL && src->current)
			buf_printf(b, "\n     %s: its child in the current index",
			    src->arch);
		else if (src->digest == NULL)
			buf_printf(b, "\n     %s: %s:%s (staged)", src->arch,
			    s->image, src->ref);
		else
			buf_printf(b, "\n     %s: %s:%s (%s)", src->arch,
			    s->image, src->ref, src->digest);
	}
	premise_text(s, b);
	if (s->digest != NULL)
		buf_printf(b, "\n     new digest: %s", s->digest);
	for (i = 0; i < s->nchanges; i++)
		buf_printf(b, "\n     %s", s->changes[i]);
	if (s->body != NULL)
		buf_printf(b, "\n     index: %.*s", (int)s->len, s->body);
	else
		buf_printf(b, "\n     index: made when the builds are done");
}

static void
merge_json(const struct plan_step *s, json_t *o)
{
	json_t *src = json_object(), *idx, *ch;
	json_error_t jerr;
	size_t i;

	for (i = 0; i < s->nsources; i++) {
		const struct plan_source *p = &s->sources[i];
		char *v;

		if (p->step > 0)
			v = xasprintf("output of step %zu", p->step);
		else if (p->active)
			v = xstrdup("output of the running job");
		else if (p->current)
			v = xstrdup(p->digest ? p->digest : "current index");
		else
			v = xasprintf("%s:%s", s->image, p->ref);
		json_object_set_new(src, p->arch, json_string(v));
		free(v);
	}
	json_object_set_new(o, "sources", src);
	idx = s->body ? json_loadb(s->body, s->len, 0, &jerr) : NULL;
	json_object_set_new(o, "index", idx ? idx : json_null());
	json_object_set_new(o, "digest", s->digest ? json_string(s->digest) :
	    json_null());
	ch = json_array();
	for (i = 0; i < s->nchanges; i++)
		json_array_append_new(ch, json_string(s->changes[i]));
	json_object_set_new(o, "changes", ch);
}

static void
latest_text(const struct plan_step *s, struct buf *b)
{
	buf_printf(b, "latest %s: PUT ", s->app_name);
	tags_text(s, b);
	if (s->after != NULL && s->nafter > 0 && s->body == NULL &&
	    s->digest == NULL)
		buf_printf(b, " = %s:%s (%s, the output of step %zu)",
		    s->image, s->src_ref, s->version, s->after[0]);
	else
		buf_printf(b, " = %s:%s (%s, %s)", s->image, s->src_ref,
		    s->version, s->digest ? s->digest : "?");
	premise_text(s, b);
	if (s->requires != 0) {
		char *what = attest_kinds_text(s->requires);

		buf_printf(b, "\n     first: discovery must find %s on it "
		    "(attest.latest_requires)", what);
		free(what);
	}
}

static void
latest_json(const struct plan_step *s, json_t *o)
{
	json_object_set_new(o, "from", json_string(s->src_ref));
	json_object_set_new(o, "digest", s->digest ? json_string(s->digest) :
	    json_null());
	if (s->requires != 0)
		json_object_set_new(o, "requires", attest_kinds_json(
		    s->requires));
}

/* ------------------------------------------------------------------ */
/* The plan object. */

static void
strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
step_clear(struct plan_step *s)
{
	size_t i;

	free(s->app_name);
	free(s->version);
	free(s->arch);
	free(s->image);
	free(s->repo);
	free(s->target);
	strv_free(s->tags, s->ntags);
	strv_free(s->old, s->ntags);
	free(s->old_step);
	if (s->argv != NULL) {
		for (i = 0; s->argv[i] != NULL; i++)
			free(s->argv[i]);
		free(s->argv);
	}
	free(s->dispatch);
	free(s->staging_ref);
	free(s->body);
	free(s->media_type);
	free(s->digest);
	free(s->src_ref);
	for (i = 0; i < s->nsources; i++) {
		free(s->sources[i].arch);
		free(s->sources[i].ref);
		free(s->sources[i].digest);
	}
	free(s->sources);
	strv_free(s->changes, s->nchanges);
	free(s->keep_tag);
	free(s->keep_digest);
	free(s->delete_what);
	free(s->after);
	free(s->attest_name);
	free(s->from);
	free(s->src_image);
	free(s->src_repo);
}

void
plan_free(struct plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsteps; i++)
		step_clear(&p->steps[i]);
	free(p->steps);
	for (i = 0; i < p->nnotes; i++) {
		free(p->notes[i].app);
		free(p->notes[i].version);
		free(p->notes[i].why);
	}
	free(p->notes);
	free(p);
}

size_t
plan_count(const struct plan *p, enum plan_note_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < p->nnotes; i++)
		if (p->notes[i].kind == k)
			n++;
	return n;
}

/* Add a note. */
void
plan_note(struct plan *p, enum plan_note_kind k, const char *app,
    const char *version, const char *fmt, ...)
{
	struct plan_note *n;
	va_list ap;
	char *raw;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	raw = xmalloc((size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(raw, (size_t)len + 1, fmt, ap);
	va_end(ap);
	p->notes = xreallocarray(p->notes, p->nnotes + 1, sizeof *p->notes);
	n = &p->notes[p->nnotes++];
	n->kind = k;
	n->app = xstrdup(app);
	n->version = xstrdup(version);
	n->why = str_oneline(raw, 2048);
	free(raw);
}

/* A new step (zeroed) for app a; returns its index. */
static size_t
plan_add_raw(struct plan *p, enum step_kind k, struct core *core, size_t ai,
    const struct mt_version *v)
{
	const struct mt_app *a = &core_model(core)->apps[ai];
	struct plan_step *s;

	p->steps = xreallocarray(p->steps, p->nsteps + 1, sizeof *p->steps);
	s = &p->steps[p->nsteps];
	memset(s, 0, sizeof *s);
	s->kind = k;
	s->app = ai;
	s->app_name = xstrdup(a->cfg->name);
	s->version = xstrdup(v ? v->version : NULL);
	s->image = xstrdup(a->image);
	s->repo = xstrdup(a->repo);
	s->target = xstrdup(core_config(core)->registry);
	return p->nsteps++;
}

/* Add a tag written by step s, with its digest as planned. */
void
step_tag(struct plan_step *s, const char *tag, const char *old)
{
	s->tags = xreallocarray(s->tags, s->ntags + 1, sizeof *s->tags);
	s->old = xreallocarray(s->old, s->ntags + 1, sizeof *s->old);
	s->tags[s->ntags] = xstrdup(tag);
	s->old[s->ntags++] = xstrdup(old);
}

/* Step s needs the output of step n (1-based). */
void
step_after(struct plan_step *s, size_t n)
{
	size_t i;

	for (i = 0; i < s->nafter; i++)
		if (s->after[i] == n)
			return;
	s->after = xreallocarray(s->after, s->nafter + 1, sizeof *s->after);
	s->after[s->nafter++] = n;
}

/* ------------------------------------------------------------------ */
/* Making a plan: the model first, then registry reads. */

struct plan_ctx;

/* One registry read a step waits for. */
struct plan_read {
	struct plan_ctx	*ctx;
	size_t		 step;		/* index */
	struct merge_op	*mop;
	size_t		 tag;		/* latest: the tag HEADed */
	int		 forced;	/* merge: --force */
	int		 complete;	/* merge: the version was complete */
	int		 explicit;	/* merge: asked for by name */
	int		 latest_too;	/* merge: the version is the semantic
					 * latest and latest is not there */
	char		*latest_old;
};


/* A new step; its removal mark starts cleared. Returns its index. */
size_t
plan_add(struct plan_ctx *ctx, enum step_kind k, size_t ai,
    const struct mt_version *v)
{
	size_t n = plan_add_raw(ctx->plan, k, ctx->core, ai, v);

	ctx->removed = xreallocarray(ctx->removed, n + 1,
	    sizeof *ctx->removed);
	ctx->removed[n] = 0;
	ctx->nremoved = n + 1;
	return n;
}

/* Whether arch is one the request narrows to (or no narrowing). */
static int
plan_arch_wanted(const struct plan_request *r, const char *arch)
{
	size_t i;

	if (r->narchs == 0)
		return 1;
	for (i = 0; i < r->narchs; i++)
		if (strcmp(r->archs[i], arch) == 0)
			return 1;
	return 0;
}

/* Index of the configured arch, or -1. */
static int
plan_arch_index(const struct mt_app *a, const char *arch)
{
	size_t i;

	for (i = 0; i < a->cfg->narchs; i++)
		if (strcmp(a->cfg->archs[i], arch) == 0)
			return (int)i;
	return -1;
}

/* "latest-amd64" for arch (slashes made dashes). Caller frees. */
static char *
plan_latest_arch_tag(const char *arch)
{
	char *t = xasprintf("latest-%s", arch), *p;

	for (p = t; *p != '\0'; p++)
		if (*p == '/')
			*p = '-';
	return t;
}


/* A merge was resolved: bytes, sources, and what it changes. */
static void
plan_merge_resolved(int status, const struct merge_result *r,
    const char *errmsg, void *arg)
{
	struct plan_read *rd = arg;
	struct plan_ctx *ctx = rd->ctx;
	struct plan *p = ctx->plan;
	struct plan_step *s = &p->steps[rd->step];
	json_error_t jerr;
	json_t *cur = NULL, *new = NULL, *e;
	size_t i, j, k;
	int same_children = 1;

	if (status != 0) {
		plan_note(p, PLAN_NOT_DONE, s->app_name, s->version, "%s",
		    errmsg ? errmsg : "merge cannot be planned");
		ctx->removed[rd->step] = 1;
		goto out;
	}
	for (i = 0; i < r->narchs; i++) {
		struct plan_source *src = NULL;

		for (j = 0; j < s->nsources; j++)
			if (strcmp(s->sources[j].arch, r->archs[i]) == 0)
				src = &s->sources[j];
		if (src == NULL || src->step > 0)
			continue;
		free(src->digest);
		src->digest = xstrdup(r->child_digests[i]);
		free(src->ref);
		src->ref = xstrdup(r->sources[i]);
		src->current = r->from_current[i];
		if (!src->current)
			same_children = 0;
	}
	/* Premise: the version's tag as it is now. */
	free(s->old[0]);
	s->old[0] = xstrdup(r->current_digest);
	if (r->current_digest != NULL && strcmp(r->current_digest,
	    r->digest) == 0)
		same_children = 1;
	if (rd->complete && same_children && !rd->forced) {
		/* Up to date: every arch is the published child. */
		if (rd->latest_too && r->current_digest != NULL) {
			/* Only latest moves: same bytes, from the tag. */
			size_t n = plan_add(ctx, STEP_LATEST, s->app, NULL);

			s = &p->steps[rd->step];
			p->steps[n].version = xstrdup(s->version);
			p->steps[n].src_ref = xstrdup(s->tags[0]);
			p->steps[n].digest = xstrdup(r->current_digest);
			p->steps[n].body = xmalloc(r->current_len + 1);
			memcpy(p->steps[n].body, r->current_body,
			    r->current_len);
			p->steps[n].body[r->current_len] = '\0';
			p->steps[n].len = r->current_len;
			step_tag(&p->steps[n], "latest", rd->latest_old);
			/* the media type of the tag: from its body */
			cur = json_loadb(r->current_body, r->current_len, 0,
			    &jerr);
			p->steps[n].media_type = xstrdup(json_string_value(
			    json_object_get(cur, "mediaType")));
			if (p->steps[n].media_type == NULL)
				p->steps[n].media_type = xstrdup(
				    MT_MEDIA_OCI_INDEX);
			json_decref(cur);
			cur = NULL;
		}
		plan_note(p, PLAN_UP_TO_DATE, s->app_name, s->version,
		    "%s %s is up to date (%s:%s is %s)", s->app_name,
		    s->version, s->image, s->tags[0], r->current_digest ?
		    r->current_digest : "?");
		s->up_to_date = 1;
		ctx->removed[rd->step] = 1;
		goto out;
	}
	s->body = xmalloc(r->len + 1);
	memcpy(s->body, r->body, r->len);
	s->body[r->len] = '\0';
	s->len = r->len;
	s->media_type = xstrdup(r->media_type);
	s->digest = xstrdup(r->digest);
	if (r->current_digest != NULL && strcmp(r->current_digest,
	    r->digest) == 0 && !rd->latest_too) {
		plan_note(p, PLAN_UP_TO_DATE, s->app_name, s->version,
		    "%s %s is up to date (%s:%s is %s)", s->app_name,
		    s->version, s->image, s->tags[0], r->digest);
		s->up_to_date = 1;
		ctx->removed[rd->step] = 1;
		goto out;
	}
	/* What a published index loses and gains. */
	if (r->current_body != NULL) {
		json_t *ca, *na;

		cur = json_loadb(r->current_body, r->current_len, 0, &jerr);
		new = json_loadb(r->body, r->len, 0, &jerr);
		ca = json_object_get(cur, "manifests");
		na = json_object_get(new, "manifests");
		for (k = 0; k < 2; k++) {
			json_t *from = k == 0 ? ca : na, *to = k == 0 ? na : ca;

			json_array_foreach(from, i, e) {
				const char *d = json_string_value(
				    json_object_get(e, "digest"));
				json_t *pl = json_object_get(e, "platform");
				const char *rt = json_string_value(
				    json_object_get(json_object_get(e,
				    "annotations"),
				    "vnd.docker.reference.type"));
				json_t *f;
				size_t m;
				char *what;

				if (d == NULL)
					continue;
				json_array_foreach(to, m, f) {
					const char *d2 = json_string_value(
					    json_object_get(f, "digest"));

					if (d2 != NULL && strcmp(d, d2) == 0)
						break;
				}
				if (m < json_array_size(to))
					continue;
				if (rt != NULL)
					what = xasprintf("%s", rt);
				else
					what = xasprintf("%s/%s%s%s",
					    json_string_value(json_object_get(pl,
					    "os")) ? json_string_value(
					    json_object_get(pl, "os")) : "?",
					    json_string_value(json_object_get(pl,
					    "architecture")) ? json_string_value(
					    json_object_get(pl, "architecture")) :
					    "?",
					    json_object_get(pl, "variant") ? "/" :
					    "", json_string_value(json_object_get(
					    pl, "variant")) ? json_string_value(
					    json_object_get(pl, "variant")) : "");
				s->changes = xreallocarray(s->changes,
				    s->nchanges + 1, sizeof *s->changes);
				s->changes[s->nchanges++] = xasprintf("%s: %s %s",
				    k == 0 ? "drops" : "adds", what, d);
				free(what);
			}
		}
		if (rd->complete || s->nchanges > 0) {
			int drops = 0;

			for (i = 0; i < s->nchanges; i++)
				if (strncmp(s->changes[i], "drops", 5) == 0)
					drops = 1;
			if ((rd->complete || drops) && !rd->forced) {
				plan_note(p, PLAN_WITHHELD, s->app_name,
				    s->version, "%s %s: merging would change "
				    "the published digest of %s:%s from %s to "
				    "%s%s; --force rewrites it", s->app_name,
				    s->version, s->image, s->tags[0],
				    r->current_digest, r->digest, drops ?
				    " and drop entries" : "");
				ctx->removed[rd->step] = 1;
				goto out;
			}
		}
	}
out:
	json_decref(cur);
	json_decref(new);
	rd->mop = NULL;
	plan_read_done(ctx);
	free(rd->latest_old);
	free(rd);
}

/* A latest move's source was read: its bytes and digest. */
static void
plan_latest_src_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg);

/* A latest move's destination was read: the premise. */
static void
plan_latest_dst_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct plan_read *rd = arg;
	struct plan_ctx *ctx = rd->ctx;
	struct plan_step *s = &ctx->plan->steps[rd->step];

	if (status < 0) {
		plan_note(ctx->plan, PLAN_NOT_DONE, s->app_name, s->version,
		    "latest %s: cannot read %s:%s: %s", s->app_name, s->image,
		    s->tags[0], errmsg ? errmsg : "error");
		ctx->removed[rd->step] = 1;
	} else {
		free(s->old[0]);
		s->old[0] = status == 0 ? xstrdup(m->digest) : NULL;
		if (s->digest != NULL && s->old[0] != NULL &&
		    strcmp(s->digest, s->old[0]) == 0) {
			plan_note(ctx->plan, PLAN_UP_TO_DATE, s->app_name,
			    s->version, "%s already points at %s (%s)",
			    s->tags[0], s->version, s->digest);
			ctx->removed[rd->step] = 1;
		}
	}
	plan_read_done(ctx);
	free(rd);
}

static void
plan_latest_src_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct plan_read *rd = arg;
	struct plan_ctx *ctx = rd->ctx;
	struct plan_step *s = &ctx->plan->steps[rd->step];

	if (status != 0) {
		plan_note(ctx->plan, PLAN_NOT_DONE, s->app_name, s->version,
		    "latest %s: no image at %s:%s%s%s", s->app_name, s->image,
		    s->src_ref, status < 0 ? ": " : "",
		    status < 0 && errmsg ? errmsg : "");
		ctx->removed[rd->step] = 1;
		plan_read_done(ctx);
		free(rd);
		return;
	}
	s->body = xmalloc(m->len + 1);
	memcpy(s->body, m->body, m->len);
	s->body[m->len] = '\0';
	s->len = m->len;
	s->media_type = xstrdup(m->media_type);
	s->digest = xstrdup(m->digest);
	registry_head_manifest(plan_step_registry(ctx->core, s), s->repo,
	    s->tags[0],
	    plan_latest_dst_cb, rd);
}

/* The build steps of one version; returns how many archs stay missing. */
static int
plan_builds(struct plan_ctx *ctx, size_t ai, struct mt_version *v,
    size_t *built, int *active, int *busy)
{
	struct core *core = ctx->core;
	struct mt_app *a = &core_model_mut(core)->apps[ai];
	struct plan *p = ctx->plan;
	const struct plan_request *r = &ctx->req;
	int explicit = r->what == PLAN_REQ_BUILD && r->narchs > 0;
	int missing = 0;
	size_t i, n;
	char *cause = NULL;

	*busy = 0;
	if (a->cfg->builder == NULL) {
		/* A watched app: nothing of it is built here. */
		for (i = 0; i < a->cfg->narchs; i++)
			if (v->archs[i] == ARCH_MISSING)
				missing++;
		if (missing > 0)
			plan_note(p, r->what == PLAN_REQ_SYNC ? PLAN_WITHHELD :
			    PLAN_NOT_DONE, a->cfg->name, v->version, "%s %s: "
			    "not built, no builder is configured",
			    a->cfg->name, v->version);
		return missing;
	}
	for (i = 0; i < a->cfg->narchs; i++) {
		const char *ar = a->cfg->archs[i];
		struct plan_step *s;
		char **argv, *dispatch, *ref, *st;
		enum actions_busy b;

		built[i] = 0;
		active[i] = 0;
		if (!plan_arch_wanted(r, ar) || (v->archs[i] != ARCH_MISSING &&
		    !(explicit && r->force))) {
			if (v->archs[i] == ARCH_MISSING)
				missing++;
			else if (explicit && plan_arch_wanted(r, ar))
				plan_note(p, PLAN_UP_TO_DATE, a->cfg->name,
				    v->version, "%s %s: %s is already %s",
				    a->cfg->name, v->version, ar,
				    arch_state_name(v->archs[i]));
			continue;
		}
		b = actions_arch_busy(core, a, v, ar);
		if (b == ACTIONS_ACTIVE) {
			/* This process builds it: a merge waits for it. */
			active[i] = 1;
			plan_note(p, PLAN_WITHHELD, a->cfg->name, v->version,
			    "%s %s %s is already being built here",
			    a->cfg->name, v->version, ar);
			continue;
		}
		if (b != ACTIONS_FREE) {
			*busy = 1;
			plan_note(p, b == ACTIONS_ELSEWHERE &&
			    r->what == PLAN_REQ_BUILD ? PLAN_NOT_DONE :
			    PLAN_WITHHELD, a->cfg->name, v->version,
			    "%s %s %s is already being built%s", a->cfg->name,
			    v->version, ar, b == ACTIONS_ELSEWHERE ?
			    " (a job is queued or running in another "
			    "mirrortop process)" : "");
			continue;
		}
		if (actions_build_what(core, a, v, ar, &argv, &dispatch, &ref,
		    &cause) != 0) {
			plan_note(p, PLAN_NOT_DONE, a->cfg->name, v->version,
			    "%s", cause);
			free(cause);
			cause = NULL;
			missing++;
			continue;
		}
		n = plan_add(ctx, STEP_BUILD, ai, v);
		s = &p->steps[n];
		s->arch = xstrdup(ar);
		s->argv = argv;
		s->dispatch = dispatch;
		s->staging_ref = ref;
		/* Premise: the staging tag is still absent (a forced
		 * rebuild of an arch that is there states none). */
		if (v->archs[i] == ARCH_MISSING) {
			st = actions_staging_tag_of(core, a, v, ar);
			step_tag(s, st, NULL);
			free(st);
		}
		built[i] = n + 1;
	}
	return missing;
}

/* Plan one version: builds, then its merge (or the plugin's latest). */
static void
plan_version(struct plan_ctx *ctx, size_t ai, struct mt_version *v)
{
	struct core *core = ctx->core;
	struct mt_app *a = &core_model_mut(core)->apps[ai];
	struct plan *p = ctx->plan;
	const struct plan_request *r = &ctx->req;
	size_t built[CONFIG_MAX_ARCHS], i, n, nbuilt = 0;
	int active[CONFIG_MAX_ARCHS];
	int missing = 0, busy = 0;
	int gated = core_config(core)->attest != NULL &&
	    core_config(core)->attest->latest_requires != 0;

	memset(built, 0, sizeof built);
	memset(active, 0, sizeof active);
	if (r->what != PLAN_REQ_MERGE)
		missing = plan_builds(ctx, ai, v, built, active, &busy);
	else
		for (i = 0; i < a->cfg->narchs; i++)
			if (v->archs[i] == ARCH_MISSING)
				missing++;
	for (i = 0; i < a->cfg->narchs; i++)
		if (built[i] || active[i])
			nbuilt++;
	if (busy) {
		/* The process building an arch merges the version. */
		return;
	}
	/* build --arch (the dashboard's a) of archs already there: the
	 * notes say so; nothing else was asked for. */
	if (r->what == PLAN_REQ_BUILD && r->narchs > 0 && nbuilt == 0)
		return;
	if (missing > 0) {
		if (r->what == PLAN_REQ_MERGE) {
			for (i = 0; i < a->cfg->narchs; i++) {
				char *st;

				if (v->archs[i] != ARCH_MISSING)
					continue;
				st = actions_staging_tag_of(core, a, v,
				    a->cfg->archs[i]);
				plan_note(p, PLAN_NOT_DONE, a->cfg->name,
				    v->version, "merge %s %s: %s is missing "
				    "(no image at %s:%s)", a->cfg->name,
				    v->version, a->cfg->archs[i], a->image,
				    st ? st : "?");
				free(st);
			}
		} else if (nbuilt > 0 || r->narchs > 0)
			plan_note(p, PLAN_WITHHELD, a->cfg->name, v->version,
			    "%s %s: not merged, %d arch%s still missing",
			    a->cfg->name, v->version, missing,
			    missing > 1 ? "s are" : " is");
		return;
	}
	if (!a->cfg->manifest) {
		if (r->what == PLAN_REQ_MERGE)
			plan_note(p, PLAN_NOT_DONE, a->cfg->name, v->version,
			    "merge %s %s: the app uses per-arch tags "
			    "(manifest: false); there is no index to merge",
			    a->cfg->name, v->version);
		return;
	}
	if (v->state == VERSION_COMPLETE && nbuilt == 0 &&
	    r->what == PLAN_REQ_SYNC && !r->force) {
		if (!(v->is_latest && a->latest_drift))
			return;		/* counted by the caller */
	}
	n = plan_add(ctx, STEP_MERGE, ai, v);
	{
		struct plan_step *s = &p->steps[n];
		struct plan_read *rd;
		struct merge_spec ms;
		char *staging[CONFIG_MAX_ARCHS];
		const char *digests[CONFIG_MAX_ARCHS];
		int prefer[CONFIG_MAX_ARCHS];
		char *cause = NULL;
		size_t k = 0;

		step_tag(s, v->image_tag, v->digest);
		/* latest_requires: latest moves in a step of its own, after
		 * the attest steps (attest-plan.c) */
		if (v->is_latest && strcmp(v->image_tag, "latest") != 0 &&
		    !gated)
			step_tag(s, "latest", a->latest_digest);
		s->sources = xcalloc(a->cfg->narchs, sizeof *s->sources);
		s->nsources = a->cfg->narchs;
		for (i = 0; i < a->cfg->narchs; i++) {
			struct plan_source *src = &s->sources[i];

			src->arch = xstrdup(a->cfg->archs[i]);
			src->ref = actions_staging_tag_of(core, a, v,
			    a->cfg->archs[i]);
			if (built[i]) {
				src->step = built[i];
				step_after(s, built[i]);
			} else if (active[i])
				src->active = 1;
			else
				src->current = v->archs[i] == ARCH_PRESENT &&
				    !r->force;
		}
		if (nbuilt > 0) {
			/* made when the builds are done */
			attest_plan_merge(ctx, ai, v, n);
			return;
		}
		/* Every child is known: resolve the exact bytes now. */
		memset(&ms, 0, sizeof ms);
		for (i = 0; i < a->cfg->narchs; i++) {
			staging[k] = s->sources[i].ref;
			digests[k] = actions_recorded_digest(core, a->cfg->name,
			    v->version, a->cfg->archs[i]);
			prefer[k] = v->archs[i] == ARCH_PRESENT && !r->force;
			if (prefer[k])
				digests[k] = NULL;
			k++;
		}
		ms.app = a->cfg->name;
		ms.version = v->version;
		ms.image = a->image;
		ms.repo = a->repo;
		ms.image_tag = v->image_tag;
		ms.archs = a->cfg->archs;
		ms.narchs = a->cfg->narchs;
		ms.digests = digests;
		ms.staging_tags = (const char *const *)staging;
		ms.prefer_current = prefer;
		rd = xcalloc(1, sizeof *rd);
		rd->ctx = ctx;
		rd->step = n;
		rd->forced = r->force;
		rd->complete = v->state == VERSION_COMPLETE;
		rd->explicit = r->what != PLAN_REQ_SYNC;
		rd->latest_too = !gated && v->is_latest &&
		    (a->latest_digest == NULL ||
		    v->digest == NULL || strcmp(a->latest_digest,
		    v->digest) != 0);
		rd->latest_old = xstrdup(a->latest_digest);
		ctx->pending++;
		rd->mop = merge_resolve(core_app_registry(core, a), &ms,
		    plan_merge_resolved, rd, &cause);
		if (rd->mop == NULL && cause != NULL) {
			plan_note(p, PLAN_NOT_DONE, a->cfg->name, v->version,
			    "%s", cause);
			free(cause);
			ctx->removed[n] = 1;
			ctx->pending--;
			free(rd->latest_old);
			free(rd);
			return;
		}
		attest_plan_merge(ctx, ai, v, n);
	}
}

/* A latest move's destination was read (the source is an earlier
 * step's output): the premise only. */
static void
plan_latest_old_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct plan_read *rd = arg;
	struct plan_ctx *ctx = rd->ctx;
	struct plan_step *s = &ctx->plan->steps[rd->step];

	if (status < 0) {
		plan_note(ctx->plan, PLAN_NOT_DONE, s->app_name, s->version,
		    "latest %s: cannot read %s:%s: %s", s->app_name, s->image,
		    s->tags[0], errmsg ? errmsg : "error");
		ctx->removed[rd->step] = 1;
	} else {
		free(s->old[0]);
		s->old[0] = status == 0 ? xstrdup(m->digest) : NULL;
	}
	plan_read_done(ctx);
	free(rd);
}

/*
 * The highest release of a that is complete now (builds NULL), or once
 * the build steps from first on are done.
 */
static struct mt_version *
plan_highest_complete(struct plan_ctx *ctx, struct mt_app *a,
    size_t first, int with_builds)
{
	struct plan *p = ctx->plan;
	size_t i, j, n;

	for (i = 0; i < a->nversions; i++) {
		struct mt_version *v = &a->versions[i];
		int complete = 1;

		if (v->prerelease)
			continue;
		for (j = 0; j < a->cfg->narchs && complete; j++) {
			int built = 0;

			for (n = first; with_builds && n < p->nsteps; n++)
				if (p->steps[n].kind == STEP_BUILD &&
				    strcmp(p->steps[n].version, v->version) == 0 &&
				    strcmp(p->steps[n].arch, a->cfg->archs[j]) == 0)
					built = 1;
			if (v->archs[j] == ARCH_MISSING && !built)
				complete = 0;
		}
		if (complete)
			return v;
	}
	return NULL;
}

/* latest-{arch} of a to version v (after the builds of v when planned). */
static void
plan_plugin_move(struct plan_ctx *ctx, size_t ai, struct mt_version *v,
    size_t first)
{
	struct core *core = ctx->core;
	struct mt_app *a = &core_model_mut(core)->apps[ai];
	struct plan *p = ctx->plan;
	unsigned missing;
	size_t j, n;

	if ((missing = attest_latest_missing(core_config(core), v)) != 0) {
		char *what = attest_kinds_text(missing);

		plan_note(p, PLAN_WITHHELD, a->cfg->name, v->version,
		    "latest-{arch} of %s not moved onto %s: no %s found on it "
		    "(attest.latest_requires)", a->cfg->name, v->version, what);
		free(what);
		return;
	}
	for (j = 0; j < a->cfg->narchs; j++) {
		struct plan_step *s;
		struct plan_read *rd;
		char *tag = plan_latest_arch_tag(a->cfg->archs[j]);
		size_t dep = 0;

		for (n = first; n < p->nsteps; n++)
			if (p->steps[n].kind == STEP_BUILD &&
			    strcmp(p->steps[n].version, v->version) == 0 &&
			    strcmp(p->steps[n].arch, a->cfg->archs[j]) == 0)
				dep = n + 1;
		n = plan_add(ctx, STEP_LATEST, ai, v);
		s = &p->steps[n];
		s->arch = xstrdup(a->cfg->archs[j]);
		s->src_ref = actions_staging_tag_of(core, a, v,
		    a->cfg->archs[j]);
		step_tag(s, tag, NULL);
		free(tag);
		if (s->src_ref == NULL) {
			ctx->removed[n] = 1;
			continue;
		}
		rd = xcalloc(1, sizeof *rd);
		rd->ctx = ctx;
		rd->step = n;
		ctx->pending++;
		if (dep > 0) {
			step_after(s, dep);
			registry_head_manifest(plan_step_registry(core, s), s->repo,
			    s->tags[0], plan_latest_old_cb, rd);
		} else
			registry_get_manifest(plan_step_registry(core, s), s->repo,
			    s->src_ref, 0, plan_latest_src_cb, rd);
	}
}

/* Whether the planned builds (from first on) include v's arch j. */
static int
plan_builds_arch(struct plan_ctx *ctx, size_t first,
    const struct mt_version *v, const char *arch)
{
	struct plan *p = ctx->plan;
	size_t n;

	for (n = first; n < p->nsteps; n++)
		if (p->steps[n].kind == STEP_BUILD &&
		    strcmp(p->steps[n].version, v->version) == 0 &&
		    strcmp(p->steps[n].arch, arch) == 0)
			return 1;
	return 0;
}

/*
 * The plugin scheme (manifest: false): latest-{arch} of the highest
 * release that is complete now, then of each higher release the planned
 * builds make complete, lowest first, each after its builds. When a
 * release's builds fail, latest-{arch} stay on the highest one that is
 * complete.
 */
static void
plan_plugin_latest(struct plan_ctx *ctx, size_t ai, size_t first)
{
	struct mt_app *a = &core_model_mut(ctx->core)->apps[ai];
	struct mt_version *now, *after;
	size_t i, j, stop;

	now = plan_highest_complete(ctx, a, first, 0);
	after = plan_highest_complete(ctx, a, first, 1);
	if (now != NULL)
		plan_plugin_move(ctx, ai, now, first);
	/* Versions are highest first: walk up from below now. */
	stop = a->nversions;
	for (i = 0; now != NULL && i < a->nversions; i++)
		if (&a->versions[i] == now)
			stop = i;
	for (i = stop; after != NULL && after != now && i-- > 0;) {
		struct mt_version *v = &a->versions[i];
		int complete = 1, built = 0;

		if (v->prerelease)
			continue;
		for (j = 0; j < a->cfg->narchs; j++) {
			int b = plan_builds_arch(ctx, first, v,
			    a->cfg->archs[j]);

			built |= b;
			if (v->archs[j] == ARCH_MISSING && !b)
				complete = 0;
		}
		if (complete && built)
			plan_plugin_move(ctx, ai, v, first);
		if (v == after)
			break;
	}
	if (now == NULL && after == NULL && ctx->req.what == PLAN_REQ_LATEST)
		plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, NULL,
		    "latest %s: no complete version to point at",
		    a->cfg->name);
}

/*
 * A latest move after another of the same tag in the plan: its premise is
 * what the one before writes (or, when that one is left out as up to
 * date, what it found).
 */
static void
plan_chain_latest(struct plan_ctx *ctx)
{
	struct plan *p = ctx->plan;
	size_t i, j;

	for (i = 0; i < p->nsteps; i++) {
		struct plan_step *b = &p->steps[i];

		if (b->kind != STEP_LATEST || ctx->removed[i] || b->ntags == 0)
			continue;
		for (j = i; j-- > 0;) {
			struct plan_step *a = &p->steps[j];

			if (a->kind != STEP_LATEST || a->app != b->app ||
			    a->ntags == 0 || strcmp(a->tags[0], b->tags[0]) != 0)
				continue;
			free(b->old[0]);
			b->old[0] = xstrdup(ctx->removed[j] ? a->old[0] :
			    a->digest);
			if (!ctx->removed[j] && a->digest == NULL) {
				/* a's source is the output of a build */
				b->old_step = xcalloc(b->ntags,
				    sizeof *b->old_step);
				b->old_step[0] = j + 1;
			}
			break;
		}
	}
}

/* A drifting latest with nothing else planned for its version. */
static void
plan_drift_latest(struct plan_ctx *ctx, size_t ai)
{
	struct core *core = ctx->core;
	struct mt_app *a = &core_model_mut(core)->apps[ai];
	struct plan *p = ctx->plan;
	struct mt_version *v = NULL;
	struct plan_step *s;
	struct plan_read *rd;
	unsigned missing;
	size_t i, n;

	for (i = 0; i < a->nversions; i++)
		if (a->versions[i].is_latest)
			v = &a->versions[i];
	if (v == NULL) {
		if (ctx->req.what == PLAN_REQ_LATEST)
			plan_note(p, PLAN_NOT_DONE, a->cfg->name, NULL,
			    "latest %s: no upstream latest version to point "
			    "at", a->cfg->name);
		return;
	}
	if (v->state != VERSION_COMPLETE) {
		if (ctx->req.what == PLAN_REQ_LATEST)
			plan_note(p, PLAN_NOT_DONE, a->cfg->name, v->version,
			    "latest %s: %s is not complete", a->cfg->name,
			    v->version);
		return;
	}
	/* A merge of it already moves latest. */
	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].app == ai && p->steps[i].kind == STEP_MERGE &&
		    strcmp(p->steps[i].version, v->version) == 0)
			return;
	if (!a->latest_drift && a->latest_digest != NULL && v->digest != NULL &&
	    strcmp(a->latest_digest, v->digest) == 0) {
		plan_note(p, PLAN_UP_TO_DATE, a->cfg->name, v->version,
		    "latest already points at %s", v->version);
		return;
	}
	if ((missing = attest_latest_missing(core_config(core), v)) != 0) {
		char *what = attest_kinds_text(missing);

		plan_note(p, ctx->req.what == PLAN_REQ_LATEST ? PLAN_NOT_DONE :
		    PLAN_WITHHELD, a->cfg->name, v->version, "latest %s not "
		    "moved onto %s: no %s found on it "
		    "(attest.latest_requires)", a->cfg->name, v->version, what);
		free(what);
		return;
	}
	n = plan_add(ctx, STEP_LATEST, ai, v);
	s = &p->steps[n];
	s->src_ref = xstrdup(v->image_tag);
	if (core_config(core)->attest != NULL)
		s->requires = core_config(core)->attest->latest_requires;
	step_tag(s, "latest", a->latest_digest);
	rd = xcalloc(1, sizeof *rd);
	rd->ctx = ctx;
	rd->step = n;
	ctx->pending++;
	registry_get_manifest(plan_step_registry(core, s), s->repo, s->src_ref, 0,
	    plan_latest_src_cb, rd);
}

/* Drop removed steps, renumbering the references. */
static void
plan_compact(struct plan_ctx *ctx)
{
	struct plan *p = ctx->plan;
	size_t *map, i, j, k, out = 0;

	map = xcalloc(p->nsteps + 1, sizeof *map);
	for (i = 0; i < p->nsteps; i++) {
		if (i < ctx->nremoved && ctx->removed[i]) {
			step_clear(&p->steps[i]);
			continue;
		}
		map[i + 1] = ++out;
		if (out - 1 != i)
			p->steps[out - 1] = p->steps[i];
	}
	p->nsteps = out;
	for (i = 0; i < p->nsteps; i++) {
		struct plan_step *s = &p->steps[i];

		for (j = k = 0; j < s->nafter; j++)
			if (map[s->after[j]] != 0)
				s->after[k++] = map[s->after[j]];
		s->nafter = k;
		for (j = 0; j < s->nsources; j++)
			s->sources[j].step = map[s->sources[j].step];
		for (j = 0; s->old_step != NULL && j < s->ntags; j++)
			s->old_step[j] = map[s->old_step[j]];
	}
	free(map);
}

/* One read finished; when all are, hand the plan over. */
void
plan_read_done(struct plan_ctx *ctx)
{
	if (--ctx->pending > 0)
		return;
	if (ctx->req.what == PLAN_REQ_PRUNE) {
		/* the removals, in the model's order, within the cap */
		prune_plan_finish(ctx);
	}
	attest_plan_finish(ctx);
	plan_chain_latest(ctx);
	plan_compact(ctx);
	ctx->cb(0, ctx->plan, NULL, ctx->arg);
	free(ctx->removed);
	free(ctx);
}

/* Whether the request asks for version v of app a. */
static int
plan_wanted(const struct plan_request *req, const struct mt_app *a,
    const struct mt_version *v)
{
	size_t i;

	if (req->ntargets > 0) {
		for (i = 0; i < req->ntargets; i++)
			if (strcmp(req->targets[i].app, a->cfg->name) == 0 &&
			    strcmp(req->targets[i].version, v->version) == 0)
				return 1;
		return 0;
	}
	return req->version == NULL || strcmp(v->version, req->version) == 0 ||
	    (v->tag != NULL && strcmp(v->tag, req->version) == 0);
}

/*
 * attest APP VERSION: one step per configured attest step, each after the
 * one before; the last one checks what they all claim.
 */
static void
plan_attest(struct plan_ctx *ctx, size_t ai, struct mt_version *v)
{
	const struct config *cfg = core_config(ctx->core);
	struct mt_app *a = &core_model_mut(ctx->core)->apps[ai];
	unsigned claims = 0;
	size_t k, n, prev = 0, first = ctx->plan->nsteps;
	char *why = NULL;

	if (cfg->attest == NULL || cfg->attest->nsteps == 0) {
		plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, v->version,
		    "no attest steps are configured (\"attest\" in the "
		    "configuration)");
		return;
	}
	if (v->digest == NULL || v->state != VERSION_COMPLETE) {
		plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, v->version,
		    "%s %s is not published complete: nothing to attest yet",
		    a->cfg->name, v->version);
		return;
	}
	for (k = 0; k < cfg->attest->nsteps; k++) {
		n = plan_add(ctx, STEP_ATTEST, ai, v);
		if (attest_step_fill(&ctx->plan->steps[n], cfg, a, v, k,
		    &why) != 0) {
			for (k = first; k <= n; k++)
				ctx->removed[k] = 1;
			plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name,
			    v->version, "%s", why);
			free(why);
			return;
		}
		claims |= ctx->plan->steps[n].produces;
		if (k > 0)
			step_after(&ctx->plan->steps[n], prev + 1);
		prev = n;
	}
	ctx->plan->steps[prev].check = claims;
	/* latest_requires: the version may now be where latest goes */
	attest_plan_latest(ctx, ai, v, 0, prev + 1, claims);
}

/* Whether app a is one the request is about. */
static int
plan_app_wanted(const struct plan_request *req, const struct mt_app *a)
{
	size_t k;

	if (req->ntargets > 0) {
		for (k = 0; k < req->ntargets; k++)
			if (strcmp(req->targets[k].app, a->cfg->name) == 0)
				return 1;
		return 0;
	}
	for (k = 0; k < req->napps; k++)
		if (strcmp(req->apps[k], a->cfg->name) == 0)
			return 1;
	return req->napps == 0;
}

/* Make a plan. */
int
plan_make(struct core *core, const struct plan_request *req, plan_cb cb,
    void *arg, char **cause)
{
	struct mt_model *m = core_model_mut(core);
	struct plan_ctx *ctx;
	size_t ai, k, vi, first;

	for (k = 0; k < req->napps; k++) {
		for (ai = 0; ai < m->napps; ai++)
			if (strcmp(m->apps[ai].cfg->name, req->apps[k]) == 0)
				break;
		if (ai == m->napps) {
			*cause = xasprintf("no app named %s", req->apps[k]);
			return -1;
		}
	}
	ctx = xcalloc(1, sizeof *ctx);
	ctx->core = core;
	ctx->plan = xcalloc(1, sizeof *ctx->plan);
	ctx->req = *req;
	ctx->cb = cb;
	ctx->arg = arg;
	ctx->pending = 1;	/* guard */
	ctx->plan->elsewhere_ok = req->what == PLAN_REQ_SYNC;
	for (ai = 0; ai < m->napps; ai++) {
		struct mt_app *a = &m->apps[ai];
		int found = 0;

		if (!plan_app_wanted(req, a))
			continue;
		if (a->error != NULL) {
			plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name, NULL,
			    "%s: %s", a->cfg->name, a->error);
			continue;
		}
		for (k = 0; k < req->narchs && req->what != PLAN_REQ_SYNC; k++)
			if (plan_arch_index(a, req->archs[k]) < 0)
				plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name,
				    NULL, "%s: arch %s is not configured",
				    a->cfg->name, req->archs[k]);
		first = ctx->plan->nsteps;
		if (req->what == PLAN_REQ_PRUNE) {
			prune_plan_app(ctx, ai);
			continue;
		}
		if (req->what == PLAN_REQ_LATEST) {
			if (a->cfg->manifest)
				plan_drift_latest(ctx, ai);
			else
				plan_plugin_latest(ctx, ai, first);
			continue;
		}
		for (vi = 0; vi < a->nversions; vi++) {
			struct mt_version *v = &a->versions[vi];

			if (!plan_wanted(req, a, v))
				continue;
			found = 1;
			if (req->what == PLAN_REQ_ATTEST) {
				plan_attest(ctx, ai, v);
				continue;
			}
			if (req->what == PLAN_REQ_COPY) {
				copy_plan_version(ctx, ai, v, 0);
				continue;
			}
			if (req->what == PLAN_REQ_SYNC &&
			    v->state == VERSION_COMPLETE && !req->force &&
			    !(v->is_latest && a->latest_drift)) {
				/* (its mirrors: copy_plan_version) */
				plan_note(ctx->plan, PLAN_UP_TO_DATE,
				    a->cfg->name, v->version, "%s %s is up to "
				    "date%s%s", a->cfg->name, v->version,
				    a->ntargets > 1 ? " on " : "",
				    a->ntargets > 1 ? a->targets[0].cfg->name :
				    "");
				continue;
			}
			plan_version(ctx, ai, v);
		}
		if (req->version != NULL && req->ntargets == 0 && !found)
			plan_note(ctx->plan, PLAN_NOT_DONE, a->cfg->name,
			    req->version, "%s: no version %s in the window",
			    a->cfg->name, req->version);
		if (req->what == PLAN_REQ_MERGE || req->what == PLAN_REQ_ATTEST ||
		    req->what == PLAN_REQ_COPY)
			continue;
		if (!a->cfg->manifest) {
			/* Only when something changes or latest is asked. */
			for (k = first; k < ctx->plan->nsteps; k++)
				if (ctx->plan->steps[k].kind == STEP_BUILD)
					break;
			if (k < ctx->plan->nsteps || req->what == PLAN_REQ_SYNC)
				plan_plugin_latest(ctx, ai, first);
		} else if (req->what == PLAN_REQ_SYNC && a->latest_drift)
			plan_drift_latest(ctx, ai);
		/* The mirrors: what is complete on the primary and not
		 * there yet. */
		for (vi = 0; req->what == PLAN_REQ_SYNC && vi < a->nversions;
		    vi++)
			copy_plan_version(ctx, ai, &a->versions[vi], 1);
	}
	plan_read_done(ctx);
	return 0;
}

struct plan_wait {
	int		 done;
	struct plan	*plan;
};

static void
plan_wait_cb(int status, struct plan *p, const char *errmsg, void *arg)
{
	struct plan_wait *w = arg;

	(void)status;
	(void)errmsg;
	w->done = 1;
	w->plan = p;
}

/* Make a plan and wait. */
struct plan *
plan_make_wait(struct core *core, const struct plan_request *req,
    char **cause)
{
	struct plan_wait w = { 0, NULL };

	if (plan_make(core, req, plan_wait_cb, &w, cause) != 0)
		return NULL;
	while (!w.done)
		core_run_once(core, 1000);
	return w.plan;
}

/* ------------------------------------------------------------------ */
/* Printing. */

static const char *const note_names[] = {
	[PLAN_UP_TO_DATE] = "up to date",
	[PLAN_WITHHELD] = "withheld",
	[PLAN_NOT_DONE] = "not done",
};

/* One step as the plan prints it, without its number. Caller frees. */
char *
plan_step_text(const struct plan_step *s)
{
	struct buf line;
	char *clean;

	buf_init(&line, PLAN_TEXT_MAX);
	step_kinds[s->kind].text(s, &line);
	clean = str_sanitize(line.data ? line.data : "", PLAN_TEXT_MAX);
	buf_free(&line);
	return clean;
}

char *
plan_text(const struct plan *p, int with_not_done)
{
	struct buf b;
	size_t i;
	char *clean;

	buf_init(&b, PLAN_TEXT_MAX);
	for (i = 0; i < p->nsteps; i++) {
		/* Upstream and registry text: no control characters. */
		clean = plan_step_text(&p->steps[i]);
		buf_printf(&b, "%zu. %s\n", i + 1, clean);
		free(clean);
	}
	for (i = 0; i < p->nnotes; i++) {
		if (p->notes[i].kind == PLAN_NOT_DONE && !with_not_done)
			continue;
		clean = str_oneline(p->notes[i].why, 2048);
		buf_printf(&b, "%s: %s\n", note_names[p->notes[i].kind], clean);
		free(clean);
	}
	if (b.len == 0 && (with_not_done || plan_count(p, PLAN_NOT_DONE) == 0))
		buf_printf(&b, "(nothing to do)\n");
	return buf_steal(&b);
}

char *
plan_json(const struct plan *p)
{
	json_t *root = json_object(), *steps = json_array(), *o, *a;
	json_t *lists[3];
	size_t i, j;
	char *s;

	json_object_set_new(root, "schema", json_string("mirrortop.plan/v1"));
	for (i = 0; i < p->nsteps; i++) {
		const struct plan_step *st = &p->steps[i];

		o = json_object();
		json_object_set_new(o, "step", json_integer((json_int_t)i + 1));
		json_object_set_new(o, "kind",
		    json_string(step_kinds[st->kind].name));
		json_object_set_new(o, "app", json_string(st->app_name));
		json_object_set_new(o, "version", st->version ?
		    json_string(st->version) : json_null());
		json_object_set_new(o, "target", json_string(st->target));
		json_object_set_new(o, "image", json_string(st->image));
		a = json_array();
		for (j = 0; j < st->ntags; j++)
			json_array_append_new(a, json_string(st->tags[j]));
		json_object_set_new(o, "tags", a);
		a = json_object();
		for (j = 0; j < st->ntags; j++) {
			char *w;

			if (st->old_step != NULL && st->old_step[j] > 0) {
				w = xasprintf("output of step %zu",
				    st->old_step[j]);
				json_object_set_new(a, st->tags[j],
				    json_string(w));
				free(w);
			} else
				json_object_set_new(a, st->tags[j], st->old[j] ?
				    json_string(st->old[j]) : json_null());
		}
		json_object_set_new(o, "was", a);
		a = json_array();
		for (j = 0; j < st->nafter; j++)
			json_array_append_new(a,
			    json_integer((json_int_t)st->after[j]));
		json_object_set_new(o, "after", a);
		step_kinds[st->kind].json(st, o);
		json_array_append_new(steps, o);
	}
	json_object_set_new(root, "steps", steps);
	for (j = 0; j < 3; j++)
		lists[j] = json_array();
	for (i = 0; i < p->nnotes; i++) {
		o = json_object();
		json_object_set_new(o, "app", json_string(p->notes[i].app));
		if (p->notes[i].version != NULL)
			json_object_set_new(o, "version",
			    json_string(p->notes[i].version));
		json_object_set_new(o, "why", json_string(p->notes[i].why));
		json_array_append_new(lists[p->notes[i].kind], o);
	}
	json_object_set_new(root, "up_to_date", lists[PLAN_UP_TO_DATE]);
	json_object_set_new(root, "withheld", lists[PLAN_WITHHELD]);
	json_object_set_new(root, "not_done", lists[PLAN_NOT_DONE]);
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}
