/* inspect/source.c --- each kind of source inspected as its kind is
 *
 * Kept apart from both inspectors, which then depend on nothing of each
 * other's but the shared noting and identification of inspect.c.
 */
#include "inspect/source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "convert/blockconv.h"
#include "source/diskprobe.h"
#include "source/vhd.h"

int
fg_inspect_src_folder (const struct fg_source *src, enum fg_progress_mode pm,
                       struct fg_inspection *in, struct fg_err *e)
{
  return fg_inspect_dir (src->path, pm, in, e);
}

int
fg_inspect_src_file_parts (const struct fg_source *src,
                           enum fg_progress_mode pm,
                           struct fg_inspection *in, struct fg_err *e)
{
  return fg_inspect_parts (&src->parts, pm, in, e);
}

int
fg_inspect_src_block_parts (const struct fg_source *src,
                            enum fg_progress_mode pm,
                            struct fg_inspection *in, struct fg_err *e)
{
  const struct fg_parts *parts = &src->parts;
  char dir[4096], path[4200];
  struct fg_block_opts o = { .format = FG_DISK_RAW, .replace = 1,
                             .progress = FG_PROGRESS_NONE };
  struct fg_block_result res;
  const char *tmp = getenv ("TMPDIR");
  int rc;

  (void) pm;
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
fg_inspect_src_disk (const struct fg_source *src, enum fg_progress_mode pm,
                     struct fg_inspection *in, struct fg_err *e)
{
  const char *sig, *source = src->path;

  (void) pm;
  if (fg_disk_probe (source, NULL, 0, &sig, e) < 0 &&
      e->kind != FG_E_INPUT)
    return -1;
  if (fg_err_is_set (e))
    fg_err_clear (e);           /* a chain without its parents: see below */
  else if (sig == NULL)
    return fg_err_set (e, FG_E_INPUT, "'%s': no partition table and no "
                       "file system in its first %u KiB: not a disk image",
                       source, FG_PROBE_BYTES >> 10);
  if (src->vhd) {
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
  return fg_inspect_disk (source, NULL, src->vhd ? "vpc" : "raw", in, e);
}
