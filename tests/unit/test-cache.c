/*
 * test-cache.c — the content-addressed cache: entries come back exactly,
 * only under their own digest; a corrupt entry is a miss and is removed;
 * the directory stays under its bound, least recently used out first.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "util.h"
#include "tap.h"

/* The digest of s. */
static void
digest_of(const char *s, size_t len, char *out, size_t outlen)
{
	sha256_digest(s, len, out, outlen);
}

/* Files in dir whose names start with "sha256-". */
static size_t
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "sha256-", 7) == 0)
			n++;
	closedir(d);
	return n;
}

static void
test_roundtrip(const char *dir)
{
	static const char body[] = "{\"schemaVersion\":2,\"manifests\":[]}";
	char d[80], other[80], *mt, *got, *cause = NULL;
	struct cache *c = cache_new(dir, 1 << 20, &cause);
	size_t len;

	if (!ok(c != NULL, "cache opens (%s)", cause ? cause : ""))
		return;
	digest_of(body, sizeof body - 1, d, sizeof d);
	digest_of("x", 1, other, sizeof other);
	ok(cache_get(c, d, &mt, &got, &len) == -1, "miss before put");
	cache_put(c, other, NULL, body, sizeof body - 1);
	ok(!cache_has(c, other), "a body under another digest is refused");
	cache_put(c, d, "application/vnd.oci.image.index.v1+json", body,
	    sizeof body - 1);
	ok(cache_has(c, d), "kept");
	if (ok(cache_get(c, d, &mt, &got, &len) == 0, "hit")) {
		ok(len == sizeof body - 1 && memcmp(got, body, len) == 0,
		    "exact bytes back");
		is_str(mt, "application/vnd.oci.image.index.v1+json",
		    "media type back");
		free(mt);
		free(got);
	}
	ok(cache_get(c, "sha256:../../etc/passwd", &mt, &got, &len) == -1,
	    "not a digest: miss");
	cache_put(c, "latest", NULL, body, sizeof body - 1);
	is_int(count_entries(dir), 1, "nothing stored under a non-digest");
	is_int(cache_stats(c)->hits, 1, "one hit counted");
	cache_free(c);

	/* Reopened: still there. */
	c = cache_new(dir, 1 << 20, &cause);
	ok(c != NULL && cache_stats(c)->entries == 1 &&
	    cache_get(c, d, &mt, &got, &len) == 0, "survives a reopen");
	if (c != NULL && got != NULL) {
		free(mt);
		free(got);
	}
	cache_free(c);
}

static void
test_corrupt(const char *dir)
{
	static const char body[] = "config blob bytes";
	char d[80], *path, *mt, *got, *cause = NULL;
	struct cache *c = cache_new(dir, 1 << 20, &cause);
	size_t len;
	FILE *f;

	if (!ok(c != NULL, "cache opens"))
		return;
	digest_of(body, sizeof body - 1, d, sizeof d);
	cache_put(c, d, NULL, body, sizeof body - 1);
	path = xasprintf("%s/sha256-%s", dir, d + 7);
	f = fopen(path, "r+");
	if (ok(f != NULL, "entry file exists")) {
		fseek(f, -1, SEEK_END);
		fputc('X', f);
		fclose(f);
	}
	ok(cache_get(c, d, &mt, &got, &len) == -1, "a tampered entry is a miss");
	ok(access(path, F_OK) == -1, "and is removed");
	cache_put(c, d, NULL, body, sizeof body - 1);
	ok(cache_get(c, d, &mt, &got, &len) == 0, "put again, hit again");
	free(mt);
	free(got);
	free(path);
	cache_free(c);
}

static void
test_bound(const char *dir)
{
	char d[80], first[80], *body, *mt, *got, *cause = NULL;
	struct cache *c = cache_new(dir, 64 * 1024, &cause);
	size_t i, len, total = 0;
	struct dirent *e;
	struct stat sb;
	DIR *dd;

	if (!ok(c != NULL, "cache opens"))
		return;
	body = xmalloc(4096);
	for (i = 0; i < 60; i++) {
		memset(body, 'a' + (int)(i % 26), 4096);
		snprintf(body, 4096, "entry %zu", i);
		digest_of(body, 4096, d, sizeof d);
		if (i == 0)
			memcpy(first, d, sizeof first);
		cache_put(c, d, NULL, body, 4096);
		if (i == 0)
			sleep(1);	/* an older mtime than the rest */
		if (i > 0 && cache_has(c, first)) {
			/* keep the first one recently used */
			if (cache_get(c, first, &mt, &got, &len) == 0) {
				free(mt);
				free(got);
			}
		}
	}
	dd = opendir(dir);
	while (dd != NULL && (e = readdir(dd)) != NULL) {
		char *p = xasprintf("%s/%s", dir, e->d_name);

		if (strncmp(e->d_name, "sha256-", 7) == 0 &&
		    stat(p, &sb) == 0)
			total += (size_t)sb.st_size;
		free(p);
	}
	if (dd != NULL)
		closedir(dd);
	ok(total <= 64 * 1024, "the directory stays under its bound (%zu)",
	    total);
	ok(cache_stats(c)->evictions > 0, "entries were evicted");
	ok(cache_has(c, d), "the newest entry is kept");
	ok(cache_has(c, first), "a recently read entry is kept");
	free(body);
	cache_free(c);
}

int
main(void)
{
	char tmpl[] = "/tmp/mt-cache-XXXXXX", *dir, *a, *b, *cc;

	if ((dir = mkdtemp(tmpl)) == NULL)
		return 1;
	a = xasprintf("%s/a", dir);
	b = xasprintf("%s/b", dir);
	cc = xasprintf("%s/c", dir);
	test_roundtrip(a);
	test_corrupt(b);
	test_bound(cc);
	{
		char *cmd[] = { "rm", "-rf", dir, NULL };
		pid_t pid = fork();

		if (pid == 0) {
			execvp(cmd[0], cmd);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	free(a);
	free(b);
	free(cc);
	return tap_done();
}
