/* tests/fuzz/fuzz_vhd_chain.c --- libFuzzer target for VHD differencing chains
 *
 * The input is up to four files cut at each "#FG-SPLIT#" (the fourth
 * takes the rest): a child VHD and the disks its parent locators may
 * name.  Each run writes them into a fresh private folder under /tmp,
 * removed afterwards:
 *
 *   ROOT/in/c.vhd          the child (the leaf)
 *   ROOT/in/p.vhd          second file
 *   ROOT/in/sub/q.vhd      third file
 *   ROOT/outside.vhd       fourth file: outside the child's folder
 *   ROOT/in/l0.vhd      -> p.vhd          (tests/tools/mkchain's names)
 *   ROOT/in/x.vhd       -> ../outside.vhd (a symlink out of the folder)
 *   ROOT/in/sub/up.vhd  -> ../p.vhd       (out of sub/, inside in/)
 *
 * and opens the child with vhd_chain_open: with no explicit parents (the
 * locators are followed), with p.vhd as the one explicit parent (its own
 * locators are followed from there), and with all the other files, in
 * that order, as the explicit parent list.  Each chain that opens is read
 * through as fuzz_vhd reads (virtual size capped at 64 MiB).  Errors are
 * fine if they say why, with no raw control character; what is checked:
 *   - a chain that opens is whole: every level but the last is a
 *     differencing disk, the last is not, each parent carries the UUID
 *     its child names, no parent is larger than its child;
 *   - explicit parents are the files given, in order;
 *   - a parent found through a locator lies inside its child's folder
 *     once symlinks are resolved (so outside.vhd is never opened that
 *     way, though it may carry the right UUID), and no message of the
 *     locator open names ROOT/outside.vhd or climbs out of ROOT/in;
 *   - a range vhd_chain_may_have_data calls empty reads as zeros;
 *   - when both opens give the same files, they read the same bytes;
 *   - the reader creates nothing in the folder.
 * Each input runs as is and, if some footer or header checksums are
 * stale, once more with them recomputed (as fuzz_vhd does), so that
 * mutated fields get past the checksum checks.
 *
 * FUZZ_VERBOSE=1 prints each open's outcome.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/vhd.h"

#define READ_CAP (64u << 20)
#define CHUNK (256u << 10)
#define ZERO_CHECKS 8           /* empty chunks read to check the zeros */
#define SEP "#FG-SPLIT#"
#define SEP_LEN (sizeof SEP - 1)
#define MAX_FILES 4

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Where each file of the input goes, and the symlinks beside them. */
static const char *const file_name[MAX_FILES] = {
  "in/c.vhd", "in/p.vhd", "in/sub/q.vhd", "outside.vhd",
};
static const char *const link_name[][2] = {
  { "in/l0.vhd", "p.vhd" },
  { "in/x.vhd", "../outside.vhd" },
  { "in/sub/up.vhd", "../p.vhd" },
};
#define NLINKS (sizeof link_name / sizeof link_name[0])

/* The run's private folder, removed when a check fails (a sanitizer's
 * report leaves it behind). */
static char live_folder[PATH_MAX];

static int
remove_one (const char *path, const struct stat *st, int flag,
            struct FTW *ftw)
{
  (void) st;
  (void) flag;
  (void) ftw;
  remove (path);
  return 0;
}

static void FG_PRINTF(1, 2)
fail (const char *fmt, ...)
{
  va_list ap;

  fprintf (stderr, "fuzz_vhd_chain: ");
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, "\n");
  if (live_folder[0])
    nftw (live_folder, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  abort ();
}

struct seg {
  const uint8_t *p;
  size_t len;
};

static size_t
split (const uint8_t *data, size_t size, struct seg seg[MAX_FILES])
{
  size_t n = 0;

  while (n < MAX_FILES - 1) {
    const uint8_t *s = memmem (data, size, SEP, SEP_LEN);
    if (s == NULL)
      break;
    seg[n].p = data;
    seg[n++].len = (size_t) (s - data);
    size -= (size_t) (s - data) + SEP_LEN;
    data = s + SEP_LEN;
  }
  seg[n].p = data;
  seg[n++].len = size;
  return n;
}

static void
write_file (const char *path, const uint8_t *p, size_t len)
{
  FILE *f = fopen (path, "wb");

  if (f == NULL || (len && fwrite (p, 1, len, f) != len) || fclose (f) != 0)
    fail ("writing %s: %s", path, strerror (errno));
}

/* A message for a terminal: no C0 control, DEL or UTF-8 C1 control. */
static void
check_printable (const char *what, const char *s)
{
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 &&
                                    p[1] <= 0x9f))
      fail ("%s holds a raw control byte at %zu: %s", what,
            (size_t) (p - (const unsigned char *) s), s);
}

/* 1 if the real path of PATH lies inside folder DIR (a real path). */
static int
inside (const char *dir, const char *path)
{
  char real[PATH_MAX];
  size_t n = strlen (dir);

  if (realpath (path, real) == NULL)
    return 0;
  return strncmp (real, dir, n) == 0 && real[n] == '/';
}

static void
real_dirname (const char *path, char out[PATH_MAX])
{
  char *slash;

  if (realpath (path, out) == NULL)
    fail ("realpath %s: %s", path, strerror (errno));
  slash = strrchr (out, '/');
  if (slash == NULL || slash == out)
    fail ("'%s' has no folder", out);
  *slash = '\0';
}

/* ---- reading -------------------------------------------------------- */

struct readout {
  int done;                   /* read through without an error */
  uint64_t digest;
};

static uint64_t
fnv (uint64_t h, const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static void
read_through (struct vhd_chain *c, uint8_t *buf, struct readout *r)
{
  struct fg_err e = FG_ERR_INIT;
  uint64_t size = vhd_chain_size (c), cap = size < READ_CAP ? size : READ_CAP;
  unsigned zero_checks = 0;

  r->done = 0;
  r->digest = 0xcbf29ce484222325ull;
  for (uint64_t off = 0; off < cap; off += CHUNK) {
    size_t n = cap - off < CHUNK ? (size_t) (cap - off) : CHUNK;
    if (!vhd_chain_may_have_data (c, off, n)) {
      if (zero_checks++ >= ZERO_CHECKS)
        continue;
      memset (buf, 0xa5, n);
      if (vhd_chain_read (c, buf, off, n, &e) < 0)
        fail ("empty range at %llu does not read: %s",
              (unsigned long long) off, e.msg);
      for (size_t i = 0; i < n; i++)
        if (buf[i])
          fail ("empty range at %llu reads 0x%02x at %zu",
                (unsigned long long) off, buf[i], i);
      continue;
    }
    if (vhd_chain_read (c, buf, off, n, &e) < 0) {
      if (e.kind == FG_E_NONE || e.msg[0] == '\0')
        fail ("a read failure must say why");
      check_printable ("a read error", e.msg);
      return;
    }
    r->digest = fnv (r->digest, (const uint8_t *) &off, sizeof off);
    r->digest = fnv (r->digest, buf, n);
  }
  /* Unaligned, across a sector and maybe a block boundary. */
  if (size > 1000) {
    uint64_t off = (size - 1000) / 3 | 1;
    if (vhd_chain_read (c, buf, off, 999, &e) < 0) {
      check_printable ("a read error", e.msg);
      return;
    }
    r->digest = fnv (r->digest, buf, 999);
  }
  r->done = 1;
}

/* ---- one open -------------------------------------------------------- */

struct ctx {
  char root[PATH_MAX];        /* real path of the private folder */
  char child[PATH_MAX + 16];
  char outside[PATH_MAX + 16];
  char climb[PATH_MAX + 16];  /* ROOT/in/../ */
  char file[MAX_FILES][PATH_MAX + 32];
  size_t nfiles;
};

struct outcome {
  int ok;
  size_t depth;
  char real[VHD_MAX_CHAIN_READ + 1][PATH_MAX];
  struct readout r;
};

static void
check_chain (const struct ctx *x, struct vhd_chain *c,
             const char *const *parents, size_t nparents, struct outcome *o)
{
  size_t depth = vhd_chain_depth (c);

  if (depth < 1 || depth > VHD_MAX_CHAIN_READ)
    fail ("chain of depth %zu", depth);
  o->depth = depth;
  for (size_t l = 0; l < depth; l++) {
    const struct vhd_footer *f = vhd_chain_footer (c, l);
    const struct vhd_header *h = vhd_chain_header (c, l);
    const char *path = vhd_chain_path (c, l);

    if (f == NULL || path == NULL)
      fail ("level %zu has no footer or path", l);
    if (realpath (path, o->real[l]) == NULL)
      fail ("level %zu: '%s' does not exist: %s", l, path, strerror (errno));
    if ((f->disk_type == VHD_TYPE_FIXED) != (h == NULL))
      fail ("level %zu: type %u with%s a dynamic header", l,
            (unsigned) f->disk_type, h ? "" : "out");
    if (l + 1 < depth && f->disk_type != VHD_TYPE_DIFF)
      fail ("level %zu of %zu is %s, not differencing", l, depth,
            vhd_disk_type_name (f->disk_type));
    if (l + 1 == depth && f->disk_type == VHD_TYPE_DIFF)
      fail ("the last level (%zu) is a differencing disk", l);
    if (l > 0) {
      const struct vhd_header *ch = vhd_chain_header (c, l - 1);
      const struct vhd_footer *cf = vhd_chain_footer (c, l - 1);
      if (memcmp (ch->parent_uuid, f->uuid, 16) != 0)
        fail ("level %zu's UUID is not the one level %zu names", l, l - 1);
      if (f->current_size > cf->current_size)
        fail ("level %zu (%llu bytes) is larger than its child (%llu)", l,
              (unsigned long long) f->current_size,
              (unsigned long long) cf->current_size);
      if (l <= nparents) {
        char want[PATH_MAX];
        if (realpath (parents[l - 1], want) == NULL ||
            strcmp (want, o->real[l]) != 0)
          fail ("level %zu is '%s', not the parent given, '%s'", l,
                o->real[l], parents[l - 1]);
      } else {
        /* Found through a locator of level l - 1. */
        char dir[PATH_MAX];
        real_dirname (vhd_chain_path (c, l - 1), dir);
        if (!inside (dir, o->real[l]))
          fail ("level %zu, '%s', found through a locator, is outside its "
                "child's folder '%s'", l, o->real[l], dir);
        if (strcmp (o->real[l], x->outside) == 0)
          fail ("outside.vhd opened through a locator");
      }
    }
  }
  if (vhd_chain_size (c) != vhd_chain_footer (c, 0)->current_size)
    fail ("chain size is not the leaf's");
  for (size_t l = 0; l < depth; l++) {
    (void) vhd_chain_allocated_blocks (c, l);
    (void) vhd_chain_file_size (c, l);
  }
}

static void
open_one (const struct ctx *x, const char *const *parents, size_t nparents,
          uint8_t *buf, struct outcome *o)
{
  struct vhd_chain *c = NULL;
  struct fg_err e = FG_ERR_INIT;

  o->ok = 0;
  if (vhd_chain_open (&c, x->child, parents, nparents, &e) < 0) {
    if (e.kind == FG_E_NONE || e.msg[0] == '\0')
      fail ("a failure must say why");
    check_printable ("an error message", e.msg);
    check_printable ("an error hint", e.hint);
    if (nparents == 0 && (strstr (e.msg, x->outside) ||
                          strstr (e.msg, x->climb)))
      fail ("the message names a host path outside the child's folder: %s",
            e.msg);
    if (getenv ("FUZZ_VERBOSE"))
      fprintf (stderr, "fuzz_vhd_chain: %zu parents: %s error: %s\n",
               nparents, fg_err_kind_name (e.kind), e.msg);
    return;
  }
  check_chain (x, c, parents, nparents, o);
  read_through (c, buf, &o->r);
  vhd_chain_close (c);
  o->ok = 1;
  if (getenv ("FUZZ_VERBOSE"))
    fprintf (stderr, "fuzz_vhd_chain: %zu parents: chain of %zu%s\n",
             nparents, o->depth, o->r.done ? ", read through" : "");
}

/* ---- checksums ----------------------------------------------------- */

/* As fuzz_vhd: re-encode, through the codec, the footers and header that
 * still have their cookies, so that mutated fields get past the checksum
 * checks. */
static int
fix_checksums (uint8_t *img, size_t size)
{
  struct vhd_footer f;
  struct vhd_header h;
  uint8_t *tail;
  int fixed = 0;

  if (size < VHD_FOOTER_SIZE)
    return 0;
  tail = img + size - VHD_FOOTER_SIZE;
  vhd_footer_decode (tail, &f);
  if (f.cookie_ok && !f.checksum_ok) {
    vhd_footer_encode (&f, tail);
    fixed = 1;
  }
  if (size >= 2 * VHD_FOOTER_SIZE) {
    struct vhd_footer head;
    vhd_footer_decode (img, &head);
    if (head.cookie_ok && !head.checksum_ok) {
      vhd_footer_encode (&head, img);
      fixed = 1;
    }
    if (!f.cookie_ok)
      f = head;
  }
  if (f.cookie_ok && f.disk_type != VHD_TYPE_FIXED &&
      f.data_offset <= size && size - f.data_offset >= VHD_HEADER_SIZE) {
    vhd_header_decode (img + f.data_offset, &h);
    if (h.cookie_ok && !h.checksum_ok) {
      vhd_header_encode (&h, img + f.data_offset);
      fixed = 1;
    }
  }
  return fixed;
}

/* ---- one run ------------------------------------------------------- */

/* When two opens gave the same files, they read the same bytes. */
static void
same_reads (const struct outcome *a, const struct outcome *b)
{
  if (!a->ok || !b->ok || !a->r.done || !b->r.done || a->depth != b->depth)
    return;
  for (size_t l = 0; l < a->depth; l++)
    if (strcmp (a->real[l], b->real[l]) != 0)
      return;
  if (a->r.digest != b->r.digest)
    fail ("the same chain of %zu files reads differently with and without "
          "explicit parents", a->depth);
}

static void
one_run (const struct seg *seg, size_t nseg, uint8_t *buf)
{
  static struct outcome a, b;
  struct ctx x;
  char tmpl[] = "/tmp/fuzz_vhd_chain.XXXXXX", path[PATH_MAX + 64];
  const char *parents[MAX_FILES - 1];

  if (mkdtemp (tmpl) == NULL)
    fail ("mkdtemp: %s", strerror (errno));
  snprintf (live_folder, sizeof live_folder, "%s", tmpl);
  if (realpath (tmpl, x.root) == NULL)
    fail ("realpath %s: %s", tmpl, strerror (errno));
  snprintf (path, sizeof path, "%s/in", x.root);
  if (mkdir (path, 0700) < 0)
    fail ("mkdir %s: %s", path, strerror (errno));
  snprintf (path, sizeof path, "%s/in/sub", x.root);
  if (mkdir (path, 0700) < 0)
    fail ("mkdir %s: %s", path, strerror (errno));
  for (size_t i = 0; i < NLINKS; i++) {
    snprintf (path, sizeof path, "%s/%s", x.root, link_name[i][0]);
    if (symlink (link_name[i][1], path) < 0)
      fail ("symlink %s: %s", path, strerror (errno));
  }
  x.nfiles = nseg;
  for (size_t i = 0; i < nseg; i++) {
    snprintf (x.file[i], sizeof x.file[i], "%s/%s", x.root, file_name[i]);
    write_file (x.file[i], seg[i].p, seg[i].len);
  }
  snprintf (x.child, sizeof x.child, "%s/in/c.vhd", x.root);
  snprintf (x.outside, sizeof x.outside, "%s/outside.vhd", x.root);
  snprintf (x.climb, sizeof x.climb, "%s/in/../", x.root);

  open_one (&x, NULL, 0, buf, &a);
  for (size_t i = 1; i < nseg; i++)
    parents[i - 1] = x.file[i];
  /* p.vhd given, the rest through its locators; then every file given. */
  if (nseg > 1) {
    open_one (&x, parents, 1, buf, &b);
    same_reads (&a, &b);
  }
  if (nseg > 2) {
    open_one (&x, parents, nseg - 1, buf, &b);
    same_reads (&a, &b);
  }

  /* Remove exactly what was made: a file the reader made would keep a
   * folder from going. */
  for (size_t i = 0; i < nseg; i++)
    if (unlink (x.file[i]) < 0)
      fail ("unlink %s: %s", x.file[i], strerror (errno));
  for (size_t i = 0; i < NLINKS; i++) {
    snprintf (path, sizeof path, "%s/%s", x.root, link_name[i][0]);
    if (unlink (path) < 0)
      fail ("unlink %s: %s", path, strerror (errno));
  }
  snprintf (path, sizeof path, "%s/in/sub", x.root);
  if (rmdir (path) < 0)
    fail ("rmdir %s: %s", path, strerror (errno));
  snprintf (path, sizeof path, "%s/in", x.root);
  if (rmdir (path) < 0)
    fail ("rmdir %s: %s", path, strerror (errno));
  if (rmdir (x.root) < 0)
    fail ("rmdir %s: %s", x.root, strerror (errno));
  live_folder[0] = '\0';
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static uint8_t *buf;
  struct seg seg[MAX_FILES];
  size_t nseg;
  uint8_t *copy;
  int fixed = 0;

  if (buf == NULL && (buf = malloc (CHUNK)) == NULL)
    fail ("out of memory");
  nseg = split (data, size, seg);
  one_run (seg, nseg, buf);
  copy = malloc (size ? size : 1);
  if (copy == NULL)
    fail ("out of memory");
  memcpy (copy, data, size);
  for (size_t i = 0; i < nseg; i++) {
    seg[i].p = copy + (seg[i].p - data);
    fixed |= fix_checksums ((uint8_t *) seg[i].p, seg[i].len);
  }
  if (fixed)
    one_run (seg, nseg, buf);
  free (copy);
  return 0;
}
