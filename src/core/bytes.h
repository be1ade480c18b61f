#pragma once
// Bounded, big-endian reads over untrusted bytes. Every read checks the bound; a failed
// read sets the reader's `ok` to false and returns zero, so a parser can read a whole
// header and check once.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sekisho::core {

struct ByteReader {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  bool ok = true;

  ByteReader() = default;
  ByteReader(const uint8_t* d, size_t n) : data(d), size(n) {}

  size_t remaining() const { return pos <= size ? size - pos : 0; }
  bool has(size_t n) const { return n <= remaining(); }
  const uint8_t* cur() const { return data + pos; }

  bool skip(size_t n) {
    if (!has(n)) return ok = false;
    pos += n;
    return true;
  }
  uint8_t u8() {
    if (!has(1)) return fail8();
    return data[pos++];
  }
  uint16_t u16() {
    if (!has(2)) return fail16();
    uint16_t v = uint16_t((data[pos] << 8) | data[pos + 1]);
    pos += 2;
    return v;
  }
  uint32_t u24() {
    if (!has(3)) return fail32();
    uint32_t v = (uint32_t{data[pos]} << 16) | (uint32_t{data[pos + 1]} << 8) | data[pos + 2];
    pos += 3;
    return v;
  }
  uint32_t u32() {
    if (!has(4)) return fail32();
    uint32_t v =
        (uint32_t{data[pos]} << 24) | (uint32_t{data[pos + 1]} << 16) | (uint32_t{data[pos + 2]} << 8) | data[pos + 3];
    pos += 4;
    return v;
  }
  // Returns a pointer to n bytes and advances, or nullptr.
  const uint8_t* take(size_t n) {
    if (!has(n)) {
      ok = false;
      return nullptr;
    }
    const uint8_t* p = data + pos;
    pos += n;
    return p;
  }
  std::string_view take_view(size_t n) {
    const uint8_t* p = take(n);
    return p ? std::string_view(reinterpret_cast<const char*>(p), n) : std::string_view();
  }

 private:
  uint8_t fail8() {
    ok = false;
    return 0;
  }
  uint16_t fail16() {
    ok = false;
    return 0;
  }
  uint32_t fail32() {
    ok = false;
    return 0;
  }
};

inline uint16_t load_be16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint64_t load_be64(const uint8_t* p) { return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4); }
inline uint16_t load_le16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
inline uint32_t load_le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

}  // namespace sekisho::core
