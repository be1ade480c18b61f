#!/usr/bin/python3
"""RTSP camera stub (Debian has no standalone RTSP server): OPTIONS answers 200 without
auth; DESCRIBE, SETUP, PLAY and the rest need HTTP Digest (RFC 2617, MD5, with or without
qop=auth) and DESCRIBE then returns an SDP. Several requests may share a connection."""

import argparse
import hashlib
import os
import threading

import stubnet

SERVER = "Hipcam RealServer/V1.0"
PUBLIC = "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER"
METHODS = set(m.strip() for m in PUBLIC.split(","))
MAX_REQUESTS_PER_CONN = 256


def md5(s):
    return hashlib.md5(s.encode("utf-8", "replace")).hexdigest()


class Nonces:
    """Nonces this server issued (bounded), so a client may reconnect and reuse one."""

    def __init__(self, cap=4096):
        self.cap = cap
        self.order = []
        self.known = set()
        self.lock = threading.Lock()

    def new(self):
        n = os.urandom(16).hex()
        with self.lock:
            self.order.append(n)
            self.known.add(n)
            if len(self.order) > self.cap:
                self.known.discard(self.order.pop(0))
        return n

    def valid(self, n):
        with self.lock:
            return n in self.known


def digest_ok(req, user, password, realm, nonces):
    auth = req.headers.get("authorization", "")
    if not auth.lower().startswith("digest "):
        return False
    p = stubnet.parse_auth_params(auth[7:])
    if p.get("username") != user or p.get("realm") != realm or not nonces.valid(p.get("nonce", "")):
        return False
    uri = p.get("uri", req.target)
    ha1 = md5("%s:%s:%s" % (user, realm, password))
    ha2 = md5("%s:%s" % (req.method, uri))
    if p.get("qop"):
        want = md5("%s:%s:%s:%s:%s:%s" % (ha1, p["nonce"], p.get("nc", ""), p.get("cnonce", ""), p["qop"], ha2))
    else:
        want = md5("%s:%s:%s" % (ha1, p["nonce"], ha2))
    return p.get("response", "").lower() == want


def sdp(ip):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=IP Camera\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
            "a=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n" % ip)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ip", required=True)
    ap.add_argument("--port", type=int, default=554)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="admin")
    ap.add_argument("--realm", default="IP Camera")
    a = ap.parse_args()
    nonces = Nonces()

    def handle(conn, peer):
        buf = b""
        for _ in range(MAX_REQUESTS_PER_CONN):
            try:
                req, buf = stubnet.recv_http_request(conn, buf, timeout=30)
            except ValueError:
                conn.sendall(b"RTSP/1.0 400 Bad Request\r\nServer: %s\r\n\r\n" % SERVER.encode())
                return
            if req is None:
                return
            cseq = req.headers.get("cseq", "0")[:16]
            head = "Server: %s\r\nCSeq: %s\r\n" % (SERVER, cseq)
            if not req.version.startswith("RTSP/"):
                conn.sendall(("RTSP/1.0 505 RTSP Version Not Supported\r\n%s\r\n" % head).encode())
                return
            if req.method == "OPTIONS":
                resp = "RTSP/1.0 200 OK\r\n%sPublic: %s\r\n\r\n" % (head, PUBLIC)
            elif req.method not in METHODS:
                resp = "RTSP/1.0 501 Not Implemented\r\n%s\r\n" % head
            elif not digest_ok(req, a.user, a.password, a.realm, nonces):
                resp = ('RTSP/1.0 401 Unauthorized\r\n%sWWW-Authenticate: Digest realm="%s", nonce="%s"\r\n\r\n'
                        % (head, a.realm, nonces.new()))
            elif req.method == "DESCRIBE":
                body = sdp(a.ip)
                resp = ("RTSP/1.0 200 OK\r\n%sContent-Base: %s/\r\nContent-Type: application/sdp\r\n"
                        "Content-Length: %d\r\n\r\n%s" % (head, req.target, len(body), body))
            elif req.method == "SETUP":
                resp = ("RTSP/1.0 461 Unsupported Transport\r\n%s\r\n" % head)
            else:
                resp = "RTSP/1.0 455 Method Not Valid in This State\r\n%s\r\n" % head
            conn.sendall(resp.encode())

    stubnet.serve_tcp(a.ip, a.port, handle, "rtsp")
    stubnet.run_forever("rtsp")


if __name__ == "__main__":
    main()
