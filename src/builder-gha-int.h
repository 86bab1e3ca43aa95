/*
 * builder-gha-int.h — the GitHub Actions builder's readers of what the
 * GitHub API sends (error bodies, run times, a run's jobs), for the
 * fuzzing harnesses and unit tests. Nothing outside src/builder-gha.c and
 * tests/ includes this.
 */
#ifndef MT_BUILDER_GHA_INT_H
#define MT_BUILDER_GHA_INT_H

#include <time.h>

#include <jansson.h>

#include "http.h"

/* "HTTP 403 ...: <the body's message, one line>". Caller frees. */
char	*gha_error(const struct http_response *);
/* "YYYY-MM-DDTHH:MM:SSZ" as a time; 0 when it is not that. */
time_t	 gha_parse_time(const char *);
/* Whether a run's jobs list (GET .../runs/ID/jobs) names did. */
int	 gha_jobs_mention(json_t *root, const char *did);
/* Whether a 400/422 dispatch answer rejects return_run_details. */
int	 gha_rejects_details(const struct http_response *);

#endif
