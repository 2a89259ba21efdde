/* net/netcfg_gentoo.c --- Gentoo etc/conf.d/net and
 * etc/conf.d/hostname
 *
 * Both generations of conf.d/net are sh:
 * - baselayout-1 (until 2011): bash arrays, one entry an element:
 *   config_eth0=( "198.101.227.76 netmask 255.255.255.0" ),
 *   routes_eth1=( "10.176.0.0 netmask 255.240.0.0 gw 10.180.128.1" ).
 * - OpenRC: strings, one entry a line:
 *   config_eth0="104.130.4.72/24
 *   2001:4802:7802:104:be76:4eff:fe20:7572/64".
 * An entry is an address ("a/len", or "a netmask m"), "dhcp", or "noop"
 * and friends; several addresses on one line (older OpenRC examples) are
 * read too.  routes_<if> entries are ip(8) or route(8) arguments ("default
 * via G", "N/len via G", "-net N netmask M gw G"); dns_servers_<if> and
 * mtu_<if> are read; the very old iface_<if>= and gateway="eth0/G" keys
 * as well.  The interface is the variable's suffix (OpenRC writes any
 * character other than letters, digits and '_' as '_').
 */
#define FG_NETCFG_INTERNAL
#include "net/netcfg.h"

#include <stdlib.h>
#include <string.h>

/* The entries of an assignment: array elements, or lines of a string. */
static char **
entries (struct nc *c, const struct nc_assign *a, size_t *n)
{
  char **v = NULL;

  *n = 0;
  for (size_t k = 0; k < a->nvals; k++) {
    const char *s = a->vals[k];
    while (*s) {
      size_t len = strcspn (s, "\n");
      const char *b = s, *e = s + len;
      while (b < e && (*b == ' ' || *b == '\t' || *b == '\r'))
        b++;
      while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
      if (e > b)
        nc_strv_push (c, &v, n, nc_strndup (c, b, (size_t) (e - b)));
      s += len + (s[len] == '\n');
    }
  }
  return v;
}

static int
is_addr (const char *w)
{
  int len;
  struct fg_ip ip;
  return nc_parse_cidr (w, &ip, &len) == 0;
}

static void
config_entry (struct nc *c, struct fg_net_iface *i, const char *alias,
              const char *e, const char *path, unsigned line)
{
  static const char *const arg_words[] = {
    "broadcast", "brd", "peer", "pointopoint", "scope", "metric",
    "valid_lft", "preferred_lft", "label", NULL,
  };
  size_t n;
  int unterminated;
  char **w = nc_words (c, e, &n, &unterminated);
  const char *addr = NULL, *mask = NULL;

  for (size_t k = 0; k < n; k++) {
    const char *const *aw;
    int known = 0;
    if (!strcmp (w[k], "dhcp") || !strcmp (w[k], "dhcpcd")
        || !strcmp (w[k], "dhclient") || !strcmp (w[k], "udhcpc")
        || !strcmp (w[k], "pump")) {
      i->dhcp4 = 1;
      continue;
    }
    if (!strcmp (w[k], "noop") || !strcmp (w[k], "null")
        || !strcmp (w[k], "apipa") || !strcmp (w[k], "ipv6ra"))
      continue;
    if (!strcmp (w[k], "netmask") && k + 1 < n) {
      mask = w[++k];
      continue;
    }
    if (!strcmp (w[k], "mtu") && k + 1 < n) {
      nc_set_mtu (c, i, w[++k], path, line);
      continue;
    }
    for (aw = arg_words; *aw; aw++)
      if (!strcmp (w[k], *aw))
        known = 1;
    if (known) {
      k++;
      continue;
    }
    if (is_addr (w[k])) {
      if (addr)
        nc_add_addr (c, i, alias, addr, mask, path, line);
      addr = w[k];
      mask = NULL;
      continue;
    }
    nc_problem_text (c, path, line, "not understood in config_:", w[k],
                     strlen (w[k]));
  }
  if (addr)
    nc_add_addr (c, i, alias, addr, mask, path, line);
  nc_strv_free (w, n);
}

static void
route_entry (struct nc *c, struct fg_net_iface *i, const char *e,
             const char *path, unsigned line)
{
  size_t n;
  int unterminated, got;
  char **w = nc_words (c, e, &n, &unterminated);
  struct nc_route r;
  const char *why;

  got = nc_route_parse (c, w, n, &r, &why);
  if (got > 0) {
    nc_add_route (c, i, &r, path, line);
    nc_route_clear (&r);
  } else if (got < 0)
    nc_problem_text (c, path, line, why, e, strlen (e));
  nc_strv_free (w, n);
}

void
nc_parse_gentoo (struct nc *c)
{
  const struct fg_file *f = fg_files_get (c->files, "etc/conf.d/net");
  const struct fg_file *h = fg_files_get (c->files, "etc/conf.d/hostname");
  struct nc_shell sh;

  if (f) {
    nc_shell_parse (c, f, &sh);
    for (size_t k = 0; k < sh.n; k++) {
      const struct nc_assign *a = &sh.v[k];
      static const char *const prefixes[] = {
        "config_", "routes_", "dns_servers_", "mtu_", "iface_",
      };
      const char *dev = NULL, *alias = NULL;
      size_t which = 0, n;
      struct fg_net_iface *i;
      char **ent;
      if (nc_shell_get (&sh, a->name) != a)
        continue;               /* a later assignment wins */
      if (!strcmp (a->name, "gateway") && a->nvals) {
        /* baselayout 1.11: gateway="eth0/192.168.0.1" */
        const char *v = a->vals[0], *sl = strchr (v, '/');
        char *d = sl ? nc_strndup (c, v, (size_t) (sl - v)) : NULL;
        if (d && (i = nc_iface (c, d, NULL, f->path, a->line)) != NULL)
          nc_set_gateway (c, i, sl + 1, f->path, a->line);
        else if (!sl)
          nc_problem_text (c, f->path, a->line, "gateway= without a "
                           "device:", v, strlen (v));
        free (d);
        continue;
      }
      for (which = 0; which < 5; which++)
        if (!strncmp (a->name, prefixes[which], strlen (prefixes[which]))) {
          dev = a->name + strlen (prefixes[which]);
          break;
        }
      if (dev == NULL || *dev == '\0' || nc_is_loopback (dev))
        continue;               /* modules=, preup(), other settings */
      if ((i = nc_iface (c, dev, &alias, f->path, a->line)) == NULL)
        continue;
      ent = entries (c, a, &n);
      for (size_t j = 0; j < n; j++) {
        switch (which) {
        case 0:
        case 4:
          config_entry (c, i, alias, ent[j], f->path, a->line);
          break;
        case 1:
          route_entry (c, i, ent[j], f->path, a->line);
          break;
        case 2:
          nc_add_resolvers (c, ent[j], f->path, a->line);
          break;
        default:
          nc_set_mtu (c, i, ent[j], f->path, a->line);
        }
      }
      nc_strv_free (ent, n);
    }
    nc_shell_release (&sh);
  }
  if (h) {
    const char *v;
    unsigned line = 0;
    nc_shell_parse (c, h, &sh);
    /* OpenRC: hostname=; baselayout-1: HOSTNAME= */
    if ((v = nc_shell_value (&sh, "hostname", &line)) == NULL || !*v)
      v = nc_shell_value (&sh, "HOSTNAME", &line);
    if (v && *v)
      nc_set_hostname (c, v, h->path, line);
    nc_shell_release (&sh);
  }
}
