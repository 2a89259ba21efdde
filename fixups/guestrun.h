/* fixups/guestrun.h --- the guest's own tools, run through libguestfs
 *
 * Some fixups need the guest's own programs: rebuilding an initramfs
 * with xen-blkfront and xen-netfront takes the guest's update-initramfs,
 * dracut or mkinitrd, with the guest's kernel modules.  One libguestfs
 * appliance per image runs them inside the guest's mounted root.  The
 * disk given here is always fg2ng's own scratch copy, never the source.
 * (The appliance uses KVM where the host has it; fg2ng never forces
 * software emulation.)
 */
#ifndef FG_FIXUPS_GUESTRUN_H
#define FG_FIXUPS_GUESTRUN_H

#include "core/err.h"

/* Mount the guest on DISK (FORMAT "raw", "vpc", ...) read-write, as its
 * fstab says, and run ARGV (NULL-terminated) in it.  *LOG (malloc'd, may
 * be NULL) gets what the command printed.  Errors name DISK and the
 * command, with the command's own words. */
int fg_guest_run (const char *disk, const char *format,
                  const char *const *argv, char **log, struct fg_err *e);

#endif
