/* fixups/diff.c --- LCS line diff, printed as unified hunks */
#include "fixups/diff.h"

#include "util/strbuf.h"

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

/* One edit-script op: ' ' common, '-' old only, '+' new only. */
struct op {
  char kind;
  size_t a, b;              /* line indexes in old / new */
};

static int
same_line (const struct lines *a, size_t i, const struct lines *b, size_t j)
{
  return a->len[i] == b->len[j] && memcmp (a->p[i], b->p[j], a->len[i]) == 0;
}

/* The edit script from A to B into *OPS (*NOPS of them), by a longest-
 * common-subsequence table; -1 when memory runs out. */
static int
edit_script (const struct lines *a, const struct lines *b, struct op **ops,
             size_t *nops)
{
  /* t[i][j] = LCS length of a[i..] and b[j..] */
  uint16_t *t = calloc ((a->n + 1) * (b->n + 1), sizeof *t);
  size_t i = 0, j = 0, n = 0;
  struct op *v = malloc ((a->n + b->n + 1) * sizeof *v);

  if (t == NULL || v == NULL) {
    free (t);
    free (v);
    return -1;
  }
#define T(i, j) t[(i) * (b->n + 1) + (j)]
  for (size_t x = a->n; x-- > 0; )
    for (size_t y = b->n; y-- > 0; )
      T (x, y) = same_line (a, x, b, y) ? (uint16_t) (T (x + 1, y + 1) + 1)
        : (T (x + 1, y) >= T (x, y + 1) ? T (x + 1, y) : T (x, y + 1));
  while (i < a->n || j < b->n) {
    if (i < a->n && j < b->n && same_line (a, i, b, j))
      v[n++] = (struct op) { ' ', i++, j++ };
    else if (i < a->n && (j == b->n || T (i + 1, j) >= T (i, j + 1)))
      v[n++] = (struct op) { '-', i++, j };   /* removals first, as diff -u */
    else
      v[n++] = (struct op) { '+', i, j++ };
  }
#undef T
  free (t);
  *ops = v;
  *nops = n;
  return 0;
}

/* One hunk, ops [START, END), as diff -u prints it. */
static void
print_hunk (struct fg_strbuf *out, const struct op *ops, size_t start,
            size_t end, const struct lines *a, const struct lines *b)
{
  size_t na = 0, nb = 0, sa, sb;

  for (size_t x = start; x < end; x++) {
    if (ops[x].kind != '+')
      na++;
    if (ops[x].kind != '-')
      nb++;
  }
  /* As diff -u: ",N" is left out when N is 1. */
  sa = na ? ops[start].a + 1 : ops[start].a;
  sb = nb ? ops[start].b + 1 : ops[start].b;
  fg_strbuf_printf (out, "@@ -%zu", sa);
  if (na != 1)
    fg_strbuf_printf (out, ",%zu", na);
  fg_strbuf_printf (out, " +%zu", sb);
  if (nb != 1)
    fg_strbuf_printf (out, ",%zu", nb);
  fg_strbuf_printf (out, " @@\n");
  for (size_t x = start; x < end; x++) {
    const struct lines *l = ops[x].kind == '+' ? b : a;
    size_t idx = ops[x].kind == '+' ? ops[x].b : ops[x].a;
    fg_strbuf_printf (out, "%c%.*s\n", ops[x].kind, (int) l->len[idx],
                      l->p[idx]);
  }
}

/* Hunks: runs of changes with CONTEXT common lines around them. */
static void
print_hunks (struct fg_strbuf *out, const struct op *ops, size_t nops,
             const struct lines *a, const struct lines *b)
{
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
    while (end < nops
           && (ops[end].kind != ' ' || end - last_change <= 2 * CONTEXT)) {
      if (ops[end].kind != ' ')
        last_change = end;
      end++;
    }
    end = last_change + 1 + CONTEXT < nops ? last_change + 1 + CONTEXT : nops;
    print_hunk (out, ops, start, end, a, b);
    k = end;
  }
}

char *
fg_diff_unified (const char *path, const char *old_text, const char *new_text)
{
  struct lines a = { 0 }, b = { 0 };
  struct fg_strbuf out = FG_STRBUF_INIT;
  struct op *ops = NULL;
  size_t nops = 0;
  char *r = NULL;

  if ((old_text && new_text && strcmp (old_text, new_text) == 0))
    return strdup ("");
  if (split (old_text, &a) < 0 || split (new_text, &b) < 0)
    goto done;
  fg_strbuf_printf (&out, "--- %s%s\n+++ %s%s\n", old_text ? "a/" : "",
                    old_text ? path : "/dev/null", new_text ? "b/" : "",
                    new_text ? path : "/dev/null");
  if (a.n > MAX_LINES || b.n > MAX_LINES)
    fg_strbuf_printf (&out, "@@ %zu lines -> %zu lines (too large to show) "
                      "@@\n", a.n, b.n);
  else if (edit_script (&a, &b, &ops, &nops) < 0)
    goto done;
  else
    print_hunks (&out, ops, nops, &a, &b);
  /* NULL when memory ran out anywhere: never a cut diff. */
  r = fg_strbuf_take (&out);
done:
  fg_strbuf_release (&out);
  free (ops);
  free (a.p);
  free (a.len);
  free (b.p);
  free (b.len);
  return r;
}
