/* tests/unit/test_size.c --- sizes as people write them (util/size.h),
 * the one parser of --disk-size and the manifest's size options */
#include "tests/unit/tap.h"
#include "util/size.h"

static void
test_sizes_taken (void)
{
  static const struct { const char *s; unsigned long long v; } t[] = {
    { "512", 512 }, { "64K", 64ull << 10 }, { "20G", 20ull << 30 },
    { "20GiB", 20ull << 30 }, { "20gb", 20ull << 30 },
    { "1.5T", 3ull << 39 }, { "2040G", 2040ull << 30 }, { "0", 0 },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    unsigned long long v = 1;
    CHECK_INT (fg_parse_size (t[i].s, &v), 0);
    CHECK_U64 (v, t[i].v);
  }
}

static void
test_anything_else_refused (void)
{
  /* strtod alone would take the first four; the old command-line parser
   * took "nan" and converted it to an undefined number of bytes */
  static const char *const bad[] = { "nan", "inf", "-1", " 1", "", "20X",
                                     "20GG", "1e30", "G", "20 G", NULL };
  for (int i = 0; bad[i]; i++) {
    unsigned long long v = 7;
    CHECK_INT (fg_parse_size (bad[i], &v), -1);
    CHECK_U64 (v, 7);
  }
  CHECK_INT (fg_parse_size (NULL, NULL), -1);
}

int
main (void)
{
  RUN (test_sizes_taken);
  RUN (test_anything_else_refused);
  return TAP_DONE ();
}
