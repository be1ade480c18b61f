// The `matches` container of an ACE: RFC 8519 L2/L3/L4 matches plus the RFC 8520
// augmentations (ietf-acldns names, ietf-mud:mud abstractions, direction-initiated), and
// the draft-era spellings still found in real files (ipv4-acl, *-port-range, mud-acl).
#include <array>
#include <charconv>
#include <string_view>
#include <utility>

#include "policy/mud/reader.h"

namespace sekisho::policy::detail {

namespace {

constexpr std::array<std::string_view, kAbstractionCount> kAbstractions = {
    "manufacturer", "same-manufacturer", "model", "local-networks", "controller", "my-controller"};

std::optional<Abstraction> abstraction_from(std::string_view s) {
  for (size_t i = 0; i < kAbstractions.size(); ++i)
    if (s == kAbstractions[i]) return Abstraction(i);
  return std::nullopt;
}

bool one_of(std::string_view k, std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (k == n) return true;
  return false;
}

std::string unknown_member(std::string_view key, std::string_view where) {
  return "unknown member " + short_quote(key) + " in " + std::string(where);
}

// Draft-era ports that sat inside the L3 container; moved to tcp/udp by protocol.
struct LegacyPorts {
  std::optional<PortMatch> src;
  std::optional<PortMatch> dst;
  std::string path;  // of the first one, for errors
};

std::optional<PortMatch> parse_port(Reader& r, const Json& v, const std::string& p) {
  if (!r.object(v, p)) return std::nullopt;
  const size_t before = r.errors();
  for (const auto& [k, x] : v.items())
    if (!one_of(k, {"operator", "port", "lower-port", "upper-port"})) r.error(child(p, k), unknown_member(k, "a port"));
  const auto op = v.find("operator"), port = v.find("port"), lower = v.find("lower-port"), upper = v.find("upper-port");
  const bool has_op = op != v.end() || port != v.end(), has_range = lower != v.end() || upper != v.end();
  if (has_op && has_range) {
    r.error(p, "both an operator/port and a lower-port/upper-port range");
    return std::nullopt;
  }
  PortMatch m;
  if (has_range) {
    if (lower == v.end() || upper == v.end()) {
      r.error(p, lower == v.end() ? "upper-port without lower-port" : "lower-port without upper-port");
      return std::nullopt;
    }
    auto lo = r.integer(*lower, child(p, "lower-port"), 0, 65535);
    auto hi = r.integer(*upper, child(p, "upper-port"), 0, 65535);
    if (!lo || !hi) return std::nullopt;
    if (*hi < *lo) {
      r.error(child(p, "upper-port"),
              "upper-port " + std::to_string(*hi) + " is below lower-port " + std::to_string(*lo));
      return std::nullopt;
    }
    m.op = PortOperator::kRange;
    m.port = uint16_t(*lo);
    m.upper = uint16_t(*hi);
    return m;
  }
  if (port == v.end()) {
    r.error(p, "expected \"port\" (with an optional \"operator\") or \"lower-port\"/\"upper-port\"");
    return std::nullopt;
  }
  if (op != v.end()) {
    const std::string op_path = child(p, "operator");
    if (auto s = r.string(*op, op_path)) {
      if (*s == "eq") {
        m.op = PortOperator::kEq;
      } else if (*s == "lte") {
        m.op = PortOperator::kLte;
      } else if (*s == "gte") {
        m.op = PortOperator::kGte;
      } else if (*s == "neq") {
        m.op = PortOperator::kNeq;
      } else {
        r.error(op_path, "expected eq, lte, gte or neq, got " + describe(*op));
      }
    }
  }
  if (auto n = r.integer(*port, child(p, "port"), 0, 65535)) m.port = uint16_t(*n);
  if (r.errors() != before) return std::nullopt;
  return m;
}

void parse_ip(Reader& r, const Json& v, const std::string& p, uint8_t family, IpMatch& out, LegacyPorts& legacy) {
  if (!r.object(v, p)) return;
  const std::string fam = family == 4 ? "ipv4" : "ipv6", other = family == 4 ? "ipv6" : "ipv4";
  const std::string src_net = "source-" + fam + "-network", dst_net = "destination-" + fam + "-network";
  const std::string wrong_src = "source-" + other + "-network", wrong_dst = "destination-" + other + "-network";
  for (const auto& [k, x] : v.items()) {
    const std::string kp = child(p, k);
    if (k == "protocol") {
      if (auto n = r.integer(x, kp, 0, 255)) out.protocol = uint8_t(*n);
    } else if (k == "ietf-acldns:src-dnsname" || k == "ietf-acldns:dst-dnsname") {
      auto s = r.string(x, kp);
      if (s && !is_dns_name(*s)) r.error(kp, "expected a DNS name, got " + describe(x));
      if (s) (k == "ietf-acldns:src-dnsname" ? out.src_dnsname : out.dst_dnsname) = *s;
    } else if (k == src_net || k == dst_net) {
      auto s = r.string(x, kp);
      if (!s) continue;
      auto prefix = parse_prefix(*s, family);
      if (!prefix) {
        r.error(kp, "expected an " + std::string(family == 4 ? "IPv4 prefix a.b.c.d/0..32" : "IPv6 prefix x::/0..128") +
                        ", got " + describe(x));
        continue;
      }
      (k == src_net ? out.src_network : out.dst_network) = *prefix;
    } else if (k == wrong_src || k == wrong_dst) {
      r.error(kp, std::string(other == "ipv6" ? "an ipv6 network inside ipv4" : "an ipv4 network inside ipv6") +
                      " matches");
    } else if (one_of(k, {"source-port-range", "destination-port-range", "source-port-range-or-operator",
                          "destination-port-range-or-operator"})) {
      r.warn_once("l3-ports", kp,
                  std::string(family == 4 ? "draft spelling: ports inside the ipv4 matches"
                                          : "draft spelling: ports inside the ipv6 matches") +
                      " (RFC 8520 puts them under tcp/udp); accepted");
      auto port = parse_port(r, x, kp);
      auto& slot = k.starts_with("source-") ? legacy.src : legacy.dst;
      if (port) slot = *port;
      if (legacy.path.empty()) legacy.path = kp;
    } else if (one_of(k, {"dscp", "ecn", "length", "ttl", "ihl", "flags", "offset", "identification", "flow-label"})) {
      std::string what = "matching on " + fam;
      what += ' ';
      what += k;
      r.unsupported(kp, what);
    } else {
      r.error(kp, unknown_member(k, fam + " matches"));
    }
  }
}

void parse_transport(Reader& r, const Json& v, const std::string& p, bool tcp, TransportMatch& out) {
  if (!r.object(v, p)) return;
  for (const auto& [k, x] : v.items()) {
    const std::string kp = child(p, k);
    if (k == "source-port" || k == "destination-port") {
      if (auto port = parse_port(r, x, kp)) (k == "source-port" ? out.src_port : out.dst_port) = *port;
    } else if (k == "ietf-mud:direction-initiated") {
      if (!tcp) {
        r.error(kp, "ietf-mud:direction-initiated is only valid under tcp");
        continue;
      }
      auto s = r.string(x, kp);
      if (s && *s == "from-device") {
        out.initiated = Direction::kFromDevice;
      } else if (s && *s == "to-device") {
        out.initiated = Direction::kToDevice;
      } else if (s) {
        r.error(kp, "expected from-device or to-device, got " + describe(x));
      }
    } else if (tcp && one_of(k, {"sequence-number", "acknowledgement-number", "data-offset", "reserved", "flags",
                                 "window-size", "urgent-pointer", "options"})) {
      r.unsupported(kp, "matching on tcp " + k);
    } else if (!tcp && k == "length") {
      r.unsupported(kp, "matching on udp length");
    } else {
      r.error(kp, unknown_member(k, tcp ? "tcp matches" : "udp matches"));
    }
  }
}

void parse_icmp(Reader& r, const Json& v, const std::string& p, IcmpMatch& out) {
  if (!r.object(v, p)) return;
  for (const auto& [k, x] : v.items()) {
    const std::string kp = child(p, k);
    if (k == "type" || k == "code") {
      if (auto n = r.integer(x, kp, 0, 255)) (k == "type" ? out.type : out.code) = uint8_t(*n);
    } else if (k == "rest-of-header") {
      r.unsupported(kp, "matching on the icmp rest-of-header");
    } else {
      r.error(kp, unknown_member(k, "icmp matches"));
    }
  }
}

// RFC 8519 ethertype is a uint16 (a JSON number) or a name; MUDgee writes "0x0806".
std::optional<uint16_t> parse_ethertype(Reader& r, const Json& v, const std::string& p) {
  if (v.is_number()) {
    if (auto n = r.integer(v, p, 0, 65535)) return uint16_t(*n);
    return std::nullopt;
  }
  if (const auto* s = v.get_ptr<const Json::string_t*>()) {
    static constexpr std::pair<std::string_view, uint16_t> kNames[] = {
        {"ipv4", 0x0800}, {"arp", 0x0806}, {"ipv6", 0x86dd}, {"eapol", 0x888e}, {"lldp", 0x88cc}};
    for (const auto& [name, value] : kNames)
      if (*s == name) return value;
    std::string_view hex = *s;
    if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), n, 16);
    if (!hex.empty() && hex.size() <= 4 && ec == std::errc() && end == hex.data() + hex.size()) return uint16_t(n);
  }
  r.error(p, "expected an ethertype (0..65535, \"0x0806\" or a name such as \"arp\"), got " + describe(v));
  return std::nullopt;
}

void parse_eth(Reader& r, const Json& v, const std::string& p, EthMatch& out) {
  if (!r.object(v, p)) return;
  for (const auto& [k, x] : v.items()) {
    const std::string kp = child(p, k);
    if (k == "ethertype") {
      if (auto t = parse_ethertype(r, x, kp)) out.ethertype = *t;
    } else if (k == "destination-mac-address" || k == "source-mac-address") {
      auto s = r.string(x, kp);
      if (!s) continue;
      auto mac = core::MacAddr::parse(*s);
      if (!mac || s->size() != 17) {
        r.error(kp, "expected a MAC address aa:bb:cc:dd:ee:ff, got " + describe(x));
        continue;
      }
      (k == "destination-mac-address" ? out.dst_mac : out.src_mac) = *mac;
    } else if (k == "destination-mac-address-mask" || k == "source-mac-address-mask") {
      r.unsupported(kp, "a MAC address mask");
    } else {
      r.error(kp, unknown_member(k, "eth matches"));
    }
  }
}

// One abstraction member (key k, value x) into out.
void parse_abstraction(Reader& r, std::string_view k, const Json& x, const std::string& kp, Abstraction a,
                       MudMatch& out) {
  out.kind = a;
  switch (a) {
    case Abstraction::kSameManufacturer:
    case Abstraction::kLocalNetworks:
    case Abstraction::kMyController: r.empty_leaf(x, kp); return;
    case Abstraction::kManufacturer:
      if (auto s = r.string(x, kp)) {
        if (!is_dns_name(*s)) r.error(kp, "expected a host name (a MUD URL authority), got " + describe(x));
        out.value = *s;
      }
      return;
    case Abstraction::kModel:
    case Abstraction::kController:
      if (auto s = r.string(x, kp)) {
        if (!is_uri(*s)) r.error(kp, "expected a URI or URN for " + std::string(k) + ", got " + describe(x));
        out.value = *s;
      }
      return;
  }
}

void parse_mud_match(Reader& r, const Json& v, const std::string& p, std::optional<MudMatch>& out) {
  if (!r.object(v, p)) return;
  for (const auto& [k, x] : v.items()) {
    const std::string kp = child(p, k);
    auto a = abstraction_from(k);
    if (!a) {
      r.error(kp,
              "unknown abstraction " + short_quote(k) +
                  " (expected manufacturer, same-manufacturer, model, local-networks, controller or my-controller)");
      continue;
    }
    if (out) {
      r.error(kp, "more than one abstraction in one ACE (\"" + std::string(abstraction_name(out->kind)) + "\" and " +
                      short_quote(k) + ")");
      continue;
    }
    MudMatch m;
    parse_abstraction(r, k, x, kp, *a, m);
    out = std::move(m);
  }
  if (!out && v.empty()) r.error(p, "an empty ietf-mud:mud match names no abstraction");
}

bool acl_has_ip(std::optional<AclType> t, uint8_t family) {
  if (!t) return true;
  switch (*t) {
    case AclType::kIpv4:
    case AclType::kMixedEthIpv4: return family == 4;
    case AclType::kIpv6:
    case AclType::kMixedEthIpv6: return family == 6;
    case AclType::kMixedEthIpv4Ipv6: return true;
    case AclType::kEth: return false;
  }
  return false;
}

bool acl_has_eth(std::optional<AclType> t) { return !t || (*t != AclType::kIpv4 && *t != AclType::kIpv6); }

}  // namespace

void parse_matches(Reader& r, const Json& v, const std::string& p, const AceContext& ctx, Matches& out) {
  if (!r.object(v, p)) return;
  // Paths of what was found, for the cross-field checks below.
  std::string ip_path, l4_path, mud_path;
  std::vector<std::pair<std::string, std::string>> peers;  // (what, path)
  LegacyPorts legacy;
  const size_t before = r.errors();

  for (const auto& [k, x] : v.items()) {
    const std::string kp = child(p, k);
    if (k == "ipv4" || k == "ipv6" || k == "ipv4-acl" || k == "ipv6-acl") {
      if (k.ends_with("-acl"))
        r.warn_once("ip-acl", kp, "draft spelling \"" + k + "\" (RFC 8520: \"" + k.substr(0, 4) + "\"); accepted");
      const uint8_t family = k.starts_with("ipv4") ? 4 : 6;
      auto& slot = family == 4 ? out.ipv4 : out.ipv6;
      if (slot || (family == 4 ? out.ipv6 : out.ipv4)) {
        r.error(kp, "more than one of ipv4 and ipv6 in one ACE (they are alternatives)");
        continue;
      }
      if (!acl_has_ip(ctx.type, family))
        r.error(kp, "an " + k.substr(0, 4) + " match in an " + acl_type_name(*ctx.type) + " ACL");
      slot.emplace();
      parse_ip(r, x, kp, family, *slot, legacy);
      ip_path = kp;
    } else if (k == "tcp" || k == "udp" || k == "icmp") {
      if (!l4_path.empty()) {
        r.error(kp, "more than one of tcp, udp and icmp in one ACE (they are alternatives)");
        continue;
      }
      if (ctx.type && *ctx.type == AclType::kEth) r.error(kp, "a " + k + " match in an eth-acl-type ACL");
      l4_path = kp;
      if (k == "icmp") {
        parse_icmp(r, x, kp, out.icmp.emplace());
      } else {
        parse_transport(r, x, kp, k == "tcp", (k == "tcp" ? out.tcp : out.udp).emplace());
      }
    } else if (k == "eth") {
      // RFC 8519 keeps Ethernet fields out of ipv4/ipv6 ACLs, but MUDgee puts the broadcast
      // MAC and ethertype of DHCP next to the IPv4 match; the meaning is clear, so accept.
      if (!acl_has_eth(ctx.type))
        r.warn(kp, "an eth match in an " + std::string(acl_type_name(*ctx.type)) +
                       " ACL (RFC 8519 wants a mixed-eth-* ACL type); accepted");
      parse_eth(r, x, kp, out.eth.emplace());
    } else if (k == "ietf-mud:mud" || k == "ietf-mud:mud-acl") {
      if (k == "ietf-mud:mud-acl")
        r.warn_once("mud-acl", kp, "draft spelling \"ietf-mud:mud-acl\" (RFC 8520: \"ietf-mud:mud\"); accepted");
      if (out.mud) {
        r.error(kp, "more than one abstraction in one ACE");
        continue;
      }
      parse_mud_match(r, x, kp, out.mud);
      mud_path = kp;
    } else if (k.starts_with("ietf-mud:") && abstraction_from(std::string_view(k).substr(9))) {
      // Drafts put the abstraction straight into matches: "ietf-mud:same-manufacturer": [null].
      r.warn_once("mud-direct", kp,
                  "draft spelling \"" + k + "\" directly in matches (RFC 8520: inside \"ietf-mud:mud\"); accepted");
      if (out.mud) {
        r.error(kp, "more than one abstraction in one ACE");
        continue;
      }
      MudMatch m;
      parse_abstraction(r, k, x, kp, *abstraction_from(std::string_view(k).substr(9)), m);
      out.mud = std::move(m);
      mud_path = kp;
    } else if (k == "egress-interface" || k == "ingress-interface") {
      r.unsupported(kp, "matching on an " + k);
    } else {
      r.error(kp, unknown_member(k, "matches"));
    }
  }

  const IpMatch* ip = out.ipv4 ? &*out.ipv4 : out.ipv6 ? &*out.ipv6 : nullptr;
  const uint8_t family = out.ipv4 ? 4 : out.ipv6 ? 6 : 0;

  // Draft ports inside the L3 container belong to the L4 header the protocol names.
  if (legacy.src || legacy.dst) {
    const int proto = ip && ip->protocol ? *ip->protocol : -1;
    if (proto != 6 && proto != 17) {
      r.error(legacy.path, "ports need protocol 6 (tcp) or 17 (udp)");
    } else if (proto == 6 ? out.udp.has_value() || out.icmp.has_value() : out.tcp.has_value() || out.icmp.has_value()) {
      r.error(legacy.path, "ports for protocol " + std::to_string(proto) + " next to a different L4 match");
    } else {
      auto& t = proto == 6 ? out.tcp : out.udp;
      if (!t) t.emplace();
      if ((legacy.src && t->src_port) || (legacy.dst && t->dst_port)) {
        r.error(legacy.path, "ports given twice");
      } else {
        if (legacy.src) t->src_port = legacy.src;
        if (legacy.dst) t->dst_port = legacy.dst;
      }
    }
  }

  // The protocol and the L4 match must agree.
  if (ip && ip->protocol) {
    const std::string pp = child(ip_path, "protocol");
    const int proto = *ip->protocol;
    if (out.tcp && proto != 6) r.error(pp, "protocol " + std::to_string(proto) + " with a tcp match (tcp is 6)");
    if (out.udp && proto != 17) r.error(pp, "protocol " + std::to_string(proto) + " with a udp match (udp is 17)");
    const int icmp = family == 6 ? 58 : 1;
    if (out.icmp && proto != icmp)
      r.error(pp, "protocol " + std::to_string(proto) + " with an icmp match (icmp is " + std::to_string(icmp) + ")");
  }

  // One remote end per ACE: DevicePolicy rules carry a single peer.
  if (ip) {
    if (ip->src_dnsname) peers.emplace_back("ietf-acldns:src-dnsname", child(ip_path, "ietf-acldns:src-dnsname"));
    if (ip->dst_dnsname) peers.emplace_back("ietf-acldns:dst-dnsname", child(ip_path, "ietf-acldns:dst-dnsname"));
    const std::string fam = family == 4 ? "ipv4" : "ipv6";
    if (ip->src_network) peers.emplace_back("source-" + fam + "-network", child(ip_path, "source-" + fam + "-network"));
    if (ip->dst_network)
      peers.emplace_back("destination-" + fam + "-network", child(ip_path, "destination-" + fam + "-network"));
  }
  if (peers.size() > 1) {
    r.error(p,
            "more than one remote end in one ACE (" + peers[0].first + " and " + peers[1].first +
                "): not supported by sekisho, which compiles one peer per ACE",
            core::ErrorCode::kUnsupported);
  } else if (peers.size() == 1 && out.mud) {
    // MUDgee pairs local-networks with a broadcast or multicast destination (DHCP, SSDP):
    // both must match, and the address is the narrower of the two.
    r.warn(mud_path, std::string(abstraction_name(out.mud->kind)) + " together with " + peers[0].first +
                         ": both must match; sekisho's rule uses the " + peers[0].first);
  }

  // RFC 8520 section 8: from-device ACLs name the destination, to-device ACLs the source.
  if (ip && r.errors() == before) {
    auto mismatch = [&](bool present, std::string_view field, std::string_view policy, std::string_view expected) {
      if (!present) return;
      r.warn(child(ip_path, field), std::string(field) + " in an ACL of " + std::string(policy) + ": RFC 8520 uses " +
                                        std::string(expected) + " there");
    };
    const std::string fam = family == 4 ? "ipv4" : "ipv6";
    if (ctx.from_device) {
      mismatch(ip->src_dnsname.has_value(), "ietf-acldns:src-dnsname", "from-device-policy", "dst-dnsname");
      mismatch(ip->src_network.has_value(), "source-" + fam + "-network", "from-device-policy",
               "destination-" + fam + "-network");
    }
    if (ctx.to_device) {
      mismatch(ip->dst_dnsname.has_value(), "ietf-acldns:dst-dnsname", "to-device-policy", "src-dnsname");
      mismatch(ip->dst_network.has_value(), "destination-" + fam + "-network", "to-device-policy",
               "source-" + fam + "-network");
    }
  }
}

}  // namespace sekisho::policy::detail
