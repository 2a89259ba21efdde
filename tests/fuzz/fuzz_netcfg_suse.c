/* tests/fuzz/fuzz_netcfg_suse.c --- libFuzzer target for the SUSE
 * network parser
 *
 * Paths below; the shared body is tests/fuzz/fuzz_netcfg.h.
 */
static const char *const paths[] = {
  "etc/sysconfig/network/ifcfg-eth0",
  "etc/sysconfig/network/ifroute-eth0",
  "etc/sysconfig/network/routes",
  "etc/sysconfig/network/config",
  "etc/HOSTNAME",
};
#define FAMILY "suse"

#include "tests/fuzz/fuzz_netcfg.h"
