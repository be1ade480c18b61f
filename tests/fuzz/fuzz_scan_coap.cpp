// Fuzzes the CoAP message parser and the link-format reader; also builds a GET from the input
// (path, message id, token) and checks that the parser reads its header back.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "scan/proto/coap.h"

namespace proto = sekisho::scan::proto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = proto::parse_coap(std::span<const uint8_t>(data, size));
  if (r.payload.size() > proto::kCoapMaxPayload || r.resources.size() > proto::kCoapMaxResources) __builtin_trap();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto links = proto::parse_link_format(in);
  for (const auto& l : links)
    if (l.size() > proto::kCoapMaxResource) __builtin_trap();

  uint16_t mid = size >= 2 ? uint16_t(data[0] << 8 | data[1]) : 0;
  uint32_t token = size >= 6 ? uint32_t(data[2]) << 24 | uint32_t(data[3]) << 16 | uint32_t(data[4]) << 8 | data[5] : 7;
  std::string get = proto::coap_get(mid, token, in);
  auto back = proto::parse_coap(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(get.data()), get.size()));
  if (!back.valid || back.message_id != mid || back.token != token || back.code != 0x01 ||
      back.type != proto::kCoapTypeCon)
    __builtin_trap();
  return 0;
}
