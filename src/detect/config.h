#pragma once
// The detection config: the [detect] part of sekisho's TOML config. Every threshold has a
// default, so an empty or absent file gives the tuned defaults.
//
//   [detect]
//   local_networks = ["192.168.1.0/24"]   # default: RFC 1918, link-local, ULA
//   suppress_seconds = 600                 # one alert per (signature, device, subject) per interval
//
//   [detect.outbound_scan]                 # one table per detector (registry.cpp names them)
//   enabled = true
//   action = "quarantine"                  # or "alert" (the default)
//   action_by_class = { camera = "quarantine", "phone/pc" = "alert" }  # per class
//   min_destinations = 20                  # the detector's own thresholds
//
// Unknown keys are errors (a typo must not silently keep a default); errors name the file
// and the key.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/net.h"
#include "core/result.h"
#include "inventory/device.h"

namespace sekisho::detect {

enum class Action : uint8_t { kAlert, kQuarantine };
const char* action_name(Action a);

// What the engine does with a detector's alerts.
struct DetectorSettings {
  bool enabled = true;
  Action action = Action::kAlert;
  std::array<std::optional<Action>, size_t(inventory::DeviceClass::kCount)> by_class{};
  Action action_for(inventory::DeviceClass c) const {
    const auto& a = by_class[size_t(c)];
    return a ? *a : action;
  }
};

// A detector's table, read key by key with defaults and bounds. The first problem is kept
// and reported by finish(), which also rejects keys nobody read.
class ConfigView {
 public:
  ConfigView(const void* table, std::string where);  // table: a toml::table or null (all defaults)
  uint64_t u64(std::string_view key, uint64_t def, uint64_t lo, uint64_t hi) const;
  double number(std::string_view key, double def, double lo, double hi) const;
  bool boolean(std::string_view key, bool def) const;
  std::string string(std::string_view key, std::string def) const;
  std::vector<std::string> strings(std::string_view key, std::vector<std::string> def) const;
  std::vector<uint16_t> ports(std::string_view key, std::vector<uint16_t> def) const;
  // Base directory for relative paths the table names (the config file's directory).
  const std::string& base_dir() const { return base_dir_; }
  void set_base_dir(std::string d) { base_dir_ = std::move(d); }
  // Where the table is, e.g. "sekisho.toml: detect.outbound_scan".
  const std::string& where() const { return where_; }
  // Every key read so far with its default, as TOML values in reading order (for
  // `--print-config`: the defaults are the code's, never a copy that can drift).
  const std::vector<std::pair<std::string, std::string>>& defaults() const { return defaults_; }
  // A detector's own semantic error about `key`, in the same form.
  void fail(std::string_view key, std::string what) const;
  core::Status finish() const;

 private:
  const void* node(std::string_view key) const;
  void bad(std::string_view key, std::string what) const;

  const void* table_;
  std::string where_;
  std::string base_dir_;
  mutable std::vector<std::string> read_;
  mutable std::vector<std::pair<std::string, std::string>> defaults_;
  mutable std::optional<core::Error> error_;
};

class DetectConfig {
 public:
  DetectConfig();  // all defaults
  ~DetectConfig();
  DetectConfig(DetectConfig&&) noexcept;
  DetectConfig& operator=(DetectConfig&&) noexcept;

  static core::Result<DetectConfig> load(const std::string& path);
  // `where` names the text in errors (a path, or "<string>").
  static core::Result<DetectConfig> parse(std::string_view text, const std::string& where);

  std::vector<core::IpPrefix> local_networks;
  uint32_t suppress_seconds = 600;

  // The detector's table (all defaults if absent).
  ConfigView view(std::string_view detector) const;
  // enabled/action/action_by_class of a detector; errors name the key.
  core::Result<DetectorSettings> settings(std::string_view detector) const;
  // [detect.X] tables that name no detector in `known` are errors.
  core::Status check_tables(const std::vector<std::string_view>& known) const;

 private:
  struct Doc;
  std::unique_ptr<Doc> doc_;
  std::string where_;
  std::string base_dir_;
};

std::vector<core::IpPrefix> default_local_networks();

}  // namespace sekisho::detect
