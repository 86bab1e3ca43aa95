/*
 * target.c — the status of an app on each of its mirror targets.
 *
 * Per mirror: the tag list (started with the refresh, in parallel with the
 * primary's), then a HEAD for each version tag that exists there and for
 * `latest` (a HEAD is not a pull on Docker Hub), then, only for tags whose
 * digest is not the primary's, a GET of that manifest to name its archs.
 * Then, with the primary's, discovery of signatures, SBOMs and provenance
 * on each mirror that holds a version (its own tag list, its own
 * referrers probe), on the digest and children it holds.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "registry.h"
#include "status.h"
#include "supply-chain.h"
#include "target.h"
#include "util.h"

struct tmirror;

/* One request to a mirror. */
struct tprobe {
	struct tmirror	*m;
	size_t		 version;	/* index into the window, or (size_t)-1 */
	int		 arch;		/* plugin scheme: arch index, else -1 */
	int		 latest;	/* the `latest` (latest-<arch>) tag */
	int		 get;		/* a GET for a differing digest */
};

/* What one mirror has of one version. */
struct tres {
	int		 has_tag;	/* {image_tag} is in its tag list */
	char		*digest;	/* HEAD of {image_tag} */
	enum arch_state	 archs[CONFIG_MAX_ARCHS];	/* staging tags, or the
							 * differing manifest */
	char		*arch_digest[CONFIG_MAX_ARCHS];	/* plugin scheme */
	int		 got;		/* the differing manifest was read */
	char		*body;		/* its exact bytes (an index), or NULL */
	size_t		 len;
	char		*child[CONFIG_MAX_ARCHS];	/* its children per arch */
};

/* One mirror target of the app. */
struct tmirror {
	struct target_refresh	*tr;
	size_t			 k;		/* index in the app's targets */
	struct registry		*reg;
	const char		*repo;		/* borrowed from the model */
	int			 tags_done;
	int			 tags_status;	/* registry_tags_cb status */
	char			**tags;		/* sorted */
	size_t			 ntags;
	int			 probed;
	struct tres		*res;		/* per version of the window */
	char			*latest_digest;
	char			*error;		/* first failure, one line */
	struct mt_version	*sv;		/* discovery: per version, the
						 * digests held here; supply */
	char			**bodies;	/* per version: its index, borrowed */
	size_t			*lens;
	struct sc_run		*run;
};

struct target_refresh {
	const struct config	*cfg;
	const struct mt_app	*app;		/* borrowed from the model */
	const struct app_config	*ac;
	target_step_cb		 step;
	void			*arg;
	struct tmirror		*m;		/* app targets 1..n-1 */
	size_t			 nm;
	const struct mt_version	*versions;	/* borrowed: the window */
	size_t			 nversions;
	int			 have_versions;
	int			 busy;		/* requests in flight */
	struct tprobe		**probes;	/* owned, freed with the refresh */
	size_t			 nprobes;
	size_t			 supplying;	/* discovery runs not done */
	target_step_cb		 supply_done;
	void			*supply_arg;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the mirror's tag list has tag. */
static int
mirror_has_tag(const struct tmirror *m, const char *tag)
{
	if (tag == NULL || m->ntags == 0)
		return 0;
	return bsearch(&tag, m->tags, m->ntags, sizeof *m->tags, cmp_str) !=
	    NULL;
}

/* Remember the first failure of a mirror. */
static void
mirror_error(struct tmirror *m, const char *what)
{
	if (m->error == NULL)
		m->error = str_oneline(what != NULL ? what : "unknown error",
		    400);
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

static void mirror_probe_all(struct tmirror *);

/* A mirror's tag list arrived. */
static void
on_mirror_tags(int status, char *const *tags, size_t n, const char *errmsg,
    void *arg)
{
	struct tmirror *m = arg;
	size_t i;

	m->tr->busy--;
	m->tags_status = status;
	m->tags_done = 1;
	if (status == -1)
		mirror_error(m, errmsg != NULL ? errmsg : "tag list failed");
	if (n > 0) {
		m->tags = xcalloc(n, sizeof *m->tags);
		for (i = 0; i < n; i++)
			m->tags[i] = xstrdup(tags[i]);
		m->ntags = n;
		qsort(m->tags, n, sizeof *m->tags, cmp_str);
	}
	if (m->tr->have_versions)
		mirror_probe_all(m);
	m->tr->step(m->tr->arg);
}

/* A mirror's manifest (HEAD, or the GET of a differing one) arrived. */
static void
on_mirror_manifest(int status, const struct registry_manifest *rm,
    const char *errmsg, void *arg)
{
	struct tprobe *p = arg;
	struct tmirror *m = p->m;
	const struct app_config *ac = m->tr->ac;
	struct tres *res = p->version != (size_t)-1 ? &m->res[p->version] :
	    NULL;
	size_t i, j;

	m->tr->busy--;
	if (status == -1)
		mirror_error(m, errmsg);
	else if (status == 0 && rm != NULL && p->latest) {
		free(m->latest_digest);
		m->latest_digest = xstrdup(rm->digest);
	} else if (status == 0 && rm != NULL && res != NULL && p->arch >= 0) {
		free(res->arch_digest[p->arch]);
		res->arch_digest[p->arch] = xstrdup(rm->digest);
	} else if (status == 0 && rm != NULL && res != NULL && p->get) {
		res->got = 1;
		if (rm->is_index && rm->body != NULL && res->body == NULL) {
			res->body = xmalloc(rm->len + 1);
			memcpy(res->body, rm->body, rm->len);
			res->body[rm->len] = '\0';
			res->len = rm->len;
		}
		for (j = 0; j < ac->narchs; j++) {
			res->archs[j] = ARCH_MISSING;
			if (!rm->is_index) {
				if (arch_matches(ac->archs[j], &rm->platform))
					res->archs[j] = ARCH_PRESENT;
				continue;
			}
			for (i = 0; i < rm->nplatforms; i++)
				if (arch_matches(ac->archs[j],
				    &rm->platforms[i])) {
					res->archs[j] = ARCH_PRESENT;
					free(res->child[j]);
					res->child[j] = xstrdup(
					    rm->platforms[i].digest);
				}
		}
	} else if (status == 0 && rm != NULL && res != NULL) {
		free(res->digest);
		res->digest = xstrdup(rm->digest);
	} else if (status == 1 && res != NULL && p->arch < 0 && !p->get) {
		/* Listed, then gone: as good as missing. */
		res->has_tag = 0;
	}
	m->tr->step(m->tr->arg);
}

/* Start one request to a mirror. */
static void
mirror_request(struct tmirror *m, size_t version, int arch, int latest,
    int get, const char *ref)
{
	struct target_refresh *tr = m->tr;
	struct tprobe *p = xcalloc(1, sizeof *p);

	p->m = m;
	p->version = version;
	p->arch = arch;
	p->latest = latest;
	p->get = get;
	tr->probes = xreallocarray(tr->probes, tr->nprobes + 1,
	    sizeof *tr->probes);
	tr->probes[tr->nprobes++] = p;
	tr->busy++;
	if (get)
		registry_get_manifest(m->reg, m->repo, ref, 1,
		    on_mirror_manifest, p);
	else
		registry_head_manifest(m->reg, m->repo, ref,
		    on_mirror_manifest, p);
}

/* Tags and window are in: HEAD what the mirror has. */
static void
mirror_probe_all(struct tmirror *m)
{
	struct target_refresh *tr = m->tr;
	const struct app_config *ac = tr->ac;
	size_t i, j;

	if (m->probed || !m->tags_done)
		return;
	m->probed = 1;
	m->res = xcalloc(tr->nversions ? tr->nversions : 1, sizeof *m->res);
	if (m->tags_status != 0)
		return;		/* no repository there yet, or an error */
	for (i = 0; i < tr->nversions; i++) {
		const struct mt_version *v = &tr->versions[i];
		struct tres *res = &m->res[i];

		for (j = 0; j < ac->narchs; j++) {
			char *tag;

			if (ac->manifest) {
				tag = model_expand(tr->cfg, tr->app, v,
				    ac->archs[j], ac->staging_tag);
				if (tag != NULL && model_tag_fixup(tag) == 0 &&
				    mirror_has_tag(m, tag))
					res->archs[j] = ARCH_STAGED;
			} else {
				tag = xasprintf("%s-%s", v->image_tag,
				    ac->archs[j]);
				if (model_tag_fixup(tag) == 0 &&
				    mirror_has_tag(m, tag)) {
					res->archs[j] = ARCH_PRESENT;
					mirror_request(m, i, (int)j, 0, 0, tag);
				}
			}
			free(tag);
		}
		if (ac->manifest && mirror_has_tag(m, v->image_tag)) {
			res->has_tag = 1;
			mirror_request(m, i, -1, 0, 0, v->image_tag);
		}
	}
	if (ac->manifest && mirror_has_tag(m, "latest"))
		mirror_request(m, (size_t)-1, -1, 1, 0, "latest");
	else if (!ac->manifest && ac->narchs > 0) {
		char *lt = xasprintf("latest-%s", ac->archs[0]);

		if (mirror_has_tag(m, lt))
			mirror_request(m, (size_t)-1, -1, 1, 0, lt);
		free(lt);
	}
}

/* Start refreshing the app's mirrors: their tag lists. */
struct target_refresh *
target_refresh_new(const struct config *cfg, const struct mt_app *a,
    struct registry *const *regs, target_step_cb step, void *arg)
{
	struct target_refresh *tr = xcalloc(1, sizeof *tr);
	size_t k;

	tr->cfg = cfg;
	tr->app = a;
	tr->ac = a->cfg;
	tr->step = step;
	tr->arg = arg;
	tr->nm = a->ntargets > 1 ? a->ntargets - 1 : 0;
	tr->m = xcalloc(tr->nm ? tr->nm : 1, sizeof *tr->m);
	for (k = 0; k < tr->nm; k++) {
		struct tmirror *m = &tr->m[k];

		m->tr = tr;
		m->k = k + 1;
		m->reg = regs[a->cfg->targets[k + 1]];
		m->repo = a->targets[k + 1].repo;
		tr->busy++;
		registry_list_tags(m->reg, m->repo, on_mirror_tags, m);
	}
	return tr;
}

/* Free a mirror refresh. */
void
target_refresh_free(struct target_refresh *tr)
{
	size_t k, i, j;

	if (tr == NULL)
		return;
	for (k = 0; k < tr->nm; k++) {
		struct tmirror *m = &tr->m[k];

		for (i = 0; i < m->ntags; i++)
			free(m->tags[i]);
		free(m->tags);
		supply_run_free(m->run);
		for (i = 0; m->sv != NULL && i < tr->nversions; i++) {
			free(m->sv[i].digest);
			for (j = 0; j < CONFIG_MAX_ARCHS; j++)
				free(m->sv[i].arch_digest[j]);
			sc_supply_clear(&m->sv[i].supply);
		}
		free(m->sv);
		free(m->bodies);
		free(m->lens);
		if (m->res != NULL) {
			for (i = 0; i < tr->nversions; i++) {
				free(m->res[i].digest);
				free(m->res[i].body);
				for (j = 0; j < CONFIG_MAX_ARCHS; j++) {
					free(m->res[i].arch_digest[j]);
					free(m->res[i].child[j]);
				}
			}
		}
		free(m->res);
		free(m->latest_digest);
		free(m->error);
	}
	free(tr->m);
	for (i = 0; i < tr->nprobes; i++)
		free(tr->probes[i]);
	free(tr->probes);
	free(tr);
}

/* The window is chosen: probe every mirror whose tag list is in. */
void
target_refresh_versions(struct target_refresh *tr,
    const struct mt_version *v, size_t n)
{
	size_t k;

	if (tr->have_versions)
		return;
	tr->versions = v;
	tr->nversions = n;
	tr->have_versions = 1;
	for (k = 0; k < tr->nm; k++)
		mirror_probe_all(&tr->m[k]);
}

/* Requests in flight. */
int
target_refresh_busy(const struct target_refresh *tr)
{
	return tr != NULL ? tr->busy : 0;
}

/* GET the manifests of mirror tags whose digest is not the primary's. */
int
target_refresh_resolve(struct target_refresh *tr,
    const struct mt_version *v, size_t n)
{
	size_t k, i;
	int started = 0;

	if (!tr->ac->manifest)
		return 0;
	for (k = 0; k < tr->nm; k++) {
		struct tmirror *m = &tr->m[k];

		if (m->res == NULL || m->tags_status != 0)
			continue;
		for (i = 0; i < n && i < tr->nversions; i++) {
			struct tres *res = &m->res[i];

			if (!res->has_tag || res->digest == NULL || res->got ||
			    (v[i].digest != NULL &&
			    strcmp(v[i].digest, res->digest) == 0))
				continue;
			mirror_request(m, i, -1, 0, 1, res->digest);
			started++;
		}
	}
	return started;
}

/* A mirror's discovery is done. */
static void
on_mirror_supply(void *arg)
{
	struct tmirror *m = arg;
	struct target_refresh *tr = m->tr;

	if (--tr->supplying == 0)
		tr->supply_done(tr->supply_arg);
}

/*
 * What mirror m holds of version i, as discovery's subjects: the digest
 * of its tag and the children (the primary's, when it is the primary's
 * index; else those of the manifest read), and the index bytes.
 */
static void
mirror_subjects(struct tmirror *m, const struct mt_version *pv, size_t i,
    char *const *bodies, const size_t *lens)
{
	const struct app_config *ac = m->tr->ac;
	struct tres *res = &m->res[i];
	struct mt_version *sv = &m->sv[i];
	size_t j;

	sv->version = pv->version;	/* borrowed, for nothing but reading */
	if (!ac->manifest) {
		sv->arch_digest[0] = xstrdup(res->arch_digest[0]);
		return;
	}
	if (!res->has_tag || res->digest == NULL)
		return;		/* not held here: no subject, nothing found */
	sv->digest = xstrdup(res->digest);
	if (pv->digest != NULL && strcmp(pv->digest, res->digest) == 0) {
		for (j = 0; j < ac->narchs && j < CONFIG_MAX_ARCHS; j++)
			sv->arch_digest[j] = xstrdup(pv->arch_digest[j]);
		if (bodies != NULL) {
			m->bodies[i] = bodies[i];
			m->lens[i] = lens[i];
		}
		return;
	}
	for (j = 0; j < ac->narchs && j < CONFIG_MAX_ARCHS; j++)
		sv->arch_digest[j] = xstrdup(res->child[j]);
	m->bodies[i] = res->body;
	m->lens[i] = res->len;
}

/* Discovery on every mirror that could be asked; see target.h. */
size_t
target_refresh_supply(struct target_refresh *tr, const struct mt_version *v,
    size_t n, char *const *bodies, const size_t *lens,
    struct supply *const *supply, target_step_cb done, void *arg)
{
	size_t k, i;

	if (tr == NULL)
		return 0;
	tr->supply_done = done;
	tr->supply_arg = arg;
	tr->supplying = 1;	/* held while starting */
	for (k = 0; k < tr->nm; k++) {
		struct tmirror *m = &tr->m[k];

		if (m->res == NULL || m->tags_status != 0 || m->error != NULL ||
		    n == 0 || n > tr->nversions || m->run != NULL)
			continue;
		m->sv = xcalloc(n, sizeof *m->sv);
		m->bodies = xcalloc(n, sizeof *m->bodies);
		m->lens = xcalloc(n, sizeof *m->lens);
		for (i = 0; i < n; i++)
			mirror_subjects(m, &v[i], i, bodies, lens);
		tr->supplying++;
		m->run = supply_run(supply[tr->ac->targets[m->k]], m->repo,
		    tr->app->targets[m->k].image, m->sv, n, tr->ac->narchs,
		    m->tags, m->ntags, m->bodies, m->lens, on_mirror_supply, m);
	}
	return --tr->supplying;
}

/* Version state from arch states (as model_version_update_state). */
static enum version_state
state_of(const enum arch_state *archs, size_t narchs)
{
	size_t i, present = 0, missing = 0;

	for (i = 0; i < narchs; i++) {
		if (archs[i] == ARCH_PRESENT)
			present++;
		else if (archs[i] == ARCH_MISSING)
			missing++;
	}
	if (narchs == 0 || present == narchs)
		return VERSION_COMPLETE;
	if (missing == 0)
		return VERSION_STAGED;
	if (missing == narchs)
		return VERSION_MISSING;
	return VERSION_PARTIAL;
}

/* The previous refresh's entry k of version `version`, or NULL. */
static const struct mt_target_version *
prev_entry(const struct mt_version *prev, size_t nprev, const char *version,
    size_t k)
{
	size_t i;

	for (i = 0; i < nprev; i++) {
		if (strcmp(prev[i].version, version) == 0)
			return k < prev[i].ntargets ? &prev[i].targets[k] :
			    NULL;
	}
	return NULL;
}

/* Mirror k's entry for version i from the answers. */
static void
mirror_entry(const struct tmirror *m, const struct app_config *ac,
    const struct mt_version *pv, size_t i, struct mt_target_version *e)
{
	const struct tres *res = &m->res[i];
	size_t j;
	int differs = 0;

	if (ac->manifest && res->has_tag && res->digest != NULL &&
	    pv->digest != NULL && strcmp(res->digest, pv->digest) == 0) {
		/* The primary's own index: the same archs. */
		e->digest = xstrdup(res->digest);
		memcpy(e->archs, pv->archs, sizeof e->archs);
		e->state = pv->state;
		return;
	}
	if (ac->manifest && res->has_tag && res->digest != NULL) {
		e->digest = xstrdup(res->digest);
		for (j = 0; j < ac->narchs; j++)
			e->archs[j] = res->got ? res->archs[j] : ARCH_MISSING;
		e->state = VERSION_DIFFERS;
		return;
	}
	for (j = 0; j < ac->narchs; j++) {
		e->archs[j] = res->archs[j];
		if (!ac->manifest && res->archs[j] == ARCH_PRESENT &&
		    res->arch_digest[j] != NULL &&
		    pv->arch_digest[j] != NULL &&
		    strcmp(res->arch_digest[j], pv->arch_digest[j]) != 0)
			differs = 1;
	}
	if (!ac->manifest && res->arch_digest[0] != NULL)
		e->digest = xstrdup(res->arch_digest[0]);
	e->state = differs ? VERSION_DIFFERS : state_of(e->archs, ac->narchs);
}

/* Fill per-target states; see target.h. */
char *
target_refresh_finish(struct target_refresh *tr, struct mt_app *a,
    const struct mt_version *prev, size_t nprev, struct mt_version *v,
    size_t n)
{
	const struct app_config *ac = a->cfg;
	const char *upstream_latest = NULL;
	char *error = NULL;
	size_t i, k;

	for (i = 0; i < n && upstream_latest == NULL; i++)
		if (v[i].is_latest)
			upstream_latest = v[i].version;

	for (i = 0; i < n; i++) {
		struct mt_target_version *e;

		target_version_clear(&v[i]);
		v[i].ntargets = a->ntargets;
		v[i].targets = xcalloc(a->ntargets ? a->ntargets : 1,
		    sizeof *v[i].targets);
		e = &v[i].targets[0];
		sc_supply_copy(&e->supply, &v[i].supply);
		e->state = v[i].state;
		memcpy(e->archs, v[i].archs, sizeof e->archs);
		e->digest = xstrdup(ac->manifest ? v[i].digest :
		    v[i].arch_digest[0]);
	}
	for (k = 0; k < tr->nm; k++) {
		struct tmirror *m = &tr->m[k];
		struct mt_target *t = &a->targets[m->k];
		int failed = m->tags_status == -1 || m->error != NULL;

		if (failed && error == NULL)
			error = xasprintf("registry of target %s: %s",
			    t->cfg->name, m->error != NULL ? m->error :
			    "tag list failed");
		t->unknown = failed;
		for (i = 0; i < n; i++) {
			struct mt_target_version *e = &v[i].targets[m->k];
			const struct mt_target_version *o;

			if (failed) {
				/* Keep what the previous refresh knew. */
				o = prev_entry(prev, nprev, v[i].version, m->k);
				if (o != NULL) {
					*e = *o;
					e->digest = xstrdup(o->digest);
					memset(&e->supply, 0, sizeof e->supply);
					sc_supply_copy(&e->supply, &o->supply);
				} else
					sc_supply_set_all(&e->supply,
					    SC_UNKNOWN);
				continue;
			}
			if (m->sv != NULL && i < tr->nversions) {
				/* Moved: the run is over. */
				e->supply = m->sv[i].supply;
				memset(&m->sv[i].supply, 0,
				    sizeof m->sv[i].supply);
			} else
				sc_supply_set_all(&e->supply, SC_MISSING);
			if (m->res == NULL)
				continue;	/* all missing */
			mirror_entry(m, ac, &v[i], i, e);
		}
		if (failed && a->loaded)
			continue;
		free(t->latest_digest);
		t->latest_digest = xstrdup(m->latest_digest);
		free(t->latest_version);
		t->latest_version = NULL;
		for (i = 0; i < n && t->latest_digest != NULL; i++) {
			const char *d = v[i].targets[m->k].digest;

			if (d != NULL && strcmp(d, t->latest_digest) == 0) {
				t->latest_version = xstrdup(v[i].version);
				break;
			}
		}
		t->latest_drift = !failed && upstream_latest != NULL &&
		    (t->latest_version == NULL ||
		    strcmp(t->latest_version, upstream_latest) != 0);
	}
	return error;
}

/* The app's targets in the model, from the configuration. */
void
target_app_init(const struct config *cfg, struct mt_app *a)
{
	size_t k;

	a->ntargets = a->cfg->ntargets;
	a->targets = xcalloc(a->ntargets ? a->ntargets : 1,
	    sizeof *a->targets);
	for (k = 0; k < a->ntargets; k++) {
		struct mt_target *t = &a->targets[k];

		t->cfg = config_app_target(cfg, a->cfg, k);
		t->repo = xasprintf("%s/%s", t->cfg->namespace, a->cfg->image);
		t->image = xasprintf("%s/%s", t->cfg->registry, t->repo);
	}
}

/* Free the app's targets. */
void
target_app_clear(struct mt_app *a)
{
	size_t k;

	for (k = 0; k < a->ntargets; k++) {
		free(a->targets[k].image);
		free(a->targets[k].repo);
		free(a->targets[k].latest_digest);
		free(a->targets[k].latest_version);
	}
	free(a->targets);
	a->targets = NULL;
	a->ntargets = 0;
}

/* Free a version's per-target entries. */
void
target_version_clear(struct mt_version *v)
{
	size_t k;

	for (k = 0; k < v->ntargets; k++) {
		free(v->targets[k].digest);
		sc_supply_clear(&v->targets[k].supply);
	}
	free(v->targets);
	v->targets = NULL;
	v->ntargets = 0;
}

/* Copy a version's per-target entries. */
void
target_version_copy(struct mt_version *dst, const struct mt_version *src)
{
	size_t k;

	target_version_clear(dst);
	if (src->ntargets == 0)
		return;
	dst->targets = xcalloc(src->ntargets, sizeof *dst->targets);
	dst->ntargets = src->ntargets;
	for (k = 0; k < src->ntargets; k++) {
		dst->targets[k] = src->targets[k];
		dst->targets[k].digest = xstrdup(src->targets[k].digest);
		memset(&dst->targets[k].supply, 0,
		    sizeof dst->targets[k].supply);
		sc_supply_copy(&dst->targets[k].supply,
		    &src->targets[k].supply);
	}
}
