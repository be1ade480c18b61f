#pragma once
// Append-only JSON writer for the output edge (EVE lines, reports). It writes into a
// caller-owned string that is reused between events, so steady state allocates nothing.
// Untrusted strings are escaped; invalid UTF-8 bytes are written as \u00XX.
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
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
  [[gnu::always_inline]] JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  // The common fields are written with one append: `,"key":"value"` or `,"key":123` is
  // built on the stack (keys are compile-time literals when inlined, so their copy is a
  // fixed-size move) instead of four appends, each with its own capacity check.
  [[gnu::always_inline]] JsonWriter& field(std::string_view k, std::string_view v) {
    char buf[kFieldBuf];
    if (k.size() + v.size() + 6 > sizeof buf || !is_plain(v)) {
      key(k);
      return value(v);
    }
    size_t n = put_key(buf, k);
    buf[n++] = '"';
    if (!v.empty()) std::memcpy(buf + n, v.data(), v.size());  // data() may be null when empty
    n += v.size();
    buf[n++] = '"';
    out_.append(buf, n);
    need_comma_ = true;
    return *this;
  }
  [[gnu::always_inline]] JsonWriter& field(std::string_view k, const char* v) { return field(k, std::string_view(v)); }
  [[gnu::always_inline]] JsonWriter& field(std::string_view k, uint64_t v) { return int_field(k, v); }
  [[gnu::always_inline]] JsonWriter& field(std::string_view k, int64_t v) { return int_field(k, v); }
  [[gnu::always_inline]] JsonWriter& field(std::string_view k, uint32_t v) { return field(k, uint64_t{v}); }
  [[gnu::always_inline]] JsonWriter& field(std::string_view k, int v) { return field(k, int64_t{v}); }

 private:
  // Key and integer in one append; keys too long for the stack buffer take the slow path.
  template <typename Int>
  [[gnu::always_inline]] JsonWriter& int_field(std::string_view k, Int v) {
    char buf[kFieldBuf];
    if (k.size() + 26 > sizeof buf) {
      key(k);
      return value(v);
    }
    size_t n = put_key(buf, k);
    auto r = std::to_chars(buf + n, buf + sizeof buf, v);
    out_.append(buf, size_t(r.ptr - buf));
    need_comma_ = true;
    return *this;
  }

 public:
  // Appends s escaped. Plain printable ASCII (the common case) is found eight bytes at a
  // time and appended in one piece.
  [[gnu::always_inline]] static void escape_into(std::string& out, std::string_view s) {
    if (is_plain(s)) {
      out.append(s.data(), s.size());
      return;
    }
    escape_slow(out, s);
  }

 public:
  // True when s needs no escaping (printable ASCII without '"' and '\\').
  [[gnu::always_inline]] static bool is_plain(std::string_view s) { return is_plain_impl(s); }

 private:
  static constexpr size_t kFieldBuf = 192;
  // Writes [,]"k": into buf (caller checked the size); returns the length.
  [[gnu::always_inline]] size_t put_key(char* buf, std::string_view k) const {
    size_t n = 0;
    if (need_comma_) buf[n++] = ',';
    buf[n++] = '"';
    std::memcpy(buf + n, k.data(), k.size());
    n += k.size();
    buf[n++] = '"';
    buf[n++] = ':';
    return n;
  }
  [[gnu::always_inline]] static bool is_plain_impl(std::string_view s) {
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

// A growable output buffer for the hot formatting path (EVE events on the writer thread).
// Unlike std::string it exposes its spare capacity: a field is written with the key as a
// fixed-size copy and the value straight into place, with one capacity check, instead of
// std::string appends (a call, a check and a libc memmove each). Never zero-fills after
// growing; clear() keeps the storage.
class JsonBuf {
 public:
  JsonBuf() = default;
  JsonBuf(const JsonBuf&) = delete;
  JsonBuf& operator=(const JsonBuf&) = delete;

  const char* data() const { return data_.get(); }
  size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  void clear() { len_ = 0; }
  std::string_view view() const { return {data_.get(), len_}; }

  // Room for n more bytes; returns where they go. commit(n') then makes n' <= n of them part
  // of the buffer.
  [[gnu::always_inline]] char* ensure(size_t n) {
    if (cap_ - len_ < n || cap_ == 0) [[unlikely]]  // never hands out a null pointer
      grow(n);
    return data_.get() + len_;
  }
  [[gnu::always_inline]] void commit(size_t n) { len_ += n; }
  [[gnu::always_inline]] void append(const char* s, size_t n) {
    char* p = ensure(n);
    if (n) std::memcpy(p, s, n);
    len_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  [[gnu::always_inline]] void push(char c) {
    *ensure(1) = c;
    ++len_;
  }
  void pop_back() { --len_; }

 private:
  void grow(size_t n) {
    size_t cap = cap_ ? cap_ * 2 : 4096;
    while (cap - len_ < n) cap *= 2;
    std::unique_ptr<char[]> d(new char[cap]);
    if (len_) std::memcpy(d.get(), data_.get(), len_);
    data_ = std::move(d);
    cap_ = cap;
  }
  std::unique_ptr<char[]> data_;
  size_t len_ = 0;
  size_t cap_ = 0;
};

// JsonWriter's interface (the subset the event formatter uses) over a JsonBuf; same output
// byte for byte. Keys are ours (not escaped); string values are escaped like JsonWriter.
class BufJsonWriter {
 public:
  explicit BufJsonWriter(JsonBuf& out) : out_(out) {}

  BufJsonWriter& begin_object() { return open('{'); }
  BufJsonWriter& end_object() { return close('}'); }
  BufJsonWriter& begin_array() { return open('['); }
  BufJsonWriter& end_array() { return close(']'); }
  [[gnu::always_inline]] BufJsonWriter& key(std::string_view k) {
    char* p = out_.ensure(k.size() + 4);
    out_.commit(put_key(p, k));
    need_comma_ = false;
    return *this;
  }
  [[gnu::always_inline]] BufJsonWriter& value(std::string_view s) {
    if (!plain(s)) [[unlikely]]
      return value_escaped(s);
    char* p = out_.ensure(s.size() + 3);
    size_t n = 0;
    if (need_comma_) p[n++] = ',';
    p[n++] = '"';
    if (!s.empty()) std::memcpy(p + n, s.data(), s.size());  // data() may be null when empty
    n += s.size();
    p[n++] = '"';
    out_.commit(n);
    need_comma_ = true;
    return *this;
  }
  BufJsonWriter& value(const char* s) { return value(std::string_view(s)); }
  [[gnu::always_inline]] BufJsonWriter& value(uint64_t v) {
    char* p = out_.ensure(24);
    size_t n = 0;
    if (need_comma_) p[n++] = ',';
    auto r = std::to_chars(p + n, p + 24, v);
    out_.commit(size_t(r.ptr - p));
    need_comma_ = true;
    return *this;
  }
  [[gnu::always_inline]] BufJsonWriter& value(int64_t v) {
    char* p = out_.ensure(24);
    size_t n = 0;
    if (need_comma_) p[n++] = ',';
    auto r = std::to_chars(p + n, p + 24, v);
    out_.commit(size_t(r.ptr - p));
    need_comma_ = true;
    return *this;
  }
  BufJsonWriter& value(uint32_t v) { return value(uint64_t{v}); }
  BufJsonWriter& value(int v) { return value(int64_t{v}); }
  BufJsonWriter& value(bool v) {
    comma();
    if (v)
      out_.append("true", 4);
    else
      out_.append("false", 5);
    need_comma_ = true;
    return *this;
  }

  // `,"key":value` with one capacity check.
  [[gnu::always_inline]] BufJsonWriter& field(std::string_view k, std::string_view v) {
    if (!plain(v)) [[unlikely]] {
      key(k);
      return value_escaped(v);
    }
    char* p = out_.ensure(k.size() + v.size() + 6);
    size_t n = put_key(p, k);
    p[n++] = '"';
    if (!v.empty()) std::memcpy(p + n, v.data(), v.size());  // data() may be null when empty
    n += v.size();
    p[n++] = '"';
    out_.commit(n);
    need_comma_ = true;
    return *this;
  }
  [[gnu::always_inline]] BufJsonWriter& field(std::string_view k, const char* v) {
    return field(k, std::string_view(v));
  }
  [[gnu::always_inline]] BufJsonWriter& field(std::string_view k, uint64_t v) {
    char* p = out_.ensure(k.size() + 4 + 21);
    size_t n = put_key(p, k);
    auto r = std::to_chars(p + n, p + n + 21, v);
    out_.commit(size_t(r.ptr - p));
    need_comma_ = true;
    return *this;
  }
  [[gnu::always_inline]] BufJsonWriter& field(std::string_view k, int64_t v) {
    char* p = out_.ensure(k.size() + 4 + 21);
    size_t n = put_key(p, k);
    auto r = std::to_chars(p + n, p + n + 21, v);
    out_.commit(size_t(r.ptr - p));
    need_comma_ = true;
    return *this;
  }
  [[gnu::always_inline]] BufJsonWriter& field(std::string_view k, uint32_t v) { return field(k, uint64_t{v}); }
  [[gnu::always_inline]] BufJsonWriter& field(std::string_view k, int v) { return field(k, int64_t{v}); }
  [[gnu::always_inline]] BufJsonWriter& field(std::string_view k, bool v) {
    key(k);
    return value(v);
  }

 private:
  [[gnu::always_inline]] static bool plain(std::string_view s) { return JsonWriter::is_plain(s); }
  BufJsonWriter& value_escaped(std::string_view s) {
    comma();
    scratch_.clear();
    scratch_ += '"';
    JsonWriter::escape_into(scratch_, s);
    scratch_ += '"';
    out_.append(scratch_.data(), scratch_.size());
    need_comma_ = true;
    return *this;
  }
  [[gnu::always_inline]] BufJsonWriter& open(char c) {
    char* p = out_.ensure(2);
    size_t n = 0;
    if (need_comma_) p[n++] = ',';
    p[n++] = c;
    out_.commit(n);
    need_comma_ = false;
    return *this;
  }
  [[gnu::always_inline]] BufJsonWriter& close(char c) {
    out_.push(c);
    need_comma_ = true;
    return *this;
  }
  void comma() {
    if (need_comma_) out_.push(',');
  }
  [[gnu::always_inline]] size_t put_key(char* p, std::string_view k) const {
    size_t n = 0;
    if (need_comma_) p[n++] = ',';
    p[n++] = '"';
    std::memcpy(p + n, k.data(), k.size());
    n += k.size();
    p[n++] = '"';
    p[n++] = ':';
    return n;
  }
  JsonBuf& out_;
  bool need_comma_ = false;
  std::string scratch_;  // escaped values (rare); allocates only for those
};

}  // namespace sekisho::core
