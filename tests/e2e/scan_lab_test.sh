#!/bin/bash
# `sekisho scan` against the device lab (lab/up: real Debian daemons in network namespaces,
# the scanner in skl-scan). Checked:
#   1. every weak device yields exactly its expected findings, no strong twin yields any,
#      every finding carries guideline ids and advice in Japanese and English
#      (scan_check.py against lab/devices.json); the -oX file is well-formed XML;
#   2. scope: a target outside --scope is refused (exit 2) and the outside recorder, which
#      logs every packet addressed to it, saw nothing; --exclude keeps the recorder out too;
#   3. no byte after a successful login: the recorder accepts admin/admin on telnet, HTTP,
#      FTP and MQTT and logs every byte per connection, before and after the login;
#   4. hostile device (endless banner, slow drip, bad telnet negotiation, megabytes of
#      headers, invalid UPnP XML): the scan ends in bounded time without a crash;
#   5. SIGINT: the scan stops within 1 s, writes its results and a resume file, and
#      `--resume` finishes the rest.
# Needs root, iproute2 and python3; exits 77 (skipped) otherwise, or when a lab is already up.
set -euo pipefail
SEKISHO=$(readlink -f "${1:?usage: scan_lab_test.sh path/to/sekisho}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! [ -x /usr/bin/python3 ]; then
  echo "SKIP: needs root, iproute2 and python3"
  exit 77
fi
if ip netns list 2>/dev/null | grep -c '^skl-' >/dev/null; then
  echo "SKIP: a lab is already up (lab/down first)"
  exit 77
fi
TMP=$(mktemp -d)
cleanup() {
  local rc=$?
  "$ROOT/lab/down" >/dev/null 2>&1 || true
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT INT TERM
fail() {
  echo "FAIL: $*"
  exit 1
}
in_scan() { ip netns exec skl-scan "$@"; }
# The recorders start their logs afresh on request (never truncate a file they write).
reset_log() {
  /usr/bin/python3 "$ROOT/lab/lib/labctl.py" reset-log --state /run/sekisho-lab "$@"
  sleep 0.3
}

"$ROOT/lab/up" >"$TMP/up.log" 2>&1 || {
  cat "$TMP/up.log"
  fail "lab/up"
}
WEAK_STRONG=$(/usr/bin/python3 -c "
import json,sys; d=json.load(open(sys.argv[1])); d=d['devices'] if isinstance(d,dict) else d
print(' '.join(x['ip'] for x in d if x['role'] in ('weak','strong')))" "$ROOT/lab/devices.json")
REC_LOG=/run/sekisho-lab/recorder/recorder.jsonl
OUT_LOG=/run/sekisho-lab/outside/recorder.jsonl

# 1. Findings against the manifest.
t0=$(date +%s.%N)
set +e
# shellcheck disable=SC2086
in_scan "$SEKISHO" scan --scope 10.231.0.0/24 $WEAK_STRONG -oJ "$TMP/lab.jsonl" -oX "$TMP/lab.xml" \
  --fail-on high >"$TMP/lab.table" 2>"$TMP/lab.err"
rc=$?
set -e
t1=$(date +%s.%N)
[ "$rc" = 1 ] || {
  cat "$TMP/lab.err"
  fail "scan exit $rc, expected 1 (--fail-on high with critical findings)"
}
/usr/bin/python3 "$ROOT/tests/e2e/scan_check.py" "$ROOT/lab/devices.json" "$TMP/lab.jsonl" || fail "findings differ"
/usr/bin/python3 -c "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])" "$TMP/lab.xml" || fail "XML"
grep -q '"credential_id":"mirai-' "$TMP/lab.jsonl" || fail "no credential id"
if grep -Eq '"(vizxv|password)":|vizxv' "$TMP/lab.jsonl" "$TMP/lab.table" "$TMP/lab.err"; then
  fail "a password appears in the output"
fi
echo "lab scan: $(grep -c '"type":"finding"' "$TMP/lab.jsonl") findings in $(python3 -c "print(round($t1 - $t0, 2))") s"

# 2. Scope: the outside device (10.231.1.10) is reachable from skl-scan but not in scope.
reset_log outside
set +e
in_scan "$SEKISHO" scan --scope 10.231.0.0/24 10.231.0.40 10.231.1.10 -q 2>"$TMP/scope.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "out-of-scope target: exit $rc, expected 2"
grep -q "outside the scope" "$TMP/scope.err" || fail "no scope error message"
set +e
in_scan "$SEKISHO" scan --scope 10.231.0.0/24 10.231.0.0/23 -q 2>"$TMP/scope2.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "a range reaching outside the scope: exit $rc, expected 2"
# In scope but excluded: the recorder must see nothing either.
reset_log recorder
in_scan "$SEKISHO" scan --scope 10.231.0.0/24 10.231.0.39-41 --exclude 10.231.0.40,10.231.0.41 -q \
  --ports T:23 >/dev/null 2>&1 || true
sleep 0.5
if grep -Eq '"event": ?"packet"' "$OUT_LOG"; then fail "the outside device received packets"; fi
if grep -Eq '"event": ?"packet"' "$REC_LOG"; then fail "the excluded recorder received packets"; fi
echo "scope: refused out-of-scope targets, outside and excluded devices received 0 packets"

# 3. Nothing after a successful login.
reset_log recorder
in_scan "$SEKISHO" scan --scope 10.231.0.0/24 10.231.0.40 -oJ "$TMP/rec.jsonl" -q --ports T:21,23,80,1883 || true
sleep 0.5
/usr/bin/python3 - "$REC_LOG" "$TMP/rec.jsonl" <<'EOF' || fail "bytes after login"
import json, sys
log = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
found = {(r["port"], r["id"]) for r in map(json.loads, open(sys.argv[2])) if r.get("type") == "finding"}
logins = {}
after = 0
for r in log:
    if r.get("event") == "login" and r.get("ok"):
        logins[r["port"]] = logins.get(r["port"], 0) + 1
    if r.get("event") == "data" and r.get("phase") == "after":
        after += r["len"]
        print("after-login bytes on port", r["port"], r["hex"][:80])
ports = {21, 23, 80, 1883}
print("logins accepted per port:", logins, "bytes after login:", after)
missing = [p for p in ports if (p, "default-credentials") not in found]
if missing:
    print("no default-credentials finding on", missing); sys.exit(1)
if set(logins) != ports:
    print("the recorder did not see a successful login on every port"); sys.exit(1)
sys.exit(1 if after else 0)
EOF

# 4. The hostile device: bounded time, no crash.
t0=$(date +%s)
set +e
timeout 120 ip netns exec skl-scan "$SEKISHO" scan --scope 10.231.0.0/24 10.231.0.41 -oJ "$TMP/hostile.jsonl" -q \
  --ports T:23,80,2323,8080,1883,49152,U:1900 2>"$TMP/hostile.err"
rc=$?
set -e
t1=$(date +%s)
[ "$rc" = 0 ] || [ "$rc" = 1 ] || {
  cat "$TMP/hostile.err"
  fail "hostile device: exit $rc"
}
grep -q '"type":"summary"' "$TMP/hostile.jsonl" || fail "hostile device: no summary"
echo "hostile device: done in $((t1 - t0)) s, exit $rc"

# 5. SIGINT: stop, save, resume.
cd "$TMP"
# shellcheck disable=SC2086
# (`ip netns exec` execs the command, so $! is sekisho itself.)
ip netns exec skl-scan "$SEKISHO" scan --scope 10.231.0.0/24 $WEAK_STRONG -oJ "$TMP/int.jsonl" -q \
  --resume-file "$TMP/int.resume" 2>"$TMP/int.err" &
pid=$!
sleep 1.5
t0=$(date +%s.%N)
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
t1=$(date +%s.%N)
[ "$rc" = 130 ] || fail "SIGINT: exit $rc, expected 130"
[ -s "$TMP/int.resume" ] || fail "no resume file"
grep -q '"type":"summary"' "$TMP/int.jsonl" || fail "no summary after SIGINT"
stop_s=$(python3 -c "print(round($t1 - $t0, 2))")
echo "SIGINT: stopped in $stop_s s"
python3 -c "import sys; sys.exit(0 if $stop_s < 2.5 else 1)" || fail "SIGINT: took $stop_s s to stop (drain is 1 s)"
in_scan "$SEKISHO" scan --resume "$TMP/int.resume" >/dev/null 2>"$TMP/resume.err" || [ $? = 1 ] || fail "resume"
[ ! -e "$TMP/int.resume" ] || fail "the resume file is still there after the scan finished"
/usr/bin/python3 "$ROOT/tests/e2e/scan_check.py" "$ROOT/lab/devices.json" "$TMP/int.jsonl" >/dev/null ||
  fail "interrupted + resumed scan lost findings"
echo "PASS scan_lab_test"
