/* util/progress.c --- bar on a terminal, JSON lines on request */
#include "util/progress.h"

#include <jansson.h>
#include <string.h>
#include <unistd.h>

static double
elapsed (const struct timespec *a, const struct timespec *b)
{
  return (double) (b->tv_sec - a->tv_sec) +
    (double) (b->tv_nsec - a->tv_nsec) / 1e9;
}

int
fg_progress_parse_mode (const char *s, enum fg_progress_mode *mode)
{
  static const struct { const char *name; enum fg_progress_mode mode; } t[] = {
    { "auto", FG_PROGRESS_AUTO }, { "none", FG_PROGRESS_NONE },
    { "bar", FG_PROGRESS_BAR }, { "json", FG_PROGRESS_JSON },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp (s, t[i].name) == 0) {
      *mode = t[i].mode;
      return 0;
    }
  return -1;
}

static void
emit_json (struct fg_progress *p, const char *event, double secs)
{
  json_t *o = json_pack ("{s:s, s:s, s:I, s:I, s:f}", "event", event,
                         "phase", p->phase, "done", (json_int_t) p->done,
                         "total", (json_int_t) p->total, "seconds", secs);
  if (o == NULL)
    return;
  if (secs > 0 && strcmp (event, "start") != 0 && p->total > 0)
    json_object_set_new (o, "rate", json_integer ((json_int_t)
                                                  (p->done / secs)));
  json_dumpf (o, p->out, JSON_COMPACT);
  fputc ('\n', p->out);
  fflush (p->out);
  json_decref (o);
}

static void
human_bytes (char *buf, size_t cap, double v)
{
  static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    u++;
  }
  snprintf (buf, cap, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void
draw_bar (struct fg_progress *p, double secs)
{
  if (p->total == 0 && p->done == 0) {
    /* a step: its name and its time so far */
    fprintf (p->out, "\r%-8s ... %.1f s\033[K", p->phase, secs);
    fflush (p->out);
    p->drawn = 1;
    return;
  }
  char done[32], total[32], rate[32], eta[32] = "";
  double r = secs > 0 ? (double) p->done / secs : 0;
  int width = 30, fill = 0;

  human_bytes (done, sizeof done, (double) p->done);
  human_bytes (total, sizeof total, (double) p->total);
  human_bytes (rate, sizeof rate, r);
  if (p->total > 0) {
    fill = (int) ((double) width * (double) p->done / (double) p->total);
    if (fill > width)
      fill = width;
    if (r > 0 && p->done < p->total) {
      unsigned left = (unsigned) ((double) (p->total - p->done) / r);
      snprintf (eta, sizeof eta, ", %u:%02u left", left / 60, left % 60);
    }
  }
  fprintf (p->out, "\r%-8s [%.*s%*s] %s / %s, %s/s%s\033[K", p->phase,
           fill, "##############################", width - fill, "",
           done, total, rate, eta);
  fflush (p->out);
  p->drawn = 1;
}

void
fg_progress_start (struct fg_progress *p, enum fg_progress_mode mode,
                   const char *phase, uint64_t total)
{
  memset (p, 0, sizeof *p);
  p->out = stderr;
  if (mode == FG_PROGRESS_AUTO)
    mode = isatty (STDERR_FILENO) ? FG_PROGRESS_BAR : FG_PROGRESS_NONE;
  p->mode = mode;
  p->phase = phase;
  p->total = total;
  clock_gettime (CLOCK_MONOTONIC, &p->start);
  p->last = p->start;
  if (mode == FG_PROGRESS_JSON)
    emit_json (p, "start", 0);
}

void
fg_progress_update (struct fg_progress *p, uint64_t done)
{
  struct timespec now;
  double since_last;

  p->done = done;
  if (p->mode != FG_PROGRESS_BAR && p->mode != FG_PROGRESS_JSON)
    return;
  clock_gettime (CLOCK_MONOTONIC, &now);
  since_last = elapsed (&p->last, &now);
  if (since_last < (p->mode == FG_PROGRESS_BAR ? 0.1 : 1.0))
    return;
  p->last = now;
  if (p->mode == FG_PROGRESS_BAR)
    draw_bar (p, elapsed (&p->start, &now));
  else
    emit_json (p, "progress", elapsed (&p->start, &now));
}

void
fg_progress_step (struct fg_progress *p, enum fg_progress_mode mode,
                  const char *phase)
{
  fg_progress_start (p, mode, phase, 0);
  if (p->mode == FG_PROGRESS_BAR)
    draw_bar (p, 0);
}

void
fg_progress_end (struct fg_progress *p, int ok)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  if (p->mode == FG_PROGRESS_BAR) {
    if (ok)
      draw_bar (p, elapsed (&p->start, &now));
    if (p->drawn)
      fputc ('\n', p->out);
  } else if (p->mode == FG_PROGRESS_JSON)
    emit_json (p, ok ? "end" : "failed", elapsed (&p->start, &now));
  p->mode = FG_PROGRESS_NONE;
}
