#pragma once
// Small text helpers shared by the scan protocol parsers (internal to src/scan/proto). They never
// read outside the views they are given and never throw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sekisho::scan::proto::text {

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

inline bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

inline bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// Case-insensitive find of an ASCII needle; npos when absent.
inline size_t ifind(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty()) return from <= hay.size() ? from : std::string_view::npos;
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    if (lower(hay[i]) != lower(needle[0])) continue;
    if (iequals(hay.substr(i, needle.size()), needle)) return i;
  }
  return std::string_view::npos;
}

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Copies at most `max` bytes, replacing control characters (and DEL) with a space, so that a
// device's bytes can go into a report line. A cut never splits a UTF-8 sequence.
inline std::string printable(std::string_view s, size_t max) {
  if (s.size() > max) {
    size_t cut = max;
    // Back off over UTF-8 continuation bytes so the result ends on a character boundary.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut);
  }
  std::string out(s);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return out;
}

// Splits bytes into lines ending in LF (a CR before it is dropped). `complete` says whether the
// line just returned ended in LF (otherwise it ran to the end of the bytes).
struct LineReader {
  std::string_view data;
  size_t pos = 0;
  bool complete = false;

  explicit LineReader(std::string_view d) : data(d) {}

  bool next(std::string_view& line) {
    if (pos >= data.size()) return false;
    size_t start = pos;
    size_t end = data.find('\n', start);
    complete = end != std::string_view::npos;
    if (!complete) end = data.size();
    pos = complete ? end + 1 : end;
    size_t stop = end;
    if (stop > start && data[stop - 1] == '\r') --stop;
    line = data.substr(start, stop - start);
    return true;
  }
};

// "Name: value" -> trimmed name and value; false when there is no colon or no name.
inline bool split_header(std::string_view line, std::string_view& name, std::string_view& value) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  name = trim(line.substr(0, colon));
  value = trim(line.substr(colon + 1));
  return !name.empty();
}

inline bool parse_uint(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = uint64_t(c - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

}  // namespace sekisho::scan::proto::text
