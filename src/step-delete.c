/* step-delete.c — delete an untagged GHCR package version, re-checked. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core.h"
#include "ghcr-packages.h"
#include "model.h"
#include "plan.h"
#include "step-delete.h"
#include "util.h"

struct delete_op {
	struct core	*core;
	struct ghcr_op	*op;
	char		*api;
	char		*token;
	char		*repo;
	char		*digest;
	long long	 id;
	delete_cb	 cb;
	void		*arg;
};

static void
delete_free(struct delete_op *d)
{
	if (d->token != NULL)
		explicit_bzero(d->token, strlen(d->token));
	free(d->token);
	free(d->api);
	free(d->repo);
	free(d->digest);
	free(d);
}

static void
delete_deleted(int status, const char *errmsg, void *arg)
{
	struct delete_op *d = arg;

	d->op = NULL;
	d->cb(status == GHCR_DELETED ? DELETE_DONE : status == GHCR_GONE ?
	    DELETE_GONE : status == GHCR_REFUSED ? DELETE_REFUSED : -1,
	    errmsg, d->arg);
	delete_free(d);
}

/* The version as it is now: the premise. */
static void
delete_got(int status, const struct ghcr_version *v, const char *errmsg,
    void *arg)
{
	struct delete_op *d = arg;
	char *why = NULL;

	d->op = NULL;
	if (status == GHCR_GONE) {
		d->cb(DELETE_GONE, NULL, d->arg);
		delete_free(d);
		return;
	}
	if (status != 0) {
		d->cb(-1, errmsg, d->arg);
		delete_free(d);
		return;
	}
	if (strcmp(v->digest, d->digest) != 0)
		why = xasprintf("stale: package version %lld is %s now; the "
		    "plan saw %s", d->id, v->digest, d->digest);
	else if (v->ntags > 0)
		why = xasprintf("stale: %s is tagged now (%s)", d->digest,
		    v->tags[0]);
	if (why != NULL) {
		char *line = str_oneline(why, 1024);

		d->cb(DELETE_STALE, line, d->arg);
		free(line);
		free(why);
		delete_free(d);
		return;
	}
	d->op = ghcr_delete_start(core_http(d->core), d->api, d->token, d->repo,
	    d->id, delete_deleted, d);
	if (d->op == NULL) {
		d->cb(-1, "GitHub Packages API: cannot send the request",
		    d->arg);
		delete_free(d);
	}
}

struct delete_op *
step_delete_start(struct core *core, const struct plan_step *s,
    delete_cb cb, void *arg, char **cause)
{
	const struct mt_model *m = core_model(core);
	const struct target_config *t;
	struct delete_op *d;
	const char *token;

	if (s->app >= m->napps || s->digest == NULL || s->pkg_id <= 0) {
		*cause = xstrdup("delete: incomplete step");
		return NULL;
	}
	t = config_app_target(core_config(core), m->apps[s->app].cfg, 0);
	if (t->packages_api == NULL) {
		*cause = xasprintf("delete: %s has no package API", t->registry);
		return NULL;
	}
	token = getenv(t->token_env != NULL ? t->token_env : "GITHUB_TOKEN");
	if (token == NULL || *token == '\0') {
		*cause = xasprintf("delete: no token in $%s", t->token_env ?
		    t->token_env : "GITHUB_TOKEN");
		return NULL;
	}
	d = xcalloc(1, sizeof *d);
	d->core = core;
	d->api = xstrdup(t->packages_api);
	d->token = xstrdup(token);
	d->repo = xstrdup(s->repo);
	d->digest = xstrdup(s->digest);
	d->id = s->pkg_id;
	d->cb = cb;
	d->arg = arg;
	d->op = ghcr_get_start(core_http(core), d->api, d->token, d->repo,
	    d->id, delete_got, d);
	if (d->op == NULL) {
		*cause = xstrdup("GitHub Packages API: cannot send the request");
		delete_free(d);
		return NULL;
	}
	return d;
}

void
step_delete_cancel(struct delete_op *d)
{
	if (d == NULL)
		return;
	ghcr_cancel(d->op);
	delete_free(d);
}
