/* tests/fuzz/fuzz_netcfg_gentoo.c --- libFuzzer target for the Gentoo
 * network parser
 *
 * Paths below; the shared body is tests/fuzz/fuzz_netcfg.h.
 */
static const char *const paths[] = {
  "etc/conf.d/net",
  "etc/conf.d/hostname",
  "etc/resolv.conf",
  "etc/udev/rules.d/70-persistent-net.rules",
};
#define FAMILY "gentoo"

#include "tests/fuzz/fuzz_netcfg.h"
