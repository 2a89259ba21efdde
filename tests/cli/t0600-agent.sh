#!/usr/bin/env bash
# fg2ng agent: reboot events over HTTP turned into self-service migrations,
# exactly once.  Soft from the control panel inside the window converts
# once (however often it is sent); hard, guest, API, outside the window and
# unknown servers are recorded with their reason; the window is the
# agent's clock's, and an event stamped far from it is refused; a window
# that ends starts the assisted migration; every bad request, hostile
# text escaped; refusals at start; 200 concurrent events; slow senders
# cut off at the header deadline, connections limited per address;
# SIGHUP, SIGTERM, and kill -9 in the middle of a conversion followed by
# a restart that finishes it once.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

have curl || { skip "fg2ng agent" "no curl"; done_testing; }

# Every agent started writes its pid to DIR/pid (tests run in subshells:
# a variable would not reach the trap); none outlives the script.
stop_agents() {
  local f
  for f in "$WORK"/*/pid; do
    [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
  done
  return 0
}
trap stop_agents EXIT

# stop_agent DIR: SIGTERM to DIR's agent; wait until it is gone.
stop_agent() {
  local pid
  pid=$(cat "$1/pid")
  kill -TERM "$pid" 2>/dev/null || true
  wait_until 60 sh -c "! kill -0 $pid"
}

# rfc3339 OFFSET: now + OFFSET seconds, UTC.
rfc3339() { date -u -d "@$(( $(date +%s) + $1 ))" +%Y-%m-%dT%H:%M:%SZ; }

# jget FILE EXPR: print EXPR of the JSON in FILE (d is the document).
jget() {
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1" "$2"
}

# listening DIR N: DIR/agent.log holds more than N "listening" lines.
listening() { [ "$(grep -c '"event":"listening"' "$1/agent.log")" -gt "$2" ]; }

# start_agent DIR: start the agent of DIR/agent.json in the background,
# its log in DIR/agent.log, its pid in DIR/pid, its address in DIR/addr.
start_agent() {
  local dir=$1 before pid
  touch "$dir/agent.log"
  before=$(grep -c '"event":"listening"' "$dir/agent.log" || true)
  "$FG2NG" agent --config "$dir/agent.json" 2>>"$dir/agent.log" &
  pid=$!
  echo "$pid" > "$dir/pid"
  wait_until 20 listening "$dir" "$before" || { cat "$dir/agent.log"; return 1; }
  sed -n 's/.*"event":"listening","address":"\([^"]*\)".*/\1/p' "$dir/agent.log" \
    | tail -1 > "$dir/addr"
}

# ev ID SERVER TYPE ORIGIN [TIME]: an event's JSON.
ev() {
  printf '{"event_id":"%s","server_id":"%s","reboot_type":"%s","origin":"%s","time":"%s"}' \
    "$1" "$2" "$3" "$4" "${5:-$(rfc3339 0)}"
}

# call DIR METHOD PATH [BODY] [-- CURL ARGS]: a request to DIR's agent with
# its token; the status in $WORK/code, the body in $WORK/resp.
call() {
  local dir=$1 method=$2 path=$3 body=${4-}
  shift 3; [ $# -gt 0 ] && shift
  local args=(-s -o "$WORK/resp" -w '%{http_code}' -X "$method"
              -H "Authorization: Bearer $(cat "$dir/token")")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$@" "http://$(cat "$dir/addr")$path" > "$WORK/code"
}

# expect CODE: the last call answered CODE.
expect() {
  [ "$(cat "$WORK/code")" = "$1" ] || {
    echo "expected HTTP $1, got $(cat "$WORK/code"): $(cat "$WORK/resp")"; return 1; }
}
resp_has() {
  grep -qF -- "$1" "$WORK/resp" || { echo "reply lacks '$1': $(cat "$WORK/resp")"; return 1; }
}

# state_is DIR SERVER STATE: GET /v1/servers/SERVER says STATE.
state_is() {
  call "$1" GET "/v1/servers/$2" && expect 200 && [ "$(jget "$WORK/resp" 'd["state"]')" = "$3" ]
}

# settled DIR SERVER: its migration has come to an end (done, failed or
# ineligible), whichever; the caller checks which.
settled() {
  call "$1" GET "/v1/servers/$2" && expect 200 &&
    case $(jget "$WORK/resp" 'd["state"]') in done|failed|ineligible) ;; *) false ;; esac
}

# curl_config URL AUTH NAMES: a curl -K file posting burst/ev/NAME for
# each NAME listed in the file NAMES, printing each status on a line.
curl_config() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
url, auth = sys.argv[1:3]
names = [l.strip() for l in open(sys.argv[3]) if l.strip()]
print("\nnext\n".join(
    'url = "%s"\nheader = "%s"\ndata-binary = "@burst/ev/%s"\n'
    'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"' % (url, auth, n)
    for n in names))
PY
}

# ---- sources ---------------------------------------------------------------
# A tiny Debian 6 file-level image (quick to convert), as in t0500.
mkdir -p t/image/etc t/image/boot/grub
echo 6.0.10 > t/image/etc/debian_version
printf '/dev/sda1 / ext3 defaults 0 1\n' > t/image/etc/fstab
printf 'default 0\ntimeout 5\ntitle Debian\nroot (hd0,0)\nkernel /boot/vmlinuz-2.6.32-5-amd64 root=/dev/sda1 ro\n' > t/image/boot/grub/menu.lst
echo kernel > t/image/boot/vmlinuz-2.6.32-5-amd64
head -c 100000 /dev/urandom > t/image/etc/blob
tar -C t -czf deb6.tar.gz image
# A Debian 6 image without a kernel: its system is identified, and it is
# not eligible (kernel.present).  (An image with no system at all is an
# input error for convert, not an ineligible server.)
mkdir -p u/image/etc && echo box > u/image/etc/hostname
echo 6.0.10 > u/image/etc/debian_version
printf '/dev/sda1 / ext3 defaults 0 1\n' > u/image/etc/fstab
tar -C u -czf unknown.tar.gz image
# 90000 small files: a conversion long enough to be cut off (a second or
# more even on an idle machine; 30000 took 0.7 s, too short for the tests
# to see it running for half a second before it ended).
slow_image slow.tar.gz 90 fstab

# record ID: a server record (doc/server-record.schema.json).
record() {
  printf '{"version":1,"server_id":"%s","hostname":"%s","public":{"mac":"40:40:aa:bb:cc:dd","ipv4":["203.0.113.5/24"],"gateway":"203.0.113.1"},"private":{"ipv4":["10.176.1.5/19"]}}' "$1" "$1"
}

# entry ID START END SOURCE: one schedule entry.
entry() {
  printf '{"server_id":"%s","window_start":"%s","window_end":"%s","source":"%s","server_record":%s}' \
    "$1" "$2" "$3" "$4" "$(record "$1")"
}

# setup DIR [MAX_CONCURRENT] [GRACE]: a configuration, a token (mode 600)
# and an output folder in DIR; the schedule is written by the caller.
setup() {
  local dir=$1
  mkdir -p "$dir/out"
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/token"
  chmod 600 "$dir/token"
  cat > "$dir/agent.json" <<EOF
{ "version": 1, "listen": "127.0.0.1:0", "token_file": "token",
  "schedule": "schedule.json", "state": "agent.sqlite", "output_dir": "out",
  "max_concurrent": ${2:-2}, "body_limit": 4096,
  "shutdown_grace_seconds": ${3:-30} }
EOF
}

OPEN=$(rfc3339 -3600)
FAR=$(rfc3339 86400)
mkdir -p a
setup a 2
{
  echo '{ "version": 1, "servers": ['
  entry web01 "$OPEN" "$FAR" ../deb6.tar.gz; echo ,
  entry web02 "$OPEN" "$FAR" ../deb6.tar.gz; echo ,
  entry future01 "$(rfc3339 86400)" "$(rfc3339 172800)" ../deb6.tar.gz; echo ,
  entry odd01 "$OPEN" "$FAR" ../unknown.tar.gz; echo ,
  entry late01 "$OPEN" "$(rfc3339 4)" ../deb6.tar.gz
  for i in $(seq -w 1 20); do echo ,; entry bulk$i "$OPEN" "$FAR" ../deb6.tar.gz; done
  echo '] }'
} > a/schedule.json

test_ok "the example configuration and schedule, and the test's, match their schemas" '
  python3 -c "import jsonschema" 2>/dev/null || { echo "no python3-jsonschema"; exit 0; }
  python3 - "$FG_TOP" <<PY
import json, sys, jsonschema
top = sys.argv[1]
for schema, docs in (("agent-config", ["examples/agent/agent.json", "$WORK/a/agent.json"]),
                     ("schedule", ["examples/agent/schedule.json", "$WORK/a/schedule.json"])):
    s = json.load(open("%s/doc/%s.schema.json" % (top, schema)))
    jsonschema.Draft202012Validator.check_schema(s)
    for d in docs:
        path = d if d.startswith("/") else "%s/%s" % (top, d)
        jsonschema.validate(json.load(open(path)), s)
    try:
        jsonschema.validate({"version": 1, "servers": [{"server_id": "x"}]} if schema == "schedule"
                            else {"token_file": "t"}, s)
        raise SystemExit("the %s schema accepts a document missing required keys" % schema)
    except jsonschema.ValidationError:
        pass
PY'

test_ok "refused at start: token readable by others, non-loopback without TLS, every config problem listed" '
  mkdir -p r
  cp a/schedule.json r/
  setup r
  "$FG2NG" agent --config r/agent.json --check
  chmod 644 r/token
  expect_exit 2 "$FG2NG" agent --config r/agent.json
  err_has "token"
  err_has "mode 0644 lets group or others read it; run '"'"'chmod 600"
  err_has "the agent did not start"
  chmod 600 r/token
  sed -i "s/127.0.0.1:0/0.0.0.0:0/" r/agent.json
  expect_exit 2 "$FG2NG" agent --config r/agent.json
  err_has "'"'"'listen'"'"' '"'"'0.0.0.0:0'"'"' is not a loopback address: a '"'"'tls'"'"' certificate and key are required"
  cat > r/bad.json <<EOF
{ "listen": "127.0.0.1:99999", "token_file": "nope", "state": "no/dir/s.sqlite",
  "output_dir": "out", "max_concurrent": 0, "colour": "red" }
EOF
  expect_exit 2 "$FG2NG" agent --config r/bad.json
  err_has "unknown key '"'"'colour'"'"'"
  err_has "the port must be 0 to 65535"
  err_has "missing '"'"'schedule'"'"'"
  err_has "'"'"'max_concurrent'"'"' must be a whole number from 1 to 64"
  err_has "nope"
  err_has "'"'"'state'"'"'"
  err_has "6 problems (listed above)"
  [ ! -e r/agent.sqlite ]
  echo "{" > r/notjson.json
  expect_exit 2 "$FG2NG" agent --config r/notjson.json
  err_has "notjson.json'"'"': line"
  expect_exit 2 "$FG2NG" agent
  err_has "missing --config"'

test_ok "a bad schedule: every problem listed with index, id and key; nothing starts" '
  mkdir -p s
  setup s
  cat > s/schedule.json <<EOF
{ "version": 1, "extra": 1, "servers": [
  { "server_id": "ok1", "window_start": "$OPEN", "window_end": "$FAR", "source": "../deb6.tar.gz",
    "server_record": $(record ok1) },
  { "server_id": "ok1", "window_start": "$OPEN", "window_end": "$FAR", "source": "../deb6.tar.gz",
    "output": "out/other.vhd", "server_record": $(record ok1) },
  { "server_id": "w2", "window_start": "$FAR", "window_end": "$OPEN", "source": "../deb6.tar.gz",
    "server_record": $(record w2) },
  { "server_id": "w3", "window_start": "yesterday", "window_end": "$FAR", "source": "../deb6.tar.gz",
    "server_record": $(record w3) },
  { "server_id": "w4", "window_start": "$OPEN", "window_end": "$FAR", "source": "../deb6.tar.gz" },
  { "server_id": "w5", "window_start": "$OPEN", "window_end": "$FAR", "source": "../deb6.tar.gz",
    "server_record": { "version": 1, "public": { "ipv4": ["300.1.2.3/24"] } } },
  { "server_id": "../x", "window_start": "$OPEN", "window_end": "$FAR", "source": "../deb6.tar.gz",
    "server_record": $(record x) },
  { "server_id": "w7", "window_start": "$OPEN", "window_end": "$FAR", "source": "../deb6.tar.gz",
    "server_record": "missing-record.json", "turbo": true }
] }
EOF
  expect_exit 2 "$FG2NG" agent --config s/agent.json
  err_has "unknown key '"'"'extra'"'"'"
  err_has "servers[1] (ok1): duplicate server_id: servers[0] has it too"
  err_has "servers[2] (w2): '"'"'window_end'"'"' ($OPEN) must be after '"'"'window_start'"'"' ($FAR)"
  err_has "servers[3] (w3): '"'"'window_start'"'"' must be an RFC 3339 time"
  err_has "servers[4] (w4): missing '"'"'server_record'"'"'"
  err_has "servers[5] (w5): '"'"'server_record'"'"': '"'"'public.ipv4[0]'"'"' must be an address"
  err_has "servers[6]: '"'"'server_id'"'"' '"'"'../x'"'"' must be 1 to 128 letters"
  err_has "servers[7] (w7): unknown key '"'"'turbo'"'"'"
  err_has "servers[7] (w7): '"'"'server_record'"'"': '"'"'$WORK/s/missing-record.json'"'"': No such file"
  err_has "hint: fix the schedule"
  [ ! -e s/agent.sqlite ]'

# late01's window ends a few seconds after the agent starts: the timer, not the
# start-up pass, must queue its assisted migration.
python3 - "$(rfc3339 15)" <<'PY'
import json, sys
d = json.load(open("a/schedule.json"))
for s in d["servers"]:
    if s["server_id"] == "late01":
        s["window_end"] = sys.argv[1]
json.dump(d, open("a/schedule.json", "w"), indent=1)
PY
start_agent a || { echo "Bail out! the agent did not start"; cat a/agent.log; }

test_ok "GET and HEAD /v1/health need no token; bad requests: 401, 413, 400 naming the field, 404, 405" '
  curl -s -o resp -w "%{http_code}" "http://$(cat a/addr)/v1/health" > code
  expect 200; resp_has "\"status\":\"ok\""
  lacks resp "\"jobs\""        # figures only with the token
  call a GET /v1/health; expect 200; resp_has "\"jobs\""
  # HEAD: the same answer without its body
  curl -s -I -D hdr -o /dev/null -w "%{http_code} %{size_download}" "http://$(cat a/addr)/v1/health" > code
  expect "200 0"
  grep -qi "^Content-Type: application/json" hdr
  curl -s -I -o /dev/null -w "%{http_code}" "http://$(cat a/addr)/v1/servers/web01" > code
  expect 401
  # what the client sent comes back escaped: no control character, and
  # bytes that are not UTF-8 do not lose the message
  call a GET "/v1/x%1B%5B31m%FF%0A"; expect 404
  python3 -c "import json, sys
m = json.load(open(sys.argv[1]))[\"error\"]
assert \"x\\\\x1B[31m\\\\xFF\\\\x0A\" in m and not any(ord(c) < 32 for c in m), m" resp
  # 401: no token, wrong token (same length and not), another scheme
  curl -s -o resp -w "%{http_code}" -d "$(ev x1 web01 SOFT control_panel)" "http://$(cat a/addr)/v1/events" > code
  expect 401; resp_has "missing"
  curl -s -D hdr -o resp -w "%{http_code}" -H "Authorization: Bearer $(cat a/token | tr 0-9a-f a-f0-9)" \
    -d "$(ev x1 web01 SOFT control_panel)" "http://$(cat a/addr)/v1/events" > code
  expect 401; resp_has "wrong token"; grep -qi "^WWW-Authenticate: Bearer" hdr
  curl -s -o resp -w "%{http_code}" -H "Authorization: Bearer short" "http://$(cat a/addr)/v1/servers/web01" > code
  expect 401
  curl -s -o resp -w "%{http_code}" -H "Authorization: Basic $(cat a/token)" "http://$(cat a/addr)/v1/servers/web01" > code
  expect 401
  # 413: over the 4096-byte limit, announced and not (chunked)
  head -c 5000 /dev/zero | tr "\0" x > big
  call a POST /v1/events "@big"; expect 413; resp_has "limit of 4096 bytes"
  curl -s -o resp -w "%{http_code}" -H "Authorization: Bearer $(cat a/token)" \
    -H "Transfer-Encoding: chunked" --data-binary @big "http://$(cat a/addr)/v1/events" > code
  expect 413
  # 400: not JSON, not an object, each missing field named, wrong types and values
  call a POST /v1/events "{\"event_id\": "; expect 400; resp_has "the body is not JSON"
  call a POST /v1/events "[1]"; expect 400; resp_has "must be a JSON object"
  for f in event_id server_id reboot_type origin time; do
    body=$(ev m1 web01 SOFT control_panel | python3 -c "import json,sys; d=json.load(sys.stdin); del d[\"$f\"]; print(json.dumps(d))")
    call a POST /v1/events "$body"; expect 400
    resp_has "missing field '"'"'$f'"'"'"; resp_has "\"field\":\"$f\""
  done
  call a POST /v1/events "{\"event_id\":7,\"server_id\":\"web01\",\"reboot_type\":\"SOFT\",\"origin\":\"control_panel\",\"time\":\"$(rfc3339 0)\"}"
  expect 400; resp_has "field '"'"'event_id'"'"' must be a string, not a number"
  call a POST /v1/events "$(ev m2 web01 soft control_panel)"; expect 400
  resp_has "field '"'"'reboot_type'"'"' must be \\\"SOFT\\\" or \\\"HARD\\\""
  call a POST /v1/events "$(ev m3 web01 SOFT panel)"; expect 400; resp_has "\"field\":\"origin\""
  call a POST /v1/events "$(ev m4 web01 SOFT control_panel 2026-13-01T00:00:00Z)"; expect 400
  resp_has "RFC 3339"
  call a POST /v1/events "{\"event_id\":\"m5\",\"server_id\":\"web01\",\"reboot_type\":\"SOFT\",\"origin\":\"control_panel\",\"time\":\"$(rfc3339 0)\",\"x\":1}"
  expect 400; resp_has "unknown field '"'"'x'"'"'"
  # 404 and 405
  call a GET /v1/nothing; expect 404
  call a GET /v1/servers/nobody; expect 404; resp_has "unknown server"
  call a GET /v1/events; expect 405
  call a POST /v1/servers/web01 "{}"; expect 405
  call a DELETE /v1/health; expect 405; grep -q . resp
  # nothing of that was recorded or queued
  [ "$(q a/agent.sqlite "SELECT count(*) FROM agent_events")" = 0 ]
  [ "$(q a/agent.sqlite "SELECT count(*) FROM jobs WHERE key = '"'"'web01'"'"'")" = 0 ]
  grep -q "\"event\":\"request_refused\".*\"status\":401" a/agent.log'

test_ok "soft reboot from the control panel inside the window: converted once, though sent three times and under other ids" '
  body=$(ev s1 web01 SOFT control_panel)
  call a POST /v1/events "$body"; expect 202
  [ "$(jget resp "d[\"decision\"]")" = migrate ]
  resp_has "soft reboot from the control panel inside the migration window"
  for i in 2 3; do
    call a POST /v1/events "$body"; expect 200
    [ "$(jget resp "d[\"decision\"]")" = migrate ]; resp_has "\"duplicate\":true"
  done
  # the same id with other content is a conflict, not a new event
  call a POST /v1/events "$(ev s1 web02 SOFT control_panel)"; expect 409
  resp_has "already received with other content"
  for i in 4 5; do
    call a POST /v1/events "$(ev s$i web01 SOFT control_panel)"; expect 200
    [ "$(jget resp "d[\"decision\"]")" = ignore ]; resp_has "already migrat"
  done
  wait_until 60 state_is a web01 done
  call a GET /v1/servers/web01; expect 200
  cp resp web01.json
  [ "$(jget web01.json "d[\"mode\"]")" = self-service ]
  [ "$(jget web01.json "d[\"job\"][\"runs\"]")" = 1 ]
  [ "$(jget web01.json "d[\"output\"]")" = "$WORK/a/out/web01.vhd" ]
  [ "$(jget web01.json "len(d[\"events\"])")" = 3 ]
  [ "$(jget web01.json "d[\"error\"]")" = None ]
  xen_ok a/out/web01.vhd
  # the record convert was given: the schedule'"'"'s, written beside the store
  python3 -c "import json; d = json.load(open(\"a/agent.sqlite.records/web01.json\")); assert d[\"public\"][\"ipv4\"] == [\"203.0.113.5/24\"], d"
  [ "$(q a/agent.sqlite "SELECT count(*) FROM agent_events WHERE server_id = '"'"'web01'"'"'")" = 3 ]
  [ "$(q a/agent.sqlite "SELECT count(*) FROM jobs WHERE key = '"'"'web01'"'"'")" = 1 ]
  [ "$(q a/agent.sqlite "SELECT group_concat(e.state) FROM events e JOIN jobs j ON j.id = e.job WHERE j.key = '"'"'web01'"'"'")" = "pending,running,done" ]
  grep -q "\"event\":\"queued\",\"server_id\":\"web01\",\"event_id\":\"s1\"" a/agent.log
  grep -q "\"event\":\"done\",\"server_id\":\"web01\"" a/agent.log
  no_leftovers a/out'

test_ok "hard reboot, guest reboot, API reboot, outside the window, unknown server: recorded with the reason, nothing queued; a time far from the agent clock: 400" '
  call a POST /v1/events "$(ev h1 web02 HARD control_panel)"; expect 200
  resp_has "\"decision\":\"ignore\""; resp_has "hard reboot"
  resp_has "\"server_state\":\"scheduled\""
  call a POST /v1/events "$(ev g1 web02 SOFT guest)"; expect 200
  resp_has "reboot from inside the guest"
  call a POST /v1/events "$(ev p1 web02 SOFT api)"; expect 200
  resp_has "reboot through the API"
  call a POST /v1/events "$(ev o1 future01 SOFT control_panel)"; expect 200
  start=$(python3 -c "import json; print([s for s in json.load(open(\"a/schedule.json\"))[\"servers\"] if s[\"server_id\"] == \"future01\"][0][\"window_start\"])")
  resp_has "outside the migration window (window opens $start)"
  # The window is judged by the agent clock: stamped tomorrow, inside the
  # window of future01, the event is refused as bad data, not migrated
  call a POST /v1/events "$(ev o2 future01 SOFT control_panel "$(rfc3339 86460)")"; expect 400
  resp_has "\"field\":\"time\""; resp_has "s ahead of the agent'"'"'s clock"
  resp_has "max_clock_skew_seconds"
  call a POST /v1/events "$(ev o3 web02 SOFT control_panel 2020-01-01T00:00:00Z)"; expect 400
  resp_has "s behind the agent'"'"'s clock"
  # within the bound: decided (outside the window, by the agent clock)
  call a POST /v1/events "$(ev o4 future01 SOFT control_panel "$(rfc3339 240)")"; expect 200
  resp_has "outside the migration window (window opens $start)"
  state_is a future01 scheduled
  [ "$(q a/agent.sqlite "SELECT count(*) FROM agent_events WHERE event_id IN ('"'"'o2'"'"','"'"'o3'"'"')")" = 0 ]
  grep -q "\"event\":\"request_refused\",\"status\":400.*\"event_id\":\"o2\",\"server_id\":\"future01\".*\"field\":\"time\"" a/agent.log
  call a POST /v1/events "$(ev n1 nobody SOFT control_panel)"; expect 200
  resp_has "unknown server"; resp_has "\"server_state\":\"unknown\""
  [ "$(q a/agent.sqlite "SELECT reason FROM agent_events WHERE event_id = '"'"'h1'"'"'")" = "hard reboot: only a soft reboot from the control panel starts a migration" ]
  [ "$(q a/agent.sqlite "SELECT count(*) FROM agent_events WHERE decision = '"'"'ignore'"'"' AND event_id IN ('"'"'h1'"'"','"'"'g1'"'"','"'"'p1'"'"','"'"'o1'"'"','"'"'o4'"'"','"'"'n1'"'"')")" = 6 ]
  [ "$(q a/agent.sqlite "SELECT count(*) FROM jobs WHERE key IN ('"'"'web02'"'"','"'"'future01'"'"','"'"'nobody'"'"')")" = 0 ]
  state_is a web02 scheduled
  grep -q "\"event\":\"event_recorded\",\"server_id\":\"web02\",\"event_id\":\"g1\".*\"decision\":\"ignore\"" a/agent.log'

test_ok "a window that ends with the server not migrated starts its assisted migration" '
  wait_until 60 state_is a late01 done
  call a GET /v1/servers/late01; cp resp late.json
  [ "$(jget late.json "d[\"mode\"]")" = assisted ]
  end=$(jget late.json "d[\"window\"][\"end\"]")
  queued=$(jget late.json "d[\"job\"][\"queued_at\"]")
  started=$(grep -m1 "\"event\":\"listening\"" a/agent.log | cut -d\" -f4)
  # queued at the end of the window (which ended after the start), not
  # before, and promptly
  python3 - "$end" "$queued" "$started" <<PY
import sys, datetime
p = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
end, queued, started = (p(x) for x in sys.argv[1:4])
assert started < end, (started, end)
lag = (queued - end).total_seconds()
print("measured: assisted migration queued %.3f s after the window ended" % lag)
assert 0 <= lag < 1.5, lag
PY
  grep -q "\"event\":\"queued\",\"server_id\":\"late01\".*\"mode\":\"assisted\",\"reason\":\"the migration window ended with the server not migrated\"" a/agent.log
  [ -f a/out/late01.vhd ]
  # a soft reboot now changes nothing
  call a POST /v1/events "$(ev l1 late01 SOFT control_panel)"; expect 200
  resp_has "already migrated"'

test_ok "a server that is not eligible is reported with the verdicts, not converted" '
  call a POST /v1/events "$(ev i1 odd01 SOFT control_panel)"; expect 202
  wait_until 60 state_is a odd01 ineligible
  call a GET /v1/servers/odd01; cp resp odd.json
  [ "$(jget odd.json "d[\"error\"][\"kind\"]")" = ineligible ]
  jget odd.json "d[\"error\"][\"message\"]" | grep -q "kernel.present"
  jget odd.json "[v[\"rule\"] for v in d[\"verdicts\"] if v[\"level\"] == \"fail\"]" | grep -q kernel.present
  [ ! -e a/out/odd01.vhd ]
  no_leftovers a/out
  grep -q "\"event\":\"ineligible\",\"server_id\":\"odd01\".*\"failing\":\[" a/agent.log
  call a POST /v1/events "$(ev i2 odd01 SOFT control_panel)"; expect 200
  resp_has "not eligible for migration"'

test_ok "200 events at once (and 50 repeated): none lost, each recorded once, no server converted twice" '
  mkdir -p burst/ev burst/code
  n=0
  for r in $(seq 1 10); do
    for i in $(seq -w 1 20); do
      n=$((n + 1))
      case $((r % 4)) in
        0) t=HARD o=control_panel ;; 1|2) t=SOFT o=control_panel ;; 3) t=SOFT o=guest ;;
      esac
      ev "b$n" "bulk$i" $t $o > burst/ev/b$n.json
    done
  done
  ls burst/ev > names
  # all 200 at once, 50 of them twice
  { cat names; head -50 names; } | shuf > sendlist
  auth="Authorization: Bearer $(cat a/token)"
  url="http://$(cat a/addr)/v1/events"
  t0=$(date +%s.%N)
  # one curl, 64 connections at once (curl --parallel)
  curl_config "$url" "$auth" sendlist > burst.cfg
  curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 64 -K burst.cfg > burst/codes
  t1=$(date +%s.%N)
  echo "measured: 250 requests in $(python3 -c "print(round($t1 - $t0, 2))") s"
  [ "$(wc -l < burst/codes)" = 250 ]
  fails grep -qv "^20[02]$" burst/codes
  [ "$(grep -c "^202$" burst/codes)" = 20 ]
  [ "$(q a/agent.sqlite "SELECT count(*), count(DISTINCT event_id) FROM agent_events WHERE event_id LIKE '"'"'b%'"'"'")" = "200|200" ]
  [ "$(q a/agent.sqlite "SELECT count(*) FROM agent_events WHERE event_id LIKE '"'"'b%'"'"' AND decision = '"'"'migrate'"'"'")" = 20 ]
  [ "$(q a/agent.sqlite "SELECT count(*) FROM jobs WHERE key LIKE '"'"'bulk%'"'"'")" = 20 ]
  all_done() { [ "$(q a/agent.sqlite "SELECT count(*) FROM jobs WHERE key LIKE '"'"'bulk%'"'"' AND state = '"'"'done'"'"'")" = 20 ]; }
  wait_until 120 all_done
  # each converted exactly once: one run, one done in the history
  [ "$(q a/agent.sqlite "SELECT count(*) FROM jobs j WHERE key LIKE '"'"'bulk%'"'"' AND (runs != 1 OR (SELECT count(*) FROM events e WHERE e.job = j.id AND e.state = '"'"'done'"'"') != 1)")" = 0 ]
  [ "$(ls a/out | grep -c "^bulk.*\.vhd$")" = 20 ]
  # never more than max_concurrent (2) conversions at once
  python3 - <<PY
import json
running = peak = 0
for line in open("a/agent.log"):
    e = json.loads(line)
    if e["event"] == "started": running += 1
    elif e["event"] in ("done", "failed", "retry", "ineligible", "interrupted"): running -= 1
    peak = max(peak, running)
assert 1 <= peak <= 2, peak
print("measured: peak concurrent conversions", peak)
PY
  [ "$(q a/agent.sqlite "PRAGMA integrity_check")" = ok ]'

test_ok "SIGHUP: a bad schedule is refused and the old one kept; a good one is taken" '
  cp a/schedule.json a/schedule.good
  echo "{ \"version\": 1, \"servers\": [ { \"server_id\": \"x\" } ] }" > a/schedule.json
  kill -HUP "$(cat a/pid)"
  wait_until 10 grep -q "\"event\":\"reload_refused\"" a/agent.log
  grep "\"event\":\"reload_refused\"" a/agent.log | grep -q "missing '"'"'window_start'"'"'"
  state_is a web02 scheduled
  python3 - <<PY
import json
d = json.load(open("a/schedule.good"))
e = dict(d["servers"][1]); e["server_id"] = "new01"; e["server_record"] = dict(e["server_record"], server_id="new01")
d["servers"].append(e)
json.dump(d, open("a/schedule.json", "w"))
PY
  kill -HUP "$(cat a/pid)"
  wait_until 10 grep -q "\"event\":\"reloaded\"" a/agent.log
  state_is a new01 scheduled'

test_ok "SIGTERM: the listener closes, the agent exits 0" '
  pid=$(cat a/pid)
  kill -TERM "$pid"
  wait_until 30 grep -q "\"event\":\"stopped\"" a/agent.log
  wait_until 10 sh -c "! kill -0 $pid"
  fails curl -s -o /dev/null "http://$(cat a/addr)/v1/health"
  grep -q "\"event\":\"stopping\",\"signal\":\"Terminated\"" a/agent.log'

# ---- interruptions: a slow conversion --------------------------------------
mkdir -p k
setup k 1 30
{ echo '{ "version": 1, "servers": ['; entry slow01 "$OPEN" "$FAR" ../slow.tar.gz; echo '] }'; } > k/schedule.json

running_long() {
  [ "$(q k/agent.sqlite "SELECT count(*) FROM jobs WHERE state = 'running' AND started_at < (julianday('now') - 2440587.5) * 86400 - 0.5")" = 1 ]
}
no_convert_running() { ! pgrep -f "convert.*$WORK/k/" >/dev/null; }

test_ok "kill -9 of the agent during a conversion: the restarted agent finishes the job, exactly once" '
  start_agent k
  body=$(ev k1 slow01 SOFT control_panel)
  call k POST /v1/events "$body"; expect 202
  wait_until 60 running_long
  kill -9 "$(cat k/pid)"
  # the conversion learns that its agent died (SIGTERM) and removes its temporaries
  wait_until 30 no_convert_running
  [ ! -e k/out/slow01.vhd ]
  no_leftovers k/out
  [ "$(q k/agent.sqlite "SELECT state FROM jobs")" = running ]
  [ "$(q k/agent.sqlite "PRAGMA integrity_check")" = ok ]
  start_agent k
  grep -q "\"event\":\"recovered\",\"jobs\":1" k/agent.log
  # the event already recorded is still answered as before, and queues nothing
  call k POST /v1/events "$body"; expect 200
  resp_has "\"duplicate\":true"
  wait_until 120 state_is k slow01 done
  [ "$(q k/agent.sqlite "SELECT runs FROM jobs")" = 2 ]
  [ "$(q k/agent.sqlite "SELECT count(*) FROM events WHERE state = '"'"'done'"'"'")" = 1 ]
  [ "$(q k/agent.sqlite "SELECT group_concat(state) FROM (SELECT state FROM events ORDER BY seq)")" = "pending,running,pending,running,done" ]
  [ "$(q k/agent.sqlite "SELECT count(*) FROM events WHERE note LIKE '"'"'recovered:%'"'"'")" = 1 ]
  [ "$(q k/agent.sqlite "SELECT count(*) FROM agent_events")" = 1 ]
  xen_ok k/out/slow01.vhd
  no_leftovers k/out
  stop_agent k'

mkdir -p g
setup g 1 0
{ echo '{ "version": 1, "servers": ['; entry slow02 "$OPEN" "$FAR" ../slow.tar.gz; echo '] }'; } > g/schedule.json
running_g() {
  [ "$(q g/agent.sqlite "SELECT count(*) FROM jobs WHERE state = 'running' AND started_at < (julianday('now') - 2440587.5) * 86400 - 0.5")" = 1 ]
}

test_ok "SIGTERM during a conversion (grace 0): it is stopped, left pending, exit 0; the next start finishes it" '
  "$FG2NG" agent --config g/agent.json 2>g/agent.log &
  pid=$!
  echo $pid > g/pid
  wait_until 20 listening g 0
  sed -n "s/.*\"address\":\"\([^\"]*\)\".*/\1/p" g/agent.log | head -1 > g/addr
  call g POST /v1/events "$(ev t1 slow02 SOFT control_panel)"; expect 202
  wait_until 60 running_g
  kill -TERM $pid
  rc=0; wait $pid || rc=$?
  [ "$rc" = 0 ] || { echo "exit $rc"; cat g/agent.log; exit 1; }
  grep -q "\"event\":\"interrupted\",\"server_id\":\"slow02\".*\"state\":\"pending\"" g/agent.log
  [ "$(q g/agent.sqlite "SELECT state FROM jobs")" = pending ]
  [ ! -e g/out/slow02.vhd ]
  no_leftovers g/out
  start_agent g
  wait_until 120 state_is g slow02 done
  [ "$(q g/agent.sqlite "SELECT count(*) FROM events WHERE state = '"'"'done'"'"'")" = 1 ]
  stop_agent g'

test_ok "a Unix socket instead of TCP" '
  mkdir -p x
  setup x
  cp k/schedule.json x/
  sed -i "s|127.0.0.1:0|unix:agent.sock|" x/agent.json
  "$FG2NG" agent --config x/agent.json 2>x/agent.log &
  pid=$!
  echo $pid > x/pid
  wait_until 20 listening x 0
  [ -S x/agent.sock ]
  [ "$(stat -c %a x/agent.sock)" = 660 ]
  curl -s --unix-socket x/agent.sock -H "Authorization: Bearer $(cat x/token)" http://agent/v1/servers/slow01 > resp
  resp_has "\"state\":\"scheduled\""
  kill -TERM $pid
  rc=0; wait $pid || rc=$?
  [ "$rc" = 0 ]
  [ ! -e x/agent.sock ]'

# ---- a conversion that crashes, an output another job has ---------------
# A fake conversion (FG2NG_CONVERT_PROGRAM, jobs/child.h), as in t0530: by
# the output's name, crash* leaves a temporary named as util/outfile.c
# names it (.NAME.<6 random>.part) and dies of SIGSEGV; any other copies
# SOURCE to OUTPUT through a temporary, refusing an existing OUTPUT
# without --force, as convert does.
cat > fake-convert.sh <<'EOF'
#!/bin/sh
ulimit -c 0
out="" force=0 src=""
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift ;;
    --force) force=1 ;;
    --) src=$2; shift ;;
  esac
  shift
done
d=$(dirname "$out") b=$(basename "$out")
case $b in
  crash*)
    echo partial > "$d/.$b.Zq9x2A.part"
    echo "fg2ng: error: about to crash" >&2
    kill -SEGV $$ ;;
  *)
    if [ -e "$out" ] && [ $force = 0 ]; then
      printf "fg2ng: error: output '%s' already exists\nhint: pass --force\n" "$out" >&2
      exit 2
    fi
    cat "$src" > "$d/.$b.Ab12Cd.part" && mv "$d/.$b.Ab12Cd.part" "$out" ;;
esac
printf '{"output": "%s"}\n' "$out"
EOF
chmod +x fake-convert.sh
FAKE=$WORK/fake-convert.sh

mkdir -p c
setup c 2
ln -s out c/link
# web02's output is web01's folder spelled through a symlink; both are
# files a batch job sharing the store has already written.
{
  echo '{ "version": 1, "servers": ['
  entry crash01 "$OPEN" "$FAR" ../unknown.tar.gz; echo ,
  entry web01 "$OPEN" "$FAR" ../unknown.tar.gz; echo ,
  entry web02 "$OPEN" "$FAR" ../unknown.tar.gz | sed 's|"source"|"output":"link/web02.vhd","source"|'
  echo '] }'
} > c/schedule.json
cat > c/m.json <<'EOF'
{ "jobs": [ { "id": "b1", "source": "../deb6.tar.gz", "output": "out/web01.vhd" },
            { "id": "b2", "source": "../deb6.tar.gz", "output": "out/web02.vhd" } ] }
EOF

test_ok "an output a batch job in the same store is done with: the agent's job fails as refused without running, never --force over it" '
  export FG2NG_CONVERT_PROGRAM=$FAKE
  D=$(cd "$WORK" && pwd -P)
  expect_exit 0 "$FG2NG" batch c/m.json --state c/agent.sqlite
  ( cd c/out && sha256sum web01.vhd web02.vhd ) > c/sums
  stat -c "%n %i %Y" c/out/web01.vhd c/out/web02.vhd > c/inodes
  # web02: its first run was killed by a signal (pending, to be retried),
  # so a rerun would pass --force (its own output may have been renamed
  # in place before the kill)
  q c/agent.sqlite "INSERT INTO jobs (key, queue, source, output, options, state, runs, attempts, error_kind, error_message, created_at, updated_at) VALUES ('"'"'web02'"'"', '"'"'agent'"'"', '"'"'$D/unknown.tar.gz'"'"', '"'"'$D/c/link/web02.vhd'"'"', '"'"'{\"mode\":\"self-service\",\"server_record\":$(record web02)}'"'"', '"'"'pending'"'"', 1, 1, '"'"'signal'"'"', '"'"'convert was killed by signal 9'"'"', 1, 1)"
  start_agent c
  wait_until 30 settled c web02
  # web01: a migration queued by its soft reboot
  call c POST /v1/events "$(ev c1 web01 SOFT control_panel)"; expect 202
  wait_until 30 settled c web01
  for k in web01:b1 web02:b2; do
    call c GET "/v1/servers/${k%%:*}"; expect 200
    cp resp ${k%%:*}.json
    python3 - ${k%%:*}.json "${k##*:}" "$D/c/out/${k%%:*}.vhd" <<PY
import json, sys
d, holder, path = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
assert d["state"] == "failed" and d["error"]["kind"] == "refused", d
m = d["error"]["message"]
assert "the output of job '"'"'%s'"'"', which is done; not writing over it" % holder in m, m
assert path in m, (path, m)
assert "an output of its own" in d["error"]["hint"], d["error"]
assert d["job"]["started_at"] is not None and d["result"] is None, d
PY
    grep -q "\"event\":\"failed\",\"server_id\":\"${k%%:*}\".*\"kind\":\"refused\".*\"output_taken_by\":\"${k##*:}\"" c/agent.log
    # never run: no conversion started, no second try
    lacks c/agent.log "\"event\":\"started\",\"server_id\":\"${k%%:*}\""
    lacks c/agent.log "\"event\":\"retry\",\"server_id\":\"${k%%:*}\""
  done
  # the batch job'"'"'s disks are untouched: same bytes, same files
  ( cd c/out && sha256sum -c --quiet ../sums )
  stat -c "%n %i %Y" c/out/web01.vhd c/out/web02.vhd | cmp - c/inodes
  [ "$(ls -A c/out | tr "\n" " ")" = "web01.vhd web02.vhd " ]
  [ "$(q c/agent.sqlite "SELECT key, state, error_kind FROM jobs WHERE queue = '"'"'agent'"'"' ORDER BY key")" = "web01|failed|refused
web02|failed|refused" ]
  [ "$(q c/agent.sqlite "SELECT group_concat(key || '"'"'='"'"'|| state) FROM jobs WHERE queue = '"'"'batch'"'"'")" = "b1=done,b2=done" ]'

test_ok "a conversion that crashes (SIGSEGV): its temporary swept at once, the job failed as internal, not retried" '
  call c POST /v1/events "$(ev c2 crash01 SOFT control_panel)"; expect 202
  wait_until 30 settled c crash01
  call c GET /v1/servers/crash01; expect 200
  cp resp crash01.json
  python3 - <<PY
import json
d = json.load(open("crash01.json"))
assert (d["state"], d["error"]["kind"]) == ("failed", "internal"), d
assert d["error"]["message"] == "fg2ng convert crashed (signal 11, SIGSEGV)", d["error"]
assert "not retried" in d["error"]["hint"], d["error"]
assert d["job"]["runs"] == 1, d["job"]
PY
  [ "$(grep -c "\"event\":\"started\",\"server_id\":\"crash01\"" c/agent.log)" = 1 ]
  lacks c/agent.log "\"event\":\"retry\",\"server_id\":\"crash01\""
  grep -q "\"event\":\"failed\",\"server_id\":\"crash01\".*\"kind\":\"internal\",\"reason\":\"fg2ng convert crashed (signal 11, SIGSEGV)\"" c/agent.log
  grep -q "\"event\":\"cleaned\",\"server_id\":\"crash01\".*\"removed\":\".crash01.vhd.Zq9x2A.part\"" c/agent.log
  no_leftovers c/out
  [ "$(ls -A c/out | tr "\n" " ")" = "web01.vhd web02.vhd " ]
  [ "$(q c/agent.sqlite "SELECT runs, state, error_kind FROM jobs WHERE key = '"'"'crash01'"'"'")" = "1|failed|internal" ]
  stop_agent c'

# ---- slow senders and connection limits ------------------------------------
# slowclient.py ADDR MODE: MODE "trickle" sends a request's headers one
# byte a second, without a token, and prints after how many seconds the
# agent closed the connection ("none" if it had not after 10 s); MODE
# "perip N" holds N connections open, then says whether one more was
# refused at once while those N stayed open; MODE "slowbody TOKEN" sends
# a request with the token, then its body after 3 s, and prints the status.
cat > slowclient.py <<'PY'
import select, socket, sys, time

def connect(addr):
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)

def closed(s, wait):
    """True when the peer closed S within WAIT seconds."""
    r, _, _ = select.select([s], [], [], wait)
    if not r:
        return False
    try:
        return s.recv(4096) == b""
    except OSError:
        return True

addr, mode = sys.argv[1], sys.argv[2]
if mode == "trickle":
    s = connect(addr)
    t0 = time.monotonic()
    req = b"GET /v1/health HTTP/1.1\r\nHost: agent\r\nX-Slow: " + b"a" * 100
    for b in req:
        try:
            s.send(bytes([b]))
        except OSError:
            break
        if closed(s, 1.0) or time.monotonic() - t0 > 10:
            break
    t = time.monotonic() - t0
    print("%.1f" % t if t <= 10 else "none")
elif mode == "perip":
    n = int(sys.argv[3])
    held = [connect(addr) for _ in range(n)]
    time.sleep(0.3)
    extra = connect(addr)
    refused = closed(extra, 1.0)
    alive = not any(closed(s, 0) for s in held)
    print("refused" if refused and alive else
          "extra-accepted" if not refused else "held-closed")
elif mode == "slowbody":
    body = (b'{"event_id":"sb1","server_id":"nobody","reboot_type":"SOFT",'
            b'"origin":"control_panel","time":"%s"}'
            % time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()).encode())
    s = connect(addr)
    s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: agent\r\n"
              b"Authorization: Bearer " + sys.argv[3].encode() + b"\r\n"
              b"Content-Type: application/json\r\nContent-Length: "
              + str(len(body)).encode() + b"\r\n\r\n" + body[:10])
    time.sleep(3)
    s.sendall(body[10:])
    print(s.recv(4096).split(b"\r\n", 1)[0].decode())
PY

mkdir -p sl
setup sl
cp k/schedule.json sl/
python3 - <<'PY'
import json
c = json.load(open("sl/agent.json"))
# 64 connections (16 for each of the 4 threads), 4 from one address
c.update(header_timeout_seconds=2, max_connections=64, max_connections_per_ip=4)
json.dump(c, open("sl/agent.json", "w"))
PY

test_ok "a slow sender without a token is cut off at the header deadline; connections are limited per address; a normal request still works" '
  start_agent sl
  t=$(python3 slowclient.py "$(cat sl/addr)" trickle)
  echo "measured: a header byte a second: connection closed after $t s"
  [ "$t" != none ]
  python3 -c "import sys; t = float(sys.argv[1]); assert 1.5 <= t <= 4.5, t" "$t"
  grep "\"event\":\"request_refused\"" sl/agent.log | grep "\"status\":408" | grep -q header_timeout_seconds
  curl -s -o resp -w "%{http_code}" "http://$(cat sl/addr)/v1/health" > code
  expect 200
  # a token stops the clock: a slow body is read (the idle timeout bounds it)
  [ "$(python3 slowclient.py "$(cat sl/addr)" slowbody "$(cat sl/token)")" = "HTTP/1.1 200 OK" ]
  # four connections from 127.0.0.1 at most; the fifth is closed at once
  [ "$(python3 slowclient.py "$(cat sl/addr)" perip 4)" = refused ]
  # and once the header deadline has swept them, requests are served again
  wait_until 10 curl -sf -o /dev/null "http://$(cat sl/addr)/v1/health"
  call sl GET /v1/servers/slow01; expect 200
  stop_agent sl'

if have openssl; then
  test_ok "TLS: a non-loopback address with a certificate; the key must be private" '
    mkdir -p tls
    setup tls
    cp k/schedule.json tls/
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
      -keyout tls/key.pem -out tls/cert.pem 2>/dev/null
    chmod 644 tls/key.pem
    python3 - <<PY
import json
c = json.load(open("tls/agent.json"))
c["listen"] = "0.0.0.0:0"
c["tls"] = {"cert": "cert.pem", "key": "key.pem"}
json.dump(c, open("tls/agent.json", "w"))
PY
    expect_exit 2 "$FG2NG" agent --config tls/agent.json
    err_has "'"'"'tls.key'"'"'"; err_has "mode 0644"
    chmod 600 tls/key.pem
    start_agent tls
    port=$(sed "s/.*://" tls/addr)
    curl -s --cacert tls/cert.pem -H "Authorization: Bearer $(cat tls/token)" \
      "https://localhost:$port/v1/servers/slow01" > resp
    resp_has "\"state\":\"scheduled\""
    fails curl -s -o /dev/null "http://127.0.0.1:$port/v1/health"
    stop_agent tls'
else
  skip "TLS" "no openssl"
fi

done_testing
