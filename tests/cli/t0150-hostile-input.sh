#!/usr/bin/env bash
# Hostile input (issue 15): an attacker's archive or VHD never crashes
# fg2ng, never reaches outside what it was given, never forges a line of
# output; every refusal is exit 2 with one line naming the place, and
# nothing is left behind.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

# mktar OUT.tar.gz SPEC.py: a gzip'd tar built by python's tarfile from
# the members SPEC adds (the archive a first-gen image's parts hold).
mktar() {
  python3 - "$1" <<PY
import io, sys, tarfile
out = sys.argv[1]
t = tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT)
def add(name, data=b"", **kw):
    i = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(i, k, v)
    if i.type == tarfile.REGTYPE:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)
def folder(name):
    add(name, type=tarfile.DIRTYPE, mode=0o755)
folder("image")
folder("image/etc")
add("image/etc/hostname", b"web01\n")
$2
t.close()
PY
}

# one_line_error: stderr is the error line and its hint, nothing else
# (warnings aside), and holds no control character (a forged line or an
# escape sequence).
one_line_error() {
  local n
  n=$(grep -vc '^fg2ng: warning: ' "$WORK/last.err")
  [ "$n" -le 2 ] || { echo "stderr has $n lines:"; cat -A "$WORK/last.err"; return 1; }
  if LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$WORK/last.err"); then
    echo "stderr holds a control character:"; cat -A "$WORK/last.err"; return 1
  fi
  grep -q '^fg2ng: error: ' "$WORK/last.err" || { echo "no error line"; cat "$WORK/last.err"; return 1; }
}

long=$(printf 'a%.0s' $(seq 300))

test_ok "a folder name of 300 bytes: exit 2 naming the member, no crash, nothing left" '
  mktar long.tar.gz "add(\"image/$long/f\", b\"x\")"
  for opt in "" --no-check; do
    expect_exit 2 "$FG2NG" convert $opt long.tar.gz -o long.vhd
    err_has "of 300 bytes (ext4 allows 255)"
    err_has "image/aaaa"
    one_line_error
    [ ! -e long.vhd ]
  done
  expect_exit 2 "$FG2NG" check long.tar.gz
  err_has "of 300 bytes"
  no_leftovers .'

test_ok "a hard link to a path with a 300-byte folder: exit 2, no crash" '
  mktar hl.tar.gz "add(\"image/ok\", type=tarfile.LNKTYPE, linkname=\"image/$long/f\")"
  expect_exit 2 "$FG2NG" convert --no-check hl.tar.gz -o hl.vhd
  err_has "of 300 bytes"
  one_line_error
  [ ! -e hl.vhd ]; no_leftovers .'

test_ok "a path over 4095 bytes: exit 2" '
  deep=$(python3 -c "print(\"/\".join([\"d\" * 200] * 21))")
  mktar deep.tar.gz "add(\"image/$deep/f\", b\"x\")"
  expect_exit 2 "$FG2NG" convert --no-check deep.tar.gz -o deep.vhd
  err_has "a path of more than 4095 bytes"
  one_line_error
  no_leftovers .'

test_ok "a member name with an escape sequence and a newline forges no line" '
  mktar esc.tar.gz "add(\"image/\x1b[2J\nfg2ng: converted OK/../x\", b\"x\")"
  expect_exit 2 "$FG2NG" convert --no-check esc.tar.gz -o esc.vhd
  err_has "\\x1B[2J\\x0Afg2ng: converted OK"
  one_line_error
  expect_exit 2 "$FG2NG" check esc.tar.gz
  one_line_error'

test_ok "warnings carry escaped names too" '
  mktar warn.tar.gz "add(\"outside\x1b]0;pwned\x07\", b\"x\")"
  "$FG2NG" convert --no-check -q warn.tar.gz -o warn.vhd 2>warn.err || true
  grep -F "outside\\x1B]0;pwned\\x07" warn.err
  if LC_ALL=C grep -q "$(printf "\033")" warn.err; then
    echo "raw ESC in a warning"; cat -A warn.err; exit 1; fi'

test_ok "an extended attribute larger than ext4 holds: exit 2 (input), not 3" '
  mktar xattr.tar.gz "add(\"image/big\", b\"x\", pax_headers={\"SCHILY.xattr.user.big\": \"v\" * 70000})"
  expect_exit 2 "$FG2NG" convert --no-check xattr.tar.gz -o xattr.vhd
  err_has "image/big"
  err_has "extended attribute"
  grep -q "^hint: " last.err
  [ ! -e xattr.vhd ]; no_leftovers .'

# many_files OUT N SIZE: a Debian tree with N network files of SIZE bytes.
many_files() {
  python3 - "$1" "$2" "$3" <<'PY'
import io, sys, tarfile
out, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT)
def add(name, data=b"", dirtype=False):
    i = tarfile.TarInfo(name)
    if dirtype:
        i.type, i.mode = tarfile.DIRTYPE, 0o755
        t.addfile(i)
    else:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
for d in ("image", "image/etc", "image/etc/network", "image/etc/network/interfaces.d"):
    add(d, dirtype=True)
add("image/etc/os-release", b"ID=debian\nVERSION_ID=7\n")
blob = b"#" * max(size - 1, 0) + (b"\n" if size else b"")
for k in range(n):
    add("image/etc/network/interfaces.d/f%06d" % k, blob)
t.close()
PY
}

test_ok "400 network files of 1 MiB (a 0.4 MB archive): exit 2 in bounded memory" '
  many_files many.tar.gz 400 1048576
  /usr/bin/time -f "%M" -o rss "$FG2NG" inspect many.tar.gz >/dev/null 2>last.err || true
  grep -q "add up to more than 16 MiB" last.err || { cat last.err; exit 1; }
  grep -q "^fg2ng: error: .many.tar.gz. at offset" last.err
  echo "peak RSS $(tail -1 rss) KB"
  [ "$(tail -1 rss)" -lt 131072 ]
  expect_exit 2 "$FG2NG" convert many.tar.gz -o many.vhd
  [ ! -e many.vhd ]; no_leftovers .'

test_ok "40000 empty network files: exit 2 at once, not a quadratic crawl" '
  many_files empty.tar.gz 40000 0
  expect_exit 2 "$FG2NG" inspect empty.tar.gz
  err_has "more than 4096 files"'

test_ok "a sparse map the data contradicts (found by fuzz_fileconv): exit 2, not 3" '
  gzip -c "$FG_TOP/tests/fuzz/seeds/fuzz_fileconv/sparse-map-mismatch.tar" > sm.tar.gz
  expect_exit 2 "$FG2NG" convert --no-check sm.tar.gz -o sm.vhd
  err_has "lies outside the member'"'"'s sparse map"
  absent sm.vhd
  no_leftovers .'

# setloc FILE TEXT: the VHD FILE gets TEXT as its only (MacX) parent
# locator, the header checksum made right again.
setloc() {
  python3 - "$1" "$2" <<PY
import struct, sys
path, text = sys.argv[1], sys.argv[2].encode()
f = open(path, "r+b")
f.seek(512); h = bytearray(f.read(1024))
for i in range(8):
    o = 576 + 24 * i
    code, space, dlen, res, off = struct.unpack(">IIIIQ", h[o:o + 24])
    if i == 0:
        url = b"file://" + text
        f.seek(off); f.write(url + b"\0" * (512 - len(url)))
        h[o:o + 24] = struct.pack(">IIIIQ", 0x4D616358, space, len(url), 0, off)
    elif code:
        h[o:o + 4] = b"\0\0\0\0"
h[36:40] = b"\0\0\0\0"
h[36:40] = struct.pack(">I", ~sum(h) & 0xFFFFFFFF)
f.seek(512); f.write(h)
PY
}

# mkchain's disks hold patterns, not an operating system: the conversions
# that must succeed here say --no-check.
test_ok "setup: another tenant's chain beside this customer's folder" '
  mkdir other cust
  "$FG_BUILD/tools/mkchain" other 3 5
  cp other/l2.vhd cust/leaf.vhd'

test_ok "a locator that climbs out with .. is not followed" '
  setloc cust/leaf.vhd ../other/l1.vhd
  expect_exit 2 "$FG2NG" convert cust/leaf.vhd -o cust/out.vhd
  err_has "cust/leaf.vhd"
  err_has "(MacX '"'"'../other/l1.vhd'"'"'): not followed"
  err_has "hint: put the parent beside the child, or name it with --parent"
  [ ! -e cust/out.vhd ]; no_leftovers .'

test_ok "an absolute locator to a disk that exists is not opened, nor its folder named" '
  setloc cust/leaf.vhd "$PWD/other/l1.vhd"
  expect_exit 2 "$FG2NG" convert cust/leaf.vhd -o cust/out.vhd
  err_has "not found beside it (looked for l1.vhd)"
  if grep -q "other/" last.err; then echo "names the other folder"; exit 1; fi
  [ ! -e cust/out.vhd ]'

test_ok "a symlink beside the child that leads out is not followed" '
  ln -s ../other/l1.vhd cust/l1.vhd
  setloc cust/leaf.vhd ./l1.vhd
  expect_exit 2 "$FG2NG" convert cust/leaf.vhd -o cust/out.vhd
  err_has "(a link out of it)"
  rm cust/l1.vhd'

test_ok "the operator's --parent is taken wherever it is; a parent beside the child is found" '
  expect_exit 0 "$FG2NG" convert -q --no-check cust/leaf.vhd --parent other/l1.vhd -o a.raw
  cmp -n $((5 * 1048576)) a.raw other/expected.raw
  cp other/l1.vhd other/l0.vhd cust/
  setloc cust/leaf.vhd ./l1.vhd
  expect_exit 0 "$FG2NG" convert -q --no-check cust/leaf.vhd -o b.raw
  cmp -n $((5 * 1048576)) b.raw other/expected.raw'

test_ok "outputs are created 0600 whatever the umask; --output-perm widens" '
  umask 022
  expect_exit 0 "$FG2NG" convert -q --no-check other/l2.vhd -o p.vhd
  [ "$(stat -c %a p.vhd)" = 600 ] || { stat -c %a p.vhd; exit 1; }
  expect_exit 0 "$FG2NG" convert -q --no-check other/l2.vhd -o p.tgz
  [ "$(stat -c %a p.tgz)" = 600 ]
  [ "$(stat -c %a p.json)" = 600 ]
  expect_exit 0 "$FG2NG" convert -q --no-check --output-perm 0640 other/l2.vhd -o q.vhd
  [ "$(stat -c %a q.vhd)" = 640 ]
  expect_exit 2 "$FG2NG" convert --output-perm 0777 other/l2.vhd -o r.vhd
  err_has "--output-perm"'

done_testing
