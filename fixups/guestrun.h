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

struct fg_inspection;

/* One appliance on DISK (fg2ng's scratch copy, FORMAT "raw", "vpc", ...,
 * read-write): launched, the guest found, its file systems mounted as
 * its fstab says.  Errors name SHOWN (the user's source) with the
 * step that failed; a failure inside a launched guest also gets HINT
 * (how to go without this appliance). */
struct fg_guest;
int fg_guest_open (const char *disk, const char *format, const char *shown,
                   const char *hint, struct fg_guest **out, struct fg_err *e);
/* The guest as `check` of the disk sees it (inspect/inspect.h), for the
 * rules: IN is filled, the caller makes the plan. */
int fg_guest_inspect (struct fg_guest *gs, struct fg_inspection *in,
                      struct fg_err *e);
/* Run ARGV (NULL-terminated) in the guest; *LOG (malloc'd, may be
 * NULL) gets what the command printed. */
int fg_guest_command (struct fg_guest *gs, const char *const *argv,
                      char **log, struct fg_err *e);
/* Write the guest's file systems back and close the appliance. */
int fg_guest_finish (struct fg_guest *gs, struct fg_err *e);
/* Close it without writing back (after an error or a refusal: the
 * scratch copy is dropped anyway).  NULL is fine. */
void fg_guest_close (struct fg_guest *gs);

/* Open, run ARGV, finish: the initramfs rebuild of a file-level image. */
int fg_guest_run (const char *disk, const char *shown, const char *format,
                  const char *const *argv, char **log, struct fg_err *e);

/* Block-level images: the fixups a file-level conversion makes while
 * writing, made instead inside the opened guest: the distribution from
 * libguestfs inspection, its profile's edits (fstab and grub by the root
 * file system's own UUID, console, udev rules, securetty, getty,
 * initramfs modules), the network plan for MODE and the server record
 * rendered into the guest's files, and, when asked, the initramfs
 * rebuilt by the guest's own tool (block-level images come from
 * first-gen's XenServer hosts, where they booted PV already: "auto"
 * keeps it).  The rules are the caller's (the pipeline), on
 * fg_guest_inspect's findings, before this. */
struct fg_guest_fix_opts {
  const char *mode;             /* NULL: image */
  const char *server_record;    /* may be NULL */
  int rebuild_initramfs;
};

struct fg_guest_fix_result {
  char *distro, *major;
  char *version, *arch, *os_type;   /* as libguestfs inspection says */
  struct fg_fixups *fixups;     /* the changes made (NULL: no profile) */
  struct fg_net_plan net;
  int net_planned;
  int initramfs_rebuilt;
  char *initramfs_log;
};

int fg_guest_fixups (struct fg_guest *gs, const struct fg_guest_fix_opts *o,
                     struct fg_guest_fix_result *r, struct fg_err *e);
void fg_guest_fix_result_release (struct fg_guest_fix_result *r);

#endif
