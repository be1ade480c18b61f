// An earlier JSON report given to `sekisho audit --previous` (a file the user names; its bytes
// are untrusted): parse_previous either refuses it or keeps only well-formed verdicts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "audit/history.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sekisho::audit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = parse_previous(text, "previous.json");
  if (!p) return 0;
  for (const auto& r : p->results)
    if (r.verdict != "PASS" && r.verdict != "FAIL" && r.verdict != "INCONCLUSIVE" && r.verdict != "NOT_APPLICABLE")
      std::abort();
  AuditReport report;
  compare_with(*p, report);
  if (!report.changes.empty()) std::abort();  // no result of this run, so nothing moved
  return 0;
}
