/*
 * fuzz-job-history.c — the job history file (jobs.json in the state
 * directory, shared by every mirrortop process) and what a builder writes
 * to its digest file. Input: the file.
 */
#include "fuzz.h"
#include "jobs.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct job **list = NULL;
	char *cause = NULL, *digest = NULL;
	size_t n = 0, i;

	if (jobs_history_parse((const char *)data, len, &list, &n,
	    &cause) != 0 && cause == NULL)
		abort();
	for (i = 0; i < n; i++)
		job_free(list[i]);
	free(list);
	free(cause);
	cause = NULL;
	if (jobs_parse_digest((const char *)data, len, &digest, &cause) == 0) {
		if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 ||
		    strlen(digest) != 71)
			abort();
	} else if (cause == NULL)
		abort();
	free(digest);
	free(cause);
	return 0;
}
