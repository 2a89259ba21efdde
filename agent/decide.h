/* agent/decide.h --- what a reboot event does: the rule of the migration
 * window, as a pure function
 *
 * Only a SOFT reboot from the control panel, timed inside the server's
 * migration window, starts its self-service migration (seed 000: "a soft
 * reboot of your server through the Cloud Control Panel during your
 * migration window"; a reboot from the command line or a hard reboot
 * does not).  Every other event is recorded with the reason it did not
 * trigger.  A server not migrated by the end of its window is migrated
 * automatically, in assisted mode.
 *
 * Nothing here reads a clock, a file or the store: the caller passes the
 * event, the schedule entry (NULL: the server is not in the schedule),
 * where the server's migration stands and the agent's clock, so that
 * every rule is a unit test.
 *
 * The window is judged by the agent's clock, never by the time the event
 * carries: that time is the sender's word, and an event stamped tomorrow
 * must not open tomorrow's window today.  The event's time is only
 * checked to be near the agent's clock (fg_decide_skew); an event far
 * off is refused as bad data, and a clock that drifted is found at once.
 */
#ifndef FG_AGENT_DECIDE_H
#define FG_AGENT_DECIDE_H

#include <stddef.h>

#include "agent/event.h"
#include "agent/schedule.h"

/* Where a server's migration stands. */
enum fg_server_state {
  FG_SERVER_SCHEDULED = 0,    /* no migration queued yet */
  FG_SERVER_PENDING,          /* queued, waiting for a conversion slot */
  FG_SERVER_RUNNING,          /* converting */
  FG_SERVER_DONE,             /* converted */
  FG_SERVER_FAILED,           /* the conversion failed (not retried) */
  FG_SERVER_INELIGIBLE,       /* the eligibility rules refused it */
  FG_SERVER_UNKNOWN,          /* not in the schedule */
};

enum fg_action {
  FG_ACT_RECORD = 0,          /* record the event and its reason; no more */
  FG_ACT_MIGRATE,             /* queue the self-service migration */
};

struct fg_decision {
  enum fg_action action;
  char reason[512];
};

/* Decide what EV, received at NOW (the agent's clock, Unix time), does
 * to server V (NULL if not in the schedule) whose migration stands at
 * STATE. */
void fg_decide_event (const struct fg_event *ev,
                      const struct fg_sched_server *v,
                      enum fg_server_state state, double now,
                      struct fg_decision *d);

/* Is EV's own time within MAX_SKEW seconds of NOW (whole seconds: the
 * times are sent in whole seconds, the clock has fractions)?  Returns 0,
 * or -1 with a sentence naming the field 'time' in WHY. */
int fg_decide_skew (const struct fg_event *ev, double now,
                    unsigned max_skew, char *why, size_t cap);

/* At NOW, must the assisted migration of V (at STATE) be queued?  Yes
 * when its window has ended and nothing was queued. */
int fg_decide_expired (const struct fg_sched_server *v,
                       enum fg_server_state state, double now);

/* "scheduled", "pending", "running", "done", "failed", "ineligible",
 * "unknown". */
const char *fg_server_state_name (enum fg_server_state st);

/* "migrate", "ignore". */
const char *fg_action_name (enum fg_action a);

#endif
