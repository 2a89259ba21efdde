/* fixups/fixups.c --- fstab, boot configuration, udev rules, console */
#include "fixups/fixups.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fixups/diff.h"
#include "net/netrender.h"
#include "inspect/inspect.h"
#include "net/netcfg.h"
#include "facts/profiles.h"

struct change {
  char *path;
  int removed, created;
  char *diff;
};

struct fg_fixups {
  json_t *profile;
  char *profile_file;
  char *uuid, *fs_type;
  struct change *ch;
  size_t nch, cap;
  const struct fg_net_plan *net;
  struct fg_net_render render;  /* the network files, when re-rendered,
                                   and the other files the fixups write
                                   whole (getty job, dracut drivers) */
  unsigned char *seen;          /* per render.v[]: given to apply */
  /* The initramfs, as this release's tool has it (the profile's
   * "initramfs", its "*_by_major" entries resolved; owned by PROFILE). */
  const char *tool;             /* "dracut", "mkinitrd", ... or NULL */
  const char *mfile;            /* the configuration it reads, or NULL */
  const char *mfmt;             /* how the modules are written there */
  const char *note;             /* what the profile says of it, or NULL */
  json_t *aliases;              /* modprobe-alias: alias name -> module */
  json_t *modules;              /* the initramfs must hold these */
  json_t *rebuild;              /* the guest's command that rebuilds it */
  const char **rebuild_argv;
  int decided, rebuild_run;     /* fg_fixups_decide_initramfs */
  char *rebuild_why;
};

struct text {
  char *s;
  size_t len, cap;
};

static void
put (struct text *t, const char *p, size_t n)
{
  if (t->len + n + 1 > t->cap) {
    size_t ncap = (t->cap + n + 1) * 2;
    char *ns = realloc (t->s, ncap);
    if (ns == NULL)
      return;
    t->s = ns;
    t->cap = ncap;
  }
  memcpy (t->s + t->len, p, n);
  t->len += n;
  t->s[t->len] = '\0';
}

static void
puts_ (struct text *t, const char *s)
{
  put (t, s, strlen (s));
}

static json_t *pget (const struct fg_fixups *fx, const char *a,
                     const char *b);
static int check_profile (const struct fg_fixups *fx, struct fg_err *e);
static int initramfs_plan (struct fg_fixups *fx, const char *major);
static int generated_files (struct fg_fixups *fx);
static char *edit_modules (const struct fg_fixups *fx, const char *data);
static char *append_lines (const char *data, json_t *lines,
                           const char *single);

int
fg_fixups_new (struct fg_fixups **out, const struct fg_fixup_facts *f,
               struct fg_err *e)
{
  struct fg_fixups *fx;
  char *file = NULL;
  json_t *p;

  *out = NULL;
  p = fg_profile_for_distro (f->distro, &file, e);
  if (p == NULL) {
    if (fg_err_is_set (e))
      return -1;
    fg_warn ("no profile for '%s' in profiles/: the disk is written "
             "without next-gen fixups", f->distro ? f->distro : "an unknown OS");
    return 0;
  }
  if (json_is_false (json_object_get (p, "convert"))) {
    fg_err_set (e, FG_E_UNSUPPORTED, "%s (profiles/%s)",
                json_string_value (json_object_get (p, "reason")), file);
    json_decref (p);
    free (file);
    return -1;
  }
  fx = calloc (1, sizeof *fx);
  if (fx == NULL || (fx->uuid = strdup (f->fs_uuid)) == NULL ||
      (fx->fs_type = strdup (f->fs_type)) == NULL) {
    fg_fixups_free (fx);
    json_decref (p);
    free (file);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "fixups");
  }
  fx->profile = p;
  fx->profile_file = file;
  fx->net = f->net;
  if (check_profile (fx, e) < 0) {
    fg_fixups_free (fx);
    return -1;
  }
  if (f->net && f->net->render) {
    const char *r = json_string_value (pget (fx, "network", "renderer"));
    if (r == NULL || !fg_net_renderer_known (r)) {
      fg_err_set (e, FG_E_INTERNAL, "profile '%s': key 'network.renderer': "
                  "'%s' is not a renderer fg2ng has", file, r ? r : "");
      fg_fixups_free (fx);
      return -1;
    }
    if (fg_net_render (r, &f->net->net, f->files, &fx->render, e) < 0) {
      fg_fixups_free (fx);
      return -1;
    }
  }
  if (initramfs_plan (fx, f->major) < 0 || generated_files (fx) < 0 ||
      (fx->seen = calloc (fx->render.n + 1, 1)) == NULL) {
    fg_fixups_free (fx);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "fixups");
  }
  *out = fx;
  return 0;
}

/* The profile's "initramfs" KEY for this release: "KEY_by_major"'s
 * entry for MAJOR wins over KEY (NULL: neither; a JSON null: none). */
static json_t *
ir_get (const struct fg_fixups *fx, const char *key, const char *major)
{
  json_t *ir = pget (fx, "initramfs", NULL);
  char bm[64];

  snprintf (bm, sizeof bm, "%s_by_major", key);
  if (major) {
    json_t *v = json_object_get (json_object_get (ir, bm), major);
    if (v)
      return v;
  }
  return json_object_get (ir, key);
}

/* The tool, its configuration file, the modules and the rebuild command
 * for this release. */
static int
initramfs_plan (struct fg_fixups *fx, const char *major)
{
  json_t *m = ir_get (fx, "modules", major);
  json_t *r = ir_get (fx, "rebuild", major);
  json_t *x;
  size_t i;

  fx->tool = json_string_value (ir_get (fx, "tool", major));
  fx->mfile = json_string_value (ir_get (fx, "modules_file", major));
  fx->mfmt = json_string_value (ir_get (fx, "modules_format", major));
  if (fx->mfmt == NULL)
    fx->mfmt = "lines";
  fx->note = json_string_value (ir_get (fx, "note", major));
  fx->aliases = ir_get (fx, "aliases", major);
  fx->modules = json_incref (m);
  fx->rebuild = json_incref (r);
  fx->rebuild_argv = calloc (json_array_size (r) + 1, sizeof *fx->rebuild_argv);
  if (fx->rebuild_argv == NULL)
    return -1;
  json_array_foreach (r, i, x)
    fx->rebuild_argv[i] = json_string_value (x);
  return 0;
}

/* ---- the profile, checked when it is loaded --------------------------- */

static int
check_path (const struct fg_fixups *fx, const char *key, json_t *v,
            struct fg_err *e)
{
  const char *path = json_string_value (v);

  if (path == NULL || path[0] == '\0' || path[0] == '/')
    return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s' must be a "
                       "path relative to the root (\"etc/fstab\")",
                       fx->profile_file, key);
  if (!fg_inspect_keeps (path))
    return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s': '%s' is "
                       "a file inspection does not keep (inspect/inspect.c, "
                       "fg_inspect_keep): the dry run could not show its "
                       "edit", fx->profile_file, key, path);
  return 0;
}

static int
check_paths (const struct fg_fixups *fx, const char *key, json_t *arr,
             struct fg_err *e)
{
  char k[128];
  size_t i;
  json_t *x;

  json_array_foreach (arr, i, x) {
    snprintf (k, sizeof k, "%s[%zu]", key, i);
    if (check_path (fx, k, x, e) < 0)
      return -1;
  }
  return 0;
}

static int
strings (json_t *arr)
{
  size_t i;
  json_t *x;

  if (!json_is_array (arr))
    return 0;
  json_array_foreach (arr, i, x)
    if (!json_is_string (x))
      return 0;
  return 1;
}

/* One value of the "initramfs" object (KEY names it for the message). */
static int
check_ir_value (const struct fg_fixups *fx, const char *base, const char *key,
                json_t *v, struct fg_err *e)
{
  const char *file = fx->profile_file, *s = json_string_value (v);

  if (strcmp (base, "modules") == 0 || strcmp (base, "rebuild") == 0) {
    if (!strings (v) || (strcmp (base, "rebuild") == 0 &&
                         json_array_size (v) == 0))
      return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s' must be "
                         "a%s list of strings", file, key,
                         strcmp (base, "rebuild") == 0 ? " non-empty" : "");
    return 0;
  }
  if (strcmp (base, "modules_file") == 0)
    return json_is_null (v) ? 0 : check_path (fx, key, v, e);
  if (strcmp (base, "modules_format") == 0) {
    if (s && (strcmp (s, "lines") == 0 || strcmp (s, "dracut") == 0 ||
              strcmp (s, "modprobe-alias") == 0 ||
              (strncmp (s, "shell-var:", 10) == 0 && s[10])))
      return 0;
    return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s' must be "
                       "\"lines\" (initramfs-tools), \"dracut\" (a conf.d "
                       "file of fg2ng's), \"modprobe-alias\" (mkinitrd's "
                       "modprobe.conf) or \"shell-var:NAME\" (mkinitcpio, "
                       "SUSE mkinitrd), not %s", file, key,
                       s ? s : "a non-string");
  }
  if (strcmp (base, "aliases") == 0) {
    const char *k;
    json_t *x;
    if (!json_is_object (v))
      return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s' must be "
                         "an object (alias name: module)", file, key);
    json_object_foreach (v, k, x)
      if (!json_is_string (x))
        return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s.%s' "
                           "must be a module name", file, key, k);
    return 0;
  }
  if (strcmp (base, "tool") == 0 || strcmp (base, "note") == 0) {
    if (!json_is_string (v))
      return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s' must be "
                         "a string", file, key);
    return 0;
  }
  return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s' is not one "
                     "fg2ng knows (tool, modules_file, modules_format, "
                     "modules, aliases, rebuild, note, or one of them "
                     "_by_major)", file, key);
}

/* Every file the profile names is one inspection keeps, and the
 * "initramfs" object (with its "*_by_major" entries, for every release)
 * is well formed: a profile is refused whole when it is loaded, before
 * anything is shown or written. */
static int
check_profile (const struct fg_fixups *fx, struct fg_err *e)
{
  json_t *ir = pget (fx, "initramfs", NULL), *v;
  const char *key;

  if (check_paths (fx, "boot.configs", pget (fx, "boot", "configs"), e) < 0 ||
      check_paths (fx, "remove", pget (fx, "remove", NULL), e) < 0 ||
      (pget (fx, "securetty", "file") &&
       check_path (fx, "securetty.file", pget (fx, "securetty", "file"),
                   e) < 0) ||
      (pget (fx, "getty_job", NULL) &&
       check_path (fx, "getty_job.file",
                   json_object_get (pget (fx, "getty_job", NULL), "file"),
                   e) < 0))
    return -1;
  json_object_foreach (ir, key, v) {
    char base[64], full[160];
    size_t n = strlen (key);
    snprintf (full, sizeof full, "initramfs.%s", key);
    if (n > 9 && strcmp (key + n - 9, "_by_major") == 0) {
      const char *major;
      json_t *x;
      snprintf (base, sizeof base, "%.*s", (int) (n - 9), key);
      if (!json_is_object (v))
        return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s' must "
                           "be an object (major version: value)",
                           fx->profile_file, full);
      json_object_foreach (v, major, x) {
        char k2[200];
        snprintf (k2, sizeof k2, "%s.%s", full, major);
        if (check_ir_value (fx, base, k2, x, e) < 0)
          return -1;
      }
    } else if (check_ir_value (fx, key, full, v, e) < 0)
      return -1;
  }
  if (json_object_get (ir, "modules_format") == NULL &&
      json_object_get (ir, "modules_file"))
    return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key "
                       "'initramfs.modules_format' is needed with "
                       "'initramfs.modules_file'", fx->profile_file);
  return 0;
}

/* Append a file the fixups write whole (created if the image lacks it). */
static int
add_generated (struct fg_fixups *fx, const char *path, const char *text)
{
  struct fg_net_out *v = realloc (fx->render.v,
                                  (fx->render.n + 1) * sizeof *v);
  if (v == NULL)
    return -1;
  fx->render.v = v;
  v[fx->render.n].path = strdup (path);
  v[fx->render.n].text = strdup (text);
  if (v[fx->render.n].path == NULL || v[fx->render.n].text == NULL) {
    free (v[fx->render.n].path);
    free (v[fx->render.n].text);
    return -1;
  }
  fx->render.n++;
  return 0;
}

static char *edit_modprobe (const struct fg_fixups *fx, const char *data);

static int
generated_files (struct fg_fixups *fx)
{
  json_t *job = pget (fx, "getty_job", NULL);

  if (json_is_object (job) &&
      add_generated (fx, json_string_value (json_object_get (job, "file")),
                     json_string_value (json_object_get (job, "text"))) < 0)
    return -1;
  if (fx->mfile == NULL)
    return 0;
  /* dracut reads drivers from a conf.d file of its own: fg2ng's. */
  if (strcmp (fx->mfmt, "dracut") == 0) {
    struct text t = { 0 };
    size_t i;
    json_t *x;
    int rc;
    puts_ (&t, "# The Xen drivers next-gen boots from (fg2ng)\nadd_drivers+=\" ");
    json_array_foreach (fx->modules, i, x) {
      puts_ (&t, json_string_value (x));
      puts_ (&t, " ");
    }
    puts_ (&t, "\"\n");
    if (t.s == NULL)
      return -1;
    rc = add_generated (fx, fx->mfile, t.s);
    free (t.s);
    return rc;
  }
  /* mkinitrd (EL5) takes the block driver from modprobe.conf's
   * scsi_hostadapter aliases, and the network's from ethN: made when the
   * guest has none, else edited (fg_fixups_apply). */
  if (strcmp (fx->mfmt, "modprobe-alias") == 0) {
    char *text = edit_modprobe (fx, "");
    int rc = text ? add_generated (fx, fx->mfile, text) : -1;
    free (text);
    return rc;
  }
  return 0;
}

const char *const *
fg_fixups_initramfs_command (const struct fg_fixups *fx)
{
  return fx ? (const char *const *) fx->rebuild_argv : NULL;
}

json_t *
fg_fixups_initramfs_modules (const struct fg_fixups *fx)
{
  return fx ? fx->modules : NULL;
}

/* "2.6.32-5-amd64" < "2.6.28"?  Numeric fields, up to the first that is
 * not a number. */
static int
kernel_older (const char *v, const char *min)
{
  while (*v && *min) {
    char *ev, *em;
    unsigned long a = strtoul (v, &ev, 10), b = strtoul (min, &em, 10);
    if (ev == v || em == min)
      break;
    if (a != b)
      return a < b;
    v = ev;
    min = em;
    if (*v != '.' || *min != '.')
      break;
    v++;
    min++;
  }
  return 0;
}

const char *
fg_fixups_choose_fs (const char *distro, const char *const *kernels, size_t n,
                     struct fg_err *e)
{
  char *file = NULL;
  json_t *p = fg_profile_for_distro (distro, &file, e);
  const char *fs, *min;
  static const char ext3[] = "ext3", ext4[] = "ext4";
  const char *out = NULL;

  free (file);
  if (p == NULL)
    return NULL;
  fs = json_string_value (json_object_get (p, "filesystem"));
  min = json_string_value (json_object_get (p, "ext4_min_kernel"));
  out = fs && strcmp (fs, "ext3") == 0 ? ext3 : ext4;
  for (size_t i = 0; min && out == ext4 && i < n; i++)
    if (kernels[i] && kernel_older (kernels[i], min))
      out = ext3;
  json_decref (p);
  return out;
}

int
fg_fixups_set_fs (struct fg_fixups *fx, const char *fs_uuid,
                  const char *fs_type)
{
  char *u = strdup (fs_uuid), *t = strdup (fs_type);

  if (u == NULL || t == NULL) {
    free (u);
    free (t);
    return -1;
  }
  free (fx->uuid);
  free (fx->fs_type);
  fx->uuid = u;
  fx->fs_type = t;
  return 0;
}

void
fg_fixups_set_net (struct fg_fixups *fx, const struct fg_net_plan *net)
{
  if (fx)
    fx->net = net;
}

void
fg_fixups_free (struct fg_fixups *fx)
{
  if (fx == NULL)
    return;
  for (size_t i = 0; i < fx->nch; i++) {
    free (fx->ch[i].path);
    free (fx->ch[i].diff);
  }
  free (fx->ch);
  fg_net_render_release (&fx->render);
  free (fx->seen);
  json_decref (fx->modules);
  json_decref (fx->rebuild);
  free (fx->rebuild_argv);
  free (fx->rebuild_why);
  json_decref (fx->profile);
  free (fx->profile_file);
  free (fx->uuid);
  free (fx->fs_type);
  free (fx);
}

const char *
fg_fixups_profile (const struct fg_fixups *fx)
{
  return fx ? fx->profile_file : NULL;
}

static int
listed (json_t *arr, const char *path)
{
  size_t i;
  json_t *x;

  json_array_foreach (arr, i, x)
    if (json_is_string (x) && strcmp (json_string_value (x), path) == 0)
      return 1;
  return 0;
}

static json_t *
pget (const struct fg_fixups *fx, const char *a, const char *b)
{
  json_t *j = json_object_get (fx->profile, a);
  return b ? json_object_get (j, b) : j;
}

static int
is (const char *path, json_t *name)
{
  return json_is_string (name) && strcmp (path, json_string_value (name)) == 0;
}

int
fg_fixups_touches (const struct fg_fixups *fx, const char *path)
{
  if (fx == NULL)
    return 0;
  return fg_net_render_find (&fx->render, path) != NULL ||
    (fx->mfile && strcmp (path, fx->mfile) == 0) ||
    strcmp (path, "etc/fstab") == 0 ||
    listed (pget (fx, "boot", "configs"), path) ||
    listed (pget (fx, "remove", NULL), path) ||
    is (path, pget (fx, "securetty", "file")) ||
    (strcmp (path, "etc/inittab") == 0 && pget (fx, "inittab_getty", NULL));
}

/* ---- the edits ------------------------------------------------------------ */

/* A device that will not exist on the one-partition next-gen disk. */
static int
other_disk_device (const char *dev)
{
  static const char *const prefixes[] = { "/dev/sd", "/dev/xvd", "/dev/hd",
                                          "/dev/vd", NULL };
  for (int i = 0; prefixes[i]; i++) {
    size_t n = strlen (prefixes[i]);
    if (strncmp (dev, prefixes[i], n) == 0 && isalpha ((unsigned char) dev[n]))
      return !(dev[n] == 'a' && strcmp (dev + n + 1, "1") == 0);
  }
  return 0;
}

static char *
edit_fstab (const struct fg_fixups *fx, const char *data)
{
  struct text t = { 0 };
  int drop = json_is_true (pget (fx, "fstab", "drop_missing_devices"));

  for (const char *p = data; *p; ) {
    const char *nl = strchr (p, '\n');
    size_t n = nl ? (size_t) (nl - p) + 1 : strlen (p);
    char *line = strndup (p, n), *save = NULL, *copy = strndup (p, n);
    char *dev = NULL, *mnt = NULL, *type = NULL, *rest = NULL;

    p += n;
    if (line == NULL || copy == NULL) {
      free (line);
      free (copy);
      break;
    }
    dev = strtok_r (copy, " \t\n", &save);
    mnt = dev ? strtok_r (NULL, " \t\n", &save) : NULL;
    type = mnt ? strtok_r (NULL, " \t\n", &save) : NULL;
    rest = type ? save : NULL;
    if (dev && dev[0] != '#' && mnt && type && strcmp (mnt, "/") == 0) {
      const char *tail;
      while (rest && (*rest == ' ' || *rest == '\t'))
        rest++;
      /* The options and the rest of the line as they were, however long
       * (a fixed buffer cut them, and a cut option fails the mount). */
      tail = rest && *rest ? rest : "defaults\t0\t1\n";
      puts_ (&t, "UUID=");
      puts_ (&t, fx->uuid);
      puts_ (&t, "\t/\t");
      puts_ (&t, fx->fs_type);
      puts_ (&t, "\t");
      puts_ (&t, tail);
      if (tail[strlen (tail) - 1] != '\n')
        puts_ (&t, "\n");
    } else if (drop && dev && dev[0] != '#' && mnt && other_disk_device (dev)) {
      puts_ (&t, "# fg2ng: not on the next-gen disk: ");
      puts_ (&t, line);
    } else
      puts_ (&t, line);
    free (line);
    free (copy);
  }
  return t.s ? t.s : strdup (data);
}

/* A kernel command line: root= by UUID, console=<console> present. */
static void
edit_cmdline (const struct fg_fixups *fx, struct text *t, const char *args,
              size_t n)
{
  const char *console = json_string_value (pget (fx, "boot", "console"));
  int has_console = 0, has_root = 0;

  for (size_t i = 0; i < n; ) {
    size_t j = i;
    while (j < n && args[j] != ' ' && args[j] != '\t')
      j++;
    if (j > i) {
      if (j - i >= 5 && strncmp (args + i, "root=", 5) == 0) {
        puts_ (t, "root=UUID=");
        puts_ (t, fx->uuid);
        has_root = 1;
      } else {
        if (console && j - i == 8 + strlen (console) &&
            strncmp (args + i, "console=", 8) == 0 &&
            strncmp (args + i + 8, console, strlen (console)) == 0)
          has_console = 1;
        put (t, args + i, j - i);
      }
    }
    while (j < n && (args[j] == ' ' || args[j] == '\t'))
      put (t, args + j++, 1);
    i = j;
  }
  if (!has_root) {
    puts_ (t, " root=UUID=");
    puts_ (t, fx->uuid);
  }
  if (console && !has_console) {
    puts_ (t, " console=");
    puts_ (t, console);
  }
  /* Words the profile adds (net.ifnames=0 keeps eth0/eth1: systemd's
   * predictable names would make them enX0/enX1 on XenServer). */
  {
    json_t *add = pget (fx, "boot", "cmdline_add"), *x;
    size_t i;
    json_array_foreach (add, i, x) {
      const char *w = json_string_value (x);
      size_t wl = w ? strlen (w) : 0;
      int present = 0;
      for (size_t k = 0; w && k + wl <= n; k++)
        if (strncmp (args + k, w, wl) == 0 &&
            (k == 0 || args[k - 1] == ' ' || args[k - 1] == '\t') &&
            (k + wl == n || args[k + wl] == ' ' || args[k + wl] == '\t'))
          present = 1;
      if (w && !present) {
        puts_ (t, " ");
        puts_ (t, w);
      }
    }
  }
}

static char *
edit_boot (const struct fg_fixups *fx, const char *data)
{
  struct text t = { 0 };

  for (const char *p = data; *p; ) {
    const char *nl = strchr (p, '\n');
    size_t n = nl ? (size_t) (nl - p) : strlen (p);
    const char *q = p;
    size_t lead, word;

    while (q < p + n && (*q == ' ' || *q == '\t'))
      q++;
    lead = (size_t) (q - p);
    word = 0;
    while (q + word < p + n && !isspace ((unsigned char) q[word]))
      word++;
    /* grub legacy "kernel /vmlinuz-X args", grub2 "linux /vmlinuz-X args" */
    if ((word == 6 && strncmp (q, "kernel", 6) == 0) ||
        (word == 5 && strncmp (q, "linux", 5) == 0) ||
        (word == 7 && strncmp (q, "linux16", 7) == 0)) {
      const char *img = q + word, *args;
      while (img < p + n && isspace ((unsigned char) *img))
        img++;
      args = img;
      while (args < p + n && !isspace ((unsigned char) *args))
        args++;
      put (&t, p, (size_t) (args - p));
      put (&t, " ", 1);
      while (args < p + n && isspace ((unsigned char) *args))
        args++;
      edit_cmdline (fx, &t, args, (size_t) (p + n - args));
    } else
      put (&t, p, n);
    (void) lead;
    if (nl)
      put (&t, "\n", 1);
    p += n + (nl ? 1 : 0);
  }
  return t.s ? t.s : strdup (data);
}

/* The initramfs modules into the file the guest's tool reads them from:
 * "lines" (initramfs-tools: one per line), "shell-var:NAME" (mkinitcpio
 * MODULES="...", SUSE INITRD_MODULES="..."): the words are added to the
 * last assignment of NAME, or a new one; "modprobe-alias" (EL5 mkinitrd's
 * modprobe.conf). */
static char *
edit_modules (const struct fg_fixups *fx, const char *data)
{
  const char *fmt = fx->mfmt;
  struct text t = { 0 };
  size_t i;
  json_t *x;

  if (strcmp (fmt, "lines") == 0)
    return append_lines (data, fx->modules, NULL);
  if (strcmp (fmt, "modprobe-alias") == 0)
    return edit_modprobe (fx, data);
  if (strncmp (fmt, "shell-var:", 10) == 0) {
    const char *var = fmt + 10;
    size_t vl = strlen (var);
    const char *last = NULL;
    for (const char *p = data; p && *p;) {
      const char *q = p + strspn (p, " \t");
      if (strncmp (q, var, vl) == 0 && q[vl] == '=')
        last = q;
      p = strchr (p, '\n');
      p = p ? p + 1 : NULL;
    }
    if (last) {
      const char *v = last + vl + 1;
      char quote = (*v == '"' || *v == '\'' || *v == '(') ? *v : 0;
      const char *end = quote ? strchr (v + 1, quote == '(' ? ')' : quote)
        : v + strcspn (v, " \t\n");
      if (end == NULL)
        return strdup (data);
      /* An unquoted value is quoted: the words added make it a list. */
      put (&t, data, (size_t) (v - data));
      if (!quote)
        puts_ (&t, "\"");
      put (&t, v, (size_t) (end - v));
      json_array_foreach (fx->modules, i, x) {
        size_t ml = strlen (json_string_value (x));
        const char *hit = strstr (v, json_string_value (x));
        if (hit && hit < end && (hit == v || hit[-1] == ' ' ||
                                 hit[-1] == quote) &&
            (hit[ml] == ' ' || hit + ml == end || hit[ml] == '"'))
          continue;
        /* No space after the opening quote of an empty value. */
        if (t.len && t.s[t.len - 1] != '"' && t.s[t.len - 1] != '\'' &&
            t.s[t.len - 1] != '(' && t.s[t.len - 1] != ' ')
          puts_ (&t, " ");
        puts_ (&t, json_string_value (x));
      }
      if (!quote)
        puts_ (&t, "\"");
      puts_ (&t, end);
      return t.s ? t.s : strdup (data);
    }
    puts_ (&t, data);
    if (t.len && t.s[t.len - 1] != '\n')
      puts_ (&t, "\n");
    puts_ (&t, var);
    puts_ (&t, "=\"");
    json_array_foreach (fx->modules, i, x) {
      if (i)
        puts_ (&t, " ");
      puts_ (&t, json_string_value (x));
    }
    puts_ (&t, "\"\n");
    return t.s ? t.s : strdup (data);
  }
  return strdup (data);
}

/* The module an "alias NAME MODULE" line of modprobe.conf gives NAME
 * (copied into MOD), or 0 if LINE is no such line. */
static int
alias_line (const char *line, size_t n, char *name, size_t ncap, char *mod,
            size_t mcap)
{
  char buf[512];
  char *save = NULL, *w, *a, *b;

  if (n >= sizeof buf)
    return 0;
  memcpy (buf, line, n);
  buf[n] = '\0';
  w = strtok_r (buf, " \t", &save);
  a = w ? strtok_r (NULL, " \t", &save) : NULL;
  b = a ? strtok_r (NULL, " \t", &save) : NULL;
  if (w == NULL || strcmp (w, "alias") != 0 || a == NULL || b == NULL)
    return 0;
  snprintf (name, ncap, "%s", a);
  snprintf (mod, mcap, "%s", b);
  return 1;
}

/* modprobe.conf with the profile's aliases.  mkinitrd puts the module of
 * every "alias scsi_hostadapter*" into the initrd: the Xen block driver
 * is added as the next free one (the others stay).  Any other alias
 * (eth0) names one module: another module's line is commented out. */
static char *
edit_modprobe (const struct fg_fixups *fx, const char *data)
{
  static const char hba[] = "scsi_hostadapter";
  struct text t = { 0 };
  const char *want_name;
  json_t *want;

  /* The lines as they are, other modules' aliases commented out. */
  for (const char *p = data; *p; ) {
    const char *nl = strchr (p, '\n');
    size_t n = nl ? (size_t) (nl - p) : strlen (p);
    char name[128], mod[128];
    const char *q = p + strspn (p, " \t");
    int drop = 0;
    if (alias_line (q, n - (size_t) (q - p), name, sizeof name, mod,
                    sizeof mod) && strncmp (name, hba, sizeof hba - 1) != 0) {
      const char *m = json_string_value (json_object_get (fx->aliases, name));
      drop = m && strcmp (m, mod) != 0;
    }
    if (drop)
      puts_ (&t, "# fg2ng, for next-gen: ");
    put (&t, p, n);
    puts_ (&t, "\n");
    p += n + (nl ? 1 : 0);
  }
  json_object_foreach (fx->aliases, want_name, want) {
    const char *m = json_string_value (want);
    int have = 0, taken[32] = { 0 };
    int numbered = strcmp (want_name, hba) == 0;
    for (const char *p = data; *p; ) {
      const char *nl = strchr (p, '\n');
      size_t n = nl ? (size_t) (nl - p) : strlen (p);
      char name[128], mod[128];
      const char *q = p + strspn (p, " \t");
      if (alias_line (q, n - (size_t) (q - p), name, sizeof name, mod,
                      sizeof mod)) {
        if (numbered && strncmp (name, hba, sizeof hba - 1) == 0) {
          const char *num = name + sizeof hba - 1;
          int k = *num ? atoi (num) : 0;
          if (k >= 0 && k < 32)
            taken[k] = 1;
          if (strcmp (mod, m) == 0)
            have = 1;
        } else if (!numbered && strcmp (name, want_name) == 0 &&
                   strcmp (mod, m) == 0)
          have = 1;
      }
      p += n + (nl ? 1 : 0);
    }
    if (have)
      continue;
    puts_ (&t, "alias ");
    puts_ (&t, want_name);
    if (numbered) {
      int k = 0;
      while (k < 31 && taken[k])
        k++;
      if (k) {
        char num[8];
        snprintf (num, sizeof num, "%d", k);
        puts_ (&t, num);
      }
    }
    puts_ (&t, " ");
    puts_ (&t, m);
    puts_ (&t, "\n");
  }
  return t.s ? t.s : strdup (data);
}

static int
has_line (const char *data, const char *line)
{
  size_t n = strlen (line);
  for (const char *p = data; p && *p; ) {
    const char *nl = strchr (p, '\n');
    size_t len = nl ? (size_t) (nl - p) : strlen (p);
    if (len == n && strncmp (p, line, n) == 0)
      return 1;
    p = nl ? nl + 1 : NULL;
  }
  return 0;
}

static char *
append_lines (const char *data, json_t *lines, const char *single)
{
  struct text t = { 0 };
  size_t i;
  json_t *x;

  puts_ (&t, data);
  if (t.len && t.s[t.len - 1] != '\n')
    puts_ (&t, "\n");
  if (single && !strstr (data, "hvc0")) {
    puts_ (&t, single);
    puts_ (&t, "\n");
  }
  json_array_foreach (lines, i, x)
    if (json_is_string (x) && !has_line (data, json_string_value (x))) {
      puts_ (&t, json_string_value (x));
      puts_ (&t, "\n");
    }
  return t.s ? t.s : strdup (data);
}

static int
record (struct fg_fixups *fx, const char *path, int removed, char *diff)
{
  if (fx->nch == fx->cap) {
    size_t ncap = fx->cap ? fx->cap * 2 : 8;
    struct change *n = realloc (fx->ch, ncap * sizeof *n);
    if (n == NULL) {
      free (diff);
      return -1;
    }
    fx->ch = n;
    fx->cap = ncap;
  }
  fx->ch[fx->nch].path = strdup (path);
  fx->ch[fx->nch].removed = removed;
  fx->ch[fx->nch].created = 0;
  fx->ch[fx->nch].diff = diff;
  fx->nch++;
  return 0;
}

enum fg_fix
fg_fixups_apply (struct fg_fixups *fx, const char *path, const char *data,
                 size_t len, char **out, size_t *outlen)
{
  char *text, *edited = NULL;

  *out = NULL;
  *outlen = 0;
  if (fx == NULL || !fg_fixups_touches (fx, path))
    return FG_FIX_KEEP;
  text = strndup (data, len);
  if (text == NULL)
    return FG_FIX_KEEP;
  /* The initramfs configuration fg2ng makes when the guest has none
   * (modprobe.conf) is edited when it has one. */
  if (fx->mfile && strcmp (path, fx->mfile) == 0 &&
      strcmp (fx->mfmt, "dracut") != 0) {
    const struct fg_net_out *o = fg_net_render_find (&fx->render, path);
    if (o)
      fx->seen[o - fx->render.v] = 1;
    edited = edit_modules (fx, text);
    goto done;
  }
  {
    const struct fg_net_out *o = fg_net_render_find (&fx->render, path);
    if (o) {
      fx->seen[o - fx->render.v] = 1;
      if (o->text == NULL) {
        record (fx, path, 1, fg_diff_unified (path, text, NULL));
        free (text);
        return FG_FIX_REMOVE;
      }
      edited = strdup (o->text);
      goto done;
    }
  }
  if (listed (pget (fx, "remove", NULL), path)) {
    record (fx, path, 1, fg_diff_unified (path, text, NULL));
    free (text);
    return FG_FIX_REMOVE;
  }
  if (strcmp (path, "etc/fstab") == 0)
    edited = edit_fstab (fx, text);
  else if (listed (pget (fx, "boot", "configs"), path))
    edited = edit_boot (fx, text);
  else if (is (path, pget (fx, "securetty", "file")))
    edited = append_lines (text, pget (fx, "securetty", "add"), NULL);
  else if (strcmp (path, "etc/inittab") == 0)
    edited = append_lines (text, NULL,
                           json_string_value (pget (fx, "inittab_getty", NULL)));
done:
  if (edited == NULL || strcmp (edited, text) == 0) {
    free (edited);
    free (text);
    return FG_FIX_KEEP;
  }
  record (fx, path, 0, fg_diff_unified (path, text, edited));
  free (text);
  *out = edited;
  *outlen = strlen (edited);
  return FG_FIX_REPLACE;
}

int
fg_fixups_next_new (const struct fg_fixups *fx, size_t *i, const char **path,
                    const char **data, size_t *len)
{
  if (fx == NULL)
    return 0;
  for (; *i < fx->render.n; (*i)++) {
    const struct fg_net_out *o = &fx->render.v[*i];
    if (fx->seen[*i] || o->text == NULL)
      continue;
    *path = o->path;
    *data = o->text;
    *len = strlen (o->text);
    (*i)++;
    return 1;
  }
  return 0;
}

void
fg_fixups_created (struct fg_fixups *fx, const char *path)
{
  const struct fg_net_out *o = fg_net_render_find (&fx->render, path);

  if (o == NULL || fx->seen[o - fx->render.v])
    return;
  fx->seen[o - fx->render.v] = 1;
  if (record (fx, path, 0, fg_diff_unified (path, NULL, o->text)) == 0)
    fx->ch[fx->nch - 1].created = 1;
}

int
fg_fixups_decide_initramfs (struct fg_fixups *fx,
                            const struct fg_inspection *in,
                            enum fg_rebuild_when when)
{
  const char *why = NULL;
  char buf[512], *copy;
  int need = 0;

  if (fx == NULL)
    return 0;
  if (when == FG_REBUILD_NEVER)
    why = "kept as it is (--initramfs keep)";
  else if (when == FG_REBUILD_ALWAYS) {
    need = 1;
    why = "rebuilt (--initramfs rebuild)";
  } else if (in == NULL || (in->layout && strcmp (in->layout, "block") == 0))
    why = "kept: a block-level image booted PV on first-gen's XenServer "
      "already (--initramfs rebuild forces it)";
  else {
    for (unsigned i = 0; i < in->nkernels && !need; i++)
      if (fg_kernel_initramfs_rebuild (&in->kernels[i])) {
        /* The front ends by this release's names (EL5: xenblk, xennet). */
        char mods[128] = "";
        size_t k;
        json_t *x;
        json_array_foreach (fx->modules, k, x)
          snprintf (mods + strlen (mods), sizeof mods - strlen (mods),
                    "%s%s", k ? " or " : "", json_string_value (x));
        snprintf (buf, sizeof buf, "rebuilt: the initramfs of %s %s %s",
                  in->kernels[i].version,
                  in->kernels[i].initramfs_xen == 0 ? "lacks"
                  : "may lack (it could not be told)", mods);
        why = buf;
        need = 1;
      }
    if (!need)
      why = "kept: the initramfs of every kernel the guest boots holds the "
        "Xen drivers, or they are built in, or the kernel has no modules "
        "to add (see the kernel.xen-drivers verdict)";
  }
  copy = strdup (why);
  if (copy) {
    free (fx->rebuild_why);
    fx->rebuild_why = copy;
  }
  fx->decided = 1;
  fx->rebuild_run = need;
  return need;
}

const char *
fg_fixups_initramfs_why (const struct fg_fixups *fx)
{
  return fx && fx->decided ? fx->rebuild_why : NULL;
}

/* The guest command, as a report entry. */
static json_t *
initramfs_json (const struct fg_fixups *fx)
{
  json_t *o = json_pack ("{s:s, s:s?, s:s?, s:s?, s:O, s:O}",
                         "action", "initramfs", "tool", fx->tool,
                         "file", fx->mfile,
                         "format", fx->mfile ? fx->mfmt : NULL,
                         "modules", fx->modules, "command", fx->rebuild);
  if (o && fx->mfile == NULL)
    json_object_set_new (o, "file", json_null ());
  if (o && fx->decided) {
    json_object_set_new (o, "run", json_boolean (fx->rebuild_run));
    json_object_set_new (o, "why", json_string (fx->rebuild_why
                                                ? fx->rebuild_why : ""));
  }
  if (o && fx->note)
    json_object_set_new (o, "note", json_string (fx->note));
  return o;
}

json_t *
fg_fixups_json (const struct fg_fixups *fx)
{
  json_t *arr = json_array (), *pending = json_array ();

  if (fx == NULL)
    return json_pack ("{s:n, s:o, s:o}", "profile", "changes", arr,
                      "pending", pending);
  for (size_t i = 0; i < fx->nch; i++)
    json_array_append_new (arr, json_pack ("{s:s, s:s, s:s}",
                                           "path", fx->ch[i].path,
                                           "action", fx->ch[i].removed
                                           ? "remove" : fx->ch[i].created
                                           ? "create" : "edit",
                                           "diff", fx->ch[i].diff
                                           ? fx->ch[i].diff : ""));
  /* Rebuilding the initramfs needs the guest's own tools (libguestfs). */
  json_array_append_new (pending, initramfs_json (fx));
  {
    json_t *o = json_pack ("{s:s, s:o, s:o}", "profile", fx->profile_file,
                           "changes", arr, "pending", pending);
    if (o && fx->net) {
      json_t *n = fg_net_plan_json (fx->net);
      if (n && fx->render.warnings)
        json_array_extend (json_object_get (n, "warnings"),
                           fx->render.warnings);
      json_object_set_new (o, "network", n);
    }
    return o;
  }
}

void
fg_fixups_print (const struct fg_fixups *fx, FILE *f)
{
  if (fx == NULL)
    return;
  if (fx->nch == 0)
    fputs ("  (no file changes)\n", f);
  for (size_t i = 0; i < fx->nch; i++)
    fprintf (f, "  %-6s %s\n", fx->ch[i].removed ? "remove"
             : fx->ch[i].created ? "create" : "edit", fx->ch[i].path);
  for (size_t i = 0; i < fx->nch; i++)
    fputs (fx->ch[i].diff ? fx->ch[i].diff : "", f);
  fputs ("guest commands (the guest's own tools, in one libguestfs "
         "appliance):\n", f);
  fprintf (f, "  initramfs: %s", !fx->decided ? "decided when converting: "
           : fx->rebuild_run ? "will run in the guest: " : "not run: ");
  for (size_t i = 0; fx->rebuild_argv && fx->rebuild_argv[i]; i++) {
    /* Quoted as a shell would need it (as Python's shlex.quote). */
    const char *w = fx->rebuild_argv[i];
    fputs (i ? " " : "", f);
    if (*w && strspn (w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789_@%+=:,./-") == strlen (w))
      fputs (w, f);
    else {
      fputc ('\'', f);
      for (; *w; w++)
        if (*w == '\'')
          fputs ("'\"'\"'", f);
        else
          fputc (*w, f);
      fputc ('\'', f);
    }
  }
  fputc ('\n', f);
  if (fx->decided && fx->rebuild_why)
    fprintf (f, "    why: %s\n", fx->rebuild_why);
  fprintf (f, "    tool: %s; it reads the modules from: %s\n",
           fx->tool ? fx->tool : "(not named)",
           fx->mfile ? fx->mfile : "(no file fg2ng writes)");
  if (fx->note)
    fprintf (f, "    note: %s\n", fx->note);
}
