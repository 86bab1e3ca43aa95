/*
 * copy.h — copy one version from a source target to another target,
 * digest-preserving.
 *
 * What is copied: the version's index (or image) by digest, every
 * manifest it references (images, buildx attestation manifests, nested
 * indexes) and every blob those reference; then the supply-chain
 * artifacts hanging on any of those digests that the source's tag list
 * names — cosign's sha256-<hex>.sig/.att/.sbom tags and the OCI
 * referrers fallback tag sha256-<hex> — with what they reference.
 *
 * Order, so that nothing a user can pull is ever incomplete: each blob
 * before the manifests that name it, children before their index (all
 * by digest), the artifact tags after what they hang on, and the
 * version's tags last, through apply-put.h (each tag's premise checked
 * just before it is written, then read back: the digest on the target is
 * the source's). Every blob and manifest is asked for on the target
 * first (HEAD) and not sent again when it is there, so a copy that was
 * interrupted anywhere completes on the next run without redoing what
 * exists. Blobs are mounted on the same registry and streamed between
 * registries (registry-blob.h). Manifests are written byte-identical
 * with their media type.
 */
#ifndef MT_COPY_H
#define MT_COPY_H

#include <stddef.h>

struct loop;
struct registry;
struct copy_op;

struct copy_spec {
	struct loop	*loop;
	const char	*label;		/* "copy APP VERSION to TARGET" */
	struct registry	*src;
	const char	*src_repo;
	const char	*src_tag;	/* premise: still holds digest (or NULL) */
	struct registry	*dst;		/* the same host as src: blobs mounted */
	const char	*dst_repo;
	const char	*digest;	/* what is copied */
	char *const	*tags;		/* written on dst last, in order */
	const char *const *expect;	/* per tag: its digest as planned
					 * (NULL: absent) */
	size_t		 ntags;
	int		 force;		/* an artifact tag that differs on dst
					 * is overwritten (else kept, told) */
};

struct copy_stats {
	int		 blobs_present;
	int		 blobs_mounted;
	int		 blobs_streamed;
	long long	 bytes_streamed;
	int		 manifests_present;
	int		 manifests_written;
	int		 artifacts;		/* artifact tags found */
	int		 artifacts_kept;	/* ... that differ and were kept */
};

#define COPY_STALE	(-2)	/* a premise changed; nothing written */

/* Called once: status 0, -1 or COPY_STALE (errmsg one line). Borrowed. */
typedef void (*copy_cb)(int status, const struct copy_stats *,
    const char *errmsg, void *arg);

/* Start; the spec's strings are copied, registries borrowed. */
struct copy_op	*copy_start(const struct copy_spec *, copy_cb, void *arg);
/* Abandon (the callback is not called). NULL is fine. */
void		 copy_cancel(struct copy_op *);
/* "3 blobs sent (12.0 MB), 1 mounted, 2 already there; 4 manifests
 * written, 0 already there; 2 artifacts". Caller frees. */
char		*copy_stats_line(const struct copy_stats *);

#endif
