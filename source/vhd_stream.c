/* source/vhd_stream.c --- read a VHD front to back, without seeking
 *
 * First-gen XenServer-era images hold the system disk as image/image.vhd
 * inside the gzip'd tar: it can only be read in order.  Everything the
 * BAT says is validated against the member size before a block is read.
 */
#include "source/vhd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/endian.h"

struct bat_ref {
  uint64_t off;               /* byte offset of the block's bitmap */
  uint32_t idx;
};

struct vhd_stream {
  vhd_stream_read_fn rd;
  void *opaque;
  char *what;
  uint64_t file_size;
  uint64_t pos;               /* bytes consumed from the stream */
  int fixed;
  uint64_t size;              /* virtual size */
  uint32_t nblocks;
  uint32_t next;              /* fixed: next block; dynamic: next ref */
  struct bat_ref *refs;       /* dynamic: allocated blocks by offset */
  uint32_t nrefs;
  uint8_t footer0[VHD_FOOTER_SIZE];   /* fixed: the first data sector */
  uint8_t *block;
};

static int
read_exact (struct vhd_stream *s, void *buf, size_t len, struct fg_err *e)
{
  uint8_t *p = buf;

  while (len > 0) {
    ssize_t n = s->rd (s->opaque, p, len, e);
    if (n < 0)
      return -1;
    if (n == 0)
      return fg_err_set (e, FG_E_INPUT, "'%s': ends at offset %llu, before "
                         "the %llu bytes its tar header announced", s->what,
                         (unsigned long long) s->pos,
                         (unsigned long long) s->file_size);
    p += n;
    len -= (size_t) n;
    s->pos += (uint64_t) n;
  }
  return 0;
}

static int
skip_to (struct vhd_stream *s, uint64_t off, struct fg_err *e)
{
  uint8_t scratch[65536];

  if (off < s->pos)
    return fg_err_set (e, FG_E_INTERNAL, "'%s': stream went back", s->what);
  while (s->pos < off) {
    uint64_t n = off - s->pos;
    if (n > sizeof scratch)
      n = sizeof scratch;
    if (read_exact (s, scratch, (size_t) n, e) < 0)
      return -1;
  }
  return 0;
}

static int
cmp_ref (const void *a, const void *b)
{
  const struct bat_ref *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off;
}

static int
open_dynamic (struct vhd_stream *s, const struct vhd_footer *f,
              struct fg_err *e)
{
  uint8_t hbuf[VHD_HEADER_SIZE];
  struct vhd_header h;
  uint64_t bat_bytes, meta_end, limit = s->file_size - VHD_FOOTER_SIZE;
  uint8_t *bat;

  if (f->disk_type == VHD_TYPE_DIFF)
    return fg_err_set (e, FG_E_UNSUPPORTED, "'%s': a differencing disk; "
                       "its parent is not in the archive", s->what);
  if (f->disk_type != VHD_TYPE_DYNAMIC)
    return fg_err_set (e, FG_E_INPUT, "'%s': footer copy at offset 0 says "
                       "disk type %u; only dynamic disks have one", s->what,
                       f->disk_type);
  if (f->data_offset + VHD_HEADER_SIZE > limit)
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header offset %llu is "
                       "past the end of the file (%llu bytes)", s->what,
                       (unsigned long long) f->data_offset,
                       (unsigned long long) s->file_size);
  if (skip_to (s, f->data_offset, e) < 0 ||
      read_exact (s, hbuf, sizeof hbuf, e) < 0)
    return -1;
  vhd_header_decode (hbuf, &h);
  if (vhd_header_check (&h, f, s->what, e) < 0)
    return -1;
  if (h.block_size != VHD_BLOCK_SIZE)
    return fg_err_set (e, FG_E_UNSUPPORTED, "'%s': %u-byte blocks cannot "
                       "be streamed (only 2 MiB)", s->what, h.block_size);
  if (h.table_offset < f->data_offset + VHD_HEADER_SIZE)
    return fg_err_set (e, FG_E_UNSUPPORTED, "'%s': BAT at offset %llu lies "
                       "before the dynamic header; extract image.vhd and "
                       "convert the file itself", s->what,
                       (unsigned long long) h.table_offset);
  bat_bytes = (uint64_t) h.max_table_entries * 4;
  meta_end = h.table_offset + bat_bytes;
  if (meta_end > limit)
    return fg_err_set (e, FG_E_INPUT, "'%s': BAT (%u entries at offset "
                       "%llu) runs past the end of the file (%llu bytes)",
                       s->what, h.max_table_entries,
                       (unsigned long long) h.table_offset,
                       (unsigned long long) s->file_size);
  if (skip_to (s, h.table_offset, e) < 0)
    return -1;
  bat = malloc (bat_bytes ? bat_bytes : 1);
  s->refs = malloc ((size_t) s->nblocks * sizeof *s->refs + 1);
  if (bat == NULL || s->refs == NULL) {
    free (bat);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s': BAT", s->what);
  }
  if (read_exact (s, bat, bat_bytes, e) < 0) {
    free (bat);
    return -1;
  }
  for (uint32_t i = 0; i < s->nblocks; i++) {
    uint32_t v = fg_be32dec (bat + (size_t) i * 4);
    uint64_t off = (uint64_t) v * VHD_SECTOR;
    if (v == VHD_NO_BLOCK)
      continue;
    if (off < meta_end || off + VHD_SECTOR + VHD_BLOCK_SIZE > limit) {
      free (bat);
      return fg_err_set (e, FG_E_INPUT, "'%s': BAT entry %u points to "
                         "sector %u, outside the data area (%llu .. %llu)",
                         s->what, i, v, (unsigned long long) meta_end,
                         (unsigned long long) limit);
    }
    s->refs[s->nrefs].off = off;
    s->refs[s->nrefs].idx = i;
    s->nrefs++;
  }
  free (bat);
  qsort (s->refs, s->nrefs, sizeof *s->refs, cmp_ref);
  for (uint32_t i = 1; i < s->nrefs; i++)
    if (s->refs[i].off < s->refs[i - 1].off + VHD_SECTOR + VHD_BLOCK_SIZE)
      return fg_err_set (e, FG_E_INPUT, "'%s': BAT entries %u and %u "
                         "overlap (sectors %llu and %llu)", s->what,
                         s->refs[i - 1].idx, s->refs[i].idx,
                         (unsigned long long) (s->refs[i - 1].off / VHD_SECTOR),
                         (unsigned long long) (s->refs[i].off / VHD_SECTOR));
  return 0;
}

int
vhd_stream_open (struct vhd_stream **out, vhd_stream_read_fn rd,
                 void *opaque, uint64_t file_size, const char *what,
                 struct fg_err *e)
{
  struct vhd_stream *s = calloc (1, sizeof *s);
  struct vhd_footer f;

  *out = NULL;
  if (s == NULL || (s->what = strdup (what)) == NULL ||
      (s->block = malloc (VHD_BLOCK_SIZE)) == NULL) {
    vhd_stream_close (s);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", what);
  }
  s->rd = rd;
  s->opaque = opaque;
  s->file_size = file_size;
  if (file_size < 2 * VHD_FOOTER_SIZE) {
    fg_err_set (e, FG_E_INPUT, "'%s': %llu bytes is too small for a VHD",
                what, (unsigned long long) file_size);
    goto fail;
  }
  if (read_exact (s, s->footer0, VHD_FOOTER_SIZE, e) < 0)
    goto fail;
  vhd_footer_decode (s->footer0, &f);
  if (f.cookie_ok) {
    if (vhd_footer_check (&f, what, e) < 0)
      goto fail;
    s->size = f.current_size;
    s->nblocks = (uint32_t) ((s->size + VHD_BLOCK_SIZE - 1) / VHD_BLOCK_SIZE);
    if (open_dynamic (s, &f, e) < 0)
      goto fail;
  } else {
    /* No footer copy: a fixed disk, whose footer is at the end. */
    s->fixed = 1;
    s->size = file_size - VHD_FOOTER_SIZE;
    if (s->size % VHD_SECTOR != 0) {
      fg_err_set (e, FG_E_INPUT, "'%s': no VHD footer at offset 0, and "
                  "%llu bytes is not a fixed disk plus its footer", what,
                  (unsigned long long) file_size);
      goto fail;
    }
    s->nblocks = (uint32_t) ((s->size + VHD_BLOCK_SIZE - 1) / VHD_BLOCK_SIZE);
  }
  *out = s;
  return 0;

fail:
  vhd_stream_close (s);
  return -1;
}

uint64_t
vhd_stream_size (const struct vhd_stream *s)
{
  return s->size;
}

static int
check_trailer (struct vhd_stream *s, struct fg_err *e)
{
  uint8_t buf[VHD_FOOTER_SIZE];
  struct vhd_footer f;

  if (skip_to (s, s->file_size - VHD_FOOTER_SIZE, e) < 0 ||
      read_exact (s, buf, sizeof buf, e) < 0)
    return -1;
  vhd_footer_decode (buf, &f);
  if (vhd_footer_check (&f, s->what, e) < 0)
    return fg_err_prefix (e, "trailing footer");
  if (s->fixed) {
    if (f.disk_type != VHD_TYPE_FIXED || f.current_size != s->size)
      return fg_err_set (e, FG_E_INPUT, "'%s': trailing footer says %s "
                         "disk of %llu bytes, but the file holds a fixed "
                         "disk of %llu", s->what,
                         vhd_disk_type_name (f.disk_type),
                         (unsigned long long) f.current_size,
                         (unsigned long long) s->size);
  } else if (memcmp (buf, s->footer0, sizeof buf) != 0) {
    struct vhd_footer f0;
    vhd_footer_decode (s->footer0, &f0);
    if (f0.current_size != f.current_size || f0.disk_type != f.disk_type)
      return fg_err_set (e, FG_E_INPUT, "'%s': the footer at offset 0 and "
                         "the trailing footer describe different disks",
                         s->what);
    fg_warn ("'%s': footer copy at offset 0 differs from the trailing "
             "footer", s->what);
  }
  return 0;
}

int
vhd_stream_next (struct vhd_stream *s, uint32_t *idx, const uint8_t **data,
                 struct fg_err *e)
{
  if (s->fixed) {
    uint64_t off, len;
    if (s->next >= s->nblocks)
      return check_trailer (s, e) < 0 ? -1 : 0;
    off = (uint64_t) s->next * VHD_BLOCK_SIZE;
    len = s->size - off < VHD_BLOCK_SIZE ? s->size - off : VHD_BLOCK_SIZE;
    memset (s->block + len, 0, VHD_BLOCK_SIZE - len);
    if (off == 0) {
      memcpy (s->block, s->footer0, VHD_FOOTER_SIZE);
      if (read_exact (s, s->block + VHD_FOOTER_SIZE,
                      (size_t) len - VHD_FOOTER_SIZE, e) < 0)
        return -1;
    } else if (read_exact (s, s->block, (size_t) len, e) < 0)
      return -1;
    *idx = s->next++;
    *data = s->block;
    return 1;
  }
  if (s->next >= s->nrefs)
    return check_trailer (s, e) < 0 ? -1 : 0;
  {
    const struct bat_ref *r = &s->refs[s->next++];
    uint8_t bitmap[VHD_SECTOR];
    uint64_t end = s->size - (uint64_t) r->idx * VHD_BLOCK_SIZE;

    if (skip_to (s, r->off, e) < 0 ||
        read_exact (s, bitmap, sizeof bitmap, e) < 0 ||
        read_exact (s, s->block, VHD_BLOCK_SIZE, e) < 0)
      return -1;
    /* blktap reads sectors under a clear bit as zeros; make it so. */
    for (uint32_t k = 0; k < VHD_BLOCK_SIZE / VHD_SECTOR; k++)
      if (!vhd_bit_test (bitmap, k) ||
          (uint64_t) k * VHD_SECTOR >= end)
        memset (s->block + (size_t) k * VHD_SECTOR, 0, VHD_SECTOR);
    *idx = r->idx;
    *data = s->block;
    return 1;
  }
}

void
vhd_stream_close (struct vhd_stream *s)
{
  if (s == NULL)
    return;
  free (s->what);
  free (s->refs);
  free (s->block);
  free (s);
}
