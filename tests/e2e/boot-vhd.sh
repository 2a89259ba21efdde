#!/usr/bin/env bash
# tests/e2e/boot-vhd.sh --- the boot check under its old name, for the
# tests and for hand runs from the source tree.  The harness itself is
# libexec/fg2ng-boot-check (installed under $(PREFIX)/libexec/fg2ng/ and
# run by `fg2ng verify`); see tests/e2e/README.md.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export FG2NG=${FG2NG:-$TOP/build/fg2ng}
export FG2NG_BOOT_CHECK_PROG=${FG2NG_BOOT_CHECK_PROG:-boot-vhd}
exec "$TOP/libexec/fg2ng-boot-check" "$@"
