/*
 * repo-walk.h — every tag of a repository, resolved down to what it
 * reaches.
 *
 * A walk lists the repository's tags, reads each tag's manifest and, for
 * an index, every entry of it (images, attestation manifests, anything
 * else it names). What a walk finds is what prune keeps: the planner
 * reads it to know which staging tags are merged into an index, and the
 * verify step walks again after the removals to check that every kept
 * tag and everything it reaches still resolves.
 */
#ifndef MT_REPO_WALK_H
#define MT_REPO_WALK_H

#include <stddef.h>

struct registry;
struct repo_walk;

struct walk_tag {
	char	*tag;
	char	*digest;	/* NULL: did not resolve */
	int	 is_index;
	int	 placeholder;	/* an empty index annotated as what replaced
				 * this very tag in a removal (registry-delete.h) */
	char	**children;	/* index: every entry's digest */
	size_t	 nchildren;
	char	*subject;	/* an artifact's subject digest, or NULL */
};

struct walk_result {
	struct walk_tag	*tags;		/* sorted by tag */
	size_t		 ntags;
	/* what did not resolve, one line each ("ns/app:1.0" or
	 * "ns/app@sha256:... (arm64 entry of ns/app:1.0)") */
	char		**missing;
	size_t		 nmissing;
};

/* status 0 (result filled) or -1 (errmsg: the tags could not be listed). */
typedef void (*repo_walk_cb)(int status, const struct walk_result *,
    const char *errmsg, void *arg);

/*
 * Start a walk of repo. deep: also HEAD every entry of every index (the
 * verify step); otherwise entries are read from the index bodies only.
 * cb is called later, never from inside this call.
 */
struct repo_walk *repo_walk_start(struct registry *, const char *repo,
		     int deep, repo_walk_cb, void *arg);
/* Abandon a walk (its callback is not called). */
void		 repo_walk_cancel(struct repo_walk *);

/*
 * The digest of every entry of an index body (registry data: at most
 * 1024, each at most 255 bytes, anything else skipped) into *out (caller
 * frees each and the array); their number. *placeholder: the body is an
 * empty index annotated as the placeholder of tag (registry-delete.h).
 */
size_t		 walk_index_entries(const char *body, size_t len,
		     const char *tag, char ***out, int *placeholder);

/*
 * The subject digest of a manifest body (an OCI artifact: a signature,
 * an SBOM, an attestation), bounded like the entries, or NULL. Caller
 * frees.
 */
char		*walk_subject(const char *body, size_t len);

/* The tag's entry in a result, or NULL. */
const struct walk_tag *walk_find(const struct walk_result *, const char *tag);
/* Whether digest is one of t's children. */
int		 walk_has_child(const struct walk_tag *, const char *digest);

#endif
