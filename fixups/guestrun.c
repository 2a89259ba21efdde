/* fixups/guestrun.c --- one libguestfs handle, the guest's command */
#include "fixups/guestrun.h"

#include <errno.h>
#include <guestfs.h>
#include <stdlib.h>
#include <string.h>

static void
free_strings (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

static int
shorter_first (const void *a, const void *b)
{
  const char *const *x = a, *const *y = b;
  size_t n = strlen (*x), m = strlen (*y);
  return n < m ? -1 : n > m;
}

/* Mount ROOT's file systems read-write, "/" first. */
static int
mount_rw (guestfs_h *g, const char *root)
{
  char **mp = guestfs_inspect_get_mountpoints (g, root);
  const char **keys;
  size_t n = 0;
  int rc = 0;

  if (mp == NULL)
    return -1;
  while (mp[2 * n])
    n++;
  keys = calloc (n + 1, sizeof *keys);
  if (keys == NULL) {
    free_strings (mp);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    keys[i] = mp[2 * i];
  qsort (keys, n, sizeof *keys, shorter_first);
  for (size_t i = 0; i < n && rc == 0; i++)
    for (size_t k = 0; k < n; k++)
      if (mp[2 * k] == keys[i]) {
        /* A data disk fstab names is not on this disk: skip it. */
        if (guestfs_mount (g, mp[2 * k + 1], mp[2 * k]) < 0 &&
            strcmp (mp[2 * k], "/") == 0)
          rc = -1;
        break;
      }
  free (keys);
  free_strings (mp);
  return rc;
}

int
fg_guest_run (const char *disk, const char *format, const char *const *argv,
              char **log, struct fg_err *e)
{
  guestfs_h *g = guestfs_create ();
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
  if (mount_rw (g, roots[0]) < 0)
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
  {
    const char *m = guestfs_last_error (g);
    fg_err_set (e, FG_E_INTERNAL, "'%s': %s in the guest: %s", disk, doing,
                m ? m : "libguestfs failed");
    fg_err_hint (e, "run 'libguestfs-test-tool' to check that libguestfs "
                 "works here; --initramfs keep skips the rebuild");
  }
done:
  free (out);
  free_strings (roots);
  guestfs_close (g);
  return rc;
}
