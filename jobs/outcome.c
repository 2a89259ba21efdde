/* jobs/outcome.c --- one classifier of finished conversions */
#include "jobs/outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "jobs/child.h"

/* Convert's refusal (exit 1): with --json, stdout is the check document
 * with "eligible": false and its verdicts (top level, or under "plan").
 * The failing ones go to O, and MSG names them. */
static int
ineligible (const char *out, size_t len, struct fg_run_outcome *o)
{
  json_t *doc = json_loadb (out ? out : "", len, 0, NULL), *all, *v;
  size_t i, used;

  if (!json_is_false (json_object_get (doc, "eligible"))) {
    json_decref (doc);
    return 0;
  }
  all = json_object_get (doc, "verdicts");
  if (all == NULL)
    all = json_object_get (json_object_get (doc, "plan"), "verdicts");
  o->doc = doc;
  o->failing = json_array ();
  used = (size_t) snprintf (o->msg, sizeof o->msg, "not eligible");
  json_array_foreach (all, i, v) {
    const char *level = json_string_value (json_object_get (v, "level"));
    const char *rule = json_string_value (json_object_get (v, "rule"));
    const char *text = json_string_value (json_object_get (v, "message"));
    if (level == NULL || strcmp (level, "fail") != 0)
      continue;
    json_array_append (o->failing, v);
    if (used < sizeof o->msg)
      used += (size_t) snprintf (o->msg + used, sizeof o->msg - used,
                                 "%s %s: %s",
                                 json_array_size (o->failing) == 1 ? ":" : ";",
                                 rule ? rule : "?", text ? text : "");
  }
  return 1;
}

/* The error the child reported: with --json, convert prints it on stdout
 * as {"error": {"kind", "message", "hint"}} (doc/error.schema.json), and
 * that is read; only a child that printed none (it crashed, or could not
 * run) is read back from its stderr (jobs/child.h).  Either way one line,
 * its control characters escaped.  The kind of the failure is not taken
 * from it: the exit code decides that, by the rule above. */
static void
child_error (const char *out, size_t len, const char *log,
             struct fg_run_outcome *o)
{
  json_t *doc = json_loadb (out ? out : "", len, 0, NULL);
  json_t *err = json_object_get (doc, "error");
  const char *msg = json_string_value (json_object_get (err, "message"));
  const char *hint = json_string_value (json_object_get (err, "hint"));

  if (json_is_object (err) && msg && *msg) {
    fg_escape_ctl (o->msg, sizeof o->msg, msg, 0);
    fg_escape_ctl (o->hint, sizeof o->hint, hint ? hint : "", 0);
  } else
    fg_child_error (log ? log : "", o->msg, sizeof o->msg, o->hint,
                    sizeof o->hint);
  json_decref (doc);
}

static void
fail (struct fg_run_outcome *o, const char *kind, int retryable)
{
  o->end = FG_RUN_FAIL;
  o->kind = kind;
  o->retryable = retryable;
}

void
fg_run_outcome (int status, int stopping, const char *out, size_t out_len,
                const char *log, const char *output,
                void (*removed) (const char *dir, const char *name,
                                 void *opaque),
                void *opaque, struct fg_run_outcome *o)
{
  char kmsg[FG_ERR_MSG_MAX], khint[FG_ERR_HINT_MAX];
  const char *killed;
  int kretry = 0, code = WIFEXITED (status) ? WEXITSTATUS (status) : -1;

  memset (o, 0, sizeof *o);
  child_error (out, out_len, log, o);
  /* Killed by a signal, it ran no cleanup of its own: what it left
   * beside the output goes now, whatever becomes of the job. */
  killed = fg_child_killed (status, output, kmsg, sizeof kmsg, khint,
                            sizeof khint, &kretry, removed, opaque);
  if (code == 0) {
    json_error_t jerr;
    json_t *res = json_loadb (out ? out : "", out_len, 0, &jerr);
    o->result = res ? json_dumps (res, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref (res);
    if (o->result) {
      o->end = FG_RUN_DONE;
      return;
    }
    fail (o, "internal", 1);
    snprintf (o->msg, sizeof o->msg, "convert succeeded but printed no "
              "JSON result (%s)", jerr.text);
    o->hint[0] = '\0';
    return;
  }
  if (stopping && (code < 0 || code >= 128 || code == 3)) {
    o->end = FG_RUN_RELEASE;
    return;
  }
  if (code == 1 && ineligible (out, out_len, o)) {
    o->end = FG_RUN_INELIGIBLE;
    o->hint[0] = '\0';
    return;
  }
  if (code >= 0) {
    fail (o, code == 1 ? "refused" : code == 2 ? "input" : "internal",
          code == 3);
    if (code == 127 && o->msg[0] == '\0')
      snprintf (o->msg, sizeof o->msg, "cannot run the conversion");
    if (o->msg[0] == '\0')
      snprintf (o->msg, sizeof o->msg, "convert exited with status %d",
                code);
    return;
  }
  if (killed) {
    fail (o, killed, kretry);
    snprintf (o->msg, sizeof o->msg, "%s", kmsg);
    snprintf (o->hint, sizeof o->hint, "%s", khint);
    return;
  }
  fail (o, "internal", 0);
  snprintf (o->msg, sizeof o->msg, "convert ended with wait status %#x",
            (unsigned) status);
}

void
fg_run_outcome_release (struct fg_run_outcome *o)
{
  free (o->result);
  json_decref (o->doc);
  json_decref (o->failing);
  memset (o, 0, sizeof *o);
}
