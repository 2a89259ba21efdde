/* convert/e2io.c --- io_manager over convert/vhd_write's random access
 *
 * libext2fs reads and rewrites the same few metadata blocks over and
 * over: each inode's table block, the bitmaps, and above all a folder's
 * blocks, scanned from the first on every lookup and every link (a folder
 * is a linked list of blocks, not a tree, as mke2fs -d leaves it).  So
 * single-block I/O goes through a write-back cache of a few thousand
 * blocks, set-associative with LRU inside a set, as unix_io keeps its
 * own (smaller) one: a folder of thousands of entries is scanned from
 * memory instead of one pread per block per member.  Multi-block and
 * byte-range I/O, and the bulk data written by fg_e2io_pwrite, go to the
 * VHD directly after writing back and dropping the cached blocks they
 * overlap, so the cache never holds a stale block.  Memory is bounded:
 * CACHE_SETS * CACHE_WAYS blocks at most (8 MiB at 4 KiB).
 */
#include "convert/e2io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SETS 512u
#define CACHE_WAYS 4u

struct line {
  unsigned long long block;
  uint64_t used;                /* LRU stamp; 0 = empty */
  int dirty;
  uint8_t *data;                /* block_size bytes, allocated on first use */
};

struct fg_e2io_cache {
  size_t bsize;                 /* block size the lines hold */
  uint64_t clock;
  struct line lines[CACHE_SETS * CACHE_WAYS];
};

struct chan {
  struct fg_e2io_target *t;
};

static errcode_t e2_open (const char *name, int flags, io_channel *out);

/* ---- the block cache ------------------------------------------------- */

static struct line *
cache_set (struct fg_e2io_cache *c, unsigned long long block)
{
  /* Fibonacci hashing: inode tables and bitmaps are runs of consecutive
   * blocks, folders are scattered; both spread over the sets. */
  uint64_t h = (uint64_t) block * 0x9E3779B97F4A7C15ull;
  return &c->lines[(h >> 55) % CACHE_SETS * CACHE_WAYS];
}

static struct line *
cache_find (struct fg_e2io_cache *c, unsigned long long block)
{
  struct line *set = cache_set (c, block);

  for (unsigned i = 0; i < CACHE_WAYS; i++)
    if (set[i].used && set[i].block == block)
      return &set[i];
  return NULL;
}

static int
line_write_back (struct fg_e2io_target *t, struct line *l)
{
  if (!l->dirty)
    return 0;
  if (vhd_writer_pwrite (t->w, l->data, t->cache->bsize,
                         t->base + l->block * t->cache->bsize, &t->err) < 0)
    return -1;
  l->dirty = 0;
  return 0;
}

/* A line for BLOCK, not yet filled: an empty way, or the least recently
 * used one written back first. */
static struct line *
cache_claim (struct fg_e2io_target *t, unsigned long long block)
{
  struct fg_e2io_cache *c = t->cache;
  struct line *set = cache_set (c, block), *victim = &set[0];

  for (unsigned i = 0; i < CACHE_WAYS; i++) {
    if (set[i].used == 0) {
      victim = &set[i];
      break;
    }
    if (set[i].used < victim->used)
      victim = &set[i];
  }
  if (victim->used && line_write_back (t, victim) < 0)
    return NULL;
  if (victim->data == NULL &&
      (victim->data = malloc (c->bsize)) == NULL) {
    fg_err_errno (&t->err, FG_E_INTERNAL, ENOMEM, "block cache");
    return NULL;
  }
  victim->used = 0;
  victim->block = block;
  victim->dirty = 0;
  return victim;
}

/* The cached blocks overlapping bytes [OFF, OFF+LEN) of the partition:
 * written back if dirty, and if DROP forgotten too (a block the range
 * covers whole is about to be replaced: it is not written back). */
static int
settle_range (struct fg_e2io_target *t, uint64_t off, uint64_t len, int drop)
{
  struct fg_e2io_cache *c = t->cache;

  if (c == NULL || c->bsize == 0 || len == 0)
    return 0;
  for (unsigned long long b = off / c->bsize;
       b <= (off + len - 1) / c->bsize; b++) {
    struct line *l = cache_find (c, b);
    int covered = b * c->bsize >= off && (b + 1) * c->bsize <= off + len;
    if (l == NULL)
      continue;
    if (!(drop && covered) && line_write_back (t, l) < 0)
      return -1;
    if (drop) {
      l->used = 0;
      l->dirty = 0;
    }
  }
  return 0;
}

static int
cache_flush (struct fg_e2io_target *t)
{
  struct fg_e2io_cache *c = t->cache;

  if (c == NULL)
    return 0;
  for (size_t i = 0; i < CACHE_SETS * CACHE_WAYS; i++)
    if (c->lines[i].used && line_write_back (t, &c->lines[i]) < 0)
      return -1;
  return 0;
}

static void
cache_free (struct fg_e2io_target *t)
{
  if (t->cache == NULL)
    return;
  for (size_t i = 0; i < CACHE_SETS * CACHE_WAYS; i++)
    free (t->cache->lines[i].data);
  free (t->cache);
  t->cache = NULL;
}

/* After a block size change: every line's size is wrong. */
static int
cache_reset (struct fg_e2io_target *t, size_t bsize)
{
  struct fg_e2io_cache *c = t->cache;

  if (c && c->bsize == bsize)
    return 0;
  if (cache_flush (t) < 0)
    return -1;
  cache_free (t);
  c = calloc (1, sizeof *c);
  if (c == NULL)
    return fg_err_errno (&t->err, FG_E_INTERNAL, ENOMEM, "block cache");
  c->bsize = bsize;
  t->cache = c;
  return 0;
}

static errcode_t
e2_close (io_channel ch)
{
  struct fg_e2io_target *t = ((struct chan *) ch->private_data)->t;
  errcode_t rc = 0;

  if (--ch->refcount > 0)
    return 0;
  if (cache_flush (t) < 0)
    rc = EXT2_ET_SHORT_WRITE;
  cache_free (t);
  free (ch->private_data);
  free (ch->name);
  free (ch);
  return rc;
}

static errcode_t
e2_set_blksize (io_channel ch, int blksize)
{
  struct fg_e2io_target *t = ((struct chan *) ch->private_data)->t;

  if (blksize <= 0 || cache_reset (t, (size_t) blksize) < 0)
    return EXT2_ET_NO_MEMORY;
  ch->block_size = blksize;
  return 0;
}



/* count > 0: blocks; count < 0: -count bytes (ext2_io.h convention). */
static int
extent_of (io_channel ch, unsigned long long block, int count,
           uint64_t *off, size_t *len)
{
  struct fg_e2io_target *t = ((struct chan *) ch->private_data)->t;

  *off = block * (uint64_t) ch->block_size;
  *len = count < 0 ? (size_t) -count : (size_t) count * (size_t) ch->block_size;
  if (*off > t->size || *len > t->size - *off) {
    fg_err_set (&t->err, FG_E_INTERNAL, "file system block %llu is past "
                "the end of its partition", block);
    return -1;
  }
  return 0;
}

/* One block through the cache; the caller checked the range. */
static int
cached_read (struct fg_e2io_target *t, unsigned long long block, void *data)
{
  struct fg_e2io_cache *c = t->cache;
  struct line *l = cache_find (c, block);

  if (l == NULL) {
    if ((l = cache_claim (t, block)) == NULL)
      return -1;
    if (vhd_writer_pread (t->w, l->data, c->bsize, t->base + block * c->bsize,
                          &t->err) < 0)
      return -1;              /* the line stays empty */
  }
  l->used = ++c->clock;
  memcpy (data, l->data, c->bsize);
  return 0;
}

static int
cached_write (struct fg_e2io_target *t, unsigned long long block,
              const void *data)
{
  struct fg_e2io_cache *c = t->cache;
  struct line *l = cache_find (c, block);

  if (l == NULL && (l = cache_claim (t, block)) == NULL)
    return -1;
  memcpy (l->data, data, c->bsize);
  l->dirty = 1;
  l->used = ++c->clock;
  return 0;
}

static int
single_cached_block (io_channel ch, int count)
{
  struct fg_e2io_target *t = ((struct chan *) ch->private_data)->t;

  return count == 1 && t->cache && t->cache->bsize == (size_t) ch->block_size;
}

static errcode_t
e2_read_blk64 (io_channel ch, unsigned long long block, int count, void *data)
{
  struct fg_e2io_target *t = ((struct chan *) ch->private_data)->t;
  uint64_t off;
  size_t len;

  if (extent_of (ch, block, count, &off, &len) < 0)
    return EXT2_ET_SHORT_READ;
  if (single_cached_block (ch, count))
    return cached_read (t, block, data) < 0 ? EXT2_ET_SHORT_READ : 0;
  /* Dirty cached blocks in the range go to the VHD first; the read then
   * sees them. */
  if (settle_range (t, off, len, 0) < 0 ||
      vhd_writer_pread (t->w, data, len, t->base + off, &t->err) < 0)
    return EXT2_ET_SHORT_READ;
  return 0;
}

static errcode_t
e2_write_blk64 (io_channel ch, unsigned long long block, int count,
                const void *data)
{
  struct fg_e2io_target *t = ((struct chan *) ch->private_data)->t;
  uint64_t off;
  size_t len;

  if (extent_of (ch, block, count, &off, &len) < 0)
    return EXT2_ET_SHORT_WRITE;
  if (single_cached_block (ch, count))
    return cached_write (t, block, data) < 0 ? EXT2_ET_SHORT_WRITE : 0;
  if (settle_range (t, off, len, 1) < 0 ||
      vhd_writer_pwrite (t->w, data, len, t->base + off, &t->err) < 0)
    return EXT2_ET_SHORT_WRITE;
  return 0;
}

static errcode_t
e2_read_blk (io_channel ch, unsigned long block, int count, void *data)
{
  return e2_read_blk64 (ch, block, count, data);
}

static errcode_t
e2_write_blk (io_channel ch, unsigned long block, int count, const void *data)
{
  return e2_write_blk64 (ch, block, count, data);
}

static errcode_t
e2_write_byte (io_channel ch, unsigned long offset, int size, const void *data)
{
  struct fg_e2io_target *t = ((struct chan *) ch->private_data)->t;

  if (size < 0 || offset > t->size || (uint64_t) size > t->size - offset)
    return EXT2_ET_SHORT_WRITE;
  if (settle_range (t, offset, (uint64_t) size, 1) < 0)
    return EXT2_ET_SHORT_WRITE;
  if (vhd_writer_pwrite (t->w, data, (size_t) size, t->base + offset,
                         &t->err) < 0)
    return EXT2_ET_SHORT_WRITE;
  return 0;
}

static errcode_t
e2_flush (io_channel ch)
{
  struct fg_e2io_target *t = ((struct chan *) ch->private_data)->t;

  /* Into the VHD; vhd_writer_finish fsyncs it. */
  return cache_flush (t) < 0 ? EXT2_ET_SHORT_WRITE : 0;
}

static errcode_t
e2_set_option (io_channel ch, const char *option, const char *arg)
{
  (void) ch;
  (void) option;
  (void) arg;
  return EXT2_ET_INVALID_ARGUMENT;
}

static errcode_t
e2_discard (io_channel ch, unsigned long long block, unsigned long long count)
{
  (void) ch;
  (void) block;
  (void) count;
  return EXT2_ET_UNIMPLEMENTED;
}

static errcode_t
e2_zeroout (io_channel ch, unsigned long long block, unsigned long long count)
{
  uint8_t *zero;
  errcode_t rc = 0;

  /* Blocks never written read as zeros; blocks written since must be
   * overwritten.  Chunked so memory stays bounded. */
  zero = calloc (1, 1u << 20);
  if (zero == NULL)
    return EXT2_ET_NO_MEMORY;
  while (count > 0 && rc == 0) {
    unsigned long long per = (1u << 20) / (unsigned) ch->block_size;
    unsigned long long n = count < per ? count : per;
    rc = e2_write_blk64 (ch, block, (int) n, zero);
    block += n;
    count -= n;
  }
  free (zero);
  return rc;
}

static struct struct_io_manager manager = {
  .magic = EXT2_ET_MAGIC_IO_MANAGER,
  .name = "fg2ng VHD I/O manager",
  .open = e2_open,
  .close = e2_close,
  .set_blksize = e2_set_blksize,
  .read_blk = e2_read_blk,
  .write_blk = e2_write_blk,
  .flush = e2_flush,
  .write_byte = e2_write_byte,
  .set_option = e2_set_option,
  .read_blk64 = e2_read_blk64,
  .write_blk64 = e2_write_blk64,
  .discard = e2_discard,
  .zeroout = e2_zeroout,
};

io_manager
fg_e2io_manager (void)
{
  return &manager;
}

void
fg_e2io_name (struct fg_e2io_target *t, char *buf, size_t cap)
{
  snprintf (buf, cap, "fg2ng-vhd:%p", (void *) t);
}

static errcode_t
e2_open (const char *name, int flags, io_channel *out)
{
  void *ptr = NULL;
  io_channel ch;
  struct chan *c;

  (void) flags;
  if (name == NULL || sscanf (name, "fg2ng-vhd:%p", &ptr) != 1 || !ptr)
    return EXT2_ET_BAD_DEVICE_NAME;
  ch = calloc (1, sizeof *ch);
  c = calloc (1, sizeof *c);
  if (ch == NULL || c == NULL || (ch->name = strdup (name)) == NULL) {
    free (ch);
    free (c);
    return EXT2_ET_NO_MEMORY;
  }
  c->t = ptr;
  ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
  ch->manager = &manager;
  ch->block_size = 1024;
  ch->refcount = 1;
  ch->private_data = c;
  *out = ch;
  return 0;
}

int
fg_e2io_pwrite (struct fg_e2io_target *t, const void *buf, size_t len,
                uint64_t off, struct fg_err *e)
{
  if (off > t->size || len > t->size - off)
    return fg_err_set (e, FG_E_INTERNAL, "write past the partition end");
  if (settle_range (t, off, len, 1) < 0) {
    *e = t->err;
    return -1;
  }
  return vhd_writer_pwrite (t->w, buf, len, t->base + off, e);
}
