/*
 * job-log.c — bounded reads of job logs (see job-log.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job-log.h"
#include "util.h"

#define JOBLOG_LINE_MAX		4096	/* bytes of one line kept */
#define JOBLOG_OUTPUT_BYTES	(16 * 1024)
#define JOBLOG_OUTPUT_LINE	200	/* bytes of one line in a message */

/* Append text split into sanitized lines. */
static void
joblog_lines_add(struct joblog_tail *t, const char *text)
{
	const char *p = text, *nl;
	char *raw;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		raw = nl != NULL ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		t->lines = xreallocarray(t->lines, t->nlines + 1,
		    sizeof *t->lines);
		t->lines[t->nlines++] = str_sanitize(raw, JOBLOG_LINE_MAX);
		free(raw);
		p = nl != NULL ? nl + 1 : NULL;
	}
}

/* Free what joblog_tail() read. */
void
joblog_tail_free(struct joblog_tail *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nlines; i++)
		free(t->lines[i]);
	free(t->lines);
	memset(t, 0, sizeof *t);
}

/* Nanoseconds of a stat's modification time. */
static long long
joblog_mtime_ns(const struct stat *st)
{
	return (long long)st->st_mtim.tv_sec * 1000000000LL +
	    st->st_mtim.tv_nsec;
}

/* Size and modification time of a log. */
int
joblog_stat(const char *path, long long *size, long long *mtime_ns)
{
	struct stat st;

	if (path == NULL || stat(path, &st) != 0)
		return -1;
	*size = (long long)st.st_size;
	*mtime_ns = joblog_mtime_ns(&st);
	return 0;
}

/* The last max_bytes of a log, as lines. */
int
joblog_tail(const char *path, size_t max_bytes, size_t max_lines,
    struct joblog_tail *t, char **cause)
{
	struct stat st;
	char *data, *p, *nl, *start;
	size_t want, got = 0, skip, i;
	off_t off;
	ssize_t r;
	int fd;

	memset(t, 0, sizeof *t);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		*cause = xasprintf("%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*cause = xstrdup("not a regular file");
		close(fd);
		return -1;
	}
	t->size = (long long)st.st_size;
	t->mtime_ns = joblog_mtime_ns(&st);
	want = (size_t)st.st_size > max_bytes ? max_bytes : (size_t)st.st_size;
	off = st.st_size - (off_t)want;
	data = xmalloc(want + 1);
	while (got < want) {
		r = pread(fd, data + got, want - got, off + (off_t)got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	data[got] = '\0';
	start = data;
	if (off > 0) {
		t->truncated = 1;
		if ((nl = memchr(data, '\n', got)) != NULL)
			start = nl + 1;	/* a partial first line */
	}
	/* Embedded NULs would end lines early: make them visible. */
	for (p = start; p < data + got; p++) {
		if (*p == '\0')
			*p = '?';
	}
	if (got > 0 && data[got - 1] == '\n')
		data[got - 1] = '\0';
	if (*start != '\0' || got > 0)
		joblog_lines_add(t, start);
	if (t->nlines > max_lines) {
		skip = t->nlines - max_lines;
		for (i = 0; i < skip; i++)
			free(t->lines[i]);
		memmove(t->lines, t->lines + skip, max_lines * sizeof *t->lines);
		t->nlines = max_lines;
		t->truncated = 1;
	}
	free(data);
	return 0;
}

/* Is a log line mirrortop's own, or blank? */
static int
joblog_line_ours(const char *l)
{
	return strncmp(l, "[mirrortop", 10) == 0 || l[strspn(l, " \t")] ==
	    '\0';
}

/* The builder's last lines, as lines. */
int
joblog_output(const char *path, size_t max_lines, struct joblog_tail *t,
    char **cause)
{
	size_t i, k = 0, first;

	if (joblog_tail(path, JOBLOG_OUTPUT_BYTES, 4000, t, cause) != 0)
		return -1;
	for (i = 0; i < t->nlines; i++) {
		if (joblog_line_ours(t->lines[i]))
			free(t->lines[i]);
		else
			t->lines[k++] = t->lines[i];
	}
	t->nlines = k;
	if (k > max_lines) {
		first = k - max_lines;
		for (i = 0; i < first; i++)
			free(t->lines[i]);
		memmove(t->lines, t->lines + first, max_lines *
		    sizeof *t->lines);
		t->nlines = max_lines;
	}
	return 0;
}

/* The builder's last lines, joined. */
char *
joblog_last_output(const char *path, size_t max_lines)
{
	struct joblog_tail t;
	struct buf b;
	char *cause = NULL, *one;
	size_t i;

	if (path == NULL || max_lines == 0)
		return NULL;
	if (joblog_output(path, max_lines, &t, &cause) != 0) {
		free(cause);
		return NULL;
	}
	buf_init(&b, 4096);
	for (i = 0; i < t.nlines; i++) {
		one = str_oneline(t.lines[i], JOBLOG_OUTPUT_LINE);
		buf_printf(&b, "%s%s", b.len > 0 ? " | " : "", one);
		free(one);
	}
	joblog_tail_free(&t);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}
