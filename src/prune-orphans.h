/*
 * prune-orphans.h — manifests that no tag reaches, on GHCR (prune's 2b).
 *
 * GHCR lists every manifest as a package version (ghcr-packages.h): what
 * no tag reaches is found there. The planner hands over what the walk of
 * the repository reached (every tag's digest, every index entry, the
 * subject of every tagged artifact and of every cosign/fallback artifact
 * tag); the untagged versions outside it are read (GET by digest, at most
 * ORPHANS_MAX_READS per run) and kept when:
 *  - it is an artifact (a signature, an SBOM, an attestation: its
 *    `subject`) of a digest that is kept, or the subject of one that is;
 *  - it is an index or a manifest list: a digest that was ever published
 *    under a version tag or `latest` (users pin those) is never deleted,
 *    and an untagged index cannot be told apart from a former version,
 *    so every untagged index stays, with everything it reaches; only
 *    mirrortop's own untag placeholders (registry-delete.h) go;
 *  - the app publishes plain images under its version tags (the plugin
 *    scheme): then no image goes at all;
 *  - it was untagged less than retention.min_age_hours ago (its
 *    `updated_at`), or a job of the app is queued or running in any
 *    process sharing the state dir (its image may be pushed and not yet
 *    tagged);
 * what is left is deleted, artifacts first. Everything kept for a reason
 * a user would ask about is a note of the plan.
 */
#ifndef MT_PRUNE_ORPHANS_H
#define MT_PRUNE_ORPHANS_H

#include <stddef.h>
#include <time.h>

struct plan_ctx;

#define ORPHANS_MAX_READS	512

struct orphan {
	char		*digest;
	long long	 id;		/* package version */
	time_t		 since;		/* untagged since (updated_at) */
	char		*what;		/* one line: what it is */
};

/* Called once, later: the orphans to delete (borrowed for the call). */
typedef void (*orphans_cb)(const struct orphan *, size_t n, void *arg);

/*
 * Find app ai's orphans on its primary target (a GHCR target: its
 * packages_api and token). reached: digests the walk reached (copied).
 * Notes go to the plan; errors are `not done` notes and no orphans.
 */
void	prune_orphans_start(struct plan_ctx *, size_t ai,
	    char *const *reached, size_t nreached, orphans_cb, void *arg);

#endif
