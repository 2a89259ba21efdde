/* cli/batch_log.c --- a log file per job of `fg2ng batch`: LOGS/ID.log,
 * appended to by every run of the job, the conversion's stderr whole
 * between a header (the run, the host, the command) and a footer (how
 * the run ended) */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/batch.h"
#include "util/clock.h"

/* Write all of DATA to the job's log; a log that fails (disk full) is
 * closed with a warning, and the conversion goes on. */
void
batch_log_write (struct batch *b, const struct fg_runner_child *c,
                 const char *data, size_t n)
{
  struct worker *w = &b->w[c->index];

  while (w->log_fd >= 0 && n > 0) {
    ssize_t k = write (w->log_fd, data, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      fg_warn ("the log of job '%s' stopped: %s", c->job.key,
               strerror (k < 0 ? errno : EIO));
      close (w->log_fd);
      w->log_fd = -1;
      return;
    }
    data += k;
    n -= (size_t) k;
  }
}

void
batch_log_printf (struct batch *b, const struct fg_runner_child *c,
                  const char *fmt, ...)
{
  char text[8192];
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (text, sizeof text, fmt, ap);
  va_end (ap);
  if (n > 0)
    batch_log_write (b, c, text, (size_t) n < sizeof text ? (size_t) n
                     : sizeof text - 1);
}

/* S, quoted for a POSIX shell where it needs to be. */
void
batch_quote_to (FILE *f, const char *s)
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

char *
batch_log_path (const struct batch *b, const char *key)
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
void
batch_open_log (struct batch *b, const struct fg_runner_child *c,
                char **argv)
{
  struct worker *w = &b->w[c->index];
  char *path = batch_log_path (b, c->job.key), when[32], host[256] = "?";
  char *text = NULL;
  size_t len = 0;
  FILE *f;

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
  w->started_at = fg_clock_now ();
  fg_clock_text (w->started_at, 0, when, sizeof when);
  gethostname (host, sizeof host - 1);
  batch_log_printf (b, c, "==== fg2ng batch: job '%s', run %d, started %s "
                    "on %s (batch pid %ld)\n==== command:", c->job.key,
                    c->job.runs, when, host, (long) getpid ());
  f = open_memstream (&text, &len);
  if (f) {
    for (size_t k = 0; argv[k]; k++) {
      fputc (' ', f);
      batch_quote_to (f, argv[k]);
    }
    fputc ('\n', f);
    fclose (f);
    batch_log_write (b, c, text, len);
  }
  free (text);
}

/* The footer: how the run ended. */
void
batch_log_footer (struct batch *b, const struct fg_runner_child *c,
                  const char *outcome, int status, double secs)
{
  char when[32];

  if (b->w[c->index].log_fd < 0)
    return;
  fg_clock_text (fg_clock_now (), 0, when, sizeof when);
  if (WIFEXITED (status))
    batch_log_printf (b, c, "\n==== %s: convert exited with status %d after "
                      "%.1f s, %s\n", outcome, WEXITSTATUS (status), secs,
                      when);
  else if (WIFSIGNALED (status))
    batch_log_printf (b, c, "\n==== %s: convert was killed by signal %d "
                      "after %.1f s, %s\n", outcome, WTERMSIG (status), secs,
                      when);
  else
    batch_log_printf (b, c, "\n==== %s after %.1f s, %s\n", outcome, secs,
                      when);
}

void
batch_log_close (struct batch *b, const struct fg_runner_child *c)
{
  struct worker *w = &b->w[c->index];

  if (w->log_fd >= 0)
    close (w->log_fd);
  w->log_fd = -1;
}
