#!/usr/bin/env bash
# Issue 16, item 4: the dry run is the conversion.  Every era tree
# (tests/fixtures/era) and the sample are dry-run and converted (file
# level, --json) in image and self-service mode; the sorted list of
# "action path" of the conversion's fixups must equal the dry run's byte
# for byte, with the same diffs (the new UUID aside), and the same guest
# commands, each with whether it runs and why.  The result disk itself is
# read back (debugfs, not fg2ng): the files that differ from the source
# are exactly the listed ones.  Whether the initramfs is rebuilt is
# decided once: the dry run's decision follows the inspection (a booted
# kernel with modules whose initramfs lacks the Xen drivers), and when
# nothing runs in the guest the conversion runs with --initramfs auto
# and reports the same.  Each family's initramfs configuration is the
# file its release's tool reads (EL5: mkinitrd's modprobe.conf, never
# dracut's), and the demo's dry run and conversion use the same mode.
. "$(dirname "$0")/lib.sh"

if ! have qemu-img || ! have debugfs; then
  skip "the dry run is the conversion" "needs qemu-img and debugfs"
  done_testing
fi
ERA="$FG_TOP/tests/fixtures/era"
TREES=$(era_trees) || { echo "not ok 1 - the era trees could not be made"; exit 1; }
SAMPLE=$FG_TOP/build/samples/fg-debian.tar.gz.0
cd "$WORK" || exit 1

# compare.py DRY CONV [TREE]: the two documents' fixups, and with TREE
# (a folder of "src/" and "out/") the files that differ on disk.
cat > compare.py <<'PY'
import json, os, re, sys
dry = json.load(open(sys.argv[1]))
conv = json.load(open(sys.argv[2]))
uuid = conv["filesystem"]["uuid"]
bad = []
def lst(d):
    return "".join("%s %s\n" % c for c in
                   sorted((c["action"], c["path"]) for c in d["fixups"]["changes"]))
a, b = lst(dry), lst(conv)
if a != b:
    bad.append("the dry run lists\n%sthe conversion made\n%s" % (a, b))
def diffs(d, u=None):
    return sorted((c["path"], c["diff"].replace(u, "<new-file-system-uuid>") if u
                   else c["diff"]) for c in d["fixups"]["changes"])
for (p, x), (q, y) in zip(diffs(dry), diffs(conv, uuid)):
    if x != y:
        bad.append("%s: the dry run's diff\n%s\nthe conversion's\n%s" % (p, x, y))
if dry["fixups"]["pending"] != conv["fixups"]["pending"]:
    bad.append("guest commands: dry run %s, conversion %s" % (
        json.dumps(dry["fixups"]["pending"]), json.dumps(conv["fixups"]["pending"])))
for g in conv["fixups"]["pending"]:
    if g.get("run") is None or not g.get("why"):
        bad.append("a guest command without run and why: %s" % json.dumps(g))
    if g.get("action") == "initramfs" and g["run"] != conv["initramfs"]["rebuilt"]:
        bad.append("the plan says run=%s, the conversion rebuilt=%s" % (
            g["run"], conv["initramfs"]["rebuilt"]))
if len(sys.argv) > 3:
    top = sys.argv[3]
    def walk(root):
        out = {}
        for d, dirs, files in os.walk(root):
            for n in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
                f = os.path.join(d, n)
                rel = os.path.relpath(f, root)
                if rel.startswith("lost+found"):
                    continue
                out[rel] = ("l", os.readlink(f)) if os.path.islink(f) \
                    else ("f", open(f, "rb").read())
        return out
    s, o = walk(top + "/src/image"), walk(top + "/out")
    got = []
    for p in sorted(set(s) | set(o)):
        if p not in o:
            got.append(("remove", p))
        elif p not in s:
            got.append(("create", p))
        elif s[p] != o[p]:
            got.append(("edit", p))
    got = "".join("%s %s\n" % c for c in sorted(got))
    if got != b:
        bad.append("the disk differs from the source in\n%sthe conversion listed\n%s"
                   % (got, b))
if bad:
    sys.exit("\n".join(bad))
PY

# read_disk VHD DIR: the partition's files under DIR (debugfs rdump).
read_disk() {
  qemu-img convert -f vpc -O raw "$1" "$1.raw" &&
    dd if="$1.raw" of="$1.part" bs=1M skip=1 status=none && rm -f "$1.raw" &&
    e2fsck -fn "$1.part" >/dev/null 2>&1 &&
    rm -rf "$2" && mkdir -p "$2" && debugfs -R "rdump / $2" "$1.part" 2>/dev/null
}

# same_plan NAME SRC MODE [full]: dry run and conversion of SRC agree;
# with "full", every file of the result (left in NAME.d/out) is compared
# with the source.
same_plan() {
  local n=$1 src=$2 mode=$3 full=${4:-} ir=keep rc=0
  # With nothing to run in the guest (auto decides so), auto itself.
  "$FG2NG" convert --dry-run --json --mode "$mode" "$src" > "$n.$mode.auto.json" || rc=$?
  [ "$rc" -le 1 ] || { echo "$n: the dry run exited $rc"; return 1; }
  if python3 -c "import json,sys; sys.exit(0 if all(g.get('run') is False for g in json.load(open(sys.argv[1]))['fixups']['pending']) else 1)" "$n.$mode.auto.json"; then
    ir=auto
  fi
  rc=0
  "$FG2NG" convert --dry-run --json --initramfs $ir --mode "$mode" "$src" > "$n.$mode.dry.json" || rc=$?
  [ "$rc" -le 1 ] || { echo "$n: the dry run exited $rc"; return 1; }
  "$FG2NG" convert -q -f --no-check --initramfs $ir --mode "$mode" --json "$src" \
    -o "$n.vhd" > "$n.$mode.conv.json" 2> "$n.err" || { cat "$n.err"; return 1; }
  if [ "$full" = full ]; then
    read_disk "$n.vhd" "$n.d/out" || { echo "$n: the result cannot be read back"; return 1; }
    if [ ! -d "$n.d/src" ]; then
      mkdir -p "$n.d/src" && tar -C "$n.d/src" -xzf "$src"
    fi
    python3 compare.py "$n.$mode.dry.json" "$n.$mode.conv.json" "$n.d" || return 1
  else
    python3 compare.py "$n.$mode.dry.json" "$n.$mode.conv.json" || return 1
  fi
}

for f in "$ERA"/*.expected.json; do
  n=$(basename "$f" .expected.json)
  test_ok "$n: the conversion edits, creates and removes exactly what the dry run lists (image and self-service; the disk read back)" "
    same_plan $n '$TREES/$n.tar.gz' image full
    same_plan $n '$TREES/$n.tar.gz' self-service full
    rm -rf $n.d $n.vhd $n.vhd.part"
done

# The initramfs decision: the same one in the dry run as in convert,
# and what the inspection says (a booted kernel with modules whose
# initramfs lacks a Xen front end); the command is the release's tool.
cat > decision.py <<'PY'
import json, sys
name, doc = sys.argv[1], json.load(open(sys.argv[2]))
# the release's tool, and the command that runs it
want = {"debian": ("initramfs-tools", "update-initramfs"),
        "ubuntu": ("initramfs-tools", "update-initramfs"),
        "fedora": ("dracut", "dracut"), "arch": ("mkinitcpio", "mkinitcpio"),
        "opensuse": ("mkinitrd", "mkinitrd"), "gentoo": ("genkernel", "genkernel")}
os_ = doc["inspection"]["os"]
tool, cmd = want.get(os_["distro"]) or (("mkinitrd", "mkinitrd") if os_["major"] == "5"
                                        else ("dracut", "dracut"))
need = any(k["boots"] and k["modules"] and k["initramfs_xen"] is not True
           for k in doc["inspection"]["kernels"])
g = [p for p in doc["fixups"]["pending"] if p["action"] == "initramfs"]
bad = []
if len(g) != 1:
    bad.append("%s: %d initramfs entries" % (name, len(g)))
else:
    g = g[0]
    if g["run"] != need:
        bad.append("%s: run=%s, the inspection says %s (%s)" % (name, g["run"], need, g["why"]))
    if cmd not in " ".join(g["command"]):
        bad.append("%s: the command %s does not run %s" % (name, g["command"], cmd))
    if g.get("tool") != tool:
        bad.append("%s: tool %s, wanted %s" % (name, g.get("tool"), tool))
if bad:
    sys.exit("\n".join(bad))
PY

test_ok "every tree and the sample: the dry run runs the rebuild command exactly when the inspection says the initramfs lacks the drivers, with the release's tool" '
  for f in "$ERA"/*.expected.json; do
    n=$(basename "$f" .expected.json)
    rc=0; "$FG2NG" check --json "$TREES/$n.tar.gz" > "$n.check.json" || rc=$?
    [ "$rc" -le 1 ]
    python3 decision.py "$n" "$n.check.json"
  done
  if [ -e "$SAMPLE" ]; then
    "$FG2NG" check --json "$SAMPLE" > sample.check.json
    python3 decision.py sample sample.check.json
  fi'

# text.py JSON TEXT: the text dry run names each listed path and each
# guest command, whether it runs, and why.
cat > text.py <<'PY'
import json, shlex, sys
d, t = json.load(open(sys.argv[1]))["fixups"], open(sys.argv[2]).read()
for c in d["changes"]:
    line = "  %-6s %s\n" % (c["action"], c["path"])
    assert line in t, (line, t)
for g in d["pending"]:
    cmd = shlex.join(g["command"])
    assert cmd in t, (cmd, t)
    assert g["why"] in t, (g["why"], t)
    assert ("will run in the guest" if g["run"] else "not run") in t, t
PY

test_ok "the text dry run names every listed path and each guest command, with run or not and why" '
  for n in centos-5 debian-6 arch-2012 gentoo-openrc fedora-17; do
    rc=0; "$FG2NG" check --mode self-service "$TREES/$n.tar.gz" > "$n.txt" || rc=$?
    [ "$rc" -le 1 ]
    rc=0; "$FG2NG" check --json --mode self-service "$TREES/$n.tar.gz" > "$n.json" || rc=$?
    [ "$rc" -le 1 ]
    python3 text.py "$n.json" "$n.txt"
  done'

if [ -e "$SAMPLE" ]; then
  test_ok "the sample: the same list in the dry run and the conversion, the initramfs-tools modules file among them" '
    same_plan sample "$SAMPLE" image
    same_plan sample "$SAMPLE" self-service
    rm -f sample.vhd
    grep -q "\"etc/initramfs-tools/modules\"" sample.image.dry.json'
else
  skip "the sample: the same list in the dry run and the conversion" "no sample in build/samples (make samples)"
fi

# changes NAME MODE: "action path" lines of the conversion's fixups.
changes() {
  python3 -c "import json,sys; [print(c['action'], c['path']) for c in json.load(open(sys.argv[1]))['fixups']['changes']]" "$1.$2.conv.json"
}
# repack TREE NAME: TREE's era tree with the files under NAME.add/
# added, as NAME.tar.gz.
repack() {
  rm -rf "$2.stage" && mkdir -p "$2.stage" &&
    tar -C "$2.stage" -xzf "$TREES/$1.tar.gz" &&
    cp -r "$2.add/." "$2.stage/image/" &&
    tar -C "$2.stage" -czf "$2.tar.gz" image && rm -rf "$2.stage"
}
# convert_keep NAME SRC: dry run and conversion agree, the result read
# back into NAME.d/out.
convert_keep() {
  same_plan "$1" "$2" self-service full
}

test_ok "EL5 (CentOS 5, RHEL 5): mkinitrd's etc/modprobe.conf aliases, no dracut file; EL6: the dracut conf" '
  for n in centos-5 rhel-5; do
    same_plan $n "$TREES/$n.tar.gz" image
    changes $n image > $n.changes
    grep -qx "create etc/modprobe.conf" $n.changes
    lacks $n.changes dracut
    python3 -c "import json,sys; g = json.load(open(sys.argv[1]))[\"fixups\"][\"pending\"][0]; assert g[\"file\"] == \"etc/modprobe.conf\" and g[\"tool\"] == \"mkinitrd\", g" $n.image.dry.json
  done
  "$FG2NG" convert -q -f --no-check --initramfs keep "$TREES/centos-5.tar.gz" -o c5.vhd
  read_disk c5.vhd c5.d/out
  grep -qx "alias scsi_hostadapter xenblk" c5.d/out/etc/modprobe.conf
  grep -qx "alias eth0 xennet" c5.d/out/etc/modprobe.conf
  grep -qx "alias eth1 xennet" c5.d/out/etc/modprobe.conf
  absent c5.d/out/etc/dracut.conf.d
  for n in centos-6 rhel-6 fedora-17; do
    same_plan $n "$TREES/$n.tar.gz" image
    changes $n image > $n.changes
    grep -qx "create etc/dracut.conf.d/fg2ng-xen.conf" $n.changes
    lacks $n.changes modprobe
  done
  "$FG2NG" convert -q -f --no-check --initramfs keep "$TREES/centos-6.tar.gz" -o c6.vhd
  read_disk c6.vhd c6.d/out
  grep -q "^add_drivers+=\" xen-blkfront xen-netfront \"" c6.d/out/etc/dracut.conf.d/fg2ng-xen.conf
  absent c6.d/out/etc/modprobe.conf'

test_ok "each family edits the file its release's tool reads, when the guest has it: modprobe.conf, initramfs-tools, mkinitcpio, SUSE's sysconfig/kernel; Gentoo none" '
  mkdir -p c5m.add/etc d6m.add/etc/initramfs-tools a12m.add/etc s12m.add/etc/sysconfig gom.add/etc/conf.d
  printf "alias eth0 xennet\nalias scsi_hostadapter ata_piix\n" > c5m.add/etc/modprobe.conf
  repack centos-5 c5m
  convert_keep c5m c5m.tar.gz
  changes c5m self-service | grep -qx "edit etc/modprobe.conf"
  printf "alias eth0 xennet\nalias scsi_hostadapter ata_piix\nalias scsi_hostadapter1 xenblk\nalias eth1 xennet\n" > want
  diff -u want c5m.d/out/etc/modprobe.conf
  printf "# modules for the initramfs\nloop\n" > d6m.add/etc/initramfs-tools/modules
  repack debian-6 d6m
  convert_keep d6m d6m.tar.gz
  printf "# modules for the initramfs\nloop\nxen-blkfront\nxen-netfront\n" > want
  diff -u want d6m.d/out/etc/initramfs-tools/modules
  printf "MODULES=\"\"\nHOOKS=\"base udev autodetect\"\n" > a12m.add/etc/mkinitcpio.conf
  repack arch-2012 a12m
  convert_keep a12m a12m.tar.gz
  printf "MODULES=\"xen-blkfront xen-netfront\"\nHOOKS=\"base udev autodetect\"\n" > want
  diff -u want a12m.d/out/etc/mkinitcpio.conf
  printf "INITRD_MODULES=\"processor thermal\"\n" > s12m.add/etc/sysconfig/kernel
  repack opensuse-12.1 s12m
  convert_keep s12m s12m.tar.gz
  printf "INITRD_MODULES=\"processor thermal xen-blkfront xen-netfront\"\n" > want
  diff -u want s12m.d/out/etc/sysconfig/kernel
  printf "modules=\"\"\n" > gom.add/etc/conf.d/modules
  repack gentoo-openrc gom
  convert_keep gom gom.tar.gz
  changes gom self-service > gom.changes
  lacks gom.changes etc/conf.d/modules
  python3 -c "import json,sys; g = json.load(open(sys.argv[1]))[\"fixups\"][\"pending\"][0]; assert g[\"file\"] is None and g[\"tool\"] == \"genkernel\" and g[\"note\"], g" gom.self-service.dry.json'

test_ok "a profile naming an initramfs file inspection does not keep, or an unknown format, is refused naming the file and the key (exit 3)" '
  mkdir -p prof && cp "$FG_TOP"/profiles/*.json prof/
  python3 -c "import json; p = json.load(open(\"prof/rhel.json\")); p[\"initramfs\"][\"modules_format_by_major\"][\"5\"] = \"bogus\"; json.dump(p, open(\"prof/rhel.json\", \"w\"))"
  FG2NG_PROFILES=$WORK/prof expect_exit 3 "$FG2NG" convert --no-check "$TREES/centos-5.tar.gz" -o bad.vhd
  err_has "rhel.json"
  err_has "initramfs.modules_format_by_major.5"
  absent bad.vhd
  cp "$FG_TOP"/profiles/rhel.json prof/
  python3 -c "import json; p = json.load(open(\"prof/rhel.json\")); p[\"initramfs\"][\"modules_file_by_major\"][\"5\"] = \"etc/not-kept.conf\"; json.dump(p, open(\"prof/rhel.json\", \"w\"))"
  FG2NG_PROFILES=$WORK/prof expect_exit 3 "$FG2NG" check "$TREES/centos-5.tar.gz"
  err_has "initramfs.modules_file_by_major.5"
  err_has "inspection does not keep"'

# demo.py DEMO: the file-level sample's dry run (check, or convert
# --dry-run) and its conversion name the same --mode (image if none).
cat > demo.py <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
vars_ = dict(re.findall(r"^([A-Za-z_]+)=(\S+)$", text, re.M))
def mode(line):
    m = re.search(r"--mode[ =](\S+)", line)
    v = m.group(1).strip('"') if m else "image"
    v = v.lstrip("$").strip("{}")
    return vars_.get(v, v).strip('"')
runs = [l for l in text.splitlines()
        if re.search(r"FG2NG\"? (check|convert)", l) and "$name.tar.gz.0" in l]
checks = [mode(l) for l in runs if re.search(r"FG2NG\"? check|--dry-run", l)]
converts = [mode(l) for l in runs
            if re.search(r"FG2NG\"? convert", l) and "--dry-run" not in l]
assert checks and converts, runs
assert len(set(checks + converts)) == 1, (checks, converts)
PY

test_ok "the demo dry-runs and converts the file-level sample in the same mode" '
  python3 demo.py "$FG_TOP/examples/demo.sh"'

done_testing
