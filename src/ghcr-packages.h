/*
 * ghcr-packages.h — GHCR's package versions through the GitHub Packages
 * REST API.
 *
 * GHCR has no DELETE in its registry API: a manifest goes by deleting its
 * package version. Every manifest of a repository is one version (an
 * index's children and attestation manifests are untagged versions of
 * their own); the version's `name` is the manifest digest,
 * `metadata.container.tags` its tags, `updated_at` when it last changed.
 * The repository "owner/rest/of/name" is package "rest/of/name" (sent
 * URL-encoded, "mirror%2Fmattermost") of owner, an organization
 * (/orgs/{owner}/...) or else a user (/users/{owner}/...): the first
 * answer that is not 404 decides, and is remembered for the process.
 * Lists are followed through Link rel="next", at most 100 pages of 100.
 * The token (read:packages, delete:packages) goes in the Authorization
 * header only. GitHub refuses to delete a version of a public package
 * downloaded more than 5,000 times: that answer is GHCR_REFUSED.
 */
#ifndef MT_GHCR_PACKAGES_H
#define MT_GHCR_PACKAGES_H

#include <stddef.h>
#include <time.h>

struct http;
struct ghcr_op;

/* registry data: bounded */
#define GHCR_MAX_VERSIONS	10000
#define GHCR_MAX_TAGS		256

struct ghcr_version {
	long long	 id;
	char		*digest;	/* the version's name */
	char		**tags;
	size_t		 ntags;
	time_t		 updated;	/* updated_at; 0 unknown */
};

struct ghcr_versions {
	struct ghcr_version	*v;
	size_t			 n;
};

/*
 * One page of a version list (a JSON array) appended to *out; entries
 * without an id or a sha256 digest name are skipped, at most
 * GHCR_MAX_VERSIONS in all. 0, or -1 with *cause (caller frees).
 */
int	ghcr_parse_versions(const char *body, size_t len,
	    struct ghcr_versions *out, char **cause);
void	ghcr_versions_clear(struct ghcr_versions *);
/* The version named digest, or NULL. Borrowed. */
const struct ghcr_version *ghcr_find(const struct ghcr_versions *,
	    const char *digest);

/*
 * The package path of repo ("owner/a/b" -> owner "owner", package "a%2Fb").
 * -1 when repo has no '/' (no owner). Caller frees both.
 */
int	ghcr_package_of(const char *repo, char **owner, char **package);

/* status: 0 ok, -1 error (errmsg one line, never the token). */
typedef void (*ghcr_list_cb)(int status, const struct ghcr_versions *,
    const char *errmsg, void *arg);

#define GHCR_DELETED	0
#define GHCR_GONE	1	/* already absent (404) */
#define GHCR_REFUSED	2	/* GitHub will not delete it (downloads) */
typedef void (*ghcr_delete_cb)(int status, const char *errmsg, void *arg);

/*
 * List every version of repo's package (api: the REST base URL,
 * "https://api.github.com"). The callback is called once, later.
 */
struct ghcr_op	*ghcr_list_start(struct http *, const char *api,
		    const char *token, const char *repo, ghcr_list_cb,
		    void *arg);
/* Delete version id of repo's package (the same way). */
struct ghcr_op	*ghcr_delete_start(struct http *, const char *api,
		    const char *token, const char *repo, long long id,
		    ghcr_delete_cb, void *arg);
/* One version (status 0, borrowed for the call), GHCR_GONE, or -1. */
typedef void (*ghcr_get_cb)(int status, const struct ghcr_version *,
    const char *errmsg, void *arg);
struct ghcr_op	*ghcr_get_start(struct http *, const char *api,
		    const char *token, const char *repo, long long id,
		    ghcr_get_cb, void *arg);
/* Delete the version named digest (listing the versions to find it). */
struct ghcr_op	*ghcr_delete_digest_start(struct http *, const char *api,
		    const char *token, const char *repo, const char *digest,
		    ghcr_delete_cb, void *arg);
/* Abandon an operation (its callback is not called). Accepts NULL. */
void		 ghcr_cancel(struct ghcr_op *);

#endif
