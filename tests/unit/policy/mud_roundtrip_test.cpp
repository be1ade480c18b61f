// write_mud: parse -> write -> parse gives an equal model, for every real MUD file.
#include <gtest/gtest.h>

#include <string>

#include "mud_test_util.h"
#include "policy/mud.h"

namespace sekisho::policy {
namespace {

TEST(MudRoundTrip, EverySharedFile) {
  const auto files = testing::shared_mud_files();
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    auto first = load_mud_file(f);
    ASSERT_TRUE(first.ok()) << first.error().message();
    const std::string written = write_mud(*first);
    std::vector<core::Error> warnings;
    auto second = parse_mud(written, f + " (written)", &warnings);
    ASSERT_TRUE(second.ok()) << second.error().message() << "\n" << written;
    EXPECT_TRUE(*first == *second) << f;
    // What we write is RFC 8520: no draft spellings left to warn about.
    for (const auto& w : warnings) EXPECT_EQ(w.what.find("draft"), std::string::npos) << w.message();
    EXPECT_NE(written.find("\"ietf-access-control-list:acls\""), std::string::npos) << f;
    EXPECT_EQ(written.find("\"ietf-access-control-list:access-lists\""), std::string::npos) << f;
    EXPECT_EQ(write_mud(*second), written) << f;  // a fixed point
  }
}

TEST(MudRoundTrip, EveryFieldSurvives) {
  MudFile m;
  m.mud_url = "https://x.example.com/dev";
  m.last_update = "2024-02-03T04:05:06.7Z";
  m.mud_signature = "https://x.example.com/dev.p7s";
  m.cache_validity = 12;
  m.is_supported = false;
  m.systeminfo = "dev";
  m.mfg_name = "X";
  m.model_name = "D";
  m.firmware_rev = "1.0";
  m.software_rev = "2.0";
  m.documentation = "https://x.example.com/doc";
  m.extensions = {"ext-a", "ext-b"};
  m.mud_augmentations = {{"ex:thing", R"({"a":[1,2,{"b":null}]})"}};
  m.top_augmentations = {{"ex:top", "\"s\""}};
  m.from_device_policy = {"v4", "v6", "eth"};
  m.to_device_policy = {"v4"};
  Acl v4{"v4", AclType::kIpv4, {}};
  Ace a;
  a.name = "a";
  a.matches.ipv4 = IpMatch{6, std::nullopt, std::nullopt, std::nullopt, IpPrefix{*core::IpAddr::parse("10.1.0.0"), 16}};
  a.matches.tcp = TransportMatch{PortMatch{PortOperator::kGte, 1024, 0}, PortMatch{PortOperator::kRange, 80, 90},
                                 Direction::kToDevice};
  a.forwarding = Forwarding::kReject;
  a.logging = "ietf-access-control-list:local-log";
  v4.aces.push_back(a);
  Ace b;
  b.name = "b";
  b.matches.ipv4 = IpMatch{1, std::nullopt, "h.example.com", std::nullopt, std::nullopt};
  b.matches.icmp = IcmpMatch{8, 0};
  b.matches.mud = MudMatch{Abstraction::kController, "urn:ietf:params:mud:gateway"};
  b.forwarding = Forwarding::kDrop;
  v4.aces.push_back(b);
  Ace c;
  c.name = "c";
  c.matches.mud = MudMatch{Abstraction::kModel, "https://y.example.com/m"};
  c.matches.udp =
      TransportMatch{PortMatch{PortOperator::kNeq, 53, 0}, PortMatch{PortOperator::kLte, 100, 0}, std::nullopt};
  v4.aces.push_back(c);
  m.acls.push_back(v4);
  Acl v6{"v6", AclType::kIpv6, {}};
  Ace d;
  d.name = "d";
  d.matches.ipv6 = IpMatch{17, std::nullopt, std::nullopt, IpPrefix{*core::IpAddr::parse("fe80::"), 10}, std::nullopt};
  v6.aces.push_back(d);
  m.acls.push_back(v6);
  Acl eth{"eth", AclType::kEth, {}};
  Ace e;
  e.name = "e";
  e.matches.eth =
      EthMatch{0x0806, core::MacAddr::parse("ff:ff:ff:ff:ff:ff"), core::MacAddr::parse("02:00:00:00:00:01")};
  e.matches.mud = MudMatch{Abstraction::kSameManufacturer, ""};
  eth.aces.push_back(e);
  m.acls.push_back(eth);

  std::vector<core::Error> warnings;
  auto back = parse_mud(write_mud(m), "t.json", &warnings);
  ASSERT_TRUE(back.ok()) << back.error().message() << "\n" << write_mud(m);
  EXPECT_TRUE(*back == m) << write_mud(*back) << "\n---\n" << write_mud(m);
}

}  // namespace
}  // namespace sekisho::policy
