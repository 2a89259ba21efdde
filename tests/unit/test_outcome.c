/* tests/unit/test_outcome.c --- one rule for what a child conversion
 * comes to, batch's and the agent's (jobs/outcome.h): every exit code,
 * death by signal and stop, with the stdout and stderr a real convert
 * prints */
#include "tests/unit/tap.h"
#include "jobs/outcome.h"

#include <signal.h>
#include <sys/wait.h>

#define EXITED(code) ((code) << 8)      /* a wait status, as WEXITSTATUS reads */

static const char check_doc[] =
  "{\"source\": \"web01.tar.gz.0\", \"eligible\": false, \"plan\": {"
  "\"eligible\": false, \"verdicts\": ["
  "{\"rule\": \"base-image.known\", \"level\": \"pass\", \"message\": \"ok\"},"
  "{\"rule\": \"kernel.present\", \"level\": \"fail\", \"message\": \"no kernel\"},"
  "{\"rule\": \"linux.inodes-3m\", \"level\": \"fail\", \"message\": \"too many\"}]}}";

/* OUT as stdout, LOG as stderr, the output a path that does not exist. */
static void
classify (int status, int stopping, const char *out, const char *log,
          struct fg_run_outcome *o)
{
  fg_run_outcome (status, stopping, out, out ? strlen (out) : 0, log,
                  "/nonexistent/fg2ng-test/out.vhd", NULL, NULL, o);
}

static void
test_done_needs_its_json_result (void)
{
  struct fg_run_outcome o;

  classify (EXITED (0), 0, "{\"output\": \"a.vhd\", \"format\": \"vhd\"}", "",
            &o);
  CHECK_INT (o.end, FG_RUN_DONE);
  CHECK_STR (o.result, "{\"format\":\"vhd\",\"output\":\"a.vhd\"}");
  fg_run_outcome_release (&o);
  classify (EXITED (0), 0, "", "", &o);
  CHECK_INT (o.end, FG_RUN_FAIL);
  CHECK_STR (o.kind, "internal");
  CHECK_INT (o.retryable, 1);
  CHECK_CONTAINS (o.msg, "printed no JSON result");
  fg_run_outcome_release (&o);
}

static void
test_exit_1_ineligible_or_refused (void)
{
  struct fg_run_outcome o;

  classify (EXITED (1), 0, check_doc, "", &o);
  CHECK_INT (o.end, FG_RUN_INELIGIBLE);
  CHECK_STR (o.msg, "not eligible: kernel.present: no kernel; "
             "linux.inodes-3m: too many");
  CHECK_INT ((int) json_array_size (o.failing), 2);
  CHECK (json_is_object (o.doc));
  fg_run_outcome_release (&o);
  /* exit 1 without the document: refused (another job's output), not
   * ineligible, and not retried, for batch and the agent alike */
  classify (EXITED (1), 0, "",
            "fg2ng: error: 'out/a.vhd' is the output of job web02\n"
            "hint: give this job another output\n", &o);
  CHECK_INT (o.end, FG_RUN_FAIL);
  CHECK_STR (o.kind, "refused");
  CHECK_INT (o.retryable, 0);
  CHECK_STR (o.msg, "'out/a.vhd' is the output of job web02");
  CHECK_STR (o.hint, "give this job another output");
  fg_run_outcome_release (&o);
}

static void
test_exit_codes (void)
{
  static const struct {
    int code;
    const char *kind;
    int retryable;
    const char *msg;
  } t[] = {
    { 2, "input", 0, "convert exited with status 2" },
    { 3, "internal", 1, "convert exited with status 3" },
    { 4, "internal", 0, "convert exited with status 4" },
    { 127, "internal", 0, "cannot run the conversion" },
    { 143, "internal", 0, "convert exited with status 143" },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    struct fg_run_outcome o;
    classify (EXITED (t[i].code), 0, "", "", &o);
    CHECK_INT (o.end, FG_RUN_FAIL);
    CHECK_STR (o.kind, t[i].kind);
    CHECK_INT (o.retryable, t[i].retryable);
    CHECK_STR (o.msg, t[i].msg);
    fg_run_outcome_release (&o);
  }
}

static void
test_signals_crash_or_outside (void)
{
  struct fg_run_outcome o;

  classify (SIGSEGV, 0, "", "", &o);
  CHECK_INT (o.end, FG_RUN_FAIL);
  CHECK_STR (o.kind, "internal");
  CHECK_INT (o.retryable, 0);
  CHECK_CONTAINS (o.msg, "crashed");
  fg_run_outcome_release (&o);
  classify (SIGKILL, 0, "", "", &o);
  CHECK_INT (o.end, FG_RUN_FAIL);
  CHECK_STR (o.kind, "signal");
  CHECK_INT (o.retryable, 1);
  fg_run_outcome_release (&o);
}

static void
test_stopping_releases_what_the_stop_cut (void)
{
  static const int cut[] = { SIGTERM, SIGKILL, EXITED (143), EXITED (3) };
  struct fg_run_outcome o;

  for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
    classify (cut[i], 1, "", "", &o);
    CHECK_INT (o.end, FG_RUN_RELEASE);
    fg_run_outcome_release (&o);
  }
  /* what was decided before the stop stands */
  classify (EXITED (0), 1, "{}", "", &o);
  CHECK_INT (o.end, FG_RUN_DONE);
  fg_run_outcome_release (&o);
  classify (EXITED (1), 1, check_doc, "", &o);
  CHECK_INT (o.end, FG_RUN_INELIGIBLE);
  fg_run_outcome_release (&o);
  classify (EXITED (2), 1, "", "", &o);
  CHECK_INT (o.end, FG_RUN_FAIL);
  CHECK_STR (o.kind, "input");
  fg_run_outcome_release (&o);
}

/* The child's error is its JSON error object on stdout (convert --json,
 * doc/error.schema.json) when it printed one: that wins over whatever
 * its stderr says, escaped all the same; the kind stays the exit code's. */
static void
test_json_error_wins_over_stderr (void)
{
  struct fg_run_outcome o;

  classify (EXITED (2), 0,
            "{\n  \"error\": {\n    \"kind\": \"input\",\n"
            "    \"message\": \"'web01.tar.gz.0': not gzip\\u001b[2J\",\n"
            "    \"hint\": \"check the source\"\n  }\n}\n",
            "fg2ng: warning: something else\n"
            "fg2ng: error: the stderr line\nhint: the stderr hint\n", &o);
  CHECK_INT (o.end, FG_RUN_FAIL);
  CHECK_STR (o.kind, "input");
  CHECK_INT (o.retryable, 0);
  CHECK_STR (o.msg, "'web01.tar.gz.0': not gzip\\x1B[2J");
  CHECK_STR (o.hint, "check the source");
  fg_run_outcome_release (&o);
  /* a hint of null: none */
  classify (EXITED (3), 0, "{\"error\": {\"kind\": \"io\", \"message\": "
            "\"disk full\", \"hint\": null}}", "fg2ng: error: other\n", &o);
  CHECK_STR (o.kind, "internal");
  CHECK_INT (o.retryable, 1);
  CHECK_STR (o.msg, "disk full");
  CHECK_STR (o.hint, "");
  fg_run_outcome_release (&o);
}

/* No JSON on stdout (a crash, a program that could not run, text): the
 * error is read back from the stderr tail. */
static void
test_no_json_falls_back_to_stderr (void)
{
  struct fg_run_outcome o;

  classify (EXITED (2), 0, "not json at all",
            "fg2ng: error: 'a.vhd': bad footer\nhint: use another copy\n",
            &o);
  CHECK_STR (o.msg, "'a.vhd': bad footer");
  CHECK_STR (o.hint, "use another copy");
  fg_run_outcome_release (&o);
  /* JSON without an error object, or with an empty message, is no error */
  classify (EXITED (2), 0, "{\"error\": {\"kind\": \"input\", "
            "\"message\": \"\"}}", "fg2ng: error: from stderr\n", &o);
  CHECK_STR (o.msg, "from stderr");
  fg_run_outcome_release (&o);
  classify (EXITED (2), 0, "{\"output\": \"x\"}", "last words\n", &o);
  CHECK_STR (o.msg, "last words");
  fg_run_outcome_release (&o);
}

int
main (void)
{
  RUN (test_done_needs_its_json_result);
  RUN (test_exit_1_ineligible_or_refused);
  RUN (test_exit_codes);
  RUN (test_signals_crash_or_outside);
  RUN (test_stopping_releases_what_the_stop_cut);
  RUN (test_json_error_wins_over_stderr);
  RUN (test_no_json_falls_back_to_stderr);
  return TAP_DONE ();
}
