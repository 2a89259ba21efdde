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
 *
 * A gzip'd segment (what initramfs-tools and dracut made in the first
 * generation's days) is inflated here with ISA-L and handed to libarchive
 * as plain cpio: libarchive's gzip filter inflates with zlib, three to
 * four times slower, and an initramfs of a few tens of MiB was a third of
 * a small image's inspection.  The member is inflated to its end, so its
 * CRC-32 and length are checked (the kernel refuses a damaged one too).
 * Nothing after it is looked at, as after libarchive's own decompressors:
 * ISA-L may hold the next bytes in its own buffer when fed in small
 * stretches, so where the member ended is not known to the byte.
 */
#include "inspect/initramfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GZ_OUT (1u << 17)

/* The inflating layer for a gzip'd segment. */
struct gz {
  struct inflate_state st;
  int active;                   /* this segment is inflated here */
  int finished;                 /* its member's trailer was read and checked */
  int failed;                   /* damaged or truncated: why[] says which */
  char why[120];
  unsigned char out[GZ_OUT];
};

/* What the reader is fed from: the source, and what is left of the
 * stretch it last handed over when a segment ended inside it. */
/* libarchive's cpio reader takes a newc header's name size (8 hex digits,
 * up to 4 GiB) at its word and allocates that much to read the name: a
 * crafted initramfs could make inspection's memory grow with its size.
 * It also skips junk to resynchronise on any later valid header.  So the
 * guard looks at every place in the bytes handed to libarchive where a
 * header libarchive would accept could start ("070701" or "070702", then
 * hex digits to the header's 110th byte) and stops the reader at one
 * whose name is longer than the kernel's own unpacker takes (PATH_MAX).
 * The odc and binary formats have 6-octal-digit and 16-bit name sizes,
 * small by nature. */
#define GUARD_NAME_MAX 4096u
#define NEWC_HEADER 110u

struct newc_guard {
  uint64_t pos;                 /* bytes seen before the current stretch */
  unsigned char carry[NEWC_HEADER - 1];   /* the last bytes seen */
  size_t carry_len;
  char why[120];                /* set when it stopped the reader */
};

struct feed {
  struct gz *gz;                /* NULL until a gzip'd segment is seen */
  struct newc_guard guard;      /* over what the current reader is handed */
  struct archive *inner;        /* unpacking an xz, zstd... segment */
  unsigned char *ibuf;          /* what the inner reader unpacked */
  fg_initramfs_next_fn next;
  void *opaque;
  const unsigned char *cur;     /* the stretch last handed to libarchive */
  size_t cur_len;
  unsigned char sniff[8];       /* a segment's first bytes, gathered to */
  size_t sniff_len;             /* tell its kind; handed out first */
  const unsigned char *pending; /* then these, before asking the source */
  size_t pending_len;
  uint64_t fed;                 /* bytes handed to the current reader */
  int source_failed, at_end;
};

/* The source's next stretch, noting its end or failure: 1, 0, -1. */
static int
source_next (struct feed *f, const void **b, size_t *len)
{
  int rc;

  if (f->at_end)
    return 0;
  rc = f->next (f->opaque, b, len);
  if (rc < 0)
    f->source_failed = 1;
  if (rc == 0)
    f->at_end = 1;
  return rc < 0 ? -1 : rc > 0;
}

/* The next stretch of the source's own bytes: what a finished segment
 * left unread first.  1, 0 at the end, -1 if the source failed. */
static int
raw_next (struct feed *f, const unsigned char **p, size_t *len)
{
  const void *b;
  int rc;

  if (f->sniff_len) {
    *p = f->sniff;
    *len = f->sniff_len;
    f->sniff_len = 0;
    return 1;
  }
  if (f->pending_len) {
    *p = f->pending;
    *len = f->pending_len;
    f->pending_len = 0;
    return 1;
  }
  rc = source_next (f, &b, len);
  if (rc > 0)
    *p = b;
  return rc;
}

static void
gz_fail (struct gz *g, const char *why)
{
  g->failed = 1;
  snprintf (g->why, sizeof g->why, "%s", why);
}

/* Up to GZ_OUT inflated bytes into g->out: their count, 0 at the end of
 * the member, -1 on damage or a source failure. */
static ssize_t
gz_inflate (struct feed *f)
{
  struct gz *g = f->gz;

  for (;;) {
    int rc;
    uint32_t produced;

    if (g->finished)
      return 0;
    if (g->st.avail_in == 0) {
      const unsigned char *p;
      size_t len;
      rc = raw_next (f, &p, &len);
      if (rc < 0)
        return -1;
      if (rc == 0) {
        gz_fail (g, "the gzip'd initramfs ends before its gzip trailer");
        return -1;
      }
      f->cur = p;
      f->cur_len = len;
      g->st.next_in = (uint8_t *) p;
      g->st.avail_in = (uint32_t) (len > UINT32_MAX ? UINT32_MAX : len);
    }
    g->st.next_out = g->out;
    g->st.avail_out = GZ_OUT;
    rc = isal_inflate (&g->st);
    produced = GZ_OUT - g->st.avail_out;
    if (rc == ISAL_INCORRECT_CHECKSUM) {
      gz_fail (g, "the gzip'd initramfs fails its CRC-32 or length check");
      return -1;
    }
    if (rc != ISAL_DECOMP_OK) {
      gz_fail (g, "the gzip'd initramfs is damaged (corrupt deflate data)");
      return -1;
    }
    if (g->st.block_state == ISAL_BLOCK_FINISH)
      g->finished = 1;
    if (produced > 0)
      return (ssize_t) produced;
  }
}

static int
hex_digit (int c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* P holds a whole candidate header at stream byte AT: -1 (why set) if it
 * is one libarchive would take and its name size is absurd. */
static int
guard_header (struct newc_guard *g, const unsigned char *p, uint64_t at)
{
  uint32_t namesize = 0;

  if (memcmp (p, "07070", 5) != 0 || (p[5] != '1' && p[5] != '2'))
    return 0;
  for (unsigned i = 6; i < NEWC_HEADER; i++)
    if (hex_digit (p[i]) < 0)
      return 0;
  for (unsigned i = 94; i < 102; i++)
    namesize = namesize << 4 | (uint32_t) hex_digit (p[i]);
  if (namesize <= GUARD_NAME_MAX)
    return 0;
  snprintf (g->why, sizeof g->why, "a cpio header at byte %llu gives a "
            "name of %u bytes (the kernel takes at most %u)",
            (unsigned long long) at, namesize, GUARD_NAME_MAX);
  return -1;
}

/* Every candidate header starting in P[0, LEN) whose 110 bytes are all in
 * P; START is P's stream position. */
static int
guard_scan (struct newc_guard *g, const unsigned char *p, size_t len,
            uint64_t start, size_t first, size_t last)
{
  size_t i = first;

  while (i < last && i + NEWC_HEADER <= len) {
    const unsigned char *m = memmem (p + i, len - i, "07070", 5);
    if (m == NULL)
      break;
    i = (size_t) (m - p);
    if (i >= last || i + NEWC_HEADER > len)
      break;
    if (guard_header (g, p + i, start + i) < 0)
      return -1;
    i++;
  }
  return 0;
}

/* Watch LEN more bytes of the cpio stream.  0, or -1 (why[] set). */
static int
guard_watch (struct newc_guard *g, const unsigned char *p, size_t len)
{
  unsigned char edge[2 * (NEWC_HEADER - 1)];
  size_t m = len < NEWC_HEADER - 1 ? len : NEWC_HEADER - 1;
  uint64_t carry_at = g->pos - g->carry_len;

  /* Headers that start in the carried bytes and end in P. */
  memcpy (edge, g->carry, g->carry_len);
  memcpy (edge + g->carry_len, p, m);
  if (guard_scan (g, edge, g->carry_len + m, carry_at, 0, g->carry_len) < 0)
    return -1;
  /* Headers wholly in P. */
  if (guard_scan (g, p, len, g->pos, 0, len) < 0)
    return -1;
  /* Carry the last bytes: a header may start there. */
  if (len >= NEWC_HEADER - 1) {
    memcpy (g->carry, p + len - (NEWC_HEADER - 1), NEWC_HEADER - 1);
    g->carry_len = NEWC_HEADER - 1;
  } else {
    size_t keep = g->carry_len + len > NEWC_HEADER - 1
      ? NEWC_HEADER - 1 - len : g->carry_len;
    memmove (g->carry, g->carry + g->carry_len - keep, keep);
    memcpy (g->carry + keep, p, len);
    g->carry_len = keep + len;
  }
  g->pos += len;
  return 0;
}

static la_ssize_t
feed_read (struct archive *a, void *opaque, const void **out)
{
  struct feed *f = opaque;
  const unsigned char *p;
  size_t len;
  int rc;

  if (f->gz && f->gz->active) {
    ssize_t n = gz_inflate (f);
    if (n < 0) {
      archive_set_error (a, EIO, "%s", f->gz->failed ? f->gz->why
                         : "the initramfs's source failed");
      return -1;
    }
    if (guard_watch (&f->guard, f->gz->out, (size_t) n) < 0) {
      archive_set_error (a, EINVAL, "%s", f->guard.why);
      return -1;
    }
    *out = f->gz->out;
    return (la_ssize_t) n;
  }
  rc = raw_next (f, &p, &len);
  if (rc < 0) {
    archive_set_error (a, EIO, "the initramfs's source failed");
    return -1;
  }
  if (rc == 0)
    return 0;
  f->cur = p;
  f->cur_len = len;
  f->fed += len;
  if (guard_watch (&f->guard, p, len) < 0) {
    archive_set_error (a, EINVAL, "%s", f->guard.why);
    return -1;
  }
  *out = p;
  return (la_ssize_t) len;
}

/* The source's bytes, for the inner reader. */
static la_ssize_t
raw_read (struct archive *a, void *opaque, const void **out)
{
  struct feed *f = opaque;
  const unsigned char *p;
  size_t len;
  int rc = raw_next (f, &p, &len);

  if (rc < 0) {
    archive_set_error (a, EIO, "the initramfs's source failed");
    return -1;
  }
  if (rc == 0)
    return 0;
  *out = p;
  return (la_ssize_t) len;
}

#define IBUF (1u << 16)

/* The cpio reader's bytes when the segment is compressed with anything
 * but gzip: libarchive unpacks it in a reader of its own ("raw" format),
 * so that the guard sees the cpio bytes whatever the compression. */
static la_ssize_t
unpacked_read (struct archive *a, void *opaque, const void **out)
{
  struct feed *f = opaque;
  la_ssize_t n = archive_read_data (f->inner, f->ibuf, IBUF);

  if (n < 0) {
    if (f->source_failed)
      archive_set_error (a, EIO, "the initramfs's source failed");
    else
      archive_set_error (a, EINVAL, "%s", archive_error_string (f->inner));
    return -1;
  }
  if (guard_watch (&f->guard, f->ibuf, (size_t) n) < 0) {
    archive_set_error (a, EINVAL, "%s", f->guard.why);
    return -1;
  }
  *out = f->ibuf;
  return n;
}

/* Does the segment start as a cpio archive does (newc, odc, binary in
 * either byte order)?  If not, it is compressed. */
static int
looks_like_cpio (const struct feed *f)
{
  const unsigned char *p = f->sniff;

  if (f->sniff_len < 4)
    return 1;                   /* too short to tell: the cpio reader says */
  return memcmp (p, "0707", 4) == 0 || (p[0] == 0xc7 && p[1] == 0x71) ||
    (p[0] == 0x71 && p[1] == 0xc7);
}

/* Start the inner reader.  0, or -1 with *WHY (libarchive's words, or
 * the source failed). */
static int
unpack_begin (struct feed *f, const char **why)
{
  struct archive_entry *ent;
  struct archive *in;

  *why = "out of memory";
  if (f->ibuf == NULL && (f->ibuf = malloc (IBUF)) == NULL)
    return -1;
  if ((in = f->inner = archive_read_new ()) == NULL)
    return -1;
  /* The compressions kernels unpack that libarchive reads by itself;
   * lzo would need an external lzop, which inspection never runs: such an
   * initramfs is reported unreadable. */
  archive_read_support_filter_bzip2 (in);
  archive_read_support_filter_xz (in);
  archive_read_support_filter_lzma (in);
  archive_read_support_filter_lz4 (in);
  archive_read_support_filter_zstd (in);
  archive_read_support_format_raw (in);
  if (archive_read_open (in, f, NULL, raw_read, NULL) != ARCHIVE_OK ||
      archive_read_next_header (in, &ent) != ARCHIVE_OK ||
      archive_filter_code (in, 0) == ARCHIVE_FILTER_NONE) {
    const char *m = archive_error_string (in);
    *why = m ? m : "neither cpio nor a compression libarchive reads";
    return -1;
  }
  return 0;
}

/* Gather the next segment's first WANT bytes (fewer at the end of the
 * source) into f->sniff, however the source cuts its stretches: a gzip
 * or cpio magic may straddle two.  0, or -1 if the source failed. */
static int
gather (struct feed *f, size_t want)
{
  unsigned char tmp[sizeof f->sniff];
  size_t n = f->sniff_len;

  /* f->pending may point into f->sniff: copy through TMP. */
  memcpy (tmp, f->sniff, n);
  while (n < want) {
    const void *b;
    size_t len;
    int rc;

    if (f->pending_len) {
      size_t k = want - n < f->pending_len ? want - n : f->pending_len;
      memcpy (tmp + n, f->pending, k);
      f->pending += k;
      f->pending_len -= k;
      n += k;
      continue;
    }
    rc = source_next (f, &b, &len);
    if (rc < 0)
      return -1;
    if (rc == 0)
      break;
    f->pending = b;
    f->pending_len = len;
  }
  memcpy (f->sniff, tmp, n);
  f->sniff_len = n;
  return 0;
}

/* Start inflating here if the segment is gzip'd: 1 if so, 0 if not, -1
 * out of memory. */
static int
gz_begin (struct feed *f)
{
  if (f->sniff_len < 2 || f->sniff[0] != 0x1f || f->sniff[1] != 0x8b)
    return 0;
  if (f->gz == NULL && (f->gz = malloc (sizeof *f->gz)) == NULL)
    return -1;
  memset (f->gz, 0, offsetof (struct gz, out));
  isal_inflate_init (&f->gz->st);
  f->gz->st.crc_flag = ISAL_GZIP;
  f->gz->active = 1;
  return 1;
}

/* After libarchive saw the cpio trailer: inflate the rest of the member
 * (padding) so its CRC-32 is checked.  0, or -1 (the reason in f->gz). */
static int
gz_drain (struct feed *f)
{
  ssize_t n;

  while ((n = gz_inflate (f)) > 0)
    ;
  f->gz->active = 0;
  return n < 0 ? -1 : 0;
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
    {
      const void *b;
      size_t len;
      int rc = source_next (f, &b, &len);
      if (rc <= 0)
        return rc;
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
  /* Plain cpio only: gzip is inflated here with ISA-L, the other
   * compressions by the inner reader (unpack_begin). */
  archive_read_support_format_cpio (a);
  return a;
}

static void
append_format (struct fg_initramfs *out, const char *filter)
{
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

static void
unpack_end (struct feed *f)
{
  if (f->inner)
    archive_read_free (f->inner);
  f->inner = NULL;
}

/* The segment where F stands: its filter (gzip, a decompressor of
 * libarchive's, or none, into *FILTER) found and A opened on it.  1, or
 * 0 if the listing is over (*OUT says how), -1 if the source failed. */
static int
segment_open (struct feed *f, struct archive *a, struct fg_initramfs *out,
              int *gzipped, const char **filter)
{
  la_ssize_t (*reader) (struct archive *, void *, const void **) = feed_read;
  const char *why;

  f->fed = 0;
  memset (&f->guard, 0, sizeof f->guard);
  if (gather (f, 6) < 0)
    return -1;
  if ((*gzipped = gz_begin (f)) < 0) {
    unreadable (out, NULL, "out of memory");
    return 0;
  }
  if (*gzipped)
    *filter = "gzip";
  else if (!looks_like_cpio (f)) {
    if (unpack_begin (f, &why) < 0) {
      if (f->source_failed)
        return -1;
      out->status = FG_INITRAMFS_UNREADABLE;
      snprintf (out->why, sizeof out->why, "%s: %s", out->segments
                ? "the archive after the first cpio"
                : "not an initramfs libarchive reads", why);
      return 0;
    }
    *filter = archive_filter_name (f->inner, 0);
    reader = unpacked_read;
  }
  if (archive_read_open (a, f, NULL, reader, NULL) != ARCHIVE_OK) {
    if (f->source_failed)
      return -1;
    unreadable (out, a, out->segments ? "the archive after the first "
                "cpio" : "not an initramfs libarchive reads");
    return 0;
  }
  return 1;
}

/* The members of the segment A reads counted, the Xen front ends among
 * them noted.  Returns as segment_open. */
static int
segment_members (struct feed *f, struct archive *a, struct fg_initramfs *out,
                 const char *filter)
{
  struct archive_entry *ent;
  uint64_t before = out->members;
  int rc;

  while ((rc = archive_read_next_header (a, &ent)) == ARCHIVE_OK ||
         rc == ARCHIVE_WARN) {
    const char *name = archive_entry_pathname (ent);
    if (out->members == before)
      append_format (out, filter);
    out->members++;
    if (name && fg_initramfs_is_xen_module (name, 'b'))
      out->xen_blkfront = 1;
    if (name && fg_initramfs_is_xen_module (name, 'n'))
      out->xen_netfront = 1;
  }
  if (f->source_failed)
    return -1;
  if (rc != ARCHIVE_EOF) {
    unreadable (out, a, out->members == before && out->segments == 0
                ? "not an initramfs libarchive reads"
                : "cannot read the whole initramfs");
    return 0;
  }
  out->segments++;
  if (out->members == before)
    append_format (out, filter);
  return 1;
}

/* After a segment: where the next one starts, when that can be told.
 * 1 if another segment may follow there, else as segment_open. */
static int
segment_next (struct feed *f, struct archive *a, struct fg_initramfs *out,
              int gzipped)
{
  int64_t consumed;
  uint64_t left;

  if (gzipped) {
    if (gz_drain (f) < 0) {
      if (f->source_failed)
        return -1;
      out->status = FG_INITRAMFS_UNREADABLE;
      snprintf (out->why, sizeof out->why, "%s", f->gz->why);
      return 0;
    }
    out->status = FG_INITRAMFS_LISTED;
    return 0;
  }
  if (f->inner) {
    /* A decompressor reads ahead: where its input ended cannot be told,
     * so nothing after it is looked at. */
    out->status = FG_INITRAMFS_LISTED;
    return 0;
  }
  consumed = archive_filter_bytes (a, -1);
  left = consumed >= 0 && (uint64_t) consumed <= f->fed
    ? f->fed - (uint64_t) consumed : UINT64_MAX;
  if (left > f->cur_len) {
    unreadable (out, NULL, "cannot tell where the archive after the "
                "first cpio starts");
    return 0;
  }
  f->pending = f->cur + f->cur_len - left;
  f->pending_len = (size_t) left;
  return 1;
}

/* One segment, from where F stands.  1 if another segment may follow,
 * 0 if the listing is over (*OUT says how), -1 if the source failed. */
static int
list_segment (struct feed *f, struct fg_initramfs *out)
{
  struct archive *a = new_reader ();
  const char *filter = NULL;
  int gzipped = 0, rc;

  if (a == NULL) {
    unreadable (out, NULL, "out of memory");
    return 0;
  }
  rc = segment_open (f, a, out, &gzipped, &filter);
  if (rc > 0)
    rc = segment_members (f, a, out, filter);
  if (rc > 0)
    rc = segment_next (f, a, out, gzipped);
  archive_read_free (a);
  if (rc <= 0)
    unpack_end (f);
  return rc;
}

int
fg_initramfs_list (fg_initramfs_next_fn next, void *opaque,
                   struct fg_initramfs *out)
{
  struct feed f = { .next = next, .opaque = opaque };
  int rc = 0;

  memset (out, 0, sizeof *out);
  while (rc == 0) {
    int more = list_segment (&f, out);
    if (more <= 0) {
      rc = more;
      break;
    }
    more = skip_padding (&f);
    if (more < 0)
      rc = -1;
    if (more <= 0) {
      out->status = FG_INITRAMFS_LISTED;
      break;
    }
  }
  free (f.gz);
  free (f.ibuf);
  return rc;
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
