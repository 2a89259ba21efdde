/* net/netcfg.c --- the network model: which family's files an image
 * has, the dispatch to its parser (inspect/netcfg_<family>.c), the files
 * every family shares read around it, and the model as JSON
 *
 * Every value from a guest file goes through a helper of the kit
 * (net/netcfg_kit.c) that parses
 * and canonicalises it (inet_pton/inet_ntop for addresses, a strict MAC
 * and interface-name check), so the model and its JSON hold only clean
 * ASCII, whatever bytes the file had.  Allocation failures set a sticky
 * flag instead of travelling back through every parser (the rio idea in
 * ../shared/STYLE.md); fg_net_parse turns it into the one error.
 */
#define FG_NETCFG_INTERNAL
#include "net/netcfg.h"
#include "facts/profiles.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const fg_net_file_patterns[] = {
  "etc/resolv.conf", "etc/hostname", "etc/HOSTNAME",
  "etc/udev/rules.d/70-persistent-net.rules",
  "etc/network/interfaces", "etc/network/interfaces.d/*",
  "etc/sysconfig/network", "etc/sysconfig/network-scripts/ifcfg-*",
  "etc/sysconfig/network-scripts/route-*",
  "etc/sysconfig/network-scripts/route6-*",
  "etc/sysconfig/network/*", "etc/rc.conf", "etc/conf.d/net",
  "etc/conf.d/hostname", "etc/conf.d/netcfg", "etc/network.d/*",
  "etc/netctl/*",
  NULL,
};

/* ---- dispatch -------------------------------------------------------- */

static int
has_prefix (const struct fg_files *fs, const char *prefix)
{
  size_t pl = strlen (prefix);

  for (size_t k = 0; k < fs->n; k++)
    if (strncmp (fs->v[k].path, prefix, pl) == 0)
      return 1;
  return 0;
}

static const char *
detect (const struct fg_files *fs)
{
  if (fg_files_get (fs, "etc/network/interfaces"))
    return "debian";
  if (has_prefix (fs, "etc/sysconfig/network-scripts/"))
    return "redhat";
  if (has_prefix (fs, "etc/sysconfig/network/"))
    return "suse";
  /* Before Arch: OpenRC Gentoo has an etc/rc.conf of its own. */
  if (fg_files_get (fs, "etc/conf.d/net"))
    return "gentoo";
  if (fg_files_get (fs, "etc/rc.conf") || has_prefix (fs, "etc/network.d/")
      || has_prefix (fs, "etc/netctl/"))
    return "arch";
  return NULL;
}

/* The families a parser reads.  A distribution's name ("ubuntu") is
 * mapped to one by the profiles' "distros" lists, the one distro ->
 * family map (facts/profiles.h), never by a list of its own here. */
static const char *const family_names[] = {
  "debian", "redhat", "suse", "arch", "gentoo",
};

static const char *
parser_family (const char *name)
{
  for (size_t k = 0; name && k < sizeof family_names / sizeof family_names[0];
       k++)
    if (strcasecmp (name, family_names[k]) == 0)
      return family_names[k];
  return NULL;
}

/* NAME, a family or a distribution (any case), as the family a parser
 * reads; NULL when it is neither (E set when the profiles cannot be
 * read). */
static const char *
family_of (const char *name, struct fg_err *e)
{
  char low[64];
  size_t i;

  if (parser_family (name))
    return parser_family (name);
  for (i = 0; name[i] && i < sizeof low - 1; i++)
    low[i] = (char) tolower ((unsigned char) name[i]);
  low[i] = '\0';
  return parser_family (fg_family_of_distro (low, e));
}

static int
cmp_iface_ptr (const void *a, const void *b)
{
  const struct fg_net_iface *const *x = a, *const *y = b;
  return nc_ifname_cmp ((*x)->name, (*y)->name);
}

static void
iface_free (struct fg_net_iface *i)
{
  free (i->name);
  free (i->mac);
  nc_strv_free (i->ipv4, i->nipv4);
  nc_strv_free (i->ipv6, i->nipv6);
  free (i->gateway);
  free (i->gateway6);
  for (size_t k = 0; k < i->nroutes; k++) {
    free (i->routes[k].to);
    free (i->routes[k].via);
    free (i->routes[k].dev);
  }
  free (i->routes);
  for (size_t k = 0; k < i->naliases; k++) {
    free (i->aliases[k].name);
    nc_strv_free (i->aliases[k].addrs, i->aliases[k].naddrs);
  }
  free (i->aliases);
}

int
fg_net_parse (const struct fg_files *files, const char *family,
              struct fg_net *out, struct fg_err *e)
{
  struct nc c;
  const char *fam = NULL;

  memset (out, 0, sizeof *out);
  memset (&c, 0, sizeof c);
  if (family) {
    fam = family_of (family, e);
    if (fam == NULL && fg_err_is_set (e))
      return -1;
    if (fam == NULL)
      return fg_err_set (e, FG_E_INTERNAL, "unknown network family '%s'",
                         family);
  } else
    fam = detect (files);
  out->family = fam;
  c.files = files;
  c.net = out;

  nc_parse_udev (&c);
  nc_parse_resolv_conf (&c);
  nc_parse_hostname_file (&c, "etc/hostname");
  nc_parse_hostname_file (&c, "etc/HOSTNAME");
  if (fam == NULL)
    nc_problem (&c, "etc", 0, "no network configuration of a known family");
  else if (!strcmp (fam, "debian"))
    nc_parse_debian (&c);
  else if (!strcmp (fam, "redhat"))
    nc_parse_redhat (&c);
  else if (!strcmp (fam, "suse"))
    nc_parse_suse (&c);
  else if (!strcmp (fam, "arch"))
    nc_parse_arch (&c);
  else
    nc_parse_gentoo (&c);
  nc_apply_udev (&c);

  if (c.nifs)
    qsort (c.ifs, c.nifs, sizeof *c.ifs, cmp_iface_ptr);
  if (c.nifs && (out->ifaces = calloc (c.nifs, sizeof *out->ifaces)) == NULL)
    c.oom = 1;
  for (size_t k = 0; k < c.nifs; k++) {
    if (out->ifaces)
      out->ifaces[k] = *c.ifs[k];
    else
      iface_free (c.ifs[k]);
    free (c.ifs[k]);
  }
  if (out->ifaces)
    out->nifaces = c.nifs;
  free (c.ifs);
  for (size_t k = 0; k < c.nudev; k++) {
    free (c.udev[k].mac);
    free (c.udev[k].name);
  }
  free (c.udev);
  if (c.found > out->nproblems)
    nc_strv_push (&c, &out->problems, &out->nproblems,
                  nc_printf (&c, "... and %zu more problems not listed",
                             c.found - out->nproblems));
  if (c.oom)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "network configuration");
  return 0;
}

void
fg_net_release (struct fg_net *n)
{
  if (n == NULL)
    return;
  for (size_t k = 0; k < n->nifaces; k++)
    iface_free (&n->ifaces[k]);
  free (n->ifaces);
  nc_strv_free (n->resolvers, n->nresolvers);
  free (n->hostname);
  nc_strv_free (n->problems, n->nproblems);
  memset (n, 0, sizeof *n);
}

/* ---- JSON ------------------------------------------------------------ */

static json_t *
str_or_null (const char *s)
{
  return s ? json_string (s) : json_null ();
}

static json_t *
str_array (char *const *v, size_t n)
{
  json_t *a = json_array ();

  for (size_t k = 0; a && k < n; k++)
    if (json_array_append_new (a, json_string (v[k])) < 0) {
      json_decref (a);
      return NULL;
    }
  return a;
}

/* json_object_set_new that remembers a failure (a NULL value included). */
static void
set (json_t *o, const char *key, json_t *v, int *bad)
{
  if (v == NULL || json_object_set_new (o, key, v) < 0)
    *bad = 1;
}

static json_t *
iface_json (const struct fg_net_iface *i, int *bad)
{
  json_t *o = json_object (), *routes = json_array ();

  if (o == NULL || routes == NULL) {
    json_decref (o);
    json_decref (routes);
    *bad = 1;
    return NULL;
  }
  set (o, "name", json_string (i->name), bad);
  set (o, "mac", str_or_null (i->mac), bad);
  set (o, "dhcp4", json_boolean (i->dhcp4), bad);
  set (o, "ipv4", str_array (i->ipv4, i->nipv4), bad);
  set (o, "ipv6", str_array (i->ipv6, i->nipv6), bad);
  set (o, "gateway", str_or_null (i->gateway), bad);
  set (o, "gateway6", str_or_null (i->gateway6), bad);
  for (size_t k = 0; k < i->nroutes; k++) {
    const struct fg_net_route *r = &i->routes[k];
    json_t *ro = json_object ();
    if (ro == NULL) {
      *bad = 1;
      break;
    }
    set (ro, "to", json_string (r->to), bad);
    set (ro, "via", str_or_null (r->via), bad);
    if (r->metric >= 0)
      set (ro, "metric", json_integer (r->metric), bad);
    if (r->dev)
      set (ro, "dev", json_string (r->dev), bad);
    if (json_array_append_new (routes, ro) < 0)
      *bad = 1;
  }
  set (o, "routes", routes, bad);
  if (i->naliases) {
    json_t *al = json_object ();
    for (size_t k = 0; al && k < i->naliases; k++)
      set (al, i->aliases[k].name,
           str_array (i->aliases[k].addrs, i->aliases[k].naddrs), bad);
    set (o, "aliases", al, bad);
  }
  if (i->mtu > 0)
    set (o, "mtu", json_integer (i->mtu), bad);
  return o;
}

json_t *
fg_net_json (const struct fg_net *n)
{
  json_t *o = json_object (), *ifs = json_array ();
  int bad = 0;

  if (o == NULL || ifs == NULL) {
    json_decref (o);
    json_decref (ifs);
    return NULL;
  }
  for (size_t k = 0; k < n->nifaces; k++)
    if (json_array_append_new (ifs, iface_json (&n->ifaces[k], &bad)) < 0)
      bad = 1;
  set (o, "interfaces", ifs, &bad);
  set (o, "resolvers", str_array (n->resolvers, n->nresolvers), &bad);
  set (o, "hostname", str_or_null (n->hostname), &bad);
  if (n->nproblems)
    set (o, "problems", str_array (n->problems, n->nproblems), &bad);
  if (bad) {
    json_decref (o);
    return NULL;
  }
  return o;
}
