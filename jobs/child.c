/* jobs/child.c --- spawn, sweep, and read back a conversion child */
#include "jobs/child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int
fg_buf_add (struct fg_buf *b, const char *data, size_t n, size_t keep_tail)
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

void
fg_buf_free (struct fg_buf *b)
{
  free (b->data);
  memset (b, 0, sizeof *b);
}

int
fg_child_spawn (char *const argv[], pid_t *pid, int fd[2], struct fg_err *e)
{
  int out[2] = { -1, -1 }, err[2] = { -1, -1 };
  pid_t parent = getpid ();
  /* Read before the fork: the child does as little as it can. */
  const char *prog = getenv ("FG2NG_CONVERT_PROGRAM");

  if (prog == NULL || *prog == '\0')
    prog = "/proc/self/exe";

  if (pipe2 (out, O_CLOEXEC) < 0 || pipe2 (err, O_CLOEXEC) < 0) {
    fg_err_errno (e, FG_E_IO, errno, "cannot create a pipe");
    goto fail;
  }
  fflush (NULL);
  *pid = fork ();
  if (*pid < 0) {
    fg_err_errno (e, FG_E_IO, errno, "cannot start a conversion");
    *pid = 0;
    goto fail;
  }
  if (*pid == 0) {
    static const int reset[] = { SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD };
    static const char msg[] = "fg2ng: error: cannot run the conversion "
                              "program\n";
    sigset_t none;
    int devnull = open ("/dev/null", O_RDONLY);

    /* Die with the parent: if it is killed outright, SIGTERM lets the
     * conversion remove its temporary files and stop, instead of running
     * on unseen and racing the rerun of the same job. */
    prctl (PR_SET_PDEATHSIG, SIGTERM);
    if (getppid () != parent)
      _exit (128 + SIGTERM);
    for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++)
      signal (reset[i], SIG_DFL);
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
    if (devnull >= 0)
      dup2 (devnull, 0);
    dup2 (out[1], 1);
    dup2 (err[1], 2);
    execv (prog, argv);
    if (write (2, msg, sizeof msg - 1) < 0)
      _exit (127);
    _exit (127);
  }
  close (out[1]);
  close (err[1]);
  fcntl (out[0], F_SETFL, O_NONBLOCK);
  fcntl (err[0], F_SETFL, O_NONBLOCK);
  fd[0] = out[0];
  fd[1] = err[0];
  return 0;

fail:
  for (int i = 0; i < 2; i++) {
    if (out[i] >= 0)
      close (out[i]);
    if (err[i] >= 0)
      close (err[i]);
  }
  return -1;
}

/* Is N one of the temporaries of BASE (BLEN bytes) or of its sidecar
 * SIDE (empty when BASE is not a bundle)? */
static int
is_stale_temp (const char *n, const char *base, size_t blen, const char *side)
{
  size_t len = strlen (n), slen = strlen (side);

  if (n[0] != '.')
    return 0;
  /* .BASE.<6 random>.part and .SIDECAR.<6 random>.part */
  if (len == 1 + blen + 12 && strncmp (n + 1, base, blen) == 0 &&
      n[1 + blen] == '.' && strcmp (n + len - 5, ".part") == 0)
    return 1;
  if (slen && len == 1 + slen + 12 && strncmp (n + 1, side, slen) == 0 &&
      strcmp (n + len - 5, ".part") == 0)
    return 1;
  /* .BASE.0.vhd.PID (the bundle's inner disk) and, while that is being
   * written, its own temporary ..BASE.0.vhd.PID.<6 random>.part */
  for (size_t dots = 1; dots <= 2; dots++)
    if (len > dots + blen + 7 && strncmp (n + dots, base, blen) == 0 &&
        (dots == 1 || n[1] == '.') &&
        strncmp (n + dots + blen, ".0.vhd.", 7) == 0)
      return 1;
  return 0;
}

void
fg_child_sweep_temps (const char *output,
                      void (*removed) (const char *dir, const char *name,
                                       void *opaque),
                      void *opaque)
{
  char *dcopy = strdup (output), *bcopy = strdup (output), side[512] = "";
  const char *dir, *base;
  size_t blen, stem = 0;
  DIR *d;
  struct dirent *de;

  if (dcopy == NULL || bcopy == NULL)
    goto out;
  dir = dirname (dcopy);
  base = basename (bcopy);
  blen = strlen (base);
  if (blen > 4 && strcmp (base + blen - 4, ".tgz") == 0)
    stem = blen - 4;
  else if (blen > 7 && strcmp (base + blen - 7, ".tar.gz") == 0)
    stem = blen - 7;
  if (stem)
    snprintf (side, sizeof side, "%.*s.json", (int) stem, base);
  d = opendir (dir);
  if (d == NULL)
    goto out;
  while ((de = readdir (d)) != NULL)
    if (is_stale_temp (de->d_name, base, blen, side) &&
        unlinkat (dirfd (d), de->d_name, 0) == 0 && removed)
      removed (dir, de->d_name, opaque);
  closedir (d);
out:
  free (dcopy);
  free (bcopy);
}

/* Copy the line at LINE (LEN bytes, not terminated) into DST with its
 * control characters escaped. */
static void
escaped_line (char *dst, size_t cap, const char *line, size_t len)
{
  char *raw = strndup (line, len);

  if (raw == NULL) {
    snprintf (dst, cap, "(out of memory)");
    return;
  }
  fg_escape_ctl (dst, cap, raw, 0);
  free (raw);
}

void
fg_child_error (const char *log, char *msg, size_t cap, char *hint,
                size_t hcap)
{
  const char *line, *last = NULL, *err = NULL, *hnt = NULL;
  size_t last_len = 0, err_len = 0, hnt_len = 0;
  int after_error = 0;

  msg[0] = hint[0] = '\0';
  /* Only the error line and the line right after it count: whatever
   * else the child printed (warnings, a guest tool's output) is in the
   * log, never in the recorded error. */
  for (line = log ? log : ""; *line; ) {
    size_t len = strcspn (line, "\n");
    if (strncmp (line, "fg2ng: error: ", 14) == 0) {
      err = line + 14, err_len = len - 14;
      hnt = NULL;
      after_error = 1;
    } else if (strncmp (line, "fg2ng convert: ", 15) == 0) {
      err = line + 15, err_len = len - 15;
      hnt = NULL;
      after_error = 1;
    } else {
      if (after_error && strncmp (line, "hint: ", 6) == 0)
        hnt = line + 6, hnt_len = len - 6;
      after_error = 0;
    }
    if (len > 0)
      last = line, last_len = len;
    line += len + (line[len] == '\n');
  }
  if (err)
    escaped_line (msg, cap, err, err_len);
  else if (last)
    escaped_line (msg, cap, last, last_len);
  if (hnt)
    escaped_line (hint, hcap, hnt, hnt_len);
}

/* "SIGSEGV" for the signals a conversion may die of; NULL for others. */
static const char *
signal_name (int sig)
{
  switch (sig) {
  case SIGSEGV: return "SIGSEGV";
  case SIGBUS: return "SIGBUS";
  case SIGILL: return "SIGILL";
  case SIGFPE: return "SIGFPE";
  case SIGABRT: return "SIGABRT";
  case SIGSYS: return "SIGSYS";
  case SIGTRAP: return "SIGTRAP";
  case SIGKILL: return "SIGKILL";
  case SIGTERM: return "SIGTERM";
  case SIGINT: return "SIGINT";
  case SIGHUP: return "SIGHUP";
  case SIGQUIT: return "SIGQUIT";
  case SIGPIPE: return "SIGPIPE";
  case SIGXCPU: return "SIGXCPU";
  case SIGXFSZ: return "SIGXFSZ";
  default: return NULL;
  }
}

const char *
fg_child_killed (int status, const char *output, char *msg, size_t cap,
                 char *hint, size_t hcap, int *retryable,
                 void (*removed) (const char *dir, const char *name,
                                  void *opaque),
                 void *opaque)
{
  int sig;
  const char *name;
  char what[48];

  if (!WIFSIGNALED (status))
    return NULL;
  sig = WTERMSIG (status);
  name = signal_name (sig);
  if (name)
    snprintf (what, sizeof what, "signal %d, %s", sig, name);
  else
    snprintf (what, sizeof what, "signal %d", sig);
  /* A crash or SIGKILL runs none of outfile.c's cleanup, and the job may
   * not be redone (a crash is not retried; retries run out): its
   * temporaries are removed now, not at a rerun that may never come.  A
   * child that caught SIGTERM removed them itself; this finds nothing. */
  if (output)
    fg_child_sweep_temps (output, removed, opaque);
  switch (sig) {
  case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGABRT:
  case SIGSYS: case SIGTRAP:
    snprintf (msg, cap, "fg2ng convert crashed (%s)", what);
    snprintf (hint, hcap, "a bug in fg2ng: the same input would crash it "
              "again, so the job is not retried; report it with the job's "
              "log");
    *retryable = 0;
    return "internal";
  default:
    snprintf (msg, cap, "convert was killed by signal %d%s%s%s", sig,
              name ? " (" : "", name ? name : "", name ? ")" : "");
    hint[0] = '\0';
    *retryable = 1;
    return "signal";
  }
}
