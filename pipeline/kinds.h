/* pipeline/kinds.h --- each kind of source: how it is inspected, how
 * it is written (the pipeline's own) */
#ifndef FG_PIPELINE_KINDS_H
#define FG_PIPELINE_KINDS_H

#include "pipeline/rules.h"

/* The source probed, and written to T as its kind is. */
int pl_write_disk (const struct fg_pipeline_opts *a, const struct pl_target *t,
                   struct fg_pipeline_report *rep, struct fg_err *e);
/* The source probed, and inspected as its kind is (IN initialised). */
int pl_inspect (const char *source, enum fg_progress_mode pm,
                struct fg_inspection *in, struct fg_err *e);

#endif
