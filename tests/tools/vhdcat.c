/* tests/tools/vhdcat.c --- write a VHD chain's virtual disk as a sparse raw
 *
 * usage: vhdcat IN.vhd OUT.raw [PARENT.vhd...]
 *
 * A test helper for tests/peers.sh: it goes through the reader alone
 * (vhd_chain_open, vhd_chain_read), so that the third-party samples test
 * source/vhd_read.c and nothing else.  Ranges no level can hold, and
 * chunks that read as zeros, are left as holes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/vhd.h"

#define CHUNK (2u << 20)

static int
all_zero (const uint8_t *p, size_t n)
{
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

static int
copy_out (struct vhd_chain *c, int fd, const char *out, struct fg_err *e)
{
  uint64_t size = vhd_chain_size (c);
  uint8_t *buf = malloc (CHUNK);
  int rc = -1;

  if (buf == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "out of memory");
  for (uint64_t off = 0; off < size; off += CHUNK) {
    size_t n = size - off < CHUNK ? (size_t) (size - off) : CHUNK;
    if (!vhd_chain_may_have_data (c, off, n))
      continue;
    if (vhd_chain_read (c, buf, off, n, e) < 0)
      goto out;
    if (all_zero (buf, n))
      continue;
    if (pwrite (fd, buf, n, (off_t) off) != (ssize_t) n) {
      fg_err_errno (e, FG_E_IO, errno, "cannot write '%s'", out);
      goto out;
    }
  }
  if (ftruncate (fd, (off_t) size) < 0) {
    fg_err_errno (e, FG_E_IO, errno, "cannot size '%s'", out);
    goto out;
  }
  rc = 0;
out:
  free (buf);
  return rc;
}

int
main (int argc, char **argv)
{
  struct fg_err err = FG_ERR_INIT;
  struct vhd_chain *c = NULL;
  int fd, rc;

  if (argc < 3) {
    fprintf (stderr, "usage: vhdcat IN.vhd OUT.raw [PARENT.vhd...]\n");
    return 2;
  }
  if (vhd_chain_open (&c, argv[1], (const char *const *) argv + 3,
                      (size_t) argc - 3, &err) < 0) {
    fg_err_print (&err, "vhdcat", stderr);
    return fg_err_exit_code (&err);
  }
  fd = open (argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fg_err_errno (&err, FG_E_IO, errno, "cannot create '%s'", argv[2]);
    rc = -1;
  } else {
    rc = copy_out (c, fd, argv[2], &err);
    if (close (fd) < 0 && rc == 0)
      rc = fg_err_errno (&err, FG_E_IO, errno, "cannot close '%s'", argv[2]);
  }
  vhd_chain_close (c);
  if (rc < 0) {
    fg_err_print (&err, "vhdcat", stderr);
    return fg_err_exit_code (&err);
  }
  return 0;
}
