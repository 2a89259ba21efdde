#!/usr/bin/env bash
# First-gen block-level images: image/image.vhd inside split tar.gz parts,
# streamed straight from the archive; and every way the parts can be bad.
. "$(dirname "$0")/lib.sh"

cd "$WORK"
make_raw disk.raw 21
make_block_image disk.raw web01 700000
qemu-img convert -q -f raw -O vpc -o subformat=fixed disk.raw fixed.vhd

test_ok "parts -> VHD, identical to the source disk" '
  ls web01.tar.gz.* | wc -l | grep -qv "^1$"
  expect_exit 0 "$FG2NG" convert --no-check web01.tar.gz.0 -o a.vhd
  qemu-img compare -q -f raw -F vpc disk.raw a.vhd
  xen_ok a.vhd'

test_ok "the NAME prefix, NAME.tar.gz and the folder name the same image" '
  mkdir -p only && cp web01.tar.gz.* only/
  "$FG2NG" convert --no-check -q web01 -o b.vhd
  "$FG2NG" convert --no-check -q web01.tar.gz -o c.vhd
  "$FG2NG" convert --no-check -q only -o d.vhd
  "$FG2NG" convert --no-check -q web01.tar.gz.2 -o e.vhd
  for f in b c d e; do qemu-img compare -q -f raw -F vpc disk.raw $f.vhd; done'

test_ok "parts are ordered numerically: .10 after .9" '
  mkdir -p many && cd many
  cp ../disk.raw . && make_block_image disk.raw many 40000
  [ -e many.tar.gz.10 ]
  "$FG2NG" convert --no-check -q many.tar.gz.0 -o m.vhd
  qemu-img compare -q -f raw -F vpc disk.raw m.vhd'

test_ok "a fixed image.vhd streams too" '
  mkdir -p fx/image && cp fixed.vhd fx/image/image.vhd
  tar -C fx -czf fx.tar.gz image
  "$FG2NG" convert --no-check -q fx.tar.gz -o fx.vhd
  qemu-img compare -q -f raw -F vpc disk.raw fx.vhd'

test_ok "a missing part is reported before anything is written" '
  mkdir -p gap && cp web01.tar.gz.* gap/ && rm gap/web01.tar.gz.1
  n=$(ls gap | wc -l)
  expect_exit 2 "$FG2NG" convert --no-check gap/web01.tar.gz.0 -o gap.vhd
  err_has "missing part .1 (have .0, .2-.$n)"
  [ ! -e gap.vhd ]'

test_ok "an empty part is skipped with a warning" '
  mkdir -p emp && cp web01.tar.gz.* emp/
  last=$(ls emp | sed "s/.*\.//" | sort -n | tail -1)
  : > emp/web01.tar.gz.$((last + 1))
  expect_exit 0 "$FG2NG" convert --no-check emp -o emp.vhd
  err_has "is empty; skipped"
  qemu-img compare -q -f raw -F vpc disk.raw emp.vhd'

test_ok "a truncated last part: exit 2, names the part, no output" '
  mkdir -p tr && cp web01.tar.gz.* tr/
  last=$(ls tr | sed "s/.*\.//" | sort -n | tail -1)
  truncate -s -100 tr/web01.tar.gz.$last
  expect_exit 2 "$FG2NG" convert --no-check tr -o tr.vhd
  err_has "web01.tar.gz.$last"
  err_has "truncated"
  [ ! -e tr.vhd ]; no_leftovers .'

test_ok "a flipped byte in the compressed data fails the CRC or inflate" '
  mkdir -p crc && cp web01.tar.gz.* crc/
  printf "\xff" | dd of=crc/web01.tar.gz.1 bs=1 seek=5000 conv=notrunc status=none
  expect_exit 2 "$FG2NG" convert --no-check crc -o crc.vhd
  # Either inflate trips over it in .1, or the member CRC-32 at the end
  # of the stream catches what inflate decoded wrongly.
  grep -Eq "web01.tar.gz.1 at offset|CRC-32" "$WORK/last.err"
  [ ! -e crc.vhd ]; no_leftovers .'

test_ok "a bad CRC in the gzip trailer fails even with good tar data" '
  cat $(ls web01.tar.gz.* | sort -V) > whole.tar.gz
  size=$(stat -c %s whole.tar.gz)
  printf "\x00\x00\x00\x00" | dd of=whole.tar.gz bs=1 seek=$((size - 8)) conv=notrunc status=none
  gzip -t whole.tar.gz 2>/dev/null && exit 1
  expect_exit 2 "$FG2NG" convert --no-check whole.tar.gz -o t.vhd
  err_has "CRC"
  [ ! -e t.vhd ]; no_leftovers .'

test_ok "junk that is not gzip: exit 2" '
  head -c 100000 /dev/urandom > junk.tar.gz.0
  printf "\x1f\x8b" | dd of=junk.tar.gz.0 conv=notrunc status=none
  expect_exit 2 "$FG2NG" convert --no-check junk.tar.gz.0 -o j.vhd
  err_has "junk.tar.gz.0"
  [ ! -e j.vhd ]'

test_ok "a gzip of something that is not tar: exit 2" '
  head -c 100000 /dev/urandom | gzip > notar.tar.gz
  expect_exit 2 "$FG2NG" convert --no-check notar.tar.gz -o n.vhd
  err_has "notar.tar.gz"
  [ ! -e n.vhd ]'

test_ok "a corrupted image.vhd inside the archive: exit 2 naming the field" '
  mkdir -p bad/image && cp web01.tar.gz.* bad/ && cd bad
  cat web01.tar.gz.* | tar -xzf - && rm web01.tar.gz.*
  # BAT entry 0 pointing far past the end of the file
  printf "\x7f\xff\xff\x00" | dd of=image/image.vhd bs=1 seek=1536 conv=notrunc status=none
  tar -czf bad.tar.gz image
  expect_exit 2 "$FG2NG" convert --no-check bad.tar.gz -o bad.vhd
  err_has "BAT entry 0"
  [ ! -e bad.vhd ]'

test_ok "back-to-back tar archives are read through (tar -i)" '
  mkdir -p cat/image && cp fixed.vhd cat/image/image.vhd
  tar -C cat -cf first.tar --no-recursion image
  tar -C cat -cf second.tar image/image.vhd
  cat first.tar second.tar | gzip > cat.tar.gz
  # image/image.vhd is only in the second archive, after the first
  # one'"'"'s end-of-archive zero blocks.
  "$FG2NG" convert --no-check -q cat.tar.gz -o cat.vhd
  qemu-img compare -q -f raw -F vpc disk.raw cat.vhd'

done_testing
