#!/usr/bin/env bash
# The OpenStack test harness (tests/openstack/up.sh, down.sh): Debian 12's
# Keystone, Swift and Glance on 127.0.0.1, checked with curl alone, which
# is what a C client sees: Keystone v3 tokens (password and application
# credential; 201 and X-Subject-Token), Swift through a Keystone token
# (container, object, its ETag, a ranged GET, a refused wrong ETag) and
# through TempAuth v1 on its own accounts, Glance v2 (import methods, an
# image made, uploaded by PUT and by glance-direct, active, its checksum,
# deleted); every socket on 127.0.0.1; down.sh leaves nothing running.
# Skipped when the packages are absent (tests/openstack/install-deps.sh).
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
OSH="$FG_TOP/tests/openstack"

pkgs_missing=""
for p in keystone swift-proxy swift-account swift-container swift-object \
         glance-api memcached uwsgi-plugin-python3 python3-keystonemiddleware curl; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || pkgs_missing="$pkgs_missing $p"
done
if [ -n "$pkgs_missing" ]; then
  skip "OpenStack harness" "not installed:$pkgs_missing (tests/openstack/install-deps.sh)"
  done_testing
fi

OS="$WORK/os"
# The harness stops whatever happens to this script.
trap 'bash "$OSH/down.sh" "$OS" >/dev/null 2>&1' EXIT

# A port base whose 7 ports are all free, away from the default 18000.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
BASE=""
for _ in $(seq 30); do
  b=$((20000 + (RANDOM % 2000) * 10))
  busy=0
  for i in 0 1 2 3 4 5 6; do port_busy $((b + i)) && busy=1; done
  if [ "$busy" = 0 ]; then BASE=$b; break; fi
done
[ -n "$BASE" ] || { echo "no free ports"; exit 1; }

# req NAME CURL-ARGS...: one request; headers in NAME.h, body in NAME.out,
# status in NAME.code.
req() {
  local n=$1; shift
  curl -sS -m 60 -D "$WORK/$n.h" -o "$WORK/$n.out" -w '%{http_code}' "$@" \
    > "$WORK/$n.code"
}
# code_is NAME CODE: request NAME answered CODE.
code_is() {
  [ "$(cat "$WORK/$1.code")" = "$2" ] || {
    echo "$1: expected HTTP $2, got $(cat "$WORK/$1.code")"
    tr -d '\r' < "$WORK/$1.h"; head -c 800 "$WORK/$1.out"; echo; return 1; }
}
# hdr NAME HEADER: HEADER's value in the final answer to NAME (after a
# "100 Continue"), its name compared without case.
hdr() {
  tr -d '\r' < "$WORK/$1.h" | awk -v h="$2" '
    /^HTTP\// { v = "" }
    { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == tolower(h)) v = substr($0, i + 2) }
    END { print v }'
}
# hdr_is NAME HEADER VALUE
hdr_is() {
  local v; v=$(hdr "$1" "$2")
  [ "$v" = "$3" ] || { echo "$1: header $2 is '$v', expected '$3'"; return 1; }
}
# jget NAME EXPR: EXPR of the JSON body of NAME (d is the document).
jget() {
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$WORK/$1.out" "$2"
}
# token NAME JSON: POST /v3/auth/tokens with JSON; 201 and the token in
# X-Subject-Token (saved in NAME.token).
token() {
  ( . "$OS/harness.sh"
    req "$1" -X POST -H 'Content-Type: application/json' --data-binary "$2" \
      "$FGOS_KEYSTONE_URL/v3/auth/tokens" )
  code_is "$1" 201
  hdr "$1" X-Subject-Token > "$WORK/$1.token"
  [ -s "$WORK/$1.token" ] || { echo "no X-Subject-Token"; return 1; }
}
md5() { md5sum "$1" | cut -d' ' -f1; }
sha512() { sha512sum "$1" | cut -d' ' -f1; }
# image_is NAME ID STATUS: the image ID (token NAME.token) is STATUS.
image_is() {
  ( . "$OS/harness.sh"
    req poll -H "X-Auth-Token: $(cat "$WORK/$1.token")" "$FGOS_GLANCE_URL/v2/images/$2" )
  code_is poll 200
  [ "$(jget poll 'd["status"]')" = "$3" ]
}
# group_pids: the processes of the harness's process groups (one per
# service, named in run/*.pid); kept in pgids before down.sh removes them.
group_pids() {
  ps -eo pid=,pgid= | awk -v groups=" $(tr '\n' ' ' < "$WORK/pgids")" \
    'index(groups, " " $2 " ") { print $1 }'
}

# only_loopback: every TCP/UDP socket of the harness is on 127.0.0.1, and
# none is UDP (Swift's syslog fallback: a UDP socket on 0.0.0.0).
only_loopback() {
  have ss
  ss -Htunap > "$WORK/socks"
  : > "$WORK/mine"
  for p in $(group_pids); do grep -E "pid=$p," "$WORK/socks" >> "$WORK/mine" || true; done
  [ -s "$WORK/mine" ]
  awk '{print $1, $5}' "$WORK/mine" | sort -u
  lacks "$WORK/mine" "udp "
  awk '{print $5}' "$WORK/mine" > "$WORK/local"
  lacks "$WORK/local" "0.0.0.0"
  lacks "$WORK/local" "*:"
  lacks "$WORK/local" "[::]"
}

head -c 3000000 /dev/urandom > big.bin        # over 1 MiB: Expect: 100-continue
printf 'fg2ng first-gen part\n' > small.bin

test_ok "up.sh starts memcached, Keystone, Swift and Glance (ports $BASE..$((BASE + 6)))" '
  t0=$(date +%s)
  bash "$OSH/up.sh" "$OS" "$BASE"
  echo "measured up.sh: $(( $(date +%s) - t0 )) s"
  cat "$OS"/run/*.pid > pgids
  for f in env.sh env-os.sh env-st.sh env-appcred.sh env-admin.sh clouds.yaml harness.sh; do
    [ -s "$OS/$f" ]
  done
  [ "$(stat -c %a "$OS/env.sh")" = 600 ]
  [ "$(stat -c %a "$OS/clouds.yaml")" = 600 ]
  grep -q "^  fg-test:" "$OS/clouds.yaml"
  grep -q "^  fg-appcred:" "$OS/clouds.yaml"
  grep -q "^export OS_APPLICATION_CREDENTIAL_SECRET=" "$OS/env-appcred.sh"
  lacks "$OS/env.sh" OS_APPLICATION_CREDENTIAL
  for v in OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_USER_DOMAIN_NAME \
           OS_PROJECT_DOMAIN_NAME OS_IDENTITY_API_VERSION OS_REGION_NAME ST_AUTH ST_USER ST_KEY; do
    grep -q "^export $v=" "$OS/env.sh"
  done
  kb=$(for p in $(group_pids); do ps -o rss= -p "$p" || true; done | awk "{s += \$1} END {print s}")
  echo "measured memory of the set: $((kb / 1024)) MiB resident"
'

test_ok "every socket of the harness is on 127.0.0.1 (no UDP, nothing on 0.0.0.0)" '
  only_loopback
'

test_ok "Keystone: a password token (201, X-Subject-Token) with a catalog" '
  . "$OS/env-os.sh"
  token pw "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\":
    {\"name\": \"$OS_USERNAME\", \"domain\": {\"name\": \"$OS_USER_DOMAIN_NAME\"}, \"password\": \"$OS_PASSWORD\"}}},
    \"scope\": {\"project\": {\"name\": \"$OS_PROJECT_NAME\", \"domain\": {\"name\": \"$OS_PROJECT_DOMAIN_NAME\"}}}}}"
  . "$OS/harness.sh"
  [ "$(jget pw "d[\"token\"][\"project\"][\"id\"]")" = "$FGOS_DEMO_PROJECT_ID" ]
  # the catalog says where Swift and Glance are, the way a client finds them
  [ "$(jget pw "[e[\"url\"] for s in d[\"token\"][\"catalog\"] if s[\"type\"] == \"object-store\" for e in s[\"endpoints\"] if e[\"interface\"] == \"public\"][0]")" = "$FGOS_DEMO_STORAGE_URL" ]
  [ "$(jget pw "[e[\"url\"] for s in d[\"token\"][\"catalog\"] if s[\"type\"] == \"image\" for e in s[\"endpoints\"] if e[\"interface\"] == \"public\"][0]")" = "$FGOS_GLANCE_URL" ]
  hdr_is pw Connection close
  # a wrong password: 401
  req bad -X POST -H "Content-Type: application/json" --data-binary "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": \"demo\", \"domain\": {\"name\": \"Default\"}, \"password\": \"wrong\"}}}}}" "$OS_AUTH_URL/auth/tokens"
  code_is bad 401
'

test_ok "Keystone: an application-credential token, scoped to demo" '
  . "$OS/env-appcred.sh"
  token ac "{\"auth\": {\"identity\": {\"methods\": [\"application_credential\"],
    \"application_credential\": {\"id\": \"$OS_APPLICATION_CREDENTIAL_ID\", \"secret\": \"$OS_APPLICATION_CREDENTIAL_SECRET\"}}}}"
  . "$OS/harness.sh"
  [ "$(jget ac "d[\"token\"][\"project\"][\"id\"]")" = "$FGOS_DEMO_PROJECT_ID" ]
  req acbad -X POST -H "Content-Type: application/json" --data-binary "{\"auth\": {\"identity\": {\"methods\": [\"application_credential\"], \"application_credential\": {\"id\": \"$OS_APPLICATION_CREDENTIAL_ID\", \"secret\": \"wrong\"}}}}" "$OS_AUTH_URL/auth/tokens"
  code_is acbad 401
'

test_ok "Swift with a Keystone token: container, object, ETag, ranged GET, 422 on a wrong ETag" '
  . "$OS/harness.sh"
  T=$(cat pw.token); U=$FGOS_DEMO_STORAGE_URL
  req nohead "$U/fg"
  code_is nohead 401
  req cont -X PUT -H "X-Auth-Token: $T" "$U/fg"
  code_is cont 201
  req put -X PUT -H "X-Auth-Token: $T" -H "Content-Type: application/octet-stream" -T big.bin "$U/fg/img.tar.gz.0"
  code_is put 201
  hdr_is put ETag "$(md5 big.bin)"
  req get -H "X-Auth-Token: $T" "$U/fg/img.tar.gz.0"
  code_is get 200
  cmp get.out big.bin
  hdr_is get Etag "$(md5 big.bin)"
  hdr_is get Content-Length 3000000
  req range -H "X-Auth-Token: $T" -H "Range: bytes=1000000-" "$U/fg/img.tar.gz.0"
  code_is range 206
  hdr_is range Content-Range "bytes 1000000-2999999/3000000"
  hdr_is range ETag "$(md5 big.bin)"
  tail -c +1000001 big.bin | cmp - range.out
  # a listing by prefix, as the parts of an image are found
  req list -H "X-Auth-Token: $T" "$U/fg?prefix=img.tar.gz.&format=json"
  code_is list 200
  [ "$(jget list "[o[\"name\"] + \" \" + o[\"hash\"] for o in d]")" = "[\"img.tar.gz.0 $(md5 big.bin)\"]" ]
  req wrong -X PUT -H "X-Auth-Token: $T" -H "ETag: 00000000000000000000000000000000" -T small.bin "$U/fg/wrong"
  code_is wrong 422
  # the application credential token works on the same account
  req acget -H "X-Auth-Token: $(cat ac.token)" -o /dev/null "$U/fg/img.tar.gz.0"
  code_is acget 200
'

test_ok "Swift SLO and DLO manifests: the segments joined, ETag the quoted MD5 of their MD5s" '
  . "$OS/harness.sh"
  T=$(cat pw.token); U=$FGOS_DEMO_STORAGE_URL
  head -c 1048576 big.bin > seg0
  tail -c +1048577 big.bin > seg1
  req s0 -X PUT -H "X-Auth-Token: $T" -T seg0 "$U/fg/seg/0"
  code_is s0 201
  req s1 -X PUT -H "X-Auth-Token: $T" -T seg1 "$U/fg/seg/1"
  code_is s1 201
  want=$(printf %s "$(md5 seg0)$(md5 seg1)" | md5sum | cut -d" " -f1)
  printf "[{\"path\": \"/fg/seg/0\", \"etag\": \"%s\", \"size_bytes\": %d}, {\"path\": \"/fg/seg/1\", \"etag\": \"%s\", \"size_bytes\": %d}]" \
    "$(md5 seg0)" 1048576 "$(md5 seg1)" $((3000000 - 1048576)) > slo.json
  req slo -X PUT -H "X-Auth-Token: $T" -H "Content-Type: application/json" --data-binary @slo.json "$U/fg/slo?multipart-manifest=put"
  code_is slo 201
  req sget -H "X-Auth-Token: $T" "$U/fg/slo"
  code_is sget 200
  cmp sget.out big.bin
  hdr_is sget ETag "\"$want\""
  hdr_is sget X-Static-Large-Object True
  req srange -H "X-Auth-Token: $T" -H "Range: bytes=1048000-1049999" "$U/fg/slo"
  code_is srange 206
  hdr_is srange ETag "\"$want\""
  head -c 1050000 big.bin | tail -c 2000 | cmp - srange.out
  req dlo -X PUT -H "X-Auth-Token: $T" -H "X-Object-Manifest: fg/seg/" --data-binary "" "$U/fg/dlo"
  code_is dlo 201
  req dget -H "X-Auth-Token: $T" "$U/fg/dlo"
  code_is dget 200
  cmp dget.out big.bin
  hdr_is dget ETag "\"$want\""
  hdr_is dget X-Object-Manifest fg/seg/
'

test_ok "Swift TempAuth v1: X-Auth-User/X-Auth-Key give X-Storage-Url; PUT and GET there" '
  . "$OS/env-st.sh"
  req v1 -H "X-Auth-User: $ST_USER" -H "X-Auth-Key: $ST_KEY" "$ST_AUTH"
  code_is v1 200
  T=$(hdr v1 X-Auth-Token); U=$(hdr v1 X-Storage-Url)
  . "$OS/harness.sh"
  [ "$U" = "$FGOS_TEMPAUTH_STORAGE_URL" ]
  req v1bad -H "X-Auth-User: $ST_USER" -H "X-Auth-Key: wrong" "$ST_AUTH"
  code_is v1bad 401
  req tcont -X PUT -H "X-Auth-Token: $T" "$U/fg1"
  code_is tcont 201
  req tput -X PUT -H "X-Auth-Token: $T" -T small.bin "$U/fg1/part.0"
  code_is tput 201
  req tget -H "X-Auth-Token: $T" "$U/fg1/part.0"
  code_is tget 200
  cmp tget.out small.bin
  hdr_is tget ETag "$(md5 small.bin)"
'

test_ok "Glance: import methods; an image (vhd, ovf) uploaded by PUT, active, its checksums, deleted" '
  . "$OS/harness.sh"
  T=$(cat pw.token); G=$FGOS_GLANCE_URL
  req info -H "X-Auth-Token: $T" "$G/v2/info/import"
  code_is info 200
  [ "$(jget info "\"glance-direct\" in d[\"import-methods\"][\"value\"]")" = True ]
  req mk -X POST -H "X-Auth-Token: $T" -H "Content-Type: application/json" \
    --data-binary "{\"name\": \"fg2ng-put\", \"disk_format\": \"vhd\", \"container_format\": \"ovf\"}" "$G/v2/images"
  code_is mk 201
  hdr mk OpenStack-image-import-methods | grep -q glance-direct
  id=$(jget mk "d[\"id\"]")
  [ "$(jget mk "d[\"status\"]")" = queued ]
  req up -X PUT -H "X-Auth-Token: $T" -H "Content-Type: application/octet-stream" -T big.bin "$G/v2/images/$id/file"
  code_is up 204
  wait_until 60 image_is pw "$id" active
  image_is pw "$id" active
  [ "$(jget poll "d[\"checksum\"]")" = "$(md5 big.bin)" ]
  [ "$(jget poll "d[\"os_hash_algo\"]")" = sha512 ]
  [ "$(jget poll "d[\"os_hash_value\"]")" = "$(sha512 big.bin)" ]
  [ "$(jget poll "d[\"size\"]")" = 3000000 ]
  req dl -H "X-Auth-Token: $T" "$G/v2/images/$id/file"
  code_is dl 200
  cmp dl.out big.bin
  hdr_is dl Content-Md5 "$(md5 big.bin)"
  req del -X DELETE -H "X-Auth-Token: $T" "$G/v2/images/$id"
  code_is del 204
  req gone -H "X-Auth-Token: $T" "$G/v2/images/$id"
  code_is gone 404
'

test_ok "Glance: glance-direct (stage 204, import 202, active, checksum), with the application credential" '
  . "$OS/harness.sh"
  T=$(cat ac.token); G=$FGOS_GLANCE_URL
  req mk -X POST -H "X-Auth-Token: $T" -H "Content-Type: application/json" \
    --data-binary "{\"name\": \"fg2ng-direct\", \"disk_format\": \"vhd\", \"container_format\": \"ovf\"}" "$G/v2/images"
  code_is mk 201
  id=$(jget mk "d[\"id\"]")
  req stage -X PUT -H "X-Auth-Token: $T" -H "Content-Type: application/octet-stream" -T big.bin "$G/v2/images/$id/stage"
  code_is stage 204
  req imp -X POST -H "X-Auth-Token: $T" -H "Content-Type: application/json" \
    --data-binary "{\"method\": {\"name\": \"glance-direct\"}}" "$G/v2/images/$id/import"
  code_is imp 202
  wait_until 60 image_is ac "$id" active
  image_is ac "$id" active
  [ "$(jget poll "d[\"checksum\"]")" = "$(md5 big.bin)" ]
  [ "$(jget poll "d[\"os_hash_value\"]")" = "$(sha512 big.bin)" ]
  req del -X DELETE -H "X-Auth-Token: $T" "$G/v2/images/$id"
  code_is del 204
  [ -z "$(ls "$OS/glance/images")" ]
  [ -z "$(ls "$OS/glance/staging")" ]
'

test_ok "after all that traffic, still every socket on 127.0.0.1" '
  only_loopback
'

test_ok "down.sh stops every process of the harness, frees its ports, and may run twice" '
  t0=$(date +%s)
  bash "$OSH/down.sh" "$OS"
  echo "measured down.sh: $(( $(date +%s) - t0 )) s"
  [ -z "$(group_pids)" ]
  ps -eo args > procs
  lacks procs "$OS/"
  for i in 0 1 2 3 4 5 6; do fails port_busy $((BASE + i)); done
  absent "$OS"/run/*.pid
  bash "$OSH/down.sh" "$OS"
'

done_testing
