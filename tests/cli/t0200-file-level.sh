#!/usr/bin/env bash
# File-level first-gen images (issue 5): tar members streamed into a new
# ext4 inside an MBR disk, written as a dynamic VHD, then read back by
# independent readers (qemu-img, sfdisk, e2fsck, dumpe2fs, libguestfs) and
# compared entry by entry with the source archive; and every hostile input.
#
# Fixtures: tests/fixtures/make-quirk-tree.sh (every quirk of item 3; needs
# root), tests/fixtures/make-bad-archives.sh (item 4), the debootstrap
# sample of examples/make-sample.sh.  Comparer: tests/tools/compare-tree.py.
# Conversions here use --no-fixups: this is the data path, byte for byte;
# the fixups (fstab, grub, udev rules) are tested in t0210.
. "$(dirname "$0")/lib.sh"

cd "$WORK"
FIX=$FG_TOP/tests/fixtures
CMP=$FG_TOP/tests/tools/compare-tree.py
SAMPLES=$FG_TOP/build/samples   # examples/make-sample.sh writes here, whatever the build

# ---------------------------------------------------------------- helpers --
# check_disk VHD: a VHD XenServer takes, with one MBR partition at sector
# 2048 holding an ext4 that e2fsck -fn passes, with a label and a UUID.
# Leaves VHD.raw (qemu-img's reading of it) for further checks.
check_disk() {
  local vhd=$1 raw=$1.raw
  qemu-img info --output=json "$vhd" | grep -q '"format": "vpc"' \
    || { echo "qemu-img does not see $vhd as vpc"; return 1; }
  xen_ok "$vhd"
  qemu-img convert -f vpc -O raw "$vhd" "$raw"
  sfdisk -d "$raw" > "$vhd.sfdisk"
  grep -q '^label: dos' "$vhd.sfdisk" || { cat "$vhd.sfdisk"; echo "no MBR"; return 1; }
  [ "$(grep -c ' : start=' "$vhd.sfdisk")" = 1 ] || { cat "$vhd.sfdisk"; echo "not one partition"; return 1; }
  grep -Eq '^[^ ]+1 : start= *2048, size= *[0-9]+, type=83' "$vhd.sfdisk" \
    || { cat "$vhd.sfdisk"; echo "partition 1 is not a Linux partition at sector 2048"; return 1; }
  # the partition lies inside the disk, the file system inside the partition
  local psize bs bc
  psize=$(sed -n 's/.* : start= *2048, size= *\([0-9]*\),.*/\1/p' "$vhd.sfdisk")
  [ $((2048 + psize)) -le $(( $(stat -c %s "$raw") / 512 )) ] \
    || { echo "partition 1 ends past the disk"; return 1; }
  e2fsck -fn "$raw?offset=1048576" > "$vhd.e2fsck" 2>&1 \
    || { cat "$vhd.e2fsck"; echo "e2fsck -fn found problems"; return 1; }
  dumpe2fs -h "$raw?offset=1048576" > "$vhd.dumpe2fs" 2>/dev/null
  grep -Eq '^Filesystem volume name: +[^< ]' "$vhd.dumpe2fs" \
    || { grep 'volume name' "$vhd.dumpe2fs"; echo "no file system label"; return 1; }
  bs=$(sed -n 's/^Block size: *//p' "$vhd.dumpe2fs")
  bc=$(sed -n 's/^Block count: *//p' "$vhd.dumpe2fs")
  [ $((bs * bc)) -le $((psize * 512)) ] \
    || { echo "the file system ($bc blocks of $bs) is bigger than partition 1 ($psize sectors)"; return 1; }
  grep -Eq '^Filesystem UUID: +[0-9a-f]{8}-' "$vhd.dumpe2fs" \
    || { echo "no file system UUID"; return 1; }
  grep -E '^Filesystem features:' "$vhd.dumpe2fs" | grep -qw extent \
    || { grep features "$vhd.dumpe2fs"; echo "not ext4 (no extent feature)"; return 1; }
}

# guest_read VHD OUT.tar [PATH...]: ONE libguestfs appliance mounts
# partition 1 read-only, writes all of it to OUT.tar (numeric owners,
# xattrs, ACLs) and prints "du -s" (KiB) of each PATH, one a line.
guest_read() {
  local vhd=$1 tar=$2 p
  shift 2
  local cmd=(--ro --format=vpc -a "$vhd" run : mount-ro /dev/sda1 /
             : tar-out / "$tar" numericowner:true xattrs:true acls:true)
  for p in "$@"; do cmd+=(: du "$p"); done
  guestfish "${cmd[@]}"
}

# compare SOURCE OUTPUT: compare-tree.py finds no difference.
compare() {
  python3 "$CMP" "$1" "$2" > "$2.cmp" 2>&1 || {
    head -30 "$2.cmp"; [ "$(wc -l < "$2.cmp")" -le 30 ] || tail -1 "$2.cmp"
    return 1; }
  tail -1 "$2.cmp"
}

# has_diff NAME FIELD SOURCE OUTPUT: compare-tree.py's last output
# (cmp.out) has that difference line.
has_diff() {
  grep -qxF "$(printf '%s\t%s\tsource=%s\toutput=%s' "$@")" cmp.out || {
    echo "compare-tree.py did not report: $*"; cat cmp.out; return 1; }
}

# no_host_writes: nothing named fg2ng-evil-* appeared on the host.
no_host_writes() {
  local found
  found=$(find / -maxdepth 1 -name 'fg2ng-evil*' 2>/dev/null;
          find /etc /tmp "$FG_BUILD" -maxdepth 6 -name 'fg2ng-evil*' 2>/dev/null)
  [ -z "$found" ] || { echo "written outside the output: $found"; return 1; }
}

# --------------------------------------------------------------- fixtures --
ROOT=no; [ "$(id -u)" -eq 0 ] && ROOT=yes
HAVE_QUIRKS=no

if [ "$ROOT" = yes ]; then
  test_ok "fixtures: the quirk archive (every quirk made) and the bad archives" '
    bash "$FIX/make-quirk-tree.sh" . | tee fixtures.log
    ls quirks.tar.gz.2 quirks.tar.gz
    [ ! -s quirks.skipped ] || echo "# not made on this host: $(tr "\n" ";" < quirks.skipped)"
    bash "$FIX/make-bad-archives.sh" bad'
  [ -e quirks.tar.gz.0 ] && HAVE_QUIRKS=yes
else
  skip "fixtures: the quirk archive" "needs root (mknod, chown, setcap)"
  test_ok "fixtures: the bad archives" 'bash "$FIX/make-bad-archives.sh" bad'
fi

# --------------------------------------------- the comparer is not blind --
if [ "$HAVE_QUIRKS" = yes ]; then
  test_ok "compare-tree.py: 0 differences with GNU tar's extraction, and finds each planted one" '
    mkdir ex
    tar -C ex --xattrs --xattrs-include="*" --acls --numeric-owner -xpizf quirks.tar.gz 2>/dev/null
    python3 "$CMP" quirks.tar.gz ex/image > cmp.out
    grep -qx "compared [0-9]* entries: 0 differences" cmp.out
    i=ex/image
    chmod 0755 $i/modes/file-4755
    setfattr -x user.fg2ng $i/xattrs/user
    setfattr -x security.capability $i/usr/bin/ping
    setfacl -x u:1234 $i/acls/file
    rm $i/links/sub/hard-b && cp -p $i/links/hard-a $i/links/sub/hard-b
    ln -sfn /etc/other $i/links/sym-abs
    printf X | dd of=$i/files/size-4097 bs=1 seek=100 conv=notrunc status=none
    chown 34464 $i/owners/uid-100000          # 100000 cut to 16 bits
    touch -d @0 $i/times/y2040
    rm $i/dev/bigmajor && mknod $i/dev/bigmajor c 300 6
    rmdir $i/empty/a && touch $i/names/extra
    rc=0; python3 "$CMP" quirks.tar.gz ex/image > cmp.out || rc=$?
    [ $rc = 1 ]
    has_diff /modes/file-4755 mode 4755 0755
    grep -qx "/xattrs/user	xattr:user.fg2ng	source=.hello.	output=absent" cmp.out
    has_diff /usr/bin/ping xattr:security.capability 0x0100000200200000000000000000000000000000 absent
    has_diff /acls/file mode 0674 0654
    has_diff /acls/file acl.access user::rw-,user:1234:rwx,group::r--,group:5678:r-x,mask::rwx,other::r-- \
                                   user::rw-,group::r--,group:5678:r-x,mask::r-x,other::r--
    has_diff /files/hard-c hardlinks "{/files/hard-c, /links/hard-a, /links/sub/hard-b}" "{/files/hard-c, /links/hard-a}"
    has_diff /links/sym-abs target /etc/hostname /etc/other
    grep -q "^/files/size-4097	sha256	" cmp.out
    has_diff /owners/uid-100000 uid 100000 34464
    has_diff /times/y2040 mtime 2208988800 0
    has_diff /dev/bigmajor dev 300:5 300:6
    has_diff /empty/a presence present missing
    has_diff /names/extra presence missing present
    tail -1 cmp.out'
else
  skip "compare-tree.py finds planted differences" "no quirk archive"
fi

# ------------------------------------------------------ the quirk archive --
if [ "$HAVE_QUIRKS" = yes ]; then
  test_ok "quirk parts -> VHD: vpc, vhdcheck --xen, one partition at 2048, e2fsck -fn, label, UUID" '
    expect_exit 0 "$FG2NG" convert --no-check --no-fixups quirks.tar.gz.0 -o q.vhd
    check_disk q.vhd
    no_leftovers .'

  if ! have guestfish; then
    skip "quirk image read back by libguestfs equals the archive" "no guestfish"
  else
    test_ok "quirk image read back by libguestfs: every entry equals the archive; sparse stays sparse" '
      [ -e q.vhd ]
      guest_read q.vhd q.tar /files/sparse-64m /files/sparse-tailhole /gnu/sparse-gnu > q.du
      compare quirks.tar.gz q.tar
      # 64 MiB, 16 MiB and 8 MiB apparent; a few KiB of data each
      n=0; while read -r kib; do n=$((n + 1))
        [ "$kib" -lt 1024 ] || { echo "sparse file $n uses $kib KiB"; exit 1; }
      done < q.du
      [ $n = 3 ]'
  fi

  # Issue 5: "no root privileges" (libext2fs writes owners, device nodes
  # and capabilities into the image without them).
  if [ "$ROOT" = yes ] && have setpriv; then
    test_ok "an unprivileged user converts the same parts" '
      # What the user runs and reads, in a folder of its own: the checkout
      # may sit under a folder only root can enter (a mktemp -d clone).
      nb=$(mktemp -d) && chmod 0755 "$nb"
      mkdir "$nb/bin" && cp "$FG2NG" "$nb/bin/" && cp -r "$FG_TOP/profiles" "$nb/"
      chmod -R a+rX "$nb" && mkdir -m 0777 "$nb/w"
      cp quirks.tar.gz.* "$nb/w/" && chmod 0644 "$nb"/w/quirks.tar.gz.*
      rc=0; setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$nb/bin/fg2ng" convert --no-check --no-fixups "$nb/w/quirks.tar.gz.0" \
        -o "$nb/w/q.vhd" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
      [ -e "$nb/w/q.vhd" ] && mv "$nb/w/q.vhd" nobody-q.vhd
      rm -rf "$nb"
      [ $rc = 0 ] || { echo "exit $rc as nobody:"; cat "$WORK/last.err"; exit 1; }
      check_disk nobody-q.vhd'
  fi
else
  skip "quirk parts -> VHD" "no quirk archive"
fi

# --------------------------------------------------- the debootstrap sample --
# make-sample.sh caches; its first run needs root, the network and minutes.
SAMPLE_WHY=""
if [ ! -e "$SAMPLES/fg-debian.expected.json" ]; then
  if [ "$ROOT" = yes ]; then
    bash "$FG_TOP/examples/make-sample.sh" > sample.log 2>&1 \
      || SAMPLE_WHY="examples/make-sample.sh failed: $(tail -1 sample.log)"
  else
    SAMPLE_WHY="no sample, and making one needs root"
  fi
fi
if [ -n "$SAMPLE_WHY" ]; then
  skip "the debootstrap sample converts and reads back equal" "$SAMPLE_WHY"
else
  test_ok "the debootstrap sample: parts -> VHD, disk checks" '
    expect_exit 0 "$FG2NG" convert --no-fixups "$SAMPLES/fg-debian.tar.gz.0" -o s.vhd
    check_disk s.vhd'
  if ! have guestfish; then
    skip "the debootstrap sample reads back equal" "no guestfish"
  else
    test_ok "the debootstrap sample read back by libguestfs: every entry equals the archive" '
      [ -e s.vhd ]
      guest_read s.vhd s.tar
      compare "$SAMPLES/fg-debian.tar.gz.0" s.tar'
  fi
fi

# ------------------------------------------------------ hostile archives --
# One line per case; adjust here.  Columns:
#   SOURCE   what is given to fg2ng convert (in bad/)
#   EXIT     2: refused; 0: GNU tar goes on with exit 0 there, so fg2ng
#            goes on too, with a warning: a leading '/' stripped, a member
#            outside image/ skipped, for a duplicate the later copy wins
#            as with tar (the back-to-back archives of DESIGN.md are
#            appended archives: an appended copy is an update); after_ok
#            checks the result
#   PART     an ERE the message must match: the file (part) it names
#   DETAIL   an ERE the message must match too: the member, or the offset
# On exit 2: no output, no *.part.  Always: nothing written on the host.
BAD_CASES='
dotdot.tar.gz           2 dotdot\.tar\.gz              image/\.\./\.\./etc/fg2ng-evil-dotdot|offset [0-9]
absolute.tar.gz         0 absolute\.tar\.gz            /image/etc/fg2ng-evil-absolute
absolute-outside.tar.gz 0 absolute-outside\.tar\.gz    /etc/fg2ng-evil-absolute-outside
outside.tar.gz          0 outside\.tar\.gz             etc/fg2ng-evil-outside
symlink-escape.tar.gz   2 symlink-escape\.tar\.gz      image/lnk/fg2ng-evil-symlink|offset [0-9]
dir-to-symlink.tar.gz   2 dir-to-symlink\.tar\.gz      image/d\b|offset [0-9]
hardlink-outside.tar.gz 2 hardlink-outside\.tar\.gz    image/etc/pw|\.\./\.\./etc/passwd|offset [0-9]
hardlink-missing.tar.gz 2 hardlink-missing\.tar\.gz    image/etc/pw|image/not/in/archive|offset [0-9]
duplicate.tar.gz        0 duplicate\.tar\.gz           image/etc/hostname
absurd-size-pax.tar.gz  2 absurd-size-pax\.tar\.gz     image/huge|offset [0-9]
absurd-size-b256.tar.gz 2 absurd-size-b256\.tar\.gz    image/huge|offset [0-9]
corrupt.tar.gz.0        2 corrupt\.tar\.gz\.[0-9]+     offset [0-9]|CRC
corrupt-inflate.tar.gz  2 corrupt-inflate\.tar\.gz     offset [0-9]
truncated.tar.gz.0      2 truncated\.tar\.gz\.6        truncated|offset [0-9]
'

# after_ok CASE: extra checks on the output of a case that exits 0
# (debugfs reads the partition of qemu-img's raw copy).
after_ok() {
  local fs="out.raw?offset=1048576"
  qemu-img convert -f vpc -O raw out.vhd out.raw
  e2fsck -fn "$fs" >/dev/null 2>&1 || { e2fsck -fn "$fs"; return 1; }
  absent() { debugfs -R "stat $1" "$fs" 2>&1 | grep -q "File not found" \
               || { echo "$1 is in the file system"; return 1; }; }
  case $1 in
    duplicate.tar.gz)   # the later copy wins, as GNU tar extracts it
      [ "$(debugfs -R "cat /etc/hostname" "$fs" 2>/dev/null)" = second01 ] \
        || { echo "/etc/hostname is not the later copy"; return 1; } ;;
    absolute.tar.gz)    # '/' stripped, as GNU tar does
      [ "$(debugfs -R "cat /etc/fg2ng-evil-absolute" "$fs" 2>/dev/null)" = "absolute path, inside image/" ] \
        || { echo "/etc/fg2ng-evil-absolute is not in the file system"; return 1; } ;;
    absolute-outside.tar.gz) absent /etc/fg2ng-evil-absolute-outside ;;
    outside.tar.gz)     absent /etc/fg2ng-evil-outside ;;
  esac
  # the good member after the bad one is there
  case $1 in duplicate.tar.gz) ;; *)
    [ "$(debugfs -R "cat /etc/motd" "$fs" 2>/dev/null)" = "after the bad member" ] \
      || { echo "/etc/motd (after the bad member) is missing"; return 1; } ;;
  esac
}

while read -r src want part detail; do
  [ -n "$src" ] || continue
  if [ "$want" = 0 ]; then what="warns and goes on"; else what="exit 2"; fi
  test_ok "hostile input $src: $what, message names the part and the member or offset" "
    mkdir -p case-$src && cd case-$src
    expect_exit $want timeout 120 \"\$FG2NG\" convert --no-check \"\$WORK/bad/$src\" -o out.vhd
    grep -Eq -- '$part' \"\$WORK/last.err\" \\
      || { echo 'message does not name the part (/$part/):'; cat \"\$WORK/last.err\"; exit 1; }
    grep -Eq -- '$detail' \"\$WORK/last.err\" \\
      || { echo 'message does not name the member or offset (/$detail/):'; cat \"\$WORK/last.err\"; exit 1; }
    if [ $want = 0 ]; then
      grep -qi warn \"\$WORK/last.err\" || { echo 'no warning'; exit 1; }
      xen_ok out.vhd
      after_ok $src
    else
      [ ! -e out.vhd ] || { echo 'output left behind'; exit 1; }
      no_leftovers .
    fi
    no_host_writes"
done <<< "$BAD_CASES"

done_testing
