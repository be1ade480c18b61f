"""Shared plumbing for the lab's Python device stubs (standard library only).

Every listener gets a big backlog (the scan engine opens many connections at once, and a
short backlog makes the ground truth drift), every connection its own daemon thread, and
every read a byte and time limit, so a stub never hangs or grows without bound."""

import json
import os
import signal
import socket
import sys
import threading
import time

BACKLOG = 4096
MAX_THREADS_PER_LISTENER = 256


def log(name, msg):
    sys.stderr.write("%s %s: %s\n" % (time.strftime("%H:%M:%S"), name, msg))
    sys.stderr.flush()


def serve_tcp(ip, port, handler, name):
    """Listen on ip:port and run handler(conn, peer) in a thread per connection."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, port))
    srv.listen(BACKLOG)
    slots = threading.BoundedSemaphore(MAX_THREADS_PER_LISTENER)

    def run(conn, peer):
        try:
            handler(conn, peer)
        except (OSError, ValueError) as e:
            log(name, "%s:%d %s" % (peer[0], peer[1], e))
        finally:
            try:
                conn.close()
            except OSError:
                pass
            slots.release()

    def accept_loop():
        while True:
            try:
                conn, peer = srv.accept()
            except OSError:
                time.sleep(0.05)
                continue
            if not slots.acquire(blocking=False):
                conn.close()  # overloaded: refuse rather than queue without bound
                continue
            threading.Thread(target=run, args=(conn, peer), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True, name="%s:%d" % (name, port)).start()
    return srv


def serve_udp(ip, port, handler, name):
    """Bind ip:port/udp and run handler(sock, data, peer) for every datagram."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))

    def loop():
        while True:
            try:
                data, peer = s.recvfrom(65535)
                handler(s, data, peer)
            except (OSError, ValueError) as e:
                log(name, "udp %d: %s" % (port, e))

    threading.Thread(target=loop, daemon=True, name="%s:%d/udp" % (name, port)).start()
    return s


class HttpRequest:
    def __init__(self, method, target, version, headers, body, raw_len):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers  # lower-case name -> value (last wins)
        self.body = body
        self.raw_len = raw_len  # bytes the request took on the wire

    def keep_alive(self):
        conn = self.headers.get("connection", "").lower()
        if self.version.endswith("/1.0"):
            return conn == "keep-alive"
        return conn != "close"


def parse_http_request(buf, max_head=16384, max_body=65536):
    """Parse one HTTP/RTSP request from the front of buf.

    Returns (HttpRequest, rest) when complete, (None, buf) when more bytes are needed,
    and raises ValueError when the request is malformed or over the limits."""
    end = buf.find(b"\r\n\r\n")
    sep = 4
    if end < 0:
        end = buf.find(b"\n\n")
        sep = 2
    if end < 0:
        if len(buf) > max_head:
            raise ValueError("request head over %d bytes" % max_head)
        return None, buf
    if end > max_head:
        raise ValueError("request head over %d bytes" % max_head)
    lines = buf[:end].decode("latin-1").replace("\r\n", "\n").split("\n")
    parts = lines[0].split()
    if len(parts) != 3:
        raise ValueError("bad request line")
    method, target, version = parts
    headers = {}
    for line in lines[1:]:
        if ":" not in line:
            raise ValueError("bad header line")
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    try:
        clen = int(headers.get("content-length", "0"))
    except ValueError:
        raise ValueError("bad content-length")
    if clen < 0 or clen > max_body:
        raise ValueError("content-length out of range")
    total = end + sep + clen
    if len(buf) < total:
        return None, buf
    return HttpRequest(method, target, version, headers, buf[end + sep:total], total), buf[total:]


def recv_http_request(conn, buf, timeout=10.0):
    """Read until one request is complete. Returns (request, rest) or (None, b'') on EOF/timeout."""
    deadline = time.monotonic() + timeout
    while True:
        req, rest = parse_http_request(buf)
        if req is not None:
            return req, rest
        left = deadline - time.monotonic()
        if left <= 0:
            return None, b""
        conn.settimeout(left)
        try:
            data = conn.recv(8192)
        except socket.timeout:
            return None, b""
        if not data:
            return None, b""
        buf += data


def parse_auth_params(value):
    """Parse 'k=v, k2="v 2"' (Digest parameters) into a dict; tolerant, never raises."""
    out = {}
    i, n = 0, len(value)
    while i < n:
        while i < n and value[i] in " ,":
            i += 1
        j = value.find("=", i)
        if j < 0:
            break
        key = value[i:j].strip().lower()
        i = j + 1
        if i < n and value[i] == '"':
            j = value.find('"', i + 1)
            if j < 0:
                j = n
            out[key] = value[i + 1:j]
            i = j + 1
        else:
            j = value.find(",", i)
            if j < 0:
                j = n
            out[key] = value[i:j].strip()
            i = j
    return out


class JsonLog:
    """Append-only JSON lines file, one writer lock; SIGUSR1 starts it afresh."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.f = open(path, "a", buffering=1)

    def write(self, rec):
        rec = dict(rec)
        rec.setdefault("t", round(time.time(), 6))
        line = json.dumps(rec, sort_keys=True)
        with self.lock:
            self.f.write(line + "\n")

    def reset(self):
        with self.lock:
            self.f.close()
            self.f = open(self.path, "w", buffering=1)
        self.write({"event": "reset"})


def run_forever(name, on_usr1=None):
    def stop(signum, frame):
        log(name, "signal %d, exiting" % signum)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if on_usr1 is not None:
        signal.signal(signal.SIGUSR1, lambda s, f: on_usr1())
    log(name, "ready")
    while True:
        signal.pause()
