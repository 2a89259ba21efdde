/* tests/unit/test_problems.c --- the one problem-line accumulator
 * (util/problems.h): listed up to a cap, counted beyond it, escaped */
#include "tests/unit/tap.h"
#include "util/problems.h"

static void
test_listed_then_counted (void)
{
  char **lines = NULL;
  size_t nlisted = 0, count = 0;
  struct fg_problems p = { &lines, &nlisted, &count, 3 };

  for (int i = 0; i < 5; i++)
    CHECK_INT (fg_problems_add (p, "servers[%d]: missing 'source'", i), 0);
  CHECK_INT (nlisted, 3);
  CHECK_INT (count, 5);
  CHECK_STR (lines[0], "servers[0]: missing 'source'");
  CHECK_STR (lines[2], "servers[2]: missing 'source'");
  /* Full: counted without making the line. */
  CHECK_INT (fg_problems_full (p), 1);
  CHECK_INT (count, 6);
  fg_problems_free (lines, nlisted);
}

static void
test_no_cap_and_no_count (void)
{
  char **lines = NULL;
  size_t n = 0;
  struct fg_problems p = { &lines, &n, NULL, 0 };

  for (int i = 0; i < 300; i++)
    fg_problems_add (p, "%d", i);
  CHECK_INT (n, 300);
  CHECK_INT (fg_problems_full (p), 0);
  CHECK_STR (lines[299], "299");
  fg_problems_free (lines, n);
  fg_problems_free (NULL, 0);
}

static void
test_control_characters_escaped (void)
{
  char **lines = NULL;
  size_t n = 0;
  struct fg_problems p = { &lines, &n, NULL, 0 };

  fg_problems_add (p, "'%s' is not a host name", "a\nb\033[31m");
  CHECK_INT (n, 1);
  CHECK (n == 1 && strchr (lines[0], '\n') == NULL
         && strchr (lines[0], '\033') == NULL);
  CHECK_CONTAINS (lines[0], "is not a host name");
  fg_problems_free (lines, n);
}

int
main (void)
{
  RUN (test_listed_then_counted);
  RUN (test_no_cap_and_no_count);
  RUN (test_control_characters_escaped);
  return TAP_DONE ();
}
