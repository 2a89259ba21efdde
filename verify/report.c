/* verify/report.c --- the report of a verify (see report.h) */
#include "verify/report.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

#define CONSOLE_TAIL 40

/* Text the guest wrote may hold anything: a JSON string gets valid UTF-8
 * only (other bytes become '?'), never NULL. */
static json_t *
json_text (const char *s)
{
  json_t *j;
  char *c;

  if (s == NULL)
    return json_null ();
  j = json_string (s);
  if (j)
    return j;
  c = strdup (s);
  if (c == NULL)
    return json_null ();
  for (unsigned char *p = (unsigned char *) c; *p; p++)
    if (*p >= 0x80 || (*p < 0x20 && *p != '\t'))
      *p = '?';
  j = json_string (c);
  free (c);
  return j ? j : json_null ();
}

static json_t *
list_json (const struct fg_verify_list *l)
{
  json_t *a = json_array ();

  for (size_t i = 0; a && i < l->n; i++)
    json_array_append_new (a, json_text (l->v[i]));
  return a ? a : json_null ();
}

static json_t *
entry_json (const struct fg_verify_summary *s)
{
  if (s->config == NULL)
    return json_null ();
  return json_pack ("{s:o, s:I, s:o, s:o, s:o, s:o}",
                    "config", json_text (s->config),
                    "index", (json_int_t) s->entry,
                    "title", json_text (s->title),
                    "kernel", json_text (s->kernel),
                    "initrd", s->initrd && *s->initrd
                    ? json_text (s->initrd) : json_null (),
                    "args", json_text (s->args));
}

json_t *
fg_verify_report_json (const struct fg_verify *v)
{
  const struct fg_verify_summary *s = &v->s;
  json_t *checks = json_array (), *root, *entry = entry_json (s);

  for (size_t i = 0; i < s->nchecks; i++)
    json_array_append_new (checks, json_pack ("{s:o, s:b, s:o}",
                                              "name",
                                              json_text (s->checks[i].name),
                                              "ok", s->checks[i].ok,
                                              "detail",
                                              json_text (s->checks[i].detail)));
  root = json_pack ("{s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o, s:o, s:b}",
                    "disk", json_text (v->disk),
                    "accel", s->accel ? json_text (s->accel) : json_null (),
                    "entry", entry ? entry : json_null (),
                    "expected", "from", json_text (v->expect_from),
                    "ip", list_json (&v->ips), "route", list_json (&v->routes),
                    "mac", list_json (&v->macs),
                    "multi_user_seconds", s->multi_user == 1
                    ? json_real (s->multi_user_seconds) : json_null (),
                    "checks", checks,
                    "ok", s->nfailed == 0 && (s->nchecks > 0 || v->dry_run));
  if (root && v->dry_run)
    json_object_set_new (root, "dry_run", json_true ());
  if (root && v->keep_work)
    json_object_set_new (root, "workdir", json_text (v->work));
  return root;
}

/* Escape sequences and carriage returns out of LINE, in place; other
 * control bytes shown as '?' so that the terminal stays sane. */
static void
console_clean (char *line)
{
  char *w = line, *r = line;

  while (*r) {
    if (*r == '\x1b' && r[1] == '[') {
      r += 2;
      while (*r && !((*r >= 'A' && *r <= 'Z') || (*r >= 'a' && *r <= 'z')))
        r++;
      if (*r)
        r++;
      continue;
    }
    if (*r == '\r' || *r == '\n') {
      r++;
      continue;
    }
    *w++ = (unsigned char) *r < 0x20 && *r != '\t' ? '?' : *r;
    r++;
  }
  *w = '\0';
}

void
fg_verify_print_console_tail (const struct fg_verify *v, FILE *out)
{
  char console[PATH_MAX + 32];
  CLEANUP_FCLOSE FILE *f = NULL;
  char *lines[CONSOLE_TAIL] = { NULL };
  char *line = NULL;
  size_t cap = 0, n = 0;

  fg_verify_console_path (v, console, sizeof console);
  f = fopen (console, "re");
  if (f == NULL)
    return;
  while (getline (&line, &cap, f) >= 0) {
    console_clean (line);
    free (lines[n % CONSOLE_TAIL]);
    lines[n % CONSOLE_TAIL] = strdup (line);
    n++;
  }
  free (line);
  if (n == 0)
    return;
  fprintf (out, "--- the serial console's last %zu lines (%s):\n",
           n < CONSOLE_TAIL ? n : (size_t) CONSOLE_TAIL, console);
  for (size_t i = n < CONSOLE_TAIL ? 0 : n - CONSOLE_TAIL; i < n; i++)
    fprintf (out, "%s\n", lines[i % CONSOLE_TAIL] ? lines[i % CONSOLE_TAIL]
             : "");
  fprintf (out, "---\n");
  for (size_t i = 0; i < CONSOLE_TAIL; i++)
    free (lines[i]);
}
