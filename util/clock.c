/* util/clock.c --- seconds as doubles */
#include "util/clock.h"

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
