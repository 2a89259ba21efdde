/* util/clock.h --- the time as the job runners, the store and the agent
 * count it: seconds as a double */
#ifndef FG_UTIL_CLOCK_H
#define FG_UTIL_CLOCK_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

/* Unix time (CLOCK_REALTIME), for what is recorded or shown. */
double fg_clock_now (void);

/* CLOCK_MONOTONIC, for durations and deadlines that a change of the
 * wall clock must not stretch. */
double fg_clock_mono (void);

/* Seconds since T0, a CLOCK_MONOTONIC reading. */
double fg_clock_since (const struct timespec *t0);

/* Unix time T as RFC 3339 UTC text: "2026-12-03T17:36:07Z", or with
 * MILLIS "2026-12-03T17:36:07.250Z" (the agent's log and API, where
 * events of one second are told apart); "-" when T is not a time. */
void fg_clock_text (double t, int millis, char *out, size_t cap);

/* The same as a JSON string, or JSON null when T <= 0 (never happened). */
json_t *fg_clock_json (double t, int millis);

#endif
