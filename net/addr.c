/* net/addr.c --- addresses, prefixes, netmasks and MACs (see addr.h) */
#include "net/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
fg_ip_parse_n (const char *s, size_t n, int fam, struct fg_ip *ip)
{
  char tmp[INET6_ADDRSTRLEN + 1];

  /* Longer is no address; inet_pton wants a terminated string. */
  if (n == 0 || n >= sizeof tmp)
    return -1;
  memcpy (tmp, s, n);
  tmp[n] = '\0';
  memset (ip, 0, sizeof *ip);
  if (fam != 6 && inet_pton (AF_INET, tmp, ip->b) == 1) {
    ip->fam = 4;
    return 0;
  }
  if (fam != 4 && inet_pton (AF_INET6, tmp, ip->b) == 1) {
    ip->fam = 6;
    return 0;
  }
  return -1;
}

int
fg_ip_parse (const char *s, int fam, struct fg_ip *ip)
{
  return fg_ip_parse_n (s, strlen (s), fam, ip);
}

int
fg_prefix_parse (const char *s, int max)
{
  long v = 0;
  size_t n = strspn (s, "0123456789");

  /* Ten digits bound the value before it can overflow. */
  if (n == 0 || s[n] != '\0' || n > 10)
    return -1;
  for (; *s; s++)
    v = v * 10 + (*s - '0');
  return v <= max ? (int) v : -1;
}

int
fg_cidr_parse (const char *s, int fam, int len_optional, struct fg_ip *ip,
               int *len)
{
  const char *slash = strchr (s, '/');
  size_t n = slash ? (size_t) (slash - s) : strlen (s);

  *len = -1;
  if (fg_ip_parse_n (s, n, fam, ip) < 0)
    return -1;
  if (slash == NULL)
    return len_optional ? 0 : -1;
  *len = fg_prefix_parse (slash + 1, ip->fam == 4 ? 32 : 128);
  return *len < 0 ? -1 : 0;
}

int
fg_netmask4_parse (const char *s)
{
  struct fg_ip ip;
  uint32_t m;
  int len;

  if (*s == '/')
    s++;
  if (s[0] != '\0' && strspn (s, "0123456789") == strlen (s))
    return fg_prefix_parse (s, 32);
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    char *end;
    unsigned long v;
    if (strlen (s) != 10 || !isxdigit ((unsigned char) s[2]))
      return -1;
    errno = 0;
    v = strtoul (s + 2, &end, 16);
    if (*end || errno)
      return -1;
    m = (uint32_t) v;
  } else if (fg_ip_parse (s, 4, &ip) == 0)
    m = fg_ip4 (&ip);
  else
    return -1;
  /* Contiguous ones, then zeros: ~m + 1 is a power of two. */
  if (((~m + 1) & ~m) != 0)
    return -1;
  for (len = 0; len < 32 && (m & (0x80000000u >> len)); len++)
    ;
  return len;
}

int
fg_ip4_classful (uint32_t a)
{
  if (a < 0x80000000u)
    return 8;
  if (a < 0xc0000000u)
    return 16;
  if (a < 0xe0000000u)
    return 24;
  return 32;
}

uint32_t
fg_ip4 (const struct fg_ip *ip)
{
  return (uint32_t) ip->b[0] << 24 | (uint32_t) ip->b[1] << 16
    | (uint32_t) ip->b[2] << 8 | ip->b[3];
}

void
fg_ip4_set (struct fg_ip *ip, uint32_t a)
{
  memset (ip, 0, sizeof *ip);
  ip->fam = 4;
  ip->b[0] = (unsigned char) (a >> 24);
  ip->b[1] = (unsigned char) (a >> 16);
  ip->b[2] = (unsigned char) (a >> 8);
  ip->b[3] = (unsigned char) a;
}

uint32_t
fg_ip4_mask (int len)
{
  return len <= 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
}

void
fg_ip_mask (struct fg_ip *ip, int len)
{
  for (int k = 0; k < 16; k++) {
    int keep = len - k * 8;
    ip->b[k] &= keep >= 8 ? 0xff : keep <= 0 ? 0
      : (unsigned char) (0xff << (8 - keep));
  }
}

int
fg_ip_same_prefix (const struct fg_ip *a, const struct fg_ip *b, int len)
{
  struct fg_ip x = *a, y = *b;

  if (a->fam != b->fam)
    return 0;
  fg_ip_mask (&x, len);
  fg_ip_mask (&y, len);
  return memcmp (x.b, y.b, sizeof x.b) == 0;
}

int
fg_ip_equal (const struct fg_ip *a, const struct fg_ip *b)
{
  return a->fam == b->fam && memcmp (a->b, b->b, sizeof a->b) == 0;
}

int
fg_ip_text (const struct fg_ip *ip, int len, char *out, size_t cap)
{
  char s[INET6_ADDRSTRLEN];
  int n;

  if (inet_ntop (ip->fam == 4 ? AF_INET : AF_INET6, ip->b, s, sizeof s)
      == NULL)
    return -1;
  n = len >= 0 ? snprintf (out, cap, "%s/%d", s, len)
    : snprintf (out, cap, "%s", s);
  return n >= 0 && (size_t) n < cap ? 0 : -1;
}

int
fg_ip_canon (const char *s, int fam, int want_len, char *out, size_t cap)
{
  struct fg_ip ip;
  int len = -1;

  if (want_len ? fg_cidr_parse (s, fam, 0, &ip, &len) < 0
      : fg_ip_parse (s, fam, &ip) < 0)
    return -1;
  return fg_ip_text (&ip, len, out, cap);
}

int
fg_mac_parse (const char *s, int dash_ok, char out[18],
              unsigned char bytes[6])
{
  char tmp[18];

  if (strlen (s) != 17)
    return -1;
  for (int k = 0; k < 17; k++) {
    unsigned char ch = (unsigned char) s[k];
    if (k % 3 == 2) {
      if (ch != ':' && !(dash_ok && ch == '-'))
        return -1;
      tmp[k] = ':';
    } else {
      if (!isxdigit (ch))
        return -1;
      tmp[k] = (char) tolower (ch);
    }
  }
  tmp[17] = '\0';
  if (bytes)
    for (int k = 0; k < 6; k++)
      bytes[k] = (unsigned char) strtoul (tmp + 3 * k, NULL, 16);
  if (out)
    memcpy (out, tmp, sizeof tmp);
  return 0;
}
