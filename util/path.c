/* util/path.c --- see path.h */
#include "util/path.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Append component C (length N) to the absolute path in BUF (capacity
 * CAP), undoing it instead when it is "..".  -1 when it does not fit. */
static int
push_component (char *buf, size_t cap, const char *c, size_t n)
{
  size_t len = strlen (buf);

  if (n == 0 || (n == 1 && c[0] == '.'))
    return 0;
  if (n == 2 && c[0] == '.' && c[1] == '.') {
    char *slash = strrchr (buf, '/');
    if (slash == buf)
      buf[1] = '\0';
    else if (slash)
      *slash = '\0';
    return 0;
  }
  if (len + (len > 1) + n + 1 > cap)
    return -1;
  if (len > 1)
    buf[len++] = '/';
  memcpy (buf + len, c, n);
  buf[len + n] = '\0';
  return 0;
}

/* The real path of folder DIR (NUL-terminated, absolute or relative),
 * resolved as far as it exists, into BUF of PATH_MAX bytes. */
static int
resolve_folder (const char *dir, char *buf, struct fg_err *e)
{
  char *copy = strdup (dir), *end;
  size_t len;

  if (copy == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "path");
  /* Find the longest prefix that exists: its realpath, then the rest. */
  len = strlen (copy);
  for (;;) {
    if (realpath (len ? copy : ".", buf) != NULL)
      break;
    if (errno != ENOENT && errno != ENOTDIR) {
      int err = errno;
      free (copy);
      return fg_err_errno (e, FG_E_INPUT, err, "'%s'", dir);
    }
    end = strrchr (copy, '/');
    if (end == NULL) {
      len = 0;
      copy[0] = '\0';
    } else if (end == copy) {
      copy[1] = '\0';
      len = 1;
    } else {
      *end = '\0';
      len = (size_t) (end - copy);
    }
    if (len == 0 && dir[0] == '/')
      break;
  }
  /* The components of DIR past the existing prefix. */
  const char *rest = dir + len;
  while (*rest) {
    const char *slash = strchr (rest, '/');
    size_t n = slash ? (size_t) (slash - rest) : strlen (rest);
    if (push_component (buf, PATH_MAX, rest, n) < 0) {
      free (copy);
      return fg_err_set (e, FG_E_INPUT, "'%s': path too long", dir);
    }
    rest += n;
    while (*rest == '/')
      rest++;
  }
  free (copy);
  return 0;
}

char *
fg_path_identity (const char *path, struct fg_err *e)
{
  char buf[PATH_MAX];
  const char *slash, *name;
  char *dir, *out;
  size_t len;

  if (path == NULL || *path == '\0') {
    fg_err_set (e, FG_E_INPUT, "empty path");
    return NULL;
  }
  len = strlen (path);
  slash = strrchr (path, '/');
  name = slash ? slash + 1 : path;
  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0) {
    fg_err_set (e, FG_E_INPUT, "'%s' names a folder, not a file", path);
    return NULL;
  }
  if (len >= PATH_MAX) {
    fg_err_set (e, FG_E_INPUT, "'%.64s...': path too long", path);
    return NULL;
  }
  if (slash == NULL)
    dir = strdup (".");
  else if (slash == path)
    dir = strdup ("/");
  else
    dir = strndup (path, (size_t) (slash - path));
  if (dir == NULL) {
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "path");
    return NULL;
  }
  if (resolve_folder (dir, buf, e) < 0) {
    free (dir);
    return NULL;
  }
  free (dir);
  if (push_component (buf, sizeof buf, name, strlen (name)) < 0) {
    fg_err_set (e, FG_E_INPUT, "'%.64s...': path too long", path);
    return NULL;
  }
  out = strdup (buf);
  if (out == NULL)
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "path");
  return out;
}
