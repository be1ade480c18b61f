#!/bin/bash
# The device lab (lab/) end to end: lab/up builds every device, then each one is checked
# from the scanner namespace with real clients (lab/lib/labctl.py verify: telnet logins
# through inetutils telnetd + /bin/login, dbclient against dropbear, HTTP Basic against
# lighttpd, HTTPS with the self-signed certificate, mosquitto_pub, ftplib against vsftpd,
# snmpget, coap-client, SSDP + the miniupnpd description, RTSP Digest, the TR-069 stub, the
# hostile device's misbehaviour, the recorder's before/after-login log); the strong twins
# must refuse the default logins and accept their random ones. Then lab/down, and nothing
# of the lab may remain: no namespace, no link, no state directory, no address or route in
# the root namespace, and the host's passwd/shadow/PAM files and login records unchanged.
# Also: lab/up --list, a second lab/up refused while up, lab/down twice, and a lab/up that
# fails half-way (a daemon that does not start) cleans up after itself.
# Needs root and ip netns; exits 77 (skipped) otherwise, or when a lab is already up (it is
# not this test's to tear down). About 20 s.
# Usage: lab_test.sh path/to/sekisho   (the binary is not used yet)
set -euo pipefail
SEKISHO=${1:-}
: "$SEKISHO"
HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(cd "$HERE/../.." && pwd)
LAB=$ROOT/lab
PREFIX=${SEKISHO_LAB_PREFIX:-skl}
export SEKISHO_LAB_PREFIX=$PREFIX
STATE=${SEKISHO_LAB_STATE:-/run/sekisho-lab}
[ "$PREFIX" = skl ] || STATE=${SEKISHO_LAB_STATE:-/run/sekisho-lab-$PREFIX}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
  echo "SKIP: needs root and ip netns"
  exit 77
fi
if ip netns list | awk '{print $1}' | grep -c "^$PREFIX-" >/dev/null; then
  echo "SKIP: a lab ($PREFIX-*) is already up; not touching it (lab/down to clear it)"
  exit 77
fi

TMP=$(mktemp -d)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ $rc != 0 ]; then
    echo "--- lab/down after a failure"
    bash "$LAB/down" || true
  fi
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
  echo "FAIL - $*"
  exit 1
}
ok() { echo "ok - $*"; }
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

host_files() {
  {
    md5sum /etc/passwd /etc/shadow /etc/group
    find /etc/pam.d -type f -exec md5sum {} + | sort
    for f in /var/run/utmp /var/log/wtmp /var/log/btmp /var/log/lastlog; do [ -f "$f" ] && md5sum "$f"; done
  } 2>/dev/null || true
}
no_lab_left() {
  local what=$1 nss links
  nss=$(ip netns list | awk '{print $1}' | grep "^$PREFIX-" || true)
  [ -z "$nss" ] || die "$what: namespaces left: $(echo "$nss" | tr '\n' ' ')"
  links=$(ip -o link show | awk -F': ' '{print $2}' | grep -E "^($PREFIX-|v[01]-[0-9]+|scan$)" || true)
  [ -z "$links" ] || die "$what: links left in the root namespace: $links"
  ! ip -o addr show | grep -c ' 10\.231\.' >/dev/null || die "$what: a 10.231 address in the root namespace"
  ! ip route show | grep -c '10\.231\.' >/dev/null || die "$what: a 10.231 route in the root namespace"
  [ ! -e "$STATE" ] || die "$what: $STATE is left"
}

host_files >"$TMP/host.before"
bash "$LAB/down" >/dev/null 2>&1 || die "lab/down with nothing up failed"
no_lab_left "before"

# --- the manifest and --list ------------------------------------------------------------
N=$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$LAB/devices.json")
[ "$(bash "$LAB/up" --list | wc -l)" = "$N" ] || die "lab/up --list does not print $N lines"
bash "$LAB/up" --list | grep -c '^recorder .*log=' >/dev/null || die "lab/up --list does not show the recorder log"
bash "$LAB/up" --list --only telnet-cam | grep -c '^telnet-cam  *10\.231\.0\.11 .*telnet-open@23' >/dev/null ||
  die "lab/up --list --only telnet-cam"
! bash "$LAB/up" --only no-such-device >/dev/null 2>&1 || die "lab/up accepted an unknown device"
no_lab_left "after an unknown device"
ok "manifest: $N devices, --list and --only"

# --- a lab/up that fails half-way leaves nothing --------------------------------------------
mkdir -p "$TMP/bin"
printf '#!/bin/sh\necho "lighttpd: refusing to start (lab test)" >&2\nexit 1\n' >"$TMP/bin/lighttpd"
chmod +x "$TMP/bin/lighttpd"
if SEKISHO_LAB_TIMEOUT=2 PATH="$TMP/bin:$PATH" bash "$LAB/up" --only telnet-cam,web-cam >"$TMP/fail.log" 2>&1; then
  die "lab/up succeeded with a daemon that does not start"
fi
grep -q 'web-cam .*not answering' "$TMP/fail.log" || die "lab/up did not name the failed device: $(tail -5 "$TMP/fail.log")"
no_lab_left "after a failed lab/up"
bash "$LAB/down" >/dev/null 2>&1 || die "lab/down after a failed lab/up"
ok "a failed lab/up names the device and cleans up"

# --- the whole lab ------------------------------------------------------------------------
T0=$(date +%s.%N)
bash "$LAB/up" >"$TMP/up.log" 2>&1 || {
  cat "$TMP/up.log"
  die "lab/up failed"
}
UP_S=$(secs "$T0")
[ "$(grep -c '^[a-z]' "$TMP/up.log")" -ge "$N" ] || die "lab/up did not list the devices"
for d in $("$PY" "$LAB/lib/labctl.py" names); do
  ip netns list | grep -c "^$PREFIX-$d\b" >/dev/null || die "no namespace for $d"
done
ok "lab/up: $N devices in $UP_S s"

! bash "$LAB/up" >"$TMP/up2.log" 2>&1 || die "a second lab/up succeeded"
grep -q 'already up' "$TMP/up2.log" || die "a second lab/up did not say the lab is up"
ip netns list | grep -c "^$PREFIX-scan\b" >/dev/null || die "a second lab/up tore the lab down"
ok "a second lab/up is refused and leaves the lab alone"

[ "$(stat -c %a "$STATE/secrets.json")" = 600 ] || die "secrets.json is not 0600"
ip netns exec "$PREFIX-scan" "$PY" "$LAB/lib/labctl.py" verify --state "$STATE" >"$TMP/verify.log" 2>&1 || {
  cat "$TMP/verify.log"
  die "some devices did not behave as the manifest says"
}
cat "$TMP/verify.log"
ok "every device answers real clients as expected"

# The scanner namespace reaches both subnets; the root namespace reaches neither.
ip netns exec "$PREFIX-scan" ping -c1 -W1 10.231.1.10 >/dev/null || die "scan cannot reach 10.231.1.10"
! ip route get 10.231.0.11 2>/dev/null | grep -c "dev $PREFIX-" >/dev/null || die "root namespace routes into the lab"
ok "the scanner reaches 10.231.0.0/24 and 10.231.1.0/24"

# --- down ---------------------------------------------------------------------------------
T0=$(date +%s.%N)
bash "$LAB/down" >/dev/null 2>&1 || die "lab/down failed"
DOWN_S=$(secs "$T0")
no_lab_left "after lab/down"
bash "$LAB/down" >/dev/null 2>&1 || die "a second lab/down failed"
host_files >"$TMP/host.after"
diff "$TMP/host.before" "$TMP/host.after" || die "host files changed"
pgrep -f "$STATE/" >/dev/null && die "processes of the lab are still running"
ok "lab/down in $DOWN_S s: nothing left, host files unchanged"
echo "PASS lab_test: up $UP_S s, down $DOWN_S s"
