// inbound_portscan: one source probing many ports of one LAN device (port scan), or one
// port on many LAN devices (host sweep). A probe is what opens a conversation or can only
// be a probe: a TCP SYN, a TCP segment without ACK (null, FIN, Xmas scans), the first
// packet of a UDP flow, or (sweeps only) an ICMP echo request. Multicast and broadcast
// (SSDP, mDNS, DHCP, discovery pings) are the LAN talking to itself and never count.
//
// Distinct ports per (source, target) and distinct targets per (source, protocol, port)
// are estimated in fixed memory (DistinctCounter) over tumbling windows that start at the
// first probe; the keys are attacker-chosen, so they live in fixed-size tables. Probes the
// target answered (SYN-ACK, a UDP or echo reply) are taken off: a scan finds mostly closed
// or silent ports and hosts, while a hub polling its twenty devices, or an app using a
// device's many services, is answered every time.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/json_writer.h"
#include "detect/detectors.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

namespace {

using decode::tcp::kAck;
using decode::tcp::kFin;
using decode::tcp::kPsh;
using decode::tcp::kRst;
using decode::tcp::kSyn;
using decode::tcp::kUrg;

constexpr size_t kSamples = 5;

struct Config {
  core::TimeNs window = 10 * core::kNsPerSec;
  uint32_t min_ports = 20;
  uint32_t min_hosts = 16;
  size_t table_size = 4096;
};

// Probe styles seen, for the evidence (nmap's names).
enum Style : uint8_t { kStyleSyn = 1, kStyleUdp = 2, kStyleNull = 4, kStyleFin = 8, kStyleXmas = 16, kStyleEcho = 32 };

struct Window {
  core::TimeNs start = 0;
  DistinctCounter<128> distinct;
  DistinctCounter<128> answered;  // of `distinct`, those the target answered
  uint32_t probes = 0;
  uint8_t styles = 0;
  uint8_t nsamples = 0;
  bool alerted = false;

  // Starts a new window if the current one is over (or time went back: files out of order).
  void roll(core::TimeNs now, core::TimeNs window) {
    if (start != 0 && now >= start && now - start < window) return;
    start = now;
    distinct.clear();
    answered.clear();
    probes = 0;
    styles = 0;
    nsamples = 0;
    alerted = false;
  }
  // Probed but not answered.
  double unanswered() const {
    const double n = distinct.estimate() - answered.estimate();
    return n > 0 ? n : 0;
  }
  // A reply within the window.
  void answer(uint64_t value, core::TimeNs now, core::TimeNs window) {
    if (now >= start && now - start < window) answered.add(value);
  }
};

struct PortScan {
  Window w;
  std::array<uint32_t, kSamples> samples{};  // (proto << 16) | port
};

struct Sweep {
  Window w;
  std::array<core::IpAddr, kSamples> samples{};
};

// The probe style of a packet, or 0 if it is not a probe.
uint8_t probe_style(const PacketContext& ctx) {
  const decode::PacketView& pv = ctx.pv;
  switch (pv.ip_proto) {
    case decode::ipproto::kTcp: {
      const uint8_t fl = pv.tcp_flags;
      if ((fl & (kSyn | kAck)) == kSyn) return kStyleSyn;
      if (fl & (kAck | kRst | kSyn)) return 0;  // everything else of a real connection carries ACK
      if (fl == 0) return kStyleNull;
      if ((fl & (kFin | kPsh | kUrg)) == (kFin | kPsh | kUrg)) return kStyleXmas;
      return (fl & kFin) ? kStyleFin : 0;
    }
    case decode::ipproto::kUdp: return ctx.new_flow ? kStyleUdp : 0;
    case decode::ipproto::kIcmp: return pv.icmp_type == 8 ? kStyleEcho : 0;
    case decode::ipproto::kIcmpv6: return pv.icmp_type == 128 ? kStyleEcho : 0;
    default: return 0;
  }
}

void write_styles(core::JsonWriter& w, uint8_t styles) {
  static constexpr const char* kNames[] = {"syn", "udp", "null", "fin", "xmas", "echo"};
  w.key("probe_types").begin_array();
  for (unsigned i = 0; i < 6; ++i)
    if (styles & (1u << i)) w.value(kNames[i]);
  w.end_array();
}

// A source's latest probe, while it has probed only one (port, host): most sources of
// a spoofed flood never probe twice, and keeping them here (one small entry) rather than
// in both counting tables keeps a flood's cost per packet low.
struct Lone {
  core::IpAddr dst;
  uint32_t service = 0;  // (proto << 16) | port; port 0 for echo
  uint8_t style = 0;
  bool promoted = false;  // probed more than one thing within the window: counting
  core::TimeNs last = 0;
};

// The fewest bits a DistinctCounter<kBits> has set when its estimate reaches n (a cheap
// test before the logarithms of estimate()).
template <unsigned kBits>
uint32_t bits_for(uint32_t n) {
  const double bits = double(kBits) * (1.0 - std::exp(-double(n) / double(kBits)));
  return uint32_t(std::max(1.0, std::floor(bits)));
}

class InboundPortscan final : public Detector {
 public:
  explicit InboundPortscan(const Config& c)
      : cfg_(c),
        port_bits_(bits_for<128>(c.min_ports)),
        host_bits_(bits_for<128>(c.min_hosts)),
        lone_(c.table_size),
        scans_(c.table_size),
        sweeps_(c.table_size) {}

  uint32_t interests() const override { return interest::kTcp | interest::kUdp | interest::kIcmp; }
  void on_packet(const PacketContext& ctx, AlertSink& out) override {
    // The first reply of a LAN device to a flow someone else opened.
    if (ctx.src_local && ctx.dir == 1 && ctx.flow && ctx.flow->pkts[1] == 1) return on_answer(ctx);
    if (!ctx.dst_local || !ctx.pv.has_l4 || ctx.pv.later_fragment) return;
    const uint8_t style = probe_style(ctx);
    if (!style) return;
    const decode::PacketView& pv = ctx.pv;
    if (pv.dst_ip.is_multicast() || (pv.has_eth && pv.dst_mac.is_multicast())) return;
    const uint32_t service = (uint32_t{pv.ip_proto} << 16) | (style == kStyleEcho ? 0 : pv.dst_port);

    Lone& l = lone_.touch(addr_key(pv.src_ip), pv.ts);
    if (l.last == 0 || pv.ts < l.last || pv.ts - l.last >= cfg_.window) {  // new, or quiet for a window
      l = Lone{pv.dst_ip, service, style, false, pv.ts};
      return;
    }
    const core::TimeNs prev = l.last;
    l.last = pv.ts;
    if (!l.promoted) {
      if (l.service == service && l.dst == pv.dst_ip) return;  // the same probe again
      l.promoted = true;
      probe(ctx, l.dst, l.service, l.style, prev, out);  // the one it kept
    }
    probe(ctx, pv.dst_ip, service, style, pv.ts, out);
  }

  size_t state_bytes() const override { return lone_.memory_bytes() + scans_.memory_bytes() + sweeps_.memory_bytes(); }

 private:
  // Counts one probe of `dst` on `service` by the packet's source (the packet's own probe,
  // or the one a source's Lone entry kept) and alerts on the packet.
  void probe(const PacketContext& ctx, const core::IpAddr& dst, uint32_t service, uint8_t style, core::TimeNs ts,
             AlertSink& out) {
    const uint64_t src = addr_key(ctx.pv.src_ip);
    const uint64_t target = addr_key(dst);
    if (style != kStyleEcho) {
      PortScan& s = scans_.touch(mix64(src ^ mix64(target)), ts);
      if (count(s.w, service, style, ts) && s.w.nsamples < kSamples) s.samples[s.w.nsamples++] = service;
      if (!s.w.alerted && s.w.distinct.bits_set() >= port_bits_ && s.w.unanswered() >= cfg_.min_ports) {
        s.w.alerted = true;
        raise_scan(ctx, s, out);
      }
    }
    Sweep& s = sweeps_.touch(addr_key(ctx.pv.src_ip, uint64_t{service} + 1), ts);
    if (count(s.w, target, style, ts) && s.w.nsamples < kSamples) s.samples[s.w.nsamples++] = dst;
    if (!s.w.alerted && s.w.distinct.bits_set() >= host_bits_ && s.w.unanswered() >= cfg_.min_hosts) {
      s.w.alerted = true;
      raise_sweep(ctx, s, out);
    }
  }

  // Target (src) -> prober (dst): an open port or a live host, if the probe is tracked. A
  // reset is a closed port: not an answer.
  void on_answer(const PacketContext& ctx) {
    const decode::PacketView& pv = ctx.pv;
    if (!pv.has_l4) return;
    bool echo = false;
    switch (pv.ip_proto) {
      case decode::ipproto::kTcp:
        if ((pv.tcp_flags & (kSyn | kAck | kRst)) != (kSyn | kAck)) return;
        break;
      case decode::ipproto::kUdp: break;
      case decode::ipproto::kIcmp:
      case decode::ipproto::kIcmpv6:
        if (pv.icmp_type != 0 && pv.icmp_type != 129) return;  // echo replies only
        echo = true;
        break;
      default: return;
    }
    const uint32_t service = (uint32_t{pv.ip_proto} << 16) | (echo ? 0 : pv.src_port);
    const uint64_t target = addr_key(pv.src_ip);
    if (!echo)
      if (PortScan* s = scans_.find(mix64(addr_key(pv.dst_ip) ^ mix64(target))))
        s->w.answer(service, pv.ts, cfg_.window);
    if (Sweep* s = sweeps_.find(addr_key(pv.dst_ip, uint64_t{service} + 1))) s->w.answer(target, pv.ts, cfg_.window);
  }

  // Counts a probe in its window; true if `value` was new there.
  bool count(Window& w, uint64_t value, uint8_t style, core::TimeNs now) const {
    w.roll(now, cfg_.window);
    ++w.probes;
    w.styles |= style;
    return w.distinct.add(value);
  }

  Alert base(const PacketContext& ctx, uint32_t signature) const { return packet_alert(signature, ctx); }

  // The scanned device is the one concerned; one alert per scanning source.
  void raise_scan(const PacketContext& ctx, const PortScan& s, AlertSink& out) const {
    const decode::PacketView& pv = ctx.pv;
    Alert a = base(ctx, sig::kInPortScan);
    a.device1 = ctx.dst_dev1;
    if (!ctx.dst_dev1 && pv.has_eth) a.mac = pv.dst_mac;
    a.device_ip = pv.dst_ip;
    a.subkey = addr_key(pv.src_ip);
    core::JsonWriter w(a.evidence);
    w.field("scanner", pv.src_ip.to_string());
    w.field("distinct_ports", uint64_t(s.w.distinct.estimate() + 0.5));
    w.field("unanswered_ports", uint64_t(s.w.unanswered() + 0.5));
    w.field("probes", uint64_t{s.w.probes});
    w.field("min_ports", uint64_t{cfg_.min_ports});
    w.field("window_seconds", uint64_t(cfg_.window / core::kNsPerSec));
    write_styles(w, s.w.styles);
    w.key("sample_ports").begin_array();
    for (unsigned i = 0; i < s.w.nsamples; ++i) {
      const uint32_t p = s.samples[i];
      w.value(std::string((p >> 16) == decode::ipproto::kUdp ? "udp/" : "tcp/") + std::to_string(p & 0xffff));
    }
    w.end_array();
    out.raise(std::move(a));
  }

  // A sweep has no one target: a LAN scanner is the device concerned (it is the likely
  // infected one); from outside it is the target of the probe that crossed the threshold,
  // with the scanner and port as the subject.
  void raise_sweep(const PacketContext& ctx, const Sweep& s, AlertSink& out) const {
    const decode::PacketView& pv = ctx.pv;
    const bool echo = pv.ip_proto == decode::ipproto::kIcmp || pv.ip_proto == decode::ipproto::kIcmpv6;
    Alert a = base(ctx, sig::kInHostSweep);
    if (ctx.src_local) {
      a.device1 = ctx.src_dev1;
      if (!ctx.src_dev1 && pv.has_eth) a.mac = pv.src_mac;
      a.device_ip = pv.src_ip;
    } else {
      a.device1 = ctx.dst_dev1;
      if (!ctx.dst_dev1 && pv.has_eth) a.mac = pv.dst_mac;
      a.device_ip = pv.dst_ip;
    }
    a.subkey = addr_key(pv.src_ip, (uint64_t{pv.ip_proto} << 16) | (echo ? 0 : pv.dst_port));
    core::JsonWriter w(a.evidence);
    w.field("scanner", pv.src_ip.to_string());
    w.field("service",
            echo ? std::string("icmp echo")
                 : std::string(pv.ip_proto == decode::ipproto::kUdp ? "udp/" : "tcp/") + std::to_string(pv.dst_port));
    w.field("distinct_hosts", uint64_t(s.w.distinct.estimate() + 0.5));
    w.field("unanswered_hosts", uint64_t(s.w.unanswered() + 0.5));
    w.field("probes", uint64_t{s.w.probes});
    w.field("min_hosts", uint64_t{cfg_.min_hosts});
    w.field("window_seconds", uint64_t(cfg_.window / core::kNsPerSec));
    write_styles(w, s.w.styles);
    w.key("sample_hosts").begin_array();
    for (unsigned i = 0; i < s.w.nsamples; ++i) w.value(s.samples[i].to_string());
    w.end_array();
    out.raise(std::move(a));
  }

  const Config cfg_;
  const uint32_t port_bits_, host_bits_;
  BoundedTable<Lone> lone_;  // by source
  BoundedTable<PortScan> scans_;
  BoundedTable<Sweep> sweeps_;
};

}  // namespace

MakeResult make_inbound_portscan(const ConfigView& cfg) {
  Config c;
  c.window = core::TimeNs(cfg.u64("window_seconds", 10, 1, 3600)) * core::kNsPerSec;
  c.min_ports = uint32_t(cfg.u64("min_ports", 20, 2, 200));
  c.min_hosts = uint32_t(cfg.u64("min_hosts", 16, 2, 200));
  c.table_size = cfg.u64("table_size", 4096, 64, 1u << 22);
  return std::unique_ptr<Detector>(new InboundPortscan(c));
}

}  // namespace sekisho::detect
