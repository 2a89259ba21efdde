/* fixups/fixups.c --- fstab, boot configuration, udev rules, console */
#include "fixups/fixups.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fixups/diff.h"
#include "util/strbuf.h"
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
  const struct fg_profile *profile;   /* facts/profiles.h keeps it */
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
  const struct fg_alias *aliases;  /* modprobe-alias: name -> module */
  size_t naliases;
  const struct fg_strv *modules;   /* the initramfs must hold these */
  const struct fg_strv *rebuild;   /* the guest's command that rebuilds it */
  int decided, rebuild_run;     /* fg_fixups_decide_initramfs */
  char *rebuild_why;
};

static int check_profile (const struct fg_fixups *fx, struct fg_err *e);
static void initramfs_plan (struct fg_fixups *fx, const char *major);
static int generated_files (struct fg_fixups *fx);
static char *edit_modules (const struct fg_fixups *fx, const char *data);
static char *append_lines (const char *data, const struct fg_strv *lines,
                           const char *single);

int
fg_fixups_new (struct fg_fixups **out, const struct fg_fixup_facts *f,
               struct fg_err *e)
{
  struct fg_fixups *fx;
  const struct fg_profile *p;

  *out = NULL;
  p = fg_profile_for_distro (f->distro, e);
  if (p == NULL) {
    if (fg_err_is_set (e))
      return -1;
    fg_warn ("no profile for '%s' in profiles/: the disk is written "
             "without next-gen fixups", f->distro ? f->distro : "an unknown OS");
    return 0;
  }
  if (!p->convert)
    return fg_err_set (e, FG_E_UNSUPPORTED, "%s (profiles/%s)", p->reason,
                       p->file);
  fx = calloc (1, sizeof *fx);
  if (fx == NULL || (fx->uuid = strdup (f->fs_uuid)) == NULL ||
      (fx->fs_type = strdup (f->fs_type)) == NULL) {
    fg_fixups_free (fx);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "fixups");
  }
  fx->profile = p;
  fx->net = f->net;
  if (check_profile (fx, e) < 0) {
    fg_fixups_free (fx);
    return -1;
  }
  if (f->net && f->net->render) {
    const char *r = p->network.renderer;
    if (!fg_net_renderer_known (r)) {
      fg_err_set (e, FG_E_INTERNAL, "profile '%s': key 'network.renderer': "
                  "'%s' is not a renderer fg2ng has", p->file, r);
      fg_fixups_free (fx);
      return -1;
    }
    if (fg_net_render (r, &f->net->net, f->files, &fx->render, e) < 0) {
      fg_fixups_free (fx);
      return -1;
    }
  }
  initramfs_plan (fx, f->major);
  if (generated_files (fx) < 0 ||
      (fx->seen = calloc (fx->render.n + 1, 1)) == NULL) {
    fg_fixups_free (fx);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "fixups");
  }
  *out = fx;
  return 0;
}

/* The tool, its configuration file, the modules and the rebuild command
 * for this release. */
static void
initramfs_plan (struct fg_fixups *fx, const char *major)
{
  struct fg_initramfs_facts ir;

  fg_profile_initramfs (fx->profile, major, &ir);
  fx->tool = ir.tool;
  fx->mfile = ir.modules_file;
  fx->mfmt = ir.modules_format ? ir.modules_format : "lines";
  fx->note = ir.note;
  fx->aliases = ir.aliases;
  fx->naliases = ir.naliases;
  fx->modules = ir.modules;
  fx->rebuild = ir.rebuild;
}

/* ---- the profile, checked when it is loaded --------------------------- */

/* The profile's paths are relative (facts/profile.c checks that); here,
 * a layer above, that inspection keeps each (the dry run shows its
 * edit).  KEY names it in the message. */
static int
check_kept (const struct fg_fixups *fx, const char *key, const char *path,
            struct fg_err *e)
{
  if (path == NULL || fg_inspect_keeps (path))
    return 0;
  return fg_err_set (e, FG_E_INTERNAL, "profile '%s': key '%s': '%s' is "
                     "a file inspection does not keep (inspect/inspect.c, "
                     "fg_inspect_keep): the dry run could not show its "
                     "edit", fx->profile->file, key, path);
}

static int
check_kept_list (const struct fg_fixups *fx, const char *key,
                 const struct fg_strv *list, struct fg_err *e)
{
  char k[128];

  for (size_t i = 0; i < list->n; i++) {
    snprintf (k, sizeof k, "%s[%zu]", key, i);
    if (check_kept (fx, k, list->v[i], e) < 0)
      return -1;
  }
  return 0;
}

/* Every file the profile names is one inspection keeps, for every
 * release ("*_by_major"): a profile is refused whole when it is loaded,
 * before anything is shown or written. */
static int
check_profile (const struct fg_fixups *fx, struct fg_err *e)
{
  const struct fg_profile *p = fx->profile;

  if (check_kept_list (fx, "boot.configs", &p->boot.configs, e) < 0 ||
      check_kept_list (fx, "remove", &p->remove, e) < 0 ||
      check_kept (fx, "securetty.file", p->securetty.file, e) < 0 ||
      check_kept (fx, "getty_job.file", p->getty_job.file, e) < 0 ||
      check_kept (fx, "initramfs.modules_file",
                  p->initramfs.base.modules_file, e) < 0)
    return -1;
  for (size_t i = 0; i < p->initramfs.nmajor; i++) {
    char k[160];
    snprintf (k, sizeof k, "initramfs.modules_file_by_major.%s",
              p->initramfs.by_major[i].major);
    if (check_kept (fx, k, p->initramfs.by_major[i].v.modules_file, e) < 0)
      return -1;
  }
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
  const struct fg_profile *p = fx->profile;

  if (p->getty_job.file &&
      add_generated (fx, p->getty_job.file, p->getty_job.text) < 0)
    return -1;
  if (fx->mfile == NULL)
    return 0;
  /* dracut reads drivers from a conf.d file of its own: fg2ng's. */
  if (strcmp (fx->mfmt, "dracut") == 0) {
    struct fg_strbuf t = FG_STRBUF_INIT;
    int rc;
    fg_strbuf_puts (&t, "# The Xen drivers next-gen boots from (fg2ng)\nadd_drivers+=\" ");
    for (size_t i = 0; i < fx->modules->n; i++) {
      fg_strbuf_puts (&t, fx->modules->v[i]);
      fg_strbuf_puts (&t, " ");
    }
    fg_strbuf_puts (&t, "\"\n");
    {
      char *made = fg_strbuf_take (&t);
      if (made == NULL)
        return -1;
      rc = add_generated (fx, fx->mfile, made);
      free (made);
    }
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
  return fx ? (const char *const *) fx->rebuild->v : NULL;
}

const struct fg_strv *
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
  const struct fg_profile *p = fg_profile_for_distro (distro, e);
  const char *min;
  static const char ext3[] = "ext3", ext4[] = "ext4";
  const char *out = NULL;

  if (p == NULL)
    return NULL;
  min = p->ext4_min_kernel;
  out = p->filesystem && strcmp (p->filesystem, "ext3") == 0 ? ext3 : ext4;
  for (size_t i = 0; min && out == ext4 && i < n; i++)
    if (kernels[i] && kernel_older (kernels[i], min))
      out = ext3;
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
  free (fx->rebuild_why);
  free (fx->uuid);
  free (fx->fs_type);
  free (fx);
}

const char *
fg_fixups_profile (const struct fg_fixups *fx)
{
  return fx ? fx->profile->file : NULL;
}

static int
listed (const struct fg_strv *list, const char *path)
{
  for (size_t i = 0; i < list->n; i++)
    if (strcmp (list->v[i], path) == 0)
      return 1;
  return 0;
}

static int
is (const char *path, const char *name)
{
  return name && strcmp (path, name) == 0;
}

int
fg_fixups_touches (const struct fg_fixups *fx, const char *path)
{
  if (fx == NULL)
    return 0;
  return fg_net_render_find (&fx->render, path) != NULL ||
    (fx->mfile && strcmp (path, fx->mfile) == 0) ||
    strcmp (path, "etc/fstab") == 0 ||
    listed (&fx->profile->boot.configs, path) ||
    listed (&fx->profile->remove, path) ||
    is (path, fx->profile->securetty.file) ||
    (strcmp (path, "etc/inittab") == 0 && fx->profile->inittab_getty);
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
  struct fg_strbuf t = FG_STRBUF_INIT;
  int drop = fx->profile->fstab.drop_missing_devices;

  for (const char *p = data; *p; ) {
    const char *nl = strchr (p, '\n');
    size_t n = nl ? (size_t) (nl - p) + 1 : strlen (p);
    char *line = strndup (p, n), *save = NULL, *copy = strndup (p, n);
    char *dev = NULL, *mnt = NULL, *type = NULL, *rest = NULL;

    p += n;
    if (line == NULL || copy == NULL) {
      free (line);
      free (copy);
      fg_strbuf_fail (&t);      /* the rest of the fstab would be lost */
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
      fg_strbuf_puts (&t, "UUID=");
      fg_strbuf_puts (&t, fx->uuid);
      fg_strbuf_puts (&t, "\t/\t");
      fg_strbuf_puts (&t, fx->fs_type);
      fg_strbuf_puts (&t, "\t");
      fg_strbuf_puts (&t, tail);
      if (tail[strlen (tail) - 1] != '\n')
        fg_strbuf_puts (&t, "\n");
    } else if (drop && dev && dev[0] != '#' && mnt && other_disk_device (dev)) {
      fg_strbuf_puts (&t, "# fg2ng: not on the next-gen disk: ");
      fg_strbuf_puts (&t, line);
    } else
      fg_strbuf_puts (&t, line);
    free (line);
    free (copy);
  }
  return fg_strbuf_take (&t);
}

/* A kernel command line: root= by UUID, console=<console> present. */
static void
edit_cmdline (const struct fg_fixups *fx, struct fg_strbuf *t, const char *args,
              size_t n)
{
  const char *console = fx->profile->boot.console;
  int has_console = 0, has_root = 0;

  for (size_t i = 0; i < n; ) {
    size_t j = i;
    while (j < n && args[j] != ' ' && args[j] != '\t')
      j++;
    if (j > i) {
      if (j - i >= 5 && strncmp (args + i, "root=", 5) == 0) {
        fg_strbuf_puts (t, "root=UUID=");
        fg_strbuf_puts (t, fx->uuid);
        has_root = 1;
      } else {
        if (console && j - i == 8 + strlen (console) &&
            strncmp (args + i, "console=", 8) == 0 &&
            strncmp (args + i + 8, console, strlen (console)) == 0)
          has_console = 1;
        fg_strbuf_put (t, args + i, j - i);
      }
    }
    while (j < n && (args[j] == ' ' || args[j] == '\t'))
      fg_strbuf_put (t, args + j++, 1);
    i = j;
  }
  if (!has_root) {
    fg_strbuf_puts (t, " root=UUID=");
    fg_strbuf_puts (t, fx->uuid);
  }
  if (console && !has_console) {
    fg_strbuf_puts (t, " console=");
    fg_strbuf_puts (t, console);
  }
  /* Words the profile adds (net.ifnames=0 keeps eth0/eth1: systemd's
   * predictable names would make them enX0/enX1 on XenServer). */
  {
    const struct fg_strv *add = &fx->profile->boot.cmdline_add;
    for (size_t i = 0; i < add->n; i++) {
      const char *w = add->v[i];
      size_t wl = w ? strlen (w) : 0;
      int present = 0;
      for (size_t k = 0; w && k + wl <= n; k++)
        if (strncmp (args + k, w, wl) == 0 &&
            (k == 0 || args[k - 1] == ' ' || args[k - 1] == '\t') &&
            (k + wl == n || args[k + wl] == ' ' || args[k + wl] == '\t'))
          present = 1;
      if (w && !present) {
        fg_strbuf_puts (t, " ");
        fg_strbuf_puts (t, w);
      }
    }
  }
}

static char *
edit_boot (const struct fg_fixups *fx, const char *data)
{
  struct fg_strbuf t = FG_STRBUF_INIT;

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
      fg_strbuf_put (&t, p, (size_t) (args - p));
      fg_strbuf_put (&t, " ", 1);
      while (args < p + n && isspace ((unsigned char) *args))
        args++;
      edit_cmdline (fx, &t, args, (size_t) (p + n - args));
    } else
      fg_strbuf_put (&t, p, n);
    (void) lead;
    if (nl)
      fg_strbuf_put (&t, "\n", 1);
    p += n + (nl ? 1 : 0);
  }
  return fg_strbuf_take (&t);
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
  struct fg_strbuf t = FG_STRBUF_INIT;

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
      fg_strbuf_put (&t, data, (size_t) (v - data));
      if (!quote)
        fg_strbuf_puts (&t, "\"");
      fg_strbuf_put (&t, v, (size_t) (end - v));
      for (size_t i = 0; i < fx->modules->n; i++) {
        const char *x = fx->modules->v[i];
        size_t ml = strlen (x);
        const char *hit = strstr (v, x);
        if (hit && hit < end && (hit == v || hit[-1] == ' ' ||
                                 hit[-1] == quote) &&
            (hit[ml] == ' ' || hit + ml == end || hit[ml] == '"'))
          continue;
        /* No space after the opening quote of an empty value. */
        if (t.len && !strchr ("\"'( ", fg_strbuf_last (&t)))
          fg_strbuf_puts (&t, " ");
        fg_strbuf_puts (&t, x);
      }
      if (!quote)
        fg_strbuf_puts (&t, "\"");
      fg_strbuf_puts (&t, end);
      return fg_strbuf_take (&t);
    }
    fg_strbuf_puts (&t, data);
    if (t.len && fg_strbuf_last (&t) != '\n')
      fg_strbuf_puts (&t, "\n");
    fg_strbuf_puts (&t, var);
    fg_strbuf_puts (&t, "=\"");
    for (size_t i = 0; i < fx->modules->n; i++) {
      if (i)
        fg_strbuf_puts (&t, " ");
      fg_strbuf_puts (&t, fx->modules->v[i]);
    }
    fg_strbuf_puts (&t, "\"\n");
    return fg_strbuf_take (&t);
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
  struct fg_strbuf t = FG_STRBUF_INIT;

  /* The lines as they are, other modules' aliases commented out. */
  for (const char *p = data; *p; ) {
    const char *nl = strchr (p, '\n');
    size_t n = nl ? (size_t) (nl - p) : strlen (p);
    char name[128], mod[128];
    const char *q = p + strspn (p, " \t");
    int drop = 0;
    if (alias_line (q, n - (size_t) (q - p), name, sizeof name, mod,
                    sizeof mod) && strncmp (name, hba, sizeof hba - 1) != 0) {
      const char *m = NULL;
      for (size_t a = 0; a < fx->naliases; a++)
        if (strcmp (fx->aliases[a].name, name) == 0)
          m = fx->aliases[a].module;
      drop = m && strcmp (m, mod) != 0;
    }
    if (drop)
      fg_strbuf_puts (&t, "# fg2ng, for next-gen: ");
    fg_strbuf_put (&t, p, n);
    fg_strbuf_puts (&t, "\n");
    p += n + (nl ? 1 : 0);
  }
  for (size_t a = 0; a < fx->naliases; a++) {
    const char *want_name = fx->aliases[a].name, *m = fx->aliases[a].module;
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
    fg_strbuf_puts (&t, "alias ");
    fg_strbuf_puts (&t, want_name);
    if (numbered) {
      int k = 0;
      while (k < 31 && taken[k])
        k++;
      if (k) {
        char num[8];
        snprintf (num, sizeof num, "%d", k);
        fg_strbuf_puts (&t, num);
      }
    }
    fg_strbuf_puts (&t, " ");
    fg_strbuf_puts (&t, m);
    fg_strbuf_puts (&t, "\n");
  }
  return fg_strbuf_take (&t);
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
append_lines (const char *data, const struct fg_strv *lines,
              const char *single)
{
  struct fg_strbuf t = FG_STRBUF_INIT;

  fg_strbuf_puts (&t, data);
  if (t.len && fg_strbuf_last (&t) != '\n')
    fg_strbuf_puts (&t, "\n");
  if (single && !strstr (data, "hvc0")) {
    fg_strbuf_puts (&t, single);
    fg_strbuf_puts (&t, "\n");
  }
  for (size_t i = 0; lines && i < lines->n; i++)
    if (!has_line (data, lines->v[i])) {
      fg_strbuf_puts (&t, lines->v[i]);
      fg_strbuf_puts (&t, "\n");
    }
  return fg_strbuf_take (&t);
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
  if (listed (&fx->profile->remove, path)) {
    record (fx, path, 1, fg_diff_unified (path, text, NULL));
    free (text);
    return FG_FIX_REMOVE;
  }
  if (strcmp (path, "etc/fstab") == 0)
    edited = edit_fstab (fx, text);
  else if (listed (&fx->profile->boot.configs, path))
    edited = edit_boot (fx, text);
  else if (is (path, fx->profile->securetty.file))
    edited = append_lines (text, &fx->profile->securetty.add, NULL);
  else if (strcmp (path, "etc/inittab") == 0)
    edited = append_lines (text, NULL, fx->profile->inittab_getty);
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
        for (size_t k = 0; k < fx->modules->n; k++)
          snprintf (mods + strlen (mods), sizeof mods - strlen (mods),
                    "%s%s", k ? " or " : "", fx->modules->v[k]);
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

static json_t *
strv_json (const struct fg_strv *s)
{
  json_t *a = json_array ();

  for (size_t i = 0; a && i < s->n; i++)
    json_array_append_new (a, json_string (s->v[i]));
  return a;
}

/* The guest command, as a report entry. */
static json_t *
initramfs_json (const struct fg_fixups *fx)
{
  json_t *o = json_pack ("{s:s, s:s?, s:s?, s:s?, s:o, s:o}",
                         "action", "initramfs", "tool", fx->tool,
                         "file", fx->mfile,
                         "format", fx->mfile ? fx->mfmt : NULL,
                         "modules", strv_json (fx->modules),
                         "command", strv_json (fx->rebuild));
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
    json_t *o = json_pack ("{s:s, s:o, s:o}", "profile", fx->profile->file,
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
  for (size_t i = 0; i < fx->rebuild->n; i++) {
    /* Quoted as a shell would need it (as Python's shlex.quote). */
    const char *w = fx->rebuild->v[i];
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
