#!/usr/bin/python3
"""Compares a `sekisho scan -oJ` file with the lab manifest (lab/devices.json).

Every weak device must yield exactly its expected findings (port, id), no strong twin may
yield any, and every finding must carry guideline ids and advice in Japanese and English.
Prints a table and exits 1 on any difference.

usage: scan_check.py MANIFEST RESULTS.jsonl [--roles weak,strong]
"""
import json
import sys


def main():
    manifest_path, results_path = sys.argv[1], sys.argv[2]
    roles = {"weak", "strong"}
    if len(sys.argv) > 4 and sys.argv[3] == "--roles":
        roles = set(sys.argv[4].split(","))
    with open(manifest_path) as f:
        manifest = json.load(f)
    devices = manifest["devices"] if isinstance(manifest, dict) else manifest
    found = {}
    problems = []
    with open(results_path) as f:
        for n, line in enumerate(f, 1):
            rec = json.loads(line)
            if rec.get("type") != "finding":
                continue
            found.setdefault(rec["ip"], set()).add((rec["port"], rec["id"]))
            for key in ("severity", "guidelines", "advice", "title"):
                if not rec.get(key):
                    problems.append(f"line {n}: finding {rec['id']} on {rec['ip']} has no {key}")
            adv = rec.get("advice", {})
            if not adv.get("ja") or not adv.get("en"):
                problems.append(f"line {n}: finding {rec['id']} lacks advice in both languages")
            if rec["id"] == "default-credentials" and not rec.get("credential_id"):
                problems.append(f"line {n}: default-credentials without a credential id")
    print(f"{'device':14} {'ip':12} {'role':7} {'expected':48} result")
    for d in devices:
        if d["role"] not in roles:
            continue
        want = {(e["port"], e["id"]) for e in d.get("expected_findings", [])}
        got = found.get(d["ip"], set())
        ok = want == got
        fmt = lambda s: ",".join(f"{i}/{p}" for p, i in sorted(s)) or "-"
        print(f"{d['name']:14} {d['ip']:12} {d['role']:7} {fmt(want):48} {'ok' if ok else 'MISMATCH got ' + fmt(got)}")
        if not ok:
            problems.append(f"{d['name']} ({d['ip']}): expected {fmt(want)}, got {fmt(got)}")
    known = {d["ip"] for d in devices}
    for ip in found:
        if ip not in known:
            problems.append(f"finding on {ip}, which is not a lab device")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
