/* fixups/fixups.h --- what must change in a guest for next-gen, as edits
 *
 * The distro's profile (profiles/<family>.json) says what a first-gen
 * guest needs on next-gen: fstab and the grub configuration naming the
 * root file system by UUID (first-gen said /dev/sda1; next-gen's disk is
 * /dev/xvda), console=hvc0 for pygrub's PV boot, stale udev network
 * rules removed, a getty on hvc0, the initramfs configuration its
 * release's tool reads.  These are plain file edits: the file-level
 * converter applies them to each file as it is written, and the dry run
 * applies them to the files inspection kept.  Every file the fixups may
 * touch is one inspection keeps (checked when the profile is loaded), so
 * the dry run and the conversion make the same changes; each is recorded
 * with a unified diff.  The one command run inside the guest (its own
 * tool rebuilding the initramfs) is decided here too, once, by
 * fg_fixups_decide_initramfs: the dry run prints that decision and the
 * conversion executes it.  fg_fixups_json and fg_fixups_print give the
 * whole plan, files and guest commands, to both.
 */
#ifndef FG_FIXUPS_FIXUPS_H
#define FG_FIXUPS_FIXUPS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "util/err.h"
#include "net/netplan.h"
#include "util/files.h"
#include "facts/profile.h"

struct fg_fixups;
struct fg_inspection;

struct fg_fixup_facts {
  const char *distro;         /* from inspection */
  const char *fs_uuid;        /* the new root file system's UUID */
  const char *fs_type;        /* "ext4" or "ext3" */
  /* The planned addresses (NULL: the network files are kept).  When
   * net->render is set, the profile's network renderer rewrites the
   * guest's network files from net->net; FILES (the files inspection
   * kept) gives the current contents of those it edits.  Both must
   * outlive the fixups. */
  const struct fg_net_plan *net;
  const struct fg_files *files;
  const char *major;          /* the release's major version ("5"), or NULL */
};

/* The edits for DISTRO; *OUT is NULL (and a warning given) when no
 * profile knows the distro: the disk is then written unchanged. */
int fg_fixups_new (struct fg_fixups **out, const struct fg_fixup_facts *f,
                   struct fg_err *e);
void fg_fixups_free (struct fg_fixups *fx);

/* The network plan moved (its owner copied it elsewhere): follow it. */
void fg_fixups_set_net (struct fg_fixups *fx, const struct fg_net_plan *net);

/* The new file system is known (its UUID is random, set at mkfs). */
int fg_fixups_set_fs (struct fg_fixups *fx, const char *fs_uuid,
                      const char *fs_type);

enum fg_fix { FG_FIX_KEEP = 0, FG_FIX_REPLACE, FG_FIX_REMOVE };

/* 1 if the file at PATH (relative to the root) may be edited or removed:
 * its contents are then needed in memory. */
int fg_fixups_touches (const struct fg_fixups *fx, const char *path);

/* Edit one file.  FG_FIX_REPLACE gives a malloc'd *OUT of *OUTLEN bytes.
 * Changes are recorded for the report. */
enum fg_fix fg_fixups_apply (struct fg_fixups *fx, const char *path,
                             const char *data, size_t len, char **out,
                             size_t *outlen);

/* A file the fixups create that the image did not hold (a network file
 * of the new model): call with *I = 0 first; returns 1 with PATH and its
 * contents (owned by FX) and advances *I, or 0 when there are no more.
 * Only files fg_fixups_apply has not been given are listed.  The caller
 * creates each and reports it with fg_fixups_created. */
int fg_fixups_next_new (const struct fg_fixups *fx, size_t *i,
                        const char **path, const char **data, size_t *len);
void fg_fixups_created (struct fg_fixups *fx, const char *path);

/* The guest command that rebuilds its initramfs (argv, NULL-terminated,
 * owned by FX), and the modules it must hold; NULL without a profile. */
const char *const *fg_fixups_initramfs_command (const struct fg_fixups *fx);
const struct fg_strv *fg_fixups_initramfs_modules (const struct fg_fixups *fx);

/* convert --initramfs: auto, rebuild, keep. */
enum fg_rebuild_when {
  FG_REBUILD_AUTO = 0, FG_REBUILD_ALWAYS, FG_REBUILD_NEVER
};

/* Whether the guest's own tool rebuilds the initramfs: never with keep,
 * always with rebuild; with auto, for a file-level image IN, when a
 * kernel the guest boots has modules and an initramfs that lacks (or may
 * lack) xen-blkfront or xen-netfront; a block-level image (IN NULL or
 * its layout "block") booted PV on first-gen already and is rebuilt only
 * when asked.  The decision and why are kept in FX for the report (the
 * "pending" entry's "run" and "why"); returns 1 to rebuild, 0 not (and
 * 0 without FX). */
int fg_fixups_decide_initramfs (struct fg_fixups *fx,
                                const struct fg_inspection *in,
                                enum fg_rebuild_when when);
/* The reason of the last decision, or NULL before one. */
const char *fg_fixups_initramfs_why (const struct fg_fixups *fx);

/* The file system the guest's kernels can mount: the profile's
 * "filesystem", or ext3 when a kernel is older than its
 * "ext4_min_kernel".  KERNELS are version strings ("2.6.18-398.el5").
 * NULL if no profile knows DISTRO. */
const char *fg_fixups_choose_fs (const char *distro, const char *const *kernels,
                                 size_t n, struct fg_err *e);

/* The changes so far: {"profile", "changes": [{"path": ..., "action":
 * "edit"|"create"|"remove", "diff": ...}], "pending": the guest
 * commands, [{"action": "initramfs", "tool", "file" (the configuration
 * the tool reads, written by the fixups, or null), "format", "modules",
 * "command", "run" and "why" (once decided), "note"?}]}. */
json_t *fg_fixups_json (const struct fg_fixups *fx);
/* The same for the human report: one "  ACTION PATH" line per change,
 * the diffs, then each guest command, whether it will run and why. */
void fg_fixups_print (const struct fg_fixups *fx, FILE *f);
const char *fg_fixups_profile (const struct fg_fixups *fx);

#endif
