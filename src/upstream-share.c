/*
 * upstream-share.c — one fetch per upstream.
 *
 * A group is one source_fetch() in flight and the callers waiting for it;
 * the key is everything that decides which list is read and with which
 * token. The first waiter of a group gets the result itself, the others a
 * deep copy, so that every caller owns what it is given.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "source-registry.h"
#include "upstream-share.h"
#include "util.h"

#define SHARE_MAX_WAITERS 256

struct share_waiter {
	source_cb	 cb;
	void		*arg;
};

struct share_group {
	struct share		*share;
	char			*key;
	struct share_waiter	*waiters;
	size_t			 nwaiters;
	struct share_group	*next;
};

struct share {
	struct http		*http;
	struct upstream_regs	*regs;		/* registry-tags clients */
	struct share_group	*groups;	/* in flight */
	unsigned long		 fetches, joins;
};

/* A new share for fetches on http. */
struct share *
share_new(struct http *http)
{
	struct share *s = xcalloc(1, sizeof *s);

	s->http = http;
	s->regs = upstream_regs_new(http);
	return s;
}

/* Free one group (not its fetch). */
static void
share_group_free(struct share_group *g)
{
	free(g->key);
	free(g->waiters);
	free(g);
}

/* Free the share; accepts NULL. */
void
share_free(struct share *s)
{
	struct share_group *g, *next;

	if (s == NULL)
		return;
	for (g = s->groups; g != NULL; g = next) {
		next = g->next;
		share_group_free(g);
	}
	upstream_regs_free(s->regs);
	free(s);
}

/* What identifies a list: "type\nrepo\nproject\napi\nbase\ntoken_env"
 * (and for a registry, "\nregistry\nrepository\nplain_http"). */
static char *
share_key(const struct source_config *sc)
{
	if (sc->type == SOURCE_REGISTRY_TAGS)
		return xasprintf("%d\n%s\n%s\n%d", (int)sc->type,
		    sc->registry != NULL ? sc->registry : "",
		    sc->repository != NULL ? sc->repository : "",
		    sc->plain_http);
	return xasprintf("%d\n%s\n%s\n%s\n%s\n%s", (int)sc->type,
	    sc->repo != NULL ? sc->repo : "",
	    sc->project != NULL ? sc->project : "",
	    sc->api != NULL ? sc->api : "",
	    sc->base_url != NULL ? sc->base_url : "",
	    sc->token_env != NULL ? sc->token_env : "");
}

/* A deep copy of a result. Caller frees (source_result_free). */
static struct source_result *
share_copy(const struct source_result *res)
{
	struct source_result *c;
	size_t i;

	c = xcalloc(1, sizeof *c);
	*c = *res;
	c->error = xstrdup(res->error);
	c->tags = NULL;
	if (res->ntags > 0) {
		c->tags = xcalloc(res->ntags, sizeof *c->tags);
		for (i = 0; i < res->ntags; i++) {
			c->tags[i] = res->tags[i];
			c->tags[i].tag = xstrdup(res->tags[i].tag);
			c->tags[i].name = xstrdup(res->tags[i].name);
			c->tags[i].published_at =
			    xstrdup(res->tags[i].published_at);
			c->tags[i].html_url = xstrdup(res->tags[i].html_url);
		}
	}
	return c;
}

/* The group's list arrived: every waiter gets its own result. */
static void
share_done(struct source_result *res, void *arg)
{
	struct share_group *g = arg, **pp;
	struct share *s = g->share;
	size_t i;

	/* Unlinked first: a callback may start a fetch of the same list. */
	for (pp = &s->groups; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	for (i = 1; i < g->nwaiters; i++)
		g->waiters[i].cb(share_copy(res), g->waiters[i].arg);
	if (g->nwaiters > 0)
		g->waiters[0].cb(res, g->waiters[0].arg);
	else
		source_result_free(res);
	share_group_free(g);
}

/* Fetch sc's list, or join an identical fetch in flight. */
int
share_fetch(struct share *s, const struct source_config *sc, source_cb cb,
    void *arg)
{
	struct share_group *g;
	char *key = share_key(sc);

	for (g = s->groups; g != NULL; g = g->next) {
		if (strcmp(g->key, key) == 0 &&
		    g->nwaiters < SHARE_MAX_WAITERS)
			break;
	}
	if (g != NULL) {
		free(key);
		g->waiters = xreallocarray(g->waiters, g->nwaiters + 1,
		    sizeof *g->waiters);
		g->waiters[g->nwaiters].cb = cb;
		g->waiters[g->nwaiters].arg = arg;
		g->nwaiters++;
		s->joins++;
		return 0;
	}
	g = xcalloc(1, sizeof *g);
	g->share = s;
	g->key = key;
	g->waiters = xcalloc(1, sizeof *g->waiters);
	g->waiters[0].cb = cb;
	g->waiters[0].arg = arg;
	g->nwaiters = 1;
	g->next = s->groups;
	s->groups = g;
	if ((sc->type == SOURCE_REGISTRY_TAGS ?
	    source_registry_fetch(s->regs, sc, share_done, g) :
	    source_fetch(s->http, sc, share_done, g)) == -1) {
		s->groups = g->next;
		share_group_free(g);
		return -1;
	}
	s->fetches++;
	return 0;
}

/* Fetches started, and joins that needed none. */
void
share_counts(const struct share *s, unsigned long *fetches,
    unsigned long *joins)
{
	*fetches = s->fetches;
	*joins = s->joins;
}
