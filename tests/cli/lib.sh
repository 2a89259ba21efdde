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
  local title=$1 body=$2 rc
  T_NO=$((T_NO + 1))
  if ! lint_body "$body" >"$WORK/.test.out" 2>&1; then
    echo "not ok $T_NO - $title"
    sed 's/^/#   /' "$WORK/.test.out"
    T_FAILED=1
    return
  fi
  # Not inside an "if": set -e must stay in force for every command of
  # the body, not only its last one.  The ERR trap names the line of the
  # body that failed and the command on it.
  ( cd "$WORK" || exit 1; set -e
    trap 'echo "FAILED: test body line $((LINENO - base + 1)): $(sed -n "$((LINENO - base + 1))p" <<<"$body" | sed "s/^ *//")"' ERR
    base=$LINENO; eval "$body" ) >"$WORK/.test.out" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "ok $T_NO - $title"
    grep -E '^peak RSS|^measured' "$WORK/.test.out" | sed 's/^/# /'
  else
    echo "not ok $T_NO - $title"
    tail -25 "$WORK/.test.out" | sed 's/^/#   /'
    T_FAILED=1
  fi
}

# lint_body BODY: refuse the assertions set -e cannot enforce.  Bash
# ignores a failing "! cmd" and every command of "a && b" but the last,
# so a check ("[ ]", test, grep -q, cmp) joined to another check by
# "&&", or a "!", in the middle of a body can never fail the first part
# (a guarded action, "[ -e f ] && mv f g", is allowed): write "fails cmd", "lacks
# FILE TEXT", "absent PATH", or the two checks on two lines.  (A line
# with "||" handles its own failure.)
lint_body() {
  local n=0 last bad=0 line
  last=$(grep -nvE '^[[:space:]]*(#.*)?$' <<<"$1" | tail -1 | cut -d: -f1)
  while IFS= read -r line; do
    n=$((n + 1))
    case $line in *"||"*) continue ;; esac
    if grep -qE '(^|;|\<do|\<then|\<else)[[:space:]]*![[:space:]]' <<<"$line"; then
      echo "test body line $n: '! cmd' cannot fail under set -e; use 'fails cmd' or 'lacks FILE TEXT': $line"
      bad=1
    elif [ "$n" != "$last" ] &&
         grep -qE '(\]|\<test [^&]*|grep -[a-zA-Z]*q[^&]*|cmp [^&]*)[[:space:]]*&&[[:space:]]*(\[|test |grep |cmp |!|[a-z_]+_ok |expect_exit |err_has |out_has )' <<<"$line" &&
         ! grep -qE '^[[:space:]]*(if|while|until|elif)\>' <<<"$line"; then
      echo "test body line $n: only the last command of 'a && b' can fail under set -e; split it: $line"
      bad=1
    fi
  done <<<"$1"
  return $bad
}

# fails CMD...: CMD must fail (exit non-zero); its output is kept in
# $WORK/last.out and last.err.  The negation set -e enforces.
fails() {
  if "$@" >"$WORK/last.out" 2>"$WORK/last.err"; then
    echo "expected a failure, but it succeeded: $*"
    cat "$WORK/last.out" "$WORK/last.err" | head -20
    return 1
  fi
}

# lacks FILE TEXT: FILE does not hold TEXT (a fixed string).
lacks() {
  if grep -qF -- "$2" "$1"; then
    echo "'$1' holds '$2' and should not:"; grep -nF -- "$2" "$1" | head -5
    return 1
  fi
}

# absent PATH...: none of the paths exists.
absent() {
  local p
  for p in "$@"; do
    [ ! -e "$p" ] || { echo "'$p' exists and should not"; return 1; }
  done
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

# q DB SQL: rows of a query on a job store, fields joined by '|' (any
# writes committed); a 30 s busy timeout rides out a running writer.  The
# sqlite3 shell when there is one: python starts slowly on a busy
# machine, and some tests poll this.
q() {
  if have sqlite3; then
    sqlite3 -cmd ".timeout 30000" -separator "|" "$1" "$2"
    return
  fi
  python3 - "$1" "$2" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
for r in c.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in r))
c.commit()
PY
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_until() {
  local n=$(( $1 * 10 )); shift
  while ! "$@" >/dev/null 2>&1; do
    n=$((n - 1))
    [ "$n" -gt 0 ] || { echo "timed out waiting for: $*"; return 1; }
    sleep 0.1
  done
}

done_testing() {
  echo "1..$T_NO"
  [ "$T_FAILED" -eq 0 ] && rm -rf "$WORK"
  exit "$T_FAILED"
}

VHDCHECK="$FG_TOP/../shared/tools/vhdcheck.py"

# xen_ok FILE: the strict validator with XenServer's conventions agrees,
# when ../shared is present (CI has it).
xen_ok() {
  if [ -f "$VHDCHECK" ]; then
    python3 "$VHDCHECK" --xen -q "$1" || { echo "vhdcheck --xen rejects $1"; return 1; }
  fi
  vhdiinfo "$1" >/dev/null || { echo "vhdiinfo cannot read $1"; return 1; }
}

# split_parts FILE NAME SIZE: FILE cut into NAME.0 .. NAME.N (no padding).
split_parts() {
  local file=$1 name=$2 size=$3 f
  split -b "$size" -d -a 6 "$file" "$name.split."
  for f in "$name".split.*; do
    mv "$f" "$name.$((10#${f##*.}))"
  done
}

# make_block_image RAW NAME [PARTSIZE]: a block-level first-gen image of
# the raw disk RAW: image/image.vhd (qemu-made dynamic VHD) in a gzip'd
# tar split into NAME.tar.gz.0 .. N.
make_block_image() {
  local raw=$1 name=$2 size=${3:-1000000}
  rm -rf "$name.stage" && mkdir -p "$name.stage/image"
  qemu-img convert -q -f raw -O vpc -o subformat=dynamic "$raw" "$name.stage/image/image.vhd"
  tar -C "$name.stage" -czf "$name.tar.gz" image
  split_parts "$name.tar.gz" "$name.tar.gz" "$size"
  rm -rf "$name.stage" "$name.tar.gz"
}

# make_raw FILE MIB: a sparse raw disk with random data in a few places,
# including a partial last block when MIB is odd.
make_raw() {
  local f=$1 mib=$2
  truncate -s "${mib}M" "$f"
  dd if=/dev/urandom of="$f" bs=1M count=2 seek=1 conv=notrunc status=none
  dd if=/dev/urandom of="$f" bs=4096 count=3 seek=$(( (mib - 1) * 256 + 5 )) conv=notrunc status=none
  printf 'fg2ng' | dd of="$f" bs=1 seek=$((mib * 1048576 / 2 + 511)) conv=notrunc status=none
}

# era_trees: the folder of the 18 first-gen era trees (NAME.tar.gz),
# built once per version of tests/fixtures/era/make-era-trees.sh and
# cached under the build folder.  Prints the folder; fails if they
# cannot be made.
era_trees() {
  local era="$FG_TOP/tests/fixtures/era" sum dir
  sum=$(sha256sum "$era/make-era-trees.sh" | cut -c1-16)
  dir="$FG_BUILD/era-trees/$sum"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$FG_BUILD/era-trees"        # older versions of the trees
    mkdir -p "$dir"
    bash "$era/make-era-trees.sh" "$dir" >"$WORK/make-era-trees.log" 2>&1 || {
      echo "make-era-trees.sh failed:" >&2; tail "$WORK/make-era-trees.log" >&2
      return 1; }
    touch "$dir/.done"
  fi
  echo "$dir"
}

# slow_image OUT.tar.gz DIRS [fstab]: a file-level Debian 6 image of DIRS
# folders of 1000 small files each, a conversion long enough to be
# watched or interrupted (30 folders take about a second on an idle
# machine); with "fstab", an /etc/fstab too.
slow_image() {
  python3 - "$1" "$2" "${3:-}" <<'PY'
import io, sys, tarfile
out, dirs, fstab = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "fstab"
with tarfile.open(out, "w:gz", compresslevel=1) as t:
    def add(name, data=None):
        ti = tarfile.TarInfo(name)
        if data is None:
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            t.addfile(ti)
        else:
            ti.size, ti.mode = len(data), 0o644
            t.addfile(ti, io.BytesIO(data))
    for d in ("image", "image/etc", "image/boot", "image/usr"):
        add(d)
    add("image/etc/debian_version", b"6.0.10\n")
    if fstab:
        add("image/etc/fstab", b"/dev/sda1 / ext3 defaults 0 1\n")
    add("image/boot/vmlinuz-2.6.32-5-amd64", b"kernel\n")
    for d in range(dirs):
        add("image/usr/d%d" % d)
        for f in range(1000):
            add("image/usr/d%d/f%d" % (d, f), b"%d %d\n" % (d, f))
PY
}
