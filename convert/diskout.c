/* convert/diskout.c --- VHD (dynamic, fixed) or sparse raw output */
#include "convert/diskout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "source/vhd.h"
#include "convert/vhd_write.h"
#include "util/outfile.h"

struct fg_disk_out {
  enum fg_disk_format fmt;
  int replace;
  uint64_t size;
  uint32_t written;
  struct vhd_writer *vhd;     /* VHD formats */
  struct fg_outfile raw;      /* FG_DISK_RAW */
};

static const struct {
  const char *name;
  enum fg_disk_format fmt;
} formats[] = {
  { "vhd", FG_DISK_VHD },
  { "vhd-fixed", FG_DISK_VHD_FIXED },
  { "raw", FG_DISK_RAW },
};

int
fg_disk_format_parse (const char *s, enum fg_disk_format *f)
{
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
    if (strcmp (s, formats[i].name) == 0) {
      *f = formats[i].fmt;
      return 0;
    }
  return -1;
}

const char *
fg_disk_format_name (enum fg_disk_format f)
{
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
    if (formats[i].fmt == f)
      return formats[i].name;
  return "unknown";
}

int
fg_disk_out_open (struct fg_disk_out **out, const char *path,
                  enum fg_disk_format fmt, uint64_t size, int replace,
                  struct fg_err *e)
{
  struct fg_disk_out *d = calloc (1, sizeof *d);

  *out = NULL;
  if (d == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "disk output");
  d->fmt = fmt;
  d->size = size;
  d->replace = replace;
  d->raw.fd = -1;
  if (fmt == FG_DISK_RAW) {
    if (fg_outfile_open (&d->raw, path, replace ? FG_OUTFILE_REPLACE : 0,
                         e) < 0 ||
        fg_outfile_truncate (&d->raw, size, e) < 0) {
      fg_disk_out_abort (d);
      return -1;
    }
  } else {
    struct vhd_writer_opts o = {
      .kind = fmt == FG_DISK_VHD_FIXED ? VHD_WRITE_FIXED : VHD_WRITE_DYNAMIC,
      .size = size,
      .replace = replace,
    };
    if (vhd_writer_open (&d->vhd, path, &o, e) < 0) {
      free (d);
      return -1;
    }
  }
  *out = d;
  return 0;
}

static int
all_zero (const uint8_t *p, size_t n)
{
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

int
fg_disk_out_put_block (struct fg_disk_out *d, uint32_t idx,
                       const uint8_t *data, struct fg_err *e)
{
  uint64_t off = (uint64_t) idx * VHD_BLOCK_SIZE;
  uint64_t len;

  if (off >= d->size)
    return fg_err_set (e, FG_E_INTERNAL, "block %u is past the disk end",
                       idx);
  len = d->size - off < VHD_BLOCK_SIZE ? d->size - off : VHD_BLOCK_SIZE;
  if (all_zero (data, (size_t) len))
    return 0;
  d->written++;
  if (d->fmt == FG_DISK_RAW)
    return fg_outfile_pwrite (&d->raw, data, (size_t) len, off, e);
  return vhd_writer_put_block (d->vhd, idx, data, e);
}

uint64_t
fg_disk_out_size (const struct fg_disk_out *d)
{
  return d->vhd ? vhd_writer_size (d->vhd) : d->size;
}

uint32_t
fg_disk_out_blocks_written (const struct fg_disk_out *d)
{
  return d->written;
}

int
fg_disk_out_finish (struct fg_disk_out *d, uint8_t uuid[16],
                    struct fg_err *e)
{
  int rc;

  if (d->fmt == FG_DISK_RAW) {
    rc = fg_outfile_commit (&d->raw, d->replace ? FG_OUTFILE_REPLACE : 0, e);
    if (uuid)
      memset (uuid, 0, 16);
  } else {
    rc = vhd_writer_finish (d->vhd, uuid, e);
    d->vhd = NULL;
  }
  fg_disk_out_abort (d);
  return rc;
}

void
fg_disk_out_abort (struct fg_disk_out *d)
{
  if (d == NULL)
    return;
  fg_outfile_abort (&d->raw);
  vhd_writer_abort (d->vhd);
  free (d);
}
