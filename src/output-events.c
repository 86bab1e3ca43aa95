/* output-events.c — the printers of `mirrortop events`: a table for
 * people, mirrortop.events/v1 JSON for scripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "output.h"
#include "util.h"

#define C_RESET	"\033[0m"
#define C_RED	"\033[31m"
#define C_GREEN	"\033[32m"
#define C_YELLOW "\033[33m"

/* Colour of an event type in the table. */
static const char *
output_event_colour(enum event_type t)
{
	switch (t) {
	case EVENT_BUILD_FAILED:
	case EVENT_VERSION_INCOMPLETE:
	case EVENT_APP_ERROR:
		return C_RED;
	case EVENT_VERSION_COMPLETE:
	case EVENT_BUILD_SUCCEEDED:
	case EVENT_MERGED:
	case EVENT_APP_RECOVERED:
		return C_GREEN;
	default:
		return C_YELLOW;
	}
}

/* One line per event, oldest first: time, type, app version arch,
 * message (sanitized: the history is a file anyone may have edited). */
void
output_events_table(FILE *f, struct event *const *list, size_t n,
    int use_colour)
{
	char t[32], *what, *msg;
	const struct event *ev;
	size_t i;

	for (i = 0; i < n; i++) {
		ev = list[i];
		time_iso8601(ev->time, t, sizeof t);
		what = xasprintf("%s%s%s%s%s", ev->app ? ev->app : "-",
		    ev->version ? " " : "", ev->version ? ev->version : "",
		    ev->arch ? " " : "", ev->arch ? ev->arch : "");
		msg = str_oneline(ev->message ? ev->message : "", 400);
		{
			char *w = str_oneline(what, 60);

			fprintf(f, "%s  %s%-18s%s  %-28s  %s\n", t,
			    use_colour ? output_event_colour(ev->type) : "",
			    event_type_name(ev->type),
			    use_colour ? C_RESET : "", w, msg);
			free(w);
		}
		free(msg);
		free(what);
	}
}

/* {"schema": "mirrortop.events/v1", "events": [...]}, oldest first. */
void
output_events_json(FILE *f, struct event *const *list, size_t n)
{
	char *line;
	size_t i;

	fputs("{\"schema\": \"mirrortop.events/v1\", \"events\": [", f);
	for (i = 0; i < n; i++) {
		line = event_json(list[i]);
		fprintf(f, "%s\n  %s", i > 0 ? "," : "", line);
		free(line);
	}
	fputs(n > 0 ? "\n]}\n" : "]}\n", f);
}
