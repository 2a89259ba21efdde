/* convert/vhd_write.h --- writing VHD files: what a caller may do
 *
 * Produces the VHD that XenServer's vhd-util would (creator "tap" 1.3,
 * 2 MiB blocks, BAT at 1536, batmap, footer copy at 0), a fixed VHD, or a
 * differencing child, under a temporary name that becomes the final name
 * only in vhd_writer_finish().  Blocks may be put in any order; an
 * all-zero block of a dynamic disk is never allocated.  The on-disk
 * encoding is source/vhd_format.h's.
 */
#ifndef FG_CONVERT_VHD_WRITE_H
#define FG_CONVERT_VHD_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/err.h"
#include "source/vhd_format.h"

struct vhd_writer;

enum vhd_write_kind {
  VHD_WRITE_DYNAMIC = 0,
  VHD_WRITE_FIXED,
  VHD_WRITE_DIFF,      /* child of opts.parent_path */
};

struct vhd_writer_opts {
  enum vhd_write_kind kind;
  uint64_t size;              /* bytes; rounded up to 2 MiB, as vhd-util
                               * create does (XenServer expects it) */
  int replace;                /* overwrite an existing output */
  time_t now;                 /* 0: the current time */
  const uint8_t *uuid;        /* 16 bytes, or NULL for a fresh random one */
  const char *parent_path;    /* VHD_WRITE_DIFF: the parent file */
  int hidden;                 /* footer byte 85 (non-leaf chain members) */
};

int vhd_writer_open (struct vhd_writer **out, const char *path,
                     const struct vhd_writer_opts *opts, struct fg_err *e);

/* Put block IDX: VHD_BLOCK_SIZE bytes (the part past the disk size must be
 * zero).  Dynamic: an all-zero block is skipped.  Each block once. */
int vhd_writer_put_block (struct vhd_writer *w, uint32_t idx,
                          const uint8_t *data, struct fg_err *e);

/* Differencing (or dynamic) block with only the sectors whose bit is set
 * in BITMAP (MSB first, VHD_BLOCK_SIZE/512 bits) present; data under clear
 * bits is written as zeros. */
int vhd_writer_put_sectors (struct vhd_writer *w, uint32_t idx,
                            const uint8_t *data, const uint8_t *bitmap,
                            struct fg_err *e);

/* The virtual size written (opts.size rounded up). */
uint64_t vhd_writer_size (const struct vhd_writer *w);

/* Random access, for building a file system in place (the file-level
 * path).  Dynamic: a block is allocated on its first write of non-zero
 * data; zeros written to an unallocated block cost nothing; unwritten
 * parts of an allocated block read as zeros.  Fixed: plain writes.  Not
 * for differencing disks.  OFF + LEN must lie inside the disk. */
int vhd_writer_pwrite (struct vhd_writer *w, const void *buf, size_t len,
                       uint64_t off, struct fg_err *e);
int vhd_writer_pread (struct vhd_writer *w, void *buf, size_t len,
                      uint64_t off, struct fg_err *e);

/* Blocks allocated so far. */
uint32_t vhd_writer_allocated (const struct vhd_writer *w);

/* Write BAT, batmap and footers, fsync and rename into place; frees W
 * whatever happens.  The UUID written is copied to UUID_OUT if not NULL. */
int vhd_writer_finish (struct vhd_writer *w, uint8_t uuid_out[16],
                       struct fg_err *e);

/* Drop everything: the temporary file is removed; frees W.  NULL-safe. */
void vhd_writer_abort (struct vhd_writer *w);

#endif
