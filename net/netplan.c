/* net/netplan.c --- image model + server record -> the planned addresses */
#include "net/netplan.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADDRS 64

struct srec_net {
  int present;
  char *mac;
  char **ipv4;
  size_t nipv4;
  char *gateway;
  char **ipv6;
  size_t nipv6;
  char *gateway6;
};

struct fg_server_record {
  char *path;
  char *server_id, *hostname;
  struct srec_net pub, priv;
  char **shared;
  size_t nshared;
  char **resolvers;
  size_t nresolvers;
};

int
fg_net_mode_parse (const char *s)
{
  if (strcmp (s, "image") == 0)
    return FG_MODE_IMAGE;
  if (strcmp (s, "self-service") == 0)
    return FG_MODE_SELF_SERVICE;
  if (strcmp (s, "assisted") == 0)
    return FG_MODE_ASSISTED;
  return -1;
}

const char *
fg_net_mode_name (enum fg_net_mode m)
{
  switch (m) {
  case FG_MODE_SELF_SERVICE: return "self-service";
  case FG_MODE_ASSISTED: return "assisted";
  case FG_MODE_IMAGE: break;
  }
  return "image";
}

/* ---- strings ------------------------------------------------------------ */

static void
strv_free (char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

/* Append a copy of S; -1 when memory runs out. */
static int
strv_add (char ***v, size_t *n, const char *s)
{
  char **nv = realloc (*v, (*n + 1) * sizeof *nv);
  char *c = strdup (s);

  if (nv == NULL || c == NULL) {
    free (c);
    if (nv)
      *v = nv;
    return -1;
  }
  nv[*n] = c;
  *v = nv;
  (*n)++;
  return 0;
}

static int
strv_has (char *const *v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (v[i], s) == 0)
      return 1;
  return 0;
}

static int
strv_same (char *const *a, size_t na, char *const *b, size_t nb)
{
  if (na != nb)
    return 0;
  for (size_t i = 0; i < na; i++)
    if (!strv_has (b, nb, a[i]))
      return 0;
  return 1;
}

/* "a, b, c" of V, for messages; malloc'd. */
static char *
strv_join (char *const *v, size_t n)
{
  size_t len = 1;
  char *s;

  for (size_t i = 0; i < n; i++)
    len += strlen (v[i]) + 2;
  s = malloc (len + 6);
  if (s == NULL)
    return NULL;
  s[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (i)
      strcat (s, ", ");
    strcat (s, v[i]);
  }
  if (n == 0)
    strcpy (s, "none");
  return s;
}

/* ---- addresses ---------------------------------------------------------- */

/* "a.b.c.d/len" canonical into OUT (>= 19 bytes); -1 if not that. */
static int
canon_v4_cidr (const char *s, char *out, size_t cap)
{
  char host[INET_ADDRSTRLEN + 1], *end;
  const char *slash = strchr (s, '/');
  struct in_addr a;
  long len;

  if (slash == NULL || (size_t) (slash - s) >= sizeof host)
    return -1;
  memcpy (host, s, (size_t) (slash - s));
  host[slash - s] = '\0';
  errno = 0;
  len = strtol (slash + 1, &end, 10);
  if (slash[1] < '0' || slash[1] > '9' || *end || errno || len < 0 || len > 32 ||
      inet_pton (AF_INET, host, &a) != 1 || !inet_ntop (AF_INET, &a, host,
                                                        sizeof host))
    return -1;
  snprintf (out, cap, "%s/%ld", host, len);
  return 0;
}

static int
canon_v4 (const char *s, char *out, size_t cap)
{
  struct in_addr a;

  if (inet_pton (AF_INET, s, &a) != 1 || cap < INET_ADDRSTRLEN)
    return -1;
  return inet_ntop (AF_INET, &a, out, (socklen_t) cap) ? 0 : -1;
}

static int
canon_v6 (const char *s, char *out, size_t cap)
{
  struct in6_addr a;

  if (inet_pton (AF_INET6, s, &a) != 1 || cap < INET6_ADDRSTRLEN)
    return -1;
  return inet_ntop (AF_INET6, &a, out, (socklen_t) cap) ? 0 : -1;
}

static int
canon_v6_cidr (const char *s, char *out, size_t cap)
{
  char host[INET6_ADDRSTRLEN + 1], *end;
  const char *slash = strchr (s, '/');
  long len;

  if (slash == NULL || (size_t) (slash - s) >= sizeof host)
    return -1;
  memcpy (host, s, (size_t) (slash - s));
  host[slash - s] = '\0';
  errno = 0;
  len = strtol (slash + 1, &end, 10);
  if (slash[1] < '0' || slash[1] > '9' || *end || errno || len < 0 ||
      len > 128 || canon_v6 (host, out, cap) < 0)
    return -1;
  snprintf (out + strlen (out), cap - strlen (out), "/%ld", len);
  return 0;
}

/* The IPv4 address of "a.b.c.d/len" (host order) and its length. */
static int
v4_parts (const char *cidr, uint32_t *a, int *len)
{
  char host[INET_ADDRSTRLEN + 1];
  const char *slash = strchr (cidr, '/');
  struct in_addr in;

  if (slash == NULL || (size_t) (slash - cidr) >= sizeof host)
    return -1;
  memcpy (host, cidr, (size_t) (slash - cidr));
  host[slash - cidr] = '\0';
  if (inet_pton (AF_INET, host, &in) != 1)
    return -1;
  *a = ntohl (in.s_addr);
  *len = atoi (slash + 1);
  return 0;
}

static int
is_rfc1918 (uint32_t a)
{
  return (a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8;
}

static uint32_t
v4_mask (int len)
{
  return len <= 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
}

static void
v4_text (uint32_t a, char *out, size_t cap)
{
  snprintf (out, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
            a & 255);
}

/* The subnet "net/len" of the IPv4 "a.b.c.d/len" CIDR into OUT. */
static int
v4_subnet_text (const char *cidr, char *out, size_t cap)
{
  uint32_t a;
  int len, n;

  if (v4_parts (cidr, &a, &len) < 0)
    return -1;
  v4_text (a & v4_mask (len), out, cap);
  n = (int) strlen (out);
  snprintf (out + n, cap - (size_t) n, "/%d", len);
  return 0;
}

/* "addr/len" -> the address and its length. */
static int
v6_parts (const char *cidr, struct in6_addr *a, int *len)
{
  char host[INET6_ADDRSTRLEN + 1];
  const char *slash = strchr (cidr, '/');
  size_t n = slash ? (size_t) (slash - cidr) : strlen (cidr);

  if (n >= sizeof host)
    return -1;
  memcpy (host, cidr, n);
  host[n] = '\0';
  if (inet_pton (AF_INET6, host, a) != 1)
    return -1;
  *len = slash ? atoi (slash + 1) : 128;
  if (*len < 0 || *len > 128)
    return -1;
  return 0;
}

static int
v6_same_prefix (const struct in6_addr *x, const struct in6_addr *y, int len)
{
  int full = len / 8, rest = len % 8;

  if (memcmp (x->s6_addr, y->s6_addr, (size_t) full) != 0)
    return 0;
  if (rest == 0)
    return 1;
  return ((x->s6_addr[full] ^ y->s6_addr[full]) &
          (unsigned char) (0xff << (8 - rest))) == 0;
}

static int
v6_subnet_text (const char *cidr, char *out, size_t cap)
{
  struct in6_addr a;
  int len, n;

  if (v6_parts (cidr, &a, &len) < 0 || cap < INET6_ADDRSTRLEN + 5)
    return -1;
  for (int b = 0; b < 16; b++) {
    int keep = len - b * 8;
    a.s6_addr[b] &= keep >= 8 ? 0xff : keep <= 0 ? 0
      : (unsigned char) (0xff << (8 - keep));
  }
  if (inet_ntop (AF_INET6, &a, out, (socklen_t) cap) == NULL)
    return -1;
  n = (int) strlen (out);
  snprintf (out + n, cap - (size_t) n, "/%d", len);
  return 0;
}

/* The subnet of I's addresses (IPv4, or IPv6 when V6) that holds GW, as
 * "net/len" in OUT (>= 64 bytes): 0, or -1 when none does.  An IPv6
 * link-local next hop is on every link: "fe80::/10". */
static int
subnet_holding (const struct fg_net_iface *i, const char *gw, int v6,
                char *out, size_t cap)
{
  if (!v6) {
    uint32_t g, a;
    int len;
    struct in_addr in;
    if (inet_pton (AF_INET, gw, &in) != 1)
      return -1;
    g = ntohl (in.s_addr);
    for (size_t k = 0; k < i->nipv4; k++)
      if (v4_parts (i->ipv4[k], &a, &len) == 0 &&
          ((a ^ g) & v4_mask (len)) == 0 && a != g)
        return v4_subnet_text (i->ipv4[k], out, cap);
    return -1;
  }
  {
    struct in6_addr g, a;
    int len;
    if (inet_pton (AF_INET6, gw, &g) != 1)
      return -1;
    if (g.s6_addr[0] == 0xfe && (g.s6_addr[1] & 0xc0) == 0x80) {
      snprintf (out, cap, "fe80::/10");
      return 0;
    }
    for (size_t k = 0; k < i->nipv6; k++)
      if (v6_parts (i->ipv6[k], &a, &len) == 0 && v6_same_prefix (&a, &g, len)
          && memcmp (&a, &g, sizeof a) != 0)
        return v6_subnet_text (i->ipv6[k], out, cap);
    return -1;
  }
}

/* I's subnets (IPv4, or IPv6 when V6), "a/b, c/d" or "none", into OUT. */
static void
subnets_text (const struct fg_net_iface *i, int v6, char *out, size_t cap)
{
  size_t n = v6 ? i->nipv6 : i->nipv4, used = 0;

  out[0] = '\0';
  for (size_t k = 0; k < n; k++) {
    char net[INET6_ADDRSTRLEN + 8], seen[INET6_ADDRSTRLEN + 8];
    size_t j;
    if ((v6 ? v6_subnet_text (i->ipv6[k], net, sizeof net)
         : v4_subnet_text (i->ipv4[k], net, sizeof net)) < 0)
      continue;
    for (j = 0; j < k; j++)
      if ((v6 ? v6_subnet_text (i->ipv6[j], seen, sizeof seen)
           : v4_subnet_text (i->ipv4[j], seen, sizeof seen)) == 0 &&
          strcmp (seen, net) == 0)
        break;
    if (j < k)
      continue;
    snprintf (out + used, cap - used, "%s%s", used ? ", " : "", net);
    used = strlen (out);
  }
  if (used == 0)
    snprintf (out, cap, "none");
}

/* ---- the server record -------------------------------------------------- */

struct rd {
  const char *path;
  struct fg_err *e;
  int failed;
};

static int
rbad (struct rd *r, const char *key, const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  if (r->failed)
    return -1;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  r->failed = 1;
  fg_err_set (r->e, FG_E_INPUT, "'%s': '%s': %s", r->path, key, msg);
  fg_err_hint (r->e, "see doc/server-record.schema.json for the format");
  return -1;
}

static int
rstring (struct rd *r, json_t *o, const char *key, const char *where,
         size_t max, char **out)
{
  json_t *v = json_object_get (o, key);
  const char *s;

  if (v == NULL)
    return 0;
  if (!json_is_string (v))
    return rbad (r, where, "must be a string");
  s = json_string_value (v);
  if (*s == '\0' || strlen (s) > max)
    return rbad (r, where, "must be a non-empty string of at most %zu bytes",
                 max);
  for (const char *p = s; *p; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f)
      return rbad (r, where, "holds a control character");
  *out = strdup (s);
  return *out ? 0 : rbad (r, where, "out of memory");
}

typedef int (*canon_fn) (const char *, char *, size_t);

static int
raddrs (struct rd *r, json_t *o, const char *key, const char *where,
        canon_fn canon, const char *what, size_t max, char ***v, size_t *n)
{
  json_t *arr = json_object_get (o, key), *x;
  char buf[INET6_ADDRSTRLEN + 8], w[128];
  size_t i;

  if (arr == NULL)
    return 0;
  if (!json_is_array (arr) || json_array_size (arr) > max)
    return rbad (r, where, "must be a list of at most %zu %s", max, what);
  json_array_foreach (arr, i, x) {
    snprintf (w, sizeof w, "%s[%zu]", where, i);
    if (!json_is_string (x) || canon (json_string_value (x), buf,
                                      sizeof buf) < 0)
      return rbad (r, w, "must be %s", what);
    if (!strv_has (*v, *n, buf) && strv_add (v, n, buf) < 0)
      return rbad (r, w, "out of memory");
  }
  return 0;
}

static int
raddr (struct rd *r, json_t *o, const char *key, const char *where,
       canon_fn canon, const char *what, char **out)
{
  json_t *v = json_object_get (o, key);
  char buf[INET6_ADDRSTRLEN + 8];

  if (v == NULL)
    return 0;
  if (!json_is_string (v) || canon (json_string_value (v), buf,
                                    sizeof buf) < 0)
    return rbad (r, where, "must be %s", what);
  *out = strdup (buf);
  return *out ? 0 : rbad (r, where, "out of memory");
}

static int
check_keys (struct rd *r, json_t *o, const char *prefix,
            const char *const *allowed)
{
  const char *k;
  json_t *v;

  json_object_foreach (o, k, v) {
    size_t i;
    for (i = 0; allowed[i] && strcmp (allowed[i], k) != 0; i++)
      ;
    if (allowed[i] == NULL) {
      char w[160];
      snprintf (w, sizeof w, "%s%.100s", prefix, k);
      return rbad (r, w, "unknown key");
    }
  }
  return 0;
}

static int
rnet (struct rd *r, json_t *root, const char *name, struct srec_net *n)
{
  static const char *const keys[] = { "mac", "ipv4", "gateway", "ipv6",
                                      "gateway6", NULL };
  json_t *o = json_object_get (root, name);
  char w[64], prefix[32];

  if (o == NULL)
    return 0;
  if (!json_is_object (o))
    return rbad (r, name, "must be an object");
  n->present = 1;
  snprintf (prefix, sizeof prefix, "%s.", name);
  if (check_keys (r, o, prefix, keys) < 0)
    return -1;
  snprintf (w, sizeof w, "%s.mac", name);
  if (rstring (r, o, "mac", w, 17, &n->mac) < 0)
    return -1;
  if (n->mac) {
    unsigned b[6];
    char tail;
    /* Hex digits and colons only: %2x alone also takes "-1" and " f". */
    int hex = strlen (n->mac) == 17;
    for (int k = 0; hex && k < 17; k++)
      hex = k % 3 == 2 ? n->mac[k] == ':'
        : isxdigit ((unsigned char) n->mac[k]) != 0;
    if (!hex ||
        sscanf (n->mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
                &b[3], &b[4], &b[5], &tail) != 6)
      return rbad (r, w, "must be a MAC address aa:bb:cc:dd:ee:ff");
    snprintf (n->mac, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2],
              b[3], b[4], b[5]);
  }
  snprintf (w, sizeof w, "%s.ipv4", name);
  if (raddrs (r, o, "ipv4", w, canon_v4_cidr, "an IPv4 address with its "
              "prefix length (a.b.c.d/len)", MAX_ADDRS, &n->ipv4,
              &n->nipv4) < 0)
    return -1;
  snprintf (w, sizeof w, "%s.gateway", name);
  if (raddr (r, o, "gateway", w, canon_v4, "an IPv4 address", &n->gateway) < 0)
    return -1;
  snprintf (w, sizeof w, "%s.ipv6", name);
  if (raddrs (r, o, "ipv6", w, canon_v6_cidr, "an IPv6 address with its "
              "prefix length (addr/len)", 16, &n->ipv6, &n->nipv6) < 0)
    return -1;
  snprintf (w, sizeof w, "%s.gateway6", name);
  if (raddr (r, o, "gateway6", w, canon_v6, "an IPv6 address",
             &n->gateway6) < 0)
    return -1;
  return 0;
}

static int
resolver_canon (const char *s, char *out, size_t cap)
{
  return canon_v4 (s, out, cap) == 0 ? 0 : canon_v6 (s, out, cap);
}

int
fg_server_record_load (const char *path, struct fg_server_record **out,
                       struct fg_err *e)
{
  static const char *const keys[] = { "version", "server_id", "hostname",
                                      "public", "private", "shared_ipv4",
                                      "resolvers", NULL };
  struct fg_server_record *rec = calloc (1, sizeof *rec);
  struct rd r = { path, e, 0 };
  json_error_t je;
  json_t *root, *v;

  *out = NULL;
  if (rec == NULL || (rec->path = strdup (path)) == NULL) {
    fg_server_record_free (rec);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "server record");
  }
  root = json_load_file (path, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) {
    fg_server_record_free (rec);
    if (je.line <= 0)
      return fg_err_set (e, FG_E_INPUT, "cannot read the server record "
                         "'%s': %s", path, je.text);
    fg_err_set (e, FG_E_INPUT, "'%s': line %d, column %d: %s", path, je.line,
                je.column, je.text);
    fg_err_hint (e, "the server record is JSON; see "
                 "doc/server-record.schema.json");
    return -1;
  }
  if (!json_is_object (root))
    rbad (&r, "(top)", "must be a JSON object");
  else if (check_keys (&r, root, "", keys) == 0) {
    v = json_object_get (root, "version");
    if (!json_is_integer (v) || json_integer_value (v) != 1)
      rbad (&r, "version", "must be 1 (the only version there is)");
    if (!r.failed && rstring (&r, root, "server_id", "server_id", 128,
                              &rec->server_id) == 0 &&
        rstring (&r, root, "hostname", "hostname", 253, &rec->hostname) == 0 &&
        rnet (&r, root, "public", &rec->pub) == 0 &&
        rnet (&r, root, "private", &rec->priv) == 0 &&
        raddrs (&r, root, "shared_ipv4", "shared_ipv4", canon_v4,
                "an IPv4 address", MAX_ADDRS, &rec->shared,
                &rec->nshared) == 0 &&
        raddrs (&r, root, "resolvers", "resolvers", resolver_canon,
                "an IPv4 or IPv6 address", 8, &rec->resolvers,
                &rec->nresolvers) == 0 &&
        !rec->pub.present && !rec->priv.present)
      rbad (&r, "(top)", "names neither a 'public' nor a 'private' network");
    if (!r.failed && rec->hostname) {
      for (const char *p = rec->hostname; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '.')) {
          rbad (&r, "hostname", "'%s' is not a host name (letters, digits, "
                "'-' and '.')", rec->hostname);
          break;
        }
    }
  }
  json_decref (root);
  if (r.failed) {
    fg_server_record_free (rec);
    return -1;
  }
  *out = rec;
  return 0;
}

static void
srec_net_free (struct srec_net *n)
{
  free (n->mac);
  strv_free (n->ipv4, n->nipv4);
  free (n->gateway);
  strv_free (n->ipv6, n->nipv6);
  free (n->gateway6);
}

void
fg_server_record_free (struct fg_server_record *r)
{
  if (r == NULL)
    return;
  free (r->path);
  free (r->server_id);
  free (r->hostname);
  srec_net_free (&r->pub);
  srec_net_free (&r->priv);
  strv_free (r->shared, r->nshared);
  strv_free (r->resolvers, r->nresolvers);
  free (r);
}

/* ---- copying the model -------------------------------------------------- */

static int
strv_copy (char ***dst, size_t *nd, char *const *src, size_t ns)
{
  for (size_t i = 0; i < ns; i++)
    if (strv_add (dst, nd, src[i]) < 0)
      return -1;
  return 0;
}

static char *
dup_or_null (const char *s, int *oom)
{
  char *c;

  if (s == NULL)
    return NULL;
  c = strdup (s);
  if (c == NULL)
    *oom = 1;
  return c;
}

static int
iface_copy (struct fg_net_iface *d, const struct fg_net_iface *s)
{
  int oom = 0;

  memset (d, 0, sizeof *d);
  d->name = dup_or_null (s->name, &oom);
  d->mac = dup_or_null (s->mac, &oom);
  d->dhcp4 = s->dhcp4;
  d->gateway = dup_or_null (s->gateway, &oom);
  d->gateway6 = dup_or_null (s->gateway6, &oom);
  d->mtu = s->mtu;
  if (strv_copy (&d->ipv4, &d->nipv4, s->ipv4, s->nipv4) < 0 ||
      strv_copy (&d->ipv6, &d->nipv6, s->ipv6, s->nipv6) < 0)
    oom = 1;
  if (s->nroutes) {
    d->routes = calloc (s->nroutes, sizeof *d->routes);
    if (d->routes == NULL)
      oom = 1;
    for (size_t i = 0; d->routes && i < s->nroutes; i++) {
      d->routes[i].to = dup_or_null (s->routes[i].to, &oom);
      d->routes[i].via = dup_or_null (s->routes[i].via, &oom);
      d->routes[i].dev = dup_or_null (s->routes[i].dev, &oom);
      d->routes[i].metric = s->routes[i].metric;
      d->nroutes++;
    }
  }
  if (s->naliases) {
    d->aliases = calloc (s->naliases, sizeof *d->aliases);
    if (d->aliases == NULL)
      oom = 1;
    for (size_t i = 0; d->aliases && i < s->naliases; i++) {
      d->aliases[i].name = dup_or_null (s->aliases[i].name, &oom);
      if (strv_copy (&d->aliases[i].addrs, &d->aliases[i].naddrs,
                     s->aliases[i].addrs, s->aliases[i].naddrs) < 0)
        oom = 1;
      d->naliases++;
    }
  }
  return oom ? -1 : 0;
}

/* An interface NAME added at the end of N (kept in name order later). */
static struct fg_net_iface *
iface_add (struct fg_net *n, const char *name)
{
  struct fg_net_iface *v = realloc (n->ifaces, (n->nifaces + 1) * sizeof *v);

  if (v == NULL)
    return NULL;
  n->ifaces = v;
  memset (&v[n->nifaces], 0, sizeof *v);
  v[n->nifaces].name = strdup (name);
  v[n->nifaces].mtu = 0;
  if (v[n->nifaces].name == NULL)
    return NULL;
  return &v[n->nifaces++];
}

static struct fg_net_iface *
iface_find (struct fg_net *n, const char *name)
{
  for (size_t i = 0; i < n->nifaces; i++)
    if (strcmp (n->ifaces[i].name, name) == 0)
      return &n->ifaces[i];
  return NULL;
}

/* ---- the plan ----------------------------------------------------------- */

static void
note (json_t *arr, const char *fmt, ...)
{
  char msg[768];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  json_array_append_new (arr, json_string (msg));
}

/* The interface of the image that plays ROLE: eth0/eth1 by name (next-gen
 * keeps them), else the first with a public (private) IPv4. */
static struct fg_net_iface *
role_iface (struct fg_net *n, int private)
{
  struct fg_net_iface *i = iface_find (n, private ? "eth1" : "eth0");

  if (i)
    return i;
  for (size_t k = 0; k < n->nifaces; k++)
    for (size_t j = 0; j < n->ifaces[k].nipv4; j++) {
      uint32_t a;
      int len;
      if (v4_parts (n->ifaces[k].ipv4[j], &a, &len) == 0 &&
          is_rfc1918 (a) == private)
        return &n->ifaces[k];
    }
  return NULL;
}

static void
set_str (char **dst, const char *s, int *oom)
{
  char *c = dup_or_null (s, oom);
  free (*dst);
  *dst = c;
}

/* Put the record's view of one network on interface I, noting what
 * differs from the image. */
static int
apply_record_net (struct fg_net_plan *p, struct fg_net_iface *i,
                  const struct srec_net *r, int image_had, int private)
{
  int oom = 0;

  if (r->mac && i->mac && strcmp (r->mac, i->mac) != 0)
    note (p->conflicts, "%s MAC: the image pins %s, the server record says "
          "%s; the record wins", i->name, i->mac, r->mac);
  if (r->mac)
    set_str (&i->mac, r->mac, &oom);
  if (r->nipv4) {
    if (image_had && !strv_same (i->ipv4, i->nipv4, r->ipv4, r->nipv4)) {
      char *a = strv_join (i->ipv4, i->nipv4), *b = strv_join (r->ipv4,
                                                               r->nipv4);
      note (p->conflicts, "%s IPv4: the image has %s, the server record "
            "has %s; the record wins", i->name, a ? a : "?", b ? b : "?");
      free (a);
      free (b);
    }
    /* Aliases keep the record's addresses they already had; the others
     * become the interface's own. */
    for (size_t k = 0; k < i->naliases; k++) {
      struct fg_net_alias *al = &i->aliases[k];
      size_t w = 0;
      for (size_t j = 0; j < al->naddrs; j++) {
        if (strchr (al->addrs[j], ':') || strv_has (r->ipv4, r->nipv4,
                                                     al->addrs[j]))
          al->addrs[w++] = al->addrs[j];
        else
          free (al->addrs[j]);
      }
      al->naddrs = w;
    }
    strv_free (i->ipv4, i->nipv4);
    i->ipv4 = NULL;
    i->nipv4 = 0;
    if (strv_copy (&i->ipv4, &i->nipv4, r->ipv4, r->nipv4) < 0)
      oom = 1;
    i->dhcp4 = 0;
  }
  /* ServiceNet's gateway is the next hop of its routes, never a default
   * route (servicenet_routes). */
  if (r->gateway && !private) {
    if (image_had && i->gateway && strcmp (i->gateway, r->gateway) != 0)
      note (p->conflicts, "%s gateway: the image has %s, the server record "
            "has %s; the record wins", i->name, i->gateway, r->gateway);
    set_str (&i->gateway, r->gateway, &oom);
  }
  if (r->nipv6) {
    for (size_t k = 0; k < i->nipv6; k++)
      if (image_had && !strv_has (r->ipv6, r->nipv6, i->ipv6[k]))
        note (p->conflicts, "%s IPv6: the image has %s, which the server "
              "record does not list; it is dropped", i->name, i->ipv6[k]);
    strv_free (i->ipv6, i->nipv6);
    i->ipv6 = NULL;
    i->nipv6 = 0;
    if (strv_copy (&i->ipv6, &i->nipv6, r->ipv6, r->nipv6) < 0)
      oom = 1;
  }
  if (r->gateway6) {
    if (image_had && i->gateway6 && strcmp (i->gateway6, r->gateway6) != 0)
      note (p->conflicts, "%s IPv6 gateway: the image has %s, the server "
            "record has %s; the record wins", i->name, i->gateway6,
            r->gateway6);
    set_str (&i->gateway6, r->gateway6, &oom);
  }
  return oom ? -1 : 0;
}

static int
route_add (struct fg_net_iface *i, const char *to, const char *via)
{
  struct fg_net_route *v = realloc (i->routes, (i->nroutes + 1) * sizeof *v);

  if (v == NULL)
    return -1;
  i->routes = v;
  memset (&v[i->nroutes], 0, sizeof *v);
  v[i->nroutes].metric = -1;
  v[i->nroutes].to = strdup (to);
  v[i->nroutes].via = via ? strdup (via) : NULL;
  i->nroutes++;
  return v[i->nroutes - 1].to ? 0 : -1;
}

static void
route_clear (struct fg_net_route *r)
{
  free (r->to);
  free (r->via);
  free (r->dev);
}

/* ---- gateways that can work (issue 16) ----------------------------------- */

/* What the checks need: the plan, the record (or NULL), the error. */
struct pctx {
  struct fg_net_plan *p;
  const struct fg_server_record *rec;
  struct fg_err *e;
  /* The ServiceNet gateway servicenet_routes settled on, and whence. */
  struct fg_net_iface *sn_if;
  char sn_gw[INET_ADDRSTRLEN];
  const char *sn_source;        /* "image", "server record", "derived" */
  char sn_reason[384];
};

/* The record gives a value that cannot work, or lacks one that nothing
 * can stand in for: an input error naming the record and FIELD. */
static int
refuse_rec (struct pctx *c, const char *field, const char *hint,
            const char *fmt, ...) FG_PRINTF(4, 5);

static int
refuse_rec (struct pctx *c, const char *field, const char *hint,
            const char *fmt, ...)
{
  char msg[768];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  fg_err_set (c->e, FG_E_INPUT, "'%s': '%s': %s", c->rec->path, field, msg);
  fg_err_hint (c->e, "%s", hint);
  return -1;
}

/* The image's own files hold a gateway that cannot work and the record
 * has no say on it. */
static int
refuse_image (struct pctx *c, const char *ifname, const char *hint,
              const char *fmt, ...) FG_PRINTF(4, 5);

static int
refuse_image (struct pctx *c, const char *ifname, const char *hint,
              const char *fmt, ...)
{
  char msg[768];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  fg_err_set (c->e, FG_E_INPUT, "the image's network files%s%s%s: %s: %s",
              c->p->net.family ? " (" : "", c->p->net.family
              ? c->p->net.family : "", c->p->net.family ? ")" : "", ifname,
              msg);
  fg_err_hint (c->e, "%s", hint);
  return -1;
}

/* One checked gateway in the plan's "gateways". */
static int
gw_note (struct pctx *c, const char *ifname, const char *gw,
         const char *subnet, json_t *routes, const char *source,
         const char *field, const char *reason)
{
  json_t *o = json_pack ("{s:s, s:s, s:s, s:o, s:s, s:b}", "interface",
                         ifname, "gateway", gw, "subnet", subnet, "routes",
                         routes ? routes : json_array (), "source", source,
                         "derived", strcmp (source, "derived") == 0);

  if (o == NULL)
    return -1;
  if (field)
    json_object_set_new (o, "field", json_string (field));
  if (reason)
    json_object_set_new (o, "reason", json_string (reason));
  return json_array_append_new (c->p->gateways, o);
}

static const char hint_record[] =
  "give the gateway the control plane lists for that network in the server "
  "record (doc/server-record.schema.json; ServiceNet: doc/servicenet.md)";

/* The default gateways of the public interface I (the record's view R,
 * or NULL): each inside a subnet of I, and an IPv4 one there at all when
 * the record gives the public address. */
static int
check_public (struct pctx *c, struct fg_net_iface *i, const struct srec_net *r)
{
  char net[INET6_ADDRSTRLEN + 8], nets[512];
  int rec_gw = r && r->gateway, rec_addr = r && r->nipv4;

  subnets_text (i, 0, nets, sizeof nets);
  if (i->gateway && i->nipv4 == 0 && !i->dhcp4) {
    if (rec_gw)
      return refuse_rec (c, "public.gateway", hint_record, "%s is given, but "
                         "the public network has no IPv4 address "
                         "(public.ipv4): no route can use it", i->gateway);
    note (c->p->warnings, "%s: default gateway %s (from the image) is not "
          "written: %s has no IPv4 address", i->name, i->gateway, i->name);
    free (i->gateway);
    i->gateway = NULL;
  } else if (i->gateway && i->nipv4) {
    if (subnet_holding (i, i->gateway, 0, net, sizeof net) == 0) {
      if (gw_note (c, i->name, i->gateway, net, json_pack ("[s]", "0.0.0.0/0"),
                   rec_gw ? "server record" : "image",
                   rec_gw ? "public.gateway" : NULL, NULL) < 0)
        return fg_err_errno (c->e, FG_E_INTERNAL, ENOMEM, "network plan");
    } else if (rec_gw)
      return refuse_rec (c, "public.gateway", hint_record, "%s is outside %s "
                         "(%s %s): the default route via it cannot work",
                         i->gateway, nets, rec_addr ? "public.ipv4[0]"
                         : "the image's address", i->ipv4[0]);
    else if (rec_addr)
      return refuse_rec (c, "public.gateway", "add public.gateway to the "
                         "server record: the gateway the control plane lists "
                         "for the public network", "missing, and the image's "
                         "gateway %s is outside %s (public.ipv4[0] %s): there "
                         "would be no default route", i->gateway, nets,
                         i->ipv4[0]);
    else
      return refuse_image (c, i->name, "give the public gateway in a server "
                           "record (--server-record FILE with public.gateway "
                           "and public.ipv4), or convert with --mode image",
                           "default gateway %s is outside %s's subnet%s %s: "
                           "the default route via it cannot work", i->gateway,
                           i->name, strchr (nets, ',') ? "s" : "", nets);
  } else if (i->gateway == NULL && i->nipv4) {
    if (rec_addr)
      return refuse_rec (c, "public.gateway", "add public.gateway to the "
                         "server record: the gateway the control plane lists "
                         "for the public network", "missing: the public "
                         "address %s needs a gateway for its default route, "
                         "and the image gives none", i->ipv4[0]);
    note (c->p->warnings, "%s: the image sets no default gateway: the server "
          "is reachable only from %s (give public.gateway in a server record "
          "to set one)", i->name, nets);
  }
  /* IPv6 */
  subnets_text (i, 1, nets, sizeof nets);
  if (i->gateway6 && i->nipv6 == 0) {
    if (r && r->gateway6)
      return refuse_rec (c, "public.gateway6", hint_record, "%s is given, but "
                         "the public network has no IPv6 address "
                         "(public.ipv6): no route can use it", i->gateway6);
    note (c->p->warnings, "%s: IPv6 default gateway %s (from the image) is not "
          "written: %s has no IPv6 address", i->name, i->gateway6, i->name);
    free (i->gateway6);
    i->gateway6 = NULL;
  } else if (i->gateway6) {
    if (subnet_holding (i, i->gateway6, 1, net, sizeof net) == 0) {
      if (gw_note (c, i->name, i->gateway6, net, json_pack ("[s]", "::/0"),
                   r && r->gateway6 ? "server record" : "image",
                   r && r->gateway6 ? "public.gateway6" : NULL, NULL) < 0)
        return fg_err_errno (c->e, FG_E_INTERNAL, ENOMEM, "network plan");
    } else if (r && (r->gateway6 || r->nipv6))
      return refuse_rec (c, "public.gateway6", hint_record, "%s%s is outside "
                         "%s (%s) and not link-local: the IPv6 default route "
                         "via it cannot work", r->gateway6 ? ""
                         : "missing, and the image's ", i->gateway6, nets,
                         r->nipv6 ? "public.ipv6" : "the image's IPv6 address");
    else
      return refuse_image (c, i->name, "give the IPv6 gateway in a server "
                           "record (--server-record FILE with "
                           "public.gateway6), or convert with --mode image",
                           "IPv6 default gateway %s is outside %s's subnet%s "
                           "%s and not link-local", i->gateway6, i->name,
                           strchr (nets, ',') ? "s" : "", nets);
  } else if (i->nipv6)
    note (c->p->warnings, "%s: IPv6 %s has no gateway (public.gateway6): "
          "over IPv6 the server reaches only %s", i->name, i->ipv6[0], nets);
  return 0;
}

/* Default gateways of an interface that is not the public one: one
 * that cannot work is left out, with a warning (the record's
 * private.gateway6 is refused instead). */
static int
check_other_defaults (struct pctx *c, struct fg_net_iface *i,
                      const struct srec_net *r, const char *role)
{
  char net[INET6_ADDRSTRLEN + 8], nets[512];

  for (int v6 = 0; v6 < 2; v6++) {
    char **gw = v6 ? &i->gateway6 : &i->gateway;
    int from_rec = v6 && r && r->gateway6;
    char field[32];
    if (*gw == NULL || (!v6 && i->nipv4 == 0 && i->dhcp4))
      continue;
    snprintf (field, sizeof field, "%s.gateway6", role ? role : "?");
    subnets_text (i, v6, nets, sizeof nets);
    if (subnet_holding (i, *gw, v6, net, sizeof net) == 0) {
      if (gw_note (c, i->name, *gw, net, json_pack ("[s]", v6 ? "::/0"
                                                     : "0.0.0.0/0"),
                   from_rec ? "server record" : "image",
                   from_rec ? field : NULL, NULL) < 0)
        return fg_err_errno (c->e, FG_E_INTERNAL, ENOMEM, "network plan");
      continue;
    }
    if (from_rec)
      return refuse_rec (c, field, hint_record, "%s is outside %s and not "
                         "link-local: the IPv6 default route via it cannot "
                         "work", *gw, nets);
    note (c->p->warnings, "%s: %sdefault gateway %s (from the image) is not "
          "written: it is outside %s's subnets (%s), so the route cannot work",
          i->name, v6 ? "IPv6 " : "", *gw, i->name, nets);
    free (*gw);
    *gw = NULL;
  }
  return 0;
}

/* Every other static route of N: its next hop inside a subnet of the
 * interface it leaves by, or it is left out with a warning.  The
 * next hops that pass are listed in the plan's "gateways". */
static int
check_routes (struct pctx *c)
{
  struct fg_net *n = &c->p->net;

  for (size_t k = 0; k < n->nifaces; k++) {
    struct fg_net_iface *i = &n->ifaces[k];
    size_t w = 0;
    for (size_t j = 0; j < i->nroutes; j++) {
      struct fg_net_route *rt = &i->routes[j];
      struct fg_net_iface *out = rt->dev ? iface_find (n, rt->dev) : i;
      int v6 = rt->via ? strchr (rt->via, ':') != NULL : 0;
      char net[INET6_ADDRSTRLEN + 8], nets[512];
      /* A device the model does not know (a tunnel, ...): not judged. */
      if (rt->via == NULL || out == NULL ||
          (!v6 && out->nipv4 == 0 && out->dhcp4) ||
          subnet_holding (out, rt->via, v6, net, sizeof net) == 0) {
        i->routes[w++] = *rt;
        continue;
      }
      subnets_text (out, v6, nets, sizeof nets);
      note (c->p->warnings, "%s: route %s via %s (from the image) is not "
            "written: the gateway is outside %s's subnets (%s), so the route "
            "cannot work", i->name, rt->to, rt->via, rt->dev ? rt->dev
            : i->name, nets);
      route_clear (rt);
    }
    i->nroutes = w;
    /* One entry per next hop, with the routes that use it. */
    for (size_t j = 0; j < i->nroutes; j++) {
      struct fg_net_route *rt = &i->routes[j];
      struct fg_net_iface *out = rt->dev ? iface_find (n, rt->dev) : i;
      int v6, sn;
      size_t a;
      char net[INET6_ADDRSTRLEN + 8];
      json_t *to;
      if (rt->via == NULL || out == NULL)
        continue;
      for (a = 0; a < j && !(i->routes[a].via && strcmp (i->routes[a].via,
                                                          rt->via) == 0); a++)
        ;
      if (a < j)
        continue;
      v6 = strchr (rt->via, ':') != NULL;
      if (subnet_holding (out, rt->via, v6, net, sizeof net) < 0)
        snprintf (net, sizeof net, "(DHCP)");
      to = json_array ();
      for (a = j; a < i->nroutes; a++)
        if (i->routes[a].via && strcmp (i->routes[a].via, rt->via) == 0)
          json_array_append_new (to, json_string (i->routes[a].to));
      sn = i == c->sn_if && strcmp (rt->via, c->sn_gw) == 0;
      if (gw_note (c, i->name, rt->via, net, to, sn ? c->sn_source : "image",
                   sn && strcmp (c->sn_source, "image") ? "private.gateway"
                   : NULL, sn && c->sn_reason[0] ? c->sn_reason : NULL) < 0)
        return fg_err_errno (c->e, FG_E_INTERNAL, ENOMEM, "network plan");
    }
  }
  return 0;
}

/* fg2ng's ServiceNet convention (doc/servicenet.md): the gateway of a
 * private address inside 10.176.0.0/12 is the first host of its subnet.
 * The gateway into GW, its subnet into NET; -1 with WHY when it does not
 * apply. */
static int
derive_servicenet (const struct fg_net_iface *i, const char *cidr, char *gw,
                   size_t gwcap, char *net, size_t netcap, char *why,
                   size_t whycap)
{
  uint32_t a, g;
  int len;

  if (v4_parts (cidr, &a, &len) < 0) {
    snprintf (why, whycap, "%s is not an IPv4 address", cidr);
    return -1;
  }
  v4_subnet_text (cidr, net, netcap);
  if ((a & 0xfff00000u) != 0x0ab00000u) {
    snprintf (why, whycap, "%s is outside ServiceNet's 10.176.0.0/12, the "
              "only range where fg2ng's convention applies", cidr);
    return -1;
  }
  if (len < 12 || len > 30) {
    snprintf (why, whycap, "%s: a /%d subnet %s", cidr, len, len < 12
              ? "reaches beyond ServiceNet's 10.176.0.0/12"
              : "has no first host to spare for a gateway");
    return -1;
  }
  g = (a & v4_mask (len)) + 1;
  v4_text (g, gw, gwcap);
  for (size_t k = 0; k < i->nipv4; k++) {
    uint32_t b;
    int bl;
    if (v4_parts (i->ipv4[k], &b, &bl) == 0 && b == g) {
      snprintf (why, whycap, "%s, the first host of %s, is the server's own "
                "address", gw, net);
      return -1;
    }
  }
  return 0;
}

/* First-gen's ServiceNet routes become next-gen's, via a gateway inside
 * the private interface's subnet: the record's, else the image's, else
 * derived by fg2ng's convention from the record's address. */
static int
servicenet_routes (struct pctx *c, struct fg_net_iface *i,
                   const struct srec_net *r)
{
  static const char *const wanted[] = { "10.176.0.0/12", "10.208.0.0/12" };
  struct fg_net_plan *p = c->p;
  const char *img = NULL, *gw = NULL;
  char net[INET6_ADDRSTRLEN + 8], nets[512], derived[INET_ADDRSTRLEN];
  size_t w = 0;
  int rc = 0;

  for (size_t k = 0; k < i->nroutes; k++) {
    struct fg_net_route *rt = &i->routes[k];
    if (strcmp (rt->to, "10.191.192.0/18") == 0) {
      note (p->changes, "%s: route %s via %s removed: it conflicts with "
            "next-gen's ServiceNet", i->name, rt->to, rt->via ? rt->via
            : "(device)");
      route_clear (rt);
      continue;
    }
    if (strcmp (rt->to, "10.176.0.0/13") == 0) {
      note (p->changes, "%s: route 10.176.0.0/13 widened to 10.176.0.0/12 "
            "(next-gen's ServiceNet)", i->name);
      free (rt->to);
      rt->to = strdup ("10.176.0.0/12");
      if (rt->to == NULL)
        rc = -1;
    }
    i->routes[w++] = *rt;
  }
  i->nroutes = w;
  if (rc < 0)
    return fg_err_errno (c->e, FG_E_INTERNAL, ENOMEM, "network plan");
  /* A widened route may now repeat another. */
  for (size_t a = 0; a < i->nroutes; a++)
    for (size_t b = a + 1; b < i->nroutes; b++)
      if (strcmp (i->routes[a].to, i->routes[b].to) == 0) {
        route_clear (&i->routes[b]);
        memmove (&i->routes[b], &i->routes[b + 1],
                 (i->nroutes - b - 1) * sizeof *i->routes);
        i->nroutes--;
        b--;
      }
  /* The image's ServiceNet gateway: the next hop of its 10/8 routes. */
  for (size_t k = 0; k < i->nroutes && img == NULL; k++)
    if (i->routes[k].via && strncmp (i->routes[k].to, "10.", 3) == 0)
      img = i->routes[k].via;
  subnets_text (i, 0, nets, sizeof nets);
  c->sn_if = i;
  c->sn_reason[0] = '\0';
  if (r && r->gateway) {
    if (subnet_holding (i, r->gateway, 0, net, sizeof net) < 0)
      return refuse_rec (c, "private.gateway", hint_record, "%s is outside %s "
                         "(%s %s): the ServiceNet routes via it cannot work",
                         r->gateway, nets, r->nipv4 ? "private.ipv4[0]"
                         : "the image's address; give private.ipv4 too",
                         i->ipv4[0]);
    gw = r->gateway;
    c->sn_source = "server record";
  } else if (img && subnet_holding (i, img, 0, net, sizeof net) == 0) {
    gw = img;
    c->sn_source = "image";
  } else if (r && r->nipv4) {
    char why[256];
    if (derive_servicenet (i, r->ipv4[0], derived, sizeof derived, net,
                           sizeof net, why, sizeof why) < 0) {
      if (img)
        return refuse_rec (c, "private.gateway", "add private.gateway to the "
                           "server record: the gateway the control plane "
                           "lists for the private network", "missing, and "
                           "none can be derived (%s); the image's %s is "
                           "outside %s", why, img, nets);
      return refuse_rec (c, "private.gateway", "add private.gateway to the "
                         "server record: the gateway the control plane lists "
                         "for the private network", "missing, and none can be "
                         "derived: %s", why);
    }
    gw = derived;
    c->sn_source = "derived";
    snprintf (c->sn_reason, sizeof c->sn_reason, "the server record gives "
              "private.ipv4 %s and no private.gateway: fg2ng's ServiceNet "
              "convention takes the first host of %s (doc/servicenet.md)",
              r->ipv4[0], net);
    note (p->warnings, "%s: ServiceNet gateway %s is derived, not given: "
          "the server record has no private.gateway, and by fg2ng's "
          "convention (doc/servicenet.md) it is the first host of %s "
          "(private.ipv4[0] %s)%s%s%s; the routes to 10.176.0.0/12 and "
          "10.208.0.0/12 go via it: check it against the control plane, or "
          "give private.gateway in the server record", i->name, gw, net,
          r->ipv4[0], img ? "; the image's " : "", img ? img : "",
          img ? " is outside that subnet" : "");
    if (img)
      note (p->conflicts, "%s ServiceNet gateway: the image routes via %s, "
            "outside the server record's %s (private.ipv4); the record wins: "
            "%s (derived)", i->name, img, net, gw);
  } else if (img)
    return refuse_image (c, i->name, "give ServiceNet's gateway in a server "
                         "record (--server-record FILE with private.gateway "
                         "and private.ipv4; doc/servicenet.md), or convert "
                         "with --mode image", "ServiceNet gateway %s is "
                         "outside %s's subnet%s %s: the routes via it cannot "
                         "work", img, i->name, strchr (nets, ',') ? "s" : "",
                         nets);
  if (gw) {
    snprintf (c->sn_gw, sizeof c->sn_gw, "%s", gw);
    gw = c->sn_gw;              /* IMG may go with the routes rewritten */
  }
  /* The record's (or derived) gateway wins over the image's next hops. */
  for (size_t k = 0; gw && k < i->nroutes; k++) {
    struct fg_net_route *rt = &i->routes[k];
    if (rt->via && strncmp (rt->to, "10.", 3) == 0 &&
        strcmp (rt->via, gw) != 0 && strcmp (c->sn_source, "image") != 0) {
      if (strcmp (c->sn_source, "server record") == 0)
        note (p->conflicts, "%s: route %s goes via %s in the image, the "
              "server record's ServiceNet gateway is %s; the record wins",
              i->name, rt->to, rt->via, gw);
      free (rt->via);
      rt->via = strdup (gw);
      if (rt->via == NULL)
        return fg_err_errno (c->e, FG_E_INTERNAL, ENOMEM, "network plan");
    }
  }
  for (size_t k = 0; k < 2; k++) {
    size_t j;
    for (j = 0; j < i->nroutes && strcmp (i->routes[j].to, wanted[k]); j++)
      ;
    if (j < i->nroutes)
      continue;
    if (gw == NULL) {
      note (p->warnings, "%s: no ServiceNet gateway is known (no 10.x route "
            "in the image, no private address or gateway in a server "
            "record): the route to %s is not added", i->name, wanted[k]);
      continue;
    }
    note (p->changes, "%s: route %s via %s added (next-gen's ServiceNet)",
          i->name, wanted[k], gw);
    if (route_add (i, wanted[k], gw) < 0)
      return fg_err_errno (c->e, FG_E_INTERNAL, ENOMEM, "network plan");
  }
  return 0;
}

/* A shared IP as an alias of the public interface. */
static int
add_shared (struct fg_net_plan *p, struct fg_net_iface *i, const char *addr)
{
  char cidr[32], name[64];
  int len = 32;
  struct fg_net_alias *v;
  struct in_addr in;
  uint32_t a, pa;
  int plen;

  if (inet_pton (AF_INET, addr, &in) != 1)
    return 0;
  a = ntohl (in.s_addr);
  /* In the primary's subnet: its prefix; elsewhere a host address. */
  if (i->nipv4 && v4_parts (i->ipv4[0], &pa, &plen) == 0 && plen > 0 &&
      ((a ^ pa) >> (32 - plen)) == 0)
    len = plen;
  snprintf (cidr, sizeof cidr, "%s/%d", addr, len);
  for (size_t k = 0; k < i->nipv4; k++)
    if (strncmp (i->ipv4[k], addr, strlen (addr)) == 0 &&
        i->ipv4[k][strlen (addr)] == '/')
      return 0;                 /* the image has it already */
  if (strv_add (&i->ipv4, &i->nipv4, cidr) < 0)
    return -1;
  for (unsigned n = 1;; n++) {
    size_t k;
    snprintf (name, sizeof name, "%s:%u", i->name, n);
    for (k = 0; k < i->naliases && strcmp (i->aliases[k].name, name); k++)
      ;
    if (k == i->naliases)
      break;
  }
  v = realloc (i->aliases, (i->naliases + 1) * sizeof *v);
  if (v == NULL)
    return -1;
  i->aliases = v;
  memset (&v[i->naliases], 0, sizeof *v);
  v[i->naliases].name = strdup (name);
  if (v[i->naliases].name == NULL ||
      strv_add (&v[i->naliases].addrs, &v[i->naliases].naddrs, cidr) < 0)
    return -1;
  i->naliases++;
  note (p->changes, "%s: shared IP %s kept as alias %s", i->name, cidr, name);
  return 0;
}

static int
ifname_cmp (const void *a, const void *b)
{
  const struct fg_net_iface *x = a, *y = b;
  const char *s = x->name, *t = y->name;

  while (*s && *t) {
    if (*s >= '0' && *s <= '9' && *t >= '0' && *t <= '9') {
      unsigned long m = strtoul (s, (char **) &s, 10);
      unsigned long n = strtoul (t, (char **) &t, 10);
      if (m != n)
        return m < n ? -1 : 1;
      continue;
    }
    if (*s != *t)
      return (unsigned char) *s - (unsigned char) *t;
    s++, t++;
  }
  return (unsigned char) *s - (unsigned char) *t;
}

int
fg_net_plan_make (const struct fg_net *image,
                  const struct fg_server_record *rec, enum fg_net_mode mode,
                  struct fg_net_plan *p, struct fg_err *e)
{
  struct fg_net *n = &p->net;
  struct fg_net_iface *pub, *priv;
  struct pctx c;
  int oom = 0;

  memset (p, 0, sizeof *p);
  memset (&c, 0, sizeof c);
  c.p = p;
  c.rec = rec;
  c.e = e;
  p->mode = mode;
  p->conflicts = json_array ();
  p->changes = json_array ();
  p->warnings = json_array ();
  p->gateways = json_array ();
  if (!p->conflicts || !p->changes || !p->warnings || !p->gateways)
    goto oom;
  n->family = image->family;
  if (image->nifaces) {
    n->ifaces = calloc (image->nifaces, sizeof *n->ifaces);
    if (n->ifaces == NULL)
      goto oom;
  }
  for (size_t i = 0; i < image->nifaces; i++) {
    n->nifaces++;
    if (iface_copy (&n->ifaces[i], &image->ifaces[i]) < 0)
      goto oom;
  }
  if (strv_copy (&n->resolvers, &n->nresolvers, image->resolvers,
                 image->nresolvers) < 0)
    goto oom;
  n->hostname = dup_or_null (image->hostname, &oom);
  if (oom)
    goto oom;
  p->source = image->nifaces ? "image" : "none";
  if (mode == FG_MODE_IMAGE) {
    note (p->changes, "image mode: the network files are kept as they are; "
          "a server built from this image gets new addresses from the "
          "next-gen agent");
    return 0;
  }
  p->render = 1;
  if (rec) {
    p->source = image->nifaces ? "image and server record" : "server record";
    if (rec->pub.present && role_iface (n, 0) == NULL &&
        iface_add (n, "eth0") == NULL)
      goto oom;
    if (rec->priv.present && role_iface (n, 1) == NULL &&
        iface_add (n, "eth1") == NULL)
      goto oom;
    qsort (n->ifaces, n->nifaces, sizeof *n->ifaces, ifname_cmp);
  }
  pub = role_iface (n, 0);
  priv = role_iface (n, 1);
  if (pub == priv)
    priv = NULL;
  if (rec && rec->pub.present && pub &&
      apply_record_net (p, pub, &rec->pub, pub->nipv4 || pub->dhcp4, 0) < 0)
    goto oom;
  if (rec && rec->priv.present && priv &&
      apply_record_net (p, priv, &rec->priv, priv->nipv4 || priv->dhcp4, 1) < 0)
    goto oom;
  if (rec && pub)
    for (size_t k = 0; k < rec->nshared; k++)
      if (add_shared (p, pub, rec->shared[k]) < 0)
        goto oom;
  if (rec && rec->nshared && pub == NULL)
    note (p->warnings, "the server record lists shared IPs but there is no "
          "public interface to carry them");
  /* Every gateway inside a subnet of its interface (issue 16). */
  if (pub && check_public (&c, pub, rec && rec->pub.present ? &rec->pub
                           : NULL) < 0)
    return -1;
  if (priv && priv->nipv4 && servicenet_routes (&c, priv, rec &&
                                                rec->priv.present
                                                ? &rec->priv : NULL) < 0)
    return -1;
  if (priv && priv->nipv4 == 0 && !priv->dhcp4 && rec && rec->priv.gateway)
    return refuse_rec (&c, "private.gateway", "give the private address "
                       "with its prefix too (private.ipv4)", "%s is given, "
                       "but the private network has no IPv4 address "
                       "(private.ipv4): the ServiceNet routes via it cannot "
                       "work", rec->priv.gateway);
  for (size_t k = 0; (pub || priv) && k < n->nifaces; k++) {
    struct fg_net_iface *i = &n->ifaces[k];
    if (i != pub && check_other_defaults (&c, i, rec && i == priv &&
                                          rec->priv.present ? &rec->priv
                                          : NULL, i == priv ? "private"
                                          : NULL) < 0)
      return -1;
  }
  if ((pub || priv) && check_routes (&c) < 0)
    return -1;
  /* A MAC the image pins (HWADDR=, udev) is first-gen's NIC: next-gen's
   * has its own, and a pinned old one keeps the interface down.  Only a
   * MAC the control plane gives stays pinned. */
  for (size_t k = 0; k < n->nifaces; k++) {
    struct fg_net_iface *i = &n->ifaces[k];
    const struct srec_net *r = NULL;
    if (rec && i == pub && rec->pub.present)
      r = &rec->pub;
    else if (rec && i == priv && rec->priv.present)
      r = &rec->priv;
    if (i->mac && (r == NULL || r->mac == NULL)) {
      note (p->changes, "%s: the first-gen MAC %s is no longer pinned "
            "(next-gen's interface has its own)", i->name, i->mac);
      free (i->mac);
      i->mac = NULL;
    }
  }
  if (rec && rec->hostname) {
    if (n->hostname && strcmp (n->hostname, rec->hostname) != 0)
      note (p->conflicts, "hostname: the image has %s, the server record has "
            "%s; the record wins", n->hostname, rec->hostname);
    set_str (&n->hostname, rec->hostname, &oom);
  }
  if (rec && rec->nresolvers) {
    if (n->nresolvers && !strv_same (n->resolvers, n->nresolvers,
                                     rec->resolvers, rec->nresolvers))
      note (p->conflicts, "resolvers: the image and the server record "
            "differ; the record wins");
    strv_free (n->resolvers, n->nresolvers);
    n->resolvers = NULL;
    n->nresolvers = 0;
    if (strv_copy (&n->resolvers, &n->nresolvers, rec->resolvers,
                   rec->nresolvers) < 0)
      goto oom;
  }
  if (oom)
    goto oom;
  p->public_if = pub ? pub->name : NULL;
  p->private_if = priv ? priv->name : NULL;
  if (pub == NULL && priv == NULL) {
    p->render = 0;
    note (p->warnings, "no addresses are known (no network files in the "
          "image, no server record): the network files are kept as they are "
          "and the server will have no preserved address");
  } else
    for (size_t k = 0; k < n->nifaces; k++)
      if (n->ifaces[k].dhcp4 && n->ifaces[k].nipv4 == 0)
        note (p->warnings, "%s uses DHCP in the image: it is kept so",
              n->ifaces[k].name);
  return 0;

oom:
  return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "network plan");
}

int
fg_net_plan_from (const char *mode, const char *record_path,
                  const struct fg_net *image, struct fg_net_plan *p,
                  struct fg_err *e)
{
  struct fg_server_record *rec = NULL;
  int m = fg_net_mode_parse (mode ? mode : "image"), rc;

  memset (p, 0, sizeof *p);
  if (m < 0)
    return fg_err_set (e, FG_E_USAGE, "the mode is self-service, assisted or "
                       "image, not '%s'", mode);
  if (record_path && fg_server_record_load (record_path, &rec, e) < 0)
    return -1;
  if (rec && m == FG_MODE_IMAGE)
    fg_warn ("--server-record is ignored in image mode: a server built from "
             "an image gets new addresses (use --mode self-service or "
             "assisted to keep them)");
  rc = fg_net_plan_make (image, rec, (enum fg_net_mode) m, p, e);
  fg_server_record_free (rec);
  return rc;
}

void
fg_net_plan_release (struct fg_net_plan *p)
{
  fg_net_release (&p->net);
  json_decref (p->conflicts);
  json_decref (p->changes);
  json_decref (p->warnings);
  json_decref (p->gateways);
  memset (p, 0, sizeof *p);
}

json_t *
fg_net_plan_json (const struct fg_net_plan *p)
{
  json_t *o = fg_net_json (&p->net);

  if (o == NULL)
    return NULL;
  json_object_set_new (o, "mode", json_string (fg_net_mode_name (p->mode)));
  json_object_set_new (o, "render", json_boolean (p->render));
  json_object_set_new (o, "source", json_string (p->source ? p->source
                                                 : "none"));
  json_object_set_new (o, "public_interface", p->public_if
                       ? json_string (p->public_if) : json_null ());
  json_object_set_new (o, "private_interface", p->private_if
                       ? json_string (p->private_if) : json_null ());
  json_object_set (o, "conflicts", p->conflicts);
  json_object_set (o, "changes", p->changes);
  json_object_set (o, "warnings", p->warnings);
  json_object_set_new (o, "gateways", p->gateways ? json_deep_copy (p->gateways)
                       : json_array ());
  return o;
}

void
fg_net_plan_warn (const struct fg_net_plan *p)
{
  size_t i;
  json_t *w;

  json_array_foreach (p->warnings, i, w)
    fg_warn ("network: %s", json_string_value (w));
}
