#!/usr/bin/env bash
# fg2ng batch, what it reports: a job's mode, flavor and server record
# reach convert; the summary file (doc/batch-summary.schema.json) with
# each job's outcome, times, sizes, error and verdicts; a log per job;
# JSON-lines events off a terminal and the live display on one.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

# deb6 DIR: a tiny eligible Debian 6 file-level image DIR.tar.gz.
deb6() {
  mkdir -p "$1/image/etc" "$1/image/boot/grub"
  echo 6.0.10 > "$1/image/etc/debian_version"
  printf '/dev/sda1 / ext3 defaults 0 1\n' > "$1/image/etc/fstab"
  printf 'default 0\ntimeout 5\ntitle Debian\nroot (hd0,0)\nkernel /boot/vmlinuz-2.6.32-5-amd64 root=/dev/sda1 ro\n' > "$1/image/boot/grub/menu.lst"
  echo kernel > "$1/image/boot/vmlinuz-2.6.32-5-amd64"
  head -c 300000 /dev/urandom > "$1/image/etc/blob"
  tar -C "$1" -czf "$1.tar.gz" image
}
deb6 good
# Gentoo: a known base image, but no kernel of its own (kernel.present): ineligible.
mkdir -p gentoo/image/etc
echo "Gentoo Base System release 2.1" > gentoo/image/etc/gentoo-release
tar -C gentoo -czf gentoo.tar.gz image
head -c 100000 good.tar.gz > cut.tar.gz
mkdir -p rec out
cat > rec/web01.json <<'EOF'
{ "version": 1, "hostname": "web01",
  "public": { "ipv4": ["198.51.100.23/24"], "gateway": "198.51.100.1" },
  "private": { "ipv4": ["10.179.77.12/19"] } }
EOF

cat > fleet.json <<'EOF'
{ "version": 1,
  "defaults": { "mode": "image", "flavor": "1GB" },
  "jobs": [
    { "id": "web01", "source": "good.tar.gz", "output": "out/web01.vhd",
      "mode": "self-service", "server_record": "rec/web01.json" },
    { "id": "web02", "source": "good.tar.gz", "output": "out/web02.tgz",
      "flavor": "2GB", "options": { "class": "standard" } },
    { "id": "gentoo", "source": "gentoo.tar.gz", "output": "out/gentoo.vhd" },
    { "id": "cut", "source": "cut.tar.gz", "output": "out/cut.vhd" }
  ] }
EOF

schema_ok() {
  python3 - "$FG_TOP/doc/$1" "$2" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.validate(json.load(open(sys.argv[2])), schema)
PY
}

test_ok "mode, flavor and server_record (job keys or defaults) reach convert" '
  schema_ok manifest.schema.json fleet.json
  expect_exit 0 "$FG2NG" batch --dry-run --json fleet.json
  python3 - "$WORK" <<PY
import json, sys
w = sys.argv[1]
cmd = {j["id"]: j["command"] for j in json.load(open("$WORK/last.out"))["jobs"]}
def opt(c, flag):
    return c[c.index(flag) + 1] if flag in c else None
c = cmd["web01"]
assert (opt(c, "--mode"), opt(c, "--flavor"), opt(c, "--server-record")) == ("self-service", "1GB", w + "/rec/web01.json"), c
c = cmd["web02"]
assert (opt(c, "--mode"), opt(c, "--flavor"), opt(c, "--class"), opt(c, "--server-record")) == ("image", "2GB", "standard", None), c
assert opt(cmd["gentoo"], "--mode") == "image" and opt(cmd["gentoo"], "--flavor") == "1GB"
assert all(c[c.index("--progress") + 1] == "json" for c in cmd.values())
PY
  [ ! -e fleet.state.sqlite ] && [ ! -e fleet.summary.json ]'

test_ok "the server record is checked before anything starts" '
  sed "s#rec/web01.json#rec/none.json#" fleet.json > norec.json
  expect_exit 2 "$FG2NG" batch norec.json --strict
  err_has "jobs[0] (web01): '"'"'server_record'"'"' '"'"'$WORK/rec/none.json'"'"': No such file or directory"
  # Without --strict, that job alone would fail; the others would run.
  expect_exit 1 "$FG2NG" batch norec.json --dry-run
  grep -q "^web01  *new  *would fail: '"'"'server_record'"'"' '"'"'$WORK/rec/none.json'"'"': No such file" "$WORK/last.out"
  grep -q "^web02  *new  *fg2ng convert " "$WORK/last.out"
  out_has "3 of 4 jobs would run, 1 would fail"
  echo "{ not json" > rec/bad.json
  sed "s#rec/web01.json#rec/bad.json#" fleet.json > badrec.json
  expect_exit 2 "$FG2NG" batch badrec.json --strict
  err_has "jobs[0] (web01): '"'"'server_record'"'"' '"'"'$WORK/rec/bad.json'"'"': line 1"
  sed "s#\"self-service\", \"server_record\"#\"self-service\", \"options\": { \"mode\": \"image\" }, \"server_record\"#" fleet.json > twice.json
  expect_exit 2 "$FG2NG" batch twice.json --strict
  err_has "jobs[0] (web01): '"'"'mode'"'"' is given twice"
  # (the schema refuses it too: "mode" and "options.mode" in one job)
  fails schema_ok manifest.schema.json twice.json
  err_has "ValidationError"
  [ ! -e norec.state.sqlite ] && [ -z "$(ls out)" ]'

test_ok "the run: done, ineligible with its verdicts, failed; exit 1; JSON events" '
  expect_exit 1 "$FG2NG" batch fleet.json -j 2
  cp "$WORK/last.out" table.txt
  cp "$WORK/last.err" events.txt
  grep -q "^gentoo  *ineligible .*kernel.present" table.txt
  grep -q "^cut  *failed .*input: .*cut.tar.gz" table.txt
  grep -q "^web01  *done " table.txt
  grep -q "4 jobs: 2 done, 1 ineligible, 1 failed, 0 pending, 0 running" table.txt
  # the last line says how to run the failed and ineligible jobs again
  [ "$(tail -1 table.txt)" = "to run the failed jobs again: fg2ng batch fleet.json --retry-failed" ]
  python3 - <<PY
import json
ev = [json.loads(l) for l in open("events.txt") if l.startswith("{")]
kinds = {e["id"]: e["event"] for e in ev if e["event"] in ("done", "ineligible", "failed")}
assert kinds == {"web01": "done", "web02": "done", "gentoo": "ineligible", "cut": "failed"}, kinds
inel = [e for e in ev if e["event"] == "ineligible"][0]
assert {v["rule"] for v in inel["verdicts"]} >= {"kernel.present"}, inel
assert all(v["level"] == "fail" for v in inel["verdicts"]), inel
prog = [e for e in ev if e["event"] == "progress"]
assert prog and all(0 <= e.get("percent", 0) <= 100 for e in prog), prog[:3]
assert {e["id"] for e in prog} >= {"web01", "web02"}, prog
assert ev[0]["event"] == "batch" and ev[-1]["event"] == "end"
assert (ev[-1]["done"], ev[-1]["ineligible"], ev[-1]["failed"]) == (2, 1, 1), ev[-1]
PY
  absent out/gentoo.vhd out/cut.vhd
  xen_ok out/web01.vhd
  no_leftovers out'

test_ok "the summary file: schema, outcomes, times, sizes, errors, verdicts, logs" '
  schema_ok batch-summary.schema.json fleet.summary.json
  python3 - "$WORK" <<PY
import json, os, sys
w = sys.argv[1]
s = json.load(open("fleet.summary.json"))
assert (s["total"], s["done"], s["ineligible"], s["failed"], s["pending"]) == (4, 2, 1, 1, 0), s
assert s["retry"] == "fg2ng batch fleet.json --retry-failed", s["retry"]
j = {x["id"]: x for x in s["jobs"]}
assert [x["id"] for x in s["jobs"]] == ["web01", "web02", "gentoo", "cut"]
for k in ("web01", "web02"):
    x = j[k]
    assert x["outcome"] == "done" and x["error"] is None and x["verdicts"] is None, x
    assert x["output_bytes"] == os.path.getsize(x["output"]), x
    assert x["input_bytes"] == os.path.getsize(w + "/good.tar.gz"), x
    assert x["result"]["output"] == x["output"] and x["seconds"] >= 0, x
x = j["gentoo"]
assert (x["state"], x["outcome"], x["error"]["kind"], x["result"], x["output_bytes"]) == ("failed", "ineligible", "ineligible", None, None), x
assert "kernel.present" in [v["rule"] for v in x["verdicts"]], x
assert x["error"]["message"].startswith("not eligible: "), x
x = j["cut"]
assert (x["outcome"], x["error"]["kind"], x["verdicts"]) == ("failed", "input", None), x
assert "gzip stream ends" in x["error"]["message"] and x["error"]["hint"], x
for x in s["jobs"]:
    assert x["log"] == w + "/fleet.logs/" + x["id"] + ".log" and os.path.exists(x["log"]), x
    assert x["started_at"] <= x["finished_at"] <= s["generated_at"], x
PY
  # --status rewrites it (and a chosen --summary goes where it is told)
  before=$(stat -c %Y.%i fleet.summary.json)
  sleep 1
  expect_exit 1 "$FG2NG" batch fleet.json --status --summary elsewhere.json
  [ "$(stat -c %Y.%i fleet.summary.json)" = "$before" ]
  schema_ok batch-summary.schema.json elsewhere.json
  expect_exit 1 "$FG2NG" batch fleet.json --status
  [ "$(stat -c %Y.%i fleet.summary.json)" != "$before" ]
  out_has "summary '"'"'fleet.summary.json'"'"'"
  [ -z "$(ls -A . | grep "^\.fleet.summary")" ]'

test_ok "a log per job: header, the whole stderr, footer; a rerun appends" '
  l=fleet.logs
  head -1 $l/cut.log | grep -q "^==== fg2ng batch: job '"'"'cut'"'"', run 1, started 20..-..-..T..:..:..Z"
  grep -q "^==== command: fg2ng convert --json --progress json .* -- $WORK/cut.tar.gz$" $l/cut.log
  grep -q "^fg2ng: error: .*cut.tar.gz.* the gzip stream ends" $l/cut.log
  grep -q "^hint: " $l/cut.log
  tail -1 $l/cut.log | grep -q "^==== failed: convert exited with status 2 after [0-9.]* s, 20"
  tail -1 $l/web01.log | grep -q "^==== done: convert exited with status 0"
  grep -q "^{\"event\":\"end\",\"phase\":\"convert\"" $l/web01.log
  grep -q "is not eligible" $l/gentoo.log
  tail -1 $l/gentoo.log | grep -q "^==== ineligible: convert exited with status 1"
  # the store keeps only the tail, and no progress events
  python3 - <<PY
import sqlite3
for key, log in sqlite3.connect("fleet.state.sqlite").execute("SELECT key, log FROM jobs"):
    assert "\"event\":" not in (log or ""), (key, log)
PY
  expect_exit 1 "$FG2NG" batch fleet.json --retry-failed --logs "$WORK/mylogs"
  [ "$(grep -c "^==== fg2ng batch: job" $l/cut.log)" = 1 ]
  grep -q "^==== fg2ng batch: job '"'"'cut'"'"', run 2" mylogs/cut.log
  expect_exit 1 "$FG2NG" batch fleet.json --retry-failed
  [ "$(grep -c "^==== fg2ng batch: job" $l/cut.log)" = 2 ]
  grep -q "run 3" $l/cut.log
  mkdir -p nolog && touch nolog/file
  expect_exit 2 "$FG2NG" batch fleet.json --logs nolog/file/x
  err_has "cannot make the log folder"'

if have script; then
  # A slower job, so that the display has something to draw.
  slow_image slow.tar.gz 20
  mkdir -p live/out
  cat > live/m.json <<'EOF'
{ "jobs": [
    { "id": "slow-a", "source": "../slow.tar.gz", "output": "out/a.vhd" },
    { "id": "slow-b", "source": "../slow.tar.gz", "output": "out/b.vhd" },
    { "id": "gentoo", "source": "../gentoo.tar.gz", "output": "out/g.vhd" },
    { "id": "quick", "source": "../good.tar.gz", "output": "out/q.vhd" } ] }
EOF
  test_ok "on a terminal: a live display, redrawn in place, with time left" '
    cd live
    rc=0
    COLUMNS=100 script -qfec "stty cols 100; \"$FG2NG\" batch m.json -j 2" /dev/null > tty.out || rc=$?
    [ "$rc" -eq 1 ] || { echo "exit $rc"; cat -v tty.out | tail; exit 1; }
    python3 - <<PY
import re
t = open("tty.out", "rb").read().decode()
assert "\x1b[" in t and "F\x1b[J" in t, "no redraw in place"
frames = t.count("\x1b[J")
assert frames >= 4, frames
assert re.search(r"  slow-a +(inspect|convert|starting)", t), "no line for a running job"
assert re.search(r"convert +[0-9]+% \[#* *\]", t), "no percentage"
assert re.search(r"[0-9]+:[0-9]{2} elapsed, about [0-9]+:[0-9]{2} left: [0-9]/4 done, [01] ineligible, 0 failed", t), "no total line"
assert "fg2ng batch: gentoo: ineligible: not eligible: kernel.present" in t
assert "fg2ng batch: quick: done in" in t
assert "4 jobs: 3 done, 1 ineligible, 0 failed" in t
assert "\"event\"" not in t, "JSON lines on a terminal"
PY'
else
  skip "the live display on a terminal" "script (util-linux) is not installed"
fi

done_testing
