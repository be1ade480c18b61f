// The offline vulnerability data and the NVD importer. The first byte picks the input:
//   0 a data/vulns JSON file, then lookups of versions taken from the input;
//   1 an NVD CVE JSON 2.0 feed (operators download them; their bytes are untrusted): what
//     the importer writes must load back with the same number of rules;
//   2 two versions separated by a NUL byte: compare_versions must be antisymmetric.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scan/vulns.h"

namespace {
int sign(int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sekisho::scan;
  if (size == 0) return 0;
  const uint8_t kind = data[0] % 3;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (kind == 0) {
    auto db = VulnDb::load_text(text, "fuzz.json");
    if (!db) return 0;
    for (const auto& r : db->rules()) {
      (void)db->match(r.product, "1.0");
      for (const auto& range : r.ranges)
        for (const std::string* v : {&range.start_incl, &range.start_excl, &range.end_incl, &range.end_excl})
          if (!v->empty())
            for (const auto& m : db->match(r.product, *v))
              if (m.rule->product != r.product) std::abort();
    }
  } else if (kind == 1) {
    auto rules = import_nvd(text, "fuzz.json", default_vuln_products());
    if (!rules) return 0;
    const std::string json = write_vulns_json(*rules);
    auto back = VulnDb::load_text(json, "written.json");
    if (!back || back->size() != rules->size()) std::abort();
  } else {
    const size_t nul = text.find('\0');
    const std::string_view a = text.substr(0, nul);
    const std::string_view b = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);
    for (auto s : {VersionScheme::kDotted, VersionScheme::kDropbear, VersionScheme::kRomPager}) {
      if (sign(compare_versions(a, b, s)) != -sign(compare_versions(b, a, s))) std::abort();
      if (compare_versions(a, a, s) != 0) std::abort();
    }
    (void)product_key(a);
  }
  return 0;
}
