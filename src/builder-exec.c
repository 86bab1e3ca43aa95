/*
 * builder-exec.c — the exec builder: fork + execvp of the expanded argv
 * (never a shell) in its own process group, output through a pipe watched
 * on the loop, exit noticed through a SIGCHLD self-pipe on the loop.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder.h"
#include "jobs.h"
#include "loop.h"
#include "util.h"

#define EXEC_DRAIN_MAX	(1024 * 1024)
#define EXEC_READ_CHUNK	65536

static int		 exec_sigpipe[2] = { -1, -1 };
static struct loop	*exec_loop;
static struct job	**exec_children;
static size_t		 exec_nchildren;

/* SIGCHLD: wake the loop through the self-pipe. */
static void
exec_sigchld(int sig)
{
	int saved = errno;

	(void)sig;
	if (exec_sigpipe[1] != -1)
		(void)!write(exec_sigpipe[1], "c", 1);
	errno = saved;
}

/* Read what the child wrote; EOF closes the pipe. */
static void
exec_read(struct job *job, size_t max)
{
	struct job_priv *priv = job->priv;
	struct loop *loop = jobs_loop(priv->jobs);
	char data[16384];
	size_t total = 0;
	ssize_t n;

	while (priv->out_fd != -1 && total < max) {
		n = read(priv->out_fd, data, sizeof data);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			loop_fd_del(loop, priv->out_fd);
			close(priv->out_fd);
			priv->out_fd = -1;
			return;
		}
		jobs_log_output(job, data, (size_t)n);
		total += (size_t)n;
	}
}

/* The output pipe is readable. */
static void
exec_output_cb(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	exec_read(arg, EXEC_READ_CHUNK);
}

/* A child is gone: collect the rest of its output and report. */
static void
exec_exited(struct job *job)
{
	struct job_priv *priv = job->priv;
	struct loop *loop = jobs_loop(priv->jobs);
	char *text = NULL, *digest = NULL, *cause = NULL, *why;
	size_t len = 0;
	int st = priv->wstatus;

	exec_read(job, EXEC_DRAIN_MAX);
	if (priv->out_fd != -1) {
		/* Something the builder started still holds the pipe. */
		loop_fd_del(loop, priv->out_fd);
		close(priv->out_fd);
		priv->out_fd = -1;
	}
	/*
	 * Stopped (cancel, timeout): whatever the builder started and left
	 * in its process group goes too.
	 */
	if (priv->kill_timer != 0)
		kill(-priv->pid, SIGKILL);
	loop_timer_del(loop, priv->kill_timer);
	priv->kill_timer = 0;
	if (WIFSIGNALED(st)) {
		why = xasprintf("the builder was killed by signal %d",
		    WTERMSIG(st));
		jobs_builder_done(job, 0, why, NULL);
		free(why);
		return;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		why = xasprintf("the builder exited with status %d",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		jobs_builder_done(job, 0, why, NULL);
		free(why);
		return;
	}
	if (priv->digest_file != NULL &&
	    file_read(priv->digest_file, 65536, &text, &len) == 0) {
		if (jobs_parse_digest(text, len, &digest, &cause) != 0) {
			why = xasprintf("%s: %s", priv->digest_file, cause);
			jobs_builder_done(job, 0, why, NULL);
			free(why);
			free(cause);
			free(text);
			return;
		}
		jobs_log(job, "digest file: %s", digest);
		free(text);
	}
	jobs_builder_done(job, 1, NULL, digest);
	free(digest);
}

/* The self-pipe is readable: reap our children. */
static void
exec_sigpipe_cb(int fd, short revents, void *arg)
{
	char drain[64];
	size_t i;
	int st;

	(void)revents;
	(void)arg;
	while (read(fd, drain, sizeof drain) > 0)
		;
again:
	for (i = 0; i < exec_nchildren; i++) {
		struct job *job = exec_children[i];
		pid_t r = waitpid(job->priv->pid, &st, WNOHANG);

		if (r == 0 || (r == -1 && errno == EINTR))
			continue;
		if (r == -1)
			st = 0x7f00;	/* lost: report as a failure */
		job->priv->exited = 1;
		job->priv->wstatus = st;
		exec_children[i] = exec_children[--exec_nchildren];
		exec_exited(job);
		goto again;
	}
}

/* Install the SIGCHLD handler and watch the self-pipe on the loop. */
static int
exec_setup(struct loop *loop, char **cause)
{
	struct sigaction sa;
	int i;

	if (exec_sigpipe[0] == -1) {
		if (pipe(exec_sigpipe) != 0) {
			*cause = xasprintf("pipe: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < 2; i++) {
			fcntl(exec_sigpipe[i], F_SETFD, FD_CLOEXEC);
			fcntl(exec_sigpipe[i], F_SETFL,
			    fcntl(exec_sigpipe[i], F_GETFL) | O_NONBLOCK);
		}
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = exec_sigchld;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
	}
	if (exec_loop != loop) {
		if (exec_loop != NULL)
			loop_fd_del(exec_loop, exec_sigpipe[0]);
		exec_loop = loop;
		loop_fd_add(loop, exec_sigpipe[0], POLLIN, exec_sigpipe_cb,
		    NULL);
	}
	return 0;
}

/* Forget the children of a jobs object that is going away. */
void
builder_exec_forget(struct jobs *jobs)
{
	size_t i = 0;

	while (i < exec_nchildren) {
		if (exec_children[i]->priv == NULL ||
		    exec_children[i]->priv->jobs == jobs) {
			if (exec_children[i]->priv != NULL)
				waitpid(exec_children[i]->priv->pid, NULL, 0);
			exec_children[i] = exec_children[--exec_nchildren];
		} else
			i++;
	}
	if (exec_nchildren == 0 && exec_loop != NULL &&
	    exec_loop == jobs_loop(jobs)) {
		loop_fd_del(exec_loop, exec_sigpipe[0]);
		exec_loop = NULL;
	}
}

/* In the child: become a process group, wire fds, exec. */
static void __attribute__((noreturn))
exec_child(char **argv, int out, int err_fd)
{
	struct sigaction sa;
	sigset_t set;
	int devnull, e;

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull != -1) {
		dup2(devnull, 0);
		if (devnull > 2)
			close(devnull);
	}
	dup2(out, 1);
	dup2(out, 2);
	if (out > 2)
		close(out);
	execvp(argv[0], argv);
	e = errno;
	(void)!write(err_fd, &e, sizeof e);
	_exit(127);
}

/* Start the child process. */
static int
exec_start(struct job *job, char **cause)
{
	struct job_priv *priv = job->priv;
	struct loop *loop = jobs_loop(priv->jobs);
	int out[2], errp[2], e = 0;
	ssize_t n;
	pid_t pid;

	if (exec_setup(loop, cause) != 0)
		return -1;
	if (pipe(out) != 0) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe(errp) != 0) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		return -1;
	}
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	fcntl(errp[0], F_SETFD, FD_CLOEXEC);
	fcntl(errp[1], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		close(errp[0]);
		close(errp[1]);
		return -1;
	}
	if (pid == 0) {
		close(out[0]);
		close(errp[0]);
		exec_child(priv->argv, out[1], errp[1]);
	}
	setpgid(pid, pid);
	close(out[1]);
	close(errp[1]);
	do
		n = read(errp[0], &e, sizeof e);
	while (n == -1 && errno == EINTR);
	close(errp[0]);
	if (n == (ssize_t)sizeof e) {
		waitpid(pid, NULL, 0);
		close(out[0]);
		*cause = xasprintf("cannot run %s: %s", priv->argv[0],
		    strerror(e));
		return -1;
	}
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
	priv->pid = pid;
	priv->exited = 0;
	priv->out_fd = out[0];
	loop_fd_add(loop, out[0], POLLIN, exec_output_cb, job);
	exec_children = xreallocarray(exec_children, exec_nchildren + 1,
	    sizeof *exec_children);
	exec_children[exec_nchildren++] = job;
	jobs_log(job, "started process %ld", (long)pid);
	/* The child may already be gone: look once. */
	exec_sigchld(SIGCHLD);
	return 0;
}

/* Grace is over: kill the whole group. */
static void
exec_kill_cb(void *arg)
{
	struct job *job = arg;

	job->priv->kill_timer = 0;
	if (!job->priv->exited) {
		jobs_log(job, "still running; sending SIGKILL");
		kill(-job->priv->pid, SIGKILL);
	}
}

/* SIGTERM the group now, SIGKILL after the grace period. */
static void
exec_stop(struct job *job)
{
	struct job_priv *priv = job->priv;

	if (priv->exited || priv->pid <= 0)
		return;
	kill(-priv->pid, SIGTERM);
	if (priv->kill_timer == 0) {
		priv->kill_timer = loop_timer_add(jobs_loop(priv->jobs),
		    jobs_grace_ms(priv->jobs), exec_kill_cb, job);
	}
}

const struct builder_ops builder_exec_ops = {
	.name = "exec",
	.start = exec_start,
	.stop = exec_stop,
};
