/* tui.c — the dashboard (placeholder until the dashboard lands). */
#include <stdio.h>
#include "core.h"
#include "tui.h"

int
tui_run(struct core *core)
{
	(void)core;
	fprintf(stderr, "mirrortop: the dashboard is not built yet; use `mirrortop status`\n");
	return 2;
}
