// Fuzzes the LLDP parser; every view must point into the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode/app/app.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sekisho::decode::LldpInfo info;
  sekisho::decode::parse_lldp(data, size, info);
  auto b = reinterpret_cast<uintptr_t>(data);
  for (std::string_view v : {info.chassis_id, info.port_id, info.system_name, info.system_description,
                             info.port_description, info.mud_url}) {
    auto p = reinterpret_cast<uintptr_t>(v.data());
    if (!v.empty() && (p < b || p + v.size() > b + size)) __builtin_trap();
  }
  return 0;
}
