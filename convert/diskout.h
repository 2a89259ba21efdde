/* convert/diskout.h --- where converted disk blocks go
 *
 * One sink for every converter: a dynamic VHD (the default, as vhd-util
 * writes it), a fixed VHD, or a sparse raw disk.  Blocks are
 * VHD_BLOCK_SIZE bytes, put in any order; all-zero blocks stay holes.
 * The output appears under its name only in fg_disk_out_finish().
 */
#ifndef FG_CONVERT_DISKOUT_H
#define FG_CONVERT_DISKOUT_H

#include <stdint.h>

#include "util/err.h"

enum fg_disk_format {
  FG_DISK_VHD = 0,            /* dynamic VHD, creator "tap" */
  FG_DISK_VHD_FIXED,
  FG_DISK_RAW,
};

struct fg_disk_out;

/* "vhd", "vhd-fixed", "raw"; -1 if unknown. */
int fg_disk_format_parse (const char *s, enum fg_disk_format *f);
const char *fg_disk_format_name (enum fg_disk_format f);

int fg_disk_out_open (struct fg_disk_out **out, const char *path,
                      enum fg_disk_format fmt, uint64_t size, int replace,
                      struct fg_err *e);
/* Block IDX of the disk: VHD_BLOCK_SIZE bytes, zero past the disk end. */
int fg_disk_out_put_block (struct fg_disk_out *d, uint32_t idx,
                           const uint8_t *data, struct fg_err *e);
/* The output's virtual size: SIZE, rounded up to 2 MiB for VHDs. */
uint64_t fg_disk_out_size (const struct fg_disk_out *d);
/* Blocks that held data (were not all zero). */
uint32_t fg_disk_out_blocks_written (const struct fg_disk_out *d);
/* Complete and rename into place; frees D.  UUID (VHD only) may be NULL. */
int fg_disk_out_finish (struct fg_disk_out *d, uint8_t uuid[16],
                        struct fg_err *e);
void fg_disk_out_abort (struct fg_disk_out *d);

#endif
