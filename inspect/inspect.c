/* inspect/inspect.c --- one streaming pass over a file-level image
 *
 * Each member is counted and, if its name is one that identifies the
 * system, kept (inspect/files.c); everything else is skipped by
 * libarchive without being copied.  The identification reads only the
 * kept files, never the host's.
 */
#include "inspect/inspect.h"

#include <archive.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/blockconv.h"
#include "convert/fileconv.h"
#include "convert/vhd.h"
#include "convert/tarstream.h"

#define BLOCK 4096u

/* Names worth keeping: small text files that identify the system. */
const char *const fg_inspect_keep[] = {
  "etc/os-release", "usr/lib/os-release", "etc/lsb-release",
  "etc/debian_version", "etc/redhat-release", "etc/centos-release",
  "etc/system-release", "etc/fedora-release", "etc/SuSE-release",
  "etc/SUSE-brand", "etc/arch-release", "etc/gentoo-release", "etc/issue",
  "etc/fstab", "etc/hostname", "etc/HOSTNAME", "etc/hosts",
  "etc/resolv.conf", "etc/network/interfaces", "etc/network/interfaces.d/*",
  "etc/sysconfig/network", "etc/sysconfig/network-scripts/ifcfg-*",
  "etc/sysconfig/network-scripts/route-*",
  "etc/sysconfig/network-scripts/route6-*", "etc/sysconfig/network/*",
  "etc/rc.conf", "etc/conf.d/net", "etc/conf.d/hostname",
  "etc/udev/rules.d/70-persistent-net.rules", "boot/grub/menu.lst",
  "boot/grub/grub.conf", "boot/grub/grub.cfg", "boot/grub2/grub.cfg",
  "boot/extlinux/extlinux.conf", "etc/default/grub", "etc/inittab",
  "sbin/init", "usr/sbin/init", "etc/passwd", "etc/group", "boot/config-*",
  "etc/securetty",
  NULL,
};

/* Folders at the top that may be symlinks (merged /usr): kept so that
 * names resolve as the guest would resolve them. */
static int
top_level (const char *path)
{
  return path[0] && strchr (path, '/') == NULL;
}

/* Binaries whose ELF header tells the architecture. */
static const char *const elf_probes[] = {
  "bin/ls", "bin/bash", "bin/sh", "usr/bin/ls", "bin/busybox", NULL,
};

static int
wanted (const char *path)
{
  for (const char *const *p = fg_inspect_keep; *p; p++)
    if (fnmatch (*p, path, FNM_PATHNAME) == 0)
      return 1;
  /* and every file a network parser may read */
  for (const char *const *p = fg_net_file_patterns; *p; p++)
    if (fnmatch (*p, path, FNM_PATHNAME) == 0)
      return 1;
  return 0;
}

static int
is_elf_probe (const char *path)
{
  for (const char *const *p = elf_probes; *p; p++)
    if (strcmp (*p, path) == 0)
      return 1;
  return 0;
}

void
fg_inspection_init (struct fg_inspection *in)
{
  memset (in, 0, sizeof *in);
  in->layout = "file";
  in->os_type = "unknown";
  in->bootloader = "none";
  in->init = "unknown";
  in->windows_dc = -1;
  fg_files_init (&in->files);
}

void
fg_inspection_release (struct fg_inspection *in)
{
  free (in->distro);
  free (in->version);
  free (in->major);
  free (in->codename);
  free (in->product);
  free (in->arch);
  free (in->hostname);
  free (in->boot_config);
  for (unsigned i = 0; i < in->nkernels; i++)
    free (in->kernels[i].version);
  for (unsigned i = 0; i < in->nfstab; i++) {
    free (in->fstab[i].device);
    free (in->fstab[i].mountpoint);
    free (in->fstab[i].type);
    free (in->fstab[i].options);
  }
  for (unsigned i = 0; i < in->ndatabases; i++)
    free (in->databases[i]);
  fg_net_release (&in->net);
  fg_files_release (&in->files);
  memset (in, 0, sizeof *in);
}

/* ---- names seen on the way ------------------------------------------- */

static struct fg_kernel *
kernel (struct fg_inspection *in, const char *version, size_t len)
{
  for (unsigned i = 0; i < in->nkernels; i++)
    if (strlen (in->kernels[i].version) == len &&
        strncmp (in->kernels[i].version, version, len) == 0)
      return &in->kernels[i];
  if (in->nkernels == FG_MAX_KERNELS || len == 0)
    return NULL;
  in->kernels[in->nkernels].version = strndup (version, len);
  if (in->kernels[in->nkernels].version == NULL)
    return NULL;
  in->kernels[in->nkernels].xen_blkfront = -1;
  in->kernels[in->nkernels].xen_netfront = -1;
  return &in->kernels[in->nkernels++];
}

static void
database (struct fg_inspection *in, const char *name)
{
  for (unsigned i = 0; i < in->ndatabases; i++)
    if (strcmp (in->databases[i], name) == 0)
      return;
  if (in->ndatabases < FG_MAX_DATABASES)
    in->databases[in->ndatabases++] = strdup (name);
}

/* Kernels, modules and database folders are known by their names. */
static void
note_name (struct fg_inspection *in, const char *p)
{
  const char *orig = p;
  static const char *const images[] = { "boot/vmlinuz-", "boot/vmlinux-",
                                        "boot/kernel-", NULL };
  static const char *const initrds[] = { "boot/initrd.img-", "boot/initrd-",
                                         "boot/initramfs-", NULL };
  struct fg_kernel *k;

  for (int i = 0; images[i]; i++)
    if (strncmp (p, images[i], strlen (images[i])) == 0 &&
        !strchr (p + strlen (images[i]), '/'))
      kernel (in, p + strlen (images[i]), strlen (p + strlen (images[i])));
  for (int i = 0; initrds[i]; i++)
    if (strncmp (p, initrds[i], strlen (initrds[i])) == 0) {
      const char *v = p + strlen (initrds[i]);
      size_t len = strlen (v);
      if (len > 4 && strcmp (v + len - 4, ".img") == 0)
        len -= 4;
      if ((k = kernel (in, v, len)) != NULL)
        k->has_initrd = 1;
    }
  if (strncmp (p, "usr/", 4) == 0 && strncmp (p + 4, "lib/modules/", 12) == 0)
    p += 4;                     /* merged /usr keeps modules there */
  if (strncmp (p, "lib/modules/", 12) == 0) {
    const char *v = p + 12, *slash = strchr (v, '/');
    size_t len = slash ? (size_t) (slash - v) : strlen (v);
    if ((k = kernel (in, v, len)) != NULL) {
      k->has_modules = 1;
      if (slash && strstr (slash, "/xen-blkfront.ko"))
        k->xen_blkfront = 1;
      if (slash && strstr (slash, "/xen-netfront.ko"))
        k->xen_netfront = 1;
    }
  }
  p = orig;
  if (strncmp (p, "var/lib/mysql/", 14) == 0 &&
      (strstr (p, "ibdata1") || strstr (p, "/mysql/user.")))
    database (in, "mysql");
  if (strstr (p, "PG_VERSION") &&
      (strncmp (p, "var/lib/pgsql/", 14) == 0 ||
       strncmp (p, "var/lib/postgresql/", 19) == 0))
    database (in, "postgresql");
  if (strncmp (p, "var/lib/mongodb/", 16) == 0 &&
      (strstr (p, ".ns") || strstr (p, "WiredTiger")))
    database (in, "mongodb");
}

/* ---- the pass ---------------------------------------------------------- */

static int
keep_member (struct fg_inspection *in, struct fg_tar *t,
             struct archive_entry *ent, const char *path, struct fg_err *e)
{
  la_int64_t size = archive_entry_size (ent);
  size_t cap, got = 0;
  char *buf;
  int elf = is_elf_probe (path);

  if (archive_entry_filetype (ent) == AE_IFLNK)
    return fg_files_add_symlink (&in->files, path,
                                 archive_entry_symlink (ent) ?
                                 archive_entry_symlink (ent) : "", e);
  if (archive_entry_filetype (ent) != AE_IFREG || archive_entry_hardlink (ent))
    return 0;
  cap = elf ? 64 : (size_t) (size < FG_FILES_MAX_SIZE ? size : FG_FILES_MAX_SIZE);
  buf = malloc (cap + 1);
  if (buf == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  while (got < cap) {
    ssize_t n = fg_tar_read (t, buf + got, cap - got, e);
    if (n < 0) {
      free (buf);
      return -1;
    }
    if (n == 0)
      break;
    got += (size_t) n;
  }
  if (fg_files_add (&in->files, path, buf, got, e) < 0) {
    free (buf);
    return -1;
  }
  free (buf);
  return 0;
}

static void
count_member (struct fg_inspection *in, struct archive_entry *ent)
{
  la_int64_t size = archive_entry_size (ent);

  in->entries++;
  if (archive_entry_hardlink (ent))
    return;
  in->inodes++;
  switch (archive_entry_filetype (ent)) {
  case AE_IFREG:
    in->bytes_apparent += (uint64_t) size;
    if ((uint64_t) size > in->largest_file)
      in->largest_file = (uint64_t) size;
    if (archive_entry_sparse_reset (ent) > 0) {
      la_int64_t off, len;
      while (archive_entry_sparse_next (ent, &off, &len) == ARCHIVE_OK)
        in->bytes_used += ((uint64_t) len + BLOCK - 1) / BLOCK * BLOCK;
    } else
      in->bytes_used += ((uint64_t) size + BLOCK - 1) / BLOCK * BLOCK;
    break;
  case AE_IFDIR:
    in->bytes_used += BLOCK;
    break;
  case AE_IFLNK:
    if (archive_entry_symlink (ent) && strlen (archive_entry_symlink (ent)) >= 60)
      in->bytes_used += BLOCK;
    break;
  default:
    break;
  }
}


int
fg_inspect_parts (const struct fg_parts *parts, enum fg_progress_mode pm,
                  struct fg_inspection *in, struct fg_err *e)
{
  struct fg_tar *t;
  struct archive_entry *ent;
  struct fg_progress p;
  int rc;

  in->archive_bytes = parts->total;
  if (fg_tar_open (&t, parts, e) < 0)
    return -1;
  fg_progress_start (&p, pm, "inspect", parts->total);
  while ((rc = fg_tar_next (t, &ent, e)) > 0) {
    char *path = NULL;
    char where[1400];
    int in_image;

    fg_progress_update (&p, fg_tar_in_pos (t));
    {
      char pos[600];
      fg_tar_where (t, pos, sizeof pos);
      snprintf (where, sizeof where, "%s: member '%s'", pos,
                archive_entry_pathname (ent) ? archive_entry_pathname (ent)
                : "?");
    }
    /* Not quiet: this pass comes first, so its warnings (a leading '/',
     * members outside image/) are the ones the user sees. */
    in_image = fg_member_path (archive_entry_pathname (ent) ?
                               archive_entry_pathname (ent) : "", &path, 0,
                               where, e);
    if (in_image < 0) {
      rc = -1;
      break;
    }
    if (in_image == 0)
      continue;
    count_member (in, ent);
    note_name (in, path);
    if ((wanted (path) || is_elf_probe (path) ||
         (top_level (path) && archive_entry_filetype (ent) == AE_IFLNK)) &&
        keep_member (in, t, ent, path, e) < 0) {
      free (path);
      rc = -1;
      break;
    }
    free (path);
  }
  fg_progress_end (&p, rc == 0);
  fg_tar_close (t);
  if (rc < 0)
    return -1;
  fg_inspect_identify (in);
  return 0;
}

/* A block-level image's disk, streamed out of its parts into a sparse
 * scratch file (libguestfs needs random access), inspected, removed. */
static int
inspect_block_parts (const struct fg_parts *parts, struct fg_inspection *in,
                     struct fg_err *e)
{
  char dir[4096], path[4200];
  struct fg_block_opts o = { .format = FG_DISK_RAW, .replace = 1,
                             .progress = FG_PROGRESS_NONE };
  struct fg_block_result res;
  const char *tmp = getenv ("TMPDIR");
  int rc;

  snprintf (dir, sizeof dir, "%s/fg2ng-inspect-XXXXXX",
            tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp (dir) == NULL)
    return fg_err_errno (e, FG_E_IO, errno, "cannot make a scratch folder");
  snprintf (path, sizeof path, "%s/disk.raw", dir);
  rc = fg_convert_block_parts (parts, path, &o, &res, e);
  if (rc == 0)
    rc = fg_inspect_disk (path, "raw", in, e);
  unlink (path);
  rmdir (dir);
  in->archive_bytes = parts->total;
  return rc;
}

int
fg_inspect_source (const char *source, enum fg_progress_mode pm,
                   struct fg_inspection *in, struct fg_err *e)
{
  struct fg_parts parts;
  enum fg_source_kind kind;
  enum fg_layout layout;
  int rc;

  if (fg_parts_find (source, &kind, &parts, e) < 0)
    return -1;
  if (kind == FG_SOURCE_DIR)
    return fg_err_set (e, FG_E_UNSUPPORTED, "'%s': inspecting an extracted "
                       "folder is not built yet (first-gen archives and "
                       "disks are)", source);
  if (kind == FG_SOURCE_FILE) {
    int vhd = fg_probe_vhd (source, e);
    if (vhd < 0)
      return -1;
    if (vhd) {
      struct vhd_chain *c;
      if (vhd_chain_open (&c, source, NULL, 0, e) < 0)
        return -1;
      if (vhd_chain_depth (c) > 1) {
        vhd_chain_close (c);
        return fg_err_set (e, FG_E_UNSUPPORTED, "'%s' is a differencing "
                           "VHD: convert the chain to one disk first, then "
                           "inspect that", source);
      }
      vhd_chain_close (c);
    }
    rc = fg_inspect_disk (source, vhd ? "vpc" : "raw", in, e);
    return rc;
  }
  rc = fg_tar_probe_layout (&parts, &layout, e);
  if (rc == 0 && layout == FG_LAYOUT_BLOCK)
    rc = inspect_block_parts (&parts, in, e);
  else if (rc == 0)
    rc = fg_inspect_parts (&parts, pm, in, e);
  fg_parts_release (&parts);
  return rc;
}

/* ---- identification from the kept files -------------------------------- */

/* The value of KEY= in shell-style text (quotes removed), malloc'd. */
static char *
shell_value (const char *text, const char *key)
{
  size_t kl = strlen (key);

  for (const char *p = text; p && *p; ) {
    const char *nl = strchr (p, '\n');
    size_t len = nl ? (size_t) (nl - p) : strlen (p);
    while (len && isspace ((unsigned char) *p)) {
      p++;
      len--;
    }
    if (len > kl && strncmp (p, key, kl) == 0 && p[kl] == '=') {
      const char *v = p + kl + 1;
      size_t vl = len - kl - 1;
      while (vl && isspace ((unsigned char) v[vl - 1]))
        vl--;
      if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
        v++;
        vl -= 2;
      }
      return strndup (v, vl);
    }
    p = nl ? nl + 1 : NULL;
  }
  return NULL;
}

static char *
first_line (const char *text)
{
  const char *nl;
  while (*text && isspace ((unsigned char) *text))
    text++;
  nl = strchr (text, '\n');
  return strndup (text, nl ? (size_t) (nl - text) : strlen (text));
}

static void
set (char **field, char *value)
{
  if (value == NULL)
    return;
  free (*field);
  *field = value;
}

static char *
lower (char *s)
{
  for (char *p = s; p && *p; p++)
    *p = (char) tolower ((unsigned char) *p);
  return s;
}

/* "CentOS release 5.8 (Final)" -> version "5.8". */
static char *
version_after (const char *text, const char *word)
{
  const char *p = strstr (text, word);
  size_t n = 0;

  if (p == NULL)
    return NULL;
  p += strlen (word);
  while (*p == ' ')
    p++;
  while (isdigit ((unsigned char) p[n]) || p[n] == '.')
    n++;
  return n ? strndup (p, n) : NULL;
}

static void
identify_release (struct fg_inspection *in)
{
  const struct fg_file *f;

  if (in->distro)
    return;                     /* libguestfs' inspection said already */
  if ((f = fg_files_get (&in->files, "etc/os-release")) ||
      (f = fg_files_get (&in->files, "usr/lib/os-release"))) {
    set (&in->distro, lower (shell_value (f->data, "ID")));
    set (&in->version, shell_value (f->data, "VERSION_ID"));
    set (&in->codename, shell_value (f->data, "VERSION_CODENAME"));
    set (&in->product, shell_value (f->data, "PRETTY_NAME"));
  }
  if ((f = fg_files_get (&in->files, "etc/lsb-release")) != NULL) {
    char *id = lower (shell_value (f->data, "DISTRIB_ID"));
    if (id && (in->distro == NULL || strcmp (id, in->distro) == 0)) {
      set (&in->distro, id);
      if (in->version == NULL)
        set (&in->version, shell_value (f->data, "DISTRIB_RELEASE"));
      if (in->codename == NULL)
        set (&in->codename, shell_value (f->data, "DISTRIB_CODENAME"));
      if (in->product == NULL)
        set (&in->product, shell_value (f->data, "DISTRIB_DESCRIPTION"));
    } else
      free (id);
  }
  if (in->distro == NULL) {
    static const struct { const char *file, *match, *distro, *word; } rel[] = {
      { "etc/centos-release", "CentOS", "centos", "release" },
      { "etc/fedora-release", "Fedora", "fedora", "release" },
      { "etc/redhat-release", "CentOS", "centos", "release" },
      { "etc/redhat-release", "Red Hat", "rhel", "release" },
      { "etc/redhat-release", "Fedora", "fedora", "release" },
      { "etc/redhat-release", "Scientific", "scientific", "release" },
      { "etc/system-release", "Amazon", "amzn", "release" },
      { "etc/SuSE-release", "openSUSE", "opensuse", "openSUSE" },
      { "etc/SuSE-release", "SUSE", "sles", "Server" },
      { "etc/gentoo-release", "Gentoo", "gentoo", "release" },
      { "etc/arch-release", "", "arch", "" },
    };
    for (size_t i = 0; i < sizeof rel / sizeof rel[0] && !in->distro; i++) {
      f = fg_files_get (&in->files, rel[i].file);
      if (f == NULL || (rel[i].match[0] && !strstr (f->data, rel[i].match)))
        continue;
      in->distro = strdup (rel[i].distro);
      if (rel[i].word[0])
        set (&in->version, version_after (f->data, rel[i].word));
      if (strcmp (rel[i].distro, "opensuse") == 0 ||
          strcmp (rel[i].distro, "sles") == 0)
        set (&in->version, shell_value (f->data, "VERSION"));
      if (f->data[0])
        set (&in->product, first_line (f->data));
    }
  }
  if ((in->distro == NULL || strcmp (in->distro, "debian") == 0) &&
      (f = fg_files_get (&in->files, "etc/debian_version")) != NULL) {
    if (in->distro == NULL)
      in->distro = strdup ("debian");
    if (in->version == NULL || !strchr (in->version, '.'))
      set (&in->version, first_line (f->data));
  }
  if (in->version) {
    /* Major: "6" of "6.0.10", "5" of "5.8", but "12.04" for Ubuntu. */
    size_t n = strcspn (in->version, ".");
    if (in->distro && strcmp (in->distro, "ubuntu") == 0)
      n = strlen (in->version);
    set (&in->major, strndup (in->version, n));
  }
  if (in->distro)
    in->os_type = "linux";
}

static void
identify_arch (struct fg_inspection *in)
{
  if (in->arch)
    return;
  for (const char *const *p = elf_probes; *p && !in->arch; p++) {
    const struct fg_file *f = fg_files_get (&in->files, *p);
    const unsigned char *b = f ? (const unsigned char *) f->data : NULL;
    if (b == NULL || f->len < 20 || memcmp (b, "\177ELF", 4) != 0)
      continue;
    switch (b[18] | b[19] << 8) {
    case 62: in->arch = strdup ("x86_64"); break;
    case 3: in->arch = strdup ("i386"); break;
    case 183: in->arch = strdup ("aarch64"); break;
    default: break;
    }
  }
  for (unsigned i = 0; i < in->nkernels && !in->arch; i++) {
    const char *v = in->kernels[i].version;
    if (strstr (v, "amd64") || strstr (v, "x86_64"))
      in->arch = strdup ("x86_64");
    else if (strstr (v, "686") || strstr (v, "i386") || strstr (v, "PAE"))
      in->arch = strdup ("i386");
  }
}

static void
identify_boot (struct fg_inspection *in)
{
  static const struct { const char *file, *loader; } boot[] = {
    { "boot/grub/menu.lst", "grub-legacy" },
    { "boot/grub/grub.conf", "grub-legacy" },
    { "boot/grub2/grub.cfg", "grub2" },
    { "boot/grub/grub.cfg", "grub2" },
    { "boot/extlinux/extlinux.conf", "extlinux" },
  };
  const struct fg_file *f;

  for (size_t i = 0; i < sizeof boot / sizeof boot[0]; i++)
    if (fg_files_get (&in->files, boot[i].file)) {
      in->bootloader = boot[i].loader;
      in->boot_config = strdup (boot[i].file);
      break;
    }
  f = fg_files_get (&in->files, "sbin/init");
  {
    const struct fg_file *raw = NULL;
    for (size_t i = 0; i < in->files.n; i++)
      if (strcmp (in->files.v[i].path, "sbin/init") == 0 ||
          strcmp (in->files.v[i].path, "usr/sbin/init") == 0)
        raw = &in->files.v[i];
    if (raw && raw->target && strstr (raw->target, "systemd"))
      in->init = "systemd";
    else if (raw && raw->target && strstr (raw->target, "upstart"))
      in->init = "upstart";
    else if (fg_files_get (&in->files, "etc/inittab"))
      in->init = "sysvinit";
    else if (f)
      in->init = "sysvinit";
  }
  if (strcmp (in->init, "unknown") == 0 &&
      fg_files_get (&in->files, "etc/conf.d/net"))
    in->init = "openrc";
}

static void
identify_fstab (struct fg_inspection *in)
{
  const struct fg_file *f = fg_files_get (&in->files, "etc/fstab");
  const char *p = f ? f->data : NULL;

  while (p && *p && in->nfstab < FG_MAX_FSTAB) {
    const char *nl = strchr (p, '\n');
    char *line = strndup (p, nl ? (size_t) (nl - p) : strlen (p));
    char *save = NULL, *dev, *mnt, *type, *opts;
    p = nl ? nl + 1 : NULL;
    if (line == NULL)
      break;
    dev = strtok_r (line, " \t", &save);
    mnt = dev ? strtok_r (NULL, " \t", &save) : NULL;
    type = mnt ? strtok_r (NULL, " \t", &save) : NULL;
    opts = type ? strtok_r (NULL, " \t", &save) : NULL;
    if (dev && dev[0] != '#' && mnt && type) {
      struct fg_fstab_entry *x = &in->fstab[in->nfstab++];
      x->device = strdup (dev);
      x->mountpoint = strdup (mnt);
      x->type = strdup (type);
      x->options = strdup (opts ? opts : "defaults");
    }
    free (line);
  }
}

static void
identify_hostname (struct fg_inspection *in)
{
  const struct fg_file *f;

  if (in->hostname)
    return;
  if ((f = fg_files_get (&in->files, "etc/hostname")) && f->data[0])
    set (&in->hostname, first_line (f->data));
  else if ((f = fg_files_get (&in->files, "etc/HOSTNAME")) && f->data[0])
    set (&in->hostname, first_line (f->data));
  else if ((f = fg_files_get (&in->files, "etc/sysconfig/network")))
    set (&in->hostname, shell_value (f->data, "HOSTNAME"));
  else if ((f = fg_files_get (&in->files, "etc/conf.d/hostname")))
    set (&in->hostname, shell_value (f->data, "hostname"));
  else if ((f = fg_files_get (&in->files, "etc/rc.conf")))
    set (&in->hostname, shell_value (f->data, "HOSTNAME"));
  if (in->hostname && in->hostname[0] == '\0') {
    free (in->hostname);
    in->hostname = NULL;
  }
}

void
fg_inspect_identify (struct fg_inspection *in)
{
  struct fg_err ignored = FG_ERR_INIT;

  identify_release (in);
  identify_arch (in);
  identify_boot (in);
  identify_fstab (in);
  identify_hostname (in);
  if (strcmp (in->os_type, "windows") != 0) {
    /* Garbage in the files becomes problem lines, never an error; only
     * running out of memory fails, and then the model stays empty. */
    fg_net_release (&in->net);
    fg_net_parse (&in->files, NULL, &in->net, &ignored);
    if (in->hostname == NULL && in->net.hostname)
      in->hostname = strdup (in->net.hostname);
  }
}

/* ---- report -------------------------------------------------------------- */

static json_t *
str_or_null (const char *s)
{
  return s ? json_string (s) : json_null ();
}

json_t *
fg_inspection_json (const struct fg_inspection *in)
{
  json_t *o = json_object (), *k = json_array (), *fs = json_array (),
    *db = json_array ();

  for (unsigned i = 0; i < in->nkernels; i++) {
    const struct fg_kernel *x = &in->kernels[i];
    json_t *kj = json_pack ("{s:s, s:b, s:b}", "version", x->version,
                            "initrd", x->has_initrd, "modules",
                            x->has_modules);
    json_object_set_new (kj, "xen_blkfront", x->xen_blkfront < 0 ? json_null ()
                         : json_boolean (x->xen_blkfront));
    json_object_set_new (kj, "xen_netfront", x->xen_netfront < 0 ? json_null ()
                         : json_boolean (x->xen_netfront));
    json_array_append_new (k, kj);
  }
  for (unsigned i = 0; i < in->nfstab; i++)
    json_array_append_new (fs, json_pack ("{s:s, s:s, s:s, s:s}",
                                          "device", in->fstab[i].device,
                                          "mountpoint", in->fstab[i].mountpoint,
                                          "type", in->fstab[i].type,
                                          "options", in->fstab[i].options));
  for (unsigned i = 0; i < in->ndatabases; i++)
    json_array_append_new (db, json_string (in->databases[i]));
  json_object_set_new (o, "layout", json_string (in->layout));
  json_object_set_new (o, "os", json_pack ("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
                                           "type", in->os_type,
                                           "distro", str_or_null (in->distro),
                                           "version", str_or_null (in->version),
                                           "major", str_or_null (in->major),
                                           "codename", str_or_null (in->codename),
                                           "product", str_or_null (in->product),
                                           "arch", str_or_null (in->arch)));
  json_object_set_new (o, "hostname", str_or_null (in->hostname));
  json_object_set_new (o, "boot", json_pack ("{s:s, s:o, s:s}",
                                             "loader", in->bootloader,
                                             "config", str_or_null (in->boot_config),
                                             "init", in->init));
  json_object_set_new (o, "network", fg_net_json (&in->net));
  json_object_set_new (o, "kernels", k);
  json_object_set_new (o, "fstab", fs);
  json_object_set_new (o, "databases", db);
  if (strcmp (in->layout, "block") == 0)
    json_object_set_new (o, "disk", json_pack ("{s:I, s:I}",
                                               "virtual_size", (json_int_t) in->vhd_virtual,
                                               "physical_size", (json_int_t) in->vhd_physical));
  if (strcmp (in->os_type, "windows") == 0)
    json_object_set_new (o, "windows_domain_controller",
                         in->windows_dc < 0 ? json_null () : json_boolean (in->windows_dc));
  json_object_set_new (o, "figures",
                       json_pack ("{s:I, s:I, s:I, s:I, s:I, s:I}",
                                  "entries", (json_int_t) in->entries,
                                  "inodes", (json_int_t) in->inodes,
                                  "bytes_used", (json_int_t) in->bytes_used,
                                  "bytes_apparent", (json_int_t) in->bytes_apparent,
                                  "largest_file", (json_int_t) in->largest_file,
                                  "archive_bytes", (json_int_t) in->archive_bytes));
  return o;
}
