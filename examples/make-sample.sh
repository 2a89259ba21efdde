#!/usr/bin/env bash
# make-sample.sh - build a real Rackspace first-generation sample image.
#
# The sample is the test material that fg2ng's tests and benchmarks reuse:
#   NAME.tar.gz.0 .. .N         file-level (XenClassic era) saved image:
#                               one gzip'd tar of the root file system,
#                               members under image/, split into parts
#   NAME-block.tar.gz.0 .. .N   block-level (XenServer era) saved image:
#                               image/image.vhd (dynamic VHD made by qemu-img)
#   NAME-block.raw              the same disk as a sparse raw file, the
#                               reference for byte comparisons
#   NAME.expected.json          what was configured, for comparing with what
#                               fg2ng's inspector reports; renamed into place
#                               last, so its presence means the set is complete
#
# The root file system is a minimal Debian 12 made by debootstrap, then
# configured as a first-gen server was (static eth0/eth1 with ServiceNet
# routes, /dev/sda1 in fstab, grub-legacy menu.lst, 70-persistent-net.rules).
# The pristine debootstrap tree is cached as a tarball, so only the first run
# needs the network and takes minutes; later runs take about half a minute
# (mostly gzip).
#
# Needs root (debootstrap, real ownership in the archives) and the Debian
# packages debootstrap, tar, pigz, e2fsprogs, fdisk (sfdisk), qemu-utils,
# coreutils and util-linux (flock, findmnt).

# -E: the ERR trap below also fires inside functions and subshells.
set -Eeuo pipefail
shopt -s nullglob
umask 022

PROG=${0##*/}

usage() {
    cat <<EOF
Usage: examples/$PROG [--out DIR] [--part-size BYTES] [--name NAME] [--cache DIR]
                      [--gzip-level N]

Builds a first-generation sample image (file-level and block-level) from a
minimal Debian 12 tree.  Relative paths are taken from the repository top.

  --out DIR          where the outputs go            (default build/samples)
  --part-size BYTES  size of each split part         (default 67108864 = 64 MiB;
                     production first-gen used 5 GB parts)
  --name NAME        base name of the outputs        (default fg-debian)
  --cache DIR        debootstrap cache and scratch   (default build/cache)
  --gzip-level N     pigz level 1..9 of the archives (default 1: fastest;
                     the level only changes the size, not what a reader sees)
  -h, --help         print this help

Outputs: NAME.tar.gz.0..N, NAME-block.tar.gz.0..N, NAME-block.raw,
NAME.expected.json.
EOF
}

# ---------------------------------------------------------------- errors --
# Every failure ends in exactly one line naming what failed.  STEP says what
# the script was doing; noisy tools write to LOG, which the line points to.
STEP="start-up"
LOG=""
die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}
# shellcheck disable=SC2317  # called from the ERR trap
on_err() {
    local rc=$?
    trap - ERR
    # In a subshell (a pipeline stage, a $(...)) stay quiet: the parent
    # sees the failure too and reports it once, with the step's name.
    if (( BASH_SUBSHELL > 0 )); then exit "$rc"; fi
    printf '%s: error: %s failed (exit %d)%s\n' "$PROG" "$STEP" "$rc" \
        "${LOG:+; see $LOG}" >&2
    exit "$rc"
}
trap on_err ERR
# Signals: say so in one line, then exit so the EXIT trap cleans up.
# shellcheck disable=SC2317  # called from the signal traps
on_signal() {
    trap - ERR
    printf '%s: error: interrupted by SIG%s during %s\n' "$PROG" "$1" "$STEP" >&2
    exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# Progress on stderr, with the seconds since the start.
step() {
    STEP=$*
    local ms=$(( ($(date +%s%N) - ${START_NS:-$(date +%s%N)}) / 1000000 ))
    printf '==> [%3d.%d s] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*" >&2
}

# ----------------------------------------------------------------- options --
OUT=build/samples
PART_SIZE=67108864
NAME=fg-debian
CACHE=build/cache
# gzip is most of a cached run's time (two ~800 MB streams); level 1 is
# about a third faster than 6 for ~6 % more bytes, and readers cannot tell.
GZIP_LEVEL=1

need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value (see --help)"; }
while [[ $# -gt 0 ]]; do
    case $1 in
        --out)        need_arg "$@"; OUT=$2; shift 2 ;;
        --out=*)      OUT=${1#*=}; shift ;;
        --part-size)  need_arg "$@"; PART_SIZE=$2; shift 2 ;;
        --part-size=*) PART_SIZE=${1#*=}; shift ;;
        --name)       need_arg "$@"; NAME=$2; shift 2 ;;
        --name=*)     NAME=${1#*=}; shift ;;
        --cache)      need_arg "$@"; CACHE=$2; shift 2 ;;
        --cache=*)    CACHE=${1#*=}; shift ;;
        --gzip-level) need_arg "$@"; GZIP_LEVEL=$2; shift 2 ;;
        --gzip-level=*) GZIP_LEVEL=${1#*=}; shift ;;
        -h|--help)    usage; exit 0 ;;
        *)            die "unknown argument '$1' (see --help)" ;;
    esac
done

[[ $PART_SIZE =~ ^[0-9]+$ ]] || die "--part-size must be a number of bytes, not '$PART_SIZE'"
PART_SIZE=$((10#$PART_SIZE))
# A floor keeps a typo from producing millions of parts.
(( PART_SIZE >= 65536 )) || die "--part-size must be at least 65536 bytes"
[[ $NAME =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] \
    || die "--name may hold only letters, digits, '.', '_' and '-': '$NAME'"
[[ $GZIP_LEVEL =~ ^[1-9]$ ]] || die "--gzip-level must be 1..9, not '$GZIP_LEVEL'"
[[ -n $OUT && -n $CACHE ]] || die "--out and --cache must not be empty"

# Paths in the options are relative to the repository top.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap and real file ownership need it)"
for tool in debootstrap tar pigz mke2fs e2fsck sfdisk qemu-img split flock findmnt; do
    command -v "$tool" >/dev/null || die "missing tool '$tool' (run 'make deps')"
done

START_NS=$(date +%s%N)

# ---------------------------------------------------------------- workspace --
mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)
CACHE=$(cd "$CACHE" && pwd)

# One run at a time per cache: two runs would race on the cache tarball.
exec 9>"$CACHE/.make-sample.lock"
flock -n 9 || { echo "$PROG: waiting for another run to finish" >&2; flock 9; }
LOG=$CACHE/make-sample.log
: >"$LOG"

# Scratch (debootstrap, the configured tree, the VHD) lives under the cache
# folder.  Outputs are first written into a hidden staging folder inside OUT,
# on OUT's own file system, so publishing them is a rename.
WORK=""
STAGE=""
RM_PID=""
PUBLISHED=()
PUBLISH_DONE=0

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local rc=$?
    set +e
    trap - ERR
    # debootstrap mounts /proc and /sys inside its target; a run killed in the
    # middle leaves them mounted, and rm must never walk into them.
    local m
    if [[ -n $RM_PID ]]; then wait "$RM_PID"; fi
    if [[ -n $WORK ]]; then
        findmnt -rn -o TARGET | grep -F "$WORK/" | sort -r | while read -r m; do
            umount -l "$m"
        done
        rm -rf --one-file-system "$WORK"
    fi
    if [[ -n $STAGE ]]; then rm -rf "$STAGE"; fi
    # Interrupted while publishing: take back what this run already renamed
    # into place, so no incomplete set is left under the final names.
    if (( PUBLISH_DONE == 0 && ${#PUBLISHED[@]} > 0 )); then
        rm -f "${PUBLISHED[@]}"
    fi
    exit "$rc"
}
trap cleanup EXIT
WORK=$(mktemp -d "$CACHE/make-sample.XXXXXX")
STAGE=$(mktemp -d "$OUT/.$NAME.partial.XXXXXX")

# Options shared by every tar run: real numeric ownership, xattrs and ACLs
# (file capabilities, if any), members sorted so the archive is reproducible.
# --xattrs selects the pax format; the pax atime/ctime/mtime keywords are
# dropped so entries get extended headers only where they really need one
# (xattrs, ACLs, long names) and the rest reads like a plain ustar archive.
TAR_CREATE=(tar --numeric-owner --xattrs --acls --sort=name
            --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime,delete=mtime')
# On extraction GNU tar restores only user.* xattrs unless told otherwise.
TAR_EXTRACT=(tar --numeric-owner --xattrs --xattrs-include='*' --acls
             --same-permissions --same-owner)

# ------------------------------------------------- debootstrap (cached) --
SUITE=bookworm
ARCH=amd64
VARIANT=minbase
# net-tools: the ServiceNet routes below use 'route', as first-gen's did.
INCLUDE=linux-image-amd64,ifupdown,iproute2,net-tools,udev,systemd-sysv,e2fsprogs,initramfs-tools,kmod
# The cache name carries a hash of the debootstrap arguments, so changing
# them here builds a new tree instead of silently reusing an old one.
KEY=$(printf '%s\n' "$SUITE" "$ARCH" "$VARIANT" "$INCLUDE" | sha256sum | cut -c1-8)
CACHE_TAR=$CACHE/$SUITE-$VARIANT-$KEY.tar

if [[ ! -s $CACHE_TAR ]]; then
    step "debootstrap $SUITE $ARCH ($VARIANT) into $WORK (first run only; minutes)"
    STEP="debootstrap $SUITE"
    debootstrap --arch="$ARCH" --variant="$VARIANT" --include="$INCLUDE" \
        "$SUITE" "$WORK/debootstrap" >>"$LOG" 2>&1
    # A kernel and an initrd in /boot are the point of the exercise.
    ls "$WORK"/debootstrap/boot/vmlinuz-* "$WORK"/debootstrap/boot/initrd.img-* >/dev/null 2>&1 \
        || die "debootstrap made no kernel and initrd in /boot; see $LOG"

    step "caching the pristine tree as $CACHE_TAR"
    # Written inside WORK (same file system as CACHE) and renamed: a run
    # killed here leaves no truncated tarball that later runs would trust.
    "${TAR_CREATE[@]}" -C "$WORK/debootstrap" -cf "$WORK/cache.tar" . 2>>"$LOG"
    mv -f "$WORK/cache.tar" "$CACHE_TAR"
    rm -rf --one-file-system "$WORK/debootstrap"
fi

# Every run, the first included, configures a fresh copy of the cached tree,
# so the first and later runs make the same sample.
step "extracting the cached tree"
STEP="extracting the cached tree $CACHE_TAR (delete it to debootstrap afresh)"
TREE=$WORK/tree
mkdir "$TREE"
"${TAR_EXTRACT[@]}" -C "$TREE" -xf "$CACHE_TAR" 2>>"$LOG"

# ------------------------------------------------------ first-gen config --
step "configuring the tree as a first-gen server"

kernels=("$TREE"/boot/vmlinuz-*)
(( ${#kernels[@]} == 1 )) || die "expected exactly one /boot/vmlinuz-* in the tree, found ${#kernels[@]}"
KVER=${kernels[0]##*/vmlinuz-}
[[ -f $TREE/boot/initrd.img-$KVER ]] || die "no /boot/initrd.img-$KVER in the tree"

# The addresses are documentation/sample values; the shapes are what
# Rackspace's first-gen agent wrote.
HOSTNAME_=web01
PUB_IP=198.51.100.23 PUB_MASK=255.255.255.0 PUB_PREFIX=24 PUB_GW=198.51.100.1
PUB_MAC=40:40:6b:1e:92:0a
SN_IP=10.179.77.12 SN_MASK=255.255.224.0 SN_PREFIX=19 SN_GW=10.179.64.1
SN_MAC=40:40:c1:77:3d:45
DNS1=173.203.4.8 DNS2=173.203.4.9
CMDLINE="root=/dev/sda1 ro console=hvc0"

# Files this step writes: their mtimes (and their folders') are pinned below
# so that the archive does not change from one run to the next.
WRITTEN=()
put() {   # put PATH MODE  (content on stdin); replaces symlinks too
    local path=$TREE/$1
    mkdir -p "${path%/*}"
    rm -f "$path"
    cat >"$path"
    chmod "$2" "$path"
    chown 0:0 "$path"
    WRITTEN+=("$path")
}

put etc/network/interfaces 0644 <<EOF
# Used by ifup(8) and ifdown(8). See the interfaces(5) manpage or
# /usr/share/doc/ifupdown/examples for more information.
# The loopback network interface
auto lo
iface lo inet loopback

# Label public
auto eth0
iface eth0 inet static
    address $PUB_IP
    netmask $PUB_MASK
    gateway $PUB_GW
    dns-nameservers $DNS1 $DNS2

# Label private
auto eth1
iface eth1 inet static
    address $SN_IP
    netmask $SN_MASK
    up route add -net 10.176.0.0 netmask 255.240.0.0 gw $SN_GW
    down route del -net 10.176.0.0 netmask 255.240.0.0 gw $SN_GW
    up route add -net 10.208.0.0 netmask 255.240.0.0 gw $SN_GW
    down route del -net 10.208.0.0 netmask 255.240.0.0 gw $SN_GW
EOF

put etc/resolv.conf 0644 <<EOF
nameserver $DNS1
nameserver $DNS2
EOF

put etc/hostname 0644 <<EOF
$HOSTNAME_
EOF

put etc/hosts 0644 <<EOF
127.0.0.1	localhost
$PUB_IP	$HOSTNAME_

# The following lines are desirable for IPv6 capable hosts
::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
EOF

# First-gen named the disk by device; next-gen's /dev/xvda is why fg2ng
# must rewrite this.
put etc/fstab 0644 <<EOF
# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>                   <dump>  <pass>
/dev/sda1       /               ext3    defaults,errors=remount-ro  0       1
proc            /proc           proc    defaults                    0       0
EOF

# Grub legacy, written by hand (pygrub reads it; no grub package needed).
put boot/grub/menu.lst 0644 <<EOF
# menu.lst - grub legacy configuration, read by pygrub on Xen
default         0
timeout         5

title           Debian GNU/Linux 12 (bookworm), kernel $KVER
root            (hd0,0)
kernel          /boot/vmlinuz-$KVER $CMDLINE
initrd          /boot/initrd.img-$KVER
EOF

# XenServer guests' vifs had 40:40:.. MACs; these stale rules are what
# fg2ng must remove so eth0/eth1 keep their names on new MACs.
put etc/udev/rules.d/70-persistent-net.rules 0644 <<EOF
# This file was automatically generated by the /lib/udev/write_net_rules
# program, run by the persistent-net-generator.rules rules file.
#
# You can modify it, as long as you keep each rule on a single
# line, and change only the value of the NAME= key.

# Xen virtual network device (vif-0)
SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="$PUB_MAC", ATTR{dev_id}=="0x0", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"

# Xen virtual network device (vif-1)
SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="$SN_MAC", ATTR{dev_id}=="0x0", ATTR{type}=="1", KERNEL=="eth*", NAME="eth1"
EOF

# Pin the times of what was written, and of the folders holding it, to the
# cache tarball's mtime: same cache, same archive bytes.
EPOCH=$(stat -c %Y "$CACHE_TAR")
for f in "${WRITTEN[@]}"; do
    touch -h -d "@$EPOCH" "$f" "${f%/*}"
done
touch -h -d "@$EPOCH" "$TREE/etc/udev" "$TREE/etc" "$TREE/boot"

# Figures of the tree, for the expected file and the summary.
# One walk: entries (= archive members), distinct inodes, and apparent and
# allocated bytes with hard links counted once, as du counts them.
read -r TREE_ENTRIES TREE_INODES TREE_BYTES TREE_USED < <(
    find "$TREE" -printf '%i %s %b\n' | awk '
        { n++ } !seen[$1]++ { i++; a += $2; u += $3 * 512 }
        END { printf "%d %d %d %d\n", n, i, a, u }')
[[ -n $TREE_USED ]] || die "could not measure the tree"

# -------------------------------------------------------- file-level sample --
# split numbers parts with fixed-width suffixes (.000000); first-gen used
# plain decimal ones (.0 .. .10), so rename them.
split_parts() {   # split_parts PREFIX  (stream on stdin)
    local prefix=$1 f n
    split -b "$PART_SIZE" -d -a 6 - "$prefix.split-"
    for f in "$prefix".split-*; do
        n=${f##*.split-}
        mv "$f" "$prefix.$((10#$n))"
    done
}
count_parts() { local p=("$1".[0-9]*); echo "${#p[@]}"; }

step "packing the file-level image (image/ members, $PART_SIZE-byte parts)"
STEP="packing the file-level image"
# The two transforms turn '.' into 'image' and './x' into 'image/x'; the S
# flag leaves symlink targets alone, hard link targets are renamed too.
"${TAR_CREATE[@]}" -C "$TREE" \
    --transform 's,^\.$,image,S' --transform 's,^\./,image/,S' -cf - . 2>>"$LOG" \
    | pigz -n "-$GZIP_LEVEL" | split_parts "$STAGE/$NAME.tar.gz"
FILE_PARTS=$(count_parts "$STAGE/$NAME.tar.gz")

# ------------------------------------------------------- block-level sample --
step "building the ext3 file system with mke2fs -d"
MIB=1048576
# VHD disk geometry (Microsoft VHD spec, as qemu's vpc driver computes it):
# prints the sector count CHS can express for a disk of $1 sectors.
chs_sectors() {
    local ts=$1 spt heads cth
    if (( ts > 65535 * 16 * 255 )); then ts=$((65535 * 16 * 255)); fi
    if (( ts >= 65535 * 16 * 63 )); then
        spt=255 heads=16 cth=$((ts / 255))
    else
        spt=17 cth=$((ts / 17)) heads=$(((ts / 17 + 1023) / 1024))
        if (( heads < 4 )); then heads=4; fi
        if (( cth >= heads * 1024 || heads > 16 )); then
            spt=31 heads=16 cth=$((ts / 31))
        fi
        if (( cth >= heads * 1024 )); then
            spt=63 heads=16 cth=$((ts / 63))
        fi
    fi
    echo $(( cth / heads * heads * spt ))
}
# Data plus ~30 % headroom, plus 64 MiB for the ext3 journal and metadata,
# in whole MiB.  Then the disk (1 MiB for the MBR gap + the partition) is
# grown to the next size the VHD CHS geometry expresses exactly, because
# qemu sizes a 'qemu'-created VHD by its geometry: that way the VHD's
# virtual size, its current-size field and the raw disk are all the same.
FS_MIB=$(( (TREE_USED * 13 / 10 + 64 * MIB + MIB - 1) / MIB ))
DISK_MIB=$(( FS_MIB + 1 ))
for (( i = 0; i < 4096; i++ )); do
    (( $(chs_sectors $((DISK_MIB * 2048))) == DISK_MIB * 2048 )) && break
    DISK_MIB=$((DISK_MIB + 1))
done
(( $(chs_sectors $((DISK_MIB * 2048))) == DISK_MIB * 2048 )) \
    || die "found no disk size matching the VHD geometry near $FS_MIB MiB"
FS_MIB=$((DISK_MIB - 1))
DISK_BYTES=$((DISK_MIB * MIB))
PART_START=$MIB
PART_BYTES=$((FS_MIB * MIB))

# Fixed identifiers make the file system reproducible and let tests expect
# them (fixups will write fstab by UUID).
FS_UUID=8c1d0e5a-3f6b-4d2e-9a71-f6e2b0c4d913
FS_HASH_SEED=2b7e1516-28ae-42d2-a6ab-f7158809cf4f
DISK_ID=0x1f6e2b0c

# The file system is written straight into the disk file at the partition's
# offset (mke2fs -E offset), which is the same as building the partition as
# a file and dd'ing it in, minus a copy of ~1 GB.  No mount, no loop device.
# The raw disk starts as a hole and stays sparse.
RAW=$STAGE/$NAME-block.raw
truncate -s "$DISK_BYTES" "$RAW"
STEP="mke2fs -t ext3 -d (populating the partition)"
mke2fs -q -F -t ext3 -b 4096 -U "$FS_UUID" \
    -E "offset=$PART_START,hash_seed=$FS_HASH_SEED,root_owner=0:0" \
    -d "$TREE" "$RAW" $((PART_BYTES / 4096)) >>"$LOG" 2>&1

step "writing the MBR ($DISK_MIB MiB disk, one Linux partition at 1 MiB)"
# After mke2fs, so nothing mke2fs does (it discards its range first) can
# touch sector 0.  --wipe never: sfdisk must not erase the new ext3.
STEP="sfdisk (MBR partition table)"
sfdisk --quiet --no-reread --no-tell-kernel --wipe never --wipe-partitions never \
    "$RAW" >>"$LOG" 2>&1 <<EOF
label: dos
label-id: $DISK_ID
unit: sectors

start=$((PART_START / 512)), size=$((PART_BYTES / 512)), type=83, bootable
EOF
STEP="e2fsck -fn of the new partition"
e2fsck -fn "$RAW?offset=$PART_START" >>"$LOG" 2>&1

# The tree is no longer needed.  Deleting 14k files takes seconds of I/O
# waits on this kind of disk, so it runs in the background, behind the CPU-
# bound VHD packing; the end of the script (or cleanup) waits for it.
mv "$TREE" "$WORK/trash"
rm -rf --one-file-system "$WORK/trash" &
RM_PID=$!

step "converting to a dynamic VHD and packing image/image.vhd"
STEP="qemu-img convert to a dynamic VHD"
mkdir -p "$WORK/blk/image"
VHD=$WORK/blk/image/image.vhd
qemu-img convert -f raw -O vpc -o subformat=dynamic "$RAW" "$VHD" >>"$LOG" 2>&1
VHD_BYTES=$(stat -c %s "$VHD")
# The geometry choice above should make qemu see exactly the raw disk.
vsize=$(qemu-img info -f vpc --output=json "$VHD" | sed -n 's/^ *"virtual-size": *\([0-9]*\).*/\1/p')
[[ $vsize == "$DISK_BYTES" ]] || die "VHD virtual size ${vsize:-?} differs from the raw disk's $DISK_BYTES bytes"
STEP="packing the block-level image"
touch -d "@$EPOCH" "$WORK/blk/image"
"${TAR_CREATE[@]}" -C "$WORK/blk" -cf - image 2>>"$LOG" \
    | pigz -n "-$GZIP_LEVEL" | split_parts "$STAGE/$NAME-block.tar.gz"
BLOCK_PARTS=$(count_parts "$STAGE/$NAME-block.tar.gz")
rm -f "$VHD"

STEP="removing the scratch tree"
wait "$RM_PID"
RM_PID=""

# ----------------------------------------------------------- expected json --
step "writing $NAME.expected.json"
cat >"$STAGE/$NAME.expected.json" <<EOF
{
  "name": "$NAME",
  "distro": "debian",
  "version": "12",
  "codename": "$SUITE",
  "arch": "x86_64",
  "os_type": "linux",
  "init": "systemd",
  "bootloader": "grub-legacy",
  "kernel_version": "$KVER",
  "kernels": ["$KVER"],
  "boot": {
    "config": "/boot/grub/menu.lst",
    "kernel": "/boot/vmlinuz-$KVER",
    "initrd": "/boot/initrd.img-$KVER",
    "cmdline": "$CMDLINE",
    "root_device": "/dev/sda1",
    "console": "hvc0"
  },
  "hostname": "$HOSTNAME_",
  "interfaces": [
    {"name": "eth0", "role": "public", "mac": "$PUB_MAC", "method": "static",
     "address": "$PUB_IP", "netmask": "$PUB_MASK", "prefix": $PUB_PREFIX,
     "gateway": "$PUB_GW"},
    {"name": "eth1", "role": "private", "mac": "$SN_MAC", "method": "static",
     "address": "$SN_IP", "netmask": "$SN_MASK", "prefix": $SN_PREFIX,
     "gateway": null}
  ],
  "routes": [
    {"interface": "eth1", "network": "10.176.0.0", "netmask": "255.240.0.0",
     "prefix": 12, "gateway": "$SN_GW"},
    {"interface": "eth1", "network": "10.208.0.0", "netmask": "255.240.0.0",
     "prefix": 12, "gateway": "$SN_GW"}
  ],
  "resolvers": ["$DNS1", "$DNS2"],
  "fstab": [
    {"device": "/dev/sda1", "mountpoint": "/", "type": "ext3",
     "options": "defaults,errors=remount-ro"},
    {"device": "proc", "mountpoint": "/proc", "type": "proc",
     "options": "defaults"}
  ],
  "persistent_net_rules": "/etc/udev/rules.d/70-persistent-net.rules",
  "tree": {
    "entries": $TREE_ENTRIES,
    "inodes": $TREE_INODES,
    "apparent_bytes": $TREE_BYTES,
    "used_bytes": $TREE_USED
  },
  "file_level": {
    "parts": "$NAME.tar.gz.0..$((FILE_PARTS - 1))",
    "part_count": $FILE_PARTS,
    "part_size": $PART_SIZE,
    "top": "image/",
    "gzip_level": $GZIP_LEVEL,
    "members": $TREE_ENTRIES
  },
  "block_level": {
    "parts": "$NAME-block.tar.gz.0..$((BLOCK_PARTS - 1))",
    "part_count": $BLOCK_PARTS,
    "part_size": $PART_SIZE,
    "member": "image/image.vhd",
    "vhd_type": "dynamic",
    "vhd_creator": "qemu",
    "vhd_file_bytes": $VHD_BYTES,
    "raw": "$NAME-block.raw",
    "disk_bytes": $DISK_BYTES,
    "partition_table": "dos",
    "disk_id": "$DISK_ID",
    "partition_start": $PART_START,
    "partition_bytes": $PART_BYTES,
    "fs_type": "ext3",
    "fs_uuid": "$FS_UUID"
  }
}
EOF

# ------------------------------------------------------------------ publish --
step "publishing to $OUT"
STEP="publishing the outputs"
# The expected file goes first and comes back last: while it is absent the
# set is incomplete.  Old parts go too, or a run with fewer parts would leave
# stale ones that corrupt the concatenation.
rm -f "$OUT/$NAME.expected.json"
rm -f "$OUT/$NAME.tar.gz".[0-9]* "$OUT/$NAME-block.tar.gz".[0-9]* "$OUT/$NAME-block.raw"
for f in "$STAGE/$NAME.tar.gz".[0-9]* "$STAGE/$NAME-block.tar.gz".[0-9]* "$RAW" \
         "$STAGE/$NAME.expected.json"; do
    PUBLISHED+=("$OUT/${f##*/}")
    mv -f "$f" "$OUT/"
done
PUBLISH_DONE=1

# ------------------------------------------------------------------ summary --
ELAPSED_MS=$(( ($(date +%s%N) - START_NS) / 1000000 ))
human() { numfmt --to=iec-i --round=nearest --suffix=B --format='%.1f' "$1"; }
sum_sizes() { local t=0 f; for f in "$@"; do t=$((t + $(stat -c %s "$f"))); done; echo "$t"; }
file_total=$(sum_sizes "$OUT/$NAME.tar.gz".[0-9]*)
block_total=$(sum_sizes "$OUT/$NAME-block.tar.gz".[0-9]*)
raw_alloc=$(( $(stat -c %b "$OUT/$NAME-block.raw") * $(stat -c %B "$OUT/$NAME-block.raw") ))

cat <<EOF
$PROG: sample '$NAME' ready in $OUT ($((ELAPSED_MS / 1000)).$(printf '%03d' $((ELAPSED_MS % 1000))) s)
  tree         Debian 12 $ARCH, kernel $KVER, $TREE_ENTRIES entries, $(human "$TREE_BYTES") of data
  file level   $NAME.tar.gz.0..$((FILE_PARTS - 1))   $FILE_PARTS part(s) of $PART_SIZE bytes, $(human "$file_total") total
  block level  $NAME-block.tar.gz.0..$((BLOCK_PARTS - 1))   $BLOCK_PARTS part(s), $(human "$block_total") total (image/image.vhd $(human "$VHD_BYTES"))
  raw disk     $NAME-block.raw   $(human "$DISK_BYTES") virtual, $(human "$raw_alloc") allocated, ext3 at 1 MiB
  expected     $NAME.expected.json
EOF
exit 0
