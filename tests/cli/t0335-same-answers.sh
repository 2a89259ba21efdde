#!/usr/bin/env bash
# Issue 23: one set of facts whatever the source kind.  The same Debian 6
# tree (with MySQL and PostgreSQL data, a first-gen host's modules-only
# kernel and a data disk in fstab) is checked as file-level parts,
# block-level parts (image/image.vhd), a raw disk and a VHD; every rule
# gives the same level on all four, and the same figure where the figure
# is a fact of the tree (not a size, which an ext4 file system and an
# archive count differently); the databases are reported with the same
# places, the kernels alike.
. "$(dirname "$0")/lib.sh"

if ! have guestfish; then
  skip "the same verdicts from four kinds of source" "libguestfs is not installed"
  done_testing
fi
TREES=$(era_trees) || { echo "not ok 1 - make-era-trees.sh failed"; exit 1; }
cd "$WORK" || exit 1

# The tree: Debian 6 of the era trees, plus what the rules look for.
mkdir t
tar -C t -xzf "$TREES/debian-6.tar.gz"
mkdir -p t/image/var/lib/mysql/mysql t/image/var/lib/postgresql/8.4/main \
  t/image/lib/modules/2.6.35.4-rscloud/kernel/drivers/block
echo x > t/image/var/lib/mysql/ibdata1
echo x > t/image/var/lib/mysql/mysql/user.frm
echo 8.4 > t/image/var/lib/postgresql/8.4/main/PG_VERSION
echo x > t/image/lib/modules/2.6.35.4-rscloud/kernel/drivers/block/xen-blkfront.ko
printf '/dev/sdb1 /data ext3 defaults 0 2\n' >> t/image/etc/fstab
tar -C t -czf db.tar.gz image
split -b 1000 -d -a 1 db.tar.gz file.tar.gz.
# The disk that tree becomes, unchanged (no fixups): VHD, raw, and the
# block-level parts first-gen made of a disk.
"$FG2NG" convert --no-fixups --initramfs keep --no-check file.tar.gz.0 -o disk.vhd >/dev/null
qemu-img convert -f vpc -O raw disk.vhd disk.raw
mkdir -p b/image
cp disk.vhd b/image/image.vhd
tar -C b -czf blk.tar.gz image
split -b 100k -d -a 1 blk.tar.gz block.tar.gz.

SOURCES="file.tar.gz.0 block.tar.gz.0 disk.raw disk.vhd"

test_ok "check of the four sources: the same rules at the same levels, the same facts" '
  for s in $SOURCES; do
    rc=0; "$FG2NG" check --json "$s" > "$s.check.json" 2> "$s.err" || rc=$?
    [ "$rc" -eq 0 ] || { echo "check $s: exit $rc"; cat "$s.err"; exit 1; }
  done
  python3 - $SOURCES <<PY
import json, sys
srcs = sys.argv[1:]
docs = {s: json.load(open(s + ".check.json")) for s in srcs}
v = {s: {x["rule"]: x for x in d["plan"]["verdicts"]} for s, d in docs.items()}
# Sizes are counted differently by an archive and a file system: their
# levels must agree, their figures need not.
sizes = {"linux.inodes-3m", "linux.volume-250g", "estimate.time", "flavor.gp-io-40g"}
bad = []
ref = srcs[0]
for s in srcs[1:]:
    if set(v[s]) != set(v[ref]):
        bad.append("%s has rules %s, %s has %s" % (s, sorted(v[s]), ref, sorted(v[ref])))
    for r in v[ref]:
        a, b = v[ref][r], v[s].get(r)
        if b is None:
            continue
        if a["level"] != b["level"]:
            bad.append("%s: %s is %s, %s says %s (%s / %s)" % (r, s, b["level"], ref, a["level"], b["message"], a["message"]))
        elif r not in sizes and a["figure"] != b["figure"]:
            bad.append("%s: %s figure %r, %s %r" % (r, s, b["figure"], ref, a["figure"]))
    dbs = lambda d: sorted((x["engine"], x["where"]) for x in d["inspection"]["databases"])
    if dbs(docs[s]) != dbs(docs[ref]):
        bad.append("databases: %s %s, %s %s" % (s, dbs(docs[s]), ref, dbs(docs[ref])))
    ks = lambda d: sorted((k["version"], k["boots"], k["host_supplied"]) for k in d["inspection"]["kernels"])
    if ks(docs[s]) != ks(docs[ref]):
        bad.append("kernels: %s %s, %s %s" % (s, ks(docs[s]), ref, ks(docs[ref])))
# an appliance ran for every disk, none for the archive: the report says
# which acceleration it had
for s in srcs:
    has = "acceleration" in docs[s]
    if has != (s != "file.tar.gz.0"):
        bad.append("%s: acceleration %s" % (s, docs[s].get("acceleration")))
assert not bad, "\n".join(bad)
# and the facts themselves, once
r = v[ref]
assert r["data.database"]["level"] == "warn", r["data.database"]
assert "MySQL/MariaDB (/var/lib/mysql/ibdata1; /var/lib/mysql/mysql/user.frm)" in r["data.database"]["message"], r["data.database"]["message"]
assert "PostgreSQL (/var/lib/postgresql/8.4/main/PG_VERSION)" in r["data.database"]["message"], r["data.database"]["message"]
assert r["kernel.host-supplied"]["figure"].startswith("2.6.35.4-rscloud"), r["kernel.host-supplied"]
assert r["disk.data-disks"]["level"] == "warn" and "/dev/sdb1 on /data" in r["disk.data-disks"]["figure"], r["disk.data-disks"]
assert not [x for x in r if x.startswith("windows.")], sorted(r)
PY'

test_ok "inspect of the block-level parts says where each database was found" '
  expect_exit 0 "$FG2NG" inspect block.tar.gz.0
  out_has "database     MySQL/MariaDB data: /var/lib/mysql/ibdata1; /var/lib/mysql/mysql/user.frm"
  out_has "database     PostgreSQL data: /var/lib/postgresql/8.4/main/PG_VERSION"'

done_testing
