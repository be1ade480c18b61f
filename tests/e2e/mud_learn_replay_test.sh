#!/bin/bash
# Learning and replay on the real captures: `sekisho mud learn` writes one MUD file per
# device from every iot-sentinel capture; every file validates; replaying the same captures
# against them gives zero violations; a telnet scan injected from one device gives one
# violation per scanned address, each naming the device and the nearest ACE.
set -euo pipefail
SEKISHO=${1:?usage: $0 path/to/sekisho SHARED_DATA}
DATA=${2:?usage: $0 path/to/sekisho SHARED_DATA}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

mapfile -t caps < <(find "$DATA/pcap/iot-sentinel" -name '*.pcap' | sort)
[ "${#caps[@]}" -gt 0 ] || { echo "no captures under $DATA/pcap/iot-sentinel" >&2; exit 1; }

"$SEKISHO" mud learn -r "${caps[@]}" -o "$TMP/profiles" -q >"$TMP/learn.txt"
n=$(find "$TMP/profiles" -name '*.json' | wc -l)
echo "learned $n profiles"
# Every device of the data set has a profile.
missing=0
for f in "$DATA"/pcap/iot-sentinel/*/_iotdevice-mac.txt; do
  mac=$(head -c 17 "$f" | tr 'A-F' 'a-f')
  [ -s "$TMP/profiles/$mac.json" ] || { echo "FAIL: no profile for $mac ($f)"; missing=1; }
done
[ "$missing" = 0 ]

"$SEKISHO" mud validate "$TMP"/profiles/*.json >"$TMP/validate.txt" || { cat "$TMP/validate.txt"; echo "FAIL: learned files do not validate"; exit 1; }

"$SEKISHO" watch -r "${caps[@]}" --policy-dir "$TMP/profiles" --eve "$TMP/replay.json" --stats -q 2>"$TMP/replay.err"
v=$(grep -c '"event_type":"policy_violation"' "$TMP/replay.json" || true)
checked=$(awk '/flows checked/ {print $3}' "$TMP/replay.err")
echo "replay: $checked flows checked, $v violations"
[ "$v" = 0 ] || { head -3 "$TMP/replay.json"; echo "FAIL: replaying the learning data gave violations"; exit 1; }
[ "$checked" -gt 1000 ] || { echo "FAIL: too few flows checked ($checked)"; exit 1; }

# A Mirai-style telnet scan from the TP-Link plug (its MAC and address in the captures),
# through the gateway's MAC, to 40 addresses on ports 23 and 2323.
python3 - "$TMP/scan.pcap" <<'PY'
import struct, sys
dev_mac = bytes.fromhex("50c7bf00fca3"); gw_mac = bytes.fromhex("00b56d0608ba")
src = bytes([10, 10, 10, 228])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
t = 1473400000
for i in range(40):
    dst = bytes([93, 184, (i * 7) % 256, 1 + i])
    port = 23 if i % 2 == 0 else 2323
    tcp = struct.pack("!HHIIBBHHH", 40000 + i, port, 1000 + i, 0, 5 << 4, 0x02, 14600, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = gw_mac + dev_mac + b"\x08\x00" + ip + tcp
    out.append(struct.pack("<IIII", t + i, 0, len(frame), len(frame)) + frame)
open(sys.argv[1], "wb").write(b"".join(out))
PY
"$SEKISHO" watch -r "$TMP/scan.pcap" --policy-dir "$TMP/profiles" --eve "$TMP/scan.json" -q
s=$(grep -c '"event_type":"policy_violation"' "$TMP/scan.json" || true)
named=$(grep '"event_type":"policy_violation"' "$TMP/scan.json" | grep '"device":"50:c7:bf:00:fc:a3"' | grep -c '"nearest_ace"' || true)
echo "telnet scan: $s violations ($named name the device and the nearest ACE)"
[ "$s" = 40 ] && [ "$named" = 40 ] || { head -2 "$TMP/scan.json"; echo "FAIL: expected 40 violations"; exit 1; }
echo "PASS"
