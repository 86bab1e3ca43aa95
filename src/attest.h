/*
 * attest.h — the attest action: signing, SBOM and provenance steps run
 * against a published version, then discovery checks what they claim.
 *
 * Configuration (top level):
 *
 *   "attest": {"steps": [{"name": "sign",
 *                         "argv": ["cosign", "sign", "--yes", "{ref}"],
 *                         "produces": ["signature"]}, ...],
 *              "timeout": 1800}
 *
 * Each step is an argv (never a shell) with the templates {app},
 * {version}, {tag}, {image_tag}, {image}, {digest} (the version's index
 * digest) and {ref} ({image}@{digest}). A plan holds one attest step per
 * configured step, each after the one before; each runs as a job (queue,
 * timeout, log, history). After the last one, discovery runs on the
 * version again, and the attest fails naming what the steps claim and
 * the registry still lacks.
 */
#ifndef MT_ATTEST_H
#define MT_ATTEST_H

#include <stddef.h>

#include <jansson.h>

struct attest_step_config {
	char		*name;
	char		**argv;		/* templates, NULL-terminated */
	size_t		 argc;
	unsigned	 produces;	/* SC_BIT mask */
};

struct attest_config {
	struct attest_step_config *steps;
	size_t		 nsteps;
	long		 timeout;	/* seconds per step, default 1800 */
};

/* Parse the "attest" object. 0 ok (*out NULL when absent), -1 with
 * *cause ("steps[1].argv: must not be empty"; caller frees). */
int		 attest_config_parse(json_t *obj, struct attest_config **out,
		     char **cause);
void		 attest_config_free(struct attest_config *);
/* As JSON (new reference), for `config check`. */
json_t		*attest_config_dump(const struct attest_config *);

struct buf;
struct core;
struct plan_step;
struct mt_app;
struct mt_version;

/* Fill a planned attest step from configured step k. 0 ok, -1 with
 * *cause. */
struct config;
int		 attest_step_fill(struct plan_step *, const struct config *,
		     const struct mt_app *, const struct mt_version *, size_t k,
		     char **cause);
void		 attest_step_text(const struct plan_step *, struct buf *);
void		 attest_step_json(const struct plan_step *, json_t *);

/* Queue the step's job. 0 with *job, -1 with *cause. */
int		 attest_submit(struct core *, const struct plan_step *,
		     unsigned long *job, char **cause);

/*
 * Discovery of one version after its last step: cb gets the kinds still
 * missing among want (0: everything claimed is there), or -1 and errmsg
 * when the registry could not be asked. The returned handle cancels.
 */
struct attest_check;
typedef void (*attest_check_cb)(int missing, const char *errmsg, void *arg);
struct attest_check *attest_check_start(struct core *, const char *repo,
		     const char *image, const char *digest, unsigned want,
		     attest_check_cb, void *arg);
void		 attest_check_cancel(struct attest_check *);
/* "signature and sbom" for a mask. Caller frees. */
char		*attest_kinds_text(unsigned);

#endif
