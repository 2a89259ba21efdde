/* tests/unit/test_dirindex.c --- the folder name index never lies
 *
 * A seeded random run adds names to folders, looks names up, forgets
 * folders, with a budget small enough that folders are dropped all the
 * time.  A plain list of (folder, name, inode) is the truth: every answer
 * of the index must be "not indexed" (-1) or agree with it exactly.
 */
#include "convert/dirindex.h"
#include "tests/unit/tap.h"

#define NDIRS 300
#define NNAMES 4000

struct truth {
  uint32_t dir;
  char name[24];
  uint32_t ino;
};

static struct truth known[NDIRS * 60];
static size_t nknown;
static uint64_t rng = 88172645463325252ull;

static uint32_t
rnd (uint32_t n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t) (rng % n);
}

static int
truth_find (uint32_t dir, const char *name, uint32_t *ino)
{
  for (size_t i = 0; i < nknown; i++)
    if (known[i].dir == dir && strcmp (known[i].name, name) == 0) {
      *ino = known[i].ino;
      return 1;
    }
  return 0;
}

static void
test_answers_agree_with_the_truth (void)
{
  struct fg_dirindex *x = fg_dirindex_new (64 * 1024);
  unsigned wrong = 0, answered = 0, unknown = 0;
  uint32_t next_ino = 1000;
  size_t dirs, dropped;

  CHECK (x != NULL);
  if (x == NULL)
    return;
  for (uint32_t d = 2; d < 2 + NDIRS; d++)
    fg_dirindex_track (x, d);
  for (unsigned n = 0; n < 60000; n++) {
    uint32_t dir = 2 + rnd (rnd (10) < 7 ? 20 : NDIRS);
    char name[24];
    uint32_t ino = 0, want = 0;
    int got, have;

    snprintf (name, sizeof name, "n%u", rnd (NNAMES / 20));
    have = truth_find (dir, name, &want);
    switch (rnd (10)) {
    case 0: case 1: case 2:                 /* link a new name */
      if (!have && nknown < sizeof known / sizeof known[0]) {
        known[nknown].dir = dir;
        snprintf (known[nknown].name, sizeof known[nknown].name, "%s", name);
        known[nknown].ino = next_ino;
        nknown++;
        fg_dirindex_add (x, dir, name, next_ino++);
      }
      break;
    case 3:
      if (rnd (50) == 0)
        fg_dirindex_forget (x, dir);
      break;
    default:
      got = fg_dirindex_find (x, dir, name, strlen (name), &ino);
      if (got < 0)
        unknown++;
      else {
        answered++;
        if (got != have || (have && ino != want))
          wrong++;
      }
    }
  }
  fg_dirindex_stats (x, &dirs, &dropped);
  printf ("# %u answered, %u not indexed, %zu folders dropped, %zu left\n",
          answered, unknown, dropped, dirs);
  CHECK_INT (wrong, 0);
  CHECK (answered > 1000);      /* the index did answer ... */
  CHECK (dropped > 0);          /* ... and the budget did bite */
  fg_dirindex_free (x);
}

/* A name prefix of another is a different name. */
static void
test_prefixes_are_distinct (void)
{
  struct fg_dirindex *x = fg_dirindex_new (1 << 20);
  uint32_t ino = 0;

  fg_dirindex_track (x, 7);
  fg_dirindex_add (x, 7, "libc.so.6", 11);
  CHECK_INT (fg_dirindex_find (x, 7, "libc.so", 7, &ino), 0);
  CHECK_INT (fg_dirindex_find (x, 7, "libc.so.6.1", 11, &ino), 0);
  CHECK_INT (fg_dirindex_find (x, 7, "libc.so.6/x", 9, &ino), 1);
  CHECK_INT (ino, 11);
  CHECK_INT (fg_dirindex_find (x, 8, "libc.so.6", 9, &ino), -1);
  fg_dirindex_free (x);
}

int
main (void)
{
  RUN (test_prefixes_are_distinct);
  RUN (test_answers_agree_with_the_truth);
  return TAP_DONE ();
}
