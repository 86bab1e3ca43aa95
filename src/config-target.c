/*
 * config-target.c — the "targets" of a configuration: the registries and
 * namespaces images are published to. The first target is the primary
 * (builds push there, merges happen there), the others are mirrors. The
 * top-level registry/namespace/plain_http keys are the one-target
 * shorthand; an app's own "targets" (names) narrows it to some of them,
 * its first name being that app's primary.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config.h"
#include "config-int.h"
#include "util.h"

#define CONFIG_MAX_TARGET_NAME	64
#define CONFIG_MAX_REPO_NAME	255

static const char *const config_target_keys[] = {
	"name", "registry", "namespace", "plain_http", "packages_api",
	"token_env", NULL
};

/* The keys that the shorthand uses and "targets" replaces. */
static const char *const config_shorthand_keys[] = {
	"registry", "namespace", "plain_http",
};

/* A target name: [a-z0-9][a-z0-9._:-]*, at most 64 characters. */
static int
config_valid_target_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CONFIG_MAX_TARGET_NAME ||
	    !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return 0;
	for (i = 0; i < n; i++) {
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && strchr("._:-", s[i]) == NULL)
			return 0;
	}
	return 1;
}

/* GHCR's defaults: its Packages API and GITHUB_TOKEN. */
static void
config_target_ghcr(struct target_config *t)
{
	if (t->packages_api == NULL && strcasecmp(t->registry, "ghcr.io") == 0)
		t->packages_api = xstrdup("https://api.github.com");
	if (t->packages_api != NULL && t->token_env == NULL)
		t->token_env = xstrdup("GITHUB_TOKEN");
}

/* Parse one target object into t; targets before it are parsed. */
static int
config_target_parse(struct config_ctx *c, struct config *cfg, json_t *v,
    size_t idx)
{
	struct target_config *t = &cfg->targets[idx];
	const char *s;
	char q[128], q2[128];
	size_t i;
	int rc, loopback = 0;

	if (config_expect(c, v, JSON_OBJECT, "object") == -1 ||
	    config_check_keys(c, v, config_target_keys, NULL, NULL) == -1)
		return -1;

	if ((rc = config_get_str(c, v, "name", &s)) != 1)
		return rc == 0 ? config_missing(c, "name") : -1;
	config_push_key(c, "name");
	if (!config_valid_target_name(s))
		return config_error(c, AT_VALUE, "invalid target name %s: "
		    "lowercase letters, digits, '.', '_', ':' or '-', at most "
		    "%d characters", config_quote(s, q, sizeof q),
		    CONFIG_MAX_TARGET_NAME);
	for (i = 0; i < idx; i++) {
		if (strcmp(cfg->targets[i].name, s) == 0)
			return config_error(c, AT_VALUE, "duplicate target "
			    "name %s (also targets[%zu])",
			    config_quote(s, q, sizeof q), i);
	}
	config_pop(c);
	t->name = xstrdup(s);

	if ((rc = config_get_str(c, v, "registry", &s)) != 1)
		return rc == 0 ? config_missing(c, "registry") : -1;
	config_push_key(c, "registry");
	if (strchr(s, '@') != NULL)
		return config_error(c, AT_VALUE, "must not contain "
		    "credentials; they come from the docker config");
	if (!config_valid_hostport(s, &loopback))
		return config_error(c, AT_VALUE, "invalid registry %s: "
		    "expected host[:port], without scheme or path",
		    config_quote(s, q, sizeof q));
	config_pop(c);
	t->registry = xstrdup(s);

	if ((rc = config_get_str(c, v, "namespace", &s)) != 1)
		return rc == 0 ? config_missing(c, "namespace") : -1;
	config_push_key(c, "namespace");
	if (!config_valid_repo_path(s))
		return config_error(c, AT_VALUE, "invalid namespace %s: "
		    "lowercase path components separated by '/'",
		    config_quote(s, q, sizeof q));
	for (i = 0; i < idx; i++) {
		if (strcmp(cfg->targets[i].registry, t->registry) == 0 &&
		    strcmp(cfg->targets[i].namespace, s) == 0)
			return config_error(c, AT_VALUE, "the same registry "
			    "and namespace %s as targets[%zu] (%s)",
			    config_quote(s, q, sizeof q), i,
			    config_quote(cfg->targets[i].name, q2,
			    sizeof q2));
	}
	config_pop(c);
	t->namespace = xstrdup(s);

	if (config_get_bool(c, v, "plain_http", &t->plain_http) == -1)
		return -1;
	if (t->plain_http && !loopback) {
		config_push_key(c, "plain_http");
		return config_error(c, AT_VALUE, "plain HTTP is only allowed "
		    "for a loopback registry (127.0.0.0/8, localhost, [::1]), "
		    "not %s: TLS is never silently downgraded",
		    config_quote(t->registry, q, sizeof q));
	}
	if (config_get_url(c, v, "packages_api", &t->packages_api) == -1 ||
	    config_get_envname(c, v, "token_env", &t->token_env) == -1)
		return -1;
	config_target_ghcr(t);
	return 0;
}

/*
 * The "targets" list, when the configuration has one: 1 parsed (the
 * primary's registry, namespace and plain_http copied to the top level),
 * 0 absent (the caller reads the shorthand), -1 error.
 */
int
config_targets_parse(struct config_ctx *c, json_t *root, struct config *cfg)
{
	json_t *list, *e;
	size_t i;

	if ((list = json_object_get(root, "targets")) == NULL)
		return 0;
	for (i = 0; i < MT_ARRAY_LEN(config_shorthand_keys); i++) {
		if (json_object_get(root, config_shorthand_keys[i]) == NULL)
			continue;
		config_push_key(c, config_shorthand_keys[i]);
		return config_error(c, AT_KEY, "set either \"targets\" or the "
		    "top-level \"registry\", \"namespace\" and \"plain_http\" "
		    "(a one-target shorthand), not both");
	}
	config_push_key(c, "targets");
	if (config_expect(c, list, JSON_ARRAY, "array") == -1)
		return -1;
	if (json_array_size(list) == 0)
		return config_error(c, AT_VALUE, "must list at least one "
		    "target (the first is the primary)");
	if (json_array_size(list) > CONFIG_MAX_TARGETS)
		return config_error(c, AT_VALUE, "at most %d targets, got %zu",
		    CONFIG_MAX_TARGETS, json_array_size(list));
	cfg->targets = xcalloc(json_array_size(list), sizeof *cfg->targets);
	json_array_foreach(list, i, e) {
		config_push_index(c, i);
		cfg->ntargets = i + 1;
		if (config_target_parse(c, cfg, e, i) == -1)
			return -1;
		config_pop(c);
	}
	config_pop(c);
	cfg->registry = xstrdup(cfg->targets[0].registry);
	cfg->namespace = xstrdup(cfg->targets[0].namespace);
	cfg->plain_http = cfg->targets[0].plain_http;
	return 1;
}

/* The one target of the shorthand, named after its registry. */
void
config_targets_shorthand(struct config *cfg)
{
	struct target_config *t;
	size_t i;

	cfg->targets = xcalloc(1, sizeof *cfg->targets);
	cfg->ntargets = 1;
	t = &cfg->targets[0];
	t->name = xstrdup(cfg->registry);
	for (i = 0; t->name[i] != '\0'; i++)
		t->name[i] = (char)tolower((unsigned char)t->name[i]);
	t->registry = xstrdup(cfg->registry);
	t->namespace = xstrdup(cfg->namespace);
	t->plain_http = cfg->plain_http;
	config_target_ghcr(t);
}

/*
 * An app's "targets" (names of configured targets, its primary first);
 * without one, every target in order. Also checks that the repository
 * name fits on every target of the app.
 */
int
config_app_targets_parse(struct config_ctx *c, struct config *cfg,
    json_t *app, struct app_config *a)
{
	json_t *list, *e;
	const char *s;
	char q[128];
	size_t i, j, k;

	list = json_object_get(app, "targets");
	if (list == NULL) {
		for (i = 0; i < cfg->ntargets; i++)
			a->targets[i] = i;
		a->ntargets = cfg->ntargets;
	} else {
		config_push_key(c, "targets");
		if (config_expect(c, list, JSON_ARRAY, "array") == -1)
			return -1;
		if (json_array_size(list) == 0)
			return config_error(c, AT_VALUE, "must name at least "
			    "one target (the first is the app's primary)");
		if (json_array_size(list) > cfg->ntargets)
			return config_error(c, AT_VALUE, "names %zu targets, "
			    "only %zu are configured", json_array_size(list),
			    cfg->ntargets);
		a->own_targets = 1;
		json_array_foreach(list, i, e) {
			config_push_index(c, i);
			if (config_expect(c, e, JSON_STRING, "string") == -1)
				return -1;
			s = json_string_value(e);
			for (k = 0; k < cfg->ntargets; k++)
				if (strcmp(cfg->targets[k].name, s) == 0)
					break;
			if (k == cfg->ntargets) {
				struct buf known;
				char *list_s;
				int rc;

				buf_init(&known, 1024);
				for (j = 0; j < cfg->ntargets; j++)
					buf_printf(&known, "%s%s", j ? ", " :
					    "", cfg->targets[j].name);
				list_s = buf_steal(&known);
				rc = config_error(c, AT_VALUE, "unknown target "
				    "%s (configured: %s)", config_quote(s, q,
				    sizeof q), list_s != NULL ? list_s : "");
				free(list_s);
				return rc;
			}
			for (j = 0; j < a->ntargets; j++)
				if (a->targets[j] == k)
					return config_error(c, AT_VALUE,
					    "target %s is named twice",
					    config_quote(s, q, sizeof q));
			a->targets[a->ntargets++] = k;
			config_pop(c);
		}
		config_pop(c);
	}
	for (i = 0; i < a->ntargets; i++) {
		const struct target_config *t = &cfg->targets[a->targets[i]];

		if (strlen(t->namespace) + 1 + strlen(a->image) >
		    CONFIG_MAX_REPO_NAME) {
			config_push_key(c, json_object_get(app, "image") ?
			    "image" : "name");
			return config_error(c, AT_VALUE, "repository name is "
			    "longer than %d characters on target %s",
			    CONFIG_MAX_REPO_NAME, config_quote(t->name, q,
			    sizeof q));
		}
	}
	return 0;
}

/* Free the targets. */
void
config_targets_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->ntargets; i++) {
		free(cfg->targets[i].name);
		free(cfg->targets[i].registry);
		free(cfg->targets[i].namespace);
		free(cfg->targets[i].packages_api);
		free(cfg->targets[i].token_env);
	}
	free(cfg->targets);
	cfg->targets = NULL;
	cfg->ntargets = 0;
}

/* The effective targets, as "targets" of root. */
void
config_targets_dump(const struct config *cfg, json_t *root)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < cfg->ntargets; i++) {
		const struct target_config *t = &cfg->targets[i];

		json_t *o = json_pack("{s:s, s:s, s:s, s:b}",
		    "name", t->name,
		    "registry", t->registry,
		    "namespace", t->namespace,
		    "plain_http", t->plain_http);

		if (t->packages_api != NULL) {
			json_object_set_new(o, "packages_api",
			    json_string(t->packages_api));
			json_object_set_new(o, "token_env",
			    json_string(t->token_env));
		}
		json_array_append_new(list, o);
	}
	json_object_set_new(root, "targets", list);
}

/* An app's own targets, as "targets" of o (nothing when it has none). */
void
config_app_targets_dump(const struct config *cfg,
    const struct app_config *a, json_t *o)
{
	json_t *list;
	size_t i;

	if (!a->own_targets)
		return;
	list = json_array();
	for (i = 0; i < a->ntargets; i++)
		json_array_append_new(list,
		    json_string(cfg->targets[a->targets[i]].name));
	json_object_set_new(o, "targets", list);
}

/* The target named name, or NULL. Borrowed. */
const struct target_config *
config_target(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ntargets; i++)
		if (strcmp(cfg->targets[i].name, name) == 0)
			return &cfg->targets[i];
	return NULL;
}

/* The app's k-th target (0: its primary). Borrowed. */
const struct target_config *
config_app_target(const struct config *cfg, const struct app_config *a,
    size_t k)
{
	if (k >= a->ntargets)
		return NULL;
	return &cfg->targets[a->targets[k]];
}
