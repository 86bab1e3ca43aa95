/*
 * actions.c — the actions state of the core: the job queue and its history,
 * the builder's expanded arguments, job locks, cancel, and the notify
 * callback. Every write is made by apply (apply.c) from a plan (plan.c).
 */
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
#include "prune-job.h"
#include "loop.h"
#include "model.h"
#include "refname.h"
#include "registry.h"
#include "version.h"
#include "status.h"
#include "util.h"

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
	struct action_seen	*seen;
	size_t			 nseen;
	int			 failures;
	int			 secrets_added;
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

/* Whether this process still has a queued or running job for an app. */
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
	return 0;
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

		/* A prune's job: its event is apply's (kind prune). */
		if ((job->state == JOB_SUCCEEDED || job->state == JOB_FAILED) &&
		    strcmp(job->arch, PRUNE_JOB_ARCH) != 0) {
			/* An attest step runs as a job named "attest". */
			int attest = job->arch != NULL &&
			    strcmp(job->arch, "attest") == 0;
			struct events_job ej = {
				.kind = attest ? "attest" : "build",
				.app = job->app, .version = job->version,
				.arch = attest ? NULL : job->arch,
				.ok = job->state == JOB_SUCCEEDED,
				.detail = job->state == JOB_SUCCEEDED ?
				    job->digest : msg,
				.log = job->log_path, .attempts = job->attempt,
			};

			events_job_ended(core_events(act->core), &ej);
		}
	}
	if (job_state_final(job->state))
		actions_job_ended(act, job);
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

/* Tear down. */
void
action_shutdown(struct core *core)
{
	struct actions **pp, *act;

	for (pp = &actions_all; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->core == core)
			break;
	}
	if ((act = *pp) == NULL)
		return;
	*pp = act->next;
	loop_timer_del(core_loop(core), act->touch_timer);
	loop_timer_del(core_loop(core), act->later_timer);
	free(act->later);
	if (act->jobs != NULL) {
		jobs_set_change_cb(act->jobs, NULL, NULL);
		jobs_set_output_cb(act->jobs, NULL, NULL);
		jobs_free(act->jobs);
	}
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
	/* Made when a job is submitted: planning writes nothing. */
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

/* Cancel a job. */
int
action_cancel(struct core *core, unsigned long id, char **cause)
{
	struct actions *act = actions_get(core);

	if (!actions_writable(act, "cancel", cause))
		return -1;
	return jobs_cancel(act->jobs, id, cause);
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
		for (i = 0; i < sb.ninputs; i++) {
			const char *val = sb.inputs[i].value;

			/* Made anew for every attempt (builder-gha.c). */
			if (strcmp(sb.inputs[i].key, "distinct_id") == 0 &&
			    (val == NULL || *val == '\0'))
				val = "<per attempt: mirrortop-JOB-ATTEMPT-TIME>";
			buf_printf(&b, "%s%s=%s", i ? ", " : " with ",
			    sb.inputs[i].key, val);
		}
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
	int n = act->jobs ? jobs_active(act->jobs) : 0;

	return n + act->held;
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
