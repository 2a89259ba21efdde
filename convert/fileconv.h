/* convert/fileconv.h --- file-level conversion: archive members to a disk
 *
 * A first-gen file-level image (its root file system under image/ in the
 * split tar.gz) becomes an MBR disk with one partition at 1 MiB holding
 * a new ext4 (or ext3) file system, written as a VHD.  Two streaming
 * passes over the parts: the first reads only tar headers, to check
 * every member name and size the file system; the second writes.  No
 * temporary extraction, no root privileges, nothing written but the
 * output.  When the disk size is known (min_disk or fs_size) the first
 * pass is skipped.
 */
#ifndef FG_CONVERT_FILECONV_H
#define FG_CONVERT_FILECONV_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/progress.h"
#include "convert/diskout.h"
#include "source/parts.h"

/* Edits made while the file system is written (fixups/ provides them;
 * convert/ only calls them).  All may be NULL. */
struct fg_member_hook {
  void *opaque;
  /* The new file system exists: its UUID and type. */
  void (*created) (void *opaque, const char *fs_uuid, const char *fs_type);
  /* 1 if the regular file at PATH may be edited or removed. */
  int (*touches) (void *opaque, const char *path);
  /* 0 keep, 1 replace with *OUT (malloc'd, *OUTLEN bytes), 2 leave out. */
  int (*edit) (void *opaque, const char *path, const char *data, size_t len,
               char **out, size_t *outlen);
  /* After the last member: files to create that the image did not hold
   * (a regular file, mode 0644, owned by root, folders made as needed).
   * *I starts at 0; returns 1 with the next file, 0 when done.  ADDED
   * is told of each once it is written. */
  int (*next_new) (void *opaque, size_t *i, const char **path,
                   const char **data, size_t *len);
  void (*added) (void *opaque, const char *path);
};

struct fg_file_opts {
  enum fg_disk_format format;   /* FG_DISK_VHD or FG_DISK_VHD_FIXED */
  int replace;
  enum fg_progress_mode progress;
  int ext3;                     /* ext3 instead of ext4 */
  unsigned headroom_pct;        /* free space on top of the data (30) */
  uint64_t min_disk;            /* the source's known disk size, or 0 */
  uint64_t fs_size;             /* exact file system size, or 0 */
  const char *label;            /* file system label */
  /* Figures already known (an inspection pass): no sizing pass. */
  uint64_t known_bytes;         /* data blocks the members need */
  uint64_t known_inodes;
  const struct fg_member_hook *hook;
};

struct fg_file_result {
  uint64_t virtual_size;        /* of the disk */
  uint64_t fs_size;
  uint64_t entries;
  uint64_t files, dirs, symlinks, hardlinks, specials;
  uint64_t data_bytes;
  uint64_t bytes_in;            /* compressed bytes read (both passes) */
  int ext3;
  uint8_t uuid[16];             /* of the VHD */
  uint8_t fs_uuid[16];
};

int fg_convert_file_parts (const struct fg_parts *parts, const char *out,
                           const struct fg_file_opts *o,
                           struct fg_file_result *res, struct fg_err *e);

/* FOLDER is an extracted root file system (or holds it as image/): walked
 * with libarchive's disk reader, symlinks not followed, hard links kept,
 * xattrs and ACLs read from the host.  The folder is only read. */
int fg_convert_dir (const char *folder, const char *out,
                    const struct fg_file_opts *o, struct fg_file_result *res,
                    struct fg_err *e);

/* What a member name may hold: ext4's longest name, and Linux's PATH_MAX
 * (with its NUL) for the whole path inside image/. */
#define FG_MEMBER_NAME_MAX 255
#define FG_MEMBER_PATH_MAX 4096

/* The member NAME as a path inside image/: "" for image/ itself,
 * "etc/fstab" for image/etc/fstab: returns 1 and *OUT (malloc'd).  A
 * leading '/' is dropped with one warning, as GNU tar does; a name
 * outside image/ is skipped with a warning (returns 0); "..", a
 * component over FG_MEMBER_NAME_MAX bytes or a path of FG_MEMBER_PATH_MAX
 * bytes or more is an input error (-1).  QUIET: no warnings (a second
 * pass over the same names). */
int fg_member_path (const char *name, char **out, int quiet,
                    const char *where, struct fg_err *e);

#endif
