/*
 * source-driver — fetch one upstream source and print the result as JSON,
 * for the integration tests.
 *
 *   source-driver [-n COUNT] [-C CACHEDIR] [-t SECONDS] [-a ATTEMPTS] JSON
 *
 * JSON is a source object as in the configuration file ({"type":
 * "github-releases", "repo": "o/r", "api": "...", "prereleases": true,
 * ...}). The source is fetched COUNT times in a row on one http object
 * (sharing its ETag cache and rate-limit state); each fetch prints one line:
 * {"error", "rate_limited_until", "pages", "skipped", "tags": [...],
 *  "requests", "not_modified", "retries", "elapsed_ms"}.
 * Exit 0 when the last fetch succeeded, 1 when it failed, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "http.h"
#include "loop.h"
#include "source.h"
#include "util.h"

struct driver {
	struct source_result	*res;
	int			 done;
};

/* Keep the result for main(). */
static void
driver_done(struct source_result *res, void *arg)
{
	struct driver	*d = arg;

	d->res = res;
	d->done = 1;
}

/* A string member or NULL; "" counts as set. */
static char *
driver_string(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return (json_is_string(v) ? xstrdup(json_string_value(v)) : NULL);
}

/* Print one result as a JSON line. */
static void
driver_print(const struct source_result *res, const struct http_stats *st,
    unsigned long requests0, unsigned long nm0, unsigned long retries0,
    uint64_t ms)
{
	json_t	*o, *tags, *t;
	size_t	 i;
	char	*s;

	o = json_object();
	json_object_set_new(o, "error", res->error != NULL ?
	    json_string(res->error) : json_null());
	json_object_set_new(o, "rate_limited_until",
	    json_integer((json_int_t)res->rate_limited_until));
	json_object_set_new(o, "pages", json_integer(res->pages));
	json_object_set_new(o, "skipped", json_integer(res->skipped));
	tags = json_array();
	for (i = 0; i < res->ntags; i++) {
		t = json_object();
		json_object_set_new(t, "tag", res->tags[i].tag != NULL ?
		    json_string(res->tags[i].tag) : json_null());
		json_object_set_new(t, "name", res->tags[i].name != NULL ?
		    json_string(res->tags[i].name) : json_null());
		json_object_set_new(t, "published_at",
		    res->tags[i].published_at != NULL ?
		    json_string(res->tags[i].published_at) : json_null());
		json_object_set_new(t, "prerelease",
		    json_boolean(res->tags[i].prerelease));
		json_object_set_new(t, "draft",
		    json_boolean(res->tags[i].draft));
		json_array_append_new(tags, t);
	}
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "requests",
	    json_integer((json_int_t)(st->requests - requests0)));
	json_object_set_new(o, "not_modified",
	    json_integer((json_int_t)(st->not_modified - nm0)));
	json_object_set_new(o, "retries",
	    json_integer((json_int_t)(st->retries - retries0)));
	json_object_set_new(o, "elapsed_ms", json_integer((json_int_t)ms));
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

/* Fill sc from a JSON source object; -1 on a bad one. */
static int
driver_config(const char *text, struct source_config *sc)
{
	json_t		*o, *v;
	json_error_t	 err;
	int		 type;

	memset(sc, 0, sizeof *sc);
	o = json_loads(text, 0, &err);
	if (!json_is_object(o)) {
		fprintf(stderr, "source-driver: bad JSON: %s\n", err.text);
		json_decref(o);
		return (-1);
	}
	v = json_object_get(o, "type");
	type = source_type_from_name(json_string_value(v));
	if (type < 0) {
		fprintf(stderr, "source-driver: unknown source type\n");
		json_decref(o);
		return (-1);
	}
	sc->type = (enum source_type)type;
	sc->repo = driver_string(o, "repo");
	sc->project = driver_string(o, "project");
	sc->api = driver_string(o, "api");
	sc->base_url = driver_string(o, "base_url");
	sc->token_env = driver_string(o, "token_env");
	sc->prereleases = json_is_true(json_object_get(o, "prereleases"));
	json_decref(o);
	return (0);
}

/* Free what driver_config() allocated. */
static void
driver_config_free(struct source_config *sc)
{
	free(sc->repo);
	free(sc->project);
	free(sc->api);
	free(sc->base_url);
	free(sc->token_env);
}

int
main(int argc, char **argv)
{
	struct source_config	 sc;
	struct loop		*loop;
	struct http		*http;
	struct driver		 d;
	const struct http_stats	*st;
	const char		*cache = NULL;
	long long		 count = 1, timeout = 30, attempts = 3, i;
	unsigned long		 r0, n0, t0;
	uint64_t		 start;
	int			 ch, status = 0;

	while ((ch = getopt(argc, argv, "n:C:t:a:")) != -1) {
		switch (ch) {
		case 'n':
			if (str_to_ll(optarg, 1, 100, &count) != 0)
				goto usage;
			break;
		case 'C':
			cache = optarg;
			break;
		case 't':
			if (str_to_ll(optarg, 1, 3600, &timeout) != 0)
				goto usage;
			break;
		case 'a':
			if (str_to_ll(optarg, 1, 10, &attempts) != 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;
	if (driver_config(argv[optind], &sc) != 0)
		return (2);

	loop = loop_new();
	http = http_new(loop);
	http_set_timeouts(http, 5, (long)timeout);
	http_set_attempts(http, (int)attempts);
	http_set_cache_dir(http, cache);
	st = http_stats(http);
	for (i = 0; i < count; i++) {
		memset(&d, 0, sizeof d);
		r0 = st->requests;
		n0 = st->not_modified;
		t0 = st->retries;
		start = time_mono_ms();
		if (source_fetch(http, &sc, driver_done, &d) != 0) {
			fprintf(stderr, "source-driver: bad source config\n");
			status = 2;
			break;
		}
		while (!d.done)
			loop_once(loop, 1000);
		driver_print(d.res, st, r0, n0, t0, time_mono_ms() - start);
		status = d.res->error != NULL ? 1 : 0;
		source_result_free(d.res);
	}
	http_free(http);
	loop_free(loop);
	driver_config_free(&sc);
	return (status);

usage:
	fprintf(stderr, "usage: source-driver [-n COUNT] [-C CACHEDIR] "
	    "[-t SECONDS] [-a ATTEMPTS] JSON\n");
	return (2);
}
