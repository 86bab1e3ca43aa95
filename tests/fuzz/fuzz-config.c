/*
 * fuzz-config.c — the configuration file (mirrortop.json(5)): parse and
 * validate, and for a valid one the effective configuration's dump, which
 * must parse again to the same dump.
 */
#include "fuzz.h"
#include "config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct config *cfg = NULL, *again = NULL;
	char *cause = NULL, *cause2 = NULL, *d1, *d2;

	if (config_parse((const char *)data, len, "config.json", &cfg,
	    &cause) == 0) {
		d1 = config_dump(cfg);
		if (config_parse(d1, strlen(d1), "dump.json", &again,
		    &cause2) != 0) {
			abort();	/* the dump of a valid config is valid */
		}
		d2 = config_dump(again);
		if (strcmp(d1, d2) != 0)
			abort();
		free(d1);
		free(d2);
		config_free(again);
		config_free(cfg);
	} else {
		if (cause == NULL || strchr(cause, '\n') != NULL)
			abort();	/* one line saying what and where */
		free(cause);
	}
	return 0;
}
