/* pipeline/staged.h --- conversions through one libguestfs appliance on
 * a scratch copy beside the output (the pipeline's own) */
#ifndef FG_PIPELINE_STAGED_H
#define FG_PIPELINE_STAGED_H

#include "pipeline/rules.h"

/* File-level PARTS written (FO) to a scratch disk, the initramfs rebuilt
 * by the guest's own tool, the scratch packed into T. */
int pl_file_staged (const struct fg_pipeline_opts *a,
                    const struct fg_parts *parts, struct fg_file_opts *fo,
                    const struct pl_target *t,
                    struct fg_pipeline_report *rep, struct fg_err *e);
/* Block level (PARTS, or NULL: the disk file the source names): the
 * rules and the fixups inside the guest, the scratch packed into T. */
int pl_block_staged (const struct fg_pipeline_opts *a,
                     const struct fg_parts *parts, const struct pl_target *t,
                     struct fg_pipeline_report *rep, struct fg_err *e);

#endif
