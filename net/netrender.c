/* net/netrender.c --- one renderer per network configuration family */
#include "net/netrender.h"

#include "net/addr.h"
#include "util/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "Written by fg2ng for next-gen; the first-gen file and the " \
  "diff are in the conversion report."

/* ---- text --------------------------------------------------------------- */

struct rctx {
  const struct fg_net *n;
  const struct fg_files *existing;
  struct fg_net_render *out;
  int oom;
};

static void
emit (struct rctx *c, const char *path, struct fg_strbuf *b)
{
  struct fg_net_out *v;
  char *text = b ? fg_strbuf_take (b) : NULL, *p = strdup (path);

  if ((b && text == NULL) || p == NULL ||
      (v = realloc (c->out->v, (c->out->n + 1) * sizeof *v)) == NULL) {
    free (text);
    free (p);
    c->oom = 1;
    return;
  }
  c->out->v = v;
  v[c->out->n].path = p;
  v[c->out->n].text = text;
  c->out->n++;
}

static const char *
existing (const struct rctx *c, const char *path)
{
  const struct fg_file *f = fg_files_get (c->existing, path);
  return f && f->data ? f->data : NULL;
}

/* ---- addresses ---------------------------------------------------------- */

/* The model's "addr/len" -> "addr", len (net/addr.h parses it); the
 * model holds only valid text, anything else gives "" and -1. */
static int
split_cidr (const char *cidr, char *addr, size_t cap, int *len)
{
  struct fg_ip ip;

  if (fg_cidr_parse (cidr, 0, 1, &ip, len) < 0
      || fg_ip_text (&ip, -1, addr, cap) < 0) {
    if (cap)
      addr[0] = '\0';
    *len = -1;
    return -1;
  }
  return 0;
}

static void
mask4 (int len, char *out, size_t cap)
{
  struct fg_ip m;

  fg_ip4_set (&m, fg_ip4_mask (len));
  fg_ip_text (&m, -1, out, cap);
}

static void
broadcast4 (const char *addr, int len, char *out, size_t cap)
{
  struct fg_ip a;

  if (fg_ip_parse (addr, 4, &a) < 0) {
    snprintf (out, cap, "+");
    return;
  }
  fg_ip4_set (&a, fg_ip4 (&a) | ~fg_ip4_mask (len));
  fg_ip_text (&a, -1, out, cap);
}

/* The alias of I that holds ADDR, or NULL. */
static const struct fg_net_alias *
alias_of (const struct fg_net_iface *i, const char *addr)
{
  for (size_t k = 0; k < i->naliases; k++)
    for (size_t j = 0; j < i->aliases[k].naddrs; j++)
      if (strcmp (i->aliases[k].addrs[j], addr) == 0)
        return &i->aliases[k];
  return NULL;
}

/* I's own IPv4 addresses (not an alias's), into V (at most CAP). */
static size_t
own_v4 (const struct fg_net_iface *i, const char **v, size_t cap)
{
  size_t n = 0;
  for (size_t k = 0; k < i->nipv4 && n < cap; k++)
    if (alias_of (i, i->ipv4[k]) == NULL)
      v[n++] = i->ipv4[k];
  return n;
}

/* The interface that carries the resolvers: the one with the default
 * route, else the first. */
static const struct fg_net_iface *
dns_iface (const struct fg_net *n)
{
  for (size_t k = 0; k < n->nifaces; k++)
    if (n->ifaces[k].gateway)
      return &n->ifaces[k];
  return n->nifaces ? &n->ifaces[0] : NULL;
}

static int
is_route_to_default (const struct fg_net_route *r)
{
  return strcmp (r->to, "0.0.0.0/0") == 0 || strcmp (r->to, "::/0") == 0;
}

/* ---- shell-style files: edit NAME=value lines --------------------------- */

/* Copy OLD to B without the assignments whose name DROP accepts (an
 * array "NAME=( ... )" over several lines goes as a whole). */
static void
copy_without (struct fg_strbuf *b, const char *old,
              int (*drop) (const char *name, void *), void *op)
{
  const char *p = old;
  int in_array = 0, dropping = 0;

  while (p && *p) {
    const char *nl = strchr (p, '\n');
    size_t len = nl ? (size_t) (nl - p) : strlen (p);
    char name[128];
    size_t k = 0;
    const char *q = p;

    if (!in_array) {
      while (q < p + len && (*q == ' ' || *q == '\t'))
        q++;
      if (strncmp (q, "export ", 7) == 0)
        q += 7;
      while (q + k < p + len && k + 1 < sizeof name &&
             (isalnum ((unsigned char) q[k]) || q[k] == '_'))
        k++;
      memcpy (name, q, k);
      name[k] = '\0';
      dropping = k > 0 && q[k] == '=' && drop (name, op);
      if (k > 0 && q[k] == '=' && q[k + 1] == '(' &&
          memchr (q + k, ')', (size_t) (p + len - (q + k))) == NULL)
        in_array = 1;
    } else if (memchr (p, ')', len))
      in_array = 0;
    if (!dropping)
      fg_strbuf_printf (b, "%.*s\n", (int) len, p);
    if (!in_array)
      dropping = 0;
    p = nl ? nl + 1 : NULL;
  }
}

static int
drop_listed (const char *name, void *op)
{
  const char *const *names = op;
  for (size_t i = 0; names[i]; i++)
    if (fnmatch (names[i], name, 0) == 0)
      return 1;
  return 0;
}

/* ---- resolv.conf and host name, shared ---------------------------------- */

static void
render_resolv (struct rctx *c)
{
  const struct fg_file *f = fg_files_get (c->existing, "etc/resolv.conf");
  const char *old;
  struct fg_strbuf b = FG_STRBUF_INIT;
  int done = 0;

  if (c->n->nresolvers == 0)
    return;
  /* A symlink (resolvconf, systemd-resolved) is managed by the guest. */
  for (size_t i = 0; i < c->existing->n; i++)
    if (strcmp (c->existing->v[i].path, "etc/resolv.conf") == 0 &&
        c->existing->v[i].target)
      return;
  old = f && f->data ? f->data : "";
  /* The resolvers go where the first nameserver line was. */
  for (const char *p = old; *p;) {
    const char *nl = strchr (p, '\n');
    size_t len = nl ? (size_t) (nl - p) : strlen (p);
    if (strncmp (p, "nameserver", 10) != 0)
      fg_strbuf_printf (&b, "%.*s\n", (int) len, p);
    else if (!done) {
      for (size_t i = 0; i < c->n->nresolvers && i < 3; i++)
        fg_strbuf_printf (&b, "nameserver %s\n", c->n->resolvers[i]);
      done = 1;
    }
    p = nl ? nl + 1 : p + len;
  }
  for (size_t i = 0; !done && i < c->n->nresolvers && i < 3; i++)
    fg_strbuf_printf (&b, "nameserver %s\n", c->n->resolvers[i]);
  emit (c, "etc/resolv.conf", &b);
}

/* A host name file holding only the name. */
static void
render_hostname_file (struct rctx *c, const char *path, int create)
{
  struct fg_strbuf b = FG_STRBUF_INIT;

  if (c->n->hostname == NULL || (!create && existing (c, path) == NULL))
    return;
  fg_strbuf_printf (&b, "%s\n", c->n->hostname);
  emit (c, path, &b);
}

/* KEY=value in a shell file PATH, replaced or appended (if it exists). */
static void
render_shell_key (struct rctx *c, const char *path, const char *key,
                  const char *value, int quote)
{
  const char *old = existing (c, path);
  const char *names[] = { key, NULL };
  struct fg_strbuf b = FG_STRBUF_INIT;

  if (old == NULL || value == NULL)
    return;
  copy_without (&b, old, drop_listed, names);
  fg_strbuf_printf (&b, quote ? "%s=\"%s\"\n" : "%s=%s\n", key, value);
  emit (c, path, &b);
}

/* Remove the files under DIR matching PATTERN that the render did not
 * write. */
static void
remove_stale (struct rctx *c, const char *dir, const char *pattern)
{
  const struct fg_file *v[256];
  size_t n = fg_files_list (c->existing, dir, v, 256);

  for (size_t i = 0; i < n; i++) {
    const char *base = strrchr (v[i]->path, '/');
    base = base ? base + 1 : v[i]->path;
    if (fnmatch (pattern, base, 0) == 0 &&
        fg_net_render_find (c->out, v[i]->path) == NULL)
      emit (c, v[i]->path, NULL);
  }
}

/* ---- Debian and Ubuntu: etc/network/interfaces --------------------------- */

/* Hook lines (pre-up iptables-restore, ...) of IFACE's stanzas in OLD,
 * kept as they were; route commands are the model's business. */
static void
debian_hooks (struct fg_strbuf *b, const char *old, const char *iface)
{
  int in = 0;

  for (const char *p = old; p && *p;) {
    const char *nl = strchr (p, '\n');
    size_t len = nl ? (size_t) (nl - p) : strlen (p);
    /* The whole line, however long: a hook is copied, never cut. */
    char *line = strndup (p, len), w1[64] = "", w2[64] = "";
    if (line == NULL) {
      b->oom = 1;
      return;
    }
    sscanf (line, "%63s %63s", w1, w2);
    if (strcmp (w1, "iface") == 0 || strcmp (w1, "mapping") == 0 ||
        strcmp (w1, "auto") == 0 || strncmp (w1, "allow-", 6) == 0 ||
        strcmp (w1, "source") == 0 || strcmp (w1, "source-directory") == 0)
      in = strcmp (w1, "iface") == 0 && strcmp (w2, iface) == 0;
    else if (in && (strcmp (w1, "pre-up") == 0 || strcmp (w1, "post-up") == 0 ||
                    strcmp (w1, "up") == 0 || strcmp (w1, "down") == 0 ||
                    strcmp (w1, "pre-down") == 0 ||
                    strcmp (w1, "post-down") == 0) &&
             strstr (line, "route") == NULL && strstr (line, " addr ") == NULL)
      fg_strbuf_printf (b, "    %s\n", line + strspn (line, " \t"));
    free (line);
    p = nl ? nl + 1 : NULL;
  }
}

/* I's "iface I inet ..." stanza with its addresses, MTU, resolvers,
 * IPv4 routes and the old file's hooks. */
static void
debian_inet (struct rctx *c, struct fg_strbuf *b, const struct fg_net_iface *i,
             const char *old)
{
  const struct fg_net *n = c->n;
  const char *own[64];
  size_t nown = own_v4 (i, own, 64);
  char addr[64], mask[20];
  int len;

  fg_strbuf_printf (b, "\nauto %s\n", i->name);
  if (nown == 0) {
    fg_strbuf_printf (b, "iface %s inet %s\n", i->name, i->dhcp4 ? "dhcp"
                      : "manual");
  } else {
    split_cidr (own[0], addr, sizeof addr, &len);
    mask4 (len, mask, sizeof mask);
    fg_strbuf_printf (b, "iface %s inet static\n    address %s\n    netmask "
                      "%s\n", i->name, addr, mask);
    if (i->gateway)
      fg_strbuf_printf (b, "    gateway %s\n", i->gateway);
    for (size_t j = 1; j < nown; j++) {
      fg_strbuf_printf (b, "    up ip addr add %s dev %s\n", own[j], i->name);
      fg_strbuf_printf (b, "    down ip addr del %s dev %s\n", own[j],
                        i->name);
    }
  }
  if (i->mtu)
    fg_strbuf_printf (b, "    mtu %d\n", i->mtu);
  if (i == dns_iface (n) && n->nresolvers) {
    fg_strbuf_printf (b, "    dns-nameservers");
    for (size_t j = 0; j < n->nresolvers; j++)
      fg_strbuf_printf (b, " %s", n->resolvers[j]);
    fg_strbuf_printf (b, "\n");
  }
  /* No "|| true": the plan checked every gateway (net/netplan.h);
   * a route that still fails at boot must say so, not be hidden. */
  for (size_t j = 0; j < i->nroutes; j++) {
    const struct fg_net_route *r = &i->routes[j];
    if (strchr (r->to, ':') || is_route_to_default (r))
      continue;
    fg_strbuf_printf (b, "    up ip route add %s%s%s dev %s\n", r->to,
                      r->via ? " via " : "", r->via ? r->via : "",
                      r->dev ? r->dev : i->name);
    fg_strbuf_printf (b, "    down ip route del %s%s%s dev %s\n", r->to,
                      r->via ? " via " : "", r->via ? r->via : "",
                      r->dev ? r->dev : i->name);
  }
  debian_hooks (b, old, i->name);
}

/* I's "iface I inet6 static" stanza and IPv6 routes, then its aliases. */
static void
debian_inet6_aliases (struct fg_strbuf *b, const struct fg_net_iface *i)
{
  char addr[64], mask[20];
  int len;

  for (size_t j = 0; j < i->nipv6; j++) {
    if (j == 0) {
      split_cidr (i->ipv6[0], addr, sizeof addr, &len);
      fg_strbuf_printf (b, "\niface %s inet6 static\n    address %s\n    "
                        "netmask %d\n", i->name, addr, len < 0 ? 64 : len);
      if (i->gateway6)
        fg_strbuf_printf (b, "    gateway %s\n", i->gateway6);
    } else {
      fg_strbuf_printf (b, "    up ip -6 addr add %s dev %s\n", i->ipv6[j],
                        i->name);
      fg_strbuf_printf (b, "    down ip -6 addr del %s dev %s\n", i->ipv6[j],
                        i->name);
    }
  }
  for (size_t j = 0; j < i->nroutes; j++) {
    const struct fg_net_route *r = &i->routes[j];
    if (!strchr (r->to, ':') || i->nipv6 == 0 || is_route_to_default (r))
      continue;
    fg_strbuf_printf (b, "    up ip -6 route add %s%s%s dev %s\n", r->to,
                      r->via ? " via " : "", r->via ? r->via : "",
                      r->dev ? r->dev : i->name);
  }
  for (size_t a = 0; a < i->naliases; a++) {
    const struct fg_net_alias *al = &i->aliases[a];
    for (size_t j = 0; j < al->naddrs; j++) {
      if (strchr (al->addrs[j], ':'))
        continue;
      split_cidr (al->addrs[j], addr, sizeof addr, &len);
      mask4 (len, mask, sizeof mask);
      fg_strbuf_printf (b, "\nauto %s\niface %s inet static\n    address %s\n"
                        "    netmask %s\n", al->name, al->name, addr, mask);
      break;
    }
  }
}

static void
render_debian (struct rctx *c)
{
  const struct fg_net *n = c->n;
  const char *old = existing (c, "etc/network/interfaces");
  struct fg_strbuf b = FG_STRBUF_INIT;

  fg_strbuf_printf (&b, "# %s\n\n# The loopback network interface\nauto lo\n"
                    "iface lo inet loopback\n", HEADER);
  for (size_t k = 0; k < n->nifaces; k++) {
    debian_inet (c, &b, &n->ifaces[k], old);
    debian_inet6_aliases (&b, &n->ifaces[k]);
  }
  emit (c, "etc/network/interfaces", &b);
  render_resolv (c);
  render_hostname_file (c, "etc/hostname", 1);
}

/* ---- Red Hat, CentOS, Fedora: sysconfig/network-scripts ----------------- */

#define RH_DIR "etc/sysconfig/network-scripts"

/* Keys fg2ng writes in an ifcfg file; the others are carried over. */
static const char *const rh_managed[] = {
  "DEVICE", "BOOTPROTO", "ONBOOT", "HWADDR", "MACADDR", "IPADDR*", "NETMASK*",
  "PREFIX*", "GATEWAY*", "BROADCAST", "NETWORK", "IPV6INIT", "IPV6ADDR*",
  "IPV6_DEFAULTGW", "IPV6_AUTOCONF", "DNS*", "PEERDNS", "NM_CONTROLLED",
  "MTU", NULL };

static void
rh_ifcfg (struct rctx *c, const struct fg_net_iface *i, const char *name,
          const char *cidr, int primary)
{
  char path[256], addr[64], mask[20];
  const char *old;
  struct fg_strbuf b = FG_STRBUF_INIT;
  int len;

  snprintf (path, sizeof path, RH_DIR "/ifcfg-%s", name);
  old = existing (c, path);
  fg_strbuf_printf (&b, "# %s\nDEVICE=%s\n", HEADER, name);
  if (cidr) {
    split_cidr (cidr, addr, sizeof addr, &len);
    mask4 (len, mask, sizeof mask);
    fg_strbuf_printf (&b, "BOOTPROTO=static\nIPADDR=%s\nNETMASK=%s\n", addr,
                      mask);
  } else
    fg_strbuf_printf (&b, "BOOTPROTO=%s\n", i->dhcp4 ? "dhcp" : "none");
  fg_strbuf_printf (&b, "ONBOOT=yes\n");
  if (!primary) {
    emit (c, path, &b);
    return;
  }
  fg_strbuf_printf (&b, "NM_CONTROLLED=no\n");
  if (i->mac)
    fg_strbuf_printf (&b, "HWADDR=%s\n", i->mac);
  if (i->gateway)
    fg_strbuf_printf (&b, "GATEWAY=%s\n", i->gateway);
  if (i->mtu)
    fg_strbuf_printf (&b, "MTU=%d\n", i->mtu);
  if (i->nipv6) {
    fg_strbuf_printf (&b, "IPV6INIT=yes\nIPV6_AUTOCONF=no\nIPV6ADDR=%s\n",
                      i->ipv6[0]);
    if (i->nipv6 > 1) {
      fg_strbuf_printf (&b, "IPV6ADDR_SECONDARIES=\"");
      for (size_t j = 1; j < i->nipv6; j++)
        fg_strbuf_printf (&b, "%s%s", j > 1 ? " " : "", i->ipv6[j]);
      fg_strbuf_printf (&b, "\"\n");
    }
    if (i->gateway6)
      fg_strbuf_printf (&b, "IPV6_DEFAULTGW=%s%%%s\n", i->gateway6, i->name);
  }
  if (i == dns_iface (c->n) && c->n->nresolvers) {
    fg_strbuf_printf (&b, "PEERDNS=no\n");
    for (size_t j = 0; j < c->n->nresolvers && j < 3; j++)
      fg_strbuf_printf (&b, "DNS%zu=%s\n", j + 1, c->n->resolvers[j]);
  }
  if (old) {
    struct fg_strbuf keep = FG_STRBUF_INIT;
    char *k;
    copy_without (&keep, old, drop_listed, (void *) rh_managed);
    if ((k = fg_strbuf_take (&keep)) == NULL)
      fg_strbuf_fail (&b);      /* never the file without its settings */
    /* Comments of the old file go; its other settings stay. */
    for (const char *p = k; p && *p;) {
      const char *nl = strchr (p, '\n');
      size_t l = nl ? (size_t) (nl - p) : strlen (p);
      if (l && p[strspn (p, " \t")] != '#' && p[strspn (p, " \t")] != '\n')
        fg_strbuf_printf (&b, "%.*s\n", (int) l, p);
      p = nl ? nl + 1 : NULL;
    }
    free (k);
  }
  emit (c, path, &b);
}

/* B as DIR/PREFIX-NAME when it holds any line (LINES), else nothing. */
static void
emit_lines (struct rctx *c, struct fg_strbuf *b, size_t lines,
            const char *prefix, const char *name)
{
  char path[256];

  if (lines == 0) {
    fg_strbuf_release (b);
    return;
  }
  snprintf (path, sizeof path, "%s%s", prefix, name);
  emit (c, path, b);
}

/* route-IF (ADDRESSn/NETMASKn/GATEWAYn) and route6-IF ("ip route" lines). */
static void
rh_routes (struct rctx *c, const struct fg_net_iface *i)
{
  struct fg_strbuf b = FG_STRBUF_INIT, b6 = FG_STRBUF_INIT;
  size_t idx = 0, n6 = 0;

  for (size_t j = 0; j < i->nroutes; j++) {
    const struct fg_net_route *r = &i->routes[j];
    char addr[64], mask[20];
    int len;
    if (is_route_to_default (r))
      continue;
    if (strchr (r->to, ':')) {
      fg_strbuf_printf (&b6, "%s%s%s dev %s\n", r->to, r->via ? " via " : "",
                        r->via ? r->via : "", i->name);
      n6++;
      continue;
    }
    if (idx == 0)
      fg_strbuf_printf (&b, "# %s\n", HEADER);
    split_cidr (r->to, addr, sizeof addr, &len);
    mask4 (len, mask, sizeof mask);
    fg_strbuf_printf (&b, "ADDRESS%zu=%s\nNETMASK%zu=%s\n", idx, addr, idx,
                      mask);
    if (r->via)
      fg_strbuf_printf (&b, "GATEWAY%zu=%s\n", idx, r->via);
    idx++;
  }
  emit_lines (c, &b, idx, RH_DIR "/route-", i->name);
  emit_lines (c, &b6, n6, RH_DIR "/route6-", i->name);
}

/* sysconfig/network: the host name; a GATEWAY there would override the
 * public interface's. */
static void
rh_network (struct rctx *c)
{
  static const char *const drop[] = { "HOSTNAME", "GATEWAY", "GATEWAYDEV",
                                      "NETWORKING_IPV6", NULL };
  const struct fg_net *n = c->n;
  const char *old = existing (c, "etc/sysconfig/network");
  struct fg_strbuf b = FG_STRBUF_INIT;
  int v6 = 0;

  for (size_t k = 0; k < n->nifaces; k++)
    v6 |= n->ifaces[k].nipv6 > 0;
  if (old)
    copy_without (&b, old, drop_listed, (void *) drop);
  else
    fg_strbuf_printf (&b, "NETWORKING=yes\n");
  if (v6)
    fg_strbuf_printf (&b, "NETWORKING_IPV6=yes\n");
  if (n->hostname)
    fg_strbuf_printf (&b, "HOSTNAME=%s\n", n->hostname);
  emit (c, "etc/sysconfig/network", &b);
}

static void
render_redhat (struct rctx *c)
{
  const struct fg_net *n = c->n;

  for (size_t k = 0; k < n->nifaces; k++) {
    const struct fg_net_iface *i = &n->ifaces[k];
    const char *own[64];
    size_t nown = own_v4 (i, own, 64);

    rh_ifcfg (c, i, i->name, nown ? own[0] : NULL, 1);
    /* More addresses than one without an alias: aliases of their own. */
    for (size_t j = 1; j < nown; j++) {
      char name[64];
      snprintf (name, sizeof name, "%s:%zu", i->name, 100 + j);
      rh_ifcfg (c, i, name, own[j], 0);
    }
    for (size_t a = 0; a < i->naliases; a++)
      for (size_t j = 0; j < i->aliases[a].naddrs; j++)
        if (!strchr (i->aliases[a].addrs[j], ':')) {
          rh_ifcfg (c, i, i->aliases[a].name, i->aliases[a].addrs[j], 0);
          break;
        }
    rh_routes (c, i);
  }
  rh_network (c);
  remove_stale (c, RH_DIR, "ifcfg-eth*");
  remove_stale (c, RH_DIR, "route-eth*");
  remove_stale (c, RH_DIR, "route6-eth*");
  render_resolv (c);
}

/* ---- openSUSE and SLES: sysconfig/network ------------------------------- */

#define SUSE_DIR "etc/sysconfig/network"

static void
render_suse (struct rctx *c)
{
  const struct fg_net *n = c->n;
  struct fg_strbuf routes = FG_STRBUF_INIT;

  fg_strbuf_printf (&routes, "# %s\n", HEADER);
  for (size_t k = 0; k < n->nifaces; k++) {
    const struct fg_net_iface *i = &n->ifaces[k];
    char path[256];
    struct fg_strbuf b = FG_STRBUF_INIT;
    unsigned extra = 0;
    const char *own[64];
    size_t nown = own_v4 (i, own, 64);

    fg_strbuf_printf (&b, "# %s\nBOOTPROTO='%s'\nSTARTMODE='auto'\n", HEADER,
             nown || i->nipv6 ? "static" : i->dhcp4 ? "dhcp" : "none");
    if (nown)
      fg_strbuf_printf (&b, "IPADDR='%s'\n", own[0]);
    for (size_t j = 1; j < nown; j++)
      fg_strbuf_printf (&b, "IPADDR_%u='%s'\n", ++extra, own[j]);
    for (size_t a = 0; a < i->naliases; a++)
      for (size_t j = 0; j < i->aliases[a].naddrs; j++) {
        const char *colon = strchr (i->aliases[a].name, ':');
        ++extra;
        fg_strbuf_printf (&b, "IPADDR_%u='%s'\nLABEL_%u='%s'\n", extra,
                 i->aliases[a].addrs[j], extra, colon ? colon + 1
                 : i->aliases[a].name);
      }
    for (size_t j = 0; j < i->nipv6; j++)
      fg_strbuf_printf (&b, "IPADDR_%u='%s'\n", ++extra, i->ipv6[j]);
    if (i->mtu)
      fg_strbuf_printf (&b, "MTU='%d'\n", i->mtu);
    if (i->mac)
      fg_strbuf_printf (&b, "LLADDR='%s'\n", i->mac);
    snprintf (path, sizeof path, SUSE_DIR "/ifcfg-%s", i->name);
    emit (c, path, &b);
    if (i->gateway)
      fg_strbuf_printf (&routes, "default %s - %s\n", i->gateway, i->name);
    if (i->gateway6)
      fg_strbuf_printf (&routes, "default %s - %s\n", i->gateway6, i->name);
    for (size_t j = 0; j < i->nroutes; j++)
      if (!is_route_to_default (&i->routes[j]))
        fg_strbuf_printf (&routes, "%s %s - %s\n", i->routes[j].to,
                 i->routes[j].via ? i->routes[j].via : "0.0.0.0",
                 i->routes[j].dev ? i->routes[j].dev : i->name);
  }
  emit (c, SUSE_DIR "/routes", &routes);
  remove_stale (c, SUSE_DIR, "ifcfg-eth*");
  remove_stale (c, SUSE_DIR, "ifroute-eth*");
  if (n->nresolvers && existing (c, SUSE_DIR "/config")) {
    struct fg_strbuf v = FG_STRBUF_INIT;
    char *val;
    for (size_t j = 0; j < n->nresolvers; j++)
      fg_strbuf_printf (&v, "%s%s", j ? " " : "", n->resolvers[j]);
    val = fg_strbuf_take (&v);
    if (val)
      render_shell_key (c, SUSE_DIR "/config", "NETCONFIG_DNS_STATIC_SERVERS",
                        val, 1);
    free (val);
  }
  render_resolv (c);
  render_hostname_file (c, "etc/HOSTNAME", 1);
}

/* ---- Arch: rc.conf (initscripts) or netcfg profiles ---------------------- */

static int
arch_uses_netcfg (struct rctx *c)
{
  const struct fg_file *v[8];
  const char *rc = existing (c, "etc/rc.conf");
  const char *p;

  if (fg_files_list (c->existing, "etc/network.d", v, 8) > 0 ||
      existing (c, "etc/conf.d/netcfg"))
    return 1;
  p = rc ? strstr (rc, "NETWORKS=(") : NULL;
  return p && p[10] != ')';
}

static int
drop_arch_net (const char *name, void *op)
{
  (void) op;
  if (strcmp (name, "INTERFACES") == 0 || strcmp (name, "ROUTES") == 0 ||
      strcmp (name, "gateway") == 0 || strcmp (name, "NETWORKS") == 0 ||
      strcmp (name, "HOSTNAME") == 0 || strncmp (name, "route_", 6) == 0 ||
      strncmp (name, "fg2ng_", 6) == 0 || strcmp (name, "interface") == 0 ||
      strcmp (name, "address") == 0 || strcmp (name, "netmask") == 0 ||
      strcmp (name, "broadcast") == 0)
    return 1;
  /* eth0="eth0 ..." lines, and the old route names (servicenet1=...) */
  return (strncmp (name, "eth", 3) == 0 && isdigit ((unsigned char) name[3]))
    || strstr (name, "servicenet") != NULL;
}

/* VAR="DEV ADDR netmask M broadcast B", as ifconfig takes it. */
static void
arch_ifconfig (struct fg_strbuf *b, const char *var, const char *dev,
               const char *cidr)
{
  char addr[64], mask[20], bc[20];
  int len;

  split_cidr (cidr, addr, sizeof addr, &len);
  mask4 (len, mask, sizeof mask);
  broadcast4 (addr, len, bc, sizeof bc);
  fg_strbuf_printf (b, "%s=\"%s %s netmask %s broadcast %s\"\n", var, dev,
                    addr, mask, bc);
}

/* rc.conf's INTERFACES=(...) and an ifconfig line per address. */
static void
arch_interfaces (struct rctx *c, struct fg_strbuf *b)
{
  const struct fg_net *n = c->n;

  fg_strbuf_printf (b, "INTERFACES=(");
  for (size_t k = 0; k < n->nifaces; k++) {
    const char *own[64];
    size_t nown = own_v4 (&n->ifaces[k], own, 64);
    fg_strbuf_printf (b, "%s%s", k ? " " : "", n->ifaces[k].name);
    for (size_t j = 1; nown && j < n->ifaces[k].nipv4; j++)
      fg_strbuf_printf (b, " %s_%zu", n->ifaces[k].name, j);
  }
  fg_strbuf_printf (b, ")\n");
  for (size_t k = 0; k < n->nifaces; k++) {
    const struct fg_net_iface *i = &n->ifaces[k];
    const char *own[64];
    size_t nown = own_v4 (i, own, 64), na = 0;
    if (nown == 0) {
      fg_strbuf_printf (b, "%s=\"%s\"\n", i->name, i->dhcp4 ? "dhcp" : "");
      continue;
    }
    arch_ifconfig (b, i->name, i->name, own[0]);
    /* Every further address as an alias eth0:N, named eth0_N (a shell
     * variable cannot hold ':'); INTERFACES lists those names. */
    for (size_t j = 0; j < i->nipv4; j++) {
      char var[64], dev[64];
      if (strcmp (i->ipv4[j], own[0]) == 0)
        continue;
      na++;
      snprintf (var, sizeof var, "%s_%zu", i->name, na);
      snprintf (dev, sizeof dev, "%s:%zu", i->name, na);
      arch_ifconfig (b, var, dev, i->ipv4[j]);
    }
    if (i->nipv6) {
      char w[256];
      snprintf (w, sizeof w, "%s: IPv6 %s%s is not configurable in Arch's "
                "rc.conf (initscripts): it is left out; netcfg or the "
                "next-gen agent must add it", i->name, i->ipv6[0],
                i->nipv6 > 1 ? " and more" : "");
      json_array_append_new (c->out->warnings, json_string (w));
      fg_strbuf_printf (b, "# %s\n", w);
    }
  }
}

/* rc.conf's gateway=, route_IF_N= and ROUTES=(...). */
static void
arch_routes (const struct fg_net *n, struct fg_strbuf *b)
{
  int first = 1;

  for (size_t k = 0; k < n->nifaces; k++) {
    const struct fg_net_iface *i = &n->ifaces[k];
    if (i->gateway)
      fg_strbuf_printf (b, "gateway=\"default gw %s\"\n", i->gateway);
    for (size_t j = 0; j < i->nroutes; j++) {
      const struct fg_net_route *r = &i->routes[j];
      char addr[64], mask[20];
      int len;
      if (strchr (r->to, ':') || is_route_to_default (r))
        continue;
      split_cidr (r->to, addr, sizeof addr, &len);
      mask4 (len, mask, sizeof mask);
      fg_strbuf_printf (b, "route_%s_%zu=\"-net %s netmask %s%s%s\"\n",
                        i->name, j, addr, mask, r->via ? " gw " : "",
                        r->via ? r->via : "");
    }
  }
  fg_strbuf_printf (b, "ROUTES=(");
  for (size_t k = 0; k < n->nifaces; k++)
    if (n->ifaces[k].gateway) {
      fg_strbuf_printf (b, "gateway");
      first = 0;
      break;
    }
  for (size_t k = 0; k < n->nifaces; k++)
    for (size_t j = 0; j < n->ifaces[k].nroutes; j++)
      if (!strchr (n->ifaces[k].routes[j].to, ':') &&
          !is_route_to_default (&n->ifaces[k].routes[j])) {
        fg_strbuf_printf (b, "%sroute_%s_%zu", first ? "" : " ",
                          n->ifaces[k].name, j);
        first = 0;
      }
  fg_strbuf_printf (b, ")\n");
}

/* "NAME=(" each of the N strings of V quoted ")". */
static void
arch_array (struct fg_strbuf *b, const char *name, char *const *v, size_t n)
{
  fg_strbuf_printf (b, "%s=(", name);
  for (size_t j = 0; j < n; j++)
    fg_strbuf_printf (b, "%s'%s'", j ? " " : "", v[j]);
  fg_strbuf_printf (b, ")\n");
}

/* netcfg's profile of I: etc/network.d/IF. */
static void
arch_netcfg_profile (struct rctx *c, const struct fg_net_iface *i)
{
  const char *own[64];
  size_t nown = own_v4 (i, own, 64);
  char path[256], addr[64];
  struct fg_strbuf p = FG_STRBUF_INIT;
  int len;

  fg_strbuf_printf (&p, "# %s\nCONNECTION='ethernet'\nDESCRIPTION='%s'\n"
                    "INTERFACE='%s'\n", HEADER, i->name, i->name);
  if (nown) {
    split_cidr (own[0], addr, sizeof addr, &len);
    fg_strbuf_printf (&p, "IP='static'\nADDR='%s'\nNETMASK='%d'\n", addr, len);
  } else
    fg_strbuf_printf (&p, "IP='%s'\n", i->dhcp4 ? "dhcp" : "no");
  if (i->gateway)
    fg_strbuf_printf (&p, "GATEWAY='%s'\n", i->gateway);
  if (nown > 1 || i->naliases) {
    fg_strbuf_printf (&p, "IPCFG=(");
    for (size_t j = 1; j < i->nipv4; j++)
      if (strcmp (i->ipv4[j], own[0]) != 0)
        fg_strbuf_printf (&p, "%s'addr add %s dev %s'", j > 1 ? " " : "",
                          i->ipv4[j], i->name);
    fg_strbuf_printf (&p, ")\n");
  }
  if (i->nroutes) {
    fg_strbuf_printf (&p, "ROUTES=(");
    for (size_t j = 0, f = 1; j < i->nroutes; j++)
      if (!strchr (i->routes[j].to, ':')) {
        fg_strbuf_printf (&p, "%s'%s%s%s'", f ? "" : " ", i->routes[j].to,
                          i->routes[j].via ? " via " : "",
                          i->routes[j].via ? i->routes[j].via : "");
        f = 0;
      }
    fg_strbuf_printf (&p, ")\n");
  }
  if (i->nipv6) {
    fg_strbuf_printf (&p, "IP6='static'\n");
    arch_array (&p, "ADDR6", i->ipv6, i->nipv6);
    if (i->gateway6)
      fg_strbuf_printf (&p, "GATEWAY6='%s'\n", i->gateway6);
  }
  if (i == dns_iface (c->n) && c->n->nresolvers)
    arch_array (&p, "DNS", c->n->resolvers, c->n->nresolvers);
  snprintf (path, sizeof path, "etc/network.d/%s", i->name);
  emit (c, path, &p);
}

static void
render_arch (struct rctx *c)
{
  const struct fg_net *n = c->n;
  const char *rc = existing (c, "etc/rc.conf");
  int netcfg = arch_uses_netcfg (c);
  struct fg_strbuf b = FG_STRBUF_INIT;

  if (rc)
    copy_without (&b, rc, drop_arch_net, NULL);
  fg_strbuf_printf (&b, "\n# Network: %s\n", HEADER);
  if (n->hostname)
    fg_strbuf_printf (&b, "HOSTNAME=\"%s\"\n", n->hostname);
  if (netcfg) {
    fg_strbuf_printf (&b, "NETWORKS=(");
    for (size_t k = 0; k < n->nifaces; k++)
      fg_strbuf_printf (&b, "%s%s", k ? " " : "", n->ifaces[k].name);
    fg_strbuf_printf (&b, ")\nINTERFACES=()\n");
  } else {
    arch_interfaces (c, &b);
    arch_routes (n, &b);
  }
  emit (c, "etc/rc.conf", &b);
  for (size_t k = 0; netcfg && k < n->nifaces; k++)
    arch_netcfg_profile (c, &n->ifaces[k]);
  if (existing (c, "etc/conf.d/netcfg")) {
    static const char *const drop[] = { "NETWORKS", NULL };
    struct fg_strbuf p = FG_STRBUF_INIT;
    copy_without (&p, existing (c, "etc/conf.d/netcfg"), drop_listed,
                  (void *) drop);
    fg_strbuf_printf (&p, "NETWORKS=(");
    for (size_t k = 0; k < n->nifaces; k++)
      fg_strbuf_printf (&p, "%s%s", k ? " " : "", n->ifaces[k].name);
    fg_strbuf_printf (&p, ")\n");
    emit (c, "etc/conf.d/netcfg", &p);
  }
  render_resolv (c);
  render_hostname_file (c, "etc/hostname", 0);
}

/* ---- Gentoo: etc/conf.d/net ---------------------------------------------- */

/* NAME=VALUES as baselayout-1's array ( "a" "b" ) or OpenRC's string
 * "a\nb". */
static void
gentoo_var (struct fg_strbuf *b, const char *name, const char *iface,
            char **v, size_t n, int arrays)
{
  if (n == 0)
    return;
  fg_strbuf_printf (b, "%s_%s=%s", name, iface, arrays ? "(" : "\"");
  for (size_t i = 0; i < n; i++)
    fg_strbuf_printf (b, arrays ? " \"%s\"" : "%s%s",
                      arrays ? v[i] : i ? "\n" : "", arrays ? "" : v[i]);
  fg_strbuf_printf (b, "%s\n", arrays ? " )" : "\"");
}

/* Whether OLD's routes are route(8) arguments: with the ifconfig module
 * (baselayout-1's default, ARRAYS, unless iproute2 is named), not ip's. */
static int
gentoo_route8 (const char *old, int arrays)
{
  const char *mods = old ? strstr (old, "modules=") : NULL;
  const char *nl = mods ? strchr (mods, '\n') : NULL;
  const char *ifc = mods ? strstr (mods, "ifconfig") : NULL;
  const char *ipr = mods ? strstr (mods, "iproute2") : NULL;

  if (mods == NULL)
    return arrays;
  if (ipr && (nl == NULL || ipr < nl))
    return 0;
  return ifc != NULL && (nl == NULL || ifc < nl);
}

/* config_I, routes_I, mtu_I and dns_servers_I. */
static void
gentoo_iface (struct rctx *c, struct fg_strbuf *b, const struct fg_net_iface *i,
              int arrays, int route8)
{
  const struct fg_net *n = c->n;
  char *v[160], tmp[160][128];
  size_t nv = 0;

  for (size_t j = 0; j < i->nipv4 && nv < 64; j++)
    v[nv++] = i->ipv4[j];
  for (size_t j = 0; j < i->nipv6 && nv < 80; j++)
    v[nv++] = i->ipv6[j];
  if (nv == 0)
    v[nv++] = i->dhcp4 ? "dhcp" : "null";
  fg_strbuf_printf (b, "\n");
  gentoo_var (b, "config", i->name, v, nv, arrays);
  nv = 0;
  if (i->gateway) {
    snprintf (tmp[nv], sizeof tmp[nv], route8 ? "default gw %s"
              : "default via %s", i->gateway);
    v[nv] = tmp[nv];
    nv++;
  }
  if (i->gateway6) {
    snprintf (tmp[nv], sizeof tmp[nv], route8 ? "-A inet6 default gw %s"
              : "default via %s", i->gateway6);
    v[nv] = tmp[nv];
    nv++;
  }
  for (size_t j = 0; j < i->nroutes && nv < 160; j++) {
    const struct fg_net_route *r = &i->routes[j];
    char addr[64], mask[20];
    int len;
    if (route8 && !strchr (r->to, ':')) {
      split_cidr (r->to, addr, sizeof addr, &len);
      mask4 (len, mask, sizeof mask);
      snprintf (tmp[nv], sizeof tmp[nv], "-net %s netmask %s%s%s", addr,
                mask, r->via ? " gw " : "", r->via ? r->via : "");
    } else
      snprintf (tmp[nv], sizeof tmp[nv], "%s%s%s", r->to,
                r->via ? " via " : "", r->via ? r->via : "");
    v[nv] = tmp[nv];
    nv++;
  }
  gentoo_var (b, "routes", i->name, v, nv, arrays);
  if (i->mtu)
    fg_strbuf_printf (b, "mtu_%s=\"%d\"\n", i->name, i->mtu);
  if (i == dns_iface (n) && n->nresolvers) {
    fg_strbuf_printf (b, "dns_servers_%s=\"", i->name);
    for (size_t j = 0; j < n->nresolvers; j++)
      fg_strbuf_printf (b, "%s%s", j ? " " : "", n->resolvers[j]);
    fg_strbuf_printf (b, "\"\n");
  }
}

static void
render_gentoo (struct rctx *c)
{
  const struct fg_net *n = c->n;
  const char *old = existing (c, "etc/conf.d/net");
  /* baselayout-1 wrote arrays: config_eth0=( "..." ); OpenRC strings. */
  int arrays = old && strstr (old, "=(") != NULL;
  int route8 = gentoo_route8 (old, arrays);
  struct fg_strbuf b = FG_STRBUF_INIT;

  fg_strbuf_printf (&b, "# %s\n", HEADER);
  if (old && strstr (old, "modules=")) {
    const char *p = strstr (old, "modules="), *nl = strchr (p, '\n');
    fg_strbuf_printf (&b, "%.*s\n", (int) (nl ? nl - p : (long) strlen (p)), p);
  }
  for (size_t k = 0; k < n->nifaces; k++)
    gentoo_iface (c, &b, &n->ifaces[k], arrays, route8);
  emit (c, "etc/conf.d/net", &b);
  render_resolv (c);
  if (n->hostname && existing (c, "etc/conf.d/hostname")) {
    const char *h = existing (c, "etc/conf.d/hostname");
    render_shell_key (c, "etc/conf.d/hostname", strstr (h, "HOSTNAME=")
                      ? "HOSTNAME" : "hostname", n->hostname, 1);
  } else if (n->hostname) {
    struct fg_strbuf h = FG_STRBUF_INIT;
    fg_strbuf_printf (&h, "# %s\n%s=\"%s\"\n", HEADER, arrays ? "HOSTNAME"
                      : "hostname", n->hostname);
    emit (c, "etc/conf.d/hostname", &h);
  }
}

/* ---- the table ------------------------------------------------------------ */

static const struct {
  const char *name;
  void (*render) (struct rctx *c);
} renderers[] = {
  { "debian-interfaces", render_debian },
  { "rhel-ifcfg", render_redhat },
  { "suse-ifcfg", render_suse },
  { "arch-rc-conf", render_arch },
  { "gentoo-conf-d-net", render_gentoo },
};

int
fg_net_renderer_known (const char *name)
{
  for (size_t i = 0; i < sizeof renderers / sizeof renderers[0]; i++)
    if (strcmp (renderers[i].name, name) == 0)
      return 1;
  return 0;
}

int
fg_net_render (const char *renderer, const struct fg_net *n,
               const struct fg_files *ex, struct fg_net_render *out,
               struct fg_err *e)
{
  static const struct fg_files none;
  struct rctx c = { n, ex ? ex : &none, out, 0 };

  memset (out, 0, sizeof *out);
  out->warnings = json_array ();
  if (out->warnings == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "network files");
  for (size_t i = 0; i < sizeof renderers / sizeof renderers[0]; i++)
    if (strcmp (renderers[i].name, renderer) == 0) {
      renderers[i].render (&c);
      if (c.oom) {
        fg_net_render_release (out);
        return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "network files");
      }
      return 0;
    }
  fg_net_render_release (out);
  return fg_err_set (e, FG_E_INTERNAL, "no network renderer named '%s'",
                     renderer);
}

void
fg_net_render_release (struct fg_net_render *r)
{
  for (size_t i = 0; i < r->n; i++) {
    free (r->v[i].path);
    free (r->v[i].text);
  }
  free (r->v);
  json_decref (r->warnings);
  memset (r, 0, sizeof *r);
}

const struct fg_net_out *
fg_net_render_find (const struct fg_net_render *r, const char *path)
{
  for (size_t i = 0; i < r->n; i++)
    if (strcmp (r->v[i].path, path) == 0)
      return &r->v[i];
  return NULL;
}
