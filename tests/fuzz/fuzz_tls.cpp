// Fuzzes the ClientHello parser and its JA3/JA4 output with one reused struct.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "decode/app/app.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sekisho::decode::TlsClientHello hello;
  auto st = sekisho::decode::parse_tls_client_hello(data, size, hello);
  auto b = reinterpret_cast<uintptr_t>(data);
  for (std::string_view v : {hello.sni, hello.alpn_first}) {
    auto p = reinterpret_cast<uintptr_t>(v.data());
    if (!v.empty() && (p < b || p + v.size() > b + size)) __builtin_trap();
  }
  // Fingerprints come whole or not at all, and only from a complete hello.
  size_t ja3 = strnlen(hello.ja3, sizeof(hello.ja3)), ja4 = strnlen(hello.ja4, sizeof(hello.ja4));
  if ((ja3 != 0 && ja3 != 32) || (ja4 != 0 && ja4 != 36)) __builtin_trap();
  if (st != sekisho::decode::ParseStatus::kOk && (ja3 || ja4)) __builtin_trap();
  return 0;
}
