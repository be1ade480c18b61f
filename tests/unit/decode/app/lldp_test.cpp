#include <gtest/gtest.h>

#include "app_test_util.h"
#include "decode/app/app.h"

namespace sekisho::decode {
namespace {

using test::Builder;
using test::Bytes;

Builder& tlv(Builder& b, unsigned type, const Bytes& value) {
  return b.u16((type << 9) | unsigned(value.size())).bytes(value);
}
Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes with_subtype(uint8_t subtype, const Bytes& v) {
  Bytes out{subtype};
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

const Bytes kMac = {0x00, 0x1b, 0x21, 0x3c, 0x9d, 0xf8};

// Laid out like a managed switch's LLDPDU (mandatory TLVs, then port description, system
// name/description, capabilities, management address, IEEE 802.1/802.3 org TLVs), with the
// RFC 8520 MUD URL TLV added. The IoT Sentinel captures hold no LLDP (the devices are Wi-Fi).
Bytes switch_lldpdu() {
  Builder b;
  tlv(b, 1, with_subtype(4, kMac));             // chassis: MAC
  tlv(b, 2, with_subtype(5, text("gi1/0/7")));  // port: ifName
  tlv(b, 3, {0x00, 0x78});                      // TTL 120
  tlv(b, 4, text("GigabitEthernet1/0/7"));
  tlv(b, 5, text("access-sw-3"));
  tlv(b, 6, text("Cisco IOS Software, C2960 Software, Version 15.0(2)SE11"));
  tlv(b, 7, {0x00, 0x14, 0x00, 0x04});                                  // capabilities
  tlv(b, 8, {0x05, 0x01, 10, 0, 0, 2, 0x02, 0, 0, 0, 1, 0x00});         // mgmt address
  tlv(b, 127, {0x00, 0x80, 0xc2, 0x01, 0x00, 0x0a});                    // 802.1 PVID
  tlv(b, 127, {0x00, 0x12, 0x0f, 0x01, 0x03, 0x6c, 0x00, 0x00, 0x10});  // 802.3 MAC/PHY
  Bytes mud = {0x00, 0x00, 0x5e, 0x01};
  Bytes url = text("https://mud.example.com/switch.json");
  mud.insert(mud.end(), url.begin(), url.end());
  tlv(b, 127, mud);
  tlv(b, 0, {});
  b.zeros(10);  // Ethernet padding after End
  return b.b;
}

TEST(Lldp, SwitchLldpduWithMudUrl) {
  Bytes msg = switch_lldpdu();
  LldpInfo l;
  ASSERT_EQ(parse_lldp(msg.data(), msg.size(), l), ParseStatus::kOk);
  EXPECT_EQ(l.chassis_subtype, 4);
  EXPECT_EQ(l.chassis_id, test::as_text(kMac));
  EXPECT_EQ(l.port_subtype, 5);
  EXPECT_EQ(l.port_id, "gi1/0/7");
  EXPECT_EQ(l.ttl, 120);
  EXPECT_EQ(l.port_description, "GigabitEthernet1/0/7");
  EXPECT_EQ(l.system_name, "access-sw-3");
  EXPECT_EQ(l.system_description, "Cisco IOS Software, C2960 Software, Version 15.0(2)SE11");
  EXPECT_EQ(l.mud_url, "https://mud.example.com/switch.json");
}

TEST(Lldp, OtherOrgSpecificTlvsAreNotMudUrls) {
  Builder b;
  tlv(b, 1, with_subtype(4, kMac));
  tlv(b, 2, with_subtype(3, kMac));
  tlv(b, 3, {0x00, 0x10});
  tlv(b, 127, {0x00, 0x00, 0x5e, 0x02, 'x'});  // IANA OUI, other subtype
  tlv(b, 127, {0x00, 0x80, 0xc2, 0x01, 'y'});  // 802.1 subtype 1
  tlv(b, 127, {0x00, 0x00, 0x5e});             // too short for a subtype
  LldpInfo l;
  ASSERT_EQ(parse_lldp(b.b.data(), b.size(), l), ParseStatus::kOk);  // End is optional
  EXPECT_TRUE(l.mud_url.empty());
}

TEST(Lldp, MandatoryOrderErrorsAreMalformedButKeepFields) {
  Builder b;
  tlv(b, 3, {0x00, 0x78});
  tlv(b, 1, with_subtype(4, kMac));
  tlv(b, 2, with_subtype(5, text("eth0")));
  tlv(b, 5, text("sensor"));
  tlv(b, 0, {});
  LldpInfo l;
  EXPECT_EQ(parse_lldp(b.b.data(), b.size(), l), ParseStatus::kMalformed);
  EXPECT_EQ(l.ttl, 120);
  EXPECT_EQ(l.port_id, "eth0");
  EXPECT_EQ(l.system_name, "sensor");
}

TEST(Lldp, MissingMandatoryTlvIsMalformed) {
  Builder b;
  tlv(b, 1, with_subtype(4, kMac));
  tlv(b, 2, with_subtype(5, text("eth0")));
  tlv(b, 0, {});
  LldpInfo l;
  EXPECT_EQ(parse_lldp(b.b.data(), b.size(), l), ParseStatus::kMalformed);
  EXPECT_EQ(parse_lldp(nullptr, 0, l), ParseStatus::kMalformed);
}

TEST(Lldp, ShortMandatoryValuesAreMalformed) {
  Builder b;
  tlv(b, 1, {4});  // subtype without an id
  tlv(b, 2, with_subtype(5, text("eth0")));
  tlv(b, 3, {0x00});
  tlv(b, 0, {});
  LldpInfo l;
  EXPECT_EQ(parse_lldp(b.b.data(), b.size(), l), ParseStatus::kMalformed);
  EXPECT_TRUE(l.chassis_id.empty());
}

TEST(Lldp, TlvPastTheFrameIsMalformed) {
  Builder b;
  tlv(b, 1, with_subtype(4, kMac));
  tlv(b, 2, with_subtype(5, text("eth0")));
  tlv(b, 3, {0x00, 0x78});
  b.u16((5 << 9) | 511).str("abc");
  LldpInfo l;
  EXPECT_EQ(parse_lldp(b.b.data(), b.size(), l), ParseStatus::kMalformed);
  EXPECT_EQ(l.ttl, 120);
  EXPECT_TRUE(l.system_name.empty());
}

TEST(Lldp, EveryTruncationIsConsistent) {
  Bytes msg = switch_lldpdu();
  LldpInfo l;
  size_t mandatory_end = 2 + 7 + 2 + 8 + 2 + 2;  // chassis, port, TTL
  test::for_each_prefix(msg, [&](const uint8_t* p, size_t n) {
    ParseStatus st = parse_lldp(p, n, l);
    EXPECT_NE(st, ParseStatus::kNotMine) << n;
    if (n < mandatory_end) {
      EXPECT_EQ(st, ParseStatus::kMalformed) << n;
    }
    if (n == mandatory_end) {
      EXPECT_EQ(st, ParseStatus::kOk) << n;
    }
  });
}

TEST(Lldp, ReuseResetsFields) {
  Bytes full = switch_lldpdu();
  Builder bare;
  tlv(bare, 1, with_subtype(4, kMac));
  tlv(bare, 2, with_subtype(3, kMac));
  tlv(bare, 3, {0x00, 0x10});
  LldpInfo l;
  ASSERT_EQ(parse_lldp(full.data(), full.size(), l), ParseStatus::kOk);
  ASSERT_EQ(parse_lldp(bare.b.data(), bare.size(), l), ParseStatus::kOk);
  EXPECT_TRUE(l.mud_url.empty());
  EXPECT_TRUE(l.system_name.empty());
  EXPECT_EQ(l.ttl, 16);
}

}  // namespace
}  // namespace sekisho::decode
