/* agent/event.c --- reboot events and RFC 3339 times (see event.h) */
#include "agent/event.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/err.h"

const char *
fg_reboot_type_name (enum fg_reboot_type t)
{
  return t == FG_REBOOT_SOFT ? "SOFT" : "HARD";
}

const char *
fg_reboot_origin_name (enum fg_reboot_origin o)
{
  switch (o) {
  case FG_ORIGIN_CONTROL_PANEL: return "control_panel";
  case FG_ORIGIN_API: return "api";
  case FG_ORIGIN_GUEST: return "guest";
  }
  return "?";
}

int
fg_event_id_ok (const char *s)
{
  size_t n = 0;

  if (s == NULL)
    return 0;
  for (; s[n]; n++)
    if ((unsigned char) s[n] <= ' ' || (unsigned char) s[n] >= 0x7f)
      return 0;
  return n >= 1 && n <= FG_EVENT_ID_MAX;
}

/* ---- RFC 3339 ------------------------------------------------------------ */

static int
digits (const char *s, int n, int *out)
{
  int v = 0;

  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* Days from 1970-01-01 to Y-M-D (proleptic Gregorian; Howard Hinnant's
 * days_from_civil), so that no time zone or locale is involved. */
static long long
days_from_civil (int y, int m, int d)
{
  long long era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int
days_in_month (int y, int m)
{
  static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

  return m == 2 && leap ? 29 : dm[m - 1];
}

int
fg_rfc3339_parse (const char *s, double *out)
{
  int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
  double frac = 0;
  const char *p;

  if (s == NULL || strlen (s) < 20)
    return -1;
  if (digits (s, 4, &y) < 0 || s[4] != '-' || digits (s + 5, 2, &mo) < 0 ||
      s[7] != '-' || digits (s + 8, 2, &d) < 0 ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      digits (s + 11, 2, &h) < 0 || s[13] != ':' ||
      digits (s + 14, 2, &mi) < 0 || s[16] != ':' ||
      digits (s + 17, 2, &sec) < 0)
    return -1;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month (y, mo) ||
      h > 23 || mi > 59 || sec > 60)
    return -1;
  p = s + 19;
  if (*p == '.') {
    double scale = 0.1;
    p++;
    if (*p < '0' || *p > '9')
      return -1;
    for (int n = 0; *p >= '0' && *p <= '9'; p++, n++) {
      if (n >= 9)
        return -1;            /* nanoseconds at most */
      frac += (*p - '0') * scale;
      scale /= 10;
    }
  }
  if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
    sign = 0;
  else if ((*p == '+' || *p == '-') && strlen (p) == 6 &&
           digits (p + 1, 2, &oh) == 0 && p[3] == ':' &&
           digits (p + 4, 2, &om) == 0 && oh <= 23 && om <= 59)
    sign = *p == '+' ? 1 : -1;
  else
    return -1;
  /* A leap second (:60) counts as the next second's start. */
  *out = (double) (days_from_civil (y, mo, d) * 86400LL + h * 3600LL +
                   mi * 60LL + sec) + frac -
         sign * (double) (oh * 3600 + om * 60);
  return 0;
}

void
fg_rfc3339_format (double t, char *buf, size_t cap)
{
  time_t secs = (time_t) floor (t);
  struct tm tm;

  if (gmtime_r (&secs, &tm) == NULL ||
      strftime (buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf (buf, cap, "?");
}

/* ---- the event ----------------------------------------------------------- */

static const char *const fields[] = {
  "event_id", "server_id", "reboot_type", "origin", "time",
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* Where a refusal is written: the sentence WHY and the FIELD it names. */
struct refusal {
  char *why;
  size_t cap;
  char *field;
  size_t fcap;
};

static int
bad (const struct refusal *r, const char *name, const char *fmt,
     const char *arg)
{
  snprintf (r->field, r->fcap, "%s", name ? name : "");
  snprintf (r->why, r->cap, fmt, name, arg);
  return -1;
}

/* A JSON value's type in words, for "must be a string, not a number". */
static const char *
type_name (const json_t *v)
{
  switch (json_typeof (v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER:
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  case JSON_NULL: return "null";
  }
  return "?";
}

/* The fields of ROOT, every one a string without NUL, into S (in the
 * order of FIELDS); no other field. */
static int
event_strings (json_t *root, const char *s[NFIELDS], const struct refusal *r)
{
  const char *key;
  json_t *v;

  json_object_foreach (root, key, v) {
    size_t k;
    for (k = 0; k < NFIELDS && strcmp (key, fields[k]) != 0; k++)
      ;
    if (k == NFIELDS)
      return bad (r, key, "unknown field '%s' (an event has event_id, "
                  "server_id, reboot_type, origin and time)%s", "");
  }
  for (size_t k = 0; k < NFIELDS; k++) {
    v = json_object_get (root, fields[k]);
    if (v == NULL)
      return bad (r, fields[k], "missing field '%s'%s", "");
    if (!json_is_string (v))
      return bad (r, fields[k], "field '%s' must be a string, not %s",
                  type_name (v));
    s[k] = json_string_value (v);
    if (strlen (s[k]) != json_string_length (v))
      return bad (r, fields[k], "field '%s' holds a NUL character%s", "");
  }
  return 0;
}

/* EV from the field values S, each checked. */
static int
event_fill (struct fg_event *ev, const char *const s[NFIELDS],
            const struct refusal *r)
{
  for (size_t k = 0; k < 2; k++)
    if (!fg_event_id_ok (s[k]))
      return bad (r, fields[k], "field '%s' must be 1 to 128 printable "
                  "ASCII characters without spaces%s", "");
  snprintf (ev->event_id, sizeof ev->event_id, "%s", s[0]);
  snprintf (ev->server_id, sizeof ev->server_id, "%s", s[1]);
  if (strcmp (s[2], "SOFT") == 0)
    ev->type = FG_REBOOT_SOFT;
  else if (strcmp (s[2], "HARD") == 0)
    ev->type = FG_REBOOT_HARD;
  else
    return bad (r, fields[2], "field '%s' must be \"SOFT\" or \"HARD\", not "
                "\"%.40s\"", s[2]);
  if (strcmp (s[3], "control_panel") == 0)
    ev->origin = FG_ORIGIN_CONTROL_PANEL;
  else if (strcmp (s[3], "api") == 0)
    ev->origin = FG_ORIGIN_API;
  else if (strcmp (s[3], "guest") == 0)
    ev->origin = FG_ORIGIN_GUEST;
  else
    return bad (r, fields[3], "field '%s' must be \"control_panel\", "
                "\"api\" or \"guest\", not \"%.40s\"", s[3]);
  if (strlen (s[4]) >= sizeof ev->time_text ||
      fg_rfc3339_parse (s[4], &ev->time) < 0)
    return bad (r, fields[4], "field '%s' must be an RFC 3339 time such as "
                "2026-12-01T10:00:00Z, not \"%.40s\"", s[4]);
  snprintf (ev->time_text, sizeof ev->time_text, "%s", s[4]);
  return 0;
}

int
fg_event_parse (const char *body, size_t len, struct fg_event *ev,
                char *why, size_t cap, char *field, size_t fcap)
{
  const struct refusal r = { why, cap, field, fcap };
  json_error_t jerr;
  json_t *root;
  const char *s[NFIELDS];
  int rc = -1;

  memset (ev, 0, sizeof *ev);
  field[0] = why[0] = '\0';
  root = json_loadb (body, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)             /* jansson's text quotes the body */
    snprintf (why, cap, "the body is not JSON: line %d column %d: %s",
              jerr.line, jerr.column, jerr.text);
  else if (!json_is_object (root))
    snprintf (why, cap, "the body must be a JSON object, not %s",
              type_name (root));
  else if (event_strings (root, s, &r) == 0 && event_fill (ev, s, &r) == 0)
    rc = 0;
  json_decref (root);
  if (rc < 0) {
    /* The sentence and the field quote the body (a key, a value cut at 40
     * bytes): they go back to the client in JSON and into the log, so
     * control characters and a character cut in half are escaped. */
    char tmp[1024];
    snprintf (tmp, sizeof tmp, "%s", why);
    fg_escape_ctl (why, cap, tmp, 0);
    snprintf (tmp, sizeof tmp, "%s", field);
    fg_escape_ctl (field, fcap, tmp, 0);
  }
  return rc;
}
