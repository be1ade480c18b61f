#!/usr/bin/python3
"""Helper for lab/up, lab/down and the lab tests (standard library only).

  labctl.py list [--only A,B] [--state DIR]    one line per device (lab/up --list)
  labctl.py names [--only A,B]                  device names in manifest order (validates --only)
  labctl.py get NAME FIELD                      a top-level field of a device (ip, role, ...)
  labctl.py render TEMPLATE OUT KEY=VAL...      replace @KEY@ in TEMPLATE, fail on a leftover
  labctl.py check --state DIR [--timeout S] NAME...   readiness: every service answers
  labctl.py verify --state DIR NAME...          deeper: valid logins work, wrong ones fail,
                                                strong twins refuse the defaults, hostile
                                                behaves badly, the recorder records
  labctl.py reset-log --state DIR NAME...       start the recorder logs afresh (SIGUSR1)

check and verify talk to the devices, so run them inside the scanner namespace
(ip netns exec <prefix>-scan ...). Real clients are used where Debian has them
(snmpget, mosquitto_pub, coap-client-notls, dbclient); Python's own ftplib, http.client and
ssl elsewhere, and a small telnet client here."""

import base64
import hashlib
import http.client
import ftplib
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

LAB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFEST = os.path.join(LAB, "devices.json")


class CheckError(Exception):
    pass


def load():
    with open(MANIFEST) as f:
        return json.load(f)


def devices_by_name():
    return {d["name"]: d for d in load()}


def select(only):
    devs = load()
    if not only:
        return devs
    wanted = [n for n in only.split(",") if n]
    known = {d["name"] for d in devs}
    bad = [n for n in wanted if n not in known]
    if bad:
        sys.exit("lab: unknown device %s (known: %s)" % (", ".join(bad), ", ".join(d["name"] for d in devs)))
    return [d for d in devs if d["name"] in wanted]


def secrets(state):
    try:
        with open(os.path.join(state, "secrets.json")) as f:
            return json.load(f)
    except OSError:
        return {}


def cmd_list(args):
    only, state = opt(args, "--only"), opt(args, "--state", "/run/sekisho-lab")
    for d in select(only):
        svcs = ",".join("%d/%s:%s" % (s["port"], s["proto"], s["service"]) for s in d["services"])
        found = ",".join("%s@%d" % (f["id"], f["port"]) for f in d["expected_findings"]) or "-"
        extra = ""
        if "log" in d:
            extra = "  log=%s" % os.path.join(state, d["log"])
        print("%-13s %-12s %-64s %-6s %s%s" % (d["name"], d["ip"], svcs, d["role"], found, extra))


def cmd_names(args):
    for d in select(opt(args, "--only")):
        print(d["name"])


def cmd_get(args):
    name, field = args
    d = devices_by_name().get(name)
    if d is None or field not in d:
        sys.exit("lab: no field %s for device %s in %s" % (field, name, MANIFEST))
    v = d[field]
    print(v if isinstance(v, str) else json.dumps(v))


def cmd_render(args):
    tpl, out, pairs = args[0], args[1], args[2:]
    with open(tpl) as f:
        text = f.read()
    for p in pairs:
        k, _, v = p.partition("=")
        text = text.replace("@%s@" % k, v)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        sys.exit("lab: %s: no value for %s" % (tpl, ", ".join(sorted(set(left)))))
    with open(out, "w") as f:
        f.write(text)


def opt(args, name, default=None):
    if name in args:
        i = args.index(name)
        if i + 1 >= len(args):
            sys.exit("lab: %s needs a value" % name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


# --- small clients ------------------------------------------------------------------------

def tcp(ip, port, timeout=3.0):
    try:
        return socket.create_connection((ip, port), timeout=timeout)
    except OSError as e:
        raise CheckError("%s:%d: connect: %s" % (ip, port, e))


def read_until(s, pred, limit=65536, timeout=3.0):
    buf = b""
    deadline = time.monotonic() + timeout
    while not pred(buf):
        left = deadline - time.monotonic()
        if left <= 0 or len(buf) >= limit:
            break
        s.settimeout(left)
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        if not d:
            break
        buf += d
    return buf


def banner(ip, port, want, timeout=3.0):
    s = tcp(ip, port)
    try:
        b = read_until(s, lambda b: want in b, timeout=timeout)
    finally:
        s.close()
    if want not in b:
        raise CheckError("%s:%d: no %r in %r" % (ip, port, want, b[:80]))
    return b


def telnet_login(ip, port, user, password, timeout=12.0, then=b""):
    """Log in like a person at a terminal. Returns (ok, text). Refuses every option but
    ECHO and SGA from the server. With user None: wait for the login prompt only."""
    s = tcp(ip, port)
    text = b""
    stage = 0
    deadline = time.monotonic() + timeout
    pending = b""
    try:
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                d = s.recv(4096)
            except socket.timeout:
                break
            if not d:
                break
            d = pending + d
            pending = b""
            i = 0
            while i < len(d):
                c = d[i]
                if c != 255:
                    text += bytes([c])
                    i += 1
                    continue
                if i + 1 >= len(d):
                    pending = d[i:]
                    break
                cmd = d[i + 1]
                if cmd in (251, 252, 253, 254):
                    if i + 2 >= len(d):
                        pending = d[i:]
                        break
                    o = d[i + 2]
                    if cmd == 253:
                        s.sendall(bytes([255, 252, o]))
                    elif cmd == 251:
                        s.sendall(bytes([255, 253 if o in (1, 3) else 254, o]))
                    i += 3
                elif cmd == 250:
                    j = d.find(b"\xff\xf0", i)
                    if j < 0:
                        pending = d[i:]
                        break
                    i = j + 2
                else:
                    i += 2
            tail = text.replace(b"\x00", b"").rstrip().lower()
            if stage == 0 and tail.endswith(b"login:") and user is None:
                return True, text  # only waiting for the prompt
            if stage == 0 and tail.endswith(b"login:"):
                s.sendall(user.encode() + b"\r\n")
                stage, text = 1, b""
            elif stage == 1 and tail.endswith(b"password:"):
                s.sendall(password.encode() + b"\r\n")
                stage, text = 2, b""
            elif stage == 2:
                if b"incorrect" in tail:
                    return False, text
                if tail.endswith((b"#", b"$")):
                    if then:
                        s.sendall(then)
                        time.sleep(0.2)
                    return True, text
        return False, text
    finally:
        s.close()


def http_get(ip, port, path="/", auth=None, tls_ca=None, timeout=4.0, method="GET"):
    headers = {"User-Agent": "sekisho-lab-check"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode()
    try:
        if tls_ca:
            ctx = ssl.create_default_context(cafile=tls_ca)
            c = http.client.HTTPSConnection(ip, port, timeout=timeout, context=ctx)
        else:
            c = http.client.HTTPConnection(ip, port, timeout=timeout)
        c.request(method, path, headers=headers)
        r = c.getresponse()
        body = r.read(1 << 20)
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body
    except (OSError, http.client.HTTPException, ssl.SSLError) as e:
        raise CheckError("%s:%d%s: %s" % (ip, port, path, e))


def expect(cond, what):
    if not cond:
        raise CheckError(what)


def run(argv, timeout=10.0, env=None, stdin=None):
    e = dict(os.environ)
    e.update(env or {})
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout, env=e)
    except FileNotFoundError:
        raise CheckError("%s is not installed" % argv[0])
    except subprocess.TimeoutExpired:
        return 124, b"", b"timeout"
    return p.returncode, p.stdout, p.stderr


def snmp_get(ip, community, oid="1.3.6.1.2.1.1.1.0"):
    return run(["snmpget", "-v2c", "-c", community, "-t", "1", "-r", "1", "-On", ip, oid], timeout=8)


def mqtt_pub(ip, port, user=None, password=None, cafile=None):
    argv = ["mosquitto_pub", "-h", ip, "-p", str(port), "-t", "lab/check", "-m", "x", "-q", "1", "-i",
            "labcheck%d" % os.getpid()]
    if user is not None:
        argv += ["-u", user, "-P", password]
    if cafile:
        argv += ["--cafile", cafile]
    return run(argv, timeout=8)


def mqtt_connect(ip, port, user=None, password=None):
    """MQTT 3.1.1 CONNECT; returns the CONNACK return code (raw socket, for the stubs)."""
    flags = 0x02
    payload = b"\x00\x08labcheck"
    if user is not None:
        flags |= 0x80 | 0x40
        payload += len(user).to_bytes(2, "big") + user.encode() + len(password).to_bytes(2, "big") + password.encode()
    vh = b"\x00\x04MQTT\x04" + bytes([flags]) + b"\x00\x3c"
    body = vh + payload
    s = tcp(ip, port)
    try:
        s.sendall(bytes([0x10, len(body)]) + body)
        r = read_until(s, lambda b: len(b) >= 4, timeout=3)
    finally:
        s.close()
    expect(len(r) >= 4 and r[0] == 0x20, "%s:%d: no CONNACK (%r)" % (ip, port, r[:8]))
    return r[3]


def coap_get(ip, path="/.well-known/core"):
    return run(["coap-client-notls", "-m", "get", "-B", "3", "coap://%s%s" % (ip, path)], timeout=8)


def ssdp_search(ip, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    msg = (b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\n'
           b"ST: upnp:rootdevice\r\n\r\n")
    out = []
    try:
        s.sendto(msg, (ip, 1900))
        while True:
            d, _ = s.recvfrom(65535)
            out.append(d)
            s.settimeout(0.3)
    except socket.timeout:
        pass
    finally:
        s.close()
    return out


def location(resp):
    m = re.search(rb"(?im)^location:\s*(\S+)", resp)
    return m.group(1).decode() if m else None


def rtsp(ip, port, method, url, extra=""):
    s = tcp(ip, port)
    try:
        s.sendall(("%s %s RTSP/1.0\r\nCSeq: 1\r\n%s\r\n" % (method, url, extra)).encode())
        r = read_until(s, lambda b: b"\r\n\r\n" in b, timeout=3)
    finally:
        s.close()
    return r


def rtsp_digest(ip, port, url, user, password):
    r = rtsp(ip, port, "DESCRIBE", url)
    m = re.search(rb'realm="([^"]*)".*nonce="([^"]*)"', r)
    expect(r.startswith(b"RTSP/1.0 401") and m, "rtsp %s: no Digest challenge: %r" % (ip, r[:120]))
    realm, nonce = m.group(1).decode(), m.group(2).decode()
    h1 = hashlib.md5(("%s:%s:%s" % (user, realm, password)).encode()).hexdigest()
    h2 = hashlib.md5(("DESCRIBE:%s" % url).encode()).hexdigest()
    resp = hashlib.md5(("%s:%s:%s" % (h1, nonce, h2)).encode()).hexdigest()
    auth = ('Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"\r\n'
            % (user, realm, nonce, url, resp))
    return rtsp(ip, port, "DESCRIBE", url, auth)


def closed(ip, port):
    try:
        s = socket.create_connection((ip, port), timeout=2)
        s.close()
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def ssh_login(ip, user, password):
    rc, out, err = run(["dbclient", "-y", "-y", "-T", "%s@%s" % (user, ip)], timeout=15,
                       env={"DROPBEAR_PASSWORD": password}, stdin=b"exit\n")
    return rc == 0 and b"BusyBox" in out, out + err


# --- readiness -----------------------------------------------------------------------------

def ready(d, state):
    ip, name, sec = d["ip"], d["name"], secrets(state)
    ddir = os.path.join(state, name)
    for s in d["services"]:
        port, svc = s["port"], s["service"]
        if name == "hostile":
            if s["proto"] == "udp":
                expect(ssdp_search(ip, 1.0), "hostile: no SSDP answer")
            else:
                tcp(ip, port).close()
            continue
        if svc == "telnet":
            ok, text = telnet_login(ip, port, None, None, timeout=3.0)
            expect(ok, "%s:%d: no login prompt (%r)" % (ip, port, text[-60:]))
        elif svc == "ssh":
            banner(ip, port, b"SSH-2.0-")
        elif svc == "ftp":
            banner(ip, port, b"220")
        elif svc in ("http", "upnp-http"):
            path = s.get("path", "/")
            st, _, _ = http_get(ip, port, path)
            expect(st in (200, 301, 401), "%s:%d%s: status %d" % (ip, port, path, st))
        elif svc == "https":
            st, _, _ = http_get(ip, port, "/", tls_ca=os.path.join(ddir, "cert.pem"))
            expect(st == 401, "%s:%d: status %d" % (ip, port, st))
        elif svc == "mqtt" and name == "mqtt-broker":
            rc, out, err = mqtt_pub(ip, port)
            expect(rc == 0, "%s:%d: mosquitto_pub: %s" % (ip, port, err.decode(errors="replace").strip()))
        elif svc == "mqtt":
            expect(mqtt_connect(ip, port) in (0, 4, 5), "%s:%d: bad CONNACK" % (ip, port))
        elif svc == "mqtt-tls":
            rc, out, err = mqtt_pub(ip, port, "sensor", sec.get("mqtt-strong.sensor", "?"),
                                    os.path.join(ddir, "cert.pem"))
            expect(rc == 0, "%s:%d: mosquitto_pub: %s" % (ip, port, err.decode(errors="replace").strip()))
        elif svc == "snmp":
            comm = "public" if d["role"] == "weak" else sec.get("snmp-strong.community", "?")
            rc, out, err = snmp_get(ip, comm)
            expect(rc == 0, "%s: snmpget: %s" % (ip, (out + err).decode(errors="replace").strip()))
        elif svc == "coap+tcp":
            tcp(ip, port).close()
        elif svc == "coap":
            rc, out, err = coap_get(ip)
            expect(rc == 0 and b"<" in out, "%s: coap-client: rc %d %r" % (ip, rc, (out + err)[:100]))
        elif svc == "ssdp":
            expect(any(location(r) for r in ssdp_search(ip, 1.0)), "%s: no SSDP answer with a LOCATION" % ip)
        elif svc == "rtsp":
            r = rtsp(ip, port, "OPTIONS", "rtsp://%s/" % ip)
            expect(r.startswith(b"RTSP/1.0 200"), "%s: RTSP OPTIONS: %r" % (ip, r[:60]))
        else:
            raise CheckError("%s: no readiness check for %s" % (name, svc))


def parallel(devs, fn):
    results = {}

    def one(d):
        try:
            fn(d)
            results[d["name"]] = None
        except CheckError as e:
            results[d["name"]] = str(e)
        except Exception as e:  # a check's own bug must be reported, not hang the lab
            results[d["name"]] = "%s: %r" % (type(e).__name__, e)

    ts = [threading.Thread(target=one, args=(d,), daemon=True) for d in devs]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return [(d, results.get(d["name"], "check did not finish")) for d in devs]


def cmd_check(args):
    state = opt(args, "--state", "/run/sekisho-lab")
    timeout = float(opt(args, "--timeout", "30"))
    devs = select(",".join(args))
    deadline = time.monotonic() + timeout
    pending = devs
    while True:
        res = parallel(pending, lambda d: ready(d, state))
        pending = [d for d, err in res if err]
        if not pending:
            return 0
        if time.monotonic() >= deadline:
            for d, err in res:
                if err:
                    print("lab: %s (%s) is not answering: %s" % (d["name"], d["ip"], err))
            return 1
        time.sleep(0.3)


# --- verification (lab test) -----------------------------------------------------------------

def reset_logs(state, names):
    for n in names:
        d = devices_by_name()[n]
        if "log" not in d:
            continue
        with open(os.path.join(state, n, "pid.stub")) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGUSR1)


def read_log(state, d):
    out = []
    with open(os.path.join(state, d["log"])) as f:
        for line in f:
            out.append(json.loads(line))
    return out


def verify(d, state):
    ip, name, sec = d["ip"], d["name"], secrets(state)
    ddir = os.path.join(state, name)
    if name == "telnet-cam":
        ok, text = telnet_login(ip, 23, "root", "vizxv")
        expect(ok, "telnet-cam: root/vizxv refused: %r" % text[-200:])
        ok, text = telnet_login(ip, 23, "root", "admin")
        expect(not ok, "telnet-cam: root/admin accepted")
    elif name in ("ssh-router", "ssh-strong"):
        good = "admin" if name == "ssh-router" else sec["ssh-strong.admin"]
        ok, out = ssh_login(ip, "admin", good)
        expect(ok, "%s: dbclient admin/<valid> failed: %r" % (name, out[-200:]))
        ok, out = ssh_login(ip, "admin", "admin" if name == "ssh-strong" else "password")
        expect(not ok, "%s: a wrong password was accepted" % name)
        ok, out = ssh_login(ip, "root", "root")
        expect(not ok, "%s: root/root accepted" % name)
    elif name == "web-cam":
        st, h, _ = http_get(ip, 80)
        expect(st == 401 and 'basic realm="ip camera"' in h.get("www-authenticate", "").lower(),
               "web-cam: no Basic challenge (%d %s)" % (st, h))
        expect(h.get("server", "").startswith("lighttpd/"), "web-cam: Server %r" % h.get("server"))
        st, _, body = http_get(ip, 80, auth=("admin", "admin"))
        expect(st == 200 and b"IP Camera" in body, "web-cam: admin/admin gave %d" % st)
        st, _, _ = http_get(ip, 80, auth=("admin", "1234"))
        expect(st == 401, "web-cam: admin/1234 gave %d" % st)
    elif name == "web-open":
        st, _, body = http_get(ip, 8080)
        expect(st == 200 and b"Router Admin" in body, "web-open: / gave %d" % st)
        st, _, body = http_get(ip, 8080, "/admin/settings.html")
        expect(st == 200 and b"admin_password" in body, "web-open: settings gave %d" % st)
    elif name == "web-strong":
        st, h, _ = http_get(ip, 80, "/x?y=1")
        expect(st == 301 and h.get("location") == "https://%s/x?y=1" % ip, "web-strong: 80 gave %d %s" % (st, h))
        ca = os.path.join(ddir, "cert.pem")
        st, h, _ = http_get(ip, 443, tls_ca=ca)
        expect(st == 401 and "basic" in h.get("www-authenticate", "").lower(), "web-strong: 443 without auth gave %d" % st)
        st, _, _ = http_get(ip, 443, auth=("admin", "admin"), tls_ca=ca)
        expect(st == 401, "web-strong: admin/admin gave %d" % st)
        st, h, body = http_get(ip, 443, auth=("admin", sec["web-strong.admin"]), tls_ca=ca)
        expect(st == 200 and b"Admin console" in body and "strict-transport-security" in h,
               "web-strong: the valid login gave %d %s" % (st, h))
    elif name == "mqtt-broker":
        rc, _, err = mqtt_pub(ip, 1883)
        expect(rc == 0, "mqtt-broker: anonymous publish failed: %r" % err)
    elif name == "mqtt-strong":
        expect(closed(ip, 1883), "mqtt-strong: 1883 is open")
        ca = os.path.join(ddir, "cert.pem")
        rc, _, _ = mqtt_pub(ip, 8883, cafile=ca)
        expect(rc != 0, "mqtt-strong: anonymous publish accepted")
        rc, _, _ = mqtt_pub(ip, 8883, "sensor", "admin", ca)
        expect(rc != 0, "mqtt-strong: sensor/admin accepted")
        rc, _, err = mqtt_pub(ip, 8883, "sensor", sec["mqtt-strong.sensor"], ca)
        expect(rc == 0, "mqtt-strong: the valid login failed: %r" % err)
    elif name == "ftp-nas":
        f = ftplib.FTP()
        try:
            welcome = f.connect(ip, 21, timeout=4)
            expect("vsFTPd 3.0.3" in welcome, "ftp-nas: banner %r" % welcome)
            f.login("anonymous", "lab@example.invalid")
            names = f.nlst()
            expect("readme.txt" in names, "ftp-nas: listing %r" % names)
            f.quit()
        except (OSError, ftplib.Error) as e:
            raise CheckError("ftp-nas: anonymous: %s" % e)
        f = ftplib.FTP()
        try:
            f.connect(ip, 21, timeout=4)
            f.login("admin", "admin")
            raise CheckError("ftp-nas: admin/admin accepted")
        except ftplib.error_perm:
            pass
        finally:
            f.close()
    elif name in ("snmp-printer", "snmp-strong"):
        good = "public" if name == "snmp-printer" else sec["snmp-strong.community"]
        rc, out, _ = snmp_get(ip, good)
        expect(rc == 0 and b"STRING" in out, "%s: sysDescr with the valid community failed" % name)
        for bad in ("private",) + (("public",) if name == "snmp-strong" else ()):
            rc, out, _ = snmp_get(ip, bad)
            expect(rc != 0, "%s: community %s answered" % (name, bad))
    elif name == "coap-bulb":
        rc, out, _ = coap_get(ip)
        expect(rc == 0 and b"</" in out, "coap-bulb: /.well-known/core: %r" % out[:100])
    elif name == "upnp-gw":
        locs = [location(r) for r in ssdp_search(ip)]
        want = "http://%s:5000/rootDesc.xml" % ip
        expect(want in locs, "upnp-gw: LOCATIONs %r" % locs)
        st, _, body = http_get(ip, 5000, "/rootDesc.xml")
        expect(st == 200, "upnp-gw: description gave %d" % st)
        ns = {"u": "urn:schemas-upnp-org:device-1-0"}
        dev = ET.fromstring(body).find("u:device", ns)
        for k, v in d["upnp"].items():
            got = dev.findtext("u:" + k, namespaces=ns)
            expect(got == v, "upnp-gw: %s is %r, not %r" % (k, got, v))
    elif name == "tr069-modem":
        st, h, _ = http_get(ip, 7547)
        expect(st == 401 and "RomPager/4.07" in h.get("server", ""), "tr069: %d %s" % (st, h))
        st, _, _ = http_get(ip, 7547, auth=("admin", "admin"))
        expect(st == 401, "tr069: admin/admin gave %d" % st)
    elif name == "rtsp-cam":
        url = "rtsp://%s/live/ch0" % ip
        r = rtsp_digest(ip, 554, url, "admin", "admin")
        expect(r.startswith(b"RTSP/1.0 200") and b"application/sdp" in r, "rtsp: admin/admin: %r" % r[:80])
        r = rtsp_digest(ip, 554, url, "admin", "12345")
        expect(r.startswith(b"RTSP/1.0 401"), "rtsp: admin/12345: %r" % r[:80])
    elif name in ("recorder", "outside"):
        verify_recorder(d, state)
    elif name == "hostile":
        verify_hostile(d)
    else:
        raise CheckError("%s: nothing to verify" % name)


def verify_recorder(d, state):
    ip, name = d["ip"], d["name"]
    ok, text = telnet_login(ip, 23, "admin", "wrong")
    expect(not ok, "%s: telnet admin/wrong accepted" % name)
    ok, text = telnet_login(ip, 23, "admin", "admin", then=b"ls\r\n")
    expect(ok, "%s: telnet admin/admin refused: %r" % (name, text))
    st, _, _ = http_get(ip, 80, auth=("admin", "admin"))
    expect(st == 200, "%s: http admin/admin gave %d" % (name, st))
    st, _, _ = http_get(ip, 80, auth=("root", "admin"))
    expect(st == 401, "%s: http root/admin gave %d" % (name, st))
    f = ftplib.FTP()
    try:
        f.connect(ip, 21, timeout=4)
        f.login("admin", "admin")
        f.quit()
    except (OSError, ftplib.Error) as e:
        raise CheckError("%s: ftp admin/admin: %s" % (name, e))
    rc, _, err = mqtt_pub(ip, 1883, "admin", "admin")
    expect(rc == 0, "%s: mosquitto_pub admin/admin: %r" % (name, err))
    expect(mqtt_connect(ip, 1883) == 5, "%s: anonymous MQTT accepted" % name)
    time.sleep(0.3)
    log = read_log(state, d)
    logins = [r for r in log if r["event"] == "login" and r["ok"]]
    services = {r["service"] for r in logins}
    expect(services == {"telnet", "http", "ftp", "mqtt"}, "%s: logins recorded for %s" % (name, services))
    expect(not any("password" in r for r in log), "%s: a password was logged" % name)
    # The telnet session sent "ls\r\n" after logging in: exactly those 4 bytes are "after".
    tel = [r for r in log if r["event"] == "close" and r["service"] == "telnet" and r["logged_in"]]
    expect(tel and tel[-1]["bytes_after"] == 4, "%s: telnet after-login bytes %r" % (name, tel))
    # mosquitto_pub publishes then disconnects after CONNACK: those bytes must show as "after";
    # ftplib's QUIT likewise. http.client closes without more bytes.
    for svc, want_after in (("http", False), ("ftp", True), ("mqtt", True)):
        cl = [r for r in log if r["event"] == "close" and r["service"] == svc and r["logged_in"]]
        expect(cl and (cl[-1]["bytes_after"] > 0) == want_after, "%s: %s after-login bytes %r" % (name, svc, cl))
    pk = [r for r in log if r["event"] == "packet" and r.get("dport") == 23 and "S" in r.get("flags", "")]
    expect(pk, "%s: no packet records (sniffer not running?)" % name)


def verify_hostile(d):
    ip = d["ip"]
    s = tcp(ip, 23)
    b = read_until(s, lambda b: False, limit=1 << 20, timeout=2)
    s.close()
    expect(len(b) >= 1 << 20, "hostile 23: only %d banner bytes in 2 s" % len(b))
    s = tcp(ip, 80)
    b = read_until(s, lambda b: False, timeout=2.5)
    s.close()
    expect(1 <= len(b) <= 4, "hostile 80: %d bytes in 2.5 s" % len(b))
    s = tcp(ip, 2323)
    b = read_until(s, lambda b: len(b) > 150000, limit=1 << 20, timeout=3)
    s.close()
    expect(b"\xff\xfa\x18" in b and b"\xff\xfa\x1f" in b and b"login:" in b, "hostile 2323: %r" % b[:40])
    s = tcp(ip, 8080)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    b = read_until(s, lambda b: False, limit=2 << 20, timeout=4)
    s.close()
    expect(len(b) >= 2 << 20 and b"\r\n\r\n" not in b, "hostile 8080: %d header bytes" % len(b))
    s = tcp(ip, 1883)
    s.sendall(b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00")
    b = read_until(s, lambda b: len(b) >= 65536, limit=1 << 20, timeout=4)
    s.close()
    expect(b.startswith(b"\x20\xff\xff\xff\xff") and len(b) >= 65536, "hostile 1883: %r" % b[:8])
    locs = [location(r) for r in ssdp_search(ip)]
    expect(len(locs) >= 7, "hostile 1900: LOCATIONs %r" % [l[:60] for l in locs if l])
    bad = 0
    for loc in locs:
        m = re.match(r"http://[\d.]+:49152(/\S+)", loc or "")
        if not m:
            continue
        st, _, body = http_get_raw(ip, 49152, m.group(1))
        try:
            ET.fromstring(body)
        except ET.ParseError:
            bad += 1
    expect(bad >= 4, "hostile 49152: only %d invalid descriptions" % bad)


def http_get_raw(ip, port, path):
    s = tcp(ip, port)
    try:
        s.sendall(("GET %s HTTP/1.0\r\n\r\n" % path).encode())
        b = read_until(s, lambda b: False, limit=8 << 20, timeout=4)
    finally:
        s.close()
    head, _, body = b.partition(b"\r\n\r\n")
    return int(head.split()[1]) if head.startswith(b"HTTP/") else 0, head, body


def cmd_verify(args):
    state = opt(args, "--state", "/run/sekisho-lab")
    devs = select(",".join(args))
    t0 = time.monotonic()
    res = parallel(devs, lambda d: verify(d, state))
    bad = 0
    for d, err in res:
        if err:
            bad += 1
            print("FAIL %-13s %s" % (d["name"], err))
        else:
            print("ok   %-13s %s" % (d["name"], d["ip"]))
    reset_logs(state, [d["name"] for d in devs])
    print("verified %d devices in %.1f s, %d failed" % (len(devs), time.monotonic() - t0, bad))
    return 1 if bad else 0


def cmd_reset_log(args):
    state = opt(args, "--state", "/run/sekisho-lab")
    reset_logs(state, [d["name"] for d in select(",".join(args))])


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `lab/up --list | head` is fine
    cmd, args = sys.argv[1], sys.argv[2:]
    fn = {"list": cmd_list, "names": cmd_names, "get": cmd_get, "render": cmd_render, "check": cmd_check,
          "verify": cmd_verify, "reset-log": cmd_reset_log}.get(cmd)
    if fn is None:
        sys.exit(__doc__)
    sys.exit(fn(args) or 0)


if __name__ == "__main__":
    main()
