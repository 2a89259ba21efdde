#!/usr/bin/env bash
# examples/demo.sh --- the main job on the built-in sample: make the
# first-gen sample image (cached after the first run), convert it into a
# next-gen Glance bundle, check the result with tools fg2ng did not write,
# and print the report.  Run through `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
FG2NG=${FG2NG:-build/fg2ng}
out=build/demo
samples=build/samples
name=fg-debian
# The file-level image is dry-run and converted the same way: what the
# dry run shows is what the conversion does.
mode=self-service
flavor=512MB

step() { printf '\n== %s\n' "$*"; }

step "the first-gen sample image (debootstrap on the first run, minutes; then cached)"
if [ ! -f "$samples/$name.expected.json" ]; then
  bash examples/make-sample.sh --out "$samples" --name "$name" >/dev/null
fi
ls -1 "$samples" | sed 's/^/  /'

mkdir -p "$out"
rm -f "$out/$name-block.tgz" "$out/$name-block.json" "$out/$name.tgz" "$out/$name.json"

step "converting the block-level image ($name-block.tar.gz.0 ..) to a Glance bundle"
"$FG2NG" convert "$samples/$name-block.tar.gz.0" -o "$out/$name-block.tgz"

step "checking the bundle with independent readers"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xzf "$out/$name-block.tgz"
echo "  members: $(tar -tzf "$out/$name-block.tgz" | tr '\n' ' ')"
qemu-img compare -q -f raw -F vpc "$samples/$name-block.raw" "$tmp/0.vhd" &&
  echo "  qemu-img compare: 0.vhd holds exactly the first-gen disk"
vhdiinfo "$tmp/0.vhd" | grep -E 'Disk type|Media size' | sed 's/^\s*/  vhdiinfo: /'
if [ -f ../shared/tools/vhdcheck.py ]; then
  python3 ../shared/tools/vhdcheck.py --xen -q "$tmp/0.vhd" | sed 's/^/  /'
fi

step "image properties ($out/$name-block.json)"
sed 's/^/  /' "$out/$name-block.json"

step "the support engineer's dry run ($mode): is the file-level image eligible, what will change"
"$FG2NG" check "$samples/$name.tar.gz.0" --flavor "$flavor" --mode "$mode" || true

step "converting the file-level image ($name.tar.gz.0 ..) to a Glance bundle, as the dry run said ($mode)"
"$FG2NG" convert "$samples/$name.tar.gz.0" --flavor "$flavor" --mode "$mode" -o "$out/$name.tgz"

step "checking the file-level result with independent readers"
rm -rf "$tmp"/*
tar -C "$tmp" -xzf "$out/$name.tgz"
"$FG2NG" convert -q "$tmp/0.vhd" -o "$tmp/disk.raw"
sfdisk -d "$tmp/disk.raw" 2>/dev/null | grep -E '^/|label:' | sed 's/^/  sfdisk: /'
dd if="$tmp/disk.raw" of="$tmp/part.img" bs=1M skip=1 status=none
e2fsck -fn "$tmp/part.img" 2>&1 | tail -1 | sed 's/^/  e2fsck -fn: /'
dumpe2fs -h "$tmp/part.img" 2>/dev/null | grep -E 'volume name|UUID|features' | sed 's/^/  /'
if [ -f ../shared/tools/vhdcheck.py ]; then
  python3 ../shared/tools/vhdcheck.py --xen -q "$tmp/0.vhd" | sed 's/^/  /'
fi

step "done: outputs in $out/"
