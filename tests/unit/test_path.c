/* tests/unit/test_path.c --- one output, however its path is spelled */
#include "tests/unit/tap.h"
#include "util/path.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[PATH_MAX];

static char *
id_of (const char *path)
{
  struct fg_err e = FG_ERR_INIT;
  char *r = fg_path_identity (path, &e);
  if (r == NULL)
    printf ("# %s: %s\n", path, e.msg);
  return r;
}

static void
same (const char *a, const char *b)
{
  char *x = id_of (a), *y = id_of (b);
  CHECK (x != NULL && y != NULL);
  if (x && y && strcmp (x, y) != 0) {
    printf ("#   '%s' -> '%s'\n#   '%s' -> '%s'\n", a, x, b, y);
    tap_cur_failed = 1;
  }
  free (x);
  free (y);
}

static void
test_spellings_of_one_output (void)
{
  char want[PATH_MAX + 16], *got;

  same ("out/a.vhd", "out/./a.vhd");
  same ("out/a.vhd", "out//a.vhd");
  same ("out/a.vhd", "./out/a.vhd");
  same ("out/a.vhd", "out/sub/../a.vhd");     /* sub exists: realpath */
  same ("out/a.vhd", "link/a.vhd");           /* a symlinked folder */
  same ("new/x/../b.vhd", "new/b.vhd");       /* folders not made yet */
  same ("a.vhd", "./a.vhd");
  snprintf (want, sizeof want, "%s/out/a.vhd", top);
  same ("out/a.vhd", want);
  got = id_of ("out/a.vhd");
  CHECK_STR (got, want);
  free (got);
}

static void
test_different_outputs_differ (void)
{
  char *x = id_of ("out/a.vhd"), *y = id_of ("out/A.vhd"),
    *z = id_of ("out/sub/a.vhd");
  CHECK (x && y && z && strcmp (x, y) != 0 && strcmp (x, z) != 0);
  free (x);
  free (y);
  free (z);
}

static void
test_the_name_itself_is_not_followed (void)
{
  /* The output is renamed over a symlink, not written through it. */
  char *x = id_of ("out/l.vhd"), *y = id_of ("out/a.vhd");
  CHECK (x && y && strcmp (x, y) != 0);
  free (x);
  free (y);
}

static void
test_folders_are_refused (void)
{
  struct fg_err e = FG_ERR_INIT;
  CHECK (fg_path_identity ("", &e) == NULL);
  CHECK (fg_path_identity ("out/", &e) == NULL);
  CHECK (fg_path_identity ("out/..", &e) == NULL);
  CHECK_INT (e.kind, FG_E_INPUT);
}

int
main (void)
{
  char tmpl[] = "/tmp/fg2ng-path.XXXXXX";
  char *d = mkdtemp (tmpl);

  if (d == NULL || chdir (d) != 0 || realpath (".", top) == NULL ||
      mkdir ("out", 0755) || mkdir ("out/sub", 0755) ||
      symlink ("out", "link") || symlink ("a.vhd", "out/l.vhd")) {
    printf ("Bail out! cannot set up %s\n", tmpl);
    return 1;
  }
  RUN (test_spellings_of_one_output);
  RUN (test_different_outputs_differ);
  RUN (test_the_name_itself_is_not_followed);
  RUN (test_folders_are_refused);
  if (chdir ("/") == 0) {
    char cmd[PATH_MAX + 16];
    snprintf (cmd, sizeof cmd, "rm -rf %s", top);
    if (system (cmd) != 0)
      printf ("# could not remove %s\n", top);
  }
  return TAP_DONE ();
}
