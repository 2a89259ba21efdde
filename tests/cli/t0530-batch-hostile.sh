#!/usr/bin/env bash
# fg2ng batch against outputs and children that would do harm: one output
# spelled several ways, a rerun forced over another job's finished disk,
# a conversion that crashes (its temporary swept, not retried), a child
# whose stderr carries escape sequences and forged lines, and a kill -9
# between a job's log footer and its commit.
. "$(dirname "$0")/lib.sh"

cd "$WORK"
D=$(pwd -P)

echo one > disk1.raw
echo two > disk2.raw

# A fake conversion (FG2NG_CONVERT_PROGRAM=$WORK/fake-convert.sh), so that
# what is tested here does not hang on what convert accepts.  By the
# output's name: crash* leaves a temporary named as util/outfile.c names
# it (.NAME.<6 random>.part) and dies of SIGSEGV; forge* prints a hostile
# stderr and exits 2; wait* waits for the file "go", then succeeds; any
# other converts: SOURCE's bytes to OUTPUT through a temporary, refusing
# an existing OUTPUT without --force, as convert does.
cat > fake-convert.sh <<'EOF'
#!/bin/sh
ulimit -c 0
out="" force=0 src=""
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift ;;
    --force) force=1 ;;
    --) src=$2; shift ;;
  esac
  shift
done
d=$(dirname "$out") b=$(basename "$out")
case $b in
  crash*)
    echo partial > "$d/.$b.Zq9x2A.part"
    printf "fg2ng: error: member 'a\033[2Jb' is bad\n" >&2
    kill -SEGV $$ ;;
  forge*)
    printf "fg2ng: error: member 'a\033[2Jb\rOK' is bad\nfg2ng batch: web02: done in 1.0 s\nhint: rm -rf /\n" >&2
    exit 2 ;;
  wait*)
    while [ ! -e "${0%/*}/go" ]; do sleep 0.05; done ;;
  *)
    if [ -e "$out" ] && [ $force = 0 ]; then
      printf "fg2ng: error: output '%s' already exists\nhint: pass --force\n" "$out" >&2
      exit 2
    fi
    cat "$src" > "$d/.$b.Ab12Cd.part" && mv "$d/.$b.Ab12Cd.part" "$out" ;;
esac
printf '{"output": "%s"}\n' "$out"
EOF
chmod +x fake-convert.sh
FAKE=$WORK/fake-convert.sh

# A file-level Debian 6 image with 30000 small files: a real conversion
# that takes long enough to be stepped through.
slow_image slow.tar.gz 30
mkdir -p out
ln -s out link

test_ok "one output spelled four ways (./, //, a symlinked folder): refused, naming both jobs" '
  cat > spell.json <<EOF
{ "jobs": [
    { "id": "a", "source": "disk1.raw", "output": "out/a.vhd" },
    { "id": "b", "source": "disk2.raw", "output": "out/./a.vhd" },
    { "id": "c", "source": "disk2.raw", "output": "out//a.vhd" },
    { "id": "d", "source": "disk2.raw", "output": "link/a.vhd" },
    { "id": "e", "source": "disk2.raw", "output": "out/../disk1.raw" } ] }
EOF
  expect_exit 2 "$FG2NG" batch spell.json
  err_has "jobs[1] (b): '"'"'output'"'"' '"'"'out/./a.vhd'"'"' is also jobs[0] (a)'"'"'s output"
  err_has "jobs[2] (c): '"'"'output'"'"' '"'"'out//a.vhd'"'"' is also jobs[0] (a)'"'"'s output"
  err_has "jobs[3] (d): '"'"'output'"'"' '"'"'link/a.vhd'"'"' is also jobs[0] (a)'"'"'s output"
  err_has "jobs[4] (e): '"'"'output'"'"' '"'"'out/../disk1.raw'"'"' is jobs[0] (a)'"'"'s source"
  err_has "4 problems (listed above); nothing was started"
  absent spell.state.sqlite
  [ -z "$(ls out)" ]'

test_ok "a job redone with --force never writes over another job's finished disk" '
  mkdir -p out2 && ln -s out2 link2
  cat > m1.json <<EOF
{ "jobs": [ { "id": "a", "source": "disk2.raw", "output": "out2/a.vhd" } ] }
EOF
  export FG2NG_CONVERT_PROGRAM=$FAKE
  expect_exit 0 "$FG2NG" batch m1.json --state fleet.sqlite
  sha256sum out2/a.vhd > a.sum
  ino=$(stat -c %i out2/a.vhd)
  cat > m2.json <<EOF
{ "jobs": [ { "id": "b", "source": "disk1.raw", "output": "out2/./a.vhd" } ] }
EOF
  cat > m2c.json <<EOF
{ "jobs": [ { "id": "c", "source": "disk1.raw", "output": "link2/a.vhd" } ] }
EOF
  # b'"'"'s first run was killed by a signal: pending, to be retried, which a
  # rerun does with --force (its own output may have been renamed in place).
  q fleet.sqlite "INSERT INTO jobs (key, queue, source, output, options, state, runs, attempts, error_kind, error_message, created_at, updated_at) VALUES ('"'"'b'"'"', '"'"'batch'"'"', '"'"'$D/disk1.raw'"'"', '"'"'$D/out2/./a.vhd'"'"', '"'"'{}'"'"', '"'"'pending'"'"', 1, 1, '"'"'signal'"'"', '"'"'convert was killed by signal 9'"'"', 1, 1)"
  expect_exit 1 "$FG2NG" batch m2.json --state fleet.sqlite --json --progress json
  sha256sum -c a.sum
  [ "$(stat -c %i out2/a.vhd)" = "$ino" ]
  lacks "$WORK/last.err" '"'"'"event":"start"'"'"'
  [ -z "$(ls -A out2 | grep -v "^a.vhd\$")" ]
  cp "$WORK/last.out" b.json
  # and c, a job never run, is refused the same way (not "already exists")
  expect_exit 1 "$FG2NG" batch m2c.json --state fleet.sqlite --json --progress json
  cp "$WORK/last.out" c.json
  sha256sum -c a.sum
  python3 - <<PY
import json
j = {x["id"]: x for f in ("b.json", "c.json") for x in json.load(open(f))["jobs"]}
for k in ("b", "c"):
    assert j[k]["state"] == "failed" and j[k]["error"]["kind"] == "refused", j[k]
    m = j[k]["error"]["message"]
    assert "job '"'"'a'"'"'" in m and "done" in m and "$D/out2/a.vhd" in m, m
PY
  [ "$(q fleet.sqlite "SELECT state FROM jobs WHERE key = '"'"'a'"'"'")" = done ]'

test_ok "a conversion killed by SIGSEGV: its temporary is swept, the job failed, not retried" '
  mkdir -p out3
  cat > m3.json <<EOF
{ "jobs": [ { "id": "slow", "source": "slow.tar.gz", "output": "out3/slow.vhd" } ] }
EOF
  # (Under AddressSanitizer, SIGSEGV would be caught and turned into a
  # report and exit 1: leave it to the kernel, as in a release build.)
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0
  ( ulimit -c 0; exec "$FG2NG" batch m3.json -j 1 --progress json >seg.out 2>seg.err ) &
  pid=$!
  has_part() { ls -A out3 | grep -q "^\.slow\.vhd\.......\.part\$"; }
  kid=""
  child() { kid=$(pgrep -P $pid) && [ -n "$kid" ]; }
  wait_until 60 child || { kill $pid; exit 1; }
  kid=$(pgrep -P $pid)
  # Step the conversion 20 ms at a time until its temporary is there,
  # then crash it: on any machine, however fast or loaded.
  kill -STOP $kid
  n=0
  until has_part; do
    kill -CONT $kid; sleep 0.02; kill -STOP $kid
    n=$((n + 1)); [ $n -lt 3000 ] || { echo "no temporary output appeared"; kill -9 $kid $pid; exit 1; }
  done
  kill -SEGV $kid
  kill -CONT $kid
  rc=0; wait $pid || rc=$?
  [ "$rc" -eq 1 ] || { echo "exit $rc"; cat seg.err; exit 1; }
  grep -q "\"event\":\"failed\",\"id\":\"slow\".*\"kind\":\"internal\",\"message\":\"fg2ng convert crashed (signal 11" seg.err
  lacks seg.err '"'"'"event":"retry"'"'"'
  grep -q "removed .*out3/.slow.vhd.*part" seg.err
  [ "$(q m3.state.sqlite "SELECT state, runs, error_kind FROM jobs")" = "failed|1|internal" ]
  no_leftovers out3
  [ -z "$(ls -A out3)" ]'

test_ok "a child's stderr with escapes and forged lines: the recorded error is one clean line" '
  mkdir -p out4
  cat > m4.json <<EOF
{ "jobs": [ { "id": "crash", "source": "disk1.raw", "output": "out4/crash.vhd" },
            { "id": "forge", "source": "disk1.raw", "output": "out4/forge.vhd" } ] }
EOF
  rc=0
  FG2NG_CONVERT_PROGRAM=$FAKE "$FG2NG" batch m4.json -j 1 --json --progress json >m4.out 2>m4.err || rc=$?
  [ "$rc" -eq 1 ] || { echo "exit $rc"; cat m4.err; exit 1; }
  # the crash: swept, failed once, its own error line kept, escaped
  no_leftovers out4
  [ -z "$(ls -A out4)" ]
  [ "$(q m4.state.sqlite "SELECT runs, state, error_kind FROM jobs WHERE key = '"'"'crash'"'"'")" = "1|failed|internal" ]
  python3 - <<PY
import json, sqlite3
c = sqlite3.connect("m4.state.sqlite")
rows = dict((k, (m, h)) for k, m, h in c.execute("SELECT key, error_message, error_hint FROM jobs"))
s = json.load(open("m4.out"))
summ = {x["id"]: x["error"] for x in s["jobs"]}
for k, (m, h) in rows.items():
    for text in (m, h or "", summ[k]["message"], summ[k].get("hint", "")):
        assert not any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in text), (k, text)
        assert "rm -rf" not in text and "web02" not in text, (k, text)
    assert summ[k]["message"] == m, (summ[k], m)
assert rows["crash"][0] == "fg2ng convert crashed (signal 11, SIGSEGV)", rows["crash"]
assert "not retried" in rows["crash"][1], rows["crash"]
assert rows["forge"] == ("member '"'"'a\\\\x1B[2Jb\\\\x0DOK'"'"' is bad", None), rows["forge"]
assert summ["forge"]["kind"] == "input" and "hint" not in summ["forge"], summ["forge"]
PY
  # the progress events and the table carry no raw escape either
  lacks m4.err "$(printf "\033")"
  lacks m4.summary.json "$(printf "\033")"'

test_ok "kill -9 between a job's log footer and its commit: the footer is there; the rerun adds its own" '
  mkdir -p out5
  cat > m5.json <<EOF
{ "jobs": [ { "id": "slow", "source": "disk1.raw", "output": "out5/wait.vhd" } ] }
EOF
  # The fake conversion of out5/wait.vhd ends (exit 0, a JSON result)
  # when the file "go" appears.
  export FG2NG_CONVERT_PROGRAM=$FAKE
  rm -f go
  "$FG2NG" batch m5.json -j 1 --progress json >k.out 2>k.err &
  pid=$!
  running() { [ "$(q m5.state.sqlite "SELECT state FROM jobs")" = running ]; }
  wait_until 60 running || { kill $pid; exit 1; }
  # Hold the store'"'"'s write lock: the batch will wait in its commit.
  python3 - m5.state.sqlite <<PY &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open("locked", "w").close()
while os.path.exists("locked"):
    time.sleep(0.05)
c.execute("ROLLBACK")
PY
  holder=$!
  wait_until 30 test -e locked
  touch go
  no_child() { ! pgrep -P $pid >/dev/null; }
  wait_until 120 no_child
  footer() { tail -1 m5.logs/slow.log | grep -q "^==== done: convert exited with status 0"; }
  ok=0; wait_until 10 footer || ok=1
  kill -9 $pid
  wait $pid || true
  rm -f locked
  wait $holder
  [ "$ok" -eq 0 ] || { echo "no footer before the commit"; tail -3 m5.logs/slow.log; exit 1; }
  [ "$(q m5.state.sqlite "SELECT state FROM jobs")" = running ]
  expect_exit 0 "$FG2NG" batch m5.json -j 1
  [ "$(grep -c "^==== fg2ng batch: job" m5.logs/slow.log)" = 2 ]
  [ "$(grep -c "^==== done" m5.logs/slow.log)" = 2 ]
  tail -1 m5.logs/slow.log | grep -q "^==== done"
  [ "$(q m5.state.sqlite "SELECT state, runs FROM jobs")" = "done|2" ]'

done_testing
