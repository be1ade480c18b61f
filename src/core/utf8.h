#pragma once
// UTF-8 validation shared by the writers that must not pass invalid bytes on (JSON, HTML, CSV).
#include <cstddef>
#include <string_view>

namespace sekisho::core {

// Length of the valid UTF-8 sequence that starts at s[i] (a lead byte >= 0x80), or 0 when the
// bytes there are not one: truncated, overlong, a surrogate or beyond U+10FFFF.
inline size_t utf8_len(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const size_t n = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if (c == 0xe0 && c1 < 0xa0) return 0;  // overlong
  if (c == 0xed && c1 > 0x9f) return 0;  // surrogates
  if (c == 0xf0 && c1 < 0x90) return 0;  // overlong
  if (c == 0xf4 && c1 > 0x8f) return 0;  // > U+10FFFF
  return n;
}

}  // namespace sekisho::core
