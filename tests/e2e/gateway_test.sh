#!/bin/bash
# The secure gateway end to end, in three network namespaces this test creates:
#
#   dev (10.77.1.2, the IoT device) --veth-- gw (10.77.1.1 | 10.77.2.1, routes, nftables
#   via `sekisho enforce --apply`, DNS stub) --veth-- inet (10.77.2.2-6, TCP/UDP echo servers)
#
# A MUD file allows the device TCP 8080 to 10.77.2.2 (destination-ipv4-network) and TCP
# 443 to the DNS name allowed.example. Its addresses come in two ways: by hand,
# `sekisho enforce --dns MAC=allowed.example=10.77.2.4` adds one to the device's set in the
# live table; and live, `--hold --watch LAN_IF` captures the DNS answers the gateway sends
# the device (dns_stub.py on 10.77.1.1:53 answers allowed.example with 10.77.2.5 and
# other.example with 10.77.2.6) and binds them: 443 to 10.77.2.5 is dropped until the
# device resolves allowed.example and passes within a second after; other.example's
# address stays dropped, and so does an address in a "response" the device forges to
# itself (only what the gateway sends out counts). Checked also: allowed flows pass,
# other ports and addresses are dropped, the quarantine fast path cuts the device off
# within 1 s while DHCP/DNS/console on the gateway still answer, lifting it restores
# traffic, pause and block, and what a SIGTERM leaves behind with and without
# --fail-closed (and that it stops within 1 s while capturing).
# Needs root (CI runs as root), iproute2, nft and python3; exits 77 (skipped) otherwise.
# About 15 s.
# Nothing outside the namespaces is touched: every nft command runs inside `gw`.
set -euo pipefail
SEKISHO=${1:?usage: gateway_test.sh path/to/sekisho}
SEKISHO=$(readlink -f "$SEKISHO")
HERE=$(dirname "$(readlink -f "$0")")
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v nft >/dev/null ||
  ! command -v python3 >/dev/null; then
  echo "SKIP: needs root, iproute2, nft and python3"
  exit 77
fi

TAG="sg$$"
NS_DEV="$TAG-dev"
NS_GW="$TAG-gw"
NS_INET="$TAG-inet"
LAN_IF="$TAG-l"   # gw side of the LAN veth
DEV_MAC="02:77:00:00:00:02"
TMP=$(mktemp -d)
HOLD_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Everything this test started runs in one of its namespaces: stop those, then the
  # namespaces go, and their veths and nftables tables with them.
  for ns in "$NS_DEV" "$NS_GW" "$NS_INET"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 0.1
  for ns in "$NS_DEV" "$NS_GW" "$NS_INET"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ $rc != 0 ] && [ -d "$TMP" ]; then
    for f in "$TMP"/*.log; do [ -s "$f" ] && { echo "--- $(basename "$f")"; tail -20 "$f"; }; done
  fi
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "FAIL - $*"; exit 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
now() { date +%s.%N; }
ms_between() { python3 -c "import sys; print(f'{(float(sys.argv[2]) - float(sys.argv[1])) * 1000:.0f}')" "$1" "$2"; }

# --- helpers in python (no nc/busybox needed) ---------------------------------------
cat >"$TMP/servers.py" <<'PY'
# TCP and UDP echo servers: servers.py READYFILE proto:ip:port ...
import selectors, socket, sys
sel = selectors.DefaultSelector()
for spec in sys.argv[2:]:
    proto, host, port = spec.split(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    if proto == "tcp":
        s.listen(64)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, proto)
open(sys.argv[1], "w").write("ready\n")
while True:
    for key, _ in sel.select():
        s, kind = key.fileobj, key.data
        try:
            if kind == "tcp":
                c, _ = s.accept()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, "conn")
            elif kind == "udp":
                data, peer = s.recvfrom(2048)
                s.sendto(data, peer)
            else:
                data = s.recv(2048)
                if data:
                    s.send(data)
                else:
                    sel.unregister(s)
                    s.close()
        except OSError:
            if kind == "conn":
                sel.unregister(s)
                s.close()
PY
cat >"$TMP/probe.py" <<'PY'
# probe.py tcp|udp HOST PORT [TIMEOUT]: exit 0 when the echo comes back in time.
import socket, sys
proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 0.4
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.settimeout(timeout)
try:
    if proto == "tcp":
        s.connect((host, port))
        s.sendall(b"ping")
        ok = s.recv(16) == b"ping"
    else:
        s.sendto(b"ping", (host, port))
        ok = s.recvfrom(16)[0] == b"ping"
except OSError:
    ok = False
sys.exit(0 if ok else 1)
PY
cat >"$TMP/poll.py" <<'PY'
# poll.py HOST PORT OUT GO STOP: every 100 ms a new TCP connect (timeout 150 ms) and an
# echo over one connection opened at the start. Appends "time kind ok|fail" lines to OUT;
# once GO exists, stops when both have failed (or STOP appears, or after 5 s).
import os, socket, sys, time
host, port, out, go, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
est = socket.create_connection((host, port), timeout=1)
est.settimeout(0.15)
failed = set()
deadline = None
with open(out, "w", buffering=1) as log:
    log.write(f"{time.time():.6f} start ok\n")
    while not os.path.exists(stop):
        if deadline is None and os.path.exists(go):
            deadline = time.time() + 5
        tick = time.time()
        for kind in ("new", "established"):
            t = time.time()
            try:
                if kind == "new":
                    c = socket.create_connection((host, port), timeout=0.15)
                    c.close()
                elif "established" in failed:
                    continue
                else:
                    est.sendall(b"x")
                    if est.recv(16) != b"x":
                        raise OSError
                ok = True
            except OSError:
                ok = False
            if not ok:
                failed.add(kind)
            log.write(f"{t:.6f} {kind} {'ok' if ok else 'fail'} {time.time():.6f}\n")
        if deadline is not None and (failed >= {"new", "established"} or time.time() > deadline):
            break
        time.sleep(max(0, 0.1 - (time.time() - tick)))
PY

cat >"$TMP/resolve.py" <<'PY'
# resolve.py SERVER NAME [connect PORT WITHIN | drop PORT FOR]: asks SERVER (UDP 53) for
# NAME's A record and prints the address. `connect`: then opens TCP connections to PORT of
# it, a new one every ~20 ms, and prints the ms from the answer to the first that passed
# (exit 1 if none did within WITHIN s). `drop`: exit 1 if one passes within FOR s.
import random, socket, struct, sys, time
server, name = sys.argv[1], sys.argv[2]
q = struct.pack("!6H", random.randrange(65536), 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack("!2H", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(q, (server, 53))
data = s.recvfrom(4096)[0]
t_answer = time.time()
if data[3] & 15 or struct.unpack("!H", data[6:8])[0] == 0:
    print("no address")
    sys.exit(2)
addr = socket.inet_ntoa(data[-4:])
if len(sys.argv) == 3:
    print(addr)
    sys.exit(0)
mode, port, window = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
while time.time() - t_answer < window:
    try:
        socket.create_connection((addr, port), timeout=0.02).close()
        ms = (time.time() - t_answer) * 1000
        print(f"{addr} {ms:.0f}")
        sys.exit(0 if mode == "connect" else 1)
    except OSError:
        time.sleep(0.002)
print(f"{addr} none")
sys.exit(1 if mode == "connect" else 0)
PY
cat >"$TMP/forge.py" <<'PY'
# forge.py IFACE DSTMAC SRCMAC NAME ADDR: what a device could try: a DNS "response"
# (NAME A ADDR, from 10.77.1.1:53) in an Ethernet frame to DSTMAC, sent raw out of IFACE.
import socket, struct, sys
iface, dst, src, name, addr = sys.argv[1:6]
qname = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
dns = struct.pack("!6H", 0x4242, 0x8180, 1, 1, 0, 0) + qname + struct.pack("!2H", 1, 1)
dns += struct.pack("!HHHIH", 0xC00C, 1, 1, 3600, 4) + socket.inet_aton(addr)
udp = struct.pack("!4H", 53, 33333, 8 + len(dns), 0) + dns
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton("10.77.1.1"),
                 socket.inet_aton("10.77.1.2"))
c = sum(struct.unpack("!10H", ip))
c = (c & 0xFFFF) + (c >> 16)
c = (c & 0xFFFF) + (c >> 16)
ip = ip[:10] + struct.pack("!H", ~c & 0xFFFF) + ip[12:]
eth = bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", "")) + b"\x08\x00"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for _ in range(3):
    s.send(eth + ip + udp)
PY

tcp_ok() { in_ns "$NS_DEV" python3 "$TMP/probe.py" tcp "$1" "$2" "${3:-0.4}"; }
udp_ok() { in_ns "$NS_DEV" python3 "$TMP/probe.py" udp "$1" "$2" "${3:-0.4}"; }

PASSED=0
pass() { echo "ok   - $*"; PASSED=$((PASSED + 1)); }
expect_tcp() {  # pass|drop host port description
  if tcp_ok "$2" "$3"; then got=pass; else got=drop; fi
  [ "$got" = "$1" ] || die "$4: expected $1, got $got"
  pass "$4"
}
expect_udp() {
  if udp_ok "$2" "$3"; then got=pass; else got=drop; fi
  [ "$got" = "$1" ] || die "$4: expected $1, got $got"
  pass "$4"
}
table_present() { in_ns "$NS_GW" nft list table inet sekisho >/dev/null 2>&1; }

# --- the three namespaces ------------------------------------------------------------
ip netns add "$NS_DEV"
ip netns add "$NS_GW"
ip netns add "$NS_INET"
ip link add "$TAG-d" netns "$NS_DEV" type veth peer name "$LAN_IF" netns "$NS_GW"
ip link add "$TAG-w" netns "$NS_GW" type veth peer name "$TAG-i" netns "$NS_INET"
for ns in "$NS_DEV" "$NS_GW" "$NS_INET"; do in_ns "$ns" ip link set lo up; done
in_ns "$NS_DEV" ip link set "$TAG-d" address "$DEV_MAC"
in_ns "$NS_DEV" ip addr add 10.77.1.2/24 dev "$TAG-d"
in_ns "$NS_DEV" ip link set "$TAG-d" up
in_ns "$NS_DEV" ip route add default via 10.77.1.1
in_ns "$NS_GW" ip addr add 10.77.1.1/24 dev "$LAN_IF"
in_ns "$NS_GW" ip addr add 10.77.2.1/24 dev "$TAG-w"
in_ns "$NS_GW" ip link set "$LAN_IF" up
in_ns "$NS_GW" ip link set "$TAG-w" up
in_ns "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
for a in 10.77.2.2 10.77.2.3 10.77.2.4 10.77.2.5 10.77.2.6; do in_ns "$NS_INET" ip addr add "$a/24" dev "$TAG-i"; done
in_ns "$NS_INET" ip link set "$TAG-i" up
in_ns "$NS_INET" ip route add default via 10.77.2.1

# Servers: the Internet side, the gateway's own services (DNS: the stub, which echoes what
# is not a query; DHCP, console, and a port that is none of them), and one on the device
# for unsolicited inbound connections.
in_ns "$NS_INET" python3 "$TMP/servers.py" "$TMP/inet.ready" tcp:0.0.0.0:8080 tcp:0.0.0.0:23 tcp:0.0.0.0:443 \
  >"$TMP/inet-servers.log" 2>&1 &
in_ns "$NS_GW" python3 "$TMP/servers.py" "$TMP/gw.ready" udp:0.0.0.0:67 tcp:10.77.1.1:8443 \
  tcp:10.77.1.1:2222 >"$TMP/gw-servers.log" 2>&1 &
in_ns "$NS_GW" python3 "$HERE/dns_stub.py" "$TMP/dns.ready" 10.77.1.1 53 allowed.example=10.77.2.5 \
  other.example=10.77.2.6 >"$TMP/dns-stub.log" 2>&1 &
in_ns "$NS_DEV" python3 "$TMP/servers.py" "$TMP/dev.ready" tcp:0.0.0.0:8080 >"$TMP/dev-servers.log" 2>&1 &
ready() { [ -f "$TMP/inet.ready" ] && [ -f "$TMP/gw.ready" ] && [ -f "$TMP/dev.ready" ] && [ -f "$TMP/dns.ready" ]; }
for _ in $(seq 50); do ready && break; sleep 0.1; done
ready || die "echo servers or the DNS stub did not start"
[ "${SEKISHO_E2E_FAIL:-}" = setup ] && die "forced failure after setup (cleanup check)"

expect_tcp pass 10.77.2.3 23 "baseline without sekisho: device reaches 10.77.2.3:23"

# --- the device's MUD file -----------------------------------------------------------
cat >"$TMP/cam.json" <<'JSON'
{
  "ietf-mud:mud": {
    "mud-version": 1,
    "mud-url": "https://lab.example/sekisho-e2e-cam.json",
    "last-update": "2024-01-01T00:00:00+00:00",
    "cache-validity": 48,
    "is-supported": true,
    "systeminfo": "sekisho e2e camera",
    "from-device-policy": {"access-lists": {"access-list": [{"name": "from-cam"}]}},
    "to-device-policy": {"access-lists": {"access-list": [{"name": "to-cam"}]}}
  },
  "ietf-access-control-list:acls": {
    "acl": [
      {
        "name": "from-cam",
        "type": "ipv4-acl-type",
        "aces": {"ace": [
          {"name": "cloud-8080",
           "matches": {"ipv4": {"protocol": 6, "destination-ipv4-network": "10.77.2.2/32"},
                       "tcp": {"destination-port": {"operator": "eq", "port": 8080},
                               "ietf-mud:direction-initiated": "from-device"}},
           "actions": {"forwarding": "accept"}},
          {"name": "named-443",
           "matches": {"ipv4": {"protocol": 6, "ietf-acldns:dst-dnsname": "allowed.example"},
                       "tcp": {"destination-port": {"operator": "eq", "port": 443}}},
           "actions": {"forwarding": "accept"}}
        ]}
      },
      {
        "name": "to-cam",
        "type": "ipv4-acl-type",
        "aces": {"ace": [
          {"name": "cloud-8080-back",
           "matches": {"ipv4": {"protocol": 6, "source-ipv4-network": "10.77.2.2/32"},
                       "tcp": {"source-port": {"operator": "eq", "port": 8080},
                               "ietf-mud:direction-initiated": "from-device"}},
           "actions": {"forwarding": "accept"}},
          {"name": "named-443-back",
           "matches": {"ipv4": {"protocol": 6, "ietf-acldns:src-dnsname": "allowed.example"},
                       "tcp": {"source-port": {"operator": "eq", "port": 443}}},
           "actions": {"forwarding": "accept"}}
        ]}
      }
    ]
  }
}
JSON

ENFORCE_ARGS=(--policy "$DEV_MAC=$TMP/cam.json" --device "$DEV_MAC=10.77.1.2" --lan-if "$LAN_IF"
  --lan 10.77.1.0/24 --gateway-ip 10.77.1.1 --console-port 8443)

"$SEKISHO" enforce --dry-run "${ENFORCE_ARGS[@]}" >"$TMP/dry-run.nft" 2>"$TMP/dry-run.log" ||
  die "--dry-run failed: $(cat "$TMP/dry-run.log")"
in_ns "$NS_GW" nft -c -f "$TMP/dry-run.nft" || die "nft -c rejects the --dry-run output"
pass "--dry-run output passes nft -c in gw"

# --dry-run --hold --watch: captures and prints each update, touches nothing.
ip netns exec "$NS_GW" "$SEKISHO" enforce --dry-run --hold --watch "$LAN_IF" "${ENFORCE_ARGS[@]}" \
  >"$TMP/dry-watch.nft" 2>"$TMP/dry-watch.log" &
DRY_PID=$!
for _ in $(seq 100); do grep -q '^# holding' "$TMP/dry-watch.nft" 2>/dev/null && break; sleep 0.05; done
grep -q '^# holding' "$TMP/dry-watch.nft" || die "--dry-run --hold --watch did not come up: $(cat "$TMP/dry-watch.log")"
in_ns "$NS_DEV" python3 "$TMP/resolve.py" 10.77.1.1 allowed.example >/dev/null || die "dry run: resolving failed"
for _ in $(seq 40); do grep -q "^# dns: $DEV_MAC allowed.example -> 10.77.2.5 (timeout 330s" "$TMP/dry-watch.nft" && break; sleep 0.05; done
kill -TERM "$DRY_PID"
wait "$DRY_PID" || die "--dry-run --hold --watch exited $? on SIGTERM: $(cat "$TMP/dry-watch.log")"
grep -q "^# dns: $DEV_MAC allowed.example -> 10.77.2.5 (timeout 330s" "$TMP/dry-watch.nft" ||
  die "--dry-run --hold --watch printed no binding: $(cat "$TMP/dry-watch.nft" "$TMP/dry-watch.log" | tail -20)"
grep -q "^add element inet sekisho d_027700000002_dns_[0-9a-f]*_4 { 10.77.2.5 timeout 330s }" "$TMP/dry-watch.nft" ||
  die "--dry-run --hold --watch printed no update: $(tail -8 "$TMP/dry-watch.nft")"
table_present && die "--dry-run --hold --watch installed a table"
in_ns "$NS_GW" nft -c -f "$TMP/dry-watch.nft" || die "nft -c rejects the --dry-run --hold --watch output"
pass "--dry-run --hold --watch: the device's answer printed as a binding and its nft update (valid, nothing applied)"

start_hold() {  # extra args...
  # Not through in_ns: `ip netns exec` execs the command, so $! is sekisho itself.
  ip netns exec "$NS_GW" "$SEKISHO" enforce --apply --hold "${ENFORCE_ARGS[@]}" "$@" >"$TMP/hold.log" 2>&1 &
  HOLD_PID=$!
  for _ in $(seq 100); do grep -q '^holding' "$TMP/hold.log" 2>/dev/null && return 0; sleep 0.05; done
  die "sekisho enforce --apply --hold did not come up: $(cat "$TMP/hold.log")"
}
stop_hold() {
  local t0 rc=0
  t0=$(now)
  kill -TERM "$HOLD_PID"
  for _ in $(seq 300); do kill -0 "$HOLD_PID" 2>/dev/null || break; sleep 0.01; done
  STOP_MS=$(ms_between "$t0" "$(now)")
  if kill -0 "$HOLD_PID" 2>/dev/null; then
    kill -9 "$HOLD_PID"
    wait "$HOLD_PID" || true
    HOLD_PID=""
    die "sekisho enforce --hold still running 3 s after SIGTERM: $(cat "$TMP/hold.log")"
  fi
  wait "$HOLD_PID" || rc=$?
  HOLD_PID=""
  [ $rc = 0 ] || die "sekisho enforce --hold exited $rc on SIGTERM: $(cat "$TMP/hold.log")"
  [ "$STOP_MS" -lt 1000 ] || die "sekisho enforce --hold took ${STOP_MS} ms to stop on SIGTERM"
}
set_mode() {  # mode
  in_ns "$NS_GW" "$SEKISHO" enforce --set-mode "$DEV_MAC=$1" >>"$TMP/set-mode.log" 2>&1 ||
    die "--set-mode $1 failed: $(tail -5 "$TMP/set-mode.log")"
}

# --- allow-list (fail-open run, binding DNS answers live) -----------------------------
start_hold --watch "$LAN_IF" --dns-grace 10
grep -q "following 1 DNS name(s) of 1 device(s)" "$TMP/hold.log" || die "--watch not following: $(cat "$TMP/hold.log")"
APPLY_MS=$(sed -n 's/^applied .* in \([0-9.]*\) ms$/\1/p' "$TMP/hold.log")
table_present || die "table inet sekisho not in gw after --apply"
pass "--apply installed table inet sekisho in gw (${APPLY_MS} ms)"
expect_tcp pass 10.77.2.2 8080 "allowed: TCP 8080 to 10.77.2.2"
expect_tcp drop 10.77.2.2 23 "dropped: TCP 23 to 10.77.2.2 (port not in the policy)"
expect_tcp drop 10.77.2.3 8080 "dropped: TCP 8080 to 10.77.2.3 (address not in the policy)"
expect_tcp drop 10.77.2.4 443 "dropped: TCP 443 to 10.77.2.4 before allowed.example is bound to it"
in_ns "$NS_GW" "$SEKISHO" enforce --dns "$DEV_MAC=allowed.example=10.77.2.4" --dns-ttl 60 >>"$TMP/dns.log" 2>&1 ||
  die "--dns failed: $(cat "$TMP/dns.log")"
expect_tcp pass 10.77.2.4 443 "allowed: TCP 443 to 10.77.2.4 once allowed.example resolves to it (--dns)"
if in_ns "$NS_INET" python3 "$TMP/probe.py" tcp 10.77.1.2 8080 0.4; then
  die "an unsolicited connection from the Internet reached the device"
fi
pass "dropped: unsolicited TCP from 10.77.2.2 to the device (direction-initiated from-device)"
expect_udp pass 10.77.1.1 53 "allowed: DNS (udp 53) to the gateway"

# --- DNS names bound live from the answers the device receives (--watch) ------------
expect_tcp drop 10.77.2.5 443 "dropped: TCP 443 to 10.77.2.5 before the device resolves allowed.example"
GW_MAC=$(in_ns "$NS_GW" cat "/sys/class/net/$LAN_IF/address")
RX0=$(in_ns "$NS_GW" cat "/sys/class/net/$LAN_IF/statistics/rx_packets")
in_ns "$NS_DEV" python3 "$TMP/forge.py" "$TAG-d" "$DEV_MAC" "$GW_MAC" allowed.example 10.77.2.6 ||
  die "could not send the forged DNS response"
RX1=$(in_ns "$NS_GW" cat "/sys/class/net/$LAN_IF/statistics/rx_packets")
[ $((RX1 - RX0)) -ge 3 ] || die "the forged frames did not reach the gateway's LAN interface ($RX0 -> $RX1)"
sleep 0.2
expect_tcp drop 10.77.2.6 443 "dropped: a DNS response the device forges to itself (allowed.example=10.77.2.6) binds nothing"
OUT=$(in_ns "$NS_DEV" python3 "$TMP/resolve.py" 10.77.1.1 allowed.example connect 443 1.0) ||
  die "the device resolved allowed.example, but TCP 443 to its address did not pass within 1 s ($OUT): $(cat "$TMP/hold.log")"
read -r DNS_ADDR DNS_MS <<<"$OUT"
[ "$DNS_ADDR" = 10.77.2.5 ] || die "allowed.example resolved to $DNS_ADDR, not 10.77.2.5"
BOUND=$(grep -m1 "^dns: $DEV_MAC allowed.example -> 10.77.2.5 " "$TMP/hold.log") ||
  die "no binding line for 10.77.2.5: $(cat "$TMP/hold.log")"
BIND_MS=$(sed -n 's/.*, \([0-9.]*\) ms after the answer)$/\1/p' <<<"$BOUND")
in_ns "$NS_GW" nft list table inet sekisho >"$TMP/table.nft"
grep -q "10.77.2.5 timeout 40s" "$TMP/table.nft" ||
  die "10.77.2.5 not in the device's set with timeout 40s (TTL 30 + --dns-grace 10): $(grep -m1 10.77.2.5 "$TMP/table.nft")"
pass "allowed: TCP 443 to 10.77.2.5 ${DNS_MS} ms after the device got the answer allowed.example=10.77.2.5 (bound ${BIND_MS} ms after capture, timeout 40s)"
OUT=$(in_ns "$NS_DEV" python3 "$TMP/resolve.py" 10.77.1.1 other.example drop 443 0.5) ||
  die "TCP 443 to other.example's address passed: $OUT"
[ "$OUT" = "10.77.2.6 none" ] || die "other.example: unexpected $OUT"
pass "dropped: TCP 443 to 10.77.2.6 after the device resolved other.example (not in its policy)"
grep -q "10.77.2.6" "$TMP/hold.log" && die "10.77.2.6 was bound: $(cat "$TMP/hold.log")"
OUT=$(in_ns "$NS_DEV" python3 "$TMP/resolve.py" 10.77.1.1 nothing.example || true)
[ "$OUT" = "no address" ] || die "the DNS stub answered nothing.example: $OUT"

# --- quarantine within 1 s -----------------------------------------------------------
in_ns "$NS_DEV" python3 "$TMP/poll.py" 10.77.2.2 8080 "$TMP/poll.out" "$TMP/poll.go" "$TMP/poll.stop" \
  >"$TMP/poll.log" 2>&1 &
POLL_PID=$!
count() { local n; n=$(grep -c "$1" "$2" 2>/dev/null || true); echo "${n:-0}"; }
for _ in $(seq 50); do [ "$(count 'new ok' "$TMP/poll.out")" -ge 3 ] && break; sleep 0.1; done
[ "$(count 'new ok' "$TMP/poll.out")" -ge 3 ] || die "poller never connected: $(cat "$TMP/poll.log")"
T0=$(now)
set_mode quarantine
T1=$(now)
touch "$TMP/poll.go"
wait "$POLL_PID" || die "poller failed: $(cat "$TMP/poll.log")"
read -r CUT_NEW_MS DETECT_NEW_MS CUT_EST_MS < <(python3 - "$T0" "$TMP/poll.out" <<'PY'
import sys
t0 = float(sys.argv[1])
first = {}
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) == 4 and f[2] == "fail" and float(f[0]) >= t0 - 0.2 and f[1] not in first:
        first[f[1]] = (float(f[0]), float(f[3]))
def ms(x): return f"{(x - t0) * 1000:.0f}"
new = first.get("new", (t0 + 99, t0 + 99))
est = first.get("established", (t0 + 99, t0 + 99))
print(ms(new[0]), ms(new[1]), ms(max(est[0], t0)))
PY
)
CMD_MS=$(ms_between "$T0" "$T1")
[ "$DETECT_NEW_MS" -lt 1000 ] || die "quarantine: new connections still pass ${DETECT_NEW_MS} ms after the command"
[ "$CUT_EST_MS" -lt 1000 ] || die "quarantine: the established connection still flows ${CUT_EST_MS} ms after the command"
pass "quarantine: allowed flow cut within 1 s (command ${CMD_MS} ms; first refused connect started at +${CUT_NEW_MS} ms, seen failed at +${DETECT_NEW_MS} ms; established connection cut at +${CUT_EST_MS} ms)"
expect_udp pass 10.77.1.1 53 "quarantine: DNS (udp 53) to the gateway still answers"
expect_udp pass 10.77.1.1 67 "quarantine: DHCP (udp 67) to the gateway still answers"
expect_tcp pass 10.77.1.1 8443 "quarantine: the console (tcp 8443) on the gateway is reachable"
expect_tcp drop 10.77.1.1 2222 "quarantine: other gateway ports (tcp 2222) dropped"
expect_tcp drop 10.77.2.4 443 "quarantine: nothing forwarded (443 to the bound DNS address)"

T0=$(now)
set_mode allow
RESTORED=""
for _ in $(seq 20); do
  if tcp_ok 10.77.2.2 8080 0.2; then RESTORED=$(ms_between "$T0" "$(now)"); break; fi
  sleep 0.05
done
[ -n "$RESTORED" ] || die "lifting the quarantine did not restore TCP 8080"
pass "lifted (--set-mode allow): TCP 8080 to 10.77.2.2 flows again after ${RESTORED} ms"
expect_tcp drop 10.77.2.2 23 "lifted: the allow-list still drops TCP 23"

set_mode pause
expect_tcp drop 10.77.2.2 8080 "pause: nothing to non-local addresses"
expect_tcp pass 10.77.1.1 2222 "pause: the LAN side (gateway tcp 2222) still flows"
set_mode block
expect_udp drop 10.77.1.1 53 "block: not even DNS to the gateway"
set_mode allow

# --- fail-open: SIGTERM removes the table --------------------------------------------
stop_hold
grep -q "fail-open, table inet sekisho removed" "$TMP/hold.log" || die "no fail-open message: $(cat "$TMP/hold.log")"
grep -q -- "--watch $LAN_IF: .* 0 failed" "$TMP/hold.log" || die "no clean --watch summary: $(cat "$TMP/hold.log")"
STOP_WATCH_MS=$STOP_MS
table_present && die "fail-open: the table is still there after SIGTERM"
expect_tcp pass 10.77.2.2 23 "fail-open: after SIGTERM the table is gone and TCP 23 flows unfiltered"

# --- fail-closed: SIGTERM leaves the table, the quarantine holds ---------------------
start_hold --fail-closed --watch "$LAN_IF"
set_mode quarantine
expect_tcp drop 10.77.2.2 8080 "fail-closed run: device quarantined"
stop_hold
grep -q "fail-closed, table inet sekisho left in place" "$TMP/hold.log" ||
  die "no fail-closed message: $(cat "$TMP/hold.log")"
table_present || die "fail-closed: the table is gone after SIGTERM"
expect_tcp drop 10.77.2.2 8080 "fail-closed: after SIGTERM the quarantine still holds"
expect_tcp drop 10.77.2.2 23 "fail-closed: after SIGTERM TCP 23 is still dropped"
expect_udp pass 10.77.1.1 53 "fail-closed: DNS to the gateway still answers"
in_ns "$NS_GW" "$SEKISHO" enforce --remove >/dev/null || die "--remove failed"
table_present && die "--remove left the table"
expect_tcp pass 10.77.2.2 23 "--remove: traffic unfiltered again"

echo "gateway: $PASSED passed, 0 failed (apply ${APPLY_MS} ms; quarantine cut <= ${DETECT_NEW_MS} ms, set-mode command ${CMD_MS} ms; restore ${RESTORED} ms; DNS answer -> connect ${DNS_MS} ms, capture -> bound ${BIND_MS} ms; SIGTERM -> exit ${STOP_WATCH_MS} ms with --watch)"
