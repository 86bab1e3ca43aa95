/*
 * fuzz-event-history.c — the event history file (events.json in the state
 * directory, shared by every mirrortop process) and the strings around
 * it: a webhook template checked and expanded with the input as event
 * fields, and --since durations. Input: the file.
 */
#include "fuzz.h"
#include "events.h"
#include "notify.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct event **list = NULL, ev;
	char *cause = NULL, *s, *out;
	const char *why = NULL;
	size_t n = 0, i;
	long secs;

	if (events_history_parse((const char *)data, len, &list, &n,
	    &cause) != 0 && cause == NULL)
		abort();
	for (i = 0; i < n; i++) {
		char *j = event_json(list[i]);

		if (j == NULL || list[i]->id == NULL)
			abort();
		free(j);
	}
	event_list_free(list, n);
	free(cause);

	s = fuzz_str(data, len);
	if (events_parse_duration(s, &secs) == 0 && secs < 0)
		abort();
	memset(&ev, 0, sizeof ev);
	ev.id = s;
	ev.app = s;
	ev.message = s;
	if (notify_template_check(s, "application/json", &why) == -1 &&
	    why == NULL)
		abort();
	out = notify_expand(s, "application/json", &ev);
	free(out);
	out = notify_expand(s, "text/plain", &ev);
	free(out);
	free(s);
	return 0;
}
