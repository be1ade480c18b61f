// Fuzzes the DHCPv4 and DHCPv6 parsers with one reused output struct, as the Decoder does,
// and checks that every view points into the input or into the struct's own buffer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode/app/app.h"

namespace {
bool inside(std::string_view v, const void* base, size_t n) {
  auto b = reinterpret_cast<uintptr_t>(base), p = reinterpret_cast<uintptr_t>(v.data());
  return v.empty() || (p >= b && p + v.size() <= b + n);
}
void check(const sekisho::decode::DhcpInfo& d, const uint8_t* data, size_t size) {
  for (std::string_view v : {d.hostname, d.vendor_class, d.client_id, d.mud_url})
    if (!inside(v, data, size)) __builtin_trap();
  if (!inside(d.fqdn, data, size) && !inside(d.fqdn, d.fqdn_text.buf, d.fqdn_text.len)) __builtin_trap();
  if (d.param_count > sizeof(d.params) || d.option_count > 64 || d.oro_count > 32) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sekisho::decode::DhcpInfo info;
  sekisho::decode::parse_dhcp4(data, size, info);
  check(info, data, size);
  sekisho::decode::parse_dhcp6(data, size, info);
  check(info, data, size);
  return 0;
}
