#!/usr/bin/env bash
# Every result is true (issue 16; after t0200, which makes the sample):
# what is not a server is refused by
# convert as by check; a bundle's labels are what inspection found in
# that image (doc/glance-properties.schema.json), never a default.
. "$(dirname "$0")/lib.sh"

cd "$WORK"
SCHEMA="$FG_TOP/doc/glance-properties.schema.json"

# sidecar_ok FILE.json DISTRO VERSION: valid against the schema, every
# value a string, the OS properties as given ("-": absent).
sidecar_ok() {
  python3 - "$1" "$SCHEMA" "$2" "$3" <<'PY'
import json, sys, jsonschema
doc, schema = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
bad = [k for k, v in doc.items() if not isinstance(v, str)]
assert not bad, "not strings: %s" % bad
for key, want in (("org.openstack__1__os_distro", sys.argv[3]),
                  ("org.openstack__1__os_version", sys.argv[4])):
    got = doc.get(key, "-")
    assert got == want, "%s: %s: got %r, wanted %r" % (sys.argv[1], key, got, want)
PY
}

test_ok "a text file: convert refuses it as check does (exit 2), nothing written" '
  printf "these are my notes, not a disk\n" > notes.txt
  for out in o.vhd o.tgz o.raw; do
    expect_exit 2 "$FG2NG" convert notes.txt -o $out
    err_has "notes.txt'"'"': no partition table and no file system"
    err_has "hint: "
    [ ! -e $out ]
  done
  [ ! -e o.json ]
  expect_exit 2 "$FG2NG" check notes.txt
  err_has "not a disk image"
  no_leftovers .'

test_ok "zeros and random bytes are not disks either" '
  truncate -s 8M zeros.raw
  head -c 4194304 /dev/urandom > random.img
  for src in zeros.raw random.img; do
    expect_exit 2 "$FG2NG" convert $src -o x.vhd
    err_has "not a disk image"
  done
  [ ! -e x.vhd ]'

test_ok "an empty folder: exit 2, no operating system found" '
  mkdir empty
  expect_exit 2 "$FG2NG" convert empty -o e.vhd
  err_has "no operating system found in '"'"'empty'"'"'"
  [ ! -e e.vhd ]
  expect_exit 2 "$FG2NG" check empty'

test_ok "a disk with a partition table and no operating system: exit 2 (one appliance)" '
  truncate -s 16M part.raw
  echo "2048,,83" | sfdisk -q part.raw
  expect_exit 2 "$FG2NG" convert part.raw -o p.vhd
  err_has "no operating system"
  [ ! -e p.vhd ]'

test_ok "--no-check converts it anyway, labelled os unknown, nothing guessed" '
  expect_exit 0 "$FG2NG" convert -q --no-check notes.txt -o n.tgz
  sidecar_ok n.json - -
  python3 -c "
import json; d = json.load(open(\"n.json\"))
assert d[\"fg2ng_os\"] == \"unknown\", d
for k in (\"os_type\", \"vm_mode\", \"org.openstack__1__architecture\"):
    assert k not in d, k"
  tar -xzf n.tgz n.json -O | cmp - n.json'

ERA=$(era_trees) || ERA=""
if [ -z "$ERA" ]; then
  skip "every era tree's bundle" "the era trees could not be made"
else
  test_ok "every era tree: the sidecar says its own distribution and version" '
    n=0
    for t in "$ERA"/*.tar.gz; do
      name=$(basename "$t" .tar.gz)
      read -r distro version < <(python3 -c "
import json, sys
m = json.load(open(\"$FG_TOP/profiles/glance.json\"))[\"os_distro\"]
w = json.load(open(\"$FG_TOP/tests/fixtures/era/$name.expected.json\"))
print(m[w[\"distro\"]], w[\"version\"] or \"-\")")
      "$FG2NG" convert -q --no-check --initramfs keep "$t" -o "$name.tgz" \
        || { echo "$name: convert failed"; exit 1; }
      sidecar_ok "$name.json" "$distro" "$version"
      n=$((n + 1))
    done
    echo "checked $n trees"
    [ "$n" -eq 18 ]'
fi

SAMPLE="$FG_TOP/build/samples/fg-debian.tar.gz.0"
if [ ! -f "$SAMPLE" ]; then
  skip "the sample's labels" "no sample (make samples)"
else
  test_ok "the sample: Debian and its version, min_ram from --flavor" '
    "$FG2NG" inspect --json "$SAMPLE" > s.inspect.json
    want=$(python3 -c "import json; print(json.load(open(\"s.inspect.json\"))[\"os\"][\"version\"])")
    expect_exit 0 "$FG2NG" convert -q --initramfs keep --flavor 4 "$SAMPLE" -o s.tgz
    sidecar_ok s.json org.debian "$want"
    python3 -c "
import json; d = json.load(open(\"s.json\"))
assert d[\"min_ram\"] == \"2048\", d[\"min_ram\"]
assert d[\"os_type\"] == \"linux\" and d[\"vm_mode\"] == \"xen\", d
assert d[\"org.openstack__1__architecture\"] == \"x64\", d
assert d[\"fg2ng_eligible\"] == \"true\", d"'
fi

done_testing
