#!/usr/bin/env bash
# Issue 18: one distro -> family map, the profiles' "distros" lists.
# Amazon Linux ("amzn") was detected and called redhat by inspection's
# own map, but no profile named it: it was converted without fixups.
# Now rhel.json names it, and inspection, the network parser and the
# fixups all answer from that one list.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

# A first-gen Amazon Linux guest, as small as inspection needs.
k=3.2.30-49.59.amzn1.x86_64
mkdir -p a/image/etc/udev/rules.d a/image/boot/grub a/image/etc/sysconfig/network-scripts
echo "Amazon Linux AMI release 2012.09" > a/image/etc/system-release
printf '/dev/xvda1 / ext4 defaults,noatime 1 1\nproc /proc proc defaults 0 0\n' > a/image/etc/fstab
printf 'default=0\ntimeout=1\ntitle Amazon Linux 2012.09 (%s)\nroot (hd0,0)\nkernel /boot/vmlinuz-%s root=LABEL=/ ro\ninitrd /boot/initramfs-%s.img\n' $k $k $k > a/image/boot/grub/menu.lst
echo k > a/image/boot/vmlinuz-$k
printf 'SUBSYSTEM=="net", ATTR{address}=="40:40:aa:bb:cc:dd", NAME="eth0"\n' > a/image/etc/udev/rules.d/70-persistent-net.rules
printf 'console\ntty1\n' > a/image/etc/securetty
printf 'DEVICE=eth0\nBOOTPROTO=static\nIPADDR=192.0.2.10\nNETMASK=255.255.255.0\nGATEWAY=192.0.2.1\n' > a/image/etc/sysconfig/network-scripts/ifcfg-eth0
tar -C a -czf amzn.tar.gz image

test_ok "inspection names amzn's family from the profiles: redhat" '
  expect_exit 0 "$FG2NG" inspect --json amzn.tar.gz
  python3 - "$WORK/last.out" <<PY
import json, sys
os_ = json.load(open(sys.argv[1]))["os"]
assert os_["distro"] == "amzn" and os_["family"] == "redhat", os_
PY'

test_ok "amzn is converted with the Red Hat family profile fixups (rhel.json), not without" '
  expect_exit 0 "$FG2NG" convert --no-check --json amzn.tar.gz -o a.vhd
  lacks "$WORK/last.err" "no profile for"
  python3 - "$WORK/last.out" <<PY
import json, sys
f = json.load(open(sys.argv[1]))["fixups"]
assert f["profile"] == "rhel.json", f["profile"]
paths = {c["path"] for c in f["changes"]}
for p in ("etc/fstab", "boot/grub/menu.lst", "etc/securetty",
          "etc/udev/rules.d/70-persistent-net.rules",
          "etc/dracut.conf.d/fg2ng-xen.conf"):
    assert p in paths, (p, sorted(paths))
assert f["pending"][0]["tool"] == "dracut", f["pending"][0]
PY'

test_ok "a profile naming a distro another profile names is refused, naming both (exit 3)" '
  mkdir -p prof && cp "$FG_TOP"/profiles/*.json prof/
  python3 -c "import json; p = json.load(open(\"prof/fedora.json\")); p[\"distros\"].append(\"amzn\"); json.dump(p, open(\"prof/fedora.json\", \"w\"))"
  FG2NG_PROFILES=$WORK/prof expect_exit 3 "$FG2NG" convert --no-check amzn.tar.gz -o bad.vhd
  err_has "amzn"
  err_has "fedora.json"
  err_has "rhel.json"
  absent bad.vhd'

test_ok "a typo in a profile key is refused, naming the file and the key (exit 3)" '
  mkdir -p prof2 && cp "$FG_TOP"/profiles/*.json prof2/
  python3 -c "import json; p = json.load(open(\"prof2/rhel.json\")); p[\"fstab\"][\"drop_missing_device\"] = True; json.dump(p, open(\"prof2/rhel.json\", \"w\"))"
  FG2NG_PROFILES=$WORK/prof2 expect_exit 3 "$FG2NG" check amzn.tar.gz
  err_has "rhel.json"
  err_has "fstab.drop_missing_device"'

done_testing
