/* verify/verify.h --- does a converted disk boot?  (fg2ng verify)
 *
 * The boot is the harness fg2ng-boot-check (verify/harness.h); this
 * decides what to expect (given, from a server record through the same
 * network plan convert uses, or from the guest's own network files),
 * runs the harness in a work folder and reads its summary back strictly
 * (verify/summary.h).  The disk under test is only ever read: the
 * harness boots a scratch copy.
 *
 * The caller fills the request, then: fg_verify_prepare,
 * fg_verify_entry, fg_verify_boot unless a dry run or the entry already
 * failed, the report (verify/report.h), fg_verify_finish.
 */
#ifndef FG_VERIFY_VERIFY_H
#define FG_VERIFY_VERIFY_H

#include <limits.h>

#include "util/err.h"
#include "verify/expect.h"
#include "verify/summary.h"

#define FG_VERIFY_DEFAULT_TIMEOUT 300

struct fg_verify {
  /* the request (fg_verify_init sets the defaults) */
  const char *disk;
  const char *record;           /* server record, or NULL */
  const char *accel;            /* "auto", "kvm", "tcg", or NULL: auto */
  struct fg_verify_list ips, routes, macs;
  unsigned timeout;             /* seconds a boot may take */
  int keep, dry_run;
  /* where the expectations came from, for the report; "" while none */
  char expect_from[PATH_MAX + 64];

  /* what was found */
  struct fg_verify_summary s;   /* the last run of the harness */
  char work[PATH_MAX];          /* the work folder, when have_work */
  int have_work;
  int keep_work;                /* the work folder explains a failure */
  /* When a run of the harness ended the verify without a summary: its
   * exit status (2 it refused the disk, 3 it cannot run here, both
   * explained on its stderr; anything else unexpected); 0 otherwise. */
  int harness_exit;

  char self[PATH_MAX], harness[PATH_MAX];
  char boot_disk[PATH_MAX + 32];
};

void fg_verify_init (struct fg_verify *v);

/* The expectations of the command line and the server record, the disk
 * checked (a readable VHD or a raw disk that starts like a system disk:
 * refused before a scratch copy of gigabytes is made), the harness found
 * and the work folder made under $TMPDIR. */
int fg_verify_prepare (struct fg_verify *v, struct fg_err *e);

/* With nothing expected yet, or for a dry run: the harness chooses
 * pygrub's entry and copies the guest's network files, from which the
 * expectations are derived; its scratch copy is what then boots.
 * Returns 0 (nothing to do, or chosen), 1 (a check failed: no boot), or
 * -1 with E set (and harness_exit when the harness ended it). */
int fg_verify_entry (struct fg_verify *v, struct fg_err *e);

/* Boot: 0 every check passed, 1 one failed, -1 as fg_verify_entry. */
int fg_verify_boot (struct fg_verify *v, struct fg_err *e);

/* The serial console of the last boot (or of the entry's run, when
 * nothing booted) into OUT. */
void fg_verify_console_path (const struct fg_verify *v, char *out,
                             size_t cap);

/* Remove the work folder unless kept (asked, or explaining a failure)
 * and release V. */
void fg_verify_finish (struct fg_verify *v);

#endif
