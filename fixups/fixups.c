/* fixups/fixups.c --- fstab, boot configuration, udev rules, console */
#include "fixups/fixups.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fixups/diff.h"
#include "fixups/netrender.h"
#include "inspect/profiles.h"

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
  json_t *modules;              /* the initramfs must hold these */
  json_t *rebuild;              /* the guest's command that rebuilds it */
  const char **rebuild_argv;
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

/* The modules and the rebuild command for this release: the profile's
 * "*_by_major" entries win over the defaults. */
static int
initramfs_plan (struct fg_fixups *fx, const char *major)
{
  json_t *ir = pget (fx, "initramfs", NULL);
  json_t *m = json_object_get (ir, "modules");
  json_t *r = json_object_get (ir, "rebuild");
  json_t *x;
  size_t i;

  if (major) {
    json_t *bm = json_object_get (json_object_get (ir, "modules_by_major"),
                                  major);
    json_t *br = json_object_get (json_object_get (ir, "rebuild_by_major"),
                                  major);
    if (json_is_array (bm))
      m = bm;
    if (json_is_array (br))
      r = br;
  }
  fx->modules = json_incref (m);
  fx->rebuild = json_incref (r);
  fx->rebuild_argv = calloc (json_array_size (r) + 1, sizeof *fx->rebuild_argv);
  if (fx->rebuild_argv == NULL)
    return -1;
  json_array_foreach (r, i, x)
    fx->rebuild_argv[i] = json_string_value (x);
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

static int
generated_files (struct fg_fixups *fx)
{
  json_t *job = pget (fx, "getty_job", NULL);
  const char *mf = json_string_value (pget (fx, "initramfs", "modules_file"));
  const char *fmt = json_string_value (pget (fx, "initramfs",
                                             "modules_format"));

  if (json_is_object (job) &&
      add_generated (fx, json_string_value (json_object_get (job, "file")),
                     json_string_value (json_object_get (job, "text"))) < 0)
    return -1;
  /* dracut reads drivers from a conf.d file of its own: fg2ng's. */
  if (mf && fmt && strcmp (fmt, "dracut") == 0) {
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
    rc = add_generated (fx, mf, t.s);
    free (t.s);
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
    is (path, pget (fx, "initramfs", "modules_file")) ||
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
      char buf[512];
      while (rest && (*rest == ' ' || *rest == '\t'))
        rest++;
      snprintf (buf, sizeof buf, "UUID=%s\t/\t%s\t%s", fx->uuid, fx->fs_type,
                rest && *rest ? rest : "defaults\t0\t1\n");
      puts_ (&t, buf);
      if (buf[strlen (buf) - 1] != '\n')
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
 * "lines" (initramfs-tools: one per line) or "shell-var:NAME" (mkinitcpio
 * MODULES="...", SUSE INITRD_MODULES="..."): the words are added to the
 * last assignment of NAME, or a new one. */
static char *
edit_modules (const struct fg_fixups *fx, const char *data)
{
  const char *fmt = json_string_value (pget (fx, "initramfs",
                                             "modules_format"));
  struct text t = { 0 };
  size_t i;
  json_t *x;

  if (fmt == NULL || strcmp (fmt, "lines") == 0)
    return append_lines (data, fx->modules, NULL);
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
      put (&t, data, (size_t) (end - data));
      json_array_foreach (fx->modules, i, x) {
        size_t ml = strlen (json_string_value (x));
        const char *hit = strstr (v, json_string_value (x));
        if (hit && hit < end && (hit[ml] == ' ' || hit + ml == end ||
                                 hit[ml] == '"'))
          continue;
        puts_ (&t, " ");
        puts_ (&t, json_string_value (x));
      }
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
  else if (is (path, pget (fx, "initramfs", "modules_file")))
    edited = edit_modules (fx, text);
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
  json_array_append_new (pending, json_pack ("{s:s, s:O, s:O}",
                                             "action", "initramfs",
                                             "modules", fx->modules,
                                             "command", fx->rebuild));
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
  for (size_t i = 0; i < fx->nch; i++)
    fputs (fx->ch[i].diff ? fx->ch[i].diff : "", f);
}
