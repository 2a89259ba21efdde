/* agent/schedule.h --- the migration schedule: which servers, their
 * windows, where their images are, and the addresses to preserve
 *
 *   { "version": 1,
 *     "servers": [ { "server_id": "web01",
 *                    "window_start": "2026-12-01T00:00:00Z",
 *                    "window_end": "2026-12-15T00:00:00Z",
 *                    "source": "/srv/images/web01.tar.gz.0",
 *                    "output": "/srv/out/web01.vhd",
 *                    "flavor": "1GB", "class": "standard",
 *                    "server_record": { "version": 1, "public": {...} } } ] }
 *
 * doc/schedule.schema.json documents it.  "server_record" is the object
 * of doc/server-record.schema.json, or the path of a file holding one.
 * "output" defaults to OUTPUT_DIR/SERVER_ID.vhd; outputs are compared as
 * files (util/path.h: out/a.vhd, out/./a.vhd and link-to-out/a.vhd are
 * one), must be unique, and none may be a server's source or one of its
 * split parts.  Relative paths are relative to the schedule's folder.  Validation never stops at the
 * first problem: every one is listed, naming the file, the entry's index
 * and id, and the key; a schedule with any problem is not used.
 */
#ifndef FG_AGENT_SCHEDULE_H
#define FG_AGENT_SCHEDULE_H

#include <stddef.h>

#include "util/err.h"

struct fg_sched_server {
  size_t index;               /* position in "servers" */
  char *server_id;
  double window_start, window_end;    /* Unix time; start < end */
  char window_start_text[32], window_end_text[32];  /* UTC, RFC 3339 */
  char *source;               /* absolute */
  char *output;               /* absolute */
  char *flavor;               /* NULL: not given */
  char *server_class;         /* "standard", "general", "io" or NULL */
  char *record;               /* the server record, compact JSON text */
};

struct fg_schedule {
  char *path;                 /* as given ("-" style names for buffers) */
  struct fg_sched_server *servers;    /* sorted by server_id */
  size_t n;
  size_t nproblems;
  char **problems;            /* the first NLISTED, a line each */
  size_t nlisted;
};

/* Parse TEXT (LEN bytes) named NAME.  Relative paths resolve against
 * BASE_DIR (absolute), default outputs go to OUTPUT_DIR (absolute).
 * Returns -1 (E set) only if TEXT is not JSON; problems with the content
 * are collected in S->problems, and only valid servers are kept.
 * A "server_record" given as a path is read here. */
int fg_schedule_parse (const char *text, size_t len, const char *name,
                       const char *base_dir, const char *output_dir,
                       struct fg_schedule *s, struct fg_err *e);

/* Read PATH and parse it (its folder is the base). */
int fg_schedule_load (const char *path, const char *output_dir,
                      struct fg_schedule *s, struct fg_err *e);

/* Check the files the servers name: the source exists (or SOURCE.0 for
 * split parts), the output's folder exists.  Problems go to S. */
void fg_schedule_check_files (struct fg_schedule *s);

/* The entry for SERVER_ID, or NULL. */
const struct fg_sched_server *fg_schedule_find (const struct fg_schedule *s,
                                                const char *server_id);

void fg_schedule_release (struct fg_schedule *s);

/* Validate a server record (doc/server-record.schema.json) given as JSON
 * text.  SERVER_ID, if not NULL, must match its "server_id" when it has
 * one.  Returns 0, or -1 with a sentence naming the key in WHY. */
int fg_server_record_check (const char *json_text, const char *server_id,
                            char *why, size_t cap);

/* Identifiers that may name a file: [A-Za-z0-9._-], 1 to 128 bytes, not
 * starting with '.'. */
int fg_schedule_id_ok (const char *id);

#endif
