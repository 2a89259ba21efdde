/* source/gunzip.h --- the hot gzip path: ISA-L inflate over split parts
 *
 * Decompresses the concatenation of the parts as a sequence of gzip
 * members (pigz and split tools make several), checking each member's
 * CRC-32 and length: a bad CRC fails even when every tar header looked
 * fine.  Errors name the part and the offset in it.
 */
#ifndef FG_SOURCE_GUNZIP_H
#define FG_SOURCE_GUNZIP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"
#include "source/parts.h"

struct fg_gunzip;

/* Reads PARTS from the start; PARTS must outlive the handle. */
int fg_gunzip_open (struct fg_gunzip **out, const struct fg_parts *parts,
                    struct fg_err *e);
/* The next chunk of decompressed data in place: valid until the next
 * call or close.  1, or 0 at the clean end of the last member. */
int fg_gunzip_next (struct fg_gunzip *g, const void **buf, size_t *len,
                    struct fg_err *e);
/* Up to CAP bytes of decompressed data, copied; 0 at the clean end of the
 * last member.  Do not mix with fg_gunzip_next. */
ssize_t fg_gunzip_read (struct fg_gunzip *g, void *buf, size_t cap,
                        struct fg_err *e);
/* Compressed bytes behind the data handed out so far (for progress and
 * messages), decompressed bytes handed out. */
uint64_t fg_gunzip_in_pos (const struct fg_gunzip *g);
uint64_t fg_gunzip_out_pos (const struct fg_gunzip *g);
/* "'web01.tar.gz.3' at offset N" for the current compressed position. */
void fg_gunzip_where (const struct fg_gunzip *g, char *buf, size_t cap);
void fg_gunzip_close (struct fg_gunzip *g);

#endif
