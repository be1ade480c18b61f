// outbound_scan: a LAN device scanning for more victims, the first sign of a bot.
//
// Two tests on the SYNs a device sends:
//  - Mirai's fingerprint. Its scanner writes raw SYNs whose TCP sequence number is the
//    destination IPv4 address (scanner.c: tcph->seq = iph->daddr), so it can recognise
//    SYN-ACKs statelessly. A random sequence number equals the destination with
//    probability 2^-32, so a few such SYNs to distinct public addresses are conclusive:
//    the alert comes after `mirai_min_destinations` of them (3), whatever the rate.
//    Ports 23/2323 raise 9400001; the variants (80, 8080, 7547, 37215, 52869, ...) 9400002.
//  - Any other scan: SYNs to many distinct addresses on one port within a window, few of
//    them accepted (SYN-ACK back). Browsing also reaches many addresses on 443, but they
//    answer; a scan of random addresses mostly meets silence or resets.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/json_writer.h"
#include "detect/detectors.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

namespace {

using core::kNsPerSec;
using core::TimeNs;

// A detector raises a continuing scan again at most this often; the engine's
// suppress_seconds decides what reaches the output.
constexpr TimeNs kRealert = 60 * kNsPerSec;
// A Mirai episode ends after this long without a fingerprinted SYN (its counters restart).
constexpr TimeNs kMiraiEpisode = 600 * kNsPerSec;

struct Config {
  uint32_t mirai_min_destinations = 3;
  uint32_t min_destinations = 32;
  TimeNs window = 10 * kNsPerSec;
  double max_answered_ratio = 0.25;
  TimeNs answer_wait = 2 * kNsPerSec;
  bool internal = true;
  size_t max_devices = 512;
};

// A 256-bit linear-counting bitmap, one per time slice; two slices are counted together.
struct Bits {
  uint64_t w[4] = {};
  bool add(uint64_t h) {
    h = mix64(h);
    uint64_t& word = w[(h >> 6) & 3];
    const uint64_t bit = uint64_t{1} << (h & 63);
    if (word & bit) return false;
    word |= bit;
    return true;
  }
  int popcount_with(const Bits& o) const {
    int n = 0;
    for (int i = 0; i < 4; ++i) n += std::popcount(w[i] | o.w[i]);
    return n;
  }
};

// Linear counting estimate of distinct values from `set` bits of 256.
double distinct_estimate(int set) {
  if (set >= 256) return 256 * std::log(256.0);
  return -256.0 * std::log(double(256 - set) / 256.0);
}

struct PortCount {
  uint16_t port = 0;
  uint32_t n = 0;
};

// Counts per value in a few slots; values that find no slot go to `other`.
template <size_t N>
struct SmallCounts {
  PortCount c[N];
  uint32_t other = 0;
  void add(uint16_t port) {
    for (auto& e : c) {
      if (e.n && e.port == port) {
        ++e.n;
        return;
      }
      if (!e.n) {
        e = {port, 1};
        return;
      }
    }
    ++other;
  }
};

struct Mirai {
  TimeNs first = 0, last = 0;
  uint32_t syns = 0;     // all outbound SYNs of the device since `first`
  uint32_t fp_syns = 0;  // those with seq == destination
  Bits dst[2];           // distinct fingerprinted destinations: [0] telnet ports, [1] others
  uint16_t distinct[2] = {0, 0};
  uint32_t sample[5] = {};  // first distinct destinations, host order
  uint8_t samples = 0;
  SmallCounts<8> ports;
  SmallCounts<4> sports;
  TimeNs alerted[2] = {0, 0};
};

// SYNs to one destination port, in two half-window time slices (index `cur` of State).
struct PortSlot {
  uint16_t port = 0;
  bool used = false;
  TimeNs last = 0;
  Bits dst[2];
  uint32_t syns[2] = {0, 0}, answers[2] = {0, 0};
  TimeNs pending = 0;  // distinct destinations crossed the threshold; judged once answers had time
  TimeNs alerted = 0;
  // The latest SYN, for the alert's packet fields, and the latest distinct destinations.
  core::IpAddr last_src, last_dst;
  uint16_t last_sport = 0;
  uint64_t last_flow = 0;
  Where last_where = Where::kOther;
  core::IpAddr sample[5];
  uint8_t next_sample = 0;
};

struct State {
  uint32_t dev1 = 0;
  TimeNs slice_start = 0;
  uint8_t cur = 0;
  PortSlot slots[4];
  Mirai mirai;
};

// An alert at `then` holds back another until kRealert later (time going back does not).
bool recent(TimeNs then, TimeNs now) { return then && now >= then && now - then < kRealert; }

bool is_telnet(uint16_t port) { return port == 23 || port == 2323; }

uint32_t be32(const core::IpAddr& a) { return a.v4_host_order(); }

void ip_text(core::JsonWriter& w, const core::IpAddr& a) {
  char buf[64];
  w.value(std::string_view(buf, a.format(buf)));
}

class OutboundScan final : public Detector {
 public:
  explicit OutboundScan(const Config& c) : cfg_(c), table_(c.max_devices) {}

  uint32_t interests() const override { return interest::kTcp; }
  void on_packet(const PacketContext& ctx, AlertSink& out) override {
    const auto& pv = ctx.pv;
    if (!ctx.is_tcp() || !(pv.tcp_flags & decode::tcp::kSyn)) return;
    if (!(pv.tcp_flags & decode::tcp::kAck)) {
      if (ctx.where == Where::kOutbound || (cfg_.internal && ctx.where == Where::kInternal)) on_syn(ctx, out);
    } else if (ctx.where == Where::kInbound || ctx.where == Where::kInternal) {
      on_syn_ack(ctx);
    }
  }

  // Judges the scans whose SYNs stopped once the answers had time to come. The walk is
  // skipped while nothing waits (the table is most of a megabyte); it also recounts, since
  // entries evicted by the table leave the count high.
  void on_tick(TimeNs now, const inventory::DeviceTable&, AlertSink& out) override {
    if (pending_ == 0) return;
    pending_ = 0;
    table_.for_each([&](uint64_t, TimeNs, State& s) {
      for (auto& p : s.slots) {
        if (!p.used || !p.pending) continue;
        roll(s, now);
        if (p.pending) judge(s, p, now, out);
        if (p.pending) ++pending_;
      }
    });
  }

  size_t state_bytes() const override { return table_.memory_bytes(); }

 private:
  static uint64_t key_of(uint32_t dev1, const core::IpAddr& a) {
    // Devices by inventory id; senders without one by address (top bit set: the two never meet).
    return dev1 ? dev1 : addr_key(a) | (uint64_t{1} << 63);
  }

  void on_syn(const PacketContext& ctx, AlertSink& out) {
    const auto& pv = ctx.pv;
    State& s = table_.touch(key_of(ctx.src_dev1, pv.src_ip), pv.ts);
    s.dev1 = ctx.src_dev1;
    // Mirai: seq == destination, to a public (non-local) IPv4 address.
    const bool fingerprint = ctx.where == Where::kOutbound && pv.dst_ip.is_v4() && pv.tcp_seq == be32(pv.dst_ip);
    Mirai& m = s.mirai;
    if (m.first && (pv.ts < m.last || pv.ts - m.last > kMiraiEpisode)) m = Mirai{};
    if (fingerprint) {
      mirai_syn(ctx, s, out);
      return;  // scan packets by construction: not counted again as a generic scan
    }
    if (m.first && ctx.where == Where::kOutbound) ++m.syns;
    generic_syn(ctx, s, out);
  }

  void mirai_syn(const PacketContext& ctx, State& s, AlertSink& out) {
    const auto& pv = ctx.pv;
    Mirai& m = s.mirai;
    if (!m.first) m.first = pv.ts;
    m.last = pv.ts;
    ++m.syns;
    ++m.fp_syns;
    m.ports.add(pv.dst_port);
    m.sports.add(pv.src_port);
    const int g = is_telnet(pv.dst_port) ? 0 : 1;
    if (m.dst[g].add(be32(pv.dst_ip))) {
      ++m.distinct[g];
      if (m.samples < 5) m.sample[m.samples++] = be32(pv.dst_ip);
    }
    if (m.distinct[g] < cfg_.mirai_min_destinations) return;
    if (recent(m.alerted[g], pv.ts)) return;
    m.alerted[g] = pv.ts;

    Alert a = base_alert(ctx, g == 0 ? sig::kMiraiTelnetScan : sig::kMiraiVariantScan);
    if (g == 1) {
      // Name the variant's ports: "IoT outbound scan on TCP 7547 (Mirai variant)".
      a.signature = "IoT outbound scan on TCP ";
      int named = 0;
      for (const auto& e : m.ports.c) {
        if (!e.n || is_telnet(e.port)) continue;
        if (named == 4) {
          a.signature += ", ...";
          break;
        }
        if (named++) a.signature += ", ";
        a.signature += std::to_string(e.port);
      }
      a.signature += " (Mirai variant)";
    }
    core::JsonWriter w(a.evidence);
    w.field("syns", uint64_t{m.syns});
    w.field("seq_equals_dst_syns", uint64_t{m.fp_syns});
    w.field("seq_equals_dst_fraction", double(m.fp_syns) / double(m.syns));
    w.field("distinct_destinations", uint64_t{m.distinct[g]});
    w.field("min_destinations", uint64_t{cfg_.mirai_min_destinations});
    w.field("seconds", double(pv.ts - m.first) / double(kNsPerSec));
    write_counts(w, "ports", m.ports);
    write_counts(w, "source_ports", m.sports);
    w.key("sample_destinations").begin_array();
    for (uint8_t i = 0; i < m.samples; ++i) ip_text(w, core::IpAddr::v4(m.sample[i]));
    w.end_array();
    out.raise(std::move(a));
  }

  template <size_t N>
  static void write_counts(core::JsonWriter& w, std::string_view key, const SmallCounts<N>& c) {
    w.key(key).begin_array();
    for (const auto& e : c.c) {
      if (!e.n) continue;
      w.begin_object().field("port", uint64_t{e.port}).field("syns", uint64_t{e.n}).end_object();
    }
    w.end_array();
    if (c.other) w.field(std::string(key) + "_other_syns", uint64_t{c.other});
  }

  // Starts a new time slice when the current one is over (two slices make the window).
  void roll(State& s, TimeNs now) const {
    const TimeNs slice = cfg_.window / 2;
    if (s.slice_start == 0) s.slice_start = now - now % slice;
    // Time gone back by more than a slice (the next capture file): start afresh; packets a
    // little out of order count in the current slice.
    if (now + slice < s.slice_start) s.slice_start = now - now % slice - 2 * slice;
    if (now < s.slice_start + slice) return;
    const TimeNs n = (now - s.slice_start) / slice;
    s.slice_start += n * slice;
    const uint8_t next = s.cur ^ 1;
    for (auto& p : s.slots) {
      if (!p.used) continue;
      if (n > 1) {  // the whole window passed in silence
        p.dst[s.cur] = Bits{};
        p.syns[s.cur] = p.answers[s.cur] = 0;
        p.pending = 0;
      }
      p.dst[next] = Bits{};
      p.syns[next] = p.answers[next] = 0;
    }
    s.cur = next;
  }

  PortSlot& slot_for(State& s, uint16_t port, TimeNs now) {
    PortSlot* victim = &s.slots[0];
    for (auto& p : s.slots) {
      if (p.used && p.port == port) return p;
      if (!p.used) {
        if (victim->used) victim = &p;
      } else if (victim->used && p.last < victim->last) {
        victim = &p;
      }
    }
    *victim = PortSlot{};
    victim->used = true;
    victim->port = port;
    victim->last = now;
    return *victim;
  }

  void generic_syn(const PacketContext& ctx, State& s, AlertSink& out) {
    const auto& pv = ctx.pv;
    roll(s, pv.ts);
    PortSlot& p = slot_for(s, pv.dst_port, pv.ts);
    p.last = pv.ts;
    ++p.syns[s.cur];
    p.last_src = pv.src_ip;
    p.last_dst = pv.dst_ip;
    p.last_sport = pv.src_port;
    p.last_flow = ctx.flow_id();
    p.last_where = ctx.where;
    if (p.dst[s.cur].add(addr_key(pv.dst_ip))) {
      p.sample[p.next_sample] = pv.dst_ip;
      p.next_sample = uint8_t((p.next_sample + 1) % 5);
      if (!p.pending && distinct(s, p) >= cfg_.min_destinations) {
        p.pending = pv.ts;
        ++pending_;
      }
    }
    if (p.pending) judge(s, p, pv.ts, out);
  }

  double distinct(const State& s, const PortSlot& p) const {
    return distinct_estimate(p.dst[s.cur].popcount_with(p.dst[s.cur ^ 1]));
  }

  // A SYN-ACK from the scanned port back to the device: the connection was accepted.
  void on_syn_ack(const PacketContext& ctx) {
    const auto& pv = ctx.pv;
    State* s = table_.find(key_of(ctx.dst_dev1, pv.dst_ip));
    if (!s) return;
    roll(*s, pv.ts);
    for (auto& p : s->slots)
      if (p.used && p.port == pv.src_port) ++p.answers[s->cur];
  }

  // Many destinations reached `answer_wait` ago: raise if few of them answered.
  void judge(State& s, PortSlot& p, TimeNs now, AlertSink& out) {
    if (now - p.pending < cfg_.answer_wait) return;
    p.pending = 0;
    const double dests = distinct(s, p);
    const uint32_t syns = p.syns[0] + p.syns[1], answers = p.answers[0] + p.answers[1];
    if (dests < cfg_.min_destinations || syns == 0) return;
    const double ratio = double(answers) / double(syns);
    if (ratio >= cfg_.max_answered_ratio) return;
    if (recent(p.alerted, now)) return;
    p.alerted = now;

    Alert a;
    a.signature_id = sig::kOutboundScan;
    a.ts = now;
    a.device1 = s.dev1;
    a.device_ip = p.last_src;
    a.where = p.last_where;
    a.src_ip = p.last_src;
    a.dst_ip = p.last_dst;
    a.src_port = p.last_sport;
    a.dst_port = p.port;
    a.proto = decode::ipproto::kTcp;
    a.flow_id = p.last_flow;
    a.subkey = p.port;  // one alert per scanned port
    char name[64];
    std::snprintf(name, sizeof name, "IoT outbound scan of many addresses on TCP %u", unsigned(p.port));
    a.signature = name;
    core::JsonWriter w(a.evidence);
    w.field("port", uint64_t{p.port});
    w.field("syns", uint64_t{syns});
    w.field("distinct_destinations", uint64_t(std::lround(dests)));
    w.field("syn_acks", uint64_t{answers});
    w.field("answered_ratio", ratio);
    w.field("window_seconds", uint64_t(cfg_.window / kNsPerSec));
    w.field("min_destinations", uint64_t{cfg_.min_destinations});
    w.field("max_answered_ratio", cfg_.max_answered_ratio);
    w.key("sample_destinations").begin_array();
    for (const auto& d : p.sample)
      if (d.family) ip_text(w, d);
    w.end_array();
    out.raise(std::move(a));
  }

  static Alert base_alert(const PacketContext& ctx, uint32_t signature_id) {
    Alert a = packet_alert(signature_id, ctx);
    a.device1 = ctx.src_dev1;
    a.device_ip = ctx.pv.src_ip;
    return a;
  }

  const Config cfg_;
  BoundedTable<State> table_;
  size_t pending_ = 0;  // slots waiting for judgement (at least)
};

}  // namespace

MakeResult make_outbound_scan(const ConfigView& cfg) {
  Config c;
  c.mirai_min_destinations = uint32_t(cfg.u64("mirai_min_destinations", c.mirai_min_destinations, 1, 1000));
  c.min_destinations = uint32_t(cfg.u64("min_destinations", c.min_destinations, 4, 200));
  c.window = TimeNs(cfg.u64("window_seconds", 10, 2, 3600)) * kNsPerSec;
  c.max_answered_ratio = cfg.number("max_answered_ratio", c.max_answered_ratio, 0.0, 1.0);
  c.answer_wait = TimeNs(cfg.number("answer_wait_seconds", 2.0, 0.0, 60.0) * double(kNsPerSec));
  c.internal = cfg.boolean("internal", c.internal);
  c.max_devices = size_t(cfg.u64("max_devices", c.max_devices, 16, 1 << 16));
  return std::unique_ptr<Detector>(new OutboundScan(c));
}

}  // namespace sekisho::detect
