/* facts/markers.c --- load profiles/databases.json, match member names */
#include "facts/markers.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts/profiles.h"

static struct fg_markers loaded;
static int have_loaded;

static int
bad (struct fg_err *e, size_t i, const char *what)
{
  fg_err_set (e, FG_E_INTERNAL, "profile 'databases.json': engine %zu: %s",
              i + 1, what);
  fg_err_hint (e, "restore profiles/databases.json from the fg2ng release");
  return -1;
}

/* Copies of the strings of array A, NULL-terminated count in *N. */
static char **
strings (json_t *a, size_t *n)
{
  char **v;
  json_t *s;
  size_t i;

  *n = 0;
  if (!json_is_array (a) || json_array_size (a) == 0)
    return NULL;
  v = calloc (json_array_size (a), sizeof *v);
  if (v == NULL)
    return NULL;
  json_array_foreach (a, i, s) {
    const char *t = json_string_value (s);
    if (t == NULL || *t == '\0' || *t == '/' ||
        (v[i] = strdup (t)) == NULL) {
      while (i > 0)
        free (v[--i]);
      free (v);
      return NULL;
    }
  }
  *n = json_array_size (a);
  return v;
}

static int
load_engine (json_t *j, size_t i, struct fg_db_engine *d, struct fg_err *e)
{
  const char *id = json_string_value (json_object_get (j, "id"));
  const char *name = json_string_value (json_object_get (j, "name"));
  json_t *reg = json_object_get (j, "registry");

  if (id == NULL || name == NULL)
    return bad (e, i, "\"id\" and \"name\" must be strings");
  d->id = strdup (id);
  d->name = strdup (name);
  d->nocase = json_is_true (json_object_get (j, "nocase"));
  d->globs = strings (json_object_get (j, "markers"), &d->nglobs);
  if (d->id == NULL || d->name == NULL || d->globs == NULL)
    return bad (e, i, "\"markers\" must be a list of relative paths");
  d->prefix = calloc (d->nglobs, sizeof *d->prefix);
  if (d->prefix == NULL)
    return bad (e, i, "out of memory");
  for (size_t k = 0; k < d->nglobs; k++)
    d->prefix[k] = strcspn (d->globs[k], "*?[\\");
  if (reg) {
    const char *hive = json_string_value (json_object_get (reg, "hive"));
    d->keys = strings (json_object_get (reg, "keys"), &d->nkeys);
    if (hive == NULL || d->keys == NULL || (d->hive = strdup (hive)) == NULL)
      return bad (e, i, "\"registry\" needs a \"hive\" and a list of "
                  "\"keys\"");
  }
  return 0;
}

const struct fg_markers *
fg_markers_get (struct fg_err *e)
{
  json_t *j, *engines, *eng;
  size_t i;

  if (have_loaded)
    return &loaded;
  j = fg_profile_load ("databases.json", e);
  if (j == NULL)
    return NULL;
  engines = json_object_get (j, "engines");
  if (!json_is_array (engines)) {
    json_decref (j);
    bad (e, 0, "no \"engines\" list");
    return NULL;
  }
  loaded.engines = calloc (json_array_size (engines) + 1,
                           sizeof *loaded.engines);
  if (loaded.engines == NULL) {
    json_decref (j);
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "databases.json");
    return NULL;
  }
  json_array_foreach (engines, i, eng) {
    if (load_engine (eng, i, &loaded.engines[i], e) < 0) {
      json_decref (j);
      return NULL;            /* the partial table stays unused */
    }
    loaded.n = i + 1;
  }
  json_decref (j);
  have_loaded = 1;
  return &loaded;
}

const struct fg_db_engine *
fg_markers_match (const struct fg_markers *m, const char *path)
{
  for (size_t i = 0; i < m->n; i++) {
    const struct fg_db_engine *d = &m->engines[i];
    for (size_t k = 0; k < d->nglobs; k++) {
      size_t n = d->prefix[k];
      if ((d->nocase ? strncasecmp (path, d->globs[k], n)
           : strncmp (path, d->globs[k], n)) != 0)
        continue;
      if (fnmatch (d->globs[k], path,
                   FNM_PATHNAME | FNM_PERIOD | (d->nocase ? FNM_CASEFOLD : 0)) == 0)
        return d;
    }
  }
  return NULL;
}
