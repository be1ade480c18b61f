// Fuzzes the UPnP device-description parser (expat, no DTDs, capped input).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/proto/upnp.h"

namespace proto = sekisho::scan::proto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto d = proto::parse_upnp_description(std::string_view(reinterpret_cast<const char*>(data), size));
  if (d.services.size() > proto::kUpnpMaxServices) __builtin_trap();
  for (const std::string* s : {&d.device_type, &d.friendly_name, &d.manufacturer, &d.model_name, &d.model_number,
                               &d.model_description, &d.serial_number, &d.udn})
    if (s->size() > proto::kUpnpMaxField) __builtin_trap();
  if (d.valid && !d.error.empty()) __builtin_trap();
  return 0;
}
