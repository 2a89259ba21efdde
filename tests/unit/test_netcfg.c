/* tests/unit/test_netcfg.c --- the network configuration parsers
 *
 * Each test builds a small file set from C strings written the way the
 * era's tools wrote them (Rackspace's agent on Debian 6, RHEL 5
 * initscripts files in both route forms, SUSE, Arch rc.conf, Gentoo
 * conf.d/net in both generations), parses it and checks the model.
 * Then garbage: binary junk, 100 kB lines, unterminated quotes, source
 * loops: no crash, problems recorded, the good lines still parsed.
 * The internal helpers (route syntax, masks, words) are tested directly.
 */
#define FG_NETCFG_INTERNAL
#include "tests/unit/tap.h"
#include "net/netcfg.h"

#include <fnmatch.h>
#include <stdarg.h>

/* ---- helpers -------------------------------------------------------- */

static struct fg_files fs;
static struct fg_net net;

static void
reset (void)
{
  fg_net_release (&net);
  fg_files_release (&fs);
  fg_files_init (&fs);
}

static void
add (const char *path, const char *content)
{
  struct fg_err e = FG_ERR_INIT;
  if (fg_files_add (&fs, path, content, strlen (content), &e) < 0)
    printf ("# fg_files_add: %s\n", e.msg);
}

static void
add_bytes (const char *path, const void *data, size_t len)
{
  struct fg_err e = FG_ERR_INIT;
  if (fg_files_add (&fs, path, data, len, &e) < 0)
    printf ("# fg_files_add: %s\n", e.msg);
}

static int
parse (const char *family)
{
  struct fg_err e = FG_ERR_INIT;
  int r;

  fg_net_release (&net);
  r = fg_net_parse (&fs, family, &net, &e);
  if (r < 0)
    printf ("# fg_net_parse: %s\n", e.msg);
  return r;
}

static const struct fg_net_iface *
iface (const char *name)
{
  for (size_t k = 0; k < net.nifaces; k++)
    if (strcmp (net.ifaces[k].name, name) == 0)
      return &net.ifaces[k];
  printf ("#   no interface %s\n", name);
  return NULL;
}

/* V[0..N) equals the NULL-terminated list of arguments. */
static int
strv_is (char *const *v, size_t n, ...)
{
  va_list ap;
  size_t k = 0;
  const char *s;
  int ok = 1;

  va_start (ap, n);
  while ((s = va_arg (ap, const char *)) != NULL) {
    if (k >= n || strcmp (v[k], s) != 0) {
      printf ("#   [%zu]: got \"%s\", expected \"%s\"\n", k,
              k < n ? v[k] : "(end)", s);
      ok = 0;
    }
    k++;
  }
  va_end (ap);
  if (k != n) {
    printf ("#   %zu entries, expected %zu\n", n, k);
    ok = 0;
  }
  return ok;
}

static int
route_is (const struct fg_net_iface *i, size_t k, const char *to,
          const char *via, int metric, const char *dev)
{
  const struct fg_net_route *r;

  if (i == NULL || k >= i->nroutes) {
    printf ("#   no route %zu\n", k);
    return 0;
  }
  r = &i->routes[k];
  if (strcmp (r->to, to) || (!!r->via != !!via) || (via && strcmp (r->via, via))
      || r->metric != metric || (!!r->dev != !!dev)
      || (dev && strcmp (r->dev, dev))) {
    printf ("#   route %zu: got %s via %s metric %d dev %s\n", k, r->to,
            r->via ? r->via : "-", r->metric, r->dev ? r->dev : "-");
    return 0;
  }
  return 1;
}

/* Some problem line holds NEEDLE. */
static int
problem_has (const char *needle)
{
  for (size_t k = 0; k < net.nproblems; k++)
    if (strstr (net.problems[k], needle))
      return 1;
  printf ("#   no problem line holds \"%s\"; %zu lines:\n", needle,
          net.nproblems);
  for (size_t k = 0; k < net.nproblems && k < 10; k++)
    printf ("#     %s\n", net.problems[k]);
  return 0;
}

static void
show_problems (void)
{
  for (size_t k = 0; k < net.nproblems; k++)
    printf ("#   problem: %s\n", net.problems[k]);
}

static int
json_encodes (void)
{
  json_t *j = fg_net_json (&net);
  char *s = j ? json_dumps (j, JSON_COMPACT) : NULL;
  int ok = s != NULL;

  free (s);
  json_decref (j);
  return ok;
}

/* ---- Debian --------------------------------------------------------- */

/* As the Rackspace agent wrote it on a Debian 6 first-gen server. */
static const char deb6_interfaces[] =
  "# Used by ifup(8) and ifdown(8). See the interfaces(5) manpage or\n"
  "# /usr/share/doc/ifupdown/examples for more information.\n"
  "# The loopback network interface\n"
  "auto lo\n"
  "iface lo inet loopback\n"
  "\n"
  "# Label public\n"
  "auto eth0\n"
  "iface eth0 inet static\n"
  "    address 50.56.10.20\n"
  "    netmask 255.255.255.0\n"
  "    gateway 50.56.10.1\n"
  "    dns-nameservers 173.203.4.9 173.203.4.8 # resolvers\n"
  "\n"
  "# Label private\n"
  "auto eth1\n"
  "iface eth1 inet static\n"
  "    address 10.182.3.4\n"
  "    netmask 255.255.224.0\n"
  "up route add -net 10.176.0.0 netmask 255.248.0.0 gw 10.182.0.1\n"
  "down route del -net 10.176.0.0 netmask 255.248.0.0 gw 10.182.0.1\n"
  "up route add -net 10.191.192.0 netmask 255.255.192.0 gw 10.182.0.1\n"
  "down route del -net 10.191.192.0 netmask 255.255.192.0 gw 10.182.0.1\n";

static void
test_debian6_rackspace_agent (void)
{
  const struct fg_net_iface *e0, *e1;

  reset ();
  add ("etc/network/interfaces", deb6_interfaces);
  add ("etc/resolv.conf", "nameserver 173.203.4.9\nnameserver 173.203.4.8\n");
  add ("etc/hostname", "web01\n");
  CHECK_INT (parse (NULL), 0);
  CHECK_STR (net.family, "debian");
  CHECK_INT (net.nifaces, 2);
  CHECK ((e0 = iface ("eth0")) != NULL);
  CHECK ((e1 = iface ("eth1")) != NULL);
  if (e0 == NULL || e1 == NULL)
    return;
  CHECK (strv_is (e0->ipv4, e0->nipv4, "50.56.10.20/24", NULL));
  CHECK_STR (e0->gateway, "50.56.10.1");
  CHECK (e0->mac == NULL);
  CHECK_INT (e0->nroutes, 0);
  CHECK (strv_is (e1->ipv4, e1->nipv4, "10.182.3.4/19", NULL));
  CHECK (e1->gateway == NULL);
  CHECK_INT (e1->nroutes, 2);
  CHECK (route_is (e1, 0, "10.176.0.0/13", "10.182.0.1", -1, NULL));
  CHECK (route_is (e1, 1, "10.191.192.0/18", "10.182.0.1", -1, NULL));
  CHECK (strv_is (net.resolvers, net.nresolvers, "173.203.4.9",
                  "173.203.4.8", NULL));
  CHECK_STR (net.hostname, "web01");
  CHECK_INT (net.nproblems, 0);
  show_problems ();
}

/* Ubuntu 12.04 style: source globs, inet6, ip(8) commands, aliases,
 * teardown hooks that must not count, tabs, a continuation line. */
static void
test_debian_source_inet6_commands (void)
{
  const struct fg_net_iface *e0, *e1;

  reset ();
  add ("etc/network/interfaces",
       "source /etc/network/interfaces.d/*.cfg\n"
       "source-directory parts\n"
       "auto lo\n"
       "iface lo inet loopback\n"
       "\tdns-nameservers 2001:4860:4860::8888\n");
  add ("etc/network/interfaces.d/eth0.cfg",
       "allow-hotplug eth0\n"
       "iface eth0 inet static\n"
       "\taddress 198.51.100.5/24\n"
       "\tpost-up ip addr add 198.51.100.6/24 dev eth0 label eth0:1\n"
       "\tbroadcast 198.51.100.255\n"
       "\tnetwork 198.51.100.0\n"
       "iface eth0 inet6 static\n"
       "\taddress 2001:DB8:0:0::5\n"
       "\tnetmask 64\n"
       "\tpost-up route add -A inet6 default gw 2001:db8::1 || true\n"
       "\tpre-down route del -A inet6 default gw 2001:db8::1 || true\n"
       "\thwaddress ether BC:76:4E:00:00:05\n"
       "\tmtu 1500\n");
  add ("etc/network/interfaces.d/skip.txt", "iface eth9 inet dhcp\n");
  add ("etc/network/parts/eth1",
       "iface eth1 inet static\n"
       "    address 10.180.7.8\n"
       "    netmask 255.255.224.0\n"
       "    post-up ip route add 10.176.0.0/12 via 10.180.0.1 \\\n"
       "        metric 10 >/dev/null 2>&1\n"
       "    post-up /sbin/ip route add 10.208.0.0/12 via 10.180.0.1 dev eth1\n"
       "    post-down route add -net 10.208.0.0 netmask 255.240.0.0 gw 10.180.0.1\n"
       "    up route add default gw 10.180.0.1 dev eth0\n");
  CHECK_INT (parse ("ubuntu"), 0);
  CHECK_STR (net.family, "debian");
  CHECK_INT (net.nifaces, 2);
  if ((e0 = iface ("eth0")) == NULL || (e1 = iface ("eth1")) == NULL)
    return;
  CHECK (strv_is (e0->ipv4, e0->nipv4, "198.51.100.5/24", "198.51.100.6/24",
                  NULL));
  CHECK (strv_is (e0->ipv6, e0->nipv6, "2001:db8::5/64", NULL));
  CHECK_STR (e0->gateway6, "2001:db8::1");
  CHECK_STR (e0->mac, "bc:76:4e:00:00:05");
  CHECK_INT (e0->mtu, 1500);
  CHECK_INT (e0->naliases, 1);
  if (e0->naliases == 1) {
    CHECK_STR (e0->aliases[0].name, "eth0:1");
    CHECK (strv_is (e0->aliases[0].addrs, e0->aliases[0].naddrs,
                    "198.51.100.6/24", NULL));
  }
  /* "dev eth0" on a default route in eth1's stanza: eth0's gateway */
  CHECK_STR (e0->gateway, "10.180.0.1");
  CHECK (e1->gateway == NULL);
  CHECK (strv_is (e1->ipv4, e1->nipv4, "10.180.7.8/19", NULL));
  CHECK_INT (e1->nroutes, 2);
  CHECK (route_is (e1, 0, "10.176.0.0/12", "10.180.0.1", 10, NULL));
  CHECK (route_is (e1, 1, "10.208.0.0/12", "10.180.0.1", -1, NULL));
  CHECK (strv_is (net.resolvers, net.nresolvers, "2001:4860:4860::8888", NULL));
  CHECK (net.hostname == NULL);
  CHECK_INT (net.nproblems, 0);
  show_problems ();
}

/* Files that include each other, or themselves, are read once. */
static void
test_debian_source_loops (void)
{
  struct fg_err e = FG_ERR_INIT;

  reset ();
  add ("etc/network/interfaces",
       "source interfaces\n"                    /* itself */
       "source /etc/network/a\n"
       "source /etc/network/*\n"                /* a, b and itself */
       "source /etc/network/missing\n"
       "auto eth0\n"
       "iface eth0 inet dhcp\n");
  add ("etc/network/a", "source b\niface eth1 inet static\n address 10.1.1.1/8\n");
  add ("etc/network/b", "source a\nsource ../network/./interfaces\n"
       "iface eth2 inet manual\n");
  fg_files_add_symlink (&fs, "etc/network/c", "interfaces", &e);
  fg_files_add_symlink (&fs, "etc/network/d", "d", &e);     /* a loop */
  CHECK_INT (parse ("debian"), 0);
  CHECK_INT (net.nifaces, 3);
  CHECK (iface ("eth0") && iface ("eth0")->dhcp4);
  CHECK (iface ("eth1") && iface ("eth1")->nipv4 == 1);
  CHECK (problem_has ("already read"));
  CHECK (problem_has ("sourced file is not in the image: 'etc/network/missing'"));
  CHECK (json_encodes ());
}

/* ---- Red Hat -------------------------------------------------------- */

static void
test_redhat5_address_n_routes (void)
{
  const struct fg_net_iface *e0, *e1;

  reset ();
  add ("etc/sysconfig/network",
       "NETWORKING=yes\nNETWORKING_IPV6=no\nHOSTNAME=db01.example.com\n");
  add ("etc/sysconfig/network-scripts/ifcfg-lo",
       "DEVICE=lo\nIPADDR=127.0.0.1\nNETMASK=255.0.0.0\nONBOOT=yes\n");
  add ("etc/sysconfig/network-scripts/ifcfg-eth0",
       "# Automatically generated, do not edit\n"
       "\n"
       "# Label public\n"
       "DEVICE=eth0\n"
       "BOOTPROTO=static\n"
       "HWADDR=40:40:1A:2B:3C:4D\n"
       "IPADDR=184.106.5.6\n"
       "NETMASK=255.255.255.0\n"
       "DEFROUTE=yes\n"
       "GATEWAY=184.106.5.1\n"
       "DNS1=173.203.4.9\n"
       "DNS2=173.203.4.8\n"
       "ONBOOT=yes\n"
       "NM_CONTROLLED=no\n");
  add ("etc/sysconfig/network-scripts/ifcfg-eth1",
       "DEVICE=\"eth1\"\n"
       "BOOTPROTO='static'\n"
       "HWADDR=40:40:1a:2b:3c:4e\n"
       "IPADDR=10.179.8.9   # ServiceNet\n"
       "NETMASK=255.255.224.0\n"
       "ONBOOT=yes\n");
  add ("etc/sysconfig/network-scripts/ifcfg-eth1.bak", "IPADDR=1.1.1.1\n");
  add ("etc/sysconfig/network-scripts/route-eth1",
       "ADDRESS0=10.176.0.0\n"
       "NETMASK0=255.248.0.0\n"
       "GATEWAY0=10.179.0.1\n"
       "ADDRESS1=10.191.192.0\n"
       "NETMASK1=255.255.192.0\n"
       "GATEWAY1=10.179.0.1\n");
  CHECK_INT (parse (NULL), 0);
  CHECK_STR (net.family, "redhat");
  CHECK_INT (net.nifaces, 2);
  if ((e0 = iface ("eth0")) == NULL || (e1 = iface ("eth1")) == NULL)
    return;
  CHECK_STR (e0->mac, "40:40:1a:2b:3c:4d");
  CHECK (strv_is (e0->ipv4, e0->nipv4, "184.106.5.6/24", NULL));
  CHECK_STR (e0->gateway, "184.106.5.1");
  CHECK (!e0->dhcp4);
  CHECK_STR (e1->mac, "40:40:1a:2b:3c:4e");
  CHECK (strv_is (e1->ipv4, e1->nipv4, "10.179.8.9/19", NULL));
  CHECK (route_is (e1, 0, "10.176.0.0/13", "10.179.0.1", -1, NULL));
  CHECK (route_is (e1, 1, "10.191.192.0/18", "10.179.0.1", -1, NULL));
  CHECK_INT (e1->nroutes, 2);
  CHECK (strv_is (net.resolvers, net.nresolvers, "173.203.4.9",
                  "173.203.4.8", NULL));
  CHECK_STR (net.hostname, "db01.example.com");
  CHECK_INT (net.nproblems, 0);
  show_problems ();
}

/* route-eth1 as "ip route" lines, the default route in it too. */
static void
test_redhat5_ip_route_form (void)
{
  const struct fg_net_iface *e1;

  reset ();
  add ("etc/sysconfig/network-scripts/ifcfg-eth1",
       "DEVICE=eth1\nIPADDR=10.179.8.9\nPREFIX=19\n");
  add ("etc/sysconfig/network-scripts/route-eth1",
       "# ServiceNet\n"
       "10.176.0.0/12 via 10.179.0.1 dev eth1\n"
       "  10.208.0.0/12 via 10.179.0.1 metric 5\n"
       "\tvia 10.179.0.1 to 10.191.192.0/18\n"
       "172.16.0.0/255.240.0.0 via 10.179.0.1 dev eth2\n"
       "default via 10.179.0.1\n"
       "192.0.2.0/24 dev eth1 scope link\n"
       "10.0.0.0/8 via not-an-address\n");
  add ("etc/sysconfig/network-scripts/route6-eth1",
       "2001:db8:100::/48 via 2001:DB8::1 metric 2\n");
  CHECK_INT (parse ("centos"), 0);
  if ((e1 = iface ("eth1")) == NULL)
    return;
  CHECK_STR (e1->gateway, "10.179.0.1");
  CHECK_INT (e1->nroutes, 6);
  CHECK (route_is (e1, 0, "10.176.0.0/12", "10.179.0.1", -1, NULL));
  CHECK (route_is (e1, 1, "10.208.0.0/12", "10.179.0.1", 5, NULL));
  CHECK (route_is (e1, 2, "10.191.192.0/18", "10.179.0.1", -1, NULL));
  CHECK (route_is (e1, 3, "172.16.0.0/12", "10.179.0.1", -1, "eth2"));
  CHECK (route_is (e1, 4, "192.0.2.0/24", NULL, -1, NULL));
  CHECK (route_is (e1, 5, "2001:db8:100::/48", "2001:db8::1", 2, NULL));
  CHECK (problem_has ("route-eth1:8: not a gateway address '10.0.0.0/8 via "
                      "not-an-address'"));
}

/* Alias file, IPv6 keys, numbered addresses, global gateway, no mask. */
static void
test_redhat6_alias_ipv6_global_gateway (void)
{
  const struct fg_net_iface *e0, *e1;

  reset ();
  add ("etc/sysconfig/network",
       "NETWORKING=yes\nHOSTNAME=app01\nGATEWAY=10.0.0.1\n"
       "IPV6_DEFAULTGW=fe80::1%eth0\n");
  add ("etc/sysconfig/network-scripts/ifcfg-eth0",
       "DEVICE=eth0\nBOOTPROTO=none\n"
       "IPADDR=203.0.113.4\nPREFIX=24\n"
       "IPADDR2=203.0.113.6\nNETMASK2=255.255.255.0\n"
       "IPADDR1=203.0.113.5\nPREFIX1=24\n"
       "IPV6INIT=yes\nIPV6ADDR=2001:DB8::4\n"
       "IPV6ADDR_SECONDARIES=\"2001:db8::5/64 2001:db8::6/80\"\n"
       "MTU=1400\n");
  add ("etc/sysconfig/network-scripts/ifcfg-eth0:1",
       "DEVICE=eth0:1\nIPADDR=203.0.113.9\nNETMASK=255.255.255.0\n");
  add ("etc/sysconfig/network-scripts/ifcfg-eth1",
       "DEVICE=eth1\nIPADDR=10.1.2.3\nDNS1=10.0.0.53\n");
  CHECK_INT (parse ("redhat"), 0);
  if ((e0 = iface ("eth0")) == NULL || (e1 = iface ("eth1")) == NULL)
    return;
  /* IPADDR, then IPADDR1, IPADDR2 (numeric order), then the alias */
  CHECK (strv_is (e0->ipv4, e0->nipv4, "203.0.113.4/24", "203.0.113.5/24",
                  "203.0.113.6/24", "203.0.113.9/24", NULL));
  CHECK (strv_is (e0->ipv6, e0->nipv6, "2001:db8::4/64", "2001:db8::5/64",
                  "2001:db8::6/80", NULL));
  CHECK_INT (e0->naliases, 1);
  CHECK_STR (e0->gateway6, "fe80::1");
  CHECK (e0->gateway == NULL);          /* 10.0.0.1 is eth1's subnet */
  CHECK_INT (e0->mtu, 1400);
  CHECK (strv_is (e1->ipv4, e1->nipv4, "10.1.2.3/8", NULL));
  CHECK_STR (e1->gateway, "10.0.0.1");
  CHECK (problem_has ("ifcfg-eth1:2: no netmask for 10.1.2.3: classful /8"));
  CHECK (strv_is (net.resolvers, net.nresolvers, "10.0.0.53", NULL));
  CHECK_STR (net.hostname, "app01");
}

/* ---- SUSE ----------------------------------------------------------- */

static void
test_suse (void)
{
  const struct fg_net_iface *e0, *e1;

  reset ();
  add ("etc/HOSTNAME", "linux-web.site\n");
  add ("etc/sysconfig/network/config",
       "## Type: string\n"
       "NETCONFIG_DNS_POLICY=\"auto\"\n"
       "NETCONFIG_DNS_STATIC_SERVERS=\"173.203.4.9 173.203.4.8\"\n");
  add ("etc/sysconfig/network/ifcfg-lo",
       "IPADDR=127.0.0.1\nNETMASK=255.0.0.0\nSTARTMODE=nfsroot\n");
  add ("etc/sysconfig/network/ifcfg-eth0",
       "BOOTPROTO='static'\n"
       "IPADDR='67.23.1.2/24'\n"
       "IPADDR_1='67.23.1.3'\n"
       "NETMASK_1='255.255.255.0'\n"
       "LABEL_1='pub1'\n"
       "IPADDR_0='2001:4800:780e:510:a8cf:1f34:ff04:b7a4'\n"
       "PREFIXLEN_0='64'\n"
       "STARTMODE='auto'\n"
       "USERCONTROL='no'\n");
  add ("etc/sysconfig/network/ifcfg-eth1",
       "BOOTPROTO='static'\nIPADDR='10.177.1.2'\nNETMASK='255.255.224.0'\n"
       "STARTMODE='onboot'\n");
  add ("etc/sysconfig/network/ifcfg-eth2", "BOOTPROTO='dhcp4'\n");
  add ("etc/sysconfig/network/ifroute-eth0",
       "default 67.23.1.1 - -\n"
       "default fe80::def - eth0\n");
  add ("etc/sysconfig/network/ifroute-eth1",
       "# ServiceNet\n"
       "10.176.0.0 10.177.0.1 255.248.0.0 eth1\n"
       "10.191.192.0/18 10.177.0.1 - -\n");
  add ("etc/sysconfig/network/routes",
       "10.208.0.0 10.177.0.1 255.240.0.0 - metric 7\n"
       "192.168.0.0/16 172.16.0.1 - -\n");
  CHECK_INT (parse (NULL), 0);
  CHECK_STR (net.family, "suse");
  CHECK_INT (net.nifaces, 3);
  if ((e0 = iface ("eth0")) == NULL || (e1 = iface ("eth1")) == NULL)
    return;
  CHECK (strv_is (e0->ipv4, e0->nipv4, "67.23.1.2/24", "67.23.1.3/24", NULL));
  CHECK (strv_is (e0->ipv6, e0->nipv6,
                  "2001:4800:780e:510:a8cf:1f34:ff04:b7a4/64", NULL));
  CHECK_INT (e0->naliases, 1);
  if (e0->naliases)
    CHECK_STR (e0->aliases[0].name, "eth0:pub1");
  CHECK_STR (e0->gateway, "67.23.1.1");
  CHECK_STR (e0->gateway6, "fe80::def");
  CHECK (strv_is (e1->ipv4, e1->nipv4, "10.177.1.2/19", NULL));
  CHECK_INT (e1->nroutes, 3);
  CHECK (route_is (e1, 0, "10.176.0.0/13", "10.177.0.1", -1, NULL));
  CHECK (route_is (e1, 1, "10.191.192.0/18", "10.177.0.1", -1, NULL));
  CHECK (route_is (e1, 2, "10.208.0.0/12", "10.177.0.1", 7, NULL));
  CHECK (iface ("eth2") && iface ("eth2")->dhcp4);
  CHECK (problem_has ("routes:2: route to 192.168.0.0/16 via 172.16.0.1 is "
                      "on no configured interface's subnet"));
  CHECK (strv_is (net.resolvers, net.nresolvers, "173.203.4.9",
                  "173.203.4.8", NULL));
  CHECK_STR (net.hostname, "linux-web.site");
}

/* ---- Arch ----------------------------------------------------------- */

static void
test_arch_rc_conf (void)
{
  const struct fg_net_iface *e0, *e1;

  reset ();
  add ("etc/rc.conf",
       "LOCALE=\"en_US.UTF-8\"\n"
       "MODULES=(!pcspkr xen-netfront)\n"
       "HOSTNAME=\"arch01\"\n"
       "# DHCP:     Set your interface to \"dhcp\" (eth0=\"dhcp\")\n"
       "#eth0=\"eth0 192.168.0.2 netmask 255.255.255.0 broadcast 192.168.0.255\"\n"
       "eth0=\"eth0 69.10.2.3 netmask 255.255.255.0 broadcast 69.10.2.255\"\n"
       "eth1=\"eth1 10.181.4.5 netmask 255.255.224.0\"\n"
       "eth2=\"dhcp\"\n"
       "INTERFACES=(eth0 eth1 !eth2)\n"
       "gateway=\"default gw 69.10.2.1\"\n"
       "eth1_route0=\"-net 10.176.0.0 netmask 255.248.0.0 gw 10.181.0.1\"\n"
       "eth1_route1=\"-net 10.191.192.0 netmask 255.255.192.0 gw 10.181.0.1\"\n"
       "stray=\"-net 172.16.0.0 netmask 255.240.0.0 gw 172.31.0.1\"\n"
       "ROUTES=(gateway eth1_route0 eth1_route1 !stray)\n"
       "DAEMONS=(syslog-ng network netfs crond sshd)\n");
  add ("etc/resolv.conf", "# Automatically generated\nnameserver 173.203.4.9\n");
  CHECK_INT (parse (NULL), 0);
  CHECK_STR (net.family, "arch");
  CHECK_INT (net.nifaces, 2);
  if ((e0 = iface ("eth0")) == NULL || (e1 = iface ("eth1")) == NULL)
    return;
  CHECK (strv_is (e0->ipv4, e0->nipv4, "69.10.2.3/24", NULL));
  CHECK_STR (e0->gateway, "69.10.2.1");
  CHECK (strv_is (e1->ipv4, e1->nipv4, "10.181.4.5/19", NULL));
  CHECK_INT (e1->nroutes, 2);
  CHECK (route_is (e1, 0, "10.176.0.0/13", "10.181.0.1", -1, NULL));
  CHECK (route_is (e1, 1, "10.191.192.0/18", "10.181.0.1", -1, NULL));
  CHECK_STR (net.hostname, "arch01");
  CHECK (strv_is (net.resolvers, net.nresolvers, "173.203.4.9", NULL));
  CHECK_INT (net.nproblems, 0);
  show_problems ();
}

static void
test_arch_netcfg_and_netctl (void)
{
  const struct fg_net_iface *e0, *e1;

  reset ();
  add ("etc/rc.conf", "HOSTNAME=\"arch02\"\ninterface=\naddress=\n"
       "NETWORKS=(eth0 @eth1)\n");
  add ("etc/network.d/eth0",
       "CONNECTION=\"ethernet\"\nINTERFACE=eth0\nIP=\"static\"\n"
       "ADDR=\"69.10.2.30\"\nNETMASK=\"24\"\nGATEWAY=\"69.10.2.1\"\n"
       "IP6=\"static\"\nADDR6=\"2001:db8::30/64\"\nGATEWAY6=\"fe80::def\"\n"
       "DNS=(173.203.4.9 173.203.4.8)\n");
  add ("etc/network.d/eth1",
       "INTERFACE=eth1\nIP=\"static\"\nADDR=\"10.181.4.50\"\n"
       "NETMASK=\"255.255.224.0\"\n"
       "ROUTES=(\"10.176.0.0/255.240.0.0 via 10.181.0.1\" "
       "\"10.208.0.0/12 via 10.181.0.1\")\n");
  add ("etc/network.d/wlan-home", "INTERFACE=wlan0\nIP=dhcp\n");
  add ("etc/netctl/eth2",
       "Interface=eth2\nConnection=ethernet\nIP=static\n"
       "Address=('192.168.7.2/24' '192.168.7.3/24')\n"
       "Routes=('192.168.8.0/24 via 192.168.7.1')\n");
  CHECK_INT (parse ("arch"), 0);
  CHECK_INT (net.nifaces, 3);
  if ((e0 = iface ("eth0")) == NULL || (e1 = iface ("eth1")) == NULL)
    return;
  CHECK (strv_is (e0->ipv4, e0->nipv4, "69.10.2.30/24", NULL));
  CHECK (strv_is (e0->ipv6, e0->nipv6, "2001:db8::30/64", NULL));
  CHECK_STR (e0->gateway, "69.10.2.1");
  CHECK_STR (e0->gateway6, "fe80::def");
  CHECK (route_is (e1, 0, "10.176.0.0/12", "10.181.0.1", -1, NULL));
  CHECK (route_is (e1, 1, "10.208.0.0/12", "10.181.0.1", -1, NULL));
  CHECK (iface ("eth2") && iface ("eth2")->nipv4 == 2);
  CHECK (problem_has ("profile not in NETWORKS, not read: 'wlan-home'"));
  CHECK (strv_is (net.resolvers, net.nresolvers, "173.203.4.9",
                  "173.203.4.8", NULL));
  CHECK_STR (net.hostname, "arch02");
}

/* ---- Gentoo --------------------------------------------------------- */

static void
test_gentoo_baselayout1 (void)
{
  const struct fg_net_iface *e0, *e1;

  reset ();
  add ("etc/conf.d/net",
       "# Automatically generated, do not edit\n"
       "modules=( \"ifconfig\" )\n"
       "\n"
       "# Label public\n"
       "config_eth0=(\n"
       "    \"64.49.1.2 netmask 255.255.255.0\"\n"
       "    \"64.49.1.3 netmask 255.255.255.0\"\n"
       ")\n"
       "routes_eth0=(\n"
       "    \"default via 64.49.1.1\"\n"
       ")\n"
       "# Label private\n"
       "config_eth1=( \"10.178.2.3 netmask 255.255.224.0\" )\n"
       "routes_eth1=(\n"
       "    \"10.176.0.0 netmask 255.248.0.0 gw 10.178.0.1\"\n"
       "    \"-net 10.191.192.0 netmask 255.255.192.0 gw 10.178.0.1\"\n"
       ")\n"
       "dns_servers_eth0=( \"173.203.4.9\" \"173.203.4.8\" )\n"
       "config_eth2=( \"dhcp\" )\n");
  add ("etc/conf.d/hostname", "# Hostname fallback\nHOSTNAME=\"gentoo01\"\n");
  CHECK_INT (parse (NULL), 0);
  CHECK_STR (net.family, "gentoo");
  CHECK_INT (net.nifaces, 3);
  if ((e0 = iface ("eth0")) == NULL || (e1 = iface ("eth1")) == NULL)
    return;
  CHECK (strv_is (e0->ipv4, e0->nipv4, "64.49.1.2/24", "64.49.1.3/24", NULL));
  CHECK_STR (e0->gateway, "64.49.1.1");
  CHECK (strv_is (e1->ipv4, e1->nipv4, "10.178.2.3/19", NULL));
  CHECK (route_is (e1, 0, "10.176.0.0/13", "10.178.0.1", -1, NULL));
  CHECK (route_is (e1, 1, "10.191.192.0/18", "10.178.0.1", -1, NULL));
  CHECK (iface ("eth2") && iface ("eth2")->dhcp4);
  CHECK (strv_is (net.resolvers, net.nresolvers, "173.203.4.9",
                  "173.203.4.8", NULL));
  CHECK_STR (net.hostname, "gentoo01");
  CHECK_INT (net.nproblems, 0);
  show_problems ();
}

static void
test_gentoo_openrc (void)
{
  const struct fg_net_iface *e0;

  reset ();
  add ("etc/conf.d/net",
       "modules=\"iproute2\"\n"
       "config_eth0=\"\n"
       "  64.49.1.20/24\n"
       "  64.49.1.21 netmask 255.255.255.0 brd +\n"
       "  2001:DB8::20/64\n"
       "\"\n"
       "routes_eth0=\"default via 64.49.1.1\n"
       "default via fe80::def\n"
       "192.0.2.0/24 via 64.49.1.254 metric 9\"\n"
       "routes_eth1=\"\n\"\n"
       "dns_servers_eth0=\"173.203.4.9\n173.203.4.8\"\n"
       "mtu_eth0=\"1400\"\n"
       "postup() {\n"
       "  if [ \"${IFACE}\" = eth0 ]; then\n"
       "    true\n"
       "  fi\n"
       "}\n");
  add ("etc/conf.d/hostname", "hostname=\"gentoo02\"");
  CHECK_INT (parse ("gentoo"), 0);
  if ((e0 = iface ("eth0")) == NULL)
    return;
  CHECK (strv_is (e0->ipv4, e0->nipv4, "64.49.1.20/24", "64.49.1.21/24", NULL));
  CHECK (strv_is (e0->ipv6, e0->nipv6, "2001:db8::20/64", NULL));
  CHECK_STR (e0->gateway, "64.49.1.1");
  CHECK_STR (e0->gateway6, "fe80::def");
  CHECK (route_is (e0, 0, "192.0.2.0/24", "64.49.1.254", 9, NULL));
  CHECK_INT (e0->mtu, 1400);
  CHECK (iface ("eth1") != NULL);
  CHECK_STR (net.hostname, "gentoo02");
  CHECK (problem_has ("net:15: shell function 'postup' ignored"));
  CHECK_INT (net.nproblems, 1);
}

/* ---- across families ------------------------------------------------ */

static void
test_udev_pins_mac (void)
{
  reset ();
  add ("etc/network/interfaces",
       "auto eth0\niface eth0 inet dhcp\nauto eth1\niface eth1 inet dhcp\n");
  add ("etc/udev/rules.d/70-persistent-net.rules",
       "# This file was automatically generated by the /lib/udev/write_net_rules\n"
       "# PCI device 0x10ec:0x8139 (8139too)\n"
       "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", "
       "ATTR{address}==\"40:40:AB:CD:EF:01\", ATTR{type}==\"1\", "
       "KERNEL==\"eth*\", NAME=\"eth0\"\n"
       "SUBSYSTEM==\"net\", DRIVERS==\"?*\", ATTRS{address}==\"40:40:ab:cd:ef:02\","
       " NAME:=\"eth1\"\n"
       "SUBSYSTEM==\"net\", ATTR{address}==\"40:40:ab:cd:ef:03\", NAME=\"eth7\"\n"
       "garbage line\n");
  CHECK_INT (parse (NULL), 0);
  CHECK (iface ("eth0") && iface ("eth0")->mac
         && !strcmp (iface ("eth0")->mac, "40:40:ab:cd:ef:01"));
  CHECK (iface ("eth1") && iface ("eth1")->mac
         && !strcmp (iface ("eth1")->mac, "40:40:ab:cd:ef:02"));
  CHECK_INT (net.nifaces, 2);           /* udev alone adds no interface */
  CHECK (problem_has ("70-persistent-net.rules:6: rule without a MAC"));

  /* Red Hat: a config with only HWADDR gets udev's name for it */
  reset ();
  add ("etc/sysconfig/network-scripts/ifcfg-Wired_connection_1",
       "HWADDR=40:40:AB:CD:EF:02\nBOOTPROTO=dhcp\n");
  add ("etc/udev/rules.d/70-persistent-net.rules",
       "SUBSYSTEM==\"net\", ATTR{address}==\"40:40:ab:cd:ef:02\", NAME=\"eth1\"\n");
  CHECK_INT (parse (NULL), 0);
  CHECK_INT (net.nifaces, 1);
  CHECK (iface ("eth1") && iface ("eth1")->dhcp4);
}

static void
test_detect_and_unknown_family (void)
{
  struct fg_err e = FG_ERR_INIT;

  reset ();
  CHECK_INT (parse (NULL), 0);
  CHECK (net.family == NULL);
  CHECK_INT (net.nifaces, 0);
  CHECK (problem_has ("no network configuration of a known family"));
  CHECK (json_encodes ());

  add ("etc/rc.conf", "HOSTNAME=x\n");
  add ("etc/conf.d/net", "config_eth0=\"dhcp\"\n");   /* OpenRC has rc.conf */
  CHECK_INT (parse (NULL), 0);
  CHECK_STR (net.family, "gentoo");

  fg_net_release (&net);
  CHECK_INT (fg_net_parse (&fs, "plan9", &net, &e), -1);
  CHECK_CONTAINS (e.msg, "unknown network family 'plan9'");
  CHECK_INT (net.nifaces, 0);
  fg_net_release (&net);
  fg_net_release (&net);
}

static void
test_json_shape (void)
{
  json_t *j, *i0, *r0, *r1;

  reset ();
  add ("etc/sysconfig/network-scripts/ifcfg-eth0",
       "DEVICE=eth0\nIPADDR=192.0.2.2\nPREFIX=24\nMTU=9000\n");
  add ("etc/sysconfig/network-scripts/route-eth0",
       "198.51.100.0/24 via 192.0.2.1\n203.0.113.0/24 via 192.0.2.1 metric 3 dev eth9\n");
  CHECK_INT (parse (NULL), 0);
  j = fg_net_json (&net);
  CHECK (j != NULL);
  if (j == NULL)
    return;
  CHECK (json_object_get (j, "problems") == NULL);
  CHECK (json_is_null (json_object_get (j, "hostname")));
  CHECK_INT (json_array_size (json_object_get (j, "resolvers")), 0);
  i0 = json_array_get (json_object_get (j, "interfaces"), 0);
  CHECK_STR (json_string_value (json_object_get (i0, "name")), "eth0");
  CHECK (json_is_null (json_object_get (i0, "mac")));
  CHECK (json_is_false (json_object_get (i0, "dhcp4")));
  CHECK (json_is_null (json_object_get (i0, "gateway6")));
  CHECK_INT (json_integer_value (json_object_get (i0, "mtu")), 9000);
  CHECK (json_object_get (i0, "aliases") == NULL);
  r0 = json_array_get (json_object_get (i0, "routes"), 0);
  r1 = json_array_get (json_object_get (i0, "routes"), 1);
  CHECK_INT (json_object_size (r0), 2);                 /* to, via */
  CHECK (json_object_get (r0, "metric") == NULL);
  CHECK_INT (json_integer_value (json_object_get (r1, "metric")), 3);
  CHECK_STR (json_string_value (json_object_get (r1, "dev")), "eth9");
  json_decref (j);
}

/* Inspection keeps what fg_net_file_patterns names: every file a
 * parser opens by name must match one. */
static void
test_file_patterns (void)
{
  static const char *const read[] = {
    "etc/resolv.conf", "etc/hostname", "etc/HOSTNAME",
    "etc/udev/rules.d/70-persistent-net.rules", "etc/network/interfaces",
    "etc/network/interfaces.d/50-cloud-init.cfg", "etc/sysconfig/network",
    "etc/sysconfig/network-scripts/ifcfg-eth0:1",
    "etc/sysconfig/network-scripts/route-eth1",
    "etc/sysconfig/network-scripts/route6-eth1",
    "etc/sysconfig/network/ifcfg-eth0", "etc/sysconfig/network/ifroute-eth0",
    "etc/sysconfig/network/routes", "etc/sysconfig/network/config",
    "etc/rc.conf", "etc/conf.d/netcfg", "etc/network.d/eth0",
    "etc/netctl/eth0", "etc/conf.d/net", "etc/conf.d/hostname",
  };
  for (size_t k = 0; k < sizeof read / sizeof read[0]; k++) {
    int hit = 0;
    for (const char *const *p = fg_net_file_patterns; *p; p++)
      hit |= fnmatch (*p, read[k], FNM_PATHNAME) == 0;
    if (!hit)
      printf ("#   %s matches no pattern\n", read[k]);
    CHECK (hit);
  }
}

/* ---- internals ------------------------------------------------------ */

static void
test_route_syntax (void)
{
  static const struct {
    const char *words, *to, *via, *dev;
    int ret, is_default, metric;
  } cases[] = {
    { "-net 10.176.0.0 netmask 255.248.0.0 gw 10.1.0.1", "10.176.0.0/13", "10.1.0.1", NULL, 1, 0, -1 },
    { "add -net 10.0.0.0 gw 10.1.0.1", "10.0.0.0/8", "10.1.0.1", NULL, 1, 0, -1 },
    { "-host 10.2.3.4 gw 10.1.0.1 eth1", "10.2.3.4/32", "10.1.0.1", "eth1", 1, 0, -1 },
    { "default gw 10.1.0.1", NULL, "10.1.0.1", NULL, 1, 1, -1 },
    { "-A inet6 default gw 2001:DB8::1", NULL, "2001:db8::1", NULL, 1, 1, -1 },
    { "0.0.0.0 netmask 0.0.0.0 gw 1.2.3.4", NULL, "1.2.3.4", NULL, 1, 1, -1 },
    { "0.0.0.0/00 via 1.2.3.4", NULL, "1.2.3.4", NULL, 1, 1, -1 },
    { "-net 0.0.0.0 gw 1.2.3.4", NULL, "1.2.3.4", NULL, 1, 1, -1 },
    { "::/0 via fe80::1", NULL, "fe80::1", NULL, 1, 1, -1 },
    { "default via fe80::1%eth0 dev eth0", NULL, "fe80::1", "eth0", 1, 1, -1 },
    { "via 8.8.8.8 to 32.42.52.62", "32.42.52.62/32", "8.8.8.8", NULL, 1, 0, -1 },
    { "43.53.0.0/16 metric 3 via 7.7.7.7 dev eth2", "43.53.0.0/16", "7.7.7.7", "eth2", 1, 0, 3 },
    { "10.208.0.0/255.240.0.0 via 10.1.0.1", "10.208.0.0/12", "10.1.0.1", NULL, 1, 0, -1 },
    { "10.0.0.0/8 via 10.1.0.1 proto static scope global table main", "10.0.0.0/8", "10.1.0.1", NULL, 1, 0, -1 },
    { "2001:db8::/32 via 2001:db8::1", "2001:db8::/32", "2001:db8::1", NULL, 1, 0, -1 },
    { "del -net 10.0.0.0 netmask 255.0.0.0", NULL, NULL, NULL, 0, 0, -1 },
    { "blackhole 10.0.0.0/8", NULL, NULL, NULL, -1, 0, -1 },
    { "10.0.0.0/8 via 2001:db8::1", NULL, NULL, NULL, -1, 0, -1 },
    { "10.0.0.0/33 via 10.1.0.1", NULL, NULL, NULL, -1, 0, -1 },
    { "10.0.0.0 netmask 255.0.255.0", NULL, NULL, NULL, -1, 0, -1 },
    { "via 10.1.0.1", NULL, NULL, NULL, -1, 0, -1 },
    { "10.0.0.0/8 metric -1", NULL, NULL, NULL, -1, 0, -1 },
  };
  struct nc c;
  struct fg_net n;

  memset (&c, 0, sizeof c);
  memset (&n, 0, sizeof n);
  c.net = &n;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    size_t nw;
    int unterminated, got;
    char **w = nc_words (&c, cases[k].words, &nw, &unterminated);
    struct nc_route r;
    const char *why = NULL;
    got = nc_route_parse (&c, w, nw, &r, &why);
    if (got != cases[k].ret)
      printf ("#   \"%s\": got %d (%s)\n", cases[k].words, got, why ? why : "");
    CHECK_INT (got, cases[k].ret);
    if (got == 1) {
      CHECK_INT (r.is_default, cases[k].is_default);
      CHECK_INT (r.metric, cases[k].metric);
      if (cases[k].to)
        CHECK_STR (r.to, cases[k].to);
      else
        CHECK (r.to == NULL);
      if (cases[k].via)
        CHECK_STR (r.via, cases[k].via);
      if (cases[k].dev)
        CHECK_STR (r.dev, cases[k].dev);
      nc_route_clear (&r);
    }
    if (got < 0)
      CHECK (why != NULL);
    nc_strv_free (w, nw);
  }
  CHECK (!c.oom);
  fg_net_release (&n);
}

static void
test_masks_words_names (void)
{
  struct nc c;
  struct fg_net n;
  size_t nw;
  int unterminated;
  char **w;

  /* Netmasks and classful lengths: tests/unit/test_addr.c. */
  CHECK (nc_is_ipv4 ("10.0.0.1") && !nc_is_ipv4 ("10.0.0") && !nc_is_ipv4 ("010.0.0.1"));
  CHECK (nc_is_ipv6 ("fe80::1%eth0") && !nc_is_ipv6 ("fe80::1::2"));
  CHECK (nc_valid_ifname ("eth0:1") && nc_valid_ifname ("eth0.100")
         && !nc_valid_ifname ("eth 0") && !nc_valid_ifname (""));
  CHECK (nc_ifname_cmp ("eth2", "eth10") < 0);
  CHECK (nc_ifname_cmp ("eth10", "eth2") > 0);
  CHECK (nc_ifname_cmp ("eth1", "eth1") == 0);
  CHECK (nc_ifname_cmp ("bond0", "eth0") < 0);

  memset (&c, 0, sizeof c);
  memset (&n, 0, sizeof n);
  c.net = &n;
  w = nc_words (&c, "a 'b c' \"d\\\"e\" f\\ g ''  # comment", &nw, &unterminated);
  CHECK_INT (nw, 5);
  if (nw == 5) {
    CHECK_STR (w[0], "a");
    CHECK_STR (w[1], "b c");
    CHECK_STR (w[2], "d\"e");
    CHECK_STR (w[3], "f g");
    CHECK_STR (w[4], "");
  }
  CHECK_INT (unterminated, 0);
  nc_strv_free (w, nw);
  w = nc_words (&c, "route add x || true; ip r >/dev/null 2>&1 &", &nw,
                &unterminated);
  CHECK_INT (nw, 11);
  if (nw == 11) {
    CHECK_STR (w[3], "||");
    CHECK_STR (w[5], ";");
    CHECK_STR (w[8], ">/dev/null");
    CHECK_STR (w[9], "2>&1");
    CHECK_STR (w[10], "&");
  }
  nc_strv_free (w, nw);
  w = nc_words (&c, "x 'open", &nw, &unterminated);
  CHECK_INT (unterminated, 1);
  CHECK_INT (nw, 2);
  nc_strv_free (w, nw);
  w = nc_words (&c, "", &nw, &unterminated);
  CHECK_INT (nw, 0);
  nc_strv_free (w, nw);
  {
    char *m = nc_mac_canon (&c, "40-40-AB-cd-EF-01");
    CHECK_STR (m, "40:40:ab:cd:ef:01");
    free (m);
    CHECK (nc_mac_canon (&c, "40:40:ab:cd:ef") == NULL);
    CHECK (nc_mac_canon (&c, "40:40:ab:cd:ef:0g") == NULL);
  }
  CHECK (!c.oom);
  fg_net_release (&n);
}

/* The sh lexer: quoting across lines, arrays, append, export, junk. */
static void
test_shell_lexer (void)
{
  struct nc c;
  struct fg_net n;
  struct nc_shell sh;
  struct fg_file f;
  const struct nc_assign *a;
  static const char text[] =
    "# comment\n"
    "export A=1 B='two words'\n"
    "C=\"multi\n"
    "line\"  # trailing comment\n"
    "D=( x \"y z\"\n"
    "    # inside\n"
    "    w )\n"
    "D+=( v )\n"
    "E=a\"b\"'c'\\ d\n"
    "F= G=\n"
    "if [ -f /x ]; then\n"
    "H=$(uname -r)\n"
    "I=ok; J=also\n"
    "K=\"never closed\n"
    "L=after\n";

  memset (&c, 0, sizeof c);
  memset (&n, 0, sizeof n);
  c.net = &n;
  f.path = (char *) "etc/test";
  f.target = NULL;
  f.data = (char *) text;
  f.len = sizeof text - 1;
  nc_shell_parse (&c, &f, &sh);
  CHECK_STR (nc_shell_value (&sh, "A", NULL), "1");
  CHECK_STR (nc_shell_value (&sh, "B", NULL), "two words");
  CHECK_STR (nc_shell_value (&sh, "C", NULL), "multi\nline");
  a = nc_shell_get (&sh, "D");
  CHECK (a && a->is_array && a->nvals == 4);
  if (a && a->nvals == 4) {
    CHECK_STR (a->vals[1], "y z");
    CHECK_STR (a->vals[3], "v");
  }
  CHECK_STR (nc_shell_value (&sh, "E", NULL), "abc d");
  CHECK_STR (nc_shell_value (&sh, "F", NULL), "");
  CHECK_STR (nc_shell_value (&sh, "G", NULL), "");
  CHECK_STR (nc_shell_value (&sh, "I", NULL), "ok");
  CHECK_STR (nc_shell_value (&sh, "J", NULL), "also");
  {
    unsigned line = 0;
    CHECK_STR (nc_shell_value (&sh, "K", &line), "never closed");
    CHECK_INT (line, 14);
    CHECK_STR (nc_shell_value (&sh, "L", &line), "after");
    CHECK_INT (line, 15);
  }
  nc_shell_release (&sh);
  CHECK_INT (n.nproblems, 3);   /* "if ...", "$(...)", unterminated K */
  for (size_t k = 0; k < n.nproblems; k++)
    printf ("# %s\n", n.problems[k]);
  fg_net_release (&n);
}

/* ---- garbage -------------------------------------------------------- */

static const char *const main_files[][2] = {
  { "debian", "etc/network/interfaces" },
  { "redhat", "etc/sysconfig/network-scripts/ifcfg-eth0" },
  { "suse", "etc/sysconfig/network/ifcfg-eth0" },
  { "arch", "etc/rc.conf" },
  { "gentoo", "etc/conf.d/net" },
};

/* A good configuration of eth0 for each family (address 192.0.2.10/24,
 * gateway 192.0.2.1), to put around the junk. */
static const char *const good[] = {
  "auto eth0\niface eth0 inet static\n address 192.0.2.10\n netmask 255.255.255.0\n gateway 192.0.2.1\n",
  "DEVICE=eth0\nIPADDR=192.0.2.10\nNETMASK=255.255.255.0\nGATEWAY=192.0.2.1\n",
  "IPADDR='192.0.2.10/24'\n",
  "eth0=\"eth0 192.0.2.10 netmask 255.255.255.0\"\nINTERFACES=(eth0)\ngateway=\"default gw 192.0.2.1\"\nROUTES=(gateway)\n",
  "config_eth0=\"192.0.2.10/24\"\nroutes_eth0=\"default via 192.0.2.1\"\n",
};

static void
check_good_eth0 (size_t fam)
{
  const struct fg_net_iface *e0 = iface ("eth0");

  CHECK (e0 != NULL);
  if (e0 == NULL)
    return;
  CHECK (strv_is (e0->ipv4, e0->nipv4, "192.0.2.10/24", NULL));
  if (fam != 2)                 /* SUSE's gateway lives in ifroute */
    CHECK_STR (e0->gateway, "192.0.2.1");
}

static void
test_garbage_binary (void)
{
  unsigned char junk[4096];
  unsigned x = 12345;

  for (size_t k = 0; k < sizeof junk; k++) {
    x = x * 1103515245u + 12345u;
    junk[k] = (unsigned char) (x >> 16);
  }
  for (size_t fam = 0; fam < 5; fam++) {
    size_t gl = strlen (good[fam]);
    char *buf = malloc (sizeof junk + 2 * gl + 4);
    size_t o = 0;
    if (buf == NULL)
      return;
    /* good lines, junk (NULs included) on its own lines, good again */
    memcpy (buf + o, good[fam], gl);
    o += gl;
    buf[o++] = '\n';
    memcpy (buf + o, junk, sizeof junk);
    o += sizeof junk;
    buf[o++] = '\n';
    buf[o++] = '\n';
    reset ();
    add_bytes (main_files[fam][1], buf, o);
    CHECK_INT (parse (main_files[fam][0]), 0);
    CHECK (net.nproblems > 0);
    CHECK (json_encodes ());
    /* the junk may define anything, but the parse survives it */

    /* junk first, then the good lines: those must still be parsed */
    o = 0;
    for (size_t k = 0; k < sizeof junk; k++)
      buf[o++] = (char) (junk[k] == '"' || junk[k] == '\'' || junk[k] == '('
                         || junk[k] == '\\' || junk[k] == '{' ? 'x' : junk[k]);
    buf[o++] = '\n';
    memcpy (buf + o, good[fam], gl);
    o += gl;
    reset ();
    add_bytes (main_files[fam][1], buf, o);
    CHECK_INT (parse (main_files[fam][0]), 0);
    CHECK (net.nproblems > 0);
    CHECK (problem_has (main_files[fam][1]));
    check_good_eth0 (fam);
    CHECK (json_encodes ());
    free (buf);
  }
}

static void
test_garbage_long_lines (void)
{
  size_t big = 100 * 1024;
  char *line = malloc (big + 1);

  if (line == NULL)
    return;
  for (size_t fam = 0; fam < 5; fam++) {
    size_t gl = strlen (good[fam]);
    char *buf = malloc (3 * big + gl + 16);
    size_t o = 0;
    if (buf == NULL)
      break;
    /* a 100 kB word, a 100 kB assignment value, a 100 kB comment */
    memset (line, 'a', big);
    line[big] = '\0';
    o += (size_t) sprintf (buf + o, "%s\n", line);
    o += (size_t) sprintf (buf + o, "X=%s\n", line);
    line[0] = '#';
    o += (size_t) sprintf (buf + o, "%s\n", line);
    memcpy (buf + o, good[fam], gl + 1);
    o += gl;
    reset ();
    add_bytes (main_files[fam][1], buf, o);
    CHECK_INT (parse (main_files[fam][0]), 0);
    CHECK (problem_has (main_files[fam][1]));
    check_good_eth0 (fam);
    CHECK (json_encodes ());
    free (buf);
  }
  free (line);
}

static void
test_garbage_unterminated (void)
{
  const struct fg_net_iface *e0;

  /* Red Hat: an open quote; the lines after it are still read */
  reset ();
  add ("etc/sysconfig/network-scripts/ifcfg-eth0",
       "DEVICE=eth0\nIPADDR=\"192.0.2.10\nNETMASK=255.255.255.0\n"
       "GATEWAY=192.0.2.1\n");
  CHECK_INT (parse ("redhat"), 0);
  CHECK (problem_has ("ifcfg-eth0:2: unterminated double quote"));
  if ((e0 = iface ("eth0")) != NULL) {
    CHECK (strv_is (e0->ipv4, e0->nipv4, "192.0.2.10/24", NULL));
    CHECK_STR (e0->gateway, "192.0.2.1");
  }

  /* Gentoo: an array never closed */
  reset ();
  add ("etc/conf.d/net",
       "config_eth0=( \"192.0.2.10/24\"\n"
       "routes_eth0=( \"default via 192.0.2.1\" )\n");
  CHECK_INT (parse ("gentoo"), 0);
  CHECK (problem_has ("net:1: unterminated '(' array for config_eth0: "
                      "closed before line 2"));
  CHECK_INT (net.nproblems, 1);
  if ((e0 = iface ("eth0")) != NULL) {
    CHECK (strv_is (e0->ipv4, e0->nipv4, "192.0.2.10/24", NULL));
    CHECK_STR (e0->gateway, "192.0.2.1");
  }

  /* Debian: an open quote in an up command, a continuation at the end */
  reset ();
  add ("etc/network/interfaces",
       "iface eth0 inet static\n address 192.0.2.10/24\n"
       " up echo 'oops\n gateway 192.0.2.1\n up true \\");
  CHECK_INT (parse ("debian"), 0);
  CHECK (problem_has ("unterminated quote"));
  if ((e0 = iface ("eth0")) != NULL)
    CHECK_STR (e0->gateway, "192.0.2.1");
  CHECK (json_encodes ());
}

static void
test_problem_cap (void)
{
  struct fg_err e = FG_ERR_INIT;
  char *buf = malloc (1000 * 8);
  size_t o = 0;

  if (buf == NULL)
    return;
  for (int k = 0; k < 1000; k++)
    o += (size_t) sprintf (buf + o, "junk%d\n", k % 10);
  reset ();
  fg_files_add (&fs, "etc/network/interfaces", buf, o, &e);
  free (buf);
  CHECK_INT (parse ("debian"), 0);
  CHECK_INT (net.nproblems, 201);
  if (net.nproblems == 201)
    CHECK_STR (net.problems[200], "... and 800 more problems not listed");
  CHECK (json_encodes ());
}

int
main (void)
{
  /* A distribution's name ("ubuntu") is mapped to its family by the
   * profiles of this source tree (facts/profiles.h), as tests/run.sh
   * runs from it. */
  if (getenv ("FG2NG_PROFILES") == NULL) {
    const char *top = getenv ("FG_TOP");
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/profiles", top && *top ? top : ".");
    setenv ("FG2NG_PROFILES", dir, 1);
  }
  fg_files_init (&fs);
  RUN (test_debian6_rackspace_agent);
  RUN (test_debian_source_inet6_commands);
  RUN (test_debian_source_loops);
  RUN (test_redhat5_address_n_routes);
  RUN (test_redhat5_ip_route_form);
  RUN (test_redhat6_alias_ipv6_global_gateway);
  RUN (test_suse);
  RUN (test_arch_rc_conf);
  RUN (test_arch_netcfg_and_netctl);
  RUN (test_gentoo_baselayout1);
  RUN (test_gentoo_openrc);
  RUN (test_udev_pins_mac);
  RUN (test_detect_and_unknown_family);
  RUN (test_json_shape);
  RUN (test_file_patterns);
  RUN (test_route_syntax);
  RUN (test_masks_words_names);
  RUN (test_shell_lexer);
  RUN (test_garbage_binary);
  RUN (test_garbage_long_lines);
  RUN (test_garbage_unterminated);
  RUN (test_problem_cap);
  reset ();
  return TAP_DONE ();
}
