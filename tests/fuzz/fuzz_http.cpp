// Fuzzes the HTTP request-head parser; every view must point into the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode/app/app.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sekisho::decode::HttpRequest req;
  sekisho::decode::parse_http_request(data, size, req);
  auto b = reinterpret_cast<uintptr_t>(data);
  for (std::string_view v : {req.method, req.uri, req.version, req.host, req.user_agent}) {
    auto p = reinterpret_cast<uintptr_t>(v.data());
    if (!v.empty() && (p < b || p + v.size() > b + size)) __builtin_trap();
  }
  return 0;
}
