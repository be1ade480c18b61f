// Tests of the outbound_flood detector: Mirai's attack vectors from a LAN device (SYN,
// ACK, UDP, GRE, DNS water torture, HTTP), each against the device's own baseline, and
// the benign traffic that must not look like them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "harness.h"

namespace sekisho::detect::dtest {
namespace {

using decode::tcp::kAck;
using decode::tcp::kPsh;
using decode::tcp::kRst;
using decode::tcp::kSyn;

const core::MacAddr kCam = mac("00:11:22:33:44:55");
const core::MacAddr kGw = mac("00:aa:bb:cc:dd:ee");
constexpr const char* kCamIp = "192.168.1.20";
constexpr const char* kVictim = "198.51.100.7";
constexpr const char* kResolver = "192.168.1.1";

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

std::string random_label(std::mt19937& rng, size_t n = 12) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += char('a' + rng() % 26);
  return s;
}

// One attack packet of each vector, as Mirai's attack_*.c build them (random source port
// and, where it does, random destination port and sequence numbers).
enum class Kind { kSyn, kAck, kUdp, kGre, kDns, kHttp };

struct Attack {
  Kind kind;
  std::mt19937 rng{5};
  int sent = 0;
  Frame next() {
    const uint16_t sport = uint16_t(1024 + rng() % 60000), dport = uint16_t(1 + rng() % 65535);
    ++sent;
    switch (kind) {
      case Kind::kSyn: return tcp(kCam, kGw, kCamIp, kVictim, sport, dport, kSyn, rng());
      case Kind::kAck:
        return tcp(kCam, kGw, kCamIp, kVictim, sport, dport, kAck | kPsh, rng(), rng(), std::string(512, 'r'));
      case Kind::kUdp: return udp(kCam, kGw, kCamIp, kVictim, sport, dport, std::string(512, 'u'));
      case Kind::kGre: return gre(kCam, kGw, kCamIp, kVictim, std::string(512, 'g'));
      case Kind::kDns:
        return dns_query(kCam, kGw, kCamIp, kResolver, sport, random_label(rng) + ".victim-example.com",
                         uint16_t(rng()));
      case Kind::kHttp:
        // attack_app_http keeps a few connections open and sends requests on them.
        return tcp(kCam, kGw, kCamIp, kVictim, uint16_t(50000 + sent % 8), 80, kAck | kPsh, uint32_t(sent * 100), 1,
                   "GET / HTTP/1.1\r\nHost: victim.example\r\nUser-Agent: Mozilla/5.0\r\n\r\n");
    }
    return {};
  }
};

uint32_t sig_of(Kind k) {
  switch (k) {
    case Kind::kSyn: return sig::kOutSynFlood;
    case Kind::kAck: return sig::kOutAckFlood;
    case Kind::kUdp: return sig::kOutUdpFlood;
    case Kind::kGre: return sig::kOutGreFlood;
    case Kind::kDns: return sig::kOutDnsWaterTorture;
    case Kind::kHttp: return sig::kOutHttpFlood;
  }
  return 0;
}

const char* name_of(Kind k) {
  switch (k) {
    case Kind::kSyn: return "syn";
    case Kind::kAck: return "ack";
    case Kind::kUdp: return "udp";
    case Kind::kGre: return "gre";
    case Kind::kDns: return "dns";
    case Kind::kHttp: return "http";
  }
  return "";
}

// The HTTP flood's connections, opened (and accepted) before the requests.
void open_http_connections(Harness& h, core::TimeNs ts) {
  for (int c = 0; c < 8; ++c) {
    const uint16_t sport = uint16_t(50000 + c);
    h.feed(tcp(kCam, kGw, kCamIp, kVictim, sport, 80, kSyn, 1000), ts);
    h.feed(tcp(kGw, kCam, kVictim, kCamIp, 80, sport, kSyn | kAck, 5000, 1001), ts + kMs);
  }
}

// Sends `seconds` of the attack at `pps` starting at `start`; returns the time of the
// first alert of the vector (0: none).
core::TimeNs flood(Harness& h, Kind k, int pps, double seconds, core::TimeNs start) {
  Attack a{k};
  if (k == Kind::kHttp) open_http_connections(h, start - 10 * kMs);
  const int n = int(pps * seconds);
  for (int i = 0; i < n; ++i) {
    const core::TimeNs ts = start + kSec * i / pps;
    h.feed(a.next(), ts);
    if (h.count(sig_of(k))) return ts;
  }
  return 0;
}

struct Case {
  Kind kind;
  int pps;
};

class EveryVector : public ::testing::TestWithParam<Case> {};

TEST_P(EveryVector, IsFoundWithinTwoSeconds) {
  const Case c = GetParam();
  // Starting anywhere within a second: at its start, in its middle, just before its end.
  for (core::TimeNs offset : {core::TimeNs(0), 500 * kMs, 990 * kMs}) {
    Harness h;
    // A little ordinary traffic first: the device is known, its baseline quiet.
    for (int i = 0; i < 30; ++i) h.feed(udp(kCam, kGw, kCamIp, "203.0.113.5", 40000, 123, "ntp"), kT0 + i * kSec);
    const core::TimeNs start = kT0 + 60 * kSec + offset;
    const core::TimeNs at = flood(h, c.kind, c.pps, 3.0, start);
    ASSERT_NE(at, 0) << name_of(c.kind) << " at " << c.pps << " pps";
    EXPECT_LE(at - start, 2 * kSec) << name_of(c.kind) << " at " << c.pps << " pps";
    EXPECT_EQ(h.count(sig_of(c.kind)), 1u);
    EXPECT_EQ(ours(h).size(), 1u) << "only the vector's own signature: " << dump(h);
  }
}

std::string case_name(const ::testing::TestParamInfo<Case>& i) {
  return std::string(name_of(i.param.kind)) + "_" + std::to_string(i.param.pps) + "pps";
}

INSTANTIATE_TEST_SUITE_P(MiraiRates, EveryVector,
                         ::testing::Values(Case{Kind::kSyn, 5000}, Case{Kind::kAck, 5000}, Case{Kind::kUdp, 5000},
                                           Case{Kind::kGre, 5000}, Case{Kind::kDns, 3000}, Case{Kind::kHttp, 1000}),
                         case_name);
INSTANTIATE_TEST_SUITE_P(ModestRates, EveryVector,
                         ::testing::Values(Case{Kind::kSyn, 500}, Case{Kind::kAck, 500}, Case{Kind::kUdp, 500},
                                           Case{Kind::kGre, 500}, Case{Kind::kDns, 500}, Case{Kind::kHttp, 500}),
                         case_name);

TEST(OutboundFlood, AlertCarriesRateBaselineAndTargets) {
  Harness h;
  flood(h, Kind::kUdp, 2000, 2.0, kT0);
  ASSERT_EQ(h.count(sig::kOutUdpFlood), 1u);
  const Seen& a = *h.with(sig::kOutUdpFlood)[0];
  auto j = nlohmann::json::parse(a.json);
  EXPECT_EQ(j["alert"]["signature"], "IoT outbound UDP flood");
  EXPECT_EQ(j["alert"]["detector"], "outbound_flood");
  EXPECT_EQ(j["alert"]["category"], "Denial of service from device");
  EXPECT_EQ(j["direction"], "outbound");
  EXPECT_EQ(j["proto"], "UDP");
  EXPECT_EQ(j["src_ip"], kCamIp);
  EXPECT_EQ(j["dest_ip"], kVictim);
  EXPECT_EQ(j["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["device"]["ip"], kCamIp);
  const auto& e = j["evidence"];
  EXPECT_EQ(e["vector"], "udp");
  EXPECT_EQ(e["rate"], 300);
  EXPECT_EQ(e["window_seconds"], 1);
  EXPECT_DOUBLE_EQ(e["baseline"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(e["threshold"].get<double>(), 300.0);
  EXPECT_EQ(e["packets_counted"], 300);
  ASSERT_EQ(e["top_destinations"].size(), 1u);
  EXPECT_EQ(e["top_destinations"][0]["ip"], kVictim);
  EXPECT_EQ(e["top_destinations"][0]["packets"], 300);
}

TEST(OutboundFlood, DnsWaterTortureNamesTheDomain) {
  Harness h;
  flood(h, Kind::kDns, 1000, 1.0, kT0);
  ASSERT_EQ(h.count(sig::kOutDnsWaterTorture), 1u);
  auto j = nlohmann::json::parse(h.with(sig::kOutDnsWaterTorture)[0]->json);
  EXPECT_EQ(j["direction"], "internal");  // the resolver is the LAN gateway
  const auto& e = j["evidence"];
  EXPECT_EQ(e["vector"], "dns");
  EXPECT_EQ(e["parent_domain"], "victim-example.com");
  EXPECT_GE(e["rate"].get<int>(), 100);
  EXPECT_EQ(e["resolver"], kResolver);
  EXPECT_NE(e["sample_query"].get<std::string>().find(".victim-example.com"), std::string::npos);
}

TEST(OutboundFlood, ScansAreNotFloods) {
  Harness h;
  std::mt19937 rng(9);
  // Mirai's scanner (seq == destination) at 160 SYNs per second, and a fast generic
  // scanner at 5000 per second: thousands of destinations, none of them flooded.
  for (int i = 0; i < 160 * 5; ++i) {
    const uint32_t dst = (uint32_t(rng() % 200 + 1) << 24) | (rng() & 0xffffff);
    h.feed(tcp(kCam, kGw, kCamIp, ip_text(dst).c_str(), 48213, i % 10 ? 23 : 2323, kSyn, dst),
           kT0 + (i / 160) * kSec + (i % 160) * 20'000);
  }
  for (int i = 0; i < 15000; ++i) {
    const uint32_t dst = (uint32_t(rng() % 200 + 1) << 24) | (rng() & 0xffffff);
    h.feed(tcp(kCam, kGw, kCamIp, ip_text(dst).c_str(), uint16_t(30000 + i % 20000), 80, kSyn, rng()),
           kT0 + 10 * kSec + kSec * i / 5000);
  }
  EXPECT_EQ(h.count(sig::kOutSynFlood), 0u);
  EXPECT_GE(h.count(sig::kMiraiTelnetScan), 1u);  // the scan detector's business
}

TEST(OutboundFlood, ScanAndFloodAtOnceRaiseBoth) {
  Harness h;
  std::mt19937 rng(4);
  Attack syn{Kind::kSyn};
  // Per second: 2000 Mirai scan SYNs, 400 SYNs of another scanner (random seq) and 600
  // SYNs flooding one victim, interleaved. The flood stands out of the scans.
  for (int i = 0; i < 9000; ++i) {
    const core::TimeNs ts = kT0 + kSec * i / 3000;
    const uint32_t dst = (uint32_t(rng() % 200 + 1) << 24) | (rng() & 0xffffff);
    if (i % 5 == 4)
      h.feed(syn.next(), ts);
    else if (i % 15 == 3)
      h.feed(tcp(kCam, kGw, kCamIp, ip_text(dst).c_str(), uint16_t(30000 + i % 20000), 80, kSyn, rng()), ts);
    else
      h.feed(tcp(kCam, kGw, kCamIp, ip_text(dst).c_str(), 48213, 23, kSyn, dst), ts);
  }
  EXPECT_EQ(h.count(sig::kOutSynFlood), 1u);
  EXPECT_EQ(h.count(sig::kMiraiTelnetScan), 1u);
  auto e = nlohmann::json::parse(h.with(sig::kOutSynFlood)[0]->json)["evidence"];
  EXPECT_EQ(e["top_destinations"][0]["ip"], kVictim);
}

TEST(OutboundFlood, FirmwareDownloadIsSilent) {
  Harness h;
  // Handshake, then 6000 data segments per second down and an ACK up for every other one.
  h.feed(tcp(kCam, kGw, kCamIp, "203.0.113.80", 41000, 443, kSyn, 100), kT0);
  h.feed(tcp(kGw, kCam, "203.0.113.80", kCamIp, 443, 41000, kSyn | kAck, 900, 101), kT0 + 20 * kMs);
  h.feed(tcp(kCam, kGw, kCamIp, "203.0.113.80", 41000, 443, kAck, 101, 901), kT0 + 21 * kMs);
  for (int i = 0; i < 6000 * 4; ++i) {
    const core::TimeNs ts = kT0 + 30 * kMs + kSec * i / 6000;
    h.feed(tcp(kGw, kCam, "203.0.113.80", kCamIp, 443, 41000, kAck, 901 + 1400 * i, 101, std::string(1400, 'f')), ts);
    if (i % 2) h.feed(tcp(kCam, kGw, kCamIp, "203.0.113.80", 41000, 443, kAck, 101, 901 + 1400 * (i + 1)), ts);
  }
  EXPECT_TRUE(ours(h).empty()) << dump(h);
}

TEST(OutboundFlood, TransfersSeenMidStreamAreSilent) {
  Harness h;
  // Started before the capture: no handshake seen. A download (ACKs up) and an upload
  // (data up, ACKs down), each answered at once.
  for (int i = 0; i < 5000 * 3; ++i) {
    const core::TimeNs ts = kT0 + kSec * i / 5000;
    h.feed(tcp(kGw, kCam, "203.0.113.80", kCamIp, 443, 41000, kAck, 7 + 1400 * i, 3, std::string(1400, 'd')), ts);
    h.feed(tcp(kCam, kGw, kCamIp, "203.0.113.80", 41000, 443, kAck, 3, 7 + 1400 * (i + 1)), ts + 1000);
    h.feed(tcp(kCam, kGw, kCamIp, "203.0.113.81", 41001, 554, kAck | kPsh, 9 + 1200 * i, 5, std::string(1200, 'v')),
           ts + 2000);
    h.feed(tcp(kGw, kCam, "203.0.113.81", kCamIp, 554, 41001, kAck, 5, 9 + 1200 * (i + 1)), ts + 3000);
  }
  EXPECT_TRUE(ours(h).empty()) << dump(h);
}

TEST(OutboundFlood, AnsweredUdpAndMulticastAreSilent) {
  Harness h;
  for (int i = 0; i < 3000 * 3; ++i) {
    const core::TimeNs ts = kT0 + kSec * i / 3000;
    // A QUIC upload: the server acknowledges.
    h.feed(udp(kCam, kGw, kCamIp, "203.0.113.90", 51000, 443, std::string(1200, 'q')), ts);
    if (i % 2 == 0) h.feed(udp(kGw, kCam, "203.0.113.90", kCamIp, 443, 51000, std::string(40, 'a')), ts + 500);
    // An SSDP storm to the multicast group.
    if (i % 10 == 0)
      h.feed(udp(kCam, mac("01:00:5e:7f:ff:fa"), kCamIp, "239.255.255.250", 1900, 1900, "M-SEARCH * HTTP/1.1\r\n\r\n"),
             ts);
  }
  EXPECT_TRUE(ours(h).empty()) << dump(h);
}

TEST(OutboundFlood, OrdinaryDnsAndHttpAreSilent) {
  Harness h;
  std::mt19937 rng(2);
  for (int s = 0; s < 20; ++s) {
    // 30 distinct names a second, each under its own parent, and the same name 50 times.
    for (int i = 0; i < 30; ++i)
      h.feed(dns_query(kCam, kGw, kCamIp, kResolver, uint16_t(30000 + i), "www." + random_label(rng, 8) + ".com"),
             kT0 + s * kSec + i * 30 * kMs);
    for (int i = 0; i < 50; ++i)
      h.feed(dns_query(kCam, kGw, kCamIp, kResolver, uint16_t(31000 + i), "api.cloud.example.com"),
             kT0 + s * kSec + i * 20 * kMs);
    // A page of 40 objects over plain HTTP from one server.
    for (int i = 0; i < 40; ++i)
      h.feed(tcp(kCam, kGw, kCamIp, "203.0.113.70", uint16_t(52000 + i % 6), 80, kAck | kPsh, uint32_t(i), 1,
                 "GET /img/" + std::to_string(i) + ".png HTTP/1.1\r\nHost: shop.example\r\n\r\n"),
             kT0 + s * kSec + i * 25 * kMs);
  }
  EXPECT_TRUE(ours(h).empty()) << dump(h);
}

TEST(OutboundFlood, TimeGoingBackStartsANewWindow) {
  // Two capture files read in one run, the second recorded earlier: a hub polling its
  // cloud twice a second must not add up the whole second file in one window.
  Harness h;
  for (core::TimeNs base : {kT0 + 1000 * kSec, kT0})
    for (int i = 0; i < 200; ++i)
      h.feed(tcp(kCam, kGw, kCamIp, "203.0.113.70", uint16_t(52000 + i % 4), 80, kAck | kPsh, uint32_t(i), 1,
                 "GET /poll HTTP/1.1\r\nHost: cloud.example\r\n\r\n"),
             base + i * 500 * kMs);
  EXPECT_TRUE(ours(h).empty()) << dump(h);
}

TEST(OutboundFlood, ThresholdFollowsTheDeviceBaseline) {
  const std::string cfg = "[detect.outbound_flood]\nudp_min_pps = 50\n";
  // A device that always sends 40 unanswered datagrams a second (one-way telemetry)...
  Harness h(cfg);
  std::mt19937 rng(1);
  for (int s = 0; s < 300; ++s)
    for (int i = 0; i < 40; ++i)
      h.feed(udp(kCam, kGw, kCamIp, kVictim, uint16_t(1024 + rng() % 60000), 9999, "telemetry"),
             kT0 + s * kSec + i * 25 * kMs);
  ASSERT_TRUE(ours(h).empty());
  // ... is not flagged at 300 pps (below 10 x its baseline of about 40) ...
  const core::TimeNs t1 = kT0 + 300 * kSec;
  for (int i = 0; i < 600; ++i)
    h.feed(udp(kCam, kGw, kCamIp, kVictim, uint16_t(1024 + rng() % 60000), 9999, "telemetry"), t1 + kSec * i / 300);
  EXPECT_TRUE(ours(h).empty());
  // ... but is at 2000 pps.
  const core::TimeNs t2 = kT0 + 303 * kSec;
  for (int i = 0; i < 4000 && !h.count(sig::kOutUdpFlood); ++i)
    h.feed(udp(kCam, kGw, kCamIp, kVictim, uint16_t(1024 + rng() % 60000), 9999, "x"), t2 + kSec * i / 2000);
  ASSERT_EQ(h.count(sig::kOutUdpFlood), 1u);
  auto e = nlohmann::json::parse(h.with(sig::kOutUdpFlood)[0]->json)["evidence"];
  // The two seconds at 300 pps were quiet (below the threshold) and taught it a little.
  EXPECT_GT(e["baseline"].get<double>(), 38.0);
  EXPECT_LT(e["baseline"].get<double>(), 55.0);
  EXPECT_NEAR(e["threshold"].get<double>(), 10 * e["baseline"].get<double>(), 0.01);
  // A device without that history is flagged at 300 pps.
  Harness fresh(cfg);
  for (int i = 0; i < 600; ++i)
    fresh.feed(udp(kCam, kGw, kCamIp, kVictim, uint16_t(1024 + rng() % 60000), 9999, "telemetry"), t1 + kSec * i / 300);
  EXPECT_EQ(fresh.count(sig::kOutUdpFlood), 1u);
}

TEST(OutboundFlood, MinimaAreConfigurable) {
  Harness h("[detect.outbound_flood]\nsyn_min_pps = 1000\n");
  EXPECT_EQ(flood(h, Kind::kSyn, 500, 3.0, kT0), 0);
  EXPECT_EQ(flood(h, Kind::kSyn, 2000, 2.0, kT0 + 10 * kSec) != 0, true);
  Harness g("[detect.outbound_flood]\ngre_min_pps = 5\n");
  EXPECT_NE(flood(g, Kind::kGre, 10, 2.0, kT0), 0);
}

TEST(OutboundFlood, FloodsInsideTheLanNeedTheSwitch) {
  auto lan_flood = [](Harness& h) {
    for (int i = 0; i < 3000; ++i)
      h.feed(udp(kCam, mac("00:11:22:33:44:77"), kCamIp, "192.168.1.40", uint16_t(1024 + i), uint16_t(2000 + i), "x"),
             kT0 + kSec * i / 2000);
  };
  Harness off;
  lan_flood(off);
  EXPECT_TRUE(ours(off).empty());
  Harness on("[detect.outbound_flood]\ninternal = true\n");
  lan_flood(on);
  ASSERT_EQ(on.count(sig::kOutUdpFlood), 1u);
  EXPECT_EQ(on.with(sig::kOutUdpFlood)[0]->alert.where, Where::kInternal);
}

TEST(OutboundFlood, AckFloodAnsweredByResetsIsStillAFlood) {
  Harness h;
  Attack a{Kind::kAck};
  int i = 0;
  for (; i < 2000 && !h.count(sig::kOutAckFlood); ++i) {
    const core::TimeNs ts = kT0 + kSec * i / 1000;
    const Frame f = a.next();
    h.feed(f, ts);
    // The victim resets every segment (RST without ACK, RFC 793).
    const uint16_t sport = uint16_t(f[34] << 8 | f[35]), dport = uint16_t(f[36] << 8 | f[37]);
    h.feed(tcp(kGw, kCam, kVictim, kCamIp, dport, sport, kRst, 1), ts + 100'000);
  }
  EXPECT_EQ(h.count(sig::kOutAckFlood), 1u);
  EXPECT_LT(i, 1000);
}

TEST(OutboundFlood, BadConfigNamesTheKey) {
  for (const char* bad : {"syn_min_pps = 0", "baseline_factor = 0.5", "target_prefix_v4 = 40", "udp_min = 3"}) {
    auto c = DetectConfig::parse(std::string("[detect.outbound_flood]\n") + bad + "\n", "t.toml");
    ASSERT_TRUE(c);
    auto e = Engine::create(c.value());
    ASSERT_FALSE(e) << bad;
    const std::string key = std::string(bad).substr(0, std::string(bad).find(' '));
    EXPECT_NE(e.error().message().find(key), std::string::npos) << e.error().message();
  }
}

size_t flood_state_bytes(Harness& h) {
  for (const auto& d : h.engine().detectors())
    if (d.name == "outbound_flood") return d.state_bytes;
  return 0;
}

TEST(OutboundFlood, StateIsBoundedUnderASpoofedFlood) {
  Harness h;
  const size_t before = flood_state_bytes(h);
  ASSERT_GT(before, 0u);
  std::mt19937 rng(8);
  // 100,000 datagrams and water-torture queries, each from a new MAC and LAN address.
  for (uint32_t i = 0; i < 100'000; ++i) {
    core::MacAddr m;
    m.b = {0x02, uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i), 2};
    const std::string src =
        "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
    if (i % 2)
      h.feed(udp(m, kGw, src.c_str(), ip_text(rng() | 0x01000000).c_str(), 1000, 2000, "x"), kT0 + i * 10'000);
    else
      h.feed(dns_query(m, kGw, src.c_str(), "8.8.8.8", 1000, random_label(rng) + "." + random_label(rng) + ".com"),
             kT0 + i * 10'000);
  }
  EXPECT_EQ(flood_state_bytes(h), before);
  EXPECT_LT(before, size_t(4) << 20);
  // A real flood is still found afterwards.
  EXPECT_NE(flood(h, Kind::kSyn, 2000, 2.0, kT0 + 5 * kSec), 0);
}

}  // namespace
}  // namespace sekisho::detect::dtest
