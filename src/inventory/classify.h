#pragma once
// Best-effort device class from identity evidence. The rules are data
// (data/fingerprints/device_classes.json): a field, a pattern, a class and a weight.
// The class with the highest total weight wins; its matching rules are the evidence.
#include <array>
#include <string>
#include <vector>

#include "core/result.h"
#include "inventory/device.h"

namespace sekisho::inventory {

enum class MatchKind : uint8_t { kEquals, kContains, kPrefix, kSuffix };

struct ClassRule {
  std::string field;  // vendor hostname dns_name mdns_service mdns_name ssdp_server user_agent
                      // dhcp_vendor_class http_host tls_sni
  MatchKind kind = MatchKind::kContains;
  std::string pattern;  // lower-case; matching is case-insensitive
  DeviceClass cls = DeviceClass::kUnknown;
  int weight = 1;
  uint8_t field_id = 0;  // index of `field` in the known fields (set by the loader)
};

class Classifier {
 public:
  static constexpr size_t kFieldCount = 12;  // the fields a rule may read
  static core::Result<Classifier> load(const std::string& path);
  static core::Result<Classifier> parse(const std::string& json_text, const std::string& name);

  // Brings dev.cls, dev.class_score and dev.evidence up to date. Returns true if the class
  // changed. Only what changed since the last call is tested (dev.class_memo): the values
  // appended to a set since, and single values that differ from those tested.
  bool classify(Device& dev) const;
  size_t size() const { return rules_.size(); }

 private:
  std::vector<ClassRule> rules_;
  std::array<std::vector<uint16_t>, kFieldCount> by_field_;  // rule indices per field id, in order
  uint64_t id_ = 0;                                          // tells memos of other rule sets apart
};

}  // namespace sekisho::inventory
