/*
 * attest.h — the attest action: signing, SBOM and provenance steps run
 * against a published version, then discovery checks what they claim.
 *
 * Configuration (top level):
 *
 *   "attest": {"steps": [{"name": "sign",
 *                         "argv": ["cosign", "sign", "--yes", "{ref}"],
 *                         "produces": ["signature"]}, ...],
 *              "timeout": 1800,
 *              "after_merge": true,
 *              "latest_requires": ["signature", "sbom"]}
 *
 * Each step is an argv (never a shell) with the templates {app},
 * {version}, {tag}, {image_tag}, {image}, {digest} (the version's index
 * digest) and {ref} ({image}@{digest}). A plan holds one attest step per
 * configured step, each after the one before; each runs as a job (queue,
 * timeout, log, history). After the last one, discovery runs on the
 * version again, and the attest fails naming what the steps claim and
 * the registry still lacks.
 *
 * after_merge: every merge a plan holds is followed by the steps, on the
 * digest the merge writes ("the output of step N" until apply knows it).
 * latest_requires: `latest` moves onto a version only when discovery
 * finds these kinds on the digest it would point at, in the plan (from
 * the model, or claimed by the attest steps planned before it) and again
 * just before the write; a version without them counts as not complete
 * for `status --exit-code`.
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
	size_t		 nsteps;	/* 0 only with latest_requires */
	long		 timeout;	/* seconds per step, default 1800 */
	int		 after_merge;	/* every merge is followed by the steps */
	unsigned	 latest_requires; /* SC_BIT mask: what `latest` needs */
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
/*
 * A merge (step index merge) of version v of app ai was planned: with
 * after_merge, the attest steps follow it (their argv is made when the
 * plan is done, on the digest the merge writes); with latest_requires and
 * v the latest, `latest` moves in a step of its own after them, or a
 * withheld note says what v lacks.
 */
struct plan_ctx;
void		 attest_plan_merge(struct plan_ctx *, size_t ai,
		     struct mt_version *, size_t merge);
/*
 * With latest_requires and v the latest: a latest move onto v after steps
 * dep (a merge, its output is the digest) and last (the last attest step)
 * (1-based, 0: none), checked again before it writes; or, when v lacks a
 * required kind the steps before do not claim, a withheld note.
 */
void		 attest_plan_latest(struct plan_ctx *, size_t ai,
		     struct mt_version *, size_t dep, size_t last,
		     unsigned claims);
/* Before the plan is handed over: the after-merge steps of merges left
 * out go too, the others get their argv; latest moves follow. */
void		 attest_plan_finish(struct plan_ctx *);
/* The kinds latest_requires names that v lacks (0: none, or no policy). */
unsigned	 attest_latest_missing(const struct config *,
		     const struct mt_version *);
/* The same for what discovery found on one target. */
struct mt_supply;
unsigned	 attest_supply_missing(const struct config *,
		     const struct mt_supply *);
/* At apply: the placeholder digest of an after-merge step replaced by
 * the merge's output. 0 ok, -1 with *cause. */
int		 attest_step_resolve(struct plan_step *, const char *digest,
		     size_t merge, char **cause);
/* ["signature", "sbom"] for a mask (new reference). */
json_t		*attest_kinds_json(unsigned);
/* "signature and sbom" for a mask. Caller frees. */
char		*attest_kinds_text(unsigned);

#endif
