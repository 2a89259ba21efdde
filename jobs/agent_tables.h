/* jobs/agent_tables.h --- the agent's own table in the job store
 *
 * The agent records every reboot event it receives, with what it
 * decided, in the store's database beside the jobs, so that an event
 * and the migration it queues change in one transaction
 * (fg_store_begin, fg_agent_event_insert, fg_store_add,
 * fg_store_commit), and a repeated event gets the first answer again.
 * The SQL lives here: the agent never sees the database.
 */
#ifndef FG_JOBS_AGENT_TABLES_H
#define FG_JOBS_AGENT_TABLES_H

#include <stdint.h>

#include "jobs/store.h"
#include "util/err.h"

/* As agent/event.h bounds an identifier. */
#define FG_AGENT_ID_MAX 128

/* One received event and the decision on it. */
struct fg_agent_event {
  char event_id[FG_AGENT_ID_MAX + 1];
  char server_id[FG_AGENT_ID_MAX + 1];
  char reboot_type[8], origin[16], event_time[40];
  char decision[16], reason[512];
  double received_at;         /* Unix time */
  int64_t job;                /* the job it queued, 0 if none */
};

/* Create the agent's table if missing.  Errors read "'STORE': ...". */
int fg_agent_tables_create (struct fg_store *s, struct fg_err *e);

/* The record of EVENT_ID into R: 1 found, 0 not, -1 error. */
int fg_agent_event_lookup (struct fg_store *s, const char *event_id,
                           struct fg_agent_event *r, struct fg_err *e);

/* Record R (inside the caller's transaction if any). */
int fg_agent_event_insert (struct fg_store *s, const struct fg_agent_event *r,
                           struct fg_err *e);

/* The last MAX events of SERVER_ID, newest first, each told to EACH;
 * how many, or -1 if they cannot be read. */
int fg_agent_events_recent (struct fg_store *s, const char *server_id,
                            int max,
                            void (*each) (const struct fg_agent_event *r,
                                          void *opaque),
                            void *opaque);

#endif
