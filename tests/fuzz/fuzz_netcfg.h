/* tests/fuzz/fuzz_netcfg.h --- the body every network parser fuzz target
 * shares; a target defines PATHS (the family's files, main file first)
 * and FAMILY, then includes this.
 *
 * The input is split at each "\n%%\n" into the files, in order, then
 * parsed as the family, encoded as JSON and released.  Garbage must never
 * fail the parse (only running out of memory may), every problem line
 * must name a file, and the JSON must encode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/netcfg.h"

#define NPATHS (sizeof paths / sizeof paths[0])

static void
check (const struct fg_net *n)
{
  json_t *j = fg_net_json (n);
  char *s;

  if (j == NULL || (s = json_dumps (j, JSON_COMPACT)) == NULL)
    abort ();
  free (s);
  json_decref (j);
  for (size_t k = 0; k < n->nproblems; k++)
    if (strncmp (n->problems[k], "etc", 3) && strncmp (n->problems[k], "...", 3))
      abort ();
  for (size_t k = 0; k < n->nifaces; k++) {
    const struct fg_net_iface *i = &n->ifaces[k];
    if (strchr (i->name, ':') || strcmp (i->name, "lo") == 0)
      abort ();                 /* aliases fold, lo is never listed */
    for (size_t r = 0; r < i->nroutes; r++)
      if (i->routes[r].to == NULL || strcmp (i->routes[r].to, "0.0.0.0/0") == 0)
        abort ();               /* default routes are gateways */
  }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct fg_files fs;
  struct fg_err e = FG_ERR_INIT;
  struct fg_net n;
  const char *p = (const char *) data, *end = p + size;

  fg_files_init (&fs);
  for (size_t k = 0; k < NPATHS && p <= end; k++) {
    const char *sep = k + 1 < NPATHS ? memmem (p, (size_t) (end - p), "\n%%\n", 4)
                                     : NULL;
    size_t len = sep ? (size_t) (sep - p) : (size_t) (end - p);
    if (fg_files_add (&fs, paths[k], p, len, &e) < 0)
      abort ();
    if (sep == NULL)
      break;
    p = sep + 4;
  }
  if (fg_net_parse (&fs, FAMILY, &n, &e) < 0)
    abort ();                   /* only out of memory may fail */
  check (&n);
  fg_net_release (&n);
  fg_net_release (&n);          /* NULL-safe and idempotent */
  fg_files_release (&fs);
  return 0;
}
