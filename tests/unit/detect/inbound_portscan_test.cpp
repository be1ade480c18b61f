// The inbound_portscan detector: port scans (SYN, UDP, null/FIN/Xmas) of one LAN device and
// sweeps of one port across the LAN; benign look-alikes, bounded state, config, EVE fields.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace sekisho::detect::dtest {
namespace {

using decode::tcp::kAck;
using decode::tcp::kFin;
using decode::tcp::kPsh;
using decode::tcp::kRst;
using decode::tcp::kSyn;
using decode::tcp::kUrg;

const core::MacAddr kCam = mac("00:11:22:33:44:55");    // 192.168.1.20
const core::MacAddr kPhone = mac("00:11:22:33:44:66");  // 192.168.1.30
const core::MacAddr kGw = mac("00:aa:bb:cc:dd:ee");

std::string lan(unsigned host) { return "192.168.1." + std::to_string(host); }

size_t scan_alerts(const Harness& h) { return h.count(sig::kInPortScan) + h.count(sig::kInHostSweep); }

void announce(Harness& h, const core::MacAddr& m, const std::string& a, core::TimeNs t) {
  h.feed(dns_query(m, kGw, a.c_str(), "192.168.1.1", 5353, "x.example"), t);
}

TEST(InboundPortscan, SynScanOfOneDeviceAlerts) {
  Harness h;
  announce(h, kCam, lan(20), kT0 - kSec);
  for (uint16_t p = 1; p <= 100; ++p)  // nmap -sS at 100 ports a second
    h.feed(tcp(kGw, kCam, "198.51.100.7", "192.168.1.20", 40000, p, kSyn), kT0 + p * 10 * kMs);
  ASSERT_EQ(h.count(sig::kInPortScan), 1u);
  EXPECT_EQ(h.count(sig::kInHostSweep), 0u);
  const Seen& s = *h.with(sig::kInPortScan)[0];
  EXPECT_LE(s.alert.ts, kT0 + 25 * 10 * kMs);  // found at about the 20th port
  auto j = nlohmann::json::parse(s.json);
  EXPECT_EQ(j["direction"], "inbound");
  EXPECT_EQ(j["src_ip"], "198.51.100.7");
  EXPECT_EQ(j["dest_ip"], "192.168.1.20");
  EXPECT_EQ(j["device"]["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["device"]["ip"], "192.168.1.20");
  EXPECT_EQ(j["alert"]["signature_id"], sig::kInPortScan);
  EXPECT_EQ(j["alert"]["detector"], "inbound_portscan");
  EXPECT_EQ(j["evidence"]["scanner"], "198.51.100.7");
  EXPECT_GE(j["evidence"]["distinct_ports"].get<int>(), 20);
  EXPECT_EQ(j["evidence"]["min_ports"], 20);
  EXPECT_EQ(j["evidence"]["window_seconds"], 10);
  EXPECT_EQ(j["evidence"]["probe_types"], nlohmann::json::parse(R"(["syn"])"));
  EXPECT_EQ(j["evidence"]["sample_ports"], nlohmann::json::parse(R"(["tcp/1","tcp/2","tcp/3","tcp/4","tcp/5"])"));
}

TEST(InboundPortscan, EachScannerGetsItsOwnAlert) {
  Harness h;
  for (unsigned src = 0; src < 3; ++src) {
    const std::string s = "198.51.100." + std::to_string(10 + src);
    for (uint16_t p = 1; p <= 30; ++p)
      h.feed(tcp(kGw, kCam, s.c_str(), "192.168.1.20", 40000, p, kSyn), kT0 + src * kSec + p * 10 * kMs);
  }
  EXPECT_EQ(h.count(sig::kInPortScan), 3u);
}

TEST(InboundPortscan, StealthScansCount) {
  for (uint8_t flags : {uint8_t(0), uint8_t(kFin), uint8_t(kFin | kPsh | kUrg)}) {
    Harness h;
    for (uint16_t p = 1; p <= 30; ++p)
      h.feed(tcp(kGw, kCam, "198.51.100.7", "192.168.1.20", 40000, uint16_t(1000 + p), flags), kT0 + p * kMs);
    ASSERT_EQ(h.count(sig::kInPortScan), 1u) << int(flags);
    const auto j = nlohmann::json::parse(h.with(sig::kInPortScan)[0]->json);
    EXPECT_EQ(j["evidence"]["probe_types"][0], flags == 0 ? "null" : flags == kFin ? "fin" : "xmas");
  }
}

TEST(InboundPortscan, UdpScanCounts) {
  Harness h;
  for (uint16_t p = 1; p <= 30; ++p)
    h.feed(udp(kGw, kCam, "198.51.100.7", "192.168.1.20", 40000, uint16_t(100 + p)), kT0 + p * 5 * kMs);
  ASSERT_EQ(h.count(sig::kInPortScan), 1u);
  const auto j = nlohmann::json::parse(h.with(sig::kInPortScan)[0]->json);
  EXPECT_EQ(j["proto"], "UDP");
  EXPECT_EQ(j["evidence"]["sample_ports"][0], "udp/101");
}

TEST(InboundPortscan, SlowScanOutsideTheWindowIsQuiet) {
  Harness h;
  for (uint16_t p = 1; p <= 60; ++p)  // one port every second: 10 per window
    h.feed(tcp(kGw, kCam, "198.51.100.7", "192.168.1.20", 40000, p, kSyn), kT0 + p * kSec);
  EXPECT_EQ(scan_alerts(h), 0u);
  // A longer window catches it.
  Harness slow("[detect.inbound_portscan]\nwindow_seconds = 60\nmin_ports = 30\n");
  for (uint16_t p = 1; p <= 60; ++p)
    slow.feed(tcp(kGw, kCam, "198.51.100.7", "192.168.1.20", 40000, p, kSyn), kT0 + p * kSec);
  ASSERT_EQ(slow.count(sig::kInPortScan), 1u);
  EXPECT_EQ(nlohmann::json::parse(slow.with(sig::kInPortScan)[0]->json)["evidence"]["min_ports"], 30);
}

TEST(InboundPortscan, CaptureFilesOutOfOrderStartANewWindow) {
  Harness h;
  // 15 ports late in a later file, then 15 other ports in an earlier file an hour before:
  // never 20 within 10 s of each other.
  for (uint16_t p = 1; p <= 15; ++p)
    h.feed(tcp(kGw, kCam, "198.51.100.7", "192.168.1.20", 40000, p, kSyn), kT0 + 3600 * kSec + p * kMs);
  for (uint16_t p = 16; p <= 30; ++p)
    h.feed(tcp(kGw, kCam, "198.51.100.7", "192.168.1.20", 40000, p, kSyn), kT0 + p * kMs);
  EXPECT_EQ(scan_alerts(h), 0u);
}

TEST(InboundPortscan, PhoneUsingSeveralPortsOfAHubIsQuiet) {
  Harness h;
  announce(h, kPhone, lan(30), kT0 - kSec);
  announce(h, kCam, lan(20), kT0 - kSec);
  // An app opening many connections to a handful of service ports, and answered.
  const uint16_t ports[] = {80, 443, 8080, 8443, 1883, 5000, 554, 8554};
  for (unsigned i = 0; i < 400; ++i) {
    const uint16_t sport = uint16_t(50000 + i), dport = ports[i % 8];
    const core::TimeNs t = kT0 + i * 25 * kMs;
    h.feed(tcp(kPhone, kCam, "192.168.1.30", "192.168.1.20", sport, dport, kSyn), t);
    h.feed(tcp(kCam, kPhone, "192.168.1.20", "192.168.1.30", dport, sport, kSyn | kAck, 5, 2), t + kMs);
    h.feed(tcp(kPhone, kCam, "192.168.1.30", "192.168.1.20", sport, dport, kAck | kFin, 2, 6), t + 2 * kMs);
  }
  EXPECT_EQ(scan_alerts(h), 0u);
}

TEST(InboundPortscan, ManyAnsweredPortsAreUseNotAScan) {
  Harness h;
  // An app using 40 services of a media hub within a few seconds, every one answered.
  for (uint16_t i = 0; i < 40; ++i) {
    const uint16_t sport = uint16_t(50000 + i), dport = uint16_t(9000 + i);
    const core::TimeNs t = kT0 + i * 50 * kMs;
    h.feed(tcp(kPhone, kCam, "192.168.1.30", "192.168.1.20", sport, dport, kSyn), t);
    h.feed(tcp(kCam, kPhone, "192.168.1.20", "192.168.1.30", dport, sport, kSyn | kAck, 5, 2), t + kMs);
  }
  EXPECT_EQ(scan_alerts(h), 0u);
}

TEST(InboundPortscan, OpenPortsDoNotHideAScan) {
  Harness h;
  // 60 ports probed; 10 open (SYN-ACK), the rest closed (RST): 50 unanswered.
  for (uint16_t p = 1; p <= 60; ++p) {
    const core::TimeNs t = kT0 + p * 10 * kMs;
    h.feed(tcp(kGw, kCam, "198.51.100.7", "192.168.1.20", 40000, p, kSyn), t);
    h.feed(tcp(kCam, kGw, "192.168.1.20", "198.51.100.7", p, 40000, p % 6 == 0 ? kSyn | kAck : kRst | kAck, 9, 2),
           t + kMs);
  }
  ASSERT_EQ(h.count(sig::kInPortScan), 1u);
  const auto j = nlohmann::json::parse(h.with(sig::kInPortScan)[0]->json);
  EXPECT_GE(j["evidence"]["unanswered_ports"].get<int>(), 20);
  EXPECT_GT(j["evidence"]["distinct_ports"].get<int>(), j["evidence"]["unanswered_ports"].get<int>());
}

TEST(InboundPortscan, HubPollingItsDevicesIsQuiet) {
  Harness h;
  const core::MacAddr hub = mac("00:11:22:33:44:77");
  // A home-automation hub polls 30 devices over HTTP every 10 s; every one answers.
  for (unsigned round = 0; round < 6; ++round)
    for (unsigned host = 0; host < 30; ++host) {
      const std::string dst = lan(100 + host);
      const uint16_t sport = uint16_t(30000 + round * 100 + host);
      const core::TimeNs t = kT0 + round * 10 * kSec + host * 50 * kMs;
      h.feed(tcp(hub, kCam, "192.168.1.2", dst.c_str(), sport, 80, kSyn), t);
      h.feed(tcp(kCam, hub, dst.c_str(), "192.168.1.2", 80, sport, kSyn | kAck, 5, 2), t + 2 * kMs);
    }
  EXPECT_EQ(scan_alerts(h), 0u);
}

TEST(InboundPortscan, MulticastAndBroadcastDiscoveryIsQuiet) {
  Harness h;
  for (unsigned i = 0; i < 200; ++i) {
    const core::TimeNs t = kT0 + i * 10 * kMs;
    // SSDP and mDNS from many ports, DHCP, and a broadcast discovery on many ports.
    h.feed(udp(kPhone, mac("01:00:5e:7f:ff:fa"), "192.168.1.30", "239.255.255.250", uint16_t(40000 + i), 1900,
               "M-SEARCH * HTTP/1.1\r\n\r\n"),
           t);
    h.feed(udp(kPhone, mac("01:00:5e:00:00:fb"), "192.168.1.30", "224.0.0.251", 5353, 5353, "q"), t + 1);
    h.feed(udp(kPhone, mac("ff:ff:ff:ff:ff:ff"), "192.168.1.30", "192.168.1.255", uint16_t(40000 + i),
               uint16_t(9000 + i), "hello"),
           t + 2);
    h.feed(dhcp_request(kPhone, "phone"), t + 3);
  }
  EXPECT_EQ(scan_alerts(h), 0u);
}

TEST(InboundPortscan, SweepOfTheLanOnTelnetAlertsAgainstTheScanner) {
  Harness h;
  const core::MacAddr bot = mac("00:11:22:33:44:99");
  announce(h, bot, lan(66), kT0 - kSec);
  // An infected LAN device trying telnet on its neighbours, as Mirai spreads.
  for (unsigned host = 2; host < 60; ++host) {
    const std::string dst = lan(host);
    h.feed(tcp(bot, kGw, "192.168.1.66", dst.c_str(), 41000, 23, kSyn), kT0 + host * 20 * kMs);
    if (host % 3 == 0)  // a few have telnet open; the others reset
      h.feed(tcp(kGw, bot, dst.c_str(), "192.168.1.66", 23, 41000, kSyn | kAck, 7, 2), kT0 + host * 20 * kMs + kMs);
    else
      h.feed(tcp(kGw, bot, dst.c_str(), "192.168.1.66", 23, 41000, kRst | kAck, 0, 2), kT0 + host * 20 * kMs + kMs);
  }
  ASSERT_EQ(h.count(sig::kInHostSweep), 1u);
  EXPECT_EQ(h.count(sig::kInPortScan), 0u);
  const auto j = nlohmann::json::parse(h.with(sig::kInHostSweep)[0]->json);
  EXPECT_EQ(j["direction"], "internal");
  EXPECT_EQ(j["device"]["mac"], "00:11:22:33:44:99");
  EXPECT_EQ(j["device"]["ip"], "192.168.1.66");
  EXPECT_EQ(j["evidence"]["service"], "tcp/23");
  EXPECT_GE(j["evidence"]["distinct_hosts"].get<int>(), 16);
  EXPECT_GE(j["evidence"]["unanswered_hosts"].get<int>(), 16);
  EXPECT_EQ(j["evidence"]["min_hosts"], 16);
  EXPECT_EQ(j["evidence"]["sample_hosts"][0], "192.168.1.2");
  EXPECT_EQ(j["evidence"]["sample_hosts"].size(), 5u);
}

TEST(InboundPortscan, SweepFromOutsideAndPingSweep) {
  Harness h;
  for (unsigned host = 1; host < 40; ++host) {
    const std::string dst = "10.0.0." + std::to_string(host);
    h.feed(udp(kGw, kCam, "198.51.100.7", dst.c_str(), 40000, 161, "snmp"), kT0 + host * kMs);
    h.feed(icmp_echo(kGw, kCam, "198.51.100.8", dst.c_str(), 1, uint16_t(host)), kT0 + host * kMs + 1);
  }
  ASSERT_EQ(h.count(sig::kInHostSweep), 2u);
  const auto a = nlohmann::json::parse(h.with(sig::kInHostSweep)[0]->json);
  const auto b = nlohmann::json::parse(h.with(sig::kInHostSweep)[1]->json);
  EXPECT_EQ(a["direction"], "inbound");
  EXPECT_EQ(a["evidence"]["service"], "udp/161");
  EXPECT_EQ(b["evidence"]["service"], "icmp echo");
  EXPECT_EQ(b["evidence"]["probe_types"][0], "echo");
}

TEST(InboundPortscan, FewHostsOnOnePortIsQuiet) {
  Harness h;
  announce(h, kPhone, lan(30), kT0 - kSec);
  // A phone app polling its 10 cameras on port 80, over and over.
  for (unsigned i = 0; i < 500; ++i) {
    const std::string dst = lan(100 + i % 10);
    h.feed(tcp(kPhone, kCam, "192.168.1.30", dst.c_str(), uint16_t(30000 + i), 80, kSyn), kT0 + i * 20 * kMs);
  }
  EXPECT_EQ(scan_alerts(h), 0u);
  Harness strict("[detect.inbound_portscan]\nmin_hosts = 8\n");
  for (unsigned i = 0; i < 50; ++i) {
    const std::string dst = lan(100 + i % 10);
    strict.feed(tcp(kPhone, kCam, "192.168.1.30", dst.c_str(), uint16_t(30000 + i), 80, kSyn), kT0 + i * 20 * kMs);
  }
  EXPECT_EQ(strict.count(sig::kInHostSweep), 1u);
}

TEST(InboundPortscan, OutboundTrafficIsNotAScan) {
  Harness h;
  for (uint16_t p = 1; p <= 100; ++p)
    h.feed(tcp(kCam, kGw, "192.168.1.20", ("203.0.113." + std::to_string(p)).c_str(), 40000, p, kSyn), kT0 + p * kMs);
  EXPECT_EQ(scan_alerts(h), 0u);
}

TEST(InboundPortscan, BadConfigIsRejectedByName) {
  for (const char* bad : {"[detect.inbound_portscan]\nmin_port = 5\n", "[detect.inbound_portscan]\nmin_ports = 1\n",
                          "[detect.inbound_portscan]\nwindow_seconds = 0\n"}) {
    auto c = DetectConfig::parse(bad, "t.toml");
    ASSERT_TRUE(c);
    auto e = Engine::create(c.value());
    ASSERT_FALSE(e) << bad;
    EXPECT_NE(e.error().message().find("inbound_portscan"), std::string::npos) << e.error().message();
  }
}

size_t scan_state(Harness& h) {
  for (const auto& d : h.engine().detectors())
    if (d.name == "inbound_portscan") return d.state_bytes;
  return 0;
}

TEST(InboundPortscan, StateStaysBoundedUnderSpoofedSources) {
  Harness h;
  const size_t before = scan_state(h);
  ASSERT_GT(before, 0u);
  char src[32], dst[32];
  for (uint32_t i = 0; i < 100000; ++i) {  // 100k decoy sources, each probing one port of one of 65k hosts
    std::snprintf(src, sizeof src, "%u.%u.%u.9", 11 + (i >> 16), (i >> 8) & 255, i & 255);
    std::snprintf(dst, sizeof dst, "10.9.%u.%u", (i >> 8) & 255, i & 255);
    h.feed(tcp(kGw, kCam, src, dst, 40000, uint16_t(i), kSyn), kT0 + i * 10 * 1000);
  }
  EXPECT_EQ(scan_state(h), before);
  EXPECT_EQ(scan_alerts(h), 0u);
  // A real scan in the middle of the noise is still found.
  for (uint16_t p = 1; p <= 40; ++p)
    h.feed(tcp(kGw, kCam, "198.51.100.7", "192.168.1.20", 40000, p, kSyn), kT0 + 2 * kSec + p * kMs);
  EXPECT_EQ(h.count(sig::kInPortScan), 1u);
  EXPECT_EQ(scan_state(h), before);
}

}  // namespace
}  // namespace sekisho::detect::dtest
