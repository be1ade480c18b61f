// Tests of the household detectors: new_device (learn period, private-MAC rotation, the
// known_devices file), idle_device (watched time, input jumps), cleartext_credentials
// (telnet, FTP, HTTP Basic, MQTT; no secret in the output) and blocklist (list formats,
// errors, v4/v6 prefixes, large lists).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "harness.h"

namespace sekisho::detect::dtest {
namespace {

namespace fs = std::filesystem;
using decode::tcp::kAck;
using decode::tcp::kPsh;
using decode::tcp::kSyn;

const core::MacAddr kCam = mac("00:11:22:33:44:55");
const core::MacAddr kPlug = mac("00:11:22:33:44:66");
const core::MacAddr kPrinter = mac("00:11:22:33:44:77");
const core::MacAddr kGw = mac("00:aa:bb:cc:dd:ee");
// Private (locally administered) MACs, as phones use.
const core::MacAddr kPhoneA = mac("da:a1:19:00:00:01");
const core::MacAddr kPhoneB = mac("da:a1:19:00:00:02");
const core::MacAddr kPhoneC = mac("da:a1:19:00:00:03");

nlohmann::json evidence(const Seen* s) { return nlohmann::json::parse(s->json)["evidence"]; }

// A temporary directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("sekisho-household-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name, const std::string& text) const {
    const fs::path p = path / name;
    std::ofstream(p) << text;
    return p.string();
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The error an engine built from `toml` reports ("" if none).
std::string config_error(const std::string& toml) {
  auto c = DetectConfig::parse(toml, "test.toml");
  if (!c) return c.error().message();
  auto e = Engine::create(c.value());
  return e ? std::string() : e.error().message();
}

size_t state_of(Harness& h, std::string_view name) {
  for (const auto& d : h.engine().detectors())
    if (d.name == name) return d.state_bytes;
  return 0;
}

// A frame with no IP: an EAPOL key message, as a Wi-Fi station sends while joining.
Frame eapol(const core::MacAddr& src, const core::MacAddr& dst) {
  Frame f(14 + 20, 0x01);
  std::memcpy(f.data(), dst.b.data(), 6);
  std::memcpy(f.data() + 6, src.b.data(), 6);
  f[12] = 0x88;
  f[13] = 0x8e;
  return f;
}

// Some UDP from a LAN device to the gateway, to keep it (and the monitor) busy.
Frame chatter(const core::MacAddr& m, const char* ip) { return udp(m, kGw, ip, "192.168.1.1", 5353, 53, "x"); }

// Frames to feed in time order, however the test lists them.
struct Timeline {
  std::vector<std::pair<core::TimeNs, Frame>> frames;
  void add(core::TimeNs t, Frame f) { frames.emplace_back(t, std::move(f)); }
  // `m` chatters every `every` seconds in [from, to] (seconds after kT0).
  void chatter_from(const core::MacAddr& m, const char* ip, int from, int to, int every = 5) {
    for (int t = from; t <= to; t += every) add(kT0 + t * kSec + kMs, chatter(m, ip));
  }
  void run(Harness& h) {
    std::stable_sort(frames.begin(), frames.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [t, f] : frames) h.feed(f, t);
    frames.clear();
  }
};

// ---------------------------------------------------------------- new_device

TEST(NewDevice, DevicesPresentAtStartAreTheBaseline) {
  Harness h;
  Timeline tl;
  tl.chatter_from(kCam, "192.168.1.20", 0, 300);
  tl.chatter_from(kPlug, "192.168.1.21", 0, 50);
  tl.add(kT0 + 55 * kSec, chatter(kPrinter, "192.168.1.22"));  // still within the 60 s
  tl.add(kT0 + 300 * kSec, chatter(kPrinter, "192.168.1.22"));
  tl.run(h);
  h.finish();
  EXPECT_EQ(h.count(sig::kNewDevice), 0u);
}

TEST(NewDevice, ADeviceJoiningLaterAlertsOnceWithItsIdentity) {
  Harness h("[detect]\nsuppress_seconds = 0\n");
  Timeline tl;
  tl.chatter_from(kCam, "192.168.1.20", 0, 200);
  // The printer joins at 100 s: DHCP, then traffic from its address.
  tl.add(kT0 + 100 * kSec, dhcp_request(kPrinter, "office-printer"));
  for (int t = 101; t <= 200; t += 5)
    tl.add(kT0 + t * kSec, tcp(kPrinter, kGw, "192.168.1.22", "203.0.113.5", uint16_t(40000 + t), 443, kSyn));
  tl.run(h);
  h.finish();
  auto got = h.with(sig::kNewDevice);
  ASSERT_EQ(got.size(), 1u);
  // Decided identity_wait_seconds (30) after its first packet, on the next tick.
  EXPECT_GE(got[0]->alert.ts, kT0 + 130 * kSec);
  EXPECT_LE(got[0]->alert.ts, kT0 + 132 * kSec);
  auto j = nlohmann::json::parse(got[0]->json);
  EXPECT_EQ(j["alert"]["signature_id"], sig::kNewDevice);
  EXPECT_EQ(j["device"]["mac"], "00:11:22:33:44:77");
  EXPECT_EQ(j["device"]["ip"], "192.168.1.22");
  EXPECT_EQ(j["evidence"]["hostname"], "office-printer");
  EXPECT_EQ(j["evidence"]["randomized"], false);
  EXPECT_EQ(j["evidence"]["addresses"], nlohmann::json::parse(R"(["192.168.1.22"])"));
  EXPECT_EQ(j["evidence"]["dhcp_fingerprint"], "1,3,6");
  EXPECT_TRUE(j["evidence"].contains("class"));
  EXPECT_TRUE(j["evidence"].contains("first_seen"));
}

TEST(NewDevice, LearnAndWaitAreConfigurable) {
  Harness h("[detect.new_device]\nlearn_seconds = 0\nidentity_wait_seconds = 2\n");
  h.feed(chatter(kCam, "192.168.1.20"), kT0);
  h.feed(chatter(kCam, "192.168.1.20"), kT0 + 3 * kSec);
  ASSERT_EQ(h.count(sig::kNewDevice), 1u);
  EXPECT_EQ(h.with(sig::kNewDevice)[0]->alert.mac, kCam);
  EXPECT_NE(config_error("[detect.new_device]\nlearn_seconds = -1\n").find("learn_seconds"), std::string::npos);
  EXPECT_NE(config_error("[detect.new_device]\nlern_seconds = 5\n").find("lern_seconds"), std::string::npos);
}

TEST(NewDevice, RandomizedMacRotationDoesNotReAlert) {
  Harness h("[detect]\nsuppress_seconds = 0\n");
  Timeline tl;
  // Baseline: the camera and a phone on a private MAC, which says who it is in DHCP.
  tl.chatter_from(kCam, "192.168.1.20", 0, 400);
  tl.add(kT0 + kSec, dhcp_request(kPhoneA, "Pixel-7", std::string("\x01\xda\xa1\x19\x00\x00\x01", 7)));
  tl.chatter_from(kPhoneA, "192.168.1.50", 2, 150, 10);
  // The phone comes back at 200 s with a new private MAC: its first packet carries no
  // identity, the DHCP that names it comes 5 s later.
  tl.chatter_from(kPhoneB, "192.168.1.51", 200, 400, 10);
  tl.add(kT0 + 205 * kSec, dhcp_request(kPhoneB, "pixel-7", std::string("\x01\xda\xa1\x19\x00\x00\x02", 7)));
  // Another phone, named otherwise, joins: new.
  tl.add(kT0 + 300 * kSec, dhcp_request(kPhoneC, "Galaxy-S23"));
  tl.chatter_from(kPhoneC, "192.168.1.52", 301, 400, 10);
  tl.run(h);
  h.finish();
  auto got = h.with(sig::kNewDevice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->alert.mac, kPhoneC);
  auto e = evidence(got[0]);
  EXPECT_EQ(e["randomized"], true);
  EXPECT_EQ(e["identity"]["hostname"], true);
  EXPECT_EQ(e["identity"]["dhcp_fingerprint"], true);
}

TEST(NewDevice, TwoLookAlikePhonesAtOnceAreTwoDevices) {
  Harness h;
  Timeline tl;
  tl.add(kT0, dhcp_request(kPhoneA, "iPhone"));
  tl.chatter_from(kPhoneA, "192.168.1.50", 0, 300);
  // Same name and fingerprint, but the first is still talking: a second iPhone.
  tl.add(kT0 + 100 * kSec, dhcp_request(kPhoneB, "iPhone"));
  tl.chatter_from(kPhoneB, "192.168.1.51", 101, 300);
  tl.run(h);
  h.finish();
  ASSERT_EQ(h.count(sig::kNewDevice), 1u);
  EXPECT_EQ(h.with(sig::kNewDevice)[0]->alert.mac, kPhoneB);
}

TEST(NewDevice, TheClientIdAloneRecognisesAPhone) {
  Harness h;
  Timeline tl;
  const std::string duid_like("\xff\x00\x00\x00\x01\x00\x04\x12\x34\x56\x78", 11);
  tl.add(kT0, dhcp_request(kPhoneA, "", duid_like));
  tl.add(kT0 + kSec, chatter(kPhoneA, "192.168.1.50"));
  tl.chatter_from(kCam, "192.168.1.20", 5, 300);
  tl.add(kT0 + 150 * kSec, dhcp_request(kPhoneB, "", duid_like));
  tl.add(kT0 + 151 * kSec, chatter(kPhoneB, "192.168.1.51"));
  tl.run(h);
  h.finish();
  EXPECT_EQ(h.count(sig::kNewDevice), 0u);
}

TEST(NewDevice, TheRouterAndLinkOnlyStationsDoNotAlert) {
  Harness h;
  Timeline tl;
  tl.chatter_from(kCam, "192.168.1.20", 0, 300);
  // After the learn period, a MAC forwards Internet traffic to the camera: the router.
  const core::MacAddr router = mac("00:aa:bb:cc:dd:01");
  for (int i = 0; i < 6; ++i) {
    const std::string src = "198.51.100." + std::to_string(10 + i);
    tl.add(kT0 + (100 + i) * kSec,
           tcp(router, kCam, src.c_str(), "192.168.1.20", 443, uint16_t(50000 + i), kSyn | kAck));
  }
  // A station that only runs the Wi-Fi handshake has not joined the network...
  const core::MacAddr station = mac("00:11:22:33:44:99");
  tl.add(kT0 + 110 * kSec, eapol(station, kGw));
  tl.add(kT0 + 111 * kSec, eapol(station, kGw));
  tl.run(h);
  EXPECT_EQ(h.count(sig::kNewDevice), 0u);
  // ... until it sends IP.
  tl.chatter_from(kCam, "192.168.1.20", 305, 400);
  tl.add(kT0 + 350 * kSec, chatter(station, "192.168.1.99"));
  tl.run(h);
  h.finish();
  ASSERT_EQ(h.count(sig::kNewDevice), 1u);
  EXPECT_EQ(h.with(sig::kNewDevice)[0]->alert.mac, station);
}

TEST(NewDevice, AReplayOfOtherDatesStartsAFreshLearnPeriod) {
  Harness h;
  for (int t = 0; t <= 300; t += 5) h.feed(chatter(kCam, "192.168.1.20"), kT0 + t * kSec);
  // A capture file of ten days earlier: its devices were there when it started.
  const core::TimeNs earlier = kT0 - 10 * 86400 * kSec;
  h.feed(chatter(kPlug, "192.168.1.21"), earlier);
  h.feed(chatter(kPlug, "192.168.1.21"), earlier + 40 * kSec);
  // And one of a day later.
  const core::TimeNs later = kT0 + 86400 * kSec;
  h.feed(chatter(kPrinter, "192.168.1.22"), later + 10 * kSec);
  h.feed(chatter(kPrinter, "192.168.1.22"), later + 50 * kSec);
  h.finish();
  EXPECT_EQ(h.count(sig::kNewDevice), 0u);
  // Within one stretch of watching, a late device is new.
  Timeline tl;
  tl.add(later + 51 * kSec, chatter(kPhoneA, "192.168.1.50"));  // 41 s into it: baseline
  for (int t = 55; t <= 300; t += 5) tl.add(later + t * kSec, chatter(kPrinter, "192.168.1.22"));
  tl.add(later + 150 * kSec, dhcp_request(kPhoneC, "late"));
  for (int t = 151; t <= 300; t += 5) tl.add(later + t * kSec, chatter(kPhoneC, "192.168.1.52"));
  tl.run(h);
  h.finish();
  ASSERT_EQ(h.count(sig::kNewDevice), 1u);
  EXPECT_EQ(h.with(sig::kNewDevice)[0]->alert.mac, kPhoneC);
}

TEST(NewDevice, PausesInAReplayDoNotEndTheLearnPeriod) {
  // Sparse captures: a device that speaks up after a quiet minute was there all along.
  Harness h;
  h.feed(chatter(kCam, "192.168.1.20"), kT0);
  h.feed(chatter(kCam, "192.168.1.20"), kT0 + 45 * kSec);   // 45 s of nothing: not watched
  h.feed(chatter(kCam, "192.168.1.20"), kT0 + 100 * kSec);  // 55 s more
  h.feed(chatter(kPlug, "192.168.1.21"), kT0 + 105 * kSec);
  h.feed(chatter(kPlug, "192.168.1.21"), kT0 + 140 * kSec);
  h.finish();
  EXPECT_EQ(h.count(sig::kNewDevice), 0u);
}

TEST(NewDevice, KnownDevicesFileRoundTrip) {
  TempDir dir;
  const std::string path = (dir.path / "known_devices.txt").string();
  const std::string toml = "[detect.new_device]\nknown_devices = \"" + path + "\"\n";
  {
    Harness h(toml);
    ASSERT_TRUE(h.ok());
    EXPECT_TRUE(fs::exists(path)) << "a missing file is created";
    Timeline tl;
    tl.chatter_from(kCam, "192.168.1.20", 0, 200);
    tl.add(kT0 + kSec, dhcp_request(kPhoneA, "Johns Phone", std::string("\x01\xda\xa1\x19\x00\x00\x01", 7)));
    tl.add(kT0 + 2 * kSec, chatter(kPhoneA, "192.168.1.50"));
    tl.chatter_from(kPlug, "192.168.1.21", 120, 200);  // new: alerts, and is written
    tl.run(h);
    h.finish();
    EXPECT_EQ(h.count(sig::kNewDevice), 1u);
  }
  const std::string text = slurp(path);
  EXPECT_NE(text.find("00:11:22:33:44:55"), std::string::npos) << text;
  EXPECT_NE(text.find("00:11:22:33:44:66"), std::string::npos) << text;
  EXPECT_NE(text.find("da:a1:19:00:00:01 cid=01daa119000001 host=johns%20phone fp=1,3,6"), std::string::npos) << text;
  {
    // A restart: the file is the baseline (no learn period); what it lists never alerts,
    // the phone back on another private MAC is recognised, the printer is new at once.
    Harness h(toml);
    ASSERT_TRUE(h.ok());
    Timeline tl;
    tl.chatter_from(kCam, "192.168.1.20", 1000, 1100);
    tl.add(kT0 + 1001 * kSec, chatter(kPlug, "192.168.1.21"));
    tl.add(kT0 + 1002 * kSec, dhcp_request(kPhoneB, "Johns Phone"));
    tl.add(kT0 + 1003 * kSec, chatter(kPrinter, "192.168.1.22"));
    tl.run(h);
    h.finish();
    ASSERT_EQ(h.count(sig::kNewDevice), 1u);
    EXPECT_EQ(h.with(sig::kNewDevice)[0]->alert.mac, kPrinter);
  }
  const std::string after = slurp(path);
  EXPECT_EQ(after.compare(0, text.size(), text), 0) << "appended, never rewritten";
  EXPECT_NE(after.find("00:11:22:33:44:77", text.size()), std::string::npos);
}

TEST(NewDevice, KnownDevicesFileSurvivesACutLastLine) {
  // What a crash in the middle of an append leaves: a last line without its newline.
  TempDir dir;
  const std::string path = dir.file("known.txt", "00:11:22:33:44:55 host=cam\n00:11:22:3");
  const std::string toml = "[detect.new_device]\nknown_devices = \"" + path + "\"\n";
  {
    Harness h(toml);
    ASSERT_TRUE(h.ok());
    h.feed(chatter(kCam, "192.168.1.20"), kT0);
    h.feed(chatter(kPlug, "192.168.1.21"), kT0 + kSec);
    h.feed(chatter(kPlug, "192.168.1.21"), kT0 + 40 * kSec);
    h.finish();
    ASSERT_EQ(h.count(sig::kNewDevice), 1u);
    EXPECT_EQ(h.with(sig::kNewDevice)[0]->alert.mac, kPlug);
  }
  EXPECT_EQ(slurp(path).find("00:11:22:33:44:55 host=cam\n# cut line ignored: 00:11:22:3\n"), 0u) << slurp(path);
  EXPECT_NE(slurp(path).find("\n00:11:22:33:44:66\n"), std::string::npos) << slurp(path);
  EXPECT_EQ(config_error(toml), "");
}

TEST(NewDevice, KnownDevicesFileErrorsNameFileAndLine) {
  TempDir dir;
  const std::string bad = dir.file("known.txt", "# devices\n00:11:22:33:44:55\nnot-a-mac host=x\n");
  std::string err = config_error("[detect.new_device]\nknown_devices = \"" + bad + "\"\n");
  EXPECT_NE(err.find("known.txt:3"), std::string::npos) << err;
  EXPECT_NE(err.find("known_devices"), std::string::npos) << err;
  const std::string field = dir.file("field.txt", "00:11:22:33:44:55 colour=blue\n");
  err = config_error("[detect.new_device]\nknown_devices = \"" + field + "\"\n");
  EXPECT_NE(err.find("field.txt:1"), std::string::npos) << err;
  const std::string hex = dir.file("hex.txt", "\n00:11:22:33:44:55 cid=xyz\n");
  err = config_error("[detect.new_device]\nknown_devices = \"" + hex + "\"\n");
  EXPECT_NE(err.find("hex.txt:2"), std::string::npos) << err;
  err = config_error("[detect.new_device]\nknown_devices = \"/nonexistent-dir-sekisho/known.txt\"\n");
  EXPECT_NE(err.find("cannot open"), std::string::npos) << err;
}

TEST(NewDevice, StateIsPerInventoryDeviceOnly) {
  Harness h;
  h.feed(chatter(kCam, "192.168.1.20"), kT0);
  const size_t before = state_of(h, "new_device");
  // Spoofed sources behind one MAC add nothing.
  for (int i = 0; i < 20000; ++i) {
    const std::string src = "198.51." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    h.feed(tcp(kGw, kCam, src.c_str(), "192.168.1.20", uint16_t(1024 + i % 60000), 80, kSyn), kT0 + kSec + i * kMs);
  }
  EXPECT_LE(state_of(h, "new_device"), before + 256);
  // A flood of spoofed MACs (each its own flow, so each reaches the inventory) costs about
  // 100 bytes each, within the inventory's own bound; idle_device 24.
  for (int i = 0; i < 5000; ++i) {
    core::MacAddr m = kCam;
    m.b[3] = 0x99;
    m.b[4] = uint8_t(i >> 8);
    m.b[5] = uint8_t(i);
    h.feed(udp(m, kGw, "192.168.1.30", "192.168.1.1", uint16_t(10000 + i), 53, "x"), kT0 + 30 * kSec + i * kMs);
  }
  h.tick(kT0 + 36 * kSec);
  EXPECT_EQ(h.pipeline().devices().devices().size(), 5002u);
  EXPECT_GT(state_of(h, "new_device"), before + 5000 * 96);
  EXPECT_LE(state_of(h, "new_device"), before + 2 * 5002 * 96 + 65536);  // vector doubling
  EXPECT_LE(state_of(h, "idle_device"), 2 * 5002 * 24 + 1024);
}

// ---------------------------------------------------------------- idle_device

TEST(IdleDevice, AlertsOnceAfterIdleDaysOfWatchedTime) {
  Harness h("[detect]\nsuppress_seconds = 0\n[detect.idle_device]\nidle_days = 0.001\n");  // 86.4 s
  Timeline tl;
  tl.chatter_from(kPlug, "192.168.1.21", 0, 30);
  tl.chatter_from(kCam, "192.168.1.20", 1, 300);
  tl.run(h);
  auto got = h.with(sig::kIdleDevice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->alert.mac, kPlug);
  // Idle from 30 s on; judged once a second, on the watch clock of the packets so far
  // (one every 5 s here).
  EXPECT_GE(got[0]->alert.ts, kT0 + 116 * kSec);
  EXPECT_LE(got[0]->alert.ts, kT0 + 127 * kSec);
  auto j = nlohmann::json::parse(got[0]->json);
  EXPECT_EQ(j["device"]["ip"], "192.168.1.21");
  EXPECT_GE(j["evidence"]["idle_days"].get<double>(), 0.001);
  EXPECT_EQ(j["evidence"]["idle_days_threshold"], 0.001);
  EXPECT_TRUE(j["evidence"].contains("last_seen"));
  // Seen again, then silent again: a second alert.
  tl.add(kT0 + 301 * kSec, chatter(kPlug, "192.168.1.21"));
  tl.chatter_from(kCam, "192.168.1.20", 305, 500);
  tl.run(h);
  h.finish();
  EXPECT_EQ(h.count(sig::kIdleDevice), 2u);
}

TEST(IdleDevice, SevenDaysByDefault) {
  Harness h;
  h.feed(chatter(kPlug, "192.168.1.21"), kT0);
  // The camera keeps the monitor busy, a packet every 30 minutes, for eight days.
  for (core::TimeNs t = 0; t <= 8 * 86400; t += 1800) h.feed(chatter(kCam, "192.168.1.20"), kT0 + t * kSec + kMs);
  h.finish();
  auto got = h.with(sig::kIdleDevice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->alert.mac, kPlug);
  EXPECT_GE(got[0]->alert.ts, kT0 + 7 * 86400 * kSec);
  EXPECT_LE(got[0]->alert.ts, kT0 + (7 * 86400 + 1801) * kSec);
}

TEST(IdleDevice, AJumpInTheInputIsNotIdleTime) {
  Harness h("[detect.idle_device]\nidle_days = 0.01\n");  // 864 s
  for (int t = 0; t <= 60; t += 5) {
    h.feed(chatter(kPlug, "192.168.1.21"), kT0 + t * kSec);
    h.feed(chatter(kCam, "192.168.1.20"), kT0 + t * kSec + kMs);
  }
  // Another capture file, 30 days later, with only the camera in it for ten minutes...
  const core::TimeNs later = kT0 + 30 * 86400 * kSec;
  for (int t = 0; t <= 600; t += 5) h.feed(chatter(kCam, "192.168.1.20"), later + t * kSec);
  // ... and one 20 days earlier.
  const core::TimeNs earlier = kT0 - 20 * 86400 * kSec;
  for (int t = 0; t <= 200; t += 5) h.feed(chatter(kCam, "192.168.1.20"), earlier + t * kSec);
  h.finish();
  EXPECT_EQ(h.count(sig::kIdleDevice), 0u);
  // Watched time does add up across files: 61 + 600 + 200 s < 864 s, but more is idle.
  for (int t = 205; t <= 400; t += 5) h.feed(chatter(kCam, "192.168.1.20"), earlier + t * kSec);
  h.finish();
  EXPECT_EQ(h.count(sig::kIdleDevice), 1u);
}

TEST(IdleDevice, MaxGapBoundsWatchedTime) {
  // Packets 20 s apart with max_gap_seconds = 10: nobody was watching in between.
  Harness h("[detect.idle_device]\nidle_days = 0.001\nmax_gap_seconds = 10\n");
  h.feed(chatter(kPlug, "192.168.1.21"), kT0);
  for (int t = 20; t <= 2000; t += 20) h.feed(chatter(kCam, "192.168.1.20"), kT0 + t * kSec);
  h.finish();
  EXPECT_EQ(h.count(sig::kIdleDevice), 0u);
}

TEST(IdleDevice, PrivateMacsAreLeftOutUnlessAskedFor) {
  for (bool include : {false, true}) {
    Harness h(std::string("[detect.idle_device]\nidle_days = 0.001\ninclude_randomized = ") +
              (include ? "true" : "false") + "\n");
    h.feed(chatter(kPhoneA, "192.168.1.50"), kT0);
    for (int t = 0; t <= 300; t += 5) h.feed(chatter(kCam, "192.168.1.20"), kT0 + t * kSec + kMs);
    h.finish();
    EXPECT_EQ(h.count(sig::kIdleDevice), include ? 1u : 0u);
  }
  EXPECT_NE(config_error("[detect.idle_device]\nidle_days = 0\n").find("idle_days"), std::string::npos);
}

// ---------------------------------------------------------------- cleartext_credentials

// True if the alert's JSON holds none of `secrets`.
::testing::AssertionResult no_secret(const Seen* s, std::initializer_list<std::string> secrets) {
  for (const auto& x : secrets)
    if (s->json.find(x) != std::string::npos) return ::testing::AssertionFailure() << "\"" << x << "\" in " << s->json;
  return ::testing::AssertionSuccess();
}

// A telnet login to the camera from `client`: prompts from the camera, one keystroke per
// segment as a character-mode client sends them.
void telnet_login(Harness& h, const char* client, core::TimeNs t, uint16_t port = 23, bool with_password = true) {
  const uint16_t cport = 51000;
  auto to_cam = [&](const std::string& data, core::TimeNs ts) {
    h.feed(tcp(kGw, kCam, client, "192.168.1.20", cport, port, kAck | kPsh, 100, 100, data), ts);
  };
  auto from_cam = [&](const std::string& data, core::TimeNs ts) {
    h.feed(tcp(kCam, kGw, "192.168.1.20", client, port, cport, kAck | kPsh, 100, 100, data), ts);
  };
  h.feed(tcp(kGw, kCam, client, "192.168.1.20", cport, port, kSyn), t);
  from_cam("\xff\xfd\x18\xff\xfd\x20", t + kMs);
  to_cam("\xff\xfc\x18\xff\xfc\x20", t + 2 * kMs);
  from_cam("\r\nBusyBox v1.19 built-in shell\r\n(none) login: ", t + 3 * kMs);
  core::TimeNs ts = t + 10 * kMs;
  for (char c : std::string("root")) {
    to_cam(std::string(1, c), ts += kMs);
    from_cam(std::string(1, c), ts += kMs);
  }
  to_cam("\r\n", ts += kMs);
  if (!with_password) {
    from_cam("\r\n# ", ts += kMs);
    to_cam("ls\r\n", ts += kMs);
    return;
  }
  from_cam("\r\nPassword: ", ts += kMs);
  for (char c : std::string("xc3511")) to_cam(std::string(1, c), ts += kMs);
  to_cam("\r\n", ts += kMs);
}

TEST(CleartextCredentials, TelnetLoginToALanDevice) {
  Harness h;
  telnet_login(h, "198.51.100.9", kT0);
  auto got = h.with(sig::kCleartextTelnet);
  ASSERT_EQ(got.size(), 1u);
  auto j = nlohmann::json::parse(got[0]->json);
  EXPECT_EQ(j["device"]["mac"], "00:11:22:33:44:55") << "the device is the telnet server";
  EXPECT_EQ(j["device"]["ip"], "192.168.1.20");
  EXPECT_EQ(j["dest_port"], 23);
  EXPECT_EQ(j["direction"], "inbound");
  EXPECT_EQ(j["evidence"]["protocol"], "telnet");
  EXPECT_EQ(j["evidence"]["username"], true);
  EXPECT_EQ(j["evidence"]["password"], true);
  EXPECT_EQ(j["evidence"]["device_role"], "server");
  EXPECT_TRUE(no_secret(got[0], {"xc3511", "root", "xc35", "c3511"}));
}

TEST(CleartextCredentials, TelnetOnOtherPortsAndWithoutPassword) {
  Harness h("[detect.cleartext_credentials]\ntelnet_ports = [2323]\n");
  telnet_login(h, "192.168.1.40", kT0, 23);  // port 23 no longer watched
  EXPECT_EQ(h.count(sig::kCleartextTelnet), 0u);
  telnet_login(h, "192.168.1.40", kT0 + kSec, 2323, false);
  auto got = h.with(sig::kCleartextTelnet);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(evidence(got[0])["username"], true);
  EXPECT_EQ(evidence(got[0])["password"], false);
  EXPECT_EQ(nlohmann::json::parse(got[0]->json)["direction"], "internal");
}

TEST(CleartextCredentials, TelnetWithoutKeystrokesAfterAPromptIsSilent) {
  Harness h;
  h.feed(tcp(kGw, kCam, "198.51.100.9", "192.168.1.20", 51000, 23, kSyn), kT0);
  h.feed(tcp(kCam, kGw, "192.168.1.20", "198.51.100.9", 23, 51000, kAck | kPsh, 1, 1, "\xff\xfd\x18login: "),
         kT0 + kMs);
  h.feed(tcp(kGw, kCam, "198.51.100.9", "192.168.1.20", 51000, 23, kAck | kPsh, 1, 1, "\xff\xfc\x18"), kT0 + 2 * kMs);
  // Keystrokes with no prompt before them (another session) say nothing either.
  h.feed(tcp(kGw, kCam, "198.51.100.9", "192.168.1.20", 51001, 23, kAck | kPsh, 1, 1, "hello\r\n"), kT0 + 3 * kMs);
  EXPECT_EQ(h.count(sig::kCleartextTelnet), 0u);
}

TEST(CleartextCredentials, FtpUserAndPass) {
  Harness h;
  auto cmd = [&](const std::string& c, core::TimeNs t, uint16_t sport = 45000) {
    h.feed(tcp(kPlug, kGw, "192.168.1.21", "203.0.113.21", sport, 21, kAck | kPsh, 1, 1, c), t);
  };
  h.feed(tcp(kGw, kPlug, "203.0.113.21", "192.168.1.21", 21, 45000, kAck | kPsh, 1, 1, "220 FTP ready\r\n"), kT0);
  cmd("USER alice\r\n", kT0 + kMs);
  cmd("PASS s3cretpw\r\n", kT0 + 2 * kMs);
  auto got = h.with(sig::kCleartextFtp);
  ASSERT_EQ(got.size(), 1u);
  auto j = nlohmann::json::parse(got[0]->json);
  EXPECT_EQ(j["device"]["ip"], "192.168.1.21") << "the server is outside: the device is the client";
  EXPECT_EQ(j["evidence"]["device_role"], "client");
  EXPECT_EQ(j["evidence"]["username"], true);
  EXPECT_EQ(j["evidence"]["password"], true);
  EXPECT_TRUE(no_secret(got[0], {"alice", "s3cretpw"}));
  // Anonymous FTP is no credential.
  cmd("USER anonymous\r\n", kT0 + kSec, 45001);
  cmd("PASS guest@example.com\r\n", kT0 + kSec + kMs, 45001);
  EXPECT_EQ(h.count(sig::kCleartextFtp), 1u);
}

TEST(CleartextCredentials, HttpBasicOnAnyPort) {
  Harness h;
  // admin:hunter2, from the phone to the camera's web page on 8081.
  const std::string req =
      "GET /cgi-bin/snapshot.cgi HTTP/1.1\r\nHost: 192.168.1.20:8081\r\nUser-Agent: app\r\n"
      "authorization:  Basic YWRtaW46aHVudGVyMg==\r\n\r\n";
  h.feed(chatter(kCam, "192.168.1.20"), kT0 - kSec);  // the camera is in the inventory
  h.feed(tcp(kPhoneA, kCam, "192.168.1.50", "192.168.1.20", 40100, 8081, kSyn), kT0);
  h.feed(tcp(kPhoneA, kCam, "192.168.1.50", "192.168.1.20", 40100, 8081, kAck | kPsh, 2, 1, req), kT0 + kMs);
  auto got = h.with(sig::kCleartextHttpBasic);
  ASSERT_EQ(got.size(), 1u);
  auto j = nlohmann::json::parse(got[0]->json);
  EXPECT_EQ(j["device"]["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["evidence"]["username"], true);
  EXPECT_EQ(j["evidence"]["password"], true);
  EXPECT_EQ(j["evidence"]["header"], "Authorization");
  EXPECT_EQ(j["evidence"]["server_port"], 8081);
  EXPECT_TRUE(no_secret(got[0], {"hunter2", "admin", "YWRtaW46aHVudGVyMg"}));
  // A user name with an empty password.
  const std::string user_only = "POST /x HTTP/1.1\r\nHost: a\r\nAuthorization: Basic dXNlcjo=\r\n\r\n";  // "user:"
  h.feed(tcp(kPhoneA, kCam, "192.168.1.50", "192.168.1.20", 40101, 80, kAck | kPsh, 2, 1, user_only), kT0 + kSec);
  got = h.with(sig::kCleartextHttpBasic);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(evidence(got[1])["username"], true);
  EXPECT_EQ(evidence(got[1])["password"], false);
}

TEST(CleartextCredentials, OtherHttpAuthAndBodiesAreSilent) {
  Harness h;
  const char* heads[] = {
      "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer eyJhbGciOi\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Digest username=\"x\", response=\"y\"\r\n\r\n",
      // After the head: a body that happens to hold the words.
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\nAuthorization: Basic YWRtaW46aHVudGVyMg==",
      // Not HTTP at all.
      "\x16\x03\x01 Authorization: Basic YWRtaW46aHVudGVyMg==\r\n",
  };
  uint16_t port = 41000;
  for (const char* head : heads) {
    h.feed(tcp(kPhoneA, kCam, "192.168.1.50", "192.168.1.20", port, 80, kAck | kPsh, 2, 1, head), kT0 + port * kMs);
    ++port;
  }
  EXPECT_EQ(h.count(sig::kCleartextHttpBasic), 0u);
}

std::string mqtt_connect(const std::string& proto, uint8_t level, uint8_t flags, const std::string& rest) {
  std::string vh;
  vh += char(0);
  vh += char(proto.size());
  vh += proto;
  vh += char(level);
  vh += char(flags);
  vh += std::string("\x00\x3c", 2);  // keep alive
  const std::string body = vh + rest;
  std::string p;
  p += char(0x10);
  p += char(body.size());
  return p + body;
}

TEST(CleartextCredentials, MqttConnectWithCredentials) {
  Harness h("[detect]\nsuppress_seconds = 0\n");
  // client id "s1", user "sensor", password "pw1234"
  const std::string payload = std::string("\x00\x02s1\x00\x06sensor\x00\x06pw1234", 20);
  h.feed(tcp(kPlug, kGw, "192.168.1.21", "203.0.113.30", 50000, 1883, kAck | kPsh, 1, 1,
             mqtt_connect("MQTT", 4, 0xc2, payload)),
         kT0);
  auto got = h.with(sig::kCleartextMqtt);
  ASSERT_EQ(got.size(), 1u);
  auto j = nlohmann::json::parse(got[0]->json);
  EXPECT_EQ(j["device"]["ip"], "192.168.1.21");
  EXPECT_EQ(j["evidence"]["device_role"], "client");
  EXPECT_EQ(j["evidence"]["username"], true);
  EXPECT_EQ(j["evidence"]["password"], true);
  EXPECT_EQ(j["evidence"]["protocol_name"], "MQTT");
  EXPECT_TRUE(no_secret(got[0], {"pw1234", "sensor"}));
  // Once per (device, protocol, server): a reconnect says nothing new...
  h.feed(tcp(kPlug, kGw, "192.168.1.21", "203.0.113.30", 50001, 1883, kAck | kPsh, 1, 1,
             mqtt_connect("MQTT", 4, 0xc2, payload)),
         kT0 + kSec);
  EXPECT_EQ(h.count(sig::kCleartextMqtt), 1u);
  // ... another broker, MQTT 3.1 with a user name only, does.
  h.feed(tcp(kPlug, kGw, "192.168.1.21", "203.0.113.31", 50002, 1883, kAck | kPsh, 1, 1,
             mqtt_connect("MQIsdp", 3, 0x82, std::string("\x00\x02s1\x00\x06sensor", 12))),
         kT0 + 2 * kSec);
  got = h.with(sig::kCleartextMqtt);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(evidence(got[1])["password"], false);
  EXPECT_EQ(evidence(got[1])["protocol_name"], "MQIsdp");
  // Without credentials: silent.
  h.feed(tcp(kPlug, kGw, "192.168.1.21", "203.0.113.32", 50003, 1883, kAck | kPsh, 1, 1,
             mqtt_connect("MQTT", 4, 0x02, "\x00\x02s1")),
         kT0 + 3 * kSec);
  EXPECT_EQ(h.count(sig::kCleartextMqtt), 2u);
}

TEST(CleartextCredentials, StateIsBoundedUnderASessionFlood) {
  Harness h;
  for (int i = 0; i < 100; ++i) {
    const std::string src = "198.51.100." + std::to_string(i);
    h.feed(tcp(kGw, kCam, src.c_str(), "192.168.1.20", 40000, 23, kAck | kPsh, 1, 1, "x"), kT0 + i * kMs);
  }
  const size_t before = state_of(h, "cleartext_credentials");
  for (int i = 0; i < 30000; ++i) {
    const std::string src =
        "198." + std::to_string(18 + i / 65536) + "." + std::to_string((i / 256) % 256) + "." + std::to_string(i % 256);
    h.feed(tcp(kCam, kGw, "192.168.1.20", src.c_str(), 23, uint16_t(1024 + i % 60000), kAck | kPsh, 1, 1, "login: "),
           kT0 + kSec + i * kMs);
  }
  EXPECT_EQ(state_of(h, "cleartext_credentials"), before);
}

// ---------------------------------------------------------------- blocklist

std::string list_config(const std::vector<std::string>& files) {
  std::string t = "[detect]\nsuppress_seconds = 0\n[detect.blocklist]\nfiles = [";
  for (size_t i = 0; i < files.size(); ++i) t += (i ? ", \"" : "\"") + files[i] + "\"";
  return t + "]\n";
}

TEST(BlockList, ParseErrorsNameFileAndLine) {
  TempDir dir;
  const std::string bad = dir.file("list.txt", "# bad hosts\n203.0.113.0/24\n\n198.51.100.300\n");
  std::string err = config_error(list_config({bad}));
  EXPECT_NE(err.find("list.txt:4"), std::string::npos) << err;
  EXPECT_NE(err.find("detect.blocklist.files"), std::string::npos) << err;
  const std::string prefix = dir.file("prefix.txt", "203.0.113.0/33\n");
  err = config_error(list_config({prefix}));
  EXPECT_NE(err.find("prefix.txt:1"), std::string::npos) << err;
  const std::string range = dir.file("range.txt", "10.0.0.1\n203.0.113.9-203.0.113.1\n");
  err = config_error(list_config({range}));
  EXPECT_NE(err.find("range.txt:2"), std::string::npos) << err;
  err = config_error(list_config({(dir.path / "missing.txt").string()}));
  EXPECT_NE(err.find("missing.txt"), std::string::npos) << err;
}

TEST(BlockList, PrefixesV4AndV6MatchInBothDirections) {
  TempDir dir;
  const std::string list = dir.file("blocklist.txt",
                                    "# operator's list\n"
                                    "203.0.113.0/24\n"
                                    "\n"
                                    "198.51.100.7   seen 2024-01-01 c2\n"
                                    "2001:db8:bad::/48\n");
  Harness h(list_config({list}));
  ASSERT_TRUE(h.ok());
  // Outbound, to a listed prefix.
  h.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.77", 40000, 443, kSyn), kT0);
  // Inbound over IPv6, from a listed prefix.
  h.feed(tcp(kGw, kCam, "2001:db8:bad:1::9", "fd00::20", 443, 40001, kSyn), kT0 + kSec);
  // Not listed: neighbours of the entries.
  h.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.114.1", 40002, 443, kSyn), kT0 + 2 * kSec);
  h.feed(tcp(kCam, kGw, "192.168.1.20", "198.51.100.8", 40003, 443, kSyn), kT0 + 3 * kSec);
  h.feed(tcp(kCam, kGw, "fd00::20", "2001:db8:bae::1", 40004, 443, kSyn), kT0 + 4 * kSec);
  auto got = h.with(sig::kBlockListPeer);
  ASSERT_EQ(got.size(), 2u);
  auto j = nlohmann::json::parse(got[0]->json);
  EXPECT_EQ(j["device"]["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["device"]["ip"], "192.168.1.20");
  EXPECT_EQ(j["direction"], "outbound");
  EXPECT_EQ(j["evidence"]["peer"], "203.0.113.77");
  EXPECT_EQ(j["evidence"]["entry"], "203.0.113.0/24");
  EXPECT_EQ(j["evidence"]["line"], 2);
  EXPECT_EQ(j["evidence"]["list"], list);
  EXPECT_EQ(j["evidence"]["initiated_by"], "device");
  auto k = nlohmann::json::parse(got[1]->json);
  EXPECT_EQ(k["device"]["ip"], "fd00::20");
  EXPECT_EQ(k["direction"], "inbound");
  EXPECT_EQ(k["evidence"]["entry"], "2001:db8:bad::/48");
  EXPECT_EQ(k["evidence"]["line"], 5);
  EXPECT_EQ(k["evidence"]["initiated_by"], "peer");
  EXPECT_NE(got[0]->alert.subkey, got[1]->alert.subkey);
}

TEST(BlockList, OnlyTheFirstPacketOfAFlowIsLookedUp) {
  TempDir dir;
  const std::string list = dir.file("l.txt", "203.0.113.5\n");
  Harness h(list_config({list}));
  h.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.5", 40000, 443, kSyn), kT0);
  for (int i = 1; i < 10; ++i)
    h.feed(tcp(kGw, kCam, "203.0.113.5", "192.168.1.20", 443, 40000, kAck, 1, 1, "data"), kT0 + i * kMs);
  EXPECT_EQ(h.count(sig::kBlockListPeer), 1u);
}

TEST(BlockList, PublicListFormats) {
  const std::string data = std::string(SEKISHO_SOURCE_DIR) + "/tests/data/detect/household/";
  Harness h(list_config({data + "drop_sample.txt", data + "dshield_sample.txt"}));
  ASSERT_TRUE(h.ok());
  h.feed(tcp(kCam, kGw, "192.168.1.20", "198.18.5.1", 40000, 443, kSyn), kT0);            // DROP /15
  h.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.130", 40001, 443, kSyn), kT0 + kSec);  // DShield range
  h.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.30", 40002, 443, kSyn), kT0 + 2 * kSec);
  auto got = h.with(sig::kBlockListPeer);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(evidence(got[0])["entry"], "198.18.0.0/15");
  EXPECT_EQ(evidence(got[0])["list"], data + "drop_sample.txt");
  EXPECT_EQ(evidence(got[1])["entry"], "203.0.113.128/25");
  EXPECT_EQ(evidence(got[1])["list"], data + "dshield_sample.txt");
}

TEST(BlockList, HundredThousandEntries) {
  TempDir dir;
  std::mt19937 rng(7);
  std::vector<uint32_t> listed;
  std::string text = "; generated\n";
  for (int i = 0; i < 100000; ++i) {
    // Public-looking addresses (first octet 11..99), half /32, half /28.
    const uint32_t a = ((11 + rng() % 89) << 24) | (rng() & 0xffffff);
    const bool host = i % 2 == 0;
    const uint32_t net = host ? a : a & 0xfffffff0;
    listed.push_back(net);
    text += core::IpAddr::v4(net).to_string() + (host ? "" : "/28") + "\n";
  }
  const std::string path = dir.file("big.txt", text);
  const auto t0 = std::chrono::steady_clock::now();
  Harness h(list_config({path}));
  ASSERT_TRUE(h.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  const size_t loaded = state_of(h, "blocklist");
  EXPECT_LT(loaded, size_t(4) << 20);
  // Listed addresses hit, and name their own line.
  for (int i = 0; i < 50; ++i) {
    const size_t k = rng() % listed.size();
    const std::string dst = core::IpAddr::v4(listed[k] + (k % 2 ? 9 : 0)).to_string();
    h.feed(tcp(kCam, kGw, "192.168.1.20", dst.c_str(), uint16_t(20000 + i), 443, kSyn), kT0 + i * kSec);
  }
  auto got = h.with(sig::kBlockListPeer);
  ASSERT_EQ(got.size(), 50u);
  for (const auto* s : got) {
    auto e = evidence(s);
    auto entry = core::IpPrefix::parse(e["entry"].get<std::string>());
    ASSERT_TRUE(entry);
    EXPECT_TRUE(entry->contains(*core::IpAddr::parse(e["peer"].get<std::string>()))) << s->json;
  }
  // Addresses outside 11..99/8 are never listed; the lookups are fast.
  const auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5000; ++i) {
    const std::string dst = "150." + std::to_string(i % 256) + ".1." + std::to_string(i / 256);
    h.feed(tcp(kCam, kGw, "192.168.1.20", dst.c_str(), uint16_t(30000 + i), 443, kSyn), kT0 + 100 * kSec + i * kMs);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::seconds(10));
  EXPECT_EQ(h.count(sig::kBlockListPeer), 50u);
  EXPECT_EQ(state_of(h, "blocklist"), loaded) << "nothing grows after start";
}

TEST(BlockList, NoListNoWork) {
  Harness h;
  h.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.77", 40000, 443, kSyn), kT0);
  EXPECT_EQ(h.count(sig::kBlockListPeer), 0u);
  EXPECT_LT(state_of(h, "blocklist"), 1024u);
}

}  // namespace
}  // namespace sekisho::detect::dtest
