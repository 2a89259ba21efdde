#!/usr/bin/env bash
# bench/run.sh --- `make bench`: the sample image, then bench.py, which
# makes (or finds cached) the 250 MiB / 1 GiB / 4 GiB images and times
# every case.  Arguments go to bench.py (--sizes, --runs, --no-sample, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/samples/fg-debian.expected.json ] || bash examples/make-sample.sh >/dev/null
for tool in igzip gzip pigz qemu-img mke2fs virt-make-fs /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: missing '$tool' (run 'make deps')" >&2; exit 2; }
done
exec python3 bench/bench.py "$@"
