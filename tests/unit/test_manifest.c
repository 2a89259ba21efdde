/* tests/unit/test_manifest.c --- the batch manifest's checks of outputs:
 * one file however its path is spelled, never another job's source */
#include "tests/unit/tap.h"
#include "jobs/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void
write_file (const char *name, const char *text)
{
  char path[512];
  FILE *f;

  snprintf (path, sizeof path, "%s/%s", dir, name);
  f = fopen (path, "w");
  if (f == NULL) {
    printf ("#   cannot write %s\n", path);
    return;
  }
  fputs (text, f);
  fclose (f);
}

/* Load the manifest NAME of DIR; the problems joined by newlines into
 * ALL. */
static void
load (const char *name, struct fg_manifest *m, char *all, size_t cap)
{
  char path[512];
  struct fg_err e = FG_ERR_INIT;
  size_t used = 0;

  snprintf (path, sizeof path, "%s/%s", dir, name);
  all[0] = '\0';
  CHECK_INT (fg_manifest_load (path, m, &e), 0);
  for (size_t i = 0; i < m->nlisted && used < cap; i++)
    used += (size_t) snprintf (all + used, cap - used, "%s\n",
                               m->problems[i]);
}

static void
test_one_output_spelled_three_ways_and_through_a_link (void)
{
  struct fg_manifest m;
  char all[8192];

  write_file ("spell.json",
              "{ \"jobs\": ["
              " { \"id\": \"a\", \"source\": \"s1.raw\", \"output\": \"out/a.vhd\" },"
              " { \"id\": \"b\", \"source\": \"s2.raw\", \"output\": \"out/./a.vhd\" },"
              " { \"id\": \"c\", \"source\": \"s3.raw\", \"output\": \"out//a.vhd\" },"
              " { \"id\": \"d\", \"source\": \"s4.raw\", \"output\": \"link/a.vhd\" },"
              " { \"id\": \"e\", \"source\": \"s5.raw\", \"output\": \"out/../out/a.vhd\" },"
              " { \"id\": \"f\", \"source\": \"s6.raw\", \"output\": \"out/f.vhd\" } ] }");
  load ("spell.json", &m, all, sizeof all);
  CHECK_CONTAINS (all, "jobs[1] (b): 'output' 'out/./a.vhd' is also jobs[0] "
                  "(a)'s output");
  CHECK_CONTAINS (all, "jobs[2] (c): 'output' 'out//a.vhd' is also jobs[0] "
                  "(a)'s output");
  CHECK_CONTAINS (all, "jobs[3] (d): 'output' 'link/a.vhd' is also jobs[0] "
                  "(a)'s output");
  CHECK_CONTAINS (all, "jobs[4] (e): 'output' 'out/../out/a.vhd' is also "
                  "jobs[0] (a)'s output");
  CHECK (strstr (all, "(f)") == NULL);
  CHECK_INT (m.nproblems, 4);
  fg_manifest_release (&m);
}

static void
test_output_over_a_source (void)
{
  struct fg_manifest m;
  char all[8192];

  /* A job writing over its own source spelled otherwise, over another
   * job's source (directly, through the link, over the file a source
   * symlink points to), over a part of another job's split source, and
   * over a parent of another job. */
  write_file ("src.json",
              "{ \"jobs\": ["
              " { \"id\": \"a\", \"source\": \"s1.raw\", \"output\": \"./s1.raw\" },"
              " { \"id\": \"b\", \"source\": \"s2.raw\", \"output\": \"out/b.vhd\" },"
              " { \"id\": \"c\", \"source\": \"s3.raw\", \"output\": \"out/../s2.raw\" },"
              " { \"id\": \"d\", \"source\": \"sl.raw\", \"output\": \"out/d.vhd\" },"
              " { \"id\": \"e\", \"source\": \"s3.raw\", \"output\": \"s4.raw\" },"
              " { \"id\": \"f\", \"source\": \"p.tar.gz.0\", \"output\": \"out/f.tgz\" },"
              " { \"id\": \"g\", \"source\": \"s3.raw\", \"output\": \"p.tar.gz.2\" },"
              " { \"id\": \"h\", \"source\": \"s5.raw\", \"output\": \"out/h.vhd\","
              "   \"options\": { \"parents\": [ \"base.vhd\" ] } },"
              " { \"id\": \"i\", \"source\": \"s3.raw\", \"output\": \"link/../base.vhd\" } ] }");
  load ("src.json", &m, all, sizeof all);
  CHECK_CONTAINS (all, "jobs[0] (a): 'output' is the source itself");
  CHECK_CONTAINS (all, "jobs[2] (c): 'output' 'out/../s2.raw' is jobs[1] "
                  "(b)'s source");
  /* sl.raw is a symlink to s4.raw: writing s4.raw destroys d's source. */
  CHECK_CONTAINS (all, "jobs[4] (e): 'output' 's4.raw' is jobs[3] (d)'s "
                  "source");
  CHECK_CONTAINS (all, "jobs[6] (g): 'output' 'p.tar.gz.2' is jobs[5] (f)'s "
                  "source");
  CHECK_CONTAINS (all, "jobs[8] (i): 'output' 'link/../base.vhd' is jobs[7] "
                  "(h)'s parent");
  CHECK_INT (m.nproblems, 5);
  fg_manifest_release (&m);
}

static void
test_distinct_outputs_pass (void)
{
  struct fg_manifest m;
  char all[8192];

  /* Several jobs may read one source; outputs that only look alike are
   * different files. */
  write_file ("ok.json",
              "{ \"jobs\": ["
              " { \"id\": \"a\", \"source\": \"s1.raw\", \"output\": \"out/a.vhd\" },"
              " { \"id\": \"b\", \"source\": \"s1.raw\", \"output\": \"out/a.vhd.bak\" },"
              " { \"id\": \"c\", \"source\": \"s1.raw\", \"output\": \"a.vhd\" } ] }");
  load ("ok.json", &m, all, sizeof all);
  CHECK_STR (all, "");
  CHECK_INT (m.njobs, 3);
  fg_manifest_release (&m);
}

static void
rm_rf (const char *d)
{
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", d);
  if (system (cmd) != 0)
    printf ("# could not remove %s\n", d);
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");
  char p[512], q[512];

  snprintf (dir, sizeof dir, "%s/fg2ng-manifest-XXXXXX", t && *t ? t : "/tmp");
  if (mkdtemp (dir) == NULL) {
    printf ("Bail out! cannot make a folder under %s\n", t ? t : "/tmp");
    return 1;
  }
  snprintf (p, sizeof p, "%s/out", dir);
  mkdir (p, 0755);
  snprintf (p, sizeof p, "%s/link", dir);
  if (symlink ("out", p) < 0)
    printf ("# cannot make a symlink\n");
  for (int i = 1; i <= 5; i++) {
    char name[32];
    snprintf (name, sizeof name, "s%d.raw", i);
    write_file (name, "x");
  }
  write_file ("base.vhd", "x");
  write_file ("p.tar.gz.0", "x");
  write_file ("p.tar.gz.1", "x");
  snprintf (p, sizeof p, "%s/sl.raw", dir);
  snprintf (q, sizeof q, "%s/s4.raw", dir);
  if (symlink (q, p) < 0)
    printf ("# cannot make a symlink\n");

  RUN (test_one_output_spelled_three_ways_and_through_a_link);
  RUN (test_output_over_a_source);
  RUN (test_distinct_outputs_pass);
  rm_rf (dir);
  return TAP_DONE ();
}
