// The policy monitor (flow checks against compiled policies), DNS-name binding from the
// answers a device received, and profile learning.
#include "watch/policy_monitor.h"

#include <gtest/gtest.h>

#include <cstring>

#include "policy/mud.h"
#include "watch/dns_binding.h"
#include "watch/mud_learn.h"

namespace sekisho::watch {
namespace {

using core::IpAddr;
using core::MacAddr;
using policy::Direction;
using policy::PeerKind;

const MacAddr kDev = *MacAddr::parse("50:c7:bf:00:fc:a3");
const MacAddr kGw = *MacAddr::parse("00:b5:6d:06:08:ba");
const MacAddr kHub = *MacAddr::parse("1c:5f:2b:aa:fd:4e");
constexpr core::TimeNs kT0 = 1'500'000'000 * core::kNsPerSec;

void set_name(decode::DnsName& n, const char* s) {
  n.clear();
  n.append(s);
}

// A response that `name` is a CNAME of `alias`, which has address `addr`, with `ttl`.
decode::DnsMessage answer(const char* name, const char* alias, const char* addr, uint32_t ttl) {
  decode::DnsMessage m;
  m.is_response = true;
  set_name(m.questions[0].name, name);
  m.questions[0].qtype = 1;
  m.question_count = 1;
  size_t i = 0;
  if (alias) {
    set_name(m.records[i].name, name);
    m.records[i].type = 5;
    m.records[i].ttl = ttl;
    set_name(m.records[i].target, alias);
    ++i;
  }
  set_name(m.records[i].name, alias ? alias : name);
  m.records[i].type = 1;
  m.records[i].ttl = ttl;
  m.records[i].addr = *IpAddr::parse(addr);
  m.record_count = uint8_t(i + 1);
  m.answer_count = m.record_count;
  return m;
}

decode::PacketView packet(const MacAddr& smac, const char* sip, uint16_t sport, const MacAddr& dmac, const char* dip,
                          uint16_t dport, uint8_t proto = 6, core::TimeNs ts = kT0) {
  decode::PacketView pv;
  pv.ts = ts;
  pv.has_eth = true;
  pv.src_mac = smac;
  pv.dst_mac = dmac;
  pv.src_ip = *IpAddr::parse(sip);
  pv.dst_ip = *IpAddr::parse(dip);
  pv.l3 = pv.src_ip.is_v4() ? decode::L3::kIpv4 : decode::L3::kIpv6;
  pv.ip_proto = proto;
  pv.has_l4 = true;
  pv.src_port = sport;
  pv.dst_port = dport;
  if (proto == 6) pv.tcp_flags = decode::tcp::kSyn;  // a flow's first packet: the opener's SYN
  return pv;
}

policy::Rule rule(Direction dir, uint8_t proto, PeerKind peer, const char* name, uint16_t lo, uint16_t hi,
                  bool dst_port = true) {
  policy::Rule r;
  r.acl = dir == Direction::kFromDevice ? "from" : "to";
  r.ace = std::string(r.acl) + "-" + std::to_string(lo);
  r.direction = dir;
  r.family = 4;
  r.protocol = proto;
  r.peer.kind = peer;
  if (name) r.peer.name = name;
  (dst_port ? r.dst_port : r.src_port) = policy::PortRange{lo, hi};
  return r;
}

TEST(DnsBindings, FollowsCnamesAndExpires) {
  DnsBindings b(DnsBindingConfig{10 * core::kNsPerSec, 4096});
  b.learn(kDev, answer("API.Example.com.", "edge.cdn.net", "203.0.113.9", 60), kT0);
  const IpAddr a = *IpAddr::parse("203.0.113.9");
  EXPECT_TRUE(b.bound(kDev, a, "api.example.com", kT0));
  EXPECT_TRUE(b.bound(kDev, a, "edge.cdn.net.", kT0));
  EXPECT_FALSE(b.bound(kHub, a, "api.example.com", kT0));                         // another device was not told
  EXPECT_TRUE(b.bound(kDev, a, "api.example.com", kT0 + 70 * core::kNsPerSec));   // ttl + grace
  EXPECT_FALSE(b.bound(kDev, a, "api.example.com", kT0 + 71 * core::kNsPerSec));  // past both
  auto names = b.names(kDev, a, kT0);
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "api.example.com");  // the name asked for comes first
}

TEST(DnsBindings, CapPerDeviceHolds) {
  DnsBindings b(DnsBindingConfig{0, 16});
  for (int i = 0; i < 100; ++i) {
    const std::string ip = "198.51.100." + std::to_string(i);
    const std::string name = "h" + std::to_string(i) + ".example";
    b.learn(kDev, answer(name.c_str(), nullptr, ip.c_str(), 300 + uint32_t(i)), kT0);
  }
  EXPECT_LE(b.size(), 16u);
  EXPECT_TRUE(b.bound(kDev, *IpAddr::parse("198.51.100.99"), "h99.example", kT0));  // newest kept
}

TEST(DnsBindings, IgnoresErrorsAndQueries) {
  DnsBindings b;
  auto m = answer("x.example", nullptr, "192.0.2.1", 60);
  m.rcode = 3;
  b.learn(kDev, m, kT0);
  m.rcode = 0;
  m.is_response = false;
  b.learn(kDev, m, kT0);
  EXPECT_EQ(b.size(), 0u);
}

class PolicyMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PolicyMonitorConfig cfg;
    cfg.controllers["urn:ietf:params:mud:dns"] = {*core::IpPrefix::parse("10.10.10.1")};
    pm_ = std::make_unique<PolicyMonitor>(cfg);
    policy::DevicePolicy p;
    p.mac = kDev;
    p.mud_url = "https://plug.example/plug1";
    p.source = "test";
    auto cloud = rule(Direction::kFromDevice, 6, PeerKind::kDnsName, "api.example.com", 443, 443);
    cloud.initiated = policy::Initiator::kDevice;
    p.rules.push_back(cloud);
    p.rules.push_back(rule(Direction::kFromDevice, 17, PeerKind::kController, "urn:ietf:params:mud:dns", 53, 53));
    p.rules.push_back(rule(Direction::kToDevice, 6, PeerKind::kLocalNetworks, nullptr, 9999, 9999));
    p.rules.push_back(rule(Direction::kFromDevice, 17, PeerKind::kNetwork, nullptr, 10000, 20000));
    p.rules.back().peer.net = *IpAddr::parse("198.51.100.0");
    p.rules.back().peer.prefix = 24;
    auto deny = rule(Direction::kFromDevice, 6, PeerKind::kAny, nullptr, 23, 23);
    deny.accept = false;
    deny.ace = "no-telnet";
    p.rules.push_back(deny);
    auto same = rule(Direction::kFromDevice, 6, PeerKind::kSameManufacturer, nullptr, 80, 80);
    same.peer.name.clear();
    p.rules.push_back(same);
    pm_->bind(p);
  }
  std::vector<PolicyViolation> check(const decode::PacketView& pv) {
    std::vector<PolicyViolation> out;
    pm_->check_new_flow(
        pv,
        [](const MacAddr& m) -> std::string_view {
          if (m == kHub) return "https://PLUG.example:443/hub";
          return {};
        },
        out);
    return out;
  }
  std::unique_ptr<PolicyMonitor> pm_;
};

TEST_F(PolicyMonitorTest, DnsNameBoundThroughTheDevicesOwnAnswers) {
  auto flow = packet(kDev, "10.10.10.228", 40000, kGw, "203.0.113.9", 443);
  EXPECT_EQ(check(flow).size(), 1u);  // not told yet
  pm_->learn_dns(kDev, answer("api.example.com", "edge.cdn.net", "203.0.113.9", 60), kT0 - core::kNsPerSec);
  EXPECT_TRUE(check(flow).empty());
  auto other = packet(kDev, "10.10.10.228", 40001, kGw, "203.0.113.10", 443);
  auto v = check(other);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].nearest->ace, "from-443");
  EXPECT_NE(v[0].mismatch.find("is not dnsname api.example.com"), std::string::npos) << v[0].mismatch;
}

TEST_F(PolicyMonitorTest, ControllerLocalNetworksAndPrefix) {
  EXPECT_TRUE(check(packet(kDev, "10.10.10.228", 5000, kGw, "10.10.10.1", 53, 17)).empty());
  EXPECT_EQ(check(packet(kDev, "10.10.10.228", 5000, kGw, "10.10.10.2", 53, 17)).size(), 1u);
  EXPECT_TRUE(check(packet(kHub, "10.10.10.5", 3333, kDev, "10.10.10.228", 9999)).empty());
  EXPECT_EQ(check(packet(kGw, "8.8.8.8", 3333, kDev, "10.10.10.228", 9999)).size(), 1u);
  EXPECT_TRUE(check(packet(kDev, "10.10.10.228", 5000, kGw, "198.51.100.7", 12345, 17)).empty());
  auto v = check(packet(kDev, "10.10.10.228", 5000, kGw, "198.51.100.7", 20001, 17));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].mismatch.find("destination-port 20001 (ACE allows 10000-20000)"), std::string::npos) << v[0].mismatch;
}

TEST_F(PolicyMonitorTest, DirectionInitiatedAndExplicitDeny) {
  pm_->learn_dns(kDev, answer("api.example.com", nullptr, "203.0.113.9", 600), kT0);
  // The cloud may not open a connection to the device on the port the device uses.
  auto v = check(packet(kGw, "203.0.113.9", 443, kDev, "10.10.10.228", 40000));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].direction, Direction::kToDevice);
  auto telnet = check(packet(kDev, "10.10.10.228", 40000, kGw, "192.0.2.50", 23));
  ASSERT_EQ(telnet.size(), 1u);
  EXPECT_TRUE(telnet[0].denied);
  EXPECT_EQ(telnet[0].nearest->ace, "no-telnet");
}

TEST_F(PolicyMonitorTest, SameManufacturerFromTheInventorysMudUrls) {
  EXPECT_TRUE(check(packet(kDev, "10.10.10.228", 4000, kHub, "10.10.10.5", 80)).empty());
  EXPECT_EQ(check(packet(kDev, "10.10.10.228", 4000, kGw, "10.10.10.1", 80)).size(), 1u);
}

TEST_F(PolicyMonitorTest, ExemptAndUnboundTrafficIsNotChecked) {
  EXPECT_TRUE(
      check(packet(kDev, "10.10.10.228", 5353, *MacAddr::parse("01:00:5e:00:00:fb"), "224.0.0.251", 5353, 17)).empty());
  EXPECT_TRUE(
      check(packet(kDev, "0.0.0.0", 68, *MacAddr::parse("ff:ff:ff:ff:ff:ff"), "255.255.255.255", 67, 17)).empty());
  EXPECT_TRUE(check(packet(kHub, "10.10.10.5", 4000, kGw, "8.8.8.8", 23)).empty());
  EXPECT_EQ(pm_->stats().exempt, 2u);
}

// A device that announces its MUD URL (DHCP option 161) gets the cached file with that
// URL; one that does not gets its class's default; an explicit binding beats both.
TEST(PolicyMonitorAuto, MudUrlFromTheCacheThenClassDefault) {
  inventory::DeviceTableConfig dc;
  inventory::DeviceTable devices(dc, nullptr, nullptr, core::HashKey::random());
  decode::DhcpInfo dhcp;
  dhcp.version = 4;
  dhcp.op = 1;
  dhcp.msg_type = 3;
  dhcp.chaddr = kDev;
  dhcp.mud_url = "https://plug.example/plug1";
  auto req = packet(kDev, "0.0.0.0", 68, *MacAddr::parse("ff:ff:ff:ff:ff:ff"), "255.255.255.255", 67, 17);
  req.app = decode::AppKind::kDhcp;
  req.dhcp = &dhcp;
  devices.observe(req);
  devices.observe(packet(kHub, "10.10.10.5", 1, kGw, "10.10.10.1", 2, 17));

  PolicyMonitor pm;
  policy::DevicePolicy web;  // the plug's MUD file: HTTPS anywhere
  web.mud_url = "https://plug.example/plug1";
  web.source = "cache/plug1.json";
  web.rules.push_back(rule(Direction::kFromDevice, 6, PeerKind::kAny, nullptr, 443, 443));
  pm.add_cached(web);
  policy::DevicePolicy dns_only;  // everything else of class unknown: DNS only
  dns_only.source = "unknown.json";
  dns_only.rules.push_back(rule(Direction::kFromDevice, 17, PeerKind::kAny, nullptr, 53, 53));
  pm.add_class_default(inventory::DeviceClass::kUnknown, dns_only);
  std::vector<std::string> events;
  pm.set_sink([&](std::string_view e) { events.emplace_back(e); });

  flow::Flow f;
  pm.on_new_flow(packet(kDev, "10.10.10.228", 4000, kGw, "192.0.2.1", 443), f, devices);
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(pm.policy_for(kDev));
  EXPECT_EQ(pm.policy_for(kDev)->source, "mud-url https://plug.example/plug1 (cache/plug1.json)");
  pm.on_new_flow(packet(kHub, "10.10.10.5", 4000, kGw, "192.0.2.1", 443), f, devices);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("\"policy\":\"class unknown (unknown.json)\""), std::string::npos) << events[0];
  policy::DevicePolicy none;
  none.mac = kHub;
  none.source = "explicit";
  pm.bind(none);
  pm.on_new_flow(packet(kHub, "10.10.10.5", 4001, kGw, "192.0.2.1", 53, 17), f, devices);
  EXPECT_EQ(events.size(), 2u);  // the explicit (empty) policy holds
  EXPECT_EQ(pm.policy_for(kHub)->source, "explicit");
  EXPECT_EQ(pm.stats().auto_bound, 2u);
}

// A flow first seen mid-stream is judged as its opener sent it.
TEST(AsOpened, TurnsServerRepliesAround) {
  auto synack = packet(kGw, "203.0.113.9", 443, kDev, "10.10.10.228", 40000);
  synack.tcp_flags = decode::tcp::kSyn | decode::tcp::kAck;
  EXPECT_EQ(as_opened(synack).src_mac, kDev);
  EXPECT_EQ(as_opened(synack).dst_port, 443);
  auto mid = synack;
  mid.tcp_flags = decode::tcp::kAck;
  EXPECT_EQ(as_opened(mid).src_ip, *IpAddr::parse("10.10.10.228"));
  auto data = packet(kDev, "10.10.10.228", 40000, kGw, "203.0.113.9", 443);
  data.tcp_flags = decode::tcp::kAck | decode::tcp::kPsh;
  EXPECT_EQ(as_opened(data).src_mac, kDev);  // client to server already
  auto udp = packet(kGw, "10.10.10.1", 53, kDev, "10.10.10.228", 40000, 17);
  EXPECT_EQ(as_opened(udp).src_mac, kGw);  // UDP: the sender opened it
}

TEST(PolicyViolationEvent, IsOneEveObject) {
  policy::DevicePolicy p;
  p.mac = kDev;
  p.source = "dir/x.json";
  p.mud_url = "https://plug.example/plug1";
  policy::Rule r = rule(Direction::kFromDevice, 6, PeerKind::kAny, nullptr, 443, 443);
  PolicyViolation v;
  v.device = kDev;
  v.policy = &p;
  v.nearest = &r;
  v.mismatch = "destination-port 23 (ACE allows 443)";
  v.remote = *IpAddr::parse("192.0.2.50");
  v.remote_names = {"evil.example"};
  auto pv = packet(kDev, "10.10.10.228", 40000, kGw, "192.0.2.50", 23);
  std::string e = format_violation_event(v, pv, 42);
  EXPECT_EQ(e.find('\n'), std::string::npos);
  for (const char* want : {"\"event_type\":\"policy_violation\"", "\"flow_id\":42", "\"device\":\"50:c7:bf:00:fc:a3\"",
                           "\"direction\":\"from-device\"", "\"nearest_ace\":{\"acl\":\"from\",\"ace\":\"from-443\"",
                           "\"remote_names\":[\"evil.example\"]", "\"community_id\":\"1:", "\"dest_port\":23"})
    EXPECT_NE(e.find(want), std::string::npos) << want << " in " << e;
}

TEST(MudLearner, NamesPortsAndRanges) {
  MudLearner l;
  l.on_dns_answer(kDev, answer("api.example.com", nullptr, "203.0.113.9", 600), kT0);
  inventory::DeviceTableConfig dc;
  inventory::DeviceTable devices(dc, nullptr, nullptr, core::HashKey::random());
  flow::Flow f;
  l.on_new_flow(packet(kDev, "10.10.10.228", 40000, kGw, "203.0.113.9", 443), f, devices);
  l.on_new_flow(packet(kHub, "10.10.10.5", 3000, kDev, "10.10.10.228", 9999), f, devices);
  for (uint16_t port = 6000; port < 6020; ++port)
    l.on_new_flow(packet(kDev, "10.10.10.228", 5000, kGw, "198.51.100.7", port, 17), f, devices);
  auto macs = l.devices();
  ASSERT_EQ(macs.size(), 2u);  // the plug and the hub; the gateway carries 2 foreign addresses, not many
  auto mud = l.profile(kDev, nullptr);
  ASSERT_EQ(mud.acls.size(), 2u);
  const auto& from = mud.acls[0];
  EXPECT_EQ(from.name, "from-ipv4-50c7bf00fca3");
  bool named = false, range = false, local_reply = false;
  for (const auto& a : from.aces) {
    if (a.matches.ipv4 && a.matches.ipv4->dst_dnsname == std::optional<std::string>("api.example.com")) named = true;
    if (a.matches.udp && a.matches.udp->dst_port && a.matches.udp->dst_port->op == policy::PortOperator::kRange &&
        a.matches.udp->dst_port->port == 6000 && a.matches.udp->dst_port->upper == 6019)
      range = true;
    if (a.matches.mud && a.matches.tcp && a.matches.tcp->src_port && a.matches.tcp->src_port->port == 9999)
      local_reply = true;
  }
  EXPECT_TRUE(named);
  EXPECT_TRUE(range);
  EXPECT_TRUE(local_reply);
  // What was learned, compiled and checked, allows what was seen and nothing else.
  PolicyMonitor pm;
  pm.bind(policy::compile(mud, kDev, "learned"));
  pm.learn_dns(kDev, answer("api.example.com", nullptr, "203.0.113.9", 600), kT0);
  std::vector<PolicyViolation> v;
  pm.check_new_flow(packet(kDev, "10.10.10.228", 40001, kGw, "203.0.113.9", 443), nullptr, v);
  pm.check_new_flow(packet(kDev, "10.10.10.228", 5001, kGw, "198.51.100.7", 6010, 17), nullptr, v);
  pm.check_new_flow(packet(kHub, "10.10.10.5", 3001, kDev, "10.10.10.228", 9999), nullptr, v);
  EXPECT_TRUE(v.empty());
  pm.check_new_flow(packet(kDev, "10.10.10.228", 40002, kGw, "192.0.2.1", 23), nullptr, v);
  EXPECT_EQ(v.size(), 1u);
}

}  // namespace
}  // namespace sekisho::watch
