/*
 * filter.h — from upstream tags to the window of versions: ref-name check,
 * include/exclude PCRE2, SemVer parse, de-duplication, sort, window.
 */
#ifndef MT_FILTER_H
#define MT_FILTER_H

#include <stddef.h>
#include "semver.h"

struct upstream_tag;
struct filter;

struct filtered_version {
	char			*version;	/* SemVer string */
	struct semver		 sv;
	const struct upstream_tag *src;		/* borrowed from the input */
};

/*
 * Compile include/exclude (either may be NULL). On error returns NULL with
 * *cause = "include: <PCRE2 message> at offset N" (caller frees).
 */
struct filter	*filter_new(const char *include, const char *exclude,
		     char **cause);
void		 filter_free(struct filter *);

/*
 * Check one regex; 0 ok, or -1 with *cause = "<PCRE2 message> at offset N".
 */
int		 filter_check_regex(const char *re, char **cause);

/*
 * Apply to n tags: skip invalid ref names (counted in *skipped), drafts,
 * non-matching include, matching exclude; the version is capture group 1
 * of include if it has one, else the tag minus one leading 'v'; versions
 * that are not SemVer are skipped and counted. Duplicates (same precedence)
 * keep the first seen. Sorted highest first, cut to max (0 = no cut).
 * *out is a new array (filter_result_free). Returns the count.
 */
size_t		 filter_apply(const struct filter *, const struct upstream_tag *,
		     size_t n, size_t max, struct filtered_version **out,
		     int *skipped);
void		 filter_result_free(struct filtered_version *, size_t n);

/* Regex match for UI filters: 1 match, 0 no match, -1 bad regex (*cause). */
struct rx;
struct rx	*rx_new(const char *pattern, char **cause);
int		 rx_match(const struct rx *, const char *subject);
void		 rx_free(struct rx *);

#endif
