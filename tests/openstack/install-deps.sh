#!/usr/bin/env bash
# tests/openstack/install-deps.sh --- install Debian 12's Keystone, Swift
# and Glance for tests/openstack/up.sh, without side effects: debconf
# answered in advance (no database, admin tenant, endpoint registration,
# RabbitMQ or authtoken set up by the packages), no daemon started during
# the install (a policy-rc.d that exits 101, the previous one put back
# afterwards), and the system services the packages add disabled and
# stopped: the harness starts its own, on 127.0.0.1, as it needs them.
#
# Idempotent: when everything is installed it only makes sure the system
# services are disabled.  Runs as root, or through sudo.
set -euo pipefail

# python3-keystonemiddleware: swift-proxy only recommends it (authtoken);
# sqlite3: WAL mode for the databases; iproute2: ss, for t0700's checks.
PACKAGES=(keystone swift swift-proxy swift-account swift-container swift-object
          glance-api memcached python3-openstackclient python3-swiftclient
          python3-glanceclient python3-keystonemiddleware uwsgi-core
          uwsgi-plugin-python3 sqlite3 curl iproute2)

# The system services those packages bring (init scripts and units).
SERVICES=(keystone glance-api memcached swift-proxy
          swift-account swift-account-auditor swift-account-reaper swift-account-replicator
          swift-container swift-container-auditor swift-container-replicator
          swift-container-sync swift-container-updater swift-container-sharder
          swift-container-reconciler swift-object swift-object-auditor
          swift-object-replicator swift-object-updater swift-object-reconstructor
          swift-object-expirer)

if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi

missing=()
for p in "${PACKAGES[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  # Every question the packages ask, answered "no": the harness makes its
  # own configuration in a state folder.
  $SUDO debconf-set-selections <<'EOF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
glance-common glance/configure_db boolean false
glance-common glance/configure_rabbit boolean false
glance-common glance/configure_ksat boolean false
glance-api glance/configure_api-endpoint boolean false
EOF
  # No daemon may start during the install (they would listen on
  # 0.0.0.0): policy-rc.d exits 101; whatever was there is put back.
  saved=""
  if [ -e /usr/sbin/policy-rc.d ]; then
    saved=$($SUDO mktemp /usr/sbin/policy-rc.d.fg2ng.XXXXXX)
    $SUDO cp -p /usr/sbin/policy-rc.d "$saved"
  fi
  restore() {
    if [ -n "$saved" ]; then $SUDO mv -f "$saved" /usr/sbin/policy-rc.d
    else $SUDO rm -f /usr/sbin/policy-rc.d; fi
  }
  trap restore EXIT
  printf '#!/bin/sh\n# fg2ng tests/openstack/install-deps.sh: no daemon starts\nexit 101\n' |
    $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
  restore
  trap - EXIT
fi

# The packages' system services: disabled (they would listen on 0.0.0.0
# at the next boot) and stopped if something started them anyway.
systemd=no
[ -d /run/systemd/system ] && systemd=yes
for s in "${SERVICES[@]}"; do
  if [ "$systemd" = yes ]; then
    if systemctl list-unit-files "$s.service" 2>/dev/null | grep -q "^$s.service"; then
      $SUDO systemctl disable --now "$s.service" >/dev/null 2>&1 || true
    fi
  elif [ -x "/etc/init.d/$s" ]; then
    $SUDO update-rc.d "$s" disable >/dev/null 2>&1 || true
    if $SUDO "/etc/init.d/$s" status >/dev/null 2>&1; then
      $SUDO "/etc/init.d/$s" stop >/dev/null 2>&1 || true
    fi
  fi
done
echo "install-deps: keystone, swift, glance-api and memcached installed; their system services are disabled"
