#!/bin/bash
# The scan and vulns command lines without a network: usage and scope errors send nothing
# and exit 2; the offline vulnerability data answers `vulns check`; an NVD 2.0 feed imports
# into a file the scanner loads. No root needed.
set -euo pipefail
SEKISHO=$(readlink -f "${1:?usage: scan_cli_test.sh path/to/sekisho}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}
expect_rc() {  # expect_rc RC PATTERN -- command...
  local want=$1 pattern=$2
  shift 3
  set +e
  "$@" >"$TMP/out" 2>&1
  local rc=$?
  set -e
  [ "$rc" = "$want" ] || {
    cat "$TMP/out"
    fail "'$*' exited $rc, expected $want"
  }
  grep -q -- "$pattern" "$TMP/out" || {
    cat "$TMP/out"
    fail "'$*' did not say '$pattern'"
  }
}

expect_rc 0 "--scope LIST" -- "$SEKISHO" scan --help
expect_rc 2 "--scope is required" -- "$SEKISHO" scan 192.168.1.5
expect_rc 2 "outside the scope" -- "$SEKISHO" scan --scope 192.168.1.0/24 192.168.2.5
expect_rc 2 "outside the scope" -- "$SEKISHO" scan --scope 192.168.1.0/24 192.168.1.0/23
expect_rc 2 "Nothing was sent" -- "$SEKISHO" scan --scope 127.0.0.0/8 127.0.0.1
expect_rc 2 "confirm-large" -- "$SEKISHO" scan --scope 10.0.0.0/8 10.0.0.0/15
expect_rc 2 "is not a port" -- "$SEKISHO" scan --scope 10.0.0.0/24 10.0.0.5 --ports T:70000
expect_rc 2 "unknown option" -- "$SEKISHO" scan --scope 10.0.0.0/24 10.0.0.5 --bogus
printf '10.0.0.5\n# comment\n10.0.1.7 10.0.0.9\n' >"$TMP/targets"
expect_rc 2 "targets:3" -- "$SEKISHO" scan --scope 10.0.0.0/24 -iL "$TMP/targets"
# A broken data file is a runtime error naming the file; data loads before any probe.
printf '[[credential]]\nid = 5\n' >"$TMP/bad.toml"
expect_rc 3 "bad.toml" -- "$SEKISHO" scan --scope 10.0.0.0/24 10.0.0.5 --credentials "$TMP/bad.toml"

expect_rc 0 "CVE-2014-9222" -- "$SEKISHO" vulns check allegrosoft:rompager 4.07
expect_rc 0 "CVE-2023-48795" -- "$SEKISHO" vulns check dropbear_ssh_project:dropbear_ssh 2022.83
expect_rc 2 "" -- "$SEKISHO" vulns check
"$SEKISHO" vulns import -o "$TMP/nvd.json" "$ROOT/tests/data/nvd/nvdcve-2.0-sample.json" >"$TMP/import.out" 2>&1 ||
  fail "vulns import: $(cat "$TMP/import.out")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['rules'], 'no rules'" "$TMP/nvd.json" ||
  fail "the imported file has no rules"
expect_rc 0 "" -- "$SEKISHO" vulns check --data "$TMP/nvd.json" allegrosoft:rompager 4.07
echo "PASS scan_cli_test"
