/* convert/bundle.c --- tar (libarchive, pax) + gzip (ISA-L level 1)
 *
 * libarchive writes the tar stream into our callback, which compresses
 * it with ISA-L's deflate: level 1 runs at several hundred MB/s, where
 * zlib's default level would dominate the whole conversion.
 */
#include "convert/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/outfile.h"

#define COPY_BUF (1u << 20)
#define OUT_BUF (1u << 20)

/* Glance v2 image properties are strings, and so is every value here:
 * the uploader sends min_disk and min_ram (core attributes, integers in
 * Glance's schema) as numbers.  A property not known is left out, never
 * filled with a guess. */
json_t *
fg_image_props_json (const struct fg_image_props *p)
{
  char disk[24], ram[24];

  snprintf (disk, sizeof disk, "%u", p->min_disk_gb);
  snprintf (ram, sizeof ram, "%u", p->min_ram_mb);
  return json_pack ("{s:s, s:s, s:s, s:s*, s:s*, s:s*, s:s*, s:s*, s:s, "
                    "s:s, s:s}",
                    "name", p->name,
                    "container_format", "ovf",
                    "disk_format", "vhd",
                    "vm_mode", p->vm_mode,
                    "os_type", p->os_type,
                    "org.openstack__1__os_distro", p->os_distro,
                    "org.openstack__1__os_version", p->os_version,
                    "org.openstack__1__architecture", p->architecture,
                    "auto_disk_config",
                    p->auto_disk_config ? "True" : "False",
                    "min_disk", disk,
                    "min_ram", ram);
}

char *
fg_bundle_sidecar_path (const char *tgz)
{
  size_t n = strlen (tgz);
  char *out = malloc (n + 8);

  if (out == NULL)
    return NULL;
  strcpy (out, tgz);
  if (n > 7 && strcmp (out + n - 7, ".tar.gz") == 0)
    out[n - 7] = '\0';
  else if (n > 4 && strcmp (out + n - 4, ".tgz") == 0)
    out[n - 4] = '\0';
  strcat (out, ".json");
  return out;
}

struct gz_sink {
  struct fg_outfile *out;
  struct isal_zstream zs;
  uint8_t *level_buf;
  uint8_t *obuf;
  uint64_t off;
  struct fg_err err;
  struct fg_progress progress;  /* "pack": bytes of the VHDs read */
  uint64_t read;
};

static int
gz_push (struct gz_sink *g, const void *data, size_t len, int last)
{
  g->zs.next_in = (uint8_t *) data;
  g->zs.avail_in = (uint32_t) len;
  g->zs.end_of_stream = (uint16_t) last;
  do {
    g->zs.next_out = g->obuf;
    g->zs.avail_out = OUT_BUF;
    if (isal_deflate (&g->zs) != COMP_OK)
      return fg_err_set (&g->err, FG_E_INTERNAL, "gzip compression failed");
    size_t n = OUT_BUF - g->zs.avail_out;
    if (n && fg_outfile_pwrite (g->out, g->obuf, n, g->off, &g->err) < 0)
      return -1;
    g->off += n;
  } while (g->zs.avail_in > 0 ||
           (last && g->zs.internal_state.state != ZSTATE_END));
  return 0;
}

static la_ssize_t
write_cb (struct archive *a, void *opaque, const void *buf, size_t len)
{
  struct gz_sink *g = opaque;

  if (gz_push (g, buf, len, 0) < 0) {
    archive_set_error (a, EIO, "%s", g->err.msg);
    return -1;
  }
  return (la_ssize_t) len;
}

static int
add_file (struct archive *a, struct gz_sink *g, const char *member,
          const char *path, uint8_t *buf, struct fg_err *e)
{
  struct archive_entry *ent = archive_entry_new ();
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  int rc = -1;

  if (ent == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "tar entry");
  if (fd < 0 || fstat (fd, &st) < 0) {
    fg_err_errno (e, FG_E_IO, errno, "cannot open '%s'", path);
    goto out;
  }
  archive_entry_set_pathname (ent, member);
  archive_entry_set_filetype (ent, AE_IFREG);
  archive_entry_set_perm (ent, 0644);
  archive_entry_set_size (ent, st.st_size);
  archive_entry_set_mtime (ent, st.st_mtime, 0);
  if (archive_write_header (a, ent) != ARCHIVE_OK)
    goto archive_fail;
  for (;;) {
    ssize_t n = read (fd, buf, COPY_BUF);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      fg_err_errno (e, FG_E_IO, errno, "cannot read '%s'", path);
      goto out;
    }
    if (n == 0)
      break;
    if (archive_write_data (a, buf, (size_t) n) != n)
      goto archive_fail;
    g->read += (uint64_t) n;
    fg_progress_update (&g->progress, g->read);
  }
  rc = 0;
  goto out;

archive_fail:
  if (fg_err_is_set (&g->err))
    *e = g->err;
  else
    fg_err_set (e, FG_E_IO, "cannot add '%s' to the bundle: %s", member,
                archive_error_string (a));
out:
  archive_entry_free (ent);
  return rc;
}

static int
add_bytes (struct archive *a, struct gz_sink *g, const char *member,
           const char *data, size_t len, struct fg_err *e)
{
  struct archive_entry *ent = archive_entry_new ();
  int rc = 0;

  if (ent == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "tar entry");
  archive_entry_set_pathname (ent, member);
  archive_entry_set_filetype (ent, AE_IFREG);
  archive_entry_set_perm (ent, 0644);
  archive_entry_set_size (ent, (la_int64_t) len);
  archive_entry_set_mtime (ent, time (NULL), 0);
  if (archive_write_header (a, ent) != ARCHIVE_OK ||
      archive_write_data (a, data, len) != (la_ssize_t) len) {
    if (fg_err_is_set (&g->err))
      *e = g->err;
    else
      fg_err_set (e, FG_E_IO, "cannot add '%s' to the bundle: %s", member,
                  archive_error_string (a));
    rc = -1;
  }
  archive_entry_free (ent);
  return rc;
}

static int
write_text_file (const char *path, const char *text, int replace,
                 struct fg_err *e)
{
  struct fg_outfile o = FG_OUTFILE_INIT;

  if (fg_outfile_open (&o, path, replace ? FG_OUTFILE_REPLACE : 0, e) < 0)
    return -1;
  if (fg_outfile_pwrite (&o, text, strlen (text), 0, e) < 0 ||
      fg_outfile_commit (&o, replace ? FG_OUTFILE_REPLACE : 0, e) < 0) {
    fg_outfile_abort (&o);
    return -1;
  }
  return 0;
}

/* The sidecar's text: the properties with fg2ng's own facts
 * (PROVENANCE) flat beside them (Glance has no nested values). */
static char *
props_text (const struct fg_image_props *p, json_t *provenance)
{
  json_t *props = fg_image_props_json (p);
  char *json;

  if (props == NULL)
    return NULL;
  if (provenance)
    json_object_update (props, provenance);
  json = json_dumps (props, JSON_INDENT (2) | JSON_SORT_KEYS);
  json_decref (props);
  return json;
}

/* The gzip'd tar stream into OUT: libarchive writes the tar, G
 * compresses it (isa-l at level 1).  NULL with E set on failure. */
static struct archive *
tar_open (struct gz_sink *g, struct fg_outfile *out, struct fg_err *e)
{
  struct archive *a;

  g->out = out;
  isal_deflate_init (&g->zs);
  g->zs.level = 1;
  g->zs.level_buf = g->level_buf;
  g->zs.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
  g->zs.gzip_flag = IGZIP_GZIP;
  a = archive_write_new ();
  if (a == NULL || archive_write_set_format_pax_restricted (a) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block (a, 1) != ARCHIVE_OK ||
      archive_write_open (a, g, NULL, write_cb, NULL) != ARCHIVE_OK) {
    if (a)
      archive_write_free (a);
    fg_err_set (e, FG_E_INTERNAL, "cannot start the bundle tar stream");
    return NULL;
  }
  return a;
}

/* The members: VHDS as 0.vhd, 1.vhd, ..., then the properties as
 * JNAME; the stream finished. */
static int
tar_members (struct archive *a, struct gz_sink *g, const char *tgz,
             const char *const *vhds, size_t nvhds, const char *jname,
             const char *json, uint8_t *buf, enum fg_progress_mode pm,
             struct fg_err *e)
{
  uint64_t total = 0;
  struct stat st;

  for (size_t i = 0; i < nvhds; i++)
    if (stat (vhds[i], &st) == 0)
      total += (uint64_t) st.st_size;
  fg_progress_start (&g->progress, pm, "pack", total);
  for (size_t i = 0; i < nvhds; i++) {
    char member[32];
    snprintf (member, sizeof member, "%zu.vhd", i);
    if (add_file (a, g, member, vhds[i], buf, e) < 0)
      return -1;
  }
  if (add_bytes (a, g, jname, json, strlen (json), e) < 0)
    return -1;
  if (archive_write_close (a) != ARCHIVE_OK) {
    if (fg_err_is_set (&g->err))
      *e = g->err;
    else
      fg_err_set (e, FG_E_IO, "cannot finish '%s': %s", tgz,
                  archive_error_string (a));
    return -1;
  }
  if (gz_push (g, NULL, 0, 1) < 0) {
    *e = g->err;
    return -1;
  }
  return 0;
}

int
fg_bundle_write (const char *tgz, const char *const *vhds, size_t nvhds,
                 const struct fg_image_props *p, json_t *provenance,
                 int replace, enum fg_progress_mode pm, struct fg_err *e)
{
  struct fg_outfile out = FG_OUTFILE_INIT;
  struct gz_sink g;
  struct archive *a = NULL;
  char *json = NULL, *sidecar = NULL, *sidecar_copy = NULL;
  uint8_t *buf = NULL;
  int rc = -1;

  memset (&g, 0, sizeof g);
  json = props_text (p, provenance);
  sidecar = fg_bundle_sidecar_path (tgz);
  if (json == NULL || sidecar == NULL) {
    fg_err_set (e, FG_E_INTERNAL, "cannot build the image properties");
    goto out;
  }
  sidecar_copy = strdup (sidecar);
  buf = malloc (COPY_BUF);
  g.obuf = malloc (OUT_BUF);
  g.level_buf = malloc (ISAL_DEF_LVL1_DEFAULT);
  if (sidecar_copy == NULL || buf == NULL || g.obuf == NULL ||
      g.level_buf == NULL) {
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "bundle");
    goto out;
  }
  if (!replace && access (sidecar, F_OK) == 0) {
    fg_err_set (e, FG_E_USAGE, "output '%s' already exists", sidecar);
    fg_err_hint (e, "remove it, choose another name, or pass --force");
    goto out;
  }
  if (fg_outfile_open (&out, tgz, replace ? FG_OUTFILE_REPLACE : 0, e) < 0 ||
      (a = tar_open (&g, &out, e)) == NULL ||
      tar_members (a, &g, tgz, vhds, nvhds, basename (sidecar_copy), json,
                   buf, pm, e) < 0 ||
      fg_outfile_commit (&out, replace ? FG_OUTFILE_REPLACE : 0, e) < 0)
    goto out;
  if (write_text_file (sidecar, json, replace, e) < 0) {
    unlink (tgz);             /* both or neither */
    goto out;
  }
  rc = 0;
  fg_progress_end (&g.progress, 1);

out:
  if (a)
    archive_write_free (a);
  fg_outfile_abort (&out);
  free (json);
  free (sidecar);
  free (sidecar_copy);
  free (buf);
  free (g.obuf);
  free (g.level_buf);
  return rc;
}
