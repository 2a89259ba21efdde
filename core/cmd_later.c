/* core/cmd_later.c --- commands whose help is written but whose work is not
 * built yet: they say so in one line and exit 3, never pretending. */
#include "core/cmd.h"

const struct fg_cmd fg_cmd_check = {
  .name = "check",
  .summary = "dry run: is SOURCE eligible, and what would change",
  .issue = "issue 6",
  .help =
"usage: fg2ng check [--json] [--flavor NAME] [--server-record FILE] SOURCE\n"
"\n"
"The support engineer's dry run.  Inspects SOURCE, applies the eligibility\n"
"rules (250 GB / 3 million inodes for first-gen Linux, 250 GB current or\n"
"previous usage for Windows, 40 GB for General Purpose and I/O flavors,\n"
"domain controllers, databases, known base images, 256 MB flavors, IP\n"
"preservation, attached disks, kernel versions) and prints the verdict,\n"
"each reason with the rule and the measured figure, the changes the\n"
"fixups would make as diffs, and a time estimate.  Nothing is written.\n"
"\n"
"Exit status: 0 eligible, 1 not eligible, 2 unreadable input.\n"
"\n"
"Options:\n"
"  --json                 the report as JSON\n"
"  --flavor NAME          the next-gen flavor to check against\n"
"  --server-record FILE   the server's first-gen record (JSON)\n"
"  -h, --help             this text\n",
};

const struct fg_cmd fg_cmd_batch = {
  .name = "batch",
  .summary = "convert a fleet from a manifest, resumably",
  .issue = "issue 8",
  .help =
"usage: fg2ng batch MANIFEST.json [-j N] [--state FILE] [--json]\n"
"\n"
"Convert every image a manifest lists, N at a time, recording each job's\n"
"state in a durable SQLite job store so that a crash or a restart resumes\n"
"where it stopped: nothing is converted twice or left half-written.\n"
"Prints a machine-readable summary.\n"
"\n"
"Options:\n"
"  -j, --jobs N     conversions at once (default: the number of cores)\n"
"  --state FILE     the job store (default: MANIFEST.state.sqlite)\n"
"  --json           the summary as JSON\n"
"  -h, --help       this text\n",
};

const struct fg_cmd fg_cmd_agent = {
  .name = "agent",
  .summary = "self-service migration service (HTTP, soft reboots)",
  .issue = "issue 9",
  .help =
"usage: fg2ng agent --listen ADDR:PORT --schedule FILE --state FILE\n"
"\n"
"The long-running self-service migration service.  It receives reboot\n"
"events over HTTP and, when a server's owner soft-reboots it from the\n"
"control panel during its migration window, queues exactly one\n"
"conversion that preserves its IP addresses.  A hard reboot or a reboot\n"
"from inside the guest does not trigger a migration.\n"
"\n"
"Options:\n"
"  --listen ADDR:PORT   where to serve the HTTP API\n"
"  --schedule FILE      the migration windows (JSON)\n"
"  --state FILE         the durable job store shared with 'batch'\n"
"  -h, --help           this text\n",
};
