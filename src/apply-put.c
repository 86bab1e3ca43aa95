/* apply-put.c — PUT exact bytes under tags, premises first, read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply-put.h"
#include "registry.h"
#include "util.h"

struct put_op {
	struct registry	*reg;
	char		*label;		/* "merge APP VERSION" / "latest APP" */
	char		*repo;
	char		*body;
	size_t		 len;
	char		*media_type;
	char		 digest[80];
	char		**dst;		/* tags to PUT */
	char		**expect;	/* per dst: its digest before the write,
					 * NULL: absent */
	int		*skip;		/* per dst: already has the bytes */
	size_t		 ndst;
	size_t		 next_premise;
	size_t		 next_dst;
	size_t		 next_check;
	put_cb		 cb;
	void		*arg;
};

static void	put_next(struct put_op *);

static void
put_free(struct put_op *op)
{
	size_t i;

	if (op == NULL)
		return;
	for (i = 0; i < op->ndst; i++) {
		free(op->dst[i]);
		free(op->expect[i]);
	}
	free(op->dst);
	free(op->expect);
	free(op->skip);
	free(op->label);
	free(op->repo);
	free(op->body);
	free(op->media_type);
	free(op);
}

void
put_cancel(struct put_op *op)
{
	if (op == NULL)
		return;
	registry_cancel_arg(op->reg, op);
	put_free(op);
}

/* Report and free. */
static void
put_done(struct put_op *op, int status, const char *errmsg)
{
	op->cb(status, status == 0 ? op->digest : NULL, errmsg, op->arg);
	put_free(op);
}

/* Fail with "label: what". */
static void
put_fail(struct put_op *op, const char *what)
{
	char *msg = xasprintf("%s: %s", op->label, what);

	put_done(op, -1, msg);
	free(msg);
}

/* Read-back answered: compare digests. */
static void
put_check_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct put_op *op = arg;
	char *what;

	if (status != 0) {
		what = xasprintf("reading back %s:%s failed: %s", op->repo,
		    op->dst[op->next_check], status > 0 ? "not found" :
		    (errmsg ? errmsg : "error"));
		put_fail(op, what);
		free(what);
		return;
	}
	if (m->digest == NULL || strcmp(m->digest, op->digest) != 0) {
		what = xasprintf("%s:%s reads back as %s, not %s", op->repo,
		    op->dst[op->next_check], m->digest ? m->digest : "?",
		    op->digest);
		put_fail(op, what);
		free(what);
		return;
	}
	if (++op->next_check < op->ndst) {
		registry_get_manifest(op->reg, op->repo,
		    op->dst[op->next_check], 0, put_check_cb, op);
		return;
	}
	put_done(op, 0, NULL);
}

/* A PUT answered. */
static void
put_cb_put(int status, const char *digest, const char *errmsg, void *arg)
{
	struct put_op *op = arg;
	char *what;

	if (status != 0) {
		what = xasprintf("PUT %s:%s failed: %s", op->repo,
		    op->dst[op->next_dst], errmsg ? errmsg : "error");
		put_fail(op, what);
		free(what);
		return;
	}
	if (digest != NULL && strcmp(digest, op->digest) != 0) {
		what = xasprintf("PUT %s:%s: the registry says %s, not %s",
		    op->repo, op->dst[op->next_dst], digest, op->digest);
		put_fail(op, what);
		free(what);
		return;
	}
	op->next_dst++;
	put_next(op);
}

/* PUT the next tag, or start reading back. */
static void
put_next(struct put_op *op)
{
	while (op->next_dst < op->ndst && op->skip[op->next_dst])
		op->next_dst++;
	if (op->next_dst < op->ndst) {
		registry_put_manifest(op->reg, op->repo, op->dst[op->next_dst],
		    op->media_type, op->body, op->len, put_cb_put, op);
		return;
	}
	op->next_check = 0;
	registry_get_manifest(op->reg, op->repo, op->dst[0], 0, put_check_cb,
	    op);
}

/* A premise answered: the tag's digest now. */
static void
put_premise_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct put_op *op = arg;
	const char *want = op->expect[op->next_premise];
	const char *have = status == 0 ? m->digest : NULL;
	char *what;

	if (status < 0) {
		what = xasprintf("cannot check %s:%s before writing: %s",
		    op->repo, op->dst[op->next_premise],
		    errmsg ? errmsg : "error");
		put_fail(op, what);
		free(what);
		return;
	}
	if (have != NULL && strcmp(have, op->digest) == 0) {
		/* Already what the step writes (an overlapping run wrote
		 * it): nothing to write there. */
		op->skip[op->next_premise] = 1;
	} else if ((want == NULL) != (have == NULL) || (want != NULL &&
	    strcmp(want, have) != 0)) {
		char *msg = xasprintf("%s: stale: %s:%s is %s now, the plan "
		    "saw %s; nothing written", op->label, op->repo,
		    op->dst[op->next_premise], have ? have : "absent",
		    want ? want : "it absent");

		put_done(op, PUT_STALE, msg);
		free(msg);
		return;
	}
	if (++op->next_premise < op->ndst) {
		registry_head_manifest(op->reg, op->repo,
		    op->dst[op->next_premise], put_premise_cb, op);
		return;
	}
	op->next_dst = 0;
	put_next(op);
}

struct put_op *
put_start(struct registry *reg, const char *label, const char *repo,
    const char *media_type, const char *body, size_t len,
    char *const *tags, const char *const *expect, size_t n, put_cb cb,
    void *arg, char **cause)
{
	struct put_op *op;
	size_t i;

	if (n == 0 || body == NULL) {
		*cause = xasprintf("%s: nothing to write", label);
		return NULL;
	}
	op = xcalloc(1, sizeof *op);
	op->reg = reg;
	op->cb = cb;
	op->arg = arg;
	op->label = xstrdup(label);
	op->repo = xstrdup(repo);
	op->body = xmalloc(len + 1);
	memcpy(op->body, body, len);
	op->body[len] = '\0';
	op->len = len;
	op->media_type = xstrdup(media_type);
	sha256_digest(op->body, op->len, op->digest, sizeof op->digest);
	op->dst = xcalloc(n, sizeof *op->dst);
	op->expect = xcalloc(n, sizeof *op->expect);
	op->skip = xcalloc(n, sizeof *op->skip);
	for (i = 0; i < n; i++) {
		op->dst[i] = xstrdup(tags[i]);
		op->expect[i] = xstrdup(expect ? expect[i] : NULL);
	}
	op->ndst = n;
	op->next_premise = 0;
	registry_head_manifest(reg, repo, op->dst[0], put_premise_cb, op);
	return op;
}
