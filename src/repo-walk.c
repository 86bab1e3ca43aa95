/* repo-walk.c — every tag of a repository resolved down to its entries. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "registry.h"
#include "repo-walk.h"
#include "util.h"

#define WALK_MAX_TAGS		10000
#define WALK_MAX_CHILDREN	1024
#define WALK_INFLIGHT		8
#define WALK_DIGEST_MAX		255

struct walk_read {
	struct repo_walk	*w;
	size_t			 tag;
	char			*child;		/* HEAD of an entry, else GET of the tag */
	struct walk_read	*next;
};

struct repo_walk {
	struct registry		*r;
	char			*repo;
	int			 deep;
	repo_walk_cb		 cb;
	void			*arg;
	struct walk_result	 res;
	struct walk_read	*queue, *qtail;	/* not sent yet */
	struct walk_read	*inflight;
	size_t			 ninflight;
	char			**heads;	/* entries already HEADed */
	size_t			 nheads;
	int			 listing;
	int			 pumping;
};

static void	walk_pump(struct repo_walk *);

static void
walk_missing(struct repo_walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
walk_missing(struct repo_walk *w, const char *fmt, ...)
{
	va_list ap;
	char *raw;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	raw = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(raw, (size_t)n + 1, fmt, ap);
	va_end(ap);
	w->res.missing = xreallocarray(w->res.missing, w->res.nmissing + 1,
	    sizeof *w->res.missing);
	w->res.missing[w->res.nmissing++] = str_oneline(raw, 1024);
	free(raw);
}

static void
walk_free(struct repo_walk *w)
{
	struct walk_read *rd, *next;
	size_t i, j;

	for (rd = w->queue; rd != NULL; rd = next) {
		next = rd->next;
		free(rd->child);
		free(rd);
	}
	for (rd = w->inflight; rd != NULL; rd = next) {
		next = rd->next;
		registry_cancel_arg(w->r, rd);
		free(rd->child);
		free(rd);
	}
	for (i = 0; i < w->res.ntags; i++) {
		free(w->res.tags[i].tag);
		free(w->res.tags[i].digest);
		for (j = 0; j < w->res.tags[i].nchildren; j++)
			free(w->res.tags[i].children[j]);
		free(w->res.tags[i].children);
		free(w->res.tags[i].subject);
	}
	free(w->res.tags);
	for (i = 0; i < w->res.nmissing; i++)
		free(w->res.missing[i]);
	free(w->res.missing);
	for (i = 0; i < w->nheads; i++)
		free(w->heads[i]);
	free(w->heads);
	free(w->repo);
	free(w);
}

/* Queue a read: the tag's manifest, or one entry of it. */
static void
walk_queue(struct repo_walk *w, size_t tag, const char *child)
{
	struct walk_read *rd = xcalloc(1, sizeof *rd);

	rd->w = w;
	rd->tag = tag;
	rd->child = xstrdup(child);
	if (w->qtail != NULL)
		w->qtail->next = rd;
	else
		w->queue = rd;
	w->qtail = rd;
}

/* Take rd off the in-flight list and free it. */
static void
walk_read_end(struct walk_read *rd)
{
	struct repo_walk *w = rd->w;
	struct walk_read **pp;

	for (pp = &w->inflight; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == rd) {
			*pp = rd->next;
			break;
		}
	}
	w->ninflight--;
	free(rd->child);
	free(rd);
}

/* An entry of an index answered its HEAD. */
static void
walk_child_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct walk_read *rd = arg;
	struct repo_walk *w = rd->w;

	(void)m;
	if (status != 0)
		walk_missing(w, "%s/%s@%s (an entry of %s/%s:%s)%s%s",
		    registry_host(w->r), w->repo, rd->child,
		    registry_host(w->r), w->repo, w->res.tags[rd->tag].tag,
		    status < 0 ? ": " : "", status < 0 && errmsg ? errmsg :
		    "");
	walk_read_end(rd);
	walk_pump(w);
}

/* Every entry's digest of an index body; see repo-walk.h. */
size_t
walk_index_entries(const char *body, size_t len, const char *tag,
    char ***out, int *placeholder)
{
	json_error_t jerr;
	json_t *root, *e, *list;
	char **v = NULL;
	size_t i, n = 0;

	*placeholder = 0;
	root = json_loadb(body, len, 0, &jerr);
	list = json_object_get(root, "manifests");
	json_array_foreach(list, i, e) {
		const char *d = json_string_value(json_object_get(e, "digest"));

		if (d == NULL || n >= WALK_MAX_CHILDREN ||
		    strlen(d) > WALK_DIGEST_MAX)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xstrdup(d);
	}
	if (json_is_object(root) && json_array_size(list) == 0 &&
	    tag != NULL) {
		const char *u = json_string_value(json_object_get(
		    json_object_get(root, "annotations"),
		    "dev.mirrortop.untagged"));

		*placeholder = u != NULL && strcmp(u, tag) == 0;
	}
	json_decref(root);
	*out = v;
	return n;
}

char *
walk_subject(const char *body, size_t len)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	const char *d = json_string_value(json_object_get(json_object_get(root,
	    "subject"), "digest"));
	char *out = d != NULL && strlen(d) <= WALK_DIGEST_MAX &&
	    strncmp(d, "sha256:", 7) == 0 ? xstrdup(d) : NULL;

	json_decref(root);
	return out;
}

/* The entries of an index body; in a deep walk, each is HEADed once. */
static void
walk_children(struct repo_walk *w, size_t ti, const struct registry_manifest *m)
{
	struct walk_tag *t = &w->res.tags[ti];
	size_t i, k;

	t->nchildren = walk_index_entries(m->body, m->len, t->tag,
	    &t->children, &t->placeholder);
	for (i = 0; w->deep && i < t->nchildren; i++) {
		const char *d = t->children[i];

		for (k = 0; k < w->nheads; k++)
			if (strcmp(w->heads[k], d) == 0)
				break;
		if (k < w->nheads)
			continue;
		w->heads = xreallocarray(w->heads, w->nheads + 1,
		    sizeof *w->heads);
		w->heads[w->nheads++] = xstrdup(d);
		walk_queue(w, ti, d);
	}
}

/* A tag's manifest was read. */
static void
walk_tag_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct walk_read *rd = arg;
	struct repo_walk *w = rd->w;
	struct walk_tag *t = &w->res.tags[rd->tag];

	if (status == 0) {
		t->digest = xstrdup(m->digest);
		t->is_index = m->is_index;
		t->subject = walk_subject(m->body, m->len);
		if (m->is_index)
			walk_children(w, rd->tag, m);
	} else
		walk_missing(w, "%s/%s:%s%s%s", registry_host(w->r), w->repo,
		    t->tag, status < 0 ?
		    ": " : "", status < 0 && errmsg ? errmsg : "");
	walk_read_end(rd);
	walk_pump(w);
}

/* Send what the in-flight limit allows; report when all is done. */
static void
walk_pump(struct repo_walk *w)
{
	struct walk_read *rd;

	if (w->pumping || w->listing)
		return;
	w->pumping = 1;
	while (w->queue != NULL && w->ninflight < WALK_INFLIGHT) {
		rd = w->queue;
		w->queue = rd->next;
		if (w->queue == NULL)
			w->qtail = NULL;
		rd->next = w->inflight;
		w->inflight = rd;
		w->ninflight++;
		if (rd->child != NULL)
			registry_head_manifest(w->r, w->repo, rd->child,
			    walk_child_cb, rd);
		else
			registry_get_manifest(w->r, w->repo,
			    w->res.tags[rd->tag].tag, 0, walk_tag_cb, rd);
	}
	w->pumping = 0;
	if (w->queue == NULL && w->ninflight == 0) {
		w->cb(0, &w->res, NULL, w->arg);
		walk_free(w);
	}
}

static int
walk_tag_cmp(const void *a, const void *b)
{
	return strcmp(((const struct walk_tag *)a)->tag,
	    ((const struct walk_tag *)b)->tag);
}

/* The tags are listed. */
static void
walk_tags_cb(int status, char *const *tags, size_t n, const char *errmsg,
    void *arg)
{
	struct repo_walk *w = arg;
	size_t i;

	w->listing = 0;
	if (status < 0) {
		w->cb(-1, NULL, errmsg ? errmsg : "cannot list the tags",
		    w->arg);
		walk_free(w);
		return;
	}
	if (n > WALK_MAX_TAGS) {
		char *e = xasprintf("%s: more than %d tags", w->repo,
		    WALK_MAX_TAGS);

		w->cb(-1, NULL, e, w->arg);
		free(e);
		walk_free(w);
		return;
	}
	w->res.tags = xcalloc(n + 1, sizeof *w->res.tags);
	for (i = 0; i < n; i++)
		w->res.tags[i].tag = xstrdup(tags[i]);
	w->res.ntags = n;
	qsort(w->res.tags, n, sizeof *w->res.tags, walk_tag_cmp);
	for (i = 0; i < n; i++)
		walk_queue(w, i, NULL);
	walk_pump(w);
}

struct repo_walk *
repo_walk_start(struct registry *r, const char *repo, int deep,
    repo_walk_cb cb, void *arg)
{
	struct repo_walk *w = xcalloc(1, sizeof *w);

	w->r = r;
	w->repo = xstrdup(repo);
	w->deep = deep;
	w->cb = cb;
	w->arg = arg;
	w->listing = 1;
	registry_list_tags(r, repo, walk_tags_cb, w);
	return w;
}

void
repo_walk_cancel(struct repo_walk *w)
{
	if (w == NULL)
		return;
	if (w->listing)
		registry_cancel_arg(w->r, w);
	walk_free(w);
}

const struct walk_tag *
walk_find(const struct walk_result *res, const char *tag)
{
	struct walk_tag key;

	if (res == NULL || res->ntags == 0)
		return NULL;
	memset(&key, 0, sizeof key);
	key.tag = (char *)(uintptr_t)tag;
	return bsearch(&key, res->tags, res->ntags, sizeof *res->tags,
	    walk_tag_cmp);
}

int
walk_has_child(const struct walk_tag *t, const char *digest)
{
	size_t i;

	if (t == NULL || digest == NULL)
		return 0;
	for (i = 0; i < t->nchildren; i++)
		if (strcmp(t->children[i], digest) == 0)
			return 1;
	return 0;
}
