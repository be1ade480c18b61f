#include "inventory/oui.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace sekisho::inventory {

namespace {
// Reads one CSV record (RFC 4180: quoted fields may hold commas, quotes and newlines, as
// the IEEE files' addresses do), keeping its first `keep` fields in `cols` and skipping the
// rest (the long address column). Advances `pos`; counts physical lines in `line`; returns
// the number of fields the record has. Runs of plain bytes are copied at once: the registry
// is ~4 MB read at every start.
size_t next_record(std::string_view text, size_t& pos, size_t& line, std::string* cols, size_t keep) {
  size_t field = 0;
  std::string* cur = keep > 0 ? &cols[0] : nullptr;
  if (cur) cur->clear();
  bool quoted = false;
  const size_t n = text.size();
  while (pos < n) {
    if (quoted) {
      const size_t q = text.find('"', pos);
      const size_t end = q == std::string_view::npos ? n : q;
      line += size_t(std::count(text.begin() + long(pos), text.begin() + long(end), '\n'));
      if (cur) cur->append(text.substr(pos, end - pos));
      if (q == std::string_view::npos) {
        pos = n;
        break;
      }
      pos = q + 1;
      if (pos < n && text[pos] == '"') {  // "" inside quotes: one quote
        if (cur) cur->push_back('"');
        ++pos;
      } else {
        quoted = false;
      }
      continue;
    }
    size_t end = pos;
    while (end < n && text[end] != ',' && text[end] != '\n' && text[end] != '"' && text[end] != '\r') ++end;
    if (cur) cur->append(text.substr(pos, end - pos));
    pos = end;
    if (pos == n) break;
    const char c = text[pos++];
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      ++field;
      cur = field < keep ? &cols[field] : nullptr;
      if (cur) cur->clear();
    } else if (c == '\n') {
      ++line;
      break;
    }  // '\r' outside quotes is dropped
  }
  return field + 1;
}

bool parse_hex(std::string_view s, uint64_t& v) {
  if (s.empty() || s.size() > 16) return false;
  v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                     : -1;
    if (d < 0) return false;
    v = (v << 4) | uint64_t(d);
  }
  return true;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}
}  // namespace

core::Result<OuiRegistry> OuiRegistry::load_dir(const std::string& dir) {
  OuiRegistry reg;
  if (auto st = reg.load_csv(dir + "/oui.csv"); !st) return st.error();
  for (const char* extra : {"/mam.csv", "/oui36.csv"}) {
    std::ifstream probe(dir + extra);
    if (probe) {
      if (auto st = reg.load_csv(dir + extra); !st) return st.error();
    }
  }
  return reg;
}

core::Status OuiRegistry::load_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::make_error(
        core::ErrorCode::kNotFound, path,
        "cannot open the MAC vendor registry (install Debian package ieee-data, or pass --oui-dir)");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_csv_text(ss.str(), path);
}

core::Status OuiRegistry::load_csv_text(std::string_view text, const std::string& name) {
  size_t line_no = 1;
  size_t pos = 0;
  size_t added = 0;
  bool header = true;
  std::string cols[3];
  while (pos < text.size()) {
    size_t start_line = line_no;
    const size_t fields = next_record(text, pos, line_no, cols, 3);
    if (header) {
      header = false;
      continue;
    }
    if (fields == 1 && cols[0].empty()) continue;  // blank line
    if (fields < 3) {
      return core::make_error(core::ErrorCode::kFormat, name + ":" + std::to_string(start_line),
                              "expected Registry,Assignment,Organization Name");
    }
    uint64_t prefix = 0;
    if (!parse_hex(cols[1], prefix)) {
      return core::make_error(core::ErrorCode::kFormat, name + ":" + std::to_string(start_line),
                              "assignment '" + cols[1] + "' is not hexadecimal");
    }
    std::string org = trim(cols[2]);
    if (cols[0] == "MA-L" && cols[1].size() == 6) {
      mal_[uint32_t(prefix)] = std::move(org);
    } else if (cols[0] == "MA-M" && cols[1].size() == 7) {
      mam_[uint32_t(prefix)] = std::move(org);
    } else if ((cols[0] == "MA-S" || cols[0] == "IAB") && cols[1].size() == 9) {
      mas_[prefix] = std::move(org);  // both are 36-bit assignments
    } else {
      continue;  // other registries (CID) do not name a MAC vendor
    }
    ++added;
  }
  if (added == 0) return core::make_error(core::ErrorCode::kFormat, name, "no vendor assignments found");
  return {};
}

std::string_view OuiRegistry::lookup(const core::MacAddr& mac) const {
  uint64_t v = mac.as_u64();
  if (!mas_.empty()) {
    if (auto it = mas_.find(v >> 12); it != mas_.end()) return it->second;
  }
  if (!mam_.empty()) {
    if (auto it = mam_.find(uint32_t(v >> 20)); it != mam_.end()) return it->second;
  }
  if (auto it = mal_.find(uint32_t(v >> 24)); it != mal_.end()) return it->second;
  return {};
}

}  // namespace sekisho::inventory
