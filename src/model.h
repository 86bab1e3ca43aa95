/*
 * model.h — what mirrortop knows: apps -> versions -> archs (-> jobs).
 *
 * Owned and written by the core (status.c, jobs.c); the front ends (the
 * CLI printers and the TUI) only read it. Every string that came from
 * upstream or a server is raw here: sanitize before display.
 */
#ifndef MT_MODEL_H
#define MT_MODEL_H

#include <stddef.h>
#include <time.h>
#include "config.h"
#include "supply-chain.h"

enum arch_state {
	ARCH_MISSING = 0,
	ARCH_STAGED,
	ARCH_PRESENT,
};

enum version_state {
	VERSION_MISSING = 0,
	VERSION_PARTIAL,
	VERSION_STAGED,
	VERSION_COMPLETE,
	VERSION_DIFFERS,	/* on a target: its tag holds another digest
				 * than the primary's */
};

/* A version as one of the app's targets has it. */
struct mt_target_version {
	enum version_state state;
	enum arch_state	 archs[CONFIG_MAX_ARCHS];	/* parallel to app cfg->archs */
	char		*digest;	/* of {image_tag} there, or NULL */
	struct mt_supply supply;	/* what discovery finds there */
};

/* One of the app's targets (index 0: the app's primary). */
struct mt_target {
	const struct target_config *cfg;	/* borrowed from the config */
	char		*image;		/* "registry/namespace/image" */
	char		*repo;		/* "namespace/image" */
	char		*latest_digest;	/* digest of `latest` there, or NULL */
	char		*latest_version; /* the version it holds, or NULL */
	int		 latest_drift;
	int		 unknown;	/* the last refresh could not ask it:
					 * its states are the previous ones */
};

struct mt_version {
	char		*version;	/* upstream spelling (app's scheme) */
	char		*tag;		/* upstream tag (valid ref name) */
	char		*image_tag;	/* registry tag */
	char		*name;		/* release name, raw, or NULL */
	char		*published_at;	/* ISO 8601, or NULL */
	char		*html_url;	/* the upstream page (release-url.h),
					 * or NULL */
	int		 prerelease;
	int		 is_latest;	/* the semantic latest of the app */
	enum version_state state;
	enum arch_state	 archs[CONFIG_MAX_ARCHS];	/* parallel to app cfg->archs */
	char		*arch_digest[CONFIG_MAX_ARCHS];	/* per-arch manifest digest if known */
	char		*digest;	/* digest of {image_tag}, or NULL */
	int		 job_active;	/* a job for this version is queued/running */
	struct mt_target_version *targets;	/* per app target (0: the
						 * primary, as above), or NULL
						 * before the first refresh */
	size_t		 ntargets;
	struct mt_supply supply;	/* signature, SBOM, provenance */
};

struct mt_app {
	const struct app_config	*cfg;		/* borrowed from the config */
	char			*image;		/* "registry/namespace/image" */
	char			*repo;		/* "namespace/image" */
	char			*error;		/* one line, or NULL */
	int			 skipped_tags;	/* the total of skipped */
	struct {
		int	drafts, prereleases, not_matching, not_a_version;
		int	version_like;	/* of those: tags that look like a
					 * version (a wrong include or scheme) */
	}			 skipped;
	struct mt_version	*versions;	/* scheme order, highest first */
	size_t			 nversions;
	char			*upstream_latest;	/* or NULL */
	char			*registry_latest;	/* version `latest` points at (in
							 * the window or not), or NULL */
	char			*latest_digest;		/* digest of `latest`, or NULL */
	int			 latest_drift;
	int			 stale;		/* the last refresh failed upstream:
						 * the versions are the previous
						 * refresh's */
	int			 registry_unknown;	/* the last refresh could not
							 * ask the registry: states
							 * are the previous ones */
	int			 refreshing;	/* a refresh is in flight */
	int			 loaded;	/* at least one refresh finished */
	time_t			 last_refresh;	/* wall clock of the last finished refresh */
	time_t			 rate_limited_until;
	struct mt_target	*targets;	/* the app's targets, primary first */
	size_t			 ntargets;
};

struct mt_model {
	const struct config	*cfg;		/* borrowed */
	struct mt_app		*apps;
	size_t			 napps;
	time_t			 last_refresh;	/* 0: never */
	time_t			 next_refresh;	/* 0: not scheduled */
	int			 read_only;
	unsigned long		 generation;	/* bumped on every change */
};

const char	*arch_state_name(enum arch_state);	/* present/staged/missing */
const char	*version_state_name(enum version_state);

#endif
