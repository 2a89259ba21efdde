/* tests/fuzz/fuzz_netcfg_redhat.c --- libFuzzer target for the Red Hat
 * network parser
 *
 * Paths below; the shared body is tests/fuzz/fuzz_netcfg.h.
 */
static const char *const paths[] = {
  "etc/sysconfig/network-scripts/ifcfg-eth0",
  "etc/sysconfig/network-scripts/route-eth0",
  "etc/sysconfig/network",
  "etc/sysconfig/network-scripts/route6-eth0",
  "etc/sysconfig/network-scripts/ifcfg-eth0:1",
  "etc/udev/rules.d/70-persistent-net.rules",
};
#define FAMILY "redhat"

#include "tests/fuzz/fuzz_netcfg.h"
