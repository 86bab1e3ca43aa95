/* actions.c — the write actions of the core: builds, merges, latest. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "actions-int.h"
#include "auth.h"
#include "config.h"
#include "core.h"
#include "events.h"
#include "job-log.h"
#include "jobs.h"
#include "loop.h"
#include "merge.h"
#include "model.h"
#include "refname.h"
#include "registry.h"
#include "version.h"
#include "status.h"
#include "util.h"

enum after_kind {
	AFTER_MERGE,		/* merge a version when its jobs are done */
	AFTER_LATEST,		/* move latest when the app's work is done */
};

struct action_after {
	enum after_kind	 kind;
	char		*app;
	char		*version;	/* AFTER_MERGE */
};

enum op_kind {
	OP_MERGE,
	OP_LATEST,
};

struct actions;

struct action_op {
	struct actions	*act;
	enum op_kind	 kind;
	struct merge_op	*mop;
	char		*app;
	char		*version;
	int		 dry_run;
	action_done_cb	 cb;
	void		*arg;
	struct action_op *next;
};

struct action_seen {
	unsigned long	 id;
	enum job_state	 state;
};

struct actions {
	struct core		*core;
	struct jobs		*jobs;
	char			*init_error;
	action_notify_cb	 notify;
	void			*notify_arg;
	struct action_after	*after;
	size_t			 nafter;
	struct action_op	*ops;
	struct action_seen	*seen;
	size_t			 nseen;
	int			 failures;
	int			 secrets_added;
	int			 advancing;
	int			 recovered_told;
	uint64_t		 touch_timer;	/* a throttled touch is due */
	uint64_t		 touched_at;	/* ms, last throttled touch */
	int			 follow;	/* refresh an app when its job ends */
	uint64_t		 later_timer;	/* the second refresh is due */
	unsigned char		*later;		/* apps it refreshes, by index */
	size_t			 nlater;
	struct actions_hook {
		void		(*fn)(void *);
		void		*arg;
	}			*hooks;		/* applies in flight */
	size_t			 nhooks;
	int			 held;		/* applies in flight */
	struct actions		*next;
};

/* Log growth bumps the generation at most this often. */
#define ACTIONS_TOUCH_MS	250
/* Another process's job ended: its app is refreshed at once and again
 * this much later, after the merge that process runs next. */
#define ACTIONS_LATER_MS	5000
/* Lines of a failed builder's output quoted in its error. */
#define ACTIONS_FAIL_LINES	3

static struct actions *actions_all;

static void	actions_advance(struct actions *);
static int	actions_op_pending(struct actions *, const char *, const char *);

/* Tell the front end (sanitized, one line). */
static void
actions_notify(struct actions *act, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
actions_notify(struct actions *act, int is_error, const char *fmt, ...)
{
	va_list ap;
	char *raw, *line;
	int n;

	if (act->notify == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	raw = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(raw, (size_t)n + 1, fmt, ap);
	va_end(ap);
	line = str_oneline(raw, 2048);
	act->notify(line, is_error, act->notify_arg);
	free(line);
	free(raw);
}

/* The model's app by name, or NULL. */
static struct mt_app *
actions_app(struct actions *act, const char *name, size_t *idx)
{
	struct mt_model *m = core_model_mut(act->core);
	size_t i;

	for (i = 0; i < m->napps; i++) {
		if (strcmp(m->apps[i].cfg->name, name) == 0) {
			if (idx != NULL)
				*idx = i;
			return &m->apps[i];
		}
	}
	return NULL;
}

/* The app's version by string, or NULL. */
static struct mt_version *
actions_version(struct mt_app *a, const char *version)
{
	size_t i;

	for (i = 0; a != NULL && i < a->nversions; i++) {
		if (strcmp(a->versions[i].version, version) == 0)
			return &a->versions[i];
	}
	return NULL;
}

/* Index of arch in the app's archs, -1 if not configured. */
static int
actions_arch_index(const struct mt_app *a, const char *arch)
{
	size_t i;

	for (i = 0; i < a->cfg->narchs; i++) {
		if (strcmp(a->cfg->archs[i], arch) == 0)
			return (int)i;
	}
	return -1;
}

/* Whether a job state was already reported; remember it. */
static int
actions_seen(struct actions *act, const struct job *job)
{
	size_t i;

	for (i = 0; i < act->nseen; i++) {
		if (act->seen[i].id == job->id) {
			if (act->seen[i].state == job->state)
				return 1;
			act->seen[i].state = job->state;
			return 0;
		}
	}
	act->seen = xreallocarray(act->seen, act->nseen + 1, sizeof *act->seen);
	act->seen[act->nseen].id = job->id;
	act->seen[act->nseen].state = job->state;
	act->nseen++;
	return 0;
}

/* Whether this process still has work for an app: a queued or running
 * job, a merge or tag move in flight or waiting. */
static int
actions_app_busy(struct actions *act, const char *app)
{
	size_t i, n = act->jobs != NULL ? jobs_count(act->jobs) : 0;
	const struct job *j;

	for (i = 0; i < n; i++) {
		j = jobs_get(act->jobs, i);
		if (j->priv != NULL && !job_state_final(j->state) &&
		    strcmp(j->app, app) == 0)
			return 1;
	}
	for (i = 0; i < act->nafter; i++) {
		if (strcmp(act->after[i].app, app) == 0)
			return 1;
	}
	return actions_op_pending(act, app, NULL);
}

/* The second refresh after other processes' jobs ended is due. */
static void
actions_later_cb(void *arg)
{
	struct actions *act = arg;
	size_t i;

	act->later_timer = 0;
	for (i = 0; i < act->nlater; i++) {
		if (act->later[i]) {
			act->later[i] = 0;
			core_refresh_app(act->core, i);
		}
	}
}

/*
 * A job ended: refresh its app, so that its cells and `latest` say what
 * the registry holds now rather than at the last interval. This
 * process's job: once the process has no more work for the app (its own
 * merge updates the model, and a refresh racing it could show the state
 * from before). Another process's: at once, and again a little later,
 * when that process has had time to merge.
 */
static void
actions_job_ended(struct actions *act, const struct job *job)
{
	const struct mt_model *m = core_model(act->core);
	size_t idx;

	if (!act->follow || actions_app(act, job->app, &idx) == NULL)
		return;
	if (job->owned) {
		if (!actions_app_busy(act, job->app))
			core_refresh_app(act->core, idx);
		return;
	}
	if (actions_app_busy(act, job->app))
		return;
	core_refresh_app(act->core, idx);
	if (act->nlater < m->napps) {
		act->later = xreallocarray(act->later, m->napps, 1);
		memset(act->later + act->nlater, 0, m->napps - act->nlater);
		act->nlater = m->napps;
	}
	act->later[idx] = 1;
	if (act->later_timer == 0)
		act->later_timer = loop_timer_add(core_loop(act->core),
		    ACTIONS_LATER_MS, actions_later_cb, act);
}

/* A job changed: reflect it in the model and tell the front end. */
static void
actions_job_changed(const struct job *job, void *arg)
{
	struct actions *act = arg;
	struct mt_app *a = actions_app(act, job->app, NULL);
	struct mt_version *v = actions_version(a, job->version);
	int i;

	if (v != NULL) {
		v->job_active = jobs_find_active(act->jobs, job->app,
		    job->version, NULL) != NULL;
		i = actions_arch_index(a, job->arch);
		if (job->state == JOB_SUCCEEDED && i >= 0) {
			if (v->archs[i] == ARCH_MISSING)
				v->archs[i] = a->cfg->manifest ? ARCH_STAGED :
				    ARCH_PRESENT;
			if (job->digest != NULL) {
				free(v->arch_digest[i]);
				v->arch_digest[i] = xstrdup(job->digest);
			}
			model_version_update_state(v, a->cfg->narchs);
		}
	}
	core_touch(act->core);
	/* Another process's job: shown, but its messages and failures are
	 * that process's to tell. */
	if (!job->owned) {
		if (job_state_final(job->state))
			actions_job_ended(act, job);
		return;
	}
	if (!actions_seen(act, job)) {
		if (job->state == JOB_FAILED)
			act->failures++;
		/* The message, unless it only repeats the state. */
		const char *msg = job->state != JOB_QUEUED && job->message &&
		    strcmp(job->message, job_state_name(job->state)) != 0 ?
		    job->message : NULL;

		/* A failure says what the builder said last, and where
		 * the whole log is. */
		char *out = NULL, *where = NULL;

		if (job->state == JOB_FAILED && job->log_path != NULL) {
			char *last = joblog_last_output(job->log_path,
			    ACTIONS_FAIL_LINES);

			if (last != NULL)
				out = xasprintf("; last output: %s", last);
			where = xasprintf("; log: %s", job->log_path);
			free(last);
		}
		actions_notify(act, job->state == JOB_FAILED, "job %lu %s %s %s "
		    "%s%s%s%s%s", job->id, job->app, job->version, job->arch,
		    job_state_name(job->state), msg ? ": " : "", msg ? msg : "",
		    out != NULL ? out : "", where != NULL ? where : "");
		free(out);
		free(where);

		if (job->state == JOB_SUCCEEDED || job->state == JOB_FAILED) {
			struct events_job ej = {
				.kind = "build", .app = job->app,
				.version = job->version, .arch = job->arch,
				.ok = job->state == JOB_SUCCEEDED,
				.detail = job->state == JOB_SUCCEEDED ?
				    job->digest : msg,
				.log = job->log_path, .attempts = job->attempt,
			};

			events_job_ended(core_events(act->core), &ej);
		}
	}
	if (job_state_final(job->state)) {
		actions_advance(act);
		actions_job_ended(act, job);
	}
	/* A hook may remove itself (its apply ended): walk a copy. */
	if (act->nhooks > 0) {
		size_t n = act->nhooks, k;
		struct actions_hook *copy = xcalloc(n, sizeof *copy);

		memcpy(copy, act->hooks, n * sizeof *copy);
		for (k = 0; k < n; k++) {
			size_t m;

			for (m = 0; m < act->nhooks; m++)
				if (act->hooks[m].arg == copy[k].arg)
					break;
			if (m < act->nhooks)
				copy[k].fn(copy[k].arg);
		}
		free(copy);
	}
}

/* The throttled touch is due. */
static void
actions_touch_cb(void *arg)
{
	struct actions *act = arg;

	act->touch_timer = 0;
	act->touched_at = time_mono_ms();
	core_touch(act->core);
}

/* A job's log grew: bump the generation, at most every ACTIONS_TOUCH_MS. */
static void
actions_job_output(const struct job *job, void *arg)
{
	struct actions *act = arg;
	uint64_t now = time_mono_ms();

	(void)job;
	if (act->touch_timer != 0)
		return;
	if (act->touched_at == 0 || now - act->touched_at >= ACTIONS_TOUCH_MS) {
		act->touched_at = now;
		core_touch(act->core);
		return;
	}
	act->touch_timer = loop_timer_add(core_loop(act->core),
	    (long)(ACTIONS_TOUCH_MS - (now - act->touched_at)),
	    actions_touch_cb, act);
}

/* The actions state of a core, made on first use. */
static struct actions *
actions_get(struct core *core)
{
	struct actions *act;
	struct jobs_params p;
	const struct config *cfg = core_config(core);
	char *cause = NULL;

	for (act = actions_all; act != NULL; act = act->next) {
		if (act->core == core)
			return act;
	}
	act = xcalloc(1, sizeof *act);
	act->core = core;
	memset(&p, 0, sizeof p);
	p.loop = core_loop(core);
	p.http = core_http(core);
	p.registry = core_registry(core);
	p.max_running = cfg->jobs > 0 ? cfg->jobs : 2;
	p.dir = state_dir();
	act->jobs = jobs_new(&p, &cause);
	if (cause != NULL)
		act->init_error = cause;
	if (act->jobs != NULL) {
		jobs_set_change_cb(act->jobs, actions_job_changed, act);
		jobs_set_output_cb(act->jobs, actions_job_output, act);
	}
	act->next = actions_all;
	actions_all = act;
	return act;
}

/* Say once which jobs a previous process left unfinished. */
static void
actions_tell_recovered(struct actions *act)
{
	size_t i, n;

	if (act->notify == NULL || act->jobs == NULL || act->recovered_told)
		return;
	act->recovered_told = 1;
	n = jobs_count(act->jobs);
	for (i = n; i > 0; i--) {
		const struct job *j = jobs_get(act->jobs, i - 1);

		if (j->recovered)
			actions_notify(act, 0, "job %lu %s %s %s interrupted "
			    "(mirrortop exited while it was %s)", j->id, j->app,
			    j->version, j->arch, j->started ? "running" :
			    "queued");
	}
}

/* Refresh an app whenever one of its jobs ends (the dashboard). */
void
action_follow_jobs(struct core *core, int on)
{
	actions_get(core)->follow = on;
}

/* Set the notify callback. */
void
action_set_notify(struct core *core, action_notify_cb cb, void *arg)
{
	struct actions *act = actions_get(core);

	act->notify = cb;
	act->notify_arg = arg;
	if (act->init_error != NULL) {
		actions_notify(act, 1, "job history: %s", act->init_error);
		free(act->init_error);
		act->init_error = NULL;
	}
	actions_tell_recovered(act);
}

/* Free an op record (not the merge op). */
static void
actions_op_free(struct action_op *op)
{
	free(op->app);
	free(op->version);
	free(op);
}

/* Tear down. */
void
action_shutdown(struct core *core)
{
	struct actions **pp, *act;
	struct action_op *op, *next;
	size_t i;

	for (pp = &actions_all; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->core == core)
			break;
	}
	if ((act = *pp) == NULL)
		return;
	*pp = act->next;
	for (op = act->ops; op != NULL; op = next) {
		next = op->next;
		merge_cancel(op->mop);
		actions_op_free(op);
	}
	loop_timer_del(core_loop(core), act->touch_timer);
	loop_timer_del(core_loop(core), act->later_timer);
	free(act->later);
	if (act->jobs != NULL) {
		jobs_set_change_cb(act->jobs, NULL, NULL);
		jobs_set_output_cb(act->jobs, NULL, NULL);
		jobs_free(act->jobs);
	}
	for (i = 0; i < act->nafter; i++) {
		free(act->after[i].app);
		free(act->after[i].version);
	}
	free(act->after);
	free(act->seen);
	free(act->hooks);
	free(act->init_error);
	free(act);
}

/* Refuse writes in read-only mode. */
static int
actions_writable(struct actions *act, const char *what, char **cause)
{
	size_t i;

	if (core_read_only(act->core)) {
		*cause = xasprintf("read-only mode: %s refused", what);
		return 0;
	}
	if (act->jobs == NULL) {
		*cause = xasprintf("%s: the state directory cannot be used: %s",
		    what, act->init_error ? act->init_error : "?");
		return 0;
	}
	for (i = 0; i < core_config(act->core)->ntargets; i++)
		registry_set_push(core_target_registry(act->core, i), 1);
	return 1;
}

/* Look up app and version indexes. */
int
action_find(struct core *core, const char *app, const char *version,
    size_t *app_idx, size_t *version_idx, char **cause)
{
	const struct mt_model *m = core_model(core);
	size_t i, j;

	for (i = 0; i < m->napps; i++) {
		const struct mt_app *a = &m->apps[i];

		if (strcmp(a->cfg->name, app) != 0)
			continue;
		*app_idx = i;
		if (version == NULL)
			return 0;
		for (j = 0; j < a->nversions; j++) {
			if (strcmp(a->versions[j].version, version) == 0 ||
			    (a->versions[j].tag != NULL &&
			    strcmp(a->versions[j].tag, version) == 0)) {
				*version_idx = j;
				return 0;
			}
		}
		*cause = xasprintf("%s: no version %s in the window", app,
		    version);
		return -1;
	}
	*cause = xasprintf("no app named %s", app);
	return -1;
}

/* Check indexes and upstream values before templates see them. */
static int
actions_check(struct core *core, size_t app, size_t version,
    struct mt_app **ap, struct mt_version **vp, char **cause)
{
	struct mt_model *m = core_model_mut(core);
	struct mt_app *a;
	struct mt_version *v;

	if (app >= m->napps) {
		*cause = xstrdup("no such app");
		return -1;
	}
	a = &m->apps[app];
	if (version >= a->nversions) {
		*cause = xasprintf("%s: no such version", a->cfg->name);
		return -1;
	}
	v = &a->versions[version];
	if (!version_spelling_valid(v->version)) {
		*cause = xasprintf("%s: version is not a version", a->cfg->name);
		return -1;
	}
	if (v->tag != NULL && !refname_valid(v->tag)) {
		*cause = xasprintf("%s %s: upstream tag is not a valid ref name",
		    a->cfg->name, v->version);
		return -1;
	}
	if (v->image_tag == NULL || *v->image_tag == '\0') {
		*cause = xasprintf("%s %s: no image tag", a->cfg->name,
		    v->version);
		return -1;
	}
	*ap = a;
	*vp = v;
	return 0;
}

/*
 * The registry tag an arch's build goes to: the staging_tag template, or
 * {image_tag}-{arch} for the plugin scheme (manifest: false), made a valid
 * tag as in the status model. NULL when it is not a valid tag.
 */
static char *
actions_staging_tag(struct core *core, const struct mt_app *a,
    const struct mt_version *v, const char *arch)
{
	char *t;

	t = model_expand(core_config(core), a, v, arch, a->cfg->manifest ?
	    a->cfg->staging_tag : "{image_tag}-{arch}");
	if (t == NULL)
		return NULL;
	if (model_tag_fixup(t) == -1) {
		free(t);
		return NULL;
	}
	return t;
}

/* Replace {digest_file} by path, then expand the rest. Caller frees. */
static char *
actions_expand(struct core *core, const struct mt_app *a,
    const struct mt_version *v, const char *arch, const char *tmpl,
    const char *digest_file)
{
	static const char key[] = "{digest_file}";
	struct buf b;
	const char *p = tmpl, *hit;
	char *out;

	if (tmpl == NULL)
		return NULL;
	buf_init(&b, 64 * 1024);
	/* A marker first: braces in the path must not be placeholders. */
	while ((hit = strstr(p, key)) != NULL) {
		buf_append(&b, p, (size_t)(hit - p));
		buf_append(&b, "\x01", 1);
		p = hit + sizeof key - 1;
	}
	buf_append(&b, p, strlen(p));
	out = model_expand(core_config(core), a, v, arch, b.data);
	buf_free(&b);
	if (out == NULL)
		return NULL;
	/* Put the path where the markers are. */
	buf_init(&b, 64 * 1024);
	for (p = out; *p != '\0'; p++) {
		if (*p == '\x01')
			buf_append(&b, digest_file, strlen(digest_file));
		else
			buf_append(&b, p, 1);
	}
	free(out);
	return buf_steal(&b);
}

/* A job spec being built, with the strings it owns. */
struct spec_buf {
	struct job_spec	 spec;
	char		*staging_tag;
	char		*staging_ref;
	char		*digest_file;
	char		**argv;
	size_t		 argc;
	char		*ref;
	struct kv	*inputs;
	size_t		 ninputs;
};

/* Free a spec_buf's strings. */
static void
spec_buf_clear(struct spec_buf *sb)
{
	size_t i;

	free(sb->staging_tag);
	free(sb->staging_ref);
	free(sb->digest_file);
	for (i = 0; i < sb->argc; i++)
		free(sb->argv[i]);
	free(sb->argv);
	free(sb->ref);
	for (i = 0; i < sb->ninputs; i++) {
		free(sb->inputs[i].key);
		free(sb->inputs[i].value);
	}
	free(sb->inputs);
	memset(sb, 0, sizeof *sb);
}

/* Expand everything a job for app/version/arch needs. */
static int
actions_spec(struct core *core, struct mt_app *a, struct mt_version *v,
    const char *arch, struct spec_buf *sb, char **cause)
{
	const struct builder_config *b = a->cfg->builder;
	char *work, *safe;
	size_t i;

	memset(sb, 0, sizeof *sb);
	if (b == NULL) {
		*cause = xasprintf("%s: no builder is configured", a->cfg->name);
		return -1;
	}
	sb->staging_tag = actions_staging_tag(core, a, v, arch);
	if (sb->staging_tag == NULL || *sb->staging_tag == '\0') {
		*cause = xasprintf("%s %s %s: the staging tag is not a valid "
		    "registry tag", a->cfg->name, v->version, arch);
		goto fail;
	}
	sb->staging_ref = xasprintf("%s:%s", a->image, sb->staging_tag);
	/* Made by action_build: describing must not write anything. */
	work = xasprintf("%s/work", state_dir());
	safe = xasprintf("%s-%s-%s", a->cfg->name, v->version, arch);
	for (i = 0; safe[i] != '\0'; i++) {
		if (safe[i] == '/' || safe[i] == '{' || safe[i] == '}')
			safe[i] = '_';
	}
	sb->digest_file = xasprintf("%s/%s.digest", work, safe);
	free(safe);
	free(work);
	if (b->type == BUILDER_EXEC) {
		sb->argv = xcalloc(b->argc + 1, sizeof *sb->argv);
		for (i = 0; i < b->argc; i++) {
			sb->argv[i] = actions_expand(core, a, v, arch, b->argv[i],
			    sb->digest_file);
			if (sb->argv[i] == NULL) {
				*cause = xasprintf("%s: cannot expand builder "
				    "argv[%zu]", a->cfg->name, i);
				sb->argc = i;
				goto fail;
			}
			sb->argc = i + 1;
		}
	} else {
		sb->ref = actions_expand(core, a, v, arch, b->ref ? b->ref :
		    "main", sb->digest_file);
		if (sb->ref == NULL) {
			*cause = xasprintf("%s: cannot expand builder ref",
			    a->cfg->name);
			goto fail;
		}
		sb->inputs = xcalloc(b->ninputs + 1, sizeof *sb->inputs);
		for (i = 0; i < b->ninputs; i++) {
			sb->inputs[i].key = xstrdup(b->inputs[i].key);
			sb->inputs[i].value = actions_expand(core, a, v, arch,
			    b->inputs[i].value, sb->digest_file);
			sb->ninputs = i + 1;
			if (sb->inputs[i].value == NULL) {
				*cause = xasprintf("%s: cannot expand input %s",
				    a->cfg->name, b->inputs[i].key);
				goto fail;
			}
		}
	}
	sb->spec.app = a->cfg->name;
	sb->spec.version = v->version;
	sb->spec.arch = arch;
	sb->spec.repo = a->repo;
	sb->spec.registry = core_app_registry(core, a);
	sb->spec.image_tag = v->image_tag;
	sb->spec.staging_tag = sb->staging_tag;
	sb->spec.staging_ref = sb->staging_ref;
	sb->spec.builder = b;
	sb->spec.argv = sb->argv;
	sb->spec.digest_file = b->type == BUILDER_EXEC ? sb->digest_file : NULL;
	sb->spec.ref = sb->ref;
	sb->spec.inputs = sb->inputs;
	sb->spec.ninputs = sb->ninputs;
	return 0;
fail:
	spec_buf_clear(sb);
	return -1;
}

/* Give the jobs every secret that could show up in builder output. */
static void
actions_add_secrets(struct actions *act)
{
	const struct config *cfg = core_config(act->core);
	static const char *names[] = { "GITHUB_TOKEN", "GITLAB_TOKEN",
	    "GH_TOKEN", "REGISTRY_PASSWORD" };
	struct auth_cred cred;
	char *cause = NULL;
	size_t i;

	if (act->secrets_added)
		return;
	act->secrets_added = 1;
	for (i = 0; i < MT_ARRAY_LEN(names); i++)
		jobs_add_secret(act->jobs, getenv(names[i]));
	if (cfg->builder != NULL && cfg->builder->token_env != NULL)
		jobs_add_secret(act->jobs, getenv(cfg->builder->token_env));
	for (i = 0; i < cfg->napps; i++) {
		const struct app_config *ac = &cfg->apps[i];

		if (ac->source.token_env != NULL)
			jobs_add_secret(act->jobs, getenv(ac->source.token_env));
		if (ac->builder != NULL && ac->builder->token_env != NULL)
			jobs_add_secret(act->jobs, getenv(ac->builder->token_env));
	}
	for (i = 0; i < cfg->ntargets; i++) {
		memset(&cred, 0, sizeof cred);
		if (auth_lookup(cfg->targets[i].registry, &cred,
		    &cause) == 1) {
			jobs_add_secret(act->jobs, cred.secret);
			if (cred.username != NULL && cred.secret != NULL) {
				char *pair = xasprintf("%s:%s", cred.username,
				    cred.secret);
				char *b64 = auth_base64(pair, strlen(pair));

				jobs_add_secret(act->jobs, b64);
				memset(pair, 0, strlen(pair));
				free(pair);
				free(b64);
			}
			auth_cred_clear(&cred);
		}
		free(cause);
		cause = NULL;
	}
}

/* Remember a follow-up (no duplicates). */
static void
actions_after_add(struct actions *act, enum after_kind kind, const char *app,
    const char *version)
{
	size_t i;

	for (i = 0; i < act->nafter; i++) {
		struct action_after *f = &act->after[i];

		if (f->kind == kind && strcmp(f->app, app) == 0 &&
		    (kind == AFTER_LATEST || strcmp(f->version, version) == 0))
			return;
	}
	act->after = xreallocarray(act->after, act->nafter + 1,
	    sizeof *act->after);
	act->after[act->nafter].kind = kind;
	act->after[act->nafter].app = xstrdup(app);
	act->after[act->nafter].version = xstrdup(version);
	act->nafter++;
}

/* What building one version would do, per configured arch. */
enum build_what {
	BUILD_NOT = 0,		/* not asked for (or not missing) */
	BUILD_START,		/* a job is queued */
	BUILD_ACTIVE,		/* a job of this process is queued or running */
	BUILD_ELSEWHERE,	/* another mirrortop process builds it */
};

struct build_plan {
	enum build_what	 what[CONFIG_MAX_ARCHS];
	int		 nstart;
	int		 nactive;
	int		 nelsewhere;
	int		 none_missing;	/* no configured arch is missing */
	int		 merge;		/* merge_after applies: a merge (or, for
					 * the plugin scheme, a latest move)
					 * is set to follow */
	int		 merge_runs;	/* ... and nothing will be missing */
};

/*
 * Decide what action_build would do; the same decisions are used to build
 * and to describe, so a confirm dialog shows exactly what runs.
 */
static void
actions_build_plan(struct actions *act, struct mt_app *a, struct mt_version *v,
    const char *arch, const char *const *only, size_t nonly, int merge_after,
    struct build_plan *bp)
{
	size_t i, k;
	int none_missing = 1;

	memset(bp, 0, sizeof *bp);
	for (i = 0; i < a->cfg->narchs; i++) {
		const char *ar = a->cfg->archs[i];

		if (v->archs[i] == ARCH_MISSING)
			none_missing = 0;
		if (arch != NULL ? strcmp(arch, ar) != 0 :
		    v->archs[i] != ARCH_MISSING)
			continue;
		/* Narrowed to some archs (sync --arch). */
		for (k = 0; k < nonly; k++)
			if (strcmp(only[k], ar) == 0)
				break;
		if (nonly > 0 && k == nonly)
			continue;
		if (act->jobs != NULL && jobs_find_active(act->jobs,
		    a->cfg->name, v->version, ar) != NULL) {
			bp->what[i] = BUILD_ACTIVE;
			bp->nactive++;
		} else if (act->jobs != NULL && jobs_busy_elsewhere(act->jobs,
		    a->cfg->name, a->repo, v->version, ar)) {
			bp->what[i] = BUILD_ELSEWHERE;
			bp->nelsewhere++;
		} else {
			bp->what[i] = BUILD_START;
			bp->nstart++;
		}
	}
	bp->none_missing = none_missing;
	if (!merge_after)
		return;
	bp->merge = bp->nstart > 0 || (act->jobs != NULL &&
	    jobs_find_active(act->jobs, a->cfg->name, v->version, NULL)) ||
	    (none_missing && v->state != VERSION_COMPLETE);
	if (!bp->merge)
		return;
	bp->merge_runs = 1;
	for (i = 0; i < a->cfg->narchs; i++) {
		if (v->archs[i] == ARCH_MISSING && bp->what[i] != BUILD_START &&
		    bp->what[i] != BUILD_ACTIVE)
			bp->merge_runs = 0;
	}
}

/* The cause for archs another process builds. Caller frees. */
static char *
actions_elsewhere_cause(const struct mt_app *a, const struct mt_version *v,
    const struct build_plan *bp)
{
	struct buf b;
	size_t i;
	int n = 0;

	buf_init(&b, 64 * 1024);
	for (i = 0; i < a->cfg->narchs; i++) {
		if (bp->what[i] == BUILD_ELSEWHERE)
			buf_printf(&b, "%s%s", n++ ? ", " : "", a->cfg->archs[i]);
	}
	{
		char *archs = buf_steal(&b), *cause;

		cause = xasprintf("%s for %s %s %s %s queued or running in "
		    "another mirrortop process", n > 1 ? "jobs" : "a job",
		    a->cfg->name, v->version, archs, n > 1 ? "are" : "is");
		free(archs);
		return cause;
	}
}

/*
 * Queue builds for one version. elsewhere_ok: archs that another process
 * builds are skipped quietly (sync); otherwise they are reported through
 * *cause (with -1 when nothing was queued).
 */
static int
actions_build(struct actions *act, struct mt_app *a, struct mt_version *v,
    const char *arch, const char *const *only, size_t nonly, int merge_after,
    int elsewhere_ok, char **cause)
{
	struct core *core = act->core;
	struct build_plan bp;
	struct spec_buf sb;
	size_t i;
	int queued = 0;
	char *work, *why = NULL;

	*cause = NULL;
	actions_add_secrets(act);
	work = xasprintf("%s/work", state_dir());
	if (mkdir_p(work, 0700) != 0) {
		*cause = xasprintf("%s: %s", work, strerror(errno));
		free(work);
		return -1;
	}
	free(work);
	actions_build_plan(act, a, v, arch, only, nonly, merge_after, &bp);
	for (i = 0; i < a->cfg->narchs; i++) {
		const char *ar = a->cfg->archs[i];

		if (bp.what[i] != BUILD_START)
			continue;
		if (actions_spec(core, a, v, ar, &sb, &why) != 0)
			break;
		if (jobs_submit(act->jobs, &sb.spec, NULL, &why) != 0) {
			spec_buf_clear(&sb);
			/* Taken by another process since the plan was made. */
			if (jobs_busy_elsewhere(act->jobs, a->cfg->name,
			    a->repo, v->version, ar)) {
				free(why);
				why = NULL;
				bp.what[i] = BUILD_ELSEWHERE;
				bp.nelsewhere++;
				continue;
			}
			break;
		}
		spec_buf_clear(&sb);
		queued++;
		/* The submit may have finished the job already; v is still
		 * valid: the model is only rebuilt by a refresh. */
	}
	if (why == NULL && bp.nelsewhere > 0 && !elsewhere_ok)
		why = actions_elsewhere_cause(a, v, &bp);
	if (why != NULL && queued == 0) {
		*cause = why;
		return -1;
	}
	*cause = why;
	/* Nothing left to build but not merged yet: merge now. */
	if (merge_after && (queued > 0 || jobs_find_active(act->jobs,
	    a->cfg->name, v->version, NULL) != NULL || (bp.none_missing &&
	    v->state != VERSION_COMPLETE))) {
		actions_after_add(act, AFTER_MERGE, a->cfg->name, v->version);
		actions_advance(act);
	}
	return queued;
}

/* Queue builds for one version. */
int
action_build(struct core *core, size_t app, size_t version, const char *arch,
    int merge_after, char **cause)
{
	struct actions *act = actions_get(core);
	struct mt_app *a;
	struct mt_version *v;

	*cause = NULL;
	if (!actions_writable(act, "build", cause))
		return -1;
	if (actions_check(core, app, version, &a, &v, cause) != 0)
		return -1;
	if (arch != NULL && actions_arch_index(a, arch) < 0) {
		*cause = xasprintf("%s: arch %s is not configured", a->cfg->name,
		    arch);
		return -1;
	}
	return actions_build(act, a, v, arch, NULL, 0, merge_after, 0, cause);
}

/* Whether an op for app (and version) is in flight. */
static int
actions_op_pending(struct actions *act, const char *app, const char *version)
{
	struct action_op *op;

	for (op = act->ops; op != NULL; op = op->next) {
		if (strcmp(op->app, app) == 0 && (version == NULL ||
		    (op->version != NULL && strcmp(op->version, version) == 0)))
			return 1;
	}
	return 0;
}

/* Unlink an op. */
static void
actions_op_unlink(struct actions *act, struct action_op *op)
{
	struct action_op **pp;

	for (pp = &act->ops; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == op) {
			*pp = op->next;
			return;
		}
	}
}

/* A merge ended: update the model, report. */
static void
actions_merge_done(int status, const char *json, const char *digest,
    const char *errmsg, void *arg)
{
	struct action_op *op = arg;
	struct actions *act = op->act;
	struct mt_app *a = actions_app(act, op->app, NULL);
	struct mt_version *v = actions_version(a, op->version);
	size_t i;

	actions_op_unlink(act, op);
	if (status == 0 && !op->dry_run && v != NULL) {
		for (i = 0; i < a->cfg->narchs; i++)
			v->archs[i] = ARCH_PRESENT;
		free(v->digest);
		v->digest = xstrdup(digest);
		model_version_update_state(v, a->cfg->narchs);
		if (v->is_latest) {
			free(a->latest_digest);
			a->latest_digest = xstrdup(digest);
			free(a->registry_latest);
			a->registry_latest = xstrdup(v->version);
			a->latest_drift = 0;
		}
		core_touch(act->core);
	}
	if (status != 0) {
		act->failures++;
		actions_notify(act, 1, "%s", errmsg ? errmsg : "merge failed");
	} else if (!op->dry_run)
		actions_notify(act, 0, "merged %s %s: %s:%s%s (%s)", op->app,
		    op->version, a ? a->image : op->app, v ? v->image_tag : "?",
		    v && v->is_latest ? " and latest" : "", digest);
	if (!op->dry_run) {
		struct events_job ej = {
			.kind = "merge", .app = op->app, .version = op->version,
			.ok = status == 0, .detail = status == 0 ? digest :
			    errmsg,
		};

		events_job_ended(core_events(act->core), &ej);
		if (status == 0 && v != NULL) {
			events_merged(core_events(act->core), a, op->version,
			    v->image_tag, digest, v->is_latest);
			events_app_changed(core_events(act->core), a,
			    op->version);
		}
	}
	if (op->cb != NULL)
		op->cb(status, json, errmsg, op->arg);
	actions_op_free(op);
	actions_advance(act);
}

/* Start a merge of version v of a. */
static int
actions_merge_begin(struct actions *act, struct mt_app *a,
    struct mt_version *v, int dry_run, action_done_cb cb, void *arg,
    char **cause)
{
	struct core *core = act->core;
	struct merge_spec ms;
	struct action_op *op;
	struct merge_op *mop;
	char *staging[CONFIG_MAX_ARCHS];
	const char *digests[CONFIG_MAX_ARCHS];
	size_t i;
	int r = 0;

	if (!a->cfg->manifest) {
		*cause = xasprintf("merge %s %s: the app uses per-arch tags "
		    "(manifest: false); there is no index to merge",
		    a->cfg->name, v->version);
		return -1;
	}
	memset(&ms, 0, sizeof ms);
	for (i = 0; i < a->cfg->narchs; i++) {
		staging[i] = actions_staging_tag(core, a, v,
		    a->cfg->archs[i]);
		if (staging[i] == NULL) {
			*cause = xasprintf("merge %s %s: %s: the staging tag "
			    "is not a valid registry tag", a->cfg->name,
			    v->version, a->cfg->archs[i]);
			while (i-- > 0)
				free(staging[i]);
			return -1;
		}
		digests[i] = act->jobs ? jobs_last_digest(act->jobs,
		    a->cfg->name, v->version, a->cfg->archs[i]) : NULL;
	}
	ms.app = a->cfg->name;
	ms.version = v->version;
	ms.image = a->image;
	ms.repo = a->repo;
	ms.image_tag = v->image_tag;
	ms.is_latest = v->is_latest;
	ms.dry_run = dry_run;
	ms.archs = a->cfg->archs;
	ms.narchs = a->cfg->narchs;
	ms.digests = digests;
	ms.staging_tags = (const char *const *)staging;
	op = xcalloc(1, sizeof *op);
	op->act = act;
	op->kind = OP_MERGE;
	op->app = xstrdup(a->cfg->name);
	op->version = xstrdup(v->version);
	op->dry_run = dry_run;
	op->cb = cb;
	op->arg = arg;
	op->next = act->ops;
	act->ops = op;
	*cause = NULL;
	mop = merge_start(core_app_registry(core, a), &ms, actions_merge_done, op,
	    cause);
	if (mop != NULL)
		op->mop = mop;
	else if (*cause != NULL) {
		actions_op_unlink(act, op);
		actions_op_free(op);
		r = -1;
	}
	/* else: it finished at once and op is gone. */
	for (i = 0; i < a->cfg->narchs; i++)
		free(staging[i]);
	return r;
}

/* Start a merge. */
int
action_merge_start(struct core *core, size_t app, size_t version, int dry_run,
    action_done_cb cb, void *arg, char **cause)
{
	struct actions *act = actions_get(core);
	struct mt_app *a;
	struct mt_version *v;

	*cause = NULL;
	if (!dry_run && !actions_writable(act, "merge", cause))
		return -1;
	if (actions_check(core, app, version, &a, &v, cause) != 0)
		return -1;
	return actions_merge_begin(act, a, v, dry_run, cb, arg, cause);
}

struct action_wait {
	int	 done;
	int	 status;
	char	*json;
	char	*errmsg;
};

/* Store a result for a synchronous caller. */
static void
actions_wait_cb(int status, const char *json, const char *errmsg, void *arg)
{
	struct action_wait *w = arg;

	w->done = 1;
	w->status = status;
	w->json = xstrdup(json);
	w->errmsg = xstrdup(errmsg);
}

/* Run the loop until w is done; hand back the result. */
static int
actions_wait(struct core *core, struct action_wait *w, char **out_json,
    char **cause)
{
	while (!w->done)
		core_run_once(core, 1000);
	if (w->status != 0) {
		*cause = w->errmsg ? w->errmsg : xstrdup("failed");
		free(w->json);
		return -1;
	}
	free(w->errmsg);
	if (out_json != NULL)
		*out_json = w->json;
	else
		free(w->json);
	return 0;
}

/* Merge and wait. */
int
action_merge(struct core *core, size_t app, size_t version, int dry_run,
    char **out_json, char **cause)
{
	struct action_wait w;

	memset(&w, 0, sizeof w);
	if (action_merge_start(core, app, version, dry_run, actions_wait_cb,
	    &w, cause) != 0)
		return -1;
	return actions_wait(core, &w, out_json, cause);
}

/* The version latest should point at: the semantic latest. */
static struct mt_version *
actions_latest_version(struct mt_app *a, int need_complete)
{
	size_t i;

	for (i = 0; i < a->nversions; i++) {
		if (a->versions[i].is_latest && (!need_complete ||
		    a->versions[i].state == VERSION_COMPLETE))
			return &a->versions[i];
	}
	if (!need_complete)
		return NULL;
	/* Plugin scheme: the highest complete release. */
	for (i = 0; i < a->nversions; i++) {
		if (!a->versions[i].prerelease &&
		    a->versions[i].state == VERSION_COMPLETE)
			return &a->versions[i];
	}
	return NULL;
}

struct latest_group {
	struct actions	*act;
	size_t		 pending;
	int		 failed;
	struct buf	 json;
	char		*errmsg;
	char		*app;
	char		*version;
	int		 dry_run;
	action_done_cb	 cb;
	void		*arg;
};

/* One retag of a latest move ended. */
static void
actions_latest_done(int status, const char *json, const char *digest,
    const char *errmsg, void *arg)
{
	struct action_op *op = arg;
	struct actions *act = op->act;
	struct latest_group *g = op->arg;
	struct mt_app *a;

	actions_op_unlink(act, op);
	actions_op_free(op);
	if (status != 0) {
		g->failed = 1;
		if (g->errmsg == NULL)
			g->errmsg = xstrdup(errmsg);
	} else {
		if (g->json.len > 0)
			buf_append(&g->json, "\n", 1);
		buf_append(&g->json, json, strlen(json));
		a = actions_app(act, g->app, NULL);
		if (a != NULL && !g->dry_run) {
			/* The plugin scheme's latest-<arch> tags too. */
			if (a->cfg->manifest) {
				free(a->latest_digest);
				a->latest_digest = xstrdup(digest);
			}
			free(a->registry_latest);
			a->registry_latest = xstrdup(g->version);
			a->latest_drift = a->upstream_latest == NULL ||
			    strcmp(a->upstream_latest, g->version) != 0;
			core_touch(act->core);
		}
	}
	if (--g->pending > 0)
		return;
	if (g->failed) {
		act->failures++;
		actions_notify(act, 1, "%s", g->errmsg ? g->errmsg :
		    "latest failed");
	} else if (!g->dry_run)
		actions_notify(act, 0, "latest %s -> %s", g->app, g->version);
	if (!g->dry_run && g->failed) {
		struct events_job ej = {
			.kind = "latest", .app = g->app, .version = g->version,
			.detail = g->errmsg,
		};

		events_job_ended(core_events(act->core), &ej);
	} else if (!g->dry_run)
		events_app_changed(core_events(act->core),
		    actions_app(act, g->app, NULL), NULL);
	if (g->cb != NULL)
		g->cb(g->failed ? -1 : 0, g->failed ? NULL : g->json.data,
		    g->errmsg, g->arg);
	buf_free(&g->json);
	free(g->errmsg);
	free(g->app);
	free(g->version);
	free(g);
	actions_advance(act);
}

/* Move latest for app a. */
static int
actions_latest_begin(struct actions *act, struct mt_app *a, int dry_run,
    action_done_cb cb, void *arg, char **cause)
{
	struct core *core = act->core;
	struct mt_version *v;
	struct latest_group *g;
	char *label, *src[CONFIG_MAX_ARCHS], *dst[CONFIG_MAX_ARCHS];
	size_t i, n = 0;

	v = actions_latest_version(a, !a->cfg->manifest);
	if (v == NULL) {
		*cause = xasprintf("latest %s: no %s version to point at",
		    a->cfg->name, a->cfg->manifest ? "upstream latest" :
		    "complete");
		return -1;
	}
	if (a->cfg->manifest) {
		src[n] = xstrdup(v->image_tag);
		dst[n++] = xstrdup("latest");
	} else {
		for (i = 0; i < a->cfg->narchs; i++) {
			src[n] = actions_staging_tag(core, a, v,
			    a->cfg->archs[i]);
			dst[n] = xasprintf("latest-%s", a->cfg->archs[i]);
			for (char *p = dst[n]; *p != '\0'; p++) {
				if (*p == '/')
					*p = '-';
			}
			if (src[n] == NULL)
				src[n] = xstrdup("");
			n++;
		}
	}
	g = xcalloc(1, sizeof *g);
	g->act = act;
	buf_init(&g->json, 16 * 1024 * 1024);
	g->app = xstrdup(a->cfg->name);
	g->version = xstrdup(v->version);
	g->dry_run = dry_run;
	g->cb = cb;
	g->arg = arg;
	g->pending = n + 1;
	label = xasprintf("latest %s", a->cfg->name);
	for (i = 0; i < n; i++) {
		struct action_op *op = xcalloc(1, sizeof *op);
		char *why = NULL;

		op->act = act;
		op->kind = OP_LATEST;
		op->app = xstrdup(a->cfg->name);
		op->dry_run = dry_run;
		op->arg = g;
		op->next = act->ops;
		act->ops = op;
		op->mop = merge_retag(core_app_registry(core, a), label, a->repo,
		    src[i], &dst[i], 1, dry_run, actions_latest_done, op, &why);
		if (op->mop == NULL) {
			actions_op_unlink(act, op);
			actions_op_free(op);
			g->pending--;
			g->failed = 1;
			if (g->errmsg == NULL)
				g->errmsg = why;
			else
				free(why);
		}
		free(src[i]);
		free(dst[i]);
	}
	free(label);
	/* Drop the guard; when nothing started, report now. */
	if (--g->pending == 0) {
		if (cb != NULL)
			cb(-1, NULL, g->errmsg ? g->errmsg : "nothing to do",
			    arg);
		act->failures++;
		buf_free(&g->json);
		free(g->errmsg);
		free(g->app);
		free(g->version);
		free(g);
	}
	return 0;
}

/* Start moving latest. */
int
action_latest_start(struct core *core, size_t app, int dry_run,
    action_done_cb cb, void *arg, char **cause)
{
	struct actions *act = actions_get(core);
	struct mt_model *m = core_model_mut(core);

	*cause = NULL;
	if (!dry_run && !actions_writable(act, "latest", cause))
		return -1;
	if (app >= m->napps) {
		*cause = xstrdup("no such app");
		return -1;
	}
	return actions_latest_begin(act, &m->apps[app], dry_run, cb, arg,
	    cause);
}

/* Move latest and wait. */
int
action_latest(struct core *core, size_t app, int dry_run, char **out_json,
    char **cause)
{
	struct action_wait w;

	memset(&w, 0, sizeof w);
	if (action_latest_start(core, app, dry_run, actions_wait_cb, &w,
	    cause) != 0)
		return -1;
	return actions_wait(core, &w, out_json, cause);
}

/* Cancel a job. */
int
action_cancel(struct core *core, unsigned long id, char **cause)
{
	struct actions *act = actions_get(core);

	if (!actions_writable(act, "cancel", cause))
		return -1;
	return jobs_cancel(act->jobs, id, cause);
}

/* Drop follow-up i. */
static void
actions_after_drop(struct actions *act, size_t i)
{
	free(act->after[i].app);
	free(act->after[i].version);
	act->after[i] = act->after[--act->nafter];
}

/* Run the follow-ups whose prerequisites are done. */
static void
actions_advance(struct actions *act)
{
	size_t i, j;
	char *cause;
	int again;

	if (act->advancing)
		return;
	act->advancing = 1;
	do {
		again = 0;
		for (i = 0; i < act->nafter; i++) {
			struct action_after f = act->after[i];
			struct mt_app *a = actions_app(act, f.app, NULL);
			struct mt_version *v;
			int missing = 0;

			if (a == NULL) {
				actions_after_drop(act, i);
				again = 1;
				break;
			}
			if (f.kind == AFTER_MERGE) {
				if (jobs_find_active(act->jobs, f.app, f.version,
				    NULL) != NULL)
					continue;
				v = actions_version(a, f.version);
				f.app = xstrdup(f.app);
				f.version = xstrdup(f.version);
				actions_after_drop(act, i);
				again = 1;
				if (v == NULL) {
					free(f.app);
					free(f.version);
					break;
				}
				for (j = 0; j < a->cfg->narchs; j++) {
					/*
					 * Not a failure of its own: a failed
					 * job was counted, and an arch that
					 * was not asked for is not an error.
					 */
					if (v->archs[j] == ARCH_MISSING) {
						actions_notify(act, 0, "merge %s "
						    "%s not started: %s is not "
						    "built", f.app, f.version,
						    a->cfg->archs[j]);
						missing = 1;
						break;
					}
				}
				if (!missing && a->cfg->manifest) {
					cause = NULL;
					if (actions_merge_begin(act, a, v, 0, NULL,
					    NULL, &cause) != 0) {
						act->failures++;
						actions_notify(act, 1, "%s",
						    cause);
						free(cause);
					}
				} else if (!missing)
					actions_after_add(act, AFTER_LATEST,
					    f.app, NULL);
				free(f.app);
				free(f.version);
				break;
			}
			/* AFTER_LATEST: when nothing else runs for the app. */
			if (jobs_find_active(act->jobs, f.app, NULL, NULL) ||
			    actions_op_pending(act, f.app, NULL))
				continue;
			for (j = 0; j < act->nafter; j++) {
				if (act->after[j].kind == AFTER_MERGE &&
				    strcmp(act->after[j].app, f.app) == 0)
					break;
			}
			if (j < act->nafter)
				continue;
			actions_after_drop(act, i);
			again = 1;
			if (!a->cfg->manifest || (a->latest_drift &&
			    actions_latest_version(a, 1) != NULL &&
			    actions_latest_version(a, 1)->is_latest)) {
				cause = NULL;
				if (actions_latest_begin(act, a, 0, NULL, NULL,
				    &cause) != 0) {
					act->failures++;
					actions_notify(act, 1, "%s", cause);
					free(cause);
				}
			}
			break;
		}
	} while (again);
	act->advancing = 0;
}

/* One line describing what building arch would run. Caller frees. */
static char *
actions_describe_one(struct core *core, struct mt_app *a, struct mt_version *v,
    const char *arch, char **cause)
{
	struct spec_buf sb;
	struct buf b;
	char *line;
	size_t i;

	if (actions_spec(core, a, v, arch, &sb, cause) != 0)
		return NULL;
	buf_init(&b, 256 * 1024);
	if (a->cfg->builder->type == BUILDER_EXEC) {
		line = jobs_argv_line(sb.argv);
		buf_printf(&b, "build %s %s %s: %s", a->cfg->name, v->version,
		    arch, line);
		free(line);
	} else {
		buf_printf(&b, "build %s %s %s: dispatch workflow %s of %s at %s",
		    a->cfg->name, v->version, arch, a->cfg->builder->workflow,
		    a->cfg->builder->repo, sb.ref);
		for (i = 0; i < sb.ninputs; i++)
			buf_printf(&b, "%s%s=%s", i ? ", " : " with ",
			    sb.inputs[i].key, sb.inputs[i].value);
		buf_printf(&b, "; expects %s", sb.staging_ref);
	}
	spec_buf_clear(&sb);
	line = buf_steal(&b);
	{
		char *clean = str_oneline(line, 0);

		free(line);
		return clean;
	}
}

/* The line saying what follows the builds (plan->merge_runs). */
static void
actions_describe_then(struct buf *b, const struct mt_app *a,
    const struct mt_version *v)
{
	if (a->cfg->manifest)
		buf_printf(b, "then: merge %s %s \u2192 PUT %s:%s%s\n",
		    a->cfg->name, v->version, a->image, v->image_tag,
		    v->is_latest ? " and latest" : "");
	else
		buf_printf(b, "then: move latest-{arch} of %s to the highest "
		    "complete version\n", a->image);
}

/* What building would run. */
char *
action_describe_build_ex(struct core *core, size_t app, size_t version,
    const char *arch, int merge_after, char **cause)
{
	struct actions *act = actions_get(core);
	struct build_plan bp;
	struct mt_app *a;
	struct mt_version *v;
	struct buf b, busy;
	char *line;
	size_t i;

	*cause = NULL;
	if (actions_check(core, app, version, &a, &v, cause) != 0)
		return NULL;
	if (arch != NULL && actions_arch_index(a, arch) < 0) {
		*cause = xasprintf("%s: arch %s is not configured", a->cfg->name,
		    arch);
		return NULL;
	}
	actions_build_plan(act, a, v, arch, NULL, 0, merge_after, &bp);
	buf_init(&b, 1024 * 1024);
	buf_init(&busy, 64 * 1024);
	for (i = 0; i < a->cfg->narchs; i++) {
		const char *ar = a->cfg->archs[i];

		if (bp.what[i] == BUILD_ACTIVE)
			buf_printf(&busy, "%s%s", busy.len ? ", " : "", ar);
		if (bp.what[i] != BUILD_START)
			continue;
		if ((line = actions_describe_one(core, a, v, ar, cause)) == NULL) {
			buf_free(&b);
			buf_free(&busy);
			return NULL;
		}
		buf_printf(&b, "%s\n", line);
		free(line);
	}
	if (bp.nstart == 0) {
		if (bp.nelsewhere > 0)
			*cause = actions_elsewhere_cause(a, v, &bp);
		else if (bp.merge && bp.nactive == 0) {
			/* Everything is staged: build merges at once. */
			buf_printf(&b, "nothing to build\n");
			actions_describe_then(&b, a, v);
			buf_free(&busy);
			return buf_steal(&b);
		} else if (bp.nactive > 0)
			*cause = xasprintf("%s %s: nothing to build (already "
			    "building: %s)", a->cfg->name, v->version, busy.data);
		else
			*cause = xasprintf("%s %s: nothing to build",
			    a->cfg->name, v->version);
		buf_free(&b);
		buf_free(&busy);
		return NULL;
	}
	if (bp.nactive > 0)
		buf_printf(&b, "already building: %s\n", busy.data);
	buf_free(&busy);
	if (bp.nelsewhere > 0) {
		for (i = 0; i < a->cfg->narchs; i++) {
			if (bp.what[i] == BUILD_ELSEWHERE)
				buf_printf(&b, "not started: %s is queued or "
				    "running in another mirrortop process\n",
				    a->cfg->archs[i]);
		}
	}
	if (bp.merge && bp.merge_runs)
		actions_describe_then(&b, a, v);
	return buf_steal(&b);
}

/* What building would run, then merging (as `mirrortop build`). */
char *
action_describe_build(struct core *core, size_t app, size_t version,
    const char *arch, char **cause)
{
	return action_describe_build_ex(core, app, version, arch, 1, cause);
}

/* What merging would write. */
char *
action_describe_merge(struct core *core, size_t app, size_t version,
    char **cause)
{
	struct actions *act = actions_get(core);
	struct mt_app *a;
	struct mt_version *v;
	struct buf b;
	size_t i;

	if (actions_check(core, app, version, &a, &v, cause) != 0)
		return NULL;
	if (!a->cfg->manifest) {
		*cause = xasprintf("merge %s %s: the app uses per-arch tags",
		    a->cfg->name, v->version);
		return NULL;
	}
	buf_init(&b, 1024 * 1024);
	buf_printf(&b, "merge %s %s: PUT %s:%s%s, an index of:\n",
	    a->cfg->name, v->version, a->image, v->image_tag,
	    v->is_latest ? " and latest" : "");
	for (i = 0; i < a->cfg->narchs; i++) {
		const char *d = act->jobs ? jobs_last_digest(act->jobs,
		    a->cfg->name, v->version, a->cfg->archs[i]) : NULL;
		char *st = actions_staging_tag(core, a, v,
		    a->cfg->archs[i]);

		buf_printf(&b, "  %s: %s%s%s%s\n", a->cfg->archs[i], a->image,
		    d ? "@" : ":", d ? d : (st ? st : "?"),
		    v->archs[i] == ARCH_MISSING ? " (missing)" : "");
		free(st);
	}
	return buf_steal(&b);
}

/* What moving latest would write. */
char *
action_describe_latest(struct core *core, size_t app, char **cause)
{
	struct mt_model *m = core_model_mut(core);
	struct mt_app *a;
	struct mt_version *v;
	struct buf b;
	size_t i;

	if (app >= m->napps) {
		*cause = xstrdup("no such app");
		return NULL;
	}
	a = &m->apps[app];
	v = actions_latest_version(a, !a->cfg->manifest);
	if (v == NULL) {
		*cause = xasprintf("latest %s: no version to point at",
		    a->cfg->name);
		return NULL;
	}
	buf_init(&b, 64 * 1024);
	if (a->cfg->manifest)
		buf_printf(&b, "latest %s: PUT %s:latest = %s:%s (%s%s%s)\n",
		    a->cfg->name, a->image, a->image, v->image_tag, v->version,
		    v->digest ? ", " : "", v->digest ? v->digest : "");
	else {
		for (i = 0; i < a->cfg->narchs; i++) {
			char *st = actions_staging_tag(core, a, v,
			    a->cfg->archs[i]);

			buf_printf(&b, "latest %s: PUT %s:latest-%s = %s:%s\n",
			    a->cfg->name, a->image, a->cfg->archs[i], a->image,
			    st ? st : "?");
			free(st);
		}
	}
	return buf_steal(&b);
}

/* A plan line: into the plan; when it is not a dry run, to the front end. */
static void
actions_plan_line(struct actions *act, struct buf *p, int dry_run,
    int tell, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void
actions_plan_line(struct actions *act, struct buf *p, int dry_run, int tell,
    const char *fmt, ...)
{
	va_list ap;
	char *line;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	line = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(line, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_printf(p, "%s\n", line);
	if (!dry_run && tell)
		actions_notify(act, 0, "%s", line);
	free(line);
}

/* Start the work of one version in a sync (builds, else the merge). */
static void
actions_sync_version(struct actions *act, struct mt_app *a,
    struct mt_version *v, const char *const *only, size_t nonly,
    const struct build_plan *bp, int busy)
{
	char *why = NULL;
	int r;

	if (bp->nstart > 0) {
		r = actions_build(act, a, v, NULL, only, nonly, 1, 1, &why);
		if (why != NULL) {
			act->failures++;
			actions_notify(act, 1, "%s%s", r < 0 ? "" :
			    "partly queued: ", why);
			free(why);
		}
	} else if (a->cfg->manifest && busy == 0 && bp->merge_runs) {
		if (actions_merge_begin(act, a, v, 0, NULL, NULL, &why) != 0) {
			act->failures++;
			actions_notify(act, 1, "%s", why);
			free(why);
		}
	}
}

/*
 * Whether a job belongs to one of this core's apps: same app name and the
 * same image (registry, namespace, repository). The history is shared by
 * every configuration using the same state directory.
 */
static int
actions_job_mine(struct core *core, const struct job *j)
{
	const struct mt_model *m = core_model(core);
	size_t i, n;

	for (i = 0; i < m->napps; i++) {
		const struct mt_app *a = &m->apps[i];

		if (strcmp(a->cfg->name, j->app) != 0)
			continue;
		if (j->staging_ref == NULL)
			return 1;
		n = strlen(a->image);
		return strncmp(j->staging_ref, a->image, n) == 0 &&
		    j->staging_ref[n] == ':';
	}
	return 0;
}

/* Sync apps. */
int
action_sync(struct core *core, const char *const *apps, size_t napps,
    const char *const *archs, size_t narchs, int dry_run, char **plan,
    char **cause)
{
	struct actions *act = actions_get(core);
	struct mt_model *m = core_model_mut(core);
	struct build_plan bp;
	struct buf p;
	size_t i, j, k, ai;
	char *line, *why;

	if (plan != NULL)
		*plan = NULL;
	if (!dry_run && !actions_writable(act, "sync", cause))
		return -1;
	for (k = 0; k < napps; k++) {
		if (actions_app(act, apps[k], NULL) == NULL) {
			*cause = xasprintf("no app named %s", apps[k]);
			return -1;
		}
	}
	if (!dry_run)
		actions_add_secrets(act);
	buf_init(&p, 16 * 1024 * 1024);
	for (ai = 0; ai < m->napps; ai++) {
		struct mt_app *a = &m->apps[ai];
		int latest_changes = 0;

		for (k = 0; k < napps; k++) {
			if (strcmp(apps[k], a->cfg->name) == 0)
				break;
		}
		if (napps > 0 && k == napps)
			continue;
		if (a->error != NULL) {
			actions_plan_line(act, &p, dry_run, 1, "skip %s: %s",
			    a->cfg->name, a->error);
			continue;
		}
		for (j = 0; j < a->nversions; j++) {
			struct mt_version *v;
			int busy, vlock = -1;

			if (actions_check(core, ai, j, &a, &v, &why) != 0) {
				actions_plan_line(act, &p, dry_run, 1, "skip: %s",
				    why);
				free(why);
				continue;
			}
			if (v->state == VERSION_COMPLETE)
				continue;
			/* Overlapping syncs decide one after the other. */
			if (!dry_run)
				vlock = jobs_lock_version(act->jobs,
				    a->cfg->name, a->repo, v->version);
			actions_build_plan(act, a, v, NULL, archs, narchs, 1,
			    &bp);
			busy = bp.nactive + bp.nelsewhere;
			if (bp.nelsewhere > 0) {
				/* Its builder merges it; nothing of ours. */
				why = actions_elsewhere_cause(a, v, &bp);
				actions_plan_line(act, &p, dry_run, 1, "skip: %s",
				    why);
				free(why);
				jobs_unlock_version(vlock);
				continue;
			}
			for (i = 0; i < a->cfg->narchs; i++) {
				if (bp.what[i] == BUILD_ACTIVE ||
				    bp.what[i] == BUILD_ELSEWHERE) {
					actions_plan_line(act, &p, dry_run, 1,
					    "skip: %s %s %s is already being "
					    "built%s", a->cfg->name, v->version,
					    a->cfg->archs[i], bp.what[i] ==
					    BUILD_ELSEWHERE ? " by another "
					    "mirrortop process" : "");
					continue;
				}
				if (bp.what[i] != BUILD_START)
					continue;
				line = actions_describe_one(core, a, v,
				    a->cfg->archs[i], &why);
				if (line == NULL) {
					actions_plan_line(act, &p, dry_run, 1,
					    "skip: %s", why);
					free(why);
					continue;
				}
				/* Started jobs tell of themselves. */
				actions_plan_line(act, &p, dry_run, 0, "%s", line);
				free(line);
			}
			/* The process building an arch merges the version. */
			if (a->cfg->manifest && busy == 0 && bp.merge_runs)
				actions_plan_line(act, &p, dry_run, 0, "merge %s "
				    "%s: PUT %s:%s%s%s", a->cfg->name,
				    v->version, a->image, v->image_tag,
				    v->is_latest ? " and latest" : "",
				    bp.nstart ? " (after the builds)" : "");
			if (v->is_latest || !a->cfg->manifest)
				latest_changes = 1;
			if (dry_run)
				continue;
			actions_sync_version(act, a, v, archs, narchs, &bp,
			    busy);
			jobs_unlock_version(vlock);
		}
		if (a->cfg->manifest && a->latest_drift && !latest_changes) {
			struct mt_version *lv = actions_latest_version(a, 1);

			if (lv != NULL && lv->is_latest)
				actions_plan_line(act, &p, dry_run, 0, "latest %s: "
				    "PUT %s:latest = %s:%s", a->cfg->name,
				    a->image, a->image, lv->image_tag);
		} else if (!a->cfg->manifest && latest_changes)
			actions_plan_line(act, &p, dry_run, 0, "latest %s: PUT "
			    "%s:latest-{arch} from the highest complete version",
			    a->cfg->name, a->image);
		if (!dry_run && (a->latest_drift || !a->cfg->manifest))
			actions_after_add(act, AFTER_LATEST, a->cfg->name, NULL);
	}
	if (!dry_run)
		actions_advance(act);
	if (plan != NULL && dry_run)
		*plan = buf_steal(&p);
	else
		buf_free(&p);
	return 0;
}

size_t
action_jobs_count(struct core *core)
{
	struct actions *act = actions_get(core);
	size_t i, n = act->jobs ? jobs_count(act->jobs) : 0, k = 0;

	for (i = 0; i < n; i++)
		if (actions_job_mine(core, jobs_get(act->jobs, i)))
			k++;
	return k;
}

/* The i-th job of this configuration's apps, newest first. */
const struct job *
action_job(struct core *core, size_t i)
{
	struct actions *act = actions_get(core);
	size_t k, n = act->jobs ? jobs_count(act->jobs) : 0;

	for (k = 0; k < n; k++) {
		const struct job *j = jobs_get(act->jobs, k);

		if (actions_job_mine(core, j) && i-- == 0)
			return j;
	}
	return NULL;
}

/* The newest job for app/version/arch. */
const struct job *
action_job_for(struct core *core, const char *app, const char *version,
    const char *arch)
{
	struct actions *act = actions_get(core);
	size_t i, n = act->jobs ? jobs_count(act->jobs) : 0;

	for (i = 0; i < n; i++) {
		const struct job *j = jobs_get(act->jobs, i);

		if (strcmp(j->app, app) == 0 && strcmp(j->version, version) == 0
		    && (arch == NULL || strcmp(j->arch, arch) == 0) &&
		    actions_job_mine(core, j))
			return j;
	}
	return NULL;
}

/* Work in flight. */
int
action_busy(struct core *core)
{
	struct actions *act = actions_get(core);
	struct action_op *op;
	int n = act->jobs ? jobs_active(act->jobs) : 0;

	for (op = act->ops; op != NULL; op = op->next)
		n++;
	return n + (int)act->nafter + act->held;
}

static volatile sig_atomic_t	 actions_signal;
static struct core		*actions_signal_core;

/* SIGINT/SIGTERM/SIGHUP while waiting: note it, wake the loop. */
static void
actions_on_signal(int sig)
{
	int saved = errno;

	actions_signal = sig;
	if (actions_signal_core != NULL)
		core_wakeup(actions_signal_core);
	errno = saved;
}

/*
 * Run until idle. A terminating signal stops the builders, records their
 * jobs as interrupted, and then ends the process by that signal, so an
 * unattended run that is killed (cron, a cancelled CI job) leaves no
 * builder behind and no job shown as running.
 */
void
action_run_until_idle(struct core *core)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old[MT_ARRAY_LEN(sigs)];
	size_t i;
	int sig;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = actions_on_signal;
	actions_signal = 0;
	actions_signal_core = core;
	for (i = 0; i < MT_ARRAY_LEN(sigs); i++) {
		/* Only signals nobody else handles or ignores. */
		sigaction(sigs[i], NULL, &old[i]);
		if (old[i].sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
	}
	while (actions_signal == 0 &&
	    (action_busy(core) > 0 || core_busy(core) > 0))
		core_run_once(core, 1000);
	for (i = 0; i < MT_ARRAY_LEN(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	actions_signal_core = NULL;
	if ((sig = actions_signal) == 0)
		return;
	actions_signal = 0;
	action_shutdown(core);
	raise(sig);
}

int
action_failures(struct core *core)
{
	return actions_get(core)->failures;
}

/* ------------------------------------------------------------------ */
/* For plan.c and apply.c (actions-int.h). */

/* Whether a build of arch could start now. */
enum actions_busy
actions_arch_busy(struct core *core, const struct mt_app *a,
    const struct mt_version *v, const char *arch)
{
	struct actions *act = actions_get(core);

	if (act->jobs == NULL)
		return ACTIONS_FREE;
	if (jobs_find_active(act->jobs, a->cfg->name, v->version, arch))
		return ACTIONS_ACTIVE;
	if (jobs_busy_elsewhere(act->jobs, a->cfg->name, a->repo, v->version,
	    arch))
		return ACTIONS_ELSEWHERE;
	return ACTIONS_FREE;
}

/* The staging tag of an arch. */
char *
actions_staging_tag_of(struct core *core, const struct mt_app *a,
    const struct mt_version *v, const char *arch)
{
	return actions_staging_tag(core, a, v, arch);
}

/* What a build would run. */
int
actions_build_what(struct core *core, struct mt_app *a, struct mt_version *v,
    const char *arch, char ***argv, char **dispatch, char **staging_ref,
    char **cause)
{
	struct spec_buf sb;
	size_t i;
	int idx;

	*argv = NULL;
	*dispatch = NULL;
	*staging_ref = NULL;
	idx = actions_arch_index(a, arch);
	if (idx < 0) {
		*cause = xasprintf("%s: arch %s is not configured",
		    a->cfg->name, arch);
		return -1;
	}
	if (actions_check(core, (size_t)(a - core_model_mut(core)->apps),
	    (size_t)(v - a->versions), &a, &v, cause) != 0)
		return -1;
	if (actions_spec(core, a, v, arch, &sb, cause) != 0)
		return -1;
	if (a->cfg->builder->type == BUILDER_EXEC) {
		*argv = sb.argv;
		sb.argv = NULL;
		sb.argc = 0;
	} else {
		char *line;

		line = actions_describe_one(core, a, v, arch, cause);
		if (line == NULL) {
			spec_buf_clear(&sb);
			return -1;
		}
		/* "build APP VERSION ARCH: dispatch ..." -> "dispatch ..." */
		{
			const char *d = strstr(line, ": dispatch ");

			*dispatch = xstrdup(d != NULL ? d + 2 : line);
		}
		free(line);
	}
	*staging_ref = xstrdup(sb.staging_ref);
	for (i = 0; i < sb.argc; i++)
		free(sb.argv[i]);
	spec_buf_clear(&sb);
	return 0;
}

/* Submit one build job. */
int
actions_submit_build(struct core *core, struct mt_app *a, struct mt_version *v,
    const char *arch, int whole_version, unsigned long *job_id,
    int *elsewhere, char **cause)
{
	struct actions *act = actions_get(core);
	const struct job *job = NULL;
	struct spec_buf sb;
	char *work;
	size_t i;
	int vlock, r;

	*elsewhere = 0;
	if (!actions_writable(act, "build", cause))
		return -1;
	actions_add_secrets(act);
	work = xasprintf("%s/work", state_dir());
	if (mkdir_p(work, 0700) != 0) {
		*cause = xasprintf("%s: %s", work, strerror(errno));
		free(work);
		return -1;
	}
	free(work);
	if (actions_spec(core, a, v, arch, &sb, cause) != 0)
		return -1;
	/* Overlapping runs decide one version after the other. */
	vlock = jobs_lock_version(act->jobs, a->cfg->name, a->repo,
	    v->version);
	for (i = 0; whole_version && i < a->cfg->narchs; i++) {
		if (jobs_busy_elsewhere(act->jobs, a->cfg->name, a->repo,
		    v->version, a->cfg->archs[i])) {
			/* Another process builds (and merges) this version. */
			*elsewhere = 1;
			*cause = xasprintf("%s %s %s is being built by another "
			    "mirrortop process", a->cfg->name, v->version,
			    a->cfg->archs[i]);
			jobs_unlock_version(vlock);
			spec_buf_clear(&sb);
			return -1;
		}
	}
	r = jobs_submit(act->jobs, &sb.spec, &job, cause);
	if (r != 0)
		*elsewhere = jobs_busy_elsewhere(act->jobs, a->cfg->name,
		    a->repo, v->version, arch);
	jobs_unlock_version(vlock);
	spec_buf_clear(&sb);
	if (r != 0)
		return -1;
	*job_id = job != NULL ? job->id : 0;
	return 0;
}

/* The job queue. */
struct jobs *
actions_jobs_of(struct core *core)
{
	return actions_get(core)->jobs;
}

/* The recorded digest of the last successful build. */
const char *
actions_recorded_digest(struct core *core, const char *app,
    const char *version, const char *arch)
{
	struct actions *act = actions_get(core);

	return act->jobs ? jobs_last_digest(act->jobs, app, version, arch) :
	    NULL;
}

/* Add a job hook. */
void
actions_add_job_hook(struct core *core, void (*fn)(void *), void *arg)
{
	struct actions *act = actions_get(core);

	act->hooks = xreallocarray(act->hooks, act->nhooks + 1,
	    sizeof *act->hooks);
	act->hooks[act->nhooks].fn = fn;
	act->hooks[act->nhooks++].arg = arg;
}

/* Remove the job hook of arg. */
void
actions_remove_job_hook(struct core *core, void *arg)
{
	struct actions *act = actions_get(core);
	size_t i;

	for (i = 0; i < act->nhooks; i++) {
		if (act->hooks[i].arg == arg) {
			act->hooks[i] = act->hooks[--act->nhooks];
			return;
		}
	}
}

/* Refuse writes in read-only mode. */
int
actions_may_write(struct core *core, const char *what, char **cause)
{
	return actions_writable(actions_get(core), what, cause);
}

/* Tell the front end; count a failure. */
void
actions_tell(struct core *core, int is_error, const char *fmt, ...)
{
	struct actions *act = actions_get(core);
	va_list ap;
	char *line;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	line = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(line, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (is_error)
		act->failures++;
	actions_notify(act, is_error, "%s", line);
	free(line);
}

/* An apply starts (+1) or ends (-1): work in flight for action_busy(). */
void
actions_hold(struct core *core, int delta)
{
	actions_get(core)->held += delta;
}
