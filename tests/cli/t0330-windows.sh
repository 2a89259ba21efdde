#!/usr/bin/env bash
# Windows disks through libguestfs (tests/fixtures/make-windows-disk.sh):
# inspect says Windows and its version; check refuses a domain
# controller (found by its files, or by its registry alone) and tells a
# member server that fg2ng does not convert Windows yet, with the
# closest next-gen flavor; the block-level check document is schema-valid.
# A self-service convert of the domain controller runs the same rules in
# its fixups appliance and refuses before touching anything.
. "$(dirname "$0")/lib.sh"

if ! have guestfish || ! have hivexregedit; then
  skip "Windows disks" "libguestfs tools or hivexregedit are not installed"
  done_testing
fi

# The three disks take one appliance run to make: built once per
# version of the script.
MAKE="$FG_TOP/tests/fixtures/make-windows-disk.sh"
sum=$(sha256sum "$MAKE" | cut -c1-16)
DISKS="$FG_BUILD/windows-disks/$sum"
if [ ! -f "$DISKS/.done" ]; then
  rm -rf "$FG_BUILD/windows-disks"
  mkdir -p "$DISKS"
  if ! bash "$MAKE" "$DISKS" >"$WORK/make-windows-disk.log" 2>&1; then
    echo "not ok 1 - make-windows-disk.sh failed"
    tail -20 "$WORK/make-windows-disk.log" | sed 's/^/#   /'
    exit 1
  fi
  touch "$DISKS/.done"
fi

# verdict FILE RULE LEVEL [TEXT]: the check document FILE has RULE at
# LEVEL (and TEXT in its message).
verdict() {
  python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = {x["rule"]: x for x in d["plan"]["verdicts"]}
r = v.get(sys.argv[2])
if r is None or r["level"] != sys.argv[3]:
    sys.exit("%s: %s is %s, expected %s" % (sys.argv[1], sys.argv[2], r, sys.argv[3]))
if len(sys.argv) > 4 and sys.argv[4] not in r["message"]:
    sys.exit("%s: %s says %r, not %r" % (sys.argv[1], sys.argv[2], r["message"], sys.argv[4]))
PY
}

schema_ok() {
  python3 - "$FG_TOP/doc/check.schema.json" "$1" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
}

test_ok "inspect: a Windows Server 2008 R2 disk, its version and hostname" '
  expect_exit 0 "$FG2NG" inspect "$DISKS/win-member.raw"
  out_has "layout       block level"
  out_has "os           windows windows 6.1"
  out_has "product      Windows Server 2008 R2 Standard"
  out_has "hostname     WEB01"'

test_ok "check: a member server is refused because Windows does not convert yet, with the closest flavor" '
  expect_exit 1 "$FG2NG" check --json --flavor 2GB "$DISKS/win-member.raw"
  cp "$WORK/last.out" member.json
  schema_ok member.json
  verdict member.json base-image.known fail "does not convert Windows yet"
  verdict member.json windows.domain-controller pass
  verdict member.json windows.disk-250g pass
  verdict member.json flavor.no-256mb pass "closest next-gen flavor: 4 (2048 MB RAM"
  python3 -c "
import json; d = json.load(open(\"member.json\"))
i = d[\"inspection\"]
assert i[\"layout\"] == \"block\" and i[\"os\"][\"type\"] == \"windows\", i[\"os\"]
assert i[\"os\"][\"major\"] == \"6\" and i[\"windows_domain_controller\"] is False, i
assert i[\"disk\"][\"virtual_size\"] == 64 << 20, i[\"disk\"]
assert d[\"plan\"][\"eligible\"] is False"'

# figure FILE RULE TEXT: the verdict RULE of FILE has TEXT in its figure.
figure() {
  python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = {x["rule"]: x for x in d["plan"]["verdicts"]}
f = v[sys.argv[2]]["figure"]
if sys.argv[3] not in f:
    sys.exit("%s: %s figure is %r, not %r" % (sys.argv[1], sys.argv[2], f, sys.argv[3]))
PY
}

# only_windows_rules FILE: no verdict of FILE speaks of inodes, fstab or
# kernels (Linux facts), and every windows.* rule is there.
only_windows_rules() {
  python3 - "$1" <<'PY'
import json, sys
rules = [x["rule"] for x in json.load(open(sys.argv[1]))["plan"]["verdicts"]]
linux = [r for r in rules if r.startswith(("linux.", "kernel.", "disk."))]
assert not linux, ("Linux rules on Windows", linux)
assert {"windows.disk-250g", "windows.domain-controller"} <= set(rules), rules
PY
}

test_ok "check: the base image is the Windows release by product name and version; SQL Server found by registry and data files; no Linux rules" '
  figure member.json base-image.known "Windows Server 2008 R2"
  only_windows_rules member.json
  verdict member.json data.database warn "SQL Server (/Program Files/Microsoft SQL Server/MSSQL10_50.MSSQLSERVER/MSSQL/DATA/master.mdf; registry: instance MSSQLSERVER (MSSQL10_50.MSSQLSERVER))"
  python3 -c "
import json; d = json.load(open(\"member.json\"))[\"inspection\"][\"databases\"]
assert [x[\"engine\"] for x in d] == [\"sqlserver\"] and d[0][\"name\"] == \"SQL Server\", d"
  expect_exit 1 "$FG2NG" check --flavor 2GB "$DISKS/win-member.raw"
  lacks "$WORK/last.out" inodes
  lacks "$WORK/last.out" fstab
  out_has "Windows Server 2008 R2 Standard"
  expect_exit 0 "$FG2NG" inspect "$DISKS/win-member.raw"
  out_has "database     SQL Server data: /Program Files/Microsoft SQL Server/MSSQL10_50.MSSQLSERVER/MSSQL/DATA/master.mdf; registry: instance MSSQLSERVER"'

test_ok "check: a domain controller (NTDS, SYSVOL) is refused: demote it first" '
  expect_exit 1 "$FG2NG" check --json "$DISKS/win-dc.raw"
  cp "$WORK/last.out" dc.json
  schema_ok dc.json
  verdict dc.json windows.domain-controller fail "demote it first"
  grep -q "\"windows_domain_controller\": true" dc.json
  figure dc.json base-image.known "Windows Server 2012 R2"
  verdict dc.json data.database pass'

test_ok "check: a domain controller known only by its registry (ProductType LanmanNT)" '
  expect_exit 1 "$FG2NG" check --json "$DISKS/win-dc-registry.raw"
  cp "$WORK/last.out" dcr.json
  verdict dcr.json windows.domain-controller fail
  figure dcr.json base-image.known "Windows Server 2003 R2"
  only_windows_rules dcr.json
  # data files alone, in other cases than the marker: found, no registry
  verdict dcr.json data.database warn "SQL Server (/Program Files/microsoft sql server/MSSQL10_50.SQLEXPRESS/MSSQL/Data/MASTER.MDF)"'

test_ok "convert --mode self-service of a domain controller: the rules run in the fixups appliance first, exit 1, nothing written, the source untouched" '
  before=$(sha256sum "$DISKS/win-dc.raw")
  mkdir -p out-dc
  expect_exit 1 "$FG2NG" convert --json --mode self-service "$DISKS/win-dc.raw" -o out-dc/dc.vhd
  cp "$WORK/last.out" convert-dc.json
  verdict convert-dc.json windows.domain-controller fail "demote it first"
  [ -z "$(ls -A out-dc)" ] || { echo "left behind:"; ls -la out-dc; exit 1; }
  [ "$(sha256sum "$DISKS/win-dc.raw")" = "$before" ] || { echo "the source changed"; exit 1; }'

done_testing
