/*
 * cache.c — the content-addressed cache of manifests and config blobs.
 *
 * One file per digest, "sha256-<hex>", holding a header line with the
 * media type and then the exact bytes. Reads check the bytes against the
 * digest; writes go to a temporary file renamed into place (no fsync: a
 * torn entry fails its check and is a miss). The directory's size is
 * tracked and, past the bound, the least recently read or written entries
 * (by modification time, which a hit refreshes) are removed.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "util.h"

#define CACHE_MAGIC		"mirrortop-cache 1 "
#define CACHE_MEDIA_MAX		255
#define CACHE_PREFIX		"sha256-"
#define CACHE_HEADER_MAX	(sizeof CACHE_MAGIC + CACHE_MEDIA_MAX + 1)

struct cache {
	char			*dir;
	size_t			 max_bytes;
	struct cache_stats	 st;
	unsigned long		 seq;		/* temporary file names */
};

/* One file seen when evicting. */
struct cache_file {
	char	*name;
	time_t	 mtime;
	long	 mtime_ns;
	size_t	 size;
};

/* "sha256:<64 lowercase hex>"? */
static int
cache_valid_digest(const char *d)
{
	size_t i;

	if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return 0;
	for (i = 7; i < 71; i++) {
		if (!((d[i] >= '0' && d[i] <= '9') ||
		    (d[i] >= 'a' && d[i] <= 'f')))
			return 0;
	}
	return 1;
}

/* A media type fit for the header line: printable, no blanks. */
static int
cache_valid_media(const char *m)
{
	size_t i;

	if (m == NULL)
		return 1;
	if (strlen(m) > CACHE_MEDIA_MAX)
		return 0;
	for (i = 0; m[i] != '\0'; i++)
		if ((unsigned char)m[i] <= ' ' || (unsigned char)m[i] >= 0x7f)
			return 0;
	return 1;
}

/* The entry's path. Caller frees. */
static char *
cache_path(const struct cache *c, const char *digest)
{
	return xasprintf("%s/" CACHE_PREFIX "%s", c->dir, digest + 7);
}

/* Add up what the directory holds. */
static void
cache_scan(struct cache *c)
{
	DIR *d;
	struct dirent *e;
	struct stat sb;

	c->st.bytes = 0;
	c->st.entries = 0;
	if ((d = opendir(c->dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, CACHE_PREFIX,
		    sizeof CACHE_PREFIX - 1) != 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(sb.st_mode))
			continue;
		c->st.bytes += (size_t)sb.st_size;
		c->st.entries++;
	}
	closedir(d);
}

/* Open the cache in dir. */
struct cache *
cache_new(const char *dir, size_t max_bytes, char **cause)
{
	struct cache *c;
	struct stat sb;

	if (mkdir_p(dir, 0700) == -1) {
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		*cause = xasprintf("%s: not a directory", dir);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->dir = xstrdup(dir);
	c->max_bytes = max_bytes;
	cache_scan(c);
	return c;
}

/* Free the cache object (the files stay). */
void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	free(c->dir);
	free(c);
}

/* Read a whole regular file of at most max bytes. -1 on any failure. */
static int
cache_read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct stat sb;
	size_t off = 0, n;
	char *b;

	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (size_t)sb.st_size > max)
		return -1;
	n = (size_t)sb.st_size;
	b = xmalloc(n + 1);
	while (off < n) {
		ssize_t r = read(fd, b + off, n - off);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(b);
			return -1;
		}
		off += (size_t)r;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* The bytes of an entry file; see cache.h. */
int
cache_entry_parse(const char *data, size_t n, const char *digest,
    char **media_type, char **body, size_t *len)
{
	const char *nl;
	char check[80];
	size_t hlen, mlen;

	*media_type = NULL;
	*body = NULL;
	*len = 0;
	if (n < sizeof CACHE_MAGIC - 1 ||
	    memcmp(data, CACHE_MAGIC, sizeof CACHE_MAGIC - 1) != 0 ||
	    (nl = memchr(data, '\n', n < CACHE_HEADER_MAX ? n :
	    CACHE_HEADER_MAX)) == NULL)
		return -1;
	hlen = (size_t)(nl - data) + 1;
	sha256_digest(data + hlen, n - hlen, check, sizeof check);
	if (strcmp(check, digest) != 0)
		return -1;
	mlen = (size_t)(nl - data) - (sizeof CACHE_MAGIC - 1);
	if (mlen != 1 || data[sizeof CACHE_MAGIC - 1] != '-') {
		*media_type = xstrndup(data + sizeof CACHE_MAGIC - 1, mlen);
		if (!cache_valid_media(*media_type)) {
			free(*media_type);
			*media_type = NULL;
			return -1;
		}
	}
	*len = n - hlen;
	*body = xmalloc(*len + 1);
	memcpy(*body, data + hlen, *len);
	(*body)[*len] = '\0';
	return 0;
}

/* Look an entry up; see cache.h. */
int
cache_get(struct cache *c, const char *digest, char **media_type,
    char **body, size_t *len)
{
	char *path, *data = NULL;
	size_t n;
	int fd;

	*media_type = NULL;
	*body = NULL;
	*len = 0;
	if (c == NULL || !cache_valid_digest(digest)) {
		if (c != NULL)
			c->st.misses++;
		return -1;
	}
	path = cache_path(c, digest);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		free(path);
		c->st.misses++;
		return -1;
	}
	if (cache_read_fd(fd, CACHE_ENTRY_MAX + CACHE_HEADER_MAX, &data,
	    &n) == -1)
		goto bad;
	if (cache_entry_parse(data, n, digest, media_type, body, len) == -1)
		goto bad;
	free(data);
	/* Recently used: evicted last. */
	(void)futimens(fd, NULL);
	close(fd);
	free(path);
	c->st.hits++;
	return 0;

bad:
	/* Corrupt, torn or foreign: drop it. */
	free(data);
	close(fd);
	if (unlink(path) == 0)
		cache_scan(c);
	free(path);
	c->st.misses++;
	return -1;
}

/* Whether digest has an entry. */
int
cache_has(struct cache *c, const char *digest)
{
	struct stat sb;
	char *path;
	int rc;

	if (c == NULL || !cache_valid_digest(digest))
		return 0;
	path = cache_path(c, digest);
	rc = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
	free(path);
	return rc;
}

/* Oldest first. */
static int
cache_file_cmp(const void *a, const void *b)
{
	const struct cache_file *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	if (x->mtime_ns != y->mtime_ns)
		return x->mtime_ns < y->mtime_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Remove the least recently used entries until under 90% of the bound. */
static void
cache_evict(struct cache *c)
{
	struct cache_file *files = NULL;
	size_t n = 0, cap = 0, i, target = c->max_bytes / 10 * 9;
	struct dirent *e;
	struct stat sb;
	DIR *d;

	if ((d = opendir(c->dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, CACHE_PREFIX,
		    sizeof CACHE_PREFIX - 1) != 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(sb.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			files = xreallocarray(files, cap, sizeof *files);
		}
		files[n].name = xstrdup(e->d_name);
		files[n].mtime = sb.st_mtim.tv_sec;
		files[n].mtime_ns = sb.st_mtim.tv_nsec;
		files[n].size = (size_t)sb.st_size;
		n++;
	}
	closedir(d);
	qsort(files, n, sizeof *files, cache_file_cmp);
	c->st.bytes = 0;
	for (i = 0; i < n; i++)
		c->st.bytes += files[i].size;
	c->st.entries = n;
	for (i = 0; i < n && c->st.bytes > target; i++) {
		char *path = xasprintf("%s/%s", c->dir, files[i].name);

		if (unlink(path) == 0) {
			c->st.bytes -= files[i].size;
			c->st.entries--;
			c->st.evictions++;
		}
		free(path);
	}
	for (i = 0; i < n; i++)
		free(files[i].name);
	free(files);
}

/* Keep an entry; see cache.h. */
void
cache_put(struct cache *c, const char *digest, const char *media_type,
    const char *body, size_t len)
{
	char check[80], *path, *tmp, *header;
	size_t hlen, off = 0, total;
	int fd, failed = 0;

	if (c == NULL || !cache_valid_digest(digest) || len > CACHE_ENTRY_MAX ||
	    !cache_valid_media(media_type) || cache_has(c, digest))
		return;
	sha256_digest(body, len, check, sizeof check);
	if (strcmp(check, digest) != 0)
		return;
	header = xasprintf(CACHE_MAGIC "%s\n", media_type != NULL &&
	    *media_type != '\0' ? media_type : "-");
	hlen = strlen(header);
	path = cache_path(c, digest);
	tmp = xasprintf("%s/.tmp.%ld.%lu", c->dir, (long)getpid(), c->seq++);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1)
		goto out;
	total = hlen + len;
	while (off < total && !failed) {
		const char *p = off < hlen ? header + off : body + (off - hlen);
		size_t want = off < hlen ? hlen - off : total - off;
		ssize_t w = write(fd, p, want);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			failed = 1;
		else
			off += (size_t)w;
	}
	if (close(fd) == -1)
		failed = 1;
	if (failed || rename(tmp, path) == -1) {
		unlink(tmp);
		goto out;
	}
	c->st.puts++;
	c->st.bytes += total;
	c->st.entries++;
	if (c->st.bytes > c->max_bytes)
		cache_evict(c);
out:
	free(header);
	free(path);
	free(tmp);
}

/* Counters. Borrowed. */
const struct cache_stats *
cache_stats(const struct cache *c)
{
	return &c->st;
}
