#!/usr/bin/env bash
# The command line itself: help, version, usage errors, unbuilt commands.
. "$(dirname "$0")/lib.sh"

test_ok "--help lists every command, and says how to read the manual installed or not" '
  expect_exit 0 "$FG2NG" --help
  for c in inspect check convert batch agent vhd-info; do out_has "  $c "; done
  out_has "Exit codes"
  out_has "'"'"'man fg2ng'"'"' once installed"
  out_has "'"'"'man -l doc/fg2ng.1'"'"' in the source tree"'

test_ok "--version prints the version" '
  expect_exit 0 "$FG2NG" --version
  grep -qx "fg2ng $(cat "$FG_TOP/VERSION")" "$WORK/last.out"'

test_ok "each command has its own --help" '
  for c in inspect check convert batch agent vhd-info; do
    expect_exit 0 "$FG2NG" "$c" --help
    out_has "usage: fg2ng $c"
  done
  expect_exit 0 "$FG2NG" help convert
  out_has "usage: fg2ng convert"'

test_ok "no command: one line on stderr, exit 2" '
  expect_exit 2 "$FG2NG"
  err_has "missing command"'

test_ok "unknown command and option: exit 2" '
  expect_exit 2 "$FG2NG" frobnicate
  err_has "unknown command '"'"'frobnicate'"'"'"
  expect_exit 2 "$FG2NG" --frob
  expect_exit 2 "$FG2NG" convert --frob x -o y
  err_has "unknown option '"'"'--frob'"'"'"
  expect_exit 2 "$FG2NG" convert -o
  err_has "needs a value"'

test_ok "missing arguments: exit 2 with the missing piece named" '
  expect_exit 2 "$FG2NG" convert
  err_has "missing SOURCE"
  expect_exit 2 "$FG2NG" convert src
  err_has "missing -o OUT"
  expect_exit 2 "$FG2NG" vhd-info
  err_has "missing FILE.vhd"'

test_ok "every command answers --help (exit 0), and a stray argument is one line, exit 2" '
  for c in inspect check convert batch agent vhd-info verify; do
    expect_exit 0 "$FG2NG" "$c" --help
    out_has "usage: fg2ng $c"
  done
  expect_exit 2 "$FG2NG" agent anything
  [ "$(grep -vc "^try\|^hint" "$WORK/last.err")" -eq 1 ]
  [ ! -s "$WORK/last.out" ]'

test_ok "a missing source: exit 2 naming it" '
  expect_exit 2 "$FG2NG" convert /nonexistent/web01 -o out.vhd
  err_has "/nonexistent/web01"
  [ ! -e out.vhd ]'

# json_error FILE KIND TEXT: FILE is one error object of KIND, valid
# against doc/error.schema.json, whose message holds TEXT.
json_error() {
  python3 - "$FG_TOP/doc/error.schema.json" "$@" <<'PY'
import json, sys, jsonschema
schema, f, kind, text = sys.argv[1:5]
d = json.load(open(f))
jsonschema.validate(d, json.load(open(schema)))
e = d["error"]
assert e["kind"] == kind, (e, kind)
assert text in e["message"], (e, text)
PY
}

test_ok "with --json, the error that ends a command is a JSON object on stdout, the exit code and the stderr line as without" '
  for c in check inspect vhd-info; do
    expect_exit 2 "$FG2NG" $c --json /nonexistent/web01.tar.gz
    json_error "$WORK/last.out" input "/nonexistent/web01.tar.gz"
    err_has "error: cannot open"
  done
  expect_exit 2 "$FG2NG" convert --json /nonexistent/web01.tar.gz -o out.vhd
  json_error "$WORK/last.out" input "/nonexistent/web01.tar.gz"
  absent out.vhd
  expect_exit 2 "$FG2NG" convert --dry-run --json /nonexistent/web01.tar.gz
  json_error "$WORK/last.out" input "/nonexistent/web01.tar.gz"
  # without --json, nothing on stdout, as before
  expect_exit 2 "$FG2NG" check /nonexistent/web01.tar.gz
  [ ! -s "$WORK/last.out" ]
  err_has "/nonexistent/web01.tar.gz"'

test_ok "with --json, usage errors (before or after --json) and internal errors (exit 3) are JSON objects too, with their hint" '
  expect_exit 2 "$FG2NG" check --class huge --json x.tar.gz
  json_error "$WORK/last.out" usage "--class takes standard, general or io"
  python3 -c "import json,sys; assert json.load(open(sys.argv[1]))[\"error\"][\"hint\"] == \"try '"'"'fg2ng check --help'"'"'\"" "$WORK/last.out"
  err_has "try '"'"'fg2ng check --help'"'"'"
  expect_exit 2 "$FG2NG" inspect --json
  json_error "$WORK/last.out" usage "missing SOURCE"
  expect_exit 2 "$FG2NG" convert --json x.tar.gz
  json_error "$WORK/last.out" usage "missing -o OUT"
  mkdir -p r/image/etc && echo 6.0.10 > r/image/etc/debian_version
  tar -C r -czf r.tar.gz image
  FG2NG_PROFILES=$WORK/nowhere expect_exit 3 "$FG2NG" check --json r.tar.gz
  json_error "$WORK/last.out" internal "profiles"
  err_has "error:"
  # a "--json" after "--" is an operand, not the option
  expect_exit 2 "$FG2NG" check -- --json
  [ ! -s "$WORK/last.out" ]'

test_ok "man page renders" '
  have man || exit 0
  MANWIDTH=80 man -l "$FG_TOP/doc/fg2ng.1" 2>/dev/null | grep -q "EXIT STATUS"'

done_testing
