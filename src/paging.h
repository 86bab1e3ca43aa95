/*
 * paging.h — lists that come in pages.
 *
 * When the first page of a list names its last page (Link rel="last" with a
 * page number: GitHub, GitLab, Gitea; X-Total-Pages: GitLab; X-Total-Count
 * with the page size: Gitea), the pages after it can be asked for at once
 * instead of one after another. Lists paged by a cursor (keyset pagination,
 * registry tag lists' last=) name no last page and are walked in order.
 *
 * paging_plan() reads the first page's response; struct paging then keeps
 * a bounded number of page requests in flight and one result slot per page,
 * so that the caller can put the pages back in order whatever order they
 * arrive in. No I/O here: the caller starts the requests.
 */
#ifndef MT_PAGING_H
#define MT_PAGING_H

#include <stddef.h>

struct http_response;

/*
 * The last page named by first (the response to url, the list's first
 * page, which held count entries); 0 when it names none or only itself.
 * On success *tmpl is the URL to derive page URLs from (caller frees).
 * Every header is hostile input: numbers are bounded and a "last" link
 * whose page number cannot be read plans nothing.
 */
long		 paging_plan(const struct http_response *first, const char *url,
		     size_t count, char **tmpl);

/* tmpl with its page query parameter set to page. Caller frees. */
char		*paging_url(const char *tmpl, long page);

struct paging;

/*
 * Pages from..last of tmpl, at most max_inflight requested at once. The
 * caller owns what it stores in the slots (paging_set) and frees it before
 * paging_free.
 */
struct paging	*paging_new(const char *tmpl, long from, long last,
		     int max_inflight);
void		 paging_free(struct paging *);		/* accepts NULL */

/*
 * The next page to request, or 0 when none may start now (all started, or
 * max_inflight in flight). *url is its URL (caller frees).
 */
long		 paging_next(struct paging *, char **url);
/* A page's request finished (successfully or not). */
void		 paging_done(struct paging *, long page);
/* Whether every page has been requested and answered. */
int		 paging_complete(const struct paging *);
long		 paging_first(const struct paging *);
long		 paging_last(const struct paging *);
int		 paging_inflight(const struct paging *);

/* The caller's result for a page (borrowed in, borrowed out). */
void		 paging_set(struct paging *, long page, void *data);
void		*paging_get(const struct paging *, long page);

#endif
