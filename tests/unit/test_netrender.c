/* tests/unit/test_netrender.c --- the network plan and its renderers
 *
 * The strongest check a renderer can get without booting: what it
 * writes, read back by the family's own parser (inspect/netcfg*.c, which
 * reads the 19 peer configurations right), is the planned model again.
 * Plus the plan's rules: ServiceNet routes, the server record winning
 * with each conflict named, shared IPs, image mode keeping the files.
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

static void
add (struct fg_files *fs, const char *path, const char *text)
{
  struct fg_err e = FG_ERR_INIT;
  if (fg_files_add (fs, path, text, strlen (text), &e) < 0)
    printf ("# fg_files_add %s: %s\n", path, e.msg);
}

/* The image's model, from a first-gen Debian file. */
static void
image_model (struct fg_net *n)
{
  struct fg_files fs;
  struct fg_err e = FG_ERR_INIT;

  fg_files_init (&fs);
  add (&fs, "etc/network/interfaces", first_gen_interfaces);
  add (&fs, "etc/hostname", "web01\n");
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

static const char record[] =
  "{\"version\": 1, \"server_id\": \"fg-1\", \"hostname\": \"web02\","
  " \"public\": {\"ipv4\": [\"198.51.100.24/24\"], \"gateway\": \"198.51.100.1\","
  "   \"ipv6\": [\"2001:db8:1::24/64\"], \"gateway6\": \"fe80::def\"},"
  " \"private\": {\"ipv4\": [\"10.179.77.12/19\"], \"gateway\": \"10.179.64.1\"},"
  " \"shared_ipv4\": [\"198.51.100.200\", \"203.0.113.9\"],"
  " \"resolvers\": [\"72.3.128.240\", \"72.3.128.241\"]}";

static int
has_string (json_t *arr, const char *needle)
{
  size_t i;
  json_t *v;
  json_array_foreach (arr, i, v)
    if (strstr (json_string_value (v), needle))
      return 1;
  return 0;
}

static void
make_plan (struct fg_net_plan *p, enum fg_net_mode mode, const char *rec_json)
{
  struct fg_net img;
  struct fg_server_record *rec = NULL;
  struct fg_err e = FG_ERR_INIT;
  char *path = rec_json ? write_record (rec_json) : NULL;

  image_model (&img);
  if (path && fg_server_record_load (path, &rec, &e) < 0)
    printf ("# record: %s\n", e.msg);
  if (fg_net_plan_make (&img, rec, mode, p, &e) < 0)
    printf ("# plan: %s\n", e.msg);
  fg_server_record_free (rec);
  fg_net_release (&img);
  if (path) {
    unlink (path);
    free (path);
  }
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

static void
test_servicenet_routes_from_the_image (void)
{
  struct fg_net_plan p;
  const struct fg_net_iface *eth1;

  make_plan (&p, FG_MODE_SELF_SERVICE, NULL);
  CHECK (p.render);
  CHECK_STR (p.public_if, "eth0");
  CHECK_STR (p.private_if, "eth1");
  eth1 = iface (&p.net, "eth1");
  CHECK (eth1 != NULL);
  CHECK_INT (eth1 ? eth1->nroutes : 0, 2);
  CHECK (has_route (eth1, "10.176.0.0/12", "10.179.64.1"));
  CHECK (has_route (eth1, "10.208.0.0/12", "10.179.64.1"));
  CHECK (!has_route (eth1, "10.191.192.0/18", "10.179.64.1"));
  CHECK (eth1 && eth1->gateway == NULL);
  CHECK (has_string (p.changes, "widened"));
  CHECK (has_string (p.changes, "10.191.192.0/18"));
  CHECK_INT (json_array_size (p.conflicts), 0);
  fg_net_plan_release (&p);
}

static void
test_record_wins_and_conflicts_are_named (void)
{
  struct fg_net_plan p;
  const struct fg_net_iface *eth0;

  make_plan (&p, FG_MODE_ASSISTED, record);
  eth0 = iface (&p.net, "eth0");
  CHECK (eth0 != NULL);
  CHECK_STR (eth0 ? eth0->ipv4[0] : NULL, "198.51.100.24/24");
  CHECK_INT (eth0 ? eth0->nipv6 : 0, 1);
  CHECK_STR (eth0 ? eth0->gateway6 : NULL, "fe80::def");
  /* shared IPs: one in the public subnet (its prefix), one outside (/32) */
  CHECK_INT (eth0 ? eth0->nipv4 : 0, 3);
  CHECK_STR (eth0 && eth0->nipv4 > 1 ? eth0->ipv4[1] : NULL,
             "198.51.100.200/24");
  CHECK_STR (eth0 && eth0->nipv4 > 2 ? eth0->ipv4[2] : NULL, "203.0.113.9/32");
  CHECK_INT (eth0 ? eth0->naliases : 0, 2);
  CHECK_STR (p.net.hostname, "web02");
  CHECK (has_string (p.conflicts, "eth0 IPv4: the image has 198.51.100.23/24"));
  CHECK (has_string (p.conflicts, "hostname: the image has web01"));
  CHECK_STR (p.source, "image and server record");
  fg_net_plan_release (&p);
}

static void
test_image_mode_keeps_the_files (void)
{
  struct fg_net_plan p;

  make_plan (&p, FG_MODE_IMAGE, record);
  CHECK (!p.render);
  CHECK (has_string (p.changes, "new addresses"));
  fg_net_plan_release (&p);
}

static void
test_bad_records_name_the_key (void)
{
  static const struct { const char *json, *want; } cases[] = {
    { "{\"version\": 1, \"public\": {\"ipv4\": [\"1.2.3/24\"]}}",
      "'public.ipv4[0]'" },
    { "{\"version\": 1, \"public\": {\"ipv4\": [\"1.2.3.4\"]}}",
      "prefix length" },
    { "{\"version\": 1, \"private\": {\"gateway\": \"10.1.1\"}}",
      "'private.gateway'" },
    { "{\"version\": 1, \"public\": {}, \"extra\": 1}", "'extra': unknown key" },
    { "{\"version\": 2, \"public\": {}}", "'version'" },
    { "{\"version\": 1}", "neither" },
    { "{\"version\": 1, \"public\": {\"mac\": \"40:40:zz:00:00:00\"}}",
      "'public.mac'" },
    /* %2x takes a sign and blanks: "-1" was stored as ffffffff (issue 15) */
    { "{\"version\": 1, \"public\": {\"mac\": \"-1:-1:-1:-1:-1:-1\"}}",
      "'public.mac'" },
    { "{\"version\": 1, \"public\": {\"mac\": \" a: b: c: d: e: f\"}}",
      "'public.mac'" },
    { "{\"version\": 1, \"public\": {}, \"hostname\": \"a b\"}", "'hostname'" },
    { "[1, 2", "line 1" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *path = write_record (cases[i].json);
    struct fg_server_record *rec = NULL;
    struct fg_err e = FG_ERR_INIT;
    CHECK_INT (fg_server_record_load (path, &rec, &e), -1);
    CHECK (rec == NULL);
    CHECK_INT (e.kind, FG_E_INPUT);
    if (strstr (e.msg, cases[i].want) == NULL || strstr (e.msg, path) == NULL) {
      printf ("#   case %zu: '%s' does not name the file and '%s'\n", i, e.msg,
              cases[i].want);
      tap_cur_failed = 1;
    }
    unlink (path);
    free (path);
  }
}

/* Render with RENDERER, parse back as FAMILY, compare with the plan. */
static void
round_trip (const char *renderer, const char *family,
            const struct fg_files *existing)
{
  struct fg_net_plan p;
  struct fg_net_render r;
  struct fg_files back;
  struct fg_net parsed;
  struct fg_err e = FG_ERR_INIT;
  json_t *want, *got;

  make_plan (&p, FG_MODE_SELF_SERVICE, record);
  if (fg_net_render (renderer, &p.net, existing, &r, &e) < 0) {
    printf ("#   %s: %s\n", renderer, e.msg);
    tap_cur_failed = 1;
    fg_net_plan_release (&p);
    return;
  }
  fg_files_init (&back);
  /* The files the renderer kept, then its own output over them. */
  for (size_t i = 0; existing && i < existing->n; i++)
    if (fg_net_render_find (&r, existing->v[i].path) == NULL)
      add (&back, existing->v[i].path, existing->v[i].data);
  for (size_t i = 0; i < r.n; i++)
    if (r.v[i].text)
      add (&back, r.v[i].path, r.v[i].text);
  CHECK_INT (fg_net_parse (&back, family, &parsed, &e), 0);
  want = fg_net_json (&p.net);
  got = fg_net_json (&parsed);
  json_object_del (want, "problems");
  json_object_del (got, "problems");
  /* Which alias an address came from is a detail some families (Gentoo,
   * SUSE labels) do not keep. */
  for (size_t i = 0; i < json_array_size (json_object_get (want, "interfaces")); i++) {
    json_object_del (json_array_get (json_object_get (want, "interfaces"), i), "aliases");
    json_object_del (json_array_get (json_object_get (got, "interfaces"), i), "aliases");
  }
  /* Arch's initscripts cannot carry IPv6: the renderer says so. */
  if (strcmp (renderer, "arch-rc-conf") == 0 && json_array_size (r.warnings)) {
    json_t *eth0 = json_array_get (json_object_get (want, "interfaces"), 0);
    CHECK (strstr (json_string_value (json_array_get (r.warnings, 0)),
                   "IPv6 2001:db8:1::24/64 is not configurable") != NULL);
    json_object_set_new (eth0, "ipv6", json_array ());
    json_object_set_new (eth0, "gateway6", json_null ());
  }
  if (!json_equal (want, got)) {
    char *a = json_dumps (want, JSON_SORT_KEYS | JSON_COMPACT);
    char *b = json_dumps (got, JSON_SORT_KEYS | JSON_COMPACT);
    printf ("#   %s read back as %s differs from the plan\n#   plan: %s\n"
            "#   read: %s\n", renderer, family, a, b);
    for (size_t i = 0; i < r.n; i++)
      printf ("#   --- %s\n%s", r.v[i].path, r.v[i].text ? r.v[i].text
              : "(removed)\n");
    for (size_t i = 0; i < parsed.nproblems; i++)
      printf ("#   problem: %s\n", parsed.problems[i]);
    free (a);
    free (b);
    tap_cur_failed = 1;
  }
  json_decref (want);
  json_decref (got);
  fg_net_release (&parsed);
  fg_files_release (&back);
  fg_net_render_release (&r);
  fg_net_plan_release (&p);
}

static void
test_debian_round_trip (void)
{
  struct fg_files ex;
  fg_files_init (&ex);
  add (&ex, "etc/network/interfaces", first_gen_interfaces);
  add (&ex, "etc/resolv.conf", "search example.com\nnameserver 8.8.8.8\n");
  round_trip ("debian-interfaces", "debian", &ex);
  fg_files_release (&ex);
}

/* A hook line longer than any fixed buffer is kept whole: it was cut at
 * 1023 bytes, which changes the command the guest runs (issue 15). */
static void
test_debian_long_hook_kept_whole (void)
{
  struct fg_net_plan p;
  struct fg_net_render r;
  struct fg_files ex;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_net_out *o;
  size_t n = 4000;
  char *text = malloc (n + 200), *hook = malloc (n + 1);

  memset (hook, 'x', n);
  memcpy (hook, "iptables-restore -n /etc/fw", 27);
  memcpy (hook + n - 4, " END", 4);
  hook[n] = '\0';
  snprintf (text, n + 200, "auto eth0\niface eth0 inet static\n"
            "    address 198.51.100.23\n    netmask 255.255.255.0\n"
            "    pre-up %s\n", hook);
  fg_files_init (&ex);
  add (&ex, "etc/network/interfaces", text);
  make_plan (&p, FG_MODE_SELF_SERVICE, record);
  CHECK_INT (fg_net_render ("debian-interfaces", &p.net, &ex, &r, &e), 0);
  o = fg_net_render_find (&r, "etc/network/interfaces");
  CHECK (o && o->text && strstr (o->text, hook) != NULL);
  CHECK (o && o->text && strstr (o->text, " END\n") != NULL);
  fg_net_render_release (&r);
  fg_net_plan_release (&p);
  fg_files_release (&ex);
  free (text);
  free (hook);
}

static void
test_redhat_round_trip (void)
{
  struct fg_files ex;
  fg_files_init (&ex);
  add (&ex, "etc/sysconfig/network", "NETWORKING=yes\nHOSTNAME=web01\n"
       "GATEWAY=198.51.100.1\n");
  add (&ex, "etc/sysconfig/network-scripts/ifcfg-eth0",
       "DEVICE=eth0\nBOOTPROTO=static\nIPADDR=198.51.100.23\n"
       "NETMASK=255.255.255.0\nONBOOT=yes\nETHTOOL_OPTS=\"-K eth0 tso off\"\n");
  add (&ex, "etc/sysconfig/network-scripts/ifcfg-eth0:9",
       "DEVICE=eth0:9\nIPADDR=198.51.100.99\nNETMASK=255.255.255.0\n");
  add (&ex, "etc/sysconfig/network-scripts/route-eth1",
       "ADDRESS0=10.176.0.0\nNETMASK0=255.248.0.0\nGATEWAY0=10.179.64.1\n");
  round_trip ("rhel-ifcfg", "redhat", &ex);
  fg_files_release (&ex);
}

static void
test_redhat_keeps_settings_and_drops_stale_aliases (void)
{
  struct fg_net_plan p;
  struct fg_net_render r;
  struct fg_files ex;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_net_out *o;

  fg_files_init (&ex);
  add (&ex, "etc/sysconfig/network-scripts/ifcfg-eth0",
       "DEVICE=eth0\nIPADDR=198.51.100.23\nETHTOOL_OPTS=\"-K eth0 tso off\"\n");
  add (&ex, "etc/sysconfig/network-scripts/ifcfg-eth0:9", "DEVICE=eth0:9\n");
  add (&ex, "etc/sysconfig/network", "NETWORKING=yes\nGATEWAY=1.2.3.4\n");
  make_plan (&p, FG_MODE_SELF_SERVICE, record);
  CHECK_INT (fg_net_render ("rhel-ifcfg", &p.net, &ex, &r, &e), 0);
  o = fg_net_render_find (&r, "etc/sysconfig/network-scripts/ifcfg-eth0");
  CHECK (o && o->text && strstr (o->text, "ETHTOOL_OPTS=\"-K eth0 tso off\""));
  CHECK (o && o->text && strstr (o->text, "IPADDR=198.51.100.24\n"));
  o = fg_net_render_find (&r, "etc/sysconfig/network-scripts/ifcfg-eth0:9");
  CHECK (o && o->text == NULL);
  o = fg_net_render_find (&r, "etc/sysconfig/network");
  CHECK (o && o->text && strstr (o->text, "GATEWAY=") == NULL);
  CHECK (o && o->text && strstr (o->text, "HOSTNAME=web02\n"));
  fg_net_render_release (&r);
  fg_net_plan_release (&p);
  fg_files_release (&ex);
}

static void
test_suse_round_trip (void)
{
  struct fg_files ex;
  fg_files_init (&ex);
  add (&ex, "etc/sysconfig/network/config",
       "NETCONFIG_DNS_POLICY=\"auto\"\nNETCONFIG_DNS_STATIC_SERVERS=\"\"\n");
  round_trip ("suse-ifcfg", "suse", &ex);
  fg_files_release (&ex);
}

static void
test_arch_round_trip (void)
{
  struct fg_files ex;
  fg_files_init (&ex);
  add (&ex, "etc/rc.conf",
       "LOCALE=\"en_US.UTF-8\"\nHOSTNAME=\"web01\"\n"
       "eth0=\"eth0 198.51.100.23 netmask 255.255.255.0 broadcast 198.51.100.255\"\n"
       "INTERFACES=(eth0)\ngateway=\"default gw 198.51.100.1\"\n"
       "ROUTES=(gateway\n  servicenet1)\n"
       "servicenet1=\"-net 10.176.0.0 netmask 255.248.0.0 gw 10.179.64.1\"\n"
       "DAEMONS=(syslog-ng network crond sshd)\n");
  round_trip ("arch-rc-conf", "arch", &ex);
  fg_files_release (&ex);
}

static void
test_arch_netcfg_round_trip (void)
{
  struct fg_files ex;
  fg_files_init (&ex);
  add (&ex, "etc/rc.conf", "HOSTNAME=\"web01\"\nNETWORKS=(eth0)\n"
       "DAEMONS=(syslog-ng net-profiles crond sshd)\n");
  add (&ex, "etc/network.d/eth0", "CONNECTION='ethernet'\nINTERFACE='eth0'\n"
       "IP='static'\nADDR='198.51.100.23'\nNETMASK='24'\n");
  round_trip ("arch-rc-conf", "arch", &ex);
  fg_files_release (&ex);
}

static void
test_gentoo_round_trip (void)
{
  struct fg_files ex;
  fg_files_init (&ex);
  round_trip ("gentoo-conf-d-net", "gentoo", &ex);
  add (&ex, "etc/conf.d/net", "config_eth0=( \"198.51.100.23/24\" )\n"
       "routes_eth0=( \"default via 198.51.100.1\" )\n");
  round_trip ("gentoo-conf-d-net", "gentoo", &ex);   /* baselayout-1 arrays */
  fg_files_release (&ex);
}

/* Issue 16: a route that cannot work is refused in the plan, never
 * written with "|| true" (which hides the failure at boot).  No family
 * guards a route, IPv4 or IPv6, or anything else, that way. */
static void
test_no_renderer_hides_a_failure (void)
{
  static const char *const renderers[][2] = {
    { "debian-interfaces", "etc/network/interfaces" },
    { "rhel-ifcfg", NULL }, { "suse-ifcfg", NULL }, { "arch-rc-conf", NULL },
    { "gentoo-conf-d-net", NULL },
  };
  struct fg_net_plan p;
  struct fg_net_iface *eth0;
  struct fg_net_route *v;

  make_plan (&p, FG_MODE_SELF_SERVICE, record);
  /* an IPv6 static route besides the IPv4 ones */
  eth0 = (struct fg_net_iface *) iface (&p.net, "eth0");
  CHECK (eth0 != NULL);
  if (eth0 && (v = realloc (eth0->routes, (eth0->nroutes + 1) * sizeof *v))) {
    eth0->routes = v;
    memset (&v[eth0->nroutes], 0, sizeof *v);
    v[eth0->nroutes].to = strdup ("2001:db8:9::/48");
    v[eth0->nroutes].via = strdup ("2001:db8:1::1");
    v[eth0->nroutes].metric = -1;
    eth0->nroutes++;
  }
  for (size_t k = 0; k < sizeof renderers / sizeof renderers[0]; k++) {
    struct fg_net_render r;
    struct fg_err e = FG_ERR_INIT;
    int routes = 0;
    CHECK_INT (fg_net_render (renderers[k][0], &p.net, NULL, &r, &e), 0);
    for (size_t i = 0; i < r.n; i++) {
      if (r.v[i].text == NULL)
        continue;
      if (strstr (r.v[i].text, "|| true") || strstr (r.v[i].text, "||true")) {
        printf ("#   %s: %s guards a command with || true:\n%s",
                renderers[k][0], r.v[i].path, r.v[i].text);
        tap_cur_failed = 1;
      }
      routes += strstr (r.v[i].text, "10.176.0.0") != NULL;
    }
    CHECK (routes > 0);
    if (renderers[k][1]) {
      const struct fg_net_out *o = fg_net_render_find (&r, renderers[k][1]);
      CHECK (o && o->text);
      if (o && o->text) {
        CHECK_CONTAINS (o->text, "    up ip route add 10.176.0.0/12 via 10.179.64.1 dev eth1\n");
        CHECK_CONTAINS (o->text, "    down ip route del 10.176.0.0/12 via 10.179.64.1 dev eth1\n");
        CHECK_CONTAINS (o->text, "    up ip -6 route add 2001:db8:9::/48 via 2001:db8:1::1 dev eth0\n");
      }
    }
    fg_net_render_release (&r);
  }
  fg_net_plan_release (&p);
}

static void
test_unknown_renderer (void)
{
  struct fg_net n;
  struct fg_net_render r;
  struct fg_err e = FG_ERR_INIT;

  memset (&n, 0, sizeof n);
  CHECK_INT (fg_net_render ("windows-registry", &n, NULL, &r, &e), -1);
  CHECK (strstr (e.msg, "windows-registry") != NULL);
  CHECK (!fg_net_renderer_known ("windows-registry"));
  CHECK (fg_net_renderer_known ("rhel-ifcfg"));
}

int
main (void)
{
  RUN (test_servicenet_routes_from_the_image);
  RUN (test_record_wins_and_conflicts_are_named);
  RUN (test_image_mode_keeps_the_files);
  RUN (test_bad_records_name_the_key);
  RUN (test_debian_round_trip);
  RUN (test_debian_long_hook_kept_whole);
  RUN (test_redhat_round_trip);
  RUN (test_redhat_keeps_settings_and_drops_stale_aliases);
  RUN (test_suse_round_trip);
  RUN (test_arch_round_trip);
  RUN (test_arch_netcfg_round_trip);
  RUN (test_gentoo_round_trip);
  RUN (test_no_renderer_hides_a_failure);
  RUN (test_unknown_renderer);
  return TAP_DONE ();
}
