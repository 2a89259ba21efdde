/* net/addr.h --- IP addresses, prefixes, netmasks and MAC addresses,
 * parsed once for every reader of them
 *
 * The image's network files, the server record, the network plan, the
 * renderers and verify's expectations all read "a.b.c.d", "addr/len",
 * netmasks and MACs; this is the one parser they share, so that what one
 * accepts the others accept too.  Addresses are what inet_pton(3)
 * accepts (no leading zeros in IPv4, no trailing junk); prefix lengths
 * are decimal digits only (no sign, no blanks).
 */
#ifndef FG_NET_ADDR_H
#define FG_NET_ADDR_H

#include <stddef.h>
#include <stdint.h>

/* An address of either family, in network byte order. */
struct fg_ip {
  int fam;                      /* 4 or 6 */
  unsigned char b[16];          /* IPv4 in the first 4 */
};

/* Room for any "addr/len" text with its NUL. */
#define FG_IP_TEXT 52

/* The N bytes at S as an address of family FAM (4, 6, or 0: either).
 * Returns 0, or -1 if it is not one. */
int fg_ip_parse_n (const char *s, size_t n, int fam, struct fg_ip *ip);
int fg_ip_parse (const char *s, int fam, struct fg_ip *ip);

/* A prefix length: decimal digits only, 0 to MAX.  Returns it or -1. */
int fg_prefix_parse (const char *s, int max);

/* "ADDR/LEN" of family FAM (4, 6 or 0), LEN at most 32 or 128.  A bare
 * "ADDR" is taken only when LEN_OPTIONAL, and sets *LEN to -1.
 * Returns 0, or -1. */
int fg_cidr_parse (const char *s, int fam, int len_optional, struct fg_ip *ip,
                   int *len);

/* An IPv4 netmask: dotted and contiguous ("255.255.224.0"), a length
 * ("19" or "/19") or hex ("0xffffe000").  Returns the prefix length, or
 * -1. */
int fg_netmask4_parse (const char *s);

/* The classful prefix length of IPv4 A (host order): 8, 16, 24 or 32. */
int fg_ip4_classful (uint32_t a);

/* IPv4 address of IP in host order (IP must be family 4). */
uint32_t fg_ip4 (const struct fg_ip *ip);
void fg_ip4_set (struct fg_ip *ip, uint32_t a);
/* The IPv4 netmask of LEN (0 to 32), host order. */
uint32_t fg_ip4_mask (int len);

/* Clear the bits of IP past the first LEN: the network of IP/LEN. */
void fg_ip_mask (struct fg_ip *ip, int len);
/* Whether A and B (same family) agree on their first LEN bits. */
int fg_ip_same_prefix (const struct fg_ip *a, const struct fg_ip *b,
                       int len);
int fg_ip_equal (const struct fg_ip *a, const struct fg_ip *b);

/* Canonical text of IP ("2001:db8::5"), with "/LEN" when LEN >= 0,
 * into OUT; 0, or -1 if CAP is too small. */
int fg_ip_text (const struct fg_ip *ip, int len, char *out, size_t cap);

/* Canonical form of the address text S of family FAM (4, 6 or 0):
 * "ADDR" when WANT_LEN is 0, "ADDR/LEN" (LEN required) when 1.  0, or
 * -1 if S is not that. */
int fg_ip_canon (const char *s, int fam, int want_len, char *out,
                 size_t cap);

/* A MAC address "aa:bb:cc:dd:ee:ff", hex digits of either case; '-' is
 * also taken as the separator when DASH_OK.  Writes the lower-case,
 * colon-separated form (18 bytes with the NUL) to OUT and the bytes to
 * BYTES when not NULL.  0, or -1 if S is not one. */
int fg_mac_parse (const char *s, int dash_ok, char out[18],
                  unsigned char bytes[6]);

#endif
