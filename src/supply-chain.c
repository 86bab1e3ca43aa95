/*
 * supply-chain.c — discovery of signatures, SBOMs and provenance.
 *
 * Per version, the subjects are the index digest and each arch's child
 * digest (cosign signs what it is given, usually the index; buildx hangs
 * its attestations on each child). For each subject:
 *  - cosign tags from the tag list: .sig and .sbom need no request; .att
 *    is fetched once to read each layer's predicate type;
 *  - the referrers API, one call per subject, once the registry is known
 *    to have it (the first call is the probe, the others wait for it);
 *    without the API, the fallback tag sha256-<hex> when the tag list has
 *    it (one GET);
 * and the attestation manifests listed in the version's index (by digest,
 * so their kinds are cached for the life of the process).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model.h"
#include "registry.h"
#include "supply-chain.h"
#include "util.h"

#define SC_INDEX_MAX	1024	/* descriptors read from one index */
#define SC_LAYERS_MAX	1024
#define SC_FOUND_MAX	64	/* per version */
#define SC_CACHE_MAX	4096	/* manifest digest -> kinds */
#define SC_FIELD_MAX	255

static const char *kind_names[] = { "signature", "sbom", "provenance" };
static const char *state_names[] = { "unknown", "missing", "present" };
static const char *via_names[] = {
	"cosign-tag", "referrers", "fallback-tag", "attestation-manifest"
};

const char *
sc_kind_name(enum sc_kind k)
{
	return (unsigned)k < SC_NKINDS ? kind_names[k] : "?";
}

const char *
sc_state_name(enum sc_state s)
{
	return (unsigned)s < MT_ARRAY_LEN(state_names) ? state_names[s] :
	    "unknown";
}

const char *
sc_via_name(enum sc_via v)
{
	return (unsigned)v < MT_ARRAY_LEN(via_names) ? via_names[v] : "?";
}

static void
found_clear(struct sc_found *f)
{
	free(f->ref);
	free(f->subject);
	free(f->artifact);
	free(f->tag);
	memset(f, 0, sizeof *f);
}

/* Free what a version's supply owns; the states become unknown. */
void
sc_supply_clear(struct mt_supply *s)
{
	size_t i;

	for (i = 0; i < s->nfound; i++)
		found_clear(&s->found[i]);
	free(s->found);
	memset(s, 0, sizeof *s);
}

/* Deep copy (dst is overwritten, not cleared). */
void
sc_supply_copy(struct mt_supply *dst, const struct mt_supply *src)
{
	size_t i;

	memset(dst, 0, sizeof *dst);
	memcpy(dst->state, src->state, sizeof dst->state);
	if (src->nfound == 0)
		return;
	dst->found = xcalloc(src->nfound, sizeof *dst->found);
	for (i = 0; i < src->nfound; i++) {
		const struct sc_found *f = &src->found[i];
		struct sc_found *g = &dst->found[i];

		g->kind = f->kind;
		g->via = f->via;
		g->ref = xstrdup(f->ref);
		g->subject = xstrdup(f->subject);
		g->artifact = xstrdup(f->artifact);
		g->tag = xstrdup(f->tag);
	}
	dst->nfound = src->nfound;
}

void
sc_supply_set_all(struct mt_supply *s, enum sc_state st)
{
	size_t k;

	sc_supply_clear(s);
	for (k = 0; k < SC_NKINDS; k++)
		s->state[k] = st;
}

const struct sc_found *
sc_supply_find(const struct mt_supply *s, const char *what)
{
	size_t i;

	if (what == NULL)
		return NULL;
	for (i = 0; i < s->nfound; i++) {
		const struct sc_found *f = &s->found[i];

		if ((f->tag != NULL && strcmp(f->tag, what) == 0) ||
		    (f->artifact != NULL && strcmp(f->artifact, what) == 0))
			return f;
	}
	return NULL;
}

/* "sha256:" and 64 lower-case hex digits. */
static int
sc_valid_digest(const char *s)
{
	size_t i;

	if (s == NULL || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return 0;
	for (i = 7; i < 71; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
sc_artifact_tag(const char *tag, char *subject, const char **suffix)
{
	const char *rest;
	size_t i;

	if (tag == NULL || strncmp(tag, "sha256-", 7) != 0)
		return 0;
	for (i = 7; i < 71; i++)
		if (!((tag[i] >= '0' && tag[i] <= '9') ||
		    (tag[i] >= 'a' && tag[i] <= 'f')))
			return 0;
	rest = tag + 71;
	if (*rest != '\0' && strcmp(rest, ".sig") != 0 &&
	    strcmp(rest, ".att") != 0 && strcmp(rest, ".sbom") != 0)
		return 0;
	if (subject != NULL) {
		memcpy(subject, "sha256:", 7);
		memcpy(subject + 7, tag + 7, 64);
		subject[71] = '\0';
	}
	if (suffix != NULL)
		*suffix = rest;
	return 1;
}

/* Case-insensitive substring. */
static int
ci_contains(const char *s, const char *needle)
{
	size_t n = strlen(needle), i;

	for (; *s != '\0'; s++) {
		for (i = 0; i < n && s[i] != '\0' &&
		    tolower((unsigned char)s[i]) == needle[i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

static int
ci_prefix(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

/* Kinds a predicate type names. */
static unsigned
sc_predicate_kinds(const char *p)
{
	if (ci_prefix(p, "https://spdx.dev/document") ||
	    ci_prefix(p, "https://cyclonedx.org/bom"))
		return SC_BIT(SC_SBOM);
	if (ci_prefix(p, "https://slsa.dev/provenance/"))
		return SC_BIT(SC_PROVENANCE);
	return 0;
}

unsigned
sc_classify(const char *mt, const char *predicate)
{
	if (predicate != NULL && *predicate != '\0' && (mt == NULL ||
	    ci_contains(mt, "in-toto") || ci_contains(mt, "dsse") ||
	    ci_contains(mt, "sigstore.bundle") ||
	    ci_contains(mt, "cosign.attestation")))
		return sc_predicate_kinds(predicate);
	if (mt == NULL)
		return 0;
	if (ci_contains(mt, "spdx") || ci_contains(mt, "cyclonedx") ||
	    strcasecmp(mt, "application/vnd.dev.cosign.artifact.sbom.v1+json")
	    == 0)
		return SC_BIT(SC_SBOM);
	if (strcasecmp(mt, "application/vnd.dev.cosign.simplesigning.v1+json")
	    == 0 || strcasecmp(mt,
	    "application/vnd.dev.cosign.artifact.sig.v1+json") == 0 ||
	    ci_prefix(mt, "application/vnd.cncf.notary.signature") ||
	    ci_prefix(mt, "application/vnd.dev.sigstore.bundle"))
		return SC_BIT(SC_SIGNATURE);
	return 0;
}

/* A bounded string member, or NULL. */
static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && strlen(s) <= SC_FIELD_MAX ? s : NULL;
}

/* The predicate type an annotations object names, or NULL. */
static const char *
ann_predicate(json_t *ann)
{
	const char *p;

	if (!json_is_object(ann))
		return NULL;
	if ((p = jstr(ann, "in-toto.io/predicate-type")) != NULL ||
	    (p = jstr(ann, "dev.sigstore.bundle.predicateType")) != NULL ||
	    (p = jstr(ann, "predicateType")) != NULL)
		return p;
	return NULL;
}

static json_t *
load(const char *body, size_t len)
{
	json_error_t err;
	json_t *root;

	if (body == NULL || len == 0 || len > 4 * 1024 * 1024)
		return NULL;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (root != NULL && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int
sc_manifest_kinds(const char *body, size_t len)
{
	json_t *root = load(body, len), *layers, *l, *cfg;
	const char *mpred, *at;
	unsigned kinds = 0;
	size_t i;

	if (root == NULL)
		return -1;
	layers = json_object_get(root, "layers");
	if (!json_is_array(layers) && json_object_get(root, "config") ==
	    NULL) {
		json_decref(root);
		return -1;
	}
	mpred = ann_predicate(json_object_get(root, "annotations"));
	at = jstr(root, "artifactType");
	cfg = json_object_get(root, "config");
	if (at == NULL && json_is_object(cfg))
		at = jstr(cfg, "mediaType");
	if (at != NULL)
		kinds |= sc_classify(at, mpred);
	if (json_is_array(layers)) {
		json_array_foreach(layers, i, l) {
			const char *p;

			if (i >= SC_LAYERS_MAX)
				break;
			if (!json_is_object(l))
				continue;
			p = ann_predicate(json_object_get(l, "annotations"));
			kinds |= sc_classify(jstr(l, "mediaType"),
			    p != NULL ? p : mpred);
		}
	}
	json_decref(root);
	return (int)kinds;
}

void
sc_entries_free(struct sc_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].digest);
		free(e[i].subject);
	}
	free(e);
}

int
sc_parse_index(const char *body, size_t len, int attestation,
    struct sc_entry **out, size_t *n)
{
	json_t *root = load(body, len), *list, *d, *ann;
	struct sc_entry *e;
	size_t i;

	*out = NULL;
	*n = 0;
	if (root == NULL)
		return -1;
	list = json_object_get(root, "manifests");
	if (list != NULL && !json_is_null(list) && !json_is_array(list)) {
		json_decref(root);
		return -1;
	}
	if (!json_is_array(list) || json_array_size(list) == 0) {
		json_decref(root);
		return 0;
	}
	e = xcalloc(json_array_size(list) < SC_INDEX_MAX ?
	    json_array_size(list) : SC_INDEX_MAX, sizeof *e);
	json_array_foreach(list, i, d) {
		const char *digest, *at, *pred, *content;
		struct sc_entry *x = &e[*n];

		if (i >= SC_INDEX_MAX)
			break;
		if (!json_is_object(d))
			continue;
		digest = jstr(d, "digest");
		if (!sc_valid_digest(digest))
			continue;
		ann = json_object_get(d, "annotations");
		if (attestation) {
			const char *t, *subj;

			if (!json_is_object(ann))
				continue;
			t = jstr(ann, "vnd.docker.reference.type");
			subj = jstr(ann, "vnd.docker.reference.digest");
			if (t == NULL || strcmp(t, "attestation-manifest") !=
			    0 || !sc_valid_digest(subj))
				continue;
			x->digest = xstrdup(digest);
			x->subject = xstrdup(subj);
			x->ask = 1;
			(*n)++;
			continue;
		}
		at = jstr(d, "artifactType");
		pred = ann_predicate(ann);
		content = json_is_object(ann) ? jstr(ann,
		    "dev.sigstore.bundle.content") : NULL;
		x->digest = xstrdup(digest);
		if (at != NULL && ci_prefix(at,
		    "application/vnd.dev.sigstore.bundle") && pred == NULL &&
		    content != NULL && strcmp(content, "dsse-envelope") == 0)
			x->kinds = 0;	/* an attestation: its manifest says */
		else
			x->kinds = sc_classify(at, pred);
		x->ask = x->kinds == 0 && (at == NULL ||
		    ci_contains(at, "in-toto") || ci_contains(at, "dsse") ||
		    ci_contains(at, "sigstore.bundle") ||
		    ci_contains(at, "cosign.attestation"));
		(*n)++;
	}
	json_decref(root);
	if (*n == 0) {
		free(e);
		e = NULL;
	}
	*out = e;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The engine. */

struct sc_cache {
	char		 digest[72];
	unsigned	 kinds;
};

enum sc_what {
	REQ_ATT_TAG,		/* cosign .att: GET by tag */
	REQ_FALLBACK,		/* fallback tag: GET the index */
	REQ_REFERRERS,		/* the API */
	REQ_MANIFEST,		/* a referrer/attestation manifest by digest */
	REQ_QUEUED,		/* waiting for the referrers probe */
};

struct sc_req {
	struct sc_run	*run;
	size_t		 v;
	enum sc_what	 what;
	enum sc_via	 via;		/* REQ_MANIFEST: what to record */
	char		*subject;
	char		*digest;	/* REQ_MANIFEST */
	char		*tag;		/* REQ_ATT_TAG, REQ_FALLBACK, and the
					 * fallback tag of a REQ_MANIFEST */
	int		 probe;
	int		 inflight;
	struct sc_req	*next;		/* the run's list */
	struct sc_req	*wnext;		/* the probe's waiters */
};

struct sc_vres {
	struct sc_found	*found;
	size_t		 nfound;
	unsigned	 uncertain;
	int		 subjects;
};

struct sc_run {
	struct supply		*sc;
	char			*repo;
	char			*image;
	struct mt_version	*versions;
	size_t			 n;
	char *const		*tags;
	size_t			 ntags;
	struct sc_vres		*res;
	int			 pending;
	sc_done_cb		 done;
	void			*arg;
	struct sc_req		*reqs;
};

struct supply {
	struct registry	*reg;
	int		 api;		/* 1 yes, 0 no, -1 unknown */
	int		 probing;
	struct sc_req	*waiters;
	struct sc_cache	*cache;
	size_t		 ncache, cache_next;
};

struct supply *
supply_new(struct registry *reg)
{
	struct supply *sc = xcalloc(1, sizeof *sc);

	sc->reg = reg;
	sc->api = -1;
	return sc;
}

void
supply_free(struct supply *sc)
{
	if (sc == NULL)
		return;
	free(sc->cache);
	free(sc);
}

int
supply_referrers_api(const struct supply *sc)
{
	return sc->api;
}

static int
cache_get(const struct supply *sc, const char *digest, unsigned *kinds)
{
	size_t i;

	for (i = 0; i < sc->ncache; i++) {
		if (strcmp(sc->cache[i].digest, digest) == 0) {
			*kinds = sc->cache[i].kinds;
			return 1;
		}
	}
	return 0;
}

static void
cache_put(struct supply *sc, const char *digest, unsigned kinds)
{
	struct sc_cache *c;

	if (!sc_valid_digest(digest))
		return;
	if (sc->cache == NULL)
		sc->cache = xcalloc(SC_CACHE_MAX, sizeof *sc->cache);
	if (sc->ncache < SC_CACHE_MAX)
		c = &sc->cache[sc->ncache++];
	else {
		c = &sc->cache[sc->cache_next];
		sc->cache_next = (sc->cache_next + 1) % SC_CACHE_MAX;
	}
	memcpy(c->digest, digest, 72);
	c->kinds = kinds;
}

static int
cmp_tag(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_has_tag(const struct sc_run *run, const char *tag)
{
	return run->ntags > 0 && bsearch(&tag, run->tags, run->ntags,
	    sizeof *run->tags, cmp_tag) != NULL;
}

/* Record kinds found for version v (deduplicated, bounded). */
static void
add_found(struct sc_run *run, size_t v, unsigned kinds, enum sc_via via,
    const char *ref, const char *subject, const char *artifact,
    const char *tag)
{
	struct sc_vres *r = &run->res[v];
	size_t k, i;

	for (k = 0; k < SC_NKINDS; k++) {
		int dup = 0;

		if (!(kinds & SC_BIT(k)))
			continue;
		for (i = 0; i < r->nfound && !dup; i++)
			dup = r->found[i].kind == k && r->found[i].via == via &&
			    strcmp(r->found[i].ref, ref) == 0 &&
			    strcmp(r->found[i].subject, subject) == 0;
		if (dup || r->nfound >= SC_FOUND_MAX)
			continue;
		if (r->found == NULL)
			r->found = xcalloc(SC_FOUND_MAX, sizeof *r->found);
		r->found[r->nfound].kind = (enum sc_kind)k;
		r->found[r->nfound].via = via;
		r->found[r->nfound].ref = xstrdup(ref);
		r->found[r->nfound].subject = xstrdup(subject);
		r->found[r->nfound].artifact = xstrdup(artifact);
		r->found[r->nfound].tag = xstrdup(tag);
		r->nfound++;
	}
}

static int
found_cmp(const void *a, const void *b)
{
	const struct sc_found *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->via != y->via)
		return (int)x->via - (int)y->via;
	if ((c = strcmp(x->subject, y->subject)) != 0)
		return c;
	return strcmp(x->ref, y->ref);
}

/* Every answer is in: write each version's supply and call done. */
static void
run_finish(struct sc_run *run)
{
	size_t i, k;

	for (i = 0; i < run->n; i++) {
		struct mt_supply *s = &run->versions[i].supply;
		struct sc_vres *r = &run->res[i];

		sc_supply_clear(s);
		for (k = 0; k < SC_NKINDS; k++)
			s->state[k] = (r->uncertain & SC_BIT(k)) ?
			    SC_UNKNOWN : SC_MISSING;
		for (k = 0; k < r->nfound; k++)
			s->state[r->found[k].kind] = SC_PRESENT;
		if (r->nfound > 0)
			qsort(r->found, r->nfound, sizeof *r->found,
			    found_cmp);
		s->found = r->found;
		s->nfound = r->nfound;
		r->found = NULL;
		r->nfound = 0;
	}
	if (run->done != NULL)
		run->done(run->arg);
}

static struct sc_req *
req_new(struct sc_run *run, size_t v, enum sc_what what, const char *subject)
{
	struct sc_req *q = xcalloc(1, sizeof *q);

	q->run = run;
	q->v = v;
	q->what = what;
	q->subject = xstrdup(subject);
	q->next = run->reqs;
	run->reqs = q;
	run->pending++;
	return q;
}

/* Unlink and free one request of its run. */
static void
req_unlink(struct sc_req *q)
{
	struct sc_req **pp;

	for (pp = &q->run->reqs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	if (q->inflight)
		registry_cancel_arg(q->run->sc->reg, q);
	free(q->subject);
	free(q->digest);
	free(q->tag);
	free(q);
}

/* A request is done: the run may be finished (and freed by done). */
static void
req_done(struct sc_req *q)
{
	struct sc_run *run = q->run;

	q->inflight = 0;
	req_unlink(q);
	if (--run->pending == 0)
		run_finish(run);
}

static void on_manifest(int, const struct registry_manifest *, const char *,
    void *);
static void on_referrers(int, const struct registry_manifest *,
    const char *, void *);
static void lookup_subject(struct sc_run *, size_t, const char *);

/* Ask a referrer's or attestation's manifest (or answer from the cache). */
static void
ask_manifest(struct sc_run *run, size_t v, enum sc_via via,
    const char *digest, const char *subject, const char *tag)
{
	unsigned kinds;
	char *ref;
	struct sc_req *q;

	if (cache_get(run->sc, digest, &kinds)) {
		ref = xasprintf("%s@%s", run->image, digest);
		add_found(run, v, kinds, via, ref, subject, digest, tag);
		free(ref);
		return;
	}
	q = req_new(run, v, REQ_MANIFEST, subject);
	q->via = via;
	q->digest = xstrdup(digest);
	q->tag = xstrdup(tag);
	q->inflight = 1;
	registry_get_manifest(run->sc->reg, run->repo, digest, 0, on_manifest,
	    q);
}

/* A referrers index (the API's or the fallback tag's) for subject. */
static void
take_index(struct sc_run *run, size_t v, enum sc_via via, const char *subject,
    const char *body, size_t len, const char *tag)
{
	struct sc_entry *e;
	size_t n, i;

	if (sc_parse_index(body, len, 0, &e, &n) != 0) {
		run->res[v].uncertain |= SC_ALL;
		return;
	}
	for (i = 0; i < n; i++) {
		char *ref;

		if (e[i].kinds == 0) {
			if (e[i].ask)
				ask_manifest(run, v, via, e[i].digest, subject,
				    tag);
			continue;
		}
		ref = xasprintf("%s@%s", run->image, e[i].digest);
		add_found(run, v, e[i].kinds, via, ref, subject, e[i].digest,
		    tag);
		free(ref);
	}
	sc_entries_free(e, n);
}

/* No referrers API: the fallback tag, when the tag list has it. */
static void
lookup_fallback(struct sc_run *run, size_t v, const char *subject)
{
	struct sc_req *q;
	char *tag = xasprintf("sha256-%s", subject + 7);

	if (!run_has_tag(run, tag)) {
		free(tag);
		return;
	}
	q = req_new(run, v, REQ_FALLBACK, subject);
	q->tag = tag;
	q->inflight = 1;
	registry_get_manifest(run->sc->reg, run->repo, tag, 0, on_manifest, q);
}

static void
send_referrers(struct sc_run *run, size_t v, const char *subject, int probe)
{
	struct sc_req *q = req_new(run, v, REQ_REFERRERS, subject);

	q->probe = probe;
	q->inflight = 1;
	if (probe)
		run->sc->probing = 1;
	registry_get_referrers(run->sc->reg, run->repo, subject, on_referrers,
	    q);
}

/* The probe answered: let each waiter go its way. */
static void
release_waiters(struct supply *sc)
{
	struct sc_req *q;

	/* One at a time: a waiter's run may end (and be freed) meanwhile. */
	while ((q = sc->waiters) != NULL && !sc->probing) {
		sc->waiters = q->wnext;
		q->wnext = NULL;
		lookup_subject(q->run, q->v, q->subject);
		req_done(q);
	}
}

static void
lookup_subject(struct sc_run *run, size_t v, const char *subject)
{
	struct supply *sc = run->sc;
	struct sc_req *q, **pp;

	if (sc->api == 0)
		lookup_fallback(run, v, subject);
	else if (sc->api == 1 || !sc->probing)
		send_referrers(run, v, subject, sc->api != 1);
	else {
		q = req_new(run, v, REQ_QUEUED, subject);
		for (pp = &sc->waiters; *pp != NULL; pp = &(*pp)->wnext)
			;
		*pp = q;
	}
}

static void
on_referrers(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct sc_req *q = arg;
	struct sc_run *run = q->run;
	struct supply *sc = run->sc;

	(void)errmsg;
	q->inflight = 0;
	if (status == 0 && m != NULL) {
		sc->api = 1;
		take_index(run, q->v, SC_VIA_REFERRERS, q->subject, m->body,
		    m->len, NULL);
	} else if (status == 1) {
		sc->api = 0;
		lookup_fallback(run, q->v, q->subject);
	} else
		run->res[q->v].uncertain |= SC_ALL;
	if (q->probe)
		sc->probing = 0;
	req_done(q);
	release_waiters(sc);
}

static void
on_manifest(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct sc_req *q = arg;
	struct sc_run *run = q->run;
	struct sc_vres *r = &run->res[q->v];
	char *ref;
	int kinds;

	(void)errmsg;
	q->inflight = 0;
	switch (q->what) {
	case REQ_ATT_TAG:
		if (status == 1)
			break;	/* gone since the tag list */
		if (status != 0 || m == NULL ||
		    (kinds = sc_manifest_kinds(m->body, m->len)) < 0) {
			r->uncertain |= SC_BIT(SC_SBOM) | SC_BIT(SC_PROVENANCE);
			break;
		}
		ref = xasprintf("%s:%s", run->image, q->tag);
		add_found(run, q->v, (unsigned)kinds, SC_VIA_COSIGN_TAG, ref,
		    q->subject, m->digest, q->tag);
		free(ref);
		break;
	case REQ_FALLBACK:
		if (status == 1)
			break;
		if (status != 0 || m == NULL) {
			r->uncertain |= SC_ALL;
			break;
		}
		take_index(run, q->v, SC_VIA_FALLBACK_TAG, q->subject,
		    m->body, m->len, q->tag);
		break;
	case REQ_MANIFEST:
		if (status == 1)
			break;	/* listed but gone: nothing there */
		if (status != 0 || m == NULL ||
		    (kinds = sc_manifest_kinds(m->body, m->len)) < 0) {
			r->uncertain |= q->via == SC_VIA_ATTESTATION_MANIFEST ?
			    SC_BIT(SC_SBOM) | SC_BIT(SC_PROVENANCE) : SC_ALL;
			break;
		}
		cache_put(run->sc, q->digest, (unsigned)kinds);
		ref = xasprintf("%s@%s", run->image, q->digest);
		add_found(run, q->v, (unsigned)kinds, q->via, ref, q->subject,
		    q->digest, q->tag);
		free(ref);
		break;
	default:
		break;
	}
	req_done(q);
}

/* Cosign's tags for one subject. */
static void
lookup_cosign(struct sc_run *run, size_t v, const char *subject)
{
	static const struct {
		const char	*suffix;
		unsigned	 kinds;
	} tags[] = {
		{ ".sig", SC_BIT(SC_SIGNATURE) },
		{ ".sbom", SC_BIT(SC_SBOM) },
		{ ".att", 0 },
	};
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(tags); i++) {
		char *tag = xasprintf("sha256-%s%s", subject + 7,
		    tags[i].suffix), *ref;
		struct sc_req *q;

		if (!run_has_tag(run, tag)) {
			free(tag);
			continue;
		}
		if (tags[i].kinds != 0) {
			ref = xasprintf("%s:%s", run->image, tag);
			add_found(run, v, tags[i].kinds, SC_VIA_COSIGN_TAG, ref,
			    subject, NULL, tag);
			free(ref);
			free(tag);
			continue;
		}
		q = req_new(run, v, REQ_ATT_TAG, subject);
		q->tag = tag;
		q->inflight = 1;
		registry_get_manifest(run->sc->reg, run->repo, tag, 0,
		    on_manifest, q);
	}
}

struct sc_run *
supply_run(struct supply *sc, const char *repo, const char *image,
    struct mt_version *versions, size_t n, size_t narchs, char *const *tags,
    size_t ntags, char *const *index_bodies, const size_t *index_lens,
    sc_done_cb done, void *arg)
{
	struct sc_run *run = xcalloc(1, sizeof *run);
	size_t i, j, k;

	run->sc = sc;
	run->repo = xstrdup(repo);
	run->image = xstrdup(image);
	run->versions = versions;
	run->n = n;
	run->tags = tags;
	run->ntags = ntags;
	run->res = xcalloc(n ? n : 1, sizeof *run->res);
	run->done = done;
	run->arg = arg;
	run->pending = 1;	/* held while starting */
	if (narchs > CONFIG_MAX_ARCHS)
		narchs = CONFIG_MAX_ARCHS;
	for (i = 0; i < n; i++) {
		const struct mt_version *v = &versions[i];
		const char *subj[1 + CONFIG_MAX_ARCHS];
		size_t ns = 0;

		if (sc_valid_digest(v->digest))
			subj[ns++] = v->digest;
		for (j = 0; j < narchs; j++) {
			int dup = 0;

			if (!sc_valid_digest(v->arch_digest[j]))
				continue;
			for (k = 0; k < ns && !dup; k++)
				dup = strcmp(subj[k], v->arch_digest[j]) == 0;
			if (!dup)
				subj[ns++] = v->arch_digest[j];
		}
		run->res[i].subjects = (int)ns;
		for (k = 0; k < ns; k++) {
			lookup_cosign(run, i, subj[k]);
			lookup_subject(run, i, subj[k]);
		}
		if (index_bodies != NULL && index_bodies[i] != NULL) {
			struct sc_entry *e;
			size_t ne;

			if (sc_parse_index(index_bodies[i], index_lens[i], 1,
			    &e, &ne) != 0)
				continue;
			for (k = 0; k < ne; k++)
				ask_manifest(run, i,
				    SC_VIA_ATTESTATION_MANIFEST, e[k].digest,
				    e[k].subject, NULL);
			sc_entries_free(e, ne);
		}
	}
	if (--run->pending == 0)
		run_finish(run);
	return run;
}

void
supply_run_free(struct sc_run *run)
{
	struct sc_req **pp;
	size_t i, k;

	if (run == NULL)
		return;
	for (pp = &run->sc->waiters; *pp != NULL;) {
		if ((*pp)->run == run)
			*pp = (*pp)->wnext;
		else
			pp = &(*pp)->wnext;
	}
	while (run->reqs != NULL) {
		if (run->reqs->probe)
			run->sc->probing = 0;
		req_unlink(run->reqs);
	}
	if (!run->sc->probing && run->sc->waiters != NULL) {
		/* The probe went with this run: the next waiter probes. */
		struct sc_req *q = run->sc->waiters;

		run->sc->waiters = q->wnext;
		q->wnext = NULL;
		q->what = REQ_REFERRERS;
		q->probe = 1;
		q->inflight = 1;
		run->sc->probing = 1;
		registry_get_referrers(run->sc->reg, q->run->repo, q->subject,
		    on_referrers, q);
	}
	for (i = 0; i < run->n; i++) {
		for (k = 0; k < run->res[i].nfound; k++)
			found_clear(&run->res[i].found[k]);
		free(run->res[i].found);
	}
	free(run->res);
	free(run->repo);
	free(run->image);
	free(run);
}
