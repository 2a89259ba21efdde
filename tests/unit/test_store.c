/* tests/unit/test_store.c --- the durable job store: states, idempotent
 * adds, claims racing between processes, recovery after kill -9, and the
 * validation of the store's path */
#include "tests/unit/tap.h"
#include "jobs/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];
static int seq;

/* A fresh store path for each test. */
static const char *
fresh (char *buf, size_t cap)
{
  snprintf (buf, cap, "%s/s%d.sqlite", dir, ++seq);
  return buf;
}

static struct fg_store *
open_new (char *path, size_t cap)
{
  struct fg_err e = FG_ERR_INIT;
  struct fg_store *s = fg_store_open (fresh (path, cap), FG_STORE_CREATE, &e);
  if (s == NULL)
    printf ("#   open failed: %s\n", e.msg);
  return s;
}

/* Run SQL on PATH with a plain connection; the first column of the first
 * row as text into OUT (if any). */
static int
sql (const char *path, const char *q, char *out, size_t cap)
{
  sqlite3 *db;
  sqlite3_stmt *st;
  int rc;

  if (out)
    out[0] = '\0';
  if (sqlite3_open (path, &db) != SQLITE_OK)
    return -1;
  sqlite3_busy_timeout (db, 10000);
  rc = sqlite3_prepare_v2 (db, q, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step (st);
    if (rc == SQLITE_ROW && out && sqlite3_column_text (st, 0))
      snprintf (out, cap, "%s", (const char *) sqlite3_column_text (st, 0));
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize (st);
  } else
    rc = -1;
  sqlite3_close (db);
  return rc;
}

static int
state_of (struct fg_store *s, const char *key)
{
  struct fg_job j;
  struct fg_err e = FG_ERR_INIT;
  int st;

  fg_job_init (&j);
  if (fg_store_get (s, key, &j, &e) != 1)
    return -1;
  st = (int) j.state;
  fg_job_release (&j);
  return st;
}

static void
test_open_creates_a_wal_store_with_a_schema_version (void)
{
  char path[300], v[64];
  struct fg_store *s = open_new (path, sizeof path);

  CHECK (s != NULL);
  fg_store_close (s);
  CHECK_INT (sql (path, "PRAGMA user_version", v, sizeof v), 0);
  CHECK_INT (atoi (v), FG_STORE_SCHEMA);
  CHECK_INT (sql (path, "PRAGMA journal_mode", v, sizeof v), 0);
  CHECK_STR (v, "wal");
  /* Opening again finds the same schema and changes nothing. */
  {
    struct fg_err e = FG_ERR_INIT;
    s = fg_store_open (path, 0, &e);
    CHECK (s != NULL);
    fg_store_close (s);
  }
}

static void
test_add_is_idempotent_on_the_key (void)
{
  char path[300];
  struct fg_store *s = open_new (path, sizeof path);
  struct fg_err e = FG_ERR_INIT;
  struct fg_store_counts c;

  if (s == NULL)
    return;
  CHECK_INT (fg_store_add (s, "batch", "web01", "/a", "/o1", "{}", &e), 1);
  CHECK_INT (fg_store_add (s, "batch", "web02", "/b", "/o2", NULL, &e), 1);
  /* The same manifest twice adds nothing. */
  CHECK_INT (fg_store_add (s, "batch", "web01", "/a", "/o1", "{}", &e), 0);
  CHECK_INT (fg_store_add (s, "batch", "web02", "/b", "/o2", "{}", &e), 0);
  CHECK_INT (fg_store_count (s, NULL, &c, &e), 0);
  CHECK_INT (c.total, 2);
  CHECK_INT (c.n[FG_JOB_PENDING], 2);
  /* The same key with another source is an error, not a silent skip. */
  CHECK_INT (fg_store_add (s, "batch", "web01", "/other", "/o1", "{}", &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "job 'web01' is already in the store with a "
                  "different source (/a)");
  CHECK_CONTAINS (e.msg, path);
  CHECK (e.hint[0] != '\0');
  /* A group of adds rolled back leaves nothing. */
  CHECK_INT (fg_store_begin (s, &e), 0);
  CHECK_INT (fg_store_add (s, "batch", "web03", "/c", "/o3", "{}", &e), 1);
  fg_store_rollback (s);
  CHECK_INT (state_of (s, "web03"), -1);
  fg_store_close (s);
}

static void
test_claim_finish_and_fail (void)
{
  char path[300], v[64];
  struct fg_store *s = open_new (path, sizeof path);
  struct fg_err e = FG_ERR_INIT;
  struct fg_job j;

  if (s == NULL)
    return;
  fg_job_init (&j);
  fg_store_add (s, "batch", "a", "/a", "/oa", "{\"format\":\"vhd\"}", &e);
  fg_store_add (s, "batch", "b", "/b", "/ob", "{}", &e);
  fg_store_add (s, "agent", "z", "/z", "/oz", "{}", &e);

  /* Oldest first, within the queue asked for. */
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_STR (j.key, "a");
  CHECK_INT (j.state, FG_JOB_RUNNING);
  CHECK_INT (j.runs, 1);
  CHECK_INT (j.worker_pid, getpid ());
  CHECK_STR (j.options, "{\"format\":\"vhd\"}");
  CHECK (j.started_at > 1e9);
  CHECK_INT (fg_store_finish (s, j.id, "{\"ok\":true}", "log", &e), 0);
  CHECK_INT (state_of (s, "a"), FG_JOB_DONE);
  /* Finishing twice is a bug, and says so. */
  CHECK_INT (fg_store_finish (s, j.id, "{}", NULL, &e), -1);
  CHECK_CONTAINS (e.msg, "is done, not running");

  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_STR (j.key, "b");
  CHECK_INT (fg_store_fail (s, j.id, "input", "'x': bad gzip", "fetch it "
                            "again", "stderr", 0, &e), FG_JOB_FAILED);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 0);

  CHECK_INT (fg_store_get (s, "b", &j, &e), 1);
  CHECK_INT (j.state, FG_JOB_FAILED);
  CHECK_INT (j.attempts, 1);
  CHECK_STR (j.error_kind, "input");
  CHECK_STR (j.error_message, "'x': bad gzip");
  CHECK_STR (j.error_hint, "fetch it again");
  CHECK_STR (j.log, "stderr");
  CHECK (j.finished_at >= j.started_at);
  CHECK_INT (fg_store_get (s, "a", &j, &e), 1);
  CHECK_STR (j.result, "{\"ok\":true}");
  CHECK (j.error_kind == NULL);

  /* Every transition is in the history, in order. */
  CHECK_INT (sql (path, "SELECT group_concat(state, ',') FROM "
                  "(SELECT state FROM events WHERE job = 1 ORDER BY seq)",
                  v, sizeof v), 0);
  CHECK_STR (v, "pending,running,done");

  /* The other queue is untouched; NULL claims from any queue. */
  CHECK_INT (state_of (s, "z"), FG_JOB_PENDING);
  CHECK_INT (fg_store_claim (s, NULL, getpid (), &j, &e), 1);
  CHECK_STR (j.key, "z");
  fg_job_release (&j);
  fg_store_close (s);
}

static void
test_retries_then_failed_and_release_not_counted (void)
{
  char path[300];
  struct fg_store *s = open_new (path, sizeof path);
  struct fg_err e = FG_ERR_INIT;
  struct fg_job j;

  if (s == NULL)
    return;
  fg_job_init (&j);
  fg_store_set_retries (s, 1);
  fg_store_add (s, "batch", "a", "/a", "/oa", "{}", &e);

  /* Interrupted on purpose: back in line, no failure counted. */
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_INT (fg_store_release (s, j.id, &e), 0);
  CHECK_INT (state_of (s, "a"), FG_JOB_PENDING);

  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_INT (j.runs, 2);
  CHECK_INT (fg_store_fail (s, j.id, "internal", "EIO", NULL, NULL, 1, &e),
             FG_JOB_PENDING);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_INT (j.runs, 3);
  CHECK_INT (j.attempts, 1);
  CHECK_STR (j.error_message, "EIO");     /* the last error stays visible */
  CHECK_INT (fg_store_fail (s, j.id, "signal", "killed", NULL, NULL, 1, &e),
             FG_JOB_FAILED);
  CHECK_INT (fg_store_get (s, "a", &j, &e), 1);
  CHECK_INT (j.attempts, 2);

  /* --retry-failed puts it back with its failures forgotten. */
  CHECK_INT (fg_store_retry_failed (s, "batch", &e), 1);
  CHECK_INT (fg_store_get (s, "a", &j, &e), 1);
  CHECK_INT (j.state, FG_JOB_PENDING);
  CHECK_INT (j.attempts, 0);
  fg_job_release (&j);
  fg_store_close (s);
}

/* A pid that existed and is gone: a child that exited and was reaped. */
static pid_t
dead_pid (void)
{
  pid_t p = fork ();
  if (p == 0)
    _exit (0);
  waitpid (p, NULL, 0);
  return p;
}

static void
test_recover_puts_jobs_of_dead_workers_back (void)
{
  char path[300], q[256], note[256];
  struct fg_store *s = open_new (path, sizeof path);
  struct fg_err e = FG_ERR_INIT;
  struct fg_job j;
  unsigned foreign = 9;

  if (s == NULL)
    return;
  fg_job_init (&j);
  for (int i = 0; i < 5; i++) {
    char key[16];
    snprintf (key, sizeof key, "j%d", i);
    fg_store_add (s, "batch", key, "/s", key, "{}", &e);
  }
  /* j0: a live worker (us); j1: a dead one; j2: alive but the record
   * is from another boot; j3: from another host; j4 stays pending. */
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_INT (fg_store_claim (s, "batch", dead_pid (), &j, &e), 1);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_INT (sql (path, "UPDATE jobs SET worker_boot = 'another-boot' "
                  "WHERE key = 'j2'", NULL, 0), 0);
  CHECK_INT (sql (path, "UPDATE jobs SET worker_host = 'elsewhere' "
                  "WHERE key = 'j3'", NULL, 0), 0);

  CHECK_INT (fg_store_recover (s, &foreign, &e), 2);
  CHECK_INT (foreign, 1);
  CHECK_INT (state_of (s, "j0"), FG_JOB_RUNNING);
  CHECK_INT (state_of (s, "j1"), FG_JOB_PENDING);
  CHECK_INT (state_of (s, "j2"), FG_JOB_PENDING);
  CHECK_INT (state_of (s, "j3"), FG_JOB_RUNNING);
  CHECK_INT (state_of (s, "j4"), FG_JOB_PENDING);
  CHECK_INT (fg_store_get (s, "j1", &j, &e), 1);
  CHECK_INT (j.attempts, 0);            /* a crash is not the job's fault */
  CHECK_INT (j.worker_pid, 0);
  snprintf (q, sizeof q, "SELECT note FROM events WHERE job = %lld "
            "ORDER BY seq DESC LIMIT 1", (long long) j.id);
  CHECK_INT (sql (path, q, note, sizeof note), 0);
  CHECK_CONTAINS (note, "recovered");
  /* Nothing more to do a second time. */
  CHECK_INT (fg_store_recover (s, NULL, &e), 0);
  fg_job_release (&j);
  fg_store_close (s);
}

/* Several processes claim from one store at once: every job is handed
 * out exactly once. */
static void
test_racing_claims_never_hand_out_a_job_twice (void)
{
  enum { JOBS = 120, PROCS = 4 };
  char path[300];
  struct fg_store *s = open_new (path, sizeof path);
  struct fg_err e = FG_ERR_INIT;
  int fds[2], seen[JOBS + 1] = { 0 }, total = 0, bad = 0;
  int per_proc[PROCS] = { 0 }, busy = 0;
  pid_t kids[PROCS];
  int64_t rec[2];

  int go[2];

  if (s == NULL || pipe (fds) < 0 || pipe (go) < 0)
    return;
  CHECK_INT (fg_store_begin (s, &e), 0);
  for (int i = 0; i < JOBS; i++) {
    char key[16];
    snprintf (key, sizeof key, "k%03d", i);
    fg_store_add (s, "batch", key, "/s", key, "{}", &e);
  }
  CHECK_INT (fg_store_commit (s, &e), 0);
  fg_store_close (s);       /* never carry a connection across fork() */

  for (int p = 0; p < PROCS; p++) {
    kids[p] = fork ();
    if (kids[p] == 0) {
      struct fg_err ce = FG_ERR_INIT;
      struct fg_store *cs = fg_store_open (path, 0, &ce);
      struct fg_job j;
      int rc;
      char c;
      close (fds[0]);
      close (go[1]);
      if (cs == NULL)
        _exit (2);
      /* All start together: the parent closes the pipe when every one
       * has been forked. */
      if (read (go[0], &c, 1) != 0)
        _exit (5);
      fg_job_init (&j);
      while ((rc = fg_store_claim (cs, "batch", getpid (), &j, &ce)) == 1) {
        int64_t r[2] = { j.id, p };
        usleep (500);           /* the work, during which others claim */
        if (write (fds[1], r, sizeof r) != sizeof r ||
            fg_store_finish (cs, j.id, "{}", NULL, &ce) < 0)
          _exit (3);
      }
      fg_job_release (&j);
      fg_store_close (cs);
      _exit (rc == 0 ? 0 : 4);
    }
  }
  close (fds[1]);
  close (go[0]);
  close (go[1]);
  while (read (fds[0], rec, sizeof rec) == sizeof rec) {
    if (rec[0] >= 1 && rec[0] <= JOBS)
      seen[rec[0]]++;
    if (rec[1] >= 0 && rec[1] < PROCS)
      per_proc[rec[1]]++;
    total++;
  }
  close (fds[0]);
  for (int p = 0; p < PROCS; p++) {
    int st;
    waitpid (kids[p], &st, 0);
    CHECK (WIFEXITED (st) && WEXITSTATUS (st) == 0);
  }
  for (int i = 1; i <= JOBS; i++)
    bad += seen[i] != 1;
  CHECK_INT (total, JOBS);
  CHECK_INT (bad, 0);
  /* They did race: more than one process got work. */
  for (int p = 0; p < PROCS; p++)
    busy += per_proc[p] > 0;
  CHECK (busy > 1);
  {
    char v[64];
    CHECK_INT (sql (path, "SELECT count(*) FROM events WHERE state = "
                    "'running'", v, sizeof v), 0);
    CHECK_INT (atoi (v), JOBS);
  }
}

/* kill -9 of a worker holding a running job; and of a process in the
 * middle of a write transaction.  The store reopens consistent. */
static void
test_kill_9_then_reopen_and_recover (void)
{
  char path[300], v[64];
  struct fg_store *s = open_new (path, sizeof path);
  struct fg_err e = FG_ERR_INIT;
  int ready[2];
  pid_t kid;
  char c;

  if (s == NULL || pipe (ready) < 0)
    return;
  fg_store_add (s, "batch", "a", "/s", "/oa", "{}", &e);
  fg_store_add (s, "batch", "b", "/s", "/ob", "{}", &e);
  fg_store_close (s);

  /* 1. A worker claims 'a' and dies without a word. */
  kid = fork ();
  if (kid == 0) {
    struct fg_store *cs = fg_store_open (path, 0, NULL);
    struct fg_job j;
    fg_job_init (&j);
    if (cs == NULL || fg_store_claim (cs, "batch", getpid (), &j, NULL) != 1)
      _exit (1);
    if (write (ready[1], "x", 1) != 1)
      _exit (1);
    pause ();
    _exit (0);
  }
  CHECK_INT (read (ready[0], &c, 1), 1);
  s = fg_store_open (path, 0, &e);
  CHECK (s != NULL);
  if (s == NULL)
    return;
  /* While it lives, its job is its own. */
  CHECK_INT (fg_store_recover (s, NULL, &e), 0);
  CHECK_INT (state_of (s, "a"), FG_JOB_RUNNING);
  kill (kid, SIGKILL);
  waitpid (kid, NULL, 0);
  fg_store_close (s);

  /* 2. Another dies holding the write lock mid-transaction: 'b' marked
   * done but never committed. */
  kid = fork ();
  if (kid == 0) {
    sqlite3 *db;
    if (sqlite3_open (path, &db) != SQLITE_OK ||
        sqlite3_exec (db, "BEGIN IMMEDIATE; UPDATE jobs SET state = 'done' "
                      "WHERE key = 'b'", NULL, NULL, NULL) != SQLITE_OK)
      _exit (1);
    if (write (ready[1], "x", 1) != 1)
      _exit (1);
    pause ();
    _exit (0);
  }
  CHECK_INT (read (ready[0], &c, 1), 1);
  kill (kid, SIGKILL);
  waitpid (kid, NULL, 0);

  s = fg_store_open (path, 0, &e);
  CHECK (s != NULL);
  if (s == NULL)
    return;
  CHECK_INT (fg_store_recover (s, NULL, &e), 1);
  CHECK_INT (state_of (s, "a"), FG_JOB_PENDING);
  CHECK_INT (state_of (s, "b"), FG_JOB_PENDING);
  CHECK_INT (sql (path, "PRAGMA integrity_check", v, sizeof v), 0);
  CHECK_STR (v, "ok");
  /* And work goes on: both can be claimed and done. */
  {
    struct fg_job j;
    fg_job_init (&j);
    for (int i = 0; i < 2; i++) {
      CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
      CHECK_INT (fg_store_finish (s, j.id, "{}", NULL, &e), 0);
    }
    fg_job_release (&j);
  }
  fg_store_close (s);
  close (ready[0]);
  close (ready[1]);
}

static void
test_bad_paths_are_named_with_a_hint (void)
{
  char path[300], sub[300];
  struct fg_err e = FG_ERR_INIT;
  int fd;

  CHECK (fg_store_open (dir, FG_STORE_CREATE, &e) == NULL);
  CHECK_CONTAINS (e.msg, "is a folder, not a job store");
  CHECK (e.hint[0] != '\0');

  snprintf (sub, sizeof sub, "%s/no/such/folder/s.sqlite", dir);
  CHECK (fg_store_open (sub, FG_STORE_CREATE, &e) == NULL);
  CHECK_CONTAINS (e.msg, "does not exist");
  CHECK_INT (fg_err_exit_code (&e), 2);

  CHECK (fg_store_open (fresh (path, sizeof path), 0, &e) == NULL);
  CHECK_CONTAINS (e.msg, "no such job store");

  CHECK (fg_store_open ("", FG_STORE_CREATE, &e) == NULL);
  CHECK_INT (e.kind, FG_E_USAGE);

  /* A file that is not SQLite at all. */
  fresh (path, sizeof path);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK (fd >= 0 && write (fd, "{\"jobs\": []}\n", 13) == 13);
  for (int i = 0; i < 200; i++)
    CHECK (write (fd, "0123456789abcdef", 16) == 16);
  close (fd);
  CHECK (fg_store_open (path, FG_STORE_CREATE, &e) == NULL);
  CHECK_CONTAINS (e.msg, path);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.hint, "not a usable fg2ng job store");

  /* Another program's database. */
  fresh (path, sizeof path);
  CHECK_INT (sql (path, "CREATE TABLE t (x)", NULL, 0), 0);
  CHECK (fg_store_open (path, FG_STORE_CREATE, &e) == NULL);
  CHECK_CONTAINS (e.msg, "not an fg2ng job store");

  /* A store from a newer fg2ng. */
  {
    struct fg_store *s = open_new (path, sizeof path);
    fg_store_close (s);
    CHECK_INT (sql (path, "PRAGMA user_version = 99", NULL, 0), 0);
    CHECK (fg_store_open (path, 0, &e) == NULL);
    CHECK_CONTAINS (e.msg, "schema 99 is newer");
  }
}

/* Job A done at out/a.vhd; jobs that write the same file under other
 * spellings are told at their claim, whatever their queue. */
static void
test_claim_names_the_job_that_has_the_output (void)
{
  char path[300], out[300], a[320], b[320], c[320], d[320], v[512];
  struct fg_store *s = open_new (path, sizeof path);
  struct fg_err e = FG_ERR_INIT;
  struct fg_job j;

  if (s == NULL)
    return;
  fg_job_init (&j);
  snprintf (out, sizeof out, "%s/out", dir);
  mkdir (out, 0755);
  snprintf (a, sizeof a, "%s/out/a.vhd", dir);
  snprintf (b, sizeof b, "%s/out/./a.vhd", dir);
  snprintf (c, sizeof c, "%s//out/../out/a.vhd", dir);
  snprintf (d, sizeof d, "%s/out/d.vhd", dir);
  CHECK_INT (fg_store_add (s, "batch", "a", "/s", a, "{}", &e), 1);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK (j.output_taken_by == NULL);
  CHECK_STR (j.output_id, a);
  CHECK_INT (fg_store_finish (s, j.id, "{}", NULL, &e), 0);

  CHECK_INT (fg_store_add (s, "batch", "b", "/s", b, "{}", &e), 1);
  CHECK_INT (fg_store_add (s, "agent", "c", "/s", c, "{}", &e), 1);
  CHECK_INT (fg_store_add (s, "batch", "d", "/s", d, "{}", &e), 1);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_STR (j.key, "b");
  CHECK_STR (j.output_taken_by, "a");
  CHECK_STR (j.output_id, a);
  CHECK_INT (fg_store_fail (s, j.id, "refused", "taken", NULL, NULL, 0, &e),
             FG_JOB_FAILED);
  /* A failed job holds nothing; the done one still does. */
  CHECK_INT (fg_store_claim (s, "agent", getpid (), &j, &e), 1);
  CHECK_STR (j.key, "c");
  CHECK_STR (j.output_taken_by, "a");
  fg_store_release (s, j.id, &e);
  /* An output of its own. */
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_STR (j.key, "d");
  CHECK (j.output_taken_by == NULL);
  CHECK_INT (sql (path, "SELECT group_concat(output_id, ' ') FROM jobs "
                  "WHERE key IN ('b', 'c')", v, sizeof v), 0);
  {
    char want[700];
    snprintf (want, sizeof want, "%s %s", a, a);
    CHECK_STR (v, want);
  }
  fg_job_release (&j);
  fg_store_close (s);
}

/* Two jobs of one output pending at once: the first claimed writes, the
 * second is told while the first still runs. */
static void
test_a_running_job_holds_its_output (void)
{
  char path[300], x[320], y[320];
  struct fg_store *s = open_new (path, sizeof path);
  struct fg_err e = FG_ERR_INIT;
  struct fg_job j1, j2;

  if (s == NULL)
    return;
  fg_job_init (&j1);
  fg_job_init (&j2);
  snprintf (x, sizeof x, "%s/out/x.vhd", dir);
  snprintf (y, sizeof y, "%s/out//x.vhd", dir);
  fg_store_add (s, "batch", "x", "/s", x, "{}", &e);
  fg_store_add (s, "batch", "y", "/s", y, "{}", &e);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j1, &e), 1);
  CHECK (j1.output_taken_by == NULL);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j2, &e), 1);
  CHECK_STR (j2.output_taken_by, "x");
  /* Released and claimed again: its own old row does not count. */
  CHECK_INT (fg_store_release (s, j1.id, &e), 0);
  CHECK_INT (fg_store_fail (s, j2.id, "refused", "taken", NULL, NULL, 0, &e),
             FG_JOB_FAILED);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j1, &e), 1);
  CHECK_STR (j1.key, "x");
  CHECK (j1.output_taken_by == NULL);
  fg_job_release (&j1);
  fg_job_release (&j2);
  fg_store_close (s);
}

/* A store written by schema 1 (no output_id) opens, keeps its jobs, and
 * gets its outputs' identities. */
static void
test_a_schema_1_store_is_migrated (void)
{
  char path[300], q[1024], v[512], a[320], b[320];
  struct fg_store *s;
  struct fg_err e = FG_ERR_INIT;
  struct fg_job j;
  static const char v1[] =
    "PRAGMA journal_mode = WAL;"
    "CREATE TABLE jobs (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
    " queue TEXT NOT NULL, source TEXT NOT NULL, output TEXT NOT NULL,"
    " options TEXT NOT NULL DEFAULT '{}', state TEXT NOT NULL DEFAULT"
    " 'pending' CHECK (state IN ('pending','running','done','failed')),"
    " runs INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
    " worker_pid INTEGER, worker_host TEXT, worker_boot TEXT,"
    " worker_start INTEGER, created_at REAL NOT NULL, updated_at REAL NOT"
    " NULL, started_at REAL, finished_at REAL, result TEXT, error_kind"
    " TEXT, error_message TEXT, error_hint TEXT, log TEXT,"
    " CHECK ((state = 'running') = (worker_pid IS NOT NULL)));"
    "CREATE INDEX jobs_by_state ON jobs (queue, state, id);"
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, job INTEGER NOT NULL"
    " REFERENCES jobs (id), at REAL NOT NULL, state TEXT NOT NULL,"
    " pid INTEGER, host TEXT, note TEXT);"
    "CREATE INDEX events_by_job ON events (job, seq);"
    "PRAGMA application_id = 1714581095; PRAGMA user_version = 1;";
  sqlite3 *db;

  fresh (path, sizeof path);
  snprintf (a, sizeof a, "%s/out/a.vhd", dir);
  snprintf (b, sizeof b, "%s/out/./a.vhd", dir);
  CHECK_INT (sqlite3_open (path, &db), SQLITE_OK);
  CHECK_INT (sqlite3_exec (db, v1, NULL, NULL, NULL), SQLITE_OK);
  snprintf (q, sizeof q, "INSERT INTO jobs (key, queue, source, output, "
            "state, runs, created_at, updated_at, result) VALUES ('a', "
            "'batch', '/s', '%s', 'done', 1, 1, 1, '{}')", a);
  CHECK_INT (sqlite3_exec (db, q, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);

  s = fg_store_open (path, 0, &e);
  CHECK (s != NULL);
  if (s == NULL) {
    printf ("#   %s\n", e.msg);
    return;
  }
  fg_job_init (&j);
  CHECK_INT (sql (path, "PRAGMA user_version", v, sizeof v), 0);
  CHECK_INT (atoi (v), FG_STORE_SCHEMA);
  CHECK_INT (fg_store_get (s, "a", &j, &e), 1);
  CHECK_INT (j.state, FG_JOB_DONE);
  CHECK_STR (j.output_id, a);
  CHECK_INT (fg_store_add (s, "batch", "b", "/s", b, "{}", &e), 1);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_STR (j.output_taken_by, "a");
  fg_job_release (&j);
  fg_store_close (s);
}

static void
rm_rf (const char *d)
{
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", d);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", d);
}

/* A job whose own manifest entry is wrong fails without a run, and takes
 * the entry as fixed until it has run once; --retry-failed puts it back. */
static void
test_reject_before_a_run_and_the_entry_fixed (void)
{
  char path[300];
  struct fg_store *s = open_new (path, sizeof path);
  struct fg_err e = FG_ERR_INIT;
  struct fg_job j;

  if (s == NULL)
    return;
  fg_job_init (&j);
  CHECK_INT (fg_store_add (s, "batch", "a", "/gone", "/oa", "{}", &e), 1);
  CHECK_INT (fg_store_get (s, "a", &j, &e), 1);
  CHECK_INT (fg_store_reject (s, j.id, "input", "'source' '/gone': No such "
                              "file or directory", "put the image there",
                              &e), 0);
  CHECK_INT (fg_store_get (s, "a", &j, &e), 1);
  CHECK_INT (j.state, FG_JOB_FAILED);
  CHECK_INT (j.runs, 0);
  CHECK (j.started_at == 0);
  CHECK_STR (j.error_kind, "input");
  CHECK_STR (j.error_hint, "put the image there");
  CHECK_CONTAINS (j.error_message, "/gone");
  /* Only a pending job can be rejected. */
  CHECK_INT (fg_store_reject (s, j.id, "input", "again", NULL, &e), -1);
  fg_err_clear (&e);

  /* Fixed in the manifest: the new source is taken, the job stays failed
   * until it is retried; another queue is still refused. */
  CHECK_INT (fg_store_add (s, "batch", "a", "/here", "/oa", "{\"x\":1}",
                           &e), 0);
  CHECK_INT (fg_store_get (s, "a", &j, &e), 1);
  CHECK_STR (j.source, "/here");
  CHECK_STR (j.options, "{\"x\":1}");
  CHECK_INT (j.state, FG_JOB_FAILED);
  CHECK_INT (fg_store_add (s, "agent", "a", "/here", "/oa", "{\"x\":1}",
                           &e), -1);
  fg_err_clear (&e);
  CHECK_INT (fg_store_retry_failed (s, "batch", &e), 1);
  CHECK_INT (fg_store_claim (s, "batch", getpid (), &j, &e), 1);
  CHECK_STR (j.source, "/here");
  CHECK_INT (j.runs, 1);
  CHECK_INT (fg_store_fail (s, j.id, "input", "corrupt", NULL, NULL, 0, &e),
             FG_JOB_FAILED);
  /* Once it has run, a changed entry is refused as for any job. */
  CHECK_INT (fg_store_add (s, "batch", "a", "/elsewhere", "/oa", "{\"x\":1}",
                           &e), -1);
  CHECK_CONTAINS (e.msg, "different source (/here)");
  fg_job_release (&j);
  fg_store_close (s);
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");

  snprintf (dir, sizeof dir, "%s/fg2ng-store-XXXXXX", t && *t ? t : "/tmp");
  if (mkdtemp (dir) == NULL) {
    printf ("Bail out! cannot make a folder under %s\n", t ? t : "/tmp");
    return 1;
  }
  {
    /* Outputs are compared by their real folders: name ours so. */
    char real[PATH_MAX];
    if (realpath (dir, real) && strlen (real) < sizeof dir)
      memcpy (dir, real, strlen (real) + 1);
  }
  RUN (test_open_creates_a_wal_store_with_a_schema_version);
  RUN (test_add_is_idempotent_on_the_key);
  RUN (test_claim_finish_and_fail);
  RUN (test_retries_then_failed_and_release_not_counted);
  RUN (test_recover_puts_jobs_of_dead_workers_back);
  RUN (test_racing_claims_never_hand_out_a_job_twice);
  RUN (test_kill_9_then_reopen_and_recover);
  RUN (test_bad_paths_are_named_with_a_hint);
  RUN (test_claim_names_the_job_that_has_the_output);
  RUN (test_a_running_job_holds_its_output);
  RUN (test_a_schema_1_store_is_migrated);
  RUN (test_reject_before_a_run_and_the_entry_fixed);
  rm_rf (dir);
  return TAP_DONE ();
}
