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
	pcre2_match_context	*mctx;
};

struct rx {
	pcre2_code		*code;
	pcre2_match_context	*mctx;
};

/* Compile re; NULL with *cause = "<message> at offset N" (caller frees). */
static pcre2_code *
filter_compile(const char *re, char **cause)
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
	    FILTER_COMPILE_OPTIONS, &error, &off, cctx);
	pcre2_compile_context_free(cctx);
	if (code == NULL) {
		if (pcre2_get_error_message(error, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", error);
		*cause = xasprintf("%s at offset %zu", (char *)msg,
		    (size_t)off);
	}
	return code;
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

/* Compile include/exclude (either may be NULL); NULL with *cause on error. */
struct filter *
filter_new(const char *include, const char *exclude, char **cause)
{
	struct filter *f;
	char *why;

	f = xcalloc(1, sizeof *f);
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

/*
 * The version string of tag t, or NULL if the tag is dropped (*problem set
 * if it should count as skipped). md holds the include match. Caller frees.
 */
static char *
filter_version(const struct filter *f, const char *tag, pcre2_match_data *md,
    int *problem)
{
	PCRE2_SIZE *ov;
	int rc;

	*problem = 0;
	if (f != NULL && f->include != NULL) {
		rc = filter_match(f->include, tag, md, f->mctx);
		if (rc != 1) {
			*problem = rc < 0;
			return NULL;
		}
		if (f->include_groups >= 1) {
			ov = pcre2_get_ovector_pointer(md);
			if (ov[2] != PCRE2_UNSET && ov[3] >= ov[2])
				return xstrndup(tag + ov[2], ov[3] - ov[2]);
		}
	}
	return xstrdup(tag[0] == 'v' ? tag + 1 : tag);
}

/* Whether tag is dropped by exclude: 1 yes, 0 no, -1 error. */
static int
filter_excluded(const struct filter *f, const char *tag, pcre2_match_data *md)
{
	if (f == NULL || f->exclude == NULL)
		return 0;
	return filter_match(f->exclude, tag, md, f->mctx);
}

/* Highest precedence first; ties keep input order (src pointers ascend). */
static int
filter_sort_cmp(const void *va, const void *vb)
{
	const struct filtered_version *a = va, *b = vb;
	int c;

	if ((c = semver_compare(&b->sv, &a->sv)) != 0)
		return c;
	return (a->src > b->src) - (a->src < b->src);
}

/*
 * Apply the filter (NULL: none) to n tags. *out is a new array or NULL when
 * nothing is kept; free with filter_result_free. skipped may be NULL.
 */
size_t
filter_apply(const struct filter *f, const struct upstream_tag *tags,
    size_t n, size_t max, struct filtered_version **out, int *skipped)
{
	struct filtered_version *v = NULL;
	pcre2_match_data *md_inc = NULL, *md_exc = NULL;
	size_t i, nv = 0, kept;
	int nskipped = 0, problem, rc;
	char *version;

	*out = NULL;
	if (n > 0)
		v = xcalloc(n, sizeof *v);
	if (f != NULL && f->include != NULL)
		md_inc = pcre2_match_data_create_from_pattern(f->include, NULL);
	if (f != NULL && f->exclude != NULL)
		md_exc = pcre2_match_data_create_from_pattern(f->exclude, NULL);
	if ((f != NULL && f->include != NULL && md_inc == NULL) ||
	    (f != NULL && f->exclude != NULL && md_exc == NULL))
		filter_oom();

	for (i = 0; i < n; i++) {
		const struct upstream_tag *t = &tags[i];

		if (t->draft)
			continue;
		if (!refname_valid(t->tag)) {
			nskipped++;
			continue;
		}
		version = filter_version(f, t->tag, md_inc, &problem);
		if (version == NULL) {
			nskipped += problem;
			continue;
		}
		if ((rc = filter_excluded(f, t->tag, md_exc)) != 0) {
			nskipped += rc < 0;
			free(version);
			continue;
		}
		if (semver_parse(version, &v[nv].sv) != 0) {
			nskipped++;
			free(version);
			continue;
		}
		v[nv].version = version;
		v[nv].src = t;
		nv++;
	}
	pcre2_match_data_free(md_inc);
	pcre2_match_data_free(md_exc);

	if (nv > 1)
		qsort(v, nv, sizeof *v, filter_sort_cmp);

	/* Drop equal-precedence duplicates; the first seen sorts first. */
	kept = 0;
	for (i = 0; i < nv; i++) {
		if (kept > 0 && semver_compare(&v[kept - 1].sv, &v[i].sv) == 0) {
			free(v[i].version);
			semver_free(&v[i].sv);
			continue;
		}
		if (kept != i)
			v[kept] = v[i];
		kept++;
	}
	if (max > 0 && kept > max) {
		for (i = max; i < kept; i++) {
			free(v[i].version);
			semver_free(&v[i].sv);
		}
		kept = max;
	}

	if (skipped != NULL)
		*skipped = nskipped;
	if (kept == 0) {
		free(v);
		return 0;
	}
	*out = v;
	return kept;
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
		semver_free(&v[i].sv);
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
