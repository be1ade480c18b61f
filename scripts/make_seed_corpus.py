#!/usr/bin/env python3
"""Build the seed corpora of the application-layer fuzz targets from real captures.

Reads the IoT Sentinel setup captures (classic pcap, Ethernet), pulls out the payloads that
each parser in src/decode/app/ consumes, and writes them to
tests/fuzz/corpus/fuzz_<name>/<device>-<sha1[:12]>, at most --per-protocol distinct files
per target (round-robin over devices, so one chatty device does not fill a corpus), plus a
few hand-crafted edge cases named edge-<what>. Python standard library only.

  scripts/make_seed_corpus.py                 # regenerate the corpora
  scripts/make_seed_corpus.py --summary       # also print what the devices announce
"""
import argparse
import hashlib
import os
import struct
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_PCAPS = os.path.join(REPO, "..", "shared", "data", "pcap", "iot-sentinel")
CORPUS = os.path.join(REPO, "tests", "fuzz", "corpus")
TARGETS = ("dhcp", "dns", "ssdp", "http", "tls", "lldp")

HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ", b"OPTIONS ", b"PATCH ",
                b"CONNECT ", b"TRACE ", b"SUBSCRIBE ", b"UNSUBSCRIBE ", b"NOTIFY ",
                b"M-SEARCH ")


# ---- capture reading ---------------------------------------------------------------------
def read_pcap(path):
    """Yields (linktype, frame bytes) from a classic pcap file; stops at a truncated record."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16
        if incl > len(data) - off:
            return
        yield linktype, data[off:off + incl]
        off += incl


def l2_payload(frame):
    """Ethernet (+ any 802.1Q/802.1ad tags) -> (ethertype, payload) or None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack(">H", frame[12:14])[0]
    off = 14
    while ethertype in (0x8100, 0x88A8) and off + 4 <= len(frame):
        ethertype = struct.unpack(">H", frame[off + 2:off + 4])[0]
        off += 4
    return ethertype, frame[off:]


def l3_payload(ethertype, pkt):
    """IPv4/IPv6 -> (proto, l4 bytes) or None. Non-first fragments are skipped."""
    if ethertype == 0x0800:
        if len(pkt) < 20 or pkt[0] >> 4 != 4:
            return None
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack(">H", pkt[2:4])[0]
        frag = struct.unpack(">H", pkt[6:8])[0] & 0x1FFF
        if ihl < 20 or frag != 0:
            return None
        end = min(len(pkt), total) if total >= ihl else len(pkt)
        return pkt[9], pkt[ihl:end]
    if ethertype == 0x86DD:
        if len(pkt) < 40 or pkt[0] >> 4 != 6:
            return None
        plen = struct.unpack(">H", pkt[4:6])[0]
        nxt, off = pkt[6], 40
        end = min(len(pkt), 40 + plen)
        for _ in range(8):  # hop-by-hop, routing, fragment, destination options
            if nxt not in (0, 43, 44, 60) or off + 8 > end:
                break
            if nxt == 44:
                if struct.unpack(">H", pkt[off + 2:off + 4])[0] & 0xFFF8:
                    return None
                nxt, off = pkt[off], off + 8
            else:
                nxt, off = pkt[off], off + (pkt[off + 1] + 1) * 8
        return nxt, pkt[off:end]
    return None


def l4_payload(proto, seg):
    """UDP/TCP -> ('udp'|'tcp', sport, dport, payload) or None."""
    if proto == 17 and len(seg) >= 8:
        sport, dport, ulen = struct.unpack(">HHH", seg[:6])
        end = ulen if 8 <= ulen <= len(seg) else len(seg)
        return "udp", sport, dport, seg[8:end]
    if proto == 6 and len(seg) >= 20:
        sport, dport = struct.unpack(">HH", seg[:4])
        doff = (seg[12] >> 4) * 4
        if doff < 20 or doff > len(seg):
            return None
        return "tcp", sport, dport, seg[doff:]
    return None


def classify(frame):
    """Returns (target, payload) for a frame one of our parsers consumes, else None."""
    l2 = l2_payload(frame)
    if l2 is None:
        return None
    ethertype, pkt = l2
    if ethertype == 0x88CC:
        return "lldp", pkt
    l3 = l3_payload(ethertype, pkt)
    if l3 is None:
        return None
    l4 = l4_payload(*l3)
    if l4 is None:
        return None
    kind, sport, dport, payload = l4
    if not payload:
        return None
    ports = (sport, dport)
    if kind == "udp":
        if 67 in ports or 68 in ports or 546 in ports or 547 in ports:
            return "dhcp", payload
        if 53 in ports or 5353 in ports or 5355 in ports:
            return "dns", payload
        if 1900 in ports:
            return "ssdp", payload
        return None
    if len(payload) >= 6 and payload[0] == 0x16 and payload[1] == 0x03 and payload[5] == 1:
        return "tls", payload
    if (80 in ports or 8080 in ports) and payload.startswith(HTTP_METHODS):
        return "http", payload
    return None


# ---- hand-crafted edge cases -----------------------------------------------------------------
def dns_name(*labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"


def lldp_tlv(t, value):
    return struct.pack(">H", (t << 9) | len(value)) + value


def crafted():
    out = defaultdict(list)
    mac = bytes.fromhex("0017882476ff")
    base = (lldp_tlv(1, b"\x04" + mac) + lldp_tlv(2, b"\x03" + mac) + lldp_tlv(3, b"\x00\x78"))
    out["lldp"] += [
        ("lldp-minimal", base + lldp_tlv(0, b"")),
        ("lldp-mud-url", base + lldp_tlv(5, b"sensor-1") + lldp_tlv(4, b"eth0") +
         lldp_tlv(6, b"Example sensor fw 1.2") +
         lldp_tlv(127, b"\x00\x00\x5e\x01https://example.com/mud/sensor.json") + lldp_tlv(0, b"")),
        ("lldp-wrong-order", lldp_tlv(3, b"\x00\x78") + base + lldp_tlv(0, b"")),
        ("lldp-overlong-tlv", base + struct.pack(">H", (5 << 9) | 511) + b"abc"),
        ("lldp-no-end", base + lldp_tlv(5, b"switch")),
    ]
    hdr = struct.pack(">HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0)
    q = dns_name(b"example", b"com") + b"\x00\x01\x00\x01"
    out["dns"] += [
        ("dns-pointer-loop", hdr + b"\xc0\x0c\x00\x01\x00\x01"),
        ("dns-pointer-forward", hdr + b"\xc0\x20" + b"\x00\x01\x00\x01" + b"\0" * 16),
        ("dns-compressed-answer", hdr + q + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04"
         b"\x0a\x00\x00\x01"),
        ("dns-header-lies", struct.pack(">HHHHHH", 1, 0x8400, 0, 60000, 60000, 60000) +
         b"\x00\x00\x0c\x00\x01"),
        ("dns-long-name", struct.pack(">HHHHHH", 2, 0, 1, 0, 0, 0) +
         dns_name(*([b"a" * 63] * 5)) + b"\x00\x01\x00\x01"),
    ]
    out["ssdp"] += [
        ("ssdp-no-crlf", b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nSERVER: x"),
        ("ssdp-lf-only", b"HTTP/1.1 200 OK\nST: upnp:rootdevice\nUSN: uuid:1\n\n"),
    ]
    out["http"] += [
        ("http-cut-head", b"GET /index.html HTTP/1.1\r\nHost: exa"),
        ("http-no-version", b"POST /x\r\n\r\n"),
    ]
    bootp = bytearray(236)
    bootp[0:4] = b"\x01\x01\x06\x00"
    bootp[28:34] = mac
    cookie = b"\x63\x82\x53\x63"
    out["dhcp"] += [
        ("dhcp-overload", bytes(bootp) + cookie + b"\x35\x01\x01\x34\x01\x03\x37\x03\x01\x03\x06"
         b"\x51\x0b\x05\x00\x00\x04host\x03lan\x00\xff"),
        ("dhcp-option-overrun", bytes(bootp) + cookie + b"\x35\x01\x01\x0c\xff" + b"x" * 8),
        ("dhcp6-solicit", b"\x01\x12\x34\x56" + b"\x00\x01\x00\x0a\x00\x03\x00\x01" + mac +
         b"\x00\x06\x00\x04\x00\x17\x00\x18" + b"\x00\x27\x00\x08\x01\x04host\x00\x00"),
    ]
    hello = bytearray.fromhex(
        "0303" + "00" * 32 + "00" + "0004" + "0a0a1301" + "0100" +
        "0012" + "0000000a00080000057468696e67" + "0a0a0000")
    hs = b"\x01" + struct.pack(">I", len(hello))[1:] + hello
    rec = b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs
    out["tls"] += [("tls-grease-sni", rec), ("tls-cut-in-ciphers", rec[:48])]
    return out


# ---- main ------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pcaps", default=DEFAULT_PCAPS, help="folder of <Device>/*.pcap")
    ap.add_argument("--out", default=CORPUS, help="corpus root (fuzz_<name>/ under it)")
    ap.add_argument("--per-protocol", type=int, default=40)
    ap.add_argument("--summary", action="store_true", help="print per-device counts")
    args = ap.parse_args()

    # target -> device -> [payload, ...] (distinct, in capture order)
    found = {t: defaultdict(list) for t in TARGETS}
    seen = {t: set() for t in TARGETS}
    counts = defaultdict(lambda: defaultdict(int))
    devices = sorted(d for d in os.listdir(args.pcaps)
                     if os.path.isdir(os.path.join(args.pcaps, d)))
    for dev in devices:
        ddir = os.path.join(args.pcaps, dev)
        for name in sorted(os.listdir(ddir)):
            if not name.endswith(".pcap"):
                continue
            for linktype, frame in read_pcap(os.path.join(ddir, name)):
                if linktype != 1:
                    continue
                hit = classify(frame)
                if hit is None:
                    continue
                target, payload = hit
                counts[dev][target] += 1
                digest = hashlib.sha1(payload).hexdigest()
                if digest in seen[target]:
                    continue
                seen[target].add(digest)
                found[target][dev].append(payload)

    extra = crafted()
    for target in TARGETS:
        outdir = os.path.join(args.out, "fuzz_" + target)
        os.makedirs(outdir, exist_ok=True)
        for old in os.listdir(outdir):  # the folder is generated: start clean
            os.remove(os.path.join(outdir, old))
        chosen = []
        queues = {d: list(v) for d, v in sorted(found[target].items())}
        while len(chosen) < args.per_protocol and any(queues.values()):
            for dev in sorted(queues):
                if queues[dev] and len(chosen) < args.per_protocol:
                    chosen.append((dev, queues[dev].pop(0)))
        for dev, payload in chosen:
            fname = "%s-%s" % (dev, hashlib.sha1(payload).hexdigest()[:12])
            with open(os.path.join(outdir, fname), "wb") as f:
                f.write(payload)
        for label, payload in extra.get(target, []):
            with open(os.path.join(outdir, "edge-" + label), "wb") as f:
                f.write(payload)
        distinct = sum(len(v) for v in found[target].values())
        print("fuzz_%-5s %3d real (of %d distinct), %d crafted" %
              (target, len(chosen), distinct, len(extra.get(target, []))))

    if args.summary:
        for dev in devices:
            print("%-18s %s" % (dev, " ".join("%s=%d" % kv for kv in sorted(counts[dev].items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
