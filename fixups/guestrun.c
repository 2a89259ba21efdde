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

int
fg_guest_run (const char *disk, const char *shown, const char *format,
              const char *const *argv, char **log, struct fg_err *e)
{
  guestfs_h *g = fg_guestfs_create ();
  char **roots = NULL, *out = NULL;
  const char *doing = "starting the libguestfs appliance";
  int rc = -1;

  if (log)
    *log = NULL;
  if (g == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "cannot create a libguestfs handle");
  if (argv == NULL || argv[0] == NULL) {
    guestfs_close (g);
    return fg_err_set (e, FG_E_INTERNAL, "no command to run in the guest");
  }
  if (guestfs_add_drive_opts (g, disk, GUESTFS_ADD_DRIVE_OPTS_FORMAT, format,
                              -1) < 0 || guestfs_launch (g) < 0)
    goto gerr;
  doing = "finding the guest's root file system";
  roots = guestfs_inspect_os (g);
  if (roots == NULL || roots[0] == NULL)
    goto gerr;
  doing = "mounting the guest's file systems";
  if (fg_guestfs_mount_root (g, roots[0], 0) < 0)
    goto gerr;
  doing = argv[0];
  out = guestfs_command (g, (char *const *) argv);
  if (out == NULL)
    goto gerr;
  doing = "writing the guest's file systems back";
  if (guestfs_umount_all (g) < 0 || guestfs_shutdown (g) < 0)
    goto gerr;
  rc = 0;
  if (log) {
    *log = out;
    out = NULL;
  }
  goto done;

gerr:
  fg_guestfs_error (g, e, roots ? FG_E_INTERNAL : FG_E_IO, disk, shown,
                    doing);
  if (roots)
    fg_err_hint (e, "run 'libguestfs-test-tool' to check that libguestfs "
                 "works here; --initramfs keep skips the rebuild");
done:
  free (out);
  fg_guestfs_free_strings (roots);
  guestfs_close (g);
  return rc;
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

/* The rules on the guest at ROOT, mounted: the same inspection and plan
 * as `check` of the disk.  -1 only on an error (E set). */
static int
plan_guest (guestfs_h *g, const char *root, const struct fg_guest_fix_opts *o,
            struct fg_guest_fix_result *r, struct fg_err *e)
{
  struct fg_inspection in;
  int rc;

  fg_inspection_init (&in);
  rc = fg_inspect_guest (g, root, 0, &in, e);
  /* The disk here is the raw scratch: its size is the source's virtual
   * size, what the rules compare. */
  in.vhd_physical = in.vhd_virtual;
  if (rc == 0)
    rc = fg_plan_make (&in, o->plan, &r->plan, e);
  if (rc == 0) {
    r->planned = 1;
    r->refused = !r->plan.eligible && !o->no_check;
  }
  fg_inspection_release (&in);
  return rc;
}

int
fg_guest_fixups (const char *disk, const char *format,
                 const struct fg_guest_fix_opts *o,
                 struct fg_guest_fix_result *r, struct fg_err *e)
{
  guestfs_h *g = fg_guestfs_create ();
  char **roots = NULL, *uuid = NULL, *type = NULL;
  struct fg_files files;
  struct fg_net net;
  const char *doing = "starting the libguestfs appliance";
  int rc = -1;

  memset (r, 0, sizeof *r);
  memset (&net, 0, sizeof net);
  fg_files_init (&files);
  if (g == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "cannot create a libguestfs handle");
  if (guestfs_add_drive_opts (g, disk, GUESTFS_ADD_DRIVE_OPTS_FORMAT, format,
                              -1) < 0 || guestfs_launch (g) < 0)
    goto gerr;
  doing = "finding the guest's root file system";
  roots = guestfs_inspect_os (g);
  if (roots == NULL || roots[0] == NULL)
    goto gerr;
  r->distro = guestfs_inspect_get_distro (g, roots[0]);
  {
    int major = guestfs_inspect_get_major_version (g, roots[0]);
    char buf[16];
    snprintf (buf, sizeof buf, "%d", major);
    r->major = strdup (buf);
    snprintf (buf, sizeof buf, "%d.%d", major,
              guestfs_inspect_get_minor_version (g, roots[0]));
    r->version = strdup (buf);
    r->arch = guestfs_inspect_get_arch (g, roots[0]);
    r->os_type = guestfs_inspect_get_type (g, roots[0]);
  }
  doing = "mounting the guest's file systems";
  if (fg_guestfs_mount_root (g, roots[0], 0) < 0 || root_fs (g, roots[0], &uuid, &type) < 0)
    goto gerr;
  if (o->plan) {
    if (plan_guest (g, roots[0], o, r, e) < 0)
      goto out;
    if (r->refused) {
      rc = 0;                   /* nothing changed: the scratch is dropped */
      goto out;
    }
  }
  keep_files (g, &files);
  {
    struct fg_err pe = FG_ERR_INIT;
    fg_net_parse (&files, NULL, &net, &pe);
  }
  if (fg_net_plan_from (o->mode, o->server_record, &net, &r->net, e) < 0)
    goto out;
  r->net_planned = 1;
  {
    struct fg_fixup_facts facts = { r->distro, uuid, type, &r->net, &files,
                                    r->major };
    if (fg_fixups_new (&r->fixups, &facts, e) < 0)
      goto out;
  }
  if (r->fixups) {
    const char *path, *data;
    size_t i = 0, len;
    doing = "editing the guest's files";
    for (size_t k = 0; k < files.n; k++) {
      const struct fg_file *f = &files.v[k];
      char abs[4200], *edited = NULL;
      size_t elen = 0;
      if (f->data == NULL || !fg_fixups_touches (r->fixups, f->path))
        continue;
      snprintf (abs, sizeof abs, "/%s", f->path);
      switch (fg_fixups_apply (r->fixups, f->path, f->data, f->len, &edited,
                               &elen)) {
      case FG_FIX_REPLACE:
        if (guestfs_write (g, abs, edited, elen) < 0) {
          free (edited);
          goto gerr;
        }
        break;
      case FG_FIX_REMOVE:
        if (guestfs_rm (g, abs) < 0)
          goto gerr;
        break;
      case FG_FIX_KEEP:
        break;
      }
      free (edited);
    }
    while (fg_fixups_next_new (r->fixups, &i, &path, &data, &len)) {
      char abs[4200];
      snprintf (abs, sizeof abs, "/%s", path);
      if (put_file (g, abs, data, len) < 0)
        goto gerr;
      fg_fixups_created (r->fixups, path);
    }
    if (o->rebuild_initramfs) {
      const char *const *argv = fg_fixups_initramfs_command (r->fixups);
      char *outp;
      doing = argv && argv[0] ? argv[0] : "the initramfs rebuild";
      outp = argv ? guestfs_command (g, (char *const *) argv) : NULL;
      if (outp == NULL)
        goto gerr;
      r->initramfs_log = outp;
      r->initramfs_rebuilt = 1;
    }
  }
  doing = "writing the guest's file systems back";
  if (guestfs_umount_all (g) < 0 || guestfs_shutdown (g) < 0)
    goto gerr;
  rc = 0;
  goto out;

gerr:
  fg_guestfs_error (g, e, roots ? FG_E_INTERNAL : FG_E_IO, disk, o->shown,
                    doing);
  if (roots)
    fg_err_hint (e, "run 'libguestfs-test-tool' to check that libguestfs "
                 "works here; --no-fixups copies the disk unchanged");
out:
  free (uuid);
  free (type);
  fg_net_release (&net);
  fg_files_release (&files);
  fg_guestfs_free_strings (roots);
  guestfs_close (g);
  return rc;
}

void
fg_guest_fix_result_release (struct fg_guest_fix_result *r)
{
  if (r->planned)
    fg_plan_release (&r->plan);
  r->planned = 0;
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
