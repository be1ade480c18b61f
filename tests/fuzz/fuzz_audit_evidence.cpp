// Evidence files (`sekisho scan -oJ` JSON lines and `sekisho watch` EVE): any bytes must give
// records or an error naming the file and a line, never a crash; every record is kept whole.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/evidence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sekisho::audit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto f = parse_evidence(text, "runs/fuzz.json");
  if (!f) {
    if (f.error().where.rfind("runs/fuzz.json:", 0) != 0) std::abort();
    return 0;
  }
  if (f->records.size() + f->skipped > f->lines) std::abort();
  size_t prev = 0;
  for (const Evidence& e : f->records) {
    if (e.line <= prev || e.id != "fuzz.json:" + std::to_string(e.line) || e.kind.empty()) std::abort();
    if (e.summary.empty() || e.summary.find('\n') != std::string::npos) std::abort();
    prev = e.line;
    for (const auto& [k, v] : e.attrs)
      if (e.attr(k) != v || v.find('\n') != std::string::npos) std::abort();
    (void)source_name(e.source);
  }
  return 0;
}
