/* fixups/diff.c --- LCS line diff, printed as unified hunks */
#include "fixups/diff.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 4000              /* the LCS table is MAX_LINES^2 cells */
#define CONTEXT 3

struct lines {
  const char **p;
  size_t *len;
  size_t n;
};

static int
split (const char *text, struct lines *l)
{
  size_t cap = 16;

  l->n = 0;
  l->p = malloc (cap * sizeof *l->p);
  l->len = malloc (cap * sizeof *l->len);
  if (l->p == NULL || l->len == NULL)
    return -1;
  for (const char *s = text; s && *s; ) {
    const char *nl = strchr (s, '\n');
    size_t n = nl ? (size_t) (nl - s) : strlen (s);
    if (l->n == cap) {
      cap *= 2;
      const char **np = realloc (l->p, cap * sizeof *np);
      size_t *nlen = np ? realloc (l->len, cap * sizeof *nlen) : NULL;
      if (np)
        l->p = np;
      if (nlen == NULL)
        return -1;
      l->len = nlen;
    }
    l->p[l->n] = s;
    l->len[l->n] = n;
    l->n++;
    s = nl ? nl + 1 : s + n;
  }
  return 0;
}

struct buf {
  char *s;
  size_t len, cap;
};

static void append (struct buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void
append (struct buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  for (;;) {
    va_start (ap, fmt);
    n = vsnprintf (b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0,
                   fmt, ap);
    va_end (ap);
    if (n < 0)
      return;
    if (b->s && b->len + (size_t) n < b->cap) {
      b->len += (size_t) n;
      return;
    }
    size_t ncap = (b->cap + (size_t) n + 1) * 2;
    char *ns = realloc (b->s, ncap);
    if (ns == NULL)
      return;
    b->s = ns;
    b->cap = ncap;
  }
}

/* One edit-script op: ' ' common, '-' old only, '+' new only. */
struct op {
  char kind;
  size_t a, b;              /* line indexes in old / new */
};

char *
fg_diff_unified (const char *path, const char *old_text, const char *new_text)
{
  struct lines a = { 0 }, b = { 0 };
  struct buf out = { 0 };
  uint16_t *t = NULL;
  struct op *ops = NULL;
  size_t nops = 0;

  if ((old_text && new_text && strcmp (old_text, new_text) == 0))
    return strdup ("");
  if (split (old_text, &a) < 0 || split (new_text, &b) < 0)
    goto oom;
  append (&out, "--- %s%s\n+++ %s%s\n", old_text ? "a/" : "", old_text ? path : "/dev/null",
          new_text ? "b/" : "", new_text ? path : "/dev/null");
  if (a.n > MAX_LINES || b.n > MAX_LINES) {
    append (&out, "@@ %zu lines -> %zu lines (too large to show) @@\n", a.n, b.n);
    goto done;
  }
  /* t[i][j] = LCS length of a[i..] and b[j..] */
  t = calloc ((a.n + 1) * (b.n + 1), sizeof *t);
  ops = malloc ((a.n + b.n + 1) * sizeof *ops);
  if (t == NULL || ops == NULL)
    goto oom;
#define T(i, j) t[(i) * (b.n + 1) + (j)]
  for (size_t i = a.n; i-- > 0; )
    for (size_t j = b.n; j-- > 0; )
      T (i, j) = (a.len[i] == b.len[j] && memcmp (a.p[i], b.p[j], a.len[i]) == 0)
        ? (uint16_t) (T (i + 1, j + 1) + 1)
        : (T (i + 1, j) >= T (i, j + 1) ? T (i + 1, j) : T (i, j + 1));
  {
    size_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
      if (i < a.n && j < b.n && a.len[i] == b.len[j] &&
          memcmp (a.p[i], b.p[j], a.len[i]) == 0) {
        ops[nops++] = (struct op) { ' ', i++, j++ };
      } else if (i < a.n && (j == b.n || T (i + 1, j) >= T (i, j + 1))) {
        ops[nops++] = (struct op) { '-', i++, j };   /* removals first, as diff -u */
      } else {
        ops[nops++] = (struct op) { '+', i, j++ };
      }
    }
  }
#undef T
  /* Hunks: runs of changes with CONTEXT common lines around them. */
  for (size_t k = 0; k < nops; ) {
    size_t start, end, last_change;
    if (ops[k].kind == ' ') {
      k++;
      continue;
    }
    start = k > CONTEXT ? k - CONTEXT : 0;
    while (start < k && ops[start].kind != ' ')
      start++;
    last_change = k;
    end = k;
    while (end < nops && (ops[end].kind != ' ' || end - last_change <= 2 * CONTEXT)) {
      if (ops[end].kind != ' ')
        last_change = end;
      end++;
    }
    end = last_change + 1 + CONTEXT < nops ? last_change + 1 + CONTEXT : nops;
    {
      size_t na = 0, nb = 0;
      for (size_t x = start; x < end; x++) {
        if (ops[x].kind != '+')
          na++;
        if (ops[x].kind != '-')
          nb++;
      }
      /* As diff -u: ",N" is left out when N is 1. */
      size_t sa = na ? ops[start].a + 1 : ops[start].a;
      size_t sb = nb ? ops[start].b + 1 : ops[start].b;
      append (&out, "@@ -%zu", sa);
      if (na != 1)
        append (&out, ",%zu", na);
      append (&out, " +%zu", sb);
      if (nb != 1)
        append (&out, ",%zu", nb);
      append (&out, " @@\n");
      for (size_t x = start; x < end; x++) {
        const struct lines *l = ops[x].kind == '+' ? &b : &a;
        size_t idx = ops[x].kind == '+' ? ops[x].b : ops[x].a;
        append (&out, "%c%.*s\n", ops[x].kind, (int) l->len[idx], l->p[idx]);
      }
    }
    k = end;
  }
done:
  free (t);
  free (ops);
  free (a.p);
  free (a.len);
  free (b.p);
  free (b.len);
  return out.s ? out.s : strdup ("");
oom:
  free (t);
  free (ops);
  free (a.p);
  free (a.len);
  free (b.p);
  free (b.len);
  free (out.s);
  return NULL;
}
