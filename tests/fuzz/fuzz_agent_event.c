/* tests/fuzz/fuzz_agent_event.c --- libFuzzer target for the agent's
 * reboot event parser (agent/event.h), the body of POST /v1/events
 *
 * The input is the request body.  A parse either succeeds, and then the
 * event is what the contract says (identifiers printable, 1 to 128 bytes,
 * a time that formats back), or fails with a non-empty sentence and a
 * field that is one of the five names or empty; the sentence and the
 * field carry no control character.  Each event is then decided against
 * a fixed schedule entry in every server state, received at its own time
 * and at times inside and outside the window: the decision must always
 * carry a reason, and only SOFT from the control panel received inside
 * the window may migrate.  The skew check accepts exactly the events
 * within the bound, and its refusal names the field 'time'.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/decide.h"
#include "agent/event.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *const names[] = {
  "", "event_id", "server_id", "reboot_type", "origin", "time",
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct fg_event ev;
  struct fg_sched_server v;
  struct fg_decision d;
  char why[512], field[64], buf[40];
  size_t k;

  if (fg_event_parse ((const char *) data, size, &ev, why, sizeof why,
                      field, sizeof field) < 0) {
    if (why[0] == '\0' || fg_has_ctl (why) || fg_has_ctl (field))
      abort ();
    for (k = 0; k < sizeof names / sizeof names[0]; k++)
      if (strcmp (field, names[k]) == 0)
        break;
    /* An unknown field is named too: any key, but then the sentence says
     * so. */
    if (k == sizeof names / sizeof names[0] &&
        strncmp (why, "unknown field", 13) != 0)
      abort ();
    return 0;
  }
  if (!fg_event_id_ok (ev.event_id) || !fg_event_id_ok (ev.server_id))
    abort ();
  fg_rfc3339_format (ev.time, buf, sizeof buf);
  if (strlen (buf) != 20 || buf[19] != 'Z')
    abort ();

  memset (&v, 0, sizeof v);
  v.server_id = ev.server_id;
  v.window_start = 1796083200;              /* 2026-12-01 */
  v.window_end = 1797292800;                /* 2026-12-15 */
  const double nows[] = {
    ev.time, v.window_start - 1, v.window_start, v.window_end - 0.5,
    v.window_end,
  };
  for (size_t i = 0; i < sizeof nows / sizeof nows[0]; i++)
    for (int st = FG_SERVER_SCHEDULED; st <= FG_SERVER_UNKNOWN; st++) {
      double now = nows[i];
      fg_decide_event (&ev, st == FG_SERVER_UNKNOWN ? NULL : &v,
                       (enum fg_server_state) st, now, &d);
      if (d.reason[0] == '\0')
        abort ();
      if (d.action == FG_ACT_MIGRATE &&
          (st != FG_SERVER_SCHEDULED || ev.type != FG_REBOOT_SOFT ||
           ev.origin != FG_ORIGIN_CONTROL_PANEL || now < v.window_start ||
           now >= v.window_end))
        abort ();
    }
  {
    double now = v.window_start + 3600;
    int ok = fg_decide_skew (&ev, now, 300, why, sizeof why) == 0;
    if (ok != (floor (fabs (ev.time - now)) <= 300) ||
        (!ok && strstr (why, "field 'time'") == NULL))
      abort ();
  }
  return 0;
}
