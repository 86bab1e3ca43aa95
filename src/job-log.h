/*
 * job-log.h — reading a job's log: the tail for a log view or a pane, the
 * builder's last lines for an error message. Reads are bounded (only the
 * last max_bytes of a file), every line is sanitized for a terminal, and
 * the front ends do no file I/O of their own.
 */
#ifndef MT_JOB_LOG_H
#define MT_JOB_LOG_H

#include <stddef.h>

/* The end of a log, as lines safe to draw. */
struct joblog_tail {
	char		**lines;	/* sanitized, owned */
	size_t		  nlines;
	long long	  size;		/* of the file when read */
	long long	  mtime_ns;
	int		  truncated;	/* earlier output was not read */
};

/*
 * Read the last max_bytes of the log at path as at most max_lines lines
 * (the last ones). 0 ok (free with joblog_tail_free), -1 with *cause
 * (caller frees).
 */
int		 joblog_tail(const char *path, size_t max_bytes,
		     size_t max_lines, struct joblog_tail *, char **cause);
void		 joblog_tail_free(struct joblog_tail *);

/*
 * The builder's last max_lines lines of output in the log (mirrortop's own
 * "[mirrortop ...]" lines and blank lines left out; only the end of the
 * file is read). 0 ok (free with joblog_tail_free), -1 with *cause.
 */
int		 joblog_output(const char *path, size_t max_lines,
		     struct joblog_tail *, char **cause);

/* Size and modification time of a log: 0, or -1 when it cannot be read. */
int		 joblog_stat(const char *path, long long *size,
		     long long *mtime_ns);

/*
 * The builder's last max_lines lines of output in the log (mirrortop's
 * own "[mirrortop ...]" lines left out), joined with " | ", one line;
 * NULL when there are none. Caller frees.
 */
char		*joblog_last_output(const char *path, size_t max_lines);

#endif
