/* cli/cmd_inspect.c --- fg2ng inspect SOURCE */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "pipeline/pipeline.h"
#include "source/swiftparts.h"

static const char help[] =
"usage: fg2ng inspect [--json] [--progress MODE] [--os-cloud NAME]\n"
"                     [--insecure] SOURCE\n"
"\n"
"Identify what SOURCE holds without changing it: file or block level, the\n"
"distribution, version, architecture, kernels (and whether xen-blkfront\n"
"and xen-netfront are built in, in the initramfs, whose names are listed\n"
"in passing, or only modules), boot loader and init system, fstab,\n"
"hostname, signs of databases, and the figures that decide eligibility\n"
"(inodes, bytes used).  File-level images are read in one streaming pass,\n"
"without a VM, keeping only the few files that identify the system; an\n"
"extracted root folder (the root itself, or a folder holding image/) is\n"
"read the same way, as convert reads it.  The kernels the boot\n"
"configuration boots are marked; modules without a kernel image are the\n"
"kernel a first-gen host supplied.\n"
"\n"
"Block-level images and VHDs are inspected through one read-only\n"
"libguestfs appliance; Windows disks too (version, domain controller).\n"
"\n"
"Options:\n"
"  --json           print the inspection as one JSON object\n"
"  --progress MODE  auto, none, bar or json (on stderr)\n"
"  --os-cloud NAME  for a swift://CONTAINER/NAME.tar.gz.0 source: the\n"
"                   credentials of cloud NAME in clouds.yaml (else OS_*)\n"
"  --insecure       do not verify the cloud's TLS certificates (warned)\n"
"  -h, --help       this text\n";

static void
print_text (const struct fg_inspection *in)
{
  printf ("layout       %s level\n", in->layout);
  printf ("os           %s %s %s%s%s\n", in->os_type,
          in->distro ? in->distro : "?", in->version ? in->version : "?",
          in->codename ? " " : "", in->codename ? in->codename : "");
  if (in->product)
    printf ("product      %s\n", in->product);
  printf ("arch         %s\n", in->arch ? in->arch : "?");
  printf ("hostname     %s\n", in->hostname ? in->hostname : "(none)");
  printf ("boot         %s%s%s, init %s\n", in->bootloader,
          in->boot_config ? " /" : "", in->boot_config ? in->boot_config : "",
          in->init);
  for (unsigned i = 0; i < in->nkernels; i++) {
    const struct fg_kernel *k = &in->kernels[i];
    if (k->host_supplied) {
      printf ("kernel       %s, modules only: host-supplied (first-gen), "
              "not booted on next-gen\n", k->version);
      continue;
    }
    printf ("kernel       %s%s%s%s, xen-blkfront %s, xen-netfront %s\n",
            k->version, k->boots ? ", boots" : ", not booted",
            k->has_initrd ? ", initrd" : "",
            k->has_modules ? ", modules" : ", no modules",
            fg_kernel_driver_where (k, 'b'), fg_kernel_driver_where (k, 'n'));
    if (k->initramfs.status != FG_INITRAMFS_NOT_LISTED)
      printf ("initramfs    %s: %s%s%s, %llu names\n", k->version,
              fg_initramfs_status_name (k->initramfs.status),
              k->initramfs.format[0] ? " " : "", k->initramfs.format,
              (unsigned long long) k->initramfs.members);
  }
  for (size_t i = 0; i < in->net.nifaces; i++) {
    const struct fg_net_iface *f = &in->net.ifaces[i];
    printf ("interface    %-6s", f->name);
    if (f->dhcp4)
      printf (" dhcp");
    for (size_t k = 0; k < f->nipv4; k++)
      printf (" %s", f->ipv4[k]);
    for (size_t k = 0; k < f->nipv6; k++)
      printf (" %s", f->ipv6[k]);
    if (f->gateway)
      printf (", gateway %s", f->gateway);
    for (size_t k = 0; k < f->nroutes; k++)
      printf (", %s via %s", f->routes[k].to, f->routes[k].via ? f->routes[k].via : "-");
    putchar ('\n');
  }
  if (in->net.nresolvers) {
    printf ("resolvers   ");
    for (size_t k = 0; k < in->net.nresolvers; k++)
      printf (" %s", in->net.resolvers[k]);
    putchar ('\n');
  }
  for (size_t k = 0; k < in->net.nproblems; k++)
    printf ("net problem  %s\n", in->net.problems[k]);
  for (unsigned i = 0; i < in->nfstab; i++)
    printf ("fstab        %-24s %-12s %s\n", in->fstab[i].device,
            in->fstab[i].mountpoint, in->fstab[i].type);
  for (unsigned i = 0; i < in->ndatabases; i++)
    printf ("database     %s data: %s\n", in->databases[i].name,
            in->databases[i].where ? in->databases[i].where : "?");
  printf ("figures      %llu inodes, %.1f MiB used, largest file %.1f MiB, "
          "archive %.1f MiB\n", (unsigned long long) in->inodes,
          (double) in->bytes_used / 1048576.0,
          (double) in->largest_file / 1048576.0,
          (double) in->archive_bytes / 1048576.0);
}

static int
run_inspect (int argc, char **argv)
{
  static const struct option opts[] = {
    { "json", no_argument, NULL, 'j' },
    { "progress", required_argument, NULL, 'p' },
    { "os-cloud", required_argument, NULL, 'C' },
    { "insecure", no_argument, NULL, 'k' },
    { NULL, 0, NULL, 0 },
  };
  enum fg_progress_mode pm = FG_PROGRESS_AUTO;
  struct fg_err e = FG_ERR_INIT;
  struct fg_inspection in;
  const char *os_cloud = NULL;
  int json = 0, opt, rc, insecure = 0;

  optind = 0;
  opterr = 0;
  while ((opt = getopt_long (argc, argv, ":", opts, NULL)) != -1) {
    if (opt == 'j')
      json = 1;
    else if (opt == 'C')
      os_cloud = optarg;
    else if (opt == 'k')
      insecure = 1;
    else if (opt == 'p') {
      if (fg_progress_parse_mode (optarg, &pm) < 0)
        return fg_cmd_usage_error ("inspect", "--progress takes auto, none, "
                                   "bar or json, not '%s'", optarg);
    } else
      return fg_cmd_bad_option ("inspect", opt, argv);
  }
  if (optind >= argc)
    return fg_cmd_usage_error ("inspect", "missing SOURCE");
  if (optind + 1 < argc)
    return fg_cmd_usage_error ("inspect", "one SOURCE only");
  fg_swift_parts_config (os_cloud, insecure);
  rc = fg_pipeline_inspect (argv[optind], pm, &in, &e);
  if (rc == 0) {
    if (json) {
      json_t *o = fg_inspection_json (&in);
      json_dumpf (o, stdout, JSON_INDENT (2));
      fputc ('\n', stdout);
      json_decref (o);
    } else
      print_text (&in);
  }
  fg_inspection_release (&in);
  return rc < 0 ? fg_cmd_finish (&e) : FG_EXIT_OK;
}

const struct fg_cmd fg_cmd_inspect = {
  .name = "inspect",
  .summary = "identify a source: layout, OS, kernels, figures",
  .help = help,
  .run = run_inspect,
};
