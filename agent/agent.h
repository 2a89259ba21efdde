/* agent/agent.h --- fg2ng agent: the self-service migration service
 *
 * The one long-running part of fg2ng.  It
 *   - serves the HTTP API (agent/http.h): POST /v1/events takes a reboot
 *     event, GET /v1/servers/ID tells where a server's migration stands,
 *     GET /v1/health answers probes;
 *   - decides from the schedule (agent/schedule.h) what each event does
 *     (agent/decide.h), and records every event with its decision and
 *     reason in the job store, in the same transaction as the migration
 *     it queues, if any: a repeated event id is answered from that record
 *     and changes nothing;
 *   - queues the assisted migration of every server whose window ended
 *     unmigrated, at start-up and at each window's end;
 *   - runs the queued migrations, at most max_concurrent at once, each as
 *     a child `fg2ng convert --mode self-service|assisted --server-record
 *     FILE --json`, and records the outcome (done, ineligible with the
 *     verdicts, failed, or retried after a crash);
 *   - logs every state change as one JSON line.
 * SIGHUP re-reads the schedule and the token (a bad new schedule is
 * refused and the old one kept); SIGTERM or SIGINT closes the listener,
 * lets the running conversions finish for shutdown_grace_seconds, then
 * stops them (their jobs go back to pending) and exits 0.  After a crash
 * or kill -9 the next start puts the interrupted jobs back in line
 * (fg_store_recover) and redoes them from the start.
 */
#ifndef FG_AGENT_AGENT_H
#define FG_AGENT_AGENT_H

#include "util/err.h"

enum {
  FG_AGENT_CHECK_ONLY = 1,    /* validate configuration and schedule, exit */
};

/* Run the agent configured by CONFIG_PATH until SIGTERM/SIGINT.  Returns
 * the exit code; E is set (not printed) on failure. */
int fg_agent_run (const char *config_path, int flags, struct fg_err *e);

#endif
