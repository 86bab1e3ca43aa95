/*
 * notify.c — deliver one event to one sink: an exec hook (fork + execvp,
 * no shell, stdin the event, output bounded, time bounded, reaped by a
 * WNOHANG poll on a loop timer so that the builder's SIGCHLD handling is
 * left alone) or a webhook POST on the shared http client.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "events.h"
#include "http.h"
#include "jobs.h"
#include "loop.h"
#include "notify.h"
#include "util.h"

#define NOTIFY_REAP_MS		50	/* first WNOHANG poll; doubles to... */
#define NOTIFY_REAP_MAX_MS	400
#define NOTIFY_GRACE_MS		2000	/* SIGTERM -> SIGKILL */
#define NOTIFY_BACKOFF_MS	1000	/* before the 2nd attempt; doubles */
#define NOTIFY_TAIL		512	/* output bytes kept for the message */
#define NOTIFY_RESPONSE_MAX	(64 * 1024)
#define NOTIFY_MAX_SECRETS	70

extern char **environ;

struct notify_op {
	struct loop			*loop;
	struct http			*http;
	const struct notify_config	*sink;
	struct event			 ev;
	char				*json;		/* the event, one line */
	notify_done_cb			 cb;
	void				*arg;
	int				 attempt;
	uint64_t			 timer;		/* retry or start */
	/* exec */
	pid_t				 pid;
	int				 in_fd;
	int				 out_fd;
	size_t				 in_off;
	size_t				 out_total;
	char				 tail[NOTIFY_TAIL];
	size_t				 tail_len;
	uint64_t			 reap_timer;
	long				 reap_ms;
	uint64_t			 deadline_timer;
	uint64_t			 kill_timer;
	const char			*stopped;	/* why it was stopped */
	/* webhook */
	int				 in_http;
	char				*secrets[NOTIFY_MAX_SECRETS];
	size_t				 nsecrets;
};

static void	notify_attempt(void *);
static size_t	notify_placeholder(const char *);

/* Copy an event's fields into op->ev. */
static void
notify_copy_event(struct event *dst, const struct event *src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = xstrdup(src->id);
	dst->seq = src->seq;
	dst->type = src->type;
	dst->kind = xstrdup(src->kind);
	dst->app = xstrdup(src->app);
	dst->version = xstrdup(src->version);
	dst->arch = xstrdup(src->arch);
	dst->target = xstrdup(src->target);
	dst->time = src->time;
	dst->message = xstrdup(src->message);
}

/* Free an op (after its callback, or when cancelled). */
static void
notify_op_free(struct notify_op *op)
{
	size_t i;

	free(op->ev.id);
	free(op->ev.kind);
	free(op->ev.app);
	free(op->ev.version);
	free(op->ev.arch);
	free(op->ev.target);
	free(op->ev.message);
	free(op->json);
	for (i = 0; i < op->nsecrets; i++)
		free(op->secrets[i]);
	free(op);
}

/* Forget the secrets of the last attempt. */
static void
notify_clear_secrets(struct notify_op *op)
{
	size_t i;

	for (i = 0; i < op->nsecrets; i++)
		free(op->secrets[i]);
	op->nsecrets = 0;
}

/* Remember a value that must never be shown. */
static void
notify_add_secret(struct notify_op *op, const char *s)
{
	if (s != NULL && strlen(s) >= 4 && op->nsecrets < NOTIFY_MAX_SECRETS)
		op->secrets[op->nsecrets++] = xstrdup(s);
}

/* The sink, for messages: "exec /path/hook" or "webhook $URL_ENV". */
static char *
notify_sink_name(const struct notify_config *s)
{
	char *argv0;
	char *out;

	if (s->type == NOTIFY_WEBHOOK) {
		if (s->url_env != NULL)
			return xasprintf("webhook $%s", s->url_env);
		return xstrdup("webhook");
	}
	argv0 = str_oneline(s->argv[0], 200);
	out = xasprintf("exec %s", argv0);
	free(argv0);
	return out;
}

/* An attempt ended: retry later, or report. */
static void
notify_attempt_done(struct notify_op *op, int ok, const char *why)
{
	char *name, *line, *clean;

	if (!ok && op->attempt < op->sink->attempts) {
		long delay = NOTIFY_BACKOFF_MS;
		int i;

		for (i = 1; i < op->attempt && delay < 60000; i++)
			delay *= 2;
		op->timer = loop_timer_add(op->loop, delay, notify_attempt, op);
		return;
	}
	name = notify_sink_name(op->sink);
	line = NULL;
	if (!ok) {
		char *raw = xasprintf("%s: %s (attempt %d of %d)", name, why,
		    op->attempt, op->sink->attempts);
		clean = jobs_redact(raw, op->secrets, op->nsecrets);
		line = str_oneline(clean, 1024);
		free(clean);
		free(raw);
	}
	free(name);
	op->cb(ok, line, op->arg);
	free(line);
	notify_op_free(op);
}

/* ---- exec ---- */

/* Close the child's pipes and stop its timers. */
static void
notify_exec_cleanup(struct notify_op *op)
{
	if (op->in_fd != -1) {
		loop_fd_del(op->loop, op->in_fd);
		close(op->in_fd);
		op->in_fd = -1;
	}
	if (op->out_fd != -1) {
		loop_fd_del(op->loop, op->out_fd);
		close(op->out_fd);
		op->out_fd = -1;
	}
	loop_timer_del(op->loop, op->reap_timer);
	loop_timer_del(op->loop, op->deadline_timer);
	loop_timer_del(op->loop, op->kill_timer);
	op->reap_timer = op->deadline_timer = op->kill_timer = 0;
}

/* Grace over: kill the group. */
static void
notify_exec_kill(void *arg)
{
	struct notify_op *op = arg;

	op->kill_timer = 0;
	if (op->pid > 0)
		kill(-op->pid, SIGKILL);
}

/* Stop the hook: SIGTERM its group now, SIGKILL after the grace. */
static void
notify_exec_stop(struct notify_op *op, const char *why)
{
	if (op->stopped == NULL)
		op->stopped = why;
	if (op->pid <= 0 || op->kill_timer != 0)
		return;
	kill(-op->pid, SIGTERM);
	op->kill_timer = loop_timer_add(op->loop, NOTIFY_GRACE_MS,
	    notify_exec_kill, op);
}

/* The time limit is over. */
static void
notify_exec_deadline(void *arg)
{
	struct notify_op *op = arg;

	op->deadline_timer = 0;
	notify_exec_stop(op, "did not finish in time");
}

/* Read what the hook printed; too much stops it. */
static void
notify_exec_read(int fd, short revents, void *arg)
{
	struct notify_op *op = arg;
	char data[8192];
	ssize_t n;
	size_t k;
	int rounds;

	(void)revents;
	for (rounds = 0; rounds < 8; rounds++) {
		n = read(fd, data, sizeof data);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			loop_fd_del(op->loop, op->out_fd);
			close(op->out_fd);
			op->out_fd = -1;
			return;
		}
		op->out_total += (size_t)n;
		/* Keep the last bytes for the message. */
		k = (size_t)n < NOTIFY_TAIL ? (size_t)n : NOTIFY_TAIL;
		if (op->tail_len + k > NOTIFY_TAIL) {
			size_t drop = op->tail_len + k - NOTIFY_TAIL;

			memmove(op->tail, op->tail + drop, op->tail_len - drop);
			op->tail_len -= drop;
		}
		memcpy(op->tail + op->tail_len, data + (size_t)n - k, k);
		op->tail_len += k;
		if (op->out_total > NOTIFY_OUTPUT_MAX) {
			loop_fd_del(op->loop, op->out_fd);
			close(op->out_fd);
			op->out_fd = -1;
			notify_exec_stop(op, "wrote more than 64 KiB of output");
			return;
		}
	}
}

/* stdin can take more of the event. */
static void
notify_exec_write(int fd, short revents, void *arg)
{
	struct notify_op *op = arg;
	size_t len = strlen(op->json);
	ssize_t n;

	(void)revents;
	while (op->in_off < len) {
		n = write(fd, op->json + op->in_off, len - op->in_off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break;	/* the hook closed stdin: its business */
		op->in_off += (size_t)n;
	}
	loop_fd_del(op->loop, op->in_fd);
	close(op->in_fd);
	op->in_fd = -1;
}

/* The last line of what the hook printed, for the message. Caller frees. */
static char *
notify_exec_tail(struct notify_op *op)
{
	char *raw, *end, *start, *line;

	if (op->tail_len == 0)
		return NULL;
	raw = xstrndup(op->tail, op->tail_len);
	end = raw + strlen(raw);
	while (end > raw && isspace((unsigned char)end[-1]))
		*--end = '\0';
	start = strrchr(raw, '\n');
	start = start != NULL ? start + 1 : raw;
	line = *start != '\0' ? str_oneline(start, 200) : NULL;
	free(raw);
	return line;
}

/* Poll for the hook's exit. */
static void
notify_exec_reap(void *arg)
{
	struct notify_op *op = arg;
	char *why = NULL, *tail;
	pid_t r;
	int st = 0, ok;

	op->reap_timer = 0;
	r = waitpid(op->pid, &st, WNOHANG);
	if (r == 0 || (r == -1 && errno == EINTR)) {
		if (op->reap_ms < NOTIFY_REAP_MAX_MS)
			op->reap_ms *= 2;
		op->reap_timer = loop_timer_add(op->loop, op->reap_ms,
		    notify_exec_reap, op);
		return;
	}
	/* Gone: take what is left in the pipe, then look at the status. */
	if (op->out_fd != -1)
		notify_exec_read(op->out_fd, POLLIN, op);
	if (op->kill_timer != 0 || op->stopped != NULL)
		kill(-op->pid, SIGKILL);	/* what it left behind */
	op->pid = -1;
	notify_exec_cleanup(op);
	ok = r == -1 ? 0 : WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (op->stopped != NULL)
		ok = 0;
	tail = notify_exec_tail(op);
	if (op->stopped != NULL)
		why = xasprintf("%s: killed", op->stopped);
	else if (r == -1)
		why = xstrdup("the hook's exit status was lost");
	else if (WIFSIGNALED(st))
		why = xasprintf("killed by signal %d", WTERMSIG(st));
	else if (!ok)
		why = xasprintf("exited with status %d", WEXITSTATUS(st));
	if (why != NULL && tail != NULL) {
		char *w = xasprintf("%s: %s", why, tail);

		free(why);
		why = w;
	}
	free(tail);
	notify_attempt_done(op, ok, why);
	free(why);
}

/* Add "NAME=value" for a variable of the environment, if set. */
static void
notify_env_add(char ***env, size_t *n, const char *name, const char *value)
{
	if (value == NULL)
		return;
	*env = xreallocarray(*env, *n + 2, sizeof **env);
	(*env)[(*n)++] = xasprintf("%s=%s", name, value);
	(*env)[*n] = NULL;
}

/* The hook's environment: minimal, plus env_pass. Caller frees. */
static char **
notify_exec_env(struct notify_op *op)
{
	char **env = NULL;
	size_t n = 0, i;
	const char *path = getenv("PATH");

	notify_env_add(&env, &n, "PATH", path != NULL ? path :
	    "/usr/local/bin:/usr/bin:/bin");
	notify_env_add(&env, &n, "HOME", getenv("HOME"));
	notify_env_add(&env, &n, "LANG", getenv("LANG"));
	notify_env_add(&env, &n, "TZ", "UTC");
	notify_env_add(&env, &n, "MIRRORTOP_EVENT_ID", op->ev.id);
	notify_env_add(&env, &n, "MIRRORTOP_EVENT_TYPE",
	    event_type_name(op->ev.type));
	notify_env_add(&env, &n, "MIRRORTOP_EVENT_APP", op->ev.app);
	for (i = 0; i < op->sink->nenv_pass; i++) {
		const char *v = getenv(op->sink->env_pass[i]);

		notify_env_add(&env, &n, op->sink->env_pass[i], v);
		notify_add_secret(op, v);
	}
	if (env == NULL)
		env = xcalloc(1, sizeof *env);
	return env;
}

/* Free a NULL-terminated list. */
static void
notify_strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* In the child: own process group, default signals, wire fds, exec. */
static void __attribute__((noreturn))
notify_exec_child(struct notify_op *op, char **env, int in, int out,
    int err_fd)
{
	struct sigaction sa;
	sigset_t set;
	int e, sig;
	static const int sigs[] = { SIGCHLD, SIGPIPE, SIGINT, SIGTERM,
	    SIGHUP, SIGQUIT };

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 0; sig < (int)MT_ARRAY_LEN(sigs); sig++)
		sigaction(sigs[sig], &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	dup2(in, 0);
	dup2(out, 1);
	dup2(out, 2);
	if (in > 2)
		close(in);
	if (out > 2)
		close(out);
	environ = env;
	execvp(op->sink->argv[0], op->sink->argv);
	e = errno;
	(void)!write(err_fd, &e, sizeof e);
	_exit(127);
}

/* Start the hook; -1 with *why. */
static int
notify_exec_start(struct notify_op *op, char **why)
{
	int in[2], out[2], errp[2], e = 0, i;
	char **env;
	ssize_t n;
	pid_t pid;

	if (pipe(in) != 0) {
		*why = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe(out) != 0) {
		*why = xasprintf("pipe: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		return -1;
	}
	if (pipe(errp) != 0) {
		*why = xasprintf("pipe: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -1;
	}
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	fcntl(errp[0], F_SETFD, FD_CLOEXEC);
	fcntl(errp[1], F_SETFD, FD_CLOEXEC);
	notify_clear_secrets(op);
	env = notify_exec_env(op);
	pid = fork();
	if (pid == 0) {
		close(in[1]);
		close(out[0]);
		close(errp[0]);
		notify_exec_child(op, env, in[0], out[1], errp[1]);
	}
	notify_strv_free(env);
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	if (pid == -1) {
		*why = xasprintf("fork: %s", strerror(errno));
		close(in[1]);
		close(out[0]);
		close(errp[0]);
		return -1;
	}
	setpgid(pid, pid);
	/* Blocks only until the child has called exec (or failed to). */
	do
		n = read(errp[0], &e, sizeof e);
	while (n == -1 && errno == EINTR);
	close(errp[0]);
	if (n == (ssize_t)sizeof e) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		close(in[1]);
		close(out[0]);
		*why = xasprintf("cannot run it: %s", strerror(e));
		return -1;
	}
	op->pid = pid;
	op->in_fd = in[1];
	op->out_fd = out[0];
	op->in_off = 0;
	op->out_total = 0;
	op->tail_len = 0;
	op->stopped = NULL;
	for (i = 0; i < 2; i++) {
		int fd = i == 0 ? op->in_fd : op->out_fd;

		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}
	loop_fd_add(op->loop, op->out_fd, POLLIN, notify_exec_read, op);
	notify_exec_write(op->in_fd, POLLOUT, op);
	if (op->in_fd != -1)
		loop_fd_add(op->loop, op->in_fd, POLLOUT, notify_exec_write,
		    op);
	op->reap_ms = NOTIFY_REAP_MS;
	op->reap_timer = loop_timer_add(op->loop, op->reap_ms,
	    notify_exec_reap, op);
	op->deadline_timer = loop_timer_add(op->loop, op->sink->timeout * 1000,
	    notify_exec_deadline, op);
	return 0;
}

/* ---- webhook ---- */

/* The POST ended (after the http layer's own retries). */
static void
notify_http_done(const struct http_response *r, void *arg)
{
	struct notify_op *op = arg;
	char *why = NULL;

	op->in_http = 0;
	if (r->status >= 200 && r->status < 300) {
		notify_attempt_done(op, 1, NULL);
		return;
	}
	if (r->status > 0)
		why = xasprintf("HTTP %ld", r->status);
	else
		why = xasprintf("%s", r->error != NULL ? r->error :
		    "the request failed");
	/* The http layer has retried what is worth retrying. */
	op->attempt = op->sink->attempts;
	notify_attempt_done(op, 0, why);
	free(why);
}

/* Start the POST; -1 with *why. */
static int
notify_webhook_start(struct notify_op *op, char **why)
{
	const struct notify_config *s = op->sink;
	struct http_request req;
	/* Content-Type, `headers` and `headers_env` (at most 64 each). */
	const char *url, *bad, *hdrs[132];
	char *body, *lines[132];
	size_t nh = 0, i;
	const char *host_end;
	int rc;

	notify_clear_secrets(op);
	if (s->url_env != NULL) {
		url = getenv(s->url_env);
		if (url == NULL || *url == '\0') {
			*why = xasprintf("the environment variable %s (url_env) "
			    "is not set", s->url_env);
			return -1;
		}
		notify_add_secret(op, url);
		/* The host and path are as secret as the whole URL. */
		host_end = strstr(url, "://");
		if (host_end != NULL)
			notify_add_secret(op, host_end + 3);
		if (notify_url_check(url, 1, &bad) == -1) {
			*why = xasprintf("the URL in %s %s", s->url_env, bad);
			return -1;
		}
	} else
		url = s->url;
	lines[nh] = xasprintf("Content-Type: %s", s->content_type);
	hdrs[nh] = lines[nh];
	nh++;
	for (i = 0; i < s->nheaders; i++, nh++) {
		lines[nh] = xasprintf("%s: %s", s->headers[i].key,
		    s->headers[i].value);
		hdrs[nh] = lines[nh];
	}
	for (i = 0; i < s->nheaders_env; i++) {
		const char *v = getenv(s->headers_env[i].value);
		const char *p;

		if (v == NULL) {
			*why = xasprintf("the environment variable %s "
			    "(headers_env %s) is not set",
			    s->headers_env[i].value, s->headers_env[i].key);
			goto fail;
		}
		for (p = v; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t')
				break;
		if (*p != '\0') {
			*why = xasprintf("the environment variable %s "
			    "(headers_env %s) is not one line",
			    s->headers_env[i].value, s->headers_env[i].key);
			goto fail;
		}
		notify_add_secret(op, v);
		lines[nh] = xasprintf("%s: %s", s->headers_env[i].key, v);
		hdrs[nh] = lines[nh];
		nh++;
	}
	hdrs[nh] = NULL;
	body = s->template != NULL ? notify_expand(s->template,
	    s->content_type, &op->ev) : xstrdup(op->json);
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = strlen(body);
	req.max_body = NOTIFY_RESPONSE_MAX;
	req.timeout_ms = s->timeout * 1000;
	req.max_attempts = s->attempts;
	req.max_retry_after = 60;
	op->in_http = 1;
	rc = http_request(op->http, &req, notify_http_done, op);
	free(body);
	for (i = 0; i < nh; i++)
		free(lines[i]);
	if (rc != 0) {
		op->in_http = 0;
		*why = xstrdup("the request could not be started");
		return -1;
	}
	/* The http layer retries; this attempt stands for all of them. */
	return 0;
fail:
	for (i = 0; i < nh; i++)
		free(lines[i]);
	return -1;
}

/* Start (or retry) the delivery. */
static void
notify_attempt(void *arg)
{
	struct notify_op *op = arg;
	char *why = NULL;
	int rc;

	op->timer = 0;
	op->attempt++;
	if (op->sink->type == NOTIFY_EXEC)
		rc = notify_exec_start(op, &why);
	else {
		rc = notify_webhook_start(op, &why);
		if (rc == -1)
			op->attempt = op->sink->attempts;	/* config */
	}
	if (rc == -1) {
		notify_attempt_done(op, 0, why);
		free(why);
	}
}

struct notify_op *
notify_start(struct loop *loop, struct http *http,
    const struct notify_config *sink, const struct event *ev,
    notify_done_cb cb, void *arg)
{
	struct notify_op *op = xcalloc(1, sizeof *op);
	char *line = event_json(ev);

	op->loop = loop;
	op->http = http;
	op->sink = sink;
	op->cb = cb;
	op->arg = arg;
	op->pid = -1;
	op->in_fd = op->out_fd = -1;
	notify_copy_event(&op->ev, ev);
	op->json = xasprintf("%s\n", line);
	free(line);
	op->timer = loop_timer_add(loop, 0, notify_attempt, op);
	return op;
}

void
notify_cancel(struct notify_op *op)
{
	if (op == NULL)
		return;
	loop_timer_del(op->loop, op->timer);
	if (op->in_http)
		http_cancel_arg(op->http, op);
	if (op->pid > 0) {
		int st;

		kill(-op->pid, SIGKILL);
		while (waitpid(op->pid, &st, 0) == -1 && errno == EINTR)
			;
	}
	notify_exec_cleanup(op);
	notify_op_free(op);
}

/* ---- URLs and templates ---- */

int
notify_url_check(const char *url, int from_env, const char **why)
{
	const char *host, *p;
	size_t n;

	(void)from_env;
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			*why = "must not contain spaces or control characters";
			return -1;
		}
	}
	if (str_has_prefix(url, "https://"))
		host = url + 8;
	else if (str_has_prefix(url, "http://")) {
		host = url + 7;
		n = strcspn(host, "/?#");
		p = memchr(host, '@', n);
		if (p != NULL) {
			n -= (size_t)(p + 1 - host);
			host = p + 1;
		}
		if (!((n >= 9 && str_has_prefix(host, "localhost") &&
		    (n == 9 || host[9] == ':')) ||
		    str_has_prefix(host, "127.") ||
		    str_has_prefix(host, "[::1]"))) {
			*why = "must be an https:// URL (plain http only to a "
			    "loopback host)";
			return -1;
		}
	} else {
		*why = "must be an https:// URL";
		return -1;
	}
	if (strcspn(host, "/?#") == 0) {
		*why = "has no host";
		return -1;
	}
	return 0;
}

const char *
notify_default_type(const char *tmpl)
{
	while (isspace((unsigned char)*tmpl))
		tmpl++;
	/* "{app} is out" starts with a placeholder, not an object. */
	if ((*tmpl == '{' && notify_placeholder(tmpl) == 0) || *tmpl == '[')
		return "application/json";
	return "text/plain; charset=utf-8";
}

/* The placeholders of templates. */
static const char *const notify_fields[] = {
	"id", "type", "kind", "app", "version", "arch", "target", "time",
	"message",
};

/* Length of a placeholder name at s ("{name}"), 0 when s is not one. */
static size_t
notify_placeholder(const char *s)
{
	size_t n = 0;

	if (*s != '{')
		return 0;
	while ((s[1 + n] >= 'a' && s[1 + n] <= 'z') || s[1 + n] == '_')
		n++;
	return n > 0 && s[1 + n] == '}' ? n : 0;
}

/* A field's value (borrowed; "" when absent). */
static const char *
notify_field(const struct event *ev, const char *name, size_t n, char *tbuf,
    size_t tlen)
{
	if (n == 2 && strncmp(name, "id", 2) == 0)
		return ev->id ? ev->id : "";
	if (n == 4 && strncmp(name, "type", 4) == 0)
		return event_type_name(ev->type);
	if (n == 4 && strncmp(name, "kind", 4) == 0)
		return ev->kind ? ev->kind : "";
	if (n == 3 && strncmp(name, "app", 3) == 0)
		return ev->app ? ev->app : "";
	if (n == 7 && strncmp(name, "version", 7) == 0)
		return ev->version ? ev->version : "";
	if (n == 4 && strncmp(name, "arch", 4) == 0)
		return ev->arch ? ev->arch : "";
	if (n == 6 && strncmp(name, "target", 6) == 0)
		return ev->target ? ev->target : "";
	if (n == 4 && strncmp(name, "time", 4) == 0) {
		time_iso8601(ev->time, tbuf, tlen);
		return tbuf;
	}
	if (n == 7 && strncmp(name, "message", 7) == 0)
		return ev->message ? ev->message : "";
	return NULL;
}

/* Whether a content type is JSON. */
static int
notify_type_json(const char *type)
{
	return type != NULL && strstr(type, "json") != NULL;
}

/* Whether a content type is a form. */
static int
notify_type_form(const char *type)
{
	return type != NULL && strstr(type,
	    "application/x-www-form-urlencoded") != NULL;
}

/* Append a value escaped for the content type. */
static void
notify_escape(struct buf *b, const char *v, const char *type)
{
	const unsigned char *p;

	if (notify_type_json(type)) {
		for (p = (const unsigned char *)v; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_printf(b, "\\%c", *p);
			else if (*p < 0x20 || *p == 0x7f)
				buf_printf(b, "\\u%04x", *p);
			else
				buf_append(b, p, 1);
		}
	} else if (notify_type_form(type)) {
		char *e = http_escape(v);

		buf_append(b, e, strlen(e));
		free(e);
	} else {
		for (p = (const unsigned char *)v; *p != '\0'; p++)
			buf_append(b, *p < 0x20 || *p == 0x7f ? " " :
			    (const char *)p, 1);
	}
}

char *
notify_expand(const char *tmpl, const char *type, const struct event *ev)
{
	struct buf b;
	const char *p, *v;
	char tbuf[32];
	size_t n;

	buf_init(&b, 0);
	for (p = tmpl; *p != '\0'; p++) {
		if ((n = notify_placeholder(p)) > 0 &&
		    (v = notify_field(ev, p + 1, n, tbuf, sizeof tbuf)) !=
		    NULL) {
			notify_escape(&b, v, type);
			p += n + 1;
			continue;
		}
		buf_append(&b, p, 1);
	}
	return b.data != NULL ? buf_steal(&b) : xstrdup("");
}

int
notify_template_check(const char *tmpl, const char *type, const char **why)
{
	static char msg[256];
	struct event ev;
	const char *p;
	char *text, name[64];
	json_error_t jerr;
	json_t *j;
	size_t n, i;

	for (p = tmpl; *p != '\0'; p++) {
		if ((n = notify_placeholder(p)) == 0)
			continue;
		for (i = 0; i < MT_ARRAY_LEN(notify_fields); i++)
			if (strlen(notify_fields[i]) == n &&
			    strncmp(notify_fields[i], p + 1, n) == 0)
				break;
		if (i == MT_ARRAY_LEN(notify_fields)) {
			snprintf(name, sizeof name, "%.*s", (int)(n < 40 ? n :
			    40), p + 1);
			snprintf(msg, sizeof msg, "unknown placeholder {%s} "
			    "(id, type, kind, app, version, arch, target, time, "
			    "message)", name);
			*why = msg;
			return -1;
		}
		p += n + 1;
	}
	if (!notify_type_json(type))
		return 0;
	/* Values with quotes and backslashes must still give JSON. */
	memset(&ev, 0, sizeof ev);
	ev.id = "x\"\\";
	ev.kind = "x\"\\";
	ev.app = "x\"\\";
	ev.version = "x\"\\";
	ev.arch = "x\"\\";
	ev.target = "x\"\\";
	ev.message = "x\"\\\n";
	text = notify_expand(tmpl, type, &ev);
	j = json_loads(text, JSON_DECODE_ANY, &jerr);
	free(text);
	if (j == NULL) {
		snprintf(msg, sizeof msg, "a JSON body (content_type %s) must "
		    "be JSON once expanded, with the placeholders inside "
		    "strings: %s", type, jerr.text);
		*why = msg;
		return -1;
	}
	json_decref(j);
	return 0;
}
