#include "enforce/dns_follower.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <atomic>
#include <utility>

#include "decode/app/app.h"
#include "watch/dns_binding.h"

namespace sekisho::enforce {

DnsFollower::DnsFollower(Enforcer& enforcer, const std::vector<BoundDevice>& devices, DnsFollowerConfig cfg)
    : enforcer_(enforcer), cfg_(cfg) {
  for (const BoundDevice& d : devices)
    for (const policy::Rule& r : d.policy.rules)
      if (r.peer.kind == policy::PeerKind::kDnsName && !r.peer.name.empty())
        names_[d.mac.as_u64()].emplace(watch::normalize_dns_name(r.peer.name), r.peer.name);
}

size_t DnsFollower::names() const {
  size_t n = 0;
  for (const auto& [mac, names] : names_) n += names.size();
  return n;
}

bool DnsFollower::wants_dns(const core::MacAddr& receiver) const { return names_.count(receiver.as_u64()) != 0; }

void DnsFollower::on_dns_answer(const core::MacAddr& receiver, const decode::DnsMessage& m, core::TimeNs ts) {
  auto dev = names_.find(receiver.as_u64());
  if (dev == names_.end()) return;
  ++stats_.answers;
  const Names& names = dev->second;
  batch_.clear();
  watch::for_each_answer_name(m, [&](const core::IpAddr& addr, std::string_view name, uint32_t ttl, bool /*asked*/) {
    auto n = names.find(name);
    if (n == names.end()) return;
    // ttl 0 would mean "never expires" to the Enforcer: at least a second.
    const uint64_t want = std::min<uint64_t>(uint64_t{ttl} + cfg_.grace_s, cfg_.max_timeout_s);
    const auto timeout = uint32_t(std::max<uint64_t>(want, 1));
    for (DnsBinding& b : batch_) {
      if (b.addr == addr && b.name == n->second) {
        b.ttl_s = std::max(b.ttl_s, timeout);
        return;
      }
    }
    batch_.push_back(DnsBinding{receiver, n->second, addr, timeout});
  });
  if (batch_.empty()) return;
  const core::Status s = enforcer_.add_dns_bindings(batch_);
  ++stats_.transactions;
  if (s)
    stats_.bindings += batch_.size();
  else
    ++stats_.failures;
  if (report_) report_(batch_, s, ts);
}

namespace {

// The pipeline has no use for TCP here (it parses DNS over UDP only), so TCP frames take
// the short way. Ethernet (with one VLAN tag) and IPv4 or IPv6 without extension headers;
// anything else goes to the pipeline.
bool looks_tcp(const capture::RawPacket& pkt) {
  if (pkt.linktype != capture::kLinkEthernet || pkt.caplen < 14) return false;
  const uint8_t* p = pkt.data;
  size_t off = 12;
  uint16_t type = uint16_t(p[off] << 8 | p[off + 1]);
  if (type == 0x8100 || type == 0x88a8) {
    off += 4;
    if (pkt.caplen < off + 2) return false;
    type = uint16_t(p[off] << 8 | p[off + 1]);
  }
  off += 2;
  if (type == 0x0800) return pkt.caplen > off + 9 && p[off + 9] == 6;
  if (type == 0x86dd) return pkt.caplen > off + 6 && p[off + 6] == 6;
  return false;
}

watch::PipelineConfig pipeline_config() {
  watch::PipelineConfig pc;
  pc.flow.max_flows = 4096;  // DNS responses only
  pc.devices.max_devices = 4096;
  return pc;
}

}  // namespace

DnsFeed::DnsFeed(DnsFollower& follower) : follower_(follower), pipeline_(pipeline_config(), nullptr, nullptr, nullptr) {
  pipeline_.set_observer(&follower_);
}

void DnsFeed::process(const capture::RawPacket& pkt) {
  if (looks_tcp(pkt))
    tcp(pkt);
  else
    pipeline_.process(pkt);
}

void DnsFeed::tcp(const capture::RawPacket& pkt) {
  decoder_.decode(pkt.data, pkt.caplen, pkt.wirelen, pkt.linktype, pkt.ts, pv_);
  if (!pv_.has_eth || pv_.ip_proto != 6 || pv_.src_port != 53 || !pv_.payload) return;
  if (!follower_.wants_dns(pv_.dst_mac)) return;
  // RFC 1035 4.2.2: each message is preceded by its length, two bytes.
  const uint8_t* p = pv_.payload;
  size_t left = pv_.payload_len;
  while (left >= 2) {
    const size_t len = size_t(p[0]) << 8 | p[1];
    if (len < 12 || len > left - 2) return;  // not a whole message: a continuation
    if (!msg_) msg_ = std::make_unique<decode::DnsMessage>();
    if (decode::parse_dns(p + 2, len, *msg_, decode::DnsDepth::kFull) != decode::ParseStatus::kOk) return;
    if (msg_->is_response) {
      ++tcp_answers_;
      follower_.on_dns_answer(pv_.dst_mac, *msg_, pv_.ts);
    }
    p += 2 + len;
    left -= 2 + len;
  }
}

namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};

// libpcap, live, outgoing only. Immediate mode: an answer is bound as soon as it is sent.
class OutboundCapture final : public capture::PacketSource {
 public:
  OutboundCapture(pcap_t* p, std::string name) : handle_(p), name_(std::move(name)) {}

  capture::ReadStatus next(capture::RawPacket& out) override {
    if (stopped_.load()) return capture::ReadStatus::kEnd;
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle_.get(), &h, &data);
    if (rc == 1) {
      out.ts = core::TimeNs(h->ts.tv_sec) * core::kNsPerSec + core::TimeNs(h->ts.tv_usec) * frac_to_ns_;
      out.data = data;
      out.caplen = h->caplen;
      out.wirelen = h->len;
      out.linktype = linktype_;
      out.record = ++stats_.records;
      stats_.bytes += h->caplen;
      return capture::ReadStatus::kPacket;
    }
    if (stopped_.load() || rc == PCAP_ERROR_BREAK) return refresh_drops(), capture::ReadStatus::kEnd;
    if (rc == 0) return refresh_drops(), capture::ReadStatus::kTimeout;
    last_error_ = core::make_error(core::ErrorCode::kIo, name_, pcap_geterr(handle_.get()));
    return capture::ReadStatus::kFatal;
  }
  const capture::CaptureStats& stats() const override { return stats_; }
  const std::string& name() const override { return name_; }
  const core::Error& last_error() const override { return last_error_; }
  // From another thread: pcap_breakloop wakes a blocked read (libpcap >= 1.10).
  void stop() override {
    stopped_.store(true);
    pcap_breakloop(handle_.get());
  }

  void init() {
    frac_to_ns_ = pcap_get_tstamp_precision(handle_.get()) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
    linktype_ = uint16_t(pcap_datalink(handle_.get()));  // DLT_EN10MB == LINKTYPE_ETHERNET
  }

 private:
  void refresh_drops() {
    pcap_stat ps{};
    if (pcap_stats(handle_.get(), &ps) == 0) stats_.kernel_drops = uint64_t{ps.ps_drop} + ps.ps_ifdrop;
  }
  std::unique_ptr<pcap_t, PcapCloser> handle_;
  std::string name_;
  capture::CaptureStats stats_;
  core::Error last_error_;
  core::TimeNs frac_to_ns_ = 1000;
  uint16_t linktype_ = capture::kLinkEthernet;
  std::atomic<bool> stopped_{false};
};

}  // namespace

core::Result<std::unique_ptr<capture::PacketSource>> open_dns_capture(const std::string& iface) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(iface.c_str(), errbuf);
  if (!p) return core::make_error(core::ErrorCode::kIo, iface, errbuf);
  auto src = std::make_unique<OutboundCapture>(p, iface);
  pcap_set_snaplen(p, 65535);  // a DNS message over TCP is at most 64 KiB
  pcap_set_promisc(p, 0);      // only what the gateway itself sends
  pcap_set_timeout(p, 100);
  pcap_set_immediate_mode(p, 1);
  (void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
  const int rc = pcap_activate(p);
  if (rc < 0) {
    std::string why = pcap_geterr(p);
    if (why.empty()) why = pcap_statustostr(rc);
    if (rc == PCAP_ERROR_PERM_DENIED)
      return core::make_error(core::ErrorCode::kPermission, iface, why + " (needs root or CAP_NET_RAW)");
    if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
      return core::make_error(core::ErrorCode::kNotFound, iface, "no such interface: " + why);
    return core::make_error(core::ErrorCode::kIo, iface, why);
  }
  if (pcap_setdirection(p, PCAP_D_OUT) != 0)
    return core::make_error(core::ErrorCode::kUnsupported, iface,
                            std::string("cannot capture outgoing frames only: ") + pcap_geterr(p));
  bpf_program program{};
  if (pcap_compile(p, &program, std::string(kDnsWatchFilter).c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    return core::make_error(core::ErrorCode::kInternal, iface, std::string("filter: ") + pcap_geterr(p));
  const int set = pcap_setfilter(p, &program);
  pcap_freecode(&program);
  if (set != 0) return core::make_error(core::ErrorCode::kIo, iface, std::string("filter: ") + pcap_geterr(p));
  src->init();
  return std::unique_ptr<capture::PacketSource>(std::move(src));
}

}  // namespace sekisho::enforce
