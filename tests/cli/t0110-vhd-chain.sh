#!/usr/bin/env bash
# A differencing chain coalesced into one next-gen disk, and the ways a
# chain can be broken.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

test_ok "setup: a 4-level chain of 9 MiB from tests/tools/mkchain" '
  mkdir c && "$FG_BUILD/tools/mkchain" c 4 9
  ls c/l0.vhd c/l1.vhd c/l2.vhd c/l3.vhd c/expected.raw >/dev/null'

test_ok "a 4-level chain reads as its expected disk" '
  expect_exit 0 "$FG2NG" convert --no-check c/l3.vhd -o one.vhd
  grep -qE "[45] of 5 blocks hold data" "$WORK/last.out" || { echo "blocks line:"; cat "$WORK/last.out"; exit 1; }
  "$FG2NG" convert --no-check -q one.vhd -o one.raw
  cmp -n $((9 * 1048576)) one.raw c/expected.raw
  xen_ok one.vhd
  if [ -f "$VHDCHECK" ]; then
    python3 "$VHDCHECK" --xen -q c/l3.vhd
    python3 "$VHDCHECK" --extract-raw chk.raw -q c/l3.vhd
    cmp -n $((9 * 1048576)) chk.raw c/expected.raw
  fi'

test_ok "vhd-info shows the chain, leaf first" '
  "$FG2NG" vhd-info --json c/l3.vhd > info.json
  python3 - <<PY
import json
i = json.load(open("info.json"))
assert i["depth"] == 4, i["depth"]
assert [l["type"] for l in i["chain"]] == ["differencing"] * 3 + ["dynamic"]
assert i["chain"][0]["parent_name"] == "l2.vhd"
assert [l["code"] for l in i["chain"][0]["locators"]] == ["MacX", "W2ku", "W2ru"]
assert i["chain"][0]["parent_uuid"] == i["chain"][1]["uuid"]
PY'

test_ok "explicit --parent names the chain elsewhere" '
  mkdir -p moved && cp c/l3.vhd moved/leaf.vhd
  expect_exit 2 "$FG2NG" convert --no-check moved/leaf.vhd -o x.vhd
  err_has "l2.vhd"
  [ ! -e x.vhd ]
  expect_exit 0 "$FG2NG" convert --no-check moved/leaf.vhd --parent c/l2.vhd -o y.vhd
  "$FG2NG" convert --no-check -q y.vhd -o y.raw
  cmp -n $((9 * 1048576)) y.raw c/expected.raw'

test_ok "a parent with another UUID is refused, naming both" '
  mkdir -p wrong && cp c/l3.vhd wrong/ && cp c/l0.vhd wrong/l2.vhd
  expect_exit 2 "$FG2NG" convert --no-check wrong/l3.vhd -o w.vhd
  err_has "UUID"
  [ ! -e w.vhd ]; no_leftovers .'

test_ok "a chain that loops is refused" '
  # l1 renamed l0.vhd names "./l0.vhd", itself; give it its own UUID as
  # the parent UUID (and a fixed checksum) so only the loop is wrong.
  mkdir -p loop && cp c/l1.vhd loop/l0.vhd
  python3 - loop/l0.vhd <<PY
import struct, sys
f = open(sys.argv[1], "r+b")
f.seek(68); uuid = f.read(16)
f.seek(512); h = bytearray(f.read(1024))
h[40:56] = uuid
h[36:40] = b"\\0" * 4
h[36:40] = struct.pack(">I", ~sum(h) & 0xffffffff)
f.seek(512); f.write(h)
PY
  expect_exit 2 "$FG2NG" convert --no-check loop/l0.vhd -o l.vhd
  grep -Eiq "loop|itself|twice" "$WORK/last.err" || { cat "$WORK/last.err"; exit 1; }
  [ ! -e l.vhd ]'

done_testing
