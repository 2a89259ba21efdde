#!/usr/bin/env bash
# Issue 7: the network files fg2ng writes for every first-gen family.
# Each era tree (tests/fixtures/era) is converted with --mode self-service;
# the network files of the output disk are read back with debugfs (not
# with fg2ng) and compared, byte for byte, with the reviewed files under
# tests/fixtures/era/net/<tree>/; files fg2ng must remove are listed in
# tests/fixtures/era/net/<tree>.removed.  The ServiceNet rules are checked
# on their own too: no 10.191.192.0/18 route and no /13 route is left,
# and 10.176.0.0/12 and 10.208.0.0/12 are present in every tree; no
# command is guarded with `|| true` (issue 16; the gateways are checked
# by the plan, see t0225-net-plan.sh and doc/servicenet.md).
#
# FG_REGEN=1 rewrites the expected files from the current output (review
# the diff before committing it).
. "$(dirname "$0")/lib.sh"

ERA="$FG_TOP/tests/fixtures/era"
GOLD="$ERA/net"
TREES=$(era_trees) || { echo "not ok 1 - make-era-trees.sh failed"; exit 1; }
cd "$WORK" || exit 1

# The files of the network configuration, as the renderers name them.
NETPAT='^(etc/network/interfaces|etc/sysconfig/network|etc/sysconfig/network-scripts/.*|etc/sysconfig/network/.*|etc/rc\.conf|etc/network\.d/.*|etc/conf\.d/(net|netcfg|hostname)|etc/resolv\.conf|etc/hostname|etc/HOSTNAME)$'

# check_tree NAME: convert, read back, compare.
check_tree() {
  local n=$1 out=$1.vhd
  "$FG2NG" convert -q -f --no-check --initramfs keep --mode self-service \
    --json "$TREES/$n.tar.gz" -o "$out" > "$n.json" 2> "$n.err" \
    || { cat "$n.err"; return 1; }
  qemu-img convert -f vpc -O raw "$out" "$n.raw" &&
    dd if="$n.raw" of="$n.part" bs=1M skip=1 status=none && rm -f "$n.raw" "$out" ||
    return 1
  e2fsck -fn "$n.part" >/dev/null 2>&1 || { echo "$n: e2fsck -fn found errors"; return 1; }
  python3 - "$n" "$NETPAT" > "$n.files" <<'PY'
import json, re, sys
n, pat = sys.argv[1], re.compile(sys.argv[2])
for c in json.load(open(n + ".json"))["fixups"]["changes"]:
    if pat.match(c["path"]):
        print(c["action"], c["path"])
PY
  [ -s "$n.files" ] || { echo "$n: no network file was changed"; return 1; }
  rm -rf "got-$n" && mkdir -p "got-$n"
  : > "got-$n.removed"
  while read -r action path; do
    if [ "$action" = remove ]; then
      echo "$path" >> "got-$n.removed"
      if debugfs -R "stat /$path" "$n.part" 2>&1 | grep -q "Inode:"; then
        echo "$n: $path should be gone"; return 1
      fi
    else
      mkdir -p "got-$n/$(dirname "$path")"
      debugfs -R "cat /$path" "$n.part" > "got-$n/$path" 2>/dev/null
    fi
  done < "$n.files"
  rm -f "$n.part"
  if [ "${FG_REGEN:-}" = 1 ]; then
    rm -rf "${GOLD:?}/$n" && mkdir -p "$GOLD" && cp -r "got-$n" "$GOLD/$n"
    cp "got-$n.removed" "$GOLD/$n.removed"
  fi
  diff -ru "$GOLD/$n" "got-$n" || { echo "$n: the network files differ from $GOLD/$n (above)"; return 1; }
  diff -u "$GOLD/$n.removed" "got-$n.removed" || { echo "$n: other files removed (above)"; return 1; }
  # No route that cannot work is hidden at boot (issue 16).
  if grep -rn '|| *true' "got-$n"; then
    echo "$n: a command is guarded with || true"; return 1
  fi
  # ServiceNet, whatever the family's syntax.
  if grep -rqE '10\.191\.192\.0|255\.248\.0\.0|10\.176\.0\.0/13' "got-$n"; then
    echo "$n: a first-gen ServiceNet route is left:"; grep -rnE '10\.191\.192\.0|255\.248\.0\.0|10\.176\.0\.0/13' "got-$n"; return 1
  fi
  for net in 10.176.0.0 10.208.0.0; do
    grep -rqE "$net(/12| netmask 255\.240\.0\.0|\s*$|.*255\.240\.0\.0)" "got-$n" ||
      { echo "$n: no route to $net/12"; return 1; }
  done
}

if ! have qemu-img || ! have debugfs; then
  skip "era trees: rendered network files" "needs qemu-img and debugfs"
  done_testing
fi

test_ok "the example server record is valid by doc/server-record.schema.json; a bad one is refused naming the key (exit 2)" '
  python3 - "$FG_TOP/doc/server-record.schema.json" "$FG_TOP/examples/server-record.json" <<PY
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
  expect_exit 0 "$FG2NG" check --json --mode self-service --server-record "$FG_TOP/examples/server-record.json" "$TREES/debian-7.tar.gz"
  python3 -c "
import json
n = json.load(open(\"$WORK/last.out\"))[\"fixups\"][\"network\"]
assert n[\"source\"] == \"image and server record\", n[\"source\"]
assert any(\"the record wins\" in c for c in n[\"conflicts\"]), n[\"conflicts\"]
assert any(\"shared IP 198.51.100.200/24 kept as alias eth0:1\" in c for c in n[\"changes\"]), n[\"changes\"]
"
  printf "{\"version\": 1, \"public\": {\"ipv4\": [\"198.51.100.300/24\"]}}" > bad-record.json
  expect_exit 2 "$FG2NG" convert --mode assisted --server-record bad-record.json "$TREES/debian-7.tar.gz" -o never.vhd
  err_has "bad-record.json"
  err_has "public.ipv4[0]"
  [ ! -e never.vhd ]'

for f in "$ERA"/*.expected.json; do
  n=$(basename "$f" .expected.json)
  test_ok "$n: the network files written for self-service are the reviewed ones; ServiceNet /12 routes, no 10.191.192.0/18" "check_tree $n"
done

done_testing
