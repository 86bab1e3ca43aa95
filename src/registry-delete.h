/*
 * registry-delete.h — removing a tag without deleting what it names.
 *
 * A staging tag names an image that a version's index also names: the
 * tag must go and the image must stay. Where the registry deletes a tag
 * alone (an OCI `DELETE /v2/<name>/manifests/<tag>` that succeeds), that
 * is used; the first refusal (distribution 2.8 answers 400) is
 * remembered for the registry host. Elsewhere the tag is pointed at a
 * placeholder, a tiny empty index unique to this removal, and that
 * placeholder is deleted by digest: the tag goes with it, the image
 * stays. A digest that anything else names is never deleted.
 *
 * Premises, re-checked just before the writes: the index that keeps the
 * image is still the digest the plan saw and still names the image; the
 * tag is still the digest the plan saw. Afterwards the image and the
 * keeping index are read back.
 */
#ifndef MT_REGISTRY_DELETE_H
#define MT_REGISTRY_DELETE_H

struct http;
struct registry;
struct untag_op;

/* status of an untag whose premise changed: nothing was written */
#define UNTAG_STALE	(-2)

/*
 * Called once: 0 done (how: "deleted the tag", "through placeholder
 * sha256:...", "already absent"), UNTAG_STALE, or -1 (errmsg one line).
 */
typedef void (*untag_cb)(int status, const char *how, const char *errmsg,
    void *arg);

struct untag_spec {
	const char	*repo;
	const char	*tag;		/* removed */
	const char	*expect;	/* its digest as planned */
	const char	*keep_tag;	/* the index that keeps the image */
	const char	*keep_digest;	/* its digest as planned */
	int		 placeholder;	/* expect is the placeholder an earlier
					 * removal left: delete it by digest */
	/* GHCR: no DELETE in the registry API; the placeholder is deleted
	 * as its package version (ghcr-packages.h) through pkg_api with
	 * pkg_token, and no tag DELETE is tried */
	struct http	*pkg_http;
	const char	*pkg_api;
	const char	*pkg_token;
};

/* Start; NULL with *cause (caller frees) on a bad spec. */
struct untag_op	*untag_start(struct registry *, const struct untag_spec *,
		     untag_cb, void *arg, char **cause);
void		 untag_cancel(struct untag_op *);

/*
 * The placeholder that replaces tag of repo (exact bytes: an OCI index
 * without entries, annotated with what it replaced and a nonce). Caller
 * frees.
 */
char		*untag_placeholder(const char *repo, const char *tag);

#endif
