#include "watch/mud_learn.h"

#include <algorithm>
#include <ctime>

#include "watch/policy_monitor.h"

namespace sekisho::watch {

namespace {

std::string mac12(const core::MacAddr& m) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (uint8_t b : m.b) {
    s.push_back(hex[b >> 4]);
    s.push_back(hex[b & 15]);
  }
  return s;
}

std::string rfc3339(core::TimeNs ts) {
  std::time_t t = std::time_t(ts / core::kNsPerSec);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool has_ports(uint8_t proto) { return proto == 6 || proto == 17; }

}  // namespace

MudLearner::MudLearner(MudLearnConfig cfg) : cfg_(std::move(cfg)), dns_(cfg_.dns) {
  if (cfg_.local_networks.empty()) cfg_.local_networks = default_local_networks();
}

bool MudLearner::local(const core::IpAddr& a) const {
  for (const auto& n : cfg_.local_networks)
    if (n.contains(a)) return true;
  return false;
}

bool MudLearner::wants_dns(const core::MacAddr& receiver) const {
  return only_.empty() || only_.count(receiver.as_u64()) != 0;
}

void MudLearner::on_dns_answer(const core::MacAddr& receiver, const decode::DnsMessage& m, core::TimeNs ts) {
  dns_.learn(receiver, m, ts);
}

void MudLearner::on_new_flow(const decode::PacketView& first, const flow::Flow& /*f*/,
                             const inventory::DeviceTable& /*devices*/) {
  const decode::PacketView pv = as_opened(first);
  if (policy_exempt(pv)) {
    // Only broadcast, multicast or DHCP so far: a device all the same, whose profile
    // allows no unicast traffic unless more is seen.
    const bool ip = pv.l3 == decode::L3::kIpv4 || pv.l3 == decode::L3::kIpv6;
    if (ip && pv.has_eth && !pv.src_mac.is_multicast() && (local(pv.src_ip) || pv.src_ip.is_unspecified()) &&
        (only_.empty() || only_.count(pv.src_mac.as_u64()))) {
      Learned& l = learned_[pv.src_mac.as_u64()];
      if (!l.first || pv.ts < l.first) l.first = pv.ts;
      if (pv.ts > l.last) l.last = pv.ts;
    }
    return;
  }
  // A MAC that carries many non-local addresses as its own is a router: the way out.
  auto note = [this](const core::MacAddr& mac, const core::IpAddr& own) {
    if (local(own) || own.is_unspecified()) return;
    auto& seen = foreign_[mac.as_u64()];
    if (seen.size() <= kRouterAddresses) seen.insert(own);
  };
  note(pv.src_mac, pv.src_ip);
  note(pv.dst_mac, pv.dst_ip);
  learn_side(pv, true);
  learn_side(pv, false);
}

void MudLearner::learn_side(const decode::PacketView& pv, bool device_is_src) {
  const core::MacAddr& mac = device_is_src ? pv.src_mac : pv.dst_mac;
  if (!only_.empty() && !only_.count(mac.as_u64())) return;
  const core::IpAddr& remote = device_is_src ? pv.dst_ip : pv.src_ip;
  Key k;
  k.device_initiated = device_is_src;
  k.family = pv.src_ip.family;
  k.proto = pv.ip_proto;
  if (local(remote)) {
    k.peer = PeerType::kLocal;
  } else if (auto names = dns_.names(mac, remote, pv.ts); !names.empty()) {
    k.peer = PeerType::kDnsName;
    k.name = names.front();
  } else {
    k.peer = PeerType::kAddress;
    k.addr = remote;
  }
  Learned& l = learned_[mac.as_u64()];
  auto& ports = l.ports[k];
  if (has_ports(k.proto) && pv.has_l4) ports.insert(pv.dst_port);  // the opener's destination: the service
  ++l.flows;
  if (!l.first || pv.ts < l.first) l.first = pv.ts;
  if (pv.ts > l.last) l.last = pv.ts;
}

std::vector<core::MacAddr> MudLearner::devices() const {
  std::vector<core::MacAddr> out;
  for (const auto& [key, l] : learned_) {
    auto f = foreign_.find(key);
    // Devices have global IPv6 addresses, a few each; an IPv4 address outside the LAN
    // (as --lan defines it) or many foreign addresses mark the way out.
    const bool router = f != foreign_.end() && (f->second.size() > kRouterAddresses ||
                                                std::any_of(f->second.begin(), f->second.end(),
                                                            [](const core::IpAddr& a) { return a.is_v4(); }));
    if (router && (only_.empty() || !only_.count(key))) continue;
    core::MacAddr m;
    for (int i = 0; i < 6; ++i) m.b[size_t(i)] = uint8_t(key >> (8 * (5 - i)));
    out.push_back(m);
  }
  std::sort(out.begin(), out.end(), [](const core::MacAddr& a, const core::MacAddr& b) { return a.b < b.b; });
  return out;
}

uint64_t MudLearner::flows(const core::MacAddr& mac) const {
  auto it = learned_.find(mac.as_u64());
  return it == learned_.end() ? 0 : it->second.flows;
}

policy::MudFile MudLearner::profile(const core::MacAddr& mac, const inventory::Device* d) const {
  using policy::Direction;
  policy::MudFile mud;
  const std::string id = mac12(mac);
  mud.mud_url = cfg_.url_base + id + ".json";
  auto it = learned_.find(mac.as_u64());
  const Learned* l = it == learned_.end() ? nullptr : &it->second;
  mud.last_update = rfc3339(l ? l->last : 0);
  char mac_text[18];
  mac.format(mac_text);
  mac_text[17] = 0;
  // systeminfo is at most 60 characters (RFC 8520): who, and that it was learned.
  std::string who = d && !d->hostname.empty() ? d->hostname.substr(0, 20) + " " : std::string();
  mud.systeminfo = who + mac_text + ", learned from " + std::to_string(l ? l->flows : 0) + " flows";
  if (mud.systeminfo->size() > 60) mud.systeminfo->resize(60);
  if (d && !d->vendor.empty()) mud.mfg_name = d->vendor;
  if (!l) return mud;

  // One ACL per direction and family, created on first use, in a fixed order.
  policy::Acl acls[2][2];  // [from=0/to=1][v4=0/v6=1]
  auto acl = [&](bool from, uint8_t family) -> policy::Acl& {
    policy::Acl& a = acls[from ? 0 : 1][family == 6 ? 1 : 0];
    if (a.name.empty()) {
      a.name = std::string(from ? "from" : "to") + (family == 6 ? "-ipv6-" : "-ipv4-") + id;
      a.type = family == 6 ? policy::AclType::kIpv6 : policy::AclType::kIpv4;
    }
    return a;
  };
  auto add = [&](bool from, const Key& k, const std::optional<policy::PortMatch>& port, bool port_is_dst) {
    policy::Acl& a = acl(from, k.family);
    policy::Ace ace;
    ace.name = a.name + "-" + std::to_string(a.aces.size());
    policy::IpMatch ip;
    ip.protocol = k.proto;
    // In a from-device ACE the remote is the destination; in a to-device ACE, the source.
    if (k.peer == PeerType::kDnsName) {
      (from ? ip.dst_dnsname : ip.src_dnsname) = k.name;
    } else if (k.peer == PeerType::kAddress) {
      (from ? ip.dst_network : ip.src_network) = policy::IpPrefix{k.addr, uint8_t(k.family == 6 ? 128 : 32)};
    } else {
      ace.matches.mud = policy::MudMatch{policy::Abstraction::kLocalNetworks, {}};
    }
    (k.family == 6 ? ace.matches.ipv6 : ace.matches.ipv4) = ip;
    if (has_ports(k.proto)) {
      policy::TransportMatch t;
      if (port) (port_is_dst ? t.dst_port : t.src_port) = *port;
      if (k.proto == 6) t.initiated = k.device_initiated ? Direction::kFromDevice : Direction::kToDevice;
      (k.proto == 6 ? ace.matches.tcp : ace.matches.udp) = t;
    }
    a.aces.push_back(std::move(ace));
  };
  for (const auto& [k, ports] : l->ports) {
    std::vector<std::optional<policy::PortMatch>> specs;
    if (!has_ports(k.proto) || ports.empty()) {
      specs.emplace_back();
    } else if (ports.size() > cfg_.max_exact_ports) {
      specs.push_back(policy::PortMatch{policy::PortOperator::kRange, *ports.begin(), *ports.rbegin()});
    } else {
      for (uint16_t p : ports) specs.push_back(policy::PortMatch{policy::PortOperator::kEq, p, 0});
    }
    for (const auto& spec : specs) {
      if (k.device_initiated) {
        add(true, k, spec, true);    // the device opens it: remote's service port
        add(false, k, spec, false);  // replies come from that port
      } else {
        add(false, k, spec, true);  // the remote opens it: the device's own port
        add(true, k, spec, false);  // replies leave from that port
      }
    }
  }
  for (int dir = 0; dir < 2; ++dir)
    for (int fam = 0; fam < 2; ++fam) {
      policy::Acl& a = acls[dir][fam];
      if (a.name.empty()) continue;
      (dir == 0 ? mud.from_device_policy : mud.to_device_policy).push_back(a.name);
      mud.acls.push_back(std::move(a));
    }
  return mud;
}

}  // namespace sekisho::watch
