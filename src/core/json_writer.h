#pragma once
// Append-only JSON writer for the output edge (EVE lines, reports). It writes into a
// caller-owned string that is reused between events, so steady state allocates nothing.
// Untrusted strings are escaped; invalid UTF-8 bytes are written as \u00XX.
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sekisho::core {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  // The structural calls and plain values are inline: events are formatted at a few
  // GB/s, and a call per comma or key showed up in the profile.
  JsonWriter& begin_object() {
    comma();
    out_ += '{';
    need_comma_ = false;
    return *this;
  }
  JsonWriter& end_object() {
    out_ += '}';
    need_comma_ = true;
    return *this;
  }
  JsonWriter& begin_array() {
    comma();
    out_ += '[';
    need_comma_ = false;
    return *this;
  }
  JsonWriter& end_array() {
    out_ += ']';
    need_comma_ = true;
    return *this;
  }
  [[gnu::always_inline]] JsonWriter& key(std::string_view k) {  // keys are ours: not escaped
    // One append of ,"key": built on the stack (keys are short).
    char buf[64];
    if (k.size() + 4 > sizeof buf) return key_long(k);
    size_t n = 0;
    if (need_comma_) buf[n++] = ',';
    buf[n++] = '"';
    std::memcpy(buf + n, k.data(), k.size());
    n += k.size();
    buf[n++] = '"';
    buf[n++] = ':';
    out_.append(buf, n);
    need_comma_ = false;
    return *this;
  }

  [[gnu::always_inline]] JsonWriter& value(std::string_view s) {
    comma();
    out_ += '"';
    escape_into(out_, s);
    out_ += '"';
    need_comma_ = true;
    return *this;
  }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(uint64_t v) {
    char buf[24];
    size_t n = 0;
    if (need_comma_) buf[n++] = ',';
    auto r = std::to_chars(buf + n, buf + sizeof buf, v);
    out_.append(buf, size_t(r.ptr - buf));
    need_comma_ = true;
    return *this;
  }
  JsonWriter& value(int64_t v) {
    char buf[24];
    size_t n = 0;
    if (need_comma_) buf[n++] = ',';
    auto r = std::to_chars(buf + n, buf + sizeof buf, v);
    out_.append(buf, size_t(r.ptr - buf));
    need_comma_ = true;
    return *this;
  }
  JsonWriter& value(uint32_t v) { return value(uint64_t{v}); }
  JsonWriter& value(int v) { return value(int64_t{v}); }
  JsonWriter& value(bool v);
  JsonWriter& value(double v);
  JsonWriter& null();
  JsonWriter& raw(std::string_view json);  // an already-encoded value

  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  // Appends s escaped. Plain printable ASCII (the common case) is found eight bytes at a
  // time and appended in one piece.
  [[gnu::always_inline]] static void escape_into(std::string& out, std::string_view s) {
    if (is_plain(s)) {
      out.append(s.data(), s.size());
      return;
    }
    escape_slow(out, s);
  }

 private:
  static bool is_plain(std::string_view s) {
    const char* p = s.data();
    size_t n = s.size();
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    while (n >= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      // A byte < 0x20, >= 0x80, '"' or '\\' needs work (SWAR "has byte less than / equal").
      uint64_t lt = (v - kOnes * 0x20) & ~v;
      uint64_t q = v ^ (kOnes * '"');
      uint64_t bs = v ^ (kOnes * '\\');
      uint64_t eq = ((q - kOnes) & ~q) | ((bs - kOnes) & ~bs);
      if ((lt | eq | v) & kHigh) return false;
      p += 8;
      n -= 8;
    }
    for (; n; --n, ++p) {
      auto c = static_cast<unsigned char>(*p);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
    }
    return true;
  }
  static void escape_slow(std::string& out, std::string_view s);
  JsonWriter& key_long(std::string_view k);
  void comma() {
    if (need_comma_) out_ += ',';
  }
  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace sekisho::core
