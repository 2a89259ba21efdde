/* facts/profile.c --- read one distro profile into struct fg_profile
 *
 * Every object of a profile is read by a small function that knows its
 * keys: a key it does not know is refused, so a typo is an error naming
 * the file and the key, never a fact silently left out.  Messages are
 * set without the file; fg_profile_parse puts "profile 'FILE'" before
 * them.
 */
#include "facts/profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const ir_keys[FG_IR_NKEYS] = {
  [FG_IR_TOOL] = "tool", [FG_IR_MODULES_FILE] = "modules_file",
  [FG_IR_MODULES_FORMAT] = "modules_format", [FG_IR_NOTE] = "note",
  [FG_IR_MODULES] = "modules", [FG_IR_ALIASES] = "aliases",
  [FG_IR_REBUILD] = "rebuild",
};

static int
oom (struct fg_err *e)
{
  return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "reading a profile");
}

/* Every key of object O (at PATH: "" or "boot.") is one of NAMES. */
static int
only_keys (json_t *o, const char *path, const char *const *names,
           struct fg_err *e)
{
  const char *k;
  json_t *v;

  json_object_foreach (o, k, v) {
    size_t i = 0;
    while (names[i] && strcmp (names[i], k) != 0)
      i++;
    if (names[i] == NULL)
      return fg_err_set (e, FG_E_INTERNAL, "unknown key '%s%s' (a typo? "
                         "facts/profile.h lists the keys a profile has)",
                         path, k);
  }
  return 0;
}

/* V (KEY, for the message) is of type T. */
static int
want (json_t *v, json_type t, const char *key, struct fg_err *e)
{
  static const char *const names[] = { "object", "array", "string",
                                       "integer", "real", "true", "false",
                                       "null" };
  if (v && json_typeof (v) == t)
    return 0;
  return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be a%s %s", key,
                     t == JSON_ARRAY || t == JSON_OBJECT ? "n" : "",
                     names[t]);
}

static int
take_str (json_t *v, char **out, struct fg_err *e)
{
  *out = strdup (json_string_value (v));
  return *out ? 0 : oom (e);
}

/* String KEY of O (FULL names it), into *OUT; absent: NULL unless
 * REQUIRED. */
static int
get_str (json_t *o, const char *key, const char *full, int required,
         char **out, struct fg_err *e)
{
  json_t *v = json_object_get (o, key);

  if (v == NULL && !required)
    return 0;
  if (want (v, JSON_STRING, full, e) < 0)
    return -1;
  return take_str (v, out, e);
}

static int
get_bool (json_t *o, const char *key, const char *full, int *out,
          struct fg_err *e)
{
  json_t *v = json_object_get (o, key);

  if (v == NULL)
    return 0;
  if (!json_is_boolean (v))
    return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be true or false",
                       full);
  *out = json_is_true (v);
  return 0;
}

/* The list of strings V (KEY) into S. */
static int
take_strv (json_t *v, const char *key, struct fg_strv *s, struct fg_err *e)
{
  size_t i;
  json_t *x;

  if (!json_is_array (v))
    return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be a list of "
                       "strings", key);
  s->v = calloc (json_array_size (v) + 1, sizeof *s->v);
  if (s->v == NULL)
    return oom (e);
  json_array_foreach (v, i, x) {
    if (!json_is_string (x))
      return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be a list of "
                         "strings", key);
    if (take_str (x, &s->v[i], e) < 0)
      return -1;
    s->n = i + 1;
  }
  return 0;
}

static int
get_strv (json_t *o, const char *key, const char *full, int required,
          struct fg_strv *s, struct fg_err *e)
{
  json_t *v = json_object_get (o, key);

  if (v == NULL && !required)
    return 0;
  if (want (v, JSON_ARRAY, full, e) < 0)
    return -1;
  return take_strv (v, full, s, e);
}

/* A path the fixups edit: relative to the root. */
static int
check_path (const char *path, const char *key, struct fg_err *e)
{
  if (path == NULL || path[0] == '\0' || path[0] == '/')
    return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be a path relative "
                       "to the root (\"etc/fstab\")", key);
  return 0;
}

static int
check_paths (const struct fg_strv *s, const char *key, struct fg_err *e)
{
  char k[128];

  for (size_t i = 0; i < s->n; i++) {
    snprintf (k, sizeof k, "%s[%zu]", key, i);
    if (check_path (s->v[i], k, e) < 0)
      return -1;
  }
  return 0;
}

/* ---- initramfs ----------------------------------------------------------- */

static int
ir_aliases (json_t *v, const char *key, struct fg_ir_values *out,
            struct fg_err *e)
{
  const char *k;
  json_t *x;

  if (!json_is_object (v))
    return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be an object "
                       "(alias name: module)", key);
  out->aliases = calloc (json_object_size (v) + 1, sizeof *out->aliases);
  if (out->aliases == NULL)
    return oom (e);
  json_object_foreach (v, k, x) {
    struct fg_alias *a = &out->aliases[out->naliases];
    if (!json_is_string (x))
      return fg_err_set (e, FG_E_INTERNAL, "key '%s.%s' must be a module "
                         "name", key, k);
    out->naliases++;
    if ((a->name = strdup (k)) == NULL || take_str (x, &a->module, e) < 0)
      return oom (e);
  }
  return 0;
}

static int
ir_format (json_t *v, const char *key, struct fg_ir_values *out,
           struct fg_err *e)
{
  const char *s = json_string_value (v);

  if (s && (strcmp (s, "lines") == 0 || strcmp (s, "dracut") == 0 ||
            strcmp (s, "modprobe-alias") == 0 ||
            (strncmp (s, "shell-var:", 10) == 0 && s[10])))
    return take_str (v, &out->modules_format, e);
  return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be \"lines\" "
                     "(initramfs-tools), \"dracut\" (a conf.d file of "
                     "fg2ng's), \"modprobe-alias\" (mkinitrd's modprobe.conf) "
                     "or \"shell-var:NAME\" (mkinitcpio, SUSE mkinitrd), "
                     "not %s", key, s ? s : "a non-string");
}

/* Value V of "initramfs" key number K (KEY names it) into OUT. */
static int
ir_value (int k, json_t *v, const char *key, struct fg_ir_values *out,
          struct fg_err *e)
{
  out->given |= 1u << k;
  switch (k) {
  case FG_IR_MODULES:
  case FG_IR_REBUILD:
    {
      struct fg_strv *s = k == FG_IR_MODULES ? &out->modules : &out->rebuild;
      if (!json_is_array (v) || take_strv (v, key, s, e) < 0 ||
          (k == FG_IR_REBUILD && s->n == 0)) {
        fg_err_clear (e);
        return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be a%s list of "
                           "strings", key,
                           k == FG_IR_REBUILD ? " non-empty" : "");
      }
      return 0;
    }
  case FG_IR_MODULES_FILE:
    if (json_is_null (v))
      return 0;
    if (check_path (json_string_value (v), key, e) < 0)
      return -1;
    return take_str (v, &out->modules_file, e);
  case FG_IR_MODULES_FORMAT:
    return ir_format (v, key, out, e);
  case FG_IR_ALIASES:
    return ir_aliases (v, key, out, e);
  default:                    /* tool, note */
    if (!json_is_string (v))
      return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be a string", key);
    return take_str (v, k == FG_IR_TOOL ? &out->tool : &out->note, e);
  }
}

/* The values of release MAJOR, added when new. */
static struct fg_ir_values *
ir_major (struct fg_profile *p, const char *major)
{
  struct fg_ir_major *m;

  for (size_t i = 0; i < p->initramfs.nmajor; i++)
    if (strcmp (p->initramfs.by_major[i].major, major) == 0)
      return &p->initramfs.by_major[i].v;
  m = realloc (p->initramfs.by_major,
               (p->initramfs.nmajor + 1) * sizeof *m);
  if (m == NULL)
    return NULL;
  p->initramfs.by_major = m;
  m += p->initramfs.nmajor;
  memset (m, 0, sizeof *m);
  if ((m->major = strdup (major)) == NULL)
    return NULL;
  p->initramfs.nmajor++;
  return &m->v;
}

/* "KEY_by_major": {"5": value, ...} (FULL names it). */
static int
ir_by_major (struct fg_profile *p, int k, json_t *v, const char *full,
             struct fg_err *e)
{
  const char *major;
  json_t *x;

  if (!json_is_object (v))
    return fg_err_set (e, FG_E_INTERNAL, "key '%s' must be an object "
                       "(major version: value)", full);
  json_object_foreach (v, major, x) {
    char k2[200];
    struct fg_ir_values *m = ir_major (p, major);
    if (m == NULL)
      return oom (e);
    snprintf (k2, sizeof k2, "%s.%s", full, major);
    if (ir_value (k, x, k2, m, e) < 0)
      return -1;
  }
  return 0;
}

static int
ir_key (const char *name, size_t len)
{
  for (int k = 0; k < FG_IR_NKEYS; k++)
    if (strlen (ir_keys[k]) == len && strncmp (ir_keys[k], name, len) == 0)
      return k;
  return -1;
}

static int
parse_initramfs (json_t *ir, struct fg_profile *p, struct fg_err *e)
{
  const unsigned file = 1u << FG_IR_MODULES_FILE,
    format = 1u << FG_IR_MODULES_FORMAT;
  const char *key;
  json_t *v;

  if (want (json_object_get (ir, "modules"), JSON_ARRAY,
            "initramfs.modules", e) < 0 ||
      want (json_object_get (ir, "rebuild"), JSON_ARRAY,
            "initramfs.rebuild", e) < 0)
    return -1;
  json_object_foreach (ir, key, v) {
    char full[160];
    size_t n = strlen (key);
    int by = n > 9 && strcmp (key + n - 9, "_by_major") == 0;
    int k = ir_key (key, by ? n - 9 : n);
    snprintf (full, sizeof full, "initramfs.%s", key);
    if (k < 0)
      return fg_err_set (e, FG_E_INTERNAL, "key '%s' is not one fg2ng "
                         "knows (tool, modules_file, modules_format, "
                         "modules, aliases, rebuild, note, or one of them "
                         "_by_major)", full);
    if (by ? ir_by_major (p, k, v, full, e) < 0
        : ir_value (k, v, full, &p->initramfs.base, e) < 0)
      return -1;
  }
  if ((p->initramfs.base.given & file) && !(p->initramfs.base.given & format))
    return fg_err_set (e, FG_E_INTERNAL, "key 'initramfs.modules_format' is "
                       "needed with 'initramfs.modules_file'");
  return 0;
}

/* ---- the other objects ----------------------------------------------------- */

static int
parse_boot (json_t *b, struct fg_profile *p, struct fg_err *e)
{
  static const char *const keys[] = { "configs", "console", "root",
                                      "cmdline_add", NULL };
  if (want (b, JSON_OBJECT, "boot", e) < 0 ||
      only_keys (b, "boot.", keys, e) < 0 ||
      get_strv (b, "configs", "boot.configs", 1, &p->boot.configs, e) < 0 ||
      get_str (b, "console", "boot.console", 1, &p->boot.console, e) < 0 ||
      get_str (b, "root", "boot.root", 1, &p->boot.root, e) < 0)
    return -1;
  if (strcmp (p->boot.root, "uuid") != 0 && strcmp (p->boot.root, "label") != 0)
    return fg_err_set (e, FG_E_INTERNAL, "key 'boot.root' must be \"uuid\" "
                       "or \"label\"");
  if (get_strv (b, "cmdline_add", "boot.cmdline_add", 0, &p->boot.cmdline_add,
                e) < 0)
    return -1;
  return check_paths (&p->boot.configs, "boot.configs", e);
}

static int
parse_fstab (json_t *f, struct fg_profile *p, struct fg_err *e)
{
  static const char *const keys[] = { "root", "drop_missing_devices", NULL };

  if (want (f, JSON_OBJECT, "fstab", e) < 0 ||
      only_keys (f, "fstab.", keys, e) < 0 ||
      get_str (f, "root", "fstab.root", 1, &p->fstab.root, e) < 0 ||
      get_bool (f, "drop_missing_devices", "fstab.drop_missing_devices",
                &p->fstab.drop_missing_devices, e) < 0)
    return -1;
  return 0;
}

static int
parse_network (json_t *n, struct fg_profile *p, struct fg_err *e)
{
  static const char *const keys[] = { "renderer", "files", NULL };

  if (want (n, JSON_OBJECT, "network", e) < 0 ||
      only_keys (n, "network.", keys, e) < 0 ||
      get_str (n, "renderer", "network.renderer", 1, &p->network.renderer,
               e) < 0 ||
      get_strv (n, "files", "network.files", 0, &p->network.files, e) < 0)
    return -1;
  return 0;
}

/* The optional getty and securetty objects. */
static int
parse_console (json_t *j, struct fg_profile *p, struct fg_err *e)
{
  static const char *const st_keys[] = { "file", "add", NULL };
  static const char *const job_keys[] = { "file", "text", NULL };
  json_t *st = json_object_get (j, "securetty");
  json_t *job = json_object_get (j, "getty_job");

  if (get_str (j, "inittab_getty", "inittab_getty", 0, &p->inittab_getty,
               e) < 0)
    return -1;
  if (st && (want (st, JSON_OBJECT, "securetty", e) < 0 ||
             only_keys (st, "securetty.", st_keys, e) < 0 ||
             get_str (st, "file", "securetty.file", 1, &p->securetty.file,
                      e) < 0 ||
             check_path (p->securetty.file, "securetty.file", e) < 0 ||
             get_strv (st, "add", "securetty.add", 0, &p->securetty.add,
                       e) < 0))
    return -1;
  if (job && (want (job, JSON_OBJECT, "getty_job", e) < 0 ||
              only_keys (job, "getty_job.", job_keys, e) < 0 ||
              get_str (job, "file", "getty_job.file", 1, &p->getty_job.file,
                       e) < 0 ||
              check_path (p->getty_job.file, "getty_job.file", e) < 0 ||
              get_str (job, "text", "getty_job.text", 1, &p->getty_job.text,
                       e) < 0))
    return -1;
  return 0;
}

/* A detection-only profile ("convert": false, Windows): what it is and
 * why it does not convert. */
static int
parse_detect_only (json_t *j, struct fg_profile *p, struct fg_err *e)
{
  if (!json_is_string (json_object_get (j, "family")) ||
      !json_is_array (json_object_get (j, "distros")) ||
      !json_is_string (json_object_get (j, "reason")))
    return fg_err_set (e, FG_E_INTERNAL, "a profile with \"convert\": false "
                       "needs 'family', 'distros' and 'reason'");
  if (json_is_true (json_object_get (j, "tested")))
    return fg_err_set (e, FG_E_INTERNAL, "key 'tested' cannot be true with "
                       "\"convert\": false");
  if (get_str (j, "family", "family", 1, &p->family, e) < 0 ||
      get_strv (j, "distros", "distros", 1, &p->distros, e) < 0 ||
      get_str (j, "reason", "reason", 1, &p->reason, e) < 0 ||
      get_str (j, "flavor_mapping", "flavor_mapping", 0, &p->flavor_mapping,
               e) < 0 ||
      get_bool (j, "tested", "tested", &p->tested, e) < 0)
    return -1;
  return 0;
}

/* A profile that converts: the keys in the order they are checked. */
static int
parse_converting (json_t *j, struct fg_profile *p, struct fg_err *e)
{
  /* Whether the family's conversion is tested decides, with the profile
   * itself, whether its base images are supported (plan/plan.c). */
  if (!json_is_boolean (json_object_get (j, "tested")))
    return fg_err_set (e, FG_E_INTERNAL, "key 'tested' must be true or "
                       "false (is the conversion of this family tested?)");
  p->tested = json_is_true (json_object_get (j, "tested"));
  if (get_str (j, "family", "family", 1, &p->family, e) < 0 ||
      get_strv (j, "distros", "distros", 1, &p->distros, e) < 0 ||
      parse_boot (json_object_get (j, "boot"), p, e) < 0 ||
      parse_fstab (json_object_get (j, "fstab"), p, e) < 0 ||
      get_strv (j, "remove", "remove", 1, &p->remove, e) < 0 ||
      check_paths (&p->remove, "remove", e) < 0 ||
      want (json_object_get (j, "initramfs"), JSON_OBJECT, "initramfs",
            e) < 0 ||
      parse_initramfs (json_object_get (j, "initramfs"), p, e) < 0 ||
      parse_network (json_object_get (j, "network"), p, e) < 0 ||
      get_str (j, "filesystem", "filesystem", 1, &p->filesystem, e) < 0)
    return -1;
  if (strcmp (p->filesystem, "ext4") != 0 && strcmp (p->filesystem, "ext3") != 0)
    return fg_err_set (e, FG_E_INTERNAL, "key 'filesystem' must be \"ext4\" "
                       "or \"ext3\"");
  if (get_str (j, "ext4_min_kernel", "ext4_min_kernel", 0,
               &p->ext4_min_kernel, e) < 0 ||
      parse_console (j, p, e) < 0)
    return -1;
  return 0;
}

int
fg_profile_parse (json_t *j, const char *file, struct fg_profile *p,
                  struct fg_err *e)
{
  static const char *const keys[] = {
    "_comment", "family", "distros", "tested", "convert", "reason",
    "flavor_mapping", "boot", "fstab", "remove", "securetty",
    "inittab_getty", "getty_job", "initramfs", "network", "filesystem",
    "ext4_min_kernel", NULL
  };
  int rc;

  memset (p, 0, sizeof *p);
  p->convert = 1;
  if ((p->file = strdup (file)) == NULL)
    return oom (e);
  rc = json_is_object (j) ? 0 : fg_err_set (e, FG_E_INTERNAL, "a profile "
                                            "must be a JSON object");
  if (rc == 0)
    rc = only_keys (j, "", keys, e);
  if (rc == 0)
    rc = get_bool (j, "convert", "convert", &p->convert, e);
  if (rc == 0)
    rc = p->convert ? parse_converting (j, p, e) : parse_detect_only (j, p, e);
  if (rc < 0) {
    fg_err_prefix (e, "profile '%s'", file);
    fg_profile_release (p);
  }
  return rc;
}

/* ---- reading it --------------------------------------------------------- */

void
fg_profile_initramfs (const struct fg_profile *p, const char *major,
                      struct fg_initramfs_facts *out)
{
  const struct fg_ir_values *b = &p->initramfs.base, *m = NULL, *v[FG_IR_NKEYS];

  for (size_t i = 0; major && i < p->initramfs.nmajor; i++)
    if (strcmp (p->initramfs.by_major[i].major, major) == 0)
      m = &p->initramfs.by_major[i].v;
  for (int k = 0; k < FG_IR_NKEYS; k++)
    v[k] = m && (m->given & (1u << k)) ? m : b;
  out->tool = v[FG_IR_TOOL]->tool;
  out->modules_file = v[FG_IR_MODULES_FILE]->modules_file;
  out->modules_format = v[FG_IR_MODULES_FORMAT]->modules_format;
  out->note = v[FG_IR_NOTE]->note;
  out->modules = &v[FG_IR_MODULES]->modules;
  out->rebuild = &v[FG_IR_REBUILD]->rebuild;
  out->aliases = v[FG_IR_ALIASES]->aliases;
  out->naliases = v[FG_IR_ALIASES]->naliases;
}

static void
strv_free (struct fg_strv *s)
{
  for (size_t i = 0; s->v && i < s->n; i++)
    free (s->v[i]);
  free (s->v);
  s->v = NULL;
  s->n = 0;
}

static void
ir_free (struct fg_ir_values *v)
{
  free (v->tool);
  free (v->modules_file);
  free (v->modules_format);
  free (v->note);
  strv_free (&v->modules);
  strv_free (&v->rebuild);
  for (size_t i = 0; i < v->naliases; i++) {
    free (v->aliases[i].name);
    free (v->aliases[i].module);
  }
  free (v->aliases);
}

void
fg_profile_release (struct fg_profile *p)
{
  if (p == NULL)
    return;
  free (p->file);
  free (p->family);
  strv_free (&p->distros);
  free (p->reason);
  free (p->flavor_mapping);
  strv_free (&p->boot.configs);
  strv_free (&p->boot.cmdline_add);
  free (p->boot.console);
  free (p->boot.root);
  free (p->fstab.root);
  strv_free (&p->remove);
  free (p->securetty.file);
  strv_free (&p->securetty.add);
  free (p->inittab_getty);
  free (p->getty_job.file);
  free (p->getty_job.text);
  ir_free (&p->initramfs.base);
  for (size_t i = 0; i < p->initramfs.nmajor; i++) {
    free (p->initramfs.by_major[i].major);
    ir_free (&p->initramfs.by_major[i].v);
  }
  free (p->initramfs.by_major);
  free (p->network.renderer);
  strv_free (&p->network.files);
  free (p->filesystem);
  free (p->ext4_min_kernel);
  memset (p, 0, sizeof *p);
}
