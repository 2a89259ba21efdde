/* inspect/vmaccel.h --- KVM when it works, software emulation when not
 *
 * On some hosts /dev/kvm opens but cannot run a guest: qemu aborts
 * setting an MSR, or the guest never gets past its first instructions
 * (nested virtualisation gone wrong).  libguestfs then hangs or dies with
 * eight lines about a temporary file.  Before the first appliance of a
 * process, a tiny guest (the host's own kernel, to its first console
 * line) is started under KVM; when it does not get there, libguestfs and
 * the boot harness of `verify` are told to use software emulation
 * (LIBGUESTFS_BACKEND_SETTINGS=force_tcg, which both read), with one
 * warning.  The verdict is cached per boot of the host.  An operator's
 * own LIBGUESTFS_BACKEND_SETTINGS is never overridden.
 */
#ifndef FG_INSPECT_VMACCEL_H
#define FG_INSPECT_VMACCEL_H

#include "util/err.h"

struct guestfs_h;

/* Probe once (see above); idempotent. */
void fg_vm_accel_prepare (void);

/* What appliances of this process use: "kvm", "tcg" and why; NULL when
 * the process started none. */
const char *fg_vm_accel_used (void);

/* guestfs_create () after fg_vm_accel_prepare (): every appliance of
 * fg2ng is made here. */
struct guestfs_h *fg_guestfs_create (void);

/* The one way fg2ng starts an appliance: a handle (fg_guestfs_create),
 * DISK added as FORMAT (read-only if RO), launched, and the roots
 * libguestfs's inspect_os finds.  Returns the step that failed, with
 * *G set when the handle exists (the caller words the error, through
 * fg_guestfs_error, and closes *G) and *ROOTS as inspect_os gave it
 * (NULL, or empty when it found no operating system). */
enum fg_guestfs_step {
  FG_GUESTFS_OK,                /* launched, *ROOTS holds a root */
  FG_GUESTFS_CREATE,            /* no handle (*G NULL) */
  FG_GUESTFS_ADD,               /* the disk was not added */
  FG_GUESTFS_LAUNCH,            /* the appliance did not start */
  FG_GUESTFS_NO_ROOT,           /* no operating system found */
};
enum fg_guestfs_step fg_guestfs_open (const char *disk, const char *format,
                                      int ro, struct guestfs_h **g,
                                      char ***roots);

/* Mount ROOT's file systems as the guest's fstab says, shortest mount
 * point first ("/" before "/boot"), read-only if RO.  A file system
 * fstab names that is not on this disk (a data disk) is skipped; -1 when
 * "/" itself cannot be mounted (or out of memory). */
int fg_guestfs_mount_root (struct guestfs_h *g, const char *root, int ro);

/* Free a NULL-terminated list libguestfs returned. */
void fg_guestfs_free_strings (char **v);

/* A libguestfs failure of G while DOING ("starting the libguestfs
 * appliance") set in E as one line that names the user's SHOWN source,
 * never the scratch DISK fg2ng handed the appliance (every mention of
 * DISK in libguestfs's words is written as SHOWN; NULL: DISK is the
 * user's), with a hint: for a failed start (KIND FG_E_IO, exit 3) the
 * acceleration used and how to switch to software emulation.  -1. */
int fg_guestfs_error (struct guestfs_h *g, struct fg_err *e,
                      enum fg_errkind kind, const char *disk,
                      const char *shown, const char *doing);

#endif
