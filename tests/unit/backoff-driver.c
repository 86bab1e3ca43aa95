/*
 * backoff-driver.c — a registry that answers 429 TOOMANYREQUESTS without
 * saying when: the host backs off 60 s, then (once that is over) twice
 * as long, at most the window its ratelimit-* headers name; while backing
 * off, nothing is sent.
 *
 *   backoff-driver HOST REPO REF      (plain http)
 *
 * Prints "first=S second=S window=S held=0|1".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "loop.h"
#include "registry.h"
#include "util.h"

static int	 done;
static int	 last_status;
static char	*last_error;

static void
on_manifest(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	(void)m;
	(void)arg;
	last_status = status;
	free(last_error);
	last_error = xstrdup(errmsg);
	done = 1;
}

/* GET once and wait for the answer. */
static void
get(struct loop *loop, struct registry *reg, const char *repo,
    const char *ref)
{
	uint64_t deadline = time_mono_ms() + 30000;

	done = 0;
	registry_get_manifest(reg, repo, ref, 0, on_manifest, NULL);
	while (!done && time_mono_ms() < deadline)
		loop_once(loop, 500);
}

/* The host's rate-limit record (writable: the test ends its back-off). */
static struct http_ratelimit *
record(struct http *http)
{
	const struct http_ratelimit *rl;

	return http_ratelimits(http, &rl) > 0 ?
	    (struct http_ratelimit *)(uintptr_t)rl : NULL;
}

int
main(int argc, char **argv)
{
	struct loop *loop;
	struct http *http;
	struct registry *reg;
	struct http_ratelimit *rl;
	long first, second;
	unsigned long before;
	int held;

	if (argc != 4) {
		fprintf(stderr, "usage: backoff-driver HOST REPO REF\n");
		return 2;
	}
	loop = loop_new();
	http = http_new(loop);
	http_set_timeouts(http, 5, 20);
	reg = registry_new(http, argv[1], 1);

	get(loop, reg, argv[2], argv[3]);
	if ((rl = record(http)) == NULL || last_status != -1) {
		fprintf(stderr, "no 429 recorded (%d %s)\n", last_status,
		    last_error ? last_error : "");
		return 1;
	}
	first = (long)(rl->blocked_until - time(NULL));

	/* Backing off: nothing is sent. */
	before = http_stats(http)->requests;
	get(loop, reg, argv[2], argv[3]);
	held = http_stats(http)->requests == before && last_status == -1 &&
	    last_error != NULL && strstr(last_error, "backing off") != NULL;

	/* The back-off is over: the next 429 doubles it. */
	rl->blocked_until = 0;
	get(loop, reg, argv[2], argv[3]);
	rl = record(http);
	second = (long)(rl->blocked_until - time(NULL));
	printf("first=%ld second=%ld window=%ld held=%d\n",
	    first >= 59 ? 60 : first, second >= 119 ? 120 : second,
	    rl->window, held);
	registry_free(reg);
	http_free(http);
	loop_free(loop);
	free(last_error);
	return 0;
}
