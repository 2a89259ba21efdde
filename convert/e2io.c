/* convert/e2io.c --- io_manager over convert/vhd_write's random access */
#include "convert/e2io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chan {
  struct fg_e2io_target *t;
};

static errcode_t e2_open (const char *name, int flags, io_channel *out);

static errcode_t
e2_close (io_channel ch)
{
  if (--ch->refcount > 0)
    return 0;
  free (ch->private_data);
  free (ch->name);
  free (ch);
  return 0;
}

static errcode_t
e2_set_blksize (io_channel ch, int blksize)
{
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

static errcode_t
e2_read_blk64 (io_channel ch, unsigned long long block, int count, void *data)
{
  struct fg_e2io_target *t = ((struct chan *) ch->private_data)->t;
  uint64_t off;
  size_t len;

  if (extent_of (ch, block, count, &off, &len) < 0 ||
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

  if (extent_of (ch, block, count, &off, &len) < 0 ||
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
  if (vhd_writer_pwrite (t->w, data, (size_t) size, t->base + offset,
                         &t->err) < 0)
    return EXT2_ET_SHORT_WRITE;
  return 0;
}

static errcode_t
e2_flush (io_channel ch)
{
  (void) ch;
  return 0;       /* nothing cached here; vhd_writer_finish fsyncs */
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
  return vhd_writer_pwrite (t->w, buf, len, t->base + off, e);
}
