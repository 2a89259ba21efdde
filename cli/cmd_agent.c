/* cli/cmd_agent.c --- fg2ng agent --config FILE: the self-service
 * migration service (agent/agent.h does the work) */
#include <getopt.h>
#include <stdio.h>

#include "agent/agent.h"
#include "cli/cmd.h"

static const char help[] =
"usage: fg2ng agent --config agent.json [--check]\n"
"\n"
"The long-running self-service migration service.  It receives reboot\n"
"events over HTTP and, when a server's owner soft-reboots it from the\n"
"control panel during its migration window, queues exactly one\n"
"conversion that preserves its IP addresses (convert --mode self-service\n"
"with the server record from the schedule).  A hard reboot, a reboot\n"
"from inside the guest or through the API, or one outside the window\n"
"does not start a migration; it is recorded with the reason.  A server\n"
"not migrated when its window ends is migrated automatically (--mode\n"
"assisted).  Conversions run as child processes, at most max_concurrent\n"
"at once; their state lives in the SQLite job store shared with 'batch',\n"
"so a restart after a crash or kill -9 finishes what was cut off, once.\n"
"\n"
"The configuration (JSON, doc/agent-config.schema.json):\n"
"  { \"listen\": \"127.0.0.1:8470\", \"token_file\": \"agent.token\",\n"
"    \"schedule\": \"schedule.json\", \"state\": \"agent.sqlite\",\n"
"    \"output_dir\": \"out\", \"max_concurrent\": 2 }\n"
"'listen' is loopback by default; any other address needs \"tls\":\n"
"{\"cert\", \"key\"}.  The token file must be readable by its owner only.\n"
"The schedule (doc/schedule.schema.json) lists each server's window,\n"
"source image and server record.\n"
"\n"
"The API (every request but GET or HEAD /v1/health needs\n"
"'Authorization: Bearer TOKEN'):\n"
"  POST /v1/events        {\"event_id\", \"server_id\", \"reboot_type\":\n"
"                         \"SOFT\"|\"HARD\", \"origin\": \"control_panel\"|\n"
"                         \"api\"|\"guest\", \"time\": RFC 3339}; 202 when a\n"
"                         migration was queued, 200 otherwise (a repeated\n"
"                         event_id gets the first answer).  The window is\n"
"                         judged by the agent's clock; a \"time\" more than\n"
"                         max_clock_skew_seconds (300) off it gets 400\n"
"  GET /v1/servers/ID     where the server's migration stands\n"
"  GET /v1/health         for probes (HEAD too)\n"
"A connection must send a request with a good token (or have its probe\n"
"answered) within header_timeout_seconds (10) or it is closed; at most\n"
"max_connections (512) at once, max_connections_per_ip (256) from one\n"
"address.\n"
"\n"
"Every state change is logged as one JSON line (stderr, or 'log').\n"
"SIGHUP re-reads the schedule and the token; SIGTERM or SIGINT stops\n"
"taking requests, lets running conversions finish (shutdown_grace_seconds,\n"
"then stops them; they are redone at the next start) and exits 0.\n"
"\n"
"Options:\n"
"  -c, --config FILE   the configuration (required)\n"
"  --check             validate the configuration and the schedule, exit\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 stopped cleanly (or valid, with --check), 2 bad\n"
"configuration or schedule (every problem listed), 3 the job store or\n"
"the listener failed.\n";

enum { OPT_CHECK = 256 };

static const struct option long_opts[] = {
  { "config", required_argument, NULL, 'c' },
  { "check", no_argument, NULL, OPT_CHECK },
  { NULL, 0, NULL, 0 },
};

static int
run_agent (int argc, char **argv)
{
  const char *config = NULL;
  int c, flags = 0;
  struct fg_err e = FG_ERR_INIT;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":c:", long_opts, NULL)) != -1) {
    switch (c) {
    case 'c': config = optarg; break;
    case OPT_CHECK: flags |= FG_AGENT_CHECK_ONLY; break;
    default:
      return fg_cmd_bad_option ("agent", c, argv);
    }
  }
  if (optind < argc)
    return fg_cmd_usage_error ("agent", "unexpected argument '%s'",
                               argv[optind]);
  if (config == NULL)
    return fg_cmd_usage_error ("agent", "missing --config FILE");
  if (fg_agent_run (config, flags, &e) < 0)
    return fg_cmd_finish (&e);
  return FG_EXIT_OK;
}

const struct fg_cmd fg_cmd_agent = {
  .name = "agent",
  .summary = "self-service migration service (HTTP, soft reboots)",
  .help = help,
  .run = run_agent,
};
