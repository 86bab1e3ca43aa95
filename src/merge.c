/*
 * merge.c — resolve a native multi-arch index (reads only); apply writes
 * it (apply-put.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "merge.h"
#include "registry.h"
#include "util.h"

#define MERGE_MAX_CANDIDATES	3

struct merge_op;

struct merge_arch {
	struct merge_op	*op;
	char		*arch;
	char		*cand[MERGE_MAX_CANDIDATES];	/* refs to try, in order */
	int		 from_index[MERGE_MAX_CANDIDATES]; /* cand is the version's tag */
	size_t		 ncand;
	size_t		 tried;
	char		*staging_ref;	/* for the "missing" message */
	int		 done;
	int		 missing;
	char		*error;
	/* resolved child */
	char		*media_type;
	char		*digest;
	long long	 size;
	char		*os;
	char		*architecture;
	char		*variant;
	char		*platform_json;	/* as the child's config or index entry
					 * states it, or NULL */
	char		*source;	/* the ref it was taken from */
	int		 from_current;	/* from the version's current index */
	json_t		*attest;	/* attestation descriptors for it (array) */
};

struct merge_op {
	struct registry	*reg;
	char		*label;		/* "merge APP VERSION" */
	char		*repo;
	char		*image;
	char		*image_tag;
	struct merge_arch *archs;
	size_t		 narchs;
	size_t		 pending;
	/* the bytes resolved */
	char		*body;
	size_t		 len;
	char		*media_type;
	char		 digest[80];
	/* the version's current manifest */
	char		*cur_body;
	size_t		 cur_len;
	char		*cur_digest;
	merge_result_cb	 rcb;
	void		*arg;
};

/* Whether a platform is the configured arch. */
int
merge_arch_match(const char *architecture, const char *variant,
    const char *arch)
{
	const char *slash = strchr(arch, '/');
	size_t alen = slash ? (size_t)(slash - arch) : strlen(arch);

	if (architecture == NULL || strlen(architecture) != alen ||
	    strncmp(architecture, arch, alen) != 0)
		return 0;
	if (slash == NULL)
		return 1;
	return variant != NULL && strcmp(variant, slash + 1) == 0;
}

/* Build the index JSON with keys in a fixed order. */
char *
merge_build_index(const struct merge_child *c, size_t n,
    const char **media_type)
{
	json_t *root = json_object(), *arr = json_array();
	const char *child_docker = MT_MEDIA_DOCKER_MANIFEST;
	int docker = n > 0;
	size_t i;
	char *s;

	for (i = 0; i < n; i++) {
		if (c[i].media_type == NULL ||
		    strcmp(c[i].media_type, child_docker) != 0)
			docker = 0;
	}
	*media_type = docker ? MT_MEDIA_DOCKER_LIST : MT_MEDIA_OCI_INDEX;
	json_object_set_new(root, "schemaVersion", json_integer(2));
	json_object_set_new(root, "mediaType", json_string(*media_type));
	for (i = 0; i < n; i++) {
		json_t *e = json_object(), *p = json_object();

		json_object_set_new(e, "mediaType", json_string(c[i].media_type ?
		    c[i].media_type : MT_MEDIA_OCI_MANIFEST));
		json_object_set_new(e, "digest", json_string(c[i].digest));
		json_object_set_new(e, "size", json_integer(c[i].size));
		json_object_set_new(p, "architecture",
		    json_string(c[i].architecture));
		json_object_set_new(p, "os", json_string(c[i].os ? c[i].os :
		    "linux"));
		if (c[i].variant != NULL)
			json_object_set_new(p, "variant",
			    json_string(c[i].variant));
		json_object_set_new(e, "platform", p);
		json_array_append_new(arr, e);
	}
	json_object_set_new(root, "manifests", arr);
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

/*
 * The index JSON for the resolved children: each entry's platform as its
 * config (or its source index) states it, then the attestation
 * descriptors of the children, unchanged. An OCI index unless every entry
 * is a Docker schema2 manifest. Caller frees; *media_type is static.
 */
static char *
merge_build_full(const struct merge_arch *archs, size_t n,
    const char **media_type)
{
	json_t *root = json_object(), *arr = json_array(), *e, *p, *att;
	json_error_t jerr;
	int docker = n > 0;
	size_t i, j;
	char *s;

	for (i = 0; i < n; i++) {
		if (archs[i].media_type == NULL || strcmp(archs[i].media_type,
		    MT_MEDIA_DOCKER_MANIFEST) != 0 ||
		    json_array_size(archs[i].attest) > 0)
			docker = 0;
	}
	*media_type = docker ? MT_MEDIA_DOCKER_LIST : MT_MEDIA_OCI_INDEX;
	json_object_set_new(root, "schemaVersion", json_integer(2));
	json_object_set_new(root, "mediaType", json_string(*media_type));
	for (i = 0; i < n; i++) {
		const struct merge_arch *a = &archs[i];

		e = json_object();
		json_object_set_new(e, "mediaType", json_string(a->media_type ?
		    a->media_type : MT_MEDIA_OCI_MANIFEST));
		json_object_set_new(e, "digest", json_string(a->digest));
		json_object_set_new(e, "size", json_integer(a->size));
		p = a->platform_json ? json_loads(a->platform_json, 0, &jerr) :
		    NULL;
		if (!json_is_object(p)) {
			json_decref(p);
			p = json_object();
			json_object_set_new(p, "architecture",
			    json_string(a->architecture));
			json_object_set_new(p, "os", json_string(a->os ? a->os :
			    "linux"));
			if (a->variant != NULL)
				json_object_set_new(p, "variant",
				    json_string(a->variant));
		}
		json_object_set_new(e, "platform", p);
		json_array_append_new(arr, e);
	}
	for (i = 0; i < n; i++) {
		json_array_foreach(archs[i].attest, j, att)
			json_array_append(arr, att);
	}
	json_object_set_new(root, "manifests", arr);
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

/*
 * From an index body: the descriptor of digest as written there
 * (*platform: its platform object, compact, caller frees), and the
 * attestation descriptors that refer to digest appended to attest.
 */
static void
merge_index_scan(const char *body, size_t len, const char *digest,
    char **platform, json_t *attest)
{
	json_t *root, *arr, *e, *ann, *p;
	json_error_t jerr;
	size_t i, j;

	if (body == NULL || digest == NULL)
		return;
	root = json_loadb(body, len, 0, &jerr);
	arr = json_object_get(root, "manifests");
	json_array_foreach(arr, i, e) {
		const char *d = json_string_value(json_object_get(e, "digest"));
		const char *rt, *rd;

		ann = json_object_get(e, "annotations");
		rt = json_string_value(json_object_get(ann,
		    "vnd.docker.reference.type"));
		rd = json_string_value(json_object_get(ann,
		    "vnd.docker.reference.digest"));
		if (d == NULL)
			continue;
		if (rt != NULL && strcmp(rt, "attestation-manifest") == 0) {
			if (attest == NULL || rd == NULL ||
			    strcmp(rd, digest) != 0)
				continue;
			/* Once per attestation. */
			for (j = 0; j < json_array_size(attest); j++) {
				if (strcmp(json_string_value(json_object_get(
				    json_array_get(attest, j), "digest")),
				    d) == 0)
					break;
			}
			if (j == json_array_size(attest))
				json_array_append(attest, e);
			continue;
		}
		if (platform != NULL && *platform == NULL &&
		    strcmp(d, digest) == 0 &&
		    json_is_object(p = json_object_get(e, "platform")))
			*platform = json_dumps(p, JSON_COMPACT |
			    JSON_PRESERVE_ORDER);
	}
	json_decref(root);
}

/* Free an operation. */
static void
merge_free(struct merge_op *op)
{
	size_t i, j;

	if (op == NULL)
		return;
	for (i = 0; i < op->narchs; i++) {
		struct merge_arch *a = &op->archs[i];

		free(a->arch);
		for (j = 0; j < a->ncand; j++)
			free(a->cand[j]);
		free(a->staging_ref);
		free(a->error);
		free(a->media_type);
		free(a->digest);
		free(a->os);
		free(a->architecture);
		free(a->variant);
		free(a->platform_json);
		free(a->source);
		json_decref(a->attest);
	}
	free(op->archs);
	free(op->cur_body);
	free(op->cur_digest);
	free(op->label);
	free(op->repo);
	free(op->image);
	free(op->image_tag);
	free(op->body);
	free(op->media_type);
	free(op);
}

/* Abandon an operation. */
void
merge_cancel(struct merge_op *op)
{
	if (op == NULL)
		return;
	registry_cancel_arg(op->reg, op);
	merge_free(op);
}

/* Report and free. */
static void
merge_done(struct merge_op *op, int status, const char *errmsg)
{
	struct merge_result r;
	const char *archs[64], *digests[64], *sources[64];
	int cur[64];
	size_t i;

	memset(&r, 0, sizeof r);
	if (status == 0) {
		r.body = op->body;
		r.len = op->len;
		r.media_type = op->media_type;
		r.digest = op->digest;
		r.narchs = op->narchs < 64 ? op->narchs : 64;
		for (i = 0; i < r.narchs; i++) {
			archs[i] = op->archs[i].arch;
			digests[i] = op->archs[i].digest;
			sources[i] = op->archs[i].source;
			cur[i] = op->archs[i].from_current;
		}
		r.archs = archs;
		r.child_digests = digests;
		r.sources = sources;
		r.from_current = cur;
	}
	r.current_body = op->cur_body;
	r.current_len = op->cur_len;
	r.current_digest = op->cur_digest;
	op->rcb(status, status == 0 ? &r : NULL, errmsg, op->arg);
	merge_free(op);
}

/* Fail with "label: what". */
static void
merge_fail(struct merge_op *op, const char *what)
{
	char *msg = xasprintf("%s: %s", op->label, what);

	merge_done(op, -1, msg);
	free(msg);
}

/* Every arch is resolved (or not): all or nothing. */
static void
merge_resolved(struct merge_op *op)
{
	struct buf why;
	const char *mt;
	size_t i, nbad = 0;

	buf_init(&why, 64 * 1024);
	for (i = 0; i < op->narchs; i++) {
		struct merge_arch *a = &op->archs[i];

		if (a->error == NULL && !a->missing)
			continue;
		buf_printf(&why, "%s", nbad++ ? "; " : "");
		if (a->error != NULL)
			buf_printf(&why, "%s", a->error);
		else
			buf_printf(&why, "%s is missing (no image at %s)",
			    a->arch, a->staging_ref);
	}
	if (nbad > 0) {
		merge_fail(op, why.data);
		buf_free(&why);
		return;
	}
	buf_free(&why);
	/* What the current index holds for the children: attestations. */
	for (i = 0; i < op->narchs; i++)
		merge_index_scan(op->cur_body, op->cur_len,
		    op->archs[i].digest, op->archs[i].platform_json ? NULL :
		    &op->archs[i].platform_json, op->archs[i].attest);
	op->body = merge_build_full(op->archs, op->narchs, &mt);
	op->len = strlen(op->body);
	op->media_type = xstrdup(mt);
	sha256_digest(op->body, op->len, op->digest, sizeof op->digest);
	merge_done(op, 0, NULL);
}

static void	merge_try(struct merge_arch *);

/* This arch is settled; when every arch is, go on. */
static void
merge_arch_settled(struct merge_arch *a)
{
	struct merge_op *op = a->op;

	a->done = 1;
	if (--op->pending == 0)
		merge_resolved(op);
}

/* Take a resolved child. */
static void
merge_arch_take(struct merge_arch *a, const char *media_type,
    const char *digest, long long size, const struct registry_platform *p)
{
	a->media_type = xstrdup(media_type);
	a->digest = xstrdup(digest);
	a->size = size;
	a->os = xstrdup(p->os ? p->os : "linux");
	a->architecture = xstrdup(p->architecture);
	a->variant = xstrdup(p->variant);
	a->source = xstrdup(a->cand[a->tried]);
	a->from_current = a->from_index[a->tried];
}

/* One arch's manifest lookup answered. */
static void
merge_arch_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct merge_arch *a = arg;
	struct merge_op *op = a->op;
	const char *ref = a->cand[a->tried];
	size_t i;

	if (status < 0) {
		a->error = xasprintf("%s: cannot read %s/%s:%s: %s", a->arch,
		    registry_host(op->reg), op->repo, ref,
		    errmsg ? errmsg : "error");
		merge_arch_settled(a);
		return;
	}
	if (status == 0 && m->is_index) {
		for (i = 0; i < m->nplatforms; i++) {
			const struct registry_platform *p = &m->platforms[i];

			if (merge_arch_match(p->architecture, p->variant,
			    a->arch) && p->digest != NULL) {
				merge_arch_take(a, p->media_type, p->digest,
				    p->size, p);
				/* The entry as written there, and its
				 * attestations. */
				merge_index_scan(m->body, m->len, p->digest,
				    &a->platform_json, a->attest);
				merge_arch_settled(a);
				return;
			}
		}
		if (!a->from_index[a->tried]) {
			a->error = xasprintf("%s: the index at %s lists no "
			    "%s image", a->arch, ref, a->arch);
			merge_arch_settled(a);
			return;
		}
	} else if (status == 0) {
		if (m->platform.architecture == NULL) {
			a->error = xasprintf("%s: the image at %s has no "
			    "platform in its config", a->arch, ref);
			merge_arch_settled(a);
			return;
		}
		if (!merge_arch_match(m->platform.architecture,
		    m->platform.variant, a->arch)) {
			if (a->from_index[a->tried])
				goto next;
			a->error = xasprintf("%s: the image at %s is for %s%s%s, "
			    "not %s", a->arch, ref, m->platform.architecture,
			    m->platform.variant ? "/" : "",
			    m->platform.variant ? m->platform.variant : "",
			    a->arch);
			merge_arch_settled(a);
			return;
		}
		merge_arch_take(a, m->media_type, m->digest, (long long)m->len,
		    &m->platform);
		a->platform_json = xstrdup(m->platform_json);
		merge_arch_settled(a);
		return;
	}
next:
	a->tried++;
	merge_try(a);
}

/* Try the next candidate of an arch, or give up: missing. */
static void
merge_try(struct merge_arch *a)
{
	if (a->tried >= a->ncand) {
		a->missing = 1;
		merge_arch_settled(a);
		return;
	}
	registry_get_manifest(a->op->reg, a->op->repo, a->cand[a->tried], 1,
	    merge_arch_cb, a);
}

/* The version's current manifest answered (merge_resolve). */
static void
merge_current_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct merge_op *op = arg;

	(void)errmsg;
	if (status == 0 && m->body != NULL) {
		op->cur_body = xmalloc(m->len + 1);
		memcpy(op->cur_body, m->body, m->len);
		op->cur_body[m->len] = '\0';
		op->cur_len = m->len;
		op->cur_digest = xstrdup(m->digest);
	}
	if (--op->pending == 0)
		merge_resolved(op);
}

/* Resolve a merge without writing. */
struct merge_op *
merge_resolve(struct registry *reg, const struct merge_spec *spec,
    merge_result_cb rcb, void *arg, char **cause)
{
	struct merge_op *op;
	size_t i;

	if (spec->narchs == 0) {
		*cause = xasprintf("merge %s %s: no archs configured", spec->app,
		    spec->version);
		return NULL;
	}
	op = xcalloc(1, sizeof *op);
	op->reg = reg;
	op->rcb = rcb;
	op->arg = arg;
	op->label = xasprintf("merge %s %s", spec->app, spec->version);
	op->repo = xstrdup(spec->repo);
	op->image = xstrdup(spec->image);
	op->image_tag = xstrdup(spec->image_tag);
	op->archs = xcalloc(spec->narchs, sizeof *op->archs);
	op->narchs = spec->narchs;
	for (i = 0; i < spec->narchs; i++) {
		struct merge_arch *a = &op->archs[i];
		const char *st = spec->staging_tags[i];

		a->op = op;
		a->arch = xstrdup(spec->archs[i]);
		a->attest = json_array();
		if (spec->digests != NULL && spec->digests[i] != NULL)
			a->cand[a->ncand++] = xstrdup(spec->digests[i]);
		if (spec->prefer_current != NULL && spec->prefer_current[i]) {
			/* Published: the current index's child first. */
			a->from_index[a->ncand] = 1;
			a->cand[a->ncand++] = xstrdup(spec->image_tag);
			if (a->ncand < MERGE_MAX_CANDIDATES)
				a->cand[a->ncand++] = xstrdup(st);
		} else {
			a->cand[a->ncand++] = xstrdup(st);
			a->from_index[a->ncand] = 1;
			a->cand[a->ncand++] = xstrdup(spec->image_tag);
		}
		a->staging_ref = xasprintf("%s:%s", spec->image, st);
	}
	/* Guard against callbacks that answer at once. */
	op->pending = op->narchs + 2;
	registry_get_manifest(reg, op->repo, op->image_tag, 0,
	    merge_current_cb, op);
	for (i = 0; i < op->narchs; i++)
		merge_try(&op->archs[i]);
	if (--op->pending == 0) {
		merge_resolved(op);
		return NULL;	/* already finished and reported */
	}
	return op;
}
