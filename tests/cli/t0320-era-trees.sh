#!/usr/bin/env bash
# fg2ng inspect and check on small trees of every first-gen distribution
# (tests/fixtures/era): release files, kernels (the ones the boot
# configuration boots, and a first-gen host's modules-only kernel) and
# their initramfs, boot, init and the network the first-gen agent wrote,
# each field compared with the tree's expected.json; every check document
# against the schema.  (The verdicts of each tree: t0325.)
. "$(dirname "$0")/lib.sh"

ERA="$FG_TOP/tests/fixtures/era"
# Built once per version of the script (they take a minute to make).
TREES=$(era_trees) || { echo "not ok 1 - make-era-trees.sh failed"; exit 1; }

# compare NAME: the inspection and check documents of NAME against its
# expected file; a difference names the field, what was got and wanted.
compare() {
  python3 - "$1" "$ERA/$1.expected.json" "$1.inspect.json" "$1.check.json" \
    "$FG_TOP/doc/check.schema.json" <<'PY'
import json, sys, jsonschema
name, want = sys.argv[1], json.load(open(sys.argv[2]))
got = json.load(open(sys.argv[3]))
check = json.load(open(sys.argv[4]))
bad = []
def cmp(field, g, w):
    if g != w:
        bad.append("%s: %s: got %s, wanted %s" % (name, field, json.dumps(g), json.dumps(w)))
os_ = got["os"]
for k in ("distro", "version", "major", "codename", "family"):
    cmp(k, os_.get(k), want[k])
cmp("bootloader", got["boot"]["loader"], want["bootloader"])
cmp("init", got["boot"]["init"], want["init"])
cmp("kernels", sorted(k["version"] for k in got["kernels"]), sorted(want["kernels"]))
# modules without an image: the first-gen host's kernel, never booted;
# every other kernel of a tree is booted by its boot configuration
cmp("host-supplied kernels", sorted(k["version"] for k in got["kernels"] if k["host_supplied"]),
    sorted(want.get("host_supplied", [])))
for k in got["kernels"]:
    if k["host_supplied"]:
        cmp("kernel %s boots" % k["version"], k["boots"], False)
        continue
    cmp("kernel %s boots" % k["version"], k["boots"], True)
    cmp("kernel %s initramfs_xen" % k["version"], k["initramfs_xen"], want["initramfs_xen"])
net = got["network"]
cmp("network.interfaces[].name", [i["name"] for i in net["interfaces"]],
    [i["name"] for i in want["network"]["interfaces"]])
for w in want["network"]["interfaces"]:
    g = next((i for i in net["interfaces"] if i["name"] == w["name"]), {})
    for k in ("ipv4", "gateway"):
        cmp("network.%s.%s" % (w["name"], k), g.get(k), w[k])
    cmp("network.%s.routes" % w["name"],
        [{"to": r["to"], "via": r["via"]} for r in g.get("routes", [])], w["routes"])
cmp("network.resolvers", net["resolvers"], want["network"]["resolvers"])
cmp("network.hostname", net["hostname"], want["network"]["hostname"])
cmp("hostname", got["hostname"], want["network"]["hostname"])
cmp("network.problems", net.get("problems", []), [])
# the check: the same inspection, a schema-valid document, and the Xen
# verdict following where the drivers are at boot
try:
    jsonschema.validate(check, json.load(open(sys.argv[5])))
except jsonschema.ValidationError as e:
    bad.append("%s: check document: %s at %s" % (name, e.message, list(e.absolute_path)))
cmp("check: inspection.os", check["inspection"]["os"], got["os"])
v = {x["rule"]: x["level"] for x in check["plan"]["verdicts"]}
cmp("check: kernel.xen-drivers", v.get("kernel.xen-drivers"),
    "pass" if want["initramfs_xen"] else "warn")
if bad:
    sys.exit("\n".join(bad))
PY
}

for f in "$ERA"/*.expected.json; do
  name=$(basename "$f" .expected.json)
  test_ok "$name: inspect and check find what the tree holds" '
    "$FG2NG" inspect --json "$TREES/'"$name"'.tar.gz" > '"$name"'.inspect.json
    rc=0; "$FG2NG" check --json "$TREES/'"$name"'.tar.gz" > '"$name"'.check.json || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || { echo "check exited $rc"; exit 1; }
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"plan\"][\"eligible\"] == (int(sys.argv[2]) == 0) else \"exit %s but eligible=%s\" % (sys.argv[2], d[\"plan\"][\"eligible\"]))" '"$name"'.check.json $rc
    compare '"$name"
done

test_ok "every tree has an expected file, and every expected file a tree" '
  a=$(cd "$TREES" && ls *.tar.gz | sed "s/\.tar\.gz$//" | sort)
  b=$(cd "$ERA" && ls *.expected.json | sed "s/\.expected\.json$//" | sort)
  [ "$a" = "$b" ] || { echo "trees: $a"; echo "expected: $b"; exit 1; }'

done_testing
