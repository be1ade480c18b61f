#include "inventory/device_table.h"

#include <algorithm>
#include <string>

namespace sekisho::inventory {

namespace {
// Hostname sources, best first: what the device calls itself in DHCP beats mDNS and LLDP.
constexpr int kRankDhcp = 4, kRankDhcpFqdn = 3, kRankMdns = 2, kRankLldp = 1;

bool printable_name(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

std::string_view trim_trailing_dot(std::string_view s) {
  while (!s.empty() && (s.back() == '.' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char a = s[s.size() - suffix.size() + i];
    if (a >= 'A' && a <= 'Z') a = char(a - 'A' + 'a');
    if (a != suffix[i]) return false;
  }
  return true;
}

// "_hue._tcp.local" -> true
bool is_service_type(std::string_view name) {
  return !name.empty() && name[0] == '_' &&
         (name.find("._tcp.") != std::string_view::npos || name.find("._udp.") != std::string_view::npos) &&
         name.find("_services._dns-sd") == std::string_view::npos;
}

void append_list(std::string& out, const uint8_t* xs, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    out += std::to_string(xs[i]);
  }
}
void append_list(std::string& out, const uint16_t* xs, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    out += std::to_string(xs[i]);
  }
}
}  // namespace

DeviceTable::DeviceTable(const DeviceTableConfig& cfg, const OuiRegistry* oui, const Classifier* classifier,
                         core::HashKey key)
    : cfg_(cfg), oui_(oui), classifier_(classifier), by_mac_(key) {}

uint32_t DeviceTable::find(const core::MacAddr& mac) const {
  const uint32_t* id = by_mac_.find(mac.as_u64());
  return id ? *id + 1 : 0;
}

uint32_t DeviceTable::lookup_or_create(const core::MacAddr& mac, core::TimeNs ts) {
  uint64_t key = mac.as_u64();
  if (key == cache_mac_) return cache_id1_;
  uint32_t id1;
  if (const uint32_t* found = by_mac_.find(key)) {
    id1 = *found + 1;
  } else {
    if (devices_.size() >= cfg_.max_devices) {
      ++stats_.dropped_new;
      return 0;
    }
    auto id = uint32_t(devices_.size());
    Device& d = devices_.emplace_back();
    d.id = id;
    d.mac = mac;
    d.randomized = mac.is_local();
    d.first_seen = d.last_seen = ts;
    if (oui_ && !d.randomized) d.vendor = std::string(oui_->lookup(mac));
    hostname_rank_.push_back(0);
    remote_seen_.emplace_back();
    by_mac_.insert(key, id);
    ++stats_.devices;
    queued_.push_back(0);
    ++new_pending_;
    mark(d, "new");
    reclassify(d);
    id1 = id + 1;
  }
  cache_mac_ = key;
  cache_id1_ = id1;
  return id1;
}

void DeviceTable::mark(Device& d, const char* field) {
  ++marks_;
  if (!d.is_new && std::find(d.changed.begin(), d.changed.end(), field) == d.changed.end())
    d.changed.emplace_back(field);
  if (!queued_[d.id]) {
    queued_[d.id] = 1;
    dirty_.push_back(d.id);
  }
}

void DeviceTable::reclassify(Device& d) {
  if (!classifier_) return;
  if (classifier_->classify(d)) mark(d, "class");
}

bool DeviceTable::add_string(Device& d, std::vector<std::string>& set, std::string_view value, size_t cap,
                             const char* field) {
  if (value.empty() || value.size() > 512) return false;
  for (const auto& s : set)
    if (s == value) return false;
  if (set.size() >= cap) {
    d.truncated_sets = true;
    return false;
  }
  set.emplace_back(value);
  mark(d, field);
  return true;
}

bool DeviceTable::set_hostname(Device& d, std::string_view name, const char* source, int rank) {
  name = trim_trailing_dot(name);
  if (!printable_name(name)) return false;
  uint8_t& cur = hostname_rank_[d.id];
  if (rank < cur || (rank == cur && d.hostname == name)) return false;
  d.hostname = std::string(name);
  d.hostname_source = source;
  cur = uint8_t(rank);
  mark(d, "hostname");
  return true;
}

void DeviceTable::learn_address(Device& d, const core::IpAddr& ip, AddrSource src, core::TimeNs ts) {
  if (ip.empty() || ip.is_unspecified() || ip.is_multicast()) return;
  for (auto& a : d.addresses) {
    if (a.ip == ip) {
      a.last_seen = ts;
      // A stronger source (ARP, DHCP, NDP) replaces "traffic".
      if (a.source == AddrSource::kTraffic && src != AddrSource::kTraffic) a.source = src;
      return;
    }
  }
  if (d.addresses.size() >= Device::kMaxAddresses) {
    d.truncated_sets = true;
    return;
  }
  d.addresses.push_back(DeviceAddress{ip, src, ts, ts});
  mark(d, "addresses");
}

uint32_t DeviceTable::observe(const decode::PacketView& pv) {
  if (!pv.has_eth) return 0;
  uint32_t src1 = 0;
  if (!pv.src_mac.is_multicast() && !pv.src_mac.is_zero()) {
    src1 = lookup_or_create(pv.src_mac, pv.ts);
    if (src1) {
      Device& d = devices_[src1 - 1];
      d.pkts_out += 1;
      d.bytes_out += pv.wirelen;
      if (pv.ts > d.last_seen) d.last_seen = pv.ts;
    }
  }
  if (!pv.dst_mac.is_multicast()) {
    if (const uint32_t* id = by_mac_.find(pv.dst_mac.as_u64())) {
      Device& d = devices_[*id];
      d.pkts_in += 1;
      d.bytes_in += pv.wirelen;
    }
  }
  if (!src1) return 0;
  Device& src = devices_[src1 - 1];

  switch (pv.l3) {
    case decode::L3::kArp:
      // The sender binds its own addresses; a gratuitous or probe ARP (sender 0.0.0.0) does not.
      if (pv.arp.op && pv.arp.sha == pv.src_mac) learn_address(src, pv.arp.spa, AddrSource::kArp, pv.ts);
      break;
    case decode::L3::kIpv4:
    case decode::L3::kIpv6: {
      const core::IpAddr& ip = pv.src_ip;
      if (ip.is_local_scope()) {
        if (remote_seen_[src.id].size() < 8) learn_address(src, ip, AddrSource::kTraffic, pv.ts);
      } else if (!ip.is_unspecified() && !ip.is_multicast() && ip.is_v4()) {
        auto& seen = remote_seen_[src.id];
        if (seen.size() < 8 && std::find(seen.begin(), seen.end(), ip) == seen.end()) {
          seen.push_back(ip);
          src.remote_sources = uint32_t(seen.size());
          if (seen.size() == 8) reclassify(src);
        }
      }
      if (pv.has_ndp && pv.ndp.has_lladdr && pv.ndp.lladdr == pv.src_mac) {
        if (pv.icmp_type == 136 && !pv.ndp.target.empty()) learn_address(src, pv.ndp.target, AddrSource::kNdp, pv.ts);
        if (!pv.src_ip.is_unspecified()) learn_address(src, pv.src_ip, AddrSource::kNdp, pv.ts);
      } else if (pv.has_ndp && pv.icmp_type == 135 && pv.src_ip.is_unspecified() && !pv.ndp.target.empty()) {
        // Duplicate address detection: the device is about to use the target address.
        learn_address(src, pv.ndp.target, AddrSource::kNdp, pv.ts);
      }
      break;
    }
    default: break;
  }

  if (pv.repeat) return src1;  // an announcement learned within the last minute
  switch (pv.app) {
    case decode::AppKind::kDhcp: learn_dhcp(pv, src); break;
    case decode::AppKind::kDns:
    case decode::AppKind::kMdns: learn_dns(pv, src); break;
    case decode::AppKind::kSsdp: learn_ssdp(pv, src); break;
    case decode::AppKind::kHttp: learn_http(pv, src); break;
    case decode::AppKind::kTls: learn_tls(pv, src); break;
    case decode::AppKind::kLldp: learn_lldp(pv, src); break;
    default: break;
  }
  return src1;
}

void DeviceTable::learn_dhcp(const decode::PacketView& pv, Device& src) {
  const decode::DhcpInfo& h = *pv.dhcp;
  const uint64_t marks_before = marks_;
  bool identity_changed = false;
  if (h.version == 4) {
    if (h.op == 1) {                                           // from the client: identity
      if (!h.chaddr.is_zero() && h.chaddr != src.mac) return;  // relayed for another host
      if (!h.hostname.empty()) set_hostname(src, h.hostname, "dhcp", kRankDhcp);
      if (!h.fqdn.empty()) set_hostname(src, h.fqdn, "dhcp-fqdn", kRankDhcpFqdn);
      std::string params, options;
      append_list(params, h.params, h.param_count);
      append_list(options, h.options, h.option_count);
      if (!params.empty() && params != src.dhcp.params) {
        src.dhcp.params = params;
        mark(src, "dhcp");
      }
      if (!options.empty() && options != src.dhcp.options) {
        src.dhcp.options = options;
        mark(src, "dhcp");
      }
      if (!h.vendor_class.empty() && h.vendor_class != src.dhcp.vendor_class && h.vendor_class.size() < 256) {
        src.dhcp.vendor_class = std::string(h.vendor_class);
        mark(src, "dhcp");
        identity_changed = true;
      }
      if (!h.mud_url.empty() && src.mud_url != h.mud_url && h.mud_url.size() < 512) {
        src.mud_url = std::string(h.mud_url);
        src.mud_url_source = "dhcp";
        mark(src, "mud_url");
      }
      if (!h.ciaddr.empty() && !h.ciaddr.is_unspecified()) learn_address(src, h.ciaddr, AddrSource::kDhcp, pv.ts);
    } else if (h.op == 2 && h.msg_type == 5 && !h.chaddr.is_zero() && !h.chaddr.is_multicast()) {
      // DHCPACK from the server binds yiaddr to the client's MAC.
      uint32_t c1 = lookup_or_create(h.chaddr, pv.ts);
      if (c1) learn_address(devices_[c1 - 1], h.yiaddr, AddrSource::kDhcp, pv.ts);
    }
  } else {  // DHCPv6, from the client: message types 1..11 except the server's 2 (ADVERTISE) and 7 (REPLY)
    if (h.msg_type == 2 || h.msg_type == 7) return;
    if (!h.fqdn.empty()) set_hostname(src, h.fqdn, "dhcpv6-fqdn", kRankDhcpFqdn);
    std::string oro;
    append_list(oro, h.oro, h.oro_count);
    if (!oro.empty() && oro != src.dhcp.v6_oro) {
      src.dhcp.v6_oro = oro;
      mark(src, "dhcp");
    }
    if (!h.vendor_class.empty() && h.vendor_class != src.dhcp.v6_vendor_class && h.vendor_class.size() < 256) {
      src.dhcp.v6_vendor_class = std::string(h.vendor_class);
      mark(src, "dhcp");
      identity_changed = true;
    }
    if (!h.mud_url.empty() && src.mud_url != h.mud_url && h.mud_url.size() < 512) {
      src.mud_url = std::string(h.mud_url);
      src.mud_url_source = "dhcpv6";
      mark(src, "mud_url");
    }
  }
  // Only what this message changed can change the class (a client repeats its DHCP
  // messages; the device's pending changes from before were classified then).
  if (identity_changed || marks_ != marks_before) reclassify(src);
}

void DeviceTable::learn_dns(const decode::PacketView& pv, Device& src) {
  const decode::DnsMessage& m = *pv.dns;
  bool changed = false;  // a value the classifier reads: a set grew, or the host name
  if (pv.app == decode::AppKind::kDns) {
    if (m.is_response) return;
    for (size_t i = 0; i < m.question_count; ++i) {
      std::string_view name = trim_trailing_dot(m.questions[i].name.view());
      if (name.empty() || ends_with_ci(name, ".arpa")) continue;
      changed |= add_string(src, src.dns_names, name, Device::kMaxNames, "dns_names");
    }
  } else {  // mDNS: what the device announces about itself
    if (!m.is_response) return;
    for (size_t i = 0; i < m.record_count; ++i) {
      const decode::DnsRecord& r = m.records[i];
      std::string_view name = trim_trailing_dot(r.name.view());
      switch (r.type) {
        case 1:   // A
        case 28:  // AAAA
          if (ends_with_ci(name, ".local")) {
            std::string_view host = name.substr(0, name.size() - 6);
            changed |= set_hostname(src, host, "mdns", kRankMdns);
            if (r.addr.is_local_scope() || r.addr.is_v4()) learn_address(src, r.addr, AddrSource::kTraffic, pv.ts);
          }
          break;
        case 12:  // PTR: service type -> instance
          if (is_service_type(name)) {
            changed |=
                add_string(src, src.mdns_services, name.substr(0, name.size() - (ends_with_ci(name, ".local") ? 6 : 0)),
                           Device::kMaxStrings, "mdns_services");
            changed |=
                add_string(src, src.mdns_names, trim_trailing_dot(r.target.view()), Device::kMaxStrings, "mdns_names");
          }
          break;
        case 33:  // SRV: instance -> host
          changed |= add_string(src, src.mdns_names, name, Device::kMaxStrings, "mdns_names");
          break;
        default: break;
      }
    }
  }
  if (changed) reclassify(src);
}

void DeviceTable::learn_ssdp(const decode::PacketView& pv, Device& src) {
  const decode::SsdpInfo& s = *pv.ssdp;
  bool changed = false;
  changed |= add_string(src, src.ssdp_servers, s.server, Device::kMaxStrings, "ssdp_servers");
  changed |= add_string(src, src.upnp_locations, s.location, Device::kMaxStrings, "upnp_locations");
  changed |= add_string(src, src.user_agents, s.user_agent, Device::kMaxStrings, "user_agents");
  if (changed) reclassify(src);
}

void DeviceTable::learn_http(const decode::PacketView& pv, Device& src) {
  const decode::HttpRequest& h = *pv.http;
  bool changed = false;
  changed |= add_string(src, src.user_agents, h.user_agent, Device::kMaxStrings, "user_agents");
  changed |= add_string(src, src.http_hosts, h.host, Device::kMaxStrings, "http_hosts");
  if (changed) reclassify(src);
}

void DeviceTable::learn_tls(const decode::PacketView& pv, Device& src) {
  const decode::TlsClientHello& t = *pv.tls;
  bool changed = add_string(src, src.tls_sni, t.sni, Device::kMaxNames, "tls_sni");
  if (t.ja3[0]) add_string(src, src.ja3, t.ja3, Device::kMaxStrings, "ja3");
  if (t.ja4[0]) add_string(src, src.ja4, t.ja4, Device::kMaxStrings, "ja4");
  if (changed) reclassify(src);
}

void DeviceTable::learn_lldp(const decode::PacketView& pv, Device& src) {
  const decode::LldpInfo& l = *pv.lldp;
  const uint64_t marks_before = marks_;
  if (!l.system_name.empty() && printable_name(l.system_name)) {
    if (src.lldp_system != l.system_name) {
      src.lldp_system = std::string(l.system_name);
      mark(src, "lldp_system");
    }
    set_hostname(src, l.system_name, "lldp", kRankLldp);
  }
  if (!l.mud_url.empty() && src.mud_url != l.mud_url && l.mud_url.size() < 512) {
    src.mud_url = std::string(l.mud_url);
    src.mud_url_source = "lldp";
    mark(src, "mud_url");
  }
  if (marks_ != marks_before) reclassify(src);
}

void DeviceTable::on_new_flow(uint32_t init1, uint32_t resp1, const core::IpAddr& resp_ip, uint8_t proto,
                              uint16_t resp_port) {
  if (init1) {
    Device& d = devices_[init1 - 1];
    ++d.flows_initiated;
    if (!resp_ip.is_multicast()) {
      auto it = std::find_if(d.peers.begin(), d.peers.end(), [&](const Peer& p) { return p.ip == resp_ip; });
      if (it != d.peers.end())
        ++it->flows;
      else if (d.peers.size() < Device::kMaxPeers)
        d.peers.push_back(Peer{resp_ip, 1});
      else
        d.truncated_sets = true;
    }
    if (proto == 6 || proto == 17) {
      PortUse pu{proto, resp_port, 1};
      auto it = std::find(d.ports.begin(), d.ports.end(), pu);
      if (it != d.ports.end())
        ++it->flows;
      else if (d.ports.size() < Device::kMaxPorts)
        d.ports.push_back(pu);
      else
        d.truncated_sets = true;
    }
  }
  if (resp1 && (proto == 6 || proto == 17)) {
    Device& d = devices_[resp1 - 1];
    ++d.flows_accepted;
    PortUse pu{proto, resp_port, 1};
    auto it = std::find(d.served.begin(), d.served.end(), pu);
    if (it != d.served.end())
      ++it->flows;
    else if (d.served.size() < Device::kMaxPorts)
      d.served.push_back(pu);
    else
      d.truncated_sets = true;
  }
}

}  // namespace sekisho::inventory
