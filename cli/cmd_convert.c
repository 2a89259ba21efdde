/* cli/cmd_convert.c --- fg2ng convert SOURCE -o OUT */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "convert/blockconv.h"
#include "convert/bundle.h"
#include "source/diskprobe.h"
#include "convert/fileconv.h"
#include "source/tarstream.h"
#include "source/vhd.h"
#include "cli/cmd.h"
#include "util/size.h"
#include "util/outfile.h"
#include "fixups/fixups.h"
#include "fixups/guestrun.h"
#include "net/netplan.h"
#include "inspect/inspect.h"
#include "plan/plan.h"
#include "inspect/vmaccel.h"
#include "facts/profiles.h"

#define MAX_PARENTS VHD_MAX_CHAIN_READ

static const char help[] =
"usage: fg2ng convert [OPTIONS] SOURCE -o OUT\n"
"\n"
"Convert a first-gen image or disk into a next-gen image.\n"
"\n"
"SOURCE is one of:\n"
"  NAME.tar.gz.0       the first (or any) part of a split first-gen image;\n"
"                      NAME or the folder holding the parts work too\n"
"  NAME.tar.gz         a single gzip'd tar of a first-gen image\n"
"  DISK.vhd            a VHD: fixed, dynamic, or the leaf of a differencing\n"
"                      chain (parents found through its locators or --parent)\n"
"  DISK.raw            a raw disk image or block device\n"
"  FOLDER              a folder holding the parts, or an extracted root\n"
"                      file system (or a folder holding it as image/)\n"
"Block-level images (image/image.vhd inside the parts) are streamed\n"
"straight from the archive.  File-level images (the root file system\n"
"under image/) become an MBR disk with one ext4 partition at 1 MiB, built\n"
"from the archive stream with no extraction and no root privileges.\n"
"\n"
"The output format follows OUT's name unless --format says otherwise:\n"
"  *.tgz, *.tar.gz     the Glance bundle: 0.vhd and NAME.json inside, and\n"
"                      NAME.json with the image properties beside it\n"
"  *.raw, *.img        a sparse raw disk\n"
"  anything else       a dynamic VHD as XenServer's vhd-util writes it\n"
"\n"
"Options:\n"
"  -o, --output OUT        where to write (required)\n"
"  --format FMT            vhd, vhd-fixed, raw or bundle\n"
"  --parent VHD            a differencing parent, leaf's first; repeat for\n"
"                          deeper chains\n"
"  -f, --force             replace OUT if it exists\n"
"  --output-perm MODE      permissions of OUT (octal, default 0600: a\n"
"                          customer's disk is readable by its owner only)\n"
"  --progress MODE         auto (a bar on a terminal), none, bar or json\n"
"                          (JSON lines on stderr)\n"
"  --json                  print the result as JSON on stdout\n"
"  -q, --quiet             print nothing on success\n"
"  --dry-run               inspect and apply the eligibility rules (as\n"
"                          'fg2ng check'), write nothing; -o not needed\n"
"\n"
"Migration (the eligibility rules run first; an ineligible source is\n"
"refused with exit 1 and nothing written):\n"
"  --mode MODE             image (default): the network files are kept and\n"
"                          the next-gen agent gives the server new\n"
"                          addresses; self-service or assisted: every\n"
"                          address is kept and the network files are\n"
"                          rewritten for next-gen (ServiceNet routes\n"
"                          10.176.0.0/12 and 10.208.0.0/12, the first-gen\n"
"                          10.191.192.0/18 route dropped, shared IPs as\n"
"                          aliases)\n"
"  --server-record FILE    the addresses the control plane knows (JSON, see\n"
"                          doc/server-record.schema.json); they win over the\n"
"                          image's files and every difference is reported\n"
"  --flavor F              the first-gen flavor (id, name or RAM), as for\n"
"                          'fg2ng check'\n"
"  --class C               the next-gen flavor class: standard, general, io\n"
"  --no-check              convert even when a rule says no (the failing\n"
"                          verdicts become warnings): for data recovery\n"
"                          and tests, not for migrations\n"
"\n"
"File-level images:\n"
"  --fs-type TYPE          ext4 (default) or ext3 (kernels before 2.6.28)\n"
"  --headroom PCT          free space on top of the data (default 30)\n"
"  --disk-size SIZE        the source's disk size (e.g. 20G): the new file\n"
"                          system is never smaller\n"
"  --fs-size SIZE          the exact file system size instead\n"
"  --label LABEL           file system label (default root)\n"
"  --initramfs WHEN        auto (default): rebuild the initramfs with\n"
"                          xen-blkfront and xen-netfront, through the guest's\n"
"                          own tool in one libguestfs appliance, when\n"
"                          inspection finds them missing; rebuild: always;\n"
"                          keep: never\n"
"  --fixups                block-level disks (VHD, raw, block-level parts):\n"
"                          check the rules and fix the guest up too\n"
"                          (profile edits, network), on a scratch copy in\n"
"                          one libguestfs appliance; implied by --mode\n"
"                          self-service or assisted (without it a\n"
"                          block-level disk is copied as it is, unchecked:\n"
"                          run 'fg2ng check' on it first)\n"
"  --no-fixups             write the guest's files unchanged (by default\n"
"                          its profile's next-gen edits are applied: fstab\n"
"                          and grub by UUID, console=hvc0, stale udev\n"
"                          network rules removed; the diffs are reported)\n"
"\n"
"Image properties for the bundle: inspection fills them in from what it\n"
"finds (profiles/glance.json names the values); what it cannot tell is\n"
"left out, never guessed.  These override:\n"
"  --name NAME             image name (default: OUT's base name)\n"
"  --os-type TYPE          linux or windows\n"
"  --os-distro DISTRO      org.openstack__1__os_distro (org.centos, ...)\n"
"  --os-version VER        org.openstack__1__os_version (5.11, 12, ...)\n"
"  --arch ARCH             org.openstack__1__architecture (x64, x86)\n"
"  --vm-mode MODE          xen (PV via pygrub, Linux) or hvm (Windows)\n"
"  --min-ram MB            default: the --flavor's RAM, at least 512 (next-gen\n"
"                          has no 256 MB flavor)\n"
"  --min-disk GB           default: the disk size, rounded up\n"
"  --no-auto-disk-config   set auto_disk_config to False\n"
"\n"
"The source is opened read-only and never modified.  OUT appears only\n"
"when complete: a failed or interrupted run leaves nothing behind.\n"
"\n"
"Exit status: 0 converted, 1 not eligible (nothing written; the verdicts\n"
"say why), 2 usage or input error (the message names the file and the\n"
"offset), 3 internal error or unsupported source.\n";

enum {
  OPT_FORMAT = 256, OPT_PARENT, OPT_PROGRESS, OPT_JSON, OPT_NAME,
  OPT_OS_TYPE, OPT_OS_DISTRO, OPT_OS_VERSION, OPT_ARCH, OPT_VM_MODE,
  OPT_MIN_RAM, OPT_MIN_DISK, OPT_NO_ADC, OPT_DRY_RUN, OPT_FS_TYPE,
  OPT_HEADROOM, OPT_DISK_SIZE, OPT_FS_SIZE, OPT_LABEL, OPT_NO_FIXUPS,
  OPT_MODE, OPT_SERVER_RECORD, OPT_FLAVOR, OPT_CLASS, OPT_NO_CHECK,
  OPT_INITRAMFS, OPT_FIXUPS, OPT_OUTPUT_PERM,
};

static const struct option long_opts[] = {
  { "output", required_argument, NULL, 'o' },
  { "format", required_argument, NULL, OPT_FORMAT },
  { "parent", required_argument, NULL, OPT_PARENT },
  { "force", no_argument, NULL, 'f' },
  { "progress", required_argument, NULL, OPT_PROGRESS },
  { "json", no_argument, NULL, OPT_JSON },
  { "quiet", no_argument, NULL, 'q' },
  { "name", required_argument, NULL, OPT_NAME },
  { "os-type", required_argument, NULL, OPT_OS_TYPE },
  { "os-distro", required_argument, NULL, OPT_OS_DISTRO },
  { "os-version", required_argument, NULL, OPT_OS_VERSION },
  { "arch", required_argument, NULL, OPT_ARCH },
  { "vm-mode", required_argument, NULL, OPT_VM_MODE },
  { "min-ram", required_argument, NULL, OPT_MIN_RAM },
  { "min-disk", required_argument, NULL, OPT_MIN_DISK },
  { "no-auto-disk-config", no_argument, NULL, OPT_NO_ADC },
  { "dry-run", no_argument, NULL, OPT_DRY_RUN },
  { "fs-type", required_argument, NULL, OPT_FS_TYPE },
  { "headroom", required_argument, NULL, OPT_HEADROOM },
  { "disk-size", required_argument, NULL, OPT_DISK_SIZE },
  { "fs-size", required_argument, NULL, OPT_FS_SIZE },
  { "label", required_argument, NULL, OPT_LABEL },
  { "no-fixups", no_argument, NULL, OPT_NO_FIXUPS },
  { "mode", required_argument, NULL, OPT_MODE },
  { "server-record", required_argument, NULL, OPT_SERVER_RECORD },
  { "flavor", required_argument, NULL, OPT_FLAVOR },
  { "class", required_argument, NULL, OPT_CLASS },
  { "no-check", no_argument, NULL, OPT_NO_CHECK },
  { "initramfs", required_argument, NULL, OPT_INITRAMFS },
  { "fixups", no_argument, NULL, OPT_FIXUPS },
  { "output-perm", required_argument, NULL, OPT_OUTPUT_PERM },
  { NULL, 0, NULL, 0 },
};

struct convert_args {
  const char *source;
  const char *output;
  const char *format;
  const char *parents[MAX_PARENTS];
  size_t nparents;
  int force, json, quiet;
  enum fg_progress_mode progress;
  struct fg_image_props props;
  int min_disk_set, min_ram_set;
  struct fg_file_opts file;       /* file-level options */
  int dry_run;
  int no_fixups;
  const char *mode;               /* "image", "self-service", "assisted" */
  const char *server_record;
  const char *flavor, *target_class;
  int no_check;                   /* convert even if not eligible */
  int fs_type_given;              /* --fs-type: else the profile decides */
  enum { IR_AUTO, IR_ALWAYS, IR_NEVER } initramfs;
  int guest_fixups;               /* --fixups: block level too */
};

/* What a conversion did, whichever path it took. */
struct convert_report {
  int file_level;
  struct fg_block_result block;
  struct fg_file_result file;
  struct fg_fixups *fixups;       /* the edits made, or NULL */
  struct fg_plan plan;            /* the rules' verdicts (file level) */
  int planned;
  struct fg_net_plan net;         /* the addresses, when planned */
  int net_planned;
  int initramfs_rebuilt;
  char *initramfs_why;            /* why it was (or was not) rebuilt */
  char *initramfs_log;            /* what the guest's tool printed */
  int refused;                    /* not eligible: nothing written */
  /* What inspection found the source to be: the labels of the output
   * come from here, never from a default.  NULLs: not identified. */
  struct {
    char *os_type, *distro, *version, *arch;
  } os;
};

static void
identity_set (struct convert_report *rep, const char *os_type,
              const char *distro, const char *version, const char *arch)
{
  free (rep->os.os_type);
  free (rep->os.distro);
  free (rep->os.version);
  free (rep->os.arch);
  rep->os.os_type = os_type && strcmp (os_type, "unknown") != 0
    ? strdup (os_type) : NULL;
  rep->os.distro = distro ? strdup (distro) : NULL;
  rep->os.version = version ? strdup (version) : NULL;
  rep->os.arch = arch ? strdup (arch) : NULL;
}

/* The rules on an inspected source, before anything is written: no
 * operating system is an input error (exit 2), an ineligible server is
 * refused (exit 1, REP->refused, the verdicts say why); --no-check turns
 * both into warnings. */
static int
precheck (const struct convert_args *a, const struct fg_inspection *in,
          struct convert_report *rep, struct fg_err *e)
{
  struct fg_plan_opts po;

  identity_set (rep, in->os_type, in->distro, in->version, in->arch);
  if (fg_inspection_require_os (in, a->source, e) < 0) {
    if (!a->no_check)
      return -1;
    fg_err_clear (e);
    fg_warn ("no operating system found in '%s', converted anyway "
             "(--no-check): the output is labelled \"os unknown\"",
             a->source);
  }
  memset (&po, 0, sizeof po);
  po.flavor = a->flavor;
  po.target_class = a->target_class;
  po.mode = a->mode;
  po.server_record = a->server_record;
  po.headroom_pct = a->file.headroom_pct;
  if (fg_plan_make (in, &po, &rep->plan, e) < 0)
    return -1;
  rep->planned = 1;
  if (rep->plan.eligible)
    return 0;
  if (!a->no_check) {
    rep->refused = 1;           /* no error: the verdicts say why */
    return -1;
  }
  for (unsigned i = 0; i < rep->plan.n; i++)
    if (rep->plan.v[i].level == FG_FAIL)
      fg_warn ("'%s' is not eligible, converted anyway (--no-check): %s "
               "(%s)", a->source, rep->plan.v[i].message
               ? rep->plan.v[i].message : "", rep->plan.v[i].rule);
  return 0;
}

/* fixups/ behind convert/'s member hook. */
static void
hook_created (void *opaque, const char *uuid, const char *type)
{
  fg_fixups_set_fs (opaque, uuid, type);
}

static int
hook_touches (void *opaque, const char *path)
{
  return fg_fixups_touches (opaque, path);
}

static int
hook_next_new (void *opaque, size_t *i, const char **path, const char **data,
               size_t *len)
{
  return fg_fixups_next_new (opaque, i, path, data, len);
}

static void
hook_added (void *opaque, const char *path)
{
  fg_fixups_created (opaque, path);
}

static int
hook_edit (void *opaque, const char *path, const char *data, size_t len,
           char **out, size_t *outlen)
{
  switch (fg_fixups_apply (opaque, path, data, len, out, outlen)) {
  case FG_FIX_REPLACE: return 1;
  case FG_FIX_REMOVE: return 2;
  case FG_FIX_KEEP: break;
  }
  return 0;
}

/* --initramfs as the fixups' plan has it. */
static enum fg_rebuild_when
rebuild_when (const struct convert_args *a)
{
  return a->initramfs == IR_NEVER ? FG_REBUILD_NEVER
    : a->initramfs == IR_ALWAYS ? FG_REBUILD_ALWAYS : FG_REBUILD_AUTO;
}

/* Whether the initramfs must be rebuilt (the reason goes in the report):
 * the fixups' decision, the one the dry run prints. */
static int
initramfs_needed (const struct convert_args *a, const struct fg_inspection *in,
                  struct convert_report *rep)
{
  int need = fg_fixups_decide_initramfs (rep->fixups, in, rebuild_when (a));
  const char *why = fg_fixups_initramfs_why (rep->fixups);

  rep->initramfs_why = why ? strdup (why) : NULL;
  return need;
}

/* A scratch file beside OUT: ".OUT.fg2ng-SUFFIX.PID", removed on a
 * signal too. */
static char *
stage_name (const char *out, const char *suffix)
{
  char *copy = strdup (out), *copy2 = strdup (out), *p = NULL;

  if (copy && copy2) {
    const char *dir = dirname (copy), *base = basename (copy2);
    size_t n = strlen (dir) + strlen (base) + strlen (suffix) + 48;
    if ((p = malloc (n)) != NULL) {
      snprintf (p, n, "%s/.%s.fg2ng-%s.%ld", dir, base, suffix,
                (long) getpid ());
      fg_outfile_track (p);
    }
  }
  free (copy);
  free (copy2);
  return p;
}

static void
stage_remove (char *p)
{
  if (p) {
    unlink (p);
    fg_outfile_untrack (p);
    free (p);
  }
}

/* The initramfs rebuild needs the guest's own tools: write the disk to a
 * scratch VHD, open it out to a sparse raw scratch, run the guest's tool
 * on that through libguestfs, and pack the result into OUT.  (libguestfs
 * writes through qemu, which would not keep the VHD layout XenServer
 * wants: fg2ng's own writer makes the final disk.) */
static int
convert_staged (const struct convert_args *a, const struct fg_parts *parts,
                struct fg_file_opts *fo, const char *out,
                enum fg_disk_format fmt, int replace,
                struct convert_report *rep, struct fg_err *e)
{
  struct fg_progress step;
  char *vhd = stage_name (out, "stage.vhd"), *raw = stage_name (out,
                                                              "stage.raw");
  struct fg_block_opts bo = { .format = FG_DISK_RAW, .replace = 1,
                              .progress = FG_PROGRESS_NONE };
  struct fg_block_result br;
  int rc = -1;

  if (vhd == NULL || raw == NULL) {
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "scratch names");
    goto out;
  }
  fo->format = FG_DISK_VHD;
  fo->replace = 1;
  if (fg_convert_file_parts (parts, vhd, fo, &rep->file, e) < 0 ||
      fg_convert_disk_file (vhd, raw, &bo, &br, e) < 0)
    goto out;
  unlink (vhd);
  if (!a->quiet && !a->json)
    fprintf (stderr, "fg2ng convert: rebuilding the initramfs with the "
             "guest's own tool (one libguestfs appliance)\n");
  fg_progress_step (&step, a->progress, "guest");
  if (fg_guest_run (raw, a->source, "raw",
                    fg_fixups_initramfs_command (rep->fixups),
                    &rep->initramfs_log, e) < 0) {
    fg_progress_end (&step, 0);
    fg_err_prefix (e, "rebuilding the initramfs");
    goto out;
  }
  fg_progress_end (&step, 1);
  rep->initramfs_rebuilt = 1;
  bo.format = fmt;
  bo.replace = replace;
  bo.progress = a->progress;
  if (fg_convert_disk_file (raw, out, &bo, &br, e) < 0)
    goto out;
  /* The disk is the one just packed. */
  memcpy (rep->file.uuid, br.uuid, 16);
  rep->file.virtual_size = br.virtual_size;
  rc = 0;
out:
  stage_remove (vhd);
  stage_remove (raw);
  return rc;
}

/* File-level parts: inspect (one pass: identity and figures), then write
 * the disk in one more pass with the distro's fixups applied on the way. */
static int
convert_file_level (const struct convert_args *a, const struct fg_parts *parts,
                    const char *out, enum fg_disk_format fmt, int replace,
                    struct convert_report *rep, struct fg_err *e)
{
  struct fg_inspection in;
  struct fg_file_opts fo = a->file;
  struct fg_member_hook hook = { NULL, hook_created, hook_touches, hook_edit,
                                 hook_next_new, hook_added };
  int rc;

  fo.format = fmt;
  fo.replace = replace;
  fo.progress = a->progress;
  fg_inspection_init (&in);
  rc = fg_inspect_parts (parts, a->progress, &in, e);
  /* The rules first: an ineligible server is refused before anything is
   * written. */
  if (rc == 0 && precheck (a, &in, rep, e) < 0) {
    fg_inspection_release (&in);
    return -1;
  }
  /* ext3 for kernels that predate ext4, as the profile says. */
  if (rc == 0 && !a->fs_type_given && !a->no_fixups) {
    const char *kv[FG_MAX_KERNELS];
    const char *fs;
    for (unsigned i = 0; i < in.nkernels; i++)
      kv[i] = in.kernels[i].version;
    fs = fg_fixups_choose_fs (in.distro, kv, in.nkernels, e);
    if (fs == NULL && fg_err_is_set (e))
      rc = -1;
    else if (fs)
      fo.ext3 = strcmp (fs, "ext3") == 0;
  }
  if (rc == 0) {
    rc = fg_net_plan_from (a->mode, a->server_record, &in.net, &rep->net, e);
    rep->net_planned = 1;
    if (rc == 0)
      fg_net_plan_warn (&rep->net);     /* --json carries them too */
  }
  if (rc == 0 && !a->no_fixups) {
    struct fg_fixup_facts facts = { in.distro, "00000000-0000-0000-0000-000000000000",
                                    fo.ext3 ? "ext3" : "ext4", &rep->net,
                                    &in.files, in.major };
    rc = fg_fixups_new (&rep->fixups, &facts, e);
    hook.opaque = rep->fixups;
    if (rep->fixups)
      fo.hook = &hook;
  }
  if (rc == 0) {
    int rebuild = rep->fixups && initramfs_needed (a, &in, rep);
    fo.known_bytes = in.bytes_used ? in.bytes_used : 4096;
    fo.known_inodes = in.inodes;
    rep->file_level = 1;
    if (rebuild)
      rc = convert_staged (a, parts, &fo, out, fmt, replace, rep, e);
    else
      rc = fg_convert_file_parts (parts, out, &fo, &rep->file, e);
    rep->file.bytes_in += in.archive_bytes;
  }
  fg_inspection_release (&in);
  return rc;
}

static int
ends_with (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);
  return n >= m && strcmp (s + n - m, suffix) == 0;
}

static int
parse_uint (const char *s, unsigned max, unsigned *out)
{
  char *end;
  unsigned long v = strtoul (s, &end, 10);
  if (*s == '\0' || *s == '-' || *end != '\0' || v > max)
    return -1;
  *out = (unsigned) v;
  return 0;
}

static int
parse_args (int argc, char **argv, struct convert_args *a)
{
  int c;

  /* os_type, os_distro, os_version, architecture and vm_mode come from
   * the inspection unless given (NULL until then). */
  a->props.auto_disk_config = 1;
  a->props.min_ram_mb = 512;
  a->file.headroom_pct = 30;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":o:fq", long_opts, NULL)) != -1) {
    switch (c) {
    case 'o': a->output = optarg; break;
    case 'f': a->force = 1; break;
    case 'q': a->quiet = 1; break;
    case OPT_FORMAT: a->format = optarg; break;
    case OPT_OUTPUT_PERM: {
      char *end;
      unsigned long m = strtoul (optarg, &end, 8);
      if (*optarg == '\0' || *end != '\0' || (m & ~0666ul) != 0 ||
          (m & 0600) != 0600)
        return fg_cmd_usage_error ("convert", "--output-perm takes an octal "
                                   "mode from 0600 to 0666, not '%s'",
                                   optarg);
      fg_outfile_set_perm ((mode_t) m);
      break;
    }
    case OPT_PARENT:
      if (a->nparents == MAX_PARENTS)
        return fg_cmd_usage_error ("convert", "more than %d --parent",
                                   MAX_PARENTS);
      a->parents[a->nparents++] = optarg;
      break;
    case OPT_PROGRESS:
      if (fg_progress_parse_mode (optarg, &a->progress) < 0)
        return fg_cmd_usage_error ("convert", "--progress takes auto, none, "
                                   "bar or json, not '%s'", optarg);
      break;
    case OPT_JSON: a->json = 1; break;
    case OPT_NAME: a->props.name = optarg; break;
    case OPT_OS_TYPE: a->props.os_type = optarg; break;
    case OPT_OS_DISTRO: a->props.os_distro = optarg; break;
    case OPT_OS_VERSION: a->props.os_version = optarg; break;
    case OPT_ARCH: a->props.architecture = optarg; break;
    case OPT_VM_MODE:
      if (strcmp (optarg, "xen") != 0 && strcmp (optarg, "hvm") != 0)
        return fg_cmd_usage_error ("convert", "--vm-mode takes xen or hvm, "
                                   "not '%s'", optarg);
      a->props.vm_mode = optarg;
      break;
    case OPT_MIN_RAM:
      a->min_ram_set = 1;
      if (parse_uint (optarg, 1u << 24, &a->props.min_ram_mb) < 0)
        return fg_cmd_usage_error ("convert", "--min-ram takes megabytes, "
                                   "not '%s'", optarg);
      break;
    case OPT_MIN_DISK:
      if (parse_uint (optarg, 2040, &a->props.min_disk_gb) < 0)
        return fg_cmd_usage_error ("convert", "--min-disk takes gigabytes "
                                   "(at most 2040), not '%s'", optarg);
      a->min_disk_set = 1;
      break;
    case OPT_NO_ADC: a->props.auto_disk_config = 0; break;
    case OPT_FS_TYPE:
      if (strcmp (optarg, "ext4") != 0 && strcmp (optarg, "ext3") != 0)
        return fg_cmd_usage_error ("convert", "--fs-type takes ext4 or ext3, "
                                   "not '%s'", optarg);
      a->file.ext3 = strcmp (optarg, "ext3") == 0;
      a->fs_type_given = 1;
      break;
    case OPT_HEADROOM:
      if (parse_uint (optarg, 1000, &a->file.headroom_pct) < 0)
        return fg_cmd_usage_error ("convert", "--headroom takes a percentage "
                                   "from 0 to 1000, not '%s'", optarg);
      break;
    case OPT_DISK_SIZE:
    case OPT_FS_SIZE: {
      unsigned long long v;
      if (fg_parse_size (optarg, &v) < 0 || v > VHD_MAX_DISK_SIZE)
        return fg_cmd_usage_error ("convert", "%s takes a size such as 20G "
                                   "(at most 2040G), not '%s'",
                                   c == OPT_DISK_SIZE ? "--disk-size"
                                   : "--fs-size", optarg);
      if (c == OPT_DISK_SIZE)
        a->file.min_disk = v;
      else
        a->file.fs_size = v / 4096 * 4096;
      break;
    }
    case OPT_NO_FIXUPS: a->no_fixups = 1; break;
    case OPT_LABEL:
      if (strlen (optarg) > 16)
        return fg_cmd_usage_error ("convert", "--label takes at most 16 "
                                   "bytes");
      a->file.label = optarg;
      break;
    case OPT_DRY_RUN: a->dry_run = 1; break;
    case OPT_MODE:
      if (fg_net_mode_parse (optarg) < 0)
        return fg_cmd_usage_error ("convert", "--mode takes self-service, "
                                   "assisted or image, not '%s'", optarg);
      a->mode = optarg;
      break;
    case OPT_SERVER_RECORD: a->server_record = optarg; break;
    case OPT_NO_CHECK: a->no_check = 1; break;
    case OPT_FIXUPS: a->guest_fixups = 1; break;
    case OPT_INITRAMFS:
      if (strcmp (optarg, "auto") == 0)
        a->initramfs = IR_AUTO;
      else if (strcmp (optarg, "rebuild") == 0)
        a->initramfs = IR_ALWAYS;
      else if (strcmp (optarg, "keep") == 0)
        a->initramfs = IR_NEVER;
      else
        return fg_cmd_usage_error ("convert", "--initramfs takes auto, "
                                   "rebuild or keep, not '%s'", optarg);
      break;
    case OPT_FLAVOR: a->flavor = optarg; break;
    case OPT_CLASS:
      if (strcmp (optarg, "standard") && strcmp (optarg, "general") &&
          strcmp (optarg, "io"))
        return fg_cmd_usage_error ("convert", "--class takes standard, "
                                   "general or io, not '%s'", optarg);
      a->target_class = optarg;
      break;
    default:
      return fg_cmd_bad_option ("convert", c, argv);
    }
  }
  if (optind >= argc)
    return fg_cmd_usage_error ("convert", "missing SOURCE");
  if (optind + 1 < argc)
    return fg_cmd_usage_error ("convert", "one SOURCE only (got '%s' and "
                               "'%s')", argv[optind], argv[optind + 1]);
  a->source = argv[optind];
  if (a->output == NULL && !a->dry_run)
    return fg_cmd_usage_error ("convert", "missing -o OUT");
  return -1;
}

/* Resolve --format, or guess it from OUT's name. */
static int
output_format (const struct convert_args *a, int *bundle,
               enum fg_disk_format *fmt)
{
  *bundle = 0;
  *fmt = FG_DISK_VHD;
  if (a->format) {
    if (strcmp (a->format, "bundle") == 0)
      *bundle = 1;
    else if (fg_disk_format_parse (a->format, fmt) < 0)
      return fg_cmd_usage_error ("convert", "--format takes vhd, vhd-fixed, "
                                 "raw or bundle, not '%s'", a->format);
    return -1;
  }
  if (ends_with (a->output, ".tgz") || ends_with (a->output, ".tar.gz"))
    *bundle = 1;
  else if (ends_with (a->output, ".raw") || ends_with (a->output, ".img"))
    *fmt = FG_DISK_RAW;
  return -1;
}

/* Block-level disks are copied as they are, unless a migration mode or
 * --fixups asks for the guest to be fixed (that takes an appliance). */
static int
block_fixups_wanted (const struct convert_args *a)
{
  if (a->no_fixups)
    return 0;
  return a->guest_fixups || (a->mode && strcmp (a->mode, "image") != 0);
}

/* Block level with fixups: the disk to a raw scratch copy, the fixups
 * inside the guest (one appliance), the scratch packed into OUT.  The
 * source is only read. */
static int
convert_block_staged (const struct convert_args *a, const struct fg_parts *parts,
                      const char *out, enum fg_disk_format fmt, int replace,
                      struct convert_report *rep, struct fg_err *e)
{
  struct fg_progress step;
  char *raw = stage_name (out, "stage.raw");
  struct fg_block_opts bo = { .format = FG_DISK_RAW, .replace = 1,
                              .progress = a->progress,
                              .parents = a->parents, .nparents = a->nparents };
  struct fg_plan_opts po = { .flavor = a->flavor,
                             .target_class = a->target_class,
                             .mode = a->mode,
                             .server_record = a->server_record,
                             .headroom_pct = a->file.headroom_pct };
  struct fg_guest_fix_opts go = { a->mode, a->server_record,
                                  a->initramfs == IR_ALWAYS, &po,
                                  a->no_check, a->source };
  struct fg_guest_fix_result gr;
  struct fg_block_result scratch;
  int rc = -1;

  memset (&gr, 0, sizeof gr);
  if (raw == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "scratch name");
  if ((parts ? fg_convert_block_parts (parts, raw, &bo, &scratch, e)
       : fg_convert_disk_file (a->source, raw, &bo, &scratch, e)) < 0)
    goto out;
  if (!a->quiet && !a->json)
    fprintf (stderr, "fg2ng convert: checking and fixing the guest up in "
             "one libguestfs appliance\n");
  fg_progress_step (&step, a->progress, "guest");
  if (fg_guest_fixups (raw, "raw", &go, &gr, e) < 0) {
    fg_progress_end (&step, 0);
    goto out;
  }
  fg_progress_end (&step, 1);
  /* The rules ran in the same appliance, before any edit. */
  if (gr.planned) {
    rep->plan = gr.plan;
    rep->planned = 1;
    gr.planned = 0;
    if (gr.refused) {
      rep->refused = 1;         /* no error: the verdicts say why */
      goto out;
    }
    for (unsigned k = 0; k < rep->plan.n; k++)
      if (rep->plan.v[k].level == FG_FAIL)
        fg_warn ("'%s' is not eligible, converted anyway (--no-check): %s "
                 "(%s)", a->source, rep->plan.v[k].message
                 ? rep->plan.v[k].message : "", rep->plan.v[k].rule);
  }
  /* The report takes over what the guest pass did. */
  identity_set (rep, gr.os_type, gr.distro, gr.version, gr.arch);
  rep->fixups = gr.fixups;
  gr.fixups = NULL;
  if (gr.net_planned) {
    rep->net = gr.net;
    rep->net_planned = 1;
    gr.net_planned = 0;
    fg_fixups_set_net (rep->fixups, &rep->net);
    fg_net_plan_warn (&rep->net);
  }
  rep->initramfs_rebuilt = gr.initramfs_rebuilt;
  rep->initramfs_log = gr.initramfs_log;
  gr.initramfs_log = NULL;
  /* The plan's decision for a block-level guest (what guestrun did). */
  fg_fixups_decide_initramfs (rep->fixups, NULL, rebuild_when (a));
  rep->initramfs_why = strdup (fg_fixups_initramfs_why (rep->fixups)
                               ? fg_fixups_initramfs_why (rep->fixups)
                               : gr.initramfs_rebuilt
                               ? "rebuilt (--initramfs rebuild)"
                               : "kept: a block-level image booted PV on "
                               "first-gen's XenServer already (--initramfs "
                               "rebuild forces it)");
  bo.format = fmt;
  bo.replace = replace;
  bo.parents = NULL;
  bo.nparents = 0;
  if (fg_convert_disk_file (raw, out, &bo, &rep->block, e) < 0)
    goto out;
  rep->block.source_kind = scratch.source_kind;
  rep->block.bytes_in = scratch.bytes_in;
  rep->block.chain_depth = scratch.chain_depth;
  rc = 0;
out:
  fg_guest_fix_result_release (&gr);
  stage_remove (raw);
  return rc;
}

/* A disk (raw or VHD) before it is copied: first the cheap test that it
 * is a disk at all (no VM), then, unless --no-check, the identification
 * and rules `fg2ng check` runs (one read-only appliance on the source),
 * where the rules do not run in the fixups' appliance anyway.  A
 * differencing chain cannot be inspected in place (qemu does not read
 * VHD chains): it is converted unidentified, and says so. */
static int
block_identify (const struct convert_args *a, struct convert_report *rep,
                struct fg_err *e)
{
  struct fg_inspection in;
  const char *kind;
  int rc;

  if (fg_disk_probe (a->source, a->parents, a->nparents, &kind, e) < 0)
    return -1;
  if (kind == NULL && !a->no_check) {
    fg_err_set (e, FG_E_INPUT, "'%s': no partition table and no file "
                "system in its first %u KiB: not a disk image", a->source,
                FG_PROBE_BYTES >> 10);
    fg_err_hint (e, "name a first-gen image's parts, a VHD or a raw disk; "
                 "--no-check copies it anyway, labelled \"os unknown\"");
    return -1;
  }
  if (a->no_check || block_fixups_wanted (a))
    return 0;
  fg_inspection_init (&in);
  rc = fg_inspect_source (a->source, a->progress, &in, e);
  if (rc < 0 && e->kind == FG_E_UNSUPPORTED && a->nparents == 0) {
    fg_err_clear (e);
    fg_warn ("'%s' is a differencing chain: its operating system is not "
             "identified before conversion (run 'fg2ng check' on the "
             "result); labelled \"os unknown\"", a->source);
    rc = 0;
  } else if (rc < 0 && a->nparents > 0) {
    fg_err_clear (e);
    fg_warn ("'%s' with --parent: its operating system is not identified "
             "before conversion (run 'fg2ng check' on the result); "
             "labelled \"os unknown\"", a->source);
    rc = 0;
  } else if (rc == 0)
    rc = precheck (a, &in, rep, e);
  fg_inspection_release (&in);
  return rc;
}

static int
convert_to_disk (const struct convert_args *a, const char *out,
                 enum fg_disk_format fmt, struct convert_report *rep,
                 int replace, struct fg_err *e)
{
  struct fg_block_result *res = &rep->block;
  struct fg_parts parts;
  enum fg_source_kind kind;
  struct fg_block_opts o = {
    .format = fmt, .replace = replace, .progress = a->progress,
    .parents = a->parents, .nparents = a->nparents,
  };
  int rc;

  if (fg_parts_find (a->source, &kind, &parts, e) < 0)
    return -1;
  if (kind == FG_SOURCE_FILE && block_identify (a, rep, e) < 0)
    return -1;
  if (kind == FG_SOURCE_FILE && block_fixups_wanted (a))
    return convert_block_staged (a, NULL, out, fmt, replace, rep, e);
  if (kind == FG_SOURCE_FILE)
    return fg_convert_disk_file (a->source, out, &o, res, e);
  if (kind == FG_SOURCE_DIR) {
    struct fg_file_opts fo = a->file;
    struct fg_inspection in;
    fg_inspection_init (&in);
    rc = fg_inspect_dir (a->source, a->progress, &in, e);
    if (rc == 0)
      rc = precheck (a, &in, rep, e);
    fg_inspection_release (&in);
    if (rc < 0)
      return -1;
    fo.format = fmt;
    fo.replace = replace;
    fo.progress = a->progress;
    rep->file_level = 1;
    rc = fg_convert_dir (a->source, out, &fo, &rep->file, e);
    res->virtual_size = rep->file.virtual_size;
    res->source_kind = "root folder";
    memcpy (res->uuid, rep->file.uuid, 16);
    return rc;
  }
  if (a->nparents > 0) {
    fg_parts_release (&parts);
    return fg_err_set (e, FG_E_USAGE, "--parent applies to a VHD source, "
                       "not to first-gen parts");
  }
  {
    enum fg_layout layout;
    rc = fg_tar_probe_layout (&parts, &layout, e);
    if (rc == 0 && layout == FG_LAYOUT_FILE) {
      rc = convert_file_level (a, &parts, out, fmt, replace, rep, e);
      res->virtual_size = rep->file.virtual_size;
      res->source_kind = "first-gen file";
      res->bytes_in = rep->file.bytes_in;
      memcpy (res->uuid, rep->file.uuid, 16);
    } else if (rc == 0 && block_fixups_wanted (a)) {
      rc = convert_block_staged (a, &parts, out, fmt, replace, rep, e);
    } else if (rc == 0) {
      /* Identified as `check` does it (the disk read out of the parts,
       * one appliance), unless --no-check. */
      if (!a->no_check) {
        struct fg_inspection in;
        fg_inspection_init (&in);
        rc = fg_inspect_source (a->source, a->progress, &in, e);
        if (rc == 0)
          rc = precheck (a, &in, rep, e);
        fg_inspection_release (&in);
      }
      if (rc == 0)
        rc = fg_convert_block_parts (&parts, out, &o, res, e);
    }
  }
  fg_parts_release (&parts);
  return rc;
}

/* A value of profiles/glance.json's table TABLE for KEY, or NULL. */
static const char *
glance_value (json_t *glance, const char *table, const char *key)
{
  return key ? json_string_value (json_object_get (json_object_get (glance,
                                                                    table),
                                                   key)) : NULL;
}

/* The properties the operator did not give, from what inspection found
 * (REP->os); GLANCE must outlive A->props.  The facts behind them go
 * into PROV as flat fg2ng_* strings. */
static void
props_from_inspection (struct convert_args *a, const struct convert_report *rep,
                       json_t *glance, json_t *prov)
{
  struct fg_image_props *p = &a->props;
  char os[256];

  if (p->os_type == NULL)
    p->os_type = rep->os.os_type;
  if (p->os_distro == NULL)
    p->os_distro = glance_value (glance, "os_distro", rep->os.distro);
  if (p->os_version == NULL && p->os_distro)
    p->os_version = rep->os.version;
  if (p->architecture == NULL)
    p->architecture = glance_value (glance, "architecture", rep->os.arch);
  if (p->vm_mode == NULL)
    p->vm_mode = glance_value (glance, "vm_mode", p->os_type);
  if (!a->min_ram_set && rep->planned && rep->plan.min_ram_mb)
    p->min_ram_mb = rep->plan.min_ram_mb;
  if (rep->os.distro)
    snprintf (os, sizeof os, "%s%s%s", rep->os.distro,
              rep->os.version ? " " : "",
              rep->os.version ? rep->os.version : "");
  else
    snprintf (os, sizeof os, "%s", rep->os.os_type ? rep->os.os_type
              : "unknown");
  json_object_set_new (prov, "fg2ng_os", json_string (os));
  if (rep->os.arch)
    json_object_set_new (prov, "fg2ng_arch", json_string (rep->os.arch));
  json_object_set_new (prov, "fg2ng_mode",
                       json_string (a->mode ? a->mode : "image"));
  if (rep->planned)
    json_object_set_new (prov, "fg2ng_eligible",
                         json_string (rep->plan.eligible ? "true" : "false"));
}

/* The bundle: convert into a hidden VHD beside OUT, pack it, remove it. */
static int
convert_to_bundle (struct convert_args *a, struct convert_report *rep,
                   struct fg_err *e)
{
  struct fg_block_result *res = &rep->block;
  char *copy = strdup (a->output), *copy2 = strdup (a->output);
  char *tmp = NULL, *name = NULL;
  json_t *prov = NULL, *glance = NULL;
  int rc = -1;

  if (copy == NULL || copy2 == NULL)
    goto oom;
  {
    const char *dir = dirname (copy), *base = basename (copy2);
    size_t n = strlen (dir) + strlen (base) + 32;
    tmp = malloc (n);
    if (tmp == NULL)
      goto oom;
    snprintf (tmp, n, "%s/.%s.0.vhd.%ld", dir, base, (long) getpid ());
    if (a->props.name == NULL) {
      name = strdup (base);
      if (name == NULL)
        goto oom;
      if (ends_with (name, ".tar.gz"))
        name[strlen (name) - 7] = '\0';
      else if (ends_with (name, ".tgz"))
        name[strlen (name) - 4] = '\0';
      a->props.name = name;
    }
  }
  if (!a->force && access (a->output, F_OK) == 0) {
    fg_err_set (e, FG_E_USAGE, "output '%s' already exists", a->output);
    fg_err_hint (e, "remove it, choose another name, or pass --force");
    goto out;
  }
  glance = fg_profile_load ("glance.json", e);
  if (glance == NULL)
    goto out;
  fg_outfile_track (tmp);
  if (convert_to_disk (a, tmp, FG_DISK_VHD, rep, 1, e) < 0)
    goto out;
  if (!a->min_disk_set)
    a->props.min_disk_gb =
      (unsigned) ((res->virtual_size + (1ull << 30) - 1) >> 30);
  {
    char vsize[24];
    snprintf (vsize, sizeof vsize, "%llu",
              (unsigned long long) res->virtual_size);
    prov = json_pack ("{s:s, s:s, s:s}", "fg2ng_version", FG_VERSION,
                      "fg2ng_source", a->source,
                      "fg2ng_virtual_size", vsize);
  }
  if (prov == NULL)
    goto oom;
  props_from_inspection (a, rep, glance, prov);
  {
    const char *vhds[1] = { tmp };
    rc = fg_bundle_write (a->output, vhds, 1, &a->props, prov, a->force,
                          a->progress, e);
  }
  goto out;

oom:
  fg_err_set (e, FG_E_INTERNAL, "out of memory");
out:
  if (tmp) {
    unlink (tmp);
    fg_outfile_untrack (tmp);
  }
  json_decref (prov);
  json_decref (glance);
  free (copy);
  free (copy2);
  free (tmp);
  if (name) {
    a->props.name = NULL;
    free (name);
  }
  return rc;
}

static void
uuid_text (const uint8_t *u, char out[37])
{
  snprintf (out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
            "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
            u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static json_t *
file_json (const struct fg_file_result *f)
{
  char fsuuid[37];

  uuid_text (f->fs_uuid, fsuuid);
  return json_pack ("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                    "type", f->ext3 ? "ext3" : "ext4", "uuid", fsuuid,
                    "size", (json_int_t) f->fs_size,
                    "members", (json_int_t) f->entries,
                    "files", (json_int_t) f->files,
                    "dirs", (json_int_t) f->dirs,
                    "symlinks", (json_int_t) f->symlinks,
                    "hardlinks", (json_int_t) f->hardlinks,
                    "specials", (json_int_t) f->specials,
                    "data_bytes", (json_int_t) f->data_bytes);
}

static void
print_result (const struct convert_args *a, const char *format,
              const struct convert_report *rep, double secs)
{
  const struct fg_block_result *r = &rep->block;
  char uuid[37];

  uuid_text (r->uuid, uuid);
  if (a->json) {
    json_t *o = json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, "
                           "s:f, s:s}",
                           "source", a->source,
                           "source_kind", r->source_kind,
                           "output", a->output, "format", format,
                           "virtual_size", (json_int_t) r->virtual_size,
                           "blocks_total", (json_int_t) r->blocks_total,
                           "blocks_written", (json_int_t) r->blocks_written,
                           "bytes_in", (json_int_t) r->bytes_in,
                           "chain_depth", (json_int_t) r->chain_depth,
                           "seconds", secs, "uuid", uuid);
    /* which acceleration the appliance had, when one ran */
    if (o && fg_vm_accel_used ())
      json_object_set_new (o, "acceleration",
                           json_string (fg_vm_accel_used ()));
    if (o && rep->file_level)
      json_object_set_new (o, "filesystem", file_json (&rep->file));
    if (o && (rep->file_level || rep->fixups))
      json_object_set_new (o, "fixups", fg_fixups_json (rep->fixups));
    if (o && rep->planned) {
      json_t *pj = fg_plan_json (&rep->plan);
      json_object_set_new (o, "eligible", json_boolean (rep->plan.eligible));
      json_object_set (o, "verdicts", json_object_get (pj, "verdicts"));
      json_object_set_new (o, "plan", pj);
    }
    if (o && rep->net_planned)
      json_object_set_new (o, "network", fg_net_plan_json (&rep->net));
    if (o)
      json_object_set_new (o, "os", rep->os.os_type || rep->os.distro
                           ? json_pack ("{s:s*, s:s*, s:s*, s:s*}",
                                        "type", rep->os.os_type,
                                        "distro", rep->os.distro,
                                        "version", rep->os.version,
                                        "arch", rep->os.arch)
                           : json_string ("unknown"));
    if (o && rep->initramfs_why)
      json_object_set_new (o, "initramfs", json_pack (
        "{s:b, s:s, s:s?}", "rebuilt", rep->initramfs_rebuilt,
        "why", rep->initramfs_why, "log", rep->initramfs_log));
    if (o) {
      json_dumpf (o, stdout, JSON_INDENT (2) | JSON_SORT_KEYS);
      fputc ('\n', stdout);
      json_decref (o);
    }
  } else if (!a->quiet && rep->file_level)
    printf ("converted '%s' (%s, %llu members, %.1f MiB of data) "
            "to '%s' (%s, %.1f MiB disk, %s partition of %.1f MiB), %.1f s\n",
            a->source, r->source_kind, (unsigned long long) rep->file.entries,
            (double) rep->file.data_bytes / 1048576.0, a->output, format,
            (double) r->virtual_size / 1048576.0,
            rep->file.ext3 ? "ext3" : "ext4",
            (double) rep->file.fs_size / 1048576.0, secs);
  if (!a->json && !a->quiet && rep->fixups) {
    printf ("fixups (profile %s):\n", fg_fixups_profile (rep->fixups));
    fg_fixups_print (rep->fixups, stdout);     /* the guest commands too */
  }
  if (rep->file_level || a->json || a->quiet)
    return;
  printf ("converted '%s' (%s, %.1f MiB) to '%s' (%s): %u of %u blocks "
            "hold data, %.1f s\n", a->source, r->source_kind,
            (double) r->virtual_size / 1048576.0, a->output, format,
            r->blocks_written, r->blocks_total, secs);
}

static void
report_release (struct convert_report *rep)
{
  fg_fixups_free (rep->fixups);
  if (rep->planned)
    fg_plan_release (&rep->plan);
  if (rep->net_planned)
    fg_net_plan_release (&rep->net);
  free (rep->initramfs_why);
  free (rep->initramfs_log);
  identity_set (rep, NULL, NULL, NULL, NULL);
}

/* Not eligible: the failing verdicts (all of them with --json). */
static void
print_refusal (const struct convert_args *a, const struct convert_report *rep)
{
  if (a->json) {
    json_t *o = json_pack ("{s:s, s:b, s:o}", "source", a->source,
                           "eligible", 0, "plan", fg_plan_json (&rep->plan));
    if (o) {
      json_object_set (o, "verdicts",
                       json_object_get (json_object_get (o, "plan"),
                                        "verdicts"));
      json_dumpf (o, stdout, JSON_INDENT (2) | JSON_SORT_KEYS);
      fputc ('\n', stdout);
      json_decref (o);
    }
  }
  for (unsigned i = 0; i < rep->plan.n; i++)
    if (rep->plan.v[i].level == FG_FAIL)
      fprintf (stderr, "fg2ng convert: '%s' is not eligible: %s (%s: %s, "
               "limit %s)\n", a->source,
               rep->plan.v[i].message ? rep->plan.v[i].message : "",
               rep->plan.v[i].rule, rep->plan.v[i].figure
               ? rep->plan.v[i].figure : "-", rep->plan.v[i].limit
               ? rep->plan.v[i].limit : "-");
  fprintf (stderr, "fg2ng convert: nothing was written; 'fg2ng check %s' "
           "shows every verdict\n", a->source);
}

static int
run_convert (int argc, char **argv)
{
  struct convert_args a;
  struct fg_err e = FG_ERR_INIT;
  struct convert_report res;
  struct timespec t0, t1;
  enum fg_disk_format fmt;
  int bundle, rc;

  memset (&a, 0, sizeof a);
  memset (&res, 0, sizeof res);
  if ((rc = parse_args (argc, argv, &a)) >= 0)
    return rc;
  if (a.dry_run) {
    /* The check, writing nothing.  (The planned fixups join it with the
     * fixups themselves.) */
    struct fg_plan_opts po;
    memset (&po, 0, sizeof po);
    po.headroom_pct = a.file.headroom_pct;
    po.fixups = !a.no_fixups;
    po.flavor = a.flavor;
    po.target_class = a.target_class;
    po.mode = a.mode;
    po.server_record = a.server_record;
    po.initramfs = (int) rebuild_when (&a);
    return fg_cmd_dry_run ("convert", a.source, &po, a.json, (int) a.progress);
  }
  if ((rc = output_format (&a, &bundle, &fmt)) >= 0)
    return rc;
  /* A bad server record is found before a pass over the source. */
  if (a.server_record) {
    struct fg_server_record *rec;
    if (fg_server_record_load (a.server_record, &rec, &e) < 0)
      return fg_cmd_finish (&e);
    fg_server_record_free (rec);
  }
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (bundle)
    rc = convert_to_bundle (&a, &res, &e);
  else
    rc = convert_to_disk (&a, a.output, fmt, &res, a.force, &e);
  if (rc < 0 && res.refused) {
    print_refusal (&a, &res);
    report_release (&res);
    return FG_EXIT_REFUSED;
  }
  if (rc < 0) {
    report_release (&res);
    return fg_cmd_finish (&e);
  }
  clock_gettime (CLOCK_MONOTONIC, &t1);
  print_result (&a, bundle ? "bundle" : fg_disk_format_name (fmt), &res,
                (double) (t1.tv_sec - t0.tv_sec) +
                (double) (t1.tv_nsec - t0.tv_nsec) / 1e9);
  report_release (&res);
  return FG_EXIT_OK;
}

const struct fg_cmd fg_cmd_convert = {
  .name = "convert",
  .summary = "convert a first-gen image, VHD or raw disk to next-gen",
  .help = help,
  .run = run_convert,
};
