/* cli/batch.h --- what the files of `fg2ng batch` share
 *
 * cmd_batch.c parses the command line and runs the steps; batch_jobs.c
 * loads the manifest and puts its jobs in the store (and the dry run);
 * batch_pool.c runs them through the job runner (jobs/runner.h);
 * batch_log.c writes each job's log file; batch_display.c shows the
 * progress (a live display or JSON lines); batch_summary.c prints and
 * writes the summary.
 */
#ifndef FG_CLI_BATCH_H
#define FG_CLI_BATCH_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "util/progress.h"
#include "jobs/manifest.h"
#include "jobs/runner.h"
#include "jobs/store.h"

#define MAX_WORKERS FG_RUNNER_MAX
/* A progress event is one short line; longer lines are text, not events. */
#define LINE_MAX_EVENT 1024
/* The live display: redrawn at most this often (seconds). */
#define DRAW_PERIOD 0.25

/* How the batch shows its progress on stderr. */
enum show { SHOW_NONE, SHOW_LIVE, SHOW_JSON };

struct batch_args {
  const char *manifest;
  const char *state, *summary, *logs;
  char *state_buf, *summary_buf, *logs_buf;
  unsigned jobs;
  int retries;
  int json, dry_run, status, retry_failed, strict;
  enum fg_progress_mode progress;
  enum show show;
  unsigned shard_k, shard_n;  /* 0/0: no sharding */
  char queue[64];
};

/* What batch keeps of each running child beside the runner's slot (the
 * same index). */
struct worker {
  int log_fd;                 /* the job's log file, or -1 */
  char line[LINE_MAX_EVENT];  /* stderr's current line, while short */
  size_t line_len;
  int line_long;              /* the current line outgrew LINE */
  char phase[24];             /* the child's last progress event */
  uint64_t pdone, ptotal;
  double last_relay;          /* when a progress event was last relayed */
  double started_at;          /* Unix time */
};

/* What the shard's jobs have come to, kept up to date as they finish. */
struct tally {
  unsigned long done, ineligible, failed, pending, running;
};

struct batch {
  struct batch_args *a;
  struct fg_manifest m;
  unsigned char *in_shard;    /* per manifest job */
  size_t total;               /* jobs in the shard */
  struct fg_store *store;
  struct fg_runner *runner;
  struct worker w[MAX_WORKERS];
  int fatal;                  /* the store failed: stop */
  struct fg_err err;
  struct tally tally;
  unsigned long finished_here;        /* jobs this run took to an end */
  struct timespec t0;
  struct timespec last_draw;
  int drawn_lines;            /* the live display's height on screen */
};

/* batch_jobs.c */
/* Load the manifest, its shard, the store if there is one, and check
 * every job's files: -1 (B->err) when nothing may start. */
int batch_load (struct batch *b);
int batch_skip_checks (const struct fg_manifest_job *mj, void *opaque);
int batch_add_jobs (struct batch *b);
int batch_reject_jobs (struct batch *b);
int batch_make_logs_dir (struct batch *b);
int batch_dry_run (struct batch *b);

/* batch_pool.c: run the jobs until nothing is pending and nothing runs,
 * or a signal stops it (0); -1 when the store failed (B->err). */
int batch_run_pool (struct batch *b);

/* batch_log.c */
char *batch_log_path (const struct batch *b, const char *key);
void batch_quote_to (FILE *f, const char *s);
void batch_open_log (struct batch *b, const struct fg_runner_child *c,
                     char **argv);
void batch_log_write (struct batch *b, const struct fg_runner_child *c,
                      const char *data, size_t n);
void batch_log_printf (struct batch *b, const struct fg_runner_child *c,
                       const char *fmt, ...) FG_PRINTF(3, 4);
void batch_log_footer (struct batch *b, const struct fg_runner_child *c,
                       const char *outcome, int status, double secs);
void batch_log_close (struct batch *b, const struct fg_runner_child *c);

/* batch_display.c */
void batch_tally_json (const struct batch *b, json_t *o);
void batch_emit_json (json_t *o);
void batch_live_erase (struct batch *b);
void batch_live_draw (struct batch *b, int force);
/* A job event: a JSON line or a line above the live display.  EVENT is
 * "start", "done", "ineligible", "failed", "retry" or "interrupted"; C
 * the job's child, or NULL for a job failed before it started (KEY
 * names it). */
void batch_report_job (struct batch *b, const char *event,
                       const struct fg_runner_child *c, const char *key,
                       double secs, const char *kind, const char *msg,
                       json_t *verdicts);
void batch_warn_sink (const char *msg, void *opaque);
int batch_progress_line (struct batch *b, const struct fg_runner_child *c,
                         const char *line, size_t len);

/* batch_summary.c */
const char *batch_outcome_of (const struct fg_job *j, int found);
char *batch_retry_command (const struct batch *b);
/* Print the summary (a table, or JSON with --json) and write it to the
 * summary file unless NO_FILE: 0 every job done, 1 not, -1 the store
 * failed. */
int batch_summary (struct batch *b, int no_file);

#endif
