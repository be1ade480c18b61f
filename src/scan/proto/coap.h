#pragma once
// CoAP (RFC 7252) over UDP: a confirmable GET and the server's answer, with the
// CoRE link-format (RFC 6690) list that /.well-known/core returns.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::scan::proto {

inline constexpr size_t kCoapMaxPayload = 4096;  // payload kept
inline constexpr size_t kCoapMaxResources = 64;  // resources kept
inline constexpr size_t kCoapMaxResource = 256;  // bytes per resource path
inline constexpr uint8_t kCoapTypeCon = 0, kCoapTypeNon = 1, kCoapTypeAck = 2, kCoapTypeReset = 3;
inline constexpr uint8_t kCoapContent = 0x45;  // 2.05

// Confirmable GET with a 4-byte token and one Uri-Path option per path segment ("/a/b" or "a/b").
// Segments longer than 255 bytes are cut; at most 16 segments.
std::string coap_get(uint16_t message_id, uint32_t token, std::string_view path);
std::string coap_get_well_known_core(uint16_t message_id, uint32_t token);  // GET /.well-known/core

// valid: version 1, token length <= 8, well-formed options. code is the raw byte (class << 5 |
// detail; 0x45 = 2.05 Content). token is the token as a big-endian number (first 8 bytes).
// resources: the URIs of a link-format payload ("</a>;rt=..,</b>" -> "/a", "/b"), parsed when
// the response is 2.05 with Content-Format 40 or none.
struct CoapResponse {
  bool valid = false;
  uint8_t type = 0;
  uint8_t code = 0;
  uint16_t message_id = 0;
  std::string payload;  // control bytes kept as they are, cut at 4 KiB
  std::vector<std::string> resources;
  uint64_t token = 0;
  int content_format = -1;  // -1 when absent
};
CoapResponse parse_coap(std::span<const uint8_t> bytes);

// The URIs of a CoRE link-format document; bounded as above.
std::vector<std::string> parse_link_format(std::string_view links);

}  // namespace sekisho::scan::proto
