/* source/diskprobe.h --- is this a disk at all?
 *
 * Before a disk is copied, its first sectors are looked at for a
 * partition table or a file system: a text file, a zeroed file or random
 * bytes have neither, and converting them would make a "server" that
 * cannot boot.  This is a cheap test with no VM; whether the disk holds
 * an operating system is the inspection's question.
 */
#ifndef FG_SOURCE_DISKPROBE_H
#define FG_SOURCE_DISKPROBE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* What the first FG_PROBE_BYTES of a disk need to be read for. */
#define FG_PROBE_BYTES (68u << 10)

/* The partition table or file system the bytes BUF[0..LEN) (the start of
 * a virtual disk) show: "mbr", "gpt", "ext", "ntfs", "fat", "xfs",
 * "lvm2", "btrfs", "swap", "luks", "iso9660", "reiserfs", or NULL for
 * none.  Pure: bytes in, a static name out. */
const char *fg_disk_signature (const uint8_t *buf, size_t len);

/* The same for the virtual disk of PATH (raw, VHD, or VHD chain with
 * PARENTS as the reader takes them): *KIND gets the name or NULL.  -1 when
 * PATH cannot be read. */
int fg_disk_probe (const char *path, const char *const *parents,
                   size_t nparents, const char **kind, struct fg_err *e);

#endif
