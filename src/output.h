/* output.h — the CLI printers: status table, status JSON, matrix JSON. */
#ifndef MT_OUTPUT_H
#define MT_OUTPUT_H

#include <stdio.h>
#include "model.h"

/* Table for humans; colour when use_colour. */
void	output_status_table(FILE *, const struct mt_model *, int use_colour);
/* mirrortop.status/v1 JSON. */
void	output_status_json(FILE *, const struct mt_model *);
/* The CI matrix JSON of design.md. */
void	output_matrix_json(FILE *, const struct mt_model *);
/* Whether to colour: a terminal, NO_COLOR unset, TERM not dumb. */
int	output_use_colour(FILE *);

#endif
