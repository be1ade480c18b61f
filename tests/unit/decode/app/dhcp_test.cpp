#include <gtest/gtest.h>

#include "app_test_util.h"
#include "decode/app/app.h"

namespace sekisho::decode {
namespace {

using test::Builder;
using test::Bytes;

// BOOTP fixed part (236 bytes) for a client request from `mac`, then the magic cookie.
Builder bootp_request(uint32_t xid = 0x01020304) {
  Builder b;
  b.u8(1).u8(1).u8(6).u8(0).u32(xid).u16(0).u16(0x8000);
  b.zeros(16);                                                        // ciaddr yiaddr siaddr giaddr
  b.u8(0x02).u8(0x11).u8(0x22).u8(0x33).u8(0x44).u8(0x55).zeros(10);  // chaddr
  b.zeros(64 + 128);                                                  // sname, file
  b.u8(99).u8(130).u8(83).u8(99);
  return b;
}

std::vector<uint16_t> options_of(const DhcpInfo& d) { return {d.options, d.options + d.option_count}; }

TEST(Dhcp4, RealAriaDiscover) {
  // Fitbit Aria scale, IoT Sentinel Aria/Setup-A-1-STA.pcap frame 3.
  Bytes msg = test::read_sample("aria-dhcp-discover.bin");
  ASSERT_EQ(msg.size(), 300u);
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(msg.data(), msg.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.version, 4);
  EXPECT_EQ(d.op, 1);
  EXPECT_EQ(d.msg_type, 1);  // DISCOVER
  EXPECT_EQ(d.chaddr.to_string(), "20:f8:5e:ca:91:52");
  EXPECT_EQ(d.hostname, "GainSpanca9152");
  EXPECT_TRUE(d.vendor_class.empty());
  EXPECT_EQ(d.client_id.size(), 7u);  // htype 1 + MAC
  EXPECT_EQ(options_of(d), (std::vector<uint16_t>{53, 61, 12, 55}));
  EXPECT_EQ(Bytes(d.params, d.params + d.param_count), (Bytes{1, 3, 6, 15, 66, 67, 13, 44}));
  EXPECT_TRUE(d.ciaddr.empty());
}

TEST(Dhcp4, RealDLinkCamDiscoverHasVendorClass) {
  // D-Link DCS-935L camera, D-LinkCam/Setup-A-1-STA.pcap frame 17.
  Bytes msg = test::read_sample("dlinkcam-dhcp-discover.bin");
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(msg.data(), msg.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.hostname, "DCS-935L");
  EXPECT_EQ(d.vendor_class, "udhcp 1.22.1");
  EXPECT_EQ(options_of(d), (std::vector<uint16_t>{53, 61, 57, 55, 60, 12}));
  EXPECT_EQ(d.chaddr.to_string(), "b0:c5:54:25:5b:0e");
}

TEST(Dhcp4, AllIdentifyingOptions) {
  Builder b = bootp_request(0xdeadbeef);
  b.u8(53).u8(1).u8(3);                     // REQUEST
  b.u8(0).u8(0);                            // PAD x2
  b.u8(50).u8(4).u8(10).u8(0).u8(0).u8(7);  // requested IP
  b.u8(54).u8(4).u8(10).u8(0).u8(0).u8(1);  // server id
  b.u8(12).u8(6).str("sensor");             // host name
  b.u8(60).u8(9).str("vendor-x1");          // vendor class
  b.u8(61).u8(3).u8(0xff).u8(1).u8(2);      // client id
  Builder fqdn;
  fqdn.name("host.lan");
  b.u8(81).u8(unsigned(3 + fqdn.size())).u8(0x05).u8(0).u8(0).bytes(fqdn.b);  // E: wire format
  b.u8(161).u8(19).str("https://x.example/m");                                // MUD URL
  b.u8(55).u8(3).u8(1).u8(3).u8(6);
  b.u8(255).zeros(8);  // END, then padding
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(b.b.data(), b.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.xid, 0xdeadbeefu);
  EXPECT_EQ(d.msg_type, 3);
  EXPECT_EQ(d.requested_ip.to_string(), "10.0.0.7");
  EXPECT_EQ(d.server_id.to_string(), "10.0.0.1");
  EXPECT_EQ(d.hostname, "sensor");
  EXPECT_EQ(d.vendor_class, "vendor-x1");
  EXPECT_EQ(d.client_id, std::string_view("\xff\x01\x02", 3));
  EXPECT_EQ(d.fqdn, "host.lan");
  EXPECT_EQ(d.mud_url, "https://x.example/m");
  EXPECT_EQ(options_of(d), (std::vector<uint16_t>{53, 50, 54, 12, 60, 61, 81, 161, 55}));
  EXPECT_EQ(d.param_count, 3);
}

TEST(Dhcp4, FqdnAsciiForm) {
  Builder b = bootp_request();
  b.u8(53).u8(1).u8(1).u8(81).u8(3 + 11).u8(0x01).u8(0).u8(0).str("camera.home").u8(255);
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(b.b.data(), b.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.fqdn, "camera.home");
}

TEST(Dhcp4, FqdnWireFormatPartialName) {
  // RFC 4702 allows a partial name: labels without the terminating root.
  Builder b = bootp_request();
  b.u8(81).u8(3 + 5).u8(0x04).u8(0).u8(0).u8(4).str("host").u8(255);
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(b.b.data(), b.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.fqdn, "host");
  EXPECT_FALSE(d.fqdn_text.truncated);
}

TEST(Dhcp4, FqdnWireFormatLabelPastOptionStops) {
  Builder b = bootp_request();
  b.u8(81).u8(3 + 5).u8(0x04).u8(0).u8(0).u8(9).str("host").u8(255);
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(b.b.data(), b.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.fqdn, "");
  EXPECT_TRUE(d.fqdn_text.truncated);
}

TEST(Dhcp4, OverloadOptionIsRecordedNotFollowed) {
  Builder b = bootp_request();
  b.u8(53).u8(1).u8(1).u8(52).u8(1).u8(3).u8(255);
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(b.b.data(), b.size(), d), ParseStatus::kOk);
  EXPECT_EQ(options_of(d), (std::vector<uint16_t>{53, 52}));
}

TEST(Dhcp4, MissingEndIsTolerated) {
  Builder b = bootp_request();
  b.u8(53).u8(1).u8(1).u8(12).u8(2).str("ab");
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(b.b.data(), b.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.hostname, "ab");
}

TEST(Dhcp4, OptionPastEndIsMalformedButKeepsEarlierFields) {
  Builder b = bootp_request();
  b.u8(53).u8(1).u8(1).u8(12).u8(40).str("short");
  DhcpInfo d;
  EXPECT_EQ(parse_dhcp4(b.b.data(), b.size(), d), ParseStatus::kMalformed);
  EXPECT_EQ(d.msg_type, 1);
  EXPECT_TRUE(d.hostname.empty());
}

TEST(Dhcp4, NotDhcp) {
  DhcpInfo d;
  Builder plain_bootp = bootp_request();
  plain_bootp.b[236] = 0;  // no magic cookie
  EXPECT_EQ(parse_dhcp4(plain_bootp.b.data(), plain_bootp.size(), d), ParseStatus::kNotMine);
  Builder bad_op = bootp_request();
  bad_op.b[0] = 7;
  EXPECT_EQ(parse_dhcp4(bad_op.b.data(), bad_op.size(), d), ParseStatus::kNotMine);
  EXPECT_EQ(parse_dhcp4(nullptr, 0, d), ParseStatus::kMalformed);
}

TEST(Dhcp4, OptionOrderIsCapped) {
  Builder b = bootp_request();
  for (int i = 0; i < 100; ++i) b.u8(200).u8(0);
  b.u8(255);
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(b.b.data(), b.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.option_count, 64);
}

TEST(Dhcp4, EveryTruncationIsMalformedOrOk) {
  Bytes msg = test::read_sample("dlinkcam-dhcp-discover.bin");
  ASSERT_FALSE(msg.empty());
  DhcpInfo d;  // reused, like the Decoder's
  test::for_each_prefix(msg, [&](const uint8_t* p, size_t n) {
    ParseStatus st = parse_dhcp4(p, n, d);
    EXPECT_EQ(st, n < 240 ? ParseStatus::kMalformed : st) << n;
    EXPECT_NE(st, ParseStatus::kNotMine) << n;
    if (n >= 243) {  // option 53 (the first one) is whole
      EXPECT_EQ(d.msg_type, 1) << n;
    }
  });
}

TEST(Dhcp4, ReuseResetsFields) {
  Bytes cam = test::read_sample("dlinkcam-dhcp-discover.bin");
  Builder bare = bootp_request();
  bare.u8(53).u8(1).u8(1).u8(255);
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(cam.data(), cam.size(), d), ParseStatus::kOk);
  ASSERT_EQ(parse_dhcp4(bare.b.data(), bare.size(), d), ParseStatus::kOk);
  EXPECT_TRUE(d.hostname.empty());
  EXPECT_TRUE(d.vendor_class.empty());
  EXPECT_EQ(d.param_count, 0);
  EXPECT_EQ(options_of(d), (std::vector<uint16_t>{53}));
}

// ---- DHCPv6 ---------------------------------------------------------------------------
Builder solicit() {
  Builder b;
  b.u8(1).u24(0xabcdef);                                                              // SOLICIT, xid
  b.u16(1).u16(10).u16(3).u16(1).u8(2).u8(0x11).u8(0x22).u8(0x33).u8(0x44).u8(0x55);  // DUID-LL
  b.u16(6).u16(6).u16(23).u16(24).u16(39);                                            // ORO
  b.u16(16).u16(4 + 2 + 7 + 2 + 3).u32(4491).u16(7).str("acme-v1").u16(3).str("xyz");
  Builder fqdn;
  fqdn.name("dev.home");
  b.u16(39).u16(unsigned(1 + fqdn.size())).u8(0).bytes(fqdn.b);  // client FQDN
  b.u16(112).u16(17).str("https://m.example");                   // MUD URL
  b.u16(8).u16(2).u16(0);                                        // elapsed time
  return b;
}

TEST(Dhcp6, SolicitFields) {
  Builder b = solicit();
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp6(b.b.data(), b.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.version, 6);
  EXPECT_EQ(d.msg_type, 1);
  EXPECT_EQ(d.xid, 0xabcdefu);
  EXPECT_EQ(d.client_id.size(), 10u);
  EXPECT_EQ((std::vector<uint16_t>(d.oro, d.oro + d.oro_count)), (std::vector<uint16_t>{23, 24, 39}));
  EXPECT_EQ(d.vendor_class, "acme-v1");
  EXPECT_EQ(d.fqdn, "dev.home");
  EXPECT_EQ(d.mud_url, "https://m.example");
  EXPECT_EQ(options_of(d), (std::vector<uint16_t>{1, 6, 16, 39, 112, 8}));
}

TEST(Dhcp6, RelayForwardIsUnwrapped) {
  Builder inner = solicit();
  Builder relay;
  relay.u8(12).u8(0).zeros(32);  // RELAY-FORW, hop count, link and peer addresses
  relay.u16(18).u16(4).u32(7);   // interface-id
  relay.u16(9).u16(uint16_t(inner.size())).bytes(inner.b);
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp6(relay.b.data(), relay.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.msg_type, 1);
  EXPECT_EQ(d.vendor_class, "acme-v1");
}

TEST(Dhcp6, DeepRelayNestingIsMalformed) {
  Builder msg = solicit();
  for (int i = 0; i < 10; ++i) {
    Builder relay;
    relay.u8(12).u8(0).zeros(32).u16(9).u16(uint16_t(msg.size())).bytes(msg.b);
    msg = relay;
  }
  DhcpInfo d;
  EXPECT_EQ(parse_dhcp6(msg.b.data(), msg.size(), d), ParseStatus::kMalformed);
}

TEST(Dhcp6, EveryTruncationIsMalformedOrOk) {
  Builder b = solicit();
  DhcpInfo d;
  test::for_each_prefix(b.b, [&](const uint8_t* p, size_t n) {
    ParseStatus st = parse_dhcp6(p, n, d);
    EXPECT_NE(st, ParseStatus::kNotMine) << n;
    if (n < 4) {
      EXPECT_EQ(st, ParseStatus::kMalformed) << n;
    }
  });
}

TEST(Dhcp6, ReuseAfterV4ResetsFields) {
  Bytes cam = test::read_sample("dlinkcam-dhcp-discover.bin");
  DhcpInfo d;
  ASSERT_EQ(parse_dhcp4(cam.data(), cam.size(), d), ParseStatus::kOk);
  Builder b;
  b.u8(11).u24(1).u16(8).u16(2).u16(0);  // INFORMATION-REQUEST
  ASSERT_EQ(parse_dhcp6(b.b.data(), b.size(), d), ParseStatus::kOk);
  EXPECT_EQ(d.version, 6);
  EXPECT_TRUE(d.hostname.empty());
  EXPECT_TRUE(d.vendor_class.empty());
  EXPECT_TRUE(d.chaddr.is_zero());
  EXPECT_EQ(d.param_count, 0);
}

}  // namespace
}  // namespace sekisho::decode
