/*
 * events.h — what changed, told once: the event model and the event
 * history shared by every mirrortop process using one state dir.
 *
 * Events are derived in the core, so the headless commands and the
 * dashboard produce the same ones: by comparing each finished refresh of
 * an app with what the history last knew of it (new versions, versions
 * that became complete or lost an arch, `latest` moving or drifting, an
 * app that cannot be checked 3 refreshes in a row and its recovery, a
 * rate-limit budget under 10 %), and from the ends of jobs and merges.
 *
 * The history is <state dir>/events.json. Every change takes an exclusive
 * flock on <state dir>/events.lock, re-reads the file, applies the change
 * and writes the file atomically, like the job history. Besides the
 * events (the newest `notify_keep`, default 1000) it keeps, per app, what
 * was last observed; comparing with that record, not with what this
 * process saw before, is what keeps a scheduled `sync` and an open
 * dashboard from announcing the same change twice, and a restart from
 * announcing anything again. On a new state dir (or for an app the
 * history has not seen) the first refresh records a baseline and announces
 * nothing, unless `notify_initial` is set.
 *
 * Each event names the notification sinks it is for; it is written to the
 * history with those sinks pending and claimed by this process before
 * anything is sent, and each sink is marked sent (or failed, after its
 * attempts) once delivered. A claim of a process that is gone (its lock
 * <state dir>/events.d/TOKEN.lock is free) is taken over and its pending
 * deliveries sent again with the same id: at least once, never twice
 * otherwise.
 */
#ifndef MT_EVENTS_H
#define MT_EVENTS_H

#include <stddef.h>
#include <time.h>

struct config;
struct loop;
struct http;
struct mt_app;
struct mt_version;
struct events;

enum event_type {
	EVENT_NEW_VERSION = 0,
	EVENT_VERSION_COMPLETE,
	EVENT_VERSION_INCOMPLETE,
	EVENT_BUILD_FAILED,
	EVENT_BUILD_SUCCEEDED,
	EVENT_MERGED,
	EVENT_LATEST_MOVED,
	EVENT_LATEST_DRIFT,
	EVENT_APP_ERROR,
	EVENT_APP_RECOVERED,
	EVENT_RATE_LIMIT_LOW,
	EVENT_BASE_MOVED,
	EVENT_NTYPES
};

/* Refreshes in a row that fail before app_error. */
#define EVENTS_ERROR_AFTER	3
/* Default number of events kept in the history. */
#define EVENTS_KEEP_DEFAULT	1000
/* Longest message, bytes. */
#define EVENTS_MESSAGE_MAX	1024

/* One event. Every string is owned by the event; NULL where it does not
 * apply. */
struct event {
	char		*id;		/* "<history id>-<seq>", unique, stable */
	unsigned long	 seq;		/* order within the history */
	enum event_type	 type;
	char		*kind;		/* job events: build, merge, latest, ... */
	char		*app;
	char		*version;
	char		*arch;
	char		*target;
	time_t		 time;
	char		*message;	/* one line, sanitized */
};

const char	*event_type_name(enum event_type);
int		 event_type_from_name(const char *);	/* -1 unknown */
void		 event_free(struct event *);		/* accepts NULL */
void		 event_list_free(struct event **, size_t);

/*
 * The event as one line of JSON (schema mirrortop.event/v1 fields: id,
 * type, kind, app, version, arch, target, time, message; null where they
 * do not apply). Caller frees.
 */
char		*event_json(const struct event *);

/*
 * Read the history of dir (borrowed path): events oldest first appended
 * to *list (caller frees with event_list_free). A missing file is an
 * empty history. -1 with *cause (caller frees) when it cannot be read or
 * parsed.
 */
int		 events_history_read(const char *dir, struct event ***list,
		     size_t *n, char **cause);
/* The same from text (for tests and the fuzzer). */
int		 events_history_parse(const char *text, size_t len,
		     struct event ***list, size_t *n, char **cause);

/* Parse "30m", "2h", "7d", "90s", "1w" or plain seconds. -1 bad. */
int		 events_parse_duration(const char *, long *seconds);

/* ---- the core's events state ---- */

struct events_params {
	const struct config	*cfg;	/* borrowed; notify sinks, options */
	struct loop		*loop;
	struct http		*http;
	const char		*dir;	/* state directory */
};

/* Called for every event this process records (borrowed). */
typedef void (*events_cb)(const struct event *, void *arg);
/* Something worth logging: a sink failed, the history is unusable. One
 * line, without secrets. */
typedef void (*events_log_cb)(const char *line, int is_error, void *arg);

/* NULL only when the state dir cannot be used (*cause, caller frees). */
struct events	*events_new(const struct events_params *, char **cause);
/* Deliveries in flight are abandoned (another process, or the next one,
 * sends them). Accepts NULL. */
void		 events_free(struct events *);
void		 events_set_cb(struct events *, events_cb, void *);
void		 events_set_log(struct events *, events_log_cb, void *);
/* Deliveries queued or in flight. */
int		 events_busy(const struct events *);

/* An app's refresh (started at `started`) finished: compare and record. */
void		 events_app_refreshed(struct events *, const struct mt_app *,
		     time_t started);
/* An action changed one version's state or the app's latest: compare
 * those (version NULL: latest only) and record. */
void		 events_app_changed(struct events *, const struct mt_app *,
		     const char *version);

/* A job (kind: build, merge, latest, copy, attest, prune) ended. */
struct events_job {
	const char	*kind;
	const char	*app;
	const char	*version;
	const char	*arch;		/* or NULL */
	const char	*target;	/* or NULL */
	int		 ok;
	const char	*detail;	/* why it failed / what it made; or NULL */
	const char	*log;		/* log file, or NULL */
	int		 attempts;	/* attempts made, 0 unknown */
};
void		 events_job_ended(struct events *, const struct events_job *);
/* This process merged app version into image_tag (and latest). */
void		 events_merged(struct events *, const struct mt_app *,
		     const char *version, const char *image_tag,
		     const char *digest, int with_latest);
/* Take over the deliveries that a process that is gone left unsent
 * (also done with every later change of the history). */
void		 events_resume(struct events *);

/* ---- what this user has seen (the dashboard's marks) ---- */

/*
 * Per app and per app version, the newest event (by seq) the user has
 * looked at, kept in <state dir>/events-seen.json. On a first start, or
 * when the history was replaced, everything up to baseline counts as
 * seen.
 */
struct events_seen;
/* history: the history id of the events shown ("" when none yet). */
struct events_seen *events_seen_load(const char *dir, const char *history,
		     unsigned long baseline);
void		 events_seen_free(struct events_seen *);
unsigned long	 events_seen_get(const struct events_seen *, const char *app,
		     const char *version);
/* 1 when it moved forward (then save). */
int		 events_seen_set(struct events_seen *, const char *app,
		     const char *version, unsigned long seq);
void		 events_seen_save(const struct events_seen *, const char *dir);
/* The history id an event id starts with, into out. */
void		 event_history_id(const struct event *, char *out, size_t len);

#endif
