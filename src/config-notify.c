/*
 * config-notify.c — the notification part of the configuration: the
 * `notify` list of sinks (exec, webhook), `notify_initial`, `notify_keep`
 * and `bell`.
 *
 * Secrets stay out of the file: a webhook's URL may come from an
 * environment variable (`url_env`), secret header values always do
 * (`headers_env`), and literal headers that look like credentials are
 * refused.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config.h"
#include "config-int.h"
#include "events.h"
#include "notify.h"
#include "util.h"

#define NOTIFY_MAX_SINKS	16
#define NOTIFY_MAX_ARGV		64
#define NOTIFY_MAX_LIST		64
#define NOTIFY_MAX_TEMPLATE	16384

static const char *const notify_keys_all[] = {
	"type", "events", "apps", "timeout", "attempts", "argv", "env_pass",
	"url", "url_env", "template", "content_type", "headers",
	"headers_env", NULL
};
static const char *const notify_keys_exec[] = {
	"type", "events", "apps", "timeout", "attempts", "argv", "env_pass",
	NULL
};
static const char *const notify_keys_webhook[] = {
	"type", "events", "apps", "timeout", "attempts", "url", "url_env",
	"template", "content_type", "headers", "headers_env", NULL
};

/* Header names whose literal values would be credentials. */
static int
notify_secret_header(const char *name)
{
	static const char *const words[] = {
		"authorization", "cookie", "token", "secret", "password",
		"api-key", "apikey", "x-api-key",
	};
	char low[128];
	size_t i;

	for (i = 0; name[i] != '\0' && i < sizeof low - 1; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	for (i = 0; i < MT_ARRAY_LEN(words); i++)
		if (strstr(low, words[i]) != NULL)
			return 1;
	return 0;
}

/* An HTTP header name: a token of RFC 9110. */
static int
notify_header_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 100)
		return 0;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~",
		    *s) == NULL)
			return 0;
	}
	return 1;
}

/* A header value: printable, one line. */
static int
notify_header_value_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* A list of strings at key (each checked by ok when not NULL). */
static int
notify_get_strings(struct config_ctx *c, json_t *obj, const char *key,
    size_t max, int (*ok)(struct config_ctx *, const char *),
    char ***out, size_t *nout)
{
	json_t *v = json_object_get(obj, key), *e;
	size_t i;

	if (v == NULL)
		return 0;
	config_push_key(c, key);
	if (config_expect(c, v, JSON_ARRAY, "array of strings") == -1)
		return -1;
	if (json_array_size(v) > max)
		return config_error(c, AT_VALUE, "at most %zu entries, got %zu",
		    max, json_array_size(v));
	*out = xcalloc(json_array_size(v) + 1, sizeof **out);
	*nout = 0;
	json_array_foreach(v, i, e) {
		config_push_index(c, i);
		if (config_expect(c, e, JSON_STRING, "string") == -1)
			return -1;
		if (*json_string_value(e) == '\0')
			return config_error(c, AT_VALUE, "must not be empty");
		if (ok != NULL && ok(c, json_string_value(e)) == -1)
			return -1;
		(*out)[(*nout)++] = xstrdup(json_string_value(e));
		config_pop(c);
	}
	config_pop(c);
	return 1;
}

/* An event type name. */
static int
notify_ok_event(struct config_ctx *c, const char *s)
{
	char q[128];

	if (event_type_from_name(s) == -1)
		return config_error(c, AT_VALUE, "unknown event type %s "
		    "(new_version, version_complete, version_incomplete, "
		    "build_failed, build_succeeded, merged, latest_moved, "
		    "latest_drift, app_error, app_recovered, rate_limit_low, "
		    "base_moved)", config_quote(s, q, sizeof q));
	return 0;
}

/* An environment variable name. */
static int
notify_ok_envname(struct config_ctx *c, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			break;
	if (*p != '\0' || isdigit((unsigned char)*s))
		return config_error(c, AT_VALUE, "not an environment variable "
		    "name ([A-Za-z_][A-Za-z0-9_]*)");
	return 0;
}

/* A header object: name -> literal value (secret: value is a variable). */
static int
notify_get_headers(struct config_ctx *c, json_t *obj, const char *key,
    int secret, struct kv **out, size_t *nout)
{
	json_t *v, *e;
	const char *name;
	char q[128];
	int rc;

	if ((rc = config_get_obj(c, obj, key, &v)) != 1)
		return rc;
	config_push_key(c, key);
	if (json_object_size(v) > NOTIFY_MAX_LIST)
		return config_error(c, AT_VALUE, "at most %d headers",
		    NOTIFY_MAX_LIST);
	*out = xcalloc(json_object_size(v) + 1, sizeof **out);
	json_object_foreach(v, name, e) {
		config_push_key(c, name);
		if (!notify_header_name_ok(name))
			return config_error(c, AT_KEY, "invalid header name %s",
			    config_quote(name, q, sizeof q));
		if (config_expect(c, e, JSON_STRING, "string") == -1)
			return -1;
		if (secret) {
			if (notify_ok_envname(c, json_string_value(e)) == -1)
				return -1;
		} else {
			if (notify_secret_header(name))
				return config_error(c, AT_KEY, "a secret "
				    "header: give the name of the environment "
				    "variable holding its value in "
				    "headers_env instead");
			if (!notify_header_value_ok(json_string_value(e)))
				return config_error(c, AT_VALUE, "must be one "
				    "line without control characters");
			if (strcasecmp(name, "content-type") == 0)
				return config_error(c, AT_KEY, "set it with "
				    "content_type");
		}
		(*out)[*nout].key = xstrdup(name);
		(*out)[*nout].value = xstrdup(json_string_value(e));
		(*nout)++;
		config_pop(c);
	}
	config_pop(c);
	return 1;
}

/* The sink's id: a hash of its definition, stable across restarts. */
static void
notify_sink_id(json_t *obj, char *out)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	char d[80];

	sha256_digest(text != NULL ? text : "", text != NULL ?
	    strlen(text) : 0, d, sizeof d);
	free(text);
	memcpy(out, d + 7, 16);
	out[16] = '\0';
}

/* One sink object. */
static int
notify_parse_sink(struct config_ctx *c, struct config *cfg, json_t *obj,
    struct notify_config *n)
{
	const char *s, *why;
	char q[128], **names = NULL;
	size_t i, j, nnames = 0;
	int rc;

	n->timeout = 10;
	n->attempts = 3;
	if ((rc = config_get_str(c, obj, "type", &s)) != 1)
		return rc == 0 ? config_missing(c, "type") : -1;
	if (strcmp(s, "exec") == 0) {
		n->type = NOTIFY_EXEC;
		if (config_check_keys(c, obj, notify_keys_exec,
		    notify_keys_all, "an exec sink") == -1)
			return -1;
	} else if (strcmp(s, "webhook") == 0) {
		n->type = NOTIFY_WEBHOOK;
		if (config_check_keys(c, obj, notify_keys_webhook,
		    notify_keys_all, "a webhook sink") == -1)
			return -1;
	} else {
		config_push_key(c, "type");
		return config_error(c, AT_VALUE, "unknown sink type %s "
		    "(exec, webhook)", config_quote(s, q, sizeof q));
	}
	notify_sink_id(obj, n->id);

	if ((rc = notify_get_strings(c, obj, "events", EVENT_NTYPES * 2,
	    notify_ok_event, &names, &nnames)) == -1)
		goto fail;
	if (rc == 0)
		n->events = (1UL << EVENT_NTYPES) - 1;
	for (i = 0; i < nnames; i++)
		n->events |= 1UL << event_type_from_name(names[i]);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	names = NULL;
	nnames = 0;

	if (notify_get_strings(c, obj, "apps", NOTIFY_MAX_LIST, NULL,
	    &n->apps, &n->napps) == -1)
		return -1;
	for (i = 0; i < n->napps; i++) {
		for (j = 0; j < cfg->napps; j++)
			if (strcmp(cfg->apps[j].name, n->apps[i]) == 0)
				break;
		if (j == cfg->napps) {
			config_push_key(c, "apps");
			config_push_index(c, i);
			return config_error(c, AT_VALUE, "unknown app %s",
			    config_quote(n->apps[i], q, sizeof q));
		}
	}
	if (config_get_long(c, obj, "timeout", 1, 600, &n->timeout) == -1 ||
	    config_get_intv(c, obj, "attempts", 1, 10, &n->attempts) == -1)
		return -1;

	if (n->type == NOTIFY_EXEC) {
		if ((rc = notify_get_strings(c, obj, "argv", NOTIFY_MAX_ARGV,
		    NULL, &n->argv, &n->argc)) == -1)
			return -1;
		if (rc == 0)
			return config_missing(c, "argv");
		if (n->argc == 0) {
			config_push_key(c, "argv");
			return config_error(c, AT_VALUE, "must name a "
			    "program");
		}
		return notify_get_strings(c, obj, "env_pass", NOTIFY_MAX_LIST,
		    notify_ok_envname, &n->env_pass, &n->nenv_pass) == -1 ?
		    -1 : 0;
	}

	/* webhook */
	if ((rc = config_get_str(c, obj, "url", &s)) == -1)
		return -1;
	if (rc == 1) {
		config_push_key(c, "url");
		if (notify_url_check(s, 0, &why) == -1)
			return config_error(c, AT_VALUE, "%s", why);
		config_pop(c);
		n->url = xstrdup(s);
	}
	if (config_get_envname(c, obj, "url_env", &n->url_env) == -1)
		return -1;
	if ((n->url == NULL) == (n->url_env == NULL))
		return config_error(c, AT_VALUE, "a webhook needs exactly one "
		    "of \"url_env\" (the environment variable holding the "
		    "URL: webhook URLs are secrets) and \"url\"");
	if ((rc = config_get_str(c, obj, "content_type", &s)) == -1)
		return -1;
	if (rc == 1) {
		config_push_key(c, "content_type");
		if (!notify_header_value_ok(s) || strchr(s, '/') == NULL)
			return config_error(c, AT_VALUE, "expected a media "
			    "type such as \"text/plain\"");
		config_pop(c);
		n->content_type = xstrdup(s);
	}
	if ((rc = config_get_str(c, obj, "template", &s)) == -1)
		return -1;
	if (rc == 1) {
		config_push_key(c, "template");
		if (strlen(s) > NOTIFY_MAX_TEMPLATE)
			return config_error(c, AT_VALUE, "longer than %d bytes",
			    NOTIFY_MAX_TEMPLATE);
		n->template = xstrdup(s);
		if (n->content_type == NULL)
			n->content_type = xstrdup(notify_default_type(s));
		if (notify_template_check(s, n->content_type, &why) == -1)
			return config_error(c, AT_VALUE, "%s", why);
		config_pop(c);
	}
	if (n->content_type == NULL)
		n->content_type = xstrdup("application/json");
	if (notify_get_headers(c, obj, "headers", 0, &n->headers,
	    &n->nheaders) == -1 ||
	    notify_get_headers(c, obj, "headers_env", 1, &n->headers_env,
	    &n->nheaders_env) == -1)
		return -1;
	return 0;
fail:
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return -1;
}

/* `notify`, `notify_initial`, `notify_keep`, `bell` (after the apps). */
int
config_parse_notify(struct config_ctx *c, json_t *root, struct config *cfg)
{
	json_t *list, *e;
	size_t i, j;

	cfg->notify_keep = EVENTS_KEEP_DEFAULT;
	if (config_get_bool(c, root, "notify_initial",
	    &cfg->notify_initial) == -1 ||
	    config_get_bool(c, root, "bell", &cfg->bell) == -1 ||
	    config_get_intv(c, root, "notify_keep", 10, 100000,
	    &cfg->notify_keep) == -1)
		return -1;
	if ((list = json_object_get(root, "notify")) == NULL)
		return 0;
	config_push_key(c, "notify");
	if (config_expect(c, list, JSON_ARRAY, "array") == -1)
		return -1;
	if (json_array_size(list) > NOTIFY_MAX_SINKS)
		return config_error(c, AT_VALUE, "at most %d sinks, got %zu",
		    NOTIFY_MAX_SINKS, json_array_size(list));
	cfg->notify = xcalloc(json_array_size(list) + 1, sizeof *cfg->notify);
	json_array_foreach(list, i, e) {
		config_push_index(c, i);
		cfg->nnotify = i + 1;
		if (config_expect(c, e, JSON_OBJECT, "object") == -1 ||
		    notify_parse_sink(c, cfg, e, &cfg->notify[i]) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(cfg->notify[j].id, cfg->notify[i].id) == 0)
				return config_error(c, AT_VALUE, "the same sink "
				    "as notify[%zu]", j);
		config_pop(c);
	}
	config_pop(c);
	return 0;
}

/* Free a NULL-terminated or counted list of strings. */
static void
notify_free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* Free key/value pairs. */
static void
notify_free_kv(struct kv *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

void
config_notify_free(struct config *cfg)
{
	struct notify_config *n;
	size_t i;

	for (i = 0; i < cfg->nnotify; i++) {
		n = &cfg->notify[i];
		notify_free_strings(n->apps, n->napps);
		notify_free_strings(n->argv, n->argc);
		notify_free_strings(n->env_pass, n->nenv_pass);
		free(n->url);
		free(n->url_env);
		free(n->template);
		free(n->content_type);
		notify_free_kv(n->headers, n->nheaders);
		notify_free_kv(n->headers_env, n->nheaders_env);
	}
	free(cfg->notify);
	cfg->notify = NULL;
	cfg->nnotify = 0;
}

/* Strings as a JSON array. New reference. */
static json_t *
notify_dump_strings(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Pairs as a JSON object. New reference. */
static json_t *
notify_dump_kv(const struct kv *v, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, v[i].key, json_string(v[i].value));
	return o;
}

void
config_notify_dump(const struct config *cfg, json_t *root)
{
	const struct notify_config *n;
	json_t *list, *o, *ev;
	size_t i;
	int t;

	json_object_set_new(root, "notify_initial",
	    json_boolean(cfg->notify_initial));
	json_object_set_new(root, "notify_keep",
	    json_integer(cfg->notify_keep));
	json_object_set_new(root, "bell", json_boolean(cfg->bell));
	list = json_array();
	for (i = 0; i < cfg->nnotify; i++) {
		n = &cfg->notify[i];
		o = json_object();
		json_object_set_new(o, "type", json_string(n->type ==
		    NOTIFY_EXEC ? "exec" : "webhook"));
		ev = json_array();
		for (t = 0; t < EVENT_NTYPES; t++)
			if (n->events & (1UL << t))
				json_array_append_new(ev,
				    json_string(event_type_name(t)));
		json_object_set_new(o, "events", ev);
		if (n->apps != NULL)
			json_object_set_new(o, "apps",
			    notify_dump_strings(n->apps, n->napps));
		json_object_set_new(o, "timeout", json_integer(n->timeout));
		json_object_set_new(o, "attempts", json_integer(n->attempts));
		if (n->type == NOTIFY_EXEC) {
			json_object_set_new(o, "argv",
			    notify_dump_strings(n->argv, n->argc));
			json_object_set_new(o, "env_pass",
			    notify_dump_strings(n->env_pass, n->nenv_pass));
		} else {
			if (n->url != NULL)
				json_object_set_new(o, "url",
				    json_string(n->url));
			else
				json_object_set_new(o, "url_env",
				    json_string(n->url_env));
			if (n->template != NULL)
				json_object_set_new(o, "template",
				    json_string(n->template));
			json_object_set_new(o, "content_type",
			    json_string(n->content_type));
			json_object_set_new(o, "headers",
			    notify_dump_kv(n->headers, n->nheaders));
			json_object_set_new(o, "headers_env",
			    notify_dump_kv(n->headers_env, n->nheaders_env));
		}
		json_array_append_new(list, o);
	}
	json_object_set_new(root, "notify", list);
}
