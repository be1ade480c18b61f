#include "core/net.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using sekisho::core::IpAddr;
using sekisho::core::IpPrefix;
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

// IPv6 text is hand-formatted; it must be what inet_ntop writes.
TEST(IpAddr, V6FormatMatchesInetNtop) {
  std::vector<std::array<uint8_t, 16>> cases;
  auto words = [&](std::initializer_list<unsigned> w) {
    std::array<uint8_t, 16> a{};
    size_t i = 0;
    for (unsigned v : w) {
      a[i++] = uint8_t(v >> 8);
      a[i++] = uint8_t(v);
    }
    cases.push_back(a);
  };
  words({0, 0, 0, 0, 0, 0, 0, 0});
  words({0, 0, 0, 0, 0, 0, 0, 1});
  words({1, 0, 0, 0, 0, 0, 0, 0});
  words({0xfe80, 0, 0, 0, 0x1234, 0xabcd, 0, 1});
  words({0xff02, 0, 0, 0, 0, 0, 0, 0xfb});
  words({0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0101});  // ::ffff:192.168.1.1
  words({0, 0, 0, 0, 0, 0, 0xc0a8, 0x0101});       // ::192.168.1.1
  words({0, 0, 0, 0, 0, 0xfffe, 0xc0a8, 0x0101});
  words({1, 0, 0, 2, 0, 0, 0, 3});
  words({1, 0, 0, 2, 0, 0, 3, 4});
  words({1, 0, 2, 0, 3, 0, 4, 0});
  words({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1});
  uint64_t x = 88172645463325252ull;
  for (int k = 0; k < 20000; ++k) {
    std::array<uint8_t, 16> a{};
    for (auto& byte : a) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      byte = (x % 3 == 0) ? uint8_t(x >> 32) : 0;  // plenty of zero runs
    }
    cases.push_back(a);
  }
  for (const auto& a : cases) {
    IpAddr ip = IpAddr::v6(a.data());
    char want[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, a.data(), want, sizeof want), nullptr);
    char got[48];
    size_t n = ip.format(got);
    EXPECT_EQ(std::string(got, n), std::string(want));
  }
}

TEST(IpPrefix, ParseContainsAndClearsHostBits) {
  auto p = IpPrefix::parse("192.168.1.77/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->to_string(), "192.168.1.0/24");
  EXPECT_TRUE(p->contains(*IpAddr::parse("192.168.1.200")));
  EXPECT_FALSE(p->contains(*IpAddr::parse("192.168.2.1")));
  EXPECT_FALSE(p->contains(*IpAddr::parse("::1")));
  auto odd = IpPrefix::parse("10.0.0.0/9");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(*IpAddr::parse("10.127.255.255")));
  EXPECT_FALSE(odd->contains(*IpAddr::parse("10.128.0.0")));
  auto host = IpPrefix::parse("2001:db8::1");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->len, 128);
  EXPECT_TRUE(IpPrefix::parse("fe80::/10")->contains(*IpAddr::parse("fe80::1")));
  EXPECT_TRUE(IpPrefix::parse("0.0.0.0/0")->contains(*IpAddr::parse("8.8.8.8")));
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/a", "::/129", "nope/8", "10.0.0.0/0008"})
    EXPECT_FALSE(IpPrefix::parse(bad)) << bad;
}

TEST(MacAddr, ParsesTwelveHexDigitsAsInFileNames) {
  EXPECT_EQ(MacAddr::parse("50c7bf00fca3"), MacAddr::parse("50:c7:bf:00:fc:a3"));
  EXPECT_FALSE(MacAddr::parse("50c7bf00fca"));
  EXPECT_FALSE(MacAddr::parse("50c7bf00fcag"));
}

TEST(IpPrefix, ParseList) {
  std::vector<IpPrefix> out;
  EXPECT_TRUE(IpPrefix::parse_list("10.0.0.0/8,fd00::/8,192.168.1.1", out));
  EXPECT_EQ(out.size(), 3u);
  EXPECT_FALSE(IpPrefix::parse_list("10.0.0.0/8,,", out));
  EXPECT_FALSE(IpPrefix::parse_list("", out));
  EXPECT_EQ(out.size(), 3u);  // unchanged on error
}
