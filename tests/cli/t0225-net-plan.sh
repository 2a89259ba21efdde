#!/usr/bin/env bash
# Issue 16, item 3: no silent network breakage.  The web01 record of the
# agent's example schedule (examples/agent/schedule.json) gives ServiceNet
# 10.180.12.34/19 with no gateway; the era trees' images route ServiceNet
# via a gateway of their own /19, outside that subnet.  Converting them
# with the record must route 10.176.0.0/12 and 10.208.0.0/12 via
# 10.180.0.1 (the first host of the subnet: fg2ng's convention,
# doc/servicenet.md), say so as a warning in text and in the JSON result,
# and never write `|| true`.  The network files are read back from the
# output disk with debugfs, not with fg2ng.  A record whose gateway is
# outside its subnet is an input error (exit 2) naming the file and the
# field, and nothing is written.
. "$(dirname "$0")/lib.sh"

ERA="$FG_TOP/tests/fixtures/era"

if ! have qemu-img || ! have debugfs; then
  skip "era trees: network plan with the web01 record" "needs qemu-img and debugfs"
  done_testing
fi
TREES=$(era_trees) || { echo "not ok 1 - make-era-trees.sh failed"; exit 1; }
cd "$WORK" || exit 1

# The web01 record, as the agent would give it to convert.
python3 - "$FG_TOP/examples/agent/schedule.json" > web01.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
rec = [x for x in s["servers"] if x["server_id"] == "web01"][0]["server_record"]
assert "gateway" not in rec["private"], rec["private"]
assert rec["private"]["ipv4"] == ["10.180.12.34/19"], rec["private"]
print(json.dumps(rec))
PY

# read_back TREE FILE...: convert TREE with web01.json (text mode, then
# the same with --json), and copy FILE... of the output disk to got-TREE/.
read_back() {
  local n=$1 f; shift
  expect_exit 0 "$FG2NG" convert -f --no-check --initramfs keep \
    --mode self-service --server-record web01.json "$TREES/$n.tar.gz" -o "$n.vhd"
  cp last.err "$n.text.err"
  expect_exit 0 "$FG2NG" convert -q -f --no-check --initramfs keep --json \
    --mode self-service --server-record web01.json "$TREES/$n.tar.gz" -o "$n.vhd"
  cp last.out "$n.json"
  qemu-img convert -f vpc -O raw "$n.vhd" "$n.raw"
  dd if="$n.raw" of="$n.part" bs=1M skip=1 status=none
  rm -f "$n.raw" "$n.vhd"
  rm -rf "got-$n"
  for f; do
    mkdir -p "got-$n/$(dirname "$f")"
    debugfs -R "cat /$f" "$n.part" > "got-$n/$f" 2>/dev/null
    [ -s "got-$n/$f" ] || { echo "$n: /$f is missing or empty on the disk"; return 1; }
  done
  rm -f "$n.part"
}

# has_line FILE LINE: FILE holds LINE, whole.
has_line() {
  grep -qxF -- "$2" "$1" || { echo "$1 lacks the line '$2'; it is:"; cat "$1"; return 1; }
}

# json_reports TREE IMAGE_GW: the JSON result says what was derived.
json_reports() {
  python3 - "$1.json" "$2" <<'PY'
import json, sys
doc, image_gw = json.load(open(sys.argv[1])), sys.argv[2]
net = doc["network"]
w = [x for x in net["warnings"] if "10.180.0.1" in x and "derived" in x]
assert w, net["warnings"]
assert "doc/servicenet.md" in w[0], w
assert any(image_gw in c and "10.180.0.0/19" in c for c in net["conflicts"]), net["conflicts"]
d = [g for g in net["gateways"] if g.get("derived")]
assert len(d) == 1, net["gateways"]
d = d[0]
assert (d["interface"], d["gateway"], d["subnet"], d["field"]) == \
    ("eth1", "10.180.0.1", "10.180.0.0/19", "private.gateway"), d
assert d["reason"], d
assert sorted(d["routes"]) == ["10.176.0.0/12", "10.208.0.0/12"], d
eth1 = [i for i in net["interfaces"] if i["name"] == "eth1"][0]
assert {(r["to"], r["via"]) for r in eth1["routes"]} == \
    {("10.176.0.0/12", "10.180.0.1"), ("10.208.0.0/12", "10.180.0.1")}, eth1["routes"]
# the same warnings where fixups report the network (the agent's and
# batch's stored result is this document)
assert any("10.180.0.1" in x for x in doc["fixups"]["network"]["warnings"])
PY
}

test_ok "debian-7 with the web01 record: ServiceNet via the derived 10.180.0.1, read back from the disk; no '|| true'; a warning in text and JSON" '
  read_back debian-7 etc/network/interfaces
  f=got-debian-7/etc/network/interfaces
  has_line $f "    address 10.180.12.34"
  has_line $f "    netmask 255.255.224.0"
  has_line $f "    up ip route add 10.176.0.0/12 via 10.180.0.1 dev eth1"
  has_line $f "    down ip route del 10.176.0.0/12 via 10.180.0.1 dev eth1"
  has_line $f "    up ip route add 10.208.0.0/12 via 10.180.0.1 dev eth1"
  has_line $f "    down ip route del 10.208.0.0/12 via 10.180.0.1 dev eth1"
  if grep -n "|| true" $f; then echo "a command is guarded with || true"; exit 1; fi
  if grep -n "10.177.96.1" $f; then echo "the image gateway outside 10.180.0.0/19 is left"; exit 1; fi
  grep -q "warning: .*10\.180\.0\.1.*derived" debian-7.text.err || { cat debian-7.text.err; exit 1; }
  json_reports debian-7 10.177.96.1'

test_ok "centos-6 with the web01 record: route-eth1 via the derived 10.180.0.1, read back from the disk" '
  read_back centos-6 etc/sysconfig/network-scripts/route-eth1 etc/sysconfig/network-scripts/ifcfg-eth1
  d=got-centos-6/etc/sysconfig/network-scripts
  has_line $d/ifcfg-eth1 "IPADDR=10.180.12.34"
  has_line $d/route-eth1 "ADDRESS0=10.176.0.0"
  has_line $d/route-eth1 "NETMASK0=255.240.0.0"
  has_line $d/route-eth1 "GATEWAY0=10.180.0.1"
  has_line $d/route-eth1 "ADDRESS1=10.208.0.0"
  has_line $d/route-eth1 "GATEWAY1=10.180.0.1"
  if grep -n "10.179.96.1" $d/route-eth1; then echo "the image gateway is left"; exit 1; fi
  json_reports centos-6 10.179.96.1'

test_ok "a record whose ServiceNet gateway is outside its subnet: exit 2 naming the file and the field, nothing written (convert and check)" '
  python3 -c "
import json; r = json.load(open(\"web01.json\")); r[\"private\"][\"gateway\"] = \"10.179.64.1\"
json.dump(r, open(\"outside.json\", \"w\"))"
  expect_exit 2 "$FG2NG" convert --no-check --initramfs keep --mode self-service \
    --server-record outside.json "$TREES/debian-7.tar.gz" -o never.vhd
  err_has "outside.json"
  err_has "private.gateway"
  err_has "10.179.64.1 is outside 10.180.0.0/19"
  err_has "hint:"
  [ ! -e never.vhd ]
  no_leftovers .
  expect_exit 2 "$FG2NG" check --mode assisted --server-record outside.json "$TREES/debian-7.tar.gz"
  err_has "private.gateway"'

test_ok "a public address with no gateway that the image cannot give: exit 2 naming public.gateway" '
  python3 -c "
import json; r = json.load(open(\"web01.json\")); r[\"public\"] = {\"ipv4\": [\"203.0.113.5/24\"]}
json.dump(r, open(\"nogw.json\", \"w\"))"
  expect_exit 2 "$FG2NG" convert --no-check --initramfs keep --mode self-service \
    --server-record nogw.json "$TREES/debian-7.tar.gz" -o never2.vhd
  err_has "nogw.json"
  err_has "public.gateway"
  [ ! -e never2.vhd ]'

done_testing
