/* source/tarstream.h --- the tar members of a first-gen image, streamed
 *
 * libarchive's tar reader (ustar, pax, GNU; back-to-back archives read
 * through, as `tar -i` does) over the ISA-L gzip stream of the parts.
 * One pass, nothing extracted.  Errors name the part and the offset.
 */
#ifndef FG_SOURCE_TARSTREAM_H
#define FG_SOURCE_TARSTREAM_H

#include <archive_entry.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"
#include "source/parts.h"

struct fg_tar;

int fg_tar_open (struct fg_tar **out, const struct fg_parts *parts,
                 struct fg_err *e);
/* 1 and *ENTRY (owned by the reader, valid until the next call) for the
 * next member, 0 at the end of the archive, -1 on error. */
int fg_tar_next (struct fg_tar *t, struct archive_entry **entry,
                 struct fg_err *e);
/* Up to CAP bytes of the current member's data; 0 at its end.  Holes of
 * a sparse member read as zeros. */
ssize_t fg_tar_read (struct fg_tar *t, void *buf, size_t cap,
                     struct fg_err *e);
/* The next stretch of the member's data in place (no copy): *OFF is its
 * offset in the member; returns 1, or 0 at the member's end. */
int fg_tar_read_block (struct fg_tar *t, const void **buf, size_t *len,
                       int64_t *off, struct fg_err *e);
/* Compressed bytes consumed so far (progress against parts->total). */
uint64_t fg_tar_in_pos (const struct fg_tar *t);
void fg_tar_where (const struct fg_tar *t, char *buf, size_t cap);
void fg_tar_close (struct fg_tar *t);

/* The two layouts of first-gen images. */
enum fg_layout {
  FG_LAYOUT_FILE,             /* image/ holds the root file system */
  FG_LAYOUT_BLOCK,            /* image/image.vhd is the system disk */
};

/* True for "image/image.vhd" (also "./image/image.vhd"). */
int fg_tar_is_image_vhd (const char *member);

/* Decide the layout from the first member that is not a folder; reads
 * only the start of the stream. */
int fg_tar_probe_layout (const struct fg_parts *parts, enum fg_layout *out,
                         struct fg_err *e);

#endif
