#include "enforce/ruleset.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "policy/mud.h"

namespace sekisho::enforce {

namespace {

using core::ErrorCode;
using core::IpAddr;
using core::MacAddr;
using core::make_error;
using policy::Direction;
using policy::PeerKind;
using policy::Rule;
using policy::url_authority;

constexpr std::string_view kDnsControllerUrn = "urn:ietf:params:mud:dns";
constexpr std::string_view kGatewayControllerUrn = "urn:ietf:params:mud:gateway";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A DNS name as the sets key it: lower case, no trailing dot.
std::string normalize_dns_name(std::string_view name) {
  std::string n = lower(name);
  while (!n.empty() && n.back() == '.') n.pop_back();
  return n;
}

// FNV-1a: short, stable set names for arbitrary strings (DNS names, URLs).
std::string short_hash(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", h);
  return buf;
}

// Text from MUD files ends up in nft comments: keep it to characters that cannot end the
// string or the line.
std::string sanitize_comment(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (out.size() >= 96) break;
    if (std::isalnum(static_cast<unsigned char>(c)) || std::string_view(" _.,:/@+=-").find(c) != std::string_view::npos)
      out += c;
    else
      out += '_';
  }
  return out;
}

bool valid_ifname(std::string_view s) {
  if (s.empty() || s.size() > 15) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '@' || c == ':';
  });
}

std::string port_text(const policy::PortRange& r) {
  if (r.lo == r.hi) return std::to_string(r.lo);
  return std::to_string(r.lo) + "-" + std::to_string(r.hi);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::string addr_list(const std::vector<IpAddr>& addrs, int family) {
  std::vector<std::string> items;
  std::set<IpAddr> seen;
  for (const IpAddr& a : addrs)
    if (a.family == family && seen.insert(a).second) items.push_back(a.to_string());
  return join(items, ", ");
}

// Output helpers: the table is written indented by tabs, like `nft list` prints it.
struct Writer {
  std::string out;
  void line(int depth, std::string_view text) {
    out.append(size_t(depth), '\t');
    out += text;
    out += '\n';
  }
};

void write_set(Writer& w, const std::string& name, std::string_view type, std::string_view flags,
               const std::string& elements, bool auto_merge = false) {
  w.line(1, "set " + name + " {");
  w.line(2, "type " + std::string(type));
  if (!flags.empty()) w.line(2, "flags " + std::string(flags));
  if (auto_merge) w.line(2, "auto-merge");
  if (!elements.empty()) w.line(2, "elements = { " + elements + " }");
  w.line(1, "}");
}

void write_map(Writer& w, const std::string& name, std::string_view key_type, const std::vector<std::string>& elems) {
  w.line(1, "map " + name + " {");
  w.line(2, "type " + std::string(key_type) + " : verdict");
  if (!elems.empty()) w.line(2, "elements = { " + join(elems, ", ") + " }");
  w.line(1, "}");
}

// Which verdicts a device's three mode maps hold for a mode. Forward chains end a match
// with `return` (so a destination device's to-device policy is still consulted); the
// input side has nothing after it and uses `accept`.
struct ModeVerdicts {
  std::string from, to, in;
};

ModeVerdicts mode_verdicts(const std::string& tag, Mode mode) {
  switch (mode) {
    case Mode::kAllow: return {"jump " + tag + "_af", "jump " + tag + "_at", "jump " + tag + "_ai"};
    case Mode::kQuarantine: return {"drop", "drop", "jump quarantine_in"};
    case Mode::kPause: return {"jump pause_from", "jump pause_to", "accept"};
    case Mode::kBlock: return {"drop", "drop", "drop"};
    case Mode::kMonitor: return {"return", "return", "accept"};
  }
  return {"drop", "drop", "drop"};
}

std::string nfproto_elements(const std::string& verdict) { return "ipv4 : " + verdict + ", ipv6 : " + verdict; }

// Named sets of resolved abstractions, shared by all devices: "<kind>_<hash>" -> addresses.
struct AbstractionSets {
  std::map<std::string, std::vector<IpAddr>> sets;
};

std::string abstraction_base(const policy::Peer& peer, const policy::DevicePolicy& self) {
  switch (peer.kind) {
    case PeerKind::kManufacturer: return "mfg_" + short_hash(lower(peer.name));
    case PeerKind::kSameManufacturer:
      return "mfg_" + short_hash(peer.name.empty() ? url_authority(self.mud_url) : lower(peer.name));
    case PeerKind::kModel: return "model_" + short_hash(peer.name);
    case PeerKind::kController: return "ctl_" + short_hash(peer.name);
    case PeerKind::kMyController: return "ctl_" + short_hash(peer.name.empty() ? self.mud_url : peer.name);
    default: return "";
  }
}

struct DeviceContext {
  const BoundDevice& dev;
  std::string tag;
  std::set<std::string> dns_names;  // normalized names the device's rules use
};

// The match part of one rule for one address family (0: family-free). Empty optional: the
// variant cannot match (e.g. ICMPv4 in IPv6) and is left out.
std::optional<std::string> rule_match(const Rule& r, int family, bool from_side, DeviceContext& ctx,
                                      AbstractionSets& abs, const std::vector<BoundDevice>& devices,
                                      const GatewayConfig& cfg) {
  if (r.family != 0 && family != 0 && r.family != family) return std::nullopt;
  if (r.protocol == 1 && family == 6) return std::nullopt;
  if (r.protocol == 58 && family == 4) return std::nullopt;
  std::vector<std::string> m;
  const std::string ipkw = family == 6 ? "ip6" : "ip";
  const std::string fld = from_side ? "daddr" : "saddr";
  const std::string fam = family == 6 ? "6" : "4";
  switch (r.peer.kind) {
    case PeerKind::kAny:
      if (family != 0 && r.protocol != 1 && r.protocol != 58)
        m.push_back(family == 6 ? "meta nfproto ipv6" : "meta nfproto ipv4");
      break;
    case PeerKind::kNetwork: {
      if (r.peer.net.family != family) return std::nullopt;
      Prefix p{r.peer.net, r.peer.prefix};
      m.push_back(ipkw + " " + fld + " " + p.to_string());
      break;
    }
    case PeerKind::kDnsName: {
      const std::string name = normalize_dns_name(r.peer.name);
      ctx.dns_names.insert(name);
      m.push_back(ipkw + " " + fld + " @" + dns_set_name(ctx.dev.mac, name, family));
      break;
    }
    case PeerKind::kLocalNetworks: m.push_back(ipkw + " " + fld + " @local" + fam); break;
    case PeerKind::kManufacturer:
    case PeerKind::kSameManufacturer:
    case PeerKind::kModel:
    case PeerKind::kController:
    case PeerKind::kMyController: {
      const std::string base = abstraction_base(r.peer, ctx.dev.policy);
      if (!abs.sets.count(base)) abs.sets[base] = resolve_abstraction(r.peer, ctx.dev.policy, devices, cfg);
      m.push_back(ipkw + " " + fld + " @" + base + "_" + fam);
      break;
    }
  }
  const bool ports = !r.src_port.any() || !r.dst_port.any();
  if (r.protocol == 6 || r.protocol == 17) {
    const std::string kw = r.protocol == 6 ? "tcp" : "udp";
    if (!r.src_port.any()) m.push_back(kw + " sport " + port_text(r.src_port));
    if (!r.dst_port.any()) m.push_back(kw + " dport " + port_text(r.dst_port));
    if (!ports) m.push_back("meta l4proto " + kw);
  } else if (r.protocol == 1 || r.protocol == 58) {
    const std::string kw = r.protocol == 1 ? "icmp" : "icmpv6";
    if (r.icmp_type >= 0) m.push_back(kw + " type " + std::to_string(r.icmp_type));
    if (r.icmp_code >= 0) m.push_back(kw + " code " + std::to_string(r.icmp_code));
    if (r.icmp_type < 0 && r.icmp_code < 0)
      m.push_back(r.protocol == 1 ? "meta l4proto icmp" : "meta l4proto ipv6-icmp");
  } else if (r.protocol == 0) {
    if (ports) {
      m.push_back("meta l4proto { tcp, udp }");
      if (!r.src_port.any()) m.push_back("th sport " + port_text(r.src_port));
      if (!r.dst_port.any()) m.push_back("th dport " + port_text(r.dst_port));
    }
  } else {
    m.push_back("meta l4proto " + std::to_string(r.protocol));
  }
  // Established and related packets were let through before the rules, so what reaches a
  // direction-initiated rule opens a connection: only the named side may.
  if (r.initiated != policy::Initiator::kEither) m.push_back("ct state new");
  return join(m, " ");
}

// Writes the rules of one side of a device's allow-list chain.
void write_rules(Writer& w, bool from_side, std::string_view verdict, DeviceContext& ctx, AbstractionSets& abs,
                 const std::vector<BoundDevice>& devices, const GatewayConfig& cfg,
                 std::vector<std::string>* warnings) {
  const std::string mac = ctx.dev.mac.to_string();
  for (Rule r : ctx.dev.policy.rules) {
    if ((r.direction == Direction::kFromDevice) != from_side) continue;
    const std::string label = sanitize_comment(r.acl + "/" + r.ace);
    // MUDgee puts ethertype 0x0800 next to IPv4 matches: that is just the family.
    if (r.ethertype == 0x0800 || r.ethertype == 0x86dd) {
      r.family = r.ethertype == 0x0800 ? 4 : 6;
      r.ethertype = 0;
    }
    if (r.ethertype != 0) {
      // The inet family sees IP only; an ethertype rule (ARP and the like) needs a bridge
      // table, and ARP is never routed anyway.
      if (warnings) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%04x", r.ethertype);
        warnings->push_back("device " + mac + " ace " + label + ": ethertype 0x" + buf +
                            " rule not enforced (inet table sees IP only)");
      }
      w.line(2, "# " + label + ": ethertype rule not enforced here");
      continue;
    }
    // direction-initiated: a from-device rule whose connections the remote must open (or a
    // to-device rule for connections the device opens) only ever carries established
    // packets, which are already accepted.
    const bool device_opens = r.initiated == policy::Initiator::kDevice;
    if (r.initiated != policy::Initiator::kEither && device_opens != from_side) {
      w.line(2, "# " + label + ": established only (direction-initiated " +
                    (device_opens ? "from-device" : "to-device") + ")");
      continue;
    }
    const bool need_family = r.peer.kind != PeerKind::kAny || r.family != 0 || r.protocol == 1 || r.protocol == 58;
    const std::vector<int> families = need_family ? std::vector<int>{4, 6} : std::vector<int>{0};
    bool any = false;
    for (int fam : families) {
      auto match = rule_match(r, fam, from_side, ctx, abs, devices, cfg);
      if (!match) continue;
      any = true;
      std::string text = *match;
      if (!text.empty()) text += " ";
      text += r.accept ? std::string(verdict) : "drop";
      text += " comment \"" + label + "\"";
      w.line(2, text);
    }
    if (!any && warnings)
      warnings->push_back("device " + mac + " ace " + label + ": matches no address family, left out");
  }
}

void write_device_chains(Writer& w, DeviceContext& ctx, AbstractionSets& abs, const std::vector<BoundDevice>& devices,
                         const GatewayConfig& cfg, std::vector<std::string>& warnings) {
  const std::string& t = ctx.tag;
  w.line(1, "chain " + t + "_from {");
  w.line(2, "meta nfproto vmap @" + t + "_mf");
  w.line(1, "}");
  w.line(1, "chain " + t + "_to {");
  w.line(2, "meta nfproto vmap @" + t + "_mt");
  w.line(1, "}");
  w.line(1, "chain " + t + "_in {");
  w.line(2, "meta nfproto vmap @" + t + "_mi");
  w.line(1, "}");
  // allow-list, forwarded from the device
  w.line(1, "chain " + t + "_af {");
  w.line(2, "ct state established,related return");
  write_rules(w, true, "return", ctx, abs, devices, cfg, &warnings);
  w.line(2, "drop");
  w.line(1, "}");
  // allow-list, forwarded to the device
  w.line(1, "chain " + t + "_at {");
  w.line(2, "ct state established,related return");
  write_rules(w, false, "return", ctx, abs, devices, cfg, &warnings);
  w.line(2, "drop");
  w.line(1, "}");
  // allow-list, to the gateway itself: its services, then the from-device rules
  w.line(1, "chain " + t + "_ai {");
  w.line(2, "ct state established,related accept");
  w.line(2, "jump gw_services");
  write_rules(w, true, "accept", ctx, abs, devices, cfg, nullptr);
  w.line(2, "drop");
  w.line(1, "}");
}

}  // namespace

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::kAllow: return "allow";
    case Mode::kQuarantine: return "quarantine";
    case Mode::kPause: return "pause";
    case Mode::kBlock: return "block";
    case Mode::kMonitor: return "monitor";
  }
  return "?";
}

std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "allow" || text == "allow-list") return Mode::kAllow;
  if (text == "quarantine") return Mode::kQuarantine;
  if (text == "pause" || text == "pause-internet") return Mode::kPause;
  if (text == "block") return Mode::kBlock;
  if (text == "monitor") return Mode::kMonitor;
  return std::nullopt;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  Prefix p;
  const size_t slash = text.find('/');
  auto addr = IpAddr::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  p.net = *addr;
  const int max = addr->is_v4() ? 32 : 128;
  if (slash == std::string_view::npos) {
    p.len = uint8_t(max);
    return p;
  }
  const std::string_view len = text.substr(slash + 1);
  if (len.empty() || len.size() > 3) return std::nullopt;
  int v = 0;
  for (char c : len) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > max) return std::nullopt;
  p.len = uint8_t(v);
  return p;
}

std::string Prefix::to_string() const {
  IpAddr masked = net;
  const size_t bytes = net.size();
  for (size_t i = 0; i < bytes; ++i) {
    const int keep = std::clamp(int(len) - int(i * 8), 0, 8);
    masked.b[i] &= uint8_t(0xff00 >> keep);
  }
  const int max = net.is_v4() ? 32 : 128;
  if (len >= max) return masked.to_string();
  return masked.to_string() + "/" + std::to_string(len);
}

std::string device_tag(const MacAddr& mac) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "d_%02x%02x%02x%02x%02x%02x", mac.b[0], mac.b[1], mac.b[2], mac.b[3], mac.b[4],
                mac.b[5]);
  return buf;
}

std::string dns_set_name(const MacAddr& mac, std::string_view dns_name, int family) {
  return device_tag(mac) + "_dns_" + short_hash(normalize_dns_name(dns_name)) + (family == 6 ? "_6" : "_4");
}

std::vector<IpAddr> resolve_abstraction(const policy::Peer& peer, const policy::DevicePolicy& self,
                                        const std::vector<BoundDevice>& devices, const GatewayConfig& config) {
  std::vector<IpAddr> out;
  auto add_matching = [&](auto&& pred) {
    for (const BoundDevice& d : devices)
      if (pred(d.policy.mud_url)) out.insert(out.end(), d.addrs.begin(), d.addrs.end());
    for (const KnownDevice& d : config.inventory)
      if (pred(d.mud_url)) out.insert(out.end(), d.addrs.begin(), d.addrs.end());
  };
  auto controllers = [&](const std::string& key) {
    if (auto it = config.controllers.find(key); it != config.controllers.end()) {
      out = it->second;
    } else if (key == kGatewayControllerUrn || key == kDnsControllerUrn) {
      out = config.gateway_addrs;  // the gateway is the LAN's router and DNS server
    }
  };
  switch (peer.kind) {
    case PeerKind::kManufacturer:
    case PeerKind::kSameManufacturer: {
      const std::string authority =
          peer.kind == PeerKind::kManufacturer || !peer.name.empty() ? lower(peer.name) : url_authority(self.mud_url);
      if (!authority.empty()) add_matching([&](const std::string& url) { return url_authority(url) == authority; });
      break;
    }
    case PeerKind::kModel:
      if (!peer.name.empty()) add_matching([&](const std::string& url) { return url == peer.name; });
      break;
    case PeerKind::kController: controllers(peer.name); break;
    case PeerKind::kMyController:  // the compiler puts the device's MUD URL in name
      if (!peer.name.empty() || !self.mud_url.empty()) controllers(peer.name.empty() ? self.mud_url : peer.name);
      break;
    default: break;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

core::Result<CompiledRuleset> compile_ruleset(const std::vector<BoundDevice>& devices, const GatewayConfig& config) {
  CompiledRuleset result;
  if (config.lan_ifs.empty())
    return make_error(ErrorCode::kInvalidArgument, "option --lan-if", "at least one LAN interface is needed");
  std::vector<std::string> ifs;
  for (const std::string& i : config.lan_ifs) {
    if (!valid_ifname(i))
      return make_error(ErrorCode::kInvalidArgument, "option --lan-if", "'" + i + "' is not a valid interface name");
    ifs.push_back("\"" + i + "\"");
  }
  const std::string lan_set = "{ " + join(ifs, ", ") + " }";

  std::set<MacAddr> macs;
  std::map<IpAddr, MacAddr> owner;
  for (const BoundDevice& d : devices) {
    if (!macs.insert(d.mac).second)
      return make_error(ErrorCode::kInvalidArgument, "device " + d.mac.to_string(), "bound twice");
    for (const IpAddr& a : d.addrs) {
      if (a.empty()) continue;
      auto [it, fresh] = owner.emplace(a, d.mac);
      if (!fresh && it->second != d.mac)
        return make_error(ErrorCode::kInvalidArgument, "device " + d.mac.to_string(),
                          "address " + a.to_string() + " is also claimed by " + it->second.to_string());
    }
    if (d.addrs.empty() && (d.mode != Mode::kMonitor))
      result.warnings.push_back("device " + d.mac.to_string() +
                                " has no known address: packets to it are not filtered until one is given");
  }

  // Chains first into their own writer: writing the rules collects the sets they use.
  AbstractionSets abs;
  Writer chains;
  std::vector<DeviceContext> contexts;
  contexts.reserve(devices.size());
  for (const BoundDevice& d : devices) contexts.push_back(DeviceContext{d, device_tag(d.mac), {}});
  for (DeviceContext& ctx : contexts) write_device_chains(chains, ctx, abs, devices, config, result.warnings);

  Writer w;
  w.line(0, "# sekisho enforce: " + std::to_string(devices.size()) +
                " bound device(s). One transaction: create, delete, define.");
  w.line(0, "table inet sekisho {}");
  w.line(0, "delete table inet sekisho");
  w.line(0, "table inet sekisho {");

  std::set<std::string> seen_prefix;
  std::vector<std::string> l4, l6;
  for (const Prefix& p : config.local_networks) {
    const std::string s = p.to_string();
    if (!seen_prefix.insert(s).second) continue;
    (p.net.is_v4() ? l4 : l6).push_back(s);
  }
  // auto-merge lets overlapping local prefixes (10/8 and 10.77.1/24) coexist.
  write_set(w, "local4", "ipv4_addr", "interval", join(l4, ", "), true);
  write_set(w, "local6", "ipv6_addr", "interval", join(l6, ", "), true);

  for (const auto& [base, addrs] : abs.sets) {
    write_set(w, base + "_4", "ipv4_addr", "", addr_list(addrs, 4));
    write_set(w, base + "_6", "ipv6_addr", "", addr_list(addrs, 6));
  }

  // DNS-name sets per device, with the bindings known now.
  for (const DeviceContext& ctx : contexts) {
    for (const std::string& name : ctx.dns_names) {
      for (int fam : {4, 6}) {
        std::vector<std::string> elems;
        std::set<IpAddr> seen;
        for (const DnsBinding& b : config.dns) {
          if (b.device != ctx.dev.mac || normalize_dns_name(b.name) != name || b.addr.family != fam) continue;
          if (!seen.insert(b.addr).second) continue;
          elems.push_back(b.addr.to_string() + (b.ttl_s ? " timeout " + std::to_string(b.ttl_s) + "s" : ""));
        }
        w.line(1, "# " + sanitize_comment(name) + " as resolved by " + ctx.dev.mac.to_string());
        write_set(w, dns_set_name(ctx.dev.mac, name, fam), fam == 4 ? "ipv4_addr" : "ipv6_addr", "timeout",
                  join(elems, ", "));
      }
    }
  }
  for (const DnsBinding& b : config.dns) {
    bool used = false;
    for (const DeviceContext& ctx : contexts)
      if (ctx.dev.mac == b.device && ctx.dns_names.count(normalize_dns_name(b.name))) used = true;
    if (!used)
      result.warnings.push_back("DNS binding " + b.name + " for " + b.device.to_string() +
                                ": no rule of that device names it, ignored");
  }

  // Dispatch: MAC on the LAN side for packets from a device, address for packets to it.
  std::vector<std::string> from_elems, in_elems, to4, to6;
  for (const DeviceContext& ctx : contexts) {
    const std::string mac = ctx.dev.mac.to_string();
    from_elems.push_back(mac + " : jump " + ctx.tag + "_from");
    in_elems.push_back(mac + " : jump " + ctx.tag + "_in");
    std::set<IpAddr> seen;
    for (const IpAddr& a : ctx.dev.addrs) {
      if (a.empty() || !seen.insert(a).second) continue;
      (a.is_v4() ? to4 : to6).push_back(a.to_string() + " : jump " + ctx.tag + "_to");
    }
  }
  write_map(w, "from_mac", "ether_addr", from_elems);
  write_map(w, "in_mac", "ether_addr", in_elems);
  write_map(w, "to4", "ipv4_addr", to4);
  write_map(w, "to6", "ipv6_addr", to6);
  // Each device's current mode: one map per hook side keyed by the packet's family, so a
  // mode switch is an element update naming the MAC alone.
  for (const DeviceContext& ctx : contexts) {
    const ModeVerdicts v = mode_verdicts(ctx.tag, ctx.dev.mode);
    write_map(w, ctx.tag + "_mf", "nf_proto", {nfproto_elements(v.from)});
    write_map(w, ctx.tag + "_mt", "nf_proto", {nfproto_elements(v.to)});
    write_map(w, ctx.tag + "_mi", "nf_proto", {nfproto_elements(v.in)});
  }

  w.line(1, "chain forward {");
  w.line(2, "type filter hook forward priority filter; policy accept;");
  w.line(2, "iifname " + lan_set + " ether saddr vmap @from_mac");
  w.line(2, "oifname " + lan_set + " ip daddr vmap @to4");
  w.line(2, "oifname " + lan_set + " ip6 daddr vmap @to6");
  w.line(1, "}");
  w.line(1, "chain input {");
  w.line(2, "type filter hook input priority filter; policy accept;");
  w.line(2, "iifname " + lan_set + " ether saddr vmap @in_mac");
  w.line(1, "}");
  // What a device may always ask of the gateway itself (allow-list and quarantine).
  w.line(1, "chain gw_services {");
  w.line(2, "udp dport { 67, 547 } accept comment \"DHCP, DHCPv6\"");
  w.line(2, "udp dport 53 accept comment \"DNS\"");
  w.line(2, "tcp dport 53 accept comment \"DNS\"");
  if (config.console_port)
    w.line(2, "tcp dport " + std::to_string(config.console_port) + " accept comment \"console\"");
  w.line(2, "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept");
  w.line(1, "}");
  w.line(1, "chain quarantine_in {");
  w.line(2, "jump gw_services");
  w.line(2, "drop");
  w.line(1, "}");
  w.line(1, "chain pause_from {");
  w.line(2, "ip daddr @local4 return");
  w.line(2, "ip6 daddr @local6 return");
  w.line(2, "drop");
  w.line(1, "}");
  w.line(1, "chain pause_to {");
  w.line(2, "ip saddr @local4 return");
  w.line(2, "ip6 saddr @local6 return");
  w.line(2, "drop");
  w.line(1, "}");
  w.out += chains.out;
  w.line(0, "}");
  result.text = std::move(w.out);
  return result;
}

std::string mode_update_text(const MacAddr& mac, Mode mode) {
  const std::string tag = device_tag(mac);
  const ModeVerdicts v = mode_verdicts(tag, mode);
  std::string out;
  const std::pair<const char*, const std::string*> maps[] = {{"_mf", &v.from}, {"_mt", &v.to}, {"_mi", &v.in}};
  for (const auto& [suffix, verdict] : maps) {
    const std::string map = "inet sekisho " + tag + suffix;
    out += "flush map " + map + "\n";
    out += "add element " + map + " { " + nfproto_elements(*verdict) + " }\n";
  }
  return out;
}

std::string quarantine_unbound_text(const MacAddr& mac, const std::vector<IpAddr>& addrs) {
  const ModeVerdicts v = mode_verdicts(device_tag(mac), Mode::kQuarantine);
  const std::string m = mac.to_string();
  std::string out = "add element inet sekisho from_mac { " + m + " : " + v.from + " }\n";
  out += "add element inet sekisho in_mac { " + m + " : " + v.in + " }\n";
  for (const IpAddr& a : addrs) {
    if (a.empty()) continue;
    out += std::string("add element inet sekisho ") + (a.is_v4() ? "to4" : "to6") + " { " + a.to_string() + " : " +
           v.to + " }\n";
  }
  return out;
}

core::Result<std::string> dns_binding_text(const MacAddr& mac, std::string_view dns_name, const IpAddr& addr,
                                           uint32_t ttl_s) {
  const std::string name = normalize_dns_name(dns_name);
  if (name.empty() || name.size() > 253)
    return make_error(ErrorCode::kInvalidArgument, "DNS name '" + std::string(dns_name) + "'", "not a valid name");
  if (addr.empty()) return make_error(ErrorCode::kInvalidArgument, "DNS name " + name, "no address");
  const std::string set = "inet sekisho " + dns_set_name(mac, name, addr.family);
  const std::string a = addr.to_string();
  // add (so that it exists) + delete + add with the timeout: refreshes the timeout of an
  // address already there, atomically.
  std::string out = "add element " + set + " { " + a + " }\n";
  out += "delete element " + set + " { " + a + " }\n";
  out += "add element " + set + " { " + a + (ttl_s ? " timeout " + std::to_string(ttl_s) + "s" : "") + " }\n";
  return out;
}

core::Result<std::string> dns_bindings_text(const std::vector<DnsBinding>& bindings) {
  std::string out;
  for (const DnsBinding& b : bindings) {
    auto text = dns_binding_text(b.device, b.name, b.addr, b.ttl_s);
    if (!text) return text.error();
    out += *text;
  }
  return out;
}

std::string remove_text() { return "table inet sekisho {}\ndelete table inet sekisho\n"; }

}  // namespace sekisho::enforce
