#!/usr/bin/env bash
# Issue 7 item 6, "proof that the output works": the converted debootstrap
# sample boots under qemu (software emulation, -accel tcg) the way
# XenServer's pygrub chooses the kernel from the guest's own grub
# configuration, reaches multi-user, and the guest itself reports its root
# file system and its addresses (tests/e2e/boot-vhd.sh; see
# tests/e2e/README.md).  Before that, pygrub's choice of entry is checked on
# small made-up disks, without qemu.
#
# One boot of the sample, about a minute here; the tests after it read its
# summary (build/test-work/t0400-boot/boot/summary.txt, kept on failure with
# the serial console in console.log and the guest's report in report.log).
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
BOOT=$FG_TOP/tests/e2e/boot-vhd.sh
SAMPLES=$FG_TOP/build/samples
# shellcheck disable=SC2034  # read in the last test body (eval)
T0=$SECONDS

# ----------------------------------------------------- pygrub's choice --
# mk_disk NAME: NAME.raw, an MBR disk with one ext4 partition at 1 MiB made
# (without root) from the folder NAME/, which the caller has filled.
mk_tree() {
  mkdir -p "$1/boot/grub"
  echo kernel-a > "$1/boot/vmlinuz-a"; echo initrd-a > "$1/boot/initrd-a"
  echo kernel-b > "$1/boot/vmlinuz-b"; echo initrd-b > "$1/boot/initrd-b"
  ln -s vmlinuz-b "$1/boot/vmlinuz"
}
mk_disk() {
  truncate -s 9M "$1.raw"
  mke2fs -q -F -t ext4 -E offset=1048576 -d "$1" "$1.raw" 8M
  printf 'label: dos\nstart=2048, type=83\n' \
    | sfdisk -q --no-reread --no-tell-kernel "$1.raw" >/dev/null
}
# entry_is NAME KERNEL_FILE INITRD_FILE ARGS: boot-vhd --print-entry picks those.
entry_is() {
  expect_exit 0 "$BOOT" "$1.raw" --print-entry --workdir "pe-$1"
  local s="pe-$1/summary.txt"
  grep -qxF "kernel_file $2" "$s" && grep -qxF "initrd_file $3" "$s" && grep -qxF "args $4" "$s" || {
    echo "wanted kernel_file $2, initrd_file $3, args $4; boot-vhd chose:"; cat "$s"; return 1; }
}
legacy() {   # legacy NAME DEFAULT-LINE: two entries, the second through (hd0,0) and a symlink
  mk_tree "$1"
  { [ -z "$2" ] || echo "$2"
    printf 'timeout 5\n\ntitle first\nroot (hd0,0)\nkernel /boot/vmlinuz-a root=/dev/sda1 ro\ninitrd /boot/initrd-a\n'
    printf 'title second\n  root (hd0,0)\n  kernel (hd0,0)/boot/vmlinuz root=UUID=x ro console=hvc0\n  initrd=/boot/initrd-b\n'
  } > "$1/boot/grub/menu.lst"
  mk_disk "$1"
}

if ! have debugfs || ! have mke2fs || ! have sfdisk; then
  skip "pygrub's choice of entry on made-up disks" "needs debugfs, mke2fs and sfdisk (e2fsprogs, fdisk)"
else
  test_ok "pygrub's choice: 'default 1' picks the second title; (hd0,0) and a symlinked kernel resolved" '
    legacy d1 "default 1"
    entry_is d1 /boot/vmlinuz-b /boot/initrd-b "root=UUID=x ro console=hvc0"'
  test_ok "pygrub's choice: no default, 'default saved', default out of range: the first title" '
    legacy d0 ""
    entry_is d0 /boot/vmlinuz-a /boot/initrd-a "root=/dev/sda1 ro"
    legacy ds "default saved"
    entry_is ds /boot/vmlinuz-a /boot/initrd-a "root=/dev/sda1 ro"
    legacy d7 "default=7"
    entry_is d7 /boot/vmlinuz-a /boot/initrd-a "root=/dev/sda1 ro"'
  test_ok "pygrub's choice: grub.cfg is read before menu.lst" '
    legacy g2 "default 1"
    cat > g2/boot/grub/grub.cfg <<EOF
set default="1"
menuentry "one" --class debian {
  linux /boot/vmlinuz-b from-grub-cfg-0
}
menuentry "two" {
  insmod ext2
  linux (hd0,msdos1)/boot/vmlinuz-a root=UUID=y ro from-grub-cfg-1
  initrd /boot/initrd-a
}
EOF
    mk_disk g2
    entry_is g2 /boot/vmlinuz-a /boot/initrd-a "root=UUID=y ro from-grub-cfg-1"'
  test_ok "a missing kernel or no configuration: exit 1, naming what is missing" '
    legacy nk "default 0"
    debugfs -w -R "rm /boot/vmlinuz-a" "nk.raw?offset=1048576" >/dev/null 2>&1
    expect_exit 1 "$BOOT" nk.raw --print-entry --workdir pe-nk
    grep -q "kernel /boot/vmlinuz-a of entry 0 (first) in /boot/grub/menu.lst is not in the file system" "$WORK/last.out" \
      || { cat "$WORK/last.out"; exit 1; }
    mk_tree nc; mk_disk nc
    expect_exit 1 "$BOOT" nc.raw --print-entry --workdir pe-nc
    grep -q "no partition holds a boot configuration pygrub would read" "$WORK/last.out" \
      || { cat "$WORK/last.out"; exit 1; }'
fi

# ------------------------------------------------------ the sample boots --
WHY=""
[ -e "$SAMPLES/fg-debian.expected.json" ] || WHY="no sample in build/samples (make samples; needs root)"
have qemu-system-x86_64 || WHY="${WHY:+$WHY; }no qemu-system-x86_64 (make deps: qemu-system-x86)"
have debugfs || WHY="${WHY:+$WHY; }no debugfs (make deps: e2fsprogs)"
if [ -n "$WHY" ]; then
  for t in "the converted sample boots to multi-user" "its root file system is mounted" \
           "eth0 carries 198.51.100.23/24" "eth1 carries 10.179.77.12/19" \
           "ServiceNet and default routes" "the harness is not blind" "the output VHD is untouched"; do
    skip "$t" "$WHY"
  done
  done_testing
fi

# The first-gen NICs: 70-persistent-net.rules in the sample binds eth0 and
# eth1 to these MACs, so the same hardware is given to the guest.
# shellcheck disable=SC2034  # used inside the test bodies (eval)
PUB_MAC=40:40:6b:1e:92:0a SN_MAC=40:40:c1:77:3d:45
PLANTED=eth0=192.0.2.99/24    # an address the guest does not have
S=boot/summary.txt

# show_guest PATTERN: for a failure, what the guest reported that explains
# it: its state, failed units and their journal, interfaces, addresses, and
# the checks matching PATTERN.
show_guest() {
  grep -E '^(state|failed_units|interfaces|addresses) ' "$WORK/$S" | sed 's/^/guest: /'
  grep -E '^journal ' "$WORK/$S" \
    | grep -vE ': (Main process exited|Failed with result|Consumed)|Failed to start' \
    | tail -6 | sed 's/^/guest: /'
  grep -E "^check [A-Z]+ ($1)" "$WORK/$S"
  echo "(serial console and guest report: $WORK/boot/console.log, report.log)"
}

test_ok "the converted sample boots under qemu -accel tcg the way pygrub would, to multi-user" '
  expect_exit 0 "$FG2NG" convert "$SAMPLES/fg-debian.tar.gz.0" -o s.vhd
  md5sum s.vhd > s.vhd.md5
  t=$SECONDS rc=0
  "$BOOT" s.vhd --workdir boot --timeout 240 --mac $PUB_MAC --mac $SN_MAC \
    --expect-root-by-uuid \
    --expect-ip eth0=198.51.100.23/24 --expect-ip eth1=10.179.77.12/19 \
    --expect-route "10.176.0.0/12 via 10.179.64.1 dev eth1" \
    --expect-route "10.208.0.0/12 via 10.179.64.1 dev eth1" \
    --expect-route "default via 198.51.100.1 dev eth0" \
    --expect-ip $PLANTED > boot.out 2>&1 || rc=$?
  echo $rc > boot.rc
  grep -q "^multi_user yes" $S || { tail -60 boot.out; exit 1; }
  grep -q "^config /boot/grub/menu.lst$" $S
  echo "measured: $(sed -n "s/^multi_user yes \(.*\)/\1/p" $S) s to multi-user, $(sed -n "s/^qemu_seconds //p" $S) s of qemu, $((SECONDS - t)) s for boot-vhd.sh (bus $(sed -n "s/^bus //p" $S), $(sed -n "s/^args //p" $S))"'

test_ok "its root file system is mounted read-write and is the disk's (UUID); root=/dev/sda1 or root=UUID= both accepted" '
  grep -q "^check PASS root mounted: " $S || { show_guest root; exit 1; }
  grep -q "^check PASS root read-write: " $S || { show_guest root; exit 1; }
  # Once the fixups write root=UUID=, the kernel line and fstab must agree.
  if grep -q "^root_arg UUID=" $S; then
    grep -q "^check PASS kernel root= by UUID" $S || { show_guest "kernel|fstab"; exit 1; }
    grep -q "^check PASS fstab / by UUID or LABEL" $S || { show_guest "kernel|fstab"; exit 1; }
  fi
  echo "measured: root $(sed -n "s/^root_source //p" $S), kernel root=$(sed -n "s/^root_arg //p" $S), fstab / $(sed -n "s/^fstab_root //p" $S)"'

test_ok "eth0 carries 198.51.100.23/24 (public, from the guest's own /etc/network/interfaces)" '
  grep -q "^check PASS ip eth0=198.51.100.23/24" $S || { show_guest "ip eth0=198"; exit 1; }'

test_ok "eth1 carries 10.179.77.12/19 (ServiceNet)" '
  grep -q "^check PASS ip eth1=10.179.77.12/19" $S || { show_guest "ip eth1"; exit 1; }'

test_ok "routes: 10.176.0.0/12 and 10.208.0.0/12 via 10.179.64.1 on eth1, default via 198.51.100.1 on eth0" '
  for r in "10.176.0.0/12 via 10.179.64.1 dev eth1" "10.208.0.0/12 via 10.179.64.1 dev eth1" \
           "default via 198.51.100.1 dev eth0"; do
    grep -qF "check PASS route $r:" $S || { show_guest route; exit 1; }
  done'

test_ok "the harness is not blind: a planted wrong address ($PLANTED) fails, and boot-vhd.sh exits 1" '
  grep -q "^check FAIL ip $PLANTED" $S || { show_guest "ip $PLANTED"; exit 1; }
  [ "$(cat boot.rc)" = 1 ] || { echo "boot-vhd.sh exited $(cat boot.rc), not 1"; tail -20 boot.out; exit 1; }
  ! grep -q "^check PASS ip $PLANTED" $S'

test_ok "the output VHD is untouched by the boot (the check went into a scratch copy)" '
  md5sum -c --quiet s.vhd.md5
  [ ! -e boot/disk.raw ] || { echo "boot-vhd.sh left its scratch disk"; exit 1; }
  echo "measured: t0400 took $((SECONDS - T0)) s in all"'

done_testing
