/* util/clock.h --- the time as the job runners, the store and the agent
 * count it: seconds as a double */
#ifndef FG_UTIL_CLOCK_H
#define FG_UTIL_CLOCK_H

#include <time.h>

/* Unix time (CLOCK_REALTIME), for what is recorded or shown. */
double fg_clock_now (void);

/* CLOCK_MONOTONIC, for durations and deadlines that a change of the
 * wall clock must not stretch. */
double fg_clock_mono (void);

/* Seconds since T0, a CLOCK_MONOTONIC reading. */
double fg_clock_since (const struct timespec *t0);

#endif
