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

#include "util/err.h"
#include "fixups/fixups.h"
#include "net/netplan.h"
#include "plan/plan.h"

/* Mount the guest on DISK (FORMAT "raw", "vpc", ...) read-write, as its
 * fstab says, and run ARGV (NULL-terminated) in it.  *LOG (malloc'd, may
 * be NULL) gets what the command printed.  Errors name SHOWN (the user's
 * source; DISK is a scratch copy of it) and the command, with the
 * command's own words. */
int fg_guest_run (const char *disk, const char *shown, const char *format,
                  const char *const *argv, char **log, struct fg_err *e);

/* Block-level images: the fixups a file-level conversion makes while
 * writing, made instead inside the guest on DISK (a scratch copy: raw,
 * read-write), in one appliance: the distribution from libguestfs
 * inspection, its profile's edits (fstab and grub by the root file
 * system's own UUID, console, udev rules, securetty, getty, initramfs
 * modules), the network plan for MODE and the server record rendered into
 * the guest's files, and, when asked, the initramfs rebuilt by the
 * guest's own tool (block-level images come from first-gen's XenServer
 * hosts, where they booted PV already: "auto" keeps it).
 *
 * With PLAN set, the eligibility rules run first on the guest as the
 * appliance sees it (the same inspection as `check` of a disk): an
 * ineligible guest is left untouched and R->refused set, unless
 * NO_CHECK, and R->plan holds the verdicts either way. */
struct fg_guest_fix_opts {
  const char *mode;             /* NULL: image */
  const char *server_record;    /* may be NULL */
  int rebuild_initramfs;
  const struct fg_plan_opts *plan;  /* NULL: no rules */
  int no_check;                 /* fix up even an ineligible guest */
  const char *shown;            /* the user's source, for messages */
};

struct fg_guest_fix_result {
  char *distro, *major;
  char *version, *arch, *os_type;   /* as libguestfs inspection says */
  struct fg_fixups *fixups;     /* the changes made (NULL: no profile) */
  struct fg_net_plan net;
  int net_planned;
  int initramfs_rebuilt;
  char *initramfs_log;
  struct fg_plan plan;          /* the rules' verdicts, if planned */
  int planned;
  int refused;                  /* not eligible: the guest was not touched */
};

int fg_guest_fixups (const char *disk, const char *format,
                     const struct fg_guest_fix_opts *o,
                     struct fg_guest_fix_result *r, struct fg_err *e);
void fg_guest_fix_result_release (struct fg_guest_fix_result *r);

#endif
