/* util/size.c --- "20G" to bytes */
#include "util/size.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int
fg_parse_size (const char *s, unsigned long long *out)
{
  char *end;
  double v;
  unsigned long long mult = 1;

  /* strtod would also take "inf", "nan", "-1" and " 1": a size starts
   * with a digit. */
  if (s == NULL || !isdigit ((unsigned char) *s))
    return -1;
  errno = 0;
  v = strtod (s, &end);
  if (errno || end == s)
    return -1;
  switch (toupper ((unsigned char) *end)) {
  case '\0': break;
  case 'K': mult = 1ull << 10; end++; break;
  case 'M': mult = 1ull << 20; end++; break;
  case 'G': mult = 1ull << 30; end++; break;
  case 'T': mult = 1ull << 40; end++; break;
  default: return -1;
  }
  if (*end == 'i' || *end == 'I')
    end++;
  if (*end == 'B' || *end == 'b')
    end++;
  if (*end != '\0' || !(v * (double) mult <= 1.8e19))
    return -1;
  *out = (unsigned long long) (v * (double) mult);
  return 0;
}
