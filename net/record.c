/* net/record.c --- the one server-record validator (see record.h) */
#include "net/record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "util/err.h"
#include "util/strs.h"

/* What each field holds: the schema's words (doc/server-record.schema.json)
 * in one place. */
static const struct fg_rec_field f_server_id = {
  "server_id", "a string", "a string of 1 to 128 characters", NULL, 1, 128 };
static const struct fg_rec_field f_hostname = {
  "hostname", "a string", "a string of 1 to 253 characters", NULL, 1, 253 };
static const struct fg_rec_field f_mac = {
  "mac", "a MAC address aa:bb:cc:dd:ee:ff",
  "a MAC address such as 40:40:aa:bb:cc:dd", NULL, 1, 17 };
static const struct fg_rec_field f_ipv4 = {
  "ipv4", "an IPv4 address with its prefix length (a.b.c.d/len)",
  "an address with its prefix length, such as 203.0.113.5/24",
  "a list of 1 to 64 addresses with their prefix length", 1, 64 };
static const struct fg_rec_field f_gateway = {
  "gateway", "an IPv4 address", "an IPv4 address", NULL, 0, 0 };
static const struct fg_rec_field f_ipv6 = {
  "ipv6", "an IPv6 address with its prefix length (addr/len)",
  "an address with its prefix length, such as 2001:db8::5/64",
  "a list of at most 16 addresses with their prefix length", 0, 16 };
static const struct fg_rec_field f_gateway6 = {
  "gateway6", "an IPv6 address", "an IPv6 address", NULL, 0, 0 };
static const struct fg_rec_field f_shared = {
  "shared_ipv4", "an IPv4 address", "an IPv4 address",
  "a list of at most 64 IPv4 addresses", 0, 64 };
static const struct fg_rec_field f_resolvers = {
  "resolvers", "an IPv4 or IPv6 address", "an address",
  "a list of at most 8 addresses", 0, 8 };

struct rd {
  struct fg_rec_fault *f;
  int failed;
};

/* Record the first fault; -1. */
static int
fault (struct rd *r, enum fg_rec_fault_kind kind, const struct fg_rec_field *fl,
       const char *fmt, ...) FG_PRINTF(4, 5);

static int
fault (struct rd *r, enum fg_rec_fault_kind kind, const struct fg_rec_field *fl,
       const char *fmt, ...)
{
  va_list ap;

  if (r->failed)
    return -1;
  r->failed = 1;
  r->f->kind = kind;
  r->f->field = fl;
  va_start (ap, fmt);
  vsnprintf (r->f->key, sizeof r->f->key, fmt, ap);
  va_end (ap);
  return -1;
}

/* The string KEY of O into *OUT (absent: left NULL).  WHERE names it. */
static int
rstring (struct rd *r, json_t *o, const struct fg_rec_field *fl,
         const char *where, char **out)
{
  json_t *v = json_object_get (o, fl->name);
  const char *s;

  if (v == NULL)
    return 0;
  if (!json_is_string (v))
    return fault (r, FG_REC_NOT_STRING, fl, "%s", where);
  s = json_string_value (v);
  if (strlen (s) < fl->min || strlen (s) > fl->max
      || strlen (s) != json_string_length (v))
    return fault (r, FG_REC_BAD_LENGTH, fl, "%s", where);
  for (const char *p = s; *p; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f)
      return fault (r, FG_REC_CONTROL, fl, "%s", where);
  *out = strdup (s);
  return *out ? 0 : fault (r, FG_REC_NOMEM, fl, "%s", where);
}

/* FAM 4 or 6 (0: either); WITH_LEN: "addr/len". */
struct form {
  int fam, with_len;
};

static int
raddrs (struct rd *r, json_t *o, const struct fg_rec_field *fl,
        const char *where, struct form fm, char ***v, size_t *n)
{
  json_t *arr = json_object_get (o, fl->name), *x;
  char buf[FG_IP_TEXT];
  size_t i;

  if (arr == NULL)
    return 0;
  if (!json_is_array (arr) || json_array_size (arr) > fl->max
      || json_array_size (arr) < fl->min)
    return fault (r, FG_REC_BAD_LIST, fl, "%s", where);
  json_array_foreach (arr, i, x) {
    if (!json_is_string (x)
        || fg_ip_canon (json_string_value (x), fm.fam, fm.with_len, buf,
                        sizeof buf) < 0)
      return fault (r, FG_REC_BAD_VALUE, fl, "%s[%zu]", where, i);
    if (!fg_strs_has (*v, *n, buf) && fg_strs_add (v, n, buf) < 0)
      return fault (r, FG_REC_NOMEM, fl, "%s[%zu]", where, i);
  }
  return 0;
}

static int
raddr (struct rd *r, json_t *o, const struct fg_rec_field *fl,
       const char *where, int fam, char **out)
{
  json_t *v = json_object_get (o, fl->name);
  char buf[FG_IP_TEXT];

  if (v == NULL)
    return 0;
  if (!json_is_string (v)
      || fg_ip_canon (json_string_value (v), fam, 0, buf, sizeof buf) < 0)
    return fault (r, FG_REC_BAD_VALUE, fl, "%s", where);
  *out = strdup (buf);
  return *out ? 0 : fault (r, FG_REC_NOMEM, fl, "%s", where);
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
    if (allowed[i] == NULL)
      return fault (r, FG_REC_UNKNOWN_KEY, NULL, "%s%.100s", prefix, k);
  }
  return 0;
}

static int
rmac (struct rd *r, json_t *o, const char *name, struct fg_srec_net *n)
{
  char w[64];

  snprintf (w, sizeof w, "%s.mac", name);
  if (rstring (r, o, &f_mac, w, &n->mac) < 0)
    return -1;
  if (n->mac && fg_mac_parse (n->mac, 0, n->mac, NULL) < 0)
    return fault (r, FG_REC_BAD_VALUE, &f_mac, "%s", w);
  return 0;
}

static int
rnet (struct rd *r, json_t *root, const char *name, struct fg_srec_net *n)
{
  static const char *const keys[] = { "mac", "ipv4", "gateway", "ipv6",
                                      "gateway6", NULL };
  static const struct form v4_len = { 4, 1 }, v6_len = { 6, 1 };
  json_t *o = json_object_get (root, name);
  char w[64], prefix[32];

  if (o == NULL)
    return 0;
  if (!json_is_object (o))
    return fault (r, FG_REC_NOT_OBJECT, NULL, "%s", name);
  n->present = 1;
  snprintf (prefix, sizeof prefix, "%s.", name);
  if (check_keys (r, o, prefix, keys) < 0 || rmac (r, o, name, n) < 0)
    return -1;
  snprintf (w, sizeof w, "%s.ipv4", name);
  if (raddrs (r, o, &f_ipv4, w, v4_len, &n->ipv4, &n->nipv4) < 0)
    return -1;
  snprintf (w, sizeof w, "%s.gateway", name);
  if (raddr (r, o, &f_gateway, w, 4, &n->gateway) < 0)
    return -1;
  snprintf (w, sizeof w, "%s.ipv6", name);
  if (raddrs (r, o, &f_ipv6, w, v6_len, &n->ipv6, &n->nipv6) < 0)
    return -1;
  snprintf (w, sizeof w, "%s.gateway6", name);
  return raddr (r, o, &f_gateway6, w, 6, &n->gateway6);
}

/* Letters, digits, '-' and '.'. */
static int
hostname_ok (const char *s)
{
  return strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "0123456789-.") == strlen (s);
}

/* Every key of the object ROOT, in the order the messages promise. */
static void
read_record (struct rd *r, json_t *root, struct fg_server_record *rec)
{
  static const char *const keys[] = { "version", "server_id", "hostname",
                                      "public", "private", "shared_ipv4",
                                      "resolvers", NULL };
  static const struct form v4 = { 4, 0 }, any = { 0, 0 };
  json_t *v;

  if (check_keys (r, root, "", keys) < 0)
    return;
  v = json_object_get (root, "version");
  if (v == NULL)
    fault (r, FG_REC_NO_VERSION, NULL, "version");
  else if (!json_is_integer (v) || json_integer_value (v) != 1)
    fault (r, FG_REC_BAD_VERSION, NULL, "version");
  if (r->failed
      || rstring (r, root, &f_server_id, "server_id", &rec->server_id) < 0
      || rstring (r, root, &f_hostname, "hostname", &rec->hostname) < 0
      || rnet (r, root, "public", &rec->pub) < 0
      || rnet (r, root, "private", &rec->priv) < 0
      || raddrs (r, root, &f_shared, "shared_ipv4", v4, &rec->shared,
                 &rec->nshared) < 0
      || raddrs (r, root, &f_resolvers, "resolvers", any, &rec->resolvers,
                 &rec->nresolvers) < 0)
    return;
  if (!rec->pub.present && !rec->priv.present)
    fault (r, FG_REC_NO_NETWORK, NULL, "(top)");
  else if (rec->hostname && !hostname_ok (rec->hostname)) {
    fault (r, FG_REC_NOT_HOSTNAME, &f_hostname, "hostname");
    snprintf (r->f->value, sizeof r->f->value, "%s", rec->hostname);
  }
}

int
fg_server_record_parse (json_t *root, struct fg_server_record **out,
                        struct fg_rec_fault *f)
{
  struct fg_server_record *rec = calloc (1, sizeof *rec);
  struct rd r = { f, 0 };

  *out = NULL;
  memset (f, 0, sizeof *f);
  if (rec == NULL)
    return fault (&r, FG_REC_NOMEM, NULL, "(top)");
  if (!json_is_object (root))
    fault (&r, FG_REC_NOT_OBJECT, NULL, "(top)");
  else
    read_record (&r, root, rec);
  if (r.failed) {
    fg_server_record_free (rec);
    return -1;
  }
  *out = rec;
  return 0;
}

static void
srec_net_free (struct fg_srec_net *n)
{
  free (n->mac);
  fg_strs_free (n->ipv4, n->nipv4);
  free (n->gateway);
  fg_strs_free (n->ipv6, n->nipv6);
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
  fg_strs_free (r->shared, r->nshared);
  fg_strs_free (r->resolvers, r->nresolvers);
  free (r);
}
