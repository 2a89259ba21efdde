#!/usr/bin/env python3
"""compare-tree.py --- compare a first-gen file-level archive with what a
converted disk holds, entry by entry.

usage: compare-tree.py [options] SOURCE OUTPUT

SOURCE   the first-gen archive (tar, .tar.gz, ...), members under image/;
         several back-to-back archives are read through, like tar -i.  Its
         first split part NAME.tar.gz.0 works too: .1, .2, ... follow it.
         A folder (an extracted tree, no image/ top) is accepted as well.
OUTPUT   a tar of the converted file system made by an independent reader,
         e.g.  guestfish ... tar-out / out.tar numericowner:true xattrs:true
         acls:true   (names ./x), or a plain folder (an extracted tree or a
         mount point)

Every entry is compared: type, mode (with setuid, setgid, sticky), uid,
gid, size, sha256 of the content, symlink target, device major:minor,
hard-link grouping, mtime (whole seconds), xattrs (SCHILY.xattr.*) and POSIX
ACLs (SCHILY.acl.access/default or the system.posix_acl_* xattrs, compared
as sets of entries, whatever their encoding; an ACL equivalent to the mode
counts as none), and the two sets of names.  lost+found at the top of the
output is ignored unless the source has it too.

Prints one line per difference,
    /NAME<TAB>FIELD<TAB>source=VALUE<TAB>output=VALUE
(control characters and backslashes in names are escaped) and ends with
    compared N entries: M differences
Exit 0 when there are none, 1 when there are some, 2 when an input cannot
be read.  Standard library only.
"""

import argparse
import hashlib
import io
import math
import os
import re
import stat
import struct
import sys
import tarfile

ACL_XATTRS = ("system.posix_acl_access", "system.posix_acl_default")
FIELDS = ("presence", "type", "mode", "uid", "gid", "size", "sha256",
          "target", "dev", "mtime", "xattr", "acl", "hardlinks")


class Entry:
    __slots__ = ("type", "mode", "uid", "gid", "size", "sha256", "target",
                 "dev", "mtime", "xattrs", "acl_access", "acl_default",
                 "link")

    def __init__(self):
        self.type = None      # file dir symlink chr blk fifo hardlink
        self.mode = self.uid = self.gid = self.size = None
        self.sha256 = self.target = self.dev = self.mtime = None
        self.xattrs = {}
        self.acl_access = self.acl_default = None
        self.link = None      # for "hardlink": the name it links to


class ReadError(Exception):
    pass


# ------------------------------------------------------------------ ACLs --
TAGS = {"u": "user", "user": "user", "g": "group", "group": "group",
        "m": "mask", "mask": "mask", "o": "other", "other": "other"}
BIN_TAGS = {0x01: "user", 0x02: "user", 0x04: "group", 0x08: "group",
            0x10: "mask", 0x20: "other"}


def acl_from_text(text, users=None, groups=None):
    """GNU tar's SCHILY.acl.* text (acl_to_text, maybe with ',' or ':id').
    GNU tar writes user and group names even with --numeric-owner; they are
    mapped through USERS / GROUPS (the tree's own etc/passwd, etc/group)."""
    out = set()
    for item in re.split(r"[,\n]", text):
        item = item.split("#", 1)[0].strip()
        if not item:
            continue
        f = item.split(":")
        if len(f) < 3 or f[0] not in TAGS:
            raise ReadError(f"unreadable ACL entry {item!r}")
        tag, qual, perms = TAGS[f[0]], f[1], f[2]
        if qual and not qual.isdigit() and len(f) > 3 and f[3].isdigit():
            qual = f[3]           # "user:name:rwx:1234" (tar's numeric form)
        bits = sum(v for c, v in (("r", 4), ("w", 2), ("x", 1)) if c in perms)
        if qual and not qual.isdigit():
            names = users if tag == "user" else groups
            qual = str(names[qual]) if names and qual in names else qual
        out.add((tag, int(qual) if qual.isdigit() else (qual or None), bits))
    return frozenset(out)


def acl_from_xattr(value):
    """The kernel's system.posix_acl_* value: u32 version 2, then
    (u16 tag, u16 perm, u32 id) per entry, little-endian."""
    if len(value) < 4 or (len(value) - 4) % 8:
        raise ReadError("malformed posix_acl xattr")
    out = set()
    for off in range(4, len(value), 8):
        tag, perm, ident = struct.unpack_from("<HHI", value, off)
        name = BIN_TAGS.get(tag)
        if name is None:
            raise ReadError(f"unknown ACL tag {tag:#x}")
        qual = ident if tag in (0x02, 0x08) else None
        out.add((name, qual, perm & 7))
    return frozenset(out)


def acl_norm(acl, default):
    """None for "no ACL": an empty one, or an access ACL of the three base
    entries only (that is just the mode)."""
    if not acl:
        return None
    if not default and all(q is None and t != "mask" for t, q, _ in acl):
        return None
    return acl


def acl_text(acl):
    if acl is None:
        return "none"
    order = {"user": 0, "group": 1, "mask": 2, "other": 3}

    def key(e):
        return (order[e[0]], e[1] is not None, str(e[1] or ""))
    return ",".join("%s:%s:%s" % (t, "" if q is None else q,
                                  "".join(c if p & b else "-" for c, b in
                                          (("r", 4), ("w", 2), ("x", 1))))
                    for t, q, p in sorted(acl, key=key))


# --------------------------------------------------------------- readers --
def strip_name(name, top):
    while name.startswith("./"):
        name = name[2:]
    name = name.rstrip("/")
    if name == ".":
        name = ""
    if top:
        if name == top:
            return ""
        if not name.startswith(top + "/"):
            return None
        name = name[len(top) + 1:]
    return name


def hash_stream(f):
    h = hashlib.sha256()
    n = 0
    while True:
        b = f.read(1 << 20)
        if not b:
            break
        h.update(b)
        n += len(b)
    return h.hexdigest(), n


class Chain:
    """The parts NAME.0, NAME.1, ... read as one stream (when SOURCE is a
    part with a numeric suffix), else the one file."""

    def __init__(self, path):
        m = re.match(r"^(.*)\.(\d+)$", path)
        self.files = [path]
        if m and not os.path.isdir(path):
            base, n = m.group(1), int(m.group(2))
            if n == 0:
                i = 1
                while os.path.exists(f"{base}.{i}"):
                    self.files.append(f"{base}.{i}")
                    i += 1
        self.i = 0
        self.f = open(self.files[0], "rb")

    def read(self, n=-1):
        out = b""
        while n < 0 or len(out) < n:
            b = self.f.read(-1 if n < 0 else n - len(out))
            if b:
                out += b
                continue
            if self.i + 1 >= len(self.files):
                break
            self.f.close()
            self.i += 1
            self.f = open(self.files[self.i], "rb")
        return out

    def close(self):
        self.f.close()


def load_tar(path, top):
    entries = {}
    outside = []
    idmaps = {}
    pending = []
    try:
        src = Chain(path)
    except OSError as err:
        raise ReadError(f"{path}: {err.strerror}")
    try:
        tf = tarfile.open(fileobj=src, mode="r|*", ignore_zeros=True,
                          errors="surrogateescape")
        for m in tf:
            name = strip_name(m.name, top)
            if name is None:
                outside.append(m.name)
                continue
            e = Entry()
            e.mode = m.mode & 0o7777
            e.uid, e.gid = m.uid, m.gid
            e.mtime = math.floor(float(m.mtime))
            if m.isreg():
                e.type = "file"
                f = tf.extractfile(m)
                if name in ("etc/passwd", "etc/group") and m.size < 1 << 20:
                    data = f.read()
                    idmaps[name] = data
                    f = io.BytesIO(data)
                e.sha256, n = hash_stream(f)
                e.size = m.size
                if n != m.size:
                    raise ReadError(f"{m.name}: {n} bytes of data, header says {m.size}")
            elif m.isdir():
                e.type = "dir"
            elif m.issym():
                e.type = "symlink"
                e.target = m.linkname
            elif m.islnk():
                e.type = "hardlink"
                e.link = strip_name(m.linkname, top)
                if e.link is None:
                    e.link = "<outside>" + m.linkname
            elif m.ischr() or m.isblk():
                e.type = "chr" if m.ischr() else "blk"
                e.dev = (m.devmajor, m.devminor)
            elif m.isfifo():
                e.type = "fifo"
            else:
                e.type = "other:%r" % m.type
            acl_a = acl_d = None
            for k, v in m.pax_headers.items():
                if k.startswith("SCHILY.xattr."):
                    e.xattrs[k[13:]] = v.encode("utf-8", "surrogateescape")
                elif k == "RHT.security.selinux":
                    e.xattrs.setdefault("security.selinux",
                                        v.encode("utf-8", "surrogateescape"))
                elif k == "SCHILY.acl.access":
                    acl_a = v
                elif k == "SCHILY.acl.default":
                    acl_d = v
            pending.append((e, acl_a, acl_d))
            entries[name] = e      # a later duplicate wins, as on extraction
    except (tarfile.TarError, OSError, EOFError, ValueError) as err:
        raise ReadError(f"{path}: {err}")
    finally:
        src.close()
    users, groups = (parse_ids(idmaps.get(f)) for f in ("etc/passwd", "etc/group"))
    for e, ta, td in pending:
        finish_acls(e, ta and acl_from_text(ta, users, groups),
                    td and acl_from_text(td, users, groups))
    return entries, outside


def parse_ids(data):
    """name -> id from an etc/passwd or etc/group file."""
    ids = {}
    for line in (data or b"").decode("utf-8", "replace").splitlines():
        f = line.split(":")
        if len(f) >= 3 and f[2].isdigit():
            ids.setdefault(f[0], int(f[2]))
    return ids


def finish_acls(e, acl_a, acl_d):
    """The binary system.posix_acl_* xattrs (numeric ids, what the kernel
    keeps) win over the text form when an archive has both."""
    xa = e.xattrs.pop(ACL_XATTRS[0], None)
    xd = e.xattrs.pop(ACL_XATTRS[1], None)
    if xa is not None:
        acl_a = acl_from_xattr(xa)
    if xd is not None:
        acl_d = acl_from_xattr(xd)
    e.acl_access = acl_norm(acl_a, False)
    e.acl_default = acl_norm(acl_d, True)


def load_dir(root):
    entries = {}
    seen = {}
    root = root.rstrip("/") or "/"

    def visit(path, name):
        st = os.lstat(path)
        e = Entry()
        e.mode = stat.S_IMODE(st.st_mode)
        e.uid, e.gid = st.st_uid, st.st_gid
        e.mtime = st.st_mtime_ns // 10**9
        fmt = stat.S_IFMT(st.st_mode)
        if fmt != stat.S_IFDIR and st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            if key in seen:
                e.type, e.link = "hardlink", seen[key]
                entries[name] = e
                return
            seen[key] = name
        if fmt == stat.S_IFREG:
            e.type, e.size = "file", st.st_size
            with open(path, "rb") as f:
                e.sha256, _ = hash_stream(f)
        elif fmt == stat.S_IFDIR:
            e.type = "dir"
        elif fmt == stat.S_IFLNK:
            e.type, e.target = "symlink", os.readlink(path)
        elif fmt in (stat.S_IFCHR, stat.S_IFBLK):
            e.type = "chr" if fmt == stat.S_IFCHR else "blk"
            e.dev = (os.major(st.st_rdev), os.minor(st.st_rdev))
        elif fmt == stat.S_IFIFO:
            e.type = "fifo"
        else:
            e.type = "other:%o" % fmt
        try:
            for k in os.listxattr(path, follow_symlinks=False):
                e.xattrs[k] = os.getxattr(path, k, follow_symlinks=False)
        except OSError:
            pass
        finish_acls(e, None, None)
        entries[name] = e
        if fmt == stat.S_IFDIR:
            for child in sorted(os.listdir(path)):
                visit(os.path.join(path, child),
                      child if not name else name + "/" + child)

    try:
        visit(root, "")
    except OSError as err:
        raise ReadError(f"{root}: {err}")
    return entries, []


def load(path, top):
    if os.path.isdir(path):
        return load_dir(path)
    return load_tar(path, top)


def resolve_links(entries, problems, side):
    """Give hard-link entries their inode's attributes; return the groups
    of names sharing an inode (only those of two names or more)."""
    groups = {}
    for name, e in entries.items():
        if e.type != "hardlink":
            continue
        t = entries.get(e.link)
        hops = 0
        while t is not None and t.type == "hardlink" and hops < 100:
            e.link, t, hops = t.link, entries.get(t.link), hops + 1
        if t is None or t.type == "hardlink":
            problems.append((name, "hardlinks", f"{side}: links to {e.link!r}, not in the archive"))
            continue
        for a in Entry.__slots__:
            if a != "link":
                setattr(e, a, getattr(t, a))
        groups.setdefault(e.link, {e.link}).add(name)
    return {n: frozenset(g) for g in groups.values() for n in g}


# --------------------------------------------------------------- compare --
def show_name(name):
    out = []
    for ch in "/" + name:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7f:
            out.append({"\n": "\\n", "\t": "\\t"}.get(ch, "\\x%02x" % o))
        elif 0xdc80 <= o <= 0xdcff:          # a byte that is not UTF-8
            out.append("\\x%02x" % (o - 0xdc00))
        else:
            out.append(ch)
    return "".join(out)


def show_value(v):
    if isinstance(v, bytes):
        try:
            s = v.decode("utf-8")
            if s.isprintable():
                return repr(s) if len(s) <= 60 else repr(s[:57]) + "..."
        except UnicodeDecodeError:
            pass
        h = v.hex()
        return "0x" + (h if len(h) <= 64 else h[:61] + f"...({len(v)} bytes)")
    if isinstance(v, frozenset):
        return "{" + ", ".join(show_name(n) for n in sorted(v)) + "}"
    return str(v)


def compare(src, out, ignore, diffs):
    def diff(name, field, a, b):
        base = field.split(":")[0].split(".")[0]
        if base in ignore or f"{base}@{show_name(name)}" in ignore:
            return
        diffs.append((name, field, a, b))

    s_groups = resolve_links(src, diffs, "source")
    o_groups = resolve_links(out, diffs, "output")

    if "lost+found" in out and "lost+found" not in src:
        for n in [n for n in out if n == "lost+found" or n.startswith("lost+found/")]:
            del out[n]
            o_groups.pop(n, None)

    for name in sorted(set(src) | set(out)):
        s, o = src.get(name), out.get(name)
        if o is None:
            diff(name, "presence", "present", "missing")
            continue
        if s is None:
            diff(name, "presence", "missing", "present")
            continue
        if s.type != o.type:
            diff(name, "type", s.type, o.type)
            continue
        diff_fields = ["mode", "uid", "gid", "mtime"]
        if s.type == "file":
            diff_fields += ["size", "sha256"]
        elif s.type == "symlink":
            diff_fields += ["target"]
        elif s.type in ("chr", "blk"):
            diff_fields += ["dev"]
        for f in diff_fields:
            a, b = getattr(s, f), getattr(o, f)
            if a != b:
                if f == "mode":
                    a, b = "%04o" % a, "%04o" % b
                elif f == "dev":
                    a, b = "%d:%d" % a, "%d:%d" % b
                diff(name, f, a, b)
        for k in sorted(set(s.xattrs) | set(o.xattrs)):
            a, b = s.xattrs.get(k), o.xattrs.get(k)
            if a != b:
                diff(name, "xattr:" + k, "absent" if a is None else show_value(a),
                     "absent" if b is None else show_value(b))
        for f in ("acl_access", "acl_default"):
            a, b = getattr(s, f), getattr(o, f)
            if a != b:
                diff(name, f.replace("_", "."), acl_text(a), acl_text(b))

    # Hard links: the same partition of names into inodes on both sides.
    done = set()              # names already covered by a reported line
    for groups, other in ((s_groups, o_groups), (o_groups, s_groups)):
        for name in sorted(groups):
            g = groups[name]
            if name in done or other.get(name) == g:
                continue
            first = min(g)
            sg = s_groups.get(first, frozenset([first]))
            og = o_groups.get(first, frozenset([first]))
            done.update(sg, og)
            diff(first, "hardlinks", show_value(sg), show_value(og))
    return len(src)


def main():
    ap = argparse.ArgumentParser(
        description="Compare a first-gen archive with a tar (or folder) of the converted file system.")
    ap.add_argument("source", help="SOURCE.tar.gz (or its first part .0), members under image/")
    ap.add_argument("output", help="tar from guestfish tar-out, or a folder")
    ap.add_argument("--source-top", default="image",
                    help="top folder of the source members (default image; '' for none)")
    ap.add_argument("--output-top", default="",
                    help="top folder of the output members (default none)")
    ap.add_argument("--ignore", action="append", default=[], metavar="FIELD[@/NAME]",
                    help="do not compare FIELD (%s), everywhere or for one entry; repeatable"
                    % ", ".join(FIELDS))
    a = ap.parse_args()
    for i in a.ignore:
        if i.split("@")[0] not in FIELDS:
            ap.error(f"unknown field in --ignore {i!r}")
    try:
        src, outside = load(a.source, a.source_top)
        out, _ = load(a.output, a.output_top)
    except ReadError as err:
        print(f"compare-tree: {err}", file=sys.stderr)
        return 2
    diffs = []
    for n in outside:
        diffs.append(("../" + n, "presence", f"outside {a.source_top}/", "-"))
    n = compare(src, out, set(a.ignore), diffs)
    for name, field, sv, ov in diffs:
        print(f"{show_name(name)}\t{field}\tsource={sv}\toutput={ov}")
    print(f"compared {n} entries: {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
