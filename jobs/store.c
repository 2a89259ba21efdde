/* jobs/store.c --- the durable job store: SQLite, WAL, one transaction per
 * state change (see store.h for the state machine and the guarantees) */
#include "jobs/store.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/path.h"

/* PRAGMA application_id: "f2ng".  Tells our store from any other SQLite
 * file a mistyped --state might name. */
#define FG_STORE_APP_ID 0x66326e67

/* How long a writer waits for another one (ms).  State changes are tiny
 * transactions; waiting this long means something is stuck. */
#define BUSY_TIMEOUT_MS 30000

struct fg_store {
  sqlite3 *db;
  char *path;
  int retries;
  int in_txn;                 /* inside fg_store_begin */
  char host[256];
  char boot[64];              /* this kernel's boot id */
};

static const char *const state_names[FG_JOB_NSTATES] = {
  "pending", "running", "done", "failed",
};

const char *
fg_job_state_name (enum fg_job_state st)
{
  return (unsigned) st < FG_JOB_NSTATES ? state_names[st] : "?";
}

int
fg_job_state_parse (const char *s)
{
  for (int i = 0; s && i < FG_JOB_NSTATES; i++)
    if (strcmp (s, state_names[i]) == 0)
      return i;
  return -1;
}

void
fg_job_init (struct fg_job *job)
{
  memset (job, 0, sizeof *job);
}

void
fg_job_release (struct fg_job *job)
{
  if (job == NULL)
    return;
  free (job->key);
  free (job->queue);
  free (job->source);
  free (job->output);
  free (job->options);
  free (job->worker_host);
  free (job->result);
  free (job->error_kind);
  free (job->error_message);
  free (job->error_hint);
  free (job->log);
  free (job->output_id);
  free (job->output_taken_by);
  fg_job_init (job);
}

/* ---- who is a worker ---------------------------------------------------- */

/* The kernel's boot id: a pid recorded under another boot id is dead
 * whatever process now has that number. */
static void
read_boot_id (char *out, size_t cap)
{
  FILE *f = fopen ("/proc/sys/kernel/random/boot_id", "re");

  out[0] = '\0';
  if (f) {
    if (fgets (out, (int) cap, f) == NULL)
      out[0] = '\0';
    fclose (f);
  }
  out[strcspn (out, "\n")] = '\0';
}

/* Field 22 of /proc/PID/stat (start time, clock ticks since boot) and the
 * state letter (field 3).  Returns -1 if there is no such process. */
static int
proc_stat (pid_t pid, long long *start, char *state)
{
  char path[64], buf[1024];
  FILE *f;
  size_t n;
  char *p;

  snprintf (path, sizeof path, "/proc/%ld/stat", (long) pid);
  f = fopen (path, "re");
  if (f == NULL)
    return -1;
  n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  /* The command name (field 2) may hold spaces and parentheses: the
   * fields that follow start after its last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  p += 2;
  *state = *p;
  for (int field = 3; field < 22; field++) {
    p = strchr (p, ' ');
    if (p == NULL)
      return -1;
    p++;
  }
  *start = strtoll (p, NULL, 10);
  return 0;
}

/* Is the worker recorded as PID/START on this host and boot alive? */
static int
worker_alive (pid_t pid, long long start, int have_start)
{
  long long now_start;
  char st;

  if (pid <= 0)
    return 0;
  if (kill (pid, 0) < 0 && errno == ESRCH)
    return 0;
  if (proc_stat (pid, &now_start, &st) < 0)
    return 0;
  /* A zombie has finished its work (or died): its job is not running. */
  if (st == 'Z' || st == 'X')
    return 0;
  if (have_start && now_start != start)
    return 0;                   /* the pid was reused */
  return 1;
}

/* ---- errors ------------------------------------------------------------- */

/* Set E from a failed SQLite call: "'PATH': WHAT: sqlite's message", the
 * kind and a hint from the result code.  Returns -1. */
static int
db_fail (struct fg_store *s, int rc, struct fg_err *e, const char *what)
{
  const char *msg = s->db ? sqlite3_errmsg (s->db) : sqlite3_errstr (rc);
  enum fg_errkind kind = FG_E_IO;

  switch (rc & 0xff) {
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    kind = FG_E_INPUT;
    fg_err_set (e, kind, "'%s': %s: %s", s->path, what, msg);
    fg_err_hint (e, "this is not a usable fg2ng job store: move it aside "
                 "and give --state a new file name");
    return -1;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    fg_err_set (e, kind, "'%s': %s: %s", s->path, what, msg);
    fg_err_hint (e, "another process has held the job store locked for "
                 "%d s; try again when it is done", BUSY_TIMEOUT_MS / 1000);
    return -1;
  case SQLITE_FULL:
    fg_err_set (e, kind, "'%s': %s: %s", s->path, what, msg);
    fg_err_hint (e, "free space on the disk that holds the job store");
    return -1;
  case SQLITE_READONLY:
  case SQLITE_PERM:
  case SQLITE_CANTOPEN:
    fg_err_set (e, kind, "'%s': %s: %s", s->path, what, msg);
    fg_err_hint (e, "the job store and its folder must be writable (SQLite "
                 "puts its -wal and -shm files beside it), or choose "
                 "another --state");
    return -1;
  case SQLITE_CONSTRAINT:
  case SQLITE_MISUSE:
  case SQLITE_RANGE:
  case SQLITE_ERROR:
    kind = FG_E_INTERNAL;
    break;
  default:
    break;
  }
  fg_err_set (e, kind, "'%s': %s: %s", s->path, what, msg);
  if ((rc & 0xff) == SQLITE_IOERR)
    fg_err_hint (e, "the disk that holds the job store failed a read or "
                 "write; check it (dmesg)");
  return -1;
}

/* ---- statements ---------------------------------------------------------- */

/* Prepare SQL and bind its parameters from TYPES, one letter each:
 * 'i' int64_t, 'n' int, 'd' double, 't' text (NULL binds NULL). */
static sqlite3_stmt *
prepare (struct fg_store *s, struct fg_err *e, const char *what,
         const char *sql, const char *types, va_list ap)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (s->db, sql, -1, &st, NULL);

  if (rc != SQLITE_OK) {
    db_fail (s, rc, e, what);
    return NULL;
  }
  for (int i = 0; types[i]; i++) {
    int col = i + 1;
    switch (types[i]) {
    case 'i': rc = sqlite3_bind_int64 (st, col, va_arg (ap, int64_t)); break;
    case 'n': rc = sqlite3_bind_int (st, col, va_arg (ap, int)); break;
    case 'd': rc = sqlite3_bind_double (st, col, va_arg (ap, double)); break;
    case 't': {
      const char *t = va_arg (ap, const char *);
      rc = t ? sqlite3_bind_text (st, col, t, -1, SQLITE_TRANSIENT)
             : sqlite3_bind_null (st, col);
      break;
    }
    default: rc = SQLITE_MISUSE; break;
    }
    if (rc != SQLITE_OK) {
      db_fail (s, rc, e, what);
      sqlite3_finalize (st);
      return NULL;
    }
  }
  return st;
}

static sqlite3_stmt *
query (struct fg_store *s, struct fg_err *e, const char *what,
       const char *sql, const char *types, ...)
{
  va_list ap;
  sqlite3_stmt *st;

  va_start (ap, types);
  st = prepare (s, e, what, sql, types, ap);
  va_end (ap);
  return st;
}

/* Run a statement that returns no rows; the number of rows it changed,
 * or -1. */
static int
run (struct fg_store *s, struct fg_err *e, const char *what, const char *sql,
     const char *types, ...)
{
  va_list ap;
  sqlite3_stmt *st;
  int rc;

  va_start (ap, types);
  st = prepare (s, e, what, sql, types, ap);
  va_end (ap);
  if (st == NULL)
    return -1;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE) {
    db_fail (s, rc, e, what);
    sqlite3_finalize (st);
    return -1;
  }
  sqlite3_finalize (st);
  return sqlite3_changes (s->db);
}

/* Step a query expected to give at most one row: 1 row, 0 none, -1. */
static int
step_row (struct fg_store *s, sqlite3_stmt *st, struct fg_err *e,
          const char *what)
{
  int rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE)
    return 0;
  return db_fail (s, rc, e, what);
}

static int
exec_plain (struct fg_store *s, const char *sql, struct fg_err *e,
            const char *what)
{
  int rc = sqlite3_exec (s->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : db_fail (s, rc, e, what);
}

/* Transactions of one state change.  Inside fg_store_begin they join the
 * caller's transaction instead. */
static int
tx_begin (struct fg_store *s, struct fg_err *e)
{
  if (s->in_txn)
    return 0;
  /* IMMEDIATE: take the write lock now, so that the read that decides
   * (which job is pending, is this one still running) and the write that
   * acts on it see the same database; no other writer slips in between. */
  return exec_plain (s, "BEGIN IMMEDIATE", e, "cannot start a transaction");
}

static int
tx_commit (struct fg_store *s, struct fg_err *e)
{
  if (s->in_txn)
    return 0;
  if (exec_plain (s, "COMMIT", e, "cannot commit") < 0) {
    sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
  }
  return 0;
}

static int
tx_abort (struct fg_store *s)
{
  if (!s->in_txn && !sqlite3_get_autocommit (s->db))
    sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

static char *
col_text (sqlite3_stmt *st, int col)
{
  const unsigned char *t = sqlite3_column_text (st, col);
  return t ? strdup ((const char *) t) : NULL;
}

static int
event (struct fg_store *s, int64_t id, const char *state, pid_t pid,
       const char *note, struct fg_err *e)
{
  return run (s, e, "cannot record an event",
              "INSERT INTO events (job, at, state, pid, host, note) "
              "VALUES (?, ?, ?, ?, ?, ?)", "idtntt", id, fg_clock_now (), state,
              (int) pid, pid ? s->host : NULL, note) < 0 ? -1 : 0;
}

/* ---- schema -------------------------------------------------------------- */

/* Each entry takes the schema from version i to i + 1.  A new version
 * appends an entry; old entries never change. */
static const char *const migrations[FG_STORE_SCHEMA] = {
  /* 0 -> 1 */
  "CREATE TABLE jobs ("
  "  id            INTEGER PRIMARY KEY,"
  "  key           TEXT NOT NULL UNIQUE,"
  "  queue         TEXT NOT NULL,"
  "  source        TEXT NOT NULL,"
  "  output        TEXT NOT NULL,"
  "  options       TEXT NOT NULL DEFAULT '{}',"
  "  state         TEXT NOT NULL DEFAULT 'pending'"
  "                CHECK (state IN ('pending','running','done','failed')),"
  "  runs          INTEGER NOT NULL DEFAULT 0,"
  "  attempts      INTEGER NOT NULL DEFAULT 0,"
  "  worker_pid    INTEGER,"
  "  worker_host   TEXT,"
  "  worker_boot   TEXT,"
  "  worker_start  INTEGER,"
  "  created_at    REAL NOT NULL,"
  "  updated_at    REAL NOT NULL,"
  "  started_at    REAL,"
  "  finished_at   REAL,"
  "  result        TEXT,"
  "  error_kind    TEXT,"
  "  error_message TEXT,"
  "  error_hint    TEXT,"
  "  log           TEXT,"
  "  CHECK ((state = 'running') = (worker_pid IS NOT NULL))"
  ");"
  "CREATE INDEX jobs_by_state ON jobs (queue, state, id);"
  "CREATE TABLE events ("
  "  seq   INTEGER PRIMARY KEY,"
  "  job   INTEGER NOT NULL REFERENCES jobs (id),"
  "  at    REAL NOT NULL,"
  "  state TEXT NOT NULL,"
  "  pid   INTEGER,"
  "  host  TEXT,"
  "  note  TEXT"
  ");"
  "CREATE INDEX events_by_job ON events (job, seq);",
  /* 1 -> 2: the output as a file, so that two spellings of one path are
   * one output (filled in for the jobs already there by backfill_ids) */
  "ALTER TABLE jobs ADD COLUMN output_id TEXT;"
  "CREATE INDEX jobs_by_output_id ON jobs (output_id, state);",
};

/* The output identity of every job that has none (a store from before
 * schema 2), inside the schema transaction.  An output that has no
 * identity (a path too long) keeps NULL and is compared by its text. */
static int
backfill_ids (struct fg_store *s, struct fg_err *e)
{
  sqlite3_stmt *st = query (s, e, "cannot migrate the schema",
                            "SELECT id, output FROM jobs "
                            "WHERE output_id IS NULL", "");
  int rc;

  if (st == NULL)
    return -1;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64 (st, 0);
    const char *out = (const char *) sqlite3_column_text (st, 1);
    char *oid = out ? fg_path_identity (out, NULL) : NULL;
    int changed = oid ? run (s, e, "cannot migrate the schema",
                             "UPDATE jobs SET output_id = ? WHERE id = ?",
                             "ti", oid, id) : 0;
    free (oid);
    if (changed < 0) {
      sqlite3_finalize (st);
      return -1;
    }
  }
  sqlite3_finalize (st);
  return rc == SQLITE_DONE ? 0 : db_fail (s, rc, e,
                                          "cannot migrate the schema");
}

static int
pragma_int (struct fg_store *s, const char *sql, int *out, struct fg_err *e)
{
  sqlite3_stmt *st = query (s, e, "cannot read the schema", sql, "");
  int rc;

  if (st == NULL)
    return -1;
  rc = step_row (s, st, e, "cannot read the schema");
  *out = rc == 1 ? sqlite3_column_int (st, 0) : 0;
  sqlite3_finalize (st);
  return rc < 0 ? -1 : 0;
}

static int
setup_schema (struct fg_store *s, struct fg_err *e)
{
  int version, app, objects;
  char sql[96];

  if (exec_plain (s, "BEGIN IMMEDIATE", e, "cannot read the schema") < 0)
    return -1;
  if (pragma_int (s, "PRAGMA user_version", &version, e) < 0 ||
      pragma_int (s, "PRAGMA application_id", &app, e) < 0 ||
      pragma_int (s, "SELECT count(*) FROM sqlite_master", &objects, e) < 0)
    goto fail;
  if (app != FG_STORE_APP_ID && (app != 0 || objects > 0)) {
    fg_err_set (e, FG_E_INPUT, "'%s': not an fg2ng job store (an SQLite "
                "database of another program)", s->path);
    fg_err_hint (e, "give --state the job store of this batch, or a new "
                 "file name to start one");
    goto fail;
  }
  if (version > FG_STORE_SCHEMA) {
    fg_err_set (e, FG_E_INPUT, "'%s': job store schema %d is newer than "
                "this fg2ng knows (%d)", s->path, version, FG_STORE_SCHEMA);
    fg_err_hint (e, "run the fg2ng that wrote it (fg2ng %s is older)",
                 FG_VERSION);
    goto fail;
  }
  for (int v = version; v < FG_STORE_SCHEMA; v++)
    if (exec_plain (s, migrations[v], e, "cannot create the schema") < 0)
      goto fail;
  if (version < 2 && backfill_ids (s, e) < 0)
    goto fail;
  if (version < FG_STORE_SCHEMA) {
    snprintf (sql, sizeof sql, "PRAGMA application_id = %d; "
              "PRAGMA user_version = %d", FG_STORE_APP_ID, FG_STORE_SCHEMA);
    if (exec_plain (s, sql, e, "cannot create the schema") < 0)
      goto fail;
  }
  if (exec_plain (s, "COMMIT", e, "cannot create the schema") < 0)
    goto fail;
  return 0;

fail:
  sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

/* ---- open / close -------------------------------------------------------- */

/* File systems whose locking and shared memory SQLite's WAL mode cannot
 * rely on: a store there could be corrupted by two hosts at once. */
static const char *
network_fs (long type)
{
  switch ((unsigned long) type) {
  case 0x6969: return "nfs";
  case 0x517b: return "smb";
  case 0xff534d42: return "cifs";
  case 0xfe534d42: return "smb2";
  case 0x5346414f: return "afs";
  default: return NULL;
  }
}

/* Check PATH before SQLite sees it, so that the error says what is
 * wrong in words rather than "unable to open database file". */
static int
validate_path (const char *path, int flags, struct fg_err *e)
{
  struct stat st;
  struct statfs sf;
  char *copy, *dir;
  int rc = -1;

  if (path == NULL || *path == '\0')
    return fg_err_set (e, FG_E_USAGE, "the job store path is empty");
  if (stat (path, &st) == 0) {
    if (S_ISDIR (st.st_mode)) {
      fg_err_set (e, FG_E_INPUT, "'%s': is a folder, not a job store", path);
      fg_err_hint (e, "give --state a file name, such as '%s/state.sqlite'",
                   path);
      return -1;
    }
    if (!S_ISREG (st.st_mode)) {
      fg_err_set (e, FG_E_INPUT, "'%s': not a regular file", path);
      fg_err_hint (e, "give --state a file name");
      return -1;
    }
  } else if (errno != ENOENT) {
    return fg_err_errno (e, FG_E_IO, errno, "'%s'", path);
  } else if (!(flags & FG_STORE_CREATE)) {
    fg_err_set (e, FG_E_INPUT, "'%s': no such job store", path);
    fg_err_hint (e, "check the --state path; a batch creates its store the "
                 "first time it runs");
    return -1;
  }
  copy = strdup (path);
  if (copy == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  dir = dirname (copy);
  if (stat (dir, &st) < 0 || !S_ISDIR (st.st_mode)) {
    fg_err_set (e, FG_E_INPUT, "'%s': the folder '%s' does not exist",
                path, dir);
    fg_err_hint (e, "create the folder, or choose another --state");
    goto out;
  }
  /* WAL writes PATH-wal and PATH-shm beside the database. */
  if (access (dir, W_OK | X_OK) < 0) {
    fg_err_errno (e, FG_E_IO, errno, "'%s': cannot write in its folder '%s'",
                  path, dir);
    fg_err_hint (e, "the job store's folder must be writable (SQLite puts "
                 "its -wal and -shm files beside it), or choose another "
                 "--state");
    goto out;
  }
  if (statfs (dir, &sf) == 0 && network_fs ((long) sf.f_type)) {
    fg_err_set (e, FG_E_INPUT, "'%s': on a network file system (%s), where "
                "SQLite's write-ahead log is not safe", path,
                network_fs ((long) sf.f_type));
    fg_err_hint (e, "keep the job store on a local disk (--state); the "
                 "images themselves may stay on the network share");
    goto out;
  }
  rc = 0;
out:
  free (copy);
  return rc;
}

struct fg_store *
fg_store_open (const char *path, int flags, struct fg_err *e)
{
  struct fg_store *s;
  sqlite3_stmt *st;
  int rc;

  if (validate_path (path, flags, e) < 0)
    return NULL;
  s = calloc (1, sizeof *s);
  if (s == NULL || (s->path = strdup (path)) == NULL) {
    free (s);
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
    return NULL;
  }
  s->retries = 1;
  if (gethostname (s->host, sizeof s->host - 1) < 0)
    strcpy (s->host, "localhost");
  read_boot_id (s->boot, sizeof s->boot);

  rc = sqlite3_open_v2 (path, &s->db, SQLITE_OPEN_READWRITE |
                        ((flags & FG_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0),
                        NULL);
  if (rc != SQLITE_OK) {
    db_fail (s, rc, e, "cannot open the job store");
    goto fail;
  }
  sqlite3_extended_result_codes (s->db, 1);
  sqlite3_busy_timeout (s->db, BUSY_TIMEOUT_MS);

  /* The journal mode is persistent in the file, but asking every time
   * costs nothing and makes a store created by hand safe too.  The answer
   * is the mode now in force: anything but "wal" is an error (an
   * in-memory or read-only file, say). */
  st = query (s, e, "cannot set WAL mode", "PRAGMA journal_mode = WAL", "");
  if (st == NULL)
    goto fail;
  rc = step_row (s, st, e, "cannot read the job store");
  if (rc == 1) {
    const char *mode = (const char *) sqlite3_column_text (st, 0);
    if (mode == NULL || strcmp (mode, "wal") != 0) {
      fg_err_set (e, FG_E_IO, "'%s': cannot use the write-ahead log "
                  "(journal mode stays '%s')", path, mode ? mode : "?");
      rc = -1;
    }
  }
  sqlite3_finalize (st);
  if (rc != 1)
    goto fail;
  /* FULL: a commit is on disk (the WAL fsync'd) before it returns, so a
   * job reported done stays done through a power cut, not only through
   * a crash of fg2ng. */
  if (exec_plain (s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON",
                  e, "cannot set up the job store") < 0)
    goto fail;
  if (setup_schema (s, e) < 0)
    goto fail;
  return s;

fail:
  fg_store_close (s);
  return NULL;
}

void
fg_store_close (struct fg_store *s)
{
  if (s == NULL)
    return;
  if (s->db)
    sqlite3_close_v2 (s->db);
  free (s->path);
  free (s);
}

const char *
fg_store_path (const struct fg_store *s)
{
  return s->path;
}

void
fg_store_set_retries (struct fg_store *s, int retries)
{
  s->retries = retries < 0 ? 0 : retries;
}

int
fg_store_begin (struct fg_store *s, struct fg_err *e)
{
  if (s->in_txn)
    return fg_err_set (e, FG_E_INTERNAL, "'%s': transaction already open",
                       s->path);
  if (exec_plain (s, "BEGIN IMMEDIATE", e, "cannot start a transaction") < 0)
    return -1;
  s->in_txn = 1;
  return 0;
}

int
fg_store_commit (struct fg_store *s, struct fg_err *e)
{
  s->in_txn = 0;
  if (exec_plain (s, "COMMIT", e, "cannot commit") < 0) {
    sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
  }
  return 0;
}

void
fg_store_rollback (struct fg_store *s)
{
  s->in_txn = 0;
  if (!sqlite3_get_autocommit (s->db))
    sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- jobs ---------------------------------------------------------------- */

#define JOB_COLS "id, key, queue, source, output, options, state, runs, " \
  "attempts, worker_pid, worker_host, created_at, started_at, finished_at, " \
  "result, error_kind, error_message, error_hint, log, output_id"

static int
fill_job (sqlite3_stmt *st, struct fg_job *j)
{
  int state;

  fg_job_release (j);
  j->id = sqlite3_column_int64 (st, 0);
  j->key = col_text (st, 1);
  j->queue = col_text (st, 2);
  j->source = col_text (st, 3);
  j->output = col_text (st, 4);
  j->options = col_text (st, 5);
  state = fg_job_state_parse ((const char *) sqlite3_column_text (st, 6));
  j->state = state < 0 ? FG_JOB_FAILED : (enum fg_job_state) state;
  j->runs = sqlite3_column_int (st, 7);
  j->attempts = sqlite3_column_int (st, 8);
  j->worker_pid = (pid_t) sqlite3_column_int (st, 9);
  j->worker_host = col_text (st, 10);
  j->created_at = sqlite3_column_double (st, 11);
  j->started_at = sqlite3_column_double (st, 12);
  j->finished_at = sqlite3_column_double (st, 13);
  j->result = col_text (st, 14);
  j->error_kind = col_text (st, 15);
  j->error_message = col_text (st, 16);
  j->error_hint = col_text (st, 17);
  j->log = col_text (st, 18);
  j->output_id = col_text (st, 19);
  return j->key && j->queue && j->source && j->output && j->options ? 0 : -1;
}

static int
load_job (struct fg_store *s, const char *where, const char *types,
          const void *arg, struct fg_job *j, struct fg_err *e)
{
  char sql[256];
  sqlite3_stmt *st;
  int rc;

  snprintf (sql, sizeof sql, "SELECT " JOB_COLS " FROM jobs WHERE %s", where);
  if (types[0] == 'i')
    st = query (s, e, "cannot read a job", sql, "i", *(const int64_t *) arg);
  else
    st = query (s, e, "cannot read a job", sql, "t", (const char *) arg);
  if (st == NULL)
    return -1;
  rc = step_row (s, st, e, "cannot read a job");
  if (rc == 1 && fill_job (st, j) < 0)
    rc = fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", s->path);
  sqlite3_finalize (st);
  return rc;
}

int
fg_store_get (struct fg_store *s, const char *key, struct fg_job *job,
              struct fg_err *e)
{
  return load_job (s, "key = ?", "t", key, job, e);
}

static int
same (const char *a, const char *b)
{
  return a && b && strcmp (a, b) == 0;
}

int
fg_store_add (struct fg_store *s, const char *queue, const char *key,
              const char *source, const char *output,
              const char *options_json, struct fg_err *e)
{
  struct fg_job old;
  const char *opts = options_json ? options_json : "{}";
  double t = fg_clock_now ();
  char *oid;
  int rc;

  if (tx_begin (s, e) < 0)
    return -1;
  fg_job_init (&old);
  rc = fg_store_get (s, key, &old, e);
  if (rc < 0)
    return tx_abort (s);
  if (rc == 1) {
    const char *what = NULL, *was = NULL;
    if (!same (old.queue, queue))
      what = "queue", was = old.queue;
    else if (!same (old.source, source))
      what = "source", was = old.source;
    else if (!same (old.output, output))
      what = "output", was = old.output;
    else if (!same (old.options, opts))
      what = "set of options", was = old.options;
    if (what && old.state == FG_JOB_FAILED && old.runs == 0 &&
        strcmp (what, "queue") != 0) {
      /* Rejected before it ever ran (fg_store_reject): nothing of it
       * exists to protect, and the entry as now fixed is the one a retry
       * must run.  It stays failed until then. */
      char note[64];
      int n;
      oid = fg_path_identity (output, NULL);
      snprintf (note, sizeof note, "new %s from the caller", what);
      n = run (s, e, "cannot change a job",
               "UPDATE jobs SET source = ?, output = ?, options = ?, "
               "output_id = ?, updated_at = ? WHERE id = ? "
               "AND state = 'failed' AND runs = 0", "ttttdi", source, output,
               opts, oid, t, old.id);
      free (oid);
      if (n != 1 || event (s, old.id, "failed", 0, note, e) < 0 ||
          tx_commit (s, e) < 0) {
        if (n == 0 && !fg_err_is_set (e))
          fg_err_set (e, FG_E_INTERNAL, "'%s': job '%s' changed while "
                      "being replaced", s->path, key);
        fg_job_release (&old);
        return tx_abort (s);
      }
      fg_job_release (&old);
      return 0;
    }
    if (what) {
      fg_err_set (e, FG_E_INPUT, "'%s': job '%s' is already in the store "
                  "with a different %s (%s)", s->path, key, what, was);
      fg_err_hint (e, "give the changed job a new id, or start a new job "
                   "store with --state");
      fg_job_release (&old);
      return tx_abort (s);
    }
    fg_job_release (&old);
    return tx_commit (s, e) < 0 ? -1 : 0;
  }
  /* Taken again when the job is claimed: folders may move until then. */
  oid = fg_path_identity (output, NULL);
  rc = run (s, e, "cannot add a job",
            "INSERT INTO jobs (key, queue, source, output, options, state, "
            "created_at, updated_at, output_id) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            "tttttddt", key, queue, source, output, opts, t, t, oid);
  free (oid);
  if (rc < 0 ||
      event (s, sqlite3_last_insert_rowid (s->db), "pending", 0, "added",
             e) < 0 ||
      tx_commit (s, e) < 0)
    return tx_abort (s);
  return 1;
}

/* The key of another job than ID, done (first) or running, whose output
 * is the file OID (or, for a job without an identity, the path OUTPUT):
 * 1 with *HOLDER set, 0 if none, -1. */
static int
output_holder (struct fg_store *s, int64_t id, const char *oid,
               const char *output, char **holder, struct fg_err *e)
{
  sqlite3_stmt *st = query (s, e, "cannot compare outputs",
                            "SELECT key FROM jobs WHERE id != ?1 "
                            "AND state IN ('done', 'running') "
                            "AND ((?2 IS NOT NULL AND (output_id = ?2 "
                            "OR (output_id IS NULL AND output = ?3))) "
                            "OR (?2 IS NULL AND (output = ?3 "
                            "OR output_id = ?3))) "
                            "ORDER BY state = 'done' DESC, id LIMIT 1",
                            "itt", id, oid, output);
  int rc;

  *holder = NULL;
  if (st == NULL)
    return -1;
  rc = step_row (s, st, e, "cannot compare outputs");
  if (rc == 1 && (*holder = col_text (st, 0)) == NULL)
    rc = fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", s->path);
  sqlite3_finalize (st);
  return rc;
}

int
fg_store_claim (struct fg_store *s, const char *queue, pid_t worker_pid,
                struct fg_job *job, struct fg_err *e)
{
  sqlite3_stmt *st;
  int64_t id;
  long long start = 0;
  char pstate, *output = NULL, *oid = NULL, *holder = NULL;
  double t = fg_clock_now ();
  int rc;

  if (s->in_txn)
    return fg_err_set (e, FG_E_INTERNAL, "'%s': claim inside a "
                       "transaction", s->path);
  if (tx_begin (s, e) < 0)
    return -1;
  st = query (s, e, "cannot look for a pending job",
              "SELECT id, output FROM jobs WHERE state = 'pending' "
              "AND (?1 IS NULL OR queue = ?1) ORDER BY id LIMIT 1",
              "t", queue);
  if (st == NULL)
    return tx_abort (s);
  rc = step_row (s, st, e, "cannot look for a pending job");
  id = rc == 1 ? sqlite3_column_int64 (st, 0) : 0;
  if (rc == 1 && (output = col_text (st, 1)) == NULL)
    rc = fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", s->path);
  sqlite3_finalize (st);
  if (rc <= 0) {
    tx_abort (s);
    return rc;
  }
  if (proc_stat (worker_pid, &start, &pstate) < 0)
    start = -1;
  /* The output as a file now, just before it is written, compared under
   * the write lock: two claimers of one output never both go ahead. */
  oid = fg_path_identity (output, NULL);
  if (output_holder (s, id, oid, output, &holder, e) < 0 ||
      run (s, e, "cannot claim a job",
           "UPDATE jobs SET state = 'running', runs = runs + 1, "
           "worker_pid = ?, worker_host = ?, worker_boot = ?, "
           "worker_start = ?, started_at = ?, finished_at = NULL, "
           "updated_at = ?, output_id = ? WHERE id = ? AND state = 'pending'",
           "nttiddti", (int) worker_pid, s->host, s->boot, (int64_t) start,
           t, t, oid, id) != 1 ||
      event (s, id, "running", worker_pid, NULL, e) < 0 ||
      load_job (s, "id = ?", "i", &id, job, e) != 1 ||
      tx_commit (s, e) < 0) {
    if (!fg_err_is_set (e))
      fg_err_set (e, FG_E_INTERNAL, "'%s': job %" PRId64 " vanished while "
                  "being claimed", s->path, id);
    fg_job_release (job);
    free (output);
    free (oid);
    free (holder);
    return tx_abort (s);
  }
  job->output_taken_by = holder;
  free (output);
  free (oid);
  return 1;
}

/* Check that job ID is running (inside a transaction); its attempts in
 * *ATTEMPTS. */
static int
expect_running (struct fg_store *s, int64_t id, int *attempts,
                struct fg_err *e)
{
  sqlite3_stmt *st = query (s, e, "cannot read a job",
                            "SELECT state, attempts FROM jobs WHERE id = ?",
                            "i", id);
  int rc;

  if (st == NULL)
    return -1;
  rc = step_row (s, st, e, "cannot read a job");
  if (rc == 0)
    fg_err_set (e, FG_E_INTERNAL, "'%s': no job %" PRId64, s->path, id);
  else if (rc == 1) {
    const char *state = (const char *) sqlite3_column_text (st, 0);
    if (!same (state, "running"))
      rc = fg_err_set (e, FG_E_INTERNAL, "'%s': job %" PRId64 " is %s, not "
                       "running", s->path, id, state ? state : "?");
    *attempts = sqlite3_column_int (st, 1);
  }
  sqlite3_finalize (st);
  return rc == 1 ? 0 : -1;
}

#define CLEAR_WORKER "worker_pid = NULL, worker_host = NULL, " \
  "worker_boot = NULL, worker_start = NULL"

int
fg_store_finish (struct fg_store *s, int64_t id, const char *result_json,
                 const char *log, struct fg_err *e)
{
  double t = fg_clock_now ();
  int attempts;

  if (tx_begin (s, e) < 0)
    return -1;
  if (expect_running (s, id, &attempts, e) < 0 ||
      run (s, e, "cannot record a finished job",
           "UPDATE jobs SET state = 'done', " CLEAR_WORKER ", "
           "finished_at = ?, updated_at = ?, result = ?, log = ?, "
           "error_kind = NULL, error_message = NULL, error_hint = NULL "
           "WHERE id = ?", "ddtti", t, t, result_json, log, id) != 1 ||
      event (s, id, "done", 0, NULL, e) < 0 ||
      tx_commit (s, e) < 0)
    return tx_abort (s);
  return 0;
}

int
fg_store_fail (struct fg_store *s, int64_t id, const char *kind,
               const char *message, const char *hint, const char *log,
               int retryable, struct fg_err *e)
{
  double t = fg_clock_now ();
  int attempts;
  enum fg_job_state to;
  char note[FG_ERR_MSG_MAX + 64];

  if (tx_begin (s, e) < 0)
    return -1;
  if (expect_running (s, id, &attempts, e) < 0)
    return tx_abort (s);
  attempts++;
  to = retryable && attempts <= s->retries ? FG_JOB_PENDING : FG_JOB_FAILED;
  snprintf (note, sizeof note, "%s: %s", kind ? kind : "internal",
            message ? message : "");
  if (run (s, e, "cannot record a failed job",
           "UPDATE jobs SET state = ?, attempts = ?, " CLEAR_WORKER ", "
           "finished_at = ?, updated_at = ?, error_kind = ?, "
           "error_message = ?, error_hint = ?, log = ? WHERE id = ?",
           "tnddtttti", fg_job_state_name (to), attempts, t, t,
           kind ? kind : "internal", message ? message : "", hint, log,
           id) != 1 ||
      event (s, id, fg_job_state_name (to), 0, note, e) < 0 ||
      tx_commit (s, e) < 0)
    return tx_abort (s);
  return (int) to;
}

int
fg_store_release (struct fg_store *s, int64_t id, struct fg_err *e)
{
  double t = fg_clock_now ();
  int attempts;

  if (tx_begin (s, e) < 0)
    return -1;
  if (expect_running (s, id, &attempts, e) < 0 ||
      run (s, e, "cannot release a job",
           "UPDATE jobs SET state = 'pending', " CLEAR_WORKER ", "
           "updated_at = ? WHERE id = ?", "di", t, id) != 1 ||
      event (s, id, "pending", 0, "interrupted; to be redone", e) < 0 ||
      tx_commit (s, e) < 0)
    return tx_abort (s);
  return 0;
}

struct running_job {
  int64_t id;
  pid_t pid;
  long long start;
  int have_start;
  char *host, *boot;
};

static void
running_jobs_free (struct running_job *rj, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free (rj[i].host);
    free (rj[i].boot);
  }
  free (rj);
}

/* The jobs the store says are running, read whole before any is changed
 * (a statement open across the updates would hold the read lock).
 * Returns how many, in *OUT, or -1. */
static ssize_t
running_jobs (struct fg_store *s, struct running_job **out, struct fg_err *e)
{
  struct running_job *rj = NULL;
  size_t n = 0, cap = 0;
  sqlite3_stmt *st;
  int rc;

  st = query (s, e, "cannot look for interrupted jobs",
              "SELECT id, worker_pid, worker_start, worker_host, worker_boot "
              "FROM jobs WHERE state = 'running' ORDER BY id", "");
  if (st == NULL)
    return -1;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW) {
    if (n == cap) {
      struct running_job *bigger;
      cap = cap ? cap * 2 : 16;
      bigger = realloc (rj, cap * sizeof *rj);
      if (bigger == NULL) {
        rc = SQLITE_NOMEM;
        break;
      }
      rj = bigger;
    }
    rj[n].id = sqlite3_column_int64 (st, 0);
    rj[n].pid = (pid_t) sqlite3_column_int (st, 1);
    rj[n].have_start = sqlite3_column_type (st, 2) != SQLITE_NULL &&
                       sqlite3_column_int64 (st, 2) >= 0;
    rj[n].start = sqlite3_column_int64 (st, 2);
    rj[n].host = col_text (st, 3);
    rj[n].boot = col_text (st, 4);
    n++;
  }
  sqlite3_finalize (st);
  *out = rj;
  if (rc != SQLITE_DONE) {
    db_fail (s, rc, e, "cannot look for interrupted jobs");
    running_jobs_free (rj, n);
    *out = NULL;
    return -1;
  }
  return (ssize_t) n;
}

/* Put RJ, whose worker is gone, back in line: 1 if it was, 0 if another
 * process got there first, -1 on error. */
static int
recover_one (struct fg_store *s, const struct running_job *rj,
             struct fg_err *e)
{
  char note[512];
  int changed;

  snprintf (note, sizeof note, "recovered: worker %ld on %s is gone; to "
            "be redone", (long) rj->pid, s->host);
  /* One transaction each; the WHERE makes sure it is still the run we
   * judged dead (another process may have recovered and reclaimed it
   * since our SELECT). */
  if (tx_begin (s, e) < 0)
    return -1;
  changed = run (s, e, "cannot recover a job",
                 "UPDATE jobs SET state = 'pending', " CLEAR_WORKER ", "
                 "updated_at = ? WHERE id = ? AND state = 'running' "
                 "AND worker_pid = ? AND worker_host = ? "
                 "AND worker_boot IS ?", "dintt", fg_clock_now (), rj->id,
                 (int) rj->pid, rj->host, rj->boot);
  if (changed < 0 ||
      (changed == 1 && event (s, rj->id, "pending", 0, note, e) < 0) ||
      tx_commit (s, e) < 0) {
    tx_abort (s);
    return -1;
  }
  return changed;
}

int
fg_store_recover (struct fg_store *s, unsigned *foreign, struct fg_err *e)
{
  struct running_job *rj;
  ssize_t n;
  int recovered = 0;

  if (foreign)
    *foreign = 0;
  if ((n = running_jobs (s, &rj, e)) < 0)
    return -1;
  for (ssize_t i = 0; i < n; i++) {
    int changed;

    if (!same (rj[i].host, s->host)) {
      if (foreign)
        (*foreign)++;
      continue;
    }
    if (same (rj[i].boot, s->boot) &&
        worker_alive (rj[i].pid, rj[i].start, rj[i].have_start))
      continue;
    if ((changed = recover_one (s, &rj[i], e)) < 0) {
      recovered = -1;
      break;
    }
    recovered += changed;
  }
  running_jobs_free (rj, (size_t) n);
  return recovered;
}

int
fg_store_retry_failed (struct fg_store *s, const char *queue,
                       struct fg_err *e)
{
  double t = fg_clock_now ();
  int n;

  if (tx_begin (s, e) < 0)
    return -1;
  if (run (s, e, "cannot retry failed jobs",
           "INSERT INTO events (job, at, state, note) "
           "SELECT id, ?1, 'pending', 'failed job to be retried' FROM jobs "
           "WHERE state = 'failed' AND (?2 IS NULL OR queue = ?2)",
           "dt", t, queue) < 0 ||
      (n = run (s, e, "cannot retry failed jobs",
                "UPDATE jobs SET state = 'pending', attempts = 0, "
                "updated_at = ?1 WHERE state = 'failed' "
                "AND (?2 IS NULL OR queue = ?2)", "dt", t, queue)) < 0 ||
      tx_commit (s, e) < 0)
    return tx_abort (s);
  return n;
}

int
fg_store_count (struct fg_store *s, const char *queue,
                struct fg_store_counts *c, struct fg_err *e)
{
  sqlite3_stmt *st;
  int rc;

  memset (c, 0, sizeof *c);
  st = query (s, e, "cannot count jobs",
              "SELECT state, count(*) FROM jobs "
              "WHERE ?1 IS NULL OR queue = ?1 GROUP BY state", "t", queue);
  if (st == NULL)
    return -1;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW) {
    int k = fg_job_state_parse ((const char *) sqlite3_column_text (st, 0));
    unsigned long v = (unsigned long) sqlite3_column_int64 (st, 1);
    if (k >= 0)
      c->n[k] = v;
    c->total += v;
  }
  sqlite3_finalize (st);
  return rc == SQLITE_DONE ? 0 : db_fail (s, rc, e, "cannot count jobs");
}

/* Appended for `batch` (ineligible sources): fg_store_fail's update, never
 * retried, plus the document that says why, in the same transaction. */
int
fg_store_refuse (struct fg_store *s, int64_t id, const char *kind,
                 const char *message, const char *result_json,
                 const char *log, struct fg_err *e)
{
  double t = fg_clock_now ();
  int attempts;
  char note[FG_ERR_MSG_MAX + 64];

  if (tx_begin (s, e) < 0)
    return -1;
  if (expect_running (s, id, &attempts, e) < 0)
    return tx_abort (s);
  snprintf (note, sizeof note, "%s: %s", kind ? kind : "refused",
            message ? message : "");
  if (run (s, e, "cannot record a refused job",
           "UPDATE jobs SET state = 'failed', attempts = ?, " CLEAR_WORKER
           ", finished_at = ?, updated_at = ?, error_kind = ?, "
           "error_message = ?, error_hint = NULL, result = ?, log = ? "
           "WHERE id = ?", "nddtttti", attempts + 1, t, t,
           kind ? kind : "refused", message ? message : "", result_json,
           log, id) != 1 ||
      event (s, id, "failed", 0, note, e) < 0 ||
      tx_commit (s, e) < 0)
    return tx_abort (s);
  return 0;
}

/* Appended for `batch` (a manifest entry wrong for one job alone). */
int
fg_store_reject (struct fg_store *s, int64_t id, const char *kind,
                 const char *message, const char *hint, struct fg_err *e)
{
  double t = fg_clock_now ();
  char note[FG_ERR_MSG_MAX + 64];
  int n;

  if (tx_begin (s, e) < 0)
    return -1;
  snprintf (note, sizeof note, "%s: %s", kind ? kind : "input",
            message ? message : "");
  n = run (s, e, "cannot record a rejected job",
           "UPDATE jobs SET state = 'failed', finished_at = ?, "
           "updated_at = ?, error_kind = ?, error_message = ?, "
           "error_hint = ?, result = NULL, log = NULL "
           "WHERE id = ? AND state = 'pending'", "ddttti", t, t,
           kind ? kind : "input", message ? message : "", hint, id);
  if (n == 0)
    fg_err_set (e, FG_E_INTERNAL, "'%s': job %" PRId64 " is not pending",
                s->path, id);
  if (n != 1 || event (s, id, "failed", 0, note, e) < 0 ||
      tx_commit (s, e) < 0)
    return tx_abort (s);
  return 0;
}

struct sqlite3 *
fg_store_sqlite (struct fg_store *s)
{
  return s->db;
}
