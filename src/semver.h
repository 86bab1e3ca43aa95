/* semver.h — Semantic Versioning 2.0.0: strict parsing and precedence. */
#ifndef MT_SEMVER_H
#define MT_SEMVER_H

#include <stdint.h>

#define SEMVER_MAX_LEN 256

struct semver {
	uint64_t major, minor, patch;	/* each <= 2^53-1 */
	char	*pre;			/* prerelease without '-', or NULL */
	char	*build;			/* build metadata without '+', or NULL */
};

/*
 * Parse a strict SemVer 2.0.0 string (no leading 'v', no spaces, no
 * leading zeros in numeric identifiers, at most SEMVER_MAX_LEN bytes).
 * 0 ok (out owns pre/build: semver_free), -1 invalid (out untouched).
 */
int	semver_parse(const char *, struct semver *out);
void	semver_free(struct semver *);		/* frees members only */
/* Precedence per SemVer §11 (build ignored): <0, 0, >0. */
int	semver_compare(const struct semver *, const struct semver *);
/* Convenience on strings; invalid strings sort below valid ones. */
int	semver_compare_str(const char *, const char *);
int	semver_is_prerelease(const struct semver *);
/*
 * Precedence of two prerelease strings (dot-separated identifiers, without
 * the '-'), identifier by identifier as in SemVer §11: <0, 0, >0.
 */
int	semver_compare_pre(const char *, const char *);

#endif
