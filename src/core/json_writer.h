#pragma once
// Append-only JSON writer for the output edge (EVE lines, reports). It writes into a
// caller-owned string that is reused between events, so steady state allocates nothing.
// Untrusted strings are escaped; invalid UTF-8 bytes are written as \u00XX.
#include <cstdint>
#include <string>
#include <string_view>

namespace sekisho::core {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);  // keys are ours: not escaped

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int64_t v);
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

  static void escape_into(std::string& out, std::string_view s);

 private:
  void comma();
  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace sekisho::core
