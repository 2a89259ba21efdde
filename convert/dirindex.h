/* convert/dirindex.h --- the names in the folders being filled, in memory
 *
 * A folder made by fsbuild is a plain list of blocks (as mke2fs -d makes
 * it): asking libext2fs whether a name exists reads the whole folder, so
 * filling a folder of N entries costs N^2/2 entry reads.  Real servers
 * have folders of thousands (man3, a package mirror, a mail spool).  This
 * index answers "is NAME in DIR" from a hash table for the folders the
 * build made itself, whose every entry it has seen since they were
 * empty.  It is bounded: past BUDGET bytes the least recently used
 * folders are dropped whole, and a folder not (or no longer) indexed is
 * answered "not tracked": the caller asks the file system, as before.
 */
#ifndef FG_CONVERT_DIRINDEX_H
#define FG_CONVERT_DIRINDEX_H

#include <stddef.h>
#include <stdint.h>

struct fg_dirindex;

/* NULL when out of memory (the build then simply goes without). */
struct fg_dirindex *fg_dirindex_new (size_t budget_bytes);
void fg_dirindex_free (struct fg_dirindex *x);

/* Index DIR from now on: it was just made and holds only "." and "..".
 * Silently not indexed when memory is short. */
void fg_dirindex_track (struct fg_dirindex *x, uint32_t dir);

/* 1 if NAME (LEN bytes) is in DIR (*INO set), 0 if not, -1 if DIR is not
 * indexed (ask the file system). */
int fg_dirindex_find (struct fg_dirindex *x, uint32_t dir, const char *name,
                      size_t len, uint32_t *ino);

/* NAME was linked into DIR as INO (nothing happens if DIR is not
 * indexed; a failed allocation drops DIR's index). */
void fg_dirindex_add (struct fg_dirindex *x, uint32_t dir, const char *name,
                      uint32_t ino);

/* An entry of DIR was removed or replaced behind the index's back: stop
 * indexing DIR. */
void fg_dirindex_forget (struct fg_dirindex *x, uint32_t dir);

/* Folders indexed now, and how many were dropped for the budget. */
void fg_dirindex_stats (const struct fg_dirindex *x, size_t *dirs,
                        size_t *dropped);

#endif
