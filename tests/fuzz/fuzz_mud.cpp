// Fuzzes the MUD parser/validator; a valid file must also survive write -> parse with an
// equal model, and compile.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/mud.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sekisho::policy;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto mud = parse_mud(text, "fuzz");
  if (!mud.ok()) {
    if (mud.error().where != "fuzz" || mud.error().what.empty()) __builtin_trap();
    return 0;
  }
  const std::string written = write_mud(*mud);
  if (written.size() <= kMaxMudBytes) {  // pretty-printing can outgrow a near-limit input
    auto again = parse_mud(written, "fuzz (written)");
    if (!again.ok() || !(*again == *mud)) __builtin_trap();
  }
  const DevicePolicy policy = compile(*mud, sekisho::core::MacAddr{}, "fuzz");
  if (policy.rules.size() > 8 * mud->ace_count()) __builtin_trap();  // at most 2 directions x 2 x 2 neq halves
  return 0;
}
