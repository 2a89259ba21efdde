#!/usr/bin/env bash
# tests/fuzz/make-seeds.sh --- (re)generate the small seed inputs of the fuzzers
#
#   bash tests/fuzz/make-seeds.sh      writes tests/fuzz/seeds/fuzz_vhd/*
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

# fuzz_initramfs seeds: a stretch-size byte, then small initramfs images
# as the kernel takes them: gzip'd newc cpio, an uncompressed early
# microcode cpio before a gzip'd one, and an xz'd one.
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
