#!/usr/bin/python3
"""The hostile device: every service misbehaves the way broken or malicious IoT devices do,
so the scanner's byte and time limits and its parsers get exercised on a live network.

  23/tcp    endless banner (sends until the client goes away)
  80/tcp    slow drip: an HTTP response, one byte per second, forever
  2323/tcp  malformed telnet negotiation (truncated and invalid IAC sequences, an
            unterminated subnegotiation, a DO/DONT storm), up to 64 MiB
  8080/tcp  an HTTP response with 8 MiB of headers (and one 1 MiB header line)
  1883/tcp  garbage: a CONNACK with an invalid length, then 1 MiB of random bytes
  1900/udp  SSDP: every M-SEARCH gets answers whose LOCATIONs point at invalid UPnP XML
  49152/tcp the invalid XML descriptions (deep nesting, entity bomb, truncated, binary)"""

import argparse
import os
import socket
import time

import stubnet

IAC, SB, SE, WILL, WONT, DO, DONT = 255, 250, 240, 251, 252, 253, 254
SEND_TIMEOUT = 60.0


def endless_banner(conn, peer):
    conn.settimeout(SEND_TIMEOUT)
    block = (b"Welcome to HostileOS. This banner never ends. " * 64)[:4096] + b"\r\n"
    while True:
        conn.sendall(block)


def slow_drip(conn, peer):
    conn.settimeout(SEND_TIMEOUT)
    head = b"HTTP/1.1 200 OK\r\nServer: drip/1.0\r\nX-Drip: "
    for b in head:
        conn.sendall(bytes([b]))
        time.sleep(1.0)
    while True:
        conn.sendall(b"a")
        time.sleep(1.0)


def bad_telnet(conn, peer):
    conn.settimeout(SEND_TIMEOUT)
    pieces = [
        bytes([IAC, WILL]),                        # WILL without an option
        bytes([IAC, 0x01, IAC, 0x00]),             # commands that do not exist
        bytes([IAC, SE]),                          # SE without SB
        bytes([IAC, DO, IAC]),                     # option 255
        bytes([IAC, SB, 24]) + b"A" * 300 + bytes([IAC, IAC]) + b"no SE here ",
        b"\r\nlogin: ",
        bytes([IAC, SB, 31]) + b"\x00" * 100000,   # NAWS subnegotiation that never ends
        bytes([IAC, IAC, IAC]),
        b"Password: " + bytes([IAC]),              # IAC at the very end of a read
    ]
    sent = 0
    for p in pieces:
        conn.sendall(p)
        sent += len(p)
        time.sleep(0.05)
    storm = b"".join(bytes([IAC, DO if k % 2 else DONT, k % 256]) for k in range(4096))
    while sent < 64 << 20:
        conn.sendall(storm)
        sent += len(storm)


def huge_headers(conn, peer):
    conn.settimeout(5.0)
    try:
        stubnet.recv_http_request(conn, b"", timeout=5.0)
    except ValueError:
        pass
    conn.settimeout(SEND_TIMEOUT)
    conn.sendall(b"HTTP/1.1 200 OK\r\nServer: Hostile/1.0\r\n")
    line_block = b"".join(b"X-Hostile-%06d: %s\r\n" % (i, b"h" * 64) for i in range(1024))
    sent = 0
    while sent < 7 << 20:
        conn.sendall(line_block)
        sent += len(line_block)
    conn.sendall(b"X-Long: " + b"L" * (1 << 20) + b"\r\n")
    conn.sendall(b"Content-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")


def garbage_mqtt(conn, peer):
    conn.settimeout(2.0)
    try:
        conn.recv(4096)
    except socket.timeout:
        pass
    conn.settimeout(SEND_TIMEOUT)
    conn.sendall(b"\x20\xff\xff\xff\xff\xff")  # CONNACK with a 5-byte remaining length
    conn.sendall(os.urandom(1 << 20))


def xml_documents():
    deep = b'<?xml version="1.0"?>\n<root xmlns="urn:schemas-upnp-org:device-1-0"><device>' + b"<a>" * 200000
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE root [\n<!ENTITY l0 "lol">\n' +
            b"".join(b'<!ENTITY l%d "%s">\n' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10)) +
            b']>\n<root xmlns="urn:schemas-upnp-org:device-1-0"><device><manufacturer>&l9;</manufacturer>'
            b"<modelName>&l9;</modelName></device></root>\n")
    truncated = (b'<?xml version="1.0"?>\n<root xmlns="urn:schemas-upnp-org:device-1-0"><device>'
                 b"<manufacturer>" + b"M" * (4 << 20))
    binary = b"<?xml version=\"1.0\"?>\n<root><device><modelName>\x00\xff\xfe" + os.urandom(65536)
    mismatched = (b'<?xml version="1.0"?><root><device><manufacturer>Evil</modelName>'
                  b"<modelNumber><![CDATA[unterminated</device></root>")
    return {"/desc1.xml": deep, "/desc2.xml": bomb, "/desc3.xml": truncated, "/desc4.xml": binary,
            "/desc5.xml": mismatched}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ip", required=True)
    ap.add_argument("--xml-port", type=int, default=49152)
    a = ap.parse_args()
    docs = xml_documents()

    def xml_server(conn, peer):
        try:
            req, _ = stubnet.recv_http_request(conn, b"", timeout=10.0)
        except ValueError:
            return
        if req is None:
            return
        doc = docs.get(req.target.split("?")[0])
        conn.settimeout(SEND_TIMEOUT)
        if doc is None:
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        length = len(doc) * 2 if req.target.startswith("/desc4") else len(doc)  # desc4 lies about its length
        conn.sendall(b"HTTP/1.1 200 OK\r\nServer: Hostile UPnP/1.0\r\nContent-Type: text/xml\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % length)
        conn.sendall(doc)

    def ssdp(sock, data, peer):
        if not data.startswith(b"M-SEARCH"):
            return
        base = "http://%s:%d" % (a.ip, a.xml_port)
        for loc in [base + p for p in sorted(docs)] + ["http://%s:80/slow.xml" % a.ip]:
            sock.sendto(("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: %s\r\n"
                         "SERVER: Hostile/1.0 UPnP/1.0 evil/1.0\r\nST: upnp:rootdevice\r\n"
                         "USN: uuid:00000000-0000-0000-0000-000000000041::upnp:rootdevice\r\n\r\n" % loc).encode(),
                        peer)
        # no blank line, a header without a colon, a LOCATION of 1,200 bytes
        sock.sendto(b"HTTP/1.1 200 OK\r\nST upnp:rootdevice\r\nLOCATION: http://" + b"x" * 1200, peer)

    stubnet.serve_tcp(a.ip, 23, endless_banner, "hostile")
    stubnet.serve_tcp(a.ip, 80, slow_drip, "hostile")
    stubnet.serve_tcp(a.ip, 2323, bad_telnet, "hostile")
    stubnet.serve_tcp(a.ip, 8080, huge_headers, "hostile")
    stubnet.serve_tcp(a.ip, 1883, garbage_mqtt, "hostile")
    stubnet.serve_tcp(a.ip, a.xml_port, xml_server, "hostile")
    stubnet.serve_udp(a.ip, 1900, ssdp, "hostile")
    stubnet.run_forever("hostile")


if __name__ == "__main__":
    main()
