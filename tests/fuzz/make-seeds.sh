#!/usr/bin/env bash
# tests/fuzz/make-seeds.sh --- (re)generate the small seed inputs of the fuzzers
#
#   bash tests/fuzz/make-seeds.sh             writes every seed folder below
#   bash tests/fuzz/make-seeds.sh TARGET...   only those targets' folders
#                                             (fuzz_vhd, fuzz_initramfs,
#                                             fuzz_fileconv, fuzz_vhd_chain)
#
# fuzz_vhd seeds are tiny but valid VHDs, so that the fuzzer starts past
# the cookie and checksum checks and reaches the BAT, bitmaps, locators and
# reads:
#   qemu-dyn-1m.vhd     qemu-img create -f vpc 1M: a real tool's empty
#                       dynamic disk (2.5 KB; UUID and time vary per run)
#   dyn512.vhd          dynamic, 512-byte blocks so that allocated blocks
#                       stay small: blocks stored out of order, one with a
#                       partial sector bitmap
#   dyn512-tailbad.vhd  the same with a damaged trailing footer: the copy
#                       at offset 0 must be used
#   dyn4k-tap.vhd       creator "tap" 1.3 with a blktap batmap, 4 KiB blocks
#   diff512.vhd         differencing, MacX/W2ku/W2ru locators naming
#                       parent.vhd, which is absent: the fuzzer reaches the
#                       parent search and its errors
#   fixed4k.vhd         fixed, 4 KiB + footer
# Everything but the qemu-img seed is written by the Python below, byte by
# byte from ../shared/VHD.md, with fixed UUIDs and times: the output is the
# same on every run.  (The project's writer only makes 2 MiB blocks, which
# would make seeds of megabytes.)
set -euo pipefail
cd "$(dirname "$0")"

seeds_fuzz_vhd () {
out=seeds/fuzz_vhd
mkdir -p "$out"

if command -v qemu-img >/dev/null 2>&1; then
  rm -f "$out/qemu-dyn-1m.vhd"
  qemu-img create -q -f vpc "$out/qemu-dyn-1m.vhd" 1M
else
  echo "make-seeds: qemu-img not found, skipping qemu-dyn-1m.vhd" >&2
fi

python3 - "$out" <<'PY'
import struct, sys

out = sys.argv[1]
SECTOR = 512

def cksum(b, off):
    s = sum(b[:off]) + sum(b[off + 4:])
    return (~s) & 0xffffffff

def footer(size, dtype, uuid, data_offset, app=b"fgsd", ver=0x00010000):
    f = bytearray(512)
    f[0:8] = b"conectix"
    struct.pack_into(">IIQI", f, 8, 2, 0x00010000, data_offset, 0x2a000000)
    f[28:32] = app
    struct.pack_into(">IIQQ", f, 32, ver, 0, size, size)
    struct.pack_into(">HBBI", f, 56, 1, 4, 17, dtype)
    f[68:84] = uuid
    struct.pack_into(">I", f, 64, cksum(f, 64))
    return f

def header(table_off, entries, bs, parent_uuid=bytes(16), name="", locs=()):
    h = bytearray(1024)
    h[0:8] = b"cxsparse"
    struct.pack_into(">QQIII", h, 8, 0xffffffffffffffff, table_off,
                     0x00010000, entries, bs)
    h[40:56] = parent_uuid
    struct.pack_into(">I", h, 56, 0x29000000)
    n = name.encode("utf-16-be")
    h[64:64 + len(n)] = n
    for i, (code, space, length, off) in enumerate(locs):
        struct.pack_into(">4sIIIQ", h, 576 + 24 * i, code, space, length, 0, off)
    struct.pack_into(">I", h, 36, cksum(h, 36))
    return h

def sparse(size, bs, blocks, dtype=3, uuid=b"\x11" * 16, app=b"fgsd",
           ver=0x00010000, parent=None, batmap=False):
    """blocks: list of (index, bitmap bytes or None, fill byte) in file order."""
    entries = (size + bs - 1) // bs
    bat_bytes = (entries * 4 + SECTOR - 1) // SECTOR * SECTOR
    end = 1536 + bat_bytes
    extra = bytearray()
    locs = []
    if batmap:
        bm = bytearray(SECTOR)
        bm[0:8] = b"tdbatmap"
        struct.pack_into(">QII", bm, 8, end + SECTOR, 1, 0x00010002)
        extra += bm + bytearray(SECTOR)
    if parent:
        pname, puuid = parent
        datas = [(b"MacX", ("file://./" + pname).encode()),
                 (b"W2ku", (".\\" + pname).encode("utf-16-le")),
                 (b"W2ru", (".\\" + pname).encode("utf-16-le"))]
        for code, d in datas:
            locs.append((code, SECTOR, len(d), end + len(extra)))
            extra += d + bytearray(SECTOR - len(d))
    end += len(extra)
    bmsize = ((bs // SECTOR + 7) // 8 + SECTOR - 1) // SECTOR * SECTOR
    bat = [0xffffffff] * entries
    body = bytearray()
    for idx, bitmap, fill in blocks:
        bat[idx] = (end + len(body)) // SECTOR
        b = bytearray(bmsize)
        if bitmap is None:
            b[0:bs // SECTOR // 8 or 1] = b"\xff" * (bs // SECTOR // 8 or 1)
        else:
            b[0:len(bitmap)] = bitmap
        body += b + bytes([fill]) * bs
    foot = footer(size, dtype, uuid, 512, app, ver)
    if parent:
        hdr = header(1536, entries, bs, parent[1], parent[0], locs)
    else:
        hdr = header(1536, entries, bs)
    batb = bytearray(bat_bytes)
    for i, v in enumerate(bat):
        struct.pack_into(">I", batb, 4 * i, v)
    return foot + hdr + batb + extra + body + foot

def write(name, data):
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)

dyn = sparse(4096, 512, [(3, b"\xa0", 0x33), (0, None, 0x10), (5, None, 0x55)])
write("dyn512.vhd", dyn)
bad = bytearray(dyn)
bad[-512 + 24] ^= 1
write("dyn512-tailbad.vhd", bad)
write("dyn4k-tap.vhd", sparse(8192, 4096, [(1, b"\x0f", 0x45)],
                              app=b"tap\0", ver=0x00010003, batmap=True))
write("diff512.vhd", sparse(4096, 512, [(1, b"\x40", 0x66)], dtype=4,
                            uuid=b"\x22" * 16,
                            parent=("parent.vhd", b"\x11" * 16)))
write("fixed4k.vhd", bytes(range(256)) * 16 + footer(4096, 2, b"\x33" * 16,
                                                     0xffffffffffffffff))
PY
ls -l "$out"
}

# fuzz_initramfs seeds: a stretch-size byte, then small initramfs images
# as the kernel takes them: gzip'd newc cpio, an uncompressed early
# microcode cpio before a gzip'd one, and an xz'd one.
seeds_fuzz_initramfs () {
out=seeds/fuzz_initramfs
mkdir -p "$out"
python3 - "$out" <<'PY'
import gzip, lzma, sys

out = sys.argv[1]

def member(name, data=b"x" * 40, mode=0o100644):
    n = name.encode() + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in
        (1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0))
    b = h + n
    b += b"\0" * ((4 - len(b) % 4) % 4) + data
    return b + b"\0" * ((4 - len(b) % 4) % 4)

def cpio(*names):
    b = b"".join(member(n) for n in names) + member("TRAILER!!!", b"")
    return b + b"\0" * ((512 - len(b) % 512) % 512)

main = cpio("init", "lib/modules/3.2.0-4-amd64/kernel/drivers/block/xen-blkfront.ko",
            "lib/modules/3.2.0-4-amd64/kernel/drivers/net/xen-netfront.ko")
early = cpio("kernel/x86/microcode/GenuineIntel.bin")
seeds = {
    "gzip.img": bytes([7]) + gzip.compress(main, 6, mtime=0),
    "early-gzip.img": bytes([200]) + early + gzip.compress(main, 6, mtime=0),
    "xz.img": bytes([0xff]) + lzma.compress(main, format=lzma.FORMAT_XZ,
                                              check=lzma.CHECK_CRC32),
    "plain.img": bytes([0]) + main,
}
for name, data in seeds.items():
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)
PY
}

# fuzz_fileconv seeds: small first-gen file-level archives (the root file
# system under image/), fixed owners and times so that the bytes are the
# same on every run.  An input without the gzip magic is gzip'd by the
# target itself, so the plain tars let the fuzzer mutate tar headers
# directly:
#   tree.tar.gz       the basic tree, gzip'd (GNU format): a folder, a
#                     file, a symlink (fast) and a long one (slow, 200
#                     bytes), a hard link, a name of 255 bytes (ext4's
#                     longest), a path 60 folders deep, an empty file
#   tree.tar          the same, not compressed
#   pax-attrs.tar     pax: xattrs, access and default ACLs with named
#                     entries resolved through the image's own
#                     /etc/passwd and /etc/group, a FIFO, character and
#                     block devices (old and new encodings), setuid and
#                     sticky modes, nanosecond times, a uid over 65535
#   sparse-pax.tar    a pax 1.0 sparse member (data at 0 and 512 KiB of
#                     1 MiB)
#   sparse-gnu.tar    GNU tar --sparse --format=gnu (old GNU 'S' member),
#                     when GNU tar is there
#   concat.tar.gz     two gzip members, two tar archives back to back (as
#                     split first-gen images can be): the second replaces
#                     a file by a symlink and rewrites another (the later
#                     copy wins), and adds a member with a leading "./"
#   sparse-map-mismatch.tar
#                     an old GNU sparse map in a plain file's header that
#                     libarchive keeps only in part: the data arrives
#                     outside the blocks fsbuild.c allocated from the map
#                     (an "internal error" today)
seeds_fuzz_fileconv () {
out=seeds/fuzz_fileconv
mkdir -p "$out"
python3 - "$out" <<'PY'
import gzip, io, sys, tarfile

out = sys.argv[1]
MTIME = 1262304000          # 2010-01-01, the first-gen era

def info(name, type=tarfile.REGTYPE, mode=0o644, size=0, **kw):
    t = tarfile.TarInfo(name)
    t.type = type
    t.mode = mode
    t.size = size
    t.mtime = MTIME
    t.uid = t.gid = 0
    t.uname = t.gname = "root"
    for k, v in kw.items():
        setattr(t, k, v)
    return t

def tar(members, fmt=tarfile.GNU_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        for m, data in members:
            t.addfile(m, io.BytesIO(data) if data is not None else None)
    # Without tarfile's 10 KiB record padding: the end-of-archive blocks
    # only (every archive here ends in a header or non-zero data).
    v = b.getvalue().rstrip(b"\0")
    return v + bytes((-len(v)) % 512 + 1024)

def gz(data):
    return gzip.compress(data, 6, mtime=0)

def file(name, data, **kw):
    return (info(name, size=len(data), **kw), data)

def d(name, mode=0o755, **kw):
    return (info(name, tarfile.DIRTYPE, mode, **kw), None)

def sym(name, target):
    return (info(name, tarfile.SYMTYPE, 0o777, linkname=target), None)

def hard(name, target):
    return (info(name, tarfile.LNKTYPE, 0o644, linkname=target), None)

deep = "image/" + "/".join("d%02d" % i for i in range(60))
tree = [
    d("image/"),
    d("image/etc/"),
    file("image/etc/hostname", b"web01\n"),
    file("image/etc/fstab", b"/dev/xvda1 / ext3 defaults 0 1\n"),
    sym("image/etc/motd", "hostname"),
    sym("image/etc/long-link", "/" + "x" * 199),
    hard("image/etc/hostname.hard", "image/etc/hostname"),
    file("image/" + "n" * 255, b"255\n"),
    file(deep + "/deep.txt", b"deep\n"),
    file("image/empty", b""),
]
with open(f"{out}/tree.tar", "wb") as f:
    f.write(tar(tree))
with open(f"{out}/tree.tar.gz", "wb") as f:
    f.write(gz(tar(tree)))

def pax(name, type=tarfile.REGTYPE, data=b"", headers=None, **kw):
    m = info(name, type, size=len(data) if type == tarfile.REGTYPE else 0, **kw)
    m.pax_headers = dict(headers or {})
    return (m, data if type == tarfile.REGTYPE else None)

attrs = [
    d("image/"),
    d("image/etc/"),
    file("image/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
         b"adm:x:3:4:adm:/var/adm:/bin/sh\n"),
    file("image/etc/group", b"root:x:0:\nadm:x:4:\nstaff:x:50:\n"),
    pax("image/srv", tarfile.DIRTYPE, mode=0o1777, headers={
        "SCHILY.acl.access": "user::rwx,group::r-x,other::r-x",
        "SCHILY.acl.default": "user::rwx,group::r-x,group:staff:rwx,"
                              "mask::rwx,other::r-x"}),
    pax("image/srv/shared", data=b"acl\n", mode=0o640, headers={
        "SCHILY.acl.access": "user::rw-,user:adm:r--,group::r--,"
                             "group:staff:rw-,mask::rw-,other::---",
        "SCHILY.xattr.user.comment": "kept",
        "SCHILY.xattr.security.selinux": "system_u:object_r:var_t:s0\0",
        "mtime": "1262304000.123456789", "atime": "1262304001.5",
        "ctime": "1262304002.25"}),
    pax("image/usr/bin/su", data=b"\x7fELF", mode=0o4755),
    pax("image/home/big", data=b"uid\n", uid=100000, gid=70000),
    pax("image/dev/null", tarfile.CHRTYPE, mode=0o666, devmajor=1,
        devminor=3),
    pax("image/dev/xvda1", tarfile.BLKTYPE, mode=0o660, devmajor=202,
        devminor=1),
    pax("image/dev/big", tarfile.CHRTYPE, mode=0o600, devmajor=300,
        devminor=70000),
    pax("image/run/fifo", tarfile.FIFOTYPE, mode=0o600),
]
with open(f"{out}/pax-attrs.tar", "wb") as f:
    f.write(tar(attrs, tarfile.PAX_FORMAT))

# pax 1.0 sparse: the map as text at the start of the data.
chunk = bytes(range(256)) * 16
smap = b"2\n0\n4096\n524288\n4096\n"
smap += b"\0" * (512 - len(smap))
sparse = [
    d("image/"),
    pax("image/GNUSparseFile.0/sparse", data=smap + chunk + chunk, headers={
        "GNU.sparse.major": "1", "GNU.sparse.minor": "0",
        "GNU.sparse.name": "image/var/sparse",
        "GNU.sparse.realsize": "1048576"}),
    file("image/var/after", b"after the sparse member\n"),
]
with open(f"{out}/sparse-pax.tar", "wb") as f:
    f.write(tar(sparse, tarfile.PAX_FORMAT))

first = [
    d("image/"),
    file("image/etc/issue", b"Debian GNU/Linux 5.0\n"),
    file("image/etc/rc.local", b"exit 0\n", mode=0o755),
    d("image/var/"),
]
second = [
    sym("image/etc/issue", "issue.net"),
    file("image/etc/rc.local", b"#!/bin/sh\nexit 0\n", mode=0o755),
    file("./image/var/log", b"second archive\n"),
]
with open(f"{out}/concat.tar.gz", "wb") as f:
    f.write(gz(tar(first)) + gz(tar(second)))

# An old GNU sparse map in a type '0' header, written by hand: libarchive
# keeps (5, 0) as the member's map (it drops (0, 256), past the 6-byte
# size) but reads the data from offset 0 by its own list.
def gnu_header(name, type, size, mode=0o644, extra=()):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"%07o\0" % mode
    h[108:116] = h[116:124] = b"%07o\0" % 0
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % MTIME
    h[156:157] = type
    h[257:265] = b"ustar  \0"
    h[265:269] = h[297:301] = b"root"
    for off, val in extra:
        h[off:off + len(val)] = val
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)

with open(f"{out}/sparse-map-mismatch.tar", "wb") as f:
    f.write(gnu_header(b"image/", b"5", 0, 0o755) +
            gnu_header(b"image/f", b"0", 6, extra=[
                (386, b"00000000000\0"), (398, b"00000000400\0"),
                (410, b"00000000005\0"), (422, b"00000000000\0")]) +
            b"web01\n".ljust(512, b"\0") + bytes(1024))
PY
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  tmp=$(mktemp -d)
  mkdir -p "$tmp/image/var"
  printf 'head' > "$tmp/image/var/holes"
  truncate -s 1M "$tmp/image/var/holes"
  printf 'middle' | dd of="$tmp/image/var/holes" bs=1 seek=600000 \
    conv=notrunc status=none
  printf 'tail' | dd of="$tmp/image/var/holes" bs=1 seek=1048572 \
    conv=notrunc status=none
  tar -C "$tmp" --sparse --format=gnu --sort=name --mtime=@1262304000 \
    --owner=0 --group=0 --numeric-owner --mode=go-w --blocking-factor=1 \
    -cf "$out/sparse-gnu.tar" image
  rm -rf "$tmp"
else
  echo "make-seeds: GNU tar not found, skipping sparse-gnu.tar" >&2
fi
ls -l "$out"
}

# fuzz_vhd_chain seeds: a child VHD and its parents in one input, cut at
# each "#FG-SPLIT#" (the target writes them as in/c.vhd, in/p.vhd,
# in/sub/q.vhd and outside.vhd, beside symlinks in/l0.vhd -> p.vhd,
# in/x.vhd -> ../outside.vhd and in/sub/up.vhd -> ../p.vhd):
#   mkchain-pair.bin  tests/tools/mkchain DIR 2 1: its leaf l1.vhd as the
#                     project's writer made it (differencing, locators
#                     naming l0.vhd), then its base l0.vhd with the same
#                     UUID, times and creator, its one 2 MiB block cut
#                     into 4 KiB blocks of which three are kept (the
#                     writer only makes 2 MiB blocks: 2 MB seeds); the
#                     writer's UUIDs and times vary per run
#   pair-rel.bin      differencing child (512-byte blocks, a partial
#                     sector bitmap) over a dynamic parent; MacX
#                     "file://./p.vhd", W2ku "C:\old\host\p.vhd" (an
#                     absolute path: its last component), W2ru ".\p.vhd"
#   chain3-sub.bin    child -> p.vhd (differencing, its locators naming
#                     sub/q.vhd) -> sub/q.vhd (fixed)
#   escape.bin        the child's first locators lead out of its folder
#                     ("../outside.vhd", then x.vhd, a symlink out) and
#                     must be refused; its third, sub/up.vhd, a symlink
#                     to p.vhd inside the folder, is followed.  outside.vhd
#                     carries the UUID the child names, so that following
#                     a refused locator would succeed (the target checks
#                     that it never does)
#   escape-only.bin   every locator leads out: the open must fail
seeds_fuzz_vhd_chain () {
out=seeds/fuzz_vhd_chain
mkdir -p "$out"
local root tmp
root=$(cd ../.. && pwd)
tmp=$(mktemp -d)
if make -s -C "$root" build/tools/mkchain >/dev/null &&
   "$root/build/tools/mkchain" "$tmp" 2 1; then :; else
  echo "make-seeds: cannot build or run tests/tools/mkchain" >&2
  rm -rf "$tmp"; return 1
fi
python3 - "$out" "$tmp" <<'PY'
import struct, sys

out, mk = sys.argv[1], sys.argv[2]
SECTOR = 512
SEP = b"#FG-SPLIT#"

def cksum(b, off):
    return (~(sum(b[:off]) + sum(b[off + 4:]))) & 0xffffffff

def footer(size, dtype, uuid, data_offset, app=b"fgsd", ver=0x00010000,
           ts=0x2a000000, hidden=0):
    f = bytearray(512)
    f[0:8] = b"conectix"
    struct.pack_into(">IIQI", f, 8, 2, 0x00010000, data_offset, ts)
    f[28:32] = app
    struct.pack_into(">IIQQ", f, 32, ver, 0x5769326B, size, size)
    struct.pack_into(">HBBI", f, 56, 1, 4, 17, dtype)
    f[68:84] = uuid
    f[85] = hidden
    struct.pack_into(">I", f, 64, cksum(f, 64))
    return f

def header(table_off, entries, bs, parent_uuid=bytes(16), name="", locs=(),
           pts=0):
    h = bytearray(1024)
    h[0:8] = b"cxsparse"
    struct.pack_into(">QQIII", h, 8, 0xffffffffffffffff, table_off,
                     0x00010000, entries, bs)
    h[40:56] = parent_uuid
    struct.pack_into(">I", h, 56, pts)
    n = name.encode("utf-16-be")
    h[64:64 + len(n)] = n
    for i, (code, space, length, off) in enumerate(locs):
        struct.pack_into(">4sIIIQ", h, 576 + 24 * i, code, space, length, 0, off)
    struct.pack_into(">I", h, 36, cksum(h, 36))
    return h

def macx(p): return (b"MacX", ("file://" + p).encode())
def w2ku(p): return (b"W2ku", p.encode("utf-16-le"))
def w2ru(p): return (b"W2ru", p.encode("utf-16-le"))

def sparse(size, bs, blocks, dtype=3, uuid=b"\x11" * 16, app=b"fgsd",
           ver=0x00010000, ts=0x2a000000, hidden=0, parent=None, locs=(),
           batmap=False):
    """blocks: (index, bitmap bytes or None for all set, data) in file
    order; parent: (name, uuid, timestamp); locs: (code, data) pairs."""
    entries = (size + bs - 1) // bs
    bat_bytes = (entries * 4 + SECTOR - 1) // SECTOR * SECTOR
    end = 1536 + bat_bytes
    extra = bytearray()
    ldesc = []
    bmsize = ((bs // SECTOR + 7) // 8 + SECTOR - 1) // SECTOR * SECTOR
    if batmap:
        mapb = bytearray(SECTOR)
        for idx, _, _ in blocks:
            mapb[idx >> 3] |= 0x80 >> (idx & 7)
        bm = bytearray(SECTOR)
        bm[0:8] = b"tdbatmap"
        struct.pack_into(">QIII", bm, 8, end + SECTOR, 1, 0x00010002,
                         (~sum(mapb)) & 0xffffffff)
        extra += bm + mapb
    for code, d in locs:
        space = (len(d) + SECTOR - 1) // SECTOR * SECTOR
        ldesc.append((code, space, len(d), end + len(extra)))
        extra += d + bytearray(space - len(d))
    end += len(extra)
    bat = [0xffffffff] * entries
    body = bytearray()
    for idx, bitmap, data in blocks:
        bat[idx] = (end + len(body)) // SECTOR
        b = bytearray(bmsize)
        if bitmap is None:
            b[0:bs // SECTOR // 8 or 1] = b"\xff" * (bs // SECTOR // 8 or 1)
        else:
            b[0:len(bitmap)] = bitmap
        body += b + data + bytes(bs - len(data))
    foot = footer(size, dtype, uuid, 512, app, ver, ts, hidden)
    if parent:
        hdr = header(1536, entries, bs, parent[1], parent[0], ldesc, parent[2])
    else:
        hdr = header(1536, entries, bs)
    batb = bytearray(bat_bytes)
    for i, v in enumerate(bat):
        struct.pack_into(">I", batb, 4 * i, v)
    return bytes(foot + hdr + batb + extra + body + foot)

def fixed(size, uuid, data):
    return bytes(data) + bytes(size - len(data)) + bytes(
        footer(size, 2, uuid, 0xffffffffffffffff))

def pattern(n, seed):
    return bytes((seed + i * 7) & 0xff for i in range(n))

def write(name, *files):
    with open(f"{out}/{name}", "wb") as f:
        f.write(SEP.join(files))

# mkchain's pair: the leaf as written, the base re-blocked.
leaf = open(f"{mk}/l1.vhd", "rb").read()
base = open(f"{mk}/l0.vhd", "rb").read()
bf = base[-512:]
size, dtype, buuid = struct.unpack_from(">Q", bf, 48)[0], \
    struct.unpack_from(">I", bf, 60)[0], bf[68:84]
assert bf[0:8] == b"conectix" and dtype == 3, "mkchain's base is not dynamic"
doff = struct.unpack_from(">Q", bf, 16)[0]
hd = base[doff:doff + 1024]
table, entries, bsz = struct.unpack_from(">QII", hd, 16)
assert leaf[-512 + 60:-512 + 64] == struct.pack(">I", 4)
assert leaf[doff + 40:doff + 56] == buuid, "leaf does not name the base"
sec = struct.unpack_from(">I", base, table)[0]
data = base[sec * SECTOR + 512:sec * SECTOR + 512 + bsz]
bs = 4096
kept = [(i, None, data[i * bs:(i + 1) * bs]) for i in (0, 1, 128)]
write("mkchain-pair.bin", leaf,
      sparse(size, bs, kept, uuid=buuid, app=bf[28:32],
             ver=struct.unpack_from(">I", bf, 32)[0],
             ts=struct.unpack_from(">I", bf, 24)[0], hidden=bf[85],
             batmap=True))

P, C, Q, O = b"\x11" * 16, b"\x22" * 16, b"\x33" * 16, b"\x44" * 16
parent = sparse(4096, 512, [(0, None, pattern(512, 1)),
                            (5, None, pattern(512, 2)),
                            (2, b"\x40", pattern(512, 3))], uuid=P)
child = sparse(4096, 512, [(1, b"\x80", pattern(512, 9)),
                           (5, None, pattern(512, 10))], dtype=4, uuid=C,
               parent=("p.vhd", P, 0x29000000),
               locs=[macx("./p.vhd"), w2ku("C:\\old\\host\\p.vhd"),
                     w2ru(".\\p.vhd")])
write("pair-rel.bin", child, parent)

q = fixed(8192, Q, pattern(4096, 5))
mid = sparse(8192, 4096, [(1, b"\x0f", pattern(4096, 6))], dtype=4, uuid=P,
             app=b"tap\0", ver=0x00010003, batmap=True,
             parent=("q.vhd", Q, 0x28000000),
             locs=[w2ru(".\\sub\\q.vhd"), macx("./sub/q.vhd")])
leaf3 = sparse(8192, 512, [(3, b"\x55", pattern(512, 7))], dtype=4, uuid=C,
               parent=("p.vhd", P, 0x29000000),
               locs=[macx("./p.vhd"), w2ru(".\\p.vhd")])
write("chain3-sub.bin", leaf3, mid, q)

outside = sparse(4096, 512, [(0, None, b"outside" * 64)], uuid=P)
esc = sparse(4096, 512, [(1, b"\x80", pattern(512, 9))], dtype=4, uuid=C,
             parent=("p.vhd", P, 0x29000000),
             locs=[macx("./../outside.vhd"), w2ku("C:\\vms\\x.vhd"),
                   w2ru(".\\sub\\up.vhd")])
write("escape.bin", esc, parent, sparse(4096, 512, [], uuid=Q), outside)
esc2 = sparse(4096, 512, [], dtype=4, uuid=C,
              parent=("outside.vhd", P, 0x29000000),
              locs=[macx("../outside.vhd"), w2ru(".\\x.vhd"),
                    w2ku("C:\\..\\outside.vhd")])
write("escape-only.bin", esc2, parent, sparse(4096, 512, [], uuid=Q),
      outside)
PY
rm -rf "$tmp"
ls -l "$out"
}

if [ $# -eq 0 ]; then
  set -- fuzz_vhd fuzz_initramfs fuzz_fileconv fuzz_vhd_chain
fi
for target in "$@"; do
  case $target in
    fuzz_vhd|fuzz_initramfs|fuzz_fileconv|fuzz_vhd_chain) "seeds_$target" ;;
    *) echo "make-seeds: no seeds for '$target'" >&2; exit 2 ;;
  esac
done
