#!/usr/bin/env bash
# bench/run.sh --- `make bench`: the sample image, then bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/samples/fg-debian.expected.json ] || bash examples/make-sample.sh >/dev/null
python3 bench/bench.py "$@"
