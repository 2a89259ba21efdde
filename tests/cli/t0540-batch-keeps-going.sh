#!/usr/bin/env bash
# fg2ng batch keeps going: a problem of one job alone (a missing source, a
# part missing from split parts, an invalid option, an output folder that
# cannot be made) fails that job with its reason and the others are
# converted; --strict refuses the whole manifest as before; output folders
# are made when their job starts; the summary says how to retry, and
# --retry-failed finishes a job once its source (or its entry) is fixed.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

# ino_mtime FILE: its inode and mtime, to show a file was not rewritten.
ino_mtime() { stat -c '%i %Y.%y' "$1"; }

# A small file-level Debian 6 image (1000 files): converted in a moment.
slow_image good.tar.gz 1 fstab
# The same, split in parts of 4 KiB: NAME.tar.gz.0 .. N.
mkdir -p parts
split_parts good.tar.gz parts/web.tar.gz 4096
[ -e parts/web.tar.gz.2 ] || { echo "Bail out! good.tar.gz makes fewer than 3 parts"; exit 1; }

# fleet DIR MISSING: DIR/fleet.json, three jobs; the second reads MISSING
# (relative to DIR), the third writes into folders nobody made.
fleet() {
  mkdir -p "$1"
  cat > "$1/fleet.json" <<EOF
{ "jobs": [
    { "id": "one", "source": "../good.tar.gz", "output": "one.vhd" },
    { "id": "gone", "source": "$2", "output": "out/gone.vhd" },
    { "id": "two", "source": "../good.tar.gz", "output": "deep/er/two.vhd" } ] }
EOF
}

test_ok "one missing source: the other two are converted, that job fails with the path, exit 1, and the retry line" '
  fleet a ../missing.tar.gz
  expect_exit 1 "$FG2NG" batch a/fleet.json -j 2
  cp "$WORK/last.out" table.txt
  grep -q "^gone  *failed .*input: '"'"'source'"'"' '"'"'$WORK/a/../missing.tar.gz'"'"': No such file or directory" table.txt
  grep -q "^one  *done " table.txt
  grep -q "^two  *done " table.txt
  grep -q "^3 jobs: 2 done, 0 ineligible, 1 failed, 0 pending, 0 running" table.txt
  [ "$(tail -1 table.txt)" = "to run the failed jobs again: fg2ng batch a/fleet.json --retry-failed" ]
  # the output folders were made (as mkdir -p, 0755), the failed job'"'"'s not
  [ "$(stat -c %a a/deep a/deep/er)" = "755
755" ]
  xen_ok a/deep/er/two.vhd
  xen_ok a/one.vhd
  absent a/out
  # in the job store: failed for good, never started, the reason and what to do
  [ "$(q a/fleet.state.sqlite "SELECT state, runs, attempts, error_kind FROM jobs WHERE key = '"'"'gone'"'"'")" = "failed|0|0|input" ]
  [ "$(q a/fleet.state.sqlite "SELECT count(*) FROM events e JOIN jobs j ON e.job = j.id WHERE j.key = '"'"'gone'"'"' AND e.state = '"'"'running'"'"'")" = 0 ]
  q a/fleet.state.sqlite "SELECT error_hint FROM jobs WHERE key = '"'"'gone'"'"'" > hint.txt
  grep -q "put the image there, or fix the job'"'"'s '"'"'source'"'"' in '"'"'a/fleet.json'"'"'; then run '"'"'fg2ng batch a/fleet.json --retry-failed'"'"'" hint.txt
  # the summary file says it too, and is valid
  python3 - "$FG_TOP/doc/batch-summary.schema.json" a/fleet.summary.json "$WORK" <<PY
import json, sys, jsonschema
s = json.load(open(sys.argv[2]))
jsonschema.validate(s, json.load(open(sys.argv[1])))
j = {x["id"]: x for x in s["jobs"]}
g = j["gone"]
assert (g["state"], g["runs"], g["seconds"], g["error"]["kind"]) == ("failed", 0, None, "input"), g
assert sys.argv[3] + "/a/../missing.tar.gz" in g["error"]["message"], g
assert s["retry"] == "fg2ng batch a/fleet.json --retry-failed", s["retry"]
assert (s["done"], s["failed"]) == (2, 1), s
PY'

test_ok "a rerun that finds the job failed starts nothing and says how to retry; --retry-failed finishes it once the source is there" '
  for f in a/one.vhd a/deep/er/two.vhd; do ino_mtime "$f"; done > before.txt
  cp good.tar.gz missing.tar.gz
  expect_exit 1 "$FG2NG" batch a/fleet.json --progress json
  lacks "$WORK/last.err" "\"event\":\"start\""
  grep -q "^gone  *failed " "$WORK/last.out"
  [ "$(tail -1 "$WORK/last.out")" = "to run the failed jobs again: fg2ng batch a/fleet.json --retry-failed" ]
  expect_exit 1 "$FG2NG" batch a/fleet.json --status --json
  python3 -c "import json,sys; assert json.load(open(sys.argv[1]))[\"retry\"] == \"fg2ng batch a/fleet.json --retry-failed\"" "$WORK/last.out"
  expect_exit 0 "$FG2NG" batch a/fleet.json --retry-failed --progress json
  out_has "3 jobs: 3 done, 0 ineligible, 0 failed"
  lacks "$WORK/last.out" "to run the failed jobs again"
  [ "$(grep -c "\"event\":\"start\"" "$WORK/last.err")" = 1 ]
  grep -q "\"event\":\"start\",\"id\":\"gone\"" "$WORK/last.err"
  xen_ok a/out/gone.vhd
  for f in a/one.vhd a/deep/er/two.vhd; do ino_mtime "$f"; done > after.txt
  cmp before.txt after.txt
  [ "$(q a/fleet.state.sqlite "SELECT group_concat(key || '"'"':'"'"' || runs) FROM jobs")" = "one:1,gone:1,two:1" ]
  python3 -c "import json,sys; assert json.load(open(sys.argv[1]))[\"retry\"] is None" a/fleet.summary.json'

test_ok "--strict: the same manifest is refused whole, exit 2, nothing started, no job store" '
  fleet b ../also-missing.tar.gz
  expect_exit 2 "$FG2NG" batch b/fleet.json --strict
  err_has "jobs[1] (gone): '"'"'source'"'"' '"'"'$WORK/b/../also-missing.tar.gz'"'"': No such file or directory"
  err_has "'"'"'b/fleet.json'"'"': 1 problem (listed above); nothing was started"
  err_has "hint: fix these jobs in '"'"'b/fleet.json'"'"' (or put their files in place), or run without --strict"
  absent b/fleet.state.sqlite b/fleet.logs b/one.vhd b/deep b/out
  # and with a job store already there, none of its jobs runs either
  expect_exit 2 "$FG2NG" batch b/fleet.json --strict --state a/fleet.state.sqlite
  [ "$(q a/fleet.state.sqlite "SELECT count(*) FROM events WHERE state = '"'"'running'"'"'")" = 3 ]
  absent b/one.vhd b/deep'

test_ok "a part missing from split parts (.0, .2 there, .1 not): that job fails, named; fixed, it is retried" '
  mkdir -p c
  mv parts/web.tar.gz.1 parts-1.saved
  cat > c/fleet.json <<EOF
{ "jobs": [
    { "id": "split", "source": "../parts/web.tar.gz.0", "output": "out/split.vhd" },
    { "id": "whole", "source": "../good.tar.gz", "output": "out/whole.vhd" } ] }
EOF
  # a dry run says so, exits 1, and makes no folder
  expect_exit 1 "$FG2NG" batch c/fleet.json --dry-run
  grep -q "^split  *new  *would fail: '"'"'source'"'"' .*web.tar.gz.0'"'"': web.tar.gz: missing part .1 (have .0, .2" "$WORK/last.out"
  grep -q "^whole  *new  *fg2ng convert " "$WORK/last.out"
  out_has "1 of 2 jobs would run, 1 would fail"
  absent c/out c/fleet.state.sqlite
  expect_exit 2 "$FG2NG" batch c/fleet.json --strict
  err_has "jobs[0] (split): '"'"'source'"'"' "
  err_has "missing part .1"
  expect_exit 1 "$FG2NG" batch c/fleet.json --json --progress json
  grep -q "\"event\":\"failed\",\"id\":\"split\".*\"kind\":\"input\",\"message\":\"'"'"'source'"'"' .*missing part .1" "$WORK/last.err"
  lacks "$WORK/last.err" "\"event\":\"start\",\"id\":\"split\""
  python3 - "$WORK/last.out" <<PY
import json, sys
s = json.load(open(sys.argv[1]))
j = {x["id"]: x for x in s["jobs"]}
assert j["whole"]["state"] == "done", j["whole"]
e = j["split"]["error"]
assert (j["split"]["state"], j["split"]["runs"], e["kind"]) == ("failed", 0, "input"), j["split"]
assert "missing part .1" in e["message"], e
assert "download every part of the image into" in e["hint"] and "--retry-failed" in e["hint"], e
assert s["retry"] == "fg2ng batch c/fleet.json --retry-failed", s["retry"]
PY
  absent c/out/split.vhd
  mv parts-1.saved parts/web.tar.gz.1
  expect_exit 0 "$FG2NG" batch c/fleet.json --retry-failed
  out_has "2 jobs: 2 done"
  xen_ok c/out/split.vhd
  [ "$(q c/fleet.state.sqlite "SELECT runs FROM jobs WHERE key = '"'"'split'"'"'")" = 1 ]'

test_ok "an invalid option of one job fails it alone; fixed in the manifest, --retry-failed runs the fixed entry" '
  mkdir -p d
  cat > d/fleet.json <<EOF
{ "jobs": [
    { "id": "bad", "source": "../good.tar.gz", "output": "bad.vhd", "options": { "format": "qcow9" } },
    { "id": "fine", "source": "../good.tar.gz", "output": "fine.vhd" } ] }
EOF
  expect_exit 1 "$FG2NG" batch d/fleet.json
  grep -q "^bad  *failed .*input: '"'"'options.format'"'"' is '"'"'qcow9'"'"', not one of vhd,vhd-fixed,raw,bundle" "$WORK/last.out"
  grep -q "^fine  *done " "$WORK/last.out"
  absent d/bad.vhd
  sed -i "s/qcow9/vhd/" d/fleet.json
  expect_exit 0 "$FG2NG" batch d/fleet.json --retry-failed
  out_has "2 jobs: 2 done"
  xen_ok d/bad.vhd'

test_ok "an output folder that cannot be made fails that job with the reason; the others run" '
  mkdir -p e
  echo not a folder > e/afile
  cat > e/fleet.json <<EOF
{ "jobs": [
    { "id": "blocked", "source": "../good.tar.gz", "output": "afile/sub/x.vhd" },
    { "id": "fine", "source": "../good.tar.gz", "output": "out/fine.vhd" } ] }
EOF
  expect_exit 0 "$FG2NG" batch e/fleet.json --dry-run
  expect_exit 1 "$FG2NG" batch e/fleet.json --json
  python3 - "$WORK/last.out" "$WORK" <<PY
import json, sys
s = json.load(open(sys.argv[1]))
j = {x["id"]: x for x in s["jobs"]}
assert j["fine"]["state"] == "done", j["fine"]
e = j["blocked"]["error"]
assert j["blocked"]["state"] == "failed" and e["kind"] == "input", j["blocked"]
assert e["message"] == "cannot make the output folder '"'"'%s/e/afile'"'"': Not a directory" % sys.argv[2], e
assert "--retry-failed" in e["hint"], e
PY
  [ "$(cat e/afile)" = "not a folder" ]'

test_ok "problems of the whole manifest still stop everything without --strict" '
  mkdir -p f
  cat > f/fleet.json <<EOF
{ "jobs": [
    { "id": "a", "source": "../good.tar.gz", "output": "out/a.vhd" },
    { "id": "b", "source": "../good.tar.gz", "output": "out/./a.vhd" },
    { "id": "c", "source": "../nowhere.tar.gz", "output": "out/c.vhd" } ] }
EOF
  expect_exit 2 "$FG2NG" batch f/fleet.json
  err_has "jobs[1] (b): '"'"'output'"'"' '"'"'out/./a.vhd'"'"' is also jobs[0] (a)'"'"'s output"
  err_has "jobs[2] (c): '"'"'source'"'"' "
  err_has "2 problems (listed above); nothing was started"
  err_has "hint: fix what the lines above name in '"'"'f/fleet.json'"'"'"
  absent f/fleet.state.sqlite f/out
  echo "{ \"jobs\": [ " > f/broken.json
  expect_exit 2 "$FG2NG" batch f/broken.json
  absent f/broken.state.sqlite'

test_ok "fg2ng batch --help documents --strict" '
  expect_exit 0 "$FG2NG" batch --help
  out_has "  --strict "
  out_has "fails that job with"
  grep -qx ".B .-.-strict" "$FG_TOP/doc/fg2ng.1"
  grep -q -- "--strict" "$FG_TOP/README.md"'

done_testing
