/*
 * http-driver.c — runs HTTP requests concurrently on one loop and prints one
 * JSON line per event, for tests/integration/test_http.py.
 *
 * Requests come on stdin, one per line, as space-separated key=value words:
 *   id=NAME url=URL [method=M] [header=Name:value]... [body=TEXT]
 *   [timeout=MS] [attempts=N] [maxbody=N] [cache=1] [salt=S] [follow=1]
 *   [retry_after_max=S] [after=ID] [cancel_ms=MS]
 * Requests with after=ID start when request ID has answered.
 *
 * Options: --cache-dir DIR, --timer MS (prints when it fires),
 * --wakeup MS (a SIGALRM handler calls loop_wakeup after MS),
 * --host-limit N, --connect-timeout S, --linger MS (keep the loop running
 * after the last answer).
 * At the end it prints the rate limits and the stats.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <jansson.h>

#include "http.h"
#include "loop.h"
#include "util.h"

#define MAX_REQS	256
#define MAX_HDRS	16

struct dreq {
	char			*line;
	const char		*id;
	const char		*after;
	struct http_request	 req;
	const char		*hdrs[MAX_HDRS + 1];
	long			 cancel_ms;
	int			 started;
	int			 done;
	uint64_t		 t0;
};

static struct dreq	 reqs[MAX_REQS];
static size_t		 nreqs;
static struct loop	*lp;
static struct http	*hc;
static uint64_t		 t_start;
static int		 pending;
static int		 timers;
static volatile sig_atomic_t got_alarm;

static void	start(struct dreq *);

/* Print a JSON object and free it. */
static void
emit(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

/* A response arrived. */
static void
on_response(const struct http_response *r, void *arg)
{
	struct dreq *d = arg;
	json_t *o, *h;
	char *desc;
	size_t i;

	d->done = 1;
	pending--;
	o = json_object();
	json_object_set_new(o, "id", json_string(d->id));
	json_object_set_new(o, "status", json_integer(r->status));
	json_object_set_new(o, "len", json_integer((json_int_t)r->len));
	json_object_set_new(o, "attempts", json_integer(r->attempts));
	json_object_set_new(o, "from_cache", json_integer(r->from_cache));
	json_object_set_new(o, "error", r->error ? json_string(r->error) :
	    json_null());
	json_object_set_new(o, "start_ms",
	    json_integer((json_int_t)(d->t0 - t_start)));
	json_object_set_new(o, "elapsed_ms",
	    json_integer((json_int_t)(time_mono_ms() - d->t0)));
	json_object_set_new(o, "url", json_string(r->url));
	if (r->status >= 400 || r->error != NULL) {
		desc = http_describe_error(r);
		json_object_set_new(o, "describe", json_string(desc));
		free(desc);
	}
	json_object_set_new(o, "body", json_stringn_nocheck(r->body,
	    r->len < 4096 ? r->len : 4096));
	h = json_object();
	for (i = 0; i < r->nheaders; i++) {
		char *lower = xstrdup(r->headers[i].name);
		char *p;

		for (p = lower; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p += 'a' - 'A';
		json_object_set_new(h, lower, json_string(r->headers[i].value));
		free(lower);
	}
	json_object_set_new(o, "headers", h);
	emit(o);

	for (i = 0; i < nreqs; i++) {
		if (!reqs[i].started && reqs[i].after != NULL &&
		    strcmp(reqs[i].after, d->id) == 0)
			start(&reqs[i]);
	}
}

/* Cancel timer: drop the request without a callback. */
static void
on_cancel(void *arg)
{
	struct dreq *d = arg;
	json_t *o;

	if (d->done)
		return;
	http_cancel_arg(hc, d);
	d->done = 1;
	pending--;
	o = json_object();
	json_object_set_new(o, "id", json_string(d->id));
	json_object_set_new(o, "cancelled", json_true());
	emit(o);
}

/* Start one request. */
static void
start(struct dreq *d)
{
	json_t *o;

	d->started = 1;
	d->t0 = time_mono_ms();
	if (http_request(hc, &d->req, on_response, d) != 0) {
		d->done = 1;
		pending--;
		o = json_object();
		json_object_set_new(o, "id", json_string(d->id));
		json_object_set_new(o, "refused", json_true());
		emit(o);
		return;
	}
	if (d->cancel_ms > 0)
		loop_timer_add(lp, d->cancel_ms, on_cancel, d);
}

/* A timer from --timer. */
static void
on_timer(void *arg)
{
	json_t *o = json_object();

	timers--;
	json_object_set_new(o, "timer", json_integer((json_int_t)(intptr_t)arg));
	json_object_set_new(o, "elapsed_ms",
	    json_integer((json_int_t)(time_mono_ms() - t_start)));
	emit(o);
}

/* SIGALRM: wake the loop from a signal handler. */
static void
on_alarm(int sig)
{
	(void)sig;
	got_alarm = 1;
	loop_wakeup(lp);
}

/* Parse one request line into d; -1 on a bad word. */
static int
parse_line(struct dreq *d, char *line)
{
	char *rest = line, *w, *eq;
	size_t nh = 0;

	d->line = line;
	while ((w = strsep(&rest, " \t\n")) != NULL) {
		if (*w == '\0')
			continue;
		if ((eq = strchr(w, '=')) == NULL)
			return -1;
		*eq++ = '\0';
		if (strcmp(w, "id") == 0)
			d->id = eq;
		else if (strcmp(w, "url") == 0)
			d->req.url = eq;
		else if (strcmp(w, "method") == 0)
			d->req.method = eq;
		else if (strcmp(w, "header") == 0 && nh < MAX_HDRS) {
			char *c = strchr(eq, ':');

			if (c != NULL && c[1] == '_')
				c[1] = ' ';
			d->hdrs[nh++] = eq;
			d->req.headers = d->hdrs;
		} else if (strcmp(w, "body") == 0) {
			d->req.body = eq;
			d->req.body_len = strlen(eq);
		} else if (strcmp(w, "timeout") == 0)
			d->req.timeout_ms = strtol(eq, NULL, 10);
		else if (strcmp(w, "attempts") == 0)
			d->req.max_attempts = (int)strtol(eq, NULL, 10);
		else if (strcmp(w, "maxbody") == 0)
			d->req.max_body = strtoul(eq, NULL, 10);
		else if (strcmp(w, "cache") == 0)
			d->req.cache = (int)strtol(eq, NULL, 10);
		else if (strcmp(w, "salt") == 0)
			d->req.cache_salt = eq;
		else if (strcmp(w, "follow") == 0)
			d->req.follow_redirects = (int)strtol(eq, NULL, 10);
		else if (strcmp(w, "retry_after_max") == 0)
			d->req.max_retry_after = strtol(eq, NULL, 10);
		else if (strcmp(w, "after") == 0)
			d->after = eq;
		else if (strcmp(w, "cancel_ms") == 0)
			d->cancel_ms = strtol(eq, NULL, 10);
		else
			return -1;
	}
	d->hdrs[nh] = NULL;
	return d->id != NULL && d->req.url != NULL ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const struct http_ratelimit *rl;
	const struct http_stats *st;
	char line[8192];
	long wakeup_ms = -1, linger_ms = 0;
	uint64_t t_end;
	size_t i, n;
	json_t *o;
	int a;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	lp = loop_new();
	hc = http_new(lp);
	t_start = time_mono_ms();
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--cache-dir") == 0 && a + 1 < argc)
			http_set_cache_dir(hc, argv[++a]);
		else if (strcmp(argv[a], "--timer") == 0 && a + 1 < argc) {
			long ms = strtol(argv[++a], NULL, 10);

			loop_timer_add(lp, ms, on_timer, (void *)(intptr_t)ms);
			timers++;
		} else if (strcmp(argv[a], "--wakeup") == 0 && a + 1 < argc)
			wakeup_ms = strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--linger") == 0 && a + 1 < argc)
			linger_ms = strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--host-limit") == 0 && a + 1 < argc)
			loop_set_host_limit(lp, strtol(argv[++a], NULL, 10));
		else if (strcmp(argv[a], "--connect-timeout") == 0 &&
		    a + 1 < argc)
			http_set_timeouts(hc, strtol(argv[++a], NULL, 10), 0);
		else if (strcmp(argv[a], "--stall") == 0 && a + 1 < argc)
			http_set_stall(hc, strtol(argv[++a], NULL, 10));
		else {
			fprintf(stderr, "usage: http-driver [options] < requests\n");
			return 2;
		}
	}
	while (nreqs < MAX_REQS && fgets(line, sizeof line, stdin) != NULL) {
		if (line[0] == '\n' || line[0] == '#')
			continue;
		if (parse_line(&reqs[nreqs], xstrdup(line)) != 0) {
			fprintf(stderr, "http-driver: bad request line\n");
			return 2;
		}
		nreqs++;
	}
	pending = (int)nreqs;
	for (i = 0; i < nreqs; i++) {
		if (reqs[i].after == NULL)
			start(&reqs[i]);
	}

	if (wakeup_ms >= 0) {
		struct sigaction sa;
		struct itimerval it;
		uint64_t t0;
		int dispatched;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		memset(&it, 0, sizeof it);
		it.it_value.tv_sec = wakeup_ms / 1000;
		it.it_value.tv_usec = (wakeup_ms % 1000) * 1000;
		t0 = time_mono_ms();
		setitimer(ITIMER_REAL, &it, NULL);
		dispatched = loop_once(lp, 20000);
		o = json_object();
		json_object_set_new(o, "wakeup", json_integer(got_alarm));
		json_object_set_new(o, "dispatched", json_integer(dispatched));
		json_object_set_new(o, "elapsed_ms",
		    json_integer((json_int_t)(time_mono_ms() - t0)));
		emit(o);
	}

	while (pending > 0 || timers > 0 || loop_easy_count(lp) > 0)
		loop_once(lp, 1000);
	/* Keep running a while: a cancelled request must stay silent. */
	t_end = time_mono_ms() + (uint64_t)linger_ms;
	while (time_mono_ms() < t_end)
		loop_once(lp, (long)(t_end - time_mono_ms()));

	n = http_ratelimits(hc, &rl);
	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new(o, "ratelimit", json_string(rl[i].host));
		json_object_set_new(o, "limit", json_integer(rl[i].limit));
		json_object_set_new(o, "remaining",
		    json_integer(rl[i].remaining));
		json_object_set_new(o, "reset", json_integer(rl[i].reset));
		json_object_set_new(o, "blocked_until",
		    json_integer(rl[i].blocked_until));
		emit(o);
	}
	st = http_stats(hc);
	o = json_object();
	json_object_set_new(o, "stats", json_true());
	json_object_set_new(o, "requests", json_integer((json_int_t)st->requests));
	json_object_set_new(o, "not_modified",
	    json_integer((json_int_t)st->not_modified));
	json_object_set_new(o, "retries", json_integer((json_int_t)st->retries));
	emit(o);

	http_free(hc);
	loop_free(lp);
	for (i = 0; i < nreqs; i++)
		free(reqs[i].line);
	curl_global_cleanup();
	return 0;
}
