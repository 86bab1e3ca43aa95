/*
 * supply-chain.h — signatures, SBOMs and provenance of published versions.
 *
 * Discovery looks in three places that all exist in the wild:
 *  - cosign's tag scheme: sha256-<hex>.sig, .att, .sbom next to the image;
 *  - OCI 1.1 referrers: GET /v2/<name>/referrers/<digest> where the
 *    registry has the API (probed once per registry and remembered), else
 *    the fallback tag sha256-<hex> holding the same kind of index;
 *  - buildx attestation manifests inside the version's index
 *    (platform unknown/unknown, vnd.docker.reference.type
 *    attestation-manifest, in-toto layers with in-toto.io/predicate-type).
 * Tags of the first two kinds are found in the tag list every refresh
 * already holds; they are never versions nor staging tags.
 *
 * The parsers below take untrusted registry bytes and are exposed for the
 * unit tests, the fuzz harness and the prune planner.
 */
#ifndef MT_SUPPLY_CHAIN_H
#define MT_SUPPLY_CHAIN_H

#include <stddef.h>

enum sc_kind {
	SC_SIGNATURE = 0,
	SC_SBOM,
	SC_PROVENANCE,
	SC_NKINDS
};

#define SC_BIT(k)	(1u << (k))
#define SC_ALL		(SC_BIT(SC_SIGNATURE) | SC_BIT(SC_SBOM) | \
			 SC_BIT(SC_PROVENANCE))

enum sc_state {
	SC_UNKNOWN = 0,		/* the registry could not be asked */
	SC_MISSING,
	SC_PRESENT,
};

enum sc_via {
	SC_VIA_COSIGN_TAG = 0,
	SC_VIA_REFERRERS,
	SC_VIA_FALLBACK_TAG,
	SC_VIA_ATTESTATION_MANIFEST,
};

/* One artifact found. */
struct sc_found {
	enum sc_kind	 kind;
	enum sc_via	 via;
	char		*ref;		/* "image:tag" or "image@digest" */
	char		*subject;	/* the digest it hangs on */
	char		*artifact;	/* its manifest digest, or NULL (a
					 * cosign tag known from the list) */
	char		*tag;		/* the tag that holds it, or NULL */
};

/* What one version carries. */
struct mt_supply {
	enum sc_state	 state[SC_NKINDS];
	struct sc_found	*found;
	size_t		 nfound;
};

const char	*sc_kind_name(enum sc_kind);	/* signature, sbom, provenance */
const char	*sc_state_name(enum sc_state);	/* present, missing, unknown */
const char	*sc_via_name(enum sc_via);	/* cosign-tag, referrers, ... */
void		 sc_supply_clear(struct mt_supply *);
void		 sc_supply_copy(struct mt_supply *dst, const struct mt_supply *);
/* Every state set to st, nothing found. */
void		 sc_supply_set_all(struct mt_supply *, enum sc_state st);

/*
 * Is tag an artifact tag (never a version)? "sha256-<64 hex>" (the OCI
 * fallback tag) or that with ".sig", ".att" or ".sbom" (cosign). Returns
 * 0 when not; else 1 and, when subject is given (at least 72 bytes), the
 * digest "sha256:<hex>" it refers to; *suffix (if given) points at the
 * suffix ("" for the fallback tag).
 */
int		 sc_artifact_tag(const char *tag, char *subject,
		     const char **suffix);

/* Kinds (SC_BIT mask) an artifact type / media type and a predicate type
 * tell; 0 when neither says. */
unsigned	 sc_classify(const char *media_type, const char *predicate);

/*
 * Kinds an artifact manifest carries (cosign .sig/.att/.sbom manifests,
 * buildx attestation manifests, referrer manifests): from artifactType,
 * the config media type and each layer's media type and predicate-type
 * annotations. -1 when the body is not a manifest.
 */
int		 sc_manifest_kinds(const char *body, size_t len);

/* One entry of a referrers index or an image index. */
struct sc_entry {
	char		*digest;
	unsigned	 kinds;		/* from the descriptor alone; 0: ask the
					 * manifest when unsure */
	int		 ask;		/* worth a manifest GET (in-toto, DSSE) */
	char		*subject;	/* attestation manifests: the child */
};

/*
 * A referrers index (the API's answer or the fallback tag's content):
 * each descriptor classified by artifactType and annotations. Image index
 * (attestation = 1): the buildx attestation manifests, with the child
 * each refers to. 0 ok, -1 not an index. Free with sc_entries_free().
 */
int		 sc_parse_index(const char *body, size_t len, int attestation,
		     struct sc_entry **out, size_t *n);
void		 sc_entries_free(struct sc_entry *, size_t);

/*
 * For the prune planner: does the version's discovery name this
 * artifact (a tag, or a manifest digest) as hanging on one of its
 * digests? Returns the found entry or NULL.
 */
const struct sc_found *sc_supply_find(const struct mt_supply *,
		     const char *tag_or_digest);

/* ------------------------------------------------------------------ */
/* The discovery engine (asynchronous, on the registry client). */

struct registry;
struct mt_version;
struct supply;
struct sc_run;

struct supply	*supply_new(struct registry *);
void		 supply_free(struct supply *);
/* Referrers API of the registry: 1 yes, 0 no, -1 not known yet. */
int		 supply_referrers_api(const struct supply *);

typedef void (*sc_done_cb)(void *arg);

/*
 * Discover for versions[0..n) of repo (image is "registry/repo" for the
 * refs), with the repository's sorted tag list. Each version's digest
 * and arch digests are its subjects; index_bodies[i] (or NULL) is the
 * exact bytes of version i's index. Results are written into each
 * version's supply, then done is called (maybe before supply_run
 * returns); the run stays valid until supply_run_free().
 */
struct sc_run	*supply_run(struct supply *, const char *repo,
		     const char *image, struct mt_version *versions, size_t n,
		     size_t narchs, char *const *tags, size_t ntags,
		     char *const *index_bodies, const size_t *index_lens,
		     sc_done_cb done, void *arg);
/* Cancel (done not called) and free; NULL is fine. */
void		 supply_run_free(struct sc_run *);

#endif
