/* source/diskprobe.c --- see diskprobe.h */
#include "source/diskprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/vhd.h"
#include "util/endian.h"

static int
at (const uint8_t *buf, size_t len, size_t off, const char *magic, size_t n)
{
  return off + n <= len && memcmp (buf + off, magic, n) == 0;
}

/* An MBR with at least one partition entry in use.  (A FAT boot sector
 * has the 55 AA mark too; it is found as "fat" first.) */
static int
mbr_in_use (const uint8_t *buf, size_t len)
{
  if (len < 512 || buf[510] != 0x55 || buf[511] != 0xaa)
    return 0;
  for (int i = 0; i < 4; i++) {
    const uint8_t *p = buf + 446 + 16 * i;
    if (p[4] != 0 && fg_le32dec (p + 12) != 0 &&
        (p[0] == 0 || p[0] == 0x80))
      return 1;
  }
  return 0;
}

const char *
fg_disk_signature (const uint8_t *buf, size_t len)
{
  if (at (buf, len, 512, "EFI PART", 8))
    return "gpt";
  if (at (buf, len, 3, "NTFS    ", 8))
    return "ntfs";
  if (len >= 512 && buf[510] == 0x55 && buf[511] == 0xaa &&
      (at (buf, len, 54, "FAT", 3) || at (buf, len, 82, "FAT32", 5)))
    return "fat";
  if (mbr_in_use (buf, len))
    return "mbr";
  if (len >= 1024 + 58 && fg_le16dec (buf + 1024 + 56) == 0xef53)
    return "ext";
  if (at (buf, len, 0, "XFSB", 4))
    return "xfs";
  for (size_t s = 0; s < 4; s++)
    if (at (buf, len, 512 * s, "LABELONE", 8))
      return "lvm2";
  if (at (buf, len, 0, "LUKS\xba\xbe", 6))
    return "luks";
  if (at (buf, len, 4096 - 10, "SWAPSPACE2", 10) ||
      at (buf, len, 4096 - 10, "SWAP-SPACE", 10))
    return "swap";
  if (at (buf, len, 32769, "CD001", 5))
    return "iso9660";
  if (at (buf, len, 65536 + 64, "_BHRfS_M", 8))
    return "btrfs";
  if (at (buf, len, 65536 + 52, "ReIsEr", 6))
    return "reiserfs";
  return NULL;
}

int
fg_disk_probe (const char *path, const char *const *parents, size_t nparents,
               const char **kind, struct fg_err *e)
{
  uint8_t *buf = calloc (1, FG_PROBE_BYTES);
  size_t len = 0;
  int vhd, rc = -1;

  *kind = NULL;
  if (buf == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "probe");
  vhd = vhd_probe_file (path, e);
  if (vhd < 0)
    goto out;
  if (vhd) {
    struct vhd_chain *c;
    if (vhd_chain_open (&c, path, parents, nparents, e) < 0)
      goto out;
    len = vhd_chain_size (c) < FG_PROBE_BYTES ? (size_t) vhd_chain_size (c)
      : FG_PROBE_BYTES;
    rc = vhd_chain_read (c, buf, 0, len, e);
    vhd_chain_close (c);
    if (rc < 0)
      goto out;
  } else {
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0) {
      fg_err_errno (e, FG_E_INPUT, errno, "cannot open '%s'", path);
      goto out;
    }
    while (len < FG_PROBE_BYTES &&
           (n = pread (fd, buf + len, FG_PROBE_BYTES - len, (off_t) len)) > 0)
      len += (size_t) n;
    close (fd);
  }
  *kind = fg_disk_signature (buf, len);
  rc = 0;
out:
  free (buf);
  return rc;
}
