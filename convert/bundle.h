/* convert/bundle.h --- the Glance bundle: NAME.tgz and its sidecar
 *
 * A gzip'd tar holding 0.vhd (the leaf), 1.vhd, ... with no gaps, at the
 * root, as nova's XenAPI importer expects, plus NAME.json with the image
 * properties; the same NAME.json is written beside the bundle so an
 * uploader need not open the tarball.
 */
#ifndef FG_CONVERT_BUNDLE_H
#define FG_CONVERT_BUNDLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/progress.h"

/* NULL: not known, and left out of the properties. */
struct fg_image_props {
  const char *name;
  const char *vm_mode;        /* "xen" (PV through pygrub) or "hvm" */
  const char *os_type;        /* "linux", "windows" */
  const char *os_distro;      /* org.openstack__1__os_distro, "org.debian" */
  const char *os_version;     /* "12" */
  const char *architecture;   /* "x64" */
  int auto_disk_config;
  unsigned min_disk_gb;
  unsigned min_ram_mb;
};

/* The properties as the JSON object of the sidecar (new reference). */
json_t *fg_image_props_json (const struct fg_image_props *p);

/* Write TGZ from the VHD files VHDS[0] (leaf, becomes 0.vhd) .. and the
 * properties; PROVENANCE (may be NULL: an object of "fg2ng_*" keys with
 * string values) is merged in, flat.  The
 * sidecar is TGZ with its .tgz (or .tar.gz) replaced by .json. */
int fg_bundle_write (const char *tgz, const char *const *vhds, size_t nvhds,
                     const struct fg_image_props *p, json_t *provenance,
                     int replace, enum fg_progress_mode pm,
                     struct fg_err *e);

/* The sidecar path for TGZ (caller frees). */
char *fg_bundle_sidecar_path (const char *tgz);

#endif
