#define FG_NETCFG_INTERNAL
#include "inspect/netcfg.h"
void nc_parse_arch (struct nc *c) { (void) c; }
