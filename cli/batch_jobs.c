/* cli/batch_jobs.c --- the manifest's jobs into the store: added all or
 * none, the ones whose own entry is wrong failed before they start, the
 * tally of where they stand; and the dry run, which only says what
 * would happen */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>

#include "cli/batch.h"
#include "cli/cmd.h"
#include "util/clock.h"

/* Job MJ's own entry is wrong (jobs/manifest.h) and it is in line to
 * run (new, or pending in the store): it fails at the start, and only
 * it. */
static int
rejects (const struct fg_manifest_job *mj, const struct fg_job *j, int found)
{
  return mj->problem && (!found || j->state == FG_JOB_PENDING);
}

/* Each job, its state and its command, or why it would fail; exit 1 if
 * some job would fail at the start, as the batch would. */
int
batch_dry_run (struct batch *b)
{
  json_t *arr = b->a->json ? json_array () : NULL;
  size_t todo = 0, failing = 0;

  for (size_t i = 0; i < b->m.njobs; i++) {
    const struct fg_manifest_job *mj = &b->m.jobs[i];
    struct fg_job j;
    int found = 0;
    char **argv;

    if (!b->in_shard[i])
      continue;
    fg_job_init (&j);
    if (b->store && (found = fg_store_get (b->store, mj->id, &j,
                                           &b->err)) < 0) {
      json_decref (arr);
      return fg_cmd_finish (&b->err);
    }
    argv = fg_manifest_convert_argv ("fg2ng", mj->source, mj->output,
                                     mj->options, 0, &b->err);
    if (argv == NULL) {
      fg_job_release (&j);
      json_decref (arr);
      return fg_cmd_finish (&b->err);
    }
    if (rejects (mj, &j, found))
      failing++;
    else if (!found || j.state == FG_JOB_PENDING ||
             j.state == FG_JOB_RUNNING)
      todo++;
    if (arr) {
      json_t *cmd = json_array (), *o;
      for (size_t k = 0; argv[k]; k++)
        json_array_append_new (cmd, json_string (argv[k]));
      o = json_pack ("{s:s, s:s, s:o}", "id", mj->id, "state", found ?
                     fg_job_state_name (j.state) : "new", "command", cmd);
      if (o && rejects (mj, &j, found))
        json_object_set_new (o, "fails", json_string (mj->problem));
      json_array_append_new (arr, o);
    } else if (rejects (mj, &j, found)) {
      printf ("%-20s %-8s would fail: %s\n", mj->id, found ?
              fg_job_state_name (j.state) : "new", mj->problem);
    } else {
      printf ("%-20s %-8s ", mj->id, found ? fg_job_state_name (j.state)
              : "new");
      for (size_t k = 0; argv[k]; k++) {
        if (k)
          putchar (' ');
        batch_quote_to (stdout, argv[k]);
      }
      putchar ('\n');
    }
    fg_argv_free (argv);
    fg_job_release (&j);
  }
  if (arr) {
    json_t *root = json_pack ("{s:s, s:s, s:I, s:I, s:I, s:o}", "manifest",
                              b->m.path, "state", b->a->state, "total",
                              (json_int_t) b->total, "to_run",
                              (json_int_t) todo, "to_fail",
                              (json_int_t) failing, "jobs", arr);
    json_dumpf (root, stdout, JSON_INDENT (2) | JSON_REAL_PRECISION (10));
    fputc ('\n', stdout);
    json_decref (root);
  } else if (failing)
    printf ("dry run: %zu of %zu jobs would run, %zu would fail at the "
            "start (each job's problem above; --strict would start "
            "none); nothing was converted\n", todo, b->total, failing);
  else
    printf ("dry run: %zu of %zu jobs would run; nothing was converted\n",
            todo, b->total);
  return failing ? FG_EXIT_REFUSED : FG_EXIT_OK;
}

int
batch_skip_checks (const struct fg_manifest_job *mj, void *opaque)
{
  struct batch *b = opaque;
  struct fg_job j;
  struct fg_err ignore = FG_ERR_INIT;
  int done;

  if (!b->in_shard[mj - b->m.jobs])
    return 1;
  if (b->store == NULL)
    return 0;
  fg_job_init (&j);
  done = fg_store_get (b->store, mj->id, &j, &ignore) == 1 &&
         j.state == FG_JOB_DONE;
  fg_job_release (&j);
  return done;
}

static int tally_load (struct batch *b);

/* Put the manifest's jobs in the store, all or none; then, with
 * --retry-failed, the failed ones back in line: after the adds, so that
 * a job rejected before it ran has taken its entry as fixed since
 * (fg_store_add), and that is what runs. */
int
batch_add_jobs (struct batch *b)
{
  struct fg_store_counts c;
  size_t added = 0;

  if (fg_store_begin (b->store, &b->err) < 0)
    return -1;
  for (size_t i = 0; i < b->m.njobs; i++) {
    const struct fg_manifest_job *mj = &b->m.jobs[i];
    int rc;
    if (!b->in_shard[i])
      continue;
    rc = fg_store_add (b->store, b->a->queue, mj->id, mj->source, mj->output,
                       mj->options, &b->err);
    if (rc < 0) {
      fg_store_rollback (b->store);
      fg_err_prefix (&b->err, "jobs[%zu] (%s)", mj->index, mj->id);
      return -1;
    }
    added += (size_t) rc;
  }
  if (fg_store_commit (b->store, &b->err) < 0)
    return -1;
  if (b->a->retry_failed && fg_store_retry_failed (b->store, b->a->queue,
                                                   &b->err) < 0)
    return -1;
  if (fg_store_count (b->store, b->a->queue, &c, &b->err) < 0)
    return -1;
  if (c.total > b->total)
    fg_warn ("'%s' holds %lu jobs that are not in '%s'; they are run too",
             b->a->state, c.total - (unsigned long) b->total, b->m.path);
  if (tally_load (b) < 0)
    return -1;
  if (b->a->show == SHOW_LIVE)
    fprintf (stderr, "fg2ng batch: %zu jobs (%zu new): %lu done, %lu "
             "ineligible, %lu failed, %lu to do; %u at once; logs in '%s'\n",
             b->total, added, b->tally.done, b->tally.ineligible,
             b->tally.failed, b->tally.pending + b->tally.running,
             b->a->jobs, b->a->logs);
  else if (b->a->show == SHOW_JSON) {
    json_t *o = json_pack ("{s:s, s:I, s:i, s:s}", "event", "batch",
                           "new", (json_int_t) added, "jobs",
                           (int) b->a->jobs, "logs", b->a->logs);
    char when[32];
    fg_clock_text (fg_clock_now (), 0, when, sizeof when);
    if (o) {
      json_object_set_new (o, "time", json_string (when));
      batch_tally_json (b, o);
    }
    batch_emit_json (o);
  }
  return 0;
}

/* The jobs whose own entry is wrong (jobs/manifest.h: a source missing,
 * an option invalid) fail now, each with its problem, and the others
 * run.  Only those in line: one failed earlier stays as it was until
 * --retry-failed puts it back, and so here again, checked anew. */
int
batch_reject_jobs (struct batch *b)
{
  char *retry = NULL;
  int rc = 0;

  for (size_t i = 0; i < b->m.njobs && rc == 0; i++) {
    const struct fg_manifest_job *mj = &b->m.jobs[i];
    struct fg_err why = FG_ERR_INIT;
    struct fg_job j;
    int found;

    if (!b->in_shard[i] || mj->problem == NULL)
      continue;
    fg_job_init (&j);
    found = fg_store_get (b->store, mj->id, &j, &b->err);
    if (found < 0)
      rc = -1;
    else if (found == 1 && rejects (mj, &j, found)) {
      if (retry == NULL)
        retry = batch_retry_command (b);
      /* Through fg_err: the manifest's text is shown with its control
       * characters escaped, as every message is. */
      fg_err_set (&why, FG_E_INPUT, "%s", mj->problem);
      fg_err_hint (&why, "%s; then run '%s'", mj->fix ? mj->fix
                   : "fix the job in the manifest", retry ? retry
                   : "--retry-failed");
      if (fg_store_reject (b->store, j.id, "input", why.msg, why.hint,
                           &b->err) < 0)
        rc = -1;
      else {
        if (b->tally.pending > 0)
          b->tally.pending--;
        b->tally.failed++;
        batch_report_job (b, "failed", NULL, mj->id, 0, "input", why.msg,
                          NULL);
      }
    }
    fg_job_release (&j);
  }
  free (retry);
  return rc;
}

/* The tally of the shard's jobs as the store has them now. */
static int
tally_load (struct batch *b)
{
  memset (&b->tally, 0, sizeof b->tally);
  for (size_t i = 0; i < b->m.njobs; i++) {
    struct fg_job j;
    const char *outcome;
    int found;

    if (!b->in_shard[i])
      continue;
    fg_job_init (&j);
    found = fg_store_get (b->store, b->m.jobs[i].id, &j, &b->err);
    if (found < 0)
      return -1;
    outcome = batch_outcome_of (&j, found);
    if (strcmp (outcome, "done") == 0)
      b->tally.done++;
    else if (strcmp (outcome, "ineligible") == 0)
      b->tally.ineligible++;
    else if (strcmp (outcome, "failed") == 0)
      b->tally.failed++;
    else if (strcmp (outcome, "running") == 0)
      b->tally.running++;       /* on another host */
    else
      b->tally.pending++;
    fg_job_release (&j);
  }
  return 0;
}

/* The log folder: made if missing (its parent must exist). */
int
batch_make_logs_dir (struct batch *b)
{
  struct stat st;

  if (mkdir (b->a->logs, 0755) == 0 ||
      (errno == EEXIST && stat (b->a->logs, &st) == 0 &&
       S_ISDIR (st.st_mode)))
    return 0;
  if (errno == EEXIST)
    errno = ENOTDIR;
  fg_err_errno (&b->err, errno == ENOENT || errno == ENOTDIR ||
                errno == EACCES ? FG_E_INPUT : FG_E_IO, errno,
                "cannot make the log folder '%s'", b->a->logs);
  fg_err_hint (&b->err, "--logs names the folder for the jobs' logs; its "
               "parent must exist and be writable");
  return -1;
}

/* ---- loading ------------------------------------------------------------ */

/* A stable shard for ID: FNV-1a, so every machine, build and run agrees. */
static unsigned
shard_of (const char *id, unsigned n)
{
  uint64_t h = 0xcbf29ce484222325ull;

  for (const unsigned char *p = (const unsigned char *) id; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3ull;
  }
  return (unsigned) (h % n) + 1;
}
/* The manifest's problems stop everything: some concern the whole of
 * it, or --strict says any does. */
static int
manifest_stops (const struct batch *b)
{
  return b->m.nproblems > b->m.nconfined ||
         (b->a->strict && b->m.nproblems > 0);
}

/* Say that the manifest's problems stop everything. */
static int
stop_on_problems (struct batch *b)
{
  const char *manifest = b->a->manifest;

  for (size_t i = 0; i < b->m.nlisted; i++)
    fprintf (stderr, "fg2ng batch: %s\n", b->m.problems[i]);
  fg_err_set (&b->err, FG_E_INPUT, "'%s': %zu problem%s%s; nothing was "
              "started", manifest, b->m.nproblems,
              b->m.nproblems == 1 ? "" : "s",
              b->m.nlisted < b->m.nproblems ? " (the first listed above)"
              : " (listed above)");
  if (b->m.nproblems > b->m.nconfined)
    fg_err_hint (&b->err, "fix what the lines above name in '%s' and run "
                 "again: the manifest's form, its ids and its outputs "
                 "concern every job, so none starts until they are right",
                 manifest);
  else
    fg_err_hint (&b->err, "fix these jobs in '%s' (or put their files in "
                 "place), or run without --strict to convert the other "
                 "jobs and fail only these", manifest);
  return -1;
}

int
batch_load (struct batch *b)
{
  const struct batch_args *a = b->a;
  struct stat st;
  int have_state;

  if (fg_manifest_load (a->manifest, &b->m, &b->err) < 0)
    return -1;
  b->in_shard = calloc (b->m.njobs + 1, 1);
  if (b->in_shard == NULL)
    return fg_err_set (&b->err, FG_E_INTERNAL, "out of memory");
  for (size_t i = 0; i < b->m.njobs; i++) {
    b->in_shard[i] = a->shard_n == 0 ||
                     shard_of (b->m.jobs[i].id, a->shard_n) == a->shard_k;
    b->total += b->in_shard[i];
  }
  /* The store is read before the files are checked (a done job's source
   * may be gone), but created only when there is work to do. */
  have_state = stat (a->state, &st) == 0;
  if (a->status && !have_state) {
    fg_err_set (&b->err, FG_E_INPUT, "'%s': no such job store", a->state);
    fg_err_hint (&b->err, "no batch has run with this manifest yet, or "
                 "--state names another file");
    return -1;
  }
  if (have_state) {
    b->store = fg_store_open (a->state, 0, &b->err);
    /* With the manifest wrong already, its problems are the news. */
    if (b->store == NULL && !manifest_stops (b))
      return -1;
    fg_err_clear (&b->err);
  }
  /* The files of every well-formed job are checked even when others are
   * not: all the problems are listed in one run. */
  if (!a->status)
    fg_manifest_check_files (&b->m, batch_skip_checks, b);
  /* A problem of one job alone fails that job (batch_reject_jobs), and
   * the others run; one of the whole manifest, or any with --strict,
   * stops all of them before anything starts. */
  return manifest_stops (b) ? stop_on_problems (b) : 0;
}
