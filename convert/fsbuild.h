/* convert/fsbuild.h --- a new ext4/ext3 file system, filled from tar members
 *
 * Builds the file system with libext2fs (what mke2fs and its -d option
 * do) directly inside the output disk through convert/e2io, then adds
 * each member of the first-gen archive as it streams by: files, folders,
 * symlinks (verbatim, never followed), hard links, device nodes, FIFOs,
 * owners, modes, times, xattrs and POSIX ACLs; sparse members stay
 * sparse.  File data goes straight to its blocks in large writes.
 *
 * Member paths are customer data: a path through a symlink, a
 * non-folder in the middle of a path, a folder over a file (or a file
 * over a folder), a hard link to a name not in the tree or to a folder
 * are refused with FG_E_INPUT.  A file that appears twice is replaced
 * by the later copy, with a warning, as GNU tar extracts it.  ".." is
 * the caller's to refuse (fg_member_path does, before a name gets
 * here).
 */
#ifndef FG_CONVERT_FSBUILD_H
#define FG_CONVERT_FSBUILD_H

#include <archive_entry.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "convert/e2io.h"

struct fg_fs_opts {
  int ext3;                   /* ext3 (no extents) for kernels before 2.6.28 */
  const char *label;          /* at most 16 bytes */
  uint64_t size;              /* bytes of the partition */
  uint64_t inodes;            /* at least this many inodes */
};

struct fg_fs_stats {
  uint64_t files, dirs, symlinks, hardlinks, specials;
  uint64_t data_bytes;
  uint8_t uuid[16];
};

struct fg_fs;

int fg_fs_create (struct fg_fs **out, struct fg_e2io_target *t,
                  const struct fg_fs_opts *o, struct fg_err *e);

/* Where a member's data comes from: the next stretch of it in place
 * (*OFF is its offset in the file); 1, or 0 at the member's end.  A tar
 * stream (fg_tar_read_block) or a folder on disk. */
typedef int (*fg_fs_data_fn) (void *opaque, const void **buf, size_t *len,
                              int64_t *off, struct fg_err *e);

/* Add the member ENT whose path inside the root is PATH ("" for the root
 * itself, "etc/fstab": no leading or trailing '/', no "." or ".."); a
 * hard link names its target as LINK_PATH in the same form, else NULL.
 * WHERE names the member for messages. */
int fg_fs_add (struct fg_fs *f, struct archive_entry *ent, const char *path,
               const char *link_path, fg_fs_data_fn data, void *opaque,
               const char *where, struct fg_err *e);

/* The new file system's UUID, as text. */
void fg_fs_uuid (const struct fg_fs *f, char out[37]);

/* Write the superblocks and group descriptors; frees F. */
int fg_fs_close (struct fg_fs *f, struct fg_fs_stats *stats,
                 struct fg_err *e);
void fg_fs_abort (struct fg_fs *f);

/* Bytes of data blocks a member of SIZE bytes needs (for sizing). */
uint64_t fg_fs_blocks_bytes (uint64_t size);

#endif
