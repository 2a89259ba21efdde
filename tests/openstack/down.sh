#!/usr/bin/env bash
# tests/openstack/down.sh STATE_DIR --- stop what tests/openstack/up.sh
# STATE_DIR started: every process group named by STATE_DIR/run/*.pid
# (each service runs in its own session, so uwsgi's workers go with their
# master), SIGTERM (SIGINT for uwsgi) then, after 10 s, SIGKILL.  Idempotent; the state
# folder (logs, databases) stays.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
RUN=$1/run
[ -d "$RUN" ] || exit 0

# group_alive PID: a process of group PID remains (the leader may be gone).
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

pids=()
for f in "$RUN"/*.pid; do
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  case $pid in ''|*[!0-9]*) rm -f "$f"; continue ;; esac
  # Only a group this harness made: its leader (still there) is pid itself.
  # uwsgi (Keystone) takes SIGTERM for a graceful reload of a worker
  # still loading its application: SIGINT ends it at once.
  sig=TERM
  [ "$(basename "$f" .pid)" = keystone ] && sig=INT
  if group_alive "$pid"; then
    kill -"$sig" -- "-$pid" 2>/dev/null
    pids+=("$pid")
  fi
done
for _ in $(seq 100); do
  left=()
  for pid in ${pids[@]+"${pids[@]}"}; do
    group_alive "$pid" && left+=("$pid")
  done
  [ ${#left[@]} -gt 0 ] || break
  sleep 0.1
done
for pid in ${left[@]+"${left[@]}"}; do
  echo "down.sh: process group $pid did not stop on SIGTERM: SIGKILL" >&2
  kill -KILL -- "-$pid" 2>/dev/null
done
for pid in ${left[@]+"${left[@]}"}; do
  for _ in $(seq 50); do group_alive "$pid" || break; sleep 0.1; done
done
rm -f "$RUN"/*.pid
if [ -f "$RUN/syslog.path" ]; then
  rm -f "$(cat "$RUN/syslog.path")"
fi
exit 0
