/* util/strs.c --- lists of strings (see strs.h) */
#include "util/strs.h"

#include <stdlib.h>
#include <string.h>

void
fg_strs_free (char **v, size_t n)
{
  if (v == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

int
fg_strs_has (char *const *v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (v[i], s) == 0)
      return 1;
  return 0;
}

int
fg_strs_add (char ***v, size_t *n, const char *s)
{
  char **nv, *c = strdup (s);

  if (c == NULL)
    return -1;
  if ((nv = realloc (*v, (*n + 1) * sizeof *nv)) == NULL) {
    free (c);
    return -1;
  }
  nv[(*n)++] = c;
  *v = nv;
  return 0;
}
