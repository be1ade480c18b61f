#!/usr/bin/env python3
"""Detection quality of sekisho's detectors on labelled captures and on real benign traffic.

    python3 bench/detect_eval.py --sekisho BIN --captures DIR [--shared /work/shared] [--markdown OUT.md]

DIR holds what tools/trafficgen/trafficgen.py wrote (labels.json, <scenario>.pcap and
<scenario>.mal). Runs `BIN watch -r FILE --eve - --config CFG` on every labelled capture
(CFG: the scenario's own config from labels.json, else DIR/default.toml, written empty =
all defaults), then on the IoT Sentinel benign captures (SHARED/data/pcap/iot-sentinel):
once per device directory (all its pcaps in one run) and once with every directory's
pcaps in one run. Prints, per detector and signature: precision, recall, time and attack
packets from the first labelled packet to the alert (capture time: the EVE timestamp
against the labelled packets' pcap times), and false alerts per device-day on the benign
captures; then the targets with PASS/FAIL. Exit status 1 if a target fails, 2 if a run
failed.

Alert matching, per labelled capture:
  true positive  signature in the scenario's `expected`, about the labelled device (alert
                 mac, else device ip), at or after the first labelled packet;
  allowed        signature in `allowed` (a second, also-correct reading of the same attack,
                 e.g. a Mirai scan is also a scan of many addresses), same device and time
                 rule: counted neither way, listed;
  false positive everything else, including `must_not_alert` matches (the new_device
                 scenario's returning phone) and any alert in a benign run.
Nothing is sent on any network: this reads files and runs sekisho on them.
"""
import argparse
import bisect
import calendar
import concurrent.futures as cf
import json
import os
import re
import statistics
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
SENTINEL = "data/pcap/iot-sentinel"

MIRAI_SCAN = {9400001, 9400002}
FLOODS = {9400010, 9400011, 9400012, 9400013, 9400014, 9400015, 9400030, 9400031, 9400032, 9400033, 9400034}
TARGET_MIRAI_S, TARGET_MIRAI_PKTS, TARGET_FLOOD_S = 1.0, 50, 2.0


def load_signatures():
    """{id: (detector, name)} from src/detect/signatures.{h,cpp} (the stable table)."""
    out = {}
    try:
        with open(os.path.join(SOURCE, "src/detect/signatures.h")) as f:
            ids = dict(re.findall(r"constexpr uint32_t (k\w+) = (\d+);", f.read()))
        with open(os.path.join(SOURCE, "src/detect/signatures.cpp")) as f:
            text = f.read()
        for name, det, sig in re.findall(r'\{sig::(k\w+),\s*"([^"]+)",\s*"([^"]+)"', text):
            if name in ids:
                out[int(ids[name])] = (det, sig)
    except OSError:
        pass
    return out


def eve_time_ns(s):
    """'2023-11-14T22:13:32.000320+0000' -> ns since the epoch."""
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?([+-])(\d\d):?(\d\d)$", s)
    if not m:
        raise ValueError(f"bad EVE timestamp {s!r}")
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    frac = (m.group(7) or "0")[:9].ljust(9, "0")
    off = (int(m.group(9)) * 3600 + int(m.group(10)) * 60) * (1 if m.group(8) == "+" else -1)
    return (calendar.timegm((y, mo, d, h, mi, se)) - off) * 1_000_000_000 + int(frac)


def run_watch(binary, files, config):
    cmd = [binary, "watch", "-r", *files, "--eve", "-", "-q"]
    if config:
        cmd += ["--config", config]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.decode(errors='replace')[-2000:]}")
    alerts = []
    for line in p.stdout.splitlines():
        if b'"event_type":"alert"' not in line:
            continue
        j = json.loads(line)
        dev = j.get("device", {})
        alerts.append({
            "ts": eve_time_ns(j["timestamp"]),
            "sid": int(j["alert"]["signature_id"]),
            "signature": j["alert"].get("signature", ""),
            "detector": j["alert"].get("detector", ""),
            "mac": (j.get("mac") or dev.get("mac") or "").lower(),
            "ip": dev.get("ip", ""),
            "direction": j.get("direction", ""),
            "src": j.get("src_ip", ""), "dst": j.get("dest_ip", ""), "dport": j.get("dest_port"),
        })
    return alerts


def read_times(path):
    with open(path, "rb") as f:
        b = f.read()
    return list(struct.unpack("<%dQ" % (len(b) // 8), b))


def fmt(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}"


def classify(label, alerts):
    """Split a labelled capture's alerts into tp / allowed / fp."""
    mac, ip = label["device"]["mac"].lower(), label["device"]["ip"]
    first = label["first_malicious_ns"]
    must_not = {(m["signature_id"], m["mac"].lower()) for m in label.get("must_not_alert", [])}
    tp, allowed, fp = [], [], []
    for a in alerts:
        about = a["mac"] == mac if a["mac"] else a["ip"] == ip
        if (a["sid"], a["mac"]) in must_not:
            fp.append(a)
        elif about and a["ts"] >= first and a["sid"] in label["expected"]:
            tp.append(a)
        elif about and a["ts"] >= first and a["sid"] in label.get("allowed", []):
            allowed.append(a)
        else:
            fp.append(a)
    return tp, allowed, fp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sekisho", required=True, help="the sekisho binary")
    ap.add_argument("--captures", required=True, help="folder written by tools/trafficgen/trafficgen.py")
    ap.add_argument("--shared", default=os.path.join(SOURCE, "..", "shared"), help="folder holding data/pcap")
    ap.add_argument("--markdown", help="also write the report as markdown to this file")
    ap.add_argument("--jobs", type=int, default=2, help="sekisho runs at once (default 2)")
    a = ap.parse_args()

    with open(os.path.join(a.captures, "labels.json")) as f:
        labels = json.load(f)
    sigs = load_signatures()
    default_cfg = os.path.join(a.captures, "default.toml")
    with open(default_cfg, "w") as f:
        f.write("# detect_eval: every detector with its defaults\n")

    bench_root = os.path.join(a.shared, SENTINEL)
    dirs = sorted(d for d in os.listdir(bench_root) if os.path.isdir(os.path.join(bench_root, d)))
    dir_files = {d: sorted(os.path.join(bench_root, d, f) for f in os.listdir(os.path.join(bench_root, d))
                           if f.endswith(".pcap")) for d in dirs}

    jobs = {}
    with cf.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for s in labels["scenarios"]:
            cfg = os.path.join(a.captures, s["config"]) if s.get("config") else default_cfg
            jobs[("scenario", s["name"])] = ex.submit(run_watch, a.sekisho, [os.path.join(a.captures, s["file"])], cfg)
        for d in dirs:
            jobs[("benign", d)] = ex.submit(run_watch, a.sekisho, dir_files[d], default_cfg)
        jobs[("benign-all", "*")] = ex.submit(run_watch, a.sekisho, [f for d in dirs for f in dir_files[d]],
                                              default_cfg)
        results, failed = {}, []
        for k, fut in jobs.items():
            try:
                results[k] = fut.result()
            except Exception as e:  # noqa: BLE001 - reported, and the exit status says so
                failed.append(f"{k[0]} {k[1]}: {e}")
                results[k] = []

    # Benign exposure: each capture's distinct unicast source MACs x its duration.
    benign_caps = labels.get("benign") or []
    dev_seconds = sum(len(c["device_macs"]) * c["duration_s"] for c in benign_caps)
    iot_seconds = sum(c["duration_s"] for c in benign_caps)
    device_days = dev_seconds / 86400 if dev_seconds else None

    # Per signature aggregates.
    rows = {}

    def row(sid):
        if sid not in rows:
            rows[sid] = {"expected": 0, "detected": 0, "tp": 0, "fp": 0, "fp_benign": 0, "lat": [], "pkts": []}
        return rows[sid]

    for sid in sigs:
        row(sid)
    scen_lines, fp_lines, miss_lines = [], [], []
    target_mirai, target_flood = [], []
    for s in labels["scenarios"]:
        alerts = results[("scenario", s["name"])]
        tp, allowed, fp = classify(s, alerts)
        times = read_times(os.path.join(a.captures, s["labelled_times"]))
        first = s["first_malicious_ns"]
        got = []
        for sid in s["expected"]:
            r = row(sid)
            r["expected"] += 1
            hits = sorted(x["ts"] for x in tp if x["sid"] == sid)
            r["tp"] += len(hits)
            if hits:
                r["detected"] += 1
                lat = (hits[0] - first) / 1e9
                pk = bisect.bisect_right(times, hits[0])
                r["lat"].append(lat)
                r["pkts"].append(pk)
                got.append((sid, lat, pk))
            else:
                got.append((sid, None, None))
                miss_lines.append(f"{s['name']}: expected {sid} ({sigs.get(sid, ('?', '?'))[1]}) not raised")
            if sid in MIRAI_SCAN:
                target_mirai.append((s["name"], sid, got[-1][1], got[-1][2]))
            if sid in FLOODS:
                target_flood.append((s["name"], sid, got[-1][1]))
        for x in fp:
            row(x["sid"])["fp"] += 1
            fp_lines.append(f"{s['name']}: {x['sid']} {x['signature']} mac={x['mac']} {x['direction']} "
                            f"{x['src']} -> {x['dst']}:{x['dport']} at +{(x['ts'] - first) / 1e9:.3f} s")
        det = ", ".join(f"{sid}: " + ("missed" if lat is None else f"{lat:.3f} s / {pk} pkts") for sid, lat, pk in got)
        extra = sorted({x["sid"] for x in allowed})
        scen_lines.append(f"| {s['name']} | {s['bytes'] / 1e6:.2f} | {s['packets']} | {s['malicious_packets']} | "
                          f"{det} | {', '.join(map(str, extra)) or '-'} | {len(fp) or '-'} |")

    benign_alerts = []
    for d in dirs:
        for x in results[("benign", d)]:
            row(x["sid"])["fp_benign"] += 1
            benign_alerts.append((d, x))
    all_run = results[("benign-all", "*")]

    out = []
    out.append("## Detection quality (labelled captures + IoT Sentinel benign captures)")
    out.append("")
    out.append(f"Labelled captures: {len(labels['scenarios'])} scenarios from `{labels.get('generator')}` "
               f"(seed {labels.get('seed')}), `{a.captures}`. Benign: {sum(len(v) for v in dir_files.values())} "
               f"IoT Sentinel captures in {len(dirs)} device directories, one run per directory and one run "
               f"with all of them.")
    if device_days:
        out.append(f"Benign exposure: {device_days:.3f} device-days = sum over the {len(benign_caps)} captures "
                   f"of (distinct unicast source MACs in the capture x its duration) / 86400 s "
                   f"({dev_seconds:.0f} device-seconds; counting only the IoT device of each capture: "
                   f"{iot_seconds / 86400:.3f} device-days).")
    out.append("Times and packets: from the first labelled (attack) packet to the first correct alert, in "
               "capture time (EVE timestamp); packets = labelled packets up to and including the alert's time.")
    out.append("")
    out.append("| detector | signature | id | recall | precision | TP alerts | FP labelled | FP benign | "
               "median s | max s | median pkts | max pkts | FP per device-day |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sid in sorted(rows, key=lambda k: (sigs.get(k, ("~", ""))[0], k)):
        r = rows[sid]
        det, name = sigs.get(sid, ("?", "?"))
        if not r["expected"] and not r["fp"] and not r["fp_benign"] and not r["tp"]:
            continue
        recall = f"{r['detected']}/{r['expected']}" if r["expected"] else "-"
        denom = r["tp"] + r["fp"] + r["fp_benign"]
        prec = f"{r['tp'] / denom:.2f}" if denom else "-"
        per_day = f"{r['fp_benign'] / device_days:.1f}" if device_days else "-"
        lat, pk = r["lat"], r["pkts"]
        out.append(f"| {det} | {name} | {sid} | {recall} | {prec} | {r['tp']} | {r['fp']} | {r['fp_benign']} | "
                   f"{fmt(statistics.median(lat) if lat else None)} | {fmt(max(lat) if lat else None)} | "
                   f"{statistics.median(pk) if pk else '-'} | {max(pk) if pk else '-'} | {per_day} |")
    by_det = {}
    for sid, r in rows.items():
        d = by_det.setdefault(sigs.get(sid, ("?", ""))[0], {"expected": 0, "detected": 0, "tp": 0, "fp": 0, "fpb": 0})
        d["expected"] += r["expected"]
        d["detected"] += r["detected"]
        d["tp"] += r["tp"]
        d["fp"] += r["fp"]
        d["fpb"] += r["fp_benign"]
    out.append("")
    out.append("| detector | recall | precision | FP labelled | FP benign | FP per device-day |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for det in sorted(by_det):
        d = by_det[det]
        if not d["expected"] and not d["fp"] and not d["fpb"]:
            continue
        denom = d["tp"] + d["fp"] + d["fpb"]
        prec = f"{d['tp'] / denom:.2f}" if denom else "-"
        per_day = f"{d['fpb'] / device_days:.1f}" if device_days else "-"
        out.append(f"| {det} | {d['detected']}/{d['expected']} | {prec} | {d['fp']} | {d['fpb']} | {per_day} |")
    untested = [f"{sid} ({sigs[sid][1]})" for sid in sorted(sigs)
                if not rows[sid]["expected"] and not rows[sid]["fp"] and not rows[sid]["fp_benign"]]
    if untested:
        out.append("")
        out.append("No labelled scenario and no alert: " + ", ".join(untested) + ".")
    out.append("")
    out.append("### Per scenario")
    out.append("")
    out.append("| scenario | MB | packets | labelled | expected: time / packets to the alert | also raised "
               "(allowed) | false alerts |")
    out.append("|---|---:|---:|---:|---|---|---:|")
    out.extend(scen_lines)
    if miss_lines or fp_lines:
        out.append("")
        out.append("Missed and false alerts on the labelled captures:")
        out.append("")
        out.extend(f"- {x}" for x in miss_lines + fp_lines)
    out.append("")
    out.append(f"Benign runs: {len(benign_alerts)} alerts in the per-directory runs, {len(all_run)} in the "
               f"all-directories run.")
    for d, x in benign_alerts[:30]:
        out.append(f"- {d}: {x['sid']} {x['signature']} mac={x['mac']} {x['src']} -> {x['dst']}:{x['dport']}")
    for x in all_run[:30]:
        out.append(f"- all: {x['sid']} {x['signature']} mac={x['mac']} {x['src']} -> {x['dst']}:{x['dport']}")

    # Targets.
    out.append("")
    out.append("### Targets")
    out.append("")
    ok_all = True

    def target(ok, text):
        nonlocal ok_all
        ok_all &= ok
        out.append(f"- **{'PASS' if ok else 'FAIL'}** {text}")

    mirai_ok = bool(target_mirai) and all(lat is not None and lat <= TARGET_MIRAI_S and pk < TARGET_MIRAI_PKTS
                                          for _, _, lat, pk in target_mirai)
    target(mirai_ok, f"Mirai scanning: recall 100% within {TARGET_MIRAI_S:g} s and under {TARGET_MIRAI_PKTS} "
           "packets: " +
           "; ".join(f"{n} {sid}: " + ("missed" if lat is None else f"{lat:.3f} s, {pk} pkts")
                     for n, sid, lat, pk in target_mirai))
    target(not benign_alerts and not all_run,
           f"zero false alerts on all benign captures: {len(benign_alerts)} (per directory), {len(all_run)} "
           f"(all in one run)")
    flood_ok = bool(target_flood) and all(lat is not None and lat <= TARGET_FLOOD_S for _, _, lat in target_flood)
    target(flood_ok, f"each flood found within {TARGET_FLOOD_S:g} s: " +
           "; ".join(f"{n} {sid}: " + ("missed" if lat is None else f"{lat:.3f} s") for n, sid, lat in target_flood))
    if failed:
        out.append("")
        out.append("Runs that failed:")
        out.extend(f"- {x}" for x in failed)

    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    if failed:
        return 2
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
