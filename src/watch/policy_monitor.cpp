#include "watch/policy_monitor.h"

#include <string>

#include "core/json_writer.h"
#include "core/time.h"
#include "decode/app/text.h"
#include "detect/signatures.h"
#include "detect/state.h"
#include "flow/community_id.h"
#include "flow/flow.h"
#include "policy/mud.h"

namespace sekisho::watch {

decode::PacketView as_opened(const decode::PacketView& pv) {
  decode::PacketView o = pv;
  if (pv.ip_proto != 6 || !pv.has_l4) return o;
  const bool syn = pv.tcp_flags & decode::tcp::kSyn, ack = pv.tcp_flags & decode::tcp::kAck;
  const bool reply = syn ? ack : pv.src_port < pv.dst_port;
  if (reply) {
    std::swap(o.src_mac, o.dst_mac);
    std::swap(o.src_ip, o.dst_ip);
    std::swap(o.src_port, o.dst_port);
  }
  return o;
}

std::vector<core::IpPrefix> default_local_networks() {
  std::vector<core::IpPrefix> out;
  for (const char* p : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "fc00::/7", "fe80::/10"})
    out.push_back(*core::IpPrefix::parse(p));
  return out;
}

namespace {

bool in_any(const std::vector<core::IpPrefix>& nets, const core::IpAddr& a) {
  for (const auto& n : nets)
    if (n.contains(a)) return true;
  return false;
}

bool is_tcp_udp(uint8_t proto) { return proto == 6 || proto == 17; }

void normalize_names(policy::DevicePolicy& p) {
  for (auto& r : p.rules)
    if (r.peer.kind == policy::PeerKind::kDnsName) r.peer.name = normalize_dns_name(r.peer.name);
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (decode::text::iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

std::string port_text(const policy::PortRange& r) {
  return r.lo == r.hi ? std::to_string(r.lo) : std::to_string(r.lo) + "-" + std::to_string(r.hi);
}

std::string peer_text(const policy::Peer& p) {
  switch (p.kind) {
    case policy::PeerKind::kAny: return "any";
    case policy::PeerKind::kNetwork: return core::IpPrefix::of(p.net, p.prefix).to_string();
    case policy::PeerKind::kDnsName: return "dnsname " + p.name;
    case policy::PeerKind::kLocalNetworks: return "local-networks";
    case policy::PeerKind::kManufacturer: return "manufacturer " + p.name;
    case policy::PeerKind::kSameManufacturer: return "same-manufacturer";
    case policy::PeerKind::kModel: return "model " + p.name;
    case policy::PeerKind::kController: return "controller " + p.name;
    case policy::PeerKind::kMyController: return "my-controller";
  }
  return "?";
}

}  // namespace

const char* direction_name(policy::Direction d) {
  return d == policy::Direction::kFromDevice ? "from-device" : "to-device";
}

bool policy_exempt(const decode::PacketView& pv) {
  if (!pv.has_eth || (pv.l3 != decode::L3::kIpv4 && pv.l3 != decode::L3::kIpv6)) return true;
  const bool dhcp =
      pv.ip_proto == 17 && (pv.dst_port == 67 || pv.dst_port == 68 || pv.dst_port == 546 || pv.dst_port == 547);
  return dhcp || pv.dst_mac.is_multicast() || pv.dst_ip.is_multicast() ||
         (pv.dst_ip.is_v4() && pv.dst_ip.v4_host_order() == 0xFFFFFFFFu);
}

PolicyMonitor::PolicyMonitor(PolicyMonitorConfig cfg) : cfg_(std::move(cfg)), dns_(cfg_.dns) {
  if (cfg_.local_networks.empty()) cfg_.local_networks = default_local_networks();
}

void PolicyMonitor::bind(policy::DevicePolicy p) {
  normalize_names(p);
  const uint64_t key = p.mac.as_u64();
  explicit_[key] = true;
  auto_key_.erase(key);
  policies_[key] = std::move(p);
}

void PolicyMonitor::add_cached(policy::DevicePolicy mud) {
  normalize_names(mud);
  std::string url = mud.mud_url;
  cached_[url] = std::move(mud);
}

void PolicyMonitor::add_vendor_rule(std::string vendor_substring, policy::DevicePolicy p) {
  normalize_names(p);
  vendor_rules_.emplace_back(std::move(vendor_substring), std::move(p));
}

void PolicyMonitor::add_class_default(inventory::DeviceClass cls, policy::DevicePolicy p) {
  normalize_names(p);
  class_defaults_[cls] = std::move(p);
}

void PolicyMonitor::auto_bind(const core::MacAddr& mac, const inventory::DeviceTable& devices) {
  const uint64_t key = mac.as_u64();
  if (mac.is_multicast() || explicit_.count(key)) return;
  const uint32_t id1 = devices.find(mac);
  if (!id1) return;
  const inventory::Device& d = devices.devices()[id1 - 1];
  const policy::DevicePolicy* chosen = nullptr;
  std::string why;
  if (!d.mud_url.empty()) {
    if (auto it = cached_.find(d.mud_url); it != cached_.end()) {
      chosen = &it->second;
      why = "mud-url " + d.mud_url;
    }
  }
  if (!chosen && !d.vendor.empty())
    for (const auto& [sub, p] : vendor_rules_)
      if (icontains(d.vendor, sub)) {
        chosen = &p;
        why = "vendor " + sub;
        break;
      }
  if (!chosen)
    if (auto it = class_defaults_.find(d.cls); it != class_defaults_.end()) {
      chosen = &it->second;
      why = std::string("class ") + inventory::class_name(d.cls);
    }
  auto prev = auto_key_.find(key);
  if (prev != auto_key_.end() && prev->second == why) return;  // unchanged
  if (!d.mud_url.empty() && why.rfind("mud-url", 0) != 0 && (prev == auto_key_.end() || prev->second.empty()))
    ++stats_.unknown_mud_urls;
  auto_key_[key] = why;
  if (!chosen) {
    policies_.erase(key);
    return;
  }
  policy::DevicePolicy p = *chosen;
  p.mac = mac;
  p.source = why + " (" + chosen->source + ")";
  policies_[key] = std::move(p);
  ++stats_.auto_bound;
}

const policy::DevicePolicy* PolicyMonitor::policy_for(const core::MacAddr& mac) const {
  auto it = policies_.find(mac.as_u64());
  return it == policies_.end() ? nullptr : &it->second;
}

void PolicyMonitor::learn_dns(const core::MacAddr& receiver, const decode::DnsMessage& m, core::TimeNs ts) {
  ++stats_.dns_answers;
  dns_.learn(receiver, m, ts);
}

bool PolicyMonitor::peer_matches(const policy::Peer& peer, const core::MacAddr& device, const core::IpAddr& remote,
                                 const core::MacAddr& remote_mac, const policy::DevicePolicy& p,
                                 const MudUrlOf& mud_url_of, core::TimeNs now) const {
  using policy::PeerKind;
  switch (peer.kind) {
    case PeerKind::kAny: return true;
    case PeerKind::kNetwork: return core::IpPrefix::of(peer.net, peer.prefix).contains(remote);
    case PeerKind::kDnsName: return dns_.bound_normalized(device, remote, peer.name, now);
    case PeerKind::kLocalNetworks: return in_any(cfg_.local_networks, remote);
    case PeerKind::kController: {
      auto it = cfg_.controllers.find(peer.name);
      return it != cfg_.controllers.end() && in_any(it->second, remote);
    }
    case PeerKind::kMyController: {
      auto it = cfg_.my_controllers.find(p.mud_url);
      return it != cfg_.my_controllers.end() && in_any(it->second, remote);
    }
    case PeerKind::kManufacturer:
    case PeerKind::kSameManufacturer:
    case PeerKind::kModel: {
      // Other devices on the LAN, known by the MUD URL they announced.
      if (!mud_url_of || !in_any(cfg_.local_networks, remote)) return false;
      const std::string_view url = mud_url_of(remote_mac);
      if (url.empty()) return false;
      if (peer.kind == PeerKind::kModel) return url == peer.name;
      const std::string want =
          peer.kind == PeerKind::kSameManufacturer && peer.name.empty()
              ? policy::url_authority(p.mud_url)
              : policy::url_authority(peer.name.find("://") == std::string::npos ? "https://" + peer.name : peer.name);
      return !want.empty() && decode::text::iequals(policy::url_authority(url), want);
    }
  }
  return false;
}

// How well rule r fits the flow's first packet: the number of fields it mismatches (0 is a
// match) and, when `why` is given, the mismatches in words and a closeness score. Without
// `why` it stops at the first mismatch, cheapest fields first: most flows of a bound
// device match an ACE, and most ACEs are not the one.
int PolicyMonitor::misfit(const policy::Rule& r, const decode::PacketView& pv, const policy::DevicePolicy& p, bool from,
                          const MudUrlOf& mud_url_of, std::string* why, int* score) const {
  const core::MacAddr& device = from ? pv.src_mac : pv.dst_mac;
  const core::MacAddr& remote_mac = from ? pv.dst_mac : pv.src_mac;
  const core::IpAddr& remote = from ? pv.dst_ip : pv.src_ip;
  const bool ports = is_tcp_udp(pv.ip_proto) && pv.has_l4;
  const bool icmp = pv.ip_proto == 1 || pv.ip_proto == 58;
  int misses = 0;
  auto fail = [&](auto&& text) -> bool {
    ++misses;
    if (!why) return true;  // stop here
    if (!why->empty()) *why += ", ";
    *why += text();
    return false;
  };
  if (score) *score = 0;
  if (r.protocol != 0 && r.protocol != pv.ip_proto) {
    if (fail([&] {
          return "protocol " + std::to_string(pv.ip_proto) + " (ACE allows " + std::to_string(r.protocol) + ")";
        }))
      return misses;
  } else if (score) {
    *score += 4;
  }
  if (r.family != 0 && r.family != pv.src_ip.family) {
    if (fail(
            [&] { return "IPv" + std::to_string(pv.src_ip.family) + " (ACE is IPv" + std::to_string(r.family) + ")"; }))
      return misses;
  } else if (score) {
    *score += 1;  // a tie-breaker
  }
  bool port_ok = true;
  if (!r.src_port.any() && (!ports || !r.src_port.contains(pv.src_port))) {
    port_ok = false;
    if (fail([&] {
          return "source-port " + std::to_string(pv.src_port) + " (ACE allows " + port_text(r.src_port) + ")";
        }))
      return misses;
  }
  if (!r.dst_port.any() && (!ports || !r.dst_port.contains(pv.dst_port))) {
    port_ok = false;
    if (fail([&] {
          return "destination-port " + std::to_string(pv.dst_port) + " (ACE allows " + port_text(r.dst_port) + ")";
        }))
      return misses;
  }
  // Ports that match count fully only where the ACE names ports: an ACE for another
  // protocol that names none is not near just for that.
  if (port_ok && score) *score += r.src_port.any() && r.dst_port.any() ? 2 : 4;
  if (r.icmp_type >= 0 && (!icmp || pv.icmp_type != r.icmp_type))
    if (fail([&] { return "icmp type " + std::to_string(pv.icmp_type); })) return misses;
  if (r.icmp_code >= 0 && (!icmp || pv.icmp_code != r.icmp_code))
    if (fail([&] { return "icmp code " + std::to_string(pv.icmp_code); })) return misses;
  // direction-initiated: the first packet of the flow tells who initiated it.
  if (pv.ip_proto == 6 && r.initiated != policy::Initiator::kEither &&
      (r.initiated == policy::Initiator::kDevice) != from) {
    if (fail([&] {
          return std::string("initiated by the ") + (from ? "device" : "remote") + " (ACE allows " +
                 (r.initiated == policy::Initiator::kDevice ? "from-device" : "to-device") + " only)";
        }))
      return misses;
  } else if (score) {
    *score += 1;
  }
  if (!peer_matches(r.peer, device, remote, remote_mac, p, mud_url_of, pv.ts)) {
    if (fail([&] { return (from ? "destination " : "source ") + remote.to_string() + " is not " + peer_text(r.peer); }))
      return misses;
  } else if (score) {
    *score += 4;
  }
  return misses;
}

void PolicyMonitor::check_one(const decode::PacketView& pv, const policy::DevicePolicy& p, policy::Direction dir,
                              const MudUrlOf& mud_url_of, std::vector<PolicyViolation>& out) {
  const bool from = dir == policy::Direction::kFromDevice;
  ++stats_.flows_checked;
  // First match wins, in file order: accept ends the check, drop/reject is a violation.
  const policy::Rule* hit = nullptr;
  for (const auto& r : p.rules) {
    if (r.direction != dir || r.ethertype != 0) continue;
    if (misfit(r, pv, p, from, mud_url_of, nullptr, nullptr) == 0) {
      if (r.accept) return;
      hit = &r;
      break;
    }
  }
  PolicyViolation v;
  v.device = from ? pv.src_mac : pv.dst_mac;
  v.direction = dir;
  v.policy = &p;
  v.remote = from ? pv.dst_ip : pv.src_ip;
  v.remote_names = dns_.names(v.device, v.remote, pv.ts);
  if (hit) {
    v.nearest = hit;
    v.denied = true;
  } else {
    // The nearest ACE: one that would have accepted the flow had it differed least.
    int best_score = -1;
    for (const auto& r : p.rules) {
      if (r.direction != dir || r.ethertype != 0 || !r.accept) continue;
      std::string why;
      int score = 0;
      misfit(r, pv, p, from, mud_url_of, &why, &score);
      if (score > best_score) {
        best_score = score;
        v.nearest = &r;
        v.mismatch = std::move(why);
      }
    }
    if (!v.nearest) v.mismatch = std::string("no ") + direction_name(dir) + " ACE of the policy accepts anything";
  }
  out.push_back(std::move(v));
  ++stats_.violations;
}

void PolicyMonitor::check_new_flow(const decode::PacketView& first, const MudUrlOf& mud_url_of,
                                   std::vector<PolicyViolation>& out) {
  if (policies_.empty() || !first.has_eth) return;
  if (!policy_for(first.src_mac) && !policy_for(first.dst_mac)) return;
  const decode::PacketView pv = as_opened(first);
  const policy::DevicePolicy* src = policy_for(pv.src_mac);
  const policy::DevicePolicy* dst = policy_for(pv.dst_mac);
  if (!src && !dst) return;
  if (policy_exempt(pv)) {
    ++stats_.exempt;
    return;
  }
  if (src) check_one(pv, *src, policy::Direction::kFromDevice, mud_url_of, out);
  if (dst) check_one(pv, *dst, policy::Direction::kToDevice, mud_url_of, out);
}

void PolicyMonitor::on_new_flow(const decode::PacketView& pv, const flow::Flow& f,
                                const inventory::DeviceTable& devices) {
  if (has_templates() && pv.has_eth) {
    auto_bind(pv.src_mac, devices);
    auto_bind(pv.dst_mac, devices);
  }
  found_.clear();
  check_new_flow(
      pv,
      [&devices](const core::MacAddr& mac) -> std::string_view {
        const uint32_t id1 = devices.find(mac);
        return id1 ? std::string_view(devices.devices()[id1 - 1].mud_url) : std::string_view();
      },
      found_);
  if (sink_)
    for (const auto& v : found_) sink_(format_violation_event(v, pv, f.flow_id));
  if (hook_)
    for (const auto& v : found_) hook_(v, pv, f);
}

namespace {
// What a violation says in both its event and its alert: the policy, the remote, the
// nearest ACE and what it did not match.
void write_violation(core::JsonWriter& w, const PolicyViolation& v) {
  if (v.policy) {
    w.field("policy", v.policy->source);
    if (!v.policy->mud_url.empty()) w.field("mud_url", v.policy->mud_url);
  }
  w.field("remote", v.remote.to_string());
  if (!v.remote_names.empty()) {
    w.key("remote_names").begin_array();
    for (const auto& n : v.remote_names) w.value(n);
    w.end_array();
  }
  if (v.nearest) {
    w.key("nearest_ace").begin_object();
    w.field("acl", v.nearest->acl);
    w.field("ace", v.nearest->ace);
    if (!v.mismatch.empty()) w.field("mismatch", v.mismatch);
    w.end_object();
  } else if (!v.mismatch.empty()) {
    w.field("reason", v.mismatch);
  }
}
}  // namespace

std::string format_violation_event(const PolicyViolation& v, const decode::PacketView& pv, uint64_t flow_id) {
  std::string out;
  core::JsonWriter w(out);
  char buf[64];
  core::format_eve_time(pv.ts, buf);
  w.begin_object();
  w.field("timestamp", std::string_view(buf, 31));
  if (flow_id) w.field("flow_id", flow_id);
  w.field("event_type", "policy_violation");
  w.field("src_ip", pv.src_ip.to_string());
  w.field("src_port", uint32_t{pv.src_port});
  w.field("dest_ip", pv.dst_ip.to_string());
  w.field("dest_port", uint32_t{pv.dst_port});
  w.field("proto", core::ip_proto_name(pv.ip_proto, buf));
  char cid[flow::kCommunityIdLen];
  flow::community_id_v1_into(pv.src_ip, pv.dst_ip, pv.src_port, pv.dst_port, pv.ip_proto, cid);
  w.field("community_id", std::string_view(cid, sizeof cid));
  w.key("ether").begin_object();
  pv.src_mac.format(buf);
  w.field("src_mac", std::string_view(buf, 17));
  pv.dst_mac.format(buf);
  w.field("dest_mac", std::string_view(buf, 17));
  w.end_object();
  w.key("policy_violation").begin_object();
  v.device.format(buf);
  w.field("device", std::string_view(buf, 17));
  w.field("direction", direction_name(v.direction));
  w.field("verdict", v.denied ? "denied" : "not-allowed");
  write_violation(w, v);
  w.end_object();
  w.end_object();
  return out;
}

detect::Alert violation_alert(const PolicyViolation& v, const decode::PacketView& pv, const flow::Flow& f,
                              const inventory::DeviceTable& devices) {
  detect::Alert a;
  a.signature_id = detect::sig::kPolicyViolation;
  a.ts = pv.ts;
  a.mac = v.device;
  a.device1 = devices.find(v.device);
  const bool from = pv.has_eth && pv.src_mac == v.device;
  a.device_ip = from ? pv.src_ip : pv.dst_ip;
  a.where = from ? detect::Where::kOutbound : detect::Where::kInbound;
  a.src_ip = pv.src_ip;
  a.dst_ip = pv.dst_ip;
  a.src_port = pv.src_port;
  a.dst_port = pv.dst_port;
  a.proto = pv.ip_proto;
  a.flow_id = f.flow_id;
  const uint16_t port = from ? pv.dst_port : pv.src_port;
  a.subkey = detect::addr_key(v.remote, (uint64_t{pv.ip_proto} << 16) | port);
  core::JsonWriter w(a.evidence);
  w.field("policy_direction", direction_name(v.direction));
  w.field("verdict", v.denied ? "denied" : "not-allowed");
  write_violation(w, v);
  return a;
}

}  // namespace sekisho::watch
