// Live DNS-name binding: the follower turns the answers a bound device receives into
// Enforcer::add_dns_bindings calls, one per response, for the names its policy uses.
#include "enforce/dns_follower.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "enforce/fake_enforcer.h"

namespace sekisho::enforce {
namespace {

using core::IpAddr;
using core::MacAddr;

const MacAddr kCam = *MacAddr::parse("02:77:00:00:00:02");
const MacAddr kPlug = *MacAddr::parse("02:77:00:00:00:03");   // bound, no DNS names
const MacAddr kOther = *MacAddr::parse("02:77:00:00:00:09");  // not bound
const MacAddr kGw = *MacAddr::parse("02:77:00:00:00:01");
constexpr core::TimeNs kT0 = 1'700'000'000 * core::kNsPerSec;

policy::Rule dns_rule(const char* name, policy::Direction dir = policy::Direction::kFromDevice) {
  policy::Rule r;
  r.acl = "acl";
  r.ace = name;
  r.direction = dir;
  r.protocol = 6;
  r.peer.kind = policy::PeerKind::kDnsName;
  r.peer.name = name;
  return r;
}

std::vector<BoundDevice> devices() {
  BoundDevice cam;
  cam.mac = kCam;
  cam.policy.mac = kCam;
  // Spelled as the MUD file does: the binding must carry this spelling (the set names
  // hash its normal form, so either works, but the log shows what the policy says).
  cam.policy.rules = {dns_rule("Allowed.Example"), dns_rule("Allowed.Example", policy::Direction::kToDevice),
                      dns_rule("api.vendor.example.")};
  policy::Rule net;
  net.peer.kind = policy::PeerKind::kNetwork;
  net.peer.net = *IpAddr::parse("10.0.0.0");
  net.peer.prefix = 8;
  cam.policy.rules.push_back(net);
  BoundDevice plug;
  plug.mac = kPlug;
  plug.policy.mac = kPlug;
  plug.policy.rules = {net};
  return {cam, plug};
}

void set_name(decode::DnsName& n, const char* s) {
  n.clear();
  n.append(s);
}

// A response to `question`: CNAMEs (from, to) in order, then address records of `owner`.
decode::DnsMessage response(const char* question, std::vector<std::pair<const char*, const char*>> cnames,
                            const char* owner, std::vector<const char*> addrs, uint32_t ttl = 30) {
  decode::DnsMessage m;
  m.is_response = true;
  set_name(m.questions[0].name, question);
  m.questions[0].qtype = 1;
  m.question_count = 1;
  size_t i = 0;
  for (const auto& [from, to] : cnames) {
    set_name(m.records[i].name, from);
    m.records[i].type = 5;
    m.records[i].ttl = 3600;
    set_name(m.records[i].target, to);
    ++i;
  }
  for (const char* a : addrs) {
    set_name(m.records[i].name, owner);
    m.records[i].addr = *IpAddr::parse(a);
    m.records[i].type = m.records[i].addr.is_v4() ? 1 : 28;
    m.records[i].ttl = ttl;
    ++i;
  }
  m.record_count = uint8_t(i);
  m.answer_count = m.record_count;
  return m;
}

std::string line(const char* name, const char* addr, uint32_t ttl) {
  return kCam.to_string() + " " + name + " " + addr + " " + std::to_string(ttl);
}

TEST(DnsFollower, FollowsTheDnsNamesOfBoundDevicesOnly) {
  FakeEnforcer fake;
  DnsFollower f(fake, devices());
  EXPECT_EQ(f.devices(), 1u);
  EXPECT_EQ(f.names(), 2u);  // allowed.example (twice in the policy) and api.vendor.example
  EXPECT_TRUE(f.wants_dns(kCam));
  EXPECT_FALSE(f.wants_dns(kPlug));   // bound, but nothing a DNS answer could open
  EXPECT_FALSE(f.wants_dns(kOther));  // not bound
}

TEST(DnsFollower, CnameChainBindsUnderTheMudName) {
  FakeEnforcer fake;
  DnsFollower f(fake, devices());  // grace 300
  // The device asks for the MUD name; the CDN answers through two aliases.
  f.on_dns_answer(kCam,
                  response("allowed.example",
                           {{"allowed.example", "allowed.example.cdn.example"},
                            {"allowed.example.cdn.example", "edge-7.cdn.example"}},
                           "edge-7.cdn.example", {"203.0.113.7", "2001:db8::7"}),
                  kT0);
  ASSERT_EQ(fake.calls().size(), 1u);
  EXPECT_EQ(fake.calls()[0].op, "dns");
  EXPECT_EQ(fake.calls()[0].detail,
            line("Allowed.Example", "203.0.113.7", 330) + "\n" + line("Allowed.Example", "2001:db8::7", 330));
  // The MUD name as an alias on the way (the device asked for another name).
  f.on_dns_answer(kCam,
                  response("WWW.Vendor.Example.",
                           {{"www.vendor.example", "API.vendor.example"}, {"api.vendor.example", "lb.vendor.example"}},
                           "lb.vendor.example", {"198.51.100.9"}, 60),
                  kT0);
  ASSERT_EQ(fake.calls().size(), 2u);
  EXPECT_EQ(fake.calls()[1].detail, line("api.vendor.example.", "198.51.100.9", 360));
  EXPECT_EQ(f.stats().answers, 2u);
  EXPECT_EQ(f.stats().bindings, 3u);
  EXPECT_EQ(f.stats().transactions, 2u);
}

TEST(DnsFollower, NamesNotInThePolicyBindNothing) {
  FakeEnforcer fake;
  DnsFollower f(fake, devices());
  f.on_dns_answer(kCam, response("other.example", {}, "other.example", {"203.0.113.66"}), kT0);
  // A name that merely contains the MUD name is another name.
  f.on_dns_answer(kCam, response("allowed.example.evil.example", {}, "allowed.example.evil.example", {"203.0.113.66"}),
                  kT0);
  EXPECT_TRUE(fake.calls().empty());
  EXPECT_EQ(f.stats().answers, 2u);
  EXPECT_EQ(f.stats().transactions, 0u);
  // An error response (NXDOMAIN) and a query bind nothing either.
  decode::DnsMessage nx = response("allowed.example", {}, "allowed.example", {"203.0.113.7"});
  nx.rcode = 3;
  f.on_dns_answer(kCam, nx, kT0);
  decode::DnsMessage query = response("allowed.example", {}, "allowed.example", {"203.0.113.7"});
  query.is_response = false;
  f.on_dns_answer(kCam, query, kT0);
  EXPECT_TRUE(fake.calls().empty());
}

TEST(DnsFollower, UnboundReceiverGetsNothing) {
  FakeEnforcer fake;
  DnsFollower f(fake, devices());
  f.on_dns_answer(kOther, response("allowed.example", {}, "allowed.example", {"203.0.113.7"}), kT0);
  f.on_dns_answer(kPlug, response("allowed.example", {}, "allowed.example", {"203.0.113.7"}), kT0);
  EXPECT_TRUE(fake.calls().empty());
  EXPECT_EQ(f.stats().answers, 0u);
}

TEST(DnsFollower, OneTransactionPerResponse) {
  FakeEnforcer fake;
  DnsFollower f(fake, devices(), DnsFollowerConfig{10, 7 * 86400});
  std::vector<std::string> reported;
  f.set_report([&](const std::vector<DnsBinding>& batch, const core::Status& s, core::TimeNs ts) {
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(ts, kT0);
    reported.push_back(std::to_string(batch.size()));
  });
  // Four addresses, the same one twice (with different TTLs: the longer wins), and two
  // policy names leading to each: one call.
  decode::DnsMessage m = response("api.vendor.example", {{"api.vendor.example", "allowed.example"}}, "allowed.example",
                                  {"203.0.113.1", "203.0.113.2", "2001:db8::3", "203.0.113.1"}, 20);
  m.records[4].ttl = 50;
  f.on_dns_answer(kCam, m, kT0);
  ASSERT_EQ(fake.calls().size(), 1u);
  EXPECT_EQ(fake.calls()[0].detail,
            line("Allowed.Example", "203.0.113.1", 60) + "\n" + line("api.vendor.example.", "203.0.113.1", 60) + "\n" +
                line("Allowed.Example", "203.0.113.2", 30) + "\n" + line("api.vendor.example.", "203.0.113.2", 30) +
                "\n" + line("Allowed.Example", "2001:db8::3", 30) + "\n" +
                line("api.vendor.example.", "2001:db8::3", 30));
  EXPECT_EQ(reported, std::vector<std::string>{"6"});
  EXPECT_EQ(f.stats().bindings, 6u);
  EXPECT_EQ(f.stats().transactions, 1u);
}

TEST(DnsFollower, TimeoutIsTtlPlusGraceNeverZeroAndCapped) {
  FakeEnforcer fake;
  DnsFollower f(fake, devices(), DnsFollowerConfig{0, 3600});
  f.on_dns_answer(kCam, response("allowed.example", {}, "allowed.example", {"203.0.113.7"}, 0), kT0);
  f.on_dns_answer(kCam, response("allowed.example", {}, "allowed.example", {"203.0.113.8"}, 0xffffffffu), kT0);
  ASSERT_EQ(fake.calls().size(), 2u);
  EXPECT_EQ(fake.calls()[0].detail, line("Allowed.Example", "203.0.113.7", 1));  // 0 would never expire
  EXPECT_EQ(fake.calls()[1].detail, line("Allowed.Example", "203.0.113.8", 3600));
}

TEST(DnsFollower, AFailedTransactionIsReportedAndCounted) {
  FakeEnforcer fake;
  DnsFollower f(fake, devices());
  int failures = 0;
  f.set_report([&](const std::vector<DnsBinding>&, const core::Status& s, core::TimeNs) { failures += !s.ok(); });
  fake.fail_next();
  f.on_dns_answer(kCam, response("allowed.example", {}, "allowed.example", {"203.0.113.7", "203.0.113.8"}), kT0);
  f.on_dns_answer(kCam, response("allowed.example", {}, "allowed.example", {"203.0.113.7"}), kT0);
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(f.stats().failures, 1u);
  EXPECT_EQ(f.stats().transactions, 2u);
  EXPECT_EQ(f.stats().bindings, 1u);
}

// ---- from captured frames: UDP through the watch pipeline, TCP here -----------------

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = uint8_t(v >> 8);
  b[at + 1] = uint8_t(v);
}

void name_wire(std::vector<uint8_t>& out, const std::string& name) {
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(uint8_t(dot - start));
    out.insert(out.end(), name.begin() + long(start), name.begin() + long(dot));
    start = dot + 1;
  }
  out.push_back(0);
}

// A DNS response in wire format: `question` A, answered by a CNAME to `target` (if any)
// and A records of the last name.
std::vector<uint8_t> dns_wire(const std::string& question, const std::string& target,
                              const std::vector<std::string>& v4) {
  std::vector<uint8_t> m(12, 0);
  put16(m, 0, 0x1234);
  put16(m, 2, 0x8180);
  put16(m, 4, 1);
  put16(m, 6, uint16_t(v4.size() + (target.empty() ? 0 : 1)));
  name_wire(m, question);
  m.insert(m.end(), {0, 1, 0, 1});
  auto rr = [&](const std::string& owner, uint16_t type, const std::vector<uint8_t>& rdata) {
    name_wire(m, owner);
    m.insert(m.end(),
             {uint8_t(type >> 8), uint8_t(type), 0, 1, 0, 0, 0, 30, uint8_t(rdata.size() >> 8), uint8_t(rdata.size())});
    m.insert(m.end(), rdata.begin(), rdata.end());
  };
  if (!target.empty()) {
    std::vector<uint8_t> t;
    name_wire(t, target);
    rr(question, 5, t);
  }
  for (const std::string& a : v4) {
    const IpAddr ip = *IpAddr::parse(a);
    rr(target.empty() ? question : target, 1, {ip.b[0], ip.b[1], ip.b[2], ip.b[3]});
  }
  return m;
}

// Ethernet + IPv4 + UDP or TCP from the gateway's port 53 to `dst`.
std::vector<uint8_t> frame(const MacAddr& dst, bool tcp, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> f(14 + 20 + (tcp ? 20 : 8), 0);
  std::memcpy(f.data(), dst.b.data(), 6);
  std::memcpy(f.data() + 6, kGw.b.data(), 6);
  put16(f, 12, 0x0800);
  f[14] = 0x45;
  put16(f, 16, uint16_t(f.size() - 14 + payload.size()));
  f[22] = 64;
  f[23] = tcp ? 6 : 17;
  const uint8_t src[4] = {10, 77, 1, 1}, dsti[4] = {10, 77, 1, 2};
  std::memcpy(f.data() + 26, src, 4);
  std::memcpy(f.data() + 30, dsti, 4);
  uint32_t sum = 0;
  for (size_t i = 14; i < 34; i += 2) sum += uint32_t(f[i] << 8 | f[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put16(f, 24, uint16_t(~sum));
  put16(f, 34, 53);
  put16(f, 36, 40000);
  if (tcp) {
    f[46] = 5 << 4;
    f[47] = 0x18;  // PSH ACK
    put16(f, 48, 65535);
  } else {
    put16(f, 38, uint16_t(8 + payload.size()));
  }
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

capture::RawPacket raw(const std::vector<uint8_t>& f, core::TimeNs ts) {
  capture::RawPacket p;
  p.ts = ts;
  p.data = f.data();
  p.caplen = p.wirelen = uint32_t(f.size());
  p.linktype = capture::kLinkEthernet;
  return p;
}

TEST(DnsFeed, UdpAnswersGoThroughThePipeline) {
  FakeEnforcer fake;
  DnsFollower f(fake, devices());
  DnsFeed feed(f);
  const auto msg = dns_wire("allowed.example", "edge.cdn.example", {"10.77.2.5", "10.77.2.6"});
  const auto cam = frame(kCam, false, msg);
  const auto other = frame(kOther, false, msg);
  feed.process(raw(other, kT0));  // not bound: not even parsed for the follower
  EXPECT_TRUE(fake.calls().empty());
  feed.process(raw(cam, kT0 + 1));
  ASSERT_EQ(fake.calls().size(), 1u);
  EXPECT_EQ(fake.calls()[0].detail,
            line("Allowed.Example", "10.77.2.5", 330) + "\n" + line("Allowed.Example", "10.77.2.6", 330));
  feed.tick(kT0 + 5 * core::kNsPerSec);
}

TEST(DnsFeed, TcpAnswersWholeInOneSegment) {
  FakeEnforcer fake;
  DnsFollower f(fake, devices());
  DnsFeed feed(f);
  const auto a = dns_wire("allowed.example", "", {"10.77.2.7"});
  const auto b = dns_wire("www.vendor.example", "api.vendor.example", {"10.77.2.8"});
  // Two length-prefixed messages in one segment, then a cut one (the rest would follow).
  std::vector<uint8_t> stream;
  for (const auto* m : {&a, &b}) {
    stream.push_back(uint8_t(m->size() >> 8));
    stream.push_back(uint8_t(m->size()));
    stream.insert(stream.end(), m->begin(), m->end());
  }
  std::vector<uint8_t> cut = {uint8_t(a.size() >> 8), uint8_t(a.size())};
  cut.insert(cut.end(), a.begin(), a.begin() + 20);
  stream.insert(stream.end(), cut.begin(), cut.end());
  feed.process(raw(frame(kCam, true, stream), kT0));
  ASSERT_EQ(fake.calls().size(), 2u);
  EXPECT_EQ(fake.calls()[0].detail, line("Allowed.Example", "10.77.2.7", 330));
  EXPECT_EQ(fake.calls()[1].detail, line("api.vendor.example.", "10.77.2.8", 330));
  EXPECT_EQ(feed.tcp_answers(), 2u);
  // A continuation segment (no length prefix at its start) binds nothing.
  feed.process(raw(frame(kCam, true, std::vector<uint8_t>(a.begin() + 20, a.end())), kT0));
  EXPECT_EQ(fake.calls().size(), 2u);
}

}  // namespace
}  // namespace sekisho::enforce
