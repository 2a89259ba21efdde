/* tests/tools/mkchain.c --- build a VHD differencing chain for the tests
 *
 *   mkchain DIR DEPTH MIB
 *
 * writes DIR/l0.vhd (dynamic base), DIR/l1.vhd (child of l0) ...
 * DIR/l<DEPTH-1>.vhd (the leaf), each level overriding scattered sectors
 * and whole blocks of the one below with its own pattern, and
 * DIR/expected.raw, the disk the whole chain must read as.  Built with
 * fg2ng's own writer; the readers that check it are qemu-img (leaf-only
 * view), vhdcheck.py (the chain) and fg2ng's reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "source/vhd.h"
#include "convert/vhd_write.h"

static uint32_t rng = 12345;

static uint32_t
next (void)
{
  rng = rng * 1103515245u + 12345u;
  return rng >> 8;
}

int
main (int argc, char **argv)
{
  struct fg_err e = FG_ERR_INIT;
  uint64_t size;
  uint32_t nblocks;
  int depth;
  uint8_t *disk, *blk, bitmap[VHD_BLOCK_SIZE / VHD_SECTOR / 8];
  char path[4096], parent[4096];
  int fd;

  if (argc != 4) {
    fprintf (stderr, "usage: mkchain DIR DEPTH MIB\n");
    return 2;
  }
  depth = atoi (argv[2]);
  size = (uint64_t) atoi (argv[3]) << 20;
  nblocks = (uint32_t) ((size + VHD_BLOCK_SIZE - 1) / VHD_BLOCK_SIZE);
  disk = calloc (1, nblocks * (size_t) VHD_BLOCK_SIZE);
  blk = malloc (VHD_BLOCK_SIZE);
  if (depth < 1 || size == 0 || disk == NULL || blk == NULL)
    return 2;
  for (int level = 0; level < depth; level++) {
    struct vhd_writer *w;
    struct vhd_writer_opts o = { 0 };

    snprintf (path, sizeof path, "%s/l%d.vhd", argv[1], level);
    o.kind = level ? VHD_WRITE_DIFF : VHD_WRITE_DYNAMIC;
    o.size = size;
    o.replace = 1;
    o.parent_path = level ? parent : NULL;
    o.hidden = level < depth - 1;
    if (vhd_writer_open (&w, path, &o, &e) < 0)
      goto fail;
    for (uint32_t b = 0; b < nblocks; b++) {
      int whole = level == 0 || next () % 4 == 0;
      if (level > 0 && next () % 3 == 0)
        continue;                       /* block untouched at this level */
      memcpy (blk, disk + (size_t) b * VHD_BLOCK_SIZE, VHD_BLOCK_SIZE);
      memset (bitmap, 0, sizeof bitmap);
      for (uint32_t s = 0; s < VHD_BLOCK_SIZE / VHD_SECTOR; s++) {
        if (!whole && next () % 5 != 0)
          continue;
        if ((uint64_t) b * VHD_BLOCK_SIZE + (uint64_t) s * VHD_SECTOR >= size)
          break;
        for (uint32_t i = 0; i < VHD_SECTOR; i++)
          blk[s * VHD_SECTOR + i] = (uint8_t) (level * 37 + s + i + b);
        vhd_bit_set (bitmap, s);
      }
      memcpy (disk + (size_t) b * VHD_BLOCK_SIZE, blk, VHD_BLOCK_SIZE);
      if (vhd_writer_put_sectors (w, b, blk, bitmap, &e) < 0) {
        vhd_writer_abort (w);
        goto fail;
      }
    }
    if (vhd_writer_finish (w, NULL, &e) < 0)
      goto fail;
    memcpy (parent, path, sizeof parent);
  }
  snprintf (path, sizeof path, "%s/expected.raw", argv[1]);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write (fd, disk, size) != (ssize_t) size || close (fd) < 0) {
    perror (path);
    return 1;
  }
  free (disk);
  free (blk);
  return 0;

fail:
  fg_err_print (&e, "mkchain", stderr);
  return 1;
}
