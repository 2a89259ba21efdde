/* jobs/runner.h --- one pool of conversion children for batch and the agent
 *
 * Both run each job as a child `fg2ng convert ... --json` (jobs/child.h)
 * and sleep in poll() over the children's pipes and the wake pipe of
 * their signals (jobs/wake.h).  The runner is that loop: it starts a
 * child for a claimed job, reads its stdout (the JSON it prints, up to
 * FG_RUNNER_MAX_RESULT) and its stderr (its last FG_RUNNER_LOG_TAIL
 * bytes, or whatever the caller keeps of it), reaps it, classifies the
 * run by the one rule (jobs/outcome.h) and hands the outcome to the
 * caller, who records it (fg_runner_record) and tells its own audience
 * (batch's display and logs, the agent's log).  What a run comes to is
 * never decided anywhere else.
 *
 * The caller claims the jobs (fg_store_claim) and builds the command
 * line; per-child data of its own it keeps in an array indexed by
 * fg_runner_child.index.  One thread only: the one that forked the
 * children (PR_SET_PDEATHSIG follows the forking thread).
 */
#ifndef FG_JOBS_RUNNER_H
#define FG_JOBS_RUNNER_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "jobs/child.h"
#include "jobs/outcome.h"
#include "jobs/store.h"
#include "util/err.h"

#define FG_RUNNER_MAX 256
/* The stderr kept of each conversion: its last words are what explain a
 * failure (batch writes the whole of it to the job's log file). */
#define FG_RUNNER_LOG_TAIL 16384
/* A conversion's JSON result is a few KiB; more is a runaway, judged by
 * its exit status alone. */
#define FG_RUNNER_MAX_RESULT (16u << 20)

struct fg_runner_child {
  pid_t pid;                  /* 0: a free slot */
  unsigned index;             /* its place, 0 .. max-1 */
  struct fg_job job;          /* filled by the caller's claim; released
                                 when the child has been handed over */
  int fd[2];                  /* its stdout and stderr; -1 at EOF */
  struct fg_buf out, err;     /* its stdout; its stderr's tail */
  struct timespec t0;         /* when it started (CLOCK_MONOTONIC) */
};

struct fg_runner_ops {
  /* Is the runner stopping on purpose (a signal, a shutdown)?  A child
   * that ends cut off then is released, to be redone (jobs/outcome.h). */
  int (*stopping) (void *opaque);
  /* Optional: the child's stderr as it comes, and once more with DATA
   * NULL and N 0 when it has ended, before on_end.  The caller keeps
   * what matters in C->err (fg_buf_add with FG_RUNNER_LOG_TAIL).
   * Without it, the runner keeps the tail of everything. */
  void (*on_stderr) (void *opaque, struct fg_runner_child *c,
                     const char *data, size_t n);
  /* The child has been reaped: STATUS from waitpid, OC what the run
   * comes to, SECS how long it ran.  The slot is freed after (its job
   * released). */
  void (*on_end) (void *opaque, struct fg_runner_child *c, int status,
                  const struct fg_run_outcome *oc, double secs);
  /* Optional: told of each temporary removed beside a job's output
   * (what a killed run left, jobs/child.h). */
  void (*removed) (void *opaque, const struct fg_job *j, const char *dir,
                   const char *name);
};

struct fg_runner;

/* A pool of at most MAX (<= FG_RUNNER_MAX) children; NULL when out of
 * memory. */
struct fg_runner *fg_runner_new (unsigned max,
                                 const struct fg_runner_ops *ops,
                                 void *opaque);
void fg_runner_free (struct fg_runner *r);

/* A free slot, its job empty (fg_job_init), for the caller to claim a
 * job into; NULL when MAX children run. */
struct fg_runner_child *fg_runner_slot (struct fg_runner *r);

/* Slot I if a child runs in it, else NULL (for a display). */
struct fg_runner_child *fg_runner_at (struct fg_runner *r, unsigned i);

unsigned fg_runner_running (const struct fg_runner *r);

/* Whether a new run of C's job must redo its output (--force): a run
 * cut off (or killed) may have renamed its output into place just
 * before the end.  Not after an input error or a refusal, which may be
 * "the output already exists" of a file that is not this job's.  When
 * it must, what an earlier run left beside the output is removed now
 * (ops->removed is told). */
int fg_runner_redo (struct fg_runner *r, struct fg_runner_child *c);

/* Start ARGV (jobs/child.h) for the job in slot C.  On failure the slot
 * stays free and its job is the caller's to fail and release. */
int fg_runner_spawn (struct fg_runner *r, struct fg_runner_child *c,
                     char *const argv[], struct fg_err *e);

/* Sleep in poll() at most TIMEOUT_MS for the children's output and the
 * wake pipe; read what came, and hand over every child that ended
 * (ops->on_end).  Returns how many ended, or -1 if poll failed. */
int fg_runner_wait (struct fg_runner *r, int timeout_ms);

/* Send SIG to every running child. */
void fg_runner_signal (struct fg_runner *r, int sig);

/* Wait for every child still running without recording anything: the
 * store failed, their jobs stay running in it and the next start
 * recovers them; none may run on unseen. */
void fg_runner_abandon (struct fg_runner *r);

/* Record in S what run OC of job ID came to (jobs/outcome.h): done with
 * its result, released (pending again), ineligible (failed for good,
 * with REFUSAL_JSON, the document that explains it, or the whole check
 * document if NULL), failed (pending again while retryable and tries
 * are left).  LOG is the stderr tail.  Returns the job's state now, or
 * -1. */
int fg_runner_record (struct fg_store *s, int64_t id,
                      const struct fg_run_outcome *oc,
                      const char *refusal_json, const char *log,
                      struct fg_err *e);

/* The claimed job J may not run: its output is the file of job
 * J->output_taken_by, done or being written (fg_store_claim).  WHY is
 * set to that refusal (FG_E_REFUSED, no hint: the caller adds one).
 * Returns 0, or -1 with E if the store failed or lost that job. */
int fg_runner_taken (struct fg_store *s, const struct fg_job *j,
                     struct fg_err *why, struct fg_err *e);

#endif
