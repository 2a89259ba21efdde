/* pipeline/kinds.c --- each kind of source: how it is inspected, how
 * it is written
 *
 * The source is probed once (source/source.h); its kind picks a row of
 * KINDS below.  Every writer runs the rules on its inspection before
 * anything is written (pipeline/rules.h): an ineligible source is
 * refused with nothing written.
 */
#include "pipeline/kinds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/diskprobe.h"
#include "source/source.h"
#include "inspect/source.h"
#include "pipeline/staged.h"

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

/* The file system the guest's kernels can mount: ext3 for kernels
 * that predate ext4, as the profile says, unless --fs-type. */
static int
choose_fs (const struct fg_pipeline_opts *a, const struct fg_inspection *in,
           struct fg_file_opts *fo, struct fg_err *e)
{
  const char *kv[FG_MAX_KERNELS];
  const char *fs;

  if (a->fs_type_given || a->no_fixups)
    return 0;
  for (unsigned i = 0; i < in->nkernels; i++)
    kv[i] = in->kernels[i].version;
  fs = fg_fixups_choose_fs (in->distro, kv, in->nkernels, e);
  if (fs == NULL && fg_err_is_set (e))
    return -1;
  if (fs)
    fo->ext3 = strcmp (fs, "ext3") == 0;
  return 0;
}

/* The network plan, and the fixups that go into the writer's hook
 * (none with --no-fixups, or for a distro without a profile). */
static int
plan_fixups (const struct fg_pipeline_opts *a, const struct fg_inspection *in,
             struct fg_file_opts *fo, struct fg_member_hook *hook,
             struct fg_pipeline_report *rep, struct fg_err *e)
{
  struct fg_fixup_facts facts = { in->distro,
                                  "00000000-0000-0000-0000-000000000000",
                                  NULL, &rep->net, &in->files, in->major };

  int rc = fg_net_plan_from (a->mode, a->server_record, &in->net, &rep->net,
                             e);

  rep->net_planned = 1;
  if (rc < 0)
    return -1;
  fg_net_plan_warn (&rep->net);     /* --json carries them too */
  if (a->no_fixups)
    return 0;
  facts.fs_type = fo->ext3 ? "ext3" : "ext4";
  if (fg_fixups_new (&rep->fixups, &facts, e) < 0)
    return -1;
  hook->opaque = rep->fixups;
  if (rep->fixups)
    fo->hook = hook;
  return 0;
}

/* File-level parts: inspect (one pass: identity and figures), then write
 * the disk in one more pass with the distro's fixups applied on the
 * way; when the initramfs must be rebuilt, through an appliance. */
static int
write_file_parts (const struct fg_pipeline_opts *a, const struct fg_source *src,
                  const struct pl_target *t, struct fg_pipeline_report *rep,
                  struct fg_err *e)
{
  struct fg_inspection in;
  struct fg_file_opts fo = a->file;
  struct fg_member_hook hook = { NULL, hook_created, hook_touches, hook_edit,
                                 hook_next_new, hook_added };
  int rc;

  fo.format = t->fmt;
  fo.replace = t->replace;
  fo.progress = a->progress;
  fg_inspection_init (&in);
  rc = fg_inspect_src_file_parts (src, a->progress, &in, e);
  /* The rules first: an ineligible server is refused before anything is
   * written. */
  if (rc == 0)
    rc = pl_precheck (a, &in, rep, e);
  if (rc == 0)
    rc = choose_fs (a, &in, &fo, e);
  if (rc == 0)
    rc = plan_fixups (a, &in, &fo, &hook, rep, e);
  if (rc == 0) {
    int rebuild = 0;
    if (rep->fixups) {
      const char *why;
      rebuild = fg_fixups_decide_initramfs (rep->fixups, &in, a->initramfs);
      why = fg_fixups_initramfs_why (rep->fixups);
      rep->initramfs_why = why ? strdup (why) : NULL;
    }
    fo.known_bytes = in.bytes_used ? in.bytes_used : 4096;
    fo.known_inodes = in.inodes;
    rep->file_level = 1;
    if (rebuild)
      rc = pl_file_staged (a, &src->parts, &fo, t, rep, e);
    else
      rc = fg_convert_file_parts (&src->parts, t->path, &fo, &rep->file, e);
    rep->file.bytes_in += in.archive_bytes;
  }
  fg_inspection_release (&in);
  rep->block.virtual_size = rep->file.virtual_size;
  rep->block.source_kind = "first-gen file";
  rep->block.bytes_in = rep->file.bytes_in;
  memcpy (rep->block.uuid, rep->file.uuid, 16);
  return rc;
}

/* Block-level disks are copied as they are, unless a migration mode or
 * --fixups asks for the guest to be fixed (that takes an appliance). */
static int
block_fixups_wanted (const struct fg_pipeline_opts *a)
{
  if (a->no_fixups)
    return 0;
  return a->guest_fixups || (a->mode && strcmp (a->mode, "image") != 0);
}

/* SRC inspected as its kind is, and the rules applied. */
static int
inspect_and_check (const struct fg_pipeline_opts *a,
                   const struct fg_source *src, fg_inspect_src_fn *inspect,
                   struct fg_pipeline_report *rep, struct fg_err *e)
{
  struct fg_inspection in;
  int rc;

  fg_inspection_init (&in);
  rc = inspect (src, a->progress, &in, e);
  if (rc == 0)
    rc = pl_precheck (a, &in, rep, e);
  fg_inspection_release (&in);
  return rc;
}

/* A disk (raw or VHD) before it is copied: first the cheap test that it
 * is a disk at all (no VM), then, unless --no-check, the identification
 * and rules `fg2ng check` runs (one read-only appliance on the source),
 * where the rules do not run in the fixups' appliance anyway.  A
 * differencing chain cannot be inspected in place (qemu does not read
 * VHD chains): it is converted unidentified, and says so. */
static int
block_identify (const struct fg_pipeline_opts *a, const struct fg_source *src,
                struct fg_pipeline_report *rep, struct fg_err *e)
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
  rc = fg_inspect_src_disk (src, a->progress, &in, e);
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
    rc = pl_precheck (a, &in, rep, e);
  fg_inspection_release (&in);
  return rc;
}

static int
write_disk (const struct fg_pipeline_opts *a, const struct fg_source *src,
            const struct pl_target *t, struct fg_pipeline_report *rep,
            struct fg_err *e)
{
  struct fg_block_opts o = {
    .format = t->fmt, .replace = t->replace, .progress = a->progress,
    .parents = a->parents, .nparents = a->nparents,
  };

  if (block_identify (a, src, rep, e) < 0)
    return -1;
  if (block_fixups_wanted (a))
    return pl_block_staged (a, NULL, t, rep, e);
  return fg_convert_disk_file (a->source, t->path, &o, &rep->block, e);
}

static int
write_folder (const struct fg_pipeline_opts *a, const struct fg_source *src,
              const struct pl_target *t, struct fg_pipeline_report *rep,
              struct fg_err *e)
{
  struct fg_file_opts fo = a->file;
  int rc;

  if (inspect_and_check (a, src, fg_inspect_src_folder, rep, e) < 0)
    return -1;
  fo.format = t->fmt;
  fo.replace = t->replace;
  fo.progress = a->progress;
  rep->file_level = 1;
  rc = fg_convert_dir (a->source, t->path, &fo, &rep->file, e);
  rep->block.virtual_size = rep->file.virtual_size;
  rep->block.source_kind = "root folder";
  memcpy (rep->block.uuid, rep->file.uuid, 16);
  return rc;
}

/* Block-level parts: the disk streamed out of the archive; identified
 * as `check` does it (the disk read out of the parts, one appliance)
 * unless --no-check, or fixed up in an appliance when asked. */
static int
write_block_parts (const struct fg_pipeline_opts *a,
                   const struct fg_source *src, const struct pl_target *t,
                   struct fg_pipeline_report *rep, struct fg_err *e)
{
  struct fg_block_opts o = {
    .format = t->fmt, .replace = t->replace, .progress = a->progress,
  };

  if (block_fixups_wanted (a))
    return pl_block_staged (a, &src->parts, t, rep, e);
  if (!a->no_check &&
      inspect_and_check (a, src, fg_inspect_src_block_parts, rep, e) < 0)
    return -1;
  return fg_convert_block_parts (&src->parts, t->path, &o, &rep->block, e);
}

/* Each kind of source: how it is inspected (check, inspect) and how it
 * is written (convert, which inspects as the writer needs).  --parent
 * names a VHD's parents: the parts refuse it. */
static const struct kind_ops {
  fg_inspect_src_fn *inspect;
  int (*write) (const struct fg_pipeline_opts *a, const struct fg_source *src,
                const struct pl_target *t, struct fg_pipeline_report *rep,
                struct fg_err *e);
  int refuses_parents;
} kinds[FG_SRC_NKINDS] = {
  [FG_SRC_FOLDER] = { fg_inspect_src_folder, write_folder, 0 },
  [FG_SRC_FILE_PARTS] = { fg_inspect_src_file_parts, write_file_parts, 1 },
  [FG_SRC_BLOCK_PARTS] = { fg_inspect_src_block_parts, write_block_parts, 1 },
  [FG_SRC_DISK] = { fg_inspect_src_disk, write_disk, 0 },
};

int
pl_write_disk (const struct fg_pipeline_opts *a, const struct pl_target *t,
               struct fg_pipeline_report *rep, struct fg_err *e)
{
  struct fg_source src;
  int rc;

  if (fg_source_probe (a->source, &src, e) < 0)
    return -1;
  if (kinds[src.kind].refuses_parents && a->nparents > 0)
    rc = fg_err_set (e, FG_E_USAGE, "--parent applies to a VHD source, "
                     "not to first-gen parts");
  else
    rc = kinds[src.kind].write (a, &src, t, rep, e);
  fg_source_release (&src);
  return rc;
}

int
pl_inspect (const char *source, enum fg_progress_mode pm,
            struct fg_inspection *in, struct fg_err *e)
{
  struct fg_source src;
  int rc;

  fg_inspection_init (in);
  if (fg_source_probe (source, &src, e) < 0)
    return -1;
  rc = kinds[src.kind].inspect (&src, pm, in, e);
  fg_source_release (&src);
  return rc;
}

