/*
 * registry.h — an OCI distribution (Docker registry v2) client object.
 *
 * One object per target registry, each with its own auth state (challenge
 * flow: Bearer tokens per scope, reused until they expire, or Basic). All
 * calls are asynchronous on the http/loop; each callback is called exactly
 * once and its arguments are borrowed (freed after it returns).
 */
#ifndef MT_REGISTRY_H
#define MT_REGISTRY_H

#include <stddef.h>

struct http;
struct registry;

#define MT_MEDIA_OCI_INDEX	"application/vnd.oci.image.index.v1+json"
#define MT_MEDIA_OCI_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define MT_MEDIA_DOCKER_LIST	"application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

struct registry_platform {
	char	*os;
	char	*architecture;	/* "arm64" for arm64/v8 */
	char	*variant;	/* NULL or "v7" ... */
	char	*digest;	/* child manifest digest (index entries) */
	char	*media_type;
	long long size;
};

struct registry_manifest {
	char	*digest;	/* Docker-Content-Digest, else sha256 of body */
	char	*media_type;
	char	*body;		/* exact bytes */
	size_t	 len;
	int	 is_index;	/* OCI index or Docker list */
	/* index: runnable entries only (attestations skipped) */
	struct registry_platform *platforms;
	size_t	 nplatforms;
	/* single image: platform from the config blob when resolved; NULL
	 * architecture when the config has none (e.g. a Docker plugin) */
	struct registry_platform platform;
	/* single image, resolved: the platform exactly as the config states
	 * it, as an index entry writes it (compact JSON object of
	 * architecture, os, os.version, os.features, variant), or NULL */
	char	*platform_json;
	char	*config_digest;
};

/* status: 0 ok, 1 not found (tag/repo), -1 error (errmsg one line). */
typedef void (*registry_tags_cb)(int status, char *const *tags, size_t n,
    const char *errmsg, void *arg);
typedef void (*registry_manifest_cb)(int status,
    const struct registry_manifest *, const char *errmsg, void *arg);
typedef void (*registry_put_cb)(int status, const char *digest,
    const char *errmsg, void *arg);
/* status: 0 deleted, 1 not found, 2 the registry refuses this delete (a
 * tag on a registry that deletes only digests, or deletion disabled), -1
 * error. */
typedef void (*registry_delete_cb)(int status, const char *errmsg,
    void *arg);

/* host is "host[:port]"; plain_http speaks http (loopback only). */
struct registry	*registry_new(struct http *, const char *host, int plain_http);
void		 registry_free(struct registry *);
/* Ask for push rights in tokens (read-write mode). Off by default. */
void		 registry_set_push(struct registry *, int);
const char	*registry_host(const struct registry *);
/*
 * Keep manifests and config blobs in a content-addressed cache (borrowed;
 * NULL: none). With one, a GET by tag is a HEAD first, and only a digest
 * not in the cache is fetched (by digest); a GET by digest in the cache
 * costs no request.
 */
struct cache;
void		 registry_set_cache(struct registry *, struct cache *);
/* Tags asked per tags/list page (n=); default 1000, clamped to 1..10000. */
void		 registry_set_page_size(struct registry *, int);

/* Every tag of repo, following Link pagination (relative or absolute).
 * A missing repository (404 NAME_UNKNOWN) is status 1 with n = 0. */
void	registry_list_tags(struct registry *, const char *repo,
	    registry_tags_cb, void *arg);
/*
 * GET a manifest (all four Accept types). resolve_platform: for a single
 * image, also fetch the config blob to learn arch/os/variant.
 */
void	registry_get_manifest(struct registry *, const char *repo,
	    const char *ref, int resolve_platform, registry_manifest_cb,
	    void *arg);
/* HEAD: only digest and media_type are filled. */
void	registry_head_manifest(struct registry *, const char *repo,
	    const char *ref, registry_manifest_cb, void *arg);
/* PUT a manifest under ref (tag or digest); 201 digest is checked. */
void	registry_put_manifest(struct registry *, const char *repo,
	    const char *ref, const char *media_type, const char *body,
	    size_t len, registry_put_cb, void *arg);
/*
 * DELETE a manifest: by tag, the tag alone where the registry can (OCI
 * distribution spec); by digest, the manifest and every tag on it.
 */
void	registry_delete_manifest(struct registry *, const char *repo,
	    const char *ref, registry_delete_cb, void *arg);
/*
 * OCI 1.1 referrers of digest. status 0: an index (m->body, m->len, the
 * exact bytes); 1: the registry has no referrers API (404 as GHCR, 400,
 * 405, 406, 501, a redirect, a 200 that is not an index); -1: error.
 */
void	registry_get_referrers(struct registry *, const char *repo,
	    const char *digest, registry_manifest_cb, void *arg);
/* Cancel every request started with arg (callbacks not called). */
void	registry_cancel_arg(struct registry *, void *arg);
/* Parse a manifest body (exposed for tests and merge). 0 ok, -1 bad. */
int	registry_parse_manifest(const char *body, size_t len,
	    const char *content_type, struct registry_manifest *out,
	    char **cause);
void	registry_manifest_clear(struct registry_manifest *);
/* Normalize "arm64/v8" etc: fills arch ("arm64") and variant (NULL). */
void	registry_platform_normalize(struct registry_platform *);

#endif
