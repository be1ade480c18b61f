#!/bin/bash
# `sekisho audit` on lab devices, as a user runs it: scan a weak camera (factory password on
# its web page) and its strong twin with the real scanner, then audit each one.
#   1. the weak device's default-password finding fails ETSI 5.1-1, key point K15, terminal
#      rule item 2 and PSTI 1 at once, each citing the same evidence record (the finding's
#      line in the scan output); the strong twin passes the same four;
#   2. a declaration adds conceptual evidence (the VDP, the support period, an N/A answer);
#   3. the HTML report, in Japanese and in English, renders in headless Chromium: the
#      screenshot is checked (size, content, the red FAIL badges) and the page prints to PDF;
#      the DOM Chromium built holds the Japanese verdict words;
#   4. the CSV is UTF-8 with a BOM and parses, one row per requirement.
# Needs root, iproute2, python3 and chromium; exits 77 (skipped) without root or when a lab
# is already up.
set -euo pipefail
SEKISHO=$(readlink -f "${1:?usage: audit_lab_test.sh path/to/sekisho}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! [ -x /usr/bin/python3 ]; then
  echo "SKIP: needs root, iproute2 and python3"
  exit 77
fi
if ip netns list 2>/dev/null | grep -c '^skl-' >/dev/null; then
  echo "SKIP: a lab is already up (lab/down first)"
  exit 77
fi
CHROMIUM=$(command -v chromium || true)
[ -n "$CHROMIUM" ] || {
  echo "FAIL: chromium is not installed (scripts/install-deps.sh installs it)"
  exit 1
}
TMP=$(mktemp -d)
cleanup() {
  local rc=$?
  "$ROOT/lab/down" >/dev/null 2>&1 || true
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT INT TERM
fail() {
  echo "FAIL: $*"
  exit 1
}
WEAK=10.231.0.13   # web-cam: admin/admin on HTTP Basic
STRONG=10.231.0.32 # web-strong: HTTPS, its own password

"$ROOT/lab/up" --only web-cam,web-strong >"$TMP/up.log" 2>&1 || {
  cat "$TMP/up.log"
  fail "lab/up"
}
ip netns exec skl-scan "$SEKISHO" scan --scope 10.231.0.0/24 $WEAK $STRONG -oJ "$TMP/lab.json" >"$TMP/scan.txt" 2>&1 ||
  [ $? = 1 ] || {
  cat "$TMP/scan.txt"
  fail "scan"
}
"$ROOT/lab/down" >/dev/null 2>&1

CATS=(--catalog etsi-en-303-645 --catalog jp-iot-sg-2016 --catalog jp-ter-34-10 --catalog uk-psti)
audit() { "$SEKISHO" audit "${CATS[@]}" --evidence "$TMP/lab.json" --today 2026-11-26 "$@"; }
audit --device $WEAK -o "$TMP/weak.json" || fail "audit weak (json)"
audit --device $STRONG -o "$TMP/strong.json" || fail "audit strong (json)"

# 1. The same evidence fails four schemes; the strong twin passes them.
/usr/bin/python3 - "$TMP" <<'EOF' || fail "verdicts"
import json, sys
tmp = sys.argv[1]
lines = open(f"{tmp}/lab.json").read().splitlines()
items = [("etsi-en-303-645", "5.1-1"), ("jp-iot-sg-2016", "K15"), ("jp-ter-34-10", "2"), ("uk-psti", "1")]
def verdicts(path):
    r = json.load(open(path))
    return {(x["catalog"], x["requirement"]): x for x in r["results"]}, r
weak, wr = verdicts(f"{tmp}/weak.json")
cited = set()
for it in items:
    x = weak[it]
    assert x["verdict"] == "FAIL", (it, x)
    assert x["evidence"], (it, x)
    cited.add(tuple(x["evidence"]))
    assert x["reason"], it
assert len(cited) == 1, f"the four verdicts cite different evidence: {cited}"
(eid,) = cited.pop()
name, line = eid.rsplit(":", 1)
rec = json.loads(lines[int(line) - 1])
assert name == "lab.json" and rec["type"] == "finding" and rec["id"] == "default-credentials" \
    and rec["ip"] == "10.231.0.13", (eid, rec)
assert any(e["id"] == eid for e in wr["evidence"]), "the cited record is not in the report's evidence"
strong, _ = verdicts(f"{tmp}/strong.json")
for it in items:
    assert strong[it]["verdict"] == "PASS", (it, strong[it])
    assert strong[it]["evidence"], it
n = len(wr["results"])
assert n == 68 + 25 + 4 + 3, n
for x in wr["results"]:
    assert x["verdict"] in ("PASS", "FAIL", "INCONCLUSIVE", "NOT_APPLICABLE"), x
    if x["verdict"] in ("NOT_APPLICABLE", "INCONCLUSIVE"):
        assert x["reason"], x
print("weak:", {v: sum(1 for x in wr["results"] if x["verdict"] == v) for v in ("PASS", "FAIL", "INCONCLUSIVE", "NOT_APPLICABLE")},
      "evidence", eid)
EOF

# 2. A declaration adds conceptual evidence.
cat >"$TMP/cam.yaml" <<'EOF'
sekisho_declaration: 1
subject:
  kind: device
  name: Lab web camera
  maker: Example Devices
  model: WC-100
  firmware: 1.0.3
  address: 10.231.0.13
declared_by: { name: QA team, role: maker, date: 2026-11-20 }
facts:
  vulnerability_disclosure_url: https://example.com/security
  support_period_end: 2030-12-31
  model_designation: WC-100
  external_sensors: [camera, microphone]
answers:
  etsi-en-303-645:
    5.13-1A: { status: supported, note: "inputs are length-checked" }
    5.10-1: { status: not-applicable, justification: "the camera collects no telemetry" }
EOF
audit --declaration "$TMP/cam.yaml" -o "$TMP/decl.json" || fail "audit with a declaration"
/usr/bin/python3 - "$TMP" <<'EOF' || fail "declaration verdicts"
import json, sys
r = json.load(open(sys.argv[1] + "/decl.json"))
res = {(x["catalog"], x["requirement"]): x for x in r["results"]}
assert res[("etsi-en-303-645", "5.2-1")]["verdict"] == "PASS", res[("etsi-en-303-645", "5.2-1")]
assert res[("etsi-en-303-645", "5.2-1")]["assessment"] == "conceptual"
assert res[("uk-psti", "3")]["verdict"] == "PASS"
assert res[("etsi-en-303-645", "5.13-1")]["verdict"] == "PASS"
na = res[("etsi-en-303-645", "5.10-1")]
assert na["verdict"] == "NOT_APPLICABLE" and "telemetry" in na["reason"], na
assert res[("etsi-en-303-645", "5.1-1")]["verdict"] == "FAIL"
assert r["subject"]["name"] == "Lab web camera", r["subject"]
EOF

# 3. HTML in both languages, rendered by Chromium.
audit --device $WEAK --format html --lang ja -o "$TMP/weak.ja.html" || fail "html ja"
audit --device $WEAK --format html --lang en -o "$TMP/weak.en.html" || fail "html en"
grep -q '<html lang="ja"' "$TMP/weak.ja.html" || fail "ja report is not lang=ja"
grep -q '<html lang="en"' "$TMP/weak.en.html" || fail "en report is not lang=en"
chrome() {
  timeout 90 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --user-data-dir="$TMP/chrome" "$@" 2>>"$TMP/chrome.log"
}
for lang in ja en; do
  chrome --window-size=1280,1600 --screenshot="$TMP/weak.$lang.png" "file://$TMP/weak.$lang.html" >/dev/null ||
    fail "chromium screenshot ($lang)"
  [ -s "$TMP/weak.$lang.png" ] || fail "no screenshot ($lang)"
  shot=$(/usr/bin/python3 "$ROOT/tests/e2e/png_check.py" "$TMP/weak.$lang.png")
  echo "screenshot $lang: $shot"
  /usr/bin/python3 -c "
import json,sys; s=json.loads(sys.argv[1])
assert s['width']==1280 and s['height']==1600, s
assert s['nonwhite'] > 0.02, 'the page looks blank: %s' % s
assert s['red'] > 0.0001, 'no red FAIL badge in view: %s' % s" "$shot" || fail "screenshot check ($lang)"
  chrome --print-to-pdf="$TMP/weak.$lang.pdf" --no-pdf-header-footer "file://$TMP/weak.$lang.html" >/dev/null ||
    fail "chromium print to PDF ($lang)"
  head -c 5 "$TMP/weak.$lang.pdf" | grep -c '%PDF-' >/dev/null || fail "no PDF ($lang)"
done
chrome --dump-dom "file://$TMP/weak.ja.html" >"$TMP/dom.ja.html" || fail "chromium dump-dom"
grep -q '不適合' "$TMP/dom.ja.html" || fail "the rendered Japanese page has no 不適合"
grep -q '適合' "$TMP/dom.ja.html" || fail "the rendered Japanese page has no 適合"
chrome --dump-dom "file://$TMP/weak.en.html" >"$TMP/dom.en.html" || fail "chromium dump-dom (en)"
grep -qi 'fail' "$TMP/dom.en.html" || fail "the rendered English page has no FAIL"

# 4. CSV: UTF-8 with BOM, one row per requirement.
audit --device $WEAK --format csv --lang ja -o "$TMP/weak.csv" || fail "csv"
/usr/bin/python3 - "$TMP/weak.csv" <<'EOF' || fail "csv check"
import csv, io, sys
raw = open(sys.argv[1], "rb").read()
assert raw[:3] == b"\xef\xbb\xbf", "no UTF-8 BOM"
text = raw.decode("utf-8-sig")
assert "\r\n" in text, "no CRLF line ends"
rows = list(csv.reader(io.StringIO(text, newline="")))
assert rows[0][:6] == ["catalog", "requirement", "group", "title", "status", "verdict"], rows[0]
assert len(rows) == 1 + 68 + 25 + 4 + 3, len(rows)
k15 = [r for r in rows if r[0] == "jp-iot-sg-2016" and r[1] == "K15"][0]
assert k15[5] == "FAIL" and "初期設定" in k15[3], k15
print("csv rows:", len(rows) - 1)
EOF
echo "PASS: audit on the lab (weak and strong web cameras, json/html/csv, ja/en, Chromium)"
