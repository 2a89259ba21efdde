/* convert/dirindex.c --- per-folder name sets with a memory budget
 *
 * Two levels of open addressing: folder inode -> its set, and in a set
 * name -> inode.  Sets stay at most half full.  When the budget is
 * passed, the least recently used half of the bytes is dropped in one go
 * (sorting the sets by last use), so the cost of eviction is paid rarely
 * and a folder being filled, used on every member, is never the one to go.
 */
#include "convert/dirindex.h"

#include <stdlib.h>
#include <string.h>

struct entry {
  uint32_t hash;
  uint32_t ino;
  char *name;                   /* NULL: empty slot */
};

struct dirset {
  uint32_t dir;
  uint64_t used;                /* clock of the last use */
  size_t n, cap;                /* entries, slots (a power of two) */
  struct entry *tab;
  size_t bytes;                 /* what this set costs, all included */
};

/* A slot of the folder table that was emptied: probing goes past it. */
static struct dirset gone_;
#define GONE (&gone_)

struct fg_dirindex {
  size_t budget, bytes;
  uint64_t clock;
  struct dirset **dirs;         /* open addressing by folder inode */
  size_t ndirs, cap;            /* live sets, slots */
  size_t tombs;
  size_t dropped;
  struct dirset *last;          /* the set used last: usually the next one */
};

static uint32_t
name_hash (const char *s, size_t len)
{
  uint32_t h = 2166136261u;     /* FNV-1a */

  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char) s[i];
    h *= 16777619u;
  }
  return h;
}

static size_t
dir_slot (uint32_t dir, size_t cap)
{
  return (size_t) ((dir * 2654435761u) & (cap - 1));
}

struct fg_dirindex *
fg_dirindex_new (size_t budget_bytes)
{
  struct fg_dirindex *x = calloc (1, sizeof *x);

  if (x == NULL)
    return NULL;
  x->budget = budget_bytes;
  x->cap = 64;
  x->dirs = calloc (x->cap, sizeof *x->dirs);
  if (x->dirs == NULL) {
    free (x);
    return NULL;
  }
  return x;
}

static void
set_free (struct dirset *s)
{
  for (size_t i = 0; i < s->cap; i++)
    free (s->tab[i].name);
  free (s->tab);
  free (s);
}

void
fg_dirindex_free (struct fg_dirindex *x)
{
  if (x == NULL)
    return;
  for (size_t i = 0; i < x->cap; i++)
    if (x->dirs[i] && x->dirs[i] != GONE)
      set_free (x->dirs[i]);
  free (x->dirs);
  free (x);
}

static struct dirset **
find_slot (struct fg_dirindex *x, uint32_t dir)
{
  size_t i = dir_slot (dir, x->cap);

  for (;;) {
    struct dirset *s = x->dirs[i];
    if (s == NULL)
      return NULL;
    if (s != GONE && s->dir == dir)
      return &x->dirs[i];
    i = (i + 1) & (x->cap - 1);
  }
}

static struct dirset *
find_set (struct fg_dirindex *x, uint32_t dir)
{
  struct dirset **p;

  if (x == NULL)
    return NULL;
  if (x->last && x->last->dir == dir)
    return x->last;
  p = find_slot (x, dir);
  if (p == NULL)
    return NULL;
  x->last = *p;
  return *p;
}

static void
drop_set (struct fg_dirindex *x, struct dirset **slot)
{
  struct dirset *s = *slot;

  if (x->last == s)
    x->last = NULL;
  x->bytes -= s->bytes;
  x->ndirs--;
  set_free (s);
  *slot = GONE;
  x->tombs++;
}

/* Rehash the folder table into CAP slots (tombstones go). */
static int
regrow (struct fg_dirindex *x, size_t cap)
{
  struct dirset **old = x->dirs, **t = calloc (cap, sizeof *t);
  size_t oldcap = x->cap;

  if (t == NULL)
    return -1;
  for (size_t i = 0; i < oldcap; i++) {
    struct dirset *s = old[i];
    size_t j;
    if (s == NULL || s == GONE)
      continue;
    for (j = dir_slot (s->dir, cap); t[j]; j = (j + 1) & (cap - 1))
      ;
    t[j] = s;
  }
  free (old);
  x->dirs = t;
  x->cap = cap;
  x->tombs = 0;
  return 0;
}

static int
by_use (const void *a, const void *b)
{
  const struct dirset *sa = *(struct dirset *const *) a;
  const struct dirset *sb = *(struct dirset *const *) b;

  return sa->used < sb->used ? -1 : sa->used > sb->used;
}

/* Over budget: drop the least recently used sets until half of it is
 * left, never KEEP (the set being added to) unless it alone is too big. */
static void
shrink (struct fg_dirindex *x, struct dirset *keep)
{
  struct dirset **all = malloc (x->ndirs * sizeof *all);
  size_t n = 0;

  if (all == NULL) {
    /* Cannot even sort: drop everything but KEEP. */
    for (size_t i = 0; i < x->cap; i++)
      if (x->dirs[i] && x->dirs[i] != GONE && x->dirs[i] != keep) {
        drop_set (x, &x->dirs[i]);
        x->dropped++;
      }
  } else {
    for (size_t i = 0; i < x->cap; i++)
      if (x->dirs[i] && x->dirs[i] != GONE)
        all[n++] = x->dirs[i];
    qsort (all, n, sizeof *all, by_use);
    for (size_t i = 0; i < n && x->bytes > x->budget / 2; i++) {
      if (all[i] == keep)
        continue;
      drop_set (x, find_slot (x, all[i]->dir));
      x->dropped++;
    }
    free (all);
  }
  if (x->bytes > x->budget && keep) {
    drop_set (x, find_slot (x, keep->dir));
    x->dropped++;
  }
}

void
fg_dirindex_track (struct fg_dirindex *x, uint32_t dir)
{
  struct dirset *s;
  size_t j;

  if (x == NULL)
    return;
  if (find_set (x, dir))
    return;
  if ((x->ndirs + x->tombs + 1) * 2 > x->cap &&
      regrow (x, x->ndirs * 4 > x->cap ? x->cap * 2 : x->cap) < 0)
    return;
  s = calloc (1, sizeof *s);
  if (s == NULL)
    return;
  s->cap = 8;
  s->tab = calloc (s->cap, sizeof *s->tab);
  if (s->tab == NULL) {
    free (s);
    return;
  }
  s->dir = dir;
  s->used = ++x->clock;
  s->bytes = sizeof *s + s->cap * sizeof *s->tab;
  for (j = dir_slot (dir, x->cap); x->dirs[j] && x->dirs[j] != GONE;
       j = (j + 1) & (x->cap - 1))
    ;
  if (x->dirs[j] == GONE)
    x->tombs--;
  x->dirs[j] = s;
  x->ndirs++;
  x->bytes += s->bytes;
  x->last = s;
  if (x->bytes > x->budget)
    shrink (x, NULL);
}

static struct entry *
probe (struct dirset *s, const char *name, size_t len, uint32_t h)
{
  size_t i = h & (s->cap - 1);

  for (;;) {
    struct entry *en = &s->tab[i];
    if (en->name == NULL ||
        (en->hash == h && strncmp (en->name, name, len) == 0 &&
         en->name[len] == '\0'))
      return en;
    i = (i + 1) & (s->cap - 1);
  }
}

int
fg_dirindex_find (struct fg_dirindex *x, uint32_t dir, const char *name,
                  size_t len, uint32_t *ino)
{
  struct dirset *s = find_set (x, dir);
  struct entry *en;

  if (s == NULL)
    return -1;
  s->used = ++x->clock;
  en = probe (s, name, len, name_hash (name, len));
  if (en->name == NULL)
    return 0;
  *ino = en->ino;
  return 1;
}

static int
grow_set (struct dirset *s)
{
  size_t cap = s->cap * 2;
  struct entry *t = calloc (cap, sizeof *t);

  if (t == NULL)
    return -1;
  for (size_t i = 0; i < s->cap; i++) {
    struct entry *en = &s->tab[i];
    size_t j;
    if (en->name == NULL)
      continue;
    for (j = en->hash & (cap - 1); t[j].name; j = (j + 1) & (cap - 1))
      ;
    t[j] = *en;
  }
  free (s->tab);
  s->tab = t;
  s->bytes += (cap - s->cap) * sizeof *t;
  s->cap = cap;
  return 0;
}

void
fg_dirindex_add (struct fg_dirindex *x, uint32_t dir, const char *name,
                 uint32_t ino)
{
  struct dirset *s = find_set (x, dir);
  size_t len = strlen (name), before;
  uint32_t h = name_hash (name, len);
  struct entry *en;

  if (s == NULL)
    return;
  s->used = ++x->clock;
  before = s->bytes;
  if ((s->n + 1) * 2 > s->cap && grow_set (s) < 0)
    goto lost;
  en = probe (s, name, len, h);
  if (en->name == NULL) {
    if ((en->name = strdup (name)) == NULL)
      goto lost;
    en->hash = h;
    s->n++;
    s->bytes += len + 1;
  }
  en->ino = ino;
  x->bytes += s->bytes - before;
  if (x->bytes > x->budget)
    shrink (x, s);
  return;

lost:
  /* The set would now be incomplete: it must not answer "not there". */
  x->bytes += s->bytes - before;
  drop_set (x, find_slot (x, dir));
}

void
fg_dirindex_forget (struct fg_dirindex *x, uint32_t dir)
{
  struct dirset **p;

  if (x == NULL || (p = find_slot (x, dir)) == NULL)
    return;
  drop_set (x, p);
}

void
fg_dirindex_stats (const struct fg_dirindex *x, size_t *dirs, size_t *dropped)
{
  *dirs = x ? x->ndirs : 0;
  *dropped = x ? x->dropped : 0;
}
