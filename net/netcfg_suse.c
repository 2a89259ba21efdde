/* net/netcfg_suse.c --- openSUSE and SLES etc/sysconfig/network:
 * ifcfg-*, ifroute-*, routes, config
 *
 * An ifcfg file's suffix is the interface name (SUSE has no DEVICE=);
 * the old "ifcfg-eth-id-<MAC>" names pin the MAC and take the name udev
 * gives it when a rule does.  Addresses: IPADDR, then every IPADDR_<x>
 * in name order (bash's "${!IPADDR*}", which ifup iterates), each with
 * PREFIXLEN_<x> or NETMASK_<x> unless it carries "/len"; an IPv4 address
 * with a LABEL_<x> is the alias "<if>:<label>".
 *
 * Route files have one route a line: "DEST GATEWAY NETMASK DEVICE
 * [TYPE] [OPTIONS]", "-" for an empty column, "default" for the default
 * route of either family.  Routes in ifroute-<if> belong to <if>; those
 * in the global "routes" file to the DEVICE column, or else to the
 * interface on the gateway's subnet.  Resolvers are
 * NETCONFIG_DNS_STATIC_SERVERS in "config" (netconfig writes resolv.conf
 * from it).
 */
#define FG_NETCFG_INTERNAL
#include "net/netcfg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DIR "etc/sysconfig/network"

/* What ifup skips. */
static int
ignored_name (const char *name)
{
  static const char *const tails[] = {
    "~", ".bak", ".old", ".orig", ".rpmnew", ".rpmorig", ".rpmsave",
    ".swp", ".template", NULL,
  };

  return nc_ignored_name (name, tails);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
addresses (struct nc *c, struct fg_net_iface *i, const struct nc_shell *sh,
           const char *path)
{
  char **sfx = NULL;
  size_t n = 0;

  /* "" (plain IPADDR) sorts first; then "_0", "_1", "_a", ... */
  for (size_t k = 0; k < sh->n; k++) {
    const char *name = sh->v[k].name;
    if (strncmp (name, "IPADDR", 6) != 0 || (name[6] && name[6] != '_'))
      continue;
    if (nc_shell_get (sh, name) != &sh->v[k])
      continue;                 /* a later assignment wins */
    nc_strv_push (c, &sfx, &n, nc_strdup (c, name + 6));
  }
  if (n)
    qsort (sfx, n, sizeof *sfx, cmp_str);
  for (size_t k = 0; k < n; k++) {
    unsigned line = 0, ml = 0, ll = 0;
    const char *ip = nc_shell_nonempty_k (c, sh, "IPADDR", sfx[k], &line), *mask, *label;
    char *alias = NULL;
    if (ip == NULL)
      continue;
    mask = nc_shell_nonempty_k (c, sh, "PREFIXLEN", sfx[k], &ml);
    if (mask == NULL)
      mask = nc_shell_nonempty_k (c, sh, "NETMASK", sfx[k], &ml);
    label = nc_shell_nonempty_k (c, sh, "LABEL", sfx[k], &ll);
    if (label && nc_is_ipv4 (ip) && (label[0] != '\0'))
      alias = nc_printf (c, "%s:%s", i->name, label);
    if (alias && !nc_valid_ifname (alias)) {
      nc_problem_text (c, path, ll, "not an alias label", label,
                       strlen (label));
      free (alias);
      alias = NULL;
    }
    nc_add_addr (c, i, alias, ip, mask, path, line);
    free (alias);
  }
  nc_strv_free (sfx, n);
}

static struct fg_net_iface *
read_ifcfg (struct nc *c, const struct fg_file *f, const char *name)
{
  struct nc_shell sh;
  struct fg_net_iface *i;
  const char *v;
  unsigned line = 0;
  char *mac = NULL;

  /* ifcfg-eth-id-40:40:fa:72:92:e4 (SLES 9/10, openSUSE 10.x) */
  if (!strncmp (name, "eth-id-", 7) && (mac = nc_mac_canon (c, name + 7))) {
    const char *dev = nc_udev_name_for (c, mac);
    if (dev)
      name = dev;
  }
  i = nc_iface (c, name, NULL, f->path, 0);
  if (i == NULL) {
    free (mac);
    return NULL;
  }
  if (mac)
    nc_set_mac (c, i, mac, f->path, 0);
  free (mac);
  nc_shell_parse (c, f, &sh);
  if ((v = nc_shell_nonempty (&sh, "BOOTPROTO", &line)) != NULL
      && (!strncasecmp (v, "dhcp", 4) && strcasecmp (v, "dhcp6") != 0))
    i->dhcp4 = 1;
  addresses (c, i, &sh, f->path);
  if ((v = nc_shell_nonempty (&sh, "MTU", &line)) != NULL)
    nc_set_mtu (c, i, v, f->path, line);
  nc_shell_release (&sh);
  return i;
}

/* One route file; OWNER is NULL for the global "routes". */
static void
read_routes (struct nc *c, const struct fg_file *f, struct fg_net_iface *owner)
{
  struct nc_lines it;
  char *line;

  nc_lines_init (&it, f);
  while (nc_lines_next (c, &it, &line)) {
    size_t n, nw = 0;
    int unterminated, got = -1;
    char **w = nc_words (c, line, &n, &unterminated), **args;
    struct nc_route r;
    const char *why = "out of memory";
    static char k_netmask[] = "netmask", k_via[] = "via", k_dev[] = "dev";
    if (n == 0) {
      free (w);
      continue;
    }
    if (n < 2) {
      nc_problem_text (c, f->path, it.no, "route line without a gateway "
                       "column", line, strlen (line));
      nc_strv_free (w, n);
      continue;
    }
    /* columns -> "DEST [netmask M] [via G] [dev D] OPTIONS..." */
    args = malloc ((n + 4) * sizeof *args);
    if (args == NULL) {
      c->oom = 1;
      nc_strv_free (w, n);
      break;
    }
    args[nw++] = w[0];
    if (n > 2 && strcmp (w[2], "-")) {
      args[nw++] = k_netmask;
      args[nw++] = w[2];
    }
    if (strcmp (w[1], "-")) {
      args[nw++] = k_via;
      args[nw++] = w[1];
    }
    if (n > 3 && strcmp (w[3], "-")) {
      args[nw++] = k_dev;
      args[nw++] = w[3];
    }
    for (size_t k = 4; k < n; k++)
      args[nw++] = w[k];
    got = nc_route_parse (c, args, nw, &r, &why);
    free (args);
    if (got > 0) {
      if (owner)
        nc_add_route (c, owner, &r, f->path, it.no);
      else
        nc_place_route (c, &r, f->path, it.no);
      nc_route_clear (&r);
    } else if (got < 0)
      nc_problem_text (c, f->path, it.no, why, line, strlen (line));
    nc_strv_free (w, n);
  }
  nc_lines_release (&it);
}

void
nc_parse_suse (struct nc *c)
{
  const struct fg_files *fs = c->files;
  const struct fg_file **list = NULL, *f;
  struct fg_net_iface **owners = NULL;
  size_t n = 0;

  if (fs->n && (list = nc_alloc (c, fs->n * sizeof *list)) == NULL)
    return;
  if (list)
    n = fg_files_list (fs, DIR, list, fs->n);
  if (n && (owners = nc_alloc (c, n * sizeof *owners)) == NULL) {
    free (list);
    return;
  }
  for (size_t k = 0; k < n; k++) {
    const char *name = list[k]->path + strlen (DIR) + 1;
    if (strncmp (name, "ifcfg-", 6) || ignored_name (name)
        || nc_is_loopback (name + 6))
      continue;
    if ((f = fg_files_get (fs, list[k]->path)) != NULL)
      owners[k] = read_ifcfg (c, f, name + 6);
  }
  for (size_t k = 0; k < n; k++) {
    const char *name = list[k]->path + strlen (DIR) + 1;
    struct fg_net_iface *i = NULL;
    if (strncmp (name, "ifroute-", 8) || ignored_name (name)
        || nc_is_loopback (name + 8))
      continue;
    if ((f = fg_files_get (fs, list[k]->path)) == NULL)
      continue;
    /* the ifcfg of the same suffix, which may have been renamed */
    for (size_t j = 0; j < n && i == NULL; j++)
      if (owners[j] && !strcmp (list[j]->path + strlen (DIR) + 1 + 6, name + 8))
        i = owners[j];
    if (i == NULL)
      i = nc_iface (c, name + 8, NULL, f->path, 0);
    if (i)
      read_routes (c, f, i);
  }
  if ((f = fg_files_get (fs, DIR "/routes")) != NULL)
    read_routes (c, f, NULL);
  if ((f = fg_files_get (fs, DIR "/config")) != NULL) {
    struct nc_shell sh;
    const char *v;
    unsigned line = 0;
    nc_shell_parse (c, f, &sh);
    if ((v = nc_shell_nonempty (&sh, "NETCONFIG_DNS_STATIC_SERVERS", &line)) != NULL)
      nc_add_resolvers (c, v, f->path, line);
    nc_shell_release (&sh);
  }
  free (owners);
  free (list);
}
