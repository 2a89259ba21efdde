/* net/netplan.h --- the addresses a converted server will carry
 *
 * Self-service and assisted migration keep a server's public, private
 * (ServiceNet) and shared IPs (seed 000).  The addresses come from the
 * image's own network files (net/netcfg.h) and, when operations know
 * better, from a server record (doc/server-record.schema.json): the
 * control plane's view, which wins, every difference reported.  On the
 * way, ServiceNet's first-gen static routes become next-gen's: the /13
 * route to 10.176.0.0 is widened to /12, the 10.191.192.0/18 route that
 * conflicts with next-gen's ServiceNet is dropped, and routes to
 * 10.176.0.0/12 and 10.208.0.0/12 via the ServiceNet gateway are made
 * sure of.  Image-based conversion (mode "image") keeps the files as they
 * are: a server built from an image gets new addresses from the next-gen
 * agent.
 *
 * No route that cannot work is written (issue 16): every gateway of the
 * plan -- the public interface's default gateway (IPv4 and IPv6), the
 * ServiceNet gateway of the 10.176.0.0/12 and 10.208.0.0/12 routes, the
 * next hop of any other static route -- must lie inside a subnet of its
 * interface (an IPv6 link-local next hop always does).  A server record
 * with a private address inside 10.176.0.0/12 and no gateway gets the
 * first host of that subnet, fg2ng's ServiceNet convention
 * (doc/servicenet.md), reported as a derived value and a warning.  A
 * gateway a record gives, or a public address it gives, that cannot work
 * is an input error naming the record file and the field; so is an
 * image's default or ServiceNet gateway outside its own subnet (a
 * record's field settles it).  Any other static route of the image via
 * an unreachable next hop is left out with a warning.
 */
#ifndef FG_NET_NETPLAN_H
#define FG_NET_NETPLAN_H

#include <jansson.h>

#include "util/err.h"
#include "net/netcfg.h"
#include "net/record.h"

enum fg_net_mode { FG_MODE_IMAGE = 0, FG_MODE_SELF_SERVICE, FG_MODE_ASSISTED };

/* "self-service", "assisted", "image" -> mode; -1 if none of them. */
int fg_net_mode_parse (const char *s);
const char *fg_net_mode_name (enum fg_net_mode m);

/* Read and validate PATH (every key and value; unknown keys refused).
 * Errors name the file and the key: "'rec.json': 'public.ipv4[1]': ...". */
int fg_server_record_load (const char *path, struct fg_server_record **out,
                           struct fg_err *e);

struct fg_net_plan {
  enum fg_net_mode mode;
  int render;                 /* 1: the network files are rewritten */
  struct fg_net net;          /* the addresses the converted server has */
  const char *public_if;      /* names in net, or NULL */
  const char *private_if;
  const char *source;         /* "image", "server record", "image and server record" */
  json_t *conflicts;          /* ["eth0 IPv4: the image has ..., the record ..."] */
  json_t *changes;            /* ["eth1: route 10.176.0.0/13 widened to /12"] */
  json_t *warnings;           /* what the plan could not do, or derived:
                                 a human must read them */
  json_t *gateways;           /* every gateway checked: [{interface,
                                 gateway, subnet, routes, source, field?,
                                 derived, reason?}] */
};

/* The plan for MODE from the image's model IMAGE (may be empty) and the
 * record REC (may be NULL).  P is always initialised; release it with
 * fg_net_plan_release.  -1 with E set when memory runs out (FG_E_INTERNAL)
 * or when a gateway cannot work and none can be derived (FG_E_INPUT: "'REC':
 * 'private.gateway': 10.179.64.1 is outside 10.180.0.0/19 ...", or "the
 * image's network files (debian): eth0: ..." when the record has no say),
 * with a hint. */
int fg_net_plan_make (const struct fg_net *image,
                      const struct fg_server_record *rec,
                      enum fg_net_mode mode, struct fg_net_plan *p,
                      struct fg_err *e);
void fg_net_plan_release (struct fg_net_plan *p);

/* The same from the command line's words: MODE (NULL: "image") and the
 * server record at RECORD_PATH (may be NULL), read and validated here. */
int fg_net_plan_from (const char *mode, const char *record_path,
                      const struct fg_net *image, struct fg_net_plan *p,
                      struct fg_err *e);

/* {mode, render, source, interfaces..., conflicts, changes, warnings,
 * gateways} */
json_t *fg_net_plan_json (const struct fg_net_plan *p);

/* Each of P's warnings through fg_warn ("network: ..."), for the text a
 * human reads on stderr; --json output carries them in "warnings". */
void fg_net_plan_warn (const struct fg_net_plan *p);

#endif
