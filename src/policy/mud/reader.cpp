#include "policy/mud/reader.h"

#include <charconv>

namespace sekisho::policy::detail {

std::string child(const std::string& path, std::string_view key) {
  std::string out = path;
  out.reserve(path.size() + key.size() + 1);
  out += '/';
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(const std::string& path, size_t index) { return path + '/' + std::to_string(index); }

std::string describe(const Json& v) {
  constexpr size_t kMax = 40;
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}

std::string short_quote(std::string_view s) {
  constexpr size_t kMax = 60;
  if (s.size() <= kMax) return "\"" + std::string(s) + "\"";
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;  // not inside a UTF-8 character
  return "\"" + std::string(s.substr(0, cut)) + "...\"";
}

void Reader::finish() {
  if (errors_ > kMaxReports)
    diag_.errors.push_back(core::make_error(core::ErrorCode::kFormat, where_,
                                            std::to_string(errors_ - kMaxReports) + " more errors not shown"));
  if (warnings_ > kMaxReports)
    diag_.warnings.push_back(core::make_error(core::ErrorCode::kFormat, where_,
                                              std::to_string(warnings_ - kMaxReports) + " more warnings not shown"));
}

void Reader::error(const std::string& path, std::string_view msg, core::ErrorCode code) {
  if (++errors_ > kMaxReports) return;
  std::string what = path.empty() ? std::string(msg) : path + ": " + std::string(msg);
  diag_.errors.push_back(core::make_error(code, where_, std::move(what)));
}

void Reader::unsupported(const std::string& path, std::string_view what) {
  error(path, std::string(what) + " is not supported by sekisho", core::ErrorCode::kUnsupported);
}

void Reader::warn(const std::string& path, std::string_view msg) {
  if (++warnings_ > kMaxReports) return;
  std::string what = path.empty() ? std::string(msg) : path + ": " + std::string(msg);
  diag_.warnings.push_back(core::make_error(core::ErrorCode::kFormat, where_, std::move(what)));
}

void Reader::warn_once(const std::string& tag, const std::string& path, std::string_view msg) {
  if (warned_.insert(tag).second) warn(path, msg);
}

bool Reader::object(const Json& v, const std::string& path) {
  if (v.is_object()) return true;
  error(path, "expected an object, got " + describe(v));
  return false;
}

bool Reader::array(const Json& v, const std::string& path) {
  if (v.is_array()) return true;
  error(path, "expected an array, got " + describe(v));
  return false;
}

std::optional<std::string> Reader::string(const Json& v, const std::string& path) {
  if (const auto* s = v.get_ptr<const Json::string_t*>()) return *s;
  error(path, "expected a string, got " + describe(v));
  return std::nullopt;
}

std::optional<bool> Reader::boolean(const Json& v, const std::string& path) {
  if (const auto* b = v.get_ptr<const Json::boolean_t*>()) return *b;
  error(path, "expected true or false, got " + describe(v));
  return std::nullopt;
}

std::optional<uint64_t> Reader::integer(const Json& v, const std::string& path, uint64_t lo, uint64_t hi) {
  std::optional<uint64_t> n;
  if (const auto* u = v.get_ptr<const Json::number_unsigned_t*>()) {
    n = *u;
  } else if (const auto* i = v.get_ptr<const Json::number_integer_t*>()) {
    if (*i >= 0) n = uint64_t(*i);
  }
  if (n && *n >= lo && *n <= hi) return n;
  error(path, "expected an integer " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + describe(v));
  return std::nullopt;
}

bool Reader::empty_leaf(const Json& v, const std::string& path) {
  if (v.is_array() && v.size() == 1 && v[0].is_null()) return true;
  error(path, "expected [null] (the YANG empty type), got " + describe(v));
  return false;
}

bool is_dns_name(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty() || s.size() > 253) return false;
  size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    // '_' is not a hostname character, but service names and real MUD files use it.
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

namespace {
bool digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}
}  // namespace

bool is_date_and_time(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (!digits(s, 0, 4) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2) ||
      (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' ||
      !digits(s, 17, 2))
    return false;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    size_t j = i + 1;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i + 1) return false;
    i = j;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  return i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && digits(s, i + 1, 2) && s[i + 3] == ':' &&
         digits(s, i + 4, 2);
}

bool is_uri(std::string_view s) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size()) return false;
  const char first = s[0];
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return false;
  for (size_t i = 1; i < colon; ++i) {
    const char c = s[i];
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!ok) return false;
  }
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  return true;
}

std::optional<IpPrefix> parse_prefix(std::string_view s, uint8_t family) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos || s.find('\0') != std::string_view::npos) return std::nullopt;
  auto addr = core::IpAddr::parse(s.substr(0, slash));
  if (!addr || addr->family != family) return std::nullopt;
  const std::string_view len = s.substr(slash + 1);
  unsigned n = 0;
  auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
  if (len.empty() || ec != std::errc() || end != len.data() + len.size()) return std::nullopt;
  if (n > (family == 4 ? 32u : 128u)) return std::nullopt;
  return IpPrefix{*addr, uint8_t(n)};
}

}  // namespace sekisho::policy::detail
