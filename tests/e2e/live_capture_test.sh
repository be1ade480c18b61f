#!/bin/bash
# Live capture end to end: a veth pair into a network namespace this test creates, a
# "device" in the namespace that pings, resolves a name and announces a DHCP host name,
# and `sekisho watch -i` on the host end seeing it appear. Traffic stays on the veth.
# Needs root (CI runs as root); exits 77 (skipped) otherwise.
set -euo pipefail
SEKISHO=${1:?usage: live_capture_test.sh path/to/sekisho}
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
  echo "SKIP: needs root and iproute2"
  exit 77
fi

TAG="sk$$"
NS="$TAG-dev"
HOST_IF="$TAG-h"
DEV_IF="$TAG-d"
DEV_MAC="00:17:88:5e:c0:01"   # a Philips Lighting OUI, so the vendor lookup has work to do
TMP=$(mktemp -d)
WATCH_PID=""

cleanup() {
  [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  ip link del "$HOST_IF" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NS"
ip link add "$HOST_IF" type veth peer name "$DEV_IF"
ip link set "$DEV_IF" netns "$NS"
ip netns exec "$NS" ip link set "$DEV_IF" address "$DEV_MAC"
ip addr add 10.77.0.1/24 dev "$HOST_IF"
ip link set "$HOST_IF" up
ip netns exec "$NS" ip addr add 10.77.0.2/24 dev "$DEV_IF"
ip netns exec "$NS" ip link set "$DEV_IF" up
ip netns exec "$NS" ip link set lo up

"$SEKISHO" watch -i "$HOST_IF" --duration 8 --eve "$TMP/eve.json" --inventory json \
  --inventory-out "$TMP/inventory.json" --stats 2>"$TMP/watch.err" &
WATCH_PID=$!
sleep 1.5

# The device: ARP + ICMP, a DNS query, and a DHCP DISCOVER naming itself (raw bytes, no client needed).
ip netns exec "$NS" ping -c 3 -i 0.2 10.77.0.1 >/dev/null
ip netns exec "$NS" bash -c "printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04time\x07example\x03com\x00\x00\x01\x00\x01' >/dev/udp/10.77.0.1/53" || true
ip netns exec "$NS" python3 - <<'PY'
import socket, struct
mac = bytes.fromhex("0017885ec001")
msg = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, 0x5eca1234, 0, 0x8000,
                  b"\0"*4, b"\0"*4, b"\0"*4, b"\0"*4, mac + b"\0"*10, b"\0"*64, b"\0"*128)
msg += bytes([99, 130, 83, 99, 53, 1, 1, 12, 9]) + b"hue-lab-1" + bytes([55, 4, 1, 3, 6, 15, 255])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("10.77.0.2", 68))
s.sendto(msg, ("10.77.0.1", 67))
PY

wait "$WATCH_PID" || { echo "FAIL: watch exited non-zero"; cat "$TMP/watch.err"; exit 1; }
WATCH_PID=""

fail=0
check() {  # description, command
  if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=1; fi
}
check "device event for $DEV_MAC" "grep -q '\"event_type\":\"device\".*\"mac\":\"$DEV_MAC\"' '$TMP/eve.json'"
check "flow events written" "grep -q '\"event_type\":\"flow\"' '$TMP/eve.json'"
check "dns event for time.example.com" "grep -q 'time.example.com' '$TMP/eve.json'"
check "inventory has the device with its address" \
  "python3 -c \"import json,sys; d=[x for x in json.load(open('$TMP/inventory.json'))['devices'] if x['mac']=='$DEV_MAC']; sys.exit(0 if d and any(a['ip']=='10.77.0.2' for a in d[0]['addresses']) else 1)\""
check "vendor from the OUI registry" "grep -q 'Philips' '$TMP/inventory.json'"
check "DHCP host name and fingerprint" \
  "python3 -c \"import json,sys; d=[x for x in json.load(open('$TMP/inventory.json'))['devices'] if x['mac']=='$DEV_MAC'][0]; sys.exit(0 if d['hostname']=='hue-lab-1' and d['dhcp']['fingerprint']=='1,3,6,15' else 1)\""
if [ $fail != 0 ]; then
  echo "--- watch stderr"; cat "$TMP/watch.err"
  echo "--- events"; head -50 "$TMP/eve.json"
  exit 1
fi
echo "live capture: 6 passed, 0 failed"
