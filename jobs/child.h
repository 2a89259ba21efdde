/* jobs/child.h --- running conversions as child processes
 *
 * What `fg2ng batch` and `fg2ng agent` share when they run `fg2ng
 * convert` for a job: the child is this same program (/proc/self/exe),
 * dies with its parent (SIGTERM, so that it removes its temporary files),
 * reads nothing, and hands its stdout and stderr back through
 * non-blocking pipes; a rerun first removes what a killed run left
 * beside the output; the child's last error is read back from its stderr.
 */
#ifndef FG_JOBS_CHILD_H
#define FG_JOBS_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"

/* A growing text buffer, NUL-terminated; FG_BUF_INIT is empty. */
struct fg_buf {
  char *data;
  size_t len, cap;
};

#define FG_BUF_INIT { NULL, 0, 0 }

/* Append N bytes.  With KEEP_TAIL, once the text passes twice that,
 * only its last KEEP_TAIL bytes are kept (a stderr tail).  -1 when out
 * of memory (the buffer is unchanged). */
int fg_buf_add (struct fg_buf *b, const char *data, size_t n,
                size_t keep_tail);
void fg_buf_free (struct fg_buf *b);

/* Start this program with ARGV (argv[0] is only a name).  On success
 * *PID and FD[0] (its stdout), FD[1] (its stderr), both non-blocking and
 * close-on-exec, are the caller's. */
int fg_child_spawn (char *const argv[], pid_t *pid, int fd[2],
                    struct fg_err *e);

/* Remove what an interrupted conversion to OUTPUT may have left in its
 * folder (core/outfile.c's names): .BASE.<6 random>.part, the bundle's inner
 * disk .BASE.0.vhd.PID and its ..BASE.0.vhd.PID.<6 random>.part, and the
 * bundle sidecar's .STEM.json.<6 random>.part.  REMOVED is told each name
 * removed.  Only for outputs no other job writes. */
void fg_child_sweep_temps (const char *output,
                           void (*removed) (const char *dir,
                                            const char *name, void *opaque),
                           void *opaque);

/* The error convert printed last in LOG: the text of its last "fg2ng:
 * error: " (or usage "fg2ng convert: ") line and the "hint: " line after
 * it; without such a line, the last line of LOG. */
void fg_child_error (const char *log, char *msg, size_t cap, char *hint,
                     size_t hcap);

#endif
