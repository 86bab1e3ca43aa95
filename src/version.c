/*
 * version.c — the version schemes behind one table.
 *
 * Every scheme turns a spelling into the same kind of key: numeric
 * components compared in order (a missing component is zero, so 1.55 and
 * 1.55.0 are the same version) and an optional pre-release, which sorts
 * before the release and is compared identifier by identifier as SemVer
 * §11 says. Schemes differ only in what they accept.
 */
#include <stdlib.h>
#include <string.h>

#include "semver.h"
#include "util.h"
#include "version.h"

#define VERSION_MAX_NUMBER 9007199254740991ULL	/* 2^53-1, as SemVer's */

typedef int (*version_parse_fn)(const char *, struct version_key *);

struct version_scheme {
	const char		*name;
	version_parse_fn	 parse;
};

static int	version_parse_semver(const char *, struct version_key *);
static int	version_parse_loose(const char *, struct version_key *);
static int	version_parse_calver(const char *, struct version_key *);

static const struct version_scheme version_schemes[] = {
	[VERSIONING_SEMVER] = {
		.name = "semver",
		.parse = version_parse_semver,
	},
	[VERSIONING_LOOSE] = {
		.name = "loose",
		.parse = version_parse_loose,
	},
	[VERSIONING_CALVER] = {
		.name = "calver",
		.parse = version_parse_calver,
	},
	[VERSIONING_REGEX_ORDER] = {
		.name = "regex-order",
		.parse = version_parse_loose,	/* keys come from the groups */
	},
};

/* Scheme index of a configuration name, or -1. */
int
version_scheme_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < MT_ARRAY_LEN(version_schemes); i++) {
		if (strcmp(version_schemes[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* Configuration name of a scheme. */
const char *
version_scheme_name(int scheme)
{
	if (scheme < 0 || (size_t)scheme >= MT_ARRAY_LEN(version_schemes))
		scheme = VERSIONING_SEMVER;
	return version_schemes[scheme].name;
}

/* The known scheme names for messages. */
const char *
version_scheme_names(void)
{
	return "semver, loose, calver, regex-order";
}

/* Whether c is an ASCII digit. */
static int
version_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether c may appear in a pre-release or build identifier. */
static int
version_is_ident_char(char c)
{
	return version_is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-';
}

/* Free the members of a key; accepts NULL. */
void
version_key_free(struct version_key *k)
{
	if (k == NULL)
		return;
	free(k->pre);
	memset(k, 0, sizeof *k);
}

/* strict SemVer 2.0.0: major.minor.patch[-pre][+build]. */
static int
version_parse_semver(const char *s, struct version_key *out)
{
	struct semver sv;

	if (semver_parse(s, &sv) != 0)
		return -1;
	out->parts[0] = sv.major;
	out->parts[1] = sv.minor;
	out->parts[2] = sv.patch;
	out->nparts = 3;
	out->pre = sv.pre;		/* taken over */
	sv.pre = NULL;
	semver_free(&sv);
	return 0;
}

/*
 * Numeric components at *p: N(.N)*, at most VERSION_MAX_PARTS, each at
 * most 2^53-1, leading zeros allowed (they do not count). digits[i] gets
 * each component's spelled length. Advances *p. 0 ok, -1 invalid.
 */
static int
version_parse_numbers(const char **p, struct version_key *out,
    size_t digits[VERSION_MAX_PARTS])
{
	const char *s = *p, *start;
	uint64_t v;

	out->nparts = 0;
	for (;;) {
		if (out->nparts == VERSION_MAX_PARTS || !version_is_digit(*s))
			return -1;
		v = 0;
		for (start = s; version_is_digit(*s); s++) {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > VERSION_MAX_NUMBER)
				return -1;
		}
		digits[out->nparts] = (size_t)(s - start);
		out->parts[out->nparts++] = v;
		if (*s != '.')
			break;
		s++;
	}
	*p = s;
	return 0;
}

/*
 * A dot-separated identifier list of len bytes at s: every identifier
 * non-empty and of [0-9A-Za-z-]. 0 ok, -1 invalid.
 */
static int
version_check_idents(const char *s, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (i == start)
				return -1;
			start = i + 1;
		} else if (!version_is_ident_char(s[i]))
			return -1;
	}
	return 0;
}

/*
 * The pre-release of len bytes at s with leading zeros of numeric
 * identifiers dropped, so that rc.01 and rc.1 are the same. Caller frees.
 */
static char *
version_normal_pre(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	size_t i = 0, n, j;
	int numeric;

	while (i < len) {
		n = strcspn(s + i, ".");
		if (i + n > len)
			n = len - i;
		numeric = 1;
		for (j = 0; j < n; j++)
			if (!version_is_digit(s[i + j]))
				numeric = 0;
		j = 0;
		if (numeric)
			while (j + 1 < n && s[i + j] == '0')
				j++;
		memcpy(o, s + i + j, n - j);
		o += n - j;
		i += n;
		if (i < len) {
			*o++ = '.';
			i++;
		}
	}
	*o = '\0';
	return out;
}

/*
 * The tail after the numbers: [-pre][+build] and nothing else. Sets
 * out->pre. 0 ok, -1 invalid.
 */
static int
version_parse_tail(const char *p, struct version_key *out)
{
	const char *pre = NULL;
	size_t prelen = 0;

	if (*p == '-') {
		pre = ++p;
		p += strcspn(p, "+");
		prelen = (size_t)(p - pre);
		if (version_check_idents(pre, prelen) != 0)
			return -1;
	}
	if (*p == '+') {
		p++;
		if (version_check_idents(p, strlen(p)) != 0)
			return -1;
		p += strlen(p);
	}
	if (*p != '\0')
		return -1;
	if (pre != NULL)
		out->pre = version_normal_pre(pre, prelen);
	return 0;
}

/* loose: N(.N)*[-pre][+build], any count of components up to the cap. */
static int
version_parse_loose(const char *s, struct version_key *out)
{
	size_t digits[VERSION_MAX_PARTS];

	if (version_parse_numbers(&s, out, digits) != 0)
		return -1;
	return version_parse_tail(s, out);
}

/*
 * calver: YYYY.MM[.DD][.N][-pre][+build]; the year has four digits, the
 * month is 1-12 (1 or 01), a day followed by a counter is 1-31 (1 or 01);
 * a third component alone may be a day or a counter (2024.10.1,
 * 2024.10.123): both compare numerically.
 */
static int
version_parse_calver(const char *s, struct version_key *out)
{
	size_t digits[VERSION_MAX_PARTS];

	if (version_parse_numbers(&s, out, digits) != 0)
		return -1;
	if (out->nparts < 2 || out->nparts > 4)
		return -1;
	if (digits[0] != 4 || out->parts[0] < 1000)
		return -1;
	if (digits[1] > 2 || out->parts[1] < 1 || out->parts[1] > 12)
		return -1;
	if (out->nparts == 4 && (digits[2] > 2 || out->parts[2] < 1 ||
	    out->parts[2] > 31))
		return -1;
	return version_parse_tail(s, out);
}

/* Parse s under scheme; 0 ok, -1 not a version (out zeroed). */
int
version_parse(int scheme, const char *s, struct version_key *out)
{
	memset(out, 0, sizeof *out);
	if (s == NULL || scheme < 0 ||
	    (size_t)scheme >= MT_ARRAY_LEN(version_schemes) ||
	    strnlen(s, VERSION_MAX_LEN + 1) > VERSION_MAX_LEN || *s == '\0')
		return -1;
	if (version_schemes[scheme].parse(s, out) != 0) {
		version_key_free(out);
		return -1;
	}
	return 0;
}

/* A regex-order key from its captured components; 0 ok, -1 invalid. */
int
version_key_from_groups(const char *const *groups, const size_t *lens,
    size_t n, const char *pre, size_t prelen, struct version_key *out)
{
	size_t i, j;
	uint64_t v;

	memset(out, 0, sizeof *out);
	if (n == 0 || n > VERSION_MAX_PARTS)
		return -1;
	for (i = 0; i < n; i++) {
		v = 0;
		if (groups[i] != NULL) {
			if (lens[i] == 0)
				return -1;
			for (j = 0; j < lens[i]; j++) {
				if (!version_is_digit(groups[i][j]))
					return -1;
				v = v * 10 + (uint64_t)(groups[i][j] - '0');
				if (v > VERSION_MAX_NUMBER)
					return -1;
			}
		}
		out->parts[i] = v;
	}
	out->nparts = n;
	if (pre != NULL && prelen > 0) {
		if (prelen > VERSION_MAX_LEN ||
		    version_check_idents(pre, prelen) != 0)
			return -1;
		out->pre = version_normal_pre(pre, prelen);
	}
	return 0;
}

/* Order of two keys: components (missing ones are zero), then pre-release. */
int
version_compare(const struct version_key *a, const struct version_key *b)
{
	size_t i, n = a->nparts > b->nparts ? a->nparts : b->nparts;
	uint64_t x, y;

	for (i = 0; i < n; i++) {
		x = i < a->nparts ? a->parts[i] : 0;
		y = i < b->nparts ? b->parts[i] : 0;
		if (x != y)
			return x < y ? -1 : 1;
	}
	if (a->pre == NULL || b->pre == NULL)
		return (a->pre == NULL) - (b->pre == NULL);
	return semver_compare_pre(a->pre, b->pre);
}

/* Compare two spellings under scheme; unparsable ones sort lowest. */
int
version_compare_str(int scheme, const char *a, const char *b)
{
	struct version_key ka, kb;
	int va, vb, c;

	va = version_parse(scheme, a, &ka) == 0;
	vb = version_parse(scheme, b, &kb) == 0;
	if (va && vb)
		c = version_compare(&ka, &kb);
	else if (va || vb)
		c = va ? 1 : -1;
	else if (a == NULL || b == NULL)
		c = (a != NULL) - (b != NULL);
	else {
		c = strcmp(a, b);
		c = (c > 0) - (c < 0);
	}
	version_key_free(&ka);
	version_key_free(&kb);
	return c;
}

/* Whether k has a pre-release. */
int
version_is_prerelease(const struct version_key *k)
{
	return k->pre != NULL;
}

/* Whether s may stand as a version spelling. */
int
version_spelling_valid(const char *s)
{
	size_t i, len;

	if (s == NULL || (len = strnlen(s, VERSION_MAX_LEN + 1)) == 0 ||
	    len > VERSION_MAX_LEN)
		return 0;
	if (!version_is_digit(s[0]) && !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 0; i < len; i++) {
		if (!version_is_ident_char(s[i]) && s[i] != '.' && s[i] != '_' &&
		    s[i] != '+')
			return 0;
	}
	return 1;
}
