#!/bin/bash
# make demo: watch the real smart-home setup captures (IoT Sentinel dataset, ICDCS 2017)
# and print the device inventory.
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
echo "(Miettinen et al., IoT SENTINEL, ICDCS 2017)"
echo
exec build/release/sekisho watch -r "${files[@]}" --inventory table --stats
