/* tests/unit/test_child.c --- the conversion child runner shared by batch
 * and agent: the error read back from a hostile stderr, and a child that
 * dies of a signal (its temporaries swept, a crash not retried) */
#include "tests/unit/tap.h"
#include "jobs/child.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];

/* No raw control byte (what a terminal or a log reader would act on). */
static int
clean (const char *s)
{
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return 0;
  return 1;
}

static void
test_error_line_and_its_hint (void)
{
  char msg[256], hint[256];

  fg_child_error ("{\"event\":\"progress\"}\nfg2ng: warning: w\n"
                  "fg2ng: error: 'x.tar.gz': bad gzip\nhint: fetch it again\n",
                  msg, sizeof msg, hint, sizeof hint);
  CHECK_STR (msg, "'x.tar.gz': bad gzip");
  CHECK_STR (hint, "fetch it again");
  /* Usage errors. */
  fg_child_error ("fg2ng convert: unknown option '--x'\n", msg, sizeof msg,
                  hint, sizeof hint);
  CHECK_STR (msg, "unknown option '--x'");
  CHECK_STR (hint, "");
  /* No error line: the last line. */
  fg_child_error ("one\ntwo\n\n", msg, sizeof msg, hint, sizeof hint);
  CHECK_STR (msg, "two");
  fg_child_error (NULL, msg, sizeof msg, hint, sizeof hint);
  CHECK_STR (msg, "");
}

static void
test_hostile_stderr_forges_nothing (void)
{
  char msg[256], hint[256];

  /* An escape sequence that clears the screen, a carriage return that
   * writes over the start of the line, and a line after the error that
   * pretends to be something else. */
  fg_child_error ("fg2ng: error: member 'a\x1b[2Jb\rOK' is bad\n"
                  "fg2ng batch: web02: done in 1.0 s\n",
                  msg, sizeof msg, hint, sizeof hint);
  CHECK_STR (msg, "member 'a\\x1B[2Jb\\x0DOK' is bad");
  CHECK_STR (hint, "");
  CHECK (clean (msg));
  /* The hint is the line right after the error, not any later line
   * that starts with "hint: ". */
  fg_child_error ("fg2ng: error: a\x1b[2Jb\nforged\nhint: rm -rf /\n",
                  msg, sizeof msg, hint, sizeof hint);
  CHECK_STR (msg, "a\\x1B[2Jb");
  CHECK_STR (hint, "");
  fg_child_error ("fg2ng: error: e\nhint: h\x07\x1b]0;title\x07\n",
                  msg, sizeof msg, hint, sizeof hint);
  CHECK_STR (msg, "e");
  CHECK_STR (hint, "h\\x07\\x1B]0;title\\x07");
  /* The fallback line too, and a C1 control (U+009B, CSI) as UTF-8. */
  fg_child_error ("Segmentation fault \xc2\x9b" "2J\n", msg, sizeof msg,
                  hint, sizeof hint);
  CHECK_STR (msg, "Segmentation fault \\xC2\\x9B2J");
  /* Escaping never overruns a small buffer. */
  {
    char small[8];
    fg_child_error ("fg2ng: error: \x1b\x1b\x1b\x1b\n", small, sizeof small,
                    hint, sizeof hint);
    CHECK (strlen (small) < sizeof small);
    CHECK (clean (small));
  }
}

static void
write_file (const char *path, const char *text, mode_t mode)
{
  FILE *f = fopen (path, "w");

  if (f == NULL) {
    printf ("#   cannot write %s\n", path);
    return;
  }
  fputs (text, f);
  fclose (f);
  chmod (path, mode);
}

static int
exists (const char *name)
{
  char path[512];
  struct stat st;

  snprintf (path, sizeof path, "%s/%s", dir, name);
  return lstat (path, &st) == 0;
}

/* Run the fake conversion (FG2NG_CONVERT_PROGRAM) as batch runs convert,
 * to OUTPUT in DIR, reading its stderr to the end; its status. */
static int
run_fake (const char *output, struct fg_buf *err)
{
  char out[512];
  char *argv[] = { "fg2ng", "convert", "--json", "-o", out, "--", "src",
                   NULL };
  struct fg_err e = FG_ERR_INIT;
  int fd[2], status = -1;
  pid_t pid;

  snprintf (out, sizeof out, "%s/%s", dir, output);
  if (fg_child_spawn (argv, &pid, fd, &e) < 0) {
    printf ("#   spawn: %s\n", e.msg);
    return -1;
  }
  for (;;) {
    struct pollfd p = { fd[1], POLLIN, 0 };
    char chunk[4096];
    ssize_t n;
    poll (&p, 1, 5000);
    n = read (fd[1], chunk, sizeof chunk);
    if (n > 0)
      fg_buf_add (err, chunk, (size_t) n, 0);
    else if (n == 0 || (errno != EAGAIN && errno != EINTR))
      break;
  }
  close (fd[0]);
  close (fd[1]);
  waitpid (pid, &status, 0);
  return status;
}

static int nremoved;

static void
count_removed (const char *d, const char *name, void *opaque)
{
  (void) d;
  (void) opaque;
  printf ("# removed %s\n", name);
  nremoved++;
}

static void
test_a_crash_is_swept_and_not_retried (void)
{
  struct fg_buf err = FG_BUF_INIT;
  char msg[512], hint[512], out[512];
  const char *kind;
  int status, retryable = -1;

  /* Another job's temporary beside ours stays. */
  snprintf (out, sizeof out, "%s/.crash.vhd.bak.Ab12Cd.part", dir);
  write_file (out, "x", 0644);
  status = run_fake ("crash.vhd", &err);
  CHECK (WIFSIGNALED (status) && WTERMSIG (status) == SIGSEGV);
  CHECK (exists (".crash.vhd.Zq9x2A.part"));
  fg_child_error (err.data, msg, sizeof msg, hint, sizeof hint);
  CHECK_STR (msg, "member 'a\\x1B[2Jb' is bad");
  snprintf (out, sizeof out, "%s/crash.vhd", dir);
  nremoved = 0;
  kind = fg_child_killed (status, out, msg, sizeof msg, hint, sizeof hint,
                          &retryable, count_removed, NULL);
  CHECK_STR (kind, "internal");
  CHECK_INT (retryable, 0);
  CHECK_STR (msg, "fg2ng convert crashed (signal 11, SIGSEGV)");
  CHECK_CONTAINS (hint, "not retried");
  CHECK_INT (nremoved, 1);
  CHECK (!exists (".crash.vhd.Zq9x2A.part"));
  CHECK (exists (".crash.vhd.bak.Ab12Cd.part"));
  fg_buf_free (&err);
}

static void
test_killed_from_outside_is_retryable (void)
{
  struct fg_buf err = FG_BUF_INIT;
  char msg[512], hint[512], out[512];
  const char *kind;
  int status, retryable = -1;

  status = run_fake ("kill.vhd", &err);
  CHECK (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  CHECK (exists (".kill.vhd.Zq9x2A.part"));
  snprintf (out, sizeof out, "%s/kill.vhd", dir);
  kind = fg_child_killed (status, out, msg, sizeof msg, hint, sizeof hint,
                          &retryable, NULL, NULL);
  CHECK_STR (kind, "signal");
  CHECK_INT (retryable, 1);
  CHECK_STR (msg, "convert was killed by signal 9 (SIGKILL)");
  CHECK_STR (hint, "");
  CHECK (!exists (".kill.vhd.Zq9x2A.part"));
  /* An exit is not a death by signal: nothing swept, nothing said. */
  status = run_fake ("exit2.vhd", &err);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 2);
  snprintf (out, sizeof out, "%s/exit2.vhd", dir);
  CHECK (fg_child_killed (status, out, msg, sizeof msg, hint, sizeof hint,
                          &retryable, NULL, NULL) == NULL);
  CHECK (exists (".exit2.vhd.Zq9x2A.part"));
  fg_buf_free (&err);
}

static void
test_a_program_that_cannot_run (void)
{
  struct fg_buf err = FG_BUF_INIT;
  char msg[512], hint[512], prog[300];
  int status;

  snprintf (prog, sizeof prog, "%s/no-such-program", dir);
  setenv ("FG2NG_CONVERT_PROGRAM", prog, 1);
  status = run_fake ("x.vhd", &err);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 127);
  fg_child_error (err.data, msg, sizeof msg, hint, sizeof hint);
  CHECK_STR (msg, "cannot run the conversion program");
  fg_buf_free (&err);
}

static void
rm_rf (const char *d)
{
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", d);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", d);
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");
  char fake[300];

  snprintf (dir, sizeof dir, "%s/fg2ng-child-XXXXXX", t && *t ? t : "/tmp");
  if (mkdtemp (dir) == NULL) {
    printf ("Bail out! cannot make a folder under %s\n", t ? t : "/tmp");
    return 1;
  }
  /* A conversion that leaves its temporary as util/outfile.c names it
   * (.NAME.<6 random>.part) and then crashes, is killed, or exits 2. */
  snprintf (fake, sizeof fake, "%s/fake-convert", dir);
  write_file (fake,
              "#!/bin/sh\n"
              "ulimit -c 0\n"
              "while [ $# -gt 0 ]; do [ \"$1\" = -o ] && out=$2; shift; done\n"
              "d=$(dirname \"$out\") b=$(basename \"$out\")\n"
              "echo partial > \"$d/.$b.Zq9x2A.part\"\n"
              "printf \"fg2ng: error: member 'a\\033[2Jb' is bad\\n\" >&2\n"
              "case $b in\n"
              "  crash*) kill -SEGV $$ ;;\n"
              "  kill*) kill -KILL $$ ;;\n"
              "  *) exit 2 ;;\n"
              "esac\n", 0755);
  setenv ("FG2NG_CONVERT_PROGRAM", fake, 1);

  RUN (test_error_line_and_its_hint);
  RUN (test_hostile_stderr_forges_nothing);
  RUN (test_a_crash_is_swept_and_not_retried);
  RUN (test_killed_from_outside_is_retryable);
  RUN (test_a_program_that_cannot_run);
  rm_rf (dir);
  return TAP_DONE ();
}
