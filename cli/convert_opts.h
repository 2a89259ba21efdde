/* cli/convert_opts.h --- `fg2ng convert`'s options, parsed
 *
 * Only cli/cmd_convert.c includes this.
 */
#ifndef FG_CLI_CONVERT_OPTS_H
#define FG_CLI_CONVERT_OPTS_H

#include "pipeline/pipeline.h"

struct convert_args {
  struct fg_pipeline_opts p;      /* what the pipeline is asked to do */
  const char *format;             /* --format, else OUT's name says */
  int json, quiet, dry_run;
  const char *os_cloud;           /* --os-cloud: a swift:// source's cloud */
  int insecure;                   /* --insecure: TLS not verified */
};

/* ARGV into A (zeroed by the caller): -1 to go on, else the exit code
 * of a usage error (already printed). */
int fg_convert_parse_args (int argc, char **argv, struct convert_args *a);

/* --format resolved, or the format guessed from OUT's name: -1 to go
 * on, else the exit code of a usage error. */
int fg_convert_output_format (struct convert_args *a);

#endif
