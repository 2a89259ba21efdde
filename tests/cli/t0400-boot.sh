#!/usr/bin/env bash
# Issue 7 item 6, "proof that the output works": the boot check's own
# parts that need no qemu.  pygrub's choice of entry on small made-up disks
# (libexec/fg2ng-boot-check --print-entry, through tests/e2e/boot-vhd.sh),
# how a disk it cannot boot is told apart from one it cannot read, and the
# acceleration choice.  The boots of the converted sample are in
# t0410-verify.sh (fg2ng verify), which uses the same harness.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
BOOT=$FG_TOP/tests/e2e/boot-vhd.sh

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
  test_ok "pygrub entry naming a missing kernel: a failed check (exit 1) naming it" '
    legacy nk "default 0"
    debugfs -w -R "rm /boot/vmlinuz-a" "nk.raw?offset=1048576" >/dev/null 2>&1
    expect_exit 1 "$BOOT" nk.raw --print-entry --workdir pe-nk
    grep -qxF "check FAIL pygrub entry: partition 1: kernel /boot/vmlinuz-a of entry 0 (first) in /boot/grub/menu.lst is not in the file system" pe-nk/summary.txt \
      || { cat pe-nk/summary.txt; exit 1; }
    grep -qx "result fail" pe-nk/summary.txt'
  test_ok "no boot configuration, no partition table: input errors (exit 2), not failed checks" '
    mk_tree nc; mk_disk nc
    expect_exit 2 "$BOOT" nc.raw --print-entry --workdir pe-nc
    err_has "is not a disk XenServer can boot: no partition holds a boot configuration pygrub would read"
    if grep -q "^check " pe-nc/summary.txt; then echo "checks were run"; exit 1; fi
    head -c 3M /dev/urandom > noise.raw
    expect_exit 2 "$BOOT" noise.raw --print-entry --workdir pe-noise
    err_has "whole disk: no ext2/3/4 file system"
    expect_exit 2 "$BOOT" --print-entry "$WORK"
    err_has "is not a disk"'
fi

test_ok "acceleration: --accel is checked; kvm without a usable /dev/kvm cannot run (exit 3); auto honours force_tcg" '
  : > empty.raw
  expect_exit 2 "$BOOT" empty.raw --accel hvf
  err_has "--accel must be auto, kvm or tcg, not '"'"'hvf'"'"'"
  if have qemu-system-x86_64 && [ ! -c /dev/kvm ]; then
    expect_exit 3 "$BOOT" empty.raw --accel kvm
    err_has "KVM was asked for (--accel kvm) but /dev/kvm cannot be opened read-write"
  fi
  if have debugfs && have sfdisk && [ -e d1.raw ]; then
    LIBGUESTFS_BACKEND_SETTINGS=force_tcg expect_exit 0 "$BOOT" d1.raw --print-entry --workdir acc
    grep -qx "accel tcg LIBGUESTFS_BACKEND_SETTINGS=force_tcg" acc/summary.txt || { cat acc/summary.txt; exit 1; }
    if [ ! -e /dev/kvm ]; then
      LIBGUESTFS_BACKEND_SETTINGS= FG2NG_ACCEL= expect_exit 0 "$BOOT" d1.raw --print-entry --workdir acc2
      grep -qx "accel tcg /dev/kvm cannot be opened read-write" acc2/summary.txt || { cat acc2/summary.txt; exit 1; }
      [ ! -e /dev/kvm ] || { echo "probing /dev/kvm created it"; exit 1; }
    fi
  fi'

# fake_harness DIR CODE: a fg2ng-boot-check in DIR that says why on stderr
# and exits CODE, as the real one does for a disk it refuses (2) or when
# it breaks (3, or anything else).
fake_harness() {
  mkdir -p "$1"
  printf '#!/bin/sh\necho "fg2ng verify: error: made-up reason %s" >&2\nexit %s\n' "$2" "$2" > "$1/fg2ng-boot-check"
  chmod +x "$1/fg2ng-boot-check"
}

test_ok "verify --json: when the boot check refuses the disk or breaks, stdout is the error object, exit 2 or 3" '
  [ -e d1.raw ] || exit 0
  fake_harness h2 2
  FG2NG_LIBEXEC=$WORK/h2 expect_exit 2 "$FG2NG" verify --json --expect-ip eth0=192.0.2.1/24 d1.raw
  err_has "made-up reason 2"
  python3 - "$FG_TOP/doc/error.schema.json" "$WORK/last.out" input <<PY
import json, sys, jsonschema
d = json.load(open(sys.argv[2]))
jsonschema.validate(d, json.load(open(sys.argv[1])))
assert d["error"]["kind"] == sys.argv[3] and "d1.raw" in d["error"]["message"], d
PY
  fake_harness h4 4
  FG2NG_LIBEXEC=$WORK/h4 expect_exit 3 "$FG2NG" verify --json --expect-ip eth0=192.0.2.1/24 d1.raw
  python3 -c "import json,sys; d = json.load(open(sys.argv[1])); assert d[\"error\"][\"kind\"] == \"internal\", d" "$WORK/last.out"
  # without --json, the harness words alone, as before
  FG2NG_LIBEXEC=$WORK/h2 expect_exit 2 "$FG2NG" verify --expect-ip eth0=192.0.2.1/24 d1.raw
  [ ! -s "$WORK/last.out" ]'

done_testing

