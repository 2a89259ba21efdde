/* source/source.h --- what a source path is, probed once
 *
 * What the user names (the parts of a first-gen image, their prefix or
 * folder, an extracted root folder, a VHD or raw disk) is told apart
 * here and nowhere else: the parts are found and ordered
 * (source/parts.h), their layout read from the first member
 * (source/tarstream.h), a disk file's first and last bytes say VHD or
 * raw.  "swift://CONTAINER/NAME.tar.gz.0" names parts in Swift
 * (source/swiftparts.h): the same parts kinds, read through the parts'
 * reader from Swift instead of files.  Every command takes the kind from here; what each kind means
 * to inspection and conversion is the pipeline's table of operations
 * (pipeline/pipeline.c).
 */
#ifndef FG_SOURCE_SOURCE_H
#define FG_SOURCE_SOURCE_H

#include "util/err.h"
#include "source/parts.h"

enum fg_src_kind {
  FG_SRC_FOLDER,              /* an extracted root folder */
  FG_SRC_FILE_PARTS,          /* parts of a file-level image */
  FG_SRC_BLOCK_PARTS,         /* parts holding image/image.vhd */
  FG_SRC_DISK,                /* a disk file or block device */
};
#define FG_SRC_NKINDS 4

struct fg_source {
  enum fg_src_kind kind;
  const char *path;           /* as the user named it (not copied) */
  struct fg_parts parts;      /* the parts kinds: found and ordered */
  int vhd;                    /* FG_SRC_DISK: a VHD (leaf of a chain), or
                                 0 for a raw disk */
};

/* Probe PATH (kept by pointer: it must outlive SRC).  Errors name the
 * path; on error SRC holds nothing to release. */
int fg_source_probe (const char *path, struct fg_source *src,
                     struct fg_err *e);
void fg_source_release (struct fg_source *src);

/* "folder", "file-level parts", "block-level parts", "disk". */
const char *fg_source_kind_name (enum fg_src_kind kind);

#endif
