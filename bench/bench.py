#!/usr/bin/env python3
"""bench/bench.py --- fg2ng against the alternatives, on the same input.

Each case is a list of shell commands (a setup, the timed command, a
cleanup); the timed commands of all cases are run in turns (a, b, c, a,
b, c, ...) so that the machine's mood hits every case alike.  Wall time
and peak RSS (GNU time's %M) are recorded per run; medians are reported,
with ratios fg2ng / other.  Results go to bench/results.json.

Benchmarks are never tests: nothing here fails on speed.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(cmd, **kw):
    return subprocess.run(["bash", "-c", cmd], check=True, **kw)


def timed(cmd, work):
    """Run CMD under GNU time; return (seconds, peak KiB).

    Every command ends with `sync`, inside the timing: fg2ng fsyncs its
    outputs (an output exists only once it is durable) while qemu-img and
    mke2fs leave gigabytes of dirty pages that the next command would
    otherwise pay for.  Peak memory is the command's own, not sync's."""
    tf = os.path.join(work, "time.out")
    sh("sync")
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf, "bash", "-c", cmd],
                       cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sh("sync")
    secs = time.monotonic() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace")[-2000:])
        raise SystemExit("bench: command failed: %s" % cmd)
    with open(tf) as f:
        rss = int(f.read().split()[-1])
    return secs, rss


def cases(fg2ng, samples, name, tmp):
    parts = "$(ls %s/%s.tar.gz.* | sort -V)" % (samples, name)
    bparts0 = "%s/%s-block.tar.gz.0" % (samples, name)
    braw = "%s/%s-block.raw" % (samples, name)
    return [
        # (key, description, setup, timed command, cleanup)
        ("a", "fg2ng convert, file level -> VHD (size from a header pass)", "",
         "%s convert -q %s/%s.tar.gz.0 -o a.vhd" % (fg2ng, samples, name),
         "rm -f a.vhd"),
        ("a1", "fg2ng convert, file level -> VHD, disk size known (one pass)", "",
         "%s convert -q --disk-size 2G %s/%s.tar.gz.0 -o a1.vhd" % (fg2ng, samples, name),
         "rm -f a1.vhd"),
        ("check", "fg2ng check of the file-level image (inspection + rules)", "",
         "%s check %s/%s.tar.gz.0 > /dev/null" % (fg2ng, samples, name), ""),
        ("b", "gzip -dc of the parts", "",
         "cat %s | gzip -dc > /dev/null" % parts, ""),
        ("c", "igzip -dc (ISA-L) of the parts", "",
         "cat %s | igzip -dc > /dev/null" % parts, ""),
        ("d", "tar -x, mke2fs -d, qemu-img convert -O vpc", "",
         "mkdir -p x && cat %s | tar -xzpf - --numeric-owner --xattrs --acls -C x"
         " && size=$(du -sb x | cut -f1) && truncate -s $((size * 13 / 10 + 134217728)) d.img"
         " && mke2fs -q -t ext4 -d x/image d.img && qemu-img convert -O vpc d.img d.vhd" % parts,
         "rm -rf x d.img d.vhd"),
        ("f", "fg2ng convert, block level (image.vhd in the parts) -> VHD", "",
         "%s convert -q %s -o f.vhd" % (fg2ng, bparts0), "rm -f f.vhd"),
        ("g", "fg2ng convert of a VHD (qemu-made dynamic) -> VHD", "",
         "%s convert -q %s/image/image.vhd -o g.vhd" % (fg2ng, tmp), "rm -f g.vhd"),
        ("g_qemu", "qemu-img convert -O vpc of the same VHD", "",
         "qemu-img convert -f vpc -O vpc %s/image/image.vhd gq.vhd" % tmp,
         "rm -f gq.vhd"),
        ("h", "fg2ng convert of the raw disk -> VHD", "",
         "%s convert -q %s -o h.vhd" % (fg2ng, braw), "rm -f h.vhd"),
        ("h_qemu", "qemu-img convert -O vpc of the raw disk", "",
         "qemu-img convert -f raw -O vpc %s hq.vhd" % braw, "rm -f hq.vhd"),
    ]


def prepare(samples, name, work):
    """The VHD inside the block-level parts, once, for cases g."""
    sh("cat $(ls %s/%s-block.tar.gz.* | sort -V) | tar -xzf - -C %s image/image.vhd"
       % (samples, name, work))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--samples", default=os.path.join(TOP, "build", "samples"))
    ap.add_argument("--name", default="fg-debian")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    fg2ng = os.path.join(TOP, "build", "fg2ng")
    work = tempfile.mkdtemp(prefix="fg2ng-bench-", dir=os.path.join(TOP, "build"))
    todo = [c for c in cases(fg2ng, args.samples, args.name, work)
            if not args.only or c[0] in args.only.split(",")]
    results = {c[0]: {"what": c[1], "seconds": [], "peak_kib": []} for c in todo}
    try:
        prepare(args.samples, args.name, work)
        for r in range(args.runs):
            for key, what, setup, cmd, cleanup in todo:
                if setup:
                    sh(setup, cwd=work)
                secs, rss = timed(cmd, work)
                results[key]["seconds"].append(round(secs, 3))
                results[key]["peak_kib"].append(rss)
                for out in ("g.vhd", "gq.vhd", "h.vhd", "hq.vhd"):
                    path = os.path.join(work, out)
                    if os.path.exists(path):
                        results[key]["output_bytes"] = os.stat(path).st_blocks * 512
                if cleanup:
                    sh(cleanup, cwd=work)
                print("run %d %-7s %7.2f s %8d KiB" % (r + 1, key, secs, rss), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for v in results.values():
        v["median_s"] = statistics.median(v["seconds"])
        v["peak_kib_max"] = max(v["peak_kib"])
    def ratio(a, b):
        if a in results and b in results:
            return round(results[a]["median_s"] / results[b]["median_s"], 2)
        return None
    targets = [
        ("a / b (gzip -dc)", ratio("a", "b"), "<= 1.0"),
        ("a1 / b (gzip -dc)", ratio("a1", "b"), "<= 1.0"),
        ("a / c (igzip -dc)", ratio("a", "c"), "<= 3.0"),
        ("a / d (tar + mke2fs -d + qemu-img)", ratio("a", "d"), "<= 0.5"),
        ("check / b (gzip -dc)", ratio("check", "b"), "<= 1.0"),
        ("g / g_qemu (VHD -> VHD, qemu-img)", ratio("g", "g_qemu"), "<= 1.0"),
        ("h / h_qemu (raw -> VHD, qemu-img)", ratio("h", "h_qemu"), "<= 1.0"),
    ]
    print()
    print("%-8s %-58s %9s %9s %10s" % ("case", "what", "median s", "peak MiB", "out MiB"))
    for k, v in results.items():
        outb = v.get("output_bytes")
        print("%-8s %-58s %9.2f %9.1f %10s" % (k, v["what"], v["median_s"], v["peak_kib_max"] / 1024,
                                              "%.1f" % (outb / 1048576) if outb else "-"))
    print()
    for name, val, want in targets:
        if val is not None:
            print("%-40s %6.2f   target %s" % (name, val, want))
    out = {"runs": args.runs, "results": results,
           "ratios": {n: v for n, v, _ in targets if v is not None},
           "machine": {"nproc": os.cpu_count(), "uname": os.uname().release},
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with open(os.path.join(TOP, "bench", "results.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
