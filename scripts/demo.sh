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
