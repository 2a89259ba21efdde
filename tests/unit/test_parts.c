/* tests/unit/test_parts.c --- finding and ordering split parts */
#include "tests/unit/tap.h"
#include "source/parts.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void
make_file (const char *name, const char *content)
{
  char path[512];
  FILE *f;
  snprintf (path, sizeof path, "%s/%s", dir, name);
  f = fopen (path, "w");
  if (f) {
    fputs (content, f);
    fclose (f);
  }
}

static void
fresh_dir (void)
{
  char cmd[600];
  if (dir[0]) {
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system (cmd) != 0)
      printf ("# cleanup failed\n");
  }
  snprintf (dir, sizeof dir, "%s/fg2ng-parts-XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  if (mkdtemp (dir) == NULL)
    printf ("# mkdtemp failed\n");
}

static void
test_orders_numerically (void)
{
  struct fg_parts p;
  enum fg_source_kind k;
  struct fg_err e = FG_ERR_INIT;
  char first[512];

  fresh_dir ();
  for (int i = 0; i <= 11; i++) {
    char n[64];
    snprintf (n, sizeof n, "web01.tar.gz.%d", i);
    make_file (n, "x");
  }
  snprintf (first, sizeof first, "%s/web01.tar.gz.0", dir);
  CHECK_INT (fg_parts_find (first, &k, &p, &e), 0);
  CHECK_INT (k, FG_SOURCE_PARTS);
  CHECK_INT (p.count, 12);
  for (size_t i = 0; i < p.count; i++)
    CHECK_INT (p.part[i].index, i);
  CHECK_INT (p.total, 12);
  CHECK_STR (p.name, "web01.tar.gz");
  fg_parts_release (&p);
}

static void
test_prefix_folder_and_any_part (void)
{
  struct fg_parts p;
  enum fg_source_kind k;
  struct fg_err e = FG_ERR_INIT;
  char src[512];
  const char *forms[] = { "%s/web01", "%s/web01.tar.gz", "%s", "%s/web01.tar.gz.2" };

  fresh_dir ();
  make_file ("web01.tar.gz.0", "a");
  make_file ("web01.tar.gz.1", "bb");
  make_file ("web01.tar.gz.2", "ccc");
  for (size_t i = 0; i < 4; i++) {
    snprintf (src, sizeof src, forms[i], dir);
    CHECK_INT (fg_parts_find (src, &k, &p, &e), 0);
    CHECK_INT (p.count, 3);
    CHECK_INT (p.total, 6);
    fg_parts_release (&p);
  }
}

static void
test_gap_is_reported_with_what_is_there (void)
{
  struct fg_parts p;
  enum fg_source_kind k;
  struct fg_err e = FG_ERR_INIT;
  char src[512];

  fresh_dir ();
  make_file ("web01.tar.gz.0", "a");
  make_file ("web01.tar.gz.1", "a");
  make_file ("web01.tar.gz.2", "a");
  make_file ("web01.tar.gz.4", "a");
  snprintf (src, sizeof src, "%s/web01.tar.gz.0", dir);
  CHECK_INT (fg_parts_find (src, &k, &p, &e), -1);
  CHECK_STR (e.msg, "web01.tar.gz: missing part .3 (have .0-.2, .4)");
  CHECK_INT (e.kind, FG_E_INPUT);
  fg_parts_release (&p);
}

static void
test_first_part_missing (void)
{
  struct fg_parts p;
  enum fg_source_kind k;
  struct fg_err e = FG_ERR_INIT;
  char src[512];

  fresh_dir ();
  make_file ("web01.tar.gz.1", "a");
  snprintf (src, sizeof src, "%s/web01.tar.gz.1", dir);
  CHECK_INT (fg_parts_find (src, &k, &p, &e), -1);
  CHECK_STR (e.msg, "web01.tar.gz: missing part .0 (have .1)");
  fg_parts_release (&p);
}

static void
test_same_index_twice (void)
{
  struct fg_parts p;
  enum fg_source_kind k;
  struct fg_err e = FG_ERR_INIT;

  fresh_dir ();
  make_file ("web01.tar.gz.0", "a");
  make_file ("web01.tar.gz.1", "a");
  make_file ("web01.tar.gz.01", "a");
  CHECK_INT (fg_parts_find (dir, &k, &p, &e), -1);
  CHECK_CONTAINS (e.msg, "are both part .1");
  fg_parts_release (&p);
}

static void
test_two_images_in_one_folder (void)
{
  struct fg_parts p;
  enum fg_source_kind k;
  struct fg_err e = FG_ERR_INIT;

  fresh_dir ();
  make_file ("a.tar.gz.0", "a");
  make_file ("b.tar.gz.0", "a");
  CHECK_INT (fg_parts_find (dir, &k, &p, &e), -1);
  CHECK_CONTAINS (e.msg, "more than one image");
  CHECK_INT (e.kind, FG_E_USAGE);
  fg_parts_release (&p);
}

static void
test_empty_part_dropped (void)
{
  struct fg_parts p;
  enum fg_source_kind k;
  struct fg_err e = FG_ERR_INIT;
  unsigned before = fg_warn_count ();

  fresh_dir ();
  make_file ("w.tar.gz.0", "abc");
  make_file ("w.tar.gz.1", "");
  make_file ("w.tar.gz.2", "de");
  CHECK_INT (fg_parts_find (dir, &k, &p, &e), 0);
  CHECK_INT (p.count, 2);
  CHECK_INT (p.part[1].index, 2);
  CHECK_INT (fg_warn_count (), before + 1);
  fg_parts_release (&p);
}

static void
test_kinds_of_sources (void)
{
  struct fg_parts p;
  enum fg_source_kind k;
  struct fg_err e = FG_ERR_INIT;
  char src[512];

  fresh_dir ();
  make_file ("disk.raw", "not a gzip");
  snprintf (src, sizeof src, "%s/disk.raw", dir);
  CHECK_INT (fg_parts_find (src, &k, &p, &e), 0);
  CHECK_INT (k, FG_SOURCE_FILE);
  fg_parts_release (&p);
  make_file ("one.tar.gz", "\x1f\x8b rest");
  snprintf (src, sizeof src, "%s/one.tar.gz", dir);
  CHECK_INT (fg_parts_find (src, &k, &p, &e), 0);
  CHECK_INT (k, FG_SOURCE_PARTS);
  CHECK_INT (p.count, 1);
  fg_parts_release (&p);
  snprintf (src, sizeof src, "%s/sub", dir);
  mkdir (src, 0755);
  CHECK_INT (fg_parts_find (src, &k, &p, &e), 0);
  CHECK_INT (k, FG_SOURCE_DIR);
  fg_parts_release (&p);
  snprintf (src, sizeof src, "%s/nothing", dir);
  CHECK_INT (fg_parts_find (src, &k, &p, &e), -1);
  CHECK_CONTAINS (e.msg, "nothing");
  CHECK_INT (fg_err_exit_code (&e), 2);
  fg_parts_release (&p);
}

static void
test_reader_concatenates_and_locates (void)
{
  struct fg_parts p;
  enum fg_source_kind k;
  struct fg_err e = FG_ERR_INIT;
  struct fg_parts_reader *r;
  char buf[16], where[600];
  size_t got = 0;
  ssize_t n;

  fresh_dir ();
  make_file ("w.tar.gz.0", "abc");
  make_file ("w.tar.gz.1", "defg");
  CHECK_INT (fg_parts_find (dir, &k, &p, &e), 0);
  CHECK_INT (fg_parts_reader_open (&r, &p, &e), 0);
  while ((n = fg_parts_reader_read (r, buf + got, sizeof buf - got, &e)) > 0)
    got += (size_t) n;
  CHECK_INT (n, 0);
  CHECK_INT (got, 7);
  CHECK_MEM (buf, "abcdefg", 7);
  fg_parts_where (&p, 5, where, sizeof where);
  CHECK_CONTAINS (where, "w.tar.gz.1' at offset 2");
  fg_parts_reader_close (r);
  fg_parts_release (&p);
}

int
main (void)
{
  char cmd[600];
  RUN (test_orders_numerically);
  RUN (test_prefix_folder_and_any_part);
  RUN (test_gap_is_reported_with_what_is_there);
  RUN (test_first_part_missing);
  RUN (test_same_index_twice);
  RUN (test_two_images_in_one_folder);
  RUN (test_empty_part_dropped);
  RUN (test_kinds_of_sources);
  RUN (test_reader_concatenates_and_locates);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    printf ("# cleanup failed\n");
  return TAP_DONE ();
}
