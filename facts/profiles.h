/* facts/profiles.h --- the data files under profiles/
 *
 * Distro facts, the base-image catalog and the flavor tables are JSON
 * data, not code.  This is the one loader: it finds the folder (the
 * FG2NG_PROFILES variable, and then only it; else, from the running
 * program's path, PREFIX/share/fg2ng/profiles beside PREFIX/bin/fg2ng,
 * or profiles/ above the build folder of a source tree) and parses a
 * file, naming the file and the JSON position on error.  Profiles that
 * cannot be found are an error (FG_E_INTERNAL), never an empty set.
 * The distro profiles are read once into typed structs (facts/profile.h)
 * and their "distros" lists are the one distro -> family map: nothing
 * else in the tree maps a distribution to its family.
 */
#ifndef FG_FACTS_PROFILES_H
#define FG_FACTS_PROFILES_H

#include <jansson.h>

#include "util/err.h"
#include "facts/profile.h"

/* profiles/NAME (e.g. "flavors.json"), a new reference, or NULL. */
json_t *fg_profile_load (const char *name, struct fg_err *e);

/* The distro profiles: every profiles/NAME.json but the tables
 * (flavors, base-images, databases, glance), each read and checked
 * whole (facts/profile.h), sorted by file name.  A distro named by two
 * profiles is an error: the profiles' "distros" lists are the one
 * distro -> family map. */
struct fg_profiles {
  struct fg_profile *v;
  size_t n;
};

/* The profiles of the folder DIR into OUT; -1 with E set (FG_E_INTERNAL,
 * naming the file and the key) when one is broken. */
int fg_profiles_load_dir (const char *dir, struct fg_profiles *out,
                          struct fg_err *e);
void fg_profiles_release (struct fg_profiles *ps);

/* The profiles of the folder fg_profile_load reads, loaded once per
 * process; NULL with E set when they cannot be found or one is broken
 * (tried again at the next call). */
const struct fg_profiles *fg_profiles_get (struct fg_err *e);

/* The profile whose "distros" names DISTRO, or NULL. */
const struct fg_profile *fg_profiles_find (const struct fg_profiles *ps,
                                           const char *distro);

/* The distro profile naming DISTRO; NULL with no error set when none
 * does (or DISTRO is NULL), NULL with E set when a profile is broken or
 * the profiles cannot be found.
 *
 * A profile that converts carries "tested": true when its family's
 * conversion is tested (an era tree of tests/fixtures/era is converted
 * by the tests; tests/cli/t0325 holds the two together), false while
 * it is not: base images are supported only where it is true.  A
 * detection-only profile ("convert": false, Windows) never is. */
const struct fg_profile *fg_profile_for_distro (const char *distro,
                                                struct fg_err *e);

/* The one distro -> family map: the family ("debian", "redhat", "suse",
 * "arch", "gentoo") whose files and tools DISTRO shares, from the
 * profile whose "distros" names it; NULL when none does, or when that
 * profile only detects (Windows: no family's tools convert it), or when
 * the profiles cannot be read (E set then).  fg_family_of is the same
 * for a set already loaded. */
const char *fg_family_of_distro (const char *distro, struct fg_err *e);
const char *fg_family_of (const struct fg_profiles *ps, const char *distro);

#endif
