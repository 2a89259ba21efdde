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
