/* tests/unit/test_vhd_write.c --- the VHD writer, read back field by field
 *
 * Disks of a few MiB are written through vhd_writer_* (whole blocks, and
 * random access as the file system builder uses it), then read back two
 * ways: the metadata decoded straight from the file's bytes and checked
 * against what XenServer's vhd-util would write (footer copy at 0, header
 * at 512, BAT at 1536, 2 MiB blocks, creator "tap" 1.3, the CHS geometry,
 * a batmap with its checksum), and the data through the project's reader
 * (vhd_chain_*) compared with a model the test keeps itself.  An all-zero
 * block must stay unallocated.  When qemu-img is installed it compares
 * the disk with a raw copy of the model, too.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/vhd.h"
#include "convert/vhd_write.h"
#include "util/endian.h"
#include "tests/unit/tap.h"

#define BS VHD_BLOCK_SIZE
#define MiB (1024u * 1024u)

static char tmpdir[256];

static const char *
tpath (char *buf, size_t cap, const char *name)
{
  snprintf (buf, cap, "%s/%s", tmpdir, name);
  return buf;
}

static uint8_t *
slurp (const char *path, size_t *len)
{
  struct stat st;
  uint8_t *buf = NULL;
  int fd = open (path, O_RDONLY);

  *len = 0;
  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) == 0 && (buf = malloc ((size_t) st.st_size + 1))
      && pread (fd, buf, (size_t) st.st_size, 0) == st.st_size)
    *len = (size_t) st.st_size;
  else {
    free (buf);
    buf = NULL;
  }
  close (fd);
  return buf;
}

static void
fill (uint8_t *p, size_t len, unsigned tag)
{
  for (size_t i = 0; i < len; i++)
    p[i] = (uint8_t) (tag * 37 + i * 13 + (i >> 9));
}

static int
have_qemu_img (void)
{
  return system ("qemu-img --version >/dev/null 2>&1") == 0;
}

/* qemu-img's own reading of the VHD equals the raw model. */
static void
qemu_compare (const char *vhd, const uint8_t *model, size_t len)
{
  char raw[512], cmd[1400];
  FILE *f;

  tpath (raw, sizeof raw, "model.raw");
  f = fopen (raw, "w");
  CHECK (f != NULL);
  if (f == NULL)
    return;
  CHECK_INT (fwrite (model, 1, len, f), len);
  fclose (f);
  snprintf (cmd, sizeof cmd, "qemu-img compare -q -f vpc -F raw '%s' '%s'",
            vhd, raw);
  CHECK_INT (system (cmd), 0);
  unlink (raw);
}

/* The whole virtual disk through the reader equals MODEL. */
static void
check_read_back (const char *path, const uint8_t *model, uint64_t size)
{
  struct vhd_chain *c = NULL;
  struct fg_err e = FG_ERR_INIT;
  uint8_t *buf = malloc (size);

  CHECK (buf != NULL);
  CHECK_INT (vhd_chain_open (&c, path, NULL, 0, &e), 0);
  if (c == NULL || buf == NULL) {
    printf ("# %s\n", e.msg);
    free (buf);
    return;
  }
  CHECK_U64 (vhd_chain_size (c), size);
  CHECK_INT (vhd_chain_depth (c), 1);
  CHECK_INT (vhd_chain_read (c, buf, 0, size, &e), 0);
  CHECK_MEM (buf, model, size);
  vhd_chain_close (c);
  free (buf);
}

/* The footer at the end of FILE (decoded into *F), and its copy at 0. */
static void
check_footer (const uint8_t *file, size_t flen, time_t now,
              const uint8_t uuid[16], struct vhd_footer *fp)
{
  struct fg_err e = FG_ERR_INIT;
  struct vhd_footer f;
  uint16_t cyl;
  uint8_t heads, spt;

  /* Footer at the end, its copy at 0, the same bytes. */
  CHECK_INT (flen % VHD_SECTOR, 0);
  CHECK_MEM (file, file + flen - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE);
  vhd_footer_decode (file + flen - VHD_FOOTER_SIZE, &f);
  CHECK (f.cookie_ok);
  CHECK (f.checksum_ok);
  CHECK_INT (vhd_checksum (file, VHD_FOOTER_SIZE, 64), f.checksum);
  CHECK_INT (f.disk_type, VHD_TYPE_DYNAMIC);
  CHECK_U64 (f.data_offset, 512);
  CHECK_U64 (f.current_size, 8 * MiB);
  CHECK_U64 (f.original_size, 8 * MiB);
  CHECK_INT (f.format_version, 0x00010000);
  CHECK_INT (f.features, 2);
  CHECK_MEM (f.creator_app, "tap", 4);
  CHECK_INT (f.creator_version, VHD_TAP_VERSION);
  CHECK_INT (f.timestamp, vhd_time_from_unix (now));
  CHECK_MEM (f.uuid, uuid, 16);
  CHECK_INT (f.hidden, 0);
  vhd_chs (8 * MiB, &cyl, &heads, &spt);
  CHECK_INT (f.cylinders, cyl);
  CHECK_INT (f.heads, heads);
  CHECK_INT (f.sectors, spt);
  CHECK_INT (vhd_footer_check (&f, "dyn.vhd", &e), 0);
  *fp = f;
}

/* The metadata of the 8 MiB disk test_dynamic_layout writes, decoded
 * from the FILE's bytes: what vhd-util would have written. */
static void
check_dynamic_metadata (const uint8_t *file, size_t flen, time_t now,
                        const uint8_t uuid[16], const uint8_t *model)
{
  struct fg_err e = FG_ERR_INIT;
  struct vhd_footer f;
  struct vhd_header h;
  struct vhd_batmap_header bh;
  uint64_t bat_bytes = vhd_bat_bytes (4);
  uint64_t bmh_off = 1536 + bat_bytes;
  uint32_t bat[4];

  check_footer (file, flen, now, uuid, &f);

  /* The dynamic header at 512. */
  vhd_header_decode (file + 512, &h);
  CHECK (h.cookie_ok);
  CHECK (h.checksum_ok);
  CHECK_INT (h.block_size, 2 * MiB);
  CHECK_INT (h.max_table_entries, 4);
  CHECK_U64 (h.table_offset, 1536);
  CHECK_U64 (h.data_offset, UINT64_MAX);
  CHECK_INT (h.header_version, 0x00010000);
  CHECK_INT (vhd_header_check (&h, &f, "dyn.vhd", &e), 0);

  /* BAT: blocks 1 and 3 absent; 0 and 2 present, each block's data on
   * a 4 KiB boundary after its bitmap sector, inside the file. */
  for (int i = 0; i < 4; i++)
    bat[i] = fg_be32dec (file + 1536 + 4 * i);
  CHECK_INT (bat[1], VHD_NO_BLOCK);
  CHECK_INT (bat[3], VHD_NO_BLOCK);
  for (int i = 0; i < 4; i += 2) {
    uint64_t data_off = (uint64_t) bat[i] * VHD_SECTOR + VHD_SECTOR;
    CHECK (bat[i] != VHD_NO_BLOCK);
    CHECK_INT (data_off % 4096, 0);
    CHECK (data_off + BS <= flen - VHD_FOOTER_SIZE);
    /* The sector bitmap: every sector belongs to this file. */
    CHECK_INT (file[data_off - VHD_SECTOR], 0xff);
    CHECK_INT (file[data_off - VHD_SECTOR + 511], 0xff);
    CHECK_MEM (file + data_off, model + (size_t) i * BS, BS);
  }
  /* Two blocks' worth of data, not four. */
  CHECK (flen < bmh_off + 4096 + 2 * (BS + 4096) + 512);

  /* The batmap blktap reads: full blocks 0 and 2 marked. */
  vhd_batmap_header_decode (file + bmh_off, &bh);
  CHECK (bh.cookie_ok);
  CHECK_INT (bh.version, VHD_BATMAP_VERSION);
  CHECK_U64 (bh.map_offset, bmh_off + VHD_SECTOR);
  CHECK_INT (bh.map_sectors, vhd_batmap_bytes (4) / VHD_SECTOR);
  CHECK_INT (file[bh.map_offset], 0xA0);          /* 1010 0000 */
  CHECK_INT (bh.checksum,
             vhd_batmap_checksum (file + bh.map_offset,
                                  vhd_batmap_cksum_sectors (8 * MiB)
                                  * VHD_SECTOR));
}

/* Blocks 0 and 2 data (2 only in a few pages), 1 all zeros and put,
 * 3 never put: an 8 MiB disk asked for as 7 MiB + 5 bytes. */
static void
test_dynamic_layout (void)
{
  const time_t now = 1300000000;
  const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 0x47, 8, 0x89, 10, 11, 12,
                             13, 14, 15, 16 };
  struct vhd_writer_opts o = { .kind = VHD_WRITE_DYNAMIC,
                               .size = 7 * MiB + 5, .now = now,
                               .uuid = uuid };
  struct vhd_writer *w = NULL;
  struct fg_err e = FG_ERR_INIT;
  char path[512];
  uint8_t *model = calloc (1, 8 * MiB), *blk = calloc (1, BS), out_uuid[16];
  uint8_t *file;
  size_t flen;
  struct stat st;

  tpath (path, sizeof path, "dyn.vhd");
  CHECK_INT (vhd_writer_open (&w, path, &o, &e), 0);
  if (w == NULL || model == NULL || blk == NULL) {
    printf ("# %s\n", e.msg);
    free (model);
    free (blk);
    return;
  }
  CHECK_U64 (vhd_writer_size (w), 8 * MiB);
  /* Out of order, as the block converter may put them. */
  fill (blk, 3 * 4096, 2);
  fill (blk + BS - 4096, 4096, 22);
  memcpy (model + 2 * BS, blk, BS);
  CHECK_INT (vhd_writer_put_block (w, 2, blk, &e), 0);
  fill (blk, BS, 0);
  memcpy (model, blk, BS);
  CHECK_INT (vhd_writer_put_block (w, 0, blk, &e), 0);
  memset (blk, 0, BS);
  CHECK_INT (vhd_writer_put_block (w, 1, blk, &e), 0);
  CHECK_INT (vhd_writer_allocated (w), 2);
  /* Nothing under the final name before finish. */
  CHECK (stat (path, &st) < 0 && errno == ENOENT);
  CHECK_INT (vhd_writer_finish (w, out_uuid, &e), 0);
  CHECK_MEM (out_uuid, uuid, 16);

  file = slurp (path, &flen);
  CHECK (file != NULL);
  if (file == NULL)
    goto out;
  check_dynamic_metadata (file, flen, now, uuid, model);
  check_read_back (path, model, 8 * MiB);
  {
    struct vhd_chain *c = NULL;
    if (vhd_chain_open (&c, path, NULL, 0, &e) == 0) {
      CHECK_INT (vhd_chain_allocated_blocks (c, 0), 2);
      CHECK_INT (vhd_chain_may_have_data (c, 1 * BS, BS), 0);
      CHECK_INT (vhd_chain_may_have_data (c, 3 * BS, BS), 0);
      CHECK_INT (vhd_chain_may_have_data (c, 2 * BS, BS), 1);
      vhd_chain_close (c);
    } else
      CHECK (!"chain opened");
  }
  if (have_qemu_img ())
    qemu_compare (path, model, 8 * MiB);
  else
    printf ("# qemu-img not installed: no comparison with qemu's reading\n");
  free (file);
out:
  unlink (path);
  free (model);
  free (blk);
}

/* Random access (the file-level path): zeros cost nothing, writes that
 * straddle a block boundary allocate both blocks, pread sees what was
 * written and zeros elsewhere, before and after finish. */
static void
test_random_access (void)
{
  struct vhd_writer_opts o = { .kind = VHD_WRITE_DYNAMIC, .size = 6 * MiB };
  struct vhd_writer *w = NULL;
  struct fg_err e = FG_ERR_INIT;
  char path[512];
  uint8_t *model = calloc (1, 6 * MiB), *buf = malloc (6 * MiB);

  tpath (path, sizeof path, "rand.vhd");
  CHECK_INT (vhd_writer_open (&w, path, &o, &e), 0);
  if (w == NULL || model == NULL || buf == NULL) {
    free (model);
    free (buf);
    vhd_writer_abort (w);
    return;
  }
  memset (buf, 0, MiB);
  CHECK_INT (vhd_writer_pwrite (w, buf, MiB, 4 * MiB, &e), 0);
  CHECK_INT (vhd_writer_allocated (w), 0);
  fill (model + BS - 1000, 3000, 7);
  CHECK_INT (vhd_writer_pwrite (w, model + BS - 1000, 3000, BS - 1000, &e),
             0);
  CHECK_INT (vhd_writer_allocated (w), 2);
  fill (model + 123, 77, 8);
  CHECK_INT (vhd_writer_pwrite (w, model + 123, 77, 123, &e), 0);
  CHECK_INT (vhd_writer_allocated (w), 2);
  CHECK_INT (vhd_writer_pread (w, buf, 6 * MiB, 0, &e), 0);
  CHECK_MEM (buf, model, 6 * MiB);
  /* Past the end is refused. */
  CHECK_INT (vhd_writer_pwrite (w, buf, 2, 6 * MiB - 1, &e), -1);
  CHECK_CONTAINS (e.msg, "past the end");
  CHECK_INT (vhd_writer_finish (w, NULL, &e), 0);
  check_read_back (path, model, 6 * MiB);
  if (have_qemu_img ())
    qemu_compare (path, model, 6 * MiB);
  unlink (path);
  free (model);
  free (buf);
}

/* A fixed disk: the data, then one footer; zero blocks are holes. */
static void
test_fixed (void)
{
  struct vhd_writer_opts o = { .kind = VHD_WRITE_FIXED, .size = 3 * MiB };
  struct vhd_writer *w = NULL;
  struct fg_err e = FG_ERR_INIT;
  char path[512];
  uint8_t *model = calloc (1, 4 * MiB), *file;
  size_t flen;

  tpath (path, sizeof path, "fixed.vhd");
  CHECK_INT (vhd_writer_open (&w, path, &o, &e), 0);
  if (w == NULL || model == NULL) {
    free (model);
    vhd_writer_abort (w);
    return;
  }
  CHECK_U64 (vhd_writer_size (w), 4 * MiB);
  fill (model + BS, BS, 3);
  CHECK_INT (vhd_writer_put_block (w, 1, model + BS, &e), 0);
  CHECK_INT (vhd_writer_put_block (w, 0, model, &e), 0);
  CHECK_INT (vhd_writer_allocated (w), 1);
  CHECK_INT (vhd_writer_finish (w, NULL, &e), 0);
  file = slurp (path, &flen);
  CHECK_U64 (flen, 4 * MiB + VHD_FOOTER_SIZE);
  if (file && flen == 4 * MiB + VHD_FOOTER_SIZE) {
    struct vhd_footer f;
    vhd_footer_decode (file + 4 * MiB, &f);
    CHECK (f.cookie_ok);
    CHECK (f.checksum_ok);
    CHECK_INT (f.disk_type, VHD_TYPE_FIXED);
    CHECK_U64 (f.data_offset, UINT64_MAX);
    CHECK_U64 (f.current_size, 4 * MiB);
    CHECK_MEM (file, model, 4 * MiB);
  }
  check_read_back (path, model, 4 * MiB);
  if (have_qemu_img ())
    qemu_compare (path, model, 4 * MiB);
  free (file);
  unlink (path);
  free (model);
}

static void
test_misuse_refused (void)
{
  struct vhd_writer_opts o = { .kind = VHD_WRITE_DYNAMIC, .size = 0 };
  struct vhd_writer *w = NULL;
  struct fg_err e = FG_ERR_INIT;
  char path[512];
  uint8_t *blk = malloc (BS);
  struct stat st;

  tpath (path, sizeof path, "bad.vhd");
  CHECK_INT (vhd_writer_open (&w, path, &o, &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK (w == NULL);
  o.size = VHD_MAX_DISK_SIZE + 1;
  CHECK_INT (vhd_writer_open (&w, path, &o, &e), -1);
  CHECK_CONTAINS (e.msg, "2040 GiB");

  o.size = 4 * MiB;
  CHECK_INT (vhd_writer_open (&w, path, &o, &e), 0);
  if (w == NULL || blk == NULL) {
    free (blk);
    return;
  }
  fill (blk, BS, 9);
  CHECK_INT (vhd_writer_put_block (w, 2, blk, &e), -1);
  CHECK_CONTAINS (e.msg, "past the last block");
  CHECK_INT (vhd_writer_put_block (w, 0, blk, &e), 0);
  CHECK_INT (vhd_writer_put_block (w, 0, blk, &e), -1);
  CHECK_CONTAINS (e.msg, "written twice");
  /* Abort leaves nothing behind, not even the temporary file. */
  vhd_writer_abort (w);
  CHECK (stat (path, &st) < 0);
  {
    char cmd[600];
    snprintf (cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", tmpdir);
    CHECK_INT (system (cmd), 0);
  }
  free (blk);
}

int
main (void)
{
  const char *base = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";

  snprintf (tmpdir, sizeof tmpdir, "%s/test_vhd_write.XXXXXX", base);
  if (mkdtemp (tmpdir) == NULL) {
    printf ("Bail out! cannot make a temporary folder\n");
    return 1;
  }
  RUN (test_dynamic_layout);
  RUN (test_random_access);
  RUN (test_fixed);
  RUN (test_misuse_refused);
  rmdir (tmpdir);
  return TAP_DONE ();
}
