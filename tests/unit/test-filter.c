/* test-filter.c — tags to versions: ref names, include/exclude, sort, window. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "source.h"
#include "tap.h"
#include "util.h"

#define MAX_TAGS 12
#define DRAFT "draft:"	/* row marker; ':' never occurs in a valid tag */

#define MATTERMOST "^v?([0-9]+\\.[0-9]+\\.[0-9]+)$"
#define MOSTLYMATTER "^v([0-9]+\\.[0-9]+\\.[0-9]+)-limitless$"

/*
 * One row per case: tags in upstream order, the versions expected (highest
 * first, space-separated), the tags they came from, and the skipped count.
 */
static const struct {
	const char	*what;
	const char	*include, *exclude;
	size_t		 max;
	const char	*tags[MAX_TAGS];
	const char	*versions;
	const char	*sources;
	int		 skipped;
} cases[] = {
	{ "mattermost pattern", MATTERMOST, NULL, 0,
	  { "v10.2.9", "v10.3.1", "v10.2.10", "v10.3.0-rc1", "9.11.2",
	    "v10.4.0-rc1", "server-v10.5.0" },
	  "10.3.1 10.2.10 10.2.9 9.11.2",
	  "v10.3.1 v10.2.10 v10.2.9 9.11.2", 0 },
	{ "numeric order, ascending input", MATTERMOST, NULL, 0,
	  { "v10.2.9", "v10.2.10", "v10.3.1" },
	  "10.3.1 10.2.10 10.2.9", "v10.3.1 v10.2.10 v10.2.9", 0 },
	{ "numeric order, descending input", MATTERMOST, NULL, 0,
	  { "v10.3.1", "v10.2.10", "v10.2.9" },
	  "10.3.1 10.2.10 10.2.9", "v10.3.1 v10.2.10 v10.2.9", 0 },
	{ "numeric order, mixed input", MATTERMOST, NULL, 0,
	  { "v10.2.10", "v10.2.9", "v10.3.1" },
	  "10.3.1 10.2.10 10.2.9", "v10.3.1 v10.2.10 v10.2.9", 0 },
	{ "mostlymatter: capture makes -limitless a release", MOSTLYMATTER,
	  NULL, 0,
	  { "v10.12.1-limitless", "v11.0.4-limitless", "v10.9.0",
	    "v11.1.0-rc1-limitless", "v10.2.10-limitless", "v11.0.5" },
	  "11.0.4 10.12.1 10.2.10",
	  "v11.0.4-limitless v10.12.1-limitless v10.2.10-limitless", 0 },
	{ "include without a group: tag minus v",
	  "^v[0-9]+\\.[0-9]+\\.[0-9]+-limitless$", NULL, 0,
	  { "v10.12.1-limitless", "v11.0.4-limitless", "v11.0.4" },
	  "11.0.4-limitless 10.12.1-limitless",
	  "v11.0.4-limitless v10.12.1-limitless", 0 },
	{ "group 1 not taking part: tag minus v",
	  "^(?:x([0-9]+\\.[0-9]+\\.[0-9]+)|v[0-9]+\\.[0-9]+\\.[0-9]+)$",
	  NULL, 0,
	  { "v1.0.0", "x2.0.0" },
	  "2.0.0 1.0.0", "x2.0.0 v1.0.0", 0 },
	{ "no include: one leading v stripped", NULL, NULL, 0,
	  { "v1.2.3", "1.2.4", "vv1.0.0", "v2.0.0-rc.1", "latest",
	    "release-1", "V3.0.0" },
	  "2.0.0-rc.1 1.2.4 1.2.3", "v2.0.0-rc.1 1.2.4 v1.2.3", 4 },
	{ "exclude drops matches, uncounted", NULL, "-(rc|beta)", 0,
	  { "v2.0.0-rc.1", "v1.9.0", "v2.0.0-beta", "v2.0.0-alpha" },
	  "2.0.0-alpha 1.9.0", "v2.0.0-alpha v1.9.0", 0 },
	{ "include and exclude", MATTERMOST, "^v?10\\.2\\.", 0,
	  { "v10.2.9", "v10.3.1", "v10.2.10", "nope" },
	  "10.3.1", "v10.3.1", 0 },
	{ "drafts skipped, uncounted", NULL, NULL, 0,
	  { DRAFT "v9.9.9", "v1.0.0", DRAFT "bad name" },
	  "1.0.0", "v1.0.0", 0 },
	{ "duplicates: first seen wins (v first)", NULL, NULL, 0,
	  { "v1.2.3", "1.2.3", "v1.2.2" },
	  "1.2.3 1.2.2", "v1.2.3 v1.2.2", 0 },
	{ "duplicates: first seen wins (bare first)", NULL, NULL, 0,
	  { "1.2.3", "v1.2.3", "v1.2.2" },
	  "1.2.3 1.2.2", "1.2.3 v1.2.2", 0 },
	{ "duplicates: build metadata only", NULL, NULL, 0,
	  { "v1.2.3+b2", "v1.2.3+b1", "v1.2.3" },
	  "1.2.3+b2", "v1.2.3+b2", 0 },
	{ "duplicates via capture", MOSTLYMATTER "|^v?([0-9.]+)$", NULL, 0,
	  { "v11.0.4", "v11.0.4-limitless" },
	  "11.0.4", "v11.0.4", 0 },
	{ "window: max 3", NULL, NULL, 3,
	  { "1.0.0", "5.0.0", "2.0.0", "4.0.0", "3.0.0", "5.0.0-rc.1" },
	  "5.0.0 5.0.0-rc.1 4.0.0", "5.0.0 5.0.0-rc.1 4.0.0", 0 },
	{ "window: max above count", NULL, NULL, 10,
	  { "1.0.0", "2.0.0" },
	  "2.0.0 1.0.0", "2.0.0 1.0.0", 0 },
	{ "window: counted after de-duplication", NULL, NULL, 2,
	  { "v3.0.0", "3.0.0", "v2.0.0", "v1.0.0" },
	  "3.0.0 2.0.0", "v3.0.0 v2.0.0", 0 },
	{ "invalid ref names counted", MATTERMOST, NULL, 0,
	  { "v1.2.3\x1b[2J", "v1..2", "v1.2.4 ", "v1.2.5.lock", "v1.2.6",
	    "v1.2.7~1", "@", "" },
	  "1.2.6", "v1.2.6", 7 },
	{ "non-SemVer capture counted", "^v(.*)$", NULL, 0,
	  { "v01.2.3", "v1.2", "v1.2.3-01", "v1.2.3", "1.2.4" },
	  "1.2.3", "v1.2.3", 3 },
	{ "prerelease order", NULL, NULL, 0,
	  { "v1.0.0-beta.11", "v1.0.0-alpha", "v1.0.0", "v1.0.0-beta.2",
	    "v1.0.0-rc.1", "v1.0.0-alpha.1" },
	  "1.0.0 1.0.0-rc.1 1.0.0-beta.11 1.0.0-beta.2 1.0.0-alpha.1 "
	  "1.0.0-alpha",
	  "v1.0.0 v1.0.0-rc.1 v1.0.0-beta.11 v1.0.0-beta.2 v1.0.0-alpha.1 "
	  "v1.0.0-alpha", 0 },
	{ "invalid UTF-8 tag does not match", MATTERMOST, NULL, 0,
	  { "v1.0.0\xff", "v1.0.1" },
	  "1.0.1", "v1.0.1", 0 },
	{ "invalid UTF-8 tag, no include: not SemVer", NULL, NULL, 0,
	  { "1.0.0-\xff", "v1.0.1" },
	  "1.0.1", "v1.0.1", 1 },
	{ "runaway backtracking stopped and counted", "^(a|aa)+$", NULL, 0,
	  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
	    "v1.0.0" },
	  "", "", 1 },
	{ "no tags", MATTERMOST, NULL, 0,
	  { NULL },
	  "", "", 0 },
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
	int skipped = -1;
	const char *what = cases[row].what;
	struct timespec t0, t1;

	memset(tags, 0, sizeof tags);
	for (i = 0; i < MAX_TAGS && cases[row].tags[i] != NULL; i++) {
		const char *t = cases[row].tags[i];

		tags[i].draft = str_has_prefix(t, DRAFT);
		tags[i].tag = (char *)(tags[i].draft ? t + strlen(DRAFT) : t);
		ntags++;
	}

	f = filter_new(cases[row].include, cases[row].exclude, &cause);
	if (!ok(f != NULL, "%s: compiles", what)) {
		printf("#   %s\n", cause);
		free(cause);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = filter_apply(f, tags, ntags, cases[row].max, &fv, &skipped);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	got = join(fv, n, 0);
	is_str(got, cases[row].versions, "%s: versions", what);
	free(got);
	got = join(fv, n, 1);
	is_str(got, cases[row].sources, "%s: source tags", what);
	free(got);
	is_int(skipped, cases[row].skipped, "%s: skipped", what);
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
	int skipped;

	for (i = 0; i < MT_ARRAY_LEN(cases); i++)
		run_case(i);

	for (i = 0; i < MT_ARRAY_LEN(bad); i++) {
		cause = NULL;
		f = filter_new(bad[i].include, bad[i].exclude, &cause);
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
	skipped = -1;
	n = filter_apply(NULL, t, 0, 0, &fv, &skipped);
	ok(n == 0 && fv == NULL && skipped == 0, "no tags: empty result");
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
