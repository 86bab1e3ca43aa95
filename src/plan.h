/*
 * plan.h — what a write command will do, as an ordered list of steps.
 *
 * A plan is computed from the model (and registry reads: the children of
 * a merge, the version's current index) with no side effect: nothing is
 * written, no builder runs, no file is created. `--dry-run` prints it
 * (plan_text(), plan_json()), the dashboard's confirm dialog shows the
 * same text, and apply (apply.h) executes exactly its steps, re-checking
 * each step's premise against the registry just before it writes.
 *
 * A step holds everything known when the plan is made. What only an
 * earlier step can produce (the digest a build pushes, hence a merge's
 * index bytes) is "the output of step N": step->after names those steps
 * and step->body is NULL until apply fills it in.
 *
 * Step kinds are one table (plan.c's step_kinds[], apply.c's
 * apply_kinds[]): a kind has a name, its text and JSON fields and its
 * apply function; adding one does not touch the others.
 */
#ifndef MT_PLAN_H
#define MT_PLAN_H

#include <stddef.h>

struct core;
struct registry;
struct buf;

enum step_kind {
	STEP_BUILD,		/* run the builder for app/version/arch */
	STEP_MERGE,		/* PUT an index under the version's tags */
	STEP_LATEST,		/* PUT a version's manifest as latest / latest-{arch} */
	STEP_UNTAG,		/* remove a tag; the image it names stays */
	STEP_VERIFY,		/* every tag of the repository still resolves */
	STEP_ATTEST,		/* run one attest step (attest.h) on a version */
	STEP_COPY,		/* copy a version to a mirror target (copy.h) */
	STEP_DELETE,		/* delete a manifest no tag reaches (prune) */
	STEP_NKINDS
};

/* Where a merged arch comes from. */
struct plan_source {
	char		*arch;
	char		*ref;		/* digest or tag it is taken from */
	char		*digest;	/* the child's digest, NULL until built */
	int		 current;	/* the child of the version's current index */
	int		 active;	/* a job of this process builds it now */
	size_t		 step;		/* > 0: the output of step N */
};

struct plan_step {
	enum step_kind	 kind;
	size_t		 app;		/* model index */
	char		*app_name;
	char		*version;
	char		*arch;		/* build; NULL otherwise */
	char		*image;		/* registry/namespace/image */
	char		*repo;		/* namespace/image */
	char		*target;	/* the registry written to */

	/* tags written, each with its digest when planned (the premise
	 * apply re-checks; NULL: absent) */
	char		**tags;
	char		**old;
	size_t		 ntags;
	size_t		*old_step;	/* per tag, or NULL: > 0 when an earlier
					 * step N writes the tag first and its
					 * bytes are only known when apply gets
					 * there: the premise is then what step
					 * N wrote (or, if it was not done, its
					 * own premise) */

	/* build */
	char		**argv;		/* exec builder, NULL-terminated */
	char		*dispatch;	/* github-actions: what is dispatched */
	char		*staging_ref;

	/* merge / latest: the exact bytes, or NULL when they are the
	 * output of an earlier step */
	char		*body;
	size_t		 len;
	char		*media_type;
	char		*digest;	/* digest of body */
	char		*src_ref;	/* latest: the manifest copied */
	struct plan_source *sources;	/* merge */
	size_t		 nsources;
	char		**changes;	/* merge over a published index: entries
					 * dropped and added (one line each) */
	size_t		 nchanges;

	/* untag: the tag whose index keeps the image (tags[0]'s digest is
	 * one of its children), as planned */
	char		*keep_tag;
	char		*keep_digest;
	int		 placeholder;	/* tags[0] names the placeholder an
					 * interrupted removal left */

	/* delete: digest above is the manifest; on GHCR its package
	 * version; what it is (one line) and since when it is untagged */
	long long	 pkg_id;
	char		*delete_what;
	long long	 untagged_since;

	size_t		*after;		/* steps (1-based) whose output it needs */
	size_t		 nafter;

	/* attest: argv above, digest = the version's index */
	char		*attest_name;
	unsigned	 produces;	/* what this step claims (SC_BIT) */
	unsigned	 check;		/* last step: what discovery must find */
	long		 attest_timeout;

	/* copy: digest (above) from the app's primary, src_ref its tag
	 * there, to the app's target copy_to (image, repo and target above
	 * are that target's); tags written there last */
	size_t		 copy_to;	/* index into the app's targets, >= 1 */
	char		*from;		/* the primary's target name */
	char		*src_image;
	char		*src_repo;
	int		 force;		/* artifact tags that differ are
					 * overwritten too */
	size_t		 attest_step;	/* after a merge (after[0]): configured
					 * step N-1; digest NULL until apply
					 * knows what the merge wrote */

	/* latest: kinds discovery must find on the digest first
	 * (attest.latest_requires) */
	unsigned	 requires;
	int		 up_to_date;	/* merge: left out, nothing changes */
};

/* A version or step left out, and why. */
enum plan_note_kind {
	PLAN_UP_TO_DATE,	/* nothing to do: not a failure */
	PLAN_WITHHELD,		/* policy: needs --force, a job elsewhere...: not a failure */
	PLAN_NOT_DONE,		/* asked for but impossible: exit 1 */
};

struct plan_note {
	enum plan_note_kind kind;
	char		*app;
	char		*version;	/* or NULL */
	char		*why;		/* one line */
};

struct plan {
	struct plan_step *steps;
	size_t		 nsteps;
	int		 elsewhere_ok;	/* sync: a build another mirrortop
					 * process took meanwhile is withheld,
					 * not failed (that process merges) */
	struct plan_note *notes;
	size_t		 nnotes;
};

enum plan_what {
	PLAN_REQ_BUILD,		/* build APP VERSION [--arch]: builds, merge, latest */
	PLAN_REQ_MERGE,		/* merge APP VERSION */
	PLAN_REQ_SYNC,		/* sync [APP...] */
	PLAN_REQ_LATEST,	/* point latest at the semantic latest */
	PLAN_REQ_PRUNE,		/* prune [APP...]: staging tags merged into
				 * their version's index */
	PLAN_REQ_ATTEST,	/* attest APP VERSION */
	PLAN_REQ_COPY,		/* copy APP VERSION [--target NAME] */
};

/* One app's version (the dashboard's marked rows). */
struct plan_target {
	const char	*app;
	const char	*version;
};

struct plan_request {
	enum plan_what	 what;
	const struct plan_target *targets;	/* build: these versions (then
						 * apps/version are unused) */
	size_t		 ntargets;
	const char *const *apps;	/* sync: names (none: all); else one */
	size_t		 napps;
	const char	*version;	/* build, merge */
	const char *const *archs;	/* --arch (none: every missing arch) */
	size_t		 narchs;
	int		 force;		/* rewrite what is published */
	const char	*target;	/* copy: only this target (NULL: every
					 * mirror of the app) */
};

/* The plan is made (status 0) or could not be (-1, errmsg one line). */
typedef void (*plan_cb)(int status, struct plan *, const char *errmsg,
    void *arg);

/*
 * Make a plan on the core's loop; cb is called once, later or at once,
 * and owns the plan (plan_free). 0 started, -1 with *cause (caller frees)
 * on a bad request.
 */
int		 plan_make(struct core *, const struct plan_request *, plan_cb,
		     void *arg, char **cause);
/* The same, waiting on the loop. NULL with *cause. */
struct plan	*plan_make_wait(struct core *, const struct plan_request *,
		     char **cause);
void		 plan_free(struct plan *);

/* The kind's name ("build", "merge", "latest"). */
const char	*plan_kind_name(enum step_kind);
/* The registry a step writes: its app's primary target (a copy: the
 * target it copies to). */
struct registry	*plan_step_registry(struct core *, const struct plan_step *);
/* Notes of a kind. */
size_t		 plan_count(const struct plan *, enum plan_note_kind);

/*
 * The plan as text (caller frees): one line per step, numbered, with
 * indented detail lines, then the notes ("up to date: ...",
 * "withheld: ...", and with with_not_done "not done: ..."). "(nothing to
 * do)" when there is nothing else to say.
 */
char		*plan_text(const struct plan *, int with_not_done);
/* One step's text as plan_text() prints it, unnumbered. Caller frees. */
char		*plan_step_text(const struct plan_step *);
/* The mirrortop.plan/v1 document, compact, one line. Caller frees. */
char		*plan_json(const struct plan *);

#endif
