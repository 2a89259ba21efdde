/* tests/fuzz/fuzz_netcfg_arch.c --- libFuzzer target for the Arch
 * network parser
 *
 * Paths below; the shared body is tests/fuzz/fuzz_netcfg.h.
 */
static const char *const paths[] = {
  "etc/rc.conf",
  "etc/network.d/eth0",
  "etc/netctl/eth1",
  "etc/conf.d/netcfg",
  "etc/resolv.conf",
};
#define FAMILY "arch"

#include "tests/fuzz/fuzz_netcfg.h"
