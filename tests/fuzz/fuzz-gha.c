/*
 * fuzz-gha.c — what the GitHub Actions builder reads from the GitHub API:
 * the error of a failed call, a dispatch refused for return_run_details,
 * a workflow run list (ids, times, titles, as the run is picked) and a
 * run's jobs (the distinct id in a job or step name), a run's status.
 * Input: see response.h (the body is read as each of them).
 */
#include <jansson.h>

#include "builder-gha-int.h"
#include "response.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fuzz_response f;
	json_t *root, *runs, *r;
	char *s;
	size_t i;

	fuzz_response(&f, data, len,
	    "https://api.github.com/repos/o/r/actions/runs");
	s = gha_error(&f.r);
	if (s == NULL || strchr(s, '\n') != NULL)
		abort();	/* one line */
	free(s);
	(void)gha_rejects_details(&f.r);
	root = json_loadb(f.r.body, f.r.len, 0, NULL);
	runs = json_object_get(root, "workflow_runs");
	json_array_foreach(runs, i, r) {
		(void)gha_parse_time(json_string_value(json_object_get(r,
		    "created_at")));
	}
	(void)gha_jobs_mention(root, "mirrortop-0123456789abcdef");
	(void)gha_parse_time(json_string_value(json_object_get(root,
	    "updated_at")));
	json_decref(root);
	free(f.copy);
	return 0;
}
