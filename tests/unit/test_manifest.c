/* tests/unit/test_manifest.c --- the batch manifest's checks of outputs:
 * one file however its path is spelled, never another job's source; and
 * which problems are one job's alone, which the whole manifest's */
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

/* The job named ID of M, or NULL. */
static const struct fg_manifest_job *
job_of (const struct fg_manifest *m, const char *id)
{
  for (size_t i = 0; i < m->njobs; i++)
    if (strcmp (m->jobs[i].id, id) == 0)
      return &m->jobs[i];
  return NULL;
}

static void
test_problems_of_one_job_are_kept_with_it (void)
{
  struct fg_manifest m;
  const struct fg_manifest_job *j;
  char all[8192], path[600];

  /* A missing source, a part missing from split parts, an invalid
   * option, a server record that is not JSON, a missing parent, an
   * output over its own source: each harms its job alone.  An output
   * folder that does not exist yet is no problem (made at the start). */
  write_file ("one.json",
              "{ \"jobs\": ["
              " { \"id\": \"gone\", \"source\": \"nowhere.raw\", \"output\": \"out/g.vhd\" },"
              " { \"id\": \"gap\", \"source\": \"gap.tar.gz.0\", \"output\": \"out/gap.vhd\" },"
              " { \"id\": \"opt\", \"source\": \"s1.raw\", \"output\": \"out/o.vhd\","
              "   \"options\": { \"format\": \"qcow9\" } },"
              " { \"id\": \"rec\", \"source\": \"s1.raw\", \"output\": \"out/r.vhd\","
              "   \"server_record\": \"notjson.txt\" },"
              " { \"id\": \"par\", \"source\": \"s1.raw\", \"output\": \"out/p.vhd\","
              "   \"options\": { \"parents\": [ \"nobase.vhd\" ] } },"
              " { \"id\": \"self\", \"source\": \"s2.raw\", \"output\": \"./s2.raw\" },"
              " { \"id\": \"new\", \"source\": \"s3.raw\", \"output\": \"not/yet/n.vhd\" },"
              " { \"id\": \"whole\", \"source\": \"p.tar.gz\", \"output\": \"out/w.vhd\" } ] }");
  load ("one.json", &m, all, sizeof all);
  fg_manifest_check_files (&m, NULL, NULL);
  CHECK_INT (m.njobs, 8);
  CHECK_INT (m.nproblems, 6);
  CHECK_INT (m.nconfined, 6);
  snprintf (path, sizeof path, "%s/one.json", dir);

  j = job_of (&m, "gone");
  CHECK (j && j->problem && j->fix);
  if (j && j->problem && j->fix) {
    CHECK_CONTAINS (j->problem, "'source' '");
    CHECK_CONTAINS (j->problem, "/nowhere.raw': No such file or directory");
    /* without the manifest and the job's place: the batch names them */
    CHECK (strncmp (j->problem, "'source'", 8) == 0);
    CHECK_CONTAINS (j->fix, "put the image there, or fix the job's 'source' "
                    "in '");
    CHECK_CONTAINS (j->fix, path);
  }
  j = job_of (&m, "gap");
  CHECK (j && j->problem && j->fix);
  if (j && j->problem && j->fix) {
    CHECK_CONTAINS (j->problem, "gap.tar.gz: missing part .1 (have .0, .2)");
    CHECK_CONTAINS (j->fix, "download every part of the image into '");
  }
  j = job_of (&m, "opt");
  CHECK (j && j->problem && j->fix);
  if (j && j->problem && j->fix) {
    CHECK_STR (j->problem, "'options.format' is 'qcow9', not one of "
               "vhd,vhd-fixed,raw,bundle");
    CHECK_CONTAINS (j->fix, "fix the job's 'options.format' in '");
  }
  j = job_of (&m, "rec");
  CHECK (j && j->problem);
  if (j && j->problem)
    CHECK_CONTAINS (j->problem, "/notjson.txt': line 1");
  j = job_of (&m, "par");
  CHECK (j && j->problem);
  if (j && j->problem)
    CHECK_CONTAINS (j->problem, "'options.parents[0]' '");
  j = job_of (&m, "self");
  CHECK (j && j->problem);
  if (j && j->problem)
    CHECK_STR (j->problem, "'output' is the source itself");
  j = job_of (&m, "new");
  CHECK (j && j->problem == NULL);
  j = job_of (&m, "whole");
  CHECK (j && j->problem == NULL);      /* NAME for NAME.0 .. NAME.1 */
  /* Every problem is still listed, each with its place. */
  CHECK_CONTAINS (all, "jobs[2] (opt): 'options.format' is 'qcow9'");
  CHECK_CONTAINS (all, "jobs[5] (self): 'output' is the source itself");
  fg_manifest_release (&m);
}

static void
test_problems_of_the_whole_manifest (void)
{
  struct fg_manifest m;
  char all[8192];

  /* A bad default, a duplicate id, an output shared: every job
   * concerned; beside them a problem of one job alone. */
  write_file ("all.json",
              "{ \"defaults\": { \"headroom\": -1 }, \"jobs\": ["
              " { \"id\": \"a\", \"source\": \"s1.raw\", \"output\": \"out/a.vhd\" },"
              " { \"id\": \"a\", \"source\": \"s2.raw\", \"output\": \"out/b.vhd\" },"
              " { \"id\": \"c\", \"source\": \"s3.raw\", \"output\": \"out/a.vhd\" },"
              " { \"id\": \"d\", \"source\": \"s3.raw\", \"output\": \"out/d.vhd\","
              "   \"options\": { \"turbo\": true } } ] }");
  load ("all.json", &m, all, sizeof all);
  fg_manifest_check_files (&m, NULL, NULL);
  CHECK_CONTAINS (all, "defaults: 'headroom' must be a whole number");
  CHECK_CONTAINS (all, "jobs[1] (a): duplicate id");
  CHECK_CONTAINS (all, "jobs[2] (c): 'output' 'out/a.vhd' is also jobs[0] "
                  "(a)'s output");
  CHECK_CONTAINS (all, "jobs[3] (d): unknown option 'turbo'");
  CHECK_INT (m.nproblems, 4);
  CHECK_INT (m.nconfined, 1);
  CHECK (job_of (&m, "a")->problem == NULL);
  fg_manifest_release (&m);
}

/* The index of WORD in ARGV, or -1. */
static int
argv_find (char **argv, const char *word)
{
  for (int i = 0; argv && argv[i]; i++)
    if (strcmp (argv[i], word) == 0)
      return i;
  return -1;
}

/* Defaults merged under a job's own settings, paths resolved against the
 * manifest's folder, and the convert command line a job runs as. */
static void
test_defaults_paths_and_argv (void)
{
  struct fg_manifest m;
  struct fg_err e = FG_ERR_INIT;
  char all[4096], want[600];
  char **argv;
  int i;

  write_file ("argv.json",
              "{ \"version\": 1, \"defaults\": { \"headroom\": 40, "
              "\"mode\": \"image\", \"flavor\": \"512MB\" }, \"jobs\": ["
              " { \"id\": \"web01\", \"source\": \"s5.raw\","
              "   \"output\": \"out/web01.vhd\", \"flavor\": \"1GB\" } ] }");
  load ("argv.json", &m, all, sizeof all);
  CHECK_STR (all, "");
  CHECK_INT (m.njobs, 1);
  if (m.njobs != 1) {
    fg_manifest_release (&m);
    return;
  }
  snprintf (want, sizeof want, "%s/s5.raw", dir);
  CHECK_STR (m.jobs[0].source, want);
  snprintf (want, sizeof want, "%s/out/web01.vhd", dir);
  CHECK_STR (m.jobs[0].output, want);
  /* The job's flavor wins over the default; the rest comes along. */
  CHECK_CONTAINS (m.jobs[0].options, "1GB");
  CHECK (strstr (m.jobs[0].options, "512MB") == NULL);
  CHECK_CONTAINS (m.jobs[0].options, "headroom");

  argv = fg_manifest_convert_argv ("/usr/bin/fg2ng", m.jobs[0].source,
                                   m.jobs[0].output, m.jobs[0].options, 0,
                                   &e);
  CHECK (argv != NULL);
  if (argv) {
    CHECK_STR (argv[0], "/usr/bin/fg2ng");
    CHECK_STR (argv[1], "convert");
    CHECK (argv_find (argv, "--json") > 1);
    i = argv_find (argv, "--flavor");
    CHECK (i > 1);
    if (i > 1)
      CHECK_STR (argv[i + 1], "1GB");
    i = argv_find (argv, "--headroom");
    CHECK (i > 1);
    if (i > 1)
      CHECK_STR (argv[i + 1], "40");
    CHECK_INT (argv_find (argv, "--force"), -1);
    /* Output, then the source after "--", last. */
    i = argv_find (argv, "--");
    CHECK (i > 1);
    if (i > 1) {
      CHECK_STR (argv[i + 1], m.jobs[0].source);
      CHECK (argv[i + 2] == NULL);
      CHECK_STR (argv[i - 1], m.jobs[0].output);
    }
    fg_argv_free (argv);
  }
  argv = fg_manifest_convert_argv ("fg2ng", "/s", "/o", m.jobs[0].options,
                                   1, &e);
  CHECK (argv_find (argv, "--force") > 1);
  fg_argv_free (argv);
  fg_manifest_release (&m);

  /* Not JSON at all: the one case load itself fails, naming the file. */
  {
    char path[512];
    snprintf (path, sizeof path, "%s/notjson.txt", dir);
    CHECK_INT (fg_manifest_load (path, &m, &e), -1);
    CHECK_CONTAINS (e.msg, "notjson.txt");
    fg_manifest_release (&m);
  }
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
  write_file ("gap.tar.gz.0", "x");
  write_file ("gap.tar.gz.2", "x");
  write_file ("notjson.txt", "{ not json");
  snprintf (p, sizeof p, "%s/sl.raw", dir);
  snprintf (q, sizeof q, "%s/s4.raw", dir);
  if (symlink (q, p) < 0)
    printf ("# cannot make a symlink\n");

  RUN (test_one_output_spelled_three_ways_and_through_a_link);
  RUN (test_output_over_a_source);
  RUN (test_distinct_outputs_pass);
  RUN (test_problems_of_one_job_are_kept_with_it);
  RUN (test_problems_of_the_whole_manifest);
  RUN (test_defaults_paths_and_argv);
  rm_rf (dir);
  return TAP_DONE ();
}
