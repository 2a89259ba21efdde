/* cli/main.c --- the fg2ng command line: global options and dispatch
 *
 * Every subcommand parses its own options and returns an exit code:
 *   0 success or eligible, 1 not eligible or refused, 2 usage or input
 *   error, 3 internal error or unsupported.
 */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "util/outfile.h"

static const struct fg_cmd *const commands[] = {
  &fg_cmd_inspect, &fg_cmd_check, &fg_cmd_convert, &fg_cmd_batch,
  &fg_cmd_agent, &fg_cmd_vhd_info, &fg_cmd_verify, NULL,
};

static void
print_main_help (FILE *f)
{
  fprintf (f,
"usage: fg2ng [--help] [--version] COMMAND [ARGS]\n"
"\n"
"Convert Rackspace First Generation cloud servers and saved images into\n"
"Next Generation (OpenStack on XenServer) VHD images, and tell before\n"
"anything is written whether a server is eligible and what will change.\n"
"\n"
"Commands:\n");
  for (const struct fg_cmd *const *c = commands; *c; c++)
    fprintf (f, "  %-10s %s%s\n", (*c)->name, (*c)->summary,
             (*c)->run ? "" : " (not built yet)");
  fprintf (f,
"\n"
"Sources: split first-gen parts NAME.tar.gz.0 .. N (give the first part,\n"
"the NAME prefix or their folder), a .tar.gz, an extracted root folder, a\n"
"VHD or VHD chain, or a raw disk.\n"
"\n"
"Exit codes: 0 success or eligible, 1 not eligible or refused, 2 usage or\n"
"input error, 3 internal error or unsupported.\n"
"\n"
"'fg2ng COMMAND --help' describes a command; the manual has the rest:\n"
"'man fg2ng' once installed, 'man -l doc/fg2ng.1' in the source tree.\n");
}

static const struct fg_cmd *
find_command (const char *name)
{
  for (const struct fg_cmd *const *c = commands; *c; c++)
    if (strcmp ((*c)->name, name) == 0)
      return *c;
  return NULL;
}

static int
wants_help (int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--") == 0)
      return 0;
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      return 1;
  }
  return 0;
}

/* libarchive converts pax names (UTF-8) to the locale's character set:
 * under the C locale every non-ASCII name would fail to convert.  Use
 * the user's locale if it is UTF-8, else C.UTF-8. */
static void
use_utf8_ctype (void)
{
  const char *cs;

  setlocale (LC_CTYPE, "");
  cs = nl_langinfo (CODESET);
  if (cs == NULL || strcmp (cs, "UTF-8") != 0)
    setlocale (LC_CTYPE, "C.UTF-8");
}

int
main (int argc, char **argv)
{
  const struct fg_cmd *cmd;

  use_utf8_ctype ();

  if (argc < 2) {
    fprintf (stderr, "fg2ng: missing command\n"
             "try 'fg2ng --help' for the list of commands\n");
    return FG_EXIT_INPUT;
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) {
    print_main_help (stdout);
    return FG_EXIT_OK;
  }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-V") == 0) {
    printf ("fg2ng %s\n", FG_VERSION);
    return FG_EXIT_OK;
  }
  if (strcmp (argv[1], "help") == 0) {
    if (argc < 3) {
      print_main_help (stdout);
      return FG_EXIT_OK;
    }
    cmd = find_command (argv[2]);
    if (cmd == NULL)
      return fg_cmd_usage_error ("help", "unknown command '%s'", argv[2]);
    fputs (cmd->help, stdout);
    return FG_EXIT_OK;
  }
  if (argv[1][0] == '-') {
    fprintf (stderr, "fg2ng: unknown option '%s'\n"
             "try 'fg2ng --help'\n", argv[1]);
    return FG_EXIT_INPUT;
  }
  cmd = find_command (argv[1]);
  if (cmd == NULL) {
    fprintf (stderr, "fg2ng: unknown command '%s'\n"
             "try 'fg2ng --help' for the list of commands\n", argv[1]);
    return FG_EXIT_INPUT;
  }
  if (wants_help (argc - 1, argv + 1)) {
    fputs (cmd->help, stdout);
    return FG_EXIT_OK;
  }
  if (cmd->run == NULL) {
    fprintf (stderr, "fg2ng %s: not built yet in fg2ng %s (tracked in %s); "
             "nothing was done\n", cmd->name, FG_VERSION, cmd->issue);
    return FG_EXIT_INTERNAL;
  }
  fg_outfile_install_signal_cleanup ();
  fg_cmd_json_errors (argc - 1, argv + 1);
  return cmd->run (argc - 1, argv + 1);
}
