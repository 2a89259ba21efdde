#!/usr/bin/env bash
# The installed program (issue 17): bash completion from the source tree;
# make deb builds the Debian package with Debian's tools and lintian finds
# nothing; make install lays files out as the package does; then, as root
# with apt: the package is installed, a user that is not root checks and
# converts a small image from a folder of its own (the data is found from
# the program's path; FG2NG_PROFILES overrides it), the agent starts
# (through systemd when it runs, else directly as its user) and answers
# /v1/health, and apt-get purge leaves nothing behind.  The machine is
# left as it was found, even when a test fails.
. "$(dirname "$0")/lib.sh"

cd "$WORK"

VERSION=$(cat "$FG_TOP/VERSION")
ARCH=$(dpkg --print-architecture 2>/dev/null || echo unknown)
DEB="$FG_BUILD/fg2ng_${VERSION}_${ARCH}.deb"
export DEBIAN_FRONTEND=noninteractive

# The image the programs check and convert: a small file-level Debian 6.
slow_image img.tar.gz 1 fstab

# A folder on PATH whose fg2ng is the program under test, for the
# completion (which reads "fg2ng COMMAND --help").
mkdir -p path && ln -sf "$FG2NG" path/fg2ng

# complete WORD...: the completions bash offers for the command line
# "WORD... <TAB>" (the last WORD is the one being completed), one a line.
complete_words() {
  PATH="$WORK/path:$PATH" bash -c '
    . "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _fg2ng; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$@"
}
COMPLETION="$FG_TOP/doc/fg2ng.bash-completion"

test_ok "bash completion: the commands, each command's options from its --help, the values an option takes" '
  complete_words fg2ng "" > cmds
  for c in inspect check convert batch agent vhd-info verify; do grep -qx "$c" cmds; done
  complete_words fg2ng con > c1
  [ "$(cat c1)" = convert ]
  complete_words fg2ng convert --no- > c2
  grep -qx -- --no-fixups c2
  grep -qx -- --no-check c2
  complete_words fg2ng check --fl > c3
  grep -qx -- --flavor c3
  lacks c3 --format
  complete_words fg2ng convert --format "" > c4
  [ "$(sort c4 | tr "\n" " ")" = "bundle raw vhd vhd-fixed " ]
  complete_words fg2ng convert --mode s > c5
  [ "$(cat c5)" = self-service ]'

if ! have dpkg-buildpackage || ! have dh || ! have lintian; then
  skip "make deb" "debhelper, dpkg-dev or lintian is not installed (make deps)"
  done_testing
fi

# make of this build folder; from make check-asan, MAKEFLAGS carries
# SAN=1 on (make deb keeps the package build clear of it).
submake() { make -C "$FG_TOP" BUILD="$FG_BUILD" "$@"; }

test_ok "make deb: fg2ng_VERSION_ARCH.deb from dpkg-buildpackage, lintian clean at its default level" '
  submake deb > make-deb.log 2>&1 || { tail -30 make-deb.log; exit 1; }
  [ -f "$DEB" ]
  lintian --fail-on error,warning "$DEB"
  dpkg-deb -f "$DEB" Package Version Architecture > fields
  grep -qx "Version: $VERSION" fields
  dpkg-deb -f "$DEB" Depends > depends
  for d in libguestfs0 libarchive13 libjansson4 libmicrohttpd12 qemu-system-x86 systemd; do grep -q "$d" depends; done
  dpkg-deb -c "$DEB" | sed -E "s/.* \.//" > contents
  for f in /usr/bin/fg2ng /usr/share/fg2ng/profiles/flavors.json \
           /usr/share/fg2ng/schemas/server-record.schema.json \
           /usr/libexec/fg2ng/fg2ng-boot-check /usr/share/man/man1/fg2ng.1.gz \
           /usr/share/bash-completion/completions/fg2ng \
           /lib/systemd/system/fg2ng-agent.service /usr/lib/sysusers.d/fg2ng.conf \
           /usr/lib/tmpfiles.d/fg2ng.conf /etc/fg2ng/agent.json /etc/fg2ng/schedule.json; do
    grep -qx "$f" contents || { echo "the package lacks $f"; exit 1; }
  done
  dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./lib/systemd/system/fg2ng-agent.service > unit
  for k in User=fg2ng StateDirectory=fg2ng ConfigurationDirectory=fg2ng ProtectSystem=strict \
           NoNewPrivileges=yes PrivateTmp=yes "ExecStart=/usr/bin/fg2ng agent"; do
    grep -q "^$k" unit || { echo "the unit lacks $k"; exit 1; }
  done
  lacks unit /usr/local
  touch "$WORK/deb-made"'

test_ok "make install DESTDIR=D PREFIX=/usr lays the program and its data out as the package does" '
  # -o: the program under test as it is, never rebuilt here
  submake -o "$FG2NG" install DESTDIR="$WORK/inst" PREFIX=/usr > install.log 2>&1 || { cat install.log; exit 1; }
  (cd inst && find . -type f | sed "s/^\.//" | sort) > installed
  grep -E "^/usr/(bin|libexec|share/fg2ng|share/man|share/bash-completion)/" contents \
    | grep -v "/$" | sed "s/\.gz$//" | sort > packaged
  diff -u packaged installed
  # ... and that copy finds its data from its own path, from any folder;
  # alone, without them, it says where it looked (exit 3)
  (cd / && "$WORK/inst/usr/bin/fg2ng" check "$WORK/img.tar.gz") > inst-check.out
  grep -q "verdict: eligible" inst-check.out
  mkdir -p alone && cp "$FG2NG" alone/
  expect_exit 3 alone/fg2ng check img.tar.gz
  err_has "cannot find the profiles (looked in $WORK/alone/../share/fg2ng/profiles"'

# ---- installed on this machine, as root ------------------------------------
if [ "$(id -u)" != 0 ]; then
  skip "the installed package" "needs root to install it (apt-get install)"
  done_testing
fi
if ! have apt-get || ! have setpriv; then
  skip "the installed package" "no apt-get or setpriv on this machine"
  done_testing
fi
# status: what dpkg knows of fg2ng (installed, config-files, not-installed
# or nothing).
status() { dpkg-query -W -f '${db:Status-Status}' fg2ng 2>/dev/null || true; }
case $(status) in ""|not-installed) ;; *)
  skip "the installed package" "fg2ng is already installed here ($(status)); the test would replace it"
  done_testing ;;
esac
if [ ! -f "$WORK/deb-made" ]; then
  skip "the installed package" "make deb failed: no package to install"
  done_testing
fi
# Everything the package needs must be there already (make deps): apt
# would otherwise leave new packages behind after the purge.
apt-get -s install --no-install-recommends "$DEB" > apt-sim.log 2>&1
extra=$(grep '^Inst ' apt-sim.log | awk '{print $2}' | grep -vx fg2ng | tr '\n' ' ')
if [ -n "$extra" ]; then
  skip "the installed package" "installing it would also install: $extra(run make deps first)"
  done_testing
fi

HAD_USER=no; getent passwd fg2ng >/dev/null && HAD_USER=yes
HAD_TEST_USER=no; getent passwd fg2ng-test >/dev/null && HAD_TEST_USER=yes
SYSTEMD=no; [ -d /run/systemd/system ] && SYSTEMD=yes
HEALTH=http://127.0.0.1:8470/v1/health
ELSEWHERE=$(mktemp -d /tmp/fg2ng-deb.XXXXXX)
chmod 0755 "$ELSEWHERE"

# Leave the machine as it was: the agent stopped, the package purged, the
# users this test made (or the package's, which Debian keeps) removed.
restore() {
  [ -f "$WORK/agent.pid" ] && kill -TERM "$(cat "$WORK/agent.pid")" 2>/dev/null
  [ "$SYSTEMD" = yes ] && systemctl stop fg2ng-agent 2>/dev/null
  case $(status) in ""|not-installed) ;; *) apt-get purge -y -qq fg2ng >/dev/null 2>&1 ;; esac
  [ "$HAD_USER" = no ] && getent passwd fg2ng >/dev/null && userdel fg2ng
  [ "$HAD_TEST_USER" = no ] && getent passwd fg2ng-test >/dev/null && userdel fg2ng-test
  rm -rf "$ELSEWHERE"
  return 0
}
trap restore EXIT

# as USER CMD...: CMD as USER (not root), in $ELSEWHERE/USER.
as() {
  local u=$1; shift
  (cd "$ELSEWHERE/$u" && setpriv --reuid="$u" --regid="$u" --init-groups -- "$@")
}

# The image: in a folder of the test user's own outside the source tree.
[ "$HAD_TEST_USER" = yes ] || useradd --system --no-create-home --shell /usr/sbin/nologin fg2ng-test
install -d -o fg2ng-test -g fg2ng-test "$ELSEWHERE/fg2ng-test"
install -m 0644 img.tar.gz "$ELSEWHERE/fg2ng-test/"

test_ok "apt-get install ./fg2ng_*.deb: the program in /usr/bin, its data, the agent's user, folders and token" '
  apt-get install -y --no-install-recommends "$DEB" > apt-install.log 2>&1 || { tail -20 apt-install.log; exit 1; }
  [ "$(command -v fg2ng)" = /usr/bin/fg2ng ]
  fg2ng --version | grep -qx "fg2ng $VERSION"
  [ -f /usr/share/fg2ng/profiles/debian.json ]
  [ -x /usr/libexec/fg2ng/fg2ng-boot-check ]
  man -w fg2ng | grep -q "^/usr/share/man/man1/fg2ng.1"
  getent passwd fg2ng | grep -q ":/var/lib/fg2ng:/usr/sbin/nologin$"
  [ "$(stat -c "%U %a" /var/lib/fg2ng)" = "fg2ng 750" ]
  [ "$(stat -c "%U %a" /var/lib/fg2ng/out)" = "fg2ng 750" ]
  [ "$(stat -c "%U %a" /etc/fg2ng/agent.token)" = "fg2ng 600" ]
  [ "$(wc -c < /etc/fg2ng/agent.token)" = 64 ]'

test_ok "a user who is not root checks and converts from a folder of its own: the profiles are found from /usr/bin/fg2ng" '
  as fg2ng-test /usr/bin/fg2ng check img.tar.gz > check.out
  grep -q "verdict: eligible" check.out
  grep -q "profile debian.json" check.out
  as fg2ng-test /usr/bin/fg2ng convert img.tar.gz -o out.vhd > convert.out
  grep -q "fixups (profile debian.json)" convert.out
  [ "$(stat -c %U "$ELSEWHERE/fg2ng-test/out.vhd")" = fg2ng-test ]
  qemu-img info --output=json "$ELSEWHERE/fg2ng-test/out.vhd" > info.json
  grep -q "\"format\": \"vpc\"" info.json
  fg2ng vhd-info "$ELSEWHERE/fg2ng-test/out.vhd" > vhd.out'

test_ok "FG2NG_PROFILES overrides the installed profiles, and a wrong one is an error (exit 3), never another copy" '
  mkdir -p prof && cp /usr/share/fg2ng/profiles/*.json prof/
  FG2NG_PROFILES=$WORK/prof expect_exit 0 fg2ng check "$ELSEWHERE/fg2ng-test/img.tar.gz"
  FG2NG_PROFILES=$WORK/nowhere expect_exit 3 fg2ng check "$ELSEWHERE/fg2ng-test/img.tar.gz"
  err_has "FG2NG_PROFILES is"'

# code [CURL ARGS]: the HTTP status of /v1/health ("000": no answer).
code() { curl -s -o "$WORK/health.out" -w "%{http_code}" "$@" "$HEALTH" || true; }

if ! have curl; then
  skip "the agent" "no curl"
elif [ "$(code)" != 000 ]; then
  skip "the agent" "something already listens on 127.0.0.1:8470"
else
  test_ok "the packaged agent starts (systemd: $SYSTEMD) with its configuration and answers /v1/health" '
    setpriv --reuid=fg2ng --regid=fg2ng --init-groups -- fg2ng agent --config /etc/fg2ng/agent.json --check
    if [ "$SYSTEMD" = yes ]; then
      systemctl daemon-reload
      systemctl start fg2ng-agent
    else
      (cd / && exec setpriv --reuid=fg2ng --regid=fg2ng --init-groups -- \
         fg2ng agent --config /etc/fg2ng/agent.json 2> "$WORK/agent.log") &
      echo $! > "$WORK/agent.pid"
    fi
    n=100
    while [ "$(code)" != 200 ]; do
      n=$((n - 1))
      [ $n -gt 0 ] || { echo "no 200 from $HEALTH"; cat "$WORK/agent.log" 2>/dev/null
        [ "$SYSTEMD" = no ] || journalctl -u fg2ng-agent --no-pager | tail -20; exit 1; }
      sleep 0.2
    done
    [ "$(code -I)" = 200 ]
    [ "$(code -H "Authorization: Bearer $(cat /etc/fg2ng/agent.token)")" = 200 ]
    grep -q "\"status\": *\"ok\"" health.out
    [ -f /var/lib/fg2ng/agent.sqlite ]
    if [ "$SYSTEMD" = yes ]; then
      systemctl stop fg2ng-agent
    else
      kill -TERM "$(cat "$WORK/agent.pid")"
      wait "$(cat "$WORK/agent.pid")" || true
      rm "$WORK/agent.pid"
    fi'
fi

test_ok "apt-get purge removes the program, its data, its state and its configuration" '
  apt-get purge -y fg2ng > apt-purge.log 2>&1 || { tail -20 apt-purge.log; exit 1; }
  lacks apt-purge.log "not empty so not removed"
  absent /usr/bin/fg2ng /usr/share/fg2ng /usr/libexec/fg2ng /var/lib/fg2ng /etc/fg2ng \
    /lib/systemd/system/fg2ng-agent.service /usr/share/man/man1/fg2ng.1.gz
  st=$(dpkg-query -W -f "\${db:Status-Status}" fg2ng 2>/dev/null || true)
  [ -z "$st" ] || [ "$st" = not-installed ] || { echo "dpkg says fg2ng is $st"; exit 1; }'

done_testing
