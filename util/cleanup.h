/* util/cleanup.h --- scoped cleanup for locals (GCC/Clang cleanup attribute)
 *
 * Where a function owns one or two resources, CLEANUP_* lets it return
 * from anywhere; where it owns several with an order to respect, a single
 * "out:" label is clearer and is used instead.
 */
#ifndef FG_UTIL_CLEANUP_H
#define FG_UTIL_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
fg_cleanup_free (void *p)
{
  free (*(void **) p);
}

static inline void
fg_cleanup_close (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}

static inline void
fg_cleanup_fclose (FILE **f)
{
  if (*f != NULL)
    fclose (*f);
}

#define CLEANUP_FREE __attribute__((cleanup(fg_cleanup_free)))
#define CLEANUP_CLOSE __attribute__((cleanup(fg_cleanup_close)))
#define CLEANUP_FCLOSE __attribute__((cleanup(fg_cleanup_fclose)))

#endif
