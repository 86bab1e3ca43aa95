/* test-version.c — the version schemes: what each accepts and how it sorts. */
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "util.h"
#include "tap.h"

#define S VERSIONING_SEMVER
#define L VERSIONING_LOOSE
#define C VERSIONING_CALVER

/* Ascending chains: each spelling sorts strictly above the one before. */
static const struct {
	int		 scheme;
	const char	*chain[12];
} chains[] = {
	{ S, { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.2",
	       "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0",
	       "10.0.0" } },
	/* the rclone shape of the issue: 1.54.1 between 1.54 and 1.55 */
	{ L, { "1.44.1", "1.45", "1.53", "1.54", "1.54.1", "1.55" } },
	{ L, { "1", "1.2", "1.2.3-rc.1", "1.2.3-rc.2", "1.2.3-rc.10",
	       "1.2.3", "1.2.3.4-beta", "1.2.3.4", "1.2.3.5", "1.10",
	       "2" } },
	{ L, { "0.9.9.9.9.9.9.9", "1.0.0.0.0.0.0.1", "9007199254740991" } },
	{ C, { "2023.12", "2024.1", "2024.01.2", "2024.9.30",
	       "2024.10-rc.1", "2024.10", "2024.10.1", "2024.10.2.1",
	       "2024.10.31", "2024.10.123", "2025.1" } },
};

/* Equal order under a scheme (upstream order decides between them). */
static const struct {
	int		 scheme;
	const char	*a, *b;
} equal[] = {
	{ L, "1.55", "1.55.0" },
	{ L, "1.55", "1.55.0.0.0" },
	{ L, "1.05", "1.5" },
	{ L, "1.2.3-rc.01", "1.2.3-rc.1" },
	{ L, "1.2.3+b1", "1.2.3+b2" },
	{ C, "2024.01", "2024.1" },
	{ C, "2024.01.05", "2024.1.5" },
	{ C, "2024.10", "2024.10.0" },
	{ S, "1.2.3+build", "1.2.3" },
};

/* Spellings a scheme refuses. */
static const struct {
	int		 scheme;
	const char	*s;
} invalid[] = {
	{ S, "1.55" }, { S, "1.2.3.4" }, { S, "01.2.3" }, { S, "v1.2.3" },
	{ L, "" }, { L, "v1.2" }, { L, "1..2" }, { L, "1.2." }, { L, ".1" },
	{ L, "1.2-" }, { L, "1.2-rc..1" }, { L, "1.2+" }, { L, "1.2rc1" },
	{ L, "1.2.3.4.5.6.7.8.9" }, { L, "9007199254740992" },
	{ L, "Nightly" }, { L, "untagged-5b1f0c1e" }, { L, "r27" },
	{ L, "1.2 " }, { L, "1.2-r\xc3\xa9" },
	{ C, "24.04" }, { C, "2024" }, { C, "2024.13" }, { C, "2024.0" },
	{ C, "2024.001" }, { C, "2024.10.32.1" }, { C, "2024.10.0.1" },
	{ C, "2024.1.1.1.1" }, { C, "0999.1" }, { C, "20240.1" },
	{ C, "v2024.10" },
};

/* Pre-release or not. */
static const struct {
	int		 scheme;
	const char	*s;
	int		 pre;
} pres[] = {
	{ S, "1.2.3-rc.1", 1 }, { S, "1.2.3", 0 }, { S, "1.2.3+b", 0 },
	{ L, "1.55", 0 }, { L, "1.55-beta", 1 }, { L, "1.2.3.4-0", 1 },
	{ C, "2024.10-rc1", 1 }, { C, "2024.10.1", 0 },
};

/* Spellings kept as versions, or refused, whatever the scheme. */
static const struct {
	const char	*s;
	int		 valid;
} spellings[] = {
	{ "1.2.3", 1 }, { "r27", 1 }, { "1.2.3+b_1", 1 }, { "2024.10.1", 1 },
	{ "", 0 }, { "-1", 0 }, { ".1", 0 }, { "1 2", 0 }, { "1/2", 0 },
	{ "1;rm", 0 }, { "a\x1b[2J", 0 }, { "$(x)", 0 },
};

/* Groups of regex-order: components, or NULL (zero); pre; ok. */
static const struct {
	const char	*g[3];
	const char	*pre;
	int		 ok;
	unsigned long long parts[3];
} groups[] = {
	{ { "27", NULL, NULL }, NULL, 1, { 27, 0, 0 } },
	{ { "1", "0010", "3" }, NULL, 1, { 1, 10, 3 } },
	{ { "1", "x", "3" }, NULL, 0, { 0 } },
	{ { "1", "", "3" }, NULL, 0, { 0 } },
	{ { "99999999999999999999", "0", "0" }, NULL, 0, { 0 } },
	{ { "1", "2", "3" }, "rc.1", 1, { 1, 2, 3 } },
	{ { "1", "2", "3" }, "rc..1", 0, { 0 } },
};

/* Run the tables. */
int
main(void)
{
	struct version_key a, b;
	size_t i, j, lens[3];
	int c;

	for (i = 0; i < MT_ARRAY_LEN(chains); i++) {
		const char *const *ch = chains[i].chain;
		int sc = chains[i].scheme;

		for (j = 0; ch[j] != NULL; j++) {
			ok(version_parse(sc, ch[j], &a) == 0, "%s: %s parses",
			    version_scheme_name(sc), ch[j]);
			version_key_free(&a);
			if (j == 0)
				continue;
			is_int(version_compare_str(sc, ch[j], ch[j - 1]), 1,
			    "%s: %s > %s", version_scheme_name(sc), ch[j],
			    ch[j - 1]);
			is_int(version_compare_str(sc, ch[j - 1], ch[j]), -1,
			    "%s: %s < %s", version_scheme_name(sc), ch[j - 1],
			    ch[j]);
		}
	}
	for (i = 0; i < MT_ARRAY_LEN(equal); i++)
		is_int(version_compare_str(equal[i].scheme, equal[i].a,
		    equal[i].b), 0, "%s: %s = %s",
		    version_scheme_name(equal[i].scheme), equal[i].a, equal[i].b);
	for (i = 0; i < MT_ARRAY_LEN(invalid); i++) {
		memset(&a, 0x5a, sizeof a);
		ok(version_parse(invalid[i].scheme, invalid[i].s, &a) == -1 &&
		    a.pre == NULL && a.nparts == 0, "%s refuses \"%s\"",
		    version_scheme_name(invalid[i].scheme), invalid[i].s);
	}
	/* An unparsable spelling sorts below any version. */
	is_int(version_compare_str(L, "Nightly", "0.0.1"), -1,
	    "loose: Nightly below 0.0.1");
	is_int(version_compare_str(L, NULL, NULL), 0, "NULL = NULL");
	for (i = 0; i < MT_ARRAY_LEN(pres); i++) {
		ok(version_parse(pres[i].scheme, pres[i].s, &a) == 0 &&
		    version_is_prerelease(&a) == pres[i].pre,
		    "%s: %s is %sa pre-release",
		    version_scheme_name(pres[i].scheme), pres[i].s,
		    pres[i].pre ? "" : "not ");
		version_key_free(&a);
	}
	for (i = 0; i < MT_ARRAY_LEN(spellings); i++)
		is_int(version_spelling_valid(spellings[i].s), spellings[i].valid,
		    "spelling %zu valid: %d", i, spellings[i].valid);
	ok(!version_spelling_valid(NULL), "NULL spelling refused");

	for (i = 0; i < MT_ARRAY_LEN(groups); i++) {
		for (j = 0; j < 3; j++)
			lens[j] = groups[i].g[j] ? strlen(groups[i].g[j]) : 0;
		c = version_key_from_groups(groups[i].g, lens, 3,
		    groups[i].pre, groups[i].pre ? strlen(groups[i].pre) : 0,
		    &a);
		if (!ok((c == 0) == groups[i].ok, "groups %zu: %s", i,
		    groups[i].ok ? "a key" : "refused") || c != 0) {
			version_key_free(&a);
			continue;
		}
		ok(a.nparts == 3 && a.parts[0] == groups[i].parts[0] &&
		    a.parts[1] == groups[i].parts[1] &&
		    a.parts[2] == groups[i].parts[2], "groups %zu: components",
		    i);
		ok((a.pre != NULL) == (groups[i].pre != NULL),
		    "groups %zu: pre-release", i);
		version_key_free(&a);
	}
	ok(version_key_from_groups(NULL, NULL, 0, NULL, 0, &b) == -1,
	    "no groups: refused");

	for (i = 0; i < 4; i++)
		is_int(version_scheme_from_name(version_scheme_name((int)i)),
		    (int)i, "scheme %s round-trips", version_scheme_name((int)i));
	is_int(version_scheme_from_name("SemVer"), -1, "names are exact");
	is_int(version_scheme_from_name(NULL), -1, "NULL name");
	is_str(version_scheme_name(99), "semver", "out of range: semver");
	return tap_done();
}
