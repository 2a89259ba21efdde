/* pipeline/staged.c --- conversions through one libguestfs appliance
 *
 * The guest's own tools (the initramfs rebuild) and the block-level
 * fixups work on a scratch copy beside the output, never on the source:
 * libguestfs writes through qemu, which would not keep the VHD layout
 * XenServer wants, so fg2ng's own writer makes the final disk from the
 * scratch.
 */
#include "pipeline/staged.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/outfile.h"
#include "fixups/guestrun.h"

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
 * on that through libguestfs, and pack the result into the target. */
int
pl_file_staged (const struct fg_pipeline_opts *a, const struct fg_parts *parts,
                struct fg_file_opts *fo, const struct pl_target *t,
                struct fg_pipeline_report *rep, struct fg_err *e)
{
  struct fg_progress step;
  char *vhd = stage_name (t->path, "stage.vhd");
  char *raw = stage_name (t->path, "stage.raw");
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
  if (a->chatty)
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
  bo.format = t->fmt;
  bo.replace = t->replace;
  bo.progress = a->progress;
  if (fg_convert_disk_file (raw, t->path, &bo, &br, e) < 0)
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

/* One appliance on the scratch RAW: the rules on the guest as the
 * appliance sees it (made here, once, by pl_plan), then, unless they
 * refuse it, the fixups inside the guest.  GR gets what they did. */
static int
guest_pass (const struct fg_pipeline_opts *a, const char *raw,
            struct fg_guest_fix_result *gr, struct fg_pipeline_report *rep,
            struct fg_err *e)
{
  struct fg_guest_fix_opts go = { a->mode, a->server_record,
                                  a->initramfs == FG_REBUILD_ALWAYS };
  struct fg_inspection in;
  struct fg_guest *gs;
  int rc;

  if (fg_guest_open (raw, "raw", a->source, "--no-fixups copies the disk "
                     "unchanged", &gs, e) < 0)
    return -1;
  fg_inspection_init (&in);
  rc = fg_guest_inspect (gs, &in, e);
  if (rc == 0 && pl_plan (a, &in, rep, e) < 0)
    rc = rep->refused ? 0 : -1;   /* refused: the guest is not touched */
  fg_inspection_release (&in);
  if (rc < 0 || rep->refused) {
    fg_guest_close (gs);
    return rc;
  }
  if (fg_guest_fixups (gs, &go, gr, e) < 0) {
    fg_guest_close (gs);
    return -1;
  }
  return fg_guest_finish (gs, e);
}

/* The report takes over what the guest pass did. */
static void
take_guest_result (const struct fg_pipeline_opts *a,
                   struct fg_guest_fix_result *gr,
                   struct fg_pipeline_report *rep)
{
  const char *why;

  pl_identity_set (rep, gr->os_type, gr->distro, gr->version, gr->arch);
  rep->fixups = gr->fixups;
  gr->fixups = NULL;
  if (gr->net_planned) {
    rep->net = gr->net;
    rep->net_planned = 1;
    gr->net_planned = 0;
    fg_fixups_set_net (rep->fixups, &rep->net);
    fg_net_plan_warn (&rep->net);
  }
  rep->initramfs_rebuilt = gr->initramfs_rebuilt;
  rep->initramfs_log = gr->initramfs_log;
  gr->initramfs_log = NULL;
  /* The plan's decision for a block-level guest (what guestrun did). */
  fg_fixups_decide_initramfs (rep->fixups, NULL, a->initramfs);
  why = fg_fixups_initramfs_why (rep->fixups);
  rep->initramfs_why = strdup (why ? why : gr->initramfs_rebuilt
                               ? "rebuilt (--initramfs rebuild)"
                               : "kept: a block-level image booted PV on "
                               "first-gen's XenServer already (--initramfs "
                               "rebuild forces it)");
}

/* Block level with fixups: the disk (PARTS, or the disk file named by
 * the source) to a raw scratch copy, the rules and the fixups inside the
 * guest (one appliance), the scratch packed into the target.  The
 * source is only read. */
int
pl_block_staged (const struct fg_pipeline_opts *a, const struct fg_parts *parts,
                 const struct pl_target *t, struct fg_pipeline_report *rep,
                 struct fg_err *e)
{
  struct fg_progress step;
  char *raw = stage_name (t->path, "stage.raw");
  struct fg_block_opts bo = { .format = FG_DISK_RAW, .replace = 1,
                              .progress = a->progress,
                              .parents = a->parents, .nparents = a->nparents };
  struct fg_guest_fix_result gr;
  struct fg_block_result scratch;
  int rc = -1;

  memset (&gr, 0, sizeof gr);
  if (raw == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "scratch name");
  if ((parts ? fg_convert_block_parts (parts, raw, &bo, &scratch, e)
       : fg_convert_disk_file (a->source, raw, &bo, &scratch, e)) < 0)
    goto out;
  if (a->chatty)
    fprintf (stderr, "fg2ng convert: checking and fixing the guest up in "
             "one libguestfs appliance\n");
  fg_progress_step (&step, a->progress, "guest");
  if (guest_pass (a, raw, &gr, rep, e) < 0) {
    fg_progress_end (&step, 0);
    goto out;
  }
  fg_progress_end (&step, 1);
  if (rep->refused)
    goto out;                   /* no error: the verdicts say why */
  pl_warn_ineligible (a, rep);  /* the rules ran before any edit */
  take_guest_result (a, &gr, rep);
  bo.format = t->fmt;
  bo.replace = t->replace;
  bo.parents = NULL;
  bo.nparents = 0;
  if (fg_convert_disk_file (raw, t->path, &bo, &rep->block, e) < 0)
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
