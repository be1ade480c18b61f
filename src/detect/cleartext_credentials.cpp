// cleartext_credentials: a login sent in clear by or to a LAN device, which anyone on the
// path can read: telnet (keystrokes after a login or password prompt), FTP (USER/PASS),
// HTTP Basic (an Authorization header in a request head) and MQTT (a CONNECT with a user
// name or password). Only TCP payloads on the configured ports, and HTTP request heads,
// are looked at. The alert says which fields were sent, never their values.
#include <string.h>  // explicit_bzero

#include <algorithm>
#include <bitset>
#include <cstring>

#include "core/json_writer.h"
#include "detect/detectors.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

namespace {

using core::TimeNs;

enum class Proto : uint8_t { kTelnet, kFtp, kHttp, kMqtt };

uint32_t signature_of(Proto p) {
  switch (p) {
    case Proto::kTelnet: return sig::kCleartextTelnet;
    case Proto::kFtp: return sig::kCleartextFtp;
    case Proto::kHttp: return sig::kCleartextHttpBasic;
    default: return sig::kCleartextMqtt;
  }
}
const char* proto_name(Proto p) {
  switch (p) {
    case Proto::kTelnet: return "telnet";
    case Proto::kFtp: return "ftp";
    case Proto::kHttp: return "http";
    default: return "mqtt";
  }
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool starts_with_ci(const uint8_t* p, size_t n, std::string_view word) {
  if (n < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (lower(char(p[i])) != word[i]) return false;
  return true;
}

// Last position of `word` (lower case) in p[0, n), case-insensitive; -1 if absent.
long find_last_ci(const uint8_t* p, size_t n, std::string_view word) {
  if (n < word.size()) return -1;
  for (size_t i = n - word.size() + 1; i-- > 0;)
    if (lower(char(p[i])) == word[0] && starts_with_ci(p + i, n - i, word)) return long(i);
  return -1;
}

bool http_method(const uint8_t* p, size_t n) {
  static constexpr std::string_view kMethods[] = {"GET ",   "POST ",    "PUT ",     "HEAD ",    "DELETE ",
                                                  "PATCH ", "OPTIONS ", "CONNECT ", "PROPFIND "};
  if (n < 4 || p[0] < 'A' || p[0] > 'Z') return false;
  for (std::string_view m : kMethods)
    if (n >= m.size() && std::memcmp(p, m.data(), m.size()) == 0) return true;
  return false;
}

// Keystrokes in a telnet client segment: a printable byte outside option negotiation
// (IAC sequences, RFC 854/855).
bool telnet_keystrokes(const uint8_t* p, size_t n, bool* line_end) {
  bool typed = false;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    if (c == 0xff) {  // IAC
      if (i + 1 >= n) break;
      const uint8_t cmd = p[i + 1];
      if (cmd == 0xff) {  // an escaped 0xff data byte
        typed = true;
        ++i;
      } else if (cmd == 0xfa) {  // SB ... IAC SE
        size_t j = i + 2;
        while (j + 1 < n && !(p[j] == 0xff && p[j + 1] == 0xf0)) ++j;
        i = j + 1;
      } else if (cmd >= 0xfb && cmd <= 0xfe) {  // WILL/WONT/DO/DONT option
        i += 2;
      } else {
        i += 1;
      }
      continue;
    }
    if (c == '\r' || c == '\n') {
      *line_end = true;
    } else if (c >= 0x20 && c < 0x7f) {
      typed = true;
    }
  }
  return typed;
}

// Decodes base64 `s` into out (at most cap bytes); the decoded length, or -1.
int base64_decode(std::string_view s, uint8_t* out, size_t cap) {
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=')
      break;
    else
      return -1;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == cap) return -1;
      out[n++] = uint8_t(acc >> bits);
    }
  }
  return int(n);
}

struct Config {
  std::vector<uint16_t> telnet_ports{23, 2323};
  std::vector<uint16_t> ftp_ports{21};
  std::vector<uint16_t> mqtt_ports{1883};
  bool http_basic = true;
  size_t max_sessions = 4096;
};

// What a login carried: which fields, never their values.
struct Found {
  Proto proto;
  bool username = false;
  bool password = false;
  const char* detail = nullptr;  // e.g. the HTTP header or MQTT protocol name
};

class CleartextCredentials final : public Detector {
 public:
  explicit CleartextCredentials(Config cfg)
      : cfg_(std::move(cfg)), sessions_(cfg_.max_sessions), alerted_(cfg_.max_sessions) {
    for (uint16_t p : cfg_.telnet_ports) ports_.set(p);
    for (uint16_t p : cfg_.ftp_ports) ports_.set(p);
    for (uint16_t p : cfg_.mqtt_ports) ports_.set(p);
  }

  uint32_t interests() const override { return interest::kTcp; }
  void on_packet(const PacketContext& ctx, AlertSink& out) override {
    const decode::PacketView& pv = ctx.pv;
    if (pv.payload_len == 0 || !ctx.is_tcp() || ctx.where == Where::kOther) return;
    const uint8_t* p = pv.payload;
    const size_t n = pv.payload_len;
    if (cfg_.http_basic && (pv.app == decode::AppKind::kHttp || http_method(p, n))) {
      http(ctx, out);
      return;
    }
    if (!ports_.test(pv.dst_port) && !ports_.test(pv.src_port)) return;
    if (has(cfg_.telnet_ports, pv.dst_port) || has(cfg_.telnet_ports, pv.src_port)) {
      telnet(ctx, has(cfg_.telnet_ports, pv.dst_port), out);
    } else if (has(cfg_.ftp_ports, pv.dst_port)) {
      ftp(ctx, out);
    } else if (has(cfg_.mqtt_ports, pv.dst_port)) {
      mqtt(ctx, out);
    }
  }

  size_t state_bytes() const override { return sizeof *this + sessions_.memory_bytes() + alerted_.memory_bytes(); }

 private:
  // Per TCP connection (telnet, FTP), keyed by flow.
  struct Session {
    uint8_t prompt = 0;       // telnet: 1 after a login prompt, 2 after a password prompt
    bool user_typed = false;  // telnet: keystrokes after a login prompt; FTP: USER sent
    bool user_line = false;   // telnet: ... ended by a line end
    bool done = false;        // alerted (or nothing more to learn)
  };

  static bool has(const std::vector<uint16_t>& v, uint16_t port) {
    return std::find(v.begin(), v.end(), port) != v.end();
  }

  static uint64_t session_key(const PacketContext& ctx) {
    if (ctx.flow) return mix64(ctx.flow->flow_id) | 1;
    const decode::PacketView& pv = ctx.pv;
    return addr_key(pv.src_ip, pv.src_port) ^ addr_key(pv.dst_ip, pv.dst_port);
  }

  // The protocol handlers are out of line: the packet path, which mostly returns at its
  // first tests, stays a small frame.
  [[gnu::noinline]] void telnet(const PacketContext& ctx, bool from_client, AlertSink& out) {
    const decode::PacketView& pv = ctx.pv;
    Session& s = sessions_.touch(session_key(ctx), pv.ts);
    if (s.done) return;
    if (!from_client) {
      // The server's prompt: whichever comes last in the segment counts.
      const long login = std::max({find_last_ci(pv.payload, pv.payload_len, "login:"),
                                   find_last_ci(pv.payload, pv.payload_len, "username:"),
                                   find_last_ci(pv.payload, pv.payload_len, "user name:")});
      const long pass = std::max(find_last_ci(pv.payload, pv.payload_len, "password:"),
                                 find_last_ci(pv.payload, pv.payload_len, "passcode:"));
      if (pass > login) {
        s.prompt = 2;
      } else if (login >= 0) {
        s.prompt = 1;  // a first prompt, or again after "Login incorrect"
        s.user_typed = s.user_line = false;
      }
      return;
    }
    bool line_end = false;
    if (!telnet_keystrokes(pv.payload, pv.payload_len, &line_end)) {
      if (line_end && s.prompt == 1 && s.user_typed) s.user_line = true;
      return;
    }
    if (s.prompt == 2) {
      s.done = true;
      report(ctx, Found{Proto::kTelnet, s.user_typed, true, nullptr}, out);
    } else if (s.prompt == 1) {
      if (s.user_line) {
        // The user name was followed by more typing with no password prompt in between:
        // a login without a password, the user name in clear.
        s.done = true;
        report(ctx, Found{Proto::kTelnet, true, false, nullptr}, out);
        return;
      }
      s.user_typed = true;
      if (line_end) s.user_line = true;
    }
  }

  [[gnu::noinline]] void ftp(const PacketContext& ctx, AlertSink& out) {
    const decode::PacketView& pv = ctx.pv;
    const uint8_t* p = pv.payload;
    const size_t n = pv.payload_len;
    const bool user = starts_with_ci(p, n, "user "), pass = starts_with_ci(p, n, "pass ");
    if (!user && !pass) return;
    Session& s = sessions_.touch(session_key(ctx), pv.ts);
    if (s.done) return;
    if (user) {
      // Anonymous FTP sends an e-mail address as its "password": no credential.
      size_t e = 5;
      while (e < n && p[e] != '\r' && p[e] != '\n') ++e;
      const size_t len = e - 5;
      const bool anonymous = len == 0 || (len == 9 && starts_with_ci(p + 5, len, "anonymous")) ||
                             (len == 3 && starts_with_ci(p + 5, len, "ftp"));
      s.user_typed = !anonymous;
      s.user_line = true;  // a USER command was seen (anonymous or not)
      return;
    }
    if (s.user_line && !s.user_typed) return;  // anonymous
    size_t e = 5;
    while (e < n && p[e] != '\r' && p[e] != '\n') ++e;
    s.done = true;
    report(ctx, Found{Proto::kFtp, s.user_typed, e > 5, nullptr}, out);
  }

  [[gnu::noinline]] void http(const PacketContext& ctx, AlertSink& out) {
    const decode::PacketView& pv = ctx.pv;
    const auto* p = pv.payload;
    const size_t n = pv.payload_len;
    // Header lines up to the blank line that ends the head.
    size_t i = 0;
    while (i < n && p[i] != '\n') ++i;
    while (++i < n) {
      const uint8_t* line = p + i;
      size_t len = 0;
      while (i + len < n && p[i + len] != '\n') ++len;
      if (len == 0 || (len == 1 && line[0] == '\r')) return;  // end of the head
      const bool proxy = line[0] == 'P' || line[0] == 'p';
      if ((line[0] == 'A' || line[0] == 'a' || proxy) &&
          (starts_with_ci(line, len, "authorization:") || starts_with_ci(line, len, "proxy-authorization:"))) {
        size_t v = proxy ? 20 : 14;
        while (v < len && (line[v] == ' ' || line[v] == '\t')) ++v;
        if (starts_with_ci(line + v, len - v, "basic ")) {
          basic(ctx, line + v + 6, len - v - 6, proxy, out);
          return;
        }
      }
      i += len;
    }
  }

  void basic(const PacketContext& ctx, const uint8_t* v, size_t n, bool proxy, AlertSink& out) {
    while (n && (v[0] == ' ' || v[0] == '\t')) ++v, --n;
    size_t e = 0;
    while (e < n && v[e] != '\r' && v[e] != ' ' && v[e] != '\t') ++e;
    // Only which sides of "user:password" are non-empty is kept; the decoded bytes are
    // wiped before returning.
    uint8_t buf[512];
    const int len = base64_decode(std::string_view(reinterpret_cast<const char*>(v), e), buf, sizeof buf);
    Found f{Proto::kHttp, false, false, proxy ? "Proxy-Authorization" : "Authorization"};
    if (len > 0) {
      const auto* colon = static_cast<const uint8_t*>(std::memchr(buf, ':', size_t(len)));
      f.username = colon ? colon > buf : true;
      f.password = colon && colon + 1 < buf + len;
    }
    explicit_bzero(buf, sizeof buf);  // a wipe the compiler may not drop
    if (len <= 0) return;             // not base64: no credential to speak of
    report(ctx, f, out);
  }

  [[gnu::noinline]] void mqtt(const PacketContext& ctx, AlertSink& out) {
    const decode::PacketView& pv = ctx.pv;
    const uint8_t* p = pv.payload;
    const size_t n = pv.payload_len;
    if (n < 12 || p[0] != 0x10) return;  // CONNECT, flags 0
    // Remaining length: 1 to 4 bytes, 7 bits each.
    size_t i = 1;
    while (i < 5 && i < n && (p[i] & 0x80)) ++i;
    if (i >= 5 || i >= n) return;
    ++i;
    if (i + 2 > n) return;
    const size_t name_len = (size_t(p[i]) << 8) | p[i + 1];
    i += 2;
    const char* detail;
    if (name_len == 4 && i + 4 <= n && std::memcmp(p + i, "MQTT", 4) == 0) {
      detail = "MQTT";
    } else if (name_len == 6 && i + 6 <= n && std::memcmp(p + i, "MQIsdp", 6) == 0) {
      detail = "MQIsdp";
    } else {
      return;
    }
    i += name_len + 1;  // the name, then the protocol level
    if (i >= n) return;
    const uint8_t flags = p[i];
    if (flags & 0x01) return;  // reserved bit set: not a valid CONNECT
    if (!(flags & 0xc0)) return;
    report(ctx, Found{Proto::kMqtt, (flags & 0x80) != 0, (flags & 0x40) != 0, detail}, out);
  }

  // `ctx.pv` is the client's segment carrying the credential.
  void report(const PacketContext& ctx, const Found& f, AlertSink& out) {
    const decode::PacketView& pv = ctx.pv;
    // The LAN device concerned: for telnet, FTP and HTTP the server when it is local (a
    // device that accepts clear logins), for MQTT the client when it is local (a device
    // logging in to its broker); otherwise the other end.
    const bool server_first = f.proto != Proto::kMqtt;
    const bool use_server = server_first ? ctx.dst_local : !ctx.src_local;
    const uint32_t dev1 = use_server ? ctx.dst_dev1 : ctx.src_dev1;
    const core::IpAddr& dev_ip = use_server ? pv.dst_ip : pv.src_ip;
    const uint64_t subkey = addr_key(pv.dst_ip, pv.dst_port);
    const uint64_t dev_key = dev1 ? uint64_t(dev1) : addr_key(dev_ip);
    // Once per (device, protocol, server) for the run, not just per suppression interval.
    bool created = false;
    alerted_.touch(mix64(dev_key * 8 + uint64_t(f.proto)) ^ subkey, pv.ts, &created);
    if (!created) return;

    Alert a = packet_alert(signature_of(f.proto), ctx);
    a.device1 = dev1;  // the engine fills the MAC from the inventory
    a.device_ip = dev_ip;
    a.subkey = subkey;
    core::JsonWriter w(a.evidence);
    w.field("protocol", proto_name(f.proto));
    w.field("username", f.username);
    w.field("password", f.password);
    w.field("server", pv.dst_ip.to_string());
    w.field("server_port", uint32_t{pv.dst_port});
    w.field("device_role", use_server ? "server" : "client");
    if (f.detail) w.field(f.proto == Proto::kHttp ? "header" : "protocol_name", f.detail);
    out.raise(std::move(a));
  }

  const Config cfg_;
  std::bitset<65536> ports_;  // any telnet, FTP or MQTT port: the cheap first test
  BoundedTable<Session> sessions_;
  BoundedTable<uint8_t> alerted_;
};

}  // namespace

MakeResult make_cleartext_credentials(const ConfigView& cfg) {
  Config c;
  c.telnet_ports = cfg.ports("telnet_ports", c.telnet_ports);
  c.ftp_ports = cfg.ports("ftp_ports", c.ftp_ports);
  c.mqtt_ports = cfg.ports("mqtt_ports", c.mqtt_ports);
  c.http_basic = cfg.boolean("http_basic", true);
  c.max_sessions = cfg.u64("max_sessions", 4096, 64, 1u << 20);
  return std::unique_ptr<Detector>(new CleartextCredentials(std::move(c)));
}

}  // namespace sekisho::detect
