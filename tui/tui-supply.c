/*
 * tui-supply.c — the dashboard's view of a version's signatures, SBOMs
 * and provenance: v lists what was found, how, and where.
 */
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "config.h"
#include "core.h"
#include "model.h"
#include "plan.h"
#include "supply-chain.h"
#include "util.h"
#include "tui-int.h"

/* The version selected in the versions pane, or NULL. */
static const struct mt_version *
tui_supply_version(const struct tui *t, const struct mt_app **ap)
{
	const struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *a = tui_current_app(t);

	if (a == NULL || vl->sel >= vl->nrows ||
	    vl->rows[vl->sel] >= a->nversions)
		return NULL;
	if (ap != NULL)
		*ap = a;
	return &a->versions[vl->rows[vl->sel]];
}

/* The text of the dialog (raw: the dialog makes each line safe). */
char *
tui_supply_text(const struct mt_app *a, const struct mt_version *v)
{
	struct buf b;
	size_t k, i;
	int any;

	buf_init(&b, 64 * 1024);
	if (v->digest == NULL)
		buf_printf(&b, "%s is not published: nothing can hang on it.\n",
		    v->version);
	for (k = 0; k < SC_NKINDS; k++) {
		buf_printf(&b, "%-11s %s\n", sc_kind_name((enum sc_kind)k),
		    sc_state_name(v->supply.state[k]));
		any = 0;
		for (i = 0; i < v->supply.nfound; i++) {
			const struct sc_found *f = &v->supply.found[i];
			const char *on = "";
			size_t j;

			if (f->kind != k)
				continue;
			any = 1;
			if (v->digest != NULL && strcmp(f->subject, v->digest)
			    == 0)
				on = "the index";
			for (j = 0; *on == '\0' && j < a->cfg->narchs; j++)
				if (v->arch_digest[j] != NULL &&
				    strcmp(f->subject, v->arch_digest[j]) == 0)
					on = a->cfg->archs[j];
			buf_printf(&b, "  %s, on %s\n    %s\n",
			    sc_via_name(f->via), *on != '\0' ? on : f->subject,
			    f->ref);
		}
		if (!any && v->supply.state[k] == SC_UNKNOWN)
			buf_printf(&b, "  the registry could not be asked\n");
	}
	return buf_steal(&b);
}

/* A published, complete version and attest steps configured. */
int
tui_can_attest(const struct tui *t)
{
	const struct mt_app *a = NULL;
	const struct mt_version *v = tui_supply_version(t, &a);

	return v != NULL && v->digest != NULL &&
	    v->state == VERSION_COMPLETE &&
	    core_config(t->core)->attest != NULL &&
	    core_config(t->core)->attest->nsteps > 0;
}

/* A: attest the selected version (the plan, then y/N). */
void
tui_key_attest(struct tui *t, int key)
{
	const struct mt_app *a = NULL;
	const struct mt_version *v = tui_supply_version(t, &a);

	(void)key;
	if (v == NULL) {
		tui_message(t, 1, "no version selected", NULL);
		return;
	}
	tui_plan_confirm_one(t, TUI_CONFIRM_ATTEST, PLAN_REQ_ATTEST, "attest", a, v);
}

int
tui_can_supply(const struct tui *t)
{
	return tui_supply_version(t, NULL) != NULL;
}

/* v: what the version carries, and where it was found. */
void
tui_key_supply(struct tui *t, int key)
{
	const struct mt_app *a = NULL;
	const struct mt_version *v = tui_supply_version(t, &a);
	char *title, *text;

	(void)key;
	if (v == NULL) {
		tui_message(t, 1, "no version selected", NULL);
		return;
	}
	title = xasprintf("%s %s: signature, SBOM, provenance", a->cfg->name,
	    v->version);
	text = tui_supply_text(a, v);
	tui_panel_info(t, title, text);
	free(title);
	free(text);
}
