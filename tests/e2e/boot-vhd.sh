#!/usr/bin/env bash
# tests/e2e/boot-vhd.sh --- boot a converted next-gen disk under qemu the way
# XenServer's pygrub would, and check from inside the guest that it works.
#
#   tests/e2e/boot-vhd.sh DISK [--expect-ip IFACE=ADDR/LEN ...]
#                              [--expect-route 'DEST via GW dev IFACE' ...]
#                              [--expect-root-by-uuid] [--mac MAC ...]
#                              [--disk-bus auto|virtio|scsi|ide] [--timeout S]
#                              [--workdir DIR] [--keep] [--print-entry]
#                              [--extra-args 'ARGS'] [--smp N]
#
# DISK is a VHD (anything `fg2ng convert` reads) or a raw disk.  Steps:
#  1. a scratch raw copy of DISK in the work folder (fg2ng convert
#     --no-fixups DISK -o WORK/disk.raw, checked equal with qemu-img compare
#     unless DISK is a differencing child; cp --sparse=always for a raw
#     disk); DISK itself is only ever read;
#  2. the partition table (sfdisk -J); in each partition, in order, the first
#     boot configuration pygrub looks for (grub.cfg before menu.lst), read
#     with debugfs: no mount, no loop device, no root;
#  3. the entry pygrub boots (`default N` / `set default=N`, "saved" = 0,
#     out of range = the first), its kernel and initrd dumped with debugfs;
#  4. into the scratch copy only: a systemd unit and a script that, once
#     boot has finished, print the root mount (mountinfo, by-uuid links),
#     the fstab line for /, `ip -o link/addr`, `ip route` and failed units
#     with their journal to the second serial port, then power off;
#  5. qemu-system-x86_64 -accel tcg (no KVM on CI) with -kernel/-initrd and
#     "<the entry's own kernel arguments> console=ttyS0", two virtio NICs,
#     bounded by --timeout;
#  6. checks: multi-user reached (systemd's "Reached target ... Multi-User
#     System", a login prompt, or the guest's own report), the root file
#     system mounted and being the disk's file system (same UUID), and each
#     --expect-* claim.
#
# --extra-args adds kernel arguments after the entry's own: an experiment
# aid (e.g. "does net.ifnames=0 fix the names?") that departs from what
# pygrub boots; the summary records it and tests must not use it.
#
# Exit 0 when everything holds, 1 when a check fails (the last 40 lines of
# the serial console are printed, the logs kept), 2 on a usage error.
# Results: stdout ("boot-vhd: ..." lines), WORK/summary.txt (one fact or
# check a line, for scripts), WORK/console.log (ttyS0), WORK/report.log
# (ttyS1: what the guest reported).  See tests/e2e/README.md.
set -uo pipefail
export LC_ALL=C

PROG=boot-vhd
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FG2NG=${FG2NG:-$TOP/build/fg2ng}
QEMU=${QEMU:-qemu-system-x86_64}
# Debian's python3 (make deps) by preference: only the standard library is
# used, and a version-manager shim on PATH can cost seconds per start.
PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

say()  { printf '%s: %s\n' "$PROG" "$*"; }
die()  { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 2; }
usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# ---------------------------------------------------------------- options --
DISK="" EXTRA_ARGS="" SMP=1 TIMEOUT=120 WORKDIR="" KEEP=no PRINT_ENTRY=no BUS=auto ROOT_BY_UUID=no
EXPECT_IPS=() EXPECT_ROUTES=() MACS=()
need() { [ $# -ge 2 ] && [ -n "$2" ] || die "option $1 needs a value"; }
while [ $# -gt 0 ]; do
  case $1 in
    --expect-ip)    need "$@"; EXPECT_IPS+=("$2"); shift 2 ;;
    --expect-route) need "$@"; EXPECT_ROUTES+=("$2"); shift 2 ;;
    --expect-root-by-uuid) ROOT_BY_UUID=yes; shift ;;
    --mac)          need "$@"; MACS+=("$2"); shift 2 ;;
    --disk-bus)     need "$@"; BUS=$2; shift 2 ;;
    --timeout)      need "$@"; TIMEOUT=$2; shift 2 ;;
    --workdir)      need "$@"; WORKDIR=$2; shift 2 ;;
    --keep)         KEEP=yes; shift ;;
    --extra-args)   need "$@"; EXTRA_ARGS=$2; shift 2 ;;
    --smp)          need "$@"; SMP=$2; shift 2 ;;
    --print-entry)  PRINT_ENTRY=yes; shift ;;
    -h|--help)      usage; exit 0 ;;
    -*)             die "unknown option '$1' (see --help)" ;;
    *)              [ -z "$DISK" ] || die "one disk only ('$DISK', then '$1')"; DISK=$1; shift ;;
  esac
done
[ -n "$DISK" ] || die "no disk given (see --help)"
[ -r "$DISK" ] || die "cannot read '$DISK'"
[[ $TIMEOUT =~ ^[0-9]+$ ]] && [ "$TIMEOUT" -gt 0 ] || die "--timeout must be a number of seconds, not '$TIMEOUT'"
[[ $SMP =~ ^[1-9][0-9]*$ ]] || die "--smp must be a number of CPUs, not '$SMP'"
case $BUS in auto|virtio|scsi|ide) ;; *) die "--disk-bus must be auto, virtio, scsi or ide, not '$BUS'" ;; esac
for e in "${EXPECT_IPS[@]}"; do
  [[ $e =~ ^[A-Za-z0-9_.:@-]+=[0-9A-Fa-f.:]+/[0-9]+$ ]] || die "--expect-ip wants IFACE=ADDR/LEN, not '$e'"
done
for m in "${MACS[@]}"; do
  [[ $m =~ ^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$ ]] || die "--mac wants aa:bb:cc:dd:ee:ff, not '$m'"
done
[ -n "$PY" ] || die "missing python3 (make deps)"
for t in "$PY" debugfs sfdisk; do
  command -v "$t" >/dev/null || die "missing tool '$t' (make deps)"
done
if [ "$PRINT_ENTRY" = no ]; then
  command -v "$QEMU" >/dev/null || die "missing '$QEMU' (make deps: qemu-system-x86)"
fi

# ------------------------------------------------------------- work folder --
AUTO_WORK=no
if [ -z "$WORKDIR" ]; then
  WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/boot-vhd.XXXXXX") || die "cannot make a work folder"
  AUTO_WORK=yes
else
  mkdir -p "$WORKDIR" || die "cannot make '$WORKDIR'"
fi
WORKDIR=$(cd "$WORKDIR" && pwd)
RAW=$WORKDIR/disk.raw KERNEL=$WORKDIR/kernel INITRD=$WORKDIR/initrd
CONSOLE=$WORKDIR/console.log REPORT=$WORKDIR/report.log SUMMARY=$WORKDIR/summary.txt
rm -f "$RAW" "$KERNEL" "$INITRD" "$CONSOLE" "$REPORT" "$SUMMARY" "$WORKDIR/qemu.err"
: >"$SUMMARY"
QEMU_PID="" RESULT=fail

fact() { printf '%s\n' "$*" >>"$SUMMARY"; }

cleanup() {
  if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
    kill "$QEMU_PID" 2>/dev/null; sleep 0.2; kill -9 "$QEMU_PID" 2>/dev/null
    wait "$QEMU_PID" 2>/dev/null
  fi
  if [ "$KEEP" = no ]; then
    rm -f "$RAW" "$KERNEL" "$INITRD" "$WORKDIR/fg2ng-verify" "$WORKDIR/fg2ng-verify.service" \
          "$WORKDIR/inject.debugfs"
    if [ "$AUTO_WORK" = yes ] && [ "$RESULT" = pass ]; then rm -rf "$WORKDIR"; fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# fail MESSAGE: print the serial console's tail, say where the logs are, exit 1.
fail() {
  say "FAIL: $*"
  fact "result fail $*"
  if [ -s "$CONSOLE" ]; then
    echo "--- last 40 lines of the serial console ($CONSOLE):"
    sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' "$CONSOLE" | tail -40
    echo "---"
  fi
  say "logs kept in $WORKDIR"
  exit 1
}

# ------------------------------------------------------- 1. scratch copy --
t_start=$(date +%s%N)
is_vhd() {   # the footer cookie, at the start (dynamic) or the end (fixed)
  [ "$(head -c 8 "$1" 2>/dev/null | tr -d '\0')" = conectix ] && return 0
  local size; size=$(stat -c %s "$1")
  [ "$size" -ge 512 ] && [ "$(tail -c 512 "$1" | head -c 8 | tr -d '\0')" = conectix ]
}
if is_vhd "$DISK"; then
  [ -x "$FG2NG" ] || die "'$DISK' is a VHD and $FG2NG is not built (make)"
  # --no-fixups: a faithful copy; what boots must be the disk under test.
  "$FG2NG" convert --no-fixups "$DISK" -o "$RAW" >"$WORKDIR/convert.log" 2>&1 \
    || { cat "$WORKDIR/convert.log"; fail "fg2ng convert --no-fixups $DISK -o raw failed"; }
  SRC_KIND=vhd
  # ... and an independent reader agrees (qemu reads no differencing
  # chain, so a child, disk type 4, is taken on fg2ng's word).
  vhd_type=$(tail -c 512 "$DISK" | od -An -tu1 -j63 -N1 | tr -d ' ')
  if [ "$vhd_type" != 4 ] && command -v qemu-img >/dev/null; then
    qemu-img compare -q -f vpc -F raw "$DISK" "$RAW" \
      || fail "qemu-img compare: the raw copy differs from $DISK"
    SRC_KIND="vhd, raw copy = qemu-img's reading"
  fi
else
  cp --sparse=always "$DISK" "$RAW" || fail "cannot copy $DISK to $RAW"
  SRC_KIND=raw
fi
fact "disk $DISK ($SRC_KIND)"

# ------------------------------------- 2-3. partition, config, boot entry --
# One Python helper does what needs parsing: the partition table, pygrub's
# choice of configuration file and entry, paths and symlinks inside the
# guest (through debugfs, never a mount).  It prints shell assignments.
ENTRY=$WORKDIR/entry.sh
"$PY" - "$RAW" >"$ENTRY" 2>"$WORKDIR/entry.err" <<'PYEOF'
import json, os, posixpath, re, shlex, subprocess, sys

raw = sys.argv[1]

def debugfs(fs, req):
    r = subprocess.run(["debugfs", "-R", req, fs], capture_output=True, text=True,
                       errors="replace")
    return r.stdout, r.stderr

def q(p):                       # a path as one debugfs argument
    return '"' + p.replace('"', '\\"') + '"'

def lookup(fs, path, depth=0):
    """Follow symlinks in the last component; returns the final path or None."""
    if depth > 8:
        return None
    out, err = debugfs(fs, "stat " + q(path))
    if "File not found" in err or "File not found" in out or "Type:" not in out:
        return None
    m = re.search(r"Type: (\w+)", out)
    if m and m.group(1) == "symlink":
        t = re.search(r'Fast link dest: "(.*)"', out)
        target = t.group(1) if t else debugfs(fs, "cat " + q(path))[0]
        nxt = target if target.startswith("/") else posixpath.join(posixpath.dirname(path), target)
        return lookup(fs, posixpath.normpath(nxt), depth + 1)
    if m and m.group(1) != "regular":
        return None
    return path

def partitions():
    r = subprocess.run(["sfdisk", "-J", raw], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        return [("whole disk", 0)]          # no table: pygrub tries offset 0
    t = json.loads(r.stdout)["partitiontable"]
    ssz = t.get("sectorsize", 512)
    out = []
    for i, p in enumerate(t.get("partitions", []), 1):
        if t.get("label") == "dos" and p.get("type", "").lower() in ("5", "f", "85"):
            continue                        # extended: its logicals follow
        num = re.search(r"(\d+)$", p.get("node", ""))
        out.append(("partition %s" % (num.group(1) if num else i), p["start"] * ssz))
    return out

# pygrub's order (tools/pygrub/src/pygrub): grub 2 first, then extlinux,
# then grub legacy.
GRUB2 = ["/boot/grub/grub.cfg", "/grub/grub.cfg", "/boot/grub2/grub.cfg", "/grub2/grub.cfg"]
EXTLINUX = ["/boot/isolinux/isolinux.cfg", "/boot/extlinux.conf"]
LEGACY = ["/boot/grub/menu.lst", "/boot/grub/grub.conf", "/grub/menu.lst", "/grub/grub.conf"]

def split1(line):
    # grub_split: "key=value" or "key value"
    m = re.match(r"(\S+?)(?:\s*=\s*|\s+)(.*)$", line)
    return (m.group(1), m.group(2).strip()) if m else (line.strip(), "")

def strip_dev(p):               # "(hd0,0)/boot/x" -> "/boot/x"
    return re.sub(r"^\([^)]*\)", "", p)

def parse_legacy(text):
    default, images, cur = "0", [], None
    for l in text.split("\n"):
        l = l.strip()
        if not l or l.startswith("#"):
            continue
        if l.startswith("title"):
            cur = {"title": l[6:].strip(), "kernel": None, "args": "", "initrd": None}
            images.append(cur)
            continue
        k, v = split1(l)
        if cur is None:
            if k == "default":
                default = v
        elif k == "kernel":
            parts = v.split(None, 1)
            cur["kernel"] = strip_dev(parts[0]) if parts else None
            cur["args"] = parts[1] if len(parts) > 1 else ""
        elif k == "initrd":
            cur["initrd"] = strip_dev(v.split()[0]) if v else None
    return default, images

def parse_grub2(text):
    default, images, cur, in_func = "0", [], None, False
    for l in text.split("\n"):
        l = l.strip()
        if not l or l.startswith("#"):
            continue
        if l.startswith("function"):
            in_func = True; continue
        if in_func:
            if l.startswith("}"): in_func = False
            continue
        m = re.match(r"""^menuentry ["'](.*?)["'] (.*)\{""", l)
        if m:
            cur = {"title": m.group(1), "kernel": None, "args": "", "initrd": None}
            continue
        if l.startswith("}"):
            if cur is not None:
                images.append(cur); cur = None
            continue
        k, v = split1(l)
        if cur is None:
            if k == "set":
                k2, v2 = split1(v)
                if k2 == "default":
                    v2 = v2.strip("\"'")
                    default = "0" if v2 in ("${saved_entry}", "${next_entry}") else v2
        elif k in ("linux", "linux16"):
            parts = v.split(None, 1)
            cur["kernel"] = strip_dev(parts[0]) if parts else None
            cur["args"] = parts[1] if len(parts) > 1 else ""
        elif k in ("initrd", "initrd16"):
            cur["initrd"] = strip_dev(v.split()[0]) if v else None
    return default, images

def pick(default, images):
    if default == "saved":
        idx = 0
    else:
        try:
            idx = int(default)
        except ValueError:       # grub 2 may name the entry by its title
            idx = next((i for i, im in enumerate(images) if im["title"] == default), 0)
    return idx if 0 <= idx < len(images) else 0

def emit(**kv):
    for k, v in kv.items():
        print("%s=%s" % (k, shlex.quote(str(v))))

tried = []
for node, off in partitions():
    fs = "%s?offset=%d" % (raw, off)
    out, err = debugfs(fs, "stats")
    if "Filesystem UUID" not in out:
        tried.append("%s: no ext2/3/4 file system" % node)
        continue
    found = None
    for path, kind in [(p, "grub2") for p in GRUB2] + [(p, "extlinux") for p in EXTLINUX] \
                      + [(p, "legacy") for p in LEGACY]:
        real = lookup(fs, path)
        if real:
            found = (path, real, kind); break
    if not found:
        tried.append("%s: none of %s" % (node, ", ".join(GRUB2 + EXTLINUX + LEGACY)))
        continue
    path, real, kind = found
    if kind == "extlinux":
        sys.exit("%s: %s is what pygrub would read, and this harness does not parse extlinux" % (node, path))
    text = debugfs(fs, "cat " + q(real))[0]
    default, images = (parse_grub2 if kind == "grub2" else parse_legacy)(text)
    if not images:
        sys.exit("%s: %s has no boot entry (pygrub: no kernel)" % (node, path))
    idx = pick(default, images)
    im = images[idx]
    if not im["kernel"]:
        sys.exit("%s: %s entry %d (%s) has no kernel line" % (node, path, idx, im["title"]))
    k = lookup(fs, im["kernel"])
    if not k:
        sys.exit("%s: kernel %s of entry %d (%s) in %s is not in the file system"
                 % (node, im["kernel"], idx, im["title"], path))
    i = None
    if im["initrd"]:
        i = lookup(fs, im["initrd"])
        if not i:
            sys.exit("%s: initrd %s of entry %d (%s) in %s is not in the file system"
                     % (node, im["initrd"], idx, im["title"], path))
    uuid = re.search(r"Filesystem UUID:\s*(\S+)", out).group(1)
    label = re.search(r"Filesystem volume name:\s*(.*)", out)
    label = label.group(1).strip() if label else ""
    if label == "<none>":
        label = ""
    emit(PART_NODE=node, PART_OFFSET=off, FS=fs, FS_UUID=uuid, FS_LABEL=label,
         CFG=path, CFG_KIND=kind, ENTRY_INDEX=idx, ENTRY_COUNT=len(images),
         ENTRY_TITLE=im["title"], ENTRY_KERNEL=im["kernel"], KERNEL_PATH=k,
         ENTRY_INITRD=im["initrd"] or "", INITRD_PATH=i or "", ENTRY_ARGS=im["args"])
    sys.exit(0)
sys.exit("no partition holds a boot configuration pygrub would read (%s)" % "; ".join(tried))
PYEOF
rc=$?
if [ $rc -ne 0 ]; then
  fail "$(tail -1 "$WORKDIR/entry.err")"
fi
# shellcheck disable=SC1090
. "$ENTRY"
rm -f "$ENTRY" "$WORKDIR/entry.err"
say "pygrub's choice: $CFG_KIND config $CFG in $PART_NODE (offset $PART_OFFSET), entry $ENTRY_INDEX of $ENTRY_COUNT '$ENTRY_TITLE'"
arrow() { [ "$1" = "$2" ] || printf ' (-> %s)' "$2"; }
say "  kernel $ENTRY_KERNEL$(arrow "$ENTRY_KERNEL" "$KERNEL_PATH")${ENTRY_INITRD:+, initrd $ENTRY_INITRD$(arrow "$ENTRY_INITRD" "$INITRD_PATH")}"
say "  args: $ENTRY_ARGS"
fact "config $CFG"
fact "entry $ENTRY_INDEX $ENTRY_TITLE"
fact "kernel $ENTRY_KERNEL"
fact "kernel_file $KERNEL_PATH"
fact "initrd $ENTRY_INITRD"
fact "initrd_file $INITRD_PATH"
fact "args $ENTRY_ARGS"
fact "fs_uuid $FS_UUID"

# root_of ARGS: the last root= of a kernel command line (the one that counts)
root_of() { local a r=""; read -ra a <<<"$1"; for x in "${a[@]}"; do [[ $x == root=* ]] && r=${x#root=}; done; printf '%s' "$r"; }
ROOT_ARG=$(root_of "$ENTRY_ARGS")
fact "root_arg $ROOT_ARG"
if [ "$BUS" = auto ]; then
  case $ROOT_ARG in
    /dev/sd*)  BUS=scsi ;;   # virtio-scsi gives sdX names, fast
    /dev/hd*)  BUS=ide ;;
    *)         BUS=virtio ;; # UUID=, LABEL=, /dev/vdX; /dev/xvdX has no qemu equivalent
  esac
fi
case $ROOT_ARG in
  /dev/xvd*) say "warning: root=$ROOT_ARG names a Xen PV disk; qemu -accel tcg cannot provide one, expect the initramfs to give up" ;;
  /dev/*)    say "note: root=$ROOT_ARG names a device; it boots here on the $BUS bus, but on XenServer the disk is /dev/xvda" ;;
esac

if [ "$PRINT_ENTRY" = yes ]; then
  fact "bus $BUS"
  RESULT=pass
  exit 0
fi

debugfs -R "dump \"$KERNEL_PATH\" $KERNEL" "$FS" >/dev/null 2>&1 && [ -s "$KERNEL" ] \
  || fail "could not dump the kernel $KERNEL_PATH out of $PART_NODE"
if [ -n "$INITRD_PATH" ]; then
  debugfs -R "dump \"$INITRD_PATH\" $INITRD" "$FS" >/dev/null 2>&1 && [ -s "$INITRD" ] \
    || fail "could not dump the initrd $INITRD_PATH out of $PART_NODE"
fi

# --------------------------------------- 4. the check, into the copy only --
# The guest prints what it sees to its second serial port (ttyS1 = qemu's
# second -serial): nothing interleaves with the console there.
INJECT=yes
if ! debugfs -R 'stat /lib/systemd/systemd' "$FS" 2>/dev/null | grep -q 'Type:' \
   && ! debugfs -R 'stat /usr/lib/systemd/systemd' "$FS" 2>/dev/null | grep -q 'Type:'; then
  INJECT=no
  say "note: the guest has no systemd; only the boot to a login prompt is checked"
  if [ ${#EXPECT_IPS[@]} -gt 0 ] || [ ${#EXPECT_ROUTES[@]} -gt 0 ] || [ $ROOT_BY_UUID = yes ]; then
    fail "--expect-* needs the in-guest check, which is a systemd unit; this guest has no systemd"
  fi
fi

if [ $INJECT = yes ]; then
  cat >"$WORKDIR/fg2ng-verify" <<'EOF'
#!/bin/sh
# Written by fg2ng's tests/e2e/boot-vhd.sh into a SCRATCH COPY of a converted
# disk (never into an output).  Once boot has finished, prints what the guest
# sees to ttyS1 between markers, then powers off.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec >/dev/ttyS1 2>&1
state=$(timeout 120 systemctl is-system-running --wait 2>/dev/null)
echo "FG2NG-VERIFY-BEGIN"
echo "state ${state:-unknown}"
echo "cmdline $(cat /proc/cmdline)"
awk '$5 == "/" { print "mountinfo " $0 }' /proc/self/mountinfo
for l in /dev/disk/by-uuid/*; do
  [ -e "$l" ] || continue
  set -- $(stat -L -c '%t %T' "$l")
  echo "byuuid ${l##*/} $((0x$1)):$((0x$2)) $(readlink -f "$l")"
done
awk '!/^[ \t]*#/ && $2 == "/" { print "fstab " $0 }' /etc/fstab 2>/dev/null
if command -v ip >/dev/null; then
  ip -o link | sed 's/^/link /'
  ip -o addr | sed 's/^/addr /'
  ip route show table main | sed 's/^/route /'
  ip -6 route show table main 2>/dev/null | sed 's/^/route /'
else
  echo "note no ip(8) in the guest"
fi
for u in $(systemctl --failed --no-legend --plain 2>/dev/null | awk '{ print $1 }'); do
  echo "failed $u"
  journalctl -b -u "$u" -n 12 -o cat --no-pager 2>/dev/null | sed "s|^|journal $u |"
done
echo "FG2NG-VERIFY-END"
sleep 1
systemctl poweroff --no-block
EOF
  cat >"$WORKDIR/fg2ng-verify.service" <<'EOF'
# Written by fg2ng's tests/e2e/boot-vhd.sh into a scratch copy only.
[Unit]
Description=fg2ng boot check (tests/e2e/boot-vhd.sh)
After=network.target

[Service]
Type=simple
ExecStart=/usr/local/sbin/fg2ng-verify

[Install]
WantedBy=multi-user.target
EOF
  {
    for d in /usr /usr/local /usr/local/sbin /etc/systemd /etc/systemd/system \
             /etc/systemd/system/multi-user.target.wants; do
      if ! debugfs -R "stat $d" "$FS" 2>/dev/null | grep -q 'Type: directory'; then
        echo "mkdir $d"
      fi
    done
    echo "rm /usr/local/sbin/fg2ng-verify"
    echo "rm /etc/systemd/system/fg2ng-verify.service"
    echo "rm /etc/systemd/system/multi-user.target.wants/fg2ng-verify.service"
    echo "write $WORKDIR/fg2ng-verify /usr/local/sbin/fg2ng-verify"
    echo "sif /usr/local/sbin/fg2ng-verify mode 0100755"
    echo "write $WORKDIR/fg2ng-verify.service /etc/systemd/system/fg2ng-verify.service"
    echo "sif /etc/systemd/system/fg2ng-verify.service mode 0100644"
    for f in /usr/local/sbin/fg2ng-verify /etc/systemd/system/fg2ng-verify.service; do
      echo "sif $f uid 0"; echo "sif $f gid 0"
    done
    echo "symlink /etc/systemd/system/multi-user.target.wants/fg2ng-verify.service /etc/systemd/system/fg2ng-verify.service"
  } >"$WORKDIR/inject.debugfs"
  debugfs -w -f "$WORKDIR/inject.debugfs" "$FS" >"$WORKDIR/inject.log" 2>&1
  debugfs -R 'cat /usr/local/sbin/fg2ng-verify' "$FS" 2>/dev/null | cmp -s - "$WORKDIR/fg2ng-verify" \
    && debugfs -R 'stat /etc/systemd/system/multi-user.target.wants/fg2ng-verify.service' "$FS" 2>/dev/null | grep -q 'Type: symlink' \
    || { cat "$WORKDIR/inject.log"; fail "could not write the check into the scratch copy"; }
fi

# ------------------------------------------------------------- 5. qemu --
[ ${#MACS[@]} -ge 1 ] || MACS+=(52:54:00:12:34:56)
[ ${#MACS[@]} -ge 2 ] || MACS+=(52:54:00:12:34:57)
QARGS=(-accel tcg -m 1024 -smp "$SMP" -nodefaults -no-user-config -display none -vga none
       -no-reboot -monitor none
       -kernel "$KERNEL")
[ -n "$INITRD_PATH" ] && QARGS+=(-initrd "$INITRD")
APPEND="$ENTRY_ARGS${EXTRA_ARGS:+ $EXTRA_ARGS} console=ttyS0"
[ -z "$EXTRA_ARGS" ] || { say "warning: --extra-args '$EXTRA_ARGS' added: this is not what pygrub would boot"; fact "extra_args $EXTRA_ARGS"; }
QARGS+=(-append "$APPEND"
        -serial "file:$CONSOLE" -serial "file:$REPORT")
# NICs first, in fixed PCI slots: the first NIC is probed first (eth0).
slot=3 n=0
for m in "${MACS[@]}"; do
  QARGS+=(-netdev "user,id=net$n,restrict=on,ipv6=off"
          -device "virtio-net-pci,netdev=net$n,mac=$m,addr=$(printf '0x%x' $slot)")
  slot=$((slot + 1)) n=$((n + 1))
done
DRIVE="file=$RAW,format=raw,cache=unsafe"
# shellcheck disable=SC2054  # the commas are inside qemu option strings
case $BUS in
  virtio) QARGS+=(-drive "$DRIVE,if=none,id=disk0" -device "virtio-blk-pci,drive=disk0,addr=$(printf '0x%x' $slot)") ;;
  scsi)   QARGS+=(-device "virtio-scsi-pci,id=scsi0,addr=$(printf '0x%x' $slot)"
                  -drive "$DRIVE,if=none,id=disk0" -device scsi-hd,drive=disk0,bus=scsi0.0) ;;
  ide)    QARGS+=(-drive "$DRIVE,if=ide,index=0,media=disk") ;;
esac
fact "bus $BUS"
fact "macs ${MACS[*]}"
printf '%q ' "$QEMU" "${QARGS[@]}" >"$WORKDIR/qemu.cmd"; echo >>"$WORKDIR/qemu.cmd"
say "qemu: $(cat "$WORKDIR/qemu.cmd")"

: >"$CONSOLE"; : >"$REPORT"
t_qemu=$(date +%s%N)
"$QEMU" "${QARGS[@]}" </dev/null >"$WORKDIR/qemu.out" 2>"$WORKDIR/qemu.err" &
QEMU_PID=$!

strip() { sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' "$1"; }
elapsed() { echo $(( ($(date +%s%N) - t_qemu) / 1000000 )); }   # ms
secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }

MU_MS="" WHY=""
deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  if [ -z "$MU_MS" ] && strip "$CONSOLE" | grep -Eq 'Reached target.*Multi-User System|login: *$'; then
    MU_MS=$(elapsed)
    say "multi-user reached after $(secs "$MU_MS") s"
  fi
  if grep -q FG2NG-VERIFY-END "$REPORT" 2>/dev/null; then
    break
  fi
  if [ $INJECT = no ] && [ -n "$MU_MS" ]; then break; fi
  if ! kill -0 "$QEMU_PID" 2>/dev/null; then
    wait "$QEMU_PID"; WHY="qemu exited (status $?) before the guest reported: $(tail -3 "$WORKDIR/qemu.err" | tr '\n' ' ')"
    QEMU_PID=""
    break
  fi
  c=$(strip "$CONSOLE")
  if grep -q 'Kernel panic' <<<"$c"; then WHY="kernel panic"; break; fi
  if grep -Eq 'ALERT! .* does not exist|Gave up waiting for (root|suspend)' <<<"$c" \
     || grep -q '^(initramfs) ' <<<"$c"; then
    WHY="the initramfs did not find the root file system (root=$(root_of "$APPEND") on the $BUS bus)"; break
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    WHY="timeout: ${TIMEOUT}s"; break
  fi
  sleep 0.5
done
TOTAL_MS=$(elapsed)
if [ -n "$QEMU_PID" ]; then
  kill "$QEMU_PID" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; QEMU_PID=""
fi
fact "qemu_seconds $(secs "$TOTAL_MS")"
if [ -n "$MU_MS" ]; then fact "multi_user yes $(secs "$MU_MS")"; else fact "multi_user no"; fi

[ -z "$WHY" ] || fail "$WHY${MU_MS:+ (multi-user was reached)}"
[ -n "$MU_MS" ] || {
  # quiet guests print no systemd status; the report's state says it too
  if grep -Eq '^state (running|degraded)' "$REPORT"; then
    MU_MS=$TOTAL_MS; say "multi-user reached (the guest's own report; its console is quiet)"
    sed -i 's/^multi_user no$/multi_user yes (from the report)/' "$SUMMARY"
  else
    fail "the guest reported, but multi-user was not reached"
  fi
}
if [ $INJECT = no ]; then
  say "PASS (boot only: $(secs "$MU_MS") s to multi-user)"
  fact "result pass"
  RESULT=pass
  exit 0
fi

# ------------------------------------------------------------- 6. checks --
strip "$REPORT" | sed -n '/^FG2NG-VERIFY-BEGIN/,/^FG2NG-VERIFY-END/p' >"$WORKDIR/report.txt"
checks=$("$PY" - "$WORKDIR/report.txt" "$FS_UUID" "$FS_LABEL" "$ROOT_BY_UUID" \
                   "${#EXPECT_IPS[@]}" "${EXPECT_IPS[@]}" "${EXPECT_ROUTES[@]}" <<'PYEOF'
import re, sys
report, fs_uuid, fs_label, by_uuid, n_ips = sys.argv[1:6]
ips = sys.argv[6:6 + int(n_ips)]
routes = sys.argv[6 + int(n_ips):]
lines = open(report, errors="replace").read().split("\n")
def tagged(tag):
    return [l[len(tag) + 1:] for l in lines if l.startswith(tag + " ")]
out = []
def fact(*a): out.append(" ".join(a))
def check(ok, what, detail):
    out.append("check %s %s: %s" % ("PASS" if ok else "FAIL", what, detail))

state = (tagged("state") or ["unknown"])[0]
fact("state", state)
failed = [l.split()[0] for l in tagged("failed") if l.split()]
fact("failed_units", " ".join(failed) or "none")
cmdline = (tagged("cmdline") or [""])[0]
fact("guest_cmdline", cmdline)

# root: the last mount on "/" (mountinfo: id parent maj:min root mnt opts ... - type src sopts)
mi = tagged("mountinfo")
root = None
if mi:
    f = mi[-1].split()
    sep = f.index("-")
    root = {"dev": f[2], "opts": f[5], "type": f[sep + 1], "source": f[sep + 2]}
byuuid = {}
for l in tagged("byuuid"):
    u, mm, node = (l.split() + ["", "", ""])[:3]
    byuuid.setdefault(mm, []).append((u, node))
if root is None:
    check(False, "root mounted", "the guest reported no mount on /")
else:
    uuids = [u for u, _ in byuuid.get(root["dev"], [])]
    rw = "rw" if root["opts"].split(",")[0] == "rw" else "ro"
    fact("root_source", root["source"], root["dev"], root["type"], rw)
    fact("root_uuid", " ".join(uuids) or "unknown")
    ok = fs_uuid in uuids
    check(ok, "root mounted",
          "%s (%s, %s, %s), UUID %s %s the disk's file system %s"
          % (root["source"], root["dev"], root["type"], rw, ",".join(uuids) or "unknown",
             "is" if ok else "is NOT", fs_uuid))
    check(rw == "rw", "root read-write", "mounted %s" % rw)
fstab = [l.split()[0] for l in tagged("fstab") if l.split()]
fact("fstab_root", fstab[-1] if fstab else "none")
m = re.findall(r"(?:^| )root=(\S+)", cmdline)
root_arg = m[-1] if m else ""
if by_uuid == "yes":
    want = "UUID=" + fs_uuid
    check(root_arg.lower() == want.lower(), "kernel root= by UUID",
          "root=%s, want root=%s" % (root_arg or "(none)", want))
    okf = bool(fstab) and (fstab[-1].lower() == want.lower()
                           or (fs_label and fstab[-1] == "LABEL=" + fs_label))
    check(okf, "fstab / by UUID or LABEL",
          "/ is %s, want %s%s" % (fstab[-1] if fstab else "absent", want,
                                  " or LABEL=" + fs_label if fs_label else ""))

links = {}
for l in tagged("link"):
    m = re.match(r"\d+:\s+([^:@\s]+)(?:@\S+)?:.*?link/\S+\s+(\S+)", l)
    if m:
        links[m.group(1)] = m.group(2)
addrs = {}
for l in tagged("addr"):
    f = l.split()
    if len(f) >= 4 and f[2] in ("inet", "inet6"):
        addrs.setdefault(f[1], []).append(f[3])
fact("interfaces", " ".join("%s=%s" % (k, v) for k, v in links.items() if k != "lo") or "none")
for l in tagged("journal"):
    fact("journal", l)
for k in links:
    if k == "lo":
        continue
    fact("addresses", k, " ".join(addrs.get(k, [])) or "none")
rt = [re.sub(r"\s+", " ", l).strip() for l in tagged("route")]
for r in rt:
    fact("route", r)
for e in ips:
    iface, addr = e.split("=", 1)
    have = addrs.get(iface, [])
    ok = addr in have
    if ok:
        d = "%s carries %s" % (iface, addr)
    elif iface not in links:
        holders = [k for k, v in addrs.items() if addr in v]
        d = "%s does not exist (the guest has %s)%s" % (
            iface, ", ".join(links) or "no interface",
            "; %s carries %s" % (holders[0], addr) if holders else "")
    else:
        d = "%s has %s" % (iface, " ".join(have) or "no address")
    check(ok, "ip " + e, d)
for e in routes:
    want = re.sub(r"\s+", " ", e).strip()
    ok = any(r == want or r.startswith(want + " ") for r in rt)
    check(ok, "route " + want, "present" if ok else
          "absent (routes: %s)" % ("; ".join(rt) or "none"))
print("\n".join(out))
PYEOF
) || fail "could not parse the guest's report ($WORKDIR/report.txt)"
printf '%s\n' "$checks" >>"$SUMMARY"
while IFS= read -r l; do
  case $l in
    check\ *) say "${l#check }" ;;
    journal\ *) say "guest: $l" ;;
    state\ *|failed_units\ *|interfaces\ *|addresses\ *|route\ *|fstab_root\ *) say "guest: $l" ;;
  esac
done <<<"$checks"
t_end=$(date +%s%N)
say "times: $(secs "$MU_MS") s to multi-user, $(secs "$TOTAL_MS") s of qemu, $(secs $(( (t_end - t_start) / 1000000 ))) s in all"
if grep -q '^check FAIL' <<<"$checks"; then
  fail "$(grep -c '^check FAIL' <<<"$checks") check(s) failed: $(grep '^check FAIL' <<<"$checks" | sed 's/^check FAIL //; s/:.*//' | paste -sd, -)"
fi
say "PASS"
fact "result pass"
RESULT=pass
exit 0
