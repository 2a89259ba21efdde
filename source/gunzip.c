/* source/gunzip.c --- streaming multi-member gunzip with ISA-L
 *
 * ISA-L's isal_inflate is several times faster than zlib's inflate on
 * the same data, and with crc_flag = ISAL_GZIP it parses each member's
 * header and verifies its CRC-32 and ISIZE trailer itself.
 *
 * Inflating is the largest single cost of a conversion, so it runs in a
 * thread of its own, a few chunks ahead of the consumer (tar parsing,
 * file system and VHD writes): on two cores the two overlap.  Memory is
 * the fixed ring of chunks.
 */
#include "source/gunzip.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define IN_BUF (1u << 20)
#define CHUNK (1u << 20)
#define NCHUNKS 4

struct chunk {
  uint8_t *buf;
  size_t len;
  uint64_t in_pos;            /* compressed position after this chunk */
  int last;                   /* end of stream (len may be 0) */
  int failed;                 /* the producer's error is in g->perr */
};

struct fg_gunzip {
  const struct fg_parts *parts;
  struct fg_parts_reader *in;
  struct inflate_state st;
  uint8_t *inbuf;
  int in_eof;
  int member_done;            /* last member finished, none started since */
  uint64_t out_pos;           /* produced so far (producer side) */
  /* The ring between the inflating thread and the reader. */
  pthread_t thread;
  int thread_started;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  struct chunk ring[NCHUNKS];
  unsigned head, tail;        /* produce at head, consume at tail */
  unsigned filled;            /* chunks ready to consume */
  int stop;                   /* the reader is gone: stop producing */
  struct fg_err perr;         /* the producer's error */
  int holding;                /* the reader holds ring[tail] */
  uint64_t consumed_in_pos;   /* in_pos of the chunk last handed out */
  uint64_t consumed_out;      /* bytes handed out */
  int ended;                  /* the last chunk was handed out */
  const uint8_t *pending;     /* fg_gunzip_read's rest of a chunk */
  size_t pending_len;
};

/* The producer's compressed position. */
static uint64_t
engine_in_pos (const struct fg_gunzip *g)
{
  return fg_parts_reader_pos (g->in) - g->st.avail_in;
}

uint64_t
fg_gunzip_in_pos (const struct fg_gunzip *g)
{
  return g->consumed_in_pos;
}

uint64_t
fg_gunzip_out_pos (const struct fg_gunzip *g)
{
  return g->consumed_out;
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

  fg_parts_where (g->parts, engine_in_pos (g), where, sizeof where);
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

/* Inflate up to CAP bytes (runs in the producer thread). */
static ssize_t
engine_read (struct fg_gunzip *g, void *buf, size_t cap, struct fg_err *e)
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
      if (g->out_pos == 0 && engine_in_pos (g) == 0)
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

static void *
producer (void *opaque)
{
  struct fg_gunzip *g = opaque;

  for (;;) {
    struct chunk *c;
    size_t len = 0;
    int last = 0, failed = 0;

    pthread_mutex_lock (&g->lock);
    while (g->filled == NCHUNKS && !g->stop)
      pthread_cond_wait (&g->cond, &g->lock);
    if (g->stop) {
      pthread_mutex_unlock (&g->lock);
      return NULL;
    }
    c = &g->ring[g->head];
    pthread_mutex_unlock (&g->lock);

    /* Fill the chunk outside the lock: the reader never touches it
     * until it is counted in FILLED. */
    while (len < CHUNK) {
      ssize_t n = engine_read (g, c->buf + len, CHUNK - len, &g->perr);
      if (n < 0) {
        failed = 1;
        break;
      }
      if (n == 0) {
        last = 1;
        break;
      }
      len += (size_t) n;
    }
    c->len = len;
    c->last = last;
    c->failed = failed;
    c->in_pos = engine_in_pos (g);

    pthread_mutex_lock (&g->lock);
    g->head = (g->head + 1) % NCHUNKS;
    g->filled++;
    pthread_cond_broadcast (&g->cond);
    pthread_mutex_unlock (&g->lock);
    if (last || failed)
      return NULL;
  }
}

int
fg_gunzip_open (struct fg_gunzip **out, const struct fg_parts *parts,
                struct fg_err *e)
{
  struct fg_gunzip *g = calloc (1, sizeof *g);

  *out = NULL;
  if (g == NULL || (g->inbuf = malloc (IN_BUF)) == NULL)
    goto oom;
  for (int i = 0; i < NCHUNKS; i++)
    if ((g->ring[i].buf = malloc (CHUNK)) == NULL)
      goto oom;
  g->parts = parts;
  if (fg_parts_reader_open (&g->in, parts, e) < 0)
    goto fail;
  isal_inflate_init (&g->st);
  g->st.crc_flag = ISAL_GZIP;
  pthread_mutex_init (&g->lock, NULL);
  pthread_cond_init (&g->cond, NULL);
  if (pthread_create (&g->thread, NULL, producer, g) != 0) {
    fg_err_errno (e, FG_E_INTERNAL, errno, "cannot start the inflate thread");
    goto fail;
  }
  g->thread_started = 1;
  *out = g;
  return 0;

oom:
  fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "gzip reader");
fail:
  fg_gunzip_close (g);
  return -1;
}

int
fg_gunzip_next (struct fg_gunzip *g, const void **buf, size_t *len,
                struct fg_err *e)
{
  struct chunk *c;

  pthread_mutex_lock (&g->lock);
  if (g->holding) {
    /* Give back the chunk handed out last time. */
    g->holding = 0;
    g->tail = (g->tail + 1) % NCHUNKS;
    g->filled--;
    pthread_cond_broadcast (&g->cond);
  }
  if (g->ended) {
    /* The producer has finished: nothing more will come. */
    pthread_mutex_unlock (&g->lock);
    return 0;
  }
  while (g->filled == 0)
    pthread_cond_wait (&g->cond, &g->lock);
  c = &g->ring[g->tail];
  pthread_mutex_unlock (&g->lock);

  g->consumed_in_pos = c->in_pos;
  if (c->failed) {
    if (e)
      *e = g->perr;
    return -1;
  }
  g->holding = 1;
  g->consumed_out += c->len;
  *buf = c->buf;
  *len = c->len;
  if (c->last)
    g->ended = 1;
  if (c->len == 0 && c->last)
    return 0;
  return 1;
}

ssize_t
fg_gunzip_read (struct fg_gunzip *g, void *buf, size_t cap,
                struct fg_err *e)
{
  /* A copying reader on top of the chunks, for callers that want one. */
  if (g->pending_len == 0) {
    const void *p;
    size_t n;
    int rc = fg_gunzip_next (g, &p, &n, e);
    if (rc <= 0)
      return rc;
    g->pending = p;
    g->pending_len = n;
  }
  if (cap > g->pending_len)
    cap = g->pending_len;
  memcpy (buf, g->pending, cap);
  g->pending += cap;
  g->pending_len -= cap;
  return (ssize_t) cap;
}

void
fg_gunzip_close (struct fg_gunzip *g)
{
  if (g == NULL)
    return;
  if (g->thread_started) {
    pthread_mutex_lock (&g->lock);
    g->stop = 1;
    pthread_cond_broadcast (&g->cond);
    pthread_mutex_unlock (&g->lock);
    pthread_join (g->thread, NULL);
    pthread_mutex_destroy (&g->lock);
    pthread_cond_destroy (&g->cond);
  }
  fg_parts_reader_close (g->in);
  for (int i = 0; i < NCHUNKS; i++)
    free (g->ring[i].buf);
  free (g->inbuf);
  free (g);
}
