#!/bin/bash
# Runs every libFuzzer target in BUILD_DIR/tests/fuzz for FUZZ_SECONDS each, starting
# from its committed seed corpus (new inputs go to a scratch corpus, not the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build/fuzz}
SECS=${FUZZ_SECONDS:-60}
status=0
for bin in "$BUILD_DIR"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  scratch="$BUILD_DIR/corpus/$name"
  mkdir -p "$scratch" "$BUILD_DIR/artifacts/$name"
  echo "== $name ($SECS s)"
  if ! "$bin" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$BUILD_DIR/artifacts/$name/" "$scratch" "tests/fuzz/corpus/$name" 2>&1 | tail -3; then
    status=1
  fi
done
exit $status
