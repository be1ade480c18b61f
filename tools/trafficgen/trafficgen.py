#!/usr/bin/env python3
"""trafficgen: labelled captures for evaluating sekisho's detectors.

    python3 tools/trafficgen/trafficgen.py --shared /work/shared --out DIR [--seed N]

Writes DIR/<scenario>.pcap, DIR/<scenario>.mal (the capture times of the labelled packets,
little-endian u64 ns, sorted), DIR/labels.json, DIR/blocklist.txt and DIR/blocklist.toml.

Each scenario is real benign traffic (IoT Sentinel device-setup captures, real MACs and
addresses, shifted to a common timeline starting at BASE_US) with synthetic attack traffic
injected from or to one of the real devices of that capture: its MAC and address are the
infected (or attacked) device, the capture's gateway MAC is the next hop for anything
leaving the LAN. The attack shapes follow Mirai's source (scanner.c, attack_*.c; see
shared/reference/monitor.md section 5) and the usual brute-force tools.

Nothing is ever sent on a network: this only writes files. The output depends only on the
input captures and the seed (a seeded random.Random, no wall clock): the same seed gives
byte-identical files.
"""
import argparse
import base64
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapio as P  # noqa: E402
from pcapio import ACK, FIN, PSH, RST, SYN  # noqa: E402

SENTINEL = "data/pcap/iot-sentinel"
BASE_US = 1_700_000_000 * 1_000_000  # 2023-11-14T22:13:20Z: where every scenario's background starts
GW_MAC = P.mac("00:b5:6d:06:08:ba")  # the IoT Sentinel lab's gateway (DHCP, DNS, default route)
GW_IP = P.ip("10.10.10.1")

# Signature ids (src/detect/signatures.h).
MIRAI_TELNET_SCAN, MIRAI_VARIANT_SCAN, OUTBOUND_SCAN = 9400001, 9400002, 9400003
OUT_SYN, OUT_ACK, OUT_UDP, OUT_GRE, OUT_DNS_WT, OUT_HTTP = 9400010, 9400011, 9400012, 9400013, 9400014, 9400015
IN_TELNET_BF, IN_SSH_BF, IN_HTTP_BF = 9400020, 9400021, 9400022
IN_PORTSCAN, IN_SYN_FLOOD = 9400025, 9400030
NEW_DEVICE, CLEAR_TELNET, CLEAR_FTP, CLEAR_HTTP, CLEAR_MQTT, BLOCKLIST = (9400050, 9400052, 9400053, 9400054, 9400055,
                                                                          9400056)

# Documentation addresses (RFC 5737) stand in for Internet hosts that are not real services.
ATTACKER_TELNET = "203.0.113.45"
ATTACKER_SSH = "203.0.113.46"
ATTACKER_HTTP = "203.0.113.47"
ATTACKER_SCAN = "203.0.113.50"
REMOTE_ADMIN = "203.0.113.20"
VICTIM = "198.51.100.10"
FTP_SERVER = "198.51.100.21"
HTTP_CLOUD = "198.51.100.80"
MQTT_BROKER = "198.51.100.83"
BLOCKED_PEER = "192.0.2.66"


def ms(x):
    return int(x * 1000)


def sec(x):
    return int(x * 1_000_000)


class Host:
    """An address as seen on the capture's LAN: `l2` is its own MAC for a LAN device and the
    gateway's for anything beyond it (frames from the Internet arrive from the gateway)."""

    def __init__(self, ip, l2):
        self.ip = P.ip(ip) if isinstance(ip, str) else ip
        self.l2 = P.mac(l2) if isinstance(l2, str) else l2


def remote(ip):
    return Host(ip, GW_MAC)


class Scenario:
    def __init__(self, name, rng, description):
        self.name = name
        self.rng = rng
        self.description = description
        self.pkts = []  # (ts_us, order, frame, labelled)
        self.background = []
        self.ident = {}

    # -- background --------------------------------------------------------------------
    def add_capture(self, shared, rel, start_us):
        recs = P.read_pcap(os.path.join(shared, SENTINEL, rel))
        t0 = min(t for t, _, _ in recs)
        shift = start_us - t0
        for t, data, orig in recs:
            self.pkts.append((t + shift, len(self.pkts), data, orig, False))
        t1 = max(t for t, _, _ in recs)
        self.background.append({"capture": rel, "shift_us": shift, "start_us": start_us,
                                "duration_s": round((t1 - t0) / 1e6, 3),
                                "device_macs": sorted(device_macs(recs))})

    # -- frames ------------------------------------------------------------------------
    def frame(self, t, src, dst, proto, l4, labelled=True, ident=None, ttl=64, df=True):
        if ident is None:  # a per-sender IP id counter, as most stacks keep
            ident = self.ident.get(src.ip, self.rng.getrandbits(16))
            self.ident[src.ip] = (ident + 1) & 0xFFFF
        pkt = P.ether(dst.l2, src.l2, 0x0800, P.ipv4(src.ip, dst.ip, proto, l4, ident=ident, ttl=ttl, df=df))
        self.pkts.append((int(t), len(self.pkts), pkt, len(pkt), labelled))

    def tcp(self, t, src, dst, sport, dport, seq, ack, flags, payload=b"", labelled=True, win=29200, opts=b"", **kw):
        self.frame(t, src, dst, 6, P.tcp(src.ip, dst.ip, sport, dport, seq, ack, flags, payload, win, opts),
                   labelled, **kw)

    def udp(self, t, src, dst, sport, dport, payload, labelled=True, **kw):
        self.frame(t, src, dst, 17, P.udp(src.ip, dst.ip, sport, dport, payload), labelled, **kw)

    def raw(self, t, frame, labelled=True):
        self.pkts.append((int(t), len(self.pkts), frame, len(frame), labelled))

    def ephemeral(self):
        return 32768 + self.rng.randrange(28232)

    # -- output ------------------------------------------------------------------------
    def write(self, out_dir):
        self.pkts.sort(key=lambda p: (p[0], p[1]))
        P.write_pcap(os.path.join(out_dir, self.name + ".pcap"), ((t, d, o) for t, _, d, o, _ in self.pkts))
        times = [t * 1000 for t, _, _, _, lab in self.pkts if lab]
        with open(os.path.join(out_dir, self.name + ".mal"), "wb") as f:
            f.write(struct.pack("<%dQ" % len(times), *times))
        return times


class Conn:
    """One TCP connection with its sequence numbers, so flows look real to a flow table."""

    def __init__(self, scn, client, server, cport, sport, labelled=True):
        self.s, self.c, self.v = scn, client, server
        self.cport, self.sport = cport, sport
        self.cseq = scn.rng.getrandbits(32)
        self.sseq = scn.rng.getrandbits(32)
        self.lab = labelled
        self.ts = scn.rng.getrandbits(31)

    def handshake(self, t, rtt=0.02):
        s = self.s
        s.tcp(t, self.c, self.v, self.cport, self.sport, self.cseq, 0, SYN, labelled=self.lab, win=64240,
              opts=P.syn_options(self.ts))
        s.tcp(t + sec(rtt), self.v, self.c, self.sport, self.cport, self.sseq, self.cseq + 1, SYN | ACK,
              labelled=self.lab, win=65160, opts=P.syn_options(self.ts ^ 0x5A5A5A5A, mss=1400))
        self.cseq += 1
        self.sseq += 1
        s.tcp(t + sec(rtt) + 300, self.c, self.v, self.cport, self.sport, self.cseq, self.sseq, ACK, labelled=self.lab)
        return t + sec(rtt) + 300

    def send(self, t, from_client, data, ack_after=None):
        """A data segment (split at 1400 bytes); the peer ACKs after ack_after seconds if given."""
        s = self.s
        for i in range(0, len(data), 1400):
            chunk = data[i:i + 1400]
            if from_client:
                s.tcp(t, self.c, self.v, self.cport, self.sport, self.cseq, self.sseq, PSH | ACK, chunk,
                      labelled=self.lab)
                self.cseq += len(chunk)
            else:
                s.tcp(t, self.v, self.c, self.sport, self.cport, self.sseq, self.cseq, PSH | ACK, chunk,
                      labelled=self.lab)
                self.sseq += len(chunk)
            t += 40
        if ack_after is not None:
            t += sec(ack_after)
            self.ack(t, not from_client)
        return t

    def ack(self, t, from_client):
        if from_client:
            self.s.tcp(t, self.c, self.v, self.cport, self.sport, self.cseq, self.sseq, ACK, labelled=self.lab)
        else:
            self.s.tcp(t, self.v, self.c, self.sport, self.cport, self.sseq, self.cseq, ACK, labelled=self.lab)
        return t

    def close(self, t, from_client=True, rtt=0.02):
        """FIN, FIN-ACK, last ACK."""
        a, b = (self.c, self.v) if from_client else (self.v, self.c)
        ap, bp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        aseq, bseq = (self.cseq, self.sseq) if from_client else (self.sseq, self.cseq)
        s = self.s
        s.tcp(t, a, b, ap, bp, aseq, bseq, FIN | ACK, labelled=self.lab)
        s.tcp(t + sec(rtt), b, a, bp, ap, bseq, aseq + 1, FIN | ACK, labelled=self.lab)
        s.tcp(t + sec(rtt) + 200, a, b, ap, bp, aseq + 1, bseq + 1, ACK, labelled=self.lab)
        if from_client:
            self.cseq, self.sseq = aseq + 1, bseq + 1
        else:
            self.sseq, self.cseq = aseq + 1, bseq + 1
        return t + sec(rtt) + 200


def device_macs(recs):
    """Unicast source MACs of a capture: the devices present (IoT device, gateway, setup phone, AP)."""
    macs = set()
    for _, data, _ in recs:
        if len(data) >= 14 and not data[6] & 1:
            macs.add(P.mac_text(data[6:12]))
    return macs


def capture_info(shared, rel):
    recs = P.read_pcap(os.path.join(shared, SENTINEL, rel))
    ts = [t for t, _, _ in recs]
    return {"capture": rel, "packets": len(recs), "duration_s": round((max(ts) - min(ts)) / 1e6, 3),
            "device_macs": sorted(device_macs(recs))}


# ---- Mirai ---------------------------------------------------------------------------

_MIRAI_DOD = {6, 7, 11, 21, 22, 26, 28, 29, 30, 33, 55, 214, 215}


def mirai_random_ip(rng):
    """get_random_ip() of Mirai's scanner.c: a public IPv4 address outside the ranges it skips."""
    while True:
        a = rng.getrandbits(32)
        o1, o2 = a >> 24, (a >> 16) & 0xFF
        if (o1 in (0, 3, 10, 15, 16, 56, 127) or o1 >= 224 or o1 in _MIRAI_DOD or (o1 == 192 and o2 == 168) or
                (o1 == 172 and 16 <= o2 < 32) or (o1 == 100 and 64 <= o2 < 128) or (o1 == 169 and o2 == 254) or
                (o1 == 198 and 18 <= o2 < 20)):
            continue
        return struct.pack("!I", a)


def mirai_scan(scn, dev, start, seconds, pps, ports, burst=True, answers=(3, 3)):
    """Mirai's raw-socket scanner: SYNs with seq == destination address, one fixed source
    port, random public targets. With burst, the `pps` SYNs of each second leave back to
    back (scanner.c sends SCANNER_RAW_PPS per tick); else they are spread evenly.
    answers: (targets that answer SYN-ACK, targets that answer RST)."""
    rng = scn.rng
    sport = rng.getrandbits(16) | 1024
    win = rng.getrandbits(16)
    syns = []
    for s in range(seconds):
        t = start + sec(s) + rng.randrange(2000)
        for i in range(pps):
            dst = mirai_random_ip(rng)
            port = ports(i)
            scn.tcp(t, dev, remote(dst), sport, port, struct.unpack("!I", dst)[0], 0, SYN, win=win,
                    ident=rng.getrandbits(16), df=False)
            syns.append((t, dst, port))
            t += (40 + rng.randrange(20)) if burst else sec(1 / pps)
    # A few targets are alive. A SYN-ACK acknowledges seq+1, i.e. its address + 1 (how the bot
    # recognises its own probes); the device's kernel has no socket for it and answers RST.
    n_syn_ack, n_rst = answers
    picks = rng.sample(range(len(syns) // 2), n_syn_ack + n_rst)
    for k, idx in enumerate(picks):
        t, dst, port = syns[idx]
        seq = struct.unpack("!I", dst)[0]
        r = remote(dst)
        rtt = sec(0.03 + rng.random() * 0.15)
        if k < n_syn_ack:
            sseq = rng.getrandbits(32)
            scn.tcp(t + rtt, r, dev, port, sport, sseq, seq + 1, SYN | ACK, win=14600, opts=P.syn_options(0, 1400))
            scn.tcp(t + rtt + 150, dev, r, sport, port, seq + 1, 0, RST, win=0)
        else:
            scn.tcp(t + rtt, r, dev, port, sport, 0, seq + 1, RST | ACK, win=0)


# ---- scenarios -----------------------------------------------------------------------


class Gen:
    def __init__(self, shared, out, seed):
        self.shared, self.out, self.seed = shared, out, seed
        self.labels = []

    def scenario(self, name, description):
        # One generator per scenario, seeded from (seed, name): adding or changing one
        # scenario leaves the others' bytes alone.
        rng = random.Random(f"{self.seed}/{name}")
        return Scenario(name, rng, description)

    def emit(self, scn, device, expected, allowed=(), attacker=None, must_not=(), config=None, notes=None):
        times = scn.write(self.out)
        label = {
            "name": scn.name,
            "file": scn.name + ".pcap",
            "labelled_times": scn.name + ".mal",
            "description": scn.description,
            "expected": sorted(expected),
            "allowed": sorted(allowed),
            "device": {"mac": P.mac_text(device.l2), "ip": P.ip_text(device.ip)},
            "attacker": attacker,
            "first_malicious_ns": times[0],
            "last_malicious_ns": times[-1],
            "malicious_packets": len(times),
            "packets": len(scn.pkts),
            "bytes": os.path.getsize(os.path.join(self.out, scn.name + ".pcap")),
            "background": scn.background,
        }
        if must_not:
            label["must_not_alert"] = list(must_not)
        if config:
            label["config"] = config
        if notes:
            label["notes"] = notes
        self.labels.append(label)

    # -- outbound scanning ---------------------------------------------------------------
    def mirai_telnet_scan(self):
        s = self.scenario("mirai_telnet_scan", "Mirai telnet scanner on the Edimax camera: bursts of 160 SYNs a second "
                          "for 20 s, seq == destination address, one source port, 90% port 23 and 10% 2323, random "
                          "public targets; 3 SYN-ACKs (device RSTs) and 3 RSTs answer")
        s.add_capture(self.shared, "EdimaxCam1/Setup-A-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.51", "74:da:38:80:7a:08")
        mirai_scan(s, dev, BASE_US + sec(12), 20, 160, lambda i: 2323 if i % 10 == 0 else 23)
        self.emit(s, dev, [MIRAI_TELNET_SCAN], allowed=[OUTBOUND_SCAN])

    def mirai_telnet_scan_slow(self):
        s = self.scenario("mirai_telnet_scan_slow", "Slow Mirai telnet scanner on the Edimax plug: 10 SYNs a second "
                          "spread evenly for 40 s, seq == destination address, ports 23/2323")
        s.add_capture(self.shared, "EdimaxPlug1101W/Setup-A-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.186", "74:da:38:4a:76:49")
        mirai_scan(s, dev, BASE_US + sec(15), 40, 10, lambda i: 2323 if i % 10 == 0 else 23, burst=False,
                   answers=(1, 2))
        self.emit(s, dev, [MIRAI_TELNET_SCAN], allowed=[OUTBOUND_SCAN])

    def mirai_variant_scan(self):
        s = self.scenario("mirai_variant_scan", "Mirai variant scanner on the D-Link camera: seq == destination "
                          "address on 7547, 37215, 52869, 8080 and 80, 160 SYNs a second for 15 s")
        s.add_capture(self.shared, "D-LinkCam/Setup-A-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.37", "b0:c5:54:25:5b:0e")
        ports = (7547, 37215, 52869, 8080, 80)
        mirai_scan(s, dev, BASE_US + sec(20), 15, 160, lambda i: ports[i % len(ports)])
        self.emit(s, dev, [MIRAI_VARIANT_SCAN], allowed=[OUTBOUND_SCAN])

    def generic_scan(self):
        s = self.scenario("generic_scan", "connect() scanner on the WeMo switch: SYNs with random seq and normal "
                          "options to 200 distinct public addresses on port 22 in 20 s (a retransmission after 1 s "
                          "for the silent ones); 4 answer with an SSH banner, 10 with RST")
        s.add_capture(self.shared, "WeMoSwitch/Setup-A-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.252", "94:10:3e:35:01:c1")
        rng = s.rng
        start = BASE_US + sec(15)
        targets = []
        while len(targets) < 200:
            a = mirai_random_ip(rng)
            if a not in targets:
                targets.append(a)
        port = 40000 + rng.randrange(10000)
        for i, dst in enumerate(targets):
            t = start + sec(i * 0.1) + rng.randrange(5000)
            r = remote(dst)
            c = Conn(s, dev, r, port + i, 22)
            if i % 50 == 7:  # alive: banner, then the scanner hangs up
                t = c.handshake(t, rtt=0.05)
                t = c.send(t + sec(0.05), False, b"SSH-2.0-OpenSSH_7.4\r\n", ack_after=0.001)
                c.close(t + sec(0.01))
            elif i % 20 == 3:  # closed
                s.tcp(t, dev, r, c.cport, 22, c.cseq, 0, SYN, win=64240, opts=P.syn_options(c.ts))
                s.tcp(t + sec(0.06), r, dev, 22, c.cport, 0, c.cseq + 1, RST | ACK, win=0)
            else:  # filtered: the SYN and one retransmission
                s.tcp(t, dev, r, c.cport, 22, c.cseq, 0, SYN, win=64240, opts=P.syn_options(c.ts))
                s.tcp(t + sec(1.02), dev, r, c.cport, 22, c.cseq, 0, SYN, win=64240,
                      opts=P.syn_options(c.ts + 1020))
        self.emit(s, dev, [OUTBOUND_SCAN])

    # -- outbound floods -----------------------------------------------------------------
    def flood_times(self, rng, start, seconds, pps):
        n = int(seconds * pps)
        step = 1_000_000 / pps
        return [start + int(i * step) + rng.randrange(max(1, int(step / 2))) for i in range(n)]

    def syn_flood(self):
        s = self.scenario("syn_flood", "Mirai SYN flood (attack_tcp_syn) from the TP-Link plug: 2000 SYNs a second "
                          "for 10 s to one public address, port 80, random source ports and sequence numbers, "
                          "Mirai's SYN options")
        s.add_capture(self.shared, "TP-LinkPlugHS100/Setup-A-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.228", "50:c7:bf:00:fc:a3")
        rng, v = s.rng, remote(VICTIM)
        for t in self.flood_times(rng, BASE_US + sec(20), 10, 2000):
            s.tcp(t, dev, v, rng.getrandbits(16), 80, rng.getrandbits(32), 0, SYN, win=rng.getrandbits(16),
                  opts=P.syn_options(rng.getrandbits(32), 1400, 6), ident=rng.getrandbits(16))
        self.emit(s, dev, [OUT_SYN], attacker=None, notes=f"victim {VICTIM}")

    def ack_flood(self):
        s = self.scenario("ack_flood", "Mirai ACK flood (attack_tcp_ack) from the HomeMatic plug: 2000 ACKs a second "
                          "for 3 s to one public address, random ports, seq and ack, 512 random payload bytes")
        s.add_capture(self.shared, "HomeMaticPlug/Setup-C-4-STA.pcap", BASE_US)
        dev = Host("10.10.10.89", "00:1a:22:05:c4:2e")
        rng, v = s.rng, remote(VICTIM)
        for t in self.flood_times(rng, BASE_US + sec(20), 3, 2000):
            s.tcp(t, dev, v, rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(32), rng.getrandbits(32), ACK,
                  rng.randbytes(512), win=rng.getrandbits(16), ident=rng.getrandbits(16), df=False)
        self.emit(s, dev, [OUT_ACK], notes=f"victim {VICTIM}")

    def udp_flood(self):
        s = self.scenario("udp_flood", "Mirai UDP generic flood (attack_udp_generic) from the D-Link switch: 2000 "
                          "datagrams a second for 3 s to one public address, random ports, 512 random bytes each")
        s.add_capture(self.shared, "D-LinkSwitch/Setup-A-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.176", "90:8d:78:a9:3d:6f")
        rng, v = s.rng, remote(VICTIM)
        for t in self.flood_times(rng, BASE_US + sec(20), 3, 2000):
            s.udp(t, dev, v, rng.getrandbits(16), rng.getrandbits(16), rng.randbytes(512), ident=rng.getrandbits(16),
                  df=False)
        self.emit(s, dev, [OUT_UDP], notes=f"victim {VICTIM}")

    def gre_flood(self):
        s = self.scenario("gre_flood", "Mirai GRE-IP flood (attack_gre_ip) from the Lightify hub: 2000 GRE packets a "
                          "second for 3 s to one public address, each an encapsulated IPv4/UDP datagram with 512 "
                          "random bytes")
        s.add_capture(self.shared, "Lightify/Setup-C-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.114", "84:18:26:7b:5f:6b")
        rng, v = s.rng, remote(VICTIM)
        # attack_gre_ip: the inner source is the device, the inner destination ~(saddr - 1024).
        inner_dst = struct.pack("!I", ~(struct.unpack("!I", dev.ip)[0] - 1024) & 0xFFFFFFFF)
        for t in self.flood_times(rng, BASE_US + sec(20), 3, 2000):
            inner = P.ipv4(dev.ip, inner_dst, 17, P.udp(dev.ip, inner_dst, rng.getrandbits(16), rng.getrandbits(16),
                                                       rng.randbytes(512)), ident=rng.getrandbits(16), df=False)
            s.frame(t, dev, v, 47, b"\x00\x00\x08\x00" + inner, ident=rng.getrandbits(16), df=False)
        self.emit(s, dev, [OUT_GRE], notes=f"victim {VICTIM}")

    def dns_water_torture(self):
        s = self.scenario("dns_water_torture", "Mirai DNS water torture (attack_udp_dns) from the D-Link motion "
                          "sensor: 500 queries a second for 10 s for <12 random letters>.victim-domain.example to the "
                          "device's resolver (the gateway, 10.10.10.1); the resolver answers about half with "
                          "SERVFAIL or NXDOMAIN")
        s.add_capture(self.shared, "D-LinkSensor/Setup-A-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.72", "90:8d:78:a8:e1:43")
        rng, res = s.rng, Host(GW_IP, GW_MAC)
        letters = "abcdefghijklmnopqrstuvwxyz"
        for t in self.flood_times(rng, BASE_US + sec(20), 10, 500):
            name = "".join(letters[rng.randrange(26)] for _ in range(12)) + ".victim-domain.example"
            qid, sport = rng.getrandbits(16), rng.getrandbits(16) | 1024
            s.udp(t, dev, res, sport, 53, P.dns_query(qid, name), ident=rng.getrandbits(16))
            if rng.random() < 0.5:
                s.udp(t + sec(0.02 + rng.random() * 0.3), res, dev, 53, sport,
                      P.dns_answer(qid, name, rcode=2 if rng.random() < 0.7 else 3))
        self.emit(s, dev, [OUT_DNS_WT], notes="victim domain victim-domain.example")

    def http_flood(self):
        s = self.scenario("http_flood", "Mirai HTTP flood (attack_app_http) from the D-Link siren: 400 connections "
                          "to one public web server, 5 keep-alive GETs each, about 200 requests a second for 10 s, "
                          "full handshakes, 200 answers")
        s.add_capture(self.shared, "D-LinkSiren/Setup-A-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.39", "90:8d:78:dd:0d:60")
        rng, v = s.rng, remote(VICTIM)
        agents = ["Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/51.0.2704.103 "
                  "Safari/537.36",
                  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_6) AppleWebKit/601.7.7 (KHTML, like Gecko) "
                  "Version/9.1.2 Safari/601.7.7"]
        body = b"<html><body>ok</body></html>"
        resp = (b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                b"Connection: keep-alive\r\n\r\n" % len(body)) + body
        start = BASE_US + sec(20)
        for k in range(400):
            t = start + sec(k * 0.025) + rng.randrange(3000)
            c = Conn(s, dev, v, s.ephemeral(), 80)
            t = c.handshake(t, rtt=0.015)
            for r in range(5):
                req = (f"GET /{['', 'index.html', 'login', 'search?q=' + str(rng.getrandbits(20))][r % 4]} HTTP/1.1\r\n"
                       f"Host: {VICTIM}\r\nUser-Agent: {agents[k % 2]}\r\nAccept: text/html,application/xhtml+xml,"
                       f"application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.8\r\nConnection: "
                       f"keep-alive\r\n\r\n").encode()
                t = c.send(t + 200, True, req)
                t = c.send(t + sec(0.015), False, resp)
                t = c.ack(t + 200, True)
            c.close(t + 300)
        self.emit(s, dev, [OUT_HTTP], notes=f"victim {VICTIM}")

    # -- inbound ---------------------------------------------------------------------------
    def telnet_bruteforce(self):
        s = self.scenario("telnet_bruteforce", "Telnet brute force against the D-Link camera from one Internet "
                          "address: 30 connections in 60 s, each login: prompt, a Mirai user/password pair, Login "
                          "incorrect")
        s.add_capture(self.shared, "D-LinkCam/Setup-A-2-STA.pcap", BASE_US)
        dev = Host("10.10.10.37", "b0:c5:54:25:5b:0e")
        rng, a = s.rng, remote(ATTACKER_TELNET)
        creds = [("root", "xc3511"), ("root", "vizxv"), ("admin", "admin"), ("root", "888888"), ("root", "default"),
                 ("support", "support"), ("root", "12345"), ("user", "user"), ("admin", "password"), ("root", "root")]
        start = BASE_US + sec(20)
        for k in range(30):
            t = start + sec(k * 2) + rng.randrange(sec(0.5))
            c = Conn(s, a, dev, s.ephemeral(), 23)
            t = c.handshake(t, rtt=0.08)
            t = c.send(t + sec(0.01), False, b"\xff\xfd\x01\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03")
            t = c.send(t + sec(0.08), True, b"\xff\xfc\x01\xff\xfc\x1f\xff\xfe\x01\xff\xfe\x03")
            t = c.send(t + sec(0.08), False, b"\r\n(none) login: ")
            user, pw = creds[k % len(creds)]
            t = c.send(t + sec(0.08), True, user.encode() + b"\r\n")
            t = c.send(t + sec(0.01), False, user.encode() + b"\r\nPassword: ")
            t = c.send(t + sec(0.08), True, pw.encode() + b"\r\n")
            t = c.send(t + sec(1.0), False, b"\r\nLogin incorrect\r\n(none) login: ")
            c.close(t + sec(0.08), from_client=True, rtt=0.08)
        self.emit(s, dev, [IN_TELNET_BF], allowed=[CLEAR_TELNET], attacker=ATTACKER_TELNET)

    def ssh_bruteforce(self):
        s = self.scenario("ssh_bruteforce", "SSH brute force against the Hue bridge from one Internet address: 30 "
                          "connections in 60 s, banners and key exchange, three encrypted password tries, the "
                          "server closes")
        s.add_capture(self.shared, "HueBridge/Setup-A-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.6", "00:17:88:24:76:ff")
        rng, a = s.rng, remote(ATTACKER_SSH)
        start = BASE_US + sec(20)
        for k in range(30):
            t = start + sec(k * 2) + rng.randrange(sec(0.5))
            c = Conn(s, a, dev, s.ephemeral(), 22)
            t = c.handshake(t, rtt=0.06)
            t = c.send(t + sec(0.01), False, b"SSH-2.0-dropbear_2014.63\r\n")
            t = c.send(t + sec(0.06), True, b"SSH-2.0-libssh2_1.4.3\r\n")
            t = c.send(t + 300, True, rng.randbytes(700))  # KEXINIT (binary)
            t = c.send(t + sec(0.01), False, rng.randbytes(480))
            t = c.send(t + sec(0.06), True, rng.randbytes(48))  # KEXDH_INIT
            t = c.send(t + sec(0.03), False, rng.randbytes(640))  # KEXDH_REPLY + NEWKEYS
            t = c.send(t + sec(0.06), True, rng.randbytes(64))  # NEWKEYS + service request
            for _ in range(3):  # userauth password, failure
                t = c.send(t + sec(0.06), True, rng.randbytes(96))
                t = c.send(t + sec(0.5), False, rng.randbytes(64))
            c.close(t + sec(0.01), from_client=False, rtt=0.06)
        self.emit(s, dev, [IN_SSH_BF], attacker=ATTACKER_SSH)

    def http_bruteforce(self):
        s = self.scenario("http_bruteforce", "HTTP Basic brute force against the D-Link camera's web server from one "
                          "Internet address: 40 requests in 60 s (GET and POST, one connection each) with "
                          "Authorization: Basic, each answered 401")
        s.add_capture(self.shared, "D-LinkCam/Setup-A-3-STA.pcap", BASE_US)
        dev = Host("10.10.10.37", "b0:c5:54:25:5b:0e")
        rng, a = s.rng, remote(ATTACKER_HTTP)
        users = ["admin", "root", "user", "admin", "service"]
        pwds = ["admin", "1234", "12345", "password", "", "123456", "admin123", "default"]
        start = BASE_US + sec(20)
        deny = (b"HTTP/1.1 401 Unauthorized\r\nServer: alphapd\r\nWWW-Authenticate: Basic realm=\"DCS-930L\"\r\n"
                b"Content-Type: text/html\r\nContent-Length: 0\r\n\r\n")
        for k in range(40):
            t = start + sec(k * 1.5) + rng.randrange(sec(0.3))
            c = Conn(s, a, dev, s.ephemeral(), 80)
            t = c.handshake(t, rtt=0.07)
            cred = base64.b64encode(f"{users[k % 5]}:{pwds[k % 8]}".encode()).decode()
            if k % 2:
                req = (f"GET /setup.htm HTTP/1.1\r\nHost: {P.ip_text(dev.ip)}\r\nAuthorization: Basic {cred}\r\n"
                       f"User-Agent: python-requests/2.18.4\r\nAccept: */*\r\n\r\n").encode()
            else:
                form = b"user=admin&pass=x"
                req = (f"POST /login.cgi HTTP/1.1\r\nHost: {P.ip_text(dev.ip)}\r\nAuthorization: Basic {cred}\r\n"
                       f"User-Agent: python-requests/2.18.4\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                       f"Content-Length: {len(form)}\r\n\r\n").encode() + form
            t = c.send(t + 200, True, req)
            t = c.send(t + sec(0.02), False, deny)
            c.close(t + sec(0.07), from_client=True, rtt=0.07)
        self.emit(s, dev, [IN_HTTP_BF], allowed=[CLEAR_HTTP], attacker=ATTACKER_HTTP)

    def _port_scan(self, s, scanner, dev, start, open_ports):
        rng = s.rng
        ports = rng.sample(range(1, 10001), 1000)
        sport = 40000 + rng.randrange(20000)
        for i, p in enumerate(ports):  # nmap -sS: one source port, window 1024, MSS option only
            t = start + sec(i * 0.005) + rng.randrange(2000)
            seq = rng.getrandbits(32)
            s.tcp(t, scanner, dev, sport, p, seq, 0, SYN, win=1024, opts=b"\x02\x04\x05\xb4", ident=rng.getrandbits(16),
                  df=False, ttl=48)
            rtt = 300 + rng.randrange(700)
            if p in open_ports:
                s.tcp(t + rtt, dev, scanner, p, sport, rng.getrandbits(32), seq + 1, SYN | ACK, win=14600,
                      opts=P.syn_options(0, 1460))
                s.tcp(t + 2 * rtt, scanner, dev, sport, p, seq + 1, 0, RST, win=0, ident=rng.getrandbits(16),
                      df=False)
            else:
                s.tcp(t + rtt, dev, scanner, p, sport, 0, seq + 1, RST | ACK, win=0)

    def port_scan(self):
        s = self.scenario("port_scan", "SYN port scan of the WeMo switch from one Internet address: 1000 ports in 5 s "
                          "(nmap -sS style), RST from closed ports, SYN-ACK from the open ones")
        s.add_capture(self.shared, "WeMoSwitch/Setup-A-3-STA.pcap", BASE_US)
        dev = Host("10.10.10.252", "94:10:3e:35:01:c1")
        self._port_scan(s, remote(ATTACKER_SCAN), dev, BASE_US + sec(20), {49153, 80})
        self.emit(s, dev, [IN_PORTSCAN], attacker=ATTACKER_SCAN)

    def port_scan_internal(self):
        s = self.scenario("port_scan_internal", "SYN port scan of the D-Link camera from another LAN device (the "
                          "TP-Link plug, its capture overlaid): 1000 ports in 5 s")
        s.add_capture(self.shared, "D-LinkCam/Setup-A-4-STA.pcap", BASE_US)
        s.add_capture(self.shared, "TP-LinkPlugHS100/Setup-A-2-STA.pcap", BASE_US + sec(1))
        dev = Host("10.10.10.37", "b0:c5:54:25:5b:0e")
        scanner = Host("10.10.10.228", "50:c7:bf:00:fc:a3")
        self._port_scan(s, scanner, dev, BASE_US + sec(25), {80, 443, 554})
        self.emit(s, dev, [IN_PORTSCAN], attacker="10.10.10.228")

    def inbound_syn_flood(self):
        s = self.scenario("inbound_syn_flood", "SYN flood against the Edimax camera's port 80 from spoofed random "
                          "public sources: 2000 SYNs a second for 5 s; the camera answers the first 128 (its backlog)")
        s.add_capture(self.shared, "EdimaxCam1/Setup-A-2-STA.pcap", BASE_US)
        dev = Host("10.10.10.51", "74:da:38:80:7a:08")
        rng = s.rng
        for k, t in enumerate(self.flood_times(rng, BASE_US + sec(15), 5, 2000)):
            src = remote(mirai_random_ip(rng))
            sport, seq = rng.getrandbits(16), rng.getrandbits(32)
            s.tcp(t, src, dev, sport, 80, seq, 0, SYN, win=rng.getrandbits(16), ident=rng.getrandbits(16),
                  ttl=rng.randrange(40, 120))
            if k < 128:
                s.tcp(t + 200, dev, src, 80, sport, rng.getrandbits(32), seq + 1, SYN | ACK, win=14600,
                      opts=P.syn_options(0, 1460))
        self.emit(s, dev, [IN_SYN_FLOOD], attacker="spoofed random public sources")

    # -- household ---------------------------------------------------------------------------
    def _phone_visit(self, s, phone_mac, phone_ip, client_id, t, labelled):
        """A phone joins: DHCP DISCOVER/OFFER/REQUEST/ACK, DNS, an HTTPS connection."""
        rng = s.rng
        bcast = Host("255.255.255.255", "ff:ff:ff:ff:ff:ff")
        zero = Host("0.0.0.0", phone_mac)
        gw = Host(GW_IP, GW_MAC)
        phone = Host(phone_ip, phone_mac)
        xid = rng.getrandbits(32)
        opts = [(61, client_id), (57, b"\x05\xdc"), (60, b"android-dhcp-13"), (12, b"pixel-7a"),
                (55, bytes([1, 3, 6, 15, 26, 28, 51, 58, 59, 43, 114, 108]))]
        for mtype, extra in ((1, []), (3, [(50, phone.ip), (54, GW_IP)])):
            s.udp(t, zero, bcast, 68, 67, P.dhcp(1, xid, phone.l2, [(53, bytes([mtype]))] + extra + opts), labelled,
                  ident=0, ttl=64)
            reply = 2 if mtype == 1 else 5
            s.udp(t + sec(0.01), gw, phone, 67, 68,
                  P.dhcp(2, xid, phone.l2, [(53, bytes([reply])), (54, GW_IP), (51, struct.pack("!I", 43200)),
                                            (1, P.ip("255.255.255.0")), (3, GW_IP), (6, GW_IP)],
                         yiaddr=phone.ip, siaddr=GW_IP), labelled)
            t += sec(0.3)
        google = P.ip("142.250.74.100")
        for name in ("connectivitycheck.gstatic.com", "www.google.com"):
            qid, sport = rng.getrandbits(16), s.ephemeral()
            s.udp(t, phone, gw, sport, 53, P.dns_query(qid, name), labelled)
            s.udp(t + sec(0.02), gw, phone, 53, sport, P.dns_answer(qid, name, [google]), labelled)
            t += sec(0.05)
        c = Conn(s, phone, remote(google), s.ephemeral(), 443, labelled)
        t = c.handshake(t, rtt=0.02)
        t = c.send(t + 200, True, P.tls_client_hello(rng, "www.google.com"))
        t = c.send(t + sec(0.02), False, P.tls_records(rng, 4200), ack_after=0.0005)
        t = c.send(t + sec(0.01), True, P.tls_records(rng, 120))
        t = c.send(t + sec(0.02), False, P.tls_records(rng, 2000), ack_after=0.0005)
        c.close(t + sec(2), from_client=True)
        return t

    def new_device(self):
        s = self.scenario("new_device", "A phone with a randomised MAC joins 150 s into a capture of three real "
                          "devices (Hue bridge, D-Link camera, Lightify hub, overlaid from the start) and does DHCP, "
                          "DNS and HTTPS; 100 s later the same phone returns with another random MAC but the same "
                          "DHCP client id and hostname, which must not alert again")
        s.add_capture(self.shared, "HueBridge/Setup-A-2-STA.pcap", BASE_US)
        s.add_capture(self.shared, "D-LinkCam/Setup-A-5-STA.pcap", BASE_US + sec(0.5))
        s.add_capture(self.shared, "Lightify/Setup-C-4-STA.pcap", BASE_US + sec(1))
        s.add_capture(self.shared, "HueBridge/Setup-A-3-STA.pcap", BASE_US + sec(165))
        rng = s.rng
        client_id = b"\xff\x00\x00\x00\x01\x00\x04" + rng.randbytes(16)  # RFC 4361: IAID + DUID-UUID
        mac1 = bytes([0xDA, 0xA1, 0x19]) + rng.randbytes(3)  # locally administered (randomised)
        mac2 = bytes([0x7E, 0x3C, 0x82]) + rng.randbytes(3)
        self._phone_visit(s, mac1, "10.10.10.150", client_id, BASE_US + sec(150), True)
        self._phone_visit(s, mac2, "10.10.10.151", client_id, BASE_US + sec(250), False)
        dev = Host("10.10.10.150", mac1)
        self.emit(s, dev, [NEW_DEVICE], must_not=[{"signature_id": NEW_DEVICE, "mac": P.mac_text(mac2)}],
                  notes=f"second visit: {P.mac_text(mac2)} 10.10.10.151 from 250 s, same client id and hostname")

    def cleartext_telnet(self):
        s = self.scenario("cleartext_telnet", "A telnet login to the D-Link switch from an Internet address (remote "
                          "administration): character-mode client, user echoed, password not, a shell prompt, "
                          "two commands, exit")
        s.add_capture(self.shared, "D-LinkSwitch/Setup-A-2-STA.pcap", BASE_US)
        dev = Host("10.10.10.176", "90:8d:78:a9:3d:6f")
        rng = s.rng
        c = Conn(s, remote(REMOTE_ADMIN), dev, s.ephemeral(), 23)
        t = c.handshake(BASE_US + sec(30), rtt=0.04)
        t = c.send(t + sec(0.01), False, b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27")
        t = c.send(t + sec(0.04), True, b"\xff\xfb\x18\xff\xfb\x20\xff\xfb\x23\xff\xfb\x27")
        t = c.send(t + sec(0.04), False, b"\xff\xfb\x03\xff\xfd\x01\xff\xfb\x05\xff\xfd\x21\xff\xfb\x01")
        t = c.send(t + sec(0.04), True, b"\xff\xfd\x03\xff\xfc\x01\xff\xfd\x01")
        t = c.send(t + sec(0.05), False, b"\r\nDSP-W215 login: ")

        def typed(t, text, echo):
            for ch in text:
                t = c.send(t + sec(0.12 + rng.random() * 0.1), True, ch.encode())
                t = c.send(t + sec(0.04), False, ch.encode()) if echo else c.ack(t + sec(0.04), False)
            return t

        t = typed(t, "admin\r", True)
        t = c.send(t + sec(0.04), False, b"\nPassword: ")
        t = typed(t, "Hunter2-switch\r", False)
        t = c.send(t + sec(0.3), False, b"\r\n\r\nBusyBox v1.19.4 built-in shell (ash)\r\n\r\n# ")
        t = typed(t, "uptime\r", True)
        t = c.send(t + sec(0.05), False, b"\n 12:01:33 up 3 days,  2:14,  load average: 0.08, 0.03, 0.01\r\n# ")
        t = typed(t, "exit\r", True)
        c.close(t + sec(0.05), from_client=False, rtt=0.04)
        self.emit(s, dev, [CLEAR_TELNET], attacker=None, notes=f"client {REMOTE_ADMIN}")

    def cleartext_ftp(self):
        s = self.scenario("cleartext_ftp", "The Edimax camera uploads a snapshot to an FTP server on the Internet: "
                          "USER/PASS in cleartext, passive mode, STOR")
        s.add_capture(self.shared, "EdimaxCam1/Setup-A-4-STA.pcap", BASE_US)
        dev = Host("10.10.10.51", "74:da:38:80:7a:08")
        rng = s.rng
        srv = remote(FTP_SERVER)
        c = Conn(s, dev, srv, s.ephemeral(), 21)
        t = c.handshake(BASE_US + sec(10), rtt=0.03)
        steps = [(False, b"220 ProFTPD 1.3.5 Server ready.\r\n"), (True, b"USER camera\r\n"),
                 (False, b"331 Password required for camera\r\n"), (True, b"PASS snap-Upl0ad\r\n"),
                 (False, b"230 User camera logged in\r\n"), (True, b"TYPE I\r\n"), (False, b"200 Type set to I\r\n"),
                 (True, b"PASV\r\n"), (False, b"227 Entering Passive Mode (198,51,100,21,195,80).\r\n"),
                 (True, b"STOR snapshot-0001.jpg\r\n")]
        for from_client, data in steps:
            t = c.send(t + sec(0.03), from_client, data)
        d = Conn(s, dev, srv, s.ephemeral(), 195 * 256 + 80)
        td = d.handshake(t + sec(0.01), rtt=0.03)
        t = c.send(t + sec(0.04), False, b"150 Opening BINARY mode data connection for snapshot-0001.jpg\r\n")
        td = d.send(td + 200, True, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(5600), ack_after=0.03)
        td = d.close(td + sec(0.01), from_client=True, rtt=0.03)
        t = c.send(td + sec(0.02), False, b"226 Transfer complete\r\n")
        t = c.send(t + sec(0.03), True, b"QUIT\r\n")
        t = c.send(t + sec(0.03), False, b"221 Goodbye.\r\n")
        c.close(t + sec(0.01), from_client=False, rtt=0.03)
        self.emit(s, dev, [CLEAR_FTP], notes=f"server {FTP_SERVER}")

    def cleartext_http_basic(self):
        s = self.scenario("cleartext_http_basic", "The WeMo switch calls a cloud API over plain HTTP with "
                          "Authorization: Basic (three requests on one connection)")
        s.add_capture(self.shared, "WeMoSwitch/Setup-A-4-STA.pcap", BASE_US)
        dev = Host("10.10.10.252", "94:10:3e:35:01:c1")
        c = Conn(s, dev, remote(HTTP_CLOUD), s.ephemeral(), 80)
        t = c.handshake(BASE_US + sec(40), rtt=0.05)
        cred = base64.b64encode(b"wemo-94103e3501c1:Sw1tch-secret").decode()
        for path in ("/api/v1/status", "/api/v1/rules", "/api/v1/firmware"):
            req = (f"GET {path} HTTP/1.1\r\nHost: api.iot-cloud.example\r\nAuthorization: Basic {cred}\r\n"
                   f"User-Agent: WeMo/2.00 UPnP/1.0\r\nAccept: */*\r\n\r\n").encode()
            t = c.send(t + sec(0.2), True, req)
            t = c.send(t + sec(0.05), False, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 15\r\n\r\n{\"status\":\"ok\"}", ack_after=0.001)
        c.close(t + sec(1), from_client=True, rtt=0.05)
        self.emit(s, dev, [CLEAR_HTTP], notes=f"server {HTTP_CLOUD}")

    def cleartext_mqtt(self):
        s = self.scenario("cleartext_mqtt", "The D-Link door sensor connects to an MQTT broker on the Internet on "
                          "port 1883 with a username and password in CONNECT, publishes, pings and disconnects")
        s.add_capture(self.shared, "D-LinkDoorSensor/Setup-C-1-STA.pcap", BASE_US)
        dev = Host("10.10.10.87", "1c:5f:2b:aa:fd:4e")

        def utf(x):
            return struct.pack("!H", len(x)) + x

        var = utf(b"MQTT") + b"\x04\xc2" + struct.pack("!H", 60)
        payload = utf(b"doorsensor-1c5f2baafd4e") + utf(b"sensor") + utf(b"Door-mqtt-pw")
        connect = b"\x10" + bytes([len(var) + len(payload)]) + var + payload
        topic, msg = b"home/door/state", b"closed"
        publish = b"\x30" + bytes([2 + len(topic) + len(msg)]) + utf(topic) + msg
        c = Conn(s, dev, remote(MQTT_BROKER), s.ephemeral(), 1883)
        t = c.handshake(BASE_US + sec(30), rtt=0.03)
        t = c.send(t + 200, True, connect)
        t = c.send(t + sec(0.03), False, b"\x20\x02\x00\x00")
        t = c.send(t + sec(0.01), True, publish, ack_after=0.03)
        t = c.send(t + sec(5), True, b"\xc0\x00")
        t = c.send(t + sec(0.03), False, b"\xd0\x00")
        t = c.send(t + sec(1), True, b"\xe0\x00")
        c.close(t + 200, from_client=True, rtt=0.03)
        self.emit(s, dev, [CLEAR_MQTT], notes=f"broker {MQTT_BROKER}")

    def blocklist(self):
        s = self.scenario("blocklist", "The Withings scale resolves a name and opens an HTTPS connection to an "
                          "address on the block list (blocklist.txt, passed with blocklist.toml)")
        s.add_capture(self.shared, "Withings/Setup-C-2-STA.pcap", BASE_US)
        dev = Host("10.10.10.21", "00:24:e4:24:80:2a")
        rng, gw = s.rng, Host(GW_IP, GW_MAC)
        name = "update.bad-peer.example"
        t = BASE_US + sec(25)
        qid, sport = rng.getrandbits(16), s.ephemeral()
        s.udp(t, dev, gw, sport, 53, P.dns_query(qid, name))
        s.udp(t + sec(0.03), gw, dev, 53, sport, P.dns_answer(qid, name, [P.ip(BLOCKED_PEER)], ttl=60))
        c = Conn(s, dev, remote(BLOCKED_PEER), s.ephemeral(), 443)
        t = c.handshake(t + sec(0.05), rtt=0.04)
        t = c.send(t + 200, True, P.tls_client_hello(rng, name))
        t = c.send(t + sec(0.04), False, P.tls_records(rng, 3000), ack_after=0.0005)
        t = c.send(t + sec(0.02), True, P.tls_records(rng, 400), ack_after=0.04)
        c.close(t + sec(0.5), from_client=True, rtt=0.04)
        with open(os.path.join(self.out, "blocklist.txt"), "w") as f:
            f.write("# trafficgen block list: documentation addresses only (RFC 5737)\n"
                    f"{BLOCKED_PEER}\n192.0.2.128/25\n198.51.100.200\n")
        with open(os.path.join(self.out, "blocklist.toml"), "w") as f:
            f.write("# Config for the blocklist scenario: the list sits next to this file.\n"
                    "[detect.blocklist]\nfiles = [\"blocklist.txt\"]\n")
        self.emit(s, dev, [BLOCKLIST], attacker=BLOCKED_PEER, config="blocklist.toml")

    SCENARIOS = ["mirai_telnet_scan", "mirai_telnet_scan_slow", "mirai_variant_scan", "generic_scan", "syn_flood",
                 "ack_flood", "udp_flood", "gre_flood", "dns_water_torture", "http_flood", "telnet_bruteforce",
                 "ssh_bruteforce", "http_bruteforce", "port_scan", "port_scan_internal", "inbound_syn_flood",
                 "new_device", "cleartext_telnet", "cleartext_ftp", "cleartext_http_basic", "cleartext_mqtt",
                 "blocklist"]

    def run(self, only=None):
        for name in self.SCENARIOS:
            if only and name not in only:
                continue
            getattr(self, name)()
        benign = []
        root = os.path.join(self.shared, SENTINEL)
        for d in sorted(os.listdir(root)):
            if not os.path.isdir(os.path.join(root, d)):
                continue
            for f in sorted(os.listdir(os.path.join(root, d))):
                if f.endswith(".pcap"):
                    benign.append(capture_info(self.shared, f"{d}/{f}"))
        doc = {
            "generator": "tools/trafficgen/trafficgen.py",
            "seed": self.seed,
            "base_time_ns": BASE_US * 1000,
            "gateway": {"mac": P.mac_text(GW_MAC), "ip": P.ip_text(GW_IP)},
            "times": "ns since the epoch, capture time; <scenario>.mal lists the capture time of every labelled "
                     "(injected attack) packet as little-endian u64",
            "scenarios": self.labels,
            "benign_root": SENTINEL,
            "benign": benign,
        }
        with open(os.path.join(self.out, "labels.json"), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", required=True, help="the shared folder holding data/pcap/iot-sentinel")
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--only", nargs="*", help="only these scenarios")
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(a.shared, SENTINEL)):
        print(f"trafficgen: {os.path.join(a.shared, SENTINEL)} not found", file=sys.stderr)
        return 2
    os.makedirs(a.out, exist_ok=True)
    Gen(a.shared, a.out, a.seed).run(a.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
