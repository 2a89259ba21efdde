/* source/parts.c --- find, order and read NAME.tar.gz.0 .. N */
#include "source/parts.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

/* If NAME is "<prefix>.tar.gz.<digits>" (or .tgz.<digits>), return the
 * length of "<prefix>.tar.gz" and store the number; else 0. */
size_t
fg_parts_split_name (const char *name, unsigned *index)
{
  const char *dot = strrchr (name, '.');
  size_t plen;
  unsigned long v;
  char *end;

  if (dot == NULL || dot[1] == '\0')
    return 0;
  for (const char *p = dot + 1; *p; p++)
    if (!isdigit ((unsigned char) *p))
      return 0;
  plen = (size_t) (dot - name);
  if (!((plen > 7 && strncmp (dot - 7, ".tar.gz", 7) == 0) ||
        (plen > 4 && strncmp (dot - 4, ".tgz", 4) == 0)))
    return 0;
  errno = 0;
  v = strtoul (dot + 1, &end, 10);
  if (errno || v > 1000000)
    return 0;
  *index = (unsigned) v;
  return plen;
}

static int
cmp_part (const void *a, const void *b)
{
  const struct fg_part *x = a, *y = b;
  return x->index < y->index ? -1 : x->index > y->index;
}

static char *
join (const char *dir, const char *name)
{
  size_t n = strlen (dir) + strlen (name) + 2;
  char *p = malloc (n);
  if (p)
    snprintf (p, n, "%s/%s", dir, name);
  return p;
}

/* "have .0-.2, .4" from the sorted indexes present. */
static void
describe_have (const struct fg_part *p, size_t n, char *buf, size_t cap)
{
  size_t len = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < n && len < cap; ) {
    size_t j = i;
    while (j + 1 < n && p[j + 1].index == p[j].index + 1)
      j++;
    if (j == i)
      len += (size_t) snprintf (buf + len, cap - len, "%s.%u",
                                len ? ", " : "", p[i].index);
    else
      len += (size_t) snprintf (buf + len, cap - len, "%s.%u-.%u",
                                len ? ", " : "", p[i].index, p[j].index);
    i = j + 1;
  }
}

int
fg_parts_add (struct fg_parts *parts, size_t *cap, char *path, unsigned index,
              uint64_t size, struct fg_err *e)
{
  if (parts->count == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    struct fg_part *np = realloc (parts->part, ncap * sizeof *np);
    if (np == NULL) {
      free (path);
      return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "part list");
    }
    parts->part = np;
    *cap = ncap;
  }
  parts->part[parts->count].path = path;
  parts->part[parts->count].index = index;
  parts->part[parts->count].size = size;
  parts->count++;
  return 0;
}

/* Collect DIR/PREFIX.N for every N, sort, check 0..max has no gap. */
static int
collect_group (const char *dir, const char *prefix, struct fg_parts *parts,
               struct fg_err *e)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  size_t cap = 0, plen = strlen (prefix);
  char hint[FG_ERR_HINT_MAX];

  if (d == NULL)
    return fg_err_errno (e, FG_E_INPUT, errno, "cannot list '%s'", dir);
  parts->name = strdup (prefix);
  while ((de = readdir (d)) != NULL) {
    unsigned index;
    struct stat st;
    char *path;

    if (fg_parts_split_name (de->d_name, &index) != plen ||
        strncmp (de->d_name, prefix, plen) != 0)
      continue;
    path = join (dir, de->d_name);
    if (path == NULL || stat (path, &st) < 0 || !S_ISREG (st.st_mode)) {
      fg_err_set (e, FG_E_INPUT, "'%s' is not a readable regular file",
                  path ? path : de->d_name);
      free (path);
      closedir (d);
      return -1;
    }
    if (fg_parts_add (parts, &cap, path, index, (uint64_t) st.st_size, e) < 0) {
      closedir (d);
      return -1;
    }
  }
  closedir (d);
  snprintf (hint, sizeof hint, "download every part of the image into '%s'",
            dir);
  return fg_parts_check (parts, prefix, dir, hint, e);
}

int
fg_parts_check (struct fg_parts *parts, const char *prefix, const char *where,
                const char *hint, struct fg_err *e)
{
  size_t kept = 0;
  char have[256];

  if (parts->count == 0)
    return fg_err_set (e, FG_E_INPUT, "no parts '%s.0' .. found in '%s'",
                       prefix, where);
  qsort (parts->part, parts->count, sizeof *parts->part, cmp_part);
  for (size_t i = 0; i < parts->count; i++) {
    if (i > 0 && parts->part[i].index == parts->part[i - 1].index)
      return fg_err_set (e, FG_E_INPUT, "'%s' and '%s' are both part .%u",
                         parts->part[i - 1].path, parts->part[i].path,
                         parts->part[i].index);
    if (parts->part[i].index != i) {
      describe_have (parts->part, parts->count, have, sizeof have);
      fg_err_set (e, FG_E_INPUT, "%s: missing part .%zu (have %s)",
                  prefix, i, have);
      fg_err_hint (e, "%s", hint);
      return -1;
    }
  }
  /* Drop empty parts: they add nothing to the stream. */
  for (size_t i = 0; i < parts->count; i++) {
    if (parts->part[i].size == 0) {
      fg_warn ("'%s' is empty; skipped", parts->part[i].path);
      free (parts->part[i].path);
      continue;
    }
    parts->total += parts->part[i].size;
    parts->part[kept++] = parts->part[i];
  }
  parts->count = kept;
  if (kept == 0)
    return fg_err_set (e, FG_E_INPUT, "every part of '%s' in '%s' is empty",
                       prefix, where);
  return 0;
}

static int
is_gzip_file (const char *path)
{
  unsigned char m[2];
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read (fd, m, 2) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/* The folder holds parts of exactly one image: find its prefix. */
static int
group_in_folder (const char *dir, char **prefix, struct fg_err *e)
{
  DIR *d = opendir (dir);
  struct dirent *de;

  *prefix = NULL;
  if (d == NULL)
    return fg_err_errno (e, FG_E_INPUT, errno, "cannot list '%s'", dir);
  while ((de = readdir (d)) != NULL) {
    unsigned index;
    size_t plen = fg_parts_split_name (de->d_name, &index);
    if (plen == 0)
      continue;
    if (*prefix == NULL)
      *prefix = strndup (de->d_name, plen);
    else if (strlen (*prefix) != plen ||
             strncmp (*prefix, de->d_name, plen) != 0) {
      fg_err_set (e, FG_E_USAGE, "folder '%s' holds parts of more than one "
                  "image ('%s', '%.*s')", dir, *prefix, (int) plen,
                  de->d_name);
      fg_err_hint (e, "name one image's first part, e.g. '%s/%s.0'", dir,
                   *prefix);
      free (*prefix);
      *prefix = NULL;
      closedir (d);
      return -1;
    }
  }
  closedir (d);
  return 0;
}

static int find_parts (const char *source, enum fg_source_kind *kind,
                       struct fg_parts *parts, struct fg_err *e);

int
fg_parts_find (const char *source, enum fg_source_kind *kind,
               struct fg_parts *parts, struct fg_err *e)
{
  int rc = find_parts (source, kind, parts, e);
  if (rc < 0)
    fg_parts_release (parts);   /* nothing for the caller to free */
  return rc;
}

/* A single gzip file SOURCE (named BASE) as the one part of an image. */
static int
one_gzip_part (const char *source, const char *base, const struct stat *st,
               struct fg_parts *parts, struct fg_err *e)
{
  char *path = strdup (source);
  size_t cap = 0;

  parts->name = strdup (base);
  if (path == NULL || parts->name == NULL) {
    free (path);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "source name");
  }
  if (fg_parts_add (parts, &cap, path, 0, (uint64_t) st->st_size, e) < 0)
    return -1;
  parts->total = (uint64_t) st->st_size;
  if (st->st_size == 0)
    return fg_err_set (e, FG_E_INPUT, "'%s' is empty", source);
  return 0;
}

/* SOURCE names no file: maybe the NAME prefix of split parts in DIR
 * ("web01" for web01.tar.gz.0, or "web01.tar.gz" itself). */
static int
parts_by_prefix (const char *source, const char *dir, const char *base,
                 enum fg_source_kind *kind, struct fg_parts *parts,
                 struct fg_err *e)
{
  static const char *const suffix[2] = { ".tar.gz", "" };
  CLEANUP_FREE char *prefix = NULL;
  CLEANUP_FREE char *probe = NULL;
  struct stat st;

  for (int i = 0; i < 2; i++) {
    size_t n = strlen (base) + 16;
    unsigned ignored;

    free (prefix);
    prefix = malloc (n);
    if (prefix == NULL)
      return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "source name");
    snprintf (prefix, n, "%s%s.0", base, suffix[i]);
    if (fg_parts_split_name (prefix, &ignored) == 0)
      continue;
    free (probe);
    probe = join (dir, prefix);
    if (probe == NULL)
      return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "source name");
    if (stat (probe, &st) == 0) {
      prefix[strlen (prefix) - 2] = '\0';    /* drop ".0" */
      *kind = FG_SOURCE_PARTS;
      return collect_group (dir, prefix, parts, e);
    }
  }
  return fg_err_errno (e, FG_E_INPUT, ENOENT, "cannot open source '%s'",
                       source);
}

static int
find_parts (const char *source, enum fg_source_kind *kind,
            struct fg_parts *parts, struct fg_err *e)
{
  struct stat st;
  CLEANUP_FREE char *dcopy = strdup (source);
  CLEANUP_FREE char *bcopy = strdup (source);
  CLEANUP_FREE char *prefix = NULL;
  const char *dir, *base;
  unsigned index;
  size_t plen;

  memset (parts, 0, sizeof *parts);
  if (dcopy == NULL || bcopy == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "source name");
  dir = dirname (dcopy);
  base = basename (bcopy);

  if (stat (source, &st) == 0 && S_ISDIR (st.st_mode)) {
    if (group_in_folder (source, &prefix, e) < 0)
      return -1;
    if (prefix == NULL) {
      *kind = FG_SOURCE_DIR;
      return 0;
    }
    *kind = FG_SOURCE_PARTS;
    return collect_group (source, prefix, parts, e);
  }
  if ((plen = fg_parts_split_name (base, &index)) > 0) {
    prefix = strndup (base, plen);
    *kind = FG_SOURCE_PARTS;
    return prefix ? collect_group (dir, prefix, parts, e)
      : fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "source name");
  }
  if (stat (source, &st) < 0)
    return parts_by_prefix (source, dir, base, kind, parts, e);
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    return fg_err_set (e, FG_E_INPUT, "'%s' is neither a file, a block "
                       "device nor a folder", source);
  if (S_ISREG (st.st_mode) && is_gzip_file (source)) {
    *kind = FG_SOURCE_PARTS;
    return one_gzip_part (source, base, &st, parts, e);
  }
  *kind = FG_SOURCE_FILE;
  return 0;
}

void
fg_parts_release (struct fg_parts *parts)
{
  for (size_t i = 0; i < parts->count; i++)
    free (parts->part[i].path);
  free (parts->part);
  free (parts->name);
  if (parts->ops != NULL && parts->ops->release != NULL)
    parts->ops->release (parts->ctx);
  memset (parts, 0, sizeof *parts);
}

/* ---- the local transport: a file per part ------------------------- */

struct local_part {
  int fd;
  const char *path;
};

static int
local_open (const struct fg_parts *parts, size_t i, void **h,
            struct fg_err *e)
{
  const char *path = parts->part[i].path;
  struct local_part *lp = malloc (sizeof *lp);

  if (lp == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "parts reader");
  lp->path = path;
  lp->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (lp->fd < 0) {
    int err = errno;
    free (lp);
    return fg_err_errno (e, FG_E_INPUT, err, "cannot open part '%s'", path);
  }
  posix_fadvise (lp->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  *h = lp;
  return 0;
}

static ssize_t
local_read (void *h, void *buf, size_t cap, uint64_t at, struct fg_err *e)
{
  struct local_part *lp = h;
  ssize_t n;

  while ((n = read (lp->fd, buf, cap)) < 0 && errno == EINTR)
    ;
  if (n < 0)
    return fg_err_errno (e, FG_E_INPUT, errno, "cannot read '%s' at offset "
                         "%llu", lp->path, (unsigned long long) at);
  return n;
}

static void
local_close (void *h)
{
  struct local_part *lp = h;
  close (lp->fd);
  free (lp);
}

static const struct fg_parts_ops local_ops = {
  local_open, local_read, local_close, NULL,
};

/* ---- reading the concatenation, whatever the transport ------------ */

struct fg_parts_reader {
  const struct fg_parts *parts;
  const struct fg_parts_ops *ops;
  size_t cur;                 /* part being read */
  void *h;                    /* its handle, NULL when none is open */
  uint64_t in_part;           /* bytes read of the current part */
  uint64_t pos;               /* bytes read over all parts */
};

static int
open_part (struct fg_parts_reader *r, struct fg_err *e)
{
  r->in_part = 0;
  return r->ops->open (r->parts, r->cur, &r->h, e);
}

int
fg_parts_reader_open (struct fg_parts_reader **out,
                      const struct fg_parts *parts, struct fg_err *e)
{
  struct fg_parts_reader *r = calloc (1, sizeof *r);

  *out = NULL;
  if (r == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "parts reader");
  r->parts = parts;
  r->ops = parts->ops != NULL ? parts->ops : &local_ops;
  if (parts->count > 0 && open_part (r, e) < 0) {
    free (r);
    return -1;
  }
  *out = r;
  return 0;
}

ssize_t
fg_parts_reader_read (struct fg_parts_reader *r, void *buf, size_t cap,
                      struct fg_err *e)
{
  while (r->cur < r->parts->count) {
    const struct fg_part *p = &r->parts->part[r->cur];
    ssize_t n;

    if (r->h == NULL && open_part (r, e) < 0)
      return -1;
    n = r->ops->read (r->h, buf, cap, r->in_part, e);
    if (n < 0)
      return -1;
    if (n > 0) {
      r->in_part += (uint64_t) n;
      r->pos += (uint64_t) n;
      return n;
    }
    /* End of this part: it must be as long as it was when listed, or
     * someone is still writing it. */
    if (r->in_part != p->size)
      return fg_err_set (e, FG_E_INPUT, "'%s' changed size while being "
                         "read (%llu bytes listed, %llu read)", p->path,
                         (unsigned long long) p->size,
                         (unsigned long long) r->in_part);
    r->ops->close (r->h);
    r->h = NULL;
    r->cur++;
  }
  return 0;
}

uint64_t
fg_parts_reader_pos (const struct fg_parts_reader *r)
{
  return r->pos;
}

void
fg_parts_where (const struct fg_parts *parts, uint64_t pos, char *buf,
                size_t cap)
{
  for (size_t i = 0; i < parts->count; i++) {
    if (pos < parts->part[i].size || i + 1 == parts->count) {
      snprintf (buf, cap, "'%s' at offset %llu", parts->part[i].path,
                (unsigned long long) pos);
      return;
    }
    pos -= parts->part[i].size;
  }
  snprintf (buf, cap, "'%s'", parts->name ? parts->name : "(no parts)");
}

void
fg_parts_reader_close (struct fg_parts_reader *r)
{
  if (r == NULL)
    return;
  if (r->h != NULL)
    r->ops->close (r->h);
  free (r);
}
