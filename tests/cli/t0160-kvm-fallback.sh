#!/usr/bin/env bash
# A host whose /dev/kvm opens but cannot run a guest (as on this project's
# machines: the guest never prints its first line) gets software
# emulation and one warning, not a hang.  The probe's qemu is faked: one
# that never answers, one that aborts as qemu does on an MSR it cannot
# set.  (The runner's LIBGUESTFS_BACKEND_SETTINGS is taken away here:
# fg2ng must decide by itself.)
. "$(dirname "$0")/lib.sh"

cd "$WORK"

truncate -s 16M part.raw
echo "2048,,83" | sfdisk -q part.raw

# An appliance that cannot start (its qemu exits at once): one line
# naming the user's source, never the scratch disk the block-level parts
# were unpacked to, libguestfs's eight lines kept back, exit 3, and a
# hint naming the acceleration used and the tool that explains.
mkdir -p blk/image
qemu-img convert -q -f raw -O vpc part.raw blk/image/image.vhd
tar -C blk -czf blk.tar.gz image
test_ok "an appliance that cannot start: one line naming the source, not the scratch; exit 3; a hint" '
  mkdir -p t0
  rc=0; LIBGUESTFS_BACKEND_SETTINGS=force_tcg LIBGUESTFS_HV=/bin/false TMPDIR=$PWD/t0 \
    "$FG2NG" check blk.tar.gz > out0.txt 2> err0.txt || rc=$?
  [ "$rc" -eq 3 ] || { echo "exit $rc"; cat err0.txt; exit 1; }
  grep -q "^fg2ng: error: .blk.tar.gz.: cannot start the libguestfs appliance: /bin/false exited" err0.txt
  grep -q "^hint: acceleration: as LIBGUESTFS_BACKEND_SETTINGS says (force_tcg); .libguestfs-test-tool. tells why" err0.txt
  lacks err0.txt "libguestfs: error"
  lacks err0.txt "$PWD/t0"
  [ "$(wc -l < err0.txt)" -eq 2 ] || { cat err0.txt; exit 1; }
  # (libguestfs keeps its appliance cache there, .guestfs-UID)
  [ -z "$(ls t0 | grep "^fg2ng-")" ] || { echo "scratch left:"; ls -la t0; exit 1; }'

if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ] || ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
  skip "KVM fallback" "no usable /dev/kvm or no host kernel here: nothing to probe"
  done_testing
fi

# fake_qemu NAME BODY: a qemu-system-x86_64 in folder NAME doing BODY.
fake_qemu() {
  mkdir -p "$1"
  printf '#!/bin/sh\n%s\n' "$2" > "$1/qemu-system-x86_64"
  chmod +x "$1/qemu-system-x86_64"
}

test_ok "a KVM guest that never prints: warned, software emulation, the answer still comes" '
  fake_qemu hang "exec sleep 60"
  mkdir -p t1
  start=$(date +%s)
  env -u LIBGUESTFS_BACKEND_SETTINGS TMPDIR=$PWD/t1 PATH="$PWD/hang:$PATH" \
    "$FG2NG" check part.raw >out.txt 2>err.txt || rc=$?
  [ "${rc:-0}" = 2 ] || { echo "exit ${rc:-0}"; cat err.txt; exit 1; }
  grep -q "warning: /dev/kvm is present but cannot run a guest (a guest under KVM printed nothing in 10 s): using software emulation" err.txt
  grep -q "no operating system found" err.txt
  echo "measured $(( $(date +%s) - start )) s"
  grep -q " 0 a guest under KVM printed nothing" t1/fg2ng-kvm-probe-$(id -u)'

test_ok "qemu aborting under KVM: the same, and the verdict is cached for this boot" '
  fake_qemu abort "echo \"qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0\" >&2; kill -ABRT \$\$"
  mkdir -p t2
  env -u LIBGUESTFS_BACKEND_SETTINGS TMPDIR=$PWD/t2 PATH="$PWD/abort:$PATH" \
    "$FG2NG" check part.raw >/dev/null 2>err.txt || true
  grep -q "qemu stopped under KVM: qemu-system-x86_64: error: failed to set MSR 0x10a" err.txt
  grep -q "no operating system found" err.txt
  # Cached: a qemu that would hang is not even asked.
  env -u LIBGUESTFS_BACKEND_SETTINGS TMPDIR=$PWD/t2 PATH="$PWD/hang:$PATH" \
    timeout 120 "$FG2NG" check part.raw >/dev/null 2>err2.txt || true
  grep -q "failed to set MSR 0x10a" err2.txt'

test_ok "the operator's LIBGUESTFS_BACKEND_SETTINGS is never second-guessed" '
  mkdir -p t3
  LIBGUESTFS_BACKEND_SETTINGS=force_tcg TMPDIR=$PWD/t3 PATH="$PWD/hang:$PATH" \
    "$FG2NG" check part.raw >/dev/null 2>err3.txt || true
  lacks err3.txt "cannot run a guest"
  absent t3/fg2ng-kvm-probe-$(id -u)'

done_testing
