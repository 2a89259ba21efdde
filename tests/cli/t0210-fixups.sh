#!/usr/bin/env bash
# Fixups applied while the file system is written: fstab and grub by the
# new UUID, console=hvc0, stale udev network rules removed, hvc0 in
# securetty; the same diffs in the dry run; a distro without a profile
# is written unchanged, with a warning.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

# A first-gen Debian 6 guest, as the agent of the era left it.
mkdir -p t/image/etc/udev/rules.d t/image/boot/grub t/image/etc/network
echo 6.0.10 > t/image/etc/debian_version
printf '/dev/sda1 / ext3 defaults,errors=remount-ro 0 1\n/dev/sda2 none swap sw 0 0\nproc /proc proc defaults 0 0\n' > t/image/etc/fstab
printf 'default 0\ntimeout 5\ntitle Debian\nroot (hd0,0)\nkernel /boot/vmlinuz-2.6.32-5-amd64 root=/dev/sda1 ro\ninitrd /boot/initrd.img-2.6.32-5-amd64\n' > t/image/boot/grub/menu.lst
printf 'SUBSYSTEM=="net", ATTR{address}=="40:40:aa:bb:cc:dd", NAME="eth0"\n' > t/image/etc/udev/rules.d/70-persistent-net.rules
printf 'console\ntty1\n' > t/image/etc/securetty
echo kernel > t/image/boot/vmlinuz-2.6.32-5-amd64
tar -C t -czf deb6.tar.gz image

# cat_file VHD PATH: a file of the converted disk, read with debugfs.
cat_file() {
  qemu-img convert -q -f vpc -O raw "$1" "$1.raw" &&
  dd if="$1.raw" of="$1.part" bs=1M skip=1 status=none &&
  debugfs -R "cat /$2" "$1.part" 2>/dev/null
}

test_ok "fstab and menu.lst name the new file system by UUID" '
  expect_exit 0 "$FG2NG" convert --json deb6.tar.gz -o d.vhd
  cp "$WORK/last.out" d.json
  qemu-img convert -q -f vpc -O raw d.vhd d.raw
  dd if=d.raw of=d.part bs=1M skip=1 status=none
  uuid=$(dumpe2fs -h d.part 2>/dev/null | sed -n "s/^Filesystem UUID: *//p")
  [ -n "$uuid" ]
  debugfs -R "cat /etc/fstab" d.part 2>/dev/null > fstab
  grep -q "^UUID=$uuid	/	ext4	defaults,errors=remount-ro 0 1" fstab
  grep -q "^# fg2ng: not on the next-gen disk: /dev/sda2" fstab
  grep -q "^proc /proc proc" fstab
  debugfs -R "cat /boot/grub/menu.lst" d.part 2>/dev/null > menu
  grep -q "^kernel /boot/vmlinuz-2.6.32-5-amd64 root=UUID=$uuid ro console=hvc0 net.ifnames=0$" menu
  debugfs -R "cat /etc/securetty" d.part 2>/dev/null | grep -qx hvc0
  debugfs -R "stat /etc/udev/rules.d/70-persistent-net.rules" d.part > udev.stat 2>&1 || true
  lacks udev.stat "Inode:"
  e2fsck -fn d.part >/dev/null 2>&1'

test_ok "the report lists each change with a unified diff" '
  python3 - <<PY
import json
f = json.load(open("d.json"))["fixups"]
assert f["profile"] == "debian.json", f["profile"]
paths = {c["path"]: c for c in f["changes"]}
assert set(paths) == {"etc/fstab", "boot/grub/menu.lst", "etc/securetty",
                      "etc/udev/rules.d/70-persistent-net.rules"}, paths.keys()
assert paths["etc/udev/rules.d/70-persistent-net.rules"]["action"] == "remove"
assert "-/dev/sda1 / ext3" in paths["etc/fstab"]["diff"]
assert f["pending"][0]["action"] == "initramfs"
PY'

test_ok "the dry run shows the same diffs and writes nothing" '
  expect_exit 0 "$FG2NG" convert --dry-run --json deb6.tar.gz
  cp "$WORK/last.out" dry.json
  absent deb6.vhd
  python3 - <<PY
import json, re
real = json.load(open("d.json"))["fixups"]["changes"]
dry = json.load(open("dry.json"))["fixups"]["changes"]
uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
norm = lambda cs: sorted((c["path"], uuid.sub("<new-file-system-uuid>", c["diff"])) for c in cs)
assert norm(real) == norm(dry), (norm(real), norm(dry))
PY'

test_ok "--no-fixups writes the guest unchanged" '
  "$FG2NG" convert -q --no-fixups deb6.tar.gz -o n.vhd
  cat_file n.vhd etc/fstab | grep -q "^/dev/sda1 / ext3"'

test_ok "a system without a profile: refused; with --no-check written unchanged, with a warning" '
  mkdir -p g/image/etc && echo "Slackware 13.37.0" > g/image/etc/slackware-version
  printf "/dev/sda1 / ext3 noatime 0 1\n" > g/image/etc/fstab
  tar -C g -czf slack.tar.gz image
  expect_exit 1 "$FG2NG" convert slack.tar.gz -o g.vhd
  err_has "is not eligible"
  err_has "nothing was written"
  [ ! -e g.vhd ]
  expect_exit 0 "$FG2NG" convert --no-check slack.tar.gz -o g.vhd
  err_has "converted anyway (--no-check)"
  err_has "no profile for"
  cat_file g.vhd etc/fstab | grep -q "^/dev/sda1 / ext3"'

test_ok "a 2.6.18 kernel (CentOS 5) gets ext3 by its profile, and every file reads back the same (debugfs rdump, diff -r)" '
  mkdir -p c5/image/etc/sysconfig/network-scripts c5/image/boot/grub
  echo "CentOS release 5.11 (Final)" > c5/image/etc/redhat-release
  printf "/dev/sda1 / ext3 defaults 1 1\n" > c5/image/etc/fstab
  printf "default=0\ntitle CentOS\n root (hd0,0)\n kernel /boot/vmlinuz-2.6.18-398.el5xen ro root=/dev/sda1\n" > c5/image/boot/grub/grub.conf
  echo k > c5/image/boot/vmlinuz-2.6.18-398.el5xen
  for i in $(seq 1 40); do printf "file %s\n" $i > c5/image/etc/f$i; done
  head -c 70000 /dev/urandom > c5/image/etc/big
  tar -C c5 -czf c5.tar.gz image
  expect_exit 0 "$FG2NG" convert --json c5.tar.gz -o c5.vhd
  python3 -c "import json,sys; t = json.load(open(\"$WORK/last.out\"))[\"filesystem\"][\"type\"]; sys.exit(0 if t == \"ext3\" else \"filesystem %s, not ext3\" % t)"
  cat_file c5.vhd etc/fstab | grep -q "	/	ext3	"
  rm -rf back && mkdir back && debugfs -R "rdump / back" c5.vhd.part 2>/dev/null
  for f in etc/redhat-release etc/big $(cd c5/image && ls etc/f[0-9]*); do
    cmp "c5/image/$f" "back/$f" || { echo "$f differs after conversion"; exit 1; }
  done
  e2fsck -fn c5.vhd.part >/dev/null 2>&1'

test_ok "a broken profile is refused, naming the file and the key" '
  mkdir -p prof && cp "$FG_TOP"/profiles/*.json prof/
  python3 -c "import json; p = json.load(open(\"prof/debian.json\")); p[\"boot\"][\"console\"] = 7; json.dump(p, open(\"prof/debian.json\", \"w\"))"
  FG2NG_PROFILES=$WORK/prof expect_exit 3 "$FG2NG" convert deb6.tar.gz -o bad.vhd
  err_has "debian.json"
  err_has "boot.console"
  [ ! -e bad.vhd ]'

done_testing
