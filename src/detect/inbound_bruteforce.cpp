// inbound_bruteforce: login brute force against a LAN device over telnet, SSH, HTTP or FTP,
// from outside or from another LAN device (an infected device trying its neighbours'
// passwords is how Mirai spreads). Per (attacker, target, service) it counts, in a
// tumbling window of packet time that starts at the first attempt:
//   - new connections (the attacker's SYN opening a flow): every guess of a telnet, SSH or
//     FTP brute forcer is one or a few connections;
//   - failed logins the server reports where the payload is in clear: "Login incorrect"
//     and friends (telnet), "530 " (FTP), HTTP 401; and, for HTTP, the successful answers,
//     because an app polling a camera with digest authentication gets a 401 challenge on
//     every connection but as many successes.
// It alerts when either count crosses the service's threshold. Attackers are many and
// may be spoofed: the state is a fixed-size table. No credential is ever read or stored.
#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_writer.h"
#include "detect/detectors.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

namespace {

enum Service : uint8_t { kTelnet, kSsh, kHttp, kFtp, kServices, kNoService = kServices };

constexpr uint32_t kSignature[kServices] = {sig::kInTelnetBruteForce, sig::kInSshBruteForce, sig::kInHttpBruteForce,
                                            sig::kInFtpBruteForce};
constexpr const char* kName[kServices] = {"telnet", "ssh", "http", "ftp"};

struct Thresholds {
  uint32_t connections = 0;  // 0: connection count alone never alerts
  uint32_t failures = 0;     // 0: failures alone never alert
};

struct Config {
  core::TimeNs window = 60 * core::kNsPerSec;
  Thresholds t[kServices];
  // (port, service), a handful: searched linearly.
  std::vector<std::pair<uint16_t, Service>> ports;
  size_t table_size = 8192;
};

struct Attempts {
  core::TimeNs start = 0;
  uint32_t connections = 0;
  uint32_t failures = 0;
  uint32_t successes = 0;  // HTTP 2xx/3xx answers
  uint16_t port = 0;       // the service port of the last attempt
  bool alerted = false;
};

// Server text that says a login failed. Telnet: util-linux/BusyBox login print "Login
// incorrect", some embedded shells "Login failed" / "Access denied" / "password is
// incorrect".
bool telnet_failure(const uint8_t* p, uint32_t n) {
  const std::string_view s(reinterpret_cast<const char*>(p), n);
  return s.find("ncorrect") != std::string_view::npos || s.find("ogin failed") != std::string_view::npos ||
         s.find("ccess denied") != std::string_view::npos;
}

// FTP replies are lines "530 ..." (not logged in); a multi-packet reply starts its line.
bool ftp_failure(const uint8_t* p, uint32_t n) { return n >= 4 && std::memcmp(p, "530 ", 4) == 0; }

// HTTP status of a response's first segment, or 0.
unsigned http_status(const uint8_t* p, uint32_t n) {
  if (n < 12 || std::memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ') return 0;
  unsigned v = 0;
  for (int i = 9; i < 12; ++i) {
    if (p[i] < '0' || p[i] > '9') return 0;
    v = v * 10 + unsigned(p[i] - '0');
  }
  return v;
}

class InboundBruteforce final : public Detector {
 public:
  explicit InboundBruteforce(Config c) : cfg_(std::move(c)), table_(cfg_.table_size) {
    for (const auto& e : cfg_.ports) is_service_[e.first >> 6] |= uint64_t{1} << (e.first & 63);
  }

  uint32_t interests() const override { return interest::kTcp; }
  void on_packet(const PacketContext& ctx, AlertSink& out) override {
    if (!ctx.is_tcp()) return;
    const decode::PacketView& pv = ctx.pv;
    if (ctx.dst_local && ctx.new_flow && ctx.is_syn()) {
      // An attempt: attacker (src) -> LAN target (dst).
      const Service svc = service_of(pv.dst_port);
      if (svc == kNoService) return;
      Attempts& a = entry(pv.src_ip, pv.dst_ip, svc, pv.ts);
      ++a.connections;
      a.port = pv.dst_port;
      check(ctx, svc, a, /*from_target=*/false, out);
      return;
    }
    if (!ctx.src_local || pv.payload_len == 0) return;
    // A server answer: LAN target (src) -> attacker (dst). Only cleartext services.
    const Service svc = service_of(pv.src_port);
    if (svc == kNoService || svc == kSsh) return;
    const uint8_t* p = pv.payload;
    const uint32_t n = pv.payload_len;
    bool failed = false, succeeded = false;
    if (svc == kTelnet) {
      failed = telnet_failure(p, n);
    } else if (svc == kFtp) {
      failed = ftp_failure(p, n);
    } else {
      const unsigned st = http_status(p, n);
      failed = st == 401;
      succeeded = st >= 200 && st < 400;
    }
    if (succeeded) {
      // Only weighs against failures: no entry is made for every page a LAN server serves.
      Attempts* a = table_.find(key(pv.dst_ip, pv.src_ip, svc));
      if (a && pv.ts >= a->start && pv.ts - a->start < cfg_.window) ++a->successes;
      return;
    }
    if (!failed) return;
    Attempts& a = entry(pv.dst_ip, pv.src_ip, svc, pv.ts);
    ++a.failures;
    a.port = pv.src_port;
    check(ctx, svc, a, /*from_target=*/true, out);
  }

  size_t state_bytes() const override {
    return table_.memory_bytes() + sizeof is_service_ + cfg_.ports.capacity() * sizeof(cfg_.ports[0]);
  }

 private:
  Service service_of(uint16_t port) const {
    if (!(is_service_[port >> 6] >> (port & 63) & 1)) return kNoService;  // nearly every packet stops here
    for (const auto& [p, s] : cfg_.ports)
      if (p == port) return s;
    return kNoService;
  }

  static uint64_t key(const core::IpAddr& attacker, const core::IpAddr& target, Service svc) {
    return addr_key(attacker, addr_key(target, svc));
  }

  Attempts& entry(const core::IpAddr& attacker, const core::IpAddr& target, Service svc, core::TimeNs now) {
    Attempts& a = table_.touch(key(attacker, target, svc), now);
    // A new window when the last is over, or when time went back (files out of order).
    if (a.start == 0 || now < a.start || now - a.start >= cfg_.window) a = Attempts{now};
    return a;
  }

  void check(const PacketContext& ctx, Service svc, Attempts& a, bool from_target, AlertSink& out) const {
    if (a.alerted) return;
    const Thresholds& t = cfg_.t[svc];
    const bool by_connections = t.connections && a.connections >= t.connections;
    // HTTP: an answer of 401 per login is normal (digest challenges); failures count only
    // beyond twice the successes.
    const bool by_failures =
        t.failures && a.failures >= t.failures && (svc != kHttp || a.failures > 2 * uint64_t{a.successes});
    if (!by_connections && !by_failures) return;
    a.alerted = true;

    const decode::PacketView& pv = ctx.pv;
    const core::IpAddr& attacker = from_target ? pv.dst_ip : pv.src_ip;
    Alert al = packet_alert(kSignature[svc], ctx);
    al.device1 = from_target ? ctx.src_dev1 : ctx.dst_dev1;
    if (!al.device1 && pv.has_eth) al.mac = from_target ? pv.src_mac : pv.dst_mac;
    al.device_ip = from_target ? pv.src_ip : pv.dst_ip;
    // The alert describes the attack, attacker -> device:service, also when the packet
    // that tipped it was the device's answer ("Login incorrect", 401).
    if (from_target) {
      if (al.where == Where::kOutbound) al.where = Where::kInbound;
      std::swap(al.src_ip, al.dst_ip);
      std::swap(al.src_port, al.dst_port);
    }
    al.subkey = addr_key(attacker);
    core::JsonWriter w(al.evidence);
    w.field("service", kName[svc]);
    w.field("port", uint32_t{a.port});
    w.field("attacker", attacker.to_string());
    w.field("attempts", uint64_t{a.connections});
    w.field("failures", uint64_t{a.failures});
    if (svc == kHttp) w.field("successes", uint64_t{a.successes});
    w.field("window_seconds", uint64_t(cfg_.window / core::kNsPerSec));
    w.field("seconds", double(pv.ts - a.start) / double(core::kNsPerSec));
    w.field("crossed", by_connections ? "min_connections" : "min_failures");
    out.raise(std::move(al));
  }

  const Config cfg_;
  std::array<uint64_t, 1024> is_service_{};  // a bit per port: any service's
  BoundedTable<Attempts> table_;
};

}  // namespace

MakeResult make_inbound_bruteforce(const ConfigView& cfg) {
  Config c;
  c.window = core::TimeNs(cfg.u64("window_seconds", 60, 1, 3600)) * core::kNsPerSec;
  c.table_size = cfg.u64("table_size", 8192, 64, 1u << 22);
  struct Defaults {
    const char* name;
    std::vector<uint16_t> ports;
    uint32_t connections, failures;
  };
  const Defaults defs[kServices] = {
      {"telnet", {23, 2323}, 6, 3},
      {"ssh", {22, 2222}, 10, 0},
      {"http", {80, 8080, 8000, 81}, 600, 10},
      {"ftp", {21}, 10, 3},
  };
  for (unsigned s = 0; s < kServices; ++s) {
    const std::string n = defs[s].name;
    for (uint16_t p : cfg.ports(n + "_ports", defs[s].ports)) {
      const auto dup = std::find_if(c.ports.begin(), c.ports.end(), [p](const auto& e) { return e.first == p; });
      if (dup != c.ports.end()) {
        cfg.fail(n + "_ports", "port " + std::to_string(p) + " is already " + kName[dup->second] + "'s");
        continue;
      }
      c.ports.emplace_back(p, Service(s));
    }
    c.t[s].connections = uint32_t(cfg.u64(n + "_min_connections", defs[s].connections, 0, 1000000));
    if (s != kSsh) c.t[s].failures = uint32_t(cfg.u64(n + "_min_failures", defs[s].failures, 0, 1000000));
  }
  return std::unique_ptr<Detector>(new InboundBruteforce(std::move(c)));
}

}  // namespace sekisho::detect
