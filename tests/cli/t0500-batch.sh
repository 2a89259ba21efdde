#!/usr/bin/env bash
# fg2ng batch: a manifest validated whole, N conversions at once in child
# processes, the durable job store, SIGTERM and kill -9 in the middle and
# a rerun that redoes only what was cut off, the summary, dry run, shards.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

# no_convert_running PATTERN: no 'fg2ng convert' naming PATTERN is alive.
no_convert_running() { ! pgrep -f "convert.*$1" >/dev/null; }

# ino_mtime FILE: its inode and mtime, to show a file was not rewritten.
ino_mtime() { stat -c '%i %Y.%y' "$1"; }

# ---- sources ---------------------------------------------------------
make_raw disk1.raw 9
make_raw disk2.raw 5
make_block_image disk1.raw web01 300000

# A tiny first-gen Debian 6 file-level image, as in t0210.
mkdir -p t/image/etc t/image/boot/grub
echo 6.0.10 > t/image/etc/debian_version
printf '/dev/sda1 / ext3 defaults 0 1\n' > t/image/etc/fstab
printf 'default 0\ntimeout 5\ntitle Debian\nroot (hd0,0)\nkernel /boot/vmlinuz-2.6.32-5-amd64 root=/dev/sda1 ro\n' > t/image/boot/grub/menu.lst
echo kernel > t/image/boot/vmlinuz-2.6.32-5-amd64
head -c 400000 /dev/urandom > t/image/etc/blob
tar -C t -czf deb6.tar.gz image
# The same, cut short: a corrupt download.
head -c 200000 deb6.tar.gz > corrupt.tar.gz

# A file-level image with 30000 small files: a conversion that takes a
# few seconds, long enough to be interrupted in the middle.
# 90 folders: conversions of a few seconds, so the tests that interrupt
# one see it running however busy the machine is.
slow_image slow.tar.gz 90

# The raw disks (and web01, a block-level image of one) are random bytes,
# not servers: convert refuses them ("not a disk image", "no operating
# system found") unless told --no-check, as for data recovery.  Their jobs
# say "no_check"; the Debian images keep every check.
mkdir -p out
cat > fleet.json <<'EOF'
{
  "version": 1,
  "defaults": { "os_version": "6", "headroom": 30 },
  "jobs": [
    { "id": "web01", "source": "web01.tar.gz.0", "output": "out/web01.tgz",
      "options": { "no_check": true } },
    { "id": "web02", "source": "disk2.raw", "output": "out/web02.vhd",
      "options": { "no_check": true } },
    { "id": "deb6", "source": "deb6.tar.gz", "output": "out/deb6.vhd",
      "options": { "disk_size": "64M" } },
    { "id": "deb6-nofix", "source": "deb6.tar.gz", "output": "out/deb6-nofix.tgz",
      "options": { "no_fixups": true } },
    { "id": "corrupt", "source": "corrupt.tar.gz", "output": "out/corrupt.vhd" },
    { "id": "disk1", "source": "disk1.raw", "output": "out/disk1.tgz",
      "options": { "name": "disk-one", "vm_mode": "hvm", "no_check": true } }
  ]
}
EOF

test_ok "the manifests match doc/manifest.schema.json" '
  python3 -c "import jsonschema" 2>/dev/null || { echo "no python3-jsonschema"; exit 0; }
  python3 - "$FG_TOP/doc/manifest.schema.json" fleet.json <<PY
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.validate(json.load(open(sys.argv[2])), schema)
bad = {"jobs": [{"id": "x", "source": "s", "output": "o", "options": {"format": "qcow9"}}]}
try:
    jsonschema.validate(bad, schema)
    raise SystemExit("the schema accepts a bad format")
except jsonschema.ValidationError:
    pass
PY'

test_ok "a bad manifest: every problem listed with index, id and key; nothing starts" '
  cat > bad.json <<EOF
{ "jobs": [
    { "id": "a", "source": "disk1.raw", "output": "out/x.vhd", "colour": "red" },
    { "id": "a", "source": "disk2.raw", "output": "out/y.vhd" },
    { "id": "b", "source": "disk2.raw", "output": "out/x.vhd" },
    { "id": "c", "source": "nowhere.raw", "output": "out/c.vhd" },
    { "id": "d", "source": "disk1.raw", "output": "out/d.vhd", "mode": "fast",
      "options": { "format": "qcow9", "flavor": "1GB", "turbo": true } },
    { "source": "disk1.raw", "output": "out/e.vhd" },
    { "id": "f", "source": "disk1.raw", "output": "no-such-dir/f.vhd" },
    { "id": "g", "source": "disk1.raw", "output": "out/g.vhd",
      "options": { "disk_size": "lots", "no_check": "yes" } }
  ],
  "extra": 1 }
EOF
  expect_exit 2 "$FG2NG" batch bad.json --state bad.sqlite
  err_has "'"'"'bad.json'"'"': unknown key '"'"'extra'"'"'"
  err_has "jobs[0] (a): unknown key '"'"'colour'"'"'"
  err_has "jobs[1] (a): duplicate id: jobs[0] has it too"
  err_has "jobs[2] (b): '"'"'output'"'"' '"'"'out/x.vhd'"'"' is also jobs[0] (a)"
  err_has "jobs[4] (d): '"'"'options.format'"'"' is '"'"'qcow9'"'"'"
  err_has "jobs[4] (d): '"'"'mode'"'"' is '"'"'fast'"'"', not one of self-service,assisted,image"
  err_has "jobs[4] (d): unknown option '"'"'turbo'"'"'"
  err_has "jobs[5]: missing '"'"'id'"'"'"
  err_has "jobs[7] (g): '"'"'options.disk_size'"'"' must be a size"
  err_has "jobs[7] (g): '"'"'options.no_check'"'"' must be true or false"
  # The files of the well-formed jobs are checked in the same run.
  err_has "jobs[3] (c): '"'"'source'"'"' '"'"'$WORK/nowhere.raw'"'"': No such file"
  # An output folder that does not exist yet is made when the job starts.
  lacks "$WORK/last.err" "jobs[6]"
  err_has "problems (listed above); nothing was started"
  # The hint names the manifest, not the schema.
  err_has "hint: fix what the lines above name in '"'"'bad.json'"'"'"
  absent bad.sqlite no-such-dir
  # With --strict, a problem of one job alone stops everything too.
  cat > bad2.json <<EOF
{ "jobs": [
    { "id": "c", "source": "nowhere.raw", "output": "out/c.vhd" },
    { "id": "f", "source": "disk1.raw", "output": "no-such-dir/f.vhd" },
    { "id": "p", "source": "web01.tar.gz", "output": "out/p.vhd" } ] }
EOF
  expect_exit 2 "$FG2NG" batch bad2.json --state bad.sqlite --strict
  err_has "jobs[0] (c): '"'"'source'"'"' '"'"'$WORK/nowhere.raw'"'"': No such file"
  lacks "$WORK/last.err" "jobs[1]"
  lacks "$WORK/last.err" "jobs[2]"     # NAME for NAME.0 is a source
  err_has "'"'"'bad2.json'"'"': 1 problem (listed above); nothing was started"
  err_has "hint: fix these jobs in '"'"'bad2.json'"'"'"
  err_has "or run without --strict"
  absent bad.sqlite no-such-dir
  echo "{ \"jobs\": [ " > notjson.json
  expect_exit 2 "$FG2NG" batch notjson.json
  err_has "notjson.json'"'"': line 2"
  expect_exit 2 "$FG2NG" batch missing.json
  err_has "missing.json"
  expect_exit 2 "$FG2NG" batch fleet.json -j 0
  expect_exit 2 "$FG2NG" batch fleet.json --shard 4/3
  [ -z "$(ls out)" ]'

test_ok "the job store path is validated" '
  mkdir -p sdir
  expect_exit 2 "$FG2NG" batch fleet.json --state sdir
  err_has "'"'"'sdir'"'"': is a folder, not a job store"
  err_has "hint:"
  expect_exit 2 "$FG2NG" batch fleet.json --state fleet.json
  err_has "'"'"'fleet.json'"'"': "
  err_has "not a usable fg2ng job store"
  expect_exit 2 "$FG2NG" batch fleet.json --state nodir/s.sqlite
  err_has "the folder '"'"'nodir'"'"' does not exist"
  [ -z "$(ls out)" ]'

test_ok "--dry-run prints each job and its command, writes nothing" '
  expect_exit 0 "$FG2NG" batch --dry-run fleet.json
  out_has "6 of 6 jobs would run"
  grep -q "^deb6 .* new .*convert --json --progress json --headroom 30 --disk-size 64M --os-version 6 -o $WORK/out/deb6.vhd -- $WORK/deb6.tar.gz" "$WORK/last.out"
  # no_check is --no-check for the random disks, and only for them
  grep -q "^web02 .* new .*convert --json --progress json --headroom 30 --no-check --os-version 6 -o $WORK/out/web02.vhd -- $WORK/disk2.raw" "$WORK/last.out"
  grep -q "^disk1 .* --no-check .*-- $WORK/disk1.raw" "$WORK/last.out"
  [ "$(grep -c -- " --no-check " "$WORK/last.out")" = 3 ]
  [ ! -e fleet.state.sqlite ]
  [ -z "$(ls out)" ]'

test_ok "without no_check a random disk is refused by the checks of convert: failed, input, nothing written" '
  mkdir -p nc
  cat > nc/m.json <<EOF
{ "jobs": [ { "id": "raw", "source": "../disk2.raw", "output": "raw.vhd" } ] }
EOF
  expect_exit 1 "$FG2NG" batch nc/m.json --json
  python3 - "$WORK/last.out" <<PY
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
assert (j["state"], j["runs"], j["error"]["kind"]) == ("failed", 1, "input"), j
assert "disk2.raw" in j["error"]["message"] and "not a disk image" in j["error"]["message"], j
assert "--no-check" in j["error"]["hint"], j
PY
  grep "^==== command: " nc/m.logs/raw.log > nc/command.txt
  grep -q "convert .* -- $WORK/nc/../disk2.raw\$" nc/command.txt
  lacks nc/command.txt "--no-check"
  absent nc/raw.vhd
  no_leftovers nc'

test_ok "six jobs at -j 2: five done, the corrupt one failed with its message" '
  expect_exit 1 "$FG2NG" batch fleet.json -j 2 --json
  cp "$WORK/last.out" summary.json
  cp "$WORK/last.err" progress.txt
  python3 - <<PY
import json
s = json.load(open("summary.json"))
assert (s["done"], s["failed"], s["pending"], s["running"], s["total"]) == (5, 1, 0, 0, 6), s
jobs = {j["id"]: j for j in s["jobs"]}
assert len(jobs) == 6
for k, j in jobs.items():
    assert j["runs"] == 1, j
    if k == "corrupt":
        assert j["state"] == "failed" and j["attempts"] == 1, j
        assert j["error"]["kind"] == "input", j
        assert "corrupt.tar.gz" in j["error"]["message"], j
        assert "gzip stream ends in the middle" in j["error"]["message"], j
        assert j["error"]["hint"], j
    else:
        assert j["state"] == "done" and j["error"] is None, j
        assert j["result"]["output"] == j["output"], j
        assert j["seconds"] >= 0
assert jobs["deb6"]["result"]["filesystem"]["type"] == "ext4"
assert jobs["deb6"]["result"]["fixups"]["changes"]
assert jobs["deb6-nofix"]["result"]["fixups"]["changes"] == []
assert jobs["web01"]["result"]["format"] == "bundle"
PY
  # stderr is not a terminal: JSON lines, one per event
  python3 - <<PY
import json
ev = [json.loads(l) for l in open("progress.txt") if l.startswith("{")]
starts = [e["id"] for e in ev if e["event"] == "start"]
assert sorted(starts) == sorted(["web01", "web02", "deb6", "deb6-nofix", "corrupt", "disk1"]), starts
fails = [e for e in ev if e["event"] == "failed"]
assert [e["id"] for e in fails] == ["corrupt"] and fails[0]["error"]["kind"] == "input", fails
assert len([e for e in ev if e["event"] == "done"]) == 5
assert all(e["time"].endswith("Z") for e in ev if "time" in e)
end = ev[-1]
assert end["event"] == "end" and (end["done"], end["failed"], end["total"]) == (5, 1, 6), end
PY
  # The outputs, read back by tools fg2ng did not write.
  for v in web02 deb6; do
    qemu-img info --output=json out/$v.vhd | grep -q "\"format\": \"vpc\""
    xen_ok out/$v.vhd
  done
  qemu-img compare -q -f raw -F vpc disk2.raw out/web02.vhd
  vsize=$(qemu-img info --output=json out/deb6.vhd | sed -n "s/.*\"virtual-size\": \([0-9]*\).*/\1/p")
  [ "$vsize" -ge $((64 * 1048576)) ]
  for b in web01 disk1 deb6-nofix; do
    mkdir -p x-$b && tar -C x-$b -xzf out/$b.tgz
    xen_ok x-$b/0.vhd
  done
  qemu-img compare -q -f raw -F vpc disk1.raw x-web01/0.vhd
  qemu-img compare -q -f raw -F vpc disk1.raw x-disk1/0.vhd
  grep -q "\"vm_mode\": \"hvm\"" out/disk1.json
  grep -q "\"name\": \"disk-one\"" out/disk1.json
  [ ! -e out/corrupt.vhd ]
  no_leftovers out
  [ -z "$(ls -A out | grep "^\.")" ]'

test_ok "a rerun of the same manifest converts nothing again" '
  for f in out/*; do ino_mtime "$f"; done > before.txt
  expect_exit 1 "$FG2NG" batch fleet.json -j 2
  lacks "$WORK/last.err" "\"event\":\"start\""
  out_has "6 jobs: 5 done, 0 ineligible, 1 failed, 0 pending, 0 running"
  grep -q "^corrupt  *failed .*input: .*gzip stream ends" "$WORK/last.out"
  for f in out/*; do ino_mtime "$f"; done > after.txt
  cmp before.txt after.txt
  # exactly one run each, in the history too
  [ "$(q fleet.state.sqlite "SELECT count(*) FROM jobs")" = 6 ]
  [ "$(q fleet.state.sqlite "SELECT count(*) FROM events WHERE state = '"'"'running'"'"'")" = 6 ]
  [ "$(q fleet.state.sqlite "SELECT count(*) FROM events WHERE note = '"'"'added'"'"'")" = 6 ]
  expect_exit 1 "$FG2NG" batch fleet.json --status
  out_has "5 done, 0 ineligible, 1 failed"
  # --retry-failed tries the failed one again (it fails again: not retried further)
  expect_exit 1 "$FG2NG" batch fleet.json --retry-failed --progress json
  grep -q "\"event\":\"failed\",\"id\":\"corrupt\"" "$WORK/last.err"
  [ "$(grep -c "\"event\":\"start\"" "$WORK/last.err")" -eq 1 ]
  for f in out/*; do ino_mtime "$f"; done > after2.txt
  cmp before.txt after2.txt
  [ "$(q fleet.state.sqlite "PRAGMA integrity_check")" = ok ]
  [ "$(q fleet.state.sqlite "PRAGMA journal_mode")" = wal ]'

test_ok "a job changed under the same id is refused, not silently skipped" '
  sed "s/\"64M\"/\"128M\"/" fleet.json > changed.json
  expect_exit 2 "$FG2NG" batch changed.json --state fleet.state.sqlite
  err_has "job '"'"'deb6'"'"' is already in the store with a different set of options"
  err_has "hint: give the changed job a new id"'

# The interruption tests: two slow jobs and two quick ones at -j 2.
mkdir -p r1 r2
for r in r1 r2; do
  mkdir -p $r/out
  cat > $r/m.json <<EOF
{ "jobs": [
    { "id": "quick1", "source": "../disk2.raw", "output": "out/quick1.vhd",
      "options": { "no_check": true } },
    { "id": "slow1", "source": "../slow.tar.gz", "output": "out/slow1.tgz" },
    { "id": "slow2", "source": "../slow.tar.gz", "output": "out/slow2.tgz" },
    { "id": "quick2", "source": "../deb6.tar.gz", "output": "out/quick2.tgz" } ] }
EOF
done
# Both slow jobs claimed (the batch records running before it forks)
# and both conversions forked: the batch's only two children.
running_slow() {
  [ "$(q "$1" "SELECT count(*) FROM jobs WHERE key LIKE 'slow%' AND state = 'running'")" = 2 ] &&
  [ "$(pgrep -c -P "$2")" = 2 ]
}

test_ok "SIGTERM: the running conversions stop, stay pending; exit 143; a rerun finishes" '
  cd r1
  "$FG2NG" batch m.json -j 2 >term.out 2>term.err &
  pid=$!
  wait_until 60 running_slow m.state.sqlite $pid || { kill $pid; exit 1; }
  kill -TERM $pid
  rc=0; wait $pid || rc=$?
  [ "$rc" -eq 143 ] || { echo "exit $rc"; cat term.err; exit 1; }
  grep -q "\"event\":\"interrupted\",\"id\":\"slow1\"" term.err
  grep -q "\"event\":\"interrupted\",\"id\":\"slow2\"" term.err
  [ "$(q m.state.sqlite "SELECT state FROM jobs WHERE key LIKE '"'"'slow%'"'"'")" = "pending
pending" ]
  grep -q "^slow1  *pending" term.out
  no_convert_running "$WORK/r1/"
  absent out/slow1.tgz out/slow2.tgz
  no_leftovers out
  [ -z "$(ls -A out | grep "^\.")" ]
  expect_exit 0 "$FG2NG" batch m.json -j 2
  out_has "4 jobs: 4 done, 0 ineligible, 0 failed"
  for b in slow1 slow2 quick2; do tar -tzf out/$b.tgz | grep -qx 0.vhd; done
  [ "$(q m.state.sqlite "SELECT group_concat(state) FROM (SELECT state FROM events WHERE job = 2 ORDER BY seq)")" = "pending,running,pending,running,done" ]'

test_ok "kill -9 mid-batch: the rerun redoes only the cut-off jobs, each done exactly once" '
  cd r2
  "$FG2NG" batch m.json -j 2 >k.out 2>k.err &
  pid=$!
  wait_until 60 running_slow m.state.sqlite $pid || { kill $pid; exit 1; }
  kill -9 $pid
  wait $pid || true
  # The kernel tells the conversions their batch died (SIGTERM): they
  # remove their temporary files and stop.
  wait_until 30 no_convert_running "$WORK/r2/"
  no_leftovers out
  [ -z "$(ls -A out | grep "^\.")" ]
  absent out/slow1.tgz out/slow2.tgz
  [ "$(q m.state.sqlite "SELECT count(*) FROM jobs WHERE state = '"'"'running'"'"'")" = 2 ]
  [ "$(q m.state.sqlite "PRAGMA integrity_check")" = ok ]
  done_before=$(q m.state.sqlite "SELECT key FROM jobs WHERE state = '"'"'done'"'"'")
  # What a conversion killed outright (not told by SIGTERM) would leave:
  # the rerun of that job removes it.
  touch out/.slow1.tgz.Ab12Cd.part out/.slow1.tgz.0.vhd.99999 \
        out/..slow1.tgz.0.vhd.99999.Xy34Zw.part out/.slow1.json.Qq56Rr.part
  for k in $done_before; do ino_mtime out/$k.*; done > before.txt
  expect_exit 0 "$FG2NG" batch m.json -j 2
  out_has "4 jobs: 4 done, 0 ineligible, 0 failed, 0 pending, 0 running"
  err_has "2 jobs cut off by an earlier run will be redone"
  # off a terminal, the warnings of the batch are events among the others
  grep -q "^{\"event\":\"warning\",\"message\":\"removed '"'"'$WORK/r2/out/" "$WORK/last.err"
  err_has "removed '"'"'$WORK/r2/out/.slow1.tgz.0.vhd.99999'"'"', left by an interrupted run"
  for k in $done_before; do ino_mtime out/$k.*; done > after.txt
  cmp before.txt after.txt
  for k in $done_before; do lacks "$WORK/last.err" "\"event\":\"start\",\"id\":\"$k\""; done
  # Each job done exactly once; the cut-off ones ran twice, recovered once.
  [ "$(q m.state.sqlite "SELECT count(*) FROM events WHERE state = '"'"'done'"'"' GROUP BY job HAVING count(*) != 1")" = "" ]
  [ "$(q m.state.sqlite "SELECT count(*) FROM events WHERE state = '"'"'done'"'"'")" = 4 ]
  [ "$(q m.state.sqlite "SELECT group_concat(key) FROM jobs WHERE runs = 2")" = "slow1,slow2" ]
  [ "$(q m.state.sqlite "SELECT count(*) FROM events WHERE note LIKE '"'"'recovered:%'"'"'")" = 2 ]
  [ "$(q m.state.sqlite "PRAGMA integrity_check")" = ok ]
  for b in slow1 slow2 quick2; do
    rm -rf x && mkdir x && tar -C x -xzf out/$b.tgz && xen_ok x/0.vhd
  done
  xen_ok out/quick1.vhd
  no_leftovers out
  [ -z "$(ls -A out | grep "^\.")" ]'

mkdir -p r3/out
cat > r3/m.json <<EOF
{ "jobs": [ { "id": "slow", "source": "../slow.tar.gz", "output": "out/slow.tgz" } ] }
EOF
# The batch claims a job (state running) before it forks the conversion,
# so a child of the batch is the conversion, recorded as running.
convert_child() { pgrep -P "$1" >/dev/null; }

test_ok "a conversion killed by a signal is retried, and done once" '
  cd r3
  "$FG2NG" batch m.json -j 1 --json >sig.out 2>sig.err &
  pid=$!
  wait_until 60 convert_child $pid || { kill $pid; exit 1; }
  [ "$(q m.state.sqlite "SELECT state FROM jobs")" = running ]
  kid=$(pgrep -P $pid)
  [ -n "$kid" ]
  kill -9 $kid
  rc=0; wait $pid || rc=$?
  [ "$rc" -eq 0 ] || { echo "exit $rc"; cat sig.err; exit 1; }
  grep -q "\"event\":\"retry\",\"id\":\"slow\".*\"kind\":\"signal\",\"message\":\"convert was killed by signal 9" sig.err
  grep -q "\"event\":\"start\",\"id\":\"slow\",.*\"run\":2" sig.err
  python3 - <<PY
import json
j = json.load(open("sig.out"))["jobs"][0]
assert (j["state"], j["runs"], j["attempts"], j["error"]) == ("done", 2, 1, None), j
PY
  [ "$(q m.state.sqlite "SELECT group_concat(state) FROM (SELECT state FROM events ORDER BY seq)")" = "pending,running,pending,running,done" ]
  tar -tzf out/slow.tgz | grep -qx 0.vhd
  no_leftovers out
  [ -z "$(ls -A out | grep "^\.")" ]'

test_ok "--shard K/N: the shards together cover every job exactly once" '
  for k in 1 2 3; do
    "$FG2NG" batch --dry-run --json --shard $k/3 fleet.json > shard$k.json
  done
  python3 - <<PY
import json
ids = [j["id"] for k in (1, 2, 3) for j in json.load(open("shard%d.json" % k))["jobs"]]
assert sorted(ids) == sorted(["web01", "web02", "deb6", "deb6-nofix", "corrupt", "disk1"]), ids
PY
  [ ! -e fleet.shard-1-of-3.state.sqlite ]'

done_testing
