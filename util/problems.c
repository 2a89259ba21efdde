/* util/problems.c --- problem lines, listed then counted (see problems.h) */
#include "util/problems.h"

#include <stdio.h>
#include <stdlib.h>

int
fg_problems_full (struct fg_problems p)
{
  if (p.max == 0 || *p.nlisted < p.max)
    return 0;
  if (p.count)
    (*p.count)++;
  return 1;
}

int
fg_problems_vadd (struct fg_problems p, const char *fmt, va_list ap)
{
  char *line = NULL, **bigger;

  if (fg_problems_full (p))
    return 0;
  if (p.count)
    (*p.count)++;
  if (vasprintf (&line, fmt, ap) < 0)
    return -1;
  if ((line = fg_escape_ctl_take (line)) == NULL)
    return -1;
  bigger = realloc (*p.lines, (*p.nlisted + 1) * sizeof *bigger);
  if (bigger == NULL) {
    free (line);
    return -1;
  }
  bigger[(*p.nlisted)++] = line;
  *p.lines = bigger;
  return 0;
}

int
fg_problems_add (struct fg_problems p, const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start (ap, fmt);
  rc = fg_problems_vadd (p, fmt, ap);
  va_end (ap);
  return rc;
}

void
fg_problems_free (char **lines, size_t n)
{
  if (lines == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    free (lines[i]);
  free (lines);
}
