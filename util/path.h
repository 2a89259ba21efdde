/* util/path.h --- the identity of a file an output will have
 *
 * Two outputs are the same file when their folders are the same folder
 * and their names the same name, however the paths were spelled:
 * "out/a.vhd", "out/./a.vhd", "out//a.vhd", "link-to-out/a.vhd" and
 * "/abs/out/a.vhd" are one output.  The identity is the real path of the
 * folder (symlinks resolved as far as the folder exists; the missing
 * rest taken component by component, "." dropped, ".." undone) plus the
 * name itself, which is not followed: the output is renamed over it.
 */
#ifndef FG_UTIL_PATH_H
#define FG_UTIL_PATH_H

#include "util/err.h"

/* The identity of PATH (relative to the current folder when not
 * absolute) as a newly allocated absolute path; NULL with E set (kind
 * FG_E_INPUT) when PATH is empty or names no file (ends in '/', "." or
 * ".."). */
char *fg_path_identity (const char *path, struct fg_err *e);

#endif
