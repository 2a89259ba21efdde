/* tests/unit/test_plan.c --- the eligibility rules on made-up inspections
 *
 * Inspections are filled in by hand (no image is read): a Debian 6
 * server that every rule passes, then the same server changed one fact
 * at a time (an unknown distribution, a known one fg2ng has no profile
 * for, too many inodes, too much data, no kernel, a kernel without the
 * Xen drivers, an old kernel, a data disk, database data, a 256 MB
 * flavor, a large disk for a General Purpose flavor) and Windows servers.
 * Each must move the right rule id to the right level, and only the
 * failures make the plan ineligible.  The limits are DESIGN.md's ("Rules
 * from the sources"): 250 GB used, 3 million inodes, 40 GB for General
 * Purpose / I/O flavors, kernels 2.6.32 or later.  The JSON's rule ids
 * are those doc/check.schema.json lists.  Profiles come from the source
 * tree (FG2NG_PROFILES, as tests/run.sh runs).
 */
#include "plan/plan.h"
#include "tests/unit/tap.h"

#define GIB (1ull << 30)

/* The rule ids of doc/check.schema.json (plan.verdicts[].rule). */
static const char *const schema_rules[] = {
  "base-image.known", "linux.volume-250g", "linux.inodes-3m",
  "flavor.gp-io-40g", "flavor.no-256mb", "kernel.present", "kernel.versions",
  "kernel.xen-drivers", "kernel.host-supplied", "disk.data-disks",
  "data.database", "network.ip-preservation", "estimate.time",
  "windows.disk-250g", "windows.domain-controller", NULL,
};

static int
in_schema (const char *rule)
{
  for (const char *const *r = schema_rules; *r; r++)
    if (strcmp (*r, rule) == 0)
      return 1;
  return 0;
}

static void
add_fstab (struct fg_inspection *in, const char *dev, const char *mnt,
           const char *type)
{
  struct fg_fstab_entry *f = &in->fstab[in->nfstab++];
  f->device = strdup (dev);
  f->mountpoint = strdup (mnt);
  f->type = strdup (type);
  f->options = strdup ("defaults");
}

/* A kernel the guest boots, with both Xen drivers built in. */
static struct fg_kernel *
add_kernel (struct fg_inspection *in, const char *version)
{
  struct fg_kernel *k = &in->kernels[in->nkernels++];

  memset (k, 0, sizeof *k);
  k->version = strdup (version);
  k->has_modules = 1;
  k->xen_blkfront = 0;
  k->xen_netfront = 0;
  k->builtin_blkfront = 1;
  k->builtin_netfront = 1;
  k->initramfs_xen = 1;
  k->boots = 1;
  return k;
}

/* Debian 6.0.10, 3 GB in 80000 files, one kernel that has what next-gen
 * needs, root and swap only. */
static void
debian6 (struct fg_inspection *in)
{
  fg_inspection_init (in);
  in->os_type = "linux";
  in->distro = strdup ("debian");
  in->version = strdup ("6.0.10");
  in->major = strdup ("6");
  in->bootloader = "grub-legacy";
  in->boot_config = strdup ("boot/grub/menu.lst");
  in->inodes = 80000;
  in->entries = 80000;
  in->bytes_used = 3 * GIB;
  in->bytes_apparent = 3 * GIB;
  in->archive_bytes = GIB;
  add_kernel (in, "2.6.32-5-xen-amd64");
  add_fstab (in, "/dev/xvda1", "/", "ext3");
  add_fstab (in, "proc", "/proc", "proc");
  add_fstab (in, "/dev/xvdc1", "none", "swap");
}

static void
windows2008r2 (struct fg_inspection *in, uint64_t disk, int dc)
{
  fg_inspection_init (in);
  in->layout = "block";
  in->os_type = "windows";
  in->distro = strdup ("windows");
  in->version = strdup ("6.1");
  in->major = strdup ("6");
  in->product = strdup ("Windows Server 2008 R2 Standard");
  in->vhd_virtual = disk;
  in->vhd_physical = disk / 2;
  in->windows_dc = dc;
}

static const struct fg_verdict *
verdict (const struct fg_plan *p, const char *rule)
{
  const struct fg_verdict *found = NULL;

  for (unsigned i = 0; i < p->n; i++)
    if (strcmp (p->v[i].rule, rule) == 0) {
      if (found)
        printf ("#   rule %s given twice\n", rule);
      found = &p->v[i];
    }
  return found;
}

/* The level of RULE in P, or -1 when it gave no verdict. */
static int
level (const struct fg_plan *p, const char *rule)
{
  const struct fg_verdict *v = verdict (p, rule);
  return v ? (int) v->level : -1;
}

/* Every verdict is well formed and its id is the schema's; the rules
 * that failed are exactly the comma-separated FAILS. */
static void
check_shape (const struct fg_plan *p, const char *fails)
{
  char got[512] = "";

  for (unsigned i = 0; i < p->n; i++) {
    const struct fg_verdict *v = &p->v[i];
    if (!in_schema (v->rule))
      printf ("#   rule id '%s' is not in doc/check.schema.json\n", v->rule);
    CHECK (in_schema (v->rule));
    CHECK (v->figure && v->figure[0]);
    CHECK (v->limit && v->limit[0]);
    CHECK (v->message && v->message[0]);
    if (v->level == FG_FAIL)
      snprintf (got + strlen (got), sizeof got - strlen (got), "%s%s",
                got[0] ? "," : "", v->rule);
  }
  CHECK_STR (got, fails);
  CHECK_INT (p->eligible, fails[0] == '\0');
}

static int
make (const struct fg_inspection *in, const struct fg_plan_opts *o,
      struct fg_plan *p)
{
  struct fg_err e = FG_ERR_INIT;
  int rc = fg_plan_make (in, o, p, &e);
  if (rc < 0)
    printf ("#   %s\n", e.msg);
  return rc;
}

/* ---- tests ------------------------------------------------------------ */

static void
test_supported_debian_passes (void)
{
  struct fg_inspection in;
  struct fg_plan_opts o = { .flavor = "1GB", .mode = "self-service" };
  struct fg_plan p;

  debian6 (&in);
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "");
  CHECK_INT (level (&p, "base-image.known"), FG_PASS);
  CHECK_INT (level (&p, "linux.volume-250g"), FG_PASS);
  CHECK_INT (level (&p, "linux.inodes-3m"), FG_PASS);
  CHECK_INT (level (&p, "flavor.gp-io-40g"), FG_PASS);
  CHECK_INT (level (&p, "flavor.no-256mb"), FG_PASS);
  CHECK_INT (level (&p, "kernel.present"), FG_PASS);
  CHECK_INT (level (&p, "kernel.versions"), FG_PASS);
  CHECK_INT (level (&p, "kernel.xen-drivers"), FG_PASS);
  CHECK_INT (level (&p, "kernel.host-supplied"), -1);
  CHECK_INT (level (&p, "disk.data-disks"), FG_PASS);
  CHECK_INT (level (&p, "data.database"), FG_PASS);
  CHECK_INT (level (&p, "network.ip-preservation"), FG_PASS);
  CHECK_INT (level (&p, "estimate.time"), FG_INFO);
  /* No Windows rule speaks of a Linux server. */
  CHECK_INT (level (&p, "windows.disk-250g"), -1);
  CHECK_INT (level (&p, "windows.domain-controller"), -1);
  CHECK (p.base_image != NULL);
  CHECK (json_is_true (json_object_get (p.base_image, "supported")));
  CHECK_STR (json_string_value (json_object_get (p.base_image, "profile")),
             "debian.json");
  /* 3 GB + 30 % headroom + 1/4 GB, below the 1 GB flavor's 40 GB disk. */
  CHECK_U64 (p.disk_bytes, 40 * GIB);
  CHECK_INT (p.min_ram_mb, 1024);
  CHECK (p.minutes_legacy > 5.9 && p.minutes_legacy < 6.1);  /* 2 min/GB */
  CHECK (json_array_size (p.flavors) > 0);
  fg_plan_release (&p);
  fg_inspection_release (&in);
}

/* The plan's JSON: the shape doc/check.schema.json gives it. */
static void
test_json (void)
{
  struct fg_inspection in;
  struct fg_plan_opts o = { 0 };
  struct fg_plan p;
  json_t *j, *v;
  size_t i;

  debian6 (&in);
  CHECK_INT (make (&in, &o, &p), 0);
  j = fg_plan_json (&p);
  CHECK (j != NULL);
  CHECK (json_is_true (json_object_get (j, "eligible")));
  CHECK_INT (json_integer_value (json_object_get (j, "disk_bytes")),
             (json_int_t) p.disk_bytes);
  CHECK (json_is_object (json_object_get (j, "base_image")));
  CHECK (json_is_array (json_object_get (j, "flavors")));
  CHECK (json_is_real (json_object_get (json_object_get
                                        (j, "estimate_minutes"), "legacy")));
  CHECK_INT (json_array_size (json_object_get (j, "verdicts")), p.n);
  json_array_foreach (json_object_get (j, "verdicts"), i, v) {
    const char *lv = json_string_value (json_object_get (v, "level"));
    CHECK (in_schema (json_string_value (json_object_get (v, "rule"))));
    CHECK (lv && (!strcmp (lv, "pass") || !strcmp (lv, "info") ||
                  !strcmp (lv, "warn") || !strcmp (lv, "fail")));
    CHECK (json_is_string (json_object_get (v, "figure")));
    CHECK (json_is_string (json_object_get (v, "limit")));
    CHECK (json_is_string (json_object_get (v, "message")));
  }
  /* Without a flavor: info, and no minimum RAM. */
  CHECK_INT (level (&p, "flavor.no-256mb"), FG_INFO);
  CHECK_INT (p.min_ram_mb, 0);
  /* Image-based by default: new addresses, said as info. */
  CHECK_INT (level (&p, "network.ip-preservation"), FG_INFO);
  json_decref (j);
  CHECK_STR (fg_level_name (FG_PASS), "pass");
  CHECK_STR (fg_level_name (FG_FAIL), "fail");
  fg_plan_release (&p);
  fg_inspection_release (&in);
}

static void
test_unknown_distro_fails (void)
{
  struct fg_inspection in;
  struct fg_plan_opts o = { 0 };
  struct fg_plan p;

  debian6 (&in);
  free (in.distro);
  in.distro = strdup ("slackware");
  free (in.major);
  in.major = strdup ("13");
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "base-image.known");
  CHECK (p.base_image == NULL);
  CHECK_CONTAINS (verdict (&p, "base-image.known")->message, "slackware");
  fg_plan_release (&p);
  fg_inspection_release (&in);

  /* A release first-gen never offered (Debian 4) fails the same rule. */
  debian6 (&in);
  free (in.major);
  in.major = strdup ("4");
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "base-image.known");
  fg_plan_release (&p);
  fg_inspection_release (&in);

  /* Nothing identified at all. */
  debian6 (&in);
  free (in.distro);
  in.distro = NULL;
  in.os_type = "unknown";
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "base-image.known");
  CHECK_CONTAINS (verdict (&p, "base-image.known")->figure, "unknown OS");
  fg_plan_release (&p);
  fg_inspection_release (&in);
}

/* DESIGN.md rule 1: above 3 million inodes or 250 GB used, first-gen
 * imaging fails; the limits themselves pass. */
static void
test_linux_limits (void)
{
  struct fg_inspection in;
  struct fg_plan_opts o = { 0 };
  struct fg_plan p;

  debian6 (&in);
  in.inodes = 3000000;
  in.bytes_used = 250 * GIB;
  CHECK_INT (make (&in, &o, &p), 0);
  CHECK_INT (level (&p, "linux.inodes-3m"), FG_PASS);
  CHECK_INT (level (&p, "linux.volume-250g"), FG_PASS);
  fg_plan_release (&p);

  in.inodes = 3000001;
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "linux.inodes-3m");
  CHECK_CONTAINS (verdict (&p, "linux.inodes-3m")->figure, "3000001");
  fg_plan_release (&p);

  in.inodes = 1000;
  in.bytes_used = 250 * GIB + 1;
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "linux.volume-250g");
  CHECK_STR (verdict (&p, "linux.volume-250g")->limit, "250 GB");
  fg_plan_release (&p);
  fg_inspection_release (&in);
}

/* General Purpose / I/O flavors: a system disk above 40 GB fails;
 * Standard has no such limit (info only). */
static void
test_gp_io_40g (void)
{
  struct fg_inspection in;
  struct fg_plan_opts o = { .target_class = "general" };
  struct fg_plan p;

  debian6 (&in);
  in.bytes_used = in.bytes_apparent = 50 * GIB;
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "flavor.gp-io-40g");
  CHECK (p.disk_bytes > 40 * GIB);
  fg_plan_release (&p);
  o.target_class = "standard";
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "");
  CHECK_INT (level (&p, "flavor.gp-io-40g"), FG_INFO);
  fg_plan_release (&p);
  fg_inspection_release (&in);
}

static void
test_no_kernel (void)
{
  struct fg_inspection in;
  struct fg_plan_opts o = { 0 };
  struct fg_plan p;
  struct fg_kernel *k;

  /* No kernel of its own. */
  debian6 (&in);
  free (in.kernels[0].version);
  in.nkernels = 0;
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "kernel.present");
  CHECK_INT (level (&p, "kernel.versions"), -1);
  CHECK_INT (level (&p, "kernel.xen-drivers"), -1);
  fg_plan_release (&p);

  /* The boot configuration names a kernel the image lacks. */
  in.boot_missing = strdup ("vmlinuz-2.6.32-21-server");
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "kernel.present");
  CHECK_CONTAINS (verdict (&p, "kernel.present")->message,
                  "vmlinuz-2.6.32-21-server");
  fg_plan_release (&p);
  fg_inspection_release (&in);

  /* Only the first-gen host's kernel (modules without an image). */
  debian6 (&in);
  k = &in.kernels[0];
  k->boots = 0;
  k->no_image = 1;
  k->host_supplied = 1;
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "kernel.present");
  CHECK_INT (level (&p, "kernel.host-supplied"), FG_INFO);
  fg_plan_release (&p);
  fg_inspection_release (&in);
}

static void
test_kernel_versions_and_drivers (void)
{
  struct fg_inspection in;
  struct fg_plan_opts o = { 0 };
  struct fg_plan p;
  struct fg_kernel *k;

  /* Older than 2.6.32: live migration fails, a warning. */
  debian6 (&in);
  free (in.kernels[0].version);
  in.kernels[0].version = strdup ("2.6.18-308.el5xen");
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "");
  CHECK_INT (level (&p, "kernel.versions"), FG_WARN);
  fg_plan_release (&p);
  fg_inspection_release (&in);

  /* Configured out of the kernel, no module: the disk is never found. */
  debian6 (&in);
  k = &in.kernels[0];
  k->builtin_blkfront = 0;
  k->builtin_netfront = 0;
  k->initramfs_xen = 0;
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "kernel.xen-drivers");
  CHECK_CONTAINS (verdict (&p, "kernel.xen-drivers")->figure,
                  "xen-blkfront");
  fg_plan_release (&p);
  fg_inspection_release (&in);

  /* Modules that the initramfs does not load: a rebuild, a warning. */
  debian6 (&in);
  k = &in.kernels[0];
  k->builtin_blkfront = k->builtin_netfront = 2;
  k->xen_blkfront = k->xen_netfront = 1;
  k->has_initrd = 1;
  k->initramfs.status = FG_INITRAMFS_LISTED;
  k->initramfs_xen = 0;
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "");
  CHECK_INT (level (&p, "kernel.xen-drivers"), FG_WARN);
  CHECK_CONTAINS (verdict (&p, "kernel.xen-drivers")->figure,
                  "not in the initramfs");
  fg_plan_release (&p);
  fg_inspection_release (&in);
}

static void
test_warnings_do_not_refuse (void)
{
  struct fg_inspection in;
  struct fg_plan_opts o = { .flavor = "256MB" };
  struct fg_plan p;

  debian6 (&in);
  add_fstab (&in, "/dev/xvdb1", "/srv", "ext3");
  in.databases[0].engine = "mysql";
  in.databases[0].name = "MySQL/MariaDB";
  in.databases[0].where = strdup ("/var/lib/mysql/ibdata1");
  in.ndatabases = 1;
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "");
  CHECK_INT (level (&p, "disk.data-disks"), FG_WARN);
  CHECK_CONTAINS (verdict (&p, "disk.data-disks")->figure, "/dev/xvdb1");
  CHECK_INT (level (&p, "data.database"), FG_WARN);
  CHECK_CONTAINS (verdict (&p, "data.database")->message, "MySQL");
  /* The 256 MB server moves to 512 MB. */
  CHECK_INT (level (&p, "flavor.no-256mb"), FG_INFO);
  CHECK_INT (p.min_ram_mb, 512);
  fg_plan_release (&p);

  /* A flavor fg2ng does not know: a warning naming it. */
  o.flavor = "3GB";
  CHECK_INT (make (&in, &o, &p), 0);
  CHECK_INT (level (&p, "flavor.no-256mb"), FG_WARN);
  CHECK_CONTAINS (verdict (&p, "flavor.no-256mb")->figure, "3GB");
  fg_plan_release (&p);
  fg_inspection_release (&in);
}

/* Windows: only the Windows rules and those for any system; detection
 * only, so never eligible (the profile says convert: false). */
static void
test_windows (void)
{
  struct fg_inspection in;
  struct fg_plan_opts o = { .flavor = "2GB" };
  struct fg_plan p;

  windows2008r2 (&in, 60 * GIB, 0);
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "base-image.known");
  CHECK_INT (level (&p, "windows.disk-250g"), FG_PASS);
  CHECK_INT (level (&p, "windows.domain-controller"), FG_PASS);
  CHECK_INT (level (&p, "linux.inodes-3m"), -1);
  CHECK_INT (level (&p, "linux.volume-250g"), -1);
  CHECK_INT (level (&p, "kernel.present"), -1);
  CHECK_INT (level (&p, "disk.data-disks"), -1);
  /* A catalog entry matched, but it is not supported. */
  CHECK (p.base_image != NULL);
  CHECK (json_is_false (json_object_get (p.base_image, "supported")));
  CHECK_STR (json_string_value (json_object_get (p.base_image, "id")),
             "windows-2008-r2");
  /* The disk is copied whole: at least its virtual size. */
  CHECK (p.disk_bytes >= 60 * GIB);
  fg_plan_release (&p);
  fg_inspection_release (&in);

  windows2008r2 (&in, 300 * GIB, 1);
  CHECK_INT (make (&in, &o, &p), 0);
  check_shape (&p, "windows.disk-250g,windows.domain-controller,"
               "base-image.known");
  fg_plan_release (&p);
  fg_inspection_release (&in);

  /* The role could not be read: a warning, not a refusal of its own. */
  windows2008r2 (&in, 60 * GIB, -1);
  CHECK_INT (make (&in, &o, &p), 0);
  CHECK_INT (level (&p, "windows.domain-controller"), FG_WARN);
  fg_plan_release (&p);
  fg_inspection_release (&in);
}

int
main (void)
{
  /* The profiles of this source tree, as tests/run.sh runs from it. */
  if (getenv ("FG2NG_PROFILES") == NULL) {
    const char *top = getenv ("FG_TOP");
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/profiles", top && *top ? top : ".");
    setenv ("FG2NG_PROFILES", dir, 1);
  }
  RUN (test_supported_debian_passes);
  RUN (test_json);
  RUN (test_unknown_distro_fails);
  RUN (test_linux_limits);
  RUN (test_gp_io_40g);
  RUN (test_no_kernel);
  RUN (test_kernel_versions_and_drivers);
  RUN (test_warnings_do_not_refuse);
  RUN (test_windows);
  return TAP_DONE ();
}
