#!/usr/bin/env bash
# The command line itself: help, version, usage errors, unbuilt commands.
. "$(dirname "$0")/lib.sh"

test_ok "--help lists every command" '
  expect_exit 0 "$FG2NG" --help
  for c in inspect check convert batch agent vhd-info; do out_has "  $c "; done
  out_has "Exit codes"'

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

test_ok "man page renders" '
  have man || exit 0
  MANWIDTH=80 man -l "$FG_TOP/doc/fg2ng.1" 2>/dev/null | grep -q "EXIT STATUS"'

done_testing
