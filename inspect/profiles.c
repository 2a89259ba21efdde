/* inspect/profiles.c --- find and parse the JSON files of profiles/ */
#include "inspect/profiles.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
readable (const char *dir, const char *name, char *out, size_t cap)
{
  snprintf (out, cap, "%s/%s", dir, name);
  return access (out, R_OK) == 0;
}

static int find_dir (char *dir, size_t cap);

json_t *
fg_profile_load (const char *name, struct fg_err *e)
{
  char exe[PATH_MAX], path[PATH_MAX + 64], dir[PATH_MAX + 32];
  const char *env = getenv ("FG2NG_PROFILES");
  json_error_t je;
  json_t *j;
  ssize_t n;
  int found = 0;

  if (env && *env)
    found = readable (env, name, path, sizeof path);
  if (!found && (n = readlink ("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
    char *slash;
    exe[n] = '\0';
    /* build/fg2ng (or build/asan/fg2ng) in a source tree ... */
    for (int up = 0; up < 3 && !found && (slash = strrchr (exe, '/')); up++) {
      *slash = '\0';
      snprintf (dir, sizeof dir, "%s/profiles", exe);
      found = readable (dir, name, path, sizeof path);
      if (!found) {
        /* ... or PREFIX/bin/fg2ng beside PREFIX/share/fg2ng/profiles */
        snprintf (dir, sizeof dir, "%s/share/fg2ng/profiles", exe);
        found = readable (dir, name, path, sizeof path);
      }
    }
  }
  if (!found) {
    fg_err_set (e, FG_E_INTERNAL, "profile '%s' not found", name);
    fg_err_hint (e, "set FG2NG_PROFILES to the profiles/ folder of fg2ng");
    return NULL;
  }
  j = json_load_file (path, JSON_REJECT_DUPLICATES, &je);
  if (j == NULL)
    fg_err_set (e, FG_E_INTERNAL, "'%s' line %d column %d: %s", path,
                je.line, je.column, je.text);
  return j;
}

/* The folder the profiles live in (same search as fg_profile_load). */
static int
find_dir (char *dir, size_t cap)
{
  char probe[PATH_MAX + 64];
  const char *env = getenv ("FG2NG_PROFILES");
  char exe[PATH_MAX];
  ssize_t n;

  if (env && *env && readable (env, "flavors.json", probe, sizeof probe)) {
    snprintf (dir, cap, "%s", env);
    return 0;
  }
  if ((n = readlink ("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
    return -1;
  exe[n] = '\0';
  for (int up = 0; up < 3; up++) {
    char *slash = strrchr (exe, '/');
    if (slash == NULL)
      break;
    *slash = '\0';
    snprintf (dir, cap, "%s/profiles", exe);
    if (readable (dir, "flavors.json", probe, sizeof probe))
      return 0;
    snprintf (dir, cap, "%s/share/fg2ng/profiles", exe);
    if (readable (dir, "flavors.json", probe, sizeof probe))
      return 0;
  }
  return -1;
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
   * itself, whether its base images are supported (inspect/plan.c). */
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
  if (distro == NULL || find_dir (dir, sizeof dir) < 0)
    return NULL;
  d = opendir (dir);
  if (d == NULL)
    return NULL;
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
