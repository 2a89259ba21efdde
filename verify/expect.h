/* verify/expect.h --- what a booted guest must show: the expectations
 *
 * verify checks a guest's addresses, routes and NIC MACs against a list
 * of expectations, each a string in the form the boot check's harness
 * takes and 'ip' prints ("eth0=198.51.100.23/24", "default via
 * 198.51.100.1 dev eth0", "bc:76:4e:20:1a:01").  They come from the
 * command line (checked and canonicalised here), from a server record
 * (through the network plan convert uses) or from the guest's own
 * network files.
 */
#ifndef FG_VERIFY_EXPECT_H
#define FG_VERIFY_EXPECT_H

#include <stddef.h>

#include "util/err.h"

#define FG_VERIFY_MAX_EXPECT 256
#define FG_VERIFY_MAX_MACS 8

/* A list of distinct strings, in the order added. */
struct fg_verify_list {
  char **v;
  size_t n;
};

int fg_verify_list_has (const struct fg_verify_list *l, const char *x);
/* Append a copy of X unless it is there already; -1 when memory runs out. */
int fg_verify_list_add (struct fg_verify_list *l, const char *x);
void fg_verify_list_release (struct fg_verify_list *l);

/* The command line's expectations, checked and written canonically to
 * OUT; each returns 0, or -1 when S is not one:
 *   IFACE=ADDR/LEN, IPv4 or IPv6 ("eth0=2001:db8::1/64");
 *   "DEST [via GW] [dev IFACE]" with DEST "default" or a canonical
 *     prefix, at least one of via and dev, blanks as 'ip route' prints
 *     them;
 *   a unicast MAC "aa:bb:cc:dd:ee:ff". */
int fg_verify_parse_ip (const char *s, char *out, size_t cap);
int fg_verify_parse_route (const char *s, char *out, size_t cap);
int fg_verify_parse_mac (const char *s, char *out, size_t cap);

/* The addresses, routes and MACs convert preserves for the server
 * record at PATH (the network plan "self-service", from the record
 * alone), added to IPS, ROUTES and MACS; MACS is left alone when it
 * holds some already.  Warnings about the record go to fg_warn. */
int fg_verify_expect_record (const char *path, struct fg_verify_list *ips,
                             struct fg_verify_list *routes,
                             struct fg_verify_list *macs, struct fg_err *e);

/* The same from the guest's own network files, as the harness copied
 * them into DIR (DIR/etc/...); *FAMILY is the family of the files read
 * (NULL when none was found; a static string). */
int fg_verify_expect_guest (const char *dir, struct fg_verify_list *ips,
                            struct fg_verify_list *routes,
                            struct fg_verify_list *macs, const char **family,
                            struct fg_err *e);

#endif
