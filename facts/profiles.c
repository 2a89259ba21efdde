/* facts/profiles.c --- find and parse the JSON files of profiles/ */
#include "facts/profiles.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
readable (const char *dir, const char *name, char *out, size_t cap)
{
  if (snprintf (out, cap, "%s/%s", dir, name) >= (int) cap)
    return 0;
  return access (out, R_OK) == 0;
}

/* The folder the profiles live in, into DIR: FG2NG_PROFILES when set
 * (and then only it: a wrong value is an error, never silently
 * replaced by another copy); else, from the running program's own path,
 * PREFIX/share/fg2ng/profiles beside PREFIX/bin/fg2ng (an installed
 * copy: make install, the Debian package), profiles/ beside BUILD/fg2ng
 * or two folders up (build/asan/fg2ng) in a source tree.  Nothing is
 * looked up in the current folder: the program behaves the same
 * wherever it is run from. */
static int
find_dir (char *dir, size_t cap, struct fg_err *e)
{
  static const char *const rel[] = { "/../share/fg2ng/profiles",
                                     "/../profiles", "/../../profiles" };
  const char *env = getenv ("FG2NG_PROFILES");
  char exe[PATH_MAX], probe[PATH_MAX + 64], *slash;
  ssize_t n;

  if (env && *env) {
    if (readable (env, "flavors.json", probe, sizeof probe)) {
      snprintf (dir, cap, "%s", env);
      return 0;
    }
    fg_err_set (e, FG_E_INTERNAL, "FG2NG_PROFILES is '%s' and it holds no "
                "readable profiles (no flavors.json)", env);
    fg_err_hint (e, "unset FG2NG_PROFILES, or point it at a copy of the "
                 "profiles/ folder of fg2ng");
    return -1;
  }
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return fg_err_errno (e, FG_E_INTERNAL, errno, "cannot find the profiles: "
                         "no path for the running program (/proc/self/exe)");
  exe[n] = '\0';
  slash = strrchr (exe, '/');
  if (slash)
    *slash = '\0';
  for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
    if (snprintf (dir, cap, "%s%s", exe, rel[i]) < (int) cap &&
        readable (dir, "flavors.json", probe, sizeof probe))
      return 0;
  fg_err_set (e, FG_E_INTERNAL, "cannot find the profiles (looked in "
              "%s/../share/fg2ng/profiles, ../profiles and ../../profiles)",
              exe);
  fg_err_hint (e, "reinstall fg2ng ('make install' puts them in "
               "PREFIX/share/fg2ng/profiles), or set FG2NG_PROFILES to "
               "their folder");
  return -1;
}

/* DIR/NAME parsed, a new reference, or NULL with E set. */
static json_t *
load_file (const char *dir, const char *name, struct fg_err *e)
{
  char path[PATH_MAX + 64];
  json_error_t je;
  json_t *j;

  if (!readable (dir, name, path, sizeof path)) {
    fg_err_errno (e, FG_E_INTERNAL, errno, "profile '%s' not found in '%s'",
                  name, dir);
    fg_err_hint (e, "reinstall fg2ng, or set FG2NG_PROFILES to a complete "
                 "copy of its profiles/ folder");
    return NULL;
  }
  j = json_load_file (path, JSON_REJECT_DUPLICATES, &je);
  if (j == NULL)
    fg_err_set (e, FG_E_INTERNAL, "'%s' line %d column %d: %s", path,
                je.line, je.column, je.text);
  return j;
}

json_t *
fg_profile_load (const char *name, struct fg_err *e)
{
  char dir[PATH_MAX + 32];

  if (find_dir (dir, sizeof dir, e) < 0)
    return NULL;
  return load_file (dir, name, e);
}

/* The files of profiles/ that are tables, not distro profiles. */
static int
is_table (const char *name)
{
  static const char *const tables[] = { "flavors.json", "base-images.json",
                                        "databases.json", "glance.json" };
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
    if (strcmp (name, tables[i]) == 0)
      return 1;
  return 0;
}

static int
cmp_name (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names of the distro profiles in DIR, sorted: the order they are
 * read, checked and searched in does not hang on the file system's. */
static char **
profile_names (const char *dir, size_t *n, struct fg_err *e)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  char **v = NULL, **nv;

  *n = 0;
  if (d == NULL) {
    fg_err_errno (e, FG_E_INTERNAL, errno, "cannot read the profiles in "
                  "'%s'", dir);
    return NULL;
  }
  while ((de = readdir (d)) != NULL) {
    size_t len = strlen (de->d_name);
    if (len < 6 || strcmp (de->d_name + len - 5, ".json") != 0 ||
        is_table (de->d_name))
      continue;
    nv = realloc (v, (*n + 1) * sizeof *v);
    if (nv == NULL || (nv[*n] = strdup (de->d_name)) == NULL) {
      v = nv ? nv : v;
      break;
    }
    v = nv;
    (*n)++;
  }
  closedir (d);
  if (de != NULL) {
    while (*n > 0)
      free (v[--*n]);
    free (v);
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "reading the profiles");
    return NULL;
  }
  if (*n)
    qsort (v, *n, sizeof *v, cmp_name);
  return v;
}

/* No distro is named by two profiles: the map would not be one. */
static int
distros_once (const struct fg_profiles *ps, struct fg_err *e)
{
  for (size_t i = 0; i < ps->n; i++)
    for (size_t k = 0; k < ps->v[i].distros.n; k++) {
      const char *d = ps->v[i].distros.v[k];
      const struct fg_profile *first = fg_profiles_find (ps, d);
      if (first != &ps->v[i])
        return fg_err_set (e, FG_E_INTERNAL, "profile '%s': distro '%s' is "
                           "named by profile '%s' too (a distro has one "
                           "family)", ps->v[i].file, d, first->file);
    }
  return 0;
}

int
fg_profiles_load_dir (const char *dir, struct fg_profiles *out,
                      struct fg_err *e)
{
  size_t n;
  char **names = profile_names (dir, &n, e);
  int rc = 0;

  memset (out, 0, sizeof *out);
  if (names == NULL && fg_err_is_set (e))
    return -1;
  if (n && (out->v = calloc (n, sizeof *out->v)) == NULL)
    rc = fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "reading the profiles");
  for (size_t i = 0; rc == 0 && i < n; i++) {
    json_t *j = load_file (dir, names[i], e);
    rc = j ? fg_profile_parse (j, names[i], &out->v[i], e) : -1;
    if (rc == 0)
      out->n = i + 1;
    json_decref (j);
  }
  for (size_t i = 0; i < n; i++)
    free (names[i]);
  free (names);
  if (rc == 0)
    rc = distros_once (out, e);
  if (rc < 0)
    fg_profiles_release (out);
  return rc;
}

void
fg_profiles_release (struct fg_profiles *ps)
{
  for (size_t i = 0; i < ps->n; i++)
    fg_profile_release (&ps->v[i]);
  free (ps->v);
  ps->v = NULL;
  ps->n = 0;
}

/* Loaded once: every conversion step asks, the answer does not change
 * while the process runs. */
static struct fg_profiles loaded;
static int have_loaded;

const struct fg_profiles *
fg_profiles_get (struct fg_err *e)
{
  char dir[PATH_MAX + 32];

  if (have_loaded)
    return &loaded;
  if (find_dir (dir, sizeof dir, e) < 0 ||
      fg_profiles_load_dir (dir, &loaded, e) < 0)
    return NULL;
  have_loaded = 1;
  return &loaded;
}

const struct fg_profile *
fg_profiles_find (const struct fg_profiles *ps, const char *distro)
{
  for (size_t i = 0; distro && i < ps->n; i++)
    for (size_t k = 0; k < ps->v[i].distros.n; k++)
      if (strcmp (ps->v[i].distros.v[k], distro) == 0)
        return &ps->v[i];
  return NULL;
}

const struct fg_profile *
fg_profile_for_distro (const char *distro, struct fg_err *e)
{
  const struct fg_profiles *ps;

  if (distro == NULL || (ps = fg_profiles_get (e)) == NULL)
    return NULL;
  return fg_profiles_find (ps, distro);
}

const char *
fg_family_of (const struct fg_profiles *ps, const char *distro)
{
  const struct fg_profile *p = fg_profiles_find (ps, distro);

  return p && p->convert ? p->family : NULL;
}

const char *
fg_family_of_distro (const char *distro, struct fg_err *e)
{
  const struct fg_profiles *ps;

  if (distro == NULL || (ps = fg_profiles_get (e)) == NULL)
    return NULL;
  return fg_family_of (ps, distro);
}
