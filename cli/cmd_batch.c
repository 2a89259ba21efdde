/* cli/cmd_batch.c --- fg2ng batch MANIFEST.json: convert a fleet, N at a
 * time, resumably
 *
 * The manifest (jobs/manifest.h) is validated whole before anything
 * starts.  A problem of the whole manifest stops everything; one confined
 * to a job (its source missing, one of its options wrong) fails that job
 * alone, before it starts, and the others run (--strict: any problem
 * stops everything).  Its jobs go into the durable job store
 * (jobs/store.h); then up
 * to N workers at once each claim a pending job and run it as a child
 * process, `fg2ng convert ... --json --progress json` (this very binary,
 * through /proc/self/exe), so that a crash of one conversion cannot take
 * the batch down.  The child's exit status decides the job's fate:
 *   0 done (its JSON result is stored), 1 ineligible (the failing
 *   verdicts of the check document it prints are stored; not retried),
 *   2 input error (failed, not retried), 3 or killed by a signal from
 *   outside (retried up to --retries times), a crash (SIGSEGV and the
 *   like: failed, not retried; the same input would crash it again).
 * A job whose output is a file another job has finished or is writing
 * (however the paths are spelled) is failed before it starts: no job
 * ever writes over another's disk, not even a rerun with --force.  An
 * output's missing folders are made when its job starts.
 * The child's stderr goes, whole, to the job's log file; its progress
 * events feed the live display and are relayed as JSON lines.  At the end
 * (and on --status) the summary is printed and written as a JSON file
 * (doc/batch-summary.schema.json).
 * SIGINT/SIGTERM/SIGHUP stop the claiming, are passed on to the children,
 * and leave their jobs pending for the next run.  If the batch itself is
 * killed outright, the children get SIGTERM from the kernel
 * (PR_SET_PDEATHSIG) and remove their temporary files; the next run's
 * fg_store_recover() finds the jobs of the dead batch and redoes them.
 */
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/batch.h"
#include "cli/cmd.h"
#include "jobs/wake.h"
#include "util/clock.h"
static const char help[] =
"usage: fg2ng batch MANIFEST.json [-j N] [--state FILE] [--shard K/N]\n"
"                   [--summary FILE] [--logs DIR] [--json] [--dry-run]\n"
"                   [--status] [--retry-failed] [--strict]\n"
"\n"
"Convert every image a manifest lists, N at a time, recording each job's\n"
"state in a durable SQLite job store so that a crash or a restart resumes\n"
"where it stopped: a job done is never converted again, a job cut off is\n"
"redone from the start, and no output is ever left half-written under\n"
"its final name.  Ends with a summary: a table on stdout and a JSON file.\n"
"\n"
"The manifest (JSON, doc/manifest.schema.json):\n"
"  { \"defaults\": { \"format\": \"bundle\", \"mode\": \"image\" },\n"
"    \"jobs\": [ { \"id\": \"web01\", \"source\": \"parts/web01.tar.gz.0\",\n"
"                \"output\": \"out/web01.tgz\", \"mode\": \"self-service\",\n"
"                \"flavor\": \"1GB\", \"server_record\": \"rec/web01.json\",\n"
"                \"options\": { \"disk_size\": \"20G\" } } ] }\n"
"A job's mode, flavor and server_record are convert's --mode, --flavor\n"
"and --server-record.  Options are convert's, '_' for '-': format,\n"
"parents, fs_type, headroom, disk_size, fs_size, label, no_fixups,\n"
"no_check, initramfs, name, os_type, os_distro, os_version, arch,\n"
"vm_mode, min_ram, min_disk, no_auto_disk_config, class (and mode,\n"
"flavor, server_record).  no_check (convert --no-check) is for data\n"
"recovery: it converts a disk that is not a server or not eligible.\n"
"Relative paths are relative to the manifest's folder; an output's folder\n"
"is made when its job starts.  A problem of one job alone (its source or\n"
"a part of it missing or unreadable, its server record or a parent\n"
"missing or invalid, one of its own options wrong) fails that job with\n"
"the reason, and the others run.  A problem of the whole manifest (not\n"
"JSON, an unknown key, a bad default, a duplicate id, two jobs writing\n"
"one output, an output that is another job's source) stops everything:\n"
"every problem is listed (job index, id, key) and nothing starts; with\n"
"--strict, so does a problem of one job.\n"
"\n"
"Each job runs as 'fg2ng convert SOURCE -o OUTPUT --json' in a child\n"
"process.  Its exit status is the job's verdict: 0 done, 1 ineligible\n"
"(the failing verdicts are kept), 2 input error (failed), 3 or killed\n"
"(retried, --retries), a crash such as SIGSEGV (failed, not retried).\n"
"A job whose output is another job's (done or running, however the path\n"
"is spelled) fails without running.  SIGINT or SIGTERM stops the batch:\n"
"running conversions are stopped and redone by the next run.\n"
"\n"
"Options:\n"
"  -j, --jobs N       conversions at once (default: the number of cores)\n"
"  --state FILE       the job store (default: MANIFEST.state.sqlite beside\n"
"                     the manifest, MANIFEST.shard-K-of-N.state.sqlite\n"
"                     with --shard); keep it on a local disk\n"
"  --summary FILE     the summary as JSON (doc/batch-summary.schema.json;\n"
"                     default: MANIFEST.summary.json beside the manifest,\n"
"                     MANIFEST.shard-K-of-N.summary.json with --shard),\n"
"                     written at the end and by --status\n"
"  --logs DIR         a log per job, DIR/ID.log: the conversion's stderr\n"
"                     whole, between a header and a footer (default:\n"
"                     MANIFEST.logs beside the job store)\n"
"  --retries N        retries of a job that was killed or exited 3\n"
"                     (default 1)\n"
"  --retry-failed     put the jobs that failed (or were ineligible) in\n"
"                     earlier runs back in line, their manifest entries\n"
"                     checked again (the summary after a failure says so)\n"
"  --strict           stop at any problem in the manifest, even one that\n"
"                     concerns a single job: list them all, start nothing\n"
"  --shard K/N        only the jobs of shard K of N (1 <= K <= N): a stable\n"
"                     split by id, for N machines sharing a fleet\n"
"  --dry-run          validate the manifest and print each job's state and\n"
"                     command, or why it would fail (then exit 1);\n"
"                     convert nothing, create no job store or folder\n"
"  --status           print the summary of the job store (and rewrite the\n"
"                     summary file); convert nothing\n"
"  --json             the summary on stdout as JSON\n"
"  --progress MODE    auto (a live display on a terminal, JSON lines\n"
"                     otherwise), bar (the live display), json (JSON lines\n"
"                     on stderr: job started, progress, done, failed) or\n"
"                     none\n"
"  -h, --help         this text\n"
"\n"
"Exit status: 0 every job done, 1 some job ineligible, failed or not done,\n"
"2 a problem of the whole manifest (of any job, with --strict) or usage,\n"
"3 the job store failed, 130/143 stopped by SIGINT/SIGTERM (the\n"
"interrupted jobs stay pending).\n";

enum {
  OPT_STATE = 256, OPT_JSON, OPT_RETRIES, OPT_DRY_RUN, OPT_STATUS,
  OPT_PROGRESS, OPT_SHARD, OPT_RETRY_FAILED, OPT_SUMMARY, OPT_LOGS,
  OPT_STRICT,
};

static const struct option long_opts[] = {
  { "jobs", required_argument, NULL, 'j' },
  { "state", required_argument, NULL, OPT_STATE },
  { "json", no_argument, NULL, OPT_JSON },
  { "retries", required_argument, NULL, OPT_RETRIES },
  { "retry-failed", no_argument, NULL, OPT_RETRY_FAILED },
  { "dry-run", no_argument, NULL, OPT_DRY_RUN },
  { "status", no_argument, NULL, OPT_STATUS },
  { "progress", required_argument, NULL, OPT_PROGRESS },
  { "shard", required_argument, NULL, OPT_SHARD },
  { "summary", required_argument, NULL, OPT_SUMMARY },
  { "logs", required_argument, NULL, OPT_LOGS },
  { "strict", no_argument, NULL, OPT_STRICT },
  { NULL, 0, NULL, 0 },
};

/* ---- arguments ----------------------------------------------------------- */

static unsigned
cores (void)
{
  cpu_set_t set;
  long n;

  if (sched_getaffinity (0, sizeof set, &set) == 0 && CPU_COUNT (&set) > 0)
    return (unsigned) CPU_COUNT (&set);
  n = sysconf (_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned) n : 1;
}

static int
parse_uint (const char *s, unsigned max, unsigned *out)
{
  char *end;
  unsigned long v;

  if (*s < '0' || *s > '9')
    return -1;
  v = strtoul (s, &end, 10);
  if (*end != '\0' || v > max)
    return -1;
  *out = (unsigned) v;
  return 0;
}

/* MANIFEST.json -> MANIFEST.WHAT or MANIFEST.shard-K-of-N.WHAT, beside
 * the manifest: every shard of a fleet has files of its own. */
static char *
beside_manifest (const struct batch_args *a, const char *what)
{
  size_t n = strlen (a->manifest);
  char *out;

  if (n > 5 && strcmp (a->manifest + n - 5, ".json") == 0)
    n -= 5;
  if (a->shard_n ? asprintf (&out, "%.*s.shard-%u-of-%u.%s", (int) n,
                             a->manifest, a->shard_k, a->shard_n, what) < 0
      : asprintf (&out, "%.*s.%s", (int) n, a->manifest, what) < 0)
    return NULL;
  return out;
}

/* One option C (its value OPTARG): -1 taken, else the exit code of a
 * usage error. */
static int
parse_one (int c, char **argv, struct batch_args *a)
{
  unsigned v;

  switch (c) {
  case 'j':
    if (parse_uint (optarg, MAX_WORKERS, &a->jobs) < 0 || a->jobs == 0)
      return fg_cmd_usage_error ("batch", "-j takes a number from 1 to %d, "
                                 "not '%s'", MAX_WORKERS, optarg);
    return -1;
  case OPT_STATE: a->state = optarg; return -1;
  case OPT_SUMMARY: a->summary = optarg; return -1;
  case OPT_LOGS: a->logs = optarg; return -1;
  case OPT_JSON: a->json = 1; return -1;
  case OPT_RETRIES:
    if (parse_uint (optarg, 100, &v) < 0)
      return fg_cmd_usage_error ("batch", "--retries takes a number from 0 "
                                 "to 100, not '%s'", optarg);
    a->retries = (int) v;
    return -1;
  case OPT_RETRY_FAILED: a->retry_failed = 1; return -1;
  case OPT_STRICT: a->strict = 1; return -1;
  case OPT_DRY_RUN: a->dry_run = 1; return -1;
  case OPT_STATUS: a->status = 1; return -1;
  case OPT_PROGRESS:
    if (fg_progress_parse_mode (optarg, &a->progress) < 0)
      return fg_cmd_usage_error ("batch", "--progress takes auto, none, "
                                 "bar or json, not '%s'", optarg);
    return -1;
  case OPT_SHARD: {
    char *slash = strchr (optarg, '/'), k[16];
    size_t klen = slash ? (size_t) (slash - optarg) : 0;
    if (slash == NULL || klen == 0 || klen >= sizeof k)
      return fg_cmd_usage_error ("batch", "--shard takes K/N, such as 2/8, "
                                 "not '%s'", optarg);
    memcpy (k, optarg, klen);
    k[klen] = '\0';
    if (parse_uint (k, 1000000, &a->shard_k) < 0 ||
        parse_uint (slash + 1, 1000000, &a->shard_n) < 0 ||
        a->shard_k < 1 || a->shard_k > a->shard_n)
      return fg_cmd_usage_error ("batch", "--shard takes K/N with 1 <= K "
                                 "<= N, not '%s'", optarg);
    return -1;
  }
  default:
    return fg_cmd_bad_option ("batch", c, argv);
  }
}

/* The files not named on the command line, beside the manifest; the
 * logs' folder absolute, as the summary names sources and outputs.
 * -1 done, else an exit code. */
static int
default_files (struct batch_args *a)
{
  if (a->state == NULL &&
      /* MANIFEST.json -> MANIFEST.state.sqlite, beside it. */
      (a->state = a->state_buf = beside_manifest (a, "state.sqlite"))
      == NULL)
    return FG_EXIT_INTERNAL;
  if (a->summary == NULL &&
      (a->summary = a->summary_buf = beside_manifest (a, "summary.json"))
      == NULL)
    return FG_EXIT_INTERNAL;
  if (a->logs == NULL) {
    /* STATE's folder / MANIFEST-STEM.logs: one folder for every shard of
     * a fleet (ids are unique across shards). */
    char *scopy = strdup (a->state), *mcopy = strdup (a->manifest);
    const char *stem = mcopy ? basename (mcopy) : NULL;
    size_t n = stem ? strlen (stem) : 0;
    int ok;
    if (n > 5 && strcmp (stem + n - 5, ".json") == 0)
      n -= 5;
    ok = scopy && mcopy &&
         asprintf (&a->logs_buf, "%s/%.*s.logs", dirname (scopy), (int) n,
                   stem) >= 0;
    free (scopy);
    free (mcopy);
    if (!ok)
      return FG_EXIT_INTERNAL;
    a->logs = a->logs_buf;
  }
  if (a->logs[0] != '/') {
    char cwd[4096], *abs;
    if (getcwd (cwd, sizeof cwd) == NULL ||
        asprintf (&abs, "%s/%s", cwd, strncmp (a->logs, "./", 2) == 0
                  ? a->logs + 2 : a->logs) < 0)
      return FG_EXIT_INTERNAL;
    free (a->logs_buf);
    a->logs = a->logs_buf = abs;
  }
  return -1;
}

/* -1 when the command is to run, else its exit code. */
static int
parse_args (int argc, char **argv, struct batch_args *a)
{
  int c, rc;

  a->retries = 1;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":j:", long_opts, NULL)) != -1)
    if ((rc = parse_one (c, argv, a)) >= 0)
      return rc;
  if (optind >= argc)
    return fg_cmd_usage_error ("batch", "missing MANIFEST.json");
  if (optind + 1 < argc)
    return fg_cmd_usage_error ("batch", "one MANIFEST only (got '%s' and "
                               "'%s')", argv[optind], argv[optind + 1]);
  if (a->dry_run && a->status)
    return fg_cmd_usage_error ("batch", "--dry-run and --status do not go "
                               "together");
  a->manifest = argv[optind];
  if (a->jobs == 0)
    a->jobs = cores () < MAX_WORKERS ? cores () : MAX_WORKERS;
  if (a->shard_n)
    snprintf (a->queue, sizeof a->queue, "batch:shard-%u-of-%u", a->shard_k,
              a->shard_n);
  else
    snprintf (a->queue, sizeof a->queue, "batch");
  if ((rc = default_files (a)) >= 0)
    return rc;
  switch (a->progress) {
  case FG_PROGRESS_AUTO:
    a->show = isatty (STDERR_FILENO) ? SHOW_LIVE : SHOW_JSON;
    break;
  case FG_PROGRESS_BAR: a->show = SHOW_LIVE; break;
  case FG_PROGRESS_JSON: a->show = SHOW_JSON; break;
  case FG_PROGRESS_NONE: a->show = SHOW_NONE; break;
  }
  return -1;
}

/* The store, the logs' folder and the signals ready; the jobs in the
 * store and the ones cut off by an earlier run back in line. */
static int
prepare (struct batch *b)
{
  unsigned foreign = 0;
  int rc;

  if (b->store == NULL && (b->store = fg_store_open (b->a->state,
                                                     FG_STORE_CREATE,
                                                     &b->err)) == NULL)
    return -1;
  if (batch_make_logs_dir (b) < 0)
    return -1;
  fg_store_set_retries (b->store, b->a->retries);
  if (fg_wake_install (&b->err) < 0)
    return -1;
  fg_warn_set_sink (batch_warn_sink, b);
  rc = fg_store_recover (b->store, &foreign, &b->err);
  if (rc < 0)
    return -1;
  if (rc > 0)
    fg_warn ("%d job%s cut off by an earlier run will be redone", rc,
             rc == 1 ? "" : "s");
  if (foreign)
    fg_warn ("%u job%s running on other hosts are left alone", foreign,
             foreign == 1 ? " is" : "s are");
  if (batch_add_jobs (b) < 0 || batch_reject_jobs (b) < 0)
    return -1;
  return 0;
}

/* Run the jobs and end with the summary: the exit code, or -1 (B->err). */
static int
run (struct batch *b)
{
  int rc;

  if (batch_run_pool (b) < 0) {
    struct fg_err keep = b->err;
    batch_summary (b, 0);
    b->err = keep;
    return -1;
  }
  rc = batch_summary (b, 0);
  if (b->a->show == SHOW_JSON) {
    json_t *o = json_pack ("{s:s, s:f, s:s}", "event", "end", "seconds",
                           round (fg_clock_since (&b->t0) * 1000) / 1000,
                           "summary", b->a->summary);
    if (o)
      batch_tally_json (b, o);
    batch_emit_json (o);
  }
  if (rc < 0)
    return -1;
  return fg_wake_first () ? 128 + fg_wake_first () : rc;
}

/* The steps, by the options: the exit code. */
static int
steps (struct batch *b)
{
  int rc;

  if (batch_load (b) < 0)
    return fg_cmd_finish (&b->err);
  if (b->a->dry_run)
    return batch_dry_run (b);
  if (b->a->status) {
    rc = batch_summary (b, 0);
    return rc < 0 ? fg_cmd_finish (&b->err) : rc;
  }
  if (prepare (b) < 0 || (rc = run (b)) < 0)
    return fg_cmd_finish (&b->err);
  return rc;
}

static int
run_batch (int argc, char **argv)
{
  struct batch_args a;
  struct batch *b = NULL;
  int rc;

  memset (&a, 0, sizeof a);
  if ((rc = parse_args (argc, argv, &a)) < 0) {
    b = calloc (1, sizeof *b);
    rc = FG_EXIT_INTERNAL;
  }
  if (b) {
    b->a = &a;
    clock_gettime (CLOCK_MONOTONIC, &b->t0);
    rc = steps (b);
    fg_warn_set_sink (NULL, NULL);
    if (b->store)
      fg_store_close (b->store);
    fg_manifest_release (&b->m);
    free (b->in_shard);
    free (b);
  }
  free (a.state_buf);
  free (a.summary_buf);
  free (a.logs_buf);
  return rc;
}

const struct fg_cmd fg_cmd_batch = {
  .name = "batch",
  .summary = "convert a fleet from a manifest, resumably",
  .help = help,
  .run = run_batch,
};
