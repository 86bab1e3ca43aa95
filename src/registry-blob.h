/*
 * registry-blob.h — one blob onto a target registry, the cheapest way
 * that is safe: a HEAD first (there already: nothing is sent); on the
 * same registry, a cross-repository mount (POST .../blobs/uploads/
 * ?mount=<digest>&from=<repo>); else streamed from the source registry
 * into an upload session of the destination, the download and the
 * upload running together through a bounded ring (BLOB_RING_SIZE bytes:
 * a blob is never held whole, whatever its size), hashed on the way.
 * A stream is bounded by the stall limit (http_stall_timeout), not by a
 * total time; a stream that fails is started again from a new upload
 * session, BLOB_ATTEMPTS times at most.
 */
#ifndef MT_REGISTRY_BLOB_H
#define MT_REGISTRY_BLOB_H

#include <stddef.h>

struct loop;
struct registry;
struct blob_op;

#define BLOB_RING_SIZE	((size_t)1024 * 1024)
#define BLOB_ATTEMPTS	3

enum blob_how {
	BLOB_PRESENT,		/* the destination had it */
	BLOB_MOUNTED,		/* mounted from another repository */
	BLOB_STREAMED,		/* sent */
};

/* Called once: status 0 (how says how) or -1 (errmsg one line). */
typedef void (*blob_cb)(int status, enum blob_how how, const char *errmsg,
    void *arg);

/*
 * Put blob digest (size bytes, as the manifest's descriptor says) of
 * src_repo on src into dst_repo on dst; when both name the same registry
 * host, it is mounted (with dst's credentials, which must read
 * src_repo). Every pointer is borrowed until the callback; strings are
 * copied.
 */
struct blob_op	*blob_copy(struct loop *, struct registry *src,
		    const char *src_repo, struct registry *dst,
		    const char *dst_repo, const char *digest, long long size,
		    blob_cb, void *arg);
/* Abandon (the callback is not called). NULL is fine. */
void		 blob_cancel(struct blob_op *);
/* "present", "mounted", "streamed". */
const char	*blob_how_name(enum blob_how);

#endif
