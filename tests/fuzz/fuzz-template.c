/*
 * fuzz-template.c — template expansion ({version}, {tag}, {arch}...) of
 * upstream-controlled values, and the registry-tag fixup of the result.
 * Input: the template, the version, the upstream tag, the arch, one per
 * line.
 */
#include "fuzz.h"
#include "config.h"
#include "model.h"
#include "status.h"

static struct config *fz_cfg;
static struct mt_model fz_model;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] = "{\"namespace\": \"mirror\", \"apps\": "
	    "[{\"name\": \"a\", \"source\": {\"type\": \"github-tags\", "
	    "\"repo\": \"o/a\"}}]}";
	char *cause = NULL;

	(void)argc;
	(void)argv;
	if (config_parse(text, sizeof text - 1, "fuzz.json", &fz_cfg,
	    &cause) != 0)
		abort();
	model_init(&fz_model, fz_cfg);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct mt_version v;
	char *part[4], *s = fuzz_split(data, len, part, 4), *out;

	memset(&v, 0, sizeof v);
	v.version = part[1];
	v.tag = part[2];
	v.image_tag = part[1];
	out = model_expand(fz_cfg, &fz_model.apps[0], &v,
	    *part[3] != '\0' ? part[3] : NULL, part[0]);
	if (out != NULL)
		(void)model_tag_fixup(out);
	free(out);
	free(s);
	return 0;
}
