/* tests/unit/test_agent_schedule.c --- the migration schedule and the
 * agent's configuration (agent/schedule.h, agent/config.h): valid input
 * read right, every problem listed with its place, server records
 * checked, secrets refused when others may read them */
#include "tests/unit/tap.h"
#include "agent/config.h"
#include "agent/schedule.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

#define REC "{\"version\":1,\"public\":{\"ipv4\":[\"203.0.113.5/24\"]," \
  "\"gateway\":\"203.0.113.1\"}}"

static int
parse (const char *text, struct fg_schedule *s)
{
  struct fg_err e = FG_ERR_INIT;
  int rc = fg_schedule_parse (text, strlen (text), "sched.json", "/base",
                              "/out", s, &e);
  if (rc < 0)
    printf ("#   %s\n", e.msg);
  return rc;
}

/* Is LINE among S's problems? */
static int
has_problem (const struct fg_schedule *s, const char *line)
{
  for (size_t i = 0; i < s->nlisted; i++)
    if (strstr (s->problems[i], line))
      return 1;
  printf ("#   no problem '%s' among:\n", line);
  for (size_t i = 0; i < s->nlisted; i++)
    printf ("#     %s\n", s->problems[i]);
  return 0;
}

static void
test_valid_schedule (void)
{
  struct fg_schedule s;
  const struct fg_sched_server *v;

  CHECK_INT (parse ("{\"version\":1,\"servers\":["
                    "{\"server_id\":\"web02\",\"window_start\":"
                    "\"2026-12-01T00:00:00Z\",\"window_end\":"
                    "\"2026-12-15T02:00:00+02:00\",\"source\":\"img/w2.tar.gz.0\","
                    "\"server_record\":" REC "},"
                    "{\"server_id\":\"web01\",\"window_start\":"
                    "\"2026-12-01T00:00:00Z\",\"window_end\":"
                    "\"2026-12-02T00:00:00Z\",\"source\":\"/abs/w1.vhd\","
                    "\"output\":\"o/w1.vhd\",\"flavor\":\"1GB\",\"class\":\"io\","
                    "\"server_record\":" REC "}]}", &s), 0);
  CHECK_INT (s.nproblems, 0);
  CHECK_INT (s.n, 2);
  v = fg_schedule_find (&s, "web02");
  CHECK (v != NULL);
  if (v) {
    CHECK_INT (v->index, 0);
    CHECK_STR (v->source, "/base/img/w2.tar.gz.0");
    CHECK_STR (v->output, "/out/web02.vhd");
    CHECK_STR (v->window_end_text, "2026-12-15T00:00:00Z");
    CHECK (v->window_end - v->window_start == 14 * 86400);
    CHECK (v->flavor == NULL && v->server_class == NULL);
    CHECK_CONTAINS (v->record, "\"203.0.113.5/24\"");
  }
  v = fg_schedule_find (&s, "web01");
  CHECK (v != NULL);
  if (v) {
    CHECK_STR (v->source, "/abs/w1.vhd");
    CHECK_STR (v->output, "/base/o/w1.vhd");
    CHECK_STR (v->flavor, "1GB");
    CHECK_STR (v->server_class, "io");
  }
  CHECK (fg_schedule_find (&s, "web03") == NULL);
  CHECK (fg_schedule_find (&s, "") == NULL);
  fg_schedule_release (&s);
}

static void
test_every_problem_listed (void)
{
  struct fg_schedule s;

  CHECK_INT (parse ("{\"version\":2,\"colour\":1,\"servers\":["
                    "{\"server_id\":\"a\",\"window_start\":\"2026-12-02T00:00:00Z\","
                    "\"window_end\":\"2026-12-01T00:00:00Z\",\"source\":\"s\","
                    "\"server_record\":" REC "},"
                    "{\"server_id\":\".hidden\",\"window_start\":\"x\","
                    "\"source\":\"\",\"server_record\":3,\"turbo\":1},"
                    "{\"server_id\":\"b\",\"window_start\":\"2026-12-01T00:00:00Z\","
                    "\"window_end\":\"2026-12-02T00:00:00Z\",\"source\":\"s\","
                    "\"class\":\"huge\",\"server_record\":{\"version\":1}},"
                    "{\"server_id\":\"c\",\"window_start\":\"2026-12-01T00:00:00Z\","
                    "\"window_end\":\"2026-12-02T00:00:00Z\",\"source\":\"s\","
                    "\"server_record\":{\"version\":1,\"server_id\":\"zz\","
                    "\"private\":{\"ipv4\":[\"10.1.2.3\"]}}},"
                    "{\"server_id\":\"d\",\"window_start\":\"2026-12-01T00:00:00Z\","
                    "\"window_end\":\"2026-12-02T00:00:00Z\",\"source\":\"s\","
                    "\"server_record\":" REC "},"
                    "{\"server_id\":\"d\",\"window_start\":\"2026-12-01T00:00:00Z\","
                    "\"window_end\":\"2026-12-02T00:00:00Z\",\"source\":\"s\","
                    "\"output\":\"/out/e.vhd\",\"server_record\":" REC "},"
                    "{\"server_id\":\"e\",\"window_start\":\"2026-12-01T00:00:00Z\","
                    "\"window_end\":\"2026-12-02T00:00:00Z\",\"source\":\"s\","
                    "\"server_record\":" REC "},"
                    "7]}", &s), 0);
  CHECK (has_problem (&s, "'sched.json': unknown key 'colour'"));
  CHECK (has_problem (&s, "'sched.json': 'version' must be 1"));
  CHECK (has_problem (&s, "servers[0] (a): 'window_end' (2026-12-01T00:00:00Z) "
                      "must be after 'window_start' (2026-12-02T00:00:00Z)"));
  CHECK (has_problem (&s, "servers[1]: unknown key 'turbo'"));
  CHECK (has_problem (&s, "servers[1]: 'server_id' '.hidden' must be 1 to "
                      "128 letters"));
  CHECK (has_problem (&s, "servers[1]: 'window_start' must be an RFC 3339 "
                      "time"));
  CHECK (has_problem (&s, "servers[1]: 'source' must be a non-empty string"));
  CHECK (has_problem (&s, "servers[1]: 'server_record' must be an object"));
  CHECK (has_problem (&s, "servers[2] (b): 'class' must be 'standard', "
                      "'general' or 'io', not 'huge'"));
  CHECK (has_problem (&s, "servers[2] (b): 'server_record': has neither "
                      "'public' nor 'private'"));
  CHECK (has_problem (&s, "servers[3] (c): 'server_record': 'server_id' is "
                      "'zz', not the entry's 'c'"));
  CHECK (has_problem (&s, "servers[5] (d): duplicate server_id: servers[4] "
                      "has it too"));
  CHECK (has_problem (&s, "servers[6] (e): 'output' '/out/e.vhd' is also "
                      "servers[5] (d)'s"));
  CHECK (has_problem (&s, "servers[7]: must be an object"));
  fg_schedule_release (&s);

  CHECK_INT (parse ("[]", &s), 0);
  CHECK (has_problem (&s, "must be a JSON object"));
  fg_schedule_release (&s);
  CHECK_INT (parse ("{\"version\":1}", &s), 0);
  CHECK (has_problem (&s, "'servers' must be a list"));
  fg_schedule_release (&s);
  {
    struct fg_err e = FG_ERR_INIT;
    CHECK_INT (fg_schedule_parse ("{", 1, "sched.json", "/b", "/o", &s, &e),
               -1);
    CHECK_CONTAINS (e.msg, "'sched.json': line 1");
    CHECK_INT (e.kind, FG_E_INPUT);
    fg_schedule_release (&s);
  }
}

/* No problem line may carry a raw control character: a key or an id from
 * the file could split a line of the log or drive the terminal. */
static int
no_control_bytes (const struct fg_schedule *s)
{
  for (size_t i = 0; i < s->nlisted; i++)
    for (const unsigned char *p = (const unsigned char *) s->problems[i];
         *p; p++)
      if (*p < 0x20 || *p == 0x7f) {
        printf ("#   raw control byte 0x%02x in: %s\n", *p, s->problems[i]);
        return 0;
      }
  return 1;
}

static void
test_problems_escape_control_characters (void)
{
  struct fg_schedule s;

  CHECK_INT (parse ("{\"version\":1,\"a\\nb\":1,\"servers\":["
                    "{\"server_id\":\"\\u001b[31m\",\"window_start\":"
                    "\"2026-12-01T00:00:00Z\",\"window_end\":"
                    "\"2026-12-02T00:00:00Z\",\"source\":\"s\","
                    "\"class\":\"x\\ry\",\"server_record\":" REC "},"
                    "{\"server_id\":\"w\",\"window_start\":\"\\u0007\","
                    "\"window_end\":\"2026-12-02T00:00:00Z\",\"source\":\"s\","
                    "\"k\\t\":1,\"server_record\":{\"version\":1,"
                    "\"public\":{},\"x\\u009b2J\":1}}]}", &s), 0);
  CHECK (s.nlisted >= 5);
  CHECK (no_control_bytes (&s));
  CHECK (has_problem (&s, "'sched.json': unknown key 'a\\x0Ab'"));
  CHECK (has_problem (&s, "servers[0]: 'server_id' '\\x1B[31m' must be"));
  CHECK (has_problem (&s, "not 'x\\x0Dy'"));
  CHECK (has_problem (&s, "servers[1] (w): 'window_start' must be an RFC "
                      "3339 time such as 2026-12-01T00:00:00Z, not "
                      "'\\x07'"));
  CHECK (has_problem (&s, "servers[1] (w): unknown key 'k\\x09'"));
  CHECK (has_problem (&s, "unknown key 'x\\xC2\\x9B2J'"));
  fg_schedule_release (&s);
}

/* Outputs are compared as files, not as strings: however a path is
 * spelled, two servers never write one file, and no output is a
 * server's source (or one of its split parts). */
static void
test_output_identity (void)
{
  char out[600], link[600], text[4096], base[300];
  struct fg_schedule s;
  struct fg_err e = FG_ERR_INIT;

  snprintf (base, sizeof base, "%s/ident", dir);
  snprintf (out, sizeof out, "%s/out", base);
  snprintf (link, sizeof link, "%s/link", base);
  CHECK_INT (mkdir (base, 0700), 0);
  CHECK_INT (mkdir (out, 0700), 0);
  CHECK_INT (symlink ("out", link), 0);
#define ENTRY(id, src, outp) \
  "{\"server_id\":\"" id "\",\"window_start\":\"2026-12-01T00:00:00Z\"," \
  "\"window_end\":\"2026-12-02T00:00:00Z\",\"source\":\"" src "\"," \
  "\"output\":\"" outp "\",\"server_record\":" REC "}"
  snprintf (text, sizeof text, "{\"version\":1,\"servers\":["
            ENTRY ("a", "img/a.tar.gz", "out/a.vhd") ","
            ENTRY ("b", "img/b.tar.gz", "out/./a.vhd") ","
            ENTRY ("c", "img/c.tar.gz", "out//a.vhd") ","
            ENTRY ("d", "img/d.tar.gz", "link/a.vhd") ","
            ENTRY ("e", "img/e.tar.gz", "%s/out/../out/a.vhd") ","
            ENTRY ("f", "img/f.tar.gz", "img/../img/./a.tar.gz") ","
            ENTRY ("g", "out/g.vhd", "link/g.vhd") ","
            ENTRY ("h", "img/h.tar.gz", "img//h.tar.gz.3") ","
            ENTRY ("i", "img/i.tar.gz", "out/i.vhd") "]}", base);
#undef ENTRY
  CHECK_INT (fg_schedule_parse (text, strlen (text), "sched.json", base,
                                out, &s, &e), 0);
  CHECK (has_problem (&s, "servers[1] (b): 'output' '"));
  CHECK (has_problem (&s, "/out/./a.vhd' is also servers[0] (a)'s"));
  CHECK (has_problem (&s, "/out//a.vhd' is also servers[0] (a)'s"));
  CHECK (has_problem (&s, "/link/a.vhd' is also servers[0] (a)'s"));
  CHECK (has_problem (&s, "servers[4] (e): 'output'"));
  CHECK (has_problem (&s, "servers[5] (f): 'output' '"));
  CHECK (has_problem (&s, "/img/../img/./a.tar.gz' is the 'source' of "
                      "servers[0] (a)"));
  CHECK (has_problem (&s, "servers[6] (g): 'output' '"));
  CHECK (has_problem (&s, "/link/g.vhd' is its own 'source'"));
  CHECK (has_problem (&s, "servers[7] (h): 'output' '"));
  CHECK (has_problem (&s, "/img//h.tar.gz.3' is a part of its own "
                      "'source'"));
  /* Exactly those: a, i and the sources that no output names are fine. */
  CHECK_INT (s.nproblems, 7);
  for (size_t i = 0; i < s.nlisted; i++)
    CHECK (strstr (s.problems[i], "servers[8]") == NULL &&
           strstr (s.problems[i], "servers[0] (a): 'output'") == NULL);
  fg_schedule_release (&s);
}

static void
test_server_records (void)
{
  char why[512];
  static const struct {
    const char *rec, *why;
  } bad[] = {
    { "{\"public\":{\"ipv4\":[\"1.2.3.4/8\"]}}", "missing 'version'" },
    { "{\"version\":2,\"public\":{}}", "'version' must be 1" },
    { "{\"version\":1,\"public\":{\"ipv4\":[]}}", "'public.ipv4' must be a "
      "list of 1 to 64" },
    { "{\"version\":1,\"public\":{\"ipv4\":[\"1.2.3.4/33\"]}}",
      "'public.ipv4[0]' must be an address" },
    { "{\"version\":1,\"public\":{\"ipv4\":[\"1.2.3/8\"]}}",
      "'public.ipv4[0]'" },
    { "{\"version\":1,\"public\":{\"gateway\":\"1.2.3.4/24\"}}",
      "'public.gateway' must be an IPv4 address" },
    { "{\"version\":1,\"public\":{\"mac\":\"40:40:aa:bb:cc\"}}",
      "'public.mac' must be a MAC address" },
    { "{\"version\":1,\"public\":{\"ipv6\":[\"2001:db8::5\"]}}",
      "'public.ipv6[0]'" },
    { "{\"version\":1,\"public\":{\"speed\":1}}", "unknown key "
      "'public.speed'" },
    { "{\"version\":1,\"public\":{},\"shared_ipv4\":[\"x\"]}",
      "'shared_ipv4[0]' must be an IPv4 address" },
    { "{\"version\":1,\"public\":{},\"resolvers\":[1]}",
      "'resolvers[0]' must be an address" },
    { "{\"version\":1,\"public\":{},\"extra\":1}", "unknown key 'extra'" },
    { "{\"version\":1,\"public\":{},\"hostname\":\"\"}", "'hostname'" },
    { "{\"version\":1,\"public\":[]}", "'public' must be an object" },
    { "[1]", "must be an object" },
    { "{", "not JSON" },
  };

  CHECK_INT (fg_server_record_check ("{\"version\":1,\"server_id\":\"w\","
                                     "\"hostname\":\"w.example.com\","
                                     "\"public\":{\"mac\":\"40:40:AA:bb:cc:dd\","
                                     "\"ipv4\":[\"203.0.113.5/24\","
                                     "\"203.0.113.6/32\"],\"gateway\":"
                                     "\"203.0.113.1\",\"ipv6\":"
                                     "[\"2001:db8::5/64\"],\"gateway6\":"
                                     "\"fe80::def\"},\"private\":{\"ipv4\":"
                                     "[\"10.176.1.5/19\"]},\"shared_ipv4\":"
                                     "[\"203.0.113.9\"],\"resolvers\":"
                                     "[\"72.3.128.240\",\"2001:4860::8888\"]}",
                                     "w", why, sizeof why), 0);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    why[0] = '\0';
    if (fg_server_record_check (bad[i].rec, NULL, why, sizeof why) == 0) {
      printf ("#   accepted: %s\n", bad[i].rec);
      tap_cur_failed = 1;
    } else
      CHECK_CONTAINS (why, bad[i].why);
  }
}

static void
test_record_from_file_and_files_checked (void)
{
  char sched[512], rec[512], text[2048];
  struct fg_schedule s;
  struct fg_err e = FG_ERR_INIT;
  FILE *f;

  snprintf (rec, sizeof rec, "%s/r1.json", dir);
  f = fopen (rec, "w");
  fputs (REC, f);
  fclose (f);
  snprintf (sched, sizeof sched, "%s/sched.json", dir);
  snprintf (text, sizeof text, "{\"version\":1,\"servers\":["
            "{\"server_id\":\"r1\",\"window_start\":\"2026-12-01T00:00:00Z\","
            "\"window_end\":\"2026-12-02T00:00:00Z\",\"source\":\"r1.json\","
            "\"server_record\":\"r1.json\"},"
            "{\"server_id\":\"r2\",\"window_start\":\"2026-12-01T00:00:00Z\","
            "\"window_end\":\"2026-12-02T00:00:00Z\",\"source\":\"nowhere.raw\","
            "\"output\":\"nodir/r2.vhd\",\"server_record\":" REC "}]}");
  f = fopen (sched, "w");
  fputs (text, f);
  fclose (f);
  CHECK_INT (fg_schedule_load (sched, dir, &s, &e), 0);
  CHECK_INT (s.nproblems, 0);
  CHECK_INT (s.n, 2);
  if (s.n == 2) {
    CHECK_CONTAINS (s.servers[0].record, "203.0.113.5/24");
    fg_schedule_check_files (&s);
    CHECK_INT (s.nproblems, 2);
    CHECK (has_problem (&s, "servers[1] (r2): 'source'"));
    CHECK (has_problem (&s, "nowhere.raw': No such file"));
    CHECK (has_problem (&s, "servers[1] (r2): 'output'"));
  }
  fg_schedule_release (&s);
}

static void
write_file (const char *path, const char *text, mode_t mode)
{
  FILE *f = fopen (path, "w");
  fputs (text, f);
  fclose (f);
  chmod (path, mode);
}

static void
test_config (void)
{
  char path[512], tok[512], buf[FG_AGENT_TOKEN_MAX], why[1024];
  struct fg_agent_config c;
  struct fg_err e = FG_ERR_INIT;

  snprintf (tok, sizeof tok, "%s/token", dir);
  write_file (tok, "0123456789abcdef0123\n", 0600);
  CHECK_INT (fg_agent_read_token (tok, buf, sizeof buf, why, sizeof why), 0);
  CHECK_STR (buf, "0123456789abcdef0123");
  chmod (tok, 0640);
  CHECK_INT (fg_agent_read_token (tok, buf, sizeof buf, why, sizeof why), -1);
  CHECK_CONTAINS (why, "mode 0640 lets group or others read it");
  write_file (tok, "short\n", 0600);
  CHECK_INT (fg_agent_read_token (tok, buf, sizeof buf, why, sizeof why), -1);
  CHECK_CONTAINS (why, "at least 16 characters");
  write_file (tok, "0123456789 abcdef0123\n", 0400);
  CHECK_INT (fg_agent_read_token (tok, buf, sizeof buf, why, sizeof why), -1);
  CHECK_CONTAINS (why, "space");
  write_file (tok, "0123456789abcdef0123", 0600);

  snprintf (path, sizeof path, "%s/agent.json", dir);
  write_file (path, "{\"listen\":\"[::1]:0\",\"token_file\":\"token\","
              "\"schedule\":\"sched.json\",\"state\":\"st.sqlite\","
              "\"output_dir\":\".\",\"max_concurrent\":3,\"log\":\"stderr\"}",
              0644);
  CHECK_INT (fg_agent_config_load (path, &c, &e), 0);
  CHECK_INT (c.nproblems, 0);
  for (size_t i = 0; i < c.nproblems; i++)
    printf ("#   %s\n", c.problems[i]);
  CHECK (c.loopback);
  CHECK_INT (c.max_concurrent, 3);
  CHECK_INT (c.body_limit, 16384);
  CHECK (c.log == NULL);
  CHECK_CONTAINS (c.state, "/st.sqlite");
  CHECK_INT (c.max_clock_skew, 300);
  CHECK_INT (c.header_timeout, 10);
  CHECK_INT (c.max_connections, 512);
  CHECK_INT (c.max_connections_per_ip, 256);
  fg_agent_config_release (&c);

  /* The per-address limit is at most the limit; the header timeout is
   * never 0 (no bound at all). */
  write_file (path, "{\"token_file\":\"token\",\"schedule\":\"sched.json\","
              "\"state\":\"st.sqlite\",\"output_dir\":\".\","
              "\"max_connections\":64,\"max_connections_per_ip\":65,"
              "\"header_timeout_seconds\":0,\"max_clock_skew_seconds\":60}",
              0644);
  CHECK_INT (fg_agent_config_load (path, &c, &e), 0);
  CHECK_INT (c.nproblems, 2);
  if (c.nproblems == 2) {
    CHECK_CONTAINS (c.problems[0], "'header_timeout_seconds' must be a whole "
                    "number from 1 to 300");
    CHECK_CONTAINS (c.problems[1], "'max_connections_per_ip' must be a whole "
                    "number from 0 to 64");
  }
  CHECK_INT (c.max_clock_skew, 60);
  CHECK_INT (c.max_connections, 64);
  fg_agent_config_release (&c);

  write_file (path, "{\"listen\":\"10.0.0.1:8470\",\"token_file\":\"token\","
              "\"schedule\":\"sched.json\",\"state\":\"st.sqlite\","
              "\"output_dir\":\".\",\"retries\":-1,\"tls\":{\"cert\":\"c\"}}",
              0644);
  CHECK_INT (fg_agent_config_load (path, &c, &e), 0);
  /* Three: the retries, the key missing, the certificate missing. */
  CHECK_INT (c.nproblems, 3);
  if (c.nproblems == 3) {
    CHECK_CONTAINS (c.problems[0], "'retries' must be a whole number from 0 "
                    "to 100");
    CHECK_CONTAINS (c.problems[1], "missing 'tls.key'");
    CHECK_CONTAINS (c.problems[2], "'tls.cert'");
  }
  fg_agent_config_release (&c);

  write_file (path, "{\"listen\":\"10.0.0.1:8470\",\"token_file\":\"token\","
              "\"schedule\":\"sched.json\",\"state\":\"st.sqlite\","
              "\"output_dir\":\".\"}", 0644);
  CHECK_INT (fg_agent_config_load (path, &c, &e), 0);
  CHECK_INT (c.nproblems, 1);
  if (c.nproblems)
    CHECK_CONTAINS (c.problems[0], "is not a loopback address");
  fg_agent_config_release (&c);

  {
    static const char *const listens[] = {
      "127.0.0.1", "127.0.0.1:x", "[::1:80", "host.example:80", "unix:",
      "1.2.3.4:65536",
    };
    for (size_t i = 0; i < sizeof listens / sizeof listens[0]; i++) {
      char text[512];
      snprintf (text, sizeof text, "{\"listen\":\"%s\",\"token_file\":"
                "\"token\",\"schedule\":\"sched.json\",\"state\":"
                "\"st.sqlite\",\"output_dir\":\".\"}", listens[i]);
      write_file (path, text, 0644);
      CHECK_INT (fg_agent_config_load (path, &c, &e), 0);
      if (c.nproblems != 1) {
        printf ("#   listen '%s': %zu problems\n", listens[i], c.nproblems);
        tap_cur_failed = 1;
      } else
        CHECK_CONTAINS (c.problems[0], "'listen'");
      fg_agent_config_release (&c);
    }
  }
}

int
main (void)
{
  snprintf (dir, sizeof dir, "%s/fg2ng-agent-XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  if (mkdtemp (dir) == NULL)
    return 1;
  RUN (test_valid_schedule);
  RUN (test_every_problem_listed);
  RUN (test_problems_escape_control_characters);
  RUN (test_output_identity);
  RUN (test_server_records);
  RUN (test_record_from_file_and_files_checked);
  RUN (test_config);
  {
    char cmd[300];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system (cmd) != 0)
      printf ("# could not remove %s\n", dir);
  }
  return TAP_DONE ();
}
