/* util/files.h --- the few files of an image that inspection keeps
 *
 * Inspection streams through a whole image but keeps in memory only the
 * files that matter (release files, fstab, network configuration, grub
 * configuration, ...): this is that set.  Paths are relative to the
 * image root, without a leading '/' ("etc/network/interfaces").  A
 * symlink is kept as its target and resolved inside the image, never on
 * the host.
 */
#ifndef FG_UTIL_FILES_H
#define FG_UTIL_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define FG_FILES_MAX_SIZE (1u << 20)   /* larger files are not kept */
/* What an image may make inspection hold: a hostile archive of
 * thousands of network or boot files must not run a batch host out of
 * memory.  A real server keeps tens of such files, a few MiB. */
#define FG_FILES_MAX_COUNT 4096
#define FG_FILES_MAX_BYTES (16u << 20)

struct fg_file {
  char *path;
  char *target;               /* symlink target, or NULL for a file */
  char *data;                 /* NUL-terminated copy (files only) */
  size_t len;
};

struct fg_files {
  struct fg_file *v;
  size_t n, cap;
  size_t bytes;               /* of data kept, against FG_FILES_MAX_BYTES */
};

void fg_files_init (struct fg_files *fs);
void fg_files_release (struct fg_files *fs);

/* Keep a regular file's contents (copied; at most FG_FILES_MAX_SIZE
 * bytes of it) or a symlink's target.  A later entry of the same path
 * replaces the earlier, as tar does.  More than FG_FILES_MAX_COUNT paths
 * or FG_FILES_MAX_BYTES of data is an input error naming PATH. */
int fg_files_add (struct fg_files *fs, const char *path, const void *data,
                  size_t len, struct fg_err *e);
int fg_files_add_symlink (struct fg_files *fs, const char *path,
                          const char *target, struct fg_err *e);

/* The file at PATH, following symlinks inside the image (at most 16 hops;
 * "..", absolute and relative targets resolved against the image root);
 * NULL if absent, a loop, or not kept. */
const struct fg_file *fg_files_get (const struct fg_files *fs,
                                    const char *path);

/* Every kept path under folder DIR ("etc/sysconfig/network-scripts"),
 * in sorted order, one level deep; returns the count and fills OUT (at
 * most CAP entries; pointers into FS). */
size_t fg_files_list (const struct fg_files *fs, const char *dir,
                      const struct fg_file **out, size_t cap);

#endif
