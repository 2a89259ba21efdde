/* net/netcfg_arch.c --- Arch Linux: etc/rc.conf, netcfg profiles
 * (etc/network.d) and netctl profiles (etc/netctl)
 *
 * Three generations:
 * - initscripts until 2011: INTERFACES=(eth0 eth1) names variables whose
 *   value is ifconfig's arguments (eth0="eth0 1.2.3.4 netmask M" or
 *   eth0="dhcp"); ROUTES=(a b) names variables holding route(8)'s
 *   arguments ("-net N netmask M gw G", "default gw G").  Those routes
 *   name no device, so each goes to the interface on its gateway's
 *   subnet.  "!name" entries are disabled.
 * - initscripts 2011-2012: one interface in lower-case keys interface=,
 *   address= (empty for DHCP), netmask=, gateway=.
 * - netcfg (2011-2013): profiles in etc/network.d enabled by NETWORKS=()
 *   in rc.conf or etc/conf.d/netcfg (INTERFACE, IP, ADDR, NETMASK,
 *   GATEWAY, ROUTES, IP6, ADDR6, GATEWAY6, ROUTES6, DNS); then netctl
 *   (2013-): profiles in etc/netctl (Interface, IP, Address, Gateway,
 *   Routes, IP6, Address6, Gateway6, Routes6, DNS), enabled by systemd
 *   links the file set does not hold, so every profile there is read.
 * HOSTNAME= in rc.conf names the host when etc/hostname does not.
 */
#define FG_NETCFG_INTERNAL
#include "net/netcfg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *
get (const struct nc_shell *sh, const char *name, unsigned *line)
{
  const char *v = nc_shell_value (sh, name, line);
  return v && *v ? v : NULL;
}

/* "eth0 173.200.100.10 netmask 255.255.255.0 broadcast B" or "dhcp" */
static void
legacy_iface (struct nc *c, const char *var, const char *val,
              const char *path, unsigned line)
{
  size_t n, k = 1;
  int unterminated;
  char **w = nc_words (c, val, &n, &unterminated);
  const char *addr = NULL, *mask = NULL, *alias = NULL;
  struct fg_net_iface *i;

  if (n == 0) {
    nc_strv_free (w, n);
    return;
  }
  if (!strcasecmp (w[0], "dhcp")) {
    if ((i = nc_iface (c, var, NULL, path, line)) != NULL)
      i->dhcp4 = 1;
    nc_strv_free (w, n);
    return;
  }
  /* ifconfig's first argument is the interface itself */
  if ((i = nc_iface (c, w[0], &alias, path, line)) == NULL) {
    nc_strv_free (w, n);
    return;
  }
  if (strcmp (w[0], var) != 0)
    nc_problem (c, path, line, "%s= configures %s", var, w[0]);
  if (k < n && strcmp (w[k], "up") && strcmp (w[k], "down"))
    addr = w[k++];
  for (; k < n; k++) {
    if (!strcmp (w[k], "netmask") && k + 1 < n)
      mask = w[++k];
    else if ((!strcmp (w[k], "broadcast") || !strcmp (w[k], "pointopoint"))
             && k + 1 < n)
      k++;
    else if (!strcmp (w[k], "mtu") && k + 1 < n)
      nc_set_mtu (c, i, w[++k], path, line);
    else if (!strcmp (w[k], "hw") && k + 2 < n)
      k += 2;                   /* "hw ether M" sets the MAC, pins nothing */
    else if (strcmp (w[k], "up") && strcmp (w[k], "down")
             && strcmp (w[k], "arp") && strcmp (w[k], "-arp")
             && strcmp (w[k], "promisc"))
      nc_problem_text (c, path, line, "ifconfig argument not understood:",
                       w[k], strlen (w[k]));
  }
  if (addr)
    nc_add_addr (c, i, alias, addr, mask, path, line);
  nc_strv_free (w, n);
}

static void
parse_rc_conf (struct nc *c, const struct nc_shell *sh, const char *path)
{
  const struct nc_assign *ifs = nc_shell_get (sh, "INTERFACES");
  const struct nc_assign *routes = nc_shell_get (sh, "ROUTES");
  const char *v;
  unsigned line = 0;

  for (size_t k = 0; ifs && k < ifs->nvals; k++) {
    const char *name = ifs->vals[k];
    const struct nc_assign *a;
    if (name[0] == '!' || name[0] == '\0')
      continue;
    a = nc_shell_get (sh, name);
    if (a == NULL || a->nvals == 0) {
      nc_problem_text (c, path, ifs->line, "INTERFACES names an unset "
                       "variable:", name, strlen (name));
      continue;
    }
    legacy_iface (c, name, a->vals[0], path, a->line);
  }
  /* 2011-2012: interface=eth0 address=... */
  if ((v = get (sh, "interface", &line)) != NULL) {
    struct fg_net_iface *i;
    const char *alias = NULL, *addr, *gw;
    unsigned al = 0, gl = 0, ml = 0;
    if ((i = nc_iface (c, v, &alias, path, line)) != NULL) {
      if ((addr = get (sh, "address", &al)) == NULL)
        i->dhcp4 = 1;
      else
        nc_add_addr (c, i, alias, addr, get (sh, "netmask", &ml), path, al);
      if ((gw = get (sh, "gateway", &gl)) != NULL)
        nc_set_gateway (c, i, gw, path, gl);
    }
  }
  /* Routes after every interface: they are placed by subnet. */
  for (size_t k = 0; routes && k < routes->nvals; k++) {
    const char *name = routes->vals[k];
    const struct nc_assign *a;
    struct nc_route r;
    const char *why;
    size_t n;
    int unterminated, got;
    char **w;
    if (name[0] == '!' || name[0] == '\0')
      continue;
    a = nc_shell_get (sh, name);
    if (a == NULL || a->nvals == 0) {
      nc_problem_text (c, path, routes->line, "ROUTES names an unset "
                       "variable:", name, strlen (name));
      continue;
    }
    w = nc_words (c, a->vals[0], &n, &unterminated);
    got = nc_route_parse (c, w, n, &r, &why);
    if (got > 0) {
      nc_place_route (c, &r, path, a->line);
      nc_route_clear (&r);
    } else if (got < 0)
      nc_problem_text (c, path, a->line, why, a->vals[0], strlen (a->vals[0]));
    nc_strv_free (w, n);
  }
}

/* Every element of an array (or the words of a scalar). */
static void
each_value (struct nc *c, const struct nc_assign *a,
            void (*fn) (struct nc *, const char *, void *), void *arg)
{
  for (size_t k = 0; a && k < a->nvals; k++) {
    if (a->is_array)
      fn (c, a->vals[k], arg);
    else {
      size_t n;
      int unterminated;
      char **w = nc_words (c, a->vals[k], &n, &unterminated);
      for (size_t j = 0; j < n; j++)
        fn (c, w[j], arg);
      nc_strv_free (w, n);
    }
  }
}

struct prof {
  struct fg_net_iface *i;
  const char *path;
  unsigned line;
  const char *mask;
  int v6;
};

static void
prof_addr (struct nc *c, const char *v, void *arg)
{
  struct prof *p = arg;
  nc_add_addr (c, p->i, NULL, v, p->mask, p->path, p->line);
}

static void
prof_route (struct nc *c, const char *v, void *arg)
{
  struct prof *p = arg;
  size_t n;
  int unterminated, got;
  char **w = nc_words (c, v, &n, &unterminated), **args = w;
  static char minus6[] = "-6";
  struct nc_route r;
  const char *why;

  if (p->v6 && n) {
    args = malloc ((n + 1) * sizeof *args);
    if (args == NULL) {
      c->oom = 1;
      nc_strv_free (w, n);
      return;
    }
    args[0] = minus6;
    memcpy (args + 1, w, n * sizeof *args);
  }
  got = nc_route_parse (c, args, n + (args != w), &r, &why);
  if (args != w)
    free (args);
  if (got > 0) {
    nc_add_route (c, p->i, &r, p->path, p->line);
    nc_route_clear (&r);
  } else if (got < 0)
    nc_problem_text (c, p->path, p->line, why, v, strlen (v));
  nc_strv_free (w, n);
}

static void
prof_dns (struct nc *c, const char *v, void *arg)
{
  struct prof *p = arg;
  nc_add_resolver (c, v, p->path, p->line);
}

/* A netcfg (upper-case keys) or netctl (capitalised keys) profile. */
static void
parse_profile (struct nc *c, const struct fg_file *f, int netctl)
{
  struct nc_shell sh;
  struct prof p = { NULL, f->path, 0, NULL, 0 };
  const char *dev, *v;
  const struct nc_assign *a;
  unsigned line = 0;
#define K(netcfg_key, netctl_key) (netctl ? netctl_key : netcfg_key)

  nc_shell_parse (c, f, &sh);
  dev = get (&sh, K ("INTERFACE", "Interface"), &line);
  if (dev == NULL) {
    nc_problem (c, f->path, 0, "profile names no interface");
    goto out;
  }
  if ((p.i = nc_iface (c, dev, NULL, f->path, line)) == NULL)
    goto out;
  if ((v = get (&sh, "IP", &line)) != NULL && !strcasecmp (v, "dhcp"))
    p.i->dhcp4 = 1;
  if (!netctl && (a = nc_shell_get (&sh, "ADDR")) != NULL) {
    unsigned ml = 0;
    p.line = a->line;
    p.mask = get (&sh, "NETMASK", &ml);
    each_value (c, a, prof_addr, &p);
    p.mask = NULL;
  }
  if ((a = nc_shell_get (&sh, K ("ADDR6", "Address6"))) != NULL) {
    p.line = a->line;
    each_value (c, a, prof_addr, &p);
  }
  if (netctl && (a = nc_shell_get (&sh, "Address")) != NULL) {
    p.line = a->line;
    each_value (c, a, prof_addr, &p);
  }
  if ((v = get (&sh, K ("GATEWAY", "Gateway"), &line)) != NULL)
    nc_set_gateway (c, p.i, v, f->path, line);
  if ((v = get (&sh, K ("GATEWAY6", "Gateway6"), &line)) != NULL)
    nc_set_gateway (c, p.i, v, f->path, line);
  if ((a = nc_shell_get (&sh, K ("ROUTES", "Routes"))) != NULL) {
    p.line = a->line;
    for (size_t k = 0; k < a->nvals; k++)
      prof_route (c, a->vals[k], &p);
  }
  if ((a = nc_shell_get (&sh, K ("ROUTES6", "Routes6"))) != NULL) {
    p.line = a->line;
    p.v6 = 1;
    for (size_t k = 0; k < a->nvals; k++)
      prof_route (c, a->vals[k], &p);
    p.v6 = 0;
  }
  if ((a = nc_shell_get (&sh, "DNS")) != NULL) {
    p.line = a->line;
    each_value (c, a, prof_dns, &p);
  }
  /* Raw ip commands: the extra addresses ("addr add A/len dev IF") are
   * read, as the profile's ip would apply them; others are reported. */
  if ((a = nc_shell_get (&sh, K ("IPCFG", "IPCustom"))) != NULL) {
    p.line = a->line;
    for (size_t k = 0; k < a->nvals; k++) {
      size_t n;
      int unterminated;
      char **w = nc_words (c, a->vals[k], &n, &unterminated);
      if (n >= 3 && (!strcmp (w[0], "addr") || !strcmp (w[0], "address")) &&
          !strcmp (w[1], "add") && (n == 3 || (n == 5 && !strcmp (w[3], "dev")
                                                && !strcmp (w[4], p.i->name))))
        nc_add_addr (c, p.i, NULL, w[2], NULL, f->path, a->line);
      else
        nc_problem_text (c, f->path, a->line, "raw ip command not read:",
                         a->vals[k], strlen (a->vals[k]));
      nc_strv_free (w, n);
    }
  }
 out:
  nc_shell_release (&sh);
#undef K
}

/* NETWORKS=(a !b @c menu): the profiles netcfg starts. */
static int
enabled (const struct nc_assign *nets, const char *name)
{
  for (size_t k = 0; k < nets->nvals; k++) {
    const char *v = nets->vals[k];
    if (v[0] == '@')
      v++;
    if (!strcmp (v, name) || !strcmp (v, "menu"))
      return 1;
  }
  return 0;
}

static void
profiles (struct nc *c, const char *dir, int netctl,
          const struct nc_assign *nets)
{
  const struct fg_files *fs = c->files;
  const struct fg_file **list;
  size_t n;

  if (fs->n == 0 || (list = nc_alloc (c, fs->n * sizeof *list)) == NULL)
    return;
  n = fg_files_list (fs, dir, list, fs->n);
  for (size_t k = 0; k < n; k++) {
    const char *name = list[k]->path + strlen (dir) + 1;
    const struct fg_file *f;
    if (name[0] == '.' || name[strlen (name) - 1] == '~')
      continue;
    if (nets && nets->nvals && !enabled (nets, name)) {
      nc_problem_text (c, list[k]->path, 0, "profile not in NETWORKS, "
                       "not read:", name, strlen (name));
      continue;
    }
    if ((f = fg_files_get (fs, list[k]->path)) != NULL)
      parse_profile (c, f, netctl);
  }
  free (list);
}

void
nc_parse_arch (struct nc *c)
{
  const struct fg_file *rc = fg_files_get (c->files, "etc/rc.conf");
  const struct fg_file *confd = fg_files_get (c->files, "etc/conf.d/netcfg");
  struct nc_shell sh, sh2;
  const struct nc_assign *nets = NULL;
  const char *v;
  unsigned line = 0;

  memset (&sh, 0, sizeof sh);
  memset (&sh2, 0, sizeof sh2);
  if (rc) {
    nc_shell_parse (c, rc, &sh);
    nets = nc_shell_get (&sh, "NETWORKS");
  }
  if (confd) {
    nc_shell_parse (c, confd, &sh2);
    if (nc_shell_get (&sh2, "NETWORKS"))
      nets = nc_shell_get (&sh2, "NETWORKS");
  }
  /* Profiles first: rc.conf's ROUTES are placed by the subnets of every
   * interface known. */
  profiles (c, "etc/network.d", 0, nets);
  profiles (c, "etc/netctl", 1, NULL);
  if (rc) {
    parse_rc_conf (c, &sh, rc->path);
    if ((v = get (&sh, "HOSTNAME", &line)) != NULL)
      nc_set_hostname (c, v, rc->path, line);
  }
  nc_shell_release (&sh);
  nc_shell_release (&sh2);
}
