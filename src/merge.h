/*
 * merge.h — native multi-arch merges and retagging (`latest`).
 *
 * A merge resolves every configured arch (the recorded digest, else the
 * staging tag, else the arch's entry in the version's current index),
 * checks each image's platform, writes an OCI image index (a Docker
 * manifest list when every child is a Docker manifest), PUTs it under the
 * version's tag and, for the semantic latest, under `latest`, then reads
 * the tag back and compares digests. All or nothing: when an arch cannot
 * be resolved nothing is written and the message names it.
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
	int			 is_latest;	/* also PUT as `latest` */
	int			 dry_run;	/* resolve and build only */
	char *const		*archs;
	size_t			 narchs;
	const char *const	*digests;	/* per arch: recorded digest or NULL; may be NULL */
	const char *const	*staging_tags;	/* per arch */
	const int		*prefer_current; /* per arch, may be NULL: take
						  * the child of the version's
						  * current index first */
};

/* status of merge_put when a tag is not what the plan saw. */
#define MERGE_STALE	(-2)

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
 * Called once: status 0 ok (json = the index bytes, digest its digest), -1
 * failed (errmsg one line: "merge APP VERSION: ..."). All borrowed.
 */
typedef void (*merge_cb)(int status, const char *json, const char *digest,
    const char *errmsg, void *arg);

/* Start a merge. NULL with *cause (caller frees) on a bad spec. */
struct merge_op	*merge_start(struct registry *, const struct merge_spec *,
		     merge_cb, void *arg, char **cause);

/*
 * Resolve a merge as merge_start would, writing nothing, and also read the
 * version's current manifest: cb gets the index bytes, each arch's child
 * and where it was taken from, and the current manifest. The index keeps
 * the children's attestation manifests (from their source index or the
 * current index) and writes each platform as the child's config states it.
 */
struct merge_op	*merge_resolve(struct registry *, const struct merge_spec *,
		     merge_result_cb, void *arg, char **cause);

/*
 * PUT exact bytes under each of tags, once each tag's digest is
 * expect[i] (NULL: the tag must be absent; expect NULL: all absent), then
 * read each back. A tag that changed since the plan: status MERGE_STALE,
 * nothing written. label names the step in messages.
 */
struct merge_op	*merge_put(struct registry *, const char *label,
		     const char *repo, const char *media_type, const char *body,
		     size_t len, char *const *tags, const char *const *expect,
		     size_t n, merge_cb, void *arg, char **cause);

/*
 * Copy the manifest at src_ref to each of dst_tags (same bytes, same media
 * type), then read each back and compare digests. label names the
 * operation in messages ("latest mattermost"). In dry-run mode only the
 * source is read; json is the bytes that would be PUT.
 */
struct merge_op	*merge_retag(struct registry *, const char *label,
		     const char *repo, const char *src_ref,
		     char *const *dst_tags, size_t ndst, int dry_run,
		     merge_cb, void *arg, char **cause);

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
