/* pipeline/rules.h --- the rules on an inspection, before any write
 * (the pipeline's own: its commands use pipeline/pipeline.h) */
#ifndef FG_PIPELINE_RULES_H
#define FG_PIPELINE_RULES_H

#include "pipeline/pipeline.h"

/* Where one disk is written. */
struct pl_target {
  const char *path;
  enum fg_disk_format fmt;
  int replace;
};

/* Who the source is (NULLs: not identified; "unknown" counts as NULL). */
void pl_identity_set (struct fg_pipeline_report *rep, const char *os_type,
                      const char *distro, const char *version,
                      const char *arch);
/* The plan on IN into REP: 0 eligible (or --no-check), -1 refused
 * (REP->refused, E unset) or an error. */
int pl_plan (const struct fg_pipeline_opts *a, const struct fg_inspection *in,
             struct fg_pipeline_report *rep, struct fg_err *e);
/* With --no-check, each failing verdict as a warning. */
void pl_warn_ineligible (const struct fg_pipeline_opts *a,
                         const struct fg_pipeline_report *rep);
/* Identity, an operating system required, then the plan and its
 * warnings: what every writer runs on its inspection. */
int pl_precheck (const struct fg_pipeline_opts *a,
                 const struct fg_inspection *in,
                 struct fg_pipeline_report *rep, struct fg_err *e);

#endif
