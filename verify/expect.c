/* verify/expect.c --- the expectations of a boot check (see expect.h) */
#include "verify/expect.h"

#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/addr.h"
#include "net/netcfg.h"
#include "net/netplan.h"
#include "util/cleanup.h"
#include "util/files.h"

int
fg_verify_list_has (const struct fg_verify_list *l, const char *x)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp (l->v[i], x) == 0)
      return 1;
  return 0;
}

int
fg_verify_list_add (struct fg_verify_list *l, const char *x)
{
  char **v;

  if (fg_verify_list_has (l, x))
    return 0;
  v = realloc (l->v, (l->n + 1) * sizeof *v);
  if (v == NULL)
    return -1;
  l->v = v;
  if ((v[l->n] = strdup (x)) == NULL)
    return -1;
  l->n++;
  return 0;
}

void
fg_verify_list_release (struct fg_verify_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free (l->v[i]);
  free (l->v);
  l->v = NULL;
  l->n = 0;
}

/* ---- the command line's expectations ------------------------------------ */

/* The kernel's rule (at most 15 bytes), not the network parsers' looser
 * one (nc_valid_ifname allows SUSE's long configuration names): a name
 * the guest can carry. */
static int
valid_ifname (const char *s, size_t len)
{
  if (len == 0 || len >= 16)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || strchr ("_.:@-", s[i])))
      return 0;
  return 1;
}

int
fg_verify_parse_ip (const char *s, char *out, size_t cap)
{
  const char *eq = strchr (s, '=');
  char cidr[FG_IP_TEXT];

  if (eq == NULL || !valid_ifname (s, (size_t) (eq - s)) ||
      fg_ip_canon (eq + 1, 0, 1, cidr, sizeof cidr) < 0)
    return -1;
  return snprintf (out, cap, "%.*s=%s", (int) (eq - s), s, cidr) < (int) cap
    ? 0 : -1;
}

/* Addresses are kept as written: ip prints them canonically, so a
 * non-canonical one would simply never match, and is refused. */
static int
route_words_ok (char *const *words, size_t n)
{
  char canon[FG_IP_TEXT];
  struct fg_ip ip;
  int seen_via = 0, seen_dev = 0;

  if (n < 3 || n % 2 == 0)
    return 0;
  if (strcmp (words[0], "default") != 0 &&
      (fg_ip_canon (words[0], 0, 1, canon, sizeof canon) < 0 ||
       strcmp (canon, words[0]) != 0))
    return 0;
  for (size_t i = 1; i < n; i += 2) {
    if (strcmp (words[i], "via") == 0 && !seen_via && !seen_dev &&
        fg_ip_parse (words[i + 1], 0, &ip) == 0)
      seen_via = 1;
    else if (strcmp (words[i], "dev") == 0 && !seen_dev &&
             valid_ifname (words[i + 1], strlen (words[i + 1])))
      seen_dev = 1;
    else
      return 0;
  }
  return 1;
}

int
fg_verify_parse_route (const char *s, char *out, size_t cap)
{
  char buf[512], *words[8], *save = NULL, *w;
  size_t n = 0, len = 0;

  if (strlen (s) >= sizeof buf)
    return -1;
  strcpy (buf, s);
  for (w = strtok_r (buf, " \t", &save); w; w = strtok_r (NULL, " \t", &save)) {
    if (n == 8)
      return -1;
    words[n++] = w;
  }
  if (!route_words_ok (words, n))
    return -1;
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    int k = snprintf (out + len, cap - len, "%s%s", i ? " " : "", words[i]);
    if (k < 0 || (size_t) k >= cap - len)
      return -1;
    len += (size_t) k;
  }
  return 0;
}

int
fg_verify_parse_mac (const char *s, char *out, size_t cap)
{
  unsigned char b[6];
  char mac[18];

  if (fg_mac_parse (s, 0, mac, b) < 0)
    return -1;
  if (b[0] & 1)
    return -1;                  /* multicast: no NIC has one */
  return snprintf (out, cap, "%s", mac) < (int) cap ? 0 : -1;
}

/* ---- from a network model ------------------------------------------------ */

/* What a guest with the network model N must carry: each static address
 * on its interface, each default gateway and static route as 'ip route'
 * prints it; and, when NIC names are pinned to MACs, those MACs on the
 * NICs in interface order (eth0 first), a locally administered one for a
 * NIC with none before a pinned one.  MACS is left alone when given. */
static int
expect_from_net (const struct fg_net *n, struct fg_verify_list *ips,
                 struct fg_verify_list *routes, struct fg_verify_list *macs)
{
  char buf[600];
  size_t i, last = 0;
  int oom = 0;

  for (i = 0; i < n->nifaces; i++) {
    const struct fg_net_iface *f = &n->ifaces[i];
    for (size_t k = 0; k < f->nipv4; k++) {
      snprintf (buf, sizeof buf, "%s=%s", f->name, f->ipv4[k]);
      oom |= fg_verify_list_add (ips, buf);
    }
    for (size_t k = 0; k < f->nipv6; k++) {
      snprintf (buf, sizeof buf, "%s=%s", f->name, f->ipv6[k]);
      oom |= fg_verify_list_add (ips, buf);
    }
    if (f->gateway) {
      snprintf (buf, sizeof buf, "default via %s dev %s", f->gateway, f->name);
      oom |= fg_verify_list_add (routes, buf);
    }
    if (f->gateway6) {
      snprintf (buf, sizeof buf, "default via %s dev %s", f->gateway6,
                f->name);
      oom |= fg_verify_list_add (routes, buf);
    }
    for (size_t k = 0; k < f->nroutes; k++) {
      const struct fg_net_route *r = &f->routes[k];
      snprintf (buf, sizeof buf, "%s%s%s dev %s", r->to, r->via ? " via " : "",
                r->via ? r->via : "", r->dev ? r->dev : f->name);
      oom |= fg_verify_list_add (routes, buf);
    }
    if (f->mac)
      last = i + 1;
  }
  if (macs->n == 0)
    for (i = 0; i < last && i < FG_VERIFY_MAX_MACS; i++) {
      const char *m = n->ifaces[i].mac;
      snprintf (buf, sizeof buf, "52:54:00:12:34:%02zx", 0x56 + i);
      oom |= fg_verify_list_add (macs, m ? m : buf);
    }
  return oom ? -1 : 0;
}

int
fg_verify_expect_record (const char *path, struct fg_verify_list *ips,
                         struct fg_verify_list *routes,
                         struct fg_verify_list *macs, struct fg_err *e)
{
  struct fg_net empty;
  struct fg_net_plan plan;
  size_t i;
  json_t *w;
  int rc;

  memset (&empty, 0, sizeof empty);
  if (fg_net_plan_from ("self-service", path, &empty, &plan, e) < 0) {
    fg_net_plan_release (&plan);
    return -1;
  }
  json_array_foreach (plan.warnings, i, w)
    fg_warn ("server record '%s': %s", path, json_string_value (w));
  rc = expect_from_net (&plan.net, ips, routes, macs);
  fg_net_plan_release (&plan);
  return rc < 0 ? fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "expectations") : 0;
}

/* ---- from the guest's own files ----------------------------------------- */

/* nftw(3) passes no context: the walk's, for keep_file. */
static struct {
  size_t root_len;
  struct fg_files *files;
  struct fg_err *e;
} walk;

/* Each copied file read into the walk's FILES as inspection keeps it. */
static int
keep_file (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  const char *rel = path + walk.root_len;
  (void) ftw;

  while (*rel == '/')
    rel++;
  if (flag == FTW_SL) {
    char target[PATH_MAX];
    ssize_t n = readlink (path, target, sizeof target - 1);
    if (n < 0)
      return 0;
    target[n] = '\0';
    return fg_files_add_symlink (walk.files, rel, target, walk.e) < 0 ? -1 : 0;
  }
  if (flag == FTW_F && S_ISREG (sb->st_mode) &&
      sb->st_size <= FG_FILES_MAX_SIZE) {
    CLEANUP_FREE char *data = malloc ((size_t) sb->st_size + 1);
    CLEANUP_FCLOSE FILE *f = fopen (path, "re");
    size_t got;
    if (data == NULL || f == NULL)
      return fg_err_errno (walk.e, FG_E_IO, errno, "cannot read '%s'", path);
    got = fread (data, 1, (size_t) sb->st_size, f);
    return fg_files_add (walk.files, rel, data, got, walk.e) < 0 ? -1 : 0;
  }
  return 0;
}

int
fg_verify_expect_guest (const char *dir, struct fg_verify_list *ips,
                        struct fg_verify_list *routes,
                        struct fg_verify_list *macs, const char **family,
                        struct fg_err *e)
{
  struct fg_files files;
  struct fg_net net;
  int rc;

  fg_files_init (&files);
  memset (&net, 0, sizeof net);
  walk.root_len = strlen (dir);
  walk.files = &files;
  walk.e = e;
  rc = nftw (dir, keep_file, 16, FTW_PHYS);
  if (rc == 0)
    rc = fg_net_parse (&files, NULL, &net, e);
  else if (!fg_err_is_set (e))
    fg_err_errno (e, FG_E_IO, errno, "cannot read the copied network files "
                  "in '%s'", dir);
  if (rc == 0) {
    /* a DHCP interface carries whatever qemu's DHCP gives: no claim */
    *family = net.family;
    if (expect_from_net (&net, ips, routes, macs) < 0)
      rc = fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "expectations");
  }
  fg_net_release (&net);
  fg_files_release (&files);
  return rc < 0 ? -1 : 0;
}
