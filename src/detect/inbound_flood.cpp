// inbound_flood: floods towards a LAN device: SYN flood, SYN-ACK reflection, UDP, ICMP and
// ACK floods. State is per target address (the target of a spoofed flood may never send,
// so it need not be in the inventory), in a fixed table: a flood from any number of
// spoofed sources, or to any number of local addresses, costs no more memory.
//
// Each kind counts the packets that a normal exchange does not produce in bulk, in
// windows of packet time (WindowRate: the current window plus the decayed tail of the
// previous one), and alerts when the rate crosses an absolute minimum:
//   SYN        SYNs without ACK, less the handshakes their senders completed (a busy
//              server is not flooded: its clients answer);
//   SYN-ACK    SYN-ACKs for connections the target never opened (its side sent no SYN);
//   UDP        packets of flows the target never answered, from several flows (a lone
//              one-way stream such as RTP is not a flood unless it is very fast);
//   ICMP       echo requests, and other ICMP the target never answered;
//   ACK        ACKs of connections whose opening was never seen from the sender and that
//              the target answered with nothing but resets.
#include <algorithm>
#include <array>

#include "core/json_writer.h"
#include "detect/detectors.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

namespace {

using decode::tcp::kAck;
using decode::tcp::kFin;
using decode::tcp::kRst;
using decode::tcp::kSyn;

enum Kind : uint8_t { kSynK, kSynAckK, kUdpK, kIcmpK, kAckK, kKinds, kNoKind = kKinds };

constexpr uint32_t kSignature[kKinds] = {sig::kInSynFlood, sig::kInSynAckReflection, sig::kInUdpFlood,
                                         sig::kInIcmpFlood, sig::kInAckFlood};
constexpr const char* kKindName[kKinds] = {"syn", "syn-ack", "udp", "icmp", "ack"};
// One alert per (target, kind) per this much packet time while the flood goes on; the
// engine merges repeats further (suppress_seconds).
constexpr core::TimeNs kRealert = 60 * core::kNsPerSec;
constexpr size_t kSamples = 5;

struct Config {
  core::TimeNs window = core::kNsPerSec;
  double min_pps[kKinds] = {};
  uint32_t udp_min_flows = 8;
  double udp_high_pps = 20000;
  size_t max_targets = 1024;
};

struct KindState {
  WindowRate rate;
  DistinctCounter<256> sources;  // sources (UDP: source address and port) this window
  uint16_t prev_sources = 0;     // the estimate of the previous window
  core::TimeNs alerted = 0;
};

struct Target {
  std::array<KindState, kKinds> kinds;
  // Handshakes the initiators completed: a busy server's SYNs are answered and ACKed, a
  // flood's never are (spoofed sources cannot, a flooder's kernel resets them).
  WindowRate completed;
  std::array<core::IpAddr, kSamples> samples;  // recent new sources, any kind (a ring)
  uint8_t next_sample = 0;
};

class InboundFlood final : public Detector {
 public:
  explicit InboundFlood(const Config& c) : cfg_(c), targets_(c.max_targets) {}

  uint32_t interests() const override { return interest::kTcp | interest::kTcpAck | interest::kUdp | interest::kIcmp; }
  void on_packet(const PacketContext& ctx, AlertSink& out) override {
    if (!ctx.dst_local || !ctx.pv.has_l4) return;
    const Kind k = classify(ctx);
    if (k == kNoKind) {
      if (completes_handshake(ctx)) count_completion(ctx.pv);
      return;
    }
    const decode::PacketView& pv = ctx.pv;
    if (pv.dst_ip.is_multicast() || (pv.has_eth && pv.dst_mac.is_multicast())) return;

    Target& t = targets_.touch(addr_key(pv.dst_ip), pv.ts);
    KindState& s = t.kinds[k];
    // Packet time went back (capture files out of order): start afresh, or the old
    // window would swallow everything until time caught up with it.
    if (pv.ts < s.rate.window_start()) s = KindState{};
    const core::TimeNs start = s.rate.window_start();
    s.rate.add(pv.ts, cfg_.window);
    if (s.rate.window_start() != start) {
      // A new window: a window skipped entirely leaves no previous sources either.
      const bool adjacent = s.rate.previous() != 0;
      s.prev_sources = adjacent ? uint16_t(std::min(s.sources.estimate(), 65535.0)) : 0;
      s.sources.clear();
    }
    const uint64_t src = k == kUdpK ? addr_key(pv.src_ip, pv.src_port) : addr_key(pv.src_ip);
    if (s.sources.add(src)) {
      t.samples[t.next_sample] = pv.src_ip;
      t.next_sample = uint8_t((t.next_sample + 1) % kSamples);
    }
    if (s.alerted != 0 && pv.ts >= s.alerted && pv.ts - s.alerted < kRealert) return;

    const double per_second = double(core::kNsPerSec) / double(cfg_.window);
    const double pps = s.rate.count(pv.ts, cfg_.window) * per_second;
    if (pps < cfg_.min_pps[k]) return;
    // SYNs: only those left half-open count.
    const double done = k == kSynK ? completed(t, pv.ts) * per_second : 0;
    if (pps - done < cfg_.min_pps[k]) return;
    const double sources = std::max(s.sources.estimate(), double(s.prev_sources));
    if (k == kUdpK && sources < cfg_.udp_min_flows && pps < cfg_.udp_high_pps) return;
    s.alerted = pv.ts;
    raise(ctx, k, t, pps, done, sources, out);
  }

  size_t state_bytes() const override { return targets_.memory_bytes(); }

 private:
  // The initiator's ACK ending a three-way handshake (its second packet, both SYNs seen).
  static bool completes_handshake(const PacketContext& ctx) {
    const flow::Flow* f = ctx.flow;
    return f && ctx.dir == 0 && f->pkts[0] == 2 && ctx.pv.ip_proto == decode::ipproto::kTcp &&
           (ctx.pv.tcp_flags & (kSyn | kAck | kRst)) == kAck && (f->tcp_flags[0] & kSyn) && (f->tcp_flags[1] & kSyn);
  }

  // Only for targets already tracked: completions alone never make an entry.
  void count_completion(const decode::PacketView& pv) {
    Target* t = targets_.find(addr_key(pv.dst_ip));
    if (!t) return;
    if (pv.ts < t->completed.window_start()) t->completed = WindowRate{};
    t->completed.add(pv.ts, cfg_.window);
  }

  double completed(Target& t, core::TimeNs now) const {
    if (now < t.completed.window_start()) return 0;
    return t.completed.count(now, cfg_.window);
  }

  // The flood kind a packet counts towards, or kNoKind. Cheapest tests first.
  Kind classify(const PacketContext& ctx) const {
    const decode::PacketView& pv = ctx.pv;
    const flow::Flow* f = ctx.flow;
    // The target's side of the flow: what the receiver of this packet has sent in it.
    const int back = 1 - ctx.dir;
    switch (pv.ip_proto) {
      case decode::ipproto::kTcp: {
        const uint8_t fl = pv.tcp_flags;
        if ((fl & (kSyn | kAck)) == kSyn) return kSynK;
        if ((fl & (kSyn | kAck)) == (kSyn | kAck)) return !f || !(f->tcp_flags[back] & kSyn) ? kSynAckK : kNoKind;
        if (!(fl & kAck) || (fl & (kRst | kFin))) return kNoKind;
        if (!f) return kAckK;
        if (f->tcp_flags[ctx.dir] & kSyn) return kNoKind;  // its opening was seen: a real connection
        return f->tcp_flags[back] == 0 || (f->tcp_flags[back] & kRst) ? kAckK : kNoKind;
      }
      case decode::ipproto::kUdp: return !f || f->pkts[back] == 0 ? kUdpK : kNoKind;
      case decode::ipproto::kIcmp:
        if (pv.icmp_type == 8) return kIcmpK;  // echo request
        return !f || f->pkts[back] == 0 ? kIcmpK : kNoKind;
      case decode::ipproto::kIcmpv6:
        // Echo requests only: neighbour discovery and MLD are the link's own business.
        return pv.icmp_type == 128 ? kIcmpK : kNoKind;
      default: return kNoKind;
    }
  }

  void raise(const PacketContext& ctx, Kind k, const Target& t, double pps, double done, double sources,
             AlertSink& out) const {
    const decode::PacketView& pv = ctx.pv;
    Alert a = packet_alert(kSignature[k], ctx);
    a.device1 = ctx.dst_dev1;
    if (!ctx.dst_dev1 && pv.has_eth && !pv.dst_mac.is_multicast()) a.mac = pv.dst_mac;
    a.device_ip = pv.dst_ip;
    core::JsonWriter w(a.evidence);
    w.field("kind", kKindName[k]);
    w.field("packets_per_second", uint64_t(pps + 0.5));
    if (k == kSynK) w.field("completed_handshakes_per_second", uint64_t(done + 0.5));
    w.field("min_pps", uint64_t(cfg_.min_pps[k]));
    w.field("window_ms", uint64_t(cfg_.window / (core::kNsPerSec / 1000)));
    w.field(k == kUdpK ? "distinct_source_flows" : "distinct_sources", uint64_t(sources + 0.5));
    w.key("sample_sources").begin_array();
    for (const auto& s : t.samples)
      if (s.family) w.value(s.to_string());
    w.end_array();
    out.raise(std::move(a));
  }

  const Config cfg_;
  BoundedTable<Target> targets_;
};

}  // namespace

MakeResult make_inbound_flood(const ConfigView& cfg) {
  Config c;
  c.window = core::TimeNs(cfg.u64("window_ms", 1000, 100, 60000)) * (core::kNsPerSec / 1000);
  c.min_pps[kSynK] = double(cfg.u64("syn_min_pps", 500, 1, 100000000));
  c.min_pps[kSynAckK] = double(cfg.u64("synack_min_pps", 200, 1, 100000000));
  c.min_pps[kUdpK] = double(cfg.u64("udp_min_pps", 1000, 1, 100000000));
  c.udp_min_flows = uint32_t(cfg.u64("udp_min_flows", 8, 1, 1000));
  c.udp_high_pps = double(cfg.u64("udp_high_pps", 20000, 1, 100000000));
  c.min_pps[kIcmpK] = double(cfg.u64("icmp_min_pps", 500, 1, 100000000));
  c.min_pps[kAckK] = double(cfg.u64("ack_min_pps", 1000, 1, 100000000));
  c.max_targets = cfg.u64("max_targets", 1024, 16, 1u << 20);
  if (c.udp_high_pps < c.min_pps[kUdpK]) cfg.fail("udp_high_pps", "must be at least udp_min_pps");
  return std::unique_ptr<Detector>(new InboundFlood(c));
}

}  // namespace sekisho::detect
