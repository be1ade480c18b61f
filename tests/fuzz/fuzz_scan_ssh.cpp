// Fuzzes the SSH identification-line parser and the KEXINIT reader. The input is what a server
// sends: the first line is the banner, the rest the first binary packet.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "scan/proto/products.h"
#include "scan/proto/ssh.h"

namespace proto = sekisho::scan::proto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const proto::ProductMatcher products = [] {
    auto m = proto::ProductMatcher::load(proto::default_products_path());
    return m ? *m : proto::ProductMatcher();
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  auto b = proto::parse_ssh_banner(line);
  if (b.valid && (line.size() > 256 || b.software.empty())) __builtin_trap();
  (void)products.match("ssh", line);

  std::span<const uint8_t> rest = nl == std::string_view::npos ? std::span<const uint8_t>()
                                                               : std::span<const uint8_t>(data + nl + 1, size - nl - 1);
  auto k = proto::parse_ssh_kexinit(rest);
  if (k.consumed > rest.size()) __builtin_trap();
  if (k.valid && (!k.complete || k.consumed == 0)) __builtin_trap();
  if (k.terrapin_exposed && k.strict_kex) __builtin_trap();
  auto k2 = proto::parse_ssh_kexinit(std::span<const uint8_t>(data, size));
  if (k2.consumed > size) __builtin_trap();
  return 0;
}
