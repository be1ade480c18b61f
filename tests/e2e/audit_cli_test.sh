#!/bin/bash
# The `sekisho audit` command line without root: catalog list, usage errors, and bad input
# (evidence, declarations, data files), each an error naming the file, the line and the field,
# exit 2, and no report written.
set -euo pipefail
SEKISHO=$(readlink -f "${1:?usage: audit_cli_test.sh path/to/sekisho}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}
# expect_error CODE PATTERN -- ARGS...: exit status CODE and PATTERN in stderr.
expect_error() {
  local code=$1 pattern=$2
  shift 3
  set +e
  "$SEKISHO" audit "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  set -e
  [ "$rc" = "$code" ] || fail "audit $*: exit $rc, expected $code ($(cat "$TMP/err"))"
  grep -qF -- "$pattern" "$TMP/err" || fail "audit $*: stderr lacks '$pattern': $(cat "$TMP/err")"
}

"$SEKISHO" audit --help | grep -c -- "--list-catalogs" >/dev/null || fail "help"
"$SEKISHO" audit --list-catalogs >"$TMP/list"
[ "$(grep -c . "$TMP/list")" = 9 ] || fail "list-catalogs: $(cat "$TMP/list")"
grep -Eq '^etsi-en-303-645 +ETSI EN 303 645 .* 68 ' "$TMP/list" || fail "etsi line: $(cat "$TMP/list")"
grep -Eq '^jp-iot-sg-2016 .* 25 ' "$TMP/list" || fail "jp line"
"$SEKISHO" audit --list-catalogs --lang ja | grep -c 'IoTセキュリティガイドライン' >/dev/null || fail "list in Japanese"

cat >"$TMP/scan.json" <<'EOF2'
{"type":"finding","timestamp":"2026-11-26T07:00:00Z","ip":"10.0.0.5","port":23,"proto":"tcp","service":"telnet","id":"default-credentials","severity":"critical","confidence":"confirmed","credential_id":"mirai-1","guidelines":["K15"],"title":{"ja":"t","en":"t"},"advice":{"ja":"a","en":"a"}}
{"type":"host","timestamp":"2026-11-26T07:00:01Z","ip":"10.0.0.5","up":true,"open_ports":1,"findings":1,"logins_tried":3}
EOF2
"$SEKISHO" audit --catalog uk-psti --evidence "$TMP/scan.json" -o "$TMP/r.csv"
head -c 3 "$TMP/r.csv" | od -An -tx1 | grep -c 'ef bb bf' >/dev/null || fail "-o .csv did not pick CSV"
"$SEKISHO" audit --catalog uk-psti,jp-ter-34-10 --evidence "$TMP/scan.json" | python3 -c "
import json,sys; r=json.load(sys.stdin)
v={(x['catalog'],x['requirement']):x['verdict'] for x in r['results']}
assert v[('uk-psti','1')]=='FAIL' and v[('jp-ter-34-10','2')]=='FAIL', v
assert len(r['results'])==7, len(r['results'])" || fail "json to stdout"
set +e
"$SEKISHO" audit --catalog uk-psti --evidence "$TMP/scan.json" --fail-on fail >/dev/null
[ $? = 1 ] || fail "--fail-on fail did not exit 1"
set -e

# Over time: an earlier report given with --previous; what moved is listed.
"$SEKISHO" audit --catalog uk-psti --evidence "$TMP/scan.json" --today 2026-10-01 -o "$TMP/before.json"
sed 's/"default-credentials"/"telnet-open"/' "$TMP/scan.json" >"$TMP/scan2.json"
"$SEKISHO" audit --catalog uk-psti --evidence "$TMP/scan2.json" --previous "$TMP/before.json" | python3 -c "
import json,sys; c=json.load(sys.stdin)['changes']
assert c['since']=='2026-10-01', c
assert c['items']==[{'catalog':'uk-psti','requirement':'1','before':'FAIL','after':'PASS'}], c" || fail "--previous"
echo '{"sekisho_audit":1,"generated":"x","results":[{"catalog":"uk-psti","requirement":"1","verdict":"MAYBE"}]}' >"$TMP/bad_prev.json"
expect_error 2 'bad_prev.json: field "results[0].verdict"' -- --evidence "$TMP/scan.json" --previous "$TMP/bad_prev.json"

# The example declarations in docs/ load and judge (a device, an organisation).
"$SEKISHO" audit --evidence "$TMP/scan.json" --declaration "$ROOT/docs/examples/camera.yaml" --device 10.0.0.5 \
  --today 2026-11-26 | python3 -c "
import json,sys; r=json.load(sys.stdin); v={(x['catalog'],x['requirement']):x['verdict'] for x in r['results']}
assert v[('etsi-en-303-645','5.2-1')]=='PASS' and v[('etsi-en-303-645','5.6-9')]=='FAIL', v
assert v[('jp-ter-34-10','1')]=='NOT_APPLICABLE', v" || fail "docs/examples/camera.yaml"
"$SEKISHO" audit --catalog jp-iot-sg-2016 --declaration "$ROOT/docs/examples/organisation.yaml" | python3 -c "
import json,sys; r=json.load(sys.stdin); v={x['requirement']:x['verdict'] for x in r['results']}
assert v['K01']=='PASS' and v['K07']=='FAIL' and v['K15']=='NOT_APPLICABLE', v" || fail "docs/examples/organisation.yaml"

expect_error 2 "unknown catalog 'iso-27001'" -- --catalog iso-27001 --evidence "$TMP/scan.json"
expect_error 2 "nothing to judge" -- --catalog uk-psti
expect_error 2 "--lang must be ja or en" -- --lang fr --evidence "$TMP/scan.json"
expect_error 2 "unknown argument" -- --colour
expect_error 2 "$TMP/missing.json" -- --evidence "$TMP/missing.json"

# Evidence: a broken line names the file and the line; a bad field names the field.
printf '{"type":"host","ip":"10.0.0.5","up":true,"open_ports":1,"findings":0,"logins_tried":3}\nnot json\n' >"$TMP/bad1.json"
expect_error 2 "bad1.json:2" -- --evidence "$TMP/bad1.json"
printf '{"type":"finding","ip":"10.0.0.5","port":"twenty-three","proto":"tcp","service":"telnet","id":"x"}\n' >"$TMP/bad2.json"
expect_error 2 "port" -- --evidence "$TMP/bad2.json"

# Declarations: unknown requirement, unknown fact, missing justification, bad date.
decl() {
  cat >"$TMP/d.yaml" <<EOF2
sekisho_declaration: 1
subject: { kind: device, name: Cam, address: 10.0.0.5 }
declared_by: { name: QA, role: maker, date: 2026-11-01 }
$1
EOF2
}
decl $'answers:\n  etsi-en-303-645:\n    5.1-99: { status: supported }'
expect_error 2 "5.1-99" -- --evidence "$TMP/scan.json" --declaration "$TMP/d.yaml"
grep -q "d.yaml:6" "$TMP/err" || fail "unknown requirement: no file:line: $(cat "$TMP/err")"
decl $'answers:\n  iso-27001:\n    A.5: { status: supported }'
expect_error 2 "iso-27001" -- --evidence "$TMP/scan.json" --declaration "$TMP/d.yaml"
decl $'facts:\n  shoe_size: 42'
expect_error 2 "shoe_size" -- --evidence "$TMP/scan.json" --declaration "$TMP/d.yaml"
grep -q "d.yaml:5" "$TMP/err" || fail "unknown fact: no file:line: $(cat "$TMP/err")"
decl $'answers:\n  etsi-en-303-645:\n    5.8-3: { status: not-applicable }'
expect_error 2 "justification" -- --evidence "$TMP/scan.json" --declaration "$TMP/d.yaml"
decl $'facts:\n  support_period_end: 2030-02-30'
expect_error 2 "support_period_end" -- --evidence "$TMP/scan.json" --declaration "$TMP/d.yaml"
printf 'sekisho_declaration: 1\nsubject: [unclosed\n' >"$TMP/d.yaml"
expect_error 2 "d.yaml:" -- --evidence "$TMP/scan.json" --declaration "$TMP/d.yaml"

# Data files: a broken catalog names its file, line and field.
cp -r "$ROOT/data" "$TMP/data"
sed -i '0,/^status = "mandatory"/s//status = "must"/' "$TMP/data/catalogs/uk-psti.toml"
set +e
SEKISHO_DATA_DIR="$TMP/data" "$SEKISHO" audit --list-catalogs >/dev/null 2>"$TMP/err"
rc=$?
set -e
[ $rc = 2 ] || fail "broken catalog: exit $rc"
grep -Eq "uk-psti.toml:[0-9]+: requirement '1': field 'status'" "$TMP/err" || fail "broken catalog: $(cat "$TMP/err")"
[ ! -e "$TMP/r2.json" ] || fail "a report was written"
echo "PASS: audit command line"
