/* cli/cmd_util.c --- what every subcommand does the same way */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cmd.h"

/* Set by fg_cmd_json_errors: the error that ends the command is also a
 * JSON object on stdout. */
static int json_errors;

void
fg_cmd_json_errors (int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--") == 0)
      break;
    if (strcmp (argv[i], "--json") == 0)
      json_errors = 1;
  }
}

/* {"error": {"kind", "message", "hint"}} (doc/error.schema.json) on
 * stdout: a script reading --json output gets a document either way.
 * The message is escaped again: usage errors quote the command line as
 * it was typed, which need not be UTF-8. */
static void
print_json_error (const char *kind, const char *msg, const char *hint)
{
  char m[FG_ERR_MSG_MAX], h[FG_ERR_HINT_MAX];
  json_t *o;

  if (!json_errors)
    return;
  fg_escape_ctl (m, sizeof m, msg, 0);
  fg_escape_ctl (h, sizeof h, hint ? hint : "", 0);
  o = json_pack ("{s:{s:s, s:s, s:s?}}", "error", "kind", kind,
                 "message", m, "hint", h[0] ? h : NULL);
  if (o == NULL)
    return;
  json_dumpf (o, stdout, JSON_INDENT (2));
  fputc ('\n', stdout);
  fflush (stdout);
  json_decref (o);
}

int
fg_cmd_usage_error (const char *cmd, const char *fmt, ...)
{
  char msg[FG_ERR_MSG_MAX], hint[64];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  snprintf (hint, sizeof hint, "try 'fg2ng %s --help'", cmd);
  fprintf (stderr, "fg2ng %s: %s\n%s\n", cmd, msg, hint);
  print_json_error (fg_err_kind_name (FG_E_USAGE), msg, hint);
  return FG_EXIT_INPUT;
}

int
fg_cmd_finish (const struct fg_err *e)
{
  if (fg_err_is_set (e)) {
    fg_err_print (e, "fg2ng", stderr);
    print_json_error (fg_err_kind_name (e->kind), e->msg, e->hint);
  }
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

