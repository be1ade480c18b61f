#!/usr/bin/env python3
"""Build the seed corpus of fuzz_pcap_file.

Writes tests/fuzz/corpus/fuzz_pcap_file/:
  <device>-<setup>-first<N>.pcap  the first records (at most 20, under 8 KiB) of the
                                  smallest IoT Sentinel capture of each of 15 devices
  gen-*.pcap / gen-*.pcapng       re-encodings of one of them: nanosecond and big-endian
                                  pcap, pcapng with several interfaces, resolutions,
                                  sections and block types, and a few damaged files
Deterministic; Python standard library only.

  tests/fuzz/make_pcap_file_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CAPTURES = os.path.join(REPO, "..", "shared", "data", "pcap", "iot-sentinel")
OUT = os.path.join(HERE, "corpus", "fuzz_pcap_file")
MAX_RECORDS = 20
MAX_BYTES = 8 * 1024
DEVICES = 15


def read_records(path):
    """(header bytes, [(sec, usec, caplen, wirelen, data)]) of a little-endian µs pcap."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\xd4\xc3\xb2\xa1", path
    records, pos = [], 24
    while len(data) - pos >= 16:
        sec, usec, cap, wire = struct.unpack_from("<IIII", data, pos)
        if cap > len(data) - pos - 16:
            break
        records.append((sec, usec, cap, wire, data[pos + 16:pos + 16 + cap]))
        pos += 16 + cap
    return data[:24], records


def pcap(records, endian="<", nanos=False, snaplen=262144, linktype=1):
    magic = 0xA1B23C4D if nanos else 0xA1B2C3D4
    out = [struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for sec, usec, cap, wire, body in records:
        frac = usec * 1000 + 123 if nanos else usec
        out.append(struct.pack(endian + "IIII", sec, frac, cap, wire) + body)
    return b"".join(out)


def block(endian, btype, body):
    body += b"\0" * (-len(body) % 4)
    total = len(body) + 12
    return struct.pack(endian + "II", btype, total) + body + struct.pack(endian + "I", total)


def shb(endian):
    return block(endian, 0x0A0D0D0A, struct.pack(endian + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(endian, linktype, snaplen=0, tsresol=None, tsoffset=0):
    body = struct.pack(endian + "HHI", linktype, 0, snaplen)
    if tsresol is not None:
        body += struct.pack(endian + "HHB3x", 9, 1, tsresol)
    if tsoffset:
        body += struct.pack(endian + "HHq", 14, 8, tsoffset)
    if tsresol is not None or tsoffset:
        body += struct.pack(endian + "HH", 0, 0)
    return block(endian, 1, body)


def units(sec, usec, tsresol, tsoffset=0):
    sec -= tsoffset
    if tsresol is None or tsresol == 6:
        return sec * 10**6 + usec
    if tsresol & 0x80:
        bits = tsresol & 0x7F
        return (sec << bits) + ((usec << bits) // 10**6)
    return sec * 10**tsresol + usec * 10**tsresol // 10**6


def epb(endian, ifc, ts, record):
    _, _, cap, wire, body = record
    return block(endian, 6, struct.pack(endian + "IIIII", ifc, ts >> 32, ts & 0xFFFFFFFF, cap, wire) + body)


def pb(endian, ifc, ts, record):
    _, _, cap, wire, body = record
    return block(endian, 2, struct.pack(endian + "HHIIII", ifc, 0, ts >> 32, ts & 0xFFFFFFFF, cap, wire) + body)


def spb(endian, record):
    _, _, _, wire, body = record
    return block(endian, 3, struct.pack(endian + "I", wire) + body)


def smallest_captures():
    picks = []
    for device in sorted(os.listdir(CAPTURES)):
        folder = os.path.join(CAPTURES, device)
        if not os.path.isdir(folder):
            continue
        files = sorted((f for f in os.listdir(folder) if f.endswith(".pcap")),
                       key=lambda f: (os.path.getsize(os.path.join(folder, f)), f))
        if files:
            picks.append((os.path.getsize(os.path.join(folder, files[0])), device, files[0]))
    return sorted(picks)[:DEVICES]


def fit(records):
    """The first records, at most MAX_RECORDS, that fit in MAX_BYTES."""
    out, size = [], 24
    for r in records[:MAX_RECORDS]:
        if size + 16 + r[2] > MAX_BYTES:
            break
        out.append(r)
        size += 16 + r[2]
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith((".pcap", ".pcapng")):
            os.remove(os.path.join(OUT, name))
    files = {}
    base = None
    for _, device, fname in smallest_captures():
        _, records = read_records(os.path.join(CAPTURES, device, fname))
        kept = fit(records)
        files["%s-%s-first%d.pcap" % (device, fname[:-len(".pcap")], len(kept))] = pcap(kept)
        if base is None or len(kept) > len(base):
            base = kept
    few = base[:8]

    files["gen-ns-le.pcap"] = pcap(few, "<", nanos=True)
    files["gen-us-be.pcap"] = pcap(few, ">")
    files["gen-ns-be-snaplen64.pcap"] = pcap([(s, u, min(c, 64), w, b[:64]) for s, u, c, w, b in few],
                                             ">", nanos=True, snaplen=64)
    # Several interfaces, link types and resolutions in one section.
    resol = [None, 9, 0x80 | 20, 3]
    ng = [shb("<"), idb("<", 1), idb("<", 101, 0, 9), idb("<", 113, 0, 0x80 | 20, 1000), idb("<", 1, 96, 3)]
    ng.append(block("<", 4, struct.pack("<HH", 1, 8) + bytes([10, 0, 0, 1]) + b"host" + struct.pack("<HH", 0, 0)))
    for i, r in enumerate(few):
        ifc = i % 4
        ng.append(epb("<", ifc, units(r[0], r[1], resol[ifc], 1000 if ifc == 2 else 0), r))
    ng.append(block("<", 5, struct.pack("<IIIHH", 0, 0, 0, 0, 0)))
    files["gen-multi-interface-le.pcapng"] = b"".join(ng)
    # Big-endian: simple and obsolete packet blocks, custom and unknown blocks.
    ng = [shb(">"), idb(">", 1, 128)]
    for i, r in enumerate(few):
        if i % 3 == 0:
            ng.append(spb(">", r))
        elif i % 3 == 1:
            ng.append(pb(">", 0, units(r[0], r[1], None), r))
        else:
            ng.append(epb(">", 0, units(r[0], r[1], None), r))
    ng.append(block(">", 0x0BAD, struct.pack(">I", 32473) + b"seki"))
    ng.append(block(">", 0x1234, b"???"))
    files["gen-spb-pb-custom-be.pcapng"] = b"".join(ng)
    # Three sections, byte order changing between them.
    ng = []
    for endian in ("<", ">", "<"):
        ng += [shb(endian), idb(endian, 1, 0, 9)]
        ng += [epb(endian, 0, units(r[0], r[1], 9), r) for r in few[:3]]
    files["gen-sections-mixed-order.pcapng"] = b"".join(ng)
    # Damage the reader must survive.
    good = bytearray(pcap(few))
    bad = bytearray(good)
    struct.pack_into("<I", bad, 24 + 8, 0xFFFFFFF0)
    files["bad-huge-caplen-first.pcap"] = bytes(bad)
    bad = bytearray(good)
    pos = 24 + 16 + few[0][2]
    struct.pack_into("<I", bad, pos + 8, 262145)
    files["bad-caplen-snaplen-plus-one.pcap"] = bytes(bad)
    files["bad-truncated-last-record.pcap"] = bytes(good[:-7])
    ng = bytearray(files["gen-multi-interface-le.pcapng"])
    files["bad-block-length-trailer.pcapng"] = bytes(ng[:-4]) + b"\x01\x02\x03\x04"
    files["bad-truncated.pcapng"] = bytes(ng[:len(ng) * 2 // 3])

    for name, data in sorted(files.items()):
        assert len(data) < MAX_BYTES, (name, len(data))
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print("%6d  %s" % (len(data), name))


if __name__ == "__main__":
    main()
