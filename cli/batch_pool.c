/* cli/batch_pool.c --- the workers of `fg2ng batch`: up to N jobs at once,
 * each claimed from the store and run as a child conversion by the job
 * runner (jobs/runner.h), which also decides what each run comes to;
 * here its stderr is split into progress events and text, and each end
 * is recorded, logged and shown */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/batch.h"
#include "jobs/wake.h"

/* A whole line of the child's stderr (without its newline): a progress
 * event, or text kept in the tail. */
static void
stderr_line (struct batch *b, struct fg_runner_child *c, const char *line,
             size_t len)
{
  if (batch_progress_line (b, c, line, len))
    return;
  if (fg_buf_add (&c->err, line, len, FG_RUNNER_LOG_TAIL) == 0)
    fg_buf_add (&c->err, "\n", 1, FG_RUNNER_LOG_TAIL);
}

/* The child's stderr, whole, to its log; split into lines, holding at
 * most LINE_MAX_EVENT bytes of a line: a longer line cannot be an event
 * and goes to the tail as it comes.  At its end (DATA NULL), the last
 * line without a newline. */
static void
on_stderr (void *opaque, struct fg_runner_child *c, const char *data,
           size_t n)
{
  struct batch *b = opaque;
  struct worker *w = &b->w[c->index];

  if (data == NULL) {
    if (w->line_len > 0)
      stderr_line (b, c, w->line, w->line_len);
    return;
  }
  batch_log_write (b, c, data, n);
  while (n > 0) {
    const char *nl = memchr (data, '\n', n);
    size_t take = nl ? (size_t) (nl - data) : n;

    if (w->line_long || w->line_len + take >= sizeof w->line) {
      if (!w->line_long) {
        fg_buf_add (&c->err, w->line, w->line_len, FG_RUNNER_LOG_TAIL);
        w->line_len = 0;
        w->line_long = 1;
      }
      fg_buf_add (&c->err, data, take, FG_RUNNER_LOG_TAIL);
      if (nl) {
        fg_buf_add (&c->err, "\n", 1, FG_RUNNER_LOG_TAIL);
        w->line_long = 0;
      }
    } else {
      memcpy (w->line + w->line_len, data, take);
      w->line_len += take;
      if (nl) {
        stderr_line (b, c, w->line, w->line_len);
        w->line_len = 0;
      }
    }
    data += take + (nl != NULL);
    n -= take + (nl != NULL);
  }
}

/* A run of this job may have been killed before it could remove its
 * temporaries (kill -9 of the conversion itself). */
static void
removed (void *opaque, const struct fg_job *j, const char *dir,
         const char *name)
{
  (void) opaque;
  (void) j;
  fg_warn ("removed '%s/%s', left by an interrupted run", dir, name);
}

static int
stopping (void *opaque)
{
  (void) opaque;
  return fg_wake_first () != 0;
}

/* The tally and the display once job C's end is recorded as state TO. */
static void
tell_end (struct batch *b, const struct fg_runner_child *c,
          const struct fg_run_outcome *oc, int to, double secs)
{
  const char *key = c->job.key;

  if (oc->end == FG_RUN_DONE) {
    b->tally.done++;
    b->finished_here++;
    batch_report_job (b, "done", c, key, secs, NULL, NULL, NULL);
  } else if (oc->end == FG_RUN_RELEASE) {
    b->tally.pending++;
    batch_report_job (b, "interrupted", c, key, secs, NULL, NULL, NULL);
  } else if (oc->end == FG_RUN_INELIGIBLE) {
    b->tally.ineligible++;
    b->finished_here++;
    batch_report_job (b, "ineligible", c, key, secs, "ineligible", oc->msg,
                      oc->failing);
  } else {
    if (to == FG_JOB_PENDING)
      b->tally.pending++;
    else {
      b->tally.failed++;
      b->finished_here++;
    }
    batch_report_job (b, to == FG_JOB_PENDING ? "retry" : "failed", c, key,
                      secs, oc->kind, oc->msg, NULL);
  }
}

/* The child has ended: record what became of its job (the runner said
 * what: one rule with the agent's). */
static void
on_end (void *opaque, struct fg_runner_child *c, int status,
        const struct fg_run_outcome *oc, double secs)
{
  struct batch *b = opaque;
  struct worker *w = &b->w[c->index];
  const char *log = c->err.data ? c->err.data : "", *outcome;
  char *refusal = NULL;
  /* As fg_store_fail decides it (its retries are ours). */
  int to = oc->retryable && c->job.attempts + 1 <= b->a->retries
           ? FG_JOB_PENDING : FG_JOB_FAILED, rc;
  struct fg_err e = FG_ERR_INIT;

  b->tally.running--;
  switch (oc->end) {
  case FG_RUN_DONE: outcome = "done"; break;
  case FG_RUN_RELEASE: outcome = "interrupted"; break;
  case FG_RUN_INELIGIBLE: outcome = "ineligible"; break;
  default:
    outcome = to == FG_JOB_PENDING ? "failed, to be retried" : "failed";
    break;
  }
  if (oc->end == FG_RUN_INELIGIBLE) {
    json_t *doc = json_pack ("{s:b, s:O}", "eligible", 0, "verdicts",
                             oc->failing);
    refusal = doc ? json_dumps (doc, JSON_COMPACT) : NULL;
    json_decref (doc);
  }
  /* The footer goes first: a batch killed between the two then leaves a
   * log that says how the run ended even when the store never heard
   * (the rerun redoes the job and adds its own header and footer), and
   * never a job finished in the store whose log stops mid-run. */
  batch_log_footer (b, c, outcome, status, secs);
  rc = fg_runner_record (b->store, c->job.id, oc, refusal, log, &e);
  free (refusal);
  if (rc >= 0 && oc->end == FG_RUN_FAIL && rc != to) {
    batch_log_printf (b, c, "==== recorded as %s\n",
                      fg_job_state_name ((enum fg_job_state) rc));
    to = rc;
  }
  if (rc < 0) {
    batch_log_printf (b, c, "==== not recorded: the job store failed (%s); "
                      "the next run redoes the job\n", e.msg);
    b->fatal = 1;
    if (!fg_err_is_set (&b->err))
      b->err = e;
  } else
    tell_end (b, c, oc, to, secs);
  batch_log_close (b, c);
  memset (w, 0, sizeof *w);
  w->log_fd = -1;
}

static const struct fg_runner_ops ops = {
  .stopping = stopping,
  .on_stderr = on_stderr,
  .on_end = on_end,
  .removed = removed,
};

static int
spawn (struct batch *b, struct fg_runner_child *c, struct fg_err *e)
{
  int redo = fg_runner_redo (b->runner, c);
  char **argv = fg_manifest_convert_argv ("fg2ng", c->job.source,
                                          c->job.output, c->job.options,
                                          redo, e);

  if (argv == NULL)
    return -1;
  batch_open_log (b, c, argv);
  if (fg_runner_spawn (b->runner, c, argv, e) < 0) {
    if (b->w[c->index].log_fd >= 0) {
      batch_log_printf (b, c, "==== could not start: %s\n", e->msg);
      batch_log_close (b, c);
    }
    fg_argv_free (argv);
    return -1;
  }
  batch_log_printf (b, c, "==== convert pid %ld\n", (long) c->pid);
  fg_argv_free (argv);
  b->tally.running++;
  if (b->tally.pending > 0)
    b->tally.pending--;
  batch_report_job (b, "start", c, c->job.key, 0, NULL, NULL, NULL);
  return 0;
}

/* The claimed job cannot start, for WHY: fail it without a run, for
 * good (a retry would meet the same). */
static void
fail_unstarted (struct batch *b, struct fg_runner_child *c,
                const struct fg_err *why)
{
  const char *kind = fg_err_kind_name (why->kind);
  int rc = fg_store_fail (b->store, c->job.id, kind, why->msg,
                          why->hint[0] ? why->hint : NULL, NULL, 0, &b->err);

  if (rc < 0)
    b->fatal = 1;
  else {
    if (b->tally.pending > 0)
      b->tally.pending--;
    b->tally.failed++;
    b->finished_here++;
    batch_report_job (b, "failed", NULL, c->job.key, 0, kind, why->msg,
                      NULL);
  }
  fg_job_release (&c->job);
}

/* The output's folder, made as mkdir -p would (0755 before the umask)
 * when its job starts, not before: a fleet's outputs may go to folders
 * nobody made yet, and a dry run makes nothing. */
static int
make_output_folder (const struct batch *b, const char *output,
                    struct fg_err *e)
{
  char *copy = strdup (output), *dir, *retry;
  struct stat st;
  int rc = 0, err;

  if (copy == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", output);
  dir = dirname (copy);
  if (stat (dir, &st) == 0 && S_ISDIR (st.st_mode)) {
    free (copy);
    return 0;
  }
  for (char *p = dir + 1; ; p++) {
    char ch = *p;
    if (ch != '/' && ch != '\0')
      continue;
    *p = '\0';
    if (mkdir (dir, 0755) < 0 &&
        (errno != EEXIST || stat (dir, &st) < 0 || !S_ISDIR (st.st_mode))) {
      err = errno == EEXIST ? ENOTDIR : errno;
      fg_err_errno (e, err == ENOSPC || err == EIO || err == EDQUOT ?
                    FG_E_IO : FG_E_INPUT, err, "cannot make the output "
                    "folder '%s'", dir);
      retry = batch_retry_command (b);
      fg_err_hint (e, "make '%s' a folder this user may write in, or give "
                   "the job another 'output' in '%s'; then run '%s'", dir,
                   b->m.path, retry ? retry : "--retry-failed");
      free (retry);
      rc = -1;
      break;
    }
    *p = ch;
    if (ch == '\0')
      break;
  }
  free (copy);
  return rc;
}

/* Start the claimed job in C, or fail it.  0 when the next may be
 * claimed at once, -1 when claiming waits for a child to end. */
static int
start (struct batch *b, struct fg_runner_child *c)
{
  struct fg_err e = FG_ERR_INIT, why = FG_ERR_INIT;
  int st;

  if (c->job.output_taken_by) {
    /* Nothing of that file is touched, not even a temporary beside it
     * (the other job may be writing one). */
    if (fg_runner_taken (b->store, &c->job, &why, &b->err) < 0) {
      b->fatal = 1;
      fg_job_release (&c->job);
      return 0;
    }
    fg_err_hint (&why, "give job '%s' an output of its own", c->job.key);
    fail_unstarted (b, c, &why);
    return 0;
  }
  if (make_output_folder (b, c->job.output, &e) < 0) {
    fail_unstarted (b, c, &e);
    return 0;
  }
  if (spawn (b, c, &e) == 0)
    return 0;
  /* Could not even start it (out of processes?): count it as a failed
   * run, to be retried. */
  st = fg_store_fail (b->store, c->job.id, "internal", e.msg, NULL, NULL, 1,
                      &b->err);
  if (st < 0)
    b->fatal = 1;
  else if (st == FG_JOB_FAILED && b->tally.pending > 0) {
    b->tally.pending--;
    b->tally.failed++;
  }
  fg_job_release (&c->job);
  return -1;
}

/* Claim and start jobs while workers are free; 0 when nothing is left
 * to claim for now. */
static int
claim (struct batch *b)
{
  while (!fg_wake_first () && !b->fatal &&
         fg_runner_running (b->runner) < b->a->jobs) {
    struct fg_runner_child *c = fg_runner_slot (b->runner);
    int rc = fg_store_claim (b->store, b->a->queue, getpid (), &c->job,
                             &b->err);
    if (rc < 0)
      b->fatal = 1;
    if (rc <= 0 || start (b, c) < 0)
      return 0;
  }
  return 1;
}

int
batch_run_pool (struct batch *b)
{
  int try_claim = 1, forwarded = 0, rc = 0;

  b->runner = fg_runner_new (b->a->jobs, &ops, b);
  if (b->runner == NULL)
    return fg_err_set (&b->err, FG_E_INTERNAL, "out of memory");
  for (unsigned i = 0; i < MAX_WORKERS; i++)
    b->w[i].log_fd = -1;
  for (;;) {
    int ended;

    if (try_claim)
      try_claim = claim (b);
    if ((fg_wake_first () || b->fatal) && !forwarded &&
        fg_runner_running (b->runner) > 0) {
      fg_runner_signal (b->runner, fg_wake_first () ? fg_wake_first ()
                        : SIGTERM);
      forwarded = 1;
    }
    if (fg_runner_running (b->runner) == 0)
      break;
    /* The live display's pace, or a safety net: SIGCHLD wakes it. */
    ended = fg_runner_wait (b->runner, b->a->show == SHOW_LIVE
                            ? (int) (DRAW_PERIOD * 1000) : 1000);
    if (ended < 0)
      break;
    if (ended > 0)
      try_claim = 1;
    batch_live_draw (b, 0);
  }
  batch_live_erase (b);
  if (b->fatal || fg_runner_running (b->runner) > 0) {
    /* The store failed under us: the children were told to stop; wait for
     * them so none runs on unseen.  Their jobs stay running in the store
     * and the next run recovers them. */
    fg_runner_abandon (b->runner);
    if (!fg_err_is_set (&b->err))
      fg_err_set (&b->err, FG_E_INTERNAL, "the batch stopped unexpectedly");
    rc = -1;
  }
  fg_runner_free (b->runner);
  b->runner = NULL;
  return rc;
}
