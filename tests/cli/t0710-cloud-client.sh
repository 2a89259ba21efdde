#!/usr/bin/env bash
# cloud/ against the real harness (tests/openstack/up.sh), through
# tests/tools/cloudtool: Keystone password and application-credential
# tokens from OS_*, the same from clouds.yaml (--os-cloud), Swift v1
# (TempAuth) and ST_* preferred over OS_*; a listing by prefix in pages;
# a 30 MiB GET checked against its ETag; a GET resumed after two dropped
# connections (tests/tools/cutproxy.py cuts them at a fixed byte); a
# corrupted byte caught, in a plain object and in an SLO segment; SLO and
# DLO checked per segment; a revoked token renewed once; no secret in any
# output or trace.  Skipped when the packages are absent.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
OSH="$FG_TOP/tests/openstack"
CT="$FG_BUILD/tools/cloudtool"
PROXY="$FG_TOP/tests/tools/cutproxy.py"

pkgs_missing=""
for p in keystone swift-proxy swift-account swift-container swift-object \
         glance-api memcached uwsgi-plugin-python3 python3-keystonemiddleware curl; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || pkgs_missing="$pkgs_missing $p"
done
if [ -n "$pkgs_missing" ]; then
  skip "cloud client" "not installed:$pkgs_missing (tests/openstack/install-deps.sh)"
  done_testing
fi
[ -x "$CT" ] || { echo "no $CT: make unit builds it"; exit 1; }

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
# put PATH FILE [CURL-ARGS]: PUT under demo's account; 201.
put() {
  local path=$1 file=$2; shift 2
  local code
  . "$OS/harness.sh"
  code=$(curl -sS -m 120 -o /dev/null -w '%{http_code}' -X PUT -H "X-Auth-Token: $(cat "$WORK/demo.token")" \
    "$@" -T "$file" "$FGOS_DEMO_STORAGE_URL/$path")
  [ "$code" = 201 ] || { echo "PUT $path: HTTP $code"; return 1; }
}
md5() { md5sum "$1" | cut -d' ' -f1; }
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
  for s in "$(. "$OS/env-os.sh"; echo "$OS_PASSWORD")" "$(. "$OS/env-st.sh"; echo "$ST_KEY")" \
           "$(. "$OS/env-appcred.sh"; echo "$OS_APPLICATION_CREDENTIAL_SECRET")" \
           "$(cat "$WORK/demo.token")"; do
    [ -n "$s" ]
    for f in "$@"; do lacks "$f" "$s"; done
  done
}

test_ok "up.sh starts the harness (ports $BASE..$((BASE + 6)))" '
  bash "$OSH/up.sh" "$OS" "$BASE"
  ks_token env-os.sh > demo.token
  [ -s demo.token ]
  . "$OS/harness.sh"
  code=$(curl -sS -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $(cat demo.token)" "$FGOS_DEMO_STORAGE_URL/fg")
  [ "$code" = 201 ]
'

test_ok "Keystone password auth from OS_*: a token, the catalog endpoints of the region" '
  ( . "$OS/env-os.sh"; "$CT" --debug token ) > pw.out 2> pw.err
  . "$OS/harness.sh"
  grep -qx "kind: password" pw.out
  grep -qx "storage: $FGOS_DEMO_STORAGE_URL" pw.out
  grep -qx "image: $FGOS_GLANCE_URL" pw.out
  grep -q "^token: [0-9]* bytes" pw.out
  grep -q "X-Subject-Token: (hidden)" pw.err
  no_secrets pw.out pw.err
'

test_ok "a wrong password is refused: exit 2, the URL and 401 named, no secret" '
  ( . "$OS/env-os.sh"; OS_PASSWORD=not-it expect_exit 2 "$CT" token )
  err_has "refused the credentials of the environment (OS_*) (password): HTTP 401"
  lacks last.err not-it
'

test_ok "application credential from OS_*, and both kinds from clouds.yaml (--os-cloud, OS_CLOUD)" '
  ( . "$OS/env-appcred.sh"; "$CT" token ) > ac.out
  grep -qx "kind: application credential" ac.out
  . "$OS/harness.sh"
  grep -qx "storage: $FGOS_DEMO_STORAGE_URL" ac.out
  # clouds.yaml from the current folder, nothing in the environment
  ( cd "$OS" && env -i PATH="$PATH" HOME="$WORK/nohome" "$CT" --os-cloud fg-test token ) > cy.out
  grep -qx "kind: password" cy.out
  grep -q "^from: cloud .fg-test. of .clouds.yaml." cy.out
  ( cd "$WORK" && env -i PATH="$PATH" OS_CLIENT_CONFIG_FILE="$OS/clouds.yaml" OS_CLOUD=fg-appcred "$CT" token ) > cy2.out
  grep -qx "kind: application credential" cy2.out
  grep -qx "storage: $FGOS_DEMO_STORAGE_URL" cy2.out
  expect_exit 2 env -i PATH="$PATH" OS_CLIENT_CONFIG_FILE="$OS/clouds.yaml" "$CT" --os-cloud nope token
  err_has "no cloud '\''nope'\''"
  no_secrets ac.out cy.out cy2.out
'

test_ok "Swift v1 (TempAuth), and ST_* preferred over OS_* when both are set" '
  ( . "$OS/env.sh"; "$CT" token ) > st.out
  . "$OS/harness.sh"
  grep -qx "kind: swift v1" st.out
  grep -qx "storage: $FGOS_TEMPAUTH_STORAGE_URL" st.out
  ( . "$OS/env-st.sh"; ST_KEY=wrong expect_exit 2 "$CT" token )
  err_has "HTTP 401"
'

test_ok "a listing by prefix, in pages of 2 (limit and marker)" '
  for i in 0 1 2 3 4; do echo "part $i" > p$i; put "fg/web01.tar.gz.$i" p$i; done
  echo other > o; put fg/web02.tar.gz.0 o
  ( . "$OS/env-os.sh"; "$CT" swift-list fg web01.tar.gz. 2 ) > list.out
  grep -qx "objects: 5" list.out
  grep -qx "pages: 3" list.out
  grep -qx "web01.tar.gz.3 7 $(md5 p3)" list.out
  lacks list.out web02
  ( . "$OS/env-os.sh"; "$CT" swift-list fg "" ) > all.out
  grep -qx "objects: 6" all.out
  grep -qx "pages: 1" all.out
  ( . "$OS/env-os.sh"; expect_exit 2 "$CT" swift-list nosuch "" )
  err_has "no container '\''nosuch'\''"
'

test_ok "a 30 MiB object: streamed, its MD5 equal to the ETag" '
  head -c 31457280 /dev/urandom > big
  put fg/big.tar.gz.0 big
  ( . "$OS/env-os.sh"; "$CT" swift-get fg big.tar.gz.0 got ) > get.out
  cmp big got
  grep -qx "check: md5" get.out
  grep -qx "md5: $(md5 big)" get.out
  grep -qx "resumes: 0" get.out
  ( . "$OS/env-os.sh"; expect_exit 2 "$CT" swift-get fg missing got2 )
  err_has "no object '\''missing'\''"
'

test_ok "two dropped connections (cut at body byte 5000000): resumed by Range, complete and correct" '
  proxy cut --cut 5000000 --drops 2
  ( . "$OS/env-os.sh"; OS_STORAGE_URL=$(via cut) "$CT" --backoff-ms 50 swift-get fg big.tar.gz.0 got ) > cut.out
  cmp big got
  grep -qx "resumes: 2" cut.out
  grep -qx "check: md5" cut.out
'

test_ok "every answer cut after its headers: bounded tries, an error, not a short file" '
  proxy cut2 --cut 0 --drops 1000
  ( . "$OS/env-os.sh"; OS_STORAGE_URL=$(via cut2) expect_exit 3 "$CT" --backoff-ms 20 --retries 3 swift-get fg big.tar.gz.0 got3 )
  err_has "tries in a row without progress"
'

test_ok "a corrupted byte (a flipping proxy) is caught: the MD5 against the ETag" '
  proxy flip --flip 3000000
  ( . "$OS/env-os.sh"; OS_STORAGE_URL=$(via flip) expect_exit 2 "$CT" swift-get fg big.tar.gz.0 bad )
  err_has "'\''big.tar.gz.0'\'' has MD5"
  err_has "its ETag says $(md5 big)"
'

test_ok "SLO and DLO: checked per segment, the ETag the MD5 of the segment MD5s" '
  head -c 2097152 big > s0; tail -c +2097153 big | head -c 3000000 > s1; head -c 1000 big > s2
  cat s0 s1 s2 > joined
  put fg/seg/0 s0; put fg/seg/1 s1; put fg/seg/2 s2
  printf "[{\"path\": \"/fg/seg/0\", \"etag\": \"%s\", \"size_bytes\": %d}, {\"path\": \"/fg/seg/1\", \"etag\": \"%s\", \"size_bytes\": %d}, {\"path\": \"/fg/seg/2\", \"etag\": \"%s\", \"size_bytes\": %d}]" \
    "$(md5 s0)" 2097152 "$(md5 s1)" 3000000 "$(md5 s2)" 1000 > slo.json
  put "fg/slo?multipart-manifest=put" slo.json -H "Content-Type: application/json"
  ( . "$OS/env-os.sh"; "$CT" swift-get fg slo sgot ) > slo.out
  cmp joined sgot
  grep -qx "check: segments" slo.out
  grep -qx "segments: 3" slo.out
  : > empty
  put fg/dlo empty -H "X-Object-Manifest: fg/seg/"
  ( . "$OS/env-os.sh"; "$CT" swift-get fg dlo dgot ) > dlo.out
  cmp joined dgot
  grep -qx "check: segments" dlo.out
  # a byte of the second segment corrupted on the way: that segment named
  proxy sflip --flip 3000000
  ( . "$OS/env-os.sh"; OS_STORAGE_URL=$(via sflip) expect_exit 2 "$CT" swift-get fg slo sbad )
  err_has "segment 1 ('\''/fg/seg/1'\'') of '\''slo'\'' has MD5"
'

test_ok "a token revoked before use: the 401 renews it once, the listing goes on" '
  admin=$(ks_token env-admin.sh)
  [ -n "$admin" ]
  ( . "$OS/env-os.sh"; "$CT" --token-file tok --wait-file go swift-list fg web01.tar.gz. ) > renew.out 2> renew.err &
  pid=$!
  wait_until 60 test -s tok
  . "$OS/harness.sh"
  code=$(curl -sS -o /dev/null -w "%{http_code}" -X DELETE -H "X-Auth-Token: $admin" -H "X-Subject-Token: $(cat tok)" "$FGOS_KEYSTONE_URL/v3/auth/tokens")
  [ "$code" = 204 ]
  code=$(curl -sS -o /dev/null -w "%{http_code}" -H "X-Auth-Token: $(cat tok)" "$FGOS_DEMO_STORAGE_URL/fg")
  [ "$code" = 401 ]
  touch go
  wait "$pid"
  grep -qx "objects: 5" renew.out
  grep -qx "renewals: 1" renew.out
  no_secrets renew.out renew.err
'

test_ok "down.sh stops the harness" '
  bash "$OSH/down.sh" "$OS"
  absent "$OS"/run/*.pid
'

done_testing
