/* inspect/source.h --- each kind of source inspected as its kind is
 *
 * What a source is comes from source/source.h (probed once); these are
 * the inspectors of the four kinds, one signature, for the pipeline's
 * table of kinds (pipeline/pipeline.c): a folder is walked
 * (fg_inspect_dir), file-level parts streamed (fg_inspect_parts), a
 * disk opened in libguestfs (fg_inspect_disk), block-level parts
 * unpacked to a scratch disk for libguestfs.
 */
#ifndef FG_INSPECT_SOURCE_H
#define FG_INSPECT_SOURCE_H

#include "util/err.h"
#include "util/progress.h"
#include "source/source.h"
#include "inspect/inspect.h"

typedef int fg_inspect_src_fn (const struct fg_source *src,
                               enum fg_progress_mode pm,
                               struct fg_inspection *in, struct fg_err *e);

fg_inspect_src_fn fg_inspect_src_folder;
fg_inspect_src_fn fg_inspect_src_file_parts;
/* The disk streamed out of the parts into a sparse scratch file
 * (libguestfs needs random access), inspected, removed. */
fg_inspect_src_fn fg_inspect_src_block_parts;
/* Not a disk at all is said at once, without starting a VM; a
 * differencing VHD chain gives FG_E_UNSUPPORTED (qemu does not read
 * VHD chains). */
fg_inspect_src_fn fg_inspect_src_disk;

#endif
