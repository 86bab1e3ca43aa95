/* jobs.c — build jobs: queue, concurrency, retries, history, logs. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "builder.h"
#include "config.h"
#include "http.h"
#include "jobs.h"
#include "loop.h"
#include "merge.h"
#include "registry.h"
#include "util.h"

#define JOBS_HISTORY_MAX	500
#define JOBS_LINE_MAX		8192
#define JOBS_DIGEST_FILE_MAX	65536
#define JOBS_SECRET_MIN		4

struct jobs {
	struct loop	 *loop;
	struct http	 *http;
	struct registry	 *registry;
	int		  max_running;
	char		 *dir;
	char		 *path;		/* dir/jobs.json */
	long		  backoff_ms;
	long		  grace_ms;
	size_t		  max_log;
	struct job	**list;		/* newest first */
	size_t		  n;
	unsigned long	  next_id;
	char		**secrets;
	size_t		  nsecrets;
	char		 *lock_path;	/* dir/jobs.lock */
	jobs_change_cb	  change_cb;
	void		 *change_arg;
	jobs_output_cb	  output_cb;
	void		 *output_arg;
	int		  scheduling;
	int		  dirty;	/* the file is behind the list */
	uint64_t	  reload_timer;
	struct stat	  seen;		/* the file as last read or written */
	unsigned long	 *changed;	/* ids of other processes' jobs whose
					 * records changed: to tell */
	size_t		  nchanged;
};

#define JOBS_RELOAD_MS		1000

static const char *job_state_names[] = {
	[JOB_QUEUED] = "queued",
	[JOB_RUNNING] = "running",
	[JOB_SUCCEEDED] = "succeeded",
	[JOB_FAILED] = "failed",
	[JOB_CANCELLED] = "cancelled",
	[JOB_INTERRUPTED] = "interrupted",
};

/* Allowed transitions: from -> bit set of to. */
static const unsigned job_transitions[] = {
	[JOB_QUEUED] = 1u << JOB_RUNNING | 1u << JOB_CANCELLED |
	    1u << JOB_INTERRUPTED | 1u << JOB_SUCCEEDED | 1u << JOB_FAILED,
	[JOB_RUNNING] = 1u << JOB_SUCCEEDED | 1u << JOB_FAILED |
	    1u << JOB_CANCELLED | 1u << JOB_INTERRUPTED,
	[JOB_SUCCEEDED] = 0,
	[JOB_FAILED] = 0,
	[JOB_CANCELLED] = 0,
	[JOB_INTERRUPTED] = 0,
};

static const struct {
	enum builder_type		 type;
	const struct builder_ops	*ops;
} jobs_backends[] = {
	{ BUILDER_EXEC, &builder_exec_ops },
	{ BUILDER_GITHUB_ACTIONS, &builder_gha_ops },
};

static void	jobs_schedule(struct jobs *);
static void	jobs_attempt_start(struct job *);
static void	jobs_attempt_failed(struct job *, const char *);
static void	jobs_finish(struct job *, enum job_state, const char *);

/* Name of a state. */
const char *
job_state_name(enum job_state s)
{
	if ((size_t)s >= MT_ARRAY_LEN(job_state_names))
		return "unknown";
	return job_state_names[s];
}

/* State from its name, -1 when unknown. */
int
job_state_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(job_state_names); i++) {
		if (name != NULL && strcmp(name, job_state_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

/* Whether a state is an end state. */
int
job_state_final(enum job_state s)
{
	return s != JOB_QUEUED && s != JOB_RUNNING;
}

/* Whether from -> to is a legal transition. */
int
job_state_transition_ok(enum job_state from, enum job_state to)
{
	if ((size_t)from >= MT_ARRAY_LEN(job_transitions) ||
	    (size_t)to >= MT_ARRAY_LEN(job_state_names))
		return 0;
	return (job_transitions[from] & (1u << to)) != 0;
}

/* Whether s is "sha256:" and 64 lowercase hex digits. */
static int
jobs_digest_valid(const char *s, size_t len)
{
	size_t i;

	if (len != 71 || strncmp(s, "sha256:", 7) != 0)
		return 0;
	for (i = 7; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

/* Parse a digest file: plain digest or buildx metadata JSON. */
int
jobs_parse_digest(const char *text, size_t len, char **digest, char **cause)
{
	size_t s = 0, e = len;
	json_t *root, *v;
	json_error_t err;

	while (s < e && (text[s] == ' ' || text[s] == '\t' || text[s] == '\n' ||
	    text[s] == '\r'))
		s++;
	while (e > s && (text[e - 1] == ' ' || text[e - 1] == '\t' ||
	    text[e - 1] == '\n' || text[e - 1] == '\r'))
		e--;
	if (s == e) {
		*cause = xstrdup("digest file is empty");
		return -1;
	}
	if (text[s] != '{') {
		if (!jobs_digest_valid(text + s, e - s)) {
			*cause = xstrdup("digest file does not hold a "
			    "sha256:<64 hex> digest");
			return -1;
		}
		*digest = xstrndup(text + s, e - s);
		return 0;
	}
	root = json_loadb(text + s, e - s, 0, &err);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		*cause = xstrdup("digest file is neither a digest nor JSON");
		return -1;
	}
	v = json_object_get(root, "containerimage.digest");
	if (!json_is_string(v) || !jobs_digest_valid(json_string_value(v),
	    json_string_length(v))) {
		json_decref(root);
		*cause = xstrdup("digest file JSON has no valid "
		    "\"containerimage.digest\"");
		return -1;
	}
	*digest = xstrdup(json_string_value(v));
	json_decref(root);
	return 0;
}

/* Replace every secret occurrence with "***". Caller frees. */
char *
jobs_redact(const char *line, char *const *secrets, size_t n)
{
	struct buf b;
	const char *p = line;
	size_t i, best_len;
	const char *best;

	buf_init(&b, SIZE_MAX / 2);
	for (;;) {
		best = NULL;
		best_len = 0;
		for (i = 0; i < n; i++) {
			const char *hit;

			if (secrets[i] == NULL || strlen(secrets[i]) < JOBS_SECRET_MIN)
				continue;
			hit = strstr(p, secrets[i]);
			if (hit != NULL && (best == NULL || hit < best ||
			    (hit == best && strlen(secrets[i]) > best_len))) {
				best = hit;
				best_len = strlen(secrets[i]);
			}
		}
		if (best == NULL)
			break;
		buf_append(&b, p, (size_t)(best - p));
		buf_append(&b, "***", 3);
		p = best + best_len;
	}
	buf_append(&b, p, strlen(p));
	return buf_steal(&b);
}

/* Free one job. Accepts NULL. */
void
job_free(struct job *job)
{
	if (job == NULL)
		return;
	free(job->app);
	free(job->version);
	free(job->arch);
	free(job->repo);
	free(job->image_tag);
	free(job->staging_tag);
	free(job->staging_ref);
	free(job->message);
	free(job->log_path);
	free(job->digest);
	free(job->run_url);
	free(job->command);
	free(job);
}

/* Set a string member from a JSON object key when it is a string. */
static void
jobs_json_str(json_t *o, const char *key, char **dst)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		*dst = xstrdup(json_string_value(v));
}

/* Set a JSON string member, or null. */
static void
jobs_json_set(json_t *o, const char *key, const char *value)
{
	json_object_set_new(o, key, value != NULL ? json_string(value) :
	    json_null());
}

/* Parse history JSON, appending to *list; *next_id: the stored counter. */
static int
jobs_history_parse_next(const char *text, size_t len, struct job ***list,
    size_t *n, unsigned long *next_id, char **cause)
{
	json_t *root, *arr, *o, *nv;
	json_error_t err;
	size_t i;
	int st;

	root = json_loadb(text, len, 0, &err);
	if (root == NULL) {
		*cause = xasprintf("line %d: %s", err.line, err.text);
		return -1;
	}
	arr = json_object_get(root, "jobs");
	if (!json_is_array(arr)) {
		json_decref(root);
		*cause = xstrdup("no \"jobs\" array");
		return -1;
	}
	nv = json_object_get(root, "next_id");
	*next_id = json_is_integer(nv) && json_integer_value(nv) > 0 ?
	    (unsigned long)json_integer_value(nv) : 0;
	json_array_foreach(arr, i, o) {
		struct job *job;
		json_t *v;

		if (!json_is_object(o))
			continue;
		job = xcalloc(1, sizeof *job);
		v = json_object_get(o, "id");
		job->id = json_is_integer(v) && json_integer_value(v) > 0 ?
		    (unsigned long)json_integer_value(v) : 0;
		jobs_json_str(o, "app", &job->app);
		jobs_json_str(o, "version", &job->version);
		jobs_json_str(o, "arch", &job->arch);
		jobs_json_str(o, "repo", &job->repo);
		jobs_json_str(o, "image_tag", &job->image_tag);
		jobs_json_str(o, "staging_tag", &job->staging_tag);
		jobs_json_str(o, "staging_ref", &job->staging_ref);
		jobs_json_str(o, "message", &job->message);
		jobs_json_str(o, "log", &job->log_path);
		jobs_json_str(o, "digest", &job->digest);
		jobs_json_str(o, "run_url", &job->run_url);
		jobs_json_str(o, "command", &job->command);
		v = json_object_get(o, "state");
		st = job_state_from_name(json_string_value(v));
		v = json_object_get(o, "attempt");
		job->attempt = json_is_integer(v) ? (int)json_integer_value(v) : 0;
		v = json_object_get(o, "attempts");
		job->attempts = json_is_integer(v) ? (int)json_integer_value(v) : 0;
		v = json_object_get(o, "created");
		job->created = json_is_integer(v) ? (time_t)json_integer_value(v) : 0;
		v = json_object_get(o, "started");
		job->started = json_is_integer(v) ? (time_t)json_integer_value(v) : 0;
		v = json_object_get(o, "finished");
		job->finished = json_is_integer(v) ? (time_t)json_integer_value(v) : 0;
		if (job->id == 0 || job->app == NULL || job->version == NULL ||
		    job->arch == NULL || st < 0) {
			job_free(job);
			continue;
		}
		job->state = (enum job_state)st;
		*list = xreallocarray(*list, *n + 1, sizeof **list);
		(*list)[(*n)++] = job;
	}
	json_decref(root);
	return 0;
}

/* Parse history JSON into a new list. */
int
jobs_history_parse(const char *text, size_t len, struct job ***list,
    size_t *n, char **cause)
{
	unsigned long next_id;

	return jobs_history_parse_next(text, len, list, n, &next_id, cause);
}

/* The history as JSON. Caller frees. */
char *
jobs_history_dump(const struct jobs *jobs)
{
	json_t *root = json_object(), *arr = json_array();
	size_t i;
	char *s;

	json_object_set_new(root, "schema", json_string("mirrortop.jobs/v1"));
	json_object_set_new(root, "next_id", json_integer(
	    (json_int_t)jobs->next_id));
	for (i = 0; i < jobs->n && i < JOBS_HISTORY_MAX; i++) {
		const struct job *job = jobs->list[i];
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer((json_int_t)job->id));
		jobs_json_set(o, "app", job->app);
		jobs_json_set(o, "version", job->version);
		jobs_json_set(o, "arch", job->arch);
		jobs_json_set(o, "repo", job->repo);
		jobs_json_set(o, "image_tag", job->image_tag);
		jobs_json_set(o, "staging_tag", job->staging_tag);
		jobs_json_set(o, "staging_ref", job->staging_ref);
		jobs_json_set(o, "state", job_state_name(job->state));
		json_object_set_new(o, "attempt", json_integer(job->attempt));
		json_object_set_new(o, "attempts", json_integer(job->attempts));
		json_object_set_new(o, "created", json_integer(job->created));
		json_object_set_new(o, "started", json_integer(job->started));
		json_object_set_new(o, "finished", json_integer(job->finished));
		jobs_json_set(o, "message", job->message);
		jobs_json_set(o, "log", job->log_path);
		jobs_json_set(o, "digest", job->digest);
		jobs_json_set(o, "run_url", job->run_url);
		jobs_json_set(o, "command", job->command);
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "jobs", arr);
	s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

/* Path of the lock of app/version/arch. Caller frees. */
static char *
jobs_lock_path(const char *dir, const char *app, const char *repo,
    const char *version, const char *arch)
{
	char *name, *path;
	size_t i;

	/*
	 * Named after the repository when known, so that two configurations
	 * sharing a state directory (another namespace, the same app name)
	 * do not hold each other's builds.
	 */
	name = xasprintf("%s-%s-%s.lock", repo != NULL ? repo : app, version,
	    arch);
	for (i = 0; name[i] != '\0'; i++) {
		if (name[i] == '/')
			name[i] = '_';
	}
	path = xasprintf("%s/locks/%s", dir, name);
	free(name);
	return path;
}

/*
 * Take the history lock (dir/jobs.lock): exclusive to write, shared to
 * read. Shared locks never create the file (a dry run writes nothing).
 * The fd, or -1 when there is no lock to take (then the work goes on
 * without it).
 */
static int
jobs_history_lock(const struct jobs *jobs, int exclusive)
{
	int fd;

	fd = open(jobs->lock_path, exclusive ? O_RDWR | O_CREAT | O_CLOEXEC :
	    O_RDONLY | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Release the history lock. */
static void
jobs_history_unlock(int fd)
{
	if (fd != -1)
		close(fd);
}

/*
 * Whether the process that queued job is alive: its job lock is held and
 * names this job (an empty lock was written by a version that did not
 * record ids: taken as alive). Called under the history lock, so a job
 * being submitted is never probed half-way.
 */
static int
jobs_job_live(const struct jobs *jobs, const struct job *job)
{
	char *path, text[32], *end;
	unsigned long id;
	ssize_t len;
	int fd;

	path = jobs_lock_path(jobs->dir, job->app, job->repo, job->version,
	    job->arch);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		return 0;
	}
	if (errno != EWOULDBLOCK) {
		close(fd);
		return 1;
	}
	len = pread(fd, text, sizeof text - 1, 0);
	close(fd);
	if (len <= 0)
		return 1;
	text[len] = '\0';
	errno = 0;
	id = strtoul(text, &end, 10);
	if (errno != 0 || end == text || (*end != '\n' && *end != '\0'))
		return 1;
	return id == job->id;
}

/* Record the id of a job in its lock, for jobs_job_live. */
static void
jobs_lock_write_id(int fd, unsigned long id)
{
	char text[32];
	int len;

	if (fd < 0)
		return;
	len = snprintf(text, sizeof text, "%lu\n", id);
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, text, (size_t)len, 0);
}

/* A job whose process is gone: interrupted, and this process says so. */
static void
jobs_mark_interrupted(struct job *job)
{
	job->state = JOB_INTERRUPTED;
	if (job->finished == 0)
		job->finished = time(NULL);
	free(job->message);
	job->message = xstrdup("interrupted: mirrortop exited while the job "
	    "was queued or running");
	job->owned = 1;
}

/* Take the fields of a record from the file into the one in memory. */
static void
jobs_take_record(struct job *dst, struct job *src)
{
#define JOBS_SWAP(f) do {			\
	char *tmp_ = dst->f;			\
	dst->f = src->f;			\
	src->f = tmp_;				\
} while (0)
	JOBS_SWAP(repo);
	JOBS_SWAP(image_tag);
	JOBS_SWAP(staging_tag);
	JOBS_SWAP(staging_ref);
	JOBS_SWAP(message);
	JOBS_SWAP(log_path);
	JOBS_SWAP(digest);
	JOBS_SWAP(run_url);
	JOBS_SWAP(command);
#undef JOBS_SWAP
	dst->state = src->state;
	dst->attempt = src->attempt;
	dst->attempts = src->attempts;
	dst->created = src->created;
	dst->started = src->started;
	dst->finished = src->finished;
	dst->owned = 0;
}

/* Newest (highest id) first; a job without an id yet is the newest. */
static int
jobs_cmp_id(const void *a, const void *b)
{
	unsigned long x = (*(struct job *const *)a)->id;
	unsigned long y = (*(struct job *const *)b)->id;

	if (x == y)
		return 0;
	if (x == 0)
		return -1;
	if (y == 0)
		return 1;
	return x > y ? -1 : 1;
}

/* Forget the oldest finished jobs over the history limit. */
static void
jobs_prune(struct jobs *jobs)
{
	while (jobs->n > JOBS_HISTORY_MAX &&
	    job_state_final(jobs->list[jobs->n - 1]->state) &&
	    jobs->list[jobs->n - 1]->priv == NULL)
		job_free(jobs->list[--jobs->n]);
}

/* Remember that another process's job changed, to tell after the lock. */
static void
jobs_note_changed(struct jobs *jobs, unsigned long id)
{
	size_t i;

	for (i = 0; i < jobs->nchanged; i++) {
		if (jobs->changed[i] == id)
			return;
	}
	jobs->changed = xreallocarray(jobs->changed, jobs->nchanged + 1,
	    sizeof *jobs->changed);
	jobs->changed[jobs->nchanged++] = id;
}

/* Whether a record from the file differs from the one in memory. */
static int
jobs_record_differs(const struct job *m, const struct job *f)
{
	return m->state != f->state || m->attempt != f->attempt ||
	    m->finished != f->finished || (m->message == NULL) !=
	    (f->message == NULL) || (m->message != NULL &&
	    strcmp(m->message, f->message) != 0);
}

/* The history file's records and counter (none when unreadable). */
static void
jobs_read_file(struct jobs *jobs, struct job ***file, size_t *nfile,
    unsigned long *file_next)
{
	char *text = NULL, *cause = NULL;
	size_t len = 0;
	struct stat st;

	*file = NULL;
	*nfile = 0;
	*file_next = 0;
	if (stat(jobs->path, &st) == 0)
		jobs->seen = st;
	if (file_read(jobs->path, 16 * 1024 * 1024, &text, &len) != 0)
		return;
	if (jobs_history_parse_next(text, len, file, nfile, file_next,
	    &cause) != 0)
		free(cause);
	free(text);
}

/*
 * Merge records read from the file into the list (under the history lock,
 * shared or exclusive): this process's records win for its own jobs, the
 * file's for everyone else's; jobs of processes that are gone become
 * interrupted. Takes the records.
 */
static void
jobs_merge_file(struct jobs *jobs, struct job **file, size_t nfile)
{
	size_t i, j;

	for (i = 0; i < nfile; i++) {
		struct job *f = file[i], *m = NULL;

		for (j = 0; j < jobs->n; j++) {
			if (jobs->list[j]->id == f->id) {
				m = jobs->list[j];
				break;
			}
		}
		if (m == NULL) {
			if (!job_state_final(f->state) && !jobs_job_live(jobs, f))
				jobs_mark_interrupted(f);
			jobs->list = xreallocarray(jobs->list, jobs->n + 1,
			    sizeof *jobs->list);
			jobs->list[jobs->n++] = f;
			file[i] = NULL;
			jobs_note_changed(jobs, f->id);
			continue;
		}
		if (m->priv != NULL)
			continue;
		/* Marked interrupted here, but its end was recorded since. */
		if (m->owned && !(m->state == JOB_INTERRUPTED &&
		    job_state_final(f->state) && f->state != JOB_INTERRUPTED))
			continue;
		if (jobs_record_differs(m, f))
			jobs_note_changed(jobs, m->id);
		jobs_take_record(m, f);
		if (!job_state_final(m->state) && !jobs_job_live(jobs, m))
			jobs_mark_interrupted(m);
	}
	for (i = 0; i < nfile; i++)
		job_free(file[i]);
	free(file);
	if (jobs->n > 1)
		qsort(jobs->list, jobs->n, sizeof *jobs->list, jobs_cmp_id);
	jobs_prune(jobs);
}

/* Tell the observer of the other processes' jobs that changed. */
static void
jobs_tell_changed(struct jobs *jobs)
{
	unsigned long *ids = jobs->changed;
	size_t i, n = jobs->nchanged;
	const struct job *job;

	jobs->changed = NULL;
	jobs->nchanged = 0;
	for (i = 0; i < n; i++) {
		if ((job = jobs_find(jobs, ids[i])) != NULL &&
		    jobs->change_cb != NULL)
			jobs->change_cb(job, jobs->change_arg);
	}
	free(ids);
}

/*
 * Merge the history file into the list, under the history lock: ids for
 * this process's new jobs from the file's counter, then the records (see
 * jobs_merge_file), then write it atomically.
 */
static void
jobs_save_locked(struct jobs *jobs)
{
	struct job **file = NULL;
	size_t nfile = 0, i;
	unsigned long next = jobs->next_id, file_next = 0;
	char *text = NULL, *cause = NULL;
	struct stat st;

	jobs_read_file(jobs, &file, &nfile, &file_next);
	if (file_next > next)
		next = file_next;

	for (i = 0; i < nfile; i++) {
		if (file[i]->id >= next)
			next = file[i]->id + 1;
	}
	for (i = 0; i < jobs->n; i++) {
		if (jobs->list[i]->id >= next)
			next = jobs->list[i]->id + 1;
	}
	/* New jobs of this process, oldest first. */
	for (i = jobs->n; i > 0; i--) {
		struct job *job = jobs->list[i - 1];

		if (job->id != 0)
			continue;
		job->id = next++;
		free(job->log_path);
		job->log_path = xasprintf("%s/logs/job-%lu.log", jobs->dir,
		    job->id);
		if (job->priv != NULL)
			jobs_lock_write_id(job->priv->lock_fd, job->id);
	}
	jobs->next_id = next;
	jobs_merge_file(jobs, file, nfile);

	text = jobs_history_dump(jobs);
	if (text == NULL)
		return;
	if (file_write_atomic(jobs->path, text, strlen(text), &cause) != 0)
		free(cause);
	else {
		jobs->dirty = 0;
		if (stat(jobs->path, &st) == 0)
			jobs->seen = st;
	}
	free(text);
}

/* Write the history, merged with what other processes wrote (best effort). */
static void
jobs_save(struct jobs *jobs)
{
	int fd = jobs_history_lock(jobs, 1);

	jobs_save_locked(jobs);
	jobs_history_unlock(fd);
	jobs_tell_changed(jobs);
}

/*
 * Another process may have written the history: when the file changed,
 * take in its records of other processes' jobs (nothing is written).
 */
static void
jobs_reload_cb(void *arg)
{
	struct jobs *jobs = arg;
	struct job **file;
	size_t nfile;
	unsigned long file_next;
	struct stat st;
	int fd;

	jobs->reload_timer = loop_timer_add(jobs->loop, JOBS_RELOAD_MS,
	    jobs_reload_cb, jobs);
	if (stat(jobs->path, &st) != 0 || (st.st_ino == jobs->seen.st_ino &&
	    st.st_size == jobs->seen.st_size &&
	    st.st_mtim.tv_sec == jobs->seen.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == jobs->seen.st_mtim.tv_nsec))
		return;
	fd = jobs_history_lock(jobs, 0);
	jobs_read_file(jobs, &file, &nfile, &file_next);
	if (file_next > jobs->next_id)
		jobs->next_id = file_next;
	jobs_merge_file(jobs, file, nfile);
	jobs_history_unlock(fd);
	jobs_tell_changed(jobs);
}

/* Tell the observer. */
static void
jobs_notify(struct jobs *jobs, const struct job *job)
{
	if (jobs->change_cb != NULL)
		jobs->change_cb(job, jobs->change_arg);
}

/* Open the history and the log directory. */
struct jobs *
jobs_new(const struct jobs_params *p, char **cause)
{
	struct jobs *jobs;
	char *text = NULL, *logs, *why = NULL;
	size_t len = 0, i;
	unsigned long file_next = 0;
	struct stat st;
	int fd;

	logs = xasprintf("%s/logs", p->dir);
	if (mkdir_p(logs, 0700) != 0) {
		*cause = xasprintf("%s: %s", logs, strerror(errno));
		free(logs);
		return NULL;
	}
	free(logs);
	jobs = xcalloc(1, sizeof *jobs);
	jobs->loop = p->loop;
	jobs->http = p->http;
	jobs->registry = p->registry;
	jobs->max_running = p->max_running > 0 ? p->max_running : 1;
	jobs->dir = xstrdup(p->dir);
	jobs->path = xasprintf("%s/jobs.json", p->dir);
	jobs->lock_path = xasprintf("%s/jobs.lock", p->dir);
	jobs->backoff_ms = p->backoff_ms > 0 ? p->backoff_ms : 1000;
	jobs->grace_ms = p->grace_ms > 0 ? p->grace_ms : 5000;
	jobs->max_log = p->max_log > 0 ? p->max_log : 4 * 1024 * 1024;
	jobs->next_id = 1;

	/* Shared: a writer is never in the middle of submitting a job. */
	fd = jobs_history_lock(jobs, 0);
	if (file_read(jobs->path, 16 * 1024 * 1024, &text, &len) == 0) {
		if (jobs_history_parse_next(text, len, &jobs->list, &jobs->n,
		    &file_next, &why) != 0) {
			char *bad = xasprintf("%s.bad", jobs->path);

			(void)rename(jobs->path, bad);
			*cause = xasprintf("%s: %s (set aside as %s)",
			    jobs->path, why, bad);
			free(bad);
			free(why);
		}
		free(text);
	}
	if (file_next > jobs->next_id)
		jobs->next_id = file_next;
	for (i = 0; i < jobs->n; i++) {
		struct job *job = jobs->list[i];

		if (job->id >= jobs->next_id)
			jobs->next_id = job->id + 1;
		/* Another process's job that is still alive stays as it is. */
		if (!job_state_final(job->state) && !jobs_job_live(jobs, job)) {
			jobs_mark_interrupted(job);
			/*
			 * Written with the next change of this process, not
			 * now: a dry run or a read-only view writes nothing.
			 */
			job->recovered = 1;
			jobs->dirty = 1;
		}
	}
	jobs_history_unlock(fd);
	if (jobs->n > 1)
		qsort(jobs->list, jobs->n, sizeof *jobs->list, jobs_cmp_id);
	if (stat(jobs->path, &st) == 0)
		jobs->seen = st;
	if (jobs->loop != NULL)
		jobs->reload_timer = loop_timer_add(jobs->loop, JOBS_RELOAD_MS,
		    jobs_reload_cb, jobs);
	return jobs;
}

/* Free a running job's private state. */
static void
jobs_priv_free(struct job *job)
{
	struct job_priv *priv = job->priv;
	size_t i;

	if (priv == NULL)
		return;
	if (priv->log_fd != -1)
		close(priv->log_fd);
	if (priv->lock_fd != -1)
		close(priv->lock_fd);
	for (i = 0; priv->argv != NULL && priv->argv[i] != NULL; i++)
		free(priv->argv[i]);
	free(priv->argv);
	free(priv->digest_file);
	free(priv->ref);
	for (i = 0; i < priv->ninputs; i++) {
		free(priv->inputs[i].key);
		free(priv->inputs[i].value);
	}
	free(priv->inputs);
	free(priv->run_status);
	free(priv->distinct_id);
	for (i = 0; i < priv->ncand; i++)
		free(priv->cand_url[i]);
	buf_free(&priv->line);
	free(priv);
	job->priv = NULL;
}

/* Stop everything; running jobs become interrupted. */
void
jobs_free(struct jobs *jobs)
{
	size_t i;
	int live = 0;

	if (jobs == NULL)
		return;
	if (jobs->loop != NULL)
		loop_timer_del(jobs->loop, jobs->reload_timer);
	for (i = 0; i < jobs->n; i++) {
		struct job_priv *priv = jobs->list[i]->priv;

		if (priv != NULL && priv->ops == &builder_exec_ops &&
		    priv->pid > 0 && !priv->exited)
			kill(-priv->pid, SIGKILL);
	}
	builder_exec_forget(jobs);
	for (i = 0; i < jobs->n; i++) {
		struct job *job = jobs->list[i];
		struct job_priv *priv = job->priv;

		if (priv == NULL)
			continue;
		loop_timer_del(jobs->loop, priv->timeout_timer);
		loop_timer_del(jobs->loop, priv->retry_timer);
		loop_timer_del(jobs->loop, priv->kill_timer);
		loop_timer_del(jobs->loop, priv->poll_timer);
		if (priv->out_fd != -1) {
			loop_fd_del(jobs->loop, priv->out_fd);
			close(priv->out_fd);
		}
		if (priv->registry != NULL)
			registry_cancel_arg(priv->registry, job);
		if (jobs->http != NULL)
			http_cancel_arg(jobs->http, job);
		if (!job_state_final(job->state)) {
			job->state = JOB_INTERRUPTED;
			job->finished = time(NULL);
			free(job->message);
			job->message = xstrdup("interrupted: mirrortop exited");
		}
		live = 1;
	}
	/* Written while the job locks are still held. */
	if (live)
		jobs_save(jobs);
	for (i = 0; i < jobs->n; i++) {
		jobs_priv_free(jobs->list[i]);
		job_free(jobs->list[i]);
	}
	free(jobs->list);
	for (i = 0; i < jobs->nsecrets; i++)
		free(jobs->secrets[i]);
	free(jobs->secrets);
	free(jobs->dir);
	free(jobs->path);
	free(jobs->lock_path);
	free(jobs->changed);
	free(jobs);
}

/* Observer of state changes. */
void
jobs_set_change_cb(struct jobs *jobs, jobs_change_cb cb, void *arg)
{
	jobs->change_cb = cb;
	jobs->change_arg = arg;
}

/* Observer of log growth. */
void
jobs_set_output_cb(struct jobs *jobs, jobs_output_cb cb, void *arg)
{
	jobs->output_cb = cb;
	jobs->output_arg = arg;
}

/* Remember a secret to redact. */
void
jobs_add_secret(struct jobs *jobs, const char *secret)
{
	size_t i;

	if (secret == NULL || strlen(secret) < JOBS_SECRET_MIN)
		return;
	for (i = 0; i < jobs->nsecrets; i++) {
		if (strcmp(jobs->secrets[i], secret) == 0)
			return;
	}
	jobs->secrets = xreallocarray(jobs->secrets, jobs->nsecrets + 1,
	    sizeof *jobs->secrets);
	jobs->secrets[jobs->nsecrets++] = xstrdup(secret);
}

struct loop *
jobs_loop(struct jobs *jobs)
{
	return jobs->loop;
}

struct http *
jobs_http(struct jobs *jobs)
{
	return jobs->http;
}

long
jobs_grace_ms(struct jobs *jobs)
{
	return jobs->grace_ms;
}

/* Whether another live job follows this workflow run. */
int
jobs_run_claimed(struct jobs *jobs, long long run_id)
{
	size_t i;

	for (i = 0; i < jobs->n; i++) {
		const struct job *j = jobs->list[i];

		if (j->priv != NULL && j->priv->run_id == run_id)
			return 1;
	}
	return 0;
}

/* Write bytes to the job log, bounded. */
static void
jobs_log_write(struct job *job, const char *data, size_t len)
{
	struct job_priv *priv = job->priv;
	struct jobs *jobs = priv->jobs;
	static const char trunc[] = "[mirrortop] log truncated\n";

	if (priv->log_fd == -1 || priv->log_truncated)
		return;
	if (priv->log_written + len > jobs->max_log) {
		priv->log_truncated = 1;
		(void)!write(priv->log_fd, trunc, sizeof trunc - 1);
		return;
	}
	while (len > 0) {
		ssize_t n = write(priv->log_fd, data, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
		priv->log_written += (size_t)n;
	}
	if (jobs->output_cb != NULL && !job_state_final(job->state))
		jobs->output_cb(job, jobs->output_arg);
}

/* Redact one complete line and write it. */
static void
jobs_log_line(struct job *job, const char *line, size_t len)
{
	struct jobs *jobs = job->priv->jobs;
	char *copy = xstrndup(line, len), *clean;

	clean = jobs_redact(copy, jobs->secrets, jobs->nsecrets);
	jobs_log_write(job, clean, strlen(clean));
	jobs_log_write(job, "\n", 1);
	free(clean);
	free(copy);
}

/* Flush a partial line. */
static void
jobs_log_flush(struct job *job)
{
	struct job_priv *priv = job->priv;

	if (priv->line.len > 0) {
		jobs_log_line(job, priv->line.data, priv->line.len);
		priv->line.len = 0;
		priv->line.data[0] = '\0';
	}
}

/* Builder output: split into lines so secrets are redacted whole. */
void
jobs_log_output(struct job *job, const char *data, size_t len)
{
	struct job_priv *priv = job->priv;
	size_t i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n') {
			jobs_log_line(job, priv->line.data, priv->line.len);
			priv->line.len = 0;
			priv->line.data[0] = '\0';
			continue;
		}
		if (data[i] == '\0')
			continue;
		if (buf_append(&priv->line, data + i, 1) != 0 ||
		    priv->line.len >= JOBS_LINE_MAX)
			jobs_log_flush(job);
	}
}

/* vprintf into a new string. Caller frees. */
static char *
jobs_vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *s;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return xstrdup("");
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

/* One line of our own into the log. */
void
jobs_log(struct job *job, const char *fmt, ...)
{
	va_list ap;
	char *msg, stamp[32];
	char *line;

	if (job->priv == NULL)
		return;
	va_start(ap, fmt);
	msg = jobs_vformat(fmt, ap);
	va_end(ap);
	jobs_log_flush(job);
	time_iso8601(time(NULL), stamp, sizeof stamp);
	line = xasprintf("[mirrortop %s] %s", stamp, msg);
	jobs_log_line(job, line, strlen(line));
	free(line);
	free(msg);
}

/* Set the progress line (redacted). */
void
jobs_set_message(struct job *job, const char *msg)
{
	struct jobs *jobs;

	if (job->priv == NULL)
		return;
	jobs = job->priv->jobs;
	free(job->message);
	job->message = msg != NULL ? jobs_redact(msg, jobs->secrets,
	    jobs->nsecrets) : NULL;
	jobs_notify(jobs, job);
}

/* Move a job to an end state, save, tell, and start the next. */
static void
jobs_finish(struct job *job, enum job_state state, const char *msg)
{
	struct job_priv *priv = job->priv;
	struct jobs *jobs = priv->jobs;

	if (!job_state_transition_ok(job->state, state))
		return;
	loop_timer_del(jobs->loop, priv->timeout_timer);
	loop_timer_del(jobs->loop, priv->retry_timer);
	priv->timeout_timer = priv->retry_timer = 0;
	job->state = state;
	job->finished = time(NULL);
	free(job->message);
	job->message = msg != NULL ? jobs_redact(msg, jobs->secrets,
	    jobs->nsecrets) : NULL;
	jobs_log(job, "job %s%s%s", job_state_name(state), msg ? ": " : "",
	    msg ? msg : "");
	/* The end is on record before the job lock is let go. */
	jobs_save(jobs);
	jobs_priv_free(job);
	jobs_notify(jobs, job);
	jobs_schedule(jobs);
}

/* The registry check before building answered for the staging tag. */
static void
jobs_check_staging_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct job *job = arg;
	char *msg;

	job->priv->phase = JOB_PHASE_NONE;
	if (status == 0) {
		free(job->digest);
		job->digest = xstrdup(m->digest);
		msg = xasprintf("already staged at %s (%s); nothing to build",
		    job->staging_ref, m->digest);
		jobs_finish(job, JOB_SUCCEEDED, msg);
		free(msg);
		return;
	}
	if (status < 0) {
		msg = xasprintf("registry check of %s failed: %s",
		    job->staging_ref, errmsg ? errmsg : "error");
		jobs_finish(job, JOB_FAILED, msg);
		free(msg);
		return;
	}
	jobs_attempt_start(job);
}

/* The registry check answered for the version's tag. */
static void
jobs_check_index_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct job *job = arg;
	const char *found = NULL;
	char *msg;
	size_t i;

	if (status == 0 && m->is_index) {
		for (i = 0; i < m->nplatforms; i++) {
			if (merge_arch_match(m->platforms[i].architecture,
			    m->platforms[i].variant, job->arch)) {
				found = m->platforms[i].digest;
				break;
			}
		}
	} else if (status == 0 && merge_arch_match(m->platform.architecture,
	    m->platform.variant, job->arch))
		found = m->digest;
	if (found != NULL) {
		job->priv->phase = JOB_PHASE_NONE;
		free(job->digest);
		job->digest = xstrdup(found);
		msg = xasprintf("%s:%s already has %s; nothing to build",
		    job->repo, job->image_tag, job->arch);
		jobs_finish(job, JOB_SUCCEEDED, msg);
		free(msg);
		return;
	}
	(void)errmsg;
	registry_head_manifest(job->priv->registry, job->repo, job->staging_tag,
	    jobs_check_staging_cb, job);
}

/* Start a queued job: re-check the registry first. */
static void
jobs_start(struct job *job)
{
	struct jobs *jobs = job->priv->jobs;

	job->state = JOB_RUNNING;
	job->started = time(NULL);
	jobs_log(job, "job %lu: %s %s %s", job->id, job->app, job->version,
	    job->arch);
	free(job->message);
	job->message = xstrdup("checking the registry");
	jobs_save(jobs);
	jobs_notify(jobs, job);
	if (jobs->registry == NULL || job->priv->attest) {
		jobs_attempt_start(job);
		return;
	}
	job->priv->phase = JOB_PHASE_CHECK;
	registry_get_manifest(job->priv->registry, job->repo, job->image_tag, 1,
	    jobs_check_index_cb, job);
}

/* Start queued jobs up to the limit, oldest first. */
static void
jobs_schedule(struct jobs *jobs)
{
	size_t i, running = 0;

	if (jobs->scheduling)
		return;
	jobs->scheduling = 1;
	/* The limit is this process's: other processes have their own. */
	for (i = 0; i < jobs->n; i++) {
		if (jobs->list[i]->state == JOB_RUNNING &&
		    jobs->list[i]->priv != NULL)
			running++;
	}
	for (i = jobs->n; i > 0 && running < (size_t)jobs->max_running; i--) {
		struct job *job = jobs->list[i - 1];

		if (job->state != JOB_QUEUED || job->priv == NULL)
			continue;
		running++;
		jobs_start(job);
	}
	jobs->scheduling = 0;
}

/* The attempt's time is up. */
static void
jobs_timeout_cb(void *arg)
{
	struct job *job = arg;
	struct job_priv *priv = job->priv;

	priv->timeout_timer = 0;
	if (priv->phase != JOB_PHASE_BUILD)
		return;
	priv->timed_out = 1;
	jobs_log(job, "timed out after %lds; stopping the builder",
	    priv->builder.timeout);
	priv->ops->stop(job);
}

/* Begin one attempt. */
static void
jobs_attempt_start(struct job *job)
{
	struct job_priv *priv = job->priv;
	struct jobs *jobs = priv->jobs;
	char *cause = NULL, *msg;

	priv->retry_timer = 0;
	job->attempt++;
	priv->timed_out = 0;
	if (priv->digest_file != NULL)
		(void)unlink(priv->digest_file);
	jobs_log(job, "attempt %d/%d: %s", job->attempt, job->attempts,
	    job->command);
	msg = xasprintf("building (attempt %d/%d)", job->attempt,
	    job->attempts);
	jobs_set_message(job, msg);
	free(msg);
	priv->phase = JOB_PHASE_BUILD;
	if (priv->builder.timeout > 0) {
		priv->timeout_timer = loop_timer_add(jobs->loop,
		    priv->builder.timeout * 1000, jobs_timeout_cb, job);
	}
	if (priv->ops->start(job, &cause) != 0) {
		loop_timer_del(jobs->loop, priv->timeout_timer);
		priv->timeout_timer = 0;
		priv->phase = JOB_PHASE_NONE;
		jobs_attempt_failed(job, cause);
		free(cause);
	}
}

/* The backoff is over. */
static void
jobs_retry_cb(void *arg)
{
	jobs_attempt_start(arg);
}

/* An attempt failed: retry with backoff or give up. */
static void
jobs_attempt_failed(struct job *job, const char *why)
{
	struct job_priv *priv = job->priv;
	struct jobs *jobs = priv->jobs;
	long delay;
	char *msg;
	int i;

	if (priv->cancelling) {
		jobs_finish(job, JOB_CANCELLED, "cancelled");
		return;
	}
	jobs_log(job, "attempt %d/%d failed: %s", job->attempt, job->attempts,
	    why);
	if (job->attempt >= job->attempts) {
		if (job->attempts > 1) {
			msg = xasprintf("%s (after %d attempts)", why,
			    job->attempts);
			jobs_finish(job, JOB_FAILED, msg);
			free(msg);
		} else
			jobs_finish(job, JOB_FAILED, why);
		return;
	}
	delay = jobs->backoff_ms;
	for (i = 1; i < job->attempt && delay < 3600 * 1000L; i++)
		delay *= 2;
	msg = xasprintf("attempt %d/%d failed: %s; retrying in %lds",
	    job->attempt, job->attempts, why, (delay + 999) / 1000);
	jobs_set_message(job, msg);
	jobs_log(job, "retrying in %ld ms", delay);
	free(msg);
	priv->phase = JOB_PHASE_BACKOFF;
	priv->retry_timer = loop_timer_add(jobs->loop, delay, jobs_retry_cb,
	    job);
}

/* The verification lookup answered. */
static void
jobs_verify_cb(int status, const struct registry_manifest *m,
    const char *errmsg, void *arg)
{
	struct job *job = arg;
	char *msg;

	job->priv->phase = JOB_PHASE_NONE;
	if (status == 0) {
		if (job->digest == NULL)
			job->digest = xstrdup(m->digest);
		msg = xasprintf("built %s (%s)", job->staging_ref,
		    job->digest);
		jobs_finish(job, JOB_SUCCEEDED, msg);
		free(msg);
		return;
	}
	if (status > 0 && job->digest != NULL)
		msg = xasprintf("the builder succeeded but %s is not in %s",
		    job->digest, job->repo);
	else if (status > 0)
		msg = xasprintf("the builder succeeded but produced no image "
		    "(nothing at %s)", job->staging_ref);
	else
		msg = xasprintf("could not verify %s: %s", job->staging_ref,
		    errmsg ? errmsg : "error");
	free(job->digest);
	job->digest = NULL;
	jobs_attempt_failed(job, msg);
	free(msg);
}

/* A backend reports the end of an attempt. */
void
jobs_builder_done(struct job *job, int ok, const char *why,
    const char *digest)
{
	struct job_priv *priv = job->priv;
	struct jobs *jobs = priv->jobs;
	char *msg;

	loop_timer_del(jobs->loop, priv->timeout_timer);
	priv->timeout_timer = 0;
	priv->phase = JOB_PHASE_NONE;
	jobs_log_flush(job);
	if (priv->cancelling) {
		jobs_finish(job, JOB_CANCELLED, "cancelled");
		return;
	}
	if (priv->timed_out) {
		msg = xasprintf("timed out after %lds", priv->builder.timeout);
		jobs_attempt_failed(job, msg);
		free(msg);
		return;
	}
	if (!ok) {
		jobs_attempt_failed(job, why != NULL ? why : "the builder failed");
		return;
	}
	free(job->digest);
	job->digest = xstrdup(digest);
	if (priv->attest) {
		jobs_finish(job, JOB_SUCCEEDED, "done");
		return;
	}
	if (jobs->registry == NULL) {
		jobs_finish(job, JOB_SUCCEEDED, "built");
		return;
	}
	jobs_log(job, "builder finished; looking for %s",
	    digest != NULL ? digest : job->staging_ref);
	priv->phase = JOB_PHASE_VERIFY;
	registry_head_manifest(priv->registry, job->repo,
	    digest != NULL ? digest : job->staging_tag, jobs_verify_cb, job);
}

/* A one-line rendering of argv, quoted like a shell would need. */
char *
jobs_argv_line(char *const *argv)
{
	struct buf b;
	size_t i;

	buf_init(&b, 64 * 1024);
	for (i = 0; argv != NULL && argv[i] != NULL; i++) {
		const char *a = argv[i];
		int quote = *a == '\0' || strpbrk(a, " \t\"'\\$`") != NULL;

		if (i > 0)
			buf_append(&b, " ", 1);
		if (!quote) {
			buf_append(&b, a, strlen(a));
			continue;
		}
		buf_append(&b, "'", 1);
		for (; *a != '\0'; a++) {
			if (*a == '\'')
				buf_append(&b, "'\\''", 4);
			else
				buf_append(&b, a, 1);
		}
		buf_append(&b, "'", 1);
	}
	return buf_steal(&b);
}

/*
 * Take the lock of app/version/arch in dir/locks for as long as the job
 * lives, so that two processes (a scheduled sync and the dashboard) never
 * build the same thing at once. Emptied until the job has its id. The fd,
 * -1 when locks cannot be used (then only this process's own check
 * applies), -2 when another process holds it. Called under the history
 * lock.
 */
static int
jobs_lock(struct jobs *jobs, const struct job_spec *spec)
{
	char *dir, *path;
	int fd;

	dir = xasprintf("%s/locks", jobs->dir);
	if (mkdir_p(dir, 0700) != 0) {
		free(dir);
		return -1;
	}
	free(dir);
	path = jobs_lock_path(jobs->dir, spec->app, spec->repo, spec->version,
	    spec->arch);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(fd);
		return e == EWOULDBLOCK ? -2 : -1;
	}
	(void)!ftruncate(fd, 0);
	return fd;
}

/* Lock app/version while deciding what to build. */
int
jobs_lock_version(struct jobs *jobs, const char *app, const char *repo,
    const char *version)
{
	char *dir, *name, *path;
	size_t i;
	int fd;

	dir = xasprintf("%s/locks", jobs->dir);
	if (mkdir_p(dir, 0700) != 0) {
		free(dir);
		return -1;
	}
	/* Not a job lock's name: those end in "-ARCH.lock". */
	name = xasprintf("%s-%s.version", repo != NULL ? repo : app, version);
	for (i = 0; name[i] != '\0'; i++) {
		if (name[i] == '/')
			name[i] = '_';
	}
	path = xasprintf("%s/%s", dir, name);
	free(name);
	free(dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd == -1)
		return -1;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Let go of a version lock. */
void
jobs_unlock_version(int fd)
{
	if (fd != -1)
		close(fd);
}

/* Whether another process holds the job lock of app/version/arch. */
int
jobs_busy_elsewhere(const struct jobs *jobs, const char *app,
    const char *repo, const char *version, const char *arch)
{
	char *path;
	int fd, hfd, busy = 0;

	if (jobs_find_active(jobs, app, version, arch) != NULL)
		return 0;
	path = jobs_lock_path(jobs->dir, app, repo, version, arch);
	hfd = jobs_history_lock(jobs, 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd != -1) {
		busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
		close(fd);
	}
	jobs_history_unlock(hfd);
	return busy;
}

/*
 * A new job of this process in state st (queued, or running for a
 * recorded job), under its job lock, on record with its id and log open.
 * command NULL: spec's argv as a line. Others' records it took in are
 * not told yet (the caller finishes the job first, then calls
 * jobs_tell_changed). NULL with *cause when another process holds the
 * job lock.
 */
static struct job *
jobs_enter(struct jobs *jobs, const struct job_spec *spec, enum job_state st,
    const char *command, char **cause)
{
	struct job *job;
	struct job_priv *priv;
	int lock_fd, hfd;

	/* Held from the job lock to the id on record: see jobs_job_live. */
	hfd = jobs_history_lock(jobs, 1);
	if ((lock_fd = jobs_lock(jobs, spec)) == -2) {
		jobs_history_unlock(hfd);
		*cause = xasprintf("a job for %s %s %s is queued or running in "
		    "another mirrortop process", spec->app, spec->version,
		    spec->arch);
		return NULL;
	}
	job = xcalloc(1, sizeof *job);
	job->owned = 1;
	job->app = xstrdup(spec->app);
	job->version = xstrdup(spec->version);
	job->arch = xstrdup(spec->arch);
	job->repo = xstrdup(spec->repo);
	job->image_tag = xstrdup(spec->image_tag);
	job->staging_tag = xstrdup(spec->staging_tag);
	job->staging_ref = xstrdup(spec->staging_ref);
	job->state = st;
	job->attempts = 1;
	job->created = time(NULL);
	if (st == JOB_RUNNING) {
		job->attempt = 1;
		job->started = job->created;
	}
	job->message = xstrdup(job_state_name(st));
	{
		char *c = command != NULL ? xstrdup(command) :
		    jobs_argv_line(spec->argv);

		job->command = jobs_redact(c, jobs->secrets, jobs->nsecrets);
		free(c);
	}

	priv = job->priv = xcalloc(1, sizeof *priv);
	priv->registry = spec->registry != NULL ? spec->registry :
	    jobs->registry;
	priv->jobs = jobs;
	priv->log_fd = -1;
	priv->lock_fd = lock_fd;
	priv->out_fd = -1;
	buf_init(&priv->line, JOBS_LINE_MAX + 16);
	buf_append(&priv->line, "", 0);

	jobs->list = xreallocarray(jobs->list, jobs->n + 1, sizeof *jobs->list);
	memmove(jobs->list + 1, jobs->list, jobs->n * sizeof *jobs->list);
	jobs->list[0] = job;
	jobs->n++;
	/* The id (and so the log's name) comes from the shared counter. */
	jobs_save_locked(jobs);
	jobs_history_unlock(hfd);
	if (job->id == 0) {
		job->id = jobs->next_id++;
		job->log_path = xasprintf("%s/logs/job-%lu.log", jobs->dir,
		    job->id);
	}
	priv->log_fd = open(job->log_path, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600);
	return job;
}

/* Queue a job. */
int
jobs_submit(struct jobs *jobs, const struct job_spec *spec,
    const struct job **out, char **cause)
{
	struct job *job;
	struct job_priv *priv;
	const struct builder_ops *ops = NULL;
	size_t i, n;
	char *cmd = NULL;

	if (spec->builder == NULL) {
		*cause = xstrdup("no builder is configured");
		return -1;
	}
	for (i = 0; i < MT_ARRAY_LEN(jobs_backends); i++) {
		if (jobs_backends[i].type == spec->builder->type)
			ops = jobs_backends[i].ops;
	}
	if (ops == NULL) {
		*cause = xstrdup("unknown builder type");
		return -1;
	}
	if (ops == &builder_exec_ops && (spec->argv == NULL ||
	    spec->argv[0] == NULL || *spec->argv[0] == '\0')) {
		*cause = xstrdup("the exec builder has an empty argv");
		return -1;
	}
	if (jobs_find_active(jobs, spec->app, spec->version, spec->arch)) {
		*cause = xasprintf("a job for %s %s %s is already queued or "
		    "running", spec->app, spec->version, spec->arch);
		return -1;
	}
	if (ops != &builder_exec_ops)
		cmd = xasprintf("dispatch workflow %s of %s at %s",
		    spec->builder->workflow ? spec->builder->workflow : "?",
		    spec->builder->repo ? spec->builder->repo : "?",
		    spec->ref ? spec->ref : "?");
	job = jobs_enter(jobs, spec, JOB_QUEUED, cmd, cause);
	free(cmd);
	if (job == NULL)
		return -1;
	job->attempts = spec->builder->attempts > 0 ?
	    spec->builder->attempts : 3;
	priv = job->priv;
	priv->ops = ops;
	priv->builder = *spec->builder;
	if (spec->argv != NULL) {
		for (n = 0; spec->argv[n] != NULL; n++)
			;
		priv->argv = xcalloc(n + 1, sizeof *priv->argv);
		for (i = 0; i < n; i++)
			priv->argv[i] = xstrdup(spec->argv[i]);
	}
	priv->digest_file = xstrdup(spec->digest_file);
	priv->attest = spec->attest;
	priv->ref = xstrdup(spec->ref);
	if (spec->ninputs > 0) {
		priv->inputs = xcalloc(spec->ninputs, sizeof *priv->inputs);
		for (i = 0; i < spec->ninputs; i++) {
			priv->inputs[i].key = xstrdup(spec->inputs[i].key);
			priv->inputs[i].value = xstrdup(spec->inputs[i].value);
		}
		priv->ninputs = spec->ninputs;
	}
	jobs_tell_changed(jobs);
	jobs_log(job, "queued: %s", job->command);
	if (out != NULL)
		*out = job;
	jobs_notify(jobs, job);
	jobs_schedule(jobs);
	return 0;
}

/* A job the caller runs itself; see jobs.h. */
int
jobs_record_start(struct jobs *jobs, const struct job_spec *spec,
    const char *command, unsigned long *id, char **cause)
{
	struct job *job;

	if (jobs_find_active(jobs, spec->app, spec->version, spec->arch)) {
		*cause = xasprintf("a job for %s %s %s is already running",
		    spec->app, spec->version, spec->arch);
		return -1;
	}
	job = jobs_enter(jobs, spec, JOB_RUNNING, command, cause);
	if (job == NULL)
		return -1;
	job->priv->recorded = 1;
	jobs_tell_changed(jobs);
	jobs_log(job, "job %lu: %s", job->id, job->command);
	*id = job->id;
	jobs_notify(jobs, job);
	return 0;
}

/* This process's recorded job id, or NULL. */
static struct job *
jobs_recorded(struct jobs *jobs, unsigned long id)
{
	size_t i;

	for (i = 0; i < jobs->n; i++)
		if (jobs->list[i]->id == id && jobs->list[i]->priv != NULL &&
		    jobs->list[i]->priv->recorded)
			return jobs->list[i];
	return NULL;
}

void
jobs_record_log(struct jobs *jobs, unsigned long id, const char *line)
{
	struct job *job = jobs_recorded(jobs, id);
	char *clean;

	if (job == NULL)
		return;
	clean = str_sanitize(line, JOBS_LINE_MAX);
	jobs_log(job, "%s", clean);
	free(clean);
}

void
jobs_record_end(struct jobs *jobs, unsigned long id, int ok,
    const char *message)
{
	struct job *job = jobs_recorded(jobs, id);

	if (job != NULL)
		jobs_finish(job, ok ? JOB_SUCCEEDED : JOB_FAILED, message);
}

/* Cancel a job. */
int
jobs_cancel(struct jobs *jobs, unsigned long id, char **cause)
{
	struct job *job = NULL;
	struct job_priv *priv;
	size_t i;

	for (i = 0; i < jobs->n; i++) {
		if (jobs->list[i]->id == id)
			job = jobs->list[i];
	}
	if (job == NULL) {
		*cause = xasprintf("no job %lu", id);
		return -1;
	}
	if (!job_state_final(job->state) && job->priv == NULL) {
		*cause = xasprintf("job %lu is %s in another mirrortop process",
		    id, job_state_name(job->state));
		return -1;
	}
	if (job_state_final(job->state)) {
		*cause = xasprintf("job %lu is %s", id,
		    job_state_name(job->state));
		return -1;
	}
	priv = job->priv;
	if (priv->recorded) {
		*cause = xasprintf("job %lu ends by itself (a %s is not "
		    "cancelled)", id, job->arch);
		return -1;
	}
	priv->cancelling = 1;
	switch (priv->phase) {
	case JOB_PHASE_BUILD:
		jobs_log(job, "cancelling");
		priv->ops->stop(job);
		break;
	case JOB_PHASE_CHECK:
	case JOB_PHASE_VERIFY:
		registry_cancel_arg(job->priv->registry, job);
		jobs_finish(job, JOB_CANCELLED, "cancelled");
		break;
	default:
		jobs_finish(job, JOB_CANCELLED, "cancelled");
		break;
	}
	return 0;
}

size_t
jobs_count(const struct jobs *jobs)
{
	return jobs->n;
}

const struct job *
jobs_get(const struct jobs *jobs, size_t i)
{
	return i < jobs->n ? jobs->list[i] : NULL;
}

/* A job by id. */
const struct job *
jobs_find(const struct jobs *jobs, unsigned long id)
{
	size_t i;

	for (i = 0; i < jobs->n; i++) {
		if (jobs->list[i]->id == id)
			return jobs->list[i];
	}
	return NULL;
}

/* Whether a job matches app/version/arch (NULL matches any). */
static int
jobs_match(const struct job *j, const char *app, const char *version,
    const char *arch)
{
	return strcmp(j->app, app) == 0 &&
	    (version == NULL || strcmp(j->version, version) == 0) &&
	    (arch == NULL || strcmp(j->arch, arch) == 0);
}

/* The live job for app/version/arch. */
const struct job *
jobs_find_active(const struct jobs *jobs, const char *app,
    const char *version, const char *arch)
{
	size_t i;

	for (i = 0; i < jobs->n; i++) {
		const struct job *j = jobs->list[i];

		if (!job_state_final(j->state) && j->priv != NULL &&
		    jobs_match(j, app, version, arch))
			return j;
	}
	return NULL;
}

/* The digest recorded by the newest succeeded job. */
const char *
jobs_last_digest(const struct jobs *jobs, const char *app,
    const char *version, const char *arch)
{
	size_t i;

	for (i = 0; i < jobs->n; i++) {
		const struct job *j = jobs->list[i];

		if (jobs_match(j, app, version, arch) &&
		    j->state == JOB_SUCCEEDED && j->digest != NULL)
			return j->digest;
	}
	return NULL;
}

/* Jobs queued or running in this process. */
int
jobs_active(const struct jobs *jobs)
{
	size_t i;
	int n = 0;

	for (i = 0; i < jobs->n; i++) {
		if (!job_state_final(jobs->list[i]->state) &&
		    jobs->list[i]->priv != NULL)
			n++;
	}
	return n;
}
