#!/usr/bin/env python3
"""Independent JA3/JA4 reference for the TLS unit tests (python3 stdlib only).

Written from the specs, not from src/decode/app/tls.cpp: JA3 per github.com/salesforce/ja3
(README), JA4 per github.com/FoxIO-LLC/ja4 technical_details/JA4.md. Prints the JA3 string,
JA3 and JA4 of each file given (a TCP payload starting with the TLS record header).

  python3 ja_reference.py wemo-tls-client-hello.bin dlinkswitch-tls-client-hello.bin
"""
import hashlib
import struct
import sys


def grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def u16s(b):
    return [struct.unpack(">H", b[i:i + 2])[0] for i in range(0, len(b) - 1, 2)]


def parse(rec):
    assert rec[0] == 0x16 and rec[5] == 1
    hs = rec[9:9 + int.from_bytes(rec[6:9], "big")]
    version = struct.unpack(">H", hs[0:2])[0]
    off = 2 + 32
    off += 1 + hs[off]
    clen = struct.unpack(">H", hs[off:off + 2])[0]
    ciphers = u16s(hs[off + 2:off + 2 + clen])
    off += 2 + clen
    off += 1 + hs[off]
    exts = []
    if off < len(hs):
        elen = struct.unpack(">H", hs[off:off + 2])[0]
        off += 2
        end = off + elen
        while off < end:
            t, l = struct.unpack(">HH", hs[off:off + 4])
            exts.append((t, hs[off + 4:off + 4 + l]))
            off += 4 + l
    return version, ciphers, exts


def ja3(version, ciphers, exts):
    curves, formats = [], []
    for t, d in exts:
        if t == 10:
            curves = u16s(d[2:])
        if t == 11:
            formats = list(d[1:1 + d[0]])
    fields = [str(version),
              "-".join(str(c) for c in ciphers if not grease(c)),
              "-".join(str(t) for t, _ in exts if not grease(t)),
              "-".join(str(c) for c in curves if not grease(c)),
              "-".join(str(f) for f in formats)]
    s = ",".join(fields)
    return s, hashlib.md5(s.encode()).hexdigest()


def ja4(version, ciphers, exts):
    types = [t for t, _ in exts if not grease(t)]
    ver = version
    alpn = b""
    sigs = []
    for t, d in exts:
        if t == 43:
            vs = [v for v in u16s(d[1:1 + d[0]]) if not grease(v)]
            if vs:
                ver = max(vs)
        if t == 16 and len(d) > 3:
            alpn = d[3:3 + d[2]]
        if t == 13:
            sigs = [s for s in u16s(d[2:]) if not grease(s)]
    vmap = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2"}
    cs = [c for c in ciphers if not grease(c)]
    a = "t" + vmap.get(ver, "00") + ("d" if 0 in types else "i")
    a += "%02d%02d" % (min(len(cs), 99), min(len(types), 99))
    if not alpn:
        a += "00"
    elif chr(alpn[0]).isalnum() and chr(alpn[-1]).isalnum() and alpn[0] < 128 and alpn[-1] < 128:
        a += chr(alpn[0]) + chr(alpn[-1])
    else:
        h = alpn.hex()
        a += h[0] + h[-1]
    b = hashlib.sha256(",".join("%04x" % c for c in sorted(cs)).encode()).hexdigest()[:12] \
        if cs else "000000000000"
    rest = sorted(t for t in types if t not in (0, 0x10))
    c_in = ",".join("%04x" % t for t in rest)
    if sigs:
        c_in += "_" + ",".join("%04x" % s for s in sigs)
    c = hashlib.sha256(c_in.encode()).hexdigest()[:12] if rest else "000000000000"
    return a + "_" + b + "_" + c


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            hello = parse(f.read())
        s, h = ja3(*hello)
        print(path)
        print("  ja3_string", s)
        print("  ja3       ", h)
        print("  ja4       ", ja4(*hello))
