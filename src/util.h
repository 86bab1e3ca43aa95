/*
 * util.h — allocation, bounded buffers, string helpers, files.
 *
 * Allocation failures are fatal (x* functions abort with a message); every
 * other failure is a return value.
 */
#ifndef MT_UTIL_H
#define MT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);		/* NULL in, NULL out */
char	*xstrndup(const char *, size_t);
/* printf into a new string; caller frees. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growable byte buffer with a hard cap fixed at creation: appending past
 * `max` fails instead of growing, so a hostile response is an error, not an
 * OOM. data is always NUL-terminated (the NUL is not counted in len).
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};
void	 buf_init(struct buf *, size_t max);
int	 buf_append(struct buf *, const void *, size_t);	/* -1 over cap */
int	 buf_printf(struct buf *, const char *, ...)
	     __attribute__((format(printf, 2, 3)));
char	*buf_steal(struct buf *);	/* caller frees; buffer is reset */
void	 buf_free(struct buf *);

/*
 * Make an untrusted string safe to print on a terminal: drops C0/C1 control
 * characters and whole escape sequences (CSI, OSC, DCS...), replaces invalid
 * UTF-8 with '?', and cuts at max_bytes (0 = no cut). Caller frees.
 */
char	*str_sanitize(const char *, size_t max_bytes);
/* Collapse to one line (newlines -> spaces) and sanitize. Caller frees. */
char	*str_oneline(const char *, size_t max_bytes);

int	 str_has_prefix(const char *, const char *);
int	 str_casecmp_n(const char *, const char *, size_t);
/* strtoll with full-string and range check; 0 ok, -1 bad. */
int	 str_to_ll(const char *, long long min, long long max, long long *out);

/* Monotonic milliseconds. */
uint64_t time_mono_ms(void);
/* Wall clock as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void	 time_iso8601(time_t, char *buf, size_t len);

/* sha256 of data as "sha256:<64 hex>" into out (>= 72 bytes). */
void	 sha256_digest(const void *data, size_t len, char *out, size_t outlen);

/* mkdir -p with mode; 0 ok, -1 with errno. */
int	 mkdir_p(const char *path, mode_t mode);
/*
 * Write a file atomically: temp file in the same directory, fsync, rename,
 * then read back and compare. 0 ok; -1 with *cause set (caller frees).
 */
int	 file_write_atomic(const char *path, const void *, size_t, char **cause);
/* Read a whole file up to max bytes. Caller frees *out. 0 ok, -1 errno set. */
int	 file_read(const char *path, size_t max, char **out, size_t *len);

/*
 * The state directory ($XDG_STATE_HOME/mirrortop or ~/.local/state/mirrortop),
 * created on first use. Borrowed string, valid for the process lifetime.
 */
const char *state_dir(void);

#endif
