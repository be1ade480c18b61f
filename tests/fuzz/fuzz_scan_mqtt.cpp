// Fuzzes the CONNACK parser, and builds CONNECTs from the input whose remaining length must
// describe the packet exactly.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "scan/proto/mqtt.h"

namespace proto = sekisho::scan::proto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = proto::parse_connack(std::span<const uint8_t>(data, size));
  if (c.valid && (!c.complete || c.return_code > 5)) __builtin_trap();

  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t third = size / 3;
  std::optional<std::string_view> user, pass;
  if (size && (data[0] & 1)) user = in.substr(third, third);
  if (size && (data[0] & 2)) pass = in.substr(2 * third);
  std::string pkt = proto::mqtt_connect(in.substr(0, third), user, pass, uint16_t(size));
  // Decode the remaining length and check it.
  size_t len = 0, mult = 1, i = 1;
  for (; i < pkt.size() && i <= 4; ++i) {
    auto b = uint8_t(pkt[i]);
    len += (b & 0x7f) * mult;
    mult *= 128;
    if (!(b & 0x80)) break;
  }
  if (uint8_t(pkt[0]) != 0x10 || i + 1 + len != pkt.size()) __builtin_trap();
  if (proto::mqtt_disconnect().size() != 2) __builtin_trap();
  return 0;
}
