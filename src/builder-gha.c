/*
 * builder-gha.c — the github-actions builder: dispatch a workflow, find
 * its run, follow it to its conclusion.
 *
 * The dispatch asks for the run id (return_run_details); servers that
 * answer 204 or reject the key get the fallback: list the workflow's
 * recent workflow_dispatch runs and pick the newest created after the
 * dispatch. With a `distinct_id` input configured (a value of its own per
 * attempt when left empty), the run must carry that value in its title
 * (`run-name:`) or in the name of one of its jobs or steps, so that
 * concurrent dispatches each find their own run. The token is read from the environment at each request
 * and never written anywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "builder.h"
#include "builder-gha-int.h"
#include "config.h"
#include "http.h"
#include "jobs.h"
#include "loop.h"
#include "util.h"

#define GHA_DEFAULT_API		"https://api.github.com"
#define GHA_FIND_TRIES		12
#define GHA_SKEW		10

static void	gha_dispatch(struct job *);
static void	gha_poll(struct job *);
static void	gha_find(struct job *);
static void	gha_cand_next(struct job *);

/* The API base without a trailing slash. Caller frees. */
static char *
gha_api(const struct job_priv *priv)
{
	const char *api = priv->builder.api ? priv->builder.api : GHA_DEFAULT_API;
	size_t len = strlen(api);

	while (len > 0 && api[len - 1] == '/')
		len--;
	return xstrndup(api, len);
}

/* The token, or NULL. Borrowed from the environment. */
static const char *
gha_token(const struct job_priv *priv)
{
	const char *name = priv->builder.token_env ? priv->builder.token_env :
	    "GITHUB_TOKEN";
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* Start a GitHub API request for a job. */
static int
gha_request(struct job *job, const char *method, const char *url,
    const char *body, http_cb cb)
{
	struct job_priv *priv = job->priv;
	const char *token = gha_token(priv);
	char *auth = token ? xasprintf("Authorization: Bearer %s", token) : NULL;
	const char *headers[6];
	struct http_request req;
	size_t n = 0;
	int r;

	headers[n++] = "Accept: application/vnd.github+json";
	headers[n++] = "X-GitHub-Api-Version: 2022-11-28";
	if (body != NULL)
		headers[n++] = "Content-Type: application/json";
	if (auth != NULL)
		headers[n++] = auth;
	headers[n] = NULL;
	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.max_body = 4 * 1024 * 1024;
	r = http_request(jobs_http(priv->jobs), &req, cb, job);
	if (auth != NULL) {
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	return r;
}

/* The "message" of a GitHub error body, one line. Caller frees. */
char *
gha_error(const struct http_response *res)
{
	json_t *root = json_loadb(res->body, res->len, 0, NULL);
	json_t *m = json_object_get(root, "message");
	char *desc = http_describe_error(res), *s, *line;

	if (json_is_string(m)) {
		line = str_oneline(json_string_value(m), 200);
		s = xasprintf("%s: %s", desc, line);
		free(line);
		free(desc);
	} else
		s = desc;
	json_decref(root);
	return s;
}

/* Parse "YYYY-MM-DDTHH:MM:SSZ"; 0 when it is not that. */
time_t
gha_parse_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	char z;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h,
	    &mi, &se, &z) != 7 || z != 'Z')
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return timegm(&tm);
}

/* Poll timer fired. */
static void
gha_poll_timer_cb(void *arg)
{
	struct job *job = arg;

	job->priv->poll_timer = 0;
	if (job->priv->run_id > 0)
		gha_poll(job);
	else
		gha_find(job);
}

/* Come back after poll_interval. */
static void
gha_later(struct job *job)
{
	struct job_priv *priv = job->priv;
	long s = priv->builder.poll_interval > 0 ? priv->builder.poll_interval : 10;

	priv->poll_timer = loop_timer_add(jobs_loop(priv->jobs), s * 1000,
	    gha_poll_timer_cb, job);
}

/* A run was found: remember it and follow it. */
static void
gha_have_run(struct job *job, long long id, const char *html_url)
{
	char *msg;

	job->priv->run_id = id;
	free(job->run_url);
	job->run_url = html_url ? xstrdup(html_url) : NULL;
	jobs_log(job, "workflow run %lld%s%s", id, html_url ? " " : "",
	    html_url ? html_url : "");
	msg = xasprintf("workflow run %lld dispatched", id);
	jobs_set_message(job, msg);
	free(msg);
	gha_later(job);
}

/* GET runs/{id} answered. */
static void
gha_poll_cb(const struct http_response *res, void *arg)
{
	struct job *job = arg;
	struct job_priv *priv = job->priv;
	json_t *root, *st, *concl;
	const char *status, *conclusion;
	char *why, *msg;

	if (res->status != 200) {
		why = gha_error(res);
		jobs_log(job, "polling run %lld: %s", priv->run_id, why);
		free(why);
		if (res->status == 404 || res->status == 401) {
			jobs_builder_done(job, 0, "the workflow run cannot be "
			    "read (HTTP error)", NULL);
			return;
		}
		gha_later(job);
		return;
	}
	root = json_loadb(res->body, res->len, 0, NULL);
	st = json_object_get(root, "status");
	concl = json_object_get(root, "conclusion");
	status = json_is_string(st) ? json_string_value(st) : "unknown";
	conclusion = json_is_string(concl) ? json_string_value(concl) : NULL;
	if (priv->run_status == NULL || strcmp(priv->run_status, status) != 0) {
		free(priv->run_status);
		priv->run_status = str_oneline(status, 40);
		jobs_log(job, "run %lld: %s", priv->run_id, priv->run_status);
		msg = xasprintf("workflow run %lld %s", priv->run_id,
		    priv->run_status);
		jobs_set_message(job, msg);
		free(msg);
	}
	if (strcmp(status, "completed") != 0) {
		json_decref(root);
		gha_later(job);
		return;
	}
	if (conclusion != NULL && strcmp(conclusion, "success") == 0) {
		json_decref(root);
		jobs_builder_done(job, 1, NULL, NULL);
		return;
	}
	msg = str_oneline(conclusion ? conclusion : "none", 40);
	why = xasprintf("workflow run %lld concluded %s%s%s", priv->run_id, msg,
	    job->run_url ? " " : "", job->run_url ? job->run_url : "");
	free(msg);
	json_decref(root);
	jobs_builder_done(job, 0, why, NULL);
	free(why);
}

/* GET the run. */
static void
gha_poll(struct job *job)
{
	struct job_priv *priv = job->priv;
	char *api = gha_api(priv);
	char *url = xasprintf("%s/repos/%s/actions/runs/%lld", api,
	    priv->builder.repo, priv->run_id);

	if (gha_request(job, "GET", url, NULL, gha_poll_cb) != 0)
		jobs_builder_done(job, 0, "cannot start a request", NULL);
	free(url);
	free(api);
}

/* Forget the candidate runs. */
static void
gha_cand_clear(struct job_priv *priv)
{
	size_t i;

	for (i = 0; i < priv->ncand; i++)
		free(priv->cand_url[i]);
	priv->ncand = priv->icand = 0;
}

/* No run found this time: look again later, or give up. */
static void
gha_find_retry(struct job *job)
{
	struct job_priv *priv = job->priv;

	if (++priv->find_tries >= GHA_FIND_TRIES) {
		jobs_builder_done(job, 0, "the workflow was dispatched but no "
		    "run for it appeared", NULL);
		return;
	}
	gha_later(job);
}

/* Whether the jobs list of a run names the distinct id. */
int
gha_jobs_mention(json_t *root, const char *did)
{
	json_t *jobs = json_object_get(root, "jobs"), *j, *steps, *st;
	const char *name;
	size_t i, k;

	json_array_foreach(jobs, i, j) {
		name = json_string_value(json_object_get(j, "name"));
		if (name != NULL && strstr(name, did) != NULL)
			return 1;
		steps = json_object_get(j, "steps");
		json_array_foreach(steps, k, st) {
			name = json_string_value(json_object_get(st, "name"));
			if (name != NULL && strstr(name, did) != NULL)
				return 1;
		}
	}
	return 0;
}

/* A candidate's jobs answered. */
static void
gha_cand_cb(const struct http_response *res, void *arg)
{
	struct job *job = arg;
	struct job_priv *priv = job->priv;
	json_t *root;
	size_t i = priv->icand;
	int mine = 0;

	if (res->status == 200) {
		root = json_loadb(res->body, res->len, 0, NULL);
		mine = gha_jobs_mention(root, priv->distinct_id);
		json_decref(root);
	}
	if (mine && !jobs_run_claimed(priv->jobs, priv->cand_id[i])) {
		char *url = priv->cand_url[i];

		priv->cand_url[i] = NULL;
		gha_have_run(job, priv->cand_id[i], url);
		free(url);
		gha_cand_clear(priv);
		return;
	}
	priv->icand++;
	gha_cand_next(job);
}

/* Look at the next candidate's jobs, or come back later. */
static void
gha_cand_next(struct job *job)
{
	struct job_priv *priv = job->priv;
	char *api, *url;

	if (priv->icand >= priv->ncand) {
		gha_cand_clear(priv);
		gha_find_retry(job);
		return;
	}
	api = gha_api(priv);
	url = xasprintf("%s/repos/%s/actions/runs/%lld/jobs", api,
	    priv->builder.repo, priv->cand_id[priv->icand]);
	if (gha_request(job, "GET", url, NULL, gha_cand_cb) != 0)
		jobs_builder_done(job, 0, "cannot start a request", NULL);
	free(url);
	free(api);
}

/* The run list answered: pick our run. */
static void
gha_find_cb(const struct http_response *res, void *arg)
{
	struct job *job = arg;
	struct job_priv *priv = job->priv;
	json_t *root, *runs, *r;
	long long best = 0;
	time_t best_t = 0;
	const char *best_url = NULL;
	size_t i;
	char *why;

	gha_cand_clear(priv);
	if (res->status != 200) {
		why = gha_error(res);
		jobs_log(job, "listing runs: %s", why);
		free(why);
		goto retry;
	}
	root = json_loadb(res->body, res->len, 0, NULL);
	runs = json_object_get(root, "workflow_runs");
	json_array_foreach(runs, i, r) {
		json_t *id = json_object_get(r, "id");
		const char *title = json_string_value(json_object_get(r,
		    "display_title"));
		const char *name = json_string_value(json_object_get(r, "name"));
		time_t t = gha_parse_time(json_string_value(json_object_get(r,
		    "created_at")));

		if (!json_is_integer(id) || json_integer_value(id) <= 0)
			continue;
		if (t < priv->dispatched_at - GHA_SKEW)
			continue;
		if (jobs_run_claimed(priv->jobs, json_integer_value(id)))
			continue;
		if (priv->distinct_id != NULL &&
		    (title == NULL || strstr(title, priv->distinct_id) == NULL) &&
		    (name == NULL || strstr(name, priv->distinct_id) == NULL)) {
			/* Maybe in a step name: look at its jobs below. */
			if (priv->ncand < MT_ARRAY_LEN(priv->cand_id)) {
				priv->cand_id[priv->ncand] =
				    json_integer_value(id);
				priv->cand_url[priv->ncand++] = xstrdup(
				    json_string_value(json_object_get(r,
				    "html_url")));
			}
			continue;
		}
		if (best == 0 || t > best_t || (t == best_t &&
		    json_integer_value(id) > best)) {
			best = json_integer_value(id);
			best_t = t;
			best_url = json_string_value(json_object_get(r,
			    "html_url"));
		}
	}
	if (best > 0) {
		gha_cand_clear(priv);
		gha_have_run(job, best, best_url);
		json_decref(root);
		return;
	}
	json_decref(root);
	if (priv->ncand > 0) {
		priv->icand = 0;
		gha_cand_next(job);
		return;
	}
retry:
	gha_find_retry(job);
}

/* List recent workflow_dispatch runs of the workflow. */
static void
gha_find(struct job *job)
{
	struct job_priv *priv = job->priv;
	char *api = gha_api(priv), *wf = http_escape(priv->builder.workflow);
	char when[32], *url;

	time_iso8601(priv->dispatched_at - GHA_SKEW, when, sizeof when);
	url = xasprintf("%s/repos/%s/actions/workflows/%s/runs?"
	    "event=workflow_dispatch&created=%%3E%%3D%s&per_page=20", api,
	    priv->builder.repo, wf, when);
	if (gha_request(job, "GET", url, NULL, gha_find_cb) != 0)
		jobs_builder_done(job, 0, "cannot start a request", NULL);
	free(url);
	free(wf);
	free(api);
}

/* Whether a 400/422 rejects return_run_details. */
int
gha_rejects_details(const struct http_response *res)
{
	if (res->status != 400 && res->status != 422)
		return 0;
	return res->body != NULL && (strstr(res->body, "return_run_details") ||
	    strstr(res->body, "not a permitted key"));
}

/* The dispatch answered. */
static void
gha_dispatch_cb(const struct http_response *res, void *arg)
{
	struct job *job = arg;
	struct job_priv *priv = job->priv;
	json_t *root, *id;
	char *why;

	if (res->status == 200 && priv->with_details) {
		root = json_loadb(res->body, res->len, 0, NULL);
		id = json_object_get(root, "workflow_run_id");
		if (json_is_integer(id) && json_integer_value(id) > 0) {
			gha_have_run(job, json_integer_value(id),
			    json_string_value(json_object_get(root, "html_url")));
			json_decref(root);
			return;
		}
		json_decref(root);
	}
	if (res->status == 200 || res->status == 204) {
		jobs_log(job, "dispatched; looking for the run");
		jobs_set_message(job, "dispatched; looking for the run");
		gha_find(job);
		return;
	}
	if (priv->with_details && gha_rejects_details(res)) {
		jobs_log(job, "the server does not return run details; "
		    "dispatching again without them");
		priv->with_details = 0;
		gha_dispatch(job);
		return;
	}
	why = gha_error(res);
	jobs_log(job, "dispatch failed: %s", why);
	{
		char *msg = xasprintf("workflow dispatch failed: %s", why);

		jobs_builder_done(job, 0, msg, NULL);
		free(msg);
	}
	free(why);
}

/* POST the dispatch. */
static void
gha_dispatch(struct job *job)
{
	struct job_priv *priv = job->priv;
	char *api = gha_api(priv), *wf = http_escape(priv->builder.workflow);
	char *url, *body;
	json_t *root = json_object(), *inputs = json_object();
	size_t i;

	json_object_set_new(root, "ref", json_string(priv->ref ? priv->ref :
	    "main"));
	for (i = 0; i < priv->ninputs; i++)
		json_object_set_new(inputs, priv->inputs[i].key,
		    json_string(priv->inputs[i].value));
	json_object_set_new(root, "inputs", inputs);
	if (priv->with_details)
		json_object_set_new(root, "return_run_details", json_true());
	body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	url = xasprintf("%s/repos/%s/actions/workflows/%s/dispatches", api,
	    priv->builder.repo, wf);
	priv->dispatched_at = time(NULL);
	if (gha_request(job, "POST", url, body, gha_dispatch_cb) != 0)
		jobs_builder_done(job, 0, "cannot start a request", NULL);
	free(url);
	free(body);
	free(wf);
	free(api);
}

/* Start an attempt: dispatch the workflow. */
static int
gha_start(struct job *job, char **cause)
{
	struct job_priv *priv = job->priv;
	size_t i;

	if (priv->builder.repo == NULL || priv->builder.workflow == NULL) {
		*cause = xstrdup("github-actions builder needs repo and workflow");
		return -1;
	}
	if (gha_token(priv) == NULL) {
		*cause = xasprintf("%s is not set",
		    priv->builder.token_env ? priv->builder.token_env :
		    "GITHUB_TOKEN");
		return -1;
	}
	priv->run_id = 0;
	priv->find_tries = 0;
	gha_cand_clear(priv);
	priv->with_details = 1;
	free(priv->run_status);
	priv->run_status = NULL;
	free(priv->distinct_id);
	priv->distinct_id = NULL;
	for (i = 0; i < priv->ninputs; i++) {
		if (strcmp(priv->inputs[i].key, "distinct_id") != 0)
			continue;
		/*
		 * Left empty in the configuration: a value of our own, new
		 * for every attempt, so that a retry never takes the run of
		 * the attempt before it (job ids are unique across the
		 * processes sharing a state directory).
		 */
		if (priv->distinct_auto || priv->inputs[i].value == NULL ||
		    *priv->inputs[i].value == '\0') {
			free(priv->inputs[i].value);
			priv->inputs[i].value = xasprintf("mirrortop-%lu-%d-%ld",
			    job->id, job->attempt, (long)time(NULL));
			priv->distinct_auto = 1;
		}
		priv->distinct_id = xstrdup(priv->inputs[i].value);
	}
	jobs_log(job, "dispatching workflow %s of %s at %s",
	    priv->builder.workflow, priv->builder.repo,
	    priv->ref ? priv->ref : "main");
	gha_dispatch(job);
	return 0;
}

/* The cancel request answered; nothing to do. */
static void
gha_cancel_cb(const struct http_response *res, void *arg)
{
	(void)res;
	(void)arg;
}

/* Stop following; ask GitHub to cancel the run (best effort). */
static void
gha_stop(struct job *job)
{
	struct job_priv *priv = job->priv;
	static int cancel_tag;

	http_cancel_arg(jobs_http(priv->jobs), job);
	loop_timer_del(jobs_loop(priv->jobs), priv->poll_timer);
	priv->poll_timer = 0;
	if (priv->run_id > 0 && gha_token(priv) != NULL) {
		char *api = gha_api(priv), *url, *auth;
		const char *headers[4];
		struct http_request req;

		url = xasprintf("%s/repos/%s/actions/runs/%lld/cancel", api,
		    priv->builder.repo, priv->run_id);
		auth = xasprintf("Authorization: Bearer %s", gha_token(priv));
		headers[0] = "Accept: application/vnd.github+json";
		headers[1] = "X-GitHub-Api-Version: 2022-11-28";
		headers[2] = auth;
		headers[3] = NULL;
		memset(&req, 0, sizeof req);
		req.method = "POST";
		req.url = url;
		req.headers = headers;
		req.max_attempts = 1;
		(void)http_request(jobs_http(priv->jobs), &req, gha_cancel_cb,
		    &cancel_tag);
		memset(auth, 0, strlen(auth));
		free(auth);
		free(url);
		free(api);
		jobs_log(job, "asked GitHub to cancel run %lld", priv->run_id);
	}
	jobs_builder_done(job, 0, "stopped", NULL);
}

const struct builder_ops builder_gha_ops = {
	.name = "github-actions",
	.start = gha_start,
	.stop = gha_stop,
};
