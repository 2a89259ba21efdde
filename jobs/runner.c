/* jobs/runner.c --- spawn, read, reap and classify conversion children */
#include "jobs/runner.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobs/wake.h"
#include "util/clock.h"

struct fg_runner {
  const struct fg_runner_ops *ops;
  void *opaque;
  unsigned max, running;
  struct fg_runner_child c[];
};

struct fg_runner *
fg_runner_new (unsigned max, const struct fg_runner_ops *ops, void *opaque)
{
  struct fg_runner *r;

  if (max == 0 || max > FG_RUNNER_MAX)
    return NULL;
  r = calloc (1, sizeof *r + max * sizeof r->c[0]);
  if (r == NULL)
    return NULL;
  r->ops = ops;
  r->opaque = opaque;
  r->max = max;
  for (unsigned i = 0; i < max; i++) {
    r->c[i].index = i;
    r->c[i].fd[0] = r->c[i].fd[1] = -1;
    fg_job_init (&r->c[i].job);
  }
  return r;
}

void
fg_runner_free (struct fg_runner *r)
{
  if (r == NULL)
    return;
  for (unsigned i = 0; i < r->max; i++) {
    for (int k = 0; k < 2; k++)
      if (r->c[i].fd[k] >= 0)
        close (r->c[i].fd[k]);
    fg_buf_free (&r->c[i].out);
    fg_buf_free (&r->c[i].err);
    fg_job_release (&r->c[i].job);
  }
  free (r);
}

struct fg_runner_child *
fg_runner_slot (struct fg_runner *r)
{
  for (unsigned i = 0; i < r->max; i++)
    if (r->c[i].pid == 0) {
      fg_job_release (&r->c[i].job);
      return &r->c[i];
    }
  return NULL;
}

struct fg_runner_child *
fg_runner_at (struct fg_runner *r, unsigned i)
{
  return i < r->max && r->c[i].pid > 0 ? &r->c[i] : NULL;
}

unsigned
fg_runner_running (const struct fg_runner *r)
{
  return r->running;
}

/* jobs/child.c's callback, told on to the caller with the job. */
struct sweep {
  struct fg_runner *r;
  const struct fg_job *j;
};

static void
swept (const char *dir, const char *name, void *opaque)
{
  struct sweep *sw = opaque;

  if (sw->r->ops->removed)
    sw->r->ops->removed (sw->r->opaque, sw->j, dir, name);
}

int
fg_runner_redo (struct fg_runner *r, struct fg_runner_child *c)
{
  const char *k = c->job.error_kind;
  struct sweep sw = { r, &c->job };

  if (c->job.runs <= 1 ||
      (k && (strcmp (k, "input") == 0 || strcmp (k, "refused") == 0 ||
             strcmp (k, "ineligible") == 0)))
    return 0;
  fg_child_sweep_temps (c->job.output, swept, &sw);
  return 1;
}

int
fg_runner_spawn (struct fg_runner *r, struct fg_runner_child *c,
                 char *const argv[], struct fg_err *e)
{
  if (fg_child_spawn (argv, &c->pid, c->fd, e) < 0)
    return -1;
  clock_gettime (CLOCK_MONOTONIC, &c->t0);
  r->running++;
  return 0;
}

/* Read what is there from C's pipe I; close it at EOF. */
static void
drain (struct fg_runner *r, struct fg_runner_child *c, int i)
{
  char chunk[65536];

  while (c->fd[i] >= 0) {
    ssize_t n = read (c->fd[i], chunk, sizeof chunk);
    if (n > 0) {
      if (i == 1 && r->ops->on_stderr)
        r->ops->on_stderr (r->opaque, c, chunk, (size_t) n);
      else if (i == 1)
        fg_buf_add (&c->err, chunk, (size_t) n, FG_RUNNER_LOG_TAIL);
      else if (c->out.len + (size_t) n <= FG_RUNNER_MAX_RESULT)
        fg_buf_add (&c->out, chunk, (size_t) n, 0);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      close (c->fd[i]);
      c->fd[i] = -1;
    }
  }
}

/* C has been reaped: read the rest, classify, hand over, free the slot. */
static void
complete (struct fg_runner *r, struct fg_runner_child *c, int status)
{
  struct fg_run_outcome oc;
  struct sweep sw = { r, &c->job };
  int stopping = r->ops->stopping && r->ops->stopping (r->opaque);
  double secs;

  drain (r, c, 0);
  drain (r, c, 1);
  for (int i = 0; i < 2; i++)
    if (c->fd[i] >= 0) {
      /* A grandchild still holds the pipe: what it writes is not ours. */
      close (c->fd[i]);
      c->fd[i] = -1;
    }
  if (r->ops->on_stderr)
    r->ops->on_stderr (r->opaque, c, NULL, 0);
  secs = fg_clock_since (&c->t0);
  fg_run_outcome (status, stopping, c->out.data, c->out.len,
                  c->err.data ? c->err.data : "", c->job.output, swept, &sw,
                  &oc);
  r->ops->on_end (r->opaque, c, status, &oc, secs);
  fg_run_outcome_release (&oc);
  fg_buf_free (&c->out);
  fg_buf_free (&c->err);
  fg_job_release (&c->job);
  c->pid = 0;
  r->running--;
}

static int
reap (struct fg_runner *r)
{
  pid_t pid;
  int status, ended = 0;

  while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
    for (unsigned i = 0; i < r->max; i++)
      if (r->c[i].pid == pid) {
        complete (r, &r->c[i], status);
        ended++;
        break;
      }
  return ended;
}

int
fg_runner_wait (struct fg_runner *r, int timeout_ms)
{
  struct pollfd pfd[1 + 2 * FG_RUNNER_MAX];
  struct fg_runner_child *owner[1 + 2 * FG_RUNNER_MAX];
  int which[1 + 2 * FG_RUNNER_MAX];
  nfds_t n = 0;

  pfd[n].fd = fg_wake_fd ();
  pfd[n].events = POLLIN;
  owner[n] = NULL;
  which[n++] = 0;
  for (unsigned i = 0; i < r->max; i++)
    for (int k = 0; k < 2; k++)
      if (r->c[i].pid > 0 && r->c[i].fd[k] >= 0) {
        pfd[n].fd = r->c[i].fd[k];
        pfd[n].events = POLLIN;
        owner[n] = &r->c[i];
        which[n++] = k;
      }
  /* The timeout is the caller's pace; SIGCHLD wakes the poll (the wake
   * pipe) when a child ends. */
  if (poll (pfd, n, timeout_ms) < 0 && errno != EINTR)
    return -1;
  for (nfds_t i = 1; i < n; i++)
    if (pfd[i].revents)
      drain (r, owner[i], which[i]);
  if (pfd[0].revents)
    fg_wake_drain ();
  return reap (r);
}

void
fg_runner_signal (struct fg_runner *r, int sig)
{
  for (unsigned i = 0; i < r->max; i++)
    if (r->c[i].pid > 0)
      kill (r->c[i].pid, sig);
}

void
fg_runner_abandon (struct fg_runner *r)
{
  while (r->running > 0 && waitpid (-1, NULL, 0) > 0)
    r->running--;
}

int
fg_runner_record (struct fg_store *s, int64_t id,
                  const struct fg_run_outcome *oc, const char *refusal_json,
                  const char *log, struct fg_err *e)
{
  char *doc = NULL;
  int rc;

  switch (oc->end) {
  case FG_RUN_DONE:
    return fg_store_finish (s, id, oc->result, log, e) < 0 ? -1
           : FG_JOB_DONE;
  case FG_RUN_RELEASE:
    return fg_store_release (s, id, e) < 0 ? -1 : FG_JOB_PENDING;
  case FG_RUN_INELIGIBLE:
    /* Not eligible: nothing was written; the document says why. */
    if (refusal_json == NULL)
      refusal_json = doc = json_dumps (oc->doc, JSON_COMPACT |
                                       JSON_SORT_KEYS);
    rc = fg_store_refuse (s, id, "ineligible", oc->msg, refusal_json, log,
                          e);
    free (doc);
    return rc < 0 ? -1 : FG_JOB_FAILED;
  case FG_RUN_FAIL:
  default:
    return fg_store_fail (s, id, oc->kind, oc->msg, oc->hint[0] ? oc->hint
                          : NULL, log, oc->retryable, e);
  }
}

int
fg_runner_taken (struct fg_store *s, const struct fg_job *j,
                 struct fg_err *why, struct fg_err *e)
{
  struct fg_job o;
  int rc;

  fg_job_init (&o);
  rc = fg_store_get (s, j->output_taken_by, &o, e);
  if (rc == 0)
    fg_err_set (e, FG_E_INTERNAL, "job '%s', the holder of the output of "
                "job '%s', is not in the store", j->output_taken_by, j->key);
  if (rc == 1)
    /* Through fg_err: the paths are shown with their control characters
     * escaped, as every message is. */
    fg_err_set (why, FG_E_REFUSED, "output '%s' is the same file as '%s', "
                "the output of job '%s', which is %s; not writing over it",
                j->output, o.output, o.key,
                o.state == FG_JOB_DONE ? "done" : "being written");
  fg_job_release (&o);
  return rc == 1 ? 0 : -1;
}
