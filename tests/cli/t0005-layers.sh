#!/usr/bin/env bash
# The source tree's layers (issue 18): every include runs down
# doc/ARCHITECTURE.md's order (util at the bottom, cli on top) and no
# two modules include each other, directly or round a circle.
. "$(dirname "$0")/lib.sh"

test_ok "no include runs up a layer, no circle between modules" '
  (cd "$FG_TOP" && bash tests/layers.sh)'

test_ok "the check catches an upward include and a circle" '
  tree=$WORK/tree
  mkdir -p "$tree/util" "$tree/net"
  cp "$FG_TOP/tests/layers.sh" "$tree/"
  printf "#include \"net/a.h\"\n" > "$tree/util/u.c"
  printf "#include \"net/b.h\"\n" > "$tree/net/a.h"
  printf "#include \"net/a.h\"\n" > "$tree/net/b.h"
  cd "$tree"
  expect_exit 1 bash layers.sh
  out_has "util/u.c: includes \"net/a.h\", a layer above util/"
  out_has "circle between modules:"
  out_has "net/a"'

done_testing
