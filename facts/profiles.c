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

json_t *
fg_profile_load (const char *name, struct fg_err *e)
{
  char path[PATH_MAX + 64], dir[PATH_MAX + 32];
  json_error_t je;
  json_t *j;

  if (find_dir (dir, sizeof dir, e) < 0)
    return NULL;
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

/* Each key a distro profile must have, with its type. */
static const struct {
  const char *path;           /* "boot.console" */
  json_type type;
} profile_schema[] = {
  { "family", JSON_STRING },
  { "distros", JSON_ARRAY },
  { "boot", JSON_OBJECT },
  { "boot.configs", JSON_ARRAY },
  { "boot.console", JSON_STRING },
  { "boot.root", JSON_STRING },
  { "fstab", JSON_OBJECT },
  { "fstab.root", JSON_STRING },
  { "remove", JSON_ARRAY },
  { "initramfs", JSON_OBJECT },
  { "initramfs.modules", JSON_ARRAY },
  { "initramfs.rebuild", JSON_ARRAY },
  { "network", JSON_OBJECT },
  { "network.renderer", JSON_STRING },
  { "filesystem", JSON_STRING },
};

static json_t *
get_path (json_t *j, const char *path)
{
  char key[64];
  const char *dot;

  while ((dot = strchr (path, '.')) != NULL) {
    snprintf (key, sizeof key, "%.*s", (int) (dot - path), path);
    j = json_object_get (j, key);
    path = dot + 1;
  }
  return json_object_get (j, path);
}

static int
validate (json_t *j, const char *file, struct fg_err *e)
{
  static const char *const names[] = { "object", "array", "string",
                                       "integer", "real", "true", "false",
                                       "null" };
  /* A detection-only profile (Windows): what it is and why it does not
   * convert. */
  if (json_is_false (json_object_get (j, "convert"))) {
    if (!json_is_string (json_object_get (j, "family")) ||
        !json_is_array (json_object_get (j, "distros")) ||
        !json_is_string (json_object_get (j, "reason")))
      return fg_err_set (e, FG_E_INTERNAL, "profile '%s': a profile with "
                         "\"convert\": false needs 'family', 'distros' and "
                         "'reason'", file);
    if (json_is_true (json_object_get (j, "tested")))
      return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key 'tested' "
                         "cannot be true with \"convert\": false", file);
    return 0;
  }
  /* Whether the family's conversion is tested decides, with the profile
   * itself, whether its base images are supported (plan/plan.c). */
  if (!json_is_boolean (json_object_get (j, "tested")))
    return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key 'tested' must "
                       "be true or false (is the conversion of this family "
                       "tested?)", file);
  for (size_t i = 0; i < sizeof profile_schema / sizeof profile_schema[0]; i++) {
    json_t *v = get_path (j, profile_schema[i].path);
    if (v == NULL || json_typeof (v) != profile_schema[i].type)
      return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s' must be "
                         "a%s %s", file, profile_schema[i].path,
                         profile_schema[i].type == JSON_ARRAY ||
                         profile_schema[i].type == JSON_OBJECT ? "n" : "",
                         names[profile_schema[i].type]);
  }
  {
    const char *root = json_string_value (get_path (j, "boot.root"));
    const char *fs = json_string_value (get_path (j, "filesystem"));
    if (strcmp (root, "uuid") != 0 && strcmp (root, "label") != 0)
      return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key 'boot.root' "
                         "must be \"uuid\" or \"label\"", file);
    if (strcmp (fs, "ext4") != 0 && strcmp (fs, "ext3") != 0)
      return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key 'filesystem' "
                         "must be \"ext4\" or \"ext3\"", file);
  }
  return 0;
}

json_t *
fg_profile_for_distro (const char *distro, char **file, struct fg_err *e)
{
  char dir[PATH_MAX + 32];
  DIR *d;
  struct dirent *de;
  json_t *found = NULL;

  *file = NULL;
  if (distro == NULL || find_dir (dir, sizeof dir, e) < 0)
    return NULL;
  d = opendir (dir);
  if (d == NULL) {
    fg_err_errno (e, FG_E_INTERNAL, errno, "cannot read the profiles in "
                  "'%s'", dir);
    return NULL;
  }
  while (!found && (de = readdir (d)) != NULL) {
    size_t n = strlen (de->d_name);
    json_t *j, *ds, *x;
    size_t i;
    if (n < 6 || strcmp (de->d_name + n - 5, ".json") != 0)
      continue;
    j = fg_profile_load (de->d_name, e);
    if (j == NULL)
      break;
    ds = json_object_get (j, "distros");
    json_array_foreach (ds, i, x)
      if (json_is_string (x) && strcmp (json_string_value (x), distro) == 0) {
        if (validate (j, de->d_name, e) < 0)
          break;
        found = json_incref (j);
        *file = strdup (de->d_name);
        break;
      }
    json_decref (j);
    if (fg_err_is_set (e))
      break;
  }
  closedir (d);
  return found;
}
