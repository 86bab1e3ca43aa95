/* tui-copy.c — C: copy the selected version to the mirror targets that
 * lack it (the plan of `mirrortop copy` in the confirm dialog, y/N). */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "model.h"
#include "plan.h"
#include "tui-int.h"
#include "util.h"

/* The selected version of the versions pane, or NULL. */
static const struct mt_version *
tui_copy_version(const struct tui *t, const struct mt_app **ap)
{
	const struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *a = tui_current_app(t);

	if (a == NULL || vl->sel >= vl->nrows ||
	    vl->rows[vl->sel] >= a->nversions)
		return NULL;
	*ap = a;
	return &a->versions[vl->rows[vl->sel]];
}

/* Complete on the primary, and some mirror lacks it (or latest). */
int
tui_can_copy_target(const struct tui *t)
{
	const struct mt_app *a = NULL;
	const struct mt_version *v = tui_copy_version(t, &a);
	size_t k;

	if (v == NULL || a->ntargets < 2 || v->digest == NULL ||
	    v->state != VERSION_COMPLETE || !a->cfg->manifest)
		return 0;
	for (k = 1; k < a->ntargets && k < v->ntargets; k++)
		if (v->targets[k].digest == NULL ||
		    strcmp(v->targets[k].digest, v->digest) != 0)
			return 1;
	return 0;
}

/* C: the copy plan of the selected version to every mirror, y/N. */
void
tui_key_copy_target(struct tui *t, int key)
{
	const struct mt_app *a = NULL;
	const struct mt_version *v = tui_copy_version(t, &a);

	(void)key;
	if (v == NULL) {
		tui_message(t, 1, "no version selected", NULL);
		return;
	}
	tui_plan_confirm_one(t, TUI_CONFIRM_COPY, PLAN_REQ_COPY, "copy", a, v);
}
