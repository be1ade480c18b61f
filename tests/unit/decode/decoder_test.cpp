#include "decode/decoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace sekisho;
using decode::Decoder;
using decode::PacketView;

namespace {
using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint16_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, uint16_t(v >> 16));
  put16(b, uint16_t(v));
}

Bytes ethernet(uint16_t type, std::initializer_list<uint16_t> vlans = {}) {
  Bytes b = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x20, 0xf8, 0x5e, 0xca, 0x91, 0x52};
  for (uint16_t v : vlans) {
    put16(b, 0x8100);
    put16(b, v);
  }
  put16(b, type);
  return b;
}

Bytes ipv4_udp(uint16_t sport, uint16_t dport, const Bytes& payload, uint16_t frag = 0) {
  Bytes b;
  uint16_t total = uint16_t(20 + 8 + payload.size());
  b = {0x45, 0x00};
  put16(b, total);
  put16(b, 0x1234);
  put16(b, frag);
  b.push_back(64);
  b.push_back(17);
  put16(b, 0);
  put32(b, 0xc0a80014);  // 192.168.0.20
  put32(b, 0x08080808);
  put16(b, sport);
  put16(b, dport);
  put16(b, uint16_t(8 + payload.size()));
  put16(b, 0);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// A DNS name in wire form: length-prefixed labels, then the root.
void put_name(Bytes& b, std::initializer_list<const char*> labels) {
  for (const char* label : labels) {
    b.push_back(uint8_t(std::strlen(label)));
    b.insert(b.end(), label, label + std::strlen(label));
  }
  b.push_back(0);
}

Bytes dns_query() {
  Bytes b = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  put_name(b, {"example", "com"});
  put16(b, 1);
  put16(b, 1);
  return b;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

PacketView decode_frame(Decoder& d, const Bytes& f, uint16_t linktype = 1) {
  PacketView pv;
  d.decode(f.data(), uint32_t(f.size()), uint32_t(f.size()), linktype, 1000, pv);
  return pv;
}
}  // namespace

TEST(Decoder, EthernetVlanIpv4UdpDns) {
  Decoder d;
  Bytes f = concat(ethernet(0x0800, {100, 200}), ipv4_udp(40000, 53, dns_query()));
  PacketView pv = decode_frame(d, f);
  EXPECT_EQ(pv.malformed, decode::Malformed::kNone);
  EXPECT_EQ(pv.src_mac.to_string(), "20:f8:5e:ca:91:52");
  EXPECT_EQ(pv.vlan_count, 2);
  EXPECT_EQ(pv.vlan[0], 100);
  EXPECT_EQ(pv.vlan[1], 200);
  EXPECT_EQ(pv.l3, decode::L3::kIpv4);
  EXPECT_EQ(pv.src_ip.to_string(), "192.168.0.20");
  EXPECT_EQ(pv.ip_proto, 17);
  EXPECT_EQ(pv.dst_port, 53);
  EXPECT_EQ(pv.app, decode::AppKind::kDns);
  ASSERT_NE(pv.dns, nullptr);
  ASSERT_EQ(pv.dns->question_count, 1);
  EXPECT_EQ(pv.dns->questions[0].name.view(), "example.com");
  EXPECT_EQ(d.stats().decoded, 1u);
}

TEST(Decoder, FragmentsCountedNotParsed) {
  Decoder d;
  Bytes later = concat(ethernet(0x0800), ipv4_udp(40000, 53, dns_query(), 0x0010));  // offset 128
  PacketView pv = decode_frame(d, later);
  EXPECT_TRUE(pv.fragment);
  EXPECT_TRUE(pv.later_fragment);
  EXPECT_FALSE(pv.has_l4);
  Bytes first = concat(ethernet(0x0800), ipv4_udp(40000, 53, dns_query(), 0x2000));  // MF
  pv = decode_frame(d, first);
  EXPECT_TRUE(pv.fragment);
  EXPECT_FALSE(pv.later_fragment);
  EXPECT_TRUE(pv.has_l4);
  EXPECT_EQ(pv.app, decode::AppKind::kNone);  // no app parsing on a partial datagram
  EXPECT_EQ(d.stats().fragments, 2u);
}

TEST(Decoder, Ipv6ExtensionHeadersAndNdp) {
  Decoder d;
  // IPv6, hop-by-hop (8 bytes), then ICMPv6 neighbour advertisement with target LL option.
  Bytes ip6 = {0x60, 0, 0, 0};
  Bytes icmp = {136, 0, 0, 0, 0x60, 0, 0, 0};
  Bytes target = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x22, 0xf8, 0x5e, 0xff, 0xfe, 0xca, 0x91, 0x52};
  icmp.insert(icmp.end(), target.begin(), target.end());
  Bytes opt = {2, 1, 0x20, 0xf8, 0x5e, 0xca, 0x91, 0x52};
  icmp.insert(icmp.end(), opt.begin(), opt.end());
  Bytes hbh = {58, 0, 1, 4, 0, 0, 0, 0};
  put16(ip6, uint16_t(hbh.size() + icmp.size()));
  ip6.push_back(0);  // next: hop-by-hop
  ip6.push_back(255);
  ip6.insert(ip6.end(), target.begin(), target.end());  // src
  Bytes dst = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  ip6.insert(ip6.end(), dst.begin(), dst.end());
  ip6 = concat(concat(ip6, hbh), icmp);
  PacketView pv = decode_frame(d, concat(ethernet(0x86dd), ip6));
  EXPECT_EQ(pv.malformed, decode::Malformed::kNone);
  EXPECT_EQ(pv.l3, decode::L3::kIpv6);
  EXPECT_EQ(pv.ip_proto, 58);
  EXPECT_EQ(pv.icmp_type, 136);
  ASSERT_TRUE(pv.has_ndp);
  EXPECT_EQ(pv.ndp.target.to_string(), "fe80::22f8:5eff:feca:9152");
  EXPECT_TRUE(pv.ndp.has_lladdr);
  EXPECT_EQ(pv.ndp.lladdr.to_string(), "20:f8:5e:ca:91:52");
}

TEST(Decoder, Arp) {
  Decoder d;
  Bytes arp = {0,   1,   8, 0,  6, 4, 0, 1, 0x20, 0xf8, 0x5e, 0xca, 0x91, 0x52,
               192, 168, 0, 20, 0, 0, 0, 0, 0,    0,    192,  168,  0,    1};
  PacketView pv = decode_frame(d, concat(ethernet(0x0806), arp));
  EXPECT_EQ(pv.l3, decode::L3::kArp);
  EXPECT_EQ(pv.arp.op, 1);
  EXPECT_EQ(pv.arp.spa.to_string(), "192.168.0.20");
  EXPECT_EQ(pv.arp.tpa.to_string(), "192.168.0.1");
}

TEST(Decoder, OtherLinkTypes) {
  Decoder d;
  Bytes raw = ipv4_udp(40000, 53, dns_query());
  EXPECT_EQ(decode_frame(d, raw, 101).app, decode::AppKind::kDns);
  Bytes sll = {0, 0, 0, 1, 0, 6, 0x20, 0xf8, 0x5e, 0xca, 0x91, 0x52, 0, 0, 0x08, 0x00};
  EXPECT_EQ(decode_frame(d, concat(sll, raw), 113).app, decode::AppKind::kDns);
  Bytes null_hdr = {2, 0, 0, 0};
  EXPECT_EQ(decode_frame(d, concat(null_hdr, raw), 0).app, decode::AppKind::kDns);
  EXPECT_EQ(decode_frame(d, raw, 147).malformed, decode::Malformed::kUnsupportedLinkType);
}

TEST(Decoder, EveryTruncationIsSafeAndCounted) {
  Decoder d;
  Bytes f = concat(ethernet(0x0800, {7}), ipv4_udp(40000, 53, dns_query()));
  for (size_t n = 0; n < f.size(); ++n) {
    Bytes cut(f.begin(), f.begin() + long(n));  // exact-size buffer: ASan sees overreads
    PacketView pv = decode_frame(d, cut);
    if (n < 14) {
      EXPECT_EQ(pv.malformed, decode::Malformed::kTruncatedLink) << n;
    }
  }
  EXPECT_GT(d.stats().malformed_total(), 0u);
}

TEST(Decoder, LyingLengthsAreMalformedNotFatal) {
  Decoder d;
  Bytes f = concat(ethernet(0x0800), ipv4_udp(1, 2, {}));
  f[14] = 0x4f;  // IHL 60 > total length 28
  EXPECT_EQ(decode_frame(d, f).malformed, decode::Malformed::kBadIpv4Header);
  f[17] = 100;  // total length 100: the header claims more than the capture holds
  EXPECT_EQ(decode_frame(d, f).malformed, decode::Malformed::kTruncatedIpv4);
  f[17] = 28;
  f[14] = 0x44;  // IHL 16 < 20
  EXPECT_EQ(decode_frame(d, f).malformed, decode::Malformed::kBadIpv4Header);
  Bytes g = concat(ethernet(0x0800), ipv4_udp(1, 2, {}));
  g[14 + 24] = 0;
  g[14 + 25] = 3;  // UDP length 3 < 8
  EXPECT_EQ(decode_frame(d, g).malformed, decode::Malformed::kBadUdpLength);
}

TEST(Decoder, Ipv6AuthenticationHeaderThenUdp) {
  Decoder d;
  Bytes udp;
  put16(udp, 40000);
  put16(udp, 53);
  Bytes q = dns_query();
  put16(udp, uint16_t(8 + q.size()));
  put16(udp, 0);
  udp = concat(udp, q);
  // AH: next header 17, payload length 4 -> (4 + 2) * 4 = 24 bytes.
  Bytes ah = {17, 4, 0, 0};
  ah.resize(24, 0);
  Bytes ip6 = {0x60, 0, 0, 0};
  put16(ip6, uint16_t(ah.size() + udp.size()));
  ip6.push_back(51);
  ip6.push_back(64);
  ip6.resize(40, 0);
  ip6[8] = 0xfe;
  ip6[9] = 0x80;
  PacketView pv = decode_frame(d, concat(ethernet(0x86dd), concat(concat(ip6, ah), udp)));
  EXPECT_EQ(pv.malformed, decode::Malformed::kNone);
  EXPECT_EQ(pv.ip_proto, 17);
  EXPECT_EQ(pv.dst_port, 53);
  EXPECT_EQ(pv.app, decode::AppKind::kDns);
  // The same AH claiming more than the packet holds is malformed.
  Bytes long_ah = ah;
  long_ah[1] = 200;
  pv = decode_frame(d, concat(ethernet(0x86dd), concat(concat(ip6, long_ah), udp)));
  EXPECT_EQ(pv.malformed, decode::Malformed::kBadIpv6ExtHeader);
}

namespace {
Bytes ipv4_tcp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  Bytes b = {0x45, 0x00};
  put16(b, uint16_t(20 + 20 + payload.size()));
  put16(b, 1);
  put16(b, 0x4000);
  b.push_back(64);
  b.push_back(6);
  put16(b, 0);
  put32(b, 0xc0a80014);
  put32(b, 0x5db8d822);
  put16(b, sport);
  put16(b, dport);
  put32(b, 1);
  put32(b, 1);
  b.push_back(0x50);
  b.push_back(0x18);
  put16(b, 1024);
  put16(b, 0);
  put16(b, 0);
  return concat(b, payload);
}

// A ClientHello whose SNI extension is whole, followed by an extension cut by the segment end.
Bytes cut_client_hello() {
  const std::string host = "api.example.net";
  Bytes sni;
  put16(sni, 0);  // server_name
  put16(sni, uint16_t(host.size() + 5));
  put16(sni, uint16_t(host.size() + 3));
  sni.push_back(0);
  put16(sni, uint16_t(host.size()));
  sni.insert(sni.end(), host.begin(), host.end());
  Bytes body = {0x03, 0x03};
  body.resize(2 + 32, 0x11);  // random
  body.push_back(0);          // session id
  put16(body, 2);
  put16(body, 0x1301);
  body.push_back(1);
  body.push_back(0);
  put16(body, 600);  // extensions claim far more than this segment holds
  body = concat(body, sni);
  put16(body, 0x002b);  // supported_versions, cut after its header
  put16(body, 5);
  Bytes hs = {0x01};
  hs.push_back(0);
  put16(hs, uint16_t(body.size() + 600));
  Bytes rec = {0x16, 0x03, 0x01};
  put16(rec, uint16_t(4 + body.size() + 600));
  return concat(concat(rec, hs), body);
}
}  // namespace

TEST(Decoder, CutClientHelloStillNamesItsServer) {
  Decoder d;
  PacketView pv = decode_frame(d, concat(ethernet(0x0800), ipv4_tcp(40000, 443, cut_client_hello())));
  EXPECT_EQ(pv.malformed, decode::Malformed::kNone);  // cut by the segment, not broken
  ASSERT_EQ(pv.app, decode::AppKind::kTls);
  EXPECT_EQ(pv.tls->sni, "api.example.net");
  EXPECT_EQ(pv.tls->ja3[0], '\0');  // no fingerprint of a partial hello
  EXPECT_EQ(pv.tls->ja4[0], '\0');
}

namespace {
// An mDNS response announcing "cam.local A 192.168.0.20".
Bytes mdns_response(uint8_t last_octet = 20) {
  Bytes b = {0, 0, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0};
  put_name(b, {"cam", "local"});
  put16(b, 1);
  put16(b, 0x8001);
  put32(b, 120);
  put16(b, 4);
  b.insert(b.end(), {192, 168, 0, last_octet});
  return b;
}
Bytes ssdp_notify() {
  const char* t = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nSERVER: Linux/3.0 UPnP/1.0 cam/1.2\r\n\r\n";
  return Bytes(t, t + std::strlen(t));
}
PacketView decode_at(Decoder& d, const Bytes& f, core::TimeNs ts) {
  PacketView pv;
  d.decode(f.data(), uint32_t(f.size()), uint32_t(f.size()), 1, ts, pv);
  return pv;
}
}  // namespace

// The same announcement from the same sender within the window is a repeat, not parsed
// again; another sender, other bytes, or the window passed: parsed in full.
TEST(Decoder, RepeatedAnnouncementsAreNotParsedAgain) {
  Decoder d;
  const core::TimeNs t0 = 1000 * core::kNsPerSec;
  const Bytes frame = concat(ethernet(0x0800), ipv4_udp(5353, 5353, mdns_response()));
  PacketView first = decode_at(d, frame, t0);
  ASSERT_EQ(first.app, decode::AppKind::kMdns);
  EXPECT_FALSE(first.repeat);
  ASSERT_NE(first.dns, nullptr);
  EXPECT_EQ(first.dns->record_count, 1u);

  PacketView again = decode_at(d, frame, t0 + 10 * core::kNsPerSec);
  EXPECT_EQ(again.app, decode::AppKind::kMdns);
  EXPECT_TRUE(again.repeat);
  ASSERT_NE(again.dns, nullptr);
  EXPECT_TRUE(again.dns->is_response);
  EXPECT_EQ(again.dns->record_count, 0u) << "a repeat shows the inventory nothing to learn";

  Bytes other_sender = frame;
  other_sender[11] ^= 1;  // the last byte of the source MAC
  EXPECT_FALSE(decode_at(d, other_sender, t0 + 11 * core::kNsPerSec).repeat);
  const Bytes other_bytes = concat(ethernet(0x0800), ipv4_udp(5353, 5353, mdns_response(21)));
  PacketView changed = decode_at(d, other_bytes, t0 + 12 * core::kNsPerSec);
  EXPECT_FALSE(changed.repeat);
  EXPECT_EQ(changed.dns->record_count, 1u);
  // Once the window has passed since the first sighting it is learned again (a repeat does
  // not extend the window).
  EXPECT_TRUE(decode_at(d, frame, t0 + 59 * core::kNsPerSec).repeat);
  EXPECT_FALSE(decode_at(d, frame, t0 + Decoder::kRepeatWindow + core::kNsPerSec).repeat);
  // Time going backwards (files out of order) never makes a repeat.
  EXPECT_FALSE(decode_at(d, other_sender, t0).repeat);
}

TEST(Decoder, RepeatedSsdpAndOnlyAnnouncements) {
  Decoder d;
  const core::TimeNs t0 = 1000 * core::kNsPerSec;
  const Bytes notify = concat(ethernet(0x0800), ipv4_udp(1900, 1900, ssdp_notify()));
  PacketView first = decode_at(d, notify, t0);
  ASSERT_EQ(first.app, decode::AppKind::kSsdp);
  EXPECT_FALSE(first.repeat);
  EXPECT_EQ(first.ssdp->server, "Linux/3.0 UPnP/1.0 cam/1.2");
  PacketView again = decode_at(d, notify, t0 + core::kNsPerSec);
  EXPECT_TRUE(again.repeat);
  EXPECT_TRUE(again.ssdp->server.empty());
  // Queries (unicast DNS, mDNS questions) are always parsed: detectors count them.
  const Bytes query = concat(ethernet(0x0800), ipv4_udp(40000, 53, dns_query()));
  decode_at(d, query, t0);
  PacketView q = decode_at(d, query, t0 + 1);
  EXPECT_FALSE(q.repeat);
  EXPECT_EQ(q.dns->question_count, 1u);
  // A malformed announcement is never remembered: each copy is counted malformed.
  const Bytes whole = mdns_response();
  const Bytes bad(whole.begin(), whole.begin() + 30);  // cut inside the answer's rdata
  const Bytes bad_frame = concat(ethernet(0x0800), ipv4_udp(5353, 5353, bad));
  EXPECT_EQ(decode_at(d, bad_frame, t0).malformed, decode::Malformed::kBadDns);
  EXPECT_EQ(decode_at(d, bad_frame, t0 + 1).malformed, decode::Malformed::kBadDns);
}
