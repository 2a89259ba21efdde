/* tests/fuzz/fuzz_netcfg_debian.c --- libFuzzer target for the Debian/Ubuntu
 * network parser
 *
 * Paths below; the shared body is tests/fuzz/fuzz_netcfg.h.
 */
static const char *const paths[] = {
  "etc/network/interfaces",
  "etc/network/interfaces.d/eth1.cfg",
  "etc/resolv.conf",
  "etc/udev/rules.d/70-persistent-net.rules",
  "etc/hostname",
};
#define FAMILY "debian"

#include "tests/fuzz/fuzz_netcfg.h"
