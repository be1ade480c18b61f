# shellcheck shell=bash
# Shared by lab/up and lab/down (sourced, bash).
#
# Everything the lab makes lives in network namespaces named "$PREFIX-*" and in $STATE:
# the switch namespace ($PREFIX-sw, a bridge), the scanner ($PREFIX-scan), one per device.
# Links are created straight inside those namespaces, so the root namespace never gets an
# address, a route or a link, and deleting the namespaces removes every link.

LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${SEKISHO_LAB_PREFIX:-skl}
if [ "$PREFIX" = skl ]; then
  STATE=${SEKISHO_LAB_STATE:-/run/sekisho-lab}
else
  STATE=${SEKISHO_LAB_STATE:-/run/sekisho-lab-$PREFIX}
fi
LOCK=/run/sekisho-lab-$PREFIX.lock
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)
# shellcheck disable=SC2034 # used by lab/up
LABCTL=("$PY" "$LAB/lib/labctl.py")

lab_log() { echo "lab: $*" >&2; }
lab_die() {
  echo "lab: error: $*" >&2
  exit 1
}

lab_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${PREFIX}-" || true
}

lab_lock() {
  exec 9>"$LOCK"
  flock -w 120 9 || lab_die "another lab/up or lab/down holds $LOCK"
}

# Stop every process in the lab's namespaces, delete the namespaces (and so every veth and
# the bridge), remove the state directory. Safe to run any number of times, at any point.
lab_teardown() {
  local nss ns pid pids left
  nss=$(lab_namespaces)
  for ns in $nss; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
  done
  for _ in $(seq 1 30); do
    left=0
    for ns in $nss; do
      pids=$(ip netns pids "$ns" 2>/dev/null || true)
      [ -n "$pids" ] && left=1
    done
    [ $left = 0 ] && break
    sleep 0.1
  done
  for ns in $nss; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for ns in $nss; do
    ip netns del "$ns" 2>/dev/null || lab_log "could not delete namespace $ns"
  done
  # Nothing is ever created in the root namespace; remove a stray "$PREFIX-*" link anyway.
  for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^${PREFIX}-" || true); do
    ip link del "$l" 2>/dev/null || true
  done
  # Only a directory lab/up made (it carries the marker) is removed.
  if [ -f "$STATE/.sekisho-lab" ]; then
    rm -rf "$STATE"
  elif [ -e "$STATE" ]; then
    lab_log "left $STATE alone: it has no .sekisho-lab marker"
  fi
  [ -z "$nss" ] || lab_log "removed $(echo "$nss" | wc -l) namespaces"
}
