/* tests/unit/test_inspect.c --- the file-level inspection of small images
 *
 * Root trees are written here into a temporary folder, from text in this
 * file: a Debian 6 server (release files, fstab, interfaces with a
 * ServiceNet route, a Xen kernel with its modules and a GRUB menu, MySQL
 * and PostgreSQL data), a CentOS 5 one, an Ubuntu one told by
 * lsb-release, and a tree with no system in it.  The Debian tree goes
 * through tar and gzip and is split into parts, as a first-gen image is
 * (fg_inspect_parts); the others are read as extracted folders
 * (fg_inspect_dir).  Each assertion is a fact the tree was written to
 * hold.  The database markers come from the source tree's
 * profiles/databases.json (FG2NG_PROFILES, as tests/run.sh runs).
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/inspect.h"
#include "tests/unit/tap.h"

static char tmpdir[256];

/* ---- trees ------------------------------------------------------------ */

struct file {
  const char *path;             /* ends in '/' for a folder */
  const char *text;             /* NULL for an empty file */
};

static int
mkdirs (char *path)
{
  for (char *p = path + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir (path, 0755) < 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  return 0;
}

/* Write FILES under ROOT (made fresh). */
static int
write_tree (const char *root, const struct file *files, size_t n)
{
  char path[1024];

  snprintf (path, sizeof path, "rm -rf '%s'", root);
  if (system (path) != 0 || mkdir (root, 0755) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen (files[i].path);
    FILE *f;

    snprintf (path, sizeof path, "%s/%s", root, files[i].path);
    if (mkdirs (path) < 0)
      return -1;
    if (files[i].path[len - 1] == '/')
      continue;
    f = fopen (path, "w");
    if (f == NULL)
      return -1;
    if (files[i].text)
      fputs (files[i].text, f);
    if (fclose (f) != 0)
      return -1;
  }
  return 0;
}

static int
shell (const char *fmt, const char *a, const char *b)
{
  char cmd[2048];
  snprintf (cmd, sizeof cmd, fmt, a, b);
  return system (cmd);
}

#define KVER "2.6.32-5-xen-amd64"

static const struct file debian6[] = {
  { "image/etc/debian_version", "6.0.10\n" },
  { "image/etc/issue", "Debian GNU/Linux 6.0 \\n \\l\n" },
  { "image/etc/hostname", "web01\n" },
  { "image/etc/fstab",
    "# /etc/fstab: static file system information.\n"
    "proc            /proc  proc  defaults           0 0\n"
    "/dev/xvda1      /      ext3  errors=remount-ro  0 1\n"
    "/dev/xvdc1      none   swap  sw                 0 0\n" },
  { "image/etc/network/interfaces",
    "auto lo\niface lo inet loopback\n\n"
    "auto eth0\niface eth0 inet static\n"
    "    address 198.51.100.20\n    netmask 255.255.255.0\n"
    "    gateway 198.51.100.1\n\n"
    "auto eth1\niface eth1 inet static\n"
    "    address 10.176.5.6\n    netmask 255.255.224.0\n"
    "    up route add -net 10.176.0.0 netmask 255.240.0.0 gw 10.176.0.1\n" },
  { "image/etc/resolv.conf", "nameserver 8.8.4.4\nnameserver 8.8.8.8\n" },
  { "image/boot/vmlinuz-" KVER, "not really a kernel\n" },
  { "image/boot/config-" KVER,
    "CONFIG_XEN=y\nCONFIG_XEN_BLKDEV_FRONTEND=m\n"
    "CONFIG_XEN_NETDEV_FRONTEND=m\n" },
  { "image/boot/grub/menu.lst",
    "default 0\ntimeout 5\n"
    "title Debian GNU/Linux, kernel " KVER "\n"
    "root (hd0,0)\n"
    "kernel /boot/vmlinuz-" KVER " root=/dev/xvda1 ro\n" },
  { "image/lib/modules/" KVER "/kernel/drivers/block/xen-blkfront.ko", "m" },
  { "image/lib/modules/" KVER "/kernel/drivers/net/xen-netfront.ko", "m" },
  { "image/var/lib/mysql/mysql/user.frm", "frm" },
  { "image/var/lib/postgresql/8.4/main/PG_VERSION", "8.4\n" },
  { "image/home/web/", NULL },
  { "image/tmp/", NULL },
};

static const struct file centos5[] = {
  { "etc/redhat-release", "CentOS release 5.8 (Final)\n" },
  { "etc/fstab", "/dev/xvda1 / ext3 defaults 1 1\n" },
  { "etc/sysconfig/network", "NETWORKING=yes\nHOSTNAME=db01.example.com\n" },
  { "etc/sysconfig/network-scripts/ifcfg-eth0",
    "DEVICE=eth0\nBOOTPROTO=static\nIPADDR=203.0.113.9\n"
    "NETMASK=255.255.255.0\nGATEWAY=203.0.113.1\nONBOOT=yes\n" },
  { "boot/vmlinuz-2.6.18-308.el5xen", "kernel" },
  { "boot/grub/grub.conf",
    "default=0\ntitle CentOS (2.6.18-308.el5xen)\n\troot (hd0,0)\n"
    "\tkernel /boot/vmlinuz-2.6.18-308.el5xen ro root=/dev/xvda1\n" },
  { "var/lib/mongodb/WiredTiger", "wt" },
};

static const struct file ubuntu[] = {
  { "etc/lsb-release",
    "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=12.04\nDISTRIB_CODENAME=precise\n"
    "DISTRIB_DESCRIPTION=\"Ubuntu 12.04.5 LTS\"\n" },
  { "etc/debian_version", "wheezy/sid\n" },
  { "etc/fstab", "UUID=0e1c5f5c-6b2e-4a45-9e4b-3c33f1b1a1a1 / ext4 defaults 0 1\n" },
};

static const struct file nothing[] = {
  { "data/report.txt", "quarterly numbers\n" },
  { "data/more/notes", "nothing to see\n" },
};

/* ---- helpers ---------------------------------------------------------- */

static const struct fg_kernel *
find_kernel (const struct fg_inspection *in, const char *version)
{
  for (unsigned i = 0; i < in->nkernels; i++)
    if (in->kernels[i].version && strcmp (in->kernels[i].version, version) == 0)
      return &in->kernels[i];
  return NULL;
}

static const struct fg_fstab_entry *
find_mount (const struct fg_inspection *in, const char *mountpoint)
{
  for (unsigned i = 0; i < in->nfstab; i++)
    if (in->fstab[i].mountpoint && strcmp (in->fstab[i].mountpoint,
                                           mountpoint) == 0)
      return &in->fstab[i];
  return NULL;
}

static const struct fg_net_iface *
find_iface (const struct fg_inspection *in, const char *name)
{
  for (size_t i = 0; i < in->net.nifaces; i++)
    if (strcmp (in->net.ifaces[i].name, name) == 0)
      return &in->net.ifaces[i];
  return NULL;
}

static int
has_database (const struct fg_inspection *in, const char *engine,
              const char *where_part)
{
  for (unsigned i = 0; i < in->ndatabases; i++)
    if (strcmp (in->databases[i].engine, engine) == 0 &&
        in->databases[i].where && strstr (in->databases[i].where, where_part))
      return 1;
  return 0;
}

/* ---- tests ------------------------------------------------------------ */

/* The Debian tree's network model, from etc/network/interfaces. */
static void
check_debian_network (const struct fg_inspection *in)
{
  const struct fg_net_iface *eth0, *eth1;

  CHECK_STR (in->net.family, "debian");
  CHECK_INT (in->net.nifaces, 2);
  eth0 = find_iface (in, "eth0");
  eth1 = find_iface (in, "eth1");
  CHECK (eth0 != NULL && eth1 != NULL);
  if (eth0 && eth1) {
    CHECK_INT (eth0->nipv4, 1);
    if (eth0->nipv4)
      CHECK_STR (eth0->ipv4[0], "198.51.100.20/24");
    CHECK_STR (eth0->gateway, "198.51.100.1");
    CHECK_INT (eth1->nipv4, 1);
    if (eth1->nipv4)
      CHECK_STR (eth1->ipv4[0], "10.176.5.6/19");
    CHECK (eth1->gateway == NULL);
    CHECK_INT (eth1->nroutes, 1);
    if (eth1->nroutes) {
      CHECK_STR (eth1->routes[0].to, "10.176.0.0/12");
      CHECK_STR (eth1->routes[0].via, "10.176.0.1");
    }
  }
  CHECK_INT (in->net.nresolvers, 2);
  if (in->net.nresolvers == 2) {
    CHECK_STR (in->net.resolvers[0], "8.8.4.4");
    CHECK_STR (in->net.resolvers[1], "8.8.8.8");
  }
}

/* The report carries the same facts. */
static void
check_debian_json (const struct fg_inspection *in)
{
  json_t *j = fg_inspection_json (in);
  json_t *os = json_object_get (j, "os");

  CHECK (j != NULL);
  CHECK_STR (json_string_value (json_object_get (os, "distro")), "debian");
  CHECK_STR (json_string_value (json_object_get (os, "version")), "6.0.10");
  CHECK_STR (json_string_value (json_object_get (os, "family")), "debian");
  CHECK_INT (json_integer_value (json_object_get (json_object_get
                                                  (j, "figures"),
                                                  "inodes")), in->inodes);
  CHECK_INT (json_array_size (json_object_get (j, "kernels")), 1);
  CHECK_INT (json_array_size (json_object_get (j, "fstab")), 3);
  CHECK_INT (json_array_size (json_object_get (j, "databases")), 2);
  json_decref (j);
}

/* Debian 6 as a first-gen archive: tar, gzip, split into parts. */
static void
test_debian_parts (void)
{
  char stage[512], prefix[512], first[600];
  struct fg_parts parts;
  enum fg_source_kind kind;
  struct fg_inspection in;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_kernel *k;
  const struct fg_fstab_entry *m;

  snprintf (stage, sizeof stage, "%s/deb-stage", tmpdir);
  snprintf (prefix, sizeof prefix, "%s/web01.tar.gz.", tmpdir);
  CHECK_INT (write_tree (stage, debian6, sizeof debian6 / sizeof *debian6),
             0);
  /* Small parts, so that members straddle them. */
  CHECK_INT (shell ("tar -C '%s' -cf - image | gzip -c | "
                    "split -b 700 -d -a 1 - '%s'", stage, prefix), 0);
  snprintf (first, sizeof first, "%s0", prefix);
  CHECK_INT (fg_parts_find (first, &kind, &parts, &e), 0);
  CHECK_INT (kind, FG_SOURCE_PARTS);
  CHECK (parts.count > 1);
  fg_inspection_init (&in);
  CHECK_INT (fg_inspect_parts (&parts, FG_PROGRESS_NONE, &in, &e), 0);
  if (e.kind)
    printf ("# %s\n", e.msg);

  CHECK_STR (in.layout, "file");
  CHECK_STR (in.os_type, "linux");
  CHECK_STR (in.distro, "debian");
  CHECK_STR (in.version, "6.0.10");
  CHECK_STR (in.major, "6");
  CHECK_STR (in.hostname, "web01");
  CHECK_STR (in.bootloader, "grub-legacy");
  CHECK_STR (in.boot_config, "boot/grub/menu.lst");
  CHECK_U64 (in.archive_bytes, parts.total);
  CHECK (in.inodes >= sizeof debian6 / sizeof *debian6);
  CHECK (in.bytes_apparent > 0);

  /* The kernel, its modules and config, and that grub boots it. */
  CHECK_INT (in.nkernels, 1);
  k = find_kernel (&in, KVER);
  CHECK (k != NULL);
  if (k) {
    CHECK_INT (k->has_modules, 1);
    CHECK_INT (k->has_initrd, 0);
    CHECK_INT (k->xen_blkfront, 1);
    CHECK_INT (k->xen_netfront, 1);
    CHECK_INT (k->builtin_blkfront, 2);     /* =m in boot/config-* */
    CHECK_INT (k->builtin_netfront, 2);
    CHECK_INT (k->no_image, 0);
    CHECK_INT (k->boots, 1);
  }
  CHECK (in.boot_missing == NULL);

  /* fstab: comments skipped, every entry kept in order. */
  CHECK_INT (in.nfstab, 3);
  m = find_mount (&in, "/");
  CHECK (m != NULL);
  if (m) {
    CHECK_STR (m->device, "/dev/xvda1");
    CHECK_STR (m->type, "ext3");
    CHECK_STR (m->options, "errors=remount-ro");
  }
  CHECK (find_mount (&in, "none") != NULL);

  check_debian_network (&in);

  /* Database markers of profiles/databases.json. */
  CHECK_INT (in.ndatabases, 2);
  CHECK (has_database (&in, "mysql", "var/lib/mysql"));
  CHECK (has_database (&in, "postgresql", "var/lib/postgresql/8.4/main"));

  /* Only the identifying files were kept, never the data. */
  CHECK (fg_files_get (&in.files, "etc/fstab") != NULL);
  CHECK (fg_files_get (&in.files, "var/lib/mysql/mysql/user.frm") == NULL);
  CHECK_INT (fg_inspection_require_os (&in, "web01", &e), 0);

  check_debian_json (&in);
  fg_inspection_release (&in);
  fg_parts_release (&parts);
}

/* The same tree as an extracted folder (image/ inside) says the same. */
static void
test_debian_folder_matches (void)
{
  char stage[512];
  struct fg_inspection in;
  struct fg_err e = FG_ERR_INIT;

  snprintf (stage, sizeof stage, "%s/deb-stage", tmpdir);
  CHECK_INT (write_tree (stage, debian6, sizeof debian6 / sizeof *debian6),
             0);
  fg_inspection_init (&in);
  CHECK_INT (fg_inspect_dir (stage, FG_PROGRESS_NONE, &in, &e), 0);
  CHECK_STR (in.distro, "debian");
  CHECK_STR (in.version, "6.0.10");
  CHECK (find_kernel (&in, KVER) != NULL);
  CHECK_INT (in.nfstab, 3);
  CHECK_INT (in.ndatabases, 2);
  CHECK_INT (in.net.nifaces, 2);
  fg_inspection_release (&in);
}

static void
test_centos_folder (void)
{
  char root[512];
  struct fg_inspection in;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_kernel *k;
  const struct fg_net_iface *eth0;

  snprintf (root, sizeof root, "%s/centos", tmpdir);
  CHECK_INT (write_tree (root, centos5, sizeof centos5 / sizeof *centos5), 0);
  fg_inspection_init (&in);
  CHECK_INT (fg_inspect_dir (root, FG_PROGRESS_NONE, &in, &e), 0);
  CHECK_STR (in.os_type, "linux");
  CHECK_STR (in.distro, "centos");
  CHECK_STR (in.version, "5.8");
  CHECK_STR (in.major, "5");
  CHECK (in.codename == NULL);          /* "(Final)" is no codename */
  CHECK_STR (in.bootloader, "grub-legacy");
  CHECK_STR (in.hostname, "db01.example.com");
  k = find_kernel (&in, "2.6.18-308.el5xen");
  CHECK (k != NULL);
  if (k) {
    CHECK_INT (k->has_modules, 0);
    CHECK_INT (k->boots, 1);
  }
  CHECK_STR (in.net.family, "redhat");
  eth0 = find_iface (&in, "eth0");
  CHECK (eth0 != NULL);
  if (eth0 && eth0->nipv4) {
    CHECK_STR (eth0->ipv4[0], "203.0.113.9/24");
    CHECK_STR (eth0->gateway, "203.0.113.1");
  }
  CHECK_INT (in.ndatabases, 1);
  CHECK (has_database (&in, "mongodb", "var/lib/mongodb"));
  fg_inspection_release (&in);
}

/* A hard link is one inode more name; a new file is one inode more. */
static void
test_figures_count_inodes (void)
{
  char root[512], path[600];
  struct fg_inspection a, b, c;
  struct fg_err e = FG_ERR_INIT;

  snprintf (root, sizeof root, "%s/centos", tmpdir);
  CHECK_INT (write_tree (root, centos5, sizeof centos5 / sizeof *centos5), 0);
  fg_inspection_init (&a);
  fg_inspection_init (&b);
  fg_inspection_init (&c);
  CHECK_INT (fg_inspect_dir (root, FG_PROGRESS_NONE, &a, &e), 0);
  snprintf (path, sizeof path, "%s/etc/fstab.link", root);
  CHECK_INT (shell ("ln '%s/etc/fstab' '%s'", root, path), 0);
  CHECK_INT (fg_inspect_dir (root, FG_PROGRESS_NONE, &b, &e), 0);
  CHECK_U64 (b.inodes, a.inodes);
  CHECK_U64 (b.entries, a.entries + 1);
  snprintf (path, sizeof path, "%s/etc/big", root);
  CHECK_INT (shell ("head -c 100000 /dev/zero > '%s'%s", path, ""), 0);
  CHECK_INT (fg_inspect_dir (root, FG_PROGRESS_NONE, &c, &e), 0);
  CHECK_U64 (c.inodes, a.inodes + 1);
  CHECK (c.largest_file >= 100000);
  CHECK (c.bytes_apparent >= b.bytes_apparent + 100000);
  CHECK (c.bytes_used >= b.bytes_used + 100000);
  fg_inspection_release (&a);
  fg_inspection_release (&b);
  fg_inspection_release (&c);
}

static void
test_ubuntu_by_lsb_release (void)
{
  char root[512];
  struct fg_inspection in;
  struct fg_err e = FG_ERR_INIT;

  snprintf (root, sizeof root, "%s/ubuntu", tmpdir);
  CHECK_INT (write_tree (root, ubuntu, sizeof ubuntu / sizeof *ubuntu), 0);
  fg_inspection_init (&in);
  CHECK_INT (fg_inspect_dir (root, FG_PROGRESS_NONE, &in, &e), 0);
  CHECK_STR (in.distro, "ubuntu");
  CHECK_STR (in.version, "12.04");
  CHECK_STR (in.major, "12.04");        /* Ubuntu's major keeps the point */
  CHECK_STR (in.codename, "precise");
  CHECK_INT (in.nkernels, 0);
  fg_inspection_release (&in);
}

/* No system: identification leaves it unknown, and require_os refuses
 * it as an input error naming the source. */
static void
test_no_system_refused (void)
{
  char root[512];
  struct fg_inspection in;
  struct fg_err e = FG_ERR_INIT;

  snprintf (root, sizeof root, "%s/nothing", tmpdir);
  CHECK_INT (write_tree (root, nothing, sizeof nothing / sizeof *nothing), 0);
  fg_inspection_init (&in);
  CHECK_INT (fg_inspect_dir (root, FG_PROGRESS_NONE, &in, &e), 0);
  CHECK (in.distro == NULL);
  CHECK (strcmp (in.os_type, "linux") != 0);
  CHECK_INT (in.nkernels, 0);
  CHECK_INT (fg_inspection_require_os (&in, "backup-7", &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "backup-7");
  fg_inspection_release (&in);
}

/* A truncated archive is an input error, not a partial inspection. */
static void
test_truncated_archive (void)
{
  char stage[512], gz[512];
  struct fg_parts parts;
  enum fg_source_kind kind;
  struct fg_inspection in;
  struct fg_err e = FG_ERR_INIT;

  snprintf (stage, sizeof stage, "%s/deb-stage", tmpdir);
  snprintf (gz, sizeof gz, "%s/cut.tar.gz", tmpdir);
  CHECK_INT (write_tree (stage, debian6, sizeof debian6 / sizeof *debian6),
             0);
  CHECK_INT (shell ("tar -C '%s' -czf - image | head -c 600 > '%s'", stage,
                    gz), 0);
  CHECK_INT (fg_parts_find (gz, &kind, &parts, &e), 0);
  fg_inspection_init (&in);
  CHECK_INT (fg_inspect_parts (&parts, FG_PROGRESS_NONE, &in, &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "cut.tar.gz");
  fg_inspection_release (&in);
  fg_parts_release (&parts);
}

/* The path-level facts, fed one name at a time. */
static void
test_note_path (void)
{
  struct fg_inspection in;
  struct fg_err e = FG_ERR_INIT;

  fg_inspection_init (&in);
  in.markers = fg_markers_get (&e);
  CHECK (in.markers != NULL);
  if (in.markers == NULL) {
    printf ("# %s\n", e.msg);
    return;
  }
  fg_inspect_note_path (&in, "var/lib/mysql/ibdata1", 0);
  fg_inspect_note_path (&in, "var/lib/mysql/mysql/user.MYD", 0);
  fg_inspect_note_path (&in, "srv/var/lib/mysql/ibdata1", 0);
  fg_inspect_note_path (&in, "boot/vmlinuz-3.2.0-4-amd64", 0);
  fg_inspect_note_path (&in, "boot/initrd.img-3.2.0-4-amd64", 0);
  fg_inspect_note_path (&in, "lib/modules/3.2.0-4-amd64/modules.dep", 0);
  fg_inspect_note_path (&in, "lib/modules/2.6.32-5-amd64/modules.dep", 0);
  /* One engine, however many of its markers are seen. */
  CHECK_INT (in.ndatabases, 1);
  CHECK (has_database (&in, "mysql", "var/lib/mysql"));
  CHECK (fg_inspect_initrd_of (&in, "boot/initrd.img-3.2.0-4-amd64") != NULL);
  CHECK (fg_inspect_initrd_of (&in, "etc/fstab") == NULL);
  fg_inspect_identify (&in);
  {
    const struct fg_kernel *k = find_kernel (&in, "3.2.0-4-amd64");
    const struct fg_kernel *h = find_kernel (&in, "2.6.32-5-amd64");
    CHECK (k != NULL && h != NULL);
    if (k && h) {
      CHECK_INT (k->has_initrd, 1);
      CHECK_INT (k->has_modules, 1);
      CHECK_INT (k->no_image, 0);
      /* Modules without an image: the kernel the first-gen host booted
       * the guest with. */
      CHECK_INT (h->no_image, 1);
      CHECK_INT (h->host_supplied, 1);
    }
  }
  CHECK (fg_inspect_keeps ("etc/fstab"));
  CHECK (fg_inspect_keeps ("etc/sysconfig/network-scripts/ifcfg-eth1"));
  CHECK (!fg_inspect_keeps ("var/lib/mysql/ibdata1"));
  fg_inspection_release (&in);
}

int
main (void)
{
  const char *base = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";
  char cmd[600];
  int rc;

  /* The profiles of this source tree, as tests/run.sh runs from it. */
  if (getenv ("FG2NG_PROFILES") == NULL) {
    const char *top = getenv ("FG_TOP");
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/profiles", top && *top ? top : ".");
    setenv ("FG2NG_PROFILES", dir, 1);
  }
  snprintf (tmpdir, sizeof tmpdir, "%s/test_inspect.XXXXXX", base);
  if (mkdtemp (tmpdir) == NULL) {
    printf ("Bail out! cannot make a temporary folder\n");
    return 1;
  }
  RUN (test_debian_parts);
  RUN (test_debian_folder_matches);
  RUN (test_centos_folder);
  RUN (test_figures_count_inodes);
  RUN (test_ubuntu_by_lsb_release);
  RUN (test_no_system_refused);
  RUN (test_truncated_archive);
  RUN (test_note_path);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  rc = system (cmd);
  (void) rc;
  return TAP_DONE ();
}
