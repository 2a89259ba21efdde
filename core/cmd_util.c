/* core/cmd_util.c --- what every subcommand does the same way */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmd.h"

int
fg_cmd_usage_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;

  fprintf (stderr, "fg2ng %s: ", cmd);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, "\ntry 'fg2ng %s --help'\n", cmd);
  return FG_EXIT_INPUT;
}

int
fg_cmd_finish (const struct fg_err *e)
{
  if (fg_err_is_set (e))
    fg_err_print (e, "fg2ng", stderr);
  return fg_err_exit_code (e);
}

int
fg_cmd_bad_option (const char *cmd, int opt, char **argv)
{
  extern int optind, optopt;

  if (opt == ':')
    return fg_cmd_usage_error (cmd, "option '%s' needs a value",
                               argv[optind - 1]);
  if (optopt && isprint (optopt))
    return fg_cmd_usage_error (cmd, "unknown option '-%c'", optopt);
  return fg_cmd_usage_error (cmd, "unknown option '%s'", argv[optind - 1]);
}

int
fg_cmd_parse_size (const char *s, unsigned long long *out)
{
  char *end;
  double v;
  unsigned long long mult = 1;

  if (s == NULL || *s == '\0' || *s == '-')
    return -1;
  errno = 0;
  v = strtod (s, &end);
  if (errno || end == s || v < 0)
    return -1;
  switch (toupper ((unsigned char) *end)) {
  case '\0': break;
  case 'K': mult = 1ull << 10; end++; break;
  case 'M': mult = 1ull << 20; end++; break;
  case 'G': mult = 1ull << 30; end++; break;
  case 'T': mult = 1ull << 40; end++; break;
  default: return -1;
  }
  if (*end == 'i' || *end == 'I')
    end++;
  if (*end == 'B' || *end == 'b')
    end++;
  if (*end != '\0' || v * (double) mult > 1.8e19)
    return -1;
  *out = (unsigned long long) (v * (double) mult);
  return 0;
}
