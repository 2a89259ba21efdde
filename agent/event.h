/* agent/event.h --- a reboot event as the control plane posts it, and
 * RFC 3339 times
 *
 *   { "event_id": "ev-0001", "server_id": "web01", "reboot_type": "SOFT",
 *     "origin": "control_panel", "time": "2026-12-01T10:00:00Z" }
 *
 * The body comes from the network: every field is checked, and a bad
 * body gets one sentence naming the field and what it must be (the
 * agent answers it with 400).  The README's "The agent" section and
 * `fg2ng agent --help` describe the five fields.
 */
#ifndef FG_AGENT_EVENT_H
#define FG_AGENT_EVENT_H

#include <stddef.h>

/* Identifiers (event and server ids): 1 to this many bytes. */
#define FG_EVENT_ID_MAX 128

enum fg_reboot_type { FG_REBOOT_SOFT, FG_REBOOT_HARD };
enum fg_reboot_origin {
  FG_ORIGIN_CONTROL_PANEL, FG_ORIGIN_API, FG_ORIGIN_GUEST,
};

struct fg_event {
  char event_id[FG_EVENT_ID_MAX + 1];
  char server_id[FG_EVENT_ID_MAX + 1];
  enum fg_reboot_type type;
  enum fg_reboot_origin origin;
  double time;                        /* Unix time, UTC */
  char time_text[40];                 /* as sent */
};

/* Parse BODY (LEN bytes, not NUL-terminated).  Returns 0, or -1 with a
 * sentence in WHY (naming the field where there is one) and the field's
 * name in FIELD ("" when the body as a whole is wrong). */
int fg_event_parse (const char *body, size_t len, struct fg_event *ev,
                    char *why, size_t why_cap, char *field,
                    size_t field_cap);

/* "SOFT"/"HARD", "control_panel"/"api"/"guest". */
const char *fg_reboot_type_name (enum fg_reboot_type t);
const char *fg_reboot_origin_name (enum fg_reboot_origin o);

/* An identifier is 1 to FG_EVENT_ID_MAX printable ASCII bytes, no space. */
int fg_event_id_ok (const char *s);

/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM); 't', 'z' and a
 * space for 'T' are accepted as the RFC allows.  Returns 0 and the Unix
 * time, or -1. */
int fg_rfc3339_parse (const char *s, double *out);

/* T as "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds, rounded down). */
void fg_rfc3339_format (double t, char *buf, size_t cap);

#endif
