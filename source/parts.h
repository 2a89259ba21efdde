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

struct fg_parts;

/* How the parts are read: local files (ops NULL, the default) or another
 * transport (source/swiftparts.h).  The reader below goes through these
 * and nothing else, so gunzip and tarstream never know where bytes come
 * from.  OPEN makes a handle on part I from its first byte; READ gives
 * up to CAP bytes (AT: bytes of the part already read, for messages),
 * 0 at its end once the transport's own checks passed, -1 with E set;
 * CLOSE drops the handle (also before the end: the reader may stop
 * early); RELEASE frees CTX with the parts. */
struct fg_parts_ops {
  int (*open) (const struct fg_parts *parts, size_t i, void **h,
               struct fg_err *e);
  ssize_t (*read) (void *h, void *buf, size_t cap, uint64_t at,
                   struct fg_err *e);
  void (*close) (void *h);
  void (*release) (void *ctx);
};

struct fg_parts {
  char *name;                 /* "web01.tar.gz" (or the file's name) */
  struct fg_part *part;       /* ordered, empty parts already dropped */
  size_t count;
  uint64_t total;             /* bytes of all parts */
  const struct fg_parts_ops *ops;   /* NULL: local files */
  void *ctx;                  /* the transport's, for OPS */
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

/* The pieces of fg_parts_find any listing reuses (a folder's, a Swift
 * container's).  fg_parts_split_name: if NAME is "<prefix>.tar.gz.<N>"
 * (or .tgz.<N>), the length of the prefix, N in *INDEX; else 0.
 * fg_parts_add: append PATH (taken, freed on error) to PARTS, *CAP its
 * room.  fg_parts_check: the one rule for a group of parts: order them,
 * refuse a duplicate or a gap ("PREFIX: missing part .N (have ...)",
 * with HINT), drop empty ones; WHERE names the listing in messages. */
size_t fg_parts_split_name (const char *name, unsigned *index);
int fg_parts_add (struct fg_parts *parts, size_t *cap, char *path,
                  unsigned index, uint64_t size, struct fg_err *e);
int fg_parts_check (struct fg_parts *parts, const char *prefix,
                    const char *where, const char *hint, struct fg_err *e);

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
