/* facts/markers.h --- what shows a database's data, as data
 *
 * profiles/databases.json names, per engine, the paths where its data
 * lives (shell globs relative to the root file system, '*' never
 * crossing a '/') and, for Windows engines, the registry keys that list
 * its instances.  Both inspectors read this one description: the
 * archive pass matches every member's name (fg_markers_match), the
 * disk inspection walks the same globs and keys in the guest
 * (inspect/guest.c), so a marker added here covers file-level parts,
 * block-level parts, raw disks and VHDs alike.
 */
#ifndef FG_FACTS_MARKERS_H
#define FG_FACTS_MARKERS_H

#include <stddef.h>

#include "util/err.h"

struct fg_db_engine {
  char *id;                   /* "mysql": the inspection's key */
  char *name;                 /* "MySQL/MariaDB": what a report says */
  int nocase;                 /* NTFS paths: any case matches */
  char **globs;               /* "var/lib/mysql/ibdata1", ... */
  size_t *prefix;             /* each glob's literal head, for speed */
  size_t nglobs;
  char *hive;                 /* "SOFTWARE", or NULL */
  char **keys;                /* "Microsoft\\...\\SQL": values name instances */
  size_t nkeys;
};

struct fg_markers {
  struct fg_db_engine *engines;
  size_t n;
};

/* The markers of profiles/databases.json, loaded and checked once per
 * process (a broken file names itself and the place); NULL with E set. */
const struct fg_markers *fg_markers_get (struct fg_err *e);

/* The engine whose marker PATH (a member's name inside the root, no
 * leading '/') matches, or NULL. */
const struct fg_db_engine *fg_markers_match (const struct fg_markers *m,
                                             const char *path);

#endif
