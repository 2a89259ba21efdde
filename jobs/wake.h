/* jobs/wake.h --- signals turned into wake-ups of a poll() loop
 *
 * The runners of child conversions (batch, the agent) sleep in poll()
 * over their children's pipes.  A signal handler may only set a flag and
 * write a byte: this module's handler does both for SIGINT, SIGTERM,
 * SIGHUP and SIGCHLD (a child ended), and the loop polls fg_wake_fd ()
 * beside its pipes, then asks what arrived.  SA_RESTART keeps SQLite's
 * system calls going; poll() is woken by the pipe either way.  SIGPIPE is
 * ignored (a child's pipe or a client may close under us).  The handlers
 * replace main()'s temporary-file cleanup handlers: a runner writes no
 * output of its own and must outlive the signal to put its jobs back in
 * order.
 */
#ifndef FG_JOBS_WAKE_H
#define FG_JOBS_WAKE_H

#include "util/err.h"

/* Make the pipe and install the handlers (once per process). */
int fg_wake_install (struct fg_err *e);

/* The pipe's read end, for poll(); fg_wake_drain () empties it. */
int fg_wake_fd (void);
void fg_wake_drain (void);

/* Wake the loop (async-signal-safe; from another thread too). */
void fg_wake_poke (void);

/* The first of SIGINT, SIGTERM and SIGHUP received, 0 before any: batch
 * stops on whichever came first and exits 128 + it. */
int fg_wake_first (void);

/* A SIGINT or SIGTERM (its number) or a SIGHUP (1) received since the
 * last call; 0 if none: the agent stops on the one and reloads on the
 * other, and is told of each second signal again. */
int fg_wake_take_stop (void);
int fg_wake_take_hup (void);

#endif
