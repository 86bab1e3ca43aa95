/* last-status.c — the last refresh's version lists, for offline readers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "last-status.h"
#include "util.h"

#define LAST_STATUS_SCHEMA	"mirrortop.last-status/v1"
#define LAST_STATUS_MAX_BYTES	(4L * 1024 * 1024)
#define LAST_STATUS_MAX_IMAGES	512
#define LAST_STATUS_MAX_VERSIONS 1000

/* The file's path. Caller frees. */
static char *
last_status_path(void)
{
	return xasprintf("%s/last-status.json", state_dir());
}

/* Load the images object (new reference); an empty one when absent. */
static json_t *
last_status_load(int *damaged)
{
	char *path = last_status_path(), *text = NULL;
	size_t len;
	json_t *root, *images;

	*damaged = 0;
	if (file_read(path, LAST_STATUS_MAX_BYTES, &text, &len) == -1) {
		*damaged = errno != ENOENT;
		free(path);
		return json_object();
	}
	free(path);
	root = json_loadb(text, len, 0, NULL);
	free(text);
	images = root != NULL ? json_object_get(root, "images") : NULL;
	if (!json_is_object(images) ||
	    !json_is_string(json_object_get(root, "schema")) ||
	    strcmp(json_string_value(json_object_get(root, "schema")),
	    LAST_STATUS_SCHEMA) != 0) {
		*damaged = 1;
		json_decref(root);
		return json_object();
	}
	json_incref(images);
	json_decref(root);
	return images;
}

/* Drop the oldest entries until at most LAST_STATUS_MAX_IMAGES remain. */
static void
last_status_trim(json_t *images)
{
	while (json_object_size(images) > LAST_STATUS_MAX_IMAGES) {
		const char *key, *oldest = NULL;
		json_int_t t, tmin = 0;
		json_t *v;

		json_object_foreach(images, key, v) {
			t = json_integer_value(json_object_get(v, "time"));
			if (oldest == NULL || t < tmin) {
				oldest = key;
				tmin = t;
			}
		}
		json_object_del(images, oldest);
	}
}

int
last_status_save(const struct mt_model *m, char **cause)
{
	json_t *images, *root, *entry, *list;
	char *path, *text;
	size_t i, j;
	int damaged, rc, changed = 0;

	images = last_status_load(&damaged);
	for (i = 0; i < m->napps; i++) {
		const struct mt_app *a = &m->apps[i];

		if (!a->loaded || a->error != NULL || a->image == NULL)
			continue;
		list = json_array();
		for (j = 0; j < a->nversions &&
		    j < LAST_STATUS_MAX_VERSIONS; j++)
			json_array_append_new(list,
			    json_string(a->versions[j].version));
		entry = json_pack("{s:I, s:s, s:o}", "time",
		    (json_int_t)a->last_refresh, "app", a->cfg->name,
		    "versions", list);
		if (entry == NULL)	/* not UTF-8: keep the previous entry */
			continue;
		json_object_set_new(images, a->image, entry);
		changed = 1;
	}
	if (!changed) {
		json_decref(images);
		return 0;
	}
	last_status_trim(images);
	root = json_pack("{s:s, s:o}", "schema", LAST_STATUS_SCHEMA,
	    "images", images);
	text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	path = last_status_path();
	rc = file_write_atomic(path, text, strlen(text), cause);
	free(path);
	free(text);
	return rc;
}

int
last_status_versions(const char *image, char ***out, size_t *n)
{
	json_t *images, *list, *v;
	size_t i, k = 0;
	int damaged;

	*out = NULL;
	*n = 0;
	images = last_status_load(&damaged);
	if (damaged) {
		json_decref(images);
		return -1;
	}
	list = json_object_get(json_object_get(images, image), "versions");
	*out = xcalloc(json_array_size(list) + 1, sizeof **out);
	json_array_foreach(list, i, v) {
		if (json_is_string(v))
			(*out)[k++] = xstrdup(json_string_value(v));
	}
	*n = k;
	json_decref(images);
	return 0;
}

void
last_status_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
