/*
 * output-metrics.c — `mirrortop status --format openmetrics`: the model as
 * an OpenMetrics 1.0 text exposition, for node_exporter's textfile
 * collector and anything else that scrapes Prometheus metrics.
 *
 * Every family is printed whole before the next one (families and metrics
 * must not interleave), with TYPE, UNIT and HELP in that order, and the
 * exposition ends with "# EOF". Label values are escaped as the
 * specification says; app names and versions are already validated, but
 * are escaped anyway. Only the types that the Prometheus text format also
 * knows (gauge) are used, so that node_exporter reads the same file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "util.h"

/* What one family prints for one app (returns without printing to skip). */
typedef void (*metric_fn)(FILE *, const struct mt_app *, time_t now);

struct metric_family {
	const char	*name;		/* without the mirrortop_ prefix */
	const char	*type;		/* gauge, info */
	const char	*unit;		/* or NULL */
	const char	*help;
	metric_fn	 print;
};

/* Print a label value with OpenMetrics escaping. */
static void
om_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/*
 * One sample: name{app="...", target="..." when t is not NULL, then one
 * more label when k1 is not NULL.
 */
static void
om_target_sample(FILE *f, const char *name, const struct mt_app *a,
    const struct mt_target *t, const char *k1, const char *v1,
    long long value)
{
	fprintf(f, "mirrortop_%s{app=\"", name);
	om_value(f, a->cfg->name);
	fputc('"', f);
	if (t != NULL) {
		fputs(",target=\"", f);
		om_value(f, t->cfg->name);
		fputc('"', f);
	}
	if (k1 != NULL) {
		fprintf(f, ",%s=\"", k1);
		om_value(f, v1);
		fputc('"', f);
	}
	fprintf(f, "} %lld\n", value);
}

/* A sample of the app (its primary's view), with one label or none. */
static void
om_sample(FILE *f, const char *name, const struct mt_app *a,
    const char *k1, const char *v1, long long value)
{
	om_target_sample(f, name, a, NULL, k1, v1, value);
}

/*
 * Parse an upstream date, "YYYY-MM-DDTHH:MM:SS" with optional fraction
 * and "Z" or a "+HH:MM" offset. 0 when it is not that.
 */
static time_t
om_parse_date(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se, n = 0, oh, om;
	const char *p;
	time_t t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d,
	    &h, &mi, &se, &n) != 6 || n == 0)
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60 || y < 1970)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (strcmp(p, "Z") == 0)
		return t;
	if ((p[0] == '+' || p[0] == '-') &&
	    sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 && strlen(p) == 6) {
		long off = (long)oh * 3600 + (long)om * 60;

		return p[0] == '+' ? t - off : t + off;
	}
	return 0;
}

/* The version of the app that is the upstream latest, or NULL. */
static const struct mt_version *
om_latest(const struct mt_app *a)
{
	size_t i;

	if (a->upstream_latest == NULL)
		return NULL;
	for (i = 0; i < a->nversions; i++)
		if (strcmp(a->versions[i].version, a->upstream_latest) == 0)
			return &a->versions[i];
	return NULL;
}

/* Versions in the window by state; nothing when the check failed. */
static void
om_versions(FILE *f, const struct mt_app *a, time_t now)
{
	static const enum version_state states[] = {
		VERSION_COMPLETE, VERSION_STAGED, VERSION_PARTIAL,
		VERSION_MISSING,
	};
	size_t i, j, n;

	if (a->error != NULL)
		return;
	for (i = 0; i < MT_ARRAY_LEN(states); i++) {
		for (j = n = 0; j < a->nversions; j++)
			if (a->versions[j].state == states[i])
				n++;
		om_sample(f, "versions", a, "state",
		    version_state_name(states[i]), (long long)n);
	}
}

/*
 * Versions in the window by state on each of the app's targets (the
 * primary included); nothing for a target that could not be asked.
 */
static void
om_target_versions(FILE *f, const struct mt_app *a, time_t now)
{
	static const enum version_state states[] = {
		VERSION_COMPLETE, VERSION_STAGED, VERSION_PARTIAL,
		VERSION_MISSING, VERSION_DIFFERS,
	};
	size_t i, j, k, n;

	if (a->error != NULL)
		return;
	for (k = 0; k < a->ntargets; k++) {
		if (a->targets[k].unknown)
			continue;
		for (i = 0; i < MT_ARRAY_LEN(states); i++) {
			for (j = n = 0; j < a->nversions; j++)
				if (k < a->versions[j].ntargets &&
				    a->versions[j].targets[k].state ==
				    states[i])
					n++;
			om_target_sample(f, "target_versions", a,
			    &a->targets[k], "state",
			    version_state_name(states[i]), (long long)n);
		}
	}
}

/* 1 when a target's `latest` is not the upstream latest. */
static void
om_target_latest_drift(FILE *f, const struct mt_app *a, time_t now)
{
	size_t k;

	if (a->error != NULL || a->upstream_latest == NULL)
		return;
	for (k = 0; k < a->ntargets; k++)
		if (!a->targets[k].unknown)
			om_target_sample(f, "target_latest_drift", a,
			    &a->targets[k], NULL, NULL,
			    a->targets[k].latest_drift ? 1 : 0);
}

/* Per arch, the versions of the window that lack it (not even staged). */
static void
om_missing_archs(FILE *f, const struct mt_app *a, time_t now)
{
	size_t i, j, n;

	if (a->error != NULL)
		return;
	for (i = 0; i < a->cfg->narchs; i++) {
		for (j = n = 0; j < a->nversions; j++)
			if (a->versions[j].archs[i] == ARCH_MISSING)
				n++;
		om_sample(f, "missing_archs", a, "arch", a->cfg->archs[i],
		    (long long)n);
	}
}

/* 1 when `latest` is not the upstream latest. */
static void
om_latest_drift(FILE *f, const struct mt_app *a, time_t now)
{
	if (a->error != NULL || a->upstream_latest == NULL)
		return;
	om_sample(f, "latest_drift", a, NULL, NULL, a->latest_drift ? 1 : 0);
}

/* The upstream latest and what `latest` points at, as labels. */
static void
om_latest_info(FILE *f, const struct mt_app *a, time_t now)
{
	if (a->error != NULL || a->upstream_latest == NULL)
		return;
	fputs("mirrortop_latest_version{app=\"", f);
	om_value(f, a->cfg->name);
	fputs("\",upstream=\"", f);
	om_value(f, a->upstream_latest);
	fputs("\",registry=\"", f);
	om_value(f, a->registry_latest != NULL ? a->registry_latest : "");
	fputs("\"} 1\n", f);
}

/*
 * How long the newest upstream release has waited to be mirrored: 0 once
 * it is complete, else the seconds since upstream published it.
 */
static void
om_unmirrored(FILE *f, const struct mt_app *a, time_t now)
{
	const struct mt_version *v;
	time_t t;

	if (a->error != NULL || (v = om_latest(a)) == NULL)
		return;
	if (v->state == VERSION_COMPLETE) {
		om_sample(f, "newest_release_unmirrored_seconds", a, NULL, NULL,
		    0);
		return;
	}
	if ((t = om_parse_date(v->published_at)) == 0)
		return;		/* unknown: better absent than wrong */
	om_sample(f, "newest_release_unmirrored_seconds", a, NULL, NULL,
	    now > t ? (long long)(now - t) : 0);
}

/* When upstream published its newest release. */
static void
om_published(FILE *f, const struct mt_app *a, time_t now)
{
	const struct mt_version *v;
	time_t t;

	if (a->error != NULL || (v = om_latest(a)) == NULL ||
	    (t = om_parse_date(v->published_at)) == 0)
		return;
	om_sample(f, "newest_release_timestamp_seconds", a, NULL, NULL,
	    (long long)t);
}

/* When the app was last refreshed (with or without success). */
static void
om_last_refresh(FILE *f, const struct mt_app *a, time_t now)
{
	if (a->last_refresh == 0)
		return;
	om_sample(f, "last_refresh_timestamp_seconds", a, NULL, NULL,
	    (long long)a->last_refresh);
}

/* 1 when the app could not be checked. */
static void
om_error(FILE *f, const struct mt_app *a, time_t now)
{
	om_sample(f, "refresh_error", a, NULL, NULL, a->error != NULL);
}

/* Upstream tags that did not make a version. */
static void
om_skipped(FILE *f, const struct mt_app *a, time_t now)
{
	if (a->error != NULL)
		return;
	om_sample(f, "skipped_tags", a, NULL, NULL, a->skipped_tags);
}

static const struct metric_family families[] = {
	{ .name = "versions", .type = "gauge",
	  .help = "Versions in the window by state.", .print = om_versions },
	{ .name = "target_versions", .type = "gauge",
	  .help = "Versions in the window by state on each target (differs: "
	  "the tag holds another digest than the primary's).",
	  .print = om_target_versions },
	{ .name = "target_latest_drift", .type = "gauge",
	  .help = "1 when a target's latest is not the upstream latest.",
	  .print = om_target_latest_drift },
	{ .name = "missing_archs", .type = "gauge",
	  .help = "Versions in the window without this arch, not even staged.",
	  .print = om_missing_archs },
	{ .name = "latest_drift", .type = "gauge",
	  .help = "1 when the registry's latest is not the upstream latest.",
	  .print = om_latest_drift },
	/*
	 * A gauge of 1 rather than an info family: node_exporter's textfile
	 * collector reads the Prometheus text format, which has no info
	 * type.
	 */
	{ .name = "latest_version", .type = "gauge",
	  .help = "Always 1: the upstream latest version and the one latest "
	  "points at.",
	  .print = om_latest_info },
	{ .name = "newest_release_unmirrored_seconds", .type = "gauge",
	  .unit = "seconds",
	  .help = "Seconds the newest upstream release has waited to be "
	  "complete in the registry; 0 once it is.",
	  .print = om_unmirrored },
	{ .name = "newest_release_timestamp_seconds", .type = "gauge",
	  .unit = "seconds",
	  .help = "When upstream published its newest release.",
	  .print = om_published },
	{ .name = "last_refresh_timestamp_seconds", .type = "gauge",
	  .unit = "seconds",
	  .help = "When the app was last refreshed.",
	  .print = om_last_refresh },
	{ .name = "refresh_error", .type = "gauge",
	  .help = "1 when the last refresh could not check the app.",
	  .print = om_error },
	{ .name = "skipped_tags", .type = "gauge",
	  .help = "Upstream tags that did not make a version.",
	  .print = om_skipped },
};

void
output_status_openmetrics(FILE *f, const struct mt_model *m, time_t now)
{
	size_t i, j;

	for (i = 0; i < MT_ARRAY_LEN(families); i++) {
		const struct metric_family *fam = &families[i];

		fprintf(f, "# TYPE mirrortop_%s %s\n", fam->name, fam->type);
		if (fam->unit != NULL)
			fprintf(f, "# UNIT mirrortop_%s %s\n", fam->name,
			    fam->unit);
		fprintf(f, "# HELP mirrortop_%s %s\n", fam->name, fam->help);
		for (j = 0; j < m->napps; j++)
			fam->print(f, &m->apps[j], now);
	}
	fputs("# EOF\n", f);
}
