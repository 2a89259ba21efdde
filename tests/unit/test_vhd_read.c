/* tests/unit/test_vhd_read.c --- the VHD reader against files the writer made
 *
 * Small disks are written into a private temporary folder with
 * vhd_writer_*, read back with vhd_chain_* and compared with what the test
 * computed itself; then copies are damaged one field at a time and each
 * must be refused with one FG_E_INPUT error that names the file and the
 * field.  Chains are modelled sector by sector (data + "present" flag per
 * level) so that the expected bytes do not come from the code under test.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/vhd.h"
#include "convert/vhd_write.h"
#include "util/endian.h"
#include "tests/unit/tap.h"

#define BS VHD_BLOCK_SIZE
#define SPB (BS / VHD_SECTOR)
/* VHD.md section 1: the footer's timestamp, changed to make a checksum
 * stale without touching anything the reader checks first. */
#define FOOTER_TIMESTAMP_OFF 24
/* VHD.md section 4: the header's block size field. */
#define HEADER_BLOCK_SIZE_OFF 32

static char tmpdir[256];

static const char *
tpath (char *buf, const char *name)
{
  snprintf (buf, PATH_MAX, "%s/%s", tmpdir, name);
  return buf;
}

/* ---- files ------------------------------------------------------------ */

static uint8_t *
slurp (const char *path, size_t *len)
{
  struct stat st;
  uint8_t *buf;
  int fd = open (path, O_RDONLY);

  if (fd < 0 || fstat (fd, &st) < 0) {
    printf ("# cannot read %s: %s\n", path, strerror (errno));
    exit (1);
  }
  buf = malloc ((size_t) st.st_size + 1);
  if (buf == NULL || pread (fd, buf, (size_t) st.st_size, 0) != st.st_size) {
    printf ("# cannot read %s\n", path);
    exit (1);
  }
  close (fd);
  *len = (size_t) st.st_size;
  return buf;
}

static void
spit (const char *path, const uint8_t *buf, size_t len)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  if (fd < 0 || write (fd, buf, len) != (ssize_t) len || close (fd) < 0) {
    printf ("# cannot write %s: %s\n", path, strerror (errno));
    exit (1);
  }
}

static void
remove_tree (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  char p[PATH_MAX];

  if (d == NULL)
    return;
  while ((de = readdir (d)) != NULL) {
    if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
      continue;
    snprintf (p, sizeof p, "%s/%s", dir, de->d_name);
    if (unlink (p) < 0 && errno == EISDIR)
      remove_tree (p);
  }
  closedir (d);
  rmdir (dir);
}

/* ---- a model of what each level holds --------------------------------- */

struct model {
  uint64_t size;
  uint8_t *data;
  uint8_t *present;       /* one flag per sector */
};

static void
model_init (struct model *m, uint64_t size)
{
  m->size = size;
  m->data = calloc (1, size + BS);
  m->present = calloc (1, size / VHD_SECTOR + SPB);
}

static void
model_free (struct model *m)
{
  free (m->data);
  free (m->present);
}

/* Non-zero bytes that differ per seed, block and sector. */
static void
pattern (uint8_t *buf, uint32_t seed, uint32_t idx, uint64_t size)
{
  uint64_t base = (uint64_t) idx * BS;

  for (uint32_t i = 0; i < BS; i++) {
    uint32_t s = i / VHD_SECTOR;
    buf[i] = base + i < size
      ? (uint8_t) (1 + (seed * 31 + idx * 7 + s * 3 + (i & 63)) % 255) : 0;
  }
}

/* Bitmap with sectors [a, b) of each pair set. */
static void
make_bitmap (uint8_t bm[SPB / 8], const uint32_t *ranges, size_t n)
{
  memset (bm, 0, SPB / 8);
  for (size_t k = 0; k + 1 < n; k += 2)
    for (uint32_t s = ranges[k]; s < ranges[k + 1]; s++)
      vhd_bit_set (bm, s);
}

static int
put_full (struct vhd_writer *w, struct model *m, uint32_t idx, uint32_t seed,
          int zero)
{
  uint8_t *buf = malloc (BS);
  struct fg_err e = FG_ERR_INIT;
  int rc;

  if (zero)
    memset (buf, 0, BS);
  else
    pattern (buf, seed, idx, m->size);
  rc = vhd_writer_put_block (w, idx, buf, &e);
  if (rc < 0)
    printf ("# put_block: %s\n", e.msg);
  memcpy (m->data + (uint64_t) idx * BS, buf, BS);
  memset (m->present + (uint64_t) idx * SPB, 1, SPB);
  free (buf);
  return rc;
}

static int
put_part (struct vhd_writer *w, struct model *m, uint32_t idx, uint32_t seed,
          const uint32_t *ranges, size_t n)
{
  uint8_t *buf = malloc (BS), bm[SPB / 8];
  struct fg_err e = FG_ERR_INIT;
  int rc;

  pattern (buf, seed, idx, m->size);
  make_bitmap (bm, ranges, n);
  rc = vhd_writer_put_sectors (w, idx, buf, bm, &e);
  if (rc < 0)
    printf ("# put_sectors: %s\n", e.msg);
  for (uint32_t s = 0; s < SPB; s++)
    if (vhd_bit_test (bm, s)) {
      uint64_t off = (uint64_t) idx * BS + (uint64_t) s * VHD_SECTOR;
      memcpy (m->data + off, buf + (size_t) s * VHD_SECTOR, VHD_SECTOR);
      m->present[off / VHD_SECTOR] = 1;
    }
  free (buf);
  return rc;
}

/* The leaf's expected bytes: lower levels first, each upper level's
 * present sectors on top; nothing past a level's size. */
static uint8_t *
expected (struct model *const *levels, size_t n, uint64_t size)
{
  uint8_t *out = calloc (1, size);

  for (size_t k = n; k-- > 0;) {
    const struct model *m = levels[k];
    uint64_t secs = (m->size < size ? m->size : size) / VHD_SECTOR;
    for (uint64_t s = 0; s < secs; s++)
      if (m->present[s])
        memcpy (out + s * VHD_SECTOR, m->data + s * VHD_SECTOR, VHD_SECTOR);
  }
  return out;
}

static struct vhd_writer *
writer (const char *name, enum vhd_write_kind kind, uint64_t size,
        const char *parent, const uint8_t *uuid, int hidden)
{
  struct vhd_writer_opts o = { 0 };
  struct vhd_writer *w = NULL;
  struct fg_err e = FG_ERR_INIT;
  char p[PATH_MAX], pp[PATH_MAX];

  o.kind = kind;
  o.size = size;
  o.replace = 1;
  o.uuid = uuid;
  o.hidden = hidden;
  o.parent_path = parent ? tpath (pp, parent) : NULL;
  if (vhd_writer_open (&w, tpath (p, name), &o, &e) < 0)
    printf ("# writer_open %s: %s\n", name, e.msg);
  return w;
}

static int
finish (struct vhd_writer *w)
{
  struct fg_err e = FG_ERR_INIT;

  if (w == NULL)
    return -1;
  if (vhd_writer_finish (w, NULL, &e) < 0) {
    printf ("# writer_finish: %s\n", e.msg);
    return -1;
  }
  return 0;
}

/* A plain dynamic disk with nothing in it. */
static int
make_empty (const char *name, uint64_t size, const uint8_t *uuid)
{
  return finish (writer (name, VHD_WRITE_DYNAMIC, size, NULL, uuid, 0));
}

static int
make_diff (const char *name, const char *parent, uint64_t size,
           const uint8_t *uuid)
{
  return finish (writer (name, VHD_WRITE_DIFF, size, parent, uuid, 0));
}

/* Re-encode the footer into both copies, checksums fixed. */
static void
put_footers (uint8_t *img, size_t len, struct vhd_footer *f)
{
  vhd_footer_encode (f, img + len - VHD_FOOTER_SIZE);
  if (f->disk_type != VHD_TYPE_FIXED)
    memcpy (img, img + len - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE);
}

/* The writer rounds sizes up to 2 MiB as vhd-util does; other tools do
 * not, so a smaller size is patched into NAME's footers. */
static void
set_size (const char *name, uint64_t size)
{
  char p[PATH_MAX];
  size_t len;
  uint8_t *img = slurp (tpath (p, name), &len);
  struct vhd_footer f;

  vhd_footer_decode (img + len - VHD_FOOTER_SIZE, &f);
  f.current_size = f.original_size = size;
  put_footers (img, len, &f);
  spit (p, img, len);
  free (img);
}

/* ---- reading back ----------------------------------------------------- */

static struct vhd_chain *
open_ok (const char *name, const char *const *parents, size_t n)
{
  struct vhd_chain *c = NULL;
  struct fg_err e = FG_ERR_INIT;
  char p[PATH_MAX];

  if (vhd_chain_open (&c, tpath (p, name), parents, n, &e) < 0) {
    printf ("#   open %s: %s\n", name, e.msg);
    tap_cur_failed = 1;
  }
  return c;
}

/* Read the whole disk in pieces of STEP bytes (not sector-aligned, to
 * cross block and bitmap-run boundaries anywhere) and compare. */
static void
check_content (struct vhd_chain *c, const uint8_t *want, uint64_t size,
               size_t step)
{
  uint8_t *got = malloc (size);
  struct fg_err e = FG_ERR_INIT;

  for (uint64_t off = 0; off < size; off += step) {
    size_t n = size - off < step ? (size_t) (size - off) : step;
    if (vhd_chain_read (c, got + off, off, n, &e) < 0) {
      printf ("#   read at %" PRIu64 ": %s\n", off, e.msg);
      tap_cur_failed = 1;
      break;
    }
  }
  CHECK_MEM (got, want, size);
  free (got);
}

/* Open NAME and expect one FG_E_INPUT error mentioning each of the
 * needles (NULL-terminated). */
static void
expect_fail_kind (const char *name, const char *const *parents, size_t n,
                  enum fg_errkind kind, const char *const *needles)
{
  struct vhd_chain *c = (struct vhd_chain *) 1;
  struct fg_err e = FG_ERR_INIT;
  char p[PATH_MAX];

  CHECK_INT (vhd_chain_open (&c, tpath (p, name), parents, n, &e), -1);
  CHECK (c == NULL);
  CHECK_INT (e.kind, kind);
  for (size_t i = 0; needles[i]; i++)
    CHECK_CONTAINS (e.msg, needles[i]);
  printf ("#   %s: %s%s%s\n", name, e.msg, e.hint[0] ? " / hint: " : "",
          e.hint);
  if (c != NULL && c != (struct vhd_chain *) 1)
    vhd_chain_close (c);
}

#define EXPECT_FAIL(name, ...)                                          \
  expect_fail_kind (name, NULL, 0, FG_E_INPUT,                          \
                    (const char *const[]) { __VA_ARGS__, NULL })

/* ---- tests: content --------------------------------------------------- */

static void
test_dynamic_roundtrip (void)
{
  const uint64_t size = 2 * (uint64_t) BS + 1536;  /* last block partial */
  struct model m;
  struct vhd_writer *w;
  struct vhd_chain *c;
  struct model *lv[1] = { &m };
  uint8_t *want, *before, *after;
  size_t blen, alen;
  char p[PATH_MAX];
  struct stat st;

  model_init (&m, size);
  w = writer ("dyn.vhd", VHD_WRITE_DYNAMIC, size, NULL, NULL, 0);
  CHECK_U64 (vhd_writer_size (w), 3 * (uint64_t) BS);
  CHECK (w != NULL);
  if (w == NULL)
    return;
  CHECK_INT (put_full (w, &m, 2, 1, 0), 0);    /* out of order */
  CHECK_INT (put_full (w, &m, 1, 0, 1), 0);    /* zeros: not allocated */
  CHECK_INT (put_full (w, &m, 0, 2, 0), 0);
  CHECK_INT (vhd_writer_allocated (w), 2);
  CHECK_INT (finish (w), 0);
  set_size ("dyn.vhd", size);
  want = expected (lv, 1, size);
  before = slurp (tpath (p, "dyn.vhd"), &blen);

  c = open_ok ("dyn.vhd", NULL, 0);
  if (c) {
    CHECK_U64 (vhd_chain_size (c), size);
    CHECK_INT (vhd_chain_depth (c), 1);
    CHECK_STR (vhd_chain_path (c, 0), tpath (p, "dyn.vhd"));
    CHECK (vhd_chain_path (c, 1) == NULL);
    CHECK_U64 (vhd_chain_footer (c, 0)->disk_type, VHD_TYPE_DYNAMIC);
    CHECK (vhd_chain_header (c, 0) != NULL);
    CHECK_U64 (vhd_chain_header (c, 0)->block_size, BS);
    CHECK_INT (vhd_chain_allocated_blocks (c, 0), 2);
    CHECK (stat (p, &st) == 0);
    CHECK_U64 (vhd_chain_file_size (c, 0), st.st_size);
    CHECK_INT (vhd_chain_may_have_data (c, 0, 512), 1);
    CHECK_INT (vhd_chain_may_have_data (c, BS, BS), 0);
    CHECK_INT (vhd_chain_may_have_data (c, BS + 100, 100), 0);
    CHECK_INT (vhd_chain_may_have_data (c, BS + 100, BS), 1);
    check_content (c, want, size, size);
    check_content (c, want, size, 3 * VHD_SECTOR + 17);
    check_content (c, want, size, BS);
    vhd_chain_close (c);
  }
  /* The reader never writes. */
  after = slurp (p, &alen);
  CHECK_U64 (alen, blen);
  CHECK_MEM (after, before, blen);
  free (before);
  free (after);
  free (want);
  model_free (&m);
}

static void
test_fixed_roundtrip (void)
{
  const uint64_t size = 2 * (uint64_t) BS;
  struct model m;
  struct model *lv[1] = { &m };
  struct vhd_writer *w;
  struct vhd_chain *c;
  uint8_t *want;

  model_init (&m, size);
  w = writer ("fixed.vhd", VHD_WRITE_FIXED, size, NULL, NULL, 0);
  CHECK (w != NULL);
  if (w == NULL)
    return;
  CHECK_INT (put_full (w, &m, 1, 5, 0), 0);
  CHECK_INT (put_full (w, &m, 0, 6, 0), 0);
  CHECK_INT (finish (w), 0);
  want = expected (lv, 1, size);
  c = open_ok ("fixed.vhd", NULL, 0);
  if (c) {
    CHECK_U64 (vhd_chain_size (c), size);
    CHECK_U64 (vhd_chain_footer (c, 0)->disk_type, VHD_TYPE_FIXED);
    CHECK (vhd_chain_header (c, 0) == NULL);
    CHECK_INT (vhd_chain_allocated_blocks (c, 0), 2);
    CHECK_U64 (vhd_chain_file_size (c, 0), size + VHD_FOOTER_SIZE);
    CHECK_INT (vhd_chain_may_have_data (c, BS, 512), 1);
    check_content (c, want, size, size);
    check_content (c, want, size, 4099);
    vhd_chain_close (c);
  }
  free (want);
  model_free (&m);
}

/* base (dynamic, 3 blocks) <- mid (differencing, 4 blocks, larger) <- leaf */
static const uint64_t base_size = 3 * (uint64_t) BS;
static const uint64_t top_size = 4 * (uint64_t) BS;

static int
make_chain3 (struct model *base, struct model *mid, struct model *leaf)
{
  static const uint32_t mid0[] = { 0, 10, 100, 201, 4095, 4096 };
  static const uint32_t mid1[] = { 5, 8 };
  static const uint32_t leaf0[] = { 0, 4, 150, 160 };
  static const uint32_t leaf2[] = { 1, 2, 7, 4000 };
  static const uint32_t leaf3[] = { 0, 1 };
  struct vhd_writer *w;
  int rc = 0;

  model_init (base, base_size);
  model_init (mid, top_size);
  model_init (leaf, top_size);
  w = writer ("base.vhd", VHD_WRITE_DYNAMIC, base_size, NULL, NULL, 1);
  if (w == NULL)
    return -1;
  rc |= put_full (w, base, 0, 10, 0);
  rc |= put_full (w, base, 2, 11, 0);
  rc |= finish (w);
  w = writer ("mid.vhd", VHD_WRITE_DIFF, top_size, "base.vhd", NULL, 1);
  if (w == NULL)
    return -1;
  rc |= put_part (w, mid, 0, 20, mid0, 6);   /* over base data */
  rc |= put_part (w, mid, 1, 21, mid1, 2);   /* over nothing */
  rc |= put_full (w, mid, 3, 22, 0);         /* past the base's size */
  rc |= finish (w);
  w = writer ("leaf.vhd", VHD_WRITE_DIFF, top_size, "mid.vhd", NULL, 0);
  if (w == NULL)
    return -1;
  rc |= put_part (w, leaf, 0, 30, leaf0, 4);
  rc |= put_part (w, leaf, 2, 31, leaf2, 4);  /* over base, not mid */
  rc |= put_part (w, leaf, 3, 32, leaf3, 2);
  rc |= finish (w);
  return rc;
}

static void
test_chain3 (void)
{
  struct model base, mid, leaf;
  struct model *lv[3] = { &leaf, &mid, &base };
  struct vhd_chain *c;
  uint8_t *want;
  char p[PATH_MAX], q[PATH_MAX];

  CHECK_INT (make_chain3 (&base, &mid, &leaf), 0);
  want = expected (lv, 3, top_size);
  c = open_ok ("leaf.vhd", NULL, 0);
  if (c) {
    CHECK_INT (vhd_chain_depth (c), 3);
    CHECK_U64 (vhd_chain_size (c), top_size);
    CHECK_STR (vhd_chain_path (c, 1), tpath (p, "mid.vhd"));
    CHECK_STR (vhd_chain_path (c, 2), tpath (p, "base.vhd"));
    CHECK_U64 (vhd_chain_footer (c, 0)->disk_type, VHD_TYPE_DIFF);
    CHECK_U64 (vhd_chain_footer (c, 2)->disk_type, VHD_TYPE_DYNAMIC);
    CHECK_INT (vhd_chain_allocated_blocks (c, 0), 3);
    CHECK_INT (vhd_chain_allocated_blocks (c, 1), 3);
    CHECK_INT (vhd_chain_allocated_blocks (c, 2), 2);
    CHECK_INT (vhd_chain_may_have_data (c, BS, BS), 1);  /* mid only */
    check_content (c, want, top_size, top_size);
    check_content (c, want, top_size, 7 * VHD_SECTOR + 13);
    check_content (c, want, top_size, 100);
    vhd_chain_close (c);
  }
  free (want);

  /* The middle level alone: its own view of the chain. */
  lv[0] = &mid;
  lv[1] = &base;
  want = expected (lv, 2, top_size);
  c = open_ok ("mid.vhd", NULL, 0);
  if (c) {
    CHECK_INT (vhd_chain_depth (c), 2);
    check_content (c, want, top_size, 65536 + 1);
    vhd_chain_close (c);
  }
  free (want);

  /* Explicit parents name other files than the locators do: they win. */
  lv[0] = &leaf;
  lv[1] = &mid;
  want = expected (lv, 3, top_size);
  CHECK (link (tpath (p, "mid.vhd"), tpath (q, "mid-copy.vhd")) == 0);
  {
    const char *parents[2] = { q, NULL };
    char b[PATH_MAX];
    parents[1] = tpath (b, "base.vhd");
    c = open_ok ("leaf.vhd", parents, 2);
    if (c) {
      CHECK_STR (vhd_chain_path (c, 1), q);
      check_content (c, want, top_size, top_size);
      vhd_chain_close (c);
    }
    /* Only the first given: the rest through the locators. */
    c = open_ok ("leaf.vhd", parents, 1);
    if (c) {
      CHECK_STR (vhd_chain_path (c, 1), q);
      CHECK_STR (vhd_chain_path (c, 2), b);
      vhd_chain_close (c);
    }
  }
  free (want);
  model_free (&base);
  model_free (&mid);
  model_free (&leaf);
}

static void
test_read_errors (void)
{
  struct vhd_chain *c;
  struct fg_err e = FG_ERR_INIT;
  uint8_t buf[1024];

  CHECK_INT (make_empty ("small.vhd", 4096, NULL), 0);
  set_size ("small.vhd", 4096);
  c = open_ok ("small.vhd", NULL, 0);
  if (c == NULL)
    return;
  CHECK_U64 (vhd_chain_size (c), 4096);
  CHECK_INT (vhd_chain_read (c, buf, 3072 + 1, sizeof buf, &e), -1);
  CHECK_INT (e.kind, FG_E_INTERNAL);
  CHECK_CONTAINS (e.msg, "small.vhd'");
  CHECK_INT (vhd_chain_read (c, buf, UINT64_MAX - 1, 2, &e), -1);
  CHECK_INT (vhd_chain_read (c, buf, 4096, 0, &e), 0);
  CHECK_INT (vhd_chain_may_have_data (c, 0, 4096), 0);
  CHECK_INT (vhd_chain_may_have_data (c, 4096, 0), 0);
  memset (buf, 0xaa, sizeof buf);
  CHECK_INT (vhd_chain_read (c, buf, 3072, 1024, &e), 0);
  CHECK_INT (buf[0] | buf[1023], 0);
  vhd_chain_close (c);
}

/* ---- tests: damaged files --------------------------------------------- */

/* The two-block dynamic disk every corruption starts from. */
static uint8_t *
good_dynamic (size_t *len, struct vhd_footer *f, struct vhd_header *h)
{
  static int made;
  struct model m;
  char p[PATH_MAX];
  uint8_t *img;

  if (!made) {
    struct vhd_writer *w;
    model_init (&m, 2 * (uint64_t) BS);
    w = writer ("good.vhd", VHD_WRITE_DYNAMIC, 2 * (uint64_t) BS, NULL, NULL,
                0);
    if (w == NULL || put_full (w, &m, 0, 1, 0) < 0 ||
        put_full (w, &m, 1, 2, 0) < 0 || finish (w) < 0)
      exit (1);
    model_free (&m);
    made = 1;
  }
  img = slurp (tpath (p, "good.vhd"), len);
  vhd_footer_decode (img + *len - VHD_FOOTER_SIZE, f);
  vhd_header_decode (img + f->data_offset, h);
  return img;
}

static uint32_t
bat_get (const uint8_t *img, const struct vhd_header *h, uint32_t i)
{
  return fg_be32dec (img + h->table_offset + (uint64_t) i * 4);
}

static void
bat_set (uint8_t *img, const struct vhd_header *h, uint32_t i, uint32_t v)
{
  fg_be32enc (img + h->table_offset + (uint64_t) i * 4, v);
}

static void
test_bad_footer_checksum (void)
{
  struct vhd_footer f;
  struct vhd_header h;
  size_t len;
  uint8_t *img = good_dynamic (&len, &f, &h);
  char p[PATH_MAX];
  struct vhd_chain *c;

  /* Only the trailing footer: the copy at offset 0 takes over. */
  img[len - VHD_FOOTER_SIZE + FOOTER_TIMESTAMP_OFF] ^= 0x40;
  spit (tpath (p, "tailbad.vhd"), img, len);
  c = open_ok ("tailbad.vhd", NULL, 0);
  if (c) {
    uint8_t b[512];
    struct fg_err e = FG_ERR_INIT;
    CHECK_U64 (vhd_chain_size (c), 2 * (uint64_t) BS);
    CHECK_INT (vhd_chain_read (c, b, BS, sizeof b, &e), 0);
    CHECK_MEM (b, img + (uint64_t) bat_get (img, &h, 1) * VHD_SECTOR
               + VHD_SECTOR, sizeof b);
    vhd_chain_close (c);
  }
  /* Both copies. */
  img[FOOTER_TIMESTAMP_OFF] ^= 0x40;
  spit (tpath (p, "footbad.vhd"), img, len);
  EXPECT_FAIL ("footbad.vhd", "'", "footbad.vhd': footer: checksum");
  /* No cookie anywhere: not a VHD. */
  memset (img, 0, VHD_FOOTER_SIZE);
  memset (img + len - VHD_FOOTER_SIZE, 0, VHD_FOOTER_SIZE);
  spit (tpath (p, "nocookie.vhd"), img, len);
  EXPECT_FAIL ("nocookie.vhd", "nocookie.vhd': footer: no 'conectix'");
  free (img);
}

static void
test_bad_header (void)
{
  struct vhd_footer f;
  struct vhd_header h;
  size_t len;
  uint8_t *img = good_dynamic (&len, &f, &h);
  char p[PATH_MAX];
  struct vhd_header h2;

  /* Stale checksum. */
  img[f.data_offset + HEADER_BLOCK_SIZE_OFF + 3] ^= 1;
  spit (tpath (p, "hdrsum.vhd"), img, len);
  EXPECT_FAIL ("hdrsum.vhd", "hdrsum.vhd': dynamic header: checksum");
  free (img);

  /* Absurd block sizes, checksum valid. */
  img = good_dynamic (&len, &f, &h);
  h2 = h;
  h2.block_size = 3u << 20;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "bs3m.vhd"), img, len);
  EXPECT_FAIL ("bs3m.vhd", "bs3m.vhd': dynamic header: block size 3145728");
  h2.block_size = 4u << 20;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "bs4m.vhd"), img, len);
  EXPECT_FAIL ("bs4m.vhd", "bs4m.vhd': dynamic header: block size 4194304");
  h2.block_size = 256;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "bs256.vhd"), img, len);
  EXPECT_FAIL ("bs256.vhd", "bs256.vhd': dynamic header: block size 256");

  /* Too few BAT entries for the disk. */
  h2 = h;
  h2.max_table_entries = 1;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "fewbat.vhd"), img, len);
  EXPECT_FAIL ("fewbat.vhd", "fewbat.vhd': dynamic header: 1 BAT entries");

  /* BAT past the end, and BAT on top of the header. */
  h2 = h;
  h2.table_offset = (uint64_t) len;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "batfar.vhd"), img, len);
  EXPECT_FAIL ("batfar.vhd", "batfar.vhd': dynamic header: BAT",
               "runs past the trailing footer");
  h2.table_offset = 1024;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "batover.vhd"), img, len);
  EXPECT_FAIL ("batover.vhd", "batover.vhd': dynamic header: BAT at offset "
               "1024", "overlaps the dynamic header");
  h2.table_offset = UINT64_MAX - 511;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "batwrap.vhd"), img, len);
  EXPECT_FAIL ("batwrap.vhd", "batwrap.vhd': dynamic header: BAT");

  /* No header cookie. */
  memcpy (img + f.data_offset, "cxsparsX", 8);
  spit (tpath (p, "nohdr.vhd"), img, len);
  EXPECT_FAIL ("nohdr.vhd", "nohdr.vhd': dynamic header at offset 512");
  free (img);
}

static void
test_bad_footer_fields (void)
{
  struct vhd_footer f, f2;
  struct vhd_header h;
  size_t len;
  uint8_t *img = good_dynamic (&len, &f, &h);
  char p[PATH_MAX];

  f2 = f;
  f2.current_size = 3ull << 40;     /* 3 TiB: past the VHD limit */
  put_footers (img, len, &f2);
  spit (tpath (p, "huge.vhd"), img, len);
  EXPECT_FAIL ("huge.vhd", "huge.vhd': footer: disk size 3298534883328");

  f2 = f;
  f2.current_size = 100ull << 30;   /* valid size, BAT far too small */
  put_footers (img, len, &f2);
  spit (tpath (p, "big.vhd"), img, len);
  EXPECT_FAIL ("big.vhd", "big.vhd': dynamic header: 2 BAT entries");

  f2 = f;
  f2.data_offset = (uint64_t) len;  /* header past the end */
  put_footers (img, len, &f2);
  spit (tpath (p, "hdrfar.vhd"), img, len);
  EXPECT_FAIL ("hdrfar.vhd", "hdrfar.vhd': footer: dynamic header offset");
  f2.data_offset = UINT64_MAX - 511;
  put_footers (img, len, &f2);
  spit (tpath (p, "hdrwrap.vhd"), img, len);
  EXPECT_FAIL ("hdrwrap.vhd", "hdrwrap.vhd': footer: dynamic header offset");

  f2 = f;
  f2.disk_type = 6;
  put_footers (img, len, &f2);
  spit (tpath (p, "type6.vhd"), img, len);
  EXPECT_FAIL ("type6.vhd", "type6.vhd': footer: unsupported disk type 6");
  free (img);
}

static void
test_bad_bat (void)
{
  struct vhd_footer f;
  struct vhd_header h;
  size_t len;
  uint8_t *img = good_dynamic (&len, &f, &h);
  uint32_t b0 = bat_get (img, &h, 0), b1 = bat_get (img, &h, 1);
  uint32_t end_sec = (uint32_t) (len / VHD_SECTOR);
  char p[PATH_MAX], needle[200];

  bat_set (img, &h, 1, end_sec + 100);
  spit (tpath (p, "batpast.vhd"), img, len);
  snprintf (needle, sizeof needle, "batpast.vhd': BAT entry 1 points to "
            "sector %u past the end of the file (size %zu)", end_sec + 100,
            len);
  EXPECT_FAIL ("batpast.vhd", needle);

  /* The last block moved so that its end runs into the trailing footer. */
  bat_set (img, &h, 1, b1 + 1);
  spit (tpath (p, "batfoot.vhd"), img, len);
  EXPECT_FAIL ("batfoot.vhd", "batfoot.vhd': BAT entry 1: block at sector",
               "runs past the trailing footer");

  /* Onto the BAT itself (sector 3 = offset 1536). */
  bat_set (img, &h, 1, b1);
  bat_set (img, &h, 0, 3);
  spit (tpath (p, "batmeta.vhd"), img, len);
  EXPECT_FAIL ("batmeta.vhd", "batmeta.vhd': BAT entry 0 points to sector 3, "
               "inside the metadata");
  /* Onto the footer copy. */
  bat_set (img, &h, 0, 0);
  spit (tpath (p, "batzero.vhd"), img, len);
  EXPECT_FAIL ("batzero.vhd", "batzero.vhd': BAT entry 0 points to sector 0");

  /* Two blocks sharing bytes, in either BAT order. */
  bat_set (img, &h, 0, b0);
  bat_set (img, &h, 1, b0 + 8);
  spit (tpath (p, "batdup.vhd"), img, len);
  snprintf (needle, sizeof needle, "batdup.vhd': BAT entries 0 and 1: blocks "
            "at sectors %u and %u overlap", b0, b0 + 8);
  EXPECT_FAIL ("batdup.vhd", needle);
  bat_set (img, &h, 0, b0 + 8);
  bat_set (img, &h, 1, b0);
  spit (tpath (p, "batdup2.vhd"), img, len);
  EXPECT_FAIL ("batdup2.vhd", "batdup2.vhd': BAT entries 1 and 0");
  bat_set (img, &h, 0, b0);
  bat_set (img, &h, 1, b0);
  spit (tpath (p, "batsame.vhd"), img, len);
  EXPECT_FAIL ("batsame.vhd", "batsame.vhd': BAT entries 0 and 1");
  free (img);
}

static void
test_truncated (void)
{
  struct vhd_footer f;
  struct vhd_header h;
  size_t len;
  uint8_t *img = good_dynamic (&len, &f, &h);
  char p[PATH_MAX];
  struct vhd_chain *c;

  /* Cut inside the last block: the trailing footer is gone, the copy at
   * 0 is used, and the block is seen to run past the end. */
  spit (tpath (p, "cut.vhd"), img, len - BS / 2);
  EXPECT_FAIL ("cut.vhd", "cut.vhd': BAT entry");
  spit (tpath (p, "tiny.vhd"), img, 511);
  EXPECT_FAIL ("tiny.vhd", "tiny.vhd': file is 511 bytes, too small");
  spit (tpath (p, "empty.vhd"), img, 0);
  EXPECT_FAIL ("empty.vhd", "empty.vhd': file is 0 bytes");
  /* A footer alone: the header it points to is not there. */
  spit (tpath (p, "onlyfoot.vhd"), img + len - VHD_FOOTER_SIZE,
        VHD_FOOTER_SIZE);
  EXPECT_FAIL ("onlyfoot.vhd", "onlyfoot.vhd': footer: dynamic header offset");

  /* Truncated after it was opened: the read fails with the offset. */
  spit (tpath (p, "shrink.vhd"), img, len);
  c = open_ok ("shrink.vhd", NULL, 0);
  if (c) {
    uint8_t b[4096];
    struct fg_err e = FG_ERR_INIT;
    CHECK (truncate (p, 1536 + 512) == 0);
    CHECK_INT (vhd_chain_read (c, b, BS, sizeof b, &e), -1);
    CHECK_INT (e.kind, FG_E_INPUT);
    CHECK_CONTAINS (e.msg, "shrink.vhd': file ends at offset ");
    CHECK_CONTAINS (e.msg, "(truncated while open?)");
    vhd_chain_close (c);
  }
  free (img);
}

static void
test_bad_fixed (void)
{
  const uint64_t size = BS;
  char p[PATH_MAX];
  size_t len;
  uint8_t *img, *big;
  struct vhd_footer f;

  CHECK_INT (finish (writer ("fx.vhd", VHD_WRITE_FIXED, size, NULL, NULL, 0)),
             0);
  img = slurp (tpath (p, "fx.vhd"), &len);
  CHECK_U64 (len, size + VHD_FOOTER_SIZE);
  /* A sector more than the footer says. */
  big = calloc (1, len + VHD_SECTOR);
  memcpy (big + VHD_SECTOR, img, len);
  memcpy (big, img + size, VHD_FOOTER_SIZE);    /* a copy at 0 too */
  spit (tpath (p, "fxbig.vhd"), big, len + VHD_SECTOR);
  EXPECT_FAIL ("fxbig.vhd", "fxbig.vhd': footer: fixed disk of 2097152 bytes "
               "needs a file of 2097664 bytes, but the file has 2098176");
  /* A fixed disk never falls back to offset 0. */
  vhd_footer_decode (img + size, &f);
  memcpy (big, img + size, VHD_FOOTER_SIZE);
  memcpy (big + VHD_FOOTER_SIZE, img, len);
  big[len + FOOTER_TIMESTAMP_OFF] ^= 1;
  spit (tpath (p, "fxsum.vhd"), big, len + VHD_FOOTER_SIZE);
  EXPECT_FAIL ("fxsum.vhd", "fxsum.vhd': footer: checksum");
  /* Non-sector size: the file is rounded to the sector. */
  f.current_size = BS - 96;
  f.original_size = BS - 96;
  vhd_footer_encode (&f, img + size);
  spit (tpath (p, "fx4000.vhd"), img, len);
  {
    struct vhd_chain *c = open_ok ("fx4000.vhd", NULL, 0);
    if (c) {
      CHECK_U64 (vhd_chain_size (c), BS - 96);
      vhd_chain_close (c);
    }
  }
  free (big);
  free (img);
}

/* ---- tests: chains ---------------------------------------------------- */

static const uint8_t uuid_a[16] = { 0xaa, 1, 2, 3, 4, 5, 0x46, 7,
                                    0x88, 9, 10, 11, 12, 13, 14, 15 };
static const uint8_t uuid_b[16] = { 0xbb, 1, 2, 3, 4, 5, 0x46, 7,
                                    0x88, 9, 10, 11, 12, 13, 14, 15 };

static void
test_missing_parent (void)
{
  char p[PATH_MAX], needle[PATH_MAX + 100];
  const char *given[1];

  CHECK_INT (make_empty ("mp-base.vhd", 1 << 20, NULL), 0);
  CHECK_INT (make_diff ("mp-child.vhd", "mp-base.vhd", 1 << 20, NULL), 0);
  CHECK (rename (tpath (p, "mp-base.vhd"), tpath (needle, "mp-moved.vhd"))
         == 0);
  snprintf (needle, sizeof needle, "mp-child.vhd': parent 'mp-base.vhd' not "
            "found beside it (looked for mp-base.vhd)");
  EXPECT_FAIL ("mp-child.vhd", needle);
  {
    struct vhd_chain *c = (void *) 1;
    struct fg_err e = FG_ERR_INIT;
    vhd_chain_open (&c, tpath (p, "mp-child.vhd"), NULL, 0, &e);
    CHECK_CONTAINS (e.hint, "--parent");
  }
  /* The explicit list finds it. */
  given[0] = tpath (p, "mp-moved.vhd");
  {
    struct vhd_chain *c = open_ok ("mp-child.vhd", given, 1);
    if (c) {
      CHECK_INT (vhd_chain_depth (c), 2);
      vhd_chain_close (c);
    }
  }
  /* A given parent that does not exist. */
  given[0] = tpath (p, "nowhere.vhd");
  expect_fail_kind ("mp-child.vhd", given, 1, FG_E_INPUT,
                    (const char *const[]) { "cannot open '", "nowhere.vhd'",
                                            NULL });
  /* A parent given to a disk that has none. */
  given[0] = tpath (p, "mp-moved.vhd");
  expect_fail_kind ("mp-moved.vhd", given, 1, FG_E_USAGE,
                    (const char *const[]) { "mp-moved.vhd' has no parent",
                                            NULL });
}

static void
test_uuid_mismatch (void)
{
  CHECK_INT (make_empty ("um-base.vhd", 1 << 20, uuid_a), 0);
  CHECK_INT (make_diff ("um-child.vhd", "um-base.vhd", 1 << 20, NULL), 0);
  /* Replace the parent by another disk under the same name. */
  CHECK_INT (make_empty ("um-base.vhd", 1 << 20, uuid_b), 0);
  EXPECT_FAIL ("um-child.vhd", "um-child.vhd': dynamic header: parent UUID "
               "aa010203-0405-4607-8809-0a0b0c0d0e0f does not match the UUID "
               "bb010203-0405-4607-8809-0a0b0c0d0e0f of parent '",
               "um-base.vhd'");
}

static void
test_child_smaller (void)
{
  char p[PATH_MAX];
  size_t len;
  uint8_t *img;
  struct vhd_footer f;

  CHECK_INT (make_empty ("cs-base.vhd", 4u << 20, NULL), 0);
  CHECK_INT (make_diff ("cs-child.vhd", "cs-base.vhd", 4u << 20, NULL), 0);
  img = slurp (tpath (p, "cs-child.vhd"), &len);
  vhd_footer_decode (img + len - VHD_FOOTER_SIZE, &f);
  f.current_size = 2u << 20;
  put_footers (img, len, &f);
  spit (p, img, len);
  EXPECT_FAIL ("cs-child.vhd", "cs-child.vhd': disk size 2097152 bytes is "
               "smaller than its parent '", "cs-base.vhd' (4194304 bytes)");
  free (img);
}

static void
test_loops (void)
{
  char p[PATH_MAX], q[PATH_MAX];

  /* A differencing disk whose locators name itself. */
  CHECK_INT (make_empty ("self.vhd", 1 << 20, NULL), 0);
  CHECK_INT (make_diff ("self-new.vhd", "self.vhd", 1 << 20, NULL), 0);
  CHECK (rename (tpath (p, "self-new.vhd"), tpath (q, "self.vhd")) == 0);
  EXPECT_FAIL ("self.vhd", "self.vhd': parent chain loops: its parent '",
               "self.vhd' is already level 0 of the chain");

  /* Two disks that are each other's parent, UUIDs consistent: x (uuid A)
   * <- y <- z (uuid A, written over x). */
  CHECK_INT (make_empty ("x.vhd", 1 << 20, uuid_a), 0);
  CHECK_INT (make_diff ("y.vhd", "x.vhd", 1 << 20, uuid_b), 0);
  CHECK_INT (make_diff ("z.vhd", "y.vhd", 1 << 20, uuid_a), 0);
  CHECK (rename (tpath (p, "z.vhd"), tpath (q, "x.vhd")) == 0);
  EXPECT_FAIL ("y.vhd", "x.vhd': parent chain loops: its parent '",
               "y.vhd' is already level 0 of the chain");
  /* The same through a hard link: same inode, other name. */
  CHECK (link (tpath (p, "y.vhd"), tpath (q, "y-link.vhd")) == 0);
  {
    const char *given[2] = { tpath (p, "x.vhd"), q };
    expect_fail_kind ("y.vhd", given, 2, FG_E_INPUT,
                      (const char *const[]) { "parent chain loops",
                                              "y-link.vhd' is already level 0",
                                              "y.vhd', the same file)",
                                              NULL });
  }
}

static void
test_too_deep (void)
{
  char name[32], parent[32];

  CHECK_INT (make_empty ("deep0.vhd", 1 << 20, NULL), 0);
  for (int i = 1; i <= VHD_MAX_CHAIN_READ; i++) {
    snprintf (name, sizeof name, "deep%d.vhd", i);
    snprintf (parent, sizeof parent, "deep%d.vhd", i - 1);
    if (make_diff (name, parent, 1 << 20, NULL) < 0) {
      tap_cur_failed = 1;
      return;
    }
  }
  /* deep63 is 64 files: the limit.  deep64 is one too many. */
  {
    struct vhd_chain *c = open_ok ("deep63.vhd", NULL, 0);
    if (c) {
      CHECK_INT (vhd_chain_depth (c), VHD_MAX_CHAIN_READ);
      CHECK_INT (vhd_chain_may_have_data (c, 0, 1 << 20), 0);
      vhd_chain_close (c);
    }
  }
  EXPECT_FAIL ("deep64.vhd", "deep64.vhd': parent chain is deeper than 64");
}

/* NAME's bytes, with its footer and header decoded, for patching. */
static uint8_t *
diff_image (const char *name, size_t *len, struct vhd_footer *f,
            struct vhd_header *h)
{
  char p[PATH_MAX];
  uint8_t *img = slurp (tpath (p, name), len);

  vhd_footer_decode (img + *len - VHD_FOOTER_SIZE, f);
  vhd_header_decode (img + f->data_offset, h);
  return img;
}

static void
test_locators (void)
{
  char p[PATH_MAX], abs[PATH_MAX + 16];
  size_t len;
  uint8_t *img;
  struct vhd_footer f;
  struct vhd_header h, h2;
  struct vhd_chain *c;
  int n;

  CHECK_INT (make_empty ("lp.vhd", 1 << 20, NULL), 0);
  CHECK_INT (make_diff ("lc.vhd", "lp.vhd", 1 << 20, NULL), 0);
  img = diff_image ("lc.vhd", &len, &f, &h);
  CHECK_U64 (h.loc[0].code, VHD_LOC_MACX);
  CHECK_U64 (h.loc[1].code, VHD_LOC_W2KU);
  CHECK_U64 (h.loc[2].code, VHD_LOC_W2RU);

  /* No locators at all. */
  h2 = h;
  memset (h2.loc, 0, sizeof h2.loc);
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "lnone.vhd"), img, len);
  EXPECT_FAIL ("lnone.vhd", "lnone.vhd': differencing disk has no usable "
               "parent locator to find its parent 'lp.vhd'");
  /* ...but an explicit parent is enough. */
  {
    const char *given[1] = { tpath (abs, "lp.vhd") };
    c = open_ok ("lnone.vhd", given, 1);
    vhd_chain_close (c);
  }

  /* An unknown platform code. */
  h2 = h;
  h2.loc[1].code = 0x41424344;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "lcode.vhd"), img, len);
  EXPECT_FAIL ("lcode.vhd", "lcode.vhd': dynamic header: parent locator 1 has "
               "unknown platform code 0x41424344");

  /* Reserved bits set. */
  h2 = h;
  h2.loc[2].reserved = 7;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "lresv.vhd"), img, len);
  EXPECT_FAIL ("lresv.vhd", "lresv.vhd': dynamic header: parent locator 2: "
               "reserved");

  /* Data outside the file, and wrapping around. */
  h2 = h;
  h2.loc[0].data_offset = len;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "lfar.vhd"), img, len);
  EXPECT_FAIL ("lfar.vhd", "lfar.vhd': dynamic header: parent locator 0:",
               "not inside the file");
  h2.loc[0].data_offset = UINT64_MAX - 100;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "lwrap.vhd"), img, len);
  EXPECT_FAIL ("lwrap.vhd", "lwrap.vhd': dynamic header: parent locator 0:");
  h2 = h;
  h2.loc[0].data_len = 513;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "llen.vhd"), img, len);
  EXPECT_FAIL ("llen.vhd", "llen.vhd': dynamic header: parent locator 0: data "
               "length 513");

  /* The first locator undecodable, the next ones used. */
  h2 = h;
  memcpy (img + h.loc[0].data_offset, "http://", 7);
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "lskip.vhd"), img, len);
  c = open_ok ("lskip.vhd", NULL, 0);
  vhd_chain_close (c);

  /* An absolute MacX path, even one that exists: only its last component
   * counts, beside the child. */
  n = snprintf (abs, sizeof abs, "file://%s", tpath (p, "lp.vhd"));
  memset (img + h.loc[0].data_offset, 0, 512);
  memcpy (img + h.loc[0].data_offset, abs, (size_t) n);
  h2.loc[0].data_len = (uint32_t) n;
  h2.loc[1].code = h2.loc[2].code = VHD_LOC_NONE;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "labs.vhd"), img, len);
  c = open_ok ("labs.vhd", NULL, 0);
  if (c) {
    CHECK_STR (vhd_chain_path (c, 1), tpath (p, "lp.vhd"));
    vhd_chain_close (c);
  }
  /* An absolute path elsewhere: its basename beside the child. */
  n = snprintf (abs, sizeof abs, "file:///no/such/dir/lp.vhd");
  memset (img + h.loc[0].data_offset, 0, 512);
  memcpy (img + h.loc[0].data_offset, abs, (size_t) n);
  h2.loc[0].data_len = (uint32_t) n;
  vhd_header_encode (&h2, img + f.data_offset);
  spit (tpath (p, "lbase.vhd"), img, len);
  c = open_ok ("lbase.vhd", NULL, 0);
  if (c) {
    CHECK_STR (vhd_chain_path (c, 1), tpath (p, "lp.vhd"));
    vhd_chain_close (c);
  }
  /* Not beside the child: the name looked for is given, and no host
   * folder. */
  memcpy (img + h.loc[0].data_offset + 20, "xx", 2);   /* .../lp.vhd -> xx */
  spit (tpath (p, "lgone.vhd"), img, len);
  EXPECT_FAIL ("lgone.vhd", "lgone.vhd': parent 'lp.vhd' not found beside it "
               "(looked for xx.vhd)");
  free (img);
}

/* Write the differencing image IMG (header H at OFF) as NAME with its one
 * MacX locator saying TARGET. */
static void
with_locator (uint8_t *img, size_t len, const struct vhd_header *h,
              uint64_t off, const char *name, const char *target)
{
  struct vhd_header h2 = *h;
  char p[PATH_MAX], url[PATH_MAX + 16];
  int n = snprintf (url, sizeof url, "file://%s", target);

  memset (img + h->loc[0].data_offset, 0, 512);
  memcpy (img + h->loc[0].data_offset, url, (size_t) n);
  h2.loc[0].data_len = (uint32_t) n;
  h2.loc[1].code = h2.loc[2].code = VHD_LOC_NONE;
  vhd_header_encode (&h2, img + off);
  spit (tpath (p, name), img, len);
}

/* Issue 15: a hostile locator must not pull another folder's disk (or any
 * host file) into the output, nor say what lies outside the folder. */
static void
test_locators_stay_in_the_folder (void)
{
  char p[PATH_MAX], q[PATH_MAX];
  size_t len;
  uint8_t *img;
  struct vhd_footer f;
  struct vhd_header h;
  struct vhd_chain *c;

  /* The parent lives in the test folder; the children in kid/. */
  CHECK_INT (make_empty ("op.vhd", 1 << 20, NULL), 0);
  CHECK_INT (make_diff ("oc.vhd", "op.vhd", 1 << 20, NULL), 0);
  img = diff_image ("oc.vhd", &len, &f, &h);
  CHECK (mkdir (tpath (p, "kid"), 0755) == 0);
  CHECK (mkdir (tpath (p, "kid/sub"), 0755) == 0);

  /* "..": refused, the locator named, the parent not opened. */
  with_locator (img, len, &h, f.data_offset, "kid/up.vhd", "../op.vhd");
  EXPECT_FAIL ("kid/up.vhd", "kid/up.vhd': its parent locators lead outside "
               "its folder (MacX '../op.vhd'): not followed");
  with_locator (img, len, &h, f.data_offset, "kid/up2.vhd",
                "./sub/../../op.vhd");
  EXPECT_FAIL ("kid/up2.vhd", "outside its folder");

  /* An absolute path to a file that exists elsewhere: not opened, and the
   * message does not say that it exists. */
  with_locator (img, len, &h, f.data_offset, "kid/abs.vhd",
                tpath (q, "op.vhd"));
  EXPECT_FAIL ("kid/abs.vhd", "not found beside it (looked for op.vhd)");
  {
    struct vhd_chain *cc = NULL;
    struct fg_err e = FG_ERR_INIT;
    CHECK_INT (vhd_chain_open (&cc, tpath (p, "kid/abs.vhd"), NULL, 0, &e),
               -1);
    CHECK (strstr (e.msg, tmpdir) == NULL || strstr (e.msg, "kid/") != NULL);
    CHECK (strstr (e.msg, "/op.vhd") == NULL);
  }

  /* A symlink beside the child that leads out of its folder. */
  CHECK (symlink ("../op.vhd", tpath (p, "kid/op.vhd")) == 0);
  with_locator (img, len, &h, f.data_offset, "kid/link.vhd", "./op.vhd");
  EXPECT_FAIL ("kid/link.vhd", "(MacX './op.vhd' (a link out of it))");

  /* What the operator says wins: --parent is taken wherever it is. */
  {
    const char *given[1] = { tpath (q, "op.vhd") };
    c = open_ok ("kid/up.vhd", given, 1);
    vhd_chain_close (c);
  }

  /* Inside the folder, a subfolder included, locators are followed. */
  CHECK (link (tpath (p, "op.vhd"), tpath (q, "kid/sub/op.vhd")) == 0);
  with_locator (img, len, &h, f.data_offset, "kid/down.vhd", "./sub/op.vhd");
  c = open_ok ("kid/down.vhd", NULL, 0);
  if (c) {
    CHECK_STR (vhd_chain_path (c, 1), tpath (p, "kid/sub/op.vhd"));
    vhd_chain_close (c);
  }
  free (img);
}

/* A dynamic disk's parent fields are ignored, however odd. */
static void
test_dynamic_ignores_parent_fields (void)
{
  struct vhd_footer f;
  struct vhd_header h;
  size_t len;
  uint8_t *img = good_dynamic (&len, &f, &h);
  char p[PATH_MAX];
  struct vhd_chain *c;

  h.loc[0].code = 0x41424344;
  h.loc[0].data_offset = UINT64_MAX;
  memset (h.parent_uuid, 0x55, 16);
  vhd_header_encode (&h, img + f.data_offset);
  spit (tpath (p, "dynodd.vhd"), img, len);
  c = open_ok ("dynodd.vhd", NULL, 0);
  if (c) {
    CHECK_INT (vhd_chain_depth (c), 1);
    vhd_chain_close (c);
  }
  free (img);
}

static void
test_not_a_file (void)
{
  char p[PATH_MAX];

  CHECK (mkdir (tpath (p, "adir.vhd"), 0755) == 0);
  EXPECT_FAIL ("adir.vhd", "adir.vhd' is not a regular file");
  EXPECT_FAIL ("absent.vhd", "cannot open '", "absent.vhd'");
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");

  snprintf (tmpdir, sizeof tmpdir, "%s/fg2ng-vhdread.XXXXXX",
            t && *t ? t : "/tmp");
  if (mkdtemp (tmpdir) == NULL) {
    printf ("Bail out! cannot make a folder under %s\n", t ? t : "/tmp");
    return 1;
  }
  RUN (test_dynamic_roundtrip);
  RUN (test_fixed_roundtrip);
  RUN (test_chain3);
  RUN (test_read_errors);
  RUN (test_bad_footer_checksum);
  RUN (test_bad_header);
  RUN (test_bad_footer_fields);
  RUN (test_bad_bat);
  RUN (test_truncated);
  RUN (test_bad_fixed);
  RUN (test_missing_parent);
  RUN (test_uuid_mismatch);
  RUN (test_child_smaller);
  RUN (test_loops);
  RUN (test_too_deep);
  RUN (test_locators);
  RUN (test_locators_stay_in_the_folder);
  RUN (test_dynamic_ignores_parent_fields);
  RUN (test_not_a_file);
  /* Keep the folder of a failed run for a look. */
  if (tap_failed_tests)
    printf ("# files kept in %s\n", tmpdir);
  else
    remove_tree (tmpdir);
  return TAP_DONE ();
}
