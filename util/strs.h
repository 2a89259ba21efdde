/* util/strs.h --- a list of malloc'd strings, as (char **v, size_t n)
 *
 * The network model, the server record and the plan keep their lists of
 * addresses, routes and resolvers this way; these are the few helpers
 * they share instead of each carrying a copy.
 */
#ifndef FG_UTIL_STRS_H
#define FG_UTIL_STRS_H

#include <stddef.h>

/* Free the N strings of V and V itself (V may be NULL). */
void fg_strs_free (char **v, size_t n);

/* 1 if one of the N strings of V is S. */
int fg_strs_has (char *const *v, size_t n, const char *s);

/* Append a copy of S to *V (*N of them); 0, or -1 when memory runs out
 * (*V and *N are then as they were). */
int fg_strs_add (char ***v, size_t *n, const char *s);

#endif
