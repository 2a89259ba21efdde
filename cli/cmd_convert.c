/* cli/cmd_convert.c --- fg2ng convert SOURCE -o OUT
 *
 * Options in, the pipeline (pipeline/pipeline.h) called, the result or
 * the refusal printed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd.h"
#include "cli/convert_opts.h"
#include "pipeline/pipeline.h"

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
"  swift://CONTAINER/NAME.tar.gz.0\n"
"                      the parts in a Swift container, streamed (nothing\n"
"                      copied to disk), each checked against its ETag\n"
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
"  --os-cloud NAME         a swift:// source's credentials: cloud NAME of\n"
"                          clouds.yaml (else ST_* or OS_*, as swift does)\n"
"  --insecure              do not verify the cloud's TLS certificates\n"
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

/* The check, writing nothing.  (The planned fixups join it with the
 * fixups themselves.) */
static int
dry_run (const struct convert_args *a)
{
  struct fg_plan_opts po;

  memset (&po, 0, sizeof po);
  po.headroom_pct = a->p.file.headroom_pct;
  po.fixups = !a->p.no_fixups;
  po.flavor = a->p.flavor;
  po.target_class = a->p.target_class;
  po.mode = a->p.mode;
  po.server_record = a->p.server_record;
  po.initramfs = (int) a->p.initramfs;
  return fg_cmd_dry_run ("convert", a->p.source, &po, a->json,
                         (int) a->p.progress);
}

/* O (taken) on stdout, its keys sorted. */
static void
print_json (json_t *o)
{
  if (o) {
    json_dumpf (o, stdout, JSON_INDENT (2) | JSON_SORT_KEYS);
    fputc ('\n', stdout);
    json_decref (o);
  }
}

static void
print_result (const struct convert_args *a, const char *format,
              const struct fg_pipeline_report *rep, double secs)
{
  const struct fg_block_result *r = &rep->block;

  if (a->json)
    print_json (fg_pipeline_result_json (&a->p, rep, secs));
  else if (!a->quiet && rep->file_level)
    printf ("converted '%s' (%s, %llu members, %.1f MiB of data) "
            "to '%s' (%s, %.1f MiB disk, %s partition of %.1f MiB), %.1f s\n",
            a->p.source, r->source_kind, (unsigned long long) rep->file.entries,
            (double) rep->file.data_bytes / 1048576.0, a->p.output, format,
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
            "hold data, %.1f s\n", a->p.source, r->source_kind,
            (double) r->virtual_size / 1048576.0, a->p.output, format,
            r->blocks_written, r->blocks_total, secs);
}

/* Not eligible: the failing verdicts (all of them with --json). */
static void
print_refusal (const struct convert_args *a, const struct fg_pipeline_report *rep)
{
  if (a->json)
    print_json (fg_pipeline_refusal_json (a->p.source, rep));
  for (unsigned i = 0; i < rep->plan.n; i++)
    if (rep->plan.v[i].level == FG_FAIL)
      fprintf (stderr, "fg2ng convert: '%s' is not eligible: %s (%s: %s, "
               "limit %s)\n", a->p.source,
               rep->plan.v[i].message ? rep->plan.v[i].message : "",
               rep->plan.v[i].rule, rep->plan.v[i].figure
               ? rep->plan.v[i].figure : "-", rep->plan.v[i].limit
               ? rep->plan.v[i].limit : "-");
  fprintf (stderr, "fg2ng convert: nothing was written; 'fg2ng check %s' "
           "shows every verdict\n", a->p.source);
}

static int
run_convert (int argc, char **argv)
{
  struct convert_args a;
  struct fg_err e = FG_ERR_INIT;
  struct fg_pipeline_report res;
  struct timespec t0, t1;
  int rc;

  memset (&a, 0, sizeof a);
  memset (&res, 0, sizeof res);
  if ((rc = fg_convert_parse_args (argc, argv, &a)) >= 0)
    return rc;
  if (a.dry_run)
    return dry_run (&a);
  if ((rc = fg_convert_output_format (&a)) >= 0)
    return rc;
  a.p.chatty = !a.quiet && !a.json;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  rc = fg_pipeline_convert (&a.p, &res, &e);
  if (rc < 0 && res.refused) {
    print_refusal (&a, &res);
    fg_pipeline_report_release (&res);
    return FG_EXIT_REFUSED;
  }
  if (rc < 0) {
    fg_pipeline_report_release (&res);
    return fg_cmd_finish (&e);
  }
  clock_gettime (CLOCK_MONOTONIC, &t1);
  print_result (&a, a.p.bundle ? "bundle"
                : fg_disk_format_name (a.p.format), &res,
                (double) (t1.tv_sec - t0.tv_sec) +
                (double) (t1.tv_nsec - t0.tv_nsec) / 1e9);
  fg_pipeline_report_release (&res);
  return FG_EXIT_OK;
}

const struct fg_cmd fg_cmd_convert = {
  .name = "convert",
  .summary = "convert a first-gen image, VHD or raw disk to next-gen",
  .help = help,
  .run = run_convert,
};
