"""Minimal classic-pcap reading and packet building for trafficgen and the detection benchmark.

Plain struct packing: much faster than scapy for the ~100k packets of a capture set, and the
bytes written depend on nothing but the arguments (no wall clock, no host state).
"""
import socket
import struct

LINKTYPE_ETHERNET = 1
_MAGIC_US = 0xA1B2C3D4
_MAGIC_NS = 0xA1B23C4D


def read_pcap(path):
    """[(ts_us, data, orig_len)] of a classic pcap file (either byte order, us or ns stamps)."""
    with open(path, "rb") as f:
        b = f.read()
    if len(b) < 24:
        raise ValueError(f"{path}: too short for a pcap header")
    for endian in ("<", ">"):
        (magic,) = struct.unpack(endian + "I", b[:4])
        if magic in (_MAGIC_US, _MAGIC_NS):
            break
    else:
        raise ValueError(f"{path}: not a classic pcap file")
    ns = magic == _MAGIC_NS
    linktype = struct.unpack(endian + "I", b[20:24])[0] & 0x0FFFFFFF
    if linktype != LINKTYPE_ETHERNET:
        raise ValueError(f"{path}: link type {linktype}, only Ethernet is supported")
    rec = struct.Struct(endian + "IIII")
    out = []
    off = 24
    while off + 16 <= len(b):
        sec, frac, incl, orig = rec.unpack_from(b, off)
        off += 16
        ts_us = sec * 1_000_000 + (frac // 1000 if ns else frac)
        out.append((ts_us, b[off:off + incl], orig))
        off += incl
    return out


def pcap_times_us(path):
    """Only the timestamps (us) of a pcap's records, in file order."""
    return [t for t, _, _ in read_pcap(path)]


def write_pcap(path, records, snaplen=65535):
    """records: iterable of (ts_us, data, orig_len); microsecond stamps, Ethernet."""
    hdr = struct.pack("<IHHiIII", _MAGIC_US, 2, 4, 0, 0, snaplen, LINKTYPE_ETHERNET)
    rec = struct.Struct("<IIII")
    parts = [hdr]
    for ts_us, data, orig in records:
        parts.append(rec.pack(ts_us // 1_000_000, ts_us % 1_000_000, len(data), orig))
        parts.append(data)
    with open(path, "wb") as f:
        f.write(b"".join(parts))


# ---- building -------------------------------------------------------------------------


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def mac_text(b):
    return ":".join(f"{x:02x}" for x in b)


def ip(text):
    return socket.inet_aton(text)


def ip_text(b):
    return socket.inet_ntoa(b)


def checksum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ether(dst, src, ethertype, payload):
    frame = dst + src + struct.pack("!H", ethertype) + payload
    if len(frame) < 60:  # what a capture on the wire shows: padded to the Ethernet minimum
        frame += b"\0" * (60 - len(frame))
    return frame


def ipv4(src, dst, proto, payload, ident=0, ttl=64, df=True, tos=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident & 0xFFFF, 0x4000 if df else 0, ttl, proto, 0,
                    src, dst)
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload


# TCP flags
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", win=29200, opts=b""):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4, flags, win, 0, 0) + opts
    c = checksum(src + dst + struct.pack("!BBH", 0, 6, len(h) + len(payload)) + h + payload)
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def udp(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    h = struct.pack("!HHHH", sport, dport, length, 0)
    c = checksum(src + dst + struct.pack("!BBH", 0, 17, length) + h + payload) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + payload


def syn_options(tsval, mss=1460, wscale=7):
    """The options a Linux SYN carries: MSS, SACK permitted, timestamps, window scale."""
    return (struct.pack("!BBH", 2, 4, mss) + b"\x04\x02" + struct.pack("!BBII", 8, 10, tsval, 0) +
            b"\x01" + struct.pack("!BBB", 3, 3, wscale))


def dns_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(qid, name, qtype=1, rd=True):
    return struct.pack("!HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, 0) + dns_name(name) + struct.pack("!HH", qtype, 1)


def dns_answer(qid, name, addrs=(), rcode=0, qtype=1, ttl=300):
    flags = 0x8180 | rcode
    body = dns_name(name) + struct.pack("!HH", qtype, 1)
    for a in addrs:
        body += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, ttl, 4) + a
    return struct.pack("!HHHHHH", qid, flags, 1, len(addrs), 0, 0) + body


def dhcp(op, xid, chaddr, options, ciaddr=b"\0" * 4, yiaddr=b"\0" * 4, siaddr=b"\0" * 4, secs=0, broadcast=False):
    """A BOOTP/DHCP message; options: [(code, bytes)], ended with 255."""
    body = struct.pack("!BBBBIHH4s4s4s4s", op, 1, 6, 0, xid, secs, 0x8000 if broadcast else 0, ciaddr, yiaddr, siaddr,
                       b"\0" * 4)
    body += chaddr + b"\0" * 10 + b"\0" * 64 + b"\0" * 128 + b"\x63\x82\x53\x63"
    for code, val in options:
        body += bytes([code, len(val)]) + val
    body += b"\xff"
    if len(body) < 300:
        body += b"\0" * (300 - len(body))
    return body


def tls_client_hello(rng, sni):
    """A TLS 1.3-style ClientHello with SNI, ALPN, groups and a key share."""
    def ext(t, data):
        return struct.pack("!HH", t, len(data)) + data
    name = sni.encode()
    exts = ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    exts += ext(23, b"") + ext(65281, b"\0")
    exts += ext(10, struct.pack("!H", 8) + struct.pack("!HHHH", 0x1D, 0x17, 0x18, 0x19))
    exts += ext(11, b"\x01\x00")
    exts += ext(35, b"")
    alpn = b"\x02h2\x08http/1.1"
    exts += ext(16, struct.pack("!H", len(alpn)) + alpn)
    exts += ext(13, struct.pack("!H", 8) + struct.pack("!HHHH", 0x0403, 0x0804, 0x0401, 0x0503))
    exts += ext(51, struct.pack("!HHH", 36, 0x1D, 32) + rng.randbytes(32))
    exts += ext(45, b"\x01\x01")
    exts += ext(43, b"\x04\x03\x04\x03\x03")
    suites = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014, 0x009C, 0x009D,
              0x002F, 0x0035]
    body = b"\x03\x03" + rng.randbytes(32) + b"\x20" + rng.randbytes(32)
    body += struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", s) for s in suites)
    body += b"\x01\x00" + struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def tls_records(rng, n):
    """n bytes of what an encrypted TLS server flight looks like (record headers around random data)."""
    out = b""
    while len(out) < n:
        k = min(1400, n - len(out) + 5)
        out += b"\x17\x03\x03" + struct.pack("!H", k - 5) + rng.randbytes(k - 5)
    return out
