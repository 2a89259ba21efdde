/* agent/decide.c --- the rule of the migration window (see decide.h) */
#include "agent/decide.h"

#include <math.h>
#include <stdio.h>

const char *
fg_server_state_name (enum fg_server_state st)
{
  static const char *const names[] = {
    "scheduled", "pending", "running", "done", "failed", "ineligible",
    "unknown",
  };
  return (unsigned) st < sizeof names / sizeof names[0] ? names[st] : "?";
}

const char *
fg_action_name (enum fg_action a)
{
  return a == FG_ACT_MIGRATE ? "migrate" : "ignore";
}

void
fg_decide_event (const struct fg_event *ev, const struct fg_sched_server *v,
                 enum fg_server_state state, double now,
                 struct fg_decision *d)
{
  d->action = FG_ACT_RECORD;
  if (v == NULL || state == FG_SERVER_UNKNOWN) {
    snprintf (d->reason, sizeof d->reason, "unknown server: '%s' is not in "
              "the migration schedule", ev->server_id);
    return;
  }
  /* The kind of reboot first: it is what the customer did, and the answer
   * must say why that did not start a migration whatever the state. */
  if (ev->type == FG_REBOOT_HARD) {
    snprintf (d->reason, sizeof d->reason, "hard reboot: only a soft "
              "reboot from the control panel starts a migration");
    return;
  }
  if (ev->origin == FG_ORIGIN_GUEST) {
    snprintf (d->reason, sizeof d->reason, "reboot from inside the guest: "
              "only a soft reboot from the control panel starts a "
              "migration");
    return;
  }
  if (ev->origin == FG_ORIGIN_API) {
    snprintf (d->reason, sizeof d->reason, "reboot through the API: only a "
              "soft reboot from the control panel starts a migration");
    return;
  }
  switch (state) {
  case FG_SERVER_PENDING:
  case FG_SERVER_RUNNING:
    snprintf (d->reason, sizeof d->reason, "already migrating (%s)",
              fg_server_state_name (state));
    return;
  case FG_SERVER_DONE:
    snprintf (d->reason, sizeof d->reason, "already migrated");
    return;
  case FG_SERVER_FAILED:
    snprintf (d->reason, sizeof d->reason, "the migration failed earlier; "
              "it is not retried by a reboot (see GET /v1/servers/%s)",
              ev->server_id);
    return;
  case FG_SERVER_INELIGIBLE:
    snprintf (d->reason, sizeof d->reason, "not eligible for migration "
              "(see GET /v1/servers/%s for the verdicts)", ev->server_id);
    return;
  case FG_SERVER_SCHEDULED:
  case FG_SERVER_UNKNOWN:
    break;
  }
  if (now < v->window_start) {
    snprintf (d->reason, sizeof d->reason, "outside the migration window "
              "(window opens %s)", v->window_start_text);
    return;
  }
  if (now >= v->window_end) {
    snprintf (d->reason, sizeof d->reason, "outside the migration window "
              "(window closed %s)", v->window_end_text);
    return;
  }
  d->action = FG_ACT_MIGRATE;
  snprintf (d->reason, sizeof d->reason, "soft reboot from the control "
            "panel inside the migration window (%s to %s)",
            v->window_start_text, v->window_end_text);
}

int
fg_decide_skew (const struct fg_event *ev, double now, unsigned max_skew,
                char *why, size_t cap)
{
  double skew = floor (fabs (ev->time - now));
  char clock[32];

  if (skew <= (double) max_skew)
    return 0;
  fg_rfc3339_format (now, clock, sizeof clock);
  snprintf (why, cap, "field 'time' (%s) is %.0f s %s the agent's clock "
            "(%s): more than the %u s allowed ('max_clock_skew_seconds'); "
            "send the time of the reboot, from a synchronised clock",
            ev->time_text, skew, ev->time > now ? "ahead of" : "behind",
            clock, max_skew);
  return -1;
}

int
fg_decide_expired (const struct fg_sched_server *v,
                   enum fg_server_state state, double now)
{
  return v != NULL && state == FG_SERVER_SCHEDULED && now >= v->window_end;
}
