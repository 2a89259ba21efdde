/* verify/summary.h --- the boot check harness's summary, read strictly
 *
 * fg2ng-boot-check writes summary.txt in its work folder: a first line
 * "fg2ng-boot-check-summary 1", then one "KEY VALUE" a line
 * (tests/e2e/README.md lists them).  A line this version does not know,
 * or a summary that disagrees with the harness's exit status, is an
 * error (the two were installed apart), never a pass.
 */
#ifndef FG_VERIFY_SUMMARY_H
#define FG_VERIFY_SUMMARY_H

#include <stddef.h>

#include "util/err.h"
#include "verify/expect.h"

#define FG_VERIFY_HARNESS "fg2ng-boot-check"

struct fg_verify_check {
  char *name;
  int ok;
  char *detail;
};

struct fg_verify_summary {
  char *config, *title, *kernel, *initrd, *args, *accel, *root_arg;
  long entry;                   /* -1 if the entry was never chosen */
  int multi_user;               /* 1 reached, 0 not, -1 not told */
  double multi_user_seconds, qemu_seconds;
  enum { FG_VERIFY_RESULT_NONE, FG_VERIFY_RESULT_PASS, FG_VERIFY_RESULT_FAIL,
         FG_VERIFY_RESULT_ERROR } result;
  struct fg_verify_check *checks;
  size_t nchecks, nfailed;
  struct fg_verify_list guest;  /* what the guest said, for a failure */
};

/* Read the summary at PATH into S (which need not be initialised);
 * release S with fg_verify_summary_release either way. */
int fg_verify_summary_read (const char *path, struct fg_verify_summary *s,
                            struct fg_err *e);

/* The summary S must agree with the harness's exit STATUS and, when the
 * guest BOOTED and passed, hold a check for every claim made: each of
 * IPS and ROUTES and the checks always made.  A missing one is a bug in
 * the harness, never a pass (FG_E_INTERNAL naming PATH). */
int fg_verify_summary_agrees (const struct fg_verify_summary *s, int status,
                              int booted, const struct fg_verify_list *ips,
                              const struct fg_verify_list *routes,
                              const char *path, struct fg_err *e);

void fg_verify_summary_release (struct fg_verify_summary *s);

#endif
