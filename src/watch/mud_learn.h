#pragma once
// Learning a device's profile from its traffic (`sekisho mud learn`): every new flow of a
// LAN device becomes part of an RFC 8520 MUD file a person can read and approve. Remotes
// are named by the DNS names the device itself was told (as the policy monitor binds them
// back), LAN peers become `local-networks`, and ports stay exact unless a device talks to
// one peer on many ports, when they become one range. Replaying the same traffic against
// the learned file gives no violation; anything new (a telnet scan) does.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/net.h"
#include "policy/mud/model.h"
#include "watch/dns_binding.h"
#include "watch/flow_observer.h"

namespace sekisho::watch {

struct MudLearnConfig {
  std::vector<core::IpPrefix> local_networks;  // empty: default_local_networks()
  DnsBindingConfig dns;
  size_t max_exact_ports = 8;                                     // more distinct ports to one peer become a range
  std::string url_base = "https://mud.sekisho.invalid/learned/";  // + <mac12>.json
};

class MudLearner final : public FlowObserver {
 public:
  explicit MudLearner(MudLearnConfig cfg = {});

  // Learn only these devices (empty: every LAN device).
  void only(const core::MacAddr& mac) { only_.insert(mac.as_u64()); }

  bool wants_dns(const core::MacAddr& receiver) const override;
  void on_dns_answer(const core::MacAddr& receiver, const decode::DnsMessage& m, core::TimeNs ts) override;
  void on_new_flow(const decode::PacketView& pv, const flow::Flow& f, const inventory::DeviceTable& devices) override;

  // The devices with something learned, in MAC order (routers are left out: a MAC that
  // carries a non-local IPv4 address or many non-local IPv6 ones as its own is the way
  // out, not a device).
  std::vector<core::MacAddr> devices() const;
  // The MUD file for one device; `d` (may be null) gives vendor and host name for the
  // file's description.
  policy::MudFile profile(const core::MacAddr& mac, const inventory::Device* d) const;
  uint64_t flows(const core::MacAddr& mac) const;

 private:
  enum class PeerType : uint8_t { kDnsName, kLocal, kAddress };
  struct Key {
    bool device_initiated;
    uint8_t family;  // 4 or 6
    uint8_t proto;
    PeerType peer;
    std::string name;   // kDnsName
    core::IpAddr addr;  // kAddress
    auto operator<=>(const Key&) const = default;
  };
  struct Learned {
    std::map<Key, std::set<uint16_t>> ports;  // the service port: the remote's if the device initiated, else its own
    uint64_t flows = 0;
    core::TimeNs first = 0, last = 0;
  };
  void learn_side(const decode::PacketView& pv, bool device_is_src);
  bool local(const core::IpAddr& a) const;

  MudLearnConfig cfg_;
  DnsBindings dns_;
  std::unordered_set<uint64_t> only_;
  // Non-local addresses each MAC carried as its own (up to one past the router mark).
  static constexpr size_t kRouterAddresses = 8;
  std::unordered_map<uint64_t, std::set<core::IpAddr>> foreign_;
  std::unordered_map<uint64_t, Learned> learned_;
};

}  // namespace sekisho::watch
