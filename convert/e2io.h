/* convert/e2io.h --- a libext2fs I/O manager that writes into a VHD
 *
 * libext2fs reaches storage through an io_manager (e2fsprogs'
 * lib/ext2fs/ext2_io.h); this one maps the file system's blocks onto a
 * byte range of the VHD being written (the partition), so the file
 * system is built in place: no temporary image, nothing outside the
 * output file.  Single blocks are cached (write-back, bounded): the
 * file system reaches the VHD when libext2fs flushes or closes its
 * channel, before vhd_writer_finish.
 */
#ifndef FG_CONVERT_E2IO_H
#define FG_CONVERT_E2IO_H

#include <ext2fs/ext2fs.h>
#include <stdint.h>

#include "util/err.h"
#include "convert/vhd_write.h"

struct fg_e2io_cache;

struct fg_e2io_target {
  struct vhd_writer *w;
  uint64_t base;              /* byte offset of the partition in the disk */
  uint64_t size;              /* bytes of the partition */
  struct fg_err err;          /* the detail behind a failed block I/O */
  struct fg_e2io_cache *cache;  /* e2io's own: zero it, never touch it */
};

io_manager fg_e2io_manager (void);

/* The "device name" to give ext2fs_initialize/ext2fs_open for T. */
void fg_e2io_name (struct fg_e2io_target *t, char *buf, size_t cap);

/* Write LEN bytes at byte OFF of the partition, bypassing libext2fs (the
 * bulk file data path).  Same checks as the manager's own writes. */
int fg_e2io_pwrite (struct fg_e2io_target *t, const void *buf, size_t len,
                    uint64_t off, struct fg_err *e);

#endif
