#pragma once
// Engine: owns the enabled detectors, feeds them each packet and the clock, and turns
// their alerts into EVE `alert` events: settings per detector (enabled, alert only or
// quarantine, per device class), suppression of repeats, the device's context, and the
// response through a Responder (the enforcement side). A detector that throws is
// switched off and counted; the others go on.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "detect/config.h"
#include "detect/detector.h"
#include "detect/signatures.h"
#include "detect/state.h"

namespace sekisho::detect {

// The registry: every detector sekisho has, in the order they run (registry.cpp).
std::span<const DetectorEntry> registry();

class Responder {
 public:
  virtual ~Responder() = default;
  // Quarantines the device; called at most once per device per run.
  virtual core::Status quarantine(const core::MacAddr& device, const Alert& why) = 0;
};

struct EngineStats {
  uint64_t alerts = 0;
  uint64_t suppressed = 0;  // repeats within suppress_seconds
  uint64_t quarantines = 0;
  uint64_t quarantine_errors = 0;
  uint64_t detector_errors = 0;  // detectors switched off after throwing
};

class Engine final : private AlertSink {
 public:
  // Builds every enabled detector of `entries` from `cfg`; the first config error stops.
  static core::Result<std::unique_ptr<Engine>> create(const DetectConfig& cfg,
                                                      std::span<const DetectorEntry> entries = registry());
  ~Engine() override;

  // Where alerts go: the alert and its EVE JSON object (no newline). Unset: counted only.
  using Output = std::function<void(const Alert&, std::string_view eve)>;
  void set_output(Output o) { output_ = std::move(o); }
  // Where quarantines go; null: an alert whose action is quarantine says so but nothing
  // is enforced. Must outlive the engine.
  void set_responder(Responder* r) { responder_ = r; }
  // Messages about detectors that failed (default: standard error).
  void set_error_log(std::function<void(const std::string&)> log) { error_log_ = std::move(log); }

  void on_packet(const decode::PacketView& pv, const flow::Flow* f, int dir, bool created, uint32_t src_dev1,
                 uint32_t dst_dev1, const inventory::DeviceTable& devices);
  void on_tick(core::TimeNs now, const inventory::DeviceTable& devices);
  void on_finish(core::TimeNs now, const inventory::DeviceTable& devices);
  // An alert raised outside the detectors (policy violations found by watch): same
  // settings (those of the signature's detector), suppression and response.
  void report(Alert&& a) { raise(std::move(a)); }

  Where where(const core::IpAddr& src, const core::IpAddr& dst, bool* src_local, bool* dst_local) const;
  bool is_local(const core::IpAddr& a) const;

  const EngineStats& stats() const { return stats_; }
  struct DetectorState {
    std::string_view name;
    bool running;
    size_t state_bytes;
  };
  std::vector<DetectorState> detectors() const;
  // Alerts raised per signature id, ascending.
  std::vector<std::pair<uint32_t, uint64_t>> alerts_by_signature() const;

 private:
  struct Slot {
    const DetectorEntry* entry;
    std::unique_ptr<Detector> det;
    bool running = true;
  };
  Engine() = default;
  void raise(Alert&& a) override;
  void failed(Slot& s, const char* what);
  const DetectorSettings* settings_for(uint32_t signature_id) const;

  std::vector<Slot> slots_;
  static constexpr int kClasses = 6;  // tcp, udp, icmp, other IP, not IP, bare TCP ACK (interest:: bits)
  // Running detectors per packet class; a detector that fails leaves every list.
  struct Dispatch {
    Detector* det;
    Slot* slot;
  };
  std::array<std::vector<Dispatch>, kClasses> dispatch_;
  void drop(Slot& s);
  std::vector<std::pair<std::string_view, DetectorSettings>> settings_;  // by detector name
  std::vector<std::pair<uint32_t, uint32_t>> v4_local_;                  // (net, mask), host order
  std::vector<core::IpPrefix> v6_local_;
  core::TimeNs suppress_ns_ = 0;
  core::TimeNs next_tick_ = 0;
  core::TimeNs last_ts_ = 0;
  const inventory::DeviceTable* devices_ = nullptr;
  struct Recent {
    core::TimeNs last = 0;
    uint32_t repeats = 0;
  };
  BoundedTable<Recent> recent_{65536};
  std::unordered_set<uint64_t> quarantined_;
  std::vector<std::pair<uint32_t, uint64_t>> by_sig_;
  Output output_;
  Responder* responder_ = nullptr;
  std::function<void(const std::string&)> error_log_;
  EngineStats stats_;
};

// The whole [detect] config with every key at its default value, as TOML (each detector is
// built from an empty table and the keys it reads are written out). Factories that need
// a file (a block list) must accept their defaults without one.
std::string default_config_toml(std::span<const DetectorEntry> entries = registry());

// The EVE `alert` event (one JSON object, no newline). `device` may be null; `response`
// is what the response did ("" for alert-only).
std::string format_alert(const Alert& a, const SignatureInfo& sig, Action action, const inventory::Device* device,
                         std::string_view response);

}  // namespace sekisho::detect
