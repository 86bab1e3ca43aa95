/*
 * source-registry.c — the registry-tags upstream.
 *
 * The pool keeps one registry client per host and scheme for as long as
 * the refresher lives, so a token and the credentials looked up for a host
 * are reused across refreshes and across apps on the same registry. A
 * fetch is one registry_list_tags() call; its answer becomes a
 * source_result like any other upstream's, in the registry's order (tags
 * sorted by name), without dates.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "registry.h"
#include "registry-dockerhub.h"
#include "source-registry.h"
#include "util.h"

struct upstream_reg {
	char			*host;
	int			 plain_http;
	struct registry		*reg;
	struct upstream_reg	*next;
};

struct registry_fetch {
	struct upstream_regs	*pool;
	struct registry		*reg;
	char			*label;		/* "registry-tags host/repo" */
	source_cb		 cb;
	void			*arg;
	struct registry_fetch	*next;		/* in flight */
};

struct upstream_regs {
	struct http		*http;
	struct upstream_reg	*regs;
	struct registry_fetch	*fetches;
};

struct upstream_regs *
upstream_regs_new(struct http *http)
{
	struct upstream_regs *p = xcalloc(1, sizeof *p);

	p->http = http;
	return p;
}

/* Unlink and free a fetch (its request is done or cancelled). */
static void
registry_fetch_free(struct registry_fetch *f)
{
	struct registry_fetch **pp;

	for (pp = &f->pool->fetches; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	free(f->label);
	free(f);
}

void
upstream_regs_free(struct upstream_regs *p)
{
	struct upstream_reg *u, *next;

	if (p == NULL)
		return;
	while (p->fetches != NULL) {
		registry_cancel_arg(p->fetches->reg, p->fetches);
		registry_fetch_free(p->fetches);
	}
	for (u = p->regs; u != NULL; u = next) {
		next = u->next;
		registry_free(u->reg);
		free(u->host);
		free(u);
	}
	free(p);
}

/* The pool's client for host over plain_http, made on first use. */
static struct registry *
upstream_reg(struct upstream_regs *p, const char *host, int plain_http)
{
	struct upstream_reg *u;

	for (u = p->regs; u != NULL; u = u->next) {
		if (u->plain_http == plain_http && strcmp(u->host, host) == 0)
			return u->reg;
	}
	u = xcalloc(1, sizeof *u);
	u->host = xstrdup(host);
	u->plain_http = plain_http;
	u->reg = registry_new(p->http, host, plain_http);
	u->next = p->regs;
	p->regs = u;
	return u->reg;
}

static void
registry_fetch_done(int status, char *const *tags, size_t n,
    const char *errmsg, void *arg)
{
	struct registry_fetch *f = arg;
	struct source_result *res = xcalloc(1, sizeof *res);
	source_cb cb = f->cb;
	void *cbarg = f->arg;
	size_t i;

	res->pages = 1;
	if (status == 0) {
		res->tags = xcalloc(n ? n : 1, sizeof *res->tags);
		for (i = 0; i < n; i++)
			res->tags[i].tag = xstrdup(tags[i]);
		res->ntags = n;
	} else if (status == 1) {
		res->error = xasprintf("%s: repository not found (or not "
		    "readable with the credentials for its registry)",
		    f->label);
	} else {
		res->error = xasprintf("%s: %s", f->label,
		    errmsg != NULL ? errmsg : "error");
	}
	registry_fetch_free(f);
	cb(res, cbarg);
}

int
source_registry_fetch(struct upstream_regs *p, const struct source_config *sc,
    source_cb cb, void *arg)
{
	struct registry_fetch *f;
	char *repo;

	if (p == NULL || sc == NULL || cb == NULL ||
	    sc->type != SOURCE_REGISTRY_TAGS || sc->registry == NULL ||
	    sc->repository == NULL || *sc->registry == '\0' ||
	    *sc->repository == '\0')
		return -1;
	f = xcalloc(1, sizeof *f);
	f->pool = p;
	f->reg = upstream_reg(p, sc->registry, sc->plain_http);
	f->label = xasprintf("registry-tags %s/%s", sc->registry,
	    sc->repository);
	f->cb = cb;
	f->arg = arg;
	f->next = p->fetches;
	p->fetches = f;
	repo = registry_dockerhub_repo(sc->registry, sc->repository);
	registry_list_tags(f->reg, repo, registry_fetch_done, f);
	free(repo);
	return 0;
}
