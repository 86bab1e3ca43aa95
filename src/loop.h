/*
 * loop.h — the one wait point of the program.
 *
 * One curl multi handle plus extra file descriptors (terminal, child pipes,
 * the signal self-pipe) and timers, all waited on in curl_multi_poll().
 * Single-threaded: every callback runs from loop_once().
 */
#ifndef MT_LOOP_H
#define MT_LOOP_H

#include <stdint.h>
#include <curl/curl.h>

struct loop;

typedef void (*loop_fd_cb)(int fd, short revents, void *arg);
typedef void (*loop_timer_cb)(void *arg);
/* An easy handle finished (result is the CURLcode). The loop has already
 * removed it from the multi handle; the callback owns and cleans it up. */
typedef void (*loop_easy_cb)(CURL *easy, CURLcode result, void *arg);

struct loop	*loop_new(void);
void		 loop_free(struct loop *);	/* accepts NULL */

/* Watch fd for events (POLLIN/POLLOUT). One watcher per fd. */
int		 loop_fd_add(struct loop *, int fd, short events, loop_fd_cb,
		     void *arg);
void		 loop_fd_del(struct loop *, int fd);

/* Call cb once after ms milliseconds. Returns a non-zero id. */
uint64_t	 loop_timer_add(struct loop *, long ms, loop_timer_cb, void *arg);
void		 loop_timer_del(struct loop *, uint64_t id);	/* 0 or stale ok */

/*
 * Add a configured easy handle; cb is called once when it completes. The
 * loop keeps its bookkeeping in the handle's CURLOPT_PRIVATE.
 */
int		 loop_easy_add(struct loop *, CURL *, loop_easy_cb, void *arg);
/* Abort a running transfer without calling its callback; caller cleans up. */
void		 loop_easy_remove(struct loop *, CURL *);
/* Transfers in flight. */
int		 loop_easy_count(struct loop *);

/*
 * Wait up to max_ms (-1: until something happens) for fds, timers or
 * transfers, then dispatch. Returns the number of events dispatched (a
 * wakeup counts as one). Callbacks may add and remove fds, timers and
 * transfers, but must not call loop_once themselves.
 */
int		 loop_once(struct loop *, long max_ms);
/* Make a concurrent loop_once() return early; async-signal-safe. */
void		 loop_wakeup(struct loop *);
/* Per-host connection limit (default 6). */
void		 loop_set_host_limit(struct loop *, long);

#endif
