#!/usr/bin/env bash
# Block-level conversion of a raw disk and of VHDs made by qemu, checked by
# readers fg2ng did not write: qemu-img compare, vhdiinfo, vhdcheck --xen.
. "$(dirname "$0")/lib.sh"

make_raw "$WORK/disk.raw" 37

test_ok "raw -> dynamic VHD: identical content, XenServer conventions" '
  expect_exit 0 "$FG2NG" convert --no-check disk.raw -o out.vhd
  qemu-img compare -q -f raw -F vpc disk.raw out.vhd
  xen_ok out.vhd
  # 37 MiB rounds up to 38 MiB, a whole number of 2 MiB blocks, as
  # vhd-util create does; the extra MiB reads as zeros.
  [ "$(qemu-img info --output=json out.vhd | python3 -c "import json,sys; print(json.load(sys.stdin)[\"virtual-size\"])")" = $((38 * 1048576)) ]
  # creator "tap\0" 1.3: bytes 28..35 of the footer copy at offset 0
  [ "$(dd if=out.vhd bs=1 skip=28 count=8 status=none | od -An -tx1 | tr -d " \n")" = "7461700000010003" ]'

test_ok "zero blocks are not allocated" '
  "$FG2NG" convert --no-check --json disk.raw -o j.vhd > res.json
  python3 - <<PY
import json
r = json.load(open("res.json"))
assert r["blocks_total"] == 19, r
assert r["blocks_written"] == 4, r   # blocks 0,1 (data at 1-3 MiB), 9 (middle), 18 (tail)
PY
  [ "$(stat -c %s j.vhd)" -lt $((5 * 2 * 1048576)) ]'

test_ok "fixed VHD and raw outputs" '
  expect_exit 0 "$FG2NG" convert --no-check --format vhd-fixed disk.raw -o fixed.vhd
  [ "$(stat -c %s fixed.vhd)" -eq $((38 * 1048576 + 512)) ]
  qemu-img compare -q -f raw -F vpc disk.raw fixed.vhd
  xen_ok fixed.vhd
  expect_exit 0 "$FG2NG" convert --no-check out.vhd -o back.raw
  [ "$(stat -c %s back.raw)" -eq $((38 * 1048576)) ]
  cmp -n $((37 * 1048576)) disk.raw back.raw
  [ "$(tail -c 1048576 back.raw | tr -d "\\0" | wc -c)" -eq 0 ]'

test_ok "qemu-made dynamic VHD -> tap VHD" '
  qemu-img convert -q -f raw -O vpc -o subformat=dynamic disk.raw q.vhd
  expect_exit 0 "$FG2NG" convert --no-check q.vhd -o fromq.vhd
  qemu-img compare -q -F vpc -f vpc q.vhd fromq.vhd
  xen_ok fromq.vhd'

test_ok "an existing output is refused, --force replaces it" '
  cp out.vhd keep.vhd
  expect_exit 2 "$FG2NG" convert --no-check disk.raw -o keep.vhd
  err_has "already exists"
  grep -q "^hint: " "$WORK/last.err"
  cmp out.vhd keep.vhd
  expect_exit 0 "$FG2NG" convert --no-check -f disk.raw -o keep.vhd
  no_leftovers .'

test_ok "--progress=json gives JSON-lines events on stderr" '
  expect_exit 0 "$FG2NG" convert --no-check --progress=json -q disk.raw -o p.vhd
  python3 - "$WORK/last.err" <<PY
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev[0]["event"] == "start" and ev[-1]["event"] == "end", ev
assert ev[-1]["done"] == ev[-1]["total"] == 37 * 1048576, ev[-1]
PY
  [ ! -s "$WORK/last.out" ]'

test_ok "the source is never modified" '
  sum=$(sha256sum < disk.raw)
  chmod a-w disk.raw
  "$FG2NG" convert --no-check -q disk.raw -o ro.vhd
  [ "$(sha256sum < disk.raw)" = "$sum" ]
  chmod u+w disk.raw'

test_ok "output folder missing: exit 2, nothing written" '
  expect_exit 2 "$FG2NG" convert --no-check disk.raw -o nodir/out.vhd
  err_has "nodir/out.vhd"'

test_ok "interrupted conversion leaves nothing behind" '
  dd if=/dev/urandom of=dense.raw bs=1M count=512 status=none
  "$FG2NG" convert --no-check --progress=json dense.raw -o int.vhd 2>events & pid=$!
  while [ ! -s events ]; do sleep 0.01; done
  kill -TERM $pid
  rc=0; wait $pid || rc=$?
  [ "$rc" -eq 143 ]          # died of SIGTERM, i.e. was still running
  [ ! -e int.vhd ]
  no_leftovers .
  rm -f dense.raw'

test_ok "a sparse 64 GiB disk converts with bounded memory" '
  truncate -s 64G huge.raw
  dd if=/dev/urandom of=huge.raw bs=1M count=4 seek=40000 conv=notrunc status=none
  /usr/bin/time -f "%M" -o rss.txt "$FG2NG" convert --no-check -q huge.raw -o huge.vhd
  rss=$(tail -1 rss.txt)
  echo "peak RSS ${rss} KiB for a 64 GiB disk"
  [ "$rss" -lt 65536 ]
  qemu-img compare -q -f raw -F vpc huge.raw huge.vhd
  rm -f huge.raw huge.vhd'

done_testing
