#!/usr/bin/python3
"""TR-069 (CWMP) connection-request stub on 7547 that looks like a modem running Allegro
RomPager 4.07 (the Misfortune Cookie version, CVE-2014-9222). Every request gets 401 with
a Digest challenge; no credential is accepted, so the only finding is the version."""

import argparse
import os

import stubnet

SERVER = "RomPager/4.07 UPnP/1.0"
BODY = (b"<html>\n<head>\n<title>Protected Object</title></head><body>\n"
        b"<h1>Protected Object</h1>This object on the RomPager server is protected\n</body></html>\n")
MAX_REQUESTS_PER_CONN = 64


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ip", required=True)
    ap.add_argument("--port", type=int, default=7547)
    a = ap.parse_args()

    def handle(conn, peer):
        buf = b""
        for _ in range(MAX_REQUESTS_PER_CONN):
            try:
                req, buf = stubnet.recv_http_request(conn, buf, timeout=30)
            except ValueError:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nServer: " + SERVER.encode() +
                             b"\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                return
            if req is None:
                return
            keep = req.keep_alive()
            head = ("HTTP/1.1 401 Unauthorized\r\n"
                    "Server: %s\r\n"
                    "Content-Type: text/html\r\n"
                    'WWW-Authenticate: Digest realm="IgdAuthentication", domain="/", nonce="%s", '
                    'algorithm=MD5, qop="auth"\r\n'
                    "Content-Length: %d\r\n"
                    "Connection: %s\r\n\r\n" % (SERVER, os.urandom(16).hex(), len(BODY),
                                                "keep-alive" if keep else "close"))
            conn.sendall(head.encode() + (b"" if req.method == "HEAD" else BODY))
            if not keep:
                return

    stubnet.serve_tcp(a.ip, a.port, handle, "tr069")
    stubnet.run_forever("tr069")


if __name__ == "__main__":
    main()
