#!/usr/bin/env python3
"""bench/make-images.py --- first-gen file-level images of 250 MiB, 1 GiB, 4 GiB.

Each image is what a real first-gen server's saved image looked like: the
root file system under image/ in one gzip'd tar, split into parts
NAME.tar.gz.0, .1, ... (as examples/make-sample.sh packs it).  Its content:

  * the debootstrapped sample tree (build/samples/fg-debian.tar.gz.*, the
    configured Debian 12 of examples/make-sample.sh), read member by member;
    for the 250 MiB image it is trimmed as a small server keeps it: kernel
    modules but the Xen and ext4 ones, no apt caches or lists;
  * real data on top, in proportions like a real server's, about 60 %
    compressible and 40 % incompressible by bytes:
      compressible    web-server logs (/var/log/nginx, generated lines of
                      the combined format), a SQLite database (/srv/app),
                      and the host's own text and binaries (docs, man pages
                      decompressed, headers, Python, shared libraries) as a
                      build chroot would hold them (/srv/chroots/);
      incompressible  the host's .deb files (/var/cache/apt/archives) as a
                      package mirror (/srv/mirror/), then pseudo-random
                      blobs (/srv/backups/, encrypted-backup-like) from a
                      fixed seed when those run out.

No root needed: members are written with python's tarfile (owner root, or
uid 1000 under /home), nothing is extracted.  The output folder is
build/bench-images/KEY/, KEY a checksum of this script and of the sample;
NAME.json beside the parts, written last, says what is inside and how long
building took, and marks the image complete.  Other keys' folders are
removed (they are stale).
"""
import argparse
import glob
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20
SIZES = {"250m": 250 * MIB, "1g": 1024 * MIB, "4g": 4096 * MIB}
INCOMPRESSIBLE_SHARE = 0.40
PART_SIZE = 64 * MIB
GZIP_LEVEL = 6          # what `tar czf` (gzip's default) made on first-gen hosts
BLOB_SIZE = 32 * MIB
EXTRA_UID = 0
# Host folders whose files make the compressible share, in this order.
HOST_COMPRESSIBLE = ["/usr/share/doc", "/usr/share/man", "/usr/include",
                     "/usr/lib/python3", "/usr/lib/python3.11", "/usr/share/perl",
                     "/usr/share/perl5", "/usr/lib/x86_64-linux-gnu"]
HOST_DEBS = "/var/cache/apt/archives"


def die(msg):
    sys.stderr.write("make-images: error: %s\n" % msg)
    sys.exit(1)


def is_incompressible(data):
    """Already-compressed data: level-1 deflate of a 64 KiB sample saves
    less than 10 %."""
    sample = data[:65536]
    if len(sample) < 512:
        return False
    return len(zlib.compress(sample, 1)) > 0.9 * len(sample)


def sample_parts(samples, name):
    parts = sorted(glob.glob(os.path.join(samples, name + ".tar.gz.[0-9]*")),
                   key=lambda p: int(p.rsplit(".", 1)[1]))
    if not parts or not os.path.exists(os.path.join(samples, name + ".expected.json")):
        die("no sample in %s (run examples/make-sample.sh as root, or `make samples`)" % samples)
    return parts


def image_key(samples, name):
    h = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    with open(os.path.join(samples, name + ".expected.json"), "rb") as f:
        h.update(f.read())
    for p in sample_parts(samples, name):
        h.update(("%s %d\n" % (os.path.basename(p), os.path.getsize(p))).encode())
    return h.hexdigest()[:12]


class Writer:
    """A tar stream into pigz into parts; counts what it writes."""

    def __init__(self, stage, name, epoch):
        self.prefix = os.path.join(stage, name + ".tar.gz")
        self.epoch = epoch
        self.split = subprocess.Popen(
            ["split", "-b", str(PART_SIZE), "-d", "-a", "6", "-", self.prefix + ".split-"],
            stdin=subprocess.PIPE)
        self.pigz = subprocess.Popen(["pigz", "-n", "-%d" % GZIP_LEVEL, "-c"],
                                     stdin=subprocess.PIPE, stdout=self.split.stdin)
        self.split.stdin.close()
        self.tar = tarfile.open(fileobj=self.pigz.stdin, mode="w|",
                                format=tarfile.PAX_FORMAT, bufsize=MIB)
        self.tar.copybufsize = MIB
        self.dirs = set()
        self.members = 0
        self.bytes = {"base": 0, "base_incompressible": 0, "compressible": 0,
                      "incompressible": 0}

    def add(self, info, data=None, kind=None):
        self.tar.addfile(info, io.BytesIO(data) if isinstance(data, bytes) else data)
        self.members += 1
        if info.isdir():
            self.dirs.add(info.name)
        if kind:
            self.bytes[kind] += info.size

    def mkdirs(self, path):
        """Directory members for every missing parent of PATH, top down."""
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                info = tarfile.TarInfo(d)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                info.mtime = self.epoch
                info.uname = info.gname = "root"
                self.add(info)

    def add_file(self, path, data, kind, mode=0o644, uid=0):
        self.mkdirs(path)
        info = tarfile.TarInfo(path)
        info.size = len(data) if isinstance(data, bytes) else data.size
        info.mode = mode
        info.mtime = self.epoch
        info.uid = info.gid = uid
        info.uname = info.gname = "root" if uid == 0 else "deploy"
        self.add(info, data, kind)

    def close(self):
        self.tar.close()
        self.pigz.stdin.close()
        if self.pigz.wait() != 0 or self.split.wait() != 0:
            die("pigz or split failed while packing %s" % self.prefix)
        n = 0
        for f in sorted(glob.glob(self.prefix + ".split-*")):
            os.rename(f, "%s.%d" % (self.prefix, int(f.rsplit("-", 1)[1])))
            n += 1
        return n


def keep_in_small(name):
    """The 250 MiB image: what a small Xen guest keeps of the tree."""
    p = name[len("image/"):] if name.startswith("image/") else name
    if p.startswith("usr/lib/modules/") and "/kernel/" in p:
        rest = p.split("/kernel/", 1)[1]
        return ("xen" in rest or rest.startswith(("fs/ext4", "fs/jbd2", "fs/mbcache"))
                or "/" not in rest.rstrip("/"))
    if p.startswith("var/cache/apt/archives/") and p.endswith(".deb"):
        return False
    if p.startswith("var/lib/apt/lists/") and not p.endswith("/") and "/partial" not in p \
            and p != "var/lib/apt/lists/lock":
        return False
    return True


def copy_base(w, parts, small):
    """The sample's members, in order; the small image drops some."""
    inflate = subprocess.Popen(["bash", "-c", 'cat "$@" | (igzip -dc 2>/dev/null || gzip -dc)',
                                "cat"] + parts, stdout=subprocess.PIPE)
    dropped = set()
    epoch = None
    with tarfile.open(fileobj=inflate.stdout, mode="r|", bufsize=MIB) as src:
        for info in src:
            if epoch is None:
                epoch = info.mtime
            if small and not info.isdir() and not keep_in_small(info.name):
                dropped.add(info.name)
                continue
            if info.islnk() and info.linkname in dropped:
                dropped.add(info.name)
                continue
            if info.isreg():
                data = src.extractfile(info).read()
                kind = "base_incompressible" if is_incompressible(data) else "base"
                w.add(info, data, None)
                w.bytes[kind] += len(data)
            else:
                w.add(info)
    if inflate.wait() != 0:
        die("could not read the sample parts %s.." % parts[0])
    return epoch


LOG_PATHS = ["/", "/index.html", "/about", "/contact", "/blog/", "/blog/2011/05/scaling-php",
             "/blog/2011/07/mysql-replication", "/wp-login.php", "/wp-admin/admin-ajax.php",
             "/static/css/site.css", "/static/js/jquery-1.6.2.min.js", "/static/img/logo.png",
             "/api/v1/orders", "/api/v1/orders/%d", "/api/v1/users/%d", "/search?q=%s",
             "/products/%d", "/cart", "/checkout", "/favicon.ico", "/robots.txt", "/feed/"]
LOG_AGENTS = ["Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/535.1 (KHTML, like Gecko) "
              "Chrome/13.0.782.220 Safari/535.1",
              "Mozilla/5.0 (Windows NT 5.1; rv:6.0.2) Gecko/20100101 Firefox/6.0.2",
              "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
              "Mozilla/5.0 (iPhone; CPU iPhone OS 4_3_5 like Mac OS X) AppleWebKit/533.17.9 "
              "(KHTML, like Gecko) Version/5.0.2 Mobile/8L1 Safari/6533.18.5",
              "curl/7.21.0 (x86_64-pc-linux-gnu) libcurl/7.21.0 OpenSSL/0.9.8o zlib/1.2.3.4",
              "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)"]
LOG_WORDS = ["linux", "vps", "hosting", "cloud", "backup", "nginx", "php", "rails", "debian",
             "ubuntu", "centos", "migration", "ssl", "dns", "mail", "price", "support"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def log_file(rng, size, day0):
    """SIZE bytes (about) of nginx combined-format lines."""
    out = []
    n = 0
    t = day0 * 86400
    while n < size:
        t += rng.randrange(0, 3)
        d, s = divmod(t, 86400)
        path = rng.choice(LOG_PATHS)
        if "%d" in path:
            path = path % rng.randrange(1, 200000)
        elif "%s" in path:
            path = path % rng.choice(LOG_WORDS)
        line = '%d.%d.%d.%d - - [%02d/%s/2011:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "%s" "%s"\n' % (
            rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255),
            d % 28 + 1, MONTHS[d // 28 % 12], s // 3600, s // 60 % 60, s % 60,
            "POST" if rng.random() < 0.08 else "GET", path,
            rng.choice((200, 200, 200, 200, 304, 301, 404, 500)), rng.randrange(200, 60000),
            "-" if rng.random() < 0.6 else "http://www.example.com" + rng.choice(LOG_PATHS[:8]),
            rng.choice(LOG_AGENTS))
        out.append(line)
        n += len(line)
    return "".join(out).encode()


def sqlite_file(rng, size, scratch):
    """A SQLite database of about SIZE bytes: an application's users and orders."""
    path = os.path.join(scratch, "app.sqlite")
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT, "
               "created TEXT, plan TEXT)")
    db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, created TEXT, "
               "status TEXT, total_cents INTEGER, items TEXT)")
    db.execute("CREATE INDEX orders_user ON orders (user_id)")
    uid = oid = 0
    while os.path.getsize(path) < size:
        users = []
        for _ in range(2000):
            uid += 1
            users.append((uid, "user%d@example%d.com" % (uid, rng.randrange(50)),
                          "%s %s" % (rng.choice(LOG_WORDS).title(), rng.choice(LOG_WORDS).title()),
                          "2011-%02d-%02d %02d:%02d:00" % (rng.randrange(1, 13), rng.randrange(1, 29),
                                                           rng.randrange(24), rng.randrange(60)),
                          rng.choice(("256MB", "512MB", "1GB", "2GB", "4GB"))))
        orders = []
        for _ in range(6000):
            oid += 1
            items = json.dumps([{"sku": "SKU-%05d" % rng.randrange(99999),
                                 "qty": rng.randrange(1, 5)} for _ in range(rng.randrange(1, 4))])
            orders.append((oid, rng.randrange(1, uid + 1), "2011-%02d-%02d" % (
                rng.randrange(1, 13), rng.randrange(1, 29)),
                rng.choice(("paid", "shipped", "refunded", "pending")), rng.randrange(100, 99999), items))
        with db:
            db.executemany("INSERT INTO users VALUES (?,?,?,?,?)", users)
            db.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?)", orders)
    db.close()
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    return data


def host_files(roots):
    """(path, data) of the host's regular files under ROOTS, sorted, with
    man pages decompressed and already-compressed files left out."""
    for root in roots:
        if not os.path.isdir(root):
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for fn in sorted(filenames):
                p = os.path.join(dirpath, fn)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                try:
                    with open(p, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                if p.startswith("/usr/share/man/") and p.endswith(".gz"):
                    try:
                        data = gzip.decompress(data)
                    except (OSError, EOFError, zlib.error):
                        continue
                    p = p[:-3]
                if not data or is_incompressible(data):
                    continue
                yield p, data


class RandomBlob:
    """SIZE pseudo-random bytes from SEED, read in pieces (never all in memory)."""

    def __init__(self, seed, size):
        self.rng = random.Random(seed)
        self.size = size
        self.left = size

    def read(self, n=-1):
        if n < 0 or n > self.left:
            n = self.left
        self.left -= n
        return self.rng.randbytes(n)


def add_extras(w, target, rng, scratch):
    """Compressible then incompressible data up to TARGET bytes in all."""
    have = w.bytes["base"] + w.bytes["base_incompressible"]
    extra = max(target - have, 0)
    want_inc = min(max(int(INCOMPRESSIBLE_SHARE * target) - w.bytes["base_incompressible"], 0), extra)
    want_comp = extra - want_inc

    # Compressible: logs (5 % of the image), a database (2 %), host files.
    logs = min(int(0.05 * target), want_comp)
    i = 0
    while logs > 0:
        n = min(logs, 64 * MIB)
        name = "image/var/log/nginx/access.log" + ("" if i == 0 else ".%d" % i)
        w.add_file(name, log_file(rng, n, 200 - i), "compressible", 0o640)
        logs -= n
        i += 1
    db = min(int(0.02 * target), want_comp - w.bytes["compressible"])
    if db > MIB:
        w.add_file("image/srv/app/db/app.sqlite", sqlite_file(rng, db, scratch), "compressible",
                   0o640, 1000)
    copy = 0
    while w.bytes["compressible"] < want_comp:
        before = w.bytes["compressible"]
        for p, data in host_files(HOST_COMPRESSIBLE):
            if w.bytes["compressible"] >= want_comp:
                break
            w.add_file("image/srv/chroots/build%d%s" % (copy, p), data, "compressible", 0o644)
        if w.bytes["compressible"] == before:
            die("found no compressible files on this host under %s" % " ".join(HOST_COMPRESSIBLE))
        copy += 1

    # Incompressible: the host's .deb files, then seeded pseudo-random blobs.
    for p in sorted(glob.glob(os.path.join(HOST_DEBS, "*.deb"))):
        if w.bytes["incompressible"] >= want_inc:
            break
        try:
            with open(p, "rb") as f:
                data = f.read()
        except OSError:
            continue
        w.add_file("image/srv/mirror/pool/main/" + os.path.basename(p), data, "incompressible")
    n = 0
    while w.bytes["incompressible"] < want_inc:
        size = min(BLOB_SIZE, want_inc - w.bytes["incompressible"])
        w.add_file("image/srv/backups/blob-%04d.bin.gpg" % n,
                   RandomBlob("fg2ng-bench-%d-%d" % (target, n), size), "incompressible", 0o600)
        n += 1


def build(name, target, parts, out):
    t0 = time.monotonic()
    stage = tempfile.mkdtemp(prefix="." + name + ".partial.", dir=out)
    try:
        w = Writer(stage, name, 0)
        epoch = copy_base(w, parts, target < 512 * MIB)
        w.epoch = epoch or 0
        add_extras(w, target, random.Random(name), stage)
        nparts = w.close()
        total = sum(w.bytes.values())
        gz = sum(os.path.getsize(p) for p in glob.glob(os.path.join(stage, name + ".tar.gz.*")))
        inc = w.bytes["incompressible"] + w.bytes["base_incompressible"]
        info = {"name": name, "target_bytes": target, "data_bytes": total, "members": w.members,
                "bytes": w.bytes, "incompressible_share": round(inc / total, 3),
                "gzip_bytes": gz, "gzip_level": GZIP_LEVEL, "parts": nparts,
                "part_size": PART_SIZE, "build_seconds": round(time.monotonic() - t0, 1)}
        for f in glob.glob(os.path.join(stage, name + ".tar.gz.*")):
            os.rename(f, os.path.join(out, os.path.basename(f)))
        with open(os.path.join(stage, name + ".json"), "w") as f:
            json.dump(info, f, indent=2)
            f.write("\n")
        os.rename(os.path.join(stage, name + ".json"), os.path.join(out, name + ".json"))
        return info
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="250m,1g,4g", help="of %s" % ",".join(SIZES))
    ap.add_argument("--samples", default=os.path.join(TOP, "build", "samples"))
    ap.add_argument("--name", default="fg-debian", help="the sample's name")
    ap.add_argument("--out", default=os.path.join(TOP, "build", "bench-images"))
    args = ap.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    for s in sizes:
        if s not in SIZES:
            die("unknown size '%s' (one of %s)" % (s, ", ".join(SIZES)))
    for tool in ("pigz", "split"):
        if not shutil.which(tool):
            die("missing tool '%s' (run 'make deps')" % tool)
    parts = sample_parts(args.samples, args.name)
    key = image_key(args.samples, args.name)
    out = os.path.join(args.out, key)
    os.makedirs(out, exist_ok=True)
    for old in glob.glob(os.path.join(args.out, "*")):
        if os.path.basename(old) != key and os.path.isdir(old):
            shutil.rmtree(old, ignore_errors=True)
    for s in sizes:
        name = "bench-" + s
        manifest = os.path.join(out, name + ".json")
        if os.path.exists(manifest):
            with open(manifest) as f:
                info = json.load(f)
            print("make-images: %s cached (%d members, %.0f MiB of data, %.0f MiB gzip'd, "
                  "built in %.0f s)" % (name, info["members"], info["data_bytes"] / MIB,
                                         info["gzip_bytes"] / MIB, info["build_seconds"]),
                  file=sys.stderr)
            continue
        for f in glob.glob(os.path.join(out, name + ".tar.gz.*")):
            os.unlink(f)
        print("make-images: building %s ..." % name, file=sys.stderr, flush=True)
        info = build(name, SIZES[s], parts, out)
        print("make-images: %s: %d members, %.0f MiB of data (%.0f %% incompressible), "
              "%.0f MiB gzip'd in %d parts, built in %.0f s" % (
                  name, info["members"], info["data_bytes"] / MIB,
                  100 * info["incompressible_share"], info["gzip_bytes"] / MIB, info["parts"],
                  info["build_seconds"]), file=sys.stderr, flush=True)
    print(out)


if __name__ == "__main__":
    main()
