// The inbound_bruteforce detector: telnet, SSH, HTTP and FTP login brute force against a LAN
// device, from outside and from a LAN neighbour; benign look-alikes, bounded state,
// config, EVE fields.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace sekisho::detect::dtest {
namespace {

using decode::tcp::kAck;
using decode::tcp::kFin;
using decode::tcp::kPsh;
using decode::tcp::kSyn;

const core::MacAddr kCam = mac("00:11:22:33:44:55");    // 192.168.1.20, the target
const core::MacAddr kPhone = mac("00:11:22:33:44:66");  // 192.168.1.30
const core::MacAddr kBot = mac("00:11:22:33:44:99");    // 192.168.1.66, infected
const core::MacAddr kGw = mac("00:aa:bb:cc:dd:ee");

size_t brute_alerts(const Harness& h) {
  size_t n = 0;
  for (const auto& s : h.alerts())
    if (s.alert.signature_id >= sig::kInTelnetBruteForce && s.alert.signature_id <= sig::kInFtpBruteForce) ++n;
  return n;
}

void announce(Harness& h, const core::MacAddr& m, const char* a, core::TimeNs t) {
  h.feed(dns_query(m, kGw, a, "192.168.1.1", 5353, "x.example"), t);
}

// One login attempt: the attacker connects, the server answers `reply` (may be empty),
// the attacker sends something and closes.
void attempt(Harness& h, const core::MacAddr& am, const char* attacker, const core::MacAddr& tm, const char* target,
             uint16_t sport, uint16_t dport, const std::string& reply, core::TimeNs t,
             const std::string& request = "x\r\n") {
  h.feed(tcp(am, tm, attacker, target, sport, dport, kSyn, 100), t);
  h.feed(tcp(tm, am, target, attacker, dport, sport, kSyn | kAck, 500, 101), t + kMs);
  h.feed(tcp(am, tm, attacker, target, sport, dport, kAck | kPsh, 101, 501, request), t + 2 * kMs);
  if (!reply.empty()) h.feed(tcp(tm, am, target, attacker, dport, sport, kAck | kPsh, 501, 104, reply), t + 3 * kMs);
  h.feed(tcp(am, tm, attacker, target, sport, dport, kAck | kFin, 104, 501 + uint32_t(reply.size())), t + 4 * kMs);
}

TEST(InboundBruteforce, MiraiLikeTelnetFromALanNeighbourAlerts) {
  Harness h;
  announce(h, kCam, "192.168.1.20", kT0 - kSec);
  announce(h, kBot, "192.168.1.66", kT0 - kSec);
  for (unsigned i = 0; i < 10; ++i)  // Mirai: up to 10 tries per host, one connection each
    attempt(h, kBot, "192.168.1.66", kCam, "192.168.1.20", uint16_t(40000 + i), 23,
            "\r\nLogin incorrect\r\nlogin: ", kT0 + i * 2 * kSec);
  ASSERT_EQ(h.count(sig::kInTelnetBruteForce), 1u);
  EXPECT_EQ(brute_alerts(h), 1u);
  const Seen& s = *h.with(sig::kInTelnetBruteForce)[0];
  EXPECT_LE(s.alert.ts, kT0 + 3 * 2 * kSec);  // the third failure
  auto j = nlohmann::json::parse(s.json);
  EXPECT_EQ(j["direction"], "internal");
  EXPECT_EQ(j["device"]["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["device"]["ip"], "192.168.1.20");
  EXPECT_EQ(j["alert"]["signature_id"], sig::kInTelnetBruteForce);
  EXPECT_EQ(j["alert"]["detector"], "inbound_bruteforce");
  EXPECT_EQ(j["evidence"]["service"], "telnet");
  EXPECT_EQ(j["evidence"]["port"], 23);
  EXPECT_EQ(j["evidence"]["attacker"], "192.168.1.66");
  EXPECT_EQ(j["evidence"]["attempts"], 3);
  EXPECT_EQ(j["evidence"]["failures"], 3);
  EXPECT_EQ(j["evidence"]["window_seconds"], 60);
  EXPECT_EQ(j["evidence"]["crossed"], "min_failures");
  EXPECT_EQ(s.json.find("admin"), std::string::npos);  // no credential ever
  // Raised on the device's "Login incorrect", but it describes the attack.
  EXPECT_EQ(j["src_ip"], "192.168.1.66");
  EXPECT_EQ(j["dest_ip"], "192.168.1.20");
  EXPECT_EQ(j["dest_port"], 23);
}

TEST(InboundBruteforce, AlertOnTheDevicesAnswerDescribesTheAttack) {
  Harness h;
  for (unsigned i = 0; i < 4; ++i)
    attempt(h, kGw, "203.0.113.45", kCam, "192.168.1.20", uint16_t(59260 + i), 23,
            "\r\nLogin incorrect\r\nlogin: ", kT0 + i * kSec);
  ASSERT_EQ(h.count(sig::kInTelnetBruteForce), 1u);
  auto j = nlohmann::json::parse(h.with(sig::kInTelnetBruteForce)[0]->json);
  EXPECT_EQ(j["direction"], "inbound");
  EXPECT_EQ(j["src_ip"], "203.0.113.45");
  EXPECT_EQ(j["dest_ip"], "192.168.1.20");
  EXPECT_EQ(j["dest_port"], 23);
  EXPECT_EQ(j["mac"], "00:11:22:33:44:55");
}

TEST(InboundBruteforce, TelnetConnectionsAloneAlertOnPort2323) {
  Harness h;
  for (unsigned i = 0; i < 8; ++i)  // no visible failure text (e.g. the server just closes)
    attempt(h, kGw, "203.0.113.5", kCam, "192.168.1.20", uint16_t(40000 + i), 2323, "", kT0 + i * kSec,
            "admin\r\nadmin\r\n");
  ASSERT_EQ(h.count(sig::kInTelnetBruteForce), 1u);
  auto j = nlohmann::json::parse(h.with(sig::kInTelnetBruteForce)[0]->json);
  EXPECT_EQ(j["direction"], "inbound");
  EXPECT_EQ(j["evidence"]["attempts"], 6);
  EXPECT_EQ(j["evidence"]["crossed"], "min_connections");
  EXPECT_EQ(j["evidence"]["port"], 2323);
  EXPECT_EQ(j.dump().find("admin"), std::string::npos);
}

TEST(InboundBruteforce, EachAttackerGetsItsOwnAlert) {
  Harness h;
  for (unsigned a = 0; a < 3; ++a) {
    const std::string src = "203.0.113." + std::to_string(10 + a);
    for (unsigned i = 0; i < 6; ++i)
      attempt(h, kGw, src.c_str(), kCam, "192.168.1.20", uint16_t(40000 + i), 23, "", kT0 + a * kSec + i * 100 * kMs);
  }
  EXPECT_EQ(h.count(sig::kInTelnetBruteForce), 3u);
}

TEST(InboundBruteforce, OneTelnetSessionWithATypoIsQuiet) {
  Harness h;
  attempt(h, kPhone, "192.168.1.30", kCam, "192.168.1.20", 40000, 23, "Login incorrect\r\nlogin: ", kT0);
  attempt(h, kPhone, "192.168.1.30", kCam, "192.168.1.20", 40001, 23, "Login incorrect\r\nlogin: ", kT0 + 5 * kSec);
  attempt(h, kPhone, "192.168.1.30", kCam, "192.168.1.20", 40002, 23, "# ", kT0 + 10 * kSec);
  EXPECT_EQ(brute_alerts(h), 0u);
}

TEST(InboundBruteforce, SshConnectionsAlert) {
  Harness h;
  for (unsigned i = 0; i < 12; ++i)
    attempt(h, kGw, "203.0.113.5", kCam, "192.168.1.20", uint16_t(40000 + i), 22, "SSH-2.0-dropbear\r\n",
            kT0 + i * 3 * kSec);
  ASSERT_EQ(h.count(sig::kInSshBruteForce), 1u);
  auto j = nlohmann::json::parse(h.with(sig::kInSshBruteForce)[0]->json);
  EXPECT_EQ(j["evidence"]["service"], "ssh");
  EXPECT_EQ(j["evidence"]["attempts"], 10);
  EXPECT_EQ(j["dest_port"], 22);
}

TEST(InboundBruteforce, AppReconnectingOverSshEveryTenSecondsIsQuiet) {
  Harness h;
  for (unsigned i = 0; i < 60; ++i)
    attempt(h, kPhone, "192.168.1.30", kCam, "192.168.1.20", uint16_t(40000 + i), 22, "SSH-2.0-x\r\n",
            kT0 + i * 10 * kSec);
  EXPECT_EQ(brute_alerts(h), 0u);
}

TEST(InboundBruteforce, FtpFailuresAlert) {
  Harness h;
  for (unsigned i = 0; i < 5; ++i)
    attempt(h, kGw, "203.0.113.5", kCam, "192.168.1.20", uint16_t(40000 + i), 21, "530 Login incorrect.\r\n",
            kT0 + i * kSec, "PASS secret\r\n");
  ASSERT_EQ(h.count(sig::kInFtpBruteForce), 1u);
  const Seen& s = *h.with(sig::kInFtpBruteForce)[0];
  auto j = nlohmann::json::parse(s.json);
  EXPECT_EQ(j["evidence"]["failures"], 3);
  // Raised on the server's answer; it still describes the attack: attacker -> device:21.
  EXPECT_EQ(j["src_ip"], "203.0.113.5");
  EXPECT_EQ(j["dest_ip"], "192.168.1.20");
  EXPECT_EQ(j["dest_port"], 21);
  EXPECT_EQ(j["direction"], "inbound");
  EXPECT_EQ(j["device"]["ip"], "192.168.1.20");
  EXPECT_EQ(s.json.find("secret"), std::string::npos);
}

TEST(InboundBruteforce, HttpFailuresAlertButDigestPollingDoesNot) {
  Harness brute;
  for (unsigned i = 0; i < 12; ++i)  // hydra against a camera's login: 401 after 401
    attempt(brute, kGw, "203.0.113.5", kCam, "192.168.1.20", uint16_t(40000 + i), 8080,
            "HTTP/1.1 401 Unauthorized\r\n\r\n", kT0 + i * 500 * kMs,
            "GET /login HTTP/1.1\r\nHost: cam\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");
  ASSERT_EQ(brute.count(sig::kInHttpBruteForce), 1u);
  auto j = nlohmann::json::parse(brute.with(sig::kInHttpBruteForce)[0]->json);
  EXPECT_EQ(j["evidence"]["service"], "http");
  EXPECT_EQ(j["evidence"]["failures"], 10);
  EXPECT_EQ(j["evidence"]["successes"], 0);
  EXPECT_EQ(j.dump().find("YWRtaW4"), std::string::npos);

  // A phone app polling a snapshot every second with digest auth: challenged on each
  // connection, then served. 120 connections a minute, 60 failures, 60 successes.
  Harness app;
  for (unsigned i = 0; i < 120; ++i) {
    const core::TimeNs t = kT0 + i * kSec;
    attempt(app, kPhone, "192.168.1.30", kCam, "192.168.1.20", uint16_t(40000 + 2 * i), 80,
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest\r\n\r\n", t);
    attempt(app, kPhone, "192.168.1.30", kCam, "192.168.1.20", uint16_t(40001 + 2 * i), 80,
            "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n", t + 100 * kMs);
  }
  EXPECT_EQ(brute_alerts(app), 0u);
}

TEST(InboundBruteforce, ManyHttpConnectionsAlone) {
  Harness h("[detect.inbound_bruteforce]\nhttp_min_connections = 50\n");
  for (unsigned i = 0; i < 60; ++i)
    h.feed(tcp(kGw, kCam, "203.0.113.5", "192.168.1.20", uint16_t(40000 + i), 81, kSyn), kT0 + i * 100 * kMs);
  ASSERT_EQ(h.count(sig::kInHttpBruteForce), 1u);
  EXPECT_EQ(nlohmann::json::parse(h.with(sig::kInHttpBruteForce)[0]->json)["evidence"]["attempts"], 50);
}

TEST(InboundBruteforce, SlowAttemptsOutsideTheWindowAreQuiet) {
  Harness h;
  for (unsigned i = 0; i < 30; ++i)  // one telnet try every 15 s: at most 4 in a minute
    attempt(h, kGw, "203.0.113.5", kCam, "192.168.1.20", uint16_t(40000 + i), 23, "", kT0 + i * 15 * kSec);
  EXPECT_EQ(brute_alerts(h), 0u);
}

TEST(InboundBruteforce, CaptureFilesOutOfOrderStartANewWindow) {
  Harness h;
  // 4 telnet tries at the end of a later file, 4 in an earlier one a day before.
  for (unsigned i = 0; i < 4; ++i)
    attempt(h, kGw, "203.0.113.5", kCam, "192.168.1.20", uint16_t(40000 + i), 23, "", kT0 + 86400 * kSec + i * kSec);
  for (unsigned i = 0; i < 4; ++i)
    attempt(h, kGw, "203.0.113.5", kCam, "192.168.1.20", uint16_t(41000 + i), 23, "", kT0 + i * kSec);
  EXPECT_EQ(brute_alerts(h), 0u);
}

TEST(InboundBruteforce, PortsAndThresholdsComeFromTheConfig) {
  Harness h(
      "[detect.inbound_bruteforce]\nssh_ports = [22, 22022]\nssh_min_connections = 3\nwindow_seconds = 5\n"
      "telnet_min_connections = 0\ntelnet_min_failures = 0\n");
  for (unsigned i = 0; i < 4; ++i)
    attempt(h, kGw, "203.0.113.5", kCam, "192.168.1.20", uint16_t(40000 + i), 22022, "", kT0 + i * kSec);
  ASSERT_EQ(h.count(sig::kInSshBruteForce), 1u);
  auto j = nlohmann::json::parse(h.with(sig::kInSshBruteForce)[0]->json);
  EXPECT_EQ(j["evidence"]["attempts"], 3);
  EXPECT_EQ(j["evidence"]["window_seconds"], 5);
  EXPECT_EQ(j["evidence"]["port"], 22022);
  for (unsigned i = 0; i < 20; ++i)  // telnet switched off by its zero thresholds
    attempt(h, kGw, "203.0.113.6", kCam, "192.168.1.20", uint16_t(41000 + i), 23, "Login incorrect\r\n",
            kT0 + i * 100 * kMs);
  EXPECT_EQ(h.count(sig::kInTelnetBruteForce), 0u);
}

TEST(InboundBruteforce, BadConfigIsRejectedByName) {
  for (const char* bad : {"[detect.inbound_bruteforce]\nssh_min_failures = 3\n",   // SSH failures are not visible
                          "[detect.inbound_bruteforce]\nhttp_ports = [80, 23]\n",  // 23 is telnet's
                          "[detect.inbound_bruteforce]\nwindow_seconds = 0\n"}) {
    auto c = DetectConfig::parse(bad, "t.toml");
    ASSERT_TRUE(c);
    auto e = Engine::create(c.value());
    ASSERT_FALSE(e) << bad;
    EXPECT_NE(e.error().message().find("inbound_bruteforce"), std::string::npos) << e.error().message();
  }
}

size_t brute_state(Harness& h) {
  for (const auto& d : h.engine().detectors())
    if (d.name == "inbound_bruteforce") return d.state_bytes;
  return 0;
}

TEST(InboundBruteforce, StateStaysBoundedUnderSpoofedAttempts) {
  Harness h;
  const size_t before = brute_state(h);
  ASSERT_GT(before, 0u);
  char src[32];
  for (uint32_t i = 0; i < 100000; ++i) {  // 100k spoofed sources, one telnet SYN each
    std::snprintf(src, sizeof src, "%u.%u.%u.9", 11 + (i >> 16), (i >> 8) & 255, i & 255);
    h.feed(tcp(kGw, kCam, src, "192.168.1.20", 40000, 23, kSyn), kT0 + i * 10 * 1000);
  }
  EXPECT_EQ(brute_state(h), before);
  EXPECT_EQ(brute_alerts(h), 0u);
  for (unsigned i = 0; i < 6; ++i)  // a real attacker amid the noise is still found
    attempt(h, kGw, "203.0.113.5", kCam, "192.168.1.20", uint16_t(40000 + i), 23, "", kT0 + 2 * kSec + i * kSec);
  EXPECT_EQ(h.count(sig::kInTelnetBruteForce), 1u);
  EXPECT_EQ(brute_state(h), before);
}

}  // namespace
}  // namespace sekisho::detect::dtest
