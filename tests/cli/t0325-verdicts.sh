#!/usr/bin/env bash
# Issue 16, item 5 ("False refusals"): the verdict of every era tree
# (tests/fixtures/era) and of the debootstrap sample, asserted whole:
# the exit code of check and every rule id with its level, from the
# table below.  Base-image support follows from the profiles (a profile
# for the family whose conversion is tested), not from a second list;
# the kernel rules judge the kernels the boot configuration boots, and
# report a modules-only kernel (a first-gen host-supplied one) without
# refusing for it.  An extracted root folder (one holding image/, or
# the root itself) gets the same verdicts as its archive.
. "$(dirname "$0")/lib.sh"

ERA="$FG_TOP/tests/fixtures/era"
TREES=$(era_trees) || { echo "not ok 1 - make-era-trees.sh failed"; exit 1; }
SAMPLE="$FG_TOP/build/samples/fg-debian.tar.gz.0"

cd "$WORK" || exit 1

# The table: exit code of check, then each rule and its level.  Every
# tree gets COMMON, changed by its own entries ("-" drops a rule).
cat > table.py <<'PY'
COMMON = {
    "base-image.known": "pass", "linux.volume-250g": "pass",
    "linux.inodes-3m": "pass", "flavor.gp-io-40g": "pass",
    "flavor.no-256mb": "info", "kernel.present": "pass",
    "kernel.versions": "pass", "kernel.xen-drivers": "pass",
    "disk.data-disks": "pass", "data.database": "pass",
    "network.ip-preservation": "info", "estimate.time": "info",
}
# the initramfs lacks a driver the kernel has as a module: rebuilt
REBUILD = {"kernel.xen-drivers": "warn"}
OLD = {"kernel.versions": "warn"}          # older than 2.6.32
TABLE = {
    "debian-5":           (0, OLD),
    "debian-6":           (0, {}),
    "debian-7":           (0, {}),
    # 2.6.32-38-server boots (grub.cfg); 2.6.35.4-rscloud is modules
    # only: the kernel the first-gen host supplied, reported, not judged
    "ubuntu-10.04":       (0, {"kernel.host-supplied": "info"}),
    "ubuntu-12.04":       (0, {}),
    "centos-5":           (0, dict(OLD, **REBUILD)),
    "rhel-5":             (0, dict(OLD, **REBUILD)),
    "centos-6":           (0, REBUILD),
    "rhel-6":             (0, REBUILD),
    "fedora-14":          (0, REBUILD),
    "fedora-15":          (0, REBUILD),
    "fedora-16":          (0, REBUILD),
    "fedora-17":          (0, REBUILD),
    "arch-2012":          (0, REBUILD),
    "gentoo-baselayout1": (0, {}),
    "gentoo-openrc":      (0, {}),
    "opensuse-11.4":      (0, {}),
    "opensuse-12.1":      (0, {}),
    "sample":             (0, {}),
}
def expected(name):
    rc, change = TABLE[name]
    want = dict(COMMON)
    for k, v in change.items():
        if v == "-":
            want.pop(k, None)
        else:
            want[k] = v
    return rc, want
PY

# verdicts NAME RC CHECK.json: the document against the table.
verdicts() {
  python3 - "$@" <<'PY'
import json, sys
sys.path.insert(0, ".")
from table import expected
name, rc, doc = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))
want_rc, want = expected(name)
got = {}
for v in doc["plan"]["verdicts"]:
    assert v["rule"] not in got, "%s: %s given twice" % (name, v["rule"])
    got[v["rule"]] = v["level"]
    for k in ("figure", "limit", "message"):
        assert v[k], (name, v["rule"], k)
bad = []
if rc != want_rc:
    bad.append("exit %d, wanted %d" % (rc, want_rc))
if doc["plan"]["eligible"] != (want_rc == 0):
    bad.append("eligible is %s with exit %d" % (doc["plan"]["eligible"], rc))
for k in sorted(set(got) | set(want)):
    if got.get(k) != want.get(k):
        bad.append("%s: %s, wanted %s" % (k, got.get(k), want.get(k)))
if bad:
    fails = ["%s: %s" % (v["rule"], v["message"]) for v in doc["plan"]["verdicts"]
             if v["level"] in ("fail", "warn")]
    sys.exit("%s:\n  %s\n  (fail/warn: %s)" % (name, "\n  ".join(bad), fails))
PY
}

schema_ok() {
  python3 - "$FG_TOP/doc/check.schema.json" "$1" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
}

# check_src NAME SOURCE OUT.json: check --json, its exit code kept
check_src() {
  local rc=0
  "$FG2NG" check --json --progress none "$2" > "$3" 2> "$3.err" || rc=$?
  [ "$rc" -le 1 ] || { echo "$1: check exited $rc"; cat "$3.err"; return 1; }
  echo "$rc" > "$3.rc"
}

for f in "$ERA"/*.expected.json; do
  n=$(basename "$f" .expected.json)
  test_ok "$n: check's exit code and every verdict as the table says" '
    check_src '"$n"' "$TREES/'"$n"'.tar.gz" '"$n"'.json
    schema_ok '"$n"'.json
    verdicts '"$n"' "$(cat '"$n"'.json.rc)" '"$n"'.json'
done

if [ -f "$SAMPLE" ]; then
  test_ok "the debootstrap sample: exit code and every verdict as the table says" '
    check_src sample "$SAMPLE" sample.json
    verdicts sample "$(cat sample.json.rc)" sample.json'
else
  skip "the debootstrap sample's verdicts" "build/samples not made (make samples)"
fi

test_ok "the table covers every era tree and the sample, nothing more" '
  python3 - "$ERA" <<PY
import os, sys
sys.path.insert(0, ".")
from table import TABLE
trees = {f[:-len(".expected.json")] for f in os.listdir(sys.argv[1]) if f.endswith(".expected.json")}
assert set(TABLE) == trees | {"sample"}, (sorted(set(TABLE) ^ (trees | {"sample"})))
PY'

test_ok "support is derived: every convertible profile is marked tested, and a tested family has an era tree" '
  python3 - "$FG_TOP/profiles" "$ERA" <<PY
import json, os, sys
prof, era = sys.argv[1], sys.argv[2]
distros = {json.load(open(os.path.join(era, f)))["distro"]
           for f in os.listdir(era) if f.endswith(".expected.json")}
cat = json.load(open(os.path.join(prof, "base-images.json")))
for img in cat["images"]:
    assert "supported" not in img and "why" not in img, ("the catalog repeats support", img)
for f in sorted(os.listdir(prof)):
    p = json.load(open(os.path.join(prof, f)))
    if "distros" not in p:
        continue
    if p.get("convert") is False:
        assert "tested" not in p or p["tested"] is False, f
        continue
    assert isinstance(p.get("tested"), bool), (f, "needs \"tested\": true or false")
    if p["tested"]:
        assert set(p["distros"]) & distros, (f, "tested, but no era tree of", p["distros"])
PY'

test_ok "a family whose conversion is untested (\"tested\": false) is refused as such; a profile without the mark is broken (exit 3)" '
  mkdir -p prof && cp "$FG_TOP"/profiles/*.json prof/
  python3 -c "import json; p = json.load(open(\"prof/gentoo.json\")); p[\"tested\"] = False; json.dump(p, open(\"prof/gentoo.json\", \"w\"))"
  rc=0; FG2NG_PROFILES=$WORK/prof "$FG2NG" check --json "$TREES/gentoo-openrc.tar.gz" > untested.json || rc=$?
  [ "$rc" -eq 1 ] || { echo "exit $rc"; exit 1; }
  python3 - untested.json <<PY
import json, sys
v = {x["rule"]: x for x in json.load(open(sys.argv[1]))["plan"]["verdicts"]}
b = v["base-image.known"]
assert b["level"] == "fail" and "not tested" in b["message"], b
PY
  python3 -c "import json; p = json.load(open(\"prof/gentoo.json\")); del p[\"tested\"]; json.dump(p, open(\"prof/gentoo.json\", \"w\"))"
  FG2NG_PROFILES=$WORK/prof expect_exit 3 "$FG2NG" check "$TREES/gentoo-openrc.tar.gz"
  err_has "gentoo.json"
  err_has "tested"
  # no profile at all for a known base image: refused, saying so
  rm prof/gentoo.json
  rc=0; FG2NG_PROFILES=$WORK/prof "$FG2NG" check --json "$TREES/gentoo-openrc.tar.gz" > noprof.json || rc=$?
  [ "$rc" -eq 1 ]
  grep -q "no profile" noprof.json'

# ---- kernels: the ones the guest boots ------------------------------------

# lucid DIR: the Ubuntu 10.04 image of the issue: menu.lst boots
# 2.6.32-33-server (xen-blkfront and xen-netfront as modules, in its
# initramfs); lib/modules/2.6.35.4-rscloud came with the first-gen host.
initrd() {
  local out=$1 d; shift
  d=$(mktemp -d "$WORK/initrd.XXXXXX")
  for n; do mkdir -p "$(dirname "$d/$n")"; : > "$d/$n"; done
  (cd "$d" && find . | cpio --quiet -o -H newc | gzip -n) > "$out"
  rm -rf "$d"
}
lucid() {
  local d=$1/image k=2.6.32-33-server r=2.6.35.4-rscloud
  rm -rf "$1" && mkdir -p "$d/etc" "$d/boot/grub" "$d/sbin"
  printf "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=10.04\nDISTRIB_CODENAME=lucid\n" > "$d/etc/lsb-release"
  echo squeeze/sid > "$d/etc/debian_version"
  echo "/dev/sda1 / ext3 defaults 0 1" > "$d/etc/fstab"
  : > "$d/sbin/init"
  printf "default 0\ntimeout 5\n\ntitle Ubuntu 10.04, kernel %s\nroot (hd0,0)\nkernel /boot/vmlinuz-%s root=/dev/sda1 ro console=hvc0\ninitrd /boot/initrd.img-%s\n" $k $k $k > "$d/boot/grub/menu.lst"
  echo k > "$d/boot/vmlinuz-$k"
  mkdir -p "$d/lib/modules/$k/kernel/drivers/block" "$d/lib/modules/$k/kernel/drivers/net"
  : > "$d/lib/modules/$k/kernel/drivers/block/xen-blkfront.ko"
  : > "$d/lib/modules/$k/kernel/drivers/net/xen-netfront.ko"
  initrd "$d/boot/initrd.img-$k" lib/modules/$k/kernel/drivers/block/xen-blkfront.ko \
    lib/modules/$k/kernel/drivers/net/xen-netfront.ko
  mkdir -p "$d/lib/modules/$r/kernel/fs/ext4" "$d/lib/modules/$r/kernel/net/ipv6"
  : > "$d/lib/modules/$r/kernel/fs/ext4/ext4.ko"
  : > "$d/lib/modules/$r/kernel/net/ipv6/ipv6.ko"
  : > "$d/lib/modules/$r/modules.dep"
}
pack() { tar -C "$1" -czf "$1.tar.gz" image; }

# level FILE RULE: the level of RULE in the check document FILE ("-": none)
level() {
  python3 -c "import json,sys; v={x[\"rule\"]: x[\"level\"] for x in json.load(open(sys.argv[1]))[\"plan\"][\"verdicts\"]}; print(v.get(sys.argv[2], \"-\"))" "$@"
}
field() {
  python3 -c "import json,sys; v={x[\"rule\"]: x for x in json.load(open(sys.argv[1]))[\"plan\"][\"verdicts\"]}; print(v[sys.argv[2]][sys.argv[3]])" "$@"
}

test_ok "Ubuntu 10.04 of the issue: eligible; the rscloud kernel is reported as host-supplied, not judged" '
  lucid lucid && pack lucid
  expect_exit 0 "$FG2NG" check --json lucid.tar.gz
  cp "$WORK/last.out" lucid.json
  schema_ok lucid.json
  [ "$(level lucid.json kernel.xen-drivers)" = pass ]
  [ "$(level lucid.json kernel.present)" = pass ]
  [ "$(level lucid.json kernel.host-supplied)" = info ]
  field lucid.json kernel.host-supplied figure | grep -q "2.6.35.4-rscloud"
  field lucid.json kernel.host-supplied message | grep -q "first-gen host"
  [ "$(field lucid.json kernel.versions figure)" = 2.6.32-33-server ]
  python3 - lucid.json <<PY
import json, sys
ks = {k["version"]: k for k in json.load(open(sys.argv[1]))["inspection"]["kernels"]}
assert ks["2.6.32-33-server"]["boots"] is True and ks["2.6.32-33-server"]["host_supplied"] is False, ks
assert ks["2.6.35.4-rscloud"]["boots"] is False and ks["2.6.35.4-rscloud"]["host_supplied"] is True, ks
PY
  "$FG2NG" inspect lucid.tar.gz > lucid.txt
  grep -q "2.6.35.4-rscloud.*host-supplied" lucid.txt'

test_ok "no kernel of its own but the host-supplied one: refused for that (kernel.present), the rscloud kernel named" '
  lucid own && rm -r own/image/boot/vmlinuz-* own/image/boot/initrd.img-* own/image/lib/modules/2.6.32-33-server
  printf "default 0\n" > own/image/boot/grub/menu.lst
  pack own
  expect_exit 1 "$FG2NG" check --json own.tar.gz
  cp "$WORK/last.out" own.json
  [ "$(level own.json kernel.present)" = fail ]
  [ "$(level own.json kernel.host-supplied)" = info ]
  [ "$(level own.json kernel.xen-drivers)" = - ]
  [ "$(level own.json base-image.known)" = pass ]'

test_ok "only the kernels the boot configuration boots are judged; a configuration naming none the image has is refused" '
  # an old 2.6.18 image in /boot that menu.lst does not boot: not judged
  lucid two && echo k > two/image/boot/vmlinuz-2.6.18-xen && pack two
  expect_exit 0 "$FG2NG" check --json two.tar.gz
  cp "$WORK/last.out" two.json
  [ "$(level two.json kernel.versions)" = pass ]
  [ "$(field two.json kernel.versions figure)" = 2.6.32-33-server ]
  # menu.lst boots a kernel the image does not have
  lucid stale && sed -i "s/2.6.32-33-server/2.6.32-21-server/g" stale/image/boot/grub/menu.lst && pack stale
  expect_exit 1 "$FG2NG" check --json stale.tar.gz
  cp "$WORK/last.out" stale.json
  [ "$(level stale.json kernel.present)" = fail ]
  field stale.json kernel.present message | grep -q "vmlinuz-2.6.32-21-server"'

test_ok "drivers that cannot be told: unknown, the initramfs will be rebuilt (a warning, not a refusal)" '
  lucid unk && head -c 4096 /dev/urandom > unk/image/boot/initrd.img-2.6.32-33-server && pack unk
  expect_exit 0 "$FG2NG" check --json unk.tar.gz
  cp "$WORK/last.out" unk.json
  [ "$(level unk.json kernel.xen-drivers)" = warn ]
  field unk.json kernel.xen-drivers message | grep -q "unknown, the initramfs will be rebuilt"'

# ---- an extracted root folder: what convert accepts ------------------------

# same ARCHIVE.json FOLDER.json: the same verdicts, eligibility and OS
same() {
  python3 - "$@" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
lv = lambda d: [(v["rule"], v["level"]) for v in d["plan"]["verdicts"]]
assert lv(a) == lv(b), (lv(a), lv(b))
assert a["plan"]["eligible"] == b["plan"]["eligible"]
for k in ("layout", "os", "boot", "hostname", "network", "fstab"):
    assert a["inspection"][k] == b["inspection"][k], (k, a["inspection"][k], b["inspection"][k])
ks = lambda d: [(k["version"], k["boots"], k["xen_drivers"], k["initramfs_xen"]) for k in d["inspection"]["kernels"]]
assert sorted(ks(a)) == sorted(ks(b)), (ks(a), ks(b))
fa, fb = a["inspection"]["figures"], b["inspection"]["figures"]
for k in ("entries", "inodes", "bytes_used"):
    assert fa[k] == fb[k], (k, fa[k], fb[k])
PY
}

test_ok "inspect and check of an extracted folder (holding image/, or the root itself) give the archive's verdicts" '
  for n in ubuntu-10.04 arch-2012 gentoo-openrc centos-5 opensuse-12.1; do
    rm -rf "dir-$n" && mkdir "dir-$n" && tar -C "dir-$n" -xzf "$TREES/$n.tar.gz"
    check_src $n "$TREES/$n.tar.gz" "a-$n.json"
    check_src $n "dir-$n" "d-$n.json"
    check_src $n "dir-$n/image" "r-$n.json"
    [ "$(cat a-$n.json.rc)" = "$(cat d-$n.json.rc)" ]
    [ "$(cat a-$n.json.rc)" = "$(cat r-$n.json.rc)" ]
    same "a-$n.json" "d-$n.json"
    same "a-$n.json" "r-$n.json"
    schema_ok "d-$n.json"
    "$FG2NG" inspect --json "dir-$n" > "i-$n.json"
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j[\"layout\"] == \"file\" and j[\"os\"][\"distro\"], j[\"os\"]" "i-$n.json"
  done
  "$FG2NG" inspect dir-ubuntu-10.04 | grep -q "^os  *linux ubuntu 10.04"
  # convert --dry-run of a folder: the same plan
  expect_exit 0 "$FG2NG" convert --dry-run --json dir-ubuntu-10.04 -o never.vhd
  [ ! -e never.vhd ]'

test_ok "a folder holding no system is inspected (nothing identified), never refused as a source not built yet" '
  mkdir -p emptyroot/etc
  expect_exit 0 "$FG2NG" inspect --json emptyroot
  python3 -c "import json; j = json.load(open(\"$WORK/last.out\")); assert j[\"os\"][\"type\"] == \"unknown\", j[\"os\"]"
  rc=0; "$FG2NG" check emptyroot > empty.out 2> empty.err || rc=$?
  # not eligible (1) or no operating system found (2), never 3
  [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || { echo "exit $rc"; cat empty.err; exit 1; }
  lacks empty.err "not built yet"'

done_testing
