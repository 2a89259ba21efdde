/* tests/unit/test_agent_decide.c --- the rule of the migration window
 * (agent/decide.h): every reason an event does not start a migration,
 * the window's edges judged by the agent's clock (never the event's),
 * the bound on the event's clock skew, the state of the server, and
 * window expiry */
#include "tests/unit/tap.h"
#include "agent/decide.h"

static struct fg_sched_server
server (void)
{
  struct fg_sched_server v;

  memset (&v, 0, sizeof v);
  v.server_id = (char *) "web01";
  v.window_start = 1000;
  v.window_end = 2000;
  snprintf (v.window_start_text, sizeof v.window_start_text,
            "1970-01-01T00:16:40Z");
  snprintf (v.window_end_text, sizeof v.window_end_text,
            "1970-01-01T00:33:20Z");
  return v;
}

static struct fg_event
event (enum fg_reboot_type t, enum fg_reboot_origin o, double time)
{
  struct fg_event ev;

  memset (&ev, 0, sizeof ev);
  snprintf (ev.event_id, sizeof ev.event_id, "e1");
  snprintf (ev.server_id, sizeof ev.server_id, "web01");
  ev.type = t;
  ev.origin = o;
  ev.time = time;
  return ev;
}

static void
test_soft_control_panel_inside_migrates (void)
{
  struct fg_sched_server v = server ();
  struct fg_event ev = event (FG_REBOOT_SOFT, FG_ORIGIN_CONTROL_PANEL, 1500);
  struct fg_decision d;

  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_INT (d.action, FG_ACT_MIGRATE);
  CHECK_CONTAINS (d.reason, "soft reboot from the control panel inside the "
                  "migration window");
  CHECK_STR (fg_action_name (d.action), "migrate");
}

static void
test_window_edges (void)
{
  struct fg_sched_server v = server ();
  struct fg_decision d;
  struct fg_event ev = event (FG_REBOOT_SOFT, FG_ORIGIN_CONTROL_PANEL, 1000);

  /* [start, end): the start is in, the end is out. */
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_INT (d.action, FG_ACT_MIGRATE);
  ev.time = 999.999;
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_INT (d.action, FG_ACT_RECORD);
  CHECK_STR (d.reason, "outside the migration window (window opens "
             "1970-01-01T00:16:40Z)");
  ev.time = 1999.5;
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_INT (d.action, FG_ACT_MIGRATE);
  ev.time = 2000;
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_INT (d.action, FG_ACT_RECORD);
  CHECK_STR (d.reason, "outside the migration window (window closed "
             "1970-01-01T00:33:20Z)");
}

/* The window is judged by the agent's clock: an event stamped inside the
 * window but received before it opens (or after it closed) does not
 * migrate, and one stamped outside but received inside does. */
static void
test_window_is_the_agents_clock (void)
{
  struct fg_sched_server v = server ();
  struct fg_decision d;
  struct fg_event ev = event (FG_REBOOT_SOFT, FG_ORIGIN_CONTROL_PANEL, 1500);

  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, 900, &d);
  CHECK_INT (d.action, FG_ACT_RECORD);
  CHECK_STR (d.reason, "outside the migration window (window opens "
             "1970-01-01T00:16:40Z)");
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, 2100, &d);
  CHECK_INT (d.action, FG_ACT_RECORD);
  CHECK_CONTAINS (d.reason, "window closed");
  ev.time = 86400 + 1500;     /* stamped a day later: not what counts */
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, 1500, &d);
  CHECK_INT (d.action, FG_ACT_MIGRATE);
  ev.time = 10;
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, 1000, &d);
  CHECK_INT (d.action, FG_ACT_MIGRATE);
}

/* The event's own time is only checked against the agent's clock. */
static void
test_clock_skew (void)
{
  struct fg_event ev = event (FG_REBOOT_SOFT, FG_ORIGIN_CONTROL_PANEL,
                              100000);
  char why[256];

  CHECK_INT (fg_decide_skew (&ev, 100000, 300, why, sizeof why), 0);
  CHECK_INT (fg_decide_skew (&ev, 100300, 300, why, sizeof why), 0);
  CHECK_INT (fg_decide_skew (&ev, 99700, 300, why, sizeof why), 0);
  CHECK_INT (fg_decide_skew (&ev, 100300.9, 300, why, sizeof why), 0);
  why[0] = '\0';
  CHECK_INT (fg_decide_skew (&ev, 100301, 300, why, sizeof why), -1);
  CHECK_CONTAINS (why, "field 'time'");
  CHECK_CONTAINS (why, "301 s behind the agent's clock");
  CHECK_CONTAINS (why, "more than the 300 s allowed");
  CHECK_CONTAINS (why, "max_clock_skew_seconds");
  CHECK_INT (fg_decide_skew (&ev, 100000 - 86400, 300, why, sizeof why),
             -1);
  CHECK_CONTAINS (why, "86400 s ahead of the agent's clock");
  /* Times are sent in whole seconds, the clock has fractions: the
   * bound is on whole seconds. */
  CHECK_INT (fg_decide_skew (&ev, 100001.9, 1, why, sizeof why), 0);
  CHECK_INT (fg_decide_skew (&ev, 100002, 1, why, sizeof why), -1);
}

static void
test_other_reboots_do_not_migrate (void)
{
  struct fg_sched_server v = server ();
  struct fg_decision d;
  struct fg_event ev;

  ev = event (FG_REBOOT_HARD, FG_ORIGIN_CONTROL_PANEL, 1500);
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_INT (d.action, FG_ACT_RECORD);
  CHECK_CONTAINS (d.reason, "hard reboot");
  ev = event (FG_REBOOT_SOFT, FG_ORIGIN_GUEST, 1500);
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_INT (d.action, FG_ACT_RECORD);
  CHECK_CONTAINS (d.reason, "reboot from inside the guest");
  ev = event (FG_REBOOT_SOFT, FG_ORIGIN_API, 1500);
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_INT (d.action, FG_ACT_RECORD);
  CHECK_CONTAINS (d.reason, "reboot through the API");
  /* A hard reboot from the guest: the kind of reboot is said first. */
  ev = event (FG_REBOOT_HARD, FG_ORIGIN_GUEST, 1500);
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_CONTAINS (d.reason, "hard reboot");
  /* Outside the window and hard: hard is the reason. */
  ev = event (FG_REBOOT_HARD, FG_ORIGIN_CONTROL_PANEL, 5);
  fg_decide_event (&ev, &v, FG_SERVER_SCHEDULED, ev.time, &d);
  CHECK_CONTAINS (d.reason, "hard reboot");
}

static void
test_unknown_server (void)
{
  struct fg_event ev = event (FG_REBOOT_SOFT, FG_ORIGIN_CONTROL_PANEL, 1500);
  struct fg_decision d;

  fg_decide_event (&ev, NULL, FG_SERVER_UNKNOWN, ev.time, &d);
  CHECK_INT (d.action, FG_ACT_RECORD);
  CHECK_STR (d.reason, "unknown server: 'web01' is not in the migration "
             "schedule");
}

static void
test_never_twice (void)
{
  struct fg_sched_server v = server ();
  struct fg_event ev = event (FG_REBOOT_SOFT, FG_ORIGIN_CONTROL_PANEL, 1500);
  struct fg_decision d;
  static const struct {
    enum fg_server_state st;
    const char *reason;
  } cases[] = {
    { FG_SERVER_PENDING, "already migrating (pending)" },
    { FG_SERVER_RUNNING, "already migrating (running)" },
    { FG_SERVER_DONE, "already migrated" },
    { FG_SERVER_FAILED, "the migration failed earlier" },
    { FG_SERVER_INELIGIBLE, "not eligible for migration" },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fg_decide_event (&ev, &v, cases[i].st, ev.time, &d);
    CHECK_INT (d.action, FG_ACT_RECORD);
    CHECK_CONTAINS (d.reason, cases[i].reason);
  }
}

static void
test_expiry (void)
{
  struct fg_sched_server v = server ();

  CHECK (!fg_decide_expired (&v, FG_SERVER_SCHEDULED, 1999.9));
  CHECK (fg_decide_expired (&v, FG_SERVER_SCHEDULED, 2000));
  CHECK (fg_decide_expired (&v, FG_SERVER_SCHEDULED, 1e9));
  CHECK (!fg_decide_expired (&v, FG_SERVER_PENDING, 2500));
  CHECK (!fg_decide_expired (&v, FG_SERVER_RUNNING, 2500));
  CHECK (!fg_decide_expired (&v, FG_SERVER_DONE, 2500));
  CHECK (!fg_decide_expired (&v, FG_SERVER_FAILED, 2500));
  CHECK (!fg_decide_expired (&v, FG_SERVER_INELIGIBLE, 2500));
  CHECK (!fg_decide_expired (NULL, FG_SERVER_SCHEDULED, 2500));
}

static void
test_names (void)
{
  CHECK_STR (fg_server_state_name (FG_SERVER_SCHEDULED), "scheduled");
  CHECK_STR (fg_server_state_name (FG_SERVER_INELIGIBLE), "ineligible");
  CHECK_STR (fg_server_state_name (FG_SERVER_UNKNOWN), "unknown");
  CHECK_STR (fg_action_name (FG_ACT_RECORD), "ignore");
}

int
main (void)
{
  RUN (test_soft_control_panel_inside_migrates);
  RUN (test_window_edges);
  RUN (test_window_is_the_agents_clock);
  RUN (test_clock_skew);
  RUN (test_other_reboots_do_not_migrate);
  RUN (test_unknown_server);
  RUN (test_never_twice);
  RUN (test_expiry);
  RUN (test_names);
  return TAP_DONE ();
}
