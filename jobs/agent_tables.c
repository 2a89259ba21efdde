/* jobs/agent_tables.c --- the agent's events table, through the store's
 * connection */
#include "jobs/agent_tables.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS agent_events ("
  "  seq          INTEGER PRIMARY KEY,"
  "  event_id     TEXT NOT NULL UNIQUE,"
  "  server_id    TEXT NOT NULL,"
  "  reboot_type  TEXT NOT NULL,"
  "  origin       TEXT NOT NULL,"
  "  event_time   TEXT NOT NULL,"
  "  received_at  REAL NOT NULL,"
  "  decision     TEXT NOT NULL,"
  "  reason       TEXT NOT NULL,"
  "  job          INTEGER"
  ");"
  "CREATE INDEX IF NOT EXISTS agent_events_by_server "
  "  ON agent_events (server_id, seq);";

/* The columns read back, in this order. */
#define COLUMNS "event_id, server_id, reboot_type, origin, event_time, " \
                "received_at, decision, reason, job"

static int
db_error (struct fg_store *s, struct fg_err *e, const char *what)
{
  return fg_err_set (e, FG_E_IO, "'%s': %s: %s", fg_store_path (s), what,
                     sqlite3_errmsg (fg_store_sqlite (s)));
}

int
fg_agent_tables_create (struct fg_store *s, struct fg_err *e)
{
  char *err = NULL;

  if (sqlite3_exec (fg_store_sqlite (s), schema, NULL, NULL, &err)
      != SQLITE_OK) {
    fg_err_set (e, FG_E_IO, "'%s': cannot create the agent's tables: %s",
                fg_store_path (s), err ? err : "?");
    sqlite3_free (err);
    return -1;
  }
  return 0;
}

static void
copy_col (sqlite3_stmt *st, int col, char *buf, size_t cap)
{
  const unsigned char *t = sqlite3_column_text (st, col);
  snprintf (buf, cap, "%s", t ? (const char *) t : "");
}

static void
read_row (sqlite3_stmt *st, struct fg_agent_event *r)
{
  copy_col (st, 0, r->event_id, sizeof r->event_id);
  copy_col (st, 1, r->server_id, sizeof r->server_id);
  copy_col (st, 2, r->reboot_type, sizeof r->reboot_type);
  copy_col (st, 3, r->origin, sizeof r->origin);
  copy_col (st, 4, r->event_time, sizeof r->event_time);
  r->received_at = sqlite3_column_double (st, 5);
  copy_col (st, 6, r->decision, sizeof r->decision);
  copy_col (st, 7, r->reason, sizeof r->reason);
  r->job = sqlite3_column_int64 (st, 8);
}

int
fg_agent_event_lookup (struct fg_store *s, const char *event_id,
                       struct fg_agent_event *r, struct fg_err *e)
{
  sqlite3_stmt *st;
  int rc;

  if (sqlite3_prepare_v2 (fg_store_sqlite (s), "SELECT " COLUMNS " FROM "
                          "agent_events WHERE event_id = ?", -1, &st, NULL)
      != SQLITE_OK)
    return db_error (s, e, "cannot read the events");
  sqlite3_bind_text (st, 1, event_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW) {
    read_row (st, r);
    rc = 1;
  } else if (rc == SQLITE_DONE)
    rc = 0;
  else
    rc = db_error (s, e, "cannot read the events");
  sqlite3_finalize (st);
  return rc;
}

int
fg_agent_event_insert (struct fg_store *s, const struct fg_agent_event *r,
                       struct fg_err *e)
{
  sqlite3_stmt *st;
  int rc;

  if (sqlite3_prepare_v2 (fg_store_sqlite (s), "INSERT INTO agent_events ("
                          COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
                          &st, NULL) != SQLITE_OK)
    return db_error (s, e, "cannot record an event");
  sqlite3_bind_text (st, 1, r->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, r->server_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, r->reboot_type, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 4, r->origin, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 5, r->event_time, -1, SQLITE_STATIC);
  sqlite3_bind_double (st, 6, r->received_at);
  sqlite3_bind_text (st, 7, r->decision, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 8, r->reason, -1, SQLITE_STATIC);
  if (r->job > 0)
    sqlite3_bind_int64 (st, 9, r->job);
  else
    sqlite3_bind_null (st, 9);
  rc = sqlite3_step (st);
  sqlite3_finalize (st);
  return rc == SQLITE_DONE ? 0 : db_error (s, e, "cannot record an event");
}

int
fg_agent_events_recent (struct fg_store *s, const char *server_id, int max,
                        void (*each) (const struct fg_agent_event *r,
                                      void *opaque),
                        void *opaque)
{
  sqlite3_stmt *st;
  struct fg_agent_event r;
  int n = 0;

  if (sqlite3_prepare_v2 (fg_store_sqlite (s), "SELECT " COLUMNS " FROM "
                          "agent_events WHERE server_id = ? ORDER BY seq "
                          "DESC LIMIT ?", -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text (st, 1, server_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 2, max);
  while (sqlite3_step (st) == SQLITE_ROW) {
    memset (&r, 0, sizeof r);
    read_row (st, &r);
    each (&r, opaque);
    n++;
  }
  sqlite3_finalize (st);
  return n;
}
