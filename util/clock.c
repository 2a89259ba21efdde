/* util/clock.c --- seconds as doubles */
#include "util/clock.h"

#include <math.h>
#include <stdio.h>

static double
seconds (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

double
fg_clock_now (void)
{
  return seconds (CLOCK_REALTIME);
}

double
fg_clock_mono (void)
{
  return seconds (CLOCK_MONOTONIC);
}

double
fg_clock_since (const struct timespec *t0)
{
  struct timespec t1;

  clock_gettime (CLOCK_MONOTONIC, &t1);
  return (double) (t1.tv_sec - t0->tv_sec) +
    (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

void
fg_clock_text (double t, int millis, char *out, size_t cap)
{
  time_t secs = (time_t) floor (t);
  struct tm tm;
  char base[32];

  if (t <= 0 || gmtime_r (&secs, &tm) == NULL) {
    snprintf (out, cap, "-");
    return;
  }
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  if (millis)
    snprintf (out, cap, "%s.%03dZ", base, (int) ((t - floor (t)) * 1000));
  else
    snprintf (out, cap, "%sZ", base);
}

json_t *
fg_clock_json (double t, int millis)
{
  char buf[40];

  if (t <= 0)
    return json_null ();
  fg_clock_text (t, millis, buf, sizeof buf);
  return json_string (buf);
}
