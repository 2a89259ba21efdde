/* tests/unit/test_netplan.c --- the network plan's gateway rules
 *
 * Issue 16, item 3: no silent network breakage.  Every gateway of the
 * plan (eth0's default route, the ServiceNet gateway of the 10.176.0.0/12
 * and 10.208.0.0/12 routes, any other static route) lies inside a subnet
 * of its interface.  A server record with a private address and no
 * gateway gets the first host of its subnet (fg2ng's ServiceNet
 * convention, doc/servicenet.md), reported as a derived value and a
 * warning; where nothing can be derived the plan is an input error that
 * names the record file and the field.  Renderers never write `|| true`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/netplan.h"
#include "net/netrender.h"
#include "util/files.h"
#include "net/netcfg.h"
#include "tap.h"

/* A first-gen Debian image: eth0 public /24, eth1 ServiceNet
 * 10.179.77.12/19 with its routes via 10.179.64.1. */
static const char first_gen_interfaces[] =
  "auto lo\niface lo inet loopback\n\n"
  "auto eth0\niface eth0 inet static\n"
  "    address 198.51.100.23\n    netmask 255.255.255.0\n"
  "    gateway 198.51.100.1\n    dns-nameservers 72.3.128.240 72.3.128.241\n\n"
  "auto eth1\niface eth1 inet static\n"
  "    address 10.179.77.12\n    netmask 255.255.224.0\n"
  "up route add -net 10.176.0.0 netmask 255.248.0.0 gw 10.179.64.1\n"
  "down route del -net 10.176.0.0 netmask 255.248.0.0 gw 10.179.64.1\n"
  "up route add -net 10.191.192.0 netmask 255.255.192.0 gw 10.179.64.1\n"
  "down route del -net 10.191.192.0 netmask 255.255.192.0 gw 10.179.64.1\n";

/* The web01 record of examples/agent/schedule.json: the private network
 * has an address and a prefix but no gateway. */
static const char web01[] =
  "{\"version\": 1, \"server_id\": \"web01\", \"hostname\": \"web01.example.com\","
  " \"public\": {\"mac\": \"40:40:5e:1a:22:01\", \"ipv4\": [\"198.51.100.23/24\"],"
  "   \"gateway\": \"198.51.100.1\"},"
  " \"private\": {\"mac\": \"40:40:5e:1a:22:02\", \"ipv4\": [\"10.180.12.34/19\"]},"
  " \"resolvers\": [\"72.3.128.240\", \"72.3.128.241\"]}";

static void
add (struct fg_files *fs, const char *path, const char *text)
{
  struct fg_err e = FG_ERR_INIT;
  if (fg_files_add (fs, path, text, strlen (text), &e) < 0)
    printf ("# fg_files_add %s: %s\n", path, e.msg);
}

/* The image's model from a Debian interfaces file (NULL: no files). */
static void
image_model (struct fg_net *n, const char *interfaces)
{
  struct fg_files fs;
  struct fg_err e = FG_ERR_INIT;

  fg_files_init (&fs);
  if (interfaces)
    add (&fs, "etc/network/interfaces", interfaces);
  if (fg_net_parse (&fs, "debian", n, &e) < 0)
    printf ("# parse: %s\n", e.msg);
  fg_files_release (&fs);
}

static char *
write_record (const char *json)
{
  char *path = strdup ("/tmp/fg2ng-test-record-XXXXXX");
  int fd = mkstemp (path);
  if (fd < 0 || write (fd, json, strlen (json)) != (ssize_t) strlen (json)) {
    printf ("# cannot write %s\n", path);
    free (path);
    return NULL;
  }
  close (fd);
  return path;
}

/* Plan MODE for the image INTERFACES and the record REC_JSON (either may
 * be NULL); the plan's return code, E and the record's path (PATH_OUT,
 * caller frees) for the messages. */
static int
make_plan (struct fg_net_plan *p, const char *interfaces, const char *rec_json,
           struct fg_err *e, char **path_out)
{
  struct fg_net img;
  struct fg_server_record *rec = NULL;
  char *path = rec_json ? write_record (rec_json) : NULL;
  int rc;

  image_model (&img, interfaces);
  if (path && fg_server_record_load (path, &rec, e) < 0)
    printf ("# record: %s\n", e->msg);
  rc = fg_net_plan_make (&img, rec, FG_MODE_SELF_SERVICE, p, e);
  fg_server_record_free (rec);
  fg_net_release (&img);
  if (path)
    unlink (path);
  if (path_out)
    *path_out = path;
  else
    free (path);
  return rc;
}

static const struct fg_net_iface *
iface (const struct fg_net *n, const char *name)
{
  for (size_t i = 0; i < n->nifaces; i++)
    if (strcmp (n->ifaces[i].name, name) == 0)
      return &n->ifaces[i];
  return NULL;
}

static int
has_route (const struct fg_net_iface *i, const char *to, const char *via)
{
  for (size_t k = 0; i && k < i->nroutes; k++)
    if (strcmp (i->routes[k].to, to) == 0 && i->routes[k].via &&
        strcmp (i->routes[k].via, via) == 0)
      return 1;
  return 0;
}

static int
any_route_via (const struct fg_net_iface *i, const char *via)
{
  for (size_t k = 0; i && k < i->nroutes; k++)
    if (i->routes[k].via && strcmp (i->routes[k].via, via) == 0)
      return 1;
  return 0;
}

static int
has_string (json_t *arr, const char *needle)
{
  size_t i;
  json_t *v;
  json_array_foreach (arr, i, v)
    if (json_is_string (v) && strstr (json_string_value (v), needle))
      return 1;
  return 0;
}

/* The error must be an input error naming the record file and FIELD,
 * and saying each of WHAT (NULL-terminated); a hint says what to do. */
static void
check_refused (int rc, const struct fg_err *e, const char *path,
               const char *field, const char *const *what)
{
  CHECK_INT (rc, -1);
  CHECK_INT (e->kind, FG_E_INPUT);
  if (path)
    CHECK_CONTAINS (e->msg, path);
  CHECK_CONTAINS (e->msg, field);
  for (size_t i = 0; what && what[i]; i++)
    CHECK_CONTAINS (e->msg, what[i]);
  CHECK (e->hint[0] != '\0');
}

/* ---- the web01 record: the ServiceNet gateway is derived ---------------- */

static void
test_web01_derives_the_servicenet_gateway (void)
{
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_net_iface *eth1;
  json_t *j, *gws, *g;
  size_t k;
  int found = 0;

  CHECK_INT (make_plan (&p, first_gen_interfaces, web01, &e, NULL), 0);
  if (e.msg[0])
    printf ("#   plan: %s\n", e.msg);
  eth1 = iface (&p.net, "eth1");
  CHECK (eth1 != NULL);
  CHECK_STR (eth1 && eth1->nipv4 ? eth1->ipv4[0] : NULL, "10.180.12.34/19");
  CHECK (has_route (eth1, "10.176.0.0/12", "10.180.0.1"));
  CHECK (has_route (eth1, "10.208.0.0/12", "10.180.0.1"));
  CHECK (!any_route_via (eth1, "10.179.64.1"));
  CHECK (eth1 && eth1->gateway == NULL);
  /* reported: a warning a human reads, the conflict with the image, and
   * the derived value in the JSON with its reason */
  CHECK (has_string (p.warnings, "10.180.0.1"));
  CHECK (has_string (p.warnings, "derived"));
  CHECK (has_string (p.warnings, "doc/servicenet.md"));
  CHECK (has_string (p.conflicts, "10.179.64.1"));
  j = fg_net_plan_json (&p);
  CHECK (j != NULL);
  CHECK (has_string (json_object_get (j, "warnings"), "10.180.0.1"));
  gws = json_object_get (j, "gateways");
  CHECK (json_is_array (gws));
  json_array_foreach (gws, k, g)
    if (json_is_true (json_object_get (g, "derived"))) {
      found++;
      CHECK_STR (json_string_value (json_object_get (g, "interface")), "eth1");
      CHECK_STR (json_string_value (json_object_get (g, "gateway")),
                 "10.180.0.1");
      CHECK_STR (json_string_value (json_object_get (g, "subnet")),
                 "10.180.0.0/19");
      CHECK_STR (json_string_value (json_object_get (g, "field")),
                 "private.gateway");
      CHECK (json_is_string (json_object_get (g, "reason")));
    }
  CHECK_INT (found, 1);
  json_decref (j);
  fg_net_plan_release (&p);
}

static void
test_web01_renders_routes_via_the_derived_gateway (void)
{
  struct fg_net_plan p;
  struct fg_net_render r;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_net_out *o;

  CHECK_INT (make_plan (&p, first_gen_interfaces, web01, &e, NULL), 0);
  CHECK_INT (fg_net_render ("debian-interfaces", &p.net, NULL, &r, &e), 0);
  o = fg_net_render_find (&r, "etc/network/interfaces");
  CHECK (o && o->text);
  if (o && o->text) {
    CHECK_CONTAINS (o->text, "    up ip route add 10.176.0.0/12 via 10.180.0.1 dev eth1\n");
    CHECK_CONTAINS (o->text, "    up ip route add 10.208.0.0/12 via 10.180.0.1 dev eth1\n");
    CHECK (strstr (o->text, "10.179.64.1") == NULL);
    CHECK (strstr (o->text, "|| true") == NULL);
  }
  fg_net_render_release (&r);
  fg_net_plan_release (&p);
}

/* Without the image the record alone derives the same. */
static void
test_web01_without_the_image (void)
{
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_net_iface *eth1;

  CHECK_INT (make_plan (&p, NULL, web01, &e, NULL), 0);
  eth1 = iface (&p.net, "eth1");
  CHECK (has_route (eth1, "10.176.0.0/12", "10.180.0.1"));
  CHECK (has_route (eth1, "10.208.0.0/12", "10.180.0.1"));
  CHECK (has_string (p.warnings, "derived"));
  CHECK_INT (json_array_size (p.conflicts), 0);
  fg_net_plan_release (&p);
}

/* The image's ServiceNet gateway inside the record's subnet is kept:
 * nothing is derived. */
static void
test_image_gateway_inside_the_record_subnet_is_kept (void)
{
  static const char rec[] =
    "{\"version\": 1, \"private\": {\"ipv4\": [\"10.179.77.99/19\"]}}";
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_net_iface *eth1;

  CHECK_INT (make_plan (&p, first_gen_interfaces, rec, &e, NULL), 0);
  eth1 = iface (&p.net, "eth1");
  CHECK (has_route (eth1, "10.176.0.0/12", "10.179.64.1"));
  CHECK (has_route (eth1, "10.208.0.0/12", "10.179.64.1"));
  CHECK (!has_string (p.warnings, "derived"));
  fg_net_plan_release (&p);
}

/* ---- refusals: exit 2, the file and the field named --------------------- */

static void
test_private_gateway_outside_its_subnet (void)
{
  static const char rec[] =
    "{\"version\": 1, \"private\": {\"ipv4\": [\"10.180.12.34/19\"],"
    " \"gateway\": \"10.179.64.1\"}}";
  static const char *const what[] = { "10.179.64.1", "10.180.0.0/19", NULL };
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  char *path = NULL;
  int rc;

  rc = make_plan (&p, first_gen_interfaces, rec, &e, &path);
  check_refused (rc, &e, path, "private.gateway", what);
  fg_net_plan_release (&p);
  free (path);
  /* the same without the image */
  fg_err_clear (&e);
  rc = make_plan (&p, NULL, rec, &e, &path);
  check_refused (rc, &e, path, "private.gateway", what);
  fg_net_plan_release (&p);
  free (path);
}

static void
test_public_gateway_outside_its_subnet (void)
{
  static const char rec[] =
    "{\"version\": 1, \"public\": {\"ipv4\": [\"203.0.113.5/24\"],"
    " \"gateway\": \"198.51.100.1\"}}";
  static const char *const what[] = { "198.51.100.1", "203.0.113.0/24", NULL };
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  int rc;
  char *path = NULL;

  rc = make_plan (&p, NULL, rec, &e, &path);
  check_refused (rc, &e, path, "public.gateway", what);
  fg_net_plan_release (&p);
  free (path);
}

/* A public address needs its default gateway: none is derived. */
static void
test_public_address_without_a_gateway (void)
{
  static const char rec[] =
    "{\"version\": 1, \"public\": {\"ipv4\": [\"203.0.113.5/24\"]}}";
  static const char *const what_img[] = { "198.51.100.1", "203.0.113.0/24",
                                          NULL };
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  int rc;
  char *path = NULL;

  /* no image: nothing to take it from */
  rc = make_plan (&p, NULL, rec, &e, &path);
  check_refused (rc, &e, path, "public.gateway", NULL);
  fg_net_plan_release (&p);
  free (path);
  /* the image's gateway is outside the record's subnet */
  fg_err_clear (&e);
  rc = make_plan (&p, first_gen_interfaces, rec, &e, &path);
  check_refused (rc, &e, path, "public.gateway", what_img);
  fg_net_plan_release (&p);
  free (path);
}

/* The image's gateway inside the record's public subnet is kept. */
static void
test_public_address_keeps_the_image_gateway (void)
{
  static const char rec[] =
    "{\"version\": 1, \"public\": {\"ipv4\": [\"198.51.100.77/24\"]}}";
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_net_iface *eth0;

  CHECK_INT (make_plan (&p, first_gen_interfaces, rec, &e, NULL), 0);
  eth0 = iface (&p.net, "eth0");
  CHECK_STR (eth0 ? eth0->gateway : NULL, "198.51.100.1");
  fg_net_plan_release (&p);
}

/* Outside ServiceNet, or a subnet with no first host to spare: the
 * convention does not apply. */
static void
test_private_gateway_not_derivable (void)
{
  static const char *const recs[] = {
    "{\"version\": 1, \"private\": {\"ipv4\": [\"192.168.5.4/24\"]}}",
    "{\"version\": 1, \"private\": {\"ipv4\": [\"10.208.227.239/19\"]}}",
    "{\"version\": 1, \"private\": {\"ipv4\": [\"10.180.12.34/32\"]}}",
    "{\"version\": 1, \"private\": {\"ipv4\": [\"10.180.0.1/19\"]}}",
  };
  for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
    struct fg_net_plan p;
    struct fg_err e = FG_ERR_INIT;
    char *path = NULL;
    int rc = make_plan (&p, NULL, recs[i], &e, &path);
    printf ("#   case %zu: %s\n", i, e.msg);
    check_refused (rc, &e, path, "private.gateway", NULL);
    fg_net_plan_release (&p);
    free (path);
  }
}

static void
test_ipv6_gateways (void)
{
  static const char outside[] =
    "{\"version\": 1, \"public\": {\"ipv4\": [\"198.51.100.23/24\"],"
    " \"gateway\": \"198.51.100.1\", \"ipv6\": [\"2001:db8:1::24/64\"],"
    " \"gateway6\": \"2001:db8:2::1\"}}";
  static const char no_address[] =
    "{\"version\": 1, \"public\": {\"ipv4\": [\"198.51.100.23/24\"],"
    " \"gateway\": \"198.51.100.1\", \"gateway6\": \"2001:db8:1::1\"}}";
  static const char inside[] =
    "{\"version\": 1, \"public\": {\"ipv4\": [\"198.51.100.23/24\"],"
    " \"gateway\": \"198.51.100.1\", \"ipv6\": [\"2001:db8:1::24/64\"],"
    " \"gateway6\": \"2001:db8:1::1\"}}";
  static const char link_local[] =
    "{\"version\": 1, \"public\": {\"ipv4\": [\"198.51.100.23/24\"],"
    " \"gateway\": \"198.51.100.1\", \"ipv6\": [\"2001:db8:1::24/64\"],"
    " \"gateway6\": \"fe80::def\"}}";
  static const char *const what[] = { "2001:db8:2::1", "2001:db8:1::/64",
                                      NULL };
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  int rc;
  char *path = NULL;

  rc = make_plan (&p, NULL, outside, &e, &path);
  check_refused (rc, &e, path, "public.gateway6", what);
  fg_net_plan_release (&p);
  free (path);
  fg_err_clear (&e);
  rc = make_plan (&p, NULL, no_address, &e, &path);
  check_refused (rc, &e, path, "public.gateway6", NULL);
  fg_net_plan_release (&p);
  free (path);
  fg_err_clear (&e);
  CHECK_INT (make_plan (&p, NULL, inside, &e, NULL), 0);
  fg_net_plan_release (&p);
  CHECK_INT (make_plan (&p, NULL, link_local, &e, NULL), 0);
  fg_net_plan_release (&p);
}

/* A gateway given for a network the server has no address on. */
static void
test_gateway_without_an_address (void)
{
  static const char rec[] =
    "{\"version\": 1, \"public\": {\"ipv4\": [\"198.51.100.23/24\"],"
    " \"gateway\": \"198.51.100.1\"}, \"private\": {\"gateway\": \"10.180.0.1\"}}";
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  int rc;
  char *path = NULL;

  rc = make_plan (&p, NULL, rec, &e, &path);
  check_refused (rc, &e, path, "private.gateway", NULL);
  fg_net_plan_release (&p);
  free (path);
}

/* The image alone: its ServiceNet route via a gateway outside eth1's
 * subnet cannot work; the plan says which interface and which record
 * field would settle it. */
static void
test_image_servicenet_gateway_outside (void)
{
  static const char img[] =
    "auto eth0\niface eth0 inet static\n"
    "    address 198.51.100.23\n    netmask 255.255.255.0\n"
    "    gateway 198.51.100.1\n\n"
    "auto eth1\niface eth1 inet static\n"
    "    address 10.180.12.34\n    netmask 255.255.224.0\n"
    "up route add -net 10.176.0.0 netmask 255.248.0.0 gw 10.179.64.1\n";
  static const char *const what[] = { "eth1", "10.179.64.1", "10.180.0.0/19",
                                      NULL };
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  int rc;

  rc = make_plan (&p, img, NULL, &e, NULL);
  check_refused (rc, &e, NULL, "image", what);
  CHECK_CONTAINS (e.hint, "private.gateway");
  fg_net_plan_release (&p);
}

/* Another static route of the image via an unreachable gateway is not
 * written: a warning says so. */
static void
test_image_other_route_unreachable (void)
{
  static const char img[] =
    "auto eth0\niface eth0 inet static\n"
    "    address 198.51.100.23\n    netmask 255.255.255.0\n"
    "    gateway 198.51.100.1\n"
    "    up ip route add 192.0.2.0/24 via 203.0.113.254\n"
    "    up ip route add 192.0.3.0/24 via 198.51.100.254\n";
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_net_iface *eth0;

  CHECK_INT (make_plan (&p, img, NULL, &e, NULL), 0);
  eth0 = iface (&p.net, "eth0");
  CHECK (!any_route_via (eth0, "203.0.113.254"));
  CHECK (has_route (eth0, "192.0.3.0/24", "198.51.100.254"));
  CHECK (has_string (p.warnings, "192.0.2.0/24 via 203.0.113.254"));
  fg_net_plan_release (&p);
}

/* The image's default gateway outside eth0's subnet: refused, naming the
 * field of a record that would settle it. */
static void
test_image_default_gateway_outside (void)
{
  static const char img[] =
    "auto eth0\niface eth0 inet static\n"
    "    address 198.51.100.23\n    netmask 255.255.255.0\n"
    "    gateway 203.0.113.1\n";
  static const char *const what[] = { "eth0", "203.0.113.1",
                                      "198.51.100.0/24", NULL };
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  int rc;

  rc = make_plan (&p, img, NULL, &e, NULL);
  check_refused (rc, &e, NULL, "image", what);
  CHECK_CONTAINS (e.hint, "public.gateway");
  fg_net_plan_release (&p);
}

/* Image mode checks nothing: the files are kept as they are. */
static void
test_image_mode_checks_nothing (void)
{
  static const char img[] =
    "auto eth0\niface eth0 inet static\n"
    "    address 198.51.100.23\n    netmask 255.255.255.0\n"
    "    gateway 203.0.113.1\n";
  struct fg_net n;
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;

  image_model (&n, img);
  CHECK_INT (fg_net_plan_make (&n, NULL, FG_MODE_IMAGE, &p, &e), 0);
  fg_net_plan_release (&p);
  fg_net_release (&n);
}

/* The mode words, both ways; anything else is refused. */
static void
test_mode_words (void)
{
  CHECK_INT (fg_net_mode_parse ("image"), FG_MODE_IMAGE);
  CHECK_INT (fg_net_mode_parse ("self-service"), FG_MODE_SELF_SERVICE);
  CHECK_INT (fg_net_mode_parse ("assisted"), FG_MODE_ASSISTED);
  CHECK_INT (fg_net_mode_parse ("selfservice"), -1);
  CHECK_INT (fg_net_mode_parse (""), -1);
  CHECK_STR (fg_net_mode_name (FG_MODE_IMAGE), "image");
  CHECK_STR (fg_net_mode_name (FG_MODE_SELF_SERVICE), "self-service");
  CHECK_STR (fg_net_mode_name (FG_MODE_ASSISTED), "assisted");
}

/* The one validator of the server record: a bad value is an input error
 * naming the file and the key. */
static void
test_record_refused_names_file_and_key (void)
{
  static const char bad_ip[] =
    "{\"version\": 1, \"server_id\": \"web01\","
    " \"public\": {\"ipv4\": [\"198.51.100.23/24\", \"300.1.2.3/24\"],"
    "   \"gateway\": \"198.51.100.1\"}}";
  struct fg_server_record *rec = NULL;
  struct fg_err e = FG_ERR_INIT;
  char *path = write_record (bad_ip);

  CHECK_INT (fg_server_record_load (path, &rec, &e), -1);
  CHECK (rec == NULL);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, path);
  CHECK_CONTAINS (e.msg, "public.ipv4[1]");
  unlink (path);
  free (path);

  e = (struct fg_err) FG_ERR_INIT;
  path = write_record ("{\"version\": 1, ");
  CHECK_INT (fg_server_record_load (path, &rec, &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, path);
  unlink (path);
  free (path);

  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (fg_server_record_load ("/nonexistent/rec.json", &rec, &e), -1);
  CHECK_CONTAINS (e.msg, "/nonexistent/rec.json");
}

/* The command line's words: no mode is image mode (files kept, nothing
 * rendered); an unknown mode is refused; a record is read and used. */
static void
test_plan_from_words (void)
{
  struct fg_net img;
  struct fg_net_plan p;
  struct fg_err e = FG_ERR_INIT;
  char *path = write_record (web01);

  image_model (&img, first_gen_interfaces);
  CHECK_INT (fg_net_plan_from (NULL, NULL, &img, &p, &e), 0);
  CHECK_INT (p.mode, FG_MODE_IMAGE);
  CHECK_INT (p.render, 0);
  fg_net_plan_release (&p);

  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (fg_net_plan_from ("sideways", NULL, &img, &p, &e), -1);
  CHECK_CONTAINS (e.msg, "sideways");
  fg_net_plan_release (&p);

  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (fg_net_plan_from ("self-service", path, &img, &p, &e), 0);
  if (e.kind)
    printf ("# %s\n", e.msg);
  CHECK_INT (p.mode, FG_MODE_SELF_SERVICE);
  CHECK_INT (p.render, 1);
  CHECK (iface (&p.net, "eth0") != NULL);
  if (iface (&p.net, "eth1") && iface (&p.net, "eth1")->nipv4)
    CHECK_STR (iface (&p.net, "eth1")->ipv4[0], "10.180.12.34/19");
  {
    json_t *j = fg_net_plan_json (&p);
    CHECK_STR (json_string_value (json_object_get (j, "mode")),
               "self-service");
    json_decref (j);
  }
  fg_net_plan_release (&p);
  fg_net_release (&img);
  unlink (path);
  free (path);
}

int
main (void)
{
  RUN (test_web01_derives_the_servicenet_gateway);
  RUN (test_web01_renders_routes_via_the_derived_gateway);
  RUN (test_web01_without_the_image);
  RUN (test_image_gateway_inside_the_record_subnet_is_kept);
  RUN (test_private_gateway_outside_its_subnet);
  RUN (test_public_gateway_outside_its_subnet);
  RUN (test_public_address_without_a_gateway);
  RUN (test_public_address_keeps_the_image_gateway);
  RUN (test_private_gateway_not_derivable);
  RUN (test_ipv6_gateways);
  RUN (test_gateway_without_an_address);
  RUN (test_image_servicenet_gateway_outside);
  RUN (test_image_other_route_unreachable);
  RUN (test_image_default_gateway_outside);
  RUN (test_image_mode_checks_nothing);
  RUN (test_mode_words);
  RUN (test_record_refused_names_file_and_key);
  RUN (test_plan_from_words);
  return TAP_DONE ();
}
