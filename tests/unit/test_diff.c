/* tests/unit/test_diff.c --- unified diffs, checked against diff -u */
#include "tests/unit/tap.h"
#include "fixups/diff.h"

#include <stdio.h>
#include <unistd.h>

/* What GNU diff -u says (labels replaced as ours print them). */
static char *
gnu_diff (const char *a, const char *b)
{
  char fa[] = "/tmp/fg2ng-diffa-XXXXXX", fb[] = "/tmp/fg2ng-diffb-XXXXXX";
  int da = mkstemp (fa), db = mkstemp (fb);
  char cmd[256], *out = calloc (1, 65536);
  FILE *p;
  size_t n = 0;

  if (da < 0 || db < 0 || out == NULL)
    return NULL;
  if (write (da, a, strlen (a)) < 0 || write (db, b, strlen (b)) < 0)
    return NULL;
  close (da);
  close (db);
  snprintf (cmd, sizeof cmd, "diff -u --label a/f --label b/f %s %s", fa, fb);
  p = popen (cmd, "r");
  if (p) {
    n = fread (out, 1, 65535, p);
    pclose (p);
  }
  out[n] = '\0';
  unlink (fa);
  unlink (fb);
  return out;
}

static void
same_as_gnu (const char *a, const char *b)
{
  char *ours = fg_diff_unified ("f", a, b), *theirs = gnu_diff (a, b);
  CHECK_STR (ours, theirs);
  free (ours);
  free (theirs);
}

static void
test_one_line_changed (void)
{
  same_as_gnu ("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nX\ne\nf\ng\n");
}

static void
test_far_apart_changes_make_two_hunks (void)
{
  same_as_gnu ("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
               "1\nA\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\nB\n16\n");
}

static void
test_near_changes_share_a_hunk (void)
{
  same_as_gnu ("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nA\n3\n4\n5\n6\nB\n8\n9\n");
}

static void
test_added_and_removed_lines (void)
{
  same_as_gnu ("a\nb\nc\n", "a\nc\nd\ne\n");
  same_as_gnu ("x\n", "");
  same_as_gnu ("", "new\n");
}

static void
test_equal_and_missing (void)
{
  char *d = fg_diff_unified ("f", "same\n", "same\n");
  CHECK_STR (d, "");
  free (d);
  d = fg_diff_unified ("etc/x", "gone\n", NULL);
  CHECK_CONTAINS (d, "+++ /dev/null");
  CHECK_CONTAINS (d, "-gone");
  free (d);
}

int
main (void)
{
  RUN (test_one_line_changed);
  RUN (test_far_apart_changes_make_two_hunks);
  RUN (test_near_changes_share_a_hunk);
  RUN (test_added_and_removed_lines);
  RUN (test_equal_and_missing);
  return TAP_DONE ();
}
