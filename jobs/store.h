/* jobs/store.h --- the durable job store shared by `batch` and `agent`
 *
 * One SQLite database in WAL mode with synchronous=FULL, one row per job,
 * and exactly one transaction per state change:
 *
 *   pending ──claim──► running ──finish──────────────────────► done
 *      ▲                  │ ──fail (not retryable, or no tries left)─► failed
 *      │                  │ ──fail (retryable, tries left)─┐
 *      └─release/recover──┴────────────────────────────────┘
 *
 * A crash at any instant therefore leaves each job pending (not started),
 * done (its result committed with the state), failed, or running under a
 * worker that no longer exists.  fg_store_recover() puts the last kind
 * back to pending, to be redone from the start: that is safe because an
 * output appears under its final name only when it is complete
 * (util/outfile.h), so an interrupted job left nothing to clean up there.
 *
 * Every transition is also appended to an `events` table in the same
 * transaction: the history operations (and the tests) read to see that a
 * job was done exactly once.
 *
 * A worker is named by its pid, the host name, the boot id of the kernel
 * and the pid's start time, so that neither a reboot nor the reuse of a
 * pid can make a dead worker look alive.  A handle is for one process:
 * never use it on both sides of a fork().
 */
#ifndef FG_JOBS_STORE_H
#define FG_JOBS_STORE_H

#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* The schema this code reads and writes (PRAGMA user_version).  Older
 * stores are migrated when opened; a newer one is refused.
 *   1  the jobs and their events
 *   2  jobs.output_id, the identity of each job's output (util/path.h) */
#define FG_STORE_SCHEMA 2

enum fg_job_state {
  FG_JOB_PENDING = 0,
  FG_JOB_RUNNING,
  FG_JOB_DONE,
  FG_JOB_FAILED,
};
#define FG_JOB_NSTATES 4

/* A job as stored.  Strings are owned (fg_job_release); NULL where the
 * column is NULL. */
struct fg_job {
  int64_t id;                 /* row id, stable for the job's life */
  char *key;                  /* the caller's unique name ("web01") */
  char *queue;                /* "batch", "agent", ... */
  char *source, *output;
  char *options;              /* JSON object text */
  enum fg_job_state state;
  int runs;                   /* times claimed, whatever became of it */
  int attempts;               /* failed runs, counted against retries */
  pid_t worker_pid;           /* the claimer, while running (else 0) */
  char *worker_host;
  double created_at, started_at, finished_at;   /* Unix time; 0 = never */
  char *result;               /* done: JSON text */
  char *error_kind;           /* failed (or retried): fg_err_kind_name */
  char *error_message, *error_hint;
  char *log;                  /* the worker's last words (stderr tail) */
  char *output_id;            /* the output as a file (util/path.h), as of
                               * the last claim; NULL if it has none */
  /* Not a column: set by fg_store_claim when another job, done or
   * running, has the same output file (the key of that job, done ones
   * first).  The claimer must not write: it fails the job instead. */
  char *output_taken_by;
};

struct fg_store;

/* Counts per state, for the summary. */
struct fg_store_counts {
  unsigned long n[FG_JOB_NSTATES];
  unsigned long total;
};

enum {
  FG_STORE_CREATE = 1,        /* create PATH if it does not exist */
};

/* Open (and with FG_STORE_CREATE, create) the store at PATH: validates
 * the path, sets WAL and synchronous=FULL, creates or checks the schema.
 * Errors read "'PATH': ..." with a hint. */
struct fg_store *fg_store_open (const char *path, int flags, struct fg_err *e);
void fg_store_close (struct fg_store *s);
const char *fg_store_path (const struct fg_store *s);

/* How many failed runs a retryable failure may have before the job is
 * failed for good (default 1: one retry). */
void fg_store_set_retries (struct fg_store *s, int retries);

/* Group several adds into one transaction (a manifest goes in whole or
 * not at all, and thousands of adds cost one fsync).  State changes
 * never need this: each is its own transaction. */
int fg_store_begin (struct fg_store *s, struct fg_err *e);
int fg_store_commit (struct fg_store *s, struct fg_err *e);
void fg_store_rollback (struct fg_store *s);

/* Add a pending job.  Idempotent on KEY: returns 1 if added, 0 if a job
 * with the same key, queue, source, output and options is already there
 * (whatever its state), -1 with an FG_E_INPUT error if KEY exists with
 * different values (the store would silently run the old ones).  One
 * exception: a job rejected before it ever ran (fg_store_reject: failed,
 * no run) takes the new source, output and options and stays failed
 * (returns 0): nothing of it exists to protect, and the entry as fixed
 * is what fg_store_retry_failed must put back in line.
 * OPTIONS_JSON may be NULL for "{}". */
int fg_store_add (struct fg_store *s, const char *queue, const char *key,
                  const char *source, const char *output,
                  const char *options_json, struct fg_err *e);

/* Atomically (BEGIN IMMEDIATE) move the oldest pending job of QUEUE (any
 * queue if NULL) to running under WORKER_PID on this host, and fill JOB
 * with it (after the change).  Returns 1 if a job was claimed, 0 if none
 * is pending, -1 on error.  No two claimers ever get the same job.
 * The job's output identity is taken now, just before it is written
 * (output_id), and compared in the same transaction with every other
 * job's, in any queue: JOB->output_taken_by names a job that is done
 * with the same output or writing it, and the claimer must then fail
 * the job rather than write (with or without --force).  So no output
 * another job finished is ever replaced, and no two conversions ever
 * write one file, however the paths were spelled. */
int fg_store_claim (struct fg_store *s, const char *queue, pid_t worker_pid,
                    struct fg_job *job, struct fg_err *e);

/* running -> done, with the result (JSON text, may be NULL) and the
 * worker's log tail (may be NULL). */
int fg_store_finish (struct fg_store *s, int64_t id, const char *result_json,
                     const char *log, struct fg_err *e);

/* A run failed.  KIND is an fg_err_kind_name ("input", "io", ...) or
 * "signal"; HINT and LOG may be NULL.  If RETRYABLE and the job has
 * failed at most `retries` times, it goes back to pending; else to
 * failed.  Returns the new state, or -1. */
int fg_store_fail (struct fg_store *s, int64_t id, const char *kind,
                   const char *message, const char *hint, const char *log,
                   int retryable, struct fg_err *e);

/* running -> pending without counting a failure: the run was interrupted
 * on purpose (SIGINT/SIGTERM to the batch) and is to be redone. */
int fg_store_release (struct fg_store *s, int64_t id, struct fg_err *e);

/* At start-up: every running job whose worker is gone (not alive on this
 * host, or from an earlier boot) goes back to pending, one transaction
 * each.  Jobs running on another host are left alone and counted in
 * *FOREIGN (may be NULL): this host cannot tell whether they live.
 * Returns the number of jobs recovered, or -1. */
int fg_store_recover (struct fg_store *s, unsigned *foreign, struct fg_err *e);

/* Every failed job of QUEUE (any if NULL) back to pending with its
 * failures forgotten (--retry-failed).  Returns how many, or -1. */
int fg_store_retry_failed (struct fg_store *s, const char *queue,
                           struct fg_err *e);

/* The job named KEY: 1 found (JOB filled), 0 absent, -1 error. */
int fg_store_get (struct fg_store *s, const char *key, struct fg_job *job,
                  struct fg_err *e);

/* Counts per state of QUEUE (all if NULL). */
int fg_store_count (struct fg_store *s, const char *queue,
                    struct fg_store_counts *c, struct fg_err *e);

void fg_job_init (struct fg_job *job);
void fg_job_release (struct fg_job *job);

/* "pending", "running", "done", "failed"; and back (-1 if unknown). */
const char *fg_job_state_name (enum fg_job_state st);
int fg_job_state_parse (const char *s);

/* running -> failed, for good (not retryable, whatever --retries says),
 * with KIND ("ineligible"), MESSAGE and RESULT_JSON, the document that
 * explains the refusal (kept in `result`, as fg_store_finish keeps a
 * result), in one transaction.  Appended for `batch`. */
int fg_store_refuse (struct fg_store *s, int64_t id, const char *kind,
                     const char *message, const char *result_json,
                     const char *log, struct fg_err *e);

/* pending -> failed, for good, without a run: the job's own entry is
 * wrong (its source is missing, one of its options invalid), so it
 * cannot start, and the others go on.  KIND is "input"; HINT may be
 * NULL.  fg_store_retry_failed puts it back in line like any failed
 * job.  Appended for `batch`. */
int fg_store_reject (struct fg_store *s, int64_t id, const char *kind,
                     const char *message, const char *hint,
                     struct fg_err *e);

/* The store's own SQLite connection, for a program that keeps tables of
 * its own beside the jobs in the same file (the agent's received events
 * and eligibility verdicts), so that they change in the same transaction
 * as the jobs: fg_store_begin, the program's statements, fg_store_add or
 * fg_store_fail (which join it), fg_store_commit.  Never write the jobs
 * or events tables through it. */
struct sqlite3;
struct sqlite3 *fg_store_sqlite (struct fg_store *s);

#endif
