/* test-semver.c — strict SemVer 2.0.0 parsing and precedence. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "semver.h"
#include "util.h"
#include "tap.h"

/* node-semver test/fixtures/comparisons.js, strict rows: left > right. */
static const struct {
	const char *hi, *lo;
} greater[] = {
	{ "0.0.0", "0.0.0-foo" },
	{ "0.0.1", "0.0.0" },
	{ "1.0.0", "0.9.9" },
	{ "0.10.0", "0.9.0" },
	{ "0.99.0", "0.10.0" },
	{ "2.0.0", "1.2.3" },
	{ "1.2.3", "1.2.3-asdf" },
	{ "1.2.3", "1.2.3-4" },
	{ "1.2.3", "1.2.3-4-foo" },
	{ "1.2.3-5-foo", "1.2.3-5" },
	{ "1.2.3-5", "1.2.3-4" },
	{ "1.2.3-5-foo", "1.2.3-5-Foo" },
	{ "3.0.0", "2.7.2+asdf" },
	{ "1.2.3-a.10", "1.2.3-a.5" },
	{ "1.2.3-a.b", "1.2.3-a.5" },
	{ "1.2.3-a.b", "1.2.3-a" },
	{ "1.2.3-a.b.c.10.d.5", "1.2.3-a.b.c.5.d.100" },
	{ "1.2.3-r2", "1.2.3-r100" },
	{ "1.2.3-r100", "1.2.3-R2" },
	/* beyond the fixtures */
	{ "1.2.3-Z", "1.2.3-A" },
	{ "1.2.3-a", "1.2.3-Z" },
	{ "1.2.3-99999999999999999999999", "1.2.3-9999999999999999999999" },
	{ "1.2.3-1.0", "1.2.3-1" },
	{ "1.2.3-alpha-", "1.2.3-alpha" },
	{ "9007199254740991.0.0", "9007199254740990.9.9" },
	{ "10.3.1", "10.2.10" },
	{ "10.2.10", "10.2.9" },
	{ "11.12.0", "11.12.0-limitless" },
	{ "11.12.0-limitless", "11.12.0-alpha" },
};

/* SemVer §11 example chain, ascending. */
static const char *chain[] = {
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
	"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
};

/* Equal precedence (build metadata is ignored). */
static const struct {
	const char *a, *b;
} equal[] = {
	{ "1.2.3-beta+build", "1.2.3-beta+otherbuild" },
	{ "1.2.3+build", "1.2.3+otherbuild" },
	{ "1.2.3+build", "1.2.3" },
	{ "1.0.0-rc.1+0001", "1.0.0-rc.1+1" },
};

/* Valid versions and their parts (NULL = absent). */
static const struct {
	const char	*s;
	uint64_t	 major, minor, patch;
	const char	*pre, *build;
} valid[] = {
	{ "1.2.3", 1, 2, 3, NULL, NULL },
	{ "0.0.0", 0, 0, 0, NULL, NULL },
	{ "1.2.3-4", 1, 2, 3, "4", NULL },
	{ "1.2.3-pre", 1, 2, 3, "pre", NULL },
	{ "1.2.3-alpha.1", 1, 2, 3, "alpha.1", NULL },
	{ "1.2.3-alpha-.-beta", 1, 2, 3, "alpha-.-beta", NULL },
	{ "1.2.3-0", 1, 2, 3, "0", NULL },
	{ "1.2.3-0a", 1, 2, 3, "0a", NULL },
	{ "1.2.3-0-0", 1, 2, 3, "0-0", NULL },
	{ "1.2.3-pre+build", 1, 2, 3, "pre", "build" },
	{ "1.2.3+build", 1, 2, 3, NULL, "build" },
	{ "1.2.3+build.1a", 1, 2, 3, NULL, "build.1a" },
	{ "1.2.3+0001", 1, 2, 3, NULL, "0001" },
	{ "1.2.3+-", 1, 2, 3, NULL, "-" },
	{ "1.0.0-x-y-z.--", 1, 0, 0, "x-y-z.--", NULL },
	{ "1.1.2-prerelease+meta", 1, 1, 2, "prerelease", "meta" },
	{ "11.0.4-limitless", 11, 0, 4, "limitless", NULL },
	{ "9007199254740991.9007199254740991.9007199254740991",
	  9007199254740991ULL, 9007199254740991ULL, 9007199254740991ULL,
	  NULL, NULL },
};

/* Never valid. */
static const char *invalid[] = {
	"", "v1.2.3", "V1.2.3", "=1.2.3", "01.1.1", "1.01.1", "1.1.01",
	"1.2", "1", "1.2.3.4", "1.2.3-", "1.2.3+", "1.2.3-+", "1.2.3-0123",
	"1.2.3-01", "1.2.3-a.01", "+invalid", "-invalid", "1.2.3-a..b",
	"1.2.3-a.", "1.2.3-.a", "1.2.3+a..b", "1.2.3+a+b", "1.2.3 ", " 1.2.3",
	"1.2.3\n", "1.2.3-a b", "1.2.3-a_b", "1.2.3-\xc3\xa9", "a.b.c",
	"-1.2.3", "1.-2.3", "9007199254740992.0.0", "0.9007199254740992.0",
	"0.0.9007199254740992", "90071992547409910.0.0",
	"99999999999999999999999.0.0", "hello, world", "xyz", "1.2.3-a\x1b[m",
};

/* Build a string of n bytes "1...1.0.0" (n >= 5); caller frees. */
static char *
long_version(size_t n)
{
	char *s = malloc(n + 1);

	memset(s, '1', n - 4);
	memcpy(s + n - 4, ".0.0", 5);
	return s;
}

/* Build "1.0.0-" followed by 'a' up to n bytes; caller frees. */
static char *
long_pre(size_t n)
{
	char *s = malloc(n + 1);

	memset(s, 'a', n);
	memcpy(s, "1.0.0-", 6);
	s[n] = '\0';
	return s;
}

/* The sign of x. */
static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Run every table row as TAP tests. */
int
main(void)
{
	struct semver sv, a, b;
	size_t i, j;
	char *s;

	for (i = 0; i < MT_ARRAY_LEN(greater); i++) {
		const char *hi = greater[i].hi, *lo = greater[i].lo;

		is_int(sign(semver_compare_str(hi, lo)), 1, "%s > %s", hi, lo);
		is_int(sign(semver_compare_str(lo, hi)), -1, "%s < %s", lo, hi);
		is_int(semver_compare_str(hi, hi), 0, "%s == itself", hi);
		is_int(semver_compare_str(lo, lo), 0, "%s == itself", lo);
	}

	for (i = 0; i < MT_ARRAY_LEN(chain); i++)
		for (j = 0; j < MT_ARRAY_LEN(chain); j++) {
			int want = (i > j) - (i < j);

			is_int(sign(semver_compare_str(chain[i], chain[j])),
			    want, "chain %s vs %s", chain[i], chain[j]);
		}

	for (i = 0; i < MT_ARRAY_LEN(equal); i++) {
		is_int(semver_compare_str(equal[i].a, equal[i].b), 0,
		    "%s == %s", equal[i].a, equal[i].b);
		is_int(semver_compare_str(equal[i].b, equal[i].a), 0,
		    "%s == %s", equal[i].b, equal[i].a);
	}

	for (i = 0; i < MT_ARRAY_LEN(valid); i++) {
		memset(&sv, 0, sizeof sv);
		if (!ok(semver_parse(valid[i].s, &sv) == 0, "valid: %s",
		    valid[i].s))
			continue;
		ok(sv.major == valid[i].major && sv.minor == valid[i].minor &&
		    sv.patch == valid[i].patch, "%s: core numbers", valid[i].s);
		is_str(sv.pre, valid[i].pre, "%s: prerelease", valid[i].s);
		is_str(sv.build, valid[i].build, "%s: build", valid[i].s);
		is_int(semver_is_prerelease(&sv), valid[i].pre != NULL,
		    "%s: is_prerelease", valid[i].s);
		semver_free(&sv);
	}

	for (i = 0; i < MT_ARRAY_LEN(invalid); i++) {
		sv.major = 77;
		sv.pre = sv.build = NULL;
		ok(semver_parse(invalid[i], &sv) == -1 && sv.major == 77,
		    "invalid, out untouched: \"%s\"", invalid[i]);
	}
	ok(semver_parse(NULL, &sv) == -1, "invalid: NULL");

	/* Length bound: 256 bytes is the most node-semver accepts. */
	s = long_pre(SEMVER_MAX_LEN);
	if (ok(semver_parse(s, &sv) == 0, "valid: 256-byte version"))
		semver_free(&sv);
	free(s);
	s = long_pre(SEMVER_MAX_LEN + 1);
	ok(semver_parse(s, &sv) == -1, "invalid: 257-byte version");
	free(s);
	s = long_version(300);
	ok(semver_parse(s, &sv) == -1, "invalid: 300-byte 111...1.0.0");
	free(s);

	/* Invalid strings sort below valid ones, consistently. */
	ok(semver_compare_str("v9.9.9", "0.0.0") < 0, "invalid < valid");
	ok(semver_compare_str("0.0.0-a", "garbage") > 0, "valid > invalid");
	is_int(semver_compare_str("x", "x"), 0, "invalid == same invalid");

	/* semver_compare on parsed values ignores build. */
	if (semver_parse("2.0.0-rc.1+b1", &a) == 0 &&
	    semver_parse("2.0.0-rc.1+b2", &b) == 0) {
		is_int(semver_compare(&a, &b), 0, "parsed: build ignored");
		semver_free(&a);
		semver_free(&b);
	} else
		ok(0, "parsed: build ignored");

	return tap_done();
}
