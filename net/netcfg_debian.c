/* net/netcfg_debian.c --- Debian and Ubuntu etc/network/interfaces
 *
 * Read the way ifupdown reads it: a line that starts with iface,
 * mapping, auto, allow-*, source, source-directory, rename or no-* starts
 * a stanza; every other line is an option of the current stanza, however
 * it is indented (the 2013 Rackspace agent wrote its "up route add" lines
 * flush left).  Options of a stanza may come in any order, so addresses
 * are put in the model when the stanza ends, with its netmask.
 *
 * Routes and extra addresses often live in up/post-up/pre-up commands:
 * "route add ...", "ip route add ...", "ip addr add ...", "ifconfig
 * eth0:1 ...".  Teardown hooks (down, pre-down, post-down) are never
 * read: the nova-agent 2.x file has "post-down route add" lines that
 * would count every route twice.
 *
 * "source" and "source-directory" read other files of the set; globs are
 * matched against the set, relative paths against the including file's
 * folder (as ifupdown does), and no file is read twice, which also ends
 * any inclusion loop.
 */
#define FG_NETCFG_INTERNAL
#include "net/netcfg.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16

/* A route from a stanza that has no interface of its own (the "lo"
 * stanza): placed by its dev or gateway once every file is read. */
struct pending {
  struct nc_route r;
  const char *file;             /* a path of the file set: lives long */
  unsigned line;
};

struct deb {
  struct nc *c;
  char **seen;                  /* files already read */
  size_t nseen;
  struct pending *pend;
  size_t npend;
};

struct stanza {
  int open;
  struct fg_net_iface *i;       /* NULL for lo, mapping, or a bad name */
  char *name;                   /* as written ("eth0:1") */
  const char *alias;            /* name, when it is an alias */
  const char *file;
  unsigned line;
  char **addrs;
  size_t naddrs;
  unsigned *addr_lines;
  char *netmask;
  unsigned netmask_line;
  /* up/post-up/pre-up commands, run after the stanza's own addresses so
   * that those come first */
  char **cmds;
  size_t ncmds;
  unsigned *cmd_lines;
};

static void commands (struct deb *d, struct stanza *s, const char *text);

/* Append N to the line list *V of (now) COUNT entries. */
static void
push_line (struct nc *c, unsigned **v, size_t count, unsigned n)
{
  unsigned *nv = realloc (*v, (count ? count : 1) * sizeof *nv);

  if (nv == NULL) {
    c->oom = 1;
    return;
  }
  *v = nv;
  if (count)
    nv[count - 1] = n;
}

static void
stanza_end (struct deb *d, struct stanza *s)
{
  struct nc *c = d->c;

  for (size_t k = 0; k < s->naddrs; k++)
    if (s->i && s->addr_lines)
      nc_add_addr (c, s->i, s->alias, s->addrs[k], s->netmask, s->file,
                   s->addr_lines[k]);
  for (size_t k = 0; k < s->ncmds; k++)
    if (s->cmd_lines) {
      s->line = s->cmd_lines[k];
      commands (d, s, s->cmds[k]);
    }
  nc_strv_free (s->addrs, s->naddrs);
  free (s->addr_lines);
  nc_strv_free (s->cmds, s->ncmds);
  free (s->cmd_lines);
  free (s->netmask);
  free (s->name);
  memset (s, 0, sizeof *s);
}

static const char *
base (const char *w)
{
  const char *sl = strrchr (w, '/');
  return sl ? sl + 1 : w;
}

/* "ip ... route add ...": the words after the object, with a family
 * hint put first; NULL when the object is not OBJ. */
static size_t
ip_object (char *const *w, size_t n, const char *const *obj, int *fam)
{
  size_t k = 1;

  *fam = 0;
  while (k < n && w[k][0] == '-') {
    if (!strcmp (w[k], "-6"))
      *fam = 6;
    else if (!strcmp (w[k], "-4"))
      *fam = 4;
    else if ((!strcmp (w[k], "-f") || !strcmp (w[k], "-family")) && k + 1 < n) {
      k++;
      *fam = !strcmp (w[k], "inet6") ? 6 : 4;
    }
    k++;
  }
  if (k < n)
    for (const char *const *o = obj; *o; o++)
      if (!strcmp (w[k], *o))
        return k + 1;
  return 0;
}

/* DEV is LINK itself or one of its aliases ("eth0:1"). */
static int
same_link (const char *dev, const char *link)
{
  size_t n = strlen (link);
  return strncmp (dev, link, n) == 0 && (dev[n] == '\0' || dev[n] == ':');
}

static void
route_cmd (struct deb *d, struct stanza *s, char **w, size_t n, int fam,
           const char *text)
{
  static char minus4[] = "-4", minus6[] = "-6";
  struct nc *c = d->c;
  struct nc_route r;
  const char *why;
  char **v = NULL;
  int got, elsewhere;

  /* A family from "ip -6" goes in front of the arguments as "-6". */
  if ((v = malloc ((n + 1) * sizeof *v)) == NULL) {
    c->oom = 1;
    return;
  }
  v[0] = fam == 6 ? minus6 : minus4;
  if (n)
    memcpy (v + 1, w, n * sizeof *v);
  got = nc_route_parse (c, fam ? v : v + 1, fam ? n + 1 : n, &r, &why);
  free (v);
  if (got < 0) {
    nc_problem_text (c, s->file, s->line, why, text, strlen (text));
    return;
  }
  if (got == 0)
    return;
  /* A default route naming another device belongs to that device. */
  elsewhere = r.is_default && r.dev && s->i && !same_link (r.dev, s->i->name);
  if (s->i && !elsewhere) {
    nc_add_route (c, s->i, &r, s->file, s->line);
    nc_route_clear (&r);
    return;
  }
  {
    struct pending *nv = realloc (d->pend, (d->npend + 1) * sizeof *nv);
    if (nv == NULL) {
      c->oom = 1;
      nc_route_clear (&r);
      return;
    }
    d->pend = nv;
    nv[d->npend].r = r;
    nv[d->npend].file = s->file;
    nv[d->npend++].line = s->line;
  }
}

/* "ip addr add A/len dev D label L" and "ifconfig IF[:N] A netmask M". */
static void
addr_cmd (struct deb *d, struct stanza *s, char **w, size_t n, int is_ip,
          const char *text)
{
  struct nc *c = d->c;
  const char *addr = NULL, *dev = NULL, *label = NULL, *mask = NULL;
  const char *alias = NULL;
  struct fg_net_iface *i;

  if (is_ip) {
    static const char *const arg_words[] = {
      "broadcast", "brd", "scope", "peer", "valid_lft", "preferred_lft",
      "anycast", "metric", "proto", NULL,
    };
    for (size_t k = 0; k < n; k++) {
      const char *const *aw;
      int skip = 0;
      if (!strcmp (w[k], "dev") && k + 1 < n)
        dev = w[++k];
      else if (!strcmp (w[k], "label") && k + 1 < n)
        label = w[++k];
      else if (!strcmp (w[k], "local") && k + 1 < n)
        addr = w[++k];
      else {
        for (aw = arg_words; *aw; aw++)
          if (!strcmp (w[k], *aw))
            skip = 1;
        if (skip)
          k++;
        else if (addr == NULL && (strchr (w[k], '.') || strchr (w[k], ':')))
          addr = w[k];
      }
    }
  } else {
    /* ifconfig IF [inet6 add] A [netmask M] [broadcast B] [up] */
    size_t k = 1;
    dev = n > 0 ? w[0] : NULL;
    if (k < n && !strcmp (w[k], "inet6"))
      k++;
    if (k < n && !strcmp (w[k], "add"))
      k++;
    if (k < n && (nc_is_ipv4 (w[k]) || strchr (w[k], '/') || nc_is_ipv6 (w[k])))
      addr = w[k++];
    for (; k + 1 < n; k++)
      if (!strcmp (w[k], "netmask"))
        mask = w[++k];
    if (addr == NULL)
      return;                   /* "ifconfig eth0 up", "... mtu 1400" */
  }
  if (addr == NULL) {
    nc_problem_text (c, s->file, s->line, "no address in", text, strlen (text));
    return;
  }
  if (label && dev && strncmp (label, dev, strlen (dev)) == 0)
    dev = label;                /* the alias name carries the device */
  if (dev) {
    i = nc_iface (c, dev, &alias, s->file, s->line);
  } else {
    i = s->i;
    alias = s->alias;
  }
  if (i)
    nc_add_addr (c, i, alias, addr, mask, s->file, s->line);
}

/* An up/post-up/pre-up command line: each simple command in it. */
static void
commands (struct deb *d, struct stanza *s, const char *text)
{
  static const char *const route_obj[] = { "route", "ro", "r", "rou", NULL };
  static const char *const addr_obj[] = { "addr", "address", "a", "ad", NULL };
  struct nc *c = d->c;
  size_t n, start = 0;
  int unterminated;
  char **w = nc_words (c, text, &n, &unterminated);

  if (unterminated)
    nc_problem_text (c, s->file, s->line, "unterminated quote in",
                     text, strlen (text));
  for (size_t k = 0; k <= n; k++) {
    if (k < n && !(!strcmp (w[k], ";") || !strcmp (w[k], "&&")
                   || !strcmp (w[k], "||") || !strcmp (w[k], "|")
                   || !strcmp (w[k], "&")))
      continue;
    /* w[start..k) is one command; redirections dropped */
    {
      char **cmd = NULL;
      size_t m = 0;
      for (size_t j = start; j < k; j++) {
        const char *x = w[j];
        size_t dg = strspn (x, "0123456789");
        if (x[dg] == '>' || x[dg] == '<') {
          /* ">" alone takes the next word as its target */
          if (x[dg + 1 + (x[dg + 1] == '>')] == '\0' && j + 1 < k)
            j++;
          continue;
        }
        cmd = realloc (cmd, (m + 1) * sizeof *cmd);
        if (cmd == NULL) {
          c->oom = 1;
          m = 0;
          break;
        }
        cmd[m++] = w[j];
      }
      if (m > 0) {
        const char *b = base (cmd[0]);
        size_t off;
        int fam;
        if (!strcmp (b, "sudo") && m > 1) {
          memmove (cmd, cmd + 1, (m - 1) * sizeof *cmd);
          m--;
          b = base (cmd[0]);
        }
        if (!strcmp (b, "route")) {
          int has_verb = 0;
          for (size_t j = 1; j < m; j++)
            if (!strcmp (cmd[j], "add") || !strcmp (cmd[j], "del")
                || !strcmp (cmd[j], "delete"))
              has_verb = 1;
          if (has_verb)
            route_cmd (d, s, cmd + 1, m - 1, 0, text);
        } else if (!strcmp (b, "ip")) {
          if ((off = ip_object (cmd, m, route_obj, &fam)) > 0) {
            if (off < m && (!strcmp (cmd[off], "add")
                            || !strcmp (cmd[off], "append")
                            || !strcmp (cmd[off], "replace")
                            || !strcmp (cmd[off], "change")
                            || !strcmp (cmd[off], "prepend")))
              route_cmd (d, s, cmd + off + 1, m - off - 1, fam, text);
          } else if ((off = ip_object (cmd, m, addr_obj, &fam)) > 0) {
            if (off < m
                && (!strcmp (cmd[off], "add") || !strcmp (cmd[off], "a")))
              addr_cmd (d, s, cmd + off + 1, m - off - 1, 1, text);
          }
        } else if (!strcmp (b, "ifconfig") && m > 2)
          addr_cmd (d, s, cmd + 1, m - 1, 0, text);
        /* anything else (iptables, sysctl, true, echo...) is not ours */
      }
      free (cmd);
    }
    start = k + 1;
  }
  nc_strv_free (w, n);
}

static int
plausible_option (const char *w)
{
  for (; *w; w++)
    if (!isalnum ((unsigned char) *w) && *w != '-' && *w != '_' && *w != '.')
      return 0;
  return 1;
}

static void parse_file (struct deb *d, const struct fg_file *f, int depth);

static int
seen (struct deb *d, const char *path)
{
  for (size_t k = 0; k < d->nseen; k++)
    if (!strcmp (d->seen[k], path))
      return 1;
  return 0;
}

/* Join the folder of FROM and REL ("/etc/x" is absolute: leading "/"
 * dropped), resolving "." and ".." textually, never above the root. */
static char *
join (struct nc *c, const char *from, const char *rel)
{
  const char *sl = strrchr (from, '/');
  char *all = rel[0] == '/' ? nc_strdup (c, rel)
    : nc_printf (c, "%.*s/%s", sl ? (int) (sl - from) : 0, from, rel);
  char *out, *tok, *save = NULL;
  size_t o = 0;

  if (all == NULL)
    return NULL;
  if ((out = nc_alloc (c, strlen (all) + 1)) == NULL) {
    free (all);
    return NULL;
  }
  for (tok = strtok_r (all, "/", &save); tok;
       tok = strtok_r (NULL, "/", &save)) {
    if (!strcmp (tok, "."))
      continue;
    if (!strcmp (tok, "..")) {
      char *cut = strrchr (out, '/');
      o = cut ? (size_t) (cut - out) : 0;
      out[o] = '\0';
      continue;
    }
    if (o)
      out[o++] = '/';
    strcpy (out + o, tok);
    o += strlen (tok);
  }
  free (all);
  return out;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* run-parts names: what source-directory reads. */
static int
run_parts_name (const char *name)
{
  if (*name == '\0')
    return 0;
  for (; *name; name++)
    if (!isalnum ((unsigned char) *name) && *name != '_' && *name != '-')
      return 0;
  return 1;
}

static void
include (struct deb *d, const char *from, unsigned line, const char *what,
         const char *arg, int is_dir, int depth)
{
  struct nc *c = d->c;
  const struct fg_files *fs = c->files;
  char *pat = join (c, from, arg);
  char **hits = NULL;
  size_t nhits = 0;

  if (pat == NULL)
    return;
  if (depth >= MAX_DEPTH) {
    nc_problem (c, from, line, "%s nested too deep: not followed", what);
    free (pat);
    return;
  }
  if (is_dir) {
    size_t pl = strlen (pat);
    for (size_t k = 0; k < fs->n; k++) {
      const char *p = fs->v[k].path;
      if (!strncmp (p, pat, pl) && p[pl] == '/' && !strchr (p + pl + 1, '/')
          && run_parts_name (p + pl + 1))
        nc_strv_push (c, &hits, &nhits, nc_strdup (c, p));
    }
  } else if (strpbrk (pat, "*?[")) {
    for (size_t k = 0; k < fs->n; k++)
      if (fnmatch (pat, fs->v[k].path, FNM_PATHNAME | FNM_PERIOD) == 0)
        nc_strv_push (c, &hits, &nhits, nc_strdup (c, fs->v[k].path));
    /* A glob matching nothing is empty, as in ifupdown (d-i writes
     * "source /etc/network/interfaces.d/<star>" with that folder
     * empty). */
  } else if (fg_files_get (fs, pat))
    nc_strv_push (c, &hits, &nhits, nc_strdup (c, pat));
  else
    nc_problem_text (c, from, line, "sourced file is not in the image:",
                     pat, strlen (pat));
  if (nhits)
    qsort (hits, nhits, sizeof *hits, cmp_str);
  for (size_t k = 0; k < nhits; k++) {
    const struct fg_file *f = fg_files_get (fs, hits[k]);
    if (f == NULL)
      continue;                 /* a dangling symlink */
    if (seen (d, f->path)) {
      nc_problem_text (c, from, line, "already read, not read again:",
                       f->path, strlen (f->path));
      continue;
    }
    parse_file (d, f, depth + 1);
  }
  nc_strv_free (hits, nhits);
  free (pat);
}

/* The next logical line: backslash-newline joins lines. */
static int
next_line (struct nc *c, struct nc_lines *it, char **out, unsigned *no)
{
  char *line, *acc = NULL;

  while (nc_lines_next (c, it, &line)) {
    size_t n = strlen (line);
    char *joined;
    if (acc == NULL)
      *no = it->no;
    joined = acc ? nc_printf (c, "%s%s", acc, line) : nc_strdup (c, line);
    free (acc);
    acc = joined;
    if (acc == NULL)
      return 0;
    n = strlen (acc);
    if (n && acc[n - 1] == '\\') {
      acc[n - 1] = ' ';
      continue;
    }
    *out = acc;
    return 1;
  }
  if (acc) {
    *out = acc;
    return 1;
  }
  return 0;
}

/* "address A" (nova-agent 2.x also wrote "address A<TAB>netmask 64"). */
static void
stanza_address (struct nc *c, struct stanza *s, char *val, unsigned no)
{
  const char *file = s->file;
  size_t n;
  int unterminated;
  char **w = nc_words (c, val, &n, &unterminated);

  if (n == 0) {
    nc_problem (c, file, no, "address without a value");
  } else {
    size_t before = s->naddrs;
    nc_strv_push (c, &s->addrs, &s->naddrs, nc_strdup (c, w[0]));
    if (s->naddrs > before)
      push_line (c, &s->addr_lines, s->naddrs, no);
    if (n == 3 && !strcmp (w[1], "netmask") && s->netmask == NULL) {
      /* nova-agent 2.x wrote "address A<TAB>netmask 64" on one line:
       * ifupdown fails on it, but the intent is plain. */
      s->netmask = nc_strdup (c, w[2]);
      s->netmask_line = no;
      nc_problem (c, file, no, "address and netmask on one line (ifupdown "
                  "would reject it); read as both");
    } else if (n > 1)
      nc_problem_text (c, file, no, "extra words after the address ignored:",
                       val, strlen (val));
  }
  nc_strv_free (w, n);
}

/* A one-word option: netmask, gateway, hwaddress, mtu (others ignored). */
static void
stanza_word (struct nc *c, struct stanza *s, const char *opt, char *val,
             unsigned no)
{
  const char *file = s->file;
  char *v = val + strspn (val, " \t");
  size_t vn = strcspn (v, " \t");
  char *rest = v + vn + strspn (v + vn, " \t");
  int extra = *rest != '\0';

  v[vn] = '\0';
  if (!strcmp (opt, "netmask")) {
    free (s->netmask);
    s->netmask = nc_strdup (c, v);
    s->netmask_line = no;
  } else if (!strcmp (opt, "gateway")) {
    if (s->i && *v)
      nc_set_gateway (c, s->i, v, file, no);
  } else if (!strcmp (opt, "hwaddress")) {
    /* "hwaddress ether 40:40:..." or "hwaddress 40:40:..." */
    if (!strcmp (v, "ether")) {
      v = rest;
      v[strcspn (v, " \t")] = '\0';
      extra = 0;
    }
    if (s->i && *v)
      nc_set_mac (c, s->i, v, file, no);
  } else if (!strcmp (opt, "mtu")) {
    if (s->i)
      nc_set_mtu (c, s->i, v, file, no);
  } else
    return;                   /* network, broadcast, metric, bond-*, ... */
  if (extra && *v)
    nc_problem_text (c, file, no, "extra words ignored in", val,
                     strlen (val));
}

static void
stanza_option (struct deb *d, struct stanza *s, const char *opt,
               char *val, unsigned no)
{
  struct nc *c = d->c;

  if (!strcmp (opt, "up") || !strcmp (opt, "post-up")
      || !strcmp (opt, "pre-up")) {
    size_t before = s->ncmds;
    nc_strv_push (c, &s->cmds, &s->ncmds, nc_strdup (c, val));
    if (s->ncmds > before)
      push_line (c, &s->cmd_lines, s->ncmds, no);
    return;
  }
  if (!strcmp (opt, "down") || !strcmp (opt, "pre-down")
      || !strcmp (opt, "post-down"))
    return;
  /* ifupdown keeps a trailing "# comment" in the value, and then fails
   * on it; the intent is plain, so it is dropped. */
  for (char *hash = val; (hash = strchr (hash, '#')) != NULL; hash++)
    if (hash == val || hash[-1] == ' ' || hash[-1] == '\t') {
      *hash = '\0';
      break;
    }
  if (!strcmp (opt, "dns-nameservers") || !strcmp (opt, "dns-nameserver"))
    nc_add_resolvers (c, val, s->file, no);
  else if (!strcmp (opt, "address"))
    stanza_address (c, s, val, no);
  else
    stanza_word (c, s, opt, val, no);
}

static void
parse_file (struct deb *d, const struct fg_file *f, int depth)
{
  struct nc *c = d->c;
  struct nc_lines it;
  struct stanza s;
  char *line;
  unsigned no = 0;

  memset (&s, 0, sizeof s);
  nc_strv_push (c, &d->seen, &d->nseen, nc_strdup (c, f->path));
  nc_lines_init (&it, f);
  while (next_line (c, &it, &line, &no)) {
    char *p = line + strspn (line, " \t\v\f"), *kw, *val;
    size_t kl, plen;
    char sep;
    if (*p == '\0' || *p == '#') {
      free (line);
      continue;
    }
    plen = strlen (p);
    kl = strcspn (p, " \t\v\f");
    kw = p;
    val = p + kl + strspn (p + kl, " \t\v\f");
    sep = kw[kl];
    kw[kl] = '\0';
    if (!strcmp (kw, "iface")) {
      size_t n;
      int unterminated;
      char **w = nc_words (c, val, &n, &unterminated);
      stanza_end (d, &s);
      s.open = 1;
      s.file = f->path;
      s.line = no;
      if (n == 0)
        nc_problem (c, f->path, no, "iface without a name");
      else {
        const char *fam = n > 1 ? w[1] : "inet";
        const char *method = n > 2 ? w[2] : "static";
        s.name = nc_strdup (c, w[0]);
        if (s.name && strcmp (method, "loopback") != 0)
          s.i = nc_iface (c, s.name, &s.alias, f->path, no);
        if (s.i && !strcmp (fam, "inet") && (!strcmp (method, "dhcp")
                                            || !strcmp (method, "bootp")))
          s.i->dhcp4 = 1;
        if (strcmp (fam, "inet") && strcmp (fam, "inet6") && strcmp (fam, "ipx")
            && strcmp (fam, "can"))
          nc_problem_text (c, f->path, no, "unknown address family", fam,
                           strlen (fam));
      }
      nc_strv_free (w, n);
    } else if (!strcmp (kw, "source") || !strcmp (kw, "source-directory")
               || !strcmp (kw, "source-dir")) {
      size_t n;
      int unterminated;
      char **w = nc_words (c, val, &n, &unterminated);
      stanza_end (d, &s);
      if (n == 0)
        nc_problem (c, f->path, no, "%s without a path", kw);
      else
        include (d, f->path, no, kw, w[0], strcmp (kw, "source") != 0, depth);
      nc_strv_free (w, n);
    } else if (!strcmp (kw, "auto") || !strncmp (kw, "allow-", 6)
               || !strcmp (kw, "rename") || !strcmp (kw, "no-auto-down")
               || !strcmp (kw, "no-scripts")) {
      stanza_end (d, &s);
    } else if (!strcmp (kw, "mapping")) {
      stanza_end (d, &s);
      s.open = 1;               /* absorbs "script" and "map" lines */
      s.file = f->path;
      s.line = no;
    } else if (!s.open || !plausible_option (kw)) {
      kw[kl] = sep;
      nc_problem_text (c, f->path, no, s.open ? "not an option line:"
                       : "option outside any stanza:", p, plen);
    } else
      stanza_option (d, &s, kw, val, no);
    free (line);
  }
  stanza_end (d, &s);
  nc_lines_release (&it);
}

void
nc_parse_debian (struct nc *c)
{
  const struct fg_file *f = fg_files_get (c->files, "etc/network/interfaces");
  struct deb d = { c, NULL, 0, NULL, 0 };

  if (f == NULL) {
    nc_problem (c, "etc/network/interfaces", 0, "missing");
    return;
  }
  parse_file (&d, f, 0);
  for (size_t k = 0; k < d.npend; k++) {
    nc_place_route (c, &d.pend[k].r, d.pend[k].file, d.pend[k].line);
    nc_route_clear (&d.pend[k].r);
  }
  free (d.pend);
  nc_strv_free (d.seen, d.nseen);
}
