#!/bin/bash
# The cost of policy evaluation in `sekisho watch` (issue "secure gateway": checking every
# flow of bound devices against their policies slows watch by no more than 20%).
#
# A shared 2-core VM moves the median of a few runs by more than the evaluation costs, so
# this runs the two configurations alternately, PAIRS times, and reports both the minimum
# (the least disturbed run) and the median, in wall time and in CPU time (user + sys, which
# a neighbour's load disturbs far less). Reading the policy files is a one-time start-up cost
# and is measured on its own: the same watch with the policies on a capture of a few packets,
# minus the same without them.
#
#   evaluation = (with policies - (load-only run - empty run)) / without policies
#
# Usage: bench/policy_bench.sh BIN_DIR CAPTURE PROFILES_DIR OUT_DIR   (PAIRS=7 by default)
# Prints a Markdown table; exit 1 when the evaluation ratio (minimum CPU time) is over 1.20.
set -euo pipefail
BIN=${1:?usage: policy_bench.sh BIN_DIR CAPTURE PROFILES_DIR OUT_DIR}
BIG=${2:?capture}
PROFILES=${3:?profiles}
OUT=${4:?out dir}
PAIRS=${PAIRS:-7}
TIME=/usr/bin/time
mkdir -p "$OUT"
SMALL="$OUT/policy-small.pcap"
# The first 1,000 packets of the capture: enough to start the pipeline, nothing to evaluate.
"$BIN/bench/make_bench_pcap" head "$SMALL" 1000 "$BIG" >/dev/null 2>&1 ||
  python3 - "$BIG" "$SMALL" <<'PY'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f, open(dst, "wb") as o:
    o.write(f.read(24))
    for _ in range(1000):
        h = f.read(16)
        if len(h) < 16:
            break
        n = struct.unpack("<I", h[8:12])[0]
        o.write(h + f.read(n))
PY
cat "$BIG" >/dev/null

WATCH=(watch --eve /dev/null --inventory json --inventory-out /dev/null -q --no-detect)
# run NAME ARGS...: appends "wall cpu" to $OUT/NAME.times
run() {
  local name=$1
  shift
  $TIME -f "%e %U %S" -o "$OUT/policy-time.txt" "$BIN/sekisho" "$@" >/dev/null 2>"$OUT/policy-last.err" || {
    echo "policy_bench: failed: $*" >&2
    cat "$OUT/policy-last.err" >&2
    exit 3
  }
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$OUT/policy-time.txt" >>"$OUT/$name.times"
}
rm -f "$OUT"/policy-{none,with,load,empty}.times
for _ in $(seq "$PAIRS"); do
  run policy-none "${WATCH[@]}" -r "$BIG"
  run policy-with "${WATCH[@]}" -r "$BIG" --policy-dir "$PROFILES" --stats
  cp "$OUT/policy-last.err" "$OUT/policy-with.err"
  run policy-load "${WATCH[@]}" -r "$SMALL" --policy-dir "$PROFILES"
  run policy-empty "${WATCH[@]}" -r "$SMALL"
done
CHECKED=$(awk '/flows checked/ {print $3}' "$OUT/policy-with.err")
VIOL=$(awk '/policy violations/ {print $3}' "$OUT/policy-with.err")
NPROFILES=$(find "$PROFILES" -name '*.json' | wc -l)

# stat NAME COLUMN min|median
stat() {
  local col=$2
  if [ "$3" = min ]; then
    awk -v c="$col" '{ print $c }' "$OUT/$1.times" | sort -n | head -1
  else
    awk -v c="$col" '{ print $c }' "$OUT/$1.times" | sort -n | sed -n "$(((PAIRS + 1) / 2))p"
  fi
}
row() {
  local label=$1 col=$2 how=$3
  local none with load empty
  none=$(stat policy-none "$col" "$how")
  with=$(stat policy-with "$col" "$how")
  load=$(stat policy-load "$col" "$how")
  empty=$(stat policy-empty "$col" "$how")
  awk -v l="$label" -v n="$none" -v w="$with" -v ld="$load" -v e="$empty" 'BEGIN {
    lc = ld - e; if (lc < 0) lc = 0
    printf "| %s | %.2f | %.2f | %.2f | %.2fx | **%.2fx** |\n", l, n, w, lc, w / n, (w - lc) / n }'
}
{
  echo "Policy evaluation: $NPROFILES learned MUD profiles bound (every device of the capture), $CHECKED flows checked, $VIOL violations; $PAIRS alternating runs of each configuration."
  echo
  echo "| measure | without policies s | with policies s | reading the files s | whole process | evaluation (target <= 1.20) |"
  echo "|---|---:|---:|---:|---:|---:|"
  row "wall, minimum" 1 min
  row "wall, median" 1 median
  row "CPU (user+sys), minimum" 2 min
  row "CPU (user+sys), median" 2 median
} | tee "$OUT/policy.md"
EVAL=$(row x 2 min | awk -F'|' '{ gsub(/[*x ]/, "", $7); print $7 }')
awk -v e="$EVAL" 'BEGIN { exit !(e <= 1.20) }' || {
  echo "policy_bench: evaluation costs ${EVAL}x (target <= 1.20)" >&2
  exit 1
}
