/* inspect/inspect.c --- one streaming pass over a file-level image
 *
 * Each member is counted and, if its name is one that identifies the
 * system, kept (util/files.c); everything else is skipped by
 * libarchive without being copied.  The identification reads only the
 * kept files, never the host's.
 */
#include "inspect/inspect.h"

#include <archive.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert/fileconv.h"
#include "source/tarstream.h"
#include "facts/profiles.h"

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
  /* the initramfs configuration and the getty job the fixups edit
   * (fixups/fixups.c refuses a profile naming a file not kept here) */
  "etc/initramfs-tools/modules", "etc/modprobe.conf",
  "etc/dracut.conf.d/fg2ng-xen.conf", "etc/sysconfig/kernel",
  "etc/mkinitcpio.conf", "etc/init/hvc0.conf",
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
  "bin/ls", "bin/bash", "bin/sh", "usr/bin/ls", "bin/busybox",
  /* also tell the init system by their presence (64 bytes kept) */
  "sbin/initctl", "sbin/openrc", NULL,
};

int
fg_inspect_keeps (const char *path)
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
  for (unsigned i = 0; i < in->nkernels; i++) {
    free (in->kernels[i].version);
    free (in->kernels[i].name);
    free (in->kernels[i].image_version);
  }
  free (in->boot_missing);
  for (unsigned i = 0; i < in->nfstab; i++) {
    free (in->fstab[i].device);
    free (in->fstab[i].mountpoint);
    free (in->fstab[i].type);
    free (in->fstab[i].options);
  }
  for (unsigned i = 0; i < in->ndatabases; i++)
    free (in->databases[i].where);
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
  in->kernels[in->nkernels].builtin_blkfront = -1;
  in->kernels[in->nkernels].builtin_netfront = -1;
  in->kernels[in->nkernels].initramfs_xen = -1;
  in->kernels[in->nkernels].no_image = 1;     /* until its image is seen */
  return &in->kernels[in->nkernels++];
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* WHERE added to the "; "-separated list *LIST, kept sorted so that the
 * order the signs were met in (archive order, the guest's walk) does
 * not show; bounded so that it stays readable. */
static void
add_place (char **list, const char *where)
{
  char *parts[16], *copy, *save = NULL, *out;
  size_t n = 0, len = 0;

  if (*list == NULL) {
    *list = strdup (where);
    return;
  }
  if (strlen (*list) + strlen (where) > 400 || (copy = strdup (*list)) == NULL)
    return;
  for (char *t = strtok_r (copy, ";", &save); t && n < 15;
       t = strtok_r (NULL, ";", &save)) {
    while (*t == ' ')
      t++;
    if (strcmp (t, where) == 0) {
      free (copy);
      return;
    }
    parts[n++] = t;
  }
  parts[n++] = (char *) where;
  qsort (parts, n, sizeof *parts, cmp_str);
  for (size_t i = 0; i < n; i++)
    len += strlen (parts[i]) + 2;
  if ((out = malloc (len + 1)) != NULL) {
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
      if (i)
        strcat (out, "; ");
      strcat (out, parts[i]);
    }
    free (*list);
    *list = out;
  }
  free (copy);
}

void
fg_inspection_add_database (struct fg_inspection *in,
                            const struct fg_db_engine *d, const char *where)
{
  struct fg_database *db = NULL;

  for (unsigned i = 0; i < in->ndatabases; i++)
    if (strcmp (in->databases[i].engine, d->id) == 0)
      db = &in->databases[i];
  if (db == NULL) {
    if (in->ndatabases == FG_MAX_DATABASES)
      return;
    db = &in->databases[in->ndatabases++];
    db->engine = d->id;
    db->name = d->name;
  }
  add_place (&db->where, where);
}

/* The kernel version an initramfs's name carries: boot/initrd.img-V,
 * boot/initrd-V.img, boot/initramfs-V.img.  0 if PATH is not one. */
static int
initrd_version (const char *p, const char **v, size_t *len)
{
  static const char *const initrds[] = { "boot/initrd.img-", "boot/initrd-",
                                         "boot/initramfs-", NULL };

  for (int i = 0; initrds[i]; i++)
    if (strncmp (p, initrds[i], strlen (initrds[i])) == 0 &&
        !strchr (p + strlen (initrds[i]), '/')) {
      *v = p + strlen (initrds[i]);
      *len = strlen (*v);
      if (*len > 4 && strcmp (*v + *len - 4, ".img") == 0)
        *len -= 4;
      return *len > 0;
    }
  return 0;
}

void
fg_inspect_note_path (struct fg_inspection *in, const char *p, int is_link)
{
  const char *orig = p;
  static const char *const images[] = { "boot/vmlinuz-", "boot/vmlinux-",
                                        "boot/kernel-", NULL };
  struct fg_kernel *k;
  const char *iv;
  size_t ivlen;

  /* Links (SUSE's vmlinuz-xen -> vmlinuz-VERSION) name no kernel of
   * their own; SUSE's vmlinux-VERSION.gz is that kernel's ELF copy. */
  for (int i = 0; images[i] && !is_link; i++)
    if (strncmp (p, images[i], strlen (images[i])) == 0 &&
        !strchr (p + strlen (images[i]), '/')) {
      const char *v = p + strlen (images[i]);
      size_t len = strlen (v);
      if (len > 3 && strcmp (v + len - 3, ".gz") == 0)
        len -= 3;
      if ((k = kernel (in, v, len)) != NULL)
        k->no_image = 0;
    }
  if (!is_link && initrd_version (p, &iv, &ivlen) &&
      (k = kernel (in, iv, ivlen)) != NULL)
    k->has_initrd = 1;
  if (strncmp (p, "usr/", 4) == 0 && strncmp (p + 4, "lib/modules/", 12) == 0)
    p += 4;                     /* merged /usr keeps modules there */
  /* Arch's lib/modules/extramodules-3.3-ARCH is no kernel: versions
   * start with a digit. */
  if (strncmp (p, "lib/modules/", 12) == 0 && isdigit ((unsigned char) p[12])) {
    const char *v = p + 12, *slash = strchr (v, '/');
    size_t len = slash ? (size_t) (slash - v) : strlen (v);
    if ((k = kernel (in, v, len)) != NULL) {
      k->has_modules = 1;
      if (slash && (strstr (slash, "/xen-blkfront.ko") ||
                    fg_initramfs_is_xen_module (slash, 'b')))
        k->xen_blkfront = 1;
      if (slash && (strstr (slash, "/xen-netfront.ko") ||
                    fg_initramfs_is_xen_module (slash, 'n')))
        k->xen_netfront = 1;
    }
  }
  if (!is_link && in->markers) {
    const struct fg_db_engine *d = fg_markers_match (in->markers, orig);
    if (d) {
      char where[FG_MEMBER_PATH_MAX + 2];
      snprintf (where, sizeof where, "/%s", orig);
      fg_inspection_add_database (in, d, where);
    }
  }
}

/* ---- the pass ---------------------------------------------------------- */

/* Where the current member's data comes from: the tar stream of a
 * first-gen image's parts, or a file of an extracted root folder
 * (libarchive's disk reader). */
struct src {
  struct fg_tar *t;
  struct archive *disk;
  const char *root;             /* the folder, for messages */
};

static ssize_t
src_read (struct src *s, void *buf, size_t cap, struct fg_err *e)
{
  la_ssize_t n;

  if (s->t)
    return fg_tar_read (s->t, buf, cap, e);
  n = archive_read_data (s->disk, buf, cap);
  if (n < 0)
    return fg_err_set (e, FG_E_INPUT, "reading a file under '%s': %s",
                       s->root, archive_error_string (s->disk));
  return n;
}

/* Read up to CAP bytes of the current member into BUF (fewer at its
 * end), their count in *GOT. */
static int
src_read_full (struct src *t, void *buf, size_t cap, size_t *got,
               struct fg_err *e)
{
  *got = 0;
  while (*got < cap) {
    ssize_t n = src_read (t, (char *) buf + *got, cap - *got, e);
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    *got += (size_t) n;
  }
  return 0;
}

static int
src_read_block (struct src *s, const void **buf, size_t *len, int64_t *off,
                struct fg_err *e)
{
  la_int64_t o;
  int rc;

  if (s->t)
    return fg_tar_read_block (s->t, buf, len, off, e);
  rc = archive_read_data_block (s->disk, buf, len, &o);
  if (rc == ARCHIVE_EOF)
    return 0;
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
    return fg_err_set (e, FG_E_INPUT, "reading a file under '%s': %s",
                       s->root, archive_error_string (s->disk));
  *off = o;
  return 1;
}

static int
keep_member (struct fg_inspection *in, struct src *t,
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
  if (src_read_full (t, buf, cap, &got, e) < 0) {
    free (buf);
    return -1;
  }
  if (fg_files_add (&in->files, path, buf, got, e) < 0) {
    free (buf);
    return -1;
  }
  free (buf);
  return 0;
}

/* The tar member's data handed to the initramfs lister stretch by
 * stretch, in place; the holes of a sparse member as zeros. */
struct member_feed {
  struct src *t;
  struct fg_err *e;
  int64_t pos;                  /* offset in the member handed out so far */
  const void *held;             /* a stretch read past a hole, kept */
  size_t held_len;
  int64_t held_off;
};

static int
member_next (void *opaque, const void **buf, size_t *len)
{
  static const unsigned char zeros[65536];
  struct member_feed *m = opaque;

  if (m->held == NULL) {
    int64_t off;
    int rc = src_read_block (m->t, &m->held, &m->held_len, &off, m->e);
    if (rc <= 0) {
      m->held = NULL;
      return rc;
    }
    m->held_off = off;
  }
  if (m->held_off > m->pos) {
    int64_t gap = m->held_off - m->pos;
    *buf = zeros;
    *len = gap < (int64_t) sizeof zeros ? (size_t) gap : sizeof zeros;
    m->pos += (int64_t) *len;
    return 1;
  }
  *buf = m->held;
  *len = m->held_len;
  m->pos = m->held_off + (int64_t) m->held_len;
  m->held = NULL;
  return 1;
}

/* The version in a bzImage's setup header: "HdrS" at 0x202, and at
 * 0x20e the offset (from 0x200) of "3.3.7-1-ARCH (builder@host) #1 ...".
 * NULL if BUF is not one. */
static char *
bzimage_version (const unsigned char *b, size_t len)
{
  size_t off, n = 0;

  if (len < 0x210 || memcmp (b + 0x202, "HdrS", 4) != 0)
    return NULL;
  off = (size_t) (b[0x20e] | b[0x20f] << 8) + 0x200;
  while (off + n < len && n < 64 && b[off + n] > ' ' && b[off + n] < 0x7f)
    n++;
  return n && off + n < len ? strndup ((const char *) b + off, n) : NULL;
}

/* Arch names its kernels by package (boot/vmlinuz-linux); the version
 * that lib/modules uses is read from the image's own header. */
static struct fg_kernel *
named_image (struct fg_inspection *in, const char *path)
{
  const char *v = path + strlen ("boot/vmlinuz-");

  if (strncmp (path, "boot/vmlinuz-", strlen ("boot/vmlinuz-")) != 0 ||
      strchr (v, '/') || isdigit ((unsigned char) v[0]))
    return NULL;
  return kernel (in, v, strlen (v));
}

void
fg_inspect_note_image_head (struct fg_inspection *in, const char *path,
                            const unsigned char *head, size_t len)
{
  struct fg_kernel *k = named_image (in, path);

  if (k) {
    free (k->image_version);
    k->image_version = bzimage_version (head, len);
  }
}

struct fg_kernel *
fg_inspect_initrd_of (struct fg_inspection *in, const char *path)
{
  const char *v;
  size_t len;

  return initrd_version (path, &v, &len) ? kernel (in, v, len) : NULL;
}

static int
read_image_version (struct fg_inspection *in, struct src *t,
                    struct archive_entry *ent, const char *path,
                    struct fg_err *e)
{
  unsigned char *buf;
  size_t got = 0, cap = FG_IMAGE_HEAD;
  struct fg_kernel *k;

  if (archive_entry_filetype (ent) != AE_IFREG || archive_entry_hardlink (ent)
      || (k = named_image (in, path)) == NULL)
    return 0;
  if ((buf = malloc (cap)) == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  if (src_read_full (t, buf, cap, &got, e) < 0) {
    free (buf);
    return -1;
  }
  free (k->image_version);
  k->image_version = bzimage_version (buf, got);
  free (buf);
  return 0;
}

static void
drop_kernel (struct fg_inspection *in, unsigned i)
{
  free (in->kernels[i].version);
  free (in->kernels[i].name);
  free (in->kernels[i].image_version);
  memmove (&in->kernels[i], &in->kernels[i + 1],
           (in->nkernels - i - 1) * sizeof in->kernels[0]);
  in->nkernels--;
}

/* Kernels known by a package name (Arch: vmlinuz-linux,
 * initramfs-linux.img, initramfs-linux-fallback.img) merged into the
 * version lib/modules knows, which their image's header gave. */
static void
merge_named_kernels (struct fg_inspection *in)
{
  for (unsigned i = 0; i < in->nkernels; i++) {
    struct fg_kernel *a = &in->kernels[i];
    if (a->image_version == NULL || isdigit ((unsigned char) a->version[0]))
      continue;
    for (unsigned j = 0; j < in->nkernels; j++) {
      struct fg_kernel *b = &in->kernels[j];
      if (j == i || strcmp (b->version, a->image_version) != 0)
        continue;
      b->has_initrd |= a->has_initrd;
      b->no_image = b->no_image && a->no_image;
      if (b->initramfs.status == FG_INITRAMFS_NOT_LISTED)
        b->initramfs = a->initramfs;
      free (b->name);
      b->name = a->version;
      a->version = NULL;
      drop_kernel (in, i);
      i = (unsigned) -1;        /* start over: indexes moved */
      break;
    }
    if (i == (unsigned) -1)
      continue;
    /* No modules folder of that version: the entry takes it. */
    a->name = a->version;
    a->version = a->image_version;
    a->image_version = NULL;
  }
  /* "linux-fallback": the fallback initramfs of kernel "linux". */
  for (unsigned i = 0; i < in->nkernels; i++) {
    const char *v = in->kernels[i].version;
    size_t len = strlen (v);
    if (len < 9 || strcmp (v + len - 9, "-fallback") != 0)
      continue;
    for (unsigned j = 0; j < in->nkernels; j++)
      if (in->kernels[j].name && strlen (in->kernels[j].name) == len - 9 &&
          strncmp (in->kernels[j].name, v, len - 9) == 0) {
        drop_kernel (in, i--);
        break;
      }
  }
}

/* An initramfs member: its names listed while it streams past. */
static int
list_initrd (struct fg_inspection *in, struct src *t,
             struct archive_entry *ent, const char *path, struct fg_err *e)
{
  struct member_feed m = { .t = t, .e = e };
  struct fg_kernel *k;

  if (archive_entry_filetype (ent) != AE_IFREG || archive_entry_hardlink (ent)
      || (k = fg_inspect_initrd_of (in, path)) == NULL)
    return 0;
  return fg_initramfs_list (member_next, &m, &k->initramfs);
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

/* Symlinks naming a kernel image (SUSE's boot/vmlinuz-xen, Debian's
 * boot/vmlinuz): kept, so that a boot entry naming one finds its kernel. */
static int
boot_image_link (const char *path)
{
  return strncmp (path, "boot/", 5) == 0 && !strchr (path + 5, '/') &&
    (strncmp (path + 5, "vmlinu", 6) == 0 ||
     strncmp (path + 5, "kernel", 6) == 0);
}

/* One member of the image (PATH inside its root): counted, its name
 * noted, its data read if it is one of the few kept. */
static int
take_member (struct fg_inspection *in, struct src *s,
             struct archive_entry *ent, const char *path, struct fg_err *e)
{
  int link = archive_entry_filetype (ent) == AE_IFLNK;

  count_member (in, ent);
  fg_inspect_note_path (in, path, link);
  if (read_image_version (in, s, ent, path, e) < 0 ||
      list_initrd (in, s, ent, path, e) < 0)
    return -1;
  if ((fg_inspect_keeps (path) || is_elf_probe (path) ||
       (link && (top_level (path) || boot_image_link (path)))) &&
      keep_member (in, s, ent, path, e) < 0)
    return -1;
  return 0;
}

int
fg_inspect_parts (const struct fg_parts *parts, enum fg_progress_mode pm,
                  struct fg_inspection *in, struct fg_err *e)
{
  struct fg_tar *t;
  struct archive_entry *ent;
  struct fg_progress p;
  struct src src = { NULL, NULL, NULL };
  int rc;

  in->archive_bytes = parts->total;
  if ((in->markers = fg_markers_get (e)) == NULL ||
      fg_tar_open (&t, parts, e) < 0)
    return -1;
  src.t = t;
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
    if (take_member (in, &src, ent, path, e) < 0) {
      char pos[600];
      fg_tar_where (t, pos, sizeof pos);
      if (e->kind == FG_E_INPUT && strncmp (e->msg, pos, strlen (pos)) != 0)
        fg_err_prefix (e, "%s", pos);
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

/* An extracted root folder, walked as convert walks it (convert/
 * fileconv.c, fg_convert_dir): FOLDER/image when it is a folder, else
 * FOLDER itself is the root; symlinks not followed, other mounts not
 * entered; a file's later names come back as hard links (the tar
 * strategy), so figures count inodes as the archive would.  Each name
 * is checked as a member "image/NAME" is. */
/* The root of FOLDER (FOLDER/image when it is a folder, else FOLDER),
 * without trailing slashes, malloc'd into *ROOT. */
static int
dir_root (const char *folder, char **root, struct fg_err *e)
{
  struct stat st;
  size_t n;

  if (asprintf (root, "%s/image", folder) < 0)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder");
  if (stat (*root, &st) < 0 || !S_ISDIR (st.st_mode)) {
    free (*root);
    if ((*root = strdup (folder)) == NULL)
      return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder");
  }
  while ((n = strlen (*root)) > 1 && (*root)[n - 1] == '/')
    (*root)[n - 1] = '\0';
  return 0;
}

/* libarchive's disk reader on ROOT, as convert opens it: symlinks not
 * followed, other mounts not entered, no extended attributes read. */
static int
dir_open (const char *root, struct archive **a, struct fg_err *e)
{
  int flags = ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS;

#ifdef ARCHIVE_READDISK_NO_XATTR
  flags |= ARCHIVE_READDISK_NO_XATTR;
#endif
#ifdef ARCHIVE_READDISK_NO_ACL
  flags |= ARCHIVE_READDISK_NO_ACL;
#endif
#ifdef ARCHIVE_READDISK_NO_FFLAGS
  flags |= ARCHIVE_READDISK_NO_FFLAGS;
#endif
  *a = archive_read_disk_new ();
  if (*a == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder reader");
  archive_read_disk_set_symlink_physical (*a);
  archive_read_disk_set_behavior (*a, flags);
  if (archive_read_disk_open (*a, root) != ARCHIVE_OK)
    return fg_err_set (e, FG_E_INPUT, "cannot read folder '%s': %s", root,
                       archive_error_string (*a));
  return 0;
}

/* The next name of the folder walk, inspected as the member "image/NAME"
 * would be: 1, 0 at the end, -1 with E set. */
static int
dir_next (struct fg_inspection *in, struct src *src,
          struct archive_entry_linkresolver *lr, struct fg_err *e)
{
  struct archive *a = src->disk;
  struct archive_entry *ent = archive_entry_new (), *spare = NULL;
  size_t n = strlen (src->root);
  const char *name;
  char *member = NULL, *path = NULL, where[1100];
  int r, rc = 1;

  if (ent == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder entry");
  r = archive_read_next_header2 (a, ent);
  if (r == ARCHIVE_EOF) {
    archive_entry_free (ent);
    return 0;
  }
  if (r == ARCHIVE_WARN)
    fg_warn ("'%s': %s", src->root, archive_error_string (a));
  else if (r != ARCHIVE_OK) {
    archive_entry_free (ent);
    return fg_err_set (e, FG_E_INPUT, "reading folder '%s': %s", src->root,
                       archive_error_string (a));
  }
  archive_read_disk_descend (a);
  name = archive_entry_pathname (ent);
  if (name == NULL || strncmp (name, src->root, n) != 0 ||
      (name[n] != '\0' && name[n] != '/')) {
    fg_warn ("'%s' is not inside '%s'; skipped", name ? name : "?",
             src->root);
    archive_entry_free (ent);
    return 1;
  }
  /* The member name the archive would carry: image/NAME. */
  snprintf (where, sizeof where, "'%s'", name);
  name += n;
  while (*name == '/')
    name++;
  if (asprintf (&member, "image/%s", name) < 0) {
    archive_entry_free (ent);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder entry");
  }
  archive_entry_linkify (lr, &ent, &spare);
  archive_entry_free (spare);
  if (ent && (fg_member_path (member, &path, 1, where, e) < 0 ||
              take_member (in, src, ent, path, e) < 0))
    rc = -1;
  free (member);
  free (path);
  archive_entry_free (ent);
  return rc;
}

int
fg_inspect_dir (const char *folder, enum fg_progress_mode pm,
                struct fg_inspection *in, struct fg_err *e)
{
  struct archive_entry_linkresolver *lr = NULL;
  struct archive *a = NULL;
  struct src src = { NULL, NULL, NULL };
  struct fg_progress p;
  char *root = NULL;
  int rc;

  if ((in->markers = fg_markers_get (e)) == NULL)
    return -1;
  if (dir_root (folder, &root, e) < 0)
    return -1;
  lr = archive_entry_linkresolver_new ();
  if (lr == NULL)
    rc = fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder reader");
  else
    rc = dir_open (root, &a, e);
  if (rc == 0) {
    archive_entry_linkresolver_set_strategy (lr,
                                             ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
    src.disk = a;
    src.root = root;
    fg_progress_start (&p, pm, "inspect", 0);
    while ((rc = dir_next (in, &src, lr, e)) > 0)
      fg_progress_update (&p, in->bytes_apparent);
    fg_progress_end (&p, rc == 0);
  }
  if (lr)
    archive_entry_linkresolver_free (lr);
  if (a)
    archive_read_free (a);
  free (root);
  if (rc < 0)
    return -1;
  fg_inspect_identify (in);
  return 0;
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

/* os-release (ID, VERSION_ID, ...), then lsb-release where it agrees. */
static void
release_os_release (struct fg_inspection *in)
{
  const struct fg_file *f;

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
}

/* The release files of the distributions without os-release (first-gen
 * era): the first that names one wins. */
static void
release_files (struct fg_inspection *in)
{
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
  const struct fg_file *f;

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

/* The codename, when os-release gave none. */
static void
release_codename (struct fg_inspection *in)
{
  const struct fg_file *f;

  /* The codename in parentheses: os-release's VERSION="7 (wheezy)",
   * "17 (Beefy Miracle)"; Red Hat's and Fedora's release line
   * "... release 6.5 (Santiago)" (CentOS says "(Final)": no codename). */
  if (in->codename == NULL && in->distro && strcmp (in->distro, "centos") != 0) {
    char *v = NULL;
    if ((f = fg_files_get (&in->files, "etc/os-release")) ||
        (f = fg_files_get (&in->files, "usr/lib/os-release")))
      v = shell_value (f->data, "VERSION");
    if (v == NULL && (strcmp (in->distro, "rhel") == 0 ||
                      strcmp (in->distro, "fedora") == 0) &&
        ((f = fg_files_get (&in->files, "etc/redhat-release")) ||
         (f = fg_files_get (&in->files, "etc/fedora-release"))))
      v = first_line (f->data);
    if (v) {
      char *open = strchr (v, '('), *close = open ? strchr (open, ')') : NULL;
      if (open && close && close > open + 1)
        in->codename = strndup (open + 1, (size_t) (close - open - 1));
      free (v);
    }
  }
  /* SuSE-release: "CODENAME = Asparagus", spaces around '='. */
  if (in->codename == NULL && in->distro &&
      (strcmp (in->distro, "opensuse") == 0 || strcmp (in->distro, "sles") == 0)
      && (f = fg_files_get (&in->files, "etc/SuSE-release")) != NULL) {
    const char *p = strstr (f->data, "\nCODENAME");
    if (p) {
      p += strlen ("\nCODENAME");
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '=') {
        size_t n;
        p++;
        while (*p == ' ' || *p == '\t')
          p++;
        n = strcspn (p, " \t\r\n");
        if (n)
          in->codename = strndup (p, n);
      }
    }
  }
}

static void
identify_release (struct fg_inspection *in)
{
  const struct fg_file *f;

  if (in->distro)
    return;                     /* libguestfs' inspection said already */
  release_os_release (in);
  if (in->distro == NULL)
    release_files (in);
  release_codename (in);
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
    /* Upstart's init is a binary of its own, not a link; its initctl
     * tells it apart (RHEL 6 and Fedora 14 keep an inittab too). */
    else if (fg_files_get (&in->files, "sbin/initctl"))
      in->init = "upstart";
    else if (fg_files_get (&in->files, "sbin/openrc"))
      in->init = "openrc";
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
  else if ((f = fg_files_get (&in->files, "etc/conf.d/hostname"))) {
    /* OpenRC reads hostname=, baselayout-1 HOSTNAME= */
    set (&in->hostname, shell_value (f->data, "hostname"));
    if (in->hostname == NULL)
      set (&in->hostname, shell_value (f->data, "HOSTNAME"));
  }
  else if ((f = fg_files_get (&in->files, "etc/rc.conf")))
    set (&in->hostname, shell_value (f->data, "HOSTNAME"));
  if (in->hostname && in->hostname[0] == '\0') {
    free (in->hostname);
    in->hostname = NULL;
  }
}

/* CONFIG_X of the kernel's boot/config-VERSION: 1 =y, 2 =m, 0 not set,
 * -1 no config kept. */
static int
kernel_config (const struct fg_inspection *in, const char *version,
               const char *opt)
{
  char path[512], key[128];
  const struct fg_file *f;
  const char *p;

  snprintf (path, sizeof path, "boot/config-%s", version);
  f = fg_files_get (&in->files, path);
  if (f == NULL || f->data == NULL)
    return -1;
  snprintf (key, sizeof key, "\n%s=", opt);
  if (strncmp (f->data, key + 1, strlen (key + 1)) == 0)
    p = f->data + strlen (key + 1);       /* on the first line */
  else if ((p = strstr (f->data, key)) != NULL)
    p += strlen (key);
  else
    return 0;
  return *p == 'y' ? 1 : *p == 'm' ? 2 : 0;
}

/* One driver's facts: built in, module, in the initramfs. */
static void
driver_facts (const struct fg_kernel *k, int which, int *ok, int *missing)
{
  int builtin = which == 'b' ? k->builtin_blkfront : k->builtin_netfront;
  int module = which == 'b' ? k->xen_blkfront : k->xen_netfront;
  int inram = which == 'b' ? k->initramfs.xen_blkfront
    : k->initramfs.xen_netfront;
  /* Absent at boot is known when the whole initramfs was listed, or
   * when there is none at all (then only built-in drivers exist). */
  int boot_known = k->initramfs.status == FG_INITRAMFS_LISTED ||
    !k->has_initrd;

  *ok = builtin == 1 || inram == 1;
  *missing = !*ok && boot_known &&
    (builtin == 0 || builtin == 2 || module == 1);
}

const char *
fg_kernel_driver_where (const struct fg_kernel *k, int which)
{
  int ok, missing;
  int builtin = which == 'b' ? k->builtin_blkfront : k->builtin_netfront;
  int module = which == 'b' ? k->xen_blkfront : k->xen_netfront;

  driver_facts (k, which, &ok, &missing);
  if (builtin == 1)
    return "built-in";
  if (ok)
    return "initramfs";
  if (module == 1)
    return missing ? "modules-only" : "unknown";
  if (builtin == 0)
    return "not-built";
  return missing ? "missing" : "unknown";
}

int
fg_kernel_initramfs_rebuild (const struct fg_kernel *k)
{
  return k->boots && k->has_modules && k->initramfs_xen != 1;
}

/* ---- the kernels the guest boots ------------------------------------ */

/* PATH ("boot/x", "boot/../vmlinuz") with "." and ".." folded, in
 * place; ".." never climbs above the root. */
static void
fold_path (char *path)
{
  char *out = path, *p = path;

  while (*p) {
    size_t len = strcspn (p, "/");
    if (len == 0 || (len == 1 && p[0] == '.'))
      ;
    else if (len == 2 && p[0] == '.' && p[1] == '.') {
      while (out > path && out[-1] != '/')
        out--;
      if (out > path)
        out--;
      while (out > path && out[-1] != '/')
        out--;
    } else {
      if (out != path && out[-1] != '/')
        *out++ = '/';
      memmove (out, p, len);
      out += len;
    }
    p += len;
    while (*p == '/')
      p++;
  }
  *out = '\0';
}

/* The kept symlink at PATH, or NULL. */
static const struct fg_file *
kept_link (const struct fg_inspection *in, const char *path)
{
  for (size_t i = 0; i < in->files.n; i++)
    if (in->files.v[i].target && strcmp (in->files.v[i].path, path) == 0)
      return &in->files.v[i];
  return NULL;
}

/* The kernel a boot entry's image path names ("/boot/vmlinuz-V",
 * "(hd0,0)/vmlinuz-V", "/boot/vmlinuz-xen" -> vmlinuz-V), through the
 * image's own symlinks.  NULL with *NAMED set to the image's file name
 * when it names a version the image lacks; NULL with *NAMED empty when
 * it cannot be placed (a name without a version, an unkept link). */
static struct fg_kernel *
entry_kernel (struct fg_inspection *in, const char *arg, char *named,
              size_t cap)
{
  static const char *const pre[] = { "vmlinuz-", "vmlinux-", "kernel-", NULL };
  char path[1024];
  const char *base;

  named[0] = '\0';
  if (arg[0] == '(' && strchr (arg, ')'))
    arg = strchr (arg, ')') + 1;                /* grub's (hd0,0) */
  snprintf (path, sizeof path, "%s", arg);
  fold_path (path);
  /* a separate /boot: "/vmlinuz-V" is boot/vmlinuz-V of the image */
  if (strncmp (path, "boot/", 5) != 0 && strchr (path, '/') == NULL &&
      kept_link (in, path) == NULL && strlen (path) + 6 <= sizeof path) {
    memmove (path + 5, path, strlen (path) + 1);
    memcpy (path, "boot/", 5);
  }
  for (int hops = 0; hops < 16; hops++) {
    const struct fg_file *l = kept_link (in, path);
    char next[1024];
    if (l == NULL)
      break;
    if (l->target[0] == '/')
      snprintf (next, sizeof next, "%s", l->target + 1);
    else {
      const char *slash = strrchr (path, '/');
      snprintf (next, sizeof next, "%.*s%s", slash ? (int) (slash - path + 1)
                : 0, path, l->target);
    }
    fold_path (next);
    snprintf (path, sizeof path, "%s", next);
  }
  base = strrchr (path, '/') ? strrchr (path, '/') + 1 : path;
  for (int i = 0; pre[i]; i++) {
    size_t pl = strlen (pre[i]), len;
    if (strncmp (base, pre[i], pl) != 0 || base[pl] == '\0')
      continue;
    len = strlen (base + pl);
    if (len > 3 && strcmp (base + pl + len - 3, ".gz") == 0)
      len -= 3;
    for (unsigned k = 0; k < in->nkernels; k++) {
      struct fg_kernel *x = &in->kernels[k];
      if (x->no_image)
        continue;
      if ((strlen (x->version) == len &&
           strncmp (x->version, base + pl, len) == 0) ||
          (x->name && strlen (x->name) == len &&
           strncmp (x->name, base + pl, len) == 0))
        return x;
    }
    /* Known absent only for a version-named image of a file-level
     * pass, which keeps /boot's links: "vmlinuz-xen" or a disk's
     * unkept link cannot be placed. */
    if (isdigit ((unsigned char) base[pl]) && in->layout &&
        strcmp (in->layout, "file") == 0) {
      size_t bl = strlen (base) < cap ? strlen (base) : cap - 1;
      memcpy (named, base, bl);
      named[bl] = '\0';
    }
    return NULL;
  }
  return NULL;
}

/* Which kernels the guest boots: the images its boot configuration's
 * entries name (every configuration pygrub may read); modules without
 * an image are a first-gen host's kernel. */
static void
identify_boots (struct fg_inspection *in)
{
  static const char *const configs[] = {
    "boot/grub/menu.lst", "boot/grub/grub.conf", "boot/grub/grub.cfg",
    "boot/grub2/grub.cfg", "boot/extlinux/extlinux.conf", NULL,
  };
  const struct fg_file *seen[8];
  unsigned nseen = 0, entries = 0, placed = 0, unplaced = 0;
  char missing[256] = "";

  for (unsigned i = 0; i < in->nkernels; i++) {
    struct fg_kernel *k = &in->kernels[i];
    k->boots = 0;
    k->host_supplied = k->no_image && k->has_modules;
  }
  for (int c = 0; configs[c]; c++) {
    const struct fg_file *f = fg_files_get (&in->files, configs[c]);
    const char *p;
    int dup = 0;

    if (f == NULL || f->data == NULL)
      continue;
    for (unsigned j = 0; j < nseen; j++)
      dup |= seen[j] == f;                 /* menu.lst -> grub.conf */
    if (dup || nseen == sizeof seen / sizeof seen[0])
      continue;
    seen[nseen++] = f;
    for (p = f->data; p && *p; ) {
      const char *nl = strchr (p, '\n');
      size_t len = nl ? (size_t) (nl - p) : strlen (p), w;
      char line[1024], arg[1024], named[256];
      struct fg_kernel *k;

      snprintf (line, sizeof line, "%.*s", (int) len, p);
      p = nl ? nl + 1 : NULL;
      {
        char *q = line;
        while (*q == ' ' || *q == '\t')
          q++;
        w = strcspn (q, " \t=");
        /* grub legacy "kernel", grub 2 "linux" (linux16, linuxefi),
         * extlinux "kernel"/"linux" in either case */
        if (!((w == 6 && strncasecmp (q, "kernel", 6) == 0) ||
              (w == 5 && strncasecmp (q, "linux", 5) == 0) ||
              (w == 7 && strncmp (q, "linux16", 7) == 0) ||
              (w == 8 && strncmp (q, "linuxefi", 8) == 0)))
          continue;
        q += w;
        while (*q == ' ' || *q == '\t' || *q == '=')
          q++;
        w = strcspn (q, " \t\r");
        if (w == 0)
          continue;
        snprintf (arg, sizeof arg, "%.*s", (int) w, q);
      }
      entries++;
      k = entry_kernel (in, arg, named, sizeof named);
      if (k) {
        k->boots = 1;
        placed++;
      } else if (named[0]) {
        if (missing[0] == '\0')
          snprintf (missing, sizeof missing, "%s", named);
      } else
        unplaced++;
    }
  }
  /* No entry, or one fg2ng cannot place: every kernel with an image
   * may be the one booted. */
  if (placed == 0 && (entries == 0 || unplaced > 0))
    for (unsigned i = 0; i < in->nkernels; i++)
      in->kernels[i].boots = !in->kernels[i].no_image;
  free (in->boot_missing);
  in->boot_missing = placed == 0 && entries > 0 && unplaced == 0 &&
    missing[0] ? strdup (missing) : NULL;
}

static void
identify_kernels (struct fg_inspection *in)
{
  for (unsigned i = 0; i < in->nkernels; i++) {
    struct fg_kernel *k = &in->kernels[i];
    int ok_b, ok_n, miss_b, miss_n;

    k->builtin_blkfront = kernel_config (in, k->version,
                                         "CONFIG_XEN_BLKDEV_FRONTEND");
    k->builtin_netfront = kernel_config (in, k->version,
                                         "CONFIG_XEN_NETDEV_FRONTEND");
    driver_facts (k, 'b', &ok_b, &miss_b);
    driver_facts (k, 'n', &ok_n, &miss_n);
    k->initramfs_xen = ok_b && ok_n ? 1 : miss_b || miss_n ? 0 : -1;
  }
}

void
fg_inspect_identify (struct fg_inspection *in)
{
  struct fg_err ignored = FG_ERR_INIT;

  merge_named_kernels (in);
  identify_kernels (in);

  identify_release (in);
  identify_arch (in);
  identify_boot (in);
  identify_boots (in);
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

/* The family whose files and tools a distribution shares: the one map,
 * the profiles' "distros" (facts/profiles.h).  Profiles that cannot be
 * read leave it unsaid here: the plan reads them too, and says why. */
static const char *
family (const char *distro)
{
  struct fg_err ignored = FG_ERR_INIT;

  return fg_family_of_distro (distro, &ignored);
}

/* One kernel, as the report has it. */
static json_t *
kernel_json (const struct fg_kernel *x)
{
  json_t *kj = json_pack ("{s:s, s:b, s:b}", "version", x->version,
                          "initrd", x->has_initrd, "modules",
                          x->has_modules);
  json_object_set_new (kj, "xen_blkfront", x->xen_blkfront < 0 ? json_null ()
                       : json_boolean (x->xen_blkfront));
  json_object_set_new (kj, "xen_netfront", x->xen_netfront < 0 ? json_null ()
                       : json_boolean (x->xen_netfront));
  if (x->name)
    json_object_set_new (kj, "name", json_string (x->name));
  json_object_set_new (kj, "image", json_boolean (!x->no_image));
  json_object_set_new (kj, "boots", json_boolean (x->boots));
  json_object_set_new (kj, "host_supplied", json_boolean (x->host_supplied));
  json_object_set_new (kj, "builtin",
                       json_pack ("{s:o, s:o}", "xen_blkfront",
                                  x->builtin_blkfront < 0 ? json_null ()
                                  : json_boolean (x->builtin_blkfront == 1),
                                  "xen_netfront",
                                  x->builtin_netfront < 0 ? json_null ()
                                  : json_boolean (x->builtin_netfront == 1)));
  {
    const struct fg_initramfs *r = &x->initramfs;
    int seen = r->status != FG_INITRAMFS_NOT_LISTED;
    json_object_set_new (kj, "initramfs", json_pack (
      "{s:s, s:o, s:I, s:I, s:o, s:o, s:o}",
      "status", fg_initramfs_status_name (r->status),
      "format", r->format[0] ? json_string (r->format) : json_null (),
      "segments", (json_int_t) r->segments,
      "members", (json_int_t) r->members,
      "xen_blkfront", seen && (r->status == FG_INITRAMFS_LISTED ||
                               r->xen_blkfront)
      ? json_boolean (r->xen_blkfront) : json_null (),
      "xen_netfront", seen && (r->status == FG_INITRAMFS_LISTED ||
                               r->xen_netfront)
      ? json_boolean (r->xen_netfront) : json_null (),
      "why", r->why[0] ? json_string (r->why) : json_null ()));
  }
  json_object_set_new (kj, "xen_drivers",
                       json_pack ("{s:s, s:s}",
                                  "xen_blkfront", fg_kernel_driver_where (x, 'b'),
                                  "xen_netfront", fg_kernel_driver_where (x, 'n')));
  json_object_set_new (kj, "initramfs_xen", x->initramfs_xen < 0
                       ? json_null () : json_boolean (x->initramfs_xen));
  return kj;
}

json_t *
fg_inspection_json (const struct fg_inspection *in)
{
  json_t *o = json_object (), *k = json_array (), *fs = json_array (),
    *db = json_array ();

  for (unsigned i = 0; i < in->nkernels; i++)
    json_array_append_new (k, kernel_json (&in->kernels[i]));
  for (unsigned i = 0; i < in->nfstab; i++)
    json_array_append_new (fs, json_pack ("{s:s, s:s, s:s, s:s}",
                                          "device", in->fstab[i].device,
                                          "mountpoint", in->fstab[i].mountpoint,
                                          "type", in->fstab[i].type,
                                          "options", in->fstab[i].options));
  for (unsigned i = 0; i < in->ndatabases; i++)
    json_array_append_new (db, json_pack ("{s:s, s:s, s:s?}",
                                          "engine", in->databases[i].engine,
                                          "name", in->databases[i].name,
                                          "where", in->databases[i].where));
  json_object_set_new (o, "layout", json_string (in->layout));
  json_object_set_new (o, "os", json_pack ("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
                                           "type", in->os_type,
                                           "distro", str_or_null (in->distro),
                                           "version", str_or_null (in->version),
                                           "major", str_or_null (in->major),
                                           "codename", str_or_null (in->codename),
                                           "product", str_or_null (in->product),
                                           "arch", str_or_null (in->arch)));
  json_object_set_new (json_object_get (o, "os"), "family",
                       str_or_null (family (in->distro)));
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

int
fg_inspection_require_os (const struct fg_inspection *in, const char *source,
                          struct fg_err *e)
{
  static const char *const signs[] = {
    "etc/fstab", "etc/os-release", "etc/issue", "etc/inittab", NULL };

  if (in->distro != NULL ||
      (in->os_type != NULL && strcmp (in->os_type, "unknown") != 0))
    return 0;
  /* A root file system of a system fg2ng does not know (Slackware, say)
   * is still a server: the rules refuse it (exit 1), with reasons. */
  for (const char *const *p = signs; *p; p++)
    if (fg_files_get (&in->files, *p))
      return 0;
  for (size_t i = 0; i < in->files.n; i++) {
    const char *f = in->files.v[i].path;
    size_t n = strlen (f);
    if (strncmp (f, "etc/", 4) == 0 && !strchr (f + 4, '/') &&
        ((n > 8 && strcmp (f + n - 8, "-release") == 0) ||
         (n > 8 && strcmp (f + n - 8, "-version") == 0) ||
         (n > 8 && strcmp (f + n - 8, "_version") == 0)))
      return 0;
  }
  fg_err_set (e, FG_E_INPUT, "no operating system found in '%s'", source);
  fg_err_hint (e, "is it a first-gen server's image or disk? 'fg2ng inspect' "
               "shows what was found; 'fg2ng convert --no-check' converts it "
               "anyway, labelled \"os unknown\" (data recovery)");
  return -1;
}
