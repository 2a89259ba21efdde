/* tests/unit/test_agent_event.c --- reboot events as posted (agent/event.h):
 * every field checked and named, RFC 3339 both ways; and the token
 * comparison (agent/config.h) */
#include "tests/unit/tap.h"
#include "agent/config.h"
#include "agent/event.h"
#include "agent/http.h"

#include <jansson.h>

static int
parse (const char *body, struct fg_event *ev, char *why, size_t cap,
       char *field)
{
  return fg_event_parse (body, strlen (body), ev, why, cap, field, 64);
}

static void
test_good_event (void)
{
  struct fg_event ev;
  char why[512], field[64];

  CHECK_INT (parse ("{\"event_id\":\"ev-1\",\"server_id\":\"web01\","
                    "\"reboot_type\":\"SOFT\",\"origin\":\"control_panel\","
                    "\"time\":\"2026-12-01T10:00:00Z\"}", &ev, why,
                    sizeof why, field), 0);
  CHECK_STR (ev.event_id, "ev-1");
  CHECK_STR (ev.server_id, "web01");
  CHECK_INT (ev.type, FG_REBOOT_SOFT);
  CHECK_INT (ev.origin, FG_ORIGIN_CONTROL_PANEL);
  CHECK (ev.time == 1796119200.0);
  CHECK_STR (ev.time_text, "2026-12-01T10:00:00Z");
  CHECK_INT (parse ("{\"time\":\"2026-12-01T12:00:00+02:00\",\"origin\":"
                    "\"guest\",\"reboot_type\":\"HARD\",\"server_id\":\"x\","
                    "\"event_id\":\"y\"}", &ev, why, sizeof why, field), 0);
  CHECK_INT (ev.type, FG_REBOOT_HARD);
  CHECK_INT (ev.origin, FG_ORIGIN_GUEST);
  CHECK (ev.time == 1796119200.0);
  CHECK_STR (fg_reboot_type_name (ev.type), "HARD");
  CHECK_STR (fg_reboot_origin_name (FG_ORIGIN_API), "api");
}

static void
test_bad_events_name_the_field (void)
{
  static const struct {
    const char *body, *field, *why;
  } cases[] = {
    { "", "", "the body is not JSON" },
    { "{\"event_id\": ", "", "the body is not JSON: line 1" },
    { "[]", "", "the body must be a JSON object, not an array" },
    { "{\"server_id\":\"a\",\"reboot_type\":\"SOFT\",\"origin\":\"api\","
      "\"time\":\"2026-12-01T10:00:00Z\"}", "event_id",
      "missing field 'event_id'" },
    { "{\"event_id\":\"a\",\"reboot_type\":\"SOFT\",\"origin\":\"api\","
      "\"time\":\"2026-12-01T10:00:00Z\"}", "server_id",
      "missing field 'server_id'" },
    { "{\"event_id\":\"a\",\"server_id\":\"b\",\"origin\":\"api\","
      "\"time\":\"2026-12-01T10:00:00Z\"}", "reboot_type",
      "missing field 'reboot_type'" },
    { "{\"event_id\":\"a\",\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
      "\"time\":\"2026-12-01T10:00:00Z\"}", "origin",
      "missing field 'origin'" },
    { "{\"event_id\":\"a\",\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
      "\"origin\":\"api\"}", "time", "missing field 'time'" },
    { "{\"event_id\":1,\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
      "\"origin\":\"api\",\"time\":\"2026-12-01T10:00:00Z\"}", "event_id",
      "field 'event_id' must be a string, not a number" },
    { "{\"event_id\":\"a\",\"server_id\":null,\"reboot_type\":\"SOFT\","
      "\"origin\":\"api\",\"time\":\"2026-12-01T10:00:00Z\"}", "server_id",
      "must be a string, not null" },
    { "{\"event_id\":\"a b\",\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
      "\"origin\":\"api\",\"time\":\"2026-12-01T10:00:00Z\"}", "event_id",
      "printable ASCII characters without spaces" },
    { "{\"event_id\":\"\",\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
      "\"origin\":\"api\",\"time\":\"2026-12-01T10:00:00Z\"}", "event_id",
      "1 to 128" },
    { "{\"event_id\":\"a\",\"server_id\":\"b\",\"reboot_type\":\"soft\","
      "\"origin\":\"api\",\"time\":\"2026-12-01T10:00:00Z\"}", "reboot_type",
      "must be \"SOFT\" or \"HARD\", not \"soft\"" },
    { "{\"event_id\":\"a\",\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
      "\"origin\":\"cp\",\"time\":\"2026-12-01T10:00:00Z\"}", "origin",
      "\"control_panel\", \"api\" or \"guest\", not \"cp\"" },
    { "{\"event_id\":\"a\",\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
      "\"origin\":\"api\",\"time\":\"2026-12-01 10:00\"}", "time",
      "must be an RFC 3339 time" },
    { "{\"event_id\":\"a\",\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
      "\"origin\":\"api\",\"time\":\"2026-12-01T10:00:00Z\",\"x\":1}", "x",
      "unknown field 'x'" },
    { "{\"event_id\":\"a\",\"event_id\":\"b\",\"server_id\":\"b\","
      "\"reboot_type\":\"SOFT\",\"origin\":\"api\","
      "\"time\":\"2026-12-01T10:00:00Z\"}", "", "the body is not JSON" },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct fg_event ev;
    char why[512], field[64];
    CHECK_INT (parse (cases[i].body, &ev, why, sizeof why, field), -1);
    CHECK_CONTAINS (why, cases[i].why);
    CHECK_STR (field, cases[i].field);
  }
}

/* What the client sent comes back in the 400's sentence and field, and
 * goes to the log: control characters escaped, and never a character cut
 * in half by the quoting (the JSON reply could not be written). */
static void
test_bad_input_is_escaped (void)
{
  static const char *const bodies[] = {
    "{\"a\\nb\":1}",
    "{\"event_id\":\"a\",\"server_id\":\"b\",\"reboot_type\":"
    "\"\\u001b[31mSOFT\",\"origin\":\"api\",\"time\":\"2026-12-01T10:00:00Z\"}",
    "{\"event_id\":\"a\",\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
    "\"origin\":\"control\\u0085panel\",\"time\":\"2026-12-01T10:00:00Z\"}",
    /* 39 ASCII bytes, then a 2-byte character the "%.40s" would cut */
    "{\"event_id\":\"a\",\"server_id\":\"b\",\"reboot_type\":\"SOFT\","
    "\"origin\":\"api\",\"time\":\"2026-12-01T10:00:00Z..................."
    "\xc3\xa9\"}",
    "{\"\\t\\u007f\\u001b\":1}",
  };
  static const char *const expect[] = {
    "unknown field 'a\\x0Ab'", "not \"\\x1B[31mSOFT\"",
    "not \"control\\xC2\\x85panel\"", "not \"2026-12-01T10:00:00Z",
    "unknown field '\\x09\\x7F\\x1B'",
  };

  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    struct fg_event ev;
    char why[512], field[64];
    char *reply;
    json_t *o;
    CHECK_INT (parse (bodies[i], &ev, why, sizeof why, field), -1);
    CHECK_CONTAINS (why, expect[i]);
    for (const unsigned char *p = (const unsigned char *) why; *p; p++)
      CHECK (*p >= 0x20 && *p != 0x7f);
    for (const unsigned char *p = (const unsigned char *) field; *p; p++)
      CHECK (*p >= 0x20 && *p != 0x7f);
    reply = fg_http_error_body (why, field);
    CHECK (reply != NULL);
    o = reply ? json_loads (reply, 0, NULL) : NULL;
    CHECK (o != NULL && json_is_string (json_object_get (o, "error")));
    if (field[0])
      CHECK (o != NULL && json_is_string (json_object_get (o, "field")));
    json_decref (o);
    free (reply);
  }
  /* The reply body itself never fails on what it is given. */
  {
    char *reply = fg_http_error_body ("unknown server '\xff\x1b'", "a\nb");
    CHECK (reply != NULL);
    if (reply) {
      CHECK_CONTAINS (reply, "unknown server '\\\\xFF\\\\x1B'");
      CHECK_CONTAINS (reply, "\"field\":\"a\\\\x0Ab\"");
    }
    free (reply);
  }
}

static void
test_nul_inside_a_string (void)
{
  static const char body[] = "{\"event_id\":\"a\\u0000b\",\"server_id\":\"b\","
    "\"reboot_type\":\"SOFT\",\"origin\":\"api\","
    "\"time\":\"2026-12-01T10:00:00Z\"}";
  struct fg_event ev;
  char why[512], field[64];

  CHECK_INT (fg_event_parse (body, sizeof body - 1, &ev, why, sizeof why,
                             field, sizeof field), -1);
  /* jansson refuses \u0000 itself (no JSON_ALLOW_NUL): never a C string
   * cut short at the NUL. */
  CHECK_CONTAINS (why, "the body is not JSON");
}

static void
test_rfc3339 (void)
{
  double t;
  char buf[40];

  CHECK_INT (fg_rfc3339_parse ("1970-01-01T00:00:00Z", &t), 0);
  CHECK (t == 0);
  CHECK_INT (fg_rfc3339_parse ("2000-02-29T23:59:59.5z", &t), 0);
  CHECK (t == 951868799.5);
  CHECK_INT (fg_rfc3339_parse ("2026-12-01t05:30:00-04:30", &t), 0);
  CHECK (t == 1796119200.0);
  CHECK_INT (fg_rfc3339_parse ("2026-12-01 10:00:00Z", &t), 0);
  CHECK_INT (fg_rfc3339_parse ("2026-12-31T23:59:60Z", &t), 0);
  static const char *const bad[] = {
    "", "2026-12-01", "2026-12-01T10:00:00", "2026-12-01T10:00Z",
    "2026-13-01T10:00:00Z", "2026-02-29T10:00:00Z", "2026-12-32T10:00:00Z",
    "2026-12-01T24:00:00Z", "2026-12-01T10:60:00Z", "2026-12-01T10:00:00+0200",
    "2026-12-01T10:00:00.Z", "2026-12-01T10:00:00.1234567890Z",
    "2026-12-01T10:00:00Zjunk", "1969-12-31T23:59:59Z", "２026-12-01T10:00:00Z",
    "2026-12-01T10:00:00+24:00",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (fg_rfc3339_parse (bad[i], &t) == 0) {
      printf ("#   '%s' was accepted\n", bad[i]);
      tap_cur_failed = 1;
    }
  fg_rfc3339_format (1796119200.75, buf, sizeof buf);
  CHECK_STR (buf, "2026-12-01T10:00:00Z");
}

static void
test_token_equal (void)
{
  CHECK (fg_token_equal ("0123456789abcdef", "0123456789abcdef"));
  CHECK (!fg_token_equal ("0123456789abcdef", "0123456789abcdeF"));
  CHECK (!fg_token_equal ("0123456789abcdef", "0123456789abcde"));
  CHECK (!fg_token_equal ("0123456789abcdef", "0123456789abcdef0"));
  CHECK (!fg_token_equal ("0123456789abcdef", ""));
  CHECK (!fg_token_equal ("", ""));
}

int
main (void)
{
  RUN (test_good_event);
  RUN (test_bad_events_name_the_field);
  RUN (test_bad_input_is_escaped);
  RUN (test_nul_inside_a_string);
  RUN (test_rfc3339);
  RUN (test_token_equal);
  return TAP_DONE ();
}
