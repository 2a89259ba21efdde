/* cli/cmd.h --- the subcommands of the fg2ng CLI
 *
 * Only cli/main.c and cli/cmd_*.c include this: the CLI sits on top of
 * every module and no module includes it back.
 */
#ifndef FG_CLI_CMD_H
#define FG_CLI_CMD_H

#include "util/err.h"

struct fg_cmd {
  const char *name;
  const char *summary;          /* one line for "fg2ng --help" */
  const char *help;             /* the full "fg2ng NAME --help" text */
  int (*run) (int argc, char **argv);   /* NULL: not built yet */
  const char *issue;            /* where the work is tracked, if not built */
};

extern const struct fg_cmd fg_cmd_inspect;
extern const struct fg_cmd fg_cmd_check;
extern const struct fg_cmd fg_cmd_convert;
extern const struct fg_cmd fg_cmd_batch;
extern const struct fg_cmd fg_cmd_agent;
extern const struct fg_cmd fg_cmd_vhd_info;
extern const struct fg_cmd fg_cmd_verify;

/* "fg2ng CMD: MESSAGE" and a pointer to --help on stderr; returns 2. */
int fg_cmd_usage_error (const char *cmd, const char *fmt, ...)
  FG_PRINTF(2, 3);

/* Print E once (if set) and return its exit code. */
int fg_cmd_finish (const struct fg_err *e);

/* With "--json" among a command's arguments (before any "--"), the
 * error that ends it (fg_cmd_finish, fg_cmd_usage_error) is also
 * printed on stdout as {"error": {"kind", "message", "hint"}}
 * (doc/error.schema.json), besides the lines on stderr; the exit code
 * is the same.  Called once, by main, before the command runs: the
 * arguments are looked at before they are parsed, so a usage error
 * found before getopt reaches --json is JSON too. */
void fg_cmd_json_errors (int argc, char **argv);

/* getopt_long's '?' / ':' results turned into one clear line; returns 2. */
int fg_cmd_bad_option (const char *cmd, int opt, char **argv);

/* The dry run shared by `check` and `convert --dry-run`: inspect SOURCE,
 * apply the rules, print the report (JSON if asked); returns the exit
 * code (0 eligible, 1 not, 2 input error, 3 unsupported). */
struct fg_plan_opts;
int fg_cmd_dry_run (const char *cmd, const char *source,
                    const struct fg_plan_opts *o, int json, int progress);

#endif
