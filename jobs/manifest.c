/* jobs/manifest.c --- read, validate and expand the batch manifest */
#include "jobs/manifest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/parts.h"
#include "util/path.h"
#include "util/problems.h"
#include "util/size.h"

/* Problems past this many are counted, not listed: a manifest generated
 * wrong repeats one mistake thousands of times. */
#define MAX_LISTED 200

enum opt_type { OT_STRING, OT_SIZE, OT_UINT, OT_BOOL, OT_PATHS, OT_PATH };

/* The job options: a manifest key, its type and the convert option it
 * becomes.  Keys are convert's option names with '_' for '-'. */
struct opt_def {
  const char *key;
  enum opt_type type;
  const char *flag;
  const char *choices;        /* OT_STRING: "a|b|c", or NULL for any */
  unsigned long long max;     /* OT_UINT, OT_SIZE, OT_STRING (length) */
};

#define GIB (1ull << 30)

static const struct opt_def options[] = {
  { "format", OT_STRING, "--format", "vhd|vhd-fixed|raw|bundle", 0 },
  { "parents", OT_PATHS, "--parent", NULL, 0 },
  { "fs_type", OT_STRING, "--fs-type", "ext4|ext3", 0 },
  { "headroom", OT_UINT, "--headroom", NULL, 1000 },
  { "disk_size", OT_SIZE, "--disk-size", NULL, 2040 * GIB },
  { "fs_size", OT_SIZE, "--fs-size", NULL, 2040 * GIB },
  { "label", OT_STRING, "--label", NULL, 16 },
  { "no_fixups", OT_BOOL, "--no-fixups", NULL, 0 },
  /* Convert even what the checks refuse: a disk with no partition table
   * or no operating system, an ineligible server (data recovery). */
  { "no_check", OT_BOOL, "--no-check", NULL, 0 },
  { "initramfs", OT_STRING, "--initramfs", "auto|rebuild|keep", 0 },
  { "name", OT_STRING, "--name", NULL, 0 },
  { "os_type", OT_STRING, "--os-type", "linux|windows", 0 },
  { "os_distro", OT_STRING, "--os-distro", NULL, 0 },
  { "os_version", OT_STRING, "--os-version", NULL, 0 },
  { "arch", OT_STRING, "--arch", NULL, 0 },
  { "vm_mode", OT_STRING, "--vm-mode", "xen|hvm", 0 },
  { "min_ram", OT_UINT, "--min-ram", NULL, 1u << 24 },
  { "min_disk", OT_UINT, "--min-disk", NULL, 2040 },
  { "no_auto_disk_config", OT_BOOL, "--no-auto-disk-config", NULL, 0 },
  /* The migration: also a job's own keys (JOB_KEYS below). */
  { "mode", OT_STRING, "--mode", "self-service|assisted|image", 0 },
  { "flavor", OT_STRING, "--flavor", NULL, 64 },
  { "class", OT_STRING, "--class", "standard|general|io", 0 },
  { "server_record", OT_PATH, "--server-record", NULL, 0 },
};
#define NOPTIONS (sizeof options / sizeof options[0])

/* The options a job may also give as its own keys, beside id, source and
 * output: what differs from server to server in a migration. */
static const char *const job_keys[] = { "mode", "flavor", "server_record" };
#define NJOB_KEYS (sizeof job_keys / sizeof job_keys[0])

static const struct opt_def *
find_option (const char *key)
{
  for (size_t i = 0; i < NOPTIONS; i++)
    if (strcmp (options[i].key, key) == 0)
      return &options[i];
  return NULL;
}

/* Where this validator's problem lines go (util/problems.h). */
static struct fg_problems
problems_of (struct fg_manifest *m)
{
  return (struct fg_problems) { &m->problems, &m->nlisted, &m->nproblems, MAX_LISTED };
}

#define problem(m, ...) \
  ((void) fg_problems_add (problems_of (m), __VA_ARGS__))

/* A problem of job J alone (listed with the others, counted as
 * confined, and the first one kept with the job), or of the manifest as
 * a whole when J is NULL.  WHERE is the job's place ("jobs[3] (web04)")
 * or the section; WHAT the key to fix ("'source'"), PRE what else would
 * fix it ("put the image there"), or NULL. */
static void
vnote (struct fg_manifest *m, struct fg_manifest_job *j, const char *where,
       const char *what, const char *pre, const char *fmt, va_list ap)
  FG_PRINTF(6, 0);

static void
vnote (struct fg_manifest *m, struct fg_manifest_job *j, const char *where,
       const char *what, const char *pre, const char *fmt, va_list ap)
{
  char text[1024];

  vsnprintf (text, sizeof text, fmt, ap);
  problem (m, "'%s': %s: %s", m->path, where, text);
  if (j == NULL)
    return;
  m->nconfined++;
  if (j->problem)
    return;
  j->problem = strdup (text);
  if (asprintf (&j->fix, "%s%sfix the job's %s in '%s'", pre ? pre : "",
                pre ? ", or " : "", what, m->path) < 0)
    j->fix = NULL;
}

static void
job_problem (struct fg_manifest *m, struct fg_manifest_job *j,
             const char *where, const char *what, const char *pre,
             const char *fmt, ...) FG_PRINTF(6, 7);

static void
job_problem (struct fg_manifest *m, struct fg_manifest_job *j,
             const char *where, const char *what, const char *pre,
             const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vnote (m, j, where, what, pre, fmt, ap);
  va_end (ap);
}

/* A problem of the option PFX KEY: of job J's own options, or of the
 * defaults (J NULL), which every job shares. */
static void
opt_problem (struct fg_manifest *m, struct fg_manifest_job *j,
             const char *where, const char *pfx, const char *key,
             const char *fmt, ...) FG_PRINTF(6, 7);

static void
opt_problem (struct fg_manifest *m, struct fg_manifest_job *j,
             const char *where, const char *pfx, const char *key,
             const char *fmt, ...)
{
  char what[160];
  va_list ap;

  snprintf (what, sizeof what, "'%s%s'", pfx, key);
  va_start (ap, fmt);
  vnote (m, j, where, what, NULL, fmt, ap);
  va_end (ap);
}

/* "jobs[3] (web04)" or "jobs[3]" or "defaults": where a problem is. */
static void
where_text (char *out, size_t cap, const char *section, size_t index,
            const char *id)
{
  if (strcmp (section, "jobs") != 0)
    snprintf (out, cap, "%s", section);
  else if (id)
    snprintf (out, cap, "jobs[%zu] (%s)", index, id);
  else
    snprintf (out, cap, "jobs[%zu]", index);
}

static char *
join_path (const char *dir, const char *p)
{
  char *out;

  if (p[0] == '/')
    return strdup (p);
  if (asprintf (&out, "%s/%s", dir, p) < 0)
    return NULL;
  return out;
}

/* An OT_STRING option: non-empty, at most D->max bytes, one of
 * D->choices if it has them. */
static void
check_string (struct fg_manifest *m, struct fg_manifest_job *j,
              const char *where, const char *pfx, const char *key, json_t *v,
              const struct opt_def *d, json_t *dst)
{
  const char *s = json_string_value (v);
  if (s == NULL || *s == '\0') {
    opt_problem (m, j, where, pfx, key, "'%s%s' must be a non-empty "
                 "string", pfx, key);
    return;
  }
  if (d->max && strlen (s) > d->max) {
    opt_problem (m, j, where, pfx, key, "'%s%s' is longer than %llu "
                 "bytes", pfx, key, d->max);
    return;
  }
  if (d->choices) {
    size_t n = strlen (s);
    const char *c = d->choices;
    int found = 0;
    while (*c && !found) {
      size_t len = strcspn (c, "|");
      found = len == n && strncmp (c, s, n) == 0;
      c += len + (c[len] == '|');
    }
    if (!found) {
      char alt[128];
      snprintf (alt, sizeof alt, "%s", d->choices);
      for (char *p = alt; *p; p++)
        if (*p == '|')
          *p = ',';
      opt_problem (m, j, where, pfx, key, "'%s%s' is '%s', not one of "
                   "%s", pfx, key, s, alt);
      return;
    }
  }
  json_object_set (dst, key, v);
}

/* An OT_PATHS option: a list of file names, each resolved. */
static void
check_paths (struct fg_manifest *m, struct fg_manifest_job *j,
             const char *where, const char *pfx, const char *key, json_t *v,
             const struct opt_def *d, json_t *dst)
{
  json_t *arr, *el;
  size_t i;

  (void) d;
  if (!json_is_array (v) || json_array_size (v) == 0) {
    opt_problem (m, j, where, pfx, key, "'%s%s' must be a list of file "
                 "names", pfx, key);
    return;
  }
  arr = json_array ();
  json_array_foreach (v, i, el) {
    const char *p = json_string_value (el);
    char *abs;
    if (p == NULL || *p == '\0') {
      opt_problem (m, j, where, pfx, key, "'%s%s[%zu]' must be a file "
                   "name", pfx, key, i);
      json_decref (arr);
      return;
    }
    abs = join_path (m->dir, p);
    json_array_append_new (arr, json_string (abs ? abs : p));
    free (abs);
  }
  json_object_set_new (dst, key, arr);
}

/* Validate one option of job J (NULL: of the defaults); on success put
 * its (path-resolved) value into DST under KEY. */
static void
check_option (struct fg_manifest *m, struct fg_manifest_job *j,
              const char *where, const char *pfx, const char *key, json_t *v,
              json_t *dst)
{
  const struct opt_def *d = find_option (key);
  unsigned long long bytes;

  if (d == NULL) {
    opt_problem (m, j, where, pfx, key, "unknown option '%s'", key);
    return;
  }
  switch (d->type) {
  case OT_STRING:
    check_string (m, j, where, pfx, key, v, d, dst);
    return;
  case OT_SIZE:
    if (json_is_integer (v) && json_integer_value (v) >= 0 &&
        (unsigned long long) json_integer_value (v) <= d->max) {
      json_object_set (dst, key, v);
      return;
    }
    if (json_is_string (v) && fg_parse_size (json_string_value (v),
                                             &bytes) == 0 &&
        bytes <= d->max) {
      json_object_set (dst, key, v);
      return;
    }
    opt_problem (m, j, where, pfx, key, "'%s%s' must be a size such as "
                 "\"20G\" or a number of bytes, at most 2040G", pfx, key);
    return;
  case OT_UINT:
    if (json_is_integer (v) && json_integer_value (v) >= 0 &&
        (unsigned long long) json_integer_value (v) <= d->max) {
      json_object_set (dst, key, v);
      return;
    }
    opt_problem (m, j, where, pfx, key, "'%s%s' must be a whole number "
                 "from 0 to %llu", pfx, key, d->max);
    return;
  case OT_BOOL:
    if (!json_is_boolean (v)) {
      opt_problem (m, j, where, pfx, key, "'%s%s' must be true or false",
                   pfx, key);
      return;
    }
    json_object_set (dst, key, v);
    return;
  case OT_PATH: {
    const char *p = json_string_value (v);
    char *abs;
    if (p == NULL || *p == '\0') {
      opt_problem (m, j, where, pfx, key, "'%s%s' must be a file name", pfx,
                   key);
      return;
    }
    abs = join_path (m->dir, p);
    json_object_set_new (dst, key, json_string (abs ? abs : p));
    free (abs);
    return;
  }
  case OT_PATHS:
    check_paths (m, j, where, pfx, key, v, d, dst);
    return;
  }
}

/* PFX is how the keys are named in messages: "options." for job J's
 * options, "" for the defaults (J NULL). */
static void
check_options (struct fg_manifest *m, struct fg_manifest_job *j,
               const char *where, const char *pfx, json_t *obj, json_t *dst)
{
  const char *key;
  json_t *v;

  if (!json_is_object (obj)) {
    job_problem (m, j, where, "'options'", NULL, "'%s' must be an object",
                 *pfx ? "options" : where);
    return;
  }
  json_object_foreach (obj, key, v)
    check_option (m, j, where, pfx, key, v, dst);
}

static int
is_job_key (const char *key)
{
  for (size_t k = 0; k < NJOB_KEYS; k++)
    if (strcmp (key, job_keys[k]) == 0)
      return 1;
  return 0;
}

static int
id_ok (const char *id)
{
  size_t n = strlen (id);

  if (n == 0 || n > 128 || id[0] == '-' || id[0] == '.')
    return 0;
  for (const char *p = id; *p; p++)
    if (!isalnum ((unsigned char) *p) && !strchr ("._:@+-", *p))
      return 0;
  return 1;
}

/* A required non-empty string member. */
static const char *
want_string (struct fg_manifest *m, const char *where, json_t *job,
             const char *key)
{
  json_t *v = json_object_get (job, key);
  const char *s = json_string_value (v);

  if (v == NULL)
    problem (m, "'%s': %s: missing '%s'", m->path, where, key);
  else if (s == NULL || *s == '\0')
    problem (m, "'%s': %s: '%s' must be a non-empty string", m->path, where,
             key);
  else
    return s;
  return NULL;
}

/* IDS maps each id seen so far to its position in M->jobs: duplicates
 * are found in one pass, whatever the fleet's size.  Outputs are checked
 * once every job is in (check_outputs).  The job is built in place, at
 * M->jobs[M->njobs], so that the problems of its own options are kept
 * with it; it is kept if it has an id, a source and an output. */
static void
check_job (struct fg_manifest *m, size_t index, json_t *job, json_t *defaults,
           json_t *ids)
{
  char where[256];
  const char *id = NULL, *source, *output, *key;
  json_t *v, *idv, *opts;
  struct fg_manifest_job *j = &m->jobs[m->njobs];

  memset (j, 0, sizeof *j);
  if (!json_is_object (job)) {
    where_text (where, sizeof where, "jobs", index, NULL);
    problem (m, "'%s': %s: a job must be an object", m->path, where);
    return;
  }
  idv = json_object_get (job, "id");
  if (json_is_string (idv) && id_ok (json_string_value (idv)))
    id = json_string_value (idv);
  where_text (where, sizeof where, "jobs", index, id);
  if (idv == NULL)
    problem (m, "'%s': %s: missing 'id'", m->path, where);
  else if (id == NULL)
    problem (m, "'%s': %s: 'id' must be 1 to 128 letters, digits or "
             "._:@+- (not starting with '-' or '.')", m->path, where);
  json_object_foreach (job, key, v)
    if (strcmp (key, "id") != 0 && strcmp (key, "source") != 0 &&
        strcmp (key, "output") != 0 && strcmp (key, "options") != 0 &&
        strcmp (key, "comment") != 0 && !is_job_key (key))
      problem (m, "'%s': %s: unknown key '%s'", m->path, where, key);
  source = want_string (m, where, job, "source");
  output = want_string (m, where, job, "output");
  opts = json_deep_copy (defaults);
  if (opts == NULL)
    return;                     /* out of memory: nothing kept yet */
  if ((v = json_object_get (job, "options")) != NULL)
    check_options (m, j, where, "options.", v, opts);
  /* The job's own keys win over the defaults, like its options; both
   * "mode" and "options.mode" in one job is a mistake, not a choice. */
  for (size_t k = 0; k < NJOB_KEYS; k++) {
    json_t *own = json_object_get (job, job_keys[k]);
    if (own == NULL)
      continue;
    if (json_object_get (json_object_get (job, "options"), job_keys[k]))
      opt_problem (m, j, where, "", job_keys[k], "'%s' is given twice, as "
                   "'%s' and 'options.%s'", job_keys[k], job_keys[k],
                   job_keys[k]);
    else
      check_option (m, j, where, "", job_keys[k], own, opts);
  }
  if (id && source && output) {
    json_t *dup = json_object_get (ids, id);
    if (dup)
      problem (m, "'%s': %s: duplicate id: jobs[%zu] has it too",
               m->path, where, m->jobs[json_integer_value (dup)].index);
    else
      json_object_set_new (ids, id, json_integer ((json_int_t) m->njobs));
    j->index = index;
    j->id = strdup (id);
    j->source = join_path (m->dir, source);
    j->output = join_path (m->dir, output);
    j->options = json_dumps (opts, JSON_COMPACT | JSON_SORT_KEYS);
    if (j->id && j->source && j->output && j->options) {
      m->njobs++;
      j = NULL;
    }
  }
  if (j) {
    /* Not kept: its place is the next job's. */
    free (j->id);
    free (j->source);
    free (j->output);
    free (j->options);
    free (j->problem);
    free (j->fix);
    memset (j, 0, sizeof *j);
  }
  json_decref (opts);
}

/* ---- outputs --------------------------------------------------------------
 *
 * Two jobs writing one file is the end of one of them: the second
 * replaces the first's finished disk.  So outputs are compared as files,
 * not as strings: "out/a.vhd", "out/./a.vhd", "out//a.vhd" and
 * "link-to-out/a.vhd" are one output (util/path.h).  An output must not
 * be a file any job reads either: its source (or the file a source
 * symlink names, or a part of split parts), or one of its parents. */

/* What a job reads, as a record in the READS map: "<job>:<what>". */
enum { READ_SOURCE = 's', READ_PARENT = 'p' };

static void
add_read (json_t *reads, const char *path, size_t job, int what)
{
  char rec[48], *id = fg_path_identity (path, NULL), real[PATH_MAX];

  snprintf (rec, sizeof rec, "%zu:%c", job, what);
  /* The first job that reads a file is the one a message names. */
  if (id && json_object_get (reads, id) == NULL)
    json_object_set_new (reads, id, json_string (rec));
  /* A symlink is read through: writing its target destroys the source. */
  if (realpath (path, real) && json_object_get (reads, real) == NULL)
    json_object_set_new (reads, real, json_string (rec));
  free (id);
}

/* Split parts NAME.0 .. NAME.N, named by the first part or by NAME: the
 * identity of NAME, or NULL for a source that is one file. */
static char *
parts_prefix (const char *source)
{
  size_t n = strlen (source);
  char *zero = NULL, *prefix = NULL;

  if (n > 2 && strcmp (source + n - 2, ".0") == 0) {
    char *p = strndup (source, n - 2);
    prefix = p ? fg_path_identity (p, NULL) : NULL;
    free (p);
  } else if (access (source, F_OK) != 0 &&
             asprintf (&zero, "%s.0", source) >= 0 &&
             access (zero, F_OK) == 0)
    prefix = fg_path_identity (source, NULL);
  free (zero);
  return prefix;
}

/* The job (and what of it) that reads the file ID, from READS or, for
 * NAME.<digits>, from PREFIXES; -1 if none. */
static long
reader_of (json_t *reads, json_t *prefixes, const char *id, int *what)
{
  const char *rec = json_string_value (json_object_get (reads, id));
  const char *dot = strrchr (id, '.');

  if (rec) {
    *what = rec[strcspn (rec, ":") + 1];
    return strtol (rec, NULL, 10);
  }
  if (dot && dot[1] && strspn (dot + 1, "0123456789") == strlen (dot + 1)) {
    char *prefix = strndup (id, (size_t) (dot - id));
    json_t *k = prefix ? json_object_get (prefixes, prefix) : NULL;
    free (prefix);
    if (k) {
      *what = READ_SOURCE;
      return (long) json_integer_value (k);
    }
  }
  return -1;
}

/* The output as the manifest spells it (it was joined to the folder). */
static const char *
as_given (const struct fg_manifest *m, const char *output)
{
  size_t n = strlen (m->dir);

  if (strncmp (output, m->dir, n) == 0 && output[n] == '/')
    return output + n + 1;
  return output;
}

static void
check_outputs (struct fg_manifest *m)
{
  json_t *outputs = json_object (), *reads = json_object ();
  json_t *prefixes = json_object ();
  char **ids = calloc (m->njobs + 1, sizeof *ids);

  if (outputs == NULL || reads == NULL || prefixes == NULL || ids == NULL)
    goto out;
  for (size_t k = 0; k < m->njobs; k++) {
    const struct fg_manifest_job *j = &m->jobs[k];
    json_t *opts = json_loads (j->options, 0, NULL), *p;
    char *prefix = parts_prefix (j->source);
    size_t i;

    add_read (reads, j->source, k, READ_SOURCE);
    if (prefix && json_object_get (prefixes, prefix) == NULL)
      json_object_set_new (prefixes, prefix, json_integer ((json_int_t) k));
    free (prefix);
    json_array_foreach (json_object_get (opts, "parents"), i, p)
      if (json_string_value (p))
        add_read (reads, json_string_value (p), k, READ_PARENT);
    json_decref (opts);
  }
  for (size_t k = 0; k < m->njobs; k++) {
    struct fg_manifest_job *j = &m->jobs[k];
    const char *given = as_given (m, j->output);
    struct fg_err e = FG_ERR_INIT;
    char where[256];
    json_t *dup;
    long r;
    int what = 0;

    where_text (where, sizeof where, "jobs", j->index, j->id);
    ids[k] = fg_path_identity (j->output, &e);
    if (ids[k] == NULL) {
      job_problem (m, j, where, "'output'", NULL, "'output' %s", e.msg);
      continue;
    }
    dup = json_object_get (outputs, ids[k]);
    if (dup) {
      const struct fg_manifest_job *o = &m->jobs[json_integer_value (dup)];
      problem (m, "'%s': %s: 'output' '%s' is also jobs[%zu] (%s)'s output",
               m->path, where, given, o->index, o->id);
    } else
      json_object_set_new (outputs, ids[k], json_integer ((json_int_t) k));
    r = reader_of (reads, prefixes, ids[k], &what);
    /* Over its own source or parent: that job alone would be harmed.
     * Over another job's: both are, and the manifest is wrong. */
    if (r == (long) k && what == READ_SOURCE)
      job_problem (m, j, where, "'output'", NULL, "'output' is the source "
                   "itself");
    else if (r == (long) k)
      job_problem (m, j, where, "'output'", NULL, "'output' '%s' is one of "
                   "its parents", given);
    else if (r >= 0)
      problem (m, "'%s': %s: 'output' '%s' is jobs[%zu] (%s)'s %s",
               m->path, where, given, m->jobs[r].index, m->jobs[r].id,
               what == READ_PARENT ? "parent" : "source");
  }
out:
  for (size_t k = 0; ids && k < m->njobs; k++)
    free (ids[k]);
  free (ids);
  json_decref (outputs);
  json_decref (reads);
  json_decref (prefixes);
}

int
fg_manifest_load (const char *path, struct fg_manifest *m, struct fg_err *e)
{
  json_error_t jerr;
  json_t *root = NULL, *jobs, *defaults, *v;
  const char *key;
  char *copy = NULL, real[PATH_MAX];
  FILE *f;
  size_t i;

  memset (m, 0, sizeof *m);
  m->path = strdup (path);
  copy = strdup (path);
  if (m->path == NULL || copy == NULL) {
    free (copy);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  }
  if (realpath (dirname (copy), real) == NULL)
    snprintf (real, sizeof real, ".");
  free (copy);
  m->dir = strdup (real);
  f = fopen (path, "re");
  if (f == NULL) {
    fg_err_errno (e, FG_E_INPUT, errno, "cannot open the manifest '%s'",
                  path);
    return -1;
  }
  root = json_loadf (f, JSON_REJECT_DUPLICATES, &jerr);
  fclose (f);
  if (root == NULL) {
    fg_err_set (e, FG_E_INPUT, "'%s': line %d, column %d: %s", path,
                jerr.line, jerr.column, jerr.text);
    fg_err_hint (e, "the manifest must be JSON as doc/manifest.schema.json "
                 "describes");
    return -1;
  }
  if (!json_is_object (root)) {
    problem (m, "'%s': the manifest must be a JSON object with a 'jobs' "
             "list", path);
    json_decref (root);
    return 0;
  }
  json_object_foreach (root, key, v)
    if (strcmp (key, "jobs") != 0 && strcmp (key, "defaults") != 0 &&
        strcmp (key, "version") != 0 && strcmp (key, "$schema") != 0 &&
        strcmp (key, "comment") != 0)
      problem (m, "'%s': unknown key '%s' (a manifest has 'version', "
               "'defaults' and 'jobs')", path, key);
  v = json_object_get (root, "version");
  if (v && !(json_is_integer (v) && json_integer_value (v) == 1))
    problem (m, "'%s': 'version' must be 1 (this fg2ng reads manifest "
             "version 1)", path);
  defaults = json_object ();
  if ((v = json_object_get (root, "defaults")) != NULL)
    check_options (m, NULL, "defaults", "", v, defaults);
  jobs = json_object_get (root, "jobs");
  if (!json_is_array (jobs) || json_array_size (jobs) == 0) {
    problem (m, "'%s': 'jobs' must be a non-empty list", path);
  } else {
    m->jobs = calloc (json_array_size (jobs), sizeof *m->jobs);
    if (m->jobs == NULL) {
      json_decref (defaults);
      json_decref (root);
      return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
    }
    json_t *ids = json_object ();
    json_array_foreach (jobs, i, v)
      check_job (m, i, v, defaults, ids);
    json_decref (ids);
    check_outputs (m);
  }
  json_decref (defaults);
  json_decref (root);
  return 0;
}

/* The source as convert will find it (source/parts.h): a file, a
 * folder, or split parts named by any part or by NAME, none of them
 * missing; and readable. */
static void
check_source (struct fg_manifest *m, struct fg_manifest_job *j,
              const char *where)
{
  enum fg_source_kind kind;
  struct fg_parts parts;
  struct fg_err e = FG_ERR_INIT;
  const char *unreadable = NULL;
  int err = 0;

  if (fg_parts_find (j->source, &kind, &parts, &e) < 0) {
    if (e.sys_errno == ENOENT)
      job_problem (m, j, where, "'source'", "put the image there",
                   "'source' '%s': %s", j->source, strerror (ENOENT));
    else
      job_problem (m, j, where, "'source'", e.hint[0] ? e.hint : NULL,
                   "'source' '%s': %s", j->source, e.msg);
    return;
  }
  if (kind == FG_SOURCE_FILE && access (j->source, R_OK) != 0) {
    err = errno;
    unreadable = j->source;
  }
  for (size_t i = 0; i < parts.count && unreadable == NULL; i++)
    if (access (parts.part[i].path, R_OK) != 0) {
      err = errno;
      unreadable = parts.part[i].path;
    }
  if (unreadable)
    job_problem (m, j, where, "'source'", "let this user read the image",
                 "'source' '%s': %s", unreadable, strerror (err));
  fg_parts_release (&parts);
}

/* The server record must be there, readable and JSON now, not hours into
 * the batch; what it says is convert's to judge (it names the field). */
static void
check_server_record (struct fg_manifest *m, struct fg_manifest_job *j,
                     const char *where, const char *path)
{
  struct stat st;
  json_error_t jerr;
  json_t *rec;
  int fd;

  if (path == NULL)
    return;
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    job_problem (m, j, where, "'server_record'", err == ENOENT ?
                 "put the server record there" : NULL,
                 "'server_record' '%s': %s", path, strerror (err));
    return;
  }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode)) {
    job_problem (m, j, where, "'server_record'", NULL,
                 "'server_record' '%s': not a file", path);
    close (fd);
    return;
  }
  rec = json_loadfd (fd, JSON_REJECT_DUPLICATES, &jerr);
  close (fd);
  if (rec == NULL)
    job_problem (m, j, where, "'server_record'", "fix the server record "
                 "(doc/server-record.schema.json)", "'server_record' '%s': "
                 "line %d, column %d: %s", path, jerr.line, jerr.column,
                 jerr.text);
  else if (!json_is_object (rec))
    job_problem (m, j, where, "'server_record'", "fix the server record "
                 "(doc/server-record.schema.json)", "'server_record' '%s': "
                 "not a JSON object", path);
  json_decref (rec);
}

void
fg_manifest_check_files (struct fg_manifest *m,
                         int (*skip) (const struct fg_manifest_job *, void *),
                         void *opaque)
{
  for (size_t i = 0; i < m->njobs; i++) {
    struct fg_manifest_job *j = &m->jobs[i];
    char where[256];
    json_t *opts, *parents, *p;
    size_t k;

    if (skip && skip (j, opaque))
      continue;
    where_text (where, sizeof where, "jobs", j->index, j->id);
    check_source (m, j, where);
    opts = json_loads (j->options, 0, NULL);
    parents = json_object_get (opts, "parents");
    json_array_foreach (parents, k, p)
      if (access (json_string_value (p), F_OK) != 0)
        job_problem (m, j, where, "'options.parents'", "put the parent "
                     "there", "'options.parents[%zu]' '%s': %s", k,
                     json_string_value (p), strerror (ENOENT));
    check_server_record (m, j, where,
                         json_string_value (json_object_get (opts,
                                                             "server_record")));
    json_decref (opts);
  }
}

void
fg_manifest_release (struct fg_manifest *m)
{
  for (size_t i = 0; i < m->njobs; i++) {
    free (m->jobs[i].id);
    free (m->jobs[i].source);
    free (m->jobs[i].output);
    free (m->jobs[i].options);
    free (m->jobs[i].problem);
    free (m->jobs[i].fix);
  }
  free (m->jobs);
  fg_problems_free (m->problems, m->nlisted);
  free (m->path);
  free (m->dir);
  memset (m, 0, sizeof *m);
}

void
fg_argv_free (char **argv)
{
  for (size_t i = 0; argv && argv[i]; i++)
    free (argv[i]);
  free (argv);
}

struct argv_buf {
  char **v;
  size_t n, cap;
  int oom;
};

static void
push (struct argv_buf *a, const char *s)
{
  if (a->oom)
    return;
  if (a->n + 2 > a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 32;
    char **bigger = realloc (a->v, cap * sizeof *bigger);
    if (bigger == NULL) {
      a->oom = 1;
      return;
    }
    a->v = bigger;
    a->cap = cap;
  }
  a->v[a->n] = strdup (s);
  if (a->v[a->n] == NULL) {
    a->oom = 1;
    return;
  }
  a->v[++a->n] = NULL;
}

char **
fg_manifest_convert_argv (const char *self, const char *source,
                          const char *output, const char *options_json,
                          int force, struct fg_err *e)
{
  struct argv_buf a = { NULL, 0, 0, 0 };
  json_t *opts = json_loads (options_json ? options_json : "{}", 0, NULL);

  if (!json_is_object (opts)) {
    json_decref (opts);
    fg_err_set (e, FG_E_INPUT, "the job's options are not a JSON object: %s",
                options_json);
    return NULL;
  }
  push (&a, self);
  push (&a, "convert");
  push (&a, "--json");
  /* JSON progress events on stderr: the batch shows them and keeps the
   * rest of stderr as the job's log. */
  push (&a, "--progress");
  push (&a, "json");
  /* In the table's order, not the object's: the same job always gives
   * the same command line. */
  for (size_t i = 0; i < NOPTIONS; i++) {
    const struct opt_def *d = &options[i];
    json_t *v = json_object_get (opts, d->key), *el;
    char num[32];
    size_t k;

    if (v == NULL)
      continue;
    switch (d->type) {
    case OT_BOOL:
      if (json_is_true (v))
        push (&a, d->flag);
      break;
    case OT_PATHS:
      json_array_foreach (v, k, el) {
        push (&a, d->flag);
        push (&a, json_string_value (el) ? json_string_value (el) : "");
      }
      break;
    case OT_SIZE:
    case OT_UINT:
    case OT_STRING:
    case OT_PATH:
      push (&a, d->flag);
      if (json_is_integer (v)) {
        snprintf (num, sizeof num, "%lld", (long long) json_integer_value (v));
        push (&a, num);
      } else
        push (&a, json_string_value (v) ? json_string_value (v) : "");
      break;
    }
  }
  if (force)
    push (&a, "--force");
  push (&a, "-o");
  push (&a, output);
  /* "--" so that a source named "-x" is not an option. */
  push (&a, "--");
  push (&a, source);
  json_decref (opts);
  if (a.oom) {
    fg_argv_free (a.v);
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "convert command line");
    return NULL;
  }
  return a.v;
}
