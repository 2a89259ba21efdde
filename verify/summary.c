/* verify/summary.c --- reading the harness's summary (see summary.h) */
#include "verify/summary.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

#define SUMMARY_FORMAT "fg2ng-boot-check-summary 1"

void
fg_verify_summary_release (struct fg_verify_summary *s)
{
  free (s->config);
  free (s->title);
  free (s->kernel);
  free (s->initrd);
  free (s->args);
  free (s->accel);
  free (s->root_arg);
  for (size_t i = 0; i < s->nchecks; i++) {
    free (s->checks[i].name);
    free (s->checks[i].detail);
  }
  free (s->checks);
  fg_verify_list_release (&s->guest);
  memset (s, 0, sizeof *s);
}

/* ---- one line ------------------------------------------------------------ */

/* Each reader takes the VALUE of its line; -1 with *WHY set when it
 * cannot use it. */
typedef int line_fn (struct fg_verify_summary *s, const char *v,
                     const char **why);

static int
fail (const char **why, const char *what)
{
  *why = what;
  return -1;
}

static int
parse_seconds (const char *s, double *out)
{
  char *end;

  errno = 0;
  *out = strtod (s, &end);
  return errno || end == s || *out < 0 || (*end && *end != ' ') ? -1 : 0;
}

static int
set_once (char **field, const char *v)
{
  if (*field)
    return -1;
  *field = strdup (v);
  return *field ? 0 : -1;
}

/* "PASS NAME: DETAIL" or "FAIL NAME: DETAIL" */
static int
line_check (struct fg_verify_summary *s, const char *v, const char **why)
{
  const char *colon = strstr (v, ": ");
  struct fg_verify_check *c;
  int ok;

  if (strncmp (v, "PASS ", 5) == 0)
    ok = 1;
  else if (strncmp (v, "FAIL ", 5) == 0)
    ok = 0;
  else
    return fail (why, "a check neither PASS nor FAIL");
  if (colon == NULL || colon == v + 5)
    return fail (why, "a check without 'NAME: DETAIL'");
  c = realloc (s->checks, (s->nchecks + 1) * sizeof *c);
  if (c == NULL)
    return fail (why, "out of memory");
  s->checks = c;
  c = &s->checks[s->nchecks];
  c->ok = ok;
  c->name = strndup (v + 5, (size_t) (colon - v - 5));
  c->detail = strdup (colon + 2);
  s->nchecks++;
  if (c->name == NULL || c->detail == NULL)
    return fail (why, "out of memory");
  s->nfailed += !ok;
  return 0;
}

/* "INDEX TITLE" */
static int
line_entry (struct fg_verify_summary *s, const char *v, const char **why)
{
  char *end;

  if (s->entry >= 0)
    return fail (why, "a second entry line");
  s->entry = strtol (v, &end, 10);
  if (end == v || s->entry < 0 || (*end && *end != ' '))
    return fail (why, "an entry line without its index");
  return set_once (&s->title, *end ? end + 1 : "");
}

/* "no", or "yes SECONDS FROM" (FROM: console or report) */
static int
line_multi_user (struct fg_verify_summary *s, const char *v, const char **why)
{
  if (s->multi_user != -1)
    return fail (why, "a second multi_user line");
  if (strcmp (v, "no") == 0)
    s->multi_user = 0;
  else if (strncmp (v, "yes ", 4) == 0 &&
           parse_seconds (v + 4, &s->multi_user_seconds) == 0 &&
           (strstr (v + 4, " console") || strstr (v + 4, " report")))
    s->multi_user = 1;
  else
    return fail (why, "multi_user neither 'no' nor 'yes SECONDS FROM'");
  return 0;
}

static int
line_qemu_seconds (struct fg_verify_summary *s, const char *v,
                   const char **why)
{
  return parse_seconds (v, &s->qemu_seconds) < 0
    ? fail (why, "qemu_seconds is not a number") : 0;
}

/* "pass", "fail" or "error WHY" */
static int
line_result (struct fg_verify_summary *s, const char *v, const char **why)
{
  if (s->result != FG_VERIFY_RESULT_NONE)
    return fail (why, "a second result line");
  if (strcmp (v, "pass") == 0)
    s->result = FG_VERIFY_RESULT_PASS;
  else if (strcmp (v, "fail") == 0)
    s->result = FG_VERIFY_RESULT_FAIL;
  else if (strncmp (v, "error ", 6) == 0)
    s->result = FG_VERIFY_RESULT_ERROR;
  else
    return fail (why, "a result neither pass, fail nor error");
  return 0;
}

/* "tcg WHY": the choice, then what made it */
static int
line_accel (struct fg_verify_summary *s, const char *v, const char **why)
{
  size_t w = strcspn (v, " ");

  if (s->accel || !((w == 3 && strncmp (v, "kvm", 3) == 0) ||
                    (w == 3 && strncmp (v, "tcg", 3) == 0)))
    return fail (why, "a second accel, or neither kvm nor tcg");
  s->accel = strndup (v, w);
  return s->accel ? 0 : fail (why, "out of memory");
}

static const struct {
  const char *key;
  line_fn *read;                /* NULL: a text kept once at OFFSET */
  size_t offset;
  const char *twice;            /* WHY when the text comes twice */
} lines[] = {
#define TEXT(k) { #k, NULL, offsetof (struct fg_verify_summary, k), \
                  "a second " #k }
  { "check", line_check, 0, NULL },
  { "entry", line_entry, 0, NULL },
  { "multi_user", line_multi_user, 0, NULL },
  { "qemu_seconds", line_qemu_seconds, 0, NULL },
  { "result", line_result, 0, NULL },
  { "accel", line_accel, 0, NULL },
  TEXT (config), TEXT (kernel), TEXT (initrd), TEXT (args), TEXT (root_arg),
#undef TEXT
};

/* Facts the report shows only on a failure, and facts it has no use for
 * but which are the harness's to write (tests/e2e/README.md lists them). */
static const char *const guest_keys[] = { "state", "failed_units",
  "interfaces", "addresses", "journal", NULL };
static const char *const known_keys[] = { "disk", "kernel_file",
  "initrd_file", "fs_uuid", "bus", "macs", "extra_args", "guest_cmdline",
  "root_source", "root_uuid", "fstab_root", "route", NULL };

static int
in_list (const char *const *l, const char *k)
{
  for (; *l; l++)
    if (strcmp (*l, k) == 0)
      return 1;
  return 0;
}

/* One line KEY VALUE of the summary; -1 for a line this version does not
 * know or cannot read (WHY says what). */
static int
summary_line (struct fg_verify_summary *s, const char *key, const char *v,
              const char **why)
{
  *why = "a line this fg2ng does not know";
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    if (strcmp (key, lines[i].key) != 0)
      continue;
    if (lines[i].read)
      return lines[i].read (s, v, why);
    return set_once ((char **) ((char *) s + lines[i].offset), v) < 0
      ? fail (why, lines[i].twice) : 0;
  }
  if (in_list (guest_keys, key)) {
    char line[1024];
    snprintf (line, sizeof line, "%s %s", key, v);
    return fg_verify_list_add (&s->guest, line) < 0
      ? fail (why, "out of memory") : 0;
  }
  return in_list (known_keys, key) ? 0 : -1;
}

/* ---- the file ------------------------------------------------------------ */

/* LINE (the LEN bytes read, newline removed), the NO'th of the file;
 * -1 with *WHY set when it cannot be read. */
static int
read_line (struct fg_verify_summary *s, const char *line, size_t len,
           unsigned no, const char **why)
{
  const char *sp;
  char key[32];
  size_t kl;

  if (strlen (line) != len)
    return fail (why, "a NUL byte");
  if (no == 1)
    return strcmp (line, SUMMARY_FORMAT) == 0
      ? 0 : fail (why, "not the format '" SUMMARY_FORMAT "'");
  sp = strchr (line, ' ');
  if (sp == NULL && strcmp (line, "result") != 0)
    return fail (why, "a line without a value");
  kl = sp ? (size_t) (sp - line) : strlen (line);
  if (kl == 0 || kl >= sizeof key)
    return fail (why, "no key");
  memcpy (key, line, kl);
  key[kl] = '\0';
  return summary_line (s, key, sp ? sp + 1 : "", why);
}

int
fg_verify_summary_read (const char *path, struct fg_verify_summary *s,
                        struct fg_err *e)
{
  CLEANUP_FCLOSE FILE *f = NULL;
  CLEANUP_FREE char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  unsigned no = 0;

  memset (s, 0, sizeof *s);
  s->entry = -1;
  s->multi_user = -1;
  f = fopen (path, "re");
  if (f == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, errno, "the boot check wrote no "
                         "summary '%s'", path);
  while ((len = getline (&line, &cap, f)) >= 0) {
    const char *why;
    no++;
    if (len > 0 && line[len - 1] == '\n')
      line[--len] = '\0';
    if (read_line (s, line, (size_t) len, no, &why) == 0)
      continue;
    fg_err_set (e, FG_E_INTERNAL, "'%s' line %u: %s: '%.60s'", path, no, why,
                line);
    fg_err_hint (e, "fg2ng and " FG_VERIFY_HARNESS " disagree: install them "
                 "together");
    return -1;
  }
  if (no == 0)
    return fg_err_set (e, FG_E_INTERNAL, "the boot check's summary '%s' is "
                       "empty", path);
  return 0;
}

int
fg_verify_summary_agrees (const struct fg_verify_summary *s, int status,
                          int booted, const struct fg_verify_list *ips,
                          const struct fg_verify_list *routes,
                          const char *path, struct fg_err *e)
{
  static const char *const always[] = { "multi-user", "root mounted",
    "kernel root= by UUID", "fstab / by UUID or LABEL" };
  const size_t nalways = sizeof always / sizeof *always;
  char name[600];

  if (status == 0 && (s->result != FG_VERIFY_RESULT_PASS || s->nfailed ||
                      (booted && !s->nchecks) || s->config == NULL))
    return fg_err_set (e, FG_E_INTERNAL, "the boot check passed but its "
                       "summary '%s' %s", path, s->nfailed ? "has failed "
                       "checks" : "does not say so");
  if (status == 1 && (s->result != FG_VERIFY_RESULT_FAIL || s->nfailed == 0))
    return fg_err_set (e, FG_E_INTERNAL, "the boot check failed but its "
                       "summary '%s' names no failed check", path);
  if (status != 0 || !booted)
    return 0;
  for (size_t i = 0; i < ips->n + routes->n + nalways; i++) {
    int found = 0;
    if (i < ips->n)
      snprintf (name, sizeof name, "ip %s", ips->v[i]);
    else if (i < ips->n + routes->n)
      snprintf (name, sizeof name, "route %s", routes->v[i - ips->n]);
    else
      snprintf (name, sizeof name, "%s", always[i - ips->n - routes->n]);
    for (size_t k = 0; k < s->nchecks && !found; k++)
      found = strcmp (s->checks[k].name, name) == 0;
    if (!found)
      return fg_err_set (e, FG_E_INTERNAL, "the boot check passed without "
                         "checking '%s' (summary '%s')", name, path);
  }
  return 0;
}
