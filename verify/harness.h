/* verify/harness.h --- finding and running the boot check harness
 *
 * The boot itself is fg2ng-boot-check, a shell script in libexec (the
 * scratch copy, pygrub's choice of kernel, qemu, the in-guest report);
 * this finds it and runs it as a child that no signal to fg2ng can
 * orphan.
 */
#ifndef FG_VERIFY_HARNESS_H
#define FG_VERIFY_HARNESS_H

#include <stddef.h>

#include "util/err.h"

/* The harness's path into OUT: in $FG2NG_LIBEXEC if set, else
 * PREFIX/libexec/fg2ng beside PREFIX/bin/fg2ng, else the source tree's
 * libexec/ above the build folder.  SELF is this program's path.
 * FG_E_UNSUPPORTED when it is nowhere. */
int fg_verify_harness_find (const char *self, char *out, size_t cap,
                            struct fg_err *e);

/* Run ARGV (ARGV[0] the harness) with stdout into the file LOG, stderr
 * passed through; the environment tells the harness that SELF is the
 * fg2ng to use.  Returns its exit status, 128+N for a signal N, or -1
 * with E set when it could not run. */
int fg_verify_harness_run (char *const *argv, const char *self,
                           const char *log, struct fg_err *e);

#endif
