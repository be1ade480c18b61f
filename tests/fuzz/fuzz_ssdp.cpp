// Fuzzes the SSDP parser; every view must point into the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode/app/app.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sekisho::decode::SsdpInfo info;
  sekisho::decode::parse_ssdp(data, size, info);
  auto b = reinterpret_cast<uintptr_t>(data);
  for (std::string_view v :
       {info.start_line, info.method, info.server, info.usn, info.location, info.nt, info.nts, info.user_agent}) {
    auto p = reinterpret_cast<uintptr_t>(v.data());
    if (!v.empty() && (p < b || p + v.size() > b + size)) __builtin_trap();
  }
  return 0;
}
