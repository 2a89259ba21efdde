/* tests/unit/test_strbuf.c --- the one string buffer and its one
 * out-of-memory policy (util/strbuf.h) */
#include "tests/unit/tap.h"
#include "util/strbuf.h"

#include <stdint.h>

static void
test_appends_and_takes (void)
{
  struct fg_strbuf b = FG_STRBUF_INIT;
  char *s;

  CHECK_INT (fg_strbuf_last (&b), '\0');
  fg_strbuf_puts (&b, "iface ");
  fg_strbuf_put (&b, "eth0 and more", 4);
  fg_strbuf_putc (&b, '\n');
  fg_strbuf_printf (&b, "  address %s/%d\n", "10.0.0.1", 24);
  CHECK_INT (fg_strbuf_last (&b), '\n');
  CHECK_U64 (b.len, strlen ("iface eth0\n  address 10.0.0.1/24\n"));
  s = fg_strbuf_take (&b);
  CHECK_STR (s, "iface eth0\n  address 10.0.0.1/24\n");
  free (s);
  /* Taken: B is empty again and usable. */
  CHECK (b.s == NULL && b.len == 0);
  fg_strbuf_puts (&b, "again");
  s = fg_strbuf_take (&b);
  CHECK_STR (s, "again");
  free (s);
}

static void
test_nothing_put_is_the_empty_text (void)
{
  struct fg_strbuf b = FG_STRBUF_INIT;
  char *s = fg_strbuf_take (&b);

  CHECK_STR (s, "");
  free (s);
  fg_strbuf_put (&b, "", 0);
  s = fg_strbuf_take (&b);
  CHECK_STR (s, "");
  free (s);
}

static void
test_grows_past_many_doublings (void)
{
  struct fg_strbuf b = FG_STRBUF_INIT;
  char *s;
  size_t k;

  for (k = 0; k < 100000; k++)
    fg_strbuf_printf (&b, "%zu,", k % 10);
  CHECK_U64 (b.len, 200000);
  s = fg_strbuf_take (&b);
  CHECK (s != NULL && strlen (s) == 200000 && strncmp (s, "0,1,2,", 6) == 0
         && strcmp (s + 199996, "8,9,") == 0);
  free (s);
}

/* A failed allocation is remembered: later appends are ignored and the
 * text is refused whole, never handed out cut. */
static void
test_failure_is_sticky_and_refused (void)
{
  struct fg_strbuf b = FG_STRBUF_INIT;

  fg_strbuf_puts (&b, "UUID=abc\t/\text4\t");
  fg_strbuf_put (&b, "x", SIZE_MAX / 2);    /* no memory is that large */
  CHECK (b.oom);
  fg_strbuf_puts (&b, "defaults\t0\t1\n");
  fg_strbuf_printf (&b, "%d\n", 1);
  fg_strbuf_putc (&b, 'x');
  CHECK_U64 (b.len, strlen ("UUID=abc\t/\text4\t"));
  CHECK (fg_strbuf_take (&b) == NULL);
  /* Emptied: nothing leaks, and B starts over. */
  CHECK (b.s == NULL && b.len == 0 && b.oom == 0);
  fg_strbuf_puts (&b, "ok");
  fg_strbuf_release (&b);
  CHECK (b.s == NULL);
}

int
main (void)
{
  RUN (test_appends_and_takes);
  RUN (test_nothing_put_is_the_empty_text);
  RUN (test_grows_past_many_doublings);
  RUN (test_failure_is_sticky_and_refused);
  return TAP_DONE ();
}
