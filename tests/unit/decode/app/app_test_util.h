#pragma once
// Helpers for the application-layer parser tests: a byte builder for hand-made messages,
// the real-traffic samples in data/ (see data/README.md), and a truncation sweep.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::decode::test {

using Bytes = std::vector<uint8_t>;

struct Builder {
  Bytes b;
  Builder& u8(unsigned v) {
    b.push_back(uint8_t(v));
    return *this;
  }
  Builder& u16(unsigned v) { return u8(v >> 8).u8(v); }
  Builder& u24(unsigned v) { return u8(v >> 16).u16(v); }
  Builder& u32(uint32_t v) { return u16(v >> 16).u16(v); }
  Builder& str(std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Builder& bytes(const Bytes& v) {
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  Builder& zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
  // DNS wire-format name from dotted text ("" = root), no compression.
  Builder& name(std::string_view dotted) {
    while (!dotted.empty()) {
      size_t dot = dotted.find('.');
      std::string_view label = dotted.substr(0, dot);
      u8(unsigned(label.size())).str(label);
      dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
    }
    return u8(0);
  }
  size_t size() const { return b.size(); }
};

inline std::string_view as_text(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// A payload from tests/unit/decode/app/data/; empty if missing (the test then fails).
inline Bytes read_sample(const std::string& name) {
  std::ifstream in(std::string(SEKISHO_SOURCE_DIR) + "/tests/unit/decode/app/data/" + name, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Calls f(prefix, len) for every prefix of `msg` (0 .. size-1 bytes), each in its own
// exact-size heap block so that ASan reports any read past the end.
inline void for_each_prefix(const Bytes& msg, const std::function<void(const uint8_t*, size_t)>& f) {
  for (size_t len = 0; len < msg.size(); ++len) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[len ? len : 1]);
    std::copy(msg.begin(), msg.begin() + std::ptrdiff_t(len), copy.get());
    f(copy.get(), len);
  }
}

}  // namespace sekisho::decode::test
