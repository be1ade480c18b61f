#pragma once
// PacketView: everything the pipeline needs to know about one packet, filled once by the
// Decoder and passed on by const reference. Non-owning: pointers refer to the capture
// buffer and the Decoder's scratch records, valid until the next packet.
#include <cstdint>

#include "core/net.h"
#include "core/time.h"
#include "decode/app/app.h"

namespace sekisho::decode {

enum class L3 : uint8_t { kNone, kArp, kIpv4, kIpv6, kLldp, kOther };

enum class AppKind : uint8_t {
  kNone,
  kDhcp,  // v4 or v6, see DhcpInfo::version
  kDns,   // unicast DNS (UDP 53) and LLMNR (5355)
  kMdns,  // UDP 5353
  kSsdp,
  kHttp,
  kTls,  // ClientHello
  kLldp,
};

// Why a packet could not be decoded completely. One counter each (see Decoder::stats()).
enum class Malformed : uint8_t {
  kNone,
  kUnsupportedLinkType,
  kTruncatedLink,
  kTruncatedVlan,
  kTruncatedArp,
  kTruncatedIpv4,
  kBadIpv4Header,  // version/IHL/total length inconsistent
  kTruncatedIpv6,
  kBadIpv6ExtHeader,
  kTruncatedTcp,
  kBadTcpHeader,  // data offset < 5 or beyond the segment
  kTruncatedUdp,
  kBadUdpLength,
  kTruncatedIcmp,
  kBadDhcp,
  kBadDns,
  kBadSsdp,
  kBadTls,
  kBadLldp,
  kCount
};

const char* malformed_name(Malformed m);

struct ArpInfo {
  uint16_t op = 0;  // 1 request, 2 reply
  core::MacAddr sha, tha;
  core::IpAddr spa, tpa;
};

// ICMPv6 Neighbour Discovery (RFC 4861) fields that bind addresses to link addresses.
struct NdpInfo {
  core::IpAddr target;   // NS/NA target
  core::MacAddr lladdr;  // source (NS/RS/RA) or target (NA) link-layer address option
  bool has_lladdr = false;
};

struct PacketView {
  // capture
  core::TimeNs ts = 0;
  const uint8_t* data = nullptr;
  uint32_t caplen = 0;
  uint32_t wirelen = 0;

  // link
  bool has_eth = false;
  core::MacAddr src_mac, dst_mac;
  uint16_t ethertype = 0;  // after VLAN tags
  uint16_t vlan[2] = {0, 0};
  uint8_t vlan_count = 0;

  // network
  L3 l3 = L3::kNone;
  ArpInfo arp;
  core::IpAddr src_ip, dst_ip;
  uint8_t ip_proto = 0;         // after IPv6 extension headers
  uint8_t ttl = 0;              // TTL / hop limit
  bool fragment = false;        // any fragment (MF set or offset != 0)
  bool later_fragment = false;  // offset != 0: no transport header here
  uint32_t ip_len = 0;          // IP total length as claimed (header + payload)

  // transport
  bool has_l4 = false;
  uint16_t src_port = 0, dst_port = 0;
  uint8_t tcp_flags = 0;
  uint32_t tcp_seq = 0, tcp_ack = 0;
  uint16_t tcp_window = 0;
  uint8_t icmp_type = 0, icmp_code = 0;
  bool has_ndp = false;
  NdpInfo ndp;
  const uint8_t* payload = nullptr;  // transport payload present in the capture
  uint32_t payload_len = 0;

  // application (points into the Decoder's scratch; valid when `app` says so)
  AppKind app = AppKind::kNone;
  // An announcement (mDNS response, SSDP) whose bytes the same sender sent within the last
  // Decoder::kRepeatWindow: it was not parsed again and its record is empty; the inventory
  // learned all of it the first time.
  bool repeat = false;
  const DhcpInfo* dhcp = nullptr;
  // Parsed only as deep as the inventory reads (see dns_depth in decoder.cpp): questions
  // of unicast queries, all records of mDNS responses; otherwise the header only.
  const DnsMessage* dns = nullptr;
  const SsdpInfo* ssdp = nullptr;
  const HttpRequest* http = nullptr;
  const TlsClientHello* tls = nullptr;
  const LldpInfo* lldp = nullptr;

  Malformed malformed = Malformed::kNone;
};

namespace tcp {
constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kUrg = 0x20;
}
namespace ipproto {
constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kGre = 47, kIcmpv6 = 58, kSctp = 132;
}

}  // namespace sekisho::decode
