/*
 * semver.c — Semantic Versioning 2.0.0: a strict hand-written parser and
 * precedence (§11). Bounds follow node-semver: at most SEMVER_MAX_LEN bytes
 * and each core number at most 2^53-1.
 */
#include <stdlib.h>
#include <string.h>

#include "semver.h"
#include "util.h"

#define SEMVER_MAX_NUMBER 9007199254740991ULL	/* 2^53-1 */

/* Whether c may appear in a prerelease or build identifier. */
static int
semver_is_ident_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-';
}

/* Whether c is an ASCII digit. */
static int
semver_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Parse one core number at *p (no leading zeros, at most 2^53-1) and
 * advance *p past it. 0 ok, -1 invalid.
 */
static int
semver_parse_number(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!semver_is_digit(*s))
		return -1;
	if (*s == '0' && semver_is_digit(s[1]))
		return -1;
	for (; semver_is_digit(*s); s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > SEMVER_MAX_NUMBER)
			return -1;
	}
	*p = s;
	*out = v;
	return 0;
}

/*
 * Check a dot-separated identifier list of len bytes at s: every identifier
 * non-empty and made of [0-9A-Za-z-]; if numeric_rule, purely numeric
 * identifiers must not have leading zeros. 0 ok, -1 invalid.
 */
static int
semver_check_idents(const char *s, size_t len, int numeric_rule)
{
	size_t i = 0, start;
	int all_digits;

	for (;;) {
		start = i;
		all_digits = 1;
		while (i < len && s[i] != '.') {
			if (!semver_is_ident_char(s[i]))
				return -1;
			if (!semver_is_digit(s[i]))
				all_digits = 0;
			i++;
		}
		if (i == start)
			return -1;
		if (numeric_rule && all_digits && s[start] == '0' &&
		    i - start > 1)
			return -1;
		if (i == len)
			return 0;
		i++;	/* the dot; an identifier must follow */
	}
}

/* Parse a strict SemVer 2.0.0 string; out owns pre/build on success. */
int
semver_parse(const char *s, struct semver *out)
{
	const char *p = s, *pre = NULL, *build = NULL;
	size_t len, pre_len = 0, build_len = 0;
	uint64_t n[3];
	int i;

	if (s == NULL)
		return -1;
	len = strnlen(s, SEMVER_MAX_LEN + 1);
	if (len == 0 || len > SEMVER_MAX_LEN)
		return -1;

	for (i = 0; i < 3; i++) {
		if (i > 0 && *p++ != '.')
			return -1;
		if (semver_parse_number(&p, &n[i]) != 0)
			return -1;
	}

	if (*p == '-') {
		pre = ++p;
		while (*p != '\0' && *p != '+')
			p++;
		pre_len = (size_t)(p - pre);
		if (semver_check_idents(pre, pre_len, 1) != 0)
			return -1;
	}
	if (*p == '+') {
		build = ++p;
		p += strlen(p);
		build_len = (size_t)(p - build);
		if (semver_check_idents(build, build_len, 0) != 0)
			return -1;
	}
	if (*p != '\0')
		return -1;

	out->major = n[0];
	out->minor = n[1];
	out->patch = n[2];
	out->pre = pre != NULL ? xstrndup(pre, pre_len) : NULL;
	out->build = build != NULL ? xstrndup(build, build_len) : NULL;
	return 0;
}

/* Free the members of sv (not sv itself); accepts NULL. */
void
semver_free(struct semver *sv)
{
	if (sv == NULL)
		return;
	free(sv->pre);
	free(sv->build);
	sv->pre = NULL;
	sv->build = NULL;
}

/* Compare two unsigned numbers: <0, 0, >0. */
static int
semver_cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/*
 * Compare two prerelease identifiers (a of alen bytes, b of blen bytes):
 * numeric ones numerically (no leading zeros, so longer is bigger, then
 * byte order — no size limit), numeric below alphanumeric, alphanumeric in
 * ASCII order with a shorter prefix first.
 */
static int
semver_cmp_ident(const char *a, size_t alen, const char *b, size_t blen)
{
	int anum = 1, bnum = 1, c;
	size_t i;

	for (i = 0; i < alen; i++)
		if (!semver_is_digit(a[i]))
			anum = 0;
	for (i = 0; i < blen; i++)
		if (!semver_is_digit(b[i]))
			bnum = 0;

	if (anum && bnum) {
		if (alen != blen)
			return alen < blen ? -1 : 1;
		c = memcmp(a, b, alen);
		return (c > 0) - (c < 0);
	}
	if (anum != bnum)
		return anum ? -1 : 1;
	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return (c > 0) - (c < 0);
	return semver_cmp_u64(alen, blen);
}

/* Compare two prerelease strings identifier by identifier. */
int
semver_compare_pre(const char *a, const char *b)
{
	size_t alen, blen;
	int c;

	for (;;) {
		alen = strcspn(a, ".");
		blen = strcspn(b, ".");
		c = semver_cmp_ident(a, alen, b, blen);
		if (c != 0)
			return c;
		a += alen;
		b += blen;
		if (*a == '\0' || *b == '\0')
			return (*a != '\0') - (*b != '\0');
		a++;
		b++;
	}
}

/* Precedence per SemVer §11, build metadata ignored. */
int
semver_compare(const struct semver *a, const struct semver *b)
{
	int c;

	if ((c = semver_cmp_u64(a->major, b->major)) != 0)
		return c;
	if ((c = semver_cmp_u64(a->minor, b->minor)) != 0)
		return c;
	if ((c = semver_cmp_u64(a->patch, b->patch)) != 0)
		return c;
	if (a->pre == NULL || b->pre == NULL)
		return (a->pre == NULL) - (b->pre == NULL);
	return semver_compare_pre(a->pre, b->pre);
}

/* Compare two version strings; invalid ones sort below valid ones. */
int
semver_compare_str(const char *a, const char *b)
{
	struct semver sa, sb;
	int va, vb, c;

	va = semver_parse(a, &sa) == 0;
	vb = semver_parse(b, &sb) == 0;
	if (va && vb)
		c = semver_compare(&sa, &sb);
	else if (va || vb)
		c = va ? 1 : -1;
	else if (a == NULL || b == NULL)
		c = (a != NULL) - (b != NULL);
	else {
		c = strcmp(a, b);
		c = (c > 0) - (c < 0);
	}
	if (va)
		semver_free(&sa);
	if (vb)
		semver_free(&sb);
	return c;
}

/* Whether sv has a prerelease part. */
int
semver_is_prerelease(const struct semver *sv)
{
	return sv->pre != NULL;
}
