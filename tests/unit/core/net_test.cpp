#include "core/net.h"

#include <gtest/gtest.h>

using sekisho::core::IpAddr;
using sekisho::core::MacAddr;

TEST(MacAddr, ParseFormatRoundTrip) {
  auto m = MacAddr::parse("20:F8:5E:ca:91:52\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "20:f8:5e:ca:91:52");
  EXPECT_EQ(m->oui(), 0x20f85eu);
  EXPECT_FALSE(m->is_local());
  EXPECT_TRUE(MacAddr::parse("20-f8-5e-ca-91-52"));
}

TEST(MacAddr, RejectsMalformed) {
  EXPECT_FALSE(MacAddr::parse(""));
  EXPECT_FALSE(MacAddr::parse("20:f8:5e:ca:91"));
  EXPECT_FALSE(MacAddr::parse("20:f8:5e:ca:91:5g"));
  EXPECT_FALSE(MacAddr::parse("20:f8:5e:ca:91:522"));
}

TEST(MacAddr, Flags) {
  EXPECT_TRUE(MacAddr::parse("ff:ff:ff:ff:ff:ff")->is_broadcast());
  EXPECT_TRUE(MacAddr::parse("01:00:5e:00:00:fb")->is_multicast());
  EXPECT_TRUE(MacAddr::parse("da:a1:19:00:00:01")->is_local());  // randomised
}

TEST(IpAddr, ParseAndScope) {
  auto a = IpAddr::parse("192.168.1.20");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_TRUE(a->is_local_scope());
  EXPECT_EQ(a->to_string(), "192.168.1.20");
  EXPECT_FALSE(IpAddr::parse("8.8.8.8")->is_local_scope());
  EXPECT_TRUE(IpAddr::parse("172.31.0.1")->is_local_scope());
  EXPECT_FALSE(IpAddr::parse("172.32.0.1")->is_local_scope());
  EXPECT_TRUE(IpAddr::parse("fe80::1")->is_local_scope());
  EXPECT_TRUE(IpAddr::parse("fd00::1")->is_local_scope());
  EXPECT_FALSE(IpAddr::parse("2001:db8::1")->is_local_scope());
  EXPECT_TRUE(IpAddr::parse("224.0.0.251")->is_multicast());
  EXPECT_TRUE(IpAddr::parse("ff02::fb")->is_multicast());
  EXPECT_TRUE(IpAddr::parse("0.0.0.0")->is_unspecified());
  EXPECT_FALSE(IpAddr::parse("300.1.1.1"));
  EXPECT_EQ(IpAddr::v4(0xc0a80001u).to_string(), "192.168.0.1");
}
