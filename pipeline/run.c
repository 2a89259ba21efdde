/* pipeline/run.c --- the pipeline's entry points (pipeline/pipeline.h)
 *
 * convert: the server record, then the disk (pipeline/kinds.c) and,
 * for a bundle, its package (pipeline/package.c); inspect: the kind's
 * inspector; check: inspection, the rules, and the fixups shown on the
 * files inspection kept.
 */
#include "pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/kinds.h"
#include "pipeline/package.h"

int
fg_pipeline_convert (const struct fg_pipeline_opts *o,
                     struct fg_pipeline_report *r, struct fg_err *e)
{
  struct pl_target t = { o->output, o->format, o->force };

  /* A bad server record is found before a pass over the source. */
  if (o->server_record) {
    struct fg_server_record *rec;
    if (fg_server_record_load (o->server_record, &rec, e) < 0)
      return -1;
    fg_server_record_free (rec);
  }
  return o->bundle ? pl_write_bundle (o, r, e) : pl_write_disk (o, &t, r, e);
}

void
fg_pipeline_report_release (struct fg_pipeline_report *rep)
{
  fg_fixups_free (rep->fixups);
  if (rep->planned)
    fg_plan_release (&rep->plan);
  if (rep->net_planned)
    fg_net_plan_release (&rep->net);
  free (rep->initramfs_why);
  free (rep->initramfs_log);
  pl_identity_set (rep, NULL, NULL, NULL, NULL);
  memset (rep, 0, sizeof *rep);
}

int
fg_pipeline_inspect (const char *source, enum fg_progress_mode pm,
                     struct fg_inspection *in, struct fg_err *e)
{
  return pl_inspect (source, pm, in, e);
}

/* The edits the conversion would make, on the files inspection kept;
 * the UUID is only known once the file system is made. */
static int
preview_fixups (const struct fg_plan_opts *o, struct fg_pipeline_check *c,
                struct fg_err *e)
{
  struct fg_inspection *in = &c->in;
  struct fg_fixup_facts facts = { in->distro, "<new-file-system-uuid>",
                                  "ext4", NULL, &in->files, in->major };
  const char *kv[FG_MAX_KERNELS], *path, *data;
  size_t next = 0, len;
  int rc;

  for (unsigned i = 0; i < in->nkernels; i++)
    kv[i] = in->kernels[i].version;
  facts.fs_type = fg_fixups_choose_fs (in->distro, kv, in->nkernels, e);
  if (facts.fs_type == NULL)
    facts.fs_type = "ext4";
  rc = fg_net_plan_from (o->mode, o->server_record, &in->net, &c->net, e);
  if (rc == 0)
    fg_net_plan_warn (&c->net);
  facts.net = &c->net;
  if (rc == 0)
    rc = fg_fixups_new (&c->fixups, &facts, e);
  /* A profile that refuses to convert (Windows) leaves nothing to
   * show; when the rules refuse the source too, the verdicts are the
   * answer the support engineer needs, not an error. */
  if (rc < 0 && e->kind == FG_E_UNSUPPORTED && !c->plan.eligible) {
    snprintf (c->no_fixups, sizeof c->no_fixups, "%s", e->msg);
    fg_err_clear (e);
    rc = 0;
  }
  for (size_t i = 0; rc == 0 && c->fixups && i < in->files.n; i++) {
    const struct fg_file *f = &in->files.v[i];
    char *out = NULL;
    size_t outlen;
    if (f->data && fg_fixups_touches (c->fixups, f->path))
      fg_fixups_apply (c->fixups, f->path, f->data, f->len, &out, &outlen);
    free (out);
  }
  /* Network files the new model needs that the image lacks. */
  while (c->fixups && fg_fixups_next_new (c->fixups, &next, &path, &data,
                                          &len))
    fg_fixups_created (c->fixups, path);
  /* The guest commands: the decision convert executes. */
  fg_fixups_decide_initramfs (c->fixups, in,
                              (enum fg_rebuild_when) o->initramfs);
  return rc;
}

int
fg_pipeline_check (const char *source, const struct fg_plan_opts *o,
                   enum fg_progress_mode pm, struct fg_pipeline_check *c,
                   struct fg_err *e)
{
  int rc;

  memset (c, 0, sizeof *c);
  rc = fg_pipeline_inspect (source, pm, &c->in, e);
  if (rc == 0)
    rc = fg_inspection_require_os (&c->in, source, e);
  if (rc == 0)
    rc = fg_plan_make (&c->in, o, &c->plan, e);
  if (rc == 0 && o->fixups)
    rc = preview_fixups (o, c, e);
  return rc;
}

void
fg_pipeline_check_release (struct fg_pipeline_check *c)
{
  fg_fixups_free (c->fixups);
  fg_net_plan_release (&c->net);
  fg_plan_release (&c->plan);
  fg_inspection_release (&c->in);
  memset (c, 0, sizeof *c);
}
