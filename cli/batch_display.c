/* cli/batch_display.c --- how `fg2ng batch` shows its progress on
 * stderr: a live display on a terminal (a line per running job, one for
 * the batch, redrawn in place), or JSON lines (job started, progress,
 * done, failed), and the batch's own warnings among them */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/batch.h"
#include "util/clock.h"

/* "2026-11-23T12:34:56Z" */
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

void
batch_tally_json (const struct batch *b, json_t *o)
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

void
batch_emit_json (json_t *o)
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
  double el = fg_clock_since (&b->t0);
  unsigned long todo = b->tally.pending + b->tally.running;

  if (b->finished_here == 0 || el <= 0)
    return -1;
  return (double) todo * el / (double) b->finished_here;
}

/* The live display: a line per running job and one for the batch, drawn
 * over the previous one.  Lines are cut to the terminal's width so that
 * none wraps (the redraw counts lines). */
void
batch_live_erase (struct batch *b)
{
  if (b->drawn_lines > 0)
    fprintf (stderr, "\r\033[%dF\033[J", b->drawn_lines);
  b->drawn_lines = 0;
}

void
batch_live_draw (struct batch *b, int force)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f;
  int cols, rows, lines = 0, room, shown = 0;
  char el[32], left[48] = "";
  double tl;

  if (b->a->show != SHOW_LIVE)
    return;
  if (!force && fg_clock_since (&b->last_draw) < DRAW_PERIOD)
    return;
  clock_gettime (CLOCK_MONOTONIC, &b->last_draw);
  term_size (&cols, &rows);
  room = rows > 6 ? rows - 3 : 3;
  f = open_memstream (&text, &len);
  if (f == NULL)
    return;
  for (unsigned i = 0; i < b->a->jobs; i++) {
    const struct fg_runner_child *c = fg_runner_at (b->runner, i);
    const struct worker *w = &b->w[i];
    char line[512], pct[8] = "", bar[16] = "", t[32];
    if (c == NULL)
      continue;
    if (shown == room) {
      shown++;
      continue;
    }
    shown++;
    clock_text (fg_clock_since (&c->t0), t, sizeof t);
    if (w->ptotal > 0) {
      unsigned p = (unsigned) (w->pdone * 100 / w->ptotal);
      int fill = (int) (p > 100 ? 10 : p / 10);
      snprintf (pct, sizeof pct, "%3u%%", p > 100 ? 100 : p);
      snprintf (bar, sizeof bar, "[%.*s%*s]", fill, "##########",
                10 - fill, "");
    }
    snprintf (line, sizeof line, "  %-24s %-8s %4s %-12s %s%s", c->job.key,
              w->phase[0] ? w->phase : "starting", pct, bar, t,
              c->job.runs > 1 ? " (again)" : "");
    fprintf (f, "%.*s\n", cols - 1, line);
    lines++;
  }
  if (shown > room) {
    fprintf (f, "  ... and %d more\n", shown - room);
    lines++;
  }
  clock_text (fg_clock_since (&b->t0), el, sizeof el);
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
  batch_live_erase (b);
  fwrite (text, 1, len, stderr);
  fflush (stderr);
  free (text);
  b->drawn_lines = lines;
}

void
batch_report_job (struct batch *b, const char *event,
                  const struct fg_runner_child *c, const char *key,
                  double secs, const char *kind, const char *msg,
                  json_t *verdicts)
{
  char when[32];

  if (b->a->show == SHOW_JSON) {
    json_t *o = json_pack ("{s:s, s:s}", "event", event, "id", key);
    if (o == NULL)
      return;
    fg_clock_text (fg_clock_now (), 0, when, sizeof when);
    json_object_set_new (o, "time", json_string (when));
    if (strcmp (event, "start") == 0 && c) {
      char *log = batch_log_path (b, key);
      json_object_set_new (o, "pid", json_integer (c->pid));
      json_object_set_new (o, "run", json_integer (c->job.runs));
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
    batch_tally_json (b, o);
    batch_emit_json (o);
    return;
  }
  if (b->a->show != SHOW_LIVE || strcmp (event, "start") == 0)
    return;
  batch_live_erase (b);
  if (strcmp (event, "done") == 0)
    fprintf (stderr, "fg2ng batch: %s: done in %.1f s\n", key, secs);
  else if (strcmp (event, "interrupted") == 0)
    fprintf (stderr, "fg2ng batch: %s: interrupted after %.1f s; left to "
             "be redone\n", key, secs);
  else if (strcmp (event, "ineligible") == 0)
    fprintf (stderr, "fg2ng batch: %s: ineligible: %s\n", key, msg);
  else if (c == NULL)
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

/* Warnings of the batch itself: a JSON event among the others, or a line
 * above the live display (not into it). */
void
batch_warn_sink (const char *msg, void *opaque)
{
  struct batch *b = opaque;

  if (b->a->show == SHOW_JSON) {
    char when[32];
    json_t *o = json_pack ("{s:s, s:s}", "event", "warning", "message", msg);
    fg_clock_text (fg_clock_now (), 0, when, sizeof when);
    if (o)
      json_object_set_new (o, "time", json_string (when));
    batch_emit_json (o);
    return;
  }
  batch_live_erase (b);
  memset (&b->last_draw, 0, sizeof b->last_draw);
  fprintf (stderr, "fg2ng: warning: %s\n", msg);
  fflush (stderr);
}

/* A progress event of a conversion: "{"event":"progress","phase":"convert",
 * "done":N,"total":M,...}" (util/progress.c).  Relayed as JSON at most
 * once a second per job. */
int
batch_progress_line (struct batch *b, const struct fg_runner_child *c,
                     const char *line, size_t len)
{
  struct worker *w = &b->w[c->index];
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
    double t = fg_clock_since (&c->t0);
    if (t - w->last_relay >= 1.0 || strcmp (event, "progress") != 0) {
      json_t *r = json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I, s:f}", "event",
                             "progress", "id", c->job.key, "step", event,
                             "phase", w->phase, "done",
                             (json_int_t) w->pdone, "total",
                             (json_int_t) w->ptotal, "seconds",
                             round (t * 1000) / 1000);
      if (r && w->ptotal > 0)
        json_object_set_new (r, "percent",
                             json_integer ((json_int_t) (w->pdone * 100 /
                                                         w->ptotal)));
      w->last_relay = t;
      batch_emit_json (r);
    }
  }
  return 1;
}
