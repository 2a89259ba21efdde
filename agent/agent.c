/* agent/agent.c --- the self-service migration service (see agent.h)
 *
 * Threads: libmicrohttpd's pool serves requests (agent/http.c); the main
 * thread runs the service loop: window expiry, claiming jobs, starting
 * and reaping the conversions, signals.  One mutex guards the job store
 * and the schedule, so that a decision (read the server's state, queue,
 * record the event) is atomic with respect to every other one.  Children
 * are forked by the main thread only: PR_SET_PDEATHSIG follows the
 * thread that forked, and that thread lives as long as the agent.
 */
#include "agent/agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/decide.h"
#include "agent/event.h"
#include "agent/http.h"
#include "agent/schedule.h"
#include "util/outfile.h"
#include "jobs/agent_tables.h"
#include "jobs/child.h"
#include "jobs/outcome.h"
#include "jobs/runner.h"
#include "jobs/wake.h"
#include "util/clock.h"
#include "jobs/store.h"

#define QUEUE "agent"
#define MAX_SLOTS 64
/* Events listed by GET /v1/servers/ID, newest first. */
#define EVENTS_SHOWN 20

struct agent {
  struct fg_agent_config cfg;
  pthread_mutex_t lock;       /* store, sched, settled */
  struct fg_store *store;
  struct fg_schedule sched;
  unsigned char *settled;     /* per schedule entry: has a job */
  struct fg_http *http;
  char token[FG_AGENT_TOKEN_MAX];
  char *records_dir;
  pthread_mutex_t log_lock;
  int log_fd;
  struct fg_runner *runner;   /* the conversions */
  char modes[MAX_SLOTS][16];  /* per runner slot: its job's mode */
  int stopping;
  double stop_at;             /* when the grace period ends */
  int forwarded;
  int fatal;
  struct fg_err fatal_err;
  double started;
};

/* ---- time and logging ---------------------------------------------------- */

/* One JSON line: {"time": ..., "event": EVENT, then O's members}.  Takes
 * O. */
static void
alog (struct agent *a, const char *event, json_t *o)
{
  json_t *line = json_object ();
  char t[40], *text;
  const char *k;
  json_t *v;

  fg_clock_text (fg_clock_now (), 1, t, sizeof t);
  json_object_set_new (line, "time", json_string (t));
  json_object_set_new (line, "event", json_string (event));
  if (o)
    json_object_foreach (o, k, v)
      json_object_set (line, k, v);
  json_decref (o);
  text = json_dumps (line, JSON_COMPACT | JSON_REAL_PRECISION (10));
  json_decref (line);
  if (text == NULL)
    return;
  pthread_mutex_lock (&a->log_lock);
  {
    size_t len = strlen (text);
    text[len] = '\n';         /* json_dumps left room: the NUL */
    if (write (a->log_fd, text, len + 1) < 0) {
      /* Nowhere to say it: the log is the place. */
    }
  }
  pthread_mutex_unlock (&a->log_lock);
  free (text);
}

/* A log line about a job. */
static void
log_job (struct agent *a, const char *event, const struct fg_job *j,
         const char *state, const char *mode, json_t *extra)
{
  json_t *o = json_pack ("{s:s, s:I, s:s}", "server_id", j->key, "job",
                         (json_int_t) j->id, "state", state);
  if (mode)
    json_object_set_new (o, "mode", json_string (mode));
  if (extra) {
    json_object_update (o, extra);
    json_decref (extra);
  }
  alog (a, event, o);
}

/* A string from the network, for the log: jansson would refuse bytes
 * that are not UTF-8 (and drop the member), and control characters are
 * no one's business in a log line. */
static json_t *
json_escaped (const char *s)
{
  char buf[1024];

  return json_string (fg_escape_ctl (buf, sizeof buf, s, 0));
}

static void
on_http_log (void *opaque, unsigned status, const char *method,
             const char *path, const char *message)
{
  struct agent *a = opaque;
  json_t *o = json_object ();

  json_object_set_new (o, "message", json_escaped (message ? message : ""));
  if (status)
    json_object_set_new (o, "status", json_integer (status));
  if (method)
    json_object_set_new (o, "method", json_escaped (method));
  if (path)
    json_object_set_new (o, "path", json_escaped (path));
  alog (a, status ? "request_refused" : "http_error", o);
}

/* ---- the agent's tables -------------------------------------------------- */

/* The record of event EV decided as D, queueing JOB (0: none), for the
 * store (jobs/agent_tables.h). */
static int
event_insert (struct agent *a, const struct fg_event *ev,
              const struct fg_decision *d, int64_t job, struct fg_err *e)
{
  struct fg_agent_event r;

  memset (&r, 0, sizeof r);
  snprintf (r.event_id, sizeof r.event_id, "%s", ev->event_id);
  snprintf (r.server_id, sizeof r.server_id, "%s", ev->server_id);
  snprintf (r.reboot_type, sizeof r.reboot_type, "%s",
            fg_reboot_type_name (ev->type));
  snprintf (r.origin, sizeof r.origin, "%s",
            fg_reboot_origin_name (ev->origin));
  snprintf (r.event_time, sizeof r.event_time, "%s", ev->time_text);
  snprintf (r.decision, sizeof r.decision, "%s", fg_action_name (d->action));
  snprintf (r.reason, sizeof r.reason, "%s", d->reason);
  r.received_at = fg_clock_now ();
  r.job = job;
  return fg_agent_event_insert (a->store, &r, e);
}

/* ---- servers ------------------------------------------------------------- */

/* Where SERVER_ID's migration stands, from its job (filled, to release). */
static int
server_state (struct agent *a, const char *server_id,
              const struct fg_sched_server *v, struct fg_job *j,
              enum fg_server_state *st, struct fg_err *e)
{
  int rc = fg_store_get (a->store, server_id, j, e);

  if (rc < 0)
    return -1;
  if (rc == 0) {
    *st = v ? FG_SERVER_SCHEDULED : FG_SERVER_UNKNOWN;
    return 0;
  }
  switch (j->state) {
  case FG_JOB_PENDING: *st = FG_SERVER_PENDING; break;
  case FG_JOB_RUNNING: *st = FG_SERVER_RUNNING; break;
  case FG_JOB_DONE: *st = FG_SERVER_DONE; break;
  default:
    *st = j->error_kind && strcmp (j->error_kind, "ineligible") == 0
          ? FG_SERVER_INELIGIBLE : FG_SERVER_FAILED;
  }
  if (v == NULL && *st == FG_SERVER_SCHEDULED)
    *st = FG_SERVER_UNKNOWN;
  return 0;
}

static void
mark_settled (struct agent *a, const struct fg_sched_server *v)
{
  if (v && a->settled)
    a->settled[v - a->sched.servers] = 1;
}

/* Queue V's migration in MODE (inside the caller's transaction if any);
 * *JOB gets its id. */
static int
queue_job (struct agent *a, const struct fg_sched_server *v,
           const char *mode, int64_t *job, struct fg_err *e)
{
  json_t *opts = json_pack ("{s:s, s:o}", "mode", mode, "server_record",
                            json_loads (v->record, 0, NULL));
  char *text;
  struct fg_job j;
  int rc;

  if (opts && v->flavor)
    json_object_set_new (opts, "flavor", json_string (v->flavor));
  if (opts && v->server_class)
    json_object_set_new (opts, "class", json_string (v->server_class));
  text = opts ? json_dumps (opts, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref (opts);
  if (text == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "out of memory");
  rc = fg_store_add (a->store, QUEUE, v->server_id, v->source, v->output,
                     text, e);
  free (text);
  if (rc < 0)
    return -1;
  fg_job_init (&j);
  if (fg_store_get (a->store, v->server_id, &j, e) != 1) {
    if (!fg_err_is_set (e))
      fg_err_set (e, FG_E_INTERNAL, "job '%s' vanished", v->server_id);
    return -1;
  }
  *job = j.id;
  fg_job_release (&j);
  return 0;
}

/* Queue the assisted migration of every server whose window has ended
 * with nothing queued.  Returns the time of the next window end to
 * watch (0: none). */
static double
expire_windows (struct agent *a)
{
  double t = fg_clock_now (), next = 0;

  pthread_mutex_lock (&a->lock);
  for (size_t i = 0; i < a->sched.n; i++) {
    const struct fg_sched_server *v = &a->sched.servers[i];
    enum fg_server_state st;
    struct fg_job j;
    struct fg_err e = FG_ERR_INIT;
    int64_t id = 0;

    if (a->settled[i])
      continue;
    if (t < v->window_end) {
      if (next == 0 || v->window_end < next)
        next = v->window_end;
      continue;
    }
    fg_job_init (&j);
    if (server_state (a, v->server_id, v, &j, &st, &e) < 0) {
      alog (a, "error", json_pack ("{s:s, s:s}", "server_id", v->server_id,
                                   "message", e.msg));
      fg_job_release (&j);
      continue;
    }
    fg_job_release (&j);
    if (!fg_decide_expired (v, st, t)) {
      a->settled[i] = 1;
      continue;
    }
    if (queue_job (a, v, "assisted", &id, &e) < 0) {
      alog (a, "error", json_pack ("{s:s, s:s}", "server_id", v->server_id,
                                   "message", e.msg));
      a->settled[i] = 1;      /* not again every second */
      continue;
    }
    a->settled[i] = 1;
    alog (a, "queued", json_pack ("{s:s, s:I, s:s, s:s, s:s}", "server_id",
                                  v->server_id, "job", (json_int_t) id,
                                  "state", "pending", "mode", "assisted",
                                  "reason", "the migration window ended "
                                  "with the server not migrated"));
  }
  pthread_mutex_unlock (&a->lock);
  return next;
}

/* ---- HTTP handlers ------------------------------------------------------- */

static void
reply_json (struct fg_http_reply *rep, unsigned status, json_t *o)
{
  rep->status = status;
  rep->body = o ? json_dumps (o, JSON_COMPACT) : NULL;
  json_decref (o);
}

static void
reply_error (struct fg_http_reply *rep, unsigned status, const char *msg,
             const char *field)
{
  rep->status = status;
  rep->body = fg_http_error_body (msg, field);
}

/* EV was received before as OLD: answer what was decided then (the
 * server now in state ST), or 409 if it came with other content. */
static void
answer_repeated (struct agent *a, const struct fg_http_request *req,
                 struct fg_http_reply *rep, const struct fg_event *ev,
                 const struct fg_agent_event *old, enum fg_server_state st)
{
  char why[512];

  if (strcmp (old->server_id, ev->server_id) != 0 ||
      strcmp (old->reboot_type, fg_reboot_type_name (ev->type)) != 0 ||
      strcmp (old->origin, fg_reboot_origin_name (ev->origin)) != 0 ||
      strcmp (old->event_time, ev->time_text) != 0) {
    snprintf (why, sizeof why, "event_id '%s' was already received with "
              "other content (server '%s', %s from %s at %s)", ev->event_id,
              old->server_id, old->reboot_type, old->origin,
              old->event_time);
    on_http_log (a, 409, req->method, req->path, why);
    reply_error (rep, 409, why, "event_id");
    return;
  }
  alog (a, "event_repeated", json_pack ("{s:s, s:s, s:s, s:s}",
                                        "server_id", ev->server_id,
                                        "event_id", ev->event_id,
                                        "decision", old->decision,
                                        "reason", old->reason));
  reply_json (rep, 200, json_pack ("{s:s, s:s, s:s, s:s, s:b}",
                                   "event_id", ev->event_id, "decision",
                                   old->decision, "reason", old->reason,
                                   "server_state", fg_server_state_name (st),
                                   "duplicate", 1));
}

/* New event EV decided as D (queueing JOB, 0: none), recorded: log it
 * and answer, the server now in state ST. */
static void
answer_new (struct agent *a, struct fg_http_reply *rep,
            const struct fg_event *ev, const struct fg_decision *d,
            int64_t job, enum fg_server_state st)
{
  json_t *o = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                         "server_id", ev->server_id, "event_id", ev->event_id,
                         "reboot_type", fg_reboot_type_name (ev->type),
                         "origin", fg_reboot_origin_name (ev->origin),
                         "event_time", ev->time_text, "decision",
                         fg_action_name (d->action), "reason", d->reason,
                         "state", fg_server_state_name (st));
  if (job > 0) {
    json_object_set_new (o, "job", json_integer (job));
    json_object_set_new (o, "mode", json_string ("self-service"));
  }
  alog (a, d->action == FG_ACT_MIGRATE ? "queued" : "event_recorded", o);
  if (d->action == FG_ACT_MIGRATE)
    fg_wake_poke ();
  reply_json (rep, d->action == FG_ACT_MIGRATE ? 202 : 200,
              json_pack ("{s:s, s:s, s:s, s:s}", "event_id", ev->event_id,
                         "decision", fg_action_name (d->action), "reason",
                         d->reason, "server_state",
                         fg_server_state_name (st)));
}

static void
post_event (struct agent *a, const struct fg_http_request *req,
            struct fg_http_reply *rep)
{
  struct fg_event ev;
  char why[512], field[64];
  struct fg_agent_event old;
  struct fg_decision d;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_sched_server *v;
  enum fg_server_state st = FG_SERVER_UNKNOWN;
  struct fg_job j;
  int64_t job = 0;
  double t;
  int rc;

  if (fg_event_parse (req->body, req->body_len, &ev, why, sizeof why,
                      field, sizeof field) < 0) {
    on_http_log (a, 400, req->method, req->path, why);
    reply_error (rep, 400, why, field);
    return;
  }
  fg_job_init (&j);
  pthread_mutex_lock (&a->lock);
  rc = fg_agent_event_lookup (a->store, ev.event_id, &old, &e);
  if (rc == 1) {
    v = fg_schedule_find (&a->sched, old.server_id);
    if (server_state (a, old.server_id, v, &j, &st, &e) < 0)
      goto fail;
    pthread_mutex_unlock (&a->lock);
    fg_job_release (&j);
    answer_repeated (a, req, rep, &ev, &old, st);
    return;
  }
  if (rc < 0)
    goto fail;
  /* New events only: a repeated one got its first answer above however
   * late it is sent again.  The window is the agent's clock's business;
   * the event's own time only has to be near it. */
  t = fg_clock_now ();
  if (fg_decide_skew (&ev, t, a->cfg.max_clock_skew, why, sizeof why) < 0) {
    pthread_mutex_unlock (&a->lock);
    fg_job_release (&j);
    alog (a, "request_refused", json_pack ("{s:i, s:s, s:s, s:s, s:s, s:s, "
                                           "s:s, s:s}", "status", 400,
                                           "method", req->method, "path",
                                           req->path, "event_id",
                                           ev.event_id, "server_id",
                                           ev.server_id, "event_time",
                                           ev.time_text, "field", "time",
                                           "message", why));
    reply_error (rep, 400, why, "time");
    return;
  }
  v = fg_schedule_find (&a->sched, ev.server_id);
  if (server_state (a, ev.server_id, v, &j, &st, &e) < 0)
    goto fail;
  fg_job_release (&j);
  fg_decide_event (&ev, v, st, t, &d);
  /* The event's record and the migration it starts: one transaction. */
  if (fg_store_begin (a->store, &e) < 0)
    goto fail;
  if ((d.action == FG_ACT_MIGRATE &&
       queue_job (a, v, "self-service", &job, &e) < 0) ||
      event_insert (a, &ev, &d, job, &e) < 0) {
    fg_store_rollback (a->store);
    goto fail;
  }
  if (fg_store_commit (a->store, &e) < 0)
    goto fail;
  if (d.action == FG_ACT_MIGRATE) {
    mark_settled (a, v);
    st = FG_SERVER_PENDING;
  }
  pthread_mutex_unlock (&a->lock);
  answer_new (a, rep, &ev, &d, job, st);
  return;

fail:
  pthread_mutex_unlock (&a->lock);
  fg_job_release (&j);
  alog (a, "error", json_pack ("{s:s, s:s, s:s}", "event_id", ev.event_id,
                               "server_id", ev.server_id, "message", e.msg));
  reply_error (rep, 503, "the job store failed; the event was not recorded: "
               "send it again", NULL);
}

static void
event_json (const struct fg_agent_event *r, void *opaque)
{
  json_array_append_new (opaque, json_pack (
    "{s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "event_id", r->event_id,
    "reboot_type", r->reboot_type, "origin", r->origin, "time",
    r->event_time, "received_at", fg_clock_json (r->received_at, 1), "decision",
    r->decision, "reason", r->reason));
}

static json_t *
recent_events (struct agent *a, const char *server_id)
{
  json_t *arr = json_array ();

  fg_agent_events_recent (a->store, server_id, EVENTS_SHOWN, event_json,
                          arr);
  return arr;
}

static void
get_server (struct agent *a, const char *id, struct fg_http_reply *rep)
{
  const struct fg_sched_server *v;
  enum fg_server_state st;
  struct fg_job j;
  struct fg_err e = FG_ERR_INIT;
  json_t *o;

  fg_job_init (&j);
  pthread_mutex_lock (&a->lock);
  v = fg_schedule_find (&a->sched, id);
  if (server_state (a, id, v, &j, &st, &e) < 0) {
    pthread_mutex_unlock (&a->lock);
    reply_error (rep, 503, e.msg, NULL);
    return;
  }
  if (v == NULL && j.id == 0) {
    char msg[256];
    pthread_mutex_unlock (&a->lock);
    snprintf (msg, sizeof msg, "unknown server '%.128s': not in the "
              "migration schedule", id);
    reply_error (rep, 404, msg, NULL);
    return;
  }
  o = json_pack ("{s:s, s:s}", "server_id", id, "state",
                 fg_server_state_name (st));
  json_object_set_new (o, "in_schedule", json_boolean (v != NULL));
  json_object_set_new (o, "window", v ? json_pack ("{s:s, s:s}", "start",
                                                   v->window_start_text,
                                                   "end", v->window_end_text)
                       : json_null ());
  json_object_set_new (o, "source", json_string (j.id ? j.source
                                                 : v->source));
  json_object_set_new (o, "output", json_string (j.id ? j.output
                                                 : v->output));
  if (j.id) {
    json_t *opts = json_loads (j.options, 0, NULL), *res;
    json_t *mode = opts ? json_object_get (opts, "mode") : NULL;
    json_object_set_new (o, "mode", mode ? json_copy (mode) : json_null ());
    json_decref (opts);
    json_object_set_new (o, "job", json_pack (
      "{s:I, s:i, s:i, s:o, s:o, s:o}", "id", (json_int_t) j.id,
      "runs", j.runs, "attempts", j.attempts,
      "queued_at", fg_clock_json (j.created_at, 1),
      "started_at", fg_clock_json (j.started_at, 1),
      "finished_at", fg_clock_json (j.finished_at, 1)));
    res = j.result ? json_loads (j.result, 0, NULL) : NULL;
    if (res) {
      json_t *verdicts = json_object_get (res, "verdicts");
      json_t *plan = json_object_get (res, "plan");
      if (verdicts == NULL && plan)
        verdicts = json_object_get (plan, "verdicts");
      json_object_set (o, "verdicts", verdicts ? verdicts : json_null ());
    }
    json_object_set_new (o, "result", res ? res : json_null ());
    if (j.error_kind && j.state != FG_JOB_DONE) {
      json_t *err = json_pack ("{s:s, s:s}", "kind", j.error_kind,
                               "message", j.error_message
                               ? j.error_message : "");
      if (j.error_hint)
        json_object_set_new (err, "hint", json_string (j.error_hint));
      json_object_set_new (o, "error", err);
    } else
      json_object_set_new (o, "error", json_null ());
  } else {
    json_object_set_new (o, "mode", json_null ());
    json_object_set_new (o, "job", json_null ());
    json_object_set_new (o, "result", json_null ());
    json_object_set_new (o, "error", json_null ());
  }
  json_object_set_new (o, "events", recent_events (a, id));
  pthread_mutex_unlock (&a->lock);
  fg_job_release (&j);
  reply_json (rep, 200, o);
}

static void
get_health (struct agent *a, const struct fg_http_request *req,
            struct fg_http_reply *rep)
{
  json_t *o = json_pack ("{s:s, s:s, s:I}", "status", "ok", "version",
                         FG_VERSION, "uptime_seconds",
                         (json_int_t) (fg_clock_now () - a->started));

  /* Figures only for who holds the token: a probe needs none. */
  if (req->authenticated) {
    struct fg_store_counts c;
    struct fg_err e = FG_ERR_INIT;
    pthread_mutex_lock (&a->lock);
    if (fg_store_count (a->store, QUEUE, &c, &e) == 0)
      json_object_set_new (o, "jobs", json_pack (
        "{s:I, s:I, s:I, s:I}", "pending", (json_int_t) c.n[FG_JOB_PENDING],
        "running", (json_int_t) c.n[FG_JOB_RUNNING],
        "done", (json_int_t) c.n[FG_JOB_DONE],
        "failed", (json_int_t) c.n[FG_JOB_FAILED]));
    json_object_set_new (o, "servers", json_integer ((json_int_t)
                                                     a->sched.n));
    pthread_mutex_unlock (&a->lock);
    json_object_set_new (o, "max_concurrent",
                         json_integer (a->cfg.max_concurrent));
  }
  reply_json (rep, 200, o);
}

static void
handle (void *opaque, const struct fg_http_request *req,
        struct fg_http_reply *rep)
{
  struct agent *a = opaque;
  const char *p = req->path;

  if (strcmp (p, "/v1/health") == 0) {
    if (strcmp (req->method, "GET") && strcmp (req->method, "HEAD")) {
      rep->allow = "GET, HEAD";
      reply_error (rep, 405, "use GET or HEAD for /v1/health", NULL);
      return;
    }
    get_health (a, req, rep);
  } else if (strcmp (p, "/v1/events") == 0) {
    if (strcmp (req->method, "POST")) {
      rep->allow = "POST";
      reply_error (rep, 405, "use POST for /v1/events", NULL);
      return;
    }
    post_event (a, req, rep);
  } else if (strncmp (p, "/v1/servers/", 12) == 0 && p[12] &&
             strchr (p + 12, '/') == NULL) {
    if (strcmp (req->method, "GET") && strcmp (req->method, "HEAD")) {
      rep->allow = "GET";
      reply_error (rep, 405, "use GET for /v1/servers/ID", NULL);
      return;
    }
    if (!fg_event_id_ok (p + 12)) {
      reply_error (rep, 404, "unknown server: not a server id", NULL);
      return;
    }
    get_server (a, p + 12, rep);
  } else {
    char msg[256];
    snprintf (msg, sizeof msg, "no such route '%.128s' (the API is POST "
              "/v1/events, GET /v1/servers/ID, GET /v1/health)", p);
    reply_error (rep, 404, msg, NULL);
  }
}

/* ---- conversions --------------------------------------------------------- */

/* A job's error as the agent's log has it, and the agent stops taking
 * work: the store failed under it (the job stays running in the store;
 * the next start recovers it). */
static void
store_failed (struct agent *a, const struct fg_job *j, const struct fg_err *e)
{
  alog (a, "error", json_pack ("{s:s, s:I, s:s}", "server_id", j->key,
                               "job", (json_int_t) j->id, "message",
                               e->msg));
  if (!a->fatal)
    a->fatal_err = *e;
  a->fatal = 1;
}

/* A run of this job cut off by kill -9 may have left its temporaries:
 * .OUT.XXXXXX.part, and for a bundle .OUT.0.vhd.PID and its own
 * ..OUT.0.vhd.PID.XXXXXX.part (util/outfile.c).  Only this job writes
 * these names: outputs are unique in a schedule. */
static void
removed (void *opaque, const struct fg_job *j, const char *dir,
         const char *name)
{
  (void) dir;
  alog (opaque, "cleaned", json_pack ("{s:s, s:I, s:s}", "server_id",
                                      j->key, "job", (json_int_t) j->id,
                                      "removed", name));
}

static int
stopping (void *opaque)
{
  return ((struct agent *) opaque)->stopping;
}

/* Write the job's server record to RECORDS_DIR/KEY.json (temporary name,
 * fsync, rename): convert reads it by path. */
static char *
write_record (struct agent *a, const struct fg_job *j, json_t *rec,
              struct fg_err *e)
{
  struct fg_outfile of = FG_OUTFILE_INIT;
  char *path = NULL, *text;

  if (!fg_schedule_id_ok (j->key)) {
    fg_err_set (e, FG_E_INPUT, "job key '%s' cannot name a file", j->key);
    return NULL;
  }
  if (asprintf (&path, "%s/%s.json", a->records_dir, j->key) < 0) {
    fg_err_set (e, FG_E_INTERNAL, "out of memory");
    return NULL;
  }
  text = json_dumps (rec, JSON_INDENT (2) | JSON_SORT_KEYS);
  if (text == NULL ||
      fg_outfile_open (&of, path, FG_OUTFILE_REPLACE, e) < 0 ||
      fg_outfile_pwrite (&of, text, strlen (text), 0, e) < 0 ||
      fg_outfile_commit (&of, FG_OUTFILE_REPLACE, e) < 0) {
    if (!fg_err_is_set (e))
      fg_err_set (e, FG_E_INTERNAL, "out of memory");
    fg_outfile_abort (&of);
    free (text);
    free (path);
    return NULL;
  }
  fg_outfile_abort (&of);
  free (text);
  return path;
}

/* The command line of job J's conversion into ARGV (room for 24),
 * pointing into OPTS, MODE and RECORD. */
static void
convert_argv (const char **argv, const struct fg_job *j, json_t *opts,
              const char *mode, const char *record, int redo)
{
  size_t n = 0;

  argv[n++] = "fg2ng";
  argv[n++] = "convert";
  argv[n++] = "--json";
  argv[n++] = "--progress";
  argv[n++] = "none";
  argv[n++] = "--mode";
  argv[n++] = mode;
  argv[n++] = "--server-record";
  argv[n++] = record;
  if (json_string_value (json_object_get (opts, "flavor"))) {
    argv[n++] = "--flavor";
    argv[n++] = json_string_value (json_object_get (opts, "flavor"));
  }
  if (json_string_value (json_object_get (opts, "class"))) {
    argv[n++] = "--class";
    argv[n++] = json_string_value (json_object_get (opts, "class"));
  }
  if (redo)
    argv[n++] = "--force";
  argv[n++] = "-o";
  argv[n++] = j->output;
  argv[n++] = "--";
  argv[n++] = j->source;
  argv[n] = NULL;
}

static int
spawn (struct agent *a, struct fg_runner_child *c, struct fg_err *e)
{
  json_t *opts = json_loads (c->job.options, 0, NULL);
  const char *mode, *argv[24];
  char *record = NULL, *slot_mode = a->modes[c->index];
  int rc = -1;

  mode = json_string_value (json_object_get (opts, "mode"));
  if (mode == NULL || json_object_get (opts, "server_record") == NULL) {
    json_decref (opts);
    return fg_err_set (e, FG_E_INTERNAL, "job '%s' has no mode or server "
                       "record in its options", c->job.key);
  }
  snprintf (slot_mode, sizeof a->modes[0], "%s", mode);
  record = write_record (a, &c->job, json_object_get (opts,
                                                      "server_record"), e);
  if (record) {
    convert_argv (argv, &c->job, opts, slot_mode, record,
                  fg_runner_redo (a->runner, c));
    rc = fg_runner_spawn (a->runner, c, (char *const *) argv, e);
  }
  if (rc == 0)
    log_job (a, "started", &c->job, "running", slot_mode,
             json_pack ("{s:i, s:i, s:s}", "pid", (int) c->pid, "run",
                        c->job.runs, "output", c->job.output));
  json_decref (opts);
  free (record);
  return rc;
}

/* The log line of the end of job J in MODE, recorded as state RC. */
static void
log_end (struct agent *a, const struct fg_job *j, const char *mode,
         const struct fg_run_outcome *oc, int rc, double secs)
{
  json_t *rules, *v;
  size_t i;

  switch (oc->end) {
  case FG_RUN_DONE:
    log_job (a, "done", j, "done", mode, json_pack ("{s:s, s:f}", "output",
                                                    j->output, "seconds",
                                                    secs));
    break;
  case FG_RUN_RELEASE:
    /* Stopped by our SIGTERM: to be redone by the next start. */
    log_job (a, "interrupted", j, "pending", mode,
             json_pack ("{s:s, s:f}", "reason", "the agent is stopping; the "
                        "job is redone at the next start", "seconds", secs));
    break;
  case FG_RUN_INELIGIBLE:
    rules = json_array ();
    json_array_foreach (oc->failing, i, v)
      json_array_append (rules, json_object_get (v, "rule"));
    log_job (a, "ineligible", j, "ineligible", mode,
             json_pack ("{s:s, s:o, s:f}", "reason", oc->msg, "failing",
                        rules, "seconds", secs));
    break;
  case FG_RUN_FAIL:
    log_job (a, rc == FG_JOB_PENDING ? "retry" : "failed", j,
             fg_job_state_name (rc), mode,
             json_pack ("{s:s, s:s, s:f}", "kind", oc->kind, "reason",
                        oc->msg, "seconds", secs));
    break;
  }
}

/* The child has ended: record what became of its job (the runner said
 * what: one rule with batch's).  An ineligible job keeps its whole check
 * document (GET /v1/servers/ID shows its verdicts). */
static void
on_end (void *opaque, struct fg_runner_child *c, int status,
        const struct fg_run_outcome *oc, double secs)
{
  struct agent *a = opaque;
  struct fg_err e = FG_ERR_INIT;
  int rc;

  (void) status;
  secs = round (secs * 1000) / 1000;
  pthread_mutex_lock (&a->lock);
  rc = fg_runner_record (a->store, c->job.id, oc, NULL,
                         c->err.data ? c->err.data : "", &e);
  if (rc >= 0)
    log_end (a, &c->job, a->modes[c->index], oc, rc, secs);
  pthread_mutex_unlock (&a->lock);
  if (rc < 0)
    store_failed (a, &c->job, &e);
}

static const struct fg_runner_ops ops = {
  .stopping = stopping,
  .on_end = on_end,
  .removed = removed,
};

/* The claimed job's output is a file another job is done with or is
 * writing (jobs/store.h): a server of the agent, or a batch job in the
 * same store.  Fail it as refused without a run, and never --force over
 * it: nothing of that file is touched, not even a temporary beside it
 * (the other job may be writing one). */
static void
refuse_taken (struct agent *a, struct fg_runner_child *c)
{
  struct fg_err why = FG_ERR_INIT, e = FG_ERR_INIT;
  json_t *opts = json_loads (c->job.options, 0, NULL);
  const char *mode = json_string_value (json_object_get (opts, "mode"));
  int rc;

  pthread_mutex_lock (&a->lock);
  rc = fg_runner_taken (a->store, &c->job, &why, &e);
  if (rc == 0) {
    fg_err_hint (&why, "give server '%s' an output of its own in the "
                 "schedule ('output')", c->job.key);
    rc = fg_store_fail (a->store, c->job.id, "refused", why.msg, why.hint,
                        NULL, 0, &e);
  }
  pthread_mutex_unlock (&a->lock);
  if (rc < 0)
    store_failed (a, &c->job, &e);
  else
    log_job (a, "failed", &c->job, fg_job_state_name (rc), mode,
             json_pack ("{s:s, s:s, s:s, s:f}", "kind", "refused", "reason",
                        why.msg, "output_taken_by", c->job.output_taken_by,
                        "seconds", 0.0));
  json_decref (opts);
  fg_job_release (&c->job);
}

static void
claim_jobs (struct agent *a)
{
  while (!a->stopping && !a->fatal &&
         fg_runner_running (a->runner) < a->cfg.max_concurrent) {
    struct fg_runner_child *c = fg_runner_slot (a->runner);
    struct fg_err e = FG_ERR_INIT;
    int rc;

    pthread_mutex_lock (&a->lock);
    rc = fg_store_claim (a->store, QUEUE, getpid (), &c->job, &e);
    pthread_mutex_unlock (&a->lock);
    if (rc <= 0) {
      if (rc < 0)
        alog (a, "error", json_pack ("{s:s}", "message", e.msg));
      return;
    }
    if (c->job.output_taken_by) {
      refuse_taken (a, c);
      continue;
    }
    if (spawn (a, c, &e) < 0) {
      pthread_mutex_lock (&a->lock);
      rc = fg_store_fail (a->store, c->job.id, "internal", e.msg, NULL,
                          NULL, 1, &e);
      pthread_mutex_unlock (&a->lock);
      log_job (a, rc == FG_JOB_PENDING ? "retry" : "failed", &c->job,
               rc >= 0 ? fg_job_state_name (rc) : "running", NULL,
               json_pack ("{s:s}", "reason", e.msg));
      fg_job_release (&c->job);
      return;                 /* out of processes?  Try at the next tick. */
    }
  }
}

/* ---- signals ------------------------------------------------------------- */

/* Signals go to the main thread only: the HTTP threads start with them
 * blocked. */
static void
block_signals (int block)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGCHLD);
  pthread_sigmask (block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* ---- schedule (re)loading ------------------------------------------------ */

static int
load_schedule (struct agent *a, struct fg_schedule *s, struct fg_err *e)
{
  if (fg_schedule_load (a->cfg.schedule, a->cfg.output_dir, s, e) < 0)
    return -1;
  if (s->nproblems == 0)
    fg_schedule_check_files (s);
  if (s->nproblems) {
    fg_err_set (e, FG_E_INPUT, "'%s': %zu problem%s%s", a->cfg.schedule,
                s->nproblems, s->nproblems == 1 ? "" : "s",
                s->nlisted < s->nproblems ? " (the first listed)" : "");
    fg_err_hint (e, "fix the schedule; doc/schedule.schema.json describes "
                 "it");
    return -1;
  }
  return 0;
}

static void
reload (struct agent *a)
{
  struct fg_schedule s;
  struct fg_err e = FG_ERR_INIT;
  char token[FG_AGENT_TOKEN_MAX], why[PATH_MAX + 200];
  unsigned char *settled;

  if (fg_agent_read_token (a->cfg.token_file, token, sizeof token, why,
                           sizeof why) < 0)
    alog (a, "reload_refused", json_pack ("{s:s, s:s}", "file",
                                          a->cfg.token_file, "message",
                                          why));
  else {
    fg_http_set_token (a->http, token);
    memset (token, 0, sizeof token);
  }
  if (load_schedule (a, &s, &e) < 0) {
    json_t *lines = json_array ();
    for (size_t i = 0; i < s.nlisted; i++)
      json_array_append_new (lines, json_string (s.problems[i]));
    alog (a, "reload_refused", json_pack ("{s:s, s:s, s:o, s:s}", "file",
                                          a->cfg.schedule, "message", e.msg,
                                          "problems", lines, "reason",
                                          "the schedule in use is kept"));
    fg_schedule_release (&s);
    return;
  }
  settled = calloc (s.n + 1, 1);
  if (settled == NULL) {
    fg_schedule_release (&s);
    return;
  }
  pthread_mutex_lock (&a->lock);
  fg_schedule_release (&a->sched);
  free (a->settled);
  a->sched = s;
  a->settled = settled;
  pthread_mutex_unlock (&a->lock);
  alog (a, "reloaded", json_pack ("{s:s, s:I}", "file", a->cfg.schedule,
                                  "servers", (json_int_t) s.n));
}

/* ---- the service --------------------------------------------------------- */

static void
print_problems (char **lines, size_t n)
{
  for (size_t i = 0; i < n; i++)
    fprintf (stderr, "fg2ng agent: %s\n", lines[i]);
}

static int
open_log (struct agent *a, struct fg_err *e)
{
  if (a->cfg.log == NULL) {
    a->log_fd = STDERR_FILENO;
    return 0;
  }
  a->log_fd = open (a->cfg.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                    0640);
  if (a->log_fd < 0)
    return fg_err_errno (e, FG_E_IO, errno, "'%s': cannot open the log",
                         a->cfg.log);
  return 0;
}

static int
open_store (struct agent *a, struct fg_err *e)
{
  unsigned foreign = 0;
  int n;

  a->store = fg_store_open (a->cfg.state, FG_STORE_CREATE, e);
  if (a->store == NULL)
    return -1;
  fg_store_set_retries (a->store, a->cfg.retries);
  if (fg_agent_tables_create (a->store, e) < 0)
    return -1;
  n = fg_store_recover (a->store, &foreign, e);
  if (n < 0)
    return -1;
  if (n > 0)
    alog (a, "recovered", json_pack ("{s:i, s:s}", "jobs", n, "reason",
                                     "cut off by an earlier run; to be "
                                     "redone from the start"));
  if (foreign)
    alog (a, "warning", json_pack ("{s:s}", "message", "jobs running on "
                                   "other hosts are left alone"));
  if (asprintf (&a->records_dir, "%s.records", a->cfg.state) < 0)
    return fg_err_set (e, FG_E_INTERNAL, "out of memory");
  if (mkdir (a->records_dir, 0700) < 0 && errno != EEXIST)
    return fg_err_errno (e, FG_E_IO, errno, "'%s'", a->records_dir);
  return 0;
}

/* A SIGINT or SIGTERM starts the stop: no new work, the running
 * conversions given the grace period; a second one ends the grace.  A
 * SIGHUP reloads the schedule and the token. */
static void
take_signals (struct agent *a)
{
  int sig = fg_wake_take_stop ();

  if (sig && !a->stopping) {
    a->stopping = 1;
    a->stop_at = fg_clock_now () + a->cfg.shutdown_grace;
    fg_http_quiesce (a->http);
    alog (a, "stopping", json_pack ("{s:s, s:i, s:I}", "signal",
                                    strsignal (sig), "running",
                                    (int) fg_runner_running (a->runner),
                                    "grace_seconds",
                                    (json_int_t) a->cfg.shutdown_grace));
  } else if (sig && a->stopping && !a->forwarded)
    a->stop_at = 0;           /* a second signal: stop them now */
  if (fg_wake_take_hup () && !a->stopping)
    reload (a);
}

/* Milliseconds to sleep at most: until the next window ends (NEXT, 0 for
 * none) or the grace period does. */
static int
sleep_ms (const struct agent *a, double next)
{
  double t = fg_clock_now ();
  int timeout = 1000;

  if (next > 0 && (next - t) * 1000 < timeout)
    timeout = next > t ? (int) ((next - t) * 1000) + 1 : 0;
  if (a->stopping && !a->forwarded && (a->stop_at - t) * 1000 < timeout)
    timeout = a->stop_at > t ? (int) ((a->stop_at - t) * 1000) + 1 : 0;
  return timeout;
}

static void
service_loop (struct agent *a)
{
  for (;;) {
    double next;
    unsigned running;

    take_signals (a);
    next = a->stopping ? 0 : expire_windows (a);
    claim_jobs (a);
    if (a->fatal && !a->stopping) {
      a->stopping = 1;
      a->stop_at = fg_clock_now ();
      fg_http_quiesce (a->http);
    }
    running = fg_runner_running (a->runner);
    if (a->stopping && running > 0 && !a->forwarded &&
        fg_clock_now () >= a->stop_at) {
      fg_runner_signal (a->runner, SIGTERM);
      a->forwarded = 1;
      alog (a, "stopping_jobs", json_pack ("{s:i}", "running",
                                           (int) running));
    }
    if (a->stopping && running == 0)
      return;
    if (fg_runner_wait (a->runner, sleep_ms (a, next)) < 0)
      return;
  }
}

/* The configuration and the schedule, checked: 1 to go on, 0 when only
 * checking (done), -1 on a problem (E, and the lines listed). */
static int
load_config (struct agent *a, const char *config_path, int flags,
             struct fg_err *e)
{
  if (fg_agent_config_load (config_path, &a->cfg, e) < 0)
    return -1;
  if (a->cfg.nproblems) {
    print_problems (a->cfg.problems, a->cfg.nproblems);
    fg_err_set (e, FG_E_INPUT, "'%s': %zu problem%s (listed above); the "
                "agent did not start", config_path, a->cfg.nproblems,
                a->cfg.nproblems == 1 ? "" : "s");
    fg_err_hint (e, "fix the configuration; doc/agent-config.schema.json "
                 "describes it");
    return -1;
  }
  if (load_schedule (a, &a->sched, e) < 0) {
    print_problems (a->sched.problems, a->sched.nlisted);
    return -1;
  }
  if (flags & FG_AGENT_CHECK_ONLY) {
    printf ("'%s': valid; schedule '%s': %zu server%s\n", config_path,
            a->cfg.schedule, a->sched.n, a->sched.n == 1 ? "" : "s");
    return 0;
  }
  return 1;
}

int
fg_agent_run (const char *config_path, int flags, struct fg_err *e)
{
  struct agent *a = calloc (1, sizeof *a);
  char why[PATH_MAX + 200];
  int rc = -1;

  if (a == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "out of memory");
  a->log_fd = STDERR_FILENO;
  pthread_mutex_init (&a->lock, NULL);
  pthread_mutex_init (&a->log_lock, NULL);
  a->started = fg_clock_now ();

  rc = load_config (a, config_path, flags, e);
  if (rc != 1)
    goto out;
  rc = -1;
  a->settled = calloc (a->sched.n + 1, 1);
  if (a->settled == NULL) {
    fg_err_set (e, FG_E_INTERNAL, "out of memory");
    goto out;
  }
  if (fg_agent_read_token (a->cfg.token_file, a->token, sizeof a->token,
                           why, sizeof why) < 0) {
    fg_err_set (e, FG_E_INPUT, "%s", why);
    goto out;
  }
  if (open_log (a, e) < 0 || fg_wake_install (e) < 0)
    goto out;
  a->runner = fg_runner_new (MAX_SLOTS, &ops, a);
  if (a->runner == NULL) {
    fg_err_set (e, FG_E_INTERNAL, "out of memory");
    goto out;
  }
  block_signals (1);
  if (open_store (a, e) < 0) {
    block_signals (0);
    goto out;
  }
  a->http = fg_http_start (&a->cfg, a->token, "/v1/health", handle,
                           on_http_log, a, e);
  memset (a->token, 0, sizeof a->token);
  block_signals (0);
  if (a->http == NULL)
    goto out;
  alog (a, "listening", json_pack ("{s:s, s:s, s:s, s:I, s:i, s:b}",
                                   "address", fg_http_address (a->http),
                                   "schedule", a->cfg.schedule, "state",
                                   a->cfg.state, "servers",
                                   (json_int_t) a->sched.n,
                                   "max_concurrent",
                                   (int) a->cfg.max_concurrent, "tls",
                                   a->cfg.tls_cert != NULL));
  service_loop (a);
  fg_http_stop (a->http);
  a->http = NULL;
  if (a->fatal) {
    *e = a->fatal_err;
    goto out;
  }
  alog (a, "stopped", NULL);
  rc = 0;

out:
  if (a->http)
    fg_http_stop (a->http);
  /* Children still running (the store failed): let them finish unseen
   * would race the next start; they were sent SIGTERM, wait for them. */
  if (a->runner) {
    fg_runner_abandon (a->runner);
    fg_runner_free (a->runner);
  }
  if (a->store)
    fg_store_close (a->store);
  if (a->log_fd > STDERR_FILENO)
    close (a->log_fd);
  fg_schedule_release (&a->sched);
  fg_agent_config_release (&a->cfg);
  free (a->settled);
  free (a->records_dir);
  pthread_mutex_destroy (&a->lock);
  pthread_mutex_destroy (&a->log_lock);
  free (a);
  return rc;
}
