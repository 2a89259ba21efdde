/* net/netrender.h --- network files written from the network model
 *
 * One renderer per family of network configuration, named by the
 * profile's "network.renderer": "debian-interfaces", "rhel-ifcfg",
 * "suse-ifcfg", "arch-rc-conf", "gentoo-conf-d-net".  A renderer turns
 * the planned model (net/netplan.h) into the files the guest's own
 * init scripts read, in the shapes Rackspace's guest agents wrote them:
 * public eth0 with its gateway and IPv6, ServiceNet eth1 with its static
 * routes, shared IPs as aliases, resolvers, host name.  Files that carry
 * settings besides the network (Arch's rc.conf, Red Hat's
 * sysconfig/network) are edited, not replaced: EXISTING gives their
 * current contents.  Stale files of the family that the new model does
 * not use (an alias file of an address that is gone) are removed.
 */
#ifndef FG_NET_NETRENDER_H
#define FG_NET_NETRENDER_H

#include <stddef.h>

#include <jansson.h>

#include "util/err.h"
#include "util/files.h"
#include "net/netcfg.h"

struct fg_net_out {
  char *path;                 /* relative to the root: "etc/network/interfaces" */
  char *text;                 /* the new contents, or NULL: remove the file */
};

struct fg_net_render {
  struct fg_net_out *v;
  size_t n;
  json_t *warnings;           /* what the family's files cannot express */
};

/* 1 if NAME is a renderer this module knows. */
int fg_net_renderer_known (const char *name);

/* Render N with RENDERER.  EXISTING holds the image's current network
 * files (inspection keeps them; may be empty).  OUT is always
 * initialised; release it with fg_net_render_release.  -1 with E set for
 * an unknown renderer or when memory runs out. */
int fg_net_render (const char *renderer, const struct fg_net *n,
                   const struct fg_files *existing,
                   struct fg_net_render *out, struct fg_err *e);
void fg_net_render_release (struct fg_net_render *r);

/* The output for PATH in R, or NULL. */
const struct fg_net_out *fg_net_render_find (const struct fg_net_render *r,
                                             const char *path);

#endif
