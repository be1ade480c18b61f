// The inbound_flood detector: SYN, SYN-ACK reflection, UDP, ICMP and ACK floods towards a
// LAN device, their benign look-alikes, bounded state, config, and the two real DDoS
// captures (golden: the alert and how soon it comes).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace sekisho::detect::dtest {
namespace {

using decode::tcp::kAck;
using decode::tcp::kPsh;
using decode::tcp::kRst;
using decode::tcp::kSyn;

const core::MacAddr kCam = mac("00:11:22:33:44:55");  // the LAN target, 192.168.1.20
const core::MacAddr kGw = mac("00:aa:bb:cc:dd:ee");   // the gateway: outside traffic comes through it

// A spoofed-looking public source address, distinct for each i < 2^24.
std::string spoofed(uint32_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", 11 + (i >> 16) % 200, (i >> 8) & 255, i & 255, 1 + i % 7);
  return b;
}

size_t flood_alerts(const Harness& h) {
  size_t n = 0;
  for (const auto& s : h.alerts())
    if (s.alert.signature_id >= sig::kInSynFlood && s.alert.signature_id <= sig::kInAckFlood) ++n;
  return n;
}

// The target makes itself known to the inventory (its own traffic).
void announce(Harness& h, core::TimeNs t) {
  h.feed(dns_query(kCam, kGw, "192.168.1.20", "192.168.1.1", 5353, "x.example"), t);
}

TEST(InboundFlood, SpoofedSynFloodAlertsWithinTwoSeconds) {
  Harness h;
  announce(h, kT0 - kSec);
  for (uint32_t i = 0; i < 2000; ++i)  // 1,000 SYNs per second from 2,000 sources
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", uint16_t(1024 + i), 80, kSyn, i * 7919), kT0 + i * kMs);
  ASSERT_EQ(h.count(sig::kInSynFlood), 1u);
  EXPECT_EQ(flood_alerts(h), 1u);
  const Seen& s = *h.with(sig::kInSynFlood)[0];
  EXPECT_LT(s.alert.ts - kT0, 2 * kSec);
  auto j = nlohmann::json::parse(s.json);
  EXPECT_EQ(j["direction"], "inbound");
  EXPECT_EQ(j["dest_ip"], "192.168.1.20");
  EXPECT_EQ(j["dest_port"], 80);
  EXPECT_EQ(j["proto"], "TCP");
  EXPECT_EQ(j["device"]["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["device"]["ip"], "192.168.1.20");
  EXPECT_EQ(j["alert"]["signature_id"], sig::kInSynFlood);
  EXPECT_EQ(j["alert"]["detector"], "inbound_flood");
  EXPECT_EQ(j["evidence"]["kind"], "syn");
  EXPECT_GE(j["evidence"]["packets_per_second"].get<int>(), 500);
  EXPECT_EQ(j["evidence"]["completed_handshakes_per_second"], 0);
  EXPECT_EQ(j["evidence"]["min_pps"], 500);
  EXPECT_EQ(j["evidence"]["window_ms"], 1000);
  EXPECT_GE(j["evidence"]["distinct_sources"].get<int>(), 400);
  EXPECT_EQ(j["evidence"]["sample_sources"].size(), 5u);
}

TEST(InboundFlood, TargetOutsideTheInventoryIsNamedByItsMac) {
  Harness h;  // the target never sends
  for (uint32_t i = 0; i < 1000; ++i)
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), "10.1.2.3", 1024, 443, kSyn), kT0 + i * kMs);
  ASSERT_EQ(h.count(sig::kInSynFlood), 1u);
  const Seen& s = *h.with(sig::kInSynFlood)[0];
  EXPECT_EQ(s.alert.device1, 0u);
  auto j = nlohmann::json::parse(s.json);
  EXPECT_EQ(j["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["device"]["ip"], "10.1.2.3");
}

TEST(InboundFlood, BusyServerIsNotFlooded) {
  Harness h;
  announce(h, kT0 - kSec);
  // 2,000 new connections a second for 5 s, each completed: a busy LAN server, not a flood.
  for (uint32_t i = 0; i < 10000; ++i) {
    const std::string src = spoofed(i % 50);
    const core::TimeNs t = kT0 + core::TimeNs(i) * 500 * 1000;
    h.feed(tcp(kGw, kCam, src.c_str(), "192.168.1.20", uint16_t(20000 + i), 443, kSyn, 1), t);
    h.feed(tcp(kCam, kGw, "192.168.1.20", src.c_str(), 443, uint16_t(20000 + i), kSyn | kAck, 9, 2), t + kMs / 10);
    h.feed(tcp(kGw, kCam, src.c_str(), "192.168.1.20", uint16_t(20000 + i), 443, kAck, 2, 10), t + kMs / 5);
  }
  EXPECT_EQ(flood_alerts(h), 0u);
}

TEST(InboundFlood, SynsBelowTheRateAreQuiet) {
  Harness h;
  for (uint32_t i = 0; i < 6000; ++i)  // 300 unanswered SYNs a second for 20 s
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", 1024, 80, kSyn), kT0 + core::TimeNs(i) * 3333 * 1000);
  EXPECT_EQ(flood_alerts(h), 0u);
}

TEST(InboundFlood, CaptureFilesOutOfOrderDoNotPileUp) {
  Harness h;
  // A later file first (400 SYNs in its last second), then an earlier one with 4 SYNs a
  // second for 100 s: no second of either reaches 500.
  for (uint32_t i = 0; i < 400; ++i)
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", 1024, 80, kSyn), kT0 + 1000 * kSec + i * kMs);
  for (uint32_t i = 0; i < 400; ++i)
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", 1024, 80, kSyn), kT0 + i * 250 * kMs);
  EXPECT_EQ(flood_alerts(h), 0u);
}

TEST(InboundFlood, SynAckReflectionAlerts) {
  Harness h;
  announce(h, kT0 - kSec);
  for (uint32_t i = 0; i < 1000; ++i)  // 500 per second, connections the target never opened
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", 80, uint16_t(1024 + i * 13), kSyn | kAck, i, 77),
           kT0 + i * 2 * kMs);
  ASSERT_EQ(h.count(sig::kInSynAckReflection), 1u);
  EXPECT_EQ(flood_alerts(h), 1u);
  const Seen& s = *h.with(sig::kInSynAckReflection)[0];
  EXPECT_LT(s.alert.ts - kT0, 2 * kSec);
  EXPECT_EQ(nlohmann::json::parse(s.json)["evidence"]["kind"], "syn-ack");
}

TEST(InboundFlood, AnswersToTheTargetsOwnConnectionsAreNotReflection) {
  Harness h;
  // The device opens 1,000 connections a second (a busy client) and gets its SYN-ACKs.
  for (uint32_t i = 0; i < 3000; ++i) {
    const std::string dst = spoofed(i);
    const core::TimeNs t = kT0 + i * kMs;
    h.feed(tcp(kCam, kGw, "192.168.1.20", dst.c_str(), uint16_t(30000 + i), 443, kSyn, 5), t);
    h.feed(tcp(kGw, kCam, dst.c_str(), "192.168.1.20", 443, uint16_t(30000 + i), kSyn | kAck, 100, 6), t + kMs / 2);
  }
  EXPECT_EQ(flood_alerts(h), 0u);
}

TEST(InboundFlood, UdpFloodFromManyFlowsAlerts) {
  Harness h;
  announce(h, kT0 - kSec);
  for (uint32_t i = 0; i < 3000; ++i)  // 2,000 per second, random ports
    h.feed(udp(kGw, kCam, spoofed(i % 300).c_str(), "192.168.1.20", uint16_t(1024 + i), uint16_t(2000 + i * 7),
               std::string(512, 'A')),
           kT0 + i * kMs / 2);
  ASSERT_EQ(h.count(sig::kInUdpFlood), 1u);
  const Seen& s = *h.with(sig::kInUdpFlood)[0];
  EXPECT_LT(s.alert.ts - kT0, 2 * kSec);
  auto j = nlohmann::json::parse(s.json);
  EXPECT_EQ(j["proto"], "UDP");
  EXPECT_GE(j["evidence"]["distinct_source_flows"].get<int>(), 8);
}

TEST(InboundFlood, OneWayStreamIsNotAFloodUnlessVeryFast) {
  Harness h;
  announce(h, kT0 - kSec);
  // A unicast RTP stream to the device: one flow, 3,000 packets a second, never answered.
  for (uint32_t i = 0; i < 9000; ++i)
    h.feed(udp(kGw, kCam, "192.168.1.5", "192.168.1.20", 5004, 5004, std::string(1200, 'v')),
           kT0 + core::TimeNs(i) * kSec / 3000);
  EXPECT_EQ(flood_alerts(h), 0u);
  // The same flow at 25,000 a second is a flood whatever its shape.
  Harness fast;
  for (uint32_t i = 0; i < 25000; ++i)
    fast.feed(udp(kGw, kCam, "203.0.113.7", "192.168.1.20", 5004, 5004, std::string(64, 'v')),
              kT0 + core::TimeNs(i) * 40 * 1000);
  EXPECT_EQ(fast.count(sig::kInUdpFlood), 1u);
}

TEST(InboundFlood, AnsweredUdpIsNotCounted) {
  Harness h;
  // A QUIC download: the device asked, thousands of packets a second come back on many flows.
  for (uint32_t f = 0; f < 20; ++f)
    h.feed(udp(kCam, kGw, "192.168.1.20", spoofed(f).c_str(), uint16_t(50000 + f), 443, "hello"), kT0);
  for (uint32_t i = 0; i < 10000; ++i) {
    const uint32_t f = i % 20;
    h.feed(udp(kGw, kCam, spoofed(f).c_str(), "192.168.1.20", 443, uint16_t(50000 + f), std::string(1200, 'q')),
           kT0 + kMs + core::TimeNs(i) * 200 * 1000);
  }
  EXPECT_EQ(flood_alerts(h), 0u);
}

TEST(InboundFlood, MulticastIsNeverAFlood) {
  Harness h;
  for (uint32_t i = 0; i < 5000; ++i)
    h.feed(udp(kCam, mac("01:00:5e:7f:ff:fa"), ("192.168.1." + std::to_string(2 + i % 200)).c_str(), "239.255.255.250",
               uint16_t(1024 + i), 1900, "M-SEARCH * HTTP/1.1\r\n\r\n"),
           kT0 + core::TimeNs(i) * 200 * 1000);
  EXPECT_EQ(flood_alerts(h), 0u);
}

TEST(InboundFlood, IcmpEchoFloodAlertsAndPingDoesNot) {
  Harness ping;
  for (uint16_t i = 0; i < 60; ++i)
    ping.feed(icmp_echo(kGw, kCam, "198.51.100.1", "192.168.1.20", 1, i), kT0 + i * kSec);
  EXPECT_EQ(flood_alerts(ping), 0u);

  Harness h;
  for (uint32_t i = 0; i < 2000; ++i)
    h.feed(icmp_echo(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", uint16_t(i), uint16_t(i)), kT0 + i * kMs);
  ASSERT_EQ(h.count(sig::kInIcmpFlood), 1u);
  EXPECT_LT(h.with(sig::kInIcmpFlood)[0]->alert.ts - kT0, 2 * kSec);
  EXPECT_EQ(nlohmann::json::parse(h.with(sig::kInIcmpFlood)[0]->json)["proto"], "ICMP");
}

TEST(InboundFlood, Icmpv6EchoFloodAlerts) {
  Harness h;
  for (uint32_t i = 0; i < 2000; ++i)
    h.feed(icmp_echo(kGw, kCam, "2001:db8::1", "fd00::20", uint16_t(i), uint16_t(i)), kT0 + i * kMs);
  EXPECT_EQ(h.count(sig::kInIcmpFlood), 1u);
}

TEST(InboundFlood, AckFloodAlerts) {
  Harness h;
  announce(h, kT0 - kSec);
  for (uint32_t i = 0; i < 3000; ++i)
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", uint16_t(1024 + i), uint16_t(1 + i % 60000), kAck | kPsh,
               i, i, std::string(32, 'z')),
           kT0 + i * kMs / 2);
  ASSERT_EQ(h.count(sig::kInAckFlood), 1u);
  EXPECT_EQ(flood_alerts(h), 1u);
  EXPECT_LT(h.with(sig::kInAckFlood)[0]->alert.ts - kT0, 2 * kSec);
}

TEST(InboundFlood, AckFloodAnsweredWithResetsStillCounts) {
  Harness h;
  // One 5-tuple, the target resets every segment: still a flood.
  for (uint32_t i = 0; i < 3000; ++i) {
    h.feed(tcp(kGw, kCam, "203.0.113.9", "192.168.1.20", 4444, 80, kAck, i, i), kT0 + i * kMs / 2);
    h.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 80, 4444, kRst, i), kT0 + i * kMs / 2 + 1000);
  }
  EXPECT_EQ(h.count(sig::kInAckFlood), 1u);
}

TEST(InboundFlood, DownloadSeenMidStreamIsNotAnAckFlood) {
  Harness h;
  // A fast download whose handshake came before the capture started: data one way, ACKs back.
  for (uint32_t i = 0; i < 20000; ++i) {
    const core::TimeNs t = kT0 + core::TimeNs(i) * 100 * 1000;  // 10,000 segments a second
    h.feed(tcp(kGw, kCam, "203.0.113.9", "192.168.1.20", 443, 50123, kAck | kPsh, i * 1400, 1, std::string(1400, 'd')),
           t);
    if (i % 2 == 0) h.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 50123, 443, kAck, 1, i * 1400), t + 1000);
  }
  EXPECT_EQ(flood_alerts(h), 0u);
}

TEST(InboundFlood, FloodBetweenLanDevicesIsInternal) {
  Harness h;
  announce(h, kT0 - kSec);
  const core::MacAddr bot = mac("00:11:22:33:44:99");
  for (uint32_t i = 0; i < 1000; ++i)
    h.feed(tcp(bot, kCam, "192.168.1.66", "192.168.1.20", uint16_t(1024 + i), 80, kSyn), kT0 + i * kMs);
  ASSERT_EQ(h.count(sig::kInSynFlood), 1u);
  EXPECT_EQ(nlohmann::json::parse(h.with(sig::kInSynFlood)[0]->json)["direction"], "internal");
}

TEST(InboundFlood, ThresholdsComeFromTheConfig) {
  Harness h("[detect.inbound_flood]\nsyn_min_pps = 50\nwindow_ms = 2000\n");
  for (uint32_t i = 0; i < 200; ++i)  // 100 per second
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", 1024, 80, kSyn), kT0 + i * 10 * kMs);
  ASSERT_EQ(h.count(sig::kInSynFlood), 1u);
  auto j = nlohmann::json::parse(h.with(sig::kInSynFlood)[0]->json);
  EXPECT_EQ(j["evidence"]["min_pps"], 50);
  EXPECT_EQ(j["evidence"]["window_ms"], 2000);

  Harness quiet("[detect.inbound_flood]\nsyn_min_pps = 5000\n");
  for (uint32_t i = 0; i < 3000; ++i)
    quiet.feed(tcp(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", 1024, 80, kSyn), kT0 + i * kMs / 2);
  EXPECT_EQ(quiet.count(sig::kInSynFlood), 0u);
}

TEST(InboundFlood, BadConfigIsRejectedByName) {
  for (const char* bad : {"[detect.inbound_flood]\nsyn_min_ppss = 5\n", "[detect.inbound_flood]\nwindow_ms = 5\n",
                          "[detect.inbound_flood]\nudp_min_pps = 5000\nudp_high_pps = 100\n"}) {
    auto c = DetectConfig::parse(bad, "t.toml");
    ASSERT_TRUE(c);
    auto e = Engine::create(c.value());
    ASSERT_FALSE(e) << bad;
    EXPECT_NE(e.error().message().find("inbound_flood"), std::string::npos) << e.error().message();
  }
}

size_t flood_state(Harness& h) {
  for (const auto& d : h.engine().detectors())
    if (d.name == "inbound_flood") return d.state_bytes;
  return 0;
}

TEST(InboundFlood, StateStaysBoundedUnderSpoofedFlood) {
  Harness h;
  const size_t before = flood_state(h);
  ASSERT_GT(before, 0u);
  for (uint32_t i = 0; i < 100000; ++i)  // 100k spoofed sources at one target
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), "192.168.1.20", uint16_t(i), 80, kSyn), kT0 + i * 20 * 1000);
  EXPECT_EQ(flood_state(h), before);
  EXPECT_EQ(h.count(sig::kInSynFlood), 1u);
  // ... and 100k spoofed targets across 10/8, with SYN-ACKs from 100k sources.
  for (uint32_t i = 0; i < 100000; ++i) {
    char dst[32];
    std::snprintf(dst, sizeof dst, "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    h.feed(tcp(kGw, kCam, spoofed(i).c_str(), dst, 80, uint16_t(i), kSyn | kAck), kT0 + 2 * kSec + i * 20 * 1000);
  }
  EXPECT_EQ(flood_state(h), before);
  EXPECT_LT(before, 2u << 20);
}

// ---- The real captures (StopDDoS packet-captures): the alert and its delay ----

struct Replay {
  size_t packets = 0;
  core::TimeNs first = 0;
};

Replay replay(Harness& h, const std::string& path) {
  Replay r;
  auto src = capture::open_file(path, {});
  EXPECT_TRUE(src) << path;
  if (!src) return r;
  capture::RawPacket p;
  while (src.value()->next(p) == capture::ReadStatus::kPacket) {
    if (r.first == 0) r.first = p.ts;
    h.feed(Frame(p.data, p.data + p.caplen), p.ts);
    ++r.packets;
  }
  h.finish();
  return r;
}

std::string ddos_capture(const char* name) { return std::string(SEKISHO_SHARED_DATA) + "/pcap/ddos/" + name; }

TEST(InboundFloodCapture, SpoofedSynFloodTo25565) {
  const std::string path = ddos_capture("pkt.TCP.synflood.spoofed.pcap");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  Harness h;
  const Replay r = replay(h, path);
  EXPECT_EQ(r.packets, 37841u);
  ASSERT_EQ(h.count(sig::kInSynFlood), 1u);
  EXPECT_EQ(flood_alerts(h), 1u);  // nothing else: not reflection, not ACK flood
  const Seen& s = *h.with(sig::kInSynFlood)[0];
  EXPECT_LT(s.alert.ts - r.first, 500 * kMs);  // ramps up to ~70,000 SYNs/s: found after 500 of them (109 ms)
  auto j = nlohmann::json::parse(s.json);
  EXPECT_EQ(j["dest_ip"], "10.10.10.10");
  EXPECT_EQ(j["dest_port"], 25565);
  EXPECT_EQ(j["direction"], "inbound");
  EXPECT_GE(j["evidence"]["distinct_sources"].get<int>(), 400);
}

TEST(InboundFloodCapture, SynAckReflectionTo10_10_10_10) {
  const std::string path = ddos_capture("amp.TCP.reflection.SYNACK.pcap");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  Harness h;
  const Replay r = replay(h, path);
  EXPECT_EQ(r.packets, 8000u);
  ASSERT_EQ(h.count(sig::kInSynAckReflection), 1u);
  EXPECT_EQ(flood_alerts(h), 1u);
  const Seen& s = *h.with(sig::kInSynAckReflection)[0];
  EXPECT_LT(s.alert.ts - r.first, 100 * kMs);  // ~45,000 SYN-ACKs/s: found after 200 of them
  auto j = nlohmann::json::parse(s.json);
  EXPECT_EQ(j["dest_ip"], "10.10.10.10");
  EXPECT_EQ(j["evidence"]["kind"], "syn-ack");
}

}  // namespace
}  // namespace sekisho::detect::dtest
