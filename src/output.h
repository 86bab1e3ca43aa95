/* output.h — the CLI printers: status table, status JSON, matrix JSON. */
#ifndef MT_OUTPUT_H
#define MT_OUTPUT_H

#include <stdio.h>
#include <time.h>
#include "model.h"

/* Table for humans; colour when use_colour. */
void	output_status_table(FILE *, const struct mt_model *, int use_colour);
/* mirrortop.status/v1 JSON. */
void	output_status_json(FILE *, const struct mt_model *);
/* OpenMetrics 1.0 text exposition of the status (output-metrics.c); now
 * is the wall clock the ages are measured from. */
void	output_status_openmetrics(FILE *, const struct mt_model *, time_t now);
/* A version's three supply-chain marks: S/B/P present, '-' missing, '?'
 * unknown (signature, SBOM, provenance). */
void	output_supply_marks(const struct mt_supply *, char out[4]);
/* The CI matrix JSON of design.md. */
void	output_matrix_json(FILE *, const struct mt_model *);

struct plan;
/* A plan as text (the steps, then what is up to date or withheld; what
 * cannot be done is for stderr), and the mirrortop.plan/v1 document. */
void	output_plan_text(FILE *, const struct plan *);
void	output_plan_json(FILE *, const struct plan *);
/* Whether to colour: a terminal, NO_COLOR unset, TERM not dumb. */
int	output_use_colour(FILE *);

struct event;
/* `mirrortop events`: one line per event, oldest first. */
void	output_events_table(FILE *, struct event *const *, size_t n,
	    int use_colour);
/* mirrortop.events/v1 JSON. */
void	output_events_json(FILE *, struct event *const *, size_t n);

#endif
