#!/bin/bash
# make demo: watch the real smart-home setup captures (IoT Sentinel dataset, ICDCS 2017)
# and print the device inventory, then check it against the dataset's ground truth.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-$(cd .. && pwd)/shared}
DATA="$SHARED/data/pcap/iot-sentinel"
if [ ! -d "$DATA" ]; then
  echo "demo: $DATA not found; set SHARED=/path/to/shared (the folder with data/pcap/iot-sentinel)" >&2
  exit 3
fi
mapfile -t files < <(find "$DATA" -name '*.pcap' | sort)
echo "sekisho watch on ${#files[@]} real captures of 19 smart-home devices being set up"
echo "(Miettinen et al., IoT SENTINEL, ICDCS 2017). The gateway and two phones are on the LAN too."
echo
build/release/sekisho watch -r "${files[@]}" --inventory table --stats

# Ground truth: each device folder names its device's MAC.
inv=$(mktemp)
trap 'rm -f "$inv"' EXIT
build/release/sekisho watch -q -r "${files[@]}" --inventory json --inventory-out "$inv"
echo
echo "Ground truth (_iotdevice-mac.txt of each device folder):"
found=0
total=0
for dir in "$DATA"/*/; do
  [ -f "$dir/_iotdevice-mac.txt" ] || continue
  mac=$(tr 'A-F' 'a-f' <"$dir/_iotdevice-mac.txt" | tr -d ' \r\n')
  total=$((total + 1))
  line=$(python3 - "$inv" "$mac" <<'PY'
import json, sys
for d in json.load(open(sys.argv[1]))["devices"]:
    if d["mac"] == sys.argv[2]:
        print(f'{d["vendor"]} | {d["class"]} | {d["hostname"] or "-"}')
        break
PY
)
  if [ -n "$line" ]; then
    found=$((found + 1))
    printf '  found    %-18s %s  %s\n' "$(basename "$dir")" "$mac" "$line"
  else
    printf '  MISSING  %-18s %s\n' "$(basename "$dir")" "$mac"
  fi
done
echo "$found of $total devices found"

# The secure gateway: a profile (RFC 8520 MUD file) learned per device, traffic checked
# against it, and the nftables ruleset that would enforce it. Nothing is applied here.
prof=$(mktemp -d)
trap 'rm -f "$inv"; rm -rf "$prof"' EXIT
echo
echo "== Secure gateway: learn a MUD profile per device from its traffic"
build/release/sekisho mud learn -q -r "${files[@]}" -o "$prof/profiles"
build/release/sekisho mud validate "$prof"/profiles/*.json | tail -3
echo
echo "== Replaying the same traffic against the profiles (expect 0 violations)"
build/release/sekisho watch -q -r "${files[@]}" --policy-dir "$prof/profiles" --eve "$prof/replay.json" --stats 2>&1 |
  grep -E "policies bound|flows checked|policy violations|DNS names bound"
echo
echo "== A Mirai-style telnet scan from the TP-Link plug (40 addresses) against its profile"
python3 - "$prof/scan.pcap" <<'PY'
import struct, sys
dev, gw, src = bytes.fromhex("50c7bf00fca3"), bytes.fromhex("00b56d0608ba"), bytes([10, 10, 10, 228])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
for i in range(40):
    dst = bytes([93, 184, (i * 7) % 256, 1 + i])
    tcp = struct.pack("!HHIIBBHHH", 40000 + i, 23 if i % 2 == 0 else 2323, 1000 + i, 0, 80, 2, 14600, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, 20) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = gw + dev + b"\x08\x00" + ip + tcp
    out.append(struct.pack("<IIII", 1473400000 + i, 0, len(frame), len(frame)) + frame)
open(sys.argv[1], "wb").write(b"".join(out))
PY
build/release/sekisho watch -q -r "$prof/scan.pcap" --policy-dir "$prof/profiles" --eve "$prof/scan.json"
echo "$(grep -c '"policy_violation"' "$prof/scan.json") policy_violation events; the first:"
grep -m1 '"policy_violation"' "$prof/scan.json" | python3 -c 'import json,sys; e=json.load(sys.stdin); print(json.dumps(e["policy_violation"], indent=2))'
echo
echo "== The nftables ruleset that would enforce the plug's profile (sekisho enforce --dry-run, first lines)"
build/release/sekisho enforce --dry-run --lan-if lan0 --lan 10.10.10.0/24 --gateway-ip 10.10.10.1 \
  --policy "50:c7:bf:00:fc:a3=$prof/profiles/50:c7:bf:00:fc:a3.json" --device 50:c7:bf:00:fc:a3=10.10.10.228 \
  >"$prof/ruleset.nft"
head -25 "$prof/ruleset.nft"
echo "  ... (sekisho enforce --apply applies it in one transaction; --set-mode MAC=quarantine cuts a device off)"
echo
echo "== Detection: every detector on the real captures (no attack in them: expect no alert)"
build/release/sekisho watch -q -r "${files[@]}" --eve "$prof/all.json" --stats 2>&1 | grep -E "^  alerts|^  detectors"
echo
echo "== Detection: labelled captures (real device traffic + injected attacks, tools/trafficgen)"
python3 tools/trafficgen/trafficgen.py --shared "$SHARED" --out "$prof/labelled" >/dev/null
cat >"$prof/summary.py" <<'PY'
# summary.py NAME < EVE lines: the scenario's name and the signatures of its alerts.
import json, sys
sigs = set()
for line in sys.stdin:
    e = json.loads(line)
    if e.get("event_type") == "alert":
        sigs.add("%d %s" % (e["alert"]["signature_id"], e["alert"]["signature"]))
print("%-24s %s" % (sys.argv[1], "; ".join(sorted(sigs)) or "-"))
PY
for pcap in "$prof"/labelled/*.pcap; do
  name=$(basename "$pcap" .pcap)
  cfg=()
  [ "$name" = blocklist ] && cfg=(--config "$prof/labelled/blocklist.toml")
  build/release/sekisho watch -q -r "$pcap" "${cfg[@]}" --eve "$prof/$name.json"
  python3 "$prof/summary.py" "$name" <"$prof/$name.json"
done
echo
echo "One alert in full (the Mirai-style scan):"
build/release/sekisho watch -q -r "$prof/labelled/mirai_telnet_scan.pcap" --eve "$prof/mirai.json"
grep -m1 '"event_type":"alert"' "$prof/mirai.json" |
  python3 -m json.tool
echo "  (sekisho enforce --apply --hold --lan-if lan0 --watch lan0 --detect --config sekisho.toml"
echo "   quarantines the device at once when a detector's action is \"quarantine\"; see docs/DETECT.md)"
echo
echo "== Risk survey (sekisho scan) of the device lab: real Debian daemons in network namespaces"
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
  echo "  (skipped: the lab needs root for network namespaces; run 'sudo make demo')"
elif ip netns list 2>/dev/null | grep -c '^skl-' >/dev/null; then
  echo "  (skipped: a lab is already up; lab/down first)"
else
  trap 'rm -f "$inv"; rm -rf "$prof"; lab/down >/dev/null 2>&1 || true' EXIT
  devices=$(python3 -c "
import json; d = json.load(open('lab/devices.json')); d = d['devices'] if isinstance(d, dict) else d
print(','.join(x['name'] for x in d if x['role'] in ('weak', 'strong')))")
  ips=$(python3 -c "
import json; d = json.load(open('lab/devices.json')); d = d['devices'] if isinstance(d, dict) else d
print(' '.join(x['ip'] for x in d if x['role'] in ('weak', 'strong')))")
  lab/up --only "$devices" | tail -1
  echo "  sekisho scan --scope 10.231.0.0/24 <11 weak devices, 4 well-configured twins> --per-device 8"
  # shellcheck disable=SC2086
  ip netns exec skl-scan build/release/sekisho scan --scope 10.231.0.0/24 $ips --per-device 8 \
    -oJ "$prof/scan.jsonl" -oX "$prof/scan.xml"
  echo
  echo "Checked against the lab's ground truth (lab/devices.json):"
  python3 tests/e2e/scan_check.py lab/devices.json "$prof/scan.jsonl" --roles weak,strong
  echo
  echo "One finding in full (JSON lines, -oJ):"
  python3 -c "
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get('type') == 'finding' and r['id'] == 'default-credentials':
        print(json.dumps(r, ensure_ascii=False, indent=1)); break" "$prof/scan.jsonl"
  lab/down
  echo
  echo "== Conformance (sekisho audit) of two lab cameras from that scan: web-cam keeps its"
  echo "   factory password, web-strong does not; the same evidence judged against four schemes"
  mkdir -p build/demo
  for dev in 10.231.0.13 10.231.0.32; do
    build/release/sekisho audit --catalog etsi-en-303-645,jp-iot-sg-2016,jp-ter-34-10,uk-psti \
      --evidence "$prof/scan.jsonl" --device "$dev" --today "$(date -u +%F)" -o "$prof/audit.json"
    python3 - "$prof/audit.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  {r['device']}:", "; ".join(
    f"{c['short']} {c['pass']} pass / {c['fail']} fail / {c['inconclusive']} inconclusive / {c['not_applicable']} n/a"
    for c in r["catalogs"]))
want = [("etsi-en-303-645", "5.1-1"), ("jp-iot-sg-2016", "K15"), ("jp-ter-34-10", "2"), ("uk-psti", "1")]
for x in r["results"]:
    if (x["catalog"], x["requirement"]) in want:
        print(f"    {x['catalog']:16} {x['requirement']:6} {x['verdict']:5} {' '.join(x['evidence'])}: {x['reason']}")
PY
    build/release/sekisho audit --catalog etsi-en-303-645,jp-iot-sg-2016,jp-ter-34-10,uk-psti \
      --evidence "$prof/scan.jsonl" --device "$dev" --format html --lang ja -o "build/demo/audit-$dev.ja.html"
  done
  echo "  HTML reports (Japanese; --lang en for English): build/demo/audit-10.231.0.13.ja.html,"
  echo "  build/demo/audit-10.231.0.32.ja.html"
  trap 'rm -f "$inv"; rm -rf "$prof"' EXIT
fi
echo
echo "== Organisational checklist (sekisho audit --declaration docs/examples/organisation.yaml)"
build/release/sekisho audit --catalog jp-iot-sg-2016,nistir-8259b --declaration docs/examples/organisation.yaml \
  --today "$(date -u +%F)" -o "$prof/org.json"
python3 - "$prof/org.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for x in r["results"]:
    if x["verdict"] != "NOT_APPLICABLE":
        print(f"  {x['catalog']:14} {x['requirement']:4} {x['verdict']:12} {x['reason'][:110]}")
PY
