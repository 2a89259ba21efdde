/* jobs/manifest.h --- the batch manifest: read it, validate all of it,
 * and turn one job into the `fg2ng convert` command line that runs it
 *
 * The format is documented by doc/manifest.schema.json:
 *
 *   { "version": 1,
 *     "defaults": { "format": "bundle", "headroom": 40, "mode": "image" },
 *     "jobs": [ { "id": "web01", "source": "parts/web01.tar.gz.0",
 *                 "output": "out/web01.tgz", "mode": "self-service",
 *                 "flavor": "1GB", "server_record": "records/web01.json",
 *                 "options": { "disk_size": "20G" } } ] }
 *
 * A job's "mode", "flavor" and "server_record" are convert's --mode,
 * --flavor and --server-record; they may also be given in "defaults" (or
 * in a job's "options").  Relative paths (source, output, server_record,
 * parents) are relative to the manifest's folder, so a batch run
 * by cron from anywhere means the same files.  Validation never stops at
 * the first problem: every bad entry is listed, naming the manifest, the
 * job's index and id, and the key.
 *
 * Problems are of two reaches.  One confined to a job (its source or a
 * part of it missing or unreadable, a parent or its server record
 * missing or invalid, one of its own options invalid, an output that
 * names no file or its own source) harms that job alone: the batch may
 * fail it and run the others.  The rest concern the whole manifest (its
 * form, the defaults, ids, outputs shared between jobs or written over
 * another job's source) and stop everything.
 */
#ifndef FG_JOBS_MANIFEST_H
#define FG_JOBS_MANIFEST_H

#include <stddef.h>

#include "util/err.h"

struct fg_manifest_job {
  size_t index;               /* position in "jobs" */
  char *id;
  char *source;               /* absolute (resolved against the folder) */
  char *output;               /* absolute */
  char *options;              /* defaults + the job's own, canonical JSON */
  /* The first problem confined to this job, or NULL: "'source'
   * '/fleet/web01.tar.gz.0': No such file or directory" (without the
   * manifest and the job's place, which the batch names otherwise), and
   * what would fix it ("put the image there, or fix the job's 'source'
   * in 'fleet.json'"). */
  char *problem, *fix;
};

struct fg_manifest {
  char *path;                 /* as given */
  char *dir;                  /* the manifest's folder, absolute */
  struct fg_manifest_job *jobs;
  size_t njobs;
  size_t nproblems;           /* problems found */
  char **problems;            /* the first NLISTED of them, a line each */
  size_t nlisted;
  size_t nconfined;           /* of NPROBLEMS, those confined to one job
                               * (jobs[].problem); the rest are of the
                               * whole manifest */
};

/* Read and validate PATH.  Returns -1 (E set) only if it cannot be read
 * or is not JSON; problems with its content are collected in
 * M->problems, and only valid jobs are kept in M->jobs. */
int fg_manifest_load (const char *path, struct fg_manifest *m,
                      struct fg_err *e);

/* Check the files the jobs name, each a problem of its job alone: the
 * source is there and readable as convert will find it (a file, a
 * folder, or split parts NAME.0 .. NAME.N named by any part or by NAME,
 * none missing), parents exist, the server record is a readable JSON
 * object.  An output's folder need not exist: the batch makes it when
 * the job starts.  Jobs for which SKIP returns nonzero are not checked
 * (a job already done may have had its source cleaned away since).
 * Problems go to M->problems and to each job's PROBLEM. */
void fg_manifest_check_files (struct fg_manifest *m,
                              int (*skip) (const struct fg_manifest_job *,
                                           void *), void *opaque);

void fg_manifest_release (struct fg_manifest *m);

/* The argv (NULL-terminated, free with fg_argv_free) that converts
 * SOURCE to OUTPUT with OPTIONS_JSON (a stored job's options):
 *   SELF convert --json --progress json [options] [-f] -o OUTPUT -- SOURCE
 * FORCE adds --force: a job redone after an interruption may find its
 * own complete output from the run that was cut off after the rename. */
char **fg_manifest_convert_argv (const char *self, const char *source,
                                 const char *output, const char *options_json,
                                 int force, struct fg_err *e);
void fg_argv_free (char **argv);

#endif
