/* util/strbuf.h --- a growable, NUL-terminated string buffer
 *
 * One out-of-memory policy for every text fg2ng builds (diffs, rendered
 * network files, edited fstabs, problem lines): a failed allocation is
 * remembered, every later append is ignored, and fg_strbuf_take returns
 * NULL, so the caller reports an error.  A cut text is never handed out
 * as if it were whole.
 */
#ifndef FG_UTIL_STRBUF_H
#define FG_UTIL_STRBUF_H

#include <stddef.h>

#include "util/err.h"

struct fg_strbuf {
  char *s;                    /* NULL until something is put */
  size_t len, cap;
  int oom;                    /* sticky: an allocation failed */
};

#define FG_STRBUF_INIT { NULL, 0, 0, 0 }

void fg_strbuf_put (struct fg_strbuf *b, const char *p, size_t n);
void fg_strbuf_puts (struct fg_strbuf *b, const char *s);
void fg_strbuf_putc (struct fg_strbuf *b, char c);
void fg_strbuf_printf (struct fg_strbuf *b, const char *fmt, ...)
  FG_PRINTF(2, 3);

/* Mark B failed: something its text needed could not be made, so the
 * text would be incomplete (fg_strbuf_take then returns NULL). */
void fg_strbuf_fail (struct fg_strbuf *b);

/* Keep only the first LEN bytes (LEN <= B->len). */
void fg_strbuf_cut (struct fg_strbuf *b, size_t len);

/* The last byte put, or '\0' when empty. */
char fg_strbuf_last (const struct fg_strbuf *b);

/* Hand over the text ("" when nothing was put) and empty B; NULL when an
 * allocation failed (B is emptied either way). */
char *fg_strbuf_take (struct fg_strbuf *b);

/* Free the text and empty B. */
void fg_strbuf_release (struct fg_strbuf *b);

#endif
