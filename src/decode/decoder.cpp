#include "decode/decoder.h"

#include <cstring>

#include "core/bytes.h"
#include "core/hash.h"

namespace sekisho::decode {

using core::load_be16;
using core::load_be32;

namespace {

constexpr uint16_t kEthIpv4 = 0x0800, kEthArp = 0x0806, kEthVlan = 0x8100, kEthQinQ = 0x88a8, kEthQinQOld = 0x9100,
                   kEthIpv6 = 0x86dd, kEthLldp = 0x88cc;

// Which UDP ports carry which identifying protocol. Data, not code: add a row to add a port.
struct PortRule {
  uint16_t port;
  AppKind kind;
};
constexpr PortRule kUdpPorts[] = {
    {67, AppKind::kDhcp}, {68, AppKind::kDhcp},  {546, AppKind::kDhcp},  {547, AppKind::kDhcp},
    {53, AppKind::kDns},  {5355, AppKind::kDns}, {5353, AppKind::kMdns}, {1900, AppKind::kSsdp},
};

constexpr const char* kMalformedNames[] = {
    "none",
    "unsupported_linktype",
    "truncated_link",
    "truncated_vlan",
    "truncated_arp",
    "truncated_ipv4",
    "bad_ipv4_header",
    "truncated_ipv6",
    "bad_ipv6_exthdr",
    "truncated_tcp",
    "bad_tcp_header",
    "truncated_udp",
    "bad_udp_length",
    "truncated_icmp",
    "bad_dhcp",
    "bad_dns",
    "bad_ssdp",
    "bad_tls",
    "bad_lldp",
};
static_assert(sizeof(kMalformedNames) / sizeof(kMalformedNames[0]) == size_t(Malformed::kCount));

// HTTP methods an IoT device sends; the parser checks the full token.
bool looks_like_http_request(const uint8_t* p, uint32_t n) {
  if (n < 4) return false;
  switch (p[0]) {
    case 'G': return std::memcmp(p, "GET ", 4) == 0;
    case 'P': return std::memcmp(p, "POST", 4) == 0 || std::memcmp(p, "PUT ", 4) == 0 || std::memcmp(p, "PATC", 4) == 0;
    case 'H': return std::memcmp(p, "HEAD", 4) == 0;
    case 'D': return std::memcmp(p, "DELE", 4) == 0;
    case 'O': return std::memcmp(p, "OPTI", 4) == 0;
    case 'S': return std::memcmp(p, "SUBS", 4) == 0;
    case 'N': return std::memcmp(p, "NOTI", 4) == 0;
    case 'C': return std::memcmp(p, "CONN", 4) == 0;
    default: return false;
  }
}

}  // namespace

const char* malformed_name(Malformed m) {
  auto i = size_t(m);
  return i < size_t(Malformed::kCount) ? kMalformedNames[i] : "unknown";
}

// Unkeyed: which announcements count as repeats must not vary between runs (a replay is
// deterministic). A sender that forged a collision would only hide its own announcement.
constexpr size_t kRepeatSlots = 4096;  // a power of two

struct Decoder::Scratch {
  DhcpInfo dhcp;
  DnsMessage dns;
  DnsMessage repeat_dns;  // a response with no record: what a repeat shows the inventory
  SsdpInfo ssdp;
  SsdpInfo repeat_ssdp;
  HttpRequest http;
  TlsClientHello tls;
  LldpInfo lldp;
};

Decoder::Decoder() : scratch_(std::make_unique<Scratch>()), repeats_(std::make_unique<RepeatSlot[]>(kRepeatSlots)) {
  for (const auto& r : kUdpPorts) udp_app_[r.port] = uint8_t(r.kind);
  scratch_->repeat_dns.is_response = true;
}

// Whether the sender (its MAC, else its address) sent these very bytes of this protocol
// within kRepeatWindow; `key` is set for remember() either way.
bool Decoder::seen_recently(const PacketView& pv, AppKind kind, uint64_t* key) {
  uint64_t who = uint64_t(kind) << 56;
  if (pv.has_eth) {
    for (int i = 0; i < 6; ++i) who |= uint64_t(pv.src_mac.b[size_t(i)]) << (8 * i);
  } else {
    who ^= core::fold_hash64(pv.src_ip.b.data(), pv.src_ip.b.size(), 0);
  }
  const uint64_t h = core::fold_hash64(pv.payload, pv.payload_len, who) | 1;  // 0 marks an empty slot
  *key = h;
  const RepeatSlot& s = repeats_[h & (kRepeatSlots - 1)];
  return s.key == h && pv.ts >= s.ts && pv.ts - s.ts <= kRepeatWindow;
}

// Only the first sighting is kept: a repeat does not extend the window, so an announcement
// is learned again at least once per window.
void Decoder::remember(uint64_t key, core::TimeNs ts) {
  RepeatSlot& s = repeats_[key & (kRepeatSlots - 1)];
  s.key = key;
  s.ts = ts;
}
Decoder::~Decoder() = default;

void Decoder::set_malformed(PacketView& pv, Malformed m) {
  if (pv.malformed == Malformed::kNone) {
    pv.malformed = m;
    ++stats_.malformed[size_t(m)];
  }
}

void Decoder::decode(const uint8_t* data, uint32_t caplen, uint32_t wirelen, uint16_t linktype, core::TimeNs ts,
                     PacketView& pv) {
  // Reset only what later stages test; the rest is written before it is read.
  pv.ts = ts;
  pv.data = data;
  pv.caplen = caplen;
  pv.wirelen = wirelen;
  pv.has_eth = false;
  pv.ethertype = 0;
  pv.vlan_count = 0;
  pv.vlan[0] = pv.vlan[1] = 0;
  pv.l3 = L3::kNone;
  pv.ip_proto = 0;
  pv.fragment = pv.later_fragment = false;
  pv.has_l4 = false;
  pv.src_port = pv.dst_port = 0;
  pv.tcp_flags = 0;
  pv.has_ndp = false;
  pv.payload = nullptr;
  pv.payload_len = 0;
  pv.app = AppKind::kNone;
  pv.repeat = false;
  pv.malformed = Malformed::kNone;
  ++stats_.packets;

  switch (linktype) {
    case 1:  // Ethernet
      link_ethernet(data, caplen, pv);
      break;
    case 101:  // raw IP
    case 228:
    case 229:
      if (caplen < 1) {
        set_malformed(pv, Malformed::kTruncatedLink);
        break;
      }
      network((data[0] >> 4) == 6 ? kEthIpv6 : kEthIpv4, data, caplen, pv);
      break;
    case 113:  // Linux cooked v1: 16-byte header, protocol at 14
      if (caplen < 16) {
        set_malformed(pv, Malformed::kTruncatedLink);
        break;
      }
      network(load_be16(data + 14), data + 16, caplen - 16, pv);
      break;
    case 276:  // Linux cooked v2: 20-byte header, protocol at 0
      if (caplen < 20) {
        set_malformed(pv, Malformed::kTruncatedLink);
        break;
      }
      network(load_be16(data), data + 20, caplen - 20, pv);
      break;
    case 0:      // BSD loopback: host-order AF value
    case 108: {  // OpenBSD loopback: network order
      if (caplen < 4) {
        set_malformed(pv, Malformed::kTruncatedLink);
        break;
      }
      uint32_t af = linktype == 108 ? load_be32(data) : core::load_le32(data);
      if (af > 0xffff) af = load_be32(data);
      network(af == 2 ? kEthIpv4 : kEthIpv6, data + 4, caplen - 4, pv);
      break;
    }
    default: set_malformed(pv, Malformed::kUnsupportedLinkType); break;
  }
  if (pv.malformed == Malformed::kNone) ++stats_.decoded;
}

void Decoder::link_ethernet(const uint8_t* p, uint32_t n, PacketView& pv) {
  if (n < 14) {
    set_malformed(pv, Malformed::kTruncatedLink);
    return;
  }
  pv.has_eth = true;
  pv.dst_mac = core::MacAddr::from_bytes(p);
  pv.src_mac = core::MacAddr::from_bytes(p + 6);
  uint16_t type = load_be16(p + 12);
  uint32_t off = 14;
  // 802.1Q / QinQ: keep the first two tags, skip any further ones.
  while (type == kEthVlan || type == kEthQinQ || type == kEthQinQOld) {
    if (n < off + 4) {
      set_malformed(pv, Malformed::kTruncatedVlan);
      return;
    }
    if (pv.vlan_count < 2) pv.vlan[pv.vlan_count++] = load_be16(p + off) & 0x0fff;
    type = load_be16(p + off + 2);
    off += 4;
  }
  if (type < 0x0600) {  // 802.3 length field (LLC/SNAP): not IP
    pv.ethertype = type;
    pv.l3 = L3::kOther;
    ++stats_.non_ip;
    return;
  }
  network(type, p + off, n - off, pv);
}

void Decoder::network(uint16_t ethertype, const uint8_t* p, uint32_t n, PacketView& pv) {
  pv.ethertype = ethertype;
  switch (ethertype) {
    case kEthIpv4: ipv4(p, n, pv); return;
    case kEthIpv6: ipv6(p, n, pv); return;
    case kEthArp:
      arp(p, n, pv);
      ++stats_.non_ip;
      return;
    case kEthLldp: {
      pv.l3 = L3::kLldp;
      ++stats_.non_ip;
      ParseStatus st = parse_lldp(p, n, scratch_->lldp);
      if (st == ParseStatus::kOk) {
        pv.app = AppKind::kLldp;
        pv.lldp = &scratch_->lldp;
      } else if (st == ParseStatus::kMalformed) {
        set_malformed(pv, Malformed::kBadLldp);
      }
      return;
    }
    default:
      pv.l3 = L3::kOther;
      ++stats_.non_ip;
      return;
  }
}

void Decoder::arp(const uint8_t* p, uint32_t n, PacketView& pv) {
  pv.l3 = L3::kArp;
  if (n < 28) {
    set_malformed(pv, Malformed::kTruncatedArp);
    return;
  }
  // Only Ethernet/IPv4 ARP binds addresses we care about.
  if (load_be16(p) != 1 || load_be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) return;
  pv.arp.op = load_be16(p + 6);
  pv.arp.sha = core::MacAddr::from_bytes(p + 8);
  pv.arp.spa = core::IpAddr::v4(p + 14);
  pv.arp.tha = core::MacAddr::from_bytes(p + 18);
  pv.arp.tpa = core::IpAddr::v4(p + 24);
}

void Decoder::ipv4(const uint8_t* p, uint32_t n, PacketView& pv) {
  pv.l3 = L3::kIpv4;
  if (n < 20) {
    set_malformed(pv, Malformed::kTruncatedIpv4);
    return;
  }
  uint32_t ihl = uint32_t(p[0] & 0x0f) * 4;
  uint32_t total = load_be16(p + 2);
  if ((p[0] >> 4) != 4 || ihl < 20 || total < ihl) {
    set_malformed(pv, Malformed::kBadIpv4Header);
    return;
  }
  if (n < ihl) {
    set_malformed(pv, Malformed::kTruncatedIpv4);
    return;
  }
  pv.src_ip.set_v4(p + 12);
  pv.dst_ip.set_v4(p + 16);
  pv.ip_proto = p[9];
  pv.ttl = p[8];
  pv.ip_len = total;
  uint16_t frag = load_be16(p + 6);
  if (frag & 0x3fff) {  // MF or offset
    pv.fragment = true;
    pv.later_fragment = (frag & 0x1fff) != 0;
    ++stats_.fragments;
    if (pv.later_fragment) return;
  }
  // The capture may hold less than the IP length (snap length) or more (Ethernet padding).
  uint32_t end = total < n ? total : n;
  transport(p + ihl, end - ihl, pv);
}

void Decoder::ipv6(const uint8_t* p, uint32_t n, PacketView& pv) {
  pv.l3 = L3::kIpv6;
  if (n < 40) {
    set_malformed(pv, Malformed::kTruncatedIpv6);
    return;
  }
  if ((p[0] >> 4) != 6) {
    set_malformed(pv, Malformed::kTruncatedIpv6);
    return;
  }
  pv.src_ip = core::IpAddr::v6(p + 8);
  pv.dst_ip = core::IpAddr::v6(p + 24);
  pv.ttl = p[7];
  uint32_t plen = load_be16(p + 4);
  pv.ip_len = 40 + plen;
  uint32_t end = 40 + plen < n ? 40 + plen : n;
  uint8_t next = p[6];
  uint32_t off = 40;
  // Extension headers, bounded: a chain longer than 8 is treated as malformed.
  for (int i = 0; i < 8; ++i) {
    switch (next) {
      case 0:     // hop-by-hop
      case 43:    // routing
      case 60:    // destination options
      case 135:   // mobility
      case 139:   // HIP
      case 140:   // shim6
      case 51: {  // AH
        if (end < off + 8) {
          set_malformed(pv, Malformed::kBadIpv6ExtHeader);
          return;
        }
        // Length field: 8-octet units minus 1; AH counts 4-octet units minus 2.
        const uint32_t len = next == 51 ? (uint32_t(p[off + 1]) + 2) * 4 : (uint32_t(p[off + 1]) + 1) * 8;
        next = p[off];
        off += len;
        if (off > end) {
          set_malformed(pv, Malformed::kBadIpv6ExtHeader);
          return;
        }
        continue;
      }
      case 44: {  // fragment
        if (end < off + 8) {
          set_malformed(pv, Malformed::kBadIpv6ExtHeader);
          return;
        }
        uint16_t fo = load_be16(p + off + 2);
        pv.fragment = true;
        pv.later_fragment = (fo & 0xfff8) != 0;
        ++stats_.fragments;
        next = p[off];
        off += 8;
        if (pv.later_fragment) {
          pv.ip_proto = next;
          return;
        }
        continue;
      }
      default:
        pv.ip_proto = next;
        transport(p + off, end - off, pv);
        return;
    }
  }
  set_malformed(pv, Malformed::kBadIpv6ExtHeader);
}

void Decoder::transport(const uint8_t* p, uint32_t n, PacketView& pv) {
  switch (pv.ip_proto) {
    case ipproto::kTcp: {
      if (n < 20) {
        set_malformed(pv, Malformed::kTruncatedTcp);
        return;
      }
      uint32_t doff = uint32_t(p[12] >> 4) * 4;
      if (doff < 20 || doff > n) {
        set_malformed(pv, doff < 20 ? Malformed::kBadTcpHeader : Malformed::kTruncatedTcp);
        return;
      }
      pv.has_l4 = true;
      pv.src_port = load_be16(p);
      pv.dst_port = load_be16(p + 2);
      pv.tcp_seq = load_be32(p + 4);
      pv.tcp_ack = load_be32(p + 8);
      pv.tcp_flags = p[13];
      pv.tcp_window = load_be16(p + 14);
      pv.payload = p + doff;
      pv.payload_len = n - doff;
      if (pv.payload_len && !pv.fragment) application_tcp(pv);
      return;
    }
    case ipproto::kUdp: {
      if (n < 8) {
        set_malformed(pv, Malformed::kTruncatedUdp);
        return;
      }
      uint32_t ulen = load_be16(p + 4);
      pv.has_l4 = true;
      pv.src_port = load_be16(p);
      pv.dst_port = load_be16(p + 2);
      if (ulen < 8 && !pv.fragment) {
        set_malformed(pv, Malformed::kBadUdpLength);
        return;
      }
      uint32_t end = ulen >= 8 && ulen < n ? ulen : n;  // a fragment's UDP length covers all pieces
      pv.payload = p + 8;
      pv.payload_len = end - 8;
      if (pv.payload_len && !pv.fragment) application_udp(pv);
      return;
    }
    case ipproto::kIcmp:
    case ipproto::kIcmpv6: {
      if (n < 4) {
        set_malformed(pv, Malformed::kTruncatedIcmp);
        return;
      }
      pv.has_l4 = true;
      pv.icmp_type = p[0];
      pv.icmp_code = p[1];
      pv.payload = p + 4;
      pv.payload_len = n - 4;
      if (pv.ip_proto == ipproto::kIcmpv6 && pv.icmp_type >= 133 && pv.icmp_type <= 136) icmpv6_ndp(p, n, pv);
      return;
    }
    default:
      pv.payload = p;
      pv.payload_len = n;
      return;
  }
}

void Decoder::icmpv6_ndp(const uint8_t* p, uint32_t n, PacketView& pv) {
  // RS 133: 8-byte header; RA 134: 16; NS 135 / NA 136: 8 + 16-byte target.
  uint32_t opt = 8;
  if (pv.icmp_type == 134) opt = 16;
  if (pv.icmp_type == 135 || pv.icmp_type == 136) {
    if (n < 24) return;
    pv.ndp.target = core::IpAddr::v6(p + 8);
    opt = 24;
  } else {
    pv.ndp.target = core::IpAddr{};
  }
  pv.has_ndp = true;
  pv.ndp.has_lladdr = false;
  // Options: type, length in 8-octet units (0 is invalid and ends the walk).
  while (opt + 2 <= n) {
    uint32_t len = uint32_t(p[opt + 1]) * 8;
    if (len == 0 || opt + len > n) break;
    uint8_t type = p[opt];
    if ((type == 1 || type == 2) && len >= 8) {  // source / target link-layer address
      pv.ndp.lladdr = core::MacAddr::from_bytes(p + opt + 2);
      pv.ndp.has_lladdr = true;
    }
    opt += len;
  }
}

namespace {
// The packet thread copies out only what the inventory reads (DeviceTable::learn_dns): the
// questions of unicast queries and every record of mDNS responses. The EVE writer parses
// the payload again in full. The status, and so the bad_dns count, is the same at any depth.
DnsDepth dns_depth(AppKind kind, const uint8_t* p, size_t n) {
  const bool response = n > 2 && (p[2] & 0x80) != 0;
  if (kind == AppKind::kMdns) return response ? DnsDepth::kFull : DnsDepth::kValidate;
  return response ? DnsDepth::kValidate : DnsDepth::kQuestions;
}
}  // namespace

void Decoder::application_udp(PacketView& pv) {
  auto kind = AppKind(udp_app_[pv.dst_port]);
  if (kind == AppKind::kNone) kind = AppKind(udp_app_[pv.src_port]);
  if (kind == AppKind::kNone) return;
  Scratch& s = *scratch_;
  // Announcements (mDNS responses, SSDP) sent again unchanged: the bytes parsed before.
  uint64_t repeat_key = 0;
  const bool announcement =
      kind == AppKind::kSsdp || (kind == AppKind::kMdns && pv.payload_len > 2 && (pv.payload[2] & 0x80) != 0);
  if (announcement && seen_recently(pv, kind, &repeat_key)) {
    pv.app = kind;
    pv.repeat = true;
    if (kind == AppKind::kSsdp)
      pv.ssdp = &s.repeat_ssdp;
    else
      pv.dns = &s.repeat_dns;
    return;
  }
  ParseStatus st = ParseStatus::kNotMine;
  Malformed bad = Malformed::kNone;
  switch (kind) {
    case AppKind::kDhcp:
      if (pv.dst_port == 67 || pv.dst_port == 68 || pv.src_port == 67 || pv.src_port == 68)
        st = parse_dhcp4(pv.payload, pv.payload_len, s.dhcp);
      else
        st = parse_dhcp6(pv.payload, pv.payload_len, s.dhcp);
      pv.dhcp = &s.dhcp;
      bad = Malformed::kBadDhcp;
      break;
    case AppKind::kDns:
    case AppKind::kMdns:
      st = parse_dns(pv.payload, pv.payload_len, s.dns, dns_depth(kind, pv.payload, pv.payload_len));
      pv.dns = &s.dns;
      bad = Malformed::kBadDns;
      break;
    case AppKind::kSsdp:
      st = parse_ssdp(pv.payload, pv.payload_len, s.ssdp);
      pv.ssdp = &s.ssdp;
      bad = Malformed::kBadSsdp;
      break;
    default: return;
  }
  if (st == ParseStatus::kOk) {
    pv.app = kind;
    if (announcement) remember(repeat_key, pv.ts);
  } else if (st == ParseStatus::kMalformed) {
    set_malformed(pv, bad);
  }
}

void Decoder::application_tcp(PacketView& pv) {
  const uint8_t* p = pv.payload;
  uint32_t n = pv.payload_len;
  Scratch& s = *scratch_;
  // TLS handshake record carrying a ClientHello: 16 03 xx .. .. 01
  if (n >= 6 && p[0] == 0x16 && p[1] == 0x03 && p[5] == 0x01) {
    ParseStatus st = parse_tls_client_hello(p, n, s.tls);
    // A large hello spans several segments; without reassembly, a cut hello is not an error.
    bool cut = uint32_t(load_be16(p + 3)) + 5 > n;
    if (st == ParseStatus::kOk || (st == ParseStatus::kMalformed && cut && !s.tls.sni.empty())) {
      // A cut hello still names its server when the SNI extension came whole; it has no
      // JA3/JA4 then (the parser leaves them empty).
      pv.app = AppKind::kTls;
      pv.tls = &s.tls;
    } else if (st == ParseStatus::kMalformed && !cut) {
      set_malformed(pv, Malformed::kBadTls);
    }
    return;
  }
  if (looks_like_http_request(p, n)) {
    if (parse_http_request(p, n, s.http) == ParseStatus::kOk) {
      pv.app = AppKind::kHttp;
      pv.http = &s.http;
    }
  }
}

}  // namespace sekisho::decode
