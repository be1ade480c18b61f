#!/usr/bin/env bash
# Golden detection test: generate the labelled captures (tools/trafficgen, deterministic),
# check they are byte for byte the checked-in ones (SHA256SUMS), run `sekisho watch` on each
# and compare its alerts, reduced to stable fields (reduce_alerts.py), with the baseline
# <scenario>.alerts next to this script.
#
#   check.sh SEKISHO SOURCE_DIR SHARED_DIR WORK_DIR [--update]
#
# --update rewrites SHA256SUMS and the baselines from this run: read every changed baseline
# by eye before committing it (it must hold the scenario's expected alerts and nothing else;
# see labels.json in WORK_DIR/captures for what each scenario expects).
# Exit status: 0 all match, 1 a mismatch, 2 usage or run error, 77 no shared data (skipped).
set -euo pipefail
export LC_ALL=C

update=0
args=()
for a in "$@"; do
  if [[ $a == --update ]]; then update=1; else args+=("$a"); fi
done
if [[ ${#args[@]} -ne 4 ]]; then
  echo "usage: check.sh SEKISHO SOURCE_DIR SHARED_DIR WORK_DIR [--update]" >&2
  exit 2
fi
bin=${args[0]} src=${args[1]} shared=${args[2]} work=${args[3]}
here=$src/tests/golden/detect
if [[ ! -d $shared/data/pcap/iot-sentinel ]]; then
  echo "golden_detect: skipped, $shared/data/pcap/iot-sentinel not found"
  exit 77
fi

caps=$work/captures
rm -rf "$caps" "$work/alerts"
mkdir -p "$caps" "$work/alerts"
python3 "$src/tools/trafficgen/trafficgen.py" --shared "$shared" --out "$caps"

fail=0
(cd "$caps" && sha256sum -- *.pcap *.mal labels.json blocklist.txt blocklist.toml) > "$work/SHA256SUMS"
if [[ $update == 1 ]]; then
  cp "$work/SHA256SUMS" "$here/SHA256SUMS"
elif ! diff -u "$here/SHA256SUMS" "$work/SHA256SUMS"; then
  echo "golden_detect: FAIL: the generator's output differs from tests/golden/detect/SHA256SUMS" >&2
  fail=1
fi

# name, file, config (or "-") of each scenario.
scenarios=$(python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["scenarios"]:
    print(s["name"], s["file"], s.get("config") or "-")' "$caps/labels.json")

while read -r name file config; do
  cfg=()
  [[ $config != - ]] && cfg=(--config "$caps/$config")
  if ! "$bin" watch -r "$caps/$file" --eve - -q "${cfg[@]}" > "$work/alerts/$name.eve" 2> "$work/alerts/$name.err"; then
    echo "golden_detect: sekisho failed on $name:" >&2
    cat "$work/alerts/$name.err" >&2
    exit 2
  fi
  python3 "$here/reduce_alerts.py" < "$work/alerts/$name.eve" > "$work/alerts/$name.alerts"
  rm -f "$work/alerts/$name.eve"
  if [[ $update == 1 ]]; then
    cp "$work/alerts/$name.alerts" "$here/$name.alerts"
  elif [[ ! -f $here/$name.alerts ]]; then
    echo "golden_detect: FAIL: no baseline tests/golden/detect/$name.alerts" >&2
    fail=1
  elif ! diff -u "$here/$name.alerts" "$work/alerts/$name.alerts"; then
    echo "golden_detect: FAIL: $name alerts differ from the baseline (above: - baseline, + now)" >&2
    fail=1
  fi
done <<< "$scenarios"

if [[ $update == 1 ]]; then
  echo "golden_detect: baselines and SHA256SUMS rewritten in $here"
elif [[ $fail == 0 ]]; then
  echo "golden_detect: $(wc -l <<< "$scenarios") scenarios match their baselines"
fi
exit $fail
