#!/usr/bin/env bash
# Swift as a source (issue 19): fg2ng inspect|check|convert
# swift://CONTAINER/NAME.tar.gz.0 against the real harness
# (tests/openstack/up.sh): the parts found by listing the container,
# ordered and gap-checked by the rule of local parts, streamed into the
# same inflate -> tar pipeline (nothing copied to disk), each object
# checked against its ETag and a dropped connection resumed
# (tests/tools/cutproxy.py).  The inspection equals the local parts'; the
# converted disk holds what the archive holds, as the local conversion
# does; a missing part, a missing container, refused credentials and a
# corrupted byte are one-line errors naming the URL, with nothing
# written.  Skipped when the packages are absent.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
OSH="$FG_TOP/tests/openstack"
PROXY="$FG_TOP/tests/tools/cutproxy.py"
CMP=$FG_TOP/tests/tools/compare-tree.py

pkgs_missing=""
for p in keystone swift-proxy swift-account swift-container swift-object \
         glance-api memcached uwsgi-plugin-python3 python3-keystonemiddleware curl; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || pkgs_missing="$pkgs_missing $p"
done
if [ -n "$pkgs_missing" ]; then
  skip "Swift as a source" "not installed:$pkgs_missing (tests/openstack/install-deps.sh)"
  done_testing
fi

OS="$WORK/os"
PROXY_PIDS="$WORK/proxy.pids"
: > "$PROXY_PIDS"
cleanup() {
  local p
  for p in $(cat "$PROXY_PIDS" 2>/dev/null); do kill "$p" 2>/dev/null; done
  bash "$OSH/down.sh" "$OS" >/dev/null 2>&1
}
trap cleanup EXIT

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
BASE=""
for _ in $(seq 30); do
  b=$((20000 + (RANDOM % 2000) * 10))
  busy=0
  for i in 0 1 2 3 4 5 6; do port_busy $((b + i)) && busy=1; done
  if [ "$busy" = 0 ]; then BASE=$b; break; fi
done
[ -n "$BASE" ] || { echo "no free ports"; exit 1; }

# ks_token ENVFILE: a Keystone password token for ENVFILE's user, by curl.
ks_token() {
  ( . "$OS/$1"
    curl -sS -m 60 -D - -o /dev/null -X POST -H "Content-Type: application/json" \
      --data-binary "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\":
        {\"name\": \"$OS_USERNAME\", \"domain\": {\"name\": \"Default\"}, \"password\": \"$OS_PASSWORD\"}}},
        \"scope\": {\"project\": {\"name\": \"$OS_PROJECT_NAME\", \"domain\": {\"name\": \"Default\"}}}}}" \
      "$OS_AUTH_URL/auth/tokens" ) | tr -d '\r' | awk -F': ' 'tolower($1) == "x-subject-token" { print $2 }'
}
# put PATH FILE: PUT under demo's account (a container when FILE is -); 201.
put() {
  local path=$1 file=$2 code
  . "$OS/harness.sh"
  if [ "$file" = - ]; then
    code=$(curl -sS -m 120 -o /dev/null -w '%{http_code}' -X PUT -H "X-Auth-Token: $(cat "$WORK/demo.token")" \
      "$FGOS_DEMO_STORAGE_URL/$path")
  else
    code=$(curl -sS -m 120 -o /dev/null -w '%{http_code}' -X PUT -H "X-Auth-Token: $(cat "$WORK/demo.token")" \
      -T "$file" "$FGOS_DEMO_STORAGE_URL/$path")
  fi
  [ "$code" = 201 ] || [ "$code" = 202 ] || { echo "PUT $path: HTTP $code"; return 1; }
}
# proxy NAME ARGS...: start cutproxy.py in front of Swift; its port in NAME.port.
proxy() {
  local n=$1; shift
  . "$OS/harness.sh"
  python3 "$PROXY" "$WORK/$n.port" "${FGOS_SWIFT_URL##*:}" "$@" &
  echo $! >> "$PROXY_PIDS"
  wait_until 20 test -s "$WORK/$n.port"
}
# via NAME: the demo account's storage URL through proxy NAME.
via() {
  . "$OS/harness.sh"
  echo "http://127.0.0.1:$(cat "$WORK/$1.port")/v1/AUTH_$FGOS_DEMO_PROJECT_ID"
}
# no_secrets FILE...: none of the harness's secrets is in the files.
no_secrets() {
  local f s
  for s in "$(. "$OS/env-os.sh"; echo "$OS_PASSWORD")" "$(cat "$WORK/demo.token")"; do
    [ -n "$s" ]
    for f in "$@"; do lacks "$f" "$s"; done
  done
}
# fg ARGS...: fg2ng with the demo user's OS_* credentials.
fg() { ( . "$OS/env-os.sh"; "$FG2NG" "$@" ); }
# tree VHD OUT.tar: partition 1 of VHD as a tar, by libguestfs.
tree() {
  guestfish --ro --format=vpc -a "$1" run : mount-ro /dev/sda1 / \
    : tar-out / "$2" numericowner:true xattrs:true acls:true
}

# A small file-level image: a Debian 6 tree and 10 MiB that does not
# compress, split into 1 MiB parts img.tar.gz.0 .. .10.
mkdir -p src/image/etc src/image/boot/grub src/image/var/lib/blob
printf '6.0.10\n' > src/image/etc/debian_version
printf 'web01\n' > src/image/etc/hostname
printf 'id:2:initdefault:\n' > src/image/etc/inittab
printf 'title x\n' > src/image/boot/grub/menu.lst
printf '/dev/sda1 / ext3 defaults 0 1\n' > src/image/etc/fstab
head -c 10485760 /dev/urandom > src/image/var/lib/blob/data
ln -s ../debian_version src/image/etc/link
tar -C src --numeric-owner -czf img.tar.gz image
mkdir -p local
split_parts img.tar.gz local/img.tar.gz 1048576
NPARTS=$(ls local | wc -l)

test_ok "up.sh starts the harness (ports $BASE..$((BASE + 6))); $NPARTS parts uploaded" '
  [ "$NPARTS" -ge 4 ]
  bash "$OSH/up.sh" "$OS" "$BASE"
  ks_token env-os.sh > demo.token
  [ -s demo.token ]
  put c -
  for f in local/*; do put "c/${f#local/}" "$f"; done
  # a container missing its middle part
  put gap -
  put gap/img.tar.gz.0 local/img.tar.gz.0
  put gap/img.tar.gz.2 local/img.tar.gz.2
  put gap/img.tar.gz.3 local/img.tar.gz.3
  # the same bytes cut otherwise: a short first part (the probe of the
  # layout reads only its start), then 1 MiB parts
  mkdir -p other
  head -c 200000 img.tar.gz > other/img.tar.gz.0
  tail -c +200001 img.tar.gz > rest
  split_parts rest other/img.tar.gz.x 1048576
  for f in other/img.tar.gz.x.*; do mv "$f" "other/img.tar.gz.$((${f##*.} + 1))"; done
  put f -
  for f in other/*; do put "f/${f#other/}" "$f"; done
'

test_ok "inspect swift://c/img.tar.gz.0 equals inspect of the local parts (JSON)" '
  "$FG2NG" inspect --json local/img.tar.gz.0 > local.json
  fg inspect --json swift://c/img.tar.gz.0 > swift.json 2> swift.err
  python3 -c "import json,sys; a=json.load(open(\"local.json\")); b=json.load(open(\"swift.json\")); sys.exit(0 if a == b else \"differ\")" \
    || { diff local.json swift.json; exit 1; }
  grep -q "\"hostname\": \"web01\"" swift.json
  # the prefix alone names the same parts
  fg inspect --json swift://c/img > prefix.json
  cmp local.json prefix.json
  no_secrets swift.json swift.err
'

test_ok "check swift://... gives the same verdict and report as the local parts" '
  rc1=0; rc2=0
  "$FG2NG" check --json local/img.tar.gz.0 > lc.json || rc1=$?
  fg check --json swift://c/img.tar.gz.0 > sc.json || rc2=$?
  [ "$rc1" = "$rc2" ]
  grep -q "\"source\": \"swift://c/img.tar.gz.0\"" sc.json
  sed "s|\"source\": \"[^\"]*\"|\"source\": \"S\"|" lc.json > lc.n
  sed "s|\"source\": \"[^\"]*\"|\"source\": \"S\"|" sc.json > sc.n
  cmp lc.n sc.n
'

test_ok "convert swift://... writes the disk the local conversion writes (same tree, same layout)" '
  "$FG2NG" convert --no-check --no-fixups local/img.tar.gz.0 -o l.vhd
  fg convert --no-check --no-fixups swift://c/img.tar.gz.0 -o s.vhd
  [ "$(stat -c %s l.vhd)" = "$(stat -c %s s.vhd)" ]
  qemu-img convert -f vpc -O raw l.vhd l.raw
  qemu-img convert -f vpc -O raw s.vhd s.raw
  sfdisk -d l.raw | grep -v "^label-id" | sed "s/l.raw/X/" > l.sfdisk
  sfdisk -d s.raw | grep -v "^label-id" | sed "s/s.raw/X/" > s.sfdisk
  cmp l.sfdisk s.sfdisk
  e2fsck -fn "s.raw?offset=1048576"
  tree s.vhd s.tar
  python3 "$CMP" img.tar.gz s.tar > s.cmp || { head -20 s.cmp; exit 1; }
  tree l.vhd l.tar
  python3 "$CMP" img.tar.gz l.tar > l.cmp || { head -20 l.cmp; exit 1; }
  no_leftovers .
'

test_ok "a missing middle part: exit 2, the gap named as for local parts, nothing written" '
  mkdir -p lgap && cp local/img.tar.gz.0 local/img.tar.gz.2 local/img.tar.gz.3 lgap/
  expect_exit 2 "$FG2NG" convert --no-check lgap/img.tar.gz.0 -o lg.vhd
  err_has "img.tar.gz: missing part .1 (have .0, .2-.3)"
  ( . "$OS/env-os.sh"; expect_exit 2 "$FG2NG" convert --no-check swift://gap/img.tar.gz.0 -o g.vhd )
  err_has "swift://gap/img.tar.gz.0: img.tar.gz: missing part .1 (have .0, .2-.3)"
  err_has "upload every part of the image to container"
  absent g.vhd lg.vhd
  [ "$(grep -c . last.err)" -le 2 ]
'

test_ok "a missing container, refused credentials, no credentials: exit 2 naming the URL, a hint on OS_* / --os-cloud, no secret" '
  ( . "$OS/env-os.sh"; expect_exit 2 "$FG2NG" inspect swift://nope/img.tar.gz.0 )
  err_has "swift://nope/img.tar.gz.0"
  ( . "$OS/env-os.sh"; OS_PASSWORD=not-it expect_exit 2 "$FG2NG" convert --no-check swift://c/img.tar.gz.0 -o w.vhd )
  err_has "swift://c/img.tar.gz.0"
  err_has "--os-cloud"
  lacks last.err not-it
  absent w.vhd
  expect_exit 2 env -i PATH="$PATH" HOME="$WORK/nohome" "$FG2NG" check swift://c/img.tar.gz.0
  err_has "--os-cloud"
  no_secrets last.err
'

test_ok "--os-cloud NAME (clouds.yaml), and --insecure warns once" '
  ( cd "$OS" && env -i PATH="$PATH" HOME="$WORK/nohome" "$FG2NG" inspect --json --os-cloud fg-test swift://c/img.tar.gz.0 ) > cy.json
  cmp local.json cy.json
  fg inspect --insecure --json swift://c/img.tar.gz.0 > ins.json 2> ins.err
  cmp local.json ins.json
  [ "$(grep -c "TLS certificates are not verified" ins.err)" = 1 ]
'

test_ok "two dropped connections (cutproxy): resumed, and the disk is the same" '
  proxy cut --cut 500000 --drops 2
  ( . "$OS/env-os.sh"; OS_STORAGE_URL=$(via cut) "$FG2NG" convert --no-check --no-fixups swift://c/img.tar.gz.0 -o cut.vhd )
  qemu-img convert -f vpc -O raw cut.vhd cut.raw
  e2fsck -fn "cut.raw?offset=1048576"
  tree cut.vhd cut.tar
  python3 "$CMP" img.tar.gz cut.tar > cut.cmp || { head -20 cut.cmp; exit 1; }
'

test_ok "every answer of Swift cut after its headers: exit 3 after the retries, naming the URL, nothing written" '
  proxy dead --cut 0 --drops 100000
  ( . "$OS/env-os.sh"; OS_STORAGE_URL=$(via dead) expect_exit 3 "$FG2NG" convert --no-check swift://c/img.tar.gz.0 -o dead.vhd )
  err_has "swift://c/img.tar.gz.0"
  [ "$(grep -c . last.err)" -le 2 ]
  err_has "run the command again"
  absent dead.vhd
'

test_ok "a flipped byte in a stored object (its ETag no longer matches): exit 2, the object named, no output left" '
  fg inspect --json swift://f/img.tar.gz.0 > f.json
  cmp local.json f.json
  # the object server keeps each object as one .data file: flip byte
  # 500000 of the one holding f/img.tar.gz.9 (a part past what the probe
  # of the layout reads ahead), in place
  found=""
  for d in $(find "$OS/swift/data" -name "*.data"); do
    if cmp -s "$d" other/img.tar.gz.9; then found=$d; fi
  done
  [ -n "$found" ]
  python3 -c "import sys; f=open(sys.argv[1], \"r+b\"); f.seek(500000); b=f.read(1); f.seek(500000); f.write(bytes([b[0] ^ 0xff])); f.close()" "$found"
  ( . "$OS/env-os.sh"; expect_exit 2 "$FG2NG" convert --no-check --no-fixups swift://f/img.tar.gz.0 -o flip.vhd )
  err_has "swift://f/img.tar.gz.9"
  err_has "its ETag says"
  [ "$(grep -c . last.err)" -le 2 ]
  absent flip.vhd
  no_leftovers .
'

done_testing
