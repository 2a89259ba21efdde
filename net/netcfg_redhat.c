/* net/netcfg_redhat.c --- RHEL, CentOS and Fedora
 * etc/sysconfig/network-scripts/ifcfg-*, route-*, route6-* and
 * etc/sysconfig/network
 *
 * Each ifcfg file is a sh fragment read with the shared lexer.  The
 * interface is DEVICE=, else the name udev gives the file's HWADDR, else
 * the file's suffix; alias files (DEVICE=eth0:1) fold into the parent.
 * Addresses are taken in initscripts' order (expand_config): IPADDR,
 * then IPADDR0, IPADDR1, ... with PREFIXn or NETMASKn, then IPV6ADDR,
 * IPV6ADDR_SECONDARIES and, because Rackspace's nova-agent 2.x writes
 * them though initscripts never reads them, IPV6ADDRn.
 *
 * A route file belongs to the configuration of the same suffix
 * (route-<config name>, as NetworkManager's test data names them), else
 * to the device of that name.  Two forms: ADDRESSn=/NETMASKn=/GATEWAYn=
 * keys, or one "ip route add" argument list per line; a default route
 * in either becomes the gateway.
 *
 * etc/sysconfig/network gives HOSTNAME, and GATEWAY / IPV6_DEFAULTGW for
 * interfaces that have none of their own: on GATEWAYDEV (IPV6_DEFAULTDEV,
 * or the %zone) if named, else on the interface whose subnet holds it,
 * which is what ifup-eth checks before adding the route.
 */
#define FG_NETCFG_INTERNAL
#include "net/netcfg.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DIR "etc/sysconfig/network-scripts"

/* What initscripts skips (is_ignored_file in network-functions). */
static int
ignored_name (const char *name)
{
  static const char *const tails[] = {
    "~", ".bak", ".old", ".orig", ".rpmnew", ".rpmorig", ".rpmsave",
    ".swp", ".dpkg-old", ".dpkg-dist", NULL,
  };

  return nc_ignored_name (name, tails);
}

/* The numeric suffixes N of every "PREFIXN=" assignment, ascending. */
static size_t
numbered (struct nc *c, const struct nc_shell *sh, const char *prefix,
          long **out)
{
  size_t pl = strlen (prefix), n = 0;
  long *v = NULL;

  *out = NULL;
  for (size_t k = 0; k < sh->n; k++) {
    const char *name = sh->v[k].name, *d;
    long num = 0;
    int dup = 0;
    if (strncmp (name, prefix, pl) != 0 || name[pl] == '\0')
      continue;
    /* initscripts reads IPADDR0..255; a thousand is plenty for all */
    for (d = name + pl; *d && isdigit ((unsigned char) *d) && num < 1000; d++)
      num = num * 10 + (*d - '0');
    if (*d || num >= 1000)
      continue;
    for (size_t j = 0; j < n; j++)
      dup |= v[j] == num;
    if (dup)
      continue;
    {
      long *nv = realloc (v, (n + 1) * sizeof *nv);
      if (nv == NULL) {
        c->oom = 1;
        break;
      }
      v = nv;
    }
    /* insertion sort: the lists are short */
    {
      size_t j = n++;
      while (j > 0 && v[j - 1] > num) {
        v[j] = v[j - 1];
        j--;
      }
      v[j] = num;
    }
  }
  *out = v;
  return n;
}

/* One configuration: its name (file suffix) and what it became. */
struct cfg {
  const char *suffix;
  struct fg_net_iface *i;
};

static void
ipv4_addresses (struct nc *c, struct fg_net_iface *i, const char *alias,
                const struct nc_shell *sh, const char *path)
{
  long *idx;
  size_t n = numbered (c, sh, "IPADDR", &idx);

  /* "" first, then the numbered ones: expand_config's order. */
  for (size_t k = 0; k <= n; k++) {
    char sfx[24] = "";
    unsigned line = 0, ml = 0;
    const char *ip, *mask;
    if (k > 0)
      snprintf (sfx, sizeof sfx, "%ld", idx[k - 1]);
    if ((ip = nc_shell_nonempty_k (c, sh, "IPADDR", sfx, &line)) == NULL)
      continue;
    mask = nc_shell_nonempty_k (c, sh, "PREFIX", sfx, &ml);
    if (mask == NULL)
      mask = nc_shell_nonempty_k (c, sh, "NETMASK", sfx, &ml);
    nc_add_addr (c, i, alias, ip, mask, path, line);
  }
  free (idx);
}

static void
ipv6_addresses (struct nc *c, struct fg_net_iface *i, const char *alias,
                const struct nc_shell *sh, const char *path)
{
  const char *v;
  unsigned line = 0;
  long *idx;
  size_t n;
  int any = 0;

  /* initscripts' default IPv6 prefix is /64: no problem line for it. */
  if ((v = nc_shell_nonempty (sh, "IPV6ADDR", &line)) != NULL) {
    nc_add_addr (c, i, alias, v, "64", path, line);
    any = 1;
  }
  if ((v = nc_shell_nonempty (sh, "IPV6ADDR_SECONDARIES", &line)) != NULL) {
    size_t nw;
    int unterminated;
    char **w = nc_words (c, v, &nw, &unterminated);
    for (size_t k = 0; k < nw; k++)
      nc_add_addr (c, i, alias, w[k], "64", path, line);
    nc_strv_free (w, nw);
    any = 1;
  }
  n = numbered (c, sh, "IPV6ADDR", &idx);
  for (size_t k = 0; k < n; k++) {
    char sfx[24];
    snprintf (sfx, sizeof sfx, "%ld", idx[k]);
    if ((v = nc_shell_nonempty_k (c, sh, "IPV6ADDR", sfx, &line)) != NULL) {
      nc_add_addr (c, i, alias, v, "64", path, line);
      any = 1;
    }
  }
  free (idx);
  if (any && (v = nc_shell_nonempty (sh, "IPV6INIT", &line)) != NULL
      && (!strcasecmp (v, "no") || !strcmp (v, "0")
          || !strcasecmp (v, "false")))
    nc_problem (c, path, line, "IPV6INIT=no: the IPv6 addresses listed are "
                "not configured at boot");
}

static void
resolvers (struct nc *c, const struct nc_shell *sh, const char *path)
{
  long *idx;
  size_t n = numbered (c, sh, "DNS", &idx);

  for (size_t k = 0; k < n; k++) {
    char sfx[24];
    unsigned line = 0;
    const char *v;
    snprintf (sfx, sizeof sfx, "%ld", idx[k]);
    if ((v = nc_shell_nonempty_k (c, sh, "DNS", sfx, &line)) != NULL)
      nc_add_resolvers (c, v, path, line);
  }
  free (idx);
}

/* IPV6_DEFAULTGW "addr%dev": the zone names the device. */
static struct fg_net_iface *
zone_iface (struct nc *c, const char *gw, const char *path, unsigned line)
{
  const char *pct = strchr (gw, '%');
  struct fg_net_iface *i = NULL;

  if (pct && pct[1]) {
    char *dev = nc_strdup (c, pct + 1);
    if (dev)
      i = nc_iface (c, dev, NULL, path, line);
    free (dev);
  }
  return i;
}

static struct fg_net_iface *
read_ifcfg (struct nc *c, const struct fg_file *f, const char *suffix)
{
  struct nc_shell sh;
  struct fg_net_iface *i = NULL;
  const char *dev, *v, *alias = NULL;
  unsigned line = 0;
  char *mac = NULL;

  nc_shell_parse (c, f, &sh);
  if ((v = nc_shell_nonempty (&sh, "HWADDR", &line)) != NULL)
    mac = nc_mac_canon (c, v);
  dev = nc_shell_nonempty (&sh, "DEVICE", &line);
  if (dev == NULL && mac)
    dev = nc_udev_name_for (c, mac);
  if (dev == NULL)
    dev = suffix;
  if (nc_is_loopback (dev))
    goto out;
  if ((i = nc_iface (c, dev, &alias, f->path, line)) == NULL)
    goto out;
  if ((v = nc_shell_nonempty (&sh, "HWADDR", &line)) != NULL)
    nc_set_mac (c, i, v, f->path, line);
  if ((v = nc_shell_nonempty (&sh, "BOOTPROTO", &line)) != NULL
      && (!strcasecmp (v, "dhcp") || !strcasecmp (v, "bootp")))
    i->dhcp4 = 1;
  ipv4_addresses (c, i, alias, &sh, f->path);
  if ((v = nc_shell_nonempty (&sh, "GATEWAY", &line)) != NULL)
    nc_set_gateway (c, i, v, f->path, line);
  ipv6_addresses (c, i, alias, &sh, f->path);
  if ((v = nc_shell_nonempty (&sh, "IPV6_DEFAULTGW", &line)) != NULL) {
    struct fg_net_iface *z = zone_iface (c, v, f->path, line);
    nc_set_gateway (c, z ? z : i, v, f->path, line);
  }
  resolvers (c, &sh, f->path);
  if ((v = nc_shell_nonempty (&sh, "MTU", &line)) != NULL)
    nc_set_mtu (c, i, v, f->path, line);
 out:
  free (mac);
  nc_shell_release (&sh);
  return i;
}

/* ADDRESSn=, NETMASKn=, GATEWAYn=, METRICn= */
static void
route_keys (struct nc *c, struct fg_net_iface *i, const struct fg_file *f)
{
  static const char *const keys[] = { "NETMASK", "GATEWAY", "METRIC" };
  static const char *const words[] = { "netmask", "via", "metric" };
  struct nc_shell sh;
  long *idx;
  size_t n;

  nc_shell_parse (c, f, &sh);
  n = numbered (c, &sh, "ADDRESS", &idx);
  for (size_t k = 0; k < n; k++) {
    char sfx[24], *w[8];
    const char *v, *why = NULL;
    unsigned line = 0, l2 = 0;
    size_t nw = 0;
    struct nc_route r;
    int got = -1, ok = 1;
    snprintf (sfx, sizeof sfx, "%ld", idx[k]);
    if (idx[k] != (long) k && (k == 0 || idx[k - 1] == (long) k - 1))
      nc_problem (c, f->path, 0, "ADDRESS%ld follows a gap: initscripts "
                  "stops at the first missing ADDRESSn", idx[k]);
    if ((v = nc_shell_nonempty_k (c, &sh, "ADDRESS", sfx, &line)) == NULL)
      continue;
    w[nw++] = nc_strdup (c, v);
    for (size_t j = 0; j < 3; j++)
      if ((v = nc_shell_nonempty_k (c, &sh, keys[j], sfx, &l2)) != NULL) {
        w[nw++] = nc_strdup (c, words[j]);
        w[nw++] = nc_strdup (c, v);
      }
    for (size_t j = 0; j < nw; j++)
      ok &= w[j] != NULL;
    if (ok)
      got = nc_route_parse (c, w, nw, &r, &why);
    if (got > 0) {
      nc_add_route (c, i, &r, f->path, line);
      nc_route_clear (&r);
    } else if (got < 0 && why)
      nc_problem (c, f->path, line, "ADDRESS%s: %s", sfx, why);
    for (size_t j = 0; j < nw; j++)
      free (w[j]);
  }
  free (idx);
  nc_shell_release (&sh);
}

/* One "ip route add" argument list per line. */
static void
route_lines (struct nc *c, struct fg_net_iface *i, const struct fg_file *f,
             int v6)
{
  struct nc_lines it;
  char *line;

  nc_lines_init (&it, f);
  while (nc_lines_next (c, &it, &line)) {
    size_t n;
    int unterminated, got;
    char **w = nc_words (c, line, &n, &unterminated), **args = w;
    struct nc_route r;
    const char *why;
    if (n == 0) {
      free (w);
      continue;
    }
    /* "ip route add" written out in full is tolerated */
    if (n > 2 && !strcmp (w[0], "ip") && !strcmp (w[1], "route")) {
      args += 2;
      n -= 2;
    }
    if (v6) {
      /* route6-*: a hint the parser reads like "ip -6" */
      char **v = malloc ((n + 1) * sizeof *v);
      static char minus6[] = "-6";
      if (v == NULL) {
        c->oom = 1;
        nc_strv_free (w, (size_t) (args - w) + n);
        break;
      }
      v[0] = minus6;
      memcpy (v + 1, args, n * sizeof *v);
      got = nc_route_parse (c, v, n + 1, &r, &why);
      free (v);
    } else
      got = nc_route_parse (c, args, n, &r, &why);
    if (got > 0) {
      nc_add_route (c, i, &r, f->path, it.no);
      nc_route_clear (&r);
    } else if (got < 0)
      nc_problem_text (c, f->path, it.no, why, line, strlen (line));
    nc_strv_free (w, (size_t) (args - w) + n);
  }
  nc_lines_release (&it);
}

static int
key_form (const struct fg_file *f)
{
  const char *p = f->data, *end = f->data + f->len;

  while (p < end) {
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t'))
      q++;
    if (end - q > 7 && !strncmp (q, "ADDRESS", 7)
        && isdigit ((unsigned char) q[7]))
      return 1;
    p = memchr (p, '\n', (size_t) (end - p));
    if (p == NULL)
      break;
    p++;
  }
  return 0;
}

static void
global_gateways (struct nc *c, const struct nc_shell *sh, const char *path)
{
  const char *gw, *v;
  unsigned line = 0, l2 = 0;

  if ((gw = nc_shell_nonempty (sh, "GATEWAY", &line)) != NULL) {
    struct fg_net_iface *i = NULL;
    if ((v = nc_shell_nonempty (sh, "GATEWAYDEV", &l2)) != NULL) {
      char *d = nc_strdup (c, v);
      if (d)
        i = nc_iface (c, d, NULL, path, l2);
      free (d);
    }
    if (i == NULL)
      i = nc_iface_on_subnet (c, 4, gw);
    if (i == NULL && nc_is_ipv4 (gw))
      nc_problem (c, path, line, "GATEWAY=%s is on no configured interface's "
                  "subnet: not kept", gw);
    else if (i && i->gateway == NULL)
      nc_set_gateway (c, i, gw, path, line);
    else if (i == NULL)
      nc_problem_text (c, path, line, "not a gateway address", gw, strlen (gw));
  }
  if ((gw = nc_shell_nonempty (sh, "IPV6_DEFAULTGW", &line)) != NULL) {
    struct fg_net_iface *i = zone_iface (c, gw, path, line);
    if (i == NULL && (v = nc_shell_nonempty (sh, "IPV6_DEFAULTDEV", &l2)) != NULL) {
      char *d = nc_strdup (c, v);
      if (d)
        i = nc_iface (c, d, NULL, path, l2);
      free (d);
    }
    if (i == NULL) {
      char *plain = nc_strndup (c, gw, strcspn (gw, "%"));
      if (plain)
        i = nc_iface_on_subnet (c, 6, plain);
      free (plain);
    }
    if (i == NULL)
      nc_problem_text (c, path, line, "IPV6_DEFAULTGW on no configured "
                       "interface: not kept", gw, strlen (gw));
    else if (i->gateway6 == NULL)
      nc_set_gateway (c, i, gw, path, line);
  }
}

void
nc_parse_redhat (struct nc *c)
{
  const struct fg_files *fs = c->files;
  const struct fg_file **list = NULL, *net;
  struct cfg *cfgs = NULL;
  size_t n = 0, ncfg = 0;
  struct nc_shell global;

  memset (&global, 0, sizeof global);
  if (fs->n && (list = nc_alloc (c, fs->n * sizeof *list)) == NULL)
    return;
  if (list)
    n = fg_files_list (fs, DIR, list, fs->n);
  if (n && (cfgs = nc_alloc (c, n * sizeof *cfgs)) == NULL) {
    free (list);
    return;
  }
  for (size_t k = 0; k < n; k++) {
    const char *name = list[k]->path + strlen (DIR) + 1;
    const struct fg_file *f;
    if (strncmp (name, "ifcfg-", 6) != 0 || ignored_name (name))
      continue;
    if (strstr (name, "-range")) {
      nc_problem (c, list[k]->path, 0, "address range files are not read");
      continue;
    }
    if ((f = fg_files_get (fs, list[k]->path)) == NULL)
      continue;
    cfgs[ncfg].suffix = name + 6;
    cfgs[ncfg++].i = read_ifcfg (c, f, name + 6);
  }
  for (size_t k = 0; k < n; k++) {
    const char *name = list[k]->path + strlen (DIR) + 1, *sfx;
    const struct fg_file *f;
    struct fg_net_iface *i = NULL;
    int v6 = !strncmp (name, "route6-", 7);
    if ((strncmp (name, "route-", 6) && !v6) || ignored_name (name))
      continue;
    if ((f = fg_files_get (fs, list[k]->path)) == NULL)
      continue;
    sfx = name + (v6 ? 7 : 6);
    for (size_t j = 0; j < ncfg && i == NULL; j++)
      if (!strcmp (cfgs[j].suffix, sfx))
        i = cfgs[j].i;
    if (i == NULL)
      i = nc_iface (c, sfx, NULL, f->path, 0);
    if (i == NULL)
      continue;
    if (!v6 && key_form (f))
      route_keys (c, i, f);
    else
      route_lines (c, i, f, v6);
  }
  if ((net = fg_files_get (fs, "etc/sysconfig/network")) != NULL) {
    const char *v;
    unsigned line = 0;
    nc_shell_parse (c, net, &global);
    global_gateways (c, &global, net->path);
    if ((v = nc_shell_nonempty (&global, "HOSTNAME", &line)) != NULL)
      nc_set_hostname (c, v, net->path, line);
  }
  nc_shell_release (&global);
  free (cfgs);
  free (list);
}
