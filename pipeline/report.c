/* pipeline/report.c --- what a conversion did, as JSON
 *
 * `convert --json` prints these; the keys are doc/'s and the tests'.
 */
#include "pipeline/pipeline.h"

#include <stdio.h>

#include "inspect/vmaccel.h"

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

json_t *
fg_pipeline_result_json (const struct fg_pipeline_opts *a,
                         const struct fg_pipeline_report *rep, double secs)
{
  const struct fg_block_result *r = &rep->block;
  const char *format = a->bundle ? "bundle" : fg_disk_format_name (a->format);
  char uuid[37];

  uuid_text (r->uuid, uuid);
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
  return o;
}

json_t *
fg_pipeline_refusal_json (const char *source,
                          const struct fg_pipeline_report *rep)
{
  json_t *o = json_pack ("{s:s, s:b, s:o}", "source", source,
                         "eligible", 0, "plan", fg_plan_json (&rep->plan));
  if (o)
    json_object_set (o, "verdicts",
                     json_object_get (json_object_get (o, "plan"),
                                      "verdicts"));
  return o;
}
