#!/usr/bin/python3
"""The recorder: a test device that logs every byte it receives, per connection, marked
"before" or "after" the moment a login succeeded on that connection. It speaks just enough
telnet (23), HTTP Basic (80), FTP (21) and MQTT (1883) to accept admin/admin, so a scanner's
credential check can succeed; the log then proves whether the scanner sent anything after
the successful login. With --sniff it also logs every IPv4 packet addressed to the device,
which proves that a scan out of scope sent nothing at all.

Log (JSON lines, --log FILE; SIGUSR1 truncates it and writes a "reset" record):
  {"event":"open",  "conn":N, "service":S, "port":P, "peer":IP, "peer_port":P,
   "after_service_login":bool}   (an earlier connection from this peer logged in to S)
  {"event":"data",  "conn":N, ..., "phase":"before"|"after", "len":L, "hex":"..."}
  {"event":"login", "conn":N, ..., "user":U, "ok":bool}
  {"event":"close", "conn":N, ..., "bytes_before":B, "bytes_after":A, "logged_in":bool}
  {"event":"packet","proto":"tcp"|"udp"|"icmp"|N, "src":IP, "dst":IP, "sport":P, "dport":P, "flags":"S"}
Passwords are never logged."""

import argparse
import base64
import itertools
import socket
import struct
import threading

import stubnet

USER = "admin"
PASSWORD = "admin"
IDLE_TIMEOUT = 30.0
MAX_CONN_BYTES = 1 << 20
MAX_LINE = 1024
MAX_TRIES = 3


class Recorder:
    def __init__(self, log, name):
        self.log = log
        self.name = name
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        self.logged_in = set()  # (peer ip, service) that logged in once


class Conn:
    def __init__(self, rec, service, port, peer):
        self.rec = rec
        self.id = next(rec.ids)
        self.service = service
        self.port = port
        self.peer = peer
        self.login_at = None  # offset in the received stream where the login ended
        self.events = []
        self.before = 0
        self.after = 0
        with rec.lock:
            self.after_service_login = (peer[0], service) in rec.logged_in
        self.write({"event": "open", "peer_port": peer[1], "after_service_login": self.after_service_login})

    def write(self, rec):
        base = {"conn": self.id, "service": self.service, "port": self.port, "peer": self.peer[0],
                "device": self.rec.name}
        base.update(rec)
        self.rec.log.write(base)

    def login(self, user, ok, end_offset):
        self.events.append({"event": "login", "user": user[:64], "ok": ok})
        if ok and self.login_at is None:
            self.login_at = end_offset
            with self.rec.lock:
                self.rec.logged_in.add((self.peer[0], self.service))

    def record(self, data, start):
        """Log data received at stream offset start, split at the login point."""
        end = start + len(data)
        cut = len(data) if self.login_at is None else max(0, min(len(data), self.login_at - start))
        if cut > 0:
            self.before += cut
            self.write({"event": "data", "phase": "before", "len": cut, "hex": data[:cut].hex()})
        for e in self.events:
            self.write(e)
        self.events = []
        if cut < len(data):
            self.after += end - start - cut
            self.write({"event": "data", "phase": "after", "len": len(data) - cut, "hex": data[cut:].hex()})

    def close(self):
        for e in self.events:
            self.write(e)
        self.write({"event": "close", "bytes_before": self.before, "bytes_after": self.after,
                    "logged_in": self.login_at is not None})


# --- protocols: feed(data, offset) -> (reply bytes, close?) ---------------------------------

IAC, SB, SE, WILL, WONT, DO, DONT = 255, 250, 240, 251, 252, 253, 254


class Telnet:
    def __init__(self, conn, host):
        self.c = conn
        self.host = host
        self.state = "user"
        self.tel = "data"  # IAC parser: data, iac, opt, sb, sb_iac
        self.line = bytearray()
        self.after_cr = False
        self.user = ""
        self.tries = 0
        self.just_logged_in = False

    def greeting(self):
        return bytes([IAC, WILL, 1, IAC, WILL, 3]) + b"\r\n%s login: " % self.host.encode()

    def feed(self, data, offset):
        out = bytearray()
        for i, b in enumerate(data):
            pos = offset + i
            t = self.tel
            if t == "iac":
                self.tel = "opt" if b in (WILL, WONT, DO, DONT) else "sb" if b == SB else "data"
                if b == IAC:
                    self.tel = "data"  # escaped 255: not part of a login line
                continue
            if t == "opt":
                self.tel = "data"
                continue
            if t == "sb":
                if b == IAC:
                    self.tel = "sb_iac"
                continue
            if t == "sb_iac":
                self.tel = "data" if b == SE else "sb"
                continue
            if b == IAC:
                self.tel = "iac"
                continue
            if self.after_cr:
                self.after_cr = False
                if b in (0, 10):  # CR LF / CR NUL ends one line, not two
                    if self.just_logged_in:
                        self.c.login_at = pos + 1
                    continue
            self.just_logged_in = False
            if b in (10, 13):
                self.after_cr = b == 13
                r, close = self.line_done(bytes(self.line).decode("latin-1"), pos + 1)
                self.line.clear()
                out += r
                if close:
                    return bytes(out), True
                continue
            if len(self.line) < MAX_LINE:
                self.line.append(b)
        return bytes(out), False

    def line_done(self, line, end):
        if self.state == "user":
            self.user = line.strip()
            self.state = "pass"
            return b"Password: ", False
        if self.state == "pass":
            ok = self.user == USER and line == PASSWORD
            self.c.login(self.user, ok, end)
            if ok:
                self.state = "shell"
                self.just_logged_in = True
                return b"\r\n\r\nBusyBox v1.35.0 built-in shell (ash)\r\n\r\n# ", False
            self.tries += 1
            self.state = "user"
            if self.tries >= MAX_TRIES:
                return b"\r\nLogin incorrect\r\n", True
            return b"\r\nLogin incorrect\r\n%s login: " % self.host.encode(), False
        cmd = line.strip().split(" ")[0][:64]
        if cmd in ("exit", "logout"):
            return b"", True
        return (b"-sh: %s: not found\r\n# " % cmd.encode("latin-1") if cmd else b"# "), False


class Http:
    def __init__(self, conn, host):
        self.c = conn
        self.host = host
        self.buf = b""
        self.consumed = 0

    def greeting(self):
        return b""

    def feed(self, data, offset):
        self.buf += data
        out = b""
        while True:
            try:
                req, rest = stubnet.parse_http_request(self.buf)
            except ValueError:
                return out + b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", True
            if req is None:
                return out, False
            self.buf = rest
            end = self.consumed + req.raw_len
            self.consumed = end
            keep = req.keep_alive()
            if self.c.login_at is None:
                auth = req.headers.get("authorization", "")
                user, ok = "", False
                if auth.lower().startswith("basic "):
                    try:
                        user, _, pw = base64.b64decode(auth[6:].strip(), validate=True).decode("latin-1").partition(":")
                        ok = user == USER and pw == PASSWORD
                    except (ValueError, UnicodeDecodeError):
                        user = "<undecodable>"
                    self.c.login(user, ok, end)
                if not ok:
                    body = b"<html><head><title>401 Unauthorized</title></head><body>401 Unauthorized</body></html>\n"
                    out += (b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="Recorder"\r\n'
                            b"Content-Type: text/html\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n%s"
                            % (len(body), b"keep-alive" if keep else b"close", body))
                    if not keep:
                        return out, True
                    continue
            body = b"<html><head><title>%s admin</title></head><body>Settings</body></html>\n" % self.host.encode()
            out += (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n%s"
                    % (len(body), b"keep-alive" if keep else b"close", body))
            if not keep:
                return out, True


class Ftp:
    def __init__(self, conn, host):
        self.c = conn
        self.host = host
        self.line = bytearray()
        self.user = None
        self.tries = 0

    def greeting(self):
        return b"220 %s FTP server ready.\r\n" % self.host.encode()

    def feed(self, data, offset):
        out = b""
        for i, b in enumerate(data):
            if b != 10:
                if len(self.line) >= MAX_LINE:
                    return out + b"500 Line too long.\r\n", True
                self.line.append(b)
                continue
            line = bytes(self.line).rstrip(b"\r").decode("latin-1")
            self.line.clear()
            cmd, _, arg = line.partition(" ")
            cmd = cmd.upper()
            if cmd == "QUIT":
                return out + b"221 Goodbye.\r\n", True
            if self.c.login_at is not None:
                out += {"SYST": b"215 UNIX Type: L8\r\n", "PWD": b'257 "/" is the current directory\r\n',
                        "NOOP": b"200 NOOP ok.\r\n"}.get(cmd, b"502 Command not implemented.\r\n")
            elif cmd == "USER":
                self.user = arg
                out += b"331 Please specify the password.\r\n"
            elif cmd == "PASS" and self.user is not None:
                ok = self.user == USER and arg == PASSWORD
                self.c.login(self.user, ok, offset + i + 1)
                if ok:
                    out += b"230 Login successful.\r\n"
                else:
                    self.tries += 1
                    self.user = None
                    out += b"530 Login incorrect.\r\n"
                    if self.tries >= MAX_TRIES:
                        return out, True
            elif cmd == "PASS":
                out += b"503 Login with USER first.\r\n"
            else:
                out += b"530 Please login with USER and PASS.\r\n"
        return out, False


class Mqtt:
    def __init__(self, conn, host):
        self.c = conn
        self.buf = b""
        self.consumed = 0
        self.level = 4
        self.buf_head = 0

    def greeting(self):
        return b""

    @staticmethod
    def varint(buf, pos):
        mult, val = 1, 0
        for k in range(4):
            if pos + k >= len(buf):
                return None, pos
            b = buf[pos + k]
            val += (b & 0x7F) * mult
            if not b & 0x80:
                return val, pos + k + 1
            mult *= 128
        raise ValueError("varint over 4 bytes")

    def feed(self, data, offset):
        self.buf += data
        out = b""
        while True:
            if len(self.buf) < 2:
                return out, False
            try:
                rl, p = self.varint(self.buf, 1)
            except ValueError:
                return out, True
            if rl is None:
                return out, False
            if rl > 65536:
                return out, True
            if len(self.buf) < p + rl:
                return out, False
            ptype, body = self.buf[0] >> 4, self.buf[p:p + rl]
            self.buf_head = self.buf[0]
            self.buf = self.buf[p + rl:]
            self.consumed += p + rl
            if self.c.login_at is None:
                if ptype != 1:
                    return out, True
                try:
                    r, close = self.connect(body, self.consumed)
                except (ValueError, IndexError, struct.error):
                    return out, True
                out += r
                if close:
                    return out, True
            elif ptype == 12:  # PINGREQ
                out += b"\xd0\x00"
            elif ptype == 14:  # DISCONNECT
                return out, True
            else:
                out += self.ack(ptype, (self.buf_head >> 1) & 3, body)

    def ack(self, ptype, qos, b):
        """The acknowledgements a client waits for after logging in (PUBACK, PUBREC,
        PUBCOMP, SUBACK, UNSUBACK), so a polite client can finish; never raises."""
        try:
            if ptype == 3 and qos:  # PUBLISH: topic, then the packet id
                (n,) = struct.unpack_from("!H", b, 0)
                pid = b[2 + n:4 + n]
                if len(pid) == 2:
                    return bytes([0x40 if qos == 1 else 0x50, 2]) + pid
            elif ptype == 6 and len(b) >= 2:  # PUBREL
                return b"\x70\x02" + b[:2]
            elif ptype in (8, 10) and len(b) >= 2:  # SUBSCRIBE, UNSUBSCRIBE
                codes = b"\x00"
                if self.level == 5:
                    return bytes([0x90 if ptype == 8 else 0xB0, 4]) + b[:2] + b"\x00" + codes
                if ptype == 10:
                    return b"\xb0\x02" + b[:2]
                return b"\x90\x03" + b[:2] + codes
        except struct.error:
            pass
        return b""

    def connect(self, b, end):
        def string(pos):
            (n,) = struct.unpack_from("!H", b, pos)
            if pos + 2 + n > len(b):
                raise ValueError("short string")
            return b[pos + 2:pos + 2 + n], pos + 2 + n

        name, pos = string(0)
        self.level, flags = b[pos], b[pos + 1]
        pos += 4
        if self.level == 5:
            plen, pos = self.varint(b, pos)
            if plen is None:
                raise ValueError("short properties")
            pos += plen
        _, pos = string(pos)  # client id
        if flags & 0x04:
            if self.level == 5:
                plen, pos = self.varint(b, pos)
                if plen is None:
                    raise ValueError("short will properties")
                pos += plen
            _, pos = string(pos)
            _, pos = string(pos)
        user = pw = None
        if flags & 0x80:
            user, pos = string(pos)
        if flags & 0x40:
            pw, pos = string(pos)
        ok = user == USER.encode() and pw == PASSWORD.encode()
        if user is not None:
            self.c.login(user.decode("latin-1"), ok, end)
        if self.level == 5:
            reason = 0 if ok else (0x86 if user is not None else 0x87)
            return bytes([0x20, 3, 0, reason, 0]), not ok
        rc = 0 if ok else (4 if user is not None else 5)
        return bytes([0x20, 2, 0, rc]), not ok


PROTOCOLS = {"ftp": (21, Ftp), "telnet": (23, Telnet), "http": (80, Http), "mqtt": (1883, Mqtt)}


def sniff(iface, ip, log, name):
    """Log every IPv4 packet addressed to ip that arrives on iface."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    s.bind((iface, 0))
    me = socket.inet_aton(ip)
    names = {1: "icmp", 6: "tcp", 17: "udp"}
    while True:
        pkt, addr = s.recvfrom(65535)
        if addr[2] == 4 or len(pkt) < 20 or pkt[16:20] != me:  # 4 = PACKET_OUTGOING
            continue
        ihl = (pkt[0] & 0x0F) * 4
        proto = pkt[9]
        rec = {"event": "packet", "device": name, "proto": names.get(proto, proto),
               "src": socket.inet_ntoa(pkt[12:16]), "dst": ip}
        l4 = pkt[ihl:]
        if proto in (6, 17) and len(l4) >= 4:
            rec["sport"], rec["dport"] = struct.unpack("!HH", l4[:4])
            if proto == 6 and len(l4) >= 14:
                rec["flags"] = "".join(c for c, bit in zip("FSRPAU", range(6)) if l4[13] & (1 << bit))
        elif proto == 1 and len(l4) >= 2:
            rec["type"], rec["code"] = l4[0], l4[1]
        log.write(rec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ip", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--name", default="recorder")
    ap.add_argument("--sniff", metavar="IFACE")
    a = ap.parse_args()
    log = stubnet.JsonLog(a.log)
    rec = Recorder(log, a.name)

    def handler_for(service, port, proto_cls):
        def handle(sock, peer):
            c = Conn(rec, service, port, peer)
            proto = proto_cls(c, a.name)
            try:
                g = proto.greeting()
                if g:
                    sock.sendall(g)
                total = 0
                while total < MAX_CONN_BYTES:
                    sock.settimeout(IDLE_TIMEOUT)
                    try:
                        data = sock.recv(4096)
                    except (socket.timeout, OSError):
                        break
                    if not data:
                        break
                    reply, close = proto.feed(data, total)
                    c.record(data, total)
                    total += len(data)
                    if reply:
                        sock.sendall(reply)
                    if close:
                        break
            finally:
                c.close()

        return handle

    for service, (port, cls) in PROTOCOLS.items():
        stubnet.serve_tcp(a.ip, port, handler_for(service, port, cls), a.name)
    if a.sniff:
        threading.Thread(target=sniff, args=(a.sniff, a.ip, log, a.name), daemon=True).start()
    log.write({"event": "start", "device": a.name, "ip": a.ip})
    stubnet.run_forever(a.name, on_usr1=log.reset)


if __name__ == "__main__":
    main()
