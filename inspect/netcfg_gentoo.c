#define FG_NETCFG_INTERNAL
#include "inspect/netcfg.h"
void nc_parse_gentoo (struct nc *c) { (void) c; }
