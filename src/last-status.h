/*
 * last-status.h — the version lists of the last refresh, kept in the state
 * dir so that offline readers (shell completion) know them without asking
 * upstream or the registry.
 *
 * One file, $XDG_STATE_HOME/mirrortop/last-status.json, shared by every
 * configuration on that state dir: entries are keyed by image
 * ("registry/namespace/image"), a save merges into what is there, and the
 * last writer wins for the images it refreshed.
 */
#ifndef MT_LAST_STATUS_H
#define MT_LAST_STATUS_H

#include <stddef.h>
#include "model.h"

/* Record the versions of every app of the model that refreshed without an
 * error. 0 ok; -1 with *cause (caller frees). */
int	last_status_save(const struct mt_model *, char **cause);

/*
 * The versions last seen for image, highest first. *out is a
 * NULL-terminated array of strings (caller frees with last_status_free);
 * an empty array when the image was never seen. 0 ok; -1 when the file is
 * unreadable or damaged (*out NULL).
 */
int	last_status_versions(const char *image, char ***out, size_t *n);
void	last_status_free(char **);

#endif
