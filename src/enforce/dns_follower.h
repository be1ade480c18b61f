#pragma once
// Live DNS-name binding for the gateway: the DNS answers each bound device receives fill
// its own `d_<mac12>_dns_<h>_4/_6` sets, so that a `dst-dnsname` ACE allows exactly the
// addresses the device was told, for the answer's TTL plus a grace. (A gateway that
// resolves the names itself, once, as osMUD does, goes stale with CDNs and disagrees with
// what the device was told.) `sekisho enforce --apply --hold --watch IF` runs it.
//
// DnsFollower is the watch::FlowObserver: it reads the full responses the pipeline hands
// it and turns every name that leads to an A/AAAA answer (owner, CNAME aliases, question:
// watch::for_each_answer_name, as DnsBindings::learn) and that the device's policy names
// as a DNS peer into one Enforcer::add_dns_bindings call: one transaction per response.
// DnsFeed drives it from captured frames.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "capture/packet_source.h"
#include "core/net.h"
#include "core/result.h"
#include "core/time.h"
#include "decode/decoder.h"
#include "decode/packet_view.h"
#include "enforce/enforcer.h"
#include "enforce/ruleset.h"
#include "watch/flow_observer.h"
#include "watch/pipeline.h"

namespace sekisho::enforce {

// What to capture on the LAN interface: DNS responses (kernel filter) that the gateway
// itself sends out of it (direction), from its own resolver or forwarded from an upstream
// one. Frames that arrive on the interface are not looked at: a device could otherwise
// forge a "response" to itself (or to another device) and bind any address to an allowed
// name.
inline constexpr std::string_view kDnsWatchFilter = "udp src port 53 or tcp src port 53";

// A live capture of kDnsWatchFilter on `iface`, outgoing frames only, not promiscuous.
// Like capture::open_live, plus pcap_setdirection(PCAP_D_OUT), which SourceOptions does
// not offer. (The `outbound` filter keyword is no substitute: libpcap runs the filter in
// userland on the first frame after pcap_setfilter, where the direction test cannot be
// evaluated, so the first response after the start would be lost.)
core::Result<std::unique_ptr<capture::PacketSource>> open_dns_capture(const std::string& iface);

struct DnsFollowerConfig {
  uint32_t grace_s = 300;              // added to each answer's TTL (devices cache past it)
  uint32_t max_timeout_s = 7 * 86400;  // longer TTLs are cut to this
};

struct DnsFollowerStats {
  uint64_t answers = 0;       // full responses received by a followed device
  uint64_t bindings = 0;      // (device, name, address) bindings written
  uint64_t transactions = 0;  // Enforcer calls, at most one per response
  uint64_t failures = 0;      // calls that failed (nothing of that response was bound)
};

class DnsFollower final : public watch::FlowObserver {
 public:
  // Follows every DNS-name peer in the policies of `devices` (the devices the table was
  // compiled from, so that each name has its sets). `enforcer` must outlive the follower.
  DnsFollower(Enforcer& enforcer, const std::vector<BoundDevice>& devices, DnsFollowerConfig cfg = {});

  // Called after each transaction with what it carried, how it went and the answer's
  // capture time (for the log line and its latency).
  using Report = std::function<void(const std::vector<DnsBinding>&, const core::Status&, core::TimeNs answer_ts)>;
  void set_report(Report r) { report_ = std::move(r); }

  // watch::FlowObserver
  bool wants_dns(const core::MacAddr& receiver) const override;
  void on_dns_answer(const core::MacAddr& receiver, const decode::DnsMessage& m, core::TimeNs ts) override;
  void on_new_flow(const decode::PacketView&, const flow::Flow&, const inventory::DeviceTable&) override {}

  size_t devices() const { return names_.size(); }
  size_t names() const;
  const DnsFollowerStats& stats() const { return stats_; }

 private:
  // normalized name -> the name as the policy spells it (the set names hash the normal form)
  using Names = std::map<std::string, std::string, std::less<>>;
  Enforcer& enforcer_;
  DnsFollowerConfig cfg_;
  std::unordered_map<uint64_t, Names> names_;  // by MAC
  std::vector<DnsBinding> batch_;
  DnsFollowerStats stats_;
  Report report_;
};

// Drives a follower from captured frames: DNS over UDP through a watch::Pipeline (which
// parses the answers a followed device receives and calls on_dns_answer), DNS over TCP
// here, since the pipeline does not parse it: each whole, length-prefixed message in a
// segment from port 53 (no reassembly; a response split over segments is missed).
class DnsFeed {
 public:
  explicit DnsFeed(DnsFollower& follower);
  void process(const capture::RawPacket& pkt);
  // Idle: flows expire by the clock.
  void tick(core::TimeNs now) { pipeline_.tick(now); }
  uint64_t tcp_answers() const { return tcp_answers_; }

 private:
  void tcp(const capture::RawPacket& pkt);
  DnsFollower& follower_;
  watch::Pipeline pipeline_;
  decode::Decoder decoder_;  // TCP segments only
  decode::PacketView pv_;
  std::unique_ptr<decode::DnsMessage> msg_;
  uint64_t tcp_answers_ = 0;
};

}  // namespace sekisho::enforce
