/* tests/fuzz/fuzz_initramfs.c --- the initramfs listing on any bytes
 *
 * The first input byte picks the stretch size the source hands out (1 to
 * 256 bytes, or 64 KiB), as the tar stream splits a member anywhere; the
 * rest is the initramfs.  Whatever the bytes, the listing returns 0 with
 * a status, never reads past what it was given, and leaks nothing: the
 * gzip'd path goes through ISA-L, the others through libarchive.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/initramfs.h"

struct src {
  const uint8_t *p;
  size_t len, pos, stretch;
};

static int
next (void *opaque, const void **b, size_t *len)
{
  struct src *s = opaque;

  if (s->pos >= s->len)
    return 0;
  *b = s->p + s->pos;
  *len = s->len - s->pos < s->stretch ? s->len - s->pos : s->stretch;
  s->pos += *len;
  return 1;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct src s;
  struct fg_initramfs r;

  if (size < 1)
    return 0;
  s.p = data + 1;
  s.len = size - 1;
  s.pos = 0;
  s.stretch = data[0] == 0xff ? 65536 : (size_t) data[0] + 1;
  if (fg_initramfs_list (next, &s, &r) != 0)
    abort ();                   /* the source never fails here */
  if (r.status == FG_INITRAMFS_NOT_LISTED)
    abort ();
  if (memchr (r.format, '\0', sizeof r.format) == NULL ||
      memchr (r.why, '\0', sizeof r.why) == NULL)
    abort ();
  return 0;
}
