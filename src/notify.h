/*
 * notify.h — the notification sinks: deliver one event to one sink, on the
 * core's loop, never blocking it.
 *
 * exec: the argv (never a shell) runs in its own process group with a
 * minimal environment (PATH, HOME, LANG, TZ=UTC, MIRRORTOP_EVENT_ID,
 * MIRRORTOP_EVENT_TYPE, MIRRORTOP_EVENT_APP plus the variables named in
 * env_pass) and the event as one line of JSON on stdin; it must exit 0
 * within `timeout` seconds, and may print at most NOTIFY_OUTPUT_MAX bytes,
 * or it is killed (the whole group) and the attempt fails.
 *
 * webhook: a POST of the event JSON, or of the sink's template with
 * {field} placeholders escaped for its content type, to the URL read from
 * the environment (url_env) or given (url); https, or http to a loopback
 * host only. Headers from `headers` and, with their values read from the
 * environment, `headers_env`. Retried with backoff on 5xx, 429 and
 * transport errors (the http layer).
 *
 * A failed attempt is retried after a backoff until the sink's attempts
 * are used. Messages never contain the URL, header values or anything
 * read from env_pass variables.
 */
#ifndef MT_NOTIFY_H
#define MT_NOTIFY_H

struct loop;
struct http;
struct event;
struct notify_config;
struct notify_op;

/* Bytes of output an exec hook may write before it is killed. */
#define NOTIFY_OUTPUT_MAX	(64 * 1024)

/* The delivery ended: ok 1, or 0 with why (one line, no secrets). */
typedef void (*notify_done_cb)(int ok, const char *why, void *arg);

/*
 * Start delivering ev (copied) to sink (borrowed: must outlive the op).
 * The callback is called exactly once, from the loop, never from inside
 * this call; the op is freed after it returns.
 */
struct notify_op *notify_start(struct loop *, struct http *,
		     const struct notify_config *, const struct event *,
		     notify_done_cb, void *arg);
/* Abandon a delivery: kill the hook, cancel the request; no callback. */
void		 notify_cancel(struct notify_op *);

/* Whether a webhook URL is acceptable; -1 with *why (static). */
int		 notify_url_check(const char *url, int from_env,
		     const char **why);
/* The content type a template implies: JSON when it starts with { or [. */
const char	*notify_default_type(const char *tmpl);
/* Check a template's placeholders (and, for JSON, that it expands to
 * JSON); -1 with *why (static storage, overwritten by the next call). */
int		 notify_template_check(const char *tmpl, const char *type,
		     const char **why);
/* Expand a template for an event, escaping values for type. Caller
 * frees. */
char		*notify_expand(const char *tmpl, const char *type,
		     const struct event *);

#endif
