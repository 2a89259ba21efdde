/* agent/schedule.c --- the migration schedule, validated whole (see
 * schedule.h) */
#include "agent/schedule.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/event.h"
#include "net/record.h"
#include "util/path.h"
#include "util/problems.h"

/* Problems listed in full; the rest are counted. */
#define MAX_LISTED 50
/* A schedule of a whole region is a few MiB; more is a mistake. */
#define MAX_SCHEDULE (64u << 20)
#define MAX_RECORD (1u << 20)


/* Where this validator's problem lines go (util/problems.h). */
static struct fg_problems
problems_of (struct fg_schedule *s)
{
  return (struct fg_problems) { &s->problems, &s->nlisted, &s->nproblems, MAX_LISTED };
}

#define problem(s, ...) \
  ((void) fg_problems_add (problems_of (s), __VA_ARGS__))

int
fg_schedule_id_ok (const char *id)
{
  size_t n;

  if (id == NULL || id[0] == '.' || id[0] == '\0')
    return 0;
  n = strspn (id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
              "0123456789._-");
  return id[n] == '\0' && n <= FG_EVENT_ID_MAX;
}

static char *
resolve (const char *base_dir, const char *p)
{
  char *out = NULL;

  if (p[0] == '/')
    return strdup (p);
  if (asprintf (&out, "%s/%s", base_dir, p) < 0)
    return NULL;
  return out;
}

static int
read_file (const char *path, size_t max, char **out, size_t *len,
           char *why, size_t cap)
{
  FILE *f = fopen (path, "re");
  char *buf;
  size_t n;

  *out = NULL;
  if (f == NULL) {
    snprintf (why, cap, "'%s': %s", path, strerror (errno));
    return -1;
  }
  buf = malloc (max + 1);
  if (buf == NULL) {
    fclose (f);
    snprintf (why, cap, "'%s': out of memory", path);
    return -1;
  }
  n = fread (buf, 1, max + 1, f);
  if (ferror (f) || n > max) {
    snprintf (why, cap, "'%s': %s", path, ferror (f) ? strerror (errno)
              : "too large");
    fclose (f);
    free (buf);
    return -1;
  }
  fclose (f);
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

/* ---- server records (validated by net/record.c) ------------------------ */

/* F in the schedule's words: "'public.ipv4[0]' must be an address ...". */
static void
record_why (const struct fg_rec_fault *f, char *why, size_t cap)
{
  static const char *const said[] = {
    [FG_REC_NO_VERSION] = "missing 'version' (1)",
    [FG_REC_BAD_VERSION] = "'version' must be 1",
    [FG_REC_NO_NETWORK] = "has neither 'public' nor 'private': there are no "
                          "addresses to preserve",
    [FG_REC_NOMEM] = "out of memory",
  };
  const struct fg_rec_field *fl = f->field;

  if (f->kind == FG_REC_NOT_OBJECT && strcmp (f->key, "(top)") == 0)
    snprintf (why, cap, "must be an object (doc/server-record.schema.json)");
  else if (f->kind == FG_REC_NOT_OBJECT)
    snprintf (why, cap, "'%s' must be an object", f->key);
  else if (f->kind == FG_REC_UNKNOWN_KEY)
    snprintf (why, cap, "unknown key '%s' (%s)", f->key, strchr (f->key, '.')
              ? "a network has mac, ipv4, gateway, ipv6, gateway6"
              : "see doc/server-record.schema.json");
  else if (f->kind == FG_REC_CONTROL)
    snprintf (why, cap, "'%s' holds a control character", f->key);
  else if (f->kind == FG_REC_NOT_HOSTNAME)
    snprintf (why, cap, "'%s' '%.253s' is not a host name (letters, digits, "
              "'-' and '.')", f->key, f->value);
  else if (f->kind == FG_REC_BAD_LIST)
    snprintf (why, cap, "'%s' must be %s", f->key, fl->list);
  else if (f->kind == FG_REC_NOT_STRING || f->kind == FG_REC_BAD_LENGTH
           || f->kind == FG_REC_BAD_VALUE)
    snprintf (why, cap, "'%s' must be %s", f->key, fl->item);
  else
    snprintf (why, cap, "%s", said[f->kind] ? said[f->kind]
              : "out of memory");
}

/* Validate REC; its "server_id", when it has one, must be SERVER_ID's
 * (said first: the entry and its record disagree on what they are). */
static int
check_record (json_t *rec, const char *server_id, char *why, size_t cap)
{
  struct fg_server_record *r;
  struct fg_rec_fault f;
  json_t *id = json_object_get (rec, "server_id");

  if (server_id && json_is_string (id)
      && strcmp (json_string_value (id), server_id) != 0) {
    snprintf (why, cap, "'server_id' is '%.128s', not the entry's '%s'",
              json_string_value (id), server_id);
    return -1;
  }
  if (fg_server_record_parse (rec, &r, &f) < 0) {
    record_why (&f, why, cap);
    return -1;
  }
  fg_server_record_free (r);
  return 0;
}

int
fg_server_record_check (const char *json_text, const char *server_id,
                        char *why, size_t cap)
{
  json_error_t jerr;
  json_t *rec = json_loads (json_text, JSON_REJECT_DUPLICATES, &jerr);
  int rc;

  if (rec == NULL) {
    snprintf (why, cap, "not JSON: line %d column %d: %s", jerr.line,
              jerr.column, jerr.text);
    return -1;
  }
  rc = check_record (rec, server_id, why, cap);
  json_decref (rec);
  return rc;
}

/* ---- the schedule -------------------------------------------------------- */

static const char *const entry_keys[] = {
  "server_id", "window_start", "window_end", "source", "output", "flavor",
  "class", "server_record",
};
#define NENTRY_KEYS (sizeof entry_keys / sizeof entry_keys[0])

static void
server_release (struct fg_sched_server *v)
{
  free (v->server_id);
  free (v->source);
  free (v->output);
  free (v->flavor);
  free (v->server_class);
  free (v->record);
  memset (v, 0, sizeof *v);
}

/* A string member: 1 if present and a non-empty string, 0 if absent,
 * -1 (a problem listed) if of the wrong type. */
static int
get_string (struct fg_schedule *s, const char *where, json_t *o,
            const char *key, int required, const char **out)
{
  json_t *v = json_object_get (o, key);

  *out = NULL;
  if (v == NULL) {
    if (required)
      problem (s, "%s: missing '%s'", where, key);
    return required ? -1 : 0;
  }
  if (!json_is_string (v) || json_string_length (v) == 0 ||
      strlen (json_string_value (v)) != json_string_length (v)) {
    problem (s, "%s: '%s' must be a non-empty string", where, key);
    return -1;
  }
  *out = json_string_value (v);
  return 1;
}

static int
get_time (struct fg_schedule *s, const char *where, json_t *o,
          const char *key, double *t, char *text, size_t cap)
{
  const char *str;

  if (get_string (s, where, o, key, 1, &str) < 0)
    return -1;
  if (fg_rfc3339_parse (str, t) < 0) {
    problem (s, "%s: '%s' must be an RFC 3339 time such as "
             "2026-12-01T00:00:00Z, not '%.40s'", where, key, str);
    return -1;
  }
  fg_rfc3339_format (*t, text, cap);
  return 0;
}

static int
load_record (struct fg_schedule *s, const char *where, const char *base_dir,
             json_t *v, const char *server_id, char **out)
{
  char why[512];
  json_t *rec = NULL;

  *out = NULL;
  if (json_is_string (v)) {
    char *path = resolve (base_dir, json_string_value (v)), *text = NULL;
    size_t len;
    json_error_t jerr;
    if (path == NULL || read_file (path, MAX_RECORD, &text, &len, why,
                                   sizeof why) < 0) {
      problem (s, "%s: 'server_record': %s", where, path ? why
               : "out of memory");
      free (path);
      return -1;
    }
    rec = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
    free (text);
    if (rec == NULL) {
      problem (s, "%s: 'server_record' '%s': not JSON: line %d column %d: "
               "%s", where, path, jerr.line, jerr.column, jerr.text);
      free (path);
      return -1;
    }
    if (check_record (rec, server_id, why, sizeof why) < 0) {
      problem (s, "%s: 'server_record' '%s': %s", where, path, why);
      free (path);
      json_decref (rec);
      return -1;
    }
    free (path);
  } else if (json_is_object (v)) {
    if (check_record (v, server_id, why, sizeof why) < 0) {
      problem (s, "%s: 'server_record': %s", where, why);
      return -1;
    }
    rec = json_incref (v);
  } else {
    problem (s, "%s: 'server_record' must be an object "
             "(doc/server-record.schema.json) or the path of a file "
             "holding one", where);
    return -1;
  }
  *out = json_dumps (rec, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref (rec);
  return *out ? 0 : -1;
}

/* Every key of O that an entry does not have, a problem each; 1 if any. */
static int
unknown_keys (struct fg_schedule *s, const char *where, json_t *o)
{
  const char *key;
  json_t *val;
  int bad = 0;

  json_object_foreach (o, key, val) {
    size_t k;
    for (k = 0; k < NENTRY_KEYS && strcmp (key, entry_keys[k]) != 0; k++)
      ;
    if (k == NENTRY_KEYS) {
      problem (s, "%s: unknown key '%s'", where, key);
      bad = 1;
    }
  }
  return bad;
}

/* The window, start before end; 1 if it is bad. */
static int
parse_window (struct fg_schedule *s, const char *where, json_t *o,
              struct fg_sched_server *v)
{
  if (get_time (s, where, o, "window_start", &v->window_start,
                v->window_start_text, sizeof v->window_start_text) < 0 ||
      get_time (s, where, o, "window_end", &v->window_end,
                v->window_end_text, sizeof v->window_end_text) < 0)
    return 1;
  if (v->window_end <= v->window_start) {
    problem (s, "%s: 'window_end' (%s) must be after 'window_start' (%s)",
             where, v->window_end_text, v->window_start_text);
    return 1;
  }
  return 0;
}

/* "source", and "output" (default OUTPUT_DIR/ID.vhd); 1 if bad. */
static int
parse_paths (struct fg_schedule *s, const char *where, json_t *o,
             const char *base_dir, const char *output_dir, const char *id,
             struct fg_sched_server *v)
{
  const char *str;
  int bad = 0;

  if (get_string (s, where, o, "source", 1, &str) < 0)
    bad = 1;
  else if ((v->source = resolve (base_dir, str)) == NULL)
    bad = 1;
  switch (get_string (s, where, o, "output", 0, &str)) {
  case 1:
    v->output = resolve (base_dir, str);
    break;
  case 0:
    if (id && asprintf (&v->output, "%s/%s.vhd", output_dir, id) < 0)
      v->output = NULL;
    break;
  default:
    bad = 1;
  }
  return bad;
}

/* "flavor" and "class" (standard, general or io), both optional. */
static int
parse_size (struct fg_schedule *s, const char *where, json_t *o,
            struct fg_sched_server *v)
{
  const char *str;
  int bad = 0;

  if (get_string (s, where, o, "flavor", 0, &str) < 0)
    bad = 1;
  else if (str && (v->flavor = strdup (str)) == NULL)
    bad = 1;
  if (get_string (s, where, o, "class", 0, &str) < 0)
    bad = 1;
  else if (str) {
    if (strcmp (str, "standard") && strcmp (str, "general") &&
        strcmp (str, "io")) {
      problem (s, "%s: 'class' must be 'standard', 'general' or 'io', not "
               "'%.40s'", where, str);
      bad = 1;
    } else if ((v->server_class = strdup (str)) == NULL)
      bad = 1;
  }
  return bad;
}

static int
parse_entry (struct fg_schedule *s, size_t i, json_t *o,
             const char *base_dir, const char *output_dir,
             struct fg_sched_server *v)
{
  char where[200];
  const char *id = NULL, *str;
  json_t *val;
  int bad;

  memset (v, 0, sizeof *v);
  v->index = i;
  if (!json_is_object (o)) {
    problem (s, "servers[%zu]: must be an object", i);
    return -1;
  }
  val = json_object_get (o, "server_id");
  if (json_is_string (val) && fg_schedule_id_ok (json_string_value (val)))
    id = json_string_value (val);
  if (id)
    snprintf (where, sizeof where, "servers[%zu] (%s)", i, id);
  else
    snprintf (where, sizeof where, "servers[%zu]", i);
  bad = unknown_keys (s, where, o);
  if (id == NULL) {
    if (get_string (s, where, o, "server_id", 1, &str) == 1)
      problem (s, "%s: 'server_id' '%.140s' must be 1 to 128 letters, "
               "digits, '.', '_' or '-', not starting with '.'", where, str);
    bad = 1;
  }
  bad |= parse_window (s, where, o, v);
  bad |= parse_paths (s, where, o, base_dir, output_dir, id, v);
  bad |= parse_size (s, where, o, v);
  val = json_object_get (o, "server_record");
  if (val == NULL) {
    problem (s, "%s: missing 'server_record' (the addresses to preserve)",
             where);
    bad = 1;
  } else if (load_record (s, where, base_dir, val, id, &v->record) < 0)
    bad = 1;
  if (!bad && (v->output == NULL || v->source == NULL)) {
    problem (s, "%s: out of memory", where);
    bad = 1;
  }
  if (!bad && (v->server_id = strdup (id)) == NULL)
    bad = 1;
  if (bad) {
    server_release (v);
    return -1;
  }
  return 0;
}

static int
by_id (const void *a, const void *b)
{
  const struct fg_sched_server *x = a, *y = b;
  return strcmp (x->server_id, y->server_id);
}

/* ---- outputs as files --------------------------------------------------- */

/* Paths are compared as the files they name (util/path.h): out/a.vhd,
 * out/./a.vhd, out//a.vhd and link-to-out/a.vhd are one output.  A
 * source may be split in parts, NAME.0 .. NAME.N beside NAME: an output
 * must be none of those either. */
struct ident {
  const struct fg_sched_server *v;
  char *out;                  /* the output's identity; NULL: unusable */
  char *src;                  /* the source's identity; NULL: unknown */
  size_t stem;                /* length of SRC without a ".N" suffix */
  const struct ident *twin;   /* the first server with the same output */
};

/* The length of P without a trailing ".N" (N decimal digits). */
static size_t
part_stem (const char *p)
{
  size_t n = strlen (p), k = n;

  while (k > 0 && p[k - 1] >= '0' && p[k - 1] <= '9')
    k--;
  return k < n && k > 1 && p[k - 1] == '.' ? k - 1 : n;
}

static int
cmp_len (const char *a, size_t alen, const char *b, size_t blen)
{
  int c = memcmp (a, b, alen < blen ? alen : blen);
  return c ? c : (alen > blen) - (alen < blen);
}

static int
by_out (const void *a, const void *b)
{
  const struct ident *x = *(const struct ident *const *) a;
  const struct ident *y = *(const struct ident *const *) b;
  int c = strcmp (x->out, y->out);
  return c ? c : (x->v->index > y->v->index) - (x->v->index < y->v->index);
}

static int
by_index (const void *a, const void *b)
{
  const struct ident *x = *(const struct ident *const *) a;
  const struct ident *y = *(const struct ident *const *) b;
  return (x->v->index > y->v->index) - (x->v->index < y->v->index);
}

static int
by_src (const void *a, const void *b)
{
  const struct ident *x = *(const struct ident *const *) a;
  const struct ident *y = *(const struct ident *const *) b;
  int c = strcmp (x->src, y->src);
  return c ? c : (x->v->index > y->v->index) - (x->v->index < y->v->index);
}

static int
by_stem (const void *a, const void *b)
{
  const struct ident *x = *(const struct ident *const *) a;
  const struct ident *y = *(const struct ident *const *) b;
  int c = cmp_len (x->src, x->stem, y->src, y->stem);
  return c ? c : (x->v->index > y->v->index) - (x->v->index < y->v->index);
}

/* The first server other than SELF, in order of index, whose source (or,
 * with STEM, whose source's stem) is KEY (KLEN bytes) in SORTED (N
 * entries); NULL if none. */
static const struct ident *
find_source (struct ident **sorted, size_t n, const char *key, size_t klen,
             int stem, const struct ident *self)
{
  size_t lo = 0, hi = n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct ident *m = sorted[mid];
    if (cmp_len (m->src, stem ? m->stem : strlen (m->src), key, klen) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (; lo < n; lo++) {
    const struct ident *m = sorted[lo];
    if (cmp_len (m->src, stem ? m->stem : strlen (m->src), key, klen) != 0)
      break;
    if (m != self)
      return m;
  }
  return NULL;
}

/* Two servers writing one file, or an output that is a source (its own or
 * another's, or one of its parts): each a problem. */
static void
check_outputs (struct fg_schedule *s)
{
  struct ident *ids = calloc (s->n + 1, sizeof *ids);
  struct ident **outs = calloc (s->n + 1, sizeof *outs);
  struct ident **srcs = calloc (s->n + 1, sizeof *srcs);
  struct ident **stems = calloc (s->n + 1, sizeof *stems);
  size_t i, nout = 0, nsrc = 0;

  if (ids == NULL || outs == NULL || srcs == NULL || stems == NULL) {
    problem (s, "'%s': out of memory", s->path);
    goto out;
  }
  for (i = 0; i < s->n; i++) {
    struct ident *d = &ids[i];
    struct fg_err e = FG_ERR_INIT;
    d->v = &s->servers[i];
    d->out = fg_path_identity (d->v->output, &e);
    if (d->out == NULL)
      problem (s, "servers[%zu] (%s): 'output': %s", d->v->index,
               d->v->server_id, e.msg);
    else
      outs[nout++] = d;
    /* A source that names a folder of parts has no identity as a file:
     * only files are compared. */
    d->src = fg_path_identity (d->v->source, NULL);
    if (d->src) {
      d->stem = part_stem (d->src);
      srcs[nsrc] = stems[nsrc] = d;
      nsrc++;
    }
  }
  qsort (outs, nout, sizeof *outs, by_out);
  for (i = 1; i < nout; i++)
    if (strcmp (outs[i]->out, outs[i - 1]->out) == 0)
      outs[i]->twin = outs[i - 1]->twin ? outs[i - 1]->twin : outs[i - 1];
  qsort (srcs, nsrc, sizeof *srcs, by_src);
  qsort (stems, nsrc, sizeof *stems, by_stem);

  /* In the order of the file, one problem per output. */
  qsort (outs, nout, sizeof *outs, by_index);
  for (i = 0; i < nout; i++) {
    const struct ident *d = outs[i], *o;
    const struct fg_sched_server *v = d->v;
    size_t len = strlen (d->out), stem = part_stem (d->out);

    if (d->twin) {
      problem (s, "servers[%zu] (%s): 'output' '%s' is also servers[%zu] "
               "(%s)'s", v->index, v->server_id, v->output,
               d->twin->v->index, d->twin->v->server_id);
    } else if (d->src && strcmp (d->out, d->src) == 0)
      problem (s, "servers[%zu] (%s): 'output' '%s' is its own 'source'",
               v->index, v->server_id, v->output);
    else if (d->src && stem < len &&
             cmp_len (d->out, stem, d->src, d->stem) == 0)
      problem (s, "servers[%zu] (%s): 'output' '%s' is a part of its own "
               "'source'", v->index, v->server_id, v->output);
    else if ((o = find_source (srcs, nsrc, d->out, len, 0, d)) != NULL)
      problem (s, "servers[%zu] (%s): 'output' '%s' is the 'source' of "
               "servers[%zu] (%s)", v->index, v->server_id, v->output,
               o->v->index, o->v->server_id);
    else if (stem < len &&
             (o = find_source (stems, nsrc, d->out, stem, 1, d)) != NULL)
      problem (s, "servers[%zu] (%s): 'output' '%s' is a part of the "
               "'source' of servers[%zu] (%s)", v->index, v->server_id,
               v->output, o->v->index, o->v->server_id);
  }
out:
  for (i = 0; ids && i < s->n; i++) {
    free (ids[i].out);
    free (ids[i].src);
  }
  free (ids);
  free (outs);
  free (srcs);
  free (stems);
}

int
fg_schedule_parse (const char *text, size_t len, const char *name,
                   const char *base_dir, const char *output_dir,
                   struct fg_schedule *s, struct fg_err *e)
{
  json_error_t jerr;
  json_t *root, *servers, *v;
  const char *key;
  size_t i;

  memset (s, 0, sizeof *s);
  if ((s->path = strdup (name)) == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", name);
  root = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    fg_err_set (e, FG_E_INPUT, "'%s': line %d column %d: %s", name,
                jerr.line, jerr.column, jerr.text);
    fg_err_hint (e, "the schedule must be JSON (doc/schedule.schema.json)");
    return -1;
  }
  if (!json_is_object (root)) {
    problem (s, "'%s': must be a JSON object with 'version' and 'servers'",
             name);
    json_decref (root);
    return 0;
  }
  json_object_foreach (root, key, v)
    if (strcmp (key, "version") && strcmp (key, "servers"))
      problem (s, "'%s': unknown key '%s'", name, key);
  v = json_object_get (root, "version");
  if (v == NULL || !json_is_integer (v) || json_integer_value (v) != 1)
    problem (s, "'%s': 'version' must be 1", name);
  servers = json_object_get (root, "servers");
  if (!json_is_array (servers)) {
    problem (s, "'%s': 'servers' must be a list", name);
    json_decref (root);
    return 0;
  }
  s->servers = calloc (json_array_size (servers) + 1, sizeof *s->servers);
  if (s->servers == NULL) {
    json_decref (root);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", name);
  }
  json_array_foreach (servers, i, v)
    if (parse_entry (s, i, v, base_dir, output_dir, &s->servers[s->n]) == 0)
      s->n++;
  json_decref (root);

  /* Duplicates: the same server twice, or two servers writing one file. */
  qsort (s->servers, s->n, sizeof *s->servers, by_id);
  for (i = 1; i < s->n; i++)
    if (strcmp (s->servers[i].server_id, s->servers[i - 1].server_id) == 0)
      problem (s, "servers[%zu] (%s): duplicate server_id: servers[%zu] has "
               "it too", s->servers[i].index > s->servers[i - 1].index
               ? s->servers[i].index : s->servers[i - 1].index,
               s->servers[i].server_id, s->servers[i].index <
               s->servers[i - 1].index ? s->servers[i].index
               : s->servers[i - 1].index);
  check_outputs (s);
  return 0;
}

int
fg_schedule_load (const char *path, const char *output_dir,
                  struct fg_schedule *s, struct fg_err *e)
{
  char why[PATH_MAX + 128], *text = NULL, *copy, *real;
  size_t len;
  int rc;

  memset (s, 0, sizeof *s);
  if (read_file (path, MAX_SCHEDULE, &text, &len, why, sizeof why) < 0) {
    fg_err_set (e, FG_E_INPUT, "%s", why);
    fg_err_hint (e, "the schedule file is named by 'schedule' in the "
                 "agent's configuration");
    return -1;
  }
  real = realpath (path, NULL);
  copy = real ? strdup (real) : NULL;
  if (copy == NULL) {
    free (text);
    free (real);
    return fg_err_errno (e, FG_E_IO, errno, "'%s'", path);
  }
  rc = fg_schedule_parse (text, len, path, dirname (copy), output_dir, s, e);
  free (copy);
  free (real);
  free (text);
  return rc;
}

void
fg_schedule_check_files (struct fg_schedule *s)
{
  for (size_t i = 0; i < s->n; i++) {
    const struct fg_sched_server *v = &s->servers[i];
    struct stat st;
    char *parts = NULL, *copy;

    if (stat (v->source, &st) < 0) {
      int err = errno;
      if (asprintf (&parts, "%s.0", v->source) < 0 ||
          stat (parts, &st) < 0)
        problem (s, "servers[%zu] (%s): 'source' '%s': %s", v->index,
                 v->server_id, v->source, strerror (err));
      free (parts);
    }
    copy = strdup (v->output);
    if (copy) {
      const char *dir = dirname (copy);
      if (stat (dir, &st) < 0 || !S_ISDIR (st.st_mode))
        problem (s, "servers[%zu] (%s): 'output' '%s': its folder does not "
                 "exist", v->index, v->server_id, v->output);
      free (copy);
    }
  }
}

const struct fg_sched_server *
fg_schedule_find (const struct fg_schedule *s, const char *server_id)
{
  struct fg_sched_server key;

  if (s == NULL || s->n == 0 || server_id == NULL)
    return NULL;
  memset (&key, 0, sizeof key);
  key.server_id = (char *) server_id;
  return bsearch (&key, s->servers, s->n, sizeof key, by_id);
}

void
fg_schedule_release (struct fg_schedule *s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->n; i++)
    server_release (&s->servers[i]);
  free (s->servers);
  fg_problems_free (s->problems, s->nlisted);
  free (s->path);
  memset (s, 0, sizeof *s);
}
