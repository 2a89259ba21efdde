/* convert/vhd_write.c --- write VHDs the way XenServer's vhd-util does
 *
 * Layout of a dynamic (or differencing) disk, as blktap's __vhd_create:
 *   [footer copy @0][header @512][BAT @1536, padded][batmap header]
 *   [batmap][parent locators MacX, W2ku, W2ru (differencing)]
 *   [blocks: bitmap sector + 2 MiB data][footer]
 * The BAT size is known from the disk size up front, so blocks are
 * appended as they arrive (in any order) and the metadata is written at
 * the end.  As blktap does, each block's data starts on a 4 KiB boundary
 * (the bitmap sector sits just before it); the gaps stay holes.
 */
#include "convert/vhd_write.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/endian.h"
#include "util/outfile.h"

#define DATA_ALIGN 4096u
#define BAT_OFFSET 1536u
#define SECTORS_PER_BLOCK (VHD_BLOCK_SIZE / VHD_SECTOR)

struct vhd_writer {
  struct fg_outfile out;
  enum vhd_write_kind kind;
  int replace;
  uint64_t size;
  uint32_t nblocks;
  uint32_t *bat;            /* host order, VHD_NO_BLOCK when absent */
  uint8_t *batmap;          /* one bit per block: bitmap all ones */
  uint64_t batmap_len;      /* bytes, padded */
  uint64_t next_data;       /* where the next block's data would start */
  uint64_t end;             /* end of metadata or of the last block */
  uint32_t allocated;
  struct vhd_footer footer;
  struct vhd_header header;
  uint8_t loc_data[3][VHD_LOCATOR_SPACE];
};

static uint64_t
round_up (uint64_t v, uint64_t to)
{
  return (v + to - 1) / to * to;
}

static int
all_zero (const uint8_t *p, size_t n)
{
  /* memcmp against itself shifted by one: vectorised by libc. */
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

static int
fresh_uuid (uint8_t uuid[16], struct fg_err *e)
{
  size_t got = 0;

  while (got < 16) {
    ssize_t n = getrandom (uuid + got, 16 - got, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return fg_err_errno (e, FG_E_IO, errno, "cannot make a disk UUID");
    }
    got += (size_t) n;
  }
  uuid[6] = (uint8_t) ((uuid[6] & 0x0f) | 0x40);  /* RFC 4122 version 4 */
  uuid[8] = (uint8_t) ((uuid[8] & 0x3f) | 0x80);
  return 0;
}

/* Read what a child needs of its parent: the footer (UUID, size) and the
 * mtime that blktap stores as the parent timestamp. */
static int
read_parent (const char *path, struct vhd_footer *pf, time_t *mtime,
             struct fg_err *e)
{
  uint8_t buf[VHD_FOOTER_SIZE];
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return fg_err_errno (e, FG_E_INPUT, errno, "cannot open parent '%s'",
                         path);
  if (fstat (fd, &st) < 0 || st.st_size < (off_t) VHD_FOOTER_SIZE) {
    close (fd);
    return fg_err_set (e, FG_E_INPUT, "parent '%s' is too small to be a VHD",
                       path);
  }
  n = pread (fd, buf, sizeof buf, st.st_size - (off_t) VHD_FOOTER_SIZE);
  close (fd);
  if (n != (ssize_t) sizeof buf)
    return fg_err_errno (e, FG_E_INPUT, n < 0 ? errno : EIO,
                         "cannot read the footer of parent '%s'", path);
  vhd_footer_decode (buf, pf);
  if (vhd_footer_check (pf, path, e) < 0)
    return -1;
  *mtime = st.st_mtime;
  return 0;
}

static int
same_folder (const char *a, const char *b)
{
  char *ca = strdup (a), *cb = strdup (b);
  int same = 0;

  if (ca && cb) {
    char *da = realpath (dirname (ca), NULL), *db = realpath (dirname (cb), NULL);
    same = da && db && strcmp (da, db) == 0;
    free (da);
    free (db);
  }
  free (ca);
  free (cb);
  return same;
}

static int
setup_parent (struct vhd_writer *w, const char *path, const char *parent,
              struct fg_err *e)
{
  static const uint32_t codes[3] = { VHD_LOC_MACX, VHD_LOC_W2KU, VHD_LOC_W2RU };
  struct vhd_footer pf;
  time_t mtime = 0;
  char *copy;
  const char *name;
  int rc = -1;

  if (parent == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "differencing disk without parent");
  if (read_parent (parent, &pf, &mtime, e) < 0)
    return -1;
  if (pf.current_size > w->size)
    return fg_err_set (e, FG_E_INPUT, "child of '%s' would be smaller "
                       "(%llu bytes) than its parent (%llu bytes)", parent,
                       (unsigned long long) w->size,
                       (unsigned long long) pf.current_size);
  /* Locators hold "./NAME", as blktap writes for a parent beside the
   * child; the Glance importer relinks them anyway. */
  if (!same_folder (path, parent))
    return fg_err_set (e, FG_E_USAGE, "parent '%s' must be in the same "
                       "folder as '%s'", parent, path);
  copy = strdup (parent);
  if (copy == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "parent name");
  name = basename (copy);
  memcpy (w->header.parent_uuid, pf.uuid, 16);
  w->header.parent_timestamp = vhd_time_from_unix (mtime);
  if (vhd_parent_name_encode (name, w->header.parent_name) < 0) {
    fg_err_set (e, FG_E_USAGE, "parent name '%s' must be ASCII and at most "
                "256 characters", name);
    goto out;
  }
  for (int i = 0; i < 3; i++) {
    int len = vhd_locator_encode (codes[i], name, w->loc_data[i],
                                  VHD_LOCATOR_SPACE);
    if (len < 0) {
      fg_err_set (e, FG_E_USAGE, "parent name '%s' is too long for a "
                  "locator", name);
      goto out;
    }
    w->header.loc[i].code = codes[i];
    w->header.loc[i].data_space = VHD_LOCATOR_SPACE;
    w->header.loc[i].data_len = (uint32_t) len;
  }
  rc = 0;
out:
  free (copy);
  return rc;
}

/* The footer of a disk of W->size bytes, as blktap writes it. */
static int
footer_init (struct vhd_writer *w, const struct vhd_writer_opts *o,
             struct fg_err *e)
{
  time_t now = o->now ? o->now : time (NULL);

  w->footer.features = 2;
  w->footer.format_version = 0x00010000;
  w->footer.timestamp = vhd_time_from_unix (now);
  memcpy (w->footer.creator_app, "tap", 4);    /* "tap\0", NUL included */
  w->footer.creator_version = VHD_TAP_VERSION;
  w->footer.creator_os = 0;                    /* as blktap */
  w->footer.original_size = w->size;
  w->footer.current_size = w->size;
  vhd_chs (w->size, &w->footer.cylinders, &w->footer.heads,
           &w->footer.sectors);
  w->footer.hidden = o->hidden ? 1 : 0;
  if (o->kind == VHD_WRITE_FIXED) {
    w->footer.disk_type = VHD_TYPE_FIXED;
    w->footer.data_offset = UINT64_MAX;
  } else {
    w->footer.disk_type = o->kind == VHD_WRITE_DIFF ? VHD_TYPE_DIFF
      : VHD_TYPE_DYNAMIC;
    w->footer.data_offset = VHD_FOOTER_SIZE;
  }
  if (o->uuid) {
    memcpy (w->footer.uuid, o->uuid, 16);
    return 0;
  }
  return fresh_uuid (w->footer.uuid, e);
}

/* A dynamic or differencing disk's header, its empty block table and
 * batmap, and where the metadata ends and the first block goes. */
static int
sparse_init (struct vhd_writer *w, const char *path,
             const struct vhd_writer_opts *o, struct fg_err *e)
{
  uint64_t meta_end, cksum_len;

  w->header.data_offset = UINT64_MAX;
  w->header.table_offset = BAT_OFFSET;
  w->header.header_version = 0x00010000;
  w->header.max_table_entries = w->nblocks;
  w->header.block_size = VHD_BLOCK_SIZE;
  if (o->kind == VHD_WRITE_DIFF &&
      setup_parent (w, path, o->parent_path, e) < 0)
    return -1;
  w->bat = malloc ((size_t) w->nblocks * sizeof *w->bat);
  w->batmap_len = vhd_batmap_bytes (w->nblocks);
  cksum_len = (uint64_t) vhd_batmap_cksum_sectors (w->size) * VHD_SECTOR;
  if (w->batmap_len < cksum_len)
    w->batmap_len = cksum_len;
  w->batmap = calloc (1, w->batmap_len);
  if (w->bat == NULL || w->batmap == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "VHD block table");
  for (uint32_t i = 0; i < w->nblocks; i++)
    w->bat[i] = VHD_NO_BLOCK;
  meta_end = BAT_OFFSET + vhd_bat_bytes (w->nblocks) + VHD_SECTOR
    + w->batmap_len;
  if (o->kind == VHD_WRITE_DIFF)
    for (int i = 0; i < 3; i++) {
      w->header.loc[i].data_offset = meta_end;
      meta_end += VHD_LOCATOR_SPACE;
    }
  w->end = meta_end;
  w->next_data = round_up (meta_end + VHD_SECTOR, DATA_ALIGN);
  return 0;
}

int
vhd_writer_open (struct vhd_writer **wp, const char *path,
                 const struct vhd_writer_opts *o, struct fg_err *e)
{
  struct vhd_writer *w;

  *wp = NULL;
  if (o->size == 0 || o->size > VHD_MAX_DISK_SIZE)
    return fg_err_set (e, FG_E_INPUT, "disk size %llu bytes is outside "
                       "1 byte .. 2040 GiB, the VHD limit",
                       (unsigned long long) o->size);
  w = calloc (1, sizeof *w);
  if (w == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "VHD writer");
  w->out.fd = -1;
  w->kind = o->kind;
  w->replace = o->replace;
  w->size = round_up (o->size, VHD_BLOCK_SIZE);
  w->nblocks = (uint32_t) ((w->size + VHD_BLOCK_SIZE - 1) / VHD_BLOCK_SIZE);
  if (footer_init (w, o, e) < 0 ||
      (o->kind != VHD_WRITE_FIXED && sparse_init (w, path, o, e) < 0) ||
      fg_outfile_open (&w->out, path, o->replace ? FG_OUTFILE_REPLACE : 0,
                       e) < 0) {
    vhd_writer_abort (w);
    return -1;
  }
  *wp = w;
  return 0;
}

/* Write a block's data but leave its all-zero pages as holes of the
 * file: they read back as zeros, cost no disk, and are not copied.
 * (qemu-img convert does the same.) */
static int
write_nonzero (struct vhd_writer *w, const uint8_t *data, uint64_t off,
               struct fg_err *e)
{
  const size_t page = 4096;
  size_t run = 0, start = 0;

  for (size_t i = 0; i <= VHD_BLOCK_SIZE; i += page) {
    int zero = i == VHD_BLOCK_SIZE || all_zero (data + i, page);
    if (!zero) {
      if (run == 0)
        start = i;
      run += page;
      continue;
    }
    if (run && fg_outfile_pwrite (&w->out, data + start, run, off + start,
                                  e) < 0)
      return -1;
    run = 0;
  }
  return 0;
}

static int allocate_block (struct vhd_writer *w, uint32_t idx,
                           const uint8_t *bitmap, struct fg_err *e);

static int
write_block (struct vhd_writer *w, uint32_t idx, const uint8_t *data,
             const uint8_t *bitmap, struct fg_err *e)
{
  uint64_t data_off = w->next_data;

  if (w->bat[idx] != VHD_NO_BLOCK)
    return fg_err_set (e, FG_E_INTERNAL, "VHD block %u written twice", idx);
  if (allocate_block (w, idx, bitmap, e) < 0)
    return -1;
  return write_nonzero (w, data, data_off, e);
}

static int
check_index (const struct vhd_writer *w, uint32_t idx, struct fg_err *e)
{
  if (idx >= w->nblocks)
    return fg_err_set (e, FG_E_INTERNAL, "VHD block %u is past the last "
                       "block %u of '%s'", idx, w->nblocks - 1, w->out.path);
  return 0;
}

int
vhd_writer_put_block (struct vhd_writer *w, uint32_t idx,
                      const uint8_t *data, struct fg_err *e)
{
  if (check_index (w, idx, e) < 0)
    return -1;
  if (w->kind == VHD_WRITE_FIXED) {
    uint64_t off = (uint64_t) idx * VHD_BLOCK_SIZE;
    uint64_t len = w->size - off < VHD_BLOCK_SIZE ? w->size - off
      : VHD_BLOCK_SIZE;
    if (all_zero (data, len))
      return 0;                 /* left as a hole */
    w->allocated++;
    return fg_outfile_pwrite (&w->out, data, len, off, e);
  }
  /* A child's zero block hides its parent's data, so it is kept. */
  if (w->kind == VHD_WRITE_DYNAMIC && all_zero (data, VHD_BLOCK_SIZE))
    return 0;
  return write_block (w, idx, data, NULL, e);
}

int
vhd_writer_put_sectors (struct vhd_writer *w, uint32_t idx,
                        const uint8_t *data, const uint8_t *bitmap,
                        struct fg_err *e)
{
  uint8_t *copy;
  int rc;

  if (check_index (w, idx, e) < 0)
    return -1;
  if (w->kind == VHD_WRITE_FIXED)
    return fg_err_set (e, FG_E_INTERNAL, "sector bitmaps on a fixed VHD");
  /* Data under a clear bit must read as zero whoever reads it (qemu
   * ignores bitmaps), so clear it in a copy. */
  copy = malloc (VHD_BLOCK_SIZE);
  if (copy == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "VHD block");
  memcpy (copy, data, VHD_BLOCK_SIZE);
  for (uint32_t s = 0; s < SECTORS_PER_BLOCK; s++)
    if (!vhd_bit_test (bitmap, s))
      memset (copy + (size_t) s * VHD_SECTOR, 0, VHD_SECTOR);
  rc = write_block (w, idx, copy, bitmap, e);
  free (copy);
  return rc;
}

/* Give block IDX a place in the file: its sector bitmap (BITMAP, or all
 * ones when NULL: every sector belongs to this file) goes down now, its
 * data area stays a hole that reads as zeros until written.  The batmap
 * marks the block full only when every bit is set. */
static int
allocate_block (struct vhd_writer *w, uint32_t idx, const uint8_t *bitmap,
                struct fg_err *e)
{
  uint8_t bm[VHD_SECTOR];
  uint64_t bm_off = w->next_data - VHD_SECTOR;
  int full = 1;

  memset (bm, 0, sizeof bm);
  if (bitmap)
    memcpy (bm, bitmap, SECTORS_PER_BLOCK / 8);
  else
    memset (bm, 0xff, SECTORS_PER_BLOCK / 8);
  for (uint32_t i = 0; i < SECTORS_PER_BLOCK / 8; i++)
    if (bm[i] != 0xff)
      full = 0;
  if (fg_outfile_pwrite (&w->out, bm, sizeof bm, bm_off, e) < 0)
    return -1;
  w->bat[idx] = (uint32_t) (bm_off / VHD_SECTOR);
  if (full)
    vhd_bit_set (w->batmap, idx);
  w->allocated++;
  w->end = w->next_data + VHD_BLOCK_SIZE;
  w->next_data = round_up (w->end + VHD_SECTOR, DATA_ALIGN);
  return 0;
}

static int
check_range (const struct vhd_writer *w, size_t len, uint64_t off,
             struct fg_err *e)
{
  if (off > w->size || len > w->size - off)
    return fg_err_set (e, FG_E_INTERNAL, "access of %zu bytes at %llu is "
                       "past the end of '%s' (%llu bytes)", len,
                       (unsigned long long) off, w->out.path,
                       (unsigned long long) w->size);
  if (w->kind == VHD_WRITE_DIFF)
    return fg_err_set (e, FG_E_INTERNAL, "random access to a differencing "
                       "disk");
  return 0;
}

/* The file offset of virtual offset OFF, or 0 if its block is absent. */
static uint64_t
file_offset (const struct vhd_writer *w, uint64_t off)
{
  uint32_t e;

  if (w->kind == VHD_WRITE_FIXED)
    return off;
  e = w->bat[off / VHD_BLOCK_SIZE];
  if (e == VHD_NO_BLOCK)
    return 0;
  return (uint64_t) e * VHD_SECTOR + VHD_SECTOR + off % VHD_BLOCK_SIZE;
}

int
vhd_writer_pwrite (struct vhd_writer *w, const void *buf, size_t len,
                   uint64_t off, struct fg_err *e)
{
  const uint8_t *p = buf;

  if (check_range (w, len, off, e) < 0)
    return -1;
  if (w->kind == VHD_WRITE_FIXED)
    return fg_outfile_pwrite (&w->out, buf, len, off, e);
  while (len > 0) {
    uint64_t in_blk = off % VHD_BLOCK_SIZE;
    size_t n = VHD_BLOCK_SIZE - in_blk < len ? VHD_BLOCK_SIZE - in_blk : len;
    uint32_t idx = (uint32_t) (off / VHD_BLOCK_SIZE);

    if (w->bat[idx] == VHD_NO_BLOCK) {
      if (all_zero (p, n))
        goto next;
      if (allocate_block (w, idx, NULL, e) < 0)
        return -1;
    }
    if (fg_outfile_pwrite (&w->out, p, n, file_offset (w, off), e) < 0)
      return -1;
  next:
    p += n;
    off += n;
    len -= n;
  }
  return 0;
}

int
vhd_writer_pread (struct vhd_writer *w, void *buf, size_t len, uint64_t off,
                  struct fg_err *e)
{
  uint8_t *p = buf;

  if (check_range (w, len, off, e) < 0)
    return -1;
  while (len > 0) {
    uint64_t in_blk = off % VHD_BLOCK_SIZE;
    size_t n = VHD_BLOCK_SIZE - in_blk < len ? VHD_BLOCK_SIZE - in_blk : len;
    uint64_t foff = file_offset (w, off);

    if (w->kind != VHD_WRITE_FIXED && foff == 0)
      memset (p, 0, n);
    else {
      size_t got = 0;
      while (got < n) {
        ssize_t r = pread (w->out.fd, p + got, n - got, (off_t) (foff + got));
        if (r < 0 && errno == EINTR)
          continue;
        if (r < 0)
          return fg_err_errno (e, FG_E_IO, errno, "cannot read back '%s' at "
                               "offset %llu", w->out.path,
                               (unsigned long long) (foff + got));
        if (r == 0) {
          /* Past the file's current end: a hole not yet extended. */
          memset (p + got, 0, n - got);
          break;
        }
        got += (size_t) r;
      }
    }
    p += n;
    off += n;
    len -= n;
  }
  return 0;
}

uint64_t
vhd_writer_size (const struct vhd_writer *w)
{
  return w->size;
}

uint32_t
vhd_writer_allocated (const struct vhd_writer *w)
{
  return w->allocated;
}

static int
write_metadata (struct vhd_writer *w, struct fg_err *e)
{
  uint8_t buf[VHD_HEADER_SIZE];
  uint64_t bat_bytes = vhd_bat_bytes (w->nblocks);
  uint64_t batmap_hdr = BAT_OFFSET + bat_bytes;
  struct vhd_batmap_header bh = { 0 };
  uint8_t *bat = calloc (1, bat_bytes);
  int rc;

  if (bat == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "VHD block table");
  for (uint32_t i = 0; i < w->nblocks; i++)
    fg_be32enc (bat + (size_t) i * 4, w->bat[i]);
  vhd_header_encode (&w->header, buf);
  bh.map_offset = batmap_hdr + VHD_SECTOR;
  bh.map_sectors = (uint32_t) (vhd_batmap_bytes (w->nblocks) / VHD_SECTOR);
  bh.version = VHD_BATMAP_VERSION;
  bh.checksum = vhd_batmap_checksum (w->batmap,
                                     (size_t) vhd_batmap_cksum_sectors (w->size)
                                     * VHD_SECTOR);
  rc = fg_outfile_pwrite (&w->out, buf, VHD_HEADER_SIZE, VHD_FOOTER_SIZE, e);
  if (rc == 0)
    rc = fg_outfile_pwrite (&w->out, bat, bat_bytes, BAT_OFFSET, e);
  free (bat);
  if (rc < 0)
    return -1;
  vhd_batmap_header_encode (&bh, buf);
  if (fg_outfile_pwrite (&w->out, buf, VHD_SECTOR, batmap_hdr, e) < 0 ||
      fg_outfile_pwrite (&w->out, w->batmap, vhd_batmap_bytes (w->nblocks),
                         bh.map_offset, e) < 0)
    return -1;
  for (int i = 0; i < VHD_MAX_LOCATORS; i++)
    if (w->header.loc[i].code != VHD_LOC_NONE &&
        fg_outfile_pwrite (&w->out, w->loc_data[i], VHD_LOCATOR_SPACE,
                           w->header.loc[i].data_offset, e) < 0)
      return -1;
  return 0;
}

int
vhd_writer_finish (struct vhd_writer *w, uint8_t uuid_out[16],
                   struct fg_err *e)
{
  uint8_t foot[VHD_FOOTER_SIZE];
  uint64_t end;

  vhd_footer_encode (&w->footer, foot);
  if (w->kind == VHD_WRITE_FIXED)
    end = w->size;
  else {
    if (write_metadata (w, e) < 0)
      goto fail;
    end = w->end;   /* the footer follows the last block or the metadata */
    if (fg_outfile_pwrite (&w->out, foot, sizeof foot, 0, e) < 0)
      goto fail;
  }
  if (fg_outfile_truncate (&w->out, end, e) < 0 ||
      fg_outfile_pwrite (&w->out, foot, sizeof foot, end, e) < 0 ||
      fg_outfile_commit (&w->out, w->replace ? FG_OUTFILE_REPLACE : 0, e) < 0)
    goto fail;
  if (uuid_out)
    memcpy (uuid_out, w->footer.uuid, 16);
  vhd_writer_abort (w);         /* frees; the file is already committed */
  return 0;

fail:
  vhd_writer_abort (w);
  return -1;
}

void
vhd_writer_abort (struct vhd_writer *w)
{
  if (w == NULL)
    return;
  fg_outfile_abort (&w->out);
  free (w->bat);
  free (w->batmap);
  free (w);
}
