// outbound_flood: a LAN device taking part in a denial-of-service attack, Mirai's attack
// vectors (attack.h): SYN, ACK, UDP, GRE, DNS water torture and HTTP floods.
//
// Each vector counts only the packets that look like its attack, so ordinary traffic
// never reaches the counters:
//   syn   SYN without ACK (not Mirai's scan SYNs, whose seq is the destination address)
//   ack   ACK without SYN/RST on a flow where the device never sent a SYN and the other
//         side never acknowledged anything: data transfers, even seen mid-stream, are
//         answered with ACKs at once
//   udp   datagrams to a unicast address on a flow the other side never answered (DNS apart)
//   gre   IP protocol 47 likewise unanswered (a real tunnel carries traffic both ways)
//   http  HTTP requests
//   dns   queries for distinct first labels under one parent domain (random subdomains)
// per device, per target (the destination's /24 or /64; for dns the parent domain), in
// 1-second windows of packet time. A few targets per vector are followed with the
// Misra-Gries summary (8 targets per vector, 4 parent domains), so a scan's thousands of
// distinct destinations never add up to a flood, while a flooded target's count loses at
// most one packet in 9 of the vector's other packets.
// A vector alerts when its top target's count in the current second reaches
// max(<vector>_min, baseline_factor x baseline), the baseline being an EWMA of the top
// target's rate over the device's quiet seconds (idle seconds count as zero).
#include <algorithm>
#include <cmath>
#include <string>

#include "core/json_writer.h"
#include "detect/detectors.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

namespace {

using core::kNsPerSec;
using core::TimeNs;

constexpr TimeNs kWindow = kNsPerSec;
// A continuing flood is raised again at most this often; the engine's suppress_seconds
// decides what reaches the output.
constexpr TimeNs kRealert = 60 * kNsPerSec;

enum Vec : uint8_t { kVSyn, kVAck, kVUdp, kVGre, kVHttp, kVDns, kVecCount };
constexpr const char* kVecName[kVecCount] = {"syn", "ack", "udp", "gre", "http", "dns"};
constexpr uint32_t kVecSig[kVecCount] = {sig::kOutSynFlood, sig::kOutAckFlood,  sig::kOutUdpFlood,
                                         sig::kOutGreFlood, sig::kOutHttpFlood, sig::kOutDnsWaterTorture};

struct Config {
  uint32_t min[kVecCount] = {250, 250, 300, 50, 100, 100};
  double factor = 10;
  double alpha = 0.02;
  bool internal = false;
  uint8_t prefix_v4 = 24, prefix_v6 = 64;
  size_t max_devices = 512;
};

// Per device and vector: the current window and the learned baseline.
struct Rate {
  TimeNs win = 0;
  TimeNs alerted = 0;
  float baseline = 0;
  uint32_t total = 0;  // packets of the vector in the window, all targets
  uint32_t peak = 0;   // the top target's count in the window
};

constexpr size_t kTargets = 8;
constexpr size_t kParents = 4;

struct Target {
  uint64_t key = 0;
  uint32_t n = 0;  // Misra-Gries count in the window (0: free)
  uint16_t port = 0;
  core::IpAddr addr;  // the latest destination of the target
};

struct Vector {
  Rate rate;
  Target top[kTargets];
};

struct DnsParent {
  uint64_t key = 0;
  uint32_t n = 0;         // Misra-Gries count of queries in the window (0: free)
  uint32_t distinct = 0;  // distinct first labels in the window (estimate)
  DistinctCounter<512> labels;
  core::IpAddr resolver;
  uint8_t name_len = 0;
  bool name_cut = false;
  char name[62] = {};
};

struct Dns {
  Rate rate;
  DnsParent top[kParents];
};

struct State {
  uint32_t dev1 = 0;
  Vector vec[kVHttp + 1];
  Dns dns;
};

// An alert at `then` holds back another until kRealert later (time going back does not).
bool recent(TimeNs then, TimeNs now) { return then && now >= then && now - then < kRealert; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; }

uint64_t hash_lower(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ uint8_t(lower(c))) * 0x100000001b3ULL;
  return h;
}

void ip_text(core::JsonWriter& w, const core::IpAddr& a) {
  char buf[64];
  w.value(std::string_view(buf, a.format(buf)));
}

class OutboundFlood final : public Detector {
 public:
  explicit OutboundFlood(const Config& c) : cfg_(c), table_(c.max_devices) {}

  uint32_t interests() const override { return interest::kIp; }
  void on_packet(const PacketContext& ctx, AlertSink& out) override {
    if (!ctx.src_local) return;
    const auto& pv = ctx.pv;
    const bool outward = ctx.where == Where::kOutbound || (cfg_.internal && ctx.where == Where::kInternal);
    switch (pv.ip_proto) {
      case decode::ipproto::kTcp: {
        if (!outward || !pv.has_l4) return;
        namespace tf = decode::tcp;
        const uint8_t fl = pv.tcp_flags;
        if ((fl & (tf::kSyn | tf::kAck)) == tf::kSyn) {
          // Mirai's scan SYNs (seq == destination) are outbound_scan's, not a flood.
          if (pv.dst_ip.is_v4() && pv.tcp_seq == pv.dst_ip.v4_host_order()) return;
          count(ctx, kVSyn, out);
        } else if (pv.app == decode::AppKind::kHttp) {
          count(ctx, kVHttp, out);
        } else if ((fl & (tf::kAck | tf::kSyn | tf::kRst)) == tf::kAck && ctx.flow &&
                   !(ctx.flow->tcp_flags[ctx.dir] & tf::kSyn) && !(ctx.flow->tcp_flags[1 - ctx.dir] & tf::kAck)) {
          count(ctx, kVAck, out);
        }
        return;
      }
      case decode::ipproto::kUdp:
        if (!pv.has_l4) return;
        if (pv.app == decode::AppKind::kDns) {
          // Resolvers are often in the LAN: queries count whichever side they go to.
          if ((ctx.where == Where::kOutbound || ctx.where == Where::kInternal) && !pv.dst_ip.is_multicast())
            dns_query(ctx, out);
          return;
        }
        if (outward && unanswered(ctx)) count(ctx, kVUdp, out);
        return;
      case decode::ipproto::kGre:
        if (outward && unanswered(ctx)) count(ctx, kVGre, out);
        return;
      default: return;
    }
  }

  size_t state_bytes() const override { return table_.memory_bytes(); }

 private:
  static bool unanswered(const PacketContext& ctx) {
    return ctx.flow && ctx.flow->pkts[1 - ctx.dir] == 0 && !ctx.pv.dst_ip.is_multicast();
  }

  static uint64_t key_of(uint32_t dev1, const core::IpAddr& a) {
    return dev1 ? dev1 : addr_key(a) | (uint64_t{1} << 63);
  }

  State& state(const PacketContext& ctx) {
    State& s = table_.touch(key_of(ctx.src_dev1, ctx.pv.src_ip), ctx.pv.ts);
    s.dev1 = ctx.src_dev1;
    return s;
  }

  double threshold(Vec v, const Rate& r) const { return std::max(double(cfg_.min[v]), cfg_.factor * r.baseline); }

  // Closes the window if `now` is past it: a quiet second teaches the baseline, idle
  // seconds pull it towards zero. True if the targets must be cleared.
  bool roll(Vec v, Rate& r, TimeNs now) const {
    // The first packet, or time gone back by more than a window (the next capture file);
    // packets a little out of order count in the current window.
    if (r.win == 0 || now + kWindow < r.win) {
      r.win = now - now % kWindow;
      r.total = r.peak = 0;
      return true;
    }
    if (now < r.win + kWindow) return false;
    const TimeNs n = (now - r.win) / kWindow;
    double b = r.baseline;
    if (r.peak < threshold(v, r)) b += cfg_.alpha * (double(r.peak) - b);
    if (n > 1) b *= std::pow(1.0 - cfg_.alpha, double(std::min<TimeNs>(n - 1, 1'000'000)));
    r.baseline = float(b);
    r.win += n * kWindow;
    r.total = r.peak = 0;
    return true;
  }

  uint64_t target_key(const core::IpAddr& a) const {
    const uint8_t len = a.is_v4() ? cfg_.prefix_v4 : cfg_.prefix_v6;
    return addr_key(core::IpPrefix::of(a, len).net);
  }

  void count(const PacketContext& ctx, Vec v, AlertSink& out) {
    const auto& pv = ctx.pv;
    Vector& f = state(ctx).vec[v];
    if (roll(v, f.rate, pv.ts))
      for (auto& t : f.top) t.n = 0;
    ++f.rate.total;
    // Misra-Gries: the target's slot, a free one, or one off every slot.
    const uint64_t key = target_key(pv.dst_ip);
    Target* hit = nullptr;
    Target* free = nullptr;
    for (auto& t : f.top) {
      if (t.n && t.key == key) {
        hit = &t;
        break;
      }
      if (!t.n && !free) free = &t;
    }
    if (!hit && free) {
      hit = free;
      hit->key = key;
    }
    if (!hit) {
      for (auto& t : f.top) --t.n;
      return;
    }
    ++hit->n;
    hit->addr = pv.dst_ip;
    hit->port = pv.dst_port;
    if (hit->n > f.rate.peak) f.rate.peak = hit->n;
    if (hit->n < threshold(v, f.rate)) return;
    if (recent(f.rate.alerted, pv.ts)) return;
    f.rate.alerted = pv.ts;

    Alert a = base_alert(ctx, v);
    core::JsonWriter w(a.evidence);
    common_evidence(w, v, f.rate, hit->n);
    w.field("target_prefix_len", uint64_t{pv.dst_ip.is_v4() ? cfg_.prefix_v4 : cfg_.prefix_v6});
    w.key("top_destinations").begin_array();
    Target sorted[kTargets];
    std::copy(std::begin(f.top), std::end(f.top), sorted);
    std::sort(std::begin(sorted), std::end(sorted), [](const Target& x, const Target& y) { return x.n > y.n; });
    for (const auto& t : sorted) {
      if (!t.n) continue;
      w.begin_object().key("ip");
      ip_text(w, t.addr);
      w.field("port", uint64_t{t.port}).field("packets", uint64_t{t.n}).end_object();
    }
    w.end_array();
    out.raise(std::move(a));
  }

  void dns_query(const PacketContext& ctx, AlertSink& out) {
    const auto& pv = ctx.pv;
    const decode::DnsMessage* m = pv.dns;
    if (!m || m->is_response || m->question_count == 0) return;
    // "<label>.<parent>", the parent itself below a top-level domain.
    const std::string_view name = m->questions[0].name.view();
    const size_t dot = name.find('.');
    if (dot == 0 || dot == std::string_view::npos) return;
    std::string_view parent = name.substr(dot + 1);
    if (!parent.empty() && parent.back() == '.') parent.remove_suffix(1);
    if (parent.find('.') == std::string_view::npos) return;

    Dns& d = state(ctx).dns;
    if (roll(kVDns, d.rate, pv.ts))
      for (auto& p : d.top) p.n = 0;
    ++d.rate.total;
    const uint64_t key = hash_lower(parent);
    DnsParent* hit = nullptr;
    DnsParent* free = nullptr;
    for (auto& p : d.top) {
      if (p.n && p.key == key) {
        hit = &p;
        break;
      }
      if (!p.n && !free) free = &p;
    }
    if (!hit && free) {
      hit = free;
      hit->key = key;
      hit->labels.clear();
      hit->distinct = 0;
      hit->name_len = uint8_t(std::min(parent.size(), sizeof hit->name));
      hit->name_cut = hit->name_len < parent.size();
      std::copy_n(parent.data(), hit->name_len, hit->name);
    }
    if (!hit) {
      for (auto& p : d.top) --p.n;
      return;
    }
    ++hit->n;
    hit->resolver = pv.dst_ip;
    if (!hit->labels.add(hash_lower(name.substr(0, dot)))) return;
    hit->distinct = uint32_t(hit->labels.estimate());
    if (hit->distinct > d.rate.peak) d.rate.peak = hit->distinct;
    if (hit->distinct < threshold(kVDns, d.rate)) return;
    if (recent(d.rate.alerted, pv.ts)) return;
    d.rate.alerted = pv.ts;

    Alert a = base_alert(ctx, kVDns);
    a.proto = decode::ipproto::kUdp;
    core::JsonWriter w(a.evidence);
    common_evidence(w, kVDns, d.rate, hit->distinct);
    std::string pname(hit->name, hit->name_len);
    if (hit->name_cut) pname += "...";
    w.field("parent_domain", pname);
    w.field("queries", uint64_t{hit->n});
    w.field("sample_query", name);
    w.key("resolver");
    ip_text(w, hit->resolver);
    out.raise(std::move(a));
  }

  void common_evidence(core::JsonWriter& w, Vec v, const Rate& r, uint32_t rate) const {
    w.field("vector", kVecName[v]);
    w.field("rate", uint64_t{rate});
    w.field("window_seconds", uint64_t{1});
    w.field("baseline", double(r.baseline));
    w.field("threshold", threshold(v, r));
    w.field("min_rate", uint64_t{cfg_.min[v]});
    w.field("baseline_factor", cfg_.factor);
    w.field("packets_counted", uint64_t{r.total});
  }

  static Alert base_alert(const PacketContext& ctx, Vec v) {
    Alert a = packet_alert(kVecSig[v], ctx);
    a.device1 = ctx.src_dev1;
    a.device_ip = ctx.pv.src_ip;
    return a;
  }

  const Config cfg_;
  BoundedTable<State> table_;
};

}  // namespace

MakeResult make_outbound_flood(const ConfigView& cfg) {
  Config c;
  constexpr const char* kMinKey[kVecCount] = {"syn_min_pps", "ack_min_pps",  "udp_min_pps",
                                              "gre_min_pps", "http_min_rps", "dns_min_names"};
  for (int v = 0; v < kVecCount; ++v) c.min[v] = uint32_t(cfg.u64(kMinKey[v], c.min[v], 1, 10'000'000));
  c.factor = cfg.number("baseline_factor", c.factor, 1.0, 1e6);
  c.alpha = cfg.number("baseline_alpha", c.alpha, 1e-6, 1.0);
  c.internal = cfg.boolean("internal", c.internal);
  c.prefix_v4 = uint8_t(cfg.u64("target_prefix_v4", c.prefix_v4, 8, 32));
  c.prefix_v6 = uint8_t(cfg.u64("target_prefix_v6", c.prefix_v6, 16, 128));
  c.max_devices = size_t(cfg.u64("max_devices", c.max_devices, 16, 1 << 16));
  return std::unique_ptr<Detector>(new OutboundFlood(c));
}

}  // namespace sekisho::detect
