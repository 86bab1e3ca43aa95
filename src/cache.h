/*
 * cache.h — a bounded, content-addressed on-disk cache of manifests and
 * config blobs, keyed by digest.
 *
 * What a digest names never changes, so an entry never goes stale: it is
 * only evicted, least recently used first, when the directory outgrows
 * its bound. Every entry is checked against its digest when read (a
 * corrupt or tampered file is a miss, and is removed). Entries are small
 * (a manifest, an image config) and written atomically.
 */
#ifndef MT_CACHE_H
#define MT_CACHE_H

#include <stddef.h>

struct cache;

struct cache_stats {
	unsigned long	hits;
	unsigned long	misses;
	unsigned long	puts;
	unsigned long	evictions;
	size_t		bytes;		/* on disk now */
	size_t		entries;
};

/* Largest entry kept (a manifest or config over this is not cached). */
#define CACHE_ENTRY_MAX	(4 * 1024 * 1024)

/*
 * Open (creating it, mode 0700) the cache in dir, bounded to max_bytes on
 * disk. NULL with *cause (caller frees) when the directory is unusable.
 */
struct cache	*cache_new(const char *dir, size_t max_bytes, char **cause);
void		 cache_free(struct cache *);		/* accepts NULL */
/*
 * The entry for digest ("sha256:<64 hex>"): 0 hit with *body (len bytes,
 * NUL-terminated) and *media_type (may be NULL) for the caller to free;
 * -1 miss.
 */
int		 cache_get(struct cache *, const char *digest,
		    char **media_type, char **body, size_t *len);
/*
 * The bytes of an entry file, as cache_get() reads them: 0 with the same
 * results when they hold digest's content, else -1 (a corrupt, torn or
 * foreign file).
 */
int		 cache_entry_parse(const char *data, size_t n,
		    const char *digest, char **media_type, char **body,
		    size_t *len);
/* Whether digest is cached (no read, no check). */
int		 cache_has(struct cache *, const char *digest);
/*
 * Keep body under digest, which must be its sha256 (checked: a body that
 * does not match is not stored). Best effort: a failed write is a miss
 * later, never an error.
 */
void		 cache_put(struct cache *, const char *digest,
		    const char *media_type, const char *body, size_t len);
const struct cache_stats *cache_stats(const struct cache *);

#endif
