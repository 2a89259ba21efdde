/* jobs/outcome.h --- what a finished child conversion comes to
 *
 * One rule for every runner of `fg2ng convert --json` children (batch
 * and the agent), so that the same run is the same outcome in both:
 *
 *   exit 0 with its JSON result      done
 *   exit 0 without one               failed, internal, retried
 *   the runner stopping, and the child ended by a signal, by 128+N or
 *   with exit 3 (failing because it was stopped)
 *                                    released: redone at the next start
 *   exit 1 with the check document   ineligible, with its failing verdicts
 *   exit 1 without it                failed, "refused" (an output another
 *                                    job has, ...): not retried
 *   exit 2                           failed, "input": the same input fails
 *                                    again, not retried
 *   exit 3                           failed, "internal" (the host: I/O, the
 *                                    appliance): retried
 *   any other exit (127: the program could not run)
 *                                    failed, "internal", not retried
 *   killed by a crash signal         failed, "internal", not retried
 *   killed by another signal         failed, "signal", retried
 *                                    (jobs/child.h, fg_child_killed)
 *
 * "Retried" means retryable: the job store decides whether attempts are
 * left (fg_store_fail).
 *
 * The message and hint of a failure are the child's own: the JSON error
 * object convert --json prints on stdout (doc/error.schema.json); only a
 * child that printed none (a crash, a program that could not run) is
 * read back from its stderr tail.  The kind is the exit code's, above.
 */
#ifndef FG_JOBS_OUTCOME_H
#define FG_JOBS_OUTCOME_H

#include <jansson.h>
#include <stddef.h>

#include "util/err.h"

enum fg_run_end {
  FG_RUN_DONE,
  FG_RUN_RELEASE,
  FG_RUN_INELIGIBLE,
  FG_RUN_FAIL,
};

struct fg_run_outcome {
  enum fg_run_end end;
  const char *kind;             /* FG_RUN_FAIL: "input", "refused",
                                   "internal", "signal" */
  int retryable;
  char msg[FG_ERR_MSG_MAX];     /* the failure, one line; ineligible:
                                   "not eligible: RULE: MESSAGE; ..." */
  char hint[FG_ERR_HINT_MAX];
  char *result;                 /* FG_RUN_DONE: the result, compact JSON
                                   with sorted keys (malloc'd) */
  json_t *doc;                  /* FG_RUN_INELIGIBLE: the check document */
  json_t *failing;              /* FG_RUN_INELIGIBLE: its failing verdicts */
};

/* Classify a reaped child: STATUS from waitpid, STOPPING when the runner
 * is stopping on purpose, OUT/OUT_LEN its stdout (the JSON it printed),
 * LOG its stderr tail, OUTPUT
 * the job's output (what a child killed by a signal left beside it is
 * removed, telling REMOVED).  O is filled; release it with
 * fg_run_outcome_release. */
void fg_run_outcome (int status, int stopping, const char *out,
                     size_t out_len, const char *log, const char *output,
                     void (*removed) (const char *dir, const char *name,
                                      void *opaque),
                     void *opaque, struct fg_run_outcome *o);

void fg_run_outcome_release (struct fg_run_outcome *o);

#endif
