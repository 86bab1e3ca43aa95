/*
 * status.h — refreshing the model: upstream list and registry tag list in
 * parallel, then only the manifests of tags that exist, then config blobs
 * of single-arch images; per-version/arch states; latest and drift.
 */
#ifndef MT_STATUS_H
#define MT_STATUS_H

#include "model.h"

struct http;
struct registry;
struct status;

/* Called when one app's refresh finished (ok or with app->error set). */
typedef void (*status_done_cb)(struct mt_app *, void *arg);

/* regs: one registry per configured target (config->targets order). */
struct status	*status_new(struct mt_model *, struct http *,
		     struct registry *const *regs, status_done_cb, void *arg);
void		 status_free(struct status *);
/* Start refreshing app i (no-op when already in flight). */
void		 status_refresh_app(struct status *, size_t i);
/* Apps still in flight. */
int		 status_pending(const struct status *);

/* Model helpers (also used by tests). */
void		 model_init(struct mt_model *, const struct config *);
void		 model_clear(struct mt_model *);
void		 model_app_set_error(struct mt_app *, const char *);
/* Recompute per-version state from arch states. */
void		 model_version_update_state(struct mt_version *, size_t narchs);
/* Make an expanded template a valid registry tag in place ('+' -> '_',
 * '/' -> '-'); 0 ok, -1 not a tag. */
int		 model_tag_fixup(char *);
/* Expand a template for app/version/arch. Caller frees; NULL when an
 * unknown placeholder is met (config validation rejects those). */
char		*model_expand(const struct config *, const struct mt_app *,
		     const struct mt_version *, const char *arch,
		     const char *tmpl);

#endif
