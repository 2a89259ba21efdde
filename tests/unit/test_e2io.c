/* tests/unit/test_e2io.c --- the VHD io_manager and its block cache
 *
 * A seeded random mix of the operations libext2fs and fsbuild issue
 * (single-block reads and writes, multi-block ones, byte-range writes,
 * bulk writes past the manager with fg_e2io_pwrite, flushes) runs against
 * the manager and against a plain memory copy of the partition.  Every
 * read must match the copy, and once the channel is closed the VHD itself
 * must hold the copy byte for byte: a stale or lost cached block fails.
 * The partition is four times larger than the cache, so lines are
 * evicted and written back all the time.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "convert/e2io.h"
#include "source/vhd.h"
#include "convert/vhd_write.h"
#include "tests/unit/tap.h"

#define BSZ 4096u
#define PART_BASE (1u << 20)
#define PART_BLOCKS 8192u          /* 32 MiB: 4 x the cache's 2048 blocks */
#define PART_SIZE ((uint64_t) PART_BLOCKS * BSZ)

static char tmpdir[256];

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint64_t
next_rand (void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void
fill (uint8_t *p, size_t len, uint64_t tag)
{
  for (size_t i = 0; i < len; i++)
    p[i] = (uint8_t) ((tag * 131 + i * 7) >> 3);
}

struct rig {
  struct vhd_writer *w;
  struct fg_e2io_target t;
  io_channel ch;
  uint8_t *model;
};

static int
rig_open (struct rig *r, const char *path)
{
  struct vhd_writer_opts wo = { .kind = VHD_WRITE_DYNAMIC,
                                .size = PART_BASE + PART_SIZE };
  struct fg_err e = FG_ERR_INIT;
  char name[64];

  memset (r, 0, sizeof *r);
  if (vhd_writer_open (&r->w, path, &wo, &e) < 0) {
    printf ("# %s\n", e.msg);
    return -1;
  }
  r->t.w = r->w;
  r->t.base = PART_BASE;
  r->t.size = PART_SIZE;
  fg_e2io_name (&r->t, name, sizeof name);
  if (fg_e2io_manager ()->open (name, IO_FLAG_RW, &r->ch) != 0 ||
      io_channel_set_blksize (r->ch, BSZ) != 0)
    return -1;
  r->model = calloc (1, PART_SIZE);
  return r->model ? 0 : -1;
}

/* Compare the partition as the VHD holds it with the model. */
static long
first_difference (struct rig *r)
{
  static uint8_t buf[1u << 20];
  struct fg_err e = FG_ERR_INIT;

  for (uint64_t off = 0; off < PART_SIZE; off += sizeof buf) {
    if (vhd_writer_pread (r->w, buf, sizeof buf, PART_BASE + off, &e) < 0)
      return (long) off;
    for (size_t i = 0; i < sizeof buf; i++)
      if (buf[i] != r->model[off + i])
        return (long) (off + i);
  }
  return -1;
}

static void
test_random_mix_matches_model (void)
{
  char path[512];
  struct rig r;
  uint8_t *buf = malloc (64 * BSZ);
  unsigned read_mismatch = 0, ops = 40000;

  snprintf (path, sizeof path, "%s/mix.vhd", tmpdir);
  CHECK (buf != NULL);
  if (buf == NULL || rig_open (&r, path) < 0) {
    CHECK (!"rig opened");
    free (buf);
    return;
  }
  for (unsigned n = 0; n < ops; n++) {
    uint64_t pick = next_rand () % 100;
    /* Mostly a working set of 3000 blocks (more than the cache holds),
     * sometimes anywhere. */
    unsigned long long blk = next_rand () % (pick < 80 ? 3000 : PART_BLOCKS);
    int count = 1 + (int) (next_rand () % 16);

    if (blk + (unsigned) count > PART_BLOCKS)
      blk = PART_BLOCKS - (unsigned) count;
    if (pick < 35) {                            /* one block, read */
      CHECK_INT (io_channel_read_blk64 (r.ch, blk, 1, buf), 0);
      if (memcmp (buf, r.model + blk * BSZ, BSZ) != 0)
        read_mismatch++;
    } else if (pick < 70) {                     /* one block, written */
      fill (buf, BSZ, n);
      CHECK_INT (io_channel_write_blk64 (r.ch, blk, 1, buf), 0);
      memcpy (r.model + blk * BSZ, buf, BSZ);
    } else if (pick < 78) {                     /* several, read */
      CHECK_INT (io_channel_read_blk64 (r.ch, blk, count, buf), 0);
      if (memcmp (buf, r.model + blk * BSZ, (size_t) count * BSZ) != 0)
        read_mismatch++;
    } else if (pick < 86) {                     /* several, written */
      fill (buf, (size_t) count * BSZ, n);
      CHECK_INT (io_channel_write_blk64 (r.ch, blk, count, buf), 0);
      memcpy (r.model + blk * BSZ, buf, (size_t) count * BSZ);
    } else if (pick < 91) {                     /* bytes, unaligned */
      uint64_t off = blk * BSZ + next_rand () % BSZ;
      int len = 1 + (int) (next_rand () % (3 * BSZ));
      if (off + (unsigned) len > PART_SIZE)
        len = (int) (PART_SIZE - off);
      fill (buf, (size_t) len, n);
      CHECK_INT (io_channel_write_byte (r.ch, (unsigned long) off, len, buf),
                 0);
      memcpy (r.model + off, buf, (size_t) len);
    } else if (pick < 99) {                     /* bulk data, past libext2fs */
      uint64_t off = blk * BSZ + (next_rand () % 2 ? next_rand () % BSZ : 0);
      size_t len = 1 + next_rand () % ((size_t) count * BSZ);
      struct fg_err e = FG_ERR_INIT;
      if (off + len > PART_SIZE)
        len = (size_t) (PART_SIZE - off);
      fill (buf, len, n);
      CHECK_INT (fg_e2io_pwrite (&r.t, buf, len, off, &e), 0);
      memcpy (r.model + off, buf, len);
    } else {
      CHECK_INT (io_channel_flush (r.ch), 0);
    }
  }
  CHECK_INT (read_mismatch, 0);
  CHECK_INT (io_channel_close (r.ch), 0);
  CHECK (r.t.cache == NULL);
  {
    long at = first_difference (&r);
    if (at >= 0)
      printf ("#   the VHD differs from the model at partition byte %ld\n",
              at);
    CHECK_INT (at, -1);
  }
  vhd_writer_abort (r.w);
  free (r.model);
  free (buf);
}

/* Closing writes back what only the cache held. */
static void
test_close_writes_back (void)
{
  char path[512];
  struct rig r;
  uint8_t blk[BSZ];

  snprintf (path, sizeof path, "%s/close.vhd", tmpdir);
  if (rig_open (&r, path) < 0) {
    CHECK (!"rig opened");
    return;
  }
  fill (blk, BSZ, 99);
  CHECK_INT (io_channel_write_blk64 (r.ch, 5, 1, blk), 0);
  memcpy (r.model + 5 * BSZ, blk, BSZ);
  CHECK_INT (io_channel_close (r.ch), 0);
  CHECK_INT (first_difference (&r), -1);
  vhd_writer_abort (r.w);
  free (r.model);
}

int
main (void)
{
  const char *base = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";

  snprintf (tmpdir, sizeof tmpdir, "%s/test_e2io.XXXXXX", base);
  if (mkdtemp (tmpdir) == NULL) {
    printf ("Bail out! cannot make a temporary folder\n");
    return 1;
  }
  RUN (test_close_writes_back);
  RUN (test_random_mix_matches_model);
  rmdir (tmpdir);
  return TAP_DONE ();
}
