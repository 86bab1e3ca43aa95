/*
 * status.c — refreshing the model.
 *
 * Per app, the upstream list and the registry's tag list are fetched in
 * parallel; then only manifests of tags that exist are requested (all at
 * once), then config blobs of single-arch images; then the states, the
 * semantic latest and the drift of `latest` are computed and swapped into
 * the model in one step, so readers never see a half-built app.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "filter.h"
#include "http.h"
#include "registry.h"
#include "release-url.h"
#include "version.h"
#include "source.h"
#include "status.h"
#include "target.h"
#include "upstream-share.h"
#include "supply-chain.h"
#include "util.h"

#define STATUS_MAX_EXPAND 512

struct refresh;

/* One manifest lookup of a refresh. */
struct probe {
	struct refresh	*r;
	size_t		 version;	/* index into r->versions, or (size_t)-1 */
	int		 arch;		/* plugin scheme: arch index; -1 otherwise */
	int		 is_latest_tag;	/* the `latest` (or latest-<arch>) tag */
	char		*search;	/* searching latest: this tag's version */
	struct version_key key;		/* ... and its order */
};

/* Tags looked at to find where `latest` points outside the window. */
#define STATUS_LATEST_SEARCH 32

struct refresh {
	struct status		*st;
	size_t			 app;
	int			 pending;
	int			 source_done, tags_done, planned;
	struct source_result	*source;
	char			**tags;		/* sorted registry tags */
	size_t			 ntags;
	int			 tags_status;	/* registry_tags_cb status */
	char			*tags_error;
	struct mt_version	*versions;
	size_t			 nversions;
	struct filter_skipped	 skipped;
	char			*error;
	char			*latest_digest;
	struct probe		*probes;
	size_t			 nprobes;
	struct probe		*search;	/* latest outside the window */
	size_t			 nsearch;
	int			 searched;
	char			*latest_found;	/* version latest points at */
	struct version_key	 latest_found_key;
	struct target_refresh	*targets;	/* the app's mirror targets */
	int			 resolved;	/* their differing digests asked */
	char			**index_body;	/* per version: its index, exact */
	size_t			*index_len;
	size_t			 nindex;
	struct sc_run		*supply;	/* discovery in flight or done */
	int			 supplied;
	int			 supplied_targets;	/* the mirrors' discovery started */
};

struct status {
	struct mt_model		*model;
	struct http		*http;
	struct registry *const	*regs;		/* per configured target */
	status_done_cb		 done;
	void			*arg;
	struct refresh		**active;	/* per app, NULL if idle */
	struct filter		**filters;	/* per app, compiled lazily */
	struct share		*share;		/* one fetch per upstream */
	int			 pending;
	struct supply		**supply;	/* per target registry: signatures,
						 * SBOMs, provenance */
};

static const char *arch_state_names[] = { "missing", "staged", "present" };
static const char *version_state_names[] = {
	"missing", "partial", "staged", "complete", "differs"
};

/* Name of an arch state for output. */
const char *
arch_state_name(enum arch_state s)
{
	return (unsigned)s < MT_ARRAY_LEN(arch_state_names) ?
	    arch_state_names[s] : "missing";
}

/* Name of a version state for output. */
const char *
version_state_name(enum version_state s)
{
	return (unsigned)s < MT_ARRAY_LEN(version_state_names) ?
	    version_state_names[s] : "missing";
}

/* Free the members of one version. */
static void
version_clear(struct mt_version *v)
{
	size_t i;

	free(v->version);
	free(v->tag);
	free(v->image_tag);
	free(v->name);
	free(v->published_at);
	free(v->html_url);
	free(v->digest);
	for (i = 0; i < CONFIG_MAX_ARCHS; i++)
		free(v->arch_digest[i]);
	target_version_clear(v);
	sc_supply_clear(&v->supply);
	memset(v, 0, sizeof *v);
}

static void
versions_free(struct mt_version *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		version_clear(&v[i]);
	free(v);
}

/* Set up the model's apps from the config. */
void
model_init(struct mt_model *m, const struct config *cfg)
{
	size_t i;

	memset(m, 0, sizeof *m);
	m->cfg = cfg;
	m->read_only = cfg->read_only;
	m->napps = cfg->napps;
	m->apps = xcalloc(cfg->napps, sizeof *m->apps);
	for (i = 0; i < cfg->napps; i++) {
		struct mt_app *a = &m->apps[i];

		a->cfg = &cfg->apps[i];
		target_app_init(cfg, a);
		/* The app's primary target. */
		a->repo = xstrdup(a->targets[0].repo);
		a->image = xstrdup(a->targets[0].image);
	}
}

/* Free everything the model owns. */
void
model_clear(struct mt_model *m)
{
	size_t i;

	for (i = 0; i < m->napps; i++) {
		struct mt_app *a = &m->apps[i];

		free(a->image);
		free(a->repo);
		free(a->error);
		free(a->upstream_latest);
		free(a->registry_latest);
		free(a->latest_digest);
		versions_free(a->versions, a->nversions);
		target_app_clear(a);
	}
	free(m->apps);
	memset(m, 0, sizeof *m);
}

/* Replace the app's one-line error (NULL clears). */
void
model_app_set_error(struct mt_app *a, const char *error)
{
	free(a->error);
	a->error = error != NULL ? str_oneline(error, 512) : NULL;
}

/* Derive the version state from its arch states. */
void
model_version_update_state(struct mt_version *v, size_t narchs)
{
	size_t i, present = 0, staged = 0, missing = 0;

	for (i = 0; i < narchs; i++) {
		switch (v->archs[i]) {
		case ARCH_PRESENT: present++; break;
		case ARCH_STAGED: staged++; break;
		default: missing++; break;
		}
	}
	if (narchs == 0 || present == narchs)
		v->state = VERSION_COMPLETE;
	else if (missing == 0)
		v->state = VERSION_STAGED;
	else if (missing == narchs)
		v->state = VERSION_MISSING;
	else
		v->state = VERSION_PARTIAL;
}

/* "linux/<arch>" with the variant for arm/v7 style archs. */
static char *
platform_of(const char *arch)
{
	return xasprintf("linux/%s", arch);
}

/* Expand tmpl into b; depth guards the image_tag/staging_tag recursion. */
static int
expand_into(struct buf *b, const struct config *cfg, const struct mt_app *a,
    const struct mt_version *v, const char *arch, const char *tmpl, int depth)
{
	const char *p = tmpl, *close;

	if (depth > 3)
		return -1;
	while (*p != '\0') {
		char name[32];
		size_t n;
		char *tmp = NULL;
		const char *val = NULL;

		if (*p != '{' || (close = strchr(p, '}')) == NULL) {
			buf_append(b, p, 1);
			p++;
			continue;
		}
		n = (size_t)(close - p - 1);
		if (n == 0 || n >= sizeof name)
			return -1;
		memcpy(name, p + 1, n);
		name[n] = '\0';
		p = close + 1;
		if (strcmp(name, "app") == 0)
			val = a->cfg->name;
		else if (strcmp(name, "image") == 0)
			val = a->image;
		else if (strcmp(name, "version") == 0 && v != NULL)
			val = v->version;
		else if (strcmp(name, "tag") == 0 && v != NULL)
			val = v->tag;
		else if (strcmp(name, "image_tag") == 0 && v != NULL) {
			if (v->image_tag != NULL)
				val = v->image_tag;
			else {
				struct buf t;

				buf_init(&t, STATUS_MAX_EXPAND);
				if (expand_into(&t, cfg, a, v, arch,
				    a->cfg->image_tag, depth + 1) == -1) {
					buf_free(&t);
					return -1;
				}
				val = tmp = buf_steal(&t);
			}
		} else if (strcmp(name, "arch") == 0 && arch != NULL)
			val = arch;
		else if (strcmp(name, "platform") == 0 && arch != NULL)
			val = tmp = platform_of(arch);
		else if (strcmp(name, "runner") == 0 && arch != NULL)
			val = config_runner(cfg, arch);
		else if (strcmp(name, "staging_ref") == 0 && v != NULL &&
		    arch != NULL) {
			struct buf t;
			char *st;

			buf_init(&t, STATUS_MAX_EXPAND);
			if (expand_into(&t, cfg, a, v, arch, a->cfg->manifest ?
			    a->cfg->staging_tag : "{image_tag}-{arch}",
			    depth + 1) == -1) {
				buf_free(&t);
				return -1;
			}
			st = buf_steal(&t);
			if (model_tag_fixup(st) == -1) {
				free(st);
				return -1;
			}
			val = tmp = xasprintf("%s:%s", a->image, st);
			free(st);
		} else if (strcmp(name, "digest") == 0 && v != NULL &&
		    v->digest != NULL)
			val = v->digest;
		else if (strcmp(name, "ref") == 0 && v != NULL &&
		    v->digest != NULL)
			val = tmp = xasprintf("%s@%s", a->image, v->digest);
		else if (strcmp(name, "digest_file") == 0)
			val = "{digest_file}";	/* filled in by the job runner */
		else
			return -1;
		if (val == NULL)
			val = "";
		if (buf_append(b, val, strlen(val)) == -1) {
			free(tmp);
			return -1;
		}
		free(tmp);
	}
	return 0;
}

/* Expand a template for app/version/arch. Caller frees; NULL on error. */
char *
model_expand(const struct config *cfg, const struct mt_app *a,
    const struct mt_version *v, const char *arch, const char *tmpl)
{
	struct buf b;

	buf_init(&b, STATUS_MAX_EXPAND);
	if (expand_into(&b, cfg, a, v, arch, tmpl, 0) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/*
 * Make an expanded template a registry tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})
 * in place: '+' (SemVer build metadata) becomes '_' and '/' (an arch with
 * a variant, "arm/v7") becomes '-'. 0 ok, -1 not a valid tag.
 */
int
model_tag_fixup(char *t)
{
	size_t i;

	if (t[0] == '\0' || t[0] == '.' || t[0] == '-' || strlen(t) > 128)
		return -1;
	for (i = 0; t[i] != '\0'; i++) {
		if (t[i] == '+')
			t[i] = '_';
		else if (t[i] == '/')
			t[i] = '-';
		else if (!((t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' &&
		    t[i] <= '9') || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return -1;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the registry's tag list has tag. */
static int
has_tag(const struct refresh *r, const char *tag)
{
	if (tag == NULL || r->ntags == 0)
		return 0;
	return bsearch(&tag, r->tags, r->ntags, sizeof *r->tags, cmp_str) !=
	    NULL;
}

/* Whether an index/config platform is the configured arch ("arm/v7"). */
static int
arch_matches(const char *want, const struct registry_platform *p)
{
	const char *slash = strchr(want, '/');
	size_t alen = slash ? (size_t)(slash - want) : strlen(want);

	if (p->architecture == NULL)
		return 0;
	if (p->os != NULL && strcmp(p->os, "linux") != 0)
		return 0;
	if (strlen(p->architecture) != alen ||
	    strncmp(p->architecture, want, alen) != 0)
		return 0;
	if (slash == NULL)
		return 1;
	return p->variant != NULL && strcmp(p->variant, slash + 1) == 0;
}

static void refresh_step(struct refresh *);

/* The registry of the app's primary target. */
static struct registry *
status_registry(const struct refresh *r)
{
	const struct app_config *ac = r->st->model->apps[r->app].cfg;

	return r->st->regs[ac->targets[0]];
}

/* A mirror target answered. */
static void
on_target_step(void *arg)
{
	refresh_step(arg);
}

/* Free a refresh and everything it still owns. */
static void
refresh_free(struct refresh *r)
{
	size_t i;

	if (r == NULL)
		return;
	supply_run_free(r->supply);
	for (i = 0; i < r->nindex; i++)
		free(r->index_body[i]);
	free(r->index_body);
	free(r->index_len);
	source_result_free(r->source);
	for (i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	free(r->tags_error);
	versions_free(r->versions, r->nversions);
	free(r->error);
	free(r->latest_digest);
	free(r->probes);
	for (i = 0; i < r->nsearch; i++) {
		free(r->search[i].search);
		version_key_free(&r->search[i].key);
	}
	free(r->search);
	free(r->latest_found);
	version_key_free(&r->latest_found_key);
	target_refresh_free(r->targets);
	free(r);
}

/* Remember the first error of a refresh. */
static void
refresh_error(struct refresh *r, const char *prefix, const char *detail)
{
	if (r->error == NULL)
		r->error = xasprintf("%s: %s", prefix,
		    detail ? detail : "unknown error");
}

/* Upstream list arrived. */
static void
on_source(struct source_result *res, void *arg)
{
	struct refresh *r = arg;

	r->source = res;
	r->source_done = 1;
	r->pending--;
	refresh_step(r);
}

/* Registry tag list arrived. */
static void
on_tags(int status, char *const *tags, size_t n, const char *errmsg,
    void *arg)
{
	struct refresh *r = arg;
	size_t i;

	r->tags_status = status;
	if (status == -1)
		r->tags_error = xstrdup(errmsg ? errmsg : "tag list failed");
	if (n > 0) {
		r->tags = xcalloc(n, sizeof *r->tags);
		for (i = 0; i < n; i++)
			r->tags[i] = xstrdup(tags[i]);
		r->ntags = n;
		qsort(r->tags, n, sizeof *r->tags, cmp_str);
	}
	r->tags_done = 1;
	r->pending--;
	refresh_step(r);
}

/* A manifest (index, image, or a per-arch/latest tag) arrived. */
static void
on_manifest(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct probe *p = arg;
	struct refresh *r = p->r;
	const struct app_config *ac = r->st->model->apps[r->app].cfg;
	struct mt_version *v = p->version != (size_t)-1 ?
	    &r->versions[p->version] : NULL;
	size_t i, j;

	r->pending--;
	if (status == -1 && p->search != NULL) {
		/* best effort: the search only names where latest points */
	} else if (status == -1) {
		refresh_error(r, "registry", errmsg);
	} else if (status == 0 && m != NULL && p->search != NULL) {
		/* Keep the highest version whose tag has latest's digest. */
		if (r->latest_digest != NULL && m->digest != NULL &&
		    strcmp(m->digest, r->latest_digest) == 0 &&
		    (r->latest_found == NULL ||
		    version_compare(&p->key, &r->latest_found_key) > 0)) {
			free(r->latest_found);
			version_key_free(&r->latest_found_key);
			r->latest_found = xstrdup(p->search);
			r->latest_found_key = p->key;
			r->latest_found_key.pre = xstrdup(p->key.pre);
		}
	} else if (status == 0 && m != NULL) {
		if (p->is_latest_tag) {
			free(r->latest_digest);
			r->latest_digest = xstrdup(m->digest);
		} else if (v != NULL && p->arch >= 0) {
			/* plugin scheme: {image_tag}-{arch} */
			free(v->arch_digest[p->arch]);
			v->arch_digest[p->arch] = xstrdup(m->digest);
		} else if (v != NULL) {
			free(v->digest);
			v->digest = xstrdup(m->digest);
			if (m->is_index && m->body != NULL &&
			    r->index_body != NULL) {
				free(r->index_body[p->version]);
				r->index_body[p->version] = xmalloc(m->len);
				memcpy(r->index_body[p->version], m->body,
				    m->len);
				r->index_len[p->version] = m->len;
			}
			for (j = 0; j < ac->narchs; j++) {
				if (m->is_index) {
					for (i = 0; i < m->nplatforms; i++) {
						if (!arch_matches(ac->archs[j],
						    &m->platforms[i]))
							continue;
						v->archs[j] = ARCH_PRESENT;
						free(v->arch_digest[j]);
						v->arch_digest[j] = xstrdup(
						    m->platforms[i].digest);
						break;
					}
				} else if (arch_matches(ac->archs[j],
				    &m->platform)) {
					v->archs[j] = ARCH_PRESENT;
					free(v->arch_digest[j]);
					v->arch_digest[j] = xstrdup(m->digest);
				}
			}
		}
	}
	refresh_step(r);
}

/* Queue one manifest request. */
static void
probe(struct refresh *r, size_t version, int arch, int latest,
    const char *ref, int resolve)
{
	struct probe *p = &r->probes[r->nprobes++];
	struct mt_app *a = &r->st->model->apps[r->app];

	p->r = r;
	p->version = version;
	p->arch = arch;
	p->is_latest_tag = latest;
	r->pending++;
	if (latest || arch >= 0)
		registry_head_manifest(status_registry(r), a->repo, ref,
		    on_manifest, p);
	else
		registry_get_manifest(status_registry(r), a->repo, ref, resolve,
		    on_manifest, p);
}

/* Both lists are in: choose the versions and ask for what exists. */
static void
refresh_plan(struct refresh *r)
{
	struct status *st = r->st;
	struct mt_app *a = &st->model->apps[r->app];
	const struct app_config *ac = a->cfg;
	const struct config *cfg = st->model->cfg;
	struct filtered_version *fv = NULL;
	size_t n, i, j, nprobes;
	char *cause = NULL;

	if (r->source->error != NULL) {
		refresh_error(r, "upstream", r->source->error);
		return;
	}
	if (r->tags_status == -1)
		refresh_error(r, "registry", r->tags_error);
	if (st->filters[r->app] == NULL) {
		st->filters[r->app] = filter_new(ac->include, ac->exclude,
		    ac->versioning, ac->source.prereleases, &cause);
		if (st->filters[r->app] == NULL) {
			refresh_error(r, "filter", cause);
			free(cause);
			return;
		}
	}
	n = filter_apply(st->filters[r->app], r->source->tags,
	    r->source->ntags, (size_t)ac->max_versions, &fv, &r->skipped);
	/* Entries without a usable tag name are not versions either. */
	r->skipped.not_a_version += r->source->skipped;
	r->versions = xcalloc(n ? n : 1, sizeof *r->versions);
	for (i = 0; i < n; i++) {
		struct mt_version *v = &r->versions[r->nversions];
		const struct upstream_tag *t = fv[i].src;

		v->version = xstrdup(fv[i].version);
		v->tag = xstrdup(t->tag);
		v->name = t->name ? xstrndup(t->name, 1024) : NULL;
		v->published_at = t->published_at ?
		    xstrndup(t->published_at, 64) : NULL;
		v->html_url = release_url(&ac->source, t->tag, t->html_url);
		v->prerelease = version_is_prerelease(&fv[i].key);
		v->image_tag = model_expand(cfg, a, v, NULL, ac->image_tag);
		if (v->image_tag == NULL || model_tag_fixup(v->image_tag) == -1) {
			version_clear(v);
			r->skipped.not_a_version++;
			continue;
		}
		r->nversions++;
	}
	filter_result_free(fv, n);
	r->index_body = xcalloc(r->nversions ? r->nversions : 1,
	    sizeof *r->index_body);
	r->index_len = xcalloc(r->nversions ? r->nversions : 1,
	    sizeof *r->index_len);
	r->nindex = r->nversions;
	for (i = 0; i < r->nversions; i++) {
		if (!r->versions[i].prerelease) {
			r->versions[i].is_latest = 1;
			break;
		}
	}
	if (r->tags_status != 0)
		return;		/* no repository yet, or an error: nothing to probe */

	nprobes = 1 + r->nversions * (1 + ac->narchs);
	r->probes = xcalloc(nprobes, sizeof *r->probes);
	for (i = 0; i < r->nversions; i++) {
		struct mt_version *v = &r->versions[i];

		for (j = 0; j < ac->narchs; j++) {
			char *tag;

			if (ac->manifest) {
				tag = model_expand(cfg, a, v, ac->archs[j],
				    ac->staging_tag);
				if (tag != NULL && model_tag_fixup(tag) == 0 &&
				    has_tag(r, tag))
					v->archs[j] = ARCH_STAGED;
			} else {
				tag = xasprintf("%s-%s", v->image_tag,
				    ac->archs[j]);
				if (model_tag_fixup(tag) == 0 && has_tag(r, tag)) {
					v->archs[j] = ARCH_PRESENT;
					if (j == 0)
						probe(r, i, (int)j, 0, tag, 0);
				}
			}
			free(tag);
		}
		/* Present beats staged: the index decides, once fetched. */
		if (ac->manifest && has_tag(r, v->image_tag)) {
			for (j = 0; j < ac->narchs; j++)
				if (v->archs[j] == ARCH_PRESENT)
					v->archs[j] = ARCH_MISSING;
			probe(r, i, -1, 0, v->image_tag, 1);
		}
	}
	if (ac->manifest && has_tag(r, "latest"))
		probe(r, (size_t)-1, -1, 1, "latest", 0);
	else if (!ac->manifest && ac->narchs > 0) {
		char *lt = xasprintf("latest-%s", ac->archs[0]);

		if (has_tag(r, lt))
			probe(r, (size_t)-1, -1, 1, lt, 0);
		free(lt);
	}
}

/* Copy arch states and digests of versions the app already had. */
static void
refresh_keep_states(struct refresh *r, const struct mt_app *a)
{
	size_t i, j, k;

	for (i = 0; i < r->nversions; i++) {
		struct mt_version *v = &r->versions[i];

		for (j = 0; j < a->nversions; j++) {
			const struct mt_version *o = &a->versions[j];

			if (strcmp(o->version, v->version) != 0)
				continue;
			for (k = 0; k < CONFIG_MAX_ARCHS; k++) {
				v->archs[k] = o->archs[k];
				free(v->arch_digest[k]);
				v->arch_digest[k] = xstrdup(o->arch_digest[k]);
			}
			free(v->digest);
			v->digest = xstrdup(o->digest);
			break;
		}
	}
}

/* Order search candidates by precedence, highest first. */
static int
search_cmp(const void *a, const void *b)
{
	const struct probe *x = a, *y = b;

	return version_compare(&y->key, &x->key);
}

/* Whether the window already has this version. */
static int
window_has(const struct refresh *r, const struct version_key *key)
{
	const struct filter *f = r->st->filters[r->app];
	struct version_key w;
	size_t i;
	int found = 0;

	for (i = 0; i < r->nversions && !found; i++) {
		if (filter_key(f, r->versions[i].version, &w) == 0) {
			found = version_compare(&w, key) == 0;
			version_key_free(&w);
		}
	}
	return found;
}

/*
 * `latest` has a digest that no version in the window has: look for it
 * among the registry's other version tags (the highest ones, a bounded
 * number), so that the model can say which version it really is.
 */
static void
refresh_search_latest(struct refresh *r)
{
	struct mt_app *a = &r->st->model->apps[r->app];
	const char *suffix = NULL;
	size_t i, n = 0, len, slen = 0;

	r->searched = 1;
	if (r->latest_digest == NULL || r->tags_status != 0)
		return;
	for (i = 0; i < r->nversions; i++) {
		const struct mt_version *v = &r->versions[i];
		const char *d = a->cfg->manifest ? v->digest : v->arch_digest[0];

		if (d != NULL && strcmp(d, r->latest_digest) == 0)
			return;
	}
	if (!a->cfg->manifest) {
		if (a->cfg->narchs == 0)
			return;
		suffix = a->cfg->archs[0];
		slen = strlen(suffix);
	}
	r->search = xcalloc(r->ntags ? r->ntags : 1, sizeof *r->search);
	for (i = 0; i < r->ntags; i++) {
		const char *t = r->tags[i];
		struct probe *p = &r->search[n];
		char *ver;

		/* Signatures, attestations, referrer indexes: never versions. */
		if (sc_artifact_tag(t, NULL, NULL))
			continue;
		len = strlen(t);
		if (suffix != NULL) {
			/* plugin scheme: "<version>-<arch>" */
			if (len <= slen + 1 || t[len - slen - 1] != '-' ||
			    strcmp(t + len - slen, suffix) != 0)
				continue;
			len -= slen + 1;
		}
		if (t[0] == 'v') {
			t++;
			len--;
		}
		ver = xstrndup(t, len);
		if (filter_key(r->st->filters[r->app], ver, &p->key) == -1) {
			free(ver);
			continue;
		}
		if (window_has(r, &p->key)) {
			version_key_free(&p->key);
			free(ver);
			continue;
		}
		p->search = ver;
		p->version = (size_t)-1;
		p->arch = -1;
		p->r = r;
		n++;
	}
	qsort(r->search, n, sizeof *r->search, search_cmp);
	for (i = STATUS_LATEST_SEARCH; i < n; i++) {
		free(r->search[i].search);
		version_key_free(&r->search[i].key);
	}
	r->nsearch = n < STATUS_LATEST_SEARCH ? n : STATUS_LATEST_SEARCH;
	for (i = 0; i < r->nsearch; i++) {
		struct probe *p = &r->search[i];
		char *ref = NULL;
		size_t k;

		/* The tag as it is in the registry. */
		for (k = 0; k < r->ntags && ref == NULL; k++) {
			const char *t = r->tags[k];
			char *want = suffix != NULL ? xasprintf("%s-%s",
			    p->search, suffix) : xstrdup(p->search);
			char *wantv = xasprintf("v%s", want);

			if (strcmp(t, want) == 0 || strcmp(t, wantv) == 0)
				ref = xstrdup(t);
			free(want);
			free(wantv);
		}
		if (ref == NULL)
			continue;
		r->pending++;
		registry_head_manifest(status_registry(r), a->repo, ref,
		    on_manifest, p);
		free(ref);
	}
}

/* Everything is in: compute states and swap into the model. */
static void
refresh_finish(struct refresh *r)
{
	struct status *st = r->st;
	struct mt_app *a = &st->model->apps[r->app];
	size_t i, narchs = a->cfg->narchs;
	/* Upstream failed on a later refresh: keep the previous picture. */
	int kept = r->error != NULL && r->nversions == 0 && a->loaded;

	/*
	 * When the registry could not be asked, keep what the previous
	 * refresh knew of versions that are still in the window rather than
	 * showing them all as missing.
	 */
	if (r->tags_status == -1 && a->loaded)
		refresh_keep_states(r, a);
	for (i = 0; i < r->nversions; i++) {
		struct mt_version *v = &r->versions[i];

		model_version_update_state(v, narchs);
		/* Not asked: unknown; no repository yet: nothing there. */
		if (r->tags_status != 0)
			sc_supply_set_all(&v->supply, r->tags_status == 1 ?
			    SC_MISSING : SC_UNKNOWN);
	}
	if (kept) {
		/* Keep what we knew; flag the error. */
		model_app_set_error(a, r->error);
	} else {
		char *terr = target_refresh_finish(r->targets, a, a->versions,
		    a->nversions, r->versions, r->nversions);

		if (terr != NULL && r->error == NULL)
			r->error = terr;
		else
			free(terr);
		versions_free(a->versions, a->nversions);
		a->versions = r->versions;
		a->nversions = r->nversions;
		r->versions = NULL;
		r->nversions = 0;
		a->skipped_tags = filter_skipped_total(&r->skipped);
		a->skipped.drafts = r->skipped.drafts;
		a->skipped.prereleases = r->skipped.prereleases;
		a->skipped.not_matching = r->skipped.not_matching;
		a->skipped.not_a_version = r->skipped.not_a_version;
		a->skipped.version_like = r->skipped.version_like;
		model_app_set_error(a, r->error);
		free(a->upstream_latest);
		a->upstream_latest = NULL;
		for (i = 0; i < a->nversions; i++)
			if (a->versions[i].is_latest)
				a->upstream_latest = xstrdup(
				    a->versions[i].version);
	}
	if (r->tags_status == -1 && a->loaded) {
		/* The registry could not be asked: keep what was known. */
	} else if (!kept) {
		free(a->registry_latest);
		a->registry_latest = r->latest_found;
		r->latest_found = NULL;
		free(a->latest_digest);
		a->latest_digest = r->latest_digest;
		r->latest_digest = NULL;
		if (a->latest_digest != NULL && a->registry_latest == NULL) {
			for (i = 0; i < a->nversions; i++) {
				const struct mt_version *v = &a->versions[i];
				const char *d = a->cfg->manifest ? v->digest :
				    v->arch_digest[0];

				if (d != NULL &&
				    strcmp(d, a->latest_digest) == 0) {
					a->registry_latest = xstrdup(
					    v->version);
					break;
				}
			}
		}
		/* Without a registry answer there is nothing to compare. */
		/* Nor without a `latest` in the registry: nothing drifted. */
		a->latest_drift = r->tags_status != -1 &&
		    a->upstream_latest != NULL && a->latest_digest != NULL &&
		    (a->registry_latest == NULL ||
		    strcmp(a->registry_latest, a->upstream_latest) != 0);
	}
	a->stale = kept;
	a->registry_unknown = r->tags_status == -1;
	a->rate_limited_until = r->source ? r->source->rate_limited_until : 0;
	a->refreshing = 0;
	a->loaded = 1;
	a->last_refresh = time(NULL);
	st->model->last_refresh = a->last_refresh;
	st->model->generation++;
	st->active[r->app] = NULL;
	st->pending--;
	if (st->done != NULL)
		st->done(a, st->arg);
	refresh_free(r);
}

/* Discovery of signatures, SBOMs and provenance is done. */
static void
on_supply(void *arg)
{
	struct refresh *r = arg;

	r->pending--;
	refresh_step(r);
}

/* Advance a refresh after any answer. */
static void
refresh_step(struct refresh *r)
{
	if (r->pending > 0)
		return;
	if (r->source_done && r->tags_done && !r->planned) {
		/* Hold a reference: answers may arrive while planning. */
		r->planned = 1;
		r->pending++;
		refresh_plan(r);
		target_refresh_versions(r->targets, r->versions, r->nversions);
		if (--r->pending > 0)
			return;
	}
	if (!r->searched) {
		r->pending++;
		refresh_search_latest(r);
		if (--r->pending > 0)
			return;
	}
	if (!r->planned || target_refresh_busy(r->targets) > 0)
		return;
	if (!r->resolved) {
		/* Mirror tags with another digest than the primary's. */
		r->resolved = 1;
		if (target_refresh_resolve(r->targets, r->versions,
		    r->nversions) > 0)
			return;
	}
	if (!r->supplied) {
		struct mt_app *a = &r->st->model->apps[r->app];

		r->supplied = 1;
		if (r->tags_status == 0 && r->nversions > 0) {
			r->pending += 2;	/* the run, and a hold */
			r->supply = supply_run(r->st->supply[a->cfg->targets[0]],
			    a->repo,
			    a->image, r->versions, r->nversions,
			    a->cfg->narchs, r->tags, r->ntags, r->index_body,
			    r->index_len, on_supply, r);
			if (--r->pending > 0)
				return;
		}
	}
	if (!r->supplied_targets) {
		/*
		 * Then each mirror's, in parallel: after the primary's, so
		 * what a mirror holds digest for digest (attestation
		 * manifests) is in the digest cache, not fetched again.
		 */
		r->supplied_targets = 1;
		r->pending++;		/* a hold */
		if (target_refresh_supply(r->targets, r->versions,
		    r->nversions, r->index_body, r->index_len, r->st->supply,
		    on_supply, r) > 0)
			r->pending++;
		if (--r->pending > 0)
			return;
	}
	refresh_finish(r);
}

/* Create the refresher. */
struct status *
status_new(struct mt_model *m, struct http *h, struct registry *const *regs,
    status_done_cb done, void *arg)
{
	struct status *st = xcalloc(1, sizeof *st);
	size_t i;

	st->model = m;
	st->http = h;
	st->regs = regs;
	st->done = done;
	st->arg = arg;
	st->active = xcalloc(m->napps ? m->napps : 1, sizeof *st->active);
	st->filters = xcalloc(m->napps ? m->napps : 1, sizeof *st->filters);
	st->share = share_new(h);
	st->supply = xcalloc(m->cfg->ntargets ? m->cfg->ntargets : 1,
	    sizeof *st->supply);
	for (i = 0; i < m->cfg->ntargets; i++)
		st->supply[i] = supply_new(regs[i]);
	return st;
}

/* Free the refresher; in-flight requests must already be cancelled. */
void
status_free(struct status *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->model->napps; i++) {
		refresh_free(st->active[i]);
		filter_free(st->filters[i]);
	}
	free(st->active);
	free(st->filters);
	share_free(st->share);
	for (i = 0; i < st->model->cfg->ntargets; i++)
		supply_free(st->supply[i]);
	free(st->supply);
	free(st);
}

/* Start refreshing one app unless it is already in flight. */
void
status_refresh_app(struct status *st, size_t i)
{
	struct refresh *r;
	struct mt_app *a;

	if (i >= st->model->napps || st->active[i] != NULL)
		return;
	a = &st->model->apps[i];
	r = xcalloc(1, sizeof *r);
	r->st = st;
	r->app = i;
	r->pending = 2;
	st->active[i] = r;
	st->pending++;
	a->refreshing = 1;
	st->model->generation++;
	if (share_fetch(st->share, &a->cfg->source, on_source, r) == -1) {
		r->source = xcalloc(1, sizeof *r->source);
		r->source->error = xstrdup("cannot start the upstream request");
		r->source_done = 1;
		r->pending--;
	}
	r->targets = target_refresh_new(st->model->cfg, a, st->regs,
	    on_target_step, r);
	registry_list_tags(st->regs[a->cfg->targets[0]], a->repo, on_tags, r);
}

/* Apps in flight. */
int
status_pending(const struct status *st)
{
	return st->pending;
}
