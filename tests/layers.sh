#!/bin/bash
# tests/layers.sh --- the include direction of doc/ARCHITECTURE.md, checked
#
# Prints one line per include that runs up the layers (a folder may
# include its own folder and the folders below it), then one line per
# circle between modules (x/y.c and x/y.h are one module), and exits 1
# if it printed anything.  Run from the top of the tree.
set -u
LAYERS="util cloud source facts net convert inspect plan fixups pipeline jobs agent verify cli"
rank() { local i=0 l; for l in $LAYERS; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i+1)); done; echo -1; }
bad=0
edges=$(mktemp); trap 'rm -f "$edges"' EXIT
for dir in $LAYERS; do
  [ -d "$dir" ] || continue
  for f in "$dir"/*.[ch]; do
    [ -e "$f" ] || continue
    from=$(rank "$dir"); mod=${f%.[ch]}
    echo "$mod $mod" >> "$edges"
    for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
      to=$(rank "${inc%%/*}")
      if [ "$to" -lt 0 ]; then
        echo "$f: includes \"$inc\", which is in no layer"; bad=1
      elif [ "$to" -gt "$from" ]; then
        echo "$f: includes \"$inc\", a layer above ${dir}/"; bad=1
      fi
      [ "${inc%.h}" != "$mod" ] && echo "$mod ${inc%.h}" >> "$edges"
    done
  done
done
# tsort reports every module that sits on a circle.
loops=$(tsort "$edges" 2>&1 >/dev/null | grep -v 'input contains a loop')
if [ -n "$loops" ]; then
  echo "circle between modules:"; sed 's/^tsort: /  /' <<<"$loops"; bad=1
fi
exit $bad
