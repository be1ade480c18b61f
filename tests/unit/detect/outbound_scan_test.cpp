// Tests of the outbound_scan detector: Mirai's seq == destination fingerprint (telnet and
// variants) and the generic scan of many unanswered addresses.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "harness.h"

namespace sekisho::detect::dtest {
namespace {

using decode::tcp::kAck;
using decode::tcp::kSyn;

const core::MacAddr kCam = mac("00:11:22:33:44:55");
const core::MacAddr kPhone = mac("00:11:22:33:44:66");
const core::MacAddr kGw = mac("00:aa:bb:cc:dd:ee");
constexpr const char* kCamIp = "192.168.1.20";

// Alerts of the outbound detectors only (the other detectors run too, on their own).
std::vector<const Seen*> ours(const Harness& h) {
  std::vector<const Seen*> out;
  for (const auto& s : h.alerts()) {
    const SignatureInfo* i = find_signature(s.alert.signature_id);
    if (i && (i->detector == "outbound_scan" || i->detector == "outbound_flood")) out.push_back(&s);
  }
  return out;
}

std::string dump(const Harness& h) {
  std::string s;
  for (const Seen* a : ours(h)) s += a->json + "\n";
  return s;
}

std::string ip_text(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255);
}

// Mirai's get_random_ip(): public unicast addresses only.
uint32_t random_public(std::mt19937& rng) {
  for (;;) {
    const uint32_t a = rng();
    const uint32_t o1 = a >> 24, o2 = (a >> 16) & 255;
    if (o1 == 0 || o1 == 10 || o1 == 127 || o1 >= 224 || (o1 == 172 && (o2 & 0xf0) == 16) || (o1 == 192 && o2 == 168) ||
        (o1 == 169 && o2 == 254) || (o1 == 100 && (o2 & 0xc0) == 64))
      continue;
    return a;
  }
}

// A Mirai scanner: seq == destination, fixed source port, port 2323 for every tenth SYN.
struct MiraiScan {
  std::mt19937 rng{7};
  uint16_t sport = 48213;
  int sent = 0;
  std::vector<uint16_t> ports = {23};  // the variants' ports replace telnet's
  Frame next() {
    const uint32_t dst = random_public(rng);
    uint16_t dport = ports[size_t(sent) % ports.size()];
    if (ports.size() == 1 && ports[0] == 23 && sent % 10 == 0) dport = 2323;
    ++sent;
    return tcp(kCam, kGw, kCamIp, ip_text(dst).c_str(), sport, dport, kSyn, dst);
  }
};

struct Latency {
  core::TimeNs ts = 0;
  int packets = 0;
};

// Feeds `n` scan SYNs, `per_burst` at a time every `gap`; returns when and after how many
// packets the first alert of `sig_id` came (packets 0: none).
Latency run_scan(Harness& h, MiraiScan& s, int n, int per_burst, core::TimeNs gap, core::TimeNs spacing,
                 uint32_t sig_id) {
  Latency l;
  for (int i = 0; i < n; ++i) {
    const core::TimeNs ts = kT0 + (i / per_burst) * gap + (i % per_burst) * spacing;
    h.feed(s.next(), ts);
    if (!l.packets && h.count(sig_id)) l = {ts, i + 1};
  }
  return l;
}

TEST(OutboundScan, MiraiTelnetScanAtItsRealRateIsCaughtAtOnce) {
  Harness h;
  MiraiScan s;
  // scanner.c: SCANNER_RAW_PPS (160) SYNs at the start of every second.
  const Latency l = run_scan(h, s, 160 * 5, 160, kSec, 20'000, sig::kMiraiTelnetScan);
  ASSERT_GT(l.packets, 0);
  EXPECT_LT(l.packets, 50);
  EXPECT_LT(l.ts - kT0, kSec);
  EXPECT_EQ(h.count(sig::kMiraiTelnetScan), 1u);
  // The same scan raises nothing else: no generic scan, no variant, no SYN flood.
  EXPECT_EQ(ours(h).size(), 1u);
  EXPECT_EQ(h.count(sig::kOutSynFlood), 0u);
}

TEST(OutboundScan, SlowMiraiTelnetScanIsCaughtAsFast) {
  Harness h;
  MiraiScan s;
  const Latency l = run_scan(h, s, 100, 1, 100 * kMs, 0, sig::kMiraiTelnetScan);  // one SYN per 100 ms
  ASSERT_GT(l.packets, 0);
  EXPECT_EQ(l.packets, 3);
  EXPECT_LT(l.ts - kT0, kSec);
  EXPECT_EQ(ours(h).size(), 1u);
}

TEST(OutboundScan, MiraiAlertCarriesItsEvidence) {
  Harness h;
  MiraiScan s;
  for (int i = 0; i < 30; ++i) h.feed(s.next(), kT0 + i * 10 * kMs);
  ASSERT_EQ(h.count(sig::kMiraiTelnetScan), 1u);
  const Seen& a = *h.with(sig::kMiraiTelnetScan)[0];
  auto j = nlohmann::json::parse(a.json);
  EXPECT_EQ(j["alert"]["signature"], "IoT outbound telnet scan (Mirai-like)");
  EXPECT_EQ(j["alert"]["detector"], "outbound_scan");
  EXPECT_EQ(j["direction"], "outbound");
  EXPECT_EQ(j["src_ip"], kCamIp);
  EXPECT_EQ(j["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["device"]["ip"], kCamIp);
  EXPECT_EQ(j["proto"], "TCP");
  EXPECT_TRUE(j.contains("flow_id"));
  const auto& e = j["evidence"];
  EXPECT_EQ(e["syns"], 3);
  EXPECT_EQ(e["seq_equals_dst_syns"], 3);
  EXPECT_DOUBLE_EQ(e["seq_equals_dst_fraction"].get<double>(), 1.0);
  EXPECT_EQ(e["distinct_destinations"], 3);
  ASSERT_EQ(e["ports"].size(), 2u);  // the first SYN went to 2323, the next two to 23
  EXPECT_EQ(e["ports"][0]["port"], 2323);
  EXPECT_EQ(e["ports"][0]["syns"], 1);
  EXPECT_EQ(e["ports"][1]["port"], 23);
  EXPECT_EQ(e["ports"][1]["syns"], 2);
  ASSERT_EQ(e["source_ports"].size(), 1u);
  EXPECT_EQ(e["source_ports"][0]["port"], 48213);
  EXPECT_EQ(e["sample_destinations"].size(), 3u);
  EXPECT_EQ(e["sample_destinations"][2], j["dest_ip"]);
}

TEST(OutboundScan, MiraiVariantNamesItsPort) {
  Harness h;
  MiraiScan s;
  s.ports = {7547};
  const Latency l = run_scan(h, s, 200, 1, 10 * kMs, 0, sig::kMiraiVariantScan);
  EXPECT_EQ(l.packets, 3);
  ASSERT_EQ(h.count(sig::kMiraiVariantScan), 1u);
  EXPECT_EQ(h.count(sig::kMiraiTelnetScan), 0u);
  EXPECT_EQ(h.with(sig::kMiraiVariantScan)[0]->alert.signature, "IoT outbound scan on TCP 7547 (Mirai variant)");
  auto j = nlohmann::json::parse(h.with(sig::kMiraiVariantScan)[0]->json);
  EXPECT_EQ(j["alert"]["signature"], "IoT outbound scan on TCP 7547 (Mirai variant)");
  EXPECT_EQ(j["alert"]["signature_id"], sig::kMiraiVariantScan);
}

TEST(OutboundScan, MiraiVariantOnSeveralPortsNamesThemAll) {
  for (uint16_t p : {80, 8080, 443, 37215, 52869}) {
    Harness h;
    MiraiScan s;
    s.ports = {p};
    run_scan(h, s, 10, 1, 10 * kMs, 0, sig::kMiraiVariantScan);
    EXPECT_EQ(h.count(sig::kMiraiVariantScan), 1u) << p;
  }
  Harness h;
  MiraiScan s;
  s.ports = {80, 8080};
  run_scan(h, s, 10, 1, 10 * kMs, 0, sig::kMiraiVariantScan);
  ASSERT_EQ(h.count(sig::kMiraiVariantScan), 1u);
  EXPECT_EQ(h.with(sig::kMiraiVariantScan)[0]->alert.signature, "IoT outbound scan on TCP 80, 8080 (Mirai variant)");
}

TEST(OutboundScan, TelnetAndVariantScansFromOneDeviceRaiseBoth) {
  Harness h;
  MiraiScan s;
  s.ports = {23, 23, 7547};
  run_scan(h, s, 30, 1, 10 * kMs, 0, sig::kMiraiVariantScan);
  EXPECT_EQ(h.count(sig::kMiraiTelnetScan), 1u);
  EXPECT_EQ(h.count(sig::kMiraiVariantScan), 1u);
}

TEST(OutboundScan, FingerprintNeedsDistinctPublicDestinations) {
  Harness h;
  // The same destination again and again (a retried connection that happens to match).
  for (int i = 0; i < 10; ++i)
    h.feed(tcp(kCam, kGw, kCamIp, "203.0.113.9", 40000, 23, kSyn, (203u << 24) | (113u << 8) | 9u), kT0 + i * kSec);
  // seq == destination towards LAN addresses: Mirai skips private ranges.
  for (uint32_t i = 1; i <= 10; ++i) {
    const uint32_t dst = (192u << 24) | (168u << 16) | (1u << 8) | (100 + i);
    h.feed(tcp(kCam, kPhone, kCamIp, ip_text(dst).c_str(), 40000, 23, kSyn, dst), kT0 + 20 * kSec + i * kMs);
  }
  EXPECT_EQ(h.count(sig::kMiraiTelnetScan), 0u);
  EXPECT_EQ(h.count(sig::kMiraiVariantScan), 0u);
}

TEST(OutboundScan, MiraiThresholdIsConfigurable) {
  Harness h("[detect.outbound_scan]\nmirai_min_destinations = 5\n");
  MiraiScan s;
  const Latency l = run_scan(h, s, 20, 1, 10 * kMs, 0, sig::kMiraiTelnetScan);
  EXPECT_EQ(l.packets, 5);
}

// ---- generic scan --------------------------------------------------------------------

// SYNs with random sequence numbers to `n` public addresses on `port` over `span`;
// `answer` of them are accepted (SYN-ACK back) after `rtt`.
void random_scan(Harness& h, int n, uint16_t port, core::TimeNs span, int answered = 0, core::TimeNs rtt = 0,
                 core::TimeNs start = kT0, const core::MacAddr& dev = kCam, const char* dev_ip = kCamIp) {
  std::mt19937 rng(11);
  std::vector<std::pair<core::TimeNs, Frame>> events;
  for (int i = 0; i < n; ++i) {
    const std::string dst = ip_text(random_public(rng));
    const core::TimeNs ts = start + span * i / n;
    const uint16_t sport = uint16_t(40000 + i);
    events.emplace_back(ts, tcp(dev, kGw, dev_ip, dst.c_str(), sport, port, kSyn, rng()));
    if (i < answered)
      events.emplace_back(ts + rtt, tcp(kGw, dev, dst.c_str(), dev_ip, port, sport, kSyn | kAck, rng(), 1));
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [ts, f] : events) h.feed(f, ts);
}

TEST(OutboundScan, ScanOfManyAddressesWithoutAnswersAlerts) {
  Harness h;
  random_scan(h, 64, 23, 10 * kSec);
  h.tick(kT0 + 13 * kSec);
  ASSERT_EQ(h.count(sig::kOutboundScan), 1u);
  EXPECT_EQ(h.count(sig::kMiraiTelnetScan), 0u);
  const Seen& a = *h.with(sig::kOutboundScan)[0];
  EXPECT_LE(a.alert.ts - kT0, 10 * kSec);
  EXPECT_EQ(a.alert.subkey, 23u);
  EXPECT_EQ(a.alert.signature, "IoT outbound scan of many addresses on TCP 23");
  auto j = nlohmann::json::parse(a.json);
  EXPECT_EQ(j["alert"]["signature_id"], sig::kOutboundScan);
  EXPECT_EQ(j["dest_port"], 23);
  EXPECT_EQ(j["src_ip"], kCamIp);
  const auto& e = j["evidence"];
  EXPECT_EQ(e["port"], 23);
  EXPECT_GE(e["distinct_destinations"].get<int>(), 32);
  EXPECT_EQ(e["syn_acks"], 0);
  EXPECT_DOUBLE_EQ(e["answered_ratio"].get<double>(), 0.0);
  EXPECT_EQ(e["window_seconds"], 10);
  EXPECT_EQ(e["sample_destinations"].size(), 5u);
}

TEST(OutboundScan, ScanWithAFewAnswersStillAlerts) {
  Harness h;
  random_scan(h, 64, 8080, 10 * kSec, 8, 50 * kMs);  // 1 in 8 accepted
  h.tick(kT0 + 13 * kSec);
  EXPECT_EQ(h.count(sig::kOutboundScan), 1u);
}

TEST(OutboundScan, Ipv6ScanAlertsToo) {
  Harness h;
  for (int i = 0; i < 64; ++i) {
    const std::string dst = "2001:db8:" + std::to_string(100 + i) + "::" + std::to_string(i + 1);
    h.feed(tcp(kCam, kGw, "fd00::20", dst.c_str(), uint16_t(40000 + i), 22, kSyn, uint32_t(i * 7919)),
           kT0 + i * 150 * kMs);
  }
  h.tick(kT0 + 13 * kSec);
  ASSERT_EQ(h.count(sig::kOutboundScan), 1u);
  EXPECT_EQ(h.with(sig::kOutboundScan)[0]->alert.dst_port, 22);
}

TEST(OutboundScan, BrowsingManyAnsweredSitesIsSilent) {
  Harness h;
  // A phone opening 200 connections to 200 addresses on 443 in 10 s, all accepted.
  random_scan(h, 200, 443, 10 * kSec, 200, 40 * kMs, kT0, kPhone, "192.168.1.30");
  // ... and a page load: 40 connections in 100 ms whose answers come 300 ms later.
  random_scan(h, 40, 443, 100 * kMs, 40, 300 * kMs, kT0 + 30 * kSec, kPhone, "192.168.1.30");
  h.tick(kT0 + 40 * kSec);
  EXPECT_TRUE(ours(h).empty()) << dump(h);
}

TEST(OutboundScan, FewDestinationsAreSilent) {
  Harness h;
  random_scan(h, 20, 23, 10 * kSec);  // unanswered, but only 20 addresses
  h.tick(kT0 + 15 * kSec);
  EXPECT_TRUE(ours(h).empty()) << dump(h);
}

TEST(OutboundScan, TimeGoingBackStartsANewWindow) {
  // Two capture files in one run, the second recorded earlier: three unanswered
  // addresses every 10 s must not add up over the whole second file.
  Harness h;
  std::mt19937 rng(5);
  for (core::TimeNs base : {kT0 + 5000 * kSec, kT0})
    for (int i = 0; i < 60; ++i)
      h.feed(tcp(kCam, kGw, kCamIp, ip_text(random_public(rng)).c_str(), uint16_t(40000 + i), 443, kSyn, rng()),
             base + i * 3333 * kMs);
  h.tick(kT0 + 300 * kSec);
  EXPECT_TRUE(ours(h).empty()) << dump(h);
}

TEST(OutboundScan, SweepOfTheLanIsAScanUnlessSwitchedOff) {
  auto sweep = [](Harness& h) {
    for (int i = 1; i <= 64; ++i) {
      const std::string dst = "192.168.1." + std::to_string(100 + i);
      h.feed(tcp(kCam, kGw, kCamIp, dst.c_str(), uint16_t(40000 + i), 80, kSyn, uint32_t(i * 7777)),
             kT0 + i * 100 * kMs);
    }
    h.tick(kT0 + 12 * kSec);
  };
  Harness on;
  sweep(on);
  ASSERT_EQ(on.count(sig::kOutboundScan), 1u);
  EXPECT_EQ(on.with(sig::kOutboundScan)[0]->alert.where, Where::kInternal);
  Harness off("[detect.outbound_scan]\ninternal = false\n");
  sweep(off);
  EXPECT_EQ(off.count(sig::kOutboundScan), 0u);
}

TEST(OutboundScan, GenericThresholdsAreConfigurable) {
  Harness h("[detect.outbound_scan]\nmin_destinations = 10\nwindow_seconds = 4\nanswer_wait_seconds = 0\n");
  random_scan(h, 12, 23, 2 * kSec);
  EXPECT_EQ(h.count(sig::kOutboundScan), 1u);
  Harness strict("[detect.outbound_scan]\nmax_answered_ratio = 0.0\n");
  random_scan(strict, 64, 23, 10 * kSec);
  strict.tick(kT0 + 13 * kSec);
  EXPECT_EQ(strict.count(sig::kOutboundScan), 0u);  // a ratio below 0 is never met
}

TEST(OutboundScan, BadConfigNamesTheKey) {
  for (const char* bad : {"max_answered_ratio = 2.0", "min_destinations = 1", "window_seconds = 0", "typo = 3"}) {
    auto c = DetectConfig::parse(std::string("[detect.outbound_scan]\n") + bad + "\n", "t.toml");
    ASSERT_TRUE(c);
    auto e = Engine::create(c.value());
    ASSERT_FALSE(e) << bad;
    const std::string key = std::string(bad).substr(0, std::string(bad).find(' '));
    EXPECT_NE(e.error().message().find(key), std::string::npos) << e.error().message();
  }
}

size_t scan_state_bytes(Harness& h) {
  for (const auto& d : h.engine().detectors())
    if (d.name == "outbound_scan") return d.state_bytes;
  return 0;
}

TEST(OutboundScan, StateIsBoundedUnderASpoofedFlood) {
  Harness h;
  const size_t before = scan_state_bytes(h);
  ASSERT_GT(before, 0u);
  std::mt19937 rng(3);
  // 100,000 SYNs, each from a new MAC and LAN address, to random addresses.
  for (uint32_t i = 0; i < 100'000; ++i) {
    core::MacAddr m;
    m.b = {0x02, uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i), 1};
    const std::string src =
        "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
    const uint32_t dst = random_public(rng);
    h.feed(tcp(m, kGw, src.c_str(), ip_text(dst).c_str(), 1234, 23, kSyn, dst ^ 1), kT0 + i * 10'000);
  }
  EXPECT_EQ(scan_state_bytes(h), before);
  EXPECT_LT(before, size_t(4) << 20);
  // A real scanner is still found afterwards.
  MiraiScan s;
  for (int i = 0; i < 5; ++i) h.feed(s.next(), kT0 + 2 * kSec + i * kMs);
  EXPECT_EQ(h.count(sig::kMiraiTelnetScan), 1u);
}

}  // namespace
}  // namespace sekisho::detect::dtest
