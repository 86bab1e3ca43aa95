/* test-filter.c — tags to versions: ref names, include/exclude, sort, window. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "source.h"
#include "tap.h"
#include "util.h"

#define MAX_TAGS 16
#define DRAFT "draft:"	/* row marker; ':' never occurs in a valid tag */
#define PRE "pre:"	/* row marker: flagged upstream as a pre-release */

#define MATTERMOST "^v?([0-9]+\\.[0-9]+\\.[0-9]+)$"
#define MOSTLYMATTER "^v([0-9]+\\.[0-9]+\\.[0-9]+)-limitless$"

/* Expected skip counts: drafts, prereleases, not matching, not a version,
 * and of those the version-like ones. */
struct skips {
	int d, p, nm, nv, vl;
};

/*
 * One row per case: tags in upstream order, the versions expected (highest
 * first, space-separated), the tags they came from, and the skip counts.
 */
static const struct {
	const char	*what;
	const char	*include, *exclude;
	int		 versioning, prereleases;
	size_t		 max;
	const char	*tags[MAX_TAGS];
	const char	*versions;
	const char	*sources;
	struct skips	 skipped;
} cases[] = {
	{ "mattermost pattern", MATTERMOST, NULL, 0, 0, 0,
	  { "v10.2.9", "v10.3.1", "v10.2.10", "v10.3.0-rc1", "9.11.2",
	    "v10.4.0-rc1", "server-v10.5.0" },
	  "10.3.1 10.2.10 10.2.9 9.11.2",
	  "v10.3.1 v10.2.10 v10.2.9 9.11.2", { 0, 0, 3, 0, 2 } },
	{ "numeric order, ascending input", MATTERMOST, NULL, 0, 0, 0,
	  { "v10.2.9", "v10.2.10", "v10.3.1" },
	  "10.3.1 10.2.10 10.2.9", "v10.3.1 v10.2.10 v10.2.9", { 0 } },
	{ "numeric order, descending input", MATTERMOST, NULL, 0, 0, 0,
	  { "v10.3.1", "v10.2.10", "v10.2.9" },
	  "10.3.1 10.2.10 10.2.9", "v10.3.1 v10.2.10 v10.2.9", { 0 } },
	{ "numeric order, mixed input", MATTERMOST, NULL, 0, 0, 0,
	  { "v10.2.10", "v10.2.9", "v10.3.1" },
	  "10.3.1 10.2.10 10.2.9", "v10.3.1 v10.2.10 v10.2.9", { 0 } },
	{ "mostlymatter: capture makes -limitless a release", MOSTLYMATTER,
	  NULL, 0, 0, 0,
	  { "v10.12.1-limitless", "v11.0.4-limitless", "v10.9.0",
	    "v11.1.0-rc1-limitless", "v10.2.10-limitless", "v11.0.5" },
	  "11.0.4 10.12.1 10.2.10",
	  "v11.0.4-limitless v10.12.1-limitless v10.2.10-limitless",
	  { 0, 0, 3, 0, 3 } },
	{ "include without a group: tag minus v",
	  "^v[0-9]+\\.[0-9]+\\.[0-9]+-limitless$", NULL, 0, 0, 0,
	  { "v10.12.1-limitless", "v11.0.4-limitless", "v11.0.4" },
	  "11.0.4-limitless 10.12.1-limitless",
	  "v11.0.4-limitless v10.12.1-limitless", { 0, 0, 1, 0, 1 } },
	{ "group 1 not taking part: tag minus v",
	  "^(?:x([0-9]+\\.[0-9]+\\.[0-9]+)|v[0-9]+\\.[0-9]+\\.[0-9]+)$",
	  NULL, 0, 0, 0,
	  { "v1.0.0", "x2.0.0" },
	  "2.0.0 1.0.0", "x2.0.0 v1.0.0", { 0 } },
	{ "no include: one leading v stripped", NULL, NULL, 0, 0, 0,
	  { "v1.2.3", "1.2.4", "vv1.0.0", "v2.0.0-rc.1", "latest",
	    "release-1", "V3.0.0" },
	  "2.0.0-rc.1 1.2.4 1.2.3", "v2.0.0-rc.1 1.2.4 v1.2.3",
	  { 0, 0, 0, 4, 1 } },
	{ "exclude drops matches, counted as not matching", NULL,
	  "-(rc|beta)", 0, 0, 0,
	  { "v2.0.0-rc.1", "v1.9.0", "v2.0.0-beta", "v2.0.0-alpha" },
	  "2.0.0-alpha 1.9.0", "v2.0.0-alpha v1.9.0", { 0, 0, 2, 0, 0 } },
	{ "include and exclude", MATTERMOST, "^v?10\\.2\\.", 0, 0, 0,
	  { "v10.2.9", "v10.3.1", "v10.2.10", "nope" },
	  "10.3.1", "v10.3.1", { 0, 0, 3, 0, 0 } },
	{ "drafts counted as drafts", NULL, NULL, 0, 0, 0,
	  { DRAFT "v9.9.9", "v1.0.0", DRAFT "bad name" },
	  "1.0.0", "v1.0.0", { 2, 0, 0, 0, 0 } },
	{ "flagged pre-releases counted unless kept", NULL, NULL, 0, 0, 0,
	  { PRE "v2.0.0-rc.1", "v1.0.0", PRE "v1.1.0", DRAFT "v3.0.0" },
	  "1.0.0", "v1.0.0", { 1, 2, 0, 0, 0 } },
	{ "flagged pre-releases kept", NULL, NULL, 0, 1, 0,
	  { PRE "v2.0.0-rc.1", "v1.0.0", PRE "v1.1.0", DRAFT "v3.0.0" },
	  "2.0.0-rc.1 1.1.0 1.0.0", "v2.0.0-rc.1 v1.1.0 v1.0.0",
	  { 1, 0, 0, 0, 0 } },
	{ "duplicates: first seen wins (v first)", NULL, NULL, 0, 0, 0,
	  { "v1.2.3", "1.2.3", "v1.2.2" },
	  "1.2.3 1.2.2", "v1.2.3 v1.2.2", { 0 } },
	{ "duplicates: first seen wins (bare first)", NULL, NULL, 0, 0, 0,
	  { "1.2.3", "v1.2.3", "v1.2.2" },
	  "1.2.3 1.2.2", "1.2.3 v1.2.2", { 0 } },
	{ "duplicates: build metadata only", NULL, NULL, 0, 0, 0,
	  { "v1.2.3+b2", "v1.2.3+b1", "v1.2.3" },
	  "1.2.3+b2", "v1.2.3+b2", { 0 } },
	{ "duplicates via capture", MOSTLYMATTER "|^v?([0-9.]+)$", NULL, 0,
	  0, 0,
	  { "v11.0.4", "v11.0.4-limitless" },
	  "11.0.4", "v11.0.4", { 0 } },
	{ "window: max 3", NULL, NULL, 0, 0, 3,
	  { "1.0.0", "5.0.0", "2.0.0", "4.0.0", "3.0.0", "5.0.0-rc.1" },
	  "5.0.0 5.0.0-rc.1 4.0.0", "5.0.0 5.0.0-rc.1 4.0.0", { 0 } },
	{ "window: max above count", NULL, NULL, 0, 0, 10,
	  { "1.0.0", "2.0.0" },
	  "2.0.0 1.0.0", "2.0.0 1.0.0", { 0 } },
	{ "window: counted after de-duplication", NULL, NULL, 0, 0, 2,
	  { "v3.0.0", "3.0.0", "v2.0.0", "v1.0.0" },
	  "3.0.0 2.0.0", "v3.0.0 v2.0.0", { 0 } },
	{ "invalid ref names counted", MATTERMOST, NULL, 0, 0, 0,
	  { "v1.2.3\x1b[2J", "v1..2", "v1.2.4 ", "v1.2.5.lock", "v1.2.6",
	    "v1.2.7~1", "@", "" },
	  "1.2.6", "v1.2.6", { 0, 0, 0, 7, 0 } },
	{ "non-SemVer capture counted", "^v(.*)$", NULL, 0, 0, 0,
	  { "v01.2.3", "v1.2", "v1.2.3-01", "v1.2.3", "1.2.4" },
	  "1.2.3", "v1.2.3", { 0, 0, 1, 3, 4 } },
	{ "prerelease order", NULL, NULL, 0, 0, 0,
	  { "v1.0.0-beta.11", "v1.0.0-alpha", "v1.0.0", "v1.0.0-beta.2",
	    "v1.0.0-rc.1", "v1.0.0-alpha.1" },
	  "1.0.0 1.0.0-rc.1 1.0.0-beta.11 1.0.0-beta.2 1.0.0-alpha.1 "
	  "1.0.0-alpha",
	  "v1.0.0 v1.0.0-rc.1 v1.0.0-beta.11 v1.0.0-beta.2 v1.0.0-alpha.1 "
	  "v1.0.0-alpha", { 0 } },
	{ "invalid UTF-8 tag does not match", MATTERMOST, NULL, 0, 0, 0,
	  { "v1.0.0\xff", "v1.0.1" },
	  "1.0.1", "v1.0.1", { 0, 0, 1, 0, 1 } },
	{ "invalid UTF-8 tag, no include: not a version", NULL, NULL, 0, 0, 0,
	  { "1.0.0-\xff", "v1.0.1" },
	  "1.0.1", "v1.0.1", { 0, 0, 0, 1, 1 } },
	{ "runaway backtracking stopped and counted", "^(a|aa)+$", NULL, 0,
	  0, 0,
	  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
	    "v1.0.0" },
	  "", "", { 0, 0, 2, 0, 1 } },
	{ "no tags", MATTERMOST, NULL, 0, 0, 0,
	  { NULL },
	  "", "", { 0 } },

	/* Two-component releases (the rclone shape): semver skips them all. */
	{ "semver: two components are not versions",
	  "^v([0-9]+\\.[0-9]+)$", NULL, VERSIONING_SEMVER, 0, 0,
	  { "v1.55", "v1.54", "v1.53", "v1.54.1" },
	  "", "", { 0, 0, 1, 3, 4 } },
	{ "loose: 1.54.1 between 1.55 and 1.54", NULL, NULL,
	  VERSIONING_LOOSE, 0, 10,
	  { "v1.55", "v1.54", "v1.53", "v1.52", "v1.51", "v1.50", "v1.49",
	    "v1.48", "v1.47", "v1.46", "v1.45", "v1.54.1" },
	  "1.55 1.54.1 1.54 1.53 1.52 1.51 1.50 1.49 1.48 1.47",
	  "v1.55 v1.54.1 v1.54 v1.53 v1.52 v1.51 v1.50 v1.49 v1.48 v1.47",
	  { 0 } },
	{ "loose: four components, padding, pre-release", NULL, NULL,
	  VERSIONING_LOOSE, 0, 0,
	  { "1.2.3", "1.2.3.4", "1.2.3-rc.1", "1.3", "Nightly",
	    "untagged-5b1f0c1e", "1.2.3.4.5.6.7.8.9" },
	  "1.3 1.2.3.4 1.2.3 1.2.3-rc.1", "1.3 1.2.3.4 1.2.3 1.2.3-rc.1",
	  { 0, 0, 0, 3, 1 } },
	{ "loose: tie by upstream order (1.55 then 1.55.0)", NULL, NULL,
	  VERSIONING_LOOSE, 0, 0,
	  { "v1.55.0", "v1.55", "v1.6", "v1.06" },
	  "1.55.0 1.6", "v1.55.0 v1.6", { 0 } },
	{ "loose: tie by upstream order (1.55.0 then 1.55)", NULL, NULL,
	  VERSIONING_LOOSE, 0, 0,
	  { "v1.55", "v1.55.0" },
	  "1.55", "v1.55", { 0 } },
	{ "calver: padded and unpadded months, counters", NULL, NULL,
	  VERSIONING_CALVER, 0, 0,
	  { "2024.10.1", "2024.9", "2024.09.2", "2024.10", "24.04",
	    "2024.13", "2025.01.15.2", "2025.1.15.1", "2025.01-rc1" },
	  "2025.01.15.2 2025.1.15.1 2025.01-rc1 2024.10.1 2024.10 "
	  "2024.09.2 2024.9",
	  "2025.01.15.2 2025.1.15.1 2025.01-rc1 2024.10.1 2024.10 "
	  "2024.09.2 2024.9", { 0, 0, 0, 2, 2 } },
	{ "regex-order: r27 style", "^r(?<c1>[0-9]+)$", NULL,
	  VERSIONING_REGEX_ORDER, 0, 0,
	  { "r9", "r27", "r100", "r27b", "v1.0" },
	  "r100 r27 r9", "r100 r27 r9", { 0, 0, 2, 0, 1 } },
	{ "regex-order: groups in their order, version group",
	  "^(?<version>(?<c2>[0-9]+)-(?<c1>[0-9]+))$", NULL,
	  VERSIONING_REGEX_ORDER, 0, 0,
	  { "9-2024", "1-2025", "10-2024" },
	  "1-2025 10-2024 9-2024", "1-2025 10-2024 9-2024", { 0 } },
	{ "regex-order: unset group is zero, pre group, minus v",
	  "^v(?<c1>[0-9]+)(?:\\.(?<c2>[0-9]+))?(?:-(?<pre>[a-z0-9.]+))?$",
	  NULL, VERSIONING_REGEX_ORDER, 0, 0,
	  { "v3", "v3.0", "v3.1-rc.2", "v3.1", "v3.1-rc.10" },
	  "3.1 3.1-rc.10 3.1-rc.2 3", "v3.1 v3.1-rc.10 v3.1-rc.2 v3",
	  { 0 } },
	{ "version group in semver", "^release-(?<version>[0-9.]+)$", NULL,
	  VERSIONING_SEMVER, 0, 0,
	  { "release-1.2.3", "release-1.2", "1.2.4" },
	  "1.2.3", "release-1.2.3", { 0, 0, 1, 1, 1 } },
};

/* Versions (or their source tags) joined by spaces; caller frees. */
static char *
join(const struct filtered_version *fv, size_t n, int sources)
{
	struct buf b;
	size_t i;

	buf_init(&b, 65536);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "",
		    sources ? fv[i].src->tag : fv[i].version);
	return buf_steal(&b);
}

/* Run one row of the table. */
static void
run_case(size_t row)
{
	struct upstream_tag tags[MAX_TAGS];
	struct filtered_version *fv = NULL;
	struct filter *f;
	char *cause = NULL, *got;
	size_t n, i, ntags = 0;
	struct filter_skipped skipped;
	const struct skips *want = &cases[row].skipped;
	const char *what = cases[row].what;
	struct timespec t0, t1;

	memset(tags, 0, sizeof tags);
	for (i = 0; i < MAX_TAGS && cases[row].tags[i] != NULL; i++) {
		const char *t = cases[row].tags[i];

		tags[i].draft = str_has_prefix(t, DRAFT);
		tags[i].prerelease = str_has_prefix(t, PRE);
		tags[i].tag = (char *)(tags[i].draft ? t + strlen(DRAFT) :
		    tags[i].prerelease ? t + strlen(PRE) : t);
		ntags++;
	}

	f = filter_new(cases[row].include, cases[row].exclude,
	    cases[row].versioning, cases[row].prereleases, &cause);
	if (!ok(f != NULL, "%s: compiles", what)) {
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	memset(&skipped, 0xff, sizeof skipped);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = filter_apply(f, tags, ntags, cases[row].max, &fv, &skipped);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	got = join(fv, n, 0);
	is_str(got, cases[row].versions, "%s: versions", what);
	free(got);
	got = join(fv, n, 1);
	is_str(got, cases[row].sources, "%s: source tags", what);
	free(got);
	is_int(skipped.drafts, want->d, "%s: skipped drafts", what);
	is_int(skipped.prereleases, want->p, "%s: skipped prereleases", what);
	is_int(skipped.not_matching, want->nm, "%s: skipped not matching",
	    what);
	is_int(skipped.not_a_version, want->nv, "%s: skipped not a version",
	    what);
	is_int(skipped.version_like, want->vl, "%s: version-like skipped",
	    what);
	is_int(filter_skipped_total(&skipped), want->d + want->p + want->nm +
	    want->nv, "%s: total", what);
	ok(t1.tv_sec - t0.tv_sec < 5, "%s: bounded time", what);
	filter_result_free(fv, n);
	filter_free(f);
}

/* Bad patterns: the message names the side and the offset. */
static const struct {
	const char	*include, *exclude;
	const char	*prefix, *offset;
} bad[] = {
	{ "([0-9]", NULL, "include: ", " at offset 6" },
	{ NULL, "a)", "exclude: ", " at offset 1" },
	{ "^v?[z-a]", "x", "include: ", " at offset 6" },
	{ "ok", "a{2,1}", "exclude: ", " at offset 5" },
	{ "x\\", NULL, "include: ", " at offset 2" },
};

/* Patterns checked against a scheme: NULL = accepted, else the message. */
static const struct {
	const char	*include;
	int		 versioning;
	const char	*cause;
} schemes[] = {
	{ NULL, VERSIONING_LOOSE, NULL },
	{ "^v(.*)$", VERSIONING_CALVER, NULL },
	{ "^r(?<c1>[0-9]+)$", VERSIONING_REGEX_ORDER, NULL },
	{ NULL, VERSIONING_REGEX_ORDER,
	  "regex-order needs an include pattern with named groups c1, c2, ..." },
	{ "^v([0-9]+)$", VERSIONING_REGEX_ORDER,
	  "regex-order needs named groups c1, c2, ... in include, as "
	  "(?<c1>[0-9]+)" },
	{ "^(?<c1>[0-9]+)\\.(?<c3>[0-9]+)$", VERSIONING_REGEX_ORDER,
	  "regex-order group c3 without c2" },
	{ "^(?<c1>1)(?<c2>2)(?<c3>3)(?<c4>4)(?<c5>5)(?<c6>6)(?<c7>7)(?<c8>8)"
	  "(?<c9>9)$", VERSIONING_REGEX_ORDER,
	  "regex-order compares at most 8 groups (c1 to c8)" },
};

/* Registry tags read back as keys: regex-order tries tag and "v" + tag. */
static const struct {
	const char	*include;
	int		 versioning;
	const char	*hi, *lo;
} keys[] = {
	{ NULL, VERSIONING_LOOSE, "1.55", "1.54.1" },
	{ NULL, VERSIONING_CALVER, "2024.10", "2024.09.30" },
	{ "^v(?<c1>[0-9]+)\\.(?<c2>[0-9]+)$", VERSIONING_REGEX_ORDER,
	  "1.10", "1.9" },
	{ "^r(?<c1>[0-9]+)$", VERSIONING_REGEX_ORDER, "r10", "r9" },
};

/* Regex matches for the dashboard's filter prompt. */
static const struct {
	const char	*pattern, *subject;
	int		 want;
} rxcases[] = {
	{ "^foo", "foobar", 1 },
	{ "^foo", "barfoo", 0 },
	{ "(?i)MATTER", "mattermost", 1 },
	{ "^.$", "\xc3\xa9", 1 },		/* one character, two bytes */
	{ "1\\.0", "v1.0.0\xff", 1 },		/* invalid UTF-8 subject */
	{ "x", "v1.0.0\xff", 0 },
	{ "^(a|aa)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", -1 },
};

/* Smart case: lower case matches any case, upper case only itself. */
static const struct {
	const char	*pattern;
	const char	*subject;
	int		 want;
} smartcases[] = {
	{ "mat", "MATTERMOST", 1 },
	{ "mat", "Mattermost", 1 },
	{ "MAT", "mattermost", 0 },
	{ "MAT", "MATTERMOST", 1 },
	{ "Mat", "mattermost", 0 },
	{ "\\S+most", "MATTERMOST", 1 },	/* an escape is not upper case */
	{ "\\d\\.0", "V1.0", 1 },
	{ "^v\\D", "V1.0", 0 },		/* caseless v, then no non-digit */
};

/* Run every table row as TAP tests. */
int
main(void)
{
	struct filtered_version *fv;
	struct filter *f;
	struct upstream_tag t[2];
	struct rx *rx;
	char *cause;
	size_t i, n;
	struct filter_skipped skipped;

	for (i = 0; i < MT_ARRAY_LEN(cases); i++)
		run_case(i);

	for (i = 0; i < MT_ARRAY_LEN(bad); i++) {
		cause = NULL;
		f = filter_new(bad[i].include, bad[i].exclude,
		    VERSIONING_SEMVER, 0, &cause);
		ok(f == NULL && cause != NULL, "bad regex %zu rejected", i);
		if (f != NULL || cause == NULL) {
			filter_free(f);
			continue;
		}
		ok(str_has_prefix(cause, bad[i].prefix), "bad regex %zu: "
		    "side named: %s", i, cause);
		n = strlen(cause);
		ok(n > strlen(bad[i].offset) + strlen(bad[i].prefix) &&
		    strcmp(cause + n - strlen(bad[i].offset), bad[i].offset) == 0,
		    "bad regex %zu: ends with \"%s\": %s", i, bad[i].offset,
		    cause);
		free(cause);
	}

	for (i = 0; i < MT_ARRAY_LEN(schemes); i++) {
		cause = NULL;
		is_int(filter_check_scheme(schemes[i].include,
		    schemes[i].versioning, &cause), schemes[i].cause ? -1 : 0,
		    "scheme %zu: %s", i, schemes[i].cause ? "refused" : "ok");
		is_str(cause, schemes[i].cause, "scheme %zu: message", i);
		free(cause);
	}
	for (i = 0; i < MT_ARRAY_LEN(keys); i++) {
		struct version_key hi, lo;

		cause = NULL;
		f = filter_new(keys[i].include, NULL, keys[i].versioning, 0,
		    &cause);
		if (!ok(f != NULL, "key %zu: filter", i)) {
			free(cause);
			continue;
		}
		ok(filter_key(f, keys[i].hi, &hi) == 0 &&
		    filter_key(f, keys[i].lo, &lo) == 0 &&
		    version_compare(&hi, &lo) > 0, "key %zu: %s above %s", i,
		    keys[i].hi, keys[i].lo);
		version_key_free(&hi);
		version_key_free(&lo);
		ok(filter_key(f, "latest", &hi) == -1, "key %zu: latest is "
		    "not a version", i);
		filter_free(f);
	}

	cause = NULL;
	is_int(filter_check_regex("([0-9]", &cause), -1, "check: bad regex");
	is_str(cause, "missing closing parenthesis at offset 6",
	    "check: PCRE2 message and offset");
	free(cause);
	cause = NULL;
	is_int(filter_check_regex(MOSTLYMATTER, &cause), 0, "check: good regex");
	ok(cause == NULL, "check: no cause when good");

	/* A NULL filter and a NULL skipped pointer are accepted. */
	memset(t, 0, sizeof t);
	t[0].tag = (char *)"v2.0.0";
	t[1].tag = (char *)"not a tag";
	n = filter_apply(NULL, t, 2, 0, &fv, NULL);
	ok(n == 1 && strcmp(fv[0].version, "2.0.0") == 0 && fv[0].src == &t[0],
	    "NULL filter: tag minus v");
	filter_result_free(fv, n);
	memset(&skipped, 0xff, sizeof skipped);
	n = filter_apply(NULL, t, 0, 0, &fv, &skipped);
	ok(n == 0 && fv == NULL && filter_skipped_total(&skipped) == 0 &&
	    skipped.version_like == 0, "no tags: empty result");
	filter_result_free(fv, n);

	for (i = 0; i < MT_ARRAY_LEN(rxcases); i++) {
		cause = NULL;
		rx = rx_new(rxcases[i].pattern, &cause);
		if (!ok(rx != NULL, "rx %zu compiles", i)) {
			free(cause);
			continue;
		}
		is_int(rx_match(rx, rxcases[i].subject), rxcases[i].want,
		    "rx %zu: /%s/", i, rxcases[i].pattern);
		rx_free(rx);
	}
	for (i = 0; i < MT_ARRAY_LEN(smartcases); i++) {
		cause = NULL;
		rx = rx_new_smart(smartcases[i].pattern, &cause);
		if (!ok(rx != NULL, "smart %zu compiles", i)) {
			free(cause);
			continue;
		}
		is_int(rx_match(rx, smartcases[i].subject), smartcases[i].want,
		    "smart %zu: /%s/ on %s", i, smartcases[i].pattern,
		    smartcases[i].subject);
		rx_free(rx);
	}
	cause = NULL;
	rx = rx_new("[", &cause);
	ok(rx == NULL && cause != NULL && strstr(cause, " at offset 1") != NULL,
	    "rx: bad pattern reports the offset");
	free(cause);
	cause = NULL;
	rx = rx_new("", &cause);
	ok(rx != NULL && rx_match(rx, "anything") == 1 && rx_match(rx, NULL) == 0,
	    "rx: empty pattern matches all, NULL subject nothing");
	rx_free(rx);
	filter_free(NULL);
	rx_free(NULL);

	return tap_done();
}
