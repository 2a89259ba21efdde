/* util/problems.h --- the problem lines a validator collects
 *
 * The agent's configuration and schedule, and the network parsers, do
 * not stop at the first problem: they list every one, a line each, so
 * that one run shows the user everything to fix.  This is the one
 * accumulator they share.  The lines live in the caller's own fields
 * (their structs are read by the CLI and the tests as they are); a
 * struct fg_problems points at them:
 *
 *   LINES    the listed lines, NLISTED of them, at most MAX (0: no cap);
 *   COUNT    every problem found, listed or only counted (NULL when the
 *            caller keeps no count beyond the list).
 *
 * Lines are escaped (util/err.h: no raw control character reaches a
 * terminal or a JSON reader).
 */
#ifndef FG_UTIL_PROBLEMS_H
#define FG_UTIL_PROBLEMS_H

#include <stdarg.h>
#include <stddef.h>

#include "util/err.h"

struct fg_problems {
  char ***lines;
  size_t *nlisted;
  size_t *count;
  size_t max;
};

/* 1 when the list is full: the problem is counted and the caller need
 * not make its line (a megabyte of junk is not a megabyte of report). */
int fg_problems_full (struct fg_problems p);

/* Add the line made from FMT: listed while there is room, else counted.
 * 0, or -1 when memory ran out (the problem is still counted). */
int fg_problems_add (struct fg_problems p, const char *fmt, ...)
  FG_PRINTF(2, 3);
int fg_problems_vadd (struct fg_problems p, const char *fmt, va_list ap)
  FG_PRINTF(2, 0);

/* Free N lines and the list. */
void fg_problems_free (char **lines, size_t n);

#endif
