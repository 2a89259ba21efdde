/* convert/gunzip.c --- streaming multi-member gunzip with ISA-L
 *
 * ISA-L's isal_inflate is several times faster than zlib's inflate on
 * the same data, and with crc_flag = ISAL_GZIP it parses each member's
 * header and verifies its CRC-32 and ISIZE trailer itself.
 */
#include "convert/gunzip.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>

#define IN_BUF (1u << 20)

struct fg_gunzip {
  const struct fg_parts *parts;
  struct fg_parts_reader *in;
  struct inflate_state st;
  uint8_t *inbuf;
  int in_eof;
  int member_done;            /* last member finished, none started since */
  uint64_t out_pos;
};

int
fg_gunzip_open (struct fg_gunzip **out, const struct fg_parts *parts,
                struct fg_err *e)
{
  struct fg_gunzip *g = calloc (1, sizeof *g);

  *out = NULL;
  if (g == NULL || (g->inbuf = malloc (IN_BUF)) == NULL) {
    free (g);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "gzip reader");
  }
  g->parts = parts;
  if (fg_parts_reader_open (&g->in, parts, e) < 0) {
    free (g->inbuf);
    free (g);
    return -1;
  }
  isal_inflate_init (&g->st);
  g->st.crc_flag = ISAL_GZIP;
  *out = g;
  return 0;
}

uint64_t
fg_gunzip_in_pos (const struct fg_gunzip *g)
{
  return fg_parts_reader_pos (g->in) - g->st.avail_in;
}

uint64_t
fg_gunzip_out_pos (const struct fg_gunzip *g)
{
  return g->out_pos;
}

void
fg_gunzip_where (const struct fg_gunzip *g, char *buf, size_t cap)
{
  fg_parts_where (g->parts, fg_gunzip_in_pos (g), buf, cap);
}

/* Top up the input buffer, keeping what is unread. */
static int
refill (struct fg_gunzip *g, struct fg_err *e)
{
  ssize_t n;

  if (g->in_eof)
    return 0;
  if (g->st.avail_in > 0 && g->st.next_in != g->inbuf)
    memmove (g->inbuf, g->st.next_in, g->st.avail_in);
  g->st.next_in = g->inbuf;
  n = fg_parts_reader_read (g->in, g->inbuf + g->st.avail_in,
                            IN_BUF - g->st.avail_in, e);
  if (n < 0)
    return -1;
  if (n == 0)
    g->in_eof = 1;
  g->st.avail_in += (uint32_t) n;
  return 0;
}

static int
error_here (struct fg_gunzip *g, struct fg_err *e, const char *what)
{
  char where[512];

  fg_gunzip_where (g, where, sizeof where);
  fg_err_set (e, FG_E_INPUT, "%s: %s", where, what);
  fg_err_hint (e, "the download is damaged: fetch this part again from "
               "Cloud Files and compare its checksum");
  return -1;
}

/* After a member ends: another member, trailing zeros (ignored, as gzip
 * does), or junk. Returns 1 if a member follows, 0 at the end. */
static int
next_member (struct fg_gunzip *g, struct fg_err *e)
{
  for (;;) {
    if (g->st.avail_in < 2 && !g->in_eof && refill (g, e) < 0)
      return -1;
    if (g->st.avail_in == 0)
      return 0;
    if (g->st.next_in[0] == 0x1f && (g->st.avail_in < 2 ||
                                     g->st.next_in[1] == 0x8b))
      break;
    for (uint32_t i = 0; i < g->st.avail_in; i++)
      if (g->st.next_in[i] != 0)
        return error_here (g, e, "data after the end of the gzip stream "
                           "is not another gzip member");
    g->st.avail_in = 0;        /* zero padding: skip it */
    if (g->in_eof) {
      fg_warn ("zero padding after the gzip stream of '%s' ignored",
               g->parts->name);
      return 0;
    }
  }
  {
    uint8_t *next = g->st.next_in;
    uint32_t avail = g->st.avail_in;
    isal_inflate_reset (&g->st);
    g->st.crc_flag = ISAL_GZIP;
    g->st.next_in = next;
    g->st.avail_in = avail;
  }
  return 1;
}

ssize_t
fg_gunzip_read (struct fg_gunzip *g, void *buf, size_t cap,
                struct fg_err *e)
{
  if (cap > UINT32_MAX)
    cap = UINT32_MAX;
  for (;;) {
    int rc;
    uint32_t produced;

    if (g->member_done) {
      int more = next_member (g, e);
      if (more <= 0)
        return more;
      g->member_done = 0;
    }
    if (g->st.avail_in == 0 && refill (g, e) < 0)
      return -1;
    if (g->st.avail_in == 0 && g->in_eof) {
      if (g->out_pos == 0 && fg_gunzip_in_pos (g) == 0)
        return error_here (g, e, "empty input");
      return error_here (g, e, "the gzip stream ends in the middle: the "
                         "last part is truncated or a later part is "
                         "missing");
    }
    g->st.next_out = buf;
    g->st.avail_out = (uint32_t) cap;
    rc = isal_inflate (&g->st);
    produced = (uint32_t) cap - g->st.avail_out;
    g->out_pos += produced;
    switch (rc) {
    case ISAL_DECOMP_OK:
      break;
    case ISAL_INCORRECT_CHECKSUM:
      return error_here (g, e, "gzip CRC-32 or length check failed");
    case ISAL_INVALID_WRAPPER:
    case ISAL_UNSUPPORTED_METHOD:
      return error_here (g, e, "not a gzip stream (bad gzip header)");
    default:
      return error_here (g, e, "corrupt compressed data");
    }
    if (g->st.block_state == ISAL_BLOCK_FINISH)
      g->member_done = 1;
    if (produced > 0)
      return produced;
  }
}

void
fg_gunzip_close (struct fg_gunzip *g)
{
  if (g == NULL)
    return;
  fg_parts_reader_close (g->in);
  free (g->inbuf);
  free (g);
}
