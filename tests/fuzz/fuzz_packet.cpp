// Whole-stack decoding of one frame: link, network, transport and application layers.
// The first input byte picks the link type, so one corpus covers all link decoders.
#include <cstddef>
#include <cstdint>

#include "decode/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr uint16_t kLinkTypes[] = {1, 1, 1, 1, 101, 113, 276, 0, 108, 228, 229};
  static sekisho::decode::Decoder decoder;
  if (size < 1) return 0;
  uint16_t linktype = kLinkTypes[data[0] % (sizeof kLinkTypes / sizeof kLinkTypes[0])];
  sekisho::decode::PacketView pv;
  decoder.decode(data + 1, uint32_t(size - 1), uint32_t(size - 1), linktype, 0, pv);
  return 0;
}
