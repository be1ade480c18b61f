// The scanner's TOML data files, as an operator may edit them: the first byte picks which
// loader reads the rest: even, the credential list (data/credentials/); odd, the finding
// catalog (data/advice/). Errors are fine; crashes, leaks and hangs are not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/credentials.h"
#include "scan/findings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sekisho::scan;
  if (size == 0) return 0;
  const bool findings = data[0] & 1;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!findings) {
    auto set = load_credentials_text(text, "fuzz.toml");
    if (!set) return 0;
    size_t total = 0;
    for (std::string_view service : credential_services()) total += set->for_service(service).size();
    for (const auto& c : set->entries) {
      if (set->find(c.id) != &c) std::abort();  // ids are unique
      if (!set->source(c.source)) std::abort();
      for (char ch : c.password)
        if ((unsigned char)ch < 0x20) std::abort();  // never a line break in a login
    }
    if (total > set->entries.size() * credential_services().size()) std::abort();
  } else {
    auto cat = FindingCatalog::load_text(text, "fuzz.toml");
    if (!cat) return 0;
    for (const auto& k : cat->kinds()) {
      if (cat->find(k.id) != &k) std::abort();
      for (const auto& g : k.guidelines)
        if (!is_guideline_id(g)) std::abort();
      (void)render(k.advice_en, "telnet", 23);
      (void)render(k.advice_ja, "http", 65535);
    }
  }
  return 0;
}
