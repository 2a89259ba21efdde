/* source/tarstream.c --- libarchive's tar reader fed by convert/gunzip */
#include "source/tarstream.h"

#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "source/gunzip.h"

struct fg_tar {
  struct archive *a;
  struct fg_gunzip *gz;
  struct fg_err read_err;     /* the gzip error behind an archive failure */
  /* The current member's data, for fg_tar_read's copy-out. */
  const uint8_t *blk;
  size_t blk_len;
  int64_t blk_off;
  int64_t read_off;           /* next offset fg_tar_read returns */
  int64_t size;               /* the member's size */
  int data_eof;
};

static la_ssize_t
read_cb (struct archive *a, void *opaque, const void **out)
{
  struct fg_tar *t = opaque;
  size_t len = 0;
  int rc = fg_gunzip_next (t->gz, out, &len, &t->read_err);

  if (rc < 0) {
    archive_set_error (a, EIO, "%s", t->read_err.msg);
    return -1;
  }
  return rc == 0 ? 0 : (la_ssize_t) len;
}

int
fg_tar_open (struct fg_tar **out, const struct fg_parts *parts,
             struct fg_err *e)
{
  struct fg_tar *t = calloc (1, sizeof *t);

  *out = NULL;
  if (t == NULL) {
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "tar reader");
  }
  if (fg_gunzip_open (&t->gz, parts, e) < 0)
    goto fail;
  t->a = archive_read_new ();
  if (t->a == NULL) {
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "tar reader");
    goto fail;
  }
  archive_read_support_format_tar (t->a);
  archive_read_support_format_gnutar (t->a);
  /* First-gen images may hold several archives back to back; read
   * through their end-of-archive zero blocks as `tar -i` does. */
  archive_read_set_format_option (t->a, "tar", "read_concatenated_archives",
                                  "1");
  if (archive_read_open (t->a, t, NULL, read_cb, NULL) != ARCHIVE_OK) {
    if (fg_err_is_set (&t->read_err))
      *e = t->read_err;
    else
      fg_err_set (e, FG_E_INPUT, "'%s': not a tar archive inside the gzip "
                  "stream: %s", parts->name, archive_error_string (t->a));
    goto fail;
  }
  *out = t;
  return 0;

fail:
  fg_tar_close (t);
  return -1;
}

uint64_t
fg_tar_in_pos (const struct fg_tar *t)
{
  return fg_gunzip_in_pos (t->gz);
}

void
fg_tar_where (const struct fg_tar *t, char *buf, size_t cap)
{
  fg_gunzip_where (t->gz, buf, cap);
}

/* An archive failure: the gzip error if that was the cause, else the tar
 * reader's words with the position. */
static int
archive_failed (struct fg_tar *t, struct fg_err *e, const char *doing)
{
  char where[512];

  if (fg_err_is_set (&t->read_err)) {
    if (e)
      *e = t->read_err;
    return -1;
  }
  fg_tar_where (t, where, sizeof where);
  return fg_err_set (e, FG_E_INPUT, "%s: %s: %s", where, doing,
                     archive_error_string (t->a) ? archive_error_string (t->a)
                     : "tar format error");
}

int
fg_tar_next (struct fg_tar *t, struct archive_entry **entry,
             struct fg_err *e)
{
  int rc = archive_read_next_header (t->a, entry);

  t->blk = NULL;
  t->blk_len = 0;
  t->blk_off = 0;
  t->read_off = 0;
  t->data_eof = 0;
  t->size = 0;
  if (rc == ARCHIVE_EOF)
    return 0;
  if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN)
    t->size = archive_entry_size (*entry);
  if (rc == ARCHIVE_WARN) {
    char where[512];
    fg_tar_where (t, where, sizeof where);
    fg_warn ("%s: %s", where, archive_error_string (t->a));
    return 1;
  }
  if (rc != ARCHIVE_OK)
    return archive_failed (t, e, "cannot read the next tar header");
  return 1;
}

int
fg_tar_read_block (struct fg_tar *t, const void **buf, size_t *len,
                   int64_t *off, struct fg_err *e)
{
  la_int64_t o;
  int rc = archive_read_data_block (t->a, buf, len, &o);

  if (rc == ARCHIVE_EOF)
    return 0;
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
    return archive_failed (t, e, "cannot read member data");
  *off = o;
  return 1;
}

ssize_t
fg_tar_read (struct fg_tar *t, void *buf, size_t cap, struct fg_err *e)
{
  uint8_t *p = buf;
  size_t got = 0;

  while (got < cap) {
    if (t->read_off >= t->blk_off + (int64_t) t->blk_len) {
      const void *b;
      size_t len;
      int64_t off = 0;
      int rc;

      if (t->data_eof)
        break;
      rc = fg_tar_read_block (t, &b, &len, &off, e);
      if (rc < 0)
        return -1;
      if (rc == 0) {
        /* A sparse member may end in a hole: zeros up to its size. */
        t->data_eof = 1;
        t->blk = NULL;
        t->blk_off = t->size;
        t->blk_len = 0;
        if (t->read_off < t->size)
          continue;
        break;
      }
      t->blk = b;
      t->blk_len = len;
      t->blk_off = off;
      continue;
    }
    if (t->read_off < t->blk_off) {
      /* A hole of a sparse member. */
      size_t n = (size_t) (t->blk_off - t->read_off);
      if (n > cap - got)
        n = cap - got;
      memset (p + got, 0, n);
      got += n;
      t->read_off += (int64_t) n;
      continue;
    }
    {
      size_t skip = (size_t) (t->read_off - t->blk_off);
      size_t n = t->blk_len - skip;
      if (n > cap - got)
        n = cap - got;
      memcpy (p + got, t->blk + skip, n);
      got += n;
      t->read_off += (int64_t) n;
    }
  }
  return (ssize_t) got;
}

void
fg_tar_close (struct fg_tar *t)
{
  if (t == NULL)
    return;
  if (t->a)
    archive_read_free (t->a);
  fg_gunzip_close (t->gz);
  free (t);
}

int
fg_tar_is_image_vhd (const char *name)
{
  if (strncmp (name, "./", 2) == 0)
    name += 2;
  return strcmp (name, "image/image.vhd") == 0;
}

int
fg_tar_probe_layout (const struct fg_parts *parts, enum fg_layout *out,
                     struct fg_err *e)
{
  struct fg_tar *t;
  struct archive_entry *ent;
  int rc;

  if (fg_tar_open (&t, parts, e) < 0)
    return -1;
  while ((rc = fg_tar_next (t, &ent, e)) > 0) {
    const char *name = archive_entry_pathname (ent);
    if (archive_entry_filetype (ent) == AE_IFDIR)
      continue;
    *out = name && fg_tar_is_image_vhd (name) ? FG_LAYOUT_BLOCK
      : FG_LAYOUT_FILE;
    break;
  }
  fg_tar_close (t);
  if (rc == 0)
    return fg_err_set (e, FG_E_INPUT, "'%s': the archive holds no files",
                       parts->name);
  return rc < 0 ? -1 : 0;
}
