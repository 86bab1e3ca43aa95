/* registry-delete.c — remove a tag, keep the image it names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include <jansson.h>

#include "apply-put.h"
#include "ghcr-packages.h"
#include "registry.h"
#include "registry-delete.h"
#include "util.h"

#define UNTAG_HOSTS_MAX	64

/*
 * Hosts that refused to delete a tag alone (remembered for the process:
 * one refused request per host and run).
 */
static char	*untag_no_tag_delete[UNTAG_HOSTS_MAX];
static size_t	 untag_nno;

static int
untag_host_refuses(const char *host)
{
	size_t i;

	for (i = 0; i < untag_nno; i++)
		if (strcmp(untag_no_tag_delete[i], host) == 0)
			return 1;
	return 0;
}

static void
untag_host_remember(const char *host)
{
	if (untag_host_refuses(host) || untag_nno >= UNTAG_HOSTS_MAX)
		return;
	untag_no_tag_delete[untag_nno++] = xstrdup(host);
}

enum untag_state {
	U_KEEP,		/* HEAD the keeping index */
	U_TAG,		/* HEAD the tag */
	U_DELETE_TAG,	/* DELETE the tag */
	U_PUT,		/* the tag -> placeholder */
	U_DELETE_PH,	/* DELETE the placeholder by digest */
	U_CHECK_IMAGE,	/* afterwards: the image resolves */
	U_CHECK_KEEP,	/* afterwards: the index is unchanged */
	U_CHECK_TAG,	/* afterwards: the tag is gone */
};

struct untag_op {
	struct registry		*r;
	enum untag_state	 state;
	char			*repo;
	char			*tag;
	char			*expect;
	char			*keep_tag;
	char			*keep_digest;
	char			*ph_body;
	char			 ph_digest[80];
	char			*how;
	int			 resume;	/* expect is a placeholder */
	struct put_op		*pop;
	struct http		*pkg_http;
	char			*pkg_api;
	char			*pkg_token;
	struct ghcr_op		*gop;
	untag_cb		 cb;
	void			*arg;
};

static void	untag_step(struct untag_op *);

static void
untag_free(struct untag_op *op)
{
	free(op->repo);
	free(op->tag);
	free(op->expect);
	free(op->keep_tag);
	free(op->keep_digest);
	free(op->ph_body);
	free(op->how);
	free(op->pkg_api);
	if (op->pkg_token != NULL)
		explicit_bzero(op->pkg_token, strlen(op->pkg_token));
	free(op->pkg_token);
	free(op);
}

static void
untag_end(struct untag_op *op, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
untag_end(struct untag_op *op, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL, *line = NULL;
	int n;

	if (fmt != NULL) {
		va_start(ap, fmt);
		n = vsnprintf(NULL, 0, fmt, ap);
		va_end(ap);
		if (n >= 0) {
			msg = xmalloc((size_t)n + 1);
			va_start(ap, fmt);
			vsnprintf(msg, (size_t)n + 1, fmt, ap);
			va_end(ap);
			line = str_oneline(msg, 2048);
		}
	}
	op->cb(status, status == 0 ? op->how : NULL, line, op->arg);
	free(msg);
	free(line);
	untag_free(op);
}

char *
untag_placeholder(const char *repo, const char *tag)
{
	static unsigned long counter;
	unsigned char rnd[12];
	char nonce[64], when[32], *s;
	json_t *root;
	size_t i;

	if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
		/* no entropy yet: time, process and counter still make it
		 * unique to this removal */
		memset(rnd, 0, sizeof rnd);
	}
	for (i = 0; i < sizeof rnd; i++)
		snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
	snprintf(nonce + 2 * sizeof rnd, sizeof nonce - 2 * sizeof rnd,
	    "-%ld-%lu", (long)getpid(), ++counter);
	time_iso8601(time(NULL), when, sizeof when);
	root = json_pack("{s:i, s:s, s:[], s:{s:s, s:s, s:s}}",
	    "schemaVersion", 2, "mediaType", MT_MEDIA_OCI_INDEX, "manifests",
	    "annotations", "dev.mirrortop.untagged", tag,
	    "dev.mirrortop.repository", repo, "dev.mirrortop.nonce", nonce);
	json_object_set_new(json_object_get(root, "annotations"),
	    "org.opencontainers.image.created", json_string(when));
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

/* A HEAD of the current state answered. */
static void
untag_head_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct untag_op *op = arg;
	const char *d = status == 0 ? m->digest : NULL;

	if (status < 0) {
		untag_end(op, -1, "%s", errmsg ? errmsg : "registry error");
		return;
	}
	switch (op->state) {
	case U_KEEP:
		if (d == NULL || strcmp(d, op->keep_digest) != 0) {
			untag_end(op, UNTAG_STALE, "stale: %s:%s is %s now; "
			    "the plan saw %s", op->repo, op->keep_tag,
			    d ? d : "absent", op->keep_digest);
			return;
		}
		op->state = U_TAG;
		break;
	case U_TAG:
		if (d == NULL) {
			op->how = xstrdup("already absent");
			op->state = U_CHECK_IMAGE;
			break;
		}
		if (strcmp(d, op->expect) != 0) {
			untag_end(op, UNTAG_STALE, "stale: %s:%s is %s now; "
			    "the plan saw %s", op->repo, op->tag, d,
			    op->expect);
			return;
		}
		if (op->resume) {
			/* An earlier removal's placeholder: it goes. */
			snprintf(op->ph_digest, sizeof op->ph_digest, "%s",
			    op->expect);
			op->state = U_DELETE_PH;
			break;
		}
		op->state = op->pkg_api != NULL ||
		    untag_host_refuses(registry_host(op->r)) ? U_PUT :
		    U_DELETE_TAG;
		break;
	case U_CHECK_IMAGE:
		if (op->resume) {
			/* the placeholder itself is gone: that is the point */
			op->state = op->keep_tag ? U_CHECK_KEEP : U_CHECK_TAG;
			break;
		}
		if (d == NULL) {
			untag_end(op, -1, "%s@%s (what %s named) no longer "
			    "resolves", op->repo, op->expect, op->tag);
			return;
		}
		op->state = op->keep_tag ? U_CHECK_KEEP : U_CHECK_TAG;
		break;
	case U_CHECK_KEEP:
		if (d == NULL || strcmp(d, op->keep_digest) != 0) {
			untag_end(op, -1, "%s:%s is %s after the removal, not "
			    "%s", op->repo, op->keep_tag, d ? d : "absent",
			    op->keep_digest);
			return;
		}
		op->state = U_CHECK_TAG;
		break;
	case U_CHECK_TAG:
		if (d != NULL) {
			untag_end(op, -1, "%s:%s is still there (%s)",
			    op->repo, op->tag, d);
			return;
		}
		untag_end(op, 0, NULL);
		return;
	default:
		break;
	}
	untag_step(op);
}

/* A DELETE answered. */
static void
untag_delete_cb(int status, const char *errmsg, void *arg)
{
	struct untag_op *op = arg;

	if (op->state == U_DELETE_TAG) {
		if (status == 2) {
			/* This registry deletes digests only. */
			untag_host_remember(registry_host(op->r));
			op->state = U_PUT;
		} else if (status < 0) {
			untag_end(op, -1, "%s", errmsg ? errmsg : "error");
			return;
		} else {
			op->how = xstrdup(status == 0 ? "deleted the tag" :
			    "already absent");
			op->state = U_CHECK_IMAGE;
		}
		untag_step(op);
		return;
	}
	/* The placeholder. */
	if (status == 2 || status < 0) {
		untag_end(op, -1, "%s; %s:%s now names the placeholder %s "
		    "(the next prune deletes it)", errmsg ? errmsg : "error",
		    op->repo, op->tag, op->ph_digest);
		return;
	}
	op->how = xasprintf("through the placeholder %s", op->ph_digest);
	op->state = U_CHECK_IMAGE;
	untag_step(op);
}

/* GHCR: the placeholder's package version was deleted (or not). */
static void
untag_pkg_deleted(int status, const char *errmsg, void *arg)
{
	struct untag_op *op = arg;

	op->gop = NULL;
	if (status != GHCR_DELETED && status != GHCR_GONE) {
		untag_end(op, -1, "%s; %s:%s now names the placeholder %s "
		    "(the next prune deletes it)", errmsg ? errmsg : "error",
		    op->repo, op->tag, op->ph_digest);
		return;
	}
	op->how = xasprintf("through the placeholder %s (package version "
	    "deleted)", op->ph_digest);
	op->state = U_CHECK_IMAGE;
	untag_step(op);
}

/* The placeholder is under the tag. */
static void
untag_put_cb(int status, const char *digest, const char *errmsg, void *arg)
{
	struct untag_op *op = arg;

	(void)digest;
	op->pop = NULL;
	if (status == PUT_STALE) {
		untag_end(op, UNTAG_STALE, "%s", errmsg ? errmsg : "stale");
		return;
	}
	if (status != 0) {
		untag_end(op, -1, "%s", errmsg ? errmsg : "error");
		return;
	}
	op->state = U_DELETE_PH;
	untag_step(op);
}

static void
untag_step(struct untag_op *op)
{
	char *cause = NULL, *label;
	const char *expect[1];
	char *tags[1];

	switch (op->state) {
	case U_KEEP:
		registry_head_manifest(op->r, op->repo, op->keep_tag,
		    untag_head_cb, op);
		break;
	case U_TAG:
		registry_head_manifest(op->r, op->repo, op->tag,
		    untag_head_cb, op);
		break;
	case U_DELETE_TAG:
		registry_delete_manifest(op->r, op->repo, op->tag,
		    untag_delete_cb, op);
		break;
	case U_PUT:
		op->ph_body = untag_placeholder(op->repo, op->tag);
		sha256_digest(op->ph_body, strlen(op->ph_body), op->ph_digest,
		    sizeof op->ph_digest);
		tags[0] = op->tag;
		expect[0] = op->expect;
		label = xasprintf("untag %s:%s", op->repo, op->tag);
		op->pop = put_start(op->r, label, op->repo,
		    MT_MEDIA_OCI_INDEX, op->ph_body, strlen(op->ph_body), tags,
		    expect, 1, untag_put_cb, op, &cause);
		free(label);
		if (op->pop == NULL) {
			untag_end(op, -1, "%s", cause ? cause : "error");
			free(cause);
		}
		break;
	case U_DELETE_PH:
		if (op->pkg_api != NULL) {
			op->gop = ghcr_delete_digest_start(op->pkg_http,
			    op->pkg_api, op->pkg_token, op->repo,
			    op->ph_digest, untag_pkg_deleted, op);
			if (op->gop == NULL)
				untag_end(op, -1, "GitHub Packages API: cannot "
				    "send the request; %s:%s now names the "
				    "placeholder %s (the next prune deletes it)",
				    op->repo, op->tag, op->ph_digest);
			break;
		}
		registry_delete_manifest(op->r, op->repo, op->ph_digest,
		    untag_delete_cb, op);
		break;
	case U_CHECK_IMAGE:
		registry_head_manifest(op->r, op->repo, op->expect,
		    untag_head_cb, op);
		break;
	case U_CHECK_KEEP:
		registry_head_manifest(op->r, op->repo, op->keep_tag,
		    untag_head_cb, op);
		break;
	case U_CHECK_TAG:
		registry_head_manifest(op->r, op->repo, op->tag,
		    untag_head_cb, op);
		break;
	}
}

struct untag_op *
untag_start(struct registry *r, const struct untag_spec *spec, untag_cb cb,
    void *arg, char **cause)
{
	struct untag_op *op;

	if (spec->repo == NULL || spec->tag == NULL || spec->expect == NULL ||
	    (spec->keep_tag != NULL && spec->keep_digest == NULL)) {
		*cause = xstrdup("untag: incomplete step");
		return NULL;
	}
	op = xcalloc(1, sizeof *op);
	op->r = r;
	op->repo = xstrdup(spec->repo);
	op->tag = xstrdup(spec->tag);
	op->expect = xstrdup(spec->expect);
	op->keep_tag = xstrdup(spec->keep_tag);
	op->keep_digest = xstrdup(spec->keep_digest);
	op->resume = spec->placeholder;
	if (spec->pkg_api != NULL) {
		op->pkg_http = spec->pkg_http;
		op->pkg_api = xstrdup(spec->pkg_api);
		op->pkg_token = xstrdup(spec->pkg_token ? spec->pkg_token :
		    "");
	}
	op->cb = cb;
	op->arg = arg;
	op->state = op->keep_tag != NULL ? U_KEEP : U_TAG;
	untag_step(op);
	return op;
}

void
untag_cancel(struct untag_op *op)
{
	if (op == NULL)
		return;
	if (op->pop != NULL)
		put_cancel(op->pop);
	ghcr_cancel(op->gop);
	registry_cancel_arg(op->r, op);
	untag_free(op);
}
