/* tests/unit/test_fileconv.c --- member names of a first-gen archive */
#include "tests/unit/tap.h"
#include "convert/fileconv.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <unistd.h>

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

/* A pax mtime of 2^63 - 1 (libarchive's clamp of any larger one): the
 * inode's epoch bits were computed with a signed subtraction that
 * overflowed (UB, an abort under check-asan).  The conversion goes on. */
static void
test_extreme_mtime_converts (void)
{
  char tgz[] = "/tmp/fg2ng-test-mtime-XXXXXX", out[64];
  static const int64_t times[] = { INT64_MAX, INT64_MIN, INT64_MAX - 5 };
  struct archive *a = archive_write_new ();
  struct archive_entry *ent;
  struct fg_parts parts;
  enum fg_source_kind kind;
  struct fg_file_opts o = { .format = FG_DISK_VHD, .replace = 1,
                            .headroom_pct = 30 };
  struct fg_file_result res;
  struct fg_err e = FG_ERR_INIT;
  int fd = mkstemp (tgz);

  CHECK (fd >= 0);
  snprintf (out, sizeof out, "%s.vhd", tgz);
  archive_write_set_format_pax (a);
  archive_write_add_filter_gzip (a);
  archive_write_open_fd (a, fd);
  for (int i = -1; i < 3; i++) {
    char name[32];
    ent = archive_entry_new ();
    snprintf (name, sizeof name, i < 0 ? "image/" : "image/f%d", i);
    archive_entry_set_pathname (ent, name);
    archive_entry_set_filetype (ent, i < 0 ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm (ent, 0644);
    archive_entry_set_size (ent, 0);
    if (i >= 0)
      archive_entry_set_mtime (ent, (time_t) times[i], 0);
    archive_write_header (a, ent);
    archive_entry_free (ent);
  }
  archive_write_close (a);
  archive_write_free (a);
  close (fd);
  CHECK_INT (fg_parts_find (tgz, &kind, &parts, &e), 0);
  CHECK_INT (fg_convert_file_parts (&parts, out, &o, &res, &e), 0);
  if (e.msg[0])
    printf ("#   %s\n", e.msg);
  CHECK_INT (res.files, 3);
  fg_parts_release (&parts);
  unlink (out);
  unlink (tgz);
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
  RUN (test_extreme_mtime_converts);
  return TAP_DONE ();
}
