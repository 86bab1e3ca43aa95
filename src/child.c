/*
 * child.c — a program run as a child on the loop (see child.h).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "loop.h"
#include "util.h"

#define CHILD_REAP_FIRST_MS	5
#define CHILD_REAP_MAX_MS	100

struct child {
	struct loop	*loop;
	pid_t		 pid;
	int		 fd;		/* stdout, -1 once closed */
	struct buf	 out;
	uint64_t	 deadline;	/* timer id */
	uint64_t	 reap;		/* timer id */
	long		 reap_ms;
	int		 timed_out;
	int		 too_large;
	int		 exited;
	int		 wstatus;
	int		 lost;		/* reaped elsewhere: status unknown */
	int		 cancelled;
	child_cb	 cb;
	void		*arg;
	struct child	*next;
};

static struct child *child_list;

static void	child_reap_cb(void *);

int
child_running(void)
{
	struct child *c;
	int n = 0;

	for (c = child_list; c != NULL; c = c->next)
		n++;
	return n;
}

static void
child_unlink(struct child *c)
{
	struct child **pp;

	for (pp = &child_list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			return;
		}
	}
}

/* Stop reading: the pipe leaves the loop. */
static void
child_close(struct child *c)
{
	if (c->fd == -1)
		return;
	loop_fd_del(c->loop, c->fd);
	close(c->fd);
	c->fd = -1;
}

/* Kill the whole process group (the helper and anything it started). */
static void
child_kill(struct child *c)
{
	if (!c->exited) {
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);	/* in case setpgid lost the race */
	}
}

/* Read what is there now; 1 at end of file or on an error. */
static int
child_drain(struct child *c)
{
	char tmp[4096];
	ssize_t n;

	while (c->fd != -1) {
		n = read(c->fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return 1;
		if (buf_append(&c->out, tmp, (size_t)n) != 0) {
			c->too_large = 1;
			child_kill(c);
			return 1;
		}
	}
	return 1;
}

/* Has it exited? Sets c->exited (and c->lost when reaped elsewhere). */
static void
child_wait(struct child *c)
{
	pid_t w;
	int st;

	if (c->exited)
		return;
	do
		w = waitpid(c->pid, &st, WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w == c->pid) {
		c->exited = 1;
		c->wstatus = st;
	} else if (w < 0) {
		c->exited = 1;	/* ECHILD: someone else reaped it */
		c->lost = 1;
	}
}

/* Done: report (unless cancelled) and free. */
static void
child_finish(struct child *c)
{
	struct child_result res;

	child_close(c);
	loop_timer_del(c->loop, c->deadline);
	loop_timer_del(c->loop, c->reap);
	c->deadline = c->reap = 0;
	child_unlink(c);
	if (!c->cancelled && c->cb != NULL) {
		memset(&res, 0, sizeof res);
		if (c->lost)
			res.status = -1;
		else if (WIFEXITED(c->wstatus))
			res.status = WEXITSTATUS(c->wstatus);
		else if (WIFSIGNALED(c->wstatus))
			res.status = 128 + WTERMSIG(c->wstatus);
		else
			res.status = -1;
		res.out = c->out.data != NULL ? c->out.data : "";
		res.len = c->out.len;
		res.timed_out = c->timed_out;
		res.too_large = c->too_large;
		res.not_run = res.status == 127 && res.len == 0;
		c->cb(&res, c->arg);
	}
	if (c->out.data != NULL)
		explicit_bzero(c->out.data, c->out.cap);
	buf_free(&c->out);
	free(c);
}

/* Poll for the exit on a timer, backing off. */
static void
child_reap_later(struct child *c, int soon)
{
	if (soon || c->reap_ms == 0)
		c->reap_ms = CHILD_REAP_FIRST_MS;
	loop_timer_del(c->loop, c->reap);
	c->reap = loop_timer_add(c->loop, c->reap_ms, child_reap_cb, c);
	if (c->reap_ms < CHILD_REAP_MAX_MS)
		c->reap_ms *= 2;
}

/*
 * Once the child has exited, what it wrote is read and the pipe is not
 * waited on any longer (a process it started may hold it open).
 */
static void
child_check(struct child *c)
{
	child_wait(c);
	if (c->exited) {
		if (c->fd != -1 && !c->cancelled)
			(void)child_drain(c);
		child_finish(c);
		return;
	}
	child_reap_later(c, 0);
}

static void
child_reap_cb(void *arg)
{
	struct child *c = arg;

	c->reap = 0;
	child_check(c);
}

static void
child_read_cb(int fd, short revents, void *arg)
{
	struct child *c = arg;

	(void)fd;
	(void)revents;
	if (child_drain(c)) {
		child_close(c);
		child_wait(c);
		if (c->exited)
			child_finish(c);
		else
			child_reap_later(c, 1);
	}
}

static void
child_deadline_cb(void *arg)
{
	struct child *c = arg;

	c->deadline = 0;
	c->timed_out = 1;
	child_kill(c);
	child_close(c);
	child_reap_later(c, 1);
}

/* In the child: own process group, default signals, fds, exec. */
static void __attribute__((noreturn))
child_exec(char *const argv[], int in, int out)
{
	struct sigaction sa;
	sigset_t set;
	int devnull;

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(127);
	devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0) {
		dup2(devnull, 2);
		if (devnull > 2)
			close(devnull);
	}
	execvp(argv[0], argv);
	_exit(127);
}

struct child *
child_start(struct loop *loop, char *const argv[], const char *input,
    size_t inlen, long timeout_ms, size_t max_out, child_cb cb, void *arg)
{
	struct child *c;
	int in[2], out[2];
	ssize_t n;
	size_t off;
	pid_t pid;

	if (inlen > CHILD_MAX_INPUT || argv == NULL || argv[0] == NULL)
		return NULL;
	if (pipe(in) != 0)
		return NULL;
	if (pipe(out) != 0) {
		close(in[0]);
		close(in[1]);
		return NULL;
	}
	fcntl(in[0], F_SETFD, FD_CLOEXEC);
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	fcntl(out[1], F_SETFD, FD_CLOEXEC);
	/*
	 * The input goes into the pipe before the child exists: it fits in
	 * the pipe's buffer, so this never waits, and no SIGPIPE can come
	 * from a child that exits without reading.
	 */
	for (off = 0; off < inlen; off += (size_t)n) {
		n = write(in[1], input + off, inlen - off);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;
	}
	close(in[1]);
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(out[0]);
		close(out[1]);
		return NULL;
	}
	if (pid == 0) {
		close(out[0]);
		child_exec(argv, in[0], out[1]);
	}
	setpgid(pid, pid);
	close(in[0]);
	close(out[1]);
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);

	c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->pid = pid;
	c->fd = out[0];
	buf_init(&c->out, max_out);
	buf_append(&c->out, "", 0);
	c->cb = cb;
	c->arg = arg;
	c->next = child_list;
	child_list = c;
	if (loop_fd_add(loop, c->fd, POLLIN, child_read_cb, c) != 0) {
		child_kill(c);
		child_close(c);
	}
	c->deadline = loop_timer_add(loop, timeout_ms, child_deadline_cb, c);
	/* Also look for the exit while the pipe is open (see child_check). */
	child_reap_later(c, 1);
	return c;
}

void
child_cancel(struct child *c)
{
	if (c == NULL)
		return;
	c->cancelled = 1;
	c->cb = NULL;
	child_kill(c);
	child_close(c);
	loop_timer_del(c->loop, c->deadline);
	c->deadline = 0;
	/* Reaped from the loop, without a callback. */
	child_reap_later(c, 1);
}
