/* tests/fuzz/fuzz_vhd.c --- libFuzzer target for the VHD chain reader
 *
 * The input becomes the bytes of a VHD file (a memfd, named through
 * /proc/self/fd so that vhd_chain_open sees an ordinary path), which is
 * opened with no explicit parents and read through: every chunk the BAT
 * says may hold data, plus one unaligned read.  The virtual size read is
 * capped at 64 MiB so that each run stays fast; what the cap skips is the
 * same code on other offsets.  Each input runs as is and, if some of its
 * checksums are stale, once more with them recomputed.  Locators that
 * name other files may still open them read-only: harmless, and the
 * reader refuses anything that is not a regular file or block device.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "source/vhd.h"

#define READ_CAP (64u << 20)
#define CHUNK (256u << 10)

static int
input_file (const uint8_t *data, size_t size, char path[64])
{
  static int fd = -1;
  size_t done = 0;

  if (fd < 0) {
    fd = memfd_create ("fuzz_vhd", MFD_CLOEXEC);
    if (fd < 0) {
      perror ("memfd_create");
      abort ();
    }
  }
  if (ftruncate (fd, 0) < 0)
    abort ();
  while (done < size) {
    ssize_t n = pwrite (fd, data + done, size - done, (off_t) done);
    if (n <= 0)
      abort ();
    done += (size_t) n;
  }
  snprintf (path, 64, "/proc/self/fd/%d", fd);
  return 0;
}

static void
read_through (struct vhd_chain *c, uint8_t *buf)
{
  struct fg_err e = FG_ERR_INIT;
  uint64_t size = vhd_chain_size (c), cap = size < READ_CAP ? size : READ_CAP;

  for (size_t l = 0; l < vhd_chain_depth (c); l++) {
    (void) vhd_chain_path (c, l);
    (void) vhd_chain_footer (c, l);
    (void) vhd_chain_header (c, l);
    (void) vhd_chain_allocated_blocks (c, l);
    (void) vhd_chain_file_size (c, l);
  }
  for (uint64_t off = 0; off < cap; off += CHUNK) {
    size_t n = cap - off < CHUNK ? (size_t) (cap - off) : CHUNK;
    if (vhd_chain_may_have_data (c, off, n) &&
        vhd_chain_read (c, buf, off, n, &e) < 0)
      return;
  }
  /* Unaligned, across a sector and maybe a block boundary. */
  if (size > 1000) {
    uint64_t off = (size - 1000) / 3 | 1;
    (void) vhd_chain_read (c, buf, off, 999, &e);
  }
}

/* Most mutations break a checksum and stop at the footer.  A second run
 * re-encodes, through the codec, the footers and header that still have
 * their cookies, so that mutated fields get past the checksum checks and
 * into the range checks and reads. */
static int
fix_checksums (uint8_t *img, size_t size)
{
  struct vhd_footer f;
  struct vhd_header h;
  uint8_t *tail = img + size - VHD_FOOTER_SIZE;
  int fixed = 0;

  if (size < VHD_FOOTER_SIZE)
    return 0;
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

static void
one_run (const uint8_t *data, size_t size, uint8_t *buf)
{
  struct vhd_chain *c = NULL;
  struct fg_err e = FG_ERR_INIT;
  char path[64];

  input_file (data, size, path);
  if (vhd_chain_open (&c, path, NULL, 0, &e) == 0) {
    read_through (c, buf);
    vhd_chain_close (c);
  } else if (e.kind == FG_E_NONE || e.msg[0] == '\0') {
    abort ();                   /* a failure must say why */
  }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static uint8_t *buf;
  uint8_t *copy;

  if (buf == NULL && (buf = malloc (CHUNK)) == NULL)
    abort ();
  one_run (data, size, buf);
  copy = malloc (size ? size : 1);
  if (copy == NULL)
    abort ();
  memcpy (copy, data, size);
  if (fix_checksums (copy, size))
    one_run (copy, size, buf);
  free (copy);
  return 0;
}
