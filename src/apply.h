/*
 * apply.h — execute a plan (plan.h) step by step.
 *
 * Apply does exactly the plan's writes, in the plan's order: build steps
 * have their premises checked at once and are queued in step order (so
 * their jobs are numbered and started in that order; the job queue runs
 * them as its concurrency allows), the other steps run one at a time in
 * order, each once the steps whose output it needs are done. Just before a step writes, its premises are
 * re-checked against the registry (each tag's digest as the plan saw it;
 * a latest move's source is the digest planned); a step whose premise
 * changed is refused as stale, said so, and nothing of it is written. A
 * step whose input failed is not done either, and says which step failed.
 *
 * Writes are refused in read-only mode (the core's check). Progress and
 * each step's end are told through the actions notify callback, one line
 * each.
 */
#ifndef MT_APPLY_H
#define MT_APPLY_H

struct core;
struct plan;
struct apply;

struct apply_summary {
	int	built;		/* build steps done */
	int	merged;		/* merge steps done */
	int	latest;		/* latest steps done, and merges that wrote
				 * `latest` too */
	int	untagged;	/* untag steps done */
	int	verified;	/* verify steps done */
	int	attested;	/* attest steps done */
	int	copied;		/* copy steps done */
	int	deleted;	/* delete steps done (not those refused) */
	int	failed;		/* steps not done: failed, stale or skipped */
	int	stale;		/* of which refused as stale */
	int	up_to_date;	/* the plan's up-to-date notes */
	int	withheld;	/* the plan's withheld notes */
	int	not_done;	/* the plan's not-done notes */
};

/* Called once when every step is final. */
typedef void (*apply_cb)(const struct apply_summary *, void *arg);

/*
 * Start applying plan (borrowed until cb has been called). what names the
 * command in a read-only refusal ("build", "sync"). NULL with *cause when
 * nothing can be written (read-only mode). A plan without steps calls cb
 * at once and returns NULL with *cause NULL.
 */
struct apply	*apply_start(struct core *, struct plan *, const char *what,
		     apply_cb, void *arg, char **cause);
/* Stop waiting for an apply (its callback is not called; jobs run on). */
void		 apply_cancel(struct apply *);

/* Apply and wait on the loop. 0 done (*out filled), -1 with *cause. */
int		 apply_wait(struct core *, struct plan *, const char *what,
		     struct apply_summary *out, char **cause);

/* "2 built, 1 merged, 1 latest moved, 0 failed, 3 up to date". Caller
 * frees. */
char		*apply_summary_line(const struct apply_summary *);

#endif
