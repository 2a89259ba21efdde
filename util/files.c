/* util/files.c --- a small path -> contents map, symlinks resolved
 * inside the image */
#include "util/files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
fg_files_init (struct fg_files *fs)
{
  memset (fs, 0, sizeof *fs);
}

void
fg_files_release (struct fg_files *fs)
{
  for (size_t i = 0; i < fs->n; i++) {
    free (fs->v[i].path);
    free (fs->v[i].target);
    free (fs->v[i].data);
  }
  free (fs->v);
  memset (fs, 0, sizeof *fs);
}

static struct fg_file *
find (const struct fg_files *fs, const char *path)
{
  for (size_t i = 0; i < fs->n; i++)
    if (strcmp (fs->v[i].path, path) == 0)
      return &fs->v[i];
  return NULL;
}

static struct fg_file *
slot (struct fg_files *fs, const char *path, struct fg_err *e)
{
  struct fg_file *f = find (fs, path);

  if (f) {
    free (f->target);
    free (f->data);
    fs->bytes -= f->len;
    f->target = f->data = NULL;
    f->len = 0;
    return f;
  }
  if (fs->n >= FG_FILES_MAX_COUNT) {
    fg_err_set (e, FG_E_INPUT, "'%s': the image holds more than %d files "
                "of the kinds inspection reads (release, boot, network)",
                path, FG_FILES_MAX_COUNT);
    fg_err_hint (e, "this is not a server's root file system as saved by "
                 "first-gen; check what the image holds");
    return NULL;
  }
  if (fs->n == fs->cap) {
    size_t ncap = fs->cap ? fs->cap * 2 : 32;
    struct fg_file *nv = realloc (fs->v, ncap * sizeof *nv);
    if (nv == NULL) {
      fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "inspection files");
      return NULL;
    }
    fs->v = nv;
    fs->cap = ncap;
  }
  f = &fs->v[fs->n];
  memset (f, 0, sizeof *f);
  if ((f->path = strdup (path)) == NULL) {
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "inspection files");
    return NULL;
  }
  fs->n++;
  return f;
}

int
fg_files_add (struct fg_files *fs, const char *path, const void *data,
              size_t len, struct fg_err *e)
{
  struct fg_file *f;

  if (len > FG_FILES_MAX_SIZE)
    len = FG_FILES_MAX_SIZE;
  if ((f = slot (fs, path, e)) == NULL)
    return -1;
  if (fs->bytes + len > FG_FILES_MAX_BYTES) {
    fg_err_set (e, FG_E_INPUT, "'%s': the files inspection reads (release, "
                "boot, network) add up to more than %u MiB", path,
                FG_FILES_MAX_BYTES >> 20);
    fg_err_hint (e, "this is not a server's root file system as saved by "
                 "first-gen; check what the image holds");
    return -1;
  }
  f->data = malloc (len + 1);
  if (f->data == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  if (len)
    memcpy (f->data, data, len);
  f->data[len] = '\0';
  f->len = len;
  fs->bytes += len;
  return 0;
}

int
fg_files_add_symlink (struct fg_files *fs, const char *path,
                      const char *target, struct fg_err *e)
{
  struct fg_file *f;

  if ((f = slot (fs, path, e)) == NULL)
    return -1;
  if ((f->target = strdup (target)) == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  return 0;
}

/* Join DIR (of the link) and TARGET, normalise "." and "..", never
 * above the root.  Returns a malloc'd path relative to the root. */
static char *
resolve (const char *link, const char *target)
{
  size_t cap = strlen (link) + strlen (target) + 2;
  char *buf = malloc (cap), *out = malloc (cap);
  char *save = NULL, *tok;
  size_t o = 0;

  if (buf == NULL || out == NULL) {
    free (buf);
    free (out);
    return NULL;
  }
  if (target[0] == '/')
    snprintf (buf, cap, "%s", target + 1);
  else {
    const char *slash = strrchr (link, '/');
    snprintf (buf, cap, "%.*s%s%s", slash ? (int) (slash - link) : 0, link,
              slash ? "/" : "", target);
  }
  out[0] = '\0';
  for (tok = strtok_r (buf, "/", &save); tok; tok = strtok_r (NULL, "/", &save)) {
    if (strcmp (tok, ".") == 0)
      continue;
    if (strcmp (tok, "..") == 0) {
      char *cut = strrchr (out, '/');
      o = cut ? (size_t) (cut - out) : 0;
      out[o] = '\0';
      continue;
    }
    o += (size_t) snprintf (out + o, cap - o, "%s%s", o ? "/" : "", tok);
  }
  free (buf);
  return out;
}

/* PATH with every symlinked folder on its way replaced by its target
 * (merged /usr: "sbin/init" -> "usr/sbin/init"); malloc'd. */
static char *
resolve_dirs (const struct fg_files *fs, const char *path, int *hops)
{
  char *cur = strdup (path);

  for (size_t i = 0; cur && cur[i]; i++) {
    const struct fg_file *f;
    char saved;
    if (cur[i] != '/')
      continue;
    saved = cur[i];
    cur[i] = '\0';
    f = find (fs, cur);
    if (f && f->target && ++*hops < 16) {
      char *dir = resolve (cur, f->target);
      size_t n;
      char *next;
      cur[i] = saved;
      n = (dir ? strlen (dir) : 0) + strlen (cur + i) + 1;
      next = dir ? malloc (n) : NULL;
      if (next)
        snprintf (next, n, "%s%s", dir, cur + i);
      free (dir);
      free (cur);
      cur = next;
      i = (size_t) -1;          /* start again on the new path */
      continue;
    }
    cur[i] = saved;
  }
  return cur;
}

const struct fg_file *
fg_files_get (const struct fg_files *fs, const char *path)
{
  int hops = 0;
  char *cur = resolve_dirs (fs, path, &hops);
  const struct fg_file *f = cur ? find (fs, cur) : NULL;

  while (f && f->target && hops++ < 16) {
    char *next = resolve (f->path, f->target);
    free (cur);
    cur = next ? resolve_dirs (fs, next, &hops) : NULL;
    free (next);
    f = cur ? find (fs, cur) : NULL;
  }
  free (cur);
  return f && f->target == NULL ? f : NULL;
}

static int
cmp_file (const void *a, const void *b)
{
  const struct fg_file *const *x = a, *const *y = b;
  return strcmp ((*x)->path, (*y)->path);
}

size_t
fg_files_list (const struct fg_files *fs, const char *dir,
               const struct fg_file **out, size_t cap)
{
  size_t n = 0, dl = strlen (dir);

  for (size_t i = 0; i < fs->n && n < cap; i++) {
    const char *p = fs->v[i].path;
    if (strncmp (p, dir, dl) == 0 && p[dl] == '/' && strchr (p + dl + 1, '/') == NULL)
      out[n++] = &fs->v[i];
  }
  qsort (out, n, sizeof *out, cmp_file);
  return n;
}
