/*
 * core.c — the core object: one loop, one http client, one registry
 * client per target, the model, the refresher and the refresh timer.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "cache.h"
#include "config.h"
#include "core.h"
#include "events.h"
#include "http.h"
#include "last-status.h"
#include "loop.h"
#include "registry.h"
#include "source.h"
#include "status.h"
#include "util.h"

#define CORE_MAX_WATCHERS 4
#define CORE_HOST_CONNECTIONS 32L
/* The manifest and config cache's bound on disk. */
#define CORE_CACHE_BYTES (64UL * 1024 * 1024)

struct core_watcher {
	int	 fd;
	void	(*cb)(int, void *);
	void	*arg;
};

struct core {
	const struct config	*cfg;
	struct loop		*loop;
	struct http		*http;
	struct registry		*registry;	/* the primary target's */
	struct registry		**regs;		/* per configured target */
	struct cache		*cache;		/* manifests and configs, or NULL */
	struct status		*status;
	struct events		*events;
	time_t			*started;	/* per app: refresh start */
	struct mt_model		 model;
	int			 read_only;
	int			 auto_refresh;
	int			 interval;	/* seconds */
	uint64_t		 timer;
	struct core_watcher	 watchers[CORE_MAX_WATCHERS];
	void			(*hook)(struct mt_app *, void *);
	void			*hook_arg;
};

static void core_schedule(struct core *);

/* An app finished refreshing: schedule the next round when all are done. */
static void
core_app_done(struct mt_app *a, void *arg)
{
	struct core *c = arg;
	char *cause = NULL;

	events_app_refreshed(c->events, a,
	    c->started[a - c->model.apps]);
	if (c->hook != NULL)
		c->hook(a, c->hook_arg);
	if (status_pending(c->status) != 0)
		return;
	/* The version lists for offline readers (shell completion). */
	if (last_status_save(&c->model, &cause) == -1)
		free(cause);	/* a hint only: the next refresh tries again */
	if (c->auto_refresh)
		core_schedule(c);
}

/* Refresh timer fired. */
static void
core_timer(void *arg)
{
	struct core *c = arg;

	c->timer = 0;
	core_refresh_all(c);
}

/*
 * Seconds until the next automatic refresh: the interval, stretched when
 * an upstream budget runs low so that a dashboard left running for days
 * never exhausts it.
 */
static long
core_next_delay(struct core *c)
{
	const struct http_ratelimit *rl;
	size_t n, i;
	long delay = c->interval;
	time_t now = time(NULL);

	n = http_ratelimits(c->http, &rl);
	for (i = 0; i < n; i++) {
		if (rl[i].blocked_until > now &&
		    rl[i].blocked_until - now > delay)
			delay = (long)(rl[i].blocked_until - now) + 1;
		if (rl[i].limit > 0 && rl[i].remaining >= 0 &&
		    rl[i].remaining * 10 < rl[i].limit) {
			/* Under 10% left: wait for the window to reset. */
			if (rl[i].reset > now && rl[i].reset - now > delay)
				delay = (long)(rl[i].reset - now) + 1;
			else if (delay < c->interval * 4)
				delay = c->interval * 4;
		}
	}
	return delay;
}

/* Arm the refresh timer. */
static void
core_schedule(struct core *c)
{
	long delay = core_next_delay(c);

	loop_timer_del(c->loop, c->timer);
	c->timer = loop_timer_add(c->loop, delay * 1000, core_timer, c);
	c->model.next_refresh = time(NULL) + delay;
	c->model.generation++;
}

/* Create the core for a configuration (borrowed). */
struct core *
core_new(const struct config *cfg, const struct core_options *opt,
    char **cause)
{
	struct core *c = xcalloc(1, sizeof *c);
	char *cache, *why = NULL;
	size_t i;

	c->cfg = cfg;
	c->read_only = cfg->read_only || (opt != NULL && opt->read_only);
	c->auto_refresh = opt != NULL && opt->auto_refresh;
	c->interval = (opt != NULL && opt->interval > 0) ? opt->interval :
	    cfg->refresh_interval;
	if (c->interval < 1)
		c->interval = 600;
	if ((c->loop = loop_new()) == NULL) {
		*cause = xstrdup("cannot create the event loop");
		free(c);
		return NULL;
	}
	/*
	 * Enough parallel connections per host that a window of versions
	 * is checked in one round trip over HTTP/1.1; HTTP/2 hosts
	 * multiplex on one connection anyway.
	 */
	loop_set_host_limit(c->loop, CORE_HOST_CONNECTIONS);
	c->http = http_new(c->loop);
	http_set_timeouts(c->http, 10, cfg->http_timeout > 0 ?
	    cfg->http_timeout : 30);
	http_set_stall(c->http, cfg->http_stall_timeout);
	if (cfg->http_attempts > 0)
		http_set_attempts(c->http, cfg->http_attempts);
	cache = xasprintf("%s/http-cache", state_dir());
	if (mkdir_p(cache, 0700) == 0)
		http_set_cache_dir(c->http, cache);
	free(cache);
	cache = xasprintf("%s/cache", state_dir());
	c->cache = cache_new(cache, CORE_CACHE_BYTES, &why);
	free(cache);
	free(why);	/* without a cache, every refresh GETs */
	c->regs = xcalloc(cfg->ntargets, sizeof *c->regs);
	for (i = 0; i < cfg->ntargets; i++) {
		c->regs[i] = registry_new(c->http, cfg->targets[i].registry,
		    cfg->targets[i].plain_http);
		registry_set_cache(c->regs[i], c->cache);
	}
	c->registry = c->regs[0];
	model_init(&c->model, cfg);
	c->model.read_only = c->read_only;
	c->status = status_new(&c->model, c->http, c->regs,
	    core_app_done, c);
	c->started = xcalloc(c->model.napps + 1, sizeof *c->started);
	{
		struct events_params ep = {
			.cfg = cfg, .loop = c->loop, .http = c->http,
			.dir = state_dir(),
		};
		char *evwhy = NULL;

		/* Without a usable state dir there are no events; the
		 * rest works. */
		c->events = events_new(&ep, &evwhy);
		free(evwhy);
		events_resume(c->events);
	}
	for (i = 0; i < CORE_MAX_WATCHERS; i++)
		c->watchers[i].fd = -1;
	if (c->auto_refresh)
		core_refresh_all(c);
	return c;
}

/* Free the core; in-flight requests are cancelled without callbacks. */
void
core_free(struct core *c)
{
	size_t i;

	if (c == NULL)
		return;
	action_shutdown(c);
	events_free(c->events);
	for (i = 0; i < CORE_MAX_WATCHERS; i++)
		if (c->watchers[i].fd != -1)
			loop_fd_del(c->loop, c->watchers[i].fd);
	loop_timer_del(c->loop, c->timer);
	source_cancel_all(c->http);
	for (i = 0; i < c->cfg->ntargets; i++)
		registry_free(c->regs[i]);
	free(c->regs);
	/* Before the http: the refresher's upstream registries cancel. */
	status_free(c->status);
	cache_free(c->cache);
	http_free(c->http);
	model_clear(&c->model);
	free(c->started);
	loop_free(c->loop);
	free(c);
}

const struct mt_model *
core_model(const struct core *c)
{
	return &c->model;
}

int
core_read_only(const struct core *c)
{
	return c->read_only;
}

/* Refresh one app now. */
void
core_refresh_app(struct core *c, size_t app)
{
	if (app < c->model.napps && !c->model.apps[app].refreshing)
		c->started[app] = time(NULL);
	status_refresh_app(c->status, app);
}

/* Refresh every app now (all in parallel). */
void
core_refresh_all(struct core *c)
{
	size_t i;

	loop_timer_del(c->loop, c->timer);
	c->timer = 0;
	c->model.next_refresh = 0;
	for (i = 0; i < c->model.napps; i++)
		core_refresh_app(c, i);
}

int
core_busy(const struct core *c)
{
	return status_pending(c->status);
}

/* One round of waiting and dispatching. */
void
core_run_once(struct core *c, long max_ms)
{
	loop_once(c->loop, max_ms);
}

/* Run until nothing is in flight. */
void
core_run_until_idle(struct core *c)
{
	while (status_pending(c->status) > 0 ||
	    loop_easy_count(c->loop) > 0)
		loop_once(c->loop, 1000);
}

/* Adapter from loop fd callbacks to core watchers. */
static void
core_fd_ready(int fd, short revents, void *arg)
{
	struct core_watcher *w = arg;

	(void)revents;
	w->cb(fd, w->arg);
}

/* Watch a descriptor in the core's wait. */
int
core_watch_fd(struct core *c, int fd, void (*cb)(int, void *), void *arg)
{
	size_t i;

	for (i = 0; i < CORE_MAX_WATCHERS; i++) {
		if (c->watchers[i].fd != -1)
			continue;
		c->watchers[i].fd = fd;
		c->watchers[i].cb = cb;
		c->watchers[i].arg = arg;
		if (loop_fd_add(c->loop, fd, POLLIN, core_fd_ready,
		    &c->watchers[i]) == -1) {
			c->watchers[i].fd = -1;
			return -1;
		}
		return 0;
	}
	return -1;
}

void
core_wakeup(struct core *c)
{
	loop_wakeup(c->loop);
}

unsigned long
core_generation(const struct core *c)
{
	return c->model.generation;
}

/* Rate-limit budgets per service host. */
size_t
core_budgets(struct core *c, struct core_budget *out, size_t max)
{
	const struct http_ratelimit *rl;
	size_t n, i, k = 0;

	n = http_ratelimits(c->http, &rl);
	for (i = 0; i < n && k < max; i++) {
		if (rl[i].limit < 0 && rl[i].remaining < 0 &&
		    rl[i].blocked_until == 0)
			continue;
		out[k].service = rl[i].host;
		out[k].remaining = rl[i].remaining;
		out[k].limit = rl[i].limit;
		out[k].reset = rl[i].reset;
		out[k].blocked_until = rl[i].blocked_until;
		k++;
	}
	return k;
}

/* Wait for notifications in flight. */
void
core_finish(struct core *c)
{
	while (events_busy(c->events))
		loop_once(c->loop, 1000);
}

unsigned long
core_requests(struct core *c)
{
	return http_stats(c->http)->requests;
}

struct loop *
core_loop(struct core *c)
{
	return c->loop;
}

struct events *
core_events(struct core *c)
{
	return c->events;
}

struct http *
core_http(struct core *c)
{
	return c->http;
}

struct registry *
core_registry(struct core *c)
{
	return c->registry;
}

struct registry *
core_target_registry(struct core *c, size_t target)
{
	return target < c->cfg->ntargets ? c->regs[target] : NULL;
}

struct registry *
core_app_registry(struct core *c, const struct mt_app *a)
{
	return c->regs[a->cfg->targets[0]];
}

const struct config *
core_config(const struct core *c)
{
	return c->cfg;
}

struct mt_model *
core_model_mut(struct core *c)
{
	return &c->model;
}

void
core_touch(struct core *c)
{
	c->model.generation++;
}

void
core_set_refresh_hook(struct core *c, void (*hook)(struct mt_app *, void *),
    void *arg)
{
	c->hook = hook;
	c->hook_arg = arg;
}
