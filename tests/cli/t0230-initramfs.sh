#!/usr/bin/env bash
# Issue 7: actions that need the guest's own tools run in one libguestfs
# appliance on a scratch copy, and the output is still fg2ng's own VHD.
# The profile's rebuild command is swapped (FG2NG_PROFILES) for a cheap
# one that leaves a trace, so that the pipeline is tested in a minute
# rather than the quarter of an hour update-initramfs takes under TCG:
# the command runs inside the guest (its /lib/modules, its /bin/sh), its
# writes reach the output, the output is a valid XenServer VHD, and no
# scratch file is left.  FG_E2E=1 (make check-e2e) also runs the real
# update-initramfs of the sample and boots the result with fg2ng verify.
. "$(dirname "$0")/lib.sh"

SAMPLES=$FG_TOP/build/samples
SRC=$SAMPLES/fg-debian.tar.gz.0
cd "$WORK" || exit 1

if [ ! -e "$SRC" ]; then
  for t in "the guest's command runs in one appliance and its writes reach the output" \
           "a failing guest command: exit 3, the guest's words, nothing left behind" \
           "--initramfs keep: no appliance, the reason in the report"; do
    skip "$t" "no sample in build/samples (make samples)"
  done
  done_testing
fi

# profiles/ with the debian rebuild command replaced by CMD (JSON list).
profiles_with() {
  rm -rf prof && mkdir prof && cp "$FG_TOP"/profiles/*.json prof/
  python3 - "$1" <<'PY'
import json, sys
p = json.load(open("prof/debian.json"))
p["initramfs"]["rebuild"] = json.loads(sys.argv[1])
json.dump(p, open("prof/debian.json", "w"), indent=2)
PY
}

# raw_part VHD: its first partition as VHD.part (read with qemu-img).
raw_part() {
  qemu-img convert -f vpc -O raw "$1" "$1.raw" &&
    dd if="$1.raw" of="$1.part" bs=1M skip=1 status=none && rm -f "$1.raw"
}

no_scratch_left() {
  if ls -a | grep -q 'fg2ng-stage'; then
    echo "scratch files left:"; ls -la | grep fg2ng-stage; return 1
  fi
}

test_ok "the guest's command runs in one appliance and its writes reach the output" '
  profiles_with "[\"sh\", \"-c\", \"ls /lib/modules > /boot/fg2ng-guest-ran && echo guest-ran\"]"
  t=$SECONDS
  FG2NG_PROFILES=$WORK/prof expect_exit 0 "$FG2NG" convert --initramfs rebuild --json "$SRC" -o r.vhd
  cp "$WORK/last.out" r.json
  python3 - <<PY
import json
j = json.load(open("r.json"))["initramfs"]
assert j["rebuilt"] is True, j
assert "guest-ran" in (j.get("log") or ""), j
assert "--initramfs rebuild" in j["why"], j
PY
  python3 "$FG_TOP/../shared/tools/vhdcheck.py" r.vhd --xen > vc.out 2>&1 || { cat vc.out; exit 1; }
  qemu-img info -f vpc r.vhd > /dev/null
  raw_part r.vhd
  e2fsck -fn r.vhd.part > /dev/null 2>&1
  want=$(cat "$SAMPLES"/fg-debian.tar.gz.* | tar -tz | sed -En "s#^image/(usr/)?lib/modules/([^/]*)/\$#\2#p" | sort -u)
  got=$(debugfs -R "cat /boot/fg2ng-guest-ran" r.vhd.part 2>/dev/null)
  [ -n "$got" ] && [ "$got" = "$want" ] || { echo "the guest listed \"$got\", its lib/modules holds \"$want\""; exit 1; }
  no_scratch_left
  echo "measured: $((SECONDS - t)) s for convert with one appliance run"'

test_ok "a failing guest command: exit 3, the guest's words, nothing left behind" '
  profiles_with "[\"sh\", \"-c\", \"echo no-space-left-on-purpose >&2; exit 7\"]"
  FG2NG_PROFILES=$WORK/prof expect_exit 3 "$FG2NG" convert --initramfs rebuild "$SRC" -o bad.vhd
  err_has "rebuilding the initramfs"
  err_has "no-space-left-on-purpose"
  [ ! -e bad.vhd ]
  no_scratch_left'

test_ok "--initramfs keep: no appliance, the reason in the report" '
  t=$SECONDS
  expect_exit 0 "$FG2NG" convert --initramfs keep --json "$SRC" -o k.vhd
  python3 -c "import json; j = json.load(open(\"$WORK/last.out\"))[\"initramfs\"]; assert j[\"rebuilt\"] is False and \"keep\" in j[\"why\"], j"
  expect_exit 2 "$FG2NG" convert --initramfs sometimes "$SRC" -o x.vhd
  err_has "--initramfs takes auto, rebuild or keep"
  echo "measured: $((SECONDS - t)) s"'

if [ "${FG_E2E:-}" = 1 ]; then
  test_ok "e2e: the real update-initramfs of the sample, then the result boots (fg2ng verify)" '
    t=$SECONDS
    expect_exit 0 "$FG2NG" convert --initramfs rebuild --mode self-service --json "$SRC" -o e.vhd
    python3 -c "import json; j = json.load(open(\"$WORK/last.out\"))[\"initramfs\"]; assert j[\"rebuilt\"] and \"update-initramfs\" in j[\"log\"], j"
    "$FG2NG" verify --accel tcg --timeout 600 e.vhd > verify.out 2>&1 || { tail -30 verify.out; exit 1; }
    echo "measured: $((SECONDS - t)) s for the rebuild and the boot"'
fi

done_testing
