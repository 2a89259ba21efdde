/* verify/report.h --- what a verify found, for people and for scripts */
#ifndef FG_VERIFY_REPORT_H
#define FG_VERIFY_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "verify/verify.h"

/* The --json document (doc/fg2ng.1): {disk, accel, entry: {config,
 * index, title, kernel, initrd, args}, expected: {from, ip, route, mac},
 * multi_user_seconds, checks: [{name, ok, detail}], ok}, with dry_run
 * and workdir (when the work folder is kept) added.  NULL when memory
 * runs out. */
json_t *fg_verify_report_json (const struct fg_verify *v);

/* The serial console's last lines (fg_verify_console_path) to OUT,
 * escape sequences removed and control bytes shown as '?': nothing when
 * there is no console. */
void fg_verify_print_console_tail (const struct fg_verify *v, FILE *out);

#endif
