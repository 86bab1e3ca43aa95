/*
 * merge.h — resolve a native multi-arch index, writing nothing.
 *
 * A merge resolves every configured arch (the recorded digest, else the
 * staging tag, else the arch's entry in the version's current index, or
 * the current index first for archs already published), checks each
 * image's platform, and makes an OCI image index (a Docker manifest list
 * when every child is a Docker manifest) that keeps the children's
 * attestation manifests. All or nothing: when an arch cannot be resolved
 * the message names it. The plan shows the bytes; apply writes them
 * (apply-put.h).
 */
#ifndef MT_MERGE_H
#define MT_MERGE_H

#include <stddef.h>

struct registry;
struct merge_op;

struct merge_spec {
	const char		*app;
	const char		*version;
	const char		*image;		/* registry/namespace/image (messages) */
	const char		*repo;		/* namespace/image */
	const char		*image_tag;
	char *const		*archs;
	size_t			 narchs;
	const char *const	*digests;	/* per arch: recorded digest or NULL; may be NULL */
	const char *const	*staging_tags;	/* per arch */
	const int		*prefer_current; /* per arch, may be NULL: take
						  * the child of the version's
						  * current index first */
};

/* A resolved merge (merge_resolve); everything borrowed. */
struct merge_result {
	const char		*body;		/* the index bytes */
	size_t			 len;
	const char		*media_type;
	const char		*digest;
	size_t			 narchs;
	const char *const	*archs;
	const char *const	*child_digests;	/* per arch */
	const char *const	*sources;	/* per arch: the ref taken */
	const int		*from_current;	/* per arch: from the version's
						 * current index */
	const char		*current_body;	/* the version's tag now, or NULL */
	size_t			 current_len;
	const char		*current_digest;
};
typedef void (*merge_result_cb)(int status, const struct merge_result *,
    const char *errmsg, void *arg);

/*
 * Resolve a merge, writing nothing, and also read the version's current
 * manifest: cb gets the index bytes, each arch's child
 * and where it was taken from, and the current manifest. The index keeps
 * the children's attestation manifests (from their source index or the
 * current index) and writes each platform as the child's config states it.
 */
struct merge_op	*merge_resolve(struct registry *, const struct merge_spec *,
		     merge_result_cb, void *arg, char **cause);

/* Abandon an operation (its callback is not called). */
void		 merge_cancel(struct merge_op *);

/* One child of an index. */
struct merge_child {
	const char	*media_type;
	const char	*digest;
	long long	 size;
	const char	*os;
	const char	*architecture;
	const char	*variant;	/* NULL if none */
};

/*
 * The canonical index JSON for children in the given order: OCI index
 * unless every child is a Docker schema2 manifest (then a Docker manifest
 * list). Keys in a fixed order, compact. Caller frees; *media_type is
 * static.
 */
char		*merge_build_index(const struct merge_child *, size_t n,
		     const char **media_type);

/* Whether a platform is arch ("amd64", "arm64", "arm/v7"); 1 or 0. */
int		 merge_arch_match(const char *architecture, const char *variant,
		     const char *arch);

#endif
