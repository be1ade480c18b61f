#!/usr/bin/env python3
"""EVE JSON lines on stdin -> the alerts' stable fields, one tab-separated line per alert, sorted.

Fields: signature_id, signature, mac, direction, src_ip, dest_ip, dest_port, action ("-" when
absent). Timestamps, flow ids, evidence and counters are left out: they are not what a
baseline should pin.
"""
import json
import sys

rows = []
for line in sys.stdin:
    if '"event_type":"alert"' not in line:
        continue
    j = json.loads(line)
    al = j["alert"]
    vals = [al.get("signature_id"), al.get("signature"), j.get("mac") or j.get("device", {}).get("mac"),
            j.get("direction"), j.get("src_ip"), j.get("dest_ip"), j.get("dest_port"), al.get("action")]
    rows.append("\t".join("-" if v is None else str(v) for v in vals))
sys.stdout.write("".join(r + "\n" for r in sorted(rows)))
