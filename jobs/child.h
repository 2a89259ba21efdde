/* jobs/child.h --- running conversions as child processes
 *
 * What `fg2ng batch` and `fg2ng agent` share when they run `fg2ng
 * convert` for a job: the child is this same program (/proc/self/exe),
 * dies with its parent (SIGTERM, so that it removes its temporary files),
 * reads nothing, and hands its stdout and stderr back through
 * non-blocking pipes; a rerun first removes what a killed run left
 * beside the output, and so does the end of a run killed by a signal;
 * the child's last error is read back from its stderr, as one line with
 * its control characters escaped (the stderr of a conversion carries
 * customer text: member names, file contents).
 *
 * FG2NG_CONVERT_PROGRAM, when set, names the program run instead of this
 * one (with the same arguments): the tests run a fake conversion that
 * crashes or prints hostile text, and an operator may wrap the real one
 * (nice, a cgroup) in a script that execs fg2ng.
 */
#ifndef FG_JOBS_CHILD_H
#define FG_JOBS_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

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

/* Start this program (or FG2NG_CONVERT_PROGRAM) with ARGV (argv[0] is
 * only a name).  On success
 * *PID and FD[0] (its stdout), FD[1] (its stderr), both non-blocking and
 * close-on-exec, are the caller's. */
int fg_child_spawn (char *const argv[], pid_t *pid, int fd[2],
                    struct fg_err *e);

/* Remove what an interrupted conversion to OUTPUT may have left in its
 * folder (util/outfile.c's names): .BASE.<6 random>.part, the bundle's inner
 * disk .BASE.0.vhd.PID and its ..BASE.0.vhd.PID.<6 random>.part, and the
 * bundle sidecar's .STEM.json.<6 random>.part.  REMOVED is told each name
 * removed.  Only for outputs no other job writes. */
void fg_child_sweep_temps (const char *output,
                           void (*removed) (const char *dir,
                                            const char *name, void *opaque),
                           void *opaque);

/* The error convert printed last in LOG: the text of its last "fg2ng:
 * error: " (or usage "fg2ng convert: ") line and the "hint: " line right
 * after it (no other line); without such a line, the last line of LOG.
 * Each is one line with control characters written as \xNN
 * (fg_escape_ctl), so that text from a hostile image can neither act on
 * a terminal nor pass for another line of a log or a summary. */
void fg_child_error (const char *log, char *msg, size_t cap, char *hint,
                     size_t hcap);

/* A child that STATUS (from waitpid) says died of a signal ran no
 * cleanup of its own (a crash, SIGKILL): remove what it left beside
 * OUTPUT (fg_child_sweep_temps, telling REMOVED) and say what happened.
 * Returns NULL when STATUS is not a death by signal.  A crash (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS, SIGTRAP) is a bug of fg2ng
 * that the same input would meet again: "internal", not retryable, MSG
 * "fg2ng convert crashed (signal 11, SIGSEGV)" and a HINT.  Any other
 * signal (SIGKILL from the OOM killer or an operator, SIGTERM) came from
 * outside and may not come again: "signal", retryable, MSG "convert was
 * killed by signal 9 (SIGKILL)", HINT empty. */
const char *fg_child_killed (int status, const char *output, char *msg,
                             size_t cap, char *hint, size_t hcap,
                             int *retryable,
                             void (*removed) (const char *dir,
                                              const char *name,
                                              void *opaque),
                             void *opaque);

#endif
