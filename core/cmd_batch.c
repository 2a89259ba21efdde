/* core/cmd_batch.c --- fg2ng batch MANIFEST.json: convert a fleet, N at a
 * time, resumably
 *
 * The manifest (jobs/manifest.h) is validated whole before anything
 * starts.  Its jobs go into the durable job store (jobs/store.h); then up
 * to N workers at once each claim a pending job and run it as a child
 * process, `fg2ng convert ... --json --progress none` (this very binary,
 * through /proc/self/exe), so that a crash of one conversion cannot take
 * the batch down.  The child's exit status decides the job's fate:
 *   0 done (its JSON result is stored), 1 refused and 2 input error
 *   (failed, not retried), 3 or killed by a signal (retried up to
 *   --retries times).
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cmd.h"
#include "core/progress.h"
#include "jobs/manifest.h"
#include "jobs/store.h"

static const char help[] =
"usage: fg2ng batch MANIFEST.json [-j N] [--state FILE] [--json]\n"
"\n"
"Convert every image a manifest lists, N at a time, recording each job's\n"
"state in a durable SQLite job store so that a crash or a restart resumes\n"
"where it stopped: a job done is never converted again, a job cut off is\n"
"redone from the start, and no output is ever left half-written under\n"
"its final name.  Ends with a summary on stdout.\n"
"\n"
"The manifest (JSON, doc/manifest.schema.json):\n"
"  { \"defaults\": { \"format\": \"bundle\" },\n"
"    \"jobs\": [ { \"id\": \"web01\", \"source\": \"parts/web01.tar.gz.0\",\n"
"                \"output\": \"out/web01.tgz\",\n"
"                \"options\": { \"disk_size\": \"20G\" } } ] }\n"
"Options are convert's, '_' for '-': format, parents, fs_type, headroom,\n"
"disk_size, fs_size, label, no_fixups, name, os_type, os_distro,\n"
"os_version, arch, vm_mode, min_ram, min_disk, no_auto_disk_config.\n"
"Relative paths are relative to the manifest's folder.  Every problem in\n"
"the manifest is listed (job index, id, key) and nothing starts.\n"
"\n"
"Each job runs as 'fg2ng convert SOURCE -o OUTPUT --json' in a child\n"
"process.  Exit 2 (input error) or 1 fails the job; exit 3 or a crash\n"
"is retried (--retries).  SIGINT or SIGTERM stops the batch: running\n"
"conversions are stopped and redone by the next run.\n"
"\n"
"Options:\n"
"  -j, --jobs N       conversions at once (default: the number of cores)\n"
"  --state FILE       the job store (default: MANIFEST.state.sqlite beside\n"
"                     the manifest, MANIFEST.shard-K-of-N.state.sqlite\n"
"                     with --shard); keep it on a local disk\n"
"  --retries N        retries of a job that crashed or exited 3 (default 1)\n"
"  --retry-failed     put the jobs that failed in earlier runs back in line\n"
"  --shard K/N        only the jobs of shard K of N (1 <= K <= N): a stable\n"
"                     split by id, for N machines sharing a fleet\n"
"  --dry-run          validate the manifest and print each job's state and\n"
"                     command; convert nothing, create no job store\n"
"  --status           print the summary of the job store; convert nothing\n"
"  --json             the summary as JSON\n"
"  --progress MODE    auto or bar (a line per job start and end on\n"
"                     stderr, the default), json (JSON lines) or none\n"
"  -h, --help         this text\n"
"\n"
"Exit status: 0 every job done, 1 some job failed or is not done, 2 bad\n"
"manifest or usage, 3 the job store failed, 130/143 stopped by\n"
"SIGINT/SIGTERM (the interrupted jobs stay pending).\n";

enum {
  OPT_STATE = 256, OPT_JSON, OPT_RETRIES, OPT_DRY_RUN, OPT_STATUS,
  OPT_PROGRESS, OPT_SHARD, OPT_RETRY_FAILED,
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
  { NULL, 0, NULL, 0 },
};

#define MAX_WORKERS 256
/* The stderr kept from each conversion: its last words are what explain
 * a failure. */
#define LOG_TAIL 16384
/* A conversion's JSON result is a few KiB; more is a runaway. */
#define MAX_RESULT (16u << 20)

struct batch_args {
  const char *manifest;
  const char *state;
  char *state_buf;
  unsigned jobs;
  int retries;
  int json, dry_run, status, retry_failed;
  enum fg_progress_mode progress;
  unsigned shard_k, shard_n;  /* 0/0: no sharding */
  char queue[64];
};

struct buf {
  char *data;
  size_t len, cap;
};

struct worker {
  pid_t pid;                  /* 0: free slot */
  struct fg_job job;
  int fd[2];                  /* stdout, stderr of the child; -1 at EOF */
  struct buf out, err;
  struct timespec t0;
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
};

/* ---- signals ------------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;
static int sig_pipe[2] = { -1, -1 };

static void
on_signal (int sig)
{
  int saved = errno;

  if (sig != SIGCHLD && stop_signal == 0)
    stop_signal = sig;
  if (write (sig_pipe[1], "", 1) < 0) {
    /* The pipe is full: the loop has wake-ups pending already. */
  }
  errno = saved;
}

static int
install_signals (struct fg_err *e)
{
  struct sigaction sa;

  if (pipe2 (sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot create a pipe");
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  /* SA_RESTART: SQLite's system calls carry on; poll() is woken by the
   * pipe (and returns EINTR whatever the flag). */
  sa.sa_flags = SA_RESTART;
  /* These replace the temporary-file cleanup handlers of main(): the
   * batch itself writes no output files, and must outlive the signal to
   * put its jobs back in order. */
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction (SIGCHLD, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);
  return 0;
}

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
    case OPT_JSON: a->json = 1; break;
    case OPT_RETRIES:
      if (parse_uint (optarg, 100, &v) < 0)
        return fg_cmd_usage_error ("batch", "--retries takes a number from 0 "
                                   "to 100, not '%s'", optarg);
      a->retries = (int) v;
      break;
    case OPT_RETRY_FAILED: a->retry_failed = 1; break;
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
    size_t n = strlen (a->manifest);
    if (n > 5 && strcmp (a->manifest + n - 5, ".json") == 0)
      n -= 5;
    if (a->shard_n ? asprintf (&a->state_buf, "%.*s.shard-%u-of-%u.state"
                               ".sqlite", (int) n, a->manifest, a->shard_k,
                               a->shard_n) < 0
        : asprintf (&a->state_buf, "%.*s.state.sqlite", (int) n,
                    a->manifest) < 0)
      return FG_EXIT_INTERNAL;
    a->state = a->state_buf;
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

/* One line per job event on stderr: text, or a JSON object with --progress
 * json.  EVENT is "start", "done", "failed", "retry" or "interrupted". */
static void
report (struct batch *b, const char *event, const struct worker *w,
        double secs, const char *kind, const char *msg)
{
  struct fg_store_counts c;
  struct fg_err ignore = FG_ERR_INIT;

  if (b->a->progress == FG_PROGRESS_NONE)
    return;
  if (fg_store_count (b->store, b->a->queue, &c, &ignore) < 0)
    memset (&c, 0, sizeof c);
  if (b->a->progress == FG_PROGRESS_JSON) {
    json_t *o = json_pack ("{s:s, s:s, s:i, s:i, s:i, s:i, s:i}",
                           "event", event, "id", w->job.key,
                           "done", (int) c.n[FG_JOB_DONE],
                           "failed", (int) c.n[FG_JOB_FAILED],
                           "running", (int) c.n[FG_JOB_RUNNING],
                           "pending", (int) c.n[FG_JOB_PENDING],
                           "total", (int) b->total);
    if (o == NULL)
      return;
    if (strcmp (event, "start") == 0) {
      json_object_set_new (o, "pid", json_integer (w->pid));
      json_object_set_new (o, "run", json_integer (w->job.runs));
    } else
      json_object_set_new (o, "seconds", json_real (round (secs * 1000)
                                                    / 1000));
    if (kind)
      json_object_set_new (o, "error", json_pack ("{s:s, s:s}", "kind", kind,
                                                  "message", msg ? msg : ""));
    json_dumpf (o, stderr, JSON_COMPACT | JSON_REAL_PRECISION (10));
    fputc ('\n', stderr);
    json_decref (o);
  } else if (strcmp (event, "start") == 0) {
    fprintf (stderr, "fg2ng batch: %s: started%s, pid %ld (%lu done of "
             "%zu)\n", w->job.key, w->job.runs > 1 ? " again" : "",
             (long) w->pid, c.n[FG_JOB_DONE], b->total);
  } else if (strcmp (event, "done") == 0) {
    fprintf (stderr, "fg2ng batch: %s: done in %.1f s (%lu done of %zu)\n",
             w->job.key, secs, c.n[FG_JOB_DONE], b->total);
  } else if (strcmp (event, "interrupted") == 0) {
    fprintf (stderr, "fg2ng batch: %s: interrupted after %.1f s; left to "
             "be redone\n", w->job.key, secs);
  } else {
    fprintf (stderr, "fg2ng batch: %s: %s (%s) after %.1f s: %s\n",
             w->job.key, strcmp (event, "retry") == 0
             ? "failed, to be retried" : "failed", kind, secs, msg);
  }
  fflush (stderr);
}

/* ---- children ------------------------------------------------------------ */

static void
buf_free (struct buf *b)
{
  free (b->data);
  memset (b, 0, sizeof *b);
}

static int
buf_add (struct buf *b, const char *data, size_t n, size_t keep_tail)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *bigger;
    while (cap < b->len + n + 1)
      cap *= 2;
    bigger = realloc (b->data, cap);
    if (bigger == NULL)
      return -1;
    b->data = bigger;
    b->cap = cap;
  }
  memcpy (b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
  if (keep_tail && b->len > 2 * keep_tail) {
    memmove (b->data, b->data + b->len - keep_tail, keep_tail + 1);
    b->len = keep_tail;
  }
  return 0;
}

/* Read what is there from the child's pipe I; close it at EOF. */
static void
drain (struct worker *w, int i)
{
  char chunk[65536];

  while (w->fd[i] >= 0) {
    ssize_t n = read (w->fd[i], chunk, sizeof chunk);
    if (n > 0) {
      if (i == 0 && w->out.len + (size_t) n > MAX_RESULT)
        continue;               /* a runaway: judged by its exit status */
      if (buf_add (i == 0 ? &w->out : &w->err, chunk, (size_t) n,
                   i == 1 ? LOG_TAIL : 0) < 0)
        continue;
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
 * its temporaries (kill -9 of the conversion itself): .OUT.XXXXXX.part,
 * and for a bundle .OUT.0.vhd.PID, ..OUT.0.vhd.PID.XXXXXX.part and
 * .SIDECAR.XXXXXX.part (see core/outfile.c and convert_to_bundle).
 * Only this job writes these names (outputs are unique in a manifest). */
static void
sweep_temps (const char *output)
{
  char *dcopy = strdup (output), *bcopy = strdup (output), side[512];
  const char *dir, *base;
  size_t blen, slen = 0;
  DIR *d;
  struct dirent *de;

  if (dcopy == NULL || bcopy == NULL)
    goto out;
  dir = dirname (dcopy);
  base = basename (bcopy);
  blen = strlen (base);
  if (blen > 4 && strcmp (base + blen - 4, ".tgz") == 0)
    slen = blen - 4;
  else if (blen > 7 && strcmp (base + blen - 7, ".tar.gz") == 0)
    slen = blen - 7;
  snprintf (side, sizeof side, "%.*s.json", (int) slen, base);
  d = opendir (dir);
  if (d == NULL)
    goto out;
  while ((de = readdir (d)) != NULL) {
    const char *n = de->d_name;
    size_t len = strlen (n);
    int stale = 0;

    if (n[0] != '.')
      continue;
    /* .BASE.XXXXXX.part and .SIDECAR.XXXXXX.part */
    if (len == 1 + blen + 12 && strncmp (n + 1, base, blen) == 0 &&
        n[1 + blen] == '.' && strcmp (n + len - 5, ".part") == 0)
      stale = 1;
    if (slen && len == 1 + strlen (side) + 12 &&
        strncmp (n + 1, side, strlen (side)) == 0 &&
        strcmp (n + len - 5, ".part") == 0)
      stale = 1;
    /* .BASE.0.vhd.PID (the bundle's inner disk) and, while that is
     * being written, its own temporary ..BASE.0.vhd.PID.XXXXXX.part */
    for (size_t dots = 1; dots <= 2 && !stale; dots++)
      if (len > dots + blen + 7 && strncmp (n + dots, base, blen) == 0 &&
          (dots == 1 || n[1] == '.') &&
          strncmp (n + dots + blen, ".0.vhd.", 7) == 0)
        stale = 1;
    if (stale && unlinkat (dirfd (d), n, 0) == 0)
      fg_warn ("removed '%s/%s', left by an interrupted run", dir, n);
  }
  closedir (d);
out:
  free (dcopy);
  free (bcopy);
}

static int
spawn (struct batch *b, struct worker *w, struct fg_err *e)
{
  int out[2] = { -1, -1 }, err[2] = { -1, -1 };
  char **argv;
  pid_t parent = getpid ();
  /* A run cut off (or killed) may have renamed its output into place
   * just before the end: redo it over that.  Not after an input error or
   * a refusal, which may be "the output already exists" of a file that
   * is not ours. */
  int redo = w->job.runs > 1 &&
             !(w->job.error_kind && (strcmp (w->job.error_kind, "input") == 0
                                     || strcmp (w->job.error_kind,
                                                "refused") == 0));

  if (redo)
    sweep_temps (w->job.output);
  argv = fg_manifest_convert_argv ("fg2ng", w->job.source, w->job.output,
                                   w->job.options, redo, e);
  if (argv == NULL)
    return -1;
  if (pipe2 (out, O_CLOEXEC) < 0 || pipe2 (err, O_CLOEXEC) < 0) {
    fg_err_errno (e, FG_E_IO, errno, "cannot create a pipe");
    goto fail;
  }
  fflush (NULL);
  w->pid = fork ();
  if (w->pid < 0) {
    fg_err_errno (e, FG_E_IO, errno, "cannot start a conversion");
    w->pid = 0;
    goto fail;
  }
  if (w->pid == 0) {
    sigset_t none;
    int devnull = open ("/dev/null", O_RDONLY);
    static const char msg[] = "fg2ng: error: cannot run /proc/self/exe\n";

    /* Die with the batch: if it is killed outright, SIGTERM lets the
     * conversion remove its temporary files and stop, instead of running
     * on unseen and racing the rerun for the same output. */
    prctl (PR_SET_PDEATHSIG, SIGTERM);
    if (getppid () != parent)
      _exit (128 + SIGTERM);
    signal (SIGPIPE, SIG_DFL);
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
    if (devnull >= 0)
      dup2 (devnull, 0);
    dup2 (out[1], 1);
    dup2 (err[1], 2);
    execv ("/proc/self/exe", argv);
    if (write (2, msg, sizeof msg - 1) < 0)
      _exit (127);
    _exit (127);
  }
  close (out[1]);
  close (err[1]);
  fcntl (out[0], F_SETFL, O_NONBLOCK);
  fcntl (err[0], F_SETFL, O_NONBLOCK);
  w->fd[0] = out[0];
  w->fd[1] = err[0];
  clock_gettime (CLOCK_MONOTONIC, &w->t0);
  fg_argv_free (argv);
  b->running++;
  report (b, "start", w, 0, NULL, NULL);
  return 0;

fail:
  for (int i = 0; i < 2; i++) {
    if (out[i] >= 0)
      close (out[i]);
    if (err[i] >= 0)
      close (err[i]);
  }
  fg_argv_free (argv);
  return -1;
}

/* The error convert printed: the last "fg2ng: error: " line (or a usage
 * line "fg2ng convert: "), and the "hint: " line after it. */
static void
child_error (const char *log, char *msg, size_t cap, char *hint,
             size_t hcap)
{
  const char *p = log ? log : "", *line, *last = NULL;

  msg[0] = hint[0] = '\0';
  for (line = p; *line; ) {
    size_t len = strcspn (line, "\n");
    if (strncmp (line, "fg2ng: error: ", 14) == 0) {
      snprintf (msg, cap, "%.*s", (int) (len - 14), line + 14);
      hint[0] = '\0';
    } else if (strncmp (line, "fg2ng convert: ", 15) == 0) {
      snprintf (msg, cap, "%.*s", (int) (len - 15), line + 15);
      hint[0] = '\0';
    } else if (strncmp (line, "hint: ", 6) == 0 && msg[0]) {
      snprintf (hint, hcap, "%.*s", (int) (len - 6), line + 6);
    }
    if (len > 0)
      last = line;
    line += len + (line[len] == '\n');
  }
  if (msg[0] == '\0' && last)
    snprintf (msg, cap, "%.*s", (int) strcspn (last, "\n"), last);
}

/* The child has been reaped: record what became of its job. */
static void
complete (struct batch *b, struct worker *w, int status)
{
  const char *log = w->err.data ? w->err.data : "";
  char msg[FG_ERR_MSG_MAX], hint[FG_ERR_HINT_MAX];
  const char *kind = NULL;
  int retryable = 0, rc = 0;
  double secs;
  struct fg_err e = FG_ERR_INIT;

  drain (w, 0);
  drain (w, 1);
  for (int i = 0; i < 2; i++)
    if (w->fd[i] >= 0) {
      /* A grandchild still holds the pipe: what it writes is not ours. */
      close (w->fd[i]);
      w->fd[i] = -1;
    }
  secs = since (&w->t0);
  child_error (log, msg, sizeof msg, hint, sizeof hint);

  if (WIFEXITED (status) && WEXITSTATUS (status) == 0) {
    json_error_t jerr;
    json_t *res = json_loadb (w->out.data ? w->out.data : "", w->out.len, 0,
                              &jerr);
    char *text = res ? json_dumps (res, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (text) {
      rc = fg_store_finish (b->store, w->job.id, text, log, &e);
      if (rc == 0)
        report (b, "done", w, secs, NULL, NULL);
    } else {
      kind = "internal";
      retryable = 1;
      snprintf (msg, sizeof msg, "convert succeeded but printed no JSON "
                "result (%s)", jerr.text);
    }
    free (text);
    json_decref (res);
  } else if (stop_signal) {
    /* Stopped on purpose (or failing because of it): to be redone. */
    rc = fg_store_release (b->store, w->job.id, &e);
    if (rc == 0)
      report (b, "interrupted", w, secs, NULL, NULL);
  } else if (WIFEXITED (status)) {
    int code = WEXITSTATUS (status);
    kind = code == 1 ? "refused" : code == 2 ? "input" : "internal";
    retryable = code == 3;
    if (code == 127 && msg[0] == '\0')
      snprintf (msg, sizeof msg, "cannot run the conversion");
    if (msg[0] == '\0')
      snprintf (msg, sizeof msg, "convert exited with status %d", code);
  } else if (WIFSIGNALED (status)) {
    kind = "signal";
    retryable = 1;
    snprintf (msg, sizeof msg, "convert was killed by signal %d (%s)",
              WTERMSIG (status), strsignal (WTERMSIG (status)));
  }
  if (kind && rc == 0) {
    rc = fg_store_fail (b->store, w->job.id, kind, msg, hint[0] ? hint : NULL,
                        log, retryable, &e);
    if (rc >= 0)
      report (b, rc == FG_JOB_PENDING ? "retry" : "failed", w, secs, kind,
              msg);
  }
  if (rc < 0) {
    b->fatal = 1;
    if (!fg_err_is_set (&b->err))
      b->err = e;
  }
  buf_free (&w->out);
  buf_free (&w->err);
  fg_job_release (&w->job);
  w->pid = 0;
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

    while (try_claim && !stop_signal && !b->fatal &&
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
      if (spawn (b, w, &e) < 0) {
        /* Could not even start it (out of processes?): count it as a
         * failed run, to be retried. */
        char msg[FG_ERR_MSG_MAX];
        snprintf (msg, sizeof msg, "%s", e.msg);
        if (fg_store_fail (b->store, w->job.id, "internal", msg, NULL, NULL,
                           1, &b->err) < 0)
          b->fatal = 1;
        fg_job_release (&w->job);
        try_claim = 0;
      }
    }
    if ((stop_signal || b->fatal) && !forwarded && b->running > 0) {
      kill_all (b, stop_signal ? stop_signal : SIGTERM);
      forwarded = 1;
    }
    if (b->running == 0)
      break;

    pfd[n].fd = sig_pipe[0];
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
    /* The timeout is a safety net only: SIGCHLD writes to sig_pipe. */
    if (poll (pfd, n, 1000) < 0 && errno != EINTR)
      break;
    for (nfds_t i = 1; i < n; i++)
      if (pfd[i].revents)
        drain (owner[i], which[i]);
    if (pfd[0].revents) {
      char sink[64];
      while (read (sig_pipe[0], sink, sizeof sink) > 0)
        ;
    }
    {
      unsigned before = b->running;
      reap (b);
      if (b->running < before)
        try_claim = 1;
    }
  }
}

/* ---- summary ------------------------------------------------------------- */

static json_t *
job_json (const struct fg_manifest_job *mj, const struct fg_job *j, int found)
{
  json_t *o = json_pack ("{s:s, s:s, s:s, s:s}", "id", mj->id,
                         "state", found ? fg_job_state_name (j->state)
                         : "new", "source", mj->source, "output",
                         mj->output);

  if (o == NULL || !found)
    return o;
  json_object_set_new (o, "runs", json_integer (j->runs));
  json_object_set_new (o, "attempts", json_integer (j->attempts));
  if (j->state == FG_JOB_DONE || j->state == FG_JOB_FAILED)
    json_object_set_new (o, "seconds", json_real (round ((j->finished_at -
                                                         j->started_at)
                                                        * 1000) / 1000));
  else
    json_object_set_new (o, "seconds", json_null ());
  if (j->error_kind && j->state != FG_JOB_DONE) {
    json_t *err = json_pack ("{s:s, s:s}", "kind", j->error_kind, "message",
                             j->error_message ? j->error_message : "");
    if (err && j->error_hint)
      json_object_set_new (err, "hint", json_string (j->error_hint));
    json_object_set_new (o, "error", err);
  } else
    json_object_set_new (o, "error", json_null ());
  json_object_set_new (o, "result", j->result ? json_loads (j->result, 0,
                                                            NULL)
                       : json_null ());
  return o;
}

/* Print the summary of the shard's jobs; returns 0 if every one is done,
 * 1 if not, -1 if the store failed. */
static int
summary (struct batch *b)
{
  unsigned long n[FG_JOB_NSTATES + 1] = { 0 };    /* + "new" */
  json_t *root = NULL, *arr = NULL;
  int rc = 0;

  if (b->a->json) {
    root = json_object ();
    arr = json_array ();
  } else
    printf ("%-20s %-8s %8s  %s\n", "ID", "STATE", "SECONDS",
            "OUTPUT OR ERROR");
  for (size_t i = 0; i < b->m.njobs; i++) {
    const struct fg_manifest_job *mj = &b->m.jobs[i];
    struct fg_job j;
    int found = 0;

    if (!b->in_shard[i])
      continue;
    fg_job_init (&j);
    if (b->store && (found = fg_store_get (b->store, mj->id, &j,
                                           &b->err)) < 0) {
      rc = -1;
      break;
    }
    n[found ? (int) j.state : FG_JOB_NSTATES]++;
    if (arr)
      json_array_append_new (arr, job_json (mj, &j, found));
    else {
      char secs[32] = "-";
      if (found && (j.state == FG_JOB_DONE || j.state == FG_JOB_FAILED))
        snprintf (secs, sizeof secs, "%.1f", j.finished_at - j.started_at);
      if (found && j.state == FG_JOB_FAILED)
        printf ("%-20s %-8s %8s  %s: %s\n", mj->id, "failed", secs,
                j.error_kind ? j.error_kind : "?",
                j.error_message ? j.error_message : "");
      else
        printf ("%-20s %-8s %8s  %s\n", mj->id,
                found ? fg_job_state_name (j.state) : "new", secs,
                mj->output);
    }
    fg_job_release (&j);
  }
  if (root) {
    json_object_set_new (root, "manifest", json_string (b->m.path));
    json_object_set_new (root, "state", json_string (b->a->state));
    json_object_set_new (root, "total", json_integer ((json_int_t) b->total));
    for (int k = 0; k < FG_JOB_NSTATES; k++)
      json_object_set_new (root, fg_job_state_name (k),
                           json_integer ((json_int_t) n[k]));
    json_object_set_new (root, "pending", json_integer
                         ((json_int_t) (n[FG_JOB_PENDING] +
                                        n[FG_JOB_NSTATES])));
    json_object_set_new (root, "jobs", arr);
    json_dumpf (root, stdout, JSON_INDENT (2) | JSON_REAL_PRECISION (10));
    fputc ('\n', stdout);
    json_decref (root);
  } else {
    printf ("%zu jobs: %lu done, %lu failed, %lu pending, %lu running "
            "(job store '%s')\n", b->total, n[FG_JOB_DONE], n[FG_JOB_FAILED],
            n[FG_JOB_PENDING] + n[FG_JOB_NSTATES], n[FG_JOB_RUNNING],
            b->a->state);
  }
  fflush (stdout);
  if (rc < 0)
    return -1;
  return n[FG_JOB_DONE] == b->total ? 0 : 1;
}

/* ---- dry run ------------------------------------------------------------- */

static void
print_quoted (const char *s)
{
  if (*s && strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789-_./=:@+,") == strlen (s)) {
    fputs (s, stdout);
    return;
  }
  putchar ('\'');
  for (; *s; s++)
    if (*s == '\'')
      fputs ("'\\''", stdout);
    else
      putchar (*s);
  putchar ('\'');
}

static int
dry_run (struct batch *b)
{
  json_t *arr = b->a->json ? json_array () : NULL;
  size_t todo = 0;

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
    if (!found || j.state == FG_JOB_PENDING || j.state == FG_JOB_RUNNING)
      todo++;
    if (arr) {
      json_t *cmd = json_array ();
      for (size_t k = 0; argv[k]; k++)
        json_array_append_new (cmd, json_string (argv[k]));
      json_array_append_new (arr, json_pack ("{s:s, s:s, s:o}", "id", mj->id,
                                             "state", found ?
                                             fg_job_state_name (j.state)
                                             : "new", "command", cmd));
    } else {
      printf ("%-20s %-8s ", mj->id, found ? fg_job_state_name (j.state)
              : "new");
      for (size_t k = 0; argv[k]; k++) {
        if (k)
          putchar (' ');
        print_quoted (argv[k]);
      }
      putchar ('\n');
    }
    fg_argv_free (argv);
    fg_job_release (&j);
  }
  if (arr) {
    json_t *root = json_pack ("{s:s, s:s, s:I, s:I, s:o}", "manifest",
                              b->m.path, "state", b->a->state, "total",
                              (json_int_t) b->total, "to_run",
                              (json_int_t) todo, "jobs", arr);
    json_dumpf (root, stdout, JSON_INDENT (2) | JSON_REAL_PRECISION (10));
    fputc ('\n', stdout);
    json_decref (root);
  } else
    printf ("dry run: %zu of %zu jobs would run; nothing was converted\n",
            todo, b->total);
  return FG_EXIT_OK;
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

/* Put the manifest's jobs in the store, all or none. */
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
  if (fg_store_count (b->store, b->a->queue, &c, &b->err) < 0)
    return -1;
  if (c.total > b->total)
    fg_warn ("'%s' holds %lu jobs that are not in '%s'; they are run too",
             b->a->state, c.total - (unsigned long) b->total, b->m.path);
  if (b->a->progress != FG_PROGRESS_NONE && b->a->progress != FG_PROGRESS_JSON)
    fprintf (stderr, "fg2ng batch: %zu jobs (%zu new): %lu done, %lu failed, "
             "%lu to do; %u at once\n", b->total, added, c.n[FG_JOB_DONE],
             c.n[FG_JOB_FAILED], c.n[FG_JOB_PENDING] + c.n[FG_JOB_RUNNING],
             b->a->jobs);
  return 0;
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
    return rc;
  }
  b = calloc (1, sizeof *b);
  if (b == NULL) {
    free (a.state_buf);
    return FG_EXIT_INTERNAL;
  }
  b->a = &a;
  for (unsigned i = 0; i < MAX_WORKERS; i++)
    b->w[i].fd[0] = b->w[i].fd[1] = -1;

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
  if (b->m.nproblems == 0 && have_state) {
    b->store = fg_store_open (a.state, 0, &b->err);
    if (b->store == NULL)
      goto finish;
  }
  if (b->m.nproblems == 0 && !a.status)
    fg_manifest_check_files (&b->m, skip_checks, b);
  if (b->m.nproblems) {
    for (size_t i = 0; i < b->m.nlisted; i++)
      fprintf (stderr, "fg2ng batch: %s\n", b->m.problems[i]);
    fg_err_set (&b->err, FG_E_INPUT, "'%s': %zu problem%s%s; nothing was "
                "started", a.manifest, b->m.nproblems,
                b->m.nproblems == 1 ? "" : "s",
                b->m.nlisted < b->m.nproblems ? " (the first listed above)"
                : " (listed above)");
    fg_err_hint (&b->err, "fix the manifest; doc/manifest.schema.json "
                 "describes it");
    goto finish;
  }
  if (a.dry_run) {
    rc = dry_run (b);
    goto out;
  }
  if (a.status) {
    rc = summary (b);
    rc = rc < 0 ? fg_cmd_finish (&b->err) : rc;
    goto out;
  }

  if (b->store == NULL &&
      (b->store = fg_store_open (a.state, FG_STORE_CREATE, &b->err)) == NULL)
    goto finish;
  fg_store_set_retries (b->store, a.retries);
  if (install_signals (&b->err) < 0)
    goto finish;
  rc = fg_store_recover (b->store, &foreign, &b->err);
  if (rc < 0)
    goto finish;
  if (rc > 0)
    fg_warn ("%d job%s cut off by an earlier run will be redone", rc,
             rc == 1 ? "" : "s");
  if (foreign)
    fg_warn ("%u job%s running on other hosts are left alone", foreign,
             foreign == 1 ? " is" : "s are");
  if (a.retry_failed && fg_store_retry_failed (b->store, a.queue,
                                               &b->err) < 0)
    goto finish;
  if (add_jobs (b) < 0)
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
    summary (b);
    goto finish;
  }
  rc = summary (b);
  if (rc < 0)
    goto finish;
  if (stop_signal)
    rc = 128 + stop_signal;
  goto out;

finish:
  rc = fg_cmd_finish (&b->err);
out:
  if (b->store)
    fg_store_close (b->store);
  fg_manifest_release (&b->m);
  free (b->in_shard);
  free (b);
  free (a.state_buf);
  return rc;
}

const struct fg_cmd fg_cmd_batch = {
  .name = "batch",
  .summary = "convert a fleet from a manifest, resumably",
  .help = help,
  .run = run_batch,
};
