#pragma once
// UPnP device description XML (UDA 1.1 section 2.3) through expat, hardened: input capped at
// 64 KiB, any DOCTYPE (and with it every entity declaration, internal or external) rejected,
// no parameter-entity parsing, element depth capped. Billion-laughs and XXE inputs fail.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::scan::proto {

inline constexpr size_t kUpnpMaxInput = 64 * 1024;
inline constexpr size_t kUpnpMaxField = 256;    // bytes kept per field
inline constexpr size_t kUpnpMaxServices = 32;  // serviceType values kept
inline constexpr size_t kUpnpMaxDepth = 32;     // element nesting

// The fields are the root device's (root/device/*); services are the serviceType of every
// service, embedded devices included. valid: well-formed XML whose root element is <root>
// with a <device>. error says why not ("", or e.g. "line 3: DOCTYPE not allowed").
struct UpnpDescription {
  bool valid = false;
  std::string device_type, friendly_name, manufacturer, model_name, model_number, model_description, serial_number, udn;
  std::vector<std::string> services;
  std::string error;
};
UpnpDescription parse_upnp_description(std::string_view xml);

}  // namespace sekisho::scan::proto
