// Fuzzes the telnet filter and the prompt classifier: the input is a server's byte stream.
// Fed whole and fed in pieces (sizes taken from the input) the filter must produce the same
// text and replies; replies stay bounded (each option answered at most once per direction).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "scan/proto/telnet.h"

using sekisho::scan::proto::classify_prompt;
using sekisho::scan::proto::TelnetFilter;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  TelnetFilter whole;
  std::string text1, reply1;
  whole.feed(in, text1, reply1);

  TelnetFilter pieces;
  std::string text2, reply2;
  size_t pos = 0, step = size ? (data[0] % 7) + 1 : 1;
  while (pos < size) {
    size_t n = std::min(step, size - pos);
    pieces.feed(in.subspan(pos, n), text2, reply2);
    pos += n;
    step = (step * 5 + 3) % 11 + 1;
  }
  if (text1 != text2 || reply1 != reply2 || whole.malformed() != pieces.malformed()) __builtin_trap();
  if (reply1.size() > 3 * 256 * 3) __builtin_trap();
  if (text1.size() > size) __builtin_trap();

  (void)classify_prompt(text1);
  (void)classify_prompt(text1, false);
  (void)classify_prompt(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
