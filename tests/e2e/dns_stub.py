"""A tiny DNS responder for the gateway e2e test (tests/e2e/gateway_test.sh).

    dns_stub.py READYFILE ADDR PORT NAME=IPV4 ...

Answers UDP queries for each NAME with one A record (TTL 30), other names with NXDOMAIN,
other types of a known name with no answer (NODATA). A datagram that is not a DNS query
comes back unchanged, so the test's UDP echo probes of the gateway's port 53 still work.
Writes READYFILE once it listens.
"""
import socket
import struct
import sys

TTL = 30


def parse_question(data):
    """(id, flags, qname as bytes on the wire, qname text, qtype) or None."""
    if len(data) < 12:
        return None
    qid, flags, qd, _an, _ns, _ar = struct.unpack("!6H", data[:12])
    if flags & 0x8000 or qd != 1:  # a response, or not one question
        return None
    labels, pos = [], 12
    while True:
        if pos >= len(data):
            return None
        n = data[pos]
        if n == 0:
            pos += 1
            break
        if n & 0xC0 or pos + 1 + n > len(data):
            return None
        labels.append(data[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    if pos + 4 > len(data):
        return None
    qtype, _qclass = struct.unpack("!2H", data[pos:pos + 4])
    return qid, flags, data[12:pos + 4], ".".join(labels).lower(), qtype


def answer(query, names):
    qid, flags, question, name, qtype = query
    addr = names.get(name)
    rcode = 0 if addr else 3  # NXDOMAIN
    records = b""
    if addr and qtype == 1:
        records = struct.pack("!HHHIH", 0xC00C, 1, 1, TTL, 4) + socket.inet_aton(addr)
    flags = 0x8000 | (flags & 0x0100) | 0x0080 | 0x0400 | rcode  # QR, RD copied, RA, AA
    return struct.pack("!6H", qid, flags, 1, 1 if records else 0, 0, 0) + question + records


def main():
    ready, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    names = {}
    for spec in sys.argv[4:]:
        name, addr = spec.split("=", 1)
        names[name.lower().rstrip(".")] = addr
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, port))
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        data, peer = s.recvfrom(4096)
        query = parse_question(data)
        s.sendto(answer(query, names) if query else data, peer)


if __name__ == "__main__":
    main()
