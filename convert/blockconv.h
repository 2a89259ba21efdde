/* convert/blockconv.h --- block-level conversion: a disk in, a disk out
 *
 * Sources: a raw disk (holes skipped with SEEK_DATA), a VHD or VHD chain
 * (coalesced through the reader), or a first-gen block-level image whose
 * parts hold image/image.vhd (streamed straight from the gzip'd tar).
 * Blocks that read as zeros are never written.  Memory is a few block
 * buffers and the BAT, whatever the disk size.
 */
#ifndef FG_CONVERT_BLOCKCONV_H
#define FG_CONVERT_BLOCKCONV_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/progress.h"
#include "convert/diskout.h"
#include "source/parts.h"

struct fg_block_opts {
  enum fg_disk_format format;
  int replace;
  enum fg_progress_mode progress;
  const char *const *parents;     /* explicit VHD parents, leaf's first */
  size_t nparents;
};

struct fg_block_result {
  const char *source_kind;        /* "raw", "vhd", "first-gen block" */
  uint64_t virtual_size;
  uint32_t blocks_total;
  uint32_t blocks_written;
  uint64_t bytes_in;              /* source bytes read (compressed for parts) */
  size_t chain_depth;
  uint8_t uuid[16];               /* of the output VHD */
};

/* SRC is a VHD (leaf of a chain) or a raw disk, told apart by content. */
int fg_convert_disk_file (const char *src, const char *out,
                          const struct fg_block_opts *o,
                          struct fg_block_result *res, struct fg_err *e);

/* PARTS of a first-gen image; fails with FG_E_UNSUPPORTED when the image
 * is file level (no image/image.vhd member). */
int fg_convert_block_parts (const struct fg_parts *parts, const char *out,
                            const struct fg_block_opts *o,
                            struct fg_block_result *res, struct fg_err *e);

#endif
