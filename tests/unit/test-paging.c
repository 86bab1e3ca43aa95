/*
 * test-paging.c — which first pages name their last page (and so let the
 * others be fetched at once), the page URLs derived from them, and the
 * bounded schedule.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "paging.h"
#include "tap.h"

#define GH	"https://api.github.com/repos/o/r/releases?per_page=100"
#define GL	"https://gitlab.com/api/v4/projects/g%2Fp/repository/tags" \
		"?per_page=100"

/* One first-page response: its URL, page size and up to 4 headers. */
static const struct {
	const char	*what;
	const char	*url;
	size_t		 count;
	const char	*h[4][2];
	long		 want_last;
	const char	*want_page3;	/* URL of page 3, when planned */
} plan_cases[] = {
	{ "github Link rel=last", GH, 100,
	  { { "Link", "<https://api.github.com/repositories/7/releases?"
	      "per_page=100&page=2>; rel=\"next\", <https://api.github.com/"
	      "repositories/7/releases?per_page=100&page=4>; rel=\"last\"" } },
	  4, "https://api.github.com/repositories/7/releases?per_page=100"
	  "&page=3" },
	{ "relative Link, rel list", GH, 100,
	  { { "link", "</repos/o/r/releases?page=2&per_page=100>; "
	      "rel=\"next\", </repos/o/r/releases?page=3&per_page=100>; "
	      "rel=\"last first\"" } },
	  3, "https://api.github.com/repos/o/r/releases?per_page=100&page=3" },
	{ "gitlab X-Total-Pages, no Link", GL, 100,
	  { { "X-Total-Pages", "3" }, { "X-Next-Page", "2" } },
	  3, GL "&page=3" },
	{ "gitlab tags quirk: X-Total bounds X-Total-Pages", GL, 100,
	  { { "x-total-pages", "3" }, { "x-total", "200" },
	    { "x-per-page", "100" } },
	  2, NULL },
	{ "gitlab, everything on page 1", GL, 100,
	  { { "x-total-pages", "2" }, { "x-total", "100" },
	    { "x-per-page", "100" } },
	  0, NULL },
	{ "gitea X-Total-Count, limit", "https://gitea.example/api/v1/repos/"
	  "o/r/releases?limit=50", 50,
	  { { "X-Total-Count", "120" } },
	  3, "https://gitea.example/api/v1/repos/o/r/releases?limit=50&page=3" },
	{ "gitea X-Total-Count, page size of page 1", "https://gitea.example/"
	  "api/v1/repos/o/r/tags", 30,
	  { { "X-Total-Count", "61" } },
	  3, "https://gitea.example/api/v1/repos/o/r/tags?page=3" },
	{ "keyset: cursor in next, no last", GL "&pagination=keyset", 100,
	  { { "Link", "<https://gitlab.com/api/v4/projects/g%2Fp/repository/"
	      "tags?pagination=keyset&per_page=100&page_token=abc>; "
	      "rel=\"next\"" } },
	  0, NULL },
	{ "keyset next although a total is given", GL, 100,
	  { { "Link", "<https://gitlab.com/x?cursor=eyJ>; rel=\"next\"" },
	    { "X-Total-Pages", "5" } },
	  0, NULL },
	{ "registry tags: last= cursor", "https://ghcr.io/v2/o/r/tags/list"
	  "?n=100", 100,
	  { { "Link", "</v2/o/r/tags/list?last=v9&n=100>; rel=\"next\"" } },
	  0, NULL },
	{ "last link without a page number", GH, 100,
	  { { "Link", "<https://api.github.com/x?per_page=100&page=2>; "
	      "rel=\"next\", <https://api.github.com/x?after=Y2>; "
	      "rel=\"last\"" } },
	  0, NULL },
	{ "hostile page number", GH, 100,
	  { { "Link", "<https://api.github.com/x?page=99999999999>; "
	      "rel=\"last\"" } },
	  0, NULL },
	{ "negative total", GL, 100,
	  { { "X-Total-Pages", "-4" } },
	  0, NULL },
	{ "not the first page", GH "&page=2", 100,
	  { { "Link", "<https://api.github.com/x?page=4>; rel=\"last\"" } },
	  0, NULL },
	{ "empty first page", GH, 0,
	  { { "Link", "<https://api.github.com/x?page=4>; rel=\"last\"" } },
	  0, NULL },
	{ "no hint at all", GH, 100, { { NULL } }, 0, NULL },
};

/* Run the plan table. */
static void
test_plan(void)
{
	struct http_header hdr[4];
	struct http_response r;
	size_t i, j;
	char *tmpl, *u;
	long last;

	for (i = 0; i < sizeof plan_cases / sizeof plan_cases[0]; i++) {
		memset(&r, 0, sizeof r);
		r.status = 200;
		r.url = (char *)plan_cases[i].url;
		r.headers = hdr;
		for (j = 0; j < 4 && plan_cases[i].h[j][0] != NULL; j++) {
			hdr[j].name = (char *)plan_cases[i].h[j][0];
			hdr[j].value = (char *)plan_cases[i].h[j][1];
		}
		r.nheaders = j;
		last = paging_plan(&r, plan_cases[i].url, plan_cases[i].count,
		    &tmpl);
		is_int(last, plan_cases[i].want_last, "plan: %s",
		    plan_cases[i].what);
		if (last == 0) {
			ok(tmpl == NULL, "plan: %s: no template",
			    plan_cases[i].what);
			continue;
		}
		if (plan_cases[i].want_page3 != NULL) {
			u = paging_url(tmpl, 3);
			is_str(u, plan_cases[i].want_page3, "plan: %s: page 3",
			    plan_cases[i].what);
			free(u);
		}
		free(tmpl);
	}
}

/* paging_url keeps every other parameter and the fragment out. */
static void
test_url(void)
{
	static const struct {
		const char *tmpl;
		long page;
		const char *want;
	} c[] = {
		{ "http://h/x", 2, "http://h/x?page=2" },
		{ "http://h/x?", 2, "http://h/x?page=2" },
		{ "http://h/x?page=9", 3, "http://h/x?page=3" },
		{ "http://h/x?a=1&page=9&b=2", 4, "http://h/x?a=1&b=2&page=4" },
		{ "http://h/x?a=1&&pages=2", 5, "http://h/x?a=1&pages=2&page=5" },
		{ "http://h/x?a=1#frag", 6, "http://h/x?a=1&page=6" },
		{ "http://h/x#frag", 7, "http://h/x?page=7" },
	};
	size_t i;
	char *u;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		u = paging_url(c[i].tmpl, c[i].page);
		is_str(u, c[i].want, "url: %s page %ld", c[i].tmpl, c[i].page);
		free(u);
	}
}

/* The schedule: bounded in flight, every page once, slots by page. */
static void
test_schedule(void)
{
	struct paging *p;
	char *u;
	long page, started[16];
	int n = 0, i;

	ok(paging_new("http://h/x", 2, 1, 4) == NULL, "empty range refused");
	p = paging_new("http://h/x?per_page=100", 2, 7, 3);
	while ((page = paging_next(p, &u)) != 0) {
		started[n++] = page;
		free(u);
	}
	is_int(n, 3, "three pages in flight at most");
	is_int(paging_inflight(p), 3, "three in flight");
	ok(paging_next(p, &u) == 0 && u == NULL, "none more until one ends");
	paging_set(p, 3, (void *)"three");
	paging_done(p, 3);
	page = paging_next(p, &u);
	is_int(page, 5, "the next page starts when one ends");
	is_str(u, "http://h/x?per_page=100&page=5", "its URL");
	free(u);
	started[n++] = page;
	for (i = 0; i < n; i++) {
		if (started[i] != 3)
			paging_done(p, started[i]);
	}
	while ((page = paging_next(p, &u)) != 0) {
		started[n++] = page;
		free(u);
		paging_done(p, page);
	}
	is_int(n, 6, "pages 2..7 each started once");
	for (i = 0; i < n; i++)
		is_int(started[i], 2 + i, "page %d started in order", 2 + i);
	ok(paging_complete(p), "complete");
	is_str(paging_get(p, 3), "three", "slot of page 3");
	ok(paging_get(p, 4) == NULL, "empty slot");
	ok(paging_get(p, 8) == NULL, "out of range");
	paging_done(p, 9);	/* ignored */
	ok(paging_complete(p), "still complete");
	paging_free(p);
	paging_free(NULL);
}

int
main(void)
{
	test_plan();
	test_url();
	test_schedule();
	return tap_done();
}
