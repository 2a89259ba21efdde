/* core/cmd_later.c --- commands whose help is written but whose work is not
 * built yet: they say so in one line and exit 3, never pretending. */
#include "core/cmd.h"

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
