/* net/netcfg_kit.c --- the toolkit every network family parser shares
 *
 * Allocation bounded by the model's limits, problem lines, address and
 * MAC parsing, the model's interfaces, addresses and routes, words and
 * lines, the sh lexer of ifcfg and rc.conf files, and the files every
 * family has (resolv.conf, hostname, udev's persistent-net rules).  The
 * family parsers (inspect/netcfg_*.c) use it; net/netcfg.c
 * dispatches to them: the kit includes neither, so nothing comes back up.
 */
#define FG_NETCFG_INTERNAL
#include "net/netcfg.h"

#include "util/problems.h"
#include "util/strbuf.h"
#include "util/strs.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Beyond this many problem lines, only a count is kept: a megabyte of
 * junk must not become a megabyte of report. */
#define MAX_PROBLEMS 200

/* Bounds on the model and the lexer: far above any real guest (initscripts
 * stops at IPADDR255), low enough that the de-duplicating linear scans
 * stay cheap on a megabyte of hostile input. */
#define MAX_IFACES 256
#define MAX_ADDRS 512           /* per interface and family */
#define MAX_ROUTES 512          /* per interface */
#define MAX_ALIASES 256
#define MAX_RESOLVERS 32
#define MAX_ASSIGNS 4096        /* per sh file */
#define MAX_ARRAY 4096          /* elements of one sh array */

/* ---- allocation ------------------------------------------------------ */

void *
nc_alloc (struct nc *c, size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (p == NULL)
    c->oom = 1;
  return p;
}

char *
nc_strdup (struct nc *c, const char *s)
{
  return s ? nc_strndup (c, s, strlen (s)) : NULL;
}

char *
nc_strndup (struct nc *c, const char *s, size_t n)
{
  char *p = malloc (n + 1);
  if (p == NULL) {
    c->oom = 1;
    return NULL;
  }
  memcpy (p, s, n);
  p[n] = '\0';
  return p;
}

char *
nc_printf (struct nc *c, const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (r < 0) {
    c->oom = 1;
    return NULL;
  }
  return s;
}

/* Grow *V (of *CAP elements of SIZE) to hold N + 1. */
static int
grow (struct nc *c, void **v, size_t *cap, size_t n, size_t size)
{
  void *nv;
  size_t ncap;

  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 4;
  nv = realloc (*v, ncap * size);
  if (nv == NULL) {
    c->oom = 1;
    return -1;
  }
  *v = nv;
  *cap = ncap;
  return 0;
}

/* String vectors in the model carry no capacity: they grow by one; the
 * lists are short (a few addresses, a few routes). */
void
nc_strv_push (struct nc *c, char ***v, size_t *n, char *s)
{
  char **nv;

  if (s == NULL) {
    c->oom = 1;
    return;
  }
  nv = realloc (*v, (*n + 2) * sizeof *nv);
  if (nv == NULL) {
    free (s);
    c->oom = 1;
    return;
  }
  nv[(*n)++] = s;
  nv[*n] = NULL;
  *v = nv;
}

void
nc_strv_free (char **v, size_t n)
{
  fg_strs_free (v, n);
}

/* The text of B (util/strbuf.h), or NULL with the failure made sticky
 * in C, which fg_net_parse reports. */
static char *
buf_take (struct nc *c, struct fg_strbuf *b)
{
  char *s = fg_strbuf_take (b);

  if (s == NULL)
    c->oom = 1;
  return s;
}

/* ---- problems -------------------------------------------------------- */

/* The model's problem lines (util/problems.h): the first MAX_PROBLEMS
 * listed, every one counted in C->found. */
static struct fg_problems
problems_of (struct nc *c)
{
  struct fg_problems p = { &c->net->problems, &c->net->nproblems, &c->found,
                           MAX_PROBLEMS };
  return p;
}

void
nc_problem (struct nc *c, const char *file, unsigned line,
            const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;
  int rc;

  if (fg_problems_full (problems_of (c)))
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (msg == NULL) {
    c->oom = 1;
    return;
  }
  if (line)
    rc = fg_problems_add (problems_of (c), "%s:%u: %s", file, line, msg);
  else
    rc = fg_problems_add (problems_of (c), "%s: %s", file, msg);
  if (rc < 0)
    c->oom = 1;
  free (msg);
}

/* TEXT as printable ASCII, at most 60 source bytes: a problem line must
 * be valid JSON text whatever the file held. */
static char *
escape (struct nc *c, const char *text, size_t len)
{
  struct fg_strbuf b = FG_STRBUF_INIT;
  size_t cut = len > 60 ? 60 : len;

  for (size_t k = 0; k < cut; k++) {
    unsigned char ch = (unsigned char) text[k];
    if (ch >= 0x20 && ch < 0x7f && ch != '\\')
      fg_strbuf_putc (&b, (char) ch);
    else {
      char hex[5];
      snprintf (hex, sizeof hex, "\\x%02x", ch);
      for (int h = 0; hex[h]; h++)
        fg_strbuf_putc (&b, hex[h]);
    }
  }
  if (cut < len)
    for (int k = 0; k < 3; k++)
      fg_strbuf_putc (&b, '.');
  return buf_take (c, &b);
}

void
nc_problem_text (struct nc *c, const char *file, unsigned line,
                 const char *what, const char *text, size_t len)
{
  char *q;

  if (fg_problems_full (problems_of (c)))
    return;
  q = escape (c, text ? text : "", text ? len : 0);
  if (q)
    nc_problem (c, file, line, "%s '%s'", what, q);
  free (q);
}

/* ---- addresses ------------------------------------------------------- */

/* A decimal in [0, MAX], digits only; -1 otherwise (net/addr.h parses
 * it, as it does prefix lengths). */
static long
small_number (const char *s, long max)
{
  return fg_prefix_parse (s, max > INT_MAX ? INT_MAX : (int) max);
}

/* The image's files write a link-local address with its zone
 * ("fe80::def%eth0"): the zone names the link, not the address. */
static size_t
host_len (const char *s, size_t n)
{
  const char *pct = memchr (s, '%', n);
  return pct && memchr (s, ':', n) ? (size_t) (pct - s) : n;
}

int
nc_parse_ip (const char *s, struct fg_ip *ip)
{
  return fg_ip_parse_n (s, host_len (s, strlen (s)), 0, ip);
}

int
nc_is_ipv4 (const char *s)
{
  struct fg_ip ip;
  return fg_ip_parse (s, 4, &ip) == 0;
}

int
nc_is_ipv6 (const char *s)
{
  struct fg_ip ip;
  return nc_parse_ip (s, &ip) == 0 && ip.fam == 6;
}

int
nc_parse_cidr (const char *s, struct fg_ip *ip, int *len)
{
  const char *slash = strchr (s, '/');
  size_t n = slash ? (size_t) (slash - s) : strlen (s);

  *len = -1;
  if (fg_ip_parse_n (s, host_len (s, n), 0, ip) < 0)
    return -1;
  if (slash == NULL)
    return 0;
  /* ifconfig-style files also write "a.b.c.d/255.255.255.0". */
  *len = ip->fam == 4 ? fg_netmask4_parse (slash + 1)
    : fg_prefix_parse (slash + 1, 128);
  return *len < 0 ? -1 : 0;
}

/* The canonical text of IP (with "/LEN" when LEN >= 0), malloc'd. */
static char *
ip_str (struct nc *c, const struct fg_ip *ip, int len)
{
  char s[FG_IP_TEXT];

  fg_ip_text (ip, len, s, sizeof s);
  return nc_strdup (c, s);
}

/* Canonical text of a single address of either family, or NULL. */
static char *
addr_canon (struct nc *c, const char *s, int *fam)
{
  struct fg_ip ip;

  if (nc_parse_ip (s, &ip) < 0)
    return NULL;
  *fam = ip.fam;
  return ip_str (c, &ip, -1);
}

int
nc_valid_ifname (const char *s)
{
  size_t n = strlen (s);

  /* Linux allows 15 bytes; SUSE's "eth-id-<mac>" configuration names
   * are longer, hence the margin. */
  if (n == 0 || n > 32)
    return 0;
  for (; *s; s++)
    if (!isalnum ((unsigned char) *s) && !strchr ("_.:@-", *s))
      return 0;
  return 1;
}

int
nc_ignored_name (const char *name, const char *const *tails)
{
  size_t n = strlen (name);

  if (name[0] == '.' || n == 0)
    return 1;
  for (const char *const *t = tails; *t; t++) {
    size_t tl = strlen (*t);
    if (n >= tl && strcmp (name + n - tl, *t) == 0)
      return 1;
  }
  return 0;
}

int
nc_is_loopback (const char *name)
{
  return strcmp (name, "lo") == 0 || strncmp (name, "lo:", 3) == 0;
}

char *
nc_mac_canon (struct nc *c, const char *s)
{
  char out[18];

  return fg_mac_parse (s, 1, out, NULL) == 0 ? nc_strdup (c, out) : NULL;
}

/* ---- the model ------------------------------------------------------- */

int
nc_ifname_cmp (const char *a, const char *b)
{
  while (*a && *b) {
    if (isdigit ((unsigned char) *a) && isdigit ((unsigned char) *b)) {
      const char *ea = a, *eb = b;
      size_t la, lb;
      while (*a == '0' && isdigit ((unsigned char) a[1]))
        a++;
      while (*b == '0' && isdigit ((unsigned char) b[1]))
        b++;
      for (ea = a; isdigit ((unsigned char) *ea); ea++)
        ;
      for (eb = b; isdigit ((unsigned char) *eb); eb++)
        ;
      la = (size_t) (ea - a);
      lb = (size_t) (eb - b);
      if (la != lb)
        return la < lb ? -1 : 1;
      for (; a < ea; a++, b++)
        if (*a != *b)
          return *a < *b ? -1 : 1;
      continue;
    }
    if (*a != *b)
      return (unsigned char) *a < (unsigned char) *b ? -1 : 1;
    a++;
    b++;
  }
  return *a ? 1 : *b ? -1 : 0;
}

struct fg_net_iface *
nc_iface_find (struct nc *c, const char *name)
{
  for (size_t k = 0; k < c->nifs; k++)
    if (strcmp (c->ifs[k]->name, name) == 0)
      return c->ifs[k];
  return NULL;
}

struct fg_net_iface *
nc_iface (struct nc *c, const char *name, const char **alias,
          const char *file, unsigned line)
{
  const char *colon = strchr (name, ':');
  struct fg_net_iface *i, **nv;
  char *parent;

  if (alias)
    *alias = NULL;
  if (!nc_valid_ifname (name) || name[0] == ':') {
    nc_problem_text (c, file, line, "not an interface name", name,
                     strlen (name));
    return NULL;
  }
  if (nc_is_loopback (name))
    return NULL;
  parent = nc_strndup (c, name, colon ? (size_t) (colon - name)
                                      : strlen (name));
  if (parent == NULL)
    return NULL;
  if (colon && alias)
    *alias = name;
  if ((i = nc_iface_find (c, parent)) != NULL) {
    free (parent);
    return i;
  }
  if (c->nifs >= MAX_IFACES) {
    nc_problem (c, file, line, "more than %d interfaces: %s not kept",
                MAX_IFACES, parent);
    free (parent);
    return NULL;
  }
  nv = realloc (c->ifs, (c->nifs + 1) * sizeof *nv);
  if (nv == NULL || (i = nc_alloc (c, sizeof *i)) == NULL) {
    if (nv)
      c->ifs = nv;
    c->oom = 1;
    free (parent);
    return NULL;
  }
  c->ifs = nv;
  i->name = parent;
  c->ifs[c->nifs++] = i;
  return i;
}

/* Length of the prefix of I holding address A (the longest), or -1. */
static int
holds (const struct fg_net_iface *i, const struct fg_ip *a)
{
  int best = -1;
  char *const *v = a->fam == 4 ? i->ipv4 : i->ipv6;
  size_t n = a->fam == 4 ? i->nipv4 : i->nipv6;

  for (size_t k = 0; k < n; k++) {
    int len;
    struct fg_ip b;
    if (nc_parse_cidr (v[k], &b, &len) < 0 || b.fam != a->fam || len < 0
        || !fg_ip_same_prefix (a, &b, len))
      continue;
    if (len > best)
      best = len;
  }
  return best;
}

struct fg_net_iface *
nc_iface_on_subnet (struct nc *c, int fam, const char *addr)
{
  struct fg_net_iface *found = NULL;
  int best = -1;
  struct fg_ip a;

  if (nc_parse_ip (addr, &a) < 0 || a.fam != fam)
    return NULL;
  /* Most specific prefix first, then name order, so that the answer
   * does not depend on which file was read first. */
  for (size_t k = 0; k < c->nifs; k++) {
    int len = holds (c->ifs[k], &a);
    if (len < 0)
      continue;
    if (len > best
        || (len == best && nc_ifname_cmp (c->ifs[k]->name, found->name) < 0)) {
      best = len;
      found = c->ifs[k];
    }
  }
  return found;
}

static void
note_alias (struct nc *c, struct fg_net_iface *i, const char *alias,
            const char *addr)
{
  struct fg_net_alias *al = NULL, *nv;

  for (size_t k = 0; k < i->naliases; k++)
    if (strcmp (i->aliases[k].name, alias) == 0)
      al = &i->aliases[k];
  if (al == NULL && i->naliases >= MAX_ALIASES)
    return;
  if (al == NULL) {
    char *name = nc_strdup (c, alias);
    if (name == NULL)
      return;
    nv = realloc (i->aliases, (i->naliases + 1) * sizeof *nv);
    if (nv == NULL) {
      free (name);
      c->oom = 1;
      return;
    }
    i->aliases = nv;
    al = &i->aliases[i->naliases++];
    memset (al, 0, sizeof *al);
    al->name = name;
  }
  if (!fg_strs_has (al->addrs, al->naddrs, addr))
    nc_strv_push (c, &al->addrs, &al->naddrs, nc_strdup (c, addr));
}

/* The prefix length of ADDR (family FAM) when its text gave none: MASK,
 * else classful (IPv4) or /64 (IPv6), with a problem line saying so. */
static int
default_len (struct nc *c, const struct fg_ip *ip, const char *mask,
             const char *file, unsigned line)
{
  int len = -1;
  char *s;

  if (mask && *mask) {
    len = ip->fam == 4 ? fg_netmask4_parse (mask)
      : (int) small_number (mask[0] == '/' ? mask + 1 : mask, 128);
    if (len < 0)
      nc_problem_text (c, file, line, "not a netmask", mask, strlen (mask));
  }
  if (len >= 0)
    return len;
  len = ip->fam == 4 ? fg_ip4_classful (fg_ip4 (ip)) : 64;
  s = ip_str (c, ip, -1);
  if (s && ip->fam == 4)
    nc_problem (c, file, line, "no netmask for %s: classful /%d assumed",
                s, len);
  else if (s)
    nc_problem (c, file, line, "no prefix length for %s: /64 assumed", s);
  free (s);
  return len;
}

int
nc_add_addr (struct nc *c, struct fg_net_iface *i, const char *alias,
             const char *addr, const char *mask, const char *file,
             unsigned line)
{
  int len;
  struct fg_ip ip;
  char *s;

  if (nc_parse_cidr (addr, &ip, &len) < 0) {
    nc_problem_text (c, file, line, "not an address", addr, strlen (addr));
    return -1;
  }
  if (len < 0)
    len = default_len (c, &ip, mask, file, line);
  if ((ip.fam == 4 ? i->nipv4 : i->nipv6) >= MAX_ADDRS) {
    nc_problem (c, file, line, "more than %d IPv%d addresses on %s: the "
                "rest not kept", MAX_ADDRS, ip.fam, i->name);
    return -1;
  }
  s = ip_str (c, &ip, len);
  if (s == NULL)
    return -1;
  if (alias)
    note_alias (c, i, alias, s);
  if (ip.fam == 4 && !fg_strs_has (i->ipv4, i->nipv4, s))
    nc_strv_push (c, &i->ipv4, &i->nipv4, s);
  else if (ip.fam == 6 && !fg_strs_has (i->ipv6, i->nipv6, s))
    nc_strv_push (c, &i->ipv6, &i->nipv6, s);
  else
    free (s);
  return 0;
}

/* The first value given wins (S, taken over, is dropped if one is
 * there): the caller reports a different second one. */
static void
keep_first (char **slot, char *s)
{
  if (*slot == NULL)
    *slot = s;
  else
    free (s);
}

int
nc_set_gateway (struct nc *c, struct fg_net_iface *i, const char *gw,
                const char *file, unsigned line)
{
  int fam;
  char *s = addr_canon (c, gw, &fam), **slot;

  if (s == NULL) {
    nc_problem_text (c, file, line, "not a gateway address", gw, strlen (gw));
    return -1;
  }
  slot = fam == 4 ? &i->gateway : &i->gateway6;
  if (*slot && strcmp (*slot, s) != 0)
    nc_problem (c, file, line, "second default gateway %s for %s ignored "
                "(already %s)", s, i->name, *slot);
  keep_first (slot, s);
  return 0;
}

int
nc_set_mac (struct nc *c, struct fg_net_iface *i, const char *mac,
            const char *file, unsigned line)
{
  char *s = nc_mac_canon (c, mac);

  if (s == NULL) {
    nc_problem_text (c, file, line, "not a MAC address", mac, strlen (mac));
    return -1;
  }
  if (i->mac && strcmp (i->mac, s) != 0)
    nc_problem (c, file, line, "%s pinned to MAC %s here but %s elsewhere; "
                "keeping %s", i->name, s, i->mac, i->mac);
  keep_first (&i->mac, s);
  return 0;
}

int
nc_set_mtu (struct nc *c, struct fg_net_iface *i, const char *mtu,
            const char *file, unsigned line)
{
  long v = small_number (mtu, 65535);

  if (v < 68) {
    nc_problem_text (c, file, line, "not an MTU", mtu, strlen (mtu));
    return -1;
  }
  i->mtu = (int) v;
  return 0;
}

void
nc_add_resolver (struct nc *c, const char *addr, const char *file,
                 unsigned line)
{
  int fam;
  char *s = addr_canon (c, addr, &fam);

  if (s == NULL) {
    nc_problem_text (c, file, line, "not a resolver address", addr,
                     strlen (addr));
    return;
  }
  if (fg_strs_has (c->net->resolvers, c->net->nresolvers, s))
    free (s);
  else if (c->net->nresolvers >= MAX_RESOLVERS) {
    nc_problem (c, file, line, "more than %d resolvers: %s not kept",
                MAX_RESOLVERS, s);
    free (s);
  } else
    nc_strv_push (c, &c->net->resolvers, &c->net->nresolvers, s);
}

void
nc_add_resolvers (struct nc *c, const char *s, const char *file,
                  unsigned line)
{
  while (*s) {
    size_t n;
    char *w;
    s += strspn (s, " \t\r\n,;");
    n = strcspn (s, " \t\r\n,;");
    if (n == 0)
      break;
    if ((w = nc_strndup (c, s, n)) != NULL)
      nc_add_resolver (c, w, file, line);
    free (w);
    s += n;
  }
}

void
nc_set_hostname (struct nc *c, const char *name, const char *file,
                 unsigned line)
{
  size_t n;

  if (c->net->hostname)
    return;                     /* an earlier source won */
  name += strspn (name, " \t\r\n");
  n = strcspn (name, " \t\r\n");
  if (n == 0)
    return;
  if (name[n + strspn (name + n, " \t\r\n")] != '\0')
    nc_problem_text (c, file, line, "text after the host name ignored",
                     name, strlen (name));
  if (n > 253) {
    nc_problem_text (c, file, line, "host name too long", name, n);
    return;
  }
  for (size_t k = 0; k < n; k++)
    if (!isalnum ((unsigned char) name[k]) && !strchr ("-._", name[k])) {
      nc_problem_text (c, file, line, "not a host name", name, n);
      return;
    }
  c->net->hostname = nc_strndup (c, name, n);
}

/* ---- routes ---------------------------------------------------------- */

void
nc_route_clear (struct nc_route *r)
{
  free (r->to);
  free (r->via);
  free (r->dev);
  memset (r, 0, sizeof *r);
  r->metric = -1;
}

static int
word_in (const char *w, const char *const *list)
{
  for (; *list; list++)
    if (strcmp (w, *list) == 0)
      return 1;
  return 0;
}

/* ip-route(8) and route(8) keywords that take one argument we do not
 * keep (the route is still a route). */
static const char *const skip_arg[] = {
  "src", "table", "proto", "protocol", "scope", "tos", "dsfield", "mtu",
  "advmss", "window", "irtt", "mss", "realm", "realms", "rtt", "rttvar",
  "rto_min", "initcwnd", "initrwnd", "expires", "hoplimit", "features",
  "congctl", "quickack", "fastopen_no_cookie", "ssthresh", "cwnd",
  "reordering", "weight", "pref", "lock", "encap", NULL,
};
static const char *const skip_flag[] = {
  "add", "append", "replace", "change", "prepend", "-n", "-e", "-ee", "-v",
  "-F", "-C", "onlink", "unicast", "mod", "dyn", "reinstate", "up", NULL,
};
static const char *const odd_types[] = {
  "blackhole", "unreachable", "prohibit", "throw", "local", "broadcast",
  "nat", "anycast", "multicast", "reject", NULL,
};

/* The words of one route command, sorted by what they are. */
struct route_words {
  const char *target, *mask, *via, *dev, *metric;
  int net, host, hint;
};

/* Sort the words W[0..N) into RW.  Returns 1, 0 when the command removes
 * routes, or -1 with *WHY. */
static int
route_words (char *const *w, size_t n, struct route_words *rw,
             const char **why)
{
  memset (rw, 0, sizeof *rw);
  for (size_t k = 0; k < n; k++) {
    const char *x = w[k];
#define ARG() (k + 1 < n ? w[++k] : NULL)
    if (word_in (x, skip_flag))
      continue;
    if (!strcmp (x, "del") || !strcmp (x, "delete") || !strcmp (x, "flush"))
      return 0;
    if (!strcmp (x, "-net") || !strcmp (x, "net"))
      rw->net = 1;
    else if (!strcmp (x, "-host") || !strcmp (x, "host"))
      rw->host = 1;
    else if (!strcmp (x, "-A") || !strcmp (x, "-f") || !strcmp (x, "-family")
             || !strcmp (x, "family")) {
      const char *a = ARG ();
      rw->hint = a && !strcmp (a, "inet6") ? 6
        : a && !strcmp (a, "inet") ? 4 : 0;
    } else if (!strcmp (x, "-4") || !strcmp (x, "inet") || !strcmp (x, "-inet"))
      rw->hint = 4;
    else if (!strcmp (x, "-6") || !strcmp (x, "inet6") || !strcmp (x, "-inet6"))
      rw->hint = 6;
    else if (!strcmp (x, "to")) {
      rw->target = ARG ();
      if (rw->target && !strcmp (rw->target, "unicast"))
        rw->target = ARG ();
    } else if (!strcmp (x, "default"))
      rw->target = "default";
    else if (!strcmp (x, "via") || !strcmp (x, "gw")
             || !strcmp (x, "gateway")) {
      rw->via = ARG ();
      if (rw->via && (!strcmp (rw->via, "inet") || !strcmp (rw->via, "inet6")))
        rw->via = ARG ();
    } else if (!strcmp (x, "netmask") || !strcmp (x, "mask")
               || !strcmp (x, "genmask"))
      rw->mask = ARG ();
    else if (!strcmp (x, "metric") || !strcmp (x, "preference")
             || !strcmp (x, "priority"))
      rw->metric = ARG ();
    else if (!strcmp (x, "dev") || !strcmp (x, "device") || !strcmp (x, "oif"))
      rw->dev = ARG ();
    else if (word_in (x, skip_arg))
      (void) ARG ();
    else if (word_in (x, odd_types)) {
      *why = "a route of a special type (not kept)";
      return -1;
    } else if (!strcmp (x, "nexthop")) {
      *why = "multipath routes are not supported";
      return -1;
    } else if (rw->target == NULL)
      rw->target = x;
    else if (rw->dev == NULL && nc_valid_ifname (x) && !nc_is_ipv4 (x)
             && !nc_is_ipv6 (x) && !isdigit ((unsigned char) x[0]))
      rw->dev = x;              /* route(8): "... gw G eth1" */
    else {
      *why = "unexpected word in the route";
      return -1;
    }
#undef ARG
  }
  if (rw->target == NULL) {
    *why = "no destination in the route";
    return -1;
  }
  return 1;
}

/* The destination of RW into R (its family FAM when the gateway gave
 * one): a prefix, or the default route.  1, or -1 with *WHY. */
static int
route_dest (struct nc *c, const struct route_words *rw, int fam,
            struct nc_route *r, const char **why)
{
  struct fg_ip ip;
  int len;

  if (!strcmp (rw->target, "default")) {
    r->is_default = 1;
    r->fam = fam ? fam : rw->hint ? rw->hint : 4;
    return 1;
  }
  if (nc_parse_cidr (rw->target, &ip, &len) < 0) {
    *why = "not a destination address";
    return -1;
  }
  r->fam = ip.fam;
  if (fam && fam != r->fam) {
    *why = "destination and gateway are of different families";
    return -1;
  }
  if (len < 0 && rw->mask)
    len = r->fam == 4 ? fg_netmask4_parse (rw->mask)
      : (int) small_number (rw->mask, 128);
  if (len < 0 && rw->mask) {
    *why = "not a netmask";
    return -1;
  }
  /* route(8) writes the default route as "0.0.0.0" with no mask */
  if (len < 0 && r->fam == 4 && fg_ip4 (&ip) == 0)
    len = 0;
  if (len < 0)
    len = r->fam == 6 ? 128
      : rw->net && !rw->host ? fg_ip4_classful (fg_ip4 (&ip)) : 32;
  /* "0.0.0.0/0", "::/0", "0/0" in any spelling: the default route */
  if (len == 0) {
    r->is_default = 1;
    return 1;
  }
  r->to = ip_str (c, &ip, len);
  return 1;
}

int
nc_route_parse (struct nc *c, char *const *w, size_t n, struct nc_route *r,
                const char **why)
{
  struct route_words rw;
  int fam = 0, rc;

  memset (r, 0, sizeof *r);
  r->metric = -1;
  *why = NULL;
  if ((rc = route_words (w, n, &rw, why)) <= 0)
    return rc;
  if (rw.metric) {
    long m = small_number (rw.metric, INT_MAX);
    if (m < 0) {
      *why = "not a metric";
      return -1;
    }
    r->metric = (int) m;
  }
  if (rw.dev) {
    if (!nc_valid_ifname (rw.dev)) {
      *why = "not an interface name";
      return -1;
    }
    r->dev = nc_strdup (c, rw.dev);
  }
  if (rw.via && strcmp (rw.via, "*") && strcmp (rw.via, "0.0.0.0")
      && strcmp (rw.via, "::")) {
    if ((r->via = addr_canon (c, rw.via, &fam)) == NULL) {
      *why = "not a gateway address";
      nc_route_clear (r);
      return -1;
    }
  }
  if (route_dest (c, &rw, fam, r, why) < 0) {
    nc_route_clear (r);
    return -1;
  }
  return 1;
}

void
nc_add_route (struct nc *c, struct fg_net_iface *i, const struct nc_route *r,
              const char *file, unsigned line)
{
  struct fg_net_route *nv, *nr;
  const char *dev = r->dev;
  size_t dl;

  if (r->is_default) {
    if (r->via)
      nc_set_gateway (c, i, r->via, file, line);
    else
      nc_problem (c, file, line, "default route without a gateway on %s "
                  "not kept", i->name);
    return;
  }
  if (r->to == NULL)
    return;
  /* The route's own link ("eth1", or its alias "eth1:0") is implied. */
  dl = strlen (i->name);
  if (dev && strncmp (dev, i->name, dl) == 0
      && (dev[dl] == '\0' || dev[dl] == ':'))
    dev = NULL;
  for (size_t k = 0; k < i->nroutes; k++) {
    const struct fg_net_route *o = &i->routes[k];
    if (strcmp (o->to, r->to) == 0
        && !!o->via == !!r->via && (!o->via || strcmp (o->via, r->via) == 0)
        && !!o->dev == !!dev && (!o->dev || strcmp (o->dev, dev) == 0)
        && o->metric == r->metric)
      return;
  }
  if (i->nroutes >= MAX_ROUTES) {
    nc_problem (c, file, line, "more than %d routes on %s: %s not kept",
                MAX_ROUTES, i->name, r->to);
    return;
  }
  nv = realloc (i->routes, (i->nroutes + 1) * sizeof *nv);
  if (nv == NULL) {
    c->oom = 1;
    return;
  }
  i->routes = nv;
  nr = &i->routes[i->nroutes];
  memset (nr, 0, sizeof *nr);
  nr->to = nc_strdup (c, r->to);
  nr->via = r->via ? nc_strdup (c, r->via) : NULL;
  nr->dev = dev ? nc_strdup (c, dev) : NULL;
  nr->metric = r->metric;
  i->nroutes++;
}

void
nc_place_route (struct nc *c, const struct nc_route *r, const char *file,
                unsigned line)
{
  struct fg_net_iface *i = NULL;

  if (r->dev)
    i = nc_iface (c, r->dev, NULL, file, line);
  if (i == NULL && r->via)
    i = nc_iface_on_subnet (c, r->fam, r->via);
  if (i == NULL) {
    nc_problem (c, file, line, "route to %s via %s is on no configured "
                "interface's subnet: not kept",
                r->is_default ? "default" : r->to ? r->to : "?",
                r->via ? r->via : "(none)");
    return;
  }
  nc_add_route (c, i, r, file, line);
}

/* ---- words ----------------------------------------------------------- */

static int
is_blank (int ch)
{
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v'
    || ch == '\f';
}

char **
nc_words (struct nc *c, const char *s, size_t *n, int *unterminated)
{
  char **v = NULL;
  struct fg_strbuf b = FG_STRBUF_INIT;
  int inword = 0;

  *n = 0;
  *unterminated = 0;
  for (;;) {
    char ch = *s;
    if (ch == '\0' || is_blank (ch)
        || ((ch == ';' || ch == '|' || ch == '&')
            && !(ch == '&' && (fg_strbuf_last (&b) == '>'
                                 || fg_strbuf_last (&b) == '<')))) {
      if (inword)
        nc_strv_push (c, &v, n, buf_take (c, &b));
      inword = 0;
      if (ch == '\0')
        break;
      if (!is_blank (ch)) {
        /* "&&", "||" or a single operator, as a word of its own */
        size_t len = (s[1] == ch && ch != ';') ? 2 : 1;
        nc_strv_push (c, &v, n, nc_strndup (c, s, len));
        s += len;
        continue;
      }
      s++;
      continue;
    }
    if (ch == '#' && !inword) {
      s += strcspn (s, "\n");
      continue;
    }
    inword = 1;
    if (ch == '\\') {
      if (s[1] == '\n')
        s += 2;
      else if (s[1]) {
        fg_strbuf_putc (&b, s[1]);
        s += 2;
      } else
        s++;
      continue;
    }
    if (ch == '\'' || ch == '"') {
      const char *q = s + 1;
      for (; *q && *q != ch; q++) {
        if (ch == '"' && *q == '\\' && q[1] && strchr ("$`\"\\\n", q[1])) {
          if (q[1] != '\n')
            fg_strbuf_putc (&b, q[1]);
          q++;
          continue;
        }
        fg_strbuf_putc (&b, *q);
      }
      if (*q == '\0') {
        *unterminated = 1;
        s = q;
      } else
        s = q + 1;
      continue;
    }
    fg_strbuf_putc (&b, ch);
    s++;
  }
  fg_strbuf_release (&b);
  return v;
}

/* ---- lines ----------------------------------------------------------- */

void
nc_lines_init (struct nc_lines *it, const struct fg_file *f)
{
  memset (it, 0, sizeof *it);
  it->f = f;
}

int
nc_lines_next (struct nc *c, struct nc_lines *it, char **line)
{
  const char *d = it->f->data;
  size_t len = it->f->len;

  free (it->buf);
  it->buf = NULL;
  while (it->pos < len) {
    const char *start = d + it->pos;
    const char *nl = memchr (start, '\n', len - it->pos);
    size_t n = nl ? (size_t) (nl - start) : len - it->pos;

    it->pos += n + (nl ? 1 : 0);
    it->no++;
    if (memchr (start, '\0', n)) {
      if (!it->warned)
        nc_problem (c, it->f->path, it->no, "binary data (NUL bytes): "
                    "line skipped");
      it->warned = 1;
      continue;
    }
    if (n && start[n - 1] == '\r')
      n--;
    it->buf = nc_strndup (c, start, n);
    if (it->buf == NULL)
      return 0;
    *line = it->buf;
    return 1;
  }
  return 0;
}

void
nc_lines_release (struct nc_lines *it)
{
  free (it->buf);
  it->buf = NULL;
}

/* ---- the sh lexer ---------------------------------------------------- */

struct lx {
  struct nc *c;
  const char *path;
  const char *p, *end;
  unsigned line;
};

static int
ident_is (const char *p, int n, const char *word)
{
  return (size_t) n == strlen (word) && strncmp (p, word, (size_t) n) == 0;
}

static void
lx_skip_line (struct lx *x)
{
  while (x->p < x->end && *x->p != '\n') {
    if (*x->p == '\\' && x->p + 1 < x->end && x->p[1] == '\n') {
      x->p++;
      x->line++;
    }
    x->p++;
  }
}

static int
lx_ident_len (const char *p, const char *end)
{
  int n = 0;

  if (p >= end || !(isalpha ((unsigned char) *p) || *p == '_'))
    return 0;
  while (p + n < end && (isalnum ((unsigned char) p[n]) || p[n] == '_'))
    n++;
  return n;
}

/* One shell word at x->p into *OUT.  Stops at an unquoted blank,
 * newline, ";", "&", "|", "(", ")" (none consumed).  A quote left open
 * at the end of the file is reported, and the word ends at the end of
 * the line it opened on, so that the lines after it are still read.
 * Returns 1 if anything was read (even ""), 0 if not. */
static int
lx_word (struct lx *x, struct fg_strbuf *out)
{
  int any = 0;

  while (x->p < x->end) {
    char ch = *x->p;
    if (is_blank (ch) || strchr (";&|()<>", ch))
      break;
    any = 1;
    if (ch == '\\') {
      if (x->p + 1 < x->end && x->p[1] == '\n') {
        x->line++;
        x->p += 2;
        continue;
      }
      if (x->p + 1 < x->end)
        fg_strbuf_putc (out, x->p[1]);
      x->p += 2;
      continue;
    }
    if (ch == '$' && x->p + 1 < x->end && x->p[1] == '\'') {
      x->p++;                   /* $'...': read as '...' */
      continue;
    }
    if (ch == '\'' || ch == '"') {
      const char *q = x->p + 1, *open = x->p;
      unsigned lines = 0;
      size_t mark = out->len;
      for (; q < x->end && *q != ch; q++) {
        if (*q == '\n')
          lines++;
        if (ch == '"' && *q == '\\' && q + 1 < x->end
            && strchr ("$`\"\\\n", q[1])) {
          if (q[1] == '\n')
            lines++;
          else
            fg_strbuf_putc (out, q[1]);
          q++;
          continue;
        }
        fg_strbuf_putc (out, *q);
      }
      if (q >= x->end) {
        const char *nl = memchr (open, '\n', (size_t) (x->end - open));
        nc_problem (x->c, x->path, x->line, "unterminated %s quote: value "
                    "cut at the end of the line",
                    ch == '"' ? "double" : "single");
        fg_strbuf_cut (out, mark);
        for (const char *k = open + 1; k < (nl ? nl : x->end); k++)
          fg_strbuf_putc (out, *k);
        x->p = nl ? nl : x->end;
        return 1;
      }
      x->line += lines;
      x->p = q + 1;
      continue;
    }
    fg_strbuf_putc (out, ch);
    x->p++;
  }
  return any;
}

static void
lx_blanks (struct lx *x)
{
  while (x->p < x->end) {
    if (*x->p == ' ' || *x->p == '\t' || *x->p == '\r')
      x->p++;
    else if (*x->p == '\\' && x->p + 1 < x->end && x->p[1] == '\n') {
      x->p += 2;
      x->line++;
    } else
      break;
  }
}

static void
assign_push (struct nc *c, struct nc_shell *s, size_t *cap,
             struct nc_assign *a)
{
  if (s->n >= MAX_ASSIGNS) {
    if (!s->full)
      nc_problem (c, s->path, a->line, "more than %d assignments: the rest "
                  "ignored", MAX_ASSIGNS);
    s->full = 1;
    free (a->name);
    nc_strv_free (a->vals, a->nvals);
    return;
  }
  if (grow (c, (void **) &s->v, cap, s->n, sizeof *s->v) < 0) {
    free (a->name);
    nc_strv_free (a->vals, a->nvals);
    return;
  }
  s->v[s->n++] = *a;
}

/* "NAME=( ... )": words across lines, comments between them. */
static void
lx_array (struct lx *x, struct nc_assign *a)
{
  const char *open = x->p;      /* just after '(' */
  unsigned open_line = x->line;
  size_t first_line_vals = 0;
  int on_first = 1, told = 0, line_start = 0;

  for (;;) {
    struct fg_strbuf b = FG_STRBUF_INIT;
    lx_blanks (x);
    if (x->p >= x->end) {
      /* Unterminated: keep what the opening line held, go on after it. */
      const char *nl = memchr (open, '\n', (size_t) (x->end - open));
      nc_problem (x->c, x->path, open_line, "unterminated '(' array for %s: "
                  "only its first line kept", a->name);
      while (a->nvals > first_line_vals)
        free (a->vals[--a->nvals]);
      if (a->vals)
        a->vals[a->nvals] = NULL;
      x->p = nl ? nl : x->end;
      x->line = open_line;
      return;
    }
    if (*x->p == ')') {
      x->p++;
      return;
    }
    if (*x->p == '\n') {
      x->p++;
      x->line++;
      on_first = 0;
      line_start = 1;
      continue;
    }
    if (*x->p == '#') {
      lx_skip_line (x);
      continue;
    }
    if (line_start) {
      /* "B=(" starting a line cannot be an element (bash rejects it):
       * the array before it was never closed. */
      int m = lx_ident_len (x->p, x->end);
      const char *q = x->p + m;
      if (m && q < x->end && *q == '+')
        q++;
      if (m && q + 1 < x->end && q[0] == '=' && q[1] == '(') {
        nc_problem (x->c, x->path, open_line, "unterminated '(' array for "
                    "%s: closed before line %u", a->name, x->line);
        return;
      }
    }
    line_start = 0;
    if (lx_word (x, &b)) {
      if (a->nvals >= MAX_ARRAY) {
        if (!told)
          nc_problem (x->c, x->path, x->line, "array %s longer than %d "
                      "elements: the rest ignored", a->name, MAX_ARRAY);
        told = 1;
        fg_strbuf_release (&b);
        continue;
      }
      nc_strv_push (x->c, &a->vals, &a->nvals, buf_take (x->c, &b));
      if (on_first)
        first_line_vals = a->nvals;
      continue;
    }
    fg_strbuf_release (&b);
    /* An operator or a nested "(": not array syntax we know. */
    nc_problem_text (x->c, x->path, x->line, "unexpected character in array",
                     x->p, 1);
    x->p++;
  }
}

/* "name() {" or "function name": skip to the closing brace. */
static int
lx_function (struct lx *x, const char *name, size_t nlen)
{
  const char *p = x->p, *brace;
  unsigned lines = 0;
  int depth = 0;

  brace = memchr (p, '{', (size_t) (x->end - p));
  if (brace == NULL)
    return 0;
  for (const char *k = p; k < x->end; k++) {
    if (*k == '\n')
      lines++;
    else if (*k == '{' && k >= brace)
      depth++;
    else if (*k == '}' && k > brace && --depth == 0) {
      nc_problem (x->c, x->path, x->line, "shell function '%.*s' ignored",
                  (int) nlen, name);
      x->p = k + 1;
      x->line += lines;
      return 1;
    }
  }
  return 0;
}

/* Blank the lines of COPY (F's text) that hold NUL bytes, with one
 * problem line: the rest of the file is still read, with its numbers. */
static void
blank_binary_lines (struct nc *c, const struct fg_file *f, char *copy)
{
  unsigned no = 1;
  int told = 0;

  if (memchr (copy, '\0', f->len) == NULL)
    return;
  for (size_t k = 0, start = 0; k <= f->len; k++) {
    if (k == f->len || copy[k] == '\n') {
      if (memchr (copy + start, '\0', k - start)) {
        if (!told)
          nc_problem (c, f->path, no, "binary data (NUL bytes): line "
                      "skipped");
        told = 1;
        memset (copy + start, ' ', k - start);
      }
      start = k + 1;
      no++;
    }
  }
}

/* "export A=b", "declare -a A=(...)", "local A=b": step over the word
 * and its options to the name; returns the name's length (else N, the
 * length of the identifier at X->p, unchanged). */
static int
lx_declaration (struct lx *x, int n)
{
  const char *q = x->p + n;

  if (!(ident_is (x->p, n, "export") || ident_is (x->p, n, "declare")
        || ident_is (x->p, n, "typeset") || ident_is (x->p, n, "local")
        || ident_is (x->p, n, "readonly"))
      || q >= x->end || (*q != ' ' && *q != '\t'))
    return n;
  while (q < x->end && (*q == ' ' || *q == '\t'))
    q++;
  while (q < x->end && *q == '-') {
    while (q < x->end && !is_blank (*q))
      q++;
    while (q < x->end && (*q == ' ' || *q == '\t'))
      q++;
  }
  if (lx_ident_len (q, x->end) == 0)
    return n;
  x->p = q;
  return lx_ident_len (x->p, x->end);
}

/* A+=... : the earlier value of A in OUT, then this one. */
static void
append_earlier (struct nc *c, const struct nc_shell *out, struct nc_assign *a)
{
  const struct nc_assign *prev = nc_shell_get (out, a->name);
  char **v = NULL;
  size_t nv = 0;

  if (prev == NULL)
    return;
  for (size_t k = 0; k < prev->nvals; k++)
    nc_strv_push (c, &v, &nv, nc_strdup (c, prev->vals[k]));
  for (size_t k = 0; k < a->nvals; k++)
    nc_strv_push (c, &v, &nv, nc_strdup (c, a->vals[k]));
  nc_strv_free (a->vals, a->nvals);
  a->vals = v;
  a->nvals = nv;
  a->is_array |= prev->is_array;
}

/* After an assignment: another one ("A=1 B=2") or the end of the
 * statement; anything else ("A=1 cmd" is a command) is reported and the
 * line skipped. */
static void
lx_after_assignment (struct lx *x)
{
  int m;

  lx_blanks (x);
  if (x->p >= x->end || strchr ("\n;&#", *x->p))
    return;
  m = lx_ident_len (x->p, x->end);
  if (m == 0 || !(x->p + m < x->end && (x->p[m] == '=' || x->p[m] == '+'))) {
    const char *eol = memchr (x->p, '\n', (size_t) (x->end - x->p));
    nc_problem_text (x->c, x->path, x->line, "text after an assignment "
                     "ignored", x->p, (size_t) ((eol ? eol : x->end) - x->p));
    lx_skip_line (x);
  }
}

/* The assignment of the N-byte name at X->p ("A=", "A+=") into OUT. */
static void
lx_assignment (struct lx *x, struct nc_shell *out, size_t *cap, int n)
{
  struct nc *c = x->c;
  struct nc_assign a = { 0 };
  int append = x->p[n] == '+';

  a.name = nc_strndup (c, x->p, (size_t) n);
  a.line = x->line;
  x->p += n + 1 + append;
  if (x->p < x->end && *x->p == '(') {
    x->p++;
    a.is_array = 1;
    lx_array (x, &a);
  } else {
    struct fg_strbuf b = FG_STRBUF_INIT;
    lx_word (x, &b);
    nc_strv_push (c, &a.vals, &a.nvals, buf_take (c, &b));
  }
  if (append && a.name)
    append_earlier (c, out, &a);
  if (a.name)
    assign_push (c, out, cap, &a);
  else
    nc_strv_free (a.vals, a.nvals);
  lx_after_assignment (x);
}

/* One statement at X->p: an assignment, a function definition (skipped)
 * or anything else (reported, its line skipped). */
static void
lx_statement (struct lx *x, struct nc_shell *out, size_t *cap)
{
  const char *stmt = x->p, *eol;
  int n = lx_declaration (x, lx_ident_len (x->p, x->end));

  if (n && x->p + n < x->end
      && (x->p[n] == '=' || (x->p[n] == '+' && x->p + n + 1 < x->end
                             && x->p[n + 1] == '='))) {
    lx_assignment (x, out, cap, n);
    return;
  }
  /* A function definition: "name() {" or "function name". */
  if (n) {
    const char *q = x->p + n;
    while (q < x->end && (*q == ' ' || *q == '\t'))
      q++;
    if (((q + 1 < x->end && q[0] == '(' && q[1] == ')')
         || ident_is (x->p, n, "function"))
        && lx_function (x, stmt, (size_t) n))
      return;
  }
  eol = memchr (stmt, '\n', (size_t) (x->end - stmt));
  nc_problem_text (x->c, x->path, x->line, "not an assignment", stmt,
                   (size_t) ((eol ? eol : x->end) - stmt));
  x->p = stmt;
  lx_skip_line (x);
}

void
nc_shell_parse (struct nc *c, const struct fg_file *f, struct nc_shell *out)
{
  struct lx x = { c, f->path, NULL, NULL, 1 };
  size_t cap = 0;
  char *copy;

  memset (out, 0, sizeof *out);
  out->path = f->path;
  copy = nc_strndup (c, f->data, f->len);
  if (copy == NULL)
    return;
  blank_binary_lines (c, f, copy);
  x.p = copy;
  x.end = copy + f->len;
  while (x.p < x.end) {
    lx_blanks (&x);
    if (x.p >= x.end)
      break;
    if (*x.p == '\n') {
      x.p++;
      x.line++;
    } else if (*x.p == ';' || *x.p == '&')
      x.p++;
    else if (*x.p == '#')
      lx_skip_line (&x);
    else
      lx_statement (&x, out, &cap);
  }
  free (copy);
}

const struct nc_assign *
nc_shell_get (const struct nc_shell *s, const char *name)
{
  for (size_t k = s->n; k-- > 0;)
    if (strcmp (s->v[k].name, name) == 0)
      return &s->v[k];
  return NULL;
}

const char *
nc_shell_value (const struct nc_shell *s, const char *name, unsigned *line)
{
  const struct nc_assign *a = nc_shell_get (s, name);

  if (a == NULL || a->nvals == 0)
    return NULL;
  if (line)
    *line = a->line;
  return a->vals[0];
}

const char *
nc_shell_nonempty (const struct nc_shell *s, const char *name, unsigned *line)
{
  const char *v = nc_shell_value (s, name, line);
  return v && *v ? v : NULL;
}

const char *
nc_shell_nonempty_k (struct nc *c, const struct nc_shell *s, const char *key,
                     const char *sfx, unsigned *line)
{
  char *name = nc_printf (c, "%s%s", key, sfx);
  const char *v = name ? nc_shell_nonempty (s, name, line) : NULL;

  free (name);
  return v;
}

void
nc_shell_release (struct nc_shell *s)
{
  for (size_t k = 0; k < s->n; k++) {
    free (s->v[k].name);
    nc_strv_free (s->v[k].vals, s->v[k].nvals);
  }
  free (s->v);
  memset (s, 0, sizeof *s);
}

/* ---- files every family shares --------------------------------------- */

void
nc_parse_resolv_conf (struct nc *c)
{
  const struct fg_file *f = fg_files_get (c->files, "etc/resolv.conf");
  struct nc_lines it;
  char *line;

  if (f == NULL)
    return;
  nc_lines_init (&it, f);
  while (nc_lines_next (c, &it, &line)) {
    char *p = line + strspn (line, " \t");
    size_t k = strcspn (p, " \t");
    if (*p == '\0' || *p == '#' || *p == ';')
      continue;
    if (k == 10 && strncmp (p, "nameserver", 10) == 0) {
      char *v = p + k + strspn (p + k, " \t");
      size_t vn = strcspn (v, " \t#;");
      v[vn] = '\0';
      if (vn == 0)
        nc_problem (c, f->path, it.no, "nameserver without an address");
      else
        nc_add_resolver (c, v, f->path, it.no);
      continue;
    }
    if ((k == 6 && !strncmp (p, "domain", 6))
        || (k == 6 && !strncmp (p, "search", 6))
        || (k == 7 && !strncmp (p, "options", 7))
        || (k == 8 && !strncmp (p, "sortlist", 8)))
      continue;
    nc_problem_text (c, f->path, it.no, "not a resolv.conf line", p,
                     strlen (p));
  }
  nc_lines_release (&it);
}

/* etc/hostname (hostname(5): comments allowed) and etc/HOSTNAME. */
void
nc_parse_hostname_file (struct nc *c, const char *path)
{
  const struct fg_file *f = fg_files_get (c->files, path);
  struct nc_lines it;
  char *line;

  if (f == NULL || c->net->hostname)
    return;
  nc_lines_init (&it, f);
  while (nc_lines_next (c, &it, &line)) {
    char *p = line + strspn (line, " \t");
    if (*p == '\0' || *p == '#')
      continue;
    nc_set_hostname (c, p, f->path, it.no);
    break;
  }
  nc_lines_release (&it);
}

/* One udev match or assignment value: KEY OP "VALUE". */
static const char *
udev_value (const char *line, const char *key, size_t *n)
{
  size_t kl = strlen (key);

  for (const char *p = line; (p = strstr (p, key)) != NULL; p += kl) {
    const char *q = p + kl;
    if (p > line && (isalnum ((unsigned char) p[-1]) || p[-1] == '{'))
      continue;
    while (*q == ' ' || *q == '\t')
      q++;
    if (!(q[0] == '=' || (q[0] == ':' && q[1] == '=')
          || (q[0] == '=' && q[1] == '=')))
      continue;
    q += q[0] == ':' || q[1] == '=' ? 2 : 1;
    while (*q == ' ' || *q == '\t')
      q++;
    if (*q != '"')
      return NULL;
    q++;
    *n = strcspn (q, "\"");
    return q[*n] == '"' ? q : NULL;
  }
  return NULL;
}

void
nc_parse_udev (struct nc *c)
{
  const struct fg_file *f =
    fg_files_get (c->files, "etc/udev/rules.d/70-persistent-net.rules");
  struct nc_lines it;
  char *line;

  if (f == NULL)
    return;
  nc_lines_init (&it, f);
  while (nc_lines_next (c, &it, &line)) {
    const char *p = line + strspn (line, " \t"), *mac, *name;
    size_t mn = 0, nn = 0;
    char *m, *nm;
    if (*p == '\0' || *p == '#')
      continue;
    mac = udev_value (p, "ATTR{address}", &mn);
    if (mac == NULL)
      mac = udev_value (p, "ATTRS{address}", &mn);
    if (mac == NULL)
      mac = udev_value (p, "SYSFS{address}", &mn);
    name = udev_value (p, "NAME", &nn);
    if (mac == NULL || name == NULL) {
      nc_problem_text (c, f->path, it.no, "rule without a MAC and a NAME",
                       p, strlen (p));
      continue;
    }
    m = nc_strndup (c, mac, mn);
    nm = nc_strndup (c, name, nn);
    if (m && nm) {
      char *canon = nc_mac_canon (c, m);
      if (canon == NULL || !nc_valid_ifname (nm)) {
        nc_problem_text (c, f->path, it.no, "not a MAC and interface name",
                         p, strlen (p));
        free (canon);
      } else {
        struct nc_udev *nv = realloc (c->udev, (c->nudev + 1) * sizeof *nv);
        if (nv == NULL) {
          c->oom = 1;
          free (canon);
        } else {
          c->udev = nv;
          nv[c->nudev].mac = canon;
          nv[c->nudev].line = it.no;
          nv[c->nudev++].name = nm;
          nm = NULL;
        }
      }
    }
    free (m);
    free (nm);
  }
  nc_lines_release (&it);
}

const char *
nc_udev_name_for (const struct nc *c, const char *mac)
{
  for (size_t k = 0; k < c->nudev; k++)
    if (strcmp (c->udev[k].mac, mac) == 0)
      return c->udev[k].name;
  return NULL;
}

/* After the family: pin each configured interface to udev's MAC. */
void
nc_apply_udev (struct nc *c)
{
  const char *path = "etc/udev/rules.d/70-persistent-net.rules";

  for (size_t k = 0; k < c->nudev; k++) {
    struct fg_net_iface *i = nc_iface_find (c, c->udev[k].name);
    if (i == NULL)
      continue;
    if (i->mac && strcmp (i->mac, c->udev[k].mac) != 0)
      nc_problem (c, path, c->udev[k].line, "udev names %s %s but the "
                  "interface configuration pins %s", c->udev[k].mac, i->name,
                  i->mac);
    else if (i->mac == NULL)
      i->mac = nc_strdup (c, c->udev[k].mac);
  }
}
