#!/usr/bin/env bash
# fg2ng inspect on file-level images: distributions of the first-gen era
# told apart by their own release files, kernels, boot, figures.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

# mkimage NAME FILE=CONTENT... : a file-level image NAME.tar.gz whose
# files are given inline; "L:path=target" makes a symlink.
mkimage() {
  local name=$1; shift
  rm -rf "$name.d" && mkdir -p "$name.d/image"
  local spec path val
  for spec in "$@"; do
    path=${spec%%=*}; val=${spec#*=}
    if [[ $path == L:* ]]; then
      path=${path#L:}
      mkdir -p "$(dirname "$name.d/image/$path")"
      ln -s "$val" "$name.d/image/$path"
    else
      mkdir -p "$(dirname "$name.d/image/$path")"
      printf '%b' "$val" > "$name.d/image/$path"
    fi
  done
  tar -C "$name.d" -czf "$name.tar.gz" image
}

# field NAME PY-EXPR JSON: the inspection of NAME.tar.gz (as j) gives
# the value JSON for the Python expression PY-EXPR.
field() {
  "$FG2NG" inspect --json "$1.tar.gz" > "$1.json" || return 1
  python3 - "$1.json" "$2" "$3" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
got = json.loads(json.dumps(eval(sys.argv[2])))
want = json.loads(sys.argv[3])
if got != want:
    sys.exit("%s: %s is %s, expected %s" % (sys.argv[1], sys.argv[2], got, want))
PY
}

test_ok "Debian 6 from debian_version, kernel and modules by name" '
  mkimage deb6 "etc/debian_version=6.0.10\n" "boot/vmlinuz-2.6.32-5-amd64=k" \
    "boot/initrd.img-2.6.32-5-amd64=i" \
    "lib/modules/2.6.32-5-amd64/kernel/drivers/block/xen-blkfront.ko=m" \
    "boot/grub/menu.lst=title x\n" "etc/hostname=web01\n" "etc/inittab=id:2:initdefault:\n"
  field deb6 "j[\"os\"][\"distro\"], j[\"os\"][\"version\"], j[\"os\"][\"major\"]" "[\"debian\", \"6.0.10\", \"6\"]"
  field deb6 "j[\"kernels\"][0][\"version\"], j[\"kernels\"][0][\"xen_blkfront\"], j[\"kernels\"][0][\"xen_netfront\"]" "[\"2.6.32-5-amd64\", true, null]"
  field deb6 "j[\"boot\"][\"loader\"], j[\"boot\"][\"init\"], j[\"hostname\"], j[\"os\"][\"arch\"]" "[\"grub-legacy\", \"sysvinit\", \"web01\", \"x86_64\"]"'

test_ok "Ubuntu 12.04 from lsb-release, not debian_version" '
  mkimage ubu "etc/debian_version=wheezy/sid\n" \
    "etc/lsb-release=DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=12.04\nDISTRIB_CODENAME=precise\nDISTRIB_DESCRIPTION=\"Ubuntu 12.04.5 LTS\"\n"
  field ubu "j[\"os\"][\"distro\"], j[\"os\"][\"version\"], j[\"os\"][\"major\"], j[\"os\"][\"codename\"]" "[\"ubuntu\", \"12.04\", \"12.04\", \"precise\"]"'

test_ok "CentOS 5, RHEL 6, Fedora 17 from redhat-release" '
  mkimage c5 "etc/redhat-release=CentOS release 5.8 (Final)\n"
  field c5 "j[\"os\"][\"distro\"], j[\"os\"][\"version\"]" "[\"centos\", \"5.8\"]"
  mkimage r6 "etc/redhat-release=Red Hat Enterprise Linux Server release 6.4 (Santiago)\n"
  field r6 "j[\"os\"][\"distro\"], j[\"os\"][\"version\"], j[\"os\"][\"major\"]" "[\"rhel\", \"6.4\", \"6\"]"
  mkimage f17 "etc/fedora-release=Fedora release 17 (Beefy Miracle)\n" "L:etc/redhat-release=fedora-release"
  field f17 "j[\"os\"][\"distro\"], j[\"os\"][\"version\"]" "[\"fedora\", \"17\"]"'

test_ok "openSUSE, Arch, Gentoo" '
  mkimage suse "etc/SuSE-release=openSUSE 12.1 (x86_64)\nVERSION = 12.1\nCODENAME = Asparagus\n"
  field suse "j[\"os\"][\"distro\"]" "\"opensuse\""
  mkimage arch "etc/arch-release=" "etc/rc.conf=HOSTNAME=\"archy\"\n"
  field arch "j[\"os\"][\"distro\"], j[\"hostname\"]" "[\"arch\", \"archy\"]"
  mkimage gentoo "etc/gentoo-release=Gentoo Base System release 2.1\n" "etc/conf.d/hostname=hostname=\"gen\"\n"
  field gentoo "j[\"os\"][\"distro\"], j[\"os\"][\"version\"], j[\"hostname\"]" "[\"gentoo\", \"2.1\", \"gen\"]"'

# cpio_of DIR: a newc cpio of DIR on stdout
cpio_of() { (cd "$1" && find . | LC_ALL=C sort | cpio --quiet -o -H newc); }

test_ok "initramfs listed in passing: gzip, xz, zstd, early microcode, unreadable" '
  k=3.2.0-4-amd64
  mkdir -p early/kernel/x86/microcode main/lib/modules/$k/kernel/drivers/block \
    main/lib/modules/$k/kernel/drivers/net half/lib/modules/$k/kernel/drivers/block
  : > early/kernel/x86/microcode/GenuineIntel.bin
  : > main/lib/modules/$k/kernel/drivers/block/xen-blkfront.ko.xz
  : > main/lib/modules/$k/kernel/drivers/net/xen_netfront.ko
  : > half/lib/modules/$k/kernel/drivers/block/xen-blkfront.ko
  mkdir -p ird/image/boot
  for v in gz xz zst early half junk; do : > ird/image/boot/vmlinuz-$v; done
  cpio_of main | gzip -n > ird/image/boot/initrd.img-gz
  cpio_of main | xz --check=crc32 > ird/image/boot/initramfs-xz.img
  cpio_of main | zstd -q > ird/image/boot/initrd-zst.img
  { cpio_of early; cpio_of main | zstd -q; } > ird/image/boot/initrd.img-early
  cpio_of half | gzip -n > ird/image/boot/initrd.img-half
  head -c 4096 /dev/urandom > ird/image/boot/initrd.img-junk
  tar -C ird -czf ird.tar.gz image
  "$FG2NG" inspect --json ird.tar.gz > ird.json
  python3 - ird.json <<PY
import json, sys
ks = {k["version"]: k for k in json.load(open(sys.argv[1]))["kernels"]}
def want(v, status, fmt, blk, net, summary):
    r = ks[v]["initramfs"]
    got = (r["status"], r["format"], r["xen_blkfront"], r["xen_netfront"], ks[v]["initramfs_xen"])
    assert got == (status, fmt, blk, net, summary), (v, got, r)
want("gz", "listed", "cpio+gzip", True, True, True)
want("xz", "listed", "cpio+xz", True, True, True)
want("zst", "listed", "cpio+zstd", True, True, True)
want("early", "listed", "cpio, cpio+zstd", True, True, True)
assert ks["early"]["initramfs"]["segments"] == 2, ks["early"]
want("half", "listed", "cpio+gzip", True, False, None)
assert ks["half"]["xen_drivers"] == {"xen_blkfront": "initramfs", "xen_netfront": "unknown"}, ks["half"]
want("junk", "unreadable", None, None, None, None)
assert ks["junk"]["initramfs"]["why"], ks["junk"]
PY
  "$FG2NG" inspect ird.tar.gz > ird.txt
  grep -q "initramfs    early: listed cpio, cpio+zstd" ird.txt
  grep -q "initramfs    junk: unreadable" ird.txt'

test_ok "release files that are symlinks resolve inside the image, never on the host" '
  mkimage sym "usr/lib/os-release=ID=debian\nVERSION_ID=\"7\"\n" "L:etc/os-release=../usr/lib/os-release"
  field sym "j[\"os\"][\"distro\"], j[\"os\"][\"version\"]" "[\"debian\", \"7\"]"
  # an absolute target means the image root, not the host: /etc/os-release
  # points at itself here, a loop, so nothing is identified
  mkimage abs "L:etc/os-release=/etc/os-release" "L:etc/debian_version=/etc/debian_version"
  field abs "j[\"os\"][\"distro\"]" "null"
  # merged /usr: sbin -> usr/sbin, init -> systemd
  mkimage merged "L:sbin=usr/sbin" "L:usr/sbin/init=../lib/systemd/systemd" "usr/lib/systemd/systemd=x"
  field merged "j[\"boot\"][\"init\"]" "\"systemd\""'

test_ok "databases, fstab disks and figures" '
  mkimage db "var/lib/mysql/ibdata1=x" "var/lib/postgresql/9.1/main/PG_VERSION=9.1\n" \
    "etc/fstab=/dev/sda1 / ext3 defaults 0 1\n/dev/sdb1 /data ext3 defaults 0 2\n# comment\n"
  field db "sorted(d[\"engine\"] for d in j[\"databases\"])" "[\"mysql\", \"postgresql\"]"
  field db "sorted(d[\"where\"] for d in j[\"databases\"])" "[\"/var/lib/mysql/ibdata1\", \"/var/lib/postgresql/9.1/main/PG_VERSION\"]"
  field db "[f[\"device\"] for f in j[\"fstab\"]]" "[\"/dev/sda1\", \"/dev/sdb1\"]"
  field db "j[\"figures\"][\"inodes\"] >= 8 and j[\"figures\"][\"bytes_used\"] >= 3 * 4096" "true"'

test_ok "the debootstrap sample matches what examples/ configured" '
  s="$FG_TOP/build/samples"
  [ -f "$s/fg-debian.expected.json" ] || exit 0
  "$FG2NG" inspect --json "$s/fg-debian.tar.gz.0" > sample.json
  python3 - "$s/fg-debian.expected.json" sample.json <<PY
import json, sys
want = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2]))
assert got["os"]["distro"] == want["distro"], got["os"]
assert got["os"]["major"] == want["version"], got["os"]
assert got["hostname"] == want["hostname"], got["hostname"]
assert [k["version"] for k in got["kernels"]] == want["kernels"], got["kernels"]
assert got["boot"]["loader"] == "grub-legacy" and got["boot"]["init"] == want["init"], got["boot"]
assert got["figures"]["inodes"] == want["tree"]["inodes"], (got["figures"], want["tree"])
assert [(f["device"], f["mountpoint"]) for f in got["fstab"]] == [(f["device"], f["mountpoint"]) for f in want["fstab"]]
net = {i["name"]: i for i in got["network"]["interfaces"]}
for w in want["interfaces"]:
    g = net[w["name"]]
    assert g["ipv4"] == ["%s/%d" % (w["address"], w["prefix"])], (g, w)
    assert g["gateway"] == w["gateway"], (g, w)
routes = [(r["to"], r["via"]) for r in net["eth1"]["routes"]]
assert routes == [("%s/%d" % (r["network"], r["prefix"]), r["gateway"]) for r in want["routes"]], routes
assert got["network"]["resolvers"] == want["resolvers"], got["network"]["resolvers"]
PY'

if ! have guestfish; then
  skip "block-level inspection through libguestfs" "libguestfs is not installed"
else
  test_ok "block-level parts: inspected through one libguestfs appliance" '
    s="$FG_TOP/build/samples"
    [ -f "$s/fg-debian.expected.json" ] || exit 0
    # a TMPDIR of its own: other runs on the machine make scratch too
    mkdir -p tmp
    TMPDIR=$WORK/tmp "$FG2NG" inspect --json "$s/fg-debian-block.tar.gz.0" > block.json
    python3 - "$s/fg-debian.expected.json" block.json <<PY
import json, sys
want = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2]))
assert got["layout"] == "block", got["layout"]
assert got["os"]["distro"] == "debian" and got["os"]["major"] == "12", got["os"]
assert got["hostname"] == want["hostname"], got["hostname"]
assert [k["version"] for k in got["kernels"]] == want["kernels"], got["kernels"]
assert got["kernels"][0]["xen_blkfront"] is True, got["kernels"]
assert got["disk"]["virtual_size"] == 1189085184, got["disk"]
assert got["figures"]["inodes"] > 10000, got["figures"]
assert [(f["device"], f["mountpoint"]) for f in got["fstab"]] == [(f["device"], f["mountpoint"]) for f in want["fstab"]]
PY
    lacks_scratch() { ls "$WORK/tmp" | grep "^fg2ng-inspect-"; }
    [ -z "$(lacks_scratch)" ] || { echo "scratch left behind:"; ls -la "$WORK/tmp"; exit 1; }'
fi

test_ok "an extracted root folder is inspected as its archive is (the root itself, or a folder holding image/)" '
  mkimage fold "etc/debian_version=6.0.10\n" "boot/vmlinuz-2.6.32-5-amd64=k" \
    "lib/modules/2.6.32-5-amd64/kernel/drivers/block/xen-blkfront.ko=m" \
    "boot/grub/menu.lst=title x\nkernel /boot/vmlinuz-2.6.32-5-amd64 ro\n" "etc/hostname=web01\n" \
    "L:etc/os-release=../usr/lib/os-release" "usr/lib/os-release=ID=debian\nVERSION_ID=\"6\"\n"
  "$FG2NG" inspect --json fold.tar.gz > fold-a.json
  "$FG2NG" inspect --json fold.d > fold-d.json
  "$FG2NG" inspect --json fold.d/image > fold-r.json
  python3 - fold-a.json fold-d.json fold-r.json <<PY
import json, sys
a, d, r = (json.load(open(f)) for f in sys.argv[1:])
for x in (d, r):
    for k in ("layout", "os", "boot", "hostname", "kernels", "fstab", "databases"):
        assert x[k] == a[k], (k, x[k], a[k])
    for k in ("entries", "inodes", "bytes_used", "bytes_apparent"):
        assert x["figures"][k] == a["figures"][k], (k, x["figures"], a["figures"])
assert a["kernels"][0]["boots"] is True, a["kernels"]
PY
  "$FG2NG" inspect fold.d | grep -q "^layout  *file level"'

done_testing
