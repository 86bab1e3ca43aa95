/*
 * copy.c — one version from a source target to another: the manifest
 * graph is read from the source first (by digest, answered from the
 * content-addressed cache where it can be), then written in an order in
 * which nothing pullable is ever incomplete. See copy.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apply-put.h"
#include "copy.h"
#include "registry.h"
#include "registry-blob.h"
#include "supply-chain.h"
#include "util.h"

#define COPY_MAX_NODES		4096	/* manifests in one copy */
#define COPY_MAX_BLOBS		65536	/* blobs in one copy */
#define COPY_MAX_DEPTH		4	/* index -> index -> manifest ... */

struct copy_blob {
	char		*digest;
	long long	 size;
};

/* One manifest of the graph. */
struct copy_node {
	char		*digest;	/* NULL until read (an artifact tag) */
	char		*tag;		/* an artifact's tag, or NULL */
	char		*media_type;
	char		*body;
	size_t		 len;
	size_t		*children;	/* node indexes */
	size_t		 nchildren;
	size_t		*blobs;		/* indexes into op->blobs */
	size_t		 nblobs;
	int		 depth;
	int		 visited;	/* while ordering */
};

enum copy_act_kind {
	ACT_BLOB,
	ACT_MANIFEST,
	ACT_TAG,		/* an artifact tag */
};

struct copy_act {
	enum copy_act_kind kind;
	size_t		 i;		/* blob or node index */
};

struct copy_op {
	struct loop	*loop;
	char		*label;
	struct registry	*src;
	char		*src_repo;
	char		*src_tag;
	struct registry	*dst;
	char		*dst_repo;
	char		*digest;
	char		**tags;
	char		**expect;
	size_t		 ntags;
	int		 force;
	copy_cb		 cb;
	void		*arg;

	struct copy_node *nodes;
	size_t		 nnodes;
	size_t		 fetch;		/* next node to read */
	struct copy_blob *blobs;
	size_t		 nblobs;
	char		**src_tags;	/* the source's tag list, once read */
	size_t		 nsrc_tags;
	int		 listed;

	struct copy_act	*acts;
	size_t		 nacts;
	size_t		 next;
	struct blob_op	*bop;
	struct put_op	*pop;
	struct copy_stats stats;
};

static void	copy_fetch_next(struct copy_op *);
static void	copy_run_next(struct copy_op *);

/* ------------------------------------------------------------------ */

char *
copy_stats_line(const struct copy_stats *s)
{
	char *kept, *out;

	kept = s->artifacts_kept > 0 ? xasprintf(" (%d that differ there "
	    "kept; --force overwrites them)", s->artifacts_kept) :
	    xstrdup("");
	out = xasprintf("%d blob%s sent (%.1f MB), %d mounted, %d already "
	    "there; %d manifest%s written, %d already there; %d artifact "
	    "tag%s%s", s->blobs_streamed, s->blobs_streamed == 1 ? "" : "s",
	    (double)s->bytes_streamed / 1e6, s->blobs_mounted,
	    s->blobs_present, s->manifests_written,
	    s->manifests_written == 1 ? "" : "s", s->manifests_present,
	    s->artifacts, s->artifacts == 1 ? "" : "s", kept);
	free(kept);
	return out;
}

static void
copy_free(struct copy_op *op)
{
	size_t i;

	blob_cancel(op->bop);
	put_cancel(op->pop);
	registry_cancel_arg(op->src, op);
	registry_cancel_arg(op->dst, op);
	for (i = 0; i < op->nnodes; i++) {
		free(op->nodes[i].digest);
		free(op->nodes[i].tag);
		free(op->nodes[i].media_type);
		free(op->nodes[i].body);
		free(op->nodes[i].children);
		free(op->nodes[i].blobs);
	}
	free(op->nodes);
	for (i = 0; i < op->nblobs; i++)
		free(op->blobs[i].digest);
	free(op->blobs);
	for (i = 0; i < op->nsrc_tags; i++)
		free(op->src_tags[i]);
	free(op->src_tags);
	for (i = 0; i < op->ntags; i++) {
		free(op->tags[i]);
		free(op->expect[i]);
	}
	free(op->tags);
	free(op->expect);
	free(op->acts);
	free(op->label);
	free(op->src_repo);
	free(op->src_tag);
	free(op->dst_repo);
	free(op->digest);
	free(op);
}

void
copy_cancel(struct copy_op *op)
{
	if (op != NULL)
		copy_free(op);
}

/* Report and free. */
static void
copy_done(struct copy_op *op, int status, const char *errmsg)
{
	op->bop = NULL;
	op->pop = NULL;
	op->cb(status, &op->stats, errmsg, op->arg);
	copy_free(op);
}

/* Fail with "label: what". */
static void
copy_fail(struct copy_op *op, int status, const char *what)
{
	char *msg = xasprintf("%s: %s", op->label, what);

	copy_done(op, status, msg);
	free(msg);
}

/* ------------------------------------------------------------------ */
/* The graph. */

/* The node of digest, or -1. */
static long
copy_find_node(const struct copy_op *op, const char *digest)
{
	size_t i;

	for (i = 0; i < op->nnodes; i++)
		if (op->nodes[i].digest != NULL &&
		    strcmp(op->nodes[i].digest, digest) == 0)
			return (long)i;
	return -1;
}

/* A new node to read; its index, or -1 when there are too many. */
static long
copy_add_node(struct copy_op *op, const char *digest, const char *tag,
    int depth)
{
	struct copy_node *n;

	if (op->nnodes >= COPY_MAX_NODES)
		return -1;
	op->nodes = xreallocarray(op->nodes, op->nnodes + 1,
	    sizeof *op->nodes);
	n = &op->nodes[op->nnodes];
	memset(n, 0, sizeof *n);
	n->digest = xstrdup(digest);
	n->tag = xstrdup(tag);
	n->depth = depth;
	return (long)op->nnodes++;
}

/* The blob's index (added when new), or -1 when there are too many. */
static long
copy_add_blob(struct copy_op *op, const char *digest, long long size)
{
	size_t i;

	for (i = 0; i < op->nblobs; i++)
		if (strcmp(op->blobs[i].digest, digest) == 0)
			return (long)i;
	if (op->nblobs >= COPY_MAX_BLOBS)
		return -1;
	op->blobs = xreallocarray(op->blobs, op->nblobs + 1,
	    sizeof *op->blobs);
	op->blobs[op->nblobs].digest = xstrdup(digest);
	op->blobs[op->nblobs].size = size;
	return (long)op->nblobs++;
}

/* Is s "sha256:" and 64 lowercase hex digits? */
static int
copy_valid_digest(const char *s)
{
	char subject[80], *tag;
	int ok;

	if (s == NULL || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return 0;
	/* the fallback tag's syntax checks the hex */
	tag = xasprintf("sha256-%s", s + 7);
	ok = sc_artifact_tag(tag, subject, NULL);
	free(tag);
	return ok;
}

/* A descriptor's digest and size; 0, or -1 when it is not one. */
static int
copy_descriptor(json_t *d, const char **digest, long long *size)
{
	json_t *sz;

	if (!json_is_object(d))
		return -1;
	*digest = json_string_value(json_object_get(d, "digest"));
	if (!copy_valid_digest(*digest))
		return -1;
	sz = json_object_get(d, "size");
	*size = json_is_integer(sz) ? (long long)json_integer_value(sz) : -1;
	return *size >= 0 ? 0 : -1;
}

/* What node ni references: child manifests and blobs. 0 or -1 (*why). */
static int
copy_parse_node(struct copy_op *op, size_t ni, char **why)
{
	struct copy_node *n = &op->nodes[ni];
	json_t *root, *list, *d;
	json_error_t jerr;
	const char *digest;
	long long size;
	long k;
	size_t i;

	root = json_loadb(n->body, n->len, 0, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		*why = xasprintf("%s is not a manifest", n->digest);
		return -1;
	}
	list = json_object_get(root, "manifests");
	json_array_foreach(list, i, d) {
		if (copy_descriptor(d, &digest, &size) != 0)
			goto bad;
		if ((k = copy_find_node(op, digest)) < 0 &&
		    (n->depth >= COPY_MAX_DEPTH ||
		    (k = copy_add_node(op, digest, NULL, n->depth + 1)) < 0)) {
			json_decref(root);
			*why = xasprintf("%s references too many manifests",
			    op->nodes[ni].digest);
			return -1;
		}
		n = &op->nodes[ni];
		n->children = xreallocarray(n->children, n->nchildren + 1,
		    sizeof *n->children);
		n->children[n->nchildren++] = (size_t)k;
	}
	d = json_object_get(root, "config");
	for (i = 0; d != NULL; d = json_array_get(json_object_get(root,
	    "layers"), i++)) {
		if (copy_descriptor(d, &digest, &size) != 0)
			goto bad;
		if ((k = copy_add_blob(op, digest, size)) < 0) {
			json_decref(root);
			*why = xstrdup("too many blobs");
			return -1;
		}
		n->blobs = xreallocarray(n->blobs, n->nblobs + 1,
		    sizeof *n->blobs);
		n->blobs[n->nblobs++] = (size_t)k;
	}
	json_decref(root);
	return 0;
bad:
	json_decref(root);
	*why = xasprintf("%s has a descriptor without a valid digest and "
	    "size", op->nodes[ni].digest);
	return -1;
}

/* Artifact tags of the source hanging on a digest of the graph: new
 * nodes to read. */
static void
copy_scan_tags(struct copy_op *op)
{
	char subject[80];
	size_t i, k;

	for (i = 0; i < op->nsrc_tags; i++) {
		if (!sc_artifact_tag(op->src_tags[i], subject, NULL) ||
		    copy_find_node(op, subject) < 0)
			continue;
		for (k = 0; k < op->nnodes; k++)
			if (op->nodes[k].tag != NULL &&
			    strcmp(op->nodes[k].tag, op->src_tags[i]) == 0)
				break;
		if (k < op->nnodes)
			continue;
		if (copy_add_node(op, NULL, op->src_tags[i], 0) < 0)
			return;
		op->stats.artifacts++;
	}
}

/* Post-order: blobs, children, then the manifest itself. */
static void
copy_order(struct copy_op *op, size_t ni)
{
	struct copy_node *n = &op->nodes[ni];
	size_t i;

	if (n->visited)
		return;
	n->visited = 1;
	for (i = 0; i < n->nblobs; i++) {
		op->acts[op->nacts].kind = ACT_BLOB;
		op->acts[op->nacts++].i = n->blobs[i];
	}
	for (i = 0; i < n->nchildren; i++)
		copy_order(op, n->children[i]);
	op->acts[op->nacts].kind = ACT_MANIFEST;
	op->acts[op->nacts++].i = ni;
}

/* Everything is read: the writes, in order. */
static void
copy_plan_writes(struct copy_op *op)
{
	size_t i, max = 0, k;
	int *seen;

	for (i = 0; i < op->nnodes; i++)
		max += op->nodes[i].nblobs + 2;
	op->acts = xcalloc(max + 1, sizeof *op->acts);
	copy_order(op, 0);
	for (i = 1; i < op->nnodes; i++) {
		if (op->nodes[i].tag == NULL)
			continue;
		copy_order(op, i);
		op->acts[op->nacts].kind = ACT_TAG;
		op->acts[op->nacts++].i = i;
	}
	/* A blob named by several manifests is sent once. */
	seen = xcalloc(op->nblobs + 1, sizeof *seen);
	for (i = k = 0; i < op->nacts; i++) {
		if (op->acts[i].kind == ACT_BLOB) {
			if (seen[op->acts[i].i])
				continue;
			seen[op->acts[i].i] = 1;
		}
		op->acts[k++] = op->acts[i];
	}
	op->nacts = k;
	free(seen);
	op->next = 0;
	copy_run_next(op);
}

/* ------------------------------------------------------------------ */
/* Reading the source. */

/* The source's tag list, for the artifacts. */
static void
copy_tags_cb(int status, char *const *tags, size_t n, const char *errmsg,
    void *arg)
{
	struct copy_op *op = arg;
	char *why;
	size_t i;

	if (status < 0) {
		why = xasprintf("cannot list the tags of %s on %s: %s",
		    op->src_repo, registry_host(op->src), errmsg ? errmsg :
		    "error");
		copy_fail(op, -1, why);
		free(why);
		return;
	}
	op->listed = 1;
	op->src_tags = xcalloc(n + 1, sizeof *op->src_tags);
	for (i = 0; i < n; i++)
		op->src_tags[i] = xstrdup(tags[i]);
	op->nsrc_tags = n;
	copy_scan_tags(op);
	copy_fetch_next(op);
}

/* A manifest of the graph was read. */
static void
copy_manifest_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct copy_op *op = arg;
	struct copy_node *n = &op->nodes[op->fetch];
	char *why = NULL;

	if (status != 0) {
		why = xasprintf("cannot read %s:%s on %s: %s", op->src_repo,
		    n->digest != NULL ? n->digest : n->tag,
		    registry_host(op->src), status > 0 ? "not found" :
		    errmsg ? errmsg : "error");
		copy_fail(op, -1, why);
		free(why);
		return;
	}
	if (n->digest == NULL) {
		/* An artifact tag: the same manifest may be in the graph
		 * already (then it is written once, tagged here). */
		n->digest = xstrdup(m->digest);
	} else if (strcmp(n->digest, m->digest) != 0) {
		why = xasprintf("%s reads as %s", n->digest, m->digest);
		copy_fail(op, -1, why);
		free(why);
		return;
	}
	n->media_type = xstrdup(m->media_type);
	n->body = xmalloc(m->len + 1);
	memcpy(n->body, m->body, m->len);
	n->body[m->len] = '\0';
	n->len = m->len;
	if (copy_parse_node(op, op->fetch, &why) != 0) {
		copy_fail(op, -1, why);
		free(why);
		return;
	}
	op->fetch++;
	copy_fetch_next(op);
}

/* Read the next manifest; then the tag list; then write. */
static void
copy_fetch_next(struct copy_op *op)
{
	struct copy_node *n;

	if (op->fetch < op->nnodes) {
		n = &op->nodes[op->fetch];
		registry_get_manifest(op->src, op->src_repo, n->digest !=
		    NULL ? n->digest : n->tag, 0, copy_manifest_cb, op);
		return;
	}
	if (!op->listed) {
		registry_list_tags(op->src, op->src_repo, copy_tags_cb, op);
		return;
	}
	/* Artifacts of the artifacts (a signed attestation). */
	copy_scan_tags(op);
	if (op->fetch < op->nnodes) {
		copy_fetch_next(op);
		return;
	}
	copy_plan_writes(op);
}

/* The source tag still holds what the plan copies. */
static void
copy_premise_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct copy_op *op = arg;
	char *why;

	if (status < 0) {
		why = xasprintf("cannot check %s:%s on %s: %s", op->src_repo,
		    op->src_tag, registry_host(op->src), errmsg ? errmsg :
		    "error");
		copy_fail(op, -1, why);
		free(why);
		return;
	}
	if (status > 0 || strcmp(m->digest, op->digest) != 0) {
		why = xasprintf("stale: %s:%s on %s is %s now, the plan copies "
		    "%s; nothing written", op->src_repo, op->src_tag,
		    registry_host(op->src), status > 0 ? "absent" : m->digest,
		    op->digest);
		copy_done(op, COPY_STALE, why);
		free(why);
		return;
	}
	copy_fetch_next(op);
}

/* ------------------------------------------------------------------ */
/* Writing the target. */

/* A blob is there. */
static void
copy_blob_cb(int status, enum blob_how how, const char *errmsg, void *arg)
{
	struct copy_op *op = arg;
	struct copy_blob *b = &op->blobs[op->acts[op->next].i];

	op->bop = NULL;
	if (status != 0) {
		copy_fail(op, -1, errmsg ? errmsg : "blob copy failed");
		return;
	}
	if (how == BLOB_PRESENT)
		op->stats.blobs_present++;
	else if (how == BLOB_MOUNTED)
		op->stats.blobs_mounted++;
	else {
		op->stats.blobs_streamed++;
		op->stats.bytes_streamed += b->size;
	}
	op->next++;
	copy_run_next(op);
}

/* A manifest or artifact tag was written. */
static void
copy_put_cb(int status, const char *digest, const char *errmsg, void *arg)
{
	struct copy_op *op = arg;
	struct copy_act *a = &op->acts[op->next];
	char *why;

	(void)digest;
	if (status != 0) {
		why = xasprintf("PUT %s:%s on %s failed: %s", op->dst_repo,
		    a->kind == ACT_TAG ? op->nodes[a->i].tag :
		    op->nodes[a->i].digest, registry_host(op->dst),
		    errmsg ? errmsg : "error");
		copy_fail(op, -1, why);
		free(why);
		return;
	}
	if (a->kind == ACT_MANIFEST)
		op->stats.manifests_written++;
	op->next++;
	copy_run_next(op);
}

/* What the target holds under a manifest digest or an artifact tag. */
static void
copy_head_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct copy_op *op = arg;
	struct copy_act *a = &op->acts[op->next];
	struct copy_node *n = &op->nodes[a->i];
	char *why;

	if (status < 0) {
		why = xasprintf("cannot check %s:%s on %s: %s", op->dst_repo,
		    a->kind == ACT_TAG ? n->tag : n->digest,
		    registry_host(op->dst), errmsg ? errmsg : "error");
		copy_fail(op, -1, why);
		free(why);
		return;
	}
	if (status == 0 && strcmp(m->digest, n->digest) == 0) {
		if (a->kind == ACT_MANIFEST)
			op->stats.manifests_present++;
		op->next++;
		copy_run_next(op);
		return;
	}
	if (status == 0 && a->kind == ACT_TAG && !op->force) {
		/* Signed or attested there on its own: not ours to drop. */
		op->stats.artifacts_kept++;
		op->next++;
		copy_run_next(op);
		return;
	}
	registry_put_manifest(op->dst, op->dst_repo, a->kind == ACT_TAG ?
	    n->tag : n->digest, n->media_type, n->body, n->len, copy_put_cb,
	    op);
}

/* The version's tags were written and read back. */
static void
copy_tags_done(int status, const char *digest, const char *errmsg,
    void *arg)
{
	struct copy_op *op = arg;

	(void)digest;
	op->pop = NULL;
	if (status != 0) {
		copy_done(op, status == PUT_STALE ? COPY_STALE : -1, errmsg);
		return;
	}
	copy_done(op, 0, NULL);
}

/* The next write, or the version's tags last. */
static void
copy_run_next(struct copy_op *op)
{
	struct copy_act *a;
	struct copy_node *root = &op->nodes[0];
	char *cause = NULL;

	if (op->next < op->nacts) {
		a = &op->acts[op->next];
		if (a->kind == ACT_BLOB) {
			op->bop = blob_copy(op->loop, op->src, op->src_repo,
			    op->dst, op->dst_repo, op->blobs[a->i].digest,
			    op->blobs[a->i].size, copy_blob_cb, op);
			return;
		}
		registry_head_manifest(op->dst, op->dst_repo,
		    a->kind == ACT_TAG ? op->nodes[a->i].tag :
		    op->nodes[a->i].digest, copy_head_cb, op);
		return;
	}
	if (op->ntags == 0) {
		copy_done(op, 0, NULL);
		return;
	}
	op->pop = put_start(op->dst, op->label, op->dst_repo,
	    root->media_type, root->body, root->len, op->tags,
	    (const char *const *)op->expect, op->ntags, copy_tags_done, op,
	    &cause);
	if (op->pop == NULL) {
		copy_done(op, -1, cause);
		free(cause);
	}
}

/* ------------------------------------------------------------------ */

struct copy_op *
copy_start(const struct copy_spec *spec, copy_cb cb, void *arg)
{
	struct copy_op *op = xcalloc(1, sizeof *op);
	size_t i;

	op->loop = spec->loop;
	op->label = xstrdup(spec->label);
	op->src = spec->src;
	op->src_repo = xstrdup(spec->src_repo);
	op->src_tag = xstrdup(spec->src_tag);
	op->dst = spec->dst;
	op->dst_repo = xstrdup(spec->dst_repo);
	op->digest = xstrdup(spec->digest);
	op->force = spec->force;
	op->cb = cb;
	op->arg = arg;
	op->tags = xcalloc(spec->ntags + 1, sizeof *op->tags);
	op->expect = xcalloc(spec->ntags + 1, sizeof *op->expect);
	for (i = 0; i < spec->ntags; i++) {
		op->tags[i] = xstrdup(spec->tags[i]);
		op->expect[i] = xstrdup(spec->expect != NULL ?
		    spec->expect[i] : NULL);
	}
	op->ntags = spec->ntags;
	(void)copy_add_node(op, spec->digest, NULL, 0);
	if (op->src_tag != NULL)
		registry_head_manifest(op->src, op->src_repo, op->src_tag,
		    copy_premise_cb, op);
	else
		registry_get_manifest(op->src, op->src_repo, op->digest, 0,
		    copy_manifest_cb, op);
	return op;
}
