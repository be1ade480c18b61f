#!/bin/bash
# make bench: sekisho watch against its peers on the same files, in the same run.
#   1. throughput: a >= 10M-packet capture merged from the real IoT captures;
#      sekisho (inventory and all events on) vs ndpiReader vs a bare libpcap loop
#   2. memory: 1M concurrent flows, peak RSS
#   3. flood: the real spoofed SYN flood replayed with many sources plus real devices
#   (then policy evaluation, detection quality, and bench/scan_bench.sh: scan vs nmap/hydra/masscan)
# Results go to bench/out/results.md (copy them into docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-$(cd .. && pwd)/shared}
OUT=bench/out
BIN=build/release
RUNS=${RUNS:-3}
PACKETS=${PACKETS:-10000000}
FLOWS=${FLOWS:-1000000}
mkdir -p "$OUT"
command -v ndpiReader >/dev/null || { echo "bench: ndpiReader missing (apt-get install libndpi-bin)" >&2; exit 3; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 3; }

BIG="$OUT/iot-merged.pcap"
if [ ! -s "$BIG" ]; then
  echo "building $BIG (>= $PACKETS packets) from $SHARED/data/pcap/iot-sentinel"
  mapfile -t files < <(find "$SHARED/data/pcap/iot-sentinel" -name '*.pcap' | sort)
  "$BIN/bench/make_bench_pcap" merge "$BIG" "$PACKETS" "${files[@]}"
fi
FLOWPCAP="$OUT/flows-$FLOWS.pcap"
[ -s "$FLOWPCAP" ] || "$BIN/bench/make_bench_pcap" flows "$FLOWPCAP" "$FLOWS"
FLOOD="$OUT/synflood-replay.pcap"
if [ ! -s "$FLOOD" ]; then
  mapfile -t devs < <(find "$SHARED/data/pcap/iot-sentinel" -name 'Setup-A-1-STA.pcap' -o -name 'Setup-C-1-STA.pcap' | sort)
  "$BIN/bench/make_bench_pcap" flood "$FLOOD" 40 "$SHARED/data/pcap/ddos/pkt.TCP.synflood.spoofed.pcap" "${devs[@]}"
fi

# Warm the page cache so every tool reads from memory.
cat "$BIG" "$FLOWPCAP" "$FLOOD" >/dev/null

# median of RUNS wall-clock seconds; sets MED and RSS (KiB, max over runs)
measure() {
  local times=() rss=0 t m
  for _ in $(seq "$RUNS"); do
    $TIME -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/last.err" || { echo "bench: failed: $*" >&2; cat "$OUT/last.err" >&2; exit 3; }
    read -r t m <"$OUT/time.txt"
    times+=("$t")
    [ "$m" -gt "$rss" ] && rss=$m
  done
  MED=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  RSS=$rss
}

NPKT=$("$BIN/bench/pcap_count" "$BIG" | awk '{print $1}')
SIZE=$(du -m "$BIG" | awk '{print $1}')

# sekisho against the bare libpcap loop: alternating pairs, so both see the same machine
# (on a shared VM the speed drifts by tens of percent within minutes). The ratio is the
# median of the per-pair ratios; the ratio of the two minimums is shown beside it.
median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
P_TIMES=() S_TIMES=() R_PAIRS=() RSS_SK=0
for _ in $(seq "$RUNS"); do
  $TIME -f "%e %M" -o "$OUT/time.txt" "$BIN/bench/pcap_count" "$BIG" >/dev/null 2>"$OUT/last.err" ||
    { echo "bench: pcap_count failed" >&2; cat "$OUT/last.err" >&2; exit 3; }
  read -r tp _ <"$OUT/time.txt"
  $TIME -f "%e %M" -o "$OUT/time.txt" "$BIN/sekisho" watch -r "$BIG" --eve /dev/null --inventory json \
    --inventory-out /dev/null -q --no-detect >/dev/null 2>"$OUT/last.err" ||
    { echo "bench: sekisho watch failed" >&2; cat "$OUT/last.err" >&2; exit 3; }
  read -r ts m <"$OUT/time.txt"
  P_TIMES+=("$tp") S_TIMES+=("$ts")
  R_PAIRS+=("$(awk -v a="$ts" -v b="$tp" 'BEGIN { printf "%.3f", a / b }')")
  [ "$m" -gt "$RSS_SK" ] && RSS_SK=$m
done
T_PCAP=$(printf '%s\n' "${P_TIMES[@]}" | median)
T_SK=$(printf '%s\n' "${S_TIMES[@]}" | median)
RATIO_PAIRS=$(printf '%s\n' "${R_PAIRS[@]}" | median)
RATIO_MINS=$(awk -v a="$(printf '%s\n' "${S_TIMES[@]}" | sort -n | sed -n 1p)" \
  -v b="$(printf '%s\n' "${P_TIMES[@]}" | sort -n | sed -n 1p)" 'BEGIN { printf "%.2f", a / b }')
# The same with every detector running (the default).
measure "$BIN/sekisho" watch -r "$BIG" --eve /dev/null --inventory json --inventory-out /dev/null -q --stats; T_DET=$MED; RSS_DET=$RSS
ALERTS_BIG=$(awk '/^  alerts / {print $2}' "$OUT/last.err")
measure ndpiReader -i "$BIG" -q; T_NDPI=$MED
EVENTS=$("$BIN/sekisho" watch -r "$BIG" --eve - -q --no-detect | wc -l)

measure "$BIN/sekisho" watch -r "$FLOWPCAP" --eve /dev/null --inventory json --inventory-out /dev/null -q --stats
T_FLOWS=$MED; RSS_FLOWS=$RSS
PEAK_FLOWS=$(grep "flows peak active" "$OUT/last.err" | awk '{print $4}')

measure "$BIN/sekisho" watch -r "$FLOOD" --eve /dev/null --inventory json --inventory-out "$OUT/flood-inventory.json" -q --stats
RSS_FLOOD=$RSS
PEAK_FLOOD=$(grep "flows peak active" "$OUT/last.err" | awk '{print $4}')
EVICTED_FLOOD=$(grep "flows evicted" "$OUT/last.err" | awk '{print $3}')
NFLOOD=$("$BIN/bench/pcap_count" "$FLOOD" | awk '{print $1}')
DEVS_EXPECTED=$(find "$SHARED/data/pcap/iot-sentinel" -name '_iotdevice-mac.txt' -exec cat {} \; -exec echo \; | tr 'A-F' 'a-f' | sort -u | grep -c .)
DEVS_FOUND=0
for m in $(find "$SHARED/data/pcap/iot-sentinel" -name '_iotdevice-mac.txt' -exec cat {} \; -exec echo \; | tr 'A-F' 'a-f' | sort -u); do
  grep -q "\"mac\": \"$m\"" "$OUT/flood-inventory.json" && DEVS_FOUND=$((DEVS_FOUND + 1))
done

# Policy evaluation: every device of the merged capture bound to the profile learned for it
# (thousands of MUD files); the same watch run with and without them.
PROFILES="$OUT/profiles"
if [ ! -d "$PROFILES" ] || [ -z "$(ls -A "$PROFILES" 2>/dev/null)" ]; then
  "$BIN/sekisho" mud learn -r "$BIG" -o "$PROFILES" -q >/dev/null
fi
# Alternating runs, minimum and median, wall and CPU time (bench/policy_bench.sh).
POLICY_RC=0
PAIRS=${PAIRS:-7} bench/policy_bench.sh "$BIN" "$BIG" "$PROFILES" "$OUT" >/dev/null || POLICY_RC=$?
[ "$POLICY_RC" -le 1 ] || { echo "bench: policy_bench.sh failed" >&2; exit 3; }

# Detection quality: labelled captures (real benign traffic + injected attacks) and the
# real benign captures, through every detector.
DETECT_DIR="$OUT/detect"
python3 tools/trafficgen/trafficgen.py --shared "$SHARED" --out "$DETECT_DIR" >/dev/null
DETECT_RC=0
python3 bench/detect_eval.py --sekisho "$BIN/sekisho" --captures "$DETECT_DIR" --shared "$SHARED" \
  --markdown "$OUT/detect.md" >"$OUT/detect.txt" || DETECT_RC=$?

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pps() { awk -v n="$NPKT" -v t="$1" 'BEGIN { printf "%.2f", n / t / 1e6 }'; }

{
  echo "### $(date -u +%Y-%m-%d) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo
  echo "Command: \`make bench\` (RUNS=$RUNS, median wall time, page cache warm)."
  echo
  echo "Throughput on \`iot-merged.pcap\`: $NPKT packets, $SIZE MiB, merged from the IoT Sentinel captures."
  echo
  echo "| tool | wall s | Mpackets/s | ratio |"
  echo "|---|---:|---:|---:|"
  echo "| libpcap read loop (\`bench/pcap_count\`) | $T_PCAP | $(pps "$T_PCAP") | sekisho / libpcap = **$(printf '%.2f' "$RATIO_PAIRS")x** (median of $RUNS alternating pairs; of the minimums $RATIO_MINS x; target <= 1.5) |"
  echo "| **sekisho watch --no-detect** (inventory + all events, $EVENTS events) | $T_SK | $(pps "$T_SK") | peak RSS $((RSS_SK / 1024)) MiB |"
  echo "| sekisho watch, every detector on (the default; $ALERTS_BIG alerts) | $T_DET | $(pps "$T_DET") | throughput cost of the detectors **$(awk -v a="$T_DET" -v b="$T_SK" 'BEGIN { printf "%.0f", (1 - b / a) * 100 }')%** (target <= 25%: 1 - packets/s with / without), peak RSS $((RSS_DET / 1024)) MiB |"
  echo "| ndpiReader -i (libndpi 4.2) | $T_NDPI | $(pps "$T_NDPI") | ndpiReader / sekisho = **$(ratio "$T_NDPI" "$T_SK")x** (target >= 3) |"
  echo
  echo "Memory: $FLOWS concurrent TCP flows (\`flows-$FLOWS.pcap\`): peak active $PEAK_FLOWS, peak RSS **$((RSS_FLOWS / 1024)) MiB** (target < 300), $T_FLOWS s."
  echo
  echo "Flood: \`pkt.TCP.synflood.spoofed.pcap\` replayed 40 times with new sources ($NFLOOD packets) with the 19 devices' captures interleaved, default flow cap: peak active flows $PEAK_FLOOD, evicted $EVICTED_FLOOD, peak RSS $((RSS_FLOOD / 1024)) MiB, devices in the inventory $DEVS_FOUND of $DEVS_EXPECTED."
  echo
  cat "$OUT/policy.md"
} | tee "$OUT/results.md"
{
  echo
  echo "Detection quality (\`bench/detect_eval.py\` on \`tools/trafficgen\` captures and the IoT Sentinel captures):"
  echo
  cat "$OUT/detect.md"
} | tee -a "$OUT/results.md"
# 5. scan: sekisho scan vs nmap -sV + hydra on the device lab, a sweep vs nmap and masscan,
#    one process on a /16 (network namespaces: root only).
SCAN_RC=0
if [ "$(id -u)" = 0 ]; then
  SEKISHO="$BIN/sekisho" bench/scan_bench.sh >"$OUT/scan.log" 2>&1 || SCAN_RC=$?
  { echo; cat "$OUT/scan/scan_results.md"; } | tee -a "$OUT/results.md"
else
  echo "bench: scan benchmark skipped (needs root for network namespaces)" | tee -a "$OUT/results.md"
fi
[ "$DETECT_RC" = 0 ] || { echo "bench: a detection target failed (see $OUT/detect.txt)" >&2; exit 1; }
[ "$SCAN_RC" = 0 ] || { echo "bench: a scan target failed or a tool broke (see $OUT/scan.log)" >&2; exit 1; }
[ "$POLICY_RC" = 0 ] || { echo "bench: the policy evaluation target failed (see $OUT/policy.md)" >&2; exit 1; }
