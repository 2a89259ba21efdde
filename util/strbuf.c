/* util/strbuf.c --- a growable string buffer (see strbuf.h) */
#include "util/strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for N more bytes and the NUL; 0, or -1 (B marked) when none. */
static int
reserve (struct fg_strbuf *b, size_t n)
{
  size_t need, ncap;
  char *ns;

  if (b->oom)
    return -1;
  if (n > SIZE_MAX / 2 - b->len - 1) {
    b->oom = 1;
    return -1;
  }
  need = b->len + n + 1;
  if (need <= b->cap)
    return 0;
  ncap = b->cap ? b->cap : 64;
  while (ncap < need)
    ncap *= 2;
  if ((ns = realloc (b->s, ncap)) == NULL) {
    b->oom = 1;
    return -1;
  }
  b->s = ns;
  b->cap = ncap;
  return 0;
}

void
fg_strbuf_put (struct fg_strbuf *b, const char *p, size_t n)
{
  if (reserve (b, n) < 0)
    return;
  memcpy (b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void
fg_strbuf_puts (struct fg_strbuf *b, const char *s)
{
  fg_strbuf_put (b, s, strlen (s));
}

void
fg_strbuf_putc (struct fg_strbuf *b, char c)
{
  fg_strbuf_put (b, &c, 1);
}

void
fg_strbuf_printf (struct fg_strbuf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (b->oom)
    return;
  va_start (ap, fmt);
  n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  if (n < 0) {
    b->oom = 1;                 /* no text to put: as bad as no memory */
    return;
  }
  if (reserve (b, (size_t) n) < 0)
    return;
  va_start (ap, fmt);
  vsnprintf (b->s + b->len, b->cap - b->len, fmt, ap);
  va_end (ap);
  b->len += (size_t) n;
}

void
fg_strbuf_fail (struct fg_strbuf *b)
{
  b->oom = 1;
}

void
fg_strbuf_cut (struct fg_strbuf *b, size_t len)
{
  if (len < b->len) {
    b->len = len;
    b->s[len] = '\0';
  }
}

char
fg_strbuf_last (const struct fg_strbuf *b)
{
  return b->len ? b->s[b->len - 1] : '\0';
}

char *
fg_strbuf_take (struct fg_strbuf *b)
{
  char *s = b->s;

  if (b->oom) {
    fg_strbuf_release (b);
    return NULL;
  }
  if (s == NULL)
    s = strdup ("");
  b->s = NULL;
  b->len = b->cap = 0;
  return s;
}

void
fg_strbuf_release (struct fg_strbuf *b)
{
  free (b->s);
  b->s = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}
