/* util.c — allocation, bounded buffers, string helpers, files. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "util.h"

static void
fatal_oom(void)
{
	static const char msg[] = "mirrortop: out of memory\n";

	(void)!write(2, msg, sizeof msg - 1);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal_oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal_oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		fatal_oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		fatal_oom();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return s == NULL ? NULL : xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len = 0;

	if (s == NULL)
		return NULL;
	while (len < n && s[len] != '\0')
		len++;
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char *p;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal_oom();
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : SIZE_MAX / 2;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	size_t need;

	if (n > b->max || b->len > b->max - n)
		return -1;
	need = b->len + n + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < need)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = buf_append(b, s, (size_t)n);
	free(s);
	return rc;
}

char *
buf_steal(struct buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/*
 * Length of a well-formed UTF-8 sequence at s (1..4), or 0 if malformed;
 * *cp is the code point.
 */
static size_t
utf8_len(const unsigned char *s, unsigned int *cp)
{
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) { n = 2; *cp = s[0] & 0x1f; }
	else if ((s[0] & 0xf0) == 0xe0) { n = 3; *cp = s[0] & 0x0f; }
	else if ((s[0] & 0xf8) == 0xf0) { n = 4; *cp = s[0] & 0x07; }
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && *cp < 0x80) || (n == 3 && *cp < 0x800) ||
	    (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Code points that control the terminal or reorder what is drawn: C1
 * controls (as dangerous as ESC), bidi embeddings, overrides and
 * isolates.
 */
static int
utf8_is_control(unsigned int cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
	    cp == 0x061c;
}

/* Skip an escape sequence starting at s[0] == ESC; returns bytes to skip. */
static size_t
skip_escape(const unsigned char *s)
{
	size_t i = 1;

	if (s[1] == '[') {		/* CSI: params, intermediates, final */
		for (i = 2; s[i] != '\0'; i++)
			if (s[i] >= 0x40 && s[i] <= 0x7e)
				return i + 1;
		return i;
	}
	if (s[1] == ']' || s[1] == 'P' || s[1] == '_' || s[1] == '^' ||
	    s[1] == 'X') {		/* OSC/DCS/APC/PM/SOS: to BEL or ST */
		for (i = 2; s[i] != '\0'; i++) {
			if (s[i] == 0x07)
				return i + 1;
			if (s[i] == 0x1b && s[i + 1] == '\\')
				return i + 2;
		}
		return i;
	}
	if (s[1] != '\0')
		return 2;
	return 1;
}

static char *
sanitize(const char *in, size_t max, int oneline)
{
	const unsigned char *s = (const unsigned char *)in;
	struct buf b;
	unsigned int cp;
	size_t n;

	buf_init(&b, 0);
	if (s == NULL)
		return buf_steal(&b);
	while (*s != '\0') {
		if (*s == 0x1b) {
			s += skip_escape(s);
			continue;
		}
		if (*s == '\n' || *s == '\r' || *s == '\t') {
			if (oneline || *s == '\t') {
				if (max == 0 || b.len + 1 <= max)
					buf_append(&b, " ", 1);
			} else if (max == 0 || b.len + 1 <= max)
				buf_append(&b, "\n", 1);
			s++;
			continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			s++;
			continue;
		}
		n = utf8_len(s, &cp);
		if (n == 0) {
			/* A malformed byte: one '?' for it. */
			if (max == 0 || b.len + 1 <= max)
				buf_append(&b, "?", 1);
			s++;
			continue;
		}
		if (utf8_is_control(cp)) {
			s += n;		/* a whole control character: dropped */
			continue;
		}
		if (max != 0 && b.len + n > max)
			break;
		buf_append(&b, s, n);
		s += n;
	}
	return buf_steal(&b);
}

char *
str_sanitize(const char *s, size_t max)
{
	return sanitize(s, max, 0);
}

char *
str_oneline(const char *s, size_t max)
{
	return sanitize(s, max, 1);
}

int
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_casecmp_n(const char *a, const char *b, size_t n)
{
	return strncasecmp(a, b, n);
}

int
str_to_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

uint64_t
time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
time_iso8601(time_t t, char *out, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
sha256_digest(const void *data, size_t len, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	static const char hex[] = "0123456789abcdef";
	size_t o;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	if (outlen < 7 + 2 * (size_t)mdlen + 1) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	memcpy(out, "sha256:", 7);
	o = 7;
	for (i = 0; i < mdlen; i++) {
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	out[o] = '\0';
}

int
mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) == -1 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

int
file_read(const char *path, size_t max, char **out, size_t *outlen)
{
	struct buf b;
	char chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	buf_init(&b, max);
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			int e = errno;

			close(fd);
			buf_free(&b);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		if (buf_append(&b, chunk, (size_t)n) == -1) {
			close(fd);
			buf_free(&b);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	if (outlen != NULL)
		*outlen = b.len;
	*out = buf_steal(&b);
	return 0;
}

/*
 * Make a rename in path's directory durable (a power cut right after
 * would otherwise bring the old file back). Best effort.
 */
static void
file_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    char **cause)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	const char *p = data;
	size_t off = 0;
	char *back = NULL;
	size_t backlen = 0;
	int fd;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("%s: write: %s", tmp, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		*cause = xasprintf("%s: fsync: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		*cause = xasprintf("%s: close: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		*cause = xasprintf("%s: rename: %s", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	file_sync_dir(path);
	if (file_read(path, len + 1, &back, &backlen) == -1 ||
	    backlen != len || memcmp(back, data, len) != 0) {
		free(back);
		*cause = xasprintf("%s: read-back check failed", path);
		return -1;
	}
	free(back);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

const char *
state_dir(void)
{
	static char *dir;
	const char *x, *home;

	if (dir != NULL)
		return dir;
	if ((x = getenv("XDG_STATE_HOME")) != NULL && *x == '/')
		dir = xasprintf("%s/mirrortop", x);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		dir = xasprintf("%s/.local/state/mirrortop", home);
	else
		dir = xstrdup("/tmp/mirrortop-state");
	mkdir_p(dir, 0700);
	return dir;
}
