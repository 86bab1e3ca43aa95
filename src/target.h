/*
 * target.h — the status of an app on each of its targets.
 *
 * The primary target is refreshed by status.c as before; this module asks
 * every mirror target, in parallel with it, for its tag list and then
 * (HEAD only) for the digest of each version's tag and of `latest`. A
 * mirror's tag that holds the primary's index digest is that version as
 * the primary has it; a different digest is `differs` (its manifest is
 * then fetched to say which archs it has).
 *
 * Owned by one refresh of status.c: created when the refresh starts,
 * given the window once the primary's versions are chosen, finished and
 * freed with it. Registry objects are borrowed.
 */
#ifndef MT_TARGET_H
#define MT_TARGET_H

#include <stddef.h>

#include "model.h"

struct registry;
struct target_refresh;

/* Called after any answer; the refresh decides whether it can go on. */
typedef void (*target_step_cb)(void *arg);

/*
 * Start refreshing the mirrors of app a: their tag lists. regs holds one
 * registry per configured target (config->targets order).
 */
struct target_refresh *target_refresh_new(const struct config *,
		    const struct mt_app *, struct registry *const *regs,
		    target_step_cb, void *arg);
/* Free; requests still in flight must have been dropped (registry_free). */
void		 target_refresh_free(struct target_refresh *);
/* The window is chosen: ask each mirror about these versions (borrowed
 * until target_refresh_finish). */
void		 target_refresh_versions(struct target_refresh *,
		    const struct mt_version *, size_t n);
/* Requests of the mirrors still in flight. */
int		 target_refresh_busy(const struct target_refresh *);
/*
 * The primary's digests are known: fetch the manifests of mirror tags
 * that hold another digest. Returns how many requests started (0: none,
 * the refresh can finish).
 */
int		 target_refresh_resolve(struct target_refresh *,
		    const struct mt_version *, size_t n);
/*
 * Discovery of signatures, SBOMs and provenance on each mirror that could
 * be asked, on what it holds of v[0..n) (bodies[i]: version i's index as
 * the primary has it, used where the mirror holds the same digest), with
 * supply[] per configured target. Returns how many runs are in flight:
 * done(arg) is called once when the last ends (never when 0 is
 * returned). The results go into targets[k].supply at finish.
 */
struct supply;
size_t		 target_refresh_supply(struct target_refresh *,
		    const struct mt_version *v, size_t n, char *const *bodies,
		    const size_t *lens, struct supply *const *supply,
		    target_step_cb done, void *arg);
/*
 * Fill the versions' and the app's per-target status (the primary's
 * entry from the primary's own fields). prev: the app as the previous
 * refresh left it (its states are kept for a target that could not be
 * asked). primary_unknown: the primary could not be asked. Returns a
 * one-line error naming the first target that failed (caller frees), or
 * NULL.
 */
char		*target_refresh_finish(struct target_refresh *,
		    struct mt_app *a, const struct mt_version *prev,
		    size_t nprev, struct mt_version *v, size_t n);

/* Model helpers. */
void		 target_app_init(const struct config *, struct mt_app *);
void		 target_app_clear(struct mt_app *);
void		 target_version_clear(struct mt_version *);
/* Copy a version's per-target entries (for kept states). */
void		 target_version_copy(struct mt_version *dst,
		    const struct mt_version *src);

#endif
