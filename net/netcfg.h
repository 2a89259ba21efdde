/* net/netcfg.h --- the network model of a guest, read from its own
 * configuration files
 *
 * Issue 7 preserves a first-gen server's addresses on next-gen: public
 * eth0, ServiceNet eth1 with its static routes, resolvers, hostname.
 * The parsers here read them from the files the guest's own init scripts
 * read (Debian interfaces, Red Hat and SUSE ifcfg, Arch rc.conf and
 * netcfg/netctl profiles, Gentoo conf.d/net), out of an in-memory file
 * set (util/files.h), never from the host.
 *
 * Conventions of the model (the same as ../shared/peers/netcfg/README.md):
 * - Alias interfaces ("eth0:1") are folded into their parent; aliases[]
 *   says which addresses came from which alias.  "lo" is never listed.
 * - IPv4 addresses are "a.b.c.d/len", IPv6 "addr/len" in RFC 5952 form
 *   (inet_ntop).  A netmask becomes a prefix length; an IPv4 address
 *   with no mask at all gets the classful length (as ipcalc and
 *   NetworkManager do) and a problem line says so.
 * - Default routes become gateway / gateway6, never routes[].  routes[]
 *   holds the other static routes in file order, attached to the
 *   configuration that declares them; a route's dev is kept only when it
 *   names another interface than that one.
 * - Resolvers: etc/resolv.conf first, then the family's own settings
 *   (dns-nameservers, DNSn=, NETCONFIG_DNS_STATIC_SERVERS, DNS=(),
 *   dns_servers_*), in order, de-duplicated.
 * - hostname: etc/hostname, etc/HOSTNAME, then the family's own key
 *   (sysconfig/network HOSTNAME=, conf.d/hostname, rc.conf HOSTNAME=).
 * - Interfaces are listed in natural name order (eth2 before eth10).
 *
 * Garbage never fails a parse: whatever is not understood becomes one
 * line in problems[] ("FILE:LINE: what") and the parse goes on.  Only
 * running out of memory is an error.
 */
#ifndef FG_NET_NETCFG_H
#define FG_NET_NETCFG_H

#include <stddef.h>

#include <jansson.h>

#include "util/err.h"
#include "util/files.h"

struct fg_net_route {
  char *to;                     /* "10.176.0.0/12", "9876::1234/96" */
  char *via;                    /* next hop, or NULL for a device route */
  int metric;                   /* -1 if none */
  char *dev;                    /* NULL unless it names another interface */
};

/* Which addresses an alias ("eth0:1") contributed to its parent. */
struct fg_net_alias {
  char *name;
  char **addrs;                 /* IPv4 and IPv6, as in ipv4[] / ipv6[] */
  size_t naddrs;
};

struct fg_net_iface {
  char *name;
  char *mac;                    /* lower case; NULL unless a file pins it
                                   (HWADDR=, a udev NAME= rule) */
  int dhcp4;
  char **ipv4;                  /* "a.b.c.d/len" */
  size_t nipv4;
  char **ipv6;                  /* RFC 5952 "addr/len" */
  size_t nipv6;
  char *gateway;                /* IPv4 default route, or NULL */
  char *gateway6;               /* IPv6 default route, zone dropped */
  struct fg_net_route *routes;
  size_t nroutes;
  int mtu;                      /* 0 if none */
  struct fg_net_alias *aliases;
  size_t naliases;
};

struct fg_net {
  const char *family;           /* "debian", ..., or NULL if none found */
  struct fg_net_iface *ifaces;
  size_t nifaces;
  char **resolvers;             /* ordered, de-duplicated */
  size_t nresolvers;
  char *hostname;
  char **problems;              /* "FILE:LINE: what was not understood" */
  size_t nproblems;
};

/* Parse the network configuration in FILES.  FAMILY is "debian",
 * "redhat", "suse", "arch" or "gentoo" (distribution names such as
 * "ubuntu", "centos", "fedora", "opensuse" are accepted too), or NULL to
 * choose from which files exist.  OUT is always initialised; release it
 * with fg_net_release even after a failure.  Returns 0, or -1 with E set
 * when memory runs out or FAMILY is not a name this module knows. */
int fg_net_parse (const struct fg_files *files, const char *family,
                  struct fg_net *out, struct fg_err *e);

/* The model as JSON: {interfaces: [{name, mac, dhcp4, ipv4, ipv6,
 * gateway, gateway6, routes: [{to, via, metric?, dev?}], aliases?, mtu?}],
 * resolvers, hostname, problems?}.  NULL when memory runs out. */
json_t *fg_net_json (const struct fg_net *n);

/* Free everything N holds and zero it; NULL-safe, may be called twice. */
void fg_net_release (struct fg_net *n);

/* Paths (fnmatch patterns, FNM_PATHNAME) the parsers may read, for
 * inspection's list of files to keep.  NULL-terminated. */
extern const char *const fg_net_file_patterns[];


#ifdef FG_NETCFG_INTERNAL
/* ---- shared by inspect/netcfg*.c only ------------------------------
 *
 * The family parsers write into the model through these helpers, which
 * validate and canonicalise every value, de-duplicate, and turn every
 * allocation failure into a sticky flag (c->oom) that fg_net_parse turns
 * into the one error at the end: the parsers themselves never check
 * malloc.
 */
#include <stdint.h>

#include "net/addr.h"

struct nc {
  const struct fg_files *files;
  struct fg_net *net;
  int oom;                      /* sticky: an allocation failed */
  size_t found;                 /* every problem, listed or not */
  /* Interfaces while parsing: one allocation each, so that a pointer a
   * parser holds stays valid when another interface is added; copied
   * into net->ifaces, in name order, at the end. */
  struct fg_net_iface **ifs;
  size_t nifs;
  /* etc/udev/rules.d/70-persistent-net.rules, read before the family:
   * Red Hat and SUSE configurations that carry only a MAC are named
   * after it, and it pins the MAC of the interfaces it names. */
  struct nc_udev { char *mac, *name; unsigned line; } *udev;
  size_t nudev;
};

/* Allocation that marks c->oom instead of failing loudly. */
void *nc_alloc (struct nc *c, size_t n);
char *nc_strdup (struct nc *c, const char *s);
char *nc_strndup (struct nc *c, const char *s, size_t n);
char *nc_printf (struct nc *c, const char *fmt, ...) FG_PRINTF(2, 3);
/* Append S (taken over; freed on failure) to *V. */
void nc_strv_push (struct nc *c, char ***v, size_t *n, char *s);
void nc_strv_free (char **v, size_t n);

/* A problem line "FILE:LINE: MSG" (LINE 0: "FILE: MSG").  MSG must be
 * clean text: quote file content with nc_problem_text. */
void nc_problem (struct nc *c, const char *file, unsigned line,
                 const char *fmt, ...) FG_PRINTF(4, 5);
/* "FILE:LINE: WHAT 'TEXT'", TEXT escaped (\xNN) and cut to 60 chars. */
void nc_problem_text (struct nc *c, const char *file, unsigned line,
                      const char *what, const char *text, size_t len);

/* ---- addresses (parsed by net/addr.h) ---- */
/* Either family; an IPv6 zone ("fe80::def%eth0") is dropped. */
int nc_parse_ip (const char *s, struct fg_ip *ip);
/* "A", "A/len", "A/dotted": *len -1 when absent. */
int nc_parse_cidr (const char *s, struct fg_ip *ip, int *len);
int nc_is_ipv4 (const char *s);
int nc_is_ipv6 (const char *s);
int nc_valid_ifname (const char *s);
int nc_is_loopback (const char *name);
/* 1 for a file the family's scripts skip: hidden, or ending in one of
 * TAILS (backups and package leftovers: "~", ".rpmnew" ...). */
int nc_ignored_name (const char *name, const char *const *tails);

/* ---- the model ---- */
/* The interface NAME, created if new; an alias "eth0:1" gives eth0 and
 * sets *ALIAS to the alias's name (else NULL).  NULL for "lo", for a
 * name that is not an interface name (a problem is recorded against
 * FILE:LINE), or when memory runs out. */
struct fg_net_iface *nc_iface (struct nc *c, const char *name,
                               const char **alias, const char *file,
                               unsigned line);
struct fg_net_iface *nc_iface_find (struct nc *c, const char *name);
/* The interface whose addresses hold A (family 4 or 6), or NULL. */
struct fg_net_iface *nc_iface_on_subnet (struct nc *c, int fam,
                                         const char *addr);

/* Add "ADDR" or "ADDR/len" (netmask MASK when given: dotted or length),
 * IPv4 or IPv6.  A missing IPv4 length is classful, a missing IPv6
 * length /64, each with a problem line.  Returns 0, or -1 after
 * recording a problem. */
int nc_add_addr (struct nc *c, struct fg_net_iface *i, const char *alias,
                 const char *addr, const char *mask, const char *file,
                 unsigned line);
/* Default gateway of either family (decided by the address). */
int nc_set_gateway (struct nc *c, struct fg_net_iface *i, const char *gw,
                    const char *file, unsigned line);
int nc_set_mac (struct nc *c, struct fg_net_iface *i, const char *mac,
                const char *file, unsigned line);
int nc_set_mtu (struct nc *c, struct fg_net_iface *i, const char *mtu,
                const char *file, unsigned line);
void nc_add_resolver (struct nc *c, const char *addr, const char *file,
                      unsigned line);
/* Every word of S (blanks, commas, newlines) as a resolver. */
void nc_add_resolvers (struct nc *c, const char *s, const char *file,
                       unsigned line);
void nc_set_hostname (struct nc *c, const char *name, const char *file,
                      unsigned line);
/* Lower-case "aa:bb:cc:dd:ee:ff" (':' or '-' separated, case-blind), or
 * NULL if S is not a MAC address. */
char *nc_mac_canon (struct nc *c, const char *s);

/* ---- routes ---- */
struct nc_route {
  int fam;                      /* 4 or 6 */
  int is_default;
  char *to;                     /* canonical "net/len", NULL if default */
  char *via;                    /* canonical, NULL if none */
  int metric;                   /* -1 if none */
  char *dev;                    /* as written, NULL if none */
};
void nc_route_clear (struct nc_route *r);
/* Parse route arguments in route(8) or ip-route(8) syntax, without the
 * command ("-net 10.0.0.0 netmask 255.0.0.0 gw 10.1.1.1", "default via
 * G", "10.0.0.0/8 via G metric 3 dev eth1", "via G to H", "X/dotted via
 * G").  A target with neither length nor netmask is a host route, but
 * classful after "-net" (as route(8) reads it).  Returns 1 for a route,
 * 0 when the words delete a route (nothing to keep), -1 with *WHY
 * (static text) when they are not understood. */
int nc_route_parse (struct nc *c, char *const *w, size_t n,
                    struct nc_route *r, const char **why);
/* Put R on interface I: a default route becomes its gateway, any other
 * is appended (a duplicate is dropped; dev kept only if it is not I). */
void nc_add_route (struct nc *c, struct fg_net_iface *i,
                   const struct nc_route *r, const char *file,
                   unsigned line);
/* A route not tied to an interface by its file (Arch ROUTES, SUSE
 * routes): on its dev if named, else on the interface whose subnet holds
 * its gateway; dropped with a problem line when neither is found. */
void nc_place_route (struct nc *c, const struct nc_route *r,
                     const char *file, unsigned line);

/* ---- words and shell ---- */
/* Split S into words the way sh does (quotes, backslashes, "#" comments
 * at a word start); operators ";", "&&", "||", "|", "&" are words of
 * their own.  *UNTERMINATED is set when a quote is left open.  The
 * vector is NULL-terminated, or NULL when *N is 0; free with
 * nc_strv_free (v, n). */
char **nc_words (struct nc *c, const char *s, size_t *n, int *unterminated);

/* One "NAME=value" or "NAME=( a b c )" of a shell file. */
struct nc_assign {
  char *name;
  char **vals;                  /* 1 value for a scalar, n for an array */
  size_t nvals;
  int is_array;
  unsigned line;
};
struct nc_shell {
  const char *path;
  struct nc_assign *v;
  size_t n;
  int full;                     /* the cap on assignments was reached */
};
/* Parse the assignments of a sh/bash file (comments, quoting across
 * lines, arrays, "export"); anything else is a problem line. */
void nc_shell_parse (struct nc *c, const struct fg_file *f,
                     struct nc_shell *out);
/* The last assignment of NAME, or NULL. */
const struct nc_assign *nc_shell_get (const struct nc_shell *s,
                                      const char *name);
/* Its value (an array's first element), or NULL; *LINE (if not NULL)
 * gets the line of the assignment. */
const char *nc_shell_value (const struct nc_shell *s, const char *name,
                            unsigned *line);
/* As nc_shell_value, but an empty value counts as absent (NULL). */
const char *nc_shell_nonempty (const struct nc_shell *s, const char *name,
                               unsigned *line);
/* nc_shell_nonempty of KEY followed by SFX ("IPADDR" "1"). */
const char *nc_shell_nonempty_k (struct nc *c, const struct nc_shell *s,
                                 const char *key, const char *sfx,
                                 unsigned *line);
void nc_shell_release (struct nc_shell *s);

/* ---- lines ---- */
/* Iterate over F's lines: *LINE gets a NUL-terminated copy (freed by
 * the next call or at the end), without '\r' or '\n'.  Returns 0 at the
 * end.  A line holding a NUL byte is reported once and skipped. */
struct nc_lines {
  const struct fg_file *f;
  size_t pos;
  unsigned no;
  char *buf;
  int warned;
};
void nc_lines_init (struct nc_lines *it, const struct fg_file *f);
int nc_lines_next (struct nc *c, struct nc_lines *it, char **line);
void nc_lines_release (struct nc_lines *it);

/* Natural order of interface names ("eth2" < "eth10"). */
int nc_ifname_cmp (const char *a, const char *b);

/* ---- the families ---- */
void nc_parse_debian (struct nc *c);
void nc_parse_redhat (struct nc *c);
void nc_parse_suse (struct nc *c);
void nc_parse_arch (struct nc *c);
void nc_parse_gentoo (struct nc *c);
/* The name udev's 70-persistent-net.rules gives MAC, or NULL. */
const char *nc_udev_name_for (const struct nc *c, const char *mac);
/* The files every family shares (net/netcfg_kit.c), read by the
 * dispatch before and after the family's own. */
void nc_parse_resolv_conf (struct nc *c);
void nc_parse_hostname_file (struct nc *c, const char *path);
void nc_parse_udev (struct nc *c);
void nc_apply_udev (struct nc *c);
#endif

#endif
