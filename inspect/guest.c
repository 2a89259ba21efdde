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
    fg_guestfs_free_strings (found);
  } else
    keep (g, in, abs);
}

static void
read_files (guestfs_h *g, struct fg_inspection *in)
{
  for (const char *const *p = fg_net_file_patterns; *p; p++)
    read_pattern (g, in, *p);
  for (const char *const *p = fg_inspect_keep; *p; p++)
    read_pattern (g, in, *p);
  /* Top-level symlinks (merged /usr), as the streaming inspector keeps. */
  {
    char **top = guestfs_ls (g, "/");
    for (size_t i = 0; top && top[i]; i++) {
      char abs[512];
      snprintf (abs, sizeof abs, "/%s", top[i]);
      if (guestfs_is_symlink (g, abs) > 0)
        keep (g, in, abs);
    }
    fg_guestfs_free_strings (top);
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

/* The guest's /boot and its kernels' modules, named to the same path
 * noter as the archive pass's members (fg_inspect_note_path): kernels,
 * host-supplied modules, Xen drivers and initramfs images are found by
 * one set of rules whatever the source.  Then what the archive pass
 * reads in passing: Arch's image headers and the initramfs listings. */
static void
note_boot (guestfs_h *g, struct fg_inspection *in)
{
  char **boot = guestfs_ls (g, "/boot");
  char rel[4200], abs[4200];

  for (size_t i = 0; boot && boot[i]; i++) {
    snprintf (abs, sizeof abs, "/boot/%s", boot[i]);
    fg_inspect_note_path (in, abs + 1, guestfs_is_symlink (g, abs) > 0);
  }
  /* Modules: /lib/modules, and /usr/lib/modules (merged /usr), noted
   * once: a /lib that links to usr/lib is the same folder. */
  for (int usr = 0; usr < 2; usr++) {
    const char *base = usr ? "/usr/lib/modules" : "/lib/modules";
    char **vers;
    if (!usr && guestfs_is_symlink (g, "/lib") > 0)
      continue;
    vers = guestfs_ls (g, base);
    for (size_t i = 0; vers && vers[i]; i++) {
      char **files;
      snprintf (abs, sizeof abs, "%s/%s", base, vers[i]);
      fg_inspect_note_path (in, abs + 1, 0);
      files = guestfs_find (g, abs);
      for (size_t j = 0; files && files[j]; j++) {
        snprintf (rel, sizeof rel, "%s/%s", abs + 1, files[j]);
        fg_inspect_note_path (in, rel, 0);
      }
      fg_guestfs_free_strings (files);
    }
    fg_guestfs_free_strings (vers);
  }
  for (size_t i = 0; boot && boot[i]; i++) {
    struct fg_kernel *k;
    snprintf (abs, sizeof abs, "/boot/%s", boot[i]);
    if (guestfs_is_file (g, abs) <= 0)
      continue;
    if (strncmp (boot[i], "vmlinuz-", 8) == 0) {
      size_t size = 0;
      char *head = guestfs_pread (g, abs, FG_IMAGE_HEAD, 0, &size);
      if (head)
        fg_inspect_note_image_head (in, abs + 1, (unsigned char *) head,
                                    size);
      free (head);
    }
    k = fg_inspect_initrd_of (in, abs + 1);
    if (k && k->initramfs.status == FG_INITRAMFS_NOT_LISTED)
      list_initramfs (g, abs, &k->initramfs);
  }
  fg_guestfs_free_strings (boot);
}

/* Each path under DIR (absolute, in the guest) matching the glob
 * components COMP[0..N): the first one found goes to FOUND.  Folders are
 * listed and their names matched, so a marker for an NTFS path matches
 * in any case (NOCASE). */
static int
glob_walk (guestfs_h *g, const char *dir, char **comp, size_t n, int nocase,
           char *found, size_t cap)
{
  char **names;
  int hit = 0;

  if (n == 0) {
    snprintf (found, cap, "%s", dir);
    return 1;
  }
  names = guestfs_ls (g, *dir ? dir : "/");
  for (size_t i = 0; names && names[i] && !hit; i++) {
    char path[4200];
    if (fnmatch (comp[0], names[i],
                 FNM_PERIOD | (nocase ? FNM_CASEFOLD : 0)) != 0)
      continue;
    snprintf (path, sizeof path, "%s/%s", dir, names[i]);
    if (n > 1 && guestfs_is_dir (g, path) <= 0)
      continue;
    if (n == 1 && guestfs_is_file (g, path) <= 0)
      continue;
    hit = glob_walk (g, path, comp + 1, n - 1, nocase, found, cap);
  }
  fg_guestfs_free_strings (names);
  return hit;
}

/* The database markers (profiles/databases.json) walked in the guest. */
static void
note_databases (guestfs_h *g, struct fg_inspection *in)
{
  for (size_t i = 0; i < in->markers->n; i++) {
    const struct fg_db_engine *d = &in->markers->engines[i];
    for (size_t k = 0; k < d->nglobs; k++) {
      char *copy = strdup (d->globs[k]), *comp[64], *save = NULL, found[4200];
      size_t n = 0;
      if (copy == NULL)
        return;
      for (char *c = strtok_r (copy, "/", &save); c && n < 64;
           c = strtok_r (NULL, "/", &save))
        comp[n++] = c;
      if (glob_walk (g, "", comp, n, d->nocase, found, sizeof found))
        fg_inspection_add_database (in, d, found);
      free (copy);
    }
  }
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

/* The instances the registry lists for each engine with "registry"
 * markers: the values of its keys in the guest's hive (HKLM\SOFTWARE),
 * name = instance id, as SQL Server's setup writes them. */
static void
note_registry_databases (guestfs_h *g, const char *root,
                         struct fg_inspection *in)
{
  char *sysroot = guestfs_inspect_get_windows_systemroot (g, root);

  for (size_t i = 0; sysroot && i < in->markers->n; i++) {
    const struct fg_db_engine *d = &in->markers->engines[i];
    char hive[600], *real;
    if (d->hive == NULL)
      continue;
    snprintf (hive, sizeof hive, "%s/system32/config/%s", sysroot, d->hive);
    real = guestfs_case_sensitive_path (g, hive);
    if (real == NULL || guestfs_hivex_open (g, real, -1) < 0) {
      free (real);
      continue;
    }
    for (size_t k = 0; k < d->nkeys; k++) {
      char *copy = strdup (d->keys[k]), *save = NULL;
      int64_t node = guestfs_hivex_root (g);
      struct guestfs_hivex_value_list *vals;
      if (copy == NULL)
        break;
      /* hivex matches key names in any case, as Windows does */
      for (char *c = strtok_r (copy, "\\", &save); c && node > 0;
           c = strtok_r (NULL, "\\", &save))
        node = guestfs_hivex_node_get_child (g, node, c);
      free (copy);
      if (node <= 0 || (vals = guestfs_hivex_node_values (g, node)) == NULL)
        continue;
      for (uint32_t v = 0; v < vals->len; v++) {
        int64_t h = vals->val[v].hivex_value_h;
        char *name = guestfs_hivex_value_key (g, h);
        char *id = guestfs_hivex_value_string (g, h);
        char where[600];
        snprintf (where, sizeof where, "registry: instance %s%s%s%s",
                  name && *name ? name : "(default)", id ? " (" : "",
                  id ? id : "", id ? ")" : "");
        fg_inspection_add_database (in, d, where);
        free (name);
        free (id);
      }
      guestfs_free_hivex_value_list (vals);
    }
    guestfs_hivex_close (g);
    free (real);
  }
  free (sysroot);
}

/* What the guest at ROOT is, from a launched handle: the disk's size,
 * libguestfs's own inspection, then the kept files, kernels, databases
 * and usage read from its file systems (mounted here read-only if
 * MOUNT, else already mounted). */
int
fg_inspect_guest (guestfs_h *g, const char *r, int mount,
                  struct fg_inspection *in, struct fg_err *e)
{
  char *type, *distro, *host, *arch, *product;
  int major, minor;
  char ver[32];
  char **devs;

  if ((in->markers = fg_markers_get (e)) == NULL)
    return -1;
  type = guestfs_inspect_get_type (g, r);
  distro = guestfs_inspect_get_distro (g, r);
  major = guestfs_inspect_get_major_version (g, r);
  minor = guestfs_inspect_get_minor_version (g, r);
  host = guestfs_inspect_get_hostname (g, r);
  arch = guestfs_inspect_get_arch (g, r);
  product = guestfs_inspect_get_product_name (g, r);
  devs = guestfs_list_devices (g);
  in->layout = "block";
  if (devs && devs[0]) {
    int64_t sz = guestfs_blockdev_getsize64 (g, devs[0]);
    if (sz > 0)
      in->vhd_virtual = (uint64_t) sz;
  }
  fg_guestfs_free_strings (devs);
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
  /* Read-only; a root that does not mount leaves the facts empty, as
   * inspection found them. */
  if (mount)
    (void) fg_guestfs_mount_root (g, r, 1);
  {
    /* The root file system's use; its inode count means something to
     * the rules on Linux only (NTFS's is the MFT's records). */
    struct guestfs_statvfs *v = guestfs_statvfs (g, "/");
    if (v) {
      in->bytes_used = (uint64_t) (v->blocks - v->bfree) * (uint64_t) v->frsize;
      if (strcmp (in->os_type, "windows") != 0)
        in->inodes = (uint64_t) (v->files - v->ffree);
      guestfs_free_statvfs (v);
    }
  }
  if (strcmp (in->os_type, "windows") == 0) {
    in->windows_dc = windows_dc (g, r);
    note_registry_databases (g, r, in);
  } else {
    read_files (g, in);
    note_boot (g, in);
  }
  note_databases (g, in);
  fg_inspect_identify (in);
  return 0;
}

int
fg_inspect_disk (const char *path, const char *shown, const char *format,
                 struct fg_inspection *in, struct fg_err *e)
{
  guestfs_h *g = NULL;
  char **roots = NULL;
  struct stat st;
  int rc = -1;

  in->layout = "block";         /* also when no OS is found below */
  if (stat (path, &st) == 0)
    in->vhd_physical = (uint64_t) st.st_size;
  switch (fg_guestfs_open (path, format, 1, &g, &roots)) {
  case FG_GUESTFS_CREATE:
    return fg_err_errno (e, FG_E_INTERNAL, errno, "cannot start libguestfs");
  case FG_GUESTFS_ADD:
    fg_guestfs_error (g, e, FG_E_INPUT, path, shown, "cannot add the disk");
    break;
  case FG_GUESTFS_LAUNCH:
    fg_guestfs_error (g, e, FG_E_IO, path, shown,
                      "cannot start the libguestfs appliance");
    break;
  case FG_GUESTFS_NO_ROOT:
    fg_err_set (e, FG_E_INPUT, "'%s': no operating system found on the "
                "disk", shown ? shown : path);
    break;
  case FG_GUESTFS_OK:
    rc = fg_inspect_guest (g, roots[0], 1, in, e);
    break;
  }
  fg_guestfs_free_strings (roots);
  guestfs_close (g);
  return rc;
}
