/* jobs/wake.c --- the self-pipe of the runners' poll() loops */
#include "jobs/wake.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int pipe_fd[2] = { -1, -1 };
static volatile sig_atomic_t first, stop, hup;

void
fg_wake_poke (void)
{
  if (write (pipe_fd[1], "", 1) < 0) {
    /* Full: the loop has wake-ups pending already. */
  }
}

static void
on_signal (int sig)
{
  int saved = errno;

  if (sig == SIGHUP)
    hup = 1;
  else if (sig != SIGCHLD)
    stop = sig;
  if (sig != SIGCHLD && first == 0)
    first = sig;
  fg_wake_poke ();
  errno = saved;
}

int
fg_wake_install (struct fg_err *e)
{
  struct sigaction sa;

  if (pipe_fd[0] < 0 && pipe2 (pipe_fd, O_CLOEXEC | O_NONBLOCK) < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot create a pipe");
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction (SIGCHLD, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);
  return 0;
}

int
fg_wake_fd (void)
{
  return pipe_fd[0];
}

void
fg_wake_drain (void)
{
  char sink[64];

  while (read (pipe_fd[0], sink, sizeof sink) > 0)
    ;
}

int
fg_wake_first (void)
{
  return first;
}

int
fg_wake_take_stop (void)
{
  int s = stop;

  stop = 0;
  return s;
}

int
fg_wake_take_hup (void)
{
  int h = hup;

  hup = 0;
  return h;
}
