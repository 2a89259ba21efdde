/* inspect/profiles.c --- find and parse the JSON files of profiles/ */
#include "inspect/profiles.h"

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
