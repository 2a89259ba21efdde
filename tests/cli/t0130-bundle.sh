#!/usr/bin/env bash
# The Glance bundle: NAME.tgz with 0.vhd and NAME.json, the sidecar beside.
# The disks here hold patterns, not an operating system (--no-check): the
# labels inspection gives real guests are t0205's.
. "$(dirname "$0")/lib.sh"

cd "$WORK"
make_raw disk.raw 9
make_block_image disk.raw web01 300000

test_ok "parts -> NAME.tgz holding 0.vhd and NAME.json, sidecar beside" '
  expect_exit 0 "$FG2NG" convert --no-check web01.tar.gz.0 -o web01.tgz --os-version 12
  [ "$(tar -tzf web01.tgz | sort | tr "\n" " ")" = "0.vhd web01.json " ]
  mkdir x && tar -C x -xzf web01.tgz
  cmp x/web01.json web01.json
  qemu-img compare -q -f raw -F vpc disk.raw x/0.vhd
  xen_ok x/0.vhd
  # the leaf is not hidden: footer byte 85 is 0
  [ "$(dd if=x/0.vhd bs=1 skip=85 count=1 status=none | od -An -tu1 | tr -d " ")" = 0 ]
  no_leftovers .
  [ -z "$(ls -A | grep "^\.web01")" ]'

# phases FILE: the phases of FILE's JSON progress events, in order, each
# one "start ... end" (a phase without its end is an error).
phases() {
  python3 - "$1" <<'PY'
import json, sys
seq, open_ = [], None
for l in open(sys.argv[1]):
    if not l.startswith("{"):
        continue
    e = json.loads(l)
    if e["event"] == "start":
        assert open_ is None, ("phase started inside", open_, e)
        open_ = e["phase"]
        seq.append(e["phase"])
    elif e["event"] == "end":
        assert open_ == e["phase"], ("end of a phase not started", open_, e)
        open_ = None
assert open_ is None, ("a phase never ended", open_)
print(" ".join(seq))
PY
}

test_ok "progress names every phase to the end: the data, then fsync, then the bundle packing, each started and ended" '
  make_raw p.raw 9
  make_block_image p.raw prog 300000
  expect_exit 0 "$FG2NG" convert --no-check --progress json prog.tar.gz.0 -o prog.tgz
  [ "$(phases "$WORK/last.err")" = "convert pack" ] || { phases "$WORK/last.err"; cat "$WORK/last.err"; exit 1; }
  # a file-level image: inspection, the data, the file system tables and fsync, packing
  mkdir -p tree/image/etc && echo 6.0.10 > tree/image/etc/debian_version
  echo "/dev/sda1 / ext3 defaults 0 1" > tree/image/etc/fstab
  tar -C tree -czf tree.tar.gz image
  expect_exit 0 "$FG2NG" convert --no-check --no-fixups --progress json tree.tar.gz -o tree.tgz
  [ "$(phases "$WORK/last.err")" = "inspect convert fsync pack" ] || { phases "$WORK/last.err"; exit 1; }'

test_ok "the properties Glance and nova need" '
  python3 - <<PY
import json
p = json.load(open("web01.json"))
want = {"container_format": "ovf", "disk_format": "vhd",
        "org.openstack__1__os_version": "12", "auto_disk_config": "True",
        "min_disk": "1", "min_ram": "512", "name": "web01",
        "fg2ng_os": "unknown", "fg2ng_virtual_size": str(10 * 1048576)}
for k, v in want.items():
    assert p.get(k) == v, (k, p.get(k), v)
# No OS was found: nothing is guessed.
for k in ("os_type", "vm_mode", "org.openstack__1__os_distro",
          "org.openstack__1__architecture", "fg2ng"):
    assert k not in p, (k, p[k])
assert all(isinstance(v, str) for v in p.values()), p
PY'

test_ok "options set the properties" '
  "$FG2NG" convert --no-check -q disk.raw -o w.tar.gz --name win1 --os-type windows \
    --vm-mode hvm --min-ram 1024 --min-disk 40 --no-auto-disk-config
  python3 -c "
import json; p = json.load(open(\"w.json\"))
assert (p[\"name\"], p[\"os_type\"], p[\"vm_mode\"], p[\"min_ram\"], p[\"min_disk\"], p[\"auto_disk_config\"]) == (\"win1\", \"windows\", \"hvm\", \"1024\", \"40\", \"False\"), p"
  tar -tzf w.tar.gz | grep -qx w.json'

test_ok "an existing bundle is refused; bad option values exit 2" '
  expect_exit 2 "$FG2NG" convert --no-check disk.raw -o web01.tgz
  err_has "already exists"
  expect_exit 2 "$FG2NG" convert --no-check disk.raw -o z.tgz --vm-mode pv
  expect_exit 2 "$FG2NG" convert --no-check disk.raw -o z.tgz --min-ram lots
  expect_exit 2 "$FG2NG" convert --no-check disk.raw -o z.tgz --format qcow9
  [ ! -e z.tgz ]'

test_ok "a failed bundle leaves nothing behind" '
  mkdir -p tr && cp web01.tar.gz.* tr/
  last=$(ls tr | sed "s/.*\.//" | sort -n | tail -1)
  truncate -s -50 tr/web01.tar.gz.$last
  expect_exit 2 "$FG2NG" convert --no-check tr -o tr.tgz
  absent tr.tgz tr.json
  no_leftovers .
  [ -z "$(ls -A | grep "^\.tr")" ]'

done_testing
