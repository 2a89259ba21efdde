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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "util/outfile.h"
#include "util/progress.h"
#include "jobs/child.h"
#include "jobs/manifest.h"
#include "jobs/outcome.h"
#include "jobs/wake.h"
#include "jobs/store.h"

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

#define MAX_WORKERS 256
/* The stderr kept from each conversion in the store: its last words are
 * what explain a failure (the whole of it is in the job's log file). */
#define LOG_TAIL 16384
/* A conversion's JSON result is a few KiB; more is a runaway. */
#define MAX_RESULT (16u << 20)
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

struct worker {
  pid_t pid;                  /* 0: free slot */
  struct fg_job job;
  int fd[2];                  /* stdout, stderr of the child; -1 at EOF */
  struct fg_buf out, err;        /* the result; stderr's tail, events left out */
  int log_fd;                 /* the job's log file, or -1 */
  char line[LINE_MAX_EVENT];  /* stderr's current line, while short */
  size_t line_len;
  int line_long;              /* the current line outgrew LINE */
  char phase[24];             /* the child's last progress event */
  uint64_t pdone, ptotal;
  double last_relay;          /* when a progress event was last relayed */
  struct timespec t0;
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
  struct worker w[MAX_WORKERS];
  unsigned running;
  int fatal;                  /* the store failed: stop */
  struct fg_err err;
  struct tally tally;
  unsigned long finished_here;        /* jobs this run took to an end */
  struct timespec t0;
  struct timespec last_draw;
  int drawn_lines;            /* the live display's height on screen */
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

static int
parse_args (int argc, char **argv, struct batch_args *a)
{
  int c;
  unsigned v;

  a->retries = 1;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":j:", long_opts, NULL)) != -1) {
    switch (c) {
    case 'j':
      if (parse_uint (optarg, MAX_WORKERS, &a->jobs) < 0 || a->jobs == 0)
        return fg_cmd_usage_error ("batch", "-j takes a number from 1 to %d, "
                                   "not '%s'", MAX_WORKERS, optarg);
      break;
    case OPT_STATE: a->state = optarg; break;
    case OPT_SUMMARY: a->summary = optarg; break;
    case OPT_LOGS: a->logs = optarg; break;
    case OPT_JSON: a->json = 1; break;
    case OPT_RETRIES:
      if (parse_uint (optarg, 100, &v) < 0)
        return fg_cmd_usage_error ("batch", "--retries takes a number from 0 "
                                   "to 100, not '%s'", optarg);
      a->retries = (int) v;
      break;
    case OPT_RETRY_FAILED: a->retry_failed = 1; break;
    case OPT_STRICT: a->strict = 1; break;
    case OPT_DRY_RUN: a->dry_run = 1; break;
    case OPT_STATUS: a->status = 1; break;
    case OPT_PROGRESS:
      if (fg_progress_parse_mode (optarg, &a->progress) < 0)
        return fg_cmd_usage_error ("batch", "--progress takes auto, none, "
                                   "bar or json, not '%s'", optarg);
      break;
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
      break;
    }
    default:
      return fg_cmd_bad_option ("batch", c, argv);
    }
  }
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
  if (a->state == NULL) {
    /* MANIFEST.json -> MANIFEST.state.sqlite, beside it. */
    if ((a->state = a->state_buf = beside_manifest (a, "state.sqlite"))
        == NULL)
      return FG_EXIT_INTERNAL;
  }
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
    /* Absolute, as the summary names sources and outputs. */
    char cwd[4096], *abs;
    if (getcwd (cwd, sizeof cwd) == NULL ||
        asprintf (&abs, "%s/%s", cwd, strncmp (a->logs, "./", 2) == 0
                  ? a->logs + 2 : a->logs) < 0)
      return FG_EXIT_INTERNAL;
    free (a->logs_buf);
    a->logs = a->logs_buf = abs;
  }
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

/* ---- progress ------------------------------------------------------------ */

static double
since (const struct timespec *t0)
{
  struct timespec t1;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  return (double) (t1.tv_sec - t0->tv_sec) +
    (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static double
unix_now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_REALTIME, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* "2026-11-23T12:34:56Z" */
static void
iso_time (double t, char *out, size_t cap)
{
  time_t secs = (time_t) t;
  struct tm tm;

  if (t <= 0 || gmtime_r (&secs, &tm) == NULL)
    snprintf (out, cap, "-");
  else
    strftime (out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "0:07", "12:34", "3:02:01" */
static void
clock_text (double secs, char *out, size_t cap)
{
  unsigned long t = secs > 0 ? (unsigned long) (secs + 0.5) : 0;

  if (t >= 3600)
    snprintf (out, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf (out, cap, "%lu:%02lu", t / 60, t % 60);
}

/* The columns of a terminal (80 if it will not say). */
static void
term_size (int *cols, int *rows)
{
  struct winsize ws;

  *cols = 80;
  *rows = 24;
  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    *cols = ws.ws_col;
    *rows = ws.ws_row > 0 ? ws.ws_row : 24;
  }
}

static void
tally_json (const struct batch *b, json_t *o)
{
  json_object_set_new (o, "done", json_integer ((json_int_t) b->tally.done));
  json_object_set_new (o, "ineligible",
                       json_integer ((json_int_t) b->tally.ineligible));
  json_object_set_new (o, "failed",
                       json_integer ((json_int_t) b->tally.failed));
  json_object_set_new (o, "running",
                       json_integer ((json_int_t) b->tally.running));
  json_object_set_new (o, "pending",
                       json_integer ((json_int_t) b->tally.pending));
  json_object_set_new (o, "total", json_integer ((json_int_t) b->total));
}

static void
emit_json (json_t *o)
{
  if (o == NULL)
    return;
  json_dumpf (o, stderr, JSON_COMPACT | JSON_REAL_PRECISION (10));
  fputc ('\n', stderr);
  fflush (stderr);
  json_decref (o);
}

/* Estimated seconds left, from the pace of the jobs this run finished;
 * negative while there is nothing to judge by. */
static double
time_left (const struct batch *b)
{
  double el = since (&b->t0);
  unsigned long todo = b->tally.pending + b->tally.running;

  if (b->finished_here == 0 || el <= 0)
    return -1;
  return (double) todo * el / (double) b->finished_here;
}

/* The live display: a line per running job and one for the batch, drawn
 * over the previous one.  Lines are cut to the terminal's width so that
 * none wraps (the redraw counts lines). */
static void
live_erase (struct batch *b)
{
  if (b->drawn_lines > 0)
    fprintf (stderr, "\r\033[%dF\033[J", b->drawn_lines);
  b->drawn_lines = 0;
}

static void
live_draw (struct batch *b, int force)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f;
  int cols, rows, lines = 0, room, shown = 0;
  char el[32], left[48] = "";
  double tl;

  if (b->a->show != SHOW_LIVE)
    return;
  if (!force && since (&b->last_draw) < DRAW_PERIOD)
    return;
  clock_gettime (CLOCK_MONOTONIC, &b->last_draw);
  term_size (&cols, &rows);
  room = rows > 6 ? rows - 3 : 3;
  f = open_memstream (&text, &len);
  if (f == NULL)
    return;
  for (unsigned i = 0; i < b->a->jobs; i++) {
    const struct worker *w = &b->w[i];
    char line[512], pct[8] = "", bar[16] = "", t[32];
    if (w->pid <= 0)
      continue;
    if (shown == room) {
      shown++;
      continue;
    }
    shown++;
    clock_text (since (&w->t0), t, sizeof t);
    if (w->ptotal > 0) {
      unsigned p = (unsigned) (w->pdone * 100 / w->ptotal);
      int fill = (int) (p > 100 ? 10 : p / 10);
      snprintf (pct, sizeof pct, "%3u%%", p > 100 ? 100 : p);
      snprintf (bar, sizeof bar, "[%.*s%*s]", fill, "##########",
                10 - fill, "");
    }
    snprintf (line, sizeof line, "  %-24s %-8s %4s %-12s %s%s", w->job.key,
              w->phase[0] ? w->phase : "starting", pct, bar, t,
              w->job.runs > 1 ? " (again)" : "");
    fprintf (f, "%.*s\n", cols - 1, line);
    lines++;
  }
  if (shown > room) {
    fprintf (f, "  ... and %d more\n", shown - room);
    lines++;
  }
  clock_text (since (&b->t0), el, sizeof el);
  tl = time_left (b);
  if (tl >= 0) {
    char t[32];
    clock_text (tl, t, sizeof t);
    snprintf (left, sizeof left, ", about %s left", t);
  }
  {
    char line[512];
    /* Times first: a narrow terminal cuts the end of the line. */
    snprintf (line, sizeof line, "%s elapsed%s: %lu/%zu done, %lu "
              "ineligible, %lu failed, %lu running, %lu pending", el, left,
              b->tally.done, b->total, b->tally.ineligible, b->tally.failed,
              b->tally.running, b->tally.pending);
    fprintf (f, "%.*s\n", cols - 1, line);
    lines++;
  }
  fclose (f);
  /* One write: the old display and the new one never show half each. */
  live_erase (b);
  fwrite (text, 1, len, stderr);
  fflush (stderr);
  free (text);
  b->drawn_lines = lines;
}

static char *log_path (const struct batch *b, const char *key);

/* A job event: a JSON line (--progress json, or stderr not a terminal),
 * or a line above the live display.  EVENT is "start", "done",
 * "ineligible", "failed", "retry" or "interrupted"; W the job's worker,
 * or NULL for a job failed before it started (KEY names it). */
static void
report_job (struct batch *b, const char *event, const struct worker *w,
            const char *key, double secs, const char *kind, const char *msg,
            json_t *verdicts)
{
  char when[32];

  if (b->a->show == SHOW_JSON) {
    json_t *o = json_pack ("{s:s, s:s}", "event", event, "id", key);
    if (o == NULL)
      return;
    iso_time (unix_now (), when, sizeof when);
    json_object_set_new (o, "time", json_string (when));
    if (strcmp (event, "start") == 0 && w) {
      char *log = log_path (b, key);
      json_object_set_new (o, "pid", json_integer (w->pid));
      json_object_set_new (o, "run", json_integer (w->job.runs));
      if (log)
        json_object_set_new (o, "log", json_string (log));
      free (log);
    } else
      json_object_set_new (o, "seconds", json_real (round (secs * 1000)
                                                    / 1000));
    if (kind)
      json_object_set_new (o, "error", json_pack ("{s:s, s:s}", "kind", kind,
                                                  "message", msg ? msg : ""));
    if (verdicts)
      json_object_set (o, "verdicts", verdicts);
    tally_json (b, o);
    emit_json (o);
    return;
  }
  if (b->a->show != SHOW_LIVE || strcmp (event, "start") == 0)
    return;
  live_erase (b);
  if (strcmp (event, "done") == 0)
    fprintf (stderr, "fg2ng batch: %s: done in %.1f s\n", key, secs);
  else if (strcmp (event, "interrupted") == 0)
    fprintf (stderr, "fg2ng batch: %s: interrupted after %.1f s; left to "
             "be redone\n", key, secs);
  else if (strcmp (event, "ineligible") == 0)
    fprintf (stderr, "fg2ng batch: %s: ineligible: %s\n", key, msg);
  else if (w == NULL)
    fprintf (stderr, "fg2ng batch: %s: failed (%s), not started: %s\n",
             key, kind, msg);
  else
    fprintf (stderr, "fg2ng batch: %s: %s (%s) after %.1f s: %s\n",
             key, strcmp (event, "retry") == 0
             ? "failed, to be retried" : "failed", kind, secs, msg);
  fflush (stderr);
  /* Redrawn by the loop once the job has left its worker. */
  memset (&b->last_draw, 0, sizeof b->last_draw);
}

static void
report (struct batch *b, const char *event, const struct worker *w,
        double secs, const char *kind, const char *msg, json_t *verdicts)
{
  report_job (b, event, w, w->job.key, secs, kind, msg, verdicts);
}

/* Warnings of the batch itself: a JSON event among the others, or a line
 * above the live display (not into it). */
static void
warn_sink (const char *msg, void *opaque)
{
  struct batch *b = opaque;

  if (b->a->show == SHOW_JSON) {
    char when[32];
    json_t *o = json_pack ("{s:s, s:s}", "event", "warning", "message", msg);
    iso_time (unix_now (), when, sizeof when);
    if (o)
      json_object_set_new (o, "time", json_string (when));
    emit_json (o);
    return;
  }
  live_erase (b);
  memset (&b->last_draw, 0, sizeof b->last_draw);
  fprintf (stderr, "fg2ng: warning: %s\n", msg);
  fflush (stderr);
}

/* A progress event of a conversion: "{"event":"progress","phase":"convert",
 * "done":N,"total":M,...}" (util/progress.c).  Relayed as JSON at most
 * once a second per job. */
static int
progress_line (struct batch *b, struct worker *w, const char *line,
               size_t len)
{
  json_t *o;
  const char *phase;
  char event[16];

  if (len < 10 || strncmp (line, "{\"event\":", 9) != 0)
    return 0;
  o = json_loadb (line, len, 0, NULL);
  phase = json_string_value (json_object_get (o, "phase"));
  if (!json_is_string (json_object_get (o, "event")) || phase == NULL ||
      !json_is_integer (json_object_get (o, "done"))) {
    json_decref (o);
    return 0;
  }
  snprintf (event, sizeof event, "%s",
            json_string_value (json_object_get (o, "event")));
  snprintf (w->phase, sizeof w->phase, "%s", phase);
  w->pdone = (uint64_t) json_integer_value (json_object_get (o, "done"));
  w->ptotal = (uint64_t) json_integer_value (json_object_get (o, "total"));
  json_decref (o);
  if (b->a->show == SHOW_JSON) {
    double t = since (&w->t0);
    if (t - w->last_relay >= 1.0 || strcmp (event, "progress") != 0) {
      json_t *r = json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I, s:f}", "event",
                             "progress", "id", w->job.key, "step", event,
                             "phase", w->phase, "done",
                             (json_int_t) w->pdone, "total",
                             (json_int_t) w->ptotal, "seconds",
                             round (t * 1000) / 1000);
      if (r && w->ptotal > 0)
        json_object_set_new (r, "percent",
                             json_integer ((json_int_t) (w->pdone * 100 /
                                                         w->ptotal)));
      w->last_relay = t;
      emit_json (r);
    }
  }
  return 1;
}

/* ---- children ------------------------------------------------------------ */

/* Write all of DATA to the job's log; a log that fails (disk full) is
 * closed with a warning, and the conversion goes on. */
static void
log_write (struct worker *w, const char *data, size_t n)
{
  while (w->log_fd >= 0 && n > 0) {
    ssize_t k = write (w->log_fd, data, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      fg_warn ("the log of job '%s' stopped: %s", w->job.key,
               strerror (k < 0 ? errno : EIO));
      close (w->log_fd);
      w->log_fd = -1;
      return;
    }
    data += k;
    n -= (size_t) k;
  }
}

static void
log_printf (struct worker *w, const char *fmt, ...) FG_PRINTF(2, 3);

static void
log_printf (struct worker *w, const char *fmt, ...)
{
  char text[8192];
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (text, sizeof text, fmt, ap);
  va_end (ap);
  if (n > 0)
    log_write (w, text, (size_t) n < sizeof text ? (size_t) n
               : sizeof text - 1);
}

/* A whole line of the child's stderr (without its newline): a progress
 * event, or text kept in the tail. */
static void
stderr_line (struct batch *b, struct worker *w, const char *line, size_t len)
{
  if (progress_line (b, w, line, len))
    return;
  if (fg_buf_add (&w->err, line, len, LOG_TAIL) == 0)
    fg_buf_add (&w->err, "\n", 1, LOG_TAIL);
}

/* Split the child's stderr into lines, holding at most LINE_MAX_EVENT
 * bytes of a line: a longer line cannot be an event and goes to the tail
 * as it comes. */
static void
stderr_feed (struct batch *b, struct worker *w, const char *data, size_t n)
{
  while (n > 0) {
    const char *nl = memchr (data, '\n', n);
    size_t take = nl ? (size_t) (nl - data) : n;

    if (w->line_long || w->line_len + take >= sizeof w->line) {
      if (!w->line_long) {
        fg_buf_add (&w->err, w->line, w->line_len, LOG_TAIL);
        w->line_len = 0;
        w->line_long = 1;
      }
      fg_buf_add (&w->err, data, take, LOG_TAIL);
      if (nl) {
        fg_buf_add (&w->err, "\n", 1, LOG_TAIL);
        w->line_long = 0;
      }
    } else {
      memcpy (w->line + w->line_len, data, take);
      w->line_len += take;
      if (nl) {
        stderr_line (b, w, w->line, w->line_len);
        w->line_len = 0;
      }
    }
    data += take + (nl != NULL);
    n -= take + (nl != NULL);
  }
}

/* Read what is there from the child's pipe I; close it at EOF. */
static void
drain (struct batch *b, struct worker *w, int i)
{
  char chunk[65536];

  while (w->fd[i] >= 0) {
    ssize_t n = read (w->fd[i], chunk, sizeof chunk);
    if (n > 0) {
      if (i == 1) {
        log_write (w, chunk, (size_t) n);
        stderr_feed (b, w, chunk, (size_t) n);
        continue;
      }
      if (w->out.len + (size_t) n > MAX_RESULT)
        continue;               /* a runaway: judged by its exit status */
      fg_buf_add (&w->out, chunk, (size_t) n, 0);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      close (w->fd[i]);
      w->fd[i] = -1;
    }
  }
}

/* A previous run of this job may have been killed before it could remove
 * its temporaries (kill -9 of the conversion itself). */
static void
swept (const char *dir, const char *name, void *opaque)
{
  (void) opaque;
  fg_warn ("removed '%s/%s', left by an interrupted run", dir, name);
}

/* S, quoted for a POSIX shell where it needs to be. */
static void
quote_to (FILE *f, const char *s)
{
  if (*s && strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789-_./=:@+,") == strlen (s)) {
    fputs (s, f);
    return;
  }
  fputc ('\'', f);
  for (; *s; s++)
    if (*s == '\'')
      fputs ("'\\''", f);
    else
      fputc (*s, f);
  fputc ('\'', f);
}

static char *
log_path (const struct batch *b, const char *key)
{
  char *p;
  /* Ids are letters, digits and ._:@+- without a leading dot
   * (jobs/manifest.c): a safe file name as they are. */
  if (asprintf (&p, "%s/%s.log", b->a->logs, key) < 0)
    return NULL;
  return p;
}

/* Open (append to) the job's log and write the header of this run.  A
 * log that cannot be opened is warned about; the job runs without. */
static void
open_log (struct batch *b, struct worker *w, char **argv)
{
  char *path = log_path (b, w->job.key), when[32], host[256] = "?";

  w->log_fd = -1;
  if (path == NULL)
    return;
  w->log_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (w->log_fd < 0) {
    fg_warn ("cannot open the log '%s': %s", path, strerror (errno));
    free (path);
    return;
  }
  free (path);
  w->started_at = unix_now ();
  iso_time (w->started_at, when, sizeof when);
  gethostname (host, sizeof host - 1);
  log_printf (w, "==== fg2ng batch: job '%s', run %d, started %s on %s "
              "(batch pid %ld)\n==== command:", w->job.key, w->job.runs,
              when, host, (long) getpid ());
  {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&text, &len);
    if (f) {
      for (size_t k = 0; argv[k]; k++) {
        fputc (' ', f);
        quote_to (f, argv[k]);
      }
      fputc ('\n', f);
      fclose (f);
      log_write (w, text, len);
    }
    free (text);
  }
}

/* The footer: how the run ended. */
static void
log_footer (struct worker *w, const char *outcome, int status, double secs)
{
  char when[32];

  if (w->log_fd < 0)
    return;
  iso_time (unix_now (), when, sizeof when);
  if (WIFEXITED (status))
    log_printf (w, "\n==== %s: convert exited with status %d after %.1f s, "
                "%s\n", outcome, WEXITSTATUS (status), secs, when);
  else if (WIFSIGNALED (status))
    log_printf (w, "\n==== %s: convert was killed by signal %d after %.1f "
                "s, %s\n", outcome, WTERMSIG (status), secs, when);
  else
    log_printf (w, "\n==== %s after %.1f s, %s\n", outcome, secs, when);
}

static void
log_close (struct worker *w)
{
  if (w->log_fd >= 0)
    close (w->log_fd);
  w->log_fd = -1;
}

static int
spawn (struct batch *b, struct worker *w, struct fg_err *e)
{
  char **argv;
  /* A run cut off (or killed) may have renamed its output into place
   * just before the end: redo it over that.  Not after an input error or
   * a refusal, which may be "the output already exists" of a file that
   * is not ours. */
  int redo = w->job.runs > 1 &&
             !(w->job.error_kind &&
               (strcmp (w->job.error_kind, "input") == 0 ||
                strcmp (w->job.error_kind, "refused") == 0 ||
                strcmp (w->job.error_kind, "ineligible") == 0));

  if (redo)
    fg_child_sweep_temps (w->job.output, swept, NULL);
  argv = fg_manifest_convert_argv ("fg2ng", w->job.source, w->job.output,
                                   w->job.options, redo, e);
  if (argv == NULL)
    return -1;
  open_log (b, w, argv);
  if (fg_child_spawn (argv, &w->pid, w->fd, e) < 0)
    goto fail;
  clock_gettime (CLOCK_MONOTONIC, &w->t0);
  log_printf (w, "==== convert pid %ld\n", (long) w->pid);
  fg_argv_free (argv);
  b->running++;
  b->tally.running++;
  if (b->tally.pending > 0)
    b->tally.pending--;
  report (b, "start", w, 0, NULL, NULL, NULL);
  return 0;

fail:
  if (w->log_fd >= 0) {
    log_printf (w, "==== could not start: %s\n", e->msg);
    close (w->log_fd);
    w->log_fd = -1;
  }
  fg_argv_free (argv);
  return -1;
}

/* The child has been reaped: record what became of its job. */
static void
complete (struct batch *b, struct worker *w, int status)
{
  const char *log, *outcome;
  struct fg_run_outcome oc;
  enum fg_job_state to = FG_JOB_FAILED;
  char *refusal = NULL;
  double secs;
  int rc = 0;
  struct fg_err e = FG_ERR_INIT;

  drain (b, w, 0);
  drain (b, w, 1);
  for (int i = 0; i < 2; i++)
    if (w->fd[i] >= 0) {
      /* A grandchild still holds the pipe: what it writes is not ours. */
      close (w->fd[i]);
      w->fd[i] = -1;
    }
  if (w->line_len > 0)
    stderr_line (b, w, w->line, w->line_len);
  log = w->err.data ? w->err.data : "";
  secs = since (&w->t0);
  b->tally.running--;
  /* What the run comes to: one rule with the agent's (jobs/outcome.h). */
  fg_run_outcome (status, fg_wake_first () != 0, w->out.data, w->out.len, log,
                  w->job.output, swept, NULL, &oc);
  if (oc.end == FG_RUN_INELIGIBLE) {
    json_t *doc = json_pack ("{s:b, s:O}", "eligible", 0, "verdicts",
                             oc.failing);
    refusal = doc ? json_dumps (doc, JSON_COMPACT) : NULL;
    json_decref (doc);
  }
  switch (oc.end) {
  case FG_RUN_DONE: outcome = "done"; break;
  case FG_RUN_RELEASE: outcome = "interrupted"; break;
  case FG_RUN_INELIGIBLE: outcome = "ineligible"; break;
  default:
    /* As fg_store_fail decides it (its retries are ours). */
    to = oc.retryable && w->job.attempts + 1 <= b->a->retries
      ? FG_JOB_PENDING : FG_JOB_FAILED;
    outcome = to == FG_JOB_PENDING ? "failed, to be retried" : "failed";
    break;
  }

  /* The footer goes first: a batch killed between the two then leaves a
   * log that says how the run ended even when the store never heard
   * (the rerun redoes the job and adds its own header and footer), and
   * never a job finished in the store whose log stops mid-run. */
  log_footer (w, outcome, status, secs);
  switch (oc.end) {
  case FG_RUN_DONE:
    rc = fg_store_finish (b->store, w->job.id, oc.result, log, &e);
    break;
  case FG_RUN_RELEASE:
    rc = fg_store_release (b->store, w->job.id, &e);
    break;
  case FG_RUN_INELIGIBLE:
    rc = fg_store_refuse (b->store, w->job.id, "ineligible", oc.msg, refusal,
                          log, &e);
    break;
  case FG_RUN_FAIL:
    rc = fg_store_fail (b->store, w->job.id, oc.kind, oc.msg,
                        oc.hint[0] ? oc.hint : NULL, log, oc.retryable, &e);
    if (rc >= 0 && rc != (int) to) {
      log_printf (w, "==== recorded as %s\n",
                  fg_job_state_name ((enum fg_job_state) rc));
      to = (enum fg_job_state) rc;
    }
    break;
  }

  if (rc < 0) {
    log_printf (w, "==== not recorded: the job store failed (%s); the next "
                "run redoes the job\n", e.msg);
    b->fatal = 1;
    if (!fg_err_is_set (&b->err))
      b->err = e;
  } else if (oc.end == FG_RUN_DONE) {
    b->tally.done++;
    b->finished_here++;
    report (b, "done", w, secs, NULL, NULL, NULL);
  } else if (oc.end == FG_RUN_RELEASE) {
    b->tally.pending++;
    report (b, "interrupted", w, secs, NULL, NULL, NULL);
  } else if (oc.end == FG_RUN_INELIGIBLE) {
    b->tally.ineligible++;
    b->finished_here++;
    report (b, "ineligible", w, secs, "ineligible", oc.msg, oc.failing);
  } else {
    if (to == FG_JOB_PENDING)
      b->tally.pending++;
    else {
      b->tally.failed++;
      b->finished_here++;
    }
    report (b, to == FG_JOB_PENDING ? "retry" : "failed", w, secs, oc.kind,
            oc.msg, NULL);
  }
  log_close (w);
  free (refusal);
  fg_run_outcome_release (&oc);
  fg_buf_free (&w->out);
  fg_buf_free (&w->err);
  fg_job_release (&w->job);
  w->pid = 0;
  w->line_len = 0;
  w->line_long = 0;
  w->phase[0] = '\0';
  w->pdone = w->ptotal = 0;
  w->last_relay = 0;
  b->running--;
}

static void
reap (struct batch *b)
{
  pid_t pid;
  int status;

  while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
    for (unsigned i = 0; i < b->a->jobs; i++)
      if (b->w[i].pid == pid) {
        complete (b, &b->w[i], status);
        break;
      }
}

/* The claimed job cannot start, for WHY: fail it without a run, for
 * good (a retry would meet the same). */
static void
fail_unstarted (struct batch *b, struct worker *w, const struct fg_err *why)
{
  const char *kind = fg_err_kind_name (why->kind);
  int rc = fg_store_fail (b->store, w->job.id, kind, why->msg,
                          why->hint[0] ? why->hint : NULL, NULL, 0, &b->err);

  if (rc < 0)
    b->fatal = 1;
  else {
    if (b->tally.pending > 0)
      b->tally.pending--;
    b->tally.failed++;
    b->finished_here++;
    report (b, "failed", w, 0, kind, why->msg, NULL);
  }
  fg_job_release (&w->job);
}

/* The claimed job's output is a file another job is done with or is
 * writing (jobs/store.h): fail it without a run.  Nothing of that file
 * is touched, not even a temporary beside it (the other job may be
 * writing one). */
static void
refuse_taken (struct batch *b, struct worker *w)
{
  struct fg_job o;
  struct fg_err why = FG_ERR_INIT;

  fg_job_init (&o);
  if (fg_store_get (b->store, w->job.output_taken_by, &o, &b->err) != 1) {
    b->fatal = 1;
    fg_job_release (&w->job);
    return;
  }
  /* Through fg_err: the paths are shown with their control characters
   * escaped, as every message is. */
  fg_err_set (&why, FG_E_REFUSED, "output '%s' is the same file as '%s', "
              "the output of job '%s', which is %s; not writing over it",
              w->job.output, o.output, o.key,
              o.state == FG_JOB_DONE ? "done" : "being written");
  fg_err_hint (&why, "give job '%s' an output of its own", w->job.key);
  fail_unstarted (b, w, &why);
  fg_job_release (&o);
}

/* How to run the failed jobs of this manifest (and shard, and job store)
 * again, for a summary and a hint: "fg2ng batch fleet.json
 * --retry-failed".  NULL when out of memory. */
static char *
retry_command (const struct batch *b)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);

  if (f == NULL)
    return NULL;
  fputs ("fg2ng batch ", f);
  quote_to (f, b->a->manifest);
  if (b->a->state_buf == NULL) {
    /* Not the default one: the rerun must find the same store. */
    fputs (" --state ", f);
    quote_to (f, b->a->state);
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
    char c = *p;
    if (c != '/' && c != '\0')
      continue;
    *p = '\0';
    if (mkdir (dir, 0755) < 0 &&
        (errno != EEXIST || stat (dir, &st) < 0 || !S_ISDIR (st.st_mode))) {
      err = errno == EEXIST ? ENOTDIR : errno;
      fg_err_errno (e, err == ENOSPC || err == EIO || err == EDQUOT ?
                    FG_E_IO : FG_E_INPUT, err, "cannot make the output "
                    "folder '%s'", dir);
      retry = retry_command (b);
      fg_err_hint (e, "make '%s' a folder this user may write in, or give "
                   "the job another 'output' in '%s'; then run '%s'", dir,
                   b->m.path, retry ? retry : "--retry-failed");
      free (retry);
      rc = -1;
      break;
    }
    *p = c;
    if (c == '\0')
      break;
  }
  free (copy);
  return rc;
}

static void
kill_all (struct batch *b, int sig)
{
  for (unsigned i = 0; i < b->a->jobs; i++)
    if (b->w[i].pid > 0)
      kill (b->w[i].pid, sig);
}

/* Run the pool until nothing is pending and nothing runs, or a signal
 * or a failing store stops it. */
static void
run_pool (struct batch *b)
{
  int try_claim = 1, forwarded = 0;

  for (;;) {
    struct pollfd pfd[1 + 2 * MAX_WORKERS];
    struct worker *owner[1 + 2 * MAX_WORKERS];
    int which[1 + 2 * MAX_WORKERS];
    nfds_t n = 0;

    while (try_claim && !fg_wake_first () && !b->fatal &&
           b->running < b->a->jobs) {
      struct worker *w = NULL;
      struct fg_err e = FG_ERR_INIT;
      int rc;
      for (unsigned i = 0; i < b->a->jobs && w == NULL; i++)
        if (b->w[i].pid == 0)
          w = &b->w[i];
      fg_job_init (&w->job);
      rc = fg_store_claim (b->store, b->a->queue, getpid (), &w->job,
                           &b->err);
      if (rc < 0)
        b->fatal = 1;
      if (rc <= 0) {
        try_claim = 0;
        break;
      }
      if (w->job.output_taken_by) {
        refuse_taken (b, w);
        continue;
      }
      if (make_output_folder (b, w->job.output, &e) < 0) {
        fail_unstarted (b, w, &e);
        continue;
      }
      if (spawn (b, w, &e) < 0) {
        /* Could not even start it (out of processes?): count it as a
         * failed run, to be retried. */
        char msg[FG_ERR_MSG_MAX];
        snprintf (msg, sizeof msg, "%s", e.msg);
        int st = fg_store_fail (b->store, w->job.id, "internal", msg, NULL,
                                NULL, 1, &b->err);
        if (st < 0)
          b->fatal = 1;
        else if (st == FG_JOB_FAILED && b->tally.pending > 0) {
          b->tally.pending--;
          b->tally.failed++;
        }
        fg_job_release (&w->job);
        try_claim = 0;
      }
    }
    if ((fg_wake_first () || b->fatal) && !forwarded && b->running > 0) {
      kill_all (b, fg_wake_first () ? fg_wake_first () : SIGTERM);
      forwarded = 1;
    }
    if (b->running == 0)
      break;

    pfd[n].fd = fg_wake_fd ();
    pfd[n].events = POLLIN;
    owner[n] = NULL;
    which[n++] = 0;
    for (unsigned i = 0; i < b->a->jobs; i++)
      for (int k = 0; k < 2; k++)
        if (b->w[i].pid > 0 && b->w[i].fd[k] >= 0) {
          pfd[n].fd = b->w[i].fd[k];
          pfd[n].events = POLLIN;
          owner[n] = &b->w[i];
          which[n++] = k;
        }
    /* The timeout is a safety net only (SIGCHLD wakes it: jobs/wake.h), or
     * the live display's pace. */
    if (poll (pfd, n, b->a->show == SHOW_LIVE ? (int) (DRAW_PERIOD * 1000)
              : 1000) < 0 && errno != EINTR)
      break;
    for (nfds_t i = 1; i < n; i++)
      if (pfd[i].revents)
        drain (b, owner[i], which[i]);
    if (pfd[0].revents)
      fg_wake_drain ();
    {
      unsigned before = b->running;
      reap (b);
      if (b->running < before)
        try_claim = 1;
    }
    live_draw (b, 0);
  }
  live_erase (b);
}

/* ---- summary ------------------------------------------------------------- */

/* What a job has come to, for the summary: "done", "ineligible",
 * "failed", "pending", "running", or "new" (not in the store yet). */
static const char *
outcome_of (const struct fg_job *j, int found)
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
time_json (double t)
{
  char when[32];
  if (t <= 0)
    return json_null ();
  iso_time (t, when, sizeof when);
  return json_string (when);
}

static json_t *
job_json (const struct batch *b, const struct fg_manifest_job *mj,
          const struct fg_job *j, int found)
{
  const char *outcome = outcome_of (j, found);
  json_t *o = json_pack ("{s:s, s:s, s:s, s:s, s:s}", "id", mj->id,
                         "state", found ? fg_job_state_name (j->state)
                         : "new", "outcome", outcome, "source", mj->source,
                         "output", mj->output);
  char *log = log_path (b, mj->id);
  int finished = found && (j->state == FG_JOB_DONE ||
                           j->state == FG_JOB_FAILED);

  if (o == NULL) {
    free (log);
    return NULL;
  }
  json_object_set_new (o, "runs", json_integer (found ? j->runs : 0));
  json_object_set_new (o, "attempts", json_integer (found ? j->attempts : 0));
  json_object_set_new (o, "started_at", time_json (found ? j->started_at
                                                   : 0));
  json_object_set_new (o, "finished_at", time_json (finished ?
                                                    j->finished_at : 0));
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

/* Print the summary of the shard's jobs (a table, or JSON with --json)
 * and write it to the summary file unless NO_FILE; returns 0 if every
 * job is done, 1 if not, -1 if the store failed. */
static int
summary (struct batch *b, int no_file)
{
  unsigned long n[FG_JOB_NSTATES + 2] = { 0 };  /* + "new", "ineligible" */
  enum { NEW = FG_JOB_NSTATES, INELIGIBLE = FG_JOB_NSTATES + 1 };
  json_t *root = json_object (), *arr = json_array ();
  char when[32], *retry = NULL;
  int rc = 0;

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
                                           &b->err)) < 0) {
      rc = -1;
      break;
    }
    outcome = outcome_of (&j, found);
    n[!found ? NEW : strcmp (outcome, "ineligible") == 0 ? INELIGIBLE
      : (int) j.state]++;
    jj = job_json (b, mj, &j, found);
    if (!b->a->json && jj) {
      char secs[32] = "-", in[32], out[32];
      json_t *sv = json_object_get (jj, "seconds");
      if (json_is_number (sv))
        snprintf (secs, sizeof secs, "%.1f", json_number_value (sv));
      size_text (json_is_integer (json_object_get (jj, "input_bytes")) ?
                 json_integer_value (json_object_get (jj, "input_bytes"))
                 : -1, in, sizeof in);
      size_text (json_is_integer (json_object_get (jj, "output_bytes")) ?
                 json_integer_value (json_object_get (jj, "output_bytes"))
                 : -1, out, sizeof out);
      if (found && j.state == FG_JOB_FAILED &&
          strcmp (outcome, "ineligible") == 0)
        printf ("%-24s %-10s %8s %8s %8s  %s\n", mj->id, outcome, secs, in,
                out, j.error_message ? j.error_message : "");
      else if (found && j.state == FG_JOB_FAILED)
        printf ("%-24s %-10s %8s %8s %8s  %s: %s\n", mj->id, outcome, secs,
                in, out, j.error_kind ? j.error_kind : "?",
                j.error_message ? j.error_message : "");
      else
        printf ("%-24s %-10s %8s %8s %8s  %s\n", mj->id, outcome, secs, in,
                out, mj->output);
    }
    json_array_append_new (arr, jj);
    fg_job_release (&j);
  }
  iso_time (unix_now (), when, sizeof when);
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
  /* Failed jobs stay failed, however their cause was fixed since, until
   * they are put back in line: say how, every time there are some. */
  if (n[FG_JOB_FAILED] + n[INELIGIBLE] > 0)
    retry = retry_command (b);
  json_object_set_new (root, "retry", retry ? json_string (retry)
                       : json_null ());
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

/* ---- dry run ------------------------------------------------------------- */

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
static int
dry_run (struct batch *b)
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
        quote_to (stdout, argv[k]);
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

/* ---- the command --------------------------------------------------------- */

static int
skip_checks (const struct fg_manifest_job *mj, void *opaque)
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
static int
add_jobs (struct batch *b)
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
    iso_time (unix_now (), when, sizeof when);
    if (o) {
      json_object_set_new (o, "time", json_string (when));
      tally_json (b, o);
    }
    emit_json (o);
  }
  return 0;
}

/* The jobs whose own entry is wrong (jobs/manifest.h: a source missing,
 * an option invalid) fail now, each with its problem, and the others
 * run.  Only those in line: one failed earlier stays as it was until
 * --retry-failed puts it back, and so here again, checked anew. */
static int
reject_jobs (struct batch *b)
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
        retry = retry_command (b);
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
        report_job (b, "failed", NULL, mj->id, 0, "input", why.msg, NULL);
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
    outcome = outcome_of (&j, found);
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
static int
make_logs_dir (struct batch *b)
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

/* The manifest's problems stop everything: some concern the whole of
 * it, or --strict says any does. */
static int
manifest_stops (const struct batch *b)
{
  return b->m.nproblems > b->m.nconfined ||
         (b->a->strict && b->m.nproblems > 0);
}

static int
run_batch (int argc, char **argv)
{
  struct batch_args a;
  struct batch *b;
  struct stat st;
  int rc, have_state;
  unsigned foreign = 0;

  memset (&a, 0, sizeof a);
  if ((rc = parse_args (argc, argv, &a)) >= 0) {
    free (a.state_buf);
    free (a.summary_buf);
    free (a.logs_buf);
    return rc;
  }
  b = calloc (1, sizeof *b);
  if (b == NULL) {
    free (a.state_buf);
    free (a.summary_buf);
    free (a.logs_buf);
    return FG_EXIT_INTERNAL;
  }
  b->a = &a;
  clock_gettime (CLOCK_MONOTONIC, &b->t0);
  for (unsigned i = 0; i < MAX_WORKERS; i++) {
    b->w[i].fd[0] = b->w[i].fd[1] = -1;
    b->w[i].log_fd = -1;
  }

  if (fg_manifest_load (a.manifest, &b->m, &b->err) < 0)
    goto finish;
  b->in_shard = calloc (b->m.njobs + 1, 1);
  if (b->in_shard == NULL) {
    fg_err_set (&b->err, FG_E_INTERNAL, "out of memory");
    goto finish;
  }
  for (size_t i = 0; i < b->m.njobs; i++) {
    b->in_shard[i] = a.shard_n == 0 ||
                     shard_of (b->m.jobs[i].id, a.shard_n) == a.shard_k;
    b->total += b->in_shard[i];
  }

  /* The store is read before the files are checked (a done job's source
   * may be gone), but created only when there is work to do. */
  have_state = stat (a.state, &st) == 0;
  if (a.status && !have_state) {
    fg_err_set (&b->err, FG_E_INPUT, "'%s': no such job store", a.state);
    fg_err_hint (&b->err, "no batch has run with this manifest yet, or "
                 "--state names another file");
    goto finish;
  }
  if (have_state) {
    b->store = fg_store_open (a.state, 0, &b->err);
    /* With the manifest wrong already, its problems are the news. */
    if (b->store == NULL && !manifest_stops (b))
      goto finish;
    fg_err_clear (&b->err);
  }
  /* The files of every well-formed job are checked even when others are
   * not: all the problems are listed in one run. */
  if (!a.status)
    fg_manifest_check_files (&b->m, skip_checks, b);
  /* A problem of one job alone fails that job (reject_jobs), and the
   * others run; one of the whole manifest, or any with --strict, stops
   * all of them before anything starts. */
  if (manifest_stops (b)) {
    for (size_t i = 0; i < b->m.nlisted; i++)
      fprintf (stderr, "fg2ng batch: %s\n", b->m.problems[i]);
    fg_err_set (&b->err, FG_E_INPUT, "'%s': %zu problem%s%s; nothing was "
                "started", a.manifest, b->m.nproblems,
                b->m.nproblems == 1 ? "" : "s",
                b->m.nlisted < b->m.nproblems ? " (the first listed above)"
                : " (listed above)");
    if (b->m.nproblems > b->m.nconfined)
      fg_err_hint (&b->err, "fix what the lines above name in '%s' and run "
                   "again: the manifest's form, its ids and its outputs "
                   "concern every job, so none starts until they are right",
                   a.manifest);
    else
      fg_err_hint (&b->err, "fix these jobs in '%s' (or put their files in "
                   "place), or run without --strict to convert the other "
                   "jobs and fail only these", a.manifest);
    goto finish;
  }
  if (a.dry_run) {
    rc = dry_run (b);
    goto out;
  }
  if (a.status) {
    rc = summary (b, 0);
    rc = rc < 0 ? fg_cmd_finish (&b->err) : rc;
    goto out;
  }

  if (b->store == NULL &&
      (b->store = fg_store_open (a.state, FG_STORE_CREATE, &b->err)) == NULL)
    goto finish;
  if (make_logs_dir (b) < 0)
    goto finish;
  fg_store_set_retries (b->store, a.retries);
  if (fg_wake_install (&b->err) < 0)
    goto finish;
  fg_warn_set_sink (warn_sink, b);
  rc = fg_store_recover (b->store, &foreign, &b->err);
  if (rc < 0)
    goto finish;
  if (rc > 0)
    fg_warn ("%d job%s cut off by an earlier run will be redone", rc,
             rc == 1 ? "" : "s");
  if (foreign)
    fg_warn ("%u job%s running on other hosts are left alone", foreign,
             foreign == 1 ? " is" : "s are");
  if (add_jobs (b) < 0 || reject_jobs (b) < 0)
    goto finish;

  run_pool (b);
  if (b->fatal || b->running) {
    /* The store failed under us: the children were told to stop; wait for
     * them so none runs on unseen.  Their jobs stay running in the store
     * and the next run recovers them. */
    while (b->running > 0 && waitpid (-1, NULL, 0) > 0)
      b->running--;
    if (!fg_err_is_set (&b->err))
      fg_err_set (&b->err, FG_E_INTERNAL, "the batch stopped unexpectedly");
    {
      struct fg_err keep = b->err;
      summary (b, 0);
      b->err = keep;
    }
    goto finish;
  }
  rc = summary (b, 0);
  if (b->a->show == SHOW_JSON) {
    json_t *o = json_pack ("{s:s, s:f, s:s}", "event", "end", "seconds",
                           round (since (&b->t0) * 1000) / 1000, "summary",
                           a.summary);
    if (o)
      tally_json (b, o);
    emit_json (o);
  }
  if (rc < 0)
    goto finish;
  if (fg_wake_first ())
    rc = 128 + fg_wake_first ();
  goto out;

finish:
  rc = fg_cmd_finish (&b->err);
out:
  fg_warn_set_sink (NULL, NULL);
  if (b->store)
    fg_store_close (b->store);
  fg_manifest_release (&b->m);
  free (b->in_shard);
  free (b);
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
