/*
 * filter.c — from upstream tags to the window of versions, and a small
 * regex API for the dashboard's filter prompt.
 *
 * Patterns are compiled with PCRE2_UTF | PCRE2_MATCH_INVALID_UTF so that
 * tags that are not valid UTF-8 simply fail to match instead of raising
 * errors. Every match runs under match, depth and heap limits so a hostile
 * pattern or tag cannot spin or eat memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcre2.h>

#include "filter.h"
#include "refname.h"
#include "source.h"
#include "util.h"

#define FILTER_MAX_PATTERN	4096
#define FILTER_MATCH_LIMIT	1000000
#define FILTER_DEPTH_LIMIT	10000
#define FILTER_HEAP_LIMIT	8192	/* KiB */
#define FILTER_COMPILE_OPTIONS	\
	(PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C)

struct filter {
	pcre2_code		*include;	/* NULL: everything */
	pcre2_code		*exclude;	/* NULL: nothing */
	uint32_t		 include_groups;
	int			 versioning;	/* enum versioning */
	int			 prereleases;	/* keep flagged pre-releases */
	int			 group_version;	/* group named version, or 0 */
	int			 group_pre;	/* group named pre, or 0 */
	int			 groups[VERSION_MAX_PARTS]; /* c1, c2, ... */
	size_t			 ngroups;
	pcre2_match_context	*mctx;
};

struct rx {
	pcre2_code		*code;
	pcre2_match_context	*mctx;
};

/* Compile re; NULL with *cause = "<message> at offset N" (caller frees). */
static pcre2_code *
filter_compile_opts(const char *re, uint32_t extra, char **cause)
{
	pcre2_compile_context *cctx;
	pcre2_code *code;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int error;

	if (re == NULL) {
		*cause = xstrdup("missing pattern at offset 0");
		return NULL;
	}
	cctx = pcre2_compile_context_create(NULL);
	if (cctx == NULL) {
		*cause = xstrdup("out of memory");
		return NULL;
	}
	pcre2_set_max_pattern_length(cctx, FILTER_MAX_PATTERN);
	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    FILTER_COMPILE_OPTIONS | extra, &error, &off, cctx);
	pcre2_compile_context_free(cctx);
	if (code == NULL) {
		if (pcre2_get_error_message(error, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", error);
		*cause = xasprintf("%s at offset %zu", (char *)msg,
		    (size_t)off);
	}
	return code;
}

/* Compile a pattern with the filters' options. */
static pcre2_code *
filter_compile(const char *re, char **cause)
{
	return filter_compile_opts(re, 0, cause);
}

/* Allocation failure inside PCRE2 is fatal, as it is for xmalloc. */
static void __attribute__((noreturn))
filter_oom(void)
{
	static const char msg[] = "mirrortop: out of memory\n";

	(void)!write(2, msg, sizeof msg - 1);
	abort();
}

/* A match context with the limits; fatal on allocation failure. */
static pcre2_match_context *
filter_match_context(void)
{
	pcre2_match_context *mctx;

	mctx = pcre2_match_context_create(NULL);
	if (mctx == NULL)
		filter_oom();
	pcre2_set_match_limit(mctx, FILTER_MATCH_LIMIT);
	pcre2_set_depth_limit(mctx, FILTER_DEPTH_LIMIT);
	pcre2_set_heap_limit(mctx, FILTER_HEAP_LIMIT);
	return mctx;
}

/*
 * Match subject against code with md; 1 match, 0 no match, -1 error (such
 * as a limit hit).
 */
static int
filter_match(const pcre2_code *code, const char *subject,
    pcre2_match_data *md, pcre2_match_context *mctx)
{
	int rc;

	rc = pcre2_match(code, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0, 0,
	    md, mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

/* Check one regex; 0 ok, -1 with *cause (caller frees). */
int
filter_check_regex(const char *re, char **cause)
{
	pcre2_code *code;

	if ((code = filter_compile(re, cause)) == NULL)
		return -1;
	pcre2_code_free(code);
	return 0;
}

/* The number of the group named name in code, or 0 when there is none. */
static int
filter_group(const pcre2_code *code, const char *name)
{
	int n;

	n = pcre2_substring_number_from_name(code, (PCRE2_SPTR)name);
	return n > 0 ? n : 0;
}

/*
 * Find the named groups of include for the scheme into f: version, pre,
 * and for regex-order c1, c2, ... without a gap. 0 ok, -1 with *cause.
 */
static int
filter_find_groups(struct filter *f, char **cause)
{
	char name[16];
	int i, n, last = 0;

	if (f->include == NULL) {
		if (f->versioning == VERSIONING_REGEX_ORDER) {
			*cause = xstrdup("regex-order needs an include pattern "
			    "with named groups c1, c2, ...");
			return -1;
		}
		return 0;
	}
	f->group_version = filter_group(f->include, "version");
	if (f->versioning != VERSIONING_REGEX_ORDER)
		return 0;
	f->group_pre = filter_group(f->include, "pre");
	for (i = 1; i <= VERSION_MAX_PARTS + 1; i++) {
		snprintf(name, sizeof name, "c%d", i);
		if ((n = filter_group(f->include, name)) == 0)
			continue;
		if (i > VERSION_MAX_PARTS) {
			*cause = xasprintf("regex-order compares at most %d "
			    "groups (c1 to c%d)", VERSION_MAX_PARTS,
			    VERSION_MAX_PARTS);
			return -1;
		}
		if (last != i - 1) {
			*cause = xasprintf("regex-order group c%d without "
			    "c%d", i, last + 1);
			return -1;
		}
		f->groups[f->ngroups++] = n;
		last = i;
	}
	if (f->ngroups == 0) {
		*cause = xstrdup("regex-order needs named groups c1, c2, ... "
		    "in include, as (?<c1>[0-9]+)");
		return -1;
	}
	return 0;
}

/* Compile include/exclude (either may be NULL); NULL with *cause on error. */
struct filter *
filter_new(const char *include, const char *exclude, int versioning,
    int prereleases, char **cause)
{
	struct filter *f;
	char *why;

	f = xcalloc(1, sizeof *f);
	f->versioning = versioning;
	f->prereleases = prereleases;
	if (include != NULL) {
		if ((f->include = filter_compile(include, &why)) == NULL) {
			*cause = xasprintf("include: %s", why);
			free(why);
			filter_free(f);
			return NULL;
		}
		pcre2_pattern_info(f->include, PCRE2_INFO_CAPTURECOUNT,
		    &f->include_groups);
	}
	if (filter_find_groups(f, &why) != 0) {
		*cause = xasprintf("include: %s", why);
		free(why);
		filter_free(f);
		return NULL;
	}
	if (exclude != NULL) {
		if ((f->exclude = filter_compile(exclude, &why)) == NULL) {
			*cause = xasprintf("exclude: %s", why);
			free(why);
			filter_free(f);
			return NULL;
		}
	}
	f->mctx = filter_match_context();
	return f;
}

/* Check include against a scheme; 0 ok, -1 with *cause (caller frees). */
int
filter_check_scheme(const char *include, int versioning, char **cause)
{
	struct filter *f;
	char *why = NULL;

	f = filter_new(include, NULL, versioning, 0, &why);
	if (f == NULL) {
		/* Without the "include: " the caller names the key itself. */
		*cause = xstrdup(str_has_prefix(why, "include: ") ?
		    why + strlen("include: ") : why);
		free(why);
		return -1;
	}
	filter_free(f);
	return 0;
}

/* The total of a skipped record. */
int
filter_skipped_total(const struct filter_skipped *s)
{
	return s->drafts + s->prereleases + s->not_matching +
	    s->not_a_version;
}

/* Free a filter; accepts NULL. */
void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	pcre2_code_free(f->include);
	pcre2_code_free(f->exclude);
	pcre2_match_context_free(f->mctx);
	free(f);
}

/* Group g of the last match of md on subject, or NULL when unset. */
static const char *
filter_group_span(pcre2_match_data *md, int g, const char *subject,
    size_t *len)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	if (g <= 0 || (uint32_t)g >= pcre2_get_ovector_count(md) ||
	    ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g]) {
		*len = 0;
		return NULL;
	}
	*len = ov[2 * g + 1] - ov[2 * g];
	return subject + ov[2 * g];
}

/* s of len bytes minus one leading 'v', as a new string. */
static char *
filter_minus_v(const char *s, size_t len)
{
	if (len > 0 && s[0] == 'v')
		return xstrndup(s + 1, len - 1);
	return xstrndup(s, len);
}

/*
 * The regex-order key of the last include match on subject (md); 0 ok,
 * -1 when a component is not a number.
 */
static int
filter_group_key(const struct filter *f, pcre2_match_data *md,
    const char *subject, struct version_key *key)
{
	const char *groups[VERSION_MAX_PARTS], *pre;
	size_t lens[VERSION_MAX_PARTS], prelen, i;

	for (i = 0; i < f->ngroups; i++)
		groups[i] = filter_group_span(md, f->groups[i], subject,
		    &lens[i]);
	pre = filter_group_span(md, f->group_pre, subject, &prelen);
	return version_key_from_groups(groups, lens, f->ngroups, pre, prelen,
	    key);
}

/*
 * The version spelling of tag (md holds the include match, when there is
 * an include). Caller frees.
 */
static char *
filter_spelling(const struct filter *f, const char *tag, pcre2_match_data *md)
{
	PCRE2_SIZE *ov;
	const char *g;
	size_t len;

	if (f == NULL || f->include == NULL)
		return filter_minus_v(tag, strlen(tag));
	if ((g = filter_group_span(md, f->group_version, tag, &len)) != NULL)
		return xstrndup(g, len);
	if (f->versioning == VERSIONING_REGEX_ORDER) {
		ov = pcre2_get_ovector_pointer(md);
		return filter_minus_v(tag + ov[0], ov[1] - ov[0]);
	}
	if (f->include_groups >= 1 &&
	    (g = filter_group_span(md, 1, tag, &len)) != NULL)
		return xstrndup(g, len);
	return filter_minus_v(tag, strlen(tag));
}

/* Whether exclude drops tag: 1 yes, 0 no, -1 error. */
static int
filter_excluded(const struct filter *f, const char *tag, pcre2_match_data *md)
{
	if (f == NULL || f->exclude == NULL)
		return 0;
	return filter_match(f->exclude, tag, md, f->mctx);
}

/*
 * Whether a tag looks like a version whatever the scheme: after one
 * optional v, digits, and either nothing else or a dot and more digits
 * (v1.55, 2024.10.1, 1.2.3.4-beta; not Nightly, r27, untagged-5b1f).
 */
static int
filter_version_like(const char *tag)
{
	const char *p = tag;

	if (*p == 'v' || *p == 'V')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	p += strspn(p, "0123456789");
	if (*p == '\0')
		return 1;
	return p[0] == '.' && p[1] >= '0' && p[1] <= '9';
}

/* Highest first; ties keep input order (src pointers ascend). */
static int
filter_sort_cmp(const void *va, const void *vb)
{
	const struct filtered_version *a = va, *b = vb;
	int c;

	if ((c = version_compare(&b->key, &a->key)) != 0)
		return c;
	return (a->src > b->src) - (a->src < b->src);
}

/*
 * One tag: 1 kept into *v, 0 skipped (counted in *sk). md_inc/md_exc hold
 * match data for include/exclude.
 */
static int
filter_one(const struct filter *f, const struct upstream_tag *t,
    pcre2_match_data *md_inc, pcre2_match_data *md_exc,
    struct filtered_version *v, struct filter_skipped *sk)
{
	int versioning = f != NULL ? f->versioning : VERSIONING_SEMVER;
	char *version;
	int rc;

	if (t->draft) {
		sk->drafts++;
		return 0;
	}
	if (t->prerelease && (f == NULL || !f->prereleases)) {
		sk->prereleases++;
		return 0;
	}
	if (t->tag == NULL || !refname_valid(t->tag)) {
		sk->not_a_version++;
		return 0;
	}
	if (f != NULL && f->include != NULL &&
	    filter_match(f->include, t->tag, md_inc, f->mctx) != 1) {
		sk->not_matching++;
		sk->version_like += filter_version_like(t->tag);
		return 0;
	}
	if ((rc = filter_excluded(f, t->tag, md_exc)) != 0) {
		sk->not_matching++;
		return 0;
	}
	version = filter_spelling(f, t->tag, md_inc);
	if (!version_spelling_valid(version))
		rc = -1;
	else if (versioning == VERSIONING_REGEX_ORDER)
		rc = filter_group_key(f, md_inc, t->tag, &v->key);
	else
		rc = version_parse(versioning, version, &v->key);
	if (rc != 0) {
		version_key_free(&v->key);
		free(version);
		sk->not_a_version++;
		sk->version_like += filter_version_like(t->tag);
		return 0;
	}
	v->version = version;
	v->src = t;
	return 1;
}

/*
 * Apply the filter (NULL: none) to n tags. *out is a new array or NULL when
 * nothing is kept; free with filter_result_free. skipped may be NULL.
 */
size_t
filter_apply(const struct filter *f, const struct upstream_tag *tags,
    size_t n, size_t max, struct filtered_version **out,
    struct filter_skipped *skipped)
{
	struct filtered_version *v = NULL;
	struct filter_skipped sk;
	pcre2_match_data *md_inc = NULL, *md_exc = NULL;
	size_t i, nv = 0, kept;

	*out = NULL;
	memset(&sk, 0, sizeof sk);
	if (n > 0)
		v = xcalloc(n, sizeof *v);
	if (f != NULL && f->include != NULL)
		md_inc = pcre2_match_data_create_from_pattern(f->include, NULL);
	if (f != NULL && f->exclude != NULL)
		md_exc = pcre2_match_data_create_from_pattern(f->exclude, NULL);
	if ((f != NULL && f->include != NULL && md_inc == NULL) ||
	    (f != NULL && f->exclude != NULL && md_exc == NULL))
		filter_oom();

	for (i = 0; i < n; i++)
		nv += (size_t)filter_one(f, &tags[i], md_inc, md_exc, &v[nv],
		    &sk);
	pcre2_match_data_free(md_inc);
	pcre2_match_data_free(md_exc);

	if (nv > 1)
		qsort(v, nv, sizeof *v, filter_sort_cmp);

	/* Drop duplicates of the same order; the first seen sorts first. */
	kept = 0;
	for (i = 0; i < nv; i++) {
		if (kept > 0 && version_compare(&v[kept - 1].key,
		    &v[i].key) == 0) {
			free(v[i].version);
			version_key_free(&v[i].key);
			continue;
		}
		if (kept != i)
			v[kept] = v[i];
		kept++;
	}
	if (max > 0 && kept > max) {
		for (i = max; i < kept; i++) {
			free(v[i].version);
			version_key_free(&v[i].key);
		}
		kept = max;
	}

	if (skipped != NULL)
		*skipped = sk;
	if (kept == 0) {
		free(v);
		return 0;
	}
	*out = v;
	return kept;
}

/* The key of a registry tag spelled like a version; 0 ok, -1 not one. */
int
filter_key(const struct filter *f, const char *spelling,
    struct version_key *out)
{
	pcre2_match_data *md;
	char *withv;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (f == NULL || f->versioning != VERSIONING_REGEX_ORDER)
		return version_parse(f != NULL ? f->versioning :
		    VERSIONING_SEMVER, spelling, out);
	if (spelling == NULL || !version_spelling_valid(spelling))
		return -1;
	md = pcre2_match_data_create_from_pattern(f->include, NULL);
	if (md == NULL)
		filter_oom();
	withv = xasprintf("v%s", spelling);
	if (filter_match(f->include, spelling, md, f->mctx) == 1)
		rc = filter_group_key(f, md, spelling, out);
	else if (filter_match(f->include, withv, md, f->mctx) == 1)
		rc = filter_group_key(f, md, withv, out);
	if (rc != 0)
		version_key_free(out);
	free(withv);
	pcre2_match_data_free(md);
	return rc;
}

/* Free a result array of n entries; accepts NULL. */
void
filter_result_free(struct filtered_version *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].version);
		version_key_free(&v[i].key);
	}
	free(v);
}

/* Compile a UI filter pattern; NULL with *cause on error. */
struct rx *
rx_new(const char *pattern, char **cause)
{
	struct rx *rx;
	pcre2_code *code;

	if ((code = filter_compile(pattern, cause)) == NULL)
		return NULL;
	rx = xcalloc(1, sizeof *rx);
	rx->code = code;
	rx->mctx = filter_match_context();
	return rx;
}

/*
 * Whether a pattern asks for case: an upper-case letter that is not the
 * letter of an escape (\S, \D, \W, \B, \Q...).
 */
static int
rx_has_upper(const char *p)
{
	for (; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0')
				break;
			p++;
			continue;
		}
		if (*p >= 'A' && *p <= 'Z')
			return 1;
	}
	return 0;
}

/* A UI filter with smart case: caseless unless it has an upper-case letter. */
struct rx *
rx_new_smart(const char *pattern, char **cause)
{
	struct rx *rx;
	pcre2_code *code;

	if (pattern == NULL)
		return rx_new(pattern, cause);
	if ((code = filter_compile_opts(pattern, rx_has_upper(pattern) ? 0 :
	    PCRE2_CASELESS, cause)) == NULL)
		return NULL;
	rx = xcalloc(1, sizeof *rx);
	rx->code = code;
	rx->mctx = filter_match_context();
	return rx;
}

/* Match subject (NULL never matches): 1 match, 0 no match, -1 error. */
int
rx_match(const struct rx *rx, const char *subject)
{
	pcre2_match_data *md;
	int rc;

	if (rx == NULL || subject == NULL)
		return 0;
	md = pcre2_match_data_create(1, NULL);
	if (md == NULL)
		return -1;
	rc = filter_match(rx->code, subject, md, rx->mctx);
	pcre2_match_data_free(md);
	return rc;
}

/* Free a compiled UI filter; accepts NULL. */
void
rx_free(struct rx *rx)
{
	if (rx == NULL)
		return;
	pcre2_code_free(rx->code);
	pcre2_match_context_free(rx->mctx);
	free(rx);
}
