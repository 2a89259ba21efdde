/* inspect/initramfs.c --- list an initramfs through libarchive, streaming
 *
 * Early-microcode images are two cpio archives back to back: an
 * uncompressed one, zero padding, then the compressed main one.
 * libarchive stops at the first one's TRAILER!!!, so the listing
 * restarts a reader on the bytes the first left unconsumed (the tail of
 * the last stretch the source handed over, still valid) and goes on.
 * Only after an uncompressed segment: a decompressor reads ahead, and
 * where its input ended cannot be told exactly.  That is also where the
 * kernel's own unpacker stops caring: the main archive is last.
 */
#include "inspect/initramfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the reader is fed from: the source, and what is left of the
 * stretch it last handed over when a segment ended inside it. */
struct feed {
  fg_initramfs_next_fn next;
  void *opaque;
  const unsigned char *cur;     /* the stretch last handed to libarchive */
  size_t cur_len;
  const unsigned char *pending; /* to hand out before asking the source */
  size_t pending_len;
  uint64_t fed;                 /* bytes handed to the current reader */
  int source_failed, at_end;
};

static la_ssize_t
feed_read (struct archive *a, void *opaque, const void **out)
{
  struct feed *f = opaque;
  const void *b;
  size_t len;
  int rc;

  if (f->pending_len) {
    f->cur = f->pending;
    f->cur_len = f->pending_len;
    f->pending_len = 0;
  } else {
    if (f->at_end)
      return 0;
    rc = f->next (f->opaque, &b, &len);
    if (rc < 0) {
      f->source_failed = 1;
      archive_set_error (a, EIO, "the initramfs's source failed");
      return -1;
    }
    if (rc == 0) {
      f->at_end = 1;
      return 0;
    }
    f->cur = b;
    f->cur_len = len;
  }
  f->fed += f->cur_len;
  *out = f->cur;
  return (la_ssize_t) f->cur_len;
}

/* Skip the zero padding between segments, pulling stretches from the
 * source as needed.  Returns 1 if more data follows, 0 at the end, -1 if
 * the source failed. */
static int
skip_padding (struct feed *f)
{
  for (;;) {
    while (f->pending_len && f->pending[0] == 0) {
      f->pending++;
      f->pending_len--;
    }
    if (f->pending_len)
      return 1;
    if (f->at_end)
      return 0;
    {
      const void *b;
      size_t len;
      int rc = f->next (f->opaque, &b, &len);
      if (rc < 0) {
        f->source_failed = 1;
        return -1;
      }
      if (rc == 0) {
        f->at_end = 1;
        return 0;
      }
      f->pending = b;
      f->pending_len = len;
    }
  }
}

static const char *
base_name (const char *p)
{
  const char *s = strrchr (p, '/');
  return s ? s + 1 : p;
}

int
fg_initramfs_is_xen_module (const char *name, int which)
{
  static const char *const blk[] = { "xen-blkfront", "xen_blkfront",
                                     "xenblk", NULL };
  static const char *const net[] = { "xen-netfront", "xen_netfront",
                                     "xennet", NULL };
  static const char *const suffixes[] = { ".ko", ".ko.xz", ".ko.gz",
                                          ".ko.zst", NULL };
  const char *b = base_name (name);
  const char *const *stems = which == 'b' ? blk : net;

  for (int i = 0; stems[i]; i++) {
    size_t n = strlen (stems[i]);
    if (strncmp (b, stems[i], n) != 0)
      continue;
    for (int k = 0; suffixes[k]; k++)
      if (strcmp (b + n, suffixes[k]) == 0)
        return 1;
  }
  return 0;
}

static struct archive *
new_reader (void)
{
  struct archive *a = archive_read_new ();

  if (a == NULL)
    return NULL;
  /* The compressions kernels can unpack that libarchive reads by
   * itself; lzo would need an external lzop, which inspection never
   * runs: such an initramfs is reported unreadable. */
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_bzip2 (a);
  archive_read_support_filter_xz (a);
  archive_read_support_filter_lzma (a);
  archive_read_support_filter_lz4 (a);
  archive_read_support_filter_zstd (a);
  archive_read_support_format_cpio (a);
  return a;
}

static void
append_format (struct fg_initramfs *out, struct archive *a)
{
  const char *filter = archive_filter_code (a, 0) == ARCHIVE_FILTER_NONE
    ? NULL : archive_filter_name (a, 0);
  size_t used = strlen (out->format);

  snprintf (out->format + used, sizeof out->format - used, "%scpio%s%s",
            used ? ", " : "", filter ? "+" : "", filter ? filter : "");
}

static void
unreadable (struct fg_initramfs *out, struct archive *a, const char *doing)
{
  const char *m = a ? archive_error_string (a) : NULL;

  out->status = FG_INITRAMFS_UNREADABLE;
  snprintf (out->why, sizeof out->why, "%s%s%s", doing, m ? ": " : "",
            m ? m : "");
}

int
fg_initramfs_list (fg_initramfs_next_fn next, void *opaque,
                   struct fg_initramfs *out)
{
  struct feed f = { .next = next, .opaque = opaque };

  memset (out, 0, sizeof *out);
  for (;;) {
    struct archive *a = new_reader ();
    struct archive_entry *ent;
    uint64_t before = out->members;
    int rc;

    if (a == NULL) {
      unreadable (out, NULL, "out of memory");
      return 0;
    }
    f.fed = 0;
    if (archive_read_open (a, &f, NULL, feed_read, NULL) != ARCHIVE_OK) {
      if (f.source_failed) {
        archive_read_free (a);
        return -1;
      }
      unreadable (out, a, out->segments ? "the archive after the first "
                  "cpio" : "not an initramfs libarchive reads");
      archive_read_free (a);
      return 0;
    }
    while ((rc = archive_read_next_header (a, &ent)) == ARCHIVE_OK ||
           rc == ARCHIVE_WARN) {
      const char *name = archive_entry_pathname (ent);
      if (out->members == before)
        append_format (out, a);
      out->members++;
      if (name && fg_initramfs_is_xen_module (name, 'b'))
        out->xen_blkfront = 1;
      if (name && fg_initramfs_is_xen_module (name, 'n'))
        out->xen_netfront = 1;
    }
    if (f.source_failed) {
      archive_read_free (a);
      return -1;
    }
    if (rc != ARCHIVE_EOF) {
      unreadable (out, a, out->members == before && out->segments == 0
                  ? "not an initramfs libarchive reads"
                  : "cannot read the whole initramfs");
      archive_read_free (a);
      return 0;
    }
    out->segments++;
    if (out->members == before)
      append_format (out, a);
    /* Another segment can only be found after an uncompressed one. */
    if (archive_filter_count (a) != 1 ||
        archive_filter_code (a, 0) != ARCHIVE_FILTER_NONE) {
      archive_read_free (a);
      break;
    }
    {
      int64_t consumed = archive_filter_bytes (a, -1);
      uint64_t left = consumed >= 0 && (uint64_t) consumed <= f.fed
        ? f.fed - (uint64_t) consumed : UINT64_MAX;
      archive_read_free (a);
      if (left > f.cur_len) {
        unreadable (out, NULL, "cannot tell where the archive after the "
                    "first cpio starts");
        return 0;
      }
      f.pending = f.cur + f.cur_len - left;
      f.pending_len = (size_t) left;
    }
    rc = skip_padding (&f);
    if (rc < 0)
      return -1;
    if (rc == 0)
      break;
  }
  out->status = FG_INITRAMFS_LISTED;
  return 0;
}

/* ---- a file on the host -------------------------------------------------- */

struct file_source {
  int fd;
  int err;
  unsigned char buf[1 << 16];
};

static int
file_next (void *opaque, const void **buf, size_t *len)
{
  struct file_source *s = opaque;
  ssize_t n;

  do
    n = read (s->fd, s->buf, sizeof s->buf);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    s->err = errno;
    return -1;
  }
  *buf = s->buf;
  *len = (size_t) n;
  return n > 0;
}

int
fg_initramfs_list_file (const char *path, struct fg_initramfs *out,
                        struct fg_err *e)
{
  struct file_source *s = malloc (sizeof *s);   /* 64 KiB: not on the stack */
  int rc, err;

  if (s == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  s->err = 0;
  s->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (s->fd < 0) {
    err = errno;
    free (s);
    return fg_err_errno (e, FG_E_IO, err, "cannot open '%s'", path);
  }
  rc = fg_initramfs_list (file_next, s, out);
  err = s->err;
  close (s->fd);
  free (s);
  if (rc < 0)
    return fg_err_errno (e, FG_E_IO, err, "cannot read '%s'", path);
  return 0;
}

const char *
fg_initramfs_status_name (enum fg_initramfs_status s)
{
  switch (s) {
  case FG_INITRAMFS_LISTED: return "listed";
  case FG_INITRAMFS_UNREADABLE: return "unreadable";
  case FG_INITRAMFS_NOT_LISTED: break;
  }
  return "not-listed";
}
