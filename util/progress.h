/* util/progress.h --- progress on long work
 *
 * On a terminal (stderr is a tty) a one-line bar with bytes, rate and time
 * left; with --progress=json one JSON object per line on stderr
 * ("start", "progress" about once a second, "end"); otherwise silence.
 * stdout stays free for the report.
 */
#ifndef FG_UTIL_PROGRESS_H
#define FG_UTIL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum fg_progress_mode {
  FG_PROGRESS_AUTO = 0,   /* bar if stderr is a terminal, else none */
  FG_PROGRESS_NONE,
  FG_PROGRESS_BAR,
  FG_PROGRESS_JSON,
};

struct fg_progress {
  enum fg_progress_mode mode;
  const char *phase;      /* static string: "convert", "pack", ... */
  uint64_t total;         /* 0 = unknown */
  uint64_t done;
  struct timespec start;
  struct timespec last;
  FILE *out;
  int drawn;
};

/* Parse "auto", "none", "bar" or "json"; returns -1 on anything else. */
int fg_progress_parse_mode (const char *s, enum fg_progress_mode *mode);

void fg_progress_start (struct fg_progress *p, enum fg_progress_mode mode,
                        const char *phase, uint64_t total);
void fg_progress_update (struct fg_progress *p, uint64_t done);
/* Ends the bar (newline) or emits the "end" event. */
void fg_progress_end (struct fg_progress *p, int ok);

/* A phase with nothing to count (the file system's tables and fsync, a
 * command in the guest): its name shown at once with the time it takes
 * ("fsync    ... 2.1 s"), a "start" and an "end" event (total 0) in
 * JSON, so that a display never sits at the last phase's 100 %.  Ended
 * with fg_progress_end. */
void fg_progress_step (struct fg_progress *p, enum fg_progress_mode mode,
                       const char *phase);

#endif
