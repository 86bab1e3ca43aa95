/* output.c — the CLI printers: status table, status JSON, matrix JSON. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "attest.h"
#include "config.h"
#include "output.h"
#include "plan.h"
#include "version.h"
#include "status.h"
#include "supply-chain.h"
#include "util.h"

#define C_RESET	"\033[0m"
#define C_BOLD	"\033[1m"
#define C_RED	"\033[31m"
#define C_GREEN	"\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM	"\033[2m"

/* Colour only on a terminal, without NO_COLOR, and not on TERM=dumb. */
int
output_use_colour(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc != NULL && *nc != '\0')
		return 0;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(f));
}

static const char *
arch_colour(enum arch_state s)
{
	switch (s) {
	case ARCH_PRESENT: return C_GREEN;
	case ARCH_STAGED: return C_YELLOW;
	default: return C_RED;
	}
}

static const char *
version_colour(enum version_state s)
{
	switch (s) {
	case VERSION_COMPLETE: return C_GREEN;
	case VERSION_STAGED: return C_YELLOW;
	case VERSION_PARTIAL: return C_YELLOW;
	case VERSION_DIFFERS: return C_RED C_BOLD;
	default: return C_RED;
	}
}

/* Print a sanitized, cut field padded to width. */
static void
field(FILE *f, const char *s, int width)
{
	char *t = str_oneline(s ? s : "-", width > 0 ? (size_t)width : 512);

	fprintf(f, "%-*s", width, t);
	free(t);
}

/* Width of a target's column in the table. */
#define OUTPUT_TARGET_WIDTH 9

/* "  <target> latest: <version>" for a mirror target, on the same line. */
static void
output_target_latest(FILE *f, const struct mt_app *a,
    const struct mt_target *t, int colour)
{
	fprintf(f, "\n  ");
	field(f, t->cfg->name, 0);
	fprintf(f, " latest: ");
	if (t->latest_version != NULL)
		field(f, t->latest_version, 0);
	else if (t->unknown)
		fprintf(f, "unknown (registry not reachable)");
	else if (t->latest_digest != NULL)
		fprintf(f, "%.19s (no version tag has it)", t->latest_digest);
	else
		fprintf(f, "none");
	if (t->latest_drift && !t->unknown && a->upstream_latest != NULL)
		fprintf(f, "  %s(latest drift)%s", colour ? C_YELLOW : "",
		    colour ? C_RESET : "");
}

/* Table for humans. */
void
output_status_table(FILE *f, const struct mt_model *m, int colour)
{
	size_t i, j, k;

	for (i = 0; i < m->napps; i++) {
		const struct mt_app *a = &m->apps[i];
		const struct app_config *ac = a->cfg;
		size_t missing = 0;

		for (j = 0; j < a->nversions; j++)
			if (a->versions[j].state != VERSION_COMPLETE)
				missing++;
		if (i > 0)
			fputc('\n', f);
		fprintf(f, "%s%s%s  %s\n", colour ? C_BOLD : "", ac->name,
		    colour ? C_RESET : "", a->image);
		fprintf(f, "  upstream latest: ");
		field(f, a->upstream_latest, 0);
		fprintf(f, "   registry latest: ");
		if (a->registry_latest != NULL)
			field(f, a->registry_latest, 0);
		else if (a->registry_unknown)
			fprintf(f, "unknown (registry not reachable)");
		else if (a->latest_digest != NULL)
			fprintf(f, "%.19s (no version tag has it)",
			    a->latest_digest);
		else
			fprintf(f, "none");
		if (a->latest_drift && !a->registry_unknown)
			fprintf(f, "  %s(latest drift)%s", colour ? C_YELLOW :
			    "", colour ? C_RESET : "");
		for (k = 1; k < a->ntargets; k++)
			output_target_latest(f, a, &a->targets[k], colour);
		fprintf(f, "\n  versions: %zu, not complete: %zu", a->nversions,
		    missing);
		if (a->skipped_tags > 0)
			fprintf(f, ", skipped tags: %d (drafts %d, pre-releases "
			    "%d, not matching %d, not a version %d)",
			    a->skipped_tags, a->skipped.drafts,
			    a->skipped.prereleases, a->skipped.not_matching,
			    a->skipped.not_a_version);
		fputc('\n', f);
		if (a->skipped.version_like > 0)
			fprintf(f, "  %snote:%s %d skipped tag%s look%s like "
			    "versions: check include and versioning (%s)\n",
			    colour ? C_YELLOW : "", colour ? C_RESET : "",
			    a->skipped.version_like,
			    a->skipped.version_like == 1 ? "" : "s",
			    a->skipped.version_like == 1 ? "s" : "",
			    version_scheme_name(ac->versioning));
		if (a->error != NULL) {
			fprintf(f, "  %serror:%s ", colour ? C_RED : "",
			    colour ? C_RESET : "");
			field(f, a->error, 0);
			if (a->stale)
				fprintf(f, " (versions from the previous "
				    "refresh)");
			fputc('\n', f);
		}
		if (a->nversions == 0)
			continue;
		fprintf(f, "  %-20s %-10s %-9s", "VERSION", "PUBLISHED",
		    "STATE");
		for (k = 0; k < ac->narchs; k++)
			fprintf(f, " %-8s", ac->archs[k]);
		for (k = 1; k < a->ntargets; k++) {
			fputc(' ', f);
			field(f, a->targets[k].cfg->name, OUTPUT_TARGET_WIDTH);
		}
		fprintf(f, " SBP DIGEST\n");
		for (j = 0; j < a->nversions; j++) {
			const struct mt_version *v = &a->versions[j];
			char date[11] = "-", marks[4];
			char *ver = str_oneline(v->version, 18);

			if (v->published_at != NULL &&
			    strlen(v->published_at) >= 10) {
				memcpy(date, v->published_at, 10);
				date[10] = '\0';
			}
			fprintf(f, "  %-18s %s", ver, v->is_latest ? "* " :
			    "  ");
			free(ver);
			field(f, date, 10);
			fprintf(f, " %s%-9s%s", colour ? version_colour(
			    v->state) : "", version_state_name(v->state),
			    colour ? C_RESET : "");
			for (k = 0; k < ac->narchs; k++)
				fprintf(f, " %s%-8s%s", colour ? arch_colour(
				    v->archs[k]) : "",
				    arch_state_name(v->archs[k]),
				    colour ? C_RESET : "");
			for (k = 1; k < a->ntargets; k++) {
				const char *st = k < v->ntargets ?
				    version_state_name(v->targets[k].state) :
				    "unknown";

				fprintf(f, " %s%-*s%s", colour &&
				    k < v->ntargets ? version_colour(
				    v->targets[k].state) : "",
				    OUTPUT_TARGET_WIDTH, st,
				    colour ? C_RESET : "");
			}
			output_supply_marks(&v->supply, marks);
			fprintf(f, " %s", marks);
			if (v->digest != NULL)
				fprintf(f, " %s%.19s%s", colour ? C_DIM : "",
				    v->digest, colour ? C_RESET : "");
			fputc('\n', f);
		}
	}
}

static json_t *
json_str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/*
 * A string from upstream or a server as JSON: jansson rejects invalid
 * UTF-8, so those are sanitized first.
 */
static json_t *
json_untrusted(const char *s)
{
	json_t *j;
	char *t;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	t = str_sanitize(s, 0);
	j = json_string(t);
	free(t);
	return j != NULL ? j : json_null();
}

/* Print a JSON document to f, keys in order, and a newline. */
static void
json_print(FILE *f, json_t *root, size_t flags)
{
	/* Straight to the stream: no second copy of a large document. */
	if (root != NULL && json_dumpf(root, f, flags |
	    JSON_PRESERVE_ORDER) == 0)
		fputc('\n', f);
	json_decref(root);
}

static json_t	*supply_json(const struct config *, const struct mt_supply *);

/* A version on each of the app's targets, the primary included. */
static json_t *
status_version_targets_json(const struct config *cfg, const struct mt_app *a,
    const struct mt_version *v)
{
	json_t *o = json_object(), *archs;
	size_t k, j;

	for (k = 0; k < a->ntargets && k < v->ntargets; k++) {
		const struct mt_target_version *e = &v->targets[k];

		archs = json_object();
		for (j = 0; j < a->cfg->narchs; j++)
			json_object_set_new(archs, a->cfg->archs[j],
			    json_string(arch_state_name(e->archs[j])));
		json_object_set_new(o, a->targets[k].cfg->name, json_pack(
		    "{s:s, s:o, s:o, s:o}",
		    "state", version_state_name(e->state),
		    "archs", archs,
		    "digest", json_str_or_null(e->digest),
		    "supply_chain", supply_json(cfg, &e->supply)));
	}
	return o;
}

/* The app's targets: image and where `latest` points on each. */
static json_t *
status_app_targets_json(const struct mt_app *a)
{
	json_t *o = json_object();
	size_t k;

	for (k = 0; k < a->ntargets; k++) {
		const struct mt_target *t = &a->targets[k];

		json_object_set_new(o, t->cfg->name, json_pack(
		    "{s:s, s:b, s:b, s:{s:o, s:o, s:b}}",
		    "image", t->image,
		    "primary", k == 0,
		    "unknown", k == 0 ? a->registry_unknown : t->unknown,
		    "latest",
		    "digest", json_str_or_null(k == 0 ? a->latest_digest :
		    t->latest_digest),
		    "version", json_str_or_null(k == 0 ? a->registry_latest :
		    t->latest_version),
		    "drift", k == 0 ? a->latest_drift : t->latest_drift));
	}
	return o;
}

/*
 * A version's "supply_chain" object; latest_requires (null without the
 * policy) says what the policy names and what of it the version lacks.
 */
static json_t *
supply_json(const struct config *cfg, const struct mt_supply *s)
{
	unsigned need = cfg->attest != NULL ? cfg->attest->latest_requires : 0;
	json_t *policy = json_null();
	json_t *found = json_array();
	size_t i;

	for (i = 0; i < s->nfound; i++)
		json_array_append_new(found, json_pack("{s:s, s:s, s:o, s:o}",
		    "kind", sc_kind_name(s->found[i].kind),
		    "via", sc_via_name(s->found[i].via),
		    "ref", json_untrusted(s->found[i].ref),
		    "subject", json_untrusted(s->found[i].subject)));
	if (need != 0)
		policy = json_pack("{s:o, s:o}", "kinds",
		    attest_kinds_json(need), "missing",
		    attest_kinds_json(attest_supply_missing(cfg, s)));
	return json_pack("{s:s, s:s, s:s, s:o, s:o}",
	    "signature", sc_state_name(s->state[SC_SIGNATURE]),
	    "sbom", sc_state_name(s->state[SC_SBOM]),
	    "provenance", sc_state_name(s->state[SC_PROVENANCE]),
	    "found", found,
	    "latest_requires", policy);
}

/*
 * Three marks: S (signature), B (SBOM), P (provenance) when present, '-'
 * when missing, '?' when the registry could not be asked.
 */
void
output_supply_marks(const struct mt_supply *s, char out[4])
{
	static const char letters[SC_NKINDS] = { 'S', 'B', 'P' };
	size_t k;

	for (k = 0; k < SC_NKINDS; k++)
		out[k] = s->state[k] == SC_PRESENT ? letters[k] :
		    s->state[k] == SC_MISSING ? '-' : '?';
	out[3] = '\0';
}

/* One version of the status document. */
static json_t *
status_version_json(const struct config *cfg, const struct mt_app *a,
    const struct mt_version *v)
{
	json_t *archs = json_object();
	size_t k;

	for (k = 0; k < a->cfg->narchs; k++)
		json_object_set_new(archs, a->cfg->archs[k],
		    json_string(arch_state_name(v->archs[k])));
	return json_pack("{s:s, s:o, s:s, s:o, s:o, s:b, s:s, s:o, s:o, s:o, "
	    "s:o}",
	    "version", v->version,
	    "tag", json_untrusted(v->tag),
	    "image_tag", v->image_tag,
	    "published_at", json_untrusted(v->published_at),
	    "html_url", json_str_or_null(v->html_url),
	    "is_latest", v->is_latest,
	    "state", version_state_name(v->state),
	    "archs", archs,
	    "digest", json_str_or_null(v->digest),
	    "targets", status_version_targets_json(cfg, a, v),
	    "supply_chain", supply_json(cfg, &v->supply));
}

/* mirrortop.status/v1 JSON. */
void
output_status_json(FILE *f, const struct mt_model *m)
{
	json_t *apps = json_array();
	char now[32];
	size_t i, j;

	time_iso8601(time(NULL), now, sizeof now);
	for (i = 0; i < m->napps; i++) {
		const struct mt_app *a = &m->apps[i];
		json_t *vs = json_array();

		for (j = 0; j < a->nversions; j++)
			json_array_append_new(vs,
			    status_version_json(m->cfg, a, &a->versions[j]));
		json_array_append_new(apps, json_pack(
		    "{s:s, s:s, s:o, s:b, s:i, s:{s:i, s:i, s:i, s:i}, s:o, "
		    "s:o, s:b, s:o, s:o}",
		    "name", a->cfg->name,
		    "image", a->image,
		    "error", json_untrusted(a->error),
		    "stale", a->stale,
		    "skipped_tags", a->skipped_tags,
		    "skipped",
		    "drafts", a->skipped.drafts,
		    "prereleases", a->skipped.prereleases,
		    "not_matching", a->skipped.not_matching,
		    "not_a_version", a->skipped.not_a_version,
		    "upstream_latest", json_str_or_null(a->upstream_latest),
		    "registry_latest", json_str_or_null(a->registry_latest),
		    "latest_drift", a->latest_drift,
		    "targets", status_app_targets_json(a),
		    "versions", vs));
	}
	json_print(f, json_pack("{s:s, s:s, s:s, s:s, s:o}",
	    "schema", "mirrortop.status/v1",
	    "generated_at", now,
	    "registry", m->cfg->registry,
	    "namespace", m->cfg->namespace,
	    "apps", apps), JSON_INDENT(2));
}

/* The CI matrix of design.md: builds per missing version x arch, merges. */
void
output_matrix_json(FILE *f, const struct mt_model *m)
{
	json_t *inc = json_array(), *merge = json_array();
	size_t i, j, k;

	for (i = 0; i < m->napps; i++) {
		const struct mt_app *a = &m->apps[i];
		const struct app_config *ac = a->cfg;

		if (a->error != NULL)
			continue;
		for (j = 0; j < a->nversions; j++) {
			const struct mt_version *v = &a->versions[j];
			json_t *archs = json_array();

			for (k = 0; k < ac->narchs; k++) {
				char *platform, *staging;

				json_array_append_new(archs,
				    json_string(ac->archs[k]));
				if (v->archs[k] != ARCH_MISSING)
					continue;
				platform = xasprintf("linux/%s", ac->archs[k]);
				staging = model_expand(m->cfg, a, v, ac->archs[k],
				    "{staging_ref}");
				json_array_append_new(inc, json_pack(
				    "{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:b,"
				    " s:s, s:s?}",
				    "app", ac->name,
				    "version", v->version,
				    "tag", json_untrusted(v->tag),
				    "image_tag", v->image_tag,
				    "arch", ac->archs[k],
				    "platform", platform,
				    "runner", config_runner(m->cfg, ac->archs[k]),
				    "is_latest", v->is_latest,
				    "image", a->image,
				    "staging_ref", staging));
				free(platform);
				free(staging);
			}
			if (ac->manifest && v->state != VERSION_COMPLETE)
				json_array_append_new(merge, json_pack(
				    "{s:s, s:s, s:s, s:o, s:b, s:s}",
				    "app", ac->name,
				    "version", v->version,
				    "image_tag", v->image_tag,
				    "archs", archs,
				    "is_latest", v->is_latest,
				    "image", a->image));
			else
				json_decref(archs);
		}
	}
	/* One line, so that it fits a $GITHUB_OUTPUT "matrix=..." line. */
	json_print(f, json_pack("{s:b, s:o, s:o}",
	    "has_builds", json_array_size(inc) > 0,
	    "include", inc,
	    "merge", merge), JSON_COMPACT);
}

/* The plan as text. */
void
output_plan_text(FILE *f, const struct plan *p)
{
	char *text = plan_text(p, 0);

	fputs(text, f);
	free(text);
}

/* The plan as mirrortop.plan/v1, one line. */
void
output_plan_json(FILE *f, const struct plan *p)
{
	char *text = plan_json(p);

	fprintf(f, "%s\n", text);
	free(text);
}
