/* tui-prune.c — P: the app's prune plan in the confirm dialog, y applies. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "model.h"
#include "plan.h"
#include "tui-int.h"
#include "util.h"

/* P acts on a loaded app whose registry answered. */
int
tui_can_prune(const struct tui *t)
{
	const struct mt_app *a = tui_current_app(t);

	return a != NULL && a->loaded && !a->registry_unknown &&
	    a->error == NULL;
}

/* P: what prune would remove from the selected app, y/N. */
void
tui_key_prune(struct tui *t, int key)
{
	const struct mt_app *a = tui_current_app(t);

	(void)key;
	if (a == NULL) {
		tui_message(t, 1, "no app selected", NULL);
		return;
	}
	tui_plan_confirm_one(t, TUI_CONFIRM_PRUNE, PLAN_REQ_PRUNE, "prune", a,
	    NULL);
}
