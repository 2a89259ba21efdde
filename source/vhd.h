/* source/vhd.h --- reading VHD files: what a caller may do
 *
 * Reader: a VHD chain is opened from its leaf; fixed, dynamic and
 * differencing disks are accepted, parents found through an explicit list
 * or through the leaf's parent locators.  Every field is validated against
 * the file before it is used (checksums, offsets inside the file, blocks
 * that overlap metadata or each other, loops, UUID mismatches); a failure
 * is one FG_E_INPUT error naming the file and the field.  Files are opened
 * read-only and never modified.
 *
 * The writer is convert/vhd_write.h.
 */
#ifndef FG_SOURCE_VHD_H
#define FG_SOURCE_VHD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "util/err.h"
#include "source/vhd_format.h"

/* ---- Reader ---------------------------------------------------------- */

struct vhd_chain;

/* Open PATH and, if it is a differencing disk, its parents: PARENTS[0] is
 * the leaf's parent, PARENTS[1] its parent, and so on; when NPARENTS runs
 * out, the parent locators are followed, inside the child's own folder
 * only: a relative locator without "..", or an absolute one's last
 * component; a symlink leading out of that folder is not followed.
 * A chain deeper than VHD_MAX_CHAIN_READ, a loop, a missing parent or a
 * parent whose UUID is not the one the child names is an error. */
#define VHD_MAX_CHAIN_READ 64
/* 1 if the file at PATH looks like a VHD (a footer's cookie at offset 0
 * or in its last 512 bytes), 0 if not, -1 if it cannot be read. */
int vhd_probe_file (const char *path, struct fg_err *e);

int vhd_chain_open (struct vhd_chain **out, const char *path,
                    const char *const *parents, size_t nparents,
                    struct fg_err *e);
void vhd_chain_close (struct vhd_chain *c);

/* Virtual size: the leaf's current_size (blktap's rule, not CHS). */
uint64_t vhd_chain_size (const struct vhd_chain *c);
/* Number of files, leaf included. */
size_t vhd_chain_depth (const struct vhd_chain *c);
/* Level 0 is the leaf. */
const char *vhd_chain_path (const struct vhd_chain *c, size_t level);
const struct vhd_footer *vhd_chain_footer (const struct vhd_chain *c,
                                           size_t level);
/* NULL for a fixed disk. */
const struct vhd_header *vhd_chain_header (const struct vhd_chain *c,
                                           size_t level);
/* Allocated BAT entries of that level (fixed: every block). */
uint32_t vhd_chain_allocated_blocks (const struct vhd_chain *c, size_t level);
/* Bytes of the file at that level. */
uint64_t vhd_chain_file_size (const struct vhd_chain *c, size_t level);

/* Read LEN bytes of the virtual disk at OFF, chain resolved: a sector
 * comes from the first level whose BAT entry and sector bitmap hold it;
 * unallocated everywhere reads as zeros.  OFF + LEN must not pass the
 * size.  Errors (EIO, short file) name the file and offset. */
int vhd_chain_read (struct vhd_chain *c, void *buf, uint64_t off,
                    size_t len, struct fg_err *e);

/* 0 when no level can hold data in [OFF, OFF+LEN) (it reads as zeros
 * without touching the file), 1 otherwise.  Cheap: BAT lookups only. */
int vhd_chain_may_have_data (const struct vhd_chain *c, uint64_t off,
                             uint64_t len);

/* ---- Streaming reader ------------------------------------------------ */

/* A VHD that arrives front to back (image/image.vhd inside a first-gen
 * archive) and cannot be seeked: its metadata is read first, then its
 * blocks in file order, then the trailing footer is checked.  Dynamic
 * disks with 2 MiB blocks and fixed disks are accepted; a differencing
 * disk has no parent in an archive and is refused. */
typedef ssize_t (*vhd_stream_read_fn) (void *opaque, void *buf, size_t cap,
                                       struct fg_err *e);
struct vhd_stream;

int vhd_stream_open (struct vhd_stream **out, vhd_stream_read_fn rd,
                     void *opaque, uint64_t file_size, const char *what,
                     struct fg_err *e);
uint64_t vhd_stream_size (const struct vhd_stream *s);
/* 1 with the next block that may hold data (*IDX, and VHD_BLOCK_SIZE bytes
 * at *DATA, owned by S, zero past the disk end and under clear bitmap
 * bits); 0 once every block is read and the trailing footer checked. */
int vhd_stream_next (struct vhd_stream *s, uint32_t *idx,
                     const uint8_t **data, struct fg_err *e);
void vhd_stream_close (struct vhd_stream *s);

#endif
