// MudFile -> DevicePolicy (policy/compiled.h): one Rule per ACE and direction.
#include <string_view>
#include <unordered_map>
#include <utility>

#include "policy/mud.h"

namespace sekisho::policy {

namespace {

// The port ranges a PortMatch admits: one, or two for neq (which a range cannot say).
std::vector<PortRange> ranges(const std::optional<PortMatch>& m) {
  if (!m) return {PortRange{}};
  const uint16_t p = m->port;
  switch (m->op) {
    case PortOperator::kEq: return {PortRange{p, p}};
    case PortOperator::kLte: return {PortRange{0, p}};
    case PortOperator::kGte: return {PortRange{p, 65535}};
    case PortOperator::kRange: return {PortRange{p, m->upper}};
    case PortOperator::kNeq: {
      std::vector<PortRange> out;
      if (p > 0) out.push_back(PortRange{0, uint16_t(p - 1)});
      if (p < 65535) out.push_back(PortRange{uint16_t(p + 1), 65535});
      return out;
    }
  }
  return {PortRange{}};
}

PeerKind peer_kind(Abstraction a) {
  switch (a) {
    case Abstraction::kManufacturer: return PeerKind::kManufacturer;
    case Abstraction::kSameManufacturer: return PeerKind::kSameManufacturer;
    case Abstraction::kModel: return PeerKind::kModel;
    case Abstraction::kLocalNetworks: return PeerKind::kLocalNetworks;
    case Abstraction::kController: return PeerKind::kController;
    case Abstraction::kMyController: return PeerKind::kMyController;
  }
  return PeerKind::kAny;
}

Peer ip_peer(const Matches& m, Direction dir) {
  Peer peer;
  const IpMatch* ip = m.ipv4 ? &*m.ipv4 : m.ipv6 ? &*m.ipv6 : nullptr;
  if (!ip) return peer;
  const bool from = dir == Direction::kFromDevice;
  const auto& name = from ? (ip->dst_dnsname ? ip->dst_dnsname : ip->src_dnsname)
                          : (ip->src_dnsname ? ip->src_dnsname : ip->dst_dnsname);
  if (name) {
    peer.kind = PeerKind::kDnsName;
    peer.name = *name;
    return peer;
  }
  const auto& net = from ? (ip->dst_network ? ip->dst_network : ip->src_network)
                         : (ip->src_network ? ip->src_network : ip->dst_network);
  if (net) {
    peer.kind = PeerKind::kNetwork;
    peer.net = net->addr;
    peer.prefix = net->length;
  }
  return peer;
}

// The remote end. The parser allows one DNS name or network per ACE, possibly next to an
// abstraction (MUDgee: local-networks and 239.255.255.250/32); the address is the
// narrower, so it wins. Should a hand-built model carry more, the one that matches the
// direction wins.
Peer peer_of(const MudFile& mud, const Matches& m, Direction dir) {
  Peer peer;
  if (Peer l3 = ip_peer(m, dir); l3.kind != PeerKind::kAny) return l3;
  if (m.mud) {
    peer.kind = peer_kind(m.mud->kind);
    switch (m.mud->kind) {
      case Abstraction::kSameManufacturer: peer.name = url_authority(mud.mud_url); break;
      case Abstraction::kMyController: peer.name = mud.mud_url; break;
      case Abstraction::kLocalNetworks: break;
      case Abstraction::kManufacturer:
      case Abstraction::kModel:
      case Abstraction::kController: peer.name = m.mud->value; break;
    }
  }
  return peer;
}

void compile_ace(const MudFile& mud, const Acl& acl, const Ace& ace, Direction dir, std::vector<Rule>& out) {
  const Matches& m = ace.matches;
  Rule base;
  base.acl = acl.name;
  base.ace = ace.name;
  base.direction = dir;
  // The L3 match decides; without one, the ACL type.
  if (m.ipv4 || (!m.ipv6 && acl.type == AclType::kIpv4)) {
    base.family = 4;
  } else if (m.ipv6 || acl.type == AclType::kIpv6) {
    base.family = 6;
  }
  if (m.eth && m.eth->ethertype) base.ethertype = *m.eth->ethertype;
  const IpMatch* ip = m.ipv4 ? &*m.ipv4 : m.ipv6 ? &*m.ipv6 : nullptr;
  if (ip && ip->protocol) {
    base.protocol = *ip->protocol;
  } else if (m.tcp) {
    base.protocol = 6;
  } else if (m.udp) {
    base.protocol = 17;
  } else if (m.icmp) {
    base.protocol = base.family == 6 ? 58 : 1;
  }
  base.peer = peer_of(mud, m, dir);
  if (m.icmp) {
    if (m.icmp->type) base.icmp_type = *m.icmp->type;
    if (m.icmp->code) base.icmp_code = *m.icmp->code;
  }
  const TransportMatch* l4 = m.tcp ? &*m.tcp : m.udp ? &*m.udp : nullptr;
  if (m.tcp && m.tcp->initiated)
    base.initiated = *m.tcp->initiated == Direction::kFromDevice ? Initiator::kDevice : Initiator::kRemote;
  base.accept = ace.forwarding == Forwarding::kAccept;
  if (!l4) {
    out.push_back(std::move(base));
    return;
  }
  for (const PortRange& src : ranges(l4->src_port)) {
    for (const PortRange& dst : ranges(l4->dst_port)) {
      Rule r = base;
      r.src_port = src;
      r.dst_port = dst;
      out.push_back(std::move(r));
    }
  }
}

}  // namespace

DevicePolicy compile(const MudFile& mud, const core::MacAddr& mac, std::string source) {
  DevicePolicy policy;
  policy.mac = mac;
  policy.mud_url = mud.mud_url;
  policy.source = std::move(source);
  policy.rules.reserve(mud.ace_count());
  std::unordered_map<std::string_view, const Acl*> by_name;
  for (const auto& acl : mud.acls) by_name.emplace(acl.name, &acl);
  // Policy order, then file order: from-device ACLs first, as the MUD file lists them.
  for (const auto& [names, dir] : {std::pair{&mud.from_device_policy, Direction::kFromDevice},
                                   std::pair{&mud.to_device_policy, Direction::kToDevice}}) {
    for (const auto& name : *names) {
      const auto it = by_name.find(name);
      if (it == by_name.end()) continue;
      for (const auto& ace : it->second->aces) compile_ace(mud, *it->second, ace, dir, policy.rules);
    }
  }
  return policy;
}

core::Result<DevicePolicy> load_policy(const std::string& path, const core::MacAddr& mac) {
  auto mud = load_mud_file(path);
  if (!mud) return mud.error();
  return compile(*mud, mac, path);
}

}  // namespace sekisho::policy
