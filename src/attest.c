/*
 * attest.c — the attest action: its configuration, its plan steps, its
 * jobs, and the discovery that checks what the steps claimed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "actions-int.h"
#include "attest.h"
#include "config.h"
#include "core.h"
#include "jobs.h"
#include "loop.h"
#include "model.h"
#include "plan.h"
#include "registry.h"
#include "status.h"
#include "supply-chain.h"
#include "util.h"

#define ATTEST_MAX_STEPS	16
#define ATTEST_MAX_ARGV		256
#define ATTEST_NAME_MAX		64

/* Placeholders an attest argv may use. */
static const char *const attest_placeholders[] = {
	"app", "version", "tag", "image_tag", "image", "digest", "ref",
};

static void
attest_step_config_clear(struct attest_step_config *s)
{
	size_t i;

	free(s->name);
	for (i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
}

void
attest_config_free(struct attest_config *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nsteps; i++)
		attest_step_config_clear(&a->steps[i]);
	free(a->steps);
	free(a);
}

/* Every {name} of s is one attest knows. */
static int
attest_check_template(const char *s, char **bad)
{
	const char *p, *close;
	size_t k, n;

	for (p = s; (p = strchr(p, '{')) != NULL; p = close + 1) {
		if ((close = strchr(p + 1, '}')) == NULL) {
			*bad = xstrdup("an unterminated placeholder");
			return -1;
		}
		n = (size_t)(close - p - 1);
		for (k = 0; k < MT_ARRAY_LEN(attest_placeholders); k++)
			if (strlen(attest_placeholders[k]) == n &&
			    strncmp(attest_placeholders[k], p + 1, n) == 0)
				break;
		if (k == MT_ARRAY_LEN(attest_placeholders)) {
			*bad = xasprintf("unknown placeholder {%.*s} (known: "
			    "{app} {version} {tag} {image_tag} {image} "
			    "{digest} {ref})", (int)(n < 40 ? n : 40), p + 1);
			return -1;
		}
	}
	return 0;
}

static int
attest_kind_bit(const char *s)
{
	size_t k;

	for (k = 0; k < SC_NKINDS; k++)
		if (strcmp(s, sc_kind_name((enum sc_kind)k)) == 0)
			return (int)SC_BIT(k);
	return -1;
}

/* Only the keys named. */
static int
attest_keys(json_t *o, const char *const *keys, const char *where,
    char **cause)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], key) == 0)
				break;
		if (keys[i] == NULL) {
			char *k = str_oneline(key, 64);

			*cause = xasprintf("%sunknown key %s", where, k);
			free(k);
			return -1;
		}
	}
	return 0;
}

static int
attest_parse_step(json_t *o, size_t i, struct attest_step_config *s,
    char **cause)
{
	static const char *const keys[] = { "name", "argv", "produces", NULL };
	char where[32], *bad = NULL;
	json_t *argv, *e, *prod;
	size_t j;
	int bit;

	snprintf(where, sizeof where, "steps[%zu]", i);
	if (!json_is_object(o)) {
		*cause = xasprintf("%s: must be an object", where);
		return -1;
	}
	strcat(where, ": ");
	if (attest_keys(o, keys, where, cause) == -1)
		return -1;
	e = json_object_get(o, "name");
	if (e != NULL) {
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) > ATTEST_NAME_MAX) {
			*cause = xasprintf("%sname: a string of 1 to %d bytes",
			    where, ATTEST_NAME_MAX);
			return -1;
		}
		s->name = str_oneline(json_string_value(e), ATTEST_NAME_MAX);
	} else
		s->name = xasprintf("step %zu", i + 1);
	argv = json_object_get(o, "argv");
	if (!json_is_array(argv) || json_array_size(argv) == 0 ||
	    json_array_size(argv) > ATTEST_MAX_ARGV) {
		*cause = xasprintf("%sargv: a list of 1 to %d strings "
		    "(run as is, never through a shell)", where,
		    ATTEST_MAX_ARGV);
		return -1;
	}
	s->argv = xcalloc(json_array_size(argv) + 1, sizeof *s->argv);
	json_array_foreach(argv, j, e) {
		if (!json_is_string(e) || (j == 0 &&
		    json_string_length(e) == 0)) {
			*cause = xasprintf("%sargv[%zu]: %s", where, j, j == 0 ?
			    "the program, a non-empty string" : "a string");
			return -1;
		}
		if (attest_check_template(json_string_value(e), &bad) == -1) {
			*cause = xasprintf("%sargv[%zu]: %s", where, j, bad);
			free(bad);
			return -1;
		}
		s->argv[s->argc++] = xstrdup(json_string_value(e));
	}
	prod = json_object_get(o, "produces");
	if (prod != NULL) {
		if (!json_is_array(prod)) {
			*cause = xasprintf("%sproduces: a list of signature, "
			    "sbom, provenance", where);
			return -1;
		}
		json_array_foreach(prod, j, e) {
			if (!json_is_string(e) ||
			    (bit = attest_kind_bit(json_string_value(e))) < 0) {
				*cause = xasprintf("%sproduces[%zu]: one of "
				    "signature, sbom, provenance", where, j);
				return -1;
			}
			s->produces |= (unsigned)bit;
		}
	}
	return 0;
}

/* A list of kinds ("latest_requires"): its SC_BIT mask, or -1. */
static int
attest_kinds_parse(json_t *l, const char *key, unsigned *out, char **cause)
{
	json_t *e;
	size_t j;
	int bit;

	*out = 0;
	if (!json_is_array(l) || json_array_size(l) == 0) {
		*cause = xasprintf("%s: a list of signature, sbom, provenance",
		    key);
		return -1;
	}
	json_array_foreach(l, j, e) {
		if (!json_is_string(e) ||
		    (bit = attest_kind_bit(json_string_value(e))) < 0) {
			*cause = xasprintf("%s[%zu]: one of signature, sbom, "
			    "provenance", key, j);
			return -1;
		}
		*out |= (unsigned)bit;
	}
	return 0;
}

int
attest_config_parse(json_t *obj, struct attest_config **out, char **cause)
{
	static const char *const keys[] = { "steps", "timeout", "after_merge",
	    "latest_requires", NULL };
	struct attest_config *a;
	json_t *steps, *t, *e;
	size_t i;

	*out = NULL;
	if (obj == NULL)
		return 0;
	if (!json_is_object(obj)) {
		*cause = xstrdup("must be an object with \"steps\"");
		return -1;
	}
	if (attest_keys(obj, keys, "", cause) == -1)
		return -1;
	a = xcalloc(1, sizeof *a);
	a->timeout = 1800;
	if ((e = json_object_get(obj, "latest_requires")) != NULL &&
	    attest_kinds_parse(e, "latest_requires", &a->latest_requires,
	    cause) == -1)
		goto bad;
	if ((e = json_object_get(obj, "after_merge")) != NULL) {
		if (!json_is_boolean(e)) {
			*cause = xstrdup("after_merge: true or false");
			goto bad;
		}
		a->after_merge = json_is_true(e);
	}
	steps = json_object_get(obj, "steps");
	if ((steps != NULL || a->latest_requires == 0) &&
	    (!json_is_array(steps) || json_array_size(steps) == 0 ||
	    json_array_size(steps) > ATTEST_MAX_STEPS)) {
		*cause = xasprintf("steps: a list of 1 to %d steps",
		    ATTEST_MAX_STEPS);
		goto bad;
	}
	if (steps == NULL && a->after_merge) {
		*cause = xstrdup("after_merge: there are no steps to run");
		goto bad;
	}
	t = json_object_get(obj, "timeout");
	if (t != NULL) {
		if (!json_is_integer(t) || json_integer_value(t) < 1 ||
		    json_integer_value(t) > 86400) {
			*cause = xstrdup("timeout: seconds, 1 to 86400");
			goto bad;
		}
		a->timeout = (long)json_integer_value(t);
	}
	if (steps != NULL) {
		a->steps = xcalloc(json_array_size(steps), sizeof *a->steps);
		json_array_foreach(steps, i, e) {
			a->nsteps++;
			if (attest_parse_step(e, i, &a->steps[i], cause) == -1)
				goto bad;
		}
	}
	*out = a;
	return 0;
bad:
	attest_config_free(a);
	return -1;
}

json_t *
attest_kinds_json(unsigned kinds)
{
	json_t *l = json_array();
	size_t k;

	for (k = 0; k < SC_NKINDS; k++)
		if (kinds & SC_BIT(k))
			json_array_append_new(l, json_string(sc_kind_name(
			    (enum sc_kind)k)));
	return l;
}

json_t *
attest_config_dump(const struct attest_config *a)
{
	json_t *steps = json_array(), *argv;
	size_t i, j;

	for (i = 0; i < a->nsteps; i++) {
		argv = json_array();
		for (j = 0; j < a->steps[i].argc; j++)
			json_array_append_new(argv, json_string(
			    a->steps[i].argv[j]));
		json_array_append_new(steps, json_pack("{s:s, s:o, s:o}",
		    "name", a->steps[i].name, "argv", argv, "produces",
		    attest_kinds_json(a->steps[i].produces)));
	}
	return json_pack("{s:o, s:I, s:b, s:o}", "steps", steps, "timeout",
	    (json_int_t)a->timeout, "after_merge", a->after_merge,
	    "latest_requires", attest_kinds_json(a->latest_requires));
}

char *
attest_kinds_text(unsigned kinds)
{
	struct buf b;
	size_t k, n = 0, total = 0;

	for (k = 0; k < SC_NKINDS; k++)
		total += (kinds & SC_BIT(k)) != 0;
	buf_init(&b, 128);
	for (k = 0; k < SC_NKINDS; k++) {
		if (!(kinds & SC_BIT(k)))
			continue;
		buf_printf(&b, "%s%s", n == 0 ? "" : n + 1 == total ? " and " :
		    ", ", sc_kind_name((enum sc_kind)k));
		n++;
	}
	if (n == 0)
		buf_printf(&b, "nothing");
	return buf_steal(&b);
}

/* ------------------------------------------------------------------ */
/* Plan steps. */

int
attest_step_fill(struct plan_step *s, const struct config *cfg,
    const struct mt_app *a, const struct mt_version *v, size_t k,
    char **cause)
{
	const struct attest_config *at = cfg->attest;
	const struct attest_step_config *c = &at->steps[k];
	size_t i;

	s->argv = xcalloc(c->argc + 1, sizeof *s->argv);
	for (i = 0; i < c->argc; i++) {
		s->argv[i] = model_expand(cfg, a, v, NULL, c->argv[i]);
		if (s->argv[i] == NULL) {
			*cause = xasprintf("%s: argument %zu of \"%s\" cannot be "
			    "expanded", a->cfg->name, i, c->name);
			return -1;
		}
	}
	s->attest_name = xstrdup(c->name);
	s->produces = c->produces;
	s->digest = xstrdup(v->digest);
	s->attest_timeout = at->timeout;
	return 0;
}

void
attest_step_text(const struct plan_step *s, struct buf *b)
{
	char *line = jobs_argv_line(s->argv), *what;

	buf_printf(b, "attest %s %s: %s\n", s->app_name, s->version,
	    s->attest_name);
	if (s->digest != NULL)
		buf_printf(b, "   on %s@%s\n", s->image, s->digest);
	else
		buf_printf(b, "   on %s@<the output of step %zu>: the index "
		    "the merge writes\n", s->image, s->nafter > 0 ?
		    s->after[0] : 0);
	buf_printf(b, "   run: %s\n", line);
	if (s->produces != 0) {
		what = attest_kinds_text(s->produces);
		buf_printf(b, "   claims: %s\n", what);
		free(what);
	}
	if (s->check != 0) {
		what = attest_kinds_text(s->check);
		buf_printf(b, "   then: discovery again; fails unless %s %s "
		    "found\n", what, (s->check & (s->check - 1)) ? "are" :
		    "is");
		free(what);
	}
	free(line);
}

void
attest_step_json(const struct plan_step *s, json_t *o)
{
	json_t *argv = json_array();
	size_t i;

	for (i = 0; s->argv != NULL && s->argv[i] != NULL; i++)
		json_array_append_new(argv, json_string(s->argv[i]));
	json_object_set_new(o, "name", json_string(s->attest_name));
	json_object_set_new(o, "digest", s->digest != NULL ?
	    json_string(s->digest) : json_null());
	if (s->attest_step > 0 && s->nafter > 0)
		json_object_set_new(o, "after_merge", json_integer(
		    (json_int_t)s->after[0]));
	json_object_set_new(o, "argv", argv);
	json_object_set_new(o, "produces", attest_kinds_json(s->produces));
	json_object_set_new(o, "check", attest_kinds_json(s->check));
}

int
attest_step_resolve(struct plan_step *s, const char *digest, size_t merge,
    char **cause)
{
	char *ph, *p, *out;
	size_t i, plen;
	struct buf b;

	if (digest == NULL) {
		*cause = xasprintf("step %zu wrote no digest", merge);
		return -1;
	}
	ph = xasprintf("<the output of step %zu>", merge);
	plen = strlen(ph);
	for (i = 0; s->argv != NULL && s->argv[i] != NULL; i++) {
		if (strstr(s->argv[i], ph) == NULL)
			continue;
		buf_init(&b, 64 * 1024);
		for (p = s->argv[i]; (out = strstr(p, ph)) != NULL;
		    p = out + plen) {
			buf_append(&b, p, (size_t)(out - p));
			buf_printf(&b, "%s", digest);
		}
		buf_printf(&b, "%s", p);
		free(s->argv[i]);
		s->argv[i] = buf_steal(&b);
	}
	free(ph);
	free(s->digest);
	s->digest = xstrdup(digest);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Jobs. */

int
attest_submit(struct core *core, const struct plan_step *s,
    unsigned long *job_id, char **cause)
{
	struct jobs *jobs = actions_jobs_of(core);
	struct builder_config b;
	struct job_spec spec;
	const struct job *job = NULL;
	char *ref;
	int r;

	if (!actions_may_write(core, "attest", cause))
		return -1;
	if (jobs == NULL) {
		*cause = xstrdup("the job queue is not available");
		return -1;
	}
	memset(&b, 0, sizeof b);
	b.type = BUILDER_EXEC;
	b.timeout = s->attest_timeout > 0 ? s->attest_timeout : 1800;
	b.attempts = 1;
	ref = xasprintf("%s@%s", s->image, s->digest);
	memset(&spec, 0, sizeof spec);
	spec.app = s->app_name;
	spec.version = s->version;
	spec.arch = "attest";
	spec.repo = s->repo;
	spec.image_tag = s->digest;
	spec.staging_tag = s->digest;
	spec.staging_ref = ref;
	spec.builder = &b;
	spec.argv = s->argv;
	spec.attest = 1;
	r = jobs_submit(jobs, &spec, &job, cause);
	free(ref);
	if (r != 0)
		return -1;
	*job_id = job != NULL ? job->id : 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The check: discovery on one version. */

struct attest_check {
	struct core		*core;
	struct registry		*reg;
	struct supply		*sc;
	struct sc_run		*run;
	char			*repo;
	char			*image;
	char			*digest;
	unsigned		 want;
	char			**tags;
	size_t			 ntags;
	char			*body;
	size_t			 len;
	struct mt_version	 v;
	attest_check_cb		 cb;
	void			*arg;
	uint64_t		 timer;
};

static void
check_free(struct attest_check *c)
{
	size_t i;

	if (c->timer != 0)
		loop_timer_del(core_loop(c->core), c->timer);
	supply_run_free(c->run);
	supply_free(c->sc);
	registry_cancel_arg(c->reg, c);
	for (i = 0; i < c->ntags; i++)
		free(c->tags[i]);
	free(c->tags);
	free(c->body);
	free(c->repo);
	free(c->image);
	free(c->digest);
	free(c->v.digest);
	for (i = 0; i < CONFIG_MAX_ARCHS; i++)
		free(c->v.arch_digest[i]);
	sc_supply_clear(&c->v.supply);
	free(c);
}

static void
check_end(struct attest_check *c, int missing, const char *errmsg)
{
	attest_check_cb cb = c->cb;
	void *arg = c->arg;

	check_free(c);
	cb(missing, errmsg, arg);
}

/* Discovery is done: end on the loop, off the discovery's stack. */
static void
check_finish_cb(void *arg)
{
	struct attest_check *c = arg;
	unsigned missing = 0;
	size_t k;

	c->timer = 0;
	for (k = 0; k < SC_NKINDS; k++)
		if ((c->want & SC_BIT(k)) &&
		    c->v.supply.state[k] != SC_PRESENT)
			missing |= SC_BIT(k);
	check_end(c, (int)missing, NULL);
}

static void
check_supply_done(void *arg)
{
	struct attest_check *c = arg;

	c->timer = loop_timer_add(core_loop(c->core), 0, check_finish_cb, c);
}

static void
check_manifest_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct attest_check *c = arg;
	size_t lens[1], i, n = 0;
	char *why;

	if (status != 0 || m == NULL) {
		why = xasprintf("%s@%s: %s", c->repo, c->digest, status > 0 ?
		    "not in the registry" : errmsg ? errmsg : "error");
		check_end(c, -1, why);
		free(why);
		return;
	}
	c->v.digest = xstrdup(c->digest);
	for (i = 0; i < m->nplatforms && n < CONFIG_MAX_ARCHS; i++)
		c->v.arch_digest[n++] = xstrdup(m->platforms[i].digest);
	if (m->is_index && m->body != NULL) {
		c->body = xmalloc(m->len);
		memcpy(c->body, m->body, m->len);
		c->len = m->len;
	}
	lens[0] = c->len;
	c->sc = supply_new(c->reg);
	c->run = supply_run(c->sc, c->repo, c->image, &c->v, 1, n, c->tags,
	    c->ntags, &c->body, lens, check_supply_done, c);
}

static int
cmp_tag(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
check_tags_cb(int status, char *const *tags, size_t n, const char *errmsg,
    void *arg)
{
	struct attest_check *c = arg;
	size_t i;

	if (status < 0) {
		check_end(c, -1, errmsg ? errmsg : "tag list failed");
		return;
	}
	c->tags = xcalloc(n ? n : 1, sizeof *c->tags);
	for (i = 0; i < n; i++)
		c->tags[i] = xstrdup(tags[i]);
	c->ntags = n;
	qsort(c->tags, n, sizeof *c->tags, cmp_tag);
	registry_get_manifest(c->reg, c->repo, c->digest, 0,
	    check_manifest_cb, c);
}

struct attest_check *
attest_check_start(struct core *core, const char *repo, const char *image,
    const char *digest, unsigned want, attest_check_cb cb, void *arg)
{
	struct attest_check *c = xcalloc(1, sizeof *c);

	c->core = core;
	c->reg = core_registry(core);
	c->repo = xstrdup(repo);
	c->image = xstrdup(image);
	c->digest = xstrdup(digest);
	c->want = want & SC_ALL;
	c->cb = cb;
	c->arg = arg;
	registry_list_tags(c->reg, repo, check_tags_cb, c);
	return c;
}

void
attest_check_cancel(struct attest_check *c)
{
	if (c != NULL)
		check_free(c);
}
