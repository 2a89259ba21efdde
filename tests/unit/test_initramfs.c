/* tests/unit/test_initramfs.c --- listing an initramfs fed in stretches
 *
 * The images are made here: newc cpio archives written by hand (the
 * format is a 110-byte ASCII header, the name, padding to 4 bytes, the
 * data, padding) and gzip'd with zlib.  Each is fed in stretches of many
 * sizes, one byte up, as the tar stream hands a member over.
 */
#include "tests/unit/tap.h"
#include "inspect/initramfs.h"

#include <zlib.h>

struct buf {
  unsigned char *p;
  size_t len, cap;
};

static void
put (struct buf *b, const void *data, size_t n)
{
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 4096;
    b->p = realloc (b->p, b->cap);
  }
  memcpy (b->p + b->len, data, n);
  b->len += n;
}

static void
pad4 (struct buf *b)
{
  static const char zeros[4];
  put (b, zeros, (4 - b->len % 4) % 4);
}

/* One newc member: a regular file of SIZE bytes of 'x'. */
static void
cpio_member (struct buf *b, const char *name, size_t size)
{
  char h[160];
  unsigned namesize = (unsigned) strlen (name) + 1;

  snprintf (h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X"
            "%08X%08X", 1u, 0100644u, 0u, 0u, 1u, 0u, (unsigned) size, 0u, 0u,
            0u, 0u, namesize, 0u);
  put (b, h, 110);
  put (b, name, namesize);
  pad4 (b);
  for (size_t i = 0; i < size; i++)
    put (b, "x", 1);
  pad4 (b);
}

static void
cpio_trailer (struct buf *b)
{
  static const char zeros[512];
  cpio_member (b, "TRAILER!!!", 0);
  put (b, zeros, (512 - b->len % 512) % 512);   /* as cpio pads */
}

static struct buf
gzip_of (const struct buf *in)
{
  struct buf out = { 0 };
  z_stream z;

  memset (&z, 0, sizeof z);
  deflateInit2 (&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  out.cap = deflateBound (&z, in->len) + 64;
  out.p = malloc (out.cap);
  z.next_in = in->p;
  z.avail_in = (uInt) in->len;
  z.next_out = out.p;
  z.avail_out = (uInt) out.cap;
  deflate (&z, Z_FINISH);
  out.len = out.cap - z.avail_out;
  deflateEnd (&z);
  return out;
}

/* The source: IMG handed out STRETCH bytes at a time. */
struct feed {
  const struct buf *img;
  size_t pos, stretch;
  int fail_at;                  /* fail once pos reaches it (or -1) */
};

static int
next (void *opaque, const void **b, size_t *len)
{
  struct feed *f = opaque;

  if (f->fail_at >= 0 && f->pos >= (size_t) f->fail_at)
    return -1;
  if (f->pos >= f->img->len)
    return 0;
  *b = f->img->p + f->pos;
  *len = f->img->len - f->pos < f->stretch ? f->img->len - f->pos : f->stretch;
  f->pos += *len;
  return 1;
}

static const size_t stretches[] = { 1, 3, 110, 511, 512, 4096, 10240, 1 << 20 };

/* What listing IMG must give, whatever size of stretches it comes in. */
struct want {
  const char *format;
  unsigned segments;
  uint64_t members;
  int blk, net;
};

static void
check_listing (const struct buf *img, const struct want *w)
{
  for (size_t i = 0; i < sizeof stretches / sizeof stretches[0]; i++) {
    struct feed f = { img, 0, stretches[i], -1 };
    struct fg_initramfs r;
    CHECK_INT (fg_initramfs_list (next, &f, &r), 0);
    CHECK_STR (fg_initramfs_status_name (r.status), "listed");
    CHECK_STR (r.format, w->format);
    CHECK_INT (r.segments, w->segments);
    CHECK_INT (r.members, w->members);
    CHECK_INT (r.xen_blkfront, w->blk);
    CHECK_INT (r.xen_netfront, w->net);
    if (tap_cur_failed) {
      printf ("#   with stretches of %zu bytes\n", stretches[i]);
      break;
    }
  }
}

/* Early microcode (an uncompressed cpio) before the gzip'd main one. */
static void
test_early_microcode_then_gzip (void)
{
  struct buf early = { 0 }, main_cpio = { 0 }, img = { 0 }, gz;

  cpio_member (&early, "kernel/x86/microcode/GenuineIntel.bin", 30000);
  cpio_trailer (&early);
  cpio_member (&main_cpio, "init", 100);
  cpio_member (&main_cpio, "lib/modules/3.2.0-4-amd64/kernel/drivers/block/xen-blkfront.ko", 5000);
  cpio_member (&main_cpio, "lib/modules/3.2.0-4-amd64/kernel/drivers/net/xen-netfront.ko.xz", 10);
  cpio_trailer (&main_cpio);
  gz = gzip_of (&main_cpio);
  put (&img, early.p, early.len);
  put (&img, gz.p, gz.len);
  check_listing (&img, &(struct want) { "cpio, cpio+gzip", 2, 4, 1, 1 });
  free (early.p);
  free (main_cpio.p);
  free (gz.p);
  free (img.p);
}

/* A gzip'd cpio without xen-netfront: listed, and said so. */
static void
test_one_driver_missing (void)
{
  struct buf c = { 0 }, gz;
  struct feed f;
  struct fg_initramfs r;

  cpio_member (&c, "lib/modules/2.6.18-398.el5xen/xenblk.ko", 10);
  cpio_trailer (&c);
  gz = gzip_of (&c);
  f = (struct feed) { &gz, 0, 4096, -1 };
  CHECK_INT (fg_initramfs_list (next, &f, &r), 0);
  CHECK_STR (fg_initramfs_status_name (r.status), "listed");
  CHECK_INT (r.xen_blkfront, 1);
  CHECK_INT (r.xen_netfront, 0);
  free (c.p);
  free (gz.p);
}

/* Not an initramfs, a truncated one, a failing source. */
static void
test_unreadable_and_failing_sources (void)
{
  struct buf junk = { 0 }, c = { 0 }, gz, cut;
  struct feed f;
  struct fg_initramfs r;

  for (int i = 0; i < 3000; i++)
    put (&junk, "\x5a\xa5\x13", 3);
  f = (struct feed) { &junk, 0, 4096, -1 };
  CHECK_INT (fg_initramfs_list (next, &f, &r), 0);
  CHECK_STR (fg_initramfs_status_name (r.status), "unreadable");
  CHECK (r.why[0] != '\0');

  for (int i = 0; i < 50; i++) {
    char name[64];
    snprintf (name, sizeof name, "lib/modules/x/file%d.ko", i);
    cpio_member (&c, name, 3000);
  }
  cpio_trailer (&c);
  gz = gzip_of (&c);
  cut = gz;
  cut.len = gz.len / 2;
  f = (struct feed) { &cut, 0, 4096, -1 };
  CHECK_INT (fg_initramfs_list (next, &f, &r), 0);
  CHECK_STR (fg_initramfs_status_name (r.status), "unreadable");

  f = (struct feed) { &gz, 0, 32, 64 };       /* gz is a few hundred bytes */
  CHECK_INT (fg_initramfs_list (next, &f, &r), -1);
  free (junk.p);
  free (c.p);
  free (gz.p);
}

/* A gzip'd segment is inflated with ISA-L to its end (its CRC checked)
 * and is the last looked at, as the kernel's main archive is last: what
 * follows it is ignored, whatever the stretches. */
static void
test_gzip_segment_is_last (void)
{
  struct buf first = { 0 }, second = { 0 }, img = { 0 }, gz;
  static const char zeros[300];

  cpio_member (&first, "init", 100);
  cpio_member (&first, "lib/modules/3.2.0-4-amd64/kernel/drivers/block/xen-blkfront.ko", 70000);
  cpio_trailer (&first);
  cpio_member (&second, "lib/modules/3.2.0-4-amd64/kernel/drivers/net/xen-netfront.ko", 10);
  cpio_trailer (&second);
  gz = gzip_of (&first);
  put (&img, gz.p, gz.len);
  put (&img, zeros, sizeof zeros);
  put (&img, second.p, second.len);
  check_listing (&img, &(struct want) { "cpio+gzip", 1, 2, 1, 0 });
  free (first.p);
  free (second.p);
  free (gz.p);
  free (img.p);
}

/* A gzip'd initramfs whose CRC-32 is wrong is unreadable, and says why,
 * even though every cpio header in it was fine. */
static void
test_gzip_crc_checked (void)
{
  struct buf c = { 0 }, gz;
  struct feed f;
  struct fg_initramfs r;

  cpio_member (&c, "lib/modules/x/xen-blkfront.ko", 5000);
  cpio_trailer (&c);
  gz = gzip_of (&c);
  gz.p[gz.len - 8] ^= 0x01;                   /* the trailer's CRC-32 */
  f = (struct feed) { &gz, 0, 4096, -1 };
  CHECK_INT (fg_initramfs_list (next, &f, &r), 0);
  CHECK_STR (fg_initramfs_status_name (r.status), "unreadable");
  CHECK (strstr (r.why, "CRC-32") != NULL);
  if (strstr (r.why, "CRC-32") == NULL)
    printf ("#   why: %s\n", r.why);
  free (c.p);
  free (gz.p);
}

/* A newc header whose name size is absurd (libarchive would allocate it
 * whole) stops the listing: unreadable, saying why, plain or gzip'd, at
 * any stretch size. */
static void
test_absurd_name_size_refused (void)
{
  struct buf c = { 0 }, gz;
  char h[160];

  cpio_member (&c, "init", 100);
  snprintf (h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X"
            "%08X%08X", 2u, 0100644u, 0u, 0u, 1u, 0u, 10u, 0u, 0u, 0u, 0u,
            0xA0000000u, 0u);
  put (&c, h, 110);
  for (int i = 0; i < 2000; i++)
    put (&c, "lib/", 4);
  gz = gzip_of (&c);
  for (size_t i = 0; i < sizeof stretches / sizeof stretches[0]; i++)
    for (int z = 0; z < 2; z++) {
      struct feed f = { z ? &gz : &c, 0, stretches[i], -1 };
      struct fg_initramfs r;
      CHECK_INT (fg_initramfs_list (next, &f, &r), 0);
      CHECK_STR (fg_initramfs_status_name (r.status), "unreadable");
      CHECK (strstr (r.why, "name of 2684354560 bytes") != NULL);
      if (tap_cur_failed) {
        printf ("#   %s, stretches of %zu bytes: why '%s'\n",
                z ? "gzip'd" : "plain", stretches[i], r.why);
        goto out;
      }
    }
out:
  free (c.p);
  free (gz.p);
}

static void
test_module_names (void)
{
  CHECK (fg_initramfs_is_xen_module ("a/xen-blkfront.ko", 'b'));
  CHECK (fg_initramfs_is_xen_module ("xen_blkfront.ko.zst", 'b'));
  CHECK (fg_initramfs_is_xen_module ("lib/xenblk.ko", 'b'));
  CHECK (fg_initramfs_is_xen_module ("x/xen-netfront.ko.gz", 'n'));
  CHECK (fg_initramfs_is_xen_module ("xennet.ko", 'n'));
  CHECK (!fg_initramfs_is_xen_module ("xen-blkback.ko", 'b'));
  CHECK (!fg_initramfs_is_xen_module ("xen-blkfront.ko", 'n'));
  CHECK (!fg_initramfs_is_xen_module ("xen-blkfront.ko.orig", 'b'));
  CHECK (!fg_initramfs_is_xen_module ("netxen_nic.ko", 'n'));
}

int
main (void)
{
  RUN (test_early_microcode_then_gzip);
  RUN (test_one_driver_missing);
  RUN (test_gzip_segment_is_last);
  RUN (test_gzip_crc_checked);
  RUN (test_absurd_name_size_refused);
  RUN (test_unreadable_and_failing_sources);
  RUN (test_module_names);
  return TAP_DONE ();
}
