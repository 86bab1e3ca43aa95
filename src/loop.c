/*
 * loop.c — the one wait point: curl_multi_poll() over the transfers, the
 * extra descriptors and a self-pipe, with a timeout equal to the next timer.
 *
 * Every callback may add or remove fds, timers and transfers: fds are looked
 * up again (by fd and serial) before each dispatch, a timer is unlinked
 * before its callback runs, and a finished transfer is removed from the
 * multi handle (which also drops its pending message) before its callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "util.h"

/* Longest single wait when the caller asked to wait forever. */
#define LOOP_MAX_WAIT_MS	(60 * 60 * 1000)

struct loop_fd {
	int		 fd;
	short		 events;
	loop_fd_cb	 cb;
	void		*arg;
	uint64_t	 serial;
};

struct loop_timer {
	uint64_t	 id;
	uint64_t	 due;		/* monotonic ms */
	loop_timer_cb	 cb;
	void		*arg;
};

/* Stored in the easy handle's CURLOPT_PRIVATE while it is on the loop. */
struct loop_easy {
	CURL			*easy;
	loop_easy_cb		 cb;
	void			*arg;
	struct loop_easy	*prev;
	struct loop_easy	*next;
};

struct loop {
	CURLM			*multi;
	int			 wake[2];	/* self-pipe: read, write */

	struct loop_fd		*fds;
	size_t			 nfds;
	size_t			 fdcap;
	uint64_t		 fd_serial;

	/* Sorted by due time, latest first: the next timer is the last. */
	struct loop_timer	*timers;
	size_t			 ntimers;
	size_t			 timercap;
	uint64_t		 timer_id;

	int			 neasy;
	struct loop_easy	*easies;	/* on the multi handle */

	struct curl_waitfd	*wfds;		/* scratch for loop_once */
	uint64_t		*wserial;
	size_t			 wcap;
};

/* Make fd non-blocking and close-on-exec. */
static int
loop_set_flags(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	if ((fl = fcntl(fd, F_GETFD)) == -1 ||
	    fcntl(fd, F_SETFD, fl | FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

/* Create a loop with its multi handle and self-pipe; NULL on failure. */
struct loop *
loop_new(void)
{
	struct loop *l;

	l = xcalloc(1, sizeof *l);
	l->wake[0] = l->wake[1] = -1;
	if (pipe(l->wake) == -1 || loop_set_flags(l->wake[0]) == -1 ||
	    loop_set_flags(l->wake[1]) == -1)
		goto fail;
	if ((l->multi = curl_multi_init()) == NULL)
		goto fail;
	curl_multi_setopt(l->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(l->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 6L);
	return l;
fail:
	loop_free(l);
	return NULL;
}

/* Free the loop; transfers still on it are removed (not cleaned up). */
void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	while (l->easies != NULL)
		loop_easy_remove(l, l->easies->easy);
	if (l->multi != NULL)
		curl_multi_cleanup(l->multi);
	if (l->wake[0] != -1)
		close(l->wake[0]);
	if (l->wake[1] != -1)
		close(l->wake[1]);
	free(l->fds);
	free(l->timers);
	free(l->wfds);
	free(l->wserial);
	free(l);
}

/* Index of the watcher for fd, or -1. */
static ssize_t
loop_fd_find(struct loop *l, int fd)
{
	size_t i;

	for (i = 0; i < l->nfds; i++) {
		if (l->fds[i].fd == fd)
			return (ssize_t)i;
	}
	return -1;
}

/* Watch fd; replaces an existing watcher for the same fd. */
int
loop_fd_add(struct loop *l, int fd, short events, loop_fd_cb cb, void *arg)
{
	struct loop_fd *f;
	ssize_t i;

	if (fd < 0 || cb == NULL)
		return -1;
	if ((i = loop_fd_find(l, fd)) != -1)
		f = &l->fds[i];
	else {
		if (l->nfds == l->fdcap) {
			l->fdcap = l->fdcap ? l->fdcap * 2 : 8;
			l->fds = xreallocarray(l->fds, l->fdcap, sizeof *l->fds);
		}
		f = &l->fds[l->nfds++];
	}
	f->fd = fd;
	f->events = events;
	f->cb = cb;
	f->arg = arg;
	f->serial = ++l->fd_serial;
	return 0;
}

/* Stop watching fd (no-op if not watched). */
void
loop_fd_del(struct loop *l, int fd)
{
	ssize_t i;

	if ((i = loop_fd_find(l, fd)) == -1)
		return;
	l->fds[i] = l->fds[--l->nfds];
}

/* Add a timer; returns its id. */
uint64_t
loop_timer_add(struct loop *l, long ms, loop_timer_cb cb, void *arg)
{
	struct loop_timer t;
	size_t lo, hi, mid;

	if (ms < 0)
		ms = 0;
	t.id = ++l->timer_id;
	t.due = time_mono_ms() + (uint64_t)ms;
	t.cb = cb;
	t.arg = arg;
	if (l->ntimers == l->timercap) {
		l->timercap = l->timercap ? l->timercap * 2 : 16;
		l->timers = xreallocarray(l->timers, l->timercap,
		    sizeof *l->timers);
	}
	/* Descending by due; equal due times keep insertion order (FIFO). */
	lo = 0;
	hi = l->ntimers;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->timers[mid].due > t.due)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&l->timers[lo + 1], &l->timers[lo],
	    (l->ntimers - lo) * sizeof *l->timers);
	l->timers[lo] = t;
	l->ntimers++;
	return t.id;
}

/* Cancel a timer; unknown or zero ids are ignored. */
void
loop_timer_del(struct loop *l, uint64_t id)
{
	size_t i;

	if (id == 0)
		return;
	for (i = 0; i < l->ntimers; i++) {
		if (l->timers[i].id == id) {
			memmove(&l->timers[i], &l->timers[i + 1],
			    (l->ntimers - i - 1) * sizeof *l->timers);
			l->ntimers--;
			return;
		}
	}
}

/* Start a transfer; cb is called once from loop_once when it completes. */
int
loop_easy_add(struct loop *l, CURL *easy, loop_easy_cb cb, void *arg)
{
	struct loop_easy *e;

	if (easy == NULL || cb == NULL)
		return -1;
	e = xcalloc(1, sizeof *e);
	e->easy = easy;
	e->cb = cb;
	e->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, e);
	if (curl_multi_add_handle(l->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(e);
		return -1;
	}
	e->next = l->easies;
	if (l->easies != NULL)
		l->easies->prev = e;
	l->easies = e;
	l->neasy++;
	return 0;
}

/* Forget a transfer's bookkeeping once it left the multi handle. */
static void
loop_easy_unlink(struct loop *l, struct loop_easy *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		l->easies = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	curl_easy_setopt(e->easy, CURLOPT_PRIVATE, NULL);
	free(e);
	l->neasy--;
}

/* Take a transfer off the loop without calling its callback. */
void
loop_easy_remove(struct loop *l, CURL *easy)
{
	struct loop_easy *e = NULL;

	if (easy == NULL)
		return;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&e);
	if (e == NULL)
		return;
	curl_multi_remove_handle(l->multi, easy);
	loop_easy_unlink(l, e);
}

/* Number of transfers on the loop. */
int
loop_easy_count(struct loop *l)
{
	return l->neasy;
}

/* Per-host connection limit for the multi handle. */
void
loop_set_host_limit(struct loop *l, long n)
{
	if (n < 1)
		n = 1;
	curl_multi_setopt(l->multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
}

/* Async-signal-safe: one byte into the self-pipe. */
void
loop_wakeup(struct loop *l)
{
	int saved = errno;
	char c = 1;
	ssize_t n;

	n = write(l->wake[1], &c, 1);
	(void)n;	/* a full pipe already means "wake up" */
	errno = saved;
}

/* Empty the self-pipe; returns whether it held anything. */
static int
loop_drain(struct loop *l)
{
	char buf[64];
	int any = 0;

	while (read(l->wake[0], buf, sizeof buf) > 0)
		any = 1;
	return any;
}

/* Dispatch finished transfers; returns how many. */
static int
loop_dispatch_easy(struct loop *l)
{
	struct loop_easy *e;
	CURLMsg *msg;
	CURL *easy;
	CURLcode result;
	loop_easy_cb cb;
	void *arg;
	int left, n = 0;

	while ((msg = curl_multi_info_read(l->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		result = msg->data.result;
		e = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&e);
		/* Removing drops msg; copied out above. */
		curl_multi_remove_handle(l->multi, easy);
		if (e == NULL)
			continue;
		cb = e->cb;
		arg = e->arg;
		loop_easy_unlink(l, e);
		cb(easy, result, arg);
		n++;
	}
	return n;
}

/* Run due timers, except ones added while dispatching; returns how many. */
static int
loop_dispatch_timers(struct loop *l)
{
	struct loop_timer t;
	uint64_t now = time_mono_ms(), last = l->timer_id;
	size_t i;
	int n = 0;

	for (;;) {
		/* The latest-due ones are first: scan from the end. */
		for (i = l->ntimers; i > 0; i--) {
			if (l->timers[i - 1].due > now)
				return n;
			if (l->timers[i - 1].id <= last)
				break;
		}
		if (i == 0)
			return n;
		t = l->timers[i - 1];
		memmove(&l->timers[i - 1], &l->timers[i],
		    (l->ntimers - i) * sizeof *l->timers);
		l->ntimers--;
		t.cb(t.arg);
		n++;
	}
}

/* Wait for something to happen, then dispatch it. */
int
loop_once(struct loop *l, long max_ms)
{
	struct curl_waitfd *w;
	uint64_t now, due;
	long timeout;
	size_t i, n;
	ssize_t j;
	int ready, dispatched = 0, running;

	timeout = max_ms < 0 ? LOOP_MAX_WAIT_MS : max_ms;
	if (l->ntimers > 0) {
		now = time_mono_ms();
		due = l->timers[l->ntimers - 1].due;
		if (due <= now)
			timeout = 0;
		else if (due - now < (uint64_t)timeout)
			timeout = (long)(due - now);
	}
	if (timeout > INT_MAX)
		timeout = INT_MAX;

	n = l->nfds + 1;
	if (n > l->wcap) {
		l->wcap = n * 2;
		l->wfds = xreallocarray(l->wfds, l->wcap, sizeof *l->wfds);
		l->wserial = xreallocarray(l->wserial, l->wcap,
		    sizeof *l->wserial);
	}
	w = l->wfds;
	w[0].fd = l->wake[0];
	w[0].events = CURL_WAIT_POLLIN;
	w[0].revents = 0;
	for (i = 0; i < l->nfds; i++) {
		w[i + 1].fd = l->fds[i].fd;
		w[i + 1].events = 0;
		if (l->fds[i].events & POLLIN)
			w[i + 1].events |= CURL_WAIT_POLLIN;
		if (l->fds[i].events & POLLPRI)
			w[i + 1].events |= CURL_WAIT_POLLPRI;
		if (l->fds[i].events & POLLOUT)
			w[i + 1].events |= CURL_WAIT_POLLOUT;
		w[i + 1].revents = 0;
		l->wserial[i + 1] = l->fds[i].serial;
	}

	/*
	 * A signal may interrupt the poll without revents for the pipe, so
	 * the pipe is always drained (one non-blocking read).
	 */
	curl_multi_poll(l->multi, w, (unsigned int)n, (int)timeout, &ready);
	curl_multi_perform(l->multi, &running);
	if (loop_drain(l))
		dispatched++;
	dispatched += loop_dispatch_easy(l);

	for (i = 1; i < n; i++) {
		short rev = 0;

		if (w[i].revents == 0)
			continue;
		/* The watcher may have gone or been replaced meanwhile. */
		if ((j = loop_fd_find(l, w[i].fd)) == -1 ||
		    l->fds[j].serial != l->wserial[i])
			continue;
		if (w[i].revents & CURL_WAIT_POLLIN)
			rev |= POLLIN;
		if (w[i].revents & CURL_WAIT_POLLPRI)
			rev |= POLLPRI;
		if (w[i].revents & CURL_WAIT_POLLOUT)
			rev |= POLLOUT;
		l->fds[j].cb(w[i].fd, rev, l->fds[j].arg);
		dispatched++;
	}

	dispatched += loop_dispatch_timers(l);
	return dispatched;
}
