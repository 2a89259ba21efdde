/* tests/unit/test_fileconv.c --- member names of a first-gen archive */
#include "tests/unit/tap.h"
#include "convert/fileconv.h"

static void
check_path (const char *name, const char *want)
{
  struct fg_err e = FG_ERR_INIT;
  char *out = NULL;
  int rc = fg_member_path (name, &out, 0, "test", &e);
  if (want && want[0] == '!') {
    CHECK_INT (rc, 0);               /* skipped: outside image/ */
    CHECK (out == NULL);
  } else if (want) {
    CHECK_INT (rc, 1);
    CHECK_STR (out, want);
  } else {
    CHECK_INT (rc, -1);
    CHECK_INT (e.kind, FG_E_INPUT);
    CHECK (out == NULL);
  }
  free (out);
}

static void
test_paths_under_image (void)
{
  check_path ("image/", "");
  check_path ("image", "");
  check_path ("./image/etc/fstab", "etc/fstab");
  check_path ("image//etc/./hosts", "etc/hosts");
  check_path ("image/etc/", "etc");
  check_path ("image/caf\xc3\xa9 \\ x\ny", "caf\xc3\xa9 \\ x\ny");
}

static void
test_leading_slash_is_dropped_with_a_warning (void)
{
  unsigned before = fg_warn_count ();
  check_path ("/image/etc/passwd", "etc/passwd");
  CHECK (fg_warn_count () == before + 1);
  check_path ("//image/x", "x");           /* warned once only */
  CHECK (fg_warn_count () == before + 1);
}

static void
test_hostile_names_refused (void)
{
  check_path ("image/../../etc/evil", NULL);
  check_path ("image/a/../b", NULL);
  check_path ("image/..", NULL);
  check_path ("image/x/..", NULL);
}

static void
test_names_ext4_cannot_hold_refused (void)
{
  char name[6000];

  /* 255 bytes in one component is ext4's limit; 256 is refused, in a
   * folder as much as in the last component. */
  snprintf (name, sizeof name, "image/%0255d/f", 0);
  check_path (name, name + 6);
  snprintf (name, sizeof name, "image/%0256d/f", 0);
  check_path (name, NULL);
  snprintf (name, sizeof name, "image/d/%0300d", 0);
  check_path (name, NULL);
  /* A path of 4095 bytes under image/ fits; 4096 does not. */
  memset (name, 'a', sizeof name);
  memcpy (name, "image/", 6);
  for (size_t i = 6 + 200; i < sizeof name; i += 201)
    name[i] = '/';
  name[6 + 4095] = '\0';
  check_path (name, name + 6);
  name[6 + 4095] = 'a';
  name[6 + 4096] = '\0';
  check_path (name, NULL);
}

static void
test_outside_image_is_skipped (void)
{
  check_path ("etc/passwd", "!");
  check_path ("images/x", "!");
  check_path ("imagex", "!");
  check_path ("", "!");
}

static void
test_message_names_the_member (void)
{
  struct fg_err e = FG_ERR_INIT;
  char *out;
  fg_member_path ("image/../x", &out, 0, "'p.tar.gz.1' at offset 10", &e);
  CHECK_CONTAINS (e.msg, "'p.tar.gz.1' at offset 10");
  CHECK_CONTAINS (e.msg, "'image/../x'");
  CHECK_CONTAINS (e.msg, "..");
}

int
main (void)
{
  RUN (test_paths_under_image);
  RUN (test_leading_slash_is_dropped_with_a_warning);
  RUN (test_hostile_names_refused);
  RUN (test_names_ext4_cannot_hold_refused);
  RUN (test_outside_image_is_skipped);
  RUN (test_message_names_the_member);
  return TAP_DONE ();
}
