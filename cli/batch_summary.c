/* cli/batch_summary.c --- the summary of `fg2ng batch`: a table on stdout
 * (or JSON with --json), and the same as a JSON file
 * (doc/batch-summary.schema.json), written at the end and by --status */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/batch.h"
#include "util/clock.h"
#include "util/outfile.h"

/* How to run the failed jobs of this manifest (and shard, and job store)
 * again, for a summary and a hint: "fg2ng batch fleet.json
 * --retry-failed".  NULL when out of memory. */
char *
batch_retry_command (const struct batch *b)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);

  if (f == NULL)
    return NULL;
  fputs ("fg2ng batch ", f);
  batch_quote_to (f, b->a->manifest);
  if (b->a->state_buf == NULL) {
    /* Not the default one: the rerun must find the same store. */
    fputs (" --state ", f);
    batch_quote_to (f, b->a->state);
  }
  if (b->a->shard_n)
    fprintf (f, " --shard %u/%u", b->a->shard_k, b->a->shard_n);
  fputs (" --retry-failed", f);
  if (fclose (f) != 0) {
    free (text);
    return NULL;
  }
  return text;
}

/* What a job has come to, for the summary: "done", "ineligible",
 * "failed", "pending", "running", or "new" (not in the store yet). */
const char *
batch_outcome_of (const struct fg_job *j, int found)
{
  if (!found)
    return "new";
  if (j->state == FG_JOB_FAILED && j->error_kind &&
      strcmp (j->error_kind, "ineligible") == 0)
    return "ineligible";
  return fg_job_state_name (j->state);
}

/* The bytes of a source: a file, or split parts NAME.0 .. NAME.N (named
 * by the first part or by their prefix); -1 if unknown (a folder, gone). */
static long long
source_bytes (const char *path)
{
  struct stat st;
  char *prefix = NULL, *part = NULL;
  size_t n = strlen (path);
  long long sum = 0;

  if (n > 2 && strcmp (path + n - 2, ".0") == 0)
    prefix = strndup (path, n - 2);
  else if (stat (path, &st) != 0)
    prefix = strdup (path);
  else
    return S_ISREG (st.st_mode) || S_ISBLK (st.st_mode) ? (long long)
      st.st_size : -1;
  if (prefix == NULL)
    return -1;
  for (unsigned k = 0; ; k++) {
    free (part);
    if (asprintf (&part, "%s.%u", prefix, k) < 0) {
      part = NULL;
      sum = -1;
      break;
    }
    if (stat (part, &st) != 0 || !S_ISREG (st.st_mode)) {
      if (k == 0)
        sum = -1;
      break;
    }
    sum += (long long) st.st_size;
  }
  free (part);
  free (prefix);
  return sum;
}

static long long
file_bytes (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) ? (long long)
    st.st_size : -1;
}

static json_t *
bytes_json (long long v)
{
  return v < 0 ? json_null () : json_integer ((json_int_t) v);
}

static json_t *
job_json (const struct batch *b, const struct fg_manifest_job *mj,
          const struct fg_job *j, int found)
{
  const char *outcome = batch_outcome_of (j, found);
  json_t *o = json_pack ("{s:s, s:s, s:s, s:s, s:s}", "id", mj->id,
                         "state", found ? fg_job_state_name (j->state)
                         : "new", "outcome", outcome, "source", mj->source,
                         "output", mj->output);
  char *log = batch_log_path (b, mj->id);
  int finished = found && (j->state == FG_JOB_DONE ||
                           j->state == FG_JOB_FAILED);

  if (o == NULL) {
    free (log);
    return NULL;
  }
  json_object_set_new (o, "runs", json_integer (found ? j->runs : 0));
  json_object_set_new (o, "attempts", json_integer (found ? j->attempts : 0));
  json_object_set_new (o, "started_at",
                       fg_clock_json (found ? j->started_at : 0, 0));
  json_object_set_new (o, "finished_at",
                       fg_clock_json (finished ? j->finished_at : 0, 0));
  /* A job failed before it started (its manifest entry is wrong) has
   * no run to time. */
  json_object_set_new (o, "seconds", finished && j->started_at > 0 ?
                       json_real (round ((j->finished_at - j->started_at)
                                         * 1000) / 1000) : json_null ());
  json_object_set_new (o, "input_bytes", bytes_json (source_bytes
                                                     (mj->source)));
  json_object_set_new (o, "output_bytes", bytes_json
                       (found && j->state == FG_JOB_DONE
                        ? file_bytes (mj->output) : -1));
  if (found && j->error_kind && j->state != FG_JOB_DONE) {
    json_t *err = json_pack ("{s:s, s:s}", "kind", j->error_kind, "message",
                             j->error_message ? j->error_message : "");
    if (err && j->error_hint)
      json_object_set_new (err, "hint", json_string (j->error_hint));
    json_object_set_new (o, "error", err);
  } else
    json_object_set_new (o, "error", json_null ());
  {
    json_t *res = found && j->result ? json_loads (j->result, 0, NULL)
                  : NULL;
    if (strcmp (outcome, "ineligible") == 0) {
      json_t *v = json_object_get (res, "verdicts");
      json_object_set (o, "verdicts", v ? v : json_array ());
      json_object_set_new (o, "result", json_null ());
      json_decref (res);
    } else {
      json_object_set_new (o, "verdicts", json_null ());
      json_object_set_new (o, "result", res && j->state == FG_JOB_DONE
                           ? res : json_null ());
      if (res && j->state != FG_JOB_DONE)
        json_decref (res);
    }
  }
  json_object_set_new (o, "log", log && access (log, F_OK) == 0
                       ? json_string (log) : json_null ());
  free (log);
  return o;
}

/* "-", "512", "9.0K", "1.2G" */
static void
size_text (long long v, char *out, size_t cap)
{
  static const char unit[] = "KMGTP";
  double d = (double) v;
  int u = -1;

  if (v < 0) {
    snprintf (out, cap, "-");
    return;
  }
  while (d >= 1024 && u < 4) {
    d /= 1024;
    u++;
  }
  if (u < 0)
    snprintf (out, cap, "%lld", v);
  else
    snprintf (out, cap, "%.1f%c", d, unit[u]);
}

/* Write the summary document to --summary FILE (temporary name, fsync,
 * rename). */
static int
write_summary_file (struct batch *b, json_t *root, struct fg_err *e)
{
  struct fg_outfile of = FG_OUTFILE_INIT;
  char *text = json_dumps (root, JSON_INDENT (2) | JSON_REAL_PRECISION (10));
  size_t len;

  if (text == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "cannot write the summary");
  len = strlen (text);
  text[len++] = '\n';           /* json_dumps leaves room for its NUL */
  if (fg_outfile_open (&of, b->a->summary, FG_OUTFILE_REPLACE, e) < 0 ||
      fg_outfile_pwrite (&of, text, len, 0, e) < 0 ||
      fg_outfile_commit (&of, FG_OUTFILE_REPLACE, e) < 0) {
    fg_outfile_abort (&of);
    free (text);
    return fg_err_prefix (e, "the summary '%s'", b->a->summary);
  }
  free (text);
  return 0;
}

/* The counts of the summary: per store state, and "new" and
 * "ineligible" beside them. */
enum { NEW = FG_JOB_NSTATES, INELIGIBLE = FG_JOB_NSTATES + 1, NCOUNTS };

/* The table's row of job MJ (JJ its summary entry). */
static void
table_row (const struct fg_manifest_job *mj, const struct fg_job *j,
           int found, const char *outcome, json_t *jj)
{
  char secs[32] = "-", in[32], out[32];
  json_t *sv = json_object_get (jj, "seconds");
  json_t *ib = json_object_get (jj, "input_bytes");
  json_t *ob = json_object_get (jj, "output_bytes");

  if (json_is_number (sv))
    snprintf (secs, sizeof secs, "%.1f", json_number_value (sv));
  size_text (json_is_integer (ib) ? json_integer_value (ib) : -1, in,
             sizeof in);
  size_text (json_is_integer (ob) ? json_integer_value (ob) : -1, out,
             sizeof out);
  if (found && j->state == FG_JOB_FAILED &&
      strcmp (outcome, "ineligible") == 0)
    printf ("%-24s %-10s %8s %8s %8s  %s\n", mj->id, outcome, secs, in,
            out, j->error_message ? j->error_message : "");
  else if (found && j->state == FG_JOB_FAILED)
    printf ("%-24s %-10s %8s %8s %8s  %s: %s\n", mj->id, outcome, secs,
            in, out, j->error_kind ? j->error_kind : "?",
            j->error_message ? j->error_message : "");
  else
    printf ("%-24s %-10s %8s %8s %8s  %s\n", mj->id, outcome, secs, in,
            out, mj->output);
}

/* Each job of the shard into ARR (and the table), counted in N. */
static int
summary_jobs (struct batch *b, json_t *arr, unsigned long *n)
{
  if (!b->a->json)
    printf ("%-24s %-10s %8s %8s %8s  %s\n", "ID", "STATE", "SECONDS", "IN",
            "OUT", "OUTPUT OR ERROR");
  for (size_t i = 0; i < b->m.njobs; i++) {
    const struct fg_manifest_job *mj = &b->m.jobs[i];
    struct fg_job j;
    int found = 0;
    const char *outcome;
    json_t *jj;

    if (!b->in_shard[i])
      continue;
    fg_job_init (&j);
    if (b->store && (found = fg_store_get (b->store, mj->id, &j,
                                           &b->err)) < 0)
      return -1;
    outcome = batch_outcome_of (&j, found);
    n[!found ? NEW : strcmp (outcome, "ineligible") == 0 ? INELIGIBLE
      : (int) j.state]++;
    jj = job_json (b, mj, &j, found);
    if (!b->a->json && jj)
      table_row (mj, &j, found, outcome, jj);
    json_array_append_new (arr, jj);
    fg_job_release (&j);
  }
  return 0;
}

/* The summary document around ARR (taken), the jobs counted in N. */
static json_t *
summary_doc (const struct batch *b, json_t *arr, const unsigned long *n,
             const char *retry)
{
  json_t *root = json_object ();
  char when[32];

  fg_clock_text (fg_clock_now (), 0, when, sizeof when);
  json_object_set_new (root, "version", json_integer (1));
  json_object_set_new (root, "manifest", json_string (b->m.path));
  json_object_set_new (root, "state", json_string (b->a->state));
  json_object_set_new (root, "logs", json_string (b->a->logs));
  if (b->a->shard_n) {
    char sh[48];
    snprintf (sh, sizeof sh, "%u/%u", b->a->shard_k, b->a->shard_n);
    json_object_set_new (root, "shard", json_string (sh));
  } else
    json_object_set_new (root, "shard", json_null ());
  json_object_set_new (root, "generated_at", json_string (when));
  json_object_set_new (root, "total", json_integer ((json_int_t) b->total));
  json_object_set_new (root, "done", json_integer ((json_int_t)
                                                   n[FG_JOB_DONE]));
  json_object_set_new (root, "ineligible", json_integer ((json_int_t)
                                                         n[INELIGIBLE]));
  json_object_set_new (root, "failed", json_integer ((json_int_t)
                                                     n[FG_JOB_FAILED]));
  json_object_set_new (root, "running", json_integer ((json_int_t)
                                                      n[FG_JOB_RUNNING]));
  json_object_set_new (root, "pending", json_integer
                       ((json_int_t) (n[FG_JOB_PENDING] + n[NEW])));
  json_object_set_new (root, "jobs", arr);
  json_object_set_new (root, "retry", retry ? json_string (retry)
                       : json_null ());
  return root;
}

int
batch_summary (struct batch *b, int no_file)
{
  unsigned long n[NCOUNTS] = { 0 };
  json_t *arr = json_array (), *root;
  char *retry = NULL;
  int rc = summary_jobs (b, arr, n);

  /* Failed jobs stay failed, however their cause was fixed since, until
   * they are put back in line: say how, every time there are some. */
  if (n[FG_JOB_FAILED] + n[INELIGIBLE] > 0)
    retry = batch_retry_command (b);
  root = summary_doc (b, arr, n, retry);
  if (b->a->json) {
    json_dumpf (root, stdout, JSON_INDENT (2) | JSON_REAL_PRECISION (10));
    fputc ('\n', stdout);
  } else {
    printf ("%zu jobs: %lu done, %lu ineligible, %lu failed, %lu pending, "
            "%lu running (job store '%s', summary '%s')\n", b->total,
            n[FG_JOB_DONE], n[INELIGIBLE], n[FG_JOB_FAILED],
            n[FG_JOB_PENDING] + n[NEW], n[FG_JOB_RUNNING], b->a->state,
            b->a->summary);
    if (retry)
      printf ("to run the failed jobs again: %s\n", retry);
  }
  free (retry);
  fflush (stdout);
  if (rc == 0 && !no_file && write_summary_file (b, root, &b->err) < 0)
    rc = -1;
  json_decref (root);
  if (rc < 0)
    return -1;
  return n[FG_JOB_DONE] == b->total ? 0 : 1;
}
