/*
 * child.h — a program run as a child on the loop, never blocking it.
 *
 * argv only (never a shell), in its own process group; its input is
 * written to its stdin before it starts (at most CHILD_MAX_INPUT bytes, so
 * the write never waits), its stdout is read through a non-blocking pipe
 * watched by the loop, stderr goes to /dev/null. A time limit and an
 * output cap: past either, the whole process group is killed. The exit is
 * noticed without waiting (WNOHANG, polled on a timer once the output has
 * ended), so no SIGCHLD handler is needed or disturbed.
 */
#ifndef MT_CHILD_H
#define MT_CHILD_H

#include <stddef.h>

struct loop;
struct child;

#define CHILD_MAX_INPUT	4096

struct child_result {
	int		 status;	/* exit status; 128+N: killed by signal
					 * N; -1: status unknown (reaped
					 * elsewhere) */
	const char	*out;		/* stdout, NUL-terminated (borrowed) */
	size_t		 len;
	int		 timed_out;	/* killed at the time limit */
	int		 too_large;	/* killed at the output cap */
	int		 not_run;	/* fork or exec failed (status 127) */
};

/* Called once from the loop; the result is freed after it returns. */
typedef void (*child_cb)(const struct child_result *, void *arg);

/*
 * Start argv[0] (looked up in PATH) with input on its stdin. NULL when it
 * cannot be started (input too long, no pipe, no fork): cb is not called.
 */
struct child	*child_start(struct loop *, char *const argv[],
		     const char *input, size_t inlen, long timeout_ms,
		     size_t max_out, child_cb, void *arg);
/* Kill it (its process group) and forget it: cb is not called. */
void		 child_cancel(struct child *);
/* Children started and not yet finished or cancelled (tests). */
int		 child_running(void);

#endif
