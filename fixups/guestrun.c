/* fixups/guestrun.c --- one libguestfs handle, the guest's command */
#include "fixups/guestrun.h"

#include <errno.h>
#include <fnmatch.h>
#include <guestfs.h>
#include <stdlib.h>
#include <string.h>

#include "util/files.h"
#include "inspect/inspect.h"
#include "net/netcfg.h"
#include "inspect/vmaccel.h"

/* One appliance on a scratch disk, and what failed in it. */
struct fg_guest {
  guestfs_h *g;
  char **roots;                 /* inspect_os's; roots[0] is the guest */
  const char *disk, *shown, *hint;
};

/* A libguestfs failure while DOING, as one error naming the user's
 * source; once the guest was found, with the way around it too. */
static int
guest_fail (struct fg_guest *gs, const char *doing, struct fg_err *e)
{
  fg_guestfs_error (gs->g, e, gs->roots ? FG_E_INTERNAL : FG_E_IO, gs->disk,
                    gs->shown, doing);
  if (gs->roots)
    fg_err_hint (e, "run 'libguestfs-test-tool' to check that libguestfs "
                 "works here; %s", gs->hint);
  return -1;
}

void
fg_guest_close (struct fg_guest *gs)
{
  if (gs == NULL)
    return;
  fg_guestfs_free_strings (gs->roots);
  if (gs->g)
    guestfs_close (gs->g);
  free (gs);
}

int
fg_guest_open (const char *disk, const char *format, const char *shown,
               const char *hint, struct fg_guest **out, struct fg_err *e)
{
  struct fg_guest *gs = calloc (1, sizeof *gs);
  const char *doing = NULL;

  *out = NULL;
  if (gs == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "libguestfs handle");
  gs->disk = disk;
  gs->shown = shown;
  gs->hint = hint;
  switch (fg_guestfs_open (disk, format, 0, &gs->g, &gs->roots)) {
  case FG_GUESTFS_CREATE:
    fg_guest_close (gs);
    return fg_err_set (e, FG_E_INTERNAL, "cannot create a libguestfs handle");
  case FG_GUESTFS_ADD:
  case FG_GUESTFS_LAUNCH:
    doing = "starting the libguestfs appliance";
    break;
  case FG_GUESTFS_NO_ROOT:
    doing = "finding the guest's root file system";
    break;
  case FG_GUESTFS_OK:
    if (fg_guestfs_mount_root (gs->g, gs->roots[0], 0) < 0)
      doing = "mounting the guest's file systems";
    break;
  }
  if (doing) {
    guest_fail (gs, doing, e);
    fg_guest_close (gs);
    return -1;
  }
  *out = gs;
  return 0;
}

int
fg_guest_inspect (struct fg_guest *gs, struct fg_inspection *in,
                  struct fg_err *e)
{
  int rc = fg_inspect_guest (gs->g, gs->roots[0], 0, in, e);

  /* The disk here is the raw scratch: its size is the source's virtual
   * size, what the rules compare. */
  in->vhd_physical = in->vhd_virtual;
  return rc;
}

int
fg_guest_command (struct fg_guest *gs, const char *const *argv, char **log,
                  struct fg_err *e)
{
  char *out;

  if (log)
    *log = NULL;
  if (argv == NULL || argv[0] == NULL)
    return guest_fail (gs, "the initramfs rebuild", e);
  out = guestfs_command (gs->g, (char *const *) argv);
  if (out == NULL)
    return guest_fail (gs, argv[0], e);
  if (log)
    *log = out;
  else
    free (out);
  return 0;
}

int
fg_guest_finish (struct fg_guest *gs, struct fg_err *e)
{
  int rc = 0;

  if (guestfs_umount_all (gs->g) < 0 || guestfs_shutdown (gs->g) < 0)
    rc = guest_fail (gs, "writing the guest's file systems back", e);
  fg_guest_close (gs);
  return rc;
}

int
fg_guest_run (const char *disk, const char *shown, const char *format,
              const char *const *argv, char **log, struct fg_err *e)
{
  struct fg_guest *gs;

  if (log)
    *log = NULL;
  if (argv == NULL || argv[0] == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "no command to run in the guest");
  if (fg_guest_open (disk, format, shown, "--initramfs keep skips the "
                     "rebuild", &gs, e) < 0)
    return -1;
  if (fg_guest_command (gs, argv, log, e) < 0) {
    fg_guest_close (gs);
    return -1;
  }
  if (fg_guest_finish (gs, e) < 0) {
    if (log) {
      free (*log);
      *log = NULL;
    }
    return -1;
  }
  return 0;
}

/* ---- block-level fixups ------------------------------------------------- */

/* Keep the guest's file ABS ("/etc/fstab") in FILES, if it is a file. */
static void
keep_file (guestfs_h *g, struct fg_files *files, const char *abs)
{
  struct fg_err ignored = FG_ERR_INIT;
  size_t len;
  char *data;

  if (guestfs_is_file (g, abs) <= 0)
    return;
  data = guestfs_read_file (g, abs, &len);
  if (data && len <= FG_FILES_MAX_SIZE)
    fg_files_add (files, abs + 1, data, len, &ignored);
  free (data);
}

/* The network files (fg_net_file_patterns), and the ones the profile
 * edits, out of the guest. */
static void
keep_files (guestfs_h *g, struct fg_files *files)
{
  static const char *const more[] = {
    "/etc/fstab", "/boot/grub/menu.lst", "/boot/grub/grub.cfg",
    "/boot/grub/grub.conf", "/boot/grub2/grub.cfg", "/etc/securetty",
    "/etc/inittab", "/etc/initramfs-tools/modules", "/etc/sysconfig/kernel",
    "/etc/mkinitcpio.conf", "/etc/conf.d/modules", "/etc/modprobe.conf",
    "/etc/init/hvc0.conf", "/etc/dracut.conf.d/fg2ng-xen.conf",
    "/etc/udev/rules.d/70-persistent-net.rules", NULL };
  guestfs_push_error_handler (g, NULL, NULL);
  for (size_t i = 0; fg_net_file_patterns[i]; i++) {
    char pat[512];
    char **paths;
    snprintf (pat, sizeof pat, "/%s", fg_net_file_patterns[i]);
    paths = guestfs_glob_expand (g, pat);
    for (size_t k = 0; paths && paths[k]; k++)
      keep_file (g, files, paths[k]);
    fg_guestfs_free_strings (paths);
  }
  for (size_t i = 0; more[i]; i++)
    keep_file (g, files, more[i]);
  guestfs_pop_error_handler (g);
}

/* Write TEXT to the guest's ABS, its folder made if needed. */
static int
put_file (guestfs_h *g, const char *abs, const char *text, size_t len)
{
  char *dir = strdup (abs), *slash;
  int rc;

  if (dir == NULL)
    return -1;
  slash = strrchr (dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    if (guestfs_is_dir (g, dir) <= 0 && guestfs_mkdir_p (g, dir) < 0) {
      free (dir);
      return -1;
    }
  }
  free (dir);
  rc = guestfs_write (g, abs, text, len);
  return rc;
}

/* The root file system's device, UUID and type. */
static int
root_fs (guestfs_h *g, const char *root, char **uuid, char **type)
{
  *uuid = guestfs_vfs_uuid (g, root);
  *type = guestfs_vfs_type (g, root);
  return *uuid && *type && **uuid ? 0 : -1;
}

/* Who the guest is, in libguestfs's own words. */
static void
identify (struct fg_guest *gs, struct fg_guest_fix_result *r)
{
  const char *root = gs->roots[0];
  int major = guestfs_inspect_get_major_version (gs->g, root);
  char buf[16];

  r->distro = guestfs_inspect_get_distro (gs->g, root);
  snprintf (buf, sizeof buf, "%d", major);
  r->major = strdup (buf);
  snprintf (buf, sizeof buf, "%d.%d", major,
            guestfs_inspect_get_minor_version (gs->g, root));
  r->version = strdup (buf);
  r->arch = guestfs_inspect_get_arch (gs->g, root);
  r->os_type = guestfs_inspect_get_type (gs->g, root);
}

/* The files the profile and the network plan need, out of the guest,
 * and the fixups made from them (R->fixups NULL: no profile). */
static int
plan_fixups (struct fg_guest *gs, const struct fg_guest_fix_opts *o,
             struct fg_files *files, struct fg_guest_fix_result *r,
             struct fg_err *e)
{
  struct fg_err pe = FG_ERR_INIT;
  struct fg_net net;
  char *uuid = NULL, *type = NULL;
  int rc = -1;

  memset (&net, 0, sizeof net);
  if (root_fs (gs->g, gs->roots[0], &uuid, &type) < 0) {
    guest_fail (gs, "mounting the guest's file systems", e);
    goto out;
  }
  keep_files (gs->g, files);
  fg_net_parse (files, NULL, &net, &pe);
  if (fg_net_plan_from (o->mode, o->server_record, &net, &r->net, e) < 0)
    goto out;
  r->net_planned = 1;
  {
    struct fg_fixup_facts facts = { r->distro, uuid, type, &r->net, files,
                                    r->major };
    rc = fg_fixups_new (&r->fixups, &facts, e);
  }
out:
  free (uuid);
  free (type);
  fg_net_release (&net);
  return rc;
}

/* The profile's edits on the guest's kept FILES, then the files it
 * lacks that the new network model needs. */
static int
apply_edits (struct fg_guest *gs, const struct fg_files *files,
             struct fg_fixups *fx, struct fg_err *e)
{
  const char *path, *data;
  size_t i = 0, len;
  char abs[4200];

  for (size_t k = 0; k < files->n; k++) {
    const struct fg_file *f = &files->v[k];
    char *edited = NULL;
    size_t elen = 0;
    int bad = 0;
    if (f->data == NULL || !fg_fixups_touches (fx, f->path))
      continue;
    snprintf (abs, sizeof abs, "/%s", f->path);
    switch (fg_fixups_apply (fx, f->path, f->data, f->len, &edited, &elen)) {
    case FG_FIX_REPLACE:
      bad = guestfs_write (gs->g, abs, edited, elen) < 0;
      break;
    case FG_FIX_REMOVE:
      bad = guestfs_rm (gs->g, abs) < 0;
      break;
    case FG_FIX_KEEP:
      break;
    }
    free (edited);
    if (bad)
      return guest_fail (gs, "editing the guest's files", e);
  }
  while (fg_fixups_next_new (fx, &i, &path, &data, &len)) {
    snprintf (abs, sizeof abs, "/%s", path);
    if (put_file (gs->g, abs, data, len) < 0)
      return guest_fail (gs, "editing the guest's files", e);
    fg_fixups_created (fx, path);
  }
  return 0;
}

int
fg_guest_fixups (struct fg_guest *gs, const struct fg_guest_fix_opts *o,
                 struct fg_guest_fix_result *r, struct fg_err *e)
{
  struct fg_files files;
  int rc = -1;

  memset (r, 0, sizeof *r);
  fg_files_init (&files);
  identify (gs, r);
  if (plan_fixups (gs, o, &files, r, e) < 0)
    goto out;
  if (r->fixups && apply_edits (gs, &files, r->fixups, e) < 0)
    goto out;
  if (r->fixups && o->rebuild_initramfs) {
    if (fg_guest_command (gs, fg_fixups_initramfs_command (r->fixups),
                          &r->initramfs_log, e) < 0)
      goto out;
    r->initramfs_rebuilt = 1;
  }
  rc = 0;
out:
  fg_files_release (&files);
  return rc;
}

void
fg_guest_fix_result_release (struct fg_guest_fix_result *r)
{
  free (r->distro);
  free (r->major);
  free (r->version);
  free (r->arch);
  free (r->os_type);
  fg_fixups_free (r->fixups);
  if (r->net_planned)
    fg_net_plan_release (&r->net);
  free (r->initramfs_log);
  memset (r, 0, sizeof *r);
}
