#!/usr/bin/env bash
# Every command block of README.md (its 4-space indented blocks; fenced
# blocks show output) is run as a user types it: in order, from the
# source tree, each block one bash script with errexit.  The one line not
# run is the top block's "make check" (this test is part of it).  Between
# the agent's start and the first curl the test waits for the listener,
# as a user would; after the curl block it waits for the sample's
# migration to finish and reads the output back.  The Installing block
# runs only as root with fg2ng not installed, and the package is purged
# after.  Files the blocks make under build/ are removed before and after.
. "$(dirname "$0")/lib.sh"

# The README's commands use build/fg2ng: a build elsewhere (check-asan)
# is not what they run.
if [ "$FG_BUILD" != "$FG_TOP/build" ]; then
  skip "README.md commands run as written" "this build is $FG_BUILD; the README's commands use build/"
  done_testing
fi

README="$FG_TOP/README.md"
made="build/web01.tgz build/web01.json build/ng.vhd build/web01.vhd build/quickstart"
cleanup() {
  pkill -f "agent --config examples/agent/quickstart.json" 2>/dev/null || true
  (cd "$FG_TOP" && rm -rf $made)
  if [ -n "${INSTALLED_HERE:-}" ]; then
    apt-get purge -y -qq fg2ng >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
cleanup

# The blocks, one file each (blocks/N.sh), and the line each starts with.
mkdir -p "$WORK/blocks"
python3 - "$README" "$WORK/blocks" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
blocks, cur, fenced = [], [], False
for l in lines + [""]:
    if l.startswith("```"):
        fenced = not fenced
    if not fenced and l.startswith("    "):
        cur.append(l[4:])
        continue
    if cur:
        blocks.append(cur)
        cur = []
for i, b in enumerate(blocks, 1):
    open("%s/%d.sh" % (sys.argv[2], i), "w").write("\n".join(b) + "\n")
print(len(blocks))
PY

# run_block N: block N from the source tree, with errexit and a log.
run_block() {
  (cd "$FG_TOP" && bash -e "$WORK/blocks/$1.sh") > "$WORK/block-$1.log" 2>&1 ||
    { echo "README block $1 failed:"; sed 's/^/  | /' "$WORK/blocks/$1.sh"; tail -20 "$WORK/block-$1.log"; return 1; }
}
block_with() { grep -l -- "$1" "$WORK"/blocks/*.sh | head -1 | sed 's|.*/||; s|\.sh$||'; }

test_ok "the top block: make demo (and make check, which this is part of)" '
  b=$(block_with "make demo")
  [ "$b" = 1 ] || { echo "the first block is not make demo"; exit 1; }
  grep -qx "make check    # runs every test; ends with \"N passed, N failed\"" blocks/1.sh
  grep -v "^make check " blocks/1.sh > blocks/1-run.sh
  mv blocks/1-run.sh blocks/1.sh
  run_block 1
  grep -q "verdict: eligible" block-1.log'

test_ok "the sample, tried as the README says: check, bundle, JSON progress, vhd-info, self-service, verify" '
  b=$(block_with "fg2ng check --flavor")
  run_block "$b"
  tar -tzf "$FG_TOP/build/web01.tgz" | grep -qx 0.vhd
  qemu-img info -f vpc "$FG_TOP/build/ng.vhd" > /dev/null
  qemu-img info -f vpc "$FG_TOP/build/web01.vhd" > /dev/null
  grep -q "\"phase\"\|\"event\"" block-$b.log'

test_ok "the agent quick start: checked, started, an event migrates the sample, done" '
  b=$(block_with "agent --config examples/agent/quickstart.json --check")
  run_block "$b"
  wait_health() { curl -s -o /dev/null "http://127.0.0.1:8470/v1/health"; }
  for i in $(seq 100); do wait_health && break; sleep 0.1; done
  c=$(block_with "v1/events")
  run_block "$c"
  grep -q "\"decision\":\"migrate\"" block-$c.log
  done_yet() { curl -s -H "Authorization: Bearer $(cat "$FG_TOP/build/quickstart/agent.token")" http://127.0.0.1:8470/v1/servers/web01 | grep -q "\"state\":\"done\""; }
  for i in $(seq 600); do done_yet && break; sleep 1; done
  done_yet || { curl -s -H "Authorization: Bearer $(cat "$FG_TOP/build/quickstart/agent.token")" http://127.0.0.1:8470/v1/servers/web01; tail "$FG_TOP/build/quickstart/agent.log"; exit 1; }
  qemu-img info -f vpc "$FG_TOP/build/quickstart/out/web01.vhd" > /dev/null'

if [ "$(id -u)" != 0 ] || dpkg-query -W -f='${Status}' fg2ng 2>/dev/null | grep -q installed; then
  skip "Installing: make deb, apt-get install, man fg2ng" "not root, or fg2ng is installed already"
else
  INSTALLED_HERE=1
  test_ok "Installing: make deb, apt-get install, man fg2ng" '
    b=$(block_with "make deb")
    run_block "$b" < /dev/null
    command -v fg2ng | grep -qx /usr/bin/fg2ng
    grep -q "fg2ng" block-$b.log'
fi

test_ok "every block was run: none is left out" '
  n=$(ls blocks/*.sh | wc -l)
  for i in $(seq "$n"); do
    [ -e block-$i.log ] || [ "$i" = "$(block_with "make deb")" ] || { echo "block $i was not run"; cat blocks/$i.sh; exit 1; }
  done'

done_testing
