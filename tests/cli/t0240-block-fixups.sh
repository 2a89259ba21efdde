#!/usr/bin/env bash
# Issue 7: block-level images are fixed through libguestfs on a scratch
# copy, never by modifying the source.  The sample's block-level disk is
# converted with --mode self-service and a server record: one appliance
# edits fstab and grub (by the root file system's own UUID), renders the
# network from the record, removes the udev rules; the output is read
# back with qemu-img and debugfs, the source's checksum is unchanged, and
# no scratch file is left.  In image mode a block-level disk is copied as
# it is, with no appliance.
. "$(dirname "$0")/lib.sh"

RAW=$FG_TOP/build/samples/fg-debian-block.raw
REC=$FG_TOP/examples/server-record.json
cd "$WORK" || exit 1

if [ ! -e "$RAW" ]; then
  skip "block level, self-service: the guest fixed in one appliance" "no sample (make samples)"
  skip "block level, image mode: copied as it is" "no sample (make samples)"
  done_testing
fi

# part VHD: its first partition as VHD.part, read by qemu-img.
part() {
  qemu-img convert -f vpc -O raw "$1" "$1.raw" &&
    dd if="$1.raw" of="$1.part" bs=1M skip=1 status=none && rm -f "$1.raw"
}
cat_in() { debugfs -R "cat /$2" "$1" 2>/dev/null; }

test_ok "block level, self-service: the guest fixed in one appliance, the source untouched" '
  before=$(md5sum < "$RAW")
  t=$SECONDS
  expect_exit 0 "$FG2NG" convert --mode self-service --server-record "$REC" --json "$RAW" -o b.vhd
  cp "$WORK/last.out" b.json
  [ "$(md5sum < "$RAW")" = "$before" ] || { echo "the source changed"; exit 1; }
  python3 "$FG_TOP/../shared/tools/vhdcheck.py" b.vhd --xen > vc.out 2>&1 || { cat vc.out; exit 1; }
  part b.vhd
  e2fsck -fn b.vhd.part >/dev/null 2>&1
  uuid=$(dumpe2fs -h b.vhd.part 2>/dev/null | sed -n "s/^Filesystem UUID: *//p")
  cat_in b.vhd.part etc/fstab | grep -q "^UUID=$uuid	/	" || { cat_in b.vhd.part etc/fstab; exit 1; }
  cat_in b.vhd.part boot/grub/menu.lst | grep -q "root=UUID=$uuid .*console=hvc0" || { cat_in b.vhd.part boot/grub/menu.lst; exit 1; }
  cat_in b.vhd.part etc/network/interfaces > if.txt
  grep -q "address 2001:db8:77::23" if.txt
  grep -q "^iface eth0:1 inet static" if.txt
  grep -q "up ip route add 10.208.0.0/12 via 10.179.64.1 dev eth1" if.txt
  debugfs -R "stat /etc/udev/rules.d/70-persistent-net.rules" b.vhd.part > udev.stat 2>&1 || true
  lacks udev.stat "Inode:"
  python3 - <<PY
import json
j = json.load(open("b.json"))
paths = {c["path"]: c["action"] for c in j["fixups"]["changes"]}
assert paths.get("etc/network/interfaces") == "edit", paths
assert paths.get("etc/udev/rules.d/70-persistent-net.rules") == "remove", paths
assert j["network"]["source"] == "image and server record", j["network"]["source"]
assert j["initramfs"]["rebuilt"] is False, j["initramfs"]
PY
  if ls -a | grep -q fg2ng-stage; then echo "scratch left"; ls -la; exit 1; fi
  echo "measured: $((SECONDS - t)) s with one appliance"'

test_ok "block level, image mode: copied as it is, with no appliance (qemu-img compare)" '
  t=$SECONDS
  expect_exit 0 "$FG2NG" convert "$RAW" -o i.vhd
  qemu-img compare -q -f raw -F vpc "$RAW" i.vhd
  echo "measured: $((SECONDS - t)) s"'

done_testing
