#!/usr/bin/env bash
# tests/run.sh --- run every unit test binary and every CLI test script,
# count their TAP lines, and end with "N passed, N failed[, N skipped]".
#
# Tests that use libguestfs run with LIBGUESTFS_BACKEND_SETTINGS=force_tcg:
# this machine and CI have no KVM.  The tool itself never sets it.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export FG2NG="$PWD/$BUILD/fg2ng"
export FG_TOP="$PWD"
export FG_BUILD="$PWD/$BUILD"
export LIBGUESTFS_BACKEND_SETTINGS=force_tcg
export LC_ALL=C.UTF-8
only=${1:-}

passed=0 failed=0 skipped=0
failures=()
logdir="${FG_TEST_LOGS:-$BUILD/test-logs}"
rm -rf "$logdir"
mkdir -p "$logdir"

run_one() {
  local name=$1; shift
  local log="$logdir/${name////_}.log" rc
  local t0=$SECONDS
  "$@" >"$log" 2>&1
  rc=$?
  local p f s
  p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
  s=$(grep -cE '^ok [0-9]+.*# SKIP' "$log" | tr -d ' ')
  f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
  p=$((p - s))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    # Crashed or exited early without saying which test failed.
    f=1
    echo "not ok - $name exited with status $rc" >>"$log"
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  printf '%-40s %3d passed %3d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$s" $((SECONDS - t0))
  if [ "$f" -gt 0 ]; then
    failures+=("$name")
    grep -E '^(not ok|#)' "$log" | head -40 | sed 's/^/    /'
  fi
  grep -E '^ok [0-9]+.*# SKIP' "$log" | sed 's/^/    /' | head -5
}

for bin in "$BUILD"/tests/test_*; do
  [ -x "$bin" ] || continue
  name=unit/$(basename "$bin")
  [ -n "$only" ] && [[ $name != *"$only"* ]] && continue
  run_one "$name" "$bin"
done

for script in tests/cli/t[0-9]*.sh; do
  [ -f "$script" ] || continue
  name=cli/$(basename "$script" .sh)
  [ -n "$only" ] && [[ $name != *"$only"* ]] && continue
  run_one "$name" bash "$script"
done

if [ ${#failures[@]} -gt 0 ]; then
  echo "failing: ${failures[*]} (logs in $logdir)"
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
