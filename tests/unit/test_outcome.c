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

int
main (void)
{
  RUN (test_done_needs_its_json_result);
  RUN (test_exit_1_ineligible_or_refused);
  RUN (test_exit_codes);
  RUN (test_signals_crash_or_outside);
  RUN (test_stopping_releases_what_the_stop_cut);
  return TAP_DONE ();
}
