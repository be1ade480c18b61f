// LLDP (IEEE 802.1AB): wired devices (switches, phones, printers) name themselves and their
// port, and RFC 8520 lets them point at their MUD file in an organisationally specific TLV.
#include "core/bytes.h"
#include "decode/app/app.h"

namespace sekisho::decode {

namespace {

constexpr uint8_t kEnd = 0, kChassisId = 1, kPortId = 2, kTtl = 3, kPortDescription = 4, kSystemName = 5,
                  kSystemDescription = 6, kOrgSpecific = 127;
constexpr uint8_t kIanaOui[3] = {0x00, 0x00, 0x5E};  // RFC 8520 section 10
constexpr uint8_t kMudSubtype = 1;

std::string_view view(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

}  // namespace

ParseStatus parse_lldp(const uint8_t* p, size_t n, LldpInfo& out) {
  out = LldpInfo{};
  core::ByteReader r(p, n);
  bool ok = true;
  unsigned index = 0;  // position of the TLV in the LLDPDU
  // 802.1AB-2016 made the End TLV optional, so running out of bytes on a TLV boundary ends
  // the LLDPDU too; Ethernet padding after End is ignored.
  while (r.remaining() > 0) {
    uint16_t header = r.u16();
    auto type = uint8_t(header >> 9);
    uint16_t len = header & 0x1FF;
    const uint8_t* v = r.take(len);
    if (!r.ok) return ParseStatus::kMalformed;  // a TLV past the frame: keep what we have
    if (type == kEnd) break;
    // Chassis ID, Port ID and TTL must come first, in this order.
    if (index < 3 && unsigned{type} != kChassisId + index) ok = false;
    ++index;
    switch (type) {
      case kChassisId:
        if (len < 2) {
          ok = false;
        } else if (out.chassis_id.empty()) {
          out.chassis_subtype = v[0];
          out.chassis_id = view(v + 1, len - 1u);
        }
        break;
      case kPortId:
        if (len < 2) {
          ok = false;
        } else if (out.port_id.empty()) {
          out.port_subtype = v[0];
          out.port_id = view(v + 1, len - 1u);
        }
        break;
      case kTtl:
        if (len < 2)
          ok = false;
        else
          out.ttl = core::load_be16(v);
        break;
      case kPortDescription: out.port_description = view(v, len); break;
      case kSystemName: out.system_name = view(v, len); break;
      case kSystemDescription: out.system_description = view(v, len); break;
      case kOrgSpecific:
        if (len >= 4 && v[0] == kIanaOui[0] && v[1] == kIanaOui[1] && v[2] == kIanaOui[2] && v[3] == kMudSubtype)
          out.mud_url = view(v + 4, len - 4u);
        break;
      default: break;
    }
  }
  if (index < 3) ok = false;  // a mandatory TLV is missing
  return ok ? ParseStatus::kOk : ParseStatus::kMalformed;
}

}  // namespace sekisho::decode
