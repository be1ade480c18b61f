#pragma once
// MAC address vendor lookup from the IEEE registries as Debian's ieee-data ships them
// (/usr/share/ieee-data/{oui,mam,oui36}.csv: MA-L 24-bit, MA-M 28-bit, MA-S 36-bit).
// Read at run time so the registry can be updated without rebuilding.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/net.h"
#include "core/result.h"

namespace sekisho::inventory {

class OuiRegistry {
 public:
  static constexpr const char* kDefaultDir = "/usr/share/ieee-data";

  // Loads oui.csv (required) and mam.csv / oui36.csv (if present) from `dir`.
  static core::Result<OuiRegistry> load_dir(const std::string& dir);
  // Loads one CSV file (Registry,Assignment,Organization Name,Organization Address).
  core::Status load_csv(const std::string& path);
  // Adds one CSV document from memory (tests, fuzzing). `name` is used in errors.
  core::Status load_csv_text(std::string_view text, const std::string& name);

  // Most specific match (MA-S, then MA-M, then MA-L), or empty.
  std::string_view lookup(const core::MacAddr& mac) const;
  size_t size() const { return mal_.size() + mam_.size() + mas_.size(); }

 private:
  std::unordered_map<uint32_t, std::string> mal_;  // 24-bit prefix
  std::unordered_map<uint32_t, std::string> mam_;  // 28-bit prefix
  std::unordered_map<uint64_t, std::string> mas_;  // 36-bit prefix
};

}  // namespace sekisho::inventory
