#!/bin/bash
# Detection -> automatic quarantine, end to end, in network namespaces this test creates:
#
#   cam   (10.78.1.2, the infected camera) --veth--+
#                                                   br0 on gw (10.78.1.1 | 10.78.2.1, routes,
#   phone (10.78.1.3, a healthy device)    --veth--+  `sekisho enforce --apply --hold --watch br0
#                                                      --detect`) --veth-- inet (10.78.2.2;
#                                                      routes 203.0.113.0/24, 198.51.100.0/24)
#
# The camera has no policy (unbound): the gateway forwards its traffic until the detectors
# say otherwise. It then starts a Mirai-style telnet scan: raw TCP SYNs whose sequence
# number is the destination address, from one fixed source port, 9 in 10 to port 23 and
# 1 in 10 to 2323, to addresses in the two documentation ranges (public addresses for the
# detector; routed into the `inet` namespace, nowhere else). The config sets the
# outbound_scan detector's action to quarantine. Checked: the alert (signature 9400001,
# response "quarantined") and the camera cut off within 1 s of its first scan packet
# (its connections to an echo server in `inet` fail), while the phone's keep working,
# and the gateway's own DNS still answers the camera (quarantine keeps DHCP/DNS).
# Needs root, iproute2, nft and python3; exits 77 (skipped) otherwise. About 10 s.
# Nothing outside the namespaces is touched: every nft command runs inside `gw`.
set -euo pipefail
SEKISHO=${1:?usage: detect_quarantine_test.sh path/to/sekisho}
SEKISHO=$(readlink -f "$SEKISHO")
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v nft >/dev/null ||
  ! command -v python3 >/dev/null; then
  echo "SKIP: needs root, iproute2, nft and python3"
  exit 77
fi

TAG="sq$$"
NS_CAM="$TAG-cam"
NS_PHO="$TAG-pho"
NS_GW="$TAG-gw"
NS_INET="$TAG-inet"
CAM_MAC="02:78:00:00:00:02"
PHO_MAC="02:78:00:00:00:03"
TMP=$(mktemp -d)

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for ns in "$NS_CAM" "$NS_PHO" "$NS_GW" "$NS_INET"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 0.2
  for ns in "$NS_CAM" "$NS_PHO" "$NS_GW" "$NS_INET"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ $rc != 0 ] && [ -d "$TMP" ]; then
    for f in "$TMP"/*.log "$TMP"/*.json; do [ -s "$f" ] && { echo "--- $(basename "$f")"; tail -20 "$f"; }; done
  fi
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "FAIL - $*"; exit 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

cat >"$TMP/echo.py" <<'PY'
# echo.py READYFILE HOST PORT: TCP echo server.
import selectors, socket, sys
sel = selectors.DefaultSelector()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[2], int(sys.argv[3])))
s.listen(64)
sel.register(s, selectors.EVENT_READ, None)
open(sys.argv[1], "w").write("ready\n")
while True:
    for key, _ in sel.select():
        if key.data is None:
            c, _ = s.accept()
            sel.register(c, selectors.EVENT_READ, "c")
            continue
        c = key.fileobj
        try:
            d = c.recv(2048)
        except OSError:
            d = b""
        if d:
            c.send(d)
        else:
            sel.unregister(c)
            c.close()
PY
cat >"$TMP/probe.py" <<'PY'
# probe.py HOST PORT [TIMEOUT]: exit 0 when the echo comes back in time.
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]) if len(sys.argv) > 3 else 0.5)
    c.settimeout(0.5)
    c.sendall(b"ping")
    sys.exit(0 if c.recv(16) == b"ping" else 1)
except OSError:
    sys.exit(1)
PY
cat >"$TMP/scan_and_poll.py" <<'PY'
# scan_and_poll.py SRC HOST PORT OUT: a Mirai-style scanner (raw SYNs, seq == destination
# address, fixed source port, 23:2323 = 9:1, 100 packets/s to addresses in 203.0.113.0/24
# and 198.51.100.0/24) while polling HOST:PORT with a new TCP connection every 50 ms.
# Writes "first_syn T", then "poll T ok|fail" lines, and stops 1.5 s after the first
# failed poll (or after 5 s).
import random, socket, struct, sys, time
src, host, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rnd = random.Random(7)
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def syn(dst, dport, sport=48123):
    seq = struct.unpack("!I", socket.inet_aton(dst))[0]
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 14600, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rnd.randrange(65536), 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + tcp
log = open(out, "w", buffering=1)
t0 = time.time()
log.write(f"first_syn {t0:.6f}\n")
sent, first_fail, next_poll = 0, None, t0
while time.time() - t0 < 5 and (first_fail is None or time.time() - first_fail < 1.5):
    now = time.time()
    while sent < (now - t0) * 100 + 1:
        net = "203.0.113." if sent % 2 == 0 else "198.51.100."
        dst = net + str(rnd.randrange(1, 255))
        raw.sendto(syn(dst, 2323 if sent % 10 == 9 else 23), (dst, 0))
        sent += 1
    if now >= next_poll:
        t = time.time()
        try:
            c = socket.create_connection((host, port), timeout=0.04)
            c.close()
            ok = True
        except OSError:
            ok = False
        log.write(f"poll {t:.6f} {'ok' if ok else 'fail'}\n")
        if not ok and first_fail is None:
            first_fail = t
        next_poll = t + 0.05
    time.sleep(0.002)
log.write(f"sent {sent}\n")
PY
cat >"$TMP/dns_stub.py" <<'PY'
# dns_stub.py READYFILE ADDR: answers every A question with 10.78.2.2.
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 53))
open(sys.argv[1], "w").write("ready\n")
while True:
    q, peer = s.recvfrom(512)
    end = 12
    while q[end]: end += q[end] + 1
    question = q[12:end + 5]
    r = q[:2] + struct.pack("!5H", 0x8180, 1, 1, 0, 0) + question
    r += struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("10.78.2.2")
    s.sendto(r, peer)
PY
cat >"$TMP/resolve.py" <<'PY'
import random, socket, struct, sys
q = struct.pack("!6H", random.randrange(65536), 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00" + struct.pack("!2H", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(q, (sys.argv[1], 53))
try:
    sys.exit(0 if socket.inet_ntoa(s.recvfrom(512)[0][-4:]) == "10.78.2.2" else 1)
except OSError:
    sys.exit(1)
PY
cat >"$TMP/sekisho.toml" <<'TOML'
[detect.outbound_scan]
action = "quarantine"
TOML

wait_file() {  # FILE SECONDS
  local i
  for i in $(seq 1 $(($2 * 20))); do [ -s "$1" ] && return 0; sleep 0.05; done
  return 1
}

# --- namespaces ----------------------------------------------------------------------
for ns in "$NS_CAM" "$NS_PHO" "$NS_GW" "$NS_INET"; do ip netns add "$ns"; done
ip link add "$TAG-c" netns "$NS_CAM" type veth peer name "$TAG-lc" netns "$NS_GW"
ip link add "$TAG-p" netns "$NS_PHO" type veth peer name "$TAG-lp" netns "$NS_GW"
ip link add "$TAG-w" netns "$NS_GW" type veth peer name "$TAG-i" netns "$NS_INET"
for ns in "$NS_CAM" "$NS_PHO" "$NS_GW" "$NS_INET"; do in_ns "$ns" ip link set lo up; done
in_ns "$NS_CAM" ip link set "$TAG-c" address "$CAM_MAC"
in_ns "$NS_CAM" ip addr add 10.78.1.2/24 dev "$TAG-c"
in_ns "$NS_CAM" ip link set "$TAG-c" up
in_ns "$NS_CAM" ip route add default via 10.78.1.1
in_ns "$NS_PHO" ip link set "$TAG-p" address "$PHO_MAC"
in_ns "$NS_PHO" ip addr add 10.78.1.3/24 dev "$TAG-p"
in_ns "$NS_PHO" ip link set "$TAG-p" up
in_ns "$NS_PHO" ip route add default via 10.78.1.1
BR="$TAG-br"
in_ns "$NS_GW" ip link add "$BR" type bridge
in_ns "$NS_GW" ip link set "$TAG-lc" master "$BR"
in_ns "$NS_GW" ip link set "$TAG-lp" master "$BR"
in_ns "$NS_GW" ip addr add 10.78.1.1/24 dev "$BR"
in_ns "$NS_GW" ip addr add 10.78.2.1/24 dev "$TAG-w"
for l in "$BR" "$TAG-lc" "$TAG-lp" "$TAG-w"; do in_ns "$NS_GW" ip link set "$l" up; done
in_ns "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
in_ns "$NS_GW" ip route add 203.0.113.0/24 via 10.78.2.2
in_ns "$NS_GW" ip route add 198.51.100.0/24 via 10.78.2.2
in_ns "$NS_INET" ip addr add 10.78.2.2/24 dev "$TAG-i"
in_ns "$NS_INET" ip addr add 203.0.113.10/32 dev "$TAG-i"
in_ns "$NS_INET" ip link set "$TAG-i" up
in_ns "$NS_INET" ip route add default via 10.78.2.1

in_ns "$NS_INET" python3 "$TMP/echo.py" "$TMP/echo.ready" 203.0.113.10 8080 >"$TMP/echo.log" 2>&1 &
in_ns "$NS_GW" python3 "$TMP/dns_stub.py" "$TMP/dns.ready" 10.78.1.1 >"$TMP/dns.log" 2>&1 &
wait_file "$TMP/echo.ready" 5 || die "echo server did not start"
wait_file "$TMP/dns.ready" 5 || die "DNS stub did not start"
# Wait for the bridge ports to forward (STP is off, but the ports still need a moment).
for i in $(seq 1 40); do in_ns "$NS_CAM" python3 "$TMP/probe.py" 203.0.113.10 8080 0.2 && break; sleep 0.1; done

# --- the gateway ------------------------------------------------------------------------
in_ns "$NS_GW" "$SEKISHO" enforce --apply --hold --lan-if "$BR" --lan 10.78.1.0/24 --gateway-ip 10.78.1.1 \
  --watch "$BR" --detect --config "$TMP/sekisho.toml" --eve "$TMP/alerts.json" >"$TMP/gw.log" 2>"$TMP/gw.err.log" &
for i in $(seq 1 100); do grep -q "holding" "$TMP/gw.log" 2>/dev/null && break; sleep 0.05; done
grep -q "holding" "$TMP/gw.log" || die "sekisho enforce did not start"
grep -q "detector(s) running" "$TMP/gw.err.log" || die "the detectors did not start"
sleep 0.3  # the capture is open before the table is applied; let a packet or two pass

in_ns "$NS_CAM" python3 "$TMP/probe.py" 203.0.113.10 8080 || die "camera cannot reach the Internet before the scan"
in_ns "$NS_PHO" python3 "$TMP/probe.py" 203.0.113.10 8080 || die "phone cannot reach the Internet before the scan"
echo "ok - camera and phone reach 203.0.113.10:8080 through the gateway"

# --- the scan ---------------------------------------------------------------------------
in_ns "$NS_CAM" python3 "$TMP/scan_and_poll.py" 10.78.1.2 203.0.113.10 8080 "$TMP/scan.log"
first_syn=$(awk '$1 == "first_syn" {print $2}' "$TMP/scan.log")
first_fail=$(awk '$1 == "poll" && $3 == "fail" {print $2; exit}' "$TMP/scan.log")
[ -n "$first_fail" ] || die "the camera was never cut off ($(grep -c ok "$TMP/scan.log") polls passed)"
cut_ms=$(python3 -c "import sys; print(f'{(float(sys.argv[2]) - float(sys.argv[1])) * 1000:.0f}')" "$first_syn" "$first_fail")
# The last poll that passed before the cut, for the bound on the time it took.
last_ok=$(awk '$1 == "poll" && $3 == "ok" {t = $2} $1 == "poll" && $3 == "fail" {print t; exit}' "$TMP/scan.log")
echo "ok - camera cut off: first failed poll ${cut_ms} ms after its first scan SYN ($(awk '$1 == "sent" {print $2}' "$TMP/scan.log") SYNs sent)"
[ "$cut_ms" -le 1000 ] || die "quarantine took ${cut_ms} ms (> 1000 ms)"
sleep 0.3
grep -q '"signature_id":9400001' "$TMP/alerts.json" || die "no Mirai telnet scan alert in the EVE output"
grep -q '"response":"quarantined"' "$TMP/alerts.json" || die "the alert does not say the device was quarantined"
grep -q "\"mac\":\"$CAM_MAC\"" "$TMP/alerts.json" || die "the alert does not name the camera"
echo "ok - alert: $(grep -o '"signature":"[^"]*"' "$TMP/alerts.json" | head -1), $(grep -o '"response":"[^"]*"' "$TMP/alerts.json" | head -1)"
grep -m1 "alert:" "$TMP/gw.log" || true

in_ns "$NS_CAM" python3 "$TMP/probe.py" 203.0.113.10 8080 && die "the camera still reaches the Internet"
in_ns "$NS_PHO" python3 "$TMP/probe.py" 203.0.113.10 8080 || die "the phone was cut off too"
echo "ok - the camera stays cut off; the phone still reaches 203.0.113.10:8080"
in_ns "$NS_CAM" python3 "$TMP/resolve.py" 10.78.1.1 || die "quarantine also cut the gateway's DNS"
echo "ok - the quarantined camera still gets DNS answers from the gateway"
in_ns "$NS_GW" nft list map inet sekisho from_mac | grep -c "$CAM_MAC" >/dev/null || die "the camera is not in the live table"
echo "ok - table inet sekisho: $(in_ns "$NS_GW" nft list map inet sekisho from_mac | grep -o "$CAM_MAC : [a-z_ ]*")"
grep -q '"response":"quarantined"' "$TMP/alerts.json"
echo "PASS"
