/* util/err.c --- set once, prefix on the way up, print once at the top */
#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 character at S (1 to 4), or 0 when the bytes at S
 * are not one (a stray continuation, an overlong form, a surrogate, a
 * truncated sequence); *CP gets the code point. */
static size_t
utf8_char (const unsigned char *s, unsigned *cp)
{
  unsigned c = s[0], min;
  size_t n;

  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2; min = 0x80; c &= 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3; min = 0x800; c &= 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4; min = 0x10000; c &= 0x07;
  } else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3f);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
    return 0;
  *cp = c;
  return n;
}

/* How many bytes of S, starting at a character, print as they are (N),
 * or 0 when the byte at S must be escaped. */
static size_t
plain_run (const char *s, int keep_tab)
{
  unsigned cp;
  size_t n = utf8_char ((const unsigned char *) s, &cp);

  if (n == 0 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
    return 0;
  if (cp < 0x20 && !(keep_tab && cp == '\t'))
    return 0;
  return n;
}

char *
fg_escape_ctl (char *dst, size_t cap, const char *src, int keep_tab)
{
  size_t o = 0;

  if (cap == 0)
    return dst;
  while (*src) {
    size_t n = plain_run (src, keep_tab);
    if (n == 0) {
      /* Each byte of an escaped character on its own: \xC2\x9B. */
      size_t len = 1;
      unsigned cp;
      size_t u = utf8_char ((const unsigned char *) src, &cp);
      if (u > 1)
        len = u;
      if (o + 4 * len >= cap)
        break;
      for (size_t i = 0; i < len; i++)
        o += (size_t) snprintf (dst + o, cap - o, "\\x%02X",
                                (unsigned char) src[i]);
      src += len;
      continue;
    }
    if (o + n >= cap)
      break;
    memcpy (dst + o, src, n);
    o += n;
    src += n;
  }
  dst[o] = '\0';
  return dst;
}

char *
fg_escape_ctl_take (char *line)
{
  size_t cap;
  char *out;

  if (line == NULL || !fg_has_ctl (line))
    return line;
  cap = 4 * strlen (line) + 1;
  out = malloc (cap);
  if (out)
    fg_escape_ctl (out, cap, line, 0);
  free (line);
  return out;
}

int
fg_has_ctl (const char *s)
{
  while (*s) {
    size_t n = plain_run (s, 0);
    if (n == 0)
      return 1;
    s += n;
  }
  return 0;
}

/* Format, then escape: the one place every message passes. */
static void
vformat (char *dst, size_t cap, const char *fmt, va_list ap)
{
  char raw[FG_ERR_MSG_MAX];
  int n = vsnprintf (raw, sizeof raw, fmt, ap);
  if (n < 0)
    snprintf (raw, sizeof raw, "(unprintable error message)");
  fg_escape_ctl (dst, cap, raw, 0);
}

int
fg_err_set (struct fg_err *e, enum fg_errkind kind, const char *fmt, ...)
{
  va_list ap;

  if (e == NULL)
    return -1;
  e->kind = kind;
  e->sys_errno = 0;
  e->hint[0] = '\0';
  va_start (ap, fmt);
  vformat (e->msg, sizeof e->msg, fmt, ap);
  va_end (ap);
  return -1;
}

int
fg_err_errno (struct fg_err *e, enum fg_errkind kind, int errnum,
              const char *fmt, ...)
{
  va_list ap;
  size_t len;

  if (e == NULL)
    return -1;
  e->kind = kind;
  e->sys_errno = errnum;
  e->hint[0] = '\0';
  va_start (ap, fmt);
  vformat (e->msg, sizeof e->msg, fmt, ap);
  va_end (ap);
  len = strlen (e->msg);
  snprintf (e->msg + len, sizeof e->msg - len, ": %s", strerror (errnum));
  if (errnum == ENOSPC)
    fg_err_hint (e, "free space in the output folder, or choose another "
                 "with -o");
  return -1;
}

void
fg_err_hint (struct fg_err *e, const char *fmt, ...)
{
  va_list ap;

  if (e == NULL)
    return;
  va_start (ap, fmt);
  vformat (e->hint, sizeof e->hint, fmt, ap);
  va_end (ap);
}

int
fg_err_prefix (struct fg_err *e, const char *fmt, ...)
{
  char ctx[FG_ERR_MSG_MAX];
  char old[FG_ERR_MSG_MAX];
  va_list ap;

  if (e == NULL)
    return -1;
  va_start (ap, fmt);
  vformat (ctx, sizeof ctx, fmt, ap);
  va_end (ap);
  memcpy (old, e->msg, sizeof old);
  /* Truncation of a very long message is acceptable; build it by hand so
   * the compiler need not prove it cannot happen. */
  size_t n = strlen (ctx);
  if (n > sizeof e->msg - 3)
    n = sizeof e->msg - 3;
  memcpy (e->msg, ctx, n);
  memcpy (e->msg + n, ": ", 2);
  size_t room = sizeof e->msg - n - 3, olen = strlen (old);
  if (olen > room)
    olen = room;
  memcpy (e->msg + n + 2, old, olen);
  e->msg[n + 2 + olen] = '\0';
  return -1;
}

void
fg_err_clear (struct fg_err *e)
{
  if (e == NULL)
    return;
  e->kind = FG_E_NONE;
  e->sys_errno = 0;
  e->msg[0] = '\0';
  e->hint[0] = '\0';
}

int
fg_err_is_set (const struct fg_err *e)
{
  return e != NULL && e->kind != FG_E_NONE;
}

int
fg_err_exit_code (const struct fg_err *e)
{
  switch (e ? e->kind : FG_E_NONE) {
  case FG_E_NONE:
    return FG_EXIT_OK;
  case FG_E_REFUSED:
    return FG_EXIT_REFUSED;
  case FG_E_USAGE:
  case FG_E_INPUT:
    return FG_EXIT_INPUT;
  case FG_E_IO:
  case FG_E_UNSUPPORTED:
  case FG_E_INTERNAL:
    break;
  }
  return FG_EXIT_INTERNAL;
}

const char *
fg_err_kind_name (enum fg_errkind kind)
{
  switch (kind) {
  case FG_E_NONE: return "none";
  case FG_E_USAGE: return "usage";
  case FG_E_INPUT: return "input";
  case FG_E_REFUSED: return "refused";
  case FG_E_IO: return "io";
  case FG_E_UNSUPPORTED: return "unsupported";
  case FG_E_INTERNAL: return "internal";
  }
  return "internal";
}

void
fg_err_print (const struct fg_err *e, const char *prog, FILE *f)
{
  if (!fg_err_is_set (e))
    return;
  fprintf (f, "%s: error: %s\n", prog, e->msg);
  if (e->hint[0])
    fprintf (f, "hint: %s\n", e->hint);
}

static fg_warn_sink warn_sink;
static void *warn_opaque;
static unsigned warn_count;

void
fg_warn_set_sink (fg_warn_sink sink, void *opaque)
{
  warn_sink = sink;
  warn_opaque = opaque;
}

unsigned
fg_warn_count (void)
{
  return warn_count;
}

void
fg_warn (const char *fmt, ...)
{
  char msg[FG_ERR_MSG_MAX];
  va_list ap;

  va_start (ap, fmt);
  vformat (msg, sizeof msg, fmt, ap);
  va_end (ap);
  warn_count++;
  if (warn_sink)
    warn_sink (msg, warn_opaque);
  else
    fprintf (stderr, "fg2ng: warning: %s\n", msg);
}
