#pragma once
// The evidence an audit stands on, one record per observation, each with its source, its time
// and an id that says where it came from ("<file name>:<line>" for evidence files,
// "<file name>:<field path>" for declarations), so every verdict can cite it.
//
// Evidence files are JSON lines, told apart by their records:
//   `sekisho scan -oJ`   {"type":"service"|"finding"|"host"|"summary", ...}
//   `sekisho watch` EVE  {"event_type":"alert"|"device"|"flow"|"dns"|..., ...}
// Kinds kept (anything else is counted in `skipped`, not an error):
//   scan.finding   attrs: id service port proto severity confidence credential_id advisory
//   scan.service   attrs: service port proto product version tls
//   scan.host      attrs: up open_ports findings logins_tried interrupted
//   scan.summary   attrs: hosts findings login_attempts interrupted
//   watch.alert    attrs: detector signature_id signature category direction action
//   watch.device   attrs: class vendor hostname mud_url event
//   watch.tls      attrs: version sni dest_ip dest_port peer ja3 weak_ciphers (a ClientHello the
//                  device sent: ip/mac are its source; weak_ciphers counts NULL, EXPORT, RC4,
//                  DES and anonymous suites offered; peer = sni, else dest_ip)
// A line that is not a JSON object, or a kept record with a field of the wrong type, is an
// error naming the file, the line and the field. Blank lines are skipped.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sekisho::audit {

enum class Source : uint8_t { kScan, kWatch, kDeclaration, kFirmware };
const char* source_name(Source s);  // "scan", "watch", "declaration", "firmware"

struct Evidence {
  std::string id;  // "scan-lab.json:12", "acme.yaml:facts.support_period_end"
  Source source = Source::kScan;
  std::string kind;  // "scan.finding", ... (see above); "declaration.fact", "declaration.answer"
  std::string file;  // the path as given
  size_t line = 0;   // 1-based; 0 where not from a line
  std::string time;  // ISO 8601 from the record, or the declaration's date
  std::string ip;    // the device the record is about ("" when none)
  std::string mac;
  std::vector<std::pair<std::string, std::string>> attrs;  // values as text ("true", "23")
  std::string summary;  // one line in English for people ("telnet/23: default-credentials")

  // The attribute's value, or "" when absent.
  const std::string& attr(std::string_view key) const;
};

struct EvidenceFile {
  std::vector<Evidence> records;
  size_t lines = 0;    // non-blank lines read
  size_t skipped = 0;  // records of kinds not kept
};

// `name` is the path as given (errors name it; ids use its last component).
core::Result<EvidenceFile> parse_evidence(std::string_view text, const std::string& name);
core::Result<EvidenceFile> load_evidence(const std::string& path);  // capped at 1 GiB

}  // namespace sekisho::audit
