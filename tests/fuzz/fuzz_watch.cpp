// The whole watch pipeline on a capture file held in memory: reader, decoder, flow table,
// inventory and event formatting (events go to /dev/null through the real writer), with
// every device bound to a policy (a class default) so flow checks, DNS-name binding and
// violation events run on the same bytes; every other input also feeds a profile learner.
// Every input also runs all detectors (repeats not suppressed, so every alert is
// formatted; every third input with quarantine as the action, through a responder that
// only counts).
#include <cstddef>
#include <cstdint>

#include "capture/packet_source.h"
#include "detect/engine.h"
#include "output/eve_writer.h"
#include "watch/mud_learn.h"
#include "watch/pipeline.h"
#include "watch/policy_monitor.h"

namespace {
sekisho::policy::DevicePolicy fuzz_policy() {
  using namespace sekisho::policy;
  DevicePolicy p;
  p.source = "fuzz";
  p.mud_url = "https://fuzz.example/device";
  Rule dns;
  dns.direction = Direction::kFromDevice;
  dns.protocol = 17;
  dns.dst_port = {53, 53};
  dns.peer.kind = PeerKind::kLocalNetworks;
  p.rules.push_back(dns);
  Rule web = dns;
  web.protocol = 6;
  web.dst_port = {443, 443};
  web.initiated = Initiator::kDevice;
  web.peer.kind = PeerKind::kDnsName;
  web.peer.name = "Cloud.Example.";
  p.rules.push_back(web);
  Rule same = web;
  same.peer.kind = PeerKind::kSameManufacturer;
  same.peer.name.clear();
  p.rules.push_back(same);
  return p;
}
struct CountingResponder final : sekisho::detect::Responder {
  size_t n = 0;
  sekisho::core::Status quarantine(const sekisho::core::MacAddr&, const sekisho::detect::Alert&) override {
    ++n;
    return {};
  }
};

std::unique_ptr<sekisho::detect::Engine> fuzz_engine(bool quarantine) {
  using namespace sekisho::detect;
  std::string toml = "[detect]\nsuppress_seconds = 0\n";
  if (quarantine)
    for (const auto& e : registry()) toml += "[detect." + std::string(e.name) + "]\naction = \"quarantine\"\n";
  auto cfg = DetectConfig::parse(toml, "fuzz.toml");
  if (!cfg) __builtin_trap();
  auto e = Engine::create(cfg.value());
  if (!e) __builtin_trap();
  return std::move(e.value());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sekisho;
  capture::SourceOptions so;
  auto src = capture::open_buffer(data, size, "fuzz.pcap", so);
  if (!src) return 0;
  auto eve = output::EveWriter::open("/dev/null");
  if (!eve) return 0;
  watch::PipelineConfig cfg;
  cfg.flow.max_flows = 64;  // small, so eviction paths run too
  cfg.devices.max_devices = 16;
  watch::Pipeline pipeline(cfg, nullptr, nullptr, eve.value().get());
  watch::PolicyMonitor monitor;
  watch::MudLearner learner;
  if (size % 2) {
    monitor.add_class_default(inventory::DeviceClass::kUnknown, fuzz_policy());
    monitor.set_sink([&eve](std::string_view e) { eve.value()->text(e); });
    pipeline.set_observer(&monitor);
  } else {
    pipeline.set_observer(&learner);
  }
  auto engine = fuzz_engine(size % 3 == 0);
  CountingResponder responder;
  engine->set_responder(&responder);
  engine->set_error_log([](const std::string&) { __builtin_trap(); });  // a detector threw
  engine->set_output([&eve](const detect::Alert&, std::string_view json) { eve.value()->text(json); });
  pipeline.set_detectors(engine.get());
  if (size % 2)
    monitor.set_violation_hook([&](const watch::PolicyViolation& v, const decode::PacketView& pv, const flow::Flow& f) {
      engine->report(watch::violation_alert(v, pv, f, pipeline.devices()));
    });
  capture::RawPacket pkt;
  for (int i = 0; i < 100000 && src.value()->next(pkt) == capture::ReadStatus::kPacket; ++i) pipeline.process(pkt);
  pipeline.finish();
  for (const auto& mac : learner.devices()) (void)learner.profile(mac, nullptr);
  (void)eve.value()->close();
  return 0;
}
