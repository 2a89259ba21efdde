/* pipeline/package.c --- the Glance bundle around the converted disk
 *
 * The disk is written into a hidden VHD beside the output, packed with
 * the image properties (what the operator gave, else what inspection
 * found, named as profiles/glance.json says), removed.
 */
#include "pipeline/package.h"
#include "pipeline/kinds.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/outfile.h"
#include "facts/profiles.h"

/* A value of profiles/glance.json's table TABLE for KEY, or NULL. */
static const char *
glance_value (json_t *glance, const char *table, const char *key)
{
  return key ? json_string_value (json_object_get (json_object_get (glance,
                                                                    table),
                                                   key)) : NULL;
}

/* The properties the operator did not give (P, a copy of theirs), from
 * what inspection found (REP->os); GLANCE must outlive P.  The facts
 * behind them go into PROV as flat fg2ng_* strings. */
static void
props_from_inspection (const struct fg_pipeline_opts *a,
                       struct fg_image_props *p,
                       const struct fg_pipeline_report *rep, json_t *glance,
                       json_t *prov)
{
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
  if (!a->min_disk_set)
    p->min_disk_gb =
      (unsigned) ((rep->block.virtual_size + (1ull << 30) - 1) >> 30);
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

static int
ends_with (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);
  return n >= m && strcmp (s + n - m, suffix) == 0;
}

/* The hidden VHD beside OUT, and the image's default name (OUT's base
 * name without .tgz or .tar.gz): both malloc'd, NULL when out of
 * memory. */
static void
bundle_names (const char *out, char **tmp, char **name)
{
  char *copy = strdup (out), *copy2 = strdup (out);

  *tmp = *name = NULL;
  if (copy && copy2) {
    const char *dir = dirname (copy), *base = basename (copy2);
    size_t n = strlen (dir) + strlen (base) + 32;
    if ((*tmp = malloc (n)) != NULL)
      snprintf (*tmp, n, "%s/.%s.0.vhd.%ld", dir, base, (long) getpid ());
    if ((*name = strdup (base)) != NULL) {
      if (ends_with (*name, ".tar.gz"))
        (*name)[strlen (*name) - 7] = '\0';
      else if (ends_with (*name, ".tgz"))
        (*name)[strlen (*name) - 4] = '\0';
    }
  }
  free (copy);
  free (copy2);
}

/* The properties and provenance of the disk just written, packed with
 * it (TMP) into the bundle. */
static int
pack (const struct fg_pipeline_opts *a, const char *tmp, const char *name,
      struct fg_pipeline_report *rep, json_t *glance, struct fg_err *e)
{
  struct fg_image_props props = a->props;
  const char *vhds[1] = { tmp };
  char vsize[24];
  json_t *prov;
  int rc;

  if (props.name == NULL)
    props.name = name;
  snprintf (vsize, sizeof vsize, "%llu",
            (unsigned long long) rep->block.virtual_size);
  prov = json_pack ("{s:s, s:s, s:s}", "fg2ng_version", FG_VERSION,
                    "fg2ng_source", a->source, "fg2ng_virtual_size", vsize);
  if (prov == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "out of memory");
  props_from_inspection (a, &props, rep, glance, prov);
  rc = fg_bundle_write (a->output, vhds, 1, &props, prov, a->force,
                        a->progress, e);
  json_decref (prov);
  return rc;
}

int
pl_write_bundle (const struct fg_pipeline_opts *a,
                 struct fg_pipeline_report *rep, struct fg_err *e)
{
  char *tmp, *name;
  json_t *glance = NULL;
  struct pl_target t;
  int rc = -1;

  bundle_names (a->output, &tmp, &name);
  if (tmp == NULL || name == NULL) {
    fg_err_set (e, FG_E_INTERNAL, "out of memory");
    goto out;
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
  t.path = tmp;
  t.fmt = FG_DISK_VHD;
  t.replace = 1;
  if (pl_write_disk (a, &t, rep, e) == 0)
    rc = pack (a, tmp, name, rep, glance, e);
  unlink (tmp);
  fg_outfile_untrack (tmp);
out:
  json_decref (glance);
  free (tmp);
  free (name);
  return rc;
}
