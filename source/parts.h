/* source/parts.h --- first-gen split archives: finding, ordering, reading
 *
 * Saved first-gen images are NAME.tar.gz.0 .. NAME.tar.gz.N; concatenated
 * they are one gzip stream.  fg_parts_find() turns what the user typed
 * (the first part, any part, the NAME prefix, or the folder holding them)
 * into the ordered list, and reports a gap or a missing part before
 * anything is read.  fg_parts_reader reads the concatenation as one
 * stream and can say where it is ("web01.tar.gz.3 at offset 1048576").
 */
#ifndef FG_SOURCE_PARTS_H
#define FG_SOURCE_PARTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

struct fg_part {
  char *path;
  uint64_t size;
  unsigned index;             /* the N of NAME.tar.gz.N */
};

struct fg_parts {
  char *name;                 /* "web01.tar.gz" (or the file's name) */
  struct fg_part *part;       /* ordered, empty parts already dropped */
  size_t count;
  uint64_t total;             /* bytes of all parts */
};

/* What a source path names. */
enum fg_source_kind {
  FG_SOURCE_PARTS,            /* split parts (or one .tar.gz / .tgz) */
  FG_SOURCE_DIR,              /* an extracted root folder */
  FG_SOURCE_FILE,             /* a single file: VHD or raw disk */
};

/* Classify SOURCE and, for FG_SOURCE_PARTS, fill PARTS.  A single
 * gzip file counts as one part.  Errors name the path; on error PARTS
 * holds nothing to release. */
int fg_parts_find (const char *source, enum fg_source_kind *kind,
                   struct fg_parts *parts, struct fg_err *e);
void fg_parts_release (struct fg_parts *parts);

struct fg_parts_reader;

int fg_parts_reader_open (struct fg_parts_reader **out,
                          const struct fg_parts *parts, struct fg_err *e);
/* Read up to CAP bytes of the concatenation; 0 at the end. */
ssize_t fg_parts_reader_read (struct fg_parts_reader *r, void *buf,
                              size_t cap, struct fg_err *e);
/* Bytes consumed so far, over all parts. */
uint64_t fg_parts_reader_pos (const struct fg_parts_reader *r);
/* "'web01.tar.gz.3' at offset 1234" for the byte at absolute position
 * POS of the concatenation (the last part for POS at the very end). */
void fg_parts_where (const struct fg_parts *parts, uint64_t pos, char *buf,
                     size_t cap);
void fg_parts_reader_close (struct fg_parts_reader *r);

#endif
