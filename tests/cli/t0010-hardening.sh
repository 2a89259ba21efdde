#!/usr/bin/env bash
# The release binary is hardened as Debian builds its packages (issue
# 15): read back from the ELF file itself, as hardening-check does.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

if ! have readelf; then
  skip "hardening" "readelf (binutils) is not installed"
  done_testing
fi

test_ok "a position-independent executable" '
  readelf -h "$FG2NG" | grep -E "Type: +DYN"
  readelf -d "$FG2NG" | grep -E "FLAGS_1.*PIE"'

test_ok "read-only relocations, bound at start (relro, now)" '
  readelf -l "$FG2NG" | grep -q GNU_RELRO
  readelf -d "$FG2NG" | grep -E "\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW"'

test_ok "stack protector" '
  readelf --dyn-syms -W "$FG2NG" | grep -q " __stack_chk_fail"'

test_ok "a non-executable stack" '
  readelf -lW "$FG2NG" | grep GNU_STACK | grep -qv RWE'

if readelf --dyn-syms -W "$FG2NG" | grep -q __asan_init; then
  skip "fortified libc calls" "an ASan build (make check-asan) is not fortified"
else
  test_ok "fortified libc calls (_FORTIFY_SOURCE)" '
    n=$(readelf --dyn-syms -W "$FG2NG" | grep -cE " __[a-z]+_chk(@|$)")
    echo "fortified functions: $n"
    [ "$n" -ge 5 ]'
fi

done_testing
