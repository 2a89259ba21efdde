/* convert/blockconv.c --- copy a disk block by block, skipping zeros */
#include "convert/blockconv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/tarstream.h"
#include "source/vhd.h"
#include "util/cleanup.h"

/* A random-access disk: a VHD chain or a raw file. */
struct disk_in {
  struct vhd_chain *chain;
  int fd;
  uint64_t size;
  const char *path;
};

static int
disk_may_have_data (const struct disk_in *d, uint64_t off, uint64_t len)
{
  off_t data;

  if (d->chain)
    return vhd_chain_may_have_data (d->chain, off, len);
  data = lseek (d->fd, (off_t) off, SEEK_DATA);
  if (data < 0)
    return errno == ENXIO ? 0 : 1;   /* ENXIO: only a hole follows */
  return (uint64_t) data < off + len;
}

static int
disk_read (struct disk_in *d, uint8_t *buf, uint64_t off, size_t len,
           struct fg_err *e)
{
  size_t got = 0;

  if (d->chain)
    return vhd_chain_read (d->chain, buf, off, len, e);
  while (got < len) {
    ssize_t n = pread (d->fd, buf + got, len - got, (off_t) (off + got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fg_err_errno (e, FG_E_INPUT, n < 0 ? errno : EIO,
                           "cannot read '%s' at offset %llu", d->path,
                           (unsigned long long) (off + got));
    got += (size_t) n;
  }
  return 0;
}

static int
copy_disk (struct disk_in *in, const char *out, const struct fg_block_opts *o,
           struct fg_block_result *res, struct fg_err *e)
{
  struct fg_disk_out *d = NULL;
  struct fg_progress p;
  uint8_t *buf = malloc (VHD_BLOCK_SIZE);
  uint32_t nblocks = (uint32_t) ((in->size + VHD_BLOCK_SIZE - 1)
                                 / VHD_BLOCK_SIZE);

  if (buf == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "block buffer");
  if (fg_disk_out_open (&d, out, o->format, in->size, o->replace, e) < 0) {
    free (buf);
    return -1;
  }
  fg_progress_start (&p, o->progress, "convert", in->size);
  for (uint32_t i = 0; i < nblocks; i++) {
    uint64_t off = (uint64_t) i * VHD_BLOCK_SIZE;
    size_t len = in->size - off < VHD_BLOCK_SIZE
      ? (size_t) (in->size - off) : VHD_BLOCK_SIZE;

    fg_progress_update (&p, off);
    if (!disk_may_have_data (in, off, len))
      continue;
    if (len < VHD_BLOCK_SIZE)
      memset (buf + len, 0, VHD_BLOCK_SIZE - len);
    res->bytes_in += len;
    if (disk_read (in, buf, off, len, e) < 0 ||
        fg_disk_out_put_block (d, i, buf, e) < 0)
      goto fail;
  }
  fg_progress_update (&p, in->size);
  res->virtual_size = fg_disk_out_size (d);
  res->blocks_total = nblocks;
  res->blocks_written = fg_disk_out_blocks_written (d);
  free (buf);
  fg_progress_end (&p, 1);
  return fg_disk_out_finish (d, res->uuid, e);

fail:
  fg_progress_end (&p, 0);
  free (buf);
  fg_disk_out_abort (d);
  return -1;
}

int
fg_convert_disk_file (const char *src, const char *out,
                      const struct fg_block_opts *o,
                      struct fg_block_result *res, struct fg_err *e)
{
  struct disk_in in = { .fd = -1, .path = src };
  int is_vhd, rc;

  memset (res, 0, sizeof *res);
  is_vhd = vhd_probe_file (src, e);
  if (is_vhd < 0)
    return -1;
  if (is_vhd) {
    if (vhd_chain_open (&in.chain, src, o->parents, o->nparents, e) < 0)
      return -1;
    in.size = vhd_chain_size (in.chain);
    res->source_kind = "vhd";
    res->chain_depth = vhd_chain_depth (in.chain);
  } else {
    struct stat st;
    if (o->nparents > 0)
      return fg_err_set (e, FG_E_USAGE, "--parent given, but '%s' is not a "
                         "VHD", src);
    in.fd = open (src, O_RDONLY | O_CLOEXEC);
    if (in.fd < 0 || fstat (in.fd, &st) < 0) {
      rc = fg_err_errno (e, FG_E_INPUT, errno, "cannot open '%s'", src);
      if (in.fd >= 0)
        close (in.fd);
      return rc;
    }
    if (S_ISBLK (st.st_mode)) {
      off_t end = lseek (in.fd, 0, SEEK_END);
      st.st_size = end > 0 ? end : 0;
    }
    in.size = (uint64_t) st.st_size;
    res->source_kind = "raw";
    if (in.size == 0) {
      close (in.fd);
      return fg_err_set (e, FG_E_INPUT, "'%s' is empty: not a disk", src);
    }
    if (in.size > VHD_MAX_DISK_SIZE && o->format != FG_DISK_RAW) {
      close (in.fd);
      return fg_err_set (e, FG_E_INPUT, "'%s' is %llu bytes, more than "
                         "the 2040 GiB a VHD can hold", src,
                         (unsigned long long) in.size);
    }
  }
  rc = copy_disk (&in, out, o, res, e);
  vhd_chain_close (in.chain);
  if (in.fd >= 0)
    close (in.fd);
  if (rc < 0)
    fg_err_prefix (e, "converting '%s'", src);
  return rc;
}

static ssize_t
tar_member_read (void *opaque, void *buf, size_t cap, struct fg_err *e)
{
  return fg_tar_read (opaque, buf, cap, e);
}

/* Stream the member into a new output, left open in *DP: the caller
 * commits it only once the whole archive has been read and checked. */
static int
stream_vhd (struct fg_tar *t, const char *member, uint64_t member_size,
            const struct fg_parts *parts, const char *out,
            const struct fg_block_opts *o, struct fg_block_result *res,
            struct fg_disk_out **dp, struct fg_err *e)
{
  struct vhd_stream *s = NULL;
  struct fg_disk_out *d = NULL;
  struct fg_progress p;
  char what[1024];
  int rc;
  uint32_t idx;
  const uint8_t *data;

  snprintf (what, sizeof what, "%s:%s", parts->name, member);
  if (vhd_stream_open (&s, tar_member_read, t, member_size, what, e) < 0)
    return -1;
  res->virtual_size = vhd_stream_size (s);
  res->blocks_total = (uint32_t) ((res->virtual_size + VHD_BLOCK_SIZE - 1)
                                  / VHD_BLOCK_SIZE);
  if (fg_disk_out_open (&d, out, o->format, res->virtual_size, o->replace,
                        e) < 0) {
    vhd_stream_close (s);
    return -1;
  }
  fg_progress_start (&p, o->progress, "convert", parts->total);
  while ((rc = vhd_stream_next (s, &idx, &data, e)) > 0) {
    fg_progress_update (&p, fg_tar_in_pos (t));
    if (fg_disk_out_put_block (d, idx, data, e) < 0) {
      rc = -1;
      break;
    }
  }
  vhd_stream_close (s);
  if (rc < 0) {
    fg_progress_end (&p, 0);
    fg_disk_out_abort (d);
    return -1;
  }
  res->blocks_written = fg_disk_out_blocks_written (d);
  res->virtual_size = fg_disk_out_size (d);
  fg_progress_end (&p, 1);
  *dp = d;
  return 0;
}

int
fg_convert_block_parts (const struct fg_parts *parts, const char *out,
                        const struct fg_block_opts *o,
                        struct fg_block_result *res, struct fg_err *e)
{
  struct fg_tar *t = NULL;
  struct fg_disk_out *d = NULL;
  struct archive_entry *ent;
  int rc, found = 0;

  memset (res, 0, sizeof *res);
  res->source_kind = "first-gen block";
  if (fg_tar_open (&t, parts, e) < 0)
    return -1;
  while ((rc = fg_tar_next (t, &ent, e)) > 0) {
    const char *name = archive_entry_pathname (ent);
    if (archive_entry_filetype (ent) == AE_IFDIR)
      continue;
    if (name == NULL || !fg_tar_is_image_vhd (name)) {
      if (!found) {
        rc = fg_err_set (e, FG_E_UNSUPPORTED, "'%s' is a file-level image "
                         "(its first file is '%s', not image/image.vhd)",
                         parts->name, name ? name : "?");
        break;
      }
      fg_warn ("'%s': member '%s' after image/image.vhd ignored",
               parts->name, name ? name : "?");
      continue;
    }
    if (archive_entry_filetype (ent) != AE_IFREG) {
      rc = fg_err_set (e, FG_E_INPUT, "'%s': member '%s' is not a regular "
                       "file", parts->name, name);
      break;
    }
    if (found) {
      rc = fg_err_set (e, FG_E_INPUT, "'%s': member '%s' appears twice",
                       parts->name, name);
      break;
    }
    found = 1;
    rc = stream_vhd (t, name, (uint64_t) archive_entry_size (ent), parts,
                     out, o, res, &d, e);
    if (rc < 0)
      break;
    /* Keep reading to the end: a damaged tail (bad CRC) must still fail
     * the conversion, and a second image.vhd is refused. */
  }
  if (rc == 0 && !found)
    rc = fg_err_set (e, FG_E_INPUT, "'%s' holds no files", parts->name);
  res->bytes_in = fg_tar_in_pos (t);
  fg_tar_close (t);
  if (rc < 0) {
    fg_disk_out_abort (d);
    return -1;
  }
  return fg_disk_out_finish (d, res->uuid, e);
}
