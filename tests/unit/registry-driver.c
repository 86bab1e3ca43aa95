/*
 * registry-driver.c — run registry client calls from the command line and
 * print each result as one JSON line (for the integration tests).
 *
 *   registry-driver [-P] [-S] [-c N] [-s N] HOST tags REPO
 *   registry-driver ... HOST get REPO REF [resolve]
 *   registry-driver ... HOST head REPO REF
 *   registry-driver ... HOST put REPO REF MEDIA_TYPE FILE
 *
 * -P asks for push rights, -S speaks https, -c N runs N copies at once,
 * -s N runs N copies one after another, -n N sets the tags page size,
 * -C cancels every copy but the first right after starting them, -F frees
 * the registry inside the first callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "http.h"
#include "loop.h"
#include "registry.h"
#include "util.h"

static struct registry	*reg;
static int		 pending;
static int		 sequential;
static char		**cmd;
static int		 ncmd;
static char		*put_body;
static size_t		 put_len;
static int		 free_in_cb;

static void	start(void *);

/* Print one JSON object and free it. */
static void
emit(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

/* A result object with status and error. */
static json_t *
result(int status, const char *errmsg)
{
	json_t *o = json_object();

	json_object_set_new(o, "status", json_integer(status));
	if (errmsg != NULL)
		json_object_set_new(o, "error", json_string(errmsg));
	return o;
}

/* One call finished: start the next one when running in sequence. */
static void
finished(void)
{
	pending--;
	if (free_in_cb) {
		registry_free(reg);
		reg = NULL;
		pending = 0;
		return;
	}
	if (sequential > 0) {
		sequential--;
		start(NULL);
	}
}

/* A platform as JSON. */
static json_t *
platform(const struct registry_platform *p)
{
	return json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:I}", "os", p->os,
	    "architecture", p->architecture, "variant", p->variant,
	    "digest", p->digest, "media_type", p->media_type, "size",
	    (json_int_t)p->size);
}

/* registry_list_tags callback. */
static void
tags_cb(int status, char *const *tags, size_t n, const char *errmsg,
    void *arg)
{
	json_t *o = result(status, errmsg), *a = json_array();
	size_t i;

	(void)arg;
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(tags[i]));
	json_object_set_new(o, "tags", a);
	emit(o);
	finished();
}

/* registry_get_manifest / registry_head_manifest callback. */
static void
manifest_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	json_t *o = result(status, errmsg), *a;
	size_t i;

	(void)arg;
	if (m != NULL) {
		json_object_set_new(o, "digest", json_string(m->digest));
		if (m->media_type != NULL)
			json_object_set_new(o, "media_type",
			    json_string(m->media_type));
		json_object_set_new(o, "is_index", json_boolean(m->is_index));
		if (m->body != NULL)
			json_object_set_new(o, "body", json_stringn(m->body,
			    m->len));
		a = json_array();
		for (i = 0; i < m->nplatforms; i++)
			json_array_append_new(a, platform(&m->platforms[i]));
		json_object_set_new(o, "platforms", a);
		json_object_set_new(o, "platform", platform(&m->platform));
		if (m->config_digest != NULL)
			json_object_set_new(o, "config_digest",
			    json_string(m->config_digest));
	}
	emit(o);
	finished();
}

/* registry_put_manifest callback. */
static void
put_cb(int status, const char *digest, const char *errmsg, void *arg)
{
	json_t *o = result(status, errmsg);

	(void)arg;
	if (digest != NULL)
		json_object_set_new(o, "digest", json_string(digest));
	emit(o);
	finished();
}

/* Start one call of the command. */
static void
start(void *arg)
{
	pending++;
	if (strcmp(cmd[0], "tags") == 0)
		registry_list_tags(reg, cmd[1], tags_cb, arg);
	else if (strcmp(cmd[0], "get") == 0)
		registry_get_manifest(reg, cmd[1], cmd[2], ncmd > 3 &&
		    strcmp(cmd[3], "resolve") == 0, manifest_cb, arg);
	else if (strcmp(cmd[0], "head") == 0)
		registry_head_manifest(reg, cmd[1], cmd[2], manifest_cb, arg);
	else
		registry_put_manifest(reg, cmd[1], cmd[2], cmd[3], put_body,
		    put_len, put_cb, arg);
}

/* Print usage and exit. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: registry-driver [-CFPS] [-c N] [-n N] [-s N] HOST "
	    "tags|get|head|put ARGS...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct loop *loop;
	struct http *http;
	long long n;
	int c, push = 0, tls = 0, copies = 1, i, page = 0, cancel = 0;
	static char args[1000];
	uint64_t deadline;

	while ((c = getopt(argc, argv, "CFPSc:n:s:")) != -1) {
		switch (c) {
		case 'C':
			cancel = 1;
			break;
		case 'F':
			free_in_cb = 1;
			break;
		case 'P':
			push = 1;
			break;
		case 'S':
			tls = 1;
			break;
		case 'c':
			if (str_to_ll(optarg, 1, 1000, &n) != 0)
				usage();
			copies = (int)n;
			break;
		case 'n':
			if (str_to_ll(optarg, 1, 10000, &n) != 0)
				usage();
			page = (int)n;
			break;
		case 's':
			if (str_to_ll(optarg, 1, 1000, &n) != 0)
				usage();
			sequential = (int)n - 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		usage();
	cmd = argv + 1;
	ncmd = argc - 1;
	if ((strcmp(cmd[0], "tags") == 0 && ncmd != 2) ||
	    ((strcmp(cmd[0], "get") == 0) && ncmd != 3 && ncmd != 4) ||
	    (strcmp(cmd[0], "head") == 0 && ncmd != 3) ||
	    (strcmp(cmd[0], "put") == 0 && ncmd != 5))
		usage();
	if (strcmp(cmd[0], "put") == 0 &&
	    file_read(cmd[4], 8 * 1024 * 1024, &put_body, &put_len) != 0) {
		perror(cmd[4]);
		return 2;
	}
	if (strcmp(cmd[0], "tags") != 0 && strcmp(cmd[0], "get") != 0 &&
	    strcmp(cmd[0], "head") != 0 && strcmp(cmd[0], "put") != 0)
		usage();

	loop = loop_new();
	http = http_new(loop);
	http_set_timeouts(http, 5, 20);
	reg = registry_new(http, argv[0], !tls);
	registry_set_push(reg, push);
	if (page > 0)
		registry_set_page_size(reg, page);
	for (i = 0; i < copies; i++)
		start(&args[i]);
	for (i = 1; cancel && i < copies; i++) {
		registry_cancel_arg(reg, &args[i]);
		pending--;
	}
	deadline = time_mono_ms() + 60000;
	while (pending > 0 && time_mono_ms() < deadline)
		loop_once(loop, 1000);
	registry_free(reg);
	http_free(http);
	loop_free(loop);
	free(put_body);
	if (pending > 0) {
		fprintf(stderr, "registry-driver: timed out\n");
		return 1;
	}
	return 0;
}
