// compile(): MUD files -> DevicePolicy rules, on the NIST MUD unit-test files (one per
// abstraction) and the Cisco luminaire.
#include <gtest/gtest.h>

#include <string>

#include "mud_test_util.h"
#include "policy/mud.h"

namespace sekisho::policy {
namespace {

const core::MacAddr kMac = *core::MacAddr::parse("00:11:22:33:44:55");

DevicePolicy compile_shared(const std::string& rel) {
  const std::string path = testing::shared_mud_dir() + "/" + rel;
  auto p = load_policy(path, kMac);
  EXPECT_TRUE(p.ok()) << p.error().message();
  return p.ok() ? *p : DevicePolicy{};
}

const Rule* find(const DevicePolicy& p, const std::string& ace) {
  for (const auto& r : p.rules)
    if (r.ace == ace) return &r;
  return nullptr;
}

TEST(MudCompile, LuminaireRules) {
  const auto p = compile_shared("cisco/Luminaire_150.json");
  EXPECT_EQ(p.mac, kMac);
  EXPECT_EQ(p.mud_url, "https://luminaire.example.com/Luminaire_150");
  EXPECT_TRUE(p.source.ends_with("Luminaire_150.json"));
  ASSERT_EQ(p.rules.size(), 6u);
  // From-device ACLs first.
  const Rule& cl0 = p.rules[0];
  EXPECT_EQ(cl0.acl, "mud-21966-v4fr");
  EXPECT_EQ(cl0.ace, "cl0-frdev");
  EXPECT_EQ(cl0.direction, Direction::kFromDevice);
  EXPECT_EQ(cl0.family, 4);
  EXPECT_EQ(cl0.protocol, 6);
  EXPECT_EQ(cl0.peer.kind, PeerKind::kDnsName);
  EXPECT_EQ(cl0.peer.name, "fw-update.luminaire.example.com");
  EXPECT_TRUE(cl0.src_port.any());
  EXPECT_EQ(cl0.dst_port.lo, 443);
  EXPECT_EQ(cl0.dst_port.hi, 443);
  EXPECT_EQ(cl0.initiated, Initiator::kDevice);
  EXPECT_TRUE(cl0.accept);
  const Rule* todev = find(p, "cl0-todev");
  ASSERT_NE(todev, nullptr);
  EXPECT_EQ(todev->direction, Direction::kToDevice);
  EXPECT_EQ(todev->peer.kind, PeerKind::kDnsName);
  EXPECT_EQ(todev->src_port.lo, 443);
  EXPECT_TRUE(todev->dst_port.any());
  const Rule* myctl = find(p, "myctl0-frdev");
  ASSERT_NE(myctl, nullptr);
  EXPECT_EQ(myctl->peer.kind, PeerKind::kMyController);
  EXPECT_EQ(myctl->peer.name, p.mud_url);
  EXPECT_EQ(myctl->protocol, 17);
  EXPECT_EQ(myctl->initiated, Initiator::kEither);
  EXPECT_EQ(find(p, "loc0-todev")->peer.kind, PeerKind::kLocalNetworks);
}

TEST(MudCompile, Manufacturer) {
  const auto p = compile_shared("nist-unittest/mud-mfg-test__mudfile-mfg-test.json");
  ASSERT_EQ(p.rules.size(), 4u);
  const Rule* r = find(p, "man1-frdev");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->peer.kind, PeerKind::kManufacturer);
  EXPECT_EQ(r->peer.name, "hairbrush.nist.local");
  EXPECT_EQ(r->protocol, 6);
  EXPECT_EQ(r->dst_port.lo, 8010);
  EXPECT_EQ(r->initiated, Initiator::kDevice);
  EXPECT_EQ(find(p, "man0-todev")->peer.name, "toothbrush.nist.local");
  EXPECT_EQ(find(p, "man0-todev")->src_port.lo, 8008);
}

TEST(MudCompile, Model) {
  const auto p = compile_shared("nist-unittest/mud-model-test__mudfile-model-test.json");
  ASSERT_EQ(p.rules.size(), 4u);
  const Rule* r = find(p, "man0-frdev");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->peer.kind, PeerKind::kModel);
  EXPECT_EQ(r->peer.name, "https://toothbrush.nist.local/super1");
}

TEST(MudCompile, SameManufacturerIsThisFilesAuthority) {
  const auto p = compile_shared("nist-unittest/mud-same-manufacturer-test__mudfile-same-manufacturer-test.json");
  ASSERT_EQ(p.rules.size(), 2u);
  for (const auto& r : p.rules) {
    EXPECT_EQ(r.peer.kind, PeerKind::kSameManufacturer);
    EXPECT_EQ(r.peer.name, "same-manufacturer-test.nist.local");
    EXPECT_EQ(r.protocol, 0);  // no L3/L4 match: everything to and from the manufacturer's devices
    EXPECT_EQ(r.family, 4);    // from the ACL type
  }
  EXPECT_EQ(p.rules[0].direction, Direction::kFromDevice);
  EXPECT_EQ(p.rules[1].direction, Direction::kToDevice);
}

TEST(MudCompile, LocalNetworks) {
  const auto p = compile_shared("nist-unittest/mud-local-networks-test__mudfile-local-networks-test.json");
  ASSERT_EQ(p.rules.size(), 4u);
  const Rule* r = find(p, "loc0-frdev");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->peer.kind, PeerKind::kLocalNetworks);
  EXPECT_TRUE(r->peer.name.empty());
  EXPECT_EQ(r->src_port.lo, 80);
  EXPECT_EQ(r->initiated, Initiator::kRemote);
}

TEST(MudCompile, Controller) {
  const auto p = compile_shared("nist-unittest/mud-controllerclass-test__mudfile-controllerclass-test.json");
  ASSERT_EQ(p.rules.size(), 2u);
  EXPECT_EQ(p.rules[0].peer.kind, PeerKind::kController);
  EXPECT_EQ(p.rules[0].peer.name, "https://controller.nist.local");
  EXPECT_EQ(p.rules[0].dst_port.lo, 80);
}

TEST(MudCompile, MyController) {
  const auto p = compile_shared("nist-unittest/mud-mycontrollerclass-test__mudfile-mycontrollerclass-test.json");
  ASSERT_EQ(p.rules.size(), 8u);
  const Rule* r = find(p, "myctl0-frdev");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->peer.kind, PeerKind::kMyController);
  EXPECT_EQ(r->dst_port.lo, 8002);
  EXPECT_EQ(find(p, "myman0-todev")->peer.name, "mycontrollerclass-test.nist.local");
}

TEST(MudCompile, TcpDirection) {
  const auto p = compile_shared("nist-unittest/mud-tcp-direction-test__mudfile-tcp-direction-test.json");
  ASSERT_EQ(p.rules.size(), 4u);
  EXPECT_EQ(find(p, "loc0-frdev")->initiated, Initiator::kDevice);
  EXPECT_EQ(find(p, "loc1-frdev")->initiated, Initiator::kRemote);
  EXPECT_EQ(find(p, "loc1-todev")->dst_port.lo, 8000);
}

TEST(MudCompile, MudgeeNetworksAndEthernet) {
  const auto p = compile_shared("mudgee-barmey/uk_yi_cameraMud.json");
  bool network = false, arp = false, gateway = false;
  for (const auto& r : p.rules) {
    network |= r.peer.kind == PeerKind::kNetwork && r.peer.prefix == 32 && !r.peer.net.empty();
    arp |= r.ethertype == 0x0806 && r.family == 0;
    gateway |= r.peer.kind == PeerKind::kController && r.peer.name == "urn:ietf:params:mud:gateway";
  }
  EXPECT_TRUE(network);
  EXPECT_TRUE(arp);
  EXPECT_TRUE(gateway);
}

TEST(MudCompile, AclInBothPoliciesAndNeqPorts) {
  MudFile m;
  m.mud_url = "https://a.example.com/x";
  m.from_device_policy = {"both"};
  m.to_device_policy = {"both"};
  Acl acl{"both", AclType::kIpv6, {}};
  Ace ace;
  ace.name = "not-dns";
  ace.matches.udp = TransportMatch{std::nullopt, PortMatch{PortOperator::kNeq, 53, 0}, std::nullopt};
  ace.forwarding = Forwarding::kDrop;
  acl.aces.push_back(ace);
  Ace icmp;
  icmp.name = "ping";
  icmp.matches.icmp = IcmpMatch{128, std::nullopt};
  acl.aces.push_back(icmp);
  m.acls.push_back(acl);
  const auto p = compile(m, kMac, "t");
  ASSERT_EQ(p.rules.size(), 6u);  // (2 neq halves + 1 icmp) x 2 directions
  EXPECT_EQ(p.rules[0].dst_port.lo, 0);
  EXPECT_EQ(p.rules[0].dst_port.hi, 52);
  EXPECT_EQ(p.rules[1].dst_port.lo, 54);
  EXPECT_EQ(p.rules[1].dst_port.hi, 65535);
  EXPECT_FALSE(p.rules[0].accept);
  EXPECT_EQ(p.rules[0].protocol, 17);
  EXPECT_EQ(p.rules[2].protocol, 58);
  EXPECT_EQ(p.rules[2].icmp_type, 128);
  EXPECT_EQ(p.rules[2].icmp_code, -1);
  EXPECT_EQ(p.rules[3].direction, Direction::kToDevice);
}

TEST(MudCompile, LoadPolicyReportsErrors) {
  auto p = load_policy("/nonexistent/x.json", kMac);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(p.error().where, "/nonexistent/x.json");
}

}  // namespace
}  // namespace sekisho::policy
