#!/usr/bin/python3
"""sekisho scan against its peers: the measuring half of bench/scan_bench.sh.

The shell script builds the networks (the device lab, the sweep namespaces) and tears them
down; this script runs the tools inside them, parses what each one found and writes the
results as JSON, then `report` turns them into Markdown and checks the targets.

  scan_bench.py lab    --ns NS --sekisho BIN --out DIR --tmp DIR [...]
  scan_bench.py sweep  --ns NS --iface IF --router-mac MAC --answer FILE --sekisho BIN --out DIR
  scan_bench.py scale  --ns NS --sekisho BIN --out DIR
  scan_bench.py report --out DIR [--markdown FILE]      exit 1 when a target is missed

Every peer command runs under `timeout`, so a stuck tool cannot hang `make bench`; a run
that hit its timeout is counted at the timeout (a lower bound for that tool) and marked.
Passwords never leave the temporary directory (--tmp): hydra reads its combo files there and
writes its output there; results name a credential by its id in the credential file.
Standard library only (Python 3.11+ for tomllib).
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What sekisho's SNMP probe tries (src/scan/probes.cpp); hydra's snmp module gets the same.
SNMP_COMMUNITIES = ["public", "private"]
# hydra login services and the credential-file service each one reads.
HYDRA_SERVICES = {"telnet": "telnet", "ssh": "ssh", "ftp": "ftp", "rtsp": "rtsp",
                  "http-get": "http", "https-get": "http"}


# ---------------------------------------------------------------------------------------------
# running things

def run(cmd, timeout_s, ns=None, stdout=None, stderr=None, cwd=None):
    """Runs cmd (under `timeout`, inside namespace ns); returns wall s, CPU s, peak RSS.

    CPU and RSS come from GNU time wrapped around `timeout`: the rusage a Python parent
    gets from wait4 would carry the parent's own peak RSS (exec keeps the high-water mark
    of the vforked image)."""
    tf = tempfile.NamedTemporaryFile(prefix="scan-bench-time.", delete=False)
    tf.close()
    full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name,
            "timeout", "-k", "5", str(int(timeout_s))] + [str(c) for c in cmd]
    if ns:
        full = ["ip", "netns", "exec", ns] + full
    out = open(stdout, "wb") if isinstance(stdout, (str, Path)) else subprocess.DEVNULL
    err = open(stderr, "wb") if isinstance(stderr, (str, Path)) else subprocess.DEVNULL
    try:
        t0 = time.monotonic()
        rc = subprocess.run(full, stdout=out, stderr=err, cwd=cwd).returncode
        wall = time.monotonic() - t0
        lines = [l for l in Path(tf.name).read_text().splitlines() if l.strip()]
    finally:
        os.unlink(tf.name)
        if out is not subprocess.DEVNULL:
            out.close()
        if err is not subprocess.DEVNULL:
            err.close()
    cpu, rss = 0.0, 0
    try:
        _, u, s_, m = lines[-1].split()
        cpu, rss = float(u) + float(s_), int(m)
    except (IndexError, ValueError):
        pass
    return {"wall": round(wall, 3), "rc": rc, "timed_out": rc in (124, 137, -9),
            "cpu": round(cpu, 3), "rss_kib": rss}


def parallel(jobs):
    """Runs the callables at once; returns their results in order."""
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=len(jobs)) as ex:
        return list(ex.map(lambda f: f(), jobs))


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def show(cmd):
    """A command line for the report: paths inside the repository made relative to it."""
    return " ".join(str(c) for c in cmd).replace(str(ROOT) + "/", "")


# ---------------------------------------------------------------------------------------------
# parsing

def sekisho_default_ports(sekisho):
    """The default port set, read from `sekisho scan --help` so the peers get the same."""
    h = subprocess.run([sekisho, "scan", "--help"], capture_output=True, text=True).stdout
    m = re.search(r"default: the IoT set\s+(T:[^)]*)\)", h)
    if not m:
        sys.exit("scan_bench: cannot find the default port set in `sekisho scan --help`")
    spec = re.sub(r"\s+", "", m.group(1))
    tcp, udp = spec.split(",U:")
    return tcp[2:], udp


def parse_sekisho(path):
    services, findings, summary = [], set(), {}
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        r = json.loads(line)
        if r["type"] == "service":
            services.append((r["ip"], r["port"], r["proto"], r.get("service", ""),
                             " ".join(x for x in (r.get("product"), r.get("version")) if x)))
        elif r["type"] == "finding":
            findings.add((r["ip"], r["port"], r["id"], r.get("credential_id") or ""))
        elif r["type"] == "summary":
            summary = r
    return services, findings, summary


def parse_nmap(path):
    """Open ports from nmap XML: (ip, port, proto, name, product version, tunnel, extrainfo)."""
    out = []
    if not Path(path).exists() or Path(path).stat().st_size == 0:
        return out
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return out
    for h in root.iter("host"):
        ip = h.find("address").get("addr")
        for p in h.iter("port"):
            if p.find("state").get("state") != "open":
                continue
            s = p.find("service")
            a = s.attrib if s is not None else {}
            prod = " ".join(x for x in (a.get("product"), a.get("version")) if x)
            out.append((ip, int(p.get("portid")), p.get("protocol"), a.get("name", ""), prod,
                        a.get("tunnel", ""), a.get("extrainfo", "")))
    return out


def parse_masscan(path):
    out = set()
    if Path(path).exists():
        for line in open(path):
            f = line.split()
            if len(f) >= 4 and f[0] == "open" and f[1] == "tcp":
                out.add((f[3], int(f[2])))
    return out


HYDRA_FOUND = re.compile(r"^\[(\d+)\]\[([\w-]+)\] host: (\S+)\s+(?:login: (.*?)\s+)?password: ?(.*)$")


# ---------------------------------------------------------------------------------------------
# the lab benchmark

class Credentials:
    def __init__(self, path):
        data = tomllib.load(open(path, "rb"))
        self.version = data.get("version", "?")
        self.entries = data["credential"]

    def for_service(self, svc):
        return [c for c in self.entries if "services" not in c or svc in c["services"]]

    def id_of(self, svc, user, password):
        for c in self.for_service(svc):
            if c["user"] == user and c["password"] == password:
                return c["id"]
        return "unlisted pair"


def write_combos(creds, tmp):
    """hydra's colon combo files, one per login service, in the credential file's order."""
    files = {}
    for svc in sorted(set(HYDRA_SERVICES.values())):
        f = Path(tmp) / f"combo_{svc}.txt"
        with open(f, "w") as fh:
            for c in creds.for_service(svc):
                if ":" in c["user"]:
                    continue  # hydra splits at the first colon; none in the list today
                fh.write(f"{c['user']}:{c['password']}\n")
        os.chmod(f, 0o600)
        files[svc] = f
    f = Path(tmp) / "snmp_communities.txt"
    f.write_text("".join(c + "\n" for c in SNMP_COMMUNITIES))
    files["snmp"] = f
    return files


def http_precheck(ns, ip, port, tls, tmp, timeout_s):
    """GET / once (curl): status and auth scheme, to pick the pages that ask for a login."""
    url = f"{'https' if tls else 'http'}://{ip}:{port}/"
    hdr = Path(tmp) / f"curl_{ip}_{port}.txt"
    r = run(["curl", "-sk", "-m", "5", "-o", "/dev/null", "-D", hdr, url], timeout_s, ns=ns)
    status, scheme = 0, ""
    if hdr.exists():
        for line in hdr.read_text(errors="replace").splitlines():
            m = re.match(r"HTTP/[\d.]+ (\d+)", line)
            if m:
                status = int(m.group(1))
            m = re.match(r"(?i)www-authenticate:\s*(\w+)", line)
            if m:
                scheme = m.group(1).lower()
        hdr.unlink()
    return {"url": url, "status": status, "scheme": scheme, "wall": r["wall"]}


def peer_run(a, i, targets, tcp_ports, udp_ports, combos, creds):
    out, tmp = Path(a.out), Path(a.tmp)
    tcp_xml, udp_xml = out / f"lab-nmap-tcp-{i}.xml", out / f"lab-nmap-udp-{i}.xml"
    nmap_tcp = ["nmap", "-n", "-Pn", "-sS", "-sV", "-p", tcp_ports, "-oX", tcp_xml, "-iL", targets]
    nmap_udp = ["nmap", "-n", "-Pn", "-sU", "-sV", "-p", udp_ports, "-oX", udp_xml, "-iL", targets]
    t0 = time.monotonic()
    r_tcp, r_udp = parallel([lambda: run(nmap_tcp, a.nmap_timeout, ns=a.ns),
                             lambda: run(nmap_udp, a.nmap_timeout, ns=a.ns)])
    t_nmap = time.monotonic() - t0
    services = parse_nmap(tcp_xml) + parse_nmap(udp_xml)

    # What hydra gets: every login service nmap found, HTTP only where GET / asks for Basic or
    # Digest (hydra's http-get "finds" a password on any page that does not ask for one).
    jobs, skipped, checks = [], [], []
    for (ip, port, proto, name, prod, tunnel, extra) in services:
        if proto == "udp":
            if port == 161 or name == "snmp":
                jobs.append(("snmp", ip, port, ["-P", combos["snmp"], f"snmp://{ip}:{port}"]))
            continue
        if "mqtt" in name or "mosquitto" in name:
            skipped.append((ip, port, "mqtt: hydra 9.4 has no MQTT module"))
        elif name in ("telnet", "ssh", "ftp", "rtsp"):
            tasks = "4" if name == "ssh" else "16"
            jobs.append((name, ip, port, ["-t", tasks, "-C", combos[HYDRA_SERVICES[name]],
                                          f"{name}://{ip}:{port}"]))
        else:
            checks.append((ip, port, tunnel == "ssl" or name in ("https", "ssl/http")))
    t1 = time.monotonic()
    pre = parallel([lambda c=c: http_precheck(a.ns, c[0], c[1], c[2], tmp, 10) for c in checks])
    t_pre = time.monotonic() - t1
    for (ip, port, tls), p in zip(checks, pre):
        if p["status"] == 401 and p["scheme"] in ("basic", "digest"):
            mod = "https-get" if tls else "http-get"
            jobs.append((mod, ip, port, ["-t", "16", "-C", combos["http"], f"{mod}://{ip}:{port}/"]))
        else:
            skipped.append((ip, port, f"GET / -> {p['status'] or 'no answer'}"
                                      f"{' ' + p['scheme'] if p['scheme'] else ''}: no login page"))

    def hydra(job, k):
        mod, ip, port, args = job
        # -I: no restore file; -f: stop at the first valid pair (NOTICE's rule, and sekisho's).
        cmd = ["hydra", "-I", "-f"] + (["-t", "16"] if mod == "snmp" else []) + args
        log = tmp / f"hydra-{i}-{k}.out"
        r = run(cmd, a.hydra_timeout, ns=a.ns, stdout=log, stderr=log, cwd=tmp)
        found = []
        for line in log.read_text(errors="replace").splitlines():
            m = HYDRA_FOUND.match(line.rstrip("\r"))
            if m:
                user, pw = m.group(4) or "", m.group(5)
                if mod == "snmp":
                    found.append("community " + pw if pw in SNMP_COMMUNITIES else "unlisted community")
                else:
                    found.append(creds.id_of(HYDRA_SERVICES[mod], user, pw))
        log.unlink()
        shown = [str(x) for x in cmd]
        shown = [("<tmp>/" + Path(x).name) if x.startswith(str(tmp)) else x for x in shown]
        return {"module": mod, "ip": ip, "port": port, "cmd": " ".join(shown), "found": found, **r}

    t2 = time.monotonic()
    hyd = parallel([lambda j=j, k=k: hydra(j, k) for k, j in enumerate(jobs)])
    t_hydra = time.monotonic() - t2
    return {
        "nmap": round(t_nmap, 3), "precheck": round(t_pre, 3), "hydra": round(t_hydra, 3),
        "total": round(t_nmap + t_pre + t_hydra, 3),
        "nmap_tcp": r_tcp, "nmap_udp": r_udp,
        "timed_out": r_tcp["timed_out"] or r_udp["timed_out"] or any(h["timed_out"] for h in hyd),
        "services": services, "hydra_jobs": hyd, "skipped": skipped,
        "prechecks": pre,
        "cmd_nmap_tcp": show(nmap_tcp).replace(str(out) + "/", "<out>/"),
        "cmd_nmap_udp": show(nmap_udp).replace(str(out) + "/", "<out>/"),
    }


def peer_findings(run_):
    """Peer output mapped to sekisho's finding ids. 'reported': the tool's output says it;
    'inferable': an analyst could conclude it from the output (noted how)."""
    f = {}
    for (ip, port, proto, name, prod, tunnel, extra) in run_["services"]:
        if proto == "tcp" and name == "telnet":
            f[(ip, port, "telnet-open")] = ("reported", "nmap: telnet open")
        if proto == "udp" and port == 5683 and "coap" in name:
            f[(ip, port, "coap-open")] = ("reported", "nmap: coap open")
        if proto == "udp" and port == 1900 and name.startswith("upnp"):
            f[(ip, port, "upnp-exposed")] = ("reported", "nmap: upnp open")
        if proto == "tcp" and name.startswith("mosquitto version"):
            f[(ip, port, "anonymous-mqtt")] = (
                "inferable", "nmap's mqtt-subscribe version script read $SYS without a login")
        if proto == "udp" and port == 161 and "(public)" in (prod + " " + extra + " " + name):
            f.setdefault((ip, port, "snmp-public"), ("inferable", "nmap -sV SNMP probe answered to public"))
    for h in run_["hydra_jobs"]:
        if not h["found"]:
            continue
        if h["module"] == "snmp":
            f[(h["ip"], h["port"], "snmp-public")] = ("reported", "hydra snmp: " + ", ".join(h["found"]))
        else:
            f[(h["ip"], h["port"], "default-credentials")] = ("reported", "hydra: " + ", ".join(h["found"]))
            if h["module"] == "http-get":
                f[(h["ip"], h["port"], "cleartext-login")] = (
                    "inferable", "hydra logged in over plain HTTP")
    return f


def cmd_lab(a):
    out, tmp = Path(a.out), Path(a.tmp)
    out.mkdir(parents=True, exist_ok=True)
    devices = json.load(open(a.devices))
    # Only what the report needs: no credentials from the manifest in the results.
    devs = [{k: d[k] for k in ("name", "ip", "role", "expected_findings") if k in d}
            for d in devices if d["role"] in ("weak", "strong")]
    targets = out / "lab-targets.txt"
    targets.write_text("".join(d["ip"] + "\n" for d in devs))
    tcp_ports, udp_ports = sekisho_default_ports(a.sekisho)
    creds = Credentials(a.credentials)
    combos = write_combos(creds, tmp)

    sk_cmd = lambda i: [a.sekisho, "scan", "--scope", a.scope, "-iL", targets,
                        "--per-device", str(a.per_device), "-oJ", out / f"lab-sekisho-{i}.jsonl", "-q"]
    runs = []
    for i in range(a.runs):
        print(f"lab run {i + 1}/{a.runs}: sekisho", file=sys.stderr, flush=True)
        r = run(sk_cmd(i), a.nmap_timeout, ns=a.ns, stderr=out / f"lab-sekisho-{i}.err")
        services, findings, summary = parse_sekisho(out / f"lab-sekisho-{i}.jsonl")
        sk = {**r, "services": services, "findings": sorted(findings), "summary": summary}
        time.sleep(a.settle)
        print(f"lab run {i + 1}/{a.runs}: nmap + hydra", file=sys.stderr, flush=True)
        pr = peer_run(a, i, targets, tcp_ports, udp_ports, combos, creds)
        pr["findings"] = sorted([list(k) + list(v) for k, v in peer_findings(pr).items()])
        runs.append({"sekisho": sk, "peer": pr})
        print(f"  sekisho {sk['wall']:.1f} s; nmap {pr['nmap']:.1f} s + checks {pr['precheck']:.1f} s"
              f" + hydra {pr['hydra']:.1f} s", file=sys.stderr, flush=True)
        time.sleep(a.settle)
    res = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": machine(), "versions": versions(a.sekisho),
        "devices": devs, "tcp_ports": tcp_ports, "udp_ports": udp_ports,
        "scope": a.scope, "per_device": a.per_device, "runs": runs,
        "credentials_version": creds.version,
        "credential_counts": {s: len(creds.for_service(s)) for s in sorted(set(HYDRA_SERVICES.values()))},
        "cmd_sekisho": show(sk_cmd("N")).replace(str(out) + "/", "<out>/"),
        "nmap_timeout": a.nmap_timeout, "hydra_timeout": a.hydra_timeout,
    }
    (out / "lab.json").write_text(json.dumps(res, indent=1))


# ---------------------------------------------------------------------------------------------
# the sweep

def cmd_sweep(a):
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    answer = [l.strip() for l in open(a.answer) if l.strip()]
    truth = {(ip, p) for ip in answer for p in (23, 80)}
    R = str(a.rate)
    tools = {
        "sekisho": lambda f: [a.sekisho, "scan", "--scope", a.targets, a.targets, "--no-login",
                              "--ports", "T:23,80", "--rate", R, "--max-hosts", "4096", "-oJ", f, "-q"],
        "nmap": lambda f: ["nmap", "-n", "-Pn", "-sS", "-p23,80", "--max-rate", R,
                           "--max-retries", "1", "-oX", f, a.targets],
        "nmap-min-rate": lambda f: ["nmap", "-n", "-Pn", "-sS", "-p23,80", "--min-rate", R,
                                    "--max-rate", R, "--max-retries", "1", "-oX", f, a.targets],
        "masscan": lambda f: ["masscan", a.targets, "-p23,80", "--rate", R, "-e", a.iface,
                              "--router-mac", a.router_mac, "--wait", "2", "-oL", f],
    }
    ext = {"sekisho": "jsonl", "nmap": "xml", "nmap-min-rate": "xml", "masscan": "lst"}
    runs = {t: [] for t in tools}
    for i in range(a.runs):
        for t, mk in tools.items():
            print(f"sweep run {i + 1}/{a.runs}: {t}", file=sys.stderr, flush=True)
            f = out / f"sweep-{t}-{i}.{ext[t]}"
            if f.exists():
                f.unlink()
            r = run(mk(f), a.timeout, ns=a.ns, stderr=out / f"sweep-{t}-{i}.err")
            if t == "sekisho":
                found = {(s[0], s[1]) for s in parse_sekisho(f)[0] if s[2] == "tcp"} if f.exists() else set()
            elif t == "masscan":
                found = parse_masscan(f)
            else:
                found = {(s[0], s[1]) for s in parse_nmap(f) if s[2] == "tcp"}
            r.update({"recall": len(found & truth), "false": len(found - truth)})
            runs[t].append(r)
            print(f"  {r['wall']:.2f} s, {r['recall']}/{len(truth)} open ports, {r['false']} false",
                  file=sys.stderr, flush=True)
            time.sleep(a.settle)
    res = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(),
           "versions": versions(a.sekisho), "rate": a.rate, "targets": a.targets,
           "answering": len(answer), "open": len(truth), "runs": runs, "timeout": a.timeout,
           "cmds": {t: show(mk("<out>")).replace(a.router_mac, "<peer mac>") for t, mk in tools.items()}}
    (out / "sweep.json").write_text(json.dumps(res, indent=1))


# ---------------------------------------------------------------------------------------------
# one process at scale: 65,536 addresses, 2 ports, for docs/SCAN_SCALE.md

def slab_sizes():
    sizes = {}
    try:
        for line in open("/proc/slabinfo"):
            f = line.split()
            if f and f[0] in ("TCP", "sock_inode_cache", "filp", "dentry", "eventpoll_epi"):
                sizes[f[0]] = int(f[3])
    except OSError:
        pass
    return sizes


def cmd_scale(a):
    out = Path(a.out)
    configs = [(1000, 4096), (1000, 16384), (250, 16384)]
    res = []
    for to, hosts in configs:
        f = out / f"scale-{to}-{hosts}.jsonl"
        cmd = [a.sekisho, "scan", "--scope", a.targets, a.targets, "--no-login", "--ports", "T:23,80",
               "--rate", "100000", "--max-hosts", str(hosts), "--timeout", str(to), "-oJ", f, "-q"]
        print(f"scale: timeout {to} ms, {hosts} hosts in progress", file=sys.stderr, flush=True)
        r = run(cmd, a.timeout, ns=a.ns, stderr=out / f"scale-{to}-{hosts}.err")
        _, _, summary = parse_sekisho(f) if f.exists() else ([], set(), {})
        jbytes = f.stat().st_size if f.exists() else 0
        if f.exists():
            f.unlink()  # about 9 MB each; the summary is all the report needs
        r.update({"timeout_ms": to, "max_hosts": hosts, "summary": summary, "json_bytes": jbytes,
                  "cmd": show(cmd).replace(str(out) + "/", "<out>/")})
        res.append(r)
        print(f"  {r['wall']:.2f} s, {summary.get('connections', 0)} connections, "
              f"CPU {r['cpu']:.2f} s, RSS {r['rss_kib'] // 1024} MiB", file=sys.stderr, flush=True)
        time.sleep(a.settle)
    (out / "scale.json").write_text(json.dumps({
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(),
        "targets": a.targets, "runs": res, "slab": slab_sizes()}, indent=1))


# ---------------------------------------------------------------------------------------------
# the report

def machine():
    model = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {model}, Linux {platform.release()}"


def versions(sekisho):
    def first(cmd, pat=None):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            txt = (p.stdout + p.stderr).strip().splitlines()
            txt = [l for l in txt if l.strip()]
            if pat:
                txt = [l for l in txt if re.search(pat, l)]
            return txt[0].strip() if txt else "?"
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    return {"nmap": first(["nmap", "--version"], "Nmap version"),
            "hydra": first(["hydra", "-h"], "^Hydra v").split(" (c)")[0],
            "masscan": first(["masscan", "--version"], "Masscan version").split(" (")[0],
            "curl": first(["curl", "--version"]).split(" (")[0]}


def fmt(x):
    return f"{x:.2f}" if x < 100 else f"{x:.1f}"


def lab_report(lab, md, fails):
    runs = lab["runs"]
    n = len(runs)
    sk = [r["sekisho"]["wall"] for r in runs]
    pn = [r["peer"]["nmap"] for r in runs]
    pc = [r["peer"]["precheck"] for r in runs]
    ph = [r["peer"]["hydra"] for r in runs]
    pt = [r["peer"]["total"] for r in runs]
    any_to = any(r["peer"]["timed_out"] for r in runs)
    ge = "≥ " if any_to else ""
    ratio = med(pt) / med(sk)
    ok_ratio = ratio >= 5
    devs = lab["devices"]
    last = runs[-1]
    summ = last["sekisho"]["summary"]
    md.append(f"#### Scan: the device lab ({lab['date']}, {lab['machine']})")
    md.append("")
    md.append(f"Command: `bench/scan_bench.sh` (RUNS={n}; min and median wall time; the two sides "
              f"alternate, sekisho first, on the same lab brought up once for all runs). Targets: "
              f"the {len(devs)} weak and strong devices of `lab/devices.json` "
              f"({sum(d['role'] == 'weak' for d in devs)} weak, {sum(d['role'] == 'strong' for d in devs)} strong), "
              f"TCP {lab['tcp_ports']} and UDP {lab['udp_ports']} (sekisho's default set). "
              f"Credentials: `data/credentials/default.toml` {lab['credentials_version']} "
              f"({', '.join(f'{k} {v}' for k, v in lab['credential_counts'].items())} pairs; "
              f"SNMP communities {', '.join(SNMP_COMMUNITIES)}). "
              f"{lab['versions']['nmap']}, {lab['versions']['hydra']}.")
    md.append("")
    md.append("| side | what | min s | median s | CPU s (median) |")
    md.append("|---|---|---:|---:|---:|")
    cpu_sk = med([r["sekisho"]["cpu"] for r in runs])
    cpu_nm = med([r["peer"]["nmap_tcp"]["cpu"] + r["peer"]["nmap_udp"]["cpu"] for r in runs])
    cpu_hy = med([sum(h["cpu"] for h in r["peer"]["hydra_jobs"]) for r in runs])
    md.append(f"| **sekisho scan** `--per-device {lab['per_device']}` | discovery, services, logins, "
              f"versions, findings in one process ({summ.get('connections', '?')} connections, "
              f"{summ.get('datagrams', '?')} datagrams, {summ.get('login_attempts', '?')} login attempts in the last run) "
              f"| {fmt(min(sk))} | **{fmt(med(sk))}** | {cpu_sk:.2f} |")
    md.append(f"| nmap | `-sS -sV` TCP and `-sU -sV` UDP, the two at once | {fmt(min(pn))} | {fmt(med(pn))} | {cpu_nm:.2f} |")
    md.append(f"| curl | `GET /` on each other TCP service nmap found, at once (which pages ask for Basic/Digest) "
              f"| {fmt(min(pc))} | {fmt(med(pc))} | |")
    njobs = len(last["peer"]["hydra_jobs"])
    md.append(f"| hydra | {njobs} jobs at once, `-f` (stop at the first valid pair), 16 tasks (ssh 4) "
              f"| {fmt(min(ph))} | {fmt(med(ph))} | {cpu_hy:.2f} |")
    md.append(f"| **nmap + hydra** | total | {fmt(min(pt))} | **{ge}{fmt(med(pt))}** | |")
    md.append("")
    md.append(f"Ratio (median nmap + hydra / median sekisho): **{ge}{ratio:.1f}x** "
              f"(target ≥ 5: {'met' if ok_ratio else '**not met**'}).")
    if any_to:
        md.append(f"A peer command hit its timeout in at least one run (nmap {lab['nmap_timeout']} s, hydra "
                  f"{lab['hydra_timeout']} s) and is counted at the timeout, so the peer time is a lower bound.")
    if not ok_ratio:
        fails.append(f"lab: nmap + hydra / sekisho = {ratio:.1f}x < 5")
    md.append("")
    md.append("hydra jobs (last run; the module and target come from nmap's services):")
    md.append("")
    md.append(f"| target | module | wall s | result | valid pair found in |")
    md.append("|---|---|---:|---|---:|")

    def hits(h):
        k = sum(1 for r in runs for j in r["peer"]["hydra_jobs"]
                if (j["ip"], j["port"], j["module"]) == (h["ip"], h["port"], h["module"]) and j["found"])
        return f"{k}/{n} runs"
    for h in sorted(last["peer"]["hydra_jobs"], key=lambda h: (tuple(map(int, h["ip"].split("."))), h["port"])):
        res = ", ".join(h["found"]) if h["found"] else "no valid pair"
        if h["timed_out"]:
            res += f" (timed out at {lab['hydra_timeout']} s)"
        md.append(f"| {h['ip']}:{h['port']} | {h['module']} | {fmt(h['wall'])} | {res} | {hits(h)} |")
    for ip, port, why in sorted(last["peer"]["skipped"], key=lambda s: (tuple(map(int, s[0].split("."))), s[1])):
        md.append(f"| {ip}:{port} | — | | not tried: {why} | |")
    md.append("")

    # Findings side by side.
    role = {d["ip"]: d for d in devs}
    expected = {(d["ip"], f["port"], f["id"]) for d in devs for f in d.get("expected_findings", [])}
    all_ok = True
    per_run_notes = []
    for k, r in enumerate(runs):
        skf = {(f[0], f[1], f[2]) for f in r["sekisho"]["findings"] if f[0] in role}
        pf = {(f[0], f[1], f[2]) for f in r["peer"]["findings"]}
        missing = pf - skf
        if missing:
            all_ok = False
            per_run_notes.append(f"run {k + 1}: peer found, sekisho did not: "
                                 + ", ".join(f"{ip}:{p} {i}" for ip, p, i in sorted(missing)))
    skf = {(f[0], f[1], f[2]): f[3] for f in last["sekisho"]["findings"] if f[0] in role}
    pf = {(f[0], f[1], f[2]): (f[3], f[4]) for f in last["peer"]["findings"]}
    md.append("Findings side by side (last run; `id@port`). nmap and hydra report no finding ids: a peer "
              "finding counts when its output says it (telnet-open = nmap sees telnet open; "
              "default-credentials = hydra found a valid pair; snmp-public = hydra's snmp module found "
              "`public`; coap-open / upnp-exposed = nmap sees the UDP service answer); *italic* = not "
              "stated, but an analyst could infer it from the output; vulnerable-version needs a CVE "
              "lookup that nmap only does online (vulners), so the peer has none.")
    md.append("")
    md.append("| device | ip | role | expected (`lab/devices.json`) | sekisho | nmap + hydra |")
    md.append("|---|---|---|---|---|---|")

    def cell(items):
        return ", ".join(items) if items else "—"
    for d in devs:
        ip = d["ip"]
        exp = [f"{f['id']}@{f['port']}" for f in d.get("expected_findings", [])]
        s = [f"{i}@{p}" + (f" ({c})" if c else "") for (a_, p, i), c in sorted(skf.items()) if a_ == ip]
        p_ = [(f"*{i}@{p}*" if how == "inferable" else f"{i}@{p}") for (a_, p, i), (how, _) in sorted(pf.items()) if a_ == ip]
        md.append(f"| {d['name']} | {ip} | {d['role']} | {cell(exp)} | {cell(s)} | {cell(p_)} |")
    md.append("")
    exp_w = {e for e in expected}
    sk_hit = len(exp_w & set(skf))
    p_rep = {k for k, v in pf.items() if v[0] == "reported"}
    p_inf = {k for k, v in pf.items() if v[0] == "inferable"}
    strong = {d["ip"] for d in devs if d["role"] == "strong"}
    sk_fp = [k for k in skf if k[0] in strong] + [k for k in skf if k not in expected and k[0] not in strong]
    p_fp = [k for k in pf if k not in expected]
    md.append(f"Expected findings found: sekisho **{sk_hit}/{len(exp_w)}**, nmap + hydra "
              f"**{len(exp_w & p_rep)}/{len(exp_w)}** stated (+{len(exp_w & p_inf)} inferable). "
              f"Findings not in the manifest (on the strong twins or extra): sekisho {len(sk_fp)}, "
              f"nmap + hydra {len(p_fp)}.")
    md.append(f"Every finding of nmap + hydra also found by sekisho, in every run: "
              f"{'yes' if all_ok else '**no**'}.")
    for note in per_run_notes:
        md.append(f"- {note}")
    if not all_ok:
        fails.append("lab: sekisho missed a finding that nmap + hydra made")
    changes = []
    for k, r in enumerate(runs):
        if sorted(map(tuple, r["sekisho"]["findings"])) != sorted(map(tuple, last["sekisho"]["findings"])):
            changes.append(f"sekisho run {k + 1}")
        if sorted(map(tuple, r["peer"]["findings"])) != sorted(map(tuple, last["peer"]["findings"])):
            changes.append(f"nmap + hydra run {k + 1}")
    if changes:
        md.append(f"Findings differed from the last run in: {', '.join(changes)} (see `bench/out/scan/lab.json`).")
    md.append("")
    md.append("Commands (inside the lab's scanner namespace; `<out>` = `bench/out/scan`, `<tmp>` = a 0700 "
              "temporary directory, the only place passwords are written):")
    md.append("")
    md.append(f"- `{lab['cmd_sekisho']}`")
    md.append(f"- `timeout {lab['nmap_timeout']} {last['peer']['cmd_nmap_tcp']}` and, at the same time, "
              f"`timeout {lab['nmap_timeout']} {last['peer']['cmd_nmap_udp']}`")
    md.append(f"- `curl -sk -m 5 -o /dev/null -D <tmp>/hdr URL` for each other TCP service")
    md.append(f"- `timeout {lab['hydra_timeout']} hydra ...` as listed above, e.g. "
              f"`{last['peer']['hydra_jobs'][0]['cmd'] if last['peer']['hydra_jobs'] else ''}`")
    md.append("")
    return ratio


def sweep_report(sw, md, fails):
    md.append(f"#### Scan: sweep of {sw['targets']} ({sw['date']}, {sw['machine']})")
    md.append("")
    md.append(f"4,096 addresses routed over a veth pair into one namespace; {sw['answering']} of them answer "
              f"on 23 (a telnet login prompt) and 80 (HTTP 200), {sw['open']} open ports in all; the other "
              f"addresses are dropped by nftables (no RST, no ICMP, like most of the Internet). The same "
              f"rate setting, {sw['rate']} per second, for every tool; RUNS={len(next(iter(sw['runs'].values())))}, "
              f"min and median wall time. A ping every 0.2 s runs across the link the whole time "
              f"(masscan 1.3.2's receive thread only notices the end of its `--wait` when a packet arrives; "
              f"on a silent link it hangs, robertdavidgraham/masscan#144). "
              f"{sw['versions']['nmap']}, {sw['versions']['masscan']}.")
    md.append("")
    md.append("| tool | what it does per open port | min s | median s | open ports found (min..max of runs) | false | CPU s | peak RSS MiB |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|")
    what = {"sekisho": "TCP connect, banner and protocol handshake (telnet prompt, HTTP server and title); "
                       "4,094 addresses (the scope's network and broadcast addresses are skipped)",
            "nmap": "SYN, `--max-rate` only (nmap slows itself down when probes go unanswered)",
            "nmap-min-rate": "SYN, `--min-rate` = `--max-rate`",
            "masscan": "SYN, its own TCP stack, `--wait 2`"}
    sk_ok = True
    for t, rs in sw["runs"].items():
        walls = [r["wall"] for r in rs]
        rec = [r["recall"] for r in rs]
        to = any(r["timed_out"] for r in rs)
        md.append(f"| {'**sekisho scan**' if t == 'sekisho' else t} | {what[t]} | {fmt(min(walls))} | "
                  f"{'≥ ' if to else ''}{fmt(med(walls))} | {min(rec)}..{max(rec)} / {sw['open']} | "
                  f"{max(r['false'] for r in rs)} | {med([r['cpu'] for r in rs]):.2f} | "
                  f"{max(r['rss_kib'] for r in rs) // 1024} |")
        if t == "sekisho" and (min(rec) < sw["open"] or max(r["false"] for r in rs) > 0):
            sk_ok = False
    md.append("")
    md.append(f"Target: sekisho finds every open port with no false one in every run: "
              f"{'met' if sk_ok else '**not met**'}. Wall time is reported, not targeted: sekisho also "
              f"identifies each service, the SYN scanners only see the port open.")
    if not sk_ok:
        fails.append("sweep: sekisho missed an open port or reported a false one")
    md.append("")
    md.append("Commands (inside the sweep's scanner namespace, each under `timeout "
              f"{sw['timeout']}`):")
    md.append("")
    for t, c in sw["cmds"].items():
        md.append(f"- {t}: `{c}`")
    md.append("")


def scale_report(sc, md):
    md.append(f"#### Scan: one sekisho process on {sc['targets']} ({sc['date']}, {sc['machine']})")
    md.append("")
    md.append("65,536 addresses × ports 23 and 80, 50 answering, the rest silent; `--rate 100000` so the "
              "rate is never the limit. Connections = connect attempts including the one retry after a "
              "connect timeout.")
    md.append("")
    md.append("| --timeout ms | --max-hosts | wall s | connections | connections/s | CPU s | CPU µs/connection | peak RSS MiB | -oJ bytes/address |")
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in sc["runs"]:
        c = r["summary"].get("connections", 0)
        nh = max(r["summary"].get("hosts", 0), 1)
        md.append(f"| {r['timeout_ms']} | {r['max_hosts']} | {fmt(r['wall'])} | {c} | {c / r['wall']:.0f} | "
                  f"{r['cpu']:.2f} | {1e6 * r['cpu'] / max(c, 1):.1f} | {r['rss_kib'] // 1024} | "
                  f"{r.get('json_bytes', 0) / nh:.0f} |")
    md.append("")
    if sc.get("slab"):
        md.append("Kernel object sizes on this machine (`/proc/slabinfo`, bytes): "
                  + ", ".join(f"{k} {v}" for k, v in sorted(sc["slab"].items())) + ".")
        md.append("")


def cmd_report(a):
    out = Path(a.out)
    md, fails = [], []
    if (out / "lab.json").exists():
        lab_report(json.load(open(out / "lab.json")), md, fails)
    elif "lab" in a.expect:
        fails.append("lab: no results (the lab part failed)")
    if (out / "sweep.json").exists():
        sweep_report(json.load(open(out / "sweep.json")), md, fails)
    elif "sweep" in a.expect:
        fails.append("sweep: no results (the sweep part failed)")
    if (out / "scale.json").exists():
        scale_report(json.load(open(out / "scale.json")), md)
    if fails:
        md.append("Targets missed: " + "; ".join(fails) + ".")
        md.append("")
    text = "\n".join(md)
    print(text)
    if a.markdown:
        Path(a.markdown).write_text(text + "\n")
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    lab = sub.add_parser("lab")
    lab.add_argument("--ns", required=True)
    lab.add_argument("--sekisho", required=True)
    lab.add_argument("--out", required=True)
    lab.add_argument("--tmp", required=True)
    lab.add_argument("--devices", default=str(ROOT / "lab/devices.json"))
    lab.add_argument("--credentials", default=str(ROOT / "data/credentials/default.toml"))
    lab.add_argument("--scope", default="10.231.0.0/24")
    lab.add_argument("--per-device", type=int, default=16)
    lab.add_argument("--runs", type=int, default=3)
    lab.add_argument("--nmap-timeout", type=int, default=600)
    lab.add_argument("--hydra-timeout", type=int, default=120)
    lab.add_argument("--settle", type=float, default=2.0)
    sw = sub.add_parser("sweep")
    sw.add_argument("--ns", required=True)
    sw.add_argument("--iface", required=True)
    sw.add_argument("--router-mac", required=True)
    sw.add_argument("--answer", required=True)
    sw.add_argument("--targets", default="10.232.0.0/20")
    sw.add_argument("--sekisho", required=True)
    sw.add_argument("--out", required=True)
    sw.add_argument("--rate", type=int, default=10000)
    sw.add_argument("--runs", type=int, default=3)
    sw.add_argument("--timeout", type=int, default=600)
    sw.add_argument("--settle", type=float, default=1.0)
    sc = sub.add_parser("scale")
    sc.add_argument("--ns", required=True)
    sc.add_argument("--sekisho", required=True)
    sc.add_argument("--out", required=True)
    sc.add_argument("--targets", default="10.232.0.0/16")
    sc.add_argument("--timeout", type=int, default=300)
    sc.add_argument("--settle", type=float, default=1.0)
    rp = sub.add_parser("report")
    rp.add_argument("--out", required=True)
    rp.add_argument("--markdown")
    rp.add_argument("--expect", default="", help="parts that must have results (e.g. 'lab sweep')")
    a = ap.parse_args()
    if a.cmd == "lab":
        cmd_lab(a)
    elif a.cmd == "sweep":
        cmd_sweep(a)
    elif a.cmd == "scale":
        cmd_scale(a)
    else:
        sys.exit(cmd_report(a))


if __name__ == "__main__":
    main()
