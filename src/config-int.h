/*
 * config-int.h — what the configuration's own modules (config.c and the
 * config-*.c files that parse one section each) share: the validation
 * context with its key path, and the checked getters. Nothing outside
 * src/config*.c includes this.
 */
#ifndef MT_CONFIG_INT_H
#define MT_CONFIG_INT_H

#include <stddef.h>
#include <jansson.h>

#include "config.h"

#define CONFIG_MAX_DEPTH	16

/* One step of a key path: an object key or an array index. */
struct config_seg {
	const char	*key;		/* NULL for an index */
	size_t		 index;
};

/* Validation state: the text (for positions), the path, the error. */
struct config_ctx {
	const char		*text;
	size_t			 len;
	const char		*file;
	struct config_seg	 segs[CONFIG_MAX_DEPTH];
	size_t			 depth;
	char			*cause;
};

enum config_at {
	AT_VALUE,	/* the value at the path */
	AT_KEY,		/* the key of the last path segment */
};

/* Record "FILE:LINE:COL: PATH: what" for the current path; returns -1. */
int		 config_error(struct config_ctx *, enum config_at, const char *,
		     ...) __attribute__((format(printf, 3, 4)));
void		 config_push_key(struct config_ctx *, const char *);
void		 config_push_index(struct config_ctx *, size_t);
void		 config_pop(struct config_ctx *);
/* A user-supplied string quoted for a message, into out. */
const char	*config_quote(const char *, char *out, size_t outlen);
const char	*config_type_name(const json_t *);
/* Reject keys not in allowed (NULL-terminated); all/kind: see config.c. */
int		 config_check_keys(struct config_ctx *, json_t *obj,
		     const char *const *allowed, const char *const *all,
		     const char *kind);
int		 config_expect(struct config_ctx *, json_t *, json_type,
		     const char *want);
int		 config_missing(struct config_ctx *, const char *key);
/* Optional members: 1 present, 0 absent (*out untouched), -1 error. */
int		 config_get_str(struct config_ctx *, json_t *, const char *,
		     const char **out);
int		 config_get_int(struct config_ctx *, json_t *, const char *,
		     long long min, long long max, long long *out);
int		 config_get_intv(struct config_ctx *, json_t *, const char *,
		     long long min, long long max, int *out);
int		 config_get_long(struct config_ctx *, json_t *, const char *,
		     long long min, long long max, long *out);
int		 config_get_bool(struct config_ctx *, json_t *, const char *,
		     int *out);
int		 config_get_obj(struct config_ctx *, json_t *, const char *,
		     json_t **out);
/* An environment variable name (never a token) into *dst. */
/* A URL member into *dst (trailing slashes dropped): 1, 0 absent, -1. */
int		 config_get_url(struct config_ctx *, json_t *, const char *,
		     char **);
int		 config_get_envname(struct config_ctx *, json_t *, const char *,
		     char **dst);

/* config-notify.c: `notify`, `notify_initial`, `notify_keep`, `bell`. */
int		 config_parse_notify(struct config_ctx *, json_t *root,
		     struct config *);
void		 config_notify_free(struct config *);
void		 config_notify_dump(const struct config *, json_t *root);
int		 config_valid_component(const char *, size_t);
int		 config_valid_repo_path(const char *);
int		 config_valid_hostport(const char *, int *loopback);

/* config-target.c */
int		 config_targets_parse(struct config_ctx *, json_t *root,
		     struct config *);
int		 config_app_targets_parse(struct config_ctx *, struct config *,
		     json_t *app, struct app_config *);
void		 config_targets_shorthand(struct config *);
void		 config_targets_free(struct config *);
void		 config_targets_dump(const struct config *, json_t *root);
void		 config_app_targets_dump(const struct config *,
		     const struct app_config *, json_t *app);

#endif
