/*
 * filter.h — from upstream tags to the window of versions: ref-name check,
 * include/exclude PCRE2, the app's version scheme, de-duplication, sort,
 * window.
 */
#ifndef MT_FILTER_H
#define MT_FILTER_H

#include <stddef.h>
#include "version.h"

struct upstream_tag;
struct filter;

struct filtered_version {
	char			*version;	/* upstream spelling */
	struct version_key	 key;		/* its order under the scheme */
	const struct upstream_tag *src;		/* borrowed from the input */
};

/* Why tags were not kept; the total is the sum of the first four. */
struct filter_skipped {
	int	drafts;		/* draft releases */
	int	prereleases;	/* flagged upstream as pre-releases */
	int	not_matching;	/* include did not match, or exclude did */
	int	not_a_version;	/* not a ref name, or not a version of the
				 * scheme, or no usable spelling */
	int	version_like;	/* of not_matching (include) and
				 * not_a_version: tags that look like a
				 * version all the same (v1.55, 2024.10.1) */
};

/*
 * Compile include/exclude (either may be NULL) for a version scheme
 * (enum versioning); prereleases: keep entries the upstream flags as
 * pre-releases. regex-order needs include with named groups c1, c2, ...
 * On error returns NULL with *cause = "include: <what> at offset N" or
 * "include: <what>" (caller frees).
 */
struct filter	*filter_new(const char *include, const char *exclude,
		     int versioning, int prereleases, char **cause);
/*
 * Check include against a scheme (the named groups regex-order needs);
 * 0 ok, -1 with *cause (caller frees). The pattern must compile.
 */
int		 filter_check_scheme(const char *include, int versioning,
		     char **cause);
/* The total of a skipped record. */
int		 filter_skipped_total(const struct filter_skipped *);
void		 filter_free(struct filter *);

/*
 * Check one regex; 0 ok, or -1 with *cause = "<PCRE2 message> at offset N".
 */
int		 filter_check_regex(const char *re, char **cause);

/*
 * Apply to n tags: skip drafts, upstream pre-releases (unless kept),
 * invalid ref names, non-matching include, matching exclude; the version
 * is the include group named `version` if it took part, else (not
 * regex-order) capture group 1 if it took part, else the match (regex-order)
 * or the tag, minus one leading 'v'. Versions the scheme does not accept
 * are skipped. Every skip is counted in *skipped (may be NULL). Duplicates
 * (same order) keep the first seen. Sorted highest first, cut to max (0 =
 * no cut). *out is a new array (filter_result_free). Returns the count.
 */
size_t		 filter_apply(const struct filter *, const struct upstream_tag *,
		     size_t n, size_t max, struct filtered_version **out,
		     struct filter_skipped *skipped);
/*
 * The key of a registry tag spelled like a version of this filter's
 * scheme (regex-order: include must match the tag or "v" + tag). 0 ok
 * (version_key_free), -1 not a version.
 */
int		 filter_key(const struct filter *, const char *spelling,
		     struct version_key *out);
void		 filter_result_free(struct filtered_version *, size_t n);

/* Regex match for UI filters: 1 match, 0 no match, -1 bad regex (*cause). */
struct rx;
struct rx	*rx_new(const char *pattern, char **cause);
/* Smart case: a pattern without an upper-case letter (escapes aside)
 * matches any case; one with an upper-case letter matches case. */
struct rx	*rx_new_smart(const char *pattern, char **cause);
int		 rx_match(const struct rx *, const char *subject);
void		 rx_free(struct rx *);

#endif
