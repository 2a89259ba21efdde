# tests/cli/lib.sh --- shared helpers for the numbered CLI tests
#
# A test script sources this, then calls
#   test_ok "title" 'commands'      # the commands must all succeed
#   skip "title" "reason"
# Each prints one TAP line.  Commands run with set -e semantics in a
# subshell inside $WORK (a fresh folder per script, kept on failure).
set -u
: "${FG2NG:?run through tests/run.sh (make check)}"
: "${FG_TOP:?}"
T_NAME=$(basename "$0" .sh)
WORK="$FG_BUILD/test-work/$T_NAME"
rm -rf "$WORK"
mkdir -p "$WORK"
T_NO=0
T_FAILED=0

test_ok() {
  local title=$1 body=$2 out
  T_NO=$((T_NO + 1))
  if out=$(cd "$WORK" && set -e && eval "$body" 2>&1); then
    echo "ok $T_NO - $title"
  else
    echo "not ok $T_NO - $title"
    printf '%s\n' "$out" | tail -25 | sed 's/^/#   /'
    T_FAILED=1
  fi
}

skip() {
  T_NO=$((T_NO + 1))
  echo "ok $T_NO - $1 # SKIP $2"
}

# expect_exit CODE CMD...: run CMD, fail unless it exits with CODE.
# Its stdout and stderr are kept in $WORK/last.out and last.err.
expect_exit() {
  local want=$1 rc=0
  shift
  "$@" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "expected exit $want, got $rc from: $*"
    echo "--- stderr:"; cat "$WORK/last.err"
    return 1
  fi
}

# err_has TEXT: the last command's stderr contains TEXT.
err_has() {
  grep -qF -- "$1" "$WORK/last.err" || {
    echo "stderr lacks '$1'; it was:"; cat "$WORK/last.err"; return 1; }
}

out_has() {
  grep -qF -- "$1" "$WORK/last.out" || {
    echo "stdout lacks '$1'; it was:"; cat "$WORK/last.out"; return 1; }
}

# no_leftovers DIR: nothing named *.part (a temporary output) remains.
no_leftovers() {
  local left
  left=$(find "$1" -name '.*.part' -o -name '*.part' | head -3)
  [ -z "$left" ] || { echo "temporary files left behind: $left"; return 1; }
}

have() { command -v "$1" >/dev/null 2>&1; }

done_testing() {
  echo "1..$T_NO"
  [ "$T_FAILED" -eq 0 ] && rm -rf "$WORK"
  exit "$T_FAILED"
}
