/* cli/convert_opts.c --- `fg2ng convert`'s options, parsed
 *
 * Each group of --help has its parser; the meaning of each option is
 * in cmd_convert.c's help text.
 */
#include "cli/convert_opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "source/swiftparts.h"
#include "util/outfile.h"
#include "util/size.h"

enum {
  OPT_FORMAT = 256, OPT_PARENT, OPT_PROGRESS, OPT_JSON, OPT_NAME,
  OPT_OS_TYPE, OPT_OS_DISTRO, OPT_OS_VERSION, OPT_ARCH, OPT_VM_MODE,
  OPT_MIN_RAM, OPT_MIN_DISK, OPT_NO_ADC, OPT_DRY_RUN, OPT_FS_TYPE,
  OPT_HEADROOM, OPT_DISK_SIZE, OPT_FS_SIZE, OPT_LABEL, OPT_NO_FIXUPS,
  OPT_MODE, OPT_SERVER_RECORD, OPT_FLAVOR, OPT_CLASS, OPT_NO_CHECK,
  OPT_INITRAMFS, OPT_FIXUPS, OPT_OUTPUT_PERM, OPT_OS_CLOUD, OPT_INSECURE,
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
  { "os-cloud", required_argument, NULL, OPT_OS_CLOUD },
  { "insecure", no_argument, NULL, OPT_INSECURE },
  { NULL, 0, NULL, 0 },
};


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

/* The option parsers below, one per group of --help, return -1 when
 * they took the option, NOT_MINE when it is another group's, or the
 * exit code of a usage error. */
#define NOT_MINE (-2)

/* Where to write, and how to report. */
static int
opt_output (int c, const char *arg, struct convert_args *a)
{
  switch (c) {
  case 'o': a->p.output = arg; break;
  case 'f': a->p.force = 1; break;
  case 'q': a->quiet = 1; break;
  case OPT_FORMAT: a->format = arg; break;
  case OPT_JSON: a->json = 1; break;
  case OPT_DRY_RUN: a->dry_run = 1; break;
  case OPT_OS_CLOUD: a->os_cloud = arg; break;
  case OPT_INSECURE: a->insecure = 1; break;
  case OPT_OUTPUT_PERM: {
    char *end;
    unsigned long m = strtoul (arg, &end, 8);
    if (*arg == '\0' || *end != '\0' || (m & ~0666ul) != 0 ||
        (m & 0600) != 0600)
      return fg_cmd_usage_error ("convert", "--output-perm takes an octal "
                                 "mode from 0600 to 0666, not '%s'", arg);
    fg_outfile_set_perm ((mode_t) m);
    break;
  }
  case OPT_PARENT:
    if (a->p.nparents == FG_PIPELINE_MAX_PARENTS)
      return fg_cmd_usage_error ("convert", "more than %d --parent",
                                 FG_PIPELINE_MAX_PARENTS);
    a->p.parents[a->p.nparents++] = arg;
    break;
  case OPT_PROGRESS:
    if (fg_progress_parse_mode (arg, &a->p.progress) < 0)
      return fg_cmd_usage_error ("convert", "--progress takes auto, none, "
                                 "bar or json, not '%s'", arg);
    break;
  default:
    return NOT_MINE;
  }
  return -1;
}

/* The bundle's image properties. */
static int
opt_props (int c, const char *arg, struct convert_args *a)
{
  struct fg_image_props *p = &a->p.props;

  switch (c) {
  case OPT_NAME: p->name = arg; break;
  case OPT_OS_TYPE: p->os_type = arg; break;
  case OPT_OS_DISTRO: p->os_distro = arg; break;
  case OPT_OS_VERSION: p->os_version = arg; break;
  case OPT_ARCH: p->architecture = arg; break;
  case OPT_NO_ADC: p->auto_disk_config = 0; break;
  case OPT_VM_MODE:
    if (strcmp (arg, "xen") != 0 && strcmp (arg, "hvm") != 0)
      return fg_cmd_usage_error ("convert", "--vm-mode takes xen or hvm, "
                                 "not '%s'", arg);
    p->vm_mode = arg;
    break;
  case OPT_MIN_RAM:
    a->p.min_ram_set = 1;
    if (parse_uint (arg, 1u << 24, &p->min_ram_mb) < 0)
      return fg_cmd_usage_error ("convert", "--min-ram takes megabytes, "
                                 "not '%s'", arg);
    break;
  case OPT_MIN_DISK:
    if (parse_uint (arg, 2040, &p->min_disk_gb) < 0)
      return fg_cmd_usage_error ("convert", "--min-disk takes gigabytes "
                                 "(at most 2040), not '%s'", arg);
    a->p.min_disk_set = 1;
    break;
  default:
    return NOT_MINE;
  }
  return -1;
}

/* File-level images' file system, and the fixups. */
static int
opt_file (int c, const char *arg, struct convert_args *a)
{
  struct fg_file_opts *f = &a->p.file;
  unsigned long long v;

  switch (c) {
  case OPT_NO_FIXUPS: a->p.no_fixups = 1; break;
  case OPT_FIXUPS: a->p.guest_fixups = 1; break;
  case OPT_FS_TYPE:
    if (strcmp (arg, "ext4") != 0 && strcmp (arg, "ext3") != 0)
      return fg_cmd_usage_error ("convert", "--fs-type takes ext4 or ext3, "
                                 "not '%s'", arg);
    f->ext3 = strcmp (arg, "ext3") == 0;
    a->p.fs_type_given = 1;
    break;
  case OPT_HEADROOM:
    if (parse_uint (arg, 1000, &f->headroom_pct) < 0)
      return fg_cmd_usage_error ("convert", "--headroom takes a percentage "
                                 "from 0 to 1000, not '%s'", arg);
    break;
  case OPT_DISK_SIZE:
  case OPT_FS_SIZE:
    if (fg_parse_size (arg, &v) < 0 || v > VHD_MAX_DISK_SIZE)
      return fg_cmd_usage_error ("convert", "%s takes a size such as 20G "
                                 "(at most 2040G), not '%s'",
                                 c == OPT_DISK_SIZE ? "--disk-size"
                                 : "--fs-size", arg);
    if (c == OPT_DISK_SIZE)
      f->min_disk = v;
    else
      f->fs_size = v / 4096 * 4096;
    break;
  case OPT_LABEL:
    if (strlen (arg) > 16)
      return fg_cmd_usage_error ("convert", "--label takes at most 16 "
                                 "bytes");
    f->label = arg;
    break;
  case OPT_INITRAMFS:
    if (strcmp (arg, "auto") == 0)
      a->p.initramfs = FG_REBUILD_AUTO;
    else if (strcmp (arg, "rebuild") == 0)
      a->p.initramfs = FG_REBUILD_ALWAYS;
    else if (strcmp (arg, "keep") == 0)
      a->p.initramfs = FG_REBUILD_NEVER;
    else
      return fg_cmd_usage_error ("convert", "--initramfs takes auto, "
                                 "rebuild or keep, not '%s'", arg);
    break;
  default:
    return NOT_MINE;
  }
  return -1;
}

/* The migration: mode, addresses, flavors, the rules. */
static int
opt_migration (int c, const char *arg, struct convert_args *a)
{
  switch (c) {
  case OPT_SERVER_RECORD: a->p.server_record = arg; break;
  case OPT_NO_CHECK: a->p.no_check = 1; break;
  case OPT_FLAVOR: a->p.flavor = arg; break;
  case OPT_MODE:
    if (fg_net_mode_parse (arg) < 0)
      return fg_cmd_usage_error ("convert", "--mode takes self-service, "
                                 "assisted or image, not '%s'", arg);
    a->p.mode = arg;
    break;
  case OPT_CLASS:
    if (strcmp (arg, "standard") && strcmp (arg, "general") &&
        strcmp (arg, "io"))
      return fg_cmd_usage_error ("convert", "--class takes standard, "
                                 "general or io, not '%s'", arg);
    a->p.target_class = arg;
    break;
  default:
    return NOT_MINE;
  }
  return -1;
}

int
fg_convert_parse_args (int argc, char **argv, struct convert_args *a)
{
  static int (*const groups[]) (int, const char *, struct convert_args *) = {
    opt_output, opt_props, opt_file, opt_migration,
  };
  int c, rc;

  /* os_type, os_distro, os_version, architecture and vm_mode come from
   * the inspection unless given (NULL until then). */
  a->p.props.auto_disk_config = 1;
  a->p.props.min_ram_mb = 512;
  a->p.file.headroom_pct = 30;
  a->p.initramfs = FG_REBUILD_AUTO;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":o:fq", long_opts, NULL)) != -1) {
    rc = NOT_MINE;
    for (size_t g = 0; g < sizeof groups / sizeof *groups && rc == NOT_MINE;
         g++)
      rc = groups[g] (c, optarg, a);
    if (rc == NOT_MINE)
      return fg_cmd_bad_option ("convert", c, argv);
    if (rc >= 0)
      return rc;
  }
  if (optind >= argc)
    return fg_cmd_usage_error ("convert", "missing SOURCE");
  if (optind + 1 < argc)
    return fg_cmd_usage_error ("convert", "one SOURCE only (got '%s' and "
                               "'%s')", argv[optind], argv[optind + 1]);
  a->p.source = argv[optind];
  fg_swift_parts_config (a->os_cloud, a->insecure);
  if (a->p.output == NULL && !a->dry_run)
    return fg_cmd_usage_error ("convert", "missing -o OUT");
  return -1;
}

/* Resolve --format, or guess it from OUT's name. */
int
fg_convert_output_format (struct convert_args *a)
{
  a->p.bundle = 0;
  a->p.format = FG_DISK_VHD;
  if (a->format) {
    if (strcmp (a->format, "bundle") == 0)
      a->p.bundle = 1;
    else if (fg_disk_format_parse (a->format, &a->p.format) < 0)
      return fg_cmd_usage_error ("convert", "--format takes vhd, vhd-fixed, "
                                 "raw or bundle, not '%s'", a->format);
    return -1;
  }
  if (ends_with (a->p.output, ".tgz") || ends_with (a->p.output, ".tar.gz"))
    a->p.bundle = 1;
  else if (ends_with (a->p.output, ".raw") || ends_with (a->p.output, ".img"))
    a->p.format = FG_DISK_RAW;
  return -1;
}

