#pragma once
// Line and header helpers shared by the HTTP-like parsers (SSDP, HTTP). Views only: they
// never copy or allocate, and never look outside the bytes they were given.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sekisho::decode::text {

// Splits bytes into lines ending in LF (a CR before it is dropped). The last line may end at
// the end of the bytes instead; `complete` says whether the line just returned had its LF.
struct LineReader {
  const char* data;
  size_t size;
  size_t pos = 0;
  bool complete = false;

  LineReader(const uint8_t* p, size_t n) : data(reinterpret_cast<const char*>(p)), size(n) {}

  bool next(std::string_view& line) {
    if (pos >= size) return false;
    size_t start = pos;
    size_t end = start;
    while (end < size && data[end] != '\n') ++end;
    complete = end < size;
    pos = complete ? end + 1 : end;
    if (end > start && data[end - 1] == '\r') --end;
    line = {data + start, end - start};
    return true;
  }
};

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "Name: value" -> trimmed name and value. False when the line has no colon or no name.
inline bool split_header(std::string_view line, std::string_view& name, std::string_view& value) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  name = trim(line.substr(0, colon));
  value = trim(line.substr(colon + 1));
  return !name.empty();
}

}  // namespace sekisho::decode::text
