// Fuzzes the SNMP GetResponse parser; also builds a GetRequest from the input, turns it into a
// response and checks that the parser reads back the version, community and request id.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "scan/proto/snmp.h"

namespace proto = sekisho::scan::proto;

namespace {
// Offset just past the tag and length at `pos` (our builder's definite lengths only).
size_t skip_header(const std::string& s, size_t pos, size_t& len) {
  uint8_t l = uint8_t(s[pos + 1]);
  if (l < 0x80) {
    len = l;
    return pos + 2;
  }
  size_t k = l & 0x7f;
  len = 0;
  for (size_t i = 0; i < k; ++i) len = (len << 8) | uint8_t(s[pos + 2 + i]);
  return pos + 2 + k;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = proto::parse_snmp_response(std::span<const uint8_t>(data, size));
  if (r.valid && (r.version < 0 || r.version > 1)) __builtin_trap();
  if (r.sys_descr.size() > proto::kSnmpMaxString || r.sys_name.size() > proto::kSnmpMaxString) __builtin_trap();

  int32_t id = 0;
  if (size >= 4) std::memcpy(&id, data, 4);
  std::string_view community(reinterpret_cast<const char*>(data), size);
  int version = int(size % 2);
  std::string req = proto::snmp_get_request(community, version, id, size % 3 == 0);
  size_t len = 0;
  size_t pos = skip_header(req, 0, len);   // message SEQUENCE
  pos = skip_header(req, pos, len) + len;  // version
  pos = skip_header(req, pos, len) + len;  // community
  if (uint8_t(req[pos]) != 0xa0) __builtin_trap();
  req[pos] = char(0xa2);  // GetRequest -> GetResponse
  auto back =
      proto::parse_snmp_response(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(req.data()), req.size()));
  if (!back.valid || back.version != version || back.request_id != id ||
      back.community != community.substr(0, std::min<size_t>(community.size(), 255)))
    __builtin_trap();
  return 0;
}
