/* inspect/guest.c --- block-level inspection through libguestfs
 *
 * A disk is opened read-only in one libguestfs appliance (10-20 s under
 * software emulation, a few seconds with KVM): inspect_os identifies the
 * system, the guest's file systems are mounted read-only, and the same
 * kept files as the file-level inspector's are read into the inspection,
 * so that identification, the plan and the fixups work on both alike.
 * The appliance's backend is the user's (LIBGUESTFS_BACKEND_SETTINGS is
 * never set here).
 */
#include "inspect/inspect.h"
#include "inspect/vmaccel.h"

#include <errno.h>
#include <fnmatch.h>
#include <guestfs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
gerr (guestfs_h *g, struct fg_err *e, const char *path, const char *doing)
{
  const char *m = g ? guestfs_last_error (g) : NULL;
  fg_err_set (e, FG_E_INPUT, "'%s': %s: %s", path, doing,
              m ? m : "libguestfs failed");
  fg_err_hint (e, "run 'libguestfs-test-tool' to check that libguestfs "
               "works on this machine");
  return -1;
}

static void
free_strings (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

static int
cmp_len (const void *a, const void *b)
{
  /* Mount points shortest first: "/" before "/boot". */
  const char *const *x = a, *const *y = b;
  return (int) strlen (*x) - (int) strlen (*y);
}

/* Mount the root's file systems read-only, as the guest's fstab says. */
static void
mount_all (guestfs_h *g, const char *root)
{
  char **mp = guestfs_inspect_get_mountpoints (g, root);
  size_t n = 0;
  char **keys;

  if (mp == NULL)
    return;
  while (mp[2 * n])
    n++;
  keys = calloc (n + 1, sizeof *keys);
  if (keys) {
    for (size_t i = 0; i < n; i++)
      keys[i] = mp[2 * i];
    qsort (keys, n, sizeof *keys, cmp_len);
    for (size_t i = 0; i < n; i++)
      for (size_t k = 0; k < n; k++)
        if (mp[2 * k] == keys[i])
          guestfs_mount_ro (g, mp[2 * k + 1], mp[2 * k]);
    free (keys);
  }
  free_strings (mp);
}

/* One kept file (or symlink) read from the guest into the inspection. */
static void
keep (guestfs_h *g, struct fg_inspection *in, const char *abs)
{
  struct fg_err ignored = FG_ERR_INIT;

  if (guestfs_is_symlink (g, abs) > 0) {
    char *t = guestfs_readlink (g, abs);
    if (t)
      fg_files_add_symlink (&in->files, abs + 1, t, &ignored);
    free (t);
  } else if (guestfs_is_file (g, abs) > 0) {
    size_t size = 0;
    char *data = guestfs_read_file (g, abs, &size);
    if (data)
      fg_files_add (&in->files, abs + 1, data, size, &ignored);
    free (data);
  }
}

static void
read_pattern (guestfs_h *g, struct fg_inspection *in, const char *pattern)
{
  char abs[512];

  snprintf (abs, sizeof abs, "/%s", pattern);
  if (strchr (pattern, '*') || strchr (pattern, '[') || strchr (pattern, '?')) {
    char **found = guestfs_glob_expand (g, abs);
    for (size_t i = 0; found && found[i]; i++)
      keep (g, in, found[i]);
    free_strings (found);
  } else
    keep (g, in, abs);
}

static void
read_files (guestfs_h *g, struct fg_inspection *in)
{
  for (const char *const *p = fg_net_file_patterns; *p; p++)
    read_pattern (g, in, *p);
  for (const char *const *p = fg_inspect_keep; *p; p++) {
    char abs[512];
    snprintf (abs, sizeof abs, "/%s", *p);
    if (strchr (*p, '*')) {
      char **found = guestfs_glob_expand (g, abs);
      for (size_t i = 0; found && found[i]; i++)
        keep (g, in, found[i]);
      free_strings (found);
    } else
      keep (g, in, abs);
  }
  /* Top-level symlinks (merged /usr), as the streaming inspector keeps. */
  {
    char **top = guestfs_ls (g, "/");
    for (size_t i = 0; top && top[i]; i++) {
      char abs[512];
      snprintf (abs, sizeof abs, "/%s", top[i]);
      if (guestfs_is_symlink (g, abs) > 0)
        keep (g, in, abs);
    }
    free_strings (top);
  }
}

/* libguestfs has no cpio listing in every version: the initramfs is
 * downloaded to a scratch file under $TMPDIR, listed with libarchive
 * (inspect/initramfs.h), removed.  Left "not listed" if that fails. */
static void
list_initramfs (guestfs_h *g, const char *guest_path, struct fg_initramfs *out)
{
  const char *tmp = getenv ("TMPDIR");
  char path[4200];
  struct fg_err ignored = FG_ERR_INIT;
  int fd;

  snprintf (path, sizeof path, "%s/fg2ng-initramfs-XXXXXX",
            tmp && *tmp ? tmp : "/tmp");
  fd = mkstemp (path);
  if (fd < 0)
    return;
  close (fd);
  if (guestfs_download (g, guest_path, path) == 0 &&
      fg_initramfs_list_file (path, out, &ignored) < 0)
    memset (out, 0, sizeof *out);
  unlink (path);
}

static void
note_kernels (guestfs_h *g, struct fg_inspection *in)
{
  char **boot = guestfs_glob_expand (g, "/boot/vmlinu[xz]-*");

  for (size_t i = 0; boot && boot[i] && in->nkernels < FG_MAX_KERNELS; i++) {
    struct fg_kernel *k = &in->kernels[in->nkernels];
    const char *v = strchr (boot[i] + 6, '-') + 1;
    char probe[600];
    char **hits;
    size_t len = strlen (v);

    /* SUSE's vmlinuz-xen is a link to vmlinuz-VERSION, its vmlinux-
     * VERSION.gz the same kernel as ELF: neither is a kernel of its own. */
    if (guestfs_is_symlink (g, boot[i]) > 0)
      continue;
    if (len > 3 && strcmp (v + len - 3, ".gz") == 0)
      len -= 3;
    {
      int dup = 0;
      for (unsigned j = 0; j < in->nkernels; j++)
        if (strlen (in->kernels[j].version) == len &&
            strncmp (in->kernels[j].version, v, len) == 0)
          dup = 1;
      if (dup)
        continue;
    }
    memset (k, 0, sizeof *k);
    k->builtin_blkfront = k->builtin_netfront = k->initramfs_xen = -1;
    k->version = strndup (v, len);
    if (k->version == NULL)
      break;
    v = k->version;
    in->nkernels++;
    for (int pass = 0; pass < 2 && !k->has_initrd; pass++) {
      snprintf (probe, sizeof probe, pass ? "/boot/initramfs-%s.img"
                : "/boot/initrd*%s*", v);
      hits = guestfs_glob_expand (g, probe);
      k->has_initrd = hits && hits[0];
      if (k->has_initrd)
        list_initramfs (g, hits[0], &k->initramfs);
      free_strings (hits);
    }
    snprintf (probe, sizeof probe, "/lib/modules/%s", v);
    k->has_modules = guestfs_is_dir (g, probe) > 0;
    snprintf (probe, sizeof probe,
              "/lib/modules/%s/kernel/drivers/block/xen-blkfront.ko*", v);
    hits = guestfs_glob_expand (g, probe);
    k->xen_blkfront = hits && hits[0] ? 1 : -1;
    free_strings (hits);
    snprintf (probe, sizeof probe,
              "/lib/modules/%s/kernel/drivers/net/xen-netfront.ko*", v);
    hits = guestfs_glob_expand (g, probe);
    k->xen_netfront = hits && hits[0] ? 1 : -1;
    free_strings (hits);
  }
  free_strings (boot);
}

/* PATH, spelt in any case, is a file ('f') or a folder ('d'). */
static int
nocase_is (guestfs_h *g, const char *path, int what)
{
  char *real = guestfs_case_sensitive_path (g, path);
  int yes = 0;

  if (real)
    yes = what == 'f'
      ? guestfs_is_file_opts (g, real, GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1,
                              -1) > 0
      : guestfs_is_dir (g, real) > 0;
  free (real);
  return yes;
}

/* A Windows domain controller: the NTDS database or SYSVOL on disk;
 * else the registry's ProductType, LanmanNT on a domain controller. */
static int
windows_dc (guestfs_h *g, const char *root)
{
  char *sysroot = guestfs_inspect_get_windows_systemroot (g, root);
  char path[600];
  int dc = -1;

  if (sysroot == NULL)
    return -1;
  /* NTFS names are case-insensitive to Windows but not to libguestfs:
   * each path is looked up as the disk spells it. */
  snprintf (path, sizeof path, "%s/NTDS/ntds.dit", sysroot);
  if (nocase_is (g, path, 'f'))
    dc = 1;
  snprintf (path, sizeof path, "%s/SYSVOL", sysroot);
  if (dc < 0 && nocase_is (g, path, 'd'))
    dc = 1;
  if (dc < 0) {
    char hive[600], *real;
    snprintf (hive, sizeof hive, "%s/system32/config/SYSTEM", sysroot);
    real = guestfs_case_sensitive_path (g, hive);
    if (real && guestfs_hivex_open (g, real, -1) == 0) {
      int64_t node = guestfs_hivex_root (g);
      static const char *const keys[] = { "ControlSet001", "Control",
                                          "ProductOptions", NULL };
      for (int i = 0; keys[i] && node > 0; i++)
        node = guestfs_hivex_node_get_child (g, node, keys[i]);
      if (node > 0) {
        int64_t val = guestfs_hivex_node_get_value (g, node, "ProductType");
        char *s = val > 0 ? guestfs_hivex_value_string (g, val) : NULL;
        dc = s && strcmp (s, "LanmanNT") == 0;
        free (s);
      } else
        dc = 0;
      guestfs_hivex_close (g);
    }
    free (real);
  }
  free (sysroot);
  return dc;
}

/* What the guest at ROOT is, from a launched handle: the disk's size,
 * libguestfs's own inspection, then the kept files, kernels and usage read from its file
 * systems (mounted here read-only if MOUNT, else already mounted). */
void
fg_inspect_guest (guestfs_h *g, const char *r, int mount,
                  struct fg_inspection *in)
{
  char *type = guestfs_inspect_get_type (g, r);
  char *distro = guestfs_inspect_get_distro (g, r);
  int major = guestfs_inspect_get_major_version (g, r);
  int minor = guestfs_inspect_get_minor_version (g, r);
  char *host = guestfs_inspect_get_hostname (g, r);
  char *arch = guestfs_inspect_get_arch (g, r);
  char *product = guestfs_inspect_get_product_name (g, r);
  char ver[32];
  char **devs = guestfs_list_devices (g);

  in->layout = "block";
  if (devs && devs[0]) {
    int64_t sz = guestfs_blockdev_getsize64 (g, devs[0]);
    if (sz > 0)
      in->vhd_virtual = (uint64_t) sz;
  }
  free_strings (devs);
  in->os_type = type && strcmp (type, "windows") == 0 ? "windows"
    : type && strcmp (type, "linux") == 0 ? "linux" : "unknown";
  if (distro && strcmp (distro, "unknown") != 0)
    in->distro = strdup (distro);
  if (major >= 0) {
    snprintf (ver, sizeof ver, "%d.%d", major, minor < 0 ? 0 : minor);
    in->version = strdup (ver);
    snprintf (ver, sizeof ver, "%d", major);
    in->major = strdup (ver);
  }
  if (host && strcmp (host, "unknown") != 0)
    in->hostname = strdup (host);
  if (arch && strcmp (arch, "unknown") != 0)
    in->arch = strdup (arch);
  if (product && strcmp (product, "unknown") != 0)
    in->product = strdup (product);
  free (type);
  free (distro);
  free (host);
  free (arch);
  free (product);
  if (mount)
    mount_all (g, r);
  if (strcmp (in->os_type, "windows") == 0)
    in->windows_dc = windows_dc (g, r);
  else {
    struct guestfs_statvfs *v = guestfs_statvfs (g, "/");
    if (v) {
      in->bytes_used = (uint64_t) (v->blocks - v->bfree) * (uint64_t) v->frsize;
      in->inodes = (uint64_t) (v->files - v->ffree);
      guestfs_free_statvfs (v);
    }
    read_files (g, in);
    note_kernels (g, in);
  }
  fg_inspect_identify (in);
}

int
fg_inspect_disk (const char *path, const char *format,
                 struct fg_inspection *in, struct fg_err *e)
{
  guestfs_h *g = fg_guestfs_create ();
  char **roots = NULL;
  struct stat st;
  int rc = -1;

  if (g == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, errno, "cannot start libguestfs");
  guestfs_set_error_handler (g, NULL, NULL);
  in->layout = "block";         /* also when no OS is found below */
  if (stat (path, &st) == 0)
    in->vhd_physical = (uint64_t) st.st_size;
  if (guestfs_add_drive_opts (g, path, GUESTFS_ADD_DRIVE_OPTS_READONLY, 1,
                              GUESTFS_ADD_DRIVE_OPTS_FORMAT, format, -1) < 0) {
    gerr (g, e, path, "cannot add the disk");
    goto out;
  }
  if (guestfs_launch (g) < 0) {
    gerr (g, e, path, "cannot start the libguestfs appliance");
    goto out;
  }
  roots = guestfs_inspect_os (g);
  if (roots == NULL || roots[0] == NULL) {
    fg_err_set (e, FG_E_INPUT, "'%s': no operating system found on the "
                "disk", path);
    goto out;
  }
  fg_inspect_guest (g, roots[0], 1, in);
  rc = 0;

out:
  free_strings (roots);
  guestfs_close (g);
  return rc;
}
