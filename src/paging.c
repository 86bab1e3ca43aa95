/*
 * paging.c — which pages of a list can be asked for at once, and a bounded
 * schedule for asking.
 *
 * A first page may name its last page in three ways: a Link rel="last"
 * whose URL carries a page number (GitHub, GitLab's offset pagination,
 * Gitea), X-Total-Pages (GitLab, also when a proxy strips Link), or
 * X-Total-Count (Gitea) with the page size. X-Total with X-Per-Page, when
 * present, bounds the count: GitLab's first page of tags always claims a
 * page more than there is. Anything else (a cursor in the next link, no
 * hint at all) plans nothing, and the caller walks rel="next" in order.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "paging.h"
#include "util.h"

/* A page number larger than this is not believed. */
#define PAGING_MAX_PAGE		1000000L

struct paging {
	char		*tmpl;
	long		 from;		/* first page of the schedule */
	long		 last;
	long		 next;		/* next page to start */
	long		 answered;
	int		 max_inflight;
	int		 inflight;
	void		**data;		/* one slot per page from..last */
};

/* A decimal number in [lo, hi] spanning exactly s[0..len); -1 if not. */
static long
paging_number(const char *s, size_t len, long lo, long hi)
{
	long n = 0;
	size_t i;

	if (len == 0 || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n < lo || n > hi ? -1 : n;
}

/*
 * The value of query parameter name in url: 1 found (*val, *len set),
 * 0 absent.
 */
static int
paging_query(const char *url, const char *name, const char **val,
    size_t *len)
{
	const char *p, *amp, *eq;
	size_t n = strlen(name);

	if ((p = strchr(url, '?')) == NULL)
		return 0;
	for (p++; *p != '\0' && *p != '#'; p = *amp == '&' ? amp + 1 : amp) {
		amp = p + strcspn(p, "&#");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq != NULL && (size_t)(eq - p) == n &&
		    strncmp(p, name, n) == 0) {
			*val = eq + 1;
			*len = (size_t)(amp - eq - 1);
			return 1;
		}
	}
	return 0;
}

/* The page number in url: the page parameter, 1 when absent, -1 if bad. */
static long
paging_page_of(const char *url)
{
	const char *v;
	size_t len;

	if (!paging_query(url, "page", &v, &len))
		return 1;
	return paging_number(v, len, 1, PAGING_MAX_PAGE);
}

/* A header as a bounded non-negative number; -1 when absent or bad. */
static long
paging_header(const struct http_response *r, const char *name)
{
	const char *v = http_header(r, name);

	if (v == NULL)
		return -1;
	return paging_number(v, strlen(v), 0, 1000000000L);
}

/* The first rel="last" target of r's Link headers, resolved; or NULL. */
static char *
paging_link_last(const struct http_response *r, const char *base)
{
	char *t = NULL;
	size_t i;

	for (i = 0; i < r->nheaders && t == NULL; i++) {
		if (strcasecmp(r->headers[i].name, "link") == 0)
			t = http_link_rel(r->headers[i].value, "last", base);
	}
	return t;
}

/* Whether r has a Link header with a rel="next" whose page is not 2. */
static int
paging_next_elsewhere(const struct http_response *r, const char *base)
{
	char *t = NULL;
	size_t i;
	int odd;

	for (i = 0; i < r->nheaders && t == NULL; i++) {
		if (strcasecmp(r->headers[i].name, "link") == 0)
			t = http_link_next(r->headers[i].value, base);
	}
	if (t == NULL)
		return 0;
	odd = paging_page_of(t) != 2;
	free(t);
	return odd;
}

/* How many pages the list has, from its first page; 0 when unknown. */
long
paging_plan(const struct http_response *first, const char *url,
    size_t count, char **tmpl)
{
	const char *base, *v;
	char *link;
	long last = 0, total, per, n;
	size_t len;

	*tmpl = NULL;
	if (first == NULL || url == NULL || count == 0)
		return 0;
	base = first->url != NULL ? first->url : url;
	/* Only a list's first page plans the rest. */
	if (paging_page_of(base) != 1)
		return 0;
	/* A next link that does not lead to page 2 is a cursor. */
	if (paging_next_elsewhere(first, base))
		return 0;

	if ((link = paging_link_last(first, base)) != NULL) {
		if ((last = paging_page_of(link)) < 0 ||
		    !paging_query(link, "page", &v, &len)) {
			free(link);	/* a cursor, or unreadable */
			return 0;
		}
		*tmpl = link;
	} else if ((n = paging_header(first, "x-total-pages")) > 0) {
		last = n;
	} else if ((total = paging_header(first, "x-total-count")) >= 0) {
		/* Gitea: the page size is what was asked for, or page 1's. */
		per = -1;
		if (paging_query(base, "limit", &v, &len) ||
		    paging_query(base, "per_page", &v, &len))
			per = paging_number(v, len, 1, PAGING_MAX_PAGE);
		if (per < 1)
			per = (long)count;
		last = total / per + (total % per != 0);
	}
	if (last > PAGING_MAX_PAGE)
		last = 0;
	/* The record count bounds the page count when both are given. */
	total = paging_header(first, "x-total");
	per = paging_header(first, "x-per-page");
	if (total >= 0 && per > 0) {
		n = total / per + (total % per != 0);
		if (n < last)
			last = n;
	}
	if (last < 2) {
		free(*tmpl);
		*tmpl = NULL;
		return 0;
	}
	if (*tmpl == NULL)
		*tmpl = xstrdup(base);
	return last;
}

/* tmpl with its page parameter set to page. Caller frees. */
char *
paging_url(const char *tmpl, long page)
{
	struct buf b;
	const char *q, *p, *amp;
	int first = 1;

	buf_init(&b, 0);
	q = strchr(tmpl, '?');
	if (q == NULL) {
		buf_append(&b, tmpl, strcspn(tmpl, "#"));
		buf_printf(&b, "?page=%ld", page);
		return buf_steal(&b);
	}
	buf_append(&b, tmpl, (size_t)(q - tmpl) + 1);
	for (p = q + 1; *p != '\0' && *p != '#'; p = *amp == '&' ? amp + 1 :
	    amp) {
		amp = p + strcspn(p, "&#");
		if (amp == p || ((size_t)(amp - p) >= 5 &&
		    strncmp(p, "page=", 5) == 0))
			continue;
		if (!first)
			buf_append(&b, "&", 1);
		buf_append(&b, p, (size_t)(amp - p));
		first = 0;
	}
	buf_printf(&b, "%spage=%ld", first ? "" : "&", page);
	return buf_steal(&b);
}

/* A schedule for pages from..last, max_inflight at once. */
struct paging *
paging_new(const char *tmpl, long from, long last, int max_inflight)
{
	struct paging *p;

	if (tmpl == NULL || from < 1 || last < from)
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->tmpl = xstrdup(tmpl);
	p->from = p->next = from;
	p->last = last;
	p->max_inflight = max_inflight > 0 ? max_inflight : 1;
	p->data = xcalloc((size_t)(last - from + 1), sizeof *p->data);
	return p;
}

/* Free the schedule (not what the caller stored in it). */
void
paging_free(struct paging *p)
{
	if (p == NULL)
		return;
	free(p->tmpl);
	free(p->data);
	free(p);
}

/* The next page to start, or 0; *url is its URL (caller frees). */
long
paging_next(struct paging *p, char **url)
{
	*url = NULL;
	if (p->next > p->last || p->inflight >= p->max_inflight)
		return 0;
	p->inflight++;
	*url = paging_url(p->tmpl, p->next);
	return p->next++;
}

/* A page's request finished. */
void
paging_done(struct paging *p, long page)
{
	if (page < p->from || page >= p->next || p->inflight == 0)
		return;
	p->inflight--;
	p->answered++;
}

/* Whether every page was requested and answered. */
int
paging_complete(const struct paging *p)
{
	return p->answered == p->last - p->from + 1;
}

long
paging_first(const struct paging *p)
{
	return p->from;
}

long
paging_last(const struct paging *p)
{
	return p->last;
}

int
paging_inflight(const struct paging *p)
{
	return p->inflight;
}

/* Store the caller's result for a page. */
void
paging_set(struct paging *p, long page, void *data)
{
	if (page >= p->from && page <= p->last)
		p->data[page - p->from] = data;
}

/* The caller's result for a page, or NULL. */
void *
paging_get(const struct paging *p, long page)
{
	if (page < p->from || page > p->last)
		return NULL;
	return p->data[page - p->from];
}
