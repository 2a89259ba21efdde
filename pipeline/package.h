/* pipeline/package.h --- the Glance bundle around the converted disk
 * (the pipeline's own) */
#ifndef FG_PIPELINE_PACKAGE_H
#define FG_PIPELINE_PACKAGE_H

#include "pipeline/pipeline.h"

/* The source written as a hidden VHD beside the output, packed with its
 * image properties into the bundle A->output. */
int pl_write_bundle (const struct fg_pipeline_opts *a,
                     struct fg_pipeline_report *rep, struct fg_err *e);

#endif
