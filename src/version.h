/*
 * version.h — version schemes: how an upstream version string becomes a
 * key that sorts. One table entry per scheme (semver, loose, calver,
 * regex-order); the version keeps its upstream spelling everywhere else,
 * only comparison goes through the key.
 */
#ifndef MT_VERSION_H
#define MT_VERSION_H

#include <stddef.h>
#include <stdint.h>

enum versioning {
	VERSIONING_SEMVER = 0,	/* the default */
	VERSIONING_LOOSE,
	VERSIONING_CALVER,
	VERSIONING_REGEX_ORDER,
};

#define VERSION_MAX_PARTS	8	/* numeric components of a key */
#define VERSION_MAX_LEN		256	/* bytes of a version spelling */

/*
 * A comparable version: numeric components (a missing one equals zero)
 * and an optional pre-release, which sorts below the release with the
 * same components, identifiers compared as in SemVer §11.
 */
struct version_key {
	uint64_t	 parts[VERSION_MAX_PARTS];
	size_t		 nparts;
	char		*pre;		/* owned; NULL for a release */
};

/* "semver" etc. -> enum versioning; -1 if unknown. */
int		 version_scheme_from_name(const char *);
/* Name of a scheme; "semver" when out of range. */
const char	*version_scheme_name(int);
/* The known names, comma-separated, for messages. */
const char	*version_scheme_names(void);

/*
 * Parse spelling s under scheme into *out (version_key_free). 0 ok, -1 not
 * a version of that scheme (out zeroed). regex-order keys come from the
 * include pattern's groups (filter.c); here regex-order accepts what loose
 * accepts, which is only used to order registry tags for display.
 */
int		 version_parse(int scheme, const char *s,
		     struct version_key *out);
/*
 * A regex-order key from its captured components: groups[i] of lens[i]
 * bytes, NULL for a group that did not take part (counts as zero); pre
 * (may be NULL or empty) makes it a pre-release. 0 ok, -1 when a
 * component is not a decimal number of at most 2^53-1.
 */
int		 version_key_from_groups(const char *const *groups,
		     const size_t *lens, size_t n, const char *pre,
		     size_t prelen, struct version_key *out);
void		 version_key_free(struct version_key *);	/* members only */
/* Order of two keys: <0, 0, >0. */
int		 version_compare(const struct version_key *,
		     const struct version_key *);
/* Compare two spellings under scheme; unparsable ones sort lowest. */
int		 version_compare_str(int scheme, const char *, const char *);
int		 version_is_prerelease(const struct version_key *);
/*
 * Whether s may stand as a version spelling: 1 to VERSION_MAX_LEN bytes
 * of [A-Za-z0-9._+-], starting with a letter or digit. Everything a
 * scheme accepts passes; a regex-order `version` group must too.
 */
int		 version_spelling_valid(const char *s);

#endif
