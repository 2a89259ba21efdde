/* inspect/source.c --- what kind of source a path is, and its inspector
 *
 * The one place that tells the inspectors apart: a folder is walked
 * (fg_inspect_dir), a file that holds a disk goes to libguestfs
 * (fg_inspect_disk), parts are probed for their layout and either
 * streamed (file level, fg_inspect_parts) or unpacked to a scratch disk
 * for libguestfs (block level).  Kept apart from both inspectors, which
 * then depend on nothing of each other's but the shared noting and
 * identification of inspect.c.
 */
#include "inspect/inspect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "convert/blockconv.h"
#include "source/diskprobe.h"
#include "source/tarstream.h"
#include "source/vhd.h"

/* A block-level image's disk, streamed out of its parts into a sparse
 * scratch file (libguestfs needs random access), inspected, removed. */
static int
inspect_block_parts (const struct fg_parts *parts, struct fg_inspection *in,
                     struct fg_err *e)
{
  char dir[4096], path[4200];
  struct fg_block_opts o = { .format = FG_DISK_RAW, .replace = 1,
                             .progress = FG_PROGRESS_NONE };
  struct fg_block_result res;
  const char *tmp = getenv ("TMPDIR");
  int rc;

  snprintf (dir, sizeof dir, "%s/fg2ng-inspect-XXXXXX",
            tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp (dir) == NULL)
    return fg_err_errno (e, FG_E_IO, errno, "cannot make a scratch folder");
  snprintf (path, sizeof path, "%s/disk.raw", dir);
  rc = fg_convert_block_parts (parts, path, &o, &res, e);
  if (rc == 0)
    rc = fg_inspect_disk (path, parts->name, "raw", in, e);
  unlink (path);
  rmdir (dir);
  in->archive_bytes = parts->total;
  return rc;
}

int
fg_inspect_source (const char *source, enum fg_progress_mode pm,
                   struct fg_inspection *in, struct fg_err *e)
{
  struct fg_parts parts;
  enum fg_source_kind kind;
  enum fg_layout layout;
  int rc;

  if (fg_parts_find (source, &kind, &parts, e) < 0)
    return -1;
  if (kind == FG_SOURCE_DIR)
    return fg_inspect_dir (source, pm, in, e);
  if (kind == FG_SOURCE_FILE) {
    const char *sig;
    int vhd;
    /* Not a disk at all: said at once, without starting a VM. */
    if (fg_disk_probe (source, NULL, 0, &sig, e) < 0 &&
        e->kind != FG_E_INPUT)
      return -1;
    if (fg_err_is_set (e))
      fg_err_clear (e);         /* a chain without its parents: see below */
    else if (sig == NULL)
      return fg_err_set (e, FG_E_INPUT, "'%s': no partition table and no "
                         "file system in its first %u KiB: not a disk image",
                         source, FG_PROBE_BYTES >> 10);
    vhd = vhd_probe_file (source, e);
    if (vhd < 0)
      return -1;
    if (vhd) {
      struct vhd_chain *c;
      if (vhd_chain_open (&c, source, NULL, 0, e) < 0)
        return -1;
      if (vhd_chain_depth (c) > 1) {
        vhd_chain_close (c);
        return fg_err_set (e, FG_E_UNSUPPORTED, "'%s' is a differencing "
                           "VHD: convert the chain to one disk first, then "
                           "inspect that", source);
      }
      vhd_chain_close (c);
    }
    rc = fg_inspect_disk (source, NULL, vhd ? "vpc" : "raw", in, e);
    return rc;
  }
  rc = fg_tar_probe_layout (&parts, &layout, e);
  if (rc == 0 && layout == FG_LAYOUT_BLOCK)
    rc = inspect_block_parts (&parts, in, e);
  else if (rc == 0)
    rc = fg_inspect_parts (&parts, pm, in, e);
  fg_parts_release (&parts);
  return rc;
}
