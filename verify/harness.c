/* verify/harness.c --- finding and running fg2ng-boot-check (see
 * harness.h) */
#include "verify/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "verify/summary.h"

#define HARNESS FG_VERIFY_HARNESS

static int
harness_at (const char *dir, const char *rel, char *out, size_t cap)
{
  if (snprintf (out, cap, "%s%s/" HARNESS, dir, rel) >= (int) cap)
    return 0;
  return access (out, X_OK) == 0;
}

/* The build folder is BUILD/fg2ng, or build/asan/fg2ng for the
 * sanitizer build: hence the two levels tried above it. */
int
fg_verify_harness_find (const char *self, char *out, size_t cap,
                        struct fg_err *e)
{
  const char *env = getenv ("FG2NG_LIBEXEC");
  char dir[PATH_MAX], *slash;

  if (env && *env) {
    if (harness_at (env, "", out, cap))
      return 0;
    fg_err_set (e, FG_E_UNSUPPORTED, "FG2NG_LIBEXEC is '%s' and it holds no "
                "executable '" HARNESS "'", env);
    fg_err_hint (e, "unset FG2NG_LIBEXEC, or point it at the folder of "
                 HARNESS);
    return -1;
  }
  snprintf (dir, sizeof dir, "%s", self);
  slash = strrchr (dir, '/');
  if (slash)
    *slash = '\0';
  if (harness_at (dir, "/../libexec/fg2ng", out, cap) ||
      harness_at (dir, "/../libexec", out, cap) ||
      harness_at (dir, "/../../libexec", out, cap))
    return 0;
  fg_err_set (e, FG_E_UNSUPPORTED, "cannot find '" HARNESS "' (looked in "
              "%s/../libexec/fg2ng, ../libexec and ../../libexec)", dir);
  fg_err_hint (e, "reinstall fg2ng ('make install' puts it in "
               "PREFIX/libexec/fg2ng/), or set FG2NG_LIBEXEC to its folder");
  return -1;
}

/* The running harness, for the SIGTERM/SIGHUP relay. */
static volatile pid_t harness_pid;

static void
relay_signal (int sig)
{
  if (harness_pid > 0)
    kill (harness_pid, sig);
}

/* The child: LOG_FD as stdout, the parent's dispositions back, then the
 * harness. */
static void
exec_harness (char *const *argv, const char *self, int log_fd,
              const struct sigaction *old_int,
              const struct sigaction *old_quit)
{
  sigaction (SIGINT, old_int, NULL);
  sigaction (SIGQUIT, old_quit, NULL);
  signal (SIGTERM, SIG_DFL);
  signal (SIGHUP, SIG_DFL);
  if (dup2 (log_fd, STDOUT_FILENO) < 0)
    _exit (127);
  setenv ("FG2NG", self, 1);
  setenv ("FG2NG_BOOT_CHECK_PROG", "fg2ng verify", 1);
  execv (argv[0], argv);
  fprintf (stderr, "fg2ng verify: error: cannot run '%s': %s\n", argv[0],
           strerror (errno));
  _exit (127);
}

/* ^C reaches both processes (one process group) and is ignored here
 * while the harness stops qemu and exits; a SIGTERM or SIGHUP sent to
 * fg2ng alone (timeout(1), a job scheduler) is passed on to it, so that
 * no qemu outlives us. */
int
fg_verify_harness_run (char *const *argv, const char *self, const char *log,
                       struct fg_err *e)
{
  struct sigaction ign, relay, old_int, old_quit, old_term, old_hup;
  int fd, status = -1, fork_errno, wait_errno = 0;
  pid_t pid;

  fd = open (log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot create '%s'", log);
  memset (&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset (&ign.sa_mask);
  relay = ign;
  relay.sa_handler = relay_signal;
  sigaction (SIGINT, &ign, &old_int);
  sigaction (SIGQUIT, &ign, &old_quit);
  sigaction (SIGTERM, &relay, &old_term);
  sigaction (SIGHUP, &relay, &old_hup);
  pid = fork ();
  fork_errno = errno;
  if (pid == 0)
    exec_harness (argv, self, fd, &old_int, &old_quit);
  close (fd);
  harness_pid = pid;
  while (pid > 0 && waitpid (pid, &status, 0) < 0)
    if (errno != EINTR) {
      wait_errno = errno;
      status = -1;
      break;
    }
  harness_pid = 0;
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGQUIT, &old_quit, NULL);
  sigaction (SIGTERM, &old_term, NULL);
  sigaction (SIGHUP, &old_hup, NULL);
  if (pid < 0)
    return fg_err_errno (e, FG_E_IO, fork_errno, "cannot start '%s'",
                         argv[0]);
  if (status == -1)
    return fg_err_errno (e, FG_E_INTERNAL, wait_errno, "waiting for '%s'",
                         argv[0]);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}
