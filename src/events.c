/*
 * events.c — the event model, the shared event history and the
 * comparisons that derive events from refreshes and job ends. Delivery to
 * the sinks is notify.c's; this file decides what is sent to which sink,
 * records it first, and records that it was sent.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "events.h"
#include "http.h"
#include "loop.h"
#include "model.h"
#include "notify.h"
#include "util.h"

#define EVENTS_SCHEMA		"mirrortop.events-history/v1"
#define EVENTS_FILE_MAX		(16 * 1024 * 1024)
#define EVENTS_VERSIONS_KEPT	200	/* per app, in and out of the window */
#define EVENTS_DELIVERIES_MAX	4	/* in flight at once */

static const char *const event_type_names[EVENT_NTYPES] = {
	[EVENT_NEW_VERSION] = "new_version",
	[EVENT_VERSION_COMPLETE] = "version_complete",
	[EVENT_VERSION_INCOMPLETE] = "version_incomplete",
	[EVENT_BUILD_FAILED] = "build_failed",
	[EVENT_BUILD_SUCCEEDED] = "build_succeeded",
	[EVENT_MERGED] = "merged",
	[EVENT_LATEST_MOVED] = "latest_moved",
	[EVENT_LATEST_DRIFT] = "latest_drift",
	[EVENT_APP_ERROR] = "app_error",
	[EVENT_APP_RECOVERED] = "app_recovered",
	[EVENT_RATE_LIMIT_LOW] = "rate_limit_low",
	[EVENT_BASE_MOVED] = "base_moved",
};

/* One event for one sink, queued or being sent. */
struct delivery {
	struct events		*events;
	struct event		*event;
	size_t			 sink;		/* index in cfg->notify */
	struct notify_op	*op;		/* NULL while queued */
	struct delivery		*next;
};

struct events {
	const struct config	*cfg;
	struct loop		*loop;
	struct http		*http;
	char			*dir;
	char			*path;		/* events.json */
	char			*lock_path;	/* events.lock */
	char			*claims;	/* events.d */
	char			 token[17];	/* this process's claim */
	int			 token_fd;	/* flock held while alive */
	events_cb		 cb;
	void			*cb_arg;
	events_log_cb		 log;
	void			*log_arg;
	struct delivery		*deliveries;
	int			 in_flight;
	/* Within one update of the history. */
	struct event		**recorded;
	size_t			 nrecorded;
	int			 fresh;		/* the history was just created */
};

const char *
event_type_name(enum event_type t)
{
	return (unsigned)t < EVENT_NTYPES ? event_type_names[t] : "?";
}

int
event_type_from_name(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < EVENT_NTYPES; i++)
		if (strcmp(event_type_names[i], s) == 0)
			return i;
	return -1;
}

void
event_free(struct event *ev)
{
	if (ev == NULL)
		return;
	free(ev->id);
	free(ev->kind);
	free(ev->app);
	free(ev->version);
	free(ev->arch);
	free(ev->target);
	free(ev->message);
	free(ev);
}

void
event_list_free(struct event **list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		event_free(list[i]);
	free(list);
}

/* A string for JSON: sanitized (jansson wants UTF-8), or null. */
static json_t *
events_jstr(const char *s)
{
	char *clean;
	json_t *j;

	if (s == NULL)
		return json_null();
	clean = str_oneline(s, EVENTS_MESSAGE_MAX);
	j = json_string(clean);
	free(clean);
	return j != NULL ? j : json_null();
}

/* The public fields of an event. New reference. */
static json_t *
events_to_json(const struct event *ev)
{
	json_t *o = json_object();
	char t[32];

	time_iso8601(ev->time, t, sizeof t);
	json_object_set_new(o, "id", events_jstr(ev->id));
	json_object_set_new(o, "type", json_string(event_type_name(ev->type)));
	json_object_set_new(o, "kind", events_jstr(ev->kind));
	json_object_set_new(o, "app", events_jstr(ev->app));
	json_object_set_new(o, "version", events_jstr(ev->version));
	json_object_set_new(o, "arch", events_jstr(ev->arch));
	json_object_set_new(o, "target", events_jstr(ev->target));
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "message", events_jstr(ev->message));
	return o;
}

char *
event_json(const struct event *ev)
{
	json_t *o = events_to_json(ev);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	return s != NULL ? s : xstrdup("{}");
}

/* "YYYY-MM-DDTHH:MM:SSZ" to epoch; -1 when it is not that. */
static time_t
events_parse_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	char z;

	if (s == NULL || strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se,
	    &z) != 7 || z != 'Z' || y < 1970 || y > 9999 || mo < 1 ||
	    mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 ||
	    h < 0 || mi < 0 || se < 0)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return timegm(&tm);
}

/* An optional string member, copied; -1 when it is not a string. */
static int
events_opt_str(json_t *o, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* One history entry to an event; NULL with *cause, or NULL and no cause
 * for an entry of a type this version does not know (skipped). */
static struct event *
events_from_json(json_t *o, size_t i, char **cause)
{
	struct event *ev;
	json_t *v;
	int t;

	if (!json_is_object(o)) {
		*cause = xasprintf("events[%zu]: not an object", i);
		return NULL;
	}
	v = json_object_get(o, "type");
	if (!json_is_string(v)) {
		*cause = xasprintf("events[%zu]: no type", i);
		return NULL;
	}
	if ((t = event_type_from_name(json_string_value(v))) == -1)
		return NULL;
	ev = xcalloc(1, sizeof *ev);
	ev->type = (enum event_type)t;
	v = json_object_get(o, "id");
	if (!json_is_string(v) || *json_string_value(v) == '\0') {
		*cause = xasprintf("events[%zu]: no id", i);
		goto fail;
	}
	ev->id = xstrdup(json_string_value(v));
	v = json_object_get(o, "seq");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*cause = xasprintf("events[%zu]: no seq", i);
		goto fail;
	}
	ev->seq = (unsigned long)json_integer_value(v);
	v = json_object_get(o, "time");
	if ((ev->time = events_parse_time(json_string_value(v))) == -1) {
		*cause = xasprintf("events[%zu]: time is not ISO 8601 UTC", i);
		goto fail;
	}
	if (events_opt_str(o, "kind", &ev->kind) == -1 ||
	    events_opt_str(o, "app", &ev->app) == -1 ||
	    events_opt_str(o, "version", &ev->version) == -1 ||
	    events_opt_str(o, "arch", &ev->arch) == -1 ||
	    events_opt_str(o, "target", &ev->target) == -1 ||
	    events_opt_str(o, "message", &ev->message) == -1) {
		*cause = xasprintf("events[%zu]: a field is not a string", i);
		goto fail;
	}
	return ev;
fail:
	event_free(ev);
	return NULL;
}

/* Check the top level of a history document. */
static int
events_doc_check(json_t *doc, char **cause)
{
	json_t *v;

	if (!json_is_object(doc)) {
		*cause = xstrdup("not a JSON object");
		return -1;
	}
	v = json_object_get(doc, "schema");
	if (!json_is_string(v) || strcmp(json_string_value(v),
	    EVENTS_SCHEMA) != 0) {
		*cause = xstrdup("not a mirrortop event history (schema)");
		return -1;
	}
	if (!json_is_array(json_object_get(doc, "events")) ||
	    !json_is_object(json_object_get(doc, "apps")) ||
	    !json_is_integer(json_object_get(doc, "next_seq")) ||
	    !json_is_string(json_object_get(doc, "history_id"))) {
		*cause = xstrdup("events, apps, next_seq or history_id "
		    "missing or of the wrong type");
		return -1;
	}
	return 0;
}

int
events_history_parse(const char *text, size_t len, struct event ***list,
    size_t *n, char **cause)
{
	json_error_t jerr;
	json_t *doc, *arr, *o;
	struct event *ev;
	char *why = NULL;
	size_t i;

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		char *m = str_oneline(jerr.text, 200);

		*cause = xasprintf("line %d: invalid JSON: %s", jerr.line, m);
		free(m);
		return -1;
	}
	if (events_doc_check(doc, cause) == -1) {
		json_decref(doc);
		return -1;
	}
	arr = json_object_get(doc, "events");
	json_array_foreach(arr, i, o) {
		if ((ev = events_from_json(o, i, &why)) == NULL) {
			if (why != NULL) {
				*cause = why;
				json_decref(doc);
				return -1;
			}
			continue;
		}
		*list = xreallocarray(*list, *n + 1, sizeof **list);
		(*list)[(*n)++] = ev;
	}
	json_decref(doc);
	return 0;
}

int
events_history_read(const char *dir, struct event ***list, size_t *n,
    char **cause)
{
	char *path = xasprintf("%s/events.json", dir), *text = NULL, *why;
	size_t len = 0;
	int rc;

	if (file_read(path, EVENTS_FILE_MAX, &text, &len) != 0) {
		if (errno == ENOENT) {
			free(path);
			return 0;
		}
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	rc = events_history_parse(text, len, list, n, &why);
	if (rc == -1) {
		*cause = xasprintf("%s: %s", path, why);
		free(why);
	}
	free(text);
	free(path);
	return rc;
}

int
events_parse_duration(const char *s, long *seconds)
{
	static const struct {
		char	 unit;
		long	 mult;
	} units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 604800 },
	};
	long long n;
	char *end;
	size_t i;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || n < 0 || n > 100L * 365 * 86400)
		return -1;
	if (*end == '\0') {
		*seconds = (long)n;
		return 0;
	}
	if (end[1] != '\0')
		return -1;
	for (i = 0; i < MT_ARRAY_LEN(units); i++) {
		if (units[i].unit == *end) {
			*seconds = (long)(n * units[i].mult);
			return 0;
		}
	}
	return -1;
}

/* ---- logging ---- */

/* Tell the front end and append to <state dir>/notify.log. */
static void
events_logf(struct events *e, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
events_logf(struct events *e, int is_error, const char *fmt, ...)
{
	va_list ap;
	char *raw, *line, *path, t[32];
	struct stat sb;
	FILE *f;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	raw = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(raw, (size_t)n + 1, fmt, ap);
	va_end(ap);
	line = str_oneline(raw, 2048);
	free(raw);
	path = xasprintf("%s/notify.log", e->dir);
	if (stat(path, &sb) == 0 && sb.st_size > 1024 * 1024) {
		char *old = xasprintf("%s.1", path);

		rename(path, old);
		free(old);
	}
	if ((f = fopen(path, "a")) != NULL) {
		time_iso8601(time(NULL), t, sizeof t);
		fprintf(f, "%s %s%s\n", t, is_error ? "error: " : "", line);
		fclose(f);
	}
	free(path);
	if (e->log != NULL)
		e->log(line, is_error, e->log_arg);
	free(line);
}

/* ---- the history file, under the lock ---- */

/* A new, empty history document. New reference. */
static json_t *
events_doc_new(void)
{
	unsigned char rnd[8];
	char id[17];
	size_t i;
	int fd;
	uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
	    time_mono_ms();
	json_t *doc;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, rnd, sizeof rnd) == (ssize_t)sizeof rnd)
			for (i = 0; i < sizeof rnd; i++)
				x ^= (uint64_t)rnd[i] << (8 * i);
		close(fd);
	}
	snprintf(id, sizeof id, "%016llx", (unsigned long long)x);
	doc = json_object();
	json_object_set_new(doc, "schema", json_string(EVENTS_SCHEMA));
	json_object_set_new(doc, "history_id", json_string(id));
	json_object_set_new(doc, "next_seq", json_integer(1));
	json_object_set_new(doc, "apps", json_object());
	json_object_set_new(doc, "budgets", json_object());
	json_object_set_new(doc, "events", json_array());
	return doc;
}

/*
 * Lock the history and read it. A missing file is a new history (a
 * baseline); a corrupt one is set aside as events.json.bad and replaced.
 * NULL (and *lockfd -1) when the lock cannot be taken.
 */
static json_t *
events_tx_begin(struct events *e, int *lockfd)
{
	json_error_t jerr;
	json_t *doc = NULL;
	char *text = NULL, *why = NULL, *bad;
	size_t len = 0;
	int fd;

	e->fresh = 0;
	fd = open(e->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		events_logf(e, 1, "event history: %s: %s", e->lock_path,
		    strerror(errno));
		*lockfd = -1;
		return NULL;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			events_logf(e, 1, "event history: %s: %s",
			    e->lock_path, strerror(errno));
			close(fd);
			*lockfd = -1;
			return NULL;
		}
	}
	*lockfd = fd;
	if (file_read(e->path, EVENTS_FILE_MAX, &text, &len) != 0) {
		if (errno != ENOENT)
			events_logf(e, 1, "event history: %s: %s; starting a "
			    "new one", e->path, strerror(errno));
		e->fresh = 1;
		return events_doc_new();
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (doc == NULL)
		why = xasprintf("invalid JSON at line %d", jerr.line);
	else if (events_doc_check(doc, &why) == -1) {
		json_decref(doc);
		doc = NULL;
	}
	if (doc == NULL) {
		bad = xasprintf("%s.bad", e->path);
		rename(e->path, bad);
		events_logf(e, 1, "event history: %s: %s; set aside as %s, "
		    "a new history starts with a baseline", e->path, why, bad);
		free(bad);
		free(why);
		e->fresh = 1;
		return events_doc_new();
	}
	if (!json_is_object(json_object_get(doc, "budgets")))
		json_object_set_new(doc, "budgets", json_object());
	return doc;
}

/* Whether an event entry still has sinks to be sent to. */
static int
events_entry_pending(json_t *o)
{
	return json_array_size(json_object_get(o, "pending")) > 0;
}

/* Keep the newest events (those still to be sent get some slack). */
static void
events_trim(struct events *e, json_t *doc)
{
	json_t *arr = json_object_get(doc, "events");
	size_t keep = (size_t)(e->cfg->notify_keep > 0 ? e->cfg->notify_keep :
	    EVENTS_KEEP_DEFAULT);
	size_t i = 0;

	while (json_array_size(arr) > keep && i < json_array_size(arr)) {
		if (events_entry_pending(json_array_get(arr, i)) &&
		    json_array_size(arr) <= 2 * keep) {
			i++;
			continue;
		}
		json_array_remove(arr, i);
	}
}

/* Write (when dirty), unlock, then tell and send what was recorded. */
static void
events_tx_end(struct events *e, json_t *doc, int lockfd, int dirty)
{
	char *text, *cause = NULL;
	size_t i;

	if (doc != NULL && dirty) {
		events_trim(e, doc);
		text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		if (text == NULL)
			events_logf(e, 1, "event history: cannot serialize");
		else if (file_write_atomic(e->path, text, strlen(text),
		    &cause) != 0) {
			events_logf(e, 1, "event history: %s", cause);
			free(cause);
		}
		free(text);
	}
	json_decref(doc);
	if (lockfd != -1) {
		flock(lockfd, LOCK_UN);
		close(lockfd);
	}
	for (i = 0; i < e->nrecorded; i++) {
		if (e->cb != NULL)
			e->cb(e->recorded[i], e->cb_arg);
		event_free(e->recorded[i]);
	}
	free(e->recorded);
	e->recorded = NULL;
	e->nrecorded = 0;
}

/* ---- deliveries ---- */

static void	events_pump(struct events *);

/* Record the outcome of a delivery in the history. */
static void
events_mark(struct events *e, const char *id, const char *sink, int ok)
{
	json_t *doc, *arr, *o, *pend, *v;
	size_t i, j;
	int fd;

	if ((doc = events_tx_begin(e, &fd)) == NULL)
		return;
	arr = json_object_get(doc, "events");
	json_array_foreach(arr, i, o) {
		v = json_object_get(o, "id");
		if (!json_is_string(v) || strcmp(json_string_value(v), id) != 0)
			continue;
		pend = json_object_get(o, "pending");
		for (j = 0; j < json_array_size(pend); j++) {
			v = json_array_get(pend, j);
			if (json_is_string(v) &&
			    strcmp(json_string_value(v), sink) == 0) {
				json_array_remove(pend, j);
				break;
			}
		}
		v = json_object_get(o, ok ? "sent" : "failed");
		if (!json_is_array(v)) {
			v = json_array();
			json_object_set_new(o, ok ? "sent" : "failed", v);
		}
		json_array_append_new(v, json_string(sink));
		if (json_array_size(pend) == 0)
			json_object_del(o, "claim");
		break;
	}
	events_tx_end(e, doc, fd, 1);
}

/* A delivery ended. */
static void
events_delivered(int ok, const char *why, void *arg)
{
	struct delivery *d = arg, **pp;
	struct events *e = d->events;
	const struct notify_config *s = &e->cfg->notify[d->sink];

	d->op = NULL;
	e->in_flight--;
	for (pp = &e->deliveries; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	if (!ok)
		events_logf(e, 1, "notify[%zu] %s %s: %s", d->sink,
		    event_type_name(d->event->type), d->event->id,
		    why != NULL ? why : "failed");
	events_mark(e, d->event->id, s->id, ok);
	event_free(d->event);
	free(d);
	events_pump(e);
}

/* Start queued deliveries while there is room. */
static void
events_pump(struct events *e)
{
	struct delivery *d;

	for (d = e->deliveries; d != NULL &&
	    e->in_flight < EVENTS_DELIVERIES_MAX; d = d->next) {
		if (d->op != NULL)
			continue;
		e->in_flight++;
		d->op = notify_start(e->loop, e->http,
		    &e->cfg->notify[d->sink], d->event, events_delivered, d);
	}
}

/* Copy an event. */
static struct event *
events_dup(const struct event *ev)
{
	struct event *c = xcalloc(1, sizeof *c);

	c->id = xstrdup(ev->id);
	c->seq = ev->seq;
	c->type = ev->type;
	c->kind = xstrdup(ev->kind);
	c->app = xstrdup(ev->app);
	c->version = xstrdup(ev->version);
	c->arch = xstrdup(ev->arch);
	c->target = xstrdup(ev->target);
	c->time = ev->time;
	c->message = xstrdup(ev->message);
	return c;
}

/* Queue a delivery (unless that event is already queued for that sink). */
static void
events_queue(struct events *e, const struct event *ev, size_t sink)
{
	struct delivery *d, **pp;

	for (d = e->deliveries; d != NULL; d = d->next)
		if (d->sink == sink && strcmp(d->event->id, ev->id) == 0)
			return;
	d = xcalloc(1, sizeof *d);
	d->events = e;
	d->event = events_dup(ev);
	d->sink = sink;
	for (pp = &e->deliveries; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = d;
}

/* Index of the sink with that id in the configuration, -1 if none. */
static int
events_sink_index(struct events *e, const char *id)
{
	size_t i;

	for (i = 0; i < e->cfg->nnotify; i++)
		if (strcmp(e->cfg->notify[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Whether the process that made a claim is still running. */
static int
events_claim_alive(struct events *e, const char *token)
{
	char *path;
	const char *p;
	int fd, alive = 0;

	for (p = token; *p != '\0'; p++)
		if (!isxdigit((unsigned char)*p))
			return 0;
	path = xasprintf("%s/%s.lock", e->claims, token);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK)
			alive = 1;
		else
			unlink(path);
		close(fd);
	}
	free(path);
	return alive;
}

/*
 * Take over what processes that are gone left unsent, when this
 * process has every sink they were for. Returns whether doc changed.
 */
static int
events_claim_orphans(struct events *e, json_t *doc)
{
	json_t *arr = json_object_get(doc, "events"), *o, *pend, *v;
	struct event *ev;
	char *why = NULL;
	size_t i, j;
	int changed = 0, ok;

	if (e->token_fd == -1)
		return 0;
	json_array_foreach(arr, i, o) {
		if (!json_is_object(o) || !events_entry_pending(o))
			continue;
		v = json_object_get(o, "claim");
		if (json_is_string(v) && (strcmp(json_string_value(v),
		    e->token) == 0 || events_claim_alive(e,
		    json_string_value(v))))
			continue;
		pend = json_object_get(o, "pending");
		ok = 1;
		json_array_foreach(pend, j, v)
			if (!json_is_string(v) || events_sink_index(e,
			    json_string_value(v)) == -1)
				ok = 0;
		if (!ok || (ev = events_from_json(o, i, &why)) == NULL) {
			free(why);
			why = NULL;
			continue;
		}
		json_object_set_new(o, "claim", json_string(e->token));
		changed = 1;
		json_array_foreach(pend, j, v)
			events_queue(e, ev, (size_t)events_sink_index(e,
			    json_string_value(v)));
		event_free(ev);
	}
	return changed;
}

/* Whether a sink wants an event. */
static int
events_sink_wants(const struct notify_config *s, const struct event *ev)
{
	size_t i;

	if (!(s->events & (1UL << ev->type)))
		return 0;
	if (s->apps == NULL)
		return 1;
	for (i = 0; ev->app != NULL && i < s->napps; i++)
		if (strcmp(s->apps[i], ev->app) == 0)
			return 1;
	return 0;
}

/* Record a new event in doc, claimed by this process for its sinks. */
static void
events_add(struct events *e, json_t *doc, enum event_type type,
    const char *kind, const char *app, const char *version, const char *arch,
    const char *fmt, ...) __attribute__((format(printf, 8, 9)));
/* The target of the job event being added (events_job_ended), or NULL:
 * one thread, set and cleared around one events_add(). */
static const char *events_job_target;

static void
events_add(struct events *e, json_t *doc, enum event_type type,
    const char *kind, const char *app, const char *version, const char *arch,
    const char *fmt, ...)
{
	struct event *ev = xcalloc(1, sizeof *ev);
	json_t *o, *pend, *seqj = json_object_get(doc, "next_seq");
	va_list ap;
	char *raw;
	size_t i;
	int n;

	ev->seq = (unsigned long)json_integer_value(seqj);
	if (ev->seq == 0)
		ev->seq = 1;
	json_object_set_new(doc, "next_seq", json_integer((json_int_t)ev->seq +
	    1));
	ev->id = xasprintf("%s-%lu", json_string_value(json_object_get(doc,
	    "history_id")), ev->seq);
	ev->type = type;
	ev->kind = xstrdup(kind);
	ev->app = xstrdup(app);
	ev->version = xstrdup(version);
	ev->arch = xstrdup(arch);
	ev->target = xstrdup(events_job_target);
	ev->time = time(NULL);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	raw = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	*raw = '\0';
	va_start(ap, fmt);
	vsnprintf(raw, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
	va_end(ap);
	ev->message = str_oneline(raw, EVENTS_MESSAGE_MAX);
	free(raw);

	o = events_to_json(ev);
	json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
	pend = json_array();
	for (i = 0; i < e->cfg->nnotify; i++) {
		if (!events_sink_wants(&e->cfg->notify[i], ev))
			continue;
		json_array_append_new(pend, json_string(e->cfg->notify[i].id));
		events_queue(e, ev, i);
	}
	if (json_array_size(pend) > 0) {
		json_object_set_new(o, "pending", pend);
		json_object_set_new(o, "claim", json_string(e->token));
	} else
		json_decref(pend);
	json_array_append_new(json_object_get(doc, "events"), o);
	e->recorded = xreallocarray(e->recorded, e->nrecorded + 1,
	    sizeof *e->recorded);
	e->recorded[e->nrecorded++] = ev;
}

/* ---- comparing the model with the history's record ---- */

/* The app's record in doc (created). Borrowed. */
static json_t *
events_app_record(json_t *doc, const char *name)
{
	json_t *apps = json_object_get(doc, "apps");
	json_t *rec = json_object_get(apps, name);

	if (!json_is_object(rec)) {
		rec = json_object();
		json_object_set_new(apps, name, rec);
	}
	return rec;
}

/* A string member, or NULL. */
static const char *
events_get_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The archs of v that are not present, "amd64, arm64", or NULL. Caller
 * frees. The only one in *only (borrowed) when there is exactly one. */
static char *
events_absent_archs(const struct mt_app *a, const struct mt_version *v,
    const char **only)
{
	struct buf b;
	size_t i, n = 0;

	buf_init(&b, 0);
	*only = NULL;
	for (i = 0; i < a->cfg->narchs; i++) {
		if (v->archs[i] == ARCH_PRESENT)
			continue;
		buf_printf(&b, "%s%s %s", n > 0 ? ", " : "", a->cfg->archs[i],
		    arch_state_name(v->archs[i]));
		*only = n == 0 ? a->cfg->archs[i] : NULL;
		n++;
	}
	return b.data != NULL ? buf_steal(&b) : NULL;
}

/* The state to remember for a version ("unknown" without a registry
 * answer). */
static const char *
events_vstate(const struct mt_app *a, const struct mt_version *v)
{
	return a->registry_unknown ? "unknown" : version_state_name(v->state);
}

/* new_version for v. */
static void
events_new_version(struct events *e, json_t *doc, const struct mt_app *a,
    const struct mt_version *v)
{
	const char *only;
	char *absent = events_absent_archs(a, v, &only);
	const char *name = a->cfg->name;

	if (a->registry_unknown)
		events_add(e, doc, EVENT_NEW_VERSION, NULL, name, v->version,
		    NULL, "%s %s is out upstream (%s); the registry could not "
		    "be checked - see: mirrortop status %s", name, v->version,
		    v->tag, name);
	else if (v->state == VERSION_COMPLETE)
		events_add(e, doc, EVENT_NEW_VERSION, NULL, name, v->version,
		    NULL, "%s %s is out upstream (%s) and already complete "
		    "in %s:%s", name, v->version, v->tag, a->image,
		    v->image_tag);
	else
		events_add(e, doc, EVENT_NEW_VERSION, NULL, name, v->version,
		    NULL, "%s %s is out upstream (%s), not yet mirrored (%s) "
		    "- mirror it with: mirrortop sync %s", name, v->version,
		    v->tag, absent != NULL ? absent : "?", name);
	free(absent);
}

/* Compare one version with its record; update the record. */
static int
events_diff_version(struct events *e, json_t *doc, json_t *vers,
    const struct mt_app *a, const struct mt_version *v)
{
	const char *prev = json_string_value(json_object_get(vers,
	    v->version)), *now = events_vstate(a, v), *only;
	const char *name = a->cfg->name;
	char *absent;

	if (prev == NULL || a->registry_unknown)
		return 0;
	if (strcmp(prev, now) == 0)
		return 0;
	if (v->state == VERSION_COMPLETE && strcmp(prev, "unknown") != 0)
		events_add(e, doc, EVENT_VERSION_COMPLETE, NULL, name,
		    v->version, NULL, "%s %s is complete: %s:%s has every "
		    "arch", name, v->version, a->image, v->image_tag);
	else if (strcmp(prev, "complete") == 0) {
		absent = events_absent_archs(a, v, &only);
		events_add(e, doc, EVENT_VERSION_INCOMPLETE, NULL, name,
		    v->version, only, "%s %s was complete and is now %s (%s) "
		    "- rebuild with: mirrortop build %s %s", name, v->version,
		    now, absent != NULL ? absent : "its tag is gone", name,
		    v->version);
		free(absent);
	}
	json_object_set_new(vers, v->version, json_string(now));
	return 1;
}

/* Compare latest and drift with the record; update it. */
static int
events_diff_latest(struct events *e, json_t *doc, json_t *rec,
    const struct mt_app *a)
{
	const char *prev = events_get_str(rec, "latest");
	const char *now = a->registry_latest, *name = a->cfg->name;
	int pdrift = json_is_true(json_object_get(rec, "drift"));
	int changed = 0;

	if (a->registry_unknown)
		return 0;
	if (now != NULL && (prev == NULL || strcmp(prev, now) != 0)) {
		if (prev != NULL)
			events_add(e, doc, EVENT_LATEST_MOVED, NULL, name, now,
			    NULL, "latest of %s now points at %s (was %s)",
			    name, now, prev);
		else
			events_add(e, doc, EVENT_LATEST_MOVED, NULL, name, now,
			    NULL, "latest of %s now points at %s", name, now);
	}
	if ((now == NULL) != (prev == NULL) || (now != NULL &&
	    strcmp(prev, now) != 0)) {
		json_object_set_new(rec, "latest", now != NULL ?
		    json_string(now) : json_null());
		changed = 1;
	}
	if (a->latest_drift && !pdrift && a->upstream_latest != NULL)
		events_add(e, doc, EVENT_LATEST_DRIFT, NULL, name,
		    a->upstream_latest, NULL, "latest of %s points at %s but "
		    "upstream's latest is %s - move it with: mirrortop sync %s",
		    name, now != NULL ? now : "nothing in the window",
		    a->upstream_latest, name);
	if (a->latest_drift != pdrift) {
		json_object_set_new(rec, "drift",
		    json_boolean(a->latest_drift));
		changed = 1;
	}
	return changed;
}

/* Whether a version string is recorded (seen before). */
static int
events_known(json_t *vers, const char *version)
{
	return json_object_get(vers, version) != NULL;
}

/* The versions record after a refresh: the window in order, then older
 * ones still remembered, at most EVENTS_VERSIONS_KEPT. New reference. */
static json_t *
events_versions_merge(json_t *prev, const struct mt_app *a)
{
	json_t *nv = json_object(), *v;
	const char *key;
	size_t i;

	for (i = 0; i < a->nversions; i++) {
		const struct mt_version *mv = &a->versions[i];
		const char *s = events_vstate(a, mv);

		if (a->registry_unknown && (v = json_object_get(prev,
		    mv->version)) != NULL)
			json_object_set(nv, mv->version, v);
		else
			json_object_set_new(nv, mv->version, json_string(s));
	}
	json_object_foreach(prev, key, v) {
		if (json_object_size(nv) >= EVENTS_VERSIONS_KEPT)
			break;
		if (json_object_get(nv, key) == NULL)
			json_object_set(nv, key, v);
	}
	return nv;
}

/* Compare a refreshed app's versions with the record. */
static int
events_diff_app(struct events *e, json_t *doc, json_t *rec,
    const struct mt_app *a)
{
	json_t *vers = json_object_get(rec, "versions"), *nv;
	size_t i, j;
	int changed = 0;

	for (i = 0; i < a->nversions; i++) {
		const struct mt_version *v = &a->versions[i];

		if (events_known(vers, v->version)) {
			changed |= events_diff_version(e, doc, vers, a, v);
			continue;
		}
		changed = 1;
		/*
		 * New in the window: a release only when it ranks above a
		 * version seen before (not an old one sliding into the
		 * window because a newer one was withdrawn upstream).
		 */
		for (j = i + 1; j < a->nversions; j++)
			if (events_known(vers, a->versions[j].version))
				break;
		if (j < a->nversions)
			events_new_version(e, doc, a, v);
	}
	nv = events_versions_merge(vers, a);
	if (!json_equal(nv, vers))
		changed = 1;
	json_object_set_new(rec, "versions", nv);
	changed |= events_diff_latest(e, doc, rec, a);
	return changed;
}

/* A first look at an app: remember it; announce only on request. */
static void
events_baseline(struct events *e, json_t *doc, json_t *rec,
    const struct mt_app *a)
{
	size_t i;

	json_object_set_new(rec, "versions", events_versions_merge(NULL, a));
	json_object_set_new(rec, "latest", a->registry_latest != NULL ?
	    json_string(a->registry_latest) : json_null());
	json_object_set_new(rec, "drift", json_boolean(a->latest_drift));
	if (!e->cfg->notify_initial)
		return;
	for (i = 0; i < a->nversions; i++)
		events_new_version(e, doc, a, &a->versions[i]);
}

/* rate_limit_low when a budget goes under 10 %. */
static int
events_diff_budgets(struct events *e, json_t *doc)
{
	const struct http_ratelimit *rl;
	json_t *b = json_object_get(doc, "budgets");
	size_t n, i;
	int changed = 0, low, prev;
	char t[32];

	if (e->http == NULL)
		return 0;
	n = http_ratelimits(e->http, &rl);
	for (i = 0; i < n; i++) {
		if (rl[i].limit <= 0 || rl[i].remaining < 0)
			continue;
		low = rl[i].remaining * 10 < rl[i].limit;
		prev = json_is_true(json_object_get(b, rl[i].key));
		if (low == prev && json_object_get(b, rl[i].key) != NULL)
			continue;
		if (low && !prev && !e->fresh) {
			time_iso8601(rl[i].reset, t, sizeof t);
			events_add(e, doc, EVENT_RATE_LIMIT_LOW, NULL, NULL,
			    NULL, NULL, "%s: %ld of %ld requests left (under "
			    "10 %%) until %s; refreshes are spaced out until "
			    "then - a token (token_env) raises the limit",
			    rl[i].host, rl[i].remaining, rl[i].limit,
			    rl[i].reset > 0 ? t : "the window resets");
		}
		json_object_set_new(b, rl[i].key, json_boolean(low));
		changed = 1;
	}
	return changed;
}

void
events_app_refreshed(struct events *e, const struct mt_app *a,
    time_t started)
{
	json_t *doc, *rec;
	json_int_t failures;
	int fd, dirty = 0;
	const char *name;

	if (e == NULL || a == NULL)
		return;
	if ((doc = events_tx_begin(e, &fd)) == NULL)
		return;
	name = a->cfg->name;
	rec = events_app_record(doc, name);
	failures = json_integer_value(json_object_get(rec, "failures"));
	if (a->error != NULL) {
		json_object_set_new(rec, "failures", json_integer(failures +
		    1));
		dirty = 1;
		if (failures + 1 >= EVENTS_ERROR_AFTER &&
		    !json_is_true(json_object_get(rec, "error_told"))) {
			events_add(e, doc, EVENT_APP_ERROR, NULL, name, NULL,
			    NULL, "%s could not be checked %d refreshes in a "
			    "row: %s", name, (int)failures + 1, a->error);
			json_object_set_new(rec, "error_told", json_true());
		}
	} else {
		if (json_is_true(json_object_get(rec, "error_told"))) {
			events_add(e, doc, EVENT_APP_RECOVERED, NULL, name,
			    NULL, NULL, "%s can be checked again", name);
			json_object_del(rec, "error_told");
			dirty = 1;
		}
		if (failures != 0) {
			json_object_set_new(rec, "failures", json_integer(0));
			dirty = 1;
		}
		if (!json_is_object(json_object_get(rec, "versions"))) {
			events_baseline(e, doc, rec, a);
			dirty = 1;
		} else if (started >= (time_t)json_integer_value(
		    json_object_get(rec, "observed"))) {
			dirty |= events_diff_app(e, doc, rec, a);
		}
		if (dirty)
			json_object_set_new(rec, "observed",
			    json_integer((json_int_t)time(NULL)));
	}
	dirty |= events_diff_budgets(e, doc);
	dirty |= events_claim_orphans(e, doc);
	events_tx_end(e, doc, fd, dirty);
	events_pump(e);
}

void
events_app_changed(struct events *e, const struct mt_app *a,
    const char *version)
{
	json_t *doc, *rec, *vers;
	size_t i;
	int fd, dirty = 0;

	if (e == NULL || a == NULL)
		return;
	if ((doc = events_tx_begin(e, &fd)) == NULL)
		return;
	rec = events_app_record(doc, a->cfg->name);
	vers = json_object_get(rec, "versions");
	if (json_is_object(vers)) {
		for (i = 0; version != NULL && i < a->nversions; i++)
			if (strcmp(a->versions[i].version, version) == 0)
				dirty |= events_diff_version(e, doc, vers, a,
				    &a->versions[i]);
		dirty |= events_diff_latest(e, doc, rec, a);
		if (dirty)
			json_object_set_new(rec, "observed",
			    json_integer((json_int_t)time(NULL)));
	}
	events_tx_end(e, doc, fd, dirty);
	events_pump(e);
}

void
events_job_ended(struct events *e, const struct events_job *j)
{
	json_t *doc;
	char *retry, *what;
	int fd;

	if (e == NULL || j == NULL || j->kind == NULL)
		return;
	if ((doc = events_tx_begin(e, &fd)) == NULL)
		return;
	what = j->arch != NULL ? xasprintf("%s %s %s %s", j->kind, j->app,
	    j->version ? j->version : "", j->arch) : xasprintf("%s %s%s%s",
	    j->kind, j->app, j->version ? " " : "", j->version ? j->version :
	    "");
	events_job_target = j->target;
	if (j->ok) {
		events_add(e, doc, EVENT_BUILD_SUCCEEDED, j->kind, j->app,
		    j->version, j->arch, "%s succeeded%s%s", what,
		    j->detail ? ": " : "", j->detail ? j->detail : "");
	} else {
		if (strcmp(j->kind, "build") == 0 && j->arch != NULL)
			retry = xasprintf("mirrortop build %s %s --arch %s",
			    j->app, j->version, j->arch);
		else if (strcmp(j->kind, "merge") == 0)
			retry = xasprintf("mirrortop merge %s %s", j->app,
			    j->version);
		else if (strcmp(j->kind, "prune") == 0)
			retry = xasprintf("mirrortop prune --yes %s", j->app);
		else if (strcmp(j->kind, "copy") == 0 && j->version != NULL)
			retry = xasprintf("mirrortop copy %s %s%s%s", j->app,
			    j->version, j->target ? " --target " : "",
			    j->target ? j->target : "");
		else
			retry = xasprintf("mirrortop sync %s", j->app);
		if (j->attempts > 1)
			events_add(e, doc, EVENT_BUILD_FAILED, j->kind, j->app,
			    j->version, j->arch, "%s failed after %d attempts: "
			    "%s%s%s - retry with: %s", what, j->attempts,
			    j->detail ? j->detail : "failed",
			    j->log ? "; log: " : "", j->log ? j->log : "",
			    retry);
		else
			events_add(e, doc, EVENT_BUILD_FAILED, j->kind, j->app,
			    j->version, j->arch, "%s failed: %s%s%s - retry "
			    "with: %s", what, j->detail ? j->detail : "failed",
			    j->log ? "; log: " : "", j->log ? j->log : "",
			    retry);
		free(retry);
	}
	events_job_target = NULL;
	free(what);
	events_claim_orphans(e, doc);
	events_tx_end(e, doc, fd, 1);
	events_pump(e);
}

/* Record `merged` (after a merge this process made). */
void
events_merged(struct events *e, const struct mt_app *a, const char *version,
    const char *image_tag, const char *digest, int with_latest)
{
	json_t *doc;
	int fd;

	if (e == NULL || a == NULL)
		return;
	if ((doc = events_tx_begin(e, &fd)) == NULL)
		return;
	events_add(e, doc, EVENT_MERGED, NULL, a->cfg->name, version, NULL,
	    "merged %s %s: %s:%s%s (%s)", a->cfg->name, version, a->image,
	    image_tag, with_latest ? " and latest" : "", digest ? digest :
	    "?");
	events_tx_end(e, doc, fd, 1);
	events_pump(e);
}

/* ---- the object ---- */

struct events *
events_new(const struct events_params *p, char **cause)
{
	struct events *e;
	json_t *doc;
	char *path;
	int fd, i;

	if (mkdir_p(p->dir, 0700) != 0) {
		*cause = xasprintf("%s: %s", p->dir, strerror(errno));
		return NULL;
	}
	e = xcalloc(1, sizeof *e);
	e->cfg = p->cfg;
	e->loop = p->loop;
	e->http = p->http;
	e->dir = xstrdup(p->dir);
	e->path = xasprintf("%s/events.json", p->dir);
	e->lock_path = xasprintf("%s/events.lock", p->dir);
	e->claims = xasprintf("%s/events.d", p->dir);
	e->token_fd = -1;
	if (e->cfg->nnotify == 0)
		return e;
	/* A claim token, held locked while this process lives. */
	mkdir_p(e->claims, 0700);
	for (i = 0; i < 8 && e->token_fd == -1; i++) {
		doc = events_doc_new();
		snprintf(e->token, sizeof e->token, "%s",
		    json_string_value(json_object_get(doc, "history_id")));
		json_decref(doc);
		path = xasprintf("%s/%s.lock", e->claims, e->token);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		free(path);
		if (fd == -1)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			close(fd);
			continue;
		}
		e->token_fd = fd;
	}
	if (e->token_fd == -1) {
		*cause = xasprintf("%s: cannot make a claim lock: %s",
		    e->claims, strerror(errno));
		events_free(e);
		return NULL;
	}
	return e;
}

/* Look for deliveries that a process that is gone left unsent. */
void
events_resume(struct events *e)
{
	json_t *doc;
	int fd;

	if (e == NULL || e->token_fd == -1)
		return;
	if ((doc = events_tx_begin(e, &fd)) == NULL)
		return;
	/* A missing history stays missing until there is something in it. */
	events_tx_end(e, doc, fd, !e->fresh && events_claim_orphans(e, doc));
	events_pump(e);
}

void
events_free(struct events *e)
{
	struct delivery *d, *next;
	char *path;

	if (e == NULL)
		return;
	for (d = e->deliveries; d != NULL; d = next) {
		next = d->next;
		notify_cancel(d->op);
		event_free(d->event);
		free(d);
	}
	if (e->token_fd != -1) {
		path = xasprintf("%s/%s.lock", e->claims, e->token);
		unlink(path);
		free(path);
		close(e->token_fd);
	}
	free(e->dir);
	free(e->path);
	free(e->lock_path);
	free(e->claims);
	free(e);
}

void
events_set_cb(struct events *e, events_cb cb, void *arg)
{
	e->cb = cb;
	e->cb_arg = arg;
}

void
events_set_log(struct events *e, events_log_cb cb, void *arg)
{
	e->log = cb;
	e->log_arg = arg;
}

int
events_busy(const struct events *e)
{
	return e != NULL && e->deliveries != NULL;
}

/* ---- what this user has seen ---- */

struct events_seen {
	char		 history[64];
	unsigned long	 baseline;
	json_t		*seqs;		/* "app" or "app version" -> seq */
};

void
event_history_id(const struct event *ev, char *out, size_t len)
{
	const char *dash = ev != NULL && ev->id != NULL ?
	    strrchr(ev->id, '-') : NULL;

	if (dash == NULL)
		snprintf(out, len, "%s", "");
	else
		snprintf(out, len, "%.*s", (int)(dash - ev->id), ev->id);
}

/* The key of an app or an app version. Caller frees. */
static char *
events_seen_key(const char *app, const char *version)
{
	return version != NULL ? xasprintf("%s %s", app, version) :
	    xstrdup(app);
}

struct events_seen *
events_seen_load(const char *dir, const char *history, unsigned long baseline)
{
	struct events_seen *s = xcalloc(1, sizeof *s);
	char *path = xasprintf("%s/events-seen.json", dir), *text = NULL;
	const char *h;
	size_t len = 0;
	json_t *doc = NULL, *seqs;

	if (file_read(path, 4 * 1024 * 1024, &text, &len) == 0)
		doc = json_loadb(text, len, 0, NULL);
	free(text);
	free(path);
	h = json_string_value(json_object_get(doc, "history"));
	seqs = json_object_get(doc, "seen");
	if (h != NULL && json_is_object(seqs) &&
	    json_is_integer(json_object_get(doc, "baseline")) &&
	    (*h == '\0' || *history == '\0' || strcmp(h, history) == 0)) {
		snprintf(s->history, sizeof s->history, "%s", *h != '\0' ? h :
		    history);
		s->baseline = (unsigned long)json_integer_value(
		    json_object_get(doc, "baseline"));
		s->seqs = json_incref(seqs);
	} else {
		snprintf(s->history, sizeof s->history, "%s", history);
		s->baseline = baseline;
		s->seqs = json_object();
	}
	json_decref(doc);
	return s;
}

void
events_seen_free(struct events_seen *s)
{
	if (s == NULL)
		return;
	json_decref(s->seqs);
	free(s);
}

unsigned long
events_seen_get(const struct events_seen *s, const char *app,
    const char *version)
{
	char *key = events_seen_key(app, version);
	json_int_t v = json_integer_value(json_object_get(s->seqs, key));

	free(key);
	return v > 0 && (unsigned long)v > s->baseline ? (unsigned long)v :
	    s->baseline;
}

int
events_seen_set(struct events_seen *s, const char *app, const char *version,
    unsigned long seq)
{
	char *key;

	if (seq <= events_seen_get(s, app, version))
		return 0;
	key = events_seen_key(app, version);
	json_object_set_new(s->seqs, key, json_integer((json_int_t)seq));
	free(key);
	return 1;
}

void
events_seen_save(const struct events_seen *s, const char *dir)
{
	char *path = xasprintf("%s/events-seen.json", dir), *text, *cause = NULL;
	json_t *doc = json_object();

	json_object_set_new(doc, "history", json_string(s->history));
	json_object_set_new(doc, "baseline",
	    json_integer((json_int_t)s->baseline));
	json_object_set(doc, "seen", s->seqs);
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (text != NULL && file_write_atomic(path, text, strlen(text),
	    &cause) != 0)
		free(cause);
	free(text);
	json_decref(doc);
	free(path);
}
