#!/usr/bin/env bash
# fg2ng check (and convert --dry-run): every rule tripped at least once,
# exit codes, the JSON schema, and nothing written.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

# mk NAME [extra tar args]: a Debian 6 file-level image from tree NAME.d
base_tree() {
  local d=$1
  rm -rf "$d" && mkdir -p "$d/image/etc" "$d/image/boot" \
    "$d/image/lib/modules/2.6.32-5-amd64/kernel/drivers/block" \
    "$d/image/lib/modules/2.6.32-5-amd64/kernel/drivers/net"
  echo 6.0.10 > "$d/image/etc/debian_version"
  echo "/dev/sda1 / ext3 defaults 0 1" > "$d/image/etc/fstab"
  echo k > "$d/image/boot/vmlinuz-2.6.32-5-amd64"
  echo m > "$d/image/lib/modules/2.6.32-5-amd64/kernel/drivers/block/xen-blkfront.ko"
  echo m > "$d/image/lib/modules/2.6.32-5-amd64/kernel/drivers/net/xen-netfront.ko"
  initrd "$d/image/boot/initrd.img-2.6.32-5-amd64" \
    lib/modules/2.6.32-5-amd64/kernel/drivers/block/xen-blkfront.ko \
    lib/modules/2.6.32-5-amd64/kernel/drivers/net/xen-netfront.ko
}
# initrd FILE NAME...: a gzip'd newc cpio of empty files of those names
initrd() {
  local out=$1 d; shift
  d=$(mktemp -d "$WORK/initrd.XXXXXX")
  for n; do mkdir -p "$(dirname "$d/$n")"; : > "$d/$n"; done
  (cd "$d" && find . | cpio --quiet -o -H newc | gzip -n) > "$out"
  rm -rf "$d"
}
pack() { tar --sparse -C "$1" -czf "$1.tar.gz" image; }

# verdict FILE RULE LEVEL: the JSON report FILE has RULE at LEVEL.
verdict() {
  python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = {x["rule"]: x for x in d["plan"]["verdicts"]}
r = v.get(sys.argv[2])
if r is None or r["level"] != sys.argv[3]:
    sys.exit("%s: %s is %s, expected %s" % (sys.argv[1], sys.argv[2], r, sys.argv[3]))
for k in ("figure", "limit", "message"):
    assert r[k], (sys.argv[2], k)
PY
}

schema_ok() {
  python3 - "$FG_TOP/doc/check.schema.json" "$1" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
}

test_ok "a clean Debian 6 image is eligible: exit 0, schema valid" '
  base_tree ok && pack ok
  expect_exit 0 "$FG2NG" check --json ok.tar.gz
  cp "$WORK/last.out" ok.json
  schema_ok ok.json
  for r in base-image.known linux.volume-250g linux.inodes-3m kernel.xen-drivers disk.data-disks data.database; do
    verdict ok.json $r pass
  done
  expect_exit 0 "$FG2NG" check ok.tar.gz
  out_has "verdict: eligible"'

test_ok "a sparse 41 GB file trips the 40 GB rule for General Purpose, not for Standard" '
  base_tree big && truncate -s 41G big/image/var.img && pack big
  [ "$(stat -c %s big.tar.gz)" -lt 10000000 ]
  expect_exit 1 "$FG2NG" check --json --class general big.tar.gz
  cp "$WORK/last.out" big.json
  verdict big.json flavor.gp-io-40g fail
  expect_exit 0 "$FG2NG" check --json --class standard big.tar.gz
  cp "$WORK/last.out" bigs.json
  verdict bigs.json flavor.gp-io-40g info
  python3 -c "import json; f = json.load(open(\"bigs.json\"))[\"plan\"][\"flavors\"]; assert \"general1-1\" not in f and \"5\" in f, f"'

test_ok "unknown base image, no kernel, missing Xen drivers: not eligible, exit 1" '
  # Gentoo is a known base image fg2ng converts (profiles/gentoo.json):
  # refused here for having no kernel of its own
  mkdir -p gen/image/etc && echo "Gentoo Base System release 2.1" > gen/image/etc/gentoo-release && pack gen
  expect_exit 1 "$FG2NG" check --json gen.tar.gz
  cp "$WORK/last.out" gen.json
  verdict gen.json base-image.known pass
  verdict gen.json kernel.present fail
  mkdir -p sl/image/etc && echo "Scientific Linux release 6.1 (Carbon)" > sl/image/etc/redhat-release && pack sl
  "$FG2NG" check --json sl.tar.gz > sl.json || true
  verdict sl.json base-image.known fail
  base_tree nox && rm nox/image/lib/modules/2.6.32-5-amd64/kernel/drivers/block/xen-blkfront.ko
  initrd nox/image/boot/initrd.img-2.6.32-5-amd64 lib/modules/2.6.32-5-amd64/kernel/fs/ext3/ext3.ko
  pack nox
  expect_exit 1 "$FG2NG" check --json nox.tar.gz
  cp "$WORK/last.out" nox.json
  verdict nox.json kernel.xen-drivers fail'

test_ok "modules the initramfs lacks: a warning that it must be rebuilt" '
  base_tree ni
  initrd ni/image/boot/initrd.img-2.6.32-5-amd64 \
    lib/modules/2.6.32-5-amd64/kernel/drivers/block/xen-blkfront.ko
  pack ni
  expect_exit 0 "$FG2NG" check --json ni.tar.gz
  cp "$WORK/last.out" ni.json
  verdict ni.json kernel.xen-drivers warn
  grep -q "initramfs must be rebuilt" ni.json
  schema_ok ni.json
  # no initramfs at all, drivers as modules: the same
  base_tree nr && rm nr/image/boot/initrd.img-2.6.32-5-amd64 && pack nr
  expect_exit 0 "$FG2NG" check --json nr.tar.gz
  cp "$WORK/last.out" nr.json
  verdict nr.json kernel.xen-drivers warn
  # built in (boot/config-VERSION =y): no initramfs needed
  base_tree bi && rm -r bi/image/boot/initrd.img-2.6.32-5-amd64 bi/image/lib/modules/2.6.32-5-amd64/kernel
  printf "CONFIG_XEN=y\nCONFIG_XEN_BLKDEV_FRONTEND=y\nCONFIG_XEN_NETDEV_FRONTEND=y\n" > bi/image/boot/config-2.6.32-5-amd64
  pack bi
  expect_exit 0 "$FG2NG" check --json bi.tar.gz
  cp "$WORK/last.out" bi.json
  verdict bi.json kernel.xen-drivers pass'

test_ok "old kernel, data disk, database: warnings, still eligible" '
  base_tree w
  mv w/image/lib/modules/2.6.32-5-amd64 w/image/lib/modules/2.6.18-8.el5
  mv w/image/boot/vmlinuz-2.6.32-5-amd64 w/image/boot/vmlinuz-2.6.18-8.el5
  printf "/dev/sda1 / ext3 defaults 0 1\n/dev/sdb1 /data ext3 defaults 0 2\nproc /proc proc defaults 0 0\n" > w/image/etc/fstab
  mkdir -p w/image/var/lib/mysql && echo x > w/image/var/lib/mysql/ibdata1
  pack w
  expect_exit 0 "$FG2NG" check --json w.tar.gz
  cp "$WORK/last.out" w.json
  verdict w.json kernel.versions warn
  verdict w.json disk.data-disks warn
  verdict w.json data.database warn
  grep -q "/dev/sdb1 on /data" w.json'

test_ok "256 MB flavor maps to 512 MB; modes decide IP preservation" '
  expect_exit 0 "$FG2NG" check --json --flavor 256MB --mode self-service ok.tar.gz
  cp "$WORK/last.out" f.json
  verdict f.json flavor.no-256mb info
  grep -q "moves to the 512 MB flavor" f.json
  verdict f.json network.ip-preservation pass
  expect_exit 0 "$FG2NG" check --json --mode image ok.tar.gz
  cp "$WORK/last.out" i.json
  verdict i.json network.ip-preservation info
  grep -q "new IP addresses" i.json'

test_ok "more than 3 million inodes, written as a stream" '
  # Python'"'"'s tarfile is slow for 3 million members: ustar headers by hand
  python3 - <<PY
import gzip
def header(name, size=0):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"0000644\0"; h[108:116] = b"0000000\0"; h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size; h[136:148] = b"00000000000\0"
    h[148:156] = b" " * 8; h[156] = ord("0"); h[257:263] = b"ustar\0"; h[263:265] = b"00"
    s = sum(h); h[148:156] = b"%06o\0 " % s
    return bytes(h)
with gzip.open("many.tar.gz", "wb", compresslevel=1) as f:
    f.write(header(b"image/etc/debian_version", 7))
    f.write(b"6.0.10\n".ljust(512, b"\0"))
    chunk = []
    for n in range(3000001):
        chunk.append(header(b"image/f%07d" % n))
        if len(chunk) == 20000:
            f.write(b"".join(chunk)); chunk = []
    f.write(b"".join(chunk)); f.write(b"\0" * 1024)
PY
  expect_exit 1 "$FG2NG" check --json many.tar.gz
  cp "$WORK/last.out" many.json
  verdict many.json linux.inodes-3m fail
  grep -q "3000002 inodes" many.json   # 3000001 files and debian_version'

# report.py JSON TEXT: the text report TEXT says what the check document
# JSON says, in the order a support engineer reads it out: the facts,
# the verdict, the failing reasons then the warnings (the rules' own
# sentences, wrapped), every rule in a table whose message column is
# one offset for every row, the flavors by name with RAM and disk, the
# changes last.
cat > report.py <<'PY'
import json, os, re, sys
d = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().split("\n")
plan = d["plan"]
assert lines[0].startswith(d["source"] + ": "), lines[0]
assert lines[1] == "verdict: " + ("eligible" if plan["eligible"] else "NOT eligible"), lines[1]
rules_at = lines.index("rules:")
head = " ".join(" ".join(lines[2:rules_at]).split())
pos = 0
for level, title in (("fail", "why not:"), ("warn", "warnings:")):
    mine = [v for v in plan["verdicts"] if v["level"] == level]
    if not mine:
        assert title not in head, (title, head)
        continue
    at = head.index(title, pos)
    assert at >= pos, (title, head)
    for v in mine:
        at = head.index(" ".join(v["message"].split()), at)
        assert v["rule"] in head[at:], v["rule"]
    pos = at
table = lines[rules_at + 1:lines.index("", rules_at)]
cols = set()
for v in plan["verdicts"]:
    rows = [i for i, l in enumerate(table) if l.endswith(v["message"])]
    assert len(rows) >= 1, (v["rule"], table)
    i = rows[0]
    cols.add(table[i].index(v["message"]))
    row = table[i] if re.match(r"  (ok  |info|WARN|FAIL)  " + re.escape(v["rule"]) + " ", table[i]) else table[i - 1]
    assert v["rule"] in row and v["figure"] in row, (v, row)
assert len(cols) == 1, ("message columns", cols, table)
flavors = {f["id"]: f for f in json.load(open(os.path.join(os.environ["FG_TOP"], "profiles/flavors.json")))["next_gen"]}
text = "\n".join(lines)
fits = text.index("fits next-gen flavors:")
assert fits > rules_at
for i in plan["flavors"]:
    f = flavors[i]
    want = "  %s (%d MB RAM, %d GB disk" % (f["name"], f["ram_mb"], f["disk_gb"])
    assert want in text[fits:], (want, text[fits:])
if "fixups" in d:
    assert text.index("changes the conversion would make") > fits
PY

test_ok "the text report: the verdict first, why not in sentences before the table, flavors by name with RAM and disk, the changes last" '
  for n in gen ok ni w; do
    rc=0; "$FG2NG" check --class general $n.tar.gz > $n.txt || rc=$?
    [ "$rc" -le 1 ]
    rc=0; "$FG2NG" check --json --class general $n.tar.gz > $n.json || rc=$?
    [ "$rc" -le 1 ]
    python3 report.py $n.json $n.txt
  done
  sed -n 2p gen.txt | grep -qx "verdict: NOT eligible"
  sed -n 3p gen.txt | grep -qx "  why not:"
  grep -q "^  2GB Standard Instance (2048 MB RAM, 80 GB disk; flavor id 4)$" ok.txt
  lacks ok.txt "why not"'

test_ok "a long figure keeps the columns: its message goes to the next line, in the message column" '
  v=2.6.32-5-amd64-built-here-with-a-long-local-version-string
  base_tree long
  mv long/image/lib/modules/2.6.32-5-amd64 long/image/lib/modules/$v
  mv long/image/boot/vmlinuz-2.6.32-5-amd64 long/image/boot/vmlinuz-$v
  initrd long/image/boot/initrd.img-$v \
    lib/modules/$v/kernel/drivers/block/xen-blkfront.ko \
    lib/modules/$v/kernel/drivers/net/xen-netfront.ko
  rm long/image/boot/initrd.img-2.6.32-5-amd64
  pack long
  expect_exit 0 "$FG2NG" check long.tar.gz
  cp "$WORK/last.out" long.txt
  expect_exit 0 "$FG2NG" check --json long.tar.gz
  cp "$WORK/last.out" long.json
  python3 report.py long.json long.txt
  grep -q "kernel.present  *$v$" long.txt
  # and on its own: the last line ending with each message starts it at
  # one offset
  python3 -c "
import json, sys
t = open(\"long.txt\").read().split(\"\n\")
at = {v[\"rule\"]: [l for l in t if l.endswith(v[\"message\"])][-1].index(v[\"message\"]) for v in json.load(open(\"long.json\"))[\"plan\"][\"verdicts\"]}
assert len(set(at.values())) == 1, at"'

test_ok "convert --dry-run prints the same plan and writes nothing" '
  expect_exit 0 "$FG2NG" convert --dry-run --json ok.tar.gz
  cp "$WORK/last.out" dry.json
  schema_ok dry.json
  expect_exit 1 "$FG2NG" convert --dry-run gen.tar.gz -o nothing.vhd
  [ ! -e nothing.vhd ]
  no_leftovers .'

test_ok "bad input: exit 2 naming the file" '
  head -c 3000 /dev/urandom > junk.tar.gz
  printf "\x1f\x8b" | dd of=junk.tar.gz conv=notrunc status=none
  expect_exit 2 "$FG2NG" check junk.tar.gz
  err_has "junk.tar.gz"
  expect_exit 2 "$FG2NG" check --class huge ok.tar.gz'

if have guestfish; then
  test_ok "a blank disk: exit 2 at once (no VM); partitioned, libguestfs finds no OS: exit 2" '
    truncate -s 64M disk.raw
    expect_exit 2 "$FG2NG" check disk.raw
    err_has "not a disk image"
    echo "2048,,83" | sfdisk -q disk.raw
    expect_exit 2 "$FG2NG" check disk.raw
    err_has "no operating system found"'
else
  skip "a blank disk through libguestfs" "libguestfs is not installed"
fi

done_testing
