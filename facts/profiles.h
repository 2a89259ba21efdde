/* facts/profiles.h --- the data files under profiles/
 *
 * Distro facts, the base-image catalog and the flavor tables are JSON
 * data, not code.  This is the one loader: it finds the folder (the
 * FG2NG_PROFILES variable, and then only it; else, from the running
 * program's path, PREFIX/share/fg2ng/profiles beside PREFIX/bin/fg2ng,
 * or profiles/ above the build folder of a source tree) and parses a
 * file, naming the file and the JSON position on error.  Profiles that
 * cannot be found are an error (FG_E_INTERNAL), never an empty set.
 */
#ifndef FG_FACTS_PROFILES_H
#define FG_FACTS_PROFILES_H

#include <jansson.h>

#include "util/err.h"

/* profiles/NAME (e.g. "flavors.json"), a new reference, or NULL. */
json_t *fg_profile_load (const char *name, struct fg_err *e);

/* The distro profile (profiles/NAME.json with a "distros" list naming
 * DISTRO), validated; NULL with no error set when none matches (or
 * DISTRO is NULL), NULL with E set when a profile is broken or the
 * profiles cannot be found.  *FILE gets its file name.
 *
 * A profile that converts carries "tested": true when its family's
 * conversion is tested (an era tree of tests/fixtures/era is converted
 * by the tests; tests/cli/t0325 holds the two together), false while
 * it is not: base images are supported only where it is true.  A
 * detection-only profile ("convert": false, Windows) never is. */
json_t *fg_profile_for_distro (const char *distro, char **file,
                               struct fg_err *e);

#endif
