/* tests/unit/test_gunzip.c --- multi-member gunzip over split parts
 *
 * The archives are made here with zlib: several gzip members (as pigz
 * and split tools write them), concatenated and cut into parts at places
 * that are not member boundaries.  What comes out must be the input byte
 * for byte, through either reading interface; a damaged CRC, a truncated
 * last part and junk after the stream must be input errors naming the
 * part and offset.
 */
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "source/gunzip.h"
#include "source/parts.h"
#include "tests/unit/tap.h"

static char tmpdir[256];

/* 3.5 MiB: more than the reader's 1 MiB chunks, so output crosses them. */
#define DATA_LEN ((size_t) 3584 * 1024)
#define NMEMBERS 3

static uint8_t *data;

struct buf {
  uint8_t *p;
  size_t len, cap;
};

static int
buf_put (struct buf *b, const void *p, size_t len)
{
  if (b->len + len > b->cap) {
    size_t cap = (b->len + len) * 2;
    uint8_t *np = realloc (b->p, cap);
    if (np == NULL)
      return -1;
    b->p = np;
    b->cap = cap;
  }
  memcpy (b->p + b->len, p, len);
  b->len += len;
  return 0;
}

/* Compressible but not trivial: text-like runs with a changing seed. */
static void
make_data (void)
{
  uint64_t x = 0x9E3779B97F4A7C15ull;

  data = malloc (DATA_LEN);
  for (size_t i = 0; i < DATA_LEN; i++) {
    if (i % 64 == 0) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
    data[i] = (uint8_t) ("abcdefgh\n ijklmnop"[(x >> (i % 61)) % 18]);
  }
}

/* One gzip member of P[0..LEN) appended to OUT. */
static int
gzip_member (struct buf *out, const uint8_t *p, size_t len)
{
  z_stream z;
  uint8_t tmp[65536];
  int rc;

  memset (&z, 0, sizeof z);
  if (deflateInit2 (&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
      != Z_OK)
    return -1;
  z.next_in = (Bytef *) p;
  z.avail_in = (uInt) len;
  do {
    z.next_out = tmp;
    z.avail_out = sizeof tmp;
    rc = deflate (&z, Z_FINISH);
    if (buf_put (out, tmp, sizeof tmp - z.avail_out) < 0) {
      deflateEnd (&z);
      return -1;
    }
  } while (rc == Z_OK);
  deflateEnd (&z);
  return rc == Z_STREAM_END ? 0 : -1;
}

/* DATA as NMEMBERS gzip members, one after the other. */
static int
make_stream (struct buf *out)
{
  size_t cut[NMEMBERS + 1] = { 0, 1000003, 2500001, DATA_LEN };

  memset (out, 0, sizeof *out);
  for (int i = 0; i < NMEMBERS; i++)
    if (gzip_member (out, data + cut[i], cut[i + 1] - cut[i]) < 0)
      return -1;
  return 0;
}

static void
clean_dir (void)
{
  char cmd[600];

  snprintf (cmd, sizeof cmd, "rm -f '%s'/web.tar.gz.*", tmpdir);
  if (system (cmd) != 0)
    printf ("# cleanup failed\n");
}

/* Write S as NPARTS parts web.tar.gz.N cut at uneven places; fill P. */
static int
write_parts (const uint8_t *s, size_t len, int nparts, struct fg_parts *p)
{
  enum fg_source_kind kind;
  struct fg_err e = FG_ERR_INIT;
  char path[512];
  size_t off = 0;

  clean_dir ();
  for (int i = 0; i < nparts; i++) {
    size_t n = i == nparts - 1 ? len - off : len / (size_t) nparts + 777;
    FILE *f;

    snprintf (path, sizeof path, "%s/web.tar.gz.%d", tmpdir, i);
    f = fopen (path, "w");
    if (f == NULL || fwrite (s + off, 1, n, f) != n) {
      if (f)
        fclose (f);
      return -1;
    }
    fclose (f);
    off += n;
  }
  snprintf (path, sizeof path, "%s/web.tar.gz.0", tmpdir);
  if (fg_parts_find (path, &kind, p, &e) < 0) {
    printf ("# %s\n", e.msg);
    return -1;
  }
  return kind == FG_SOURCE_PARTS ? 0 : -1;
}

/* Everything through fg_gunzip_next into OUT; the result of the last
 * call (0 clean end, -1 error in E). */
static int
inflate_all (const struct fg_parts *p, struct buf *out, struct fg_err *e,
             uint64_t *out_pos)
{
  struct fg_gunzip *g;
  int rc;

  memset (out, 0, sizeof *out);
  if (fg_gunzip_open (&g, p, e) < 0)
    return -1;
  for (;;) {
    const void *b;
    size_t len;

    rc = fg_gunzip_next (g, &b, &len, e);
    if (rc <= 0)
      break;
    if (buf_put (out, b, len) < 0) {
      rc = -1;
      break;
    }
  }
  if (out_pos)
    *out_pos = fg_gunzip_out_pos (g);
  fg_gunzip_close (g);
  return rc;
}

static void
test_multi_member_over_parts_is_identical (void)
{
  struct buf gz, out;
  struct fg_parts p;
  struct fg_err e = FG_ERR_INIT;
  uint64_t out_pos = 0;

  CHECK_INT (make_stream (&gz), 0);
  if (write_parts (gz.p, gz.len, 4, &p) < 0) {
    CHECK (!"parts written");
    free (gz.p);
    return;
  }
  CHECK_INT (p.count, 4);
  CHECK_INT (inflate_all (&p, &out, &e, &out_pos), 0);
  if (e.kind != FG_E_NONE)
    printf ("# %s\n", e.msg);
  CHECK_U64 (out.len, DATA_LEN);
  CHECK_U64 (out_pos, DATA_LEN);
  if (out.len == DATA_LEN)
    CHECK_MEM (out.p, data, DATA_LEN);
  fg_parts_release (&p);
  free (out.p);
  free (gz.p);
}

/* fg_gunzip_read with an odd capacity gives the same bytes, and the
 * compressed position reaches the end of the parts. */
static void
test_read_interface (void)
{
  struct buf gz;
  struct fg_parts p;
  struct fg_err e = FG_ERR_INIT;
  struct fg_gunzip *g;
  uint8_t *out = malloc (DATA_LEN + 1);
  size_t got = 0;
  ssize_t n = 0;

  CHECK_INT (make_stream (&gz), 0);
  if (out == NULL || write_parts (gz.p, gz.len, 3, &p) < 0) {
    CHECK (!"parts written");
    free (out);
    free (gz.p);
    return;
  }
  CHECK_INT (fg_gunzip_open (&g, &p, &e), 0);
  while (got <= DATA_LEN
         && (n = fg_gunzip_read (g, out + got,
                                 got + 4093 > DATA_LEN + 1
                                 ? DATA_LEN + 1 - got : 4093, &e)) > 0)
    got += (size_t) n;
  CHECK_INT (n, 0);
  CHECK_U64 (got, DATA_LEN);
  if (got == DATA_LEN)
    CHECK_MEM (out, data, DATA_LEN);
  CHECK_U64 (fg_gunzip_out_pos (g), DATA_LEN);
  CHECK_U64 (fg_gunzip_in_pos (g), gz.len);
  fg_gunzip_close (g);
  fg_parts_release (&p);
  free (out);
  free (gz.p);
}

/* A damaged CRC-32 of the last member fails even though every byte of
 * the data inflated, and the message says which part and where. */
static void
test_bad_crc_names_the_place (void)
{
  struct buf gz, out;
  struct fg_parts p;
  struct fg_err e = FG_ERR_INIT;

  CHECK_INT (make_stream (&gz), 0);
  gz.p[gz.len - 8] ^= 0x5a;          /* CRC-32, then ISIZE, at the end */
  if (write_parts (gz.p, gz.len, 3, &p) < 0) {
    CHECK (!"parts written");
    free (gz.p);
    return;
  }
  CHECK_INT (inflate_all (&p, &out, &e, NULL), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "CRC-32");
  CHECK_CONTAINS (e.msg, "web.tar.gz.2");
  CHECK_CONTAINS (e.msg, "offset");
  CHECK (e.hint[0] != '\0');
  fg_parts_release (&p);
  free (out.p);
  free (gz.p);
}

/* A CRC damaged in the first member, in the first part: the error names
 * that part, not the last. */
static void
test_bad_crc_in_first_member (void)
{
  struct buf gz, one, out;
  struct fg_parts p;
  struct fg_err e = FG_ERR_INIT;

  memset (&one, 0, sizeof one);
  CHECK_INT (gzip_member (&one, data, 100000), 0);
  one.p[one.len - 6] ^= 0x01;
  CHECK_INT (make_stream (&gz), 0);
  CHECK_INT (buf_put (&one, gz.p, gz.len), 0);
  /* Part 0 is much bigger than the first member. */
  if (write_parts (one.p, one.len, 2, &p) < 0) {
    CHECK (!"parts written");
    free (gz.p);
    free (one.p);
    return;
  }
  CHECK_INT (inflate_all (&p, &out, &e, NULL), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "CRC-32");
  CHECK_CONTAINS (e.msg, "web.tar.gz.0");
  fg_parts_release (&p);
  free (out.p);
  free (gz.p);
  free (one.p);
}

static void
test_truncated_is_an_error (void)
{
  struct buf gz, out;
  struct fg_parts p;
  struct fg_err e = FG_ERR_INIT;

  CHECK_INT (make_stream (&gz), 0);
  if (write_parts (gz.p, gz.len - 5000, 3, &p) < 0) {
    CHECK (!"parts written");
    free (gz.p);
    return;
  }
  CHECK_INT (inflate_all (&p, &out, &e, NULL), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "ends in the middle");
  CHECK_CONTAINS (e.msg, "web.tar.gz.2");
  CHECK (out.len < DATA_LEN);
  fg_parts_release (&p);
  free (out.p);
  free (gz.p);
}

/* Trailing zeros (tape padding) are ignored; anything else after the
 * last member is refused. */
static void
test_trailing_bytes (void)
{
  struct buf gz, out;
  struct fg_parts p;
  struct fg_err e = FG_ERR_INIT;
  uint8_t zeros[1024] = { 0 };
  uint8_t junk[4] = { 'j', 'u', 'n', 'k' };

  CHECK_INT (make_stream (&gz), 0);
  CHECK_INT (buf_put (&gz, zeros, sizeof zeros), 0);
  if (write_parts (gz.p, gz.len, 2, &p) < 0) {
    CHECK (!"parts written");
    free (gz.p);
    return;
  }
  CHECK_INT (inflate_all (&p, &out, &e, NULL), 0);
  CHECK_U64 (out.len, DATA_LEN);
  fg_parts_release (&p);
  free (out.p);

  CHECK_INT (buf_put (&gz, junk, sizeof junk), 0);
  if (write_parts (gz.p, gz.len, 2, &p) < 0) {
    CHECK (!"parts written");
    free (gz.p);
    return;
  }
  CHECK_INT (inflate_all (&p, &out, &e, NULL), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "not another gzip member");
  fg_parts_release (&p);
  free (out.p);
  free (gz.p);
}

static void
test_not_gzip (void)
{
  static const uint8_t text[] = "this is a plain tar, not compressed at all";
  struct buf out;
  struct fg_parts p;
  struct fg_err e = FG_ERR_INIT;

  if (write_parts (text, sizeof text, 1, &p) < 0) {
    CHECK (!"parts written");
    return;
  }
  CHECK_INT (inflate_all (&p, &out, &e, NULL), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "web.tar.gz.0");
  fg_parts_release (&p);
  free (out.p);
}

int
main (void)
{
  const char *base = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";

  snprintf (tmpdir, sizeof tmpdir, "%s/test_gunzip.XXXXXX", base);
  if (mkdtemp (tmpdir) == NULL) {
    printf ("Bail out! cannot make a temporary folder\n");
    return 1;
  }
  make_data ();
  if (data == NULL) {
    printf ("Bail out! out of memory\n");
    return 1;
  }
  RUN (test_multi_member_over_parts_is_identical);
  RUN (test_read_interface);
  RUN (test_bad_crc_names_the_place);
  RUN (test_bad_crc_in_first_member);
  RUN (test_truncated_is_an_error);
  RUN (test_trailing_bytes);
  RUN (test_not_gzip);
  clean_dir ();
  rmdir (tmpdir);
  free (data);
  return TAP_DONE ();
}
