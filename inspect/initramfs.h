/* inspect/initramfs.h --- the names inside an initramfs, listed in passing
 *
 * An initramfs is a cpio archive (newc, or the old formats), compressed
 * with gzip, bzip2, xz, lzma, lz4 or zstd, possibly preceded by an
 * uncompressed cpio holding early microcode (dracut, and initramfs-tools
 * since 2013).  libarchive reads all of these; its input is pulled
 * through a callback, so the caller can feed it straight from the tar
 * member being streamed: nothing is extracted and memory stays bounded
 * by libarchive's own buffers, whatever the initramfs's size.
 *
 * The listing records only what inspection needs: whether the Xen disk
 * and network drivers (xen-blkfront, xen-netfront; xenblk and xennet in
 * the XenLinux kernels of RHEL 5 and SLES 10/11) are in it.
 * What libarchive cannot read is reported as unreadable, never guessed.
 */
#ifndef FG_INSPECT_INITRAMFS_H
#define FG_INSPECT_INITRAMFS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum fg_initramfs_status {
  FG_INITRAMFS_NOT_LISTED = 0,  /* no initramfs seen (or not looked at) */
  FG_INITRAMFS_LISTED,          /* every member's name was read */
  FG_INITRAMFS_UNREADABLE,      /* libarchive could not read it (all) */
};

struct fg_initramfs {
  enum fg_initramfs_status status;
  int xen_blkfront;             /* 1 seen in the listing, else 0 */
  int xen_netfront;
  uint64_t members;             /* names read (of every segment) */
  unsigned segments;            /* cpio archives back to back */
  char format[64];              /* "cpio+gzip", "cpio, cpio+zstd" */
  char why[200];                /* unreadable: libarchive's words */
};

/* The source of the bytes: 1 and the next stretch in *BUF (valid until
 * the next call), 0 at the end, -1 when the source itself failed (its
 * error is the caller's to keep). */
typedef int (*fg_initramfs_next_fn) (void *opaque, const void **buf,
                                     size_t *len);

/* List what NEXT delivers into *OUT.  Returns 0 (*OUT says whether the
 * content was readable), or -1 only when NEXT failed. */
int fg_initramfs_list (fg_initramfs_next_fn next, void *opaque,
                       struct fg_initramfs *out);

/* The same for a file on the host (a copy downloaded from a guest). */
int fg_initramfs_list_file (const char *path, struct fg_initramfs *out,
                            struct fg_err *e);

/* The status as a word for reports: "listed", "unreadable", "not-listed". */
const char *fg_initramfs_status_name (enum fg_initramfs_status s);

/* True if NAME (a path in the initramfs, or under lib/modules) is the
 * Xen block (WHICH 'b') or network ('n') front-end driver module. */
int fg_initramfs_is_xen_module (const char *name, int which);

#endif
