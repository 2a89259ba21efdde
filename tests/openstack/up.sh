#!/usr/bin/env bash
# tests/openstack/up.sh STATE_DIR [PORT_BASE] --- start real OpenStack
# services (Debian 12's Keystone, Swift, Glance) on 127.0.0.1 for tests,
# as the current user, with everything under STATE_DIR: configurations,
# sqlite databases, keys, rings, Swift's data folder, Glance's store and
# staging folder, logs (STATE_DIR/log) and pid files (STATE_DIR/run).
# tests/openstack/down.sh STATE_DIR stops it all.
#
# Ports (PORT_BASE, 18000 by default, up to PORT_BASE+6): Keystone +0,
# Swift proxy +1, Glance +2, memcached +3, Swift account/container/object
# servers +4/+5/+6.  Two harnesses with different bases coexist.
#
# What it makes, once every service answers:
#   env.sh          OS_* for the "demo" user/project (password), and ST_AUTH,
#                   ST_USER, ST_KEY for TempAuth (python-swiftclient
#                   prefers ST_AUTH when both are set: env-os.sh and
#                   env-st.sh hold each half alone)
#   env-appcred.sh  OS_* with demo's application credential
#   env-admin.sh    OS_* for admin
#   clouds.yaml     clouds fg-test (password), fg-appcred, fg-admin
#   harness.sh      FGOS_* addresses and ids (not secret)
# The secrets are new each run; the env files are mode 0600.
#
# Keystone v3 runs under uwsgi (2 workers of one thread, sqlite in WAL
# mode, "Connection: close" on every answer); Swift has keystoneauth for
# AUTH_<project id> accounts and TempAuth (user test:tester) on its own
# TEMP_ accounts, one process per server, a 1-replica ring on a folder,
# its syslog into a local socket (STATE_DIR/log/swift.log); Glance is the
# eventlet glance-api, sqlite, a file store, glance-direct and copy-image.
# /etc/swift/swift.conf is the one fixed path (Swift reads it from there):
# made only if absent.
set -euo pipefail
export PATH="/usr/bin:/bin:/usr/sbin:/sbin:$PATH"   # Debian's python3 first
export LC_ALL=C.UTF-8

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 STATE_DIR [PORT_BASE]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
S=$(cd "$1" && pwd)
BASE=${2:-18000}
case $BASE in ''|*[!0-9]*) echo "up.sh: PORT_BASE must be a number" >&2; exit 2 ;; esac
[ "$BASE" -ge 1024 ] && [ "$BASE" -le 65500 ] || { echo "up.sh: PORT_BASE out of range" >&2; exit 2; }

K_PORT=$BASE P_PORT=$((BASE + 1)) G_PORT=$((BASE + 2)) M_PORT=$((BASE + 3))
A_PORT=$((BASE + 4)) C_PORT=$((BASE + 5)) O_PORT=$((BASE + 6))
ME=$(id -un)
REGION=RegionOne
LOG=$S/log RUN=$S/run
T0=$SECONDS

say() { echo "up.sh: [$((SECONDS - T0))s] $*" | tee -a "$LOG/up.log" >&2; }

# Refuse to start twice on one state folder.
if [ -d "$RUN" ]; then
  for f in "$RUN"/*.pid; do
    [ -f "$f" ] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then
      echo "up.sh: $S is running ($(basename "$f" .pid)); run down.sh first" >&2; exit 1
    fi
  done
fi
rm -rf "$RUN" "$LOG" "$S/keystone" "$S/swift" "$S/glance" "$S"/env*.sh \
  "$S/clouds.yaml" "$S/harness.sh"
mkdir -p "$RUN" "$LOG" "$S/keystone" "$S/swift/data/d1" \
  "$S/glance/images" "$S/glance/staging" "$S/glance/work" "$S/glance/lock"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $K_PORT $P_PORT $G_PORT $M_PORT $A_PORT $C_PORT $O_PORT; do
  if port_busy "$p"; then echo "up.sh: port $p is in use (choose another PORT_BASE)" >&2; exit 1; fi
done

for t in keystone-manage glance-manage glance-api swift-proxy-server \
         swift-account-server swift-container-server swift-object-server \
         uwsgi memcached curl; do
  command -v "$t" >/dev/null || { echo "up.sh: $t missing: run tests/openstack/install-deps.sh" >&2; exit 1; }
done
[ -f /usr/lib/uwsgi/plugins/python3_plugin.so ] ||
  { echo "up.sh: uwsgi-plugin-python3 missing: run tests/openstack/install-deps.sh" >&2; exit 1; }

secret() { head -c 18 /dev/urandom | base64 | tr '+/' '-_'; }
export FGOS_KEYSTONE_URL="http://127.0.0.1:$K_PORT"
export FGOS_SWIFT_URL="http://127.0.0.1:$P_PORT"
export FGOS_GLANCE_URL="http://127.0.0.1:$G_PORT"
export FGOS_MEMCACHED="127.0.0.1:$M_PORT"
export FGOS_REGION=$REGION
FGOS_ADMIN_PASSWORD=$(secret) FGOS_DEMO_PASSWORD=$(secret)
FGOS_SERVICE_PASSWORD=$(secret) FGOS_TEMPAUTH_KEY=$(secret)
export FGOS_ADMIN_PASSWORD FGOS_DEMO_PASSWORD FGOS_SERVICE_PASSWORD FGOS_TEMPAUTH_KEY

# Swift's syslog socket: a unix socket path must be short (108 bytes).
SOCK=$LOG/syslog.sock
if [ ${#SOCK} -gt 100 ]; then
  SOCK=/tmp/fgos-$(id -u)-$(printf %s "$S" | md5sum | cut -c1-12).sock
fi
echo "$SOCK" > "$RUN/syslog.path"

# ---- configurations ---------------------------------------------------------
if [ ! -e /etc/swift/swift.conf ]; then
  mkdir -p /etc/swift
  cat > /etc/swift/swift.conf <<'EOF'
# made by fg2ng's tests/openstack/up.sh (a test harness)
[swift-hash]
swift_hash_path_suffix = fg2ng-test-suffix
swift_hash_path_prefix = fg2ng-test-prefix

[storage-policy:0]
name = Policy-0
default = yes
EOF
fi

authtoken() {  # authtoken USER: keystonemiddleware settings
  cat <<EOF
www_authenticate_uri = $FGOS_KEYSTONE_URL/v3
auth_url = $FGOS_KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $FGOS_SERVICE_PASSWORD
region_name = $REGION
memcached_servers = $FGOS_MEMCACHED
service_token_roles_required = true
EOF
}

cat > "$S/keystone/keystone.conf" <<EOF
[DEFAULT]
log_file = $LOG/keystone.log
[database]
connection = sqlite:///$S/keystone/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = $S/keystone/fernet-keys
[fernet_receipts]
key_repository = $S/keystone/fernet-keys
[credential]
key_repository = $S/keystone/credential-keys
[identity]
# bcrypt's cheapest cost: every password check is paid on each token
password_hash_rounds = 4
[oslo_policy]
policy_dirs = $S/keystone/policy.d
EOF
mkdir -p "$S/keystone/policy.d"

cat > "$S/keystone/uwsgi.ini" <<EOF
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:$K_PORT
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_DIR=$S/keystone
master = true
processes = 2
; one thread per worker: sqlite with threads says "database is locked"
threads = 1
enable-threads = true
lazy-apps = true
die-on-term = true
need-app = true
buffer-size = 65535
listen = 64
; uwsgi closes a kept-alive connection after each answer without saying so
add-header = Connection: close
; a worker still loading its application ignores signals: SIGKILL after 3 s
worker-reload-mercy = 3
reload-mercy = 3
EOF

swift_default() {  # swift_default NAME PORT
  cat <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
user = $ME
swift_dir = $S/swift
devices = $S/swift/data
mount_check = false
log_name = $1
log_address = $SOCK
log_facility = LOG_LOCAL0
log_level = INFO
EOF
}
for srv in account:$A_PORT container:$C_PORT object:$O_PORT; do
  name=${srv%%:*} port=${srv#*:}
  { swift_default "$name-server" "$port"
    cat <<EOF

[pipeline:main]
pipeline = healthcheck $name-server

[app:$name-server]
use = egg:swift#$name

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
  } > "$S/swift/$name-server.conf"
done

{ swift_default proxy-server "$P_PORT"
  cat <<EOF
expose_info = true

# No proxy-logging: its access logger ignores log_address in Swift 2.30
# and falls back to a UDP socket on 0.0.0.0.  The account, container and
# object servers still log every request (log/swift.log).
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck cache listing_formats bulk tempurl authtoken keystoneauth tempauth copy slo dlo symlink proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true
cache = swift.cache
include_service_catalog = false
$(authtoken swift)

[filter:keystoneauth]
use = egg:swift#keystoneauth
reseller_prefix = AUTH_
operator_roles = admin, member
reseller_admin_role = ResellerAdmin

[filter:tempauth]
use = egg:swift#tempauth
# its own accounts (TEMP_test): a Keystone token on a TempAuth account
# gives 500 in Swift 2.30
reseller_prefix = TEMP
user_test_tester = $FGOS_TEMPAUTH_KEY .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = $FGOS_MEMCACHED

EOF
  for f in catch_errors gatekeeper healthcheck listing_formats \
           bulk tempurl copy slo dlo symlink; do
    printf '[filter:%s]\nuse = egg:swift#%s\n\n' "$f" "${f//-/_}"
  done
} > "$S/swift/proxy-server.conf"

cat > "$S/glance/glance-api-paste.ini" <<'EOF'
[pipeline:glance-api-keystone]
pipeline = healthcheck versionnegotiation authtoken context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
backends =

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true
EOF

cat > "$S/glance/glance-api.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $G_PORT
workers = 0
log_file = $LOG/glance-api.log
enabled_import_methods = [glance-direct, copy-image]
node_staging_uri = file://$S/glance/staging
show_multiple_locations = false
[database]
connection = sqlite:///$S/glance/glance.db
[glance_store]
stores = file
default_store = file
filesystem_store_datadir = $S/glance/images
[keystone_authtoken]
$(authtoken glance)
[paste_deploy]
flavor = keystone
config_file = $S/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $S/glance/lock
[task]
work_dir = $S/glance/work
[image_import_opts]
image_import_plugins = []
EOF

# ---- databases, keys, rings (in parallel: each is a slow Python start) --------
say "preparing databases, keys and rings in $S"
(
  python3 "$HERE/oshelper.py" fernet "$S/keystone/fernet-keys"
  python3 "$HERE/oshelper.py" fernet "$S/keystone/credential-keys"
  keystone-manage --config-file "$S/keystone/keystone.conf" db_sync
  sqlite3 "$S/keystone/keystone.db" 'PRAGMA journal_mode=WAL;' >/dev/null
  keystone-manage --config-file "$S/keystone/keystone.conf" bootstrap \
    --bootstrap-password "$FGOS_ADMIN_PASSWORD" \
    --bootstrap-username admin --bootstrap-project-name admin \
    --bootstrap-role-name admin --bootstrap-service-name keystone \
    --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "$FGOS_KEYSTONE_URL/v3" \
    --bootstrap-internal-url "$FGOS_KEYSTONE_URL/v3" \
    --bootstrap-public-url "$FGOS_KEYSTONE_URL/v3"
) >"$LOG/keystone-setup.log" 2>&1 &
k_job=$!
(
  glance-manage --config-file "$S/glance/glance-api.conf" db_sync
  sqlite3 "$S/glance/glance.db" 'PRAGMA journal_mode=WAL;' >/dev/null
) >"$LOG/glance-setup.log" 2>&1 &
g_job=$!
python3 "$HERE/oshelper.py" rings "$S/swift" "$A_PORT" "$C_PORT" "$O_PORT" \
  >"$LOG/rings.log" 2>&1 || { cat "$LOG/rings.log" >&2; exit 1; }

# ---- start ----------------------------------------------------------------
# start NAME CMD...: CMD in its own session (down.sh ends the whole group),
# output in log/NAME.out, pid in run/NAME.pid.
start() {
  local name=$1; shift
  setsid "$@" >"$LOG/$name.out" 2>&1 </dev/null &
  echo $! > "$RUN/$name.pid"
}
failed() {
  local f
  echo "up.sh: $*" >&2
  for f in "$LOG"/*.log "$LOG"/*.out; do
    [ -s "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -15 "$f" >&2
  done
  bash "$HERE/down.sh" "$S" >&2 || true
  exit 1
}

start syslog python3 "$HERE/oshelper.py" logsink "$SOCK" "$LOG/swift.log"
memcached_user=()
[ "$(id -u)" = 0 ] && memcached_user=(-u root)
start memcached memcached -l 127.0.0.1 -p "$M_PORT" -U 0 -m 64 -t 2 "${memcached_user[@]}"
n=0
until [ -S "$SOCK" ]; do
  n=$((n + 1)); [ $n -lt 100 ] || failed "the syslog socket did not appear"; sleep 0.1
done
for name in account container object proxy; do
  start "swift-$name" "swift-$name-server" "$S/swift/$name-server.conf"
done

wait "$k_job" || failed "Keystone's database or bootstrap failed"
start keystone uwsgi --ini "$S/keystone/uwsgi.ini"
wait "$g_job" || failed "Glance's database failed"
start glance-api glance-api --config-file "$S/glance/glance-api.conf"

# ---- wait ------------------------------------------------------------------
DEADLINE=$((SECONDS + ${FGOS_UP_TIMEOUT:-60}))
code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" || true; }
alive() {
  local f
  for f in "$RUN"/*.pid; do
    kill -0 "$(cat "$f")" 2>/dev/null || failed "$(basename "$f" .pid) exited"
  done
}
# wait_for NAME URL CODE...
wait_for() {
  local name=$1 url=$2 c; shift 2
  while :; do
    c=$(code "$url")
    case " $* " in *" $c "*) return 0 ;; esac
    alive
    [ $SECONDS -lt $DEADLINE ] || failed "$name did not answer at $url (last: $c)"
    sleep 0.2
  done
}
wait_for keystone "$FGOS_KEYSTONE_URL/v3" 200
say "keystone answers"
python3 "$HERE/oshelper.py" keystone-setup "$S" >"$LOG/keystone-users.log" 2>&1 ||
  failed "making Keystone's users, endpoints and application credential failed"
wait_for swift-account "http://127.0.0.1:$A_PORT/healthcheck" 200
wait_for swift-container "http://127.0.0.1:$C_PORT/healthcheck" 200
wait_for swift-object "http://127.0.0.1:$O_PORT/healthcheck" 200
wait_for swift-proxy "$FGOS_SWIFT_URL/healthcheck" 200
# an authenticated path: the proxy's authtoken reaches Keystone
wait_for swift-proxy "$FGOS_SWIFT_URL/v1/AUTH_none" 401
wait_for glance-api "$FGOS_GLANCE_URL/healthcheck" 200
wait_for glance-api "$FGOS_GLANCE_URL/v2/images" 401
alive
say "all services answer: keystone $K_PORT, swift $P_PORT, glance $G_PORT, memcached $M_PORT"
