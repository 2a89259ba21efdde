/* plan/plan.c --- the eligibility rules, in one table
 *
 * Each rule reads the inspection (and the options) and adds verdicts.
 * Limits and sentences cite ../shared/seeds: 002 for the 250 GB, 3
 * million inode, 40 GB, database and data-disk rules; 000 for base
 * images, the 256 MB flavor and IP addresses; 001 for old kernels; 003
 * for the time estimate.
 */
#include "plan/plan.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts/markers.h"
#include "facts/profiles.h"

#define GIB (1ull << 30)
#define LINUX_VOLUME_LIMIT (250 * GIB)
#define LINUX_INODE_LIMIT 3000000ull
#define GP_IO_LIMIT (40 * GIB)
/* fg2ng's own pace on two cores: ~120 MB/s of compressed parts
 * (bench/README.md); 60 here to stay honest on slower hosts. */
#define FG2NG_BYTES_PER_MINUTE (60.0 * 1e6 * 60.0)

static char *
fmt (const char *f, ...)
{
  va_list ap;
  char *s = NULL;

  va_start (ap, f);
  if (vasprintf (&s, f, ap) < 0)
    s = NULL;
  va_end (ap);
  return s;
}

static void
add (struct fg_plan *p, const char *rule, enum fg_level level, char *figure,
     char *limit, char *message)
{
  if (p->n == FG_MAX_VERDICTS) {
    free (figure);
    free (limit);
    free (message);
    return;
  }
  p->v[p->n].rule = rule;
  p->v[p->n].level = level;
  p->v[p->n].figure = figure;
  p->v[p->n].limit = limit;
  p->v[p->n].message = message;
  p->n++;
}

static double
gb (uint64_t b)
{
  return (double) b / (double) GIB;
}

struct ctx {
  const struct fg_inspection *in;
  const struct fg_plan_opts *o;
  json_t *flavors;            /* profiles/flavors.json */
  json_t *bases;              /* profiles/base-images.json */
  const struct fg_profile *profile;  /* the distro's, or NULL */
};

/* ---- the rules ------------------------------------------------------------ */

/* S appended to the list in BUF (", " between). */
static void
list_add (char *buf, size_t cap, const char *s)
{
  size_t n = strlen (buf);
  snprintf (buf + n, cap - n, "%s%s", n ? ", " : "", s);
}


static void
rule_volume (struct ctx *c, struct fg_plan *p)
{
  int over = c->in->bytes_used > LINUX_VOLUME_LIMIT;
  add (p, "linux.volume-250g", over ? FG_FAIL : FG_PASS,
       fmt ("%.1f GB used", gb (c->in->bytes_used)), fmt ("250 GB"),
       over ? fmt ("The server uses %.1f GB; first-gen imaging fails above "
                   "250 GB: remove data or move it to Cloud Files first.",
                   gb (c->in->bytes_used))
       : fmt ("%.1f GB in use, within the 250 GB first-gen image limit.",
              gb (c->in->bytes_used)));
}

static void
rule_inodes (struct ctx *c, struct fg_plan *p)
{
  int over = c->in->inodes > LINUX_INODE_LIMIT;
  add (p, "linux.inodes-3m", over ? FG_FAIL : FG_PASS,
       fmt ("%llu inodes", (unsigned long long) c->in->inodes),
       fmt ("3000000 inodes"),
       over ? fmt ("The server has %llu files; first-gen imaging fails "
                   "above 3 million: remove or archive files (support can "
                   "often help work around it).",
                   (unsigned long long) c->in->inodes)
       : fmt ("%llu files, within the 3 million inode limit.",
              (unsigned long long) c->in->inodes));
}

static void
rule_gp_io (struct ctx *c, struct fg_plan *p)
{
  const char *cls = c->o->target_class;
  int over = p->disk_bytes > GP_IO_LIMIT;

  if (cls && strcmp (cls, "standard") != 0 && over)
    add (p, "flavor.gp-io-40g", FG_FAIL,
         fmt ("%.1f GB system disk", gb (p->disk_bytes)), fmt ("40 GB"),
         fmt ("General Purpose and I/O flavors cannot be built from images "
              "whose system disk exceeds 40 GB; this one needs %.1f GB: "
              "choose a Standard flavor or reduce the data.",
              gb (p->disk_bytes)));
  else
    add (p, "flavor.gp-io-40g", over ? FG_INFO : FG_PASS,
         fmt ("%.1f GB system disk", gb (p->disk_bytes)), fmt ("40 GB"),
         over ? fmt ("At %.1f GB the image suits Standard flavors only, "
                     "not General Purpose or I/O.", gb (p->disk_bytes))
         : fmt ("The %.1f GB system disk fits every flavor class.",
                gb (p->disk_bytes)));
}

/* "MySQL/MariaDB, PostgreSQL, MongoDB, SQL Server": the engines of
 * profiles/databases.json, in BUF. */
static const char *
engines_looked_for (char *buf, size_t cap)
{
  struct fg_err ignored = FG_ERR_INIT;   /* the inspection loaded them */
  const struct fg_markers *m = fg_markers_get (&ignored);

  buf[0] = '\0';
  for (size_t i = 0; m && i < m->n; i++)
    list_add (buf, cap, m->engines[i].name);
  return buf[0] ? buf : "the engines of profiles/databases.json";
}

static void
rule_database (struct ctx *c, struct fg_plan *p)
{
  char names[256] = "", found[1024] = "";

  for (unsigned i = 0; i < c->in->ndatabases; i++) {
    const struct fg_database *d = &c->in->databases[i];
    list_add (names, sizeof names, d->name);
    snprintf (found + strlen (found), sizeof found - strlen (found),
              "%s%s (%s)", i ? ", " : "", d->name, d->where ? d->where : "?");
  }
  if (c->in->ndatabases == 0)
    add (p, "data.database", FG_PASS, fmt ("no database data"), fmt ("none"),
         fmt ("No database data was found (looked for %s).",
              engines_looked_for (names, sizeof names)));
  else
    add (p, "data.database", FG_WARN, fmt ("%s data present", names),
         fmt ("none running"),
         fmt ("The server holds database data, %s: an image does not "
              "reliably capture a running database; take a dump first "
              "(mysqldump, pg_dump, a SQL Server backup) or stop the "
              "database while the image is made.", found));
}

static int
str_eq (json_t *j, const char *key, const char *want)
{
  const char *v = json_string_value (json_object_get (j, key));
  return v && want && strcmp (v, want) == 0;
}

/* Whether catalog entry IMG describes the inspected system: its distro,
 * its major version (null: any), and where given its exact version
 * ("6.1") and a pattern of its product name ("*2008 R2*", any case):
 * Windows releases share versions across editions and R2s. */
static int
base_image_matches (json_t *img, const struct fg_inspection *in)
{
  json_t *maj = json_object_get (img, "major");
  const char *ver = json_string_value (json_object_get (img, "version"));
  const char *prod = json_string_value (json_object_get (img, "product"));

  if (!str_eq (img, "distro", in->distro) ||
      !(json_is_null (maj) || str_eq (img, "major", in->major)))
    return 0;
  if (ver && !(in->version && strcmp (ver, in->version) == 0))
    return 0;
  return prod == NULL ||
    (in->product && fnmatch (prod, in->product, FNM_CASEFOLD) == 0);
}

/* Rule 6 (seed 000): the base image decides.  The catalog
 * (profiles/base-images.json) says which base images first-gen offered
 * and their facts; whether fg2ng converts one is not listed there but
 * derived: a profile of its family exists (profiles/<family>.json), it
 * converts ("convert" is not false: Windows is detection only) and its
 * conversion is tested ("tested": true, validated when the profile is
 * loaded; the era trees of tests/fixtures/era are converted by the
 * tests). */
static void
rule_base_image (struct ctx *c, struct fg_plan *p)
{
  json_t *images = json_object_get (c->bases, "images"), *img, *match = NULL;
  const struct fg_profile *prof = c->profile;
  const char *d = c->in->distro, *m = c->in->major, *name, *why = NULL;
  size_t i;
  int ok = 0;

  json_array_foreach (images, i, img) {
    if (base_image_matches (img, c->in)) {
      match = img;
      break;
    }
  }
  if (match == NULL) {
    const char *shown = c->in->product && strcmp (c->in->os_type, "windows") == 0
      ? c->in->product : NULL;
    const char *v = shown ? c->in->version : m;
    add (p, "base-image.known", FG_FAIL,
         fmt ("%s %s", shown ? shown : d ? d : "unknown OS", v ? v : ""),
         fmt ("a known base image"),
         fmt ("No known first-gen base image matches %s %s: image-based "
              "conversion is not supported; migrate manually (rsync to a "
              "new next-gen server).", shown ? shown : d ? d : "this system",
              v ? v : ""));
    return;
  }
  name = json_string_value (json_object_get (match, "name"));
  if (prof == NULL)
    why = "fg2ng has no profile for its drivers, network files and boot "
      "on next-gen: migrate manually (rsync to a new next-gen server)";
  else if (!prof->convert)
    why = prof->reason;
  else if (!prof->tested)
    why = "fg2ng has a profile for it, but its conversion is not tested "
      "yet: migrate manually (rsync to a new next-gen server)";
  else
    ok = 1;
  /* The catalog entry, with what was derived for it. */
  p->base_image = json_deep_copy (match);
  json_object_set_new (p->base_image, "profile", prof
                       ? json_string (prof->file) : json_null ());
  json_object_set_new (p->base_image, "supported", json_boolean (ok));
  if (ok)
    add (p, "base-image.known", FG_PASS, fmt ("%s", name),
         fmt ("a known base image fg2ng converts"),
         fmt ("Built from %s, a base image fg2ng converts (profile %s, "
              "its conversion tested).", name, prof->file));
  else
    add (p, "base-image.known", FG_FAIL, fmt ("%s", name),
         fmt ("a known base image fg2ng converts"),
         fmt ("Built from %s, a first-gen base image, but %s.", name,
              why ? why : "fg2ng does not convert it: migrate manually"));
}

/* "2GB", "2 gb", "15.5GB" for the flavor named "2 GB Server": the
 * name without its spaces and the word Server, any case. */
static int
short_name_eq (const char *name, const char *want)
{
  char a[64], b[64];
  size_t n = 0, m = 0;

  if (name == NULL)
    return 0;
  for (const char *p = name; *p && n + 1 < sizeof a; p++)
    if (*p != ' ')
      a[n++] = *p;
  a[n] = '\0';
  if (n > 6 && strcasecmp (a + n - 6, "Server") == 0)
    a[n - 6] = '\0';
  for (const char *p = want; *p && m + 1 < sizeof b; p++)
    if (*p != ' ')
      b[m++] = *p;
  b[m] = '\0';
  return strcasecmp (a, b) == 0;
}

static json_t *
first_gen_flavor (struct ctx *c)
{
  json_t *arr = json_object_get (c->flavors, "first_gen"), *f;
  const char *want = c->o->flavor;
  size_t i;

  if (want == NULL)
    return NULL;
  json_array_foreach (arr, i, f) {
    char ram[32], ramu[32];
    json_int_t mb = json_integer_value (json_object_get (f, "ram_mb"));
    snprintf (ram, sizeof ram, "%lld", (long long) mb);
    snprintf (ramu, sizeof ramu, "%lldMB", (long long) mb);
    if (str_eq (f, "id", want) || str_eq (f, "name", want) ||
        strcmp (ram, want) == 0 || strcasecmp (ramu, want) == 0 ||
        short_name_eq (json_string_value (json_object_get (f, "name")), want))
      return f;
  }
  return NULL;
}

/* The next-gen flavor of CLASS (standard unless asked) with the least
 * RAM at or above RAM_MB whose disk holds the image: where a Windows
 * server goes (seed 000).  NULL if none fits. */
static json_t *
closest_flavor (struct ctx *c, const struct fg_plan *p, json_int_t ram_mb)
{
  json_t *arr = json_object_get (c->flavors, "next_gen"), *f, *best = NULL;
  const char *want = c->o->target_class ? c->o->target_class : "standard";
  size_t i;

  json_array_foreach (arr, i, f) {
    json_int_t ram = json_integer_value (json_object_get (f, "ram_mb"));
    uint64_t disk = (uint64_t) json_integer_value (json_object_get (f, "disk_gb")) * GIB;
    if (!str_eq (f, "class", want) || ram < ram_mb || disk < p->disk_bytes)
      continue;
    if (best == NULL ||
        ram < json_integer_value (json_object_get (best, "ram_mb")))
      best = f;
  }
  return best;
}

static void
rule_flavor (struct ctx *c, struct fg_plan *p)
{
  json_t *f = first_gen_flavor (c);
  int windows = strcmp (c->in->os_type, "windows") == 0;

  if (c->o->flavor && f == NULL) {
    add (p, "flavor.no-256mb", FG_WARN, fmt ("flavor '%s'", c->o->flavor),
         fmt ("a first-gen flavor"),
         fmt ("'%s' is not a first-gen flavor fg2ng knows (see "
              "profiles/flavors.json).", c->o->flavor));
    return;
  }
  if (f == NULL) {
    add (p, "flavor.no-256mb", FG_INFO, fmt ("flavor not given"),
         fmt ("512 MB at least"),
         fmt ("Next-gen has no 256 MB flavor: a 256 MB server moves to "
              "512 MB; Linux servers otherwise keep their RAM and vCPUs."));
    return;
  }
  {
    /* The image's min_ram: the flavor's RAM, at least next-gen's least. */
    json_int_t ram = json_integer_value (json_object_get (f, "ram_mb"));
    p->min_ram_mb = ram < 512 ? 512 : (unsigned) ram;
  }
  if (json_integer_value (json_object_get (f, "ram_mb")) < 512)
    add (p, "flavor.no-256mb", FG_INFO,
         fmt ("%s", json_string_value (json_object_get (f, "name"))),
         fmt ("512 MB at least"),
         fmt ("Next-gen has no 256 MB flavor: this server moves to the "
              "512 MB flavor."));
  else if (windows) {
    json_t *to = closest_flavor (c, p, json_integer_value (json_object_get (f, "ram_mb")));
    add (p, "flavor.no-256mb", FG_PASS,
         fmt ("%s", json_string_value (json_object_get (f, "name"))),
         fmt ("512 MB at least"),
         to ? fmt ("A Windows server moves to the closest next-gen flavor: "
                   "%s (%lld MB RAM, %lld GB disk).",
                   json_string_value (json_object_get (to, "id")),
                   (long long) json_integer_value (json_object_get (to, "ram_mb")),
                   (long long) json_integer_value (json_object_get (to, "disk_gb")))
         : fmt ("A Windows server moves to the closest next-gen flavor."));
  } else
    add (p, "flavor.no-256mb", FG_PASS,
         fmt ("%s", json_string_value (json_object_get (f, "name"))),
         fmt ("512 MB at least"),
         fmt ("A Linux server keeps its flavor's RAM and vCPUs."));
}

static void
rule_ip (struct ctx *c, struct fg_plan *p)
{
  const char *mode = c->o->mode ? c->o->mode : "image";
  int keep = strcmp (mode, "self-service") == 0 || strcmp (mode, "assisted") == 0;

  add (p, "network.ip-preservation", keep ? FG_PASS : FG_INFO,
       fmt ("%s migration", mode), fmt ("preserved in self-service and "
                                        "assisted migrations"),
       keep ? fmt ("Public, private and shared IP addresses are kept; "
                   "next-gen adds one IPv6 address and has no shared IP "
                   "groups through the API.")
       : fmt ("An image-based migration gives the new server new IP "
              "addresses: update DNS and load balancers; next-gen adds one "
              "IPv6 address."));
}

static int
root_or_pseudo (const struct fg_fstab_entry *f)
{
  static const char *const pseudo[] = { "proc", "sysfs", "devpts", "tmpfs",
                                        "swap", "none", "devtmpfs", "usbfs",
                                        "securityfs", "debugfs", NULL };
  if (strcmp (f->mountpoint, "/") == 0 || strcmp (f->mountpoint, "/boot") == 0)
    return 1;
  for (int i = 0; pseudo[i]; i++)
    if (strcmp (f->type, pseudo[i]) == 0 || strcmp (f->device, pseudo[i]) == 0)
      return 1;
  return strncmp (f->device, "/dev/sda", 8) == 0 ||
    strncmp (f->device, "/dev/xvda", 9) == 0 ||
    strncmp (f->options, "bind", 4) == 0;
}

static void
rule_data_disks (struct ctx *c, struct fg_plan *p)
{
  char list[512] = "";
  unsigned n = 0;

  for (unsigned i = 0; i < c->in->nfstab; i++) {
    const struct fg_fstab_entry *f = &c->in->fstab[i];
    if (root_or_pseudo (f))
      continue;
    snprintf (list + strlen (list), sizeof list - strlen (list), "%s%s on %s",
              n++ ? ", " : "", f->device, f->mountpoint);
  }
  if (n == 0)
    add (p, "disk.data-disks", FG_PASS, fmt ("system disk only"),
         fmt ("system disk only"),
         fmt ("fstab mounts no other disk."));
  else
    add (p, "disk.data-disks", FG_WARN, fmt ("%s", list),
         fmt ("system disk only"),
         fmt ("Images hold the system disk only: %s will not be converted; "
              "copy that data separately (Cloud Block Storage, Cloud "
              "Backup).", list));
}

/* "2.6.32-5-amd64" -> 2006032. */
static long
kernel_number (const char *v)
{
  int a = 0, b = 0, d = 0;
  sscanf (v, "%d.%d.%d", &a, &b, &d);
  return a * 1000000L + b * 1000L + d;
}

/* What boot of kernel K will find of one Xen driver (WHICH 'b' or 'n'). */
enum drv { DRV_OK, DRV_REBUILD, DRV_UNKNOWN, DRV_UNKNOWN_NOMOD, DRV_MISSING };

static enum drv
driver_state (const struct fg_kernel *k, int which)
{
  const char *w = fg_kernel_driver_where (k, which);
  int module = which == 'b' ? k->xen_blkfront : k->xen_netfront;
  int other = which == 'b' ? k->xen_netfront : k->xen_blkfront;
  int builtin = which == 'b' ? k->builtin_blkfront : k->builtin_netfront;

  if (!strcmp (w, "built-in") || !strcmp (w, "initramfs"))
    return DRV_OK;
  if (!strcmp (w, "modules-only"))
    return DRV_REBUILD;
  if (!strcmp (w, "not-built") || !strcmp (w, "missing"))
    return DRV_MISSING;
  /* "unknown" */
  if (module == 1)
    return DRV_UNKNOWN;         /* a module; the initramfs unreadable */
  /* Not among the kernel's modules and no config to say it is built
   * in: missing when its sibling is a module (the front ends are
   * configured alike), else it cannot be told. */
  if (builtin < 0 && k->has_modules && other == 1)
    return DRV_MISSING;
  return k->has_modules ? DRV_UNKNOWN : DRV_UNKNOWN_NOMOD;
}

/* The kernels of the guest, sorted into the lists the verdicts name. */
struct kernel_lists {
  char boots[512], host[512];
  /* those the guest boots, by the worse of their two drivers' states */
  char missing[512], rebuild[512], unknown[512], nomod[512];
  unsigned nboot, nhost;
  int old;                    /* one older than 2.6.32 */
};

static void
sort_kernels (const struct fg_inspection *in, struct kernel_lists *kl)
{
  static const enum drv order[] = { DRV_MISSING, DRV_REBUILD,
                                    DRV_UNKNOWN, DRV_UNKNOWN_NOMOD };
  char *const lists[] = { kl->missing, kl->rebuild, kl->unknown, kl->nomod };

  memset (kl, 0, sizeof *kl);
  for (unsigned i = 0; i < in->nkernels; i++) {
    const struct fg_kernel *k = &in->kernels[i];
    enum drv b, n;
    char what[300];

    if (k->host_supplied) {
      list_add (kl->host, sizeof kl->host, k->version);
      kl->nhost++;
    }
    if (!k->boots)
      continue;
    kl->nboot++;
    list_add (kl->boots, sizeof kl->boots, k->version);
    if (kernel_number (k->version) < 2006032)
      kl->old = 1;
    b = driver_state (k, 'b');
    n = driver_state (k, 'n');
    /* the worse of the two decides where the kernel is listed */
    for (int j = 0; j < 4; j++)
      if (b == order[j] || n == order[j]) {
        snprintf (what, sizeof what, "%s (%s%s%s)", k->version,
                  b == order[j] ? "xen-blkfront" : "",
                  b == order[j] && n == order[j] ? ", " : "",
                  n == order[j] ? "xen-netfront" : "");
        list_add (lists[j], sizeof kl->missing, what);
        break;
      }
  }
}

/* No kernel the guest boots is in the image. */
static void
rule_no_kernel (const struct fg_inspection *in, struct fg_plan *p)
{
  if (in->boot_missing)
    add (p, "kernel.present", FG_FAIL,
         fmt ("%s boots %s, not in /boot", in->boot_config
              ? in->boot_config : "the boot configuration",
              in->boot_missing),
         fmt ("a kernel of the guest's own"),
         fmt ("The boot configuration (%s) boots %s, which the image does "
              "not have, and no other kernel: next-gen boots the guest's "
              "own kernel through pygrub; install that kernel or correct "
              "the boot entries first.", in->boot_config
              ? in->boot_config : "grub", in->boot_missing));
  else
    add (p, "kernel.present", FG_FAIL,
         fmt ("no kernel in /boot"),
         fmt ("a kernel of the guest's own"),
         fmt ("The image has no kernel of its own (first-gen XenClassic "
              "servers booted the host's): next-gen boots the guest's "
              "own kernel through pygrub; install one first."));
}

/* kernel.xen-drivers: whether the kernels the guest boots find their
 * disk and network on next-gen. */
static void
rule_xen_drivers (const struct fg_inspection *in, const struct kernel_lists *kl,
                  struct fg_plan *p)
{
  const char *missing = kl->missing, *rebuild = kl->rebuild,
    *unknown = kl->unknown, *nomod = kl->nomod;

  if (missing[0])
    add (p, "kernel.xen-drivers", FG_FAIL, fmt ("missing: %s", missing),
         fmt ("both, built in or as modules"),
         fmt ("A kernel the guest boots lacks the Xen disk or network "
              "driver, %s: neither built in nor among its modules; the "
              "converted server would not find its disk or network: "
              "install a kernel that has them.", missing));
  else if (rebuild[0] || unknown[0])
    add (p, "kernel.xen-drivers", FG_WARN,
         rebuild[0] && unknown[0]
         ? fmt ("not in the initramfs: %s; unknown: %s", rebuild, unknown)
         : rebuild[0] ? fmt ("not in the initramfs: %s", rebuild)
         : fmt ("unknown: %s", unknown),
         fmt ("both, built in or in the initramfs"),
         rebuild[0]
         ? fmt ("The Xen drivers are installed as modules but the "
                "initramfs does not load them, kernel %s: the initramfs "
                "must be rebuilt with xen-blkfront and xen-netfront "
                "(update-initramfs, dracut or mkinitrd; fg2ng convert "
                "does it, --initramfs auto) or the converted server will "
                "not find its disk or network.%s%s%s", rebuild,
                unknown[0] ? " Kernel " : "", unknown,
                unknown[0] ? ": unknown, the initramfs will be rebuilt."
                : "")
         : in->layout && strcmp (in->layout, "block") == 0
         ? fmt ("Kernel %s: unknown whether the initramfs loads the Xen "
                "drivers (it could not be read); the disk booted on "
                "first-gen's XenServer already; --initramfs rebuild "
                "makes sure.", unknown)
         : fmt ("Kernel %s: unknown, the initramfs will be rebuilt: "
                "fg2ng cannot tell whether its initramfs loads the Xen "
                "drivers (not readable, or no kernel config to say they "
                "are built in), so fg2ng convert rebuilds it with the "
                "guest's own tool (--initramfs auto).", unknown));
  else if (nomod[0])
    add (p, "kernel.xen-drivers", FG_WARN, fmt ("unknown: %s", nomod),
         fmt ("both, built in or as modules"),
         fmt ("Kernel %s: unknown: the image holds neither its modules "
              "nor its config (boot/config-VERSION), so fg2ng cannot tell "
              "whether xen-blkfront and xen-netfront are built in; with "
              "no modules there is nothing to add to an initramfs.",
              nomod));
  else
    add (p, "kernel.xen-drivers", FG_PASS,
         fmt ("xen-blkfront/xen-netfront present"),
         fmt ("both, built in or as modules"),
         fmt ("The Xen disk and network drivers are there."));
}

/* Rule 10 (seed 001) and what next-gen needs of a kernel: judged on the
 * kernels the guest boots (its boot configuration's entries whose image
 * exists, inspect/inspect.h); modules without an image are a first-gen
 * host's kernel, reported, never judged. */
static void
rule_kernels (struct ctx *c, struct fg_plan *p)
{
  const struct fg_inspection *in = c->in;
  struct kernel_lists kl;
  const char *boots = kl.boots, *host = kl.host;

  sort_kernels (in, &kl);
  if (kl.nboot == 0)
    rule_no_kernel (in, p);
  else {
    add (p, "kernel.present", FG_PASS, fmt ("%s", boots),
         fmt ("a kernel of the guest's own"),
         fmt ("The guest boots its own kernel%s %s (%s), as next-gen's "
              "pygrub will.", kl.nboot > 1 ? "s" : "", boots,
              in->boot_config ? in->boot_config : "every image in /boot: "
              "no boot entry names one"));
    add (p, "kernel.versions", kl.old ? FG_WARN : FG_PASS, fmt ("%s", boots),
         fmt ("2.6.32 or later"),
         kl.old ? fmt ("Kernels older than 2.6.32 (%s) make live migration "
                       "fail on next-gen hosts: update the kernel.", boots)
         : fmt ("Kernels %s.", boots));
    rule_xen_drivers (in, &kl, p);
  }
  if (kl.nhost)
    add (p, "kernel.host-supplied", FG_INFO, fmt ("%s (modules only)", host),
         fmt ("not booted on next-gen"),
         kl.nboot
         ? fmt ("lib/modules/%s without a kernel image in /boot: the kernel "
                "the first-gen host supplied; next-gen boots the guest's "
                "own (%s), so %s unused and not judged.", host, boots,
                kl.nhost > 1 ? "they are" : "it is")
         : fmt ("lib/modules/%s without a kernel image in /boot: the kernel "
                "the first-gen host supplied, which next-gen does not "
                "provide.", host));
}

static void
rule_estimate (struct ctx *c, struct fg_plan *p)
{
  p->minutes_legacy = 2.0 * gb (c->in->bytes_used);
  p->minutes_fg2ng = (double) c->in->archive_bytes * 2.0 / FG2NG_BYTES_PER_MINUTE;
  add (p, "estimate.time", FG_INFO,
       fmt ("%.1f GB of data, %.1f GB of parts", gb (c->in->bytes_used),
            (double) c->in->archive_bytes / 1e9),
       fmt ("2 minutes per GB (legacy rule)"),
       fmt ("The legacy rule of thumb says %.0f minutes; fg2ng expects "
            "about %.0f.", p->minutes_legacy,
            p->minutes_fg2ng < 1 ? 1 : p->minutes_fg2ng));
}

static void
fit_flavors (struct ctx *c, struct fg_plan *p)
{
  json_t *arr = json_object_get (c->flavors, "next_gen"), *f;
  size_t i;

  p->flavors = json_array ();
  json_array_foreach (arr, i, f) {
    uint64_t disk = (uint64_t) json_integer_value (json_object_get (f, "disk_gb")) * GIB;
    const char *cls = json_string_value (json_object_get (f, "class"));
    if (disk < p->disk_bytes)
      continue;
    if (cls && strcmp (cls, "standard") != 0 && p->disk_bytes > GP_IO_LIMIT)
      continue;
    json_array_append (p->flavors, json_object_get (f, "id"));
  }
}

/* Windows (seed 002): current or previous disk use, from the VHD, which
 * never shrinks. */
static void
rule_windows_disk (struct ctx *c, struct fg_plan *p)
{
  const struct fg_inspection *in = c->in;
  uint64_t size = in->vhd_virtual > in->vhd_physical ? in->vhd_virtual
    : in->vhd_physical;

  add (p, "windows.disk-250g", size > LINUX_VOLUME_LIMIT ? FG_FAIL : FG_PASS,
       fmt ("%.1f GB disk", gb (size)), fmt ("250 GB, current or previous"),
       size > LINUX_VOLUME_LIMIT
       ? fmt ("The Windows disk has grown to %.1f GB and a VHD never "
              "shrinks: first-gen imaging fails above 250 GB.", gb (size))
       : fmt ("The Windows disk (%.1f GB) is within 250 GB.", gb (size)));
}

/* Windows (seed 002): a domain controller is not restored from an image. */
static void
rule_windows_dc (struct ctx *c, struct fg_plan *p)
{
  int dc = c->in->windows_dc;

  add (p, "windows.domain-controller",
       dc == 1 ? FG_FAIL : dc < 0 ? FG_WARN : FG_PASS,
       fmt ("%s", dc == 1 ? "domain controller"
            : dc < 0 ? "role unknown" : "not a domain controller"),
       fmt ("not a domain controller"),
       dc == 1
       ? fmt ("A domain controller cannot be restored from an image: demote "
              "it first.")
       : dc < 0 ? fmt ("Whether the server is a domain controller could not "
                       "be read from its disk: check before migrating.")
       : fmt ("No domain controller role found."));
}

typedef void (*rule_fn) (struct ctx *c, struct fg_plan *p);

/* Which systems a rule speaks of: a rule about inodes, fstab or kernels
 * means nothing on Windows, one about the registry nothing on Linux. */
enum applies { ANY_OS, NOT_WINDOWS, WINDOWS_ONLY };

/* Every rule, in the order the report lists them. */
static const struct {
  rule_fn fn;
  enum applies os;
} rules[] = {
  { rule_windows_disk, WINDOWS_ONLY },
  { rule_windows_dc, WINDOWS_ONLY },
  { rule_base_image, ANY_OS },
  { rule_volume, NOT_WINDOWS },
  { rule_inodes, NOT_WINDOWS },
  { rule_gp_io, ANY_OS },
  { rule_flavor, ANY_OS },
  { rule_kernels, NOT_WINDOWS },
  { rule_data_disks, NOT_WINDOWS },
  { rule_database, ANY_OS },
  { rule_ip, ANY_OS },
  { rule_estimate, ANY_OS },
};

int
fg_plan_make (const struct fg_inspection *in, const struct fg_plan_opts *o,
              struct fg_plan *p, struct fg_err *e)
{
  struct ctx c = { in, o, NULL, NULL, NULL };
  uint64_t headroom = o->headroom_pct ? o->headroom_pct : 30;

  memset (p, 0, sizeof *p);
  c.flavors = fg_profile_load ("flavors.json", e);
  if (c.flavors == NULL)
    return -1;
  c.bases = fg_profile_load ("base-images.json", e);
  if (c.bases == NULL) {
    json_decref (c.flavors);
    return -1;
  }
  /* The distro's profile: what fg2ng can do for it (a broken one is an
   * error, as when converting). */
  c.profile = fg_profile_for_distro (in->distro, e);
  if (c.profile == NULL && fg_err_is_set (e)) {
    json_decref (c.flavors);
    json_decref (c.bases);
    return -1;
  }
  /* The disk fg2ng would write: the data plus headroom, at least the
   * first-gen flavor's disk when it is known.  Sparse files count at
   * their full size here: the next-gen disk must be able to hold them
   * once anything copies them without holes. */
  {
    uint64_t data = in->bytes_apparent > in->bytes_used ? in->bytes_apparent
      : in->bytes_used;
    p->disk_bytes = data + data / 100 * headroom + GIB / 4;
    /* A disk is copied whole: the next-gen disk is at least as large. */
    if (strcmp (in->layout, "block") == 0 && in->vhd_virtual > p->disk_bytes)
      p->disk_bytes = in->vhd_virtual;
  }
  {
    json_t *f = first_gen_flavor (&c);
    uint64_t fd = f ? (uint64_t) json_integer_value (json_object_get (f, "disk_gb")) * GIB : 0;
    if (fd > p->disk_bytes)
      p->disk_bytes = fd;
  }
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
    int windows = strcmp (in->os_type, "windows") == 0;
    if ((rules[i].os == WINDOWS_ONLY && !windows) ||
        (rules[i].os == NOT_WINDOWS && windows))
      continue;
    rules[i].fn (&c, p);
  }
  fit_flavors (&c, p);
  p->eligible = 1;
  for (unsigned i = 0; i < p->n; i++)
    if (p->v[i].level == FG_FAIL)
      p->eligible = 0;
  json_decref (c.flavors);
  json_decref (c.bases);
  return 0;
}

void
fg_plan_release (struct fg_plan *p)
{
  for (unsigned i = 0; i < p->n; i++) {
    free (p->v[i].figure);
    free (p->v[i].limit);
    free (p->v[i].message);
  }
  json_decref (p->base_image);
  json_decref (p->flavors);
  memset (p, 0, sizeof *p);
}

const char *
fg_level_name (enum fg_level l)
{
  switch (l) {
  case FG_PASS: return "pass";
  case FG_INFO: return "info";
  case FG_WARN: return "warn";
  case FG_FAIL: return "fail";
  }
  return "?";
}

json_t *
fg_plan_json (const struct fg_plan *p)
{
  json_t *v = json_array ();

  for (unsigned i = 0; i < p->n; i++)
    json_array_append_new (v, json_pack ("{s:s, s:s, s:s?, s:s?, s:s?}",
                                         "rule", p->v[i].rule,
                                         "level", fg_level_name (p->v[i].level),
                                         "figure", p->v[i].figure,
                                         "limit", p->v[i].limit,
                                         "message", p->v[i].message));
  return json_pack ("{s:b, s:o, s:I, s:O, s:O, s:{s:f, s:f}}",
                    "eligible", p->eligible, "verdicts", v,
                    "disk_bytes", (json_int_t) p->disk_bytes,
                    "base_image", p->base_image ? p->base_image : json_null (),
                    "flavors", p->flavors ? p->flavors : json_null (),
                    "estimate_minutes", "legacy", p->minutes_legacy,
                    "fg2ng", p->minutes_fg2ng);
}
