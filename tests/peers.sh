#!/usr/bin/env bash
# tests/peers.sh --- our VHD reader over the third-party samples
#
# Runs ../shared/peers/vhd/check.sh (VHDs made by Virtual PC, Hyper-V,
# Disk2vhd, Windows, qemu-img and FreeBSD mkimg, with the size and sha256
# their raw disks must have, and damaged ones that must be refused) with a
# reader built from this tree:
#   fg2ng    build/fg2ng convert --format raw IN.vhd -o OUT.raw
#   vhdcat   tests/tools/vhdcat.c: vhd_chain_open + vhd_chain_read alone
# FG_PEERS_READER=fg2ng|vhdcat|both chooses; the default is fg2ng when it
# is built and has "convert --format raw", else vhdcat.
#
# The two 127 GiB samples (zeros, but each takes minutes to hash) are
# skipped unless FG_PEERS_FULL=1; MAX_SIZE, ONLY, TIMEOUT and KEEP_TMP go
# through to check.sh.  Without ../shared (the folder beside the
# repository) it says SKIP and exits 0.
set -u
cd "$(dirname "$0")/.." || exit 2
FG_TOP=${FG_TOP:-$PWD}
BUILD=${BUILD:-build}
peers="$FG_TOP/../shared/peers/vhd"

if [ ! -d "$FG_TOP/../shared" ]; then
  echo "SKIP: ../shared not present"
  exit 0
fi
if [ ! -x "$peers/check.sh" ]; then
  echo "SKIP: ../shared/peers/vhd/check.sh not present"
  exit 0
fi

if [ "${FG_PEERS_FULL:-0}" = 1 ]; then
  unset MAX_SIZE
else
  export MAX_SIZE=${MAX_SIZE:-4294967296}
fi

make -s BUILD="$BUILD" "$BUILD/libfg2ng.a" || exit 2

scratch=$(mktemp -d "${TMPDIR:-/tmp}/fg2ng-peers.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT

build_vhdcat() {
  # Built by the Makefile with the library's own flags (and sanitizers).
  make -s BUILD="$BUILD" "$BUILD/tools/vhdcat"
}

# check.sh calls "READER IN OUT"; fg2ng wants "-o OUT", hence a wrapper.
fg2ng_wrapper() {
  cat > "$scratch/fg2ng-raw" <<EOF
#!/bin/sh
exec "$PWD/$BUILD/fg2ng" convert --format raw --quiet "\$1" -o "\$2"
EOF
  chmod +x "$scratch/fg2ng-raw"
  echo "$scratch/fg2ng-raw"
}

have_fg2ng() {
  [ -x "$BUILD/fg2ng" ] &&
    "$BUILD/fg2ng" convert --help 2>&1 | grep -q -- '--format'
}

reader=${FG_PEERS_READER:-auto}
if [ "$reader" = auto ]; then
  if have_fg2ng; then reader=fg2ng; else reader=vhdcat; fi
fi

rc=0
for r in $( [ "$reader" = both ] && echo "vhdcat fg2ng" || echo "$reader" ); do
  case $r in
    vhdcat)
      build_vhdcat || exit 2
      cmd="$PWD/$BUILD/tools/vhdcat" ;;
    fg2ng)
      have_fg2ng || { echo "peers: $BUILD/fg2ng convert is not built" >&2; exit 2; }
      cmd=$(fg2ng_wrapper) ;;
    *)
      echo "peers: FG_PEERS_READER must be fg2ng, vhdcat or both" >&2
      exit 2 ;;
  esac
  echo "== peers/vhd with $r"
  "$peers/check.sh" "$cmd" || rc=1
done
exit $rc
