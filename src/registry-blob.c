/*
 * registry-blob.c — a blob onto a target: HEAD, mount, or a stream from
 * the source registry through a bounded ring into an upload session.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "http.h"
#include "loop.h"
#include "registry.h"
#include "registry-blob.h"
#include "registry-int.h"
#include "util.h"

struct blob_op {
	struct loop	*loop;
	struct registry	*src;
	struct registry	*dst;
	char		*src_repo;
	char		*dst_repo;
	char		*digest;
	long long	 size;
	blob_cb		 cb;
	void		*arg;
	int		 attempt;	/* upload sessions started */
	char		*last_error;

	/* Distinct callback arguments, one per exchange kind, so that one
	 * transfer can be cancelled without the other. */
	char		 tok_head, tok_post, tok_get, tok_put;
	int		 get_live, put_live, post_live, head_live;

	/* The stream. */
	char		*ring;
	size_t		 rpos;		/* next byte to send */
	size_t		 rlen;		/* bytes waiting */
	long long	 got;		/* received from the source */
	long long	 sent;		/* handed to the upload */
	EVP_MD_CTX	*md;
	int		 get_done;	/* the download ended well */
	int		 get_failed;
	int		 get_paused;
	int		 put_paused;
	int		 oversize;
	uint64_t	 timer;
};

static void	blob_post(struct blob_op *);

const char *
blob_how_name(enum blob_how how)
{
	switch (how) {
	case BLOB_PRESENT:
		return "present";
	case BLOB_MOUNTED:
		return "mounted";
	case BLOB_STREAMED:
		return "streamed";
	}
	return "?";
}

/* Stop whatever is in flight (no callback). */
static void
blob_stop(struct blob_op *op)
{
	if (op->head_live)
		registry_cancel_arg(op->dst, &op->tok_head);
	if (op->post_live)
		registry_cancel_arg(op->dst, &op->tok_post);
	if (op->get_live)
		registry_cancel_arg(op->src, &op->tok_get);
	if (op->put_live)
		registry_cancel_arg(op->dst, &op->tok_put);
	op->head_live = op->post_live = op->get_live = op->put_live = 0;
	loop_timer_del(op->loop, op->timer);
	op->timer = 0;
}

/* Free the stream's state (between attempts, and at the end). */
static void
blob_stream_clear(struct blob_op *op)
{
	free(op->ring);
	op->ring = NULL;
	op->rpos = op->rlen = 0;
	op->got = op->sent = 0;
	if (op->md != NULL)
		EVP_MD_CTX_free(op->md);
	op->md = NULL;
	op->get_done = op->get_failed = op->get_paused = op->put_paused = 0;
	op->oversize = 0;
}

static void
blob_free(struct blob_op *op)
{
	blob_stop(op);
	blob_stream_clear(op);
	free(op->src_repo);
	free(op->dst_repo);
	free(op->digest);
	free(op->last_error);
	free(op);
}

void
blob_cancel(struct blob_op *op)
{
	if (op != NULL)
		blob_free(op);
}

/* Report and free. */
static void
blob_done(struct blob_op *op, int status, enum blob_how how,
    const char *errmsg)
{
	blob_stop(op);
	op->cb(status, how, errmsg, op->arg);
	blob_free(op);
}

/* Fail with "blob DIGEST: what". */
static void
blob_fail(struct blob_op *op, const char *what)
{
	char *msg = xasprintf("blob %s: %s", op->digest, what);

	blob_done(op, -1, BLOB_PRESENT, msg);
	free(msg);
}

/* A one-line description of a failed answer. Caller frees. */
static char *
blob_describe(const struct http_response *resp)
{
	if (resp->status == 0)
		return xstrdup(resp->error != NULL ? resp->error : "error");
	return reg_describe(resp, NULL);
}

/* Worth a new upload session: the network or the server, not the
 * request, failed. */
static int
blob_transient(const struct http_response *resp)
{
	return resp->status == 0 || resp->status == 408 ||
	    resp->status == 429 || resp->status >= 500;
}

/* A stream failed: start again from a new session, or give up. */
static void
blob_retry(struct blob_op *op, const char *why, int transient)
{
	char *what;

	blob_stop(op);
	blob_stream_clear(op);
	free(op->last_error);
	op->last_error = xstrdup(why);
	if (transient && op->attempt < BLOB_ATTEMPTS) {
		blob_post(op);
		return;
	}
	what = op->attempt > 1 ? xasprintf("%s (after %d attempts)", why,
	    op->attempt) : xstrdup(why);
	blob_fail(op, what);
	free(what);
}

/* Timer: let the paused transfer(s) go on, outside curl's callbacks. */
static void
blob_resume_cb(void *arg)
{
	struct blob_op *op = arg;

	op->timer = 0;
	if (op->get_paused && op->get_live) {
		op->get_paused = 0;
		registry_raw_resume(op->src, &op->tok_get);
	}
	if (op->put_paused && op->put_live) {
		op->put_paused = 0;
		registry_raw_resume(op->dst, &op->tok_put);
	}
}

/* Ask for a resume from the loop (once). */
static void
blob_wake(struct blob_op *op)
{
	if (op->timer == 0)
		op->timer = loop_timer_add(op->loop, 0, blob_resume_cb, op);
}

/* The download's bytes: into the ring, hashed; pause when it is full. */
static size_t
blob_sink(const char *data, size_t len, void *arg)
{
	struct blob_op *op = arg;
	size_t wpos, first;

	if (op->got + (long long)len > op->size) {
		op->oversize = 1;
		return 0;	/* aborts the download */
	}
	if (len > BLOB_RING_SIZE - op->rlen) {
		op->get_paused = 1;
		if (op->put_paused)
			blob_wake(op);
		return HTTP_PAUSE;
	}
	wpos = (op->rpos + op->rlen) % BLOB_RING_SIZE;
	first = BLOB_RING_SIZE - wpos;
	if (first > len)
		first = len;
	memcpy(op->ring + wpos, data, first);
	memcpy(op->ring, data + first, len - first);
	op->rlen += len;
	op->got += (long long)len;
	EVP_DigestUpdate(op->md, data, len);
	if (op->put_paused)
		blob_wake(op);
	return len;
}

/* The upload's bytes: from the ring; pause when it is empty. */
static size_t
blob_source(char *buf, size_t len, void *arg)
{
	struct blob_op *op = arg;
	size_t n, first;

	if (op->rlen == 0) {
		if (op->get_failed)
			return HTTP_ABORT;
		if (op->sent >= op->size)
			return 0;
		op->put_paused = 1;
		if (op->get_paused)
			blob_wake(op);
		return HTTP_PAUSE;
	}
	n = len < op->rlen ? len : op->rlen;
	first = BLOB_RING_SIZE - op->rpos;
	if (first > n)
		first = n;
	memcpy(buf, op->ring + op->rpos, first);
	memcpy(buf + first, op->ring, n - first);
	op->rpos = (op->rpos + n) % BLOB_RING_SIZE;
	op->rlen -= n;
	op->sent += (long long)n;
	if (op->get_paused)
		blob_wake(op);
	return n;
}

/* Whether the bytes that went through are the blob. */
static int
blob_hash_ok(struct blob_op *op)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char hex[2 * EVP_MAX_MD_SIZE + 8];

	if (op->got != op->size)
		return 0;
	EVP_DigestFinal_ex(op->md, md, &mdlen);
	memcpy(hex, "sha256:", 7);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", md[i]);
	return strcmp(hex, op->digest) == 0;
}

/* The download ended. */
static void
blob_get_cb(const struct http_response *resp, void *arg)
{
	struct blob_op *op = (struct blob_op *)((char *)arg -
	    offsetof(struct blob_op, tok_get));
	char *why, *d;

	op->get_live = 0;
	if (resp->status == 200 && resp->error == NULL && !op->oversize) {
		if (!blob_hash_ok(op)) {
			why = xasprintf("the source sent %lld bytes that are "
			    "not the blob (%lld expected)", op->got, op->size);
			op->get_failed = 1;
			blob_retry(op, why, 1);
			free(why);
			return;
		}
		op->get_done = 1;
		if (op->put_paused)
			blob_wake(op);
		return;	/* the upload ends it */
	}
	op->get_failed = 1;
	if (op->oversize)
		why = xasprintf("the source sent more than the %lld bytes its "
		    "descriptor says", op->size);
	else {
		d = blob_describe(resp);
		why = xasprintf("reading it from %s failed: %s",
		    registry_host(op->src), d);
		free(d);
	}
	blob_retry(op, why, !op->oversize && blob_transient(resp));
	free(why);
}

/* The upload ended. */
static void
blob_put_cb(const struct http_response *resp, void *arg)
{
	struct blob_op *op = (struct blob_op *)((char *)arg -
	    offsetof(struct blob_op, tok_put));
	const char *hdr;
	char *why, *d;

	op->put_live = 0;
	if (resp->status == 201 && resp->error == NULL) {
		hdr = http_header(resp, "Docker-Content-Digest");
		if (hdr != NULL && strcmp(hdr, op->digest) != 0) {
			blob_fail(op, "the destination stored another digest");
			return;
		}
		if (op->sent != op->size) {
			blob_retry(op, "the upload ended early", 1);
			return;
		}
		blob_done(op, 0, BLOB_STREAMED, NULL);
		return;
	}
	if (op->get_failed)
		return;		/* the download's failure is being told */
	d = blob_describe(resp);
	why = xasprintf("upload to %s failed: %s", registry_host(op->dst), d);
	free(d);
	blob_retry(op, why, blob_transient(resp) || resp->status == 401);
	free(why);
}

/* An upload session is open at location: stream into it. */
static void
blob_stream(struct blob_op *op, const char *base, const char *location)
{
	struct registry_raw q;
	char *url, *full, *esc;

	url = http_url_resolve(base, location);
	if (url == NULL) {
		blob_fail(op, "the upload location cannot be used");
		return;
	}
	esc = http_escape(op->digest);
	full = xasprintf("%s%sdigest=%s", url, strchr(url, '?') != NULL ?
	    "&" : "?", esc);
	free(esc);
	free(url);
	op->ring = xmalloc(BLOB_RING_SIZE);
	op->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(op->md, EVP_sha256(), NULL);

	memset(&q, 0, sizeof q);
	q.method = "PUT";
	q.url = full;
	q.content_type = "application/octet-stream";
	q.source = blob_source;
	q.stream_arg = op;
	q.upload_len = op->size;
	op->put_live = 1;
	registry_raw(op->dst, op->dst_repo, &q, blob_put_cb, &op->tok_put);
	free(full);

	/* (registry_raw never answers before it returns) */
	memset(&q, 0, sizeof q);
	full = xasprintf("blobs/%s", op->digest);
	q.path = full;
	q.follow = 1;
	q.sink = blob_sink;
	q.stream_arg = op;
	op->get_live = 1;
	registry_raw(op->src, op->src_repo, &q, blob_get_cb, &op->tok_get);
	free(full);
}

/* The upload session (or the mount) answered. */
static void
blob_post_cb(const struct http_response *resp, void *arg)
{
	struct blob_op *op = (struct blob_op *)((char *)arg -
	    offsetof(struct blob_op, tok_post));
	const char *loc;
	char *d, *why;

	op->post_live = 0;
	if (resp->status == 201 && resp->error == NULL) {
		/* Mounted (asked for on the same registry). */
		blob_done(op, 0, BLOB_MOUNTED, NULL);
		return;
	}
	if (resp->status == 202 && resp->error == NULL &&
	    (loc = http_header(resp, "Location")) != NULL && *loc != '\0') {
		blob_stream(op, resp->url, loc);
		return;
	}
	if (resp->status == 202) {
		blob_fail(op, "the upload session has no location");
		return;
	}
	d = blob_describe(resp);
	why = xasprintf("cannot open an upload on %s: %s",
	    registry_host(op->dst), d);
	free(d);
	blob_retry(op, why, blob_transient(resp));
	free(why);
}

/* Open an upload session: a mount on the same registry, else plain. */
static void
blob_post(struct blob_op *op)
{
	struct registry_raw q;
	char *path, *esc, *from;

	op->attempt++;
	memset(&q, 0, sizeof q);
	q.method = "POST";
	if (strcmp(registry_host(op->src), registry_host(op->dst)) == 0 &&
	    strcmp(op->src_repo, op->dst_repo) != 0 && op->attempt == 1) {
		from = registry_api_repo(op->src, op->src_repo);
		esc = http_escape(op->digest);
		path = xasprintf("blobs/uploads/?mount=%s&from=%s", esc,
		    from);
		free(esc);
		free(from);
		q.also_pull = op->src_repo;
	} else
		path = xstrdup("blobs/uploads/");
	q.path = path;
	op->post_live = 1;
	registry_raw(op->dst, op->dst_repo, &q, blob_post_cb, &op->tok_post);
	free(path);
}

/* The destination was asked whether it has the blob. */
static void
blob_head_cb(const struct http_response *resp, void *arg)
{
	struct blob_op *op = (struct blob_op *)((char *)arg -
	    offsetof(struct blob_op, tok_head));
	char *d, *why;

	op->head_live = 0;
	/* 200, or a redirect to where it is kept (a CDN): there. */
	if (resp->error == NULL && resp->status >= 200 &&
	    resp->status < 400 && resp->status != 202) {
		blob_done(op, 0, BLOB_PRESENT, NULL);
		return;
	}
	if (resp->status == 404) {
		blob_post(op);
		return;
	}
	d = blob_describe(resp);
	why = xasprintf("cannot check it on %s: %s", registry_host(op->dst),
	    d);
	free(d);
	blob_fail(op, why);
	free(why);
}

struct blob_op *
blob_copy(struct loop *loop, struct registry *src, const char *src_repo,
    struct registry *dst, const char *dst_repo, const char *digest,
    long long size, blob_cb cb, void *arg)
{
	struct blob_op *op = xcalloc(1, sizeof *op);
	struct registry_raw q;
	char *path;

	op->loop = loop;
	op->src = src;
	op->dst = dst;
	op->src_repo = xstrdup(src_repo);
	op->dst_repo = xstrdup(dst_repo);
	op->digest = xstrdup(digest);
	op->size = size < 0 ? 0 : size;
	op->cb = cb;
	op->arg = arg;
	memset(&q, 0, sizeof q);
	q.method = "HEAD";
	path = xasprintf("blobs/%s", digest);
	q.path = path;
	q.follow = 0;
	op->head_live = 1;
	registry_raw(dst, dst_repo, &q, blob_head_cb, &op->tok_head);
	free(path);
	return op;
}
