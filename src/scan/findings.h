#pragma once
// The finding kinds a scan reports, from data/advice/findings.toml: severity, the guideline
// items each one breaks, and advice in plain Japanese and English a household user can act on.
//
//   version = "2026.11.1"
//   [[finding]]
//   id = "default-credentials"
//   severity = "critical"                        # info | low | medium | high | critical
//   guidelines = ["K15", "U2", "TER-34-10-2", "ETSI-5.1-1"]
//   title_en = "..."      title_ja = "..."        # one line
//   advice_en = "..."     advice_ja = "..."       # what to do, for a non-expert
//   technical_en = "..."  technical_ja = "..."    # one sentence for the expert (optional)
//
// Guideline ids (see is_guideline_id; catalogs in shared/reference/guidelines.md):
//   K01..K21      IoT Security Guidelines ver 1.0, the 21 key points (要点), as detect/ names them
//   U1..U4        the four rules for general users (一般利用者のためのルール)
//   TER-34-10-1..4  端末設備等規則 第34条の10, items in the reference's order: 1 access control,
//                 2 prompt to change the initial ID/password, 3 updatable firmware,
//                 4 settings survive a power loss
//   ETSI-<n>      ETSI EN 303 645 V2.1.1 provision <n>, e.g. ETSI-5.1-1, ETSI-5.5-5, ETSI-6-1, ETSI-4-1
//
// Advice and technical text may contain the placeholders {service} (e.g. "telnet") and {port}
// (e.g. "23"); render() fills them. Any other "{...}" is a load error, so a typo cannot reach
// a user.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sekisho::scan {

enum class Severity : uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };
const char* severity_name(Severity s);                       // "info", "low", "medium", "high", "critical"
std::optional<Severity> parse_severity(std::string_view s);  // the names above, case-insensitive

struct FindingKind {
  std::string id;
  Severity severity = Severity::kMedium;
  std::string title_en, title_ja, advice_en, advice_ja;
  std::vector<std::string> guidelines;
  std::string technical_en, technical_ja;  // may be empty
};

class FindingCatalog {
 public:
  static core::Result<FindingCatalog> load(const std::string& path);
  // `name` stands for the text in errors (a path, or "<string>").
  static core::Result<FindingCatalog> load_text(std::string_view toml, std::string_view name);

  const FindingKind* find(std::string_view id) const;
  const std::vector<FindingKind>& kinds() const { return kinds_; }
  const std::string& version() const { return version_; }

 private:
  std::vector<FindingKind> kinds_;
  std::string version_;
};

// The finding ids the scanner emits; the shipped catalog must define every one.
const std::vector<std::string_view>& required_finding_ids();

// True for an id in the guideline catalogs above (exact spelling).
bool is_guideline_id(std::string_view id);
// Every known guideline id, in catalog order.
const std::vector<std::string>& guideline_ids();

// `text` with {service} and {port} replaced; other text unchanged.
std::string render(std::string_view text, std::string_view service, uint16_t port);

// $SEKISHO_DATA_DIR/advice/findings.toml, else the build's data directory.
std::string default_findings_path();

}  // namespace sekisho::scan
