#!/usr/bin/env bash
# fg2ng batch, the issue's test matrix: a fleet of eight images (good,
# ineligible, corrupt), the batch killed with SIGKILL at several points
# (and one conversion killed on its own), then a rerun; afterwards every
# good job was done exactly once, every output is valid read back by
# other tools, the ineligible and corrupt ones are reported as such; and
# a manifest with every kind of mistake reported in one run.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

no_convert_running() { ! pgrep -f "convert.*$WORK/" >/dev/null; }

# ---- the fleet ------------------------------------------------------------
# tree DIR: a Debian 6 root with a kernel and its Xen drivers (eligible).
tree() {
  local d=$1 k=lib/modules/2.6.32-5-amd64/kernel/drivers
  mkdir -p "$d/image/etc" "$d/image/boot/grub" "$d/image/$k/block" "$d/image/$k/net"
  echo 6.0.10 > "$d/image/etc/debian_version"
  printf '/dev/sda1 / ext3 defaults 0 1\n' > "$d/image/etc/fstab"
  printf 'default 0\ntimeout 5\ntitle Debian\nroot (hd0,0)\nkernel /boot/vmlinuz-2.6.32-5-amd64 root=/dev/sda1 ro\n' > "$d/image/boot/grub/menu.lst"
  echo kernel > "$d/image/boot/vmlinuz-2.6.32-5-amd64"
  echo m > "$d/image/$k/block/xen-blkfront.ko"
  echo m > "$d/image/$k/net/xen-netfront.ko"
  head -c 200000 /dev/urandom > "$d/image/etc/blob"
}
tree quick && tar -C quick -czf quick.tar.gz image
# Slow ones: many small files (60 000: 25 000 converted in under a second
# on a quiet machine), seconds to convert, to be cut off midway.
tree slow
python3 - <<'PY'
import os
for d in range(60):
    os.makedirs("slow/image/usr/d%d" % d)
    for f in range(1000):
        with open("slow/image/usr/d%d/f%d" % (d, f), "w") as fh:
            fh.write("%d %d\n" % (d, f))
PY
tar -C slow -czf slow.tar.gz image
# Ineligible: Gentoo without a kernel of its own; a kernel without xen-blkfront.
mkdir -p gentoo/image/etc && echo "Gentoo Base System release 2.1" > gentoo/image/etc/gentoo-release
tar -C gentoo -czf gentoo.tar.gz image
tree nox && rm nox/image/lib/modules/2.6.32-5-amd64/kernel/drivers/block/xen-blkfront.ko
tar -C nox -czf nox.tar.gz image
# Corrupt: a download cut short; bytes that are not gzip at all.
head -c 150000 slow.tar.gz > cut.tar.gz
# (gzip's magic, then noise: random bytes alone would be a raw disk)
head -c 50000 /dev/urandom > junk.tar.gz
printf '\x1f\x8b' | dd of=junk.tar.gz conv=notrunc status=none

mkdir -p out
cat > fleet.json <<'EOF'
{ "version": 1,
  "defaults": { "mode": "image", "headroom": 20, "initramfs": "keep" },
  "jobs": [
    { "id": "slow-a", "source": "slow.tar.gz", "output": "out/slow-a.vhd" },
    { "id": "gentoo", "source": "gentoo.tar.gz", "output": "out/gentoo.vhd" },
    { "id": "cut", "source": "cut.tar.gz", "output": "out/cut.vhd" },
    { "id": "slow-b", "source": "slow.tar.gz", "output": "out/slow-b.tgz",
      "flavor": "2" },
    { "id": "nox", "source": "nox.tar.gz", "output": "out/nox.vhd" },
    { "id": "junk", "source": "junk.tar.gz", "output": "out/junk.vhd" },
    { "id": "slow-c", "source": "slow.tar.gz", "output": "out/slow-c.vhd",
      "options": { "fs_type": "ext3", "headroom": 50 } },
    { "id": "quick", "source": "quick.tar.gz", "output": "out/quick.vhd",
      "options": { "format": "vhd-fixed" } }
  ] }
EOF
GOOD="slow-a slow-b slow-c quick"
# (slow-b names its flavor by id: "2" is the 512 MB first-gen flavor.)

# outputs_valid [fs]: every output under its final name is whole and
# readable by tools fg2ng did not write (never a half-written one), and no
# temporary file is left; with "fs", e2fsck reads each file system too.
outputs_valid() {
  local f deep=${1:-}
  no_leftovers out
  [ -z "$(ls -A out | grep "^\.")" ] || { echo "hidden files left: $(ls -A out)"; return 1; }
  for f in out/*; do
    [ -e "$f" ] || continue
    case $f in
      *.vhd)
        # (-f vpc: a fixed VHD has no header qemu would probe)
        qemu-img info -f vpc --output=json "$f" | grep -q '"virtual-size"' ||
          { echo "qemu-img cannot read $f as a VHD"; return 1; }
        if [ "$f" = out/quick.vhd ]; then
          [ ! -f "$VHDCHECK" ] || python3 "$VHDCHECK" -q "$f"
        else
          xen_ok "$f"
        fi
        [ -z "$deep" ] || fs_ok "$f" vpc ;;
      *.tgz)
        rm -rf x && mkdir x && tar -C x -xzf "$f"
        [ -f x/0.vhd ] || { echo "$f holds no 0.vhd"; return 1; }
        xen_ok x/0.vhd
        [ -z "$deep" ] || fs_ok x/0.vhd vpc ;;
      *.json) python3 -m json.tool "$f" >/dev/null ;;
      *) echo "unexpected output $f"; return 1 ;;
    esac
  done
}

# fs_ok DISK FORMAT: the partition at 1 MiB holds a clean ext4 file system
# with every file of the image.
fs_ok() {
  rm -f fs.raw part.raw
  qemu-img convert -q -f "$2" -O raw "$1" fs.raw
  dd if=fs.raw of=part.raw bs=1M skip=1 conv=sparse status=none
  e2fsck -fn part.raw >/dev/null 2>&1 || { e2fsck -fn part.raw | tail -5; echo "e2fsck rejects $1"; return 1; }
  debugfs -R "ls -l /usr/d24" part.raw 2>/dev/null | grep -q " f999" || {
    case $1 in *quick*) ;; *) echo "files missing in $1"; return 1 ;; esac; }
  rm -f fs.raw part.raw
}

state=fleet.state.sqlite
done_count() { q $state "SELECT count(*) FROM jobs WHERE state IN ('done','failed')"; }
# mid_slow N: N jobs finished (done or failed), and a slow conversion
# has been running for a second: a wide window in the middle of one.
mid_slow() {
  [ "$(done_count)" -ge "$1" ] &&
  [ "$(q $state "SELECT count(*) FROM jobs WHERE key LIKE 'slow-%' AND state = 'running' AND started_at < (julianday('now') - 2440587.5) * 86400 - 1")" -ge 1 ]
}

# kill_at N: start the batch, kill -9 it once mid_slow N holds (N = -1:
# 0.2 s after it started, while it opens the store and claims), and check
# what it left.
kill_at() {
  "$FG2NG" batch fleet.json -j 2 --progress json >>kills.out 2>>kills.err &
  local pid=$!
  if [ "$1" -lt 0 ]; then
    sleep 0.2
  else
    wait_until 300 mid_slow "$1" || { kill $pid; return 1; }
  fi
  kill -9 $pid || { echo "the batch ended before the kill point $1"; return 1; }
  wait $pid || true
  wait_until 30 no_convert_running
  outputs_valid
  # (killed early, the batch may not have made its store yet; a query
  # would create an empty one)
  [ -e $state ] || { echo "measured: killed before the job store existed"; return 0; }
  [ "$(q $state "PRAGMA integrity_check")" = ok ] || { echo "the job store is damaged"; return 1; }
  echo "measured: killed with $(done_count) of 8 finished, $(q $state "SELECT count(*) FROM jobs WHERE state = 'running'") running"
}

test_ok "kill -9 at four points, a conversion killed on its own, a rerun: every good job done exactly once" '
  kill_at -1
  kill_at 0
  kill_at 2
  kill_at 4
  # the finished jobs were never redone by the next run
  [ "$(q $state "SELECT count(*) FROM events WHERE state = '"'"'done'"'"' GROUP BY job HAVING count(*) > 1")" = "" ]
  # The last run: one conversion is killed on its own (it is retried).
  "$FG2NG" batch fleet.json -j 2 --progress json >final.out 2>final.err &
  pid=$!
  kid="" victim=""
  for i in $(seq 600); do
    kid=$(pgrep -P $pid -f "convert" | head -1)
    if [ -n "$kid" ]; then break; fi
    sleep 0.1
  done
  if [ -n "$kid" ]; then
    victim=$(tr "\0" "\n" < /proc/$kid/cmdline | sed -n "s#^$WORK/out/\(.*\)\.[a-z]*\$#\1#p")
    kill -9 $kid || victim=""
  fi
  rc=0; wait $pid || rc=$?
  [ "$rc" -eq 1 ] || { echo "final run exit $rc"; tail final.err; exit 1; }
  grep -q "8 jobs: 4 done, 2 ineligible, 2 failed, 0 pending, 0 running" final.out
  if [ -n "$victim" ] && grep -q "\"event\":\"start\",\"id\":\"$victim\".*\"run\":[0-9]" final.err; then
    echo "measured: conversion of $victim killed on its own, retried"
    grep -q "\"event\":\"retry\",\"id\":\"$victim\".*signal 9" final.err ||
      grep -q "\"event\":\"done\",\"id\":\"$victim\"" final.err
  fi
  # exactly once: one done event per good job, never more
  for j in $GOOD; do
    [ "$(q $state "SELECT count(*) FROM events e JOIN jobs j ON e.job = j.id WHERE j.key = '"'"'$j'"'"' AND e.state = '"'"'done'"'"'")" = 1 ] || { echo "$j not done exactly once"; exit 1; }
  done
  [ "$(q $state "SELECT count(*) FROM events WHERE state = '"'"'done'"'"'")" = 4 ]
  # the ineligible and the corrupt ones end failed once, not retried
  for j in gentoo nox cut junk; do
    [ "$(q $state "SELECT count(*) FROM events e JOIN jobs j ON e.job = j.id WHERE j.key = '"'"'$j'"'"' AND e.state = '"'"'failed'"'"'")" = 1 ] || { echo "$j not failed exactly once"; exit 1; }
  done
  echo "measured: runs per job: $(q $state "SELECT group_concat(key || '"'"'='"'"' || runs, '"'"' '"'"') FROM jobs")"
  echo "measured: recovered after kill -9: $(q $state "SELECT count(*) FROM events WHERE note LIKE '"'"'recovered:%'"'"'")"
  [ "$(q $state "SELECT count(*) FROM events WHERE note LIKE '"'"'recovered:%'"'"'")" -ge 3 ]
  outputs_valid fs
  for j in $GOOD; do ls out/$j.* >/dev/null; done
  absent out/gentoo.vhd out/nox.vhd out/cut.vhd out/junk.vhd'

test_ok "the summary reports each verdict: done, ineligible (the rule), failed (the error)" '
  python3 - "$FG_TOP/doc/batch-summary.schema.json" <<PY
import json, sys, jsonschema
s = json.load(open("fleet.summary.json"))
jsonschema.validate(s, json.load(open(sys.argv[1])))
j = {x["id"]: x for x in s["jobs"]}
assert (s["done"], s["ineligible"], s["failed"], s["pending"], s["running"]) == (4, 2, 2, 0, 0), s
for k in ("slow-a", "slow-b", "slow-c", "quick"):
    assert j[k]["outcome"] == "done" and j[k]["output_bytes"] > 0, j[k]
rules = lambda k: {v["rule"] for v in j[k]["verdicts"]}
assert j["gentoo"]["outcome"] == "ineligible" and "kernel.present" in rules("gentoo"), j["gentoo"]
assert j["nox"]["outcome"] == "ineligible" and rules("nox") == {"kernel.xen-drivers"}, j["nox"]
for k in ("cut", "junk"):
    assert j[k]["outcome"] == "failed" and j[k]["error"]["kind"] == "input", j[k]
    assert "$WORK/" + k + ".tar.gz" in j[k]["error"]["message"], j[k]
assert "gzip stream ends in the middle" in j["cut"]["error"]["message"]
# every run of the job is in its log, the killed ones without a footer
for k, x in j.items():
    log = open(x["log"]).read()
    assert 1 <= log.count("==== fg2ng batch: job") <= x["runs"], (k, x["runs"])
    assert log.rstrip().splitlines()[-1].startswith("==== " + ("done" if x["outcome"] == "done" else x["outcome"])), (k, log[-300:])
PY'

test_ok "a rerun after the end converts nothing and exits 1 (some ineligible)" '
  for f in out/*; do stat -c "%i %Y %n" "$f"; done > before.txt
  expect_exit 1 "$FG2NG" batch fleet.json -j 2 --progress json
  lacks "$WORK/last.err" "\"event\":\"start\""
  for f in out/*; do stat -c "%i %Y %n" "$f"; done > after.txt
  cmp before.txt after.txt'

test_ok "a manifest with every kind of mistake: each one reported, in one run, nothing started" '
  cat > bad.json <<EOF
{ "version": 1, "colour": "blue",
  "defaults": { "mode": "self-service", "speed": 11 },
  "jobs": [
    { "id": "a", "source": "quick.tar.gz", "output": "out2/a.vhd", "size": 1 },
    { "id": "a", "source": "quick.tar.gz", "output": "out2/a2.vhd" },
    { "id": "b", "source": "quick.tar.gz", "output": "out2/a.vhd" },
    { "id": "c", "source": "gone.tar.gz", "output": "out2/c.vhd" },
    { "id": "d", "source": "quick.tar.gz", "output": "out2/d.vhd", "mode": "teleport" },
    { "id": "e", "source": "quick.tar.gz", "output": "out2/e.vhd",
      "server_record": "records/e.json" },
    { "id": "f", "source": "quick.tar.gz", "output": "out2/f.vhd",
      "options": { "turbo": true } }
  ] }
EOF
  mkdir -p out2
  expect_exit 2 "$FG2NG" batch bad.json
  err_has "'"'"'bad.json'"'"': unknown key '"'"'colour'"'"'"
  err_has "defaults: unknown option '"'"'speed'"'"'"
  err_has "jobs[0] (a): unknown key '"'"'size'"'"'"
  err_has "jobs[1] (a): duplicate id: jobs[0] has it too"
  err_has "jobs[2] (b): '"'"'output'"'"' '"'"'out2/a.vhd'"'"' is also jobs[0] (a)'"'"'s output"
  err_has "jobs[3] (c): '"'"'source'"'"' '"'"'$WORK/gone.tar.gz'"'"': No such file or directory"
  err_has "jobs[4] (d): '"'"'mode'"'"' is '"'"'teleport'"'"', not one of self-service,assisted,image"
  err_has "jobs[5] (e): '"'"'server_record'"'"' '"'"'$WORK/records/e.json'"'"': No such file or directory"
  err_has "jobs[6] (f): unknown option '"'"'turbo'"'"'"
  err_has "9 problems (listed above); nothing was started"
  [ "$(grep -c "^fg2ng batch: " "$WORK/last.err")" = 9 ]
  absent bad.state.sqlite bad.summary.json bad.logs
  [ -z "$(ls out2)" ]'

done_testing
