/* util/err.h --- the one error convention of fg2ng
 *
 * An error is set exactly once, where the failure happens, into a
 * caller-owned struct fg_err; the failing function then returns -1 (or
 * NULL).  Callers on the way up may add context with fg_err_prefix()
 * ("while reading 'web01.tar.gz.3': ..."), and only the CLI entry point
 * prints it, once, and turns its kind into an exit code.
 *
 * Message style: the problem first, lowercase, no trailing full stop, the
 * subject in single quotes, a byte offset or key where one applies.  What
 * the user can do about it goes into the separate hint.
 */
#ifndef FG_UTIL_ERR_H
#define FG_UTIL_ERR_H

#include <stdio.h>

enum fg_errkind {
  FG_E_NONE = 0,
  FG_E_USAGE,       /* bad command line                         -> exit 2 */
  FG_E_INPUT,       /* customer data is missing, corrupt, hostile -> exit 2 */
  FG_E_REFUSED,     /* valid input, but not eligible / refused    -> exit 1 */
  FG_E_IO,          /* the host failed us: disk full, EIO         -> exit 3 */
  FG_E_UNSUPPORTED, /* a feature fg2ng does not have (yet)        -> exit 3 */
  FG_E_INTERNAL,    /* a bug in fg2ng                             -> exit 3 */
};

/* Documented exit codes (README, man page). */
enum {
  FG_EXIT_OK = 0,
  FG_EXIT_REFUSED = 1,
  FG_EXIT_INPUT = 2,
  FG_EXIT_INTERNAL = 3,
};

#define FG_ERR_MSG_MAX 2048
#define FG_ERR_HINT_MAX 512

struct fg_err {
  enum fg_errkind kind;
  int sys_errno;                /* 0, or the errno behind the failure */
  char msg[FG_ERR_MSG_MAX];
  char hint[FG_ERR_HINT_MAX];
};

#define FG_ERR_INIT { FG_E_NONE, 0, "", "" }

/* Messages carry customer text (member names, keys, file contents), and
 * a message is one line on a terminal or in a log: every message set
 * here, and every warning, has its control characters escaped.
 *
 * fg_escape_ctl copies SRC into DST (CAP bytes, always terminated,
 * truncated on a character boundary) with C0 controls, DEL, the C1
 * controls of UTF-8 (U+0080..U+009F) and bytes that are not UTF-8
 * written as \xNN.  Escaping twice changes nothing more, so a message
 * may be re-used in another.  Tab is kept only when KEEP_TAB.  Returns
 * DST. */
char *fg_escape_ctl (char *dst, size_t cap, const char *src, int keep_tab);

/* LINE (malloc'd, ownership taken) with its control characters escaped,
 * newly allocated when it had any; NULL when out of memory. */
char *fg_escape_ctl_take (char *line);

/* 1 when S holds a byte fg_escape_ctl would escape (tab counts). */
int fg_has_ctl (const char *s);

#if defined(__GNUC__)
#define FG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FG_PRINTF(a, b)
#endif


/* Set the error; returns -1 so that "return fg_err_set (...)" reads well.
 * A NULL e is allowed (the caller does not care why). */
int fg_err_set (struct fg_err *e, enum fg_errkind kind, const char *fmt, ...)
  FG_PRINTF(3, 4);

/* Same, with ": <strerror(errnum)>" appended and errnum recorded. */
int fg_err_errno (struct fg_err *e, enum fg_errkind kind, int errnum,
                  const char *fmt, ...) FG_PRINTF(4, 5);

/* Attach (or replace) the hint: what the user can do. */
void fg_err_hint (struct fg_err *e, const char *fmt, ...) FG_PRINTF(2, 3);

/* Put context in front of the message: "<context>: <message>".  Returns -1. */
int fg_err_prefix (struct fg_err *e, const char *fmt, ...) FG_PRINTF(2, 3);

void fg_err_clear (struct fg_err *e);
int fg_err_is_set (const struct fg_err *e);

/* Exit code for the error's kind (see the enum above). */
int fg_err_exit_code (const struct fg_err *e);

/* Print "PROG: error: MSG" and, when present, "hint: HINT". */
void fg_err_print (const struct fg_err *e, const char *prog, FILE *f);

/* Stable lowercase name of a kind, for JSON output ("input", "io", ...). */
const char *fg_err_kind_name (enum fg_errkind kind);

/* Warnings are not errors: the work goes on.  They go to stderr as
 * "fg2ng: warning: ..." (or to a sink a command installs, e.g. to put
 * them in a JSON report).  Returns nothing; counts them. */
void fg_warn (const char *fmt, ...) FG_PRINTF(1, 2);
typedef void (*fg_warn_sink) (const char *msg, void *opaque);
void fg_warn_set_sink (fg_warn_sink sink, void *opaque);
unsigned fg_warn_count (void);

#endif
