/* net/netplan.c --- image model + server record -> the planned addresses */
#include "net/netplan.h"

#include "net/addr.h"
#include "util/strs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int
strv_same (char *const *a, size_t na, char *const *b, size_t nb)
{
  if (na != nb)
    return 0;
  for (size_t i = 0; i < na; i++)
    if (!fg_strs_has (b, nb, a[i]))
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

/* ---- addresses (parsed by net/addr.h) ------------------------------------ */

/* The address and length of the model's "addr/len" of family FAM (a
 * bare address: the whole length). */
static int
cidr_parts (const char *cidr, int fam, struct fg_ip *a, int *len)
{
  if (fg_cidr_parse (cidr, fam, 1, a, len) < 0)
    return -1;
  if (*len < 0)
    *len = a->fam == 4 ? 32 : 128;
  return 0;
}

static int
is_rfc1918 (uint32_t a)
{
  return (a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8;
}

/* The subnet "net/len" of the "addr/len" CIDR of family FAM into OUT. */
static int
subnet_text (const char *cidr, int fam, char *out, size_t cap)
{
  struct fg_ip a;
  int len;

  if (cidr_parts (cidr, fam, &a, &len) < 0)
    return -1;
  fg_ip_mask (&a, len);
  return fg_ip_text (&a, len, out, cap);
}

/* The subnet of I's addresses (IPv4, or IPv6 when V6) that holds GW, as
 * "net/len" in OUT (>= 64 bytes): 0, or -1 when none does.  An IPv6
 * link-local next hop is on every link: "fe80::/10". */
static int
subnet_holding (const struct fg_net_iface *i, const char *gw, int v6,
                char *out, size_t cap)
{
  int fam = v6 ? 6 : 4, len;
  char *const *v = v6 ? i->ipv6 : i->ipv4;
  size_t n = v6 ? i->nipv6 : i->nipv4;
  struct fg_ip g, a;

  if (fg_ip_parse (gw, fam, &g) < 0)
    return -1;
  if (v6 && g.b[0] == 0xfe && (g.b[1] & 0xc0) == 0x80) {
    snprintf (out, cap, "fe80::/10");
    return 0;
  }
  for (size_t k = 0; k < n; k++)
    if (cidr_parts (v[k], fam, &a, &len) == 0
        && fg_ip_same_prefix (&a, &g, len) && !fg_ip_equal (&a, &g))
      return subnet_text (v[k], fam, out, cap);
  return -1;
}

/* I's subnets (IPv4, or IPv6 when V6), "a/b, c/d" or "none", into OUT. */
static void
subnets_text (const struct fg_net_iface *i, int v6, char *out, size_t cap)
{
  int fam = v6 ? 6 : 4;
  char *const *v = v6 ? i->ipv6 : i->ipv4;
  size_t n = v6 ? i->nipv6 : i->nipv4, used = 0;

  out[0] = '\0';
  for (size_t k = 0; k < n; k++) {
    char net[FG_IP_TEXT], seen[FG_IP_TEXT];
    size_t j;
    if (subnet_text (v[k], fam, net, sizeof net) < 0)
      continue;
    for (j = 0; j < k; j++)
      if (subnet_text (v[j], fam, seen, sizeof seen) == 0
          && strcmp (seen, net) == 0)
        break;
    if (j < k)
      continue;
    snprintf (out + used, cap - used, "%s%s", used ? ", " : "", net);
    used = strlen (out);
  }
  if (used == 0)
    snprintf (out, cap, "none");
}

/* ---- the server record (validated by net/record.c) --------------------- */

/* F in the CLI's words: "'rec.json': 'public.ipv4[1]': must be ...". */
static int
record_refused (const char *path, const struct fg_rec_fault *f,
                struct fg_err *e)
{
  static const char *const said[] = {
    [FG_REC_UNKNOWN_KEY] = "unknown key",
    [FG_REC_NO_VERSION] = "must be 1 (the only version there is)",
    [FG_REC_BAD_VERSION] = "must be 1 (the only version there is)",
    [FG_REC_NOT_STRING] = "must be a string",
    [FG_REC_CONTROL] = "holds a control character",
    [FG_REC_NO_NETWORK] = "names neither a 'public' nor a 'private' network",
    [FG_REC_NOMEM] = "out of memory",
  };
  const struct fg_rec_field *fl = f->field;
  char msg[512];

  if (f->kind == FG_REC_NOT_OBJECT)
    snprintf (msg, sizeof msg, "must be %s", strcmp (f->key, "(top)") == 0
              ? "a JSON object" : "an object");
  else if (f->kind == FG_REC_BAD_LENGTH)
    snprintf (msg, sizeof msg, "must be a non-empty string of at most %zu "
              "bytes", fl->max);
  else if (f->kind == FG_REC_NOT_HOSTNAME)
    snprintf (msg, sizeof msg, "'%s' is not a host name (letters, digits, "
              "'-' and '.')", f->value);
  else if (f->kind == FG_REC_BAD_LIST && fl->min)
    snprintf (msg, sizeof msg, "must be a list of %zu to %zu %s", fl->min,
              fl->max, fl->what);
  else if (f->kind == FG_REC_BAD_LIST)
    snprintf (msg, sizeof msg, "must be a list of at most %zu %s", fl->max,
              fl->what);
  else if (f->kind == FG_REC_BAD_VALUE)
    snprintf (msg, sizeof msg, "must be %s", fl->what);
  else
    snprintf (msg, sizeof msg, "%s", said[f->kind] ? said[f->kind]
              : "out of memory");
  fg_err_set (e, FG_E_INPUT, "'%s': '%s': %s", path, f->key, msg);
  fg_err_hint (e, "see doc/server-record.schema.json for the format");
  return -1;
}

int
fg_server_record_load (const char *path, struct fg_server_record **out,
                       struct fg_err *e)
{
  struct fg_rec_fault f;
  json_error_t je;
  json_t *root;
  int rc;

  *out = NULL;
  root = json_load_file (path, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) {
    if (je.line <= 0)
      return fg_err_set (e, FG_E_INPUT, "cannot read the server record "
                         "'%s': %s", path, je.text);
    fg_err_set (e, FG_E_INPUT, "'%s': line %d, column %d: %s", path, je.line,
                je.column, je.text);
    fg_err_hint (e, "the server record is JSON; see "
                 "doc/server-record.schema.json");
    return -1;
  }
  rc = fg_server_record_parse (root, out, &f);
  json_decref (root);
  if (rc < 0)
    return record_refused (path, &f, e);
  if (((*out)->path = strdup (path)) == NULL) {
    fg_server_record_free (*out);
    *out = NULL;
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "server record");
  }
  return 0;
}

static int
strv_copy (char ***dst, size_t *nd, char *const *src, size_t ns)
{
  for (size_t i = 0; i < ns; i++)
    if (fg_strs_add (dst, nd, src[i]) < 0)
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
      struct fg_ip a;
      int len;
      if (cidr_parts (n->ifaces[k].ipv4[j], 4, &a, &len) == 0 &&
          is_rfc1918 (fg_ip4 (&a)) == private)
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
                  const struct fg_srec_net *r, int image_had, int private)
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
        if (strchr (al->addrs[j], ':') || fg_strs_has (r->ipv4, r->nipv4,
                                                     al->addrs[j]))
          al->addrs[w++] = al->addrs[j];
        else
          free (al->addrs[j]);
      }
      al->naddrs = w;
    }
    fg_strs_free (i->ipv4, i->nipv4);
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
      if (image_had && !fg_strs_has (r->ipv6, r->nipv6, i->ipv6[k]))
        note (p->conflicts, "%s IPv6: the image has %s, which the server "
              "record does not list; it is dropped", i->name, i->ipv6[k]);
    fg_strs_free (i->ipv6, i->nipv6);
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
  char sn_gw[FG_IP_TEXT];
  const char *sn_source;        /* "image", "server record", "derived" */
  char sn_reason[384];
};

/* Refuse the plan: a value of the record (FIELD) or of the image's own
 * files (interface IFNAME: the record has no say on it) cannot work. */
static int
refuse (struct pctx *c, const char *field, const char *ifname,
        const char *hint, const char *fmt, ...) FG_PRINTF(5, 6);

static int
refuse (struct pctx *c, const char *field, const char *ifname,
        const char *hint, const char *fmt, ...)
{
  const char *fam = c->p->net.family;
  char msg[768];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (field)
    fg_err_set (c->e, FG_E_INPUT, "'%s': '%s': %s", c->rec->path, field, msg);
  else
    fg_err_set (c->e, FG_E_INPUT, "the image's network files%s%s%s: %s: %s",
                fam ? " (" : "", fam ? fam : "", fam ? ")" : "", ifname, msg);
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
/* The public interface's IPv4 default gateway (see check_public). */
static int
check_public4 (struct pctx *c, struct fg_net_iface *i,
               const struct fg_srec_net *r)
{
  char net[FG_IP_TEXT], nets[512];
  int rec_gw = r && r->gateway, rec_addr = r && r->nipv4;

  subnets_text (i, 0, nets, sizeof nets);
  if (i->gateway && i->nipv4 == 0 && !i->dhcp4) {
    if (rec_gw)
      return refuse (c, "public.gateway", NULL, hint_record, "%s is given, but "
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
      return refuse (c, "public.gateway", NULL, hint_record, "%s is outside %s "
                         "(%s %s): the default route via it cannot work",
                         i->gateway, nets, rec_addr ? "public.ipv4[0]"
                         : "the image's address", i->ipv4[0]);
    else if (rec_addr)
      return refuse (c, "public.gateway", NULL, "add public.gateway to the "
                         "server record: the gateway the control plane lists "
                         "for the public network", "missing, and the image's "
                         "gateway %s is outside %s (public.ipv4[0] %s): there "
                         "would be no default route", i->gateway, nets,
                         i->ipv4[0]);
    else
      return refuse (c, NULL, i->name, "give the public gateway in a server "
                           "record (--server-record FILE with public.gateway "
                           "and public.ipv4), or convert with --mode image",
                           "default gateway %s is outside %s's subnet%s %s: "
                           "the default route via it cannot work", i->gateway,
                           i->name, strchr (nets, ',') ? "s" : "", nets);
  } else if (i->gateway == NULL && i->nipv4) {
    if (rec_addr)
      return refuse (c, "public.gateway", NULL, "add public.gateway to the "
                         "server record: the gateway the control plane lists "
                         "for the public network", "missing: the public "
                         "address %s needs a gateway for its default route, "
                         "and the image gives none", i->ipv4[0]);
    note (c->p->warnings, "%s: the image sets no default gateway: the server "
          "is reachable only from %s (give public.gateway in a server record "
          "to set one)", i->name, nets);
  }
  return 0;
}

/* The public interface's IPv6 default gateway (see check_public). */
static int
check_public6 (struct pctx *c, struct fg_net_iface *i,
               const struct fg_srec_net *r)
{
  char net[FG_IP_TEXT], nets[512];

  subnets_text (i, 1, nets, sizeof nets);
  if (i->gateway6 && i->nipv6 == 0) {
    if (r && r->gateway6)
      return refuse (c, "public.gateway6", NULL,
                     hint_record, "%s is given, but "
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
      return refuse (c, "public.gateway6", NULL, hint_record, "%s%s is outside "
                         "%s (%s) and not link-local: the IPv6 default route "
                         "via it cannot work", r->gateway6 ? ""
                         : "missing, and the image's ", i->gateway6, nets,
                         r->nipv6 ? "public.ipv6" : "the image's IPv6 address");
    else
      return refuse (c, NULL, i->name, "give the IPv6 gateway in a server "
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

static int
check_public (struct pctx *c, struct fg_net_iface *i,
              const struct fg_srec_net *r)
{
  return check_public4 (c, i, r) < 0 ? -1 : check_public6 (c, i, r);
}

/* Default gateways of an interface that is not the public one: one
 * that cannot work is left out, with a warning (the record's
 * private.gateway6 is refused instead). */
static int
check_other_defaults (struct pctx *c, struct fg_net_iface *i,
                      const struct fg_srec_net *r, const char *role)
{
  char net[FG_IP_TEXT], nets[512];

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
      return refuse (c, field, NULL, hint_record, "%s is outside %s and not "
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
      char net[FG_IP_TEXT], nets[512];
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
      char net[FG_IP_TEXT];
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
  struct fg_ip ip, gip;
  uint32_t a;
  int len;

  if (cidr_parts (cidr, 4, &ip, &len) < 0) {
    snprintf (why, whycap, "%s is not an IPv4 address", cidr);
    return -1;
  }
  a = fg_ip4 (&ip);
  subnet_text (cidr, 4, net, netcap);
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
  fg_ip4_set (&gip, (a & fg_ip4_mask (len)) + 1);
  fg_ip_text (&gip, -1, gw, gwcap);
  for (size_t k = 0; k < i->nipv4; k++) {
    struct fg_ip b;
    int bl;
    if (cidr_parts (i->ipv4[k], 4, &b, &bl) == 0 && fg_ip_equal (&b, &gip)) {
      snprintf (why, whycap, "%s, the first host of %s, is the server's own "
                "address", gw, net);
      return -1;
    }
  }
  return 0;
}

/* ServiceNet's routes on I as next-gen has them: the route to
 * 10.191.192.0/18 goes, 10.176.0.0/13 is widened to /12 (and a repeat
 * it makes goes too). */
static int
sn_tidy_routes (struct pctx *c, struct fg_net_iface *i)
{
  struct fg_net_plan *p = c->p;
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
  return 0;
}

/* No ServiceNet gateway is given or usable from the image: derive it
 * from the record's private address (fg2ng's convention) into DERIVED,
 * or refuse. */
static int
sn_derive (struct pctx *c, struct fg_net_iface *i, const struct fg_srec_net *r,
           const char *img, const char *nets, char *derived, size_t dcap)
{
  struct fg_net_plan *p = c->p;
  const char *gw = derived;
  char net[FG_IP_TEXT], why[256];

  if (derive_servicenet (i, r->ipv4[0], derived, dcap, net,
                         sizeof net, why, sizeof why) < 0) {
    if (img)
      return refuse (c, "private.gateway", NULL, "add private.gateway to the "
                         "server record: the gateway the control plane "
                         "lists for the private network", "missing, and "
                         "none can be derived (%s); the image's %s is "
                         "outside %s", why, img, nets);
    return refuse (c, "private.gateway", NULL, "add private.gateway to the "
                       "server record: the gateway the control plane lists "
                       "for the private network", "missing, and none can be "
                       "derived: %s", why);
  }
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
  return 0;
}

/* The ServiceNet gateway of I into *GW (NULL when none is known): the
 * record's, else the image's (the next hop of its 10/8 routes) when it
 * is on I's subnet, else derived.  -1 when refused. */
static int
sn_gateway (struct pctx *c, struct fg_net_iface *i, const struct fg_srec_net *r,
            char *derived, size_t dcap, const char **gw)
{
  const char *img = NULL;
  char net[FG_IP_TEXT], nets[512];

  *gw = NULL;
  for (size_t k = 0; k < i->nroutes && img == NULL; k++)
    if (i->routes[k].via && strncmp (i->routes[k].to, "10.", 3) == 0)
      img = i->routes[k].via;
  subnets_text (i, 0, nets, sizeof nets);
  c->sn_if = i;
  c->sn_reason[0] = '\0';
  if (r && r->gateway) {
    if (subnet_holding (i, r->gateway, 0, net, sizeof net) < 0)
      return refuse (c, "private.gateway", NULL,
                     hint_record, "%s is outside %s "
                         "(%s %s): the ServiceNet routes via it cannot work",
                         r->gateway, nets, r->nipv4 ? "private.ipv4[0]"
                         : "the image's address; give private.ipv4 too",
                         i->ipv4[0]);
    *gw = r->gateway;
    c->sn_source = "server record";
  } else if (img && subnet_holding (i, img, 0, net, sizeof net) == 0) {
    *gw = img;
    c->sn_source = "image";
  } else if (r && r->nipv4) {
    if (sn_derive (c, i, r, img, nets, derived, dcap) < 0)
      return -1;
    *gw = derived;
  } else if (img)
    return refuse (c, NULL, i->name, "give ServiceNet's gateway in a server "
                         "record (--server-record FILE with private.gateway "
                         "and private.ipv4; doc/servicenet.md), or convert "
                         "with --mode image", "ServiceNet gateway %s is "
                         "outside %s's subnet%s %s: the routes via it cannot "
                         "work", img, i->name, strchr (nets, ',') ? "s" : "",
                         nets);
  return 0;
}

/* The ServiceNet gateway GW (NULL: none known) on I's routes: it wins
 * over the image's next hops, and the routes next-gen needs are added. */
static int
sn_apply (struct pctx *c, struct fg_net_iface *i, const char *gw)
{
  static const char *const wanted[] = { "10.176.0.0/12", "10.208.0.0/12" };
  struct fg_net_plan *p = c->p;

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

/* First-gen's ServiceNet routes become next-gen's, via a gateway inside
 * the private interface's subnet: the record's, else the image's, else
 * derived by fg2ng's convention from the record's address. */
static int
servicenet_routes (struct pctx *c, struct fg_net_iface *i,
                   const struct fg_srec_net *r)
{
  char derived[FG_IP_TEXT];
  const char *gw;

  if (sn_tidy_routes (c, i) < 0 || sn_gateway (c, i, r, derived,
                                               sizeof derived, &gw) < 0)
    return -1;
  if (gw) {
    snprintf (c->sn_gw, sizeof c->sn_gw, "%s", gw);
    gw = c->sn_gw;              /* IMG may go with the routes rewritten */
  }
  return sn_apply (c, i, gw);
}

/* A shared IP as an alias of the public interface. */
static int
add_shared (struct fg_net_plan *p, struct fg_net_iface *i, const char *addr)
{
  char cidr[32], name[64];
  int len = 32;
  struct fg_net_alias *v;
  struct fg_ip a, pa;
  int plen;

  if (fg_ip_parse (addr, 4, &a) < 0)
    return 0;
  /* In the primary's subnet: its prefix; elsewhere a host address. */
  if (i->nipv4 && cidr_parts (i->ipv4[0], 4, &pa, &plen) == 0 && plen > 0 &&
      fg_ip_same_prefix (&a, &pa, plen))
    len = plen;
  snprintf (cidr, sizeof cidr, "%s/%d", addr, len);
  for (size_t k = 0; k < i->nipv4; k++)
    if (strncmp (i->ipv4[k], addr, strlen (addr)) == 0 &&
        i->ipv4[k][strlen (addr)] == '/')
      return 0;                 /* the image has it already */
  if (fg_strs_add (&i->ipv4, &i->nipv4, cidr) < 0)
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
      fg_strs_add (&v[i->naliases].addrs, &v[i->naliases].naddrs, cidr) < 0)
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

/* P empty, with a copy of IMAGE's model; -1 when memory runs out. */
static int
plan_start (struct fg_net_plan *p, const struct fg_net *image,
            enum fg_net_mode mode)
{
  struct fg_net *n = &p->net;
  int oom = 0;

  memset (p, 0, sizeof *p);
  p->mode = mode;
  p->conflicts = json_array ();
  p->changes = json_array ();
  p->warnings = json_array ();
  p->gateways = json_array ();
  if (!p->conflicts || !p->changes || !p->warnings || !p->gateways)
    return -1;
  n->family = image->family;
  if (image->nifaces
      && (n->ifaces = calloc (image->nifaces, sizeof *n->ifaces)) == NULL)
    return -1;
  for (size_t i = 0; i < image->nifaces; i++) {
    n->nifaces++;
    if (iface_copy (&n->ifaces[i], &image->ifaces[i]) < 0)
      return -1;
  }
  if (strv_copy (&n->resolvers, &n->nresolvers, image->resolvers,
                 image->nresolvers) < 0)
    return -1;
  n->hostname = dup_or_null (image->hostname, &oom);
  p->source = image->nifaces ? "image" : "none";
  return oom ? -1 : 0;
}

/* The record's networks on the public and private interfaces (made when
 * the image has none), its shared IPs as aliases.  -1: out of memory. */
static int
plan_record_networks (struct fg_net_plan *p, const struct fg_server_record *rec,
                      struct fg_net_iface **pub, struct fg_net_iface **priv)
{
  struct fg_net *n = &p->net;

  if (rec) {
    p->source = n->nifaces ? "image and server record" : "server record";
    if (rec->pub.present && role_iface (n, 0) == NULL &&
        iface_add (n, "eth0") == NULL)
      return -1;
    if (rec->priv.present && role_iface (n, 1) == NULL &&
        iface_add (n, "eth1") == NULL)
      return -1;
    qsort (n->ifaces, n->nifaces, sizeof *n->ifaces, ifname_cmp);
  }
  *pub = role_iface (n, 0);
  *priv = role_iface (n, 1);
  if (*pub == *priv)
    *priv = NULL;
  if (rec == NULL)
    return 0;
  if (rec->pub.present && *pub &&
      apply_record_net (p, *pub, &rec->pub, (*pub)->nipv4 || (*pub)->dhcp4,
                        0) < 0)
    return -1;
  if (rec->priv.present && *priv &&
      apply_record_net (p, *priv, &rec->priv,
                        (*priv)->nipv4 || (*priv)->dhcp4, 1) < 0)
    return -1;
  for (size_t k = 0; *pub && k < rec->nshared; k++)
    if (add_shared (p, *pub, rec->shared[k]) < 0)
      return -1;
  if (rec->nshared && *pub == NULL)
    note (p->warnings, "the server record lists shared IPs but there is no "
          "public interface to carry them");
  return 0;
}

/* Every gateway inside a subnet of its interface (issue 16); -1 when
 * one cannot work (E set). */
static int
plan_check_gateways (struct pctx *c, const struct fg_server_record *rec,
                     struct fg_net_iface *pub, struct fg_net_iface *priv)
{
  struct fg_net *n = &c->p->net;
  const struct fg_srec_net *rpriv = rec && rec->priv.present ? &rec->priv
    : NULL;

  if (pub && check_public (c, pub, rec && rec->pub.present ? &rec->pub
                           : NULL) < 0)
    return -1;
  if (priv && priv->nipv4 && servicenet_routes (c, priv, rpriv) < 0)
    return -1;
  if (priv && priv->nipv4 == 0 && !priv->dhcp4 && rec && rec->priv.gateway)
    return refuse (c, "private.gateway", NULL, "give the private address "
                   "with its prefix too (private.ipv4)", "%s is given, but "
                   "the private network has no IPv4 address (private.ipv4): "
                   "the ServiceNet routes via it cannot work",
                   rec->priv.gateway);
  for (size_t k = 0; (pub || priv) && k < n->nifaces; k++) {
    struct fg_net_iface *i = &n->ifaces[k];
    if (i != pub && check_other_defaults (c, i, i == priv ? rpriv : NULL,
                                          i == priv ? "private" : NULL) < 0)
      return -1;
  }
  return (pub || priv) ? check_routes (c) : 0;
}

/* A MAC the image pins (HWADDR=, udev) is first-gen's NIC: next-gen's
 * has its own, and a pinned old one keeps the interface down.  Only a
 * MAC the control plane gives stays pinned. */
static void
plan_unpin_macs (struct fg_net_plan *p, const struct fg_server_record *rec,
                 const struct fg_net_iface *pub,
                 const struct fg_net_iface *priv)
{
  struct fg_net *n = &p->net;

  for (size_t k = 0; k < n->nifaces; k++) {
    struct fg_net_iface *i = &n->ifaces[k];
    const struct fg_srec_net *r = NULL;
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
}

/* The record's host name and resolvers win; -1: out of memory. */
static int
plan_record_names (struct fg_net_plan *p, const struct fg_server_record *rec)
{
  struct fg_net *n = &p->net;
  int oom = 0;

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
    fg_strs_free (n->resolvers, n->nresolvers);
    n->resolvers = NULL;
    n->nresolvers = 0;
    if (strv_copy (&n->resolvers, &n->nresolvers, rec->resolvers,
                   rec->nresolvers) < 0)
      return -1;
  }
  return oom ? -1 : 0;
}

int
fg_net_plan_make (const struct fg_net *image,
                  const struct fg_server_record *rec, enum fg_net_mode mode,
                  struct fg_net_plan *p, struct fg_err *e)
{
  struct fg_net *n = &p->net;
  struct fg_net_iface *pub, *priv;
  struct pctx c;

  memset (&c, 0, sizeof c);
  c.p = p;
  c.rec = rec;
  c.e = e;
  if (plan_start (p, image, mode) < 0)
    goto oom;
  if (mode == FG_MODE_IMAGE) {
    note (p->changes, "image mode: the network files are kept as they are; "
          "a server built from this image gets new addresses from the "
          "next-gen agent");
    return 0;
  }
  p->render = 1;
  if (plan_record_networks (p, rec, &pub, &priv) < 0)
    goto oom;
  if (plan_check_gateways (&c, rec, pub, priv) < 0)
    return -1;
  plan_unpin_macs (p, rec, pub, priv);
  if (plan_record_names (p, rec) < 0)
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
