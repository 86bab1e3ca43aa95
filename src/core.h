/*
 * core.h — the API the front ends use: one loop, the model, refreshes,
 * timers, and the actions (refused at the core in read-only mode).
 *
 * Front ends (the CLI printers, the TUI) read core_model() and call the
 * functions here; they never touch curl, jansson or PCRE2 directly.
 */
#ifndef MT_CORE_H
#define MT_CORE_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

struct core;

struct core_options {
	int	read_only;	/* force read-only (also set by config) */
	int	interval;	/* seconds between automatic refreshes; 0 = config */
	int	auto_refresh;	/* schedule refreshes (the dashboard) */
};

/* 0 ok; -1 with *cause (caller frees). The config is borrowed and must
 * outlive the core. */
struct core	*core_new(const struct config *, const struct core_options *,
		     char **cause);
void		 core_free(struct core *);

/* The model (borrowed; valid until core_free). */
const struct mt_model *core_model(const struct core *);
int		 core_read_only(const struct core *);

void		 core_refresh_app(struct core *, size_t app);
void		 core_refresh_all(struct core *);
/* Refreshes in flight. */
int		 core_busy(const struct core *);

/*
 * Wait up to max_ms (-1: until the next timer or event) and dispatch.
 * Returns after one round of events.
 */
void		 core_run_once(struct core *, long max_ms);
/* Run until no refresh or job is in flight. */
void		 core_run_until_idle(struct core *);
/* Watch a descriptor (the terminal) in the same wait. */
int		 core_watch_fd(struct core *, int fd, void (*cb)(int, void *),
		     void *arg);
/* Make core_run_once() return early (async-signal-safe). */
void		 core_wakeup(struct core *);

/* Model generation: changes whenever something visible changed. */
unsigned long	 core_generation(const struct core *);

/* Rate-limit budgets, for the header. */
struct core_budget {
	const char	*service;	/* host */
	long		 remaining;	/* -1 unknown */
	long		 limit;
	time_t		 reset;
	time_t		 blocked_until;
};
size_t		 core_budgets(struct core *, struct core_budget *, size_t max);

/*
 * Let notifications in flight end (bounded by the sinks' timeouts) before
 * core_free(); what is abandoned is sent by the next mirrortop process.
 */
void		 core_finish(struct core *);

/* Requests sent on the wire (for benchmarks and stats). */
unsigned long	 core_requests(struct core *);

/*
 * For the core's own modules (actions, jobs): the parts of the core.
 * Front ends must not use these.
 */
struct loop;
struct http;
struct registry;
struct events;
struct loop	*core_loop(struct core *);
struct http	*core_http(struct core *);
/* The configuration's primary target's registry. */
struct registry	*core_registry(struct core *);
struct events	*core_events(struct core *);	/* NULL: no state dir */
/* The registry of configured target i (config->targets order), or NULL. */
struct registry	*core_target_registry(struct core *, size_t);
/* The registry of the app's primary target (where it builds and merges). */
struct registry	*core_app_registry(struct core *, const struct mt_app *);
const struct config *core_config(const struct core *);
struct mt_model	*core_model_mut(struct core *);
/* Something visible changed: bump the generation. */
void		 core_touch(struct core *);
/* Hook called after each app refresh finishes (one hook; NULL clears). */
void		 core_set_refresh_hook(struct core *,
		     void (*)(struct mt_app *, void *), void *);

#endif
