/* fixups/diff.h --- unified diffs of the small text files fixups change
 *
 * Every change a conversion makes is shown to the support engineer as a
 * unified diff (`diff -u` format, 3 lines of context).  The files are
 * configuration files: a plain longest-common-subsequence table is
 * enough, bounded so that a huge file gives a one-line summary instead.
 */
#ifndef FG_FIXUPS_DIFF_H
#define FG_FIXUPS_DIFF_H

#include <stddef.h>

/* A malloc'd unified diff from OLD to NEW (either may be NULL: a file
 * created or removed), labelled a/PATH and b/PATH; "" when equal. */
char *fg_diff_unified (const char *path, const char *old_text,
                       const char *new_text);

#endif
