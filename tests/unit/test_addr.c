/* tests/unit/test_addr.c --- the one parser of addresses, prefixes,
 * netmasks and MACs (net/addr.h) */
#include "tests/unit/tap.h"
#include "net/addr.h"

/* S canonicalised as FAM (want_len as given), or "-" when refused. */
static const char *
canon (const char *s, int fam, int want_len)
{
  static char out[FG_IP_TEXT];

  if (fg_ip_canon (s, fam, want_len, out, sizeof out) < 0)
    return "-";
  return out;
}

static void
test_addresses (void)
{
  struct fg_ip ip;

  CHECK_STR (canon ("10.0.0.1", 0, 0), "10.0.0.1");
  CHECK_STR (canon ("0.0.0.0", 4, 0), "0.0.0.0");
  CHECK_STR (canon ("255.255.255.255", 4, 0), "255.255.255.255");
  CHECK_STR (canon ("2001:DB8:0:0::5", 0, 0), "2001:db8::5");
  CHECK_STR (canon ("::", 6, 0), "::");
  CHECK_STR (canon ("::ffff:1.2.3.4", 6, 0), "::ffff:1.2.3.4");
  /* Leading zeros, short forms, junk and the wrong family are refused. */
  CHECK_STR (canon ("010.0.0.1", 0, 0), "-");
  CHECK_STR (canon ("10.0.0", 0, 0), "-");
  CHECK_STR (canon ("10.0.0.256", 0, 0), "-");
  CHECK_STR (canon ("10.0.0.1 ", 0, 0), "-");
  CHECK_STR (canon (" 10.0.0.1", 0, 0), "-");
  CHECK_STR (canon ("10.0.0.1x", 0, 0), "-");
  CHECK_STR (canon ("", 0, 0), "-");
  CHECK_STR (canon ("fe80::1::2", 0, 0), "-");
  CHECK_STR (canon ("fe80::1%eth0", 0, 0), "-");
  CHECK_STR (canon ("10.0.0.1", 6, 0), "-");
  CHECK_STR (canon ("::1", 4, 0), "-");
  CHECK_STR (canon ("1111:2222:3333:4444:5555:6666:7777:8888:9999", 0, 0),
             "-");
  /* A length-bounded part of a longer string. */
  CHECK_INT (fg_ip_parse_n ("10.1.2.3/8", 8, 0, &ip), 0);
  CHECK_INT (ip.fam, 4);
  CHECK_U64 (fg_ip4 (&ip), 0x0a010203u);
  CHECK_INT (fg_ip_parse_n ("10.1.2.3", 0, 0, &ip), -1);
}

static void
test_prefixes (void)
{
  struct fg_ip ip;
  int len;

  CHECK_STR (canon ("0.0.0.0/0", 0, 1), "0.0.0.0/0");
  CHECK_STR (canon ("203.0.113.5/32", 4, 1), "203.0.113.5/32");
  CHECK_STR (canon ("203.0.113.5/024", 4, 1), "203.0.113.5/24");
  CHECK_STR (canon ("2001:DB8::5/128", 6, 1), "2001:db8::5/128");
  CHECK_STR (canon ("::/0", 6, 1), "::/0");
  CHECK_STR (canon ("203.0.113.5/33", 4, 1), "-");
  CHECK_STR (canon ("2001:db8::5/129", 6, 1), "-");
  CHECK_STR (canon ("203.0.113.5", 4, 1), "-");
  CHECK_STR (canon ("203.0.113.5/", 4, 1), "-");
  CHECK_STR (canon ("203.0.113.5/+8", 4, 1), "-");
  CHECK_STR (canon ("203.0.113.5/-1", 4, 1), "-");
  CHECK_STR (canon ("203.0.113.5/ 8", 4, 1), "-");
  CHECK_STR (canon ("203.0.113.5/8x", 4, 1), "-");
  CHECK_STR (canon ("203.0.113.5/8/8", 4, 1), "-");
  CHECK_STR (canon ("/8", 4, 1), "-");
  CHECK_STR (canon ("203.0.113.5/99999999999999999999", 4, 1), "-");
  /* A bare address where the length is optional. */
  CHECK_INT (fg_cidr_parse ("10.0.0.1", 0, 1, &ip, &len), 0);
  CHECK_INT (len, -1);
  CHECK_INT (fg_cidr_parse ("10.0.0.1", 0, 0, &ip, &len), -1);
  CHECK_INT (fg_prefix_parse ("0", 32), 0);
  CHECK_INT (fg_prefix_parse ("128", 128), 128);
  CHECK_INT (fg_prefix_parse ("129", 128), -1);
  CHECK_INT (fg_prefix_parse ("", 32), -1);
}

static void
test_netmasks (void)
{
  CHECK_INT (fg_netmask4_parse ("255.255.224.0"), 19);
  CHECK_INT (fg_netmask4_parse ("255.255.255.255"), 32);
  CHECK_INT (fg_netmask4_parse ("0.0.0.0"), 0);
  CHECK_INT (fg_netmask4_parse ("/24"), 24);
  CHECK_INT (fg_netmask4_parse ("24"), 24);
  CHECK_INT (fg_netmask4_parse ("0xffffff00"), 24);
  CHECK_INT (fg_netmask4_parse ("0XFFFFFFFF"), 32);
  CHECK_INT (fg_netmask4_parse ("0xffffff0"), -1);
  CHECK_INT (fg_netmask4_parse ("0x-fffff00"), -1);
  CHECK_INT (fg_netmask4_parse ("255.0.255.0"), -1);
  CHECK_INT (fg_netmask4_parse ("33"), -1);
  CHECK_INT (fg_netmask4_parse ("255.255.255"), -1);
  CHECK_INT (fg_netmask4_parse ("255.255.255.0 "), -1);
  CHECK_INT (fg_netmask4_parse (""), -1);
  CHECK_INT (fg_netmask4_parse ("/"), -1);
  CHECK_INT (fg_ip4_classful (0x0a000000u), 8);
  CHECK_INT (fg_ip4_classful (0xac100000u), 16);
  CHECK_INT (fg_ip4_classful (0xc0a80000u), 24);
  CHECK_INT (fg_ip4_classful (0xe0000001u), 32);
  CHECK_U64 (fg_ip4_mask (0), 0);
  CHECK_U64 (fg_ip4_mask (19), 0xffffe000u);
  CHECK_U64 (fg_ip4_mask (32), 0xffffffffu);
}

static void
test_subnets (void)
{
  struct fg_ip a, b;
  char out[FG_IP_TEXT];

  CHECK_INT (fg_ip_parse ("10.180.12.34", 4, &a), 0);
  CHECK_INT (fg_ip_parse ("10.180.0.1", 4, &b), 0);
  CHECK (fg_ip_same_prefix (&a, &b, 19));
  CHECK (!fg_ip_same_prefix (&a, &b, 24));
  CHECK (fg_ip_same_prefix (&a, &b, 0));
  fg_ip_mask (&a, 19);
  CHECK_INT (fg_ip_text (&a, 19, out, sizeof out), 0);
  CHECK_STR (out, "10.180.0.0/19");
  CHECK_INT (fg_ip_parse ("2001:db8:1:2::5", 6, &a), 0);
  CHECK_INT (fg_ip_parse ("2001:db8:1:3::5", 6, &b), 0);
  CHECK (fg_ip_same_prefix (&a, &b, 47));
  CHECK (!fg_ip_same_prefix (&a, &b, 64));
  CHECK (!fg_ip_equal (&a, &b));
  fg_ip_mask (&a, 61);
  CHECK_INT (fg_ip_text (&a, 61, out, sizeof out), 0);
  CHECK_STR (out, "2001:db8:1::/61");
  fg_ip_mask (&a, 0);
  CHECK_INT (fg_ip_text (&a, -1, out, sizeof out), 0);
  CHECK_STR (out, "::");
  /* Too small a buffer is an error, not a cut text. */
  CHECK_INT (fg_ip_text (&b, 64, out, 8), -1);
  fg_ip4_set (&a, 0xc0a80101u);
  CHECK_INT (fg_ip_text (&a, -1, out, sizeof out), 0);
  CHECK_STR (out, "192.168.1.1");
}

static void
test_macs (void)
{
  char out[18];
  unsigned char b[6];

  CHECK_INT (fg_mac_parse ("40:40:AB:cd:EF:01", 0, out, b), 0);
  CHECK_STR (out, "40:40:ab:cd:ef:01");
  CHECK_INT (b[0], 0x40);
  CHECK_INT (b[5], 0x01);
  CHECK_INT (fg_mac_parse ("40-40-AB-cd-EF-01", 0, out, NULL), -1);
  CHECK_INT (fg_mac_parse ("40-40-AB-cd-EF-01", 1, out, NULL), 0);
  CHECK_STR (out, "40:40:ab:cd:ef:01");
  CHECK_INT (fg_mac_parse ("40:40:ab:cd:ef", 1, out, NULL), -1);
  CHECK_INT (fg_mac_parse ("40:40:ab:cd:ef:0g", 1, out, NULL), -1);
  CHECK_INT (fg_mac_parse ("40:40:ab:cd:ef:01:", 1, out, NULL), -1);
  CHECK_INT (fg_mac_parse ("40:40:ab:cd:ef: 1", 1, out, NULL), -1);
  CHECK_INT (fg_mac_parse ("40:40:ab:cd:ef:-1", 1, out, NULL), -1);
  CHECK_INT (fg_mac_parse ("4040:ab:cd:ef:01:", 1, out, NULL), -1);
  CHECK_INT (fg_mac_parse ("", 1, out, NULL), -1);
}

int
main (void)
{
  RUN (test_addresses);
  RUN (test_prefixes);
  RUN (test_netmasks);
  RUN (test_subnets);
  RUN (test_macs);
  return TAP_DONE ();
}
