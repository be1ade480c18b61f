#pragma once
// Checks every new flow of a device that has a policy (RFC 8520 MUD, learned, or a class
// default) against it, the way a stateful gateway firewall would: the packet that opens a
// flow must be accepted by an ACE of its direction (from-device for what the device sends,
// to-device for what it receives); replies ride on the open flow. DNS-name ACEs are bound
// through the answers the device itself received (DnsBindings); local-networks and the
// controllers come from the operator's configuration; manufacturer/model from the MUD URLs
// the inventory has seen.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/net.h"
#include "decode/packet_view.h"
#include "detect/alert.h"
#include "inventory/device.h"
#include "policy/compiled.h"
#include "watch/dns_binding.h"
#include "watch/flow_observer.h"

namespace sekisho::watch {

struct PolicyMonitorConfig {
  // local-networks; empty means the private and link-local ranges (RFC 1918, 169.254/16,
  // fc00::/7, fe80::/10).
  std::vector<core::IpPrefix> local_networks;
  // controller URI or URN (e.g. urn:ietf:params:mud:dns) -> the addresses it stands for.
  std::map<std::string, std::vector<core::IpPrefix>> controllers;
  // a device's MUD URL -> its my-controller addresses.
  std::map<std::string, std::vector<core::IpPrefix>> my_controllers;
  DnsBindingConfig dns;
};

struct PolicyViolation {
  core::MacAddr device;
  policy::Direction direction = policy::Direction::kFromDevice;  // of the flow's first packet
  const policy::DevicePolicy* policy = nullptr;
  const policy::Rule* nearest = nullptr;  // the ACE that came closest, or the one that denied
  bool denied = false;                    // an ACE with a drop/reject action matched
  std::string mismatch;                   // what the nearest ACE did not match
  core::IpAddr remote;
  std::vector<std::string> remote_names;  // names the device was told resolve to `remote`
};

struct PolicyMonitorStats {
  uint64_t flows_checked = 0;
  uint64_t violations = 0;
  uint64_t exempt = 0;  // broadcast, multicast and DHCP: link-local service traffic
  uint64_t dns_answers = 0;
  uint64_t auto_bound = 0;        // automatic bindings made (or changed)
  uint64_t unknown_mud_urls = 0;  // devices announcing a MUD URL the cache does not hold
};

class PolicyMonitor final : public FlowObserver {
 public:
  explicit PolicyMonitor(PolicyMonitorConfig cfg = {});

  // Where violation events go (EVE JSON objects); none: only counted.
  void set_sink(std::function<void(std::string_view)> sink) { sink_ = std::move(sink); }
  // Who else hears of each violation (the detection engine turns them into alerts).
  using ViolationHook = std::function<void(const PolicyViolation&, const decode::PacketView&, const flow::Flow&)>;
  void set_violation_hook(ViolationHook hook) { hook_ = std::move(hook); }

  // FlowObserver
  bool wants_dns(const core::MacAddr& receiver) const override { return policy_for(receiver) != nullptr; }
  void on_dns_answer(const core::MacAddr& receiver, const decode::DnsMessage& m, core::TimeNs ts) override {
    learn_dns(receiver, m, ts);
  }
  void on_new_flow(const decode::PacketView& pv, const flow::Flow& f, const inventory::DeviceTable& devices) override;

  // Binds (or rebinds) a policy to the device named by p.mac: the operator's explicit
  // choice, which no automatic binding below overrides.
  void bind(policy::DevicePolicy p);

  // Automatic binding, checked when a device first shows up in a flow and again when what
  // it is known by changes. In order: the MUD URL the device announced (DHCP option
  // 161/112, LLDP) found in the local cache of MUD files; the operator's vendor mapping
  // (case-insensitive substring of the vendor name); the default policy of its class.
  // The policies' mac is ignored (they are templates).
  void add_cached(policy::DevicePolicy mud);  // keyed by its mud_url
  void add_vendor_rule(std::string vendor_substring, policy::DevicePolicy p);
  void add_class_default(inventory::DeviceClass cls, policy::DevicePolicy p);
  bool has_templates() const { return !cached_.empty() || !vendor_rules_.empty() || !class_defaults_.empty(); }
  bool empty() const { return policies_.empty() && !has_templates(); }
  size_t size() const { return policies_.size(); }
  const policy::DevicePolicy* policy_for(const core::MacAddr& mac) const;

  // A DNS response parsed in full, received by `receiver` (a bound device).
  void learn_dns(const core::MacAddr& receiver, const decode::DnsMessage& m, core::TimeNs ts);

  // The MUD URL the inventory knows for a MAC (empty if none); for manufacturer, model and
  // same-manufacturer peers.
  using MudUrlOf = std::function<std::string_view(const core::MacAddr&)>;

  // The first packet of a new flow: appends a violation for each bound end whose policy
  // does not allow it.
  void check_new_flow(const decode::PacketView& pv, const MudUrlOf& mud_url_of, std::vector<PolicyViolation>& out);

  const DnsBindings& dns() const { return dns_; }
  const PolicyMonitorStats& stats() const { return stats_; }

 private:
  void check_one(const decode::PacketView& pv, const policy::DevicePolicy& p, policy::Direction dir,
                 const MudUrlOf& mud_url_of, std::vector<PolicyViolation>& out);
  int misfit(const policy::Rule& r, const decode::PacketView& pv, const policy::DevicePolicy& p, bool from,
             const MudUrlOf& mud_url_of, std::string* why, int* score) const;
  bool peer_matches(const policy::Peer& peer, const core::MacAddr& device, const core::IpAddr& remote,
                    const core::MacAddr& remote_mac, const policy::DevicePolicy& p, const MudUrlOf& mud_url_of,
                    core::TimeNs now) const;

  void auto_bind(const core::MacAddr& mac, const inventory::DeviceTable& devices);

  PolicyMonitorConfig cfg_;
  std::unordered_map<uint64_t, policy::DevicePolicy> policies_;
  std::unordered_map<uint64_t, bool> explicit_;  // MACs the operator bound by hand
  std::unordered_map<std::string, policy::DevicePolicy> cached_;
  std::vector<std::pair<std::string, policy::DevicePolicy>> vendor_rules_;
  std::map<inventory::DeviceClass, policy::DevicePolicy> class_defaults_;
  std::unordered_map<uint64_t, std::string> auto_key_;  // what each automatic binding came from
  DnsBindings dns_;
  PolicyMonitorStats stats_;
  std::function<void(std::string_view)> sink_;
  ViolationHook hook_;
  std::vector<PolicyViolation> found_;
};

// RFC 1918, 169.254/16, fc00::/7, fe80::/10: what local-networks means unless configured.
std::vector<core::IpPrefix> default_local_networks();

// Traffic policies do not cover: non-IP, and link-local service traffic a gateway does not
// forward (broadcast, multicast, DHCP).
bool policy_exempt(const decode::PacketView& pv);

// The first packet of a flow as the opener sent it. A flow first seen mid-stream (capture
// started late, or a flow that timed out and went on) is turned around when the packet is a
// SYN-ACK, or a TCP segment without SYN going from the lower port to the higher one, which
// is what a server's reply looks like; otherwise the sender opened it.
decode::PacketView as_opened(const decode::PacketView& pv);

// The EVE `policy_violation` event for a violation found on packet `pv` of flow `flow_id`.
std::string format_violation_event(const PolicyViolation& v, const decode::PacketView& pv, uint64_t flow_id);

const char* direction_name(policy::Direction d);

// The alert (detect::sig::kPolicyViolation) for a violation: about the bound device, one
// per (device, remote address, protocol, port) per suppression interval.
detect::Alert violation_alert(const PolicyViolation& v, const decode::PacketView& pv, const flow::Flow& f,
                              const inventory::DeviceTable& devices);

}  // namespace sekisho::watch
