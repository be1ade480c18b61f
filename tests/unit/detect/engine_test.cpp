// The engine: settings, suppression, responses, device context, fault isolation, and the
// bounded-state helpers.
#include "detect/engine.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace sekisho::detect {
namespace {

using namespace dtest;

// A detector that alerts on every TCP SYN to port 4444 and throws on port 6666.
class Probe final : public Detector {
 public:
  void on_packet(const PacketContext& ctx, AlertSink& out) override {
    if (!ctx.is_syn()) return;
    if (ctx.pv.dst_port == 6666) throw std::runtime_error("boom");
    if (ctx.pv.dst_port != 4444) return;
    Alert a;
    a.signature_id = sig::kOutboundScan;
    a.ts = ctx.pv.ts;
    a.device1 = ctx.src_dev1;
    a.device_ip = ctx.pv.src_ip;
    a.where = ctx.where;
    a.src_ip = ctx.pv.src_ip;
    a.dst_ip = ctx.pv.dst_ip;
    a.src_port = ctx.pv.src_port;
    a.dst_port = ctx.pv.dst_port;
    a.proto = 6;
    a.flow_id = ctx.flow_id();
    core::JsonWriter w(a.evidence);
    w.field("n", uint64_t{1});
    out.raise(std::move(a));
  }
  size_t state_bytes() const override { return 0; }
};

int g_ticks = 0;

class Quiet final : public Detector {
 public:
  void on_tick(core::TimeNs, const inventory::DeviceTable&, AlertSink&) override { ++g_ticks; }
  void on_packet(const PacketContext& ctx, AlertSink& out) override {
    if (!ctx.is_syn() || ctx.pv.dst_port != 5555) return;
    Alert a;
    a.signature_id = sig::kNewDevice;
    a.ts = ctx.pv.ts;
    a.device1 = ctx.src_dev1;
    out.raise(std::move(a));
  }
  size_t state_bytes() const override { return 0; }
};

using MakeResult = core::Result<std::unique_ptr<Detector>>;
const DetectorEntry kEntries[] = {
    {"outbound_scan", "probe", [](const ConfigView&) -> MakeResult { return std::unique_ptr<Detector>(new Probe()); }},
    {"new_device", "quiet", [](const ConfigView&) -> MakeResult { return std::unique_ptr<Detector>(new Quiet()); }},
};

struct Recorder final : Responder {
  std::vector<core::MacAddr> calls;
  bool fail = false;
  core::Status quarantine(const core::MacAddr& m, const Alert&) override {
    calls.push_back(m);
    if (fail) return core::Error{core::ErrorCode::kIo, "nft", "no table"};
    return {};
  }
};

struct EngineRun {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<watch::Pipeline> pipeline;
  std::vector<std::string> out;
  EngineRun(const std::string& toml, Responder* r = nullptr) {
    auto c = DetectConfig::parse(toml, "t.toml");
    EXPECT_TRUE(c);
    auto e = Engine::create(c.value(), kEntries);
    EXPECT_TRUE(e) << (e ? "" : e.error().message());
    engine = std::move(e.value());
    engine->set_responder(r);
    engine->set_error_log([](const std::string&) {});
    engine->set_output([this](const Alert&, std::string_view j) { out.emplace_back(j); });
    pipeline = std::make_unique<watch::Pipeline>(watch::PipelineConfig{}, nullptr, nullptr, nullptr);
    pipeline->set_detectors(engine.get());
  }
  void feed(const Frame& f, core::TimeNs ts) {
    capture::RawPacket p;
    p.ts = ts;
    p.data = f.data();
    p.caplen = p.wirelen = uint32_t(f.size());
    pipeline->process(p);
  }
};

const core::MacAddr kCam = mac("00:11:22:33:44:55");
const core::MacAddr kGw = mac("00:aa:bb:cc:dd:ee");

TEST(Engine, AlertEventCarriesTheStableFields) {
  EngineRun r("");
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40000, 4444, decode::tcp::kSyn), kT0);
  ASSERT_EQ(r.out.size(), 1u);
  auto j = nlohmann::json::parse(r.out[0]);
  EXPECT_EQ(j["event_type"], "alert");
  EXPECT_EQ(j["src_ip"], "192.168.1.20");
  EXPECT_EQ(j["dest_ip"], "203.0.113.9");
  EXPECT_EQ(j["dest_port"], 4444);
  EXPECT_EQ(j["proto"], "TCP");
  EXPECT_EQ(j["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["direction"], "outbound");
  EXPECT_TRUE(j.contains("flow_id"));
  EXPECT_TRUE(j.contains("community_id"));
  EXPECT_EQ(j["alert"]["signature_id"], sig::kOutboundScan);
  EXPECT_EQ(j["alert"]["signature"], "IoT outbound scan of many addresses");
  EXPECT_EQ(j["alert"]["severity"], 1);
  EXPECT_EQ(j["alert"]["action"], "alert");
  EXPECT_EQ(j["alert"]["category"], "Infected device");
  EXPECT_EQ(j["alert"]["key_points"], nlohmann::json::parse(R"(["K09","K21"])"));
  EXPECT_EQ(j["device"]["mac"], "00:11:22:33:44:55");
  EXPECT_EQ(j["device"]["ip"], "192.168.1.20");
  EXPECT_EQ(j["evidence"]["n"], 1);
}

TEST(Engine, RepeatsAreSuppressedForTheInterval) {
  EngineRun r("[detect]\nsuppress_seconds = 10\n");
  for (int i = 0; i < 5; ++i)
    r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", uint16_t(40000 + i), 4444, decode::tcp::kSyn), kT0 + i * kSec);
  EXPECT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.engine->stats().suppressed, 4u);
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 41000, 4444, decode::tcp::kSyn), kT0 + 11 * kSec);
  EXPECT_EQ(r.out.size(), 2u);
}

TEST(Engine, DisabledDetectorRaisesNothing) {
  EngineRun r("[detect.outbound_scan]\nenabled = false\n");
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40000, 4444, decode::tcp::kSyn), kT0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.engine->detectors().size(), 1u);
}

TEST(Engine, QuarantineGoesThroughTheResponderOncePerDevice) {
  Recorder rec;
  EngineRun r("[detect]\nsuppress_seconds = 0\n[detect.outbound_scan]\naction = \"quarantine\"\n", &rec);
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40000, 4444, decode::tcp::kSyn), kT0);
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40001, 4444, decode::tcp::kSyn), kT0 + kSec);
  ASSERT_EQ(rec.calls.size(), 1u);
  EXPECT_EQ(rec.calls[0], kCam);
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(r.out[0])["alert"]["action"], "quarantine");
  EXPECT_EQ(nlohmann::json::parse(r.out[0])["alert"]["response"], "quarantined");
  EXPECT_EQ(nlohmann::json::parse(r.out[1])["alert"]["response"], "already quarantined");
  EXPECT_EQ(r.engine->stats().quarantines, 1u);
}

TEST(Engine, QuarantineFailureIsReportedAndRetried) {
  Recorder rec;
  rec.fail = true;
  EngineRun r("[detect]\nsuppress_seconds = 0\n[detect.outbound_scan]\naction = \"quarantine\"\n", &rec);
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40000, 4444, decode::tcp::kSyn), kT0);
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40001, 4444, decode::tcp::kSyn), kT0 + kSec);
  EXPECT_EQ(rec.calls.size(), 2u);
  EXPECT_EQ(r.engine->stats().quarantine_errors, 2u);
  auto j = nlohmann::json::parse(r.out[0]);
  EXPECT_NE(j["alert"]["response"].get<std::string>().find("quarantine failed"), std::string::npos);
}

TEST(Engine, QuarantineWithoutGatewaySaysSo) {
  EngineRun r("[detect.outbound_scan]\naction = \"quarantine\"\n");
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40000, 4444, decode::tcp::kSyn), kT0);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(r.out[0])["alert"]["response"], "not enforced (no gateway attached)");
}

TEST(Engine, AFailingDetectorIsSwitchedOffAndTheOthersGoOn) {
  EngineRun r("");
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40000, 6666, decode::tcp::kSyn), kT0);
  EXPECT_EQ(r.engine->stats().detector_errors, 1u);
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40001, 5555, decode::tcp::kSyn), kT0 + kSec);
  EXPECT_EQ(r.out.size(), 1u);  // the other detector still runs
  r.feed(tcp(kCam, kGw, "192.168.1.20", "203.0.113.9", 40002, 4444, decode::tcp::kSyn), kT0 + 2 * kSec);
  EXPECT_EQ(r.out.size(), 1u);  // the failed one does not
  auto d = r.engine->detectors();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_FALSE(d[0].running);
  EXPECT_TRUE(d[1].running);
}

TEST(Engine, TicksFollowPacketTimeBackwards) {
  EngineRun r("");
  g_ticks = 0;
  auto pkt = [](uint16_t sport) { return udp(kCam, kGw, "192.168.1.20", "192.168.1.1", sport, 9999, "x"); };
  r.feed(pkt(1), kT0 + 100 * kSec);
  r.feed(pkt(2), kT0 + 101 * kSec);
  EXPECT_EQ(g_ticks, 1);
  // An earlier capture file: ticks go on with its time, not after kT0 + 102 s.
  r.feed(pkt(3), kT0);
  r.feed(pkt(4), kT0 + 1 * kSec);
  r.feed(pkt(5), kT0 + 2 * kSec);
  EXPECT_EQ(g_ticks, 4);
}

TEST(Engine, WhereFollowsLocalNetworks) {
  auto c = DetectConfig::parse("[detect]\nlocal_networks = [\"10.1.0.0/16\", \"2001:db8:1::/48\"]\n", "t");
  ASSERT_TRUE(c);
  auto e = Engine::create(c.value(), kEntries);
  ASSERT_TRUE(e);
  bool s = false, d = false;
  EXPECT_EQ(e.value()->where(ip("10.1.2.3"), ip("8.8.8.8"), &s, &d), Where::kOutbound);
  EXPECT_EQ(e.value()->where(ip("8.8.8.8"), ip("10.1.2.3"), &s, &d), Where::kInbound);
  EXPECT_EQ(e.value()->where(ip("10.1.2.3"), ip("10.1.9.9"), &s, &d), Where::kInternal);
  EXPECT_EQ(e.value()->where(ip("192.168.1.1"), ip("8.8.8.8"), &s, &d), Where::kOther);
  EXPECT_EQ(e.value()->where(ip("2001:db8:1::5"), ip("2001:db8:2::5"), &s, &d), Where::kOutbound);
}

TEST(BoundedTable, NeverGrowsAndForgetsTheOldest) {
  BoundedTable<int> t(64);
  const size_t bytes = t.memory_bytes();
  for (uint64_t k = 1; k <= 100000; ++k) t.touch(k, core::TimeNs(k));
  EXPECT_EQ(t.memory_bytes(), bytes);
  EXPECT_LE(t.size(), t.capacity());
  EXPECT_GT(t.evictions(), 0u);
  EXPECT_NE(t.find(100000), nullptr);  // the newest survives
  bool created = true;
  t.touch(100000, 100001, &created);
  EXPECT_FALSE(created);
}

TEST(DistinctCounter, EstimatesSmallCountsClosely) {
  DistinctCounter<256> c;
  for (uint64_t v = 0; v < 40; ++v) c.add(v * 7919);
  EXPECT_NEAR(c.estimate(), 40.0, 4.0);
  for (uint64_t v = 0; v < 40; ++v) c.add(v * 7919);  // repeats do not count
  EXPECT_NEAR(c.estimate(), 40.0, 4.0);
}

TEST(WindowRate, SlidesAcrossWindows) {
  WindowRate r;
  const core::TimeNs w = kSec;
  for (int i = 0; i < 100; ++i) r.add(kT0 + i * 10 * kMs, w);  // 100 events in the first second
  EXPECT_NEAR(r.count(kT0 + 999 * kMs, w), 100.0, 1.0);
  EXPECT_NEAR(r.count(kT0 + 1500 * kMs, w), 50.0, 1.0);  // half of the previous window still counts
  EXPECT_NEAR(r.count(kT0 + 3 * kSec, w), 0.0, 0.1);
}

TEST(Signatures, TableIsSortedAndUnique) {
  auto s = signatures();
  for (size_t i = 1; i < s.size(); ++i) EXPECT_LT(s[i - 1].id, s[i].id);
  for (const auto& e : s) EXPECT_EQ(find_signature(e.id), &e);
  EXPECT_EQ(find_signature(1), nullptr);
}

}  // namespace
}  // namespace sekisho::detect
